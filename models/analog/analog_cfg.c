/* The analogue baseline's file (root analog:): its key table, the rules between keys and
 * its loader. Defaults equal configs/baselines/analog_180nm.yaml; docs/energy.md gives each
 * key's source and the formula that uses it (the key table there is generated from this one). */
#include "models/analog/analog.h"

#include <stddef.h>

_Static_assert(sizeof(CimAdcModel) == sizeof(int) && sizeof(CimAnalogPruned) == sizeof(int),
               "enum keys are stored as int");

#define A(f) offsetof(CimAnalogCfg, f)

static const CimCfgKey analog_keys[] = {
    /* path                                   type            rule            lo  hi                       unit     field                              default         choices                  description */
    CIM_CFG_GROUP("analog", "analogue RRAM CIM baseline: crossbars, ADCs, DACs, sample-and-hold, shift-add"),
    {"analog.name",                           CIM_CFG_STRING, CIM_CFG_ANY,    0,  0,                       "",      A(name),                           "analog_180nm", NULL,                    "name shown in reports"},
    CIM_CFG_SOURCE("analog.source"),
    CIM_CFG_GROUP("analog.crossbar", "crossbar geometry and mapping"),
    CIM_CFG_SOURCE("analog.crossbar.source"),
    {"analog.crossbar.rows",                  CIM_CFG_UINT,   CIM_CFG_POW2,   16, 4096,                    "cells", A(xbar.rows),                      "256",          NULL,                    "word lines per crossbar"},
    {"analog.crossbar.cols",                  CIM_CFG_UINT,   CIM_CFG_POW2,   16, 4096,                    "cells", A(xbar.cols),                      "256",          NULL,                    "bit lines per crossbar"},
    {"analog.crossbar.rows_active",           CIM_CFG_UINT,   CIM_CFG_CLOSED, 1,  4096,                    "",      A(xbar.rows_active),               "128",          NULL,                    "filter elements summed by one read (one conversion); x cells_per_weight <= rows"},
    {"analog.crossbar.cells_per_weight",      CIM_CFG_UINT,   CIM_CFG_CLOSED, 1,  2,                       "",      A(xbar.cells_per_weight),          "1",            NULL,                    "1: one 0/1 cell per weight; 2: XNOR pair on two rows"},
    {"analog.crossbar.pruned_filters",        CIM_CFG_ENUM,   CIM_CFG_ANY,    0,  CIM_ANALOG_PRUNED_COUNT, "",      A(xbar.pruned_filters),            "skip",         CIM_ANALOG_PRUNED_NAMES, "`skip`: pruned filters get no columns (the digital chip's mapping); `map`: columns like the others"},
    CIM_CFG_GROUP("analog.adc", "column ADCs"),
    CIM_CFG_SOURCE("analog.adc.source"),
    {"analog.adc.model",                      CIM_CFG_ENUM,   CIM_CFG_ANY,    0,  CIM_ADC_MODEL_COUNT,     "",      A(adc.model),                      "neurosim_sar", CIM_ADC_MODEL_NAMES,     "energy and area model of one ADC"},
    {"analog.adc.bits",                       CIM_CFG_UINT,   CIM_CFG_CLOSED, 1,  16,                      "bits",  A(adc.bits),                       "8",            NULL,                    "resolution"},
    {"analog.adc.share",                      CIM_CFG_UINT,   CIM_CFG_POW2,   1,  4096,                    "",      A(adc.share),                      "8",            NULL,                    "columns per ADC through a column mux; at most crossbar.cols"},
    {"analog.adc.lsb_cells",                  CIM_CFG_UINT,   CIM_CFG_CLOSED, 1,  4096,                    "cells", A(adc.lsb_cells),                  "1",            NULL,                    "one LSB in unit-cell currents"},
    {"analog.adc.cycle_ns",                   CIM_CFG_DOUBLE, CIM_CFG_POS,    0,  0,                       "ns",    A(adc.cycle_ns),                   "1",            NULL,                    "conversion time t_conv = (bits + 1) x cycle_ns"},
    {"analog.adc.sar_uw_per_bit",             CIM_CFG_DOUBLE, CIM_CFG_NONNEG, 0,  0,                       "uW",    A(adc.sar_uw_per_bit),             "8.4483",       NULL,                    "`neurosim_sar` power: P = sar_uw_per_bit x bits + sar_uw_fixed"},
    {"analog.adc.sar_uw_fixed",               CIM_CFG_DOUBLE, CIM_CFG_NONNEG, 0,  0,                       "uW",    A(adc.sar_uw_fixed),               "65.243",       NULL,                    "`neurosim_sar` power independent of bits"},
    {"analog.adc.sar_transistors_fixed",      CIM_CFG_DOUBLE, CIM_CFG_NONNEG, 0,  0,                       "",      A(adc.sar_transistors_fixed),      "478",          NULL,                    "`neurosim_sar` area: transistors of a 1-bit ADC"},
    {"analog.adc.sar_transistors_per_bit",    CIM_CFG_DOUBLE, CIM_CFG_NONNEG, 0,  0,                       "",      A(adc.sar_transistors_per_bit),    "182",          NULL,                    "`neurosim_sar` area: transistors per further bit"},
    {"analog.adc.transistor_area_f2",         CIM_CFG_DOUBLE, CIM_CFG_POS,    0,  0,                       "F^2",   A(adc.transistor_area_f2),         "212.8",        NULL,                    "layout area of one minimum transistor"},
    {"analog.adc.walden_fom_fj",              CIM_CFG_DOUBLE, CIM_CFG_POS,    0,  0,                       "fJ",    A(adc.walden_fom_fj),              "35.9",         NULL,                    "`walden`: energy per conversion step, E = walden_fom_fj x 2^bits"},
    {"analog.adc.walden_area_um2",            CIM_CFG_DOUBLE, CIM_CFG_POS,    0,  0,                       "um^2",  A(adc.walden_area_um2),            "72000",        NULL,                    "`walden`: area of one ADC"},
    {"analog.adc.mux_transistors_per_column", CIM_CFG_DOUBLE, CIM_CFG_NONNEG, 0,  0,                       "",      A(adc.mux_transistors_per_column), "2",            NULL,                    "column mux (a transmission gate) per column, when share > 1"},
    CIM_CFG_GROUP("analog.dac", "input drivers"),
    CIM_CFG_SOURCE("analog.dac.source"),
    {"analog.dac.bits",                       CIM_CFG_UINT,   CIM_CFG_CLOSED, 1,  8,                       "bits",  A(dac.bits),                       "1",            NULL,                    "input bits applied per read"},
    {"analog.dac.power_1bit_uw",              CIM_CFG_DOUBLE, CIM_CFG_NONNEG, 0,  0,                       "uW",    A(dac.power_1bit_uw),              "3.9",          NULL,                    "power of a 1-bit DAC; x 2^(bits-1)"},
    {"analog.dac.area_1bit_um2",              CIM_CFG_DOUBLE, CIM_CFG_NONNEG, 0,  0,                       "um^2",  A(dac.area_1bit_um2),              "0.166",        NULL,                    "area of a 1-bit DAC; x 2^(bits-1)"},
    CIM_CFG_GROUP("analog.sample_hold", "one sample-and-hold per column"),
    CIM_CFG_SOURCE("analog.sample_hold.source"),
    {"analog.sample_hold.power_nw",           CIM_CFG_DOUBLE, CIM_CFG_NONNEG, 0,  0,                       "nW",    A(sh.power_nw),                    "9.7",          NULL,                    "one sample-and-hold while it holds"},
    {"analog.sample_hold.area_um2",           CIM_CFG_DOUBLE, CIM_CFG_NONNEG, 0,  0,                       "um^2",  A(sh.area_um2),                    "0.039",        NULL,                    "one sample-and-hold"},
    CIM_CFG_GROUP("analog.digital", "shift-add, accumulation and buffer"),
    CIM_CFG_SOURCE("analog.digital.source"),
    {"analog.digital.accumulator_bits",       CIM_CFG_UINT,   CIM_CFG_CLOSED, 8,  64,                      "bits",  A(digital.accumulator_bits),       "16",           NULL,                    "shift-add accumulator width"},
    {"analog.digital.buffer_kib",             CIM_CFG_UINT,   CIM_CFG_CLOSED, 1,  1048576,                 "KiB",   A(digital.buffer_kib),             "64",           NULL,                    "global buffer size"},
    CIM_CFG_GROUP("analog.multibit", "int8 layers: bit-sliced weights, bit-serial inputs"),
    CIM_CFG_SOURCE("analog.multibit.source"),
    {"analog.multibit.bits_per_cell",         CIM_CFG_UINT,   CIM_CFG_CLOSED, 1,  8,                       "bits",  A(multibit.bits_per_cell),         "1",            NULL,                    "weight bits per cell: ceil(8 / bits_per_cell) columns per int8 weight"},
    {"analog.multibit.input_bits_per_step",   CIM_CFG_UINT,   CIM_CFG_CLOSED, 1,  8,                       "bits",  A(multibit.input_bits_per_step),   "1",            NULL,                    "input bits applied per read (a DAC of this many bits): ceil(8 / it) steps per input"},
    {"analog.multibit.accumulator_bits",      CIM_CFG_UINT,   CIM_CFG_CLOSED, 8,  64,                      "bits",  A(multibit.accumulator_bits),      "32",           NULL,                    "shift-add accumulator width of int8 layers (int32 sums, as the reference)"},
};

/* The read spans rows_active * cells_per_weight rows of one crossbar; a mux cannot share
 * more columns than the crossbar has. */
static void analog_rules(CimCfgRules *r, const void *cfg)
{
    const CimAnalogCfg *c = cfg;
    char a[64], b[64], cpw[64];
    if (cim_cfg_rule_value(r, "analog.crossbar.rows", a, sizeof a) &&
        cim_cfg_rule_value(r, "analog.crossbar.rows_active", b, sizeof b) &&
        cim_cfg_rule_value(r, "analog.crossbar.cells_per_weight", cpw, sizeof cpw) &&
        (uint64_t)c->xbar.rows_active * c->xbar.cells_per_weight > c->xbar.rows)
        cim_cfg_rule_error(r, "analog.crossbar.rows_active",
                           "analog.crossbar.rows_active x analog.crossbar.cells_per_weight (%u) must be at most "
                           "analog.crossbar.rows (%s), got %s",
                           c->xbar.cells_per_weight, a, b);
    if (cim_cfg_rule_value(r, "analog.crossbar.cols", a, sizeof a) &&
        cim_cfg_rule_value(r, "analog.adc.share", b, sizeof b) && c->adc.share > c->xbar.cols)
        cim_cfg_rule_error(r, "analog.adc.share", "analog.adc.share must be at most analog.crossbar.cols (%s), got %s",
                           a, b);
}

const CimCfgSchema cim_analog_schema = {.root = "analog", .keys = analog_keys,
                                        .n = sizeof analog_keys / sizeof analog_keys[0],
                                        .size = sizeof(CimAnalogCfg), .rules = analog_rules};

CimStatus cim_analog_cfg_load(const char *path, const CimOverrides *ov, CimAnalogCfg *out, CimDiag *diag)
{
    return cim_cfg_load(path, &cim_analog_schema, ov, out, diag);
}

CimStatus cim_analog_cfg_check(const char *path, CimDiag *diag)
{
    CimAnalogCfg c;
    return cim_analog_cfg_load(path, NULL, &c, diag);
}

void cim_analog_cfg_defaults(CimAnalogCfg *out) { cim_cfg_schema_defaults(&cim_analog_schema, NULL, out); }
