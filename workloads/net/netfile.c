/* Reads a network file (docs/network.md) into a CimNet through models/config's document
 * API: every key of every layer checked, every problem reported (STYLE.md section 3), then
 * shapes inferred. Layer names follow the PyTorch state_dict of the model. */
#include "workloads/net/netfile.h"
#include "models/config/config.h"

#include <string.h>

typedef struct {
    const CimDoc *doc;
    CimDiag *diag;
} Rd;

typedef void (*ParseFn)(Rd *r, const CimDocNode *m, const char *what, CimLayer *l, const CimDocNode **name);

/* "network.layers[2].kernel" for key of the layer at what. */
static void key_path(char *buf, size_t len, const char *what, const char *key)
{
    snprintf(buf, len, "%s.%s", what, key);
}

/* Reads a required unsigned key of layer map m into *dst. */
static void need_uint(Rd *r, const CimDocNode *m, const char *what, const char *kind, const char *key,
                      unsigned lo, unsigned hi, unsigned *dst)
{
    char path[96];
    const CimDocNode *v = cim_doc_need(r->doc, m, key, what, kind, r->diag);
    key_path(path, sizeof path, what, key);
    if (v)
        cim_doc_uint(r->doc, v, path, lo, hi, dst, r->diag);
}

/* bias: true or false, true when absent. */
static void read_bias(Rd *r, const CimDocNode *m, const char *what, CimLayer *l)
{
    char path[96];
    const CimDocNode *v = cim_doc_get(m, "bias");
    key_path(path, sizeof path, what, "bias");
    l->has_bias = 1;
    if (v)
        cim_doc_bool(r->doc, v, path, &l->has_bias, r->diag);
}

/* name: letters, digits, '_' and '.', since "<name>.weight" names a tensor. */
static void read_name(Rd *r, const CimDocNode *m, const char *what, CimLayer *l, const CimDocNode **name)
{
    char path[96];
    const CimDocNode *v = cim_doc_need(r->doc, m, "name", what, cim_layer_kind_name(l->kind), r->diag);
    key_path(path, sizeof path, what, "name");
    if (!v || cim_doc_string(r->doc, v, path, l->name, sizeof l->name, r->diag) != CIM_OK)
        return;
    size_t ok = strspn(l->name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.");
    if (l->name[ok] != '\0') {
        char got[64];
        cim_doc_error(r->doc, v, r->diag,
                      "%s must hold only letters, digits, '_' and '.' (it prefixes tensor names such as "
                      "'conv1.weight'), got %s",
                      path, cim_doc_describe(v, got, sizeof got));
        l->name[0] = '\0';
        return;
    }
    *name = v;
}

static void parse_conv(Rd *r, const CimDocNode *m, const char *what, CimLayer *l, const CimDocNode **name)
{
    const char *kind = cim_layer_kind_name(l->kind);
    read_name(r, m, what, l, name);
    need_uint(r, m, what, kind, "out_channels", 1, 65536, &l->out_channels);
    need_uint(r, m, what, kind, "kernel", 1, 15, &l->kernel);
    need_uint(r, m, what, kind, "padding", 0, 7, &l->padding);
    read_bias(r, m, what, l);
}

static void parse_pool(Rd *r, const CimDocNode *m, const char *what, CimLayer *l, const CimDocNode **name)
{
    (void)name;
    need_uint(r, m, what, cim_layer_kind_name(l->kind), "kernel", 1, 64, &l->pool);
}

static void parse_linear(Rd *r, const CimDocNode *m, const char *what, CimLayer *l, const CimDocNode **name)
{
    read_name(r, m, what, l, name);
    need_uint(r, m, what, cim_layer_kind_name(l->kind), "out_features", 1, 1048576, &l->out_features);
    read_bias(r, m, what, l);
}

/* Keys each layer type takes, and its reader (NULL: no parameters). A layer type in
 * layers.def without a row here is reported as not readable from a file. */
static const struct {
    const char *keys;
    ParseFn parse;
} specs[CIM_L_COUNT] = {
    [CIM_L_CONV_BIN] = {"type,name,out_channels,kernel,padding,bias", parse_conv},
    [CIM_L_MAXPOOL] = {"type,kernel", parse_pool},
    [CIM_L_RELU] = {"type", NULL},
    [CIM_L_FLATTEN] = {"type", NULL},
    [CIM_L_LINEAR] = {"type,name,out_features,bias", parse_linear},
};

/* Reads the type: key of layer m; -1 after reporting. */
static int read_type(Rd *r, const CimDocNode *m, const char *what)
{
    const CimDocNode *t = cim_doc_need(r->doc, m, "type", what, NULL, r->diag);
    if (!t)
        return -1;
    size_t len = 0;
    const char *text = cim_doc_text(t, &len);
    CimLayerKind k;
    if (text && strlen(text) == len && cim_layer_kind_parse(text, &k) == CIM_OK && specs[k].keys)
        return (int)k;
    char got[64], list[256] = "";
    for (int i = 0; i < CIM_L_COUNT; i++)
        if (specs[i].keys)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                     cim_layer_kind_name((CimLayerKind)i));
    cim_doc_error(r->doc, t, r->diag, "unknown layer type %s in '%s'; expected one of: %s",
                  cim_doc_describe(t, got, sizeof got), what, list);
    return -1;
}

static void parse_layer(Rd *r, const CimDocNode *m, size_t i, CimLayer *l, const CimDocNode **name)
{
    char what[48], got[64];
    snprintf(what, sizeof what, "network.layers[%zu]", i);
    if (cim_doc_kind(m) != CIM_DOC_MAP) {
        cim_doc_error(r->doc, m, r->diag, "%s must be a mapping with a 'type' key, got %s", what,
                      cim_doc_describe(m, got, sizeof got));
        return;
    }
    l->line = cim_doc_line(m);
    l->col = cim_doc_col(m);
    int k = read_type(r, m, what);
    if (k < 0)
        return;
    l->kind = (CimLayerKind)k;
    cim_doc_check_keys(r->doc, m, what, cim_layer_kind_name(l->kind), specs[k].keys, r->diag);
    if (specs[k].parse)
        specs[k].parse(r, m, what, l, name);
}

/* Layer i's name must differ from every earlier one: error here, note at the first. */
static void check_unique(Rd *r, const CimLayer *ls, const CimDocNode *const *names, size_t i)
{
    for (size_t j = 0; names[i] && j < i; j++) {
        if (!names[j] || strcmp(ls[j].name, ls[i].name) != 0)
            continue;
        cim_doc_error(r->doc, names[i], r->diag, "duplicate layer name '%s' (network.layers[%zu] and [%zu])",
                      ls[i].name, j, i);
        cim_doc_note(r->doc, names[j], r->diag, "'%s' first used here", ls[j].name);
        return;
    }
}

static CimStatus parse_layers(Rd *r, const CimDocNode *seq, CimNet *net)
{
    char got[64];
    size_t n = cim_doc_len(seq);
    if (cim_doc_kind(seq) != CIM_DOC_SEQ) {
        cim_doc_error(r->doc, seq, r->diag, "network.layers must be a sequence of layers, got %s",
                      cim_doc_describe(seq, got, sizeof got));
        return CIM_OK;
    }
    if (n == 0 || n > CIM_NET_MAX_LAYERS) {
        cim_doc_error(r->doc, seq, r->diag, "network.layers must hold 1 to %d layers, got %zu", CIM_NET_MAX_LAYERS, n);
        return CIM_OK;
    }
    const CimDocNode **names = cim_alloc_array(&net->alloc, n, sizeof *names);
    net->layers = cim_alloc_array(&net->alloc, n, sizeof *net->layers);
    if (!names || !net->layers) {
        cim_free(&net->alloc, (void *)names);
        return CIM_ERR_NOMEM;
    }
    net->n = n;
    for (size_t i = 0; i < n; i++) {
        parse_layer(r, cim_doc_item(seq, i), i, &net->layers[i], &names[i]);
        check_unique(r, net->layers, names, i);
    }
    cim_free(&net->alloc, (void *)names);
    return CIM_OK;
}

static void parse_input(Rd *r, const CimDocNode *in, CimNet *net)
{
    static const char *const dims[] = {"channels", "height", "width"};
    unsigned *dst[] = {&net->in_c, &net->in_h, &net->in_w};
    static const char *const norm[] = {"divide", "mean", "std"};
    double *ndst[] = {&net->in_div, &net->in_mean, &net->in_std};
    char path[64];
    if (cim_doc_check_keys(r->doc, in, "network.input", NULL, "channels,height,width,divide,mean,std", r->diag) &&
        cim_doc_kind(in) != CIM_DOC_MAP)
        return;
    for (int i = 0; i < 3; i++) {
        const CimDocNode *v = cim_doc_need(r->doc, in, dims[i], "network.input", NULL, r->diag);
        snprintf(path, sizeof path, "network.input.%s", dims[i]);
        if (v)
            cim_doc_uint(r->doc, v, path, 1, 65536, dst[i], r->diag);
    }
    for (int i = 0; i < 3; i++) {
        const CimDocNode *v = cim_doc_need(r->doc, in, norm[i], "network.input", NULL, r->diag);
        snprintf(path, sizeof path, "network.input.%s", norm[i]);
        if (v)
            cim_doc_double(r->doc, v, path, i == 1 ? CIM_DOC_ANY : CIM_DOC_POSITIVE, 0, 0, ndst[i], r->diag);
    }
}

/* Reads the whole document into net; problems go to r->diag. CIM_ERR_NOMEM or CIM_OK. */
static CimStatus parse_doc(Rd *r, CimNet *net)
{
    const CimDocNode *root = cim_doc_root(r->doc);
    cim_doc_check_keys(r->doc, root, "", NULL, "network", r->diag);
    const CimDocNode *nw = cim_doc_need(r->doc, root, "network", "", NULL, r->diag);
    if (!nw || (cim_doc_check_keys(r->doc, nw, "network", NULL, "name,input,layers", r->diag) &&
                cim_doc_kind(nw) != CIM_DOC_MAP))
        return CIM_OK;
    const CimDocNode *name = cim_doc_need(r->doc, nw, "name", "network", NULL, r->diag);
    if (name)
        cim_doc_string(r->doc, name, "network.name", net->name, sizeof net->name, r->diag);
    const CimDocNode *in = cim_doc_need(r->doc, nw, "input", "network", NULL, r->diag);
    if (in)
        parse_input(r, in, net);
    const CimDocNode *layers = cim_doc_need(r->doc, nw, "layers", "network", NULL, r->diag);
    return layers ? parse_layers(r, layers, net) : CIM_OK;
}

CimStatus cim_net_load(const char *path, const CimAlloc *a, CimNet *out, CimDiag *diag)
{
    CimDiag scratch;
    cim_diag_init(&scratch);
    if (!diag)
        diag = &scratch;
    size_t errors0 = diag->errors;
    CimDoc *doc = NULL;
    CimStatus st = cim_doc_load(path, "network", &doc, diag);
    CimNet net;
    memset(&net, 0, sizeof net);
    if (a)
        net.alloc = *a;
    if (doc) {
        Rd r = {doc, diag};
        CimStatus ps = parse_doc(&r, &net);
        st = ps != CIM_OK ? ps : st;
        if (st == CIM_OK && diag->errors == errors0)
            st = cim_net_infer(&net, path, diag);
        else if (st == CIM_OK)
            st = CIM_ERR_CONFIG;
    }
    cim_doc_free(doc);
    cim_diag_free(&scratch);
    if (st != CIM_OK) {
        cim_net_free(&net);
        return st;
    }
    *out = net;
    return CIM_OK;
}

CimStatus cim_net_check(const char *path, CimDiag *diag)
{
    CimNet net;
    CimStatus st = cim_net_load(path, NULL, &net, diag);
    if (st == CIM_OK)
        cim_net_free(&net);
    return st;
}
