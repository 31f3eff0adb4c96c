/* The key schema of the baseline files: the analogue RRAM CIM baseline (analog:) and the
 * GPU baseline (gpu:). Defaults equal configs/baselines/analog_180nm.yaml and rtx4090.yaml;
 * docs/energy.md gives each key's meaning, source and the formula that uses it. */
#include "models/config/config_impl.h"

#include <stddef.h>

_Static_assert(sizeof(CimAdcModel) == sizeof(int) && sizeof(CimAnalogPruned) == sizeof(int) &&
                   sizeof(CimGpuPrecision) == sizeof(int) && sizeof(CimGpuPowerModel) == sizeof(int),
               "enum keys are stored as int");

#define A(f) offsetof(CimAnalogCfg, f)
#define G(f) offsetof(CimGpuCfg, f)

static const CimCfgKey analog_keys[] = {
    /* path                                type       rule        lo  hi       unit    field                               default         choices              description */
    CIM_CFG_GROUP("analog", "analogue RRAM CIM baseline: crossbars, ADCs, DACs, sample-and-hold, shift-add"),
    {"analog.name",                        CIM_CFG_STRING, CIM_CFG_ANY,    0,  0,       "",     A(name),                            "analog_180nm", NULL,                "name shown in reports"},
    CIM_CFG_SOURCE("analog.source"),
    CIM_CFG_GROUP("analog.crossbar", "crossbar geometry and mapping"),
    CIM_CFG_SOURCE("analog.crossbar.source"),
    {"analog.crossbar.rows",               CIM_CFG_UINT,   CIM_CFG_POW2,    16, 4096,    "cells",A(xbar.rows),                       "256",          NULL,                "word lines per crossbar"},
    {"analog.crossbar.cols",               CIM_CFG_UINT,   CIM_CFG_POW2,    16, 4096,    "cells",A(xbar.cols),                       "256",          NULL,                "bit lines per crossbar"},
    {"analog.crossbar.rows_active",        CIM_CFG_UINT,   CIM_CFG_CLOSED,  1,  4096,    "",     A(xbar.rows_active),                "128",          NULL,                "filter elements summed by one read; x cells_per_weight <= rows"},
    {"analog.crossbar.cells_per_weight",   CIM_CFG_UINT,   CIM_CFG_CLOSED,  1,  2,       "",     A(xbar.cells_per_weight),           "1",            NULL,                "1: one 0/1 cell per weight; 2: XNOR pair on two rows"},
    {"analog.crossbar.pruned_filters",     CIM_CFG_ENUM,   CIM_CFG_ANY,    0,  0,       "",     A(xbar.pruned_filters),             "skip",         "skip,map",          "pruned filters get no columns, or columns like the others"},
    CIM_CFG_GROUP("analog.adc", "column ADCs"),
    CIM_CFG_SOURCE("analog.adc.source"),
    {"analog.adc.model",                   CIM_CFG_ENUM,   CIM_CFG_ANY,    0,  0,       "",     A(adc.model),                       "neurosim_sar", "neurosim_sar,walden", "energy and area model"},
    {"analog.adc.bits",                    CIM_CFG_UINT,   CIM_CFG_CLOSED,  1,  16,      "bits", A(adc.bits),                        "8",            NULL,                "resolution"},
    {"analog.adc.share",                   CIM_CFG_UINT,   CIM_CFG_POW2,    1,  4096,    "",     A(adc.share),                       "8",            NULL,                "columns per ADC (column mux); <= cols"},
    {"analog.adc.lsb_cells",               CIM_CFG_UINT,   CIM_CFG_CLOSED,  1,  4096,    "cells",A(adc.lsb_cells),                   "1",            NULL,                "one LSB in unit-cell currents"},
    {"analog.adc.cycle_ns",                CIM_CFG_DOUBLE, CIM_CFG_POS,     0,  0,       "ns",   A(adc.cycle_ns),                    "1",            NULL,                "conversion time = (bits + 1) * cycle_ns"},
    {"analog.adc.sar_uw_per_bit",          CIM_CFG_DOUBLE, CIM_CFG_NONNEG,  0,  0,       "uW",   A(adc.sar_uw_per_bit),              "8.4483",       NULL,                "neurosim_sar power per bit"},
    {"analog.adc.sar_uw_fixed",            CIM_CFG_DOUBLE, CIM_CFG_NONNEG,  0,  0,       "uW",   A(adc.sar_uw_fixed),                "65.243",       NULL,                "neurosim_sar power independent of bits"},
    {"analog.adc.sar_transistors_fixed",   CIM_CFG_DOUBLE, CIM_CFG_NONNEG,  0,  0,       "",     A(adc.sar_transistors_fixed),       "478",          NULL,                "neurosim_sar area: transistors of a 1-bit ADC"},
    {"analog.adc.sar_transistors_per_bit", CIM_CFG_DOUBLE, CIM_CFG_NONNEG,  0,  0,       "",     A(adc.sar_transistors_per_bit),     "182",          NULL,                "neurosim_sar area: transistors per further bit"},
    {"analog.adc.transistor_area_f2",      CIM_CFG_DOUBLE, CIM_CFG_POS,     0,  0,       "F^2",  A(adc.transistor_area_f2),          "212.8",        NULL,                "layout area of one minimum transistor"},
    {"analog.adc.walden_fom_fj",           CIM_CFG_DOUBLE, CIM_CFG_POS,     0,  0,       "fJ",   A(adc.walden_fom_fj),               "35.9",         NULL,                "walden: energy per conversion step"},
    {"analog.adc.walden_area_um2",         CIM_CFG_DOUBLE, CIM_CFG_POS,     0,  0,       "um^2", A(adc.walden_area_um2),             "72000",        NULL,                "walden: area of one ADC"},
    {"analog.adc.mux_transistors_per_column", CIM_CFG_DOUBLE, CIM_CFG_NONNEG, 0, 0,      "",     A(adc.mux_transistors_per_column),  "2",            NULL,                "column-mux transistors per column when share > 1"},
    CIM_CFG_GROUP("analog.dac", "input drivers"),
    CIM_CFG_SOURCE("analog.dac.source"),
    {"analog.dac.bits",                    CIM_CFG_UINT,   CIM_CFG_CLOSED,  1,  8,       "bits", A(dac.bits),                        "1",            NULL,                "input bits applied per read"},
    {"analog.dac.power_1bit_uw",           CIM_CFG_DOUBLE, CIM_CFG_NONNEG,  0,  0,       "uW",   A(dac.power_1bit_uw),               "3.9",          NULL,                "power of a 1-bit DAC; x 2^(bits-1)"},
    {"analog.dac.area_1bit_um2",           CIM_CFG_DOUBLE, CIM_CFG_NONNEG,  0,  0,       "um^2", A(dac.area_1bit_um2),               "0.166",        NULL,                "area of a 1-bit DAC; x 2^(bits-1)"},
    CIM_CFG_GROUP("analog.sample_hold", "one sample-and-hold per column"),
    CIM_CFG_SOURCE("analog.sample_hold.source"),
    {"analog.sample_hold.power_nw",        CIM_CFG_DOUBLE, CIM_CFG_NONNEG,  0,  0,       "nW",   A(sh.power_nw),                     "9.7",          NULL,                "power while holding"},
    {"analog.sample_hold.area_um2",        CIM_CFG_DOUBLE, CIM_CFG_NONNEG,  0,  0,       "um^2", A(sh.area_um2),                     "0.039",        NULL,                "area"},
    CIM_CFG_GROUP("analog.digital", "shift-add, accumulation and buffer"),
    CIM_CFG_SOURCE("analog.digital.source"),
    {"analog.digital.accumulator_bits",    CIM_CFG_UINT,   CIM_CFG_CLOSED,  8,  64,      "bits", A(digital.accumulator_bits),        "16",           NULL,                "shift-add accumulator width"},
    {"analog.digital.buffer_kib",          CIM_CFG_UINT,   CIM_CFG_CLOSED,  1,  1048576, "KiB",  A(digital.buffer_kib),              "64",           NULL,                "global buffer size"},
};

static const CimCfgKey gpu_keys[] = {
    /* path                                type       rule        lo  hi       unit    field                               default         choices              description */
    CIM_CFG_GROUP("gpu", "GPU baseline: power x time from throughput, utilisation and launch overhead"),
    {"gpu.name",                           CIM_CFG_STRING, CIM_CFG_ANY,    0,  0,       "",     G(name),                            "rtx4090",      NULL,                "name shown in reports"},
    CIM_CFG_SOURCE("gpu.source"),
    CIM_CFG_GROUP("gpu.board", "the board"),
    CIM_CFG_SOURCE("gpu.board.source"),
    {"gpu.board.board_power_w",            CIM_CFG_DOUBLE, CIM_CFG_POS,     0,  0,       "W",    G(board.board_power_w),             "450",          NULL,                "total graphics power"},
    {"gpu.board.idle_power_w",             CIM_CFG_DOUBLE, CIM_CFG_NONNEG,  0,  0,       "W",    G(board.idle_power_w),              "21",           NULL,                "idle power, below board_power_w"},
    {"gpu.board.memory_bandwidth_gbs",     CIM_CFG_DOUBLE, CIM_CFG_POS,     0,  0,       "GB/s", G(board.memory_bandwidth_gbs),      "1008",         NULL,                "DRAM bandwidth"},
    CIM_CFG_GROUP("gpu.throughput", "peak arithmetic throughput"),
    CIM_CFG_SOURCE("gpu.throughput.source"),
    {"gpu.throughput.fp32_tflops",         CIM_CFG_DOUBLE, CIM_CFG_POS,     0,  0,       "TFLOPS",G(throughput.fp32_tflops),         "82.6",         NULL,                "FP32 peak"},
    {"gpu.throughput.int8_dense_tops",     CIM_CFG_DOUBLE, CIM_CFG_POS,     0,  0,       "TOPS", G(throughput.int8_dense_tops),      "660.6",        NULL,                "INT8 tensor peak without sparsity"},
    {"gpu.throughput.precision",           CIM_CFG_ENUM,   CIM_CFG_ANY,    0,  0,       "",     G(throughput.precision),            "fp32",         "fp32,int8",         "which peak the network runs at"},
    CIM_CFG_GROUP("gpu.utilisation", "share of the peak reached at a batch size"),
    CIM_CFG_SOURCE("gpu.utilisation.source"),
    {"gpu.utilisation.max",                CIM_CFG_DOUBLE, CIM_CFG_OPEN_LO, 0,  1,       "",     G(util.max),                        "0.5",          NULL,                "utilisation approached at large batches"},
    {"gpu.utilisation.half_batch",         CIM_CFG_DOUBLE, CIM_CFG_NONNEG,  0,  0,       "",     G(util.half_batch),                 "64",           NULL,                "batch size reaching half of max"},
    CIM_CFG_GROUP("gpu.launch", "kernel launches"),
    CIM_CFG_SOURCE("gpu.launch.source"),
    {"gpu.launch.overhead_us",             CIM_CFG_DOUBLE, CIM_CFG_NONNEG,  0,  0,       "us",   G(launch.overhead_us),              "10",           NULL,                "fixed time per kernel launch"},
    {"gpu.launch.kernels_per_conv",        CIM_CFG_UINT,   CIM_CFG_CLOSED,  0,  1000,    "",     G(launch.kernels_per_conv),         "3",            NULL,                "kernels per binary conv layer"},
    {"gpu.launch.kernels_per_linear",      CIM_CFG_UINT,   CIM_CFG_CLOSED,  0,  1000,    "",     G(launch.kernels_per_linear),       "1",            NULL,                "kernels per linear layer"},
    {"gpu.launch.kernels_per_elementwise", CIM_CFG_UINT,   CIM_CFG_CLOSED,  0,  1000,    "",     G(launch.kernels_per_elementwise),  "1",            NULL,                "kernels per ReLU or max-pool layer"},
    CIM_CFG_GROUP("gpu.run", "how the inferences run"),
    CIM_CFG_SOURCE("gpu.run.source"),
    {"gpu.run.batch_size",                 CIM_CFG_UINT,   CIM_CFG_CLOSED,  1,  1048576, "",     G(run.batch_size),                  "1",            NULL,                "images per batch"},
    {"gpu.run.power_model",                CIM_CFG_ENUM,   CIM_CFG_ANY,    0,  0,       "",     G(run.power_model),                 "board",        "board,linear",      "power while running"},
    {"gpu.run.count_idle",                 CIM_CFG_BOOL,   CIM_CFG_ANY,    0,  0,       "",     G(run.count_idle),                  "true",         NULL,                "false: subtract idle power"},
    {"gpu.measured", CIM_CFG_MAP, CIM_CFG_OPTIONAL, 0, 0, "", G(has_measured), NULL, NULL, "measured power samples instead of the model; leave out to use the model"},
    {"gpu.measured.power_csv",             CIM_CFG_PATH,   CIM_CFG_ANY,    0,  0,       "",     G(measured.power_csv),              NULL,           NULL,                "CSV of time_s,power_w samples, relative to this file"},
    {"gpu.measured.inferences",            CIM_CFG_U64,    CIM_CFG_POS,     0,  0,       "",     G(measured.inferences),             NULL,           NULL,                "inferences run while sampling"},
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

/* Idle power below board power (error at idle_power_w). */
static void gpu_rules(CimCfgRules *r, const void *cfg)
{
    const CimGpuCfg *g = cfg;
    char a[64], b[64];
    if (cim_cfg_rule_value(r, "gpu.board.board_power_w", a, sizeof a) &&
        cim_cfg_rule_value(r, "gpu.board.idle_power_w", b, sizeof b) &&
        !(g->board.idle_power_w < g->board.board_power_w))
        cim_cfg_rule_error(r, "gpu.board.idle_power_w",
                           "gpu.board.idle_power_w must be below gpu.board.board_power_w (%s), got %s", a, b);
}

const CimCfgSchema cfg_schema_analog = {.root = "analog", .keys = analog_keys,
                                        .n = sizeof analog_keys / sizeof analog_keys[0],
                                        .size = sizeof(CimAnalogCfg), .rules = analog_rules};
const CimCfgSchema cfg_schema_gpu = {.root = "gpu", .keys = gpu_keys, .n = sizeof gpu_keys / sizeof gpu_keys[0],
                                     .size = sizeof(CimGpuCfg), .rules = gpu_rules};
