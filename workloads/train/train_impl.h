/* Internal to workloads/train/train*.c: the trainer's state, shared by the reference-mode
 * loop (train.c) and the straight-through-estimator mode (train_ste.c). */
#ifndef CIM_TRAIN_IMPL_H
#define CIM_TRAIN_IMPL_H

#include "workloads/io/idx.h"
#include "workloads/exec/fast.h"
#include "workloads/train/train.h"
#include "workloads/train/adam.h"
#include "workloads/train/head.h"

typedef struct SteState SteState;

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
    CimPruneReport prune;
    CimTrainReport *rep;
    unsigned start_epoch;
    SteState *ste;         /* NULL in reference mode */
    char **logged;         /* resumed: the metrics lines of epochs 1..start_epoch, verbatim */
} Trainer;


CimStatus trainer_rebuild(Trainer *t, CimDiag *d);
/* One Adam step of every parameter, with the reference's mask of zero conv parameters. */
void trainer_step(Trainer *t);
CimStatus trainer_add_param(Trainer *t, const char *layer, const char *what, float *p, float *grad, size_t n,
                            int conv, double lr);

/* ---- ste mode (train_ste.c) ---- */
/* Buffers and the conv layers' parameters; CIM_ERR_CONFIG with a message for a layer the
 * STE backward does not handle (none the network format accepts today: see check_layer). */
CimStatus ste_init(Trainer *t, CimDiag *d);
void ste_free(Trainer *t);
/* One batch: chip forward with traces, head, STE backward through every conv layer, Adam,
 * pruned filters held at zero, chip reprogrammed. Adds to *loss and *correct. */
CimStatus ste_batch(Trainer *t, const size_t *idx, size_t nb, double *loss, size_t *correct, CimDiag *d);

#endif
