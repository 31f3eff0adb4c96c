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
