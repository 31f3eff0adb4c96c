/* The shape campaign (issue 11): random chips x random small binary networks, each case
 * run through the program path, the fast path and a plain C reference (shapes_ref.c), and
 * optionally through another program runner (the SystemC model). docs/compiler.md,
 * "Differential testing". Shared by tests/workloads/shapes/ and tests/sim/. */
#ifndef CIM_TEST_SHAPES_H
#define CIM_TEST_SHAPES_H

#include "workloads/exec/fast.h"
#include "workloads/io/idx.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A mapping strategy the campaign draws from: a name and the compile call. New mapping
 * strategies are one more row of shapes_strategies (shapes.c). */
typedef struct {
    const char *name;
    CimStatus (*compile)(const CimChipCfg *cfg, const CimNet *net, CimPrunedMode mode, CimCompiled *out,
                         CimDiag *diag);
} ShapesStrategy;

/* One case, fully determined by its seed. */
typedef struct {
    uint64_t seed;
    CimChipCfg cfg;
    CimNet net;
    CimPrunedMode mode;
    const ShapesStrategy *strategy;
    unsigned images;       /* images per case: random pixels, then MNIST crops when given */
    int net_refused;       /* 1: the network format refused the drawn net (reason in why) */
    char why[256];
} ShapesCase;

/* Draws case `seed`. force_macros > 0 fixes the macro count (SystemC: one elaboration per
 * process). A network the format refuses (cim_net_infer) sets net_refused and why. */
void shapes_case_make(uint64_t seed, unsigned force_macros, ShapesCase *c);
void shapes_case_free(ShapesCase *c);
/* Only a network (weights, pruned filters, mode) from seed, for a chip of `cols` columns,
 * as the cases draw them: for a fixed chip (the co-simulation's). -1: the format refused
 * it. Free with shapes_net_free. */
int shapes_net_make(uint64_t seed, unsigned cols, CimNet *net, CimPrunedMode *mode);
void shapes_net_free(CimNet *net);
/* One line: macros, rows x cols, counters, accumulator, timings, layers, mode. */
void shapes_case_describe(const ShapesCase *c, char *buf, size_t n);

typedef enum { SHAPES_PASS, SHAPES_FAIL, SHAPES_REFUSED } ShapesVerdict;

/* What runs the case's programs besides cim_chip_run: open gives a runner and its context
 * for a chip (e.g. a SystemC session), close ends it. NULL open: C paths only. */
typedef struct {
    CimStatus (*open)(void *hook, CimChip *chip, CimProgRunner *runner, void **ctx);
    void (*close)(void *hook, void *ctx);
    void *hook;
    const char *name;      /* "SystemC" in messages */
} ShapesRunner;

typedef struct {
    const CimMnist *mnist; /* real inputs (crops of MNIST digits); NULL: random pixels only */
    const ShapesRunner *other;
    int skip_fast;         /* 1: program path (+ other) and reference only */
    unsigned ref_counter_bits; /* > 0: the reference models counters this wide, not the chip's
                                * (checks that the campaign sees a wrong model) */
} ShapesOpts;

typedef struct {
    ShapesVerdict verdict;
    char reason[320];      /* refusal: its diagnostic's first line; failure: the first difference */
    int counter_overflow;  /* some counter went past its width (reference's view) */
    int acc_wrap;          /* some accumulator wrapped */
    int tiled, shared;     /* a filter longer than a row / a macro holding two regions of a layer */
    int more_filters_than_cols;
    int replicated;        /* a layer with copies on spare macros (chip.mapping.replicate) */
    int cut;               /* a layer with row tiles cut to the free space (unequal heights) */
    uint64_t cycles;       /* program path, all images */
} ShapesResult;

void shapes_run_case(const ShapesCase *c, const ShapesOpts *o, ShapesResult *r);

/* A refusal's first line with numbers replaced by N and quoted names by '...', so that
 * refusals of one kind count together. */
void shapes_normalise_reason(const char *line, char *out, size_t n);

/* ---- the plain reference (shapes_ref.c) ------------------------------------------ */
/* The chip's arithmetic the reference models on top of the exact +-1 dot products:
 * counters of counter_bits (wrap or saturate) over each array segment of a filter, and
 * acc_bits-wide two's-complement accumulators. */
typedef struct {
    unsigned counter_bits;
    CimOverflow overflow;
    unsigned acc_bits;
    int skip;              /* pruned filters: 1 output 0, 0 the all -1 filter */
} ShapesArith;

/* Per conv layer of the network (in order): seg[f * L + e] is the array segment (counter
 * run) that element e = (ky * k + kx) * C + c of original filter f, original input
 * channel c, is counted in; the reference adds each segment's count through a counter. */
typedef struct {
    const unsigned *seg;
    unsigned nseg;
} ShapesSegments;

typedef struct {
    int32_t **ints;        /* per conv layer: [F][H][W] integer outputs before pooling */
    uint8_t **bits;        /* per conv layer: its binarised input [C][H][W] (1 = +1) */
    int counter_overflow, acc_wrap;
} ShapesRefOut;

/* The network on one image, plainly: binarised input, binary convs with zero padding and
 * the chip's pruned-filter semantics, ReLU / max-pool / sign between convs in float32,
 * then the host layers in float32 (linear sums from input 0 upwards, then the bias).
 * out->ints / out->bits must be allocated by the caller (shapes_ref_alloc). */
void shapes_ref_forward(const CimNet *net, const ShapesArith *a, const ShapesSegments *segs, const uint8_t *pixels,
                        ShapesRefOut *out, float *logits);
int shapes_ref_alloc(const CimNet *net, ShapesRefOut *out);
void shapes_ref_free(const CimNet *net, ShapesRefOut *out);

#ifdef __cplusplus
}
#endif
#endif
