/* Energy per event (derived from the key columns of events.def), energy and area
 * breakdowns from the technology file. Cell read energy is V_read^2 * G * t_read (Joule
 * heating of the conducting cell). */
#include "models/energy/energy.h"

#include <string.h>

static const CimEventInfo event_info[CIM_EV_COUNT] = {
#define CIM_EVENT(id, name, unit, comp, key, key_unit, per, desc) \
    [CIM_EV_##id] = {name, unit, desc, CIM_COMP_##comp, "tech." #key},
#include "models/energy/events.def"
#undef CIM_EVENT
};

const CimEventInfo *cim_event_info(CimEventId id) { return &event_info[id]; }

const char *cim_component_name(CimComponent c)
{
    static const char *const names[CIM_COMP_COUNT] = {
        "array", "sense", "periphery", "write", "buffer", "control", "leakage"};
    return names[c];
}

void cim_events_add(CimEvents *dst, const CimEvents *src)
{
    for (int i = 0; i < CIM_EV_COUNT; i++)
        dst->n[i] += src->n[i];
}

uint64_t cim_adder_tree_full_adders(unsigned n)
{
    uint64_t p = 1, fa = 0;
    while (p < n)
        p *= 2;
    unsigned bits = 1;
    for (uint64_t k = p / 2; k >= 1; k /= 2, bits++)
        fa += k * bits;
    return fa;
}

double cim_cell_read_pj(const CimTechCfg *t, double r_ohm)
{
    double v = t->device.v_read_v, tr_s = t->timing.t_read_ns * 1e-9;
    return v * v / r_ohm * tr_s * 1e12;
}

/* The key unit and per columns of events.def. */
typedef enum { KEY_FJ, KEY_PJ, KEY_OHM } KeyUnit;
typedef enum { PER_ONE, PER_COLS, PER_ROWS } Per;

/* Energy of one event, pJ: `key` in its unit, times the cells it spans. */
static double event_pj(const CimChipCfg *cfg, double key, KeyUnit unit, Per per)
{
    double n = per == PER_COLS ? cfg->array.cols : per == PER_ROWS ? cfg->array.rows : 1.0;
    switch (unit) {
    case KEY_FJ: return key * n * 1e-3;
    case KEY_PJ: return key * n;
    default: return cim_cell_read_pj(&cfg->tech, key) * n;
    }
}

void cim_energy_table(const CimChipCfg *cfg, CimEnergyTable *out)
{
    const CimTechCfg *t = &cfg->tech;
    memset(out, 0, sizeof *out);
#define CIM_EVENT(id, name, unit, comp, key, key_unit, per, desc) \
    out->pj[CIM_EV_##id] = event_pj(cfg, t->key, KEY_##key_unit, PER_##per);
#include "models/energy/events.def"
#undef CIM_EVENT
}

void cim_energy_compute(const CimChipCfg *cfg, const CimEnergyTable *t, const CimEvents *ev,
                        uint64_t cycles, CimEnergyBreakdown *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < CIM_EV_COUNT; i++)
        out->pj[event_info[i].comp] += (double)ev->n[i] * t->pj[i];
    /* uW x us = pJ; time = cycles / f_MHz in us */
    double t_us = (double)cycles / cfg->clock_mhz;
    double leak_uw = cfg->tech.energy.leakage_per_macro_uw * cfg->macros +
                     cfg->tech.energy.leakage_control_uw;
    out->pj[CIM_COMP_LEAKAGE] = leak_uw * t_us;
    for (int c = 0; c < CIM_COMP_COUNT; c++)
        out->total_pj += out->pj[c];
}

void cim_area_periph(const CimChipCfg *cfg, CimPeriphArea *out)
{
    const CimAreaCfg *a = &cfg->tech.area;
    double cols = cfg->array.cols, sab = cfg->periph.shift_add_bits;
    double tree = (double)cim_adder_tree_full_adders(cfg->array.cols);
    memset(out, 0, sizeof *out);
    out->counter_bits = (uint64_t)cfg->array.cols * cfg->periph.counter_bits;
    out->tree_full_adders = cim_adder_tree_full_adders(cfg->array.cols);
    out->shift_add_full_adders = cfg->periph.shift_add_bits;
    out->output_register_bits = cfg->array.cols;
    out->accumulator_bits = cfg->periph.shift_add_bits;
    out->counters_um2 = cols * cfg->periph.counter_bits * a->counter_bit_um2;
    out->tree_um2 = tree * a->full_adder_um2;
    out->shift_add_um2 = sab * a->full_adder_um2;
    out->output_register_um2 = cols * a->register_bit_um2;
    out->accumulator_um2 = sab * a->register_bit_um2;
    /* adders and registers summed by kind first: (tree + shift-add) x full_adder_um2 */
    out->total_um2 = out->counters_um2 + (tree + sab) * a->full_adder_um2 + (cols + sab) * a->register_bit_um2;
}

void cim_area_compute(const CimChipCfg *cfg, CimAreaBreakdown *out)
{
    const CimAreaCfg *a = &cfg->tech.area;
    double rows = cfg->array.rows, cols = cfg->array.cols, m = cfg->macros;
    CimPeriphArea p;
    cim_area_periph(cfg, &p);
    memset(out, 0, sizeof *out);
    out->um2[CIM_COMP_ARRAY] = m * (rows * cols * a->cell_um2 + rows * a->wl_driver_um2);
    /* two comparators per column: ref_low and ref_high (a single read uses one of them) */
    out->um2[CIM_COMP_SENSE] = m * cols * 2.0 * a->sense_amp_um2;
    out->um2[CIM_COMP_PERIPH] = m * p.total_um2;
    out->um2[CIM_COMP_WRITE] = m * cols * a->write_driver_um2;
    out->um2[CIM_COMP_BUFFER] = (double)cfg->buffer_kib * 8192.0 * a->buffer_bit_um2;
    out->um2[CIM_COMP_CONTROL] = a->controller_um2;
    for (int c = 0; c < CIM_COMP_COUNT; c++)
        out->total_um2 += out->um2[c];
}
