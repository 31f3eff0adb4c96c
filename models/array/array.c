/* 1T1R array state, writes with verify, and sensing (exact, or from cell conductances
 * when device physics is on). Conductance model: R = R_nominal * exp(sigma * z), z ~ N(0,1),
 * drawn at each successful pulse; read current I = V_read * sum(G) * (1 + noise * z). */
#include "models/array/array.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ARRAY_VECTOR 1 /* the AVX-512 VPOPCNTDQ gated read, chosen at run time */
#else
#define ARRAY_VECTOR 0
#endif

struct CimArray {
    const CimChipCfg *cfg;
    CimAlloc alloc;
    unsigned rows, cols;
    size_t words;                /* words per row */
    uint64_t *state;             /* rows x words: stored bit of each cell */
    uint64_t *scratch;           /* words */
    uint64_t *colbits;           /* rwords x cols: the same bits by column, word-major (word q
                                    of column c at q x cols + c: rows 64q..64q+63), for
                                    word-parallel gated reads when physics is off */
    size_t rwords;               /* words per column */
    uint64_t *inbuf;             /* rwords: an input vector aligned to a row offset */
    uint32_t *kbuf;              /* cols: one gated read's count per column */
    int vector;                  /* gated reads 8 columns at a time (AVX-512 VPOPCNTDQ) */
    /* physics (NULL / unused when off) */
    double *g;                   /* rows x cols conductances, S */
    uint64_t *stuck0, *stuck1;   /* rows x words */
    CimRng rng;
    double i_ref_read, i_ref_low, i_ref_high; /* A */
    CimArrayTiming timing;
    CimArrayStats stats;
    CimEvents ev;
};

static void set_timing(CimArray *arr)
{
    const CimTimingCfg *t = &arr->cfg->tech.timing;
    double f = arr->cfg->clock_mhz;
    arr->timing.read = cim_cycles_of_ns(t->t_read_ns, f);
    arr->timing.dual_read = cim_cycles_of_ns(t->t_read_ns, f);
    arr->timing.gated_row = cim_cycles_of_ns(t->t_read_ns, f);
    arr->timing.set = cim_cycles_of_ns(t->t_set_ns, f);
    arr->timing.reset = cim_cycles_of_ns(t->t_reset_ns, f);
    arr->timing.verify = cim_cycles_of_ns(t->t_verify_ns, f);
}

static void set_references(CimArray *arr)
{
    const CimDeviceCfg *d = &arr->cfg->tech.device;
    const CimSenseCfg *s = &arr->cfg->sense;
    double g_on = 1.0 / d->r_on_ohm, g_off = 1.0 / d->r_off_ohm, v = d->v_read_v;
    arr->i_ref_read = v * (g_off + s->ref_read_frac * (g_on - g_off));
    arr->i_ref_low = v * (2 * g_off + s->ref_low_frac * (g_on - g_off));
    arr->i_ref_high = v * (g_on + g_off + s->ref_high_frac * (g_on - g_off));
}

static double draw_g(CimArray *arr, int lrs)
{
    const CimDeviceCfg *d = &arr->cfg->tech.device;
    double r = lrs ? d->r_on_ohm : d->r_off_ohm, sigma = lrs ? d->sigma_ln_on : d->sigma_ln_off;
    return 1.0 / (r * exp(sigma * cim_rng_normal(&arr->rng)));
}

/* The one place a cell's stored bit changes: row-major and column-major copies together. */
static void store_bit(CimArray *arr, unsigned row, unsigned col, int bit)
{
    cim_bits_set(arr->state + (size_t)row * arr->words, col, bit);
    cim_bits_set(arr->colbits + (size_t)(row >> 6) * arr->cols + col, row & 63u, bit);
}

static void init_physics(CimArray *arr)
{
    const CimDeviceCfg *d = &arr->cfg->tech.device;
    for (unsigned r = 0; r < arr->rows; r++)
        for (unsigned c = 0; c < arr->cols; c++) {
            double u = cim_rng_uniform(&arr->rng);
            size_t w = r * arr->words;
            if (u < d->stuck_at_0_rate)
                cim_bits_set(arr->stuck0 + w, c, 1);
            else if (u < d->stuck_at_0_rate + d->stuck_at_1_rate)
                cim_bits_set(arr->stuck1 + w, c, 1);
            int bit = cim_bits_get(arr->stuck1 + w, c);
            store_bit(arr, r, c, bit);
            arr->g[(size_t)r * arr->cols + c] = draw_g(arr, bit);
        }
}

CimStatus cim_array_create(const CimChipCfg *cfg, unsigned index, const CimAlloc *a, CimArray **out)
{
    *out = NULL;
    CimArray *arr = cim_alloc(a, sizeof *arr);
    if (!arr)
        return CIM_ERR_NOMEM;
    arr->cfg = cfg;
    if (a)
        arr->alloc = *a;
    arr->rows = cfg->array.rows;
    arr->cols = cfg->array.cols;
    arr->words = cim_bits_words(arr->cols);
    size_t cells_w = (size_t)arr->rows * arr->words;
    arr->rwords = cim_bits_words(arr->rows);
    arr->state = cim_alloc_array(a, cells_w, sizeof(uint64_t));
    arr->scratch = cim_alloc_array(a, arr->words, sizeof(uint64_t));
    arr->colbits = cim_alloc_array(a, (size_t)arr->cols * arr->rwords, sizeof(uint64_t));
    arr->inbuf = cim_alloc_array(a, arr->rwords + 1, sizeof(uint64_t));
    arr->kbuf = cim_alloc_array(a, arr->cols, sizeof(uint32_t));
    int ok = arr->state && arr->scratch && arr->colbits && arr->inbuf && arr->kbuf;
    if (ok && cfg->physics.enabled) {
        arr->g = cim_alloc_array(a, (size_t)arr->rows * arr->cols, sizeof(double));
        arr->stuck0 = cim_alloc_array(a, cells_w, sizeof(uint64_t));
        arr->stuck1 = cim_alloc_array(a, cells_w, sizeof(uint64_t));
        ok = arr->g && arr->stuck0 && arr->stuck1;
    }
    if (!ok) {
        cim_array_destroy(arr);
        return CIM_ERR_NOMEM;
    }
    cim_rng_seed(&arr->rng, cfg->physics.seed ^ (0xD1B54A32D192ED03ull * (index + 1u)));
    cim_array_vector(arr, 1);
    set_timing(arr);
    set_references(arr);
    if (cfg->physics.enabled)
        init_physics(arr);
    *out = arr;
    return CIM_OK;
}

void cim_array_destroy(CimArray *arr)
{
    if (!arr)
        return;
    CimAlloc a = arr->alloc;
    cim_free(&a, arr->state);
    cim_free(&a, arr->scratch);
    cim_free(&a, arr->colbits);
    cim_free(&a, arr->inbuf);
    cim_free(&a, arr->kbuf);
    cim_free(&a, arr->g);
    cim_free(&a, arr->stuck0);
    cim_free(&a, arr->stuck1);
    cim_free(&a, arr);
}

unsigned cim_array_rows(const CimArray *arr) { return arr->rows; }
unsigned cim_array_cols(const CimArray *arr) { return arr->cols; }
const CimArrayTiming *cim_array_timing(const CimArray *arr) { return &arr->timing; }
const CimArrayStats *cim_array_stats(const CimArray *arr) { return &arr->stats; }
const CimEvents *cim_array_events(const CimArray *arr) { return &arr->ev; }

void cim_array_reset_counts(CimArray *arr)
{
    memset(&arr->stats, 0, sizeof arr->stats);
    memset(&arr->ev, 0, sizeof arr->ev);
}

const uint64_t *cim_array_row_state(const CimArray *arr, unsigned row)
{
    return arr->state + (size_t)row * arr->words;
}

/* ---- sensing -------------------------------------------------------------- */

CimCols cim_array_all_cols(const CimArray *arr)
{
    CimCols w = {0, arr->cols};
    return w;
}

static int window_ok(const CimArray *arr, CimCols w)
{
    return w.ncol > 0 && w.col0 < arr->cols && w.ncol <= arr->cols - w.col0;
}

/* mask (cols bits) of the window's columns */
static void window_mask(const CimArray *arr, CimCols w, uint64_t *mask)
{
    cim_bits_clear(mask, arr->cols);
    for (unsigned c = w.col0; c < w.col0 + w.ncol; c++)
        cim_bits_set(mask, c, 1);
}

/* LRS cells of a row inside the window */
static size_t row_lrs(const CimArray *arr, unsigned row, CimCols w)
{
    const uint64_t *st = cim_array_row_state(arr, row);
    size_t n = 0;
    for (unsigned c = w.col0; c < w.col0 + w.ncol; c++)
        n += (size_t)cim_bits_get(st, c);
    return n;
}

/* Events of activating `nrows` rows whose LRS count inside the window is `lrs`, sensing
 * every window column against `refs` references. */
static void count_read(CimArray *arr, unsigned nrows, size_t lrs, unsigned refs, unsigned ncol)
{
    arr->ev.n[CIM_EV_WL_ROW] += nrows;
    arr->ev.n[CIM_EV_CELL_LRS] += lrs;
    arr->ev.n[CIM_EV_CELL_HRS] += (uint64_t)nrows * ncol - lrs;
    arr->ev.n[CIM_EV_BL_COL] += ncol;
    arr->ev.n[CIM_EV_SENSE] += (uint64_t)ncol * refs;
}

static double noisy(CimArray *arr, double i_a)
{
    double s = arr->cfg->tech.device.read_noise_rel;
    return s > 0 ? i_a * (1.0 + s * cim_rng_normal(&arr->rng)) : i_a;
}

/* One row against ref_read on the window; out is cleared outside it. */
static void sense_row(CimArray *arr, unsigned row, CimCols w, uint64_t *out)
{
    cim_bits_clear(out, arr->cols);
    if (!arr->g) {
        window_mask(arr, w, out);
        const uint64_t *st = cim_array_row_state(arr, row);
        for (size_t i = 0; i < arr->words; i++)
            out[i] &= st[i];
        return;
    }
    double v = arr->cfg->tech.device.v_read_v;
    const double *g = arr->g + (size_t)row * arr->cols;
    for (unsigned c = w.col0; c < w.col0 + w.ncol; c++)
        if (noisy(arr, v * g[c]) >= arr->i_ref_read)
            cim_bits_set(out, c, 1);
}

CimStatus cim_array_read_row(CimArray *arr, unsigned row, CimCols w, uint64_t *out)
{
    if (row >= arr->rows || !window_ok(arr, w))
        return CIM_ERR_RANGE;
    count_read(arr, 1, row_lrs(arr, row, w), 1, w.ncol);
    arr->ev.n[CIM_EV_REG_BIT] += w.ncol;
    sense_row(arr, row, w, out);
    arr->stats.reads++;
    arr->stats.cycles += arr->timing.read;
    return CIM_OK;
}

static void dual_physics(CimArray *arr, unsigned ra, unsigned rb, CimLogicOp op, CimCols w, uint64_t *out)
{
    unsigned t = cim_op_info(op)->truth;
    double v = arr->cfg->tech.device.v_read_v;
    const double *ga = arr->g + (size_t)ra * arr->cols, *gb = arr->g + (size_t)rb * arr->cols;
    cim_bits_clear(out, arr->cols);
    for (unsigned c = w.col0; c < w.col0 + w.ncol; c++) {
        double i = noisy(arr, v * (ga[c] + gb[c]));
        unsigned level = i < arr->i_ref_low ? 0u : i < arr->i_ref_high ? 1u : 2u;
        if ((t >> level) & 1u)
            cim_bits_set(out, c, 1);
    }
}

CimStatus cim_array_dual_read(CimArray *arr, unsigned row_a, unsigned row_b, CimLogicOp op,
                              CimCols w, uint64_t *out)
{
    if (row_a >= arr->rows || row_b >= arr->rows || row_a == row_b || (unsigned)op >= CIM_OP_COUNT ||
        !window_ok(arr, w))
        return CIM_ERR_RANGE;
    unsigned refs = cim_op_refs(op);
    count_read(arr, 2, row_lrs(arr, row_a, w) + row_lrs(arr, row_b, w), (refs & 1u) + (refs >> 1), w.ncol);
    arr->ev.n[CIM_EV_REG_BIT] += w.ncol;
    if (arr->g) {
        dual_physics(arr, row_a, row_b, op, w, out);
    } else {
        cim_op_apply(op, cim_array_row_state(arr, row_a), cim_array_row_state(arr, row_b), out, arr->cols);
        window_mask(arr, w, arr->scratch);
        for (size_t i = 0; i < arr->words; i++)
            out[i] &= arr->scratch[i];
    }
    arr->stats.dual_reads[op]++;
    arr->stats.cycles += arr->timing.dual_read;
    return CIM_OK;
}

void cim_array_vector(CimArray *arr, int on)
{
#if ARRAY_VECTOR
    arr->vector = on && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq");
#else
    (void)on;
    arr->vector = 0;
#endif
}

/* Per column c in [c0, c1): k[c] = popcount(column bits & placed input) over the nw words
 * of the columns from word q0. NW: nw as a constant where it is 1-4 (the loop unrolls). */
static inline void count_cols(const CimArray *arr, unsigned c0, unsigned c1, const uint64_t *in, size_t q0,
                              size_t nw, const size_t NW, uint32_t *k)
{
    const size_t n = NW ? NW : nw, cols = arr->cols;
    const uint64_t *wm = arr->colbits + q0 * cols;
    for (unsigned c = c0; c < c1; c++) {
        uint32_t a = 0;
        for (size_t q = 0; q < n; q++)
            a += (uint32_t)__builtin_popcountll(wm[q * cols + c] & in[q]);
        k[c] = a;
    }
}

#if ARRAY_VECTOR
/* The counts of count_cols and their addition to the counters, 16 columns at a time: where
 * every sum of a block stays within the counter's range (no wrap, no saturation) it is
 * stored as is; otherwise the block's counts go through cim_counters_add one by one. Returns
 * the sum of the counts. */
__attribute__((target("avx512f,avx512vpopcntdq"))) static uint64_t
gated_vector(const CimArray *arr, unsigned c0, unsigned c1, const uint64_t *in, size_t q0, size_t nw,
             CimCounters *counters)
{
    const size_t cols = arr->cols;
    const uint64_t *wm = arr->colbits + q0 * cols;
    uint32_t *v = counters->v;
    const __m512i max = _mm512_set1_epi32((int)cim_counter_max(counters->bits));
    __m512i lrs = _mm512_setzero_si512();
    for (unsigned c = c0; c < c1; c += 16) {
        __mmask16 m = c1 - c >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (c1 - c)) - 1);
        __mmask8 lo = (__mmask8)(m & 0xff), hi = (__mmask8)(m >> 8);
        __m512i a = _mm512_setzero_si512(), b = _mm512_setzero_si512();
        for (size_t q = 0; q < nw; q++) {
            __m512i x = _mm512_set1_epi64((int64_t)in[q]);
            const uint64_t *w = wm + q * cols + c;
            a = _mm512_add_epi64(a, _mm512_popcnt_epi64(_mm512_and_si512(x, _mm512_maskz_loadu_epi64(lo, w))));
            b = _mm512_add_epi64(b, _mm512_popcnt_epi64(_mm512_and_si512(x, _mm512_maskz_loadu_epi64(hi, w + 8))));
        }
        lrs = _mm512_add_epi64(lrs, _mm512_add_epi64(a, b));
        __m512i k = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(a)), _mm512_cvtepi64_epi32(b), 1);
        __m512i old = _mm512_maskz_loadu_epi32(m, v + c), sum = _mm512_add_epi32(old, k);
        __mmask16 out = _mm512_mask_cmpgt_epu32_mask(m, sum, max) | _mm512_mask_cmplt_epu32_mask(m, sum, old);
        if (!out) {
            _mm512_mask_storeu_epi32(v + c, m, sum);
        } else {
            uint32_t kk[16];
            _mm512_storeu_si512(kk, k);
            for (unsigned j = 0; j < 16 && c + j < c1; j++)
                cim_counters_add(counters, c + j, kk[j], NULL);
        }
    }
    return (uint64_t)_mm512_reduce_add_epi64(lrs);
}
#endif

/* The portable gated_vector: per column the count, added to its counter (cim_counters_add's
 * rule, the overflow test hoisted). Returns the sum of the counts. */
static uint64_t gated_scalar(CimArray *arr, unsigned c0, unsigned c1, const uint64_t *in, size_t q0, size_t nw,
                             CimCounters *counters)
{
    uint32_t *k = arr->kbuf, *v = counters->v, max = cim_counter_max(counters->bits);
    uint64_t lrs = 0;
    switch (nw) {
    case 1: count_cols(arr, c0, c1, in, q0, 1, 1, k); break;
    case 2: count_cols(arr, c0, c1, in, q0, 2, 2, k); break;
    case 3: count_cols(arr, c0, c1, in, q0, 3, 3, k); break;
    case 4: count_cols(arr, c0, c1, in, q0, 4, 4, k); break;
    default: count_cols(arr, c0, c1, in, q0, nw, 0, k); break;
    }
    for (unsigned c = c0; c < c1; c++) {
        if ((uint64_t)v[c] + k[c] <= max)
            v[c] += k[c];
        else
            cim_counters_add(counters, c, k[c], NULL);
        lrs += k[c];
    }
    return lrs;
}

/* Exact gated read, word-parallel: the input is placed at its rows once (arr->inbuf, the
 * column words [q0, q1] that rows [row0, row0 + n) touch, zero outside those rows), then per
 * column popcount(column bits & placed input) over those words, added to its counter. */
static void gated_exact(CimArray *arr, unsigned row0, unsigned n, const uint64_t *input, size_t in_off, CimCols w,
                        CimCounters *counters)
{
    uint64_t lrs = 0, active = 0;
    if (n) {
        size_t q0 = row0 >> 6, nw = (((size_t)row0 + n - 1) >> 6) - q0 + 1, end = (size_t)row0 + n;
        uint64_t *in = arr->inbuf + q0;
        for (size_t q = 0; q < nw; q++) { /* rows [lo, hi) of word q0 + q: one store each */
            size_t lo = (q0 + q) * 64u > row0 ? (q0 + q) * 64u : row0, hi = (q0 + q + 1) * 64u < end ? (q0 + q + 1) * 64u : end;
            in[q] = cim_bits_get_field(input, in_off + (lo - row0), (unsigned)(hi - lo)) << (lo & 63u);
            active += (uint64_t)__builtin_popcountll(in[q]);
        }
        unsigned c0 = w.col0, c1 = w.col0 + w.ncol;
#if ARRAY_VECTOR
        if (arr->vector)
            lrs = gated_vector(arr, c0, c1, in, q0, nw, counters);
        else
#endif
            lrs = gated_scalar(arr, c0, c1, in, q0, nw, counters);
    }
    cim_counter_events(&arr->ev, lrs); /* k per counter that adds k */
    cim_array_gated_events(&arr->ev, active, w.ncol, lrs);
    arr->stats.gated_rows_active += active;
}

/* Gated read through the sense amplifiers, row by row (physics on). */
static void gated_physics(CimArray *arr, unsigned row0, unsigned n, const uint64_t *input, size_t in_off, CimCols w,
                          CimCounters *counters)
{
    for (unsigned k = 0; k < n; k++) {
        if (!cim_bits_get(input, in_off + k))
            continue;
        cim_array_gated_events(&arr->ev, 1, w.ncol, row_lrs(arr, row0 + k, w));
        arr->stats.gated_rows_active++;
        sense_row(arr, row0 + k, w, arr->scratch);
        cim_counters_add_row(counters, arr->scratch, &arr->ev);
    }
}

CimStatus cim_array_gated_read_at(CimArray *arr, unsigned row0, unsigned n, const uint64_t *input, size_t in_off,
                                  CimCols w, CimCounters *counters)
{
    if (row0 > arr->rows || n > arr->rows - row0 || counters->n != arr->cols || !window_ok(arr, w))
        return CIM_ERR_RANGE;
    if (arr->g)
        gated_physics(arr, row0, n, input, in_off, w, counters);
    else
        gated_exact(arr, row0, n, input, in_off, w, counters);
    arr->stats.gated_rows += n;
    arr->stats.cycles += (uint64_t)n * arr->timing.gated_row;
    return CIM_OK;
}

CimStatus cim_array_gated_read(CimArray *arr, unsigned row0, unsigned n, const uint64_t *input,
                               CimCols w, CimCounters *counters)
{
    return cim_array_gated_read_at(arr, row0, n, input, 0, w, counters);
}

/* ---- writes ---------------------------------------------------------------- */

/* One pulse towards `bit` on cell (row, col). */
static void pulse(CimArray *arr, unsigned row, unsigned col, int bit)
{
    arr->ev.n[bit ? CIM_EV_SET_PULSE : CIM_EV_RESET_PULSE]++;
    if (!arr->g) {
        store_bit(arr, row, col, bit);
        return;
    }
    size_t w = (size_t)row * arr->words;
    if (cim_bits_get(arr->stuck0 + w, col) || cim_bits_get(arr->stuck1 + w, col))
        return;
    if (cim_rng_bernoulli(&arr->rng, arr->cfg->tech.device.write_fail_prob))
        return;
    store_bit(arr, row, col, bit);
    arr->g[(size_t)row * arr->cols + col] = draw_g(arr, bit);
}

CimStatus cim_array_backdoor_load(CimArray *arr, unsigned row, const uint64_t *data)
{
    if (row >= arr->rows)
        return CIM_ERR_RANGE;
    size_t w = (size_t)row * arr->words;
    for (unsigned c = 0; c < arr->cols; c++) {
        int bit = cim_bits_get(data, c);
        if (arr->g) {
            if (cim_bits_get(arr->stuck0 + w, c) || cim_bits_get(arr->stuck1 + w, c))
                continue;
            arr->g[(size_t)row * arr->cols + c] = draw_g(arr, bit);
        }
        store_bit(arr, row, c, bit);
    }
    return CIM_OK;
}

/* Pulses every cell flagged in `pending` towards data; returns the cycles of the round. */
static uint32_t pulse_round(CimArray *arr, unsigned row, const uint64_t *data, const uint64_t *pending)
{
    int any_set = 0, any_reset = 0;
    for (size_t i = 0; i < arr->words; i++) {
        uint64_t x = pending[i];
        while (x) {
            unsigned col = (unsigned)(i * 64u) + (unsigned)__builtin_ctzll(x);
            int bit = cim_bits_get(data, col);
            any_set |= bit;
            any_reset |= !bit;
            pulse(arr, row, col, bit);
            x &= x - 1;
        }
    }
    return (any_set ? arr->timing.set : 0u) + (any_reset ? arr->timing.reset : 0u);
}

/* Reads the row for the write driver (pre-read or verify) and leaves in `pending` the
 * cells that sense differently from data. */
static void read_back(CimArray *arr, unsigned row, const uint64_t *data, uint64_t *pending)
{
    CimCols all = cim_array_all_cols(arr);
    count_read(arr, 1, row_lrs(arr, row, all), 1, arr->cols);
    arr->stats.verify_reads++;
    sense_row(arr, row, all, pending);
    for (size_t i = 0; i < arr->words; i++)
        pending[i] ^= data[i];
    pending[arr->words - 1] &= cim_bits_tail_mask(arr->cols);
}

CimStatus cim_array_write_row(CimArray *arr, unsigned row, const uint64_t *data,
                              uint32_t *failed, uint32_t *cycles)
{
    if (row >= arr->rows)
        return CIM_ERR_RANGE;
    uint64_t *pending = arr->scratch;
    uint32_t cyc = arr->timing.read;
    read_back(arr, row, data, pending); /* pre-read: pulse only the cells that change */
    unsigned max = arr->cfg->write.verify ? arr->cfg->write.max_pulses : 1u;
    for (unsigned round = 0; round < max && cim_bits_popcount(pending, arr->cols); round++) {
        cyc += pulse_round(arr, row, data, pending);
        if (!arr->cfg->write.verify)
            break;
        cyc += arr->timing.verify;
        read_back(arr, row, data, pending);
    }
    const uint64_t *st = cim_array_row_state(arr, row);
    uint32_t wrong = 0;
    for (size_t i = 0; i < arr->words; i++)
        wrong += (uint32_t)__builtin_popcountll((st[i] ^ data[i]) & (i == arr->words - 1 ? cim_bits_tail_mask(arr->cols) : ~(uint64_t)0));
    arr->stats.row_writes++;
    arr->stats.write_failures += wrong;
    arr->stats.cycles += cyc;
    if (failed)
        *failed = wrong;
    if (cycles)
        *cycles = cyc;
    return CIM_OK;
}
