/* dcim train: in-situ training with dynamic pruning. Forward binary convolutions run on the
 * chip (fast path); the host keeps latent float weights, computes the head's forward and
 * backward, and updates with Adam; after every prune_every epochs pruning runs on chip.
 * Checkpoints (safetensors, PyTorch names) after every epoch; --resume continues exactly. */
#ifndef CIM_TRAIN_H
#define CIM_TRAIN_H

#include "workloads/run/job.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CIM_TRAIN_MAX_CONV 8

typedef struct {
    unsigned epoch;                 /* 1-based */
    double loss, train_acc;         /* mean over the epoch's batches, before pruning */
    double test_acc_before_prune;   /* what the reference script prints */
    double test_acc;                /* the model as saved, after this epoch's pruning */
    int pruned_this_epoch;
    unsigned conv_filters[CIM_TRAIN_MAX_CONV], conv_pruned[CIM_TRAIN_MAX_CONV];
    unsigned conv_kept[CIM_TRAIN_MAX_CONV]; /* kept by run.prune.keep_min_filters this epoch */
    uint64_t conv_macs, conv_macs_removed, all_macs, all_macs_removed; /* per image, after pruning */
    double seconds, train_images_per_s;
    double energy_forward_uj, energy_prune_uj, energy_program_uj; /* on-chip work of the epoch */
    uint64_t cycles_forward, cycles_prune;
    uint64_t write_pulses;          /* SET + RESET pulses of the epoch (programming, pruning) */
} CimEpochStats;

#define CIM_TRAIN_MAX_JOBS 256 /* --jobs of dcim train */

typedef struct {
    CimJobOptions job;   /* job.jobs: threads over a batch's images (0: the machine's cores);
                            results are identical for every count */
    int resume;
    int unoptimised;     /* bench only: the one-thread code path before the speed work
                            (identical results), the baseline `make bench` measures against */
    /* Writes more files into a set of run.out before it is committed (dcim train: the
     * provenance and the resolved configuration), so that they belong to the set; stage_dir
     * is the staging folder, out_dir the set's final folder. NULL: none. */
    CimStatus (*stage_extra)(void *ctx, const char *stage_dir, const char *out_dir, CimDiag *d);
    void *stage_ctx;
} CimTrainOptions;

typedef struct {
    CimEpochStats *epochs;   /* epochs completed, from 1 (resumed ones included) */
    unsigned nepochs;
    unsigned nconv;
    char conv_names[CIM_TRAIN_MAX_CONV][64];
    CimRunStatus status;
    char reason[200];
    char out_dir[CIM_PATH_MAX];
} CimTrainReport;

/* Trains as the run file's train group says; progress on stderr, one line per epoch on
 * stdout; checkpoint.safetensors, optimizer.safetensors and metrics.jsonl in run.out.
 * CIM_OK with status CIM_RUN_COMPLETE or CIM_RUN_ABORTED (Ctrl-C: resume.safetensors holds the last complete batch). */
CimStatus cim_train_run(const CimTrainOptions *opt, CimTrainReport *rep, CimDiag *diag);
void cim_train_report_free(CimTrainReport *rep);

#ifdef __cplusplus
}
#endif
#endif
