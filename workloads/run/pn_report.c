/* A point-cloud run in the MNIST report's form (workloads/report/report.h): what layers.csv
 * and dcim compare read. */
#include "workloads/run/pointcloud.h"

#include <stdlib.h>
#include <string.h>

CimStatus cim_pn_job_report(const CimPnJob *j, CimRunReport *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->run_name, sizeof r->run_name, "%s", j->run.name);
    snprintf(r->chip, sizeof r->chip, "%s", j->chip_cfg.name);
    snprintf(r->tech, sizeof r->tech, "%s", j->chip_cfg.tech.name);
    snprintf(r->network, sizeof r->network, "%s", j->net.name);
    snprintf(r->weights, sizeof r->weights, "%s", j->run.weights_path[0] ? j->run.weights_path : "random");
    cim_cfg_choice(CIM_FIDELITY_NAMES, (int)j->run.fidelity, r->fidelity, sizeof r->fidelity);
    cim_cfg_choice(CIM_PRUNED_NAMES, (int)j->run.pruned_filters, r->pruned_mode, sizeof r->pruned_mode);
    r->status = j->aborted ? CIM_RUN_ABORTED : CIM_RUN_COMPLETE;
    if (j->aborted)
        snprintf(r->reason, sizeof r->reason, "interrupted (Ctrl-C)");
    r->seed = j->run.seed;
    r->images = j->n;
    r->correct = j->correct;
    r->pruned_on_chip = j->run.prune.enabled;
    r->clock_mhz = j->chip_cfg.clock_mhz;
    r->macros = j->chip_cfg.macros;
    r->rows = j->chip_cfg.array.rows;
    r->cols = j->chip_cfg.array.cols;
    r->reload = 1; /* the convs take turns on the arrays */
    r->cfg = &j->chip_cfg;
    cim_area_compute(&j->chip_cfg, &r->area);
    cim_energy_table(&j->chip_cfg, &r->etable);
    r->layers = calloc(j->net.n * (CIM_PN_MAX_MLP + 1) + 1, sizeof *r->layers);
    if (!r->layers)
        return CIM_ERR_NOMEM;
    for (size_t i = 0; i < j->net.n; i++) {
        const CimPnLayer *l = &j->net.layers[i];
        for (unsigned s = 0; j->on_chip && l->kind == CIM_PN_SA && s < l->n_mlp; s++) {
            const CimPnChipConv *cv = cim_pn_chip_at(&j->chip, i, s);
            CimReportLayer *o = &r->layers[r->nlayers++];
            /* a row name holds 63 bytes: a layer name past 57 (the network file allows 63) is cut */
            snprintf(o->name, sizeof o->name, "%.57s.Conv%c", l->name, (char)('0' + s)); /* s < 8 */
            o->where = CIM_WHERE_CHIP;
            o->filters = o->live = l->mlp[s];
            o->pruned = j->pruned[i][s];
            o->macs = (cv->calls ? cv->positions / cv->calls : 0) * l->cin[s] * l->mlp[s];
            o->cost = cv->t;
        }
        if (l->kind == CIM_PN_LINEAR || (!j->on_chip && l->kind == CIM_PN_SA)) {
            CimReportLayer *o = &r->layers[r->nlayers++];
            snprintf(o->name, sizeof o->name, "%s", l->name);
            o->where = CIM_WHERE_HOST;
            o->filters = o->live = l->out_c;
            o->macs = cim_pn_layer_macs(&j->net, i);
        }
    }
    return CIM_OK;
}
