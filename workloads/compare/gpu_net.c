/* The network as the GPU baseline runs it: one entry per layer that launches kernels. */
#include "workloads/compare/baseline.h"

static size_t elements(unsigned c, unsigned h, unsigned w) { return (size_t)c * h * w; }

/* The GPU view of one layer; 0 if it launches nothing (flatten is a view). */
static int gpu_layer(const CimGpuCfg *g, const CimLayer *l, CimGpuLayer *out)
{
    size_t in = elements(l->in_c, l->in_h, l->in_w), outn = elements(l->out_c, l->out_h, l->out_w);
    out->macs = 0;
    out->bytes = 0;
    switch (l->kind) {
    case CIM_L_CONV_BIN:
    case CIM_L_LINEAR:
        out->kind = CIM_GPU_L_MATMUL;
        out->macs = cim_layer_macs(l);
        out->kernels = l->kind == CIM_L_CONV_BIN ? g->launch.kernels_per_conv : g->launch.kernels_per_linear;
        return 1;
    case CIM_L_RELU:
    case CIM_L_MAXPOOL:
        out->kind = CIM_GPU_L_ELEMENTWISE;
        out->bytes = 4 * (uint64_t)(in + outn); /* float32 read and written */
        out->kernels = g->launch.kernels_per_elementwise;
        return 1;
    default:
        return 0;
    }
}

size_t cim_gpu_net_layers(const CimGpuCfg *g, const CimNet *net, CimGpuLayer *out)
{
    size_t n = 0;
    for (size_t i = 0; i < net->n; i++) {
        CimGpuLayer l;
        if (!gpu_layer(g, &net->layers[i], &l))
            continue;
        if (out)
            out[n] = l;
        n++;
    }
    return n;
}
