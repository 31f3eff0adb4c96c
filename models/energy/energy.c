/* Energy per event, energy and area breakdowns from the technology file.
 * Cell read energy is V_read^2 * G * t_read (Joule heating of the conducting cell). */
#include "models/energy/energy.h"

#include <string.h>

static const CimEventInfo event_info[CIM_EV_COUNT] = {
#define CIM_EVENT(id, name, unit, comp, desc) [CIM_EV_##id] = {name, unit, desc, CIM_COMP_##comp},
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
    uint64_t fa = 0;
    unsigned bits = 1;
    for (unsigned k = n / 2; k >= 1; k /= 2, bits++)
        fa += (uint64_t)k * bits;
    return fa;
}

void cim_energy_table(const CimChipCfg *cfg, CimEnergyTable *out)
{
    const CimTechCfg *t = &cfg->tech;
    const CimEnergyCfg *e = &t->energy;
    double v = t->device.v_read_v, tr_s = t->timing.t_read_ns * 1e-9;
    memset(out, 0, sizeof *out);
    out->pj[CIM_EV_CELL_LRS] = v * v / t->device.r_on_ohm * tr_s * 1e12;
    out->pj[CIM_EV_CELL_HRS] = v * v / t->device.r_off_ohm * tr_s * 1e12;
    out->pj[CIM_EV_WL_ROW] = e->wl_per_cell_fj * cfg->array.cols * 1e-3;
    out->pj[CIM_EV_BL_COL] = e->bl_per_cell_fj * cfg->array.rows * 1e-3;
    out->pj[CIM_EV_SENSE] = e->sense_compare_fj * 1e-3;
    out->pj[CIM_EV_COUNTER] = e->counter_update_fj * 1e-3;
    out->pj[CIM_EV_FULL_ADDER] = e->full_adder_fj * 1e-3;
    out->pj[CIM_EV_REG_BIT] = e->register_bit_fj * 1e-3;
    out->pj[CIM_EV_SET_PULSE] = e->set_pulse_pj;
    out->pj[CIM_EV_RESET_PULSE] = e->reset_pulse_pj;
    out->pj[CIM_EV_BUFFER_BIT] = e->buffer_bit_fj * 1e-3;
    out->pj[CIM_EV_INSTRUCTION] = e->instruction_pj;
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

void cim_area_compute(const CimChipCfg *cfg, CimAreaBreakdown *out)
{
    const CimAreaCfg *a = &cfg->tech.area;
    double rows = cfg->array.rows, cols = cfg->array.cols, m = cfg->macros;
    memset(out, 0, sizeof *out);
    out->um2[CIM_COMP_ARRAY] = m * (rows * cols * a->cell_um2 + rows * a->wl_driver_um2);
    /* two comparators per column: ref_low and ref_high (a single read uses one of them) */
    out->um2[CIM_COMP_SENSE] = m * cols * 2.0 * a->sense_amp_um2;
    double periph_fa = (double)cim_adder_tree_full_adders(cfg->array.cols) + cfg->periph.shift_add_bits;
    double periph_regs = cols /* output register */ + cfg->periph.shift_add_bits /* accumulator */;
    out->um2[CIM_COMP_PERIPH] = m * (cols * cfg->periph.counter_bits * a->counter_bit_um2 +
                                     periph_fa * a->full_adder_um2 + periph_regs * a->register_bit_um2);
    out->um2[CIM_COMP_WRITE] = m * cols * a->write_driver_um2;
    out->um2[CIM_COMP_BUFFER] = (double)cfg->buffer_kib * 8192.0 * a->buffer_bit_um2;
    out->um2[CIM_COMP_CONTROL] = a->controller_um2;
    for (int c = 0; c < CIM_COMP_COUNT; c++)
        out->total_um2 += out->um2[c];
}
