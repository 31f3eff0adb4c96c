/* Bit-true analogue read-out of a binary conv layer: each read group's column partial sum
 * (LRS cells conducting on the driven rows, in unit-cell currents) goes through the ADC
 * quantiser. The crossbar is ideal (no device non-idealities): only the ADC loses information. */
#include "models/analog/analog.h"

#include <string.h>

struct CimAnalogConv {
    CimAlloc alloc;
    CimAnalogShape s;
    CimAnalogMap m;
    unsigned cpw, bits, lsb;
    size_t words;          /* words of one row in the group layout */
    unsigned *g_woff;      /* per read group: first word; groups start on word boundaries */
    unsigned *g_nw;        /* per read group: words */
    unsigned *e_bit;       /* per filter element: its bit in the layout */
    uint64_t *w;           /* filters x words: 1 = LRS cell (+1 weight) */
    uint8_t *mapped;       /* per filter */
    uint64_t *x, *v;       /* scratch: window inputs +1, valid taps */
};

/* Lays the elements out: tile t holds elements [t*E, t*E + E), its read groups hold
 * rows_active elements each, and every group starts a new 64-bit word. */
static void layout(CimAnalogConv *cv, unsigned rows_active, int fill)
{
    unsigned E = cv->m.elems_per_tile, L = cv->m.elems, g = 0;
    size_t word = 0;
    for (unsigned e0 = 0; e0 < L; e0 += E) {
        unsigned tile_end = e0 + E < L ? e0 + E : L;
        for (unsigned a = e0; a < tile_end; a += rows_active, g++) {
            unsigned n = a + rows_active < tile_end ? rows_active : tile_end - a;
            if (fill) {
                cv->g_woff[g] = (unsigned)word;
                cv->g_nw[g] = (n + 63) / 64;
                for (unsigned i = 0; i < n; i++)
                    cv->e_bit[a + i] = (unsigned)(word * 64 + i);
            }
            word += (n + 63) / 64;
        }
    }
    cv->words = word;
}

/* Weights into the layout: element e = (ky*k + kx)*C + c of filter f is w[f][c][ky][kx]. */
static void program(CimAnalogConv *cv, const float *w)
{
    unsigned C = cv->s.in_c, k = cv->s.k;
    for (unsigned f = 0; f < cv->s.filters; f++) {
        uint64_t *row = cv->w + (size_t)f * cv->words;
        for (unsigned e = 0; e < cv->m.elems; e++) {
            unsigned c = e % C, tap = e / C, ky = tap / k, kx = tap % k;
            if (w[(((size_t)f * C + c) * k + ky) * k + kx] > 0.0f)
                cim_bits_set(row, cv->e_bit[e], 1);
        }
    }
}

void cim_analog_conv_destroy(CimAnalogConv *cv)
{
    if (!cv)
        return;
    CimAlloc a = cv->alloc;
    cim_free(&a, cv->g_woff);
    cim_free(&a, cv->g_nw);
    cim_free(&a, cv->e_bit);
    cim_free(&a, cv->w);
    cim_free(&a, cv->mapped);
    cim_free(&a, cv->x);
    cim_free(&a, cv->v);
    cim_free(&a, cv);
}

CimStatus cim_analog_conv_create(const CimAnalogCfg *c, const CimAnalogShape *s, const float *w,
                                 const uint8_t *mapped, const CimAlloc *a, CimAnalogConv **out)
{
    CimAnalogMap m;
    *out = NULL;
    CimStatus st = cim_analog_map(c, s, &m);
    if (st != CIM_OK)
        return st;
    CimAnalogConv *cv = cim_alloc(a, sizeof *cv);
    if (!cv)
        return CIM_ERR_NOMEM;
    cv->alloc = a ? *a : (CimAlloc){0};
    cv->s = *s;
    cv->m = m;
    cv->cpw = c->xbar.cells_per_weight;
    cv->bits = c->adc.bits;
    cv->lsb = c->adc.lsb_cells;
    layout(cv, c->xbar.rows_active, 0);
    cv->g_woff = cim_alloc_array(a, m.groups, sizeof *cv->g_woff);
    cv->g_nw = cim_alloc_array(a, m.groups, sizeof *cv->g_nw);
    cv->e_bit = cim_alloc_array(a, m.elems, sizeof *cv->e_bit);
    cv->w = cim_alloc_array(a, (size_t)s->filters * cv->words, sizeof *cv->w);
    cv->mapped = cim_alloc(a, s->filters);
    cv->x = cim_alloc_array(a, cv->words, sizeof *cv->x);
    cv->v = cim_alloc_array(a, cv->words, sizeof *cv->v);
    if (!cv->g_woff || !cv->g_nw || !cv->e_bit || !cv->w || !cv->mapped || !cv->x || !cv->v) {
        cim_analog_conv_destroy(cv);
        return CIM_ERR_NOMEM;
    }
    layout(cv, c->xbar.rows_active, 1);
    program(cv, w);
    for (unsigned f = 0; f < s->filters; f++)
        cv->mapped[f] = mapped ? mapped[f] != 0 : 1;
    *out = cv;
    return CIM_OK;
}

static unsigned popcount_and(const uint64_t *a, const uint64_t *b, size_t n)
{
    unsigned p = 0;
    for (size_t i = 0; i < n; i++)
        p += (unsigned)__builtin_popcountll(a[i] & b[i]);
    return p;
}

/* Window of output position (y, x) into cv->x (inputs +1) and cv->v (valid taps). */
static void load_window(CimAnalogConv *cv, const int8_t *in, unsigned y, unsigned x)
{
    const CimAnalogShape *s = &cv->s;
    memset(cv->x, 0, cv->words * sizeof *cv->x);
    memset(cv->v, 0, cv->words * sizeof *cv->v);
    for (unsigned e = 0; e < cv->m.elems; e++) {
        unsigned c = e % s->in_c, tap = e / s->in_c;
        long iy = (long)y + (long)(tap / s->k) - (long)s->pad, ix = (long)x + (long)(tap % s->k) - (long)s->pad;
        if (iy < 0 || ix < 0 || iy >= (long)s->in_h || ix >= (long)s->in_w)
            continue; /* zero padding: the word line stays low */
        cim_bits_set(cv->v, cv->e_bit[e], 1);
        if (in[((size_t)c * s->in_h + (size_t)iy) * s->in_w + (size_t)ix] > 0)
            cim_bits_set(cv->x, cv->e_bit[e], 1);
    }
}

/* Sum over read groups of the ADC-read partial sums of filter row w. */
static int64_t read_groups(const CimAnalogConv *cv, const uint64_t *w, CimAnalogActivity *act)
{
    int64_t sum = 0;
    uint32_t full = cim_analog_adc_read(UINT32_MAX, cv->bits, cv->lsb);
    for (unsigned g = 0; g < cv->m.groups; g++) {
        const uint64_t *x = cv->x + cv->g_woff[g], *v = cv->v + cv->g_woff[g], *r = w + cv->g_woff[g];
        uint32_t p = 0;
        for (unsigned i = 0; i < cv->g_nw[g]; i++)
            p += (uint32_t)__builtin_popcountll(cv->cpw == 1 ? x[i] & r[i] : ~(x[i] ^ r[i]) & v[i]);
        uint32_t q = cim_analog_adc_read(p, cv->bits, cv->lsb);
        sum += q;
        if (act) {
            act->lrs_reads += p;
            act->reads++;
            act->inexact += q != p;
            act->clipped += p > full;
        }
    }
    return sum;
}

/* One output position of every filter into acc (stride between filters: hw). */
static void position(CimAnalogConv *cv, size_t pos, size_t hw, int32_t *acc, CimAnalogActivity *act)
{
    int64_t px = popcount_and(cv->x, cv->x, cv->words), V = popcount_and(cv->v, cv->v, cv->words);
    for (unsigned f = 0; f < cv->s.filters; f++) {
        const uint64_t *w = cv->w + (size_t)f * cv->words;
        int64_t pw = popcount_and(w, cv->v, cv->words), dot;
        if (!cv->mapped[f])
            dot = 4 * (int64_t)popcount_and(cv->x, w, cv->words) - 2 * px - 2 * pw + V;
        else if (cv->cpw == 1)
            dot = 4 * read_groups(cv, w, act) - 2 * px - 2 * pw + V;
        else
            dot = 2 * read_groups(cv, w, act) - V;
        acc[f * hw + pos] = (int32_t)dot;
    }
    if (act)
        act->driven_elems += (double)(cv->cpw == 1 ? px : V);
}

void cim_analog_conv_run(CimAnalogConv *cv, const int8_t *in, int32_t *acc, CimAnalogActivity *act)
{
    size_t hw = (size_t)cv->s.out_h * cv->s.out_w;
    for (unsigned y = 0; y < cv->s.out_h; y++)
        for (unsigned x = 0; x < cv->s.out_w; x++) {
            load_window(cv, in, y, x);
            position(cv, (size_t)y * cv->s.out_w + x, hw, acc, act);
        }
    if (act)
        act->images++;
}
