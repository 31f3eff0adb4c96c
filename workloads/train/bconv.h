/* Binary k x k convolution (stride 1, zero padding pad) of the paper's BinaryConv2d for the `ste`
 * training mode: a host forward (reference and fallback; the chip computes the real one) and the
 * host backward with the clipped straight-through estimator of BinaryConnect / XNOR-Net. */
#ifndef CIM_BCONV_H
#define CIM_BCONV_H

#include <stddef.h>

#include "models/common/common.h"
#include "workloads/train/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One layer over one batch. Tensors: input [n][cin][h][w], weights [cout][cin][k][k] (torch's
 * layout), bias [cout], output [n][cout][oh][ow] with oh = h + 2 pad - k + 1 (the network
 * format's "same" padding, pad = (k - 1) / 2 with k odd, gives oh = h). */
typedef struct {
    size_t n, cin, cout, h, w; /* h, w: the input's */
    size_t k, pad;             /* kernel side, zero padding on each side */
    /* STE windows: the gradient reaches a latent weight only where |w_latent| <= clip_w, and a
     * latent input only where |x_latent| <= clip_x (1.0 each by default; INFINITY: no clip). */
    float clip_w, clip_x;
    const CimAlloc *alloc; /* scratch memory (one im2col buffer); NULL: malloc */
    /* Not NULL: the backward's work split over threads, dx by images (one sgemm per image,
     * as on one thread), dw by output rows (cim_nn_dots: the same values for any rows), with
     * an im2col buffer per range. Then an allocation failure may leave outputs part written. */
    CimNnPar *par;
    void *par_ctx;
    int sgemm_dw; /* dw by OpenBLAS sgemm per image, as before (the bench's baseline; no par) */
} CimBconv;

/* From this many taps per filter (cin k k) dw runs as row sums over an im2row matrix, one
 * vector block of 16 columns at least; below, as dot products over each image's pixels. */
#define CIM_BCONV_ROWS_MIN 16

/* A layer of the given shape with clip_w = clip_x = 1 and the malloc allocator. */
CimBconv cim_bconv_layer(size_t n, size_t cin, size_t cout, size_t h, size_t w, size_t k, size_t pad);
/* The output's height and width (0 when the kernel does not fit the padded input). */
size_t cim_bconv_out_h(const CimBconv *l);
size_t cim_bconv_out_w(const CimBconv *l);

/* The script's binarisation: out[i] = v[i] > 0 ? +1.0f : -1.0f (0, -0 and NaN give -1). In
 * place (out == v) is allowed. */
void cim_bconv_binarise(const float *v, size_t len, float *out);

/* y = conv(xb, wb) + b with xb, wb in {-1, +1} and padding 0: the integer sum is formed exactly
 * (every partial sum is an integer below 2^24, so float arithmetic is exact), then
 * y = (float)acc + b[o], the same value as tests/support/ref_bnn's acc + bias. b may be NULL.
 * Returns CIM_OK, or CIM_ERR_NOMEM (y untouched) when the scratch buffer cannot be had. */
CimStatus cim_bconv_forward(const CimBconv *l, const float *xb, const float *wb, const float *b,
                            float *y);

/* What the forward pass used, kept for the backward pass. */
typedef struct {
    const float *xb;       /* binarised input, +-1, [n][cin][h][w] (needed for dw) */
    const float *x_latent; /* input before binarisation (for the clip of dx); NULL: no clip */
    const float *wb;       /* binarised weights, +-1, [cout][cin][k][k] (needed for dx) */
    const float *w_latent; /* latent float weights (for the clip of dw); NULL: no clip */
} CimBconvSaved;

/* Backward for upstream dy [n][cout][oh][ow]. With the forward y = conv(xb, wb) + b:
 *   dw[o][c][ky][kx] = sum_{n,y,x} dy[n][o][y][x] * xb[n][c][y+ky-pad][x+kx-pad]   (xb = 0 outside)
 *                      times 1{|w_latent| <= clip_w}
 *   db[o]            = sum_{n,y,x} dy[n][o][y][x]   (in double, rounded once)
 *   dx[n][c][y][x]   = sum_{o,ky,kx} dy[n][o][y-ky+pad][x-kx+pad] * wb[o][c][ky][kx]
 *                      times 1{|x_latent| <= clip_x}
 * i.e. d(sign)/dv is taken as 1 inside the clip window and 0 outside. dw, db and dx may each be
 * NULL (skip it; conv1 needs no dx). Outputs are overwritten. Computed per image: dx with
 * im2col and an sgemm; dw in an order fixed by the shape alone (nn.h: the same values for any
 * range of filters and on every CPU): with K = cin k k >= CIM_BCONV_ROWS_MIN, each dw value
 * adds its products over images and, within an image, over output pixels y * ow + x in turn,
 * from 0 (cim_nn_axpy_rows); with a smaller K, each image's sum is a cim_nn_dots over the
 * image's pixels, added to the previous images' total. Returns CIM_OK, or CIM_ERR_NOMEM with
 * the outputs untouched. */
CimStatus cim_bconv_backward(const CimBconv *l, const CimBconvSaved *s, const float *dy,
                             float *dw, float *db, float *dx);

#ifdef __cplusplus
}
#endif
#endif
