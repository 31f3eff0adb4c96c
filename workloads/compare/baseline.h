/* The baselines on a network: the analogue crossbar forward pass with bit-true ADC read-out
 * of every conv partial sum (accuracy at a given ADC resolution), the layer shapes the
 * analogue cost model takes, and the layer list of the GPU model. docs/energy.md. */
#ifndef CIM_BASELINE_H
#define CIM_BASELINE_H

#include "models/analog/analog.h"
#include "models/gpu/gpu.h"
#include "workloads/compile/compile.h"
#include "workloads/net/net.h"

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

#ifdef __cplusplus
}
#endif
#endif
