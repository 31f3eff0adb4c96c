/* Pruning that speaks (issue 13): the reference rule is kept exact, so it may prune every
 * filter of a layer (it does so to MNIST's conv1 in every run); the reports say so and say
 * what the pruned-filter semantics make of it. */
#include "workloads/report/report.h"

#include <stdio.h>

size_t cim_report_warnings(const CimRunReport *r, char (*out)[CIM_REPORT_WARNING_LEN], size_t max)
{
    size_t n = 0, k = 0;
    for (size_t i = 0; i < r->nlayers; i++) {
        const CimReportLayer *l = &r->layers[i];
        if (l->where != CIM_WHERE_CHIP)
            continue;
        const CimPruneLayerReport *p = r->pruned_on_chip && k < r->prune.n ? &r->prune.layers[k] : NULL;
        k++;
        unsigned pruned = l->filters - l->live;
        if (l->filters && (double)pruned >= r->warn_share * (double)l->filters && pruned > 0) {
            if (n < max)
                snprintf(out[n], CIM_REPORT_WARNING_LEN,
                         "layer %s: %u of %u filters pruned (%.1f %%, run.prune.warn_share %g): with pruned_filters "
                         "reference (this run: %s) %s, with skip %s; run.prune.keep_min_filters keeps a minimum",
                         l->name, pruned, l->filters, 100.0 * pruned / l->filters, r->warn_share, r->pruned_mode,
                         pruned == l->filters ? "the layer still computes: every output is the all -1 filter's"
                                              : "each pruned output is the all -1 filter's",
                         pruned == l->filters ? "it outputs only zeros" : "each pruned output is 0");
            n++;
        }
        if (p && p->kept_by_guard) {
            if (n < max)
                snprintf(out[n], CIM_REPORT_WARNING_LEN,
                         "layer %s: run.prune.keep_min_filters kept %u filters the paper's rule pruned", l->name,
                         p->kept_by_guard);
            n++;
        }
    }
    return n;
}
