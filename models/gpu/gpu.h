/* GPU baseline (RTX 4090 by default): energy per inference = power x time, time from peak
 * throughput x utilisation at the batch size plus kernel-launch overhead; or from measured
 * power samples. Formulas and sources: docs/energy.md, section "GPU baseline". */
#ifndef CIM_GPU_H
#define CIM_GPU_H

#include "models/config/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the baseline's configuration (configs/baselines/NAME.yaml, root key gpu:) ----- */
/* Energy per inference = power x time, from peak throughput, utilisation at the batch size
 * and kernel-launch overhead; or measured power samples. The key table (ranges, units,
 * defaults) is cim_gpu_schema (gpu_cfg.c); docs/energy.md, "GPU baseline". */
typedef enum { CIM_GPU_FP32, CIM_GPU_INT8, CIM_GPU_PRECISION_COUNT } CimGpuPrecision;
#define CIM_GPU_PRECISION_NAMES "fp32,int8" /* gpu.throughput.precision, in enum order */
/* board: board power while running; linear: idle + (board - idle) x utilisation. */
typedef enum { CIM_GPU_POWER_BOARD, CIM_GPU_POWER_LINEAR, CIM_GPU_POWER_COUNT } CimGpuPowerModel;
#define CIM_GPU_POWER_NAMES "board,linear" /* gpu.run.power_model, in enum order */

typedef struct {
    double board_power_w;           /* total graphics power */
    double idle_power_w;            /* below board_power_w */
    double memory_bandwidth_gbs;
} CimGpuBoardCfg;

typedef struct {
    double fp32_tflops;
    double int8_dense_tops;
    CimGpuPrecision precision;      /* which peak the network runs at */
} CimGpuThroughputCfg;

typedef struct {
    double max;                     /* utilisation approached at large batches */
    double half_batch;              /* batch size at which utilisation is max / 2 */
} CimGpuUtilCfg;

typedef struct {
    double overhead_us;             /* per kernel launch */
    unsigned kernels_per_conv, kernels_per_linear, kernels_per_elementwise;
    unsigned kernels_per_fps_step;  /* point clouds: launches per farthest-point-sampling step */
} CimGpuLaunchCfg;

typedef struct {
    unsigned batch_size;
    CimGpuPowerModel power_model;
    int count_idle;                 /* 0: idle power is subtracted (energy above idle) */
} CimGpuRunCfg;

typedef struct {
    char power_csv[CIM_PATH_MAX];   /* time_s,power_w samples; resolved relative to the file */
    uint64_t inferences;            /* inferences run while the samples were taken */
} CimGpuMeasuredCfg;

typedef struct {
    char name[CIM_NAME_MAX];
    CimGpuBoardCfg board;
    CimGpuThroughputCfg throughput;
    CimGpuUtilCfg util;
    CimGpuLaunchCfg launch;
    CimGpuRunCfg run;
    int has_measured;               /* 1: the file has a measured: group */
    CimGpuMeasuredCfg measured;     /* zero when has_measured is 0 */
} CimGpuCfg;

/* ---- the baseline file (gpu_cfg.c) ------------------------------------------------ */
/* The key table of GPU-baseline files (root gpu:), offsets into CimGpuCfg. */
extern const CimCfgSchema cim_gpu_schema;
/* Loads a GPU-baseline file (configs/baselines/rtx4090.yaml); measured.power_csv is
 * resolved relative to the file (an override's value is taken as written); overrides must
 * all start with "gpu.". Errors as cim_cfg_load; out is fully written only on CIM_OK. */
CimStatus cim_gpu_cfg_load(const char *path, const CimOverrides *ov, CimGpuCfg *out, CimDiag *diag);
/* Validates one file (a CimCfgKind checker for `dcim check`). */
CimStatus cim_gpu_cfg_check(const char *path, CimDiag *diag);
/* The documented defaults: configs/baselines/rtx4090.yaml (has_measured 0). */
void cim_gpu_cfg_defaults(CimGpuCfg *out);

typedef enum {
    CIM_GPU_L_MATMUL,      /* conv or linear: compute bound, 2 ops per MAC */
    CIM_GPU_L_ELEMENTWISE  /* ReLU, max-pool, binarisation: memory bound */
} CimGpuLayerKind;

/* One network layer as the GPU runs it, per image. */
typedef struct {
    CimGpuLayerKind kind;
    uint64_t macs;         /* matmul: multiply-accumulates */
    uint64_t bytes;        /* elementwise: bytes read and written */
    unsigned kernels;      /* kernel launches per batch */
} CimGpuLayer;

typedef struct {
    unsigned batch;
    double utilisation;    /* u(B) = max * B / (B + half_batch) */
    double power_w;        /* while running (board, or idle + (board - idle) * u) */
    double compute_s;      /* per batch: sum over matmul layers of 2 macs B / (peak u) */
    double memory_s;       /* per batch: sum over elementwise layers of bytes B / (bandwidth u) */
    double launch_s;       /* per batch: kernels x overhead */
    double batch_s;        /* compute + memory + launch: the latency of one batch */
    double ops_per_inference;
    double energy_per_inference_j; /* (power - idle unless count_idle) x batch_s / B */
    /* The idealised floor per inference: every layer at the peak (utilisation 1: matmuls at
     * peak_ops, elementwise layers at the full memory bandwidth), no launch overhead, no idle
     * time; at board power: floor_j = board_power_w x floor_s. */
    double floor_s, floor_energy_per_inference_j;
} CimGpuResult;

/* u(B) = max * B / (B + half_batch). Example: max 0.5, half 64, B 64 -> 0.25. */
double cim_gpu_utilisation(const CimGpuCfg *g, unsigned batch);
/* Power while running at utilisation u: board_power_w (power_model board), or
 * idle_power_w + (board_power_w - idle_power_w) * u (linear). */
double cim_gpu_power_w(const CimGpuCfg *g, double u);
/* The model for the cfg's batch size over n layers (energy in joules, times in seconds), and
 * its idealised floor. Example floor: one matmul of 1e9 MACs at 100 TFLOPS peak, 400 W board
 * -> floor_s 2e-5 s, floor 8e-3 J, at any batch size. */
void cim_gpu_estimate(const CimGpuCfg *g, const CimGpuLayer *layers, size_t n, CimGpuResult *out);

/* ---- measured power samples (measured.c) ----------------------------------------- */
typedef struct {
    size_t samples;
    double t0_s, t1_s;          /* first and last sample time */
    double energy_j;            /* trapezoid integral of power over [t0, t1], less idle x
                                 * (t1 - t0) when count_idle is 0 */
    double mean_power_w;        /* energy_j / (t1 - t0) */
    uint64_t inferences;
    double energy_per_inference_j;
} CimGpuMeasured;

/* Reads a CSV of power samples: one "time_s,power_w" pair per line (seconds, watts);
 * blank lines, lines starting with '#' and one header line "time_s,power_w" are skipped.
 * Times must be finite and strictly increasing, powers finite and >= 0, and there must be
 * at least two samples. Every problem is reported as path:line:col (capped as CimDiag
 * caps), e.g. "p.csv:3:5: error: power_w must be a finite number >= 0, got 'x'".
 * Returns CIM_ERR_IO (reported), CIM_ERR_CONFIG, CIM_ERR_NOMEM or CIM_OK; inferences 0 is
 * CIM_ERR_RANGE. out is written only on CIM_OK. */
CimStatus cim_gpu_measured_read(const char *path, uint64_t inferences, int count_idle, double idle_w,
                                CimGpuMeasured *out, CimDiag *diag);

#ifdef __cplusplus
}
#endif
#endif
