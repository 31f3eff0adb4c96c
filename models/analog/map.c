/* Mapping of a binary conv layer onto analogue crossbars: row tiles of rows/cells_per_weight
 * filter elements, read groups of rows_active elements, column tiles of filters, and the
 * ADC conversion rounds a column mux imposes (NeuroSim's numColMuxed). */
#include "models/analog/analog.h"

#include <string.h>

static unsigned ceil_div(unsigned a, unsigned b) { return b ? (a + b - 1) / b : 0; }

static int shape_ok(const CimAnalogShape *s)
{
    if (!s->in_c || !s->in_h || !s->in_w || !s->k || !s->filters || s->live > s->filters)
        return 0;
    if ((uint64_t)s->in_h + 2u * s->pad < s->k || (uint64_t)s->in_w + 2u * s->pad < s->k)
        return 0;
    return s->out_h == s->in_h + 2 * s->pad - s->k + 1 && s->out_w == s->in_w + 2 * s->pad - s->k + 1 &&
           (uint64_t)s->in_c * s->k * s->k <= UINT32_MAX / 2;
}

CimStatus cim_analog_map(const CimAnalogCfg *c, const CimAnalogShape *s, CimAnalogMap *m)
{
    const CimXbarCfg *x = &c->xbar;
    memset(m, 0, sizeof *m);
    if (!shape_ok(s) || !x->cells_per_weight || !x->rows_active || !c->adc.share ||
        (uint64_t)x->rows_active * x->cells_per_weight > x->rows || c->adc.share > x->cols)
        return CIM_ERR_RANGE;
    m->elems = s->in_c * s->k * s->k;
    m->elems_per_tile = x->rows / x->cells_per_weight;
    m->row_tiles = ceil_div(m->elems, m->elems_per_tile);
    for (unsigned t = 0; t < m->row_tiles; t++) {
        unsigned n = t + 1 < m->row_tiles ? m->elems_per_tile : m->elems - t * m->elems_per_tile;
        m->groups += ceil_div(n, x->rows_active);
    }
    unsigned first = m->elems < m->elems_per_tile ? m->elems : m->elems_per_tile;
    m->groups_max = ceil_div(first, x->rows_active);
    m->mapped = x->pruned_filters == CIM_ANALOG_PRUNED_SKIP ? s->live : s->filters;
    m->col_tiles = ceil_div(m->mapped, x->cols);
    m->adcs = x->cols / c->adc.share;
    m->rounds_max = ceil_div(m->mapped < x->cols ? m->mapped : x->cols, m->adcs);
    m->positions = (uint64_t)s->out_h * s->out_w;
    m->crossbars = (uint64_t)m->row_tiles * m->col_tiles;
    return CIM_OK;
}

void cim_analog_assume_activity(const CimAnalogCfg *c, const CimAnalogMap *m, CimAnalogActivity *act)
{
    memset(act, 0, sizeof *act);
    double elems = (double)m->positions * m->elems;
    /* 0/1 cells: only +1 inputs drive their row; XNOR pairs: every input drives one row */
    act->driven_elems = c->xbar.cells_per_weight == 1 ? 0.5 * elems : elems;
    act->lrs_reads = 0.5 * act->driven_elems * m->mapped;
    act->reads = m->positions * m->groups * (uint64_t)m->mapped;
    act->images = 1;
}

/* ---- int8 layers ---------------------------------------------------------------- */

int cim_analog_int8_offset(const CimAnalogCfg *c)
{
    return c->multibit.bits_per_cell > 1 || c->multibit.input_bits_per_step > 1;
}

unsigned cim_analog_int8_slices(const CimAnalogCfg *c) { return ceil_div(8, c->multibit.bits_per_cell); }

unsigned cim_analog_int8_steps(const CimAnalogCfg *c) { return ceil_div(8, c->multibit.input_bits_per_step); }

unsigned cim_analog_int8_lossless_bits(const CimAnalogCfg *c)
{
    uint64_t max = (uint64_t)c->xbar.rows_active * ((1u << c->multibit.bits_per_cell) - 1) *
                   ((1u << c->multibit.input_bits_per_step) - 1);
    unsigned b = 0;
    while (b < 63 && (1ull << b) - 1 < max)
        b++;
    return b;
}

CimStatus cim_analog_int8_map(const CimAnalogCfg *c, const CimAnalogInt8Shape *s, CimAnalogMap *m)
{
    const CimXbarCfg *x = &c->xbar;
    memset(m, 0, sizeof *m);
    if (!s->positions || !s->in_c || !s->filters || !x->rows_active || x->rows_active > x->rows || !c->adc.share ||
        c->adc.share > x->cols || (uint64_t)s->filters * cim_analog_int8_slices(c) > UINT32_MAX / 2)
        return CIM_ERR_RANGE;
    m->elems = s->in_c;
    m->elems_per_tile = x->rows;
    m->row_tiles = ceil_div(m->elems, m->elems_per_tile);
    for (unsigned t = 0; t < m->row_tiles; t++) {
        unsigned n = t + 1 < m->row_tiles ? m->elems_per_tile : m->elems - t * m->elems_per_tile;
        m->groups += ceil_div(n, x->rows_active);
    }
    unsigned first = m->elems < m->elems_per_tile ? m->elems : m->elems_per_tile;
    m->groups_max = ceil_div(first, x->rows_active);
    m->mapped = s->filters * cim_analog_int8_slices(c);
    m->col_tiles = ceil_div(m->mapped, x->cols);
    m->adcs = x->cols / c->adc.share;
    m->rounds_max = ceil_div(m->mapped < x->cols ? m->mapped : x->cols, m->adcs);
    m->positions = s->positions * cim_analog_int8_steps(c);
    m->crossbars = (uint64_t)m->row_tiles * m->col_tiles;
    return CIM_OK;
}

/* Steps of one code (its bit pattern u, `bits` per step) whose bits are not all 0. */
static unsigned nonzero_parts(unsigned u, unsigned bits)
{
    unsigned n = 0, mask = (1u << bits) - 1;
    for (unsigned sh = 0; sh < 8; sh += bits)
        n += ((u >> sh) & mask) != 0;
    return n;
}

void cim_analog_int8_activity(const CimAnalogCfg *c, const int8_t *x, const int8_t *w, size_t P, size_t C, size_t F,
                              CimAnalogActivity *act)
{
    unsigned ib = c->multibit.input_bits_per_step, wb = c->multibit.bits_per_cell;
    unsigned steps_of[256], cells_of[256];
    int off = cim_analog_int8_offset(c);
    for (int v = -128; v < 128; v++) {
        unsigned u = off ? (unsigned)(v + 128) : (unsigned)(uint8_t)v;
        steps_of[(uint8_t)v] = nonzero_parts(u, ib);
        cells_of[(uint8_t)v] = nonzero_parts(u, wb);
    }
    for (size_t ch = 0; ch < C; ch++) {
        double cells = 0, driven = 0;
        for (size_t f = 0; f < F; f++)
            cells += cells_of[(uint8_t)w[f * C + ch]];
        for (size_t p = 0; p < P; p++)
            driven += steps_of[(uint8_t)x[p * C + ch]];
        act->driven_elems += driven;
        act->lrs_reads += driven * cells;
    }
}
