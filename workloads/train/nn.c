/* Host-side float32 layers (linear, ReLU, 2x2 max-pool, softmax cross-entropy) with PyTorch
 * 1.13 semantics; dense products go through OpenBLAS cblas_sgemm as torch's CPU addmm does. */
#include "workloads/train/nn.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* OpenBLAS wants a leading dimension of at least 1 even for empty matrices. */
static int ld(size_t v) { return v ? (int)v : 1; }

void cim_nn_linear_forward(const float *x, size_t n, size_t in, const float *w, const float *b,
                           size_t out, float *y)
{
    if (n == 0 || out == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        if (b)
            memcpy(y + i * out, b, out * sizeof *y);
        else
            memset(y + i * out, 0, out * sizeof *y);
    }
    if (in == 0)
        return;
    /* y[n][out] = 1 * x[n][in] * w[out][in]^T + 1 * y */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)out, (int)in, 1.0f, x,
                ld(in), w, ld(in), 1.0f, y, ld(out));
}

/* db[o] for o < cols of dy's rows of length out (stride). */
static void column_sums(const float *dy, size_t n, size_t out, size_t cols, float *db)
{
    for (size_t o = 0; o < cols; o++) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += dy[i * out + o];
        db[o] = (float)s;
    }
}

void cim_nn_linear_backward(const float *x, size_t n, size_t in, const float *w, size_t out,
                            const float *dy, float *dw, float *db, float *dx)
{
    if (db)
        column_sums(dy, n, out, out, db);
    if (dw && out && in) {
        if (n == 0)
            memset(dw, 0, out * in * sizeof *dw);
        else /* dw[out][in] = dy[n][out]^T * x[n][in] */
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)out, (int)in, (int)n, 1.0f,
                        dy, ld(out), x, ld(in), 0.0f, dw, ld(in));
    }
    if (dx && n && in) {
        if (out == 0)
            memset(dx, 0, n * in * sizeof *dx);
        else /* dx[n][in] = dy[n][out] * w[out][in] */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)in, (int)out,
                        1.0f, dy, ld(out), w, ld(in), 0.0f, dx, ld(in));
    }
}

void cim_nn_linear_backward_rows(const float *x, size_t n, size_t in, size_t out, const float *dy, float *dw,
                                 float *db, size_t o0, size_t o1)
{
    if (o1 <= o0)
        return;
    if (db)
        column_sums(dy + o0, n, out, o1 - o0, db + o0);
    if (dw && in) {
        if (n == 0)
            memset(dw + o0 * in, 0, (o1 - o0) * in * sizeof *dw);
        else
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)(o1 - o0), (int)in, (int)n, 1.0f, dy + o0,
                        ld(out), x, ld(in), 0.0f, dw + o0 * in, ld(in));
    }
}

void cim_nn_relu_forward(const float *x, size_t len, float *y)
{
    for (size_t i = 0; i < len; i++)
        y[i] = (x[i] > 0.0f || isnan(x[i])) ? x[i] : 0.0f;
}

void cim_nn_relu_backward(const float *y, const float *dy, size_t len, float *dx)
{
    for (size_t i = 0; i < len; i++)
        dx[i] = y[i] <= 0.0f ? 0.0f : dy[i];
}

/* One output of the pool: the k x k window with top-left (k*oy, k*ox) of the plane starting at
 * flat index base. Torch starts with max = -inf and the window's first index. */
static void pool_window(const float *x, size_t base, size_t w, size_t k, size_t oy, size_t ox, float *y,
                        size_t *idx)
{
    float best = -INFINITY;
    size_t at = base + k * oy * w + k * ox;
    for (size_t dy = 0; dy < k; dy++)
        for (size_t dx = 0; dx < k; dx++) {
            size_t i = base + (k * oy + dy) * w + k * ox + dx;
            if (x[i] > best || isnan(x[i])) {
                best = x[i];
                at = i;
            }
        }
    *y = best;
    *idx = at;
}

void cim_nn_maxpool_forward(const float *x, size_t n, size_t c, size_t h, size_t w, size_t k, float *y,
                            size_t *idx)
{
    size_t oh = h / k, ow = w / k, o = 0;
    for (size_t p = 0; p < n * c; p++)
        for (size_t oy = 0; oy < oh; oy++)
            for (size_t ox = 0; ox < ow; ox++, o++)
                pool_window(x, p * h * w, w, k, oy, ox, &y[o], &idx[o]);
}

void cim_nn_maxpool_backward(const float *dy, const size_t *idx, size_t ny, float *dx,
                             size_t nx)
{
    memset(dx, 0, nx * sizeof *dx);
    for (size_t i = 0; i < ny; i++)
        dx[idx[i]] += dy[i];
}

/* Row maximum and log of the sum of exp(z - max), in float32 as torch's log_softmax: then
 * logp[j] = z[j] - mx - lse. */
static void log_softmax_row(const float *z, size_t k, float *mx, float *lse)
{
    float m = -INFINITY, s = 0.0f;
    for (size_t j = 0; j < k; j++)
        if (z[j] > m || isnan(z[j]))
            m = z[j];
    for (size_t j = 0; j < k; j++)
        s += expf(z[j] - m);
    *mx = m;
    *lse = logf(s);
}

float cim_nn_cross_entropy(const float *z, const int32_t *t, size_t n, size_t k, float *dz)
{
    double sum = 0.0;
    float g = -(1.0f / (float)n); /* torch: -(grad_output / total_weight) */
    int bad = n == 0;
    for (size_t i = 0; i < n; i++) {
        const float *zi = z + i * k;
        float mx, lse;
        int in_range = t[i] >= 0 && (size_t)t[i] < k;
        log_softmax_row(zi, k, &mx, &lse);
        if (in_range)
            sum -= zi[t[i]] - mx - lse;
        else
            bad = 1;
        if (!dz)
            continue;
        /* log_softmax_backward: grad - exp(logp) * sum(grad), where sum(grad) = g */
        for (size_t j = 0; j < k; j++) {
            float gj = (in_range && (size_t)t[i] == j) ? g : 0.0f;
            dz[i * k + j] = gj - expf(zi[j] - mx - lse) * g;
        }
    }
    return bad ? NAN : (float)(sum / (double)n);
}

size_t cim_nn_argmax(const float *v, size_t k)
{
    size_t best = 0;
    for (size_t i = 1; i < k && !isnan(v[best]); i++)
        if (isnan(v[i]) || v[i] > v[best])
            best = i;
    return best;
}
