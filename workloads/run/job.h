/* One `dcim run`: load the run, chip, network, weights and data; prune on chip; compile;
 * program the weights; run the images with progress; fill the report. */
#ifndef CIM_JOB_H
#define CIM_JOB_H

#include <signal.h>

#include "workloads/report/report.h"
#include "workloads/report/results.h"
#include "workloads/run/run_cfg.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *run_path;
    const char *const *overrides;   /* run.* / chip.* / tech.* KEY=VALUE, any number */
    size_t noverrides;
    int progress;                   /* draw a progress bar on stderr */
    volatile sig_atomic_t *stop;    /* set asynchronously (Ctrl-C): stop after the current image */
    const char *vcd_path;           /* fidelity cycle only; NULL: no trace */
    uint64_t vcd_start, vcd_end;
    int vcd_date;                   /* keep the VCD's wall-clock $date line */
    unsigned jobs;                  /* threads for the images, each with its own fast path or chip;
                                       0: the machine's cores, or 1 where one thread is all a run
                                       can use (fidelity cycle, device physics on). Results are
                                       identical for every count. */
    /* Not NULL: the results folder is begun (cim_results_begin) once the run file is read and
     * before any data is loaded or image runs, so an unusable folder costs nothing. The
     * folder is results_dir, or else the run file's run.out with results_sub appended as a
     * subfolder when that is not NULL. The caller writes into it and commits or discards. */
    CimResults *results;
    const char *results_dir, *results_sub;
} CimJobOptions;

/* Everything a job owns; free with cim_job_free (also after an error). */
typedef struct {
    CimRunCfg run;
    CimChipCfg chip_cfg;
    CimNet net;
    int net_loaded;
    CimChip *chip;
    CimCompiled cc;
    int compiled;
    CimRunReport report;
} CimJob;

/* Runs the job. CIM_OK with report.status CIM_RUN_COMPLETE or CIM_RUN_ABORTED (Ctrl-C, a trap: the
 * report holds what was measured so far); any other status is an error in diag before
 * any image ran. */
CimStatus cim_job_run(const CimJobOptions *opt, CimJob *job, CimDiag *diag);
void cim_job_free(CimJob *job);
/* The first part of a job, shared with dcim train: run and chip files (with overrides),
 * network, weights (the file's, or seeded random ones) and an empty chip. */
CimStatus cim_job_prepare(const CimJobOptions *opt, CimJob *job, CimDiag *diag);
/* What `dcim check RUN.yaml` shows: the job prepared and compiled (the weights' own
 * pruned filters; no on-chip pruning, no image) and the report's mapping filled. A
 * network that does not fit is an error in diag, as for cim_job_run. */
CimStatus cim_job_check(const CimJobOptions *opt, CimJob *job, CimDiag *diag);
/* Begins o->results (not NULL) in o->results_dir, or else out_dir (the run file's run.out)
 * with o->results_sub appended when that is not NULL: the folder rule of every job kind. */
CimStatus cim_job_results_begin(const CimJobOptions *o, const char *out_dir, CimDiag *diag);
/* The pruning parameters of a run file. */
void cim_job_prune_params(const CimRunCfg *run, CimPruneParams *p);

#ifdef __cplusplus
}
#endif
#endif
