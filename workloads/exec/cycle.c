/* Fidelity `cycle` through the SystemC session API of sim/sim.h. */
#include "workloads/exec/cycle.h"
#include "sim/sim.h"

#include <stdlib.h>

struct CimCycle {
    CimScSession *s;
};

CimStatus cim_cycle_open(CimChip *chip, const CimCycleOptions *o, CimCycle **out)
{
    *out = NULL;
    CimCycle *c = calloc(1, sizeof *c);
    if (!c)
        return CIM_ERR_NOMEM;
    CimScOptions so = {.vcd_path = o ? o->vcd_path : NULL,
                       .vcd_start_cycle = o ? o->vcd_start : 0,
                       .vcd_end_cycle = o ? o->vcd_end : 0,
                       .vcd_date = o ? o->vcd_date : 0};
    CimStatus st = cim_sc_session_create(chip, &so, &c->s);
    if (st != CIM_OK) {
        free(c);
        return st;
    }
    *out = c;
    return CIM_OK;
}

CimStatus cim_cycle_runner(void *ctx, CimChip *chip, const CimProgram *p, CimHostIO *io, uint64_t max_cycles,
                           CimRunResult *res)
{
    (void)chip; /* the session runs on the chip it was opened with */
    return cim_sc_session_run(((CimCycle *)ctx)->s, p, io, max_cycles, res);
}

double cim_cycle_macro_utilisation(const CimCycle *c, unsigned m)
{
    return cim_sc_session_macro_utilisation(c->s, m);
}

CimStatus cim_cycle_close(CimCycle *c)
{
    if (!c)
        return CIM_OK;
    CimStatus st = cim_sc_session_close_vcd(c->s);
    cim_sc_session_destroy(c->s);
    free(c);
    return st;
}
