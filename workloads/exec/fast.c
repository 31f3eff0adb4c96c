/* Fast path: per position, per live filter, popcount(window & weights) on packed words,
 * then the chip's own counter, array-event, finish and threshold rules (models/periph,
 * models/array, models/chip/ppu.h) on the layer table the chip reads. */
#include "workloads/exec/fast.h"

#include "models/chip/ppu.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define FAST_VECTOR 1 /* the AVX-512 VPOPCNTDQ columns, chosen at run time */
#else
#define FAST_VECTOR 0
#endif

/* A counting unit: the regions of one column tile (PPU outputs [f0, f0 + ncols)) whose
 * counts are added in one pass over the window. Regions merge only when no counter can
 * overflow (every region's rows <= the counter's maximum, so each count shows as it is)
 * and their element ranges are disjoint: then the sum of their counters is the popcount
 * of the window against the merged filter. A region that can overflow is a unit alone
 * and its count goes through cim_counter_value. Example: conv2 of MNIST, 288 elements in
 * two 144-row tiles of 64 columns -> one unit of 5 words per column. */
typedef struct {
    unsigned f0, ncols;
    unsigned w0, nw;        /* window words [w0, w0 + nw) */
    int wraps;              /* a count may pass the counter's maximum */
    uint64_t *mask;         /* nw words: the window bits on the unit's rows */
    uint64_t *w;            /* [ncols][nw]: stored weight bits at their window positions */
} FastUnit;

typedef struct {
    const CimChipLayer *cl;
    unsigned ph, pw;        /* padded input map: (H + 2 pad) x (W + 2 pad) x C bits */
    uint64_t *pin;          /* padded input, channels-last, zero borders */
    FastUnit *units;
    unsigned nunits;
    uint64_t *pruned;       /* PPU order: the table's pruned mask, F bits */
    unsigned live_run;      /* outputs [0, live_run) are live (the compiler puts them first) */
    int tail_pruned;        /* every output past the live run is pruned */
    int32_t *thr, *off;     /* PPU order: F thresholds, npat x F offsets */
    uint64_t *lut;          /* window value x pattern -> sign bits of the live run (words(live_run)
                               words each), or NULL: see table() */
    uint32_t *lut_lrs;      /* window value -> conducting cells of the live run */
    uint32_t npat;
    uint32_t *cls;          /* per position y * in_w + x: valid taps, border pattern (cim_window_class) */
    uint64_t *wt;           /* with margin: the unit's weights word-major, [nw][live_run] */
    int64_t *margin;        /* npat x live_run fold margins (cim_ppu_fold_margin), or NULL:
                               the fold is not exact for some filter (ppu.h) */
    int64_t *acc;           /* F accumulators */
    uint64_t *obits, *pool; /* F output bits of one position, OR over the pooling window */
    CimLayerTally stat;     /* data-independent cost of one image */
} FastLayer;

struct CimFast {
    CimHost host;
    int32_t *const *trace;    /* per chip layer, or NULL */
    const CimChipCfg *cfg;
    const CimCompiled *cc;
    const CimNet *net;
    FastLayer *layers;
    uint64_t *img, *win;      /* input bits, window */
    int32_t *ints;
    float *scratch;
    int vector;               /* cim_fast_vector */
};

/* Whether region j can join unit u: the same columns, no counter overflow in either and
 * element ranges disjoint from every region already in it (unit_of[i] == u, i < j). */
static int joins(const CimChipLayer *cl, const unsigned *unit_of, unsigned j, unsigned u, uint32_t cmax)
{
    const CimRegion *rj = &cl->regions[j];
    for (unsigned i = 0; i < j; i++) {
        const CimRegion *ri = &cl->regions[i];
        if (unit_of[i] != u)
            continue;
        if (ri->f0 != rj->f0 || ri->ncols != rj->ncols || ri->nrows > cmax || rj->nrows > cmax ||
            (ri->e0 < rj->e0 + rj->nrows && rj->e0 < ri->e0 + ri->nrows))
            return 0;
    }
    return 1;
}

/* Groups the layer's regions into units (unit_of[i]) and sizes each unit's word range. */
static CimStatus plan_units(const CimFast *f, FastLayer *fl, unsigned *unit_of)
{
    const CimChipLayer *cl = fl->cl;
    uint32_t cmax = cim_counter_max(f->cfg->periph.counter_bits);
    fl->units = calloc(cl->nregions ? cl->nregions : 1, sizeof *fl->units);
    if (!fl->units)
        return CIM_ERR_NOMEM;
    unsigned *lo = calloc(cl->nregions + 1u, 2 * sizeof *lo), *hi = lo ? lo + cl->nregions + 1 : NULL;
    if (!lo)
        return CIM_ERR_NOMEM;
    for (unsigned j = 0; j < cl->nregions; j++) {
        const CimRegion *r = &cl->regions[j];
        unsigned u = 0;
        while (u < fl->nunits && !joins(cl, unit_of, j, u, cmax))
            u++;
        unit_of[j] = u;
        if (u == fl->nunits) {
            fl->units[fl->nunits++] = (FastUnit){r->f0, r->ncols, 0, 0, r->nrows > cmax, NULL, NULL};
            lo[u] = r->e0;
            hi[u] = r->e0 + r->nrows;
        }
        lo[u] = r->e0 < lo[u] ? r->e0 : lo[u];
        hi[u] = r->e0 + r->nrows > hi[u] ? r->e0 + r->nrows : hi[u];
    }
    for (unsigned u = 0; u < fl->nunits; u++) {
        FastUnit *un = &fl->units[u];
        un->w0 = lo[u] / 64;
        un->nw = (unsigned)cim_bits_words(hi[u]) - un->w0;
        un->mask = calloc(un->nw, sizeof *un->mask);
        un->w = calloc((size_t)un->ncols * un->nw, sizeof *un->w);
        if (!un->mask || !un->w) {
            free(lo);
            return CIM_ERR_NOMEM;
        }
    }
    free(lo);
    return CIM_OK;
}

/* The fold of finish and threshold (ppu.h) for a layer whose live run is the columns of
 * one unit that cannot overflow: a count is at most the unit's rows, px at most the
 * window's bits. Leaves margin NULL when the fold is not exact for every live filter and
 * pattern; the fused route then finishes and thresholds. */
static CimStatus fold(const CimFast *f, FastLayer *fl, uint32_t npat)
{
    const CimChipLayer *cl = fl->cl;
    if (fl->nunits != 1 || fl->units[0].wraps || fl->units[0].f0 != 0 || fl->units[0].ncols != fl->live_run)
        return CIM_OK;
    const FastUnit *un = &fl->units[0];
    uint32_t pmax = (uint32_t)cim_bits_popcount(un->mask, (size_t)un->nw * 64), pxmax = cl->k * cl->k * cl->in_c;
    unsigned sab = f->cfg->periph.shift_add_bits, n = fl->live_run;
    for (uint32_t pat = 0; pat < npat; pat++)
        for (unsigned c = 0; c < n; c++)
            if (!cim_ppu_fold_exact(fl->off[(size_t)pat * cl->F + c], pmax, pxmax, sab))
                return CIM_OK;
    fl->margin = calloc((size_t)npat * n + 1, sizeof *fl->margin);
    fl->wt = calloc((size_t)un->nw * n + 1, sizeof *fl->wt);
    if (!fl->margin || !fl->wt)
        return CIM_ERR_NOMEM;
    for (unsigned k = 0; k < un->nw; k++)
        for (unsigned c = 0; c < n; c++)
            fl->wt[(size_t)k * n + c] = un->w[(size_t)c * un->nw + k];
    for (uint32_t pat = 0; pat < npat; pat++)
        for (unsigned c = 0; c < n; c++)
            fl->margin[(size_t)pat * n + c] = cim_ppu_fold_margin(fl->thr[c], fl->off[(size_t)pat * cl->F + c]);
    return CIM_OK;
}

/* The finished value of output k past the live run (k >= live_run): the pruned value when
 * the table marks it pruned, else the finish of its accumulator p. */
static inline int64_t after_run(const FastLayer *fl, unsigned k, int64_t p, int64_t pruned, uint32_t px, int32_t off,
                                unsigned sab)
{
    return cim_bits_get(fl->pruned, k) ? pruned : cim_ppu_finish(p, px, off, sab);
}

/* Windows of at most LUT_BITS bits (MNIST's conv1: 3 x 3 x 1) are looked up whole. */
enum { LUT_BITS = 10 };

/* For a layer the fused route takes (one unit of one word, or every filter pruned) whose
 * window has at most LUT_BITS bits: the sign bits of all F outputs for every window value
 * and border pattern, with the chip's finish, pruned value and threshold (ppu.h; a
 * pattern's valid taps from the layer's position classes, cls), and the
 * conducting cells of the live run for every value: a position is then one lookup.
 * Leaves lut NULL for other layers. */
static CimStatus table(const CimFast *f, FastLayer *fl, uint32_t npat)
{
    const CimChipLayer *cl = fl->cl;
    unsigned len = cl->k * cl->k * cl->in_c, n = fl->live_run, sab = f->cfg->periph.shift_add_bits;
    int one_unit = fl->nunits == 1 && !fl->units[0].wraps && fl->units[0].f0 == 0 && fl->units[0].ncols == n &&
                   fl->units[0].w0 == 0 && fl->units[0].nw == 1;
    if (len > LUT_BITS || !(one_unit || (fl->nunits == 0 && n == 0)))
        return CIM_OK;
    size_t nx = (size_t)1 << len, fw = cim_bits_words(cl->F);
    fl->lut = calloc(nx * npat * fw, sizeof *fl->lut);
    fl->lut_lrs = calloc(nx, sizeof *fl->lut_lrs);
    uint32_t *valid = calloc(npat, sizeof *valid);
    if (!fl->lut || !fl->lut_lrs || !valid) {
        free(valid);
        return CIM_ERR_NOMEM;
    }
    for (size_t i = 0; i < (size_t)cl->in_h * cl->in_w; i++)
        valid[fl->cls[2 * i + 1]] = fl->cls[2 * i];
    const uint64_t *w = n ? fl->units[0].w : NULL;
    int skip = f->cc->pruned_mode == CIM_PRUNED_SKIP;
    for (size_t x = 0; x < nx; x++) {
        uint32_t px = (uint32_t)__builtin_popcountll(x);
        for (unsigned c = 0; c < cl->F; c++) {
            uint32_t a = c < n ? (uint32_t)__builtin_popcountll(x & w[c]) : 0;
            fl->lut_lrs[x] += a;
            for (uint32_t pat = 0; pat < npat; pat++) {
                const int32_t off = fl->off[(size_t)pat * cl->F + c];
                int64_t v = c < n ? cim_ppu_finish(a, px, off, sab)
                                  : after_run(fl, c, 0, cim_ppu_pruned(skip, valid[pat], px, sab), px, off, sab);
                if (cim_ppu_fires(v, fl->thr[c]))
                    cim_bits_set(fl->lut + (x * npat + pat) * fw, c, 1);
            }
        }
    }
    free(valid);
    return CIM_OK;
}

/* The stored weights of the layer's regions (read back from the arrays) into its units,
 * and its layer table (read from the buffer as lcfg reads it). */
static CimStatus read_layer(CimFast *f, CimChip *chip, FastLayer *fl)
{
    const CimChipLayer *cl = fl->cl;
    CimPpuTable tab = cim_ppu_table(cl->F, cim_window_patterns(cl->pad));
    size_t fw = cim_bits_words(cl->F);
    fl->pruned = calloc(fw, sizeof *fl->pruned);
    fl->thr = calloc(cl->F, sizeof *fl->thr);
    fl->off = calloc((size_t)tab.npat * cl->F, sizeof *fl->off);
    fl->ph = cl->in_h + 2 * cl->pad;
    fl->pw = cl->in_w + 2 * cl->pad;
    fl->pin = calloc(cim_bits_words((size_t)fl->ph * fl->pw * cl->in_c) + 2, sizeof(uint64_t));
    fl->acc = calloc(cl->F, sizeof *fl->acc);
    fl->obits = calloc(2 * fw, sizeof *fl->obits);
    unsigned *unit_of = calloc(cl->nregions + 1u, sizeof *unit_of);
    CimStatus st = fl->pruned && fl->thr && fl->off && fl->pin && fl->acc && fl->obits && unit_of
                       ? plan_units(f, fl, unit_of)
                       : CIM_ERR_NOMEM;
    fl->pool = fl->obits ? fl->obits + fw : NULL;
    for (unsigned i = 0; st == CIM_OK && i < cl->nregions; i++) {
        const CimRegion *r = &cl->regions[i];
        FastUnit *un = &fl->units[unit_of[i]];
        CimArray *arr = cim_chip_macro(chip, r->macro)->arr;
        size_t base = (size_t)un->w0 * 64;
        for (unsigned row = 0; row < r->nrows; row++) {
            const uint64_t *stored = cim_array_row_state(arr, r->row0 + row);
            size_t at = r->e0 + row - base;
            cim_bits_set(un->mask, at, 1);
            for (unsigned c = 0; c < r->ncols; c++)
                if (cim_bits_get(stored, r->col0 + c))
                    cim_bits_set(un->w + (size_t)c * un->nw, at, 1);
        }
    }
    free(unit_of);
    if (st != CIM_OK)
        return st;
    if (cl->table_addr + tab.bits > cim_chip_buffer_bits(chip))
        return CIM_ERR_RANGE;
    cim_ppu_table_read(&tab, cim_chip_buffer(chip), cl->table_addr, fl->pruned, fl->thr, fl->off);
    while (fl->live_run < cl->F && !cim_bits_get(fl->pruned, fl->live_run))
        fl->live_run++;
    fl->npat = tab.npat;
    fl->cls = calloc(2 * (size_t)cl->in_h * cl->in_w + 1, sizeof *fl->cls);
    if (!fl->cls)
        return CIM_ERR_NOMEM;
    CimWindowState ws = {1, 0, cl->in_c, cl->in_h, cl->in_w, cl->k, cl->pad, 0, 0, 0, 0};
    for (unsigned y = 0; y < cl->in_h; y++)
        for (unsigned x = 0; x < cl->in_w; x++) {
            uint32_t *c = fl->cls + 2 * ((size_t)y * cl->in_w + x);
            cim_window_class(&ws, y, x, &c[0], &c[1]);
        }
    fl->tail_pruned = 1;
    for (unsigned k = fl->live_run; k < cl->F; k++)
        fl->tail_pruned &= (int)cim_bits_get(fl->pruned, k);
    st = fold(f, fl, tab.npat);
    return st == CIM_OK ? table(f, fl, tab.npat) : st;
}

/* AND counts of every column of unit un against the window words x: each column's counter
 * value (VALUE of the count a) into its accumulator, as pacc adds it; returns the
 * conducting cells. Column loop with the word count known at compile time for the common
 * sizes; a unit that cannot overflow adds its counts as they are. */
#define COUNT_COLUMNS(NW, VALUE)                                                            \
    for (unsigned c = 0; c < ncols; c++, w += (NW)) {                                       \
        uint32_t a = 0;                                                                     \
        for (size_t k = 0; k < (NW); k++)                                                   \
            a += (uint32_t)__builtin_popcountll(x[k] & w[k]);                               \
        lrs += a;                                                                           \
        acc[c] += (VALUE);                                                                  \
    }
#define COUNT_CASE(NW)                                                                      \
    case NW: COUNT_COLUMNS(NW, a) break;

static uint64_t unit_counts(const CimFast *f, const FastUnit *un, const uint64_t *restrict x, int64_t *restrict acc)
{
    const uint64_t *restrict w = un->w;
    const unsigned ncols = un->ncols, cbits = f->cfg->periph.counter_bits;
    const CimOverflow cmode = f->cfg->periph.counter_overflow;
    uint64_t lrs = 0;
    if (un->wraps) {
        COUNT_COLUMNS(un->nw, cim_counter_value(cbits, cmode, a))
        return lrs;
    }
    switch (un->nw) {
    COUNT_CASE(1) COUNT_CASE(2) COUNT_CASE(3) COUNT_CASE(4) COUNT_CASE(5)
    COUNT_CASE(6) COUNT_CASE(7) COUNT_CASE(8) COUNT_CASE(9)
    default: COUNT_COLUMNS(un->nw, a) break;
    }
    return lrs;
}

/* Array events and accumulators of one position: every unit's gated reads, then the
 * binary finish. The accumulators hold the exact sums of their pacc terms; the PPU's
 * finish wraps them once (ppu.h: the same value as wrapping after every step). */
static void position(CimFast *f, FastLayer *fl, const CimWindowState *ws, CimEvents *ev)
{
    const CimChipLayer *cl = fl->cl;
    unsigned sab = f->cfg->periph.shift_add_bits;
    memset(fl->acc, 0, cl->F * sizeof *fl->acc);
    for (unsigned u = 0; u < fl->nunits; u++) {
        const FastUnit *un = &fl->units[u];
        const uint64_t *x = f->win + un->w0;
        uint64_t active = 0;
        for (unsigned k = 0; k < un->nw; k++)
            active += (uint64_t)__builtin_popcountll(x[k] & un->mask[k]);
        uint64_t lrs = unit_counts(f, un, x, fl->acc + un->f0);
        cim_array_gated_events(ev, active, un->ncols, lrs);
        cim_counter_events(ev, lrs);
    }
    const int32_t *off = fl->off + (size_t)ws->pattern * cl->F;
    int64_t pruned = cim_ppu_pruned(f->cc->pruned_mode == CIM_PRUNED_SKIP, ws->valid, ws->px, sab);
    unsigned k = 0;
    for (; k < fl->live_run; k++)
        fl->acc[k] = cim_ppu_finish(fl->acc[k], ws->px, off[k], sab);
    for (; k < cl->F; k++)
        fl->acc[k] = after_run(fl, k, fl->acc[k], pruned, ws->px, off[k], sab);
}

/* Gated reads, finish and threshold of one position in one pass over the filters, for a
 * bits layer whose live run [0, live_run) is exactly the columns of its one unit, which
 * cannot overflow: position() and fire() without the accumulator array. The sign bits of
 * 64 columns gather in a register. With the layer's fold margins (margin non-NULL) one
 * compare on the count per filter (cim_ppu_fires_count); else the finish and the
 * threshold. Inlined with the word count and the accumulator width as constants
 * (fused_position picks the instance), so the popcounts unroll and the wrap is one sign
 * extension at the default 32 bits. Returns the conducting cells. */
static inline __attribute__((always_inline)) uint64_t
fused_columns(const uint64_t *restrict x, const uint64_t *restrict w, unsigned nw, unsigned n, uint32_t px,
              const int32_t *restrict off, const int32_t *restrict thr, unsigned sab, const int64_t *restrict margin,
              uint64_t *restrict pool)
{
    uint64_t lrs = 0;
    for (unsigned c0 = 0; c0 < n; c0 += 64) {
        uint64_t b = 0;
        unsigned c1 = n - c0 < 64 ? n : c0 + 64;
        for (unsigned c = c0; c < c1; c++, w += nw) {
            uint32_t a = 0;
            _Pragma("GCC unroll 16") for (unsigned k = 0; k < nw; k++) a += (uint32_t)__builtin_popcountll(x[k] & w[k]);
            lrs += a;
            int fires = margin ? cim_ppu_fires_count(a, px, margin[c])
                               : cim_ppu_fires(cim_ppu_finish(a, px, off[c], sab), thr[c]);
            b |= (uint64_t)fires << (c - c0);
        }
        pool[c0 >> 6] |= b;
    }
    return lrs;
}

#if FAST_VECTOR
/* fused_columns with the fold, 8 columns at a time (AVX-512 VPOPCNTDQ) on the word-major
 * weights wt [nw][n]: the same counts, compares (cim_ppu_fires_count: 4a - 2px >= margin)
 * and conducting cells. */
__attribute__((target("avx512f,avx512vpopcntdq"))) static uint64_t
vector_columns(const uint64_t *restrict x, const uint64_t *restrict wt, unsigned nw, unsigned n, uint32_t px,
               const int64_t *restrict margin, uint64_t *restrict pool)
{
    __m512i lrs = _mm512_setzero_si512(), px2 = _mm512_set1_epi64(2 * (int64_t)px);
    for (unsigned c0 = 0; c0 < n; c0 += 8) {
        __mmask8 m = n - c0 >= 8 ? 0xff : (__mmask8)((1u << (n - c0)) - 1);
        __m512i a = _mm512_setzero_si512();
        for (unsigned k = 0; k < nw; k++) {
            __m512i w = _mm512_maskz_loadu_epi64(m, wt + (size_t)k * n + c0);
            a = _mm512_add_epi64(a, _mm512_popcnt_epi64(_mm512_and_si512(_mm512_set1_epi64((int64_t)x[k]), w)));
        }
        lrs = _mm512_add_epi64(lrs, a);
        __m512i q = _mm512_sub_epi64(_mm512_slli_epi64(a, 2), px2);
        __mmask8 fire = _mm512_mask_cmpge_epi64_mask(m, q, _mm512_maskz_loadu_epi64(m, margin + c0));
        pool[c0 >> 6] |= (uint64_t)fire << (c0 & 63);
    }
    return (uint64_t)_mm512_reduce_add_epi64(lrs);
}
#endif

#define FUSED_CASE(NW)                                                                                   \
    case NW:                                                                                             \
        lrs = margin ? fused_columns(x, un->w, NW, n, px, off, thr, sab, margin, fl->pool)               \
              : sab == 32 ? fused_columns(x, un->w, NW, n, px, off, thr, 32, NULL, fl->pool)             \
                          : fused_columns(x, un->w, NW, n, px, off, thr, sab, NULL, fl->pool);           \
        break;

static void position_fused(CimFast *f, FastLayer *fl, const CimWindowState *ws, CimEvents *ev)
{
    const CimChipLayer *cl = fl->cl;
    const FastUnit *un = &fl->units[0]; /* none when every filter is pruned */
    const unsigned sab = f->cfg->periph.shift_add_bits, n = fl->nunits ? un->ncols : 0;
    const uint32_t px = ws->px;
    const int32_t *off = fl->off + (size_t)ws->pattern * cl->F, *thr = fl->thr;
    const int64_t *margin = fl->margin ? fl->margin + (size_t)ws->pattern * n : NULL;
    if (fl->lut) { /* the window is one word; every output */
        uint64_t x = f->win[0], lrs = fl->lut_lrs[x];
        size_t fw = cim_bits_words(cl->F);
        const uint64_t *bits = fl->lut + (x * fl->npat + ws->pattern) * fw;
        for (size_t i = 0; i < fw; i++)
            fl->pool[i] |= bits[i];
        if (n) {
            cim_array_gated_events(ev, (uint64_t)__builtin_popcountll(x & un->mask[0]), n, lrs);
            cim_counter_events(ev, lrs);
        }
        return;
    }
    if (n) {
        const uint64_t *x = f->win + un->w0;
        uint64_t active = 0, lrs;
        for (unsigned k = 0; k < un->nw; k++)
            active += (uint64_t)__builtin_popcountll(x[k] & un->mask[k]);
#if FAST_VECTOR
        if (margin && f->vector)
            lrs = vector_columns(x, fl->wt, un->nw, n, px, margin, fl->pool);
        else
#endif
        switch (un->nw) {
        FUSED_CASE(1) FUSED_CASE(2) FUSED_CASE(3) FUSED_CASE(4) FUSED_CASE(5)
        FUSED_CASE(6) FUSED_CASE(7) FUSED_CASE(8) FUSED_CASE(9)
        default: lrs = fused_columns(x, un->w, un->nw, n, px, off, thr, sab, margin, fl->pool); break;
        }
        cim_array_gated_events(ev, active, n, lrs);
        cim_counter_events(ev, lrs);
    }
    int64_t pruned = cim_ppu_pruned(f->cc->pruned_mode == CIM_PRUNED_SKIP, ws->valid, px, sab);
    if (fl->tail_pruned && n == fl->live_run)
        for (unsigned k = n; k < cl->F; k++)
            fl->pool[k >> 6] |= (uint64_t)cim_ppu_fires(pruned, thr[k]) << (k & 63);
    else
        for (unsigned k = n; k < cl->F; k++)
            fl->pool[k >> 6] |= (uint64_t)cim_ppu_fires(after_run(fl, k, 0, pruned, px, off[k], sab), thr[k])
                                << (k & 63);
}

/* Whether layer() may use position_fused: bit outputs, no trace, one unit holding exactly
 * the live run, or no unit and no live filter. */
static int fusable(const FastLayer *fl, const int32_t *trace)
{
    if (fl->cl->out_kind != CIM_OUT_BITS || trace)
        return 0;
    if (fl->nunits == 0)
        return fl->live_run == 0;
    return fl->nunits == 1 && fl->units[0].f0 == 0 && !fl->units[0].wraps && fl->units[0].ncols == fl->live_run;
}

/* The window at (y, x) from the padded map: one contiguous run of k*C bits per kernel row,
 * appended piece by piece (at most 64 bits) to a word that is stored when full, so every
 * window word [0, words(k*k*C)) is written and none needs clearing; px counts the pieces'
 * bits. A window of at most 64 bits is one word, kernel row ky's run at bit ky x k x C.
 * (The padded map has two spare words, so the word after a run's last one may be read.) */
static void gather(CimFast *f, const FastLayer *fl, CimWindowState *ws, unsigned y, unsigned x)
{
    const CimChipLayer *cl = fl->cl;
    const size_t run = (size_t)cl->k * cl->in_c;
    uint64_t *restrict win = f->win;
    const uint64_t *restrict pin = fl->pin;
    uint64_t cur = 0;
    unsigned fill = 0;
    uint32_t px = 0;
    if (run * cl->k <= 64) { /* one word: each run lands at ky x run */
        uint64_t keep = run < 64 ? ((uint64_t)1 << run) - 1 : ~(uint64_t)0;
        for (unsigned ky = 0; ky < cl->k; ky++) {
            size_t src = ((size_t)(y + ky) * fl->pw + x) * cl->in_c;
            unsigned sr = (unsigned)(src & 63u);
            uint64_t v = pin[src >> 6] >> sr;
            if (sr)
                v |= pin[(src >> 6) + 1] << (64 - sr);
            cur |= (v & keep) << (ky * run);
        }
        win[0] = cur;
        px = (uint32_t)__builtin_popcountll(cur);
    } else {
        for (unsigned ky = 0; ky < cl->k; ky++) {
            size_t src = ((size_t)(y + ky) * fl->pw + x) * cl->in_c;
            for (size_t b = 0; b < run; b += 64, src += 64) {
                unsigned sr = (unsigned)(src & 63u), len = run - b < 64 ? (unsigned)(run - b) : 64;
                uint64_t v = pin[src >> 6] >> sr;
                if (sr)
                    v |= pin[(src >> 6) + 1] << (64 - sr);
                if (len < 64)
                    v &= ((uint64_t)1 << len) - 1;
                px += (uint32_t)__builtin_popcountll(v);
                cur |= v << fill;
                if (fill + len >= 64) {
                    *win++ = cur;
                    cur = fill ? v >> (64 - fill) : 0;
                }
                fill = (fill + len) & 63u;
            }
        }
        if (fill)
            *win = cur;
    }
    ws->ir_len = cl->k * (unsigned)run;
    ws->px = px;
    ws->valid = fl->cls[2 * ((size_t)y * cl->in_w + x)];
    ws->pattern = fl->cls[2 * ((size_t)y * cl->in_w + x) + 1];
}

/* The position's integer outputs into a [F][H][W] trace, original filter order. */
static void trace_position(const FastLayer *fl, int32_t *dst, unsigned y, unsigned x)
{
    const CimChipLayer *cl = fl->cl;
    size_t hw = (size_t)cl->in_h * cl->in_w, at = (size_t)y * cl->in_w + x;
    for (unsigned k = 0; k < cl->F; k++)
        dst[cl->order[k] * hw + at] = (int32_t)fl->acc[k];
}

/* The sign bits of one position (pthr), ORed into the pooling window's bits. */
static void fire(FastLayer *fl)
{
    unsigned F = fl->cl->F;
    for (unsigned w = 0; w < cim_bits_words(F); w++) {
        uint64_t b = 0;
        unsigned n = F - 64 * w < 64 ? F - 64 * w : 64;
        for (unsigned k = 0; k < n; k++)
            b |= (uint64_t)cim_ppu_fires(fl->acc[64 * w + k], fl->thr[64 * w + k]) << k;
        fl->pool[w] |= b;
    }
}

static void layer(CimFast *f, FastLayer *fl, FastLayer *next, CimEvents *ev, int32_t *trace)
{
    const CimChipLayer *cl = fl->cl;
    CimWindowState ws = {1, 0, cl->in_c, cl->in_h, cl->in_w, cl->k, cl->pad, 0, 0, 0, 0};
    int bits = cl->out_kind == CIM_OUT_BITS;
    unsigned p = cl->pool, npad = next ? next->cl->pad : 0;
    size_t fw = cim_bits_words(cl->F);
    int fused = fusable(fl, trace);
    if (next)
        cim_bits_clear(next->pin, (size_t)next->ph * next->pw * next->cl->in_c);
    for (unsigned py = 0; py < cl->out_h; py++)
        for (unsigned px = 0; px < cl->out_w; px++) {
            memset(fl->pool, 0, fw * sizeof *fl->pool);
            for (unsigned dy = 0; dy < p; dy++)
                for (unsigned dx = 0; dx < p; dx++) {
                    gather(f, fl, &ws, py * p + dy, px * p + dx);
                    if (fused) {
                        position_fused(f, fl, &ws, ev);
                        continue;
                    }
                    position(f, fl, &ws, ev);
                    if (trace)
                        trace_position(fl, trace, py * p + dy, px * p + dx);
                    if (!bits)
                        for (unsigned k = 0; k < cl->F; k++)
                            f->ints[(size_t)cl->order[k] * cl->out_h * cl->out_w + py * cl->out_w + px] =
                                (int32_t)fl->acc[k];
                    else
                        fire(fl); /* OR: pooling of the sign bits */
                }
            if (bits)
                cim_bits_copy_range(next->pin, ((size_t)(py + npad) * next->pw + px + npad) * cl->F, fl->pool, 0,
                                    cl->F);
        }
}

/* The binarised image into the first layer's padded input. */
static void load_image(CimFast *f, const uint8_t *pixels)
{
    FastLayer *fl = &f->layers[0];
    const CimChipLayer *cl = fl->cl;
    size_t row = (size_t)cl->in_w * cl->in_c;
    cim_compile_binarise_image(f->net, pixels, f->img);
    cim_bits_clear(fl->pin, (size_t)fl->ph * fl->pw * cl->in_c);
    for (unsigned y = 0; y < cl->in_h; y++)
        cim_bits_copy_range(fl->pin, ((size_t)(y + cl->pad) * fl->pw + cl->pad) * cl->in_c, f->img, y * row, row);
}

CimStatus cim_fast_image(CimFast *f, const uint8_t *pixels, float *logits, int32_t *conv_out,
                         CimLayerTally *tallies)
{
    const CimCompiled *cc = f->cc;
    load_image(f, pixels);
    for (size_t k = 0; k < cc->n; k++) {
        FastLayer *fl = &f->layers[k];
        CimEvents ev = fl->stat.ev;
        layer(f, fl, k + 1 < cc->n ? &f->layers[k + 1] : NULL, &ev, f->trace ? f->trace[k] : NULL);
        if (tallies) {
            cim_tally_add_static(&tallies[k], &fl->stat);
            cim_events_add(&tallies[k].ev, &ev);
        }
    }
    if (logits) /* NULL: the chip layers only (training runs its own host layers) */
        cim_host_forward(&f->host, cc, f->net, f->ints, logits, f->scratch);
    const CimChipLayer *last = &cc->layers[cc->n - 1];
    if (conv_out)
        memcpy(conv_out, f->ints, (size_t)last->F * last->out_h * last->out_w * sizeof *f->ints);
    return CIM_OK;
}

void cim_fast_trace(CimFast *f, int32_t *const *trace) { f->trace = trace; }

int cim_fast_vector(CimFast *f, int on)
{
#if FAST_VECTOR
    f->vector = on && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq");
#else
    (void)on;
    f->vector = 0;
#endif
    return f->vector;
}

CimStatus cim_fast_update_host(CimFast *f)
{
    cim_host_free(&f->host);
    return cim_host_init(&f->host, f->net);
}

void cim_fast_destroy(CimFast *f)
{
    if (!f)
        return;
    for (size_t k = 0; f->layers && k < f->cc->n; k++) {
        for (unsigned u = 0; u < f->layers[k].nunits; u++) {
            free(f->layers[k].units[u].mask);
            free(f->layers[k].units[u].w);
        }
        free(f->layers[k].units);
        free(f->layers[k].obits);
        free(f->layers[k].pruned);
        free(f->layers[k].thr);
        free(f->layers[k].off);
        free(f->layers[k].margin);
        free(f->layers[k].wt);
        free(f->layers[k].lut);
        free(f->layers[k].lut_lrs);
        free(f->layers[k].cls);
        free(f->layers[k].pin);
        free(f->layers[k].acc);
    }
    free(f->layers);
    free(f->img);
    free(f->win);
    free(f->ints);
    free(f->scratch);
    cim_host_free(&f->host);
    free(f);
}

/* Static cost of each layer = one program run minus the array events the fast path
 * computes itself for the same image. */
static CimStatus calibrate(CimFast *f, CimChip *chip, CimTrap *trap)
{
    size_t npix = (size_t)f->net->in_c * f->net->in_h * f->net->in_w, n = f->cc->n;
    uint8_t *img = calloc(npix, 1);
    float *logits = calloc(f->net->layers[f->net->n - 1].out_c + 1u, sizeof *logits);
    CimLayerTally *prog = calloc(n, sizeof *prog), *fast = calloc(n, sizeof *fast);
    CimStatus st = img && logits && prog && fast ? CIM_OK : CIM_ERR_NOMEM;
    for (size_t i = 0; i < npix && img; i++)
        img[i] = (uint8_t)(i * 37u); /* any image: the static part does not depend on it */
    if (st == CIM_OK)
        st = cim_infer_image(chip, f->cc, f->net, img, logits, NULL, prog, trap);
    if (st == CIM_OK)
        st = cim_fast_image(f, img, logits, NULL, fast);
    for (size_t k = 0; st == CIM_OK && k < n; k++) {
        CimLayerTally *s = &f->layers[k].stat;
        s->cycles = prog[k].cycles;
        s->instructions = prog[k].instructions;
        s->reload_cycles = prog[k].reload_cycles;
        s->split = prog[k].split;
        memcpy(s->busy, prog[k].busy, sizeof s->busy);
        for (int e = 0; e < CIM_EV_COUNT; e++)
            s->ev.n[e] = prog[k].ev.n[e] - fast[k].ev.n[e];
    }
    free(img);
    free(logits);
    free(prog);
    free(fast);
    return st;
}

CimStatus cim_fast_create(CimChip *chip, const CimCompiled *cc, const CimNet *net, CimFast **out, CimTrap *trap)
{
    const CimChipCfg *cfg = cim_chip_cfg(chip);
    *out = NULL;
    if (cfg->physics.enabled)
        return CIM_ERR_RANGE;
    CimFast *f = calloc(1, sizeof *f);
    if (!f)
        return CIM_ERR_NOMEM;
    f->cfg = cfg;
    f->cc = cc;
    f->net = net;
    cim_fast_vector(f, 1);
    size_t act = cim_net_max_activation(net);
    f->layers = calloc(cc->n, sizeof *f->layers);
    f->img = calloc(cim_bits_words(cc->image_bits) + 1, sizeof(uint64_t));
    f->win = calloc(cim_bits_words(cfg->ctrl.ir_bits) + 1, sizeof(uint64_t));
    f->ints = calloc(act, sizeof *f->ints);
    f->scratch = calloc(2 * act, sizeof *f->scratch);
    CimStatus st = f->layers && f->img && f->win && f->ints && f->scratch ? cim_host_init(&f->host, net)
                                                                                  : CIM_ERR_NOMEM;
    for (size_t k = 0; st == CIM_OK && k < cc->n; k++) {
        f->layers[k].cl = &cc->layers[k];
        if (cc->reload) { /* the arrays hold one layer at a time; in order, so they end as they began */
            CimHostIO io = {cc->layers[k].reload_stream, cc->layers[k].reload_bits, 0, NULL, 0, 0};
            st = cim_run_tallied(NULL, NULL, chip, &cc->layers[k].reload, &io, NULL, trap);
        }
        if (st == CIM_OK)
            st = read_layer(f, chip, &f->layers[k]);
    }
    if (st == CIM_OK)
        st = calibrate(f, chip, trap);
    if (st != CIM_OK) {
        cim_fast_destroy(f);
        return st;
    }
    *out = f;
    return CIM_OK;
}
