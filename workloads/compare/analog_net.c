/* The network on the analogue baseline: conv layers on bit-true crossbars (models/analog),
 * the other layers in float32 with the plain reference's semantics and summation order, so
 * that a lossless ADC reproduces the exact network bit for bit (tested). */
#include "workloads/compare/baseline.h"

#include <stdlib.h>
#include <string.h>

struct CimAnalogNet {
    const CimNet *net;
    CimPrunedMode mode;
    size_t nconv;
    size_t *layer;            /* per conv: its index in net */
    CimAnalogConv **conv;     /* per conv */
    CimAnalogShape *shapes;   /* per conv */
    float *x, *y;             /* activations, max_act floats each */
    int8_t *sign;             /* binarised conv input */
    int32_t *acc;             /* conv dot products */
};

static size_t max_activation(const CimNet *net)
{
    size_t m = (size_t)net->in_c * net->in_h * net->in_w;
    for (size_t i = 0; i < net->n; i++) {
        const CimLayer *l = &net->layers[i];
        size_t a = (size_t)l->out_c * l->out_h * l->out_w;
        m = a > m ? a : m;
    }
    return m;
}

/* Values each filter of conv i writes: after the ReLU / max-pool layers that follow it,
 * unless it is the last conv (its integers go to the host before any pooling). */
static void shape_outputs(const CimNet *net, size_t i, int last, CimAnalogShape *s)
{
    const CimLayer *l = &net->layers[i];
    s->out_bits = last ? 32 : 1;
    s->out_values = l->out_h * l->out_w;
    for (size_t j = i + 1; !last && j < net->n; j++) {
        const CimLayer *f = &net->layers[j];
        if (f->kind != CIM_L_MAXPOOL && f->kind != CIM_L_RELU)
            break;
        s->out_values = f->out_h * f->out_w;
    }
}

static void shape_of(const CimNet *net, size_t i, int last, CimAnalogShape *s)
{
    const CimLayer *l = &net->layers[i];
    memset(s, 0, sizeof *s);
    s->in_c = l->in_c;
    s->in_h = l->in_h;
    s->in_w = l->in_w;
    s->k = l->kernel;
    s->pad = l->padding;
    s->out_h = l->out_h;
    s->out_w = l->out_w;
    s->filters = l->out_c;
    for (unsigned f = 0; f < l->out_c; f++)
        s->live += !(l->pruned && l->pruned[f]);
    shape_outputs(net, i, last, s);
}

void cim_analog_net_destroy(CimAnalogNet *an)
{
    if (!an)
        return;
    for (size_t i = 0; an->conv && i < an->nconv; i++)
        cim_analog_conv_destroy(an->conv[i]);
    free(an->conv);
    free(an->layer);
    free(an->shapes);
    free(an->x);
    free(an->y);
    free(an->sign);
    free(an->acc);
    free(an);
}

/* Programs conv i (network layer li) onto its crossbars. */
static CimStatus program_conv(CimAnalogNet *an, const CimAnalogCfg *cfg, size_t i)
{
    const CimLayer *l = &an->net->layers[an->layer[i]];
    uint8_t *mapped = malloc(l->out_c ? l->out_c : 1);
    if (!mapped)
        return CIM_ERR_NOMEM;
    for (unsigned f = 0; f < l->out_c; f++)
        mapped[f] = !(l->pruned && l->pruned[f] && cfg->xbar.pruned_filters == CIM_ANALOG_PRUNED_SKIP);
    CimStatus st = cim_analog_conv_create(cfg, &an->shapes[i], l->w, mapped, NULL, &an->conv[i]);
    free(mapped);
    return st;
}

CimStatus cim_analog_net_create(const CimAnalogCfg *cfg, const CimNet *net, CimPrunedMode mode, CimAnalogNet **out)
{
    *out = NULL;
    CimAnalogNet *an = calloc(1, sizeof *an);
    if (!an)
        return CIM_ERR_NOMEM;
    an->net = net;
    an->mode = mode;
    for (size_t i = 0; i < net->n; i++)
        an->nconv += net->layers[i].kind == CIM_L_CONV_BIN;
    size_t act = max_activation(net), nc = an->nconv ? an->nconv : 1;
    an->layer = calloc(nc, sizeof *an->layer);
    an->conv = calloc(nc, sizeof *an->conv);
    an->shapes = calloc(nc, sizeof *an->shapes);
    an->x = calloc(act, sizeof *an->x);
    an->y = calloc(act, sizeof *an->y);
    an->sign = calloc(act, sizeof *an->sign);
    an->acc = calloc(act, sizeof *an->acc);
    CimStatus st = an->layer && an->conv && an->shapes && an->x && an->y && an->sign && an->acc ? CIM_OK : CIM_ERR_NOMEM;
    for (size_t i = 0, k = 0; st == CIM_OK && i < net->n; i++) {
        if (net->layers[i].kind != CIM_L_CONV_BIN)
            continue;
        an->layer[k] = i;
        shape_of(net, i, k + 1 == an->nconv, &an->shapes[k]);
        st = program_conv(an, cfg, k++);
    }
    if (st != CIM_OK) {
        cim_analog_net_destroy(an);
        return st;
    }
    *out = an;
    return CIM_OK;
}

size_t cim_analog_net_convs(const CimAnalogNet *an) { return an->nconv; }

void cim_analog_net_shapes(const CimAnalogNet *an, CimAnalogShape *out)
{
    memcpy(out, an->shapes, an->nconv * sizeof *out);
}

/* Conv k on x (float activations) into y: binarise, crossbars, bias in float32. */
static void conv_layer(CimAnalogNet *an, size_t k, const float *x, float *y, CimAnalogActivity *act,
                       int32_t *const *conv_acc)
{
    const CimLayer *l = &an->net->layers[an->layer[k]];
    size_t nin = (size_t)l->in_c * l->in_h * l->in_w, hw = (size_t)l->out_h * l->out_w;
    for (size_t i = 0; i < nin; i++)
        an->sign[i] = x[i] > 0.0f ? 1 : -1; /* the script's binarisation: 0 -> -1 */
    cim_analog_conv_run(an->conv[k], an->sign, an->acc, act ? &act[k] : NULL);
    for (unsigned f = 0; f < l->out_c; f++) {
        int skip = an->mode == CIM_PRUNED_SKIP && l->pruned && l->pruned[f];
        float b = l->b ? l->b[f] : 0.0f;
        for (size_t p = 0; p < hw; p++)
            y[f * hw + p] = skip ? 0.0f : (float)an->acc[f * hw + p] + b;
    }
    if (conv_acc && conv_acc[k])
        memcpy(conv_acc[k], an->acc, l->out_c * hw * sizeof *an->acc);
}

static void maxpool(const CimLayer *l, const float *x, float *y)
{
    for (unsigned c = 0; c < l->out_c; c++)
        for (unsigned oy = 0; oy < l->out_h; oy++)
            for (unsigned ox = 0; ox < l->out_w; ox++) {
                const float *p = x + ((size_t)c * l->in_h + (size_t)oy * l->pool) * l->in_w + (size_t)ox * l->pool;
                float m = p[0];
                for (unsigned dy = 0; dy < l->pool; dy++)
                    for (unsigned dx = 0; dx < l->pool; dx++)
                        m = p[dy * l->in_w + dx] > m ? p[dy * l->in_w + dx] : m;
                y[((size_t)c * l->out_h + oy) * l->out_w + ox] = m;
            }
}

/* y = W x + b in float32: each output sums from input 0 upwards, then adds its bias. */
static void linear(const CimLayer *l, const float *x, float *y)
{
    size_t in = cim_layer_fan_in(l);
    for (unsigned o = 0; o < l->out_c; o++) {
        float s = 0.0f;
        for (size_t k = 0; k < in; k++)
            s += l->w[o * in + k] * x[k];
        y[o] = l->b ? s + l->b[o] : s;
    }
}

static void host_layer(const CimLayer *l, const float *x, float *y)
{
    size_t n = (size_t)l->in_c * l->in_h * l->in_w;
    if (l->kind == CIM_L_MAXPOOL)
        maxpool(l, x, y);
    else if (l->kind == CIM_L_RELU)
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] > 0.0f ? x[i] : 0.0f;
    else if (l->kind == CIM_L_LINEAR)
        linear(l, x, y);
    else
        memcpy(y, x, n * sizeof *x); /* flatten: C, H, W order is already flat */
}

CimStatus cim_analog_net_forward(CimAnalogNet *an, const uint8_t *pixels, float *logits, CimAnalogActivity *act,
                                 int32_t *const *conv_acc)
{
    const CimNet *net = an->net;
    float div = (float)net->in_div, mean = (float)net->in_mean, sd = (float)net->in_std;
    float *x = an->x, *y = an->y;
    for (size_t i = 0; i < (size_t)net->in_c * net->in_h * net->in_w; i++)
        x[i] = ((float)pixels[i] / div - mean) / sd; /* ToTensor + Normalize, float32 */
    for (size_t i = 0, k = 0; i < net->n; i++) {
        if (net->layers[i].kind == CIM_L_CONV_BIN)
            conv_layer(an, k++, x, y, act, conv_acc);
        else
            host_layer(&net->layers[i], x, y);
        float *t = x;
        x = y;
        y = t;
    }
    size_t nout = (size_t)net->in_c * net->in_h * net->in_w;
    if (net->n > 0)
        nout = (size_t)net->layers[net->n - 1].out_c * net->layers[net->n - 1].out_h * net->layers[net->n - 1].out_w;
    memcpy(logits, x, nout * sizeof *x);
    return CIM_OK;
}
