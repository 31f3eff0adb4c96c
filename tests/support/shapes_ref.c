/* Plain C reference of the shape campaign's random binary networks: +-1 convolutions
 * written out tap by tap, float32 ReLU / max-pool / linear; the slow, obvious way on
 * purpose, sharing no code with models/ or workloads/compile. */
#include "tests/support/shapes.h"

#include <stdlib.h>
#include <string.h>

/* Counter after `a` increments from 0: a up to 2^bits - 1, then wrap (a mod 2^bits) or
 * stay at 2^bits - 1. */
static uint64_t counter(uint64_t a, unsigned bits, CimOverflow mode)
{
    uint64_t max = bits >= 32 ? 0xFFFFFFFFu : ((uint64_t)1 << bits) - 1;
    if (a <= max)
        return a;
    return mode == CIM_OVERFLOW_WRAP ? a % (max + 1) : max;
}

/* v as a bits-wide two's-complement number: v mod 2^bits in [-2^(bits-1), 2^(bits-1)). */
static int64_t wrap(int64_t v, unsigned bits)
{
    if (bits >= 64)
        return v;
    int64_t m = (int64_t)1 << bits, r = v % m;
    if (r < 0)
        r += m;
    return r >= m / 2 ? r - m : r;
}

int shapes_ref_alloc(const CimNet *net, ShapesRefOut *out)
{
    size_t nconv = 0;
    for (size_t i = 0; i < net->n; i++)
        nconv += net->layers[i].kind == CIM_L_CONV_BIN;
    memset(out, 0, sizeof *out);
    out->ints = calloc(nconv + 1, sizeof *out->ints);
    out->bits = calloc(nconv + 1, sizeof *out->bits);
    if (!out->ints || !out->bits)
        return -1;
    for (size_t i = 0, k = 0; i < net->n; i++) {
        const CimLayer *l = &net->layers[i];
        if (l->kind != CIM_L_CONV_BIN)
            continue;
        out->ints[k] = calloc((size_t)l->out_c * l->out_h * l->out_w, sizeof(int32_t));
        out->bits[k] = calloc((size_t)l->in_c * l->in_h * l->in_w + 1, 1); /* this conv's input */
        if (!out->ints[k] || !out->bits[k])
            return -1;
        k++;
    }
    return 0;
}

void shapes_ref_free(const CimNet *net, ShapesRefOut *out)
{
    size_t nconv = 0;
    for (size_t i = 0; i < net->n; i++)
        nconv += net->layers[i].kind == CIM_L_CONV_BIN;
    for (size_t k = 0; out->ints && k < nconv; k++) {
        free(out->ints[k]);
        free(out->bits[k]);
    }
    free(out->ints);
    free(out->bits);
    memset(out, 0, sizeof *out);
}

/* Output (y, x) of filter f: the exact +-1 dot product over the valid taps, then the
 * counters' and accumulator's widths applied. */
static int32_t conv_at(const CimLayer *l, const ShapesArith *a, const ShapesSegments *sg, const int8_t *in,
                       unsigned f, unsigned y, unsigned x, uint64_t *seg_count, ShapesRefOut *out)
{
    unsigned k = l->kernel, C = l->in_c, H = l->in_h, W = l->in_w, L = C * k * k;
    int pruned = l->pruned[f];
    if (pruned && a->skip)
        return 0;
    int64_t dot = 0;
    if (!pruned)
        memset(seg_count, 0, sg->nseg * sizeof *seg_count);
    for (unsigned ky = 0; ky < k; ky++)
        for (unsigned kx = 0; kx < k; kx++) {
            long iy = (long)y + ky - (long)l->padding, ix = (long)x + kx - (long)l->padding;
            if (iy < 0 || ix < 0 || iy >= (long)H || ix >= (long)W)
                continue; /* zero padding: adds nothing */
            for (unsigned c = 0; c < C; c++) {
                int xv = in[((size_t)c * H + (size_t)iy) * W + (size_t)ix];
                if (pruned) { /* the reference script's all -1 filter */
                    dot -= xv;
                    continue;
                }
                int wv = l->w[(((size_t)f * C + c) * k + ky) * k + kx] > 0.0f ? 1 : -1;
                dot += xv * wv;
                if (xv > 0 && wv > 0) /* a conducting cell: one counter increment */
                    seg_count[sg->seg[(size_t)f * L + (ky * k + kx) * C + c]]++;
            }
        }
    if (!pruned) /* each segment's count passes through a counter; the dot has 4 x each count */
        for (unsigned s = 0; s < sg->nseg; s++) {
            uint64_t v = counter(seg_count[s], a->counter_bits, a->overflow);
            out->counter_overflow |= v != seg_count[s];
            dot += 4 * ((int64_t)v - (int64_t)seg_count[s]);
        }
    int64_t w = wrap(dot, a->acc_bits);
    out->acc_wrap |= w != dot;
    return (int32_t)w;
}

static void maxpool(const CimLayer *l, const float *x, float *y)
{
    for (unsigned c = 0; c < l->out_c; c++)
        for (unsigned oy = 0; oy < l->out_h; oy++)
            for (unsigned ox = 0; ox < l->out_w; ox++) {
                float m = x[((size_t)c * l->in_h + oy * l->pool) * l->in_w + ox * l->pool];
                for (unsigned dy = 0; dy < l->pool; dy++)
                    for (unsigned dx = 0; dx < l->pool; dx++) {
                        float v = x[((size_t)c * l->in_h + oy * l->pool + dy) * l->in_w + ox * l->pool + dx];
                        m = v > m ? v : m;
                    }
                y[((size_t)c * l->out_h + oy) * l->out_w + ox] = m;
            }
}

static void linear(const CimLayer *l, const float *x, float *y)
{
    size_t nin = (size_t)l->in_c * l->in_h * l->in_w;
    for (unsigned o = 0; o < l->out_c; o++) {
        float s = 0.0f;
        for (size_t i = 0; i < nin; i++)
            s += l->w[o * nin + i] * x[i];
        if (l->b)
            s += l->b[o];
        y[o] = s;
    }
}

void shapes_ref_forward(const CimNet *net, const ShapesArith *a, const ShapesSegments *segs, const uint8_t *pixels,
                        ShapesRefOut *out, float *logits)
{
    size_t big = (size_t)net->in_c * net->in_h * net->in_w, maxseg = 1;
    for (size_t i = 0; i < net->n; i++) {
        size_t n = (size_t)net->layers[i].out_c * net->layers[i].out_h * net->layers[i].out_w;
        big = n > big ? n : big;
    }
    for (size_t i = 0, k = 0; i < net->n; i++)
        if (net->layers[i].kind == CIM_L_CONV_BIN)
            maxseg = segs[k++].nseg > maxseg ? segs[k - 1].nseg : maxseg;
    float *x = calloc(big, sizeof *x), *y = calloc(big, sizeof *y);
    int8_t *in = calloc(big, 1);
    uint64_t *cnt = calloc(maxseg, sizeof *cnt);
    float div = (float)net->in_div, mean = (float)net->in_mean, sd = (float)net->in_std;
    for (size_t p = 0; p < (size_t)net->in_c * net->in_h * net->in_w; p++)
        x[p] = ((float)pixels[p] / div - mean) / sd; /* ToTensor + Normalize, float32 */
    size_t k = 0;
    for (size_t i = 0; i < net->n; i++) {
        const CimLayer *l = &net->layers[i];
        size_t nin = (size_t)l->in_c * l->in_h * l->in_w;
        switch (l->kind) {
        case CIM_L_CONV_BIN:
            for (size_t p = 0; p < nin; p++) { /* sign: > 0 is +1, else -1 */
                in[p] = x[p] > 0.0f ? 1 : -1;
                out->bits[k][p] = x[p] > 0.0f;
            }
            for (unsigned f = 0; f < l->out_c; f++)
                for (unsigned yy = 0; yy < l->out_h; yy++)
                    for (unsigned xx = 0; xx < l->out_w; xx++) {
                        size_t o = ((size_t)f * l->out_h + yy) * l->out_w + xx;
                        int32_t v = conv_at(l, a, &segs[k], in, f, yy, xx, cnt, out);
                        out->ints[k][o] = v;
                        int skip = l->pruned[f] && a->skip;
                        y[o] = skip ? 0.0f : (float)v + (l->b ? l->b[f] : 0.0f);
                    }
            k++;
            break;
        case CIM_L_RELU:
            for (size_t p = 0; p < nin; p++)
                y[p] = x[p] > 0.0f ? x[p] : 0.0f;
            break;
        case CIM_L_MAXPOOL: maxpool(l, x, y); break;
        case CIM_L_LINEAR: linear(l, x, y); break;
        default: memcpy(y, x, nin * sizeof *x); break;
        }
        float *t = x;
        x = y;
        y = t;
    }
    const CimLayer *last = &net->layers[net->n - 1];
    memcpy(logits, x, (size_t)last->out_c * last->out_h * last->out_w * sizeof *x);
    free(x);
    free(y);
    free(in);
    free(cnt);
}
