/* dcim compare for a point-cloud network: the digital chip's int8 convs from the run, the
 * analogue baseline's int8 crossbars on the activity of the same codes, the work counts.
 * docs/energy.md, "Point-cloud networks". */
#include "workloads/compare/compare_impl.h"

#include <stdlib.h>
#include <string.h>

static void tap(void *ctx, size_t layer, unsigned s, const int8_t *x, const int8_t *w, size_t P, size_t C, size_t F)
{
    CimCompare *c = ctx;
    CimAnalogActivity *a = &c->pn_act[layer * CIM_PN_MAX_MLP + s];
    cim_analog_int8_activity(&c->analog, x, w, P, C, F, a);
    a->images++;
}

CimStatus cim_compare_pn_job(const CimCompareOptions *o, const char *const *job_ov, size_t njob, CimCompare *c,
                             CimDiag *d)
{
    c->pn = calloc(1, sizeof *c->pn);
    c->pn_act = calloc(CIM_PN_MAX_LAYERS * CIM_PN_MAX_MLP, sizeof *c->pn_act);
    if (!c->pn || !c->pn_act)
        return CIM_ERR_NOMEM;
    c->pn->conv_tap = tap;
    c->pn->conv_tap_ctx = c;
    CimJobOptions jo = {.run_path = o->run_path, .overrides = job_ov, .noverrides = njob, .progress = o->progress,
                        .stop = o->stop, .vcd_end = UINT64_MAX, .results = o->results,
                        .results_dir = o->results_dir, .results_sub = o->results_sub};
    CimStatus st = cim_pn_job_run(&jo, NULL, c->pn, d);
    if (st == CIM_OK)
        st = cim_pn_job_report(c->pn, &c->job.report);
    return st;
}

void cim_compare_pn_work(CimCompare *c)
{
    const CimPnJob *j = c->pn;
    uint64_t conv = 0, removed = 0;
    for (size_t i = 0; i < j->net.n; i++) {
        uint64_t m = cim_pn_layer_macs(&j->net, i);
        c->macs += m;
        if (j->net.layers[i].kind == CIM_PN_SA) {
            conv += m;
            removed += cim_pn_job_pruned_macs(j, i);
            c->pruned_layer_macs += j->net.layers[i].prune ? m : 0;
        }
    }
    c->ops = 2.0 * (double)c->macs;
    /* the chip computes pruned filters too (their output is the reference's); the
     * operations pruning removes are those the paper counts */
    c->conv_macs = conv - removed;
    c->conv_macs_removed = removed;
    c->images = j->n;
    c->status = j->aborted ? CIM_RUN_ABORTED : CIM_RUN_COMPLETE;
    snprintf(c->reason, sizeof c->reason, "%s", j->aborted ? "interrupted (Ctrl-C)" : "");
}

CimStatus cim_compare_pn_analog(CimCompare *c)
{
    const CimPnJob *j = c->pn;
    CimAnalogInt8Shape shapes[CIM_PN_MAX_LAYERS * CIM_PN_MAX_MLP];
    CimAnalogActivity acts[CIM_PN_MAX_LAYERS * CIM_PN_MAX_MLP];
    size_t n = 0;
    for (size_t i = 0; i < j->net.n; i++)
        for (unsigned s = 0; s < CIM_PN_MAX_MLP; s++) {
            const CimPnChipConv *cv = cim_pn_chip_at(&j->chip, i, s);
            if (!cv->calls)
                continue;
            shapes[n] = (CimAnalogInt8Shape){.positions = cv->positions / cv->calls, .in_c = cv->conv.C,
                                             .filters = cv->conv.F};
            acts[n++] = c->pn_act[i * CIM_PN_MAX_MLP + s];
        }
    c->lossless_bits = cim_analog_int8_lossless_bits(&c->analog);
    c->analog_activity_assumed = 0;
    CimStatus st = n ? cim_analog_int8_net_cost(&c->analog, &j->chip_cfg.tech, shapes, acts, n, NULL, &c->analog_cost)
                     : CIM_OK;
    if (st != CIM_OK)
        return st;
    c->adc_reads = (uint64_t)(c->analog_cost.ev.conversions * (double)j->n);
    c->adc_inexact = c->adc_clipped = 0; /* lossless: every read exact */
    cim_compare_side_analog(&c->analog, &c->analog_cost, &c->side[CIM_SIDE_ANALOG]);
    c->side[CIM_SIDE_ANALOG].images = j->n;
    c->side[CIM_SIDE_ANALOG].correct = j->correct; /* exact int8 sums: the chip's predictions */
    c->exact_correct = j->correct;                 /* the chip's sums equal the reference's */
    c->exact_done = 1;
    return CIM_OK;
}
