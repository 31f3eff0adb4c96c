/* Packed XNOR-popcount reference network for benchmarks (see packed_ref.h): channels-last
 * padded bit maps, a window is k runs of k*C bits, dot = V - 2 popcount((x ^ w) & valid)
 * with one valid mask per border class. No chip, no event counting. */
#include "bench/packed_ref.h"

#include <stdlib.h>
#include <string.h>

#define MAXW 16 /* longest filter handled: 16 words = 1024 bits */

typedef struct {
    const CimLayer *l;
    unsigned pool, words, k, pad, c, h, w, ph, pw; /* pool 1: none; padded map ph x pw x c */
    uint64_t *wt;                 /* [F][words], tap-major: bit (ky*k + kx)*C + c */
    uint64_t mask[49][MAXW];      /* valid taps per border class */
    unsigned valid[49];
    uint64_t *in;                 /* padded input map */
} Conv;

struct PackedRef {
    const CimNet *net;
    CimPrunedMode mode;
    Conv conv[8];
    size_t nconv, first_host;
    float *a, *b, **wt;
};

static unsigned cls(unsigned pos, unsigned size, unsigned pad)
{
    return pos < pad ? pad - pos : pos + pad >= size ? pad + pos + pad - size + 1 : 0;
}

static void setup_conv(Conv *c)
{
    const CimLayer *l = c->l;
    c->k = l->kernel, c->pad = l->padding, c->c = l->in_c, c->h = l->in_h, c->w = l->in_w;
    c->ph = c->h + 2 * c->pad, c->pw = c->w + 2 * c->pad;
    c->words = (unsigned)((cim_layer_fan_in(l) + 63) / 64);
    for (unsigned f = 0; f < l->out_c; f++)
        for (unsigned ch = 0; ch < c->c; ch++)
            for (unsigned t = 0; t < c->k * c->k; t++)
                if (l->w[((size_t)f * c->c + ch) * c->k * c->k + t] > 0.0f) {
                    size_t e = (size_t)t * c->c + ch;
                    c->wt[(size_t)f * c->words + e / 64] |= (uint64_t)1 << (e % 64);
                }
    unsigned n = 2 * c->pad + 1;
    for (unsigned cy = 0; cy < n; cy++)
        for (unsigned cx = 0; cx < n; cx++)
            for (unsigned ky = 0; ky < c->k; ky++)
                for (unsigned kx = 0; kx < c->k; kx++) {
                    int oky = cy == 0 || (cy <= c->pad ? ky >= cy : ky < c->k - (cy - c->pad));
                    int okx = cx == 0 || (cx <= c->pad ? kx >= cx : kx < c->k - (cx - c->pad));
                    for (unsigned ch = 0; oky && okx && ch < c->c; ch++) {
                        size_t e = ((size_t)ky * c->k + kx) * c->c + ch;
                        c->mask[cy * n + cx][e / 64] |= (uint64_t)1 << (e % 64);
                        c->valid[cy * n + cx]++;
                    }
                }
}

PackedRef *packed_ref_create(const CimNet *net, CimPrunedMode mode)
{
    PackedRef *r = calloc(1, sizeof *r);
    size_t i = 0;
    if (!r)
        return NULL;
    r->net = net;
    r->mode = mode;
    while (i < net->n && net->layers[i].kind == CIM_L_CONV_BIN && r->nconv < 8) {
        Conv *c = &r->conv[r->nconv++];
        c->l = &net->layers[i++];
        c->pool = 1;
        size_t j = i; /* relu / max-pool fold in only when another conv follows */
        while (j < net->n && (net->layers[j].kind == CIM_L_RELU || net->layers[j].kind == CIM_L_MAXPOOL))
            j++;
        if (j < net->n && net->layers[j].kind == CIM_L_CONV_BIN)
            for (; i < j; i++)
                if (net->layers[i].kind == CIM_L_MAXPOOL)
                    c->pool = net->layers[i].pool;
        c->wt = calloc((size_t)c->l->out_c * MAXW, sizeof(uint64_t));
        c->in = calloc(((size_t)(c->l->in_h + 14) * (c->l->in_w + 14) * c->l->in_c) / 64 + 2, sizeof(uint64_t));
        if (!c->wt || !c->in || cim_layer_fan_in(c->l) > 64 * MAXW || c->l->kernel > 7)
            return packed_ref_free(r), NULL;
        setup_conv(c);
    }
    r->first_host = i;
    size_t act = cim_net_max_activation(net);
    r->a = calloc(act, sizeof(float));
    r->b = calloc(act, sizeof(float));
    r->wt = calloc(net->n, sizeof *r->wt);
    if (!r->a || !r->b || !r->wt)
        return packed_ref_free(r), NULL;
    for (size_t k = r->first_host; k < net->n; k++) {
        const CimLayer *l = &net->layers[k];
        if (l->kind != CIM_L_LINEAR)
            continue;
        size_t in = cim_layer_fan_in(l), out = l->out_c;
        if (!(r->wt[k] = malloc(in * out * sizeof(float))))
            return packed_ref_free(r), NULL;
        for (size_t o = 0; o < out; o++)
            for (size_t q = 0; q < in; q++)
                r->wt[k][q * out + o] = l->w[o * in + q];
    }
    return r;
}

void packed_ref_free(PackedRef *r)
{
    if (!r)
        return;
    for (size_t k = 0; k < r->nconv; k++) {
        free(r->conv[k].wt);
        free(r->conv[k].in);
    }
    for (size_t k = 0; r->wt && k < r->net->n; k++)
        free(r->wt[k]);
    free(r->wt);
    free(r->a);
    free(r->b);
    free(r);
}

static void copy_bits(uint64_t *dst, size_t doff, const uint64_t *src, size_t soff, size_t n)
{
    for (size_t i = 0; i < n; i++) /* short runs: plain bit loop */
        if ((src[(soff + i) >> 6] >> ((soff + i) & 63)) & 1)
            dst[(doff + i) >> 6] |= (uint64_t)1 << ((doff + i) & 63);
}

/* One conv layer with its fused pool: sign bits into the next layer's padded map, or the
 * float outputs [F][H][W] of the last conv. */
static void conv_layer(const PackedRef *r, Conv *c, Conv *next, float *out)
{
    const CimLayer *l = c->l;
    unsigned oh = l->out_h / c->pool, ow = l->out_w / c->pool, n = 2 * c->pad + 1;
    size_t run = (size_t)c->k * c->c;
    for (unsigned y = 0; y < l->out_h; y++)
        for (unsigned x = 0; x < l->out_w; x++) {
            uint64_t xb[MAXW] = {0};
            for (unsigned ky = 0; ky < c->k; ky++)
                copy_bits(xb, ky * run, c->in, ((size_t)(y + ky) * c->pw + x) * c->c, run);
            unsigned cl = cls(y, c->h, c->pad) * n + cls(x, c->w, c->pad);
            const uint64_t *m = c->mask[cl];
            for (unsigned f = 0; f < l->out_c; f++) {
                const uint64_t *w = c->wt + (size_t)f * c->words;
                int d = 0;
                for (unsigned q = 0; q < c->words; q++)
                    d += __builtin_popcountll((xb[q] ^ w[q]) & m[q]);
                int skip = l->pruned[f] && r->mode == CIM_PRUNED_SKIP;
                float v = skip ? 0.0f : (float)((int)c->valid[cl] - 2 * d) + (l->b ? l->b[f] : 0.0f);
                unsigned py = y / c->pool, px = x / c->pool;
                if (next) {
                    size_t o = ((size_t)(py + next->pad) * next->pw + px + next->pad) * l->out_c + f;
                    next->in[o >> 6] |= (uint64_t)(v > 0.0f) << (o & 63);
                } else {
                    out[((size_t)f * oh + py) * ow + px] = v;
                }
            }
        }
}

static void host(PackedRef *r, float *logits)
{
    const CimNet *net = r->net;
    float *x = r->a, *y = r->b;
    for (size_t k = r->first_host; k < net->n; k++) {
        const CimLayer *l = &net->layers[k];
        size_t in = (size_t)l->in_c * l->in_h * l->in_w;
        if (l->kind == CIM_L_RELU)
            for (size_t i = 0; i < in; i++)
                y[i] = x[i] > 0.0f ? x[i] : 0.0f;
        else if (l->kind == CIM_L_LINEAR) {
            for (unsigned o = 0; o < l->out_c; o++)
                y[o] = 0.0f;
            for (size_t j = 0; j < in; j++)
                for (unsigned o = 0; o < l->out_c; o++)
                    y[o] += r->wt[k][j * l->out_c + o] * x[j];
            for (unsigned o = 0; o < l->out_c && l->b; o++)
                y[o] += l->b[o];
        } else
            memcpy(y, x, in * sizeof *x);
        float *t = x;
        x = y;
        y = t;
    }
    memcpy(logits, x, r->net->layers[r->net->n - 1].out_c * sizeof *x);
}

void packed_ref_forward(PackedRef *r, const uint8_t *pixels, float *logits)
{
    const CimNet *net = r->net;
    Conv *c0 = &r->conv[0];
    memset(c0->in, 0, (((size_t)c0->ph * c0->pw * c0->c) / 64 + 1) * 8);
    for (unsigned y = 0; y < net->in_h; y++)
        for (unsigned x = 0; x < net->in_w; x++)
            for (unsigned ch = 0; ch < net->in_c; ch++) {
                float v = ((float)pixels[((size_t)ch * net->in_h + y) * net->in_w + x] / (float)net->in_div -
                           (float)net->in_mean) / (float)net->in_std;
                size_t o = ((size_t)(y + c0->pad) * c0->pw + x + c0->pad) * c0->c + ch;
                c0->in[o >> 6] |= (uint64_t)(v > 0.0f) << (o & 63);
            }
    for (size_t k = 0; k < r->nconv; k++) {
        Conv *next = k + 1 < r->nconv ? &r->conv[k + 1] : NULL;
        if (next)
            memset(next->in, 0, (((size_t)next->ph * next->pw * next->c) / 64 + 1) * 8);
        conv_layer(r, &r->conv[k], next, r->a);
    }
    host(r, logits);
}
