/* Program-path inference and the float32 host layers. */
#include "workloads/exec/infer.h"

#include <stdlib.h>
#include <string.h>

/* dst += sign x src for the cycle split and busy counts (sign -1: since). */
static void split_add(CimLayerTally *dst, const CimCycleSplit *split, const uint64_t *busy, int sign)
{
    uint64_t k = (uint64_t)(int64_t)sign; /* two's complement: adding -x subtracts x */
    for (int u = 0; u <= CIM_RES_MACRO; u++)
        dst->split.stall_unit[u] += k * split->stall_unit[u];
    dst->split.stall_reg += k * split->stall_reg;
    dst->split.drain += k * split->drain;
    for (int u = 0; u < CIM_RUN_MAX_RES; u++)
        dst->busy[u] += k * busy[u];
}

static void tally_add(CimLayerTally *t, const CimRunResult *r, const CimEvents *before, const CimEvents *after)
{
    t->cycles += r->cycles;
    t->instructions += r->instructions;
    for (int i = 0; i < CIM_EV_COUNT; i++)
        t->ev.n[i] += after->n[i] - before->n[i];
    split_add(t, &r->split, r->busy, 1);
}

void cim_tally_add(CimLayerTally *dst, const CimLayerTally *src)
{
    dst->cycles += src->cycles;
    dst->instructions += src->instructions;
    dst->reload_cycles += src->reload_cycles;
    cim_events_add(&dst->ev, &src->ev);
    split_add(dst, &src->split, src->busy, 1);
}

void cim_tally_add_static(CimLayerTally *dst, const CimLayerTally *src)
{
    dst->cycles += src->cycles;
    dst->instructions += src->instructions;
    dst->reload_cycles += src->reload_cycles;
    split_add(dst, &src->split, src->busy, 1);
}

CimLayerTally cim_tally_since(const CimLayerTally *now, const CimLayerTally *then)
{
    CimLayerTally d = *now;
    d.cycles -= then->cycles;
    d.instructions -= then->instructions;
    d.reload_cycles -= then->reload_cycles;
    for (int i = 0; i < CIM_EV_COUNT; i++)
        d.ev.n[i] -= then->ev.n[i];
    split_add(&d, &then->split, then->busy, -1);
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
    if (r.trap.kind != CIM_TRAP_NONE) {
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

/* The layer's weight rewrite (cc->reload), its cycles also counted as reload_cycles. */
static CimStatus run_reload(CimProgRunner runner, void *ctx, CimChip *chip, const CimChipLayer *cl, CimLayerTally *t,
                            CimTrap *trap)
{
    CimHostIO io = {cl->reload_stream, cl->reload_bits, 0, NULL, 0, 0};
    CimLayerTally r = {0};
    CimStatus st = cim_run_tallied(runner, ctx, chip, &cl->reload, &io, &r, trap);
    r.reload_cycles = r.cycles;
    if (st == CIM_OK && t)
        cim_tally_add(t, &r);
    return st;
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
        for (size_t k = 0; k < cc->n && st == CIM_OK; k++) {
            if (cc->reload)
                st = run_reload(runner, ctx, chip, &cc->layers[k], tallies ? &tallies[k] : NULL, trap);
            if (st == CIM_OK)
                st = cim_run_tallied(runner, ctx, chip, &cc->layers[k].prog, &io, tallies ? &tallies[k] : NULL, trap);
        }
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
