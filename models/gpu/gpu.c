/* The GPU model: peak throughput x utilisation for the arithmetic, DRAM bandwidth x
 * utilisation for elementwise layers, a fixed cost per kernel launch, and power x time.
 * Every number comes from the GPU file (configs/baselines/rtx4090.yaml). */
#include "models/gpu/gpu.h"

#include <string.h>

double cim_gpu_utilisation(const CimGpuCfg *g, unsigned batch)
{
    double b = batch ? batch : 1;
    return g->util.max * b / (b + g->util.half_batch);
}

double cim_gpu_power_w(const CimGpuCfg *g, double u)
{
    if (g->run.power_model == CIM_GPU_POWER_BOARD)
        return g->board.board_power_w;
    return g->board.idle_power_w + (g->board.board_power_w - g->board.idle_power_w) * u;
}

/* Peak operations per second of the configured precision. */
static double peak_ops(const CimGpuCfg *g)
{
    return g->throughput.precision == CIM_GPU_FP32 ? g->throughput.fp32_tflops * 1e12
                                                   : g->throughput.int8_dense_tops * 1e12;
}

/* compute_s, memory_s, launch_s and batch_s of one batch. */
static void batch_time(const CimGpuCfg *g, const CimGpuLayer *l, size_t n, CimGpuResult *r)
{
    double B = r->batch, ops_rate = peak_ops(g) * r->utilisation;
    double bytes_rate = g->board.memory_bandwidth_gbs * 1e9 * r->utilisation;
    for (size_t i = 0; i < n; i++) {
        if (l[i].kind == CIM_GPU_L_MATMUL) {
            r->compute_s += 2.0 * (double)l[i].macs * B / ops_rate;
            r->floor_s += 2.0 * (double)l[i].macs / peak_ops(g); /* the floor: utilisation 1, no launches */
        } else {
            r->memory_s += (double)l[i].bytes * B / bytes_rate;
            r->floor_s += (double)l[i].bytes / (g->board.memory_bandwidth_gbs * 1e9);
        }
        r->launch_s += l[i].kernels * g->launch.overhead_us * 1e-6;
        r->ops_per_inference += 2.0 * (double)l[i].macs;
    }
    r->batch_s = r->compute_s + r->memory_s + r->launch_s;
}

void cim_gpu_estimate(const CimGpuCfg *g, const CimGpuLayer *layers, size_t n, CimGpuResult *out)
{
    memset(out, 0, sizeof *out);
    out->batch = g->run.batch_size ? g->run.batch_size : 1;
    out->utilisation = cim_gpu_utilisation(g, out->batch);
    out->power_w = cim_gpu_power_w(g, out->utilisation);
    batch_time(g, layers, n, out);
    double p = g->run.count_idle ? out->power_w : out->power_w - g->board.idle_power_w;
    out->energy_per_inference_j = p * out->batch_s / out->batch;
    out->floor_energy_per_inference_j = g->board.board_power_w * out->floor_s;
}
