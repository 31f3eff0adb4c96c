/* Binary k x k convolution (stride 1, zero padding) on the host: exact forward (integer sum + bias) and the clipped
 * straight-through-estimator backward, both per image over im2col: OpenBLAS sgemm for the forward and dx, cim_nn_dots for dW (nn.h). */
#include "workloads/train/bconv.h"

#include <cblas.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>

CimBconv cim_bconv_layer(size_t n, size_t cin, size_t cout, size_t h, size_t w, size_t k, size_t pad)
{
    CimBconv l = { n, cin, cout, h, w, k, pad, 1.0f, 1.0f, NULL, NULL, NULL, 0 };
    return l;
}

size_t cim_bconv_out_h(const CimBconv *l)
{
    return l->h + 2 * l->pad >= l->k ? l->h + 2 * l->pad - l->k + 1 : 0;
}

size_t cim_bconv_out_w(const CimBconv *l)
{
    return l->w + 2 * l->pad >= l->k ? l->w + 2 * l->pad - l->k + 1 : 0;
}

void cim_bconv_binarise(const float *v, size_t len, float *out)
{
    for (size_t i = 0; i < len; i++)
        out[i] = v[i] > 0.0f ? 1.0f : -1.0f;
}

/* cols[(c*k*k + ky*k + kx)][y*ow + x] = x[c][y+ky-pad][x+kx-pad], 0 outside the image. The row
 * order matches torch's weight layout [cout][cin][k][k] read as a [cout][cin*k*k] matrix.
 * Example (k 3, pad 1): row c*9 + 4 is the centre tap, the image itself. */
static void im2col(const CimBconv *l, const float *x, float *cols)
{
    size_t kk = l->k * l->k, oh = cim_bconv_out_h(l), ow = cim_bconv_out_w(l);
    for (size_t c = 0; c < l->cin; c++)
        for (size_t t = 0; t < kk; t++) {
            float *row = cols + (c * kk + t) * oh * ow;
            long oy = (long)(t / l->k) - (long)l->pad, ox = (long)(t % l->k) - (long)l->pad;
            for (size_t y = 0; y < oh; y++)
                for (size_t xx = 0; xx < ow; xx++) {
                    long sy = (long)y + oy, sx = (long)xx + ox;
                    int in = sy >= 0 && sy < (long)l->h && sx >= 0 && sx < (long)l->w;
                    row[y * ow + xx] = in ? x[(c * l->h + (size_t)sy) * l->w + (size_t)sx] : 0.0f;
                }
        }
}

/* The adjoint of im2col: dx (zeroed first) gathers every column entry back to its pixel. */
static void col2im(const CimBconv *l, const float *cols, float *dx)
{
    size_t kk = l->k * l->k, oh = cim_bconv_out_h(l), ow = cim_bconv_out_w(l);
    memset(dx, 0, l->cin * l->h * l->w * sizeof *dx);
    for (size_t c = 0; c < l->cin; c++)
        for (size_t t = 0; t < kk; t++) { /* the outputs whose tap t lands inside the image */
            const float *row = cols + (c * kk + t) * oh * ow;
            long oy = (long)(t / l->k) - (long)l->pad, ox = (long)(t % l->k) - (long)l->pad;
            long y0 = oy < 0 ? -oy : 0, y1 = (long)l->h - oy < (long)oh ? (long)l->h - oy : (long)oh;
            long x0 = ox < 0 ? -ox : 0, x1 = (long)l->w - ox < (long)ow ? (long)l->w - ox : (long)ow;
            for (long y = y0; y < y1; y++) {
                float *d = dx + (c * l->h + (size_t)(y + oy)) * l->w;
                const float *r = row + (size_t)y * ow;
                for (long xx = x0; xx < x1; xx++)
                    d[xx + ox] += r[xx];
            }
        }
}

/* Zeroes g[i] wherever |latent[i]| <= clip fails (NaN latents included). */
static void ste_clip(float *g, const float *latent, size_t len, float clip)
{
    if (!latent)
        return;
    for (size_t i = 0; i < len; i++)
        if (!(fabsf(latent[i]) <= clip))
            g[i] = 0.0f;
}

static int dims_ok(const CimBconv *l)
{
    return l->n && l->cin && l->cout && l->k && cim_bconv_out_h(l) && cim_bconv_out_w(l);
}

CimStatus cim_bconv_forward(const CimBconv *l, const float *xb, const float *wb, const float *b,
                            float *y)
{
    size_t k = l->cin * l->k * l->k, hw = cim_bconv_out_h(l) * cim_bconv_out_w(l), in = l->cin * l->h * l->w;
    float *cols;
    if (!dims_ok(l)) {
        if (l->cout && hw)
            memset(y, 0, l->n * l->cout * hw * sizeof *y);
        return CIM_OK;
    }
    cols = cim_alloc_array(l->alloc, k * hw, sizeof *cols);
    if (!cols)
        return CIM_ERR_NOMEM;
    for (size_t i = 0; i < l->n; i++) {
        float *yi = y + i * l->cout * hw;
        im2col(l, xb + i * in, cols);
        /* acc[cout][hw] = wb[cout][k] * cols[k][hw]: integers, exact in any order */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)l->cout, (int)hw, (int)k,
                    1.0f, wb, (int)k, cols, (int)hw, 0.0f, yi, (int)hw);
        for (size_t o = 0; b && o < l->cout; o++)
            for (size_t p = 0; p < hw; p++)
                yi[o * hw + p] += b[o];
    }
    cim_free(l->alloc, cols);
    return CIM_OK;
}

/* rows[p][c * k * k + t]: im2col's matrix transposed, one row of taps per output pixel p. */
static void im2row(const CimBconv *l, const float *x, float *rows)
{
    size_t kk = l->k * l->k, K = l->cin * kk, oh = cim_bconv_out_h(l), ow = cim_bconv_out_w(l);
    for (size_t y = 0; y < oh; y++)
        for (size_t xx = 0; xx < ow; xx++) {
            float *r = rows + (y * ow + xx) * K;
            for (size_t c = 0; c < l->cin; c++)
                for (size_t ky = 0; ky < l->k; ky++) {
                    long sy = (long)(y + ky) - (long)l->pad;
                    float *t = r + c * kk + ky * l->k;
                    const float *src = x + (c * l->h + (size_t)(sy < 0 ? 0 : sy)) * l->w;
                    for (size_t kx = 0; kx < l->k; kx++) {
                        long sx = (long)(xx + kx) - (long)l->pad;
                        t[kx] = sy >= 0 && sy < (long)l->h && sx >= 0 && sx < (long)l->w ? src[sx] : 0.0f;
                    }
                }
        }
}

/* dw[o][c] for filters lo <= o < hi (bconv.h gives the order), then the weight clip. The same
 * values for any range of filters. */
static void grad_weights(const CimBconv *l, const CimBconvSaved *s, const float *dy, float *cols, float *dw,
                         size_t lo, size_t hi)
{
    size_t k = l->cin * l->k * l->k, hw = cim_bconv_out_h(l) * cim_bconv_out_w(l), in = l->cin * l->h * l->w;
    for (size_t i = 0; i < l->n; i++) {
        const float *dyi = dy + (i * l->cout + lo) * hw;
        if (l->sgemm_dw) {
            im2col(l, s->xb + i * in, cols);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(hi - lo), (int)k, (int)hw, 1.0f, dyi, (int)hw,
                        cols, (int)hw, i ? 1.0f : 0.0f, dw + lo * k, (int)k);
        } else if (k >= CIM_BCONV_ROWS_MIN) {
            im2row(l, s->xb + i * in, cols);
            cim_nn_axpy_rows(hi - lo, k, hw, dyi, hw, 1, cols, k, dw + lo * k, k, i > 0);
        } else {
            im2col(l, s->xb + i * in, cols);
            cim_nn_dots(dyi, hi - lo, hw, cols, k, dw + lo * k, i > 0);
        }
    }
    ste_clip(dw + lo * k, s->w_latent ? s->w_latent + lo * k : NULL, (hi - lo) * k, l->clip_w);
}

/* dx_i = col2im(wb^T[k][cout] * dy_i[cout][hw]) per image, then the input clip. */
static void grad_inputs(const CimBconv *l, const CimBconvSaved *s, const float *dy, float *dcols,
                        float *dx)
{
    size_t k = l->cin * l->k * l->k, hw = cim_bconv_out_h(l) * cim_bconv_out_w(l), in = l->cin * l->h * l->w;
    for (size_t i = 0; i < l->n; i++) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)hw, (int)l->cout, 1.0f,
                    s->wb, (int)k, dy + i * l->cout * hw, (int)hw, 0.0f, dcols, (int)hw);
        col2im(l, dcols, dx + i * in);
    }
    ste_clip(dx, s->x_latent, l->n * in, l->clip_x);
}

static void grad_bias(const CimBconv *l, const float *dy, float *db)
{
    size_t hw = cim_bconv_out_h(l) * cim_bconv_out_w(l);
    for (size_t o = 0; o < l->cout; o++) {
        double acc = 0.0;
        for (size_t i = 0; i < l->n; i++)
            for (size_t p = 0; p < hw; p++)
                acc += dy[(i * l->cout + o) * hw + p];
        db[o] = (float)acc;
    }
}

/* The backward's parts over l->par: dw rows [lo, hi) or dx of images [lo, hi). */
typedef struct {
    const CimBconv *l;
    const CimBconvSaved *s;
    const float *dy;
    float *dw, *dx;
    atomic_int nomem; /* set by any range that could not get its buffer */
} Part;

static void dw_rows(void *arg, size_t lo, size_t hi)
{
    Part *p = arg;
    const CimBconv *l = p->l;
    size_t k = l->cin * l->k * l->k, hw = cim_bconv_out_h(l) * cim_bconv_out_w(l);
    float *cols = cim_alloc_array(l->alloc, k * hw, sizeof *cols);
    if (!cols) {
        atomic_store(&p->nomem, 1);
        return;
    }
    grad_weights(l, p->s, p->dy, cols, p->dw, lo, hi);
    cim_free(l->alloc, cols);
}

static void dx_images(void *arg, size_t lo, size_t hi)
{
    Part *p = arg;
    const CimBconv *l = p->l;
    size_t k = l->cin * l->k * l->k, hw = cim_bconv_out_h(l) * cim_bconv_out_w(l), in = l->cin * l->h * l->w;
    float *dcols = cim_alloc_array(l->alloc, k * hw, sizeof *dcols);
    if (!dcols) {
        atomic_store(&p->nomem, 1);
        return;
    }
    for (size_t i = lo; i < hi; i++) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)hw, (int)l->cout, 1.0f, p->s->wb,
                    (int)k, p->dy + i * l->cout * hw, (int)hw, 0.0f, dcols, (int)hw);
        col2im(l, dcols, p->dx + i * in);
    }
    ste_clip(p->dx + lo * in, p->s->x_latent ? p->s->x_latent + lo * in : NULL, (hi - lo) * in, l->clip_x);
    cim_free(l->alloc, dcols);
}

static CimStatus backward_par(const CimBconv *l, const CimBconvSaved *s, const float *dy, float *dw, float *db,
                              float *dx)
{
    Part p = {l, s, dy, dw, dx, 0};
    atomic_init(&p.nomem, 0);
    if (dw)
        l->par(l->par_ctx, l->cout, CIM_NN_SPLIT, dw_rows, &p);
    if (db)
        grad_bias(l, dy, db);
    if (dx)
        l->par(l->par_ctx, l->n, 1, dx_images, &p);
    return atomic_load(&p.nomem) ? CIM_ERR_NOMEM : CIM_OK;
}

CimStatus cim_bconv_backward(const CimBconv *l, const CimBconvSaved *s, const float *dy,
                             float *dw, float *db, float *dx)
{
    size_t k = l->cin * l->k * l->k, hw = cim_bconv_out_h(l) * cim_bconv_out_w(l);
    float *cols;
    if (!dims_ok(l)) {
        if (dw)
            memset(dw, 0, l->cout * k * sizeof *dw);
        if (db)
            memset(db, 0, l->cout * sizeof *db);
        if (dx)
            memset(dx, 0, l->n * l->cin * l->h * l->w * sizeof *dx);
        return CIM_OK;
    }
    if (l->par)
        return backward_par(l, s, dy, dw, db, dx);
    cols = (dw || dx) ? cim_alloc_array(l->alloc, k * hw, sizeof *cols) : NULL;
    if ((dw || dx) && !cols)
        return CIM_ERR_NOMEM;
    if (dw)
        grad_weights(l, s, dy, cols, dw, 0, l->cout);
    if (db)
        grad_bias(l, dy, db);
    if (dx)
        grad_inputs(l, s, dy, cols, dx);
    cim_free(l->alloc, cols);
    return CIM_OK;
}
