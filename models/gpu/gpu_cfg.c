/* The GPU baseline's file (root gpu:): its key table, the rules between keys and its
 * loader. Defaults equal configs/baselines/rtx4090.yaml; docs/energy.md gives each key's
 * source and the formula that uses it (the key table there is generated from this one). */
#include "models/gpu/gpu.h"

#include <stddef.h>

_Static_assert(sizeof(CimGpuPrecision) == sizeof(int) && sizeof(CimGpuPowerModel) == sizeof(int),
               "enum keys are stored as int");

#define G(f) offsetof(CimGpuCfg, f)

static const CimCfgKey gpu_keys[] = {
    /* path                                type            rule              lo hi                       unit      field                              default    choices                  description */
    CIM_CFG_GROUP("gpu", "GPU baseline: power x time from throughput, utilisation and launch overhead"),
    {"gpu.name",                           CIM_CFG_STRING, CIM_CFG_ANY,      0, 0,                       "",       G(name),                           "rtx4090", NULL,                    "name shown in reports"},
    CIM_CFG_SOURCE("gpu.source"),
    CIM_CFG_GROUP("gpu.board", "the board"),
    CIM_CFG_SOURCE("gpu.board.source"),
    {"gpu.board.board_power_w",            CIM_CFG_DOUBLE, CIM_CFG_POS,      0, 0,                       "W",      G(board.board_power_w),            "450",     NULL,                    "total graphics power"},
    {"gpu.board.idle_power_w",             CIM_CFG_DOUBLE, CIM_CFG_NONNEG,   0, 0,                       "W",      G(board.idle_power_w),             "21",      NULL,                    "idle power, below `board_power_w`"},
    {"gpu.board.memory_bandwidth_gbs",     CIM_CFG_DOUBLE, CIM_CFG_POS,      0, 0,                       "GB/s",   G(board.memory_bandwidth_gbs),     "1008",    NULL,                    "DRAM bandwidth"},
    CIM_CFG_GROUP("gpu.throughput", "peak arithmetic throughput"),
    CIM_CFG_SOURCE("gpu.throughput.source"),
    {"gpu.throughput.fp32_tflops",         CIM_CFG_DOUBLE, CIM_CFG_POS,      0, 0,                       "TFLOPS", G(throughput.fp32_tflops),         "82.6",    NULL,                    "FP32 peak"},
    {"gpu.throughput.int8_dense_tops",     CIM_CFG_DOUBLE, CIM_CFG_POS,      0, 0,                       "TOPS",   G(throughput.int8_dense_tops),     "660.6",   NULL,                    "INT8 tensor peak without sparsity"},
    {"gpu.throughput.precision",           CIM_CFG_ENUM,   CIM_CFG_ANY,      0, CIM_GPU_PRECISION_COUNT, "",       G(throughput.precision),           "fp32",    CIM_GPU_PRECISION_NAMES, "which peak the network runs at"},
    CIM_CFG_GROUP("gpu.utilisation", "share of the peak reached at a batch size"),
    CIM_CFG_SOURCE("gpu.utilisation.source"),
    {"gpu.utilisation.max",                CIM_CFG_DOUBLE, CIM_CFG_OPEN_LO,  0, 1,                       "",       G(util.max),                       "0.5",     NULL,                    "utilisation approached at large batches"},
    {"gpu.utilisation.half_batch",         CIM_CFG_DOUBLE, CIM_CFG_NONNEG,   0, 0,                       "images", G(util.half_batch),                "64",      NULL,                    "batch size reaching half of max"},
    CIM_CFG_GROUP("gpu.launch", "kernel launches"),
    CIM_CFG_SOURCE("gpu.launch.source"),
    {"gpu.launch.overhead_us",             CIM_CFG_DOUBLE, CIM_CFG_NONNEG,   0, 0,                       "us",     G(launch.overhead_us),             "10",      NULL,                    "fixed time per kernel launch"},
    {"gpu.launch.kernels_per_conv",        CIM_CFG_UINT,   CIM_CFG_CLOSED,   0, 1000,                    "",       G(launch.kernels_per_conv),        "3",       NULL,                    "kernels per binary conv layer"},
    {"gpu.launch.kernels_per_linear",      CIM_CFG_UINT,   CIM_CFG_CLOSED,   0, 1000,                    "",       G(launch.kernels_per_linear),      "1",       NULL,                    "kernels per linear layer"},
    {"gpu.launch.kernels_per_elementwise", CIM_CFG_UINT,   CIM_CFG_CLOSED,   0, 1000,                    "",       G(launch.kernels_per_elementwise), "1",       NULL,                    "kernels per ReLU or max-pool layer"},
    {"gpu.launch.kernels_per_fps_step",    CIM_CFG_UINT,   CIM_CFG_CLOSED,   0, 1000,                    "",       G(launch.kernels_per_fps_step),    "4",       NULL,                    "point clouds: kernels per step of farthest point sampling (a Python loop in the reference)"},
    CIM_CFG_GROUP("gpu.run", "how the inferences run"),
    CIM_CFG_SOURCE("gpu.run.source"),
    {"gpu.run.batch_size",                 CIM_CFG_UINT,   CIM_CFG_CLOSED,   1, 1048576,                 "images", G(run.batch_size),                 "1",       NULL,                    "images per batch"},
    {"gpu.run.power_model",                CIM_CFG_ENUM,   CIM_CFG_ANY,      0, CIM_GPU_POWER_COUNT,     "",       G(run.power_model),                "board",   CIM_GPU_POWER_NAMES,     "power while running"},
    {"gpu.run.count_idle",                 CIM_CFG_BOOL,   CIM_CFG_ANY,      0, 0,                       "",       G(run.count_idle),                 "true",    NULL,                    "`false`: idle power is subtracted (the energy above idle)"},
    {"gpu.measured",                       CIM_CFG_MAP,    CIM_CFG_OPTIONAL, 0, 0,                       "",       G(has_measured),                   NULL,      NULL,                    "measured power samples instead of the model; leave out to use the model"},
    {"gpu.measured.power_csv",             CIM_CFG_PATH,   CIM_CFG_ANY,      0, 0,                       "",       G(measured.power_csv),             NULL,      NULL,                    "CSV of time_s,power_w samples (docs/energy.md, \"Measured numbers\"), relative to this file"},
    {"gpu.measured.inferences",            CIM_CFG_U64,    CIM_CFG_POS,      0, 0,                       "",       G(measured.inferences),            NULL,      NULL,                    "inferences run while sampling"},
};

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

const CimCfgSchema cim_gpu_schema = {.root = "gpu", .keys = gpu_keys, .n = sizeof gpu_keys / sizeof gpu_keys[0],
                                     .size = sizeof(CimGpuCfg), .rules = gpu_rules};

CimStatus cim_gpu_cfg_load(const char *path, const CimOverrides *ov, CimGpuCfg *out, CimDiag *diag)
{
    return cim_cfg_load(path, &cim_gpu_schema, ov, out, diag);
}

CimStatus cim_gpu_cfg_check(const char *path, CimDiag *diag)
{
    CimGpuCfg c;
    return cim_gpu_cfg_load(path, NULL, &c, diag);
}

void cim_gpu_cfg_defaults(CimGpuCfg *out) { cim_cfg_schema_defaults(&cim_gpu_schema, NULL, out); }
