/* Program-path inference and the float32 host layers. */
#include "workloads/run/infer.h"

#include <stdlib.h>
#include <string.h>

static void tally_add(CimLayerTally *t, const CimRunResult *r, const CimEvents *before, const CimEvents *after)
{
    t->cycles += r->cycles;
    t->instructions += r->instructions;
    for (int i = 0; i < CIM_EV_COUNT; i++)
        t->ev.n[i] += after->n[i] - before->n[i];
}

void cim_tally_add(CimLayerTally *dst, const CimLayerTally *src)
{
    dst->cycles += src->cycles;
    dst->instructions += src->instructions;
    cim_events_add(&dst->ev, &src->ev);
}

CimLayerTally cim_tally_since(const CimLayerTally *now, const CimLayerTally *then)
{
    CimLayerTally d = {now->cycles - then->cycles, now->instructions - then->instructions, {{0}}};
    for (int i = 0; i < CIM_EV_COUNT; i++)
        d.ev.n[i] = now->ev.n[i] - then->ev.n[i];
    return d;
}

static CimStatus c_runner(void *ctx, CimChip *chip, const CimProgram *p, CimHostIO *io, uint64_t max_cycles,
                          CimRunResult *res)
{
    (void)ctx;
    return cim_chip_run(chip, p, io, max_cycles, res);
}

CimStatus cim_run_tallied(CimProgRunner runner, void *ctx, CimChip *chip, const CimProgram *p, CimHostIO *io,
                          CimLayerTally *t, CimTrap *trap)
{
    CimEvents before, after;
    CimRunResult r;
    cim_chip_events(chip, &before);
    CimStatus st = (runner ? runner : c_runner)(ctx, chip, p, io, UINT64_MAX / 2, &r);
    if (st != CIM_OK)
        return st;
    cim_chip_events(chip, &after);
    if (t)
        tally_add(t, &r, &before, &after);
    if (r.trap.trapped) {
        *trap = r.trap;
        return CIM_ERR_TRAP;
    }
    return CIM_OK;
}

CimStatus cim_infer_load(CimChip *chip, const CimCompiled *cc, CimLayerTally *tally, CimTrap *trap)
{
    CimHostIO io = {cc->load_stream, cc->load_bits, 0, NULL, 0, 0};
    return cim_run_tallied(NULL, NULL, chip, &cc->prog_load, &io, tally, trap);
}

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
    if (!h->wt)
        return CIM_ERR_NOMEM;
    for (size_t i = 0; i < net->n; i++) {
        const CimLayer *l = &net->layers[i];
        if (l->kind != CIM_L_LINEAR)
            continue;
        size_t in = cim_layer_fan_in(l), out = l->out_c;
        if (!(h->wt[i] = malloc(in * out * sizeof(float)))) {
            cim_host_free(h);
            return CIM_ERR_NOMEM;
        }
        for (size_t o = 0; o < out; o++)
            for (size_t k = 0; k < in; k++)
                h->wt[i][k * out + o] = l->w[o * in + k];
    }
    return CIM_OK;
}

void cim_host_free(CimHost *h)
{
    for (size_t i = 0; h->wt && i < h->n; i++)
        free(h->wt[i]);
    free(h->wt);
    h->wt = NULL;
}

/* y = W x + b with W transposed (wt[k][o]): each output still accumulates x[0], x[1], ...
 * in order, then adds the bias, exactly like the reference's loop, but the inner loop runs
 * across outputs, where the compiler can vectorise it without reordering any sum. */
static void linear(const CimLayer *l, const float *restrict wt, const float *restrict x, float *restrict y)
{
    size_t in = cim_layer_fan_in(l), out = l->out_c;
    for (size_t o = 0; o < out; o++)
        y[o] = 0.0f;
    for (size_t k = 0; k < in; k++) {
        const float xk = x[k], *restrict w = wt + k * out;
        for (size_t o = 0; o < out; o++)
            y[o] += w[o] * xk;
    }
    if (l->b)
        for (size_t o = 0; o < out; o++)
            y[o] += l->b[o];
}

static void host_layer(const CimLayer *l, const float *wt, const float *x, float *y)
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
        linear(l, wt, x, y);
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
        host_layer(&net->layers[i], h->wt[i], x, y);
        float *t = x;
        x = y;
        y = t;
    }
    const CimLayer *lastl = &net->layers[net->n - 1];
    memcpy(logits, x, (size_t)lastl->out_c * lastl->out_h * lastl->out_w * sizeof *x);
}

/* The last chip layer's outputs arrive position-major in PPU order; put them back in
 * original filter order, [F][H][W]. */
static void unpack_result(const CimCompiled *cc, const uint64_t *raw, int32_t *out)
{
    const CimChipLayer *cl = &cc->layers[cc->n - 1];
    size_t hw = (size_t)cl->out_h * cl->out_w;
    for (size_t p = 0; p < hw; p++)
        for (unsigned i = 0; i < cl->F; i++) {
            uint64_t v = 0;
            cim_bits_copy_range(&v, 0, raw, 32 * (p * cl->F + i), 32);
            out[(size_t)cl->order[i] * hw + p] = (int32_t)(uint32_t)v;
        }
}

CimStatus cim_infer_image(CimChip *chip, const CimCompiled *cc, const CimNet *net, const uint8_t *pixels,
                          float *logits, int32_t *conv_out, CimLayerTally *tallies, CimTrap *trap)
{
    return cim_infer_image_with(NULL, NULL, NULL, chip, cc, net, pixels, logits, conv_out, tallies, trap);
}

CimStatus cim_infer_image_with(CimProgRunner runner, void *ctx, const CimHost *host, CimChip *chip,
                               const CimCompiled *cc, const CimNet *net, const uint8_t *pixels, float *logits,
                               int32_t *conv_out, CimLayerTally *tallies, CimTrap *trap)
{
    size_t act = cim_net_max_activation(net);
    uint64_t *img = calloc(cim_bits_words(cc->image_bits) + 1, sizeof *img);
    uint64_t *raw = calloc(cim_bits_words(cc->result_bits) + 1, sizeof *raw);
    int32_t *ints = calloc(act, sizeof *ints);
    float *scratch = calloc(2 * act, sizeof *scratch);
    CimHost own = {0};
    CimStatus st = img && raw && ints && scratch ? (host ? CIM_OK : cim_host_init(&own, net)) : CIM_ERR_NOMEM;
    if (st == CIM_OK) {
        cim_compile_binarise_image(net, pixels, img);
        CimHostIO io = {img, cc->image_bits, 0, raw, cc->result_bits, 0};
        for (size_t k = 0; k < cc->n && st == CIM_OK; k++)
            st = cim_run_tallied(runner, ctx, chip, &cc->layers[k].prog, &io, tallies ? &tallies[k] : NULL, trap);
    }
    if (st == CIM_OK) {
        unpack_result(cc, raw, ints);
        cim_host_forward(host ? host : &own, cc, net, ints, logits, scratch);
        if (conv_out)
            memcpy(conv_out, ints, (size_t)cc->layers[cc->n - 1].F * cc->layers[cc->n - 1].out_h *
                                       cc->layers[cc->n - 1].out_w * sizeof *ints);
    }
    free(img);
    free(raw);
    free(ints);
    free(scratch);
    cim_host_free(&own);
    return st;
}
