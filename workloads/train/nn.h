/* Host-side float32 layers for in-situ training, forward and backward over a batch, with the
 * semantics of PyTorch's nn.Linear, nn.ReLU, nn.MaxPool2d(k) and nn.CrossEntropyLoss (torch 1.13).
 * Formulas, and what matches torch bit for bit and what cannot, are in docs/training.md. */
#ifndef CIM_NN_H
#define CIM_NN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Tensors are contiguous row-major float arrays; images are NCHW ([n][c][h][w]). Flatten is a
 * no-op: a contiguous [n][c][h][w] tensor is already the [n][c*h*w] matrix nn.Flatten gives.
 * Every backward OVERWRITES its outputs (torch accumulates into .grad, but the training loop
 * calls zero_grad() before each backward, which is the same thing). Outputs never alias inputs. */

/* Work split over threads: a CimNnPar runs fn(arg, lo, hi) over contiguous ranges that
 * together cover [0, n), each starting at a multiple of align, possibly on several threads at
 * once, and returns when all are done. */
typedef void CimNnChunkFn(void *arg, size_t lo, size_t hi);
typedef void CimNnPar(void *ctx, size_t n, size_t align, CimNnChunkFn *fn, void *arg);

/* A team of nw >= 1 threads: a CimNnTeam runs fn(arg, w, nw) once for every member
 * w < nw, possibly several at once, and returns when all are done (one barrier: what one
 * member writes, every member may read in the next call). */
typedef void CimNnTeamFn(void *arg, unsigned w, unsigned nw);
typedef void CimNnTeam(void *ctx, CimNnTeamFn *fn, void *arg);

/* The one rule that splits [0, n) over nw members: member w takes [cim_nn_split(n, align, w,
 * nw), cim_nn_split(n, align, w + 1, nw)), starting at n w / nw rounded down to a multiple of
 * align (w >= nw: n). Ranges may be empty. */
size_t cim_nn_split(size_t n, size_t align, unsigned w, unsigned nw);

/* The granularity at which training splits a batch's rows and a layer's outputs over
 * threads (any split gives the same values, see cim_nn_dots; whole multiples keep the
 * vector blocks of 4 rows whole). */
#define CIM_NN_SPLIT 16

/* The dense products of this file and of bconv.h's dW are computed in one summation order
 * on every CPU (no BLAS): each value is the same whatever range of rows or outputs a call
 * covers, so work split over threads gives the same bits as one call, and a build for any
 * vector width gives the same bits as the portable one (products and sums each rounded to
 * float32; docs/training.md, "Dense products").
 * Dots: y[i][o] = sum over k < len of x[i][k] w[o][k] for i < n, o < out (x [n][len], w
 * [out][len], y [n][out]), or y[i][o] + that sum with accumulate. Each sum runs in 16 lanes:
 * lane l adds the products of k = l, l + 16, l + 32, ... in turn, starting from 0; then lane
 * l += lane l + 8, then + 4, + 2, + 1, and lane 0 is the sum. */
void cim_nn_dots(const float *x, size_t n, size_t len, const float *w, size_t out, float *y, int accumulate);
/* Row sums: c[r * ldc + k] = sum over j < nj of a[r * ars + j * ajs] * b[j * ldb + k] for
 * r < nr, k < ncols, each added up in increasing j, starting from 0 or, with accumulate, from
 * c's value. */
void cim_nn_axpy_rows(size_t nr, size_t ncols, size_t nj, const float *a, size_t ars, size_t ajs, const float *b,
                      size_t ldb, float *c, size_t ldc, int accumulate);

/* Linear: y[n][out] = x[n][in] * W^T + b, W [out][in] as torch stores it, b [out] (NULL: no
 * bias): y[i][o] = b[o] + cim_nn_dots(x[i], W[o]). */
void cim_nn_linear_forward(const float *x, size_t n, size_t in, const float *w, const float *b,
                           size_t out, float *y);

/* Linear backward for upstream dy [n][out]: dw[out][in] = dy^T x, db[out] = sum over the batch
 * of dy (summed in double, rounded once), dx[n][in] = dy W. Any of dw, db, dx may be NULL.
 * dw[o][k] adds dy[i][o] x[i][k] for i = 0, 1, ... in turn, starting from 0; dx[i][k] adds
 * dy[i][o] W[o][k] for o = 0, 1, ... in turn, starting from 0. */
void cim_nn_linear_backward(const float *x, size_t n, size_t in, const float *w, size_t out,
                            const float *dy, float *dw, float *db, float *dx);

/* The rows o0 <= o < o1 of linear backward's dw (and db, either may be NULL): the values
 * cim_nn_linear_backward gives for them. */
void cim_nn_linear_backward_rows(const float *x, size_t n, size_t in, size_t out, const float *dy, float *dw,
                                 float *db, size_t o0, size_t o1);

/* The linear layer as it was before the dense products above (issue 14): the bias written
 * into y, then OpenBLAS cblas_sgemm with beta = 1; the backward's products by sgemm. Only
 * for the bench's baseline (CimTrainOptions.unoptimised); the values depend on OpenBLAS's
 * kernel and on the call's shape. */
void cim_nn_linear_forward_sgemm(const float *x, size_t n, size_t in, const float *w, const float *b, size_t out,
                                 float *y);
void cim_nn_linear_backward_sgemm(const float *x, size_t n, size_t in, const float *w, size_t out, const float *dy,
                                  float *dw, float *db, float *dx);

/* ReLU over len values: y = x > 0 ? x : 0; NaN stays NaN (torch's clamp_min propagates it).
 * In place (y == x) is allowed. */
void cim_nn_relu_forward(const float *x, size_t len, float *y);

/* ReLU backward from the forward OUTPUT y, as torch's threshold_backward: dx = y <= 0 ? 0 : dy.
 * So relu'(0) = 0. In place (dx == dy) is allowed. */
void cim_nn_relu_backward(const float *y, const float *dy, size_t len, float *dx);

/* Max-pool k x k, stride k, no padding, floor mode (torch's nn.MaxPool2d(k)): x [n][c][h][w] ->
 * y [n][c][h/k][w/k]; a last partial row or column of windows is dropped. idx (same shape as y)
 * receives the flat index into x of each window's maximum. Window order is row-major and, as
 * torch's CPU kernel, a value replaces the running maximum when val > max or val is NaN: a tie
 * keeps the first maximum. k >= 1. */
void cim_nn_maxpool_forward(const float *x, size_t n, size_t c, size_t h, size_t w, size_t k, float *y,
                            size_t *idx);

/* Max-pool backward: dx [n][c][h][w] is zeroed, then dx[idx[i]] += dy[i] for each of the ny
 * outputs (ny = n * c * (h/k) * (w/k)); nx = n * c * h * w. */
void cim_nn_maxpool_backward(const float *dy, const size_t *idx, size_t ny, float *dx,
                             size_t nx);

/* Softmax cross-entropy with mean reduction (nn.CrossEntropyLoss()): logits z [n][k], targets
 * t[n] in [0, k). Returns the mean over the batch of logsumexp(z_i) - z_i[t_i] (log-softmax in
 * float32 with the row maximum subtracted; the batch sum in double, rounded once). dz (may be
 * NULL) receives dloss/dz = (softmax(z_i) - onehot(t_i)) / n, computed as torch's
 * log_softmax_backward does: g - exp(logp) * sum(g) with g = -(1/n) at the target. A target
 * outside [0, k) gives NaN (torch raises an error instead). n = 0 gives NaN, as torch. */
float cim_nn_cross_entropy(const float *z, const int32_t *t, size_t n, size_t k, float *dz);

/* Index of the largest of the k values (the first one on a tie; NaN counts as largest), as
 * torch.argmax. */
size_t cim_nn_argmax(const float *v, size_t k);

#ifdef __cplusplus
}
#endif
#endif
