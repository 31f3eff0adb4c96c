/* Layer kinds, shape inference, weights (random, from safetensors, to safetensors). */
#include "workloads/net/net.h"
#include "workloads/io/safetensors.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    CimLayerWhere where;
} kinds[CIM_L_COUNT] = {
#define CIM_LAYER(id, name, where) [CIM_L_##id] = {name, CIM_WHERE_##where},
#include "workloads/net/layers.def"
#undef CIM_LAYER
};

const char *cim_layer_kind_name(CimLayerKind k) { return kinds[k].name; }
CimLayerWhere cim_layer_kind_where(CimLayerKind k) { return kinds[k].where; }

const char *cim_layer_where_name(CimLayerWhere w)
{
    static const char *const names[] = {[CIM_WHERE_CHIP] = "chip", [CIM_WHERE_FUSED] = "fused",
                                        [CIM_WHERE_HOST] = "host"};
    return names[w];
}

CimStatus cim_layer_kind_parse(const char *name, CimLayerKind *out)
{
    for (int i = 0; i < CIM_L_COUNT; i++)
        if (strcmp(kinds[i].name, name) == 0) {
            *out = (CimLayerKind)i;
            return CIM_OK;
        }
    return CIM_ERR_RANGE;
}

void cim_net_free(CimNet *net)
{
    for (size_t i = 0; net->layers && i < net->n; i++) {
        cim_free(&net->alloc, net->layers[i].w);
        cim_free(&net->alloc, net->layers[i].b);
        cim_free(&net->alloc, net->layers[i].pruned);
    }
    cim_free(&net->alloc, net->layers);
    net->layers = NULL;
    net->n = 0;
}

size_t cim_layer_fan_in(const CimLayer *l)
{
    if (l->kind == CIM_L_CONV_BIN)
        return (size_t)l->in_c * l->kernel * l->kernel;
    if (l->kind == CIM_L_LINEAR)
        return (size_t)l->in_c * l->in_h * l->in_w;
    return 0;
}

uint64_t cim_layer_macs(const CimLayer *l)
{
    if (l->kind == CIM_L_CONV_BIN)
        return (uint64_t)cim_layer_fan_in(l) * l->out_c * l->out_h * l->out_w;
    if (l->kind == CIM_L_LINEAR)
        return (uint64_t)cim_layer_fan_in(l) * l->out_features;
    return 0;
}

uint64_t cim_layer_pruned_macs(const CimLayer *l)
{
    if (l->kind != CIM_L_CONV_BIN || !l->pruned)
        return 0;
    uint64_t n = 0;
    for (unsigned f = 0; f < l->out_c; f++)
        n += l->pruned[f];
    return n * cim_layer_fan_in(l) * l->out_h * l->out_w;
}

/* Writes the message into err[len]; returns -1. */
static int shape_error(char *err, size_t len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int shape_error(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -1;
}

/* Output shape of one layer from its input shape; 0, or -1 with the reason, naming the
 * sizes involved, in err[len] (the wording of python/dcim/network.py). */
static int layer_shape(CimLayer *l, char *err, size_t len)
{
    l->out_c = l->in_c;
    l->out_h = l->in_h;
    l->out_w = l->in_w;
    switch (l->kind) {
    case CIM_L_CONV_BIN:
        if (l->in_h == 1 && l->in_w == 1 && l->in_c > 1)
            return shape_error(err, len, "conv2d_binary needs a feature map, got a flat vector of %u values",
                               l->in_c);
        if (l->kernel % 2 == 0 || l->padding != (l->kernel - 1) / 2)
            return shape_error(err, len,
                               "conv2d_binary supports odd kernels with 'same' padding (padding = (kernel-1)/2), "
                               "stride 1; got kernel %u, padding %u",
                               l->kernel, l->padding);
        if (l->in_h < l->kernel || l->in_w < l->kernel)
            return shape_error(err, len, "the %ux%u feature map is smaller than the %ux%u kernel", l->in_h,
                               l->in_w, l->kernel, l->kernel);
        l->out_c = l->out_channels;
        return 0;
    case CIM_L_MAXPOOL:
        if (l->pool == 0 || l->in_h % l->pool || l->in_w % l->pool)
            return shape_error(err, len,
                               "the kernel %u must divide the %ux%u feature map (stride = kernel, no padding, "
                               "no partial windows)",
                               l->pool, l->in_h, l->in_w);
        l->out_h = l->in_h / l->pool;
        l->out_w = l->in_w / l->pool;
        return 0;
    case CIM_L_FLATTEN:
        l->out_c = l->in_c * l->in_h * l->in_w;
        l->out_h = l->out_w = 1;
        return 0;
    case CIM_L_LINEAR:
        if (l->in_h != 1 || l->in_w != 1)
            return shape_error(err, len, "linear needs a flat vector, got %ux%ux%u: add a flatten layer before it",
                               l->in_c, l->in_h, l->in_w);
        l->out_c = l->out_features;
        return 0;
    default: return 0;
    }
}

static CimStatus alloc_weights(CimNet *net, CimLayer *l)
{
    size_t fan = cim_layer_fan_in(l);
    if (!fan)
        return CIM_OK;
    l->nw = fan * l->out_c;
    l->nb = l->has_bias ? l->out_c : 0;
    l->w = cim_alloc_array(&net->alloc, l->nw, sizeof(float));
    l->b = l->nb ? cim_alloc_array(&net->alloc, l->nb, sizeof(float)) : NULL;
    l->pruned = l->kind == CIM_L_CONV_BIN ? cim_alloc(&net->alloc, l->out_c) : NULL;
    if (!l->w || (l->nb && !l->b) || (l->kind == CIM_L_CONV_BIN && !l->pruned))
        return CIM_ERR_NOMEM;
    return CIM_OK;
}

CimStatus cim_net_infer(CimNet *net, const char *file, CimDiag *diag)
{
    unsigned c = net->in_c, h = net->in_h, w = net->in_w;
    int host_seen = 0;
    for (size_t i = 0; i < net->n; i++) {
        CimLayer *l = &net->layers[i];
        l->in_c = c;
        l->in_h = h;
        l->in_w = w;
        char err[200];
        int bad = layer_shape(l, err, sizeof err);
        if (!bad && l->kind == CIM_L_CONV_BIN && host_seen)
            bad = shape_error(err, sizeof err, "conv2d_binary after a host layer (flatten/linear) is not supported");
        if (bad) {
            cim_diag_add(diag, CIM_SEV_ERROR, file, l->line, l->col, "network.layers[%zu] (%s): %s", i,
                         cim_layer_kind_name(l->kind), err);
            return CIM_ERR_CONFIG;
        }
        host_seen |= cim_layer_kind_where(l->kind) == CIM_WHERE_HOST;
        if (alloc_weights(net, l) != CIM_OK)
            return CIM_ERR_NOMEM;
        c = l->out_c;
        h = l->out_h;
        w = l->out_w;
    }
    return CIM_OK;
}

void cim_net_init_random(CimNet *net, uint64_t seed)
{
    CimRng r;
    cim_rng_seed(&r, seed);
    for (size_t i = 0; i < net->n; i++) {
        CimLayer *l = &net->layers[i];
        double bound = l->nw ? 1.0 / sqrt((double)cim_layer_fan_in(l)) : 0;
        for (size_t k = 0; k < l->nw; k++)
            l->w[k] = (float)((2 * cim_rng_uniform(&r) - 1) * bound);
        for (size_t k = 0; k < l->nb; k++)
            l->b[k] = (float)((2 * cim_rng_uniform(&r) - 1) * bound);
        if (l->pruned)
            memset(l->pruned, 0, l->out_c);
    }
}

/* Shape of a layer's weight tensor in PyTorch layout. */
static size_t weight_shape(const CimLayer *l, size_t shape[4])
{
    shape[0] = l->out_c;
    if (l->kind == CIM_L_LINEAR) {
        shape[1] = cim_layer_fan_in(l);
        return 2;
    }
    shape[1] = l->in_c;
    shape[2] = shape[3] = l->kernel;
    return 4;
}

static void mark_zero_filters(CimLayer *l)
{
    size_t fan = cim_layer_fan_in(l);
    for (unsigned f = 0; f < l->out_c; f++) {
        int zero = 1;
        for (size_t k = 0; k < fan && zero; k++)
            zero = l->w[(size_t)f * fan + k] == 0.0f;
        l->pruned[f] = (uint8_t)zero;
    }
}

/* Weights with NaN or infinite values would run (binarised, every NaN a +1) to a meaningless
 * accuracy: refused before anything runs, with the counts and the first element. */
static CimStatus check_finite(const CimSafetensors *st, const char *name, const float *v, size_t n, CimDiag *diag)
{
    size_t nans = 0, infs = 0, first = 0;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) {
            if (!nans && !infs)
                first = i;
            nans += isnan(v[i]) != 0;
            infs += isinf(v[i]) != 0;
        }
    if (!nans && !infs)
        return CIM_OK;
    cim_diag_add(diag, CIM_SEV_ERROR, cim_st_path(st), 0, 0,
                 "tensor '%s' holds %zu NaN and %zu infinite values of %zu (the first at element %zu); "
                 "weights must be finite",
                 name, nans, infs, n, first);
    return CIM_ERR_FORMAT;
}

static CimStatus load_tensor(const CimSafetensors *st, const char *name, const size_t *shape, size_t nd,
                             float *dst, size_t n, CimDiag *diag)
{
    const CimStTensor *t;
    CimStatus s = cim_st_get(st, name, &t, diag);
    if (s == CIM_OK)
        s = cim_st_expect_shape(st, t, shape, nd, diag);
    if (s == CIM_OK)
        s = cim_st_to_f32(st, t, dst, n, diag);
    return s == CIM_OK ? check_finite(st, name, dst, t->nelem, diag) : s;
}

CimStatus cim_net_load_weights(CimNet *net, const char *path, CimDiag *diag)
{
    CimSafetensors *st = NULL;
    CimStatus rc = cim_st_open(path, &net->alloc, &st, diag);
    if (rc != CIM_OK)
        return rc;
    for (size_t i = 0; i < net->n; i++) {
        CimLayer *l = &net->layers[i];
        if (!l->nw)
            continue;
        char name[96];
        size_t shape[4], nd = weight_shape(l, shape);
        snprintf(name, sizeof name, "%s.weight", l->name);
        CimStatus s = load_tensor(st, name, shape, nd, l->w, l->nw, diag);
        if (l->nb) {
            snprintf(name, sizeof name, "%s.bias", l->name);
            CimStatus sb = load_tensor(st, name, shape, 1, l->b, l->nb, diag);
            s = s != CIM_OK ? s : sb;
        }
        if (s == CIM_OK && l->pruned)
            mark_zero_filters(l);
        rc = rc != CIM_OK ? rc : s;
    }
    cim_st_close(st);
    return rc;
}

CimStatus cim_net_save_weights(const CimNet *net, const char *path, const char *const *meta_kv,
                               size_t n_meta, CimDiag *diag)
{
    return cim_net_save_weights_plus(net, path, meta_kv, n_meta, NULL, 0, diag);
}

CimStatus cim_net_save_weights_plus(const CimNet *net, const char *path, const char *const *meta_kv, size_t n_meta,
                                    const CimStWriteTensor *extra, size_t n_extra, CimDiag *diag)
{
    CimStWriteTensor *t = cim_alloc_array(&net->alloc, 2 * 64 + n_extra, sizeof *t);
    size_t shapes[2 * 64][4], n = 0;
    char names[2 * 64][96];
    CimStMeta meta[16];
    if (!t)
        return CIM_ERR_NOMEM;
    for (size_t i = 0; i < net->n && n + 2 <= 2 * 64; i++) {
        const CimLayer *l = &net->layers[i];
        if (!l->nw)
            continue;
        snprintf(names[n], sizeof names[n], "%s.weight", l->name);
        CimStWriteTensor tw = {names[n], weight_shape(l, shapes[n]), shapes[n], l->w, NULL};
        t[n++] = tw;
        if (l->nb) {
            snprintf(names[n], sizeof names[n], "%s.bias", l->name);
            shapes[n][0] = l->nb;
            CimStWriteTensor tb = {names[n], 1, shapes[n], l->b, NULL};
            t[n++] = tb;
        }
    }
    for (size_t i = 0; i < n_extra; i++)
        t[n++] = extra[i];
    for (size_t i = 0; i < n_meta && i < 16; i++) {
        meta[i].key = meta_kv[2 * i];
        meta[i].value = meta_kv[2 * i + 1];
    }
    CimStatus st = cim_st_write(path, t, n, meta, n_meta < 16 ? n_meta : 16, &net->alloc, diag);
    cim_free(&net->alloc, t);
    return st;
}
