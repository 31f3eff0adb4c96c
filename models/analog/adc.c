/* Converters of the analogue baseline: SAR ADC energy, time and area after DNN+NeuroSim V1.4
 * (SarADC.cpp, formula.cpp), the Walden figure-of-merit alternative (Murmann ADC survey),
 * ISAAC's DAC, and the bit-true ADC read-out of a column partial sum. */
#include "models/analog/analog.h"

#include <math.h>

const char *cim_analog_comp_name(CimAnalogComp c)
{
    static const char *const names[CIM_AC_COUNT] = {"cells", "dac", "adc", "sample_hold", "shift_add",
                                                    "buffer", "control", "write", "leakage"};
    return names[c];
}

double cim_analog_adc_time_ns(const CimAdcCfg *a, unsigned bits) { return (bits + 1.0) * a->cycle_ns; }

double cim_analog_adc_energy_pj(const CimAdcCfg *a, unsigned bits)
{
    if (a->model == CIM_ADC_WALDEN)
        return a->walden_fom_fj * ldexp(1.0, (int)bits) * 1e-3;
    /* uW x ns = 1e-15 J = 1e-3 pJ */
    double p_uw = a->sar_uw_per_bit * bits + a->sar_uw_fixed;
    return p_uw * cim_analog_adc_time_ns(a, bits) * 1e-3;
}

/* One minimum transistor's layout area at feature size node_nm, um^2. */
static double transistor_um2(const CimAdcCfg *a, double node_nm)
{
    double f_um = node_nm * 1e-3;
    return a->transistor_area_f2 * f_um * f_um;
}

double cim_analog_adc_area_um2(const CimAdcCfg *a, unsigned bits, double node_nm)
{
    if (a->model == CIM_ADC_WALDEN)
        return a->walden_area_um2;
    double transistors = a->sar_transistors_fixed + a->sar_transistors_per_bit * (bits - 1.0);
    return transistors * transistor_um2(a, node_nm);
}

double cim_analog_mux_area_um2(const CimAdcCfg *a, double node_nm)
{
    return a->mux_transistors_per_column * transistor_um2(a, node_nm);
}

double cim_analog_dac_energy_pj(const CimDacCfg *d, double t_read_ns)
{
    return d->power_1bit_uw * ldexp(1.0, (int)d->bits - 1) * t_read_ns * 1e-3;
}

double cim_analog_dac_area_um2(const CimDacCfg *d) { return d->area_1bit_um2 * ldexp(1.0, (int)d->bits - 1); }

unsigned cim_analog_lossless_bits(unsigned rows_active)
{
    unsigned b = 1;
    while (b < 32 && ((uint64_t)1 << b) - 1 < rows_active)
        b++;
    return b;
}

uint32_t cim_analog_adc_read(uint32_t p, unsigned bits, unsigned lsb_cells)
{
    uint64_t lsb = lsb_cells ? lsb_cells : 1;
    uint64_t max_code = ((uint64_t)1 << (bits < 32 ? bits : 32)) - 1;
    uint64_t code = (2 * (uint64_t)p + lsb) / (2 * lsb); /* floor(p / lsb + 1/2) */
    if (code > max_code)
        code = max_code;
    uint64_t v = code * lsb;
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}
