/* Fidelity `cycle`: controller programs run on the SystemC model of the chip (sim/), with
 * the same values, events and cycles as the C model and an optional VCD trace. This is the
 * only place in workloads/ that reaches sim/ (checked by scripts/check_includes.sh). */
#ifndef CIM_CYCLE_H
#define CIM_CYCLE_H

#include "workloads/exec/infer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct CimCycle CimCycle;

typedef struct {
    const char *vcd_path;     /* NULL: no trace */
    uint64_t vcd_start;       /* first traced cycle (over all runs, in order) */
    uint64_t vcd_end;         /* first cycle not traced; 0: to the end */
    int vcd_date;             /* 1: keep the wall-clock $date line (the file then differs per run) */
} CimCycleOptions;

/* Builds (or reuses) the SystemC model for chip. Errors as cim_sc_session_create. */
CimStatus cim_cycle_open(CimChip *chip, const CimCycleOptions *o, CimCycle **out);
/* A CimProgRunner whose ctx is the CimCycle: runs p on the SystemC model. */
CimStatus cim_cycle_runner(void *ctx, CimChip *chip, const CimProgram *p, CimHostIO *io, uint64_t max_cycles,
                           CimRunResult *res);
/* Busy share of macro m over every run so far. */
double cim_cycle_macro_utilisation(const CimCycle *c, unsigned m);
/* Completes the VCD (CIM_ERR_IO if it cannot be written) and ends the session. NULL: CIM_OK. */
CimStatus cim_cycle_close(CimCycle *c);

#ifdef __cplusplus
}
#endif
#endif
