/* PointNet++ (pointnet2_cls_ssg of the authors' PyTorch script, ../shared/research/
 * reference_pointnet.md): the network file, weights, per-tensor int8 quantisation, FPS, ball
 * query, grouping, BatchNorm, the float head, Euclidean filter pruning and the host reference
 * forward of one cloud at a time. docs/network.md, "Point-cloud networks". */
#ifndef CIM_POINTNET_H
#define CIM_POINTNET_H

#include "models/common/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
#define CIM_PN_LAYER(id, name, where) CIM_PN_##id,
#include "workloads/pointnet/layers.def"
#undef CIM_PN_LAYER
    CIM_PN_COUNT
} CimPnKind;

const char *cim_pn_kind_name(CimPnKind k);
/* "chip" or "host": layers.def's `where` column. */
const char *cim_pn_kind_where(CimPnKind k);

#define CIM_PN_MAX_MLP 8        /* convs in one set abstraction's MLP */
#define CIM_PN_MAX_LAYERS 64    /* layers in a point-cloud network file */
#define CIM_PN_BN_EPS 1e-5f     /* PyTorch's BatchNorm default, as the reference */

/* BatchNorm parameters of c channels, each array c floats. */
typedef struct {
    float *gamma, *beta, *mean, *var;
} CimPnBn;

typedef struct {
    CimPnKind kind;
    char name[64];              /* tensor prefix: "pt_sa1", "fc1", "bn1" ("" for relu, dropout) */
    unsigned line, col;         /* in the network file (0: unknown) */
    /* set_abstraction */
    int group_all;
    unsigned npoint, nsample;   /* 0 with group_all */
    float radius;               /* float32, as the reference compares float32 distances */
    unsigned n_mlp, mlp[CIM_PN_MAX_MLP];
    int prune;                  /* 1: Euclidean pruning applies to its convs (the reference: pt_sa1) */
    /* linear */
    unsigned out_features;
    int has_bias;
    double dropout_p;           /* dropout: recorded; eval mode makes it the identity */
    /* shapes (cim_pn_infer): points and channels in (SA: features without xyz) and out */
    unsigned in_points, in_c, out_points, out_c;
    /* weights: SA conv i [mlp[i]][cin_i] with its BN; linear [out][in] (+ bias); BN its own */
    float *w[CIM_PN_MAX_MLP];
    CimPnBn bn[CIM_PN_MAX_MLP];
    float *b;
    unsigned cin[CIM_PN_MAX_MLP];
} CimPnLayer;

typedef struct {
    char name[64];
    unsigned points, channels;  /* input: points per cloud, channels (xyz = the first three) */
    CimPnLayer *layers;
    size_t n;
    void *mem;                  /* one block for every weight array */
} CimPnNet;

/* Reads a point-cloud network file (docs/network.md): every key checked, all problems
 * reported as path:line:col (STYLE.md section 3), then the shapes (first error stops).
 * CIM_ERR_IO, CIM_ERR_CONFIG, CIM_ERR_NOMEM; out is written (zeroed weights) only on CIM_OK. */
CimStatus cim_pn_load(const char *path, CimPnNet *out, CimDiag *diag);
/* 1 when path's network.input has a `points` key: a point-cloud network (else an image one,
 * workloads/net). Reads the file; 0 when it cannot be read (the real loader reports), -1
 * when memory ran out (no answer). */
int cim_pn_is_pointcloud_file(const char *path);
/* cim_pn_load without keeping the net: the checker of `dcim check` for point-cloud networks. */
CimStatus cim_pn_check(const char *path, CimDiag *diag);
void cim_pn_free(CimPnNet *net);

/* PyTorch-default random weights from seed: conv and linear U(-1/sqrt(fan_in), +...), the
 * cls bias likewise; BatchNorm gamma 1, beta 0, mean 0, var 1. Deterministic. */
void cim_pn_init_random(CimPnNet *net, uint64_t seed);
/* Binds every tensor from a safetensors file by its reference state_dict name
 * (`pt_sa1.backbone.Conv0.weight` [64,3,1,1], `pt_sa1.backbone.Bn0.{weight,bias,
 * running_mean,running_var,num_batches_tracked}`, `fc1.weight`, `bn1.*`, `cls.bias`):
 * float tensors must be F32, num_batches_tracked an I64 scalar; missing, mis-shaped,
 * mistyped and unexpected tensors and NaN/Inf values (with their count) are all reported,
 * naming the file and tensor. CIM_ERR_IO, CIM_ERR_FORMAT, CIM_ERR_NOMEM. */
CimStatus cim_pn_load_weights(CimPnNet *net, const char *path, CimDiag *diag);
/* Writes the weights with the same names (num_batches_tracked omitted: F32 only), atomically. */
CimStatus cim_pn_save_weights(const CimPnNet *net, const char *path, CimDiag *diag);

/* ---- int8 quantisation (the reference's Quantize_int8, per whole tensor) ------------ */
typedef struct {
    float s, z; /* s = (max - min) / 255, z = -(min / s) + (-128), float32 */
} CimPnQuant;

/* Scale and zero point of n floats. CIM_ERR_RANGE when n is 0, a value is not finite, or
 * max == min (s = 0: the reference makes NaN codes; refused here). */
CimStatus cim_pn_quant_params(const float *x, size_t n, CimPnQuant *q);
/* q = round(x / s + z) in float32, half to even, no zero-point correction. CIM_ERR_RANGE
 * when a code falls outside [-128, 127] (the reference would keep it as a float). */
CimStatus cim_pn_quantise(const float *x, size_t n, const CimPnQuant *q, int8_t *codes);

/* The int8 codes w[F][C] of conv s of set abstraction l: its float weights quantised per
 * tensor as above (the same on every cloud). CIM_ERR_RANGE reported naming the layer and
 * conv when they cannot be (constant, not finite, a code out of range). */
CimStatus cim_pn_weight_codes(const CimPnLayer *l, unsigned s, int8_t *codes, CimDiag *diag);
/* Positions conv s of set abstraction l runs on per cloud: npoint x nsample, or every point
 * with group_all. */
size_t cim_pn_positions(const CimPnLayer *l);

/* THE int8 1x1 conv boundary: out[p][f] = sum_c x[p][c] * w[f][c], exact int32. The host
 * reference is this plain loop; the chip's bit-serial engine plugs in here. */
void cim_pn_conv_int8(const int8_t *x, const int8_t *w, size_t P, size_t C, size_t F, int32_t *out);

/* ---- sampling and grouping -------------------------------------------------------- */
/* The reference's get_dists for a (3 floats) and b: float32 |a|^2 + |b|^2 - 2 a.b, values
 * below 0 become 1e-7, then sqrt. */
float cim_pn_dist(const float *a, const float *b);
/* Farthest point sampling of m of the n points xyz[n][3], from index start (< n): running
 * minimum distances from 1e5, next = the first index of their maximum. idx gets m indices;
 * scratch holds n floats. */
void cim_pn_fps(const float *xyz, size_t n, size_t m, size_t start, uint32_t *idx, float *scratch);
/* Ball query: for each of the m centres, the first k indices (ascending) of the points with
 * dist <= r; missing slots filled with the first. CIM_ERR_RANGE when a centre has no point
 * within r (the reference would index past the cloud). */
CimStatus cim_pn_ball_query(const float *xyz, size_t n, const float *centres, size_t m, float r, size_t k,
                            uint32_t *idx);
/* Grouping: for centre i and neighbour j = idx[i*k + q], row (i*k + q) of out[m*k][3 + c]
 * holds xyz[j] - centre[i], then feat[j][0..c). */
void cim_pn_group(const float *xyz, const float *feat, size_t c, const float *centres, size_t m,
                  const uint32_t *idx, size_t k, float *out);

/* Eval BatchNorm of x[p][c] in place, float32: y = x * a + (beta - mean * a) with
 * a = gamma / sqrt(var + eps) (PyTorch's CPU form), then ReLU when relu is 1. */
void cim_pn_bn(float *x, size_t p, size_t c, const CimPnBn *bn, int relu);

/* ---- the forward ------------------------------------------------------------------- */
typedef struct {
    size_t fps_start;           /* FPS start index (the reference draws it at random) */
    /* optional: the first conv's integer outputs of the last cloud ([P][F], P = npoint*nsample) */
    int32_t *first_conv_out;
    size_t first_conv_cap;      /* int32s it holds */
    /* optional: the int8 conv boundary's engine (NULL: cim_pn_conv_int8, the host loop).
     * Conv s of net->layers[layer]: codes x[P][C] and w[F][C] in, out[P][F] the exact
     * int32 sums; anything but CIM_OK stops the forward (the engine reports in diag). */
    CimStatus (*conv)(void *ctx, size_t layer, unsigned s, const int8_t *x, const int8_t *w, size_t P, size_t C,
                      size_t F, int32_t *out, CimDiag *diag);
    void *conv_ctx;
} CimPnOpts;

/* One cloud xyz[points][3] (plus channels - 3 features per point, after xyz: feat[points][..],
 * NULL when channels is 3) through the network; logits gets the last layer's outputs.
 * Errors (CIM_ERR_RANGE, reported naming the layer and conv): a constant or out-of-range
 * quantised tensor, an empty ball, fps_start past the points; CIM_ERR_NOMEM. */
CimStatus cim_pn_forward(const CimPnNet *net, const float *xyz, const float *feat, const CimPnOpts *o,
                         float *logits, CimDiag *diag);
/* Outputs of the last layer (the class count). */
unsigned cim_pn_classes(const CimPnNet *net);
/* MACs per cloud of layer i (SA: its convs; linear: in x out; else 0). */
uint64_t cim_pn_layer_macs(const CimPnNet *net, size_t i);

/* ---- Euclidean pruning (the reference's quantize_prune_model) ------------------------ */
/* One round on a weight w[f][c]: filters whose float sum is non-zero take part; pair
 * distances ||w_i - w_j|| (float32); mean and population variance; a pair is close when
 * d < mean - b * var; filter i is pruned (zeroed) when its count > c_thr * (f - 1).
 * Distances: float32 differences, the sum of squares in double, the norm rounded to float32;
 * mean and variance in double. pruned[f] gets 1 for the filters this round zeroed, *removed
 * their count. CIM_ERR_NOMEM (w unchanged). */
CimStatus cim_pn_prune_weight(float *w, size_t f, size_t c, double b, double c_thr, uint8_t *pruned,
                              size_t *removed);
/* The same round with the distances of the int8 codes (the chip's version): gram[f][f] the
 * Gram matrix of the codes (G_ij = sum_k code_i[k] code_j[k], which the chip measures,
 * cim_pn_chip_gram), d_ij = scale * sqrt(G_ii + G_jj - 2 G_ij) in double, scale the weight
 * tensor's quantisation step s (the rule's mean - b * var is not scale-invariant, so the
 * code distances are brought back to the weights' units). Participation, statistics and
 * decision are the float rule's, code for code. */
CimStatus cim_pn_prune_gram(float *w, size_t f, size_t c, const int32_t *gram, double scale, double b, double c_thr,
                            uint8_t *pruned, size_t *removed);

#ifdef __cplusplus
}
#endif
#endif
