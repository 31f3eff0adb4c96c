/* int8 1x1 convolution on the chip: program path, fast path (the dot products of the codes
 * the arrays hold, and the gated reads' events from each region row's LRS cells) and the
 * plain reference. */
#include "workloads/exec/int8_exec.h"

#include "models/chip/ppu.h"

#include <stdlib.h>
#include <string.h>

struct CimInt8Engine {
    CimChip *chip;
    CimInt8Conv *conv;
    const CimChipCfg *cfg;
    int8_t *w;            /* [F][C]: the codes the arrays hold, read back bit by bit */
    int16_t *w16, *x16;   /* w as int16; one position's codes as int16 (fast path scratch) */
    uint32_t *ones;       /* per region, per row: its LRS cells (the weight bits 1 on its columns) */
    size_t *ones_at;      /* region i's rows start at ones + ones_at[i] */
    unsigned cal_npos;    /* npos of the calibration in `stat` (0: none) */
    CimLayerTally stat;   /* data-independent cost of cal_npos positions */
    int cal_extrapolated; /* 1: stat stepped from short runs (calibrate) */
};

void cim_int8_conv_ref(const int8_t *w, const int8_t *x, unsigned C, unsigned F, unsigned npos, int32_t *y)
{
    for (size_t p = 0; p < npos; p++)
        for (unsigned f = 0; f < F; f++) {
            int32_t s = 0;
            for (unsigned c = 0; c < C; c++)
                s += (int32_t)x[p * C + c] * (int32_t)w[(size_t)f * C + c];
            y[p * F + f] = s;
        }
}

/* The stored codes (cell (row, column of weight bit i, filter f) is bit i of w[f][channel])
 * and each region row's LRS cells, read back from the arrays. A region taller than the
 * counters hold (which the compiler never makes) is refused: the fast path relies on
 * counters that do not overflow. */
static CimStatus read_weights(CimInt8Engine *e)
{
    const CimInt8Conv *c = e->conv;
    size_t rows = 0;
    e->ones_at = calloc(c->nregions, sizeof *e->ones_at);
    if (!e->ones_at)
        return CIM_ERR_NOMEM;
    for (unsigned i = 0; i < c->nregions; i++) {
        if (c->regions[i].r.nrows > cim_counter_max(e->cfg->periph.counter_bits))
            return CIM_ERR_RANGE;
        e->ones_at[i] = rows;
        rows += c->regions[i].r.nrows;
    }
    e->ones = calloc(rows ? rows : 1, sizeof *e->ones);
    e->w = calloc((size_t)c->F * c->C, sizeof *e->w);
    if (!e->ones || !e->w)
        return CIM_ERR_NOMEM;
    for (unsigned i = 0; i < c->nregions; i++) {
        const CimRegion *r = &c->regions[i].r;
        CimArray *arr = cim_chip_macro(e->chip, r->macro)->arr;
        for (unsigned row = 0; row < r->nrows; row++) {
            const uint64_t *cells = cim_array_row_state(arr, r->row0 + row);
            unsigned ch = r->e0 + row, col = r->col0;
            for (unsigned p = c->regions[i].piece0; p < c->regions[i].piece0 + c->regions[i].npieces; p++) {
                CimInt8Piece pc = cim_int8_piece(c, p);
                for (unsigned k = 0; k < pc.n; k++, col++)
                    if (cim_bits_get(cells, col)) {
                        e->w[(size_t)(pc.f0 + k) * c->C + ch] =
                            (int8_t)(uint8_t)((uint8_t)e->w[(size_t)(pc.f0 + k) * c->C + ch] | 1u << pc.bit);
                        e->ones[e->ones_at[i] + row]++;
                    }
            }
        }
    }
    return CIM_OK;
}

CimStatus cim_int8_engine_create(CimChip *chip, CimInt8Conv *conv, CimProgRunner runner, void *ctx,
                                 CimLayerTally *load_tally, CimInt8Engine **out, CimTrap *trap)
{
    *out = NULL;
    const CimChipCfg *cfg = cim_chip_cfg(chip);
    if (cfg->physics.enabled)
        return CIM_ERR_RANGE;
    CimInt8Engine *e = calloc(1, sizeof *e);
    if (!e)
        return CIM_ERR_NOMEM;
    e->chip = chip;
    e->conv = conv;
    e->cfg = cfg;
    CimStatus st = CIM_OK;
    {
        CimHostIO io = {conv->load_stream, conv->load_bits, 0, NULL, 0, 0};
        st = cim_run_tallied(runner, ctx, chip, &conv->prog_load, &io, load_tally, trap);
    }
    if (st == CIM_OK)
        st = read_weights(e);
    if (st == CIM_OK) {
        e->w16 = malloc(((size_t)conv->F * conv->C + 1) * sizeof *e->w16);
        e->x16 = malloc(((size_t)conv->C + 1) * sizeof *e->x16);
        st = e->w16 && e->x16 ? CIM_OK : CIM_ERR_NOMEM;
        for (size_t i = 0; st == CIM_OK && i < (size_t)conv->F * conv->C; i++)
            e->w16[i] = e->w[i];
    }
    if (st != CIM_OK) {
        cim_int8_engine_destroy(e);
        return st;
    }
    *out = e;
    return CIM_OK;
}

void cim_int8_engine_destroy(CimInt8Engine *e)
{
    if (!e)
        return;
    free(e->w);
    free(e->w16);
    free(e->x16);
    free(e->ones);
    free(e->ones_at);
    free(e);
}

static CimStatus use_positions(CimInt8Engine *e, unsigned npos)
{
    return npos == e->conv->npos ? CIM_OK : cim_int8_program(e->cfg, e->conv, npos);
}

CimStatus cim_int8_engine_program(CimInt8Engine *e, CimProgRunner runner, void *ctx, const int8_t *x, unsigned npos,
                                  int32_t *y, CimLayerTally *t, CimTrap *trap)
{
    const CimInt8Conv *c = e->conv;
    CimStatus st = use_positions(e, npos);
    if (st != CIM_OK)
        return st;
    size_t in_bits = cim_int8_input_bits(c, npos), out_bits = cim_int8_output_bits(c, npos);
    uint64_t *in = calloc(cim_bits_words(in_bits) + 1, sizeof *in);
    uint64_t *raw = calloc(cim_bits_words(out_bits) + 1, sizeof *raw);
    if (!in || !raw)
        st = CIM_ERR_NOMEM;
    if (st == CIM_OK) {
        cim_int8_pack_inputs(c, x, npos, in);
        CimHostIO io = {in, in_bits, 0, raw, out_bits, 0};
        st = cim_run_tallied(runner, ctx, e->chip, &c->prog, &io, t, trap);
    }
    for (size_t i = 0; st == CIM_OK && i < (size_t)npos * c->F; i++) {
        uint64_t v = 0;
        cim_bits_copy_range(&v, 0, raw, 32 * i, 32);
        y[i] = (int32_t)(uint32_t)v;
    }
    free(in);
    free(raw);
    return st;
}

/* The dot products of one position's codes with every filter's, compiled for the widest
 * vector unit the CPU has (function multi-versioning, chosen at run time): int16 products
 * summed in int32 lanes (pmaddwd). Integer sums in any order are the same sum; they are
 * exact while C <= DOTS_MAX_C (|x w| <= 2^14, so |sum| < 2^31); wider convs take the
 * int64 loop in position(). */
#define DOTS_MAX_C ((1u << 17) - 1)
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
static void dots(const int16_t *restrict x, const int16_t *restrict w, unsigned C, unsigned F, int32_t *restrict y)
{
    for (unsigned f = 0; f < F; f++) {
        const int16_t *wf = w + (size_t)f * C;
        int32_t s = 0;
        for (unsigned c = 0; c < C; c++)
            s += (int32_t)x[c] * (int32_t)wf[c];
        y[f] = s;
    }
}

/* One position. Region i's 8 gated reads drive, over the planes, one word line per 1 bit of
 * the codes on its rows, and conduct in every LRS cell of such a row: active rows =
 * sum_c popcount(x[c]), LRS = sum_c popcount(x[c]) ones(c) (cim_array_gated_events is
 * linear in both, so one call per region gives the 8 reads' events; each conducting cell
 * is one counter increment). No counter overflows (read_weights), so each pacc adds
 * s_ij 2^(i+j) times the exact AND count and the accumulator ends at the dot product of
 * the stored codes, wrapped to the shift-add width (cim_wrap_signed, as cim_ppu_acc wraps);
 * psti stores its low 32 bits. */
static void position(CimInt8Engine *e, const int8_t *x, int32_t *y, CimEvents *ev)
{
    const CimInt8Conv *c = e->conv;
    const unsigned sab = e->cfg->periph.shift_add_bits;
    for (unsigned i = 0; i < c->nregions; i++) {
        const CimRegion *r = &c->regions[i].r;
        const uint32_t *ones = e->ones + e->ones_at[i];
        uint64_t active = 0, lrs = 0;
        for (unsigned row = 0; row < r->nrows; row++) {
            unsigned bits = (unsigned)__builtin_popcount((uint8_t)x[r->e0 + row]);
            active += bits;
            lrs += (uint64_t)bits * ones[row];
        }
        cim_array_gated_events(ev, active, r->ncols, lrs);
        cim_counter_events(ev, lrs);
    }
    if (c->C <= DOTS_MAX_C) {
        for (unsigned ch = 0; ch < c->C; ch++)
            e->x16[ch] = x[ch];
        dots(e->x16, e->w16, c->C, c->F, y);
        for (unsigned f = 0; f < c->F; f++)
            y[f] = (int32_t)(uint32_t)(uint64_t)cim_wrap_signed((uint64_t)(int64_t)y[f], sab);
        return;
    }
    for (unsigned f = 0; f < c->F; f++) {
        const int8_t *w = e->w + (size_t)f * c->C;
        int64_t s = 0;
        for (unsigned ch = 0; ch < c->C; ch++)
            s += (int32_t)x[ch] * (int32_t)w[ch];
        y[f] = (int32_t)(uint32_t)(uint64_t)cim_wrap_signed((uint64_t)s, sab);
    }
}

static void fast_events(CimInt8Engine *e, const int8_t *x, unsigned npos, int32_t *y, CimEvents *ev)
{
    for (size_t p = 0; p < npos; p++)
        position(e, x + p * e->conv->C, y + p * e->conv->F, ev);
}

/* Static cost of npos positions = one program run minus the gated-read events the fast
 * path computes itself for the same codes. */
static CimStatus static_cost(CimInt8Engine *e, unsigned npos, CimLayerTally *stat, CimTrap *trap)
{
    size_t nx = (size_t)npos * e->conv->C, ny = (size_t)npos * e->conv->F;
    int8_t *x = malloc(nx ? nx : 1);
    int32_t *y = malloc((ny ? ny : 1) * sizeof *y);
    CimLayerTally prog = {0};
    CimEvents fast = {{0}};
    CimStatus st = x && y ? CIM_OK : CIM_ERR_NOMEM;
    for (size_t i = 0; i < nx && x; i++)
        x[i] = (int8_t)(uint8_t)(i * 37u + 11u); /* any codes: the static part does not depend on them */
    if (st == CIM_OK)
        st = cim_int8_engine_program(e, NULL, NULL, x, npos, y, &prog, trap);
    if (st == CIM_OK) {
        fast_events(e, x, npos, y, &fast);
        *stat = prog;
        for (int k = 0; k < CIM_EV_COUNT; k++)
            stat->ev.n[k] = prog.ev.n[k] - fast.n[k];
    }
    free(x);
    free(y);
    return st;
}

/* A tally is uint64 counts only (cycles, instructions, events, reload cycles, the cycle
 * split, busy cycles), so that the calibration can step it as a vector. */
#define TALLY_WORDS (sizeof(CimLayerTally) / sizeof(uint64_t))
_Static_assert(sizeof(CimLayerTally) ==
                   sizeof(uint64_t) * (3 + CIM_EV_COUNT + (CIM_RES_MACRO + 1) + 2 + CIM_RUN_MAX_RES),
               "CimLayerTally holds uint64 counts only");

/* The calibration. The position program is a loop whose body is the same instructions on
 * the same buffer addresses at every position; only the first position (no previous sums
 * to send) and the last (no next input to fetch) differ, and the cycle-stepped model is
 * deterministic. So from the point where its pipeline reaches a steady state, every further
 * position adds the same cost. The calibration runs CIM_INT8_CAL_POS, +1 and +2 positions:
 * when the two steps are equal in every count, the cost of npos positions is the last run
 * plus (npos - CIM_INT8_CAL_POS - 2) steps; otherwise (or for npos that small) it runs all
 * npos positions, as before. tests/workloads/exec/test_int8.c checks the result against
 * full program runs of random shapes and position counts. */
static CimStatus calibrate(CimInt8Engine *e, unsigned npos, CimTrap *trap)
{
    const unsigned k0 = CIM_INT8_CAL_POS;
    CimStatus st = CIM_OK;
    if (npos > k0 + 2) {
        CimLayerTally r[3];
        for (unsigned i = 0; st == CIM_OK && i < 3; i++)
            st = static_cost(e, k0 + i, &r[i], trap);
        if (st != CIM_OK)
            return st;
        const uint64_t *a = (const uint64_t *)&r[0], *b = (const uint64_t *)&r[1], *c = (const uint64_t *)&r[2];
        int steady = 1;
        for (size_t w = 0; w < TALLY_WORDS; w++)
            steady &= b[w] - a[w] == c[w] - b[w];
        if (steady) {
            uint64_t *o = (uint64_t *)&e->stat, more = (uint64_t)npos - k0 - 2;
            for (size_t w = 0; w < TALLY_WORDS; w++)
                o[w] = c[w] + more * (c[w] - b[w]);
            e->cal_npos = npos;
            e->cal_extrapolated = 1;
            return CIM_OK;
        }
    }
    if ((st = static_cost(e, npos, &e->stat, trap)) == CIM_OK) {
        e->cal_npos = npos;
        e->cal_extrapolated = 0;
    }
    return st;
}

int cim_int8_engine_extrapolated(const CimInt8Engine *e) { return e->cal_extrapolated; }

CimStatus cim_int8_engine_fast(CimInt8Engine *e, const int8_t *x, unsigned npos, int32_t *y, CimLayerTally *t,
                               CimTrap *trap)
{
    CimStatus st = e->cal_npos == npos ? CIM_OK : calibrate(e, npos, trap);
    if (st != CIM_OK)
        return st;
    CimEvents ev = e->stat.ev;
    fast_events(e, x, npos, y, &ev);
    if (t) {
        cim_tally_add_static(t, &e->stat);
        cim_events_add(&t->ev, &ev);
    }
    return CIM_OK;
}
