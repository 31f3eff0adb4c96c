/* GPU baseline (RTX 4090 by default): energy per inference = power x time, time from peak
 * throughput x utilisation at the batch size plus kernel-launch overhead; or from measured
 * power samples. Formulas and sources: docs/energy.md, section "GPU baseline". */
#ifndef CIM_GPU_H
#define CIM_GPU_H

#include "models/config/config.h"

#ifdef __cplusplus
extern "C" {
#endif

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
} CimGpuResult;

/* u(B) = max * B / (B + half_batch). Example: max 0.5, half 64, B 64 -> 0.25. */
double cim_gpu_utilisation(const CimGpuCfg *g, unsigned batch);
/* Power while running at utilisation u: board_power_w (power_model board), or
 * idle_power_w + (board_power_w - idle_power_w) * u (linear). */
double cim_gpu_power_w(const CimGpuCfg *g, double u);
/* The model for the cfg's batch size over n layers (energy in joules, times in seconds). */
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
