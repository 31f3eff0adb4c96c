/* The fast path: the same network on the same programmed chip, evaluated layer by layer
 * with word-parallel popcounts instead of instruction by instruction. Outputs and event
 * counts are identical to the program path (tested): the data-independent part of each
 * layer's cost (cycles, instructions, buffer, adder and controller events) is taken from
 * one run of the layer's program; the data-dependent array events (which cells conduct,
 * counter increments) are computed per image. Needs physics off. */
#ifndef CIM_FAST_H
#define CIM_FAST_H

#include "workloads/exec/infer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct CimFast CimFast;

/* Builds the fast path for a chip already loaded with cc (cim_infer_load): reads the
 * stored weights back from the arrays and the layer tables from the buffer, then runs one
 * calibration image through the programs to take the static costs. CIM_ERR_RANGE if the
 * chip has physics on or cc's layer tables lie outside its buffer; CIM_ERR_TRAP (trap
 * filled) if the calibration run traps. */
CimStatus cim_fast_create(CimChip *chip, const CimCompiled *cc, const CimNet *net, CimFast **out, CimTrap *trap);
void cim_fast_destroy(CimFast *f);
/* Also writes every chip layer's integer outputs before pooling, [F][H][W] in original
 * filter order, into trace[k] for chip layer k (NULL: stop tracing). For training. */
void cim_fast_trace(CimFast *f, int32_t *const *trace);
/* Whether the fused route of the layers with a fold (docs/performance.md) may use the
 * AVX-512 VPOPCNTDQ columns: 1 (the default) where the CPU has them, 0 for the portable
 * columns. Both give the same outputs and events; tests run both. Returns whether the
 * vector columns are now used (0 where the CPU or the build has none). */
int cim_fast_vector(CimFast *f, int on);
/* Takes the host layers' weights again (after training changed them); the chip layers
 * are what was programmed and need cim_fast_create after a reload. */
CimStatus cim_fast_update_host(CimFast *f);

/* One image, as cim_infer_image: logits (NULL: the host layers are skipped, for a caller
 * that runs them itself, as training does), optional last-layer ints [F][H][W] in original
 * order, and tallies added to (one per chip layer). Not thread-safe on one CimFast. */
CimStatus cim_fast_image(CimFast *f, const uint8_t *pixels, float *logits, int32_t *conv_out,
                         CimLayerTally *tallies);

#ifdef __cplusplus
}
#endif
#endif
