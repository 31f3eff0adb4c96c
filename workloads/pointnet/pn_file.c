/* Point-cloud network files (docs/network.md, "Point-cloud networks"): the layer list of
 * pointnet2_cls_ssg read through models/config's document API, every key checked and every
 * problem reported, then shapes inferred and weights allocated. */
#include "workloads/pointnet/pointnet.h"
#include "models/config/config.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name, *where;
} kinds[CIM_PN_COUNT] = {
#define CIM_PN_LAYER(id, nm, wh) [CIM_PN_##id] = {nm, #wh},
#include "workloads/pointnet/layers.def"
#undef CIM_PN_LAYER
};

/* The keys each layer type takes (the reader below reads exactly these). */
static const char *const layer_keys[CIM_PN_COUNT] = {
    [CIM_PN_SA] = "type,name,npoint,radius,nsample,group_all,mlp,prune",
    [CIM_PN_LINEAR] = "type,name,out_features,bias",
    [CIM_PN_BN] = "type,name",
    [CIM_PN_RELU] = "type",
    [CIM_PN_DROPOUT] = "type,p",
};

const char *cim_pn_kind_name(CimPnKind k)
{
    return k < CIM_PN_COUNT ? kinds[k].name : "?";
}

const char *cim_pn_kind_where(CimPnKind k)
{
    return k < CIM_PN_COUNT && strcmp(kinds[k].where, "CHIP") == 0 ? "chip" : "host";
}

typedef struct {
    const CimDoc *doc;
    CimDiag *diag;
    char what[48];              /* "network.layers[3]" */
    const CimDocNode *m;        /* the layer's mapping */
} Rd;

/* The value of key (NULL when absent and optional, or after reporting a missing one). */
static const CimDocNode *val(Rd *r, const char *key, int required)
{
    if (!required)
        return cim_doc_get(r->m, key);
    return cim_doc_need(r->doc, r->m, key, r->what, cim_doc_text(cim_doc_get(r->m, "type"), NULL), r->diag);
}

static void get_uint(Rd *r, const char *key, int required, unsigned lo, unsigned hi, unsigned *dst)
{
    char path[96];
    const CimDocNode *v = val(r, key, required);
    snprintf(path, sizeof path, "%s.%s", r->what, key);
    if (v)
        cim_doc_uint(r->doc, v, path, lo, hi, dst, r->diag);
}

static void get_bool(Rd *r, const char *key, int *dst)
{
    char path[96];
    const CimDocNode *v = val(r, key, 0);
    snprintf(path, sizeof path, "%s.%s", r->what, key);
    if (v)
        cim_doc_bool(r->doc, v, path, dst, r->diag);
}

/* name: letters, digits, '_' and '.', since it prefixes tensor names. */
static const CimDocNode *get_name(Rd *r, CimPnLayer *l)
{
    char path[96], got[64];
    const CimDocNode *v = val(r, "name", 1);
    snprintf(path, sizeof path, "%s.name", r->what);
    if (!v || cim_doc_string(r->doc, v, path, l->name, sizeof l->name, r->diag) != CIM_OK)
        return NULL;
    if (l->name[strspn(l->name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.")]) {
        cim_doc_error(r->doc, v, r->diag, "%s must hold only letters, digits, '_' and '.' (it prefixes tensor names), got %s",
                      path, cim_doc_describe(v, got, sizeof got));
        l->name[0] = '\0';
        return NULL;
    }
    return v;
}

static void get_mlp(Rd *r, CimPnLayer *l)
{
    char path[96], got[64];
    const CimDocNode *v = val(r, "mlp", 1);
    snprintf(path, sizeof path, "%s.mlp", r->what);
    if (!v)
        return;
    size_t n = cim_doc_len(v);
    if (cim_doc_kind(v) != CIM_DOC_SEQ || n < 1 || n > CIM_PN_MAX_MLP) {
        if (cim_doc_kind(v) == CIM_DOC_SEQ)
            snprintf(got, sizeof got, "%zu", n);
        else
            cim_doc_describe(v, got, sizeof got);
        cim_doc_error(r->doc, v, r->diag, "%s must be a sequence of 1 to %d output channel counts, got %s", path,
                      CIM_PN_MAX_MLP, got);
        return;
    }
    l->n_mlp = (unsigned)n;
    for (size_t i = 0; i < n; i++) {
        char p2[112];
        snprintf(p2, sizeof p2, "%s[%zu]", path, i);
        cim_doc_uint(r->doc, cim_doc_item(v, i), p2, 1, 65536, &l->mlp[i], r->diag);
    }
}

/* set_abstraction: group_all excludes npoint, radius and nsample, which are otherwise required. */
static void read_sa(Rd *r, CimPnLayer *l)
{
    get_bool(r, "group_all", &l->group_all);
    get_bool(r, "prune", &l->prune);
    get_mlp(r, l);
    if (l->group_all) {
        static const char *const excl[] = {"npoint", "radius", "nsample"};
        for (int i = 0; i < 3; i++)
            if (cim_doc_get(r->m, excl[i]))
                cim_doc_error(r->doc, cim_doc_get(r->m, excl[i]), r->diag,
                              "%s.%s: a group_all set abstraction takes every point (no %s)", r->what, excl[i], excl[i]);
        return;
    }
    char path[96];
    double radius = 0;
    get_uint(r, "npoint", 1, 1, 1048576, &l->npoint);
    get_uint(r, "nsample", 1, 1, 4096, &l->nsample);
    const CimDocNode *v = val(r, "radius", 1);
    snprintf(path, sizeof path, "%s.radius", r->what);
    if (v && cim_doc_double(r->doc, v, path, CIM_DOC_POSITIVE, 0, 0, &radius, r->diag) == CIM_OK)
        l->radius = (float)radius;
}

static void read_layer(Rd *r, CimPnLayer *l, const CimDocNode **name)
{
    switch (l->kind) {
    case CIM_PN_SA:
        *name = get_name(r, l);
        read_sa(r, l);
        break;
    case CIM_PN_LINEAR:
        *name = get_name(r, l);
        get_uint(r, "out_features", 1, 1, 1048576, &l->out_features);
        l->has_bias = 1;
        get_bool(r, "bias", &l->has_bias);
        break;
    case CIM_PN_BN:
        *name = get_name(r, l);
        break;
    case CIM_PN_DROPOUT: {
        char path[96];
        const CimDocNode *v = val(r, "p", 1);
        snprintf(path, sizeof path, "%s.p", r->what);
        if (v)
            cim_doc_double(r->doc, v, path, CIM_DOC_CLOSED, 0, 1, &l->dropout_p, r->diag);
        break;
    }
    default:
        break;
    }
}

static int read_kind(Rd *r)
{
    const CimDocNode *t = val(r, "type", 1);
    if (!t)
        return -1;
    const char *text = cim_doc_text(t, NULL);
    char list[160] = "", got[64];
    for (int k = 0; k < CIM_PN_COUNT; k++) {
        if (text && strcmp(text, kinds[k].name) == 0)
            return k;
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "", kinds[k].name);
    }
    cim_doc_error(r->doc, t, r->diag, "unknown layer type %s in '%s'; expected one of: %s",
                  cim_doc_describe(t, got, sizeof got), r->what, list);
    return -1;
}

static void read_layers(const CimDoc *doc, const CimDocNode *seq, CimPnNet *net, CimDiag *diag)
{
    char got[64];
    size_t n = cim_doc_len(seq);
    if (cim_doc_kind(seq) != CIM_DOC_SEQ || n == 0 || n > CIM_PN_MAX_LAYERS) {
        cim_doc_error(doc, seq, diag, "network.layers must be a sequence of 1 to %d layers, got %s", CIM_PN_MAX_LAYERS,
                      cim_doc_describe(seq, got, sizeof got));
        return;
    }
    const CimDocNode *names[CIM_PN_MAX_LAYERS] = {0};
    net->n = n;
    for (size_t i = 0; i < n; i++) {
        Rd r = {doc, diag, "", cim_doc_item(seq, i)};
        CimPnLayer *l = &net->layers[i];
        snprintf(r.what, sizeof r.what, "network.layers[%zu]", i);
        if (cim_doc_kind(r.m) != CIM_DOC_MAP) {
            cim_doc_error(doc, r.m, diag, "%s must be a mapping with a 'type' key, got %s", r.what,
                          cim_doc_describe(r.m, got, sizeof got));
            continue;
        }
        l->line = cim_doc_line(r.m);
        l->col = cim_doc_col(r.m);
        int k = read_kind(&r);
        if (k < 0)
            continue;
        l->kind = (CimPnKind)k;
        cim_doc_check_keys(doc, r.m, r.what, kinds[k].name, layer_keys[k], diag);
        read_layer(&r, l, &names[i]);
        for (size_t j = 0; names[i] && j < i; j++)
            if (names[j] && strcmp(net->layers[j].name, l->name) == 0) {
                cim_doc_error(doc, names[i], diag, "duplicate layer name '%s' (network.layers[%zu] and [%zu])", l->name,
                              j, i);
                cim_doc_note(doc, names[j], diag, "'%s' first used here", l->name);
                break;
            }
    }
}

static void read_doc(const CimDoc *doc, CimPnNet *net, CimDiag *diag)
{
    const CimDocNode *root = cim_doc_root(doc);
    cim_doc_check_keys(doc, root, "", NULL, "network", diag);
    const CimDocNode *nw = cim_doc_need(doc, root, "network", "", NULL, diag);
    if (!nw || (cim_doc_check_keys(doc, nw, "network", NULL, "name,input,layers", diag) && cim_doc_kind(nw) != CIM_DOC_MAP))
        return;
    const CimDocNode *v = cim_doc_need(doc, nw, "name", "network", NULL, diag);
    if (v)
        cim_doc_string(doc, v, "network.name", net->name, sizeof net->name, diag);
    const CimDocNode *in = cim_doc_need(doc, nw, "input", "network", NULL, diag);
    if (in && !(cim_doc_check_keys(doc, in, "network.input", "point cloud", "points,channels", diag) &&
                cim_doc_kind(in) != CIM_DOC_MAP)) {
        if ((v = cim_doc_need(doc, in, "points", "network.input", NULL, diag)))
            cim_doc_uint(doc, v, "network.input.points", 1, 1048576, &net->points, diag);
        if ((v = cim_doc_need(doc, in, "channels", "network.input", NULL, diag)))
            cim_doc_uint(doc, v, "network.input.channels", 3, 65536, &net->channels, diag);
    }
    if ((v = cim_doc_need(doc, nw, "layers", "network", NULL, diag)))
        read_layers(doc, v, net, diag);
}

/* A shape error at layer i (the first stops the check). */
static CimStatus shape_error(const char *path, const CimPnLayer *l, size_t i, const char *msg, CimDiag *diag)
{
    cim_diag_add(diag, CIM_SEV_ERROR, path, l->line, l->col, "network.layers[%zu] (%s): %s", i, cim_pn_kind_name(l->kind),
                 msg);
    return CIM_ERR_CONFIG;
}

/* Shapes of every layer; floats of weights needed into *nfloat. */
static CimStatus infer(const char *path, CimPnNet *net, size_t *nfloat, CimDiag *diag)
{
    unsigned points = net->points, c = net->channels - 3; /* c: features besides xyz */
    int flat = 0;
    size_t nf = 0;
    for (size_t i = 0; i < net->n; i++) {
        CimPnLayer *l = &net->layers[i];
        l->in_points = points;
        l->in_c = c;
        if (l->kind == CIM_PN_SA) {
            if (flat)
                return shape_error(path, l, i, "a set abstraction cannot follow a group_all one or a head layer", diag);
            if (!l->group_all && l->npoint > points) {
                char msg[128];
                snprintf(msg, sizeof msg, "npoint %u is more than the %u points it receives", l->npoint, points);
                return shape_error(path, l, i, msg, diag);
            }
            unsigned cin = 3 + c;
            for (unsigned s = 0; s < l->n_mlp; s++) {
                l->cin[s] = cin;
                nf += (size_t)l->mlp[s] * cin + 4u * l->mlp[s];
                cin = l->mlp[s];
            }
            points = l->group_all ? 1 : l->npoint;
            c = cin;
            flat = l->group_all;
        } else if (!flat) {
            return shape_error(path, l, i, "head layers need a flat vector: put a group_all set abstraction before them",
                               diag);
        } else if (l->kind == CIM_PN_LINEAR) {
            nf += (size_t)l->out_features * c + (l->has_bias ? l->out_features : 0);
            c = l->out_features;
        } else if (l->kind == CIM_PN_BN) {
            nf += 4u * (size_t)c;
        }
        l->out_points = points;
        l->out_c = c;
    }
    if (!flat)
        return shape_error(path, &net->layers[net->n - 1], net->n - 1,
                           "the network must end in a flat vector of class scores (a group_all set abstraction)", diag);
    *nfloat = nf;
    return CIM_OK;
}

static void bind_bn(CimPnBn *bn, float **p, size_t c)
{
    bn->gamma = *p;
    bn->beta = *p + c;
    bn->mean = *p + 2 * c;
    bn->var = *p + 3 * c;
    *p += 4 * c;
}

/* Points every weight array into net->mem. */
static void bind(CimPnNet *net)
{
    float *p = net->mem;
    for (size_t i = 0; i < net->n; i++) {
        CimPnLayer *l = &net->layers[i];
        if (l->kind == CIM_PN_SA)
            for (unsigned s = 0; s < l->n_mlp; s++) {
                l->w[s] = p;
                p += (size_t)l->mlp[s] * l->cin[s];
                bind_bn(&l->bn[s], &p, l->mlp[s]);
            }
        else if (l->kind == CIM_PN_LINEAR) {
            l->w[0] = p;
            p += (size_t)l->out_features * l->in_c;
            if (l->has_bias) {
                l->b = p;
                p += l->out_features;
            }
        } else if (l->kind == CIM_PN_BN)
            bind_bn(&l->bn[0], &p, l->in_c);
    }
}

void cim_pn_free(CimPnNet *net)
{
    free(net->layers);
    free(net->mem);
    memset(net, 0, sizeof *net);
}

CimStatus cim_pn_load(const char *path, CimPnNet *out, CimDiag *diag)
{
    size_t errors0 = diag->errors, nf = 0;
    CimDoc *doc = NULL;
    CimStatus st = cim_doc_load(path, "network", &doc, diag);
    CimPnNet net;
    memset(&net, 0, sizeof net);
    net.layers = calloc(CIM_PN_MAX_LAYERS, sizeof *net.layers);
    if (!net.layers)
        st = CIM_ERR_NOMEM;
    if (doc && st == CIM_OK)
        read_doc(doc, &net, diag);
    cim_doc_free(doc);
    if (st == CIM_OK && diag->errors != errors0)
        st = CIM_ERR_CONFIG;
    if (st == CIM_OK)
        st = infer(path, &net, &nf, diag);
    if (st == CIM_OK && !(net.mem = calloc(nf ? nf : 1, sizeof(float))))
        st = CIM_ERR_NOMEM;
    if (st != CIM_OK) {
        cim_pn_free(&net);
        return st;
    }
    bind(&net);
    *out = net;
    return CIM_OK;
}

int cim_pn_is_pointcloud_file(const char *path)
{
    CimDiag d;
    cim_diag_init(&d);
    CimDoc *doc = NULL;
    int yes = cim_doc_load(path, NULL, &doc, &d) == CIM_ERR_NOMEM ? -1 :
              doc && cim_doc_get(cim_doc_get(cim_doc_get(cim_doc_root(doc), "network"), "input"), "points") != NULL;
    cim_doc_free(doc);
    cim_diag_free(&d);
    return yes;
}

CimStatus cim_pn_check(const char *path, CimDiag *diag)
{
    CimPnNet net;
    CimStatus st = cim_pn_load(path, &net, diag);
    if (st == CIM_OK)
        cim_pn_free(&net);
    return st;
}
