/* Fast path: per position, per live filter, popcount(window & weights) on packed words,
 * then the chip's own counter, array-event, finish and threshold rules (models/periph,
 * models/array, models/chip/ppu.h) on the layer table the chip reads. */
#include "workloads/exec/fast.h"

#include "models/chip/ppu.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const CimChipLayer *cl;
    unsigned ph, pw;        /* padded input map: (H + 2 pad) x (W + 2 pad) x C bits */
    uint64_t *pin;          /* padded input, channels-last, zero borders */
    size_t tw;              /* words per row tile */
    uint64_t *w;            /* [nregions][ncols][tw]: stored weight bits of each region column */
    uint64_t *pruned;       /* PPU order: the table's pruned mask, F bits */
    unsigned live_run;      /* outputs [0, live_run) are live (the compiler puts them first) */
    int32_t *thr, *off;     /* PPU order: F thresholds, npat x F offsets */
    int64_t *acc;           /* F accumulators */
    CimLayerTally stat;     /* data-independent cost of one image */
} FastLayer;

struct CimFast {
    CimHost host;
    int32_t *const *trace;    /* per chip layer, or NULL */
    const CimChipCfg *cfg;
    const CimCompiled *cc;
    const CimNet *net;
    FastLayer *layers;
    uint64_t *img, *win, *xt; /* input bits, window, one tile of the window */
    int32_t *ints;
    float *scratch;
};

/* The stored weights of the layer's regions (read back from the arrays) and its layer
 * table (read from the buffer as lcfg reads it). */
static CimStatus read_layer(CimFast *f, CimChip *chip, FastLayer *fl)
{
    const CimChipLayer *cl = fl->cl;
    CimPpuTable tab = cim_ppu_table(cl->F, cim_window_patterns(cl->pad));
    unsigned R = f->cfg->array.rows;
    fl->tw = cim_bits_words(R);
    fl->w = calloc((size_t)(cl->nregions ? cl->nregions : 1) * f->cfg->array.cols * fl->tw, sizeof(uint64_t));
    fl->pruned = calloc(cim_bits_words(cl->F), sizeof *fl->pruned);
    fl->thr = calloc(cl->F, sizeof *fl->thr);
    fl->off = calloc((size_t)tab.npat * cl->F, sizeof *fl->off);
    fl->ph = cl->in_h + 2 * cl->pad;
    fl->pw = cl->in_w + 2 * cl->pad;
    fl->pin = calloc(cim_bits_words((size_t)fl->ph * fl->pw * cl->in_c) + 2, sizeof(uint64_t));
    fl->acc = calloc(cl->F, sizeof *fl->acc);
    if (!fl->w || !fl->pruned || !fl->thr || !fl->off || !fl->pin || !fl->acc)
        return CIM_ERR_NOMEM;
    for (unsigned i = 0; i < cl->nregions; i++) {
        const CimRegion *r = &cl->regions[i];
        CimArray *arr = cim_chip_macro(chip, r->macro)->arr;
        for (unsigned row = 0; row < r->nrows; row++)
            for (unsigned c = 0; c < r->ncols; c++)
                if (cim_bits_get(cim_array_row_state(arr, r->row0 + row), r->col0 + c))
                    cim_bits_set(fl->w + ((size_t)i * f->cfg->array.cols + c) * fl->tw, row, 1);
    }
    if (cl->table_addr + tab.bits > cim_chip_buffer_bits(chip))
        return CIM_ERR_RANGE;
    cim_ppu_table_read(&tab, cim_chip_buffer(chip), cl->table_addr, fl->pruned, fl->thr, fl->off);
    while (fl->live_run < cl->F && !cim_bits_get(fl->pruned, fl->live_run))
        fl->live_run++;
    return CIM_OK;
}

/* AND counts of every column of region i against the window tile x (nw words): each
 * column's counter value (cleared before the gated read) into its accumulator, as pacc
 * adds it; returns the conducting cells. Column loop with the word count known at
 * compile time (the common tile sizes). */
#define COUNT_COLUMNS(NW)                                                                   \
    for (unsigned c = 0; c < ncols; c++, w += tw) {                                         \
        uint32_t a = 0;                                                                     \
        for (size_t k = 0; k < (NW); k++)                                                   \
            a += (uint32_t)__builtin_popcountll(x[k] & w[k]);                               \
        lrs += a;                                                                           \
        acc[c] += cim_counter_value(cbits, cmode, a);                                       \
    }

static uint64_t region_counts(CimFast *f, FastLayer *fl, unsigned i, const uint64_t *restrict x, size_t nw)
{
    const CimRegion *r = &fl->cl->regions[i];
    const uint64_t *restrict w = fl->w + (size_t)i * f->cfg->array.cols * fl->tw;
    int64_t *restrict acc = fl->acc + r->f0;
    const size_t tw = fl->tw;
    const unsigned ncols = r->ncols, cbits = f->cfg->periph.counter_bits;
    const CimOverflow cmode = f->cfg->periph.counter_overflow;
    uint64_t lrs = 0;
    switch (nw) {
    case 1: COUNT_COLUMNS(1) break;
    case 2: COUNT_COLUMNS(2) break;
    case 4: COUNT_COLUMNS(4) break;
    default: COUNT_COLUMNS(nw) break;
    }
    return lrs;
}

/* Array events and accumulators of one position: every region's gated read, then the
 * binary finish. The accumulators hold the exact sums of their pacc terms; the PPU's
 * finish wraps them once (ppu.h: the same value as wrapping after every step). */
static void position(CimFast *f, FastLayer *fl, const CimWindowState *ws, CimEvents *ev)
{
    const CimChipLayer *cl = fl->cl;
    unsigned sab = f->cfg->periph.shift_add_bits;
    memset(fl->acc, 0, cl->F * sizeof *fl->acc);
    for (unsigned i = 0; i < cl->nregions; i++) {
        const CimRegion *r = &cl->regions[i];
        const uint64_t *x = f->win + r->e0 / 64; /* bits past the tile meet zero weights */
        if (r->e0 % 64) {
            cim_bits_clear(f->xt, r->nrows);
            cim_bits_copy_range(f->xt, 0, f->win, r->e0, r->nrows);
            x = f->xt;
        }
        uint64_t active = cim_bits_popcount(x, r->nrows);
        uint64_t lrs = region_counts(f, fl, i, x, cim_bits_words(r->nrows));
        cim_array_gated_events(ev, active, r->ncols, lrs);
        cim_counter_events(ev, lrs);
    }
    const int32_t *off = fl->off + (size_t)ws->pattern * cl->F;
    int64_t pruned = cim_ppu_pruned(f->cc->pruned_mode == CIM_PRUNED_SKIP, ws->valid, ws->px, sab);
    unsigned k = 0;
    for (; k < fl->live_run; k++)
        fl->acc[k] = cim_ppu_finish(fl->acc[k], ws->px, off[k], sab);
    for (; k < cl->F; k++)
        fl->acc[k] = cim_bits_get(fl->pruned, k) ? pruned : cim_ppu_finish(fl->acc[k], ws->px, off[k], sab);
}

/* The window at (y, x) from the padded map: one contiguous run of k*C bits per kernel row. */
static void gather(CimFast *f, const FastLayer *fl, CimWindowState *ws, unsigned y, unsigned x)
{
    const CimChipLayer *cl = fl->cl;
    size_t run = (size_t)cl->k * cl->in_c;
    for (unsigned ky = 0; ky < cl->k; ky++)
        cim_bits_copy_range(f->win, ky * run, fl->pin, ((size_t)(y + ky) * fl->pw + x) * cl->in_c, run);
    ws->ir_len = cl->k * (unsigned)run;
    ws->px = (uint32_t)cim_bits_popcount(f->win, ws->ir_len);
    cim_window_class(ws, y, x, &ws->valid, &ws->pattern);
}

/* One chip layer; bits go into the next layer's padded input, ints into f->ints. */
/* The position's integer outputs into a [F][H][W] trace, original filter order. */
static void trace_position(const FastLayer *fl, int32_t *dst, unsigned y, unsigned x)
{
    const CimChipLayer *cl = fl->cl;
    size_t hw = (size_t)cl->in_h * cl->in_w, at = (size_t)y * cl->in_w + x;
    for (unsigned k = 0; k < cl->F; k++)
        dst[cl->order[k] * hw + at] = (int32_t)fl->acc[k];
}

static void layer(CimFast *f, FastLayer *fl, FastLayer *next, CimEvents *ev, int32_t *trace)
{
    const CimChipLayer *cl = fl->cl;
    CimWindowState ws = {1, 0, cl->in_c, cl->in_h, cl->in_w, cl->k, cl->pad, 0, 0, 0, 0};
    int bits = cl->out_kind == CIM_OUT_BITS;
    unsigned p = cl->pool, npad = next ? next->cl->pad : 0;
    if (next)
        cim_bits_clear(next->pin, (size_t)next->ph * next->pw * next->cl->in_c);
    for (unsigned py = 0; py < cl->out_h; py++)
        for (unsigned px = 0; px < cl->out_w; px++) {
            size_t at = next ? ((size_t)(py + npad) * next->pw + px + npad) * cl->F : 0;
            for (unsigned dy = 0; dy < p; dy++)
                for (unsigned dx = 0; dx < p; dx++) {
                    gather(f, fl, &ws, py * p + dy, px * p + dx);
                    position(f, fl, &ws, ev);
                    if (trace)
                        trace_position(fl, trace, py * p + dy, px * p + dx);
                    if (!bits)
                        for (unsigned k = 0; k < cl->F; k++)
                            f->ints[(size_t)cl->order[k] * cl->out_h * cl->out_w + py * cl->out_w + px] =
                                (int32_t)fl->acc[k];
                    else
                        for (unsigned k = 0; k < cl->F; k++) /* OR: pooling of the sign bits */
                            next->pin[(at + k) >> 6] |= (uint64_t)cim_ppu_fires(fl->acc[k], fl->thr[k]) << ((at + k) & 63);
                }
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
    cim_host_forward(&f->host, cc, f->net, f->ints, logits, f->scratch);
    const CimChipLayer *last = &cc->layers[cc->n - 1];
    if (conv_out)
        memcpy(conv_out, f->ints, (size_t)last->F * last->out_h * last->out_w * sizeof *f->ints);
    return CIM_OK;
}

void cim_fast_trace(CimFast *f, int32_t *const *trace) { f->trace = trace; }

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
        free(f->layers[k].w);
        free(f->layers[k].pruned);
        free(f->layers[k].thr);
        free(f->layers[k].off);
        free(f->layers[k].pin);
        free(f->layers[k].acc);
    }
    free(f->layers);
    free(f->img);
    free(f->win);
    free(f->xt);
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
    size_t act = cim_net_max_activation(net);
    f->layers = calloc(cc->n, sizeof *f->layers);
    f->img = calloc(cim_bits_words(cc->image_bits) + 1, sizeof(uint64_t));
    f->win = calloc(cim_bits_words(cfg->ctrl.ir_bits) + 1, sizeof(uint64_t));
    f->xt = calloc(cim_bits_words(cfg->array.rows) + 1, sizeof(uint64_t));
    f->ints = calloc(act, sizeof *f->ints);
    f->scratch = calloc(2 * act, sizeof *f->scratch);
    CimStatus st = f->layers && f->img && f->win && f->xt && f->ints && f->scratch ? cim_host_init(&f->host, net)
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
