/* Host processor cost from counted operations. docs/energy.md, "Host processor". */
#include "models/host/host.h"

#include <math.h>

void cim_host_work_add(CimHostWork *d, const CimHostWork *s)
{
    d->fp32_macs += s->fp32_macs;
    d->fp32_ops += s->fp32_ops;
    d->fp32_divs += s->fp32_divs;
    d->fp32_sqrts += s->fp32_sqrts;
    d->int_ops += s->int_ops;
    d->bytes += s->bytes;
}

void cim_host_cost(const CimHostCfg *h, const CimHostWork *w, CimHostCost *out)
{
    const CimHostCyclesCfg *c = &h->cycles;
    double words = ceil(w->bytes / (double)c->word_bytes);
    out->cycles = w->fp32_macs * c->fp32_mac + w->fp32_ops * c->fp32_op + w->fp32_divs * c->fp32_div +
                  w->fp32_sqrts * c->fp32_sqrt + w->int_ops * c->int_op + words * c->load_store;
    out->energy_pj = out->cycles * h->core.energy_per_cycle_pj;
    out->latency_ns = out->cycles / h->core.clock_mhz * 1e3;
}
