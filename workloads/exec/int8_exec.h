/* Running an int8 1x1 convolution (workloads/compile/int8.h) on a chip: the program path
 * (the position program on the cycle-stepped model, or another runner), the fast path (the
 * same outputs, cycles and events, computed with word-parallel popcounts) and a plain C
 * reference. docs/compiler.md, "int8 1x1 convolution". */
#ifndef CIM_INT8_EXEC_H
#define CIM_INT8_EXEC_H

#include "workloads/compile/int8.h"
#include "workloads/exec/infer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct CimInt8Engine CimInt8Engine;

/* Programs conv's weights into chip (conv->prog_load, run by `runner`, NULL: cim_chip_run;
 * its cost added to load_tally, may be NULL) and reads them back from the arrays for the fast path. The engine keeps chip and
 * conv (re-emitting conv->prog when a call asks for another number of positions); both
 * must outlive it. CIM_ERR_RANGE if the chip has physics on (the fast path is exact only
 * without it) or a region is taller than the column counters hold (cim_int8_compile never
 * makes one); CIM_ERR_TRAP (trap filled) if the load traps. */
CimStatus cim_int8_engine_create(CimChip *chip, CimInt8Conv *conv, CimProgRunner runner, void *ctx,
                                 CimLayerTally *load_tally, CimInt8Engine **out, CimTrap *trap);
void cim_int8_engine_destroy(CimInt8Engine *e);

/* Program path: codes x[npos][C] through the position program, run by `runner` (NULL:
 * cim_chip_run); y[npos][F] = the int32 sums the chip sends to the host; the run's cycles,
 * instructions and events added to t (may be NULL). */
CimStatus cim_int8_engine_program(CimInt8Engine *e, CimProgRunner runner, void *ctx, const int8_t *x, unsigned npos,
                                  int32_t *y, CimLayerTally *t, CimTrap *trap);
/* Fast path: the same y and tally as the program path, from the codes the arrays hold and
 * each region row's LRS cells (docs/compiler.md). The data-independent cost of npos
 * positions (cycles, instructions, buffer, PPU and controller events) comes from a
 * calibration at the first call with that npos: program-path runs of a few positions,
 * stepped to npos once the cost per position is steady (else one run of npos positions);
 * the gated reads' events are computed here. */
CimStatus cim_int8_engine_fast(CimInt8Engine *e, const int8_t *x, unsigned npos, int32_t *y, CimLayerTally *t,
                               CimTrap *trap);

/* Positions of the fast path's shortest calibration run (calibrate in int8_exec.c). */
#define CIM_INT8_CAL_POS 16u
/* 1 when the last calibration stepped the cost from runs of CIM_INT8_CAL_POS, +1, +2
 * positions (their steps equal), 0 when it ran all positions (for tests and benches). */
int cim_int8_engine_extrapolated(const CimInt8Engine *e);

/* The plain reference: y[p][f] = sum_c x[p][c] * w[f][c] in int32. */
void cim_int8_conv_ref(const int8_t *w, const int8_t *x, unsigned C, unsigned F, unsigned npos, int32_t *y);

#ifdef __cplusplus
}
#endif
#endif
