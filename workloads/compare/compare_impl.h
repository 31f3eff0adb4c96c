/* Shared inside workloads/compare: the point-cloud comparison (compare_pn.c). */
#ifndef CIM_COMPARE_IMPL_H
#define CIM_COMPARE_IMPL_H

#include "workloads/compare/compare.h"

/* Runs the point-cloud job (job_ov: its run.* chip.* tech.* overrides) with the analogue
 * baseline's activity counted on every conv's codes, and fills c->pn, c->pn_act and
 * c->job.report (cim_pn_job_report). Errors in d. */
CimStatus cim_compare_pn_job(const CimCompareOptions *o, const char *const *job_ov, size_t njob, CimCompare *c,
                             CimDiag *d);
/* MACs of the whole network, the SA convs' MACs, those in pruned filters, clouds, status. */
void cim_compare_pn_work(CimCompare *c);
/* The analogue baseline's int8 costs on the counted activity (its chip share only). The
 * read-out is lossless (load_inputs refuses others), so its predictions are the chip's. */
CimStatus cim_compare_pn_analog(CimCompare *c);


#endif
