/* Inference of one image through the chip and the host: the program path (every layer's
 * controller program on the cycle-stepped chip model) and the host layers in float32. */
#ifndef CIM_INFER_H
#define CIM_INFER_H

#include "workloads/exec/host.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What one chip layer cost for the images run so far. With cc->reload the layer's
 * weight rewrite (cl->reload) is included, and reload_cycles says how many of the cycles
 * it took; its SET/RESET pulses and verify reads are the write events. */
typedef struct {
    uint64_t cycles, instructions;
    CimEvents ev;
    uint64_t reload_cycles;
    CimCycleSplit split;            /* where the cycles went (models/chip/chip.h) */
    uint64_t busy[CIM_RUN_MAX_RES]; /* cycles each resource was occupied */
} CimLayerTally;

/* Writes the weights and layer tables (prog_load) into the chip; tally gets its cost. */
CimStatus cim_infer_load(CimChip *chip, const CimCompiled *cc, CimLayerTally *tally, CimTrap *trap);

/* Runs one program on the chip: cim_chip_run, or another timing model (the SystemC one)
 * that produces the same values, events and cycles. */
typedef CimStatus (*CimProgRunner)(void *ctx, CimChip *chip, const CimProgram *p, CimHostIO *io, uint64_t max_cycles,
                                   CimRunResult *res);

/* dst += src (cycles, instructions, events). */
void cim_tally_add(CimLayerTally *dst, const CimLayerTally *src);
/* Adds src's cycles (with the reload cycles), instructions, cycle split and busy counts,
 * not its events: the fast path's static cost of one image of a layer. */
void cim_tally_add_static(CimLayerTally *dst, const CimLayerTally *src);
/* The cost accumulated by a running tally since the snapshot `then` was taken: now - then. */
CimLayerTally cim_tally_since(const CimLayerTally *now, const CimLayerTally *then);

/* Runs one program (runner NULL: cim_chip_run) with no cycle limit and adds its cycles,
 * instructions and the chip's events to t (may be NULL). A trap returns CIM_ERR_TRAP with
 * its record in trap. */
CimStatus cim_run_tallied(CimProgRunner runner, void *ctx, CimChip *chip, const CimProgram *p, CimHostIO *io,
                          CimLayerTally *t, CimTrap *trap);

/* As cim_infer_image, with every program run by `runner` (NULL: cim_chip_run) and the host
 * layers' prepared weights `host` (NULL: prepared for this image only). */
CimStatus cim_infer_image_with(CimProgRunner runner, void *ctx, const CimHost *host, CimChip *chip,
                               const CimCompiled *cc, const CimNet *net, const uint8_t *pixels, float *logits,
                               int32_t *conv_out, CimLayerTally *tallies, CimTrap *trap);

/* One image (C x H x W uint8 pixels) through every chip layer program (after its reload
 * program when cc->reload) and the host layers.
 * logits: out_c of the last layer. conv_out (may be NULL): the last chip layer's int32
 * outputs in original filter order, [F][H][W]. tallies: one per chip layer, added to.
 * A trap returns CIM_ERR_TRAP with the record in trap. */
CimStatus cim_infer_image(CimChip *chip, const CimCompiled *cc, const CimNet *net, const uint8_t *pixels,
                          float *logits, int32_t *conv_out, CimLayerTally *tallies, CimTrap *trap);

#ifdef __cplusplus
}
#endif
#endif
