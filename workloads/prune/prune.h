/* Filter-similarity pruning rule of the paper, as a pure decision on distances the chip measured
 * (binary_prune_model in CNN/cimcam_mnist_cnn.py of wangsongq/Dynamic-Kernel-Pruning).
 * The rule, its modes and the reference's quirks are described in docs/pruning.md. */
#ifndef CIM_PRUNE_H
#define CIM_PRUNE_H

#include <stddef.h>
#include <stdint.h>

#include "models/common/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which filters of a layer take part in a pruning round (the set S). */
typedef enum {
    /* The script: filters whose sum of sign(w) is non-zero (sign(0) = 0). An unpruned +-1 filter
     * with as many +1 as -1 also sums to 0 and is silently left out, as in the reference. */
    CIM_PRUNE_REFERENCE = 0,
    /* Every filter not flagged as already pruned. */
    CIM_PRUNE_LIVE,
    CIM_PRUNE_MODE_COUNT
} CimPruneMode;
#define CIM_PRUNE_MODE_NAMES "reference,live" /* run.prune.participation, in enum order */

/* Precision of the pair-distance mean and variance, as numpy computes them. */
typedef enum {
    /* Binary layers: distances are int64 tensors, so np.mean/np.var work in float64. */
    CIM_PRUNE_STATS_F64 = 0,
    /* Euclidean (int8) layers: torch.norm gives float32, so np.mean/np.var work in float32. */
    CIM_PRUNE_STATS_F32
} CimPruneStatsPrec;

/* How "d < threshold" is evaluated. */
typedef enum {
    /* The script: a 0-d torch tensor compared with a numpy float64 promotes both sides to
     * float32, so the threshold is rounded to float first. Example: d = 4, threshold =
     * 4 + 1e-12 -> (float)4 < (float)(4 + 1e-12) is 4 < 4 -> not close. */
    CIM_PRUNE_CMP_TORCH_F32 = 0,
    /* Plain double comparison (d = 4 is close in the example above). */
    CIM_PRUNE_CMP_F64
} CimPruneCmp;

typedef struct {
    double threshold_b;       /* a pair is close when d < mean - threshold_b * variance (0.146) */
    double threshold_c;       /* a filter is pruned when count > threshold_c * (N - 1) (0.15) */
    CimPruneMode mode;
    CimPruneStatsPrec stats_prec;
    CimPruneCmp cmp;
    /* A guard outside the paper's rule, off (0) by default so the rule stays exact: a round
     * never leaves a layer with fewer than this many live filters; the newly pruned filters
     * in the fewest close pairs (then the lowest index) are kept. Applied by
     * cim_prune_on_chip, not by cim_prune_select. */
    unsigned keep_min_filters;
} CimPruneParams;

/* Fills the script's values: threshold_b 0.146, threshold_c 0.15, reference mode, float64
 * statistics, torch float32 comparison. */
void cim_prune_params_reference(CimPruneParams *p);

/* One layer as the rule sees it; no weights, only what decides participation. */
typedef struct {
    size_t n_filters;        /* N, already pruned filters included */
    const uint8_t *pruned;   /* N flags, 1 = already pruned (never takes part); NULL = none */
    const int64_t *sign_sum; /* N sums of sign(w) per filter; required in reference mode, unused
                              * in live mode (may be NULL there). Only "non-zero" matters: for
                              * the Euclidean variant pass torch.sum(w) != 0 as 1 or 0. */
} CimPruneLayer;

/* Reporting numbers of one round. mean, variance and threshold are NaN when no pair was
 * evaluated (np.mean([]) in the reference); then nothing is pruned. */
typedef struct {
    size_t n_filters;       /* N */
    size_t n_participating; /* |S| */
    size_t pairs;           /* distances evaluated: |S| (|S| - 1) / 2 */
    size_t close_pairs;     /* pairs with d below the threshold */
    size_t n_pruned;        /* filters newly pruned this round */
    double mean;            /* of the pair distances */
    double variance;        /* population variance (np.var, ddof = 0), not the std */
    double threshold;       /* mean - threshold_b * variance, in double */
    double threshold_cmp;   /* the value d was compared with (float-rounded under TORCH_F32) */
    double count_limit;     /* threshold_c * (N - 1) */
} CimPruneStats;

/* Where the round's results go. `pruned` and `close_count` are caller arrays of n_filters
 * entries; close_count may be NULL when not wanted. */
typedef struct {
    size_t *pruned;      /* newly pruned filter indices, ascending; n_pruned of them are set */
    size_t n_pruned;
    size_t *close_count; /* per filter: number of close pairs it is in (0 outside S) */
    CimPruneStats stats;
} CimPruneOut;

/* Distance between filters i < j (both in S), e.g. a Hamming distance the chip measured with
 * a dual-row XOR and a popcount. Returns CIM_OK or an error that stops the round. */
typedef CimStatus (*CimPruneDistFn)(void *ctx, size_t i, size_t j, double *dist);

/* One pruning round. Asks `dist` for every pair i < j of S in the reference's order (i
 * ascending, then j ascending), then applies the rule. Filters outside S are never pruned.
 * Errors: CIM_ERR_RANGE for a NULL argument, an unknown mode, a missing sign_sum in
 * reference mode, or (float32 statistics only) more than 2^24 pairs, which float32 cannot
 * count exactly; CIM_ERR_NOMEM; any status the callback returns. On error *out is left unchanged. Scratch memory comes from alloc (NULL = malloc). */
CimStatus cim_prune_select(const CimPruneParams *p, const CimPruneLayer *layer,
                           CimPruneDistFn dist, void *dist_ctx, const CimAlloc *alloc,
                           CimPruneOut *out);

/* Same, with the distances already in an N x N row-major matrix (only entries i < j are read). */
CimStatus cim_prune_select_matrix(const CimPruneParams *p, const CimPruneLayer *layer,
                                  const double *dist, const CimAlloc *alloc, CimPruneOut *out);

/* Sum of sign(w) over one filter with sign(0) = 0, as torch.sum(torch.sign(w)). */
int64_t cim_prune_sign_sum_f32(const float *w, size_t len);

/* Sum of sign(w) of an unpruned +-1 filter stored as bits (1 = +1, 0 = -1):
 * 2 * popcount - nbits. Example: 1101 over 4 bits -> 3 - 1 = 2. */
int64_t cim_prune_sign_sum_bits(const uint64_t *row, size_t nbits);

#ifdef __cplusplus
}
#endif
#endif
