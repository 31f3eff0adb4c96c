/* Plain C reference of the paper's MNIST network (class VGG16 of CNN/cimcam_mnist_cnn.py,
 * wangsongq/Dynamic-Kernel-Pruning): nested loops over floats and ints, no bit packing, no chip
 * model. Tests check the chip simulation against it bit for bit. */
#ifndef CIM_REF_BNN_H
#define CIM_REF_BNN_H

#include <stddef.h>
#include <stdint.h>

#include "models/common/common.h"
#include "workloads/prune/prune.h"

#define CIM_REF_BNN_IMG 28   /* input side, pixels */
#define CIM_REF_BNN_C1 32    /* conv1 1 -> 32, 28x28, then pool to 14x14 */
#define CIM_REF_BNN_C2 64    /* conv2 32 -> 64, 14x14, then pool to 7x7 */
#define CIM_REF_BNN_C3 16    /* conv3 64 -> 16, 7x7 */
#define CIM_REF_BNN_FLAT 784 /* 16 * 7 * 7, PyTorch (C, H, W) order */
#define CIM_REF_BNN_F1 256
#define CIM_REF_BNN_F2 128
#define CIM_REF_BNN_OUT 10

/* PyTorch state_dict layouts: conv weight [out][in][kh][kw], linear weight [out][in]. The
 * *_pruned flags mark filters pruned; they matter only under CIM_REF_BNN_SKIP. About 1 MB:
 * allocate it on the heap. */
typedef struct {
    float conv1_w[CIM_REF_BNN_C1][1][3][3], conv1_b[CIM_REF_BNN_C1];
    float conv2_w[CIM_REF_BNN_C2][CIM_REF_BNN_C1][3][3], conv2_b[CIM_REF_BNN_C2];
    float conv3_w[CIM_REF_BNN_C3][CIM_REF_BNN_C2][3][3], conv3_b[CIM_REF_BNN_C3];
    float fc1_w[CIM_REF_BNN_F1][CIM_REF_BNN_FLAT], fc1_b[CIM_REF_BNN_F1];
    float fc2_w[CIM_REF_BNN_F2][CIM_REF_BNN_F1], fc2_b[CIM_REF_BNN_F2];
    float fc3_w[CIM_REF_BNN_OUT][CIM_REF_BNN_F2], fc3_b[CIM_REF_BNN_OUT];
    uint8_t conv1_pruned[CIM_REF_BNN_C1];
    uint8_t conv2_pruned[CIM_REF_BNN_C2];
    uint8_t conv3_pruned[CIM_REF_BNN_C3];
} CimRefBnnWeights;

/* What a pruned filter computes. */
typedef enum {
    /* The script: weights are binarised as w > 0 ? +1 : -1 whatever the flags say, so a
     * pruned (zeroed) filter acts as an all -1 filter and its bias is still added. */
    CIM_REF_BNN_REFERENCE = 0,
    /* A flagged filter is skipped: its accumulation and its output are exactly 0 (no bias). */
    CIM_REF_BNN_SKIP
} CimRefBnnPrunedMode;

/* Everything a forward pass computed, for inspection. About 250 kB: heap it. */
typedef struct {
    int8_t in_sign[CIM_REF_BNN_IMG][CIM_REF_BNN_IMG]; /* binarised conv1 input, +1 / -1 */
    int32_t acc1[CIM_REF_BNN_C1][28][28];             /* conv integer sums, before bias */
    int32_t acc2[CIM_REF_BNN_C2][14][14];
    int32_t acc3[CIM_REF_BNN_C3][7][7];
    float act1[CIM_REF_BNN_C1][14][14];               /* relu(maxpool2(acc1 + b)) */
    float act2[CIM_REF_BNN_C2][7][7];                 /* relu(maxpool2(acc2 + b)) */
    float act3[CIM_REF_BNN_FLAT];                     /* relu(acc3 + b), flattened (C, H, W) */
    float fc1[CIM_REF_BNN_F1];                        /* after ReLU */
    float fc2[CIM_REF_BNN_F2];                        /* after ReLU */
    float logits[CIM_REF_BNN_OUT];
} CimRefBnnTrace;

/* Normalised pixel as torchvision computes it in float32: (p / 255 - 0.1307) / 0.3081. */
float cim_ref_bnn_normalise(uint8_t pixel);

/* The script's binarisation: v > 0 -> +1, else -1 (so 0 and -0 give -1). */
int cim_ref_bnn_sign(float v);

/* One binary 3x3 convolution, stride 1, padding 1 with zero padding (a padded position adds 0,
 * not -1): acc[o][y][x] = sum over c, ky, kx of sign(w[o][c][ky][kx]) * in[c][y+ky-1][x+kx-1]
 * with in[] already +1 / -1. in: [cin][h][w], w: [cout][cin][3][3], acc: [cout][h][w].
 * A filter with skip[o] set (skip may be NULL) gets acc 0. */
void cim_ref_bnn_conv3x3(const int8_t *in, size_t cin, size_t h, size_t w, const float *wt,
                         size_t cout, const uint8_t *skip, int32_t *acc);

/* Forward pass of one 28x28 image (row-major uint8). The conv output is (float)acc + bias in
 * float32 (0 exactly for a skipped filter); conv1 and conv2 are followed by a 2x2 stride-2
 * max-pool and then ReLU, conv3 by ReLU; the FC layers compute y = b + sum_i W[o][i] x[i] in
 * float32, summing i upwards from 0 and adding the bias last, with ReLU after fc1 and fc2. */
void cim_ref_bnn_forward(const CimRefBnnWeights *w, const uint8_t *img,
                         CimRefBnnPrunedMode mode, CimRefBnnTrace *t);

/* Index of the largest logit, the first one on a tie (torch.argmax); a NaN counts as the
 * largest, as in torch. */
int cim_ref_bnn_argmax(const float *logits, size_t n);

/* Forward pass and argmax in one call. */
int cim_ref_bnn_predict(const CimRefBnnWeights *w, const uint8_t *img, CimRefBnnPrunedMode mode,
                        CimRefBnnTrace *t);

/* PyTorch's default init, in the order conv1 w, b, conv2 w, b, ... fc3 w, b: weights and biases
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform with a = sqrt(5)), fan_in = in * 9 for
 * conv and in for linear. Clears the pruned flags. Not torch's random stream. */
void cim_ref_bnn_init_random(CimRefBnnWeights *w, CimRng *rng);

/* Zeroes the weights of every flagged filter (bias kept), as the script's pruning does. */
void cim_ref_bnn_zero_pruned(CimRefBnnWeights *w);

/* Sign-based Hamming distance of two filters as the script measures it: the number of
 * positions where torch.sign differs (sign(0) = 0, so a zeroed filter differs from +-1 ones
 * everywhere). */
size_t cim_ref_bnn_sign_hamming(const float *a, const float *b, size_t len);

/* One round of the script's binary_prune_model over conv1..conv3 with parameters p (use
 * cim_prune_params_reference for the script's): distances from cim_ref_bnn_sign_hamming,
 * participation from the sign sums. Then, as the script does, every conv weight is replaced
 * by its sign and the newly pruned filters are zeroed and flagged. n_new (may be NULL)
 * receives the number newly pruned per layer. Returns CIM_OK or CIM_ERR_NOMEM (weights
 * untouched then). */
CimStatus cim_ref_bnn_prune(CimRefBnnWeights *w, const CimPruneParams *p, size_t n_new[3]);

#endif
