/* A network as the compiler and the host see it: layers with their shapes, float32
 * weights in PyTorch layouts (bound from a safetensors file or drawn at random), and which
 * filters are pruned. Network files are parsed by workloads/net/netfile.c. */
#ifndef CIM_NET_H
#define CIM_NET_H

#include "models/common/common.h"
#include "workloads/io/safetensors.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
#define CIM_LAYER(id, name, where) CIM_L_##id,
#include "workloads/net/layers.def"
#undef CIM_LAYER
    CIM_L_COUNT
} CimLayerKind;

typedef enum { CIM_WHERE_CHIP, CIM_WHERE_FUSED, CIM_WHERE_HOST } CimLayerWhere;

const char *cim_layer_kind_name(CimLayerKind k);
CimLayerWhere cim_layer_kind_where(CimLayerKind k);
/* "chip", "fused" or "host". */
const char *cim_layer_where_name(CimLayerWhere w);
/* CIM_ERR_RANGE if no layer type has this name. */
CimStatus cim_layer_kind_parse(const char *name, CimLayerKind *out);

typedef struct {
    CimLayerKind kind;
    char name[64];           /* weight names are "<name>.weight" and "<name>.bias" */
    unsigned line, col;      /* where the layer is in the network file (0: unknown) */
    /* parameters */
    unsigned out_channels, kernel, padding; /* conv2d_binary */
    unsigned pool;                          /* maxpool: kernel = stride */
    unsigned out_features;                  /* linear */
    int has_bias;
    /* shapes (filled by cim_net_infer); a flat vector is c = n, h = w = 1 */
    unsigned in_c, in_h, in_w, out_c, out_h, out_w;
    /* weights: conv [out][in][k][k], linear [out][in]; NULL for layers without */
    float *w, *b;
    size_t nw, nb;
    uint8_t *pruned;         /* per output filter (conv2d_binary), 1 = pruned */
} CimLayer;

typedef struct {
    char name[64];
    unsigned in_c, in_h, in_w;
    double in_div, in_mean, in_std;  /* input pixel p -> (p / div - mean) / std, float32 */
    CimLayer *layers;
    size_t n;
    CimAlloc alloc;
} CimNet;

void cim_net_free(CimNet *net);
/* Computes every layer's shapes, allocates weights (zeroed) and pruned flags; reports
 * shape errors (a linear after a 3-D tensor without flatten, a pool that does not divide,
 * a conv after a host layer) at the layer's position in `file`. */
CimStatus cim_net_infer(CimNet *net, const char *file, CimDiag *diag);
/* PyTorch-default random weights (U(-1/sqrt(fan_in), +1/sqrt(fan_in)) for weights and
 * biases) from seed: what an untrained model looks like. */
void cim_net_init_random(CimNet *net, uint64_t seed);
/* Binds every weight tensor from a safetensors file by name and shape; every missing or
 * mis-shaped tensor is reported. A conv filter whose weights are all zero is pruned. */
CimStatus cim_net_load_weights(CimNet *net, const char *path, CimDiag *diag);
/* Writes the weights as safetensors with PyTorch state_dict names (atomically). */
CimStatus cim_net_save_weights(const CimNet *net, const char *path, const char *const *meta_kv,
                               size_t n_meta, CimDiag *diag);
/* As cim_net_save_weights, with n_extra more tensors in the same file (their names must not
 * be the weights' names: the writer refuses duplicates). */
CimStatus cim_net_save_weights_plus(const CimNet *net, const char *path, const char *const *meta_kv, size_t n_meta,
                                    const CimStWriteTensor *extra, size_t n_extra, CimDiag *diag);
/* Filter length (in_c * k * k) of a conv layer, or in features of a linear one. */
size_t cim_layer_fan_in(const CimLayer *l);
/* MACs of one forward pass of layer l for one input (0 for layers without weights). */
uint64_t cim_layer_macs(const CimLayer *l);
/* MACs of the pruned filters of l (0 if none). */
uint64_t cim_layer_pruned_macs(const CimLayer *l);

#ifdef __cplusplus
}
#endif
#endif
