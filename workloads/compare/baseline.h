/* The baselines on a network: the analogue crossbar forward pass with bit-true ADC read-out
 * of every conv partial sum (accuracy at a given ADC resolution), the layer shapes the
 * analogue cost model takes, and the layer list of the GPU model. docs/energy.md. */
#ifndef CIM_BASELINE_H
#define CIM_BASELINE_H

#include "models/analog/analog.h"
#include "models/gpu/gpu.h"
#include "models/host/host.h"
#include "workloads/compile/compile.h"
#include "workloads/net/net.h"
#include "workloads/pointnet/pointnet.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct CimAnalogNet CimAnalogNet;

/* Programs every conv2d_binary layer of net onto crossbars under cfg (net's weights are
 * copied; net must outlive the object for its host layers). mode is what a pruned filter
 * computes, as the digital run's pruned_filters: reference (its zeroed weights act as all
 * -1 and its bias is added) or skip (output exactly 0). Which filters have columns is
 * cfg->xbar.pruned_filters. CIM_ERR_RANGE if a conv layer does not map, CIM_ERR_NOMEM. */
CimStatus cim_analog_net_create(const CimAnalogCfg *cfg, const CimNet *net, CimPrunedMode mode,
                                CimAnalogNet **out);
void cim_analog_net_destroy(CimAnalogNet *an);
/* Number of conv layers (entries of the act and shape arrays below). */
size_t cim_analog_net_convs(const CimAnalogNet *an);

/* One image (in_c x in_h x in_w uint8 pixels) through the network: each conv layer
 * binarises its input (v > 0 -> +1, else -1; the image after ToTensor + Normalize in
 * float32), runs on the crossbars with every partial sum ADC-read, adds its bias in
 * float32; max-pool, ReLU, flatten and linear layers run in float32 in the reference's
 * order (linear: sum from input 0 upwards, then the bias). logits: the last layer's
 * outputs. act (may be NULL): one entry per conv layer, added to. conv_acc (may be NULL):
 * one pointer per conv layer to [filters][out_h][out_w] ints to receive its dot products.
 * With adc.bits >= cim_analog_lossless_bits(rows_active) and lsb_cells 1, the result equals
 * the exact network bit for bit. Returns CIM_OK (scratch is allocated at creation). Not
 * thread-safe on one object. */
CimStatus cim_analog_net_forward(CimAnalogNet *an, const uint8_t *pixels, float *logits, CimAnalogActivity *act,
                                 int32_t *const *conv_acc);

/* The conv layers' shapes for cim_analog_net_cost: out_bits 1 for layers whose outputs are
 * binarised for the next conv, 32 for the last conv (integers to the host, as the chip);
 * out_values after the max-pool that the chip fuses. out: cim_analog_net_convs entries. */
void cim_analog_net_shapes(const CimAnalogNet *an, CimAnalogShape *out);

/* The network as the GPU runs it: conv2d_binary and linear layers are matmuls of
 * cim_layer_macs MACs (pruned filters included: dense kernels) with kernels_per_conv /
 * kernels_per_linear launches; ReLU and max-pool are elementwise (4-byte values read and
 * written) with kernels_per_elementwise; flatten is a view (no kernel, not listed).
 * Writes at most net->n entries to out (may be NULL) and returns how many there are. */
size_t cim_gpu_net_layers(const CimGpuCfg *g, const CimNet *net, CimGpuLayer *out);

/* ---- the host's share (host_net.c; docs/energy.md, "Host processor") --------------- */
/* 1 when layer i of an image network runs on the host: a host layer, or a fused layer
 * (max-pool, ReLU) whose previous layer does not run on the chip. */
int cim_host_net_on_host(const CimNet *net, size_t i);
/* Host work per image of layer i of an image network when it runs on the host (else
 * zero): linear in x out MACs, out bias adds, (in x out + in + out (+ out)) x 4 bytes;
 * ReLU one compare per value, max-pool one compare per input value beyond the first of
 * each window; 8 bytes per value in and out; flatten nothing (a view). */
void cim_host_net_layer_work(const CimNet *net, size_t i, CimHostWork *out);

/* The reference's distance |a|^2 + |b|^2 - 2 a.b (cim_pn_dist): 9 MACs, 4 ops (x2, +, -,
 * the clamp's compare), 1 square root, 12 bytes (b's coordinates). */
void cim_host_pn_dist_work(CimHostWork *out);
/* Host work per cloud of layer i of a point-cloud network, the set abstractions' int8 convs
 * on the chip (docs/energy.md gives each term): FPS (npoint x points distances, a running
 * minimum and an argmax compare each, 8 bytes of running minimum), ball query (npoint x
 * points distances, a compare each, nsample 4-byte indices per centre), grouping (3
 * subtractions per row, its values read and written), per conv the input's quantisation
 * (min and max, divide, add, round, convert: 5 ops and a divide per value, 9 bytes),
 * BatchNorm folding (per channel a square root, a divide, 2 ops, 16 bytes) and BatchNorm +
 * ReLU on the integer outputs (convert, MAC, compare; 8 bytes per value), the max over
 * each group; the head's linear, BatchNorm and ReLU in float32; dropout nothing. */
void cim_host_pn_layer_work(const CimPnNet *net, size_t i, CimHostWork *out);

/* The point-cloud network as the GPU runs it (the reference's PyTorch, eval): per set
 * abstraction FPS (npoint steps of kernels_per_fps_step launches, its distances and running
 * minimum as memory traffic), ball query and grouping (elementwise), per conv the input
 * and weight quantisation (elementwise), the conv (a matmul of its MACs, pruned filters
 * included), BatchNorm and ReLU (elementwise), the max (elementwise); the head's linear
 * layers (matmul), BatchNorm and ReLU (elementwise); dropout nothing (eval). Bytes: 4 per
 * value read and written. Writes at most cim_gpu_pn_layers(g, net, NULL) entries. */
size_t cim_gpu_pn_layers(const CimGpuCfg *g, const CimPnNet *net, CimGpuLayer *out);

#ifdef __cplusplus
}
#endif
#endif
