/* Events, energy, latency and area of the analogue baseline. Cells, word and bit lines,
 * adders, registers, buffer, controller and leakage use the chip's technology file (the same
 * cells and node); ADC, DAC and S&H use the baseline file. Formulas: docs/energy.md. */
#include "models/analog/analog.h"
#include "models/energy/energy.h"

#include <string.h>

/* Sum over column tiles of used columns x conversion rounds of one read. */
static double used_rounds(const CimAnalogCfg *c, const CimAnalogMap *m)
{
    double s = 0;
    for (unsigned j = 0; j < m->col_tiles; j++) {
        unsigned used = m->mapped - j * c->xbar.cols;
        used = used < c->xbar.cols ? used : c->xbar.cols;
        s += (double)used * ((used + m->adcs - 1) / m->adcs);
    }
    return s;
}

CimStatus cim_analog_events(const CimAnalogCfg *c, const CimAnalogShape *s, const CimAnalogMap *m,
                            const CimAnalogActivity *act, CimAnalogEvents *ev)
{
    memset(ev, 0, sizeof *ev);
    if (!act->images)
        return CIM_ERR_RANGE;
    double P = (double)m->positions, G = m->groups, M = m->mapped, acc = c->digital.accumulator_bits;
    double driven = act->driven_elems / (double)act->images, lrs = act->lrs_reads / (double)act->images;
    int xnor = c->xbar.cells_per_weight == 2;
    ev->xbar_reads = P * G * m->col_tiles;
    ev->conversions = P * G * M;
    ev->sh_ns = P * G * used_rounds(c, m) * cim_analog_adc_time_ns(&c->adc, c->adc.bits);
    ev->wordlines = driven * m->col_tiles;
    ev->cells_lrs = lrs;
    ev->cells_hrs = driven * M > lrs ? driven * M - lrs : 0;
    /* accumulate each read; per output: corrections (1-cell: - 2 px - 2 pw + V, two adds;
     * XNOR: - V, one add) and the threshold or bias add; an unmapped filter's output, one
     * add; 1-cell mode also counts px per position with an adder tree over the window. */
    double post = xnor ? 2 : 3;
    ev->fa_ops = (ev->conversions + P * M * post + P * (s->filters - M)) * acc;
    if (!xnor)
        ev->fa_ops += P * (double)cim_adder_tree_full_adders(m->elems);
    ev->reg_bits = ev->conversions * acc;
    ev->buffer_bits = P * m->elems + (double)s->filters * s->out_values * s->out_bits;
    ev->instructions = M > 0 ? P * (G + 1) : P;
    return CIM_OK;
}

void cim_analog_energy(const CimAnalogCfg *c, const CimTechCfg *t, const CimAnalogEvents *ev,
                       CimAnalogEnergy *out)
{
    const CimEnergyCfg *e = &t->energy;
    double tr = t->timing.t_read_ns;
    double lrs_pj = cim_cell_read_pj(t, t->device.r_on_ohm), hrs_pj = cim_cell_read_pj(t, t->device.r_off_ohm);
    memset(out, 0, sizeof *out);
    out->pj[CIM_AC_CELLS] = ev->cells_lrs * lrs_pj + ev->cells_hrs * hrs_pj +
                            ev->conversions * c->xbar.rows * e->bl_per_cell_fj * 1e-3;
    out->pj[CIM_AC_DAC] = ev->wordlines * (c->xbar.cols * e->wl_per_cell_fj * 1e-3 + cim_analog_dac_energy_pj(&c->dac, tr));
    out->pj[CIM_AC_ADC] = ev->conversions * cim_analog_adc_energy_pj(&c->adc, c->adc.bits);
    out->pj[CIM_AC_SH] = c->sh.power_nw * ev->sh_ns * 1e-6; /* nW x ns = 1e-6 pJ */
    out->pj[CIM_AC_SHIFT_ADD] = (ev->fa_ops * e->full_adder_fj + ev->reg_bits * e->register_bit_fj) * 1e-3;
    out->pj[CIM_AC_BUFFER] = ev->buffer_bits * e->buffer_bit_fj * 1e-3;
    out->pj[CIM_AC_CONTROL] = ev->instructions * e->instruction_pj;
    for (int k = 0; k < CIM_AC_COUNT; k++)
        out->total_pj += out->pj[k];
}

double cim_analog_latency_ns(const CimAnalogCfg *c, const CimTechCfg *t, const CimAnalogMap *m)
{
    double per_pos = t->timing.t_shift_add_ns;
    if (m->mapped > 0)
        per_pos += m->groups_max *
                   (t->timing.t_read_ns + m->rounds_max * cim_analog_adc_time_ns(&c->adc, c->adc.bits));
    return (double)m->positions * per_pos;
}

double cim_analog_leakage_pj(const CimTechCfg *t, uint64_t crossbars, double ns)
{
    /* uW x ns = 1e-3 pJ */
    return (t->energy.leakage_per_macro_uw * (double)crossbars + t->energy.leakage_control_uw) * ns * 1e-3;
}

void cim_analog_area(const CimAnalogCfg *c, const CimTechCfg *t, uint64_t crossbars, CimAnalogArea *out)
{
    const CimAreaCfg *a = &t->area;
    double n = (double)crossbars, rows = c->xbar.rows, cols = c->xbar.cols, acc = c->digital.accumulator_bits;
    double adcs = cols / c->adc.share;
    memset(out, 0, sizeof *out);
    out->um2[CIM_AC_CELLS] = n * rows * cols * a->cell_um2;
    out->um2[CIM_AC_DAC] = n * rows * (a->wl_driver_um2 + cim_analog_dac_area_um2(&c->dac));
    out->um2[CIM_AC_ADC] = n * (adcs * cim_analog_adc_area_um2(&c->adc, c->adc.bits, t->node_nm) +
                                (c->adc.share > 1 ? cols * cim_analog_mux_area_um2(&c->adc, t->node_nm) : 0));
    out->um2[CIM_AC_SH] = n * cols * c->sh.area_um2;
    /* one adder per ADC, one accumulator register per column */
    out->um2[CIM_AC_SHIFT_ADD] = n * acc * (adcs * a->full_adder_um2 + cols * a->register_bit_um2);
    out->um2[CIM_AC_WRITE] = n * cols * a->write_driver_um2;
    out->um2[CIM_AC_BUFFER] = c->digital.buffer_kib * 8192.0 * a->buffer_bit_um2;
    out->um2[CIM_AC_CONTROL] = a->controller_um2;
    for (int k = 0; k < CIM_AC_COUNT; k++)
        out->total_um2 += out->um2[k];
}

static void events_add(CimAnalogEvents *d, const CimAnalogEvents *s)
{
    d->xbar_reads += s->xbar_reads;
    d->conversions += s->conversions;
    d->sh_ns += s->sh_ns;
    d->wordlines += s->wordlines;
    d->cells_lrs += s->cells_lrs;
    d->cells_hrs += s->cells_hrs;
    d->fa_ops += s->fa_ops;
    d->reg_bits += s->reg_bits;
    d->buffer_bits += s->buffer_bits;
    d->instructions += s->instructions;
}

/* Adds one layer's energy, events, latency, MACs and crossbars to a network's cost. */
static void add_layer(CimAnalogCost *out, const CimAnalogLayerCost *lc)
{
    for (int k = 0; k < CIM_AC_COUNT; k++)
        out->energy.pj[k] += lc->energy.pj[k];
    events_add(&out->ev, &lc->ev);
    out->latency_ns += lc->latency_ns;
    out->macs += lc->macs;
    out->crossbars += lc->map.crossbars;
}

/* Leakage over the network's latency, then the total as the sum of the components. */
static void finish_energy(const CimTechCfg *t, CimAnalogCost *out)
{
    out->energy.pj[CIM_AC_LEAKAGE] = cim_analog_leakage_pj(t, out->crossbars, out->latency_ns);
    out->energy.total_pj = 0;
    for (int k = 0; k < CIM_AC_COUNT; k++)
        out->energy.total_pj += out->energy.pj[k];
}

/* One layer's costs into lc. */
static CimStatus layer_cost(const CimAnalogCfg *c, const CimTechCfg *t, const CimAnalogShape *s,
                            const CimAnalogActivity *act, CimAnalogLayerCost *lc)
{
    memset(lc, 0, sizeof *lc);
    CimStatus st = cim_analog_map(c, s, &lc->map);
    if (st != CIM_OK)
        return st;
    CimAnalogActivity assumed;
    if (!act) {
        cim_analog_assume_activity(c, &lc->map, &assumed);
        act = &assumed;
    }
    st = cim_analog_events(c, s, &lc->map, act, &lc->ev);
    if (st != CIM_OK)
        return st;
    cim_analog_energy(c, t, &lc->ev, &lc->energy);
    lc->latency_ns = cim_analog_latency_ns(c, t, &lc->map);
    lc->macs = lc->map.positions * lc->map.elems * (uint64_t)s->filters;
    return CIM_OK;
}

CimStatus cim_analog_net_cost(const CimAnalogCfg *c, const CimTechCfg *t, const CimAnalogShape *shapes,
                              const CimAnalogActivity *acts, size_t n, CimAnalogLayerCost *layers,
                              CimAnalogCost *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        CimAnalogLayerCost lc;
        CimStatus st = layer_cost(c, t, &shapes[i], acts ? &acts[i] : NULL, &lc);
        if (st != CIM_OK)
            return st;
        add_layer(out, &lc);
        if (layers)
            layers[i] = lc;
    }
    finish_energy(t, out);
    cim_analog_area(c, t, out->crossbars, &out->area);
    return CIM_OK;
}

/* ---- int8 layers ------------------------------------------------------------------ */

CimStatus cim_analog_int8_events(const CimAnalogCfg *c, const CimAnalogInt8Shape *s, const CimAnalogMap *m,
                                 const CimAnalogActivity *act, CimAnalogEvents *ev)
{
    memset(ev, 0, sizeof *ev);
    if (!act->images)
        return CIM_ERR_RANGE;
    double P = (double)m->positions, G = m->groups, M = m->mapped, acc = c->multibit.accumulator_bits;
    double driven = act->driven_elems / (double)act->images, lrs = act->lrs_reads / (double)act->images;
    ev->xbar_reads = P * G * m->col_tiles;
    ev->conversions = P * G * M;
    ev->sh_ns = P * G * used_rounds(c, m) * cim_analog_adc_time_ns(&c->adc, c->adc.bits);
    ev->wordlines = driven * m->col_tiles;
    ev->cells_lrs = lrs;
    ev->cells_hrs = driven * M > lrs ? driven * M - lrs : 0;
    /* each conversion is shifted and added (signed for the top slice and step) into its
     * filter's accumulator; the int32 sums go to the host as they are */
    ev->fa_ops = ev->conversions * acc;
    if (cim_analog_int8_offset(c))
        ev->fa_ops += (double)s->positions * (2.0 * s->filters + s->in_c) * acc;
    ev->reg_bits = ev->conversions * acc;
    ev->buffer_bits = (double)s->positions * s->in_c * 8.0 + (double)s->positions * s->filters * 32.0;
    ev->instructions = P * (G + 1);
    return CIM_OK;
}

CimStatus cim_analog_int8_net_cost(const CimAnalogCfg *c, const CimTechCfg *t, const CimAnalogInt8Shape *shapes,
                                   const CimAnalogActivity *acts, size_t n, CimAnalogLayerCost *layers,
                                   CimAnalogCost *out)
{
    CimAnalogCfg dc = *c; /* the word-line DACs apply input_bits_per_step bits */
    dc.dac.bits = c->multibit.input_bits_per_step;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        CimAnalogLayerCost lc;
        memset(&lc, 0, sizeof lc);
        CimStatus st = cim_analog_int8_map(&dc, &shapes[i], &lc.map);
        if (st == CIM_OK)
            st = cim_analog_int8_events(&dc, &shapes[i], &lc.map, &acts[i], &lc.ev);
        if (st != CIM_OK)
            return st;
        cim_analog_energy(&dc, t, &lc.ev, &lc.energy);
        lc.latency_ns = cim_analog_latency_ns(&dc, t, &lc.map);
        lc.macs = shapes[i].positions * shapes[i].in_c * (uint64_t)shapes[i].filters;
        add_layer(out, &lc);
        if (layers)
            layers[i] = lc;
    }
    finish_energy(t, out);
    cim_analog_area(&dc, t, out->crossbars, &out->area);
    return CIM_OK;
}
