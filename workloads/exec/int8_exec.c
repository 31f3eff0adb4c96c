/* int8 1x1 convolution on the chip: program path, fast path (per plane and region column,
 * popcount(plane & weight column) through the chip's counter and pacc rules) and the plain
 * reference. */
#include "workloads/exec/int8_exec.h"

#include "models/chip/ppu.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t *w;          /* [ncols][tw]: stored weight bits of each column, rows of the region */
    unsigned *f, *bit;    /* per column: its filter and weight bit */
} FastRegion;

struct CimInt8Engine {
    CimChip *chip;
    CimInt8Conv *conv;
    const CimChipCfg *cfg;
    size_t tw;            /* words per region column */
    FastRegion *reg;
    uint64_t *planes;     /* 8 planes of C bits, one position */
    uint64_t *xt;         /* one plane's bits on a region's rows */
    int64_t *acc;         /* F accumulators */
    unsigned cal_npos;    /* npos of the calibration in `stat` (0: none) */
    CimLayerTally stat;   /* data-independent cost of cal_npos positions */
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

/* Each region column's stored bits (read back from the array) and what it computes. */
static CimStatus read_weights(CimInt8Engine *e)
{
    const CimInt8Conv *c = e->conv;
    e->tw = cim_bits_words(e->cfg->array.rows);
    e->reg = calloc(c->nregions, sizeof *e->reg);
    if (!e->reg)
        return CIM_ERR_NOMEM;
    for (unsigned i = 0; i < c->nregions; i++) {
        const CimRegion *r = &c->regions[i].r;
        FastRegion *fr = &e->reg[i];
        fr->w = calloc((size_t)r->ncols * e->tw, sizeof *fr->w);
        fr->f = calloc(r->ncols, sizeof *fr->f);
        fr->bit = calloc(r->ncols, sizeof *fr->bit);
        if (!fr->w || !fr->f || !fr->bit)
            return CIM_ERR_NOMEM;
        CimArray *arr = cim_chip_macro(e->chip, r->macro)->arr;
        for (unsigned row = 0; row < r->nrows; row++)
            for (unsigned col = 0; col < r->ncols; col++)
                if (cim_bits_get(cim_array_row_state(arr, r->row0 + row), r->col0 + col))
                    cim_bits_set(fr->w + (size_t)col * e->tw, row, 1);
        for (unsigned p = c->regions[i].piece0, col = 0; p < c->regions[i].piece0 + c->regions[i].npieces; p++) {
            CimInt8Piece pc = cim_int8_piece(c, p);
            for (unsigned k = 0; k < pc.n; k++, col++) {
                fr->f[col] = pc.f0 + k;
                fr->bit[col] = pc.bit;
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
    e->planes = calloc(CIM_INT8_BITS * cim_bits_words(conv->C), sizeof *e->planes);
    e->xt = calloc(cim_bits_words(cfg->array.rows) + 1, sizeof *e->xt);
    e->acc = calloc(conv->F, sizeof *e->acc);
    CimStatus st = e->planes && e->xt && e->acc ? CIM_OK : CIM_ERR_NOMEM;
    if (st == CIM_OK) {
        CimHostIO io = {conv->load_stream, conv->load_bits, 0, NULL, 0, 0};
        st = cim_run_tallied(runner, ctx, chip, &conv->prog_load, &io, load_tally, trap);
    }
    if (st == CIM_OK)
        st = read_weights(e);
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
    for (unsigned i = 0; e->reg && i < e->conv->nregions; i++) {
        free(e->reg[i].w);
        free(e->reg[i].f);
        free(e->reg[i].bit);
    }
    free(e->reg);
    free(e->planes);
    free(e->xt);
    free(e->acc);
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

/* One position: for every plane j and region, the gated read's counts (cleared counters,
 * so each column's value is its AND count through the counter rule) and events, each
 * column's value accumulated as its pacc adds it (shift bit + j, cim_int8_negated). */
static void position(CimInt8Engine *e, const int8_t *x, int32_t *y, CimEvents *ev)
{
    const CimInt8Conv *c = e->conv;
    const unsigned sab = e->cfg->periph.shift_add_bits, cbits = e->cfg->periph.counter_bits;
    const CimOverflow cmode = e->cfg->periph.counter_overflow;
    size_t pw = cim_bits_words(c->C);
    memset(e->planes, 0, CIM_INT8_BITS * pw * sizeof *e->planes);
    for (unsigned ch = 0; ch < c->C; ch++)
        for (unsigned j = 0, v = (uint8_t)x[ch]; j < CIM_INT8_BITS; j++)
            e->planes[j * pw + (ch >> 6)] |= (uint64_t)((v >> j) & 1u) << (ch & 63);
    memset(e->acc, 0, c->F * sizeof *e->acc);
    for (unsigned j = 0; j < CIM_INT8_BITS; j++)
        for (unsigned i = 0; i < c->nregions; i++) {
            const CimRegion *r = &c->regions[i].r;
            const FastRegion *fr = &e->reg[i];
            size_t nw = cim_bits_words(r->nrows);
            cim_bits_clear(e->xt, r->nrows);
            cim_bits_copy_range(e->xt, 0, e->planes + j * pw, r->e0, r->nrows);
            uint64_t lrs = 0;
            for (unsigned col = 0; col < r->ncols; col++) {
                const uint64_t *w = fr->w + (size_t)col * e->tw;
                uint32_t a = 0;
                for (size_t k = 0; k < nw; k++)
                    a += (uint32_t)__builtin_popcountll(e->xt[k] & w[k]);
                lrs += a;
                unsigned b = fr->bit[col];
                e->acc[fr->f[col]] = cim_ppu_acc(e->acc[fr->f[col]], cim_counter_value(cbits, cmode, a), b + j,
                                                 cim_int8_negated(b, j), sab);
            }
            cim_array_gated_events(ev, cim_bits_popcount(e->xt, r->nrows), r->ncols, lrs);
            cim_counter_events(ev, lrs);
        }
    for (unsigned f = 0; f < c->F; f++)
        y[f] = (int32_t)(uint32_t)(uint64_t)e->acc[f]; /* psti: the low 32 bits */
}

static void fast_events(CimInt8Engine *e, const int8_t *x, unsigned npos, int32_t *y, CimEvents *ev)
{
    for (size_t p = 0; p < npos; p++)
        position(e, x + p * e->conv->C, y + p * e->conv->F, ev);
}

/* Static cost of npos positions = one program run minus the gated-read events the fast
 * path computes itself for the same codes. */
static CimStatus calibrate(CimInt8Engine *e, unsigned npos, CimTrap *trap)
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
        e->stat = prog;
        for (int k = 0; k < CIM_EV_COUNT; k++)
            e->stat.ev.n[k] = prog.ev.n[k] - fast.n[k];
        e->cal_npos = npos;
    }
    free(x);
    free(y);
    return st;
}

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
