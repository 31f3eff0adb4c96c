/* The layers of PointNet++ training (dcim train for point-cloud networks, pn_train.c), each a
 * forward in training mode and its backward, so that each can be checked against finite
 * differences (tests/workloads/train/test_pn_grad.c): BatchNorm with batch statistics, the
 * int8 1x1 conv with the reference's per-tensor quantisation and a straight-through
 * backward, max over a group's neighbours, dropout, linear layers and cross-entropy.
 * Activations are row-major [rows][channels] (a row: one position of one cloud).
 * ../shared/research/reference_pointnet.md states what the reference does; docs/training.md. */
#ifndef CIM_PN_GRAD_H
#define CIM_PN_GRAD_H

#include <stddef.h>
#include <stdint.h>

#include "workloads/pointnet/pointnet.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CIM_PNT_BN_MOMENTUM 0.1 /* PyTorch's BatchNorm default, as the reference */

/* ---- BatchNorm, training mode ----------------------------------------------------------
 * Per channel q over the rows: mean, biased variance (normalising), y = (x - mean) * istd *
 * gamma + beta with istd = 1 / sqrt(var + eps), then ReLU when relu is 1. Statistics in
 * double, outputs float32. When run_mean is not NULL the running estimates are updated as
 * PyTorch does: run = (1 - momentum) * run + momentum * batch, with the UNBIASED variance
 * var * rows / (rows - 1) (rows must then be >= 2). mean and istd (c floats each) keep the
 * batch statistics for the backward. y may be x. CIM_ERR_NOMEM (2c doubles of scratch). */
CimStatus cim_pnt_bn_forward(const float *x, size_t rows, size_t c, const float *gamma, const float *beta, float *run_mean,
                        float *run_var, double momentum, int relu, float *mean, float *istd, float *y);
/* The value one element gets in cim_pnt_bn_forward (before ReLU): the single formula. */
static inline float cim_pnt_bn_value(float x, float mean, float istd, float gamma, float beta)
{
    return (x - mean) * istd * gamma + beta;
}
/* Backward of cim_pnt_bn_forward for the same x, mean, istd: dy is d loss / d y (after the
 * ReLU when relu is 1: rows whose BN output is <= 0 pass nothing); dx gets d loss / d x (may be
 * dy), dgamma and dbeta (c floats each) are ADDED to. CIM_ERR_NOMEM. */
CimStatus cim_pnt_bn_backward(const float *x, size_t rows, size_t c, const float *gamma, const float *beta, int relu,
                         const float *mean, const float *istd, const float *dy, float *dx, float *dgamma, float *dbeta);

/* ---- the int8 1x1 conv ---------------------------------------------------------------------
 * z[rows][f] = sum_k q(x)[r][k] * q(w)[o][k], q the reference's per-tensor quantisation
 * (cim_pn_quant_params / cim_pn_quantise: the same codes as the chip's). The input's rows are
 * `groups` equal blocks each quantised on its own (qx[g]): groups 1 quantises the whole batch
 * as the reference script; groups = clouds quantises each cloud as the chip does. The codes
 * are kept as floats (xq [rows][cin], wq [f][cin]); the sums are computed with float sgemm,
 * exact because every partial sum is an integer of magnitude <= cin * 128 * 128 < 2^24
 * (CIM_PNT_MAX_CIN): the same int32 values as cim_pn_conv_int8 and the chip's engine.
 * quant 0 switches quantisation off (xq = x, wq = w: a float conv, for gradient checks; qx
 * and qw then untouched). CIM_ERR_RANGE when a tensor cannot be quantised (constant, not
 * finite, a code out of range). xq may be x. */
#define CIM_PNT_MAX_CIN 1023u
CimStatus cim_pnt_conv_forward(const float *x, size_t rows, size_t cin, const float *w, size_t f, int quant,
                               size_t groups, float *xq, float *wq, CimPnQuant *qx, CimPnQuant *qw, float *z);
/* Backward: dz [rows][f] in; dw [f][cin] gets dz^T xq scaled by gw, dx [rows][cin] (NULL: not
 * wanted) gets dz wq, the rows of group g scaled by gx[g] (NULL: 1). The reference's
 * straight-through estimator is gx = gw = 1 (the gradient of the codes passed unchanged to
 * the float tensors); `ste` mode uses gx[g] = 1 / qx[g].s and gw = 1 / qw.s (the quantiser's
 * slope, the rounding passed straight through). */
void cim_pnt_conv_backward(const float *xq, const float *wq, size_t rows, size_t cin, size_t f, const float *dz,
                           size_t groups, const float *gx, float gw, float *dx, float *dw);

/* ---- max over the neighbours ------------------------------------------------------------------
 * x [groups * k][f] -> out [groups][f], arg [groups][f] the member (0..k-1) of the first
 * maximum (torch.max's tie rule). Backward: dx [groups * k][f] is set: d out where arg
 * points, 0 elsewhere. */
void cim_pnt_max_forward(const float *x, size_t groups, size_t k, size_t f, float *out, uint32_t *arg);
void cim_pnt_max_backward(const float *dout, const uint32_t *arg, size_t groups, size_t k, size_t f, float *dx);

/* ---- dropout: y = x * mask / (1 - p), mask[i] in {0, 1} drawn with P(1) = 1 - p ------------- */
void cim_pnt_dropout_mask(CimRng *rng, double p, size_t n, uint8_t *mask);
void cim_pnt_dropout(const float *x, const uint8_t *mask, double p, size_t n, float *y);
/* dx = dy * mask / (1 - p) (may be in place): the same function as the forward. */

/* ---- linear: y[b][o] = sum_i x[b][i] w[o][i] (+ bias[o]) ---------------------------------- */
void cim_pnt_linear_forward(const float *x, size_t batch, size_t in, const float *w, const float *bias, size_t out,
                            float *y);
/* dw [out][in] and dbias (may be NULL) ADDED to; dx [batch][in] set (NULL: not wanted). */
void cim_pnt_linear_backward(const float *x, size_t batch, size_t in, const float *w, size_t out, const float *dy,
                             float *dx, float *dw, float *dbias);

/* ---- cross-entropy, mean over the batch --------------------------------------------------
 * Returns the loss (double); dlogits [batch][k] = (softmax - onehot) / batch; *correct gets
 * the clouds whose first largest logit is the label. */
double cim_pnt_cross_entropy(const float *logits, const int32_t *labels, size_t batch, size_t k, float *dlogits,
                             size_t *correct);

/* C[m][n] = A[m][k] B[n][k]^T (+ C when add): the sgemm every layer above uses. */
void cim_pnt_gemm_nt(const float *a, const float *b, size_t m, size_t n, size_t k, int add, float *c);

#ifdef __cplusplus
}
#endif
#endif
