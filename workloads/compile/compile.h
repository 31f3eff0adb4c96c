/* The network compiler: maps each binary conv layer (with the max-pool / ReLU after it)
 * onto regions of the macros' arrays, and emits the controller programs that program the
 * weights and run one image; layers the chip does not run stay on the host. Also the
 * similarity regions and programs for on-chip pruning. Mapping rules: docs/compiler.md. */
#ifndef CIM_COMPILE_H
#define CIM_COMPILE_H

#include "models/chip/chip.h"
#include "workloads/net/net.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A rectangle of one macro's array: rows [row0, row0 + nrows) x cols [col0, col0 + ncols). */
typedef struct {
    unsigned macro, row0, nrows, col0, ncols;
    unsigned e0;   /* conv region: first filter element on its rows; similarity: first column element */
    unsigned f0;   /* conv region: first PPU output on its columns */
} CimRegion;

typedef enum { CIM_OUT_BITS, CIM_OUT_INTS } CimOutKind;
/* What a pruned filter outputs; neither mode spends array operations on it (docs/compiler.md).
 * reference: the output of the reference script's all -1 filter; skip: 0. */
typedef enum { CIM_PRUNED_REFERENCE, CIM_PRUNED_SKIP, CIM_PRUNED_COUNT } CimPrunedMode;
#define CIM_PRUNED_NAMES "reference,skip" /* run.pruned_filters, in enum order */

typedef struct {
    size_t layer;            /* the conv layer's index in the network */
    size_t last;             /* last network layer folded into this chip layer */
    unsigned L, F, nlive;    /* filter length, filters, live filters */
    unsigned k, pad, pool;   /* pool = 1: none */
    unsigned in_c, in_h, in_w, out_h, out_w; /* out_* after pooling */
    unsigned *order;         /* PPU / output-channel position -> original filter (live first) */
    unsigned *in_perm;       /* input channel position -> original input channel */
    CimRegion *regions;      /* row tiles x column tiles of the live filters, then the copies:
                              * regions[c * nregions + i] is copy c of region i */
    unsigned nregions, row_tiles, col_tiles;
    int cut;                 /* 1: row tiles cut to the free space (unequal heights), as the
                              * layers did not fit together with equal tiles */
    unsigned replicas;       /* copies of the regions (chip.mapping.replicate), each copy on its
                              * own macros; copy c computes the c-th position of a group */
    size_t in_addr, out_addr, table_addr, table_bits;
    CimOutKind out_kind;
    CimProgram prog;         /* one image through this layer */
    /* cc->reload only: rewrites this layer's rows before each image's pass (dmai + wrow
     * of every row its regions use), from reload_stream */
    CimProgram reload;
    uint64_t *reload_stream;
    size_t reload_bits;
} CimChipLayer;

typedef struct {
    CimChipLayer *layers;
    size_t n;
    size_t first_host;       /* first network layer run on the host (net->n: none) */
    size_t image_addr, image_bits;  /* the binarised input, channels-last */
    size_t result_addr, result_bits;/* int32 outputs of the last chip layer, dmao'd */
    CimProgram prog_load;    /* programs the weights and writes the layer tables */
    uint64_t *load_stream;   /* host data that prog_load reads with dmai */
    size_t load_bits;
    unsigned *rows_used;     /* per macro */
    uint64_t cells_used;     /* cells holding weights */
    size_t buffer_bits_used;
    CimPrunedMode pruned_mode;
    int reload;              /* the layers do not fit together: each is placed on the whole chip alone
                              * and rewritten before it runs (chip.mapping.reload allow) */
    CimAlloc alloc;
} CimCompiled;

/* Where one chip layer sits, as the mapping report shows it. */
typedef struct {
    unsigned regions, row_tiles, col_tiles;
    unsigned tile_rows;      /* rows of the tallest region: word lines of one gated read */
    unsigned macros_used;    /* distinct macros holding its regions */
    unsigned rounds;         /* most regions on one macro: they take turns per position */
    uint64_t cells;          /* cells holding its weights, copies included */
    unsigned replicas;       /* copies of its regions (1: none) */
    char copy_macros[256];   /* the macros of each copy, "m0 m1 | m2 m3" ("-": no regions; ends
                              * in "..." when longer than the field) */
} CimLayerMap;
/* Regions placed on the chip: every copy's. */
static inline unsigned cim_chip_layer_placed(const CimChipLayer *cl) { return cl->nregions * cl->replicas; }
void cim_compile_layer_map(const CimChipLayer *cl, CimLayerMap *out);

/* Compiles net for the chip. Errors (does not fit, unsupported layer order) go to diag. */
CimStatus cim_compile(const CimChipCfg *cfg, const CimNet *net, CimPrunedMode mode, const CimAlloc *a,
                      CimCompiled *out, CimDiag *diag);
void cim_compiled_free(CimCompiled *c);

/* The binarised input of one image, channels-last, as the chip reads it: pixel p of
 * channel c -> ((p / div - mean) / std > 0), in float32 like ToTensor + Normalize. */
void cim_compile_binarise_image(const CimNet *net, const uint8_t *pixels, uint64_t *bits);

/* ---- on-chip pruning ------------------------------------------------------------ */
typedef struct {
    size_t layer;
    unsigned F, L, nchunks;
    CimRegion *chunks;       /* filter f is row row0 + f; columns hold elements e0 .. e0+ncols */
} CimSimLayer;

typedef struct {
    CimSimLayer *layers;     /* one per conv layer */
    size_t n;
    CimProgram prog_load;
    uint64_t *load_stream;
    size_t load_bits;
    CimAlloc alloc;
} CimSimMap;

/* Places every conv layer's filters as rows (binary weights, w > 0 -> 1). */
CimStatus cim_compile_similarity(const CimChipCfg *cfg, const CimNet *net, const CimAlloc *a, CimSimMap *out,
                                 CimDiag *diag);
void cim_sim_free(CimSimMap *s);
/* Program computing, on chip, the popcount of each filter in `filters` (n of them) and the
 * Hamming distance of every pair i < j (dual-row XOR + adder-tree popcount per chunk),
 * stored as int32 at buffer bit 0 and sent to the host with dmao: n popcounts, then the
 * n(n-1)/2 distances in (0,1), (0,2), ..., (1,2), ... order. */
CimStatus cim_compile_distances(const CimChipCfg *cfg, const CimSimLayer *sl, const unsigned *filters,
                                unsigned n, const CimAlloc *a, CimProgram *out);

#ifdef __cplusplus
}
#endif
#endif
