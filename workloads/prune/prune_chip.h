/* On-chip pruning: every conv layer's filters are written as rows, the chip measures each
 * filter's popcount (row read) and every pairwise Hamming distance (dual-row XOR + adder
 * tree), and the host applies the paper's rule (workloads/prune) to those numbers. */
#ifndef CIM_PRUNE_CHIP_H
#define CIM_PRUNE_CHIP_H

#include "workloads/prune/prune.h"
#include "workloads/exec/infer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    size_t layer;             /* network layer index */
    unsigned filters, pruned_before, pruned_new;
    unsigned kept_by_guard;   /* filters the rule pruned and keep_min_filters kept (last round) */
    CimPruneStats stats;
} CimPruneLayerReport;

typedef struct {
    CimPruneLayerReport *layers;  /* one per conv layer */
    size_t n;
    CimLayerTally load;           /* writing the filters as rows */
    CimLayerTally distances;      /* popcounts and distances */
} CimPruneReport;

/* One pruning round over every conv layer of net, on chip. Pruned filters get zero
 * weights and their flag set; with rewrite_sign every conv weight becomes sign(w), as the
 * reference's binary_prune_model does (harmless to the binary forward pass). Costs are
 * added to rep (allocated here on the first call; free with cim_prune_report_free). */
CimStatus cim_prune_on_chip(CimChip *chip, CimNet *net, const CimPruneParams *p, int rewrite_sign,
                            CimPruneReport *rep, CimTrap *trap, CimDiag *diag);
void cim_prune_report_free(CimPruneReport *rep);

#ifdef __cplusplus
}
#endif
#endif
