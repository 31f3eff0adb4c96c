/* The layers that run on the host, in float32 with the reference's summation order. */
#include "workloads/exec/host.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t cim_net_max_activation(const CimNet *net)
{
    size_t m = (size_t)net->in_c * net->in_h * net->in_w;
    for (size_t i = 0; i < net->n; i++) {
        size_t a = (size_t)net->layers[i].out_c * net->layers[i].out_h * net->layers[i].out_w;
        m = a > m ? a : m;
    }
    return m;
}

unsigned cim_argmax(const float *v, unsigned n)
{
    unsigned best = 0;
    for (unsigned i = 1; i < n; i++)
        if (v[i] > v[best])
            best = i;
    return best;
}

CimStatus cim_host_init(CimHost *h, const CimNet *net)
{
    h->n = net->n;
    h->wt = calloc(net->n ? net->n : 1, sizeof *h->wt);
    h->finite = calloc(net->n ? net->n : 1, 1);
    if (!h->wt || !h->finite) {
        cim_host_free(h);
        return CIM_ERR_NOMEM;
    }
    for (size_t i = 0; i < net->n; i++) {
        const CimLayer *l = &net->layers[i];
        if (l->kind != CIM_L_LINEAR)
            continue;
        size_t in = cim_layer_fan_in(l), out = l->out_c;
        if (!(h->wt[i] = malloc(in * out * sizeof(float)))) {
            cim_host_free(h);
            return CIM_ERR_NOMEM;
        }
        h->finite[i] = 1;
        for (size_t o = 0; o < out; o++)
            for (size_t k = 0; k < in; k++) {
                h->wt[i][k * out + o] = l->w[o * in + k];
                h->finite[i] &= isfinite(l->w[o * in + k]) != 0;
            }
    }
    return CIM_OK;
}

void cim_host_free(CimHost *h)
{
    for (size_t i = 0; h->wt && i < h->n; i++)
        free(h->wt[i]);
    free(h->wt);
    free(h->finite);
    h->wt = NULL;
    h->finite = NULL;
}

/* The linear layers' loop is compiled for the widest vector unit the CPU has and chosen
 * at run time (function multi-versioning). Every variant does the same float32 multiplies
 * and adds in the same order (the build is ISO C, where gcc contracts nothing into FMAs),
 * so the logits are identical on every CPU; the tests compare them with a scalar
 * reference bit for bit. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CIM_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CIM_VECTOR_CLONES
#endif

/* y = W x + b with W transposed (wt[k][o]): each output still accumulates x[0], x[1], ...
 * in order, then adds the bias, exactly like the reference's loop, but the inner loop runs
 * across outputs, where the compiler can vectorise it without reordering any sum.
 * With finite weights an input of 0 (half of them after a ReLU) is skipped: its terms are
 * +-0, and y + +-0 is y for every y the sum can hold (a float32 sum that starts at +0 is
 * never -0: exact cancellation rounds to +0), so the result is bit for bit the same.
 * An infinite or NaN weight times 0 is NaN, so then nothing is skipped. */
CIM_VECTOR_CLONES static void linear(const CimLayer *l, const float *restrict wt, int finite, const float *restrict x,
                                     float *restrict y)
{
    size_t in = cim_layer_fan_in(l), out = l->out_c, o0 = 0;
    enum { BLOCK = 64 }; /* outputs summed in registers across all inputs */
    for (; o0 + BLOCK <= out; o0 += BLOCK) {
        float acc[BLOCK] = {0};
        for (size_t k = 0; k < in; k++) {
            if (finite && x[k] == 0.0f)
                continue;
            const float xk = x[k], *restrict w = wt + k * out + o0;
            _Pragma("GCC unroll 64") for (size_t o = 0; o < BLOCK; o++) acc[o] += w[o] * xk;
        }
        memcpy(y + o0, acc, sizeof acc);
    }
    for (size_t o = o0; o < out; o++)
        y[o] = 0.0f;
    for (size_t k = 0; o0 < out && k < in; k++) {
        if (finite && x[k] == 0.0f)
            continue;
        const float xk = x[k], *restrict w = wt + k * out;
        for (size_t o = o0; o < out; o++)
            y[o] += w[o] * xk;
    }
    if (l->b)
        for (size_t o = 0; o < out; o++)
            y[o] += l->b[o];
}

static void host_layer(const CimLayer *l, const float *wt, int finite, const float *x, float *y)
{
    size_t n = (size_t)l->in_c * l->in_h * l->in_w;
    switch (l->kind) {
    case CIM_L_RELU:
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] > 0.0f ? x[i] : 0.0f;
        break;
    case CIM_L_MAXPOOL:
        for (unsigned c = 0; c < l->out_c; c++)
            for (unsigned oy = 0; oy < l->out_h; oy++)
                for (unsigned ox = 0; ox < l->out_w; ox++) {
                    const float *p = x + ((size_t)c * l->in_h + oy * l->pool) * l->in_w + ox * l->pool;
                    float m = p[0];
                    for (unsigned dy = 0; dy < l->pool; dy++)
                        for (unsigned dx = 0; dx < l->pool; dx++)
                            m = p[dy * l->in_w + dx] > m ? p[dy * l->in_w + dx] : m;
                    y[((size_t)c * l->out_h + oy) * l->out_w + ox] = m;
                }
        break;
    case CIM_L_LINEAR:
        linear(l, wt, finite, x, y);
        break;
    default: /* flatten: NCHW is already flat */
        memcpy(y, x, n * sizeof *x);
        break;
    }
}

void cim_host_forward(const CimHost *h, const CimCompiled *cc, const CimNet *net, const int32_t *conv_out,
                      float *logits, float *scratch)
{
    const CimChipLayer *cl = &cc->layers[cc->n - 1];
    const CimLayer *conv = &net->layers[cl->layer];
    size_t hw = (size_t)cl->out_h * cl->out_w, half = cim_net_max_activation(net);
    float *x = scratch, *y = scratch + half;
    for (unsigned f = 0; f < cl->F; f++) {
        int skip = conv->pruned[f] && cc->pruned_mode == CIM_PRUNED_SKIP;
        float b = conv->b && !skip ? conv->b[f] : 0.0f;
        for (size_t p = 0; p < hw; p++)
            x[f * hw + p] = skip ? 0.0f : (float)conv_out[f * hw + p] + b;
    }
    for (size_t i = cc->first_host; i < net->n; i++) {
        host_layer(&net->layers[i], h->wt[i], h->finite[i], x, y);
        float *t = x;
        x = y;
        y = t;
    }
    const CimLayer *lastl = &net->layers[net->n - 1];
    memcpy(logits, x, (size_t)lastl->out_c * lastl->out_h * lastl->out_w * sizeof *x);
}
