/* dcim train for point-cloud networks (PointNet++, ../shared/research/reference_pointnet.md):
 * the reference's training loop (Adam, batch, cross-entropy, training transforms, BatchNorm
 * in training mode, dropout, int8 convs with a straight-through backward, the gradient mask
 * of pruned convs), evaluation and Euclidean pruning after every epoch, checkpoints with the
 * reference's state_dict names, metrics.jsonl and an exact --resume. docs/training.md,
 * "PointNet++". */
#ifndef CIM_PN_TRAIN_H
#define CIM_PN_TRAIN_H

#include "workloads/train/train.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Trains the run file's point-cloud network (cim_pn_job_wanted is 1 for it). data_path
 * (NULL: the run file's run.data) is a ModelNet folder (train and test splits) or an HDF5
 * training file, which then needs eval_path, an HDF5 file of test clouds. Progress on
 * stderr, one line per epoch on stdout; checkpoint.safetensors, metrics.jsonl and
 * resume.safetensors in run.out. rep gets status, reason, out_dir and nepochs (its epochs
 * array stays NULL). Refusals are CIM_ERR_CONFIG naming the limit. */
CimStatus cim_pn_train_run(const CimTrainOptions *opt, const char *data_path, const char *eval_path,
                           CimTrainReport *rep, CimDiag *diag);

#ifdef __cplusplus
}
#endif
#endif
