/* Internal to workloads/train/train*.c: the trainer's state, shared by the reference-mode
 * loop (train.c) and the straight-through-estimator mode (train_ste.c). */
#ifndef CIM_TRAIN_IMPL_H
#define CIM_TRAIN_IMPL_H

#include "workloads/io/idx.h"
#include "workloads/report/results.h"
#include "workloads/exec/fast.h"
#include "workloads/train/train.h"
#include "workloads/train/adam.h"
#include "workloads/train/head.h"

typedef struct SteState SteState;
typedef struct TrainPool TrainPool;

#define CIM_TRAIN_MAX_CLASSES 1024 /* outputs of the network's last layer (a logits buffer each) */
#define CIM_TRAIN_IMAGE_PIXELS 784 /* an MNIST image, 1 x 28 x 28: the network's input */

/* Where the epoch in progress stands: images and batches done, their running sums, and the
 * seconds spent on it (over all the runs that worked on it). Zero at an epoch's start. */
typedef struct {
    size_t images, batches, correct;
    double loss_sum, seconds;
} TrainPos;

typedef struct {
    char name[96];
    float *p, *grad;   /* the network's tensor, and the head's gradient for it */
    size_t n;
    int conv;          /* conv parameter: masked where zero, as the reference does */
    CimAdam adam;
    uint8_t *mask;
} Param;

typedef struct {
    const CimTrainOptions *opt;
    CimJob job;
    CimMnist train, test;
    CimFast *fast;
    CimHead head;
    Param params[64];
    size_t nparams;
    int32_t *ints, *labels;
    size_t *perm;
    CimLayerTally fwd_layers[CIM_TRAIN_MAX_CONV], prog; /* forward passes (per chip layer), programming */
    CimLayerTally prog_epoch0; /* prog at the epoch's start: the epoch's programming is prog - prog_epoch0 */
    TrainPos pos;
    CimPruneReport prune;
    CimTrainReport *rep;
    unsigned start_epoch;
    SteState *ste;         /* NULL in reference mode */
    /* --jobs: threads over the images of a batch (and of the evaluation), worker w with its
     * own fast path (w ? xfast[w] : fast) and forward tallies wtally[w], added to fwd_layers
     * in worker order after every batch (integer sums: the same for every count). */
    unsigned jobs;
    CimFast **xfast;
    CimLayerTally (*wtally)[CIM_TRAIN_MAX_CONV];
    TrainPool *pool;       /* threads of workers 1..jobs - 1, started once (NULL: one job) */
    int unoptimised;       /* the code path before the speed work (bench only: opt->unoptimised) */
    char **logged;         /* resumed: the metrics lines of epochs 1..start_epoch, verbatim */
    CimResults rs;         /* run.out as one set: every save point stages its files, then commits */
    int have_epoch_set;    /* run.out's checkpoint and optimizer state are this training's, of rep->nepochs */
} Trainer;


CimStatus trainer_rebuild(Trainer *t, CimDiag *d);
/* Worker w's fast path. */
CimFast *trainer_fast(const Trainer *t, unsigned w);
/* A CimNnTeam of the t->jobs workers (ctx: the Trainer): member w runs on worker w's thread,
 * member 0 on the calling thread (and any member whose thread could not be started). */
void trainer_team(void *ctx, CimNnTeamFn *fn, void *arg);
/* fn(t, w, lo, hi, ctx) for the contiguous ranges [lo, hi) that split [0, n) over the
 * workers (cim_nn_split: worker w from n w / J down to a multiple of align), empty ones
 * skipped; returns when all are done. */
typedef void TrainChunkFn(Trainer *t, unsigned w, size_t lo, size_t hi, void *ctx);
void trainer_parallel_align(Trainer *t, size_t n, size_t align, TrainChunkFn *fn, void *ctx);
void trainer_parallel(Trainer *t, size_t n, TrainChunkFn *fn, void *ctx); /* align 1 */
/* A CimNnPar over the workers (ctx: the Trainer). */
void trainer_nn_par(void *ctx, size_t n, size_t align, CimNnChunkFn *fn, void *arg);
/* The workers' forward tallies into t->fwd_layers, in worker order, and cleared. */
void trainer_collect_tallies(Trainer *t);
/* One Adam step of every parameter, with the reference's mask of zero conv parameters. */
void trainer_step(Trainer *t);
CimStatus trainer_add_param(Trainer *t, const char *layer, const char *what, float *p, float *grad, size_t n,
                            int conv, double lr);

/* ---- the resume point (train_resume.c) ---- */
/* run.out/resume.safetensors into buf. */
CimStatus resume_path(const Trainer *t, char *buf, size_t len);
/* Writes the resume point into the set being staged (t->rs): epochs_done complete epochs
 * plus t->pos of the next. */
CimStatus resume_save(Trainer *t, unsigned epochs_done, CimDiag *d);
/* Loads it: start_epoch, pos, weights, Adam state, then rebuilds the chip and restores its
 * cells and the epoch's tallies. CIM_ERR_CONFIG when seed or learning mode differ (and,
 * inside an epoch, batch size or image count), naming the key. */
CimStatus resume_load(Trainer *t, CimDiag *d);

/* ---- ste mode (train_ste.c) ---- */
/* Buffers and the conv layers' parameters; CIM_ERR_CONFIG with a message for a layer the
 * STE backward does not handle (none the network format accepts today: see check_layer). */
CimStatus ste_init(Trainer *t, CimDiag *d);
void ste_free(Trainer *t);
/* One batch: chip forward with traces, head, STE backward through every conv layer, Adam,
 * pruned filters held at zero, chip reprogrammed. Adds to *loss and *correct. */
CimStatus ste_batch(Trainer *t, const size_t *idx, size_t nb, double *loss, size_t *correct, CimDiag *d);

#endif
