/* The chip behind a point-cloud run's int8 conv boundary (CimPnOpts.conv): every set
 * abstraction conv runs bit-serially through the int8 engine (workloads/exec/int8_exec.h),
 * on the fast or the program path; the rest of the network stays on the host. The convs
 * take turns on the run's chip (chip.mapping.reload allow): before each conv of each cloud
 * its weights are written into the arrays, and that load's cost is counted per conv and
 * cloud. docs/network.md, "Point-cloud networks on the chip". */
#ifndef CIM_PN_CHIP_H
#define CIM_PN_CHIP_H

#include "workloads/exec/int8_exec.h"
#include "workloads/pointnet/pointnet.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One conv of the network on the chip: its compiled mapping, a chip model holding its
 * weights, the engine; the cost of one weight load and of every call so far. */
typedef struct {
    CimChip *chip;
    CimInt8Conv conv;
    int compiled;
    CimInt8Engine *eng;
    int8_t *w;                  /* [F][C]: the codes loaded (the same on every call) */
    CimLayerTally load;         /* one load of the weights (prog_load) */
    CimLayerTally t;            /* every call so far, each with its load (reload_cycles) */
    uint64_t calls, positions;
} CimPnChipConv;

typedef struct {
    const CimChipCfg *cfg;
    const CimPnNet *net;
    int program;                /* 1: the program path (position programs on the cycle-stepped model); 0: fast */
    CimPnChipConv *conv;        /* [net->n][CIM_PN_MAX_MLP]: cim_pn_chip_at */
} CimPnChip;

/* Empty engines for net's convs on a chip cfg; cfg and net must outlive c. CIM_ERR_NOMEM. */
CimStatus cim_pn_chip_init(CimPnChip *c, const CimChipCfg *cfg, const CimPnNet *net, int program);
/* Conv s of net->layers[layer] (calls 0: it never ran). */
static inline const CimPnChipConv *cim_pn_chip_at(const CimPnChip *c, size_t layer, unsigned s)
{
    return &c->conv[layer * CIM_PN_MAX_MLP + s];
}

/* The refusals of a chip for point-cloud runs, each naming the setting: physics on (the
 * fast path is exact only without it) and mapping.reload forbid (the engine places every
 * conv from macro 0, so the convs take turns). CIM_ERR_CONFIG with the error in diag. */
CimStatus cim_pn_chip_check(const CimChipCfg *cfg, const char *file, CimDiag *diag);
/* Compiles and loads every set abstraction conv of the net (its weight codes,
 * cim_pn_weight_codes) before any cloud runs, so that a conv the chip cannot hold is
 * refused up front (cim_int8_compile's message, naming the limit, with the layer and conv). */
CimStatus cim_pn_chip_prepare(CimPnChip *c, CimDiag *diag);
/* CimPnOpts.conv with ctx a CimPnChip (cim_pn_chip_init): compiles and loads
 * the conv at its first call (cim_int8_compile's refusals, naming the limit, reported with
 * the layer and conv), then runs x through it; y equals cim_pn_conv_int8's exactly.
 * CIM_ERR_RANGE when a later call brings other weight codes. */
CimStatus cim_pn_chip_conv(void *ctx, size_t layer, unsigned s, const int8_t *x, const int8_t *w, size_t P, size_t C,
                           size_t F, int32_t *out, CimDiag *diag);
/* The chip's part of Euclidean pruning on codes (docs/pruning.md): the codes w[F][C] of
 * conv s of `layer` are written into a chip of cfg as that conv's weights (the cost of the
 * write added to load), then F positions run through the int8 engine, position i driving
 * filter i's codes as the input vector, so that gram[i][j] = w_i . w_j (int32, F x F);
 * their cycles and events added to t. program: the program path, else the fast path (the
 * same numbers). The compile's refusals are reported naming layer and conv. */
CimStatus cim_pn_chip_gram(const CimChipCfg *cfg, int program, const char *layer, unsigned s, const int8_t *w,
                           size_t C, size_t F, int32_t *gram, CimLayerTally *load, CimLayerTally *t, CimDiag *diag);

/* ---- write wear: the convs take turns on one chip ---------------------------------- */
/* Changes of a cell whose value under load k (of n per cloud, repeating) is v[k]: the k
 * with v[k] != v[k-1 mod n]; each change is one SET or RESET pulse. Examples: {0,1,1,0} ->
 * 2, {1,0,1,0} -> 4, {1,1} -> 0, n 1 -> 0. */
unsigned cim_pn_cyclic_changes(const uint8_t *v, size_t n);

typedef struct {
    uint64_t cells;            /* the chip's cells (macros x rows x cols) */
    unsigned loads;            /* weight loads per cloud: the convs that ran, in network order */
    uint64_t changes;          /* per cloud, over all cells: cim_pn_cyclic_changes of each */
    unsigned max_changes;      /* per cloud, of the most-written cell */
} CimPnWear;

/* The chip's write wear per cloud in steady state: each cell takes, under each conv, the
 * value that conv's load leaves in it (cells a conv does not use are left in HRS, 0, as its
 * load finds them on a fresh chip), and is pulsed once per change along the repeating
 * sequence of loads (write-verify retries, write_fail_prob per pulse, are not counted). */
void cim_pn_chip_wear(const CimPnChip *c, CimPnWear *out);

/* Frees the engines and chips (a zeroed c too). */
void cim_pn_chip_free(CimPnChip *c);

#ifdef __cplusplus
}
#endif
#endif
