/* PointNet++ weights: the reference's state_dict names, bound from or written to
 * safetensors, or drawn as PyTorch's default initialisation. One enumerator (each_tensor)
 * is the single list of names and shapes that loading, saving and checking use. */
#include "workloads/pointnet/pointnet.h"
#include "workloads/io/safetensors.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char name[96];
    float *data;
    size_t ndim, shape[4], n;
    size_t fan_in;              /* for random init: 0 = a BatchNorm tensor */
    int bn_part;                /* 0 gamma, 1 beta, 2 mean, 3 var */
} Tensor;

typedef void (*TensorFn)(const Tensor *t, void *ctx);

static void emit(TensorFn fn, void *ctx, const char *name, float *data, size_t ndim, const size_t *shape, size_t fan_in,
                 int bn_part)
{
    Tensor t = {.data = data, .ndim = ndim, .n = 1, .fan_in = fan_in, .bn_part = bn_part};
    snprintf(t.name, sizeof t.name, "%s", name);
    for (size_t i = 0; i < ndim; i++)
        t.n *= t.shape[i] = shape[i];
    fn(&t, ctx);
}

static void emit_bn(TensorFn fn, void *ctx, const char *prefix, const CimPnBn *bn, size_t c)
{
    static const char *const part[] = {"weight", "bias", "running_mean", "running_var"};
    float *arr[] = {bn->gamma, bn->beta, bn->mean, bn->var};
    char name[96];
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "%s.%s", prefix, part[i]);
        emit(fn, ctx, name, arr[i], 1, &c, 0, i);
    }
}

/* Calls fn for every float tensor of the network, in file order. */
static void each_tensor(const CimPnNet *net, TensorFn fn, void *ctx)
{
    char name[96];
    for (size_t i = 0; i < net->n; i++) {
        const CimPnLayer *l = &net->layers[i];
        if (l->kind == CIM_PN_SA)
            for (unsigned s = 0; s < l->n_mlp; s++) {
                size_t shape[4] = {l->mlp[s], l->cin[s], 1, 1};
                snprintf(name, sizeof name, "%s.backbone.Conv%u.weight", l->name, s);
                emit(fn, ctx, name, l->w[s], 4, shape, l->cin[s], -1);
                snprintf(name, sizeof name, "%s.backbone.Bn%u", l->name, s);
                emit_bn(fn, ctx, name, &l->bn[s], l->mlp[s]);
            }
        else if (l->kind == CIM_PN_LINEAR) {
            size_t shape[2] = {l->out_features, l->in_c};
            snprintf(name, sizeof name, "%s.weight", l->name);
            emit(fn, ctx, name, l->w[0], 2, shape, l->in_c, -1);
            snprintf(name, sizeof name, "%s.bias", l->name);
            if (l->has_bias)
                emit(fn, ctx, name, l->b, 1, shape, l->in_c, -1);
        } else if (l->kind == CIM_PN_BN)
            emit_bn(fn, ctx, l->name, &l->bn[0], l->in_c);
    }
}

static void init_one(const Tensor *t, void *ctx)
{
    CimRng *r = ctx;
    static const float bn_init[] = {1.0f, 0.0f, 0.0f, 1.0f}; /* gamma, beta, mean, var */
    double bound = t->fan_in ? 1.0 / sqrt((double)t->fan_in) : 0.0;
    for (size_t k = 0; k < t->n; k++)
        t->data[k] = t->fan_in ? (float)((2 * cim_rng_uniform(r) - 1) * bound) : bn_init[t->bn_part];
}

void cim_pn_init_random(CimPnNet *net, uint64_t seed)
{
    CimRng r;
    cim_rng_seed(&r, seed);
    each_tensor(net, init_one, &r);
}

typedef struct {
    const CimSafetensors *st;
    CimDiag *diag;
    CimStatus st_out;
} LoadCtx;

static void load_one(const Tensor *t, void *ctx)
{
    LoadCtx *c = ctx;
    const CimStTensor *ft = NULL;
    CimStatus st = cim_st_get(c->st, t->name, &ft, c->diag);
    if (st == CIM_OK && ft->dtype != CIM_ST_F32) {
        cim_diag_add(c->diag, CIM_SEV_ERROR, cim_st_path(c->st), 0, 0, "tensor '%s' has dtype %s, expected F32", t->name,
                     cim_st_dtype_name(ft->dtype));
        st = CIM_ERR_FORMAT;
    }
    if (st == CIM_OK)
        st = cim_st_expect_shape(c->st, ft, t->shape, t->ndim, c->diag);
    if (st == CIM_OK)
        st = cim_st_to_f32(c->st, ft, t->data, t->n, c->diag);
    size_t bad = 0;
    for (size_t k = 0; st == CIM_OK && k < t->n; k++)
        bad += !isfinite(t->data[k]);
    if (bad) {
        cim_diag_add(c->diag, CIM_SEV_ERROR, cim_st_path(c->st), 0, 0, "tensor '%s' has %zu NaN or infinite values of %zu",
                     t->name, bad, t->n);
        st = CIM_ERR_FORMAT;
    }
    if (st != CIM_OK)
        c->st_out = st;
}

/* `<prefix>.num_batches_tracked` of a BatchNorm: optional (PyTorch writes it, the F32 writer
 * cannot); when present an I64 scalar. Returns 1 when name is one. */
static int batches_tracked(const CimSafetensors *st, const CimStTensor *t, CimDiag *diag, CimStatus *out)
{
    const char *suffix = ".num_batches_tracked";
    size_t n = strlen(t->name), ns = strlen(suffix);
    if (n <= ns || strcmp(t->name + n - ns, suffix) != 0)
        return 0;
    char want[96];
    snprintf(want, sizeof want, "%.*s.running_var", (int)(n - ns), t->name);
    if (!cim_st_find(st, want))
        return 0;
    if (t->dtype != CIM_ST_I64 || t->ndim != 0) {
        cim_diag_add(diag, CIM_SEV_ERROR, cim_st_path(st), 0, 0, "tensor '%s' must be an I64 scalar, got %s with %zu dimensions",
                     t->name, cim_st_dtype_name(t->dtype), t->ndim);
        *out = CIM_ERR_FORMAT;
    }
    return 1;
}

/* Every float tensor's name, shape and data, as the writer takes them. */
typedef struct {
    CimStWriteTensor *w;
    size_t n;
    size_t (*shapes)[4];
    char (*names)[96];
} List;

static void list_one(const Tensor *t, void *ctx)
{
    List *c = ctx;
    memcpy(c->shapes[c->n], t->shape, sizeof t->shape);
    memcpy(c->names[c->n], t->name, sizeof t->name);
    c->w[c->n] = (CimStWriteTensor){.name = c->names[c->n], .ndim = t->ndim, .shape = c->shapes[c->n], .data = t->data};
    c->n++;
}

static void count_one(const Tensor *t, void *ctx)
{
    (void)t;
    ++*(size_t *)ctx;
}

static void list_free(List *c)
{
    free(c->w);
    free(c->shapes);
    free(c->names);
}

static CimStatus list_make(const CimPnNet *net, List *c)
{
    size_t n = 0;
    each_tensor(net, count_one, &n);
    *c = (List){calloc(n, sizeof *c->w), 0, calloc(n, sizeof *c->shapes), calloc(n, sizeof *c->names)};
    if (!c->w || !c->shapes || !c->names) {
        list_free(c);
        return CIM_ERR_NOMEM;
    }
    each_tensor(net, list_one, c);
    return CIM_OK;
}

/* Every tensor of the file must be the net's: one of its float tensors or a BatchNorm's
 * num_batches_tracked. */
static CimStatus check_unexpected(const CimPnNet *net, const CimSafetensors *st, CimDiag *diag)
{
    List c;
    CimStatus out = list_make(net, &c);
    for (size_t i = 0; out != CIM_ERR_NOMEM && i < cim_st_count(st); i++) {
        const CimStTensor *t = cim_st_tensor(st, i);
        int known = batches_tracked(st, t, diag, &out);
        for (size_t j = 0; !known && j < c.n; j++)
            known = strcmp(c.names[j], t->name) == 0;
        if (!known) {
            cim_diag_add(diag, CIM_SEV_ERROR, cim_st_path(st), 0, 0, "unexpected tensor '%s': the network has no such weight",
                         t->name);
            out = CIM_ERR_FORMAT;
        }
    }
    if (out != CIM_ERR_NOMEM)
        list_free(&c);
    return out;
}

CimStatus cim_pn_load_weights(CimPnNet *net, const char *path, CimDiag *diag)
{
    CimSafetensors *st = NULL;
    CimStatus s = cim_st_open(path, NULL, &st, diag);
    if (s != CIM_OK)
        return s;
    LoadCtx c = {st, diag, CIM_OK};
    s = check_unexpected(net, st, diag); /* first: a misspelt name is also a missing one */
    each_tensor(net, load_one, &c);
    cim_st_close(st);
    return c.st_out != CIM_OK ? c.st_out : s;
}

CimStatus cim_pn_save_weights(const CimPnNet *net, const char *path, CimDiag *diag)
{
    List c;
    CimStatus st = list_make(net, &c);
    if (st != CIM_OK)
        return st;
    st = cim_st_write(path, c.w, c.n, NULL, 0, NULL, diag);
    list_free(&c);
    return st;
}
