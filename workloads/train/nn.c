/* Host-side float32 layers (linear, ReLU, k x k max-pool, softmax cross-entropy) with PyTorch
 * 1.13 semantics; the dense products in one summation order on every CPU (below). */
#include "workloads/train/nn.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

size_t cim_nn_split(size_t n, size_t align, unsigned w, unsigned nw)
{
    align = align ? align : 1;
    return w >= nw ? n : n * w / nw / align * align;
}

/* ---- the dense products: one summation order on every CPU ----------------------------
 * Every product below is computed element by element in an order fixed by the formula
 * alone: products and sums each rounded to float32 (no fused multiply-add: ISO C contracts
 * nothing), in the order stated. So a value does not depend on how the work is split
 * (examples, output rows), on the thread, or on the CPU's vector width: the functions are
 * compiled per CPU (target_clones), and the vector code does lane by lane what the scalar
 * code does. */

typedef float V16 __attribute__((vector_size(64))); /* 16 lanes, whatever the CPU's registers */
#define LANES 16

/* unaligned loads and stores (pointers: no vector crosses a function boundary) */
static inline void load16(V16 *v, const float *p) { memcpy(v, p, sizeof *v); }

static inline void store16(float *p, const V16 *v) { memcpy(p, v, sizeof *v); }

/* out[i * ldo + o] = sum over k < len of x[i * ldx + k] * w[o * ldw + k] for i < NI (1 or 4)
 * and o < NO (1 or 4), each as 16 lanes: lane l adds the products of k = l, l + 16, l + 32,
 * ... in turn from 0, then the lanes are added pairwise (lane l += lane l + 8, then + 4, + 2,
 * + 1) and lane 0 is the sum. */
static inline __attribute__((always_inline)) void dots(const float *x, size_t ldx, const float *w, size_t ldw,
                                                       size_t len, float *out, size_t ldo, const size_t NI,
                                                       const size_t NO)
{
    V16 acc[4][4] = {{{0}}};
    size_t k = 0;
    for (; k + LANES <= len; k += LANES) {
        V16 xv[4], wv;
#pragma GCC unroll 4
        for (size_t i = 0; i < NI; i++)
            load16(&xv[i], x + i * ldx + k);
#pragma GCC unroll 4
        for (size_t o = 0; o < NO; o++) {
            load16(&wv, w + o * ldw + k);
#pragma GCC unroll 4
            for (size_t i = 0; i < NI; i++)
                acc[i][o] += xv[i] * wv;
        }
    }
    for (size_t i = 0; i < NI; i++)
        for (size_t o = 0; o < NO; o++) {
            float lane[LANES];
            store16(lane, &acc[i][o]);
            for (size_t l = 0; k + l < len; l++)
                lane[l] += x[i * ldx + k + l] * w[o * ldw + k + l];
            for (size_t h = LANES / 2; h; h /= 2)
                for (size_t l = 0; l < h; l++)
                    lane[l] += lane[l + h];
            out[i * ldo + o] = lane[0];
        }
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
void cim_nn_dots(const float *x, size_t n, size_t len, const float *w, size_t out, float *y, int accumulate)
{
    float d[16];
    for (size_t i = 0; i < n; i += 4) {
        size_t ni = n - i < 4 ? n - i : 4, o = 0;
        for (; o + 4 <= out; o += 4) {
            if (ni == 4)
                dots(x + i * len, len, w + o * len, len, len, d, 4, 4, 4);
            else
                for (size_t r = 0; r < ni; r++)
                    dots(x + (i + r) * len, len, w + o * len, len, len, d + r * 4, 4, 1, 4);
            for (size_t r = 0; r < ni; r++)
                for (size_t c = 0; c < 4; c++)
                    y[(i + r) * out + o + c] = accumulate ? y[(i + r) * out + o + c] + d[r * 4 + c] : d[r * 4 + c];
        }
        for (; o < out; o++) {
            if (ni == 4)
                dots(x + i * len, len, w + o * len, len, len, d, 1, 4, 1);
            else
                for (size_t r = 0; r < ni; r++)
                    dots(x + (i + r) * len, len, w + o * len, len, len, d + r, 1, 1, 1);
            for (size_t r = 0; r < ni; r++)
                y[(i + r) * out + o] = accumulate ? y[(i + r) * out + o] + d[r] : d[r];
        }
    }
}

/* Rows r0 <= r < r0 + nrr (nrr <= 4) and columns k <= kk < k + 16 NV of cim_nn_axpy_rows, the
 * sums in registers. */
static inline __attribute__((always_inline)) void axpy_block(size_t r0, size_t nrr, size_t k, size_t nj,
                                                             const float *a, size_t ars, size_t ajs,
                                                             const float *bm, size_t ldb, float *c, size_t ldc,
                                                             int accumulate, const size_t NV)
{
    V16 acc[4][4] = {{{0}}};
    for (size_t r = 0; accumulate && r < nrr; r++)
        for (size_t v = 0; v < NV; v++)
            load16(&acc[r][v], c + (r0 + r) * ldc + k + v * LANES);
    const float *ar[4];
#pragma GCC unroll 4
    for (size_t r = 0; r < 4; r++)
        ar[r] = a + (r0 + (r < nrr ? r : 0)) * ars; /* rows past nrr: a valid row, not stored */
    for (size_t j = 0; j < nj; j++) {
        const float *bj = bm + j * ldb + k;
        V16 bv[4];
#pragma GCC unroll 4
        for (size_t v = 0; v < NV; v++)
            load16(&bv[v], bj + v * LANES);
#pragma GCC unroll 4
        for (size_t r = 0; r < 4; r++) {
            float s = ar[r][j * ajs];
#pragma GCC unroll 4
            for (size_t v = 0; v < NV; v++)
                acc[r][v] += s * bv[v];
        }
    }
    for (size_t r = 0; r < nrr; r++)
        for (size_t v = 0; v < NV; v++)
            store16(c + (r0 + r) * ldc + k + v * LANES, &acc[r][v]);
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
void cim_nn_axpy_rows(size_t nr, size_t ncols, size_t nj, const float *a, size_t ars, size_t ajs, const float *bm,
                      size_t ldb, float *c, size_t ldc, int accumulate)
{
    for (size_t r0 = 0; r0 < nr; r0 += 4) {
        size_t nrr = nr - r0 < 4 ? nr - r0 : 4, k = 0;
        for (; k + 4 * LANES <= ncols; k += 4 * LANES)
            axpy_block(r0, nrr, k, nj, a, ars, ajs, bm, ldb, c, ldc, accumulate, 4);
        for (; k + LANES <= ncols; k += LANES)
            axpy_block(r0, nrr, k, nj, a, ars, ajs, bm, ldb, c, ldc, accumulate, 1);
        for (size_t r = 0; r < nrr; r++) /* the last columns, one at a time: the same sums */
            for (size_t kk = k; kk < ncols; kk++) {
                float acc = accumulate ? c[(r0 + r) * ldc + kk] : 0.0f;
                for (size_t j = 0; j < nj; j++)
                    acc += a[(r0 + r) * ars + j * ajs] * bm[j * ldb + kk];
                c[(r0 + r) * ldc + kk] = acc;
            }
    }
}

void cim_nn_linear_forward(const float *x, size_t n, size_t in, const float *w, const float *b,
                           size_t out, float *y)
{
    if (!n || !out)
        return;
    cim_nn_dots(x, n, in, w, out, y, 0);
    for (size_t i = 0; b && i < n; i++)
        for (size_t o = 0; o < out; o++)
            y[i * out + o] = b[o] + y[i * out + o];
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
    cim_nn_linear_backward_rows(x, n, in, out, dy, dw, db, 0, out);
    if (dx && n && in) /* dx[i][k] = sum over o of dy[i][o] w[o][k] */
        cim_nn_axpy_rows(n, in, out, dy, out, 1, w, in, dx, in, 0);
}

void cim_nn_linear_backward_rows(const float *x, size_t n, size_t in, size_t out, const float *dy, float *dw,
                                 float *db, size_t o0, size_t o1)
{
    if (o1 <= o0)
        return;
    if (db)
        column_sums(dy + o0, n, out, o1 - o0, db + o0);
    if (dw && in) /* dw[o][k] = sum over i of dy[i][o] x[i][k] */
        cim_nn_axpy_rows(o1 - o0, in, n, dy + o0, 1, out, x, in, dw + o0 * in, in, 0);
}

/* ---- the bench's baseline: the linear layer as it was before (OpenBLAS sgemm) ---- */

static int ld(size_t v) { return v ? (int)v : 1; } /* OpenBLAS wants a leading dimension >= 1 */

void cim_nn_linear_forward_sgemm(const float *x, size_t n, size_t in, const float *w, const float *b, size_t out,
                                 float *y)
{
    if (n == 0 || out == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        if (b)
            memcpy(y + i * out, b, out * sizeof *y);
        else
            memset(y + i * out, 0, out * sizeof *y);
    }
    if (in)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)out, (int)in, 1.0f, x, ld(in), w, ld(in),
                    1.0f, y, ld(out));
}

void cim_nn_linear_backward_sgemm(const float *x, size_t n, size_t in, const float *w, size_t out, const float *dy,
                                  float *dw, float *db, float *dx)
{
    if (db)
        column_sums(dy, n, out, out, db);
    if (dw && out && in) {
        if (n == 0)
            memset(dw, 0, out * in * sizeof *dw);
        else
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)out, (int)in, (int)n, 1.0f, dy, ld(out), x,
                        ld(in), 0.0f, dw, ld(in));
    }
    if (dx && n && in) {
        if (out == 0)
            memset(dx, 0, n * in * sizeof *dx);
        else
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)in, (int)out, 1.0f, dy, ld(out), w,
                        ld(in), 0.0f, dx, ld(in));
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

/* pool_window's step for one value, without a branch (its outcome is data: unpredictable) */
static inline void pool_take(const float *x, size_t i, float *best, size_t *at)
{
    int take = x[i] > *best || isnan(x[i]);
    *best = take ? x[i] : *best;
    *at = take ? i : *at;
}

void cim_nn_maxpool_forward(const float *x, size_t n, size_t c, size_t h, size_t w, size_t k, float *y,
                            size_t *idx)
{
    size_t oh = h / k, ow = w / k, o = 0;
    if (k == 2) { /* pool_window for 2 x 2: the same four values in the same order */
        for (size_t p = 0; p < n * c; p++)
            for (size_t oy = 0; oy < oh; oy++)
                for (size_t ox = 0; ox < ow; ox++, o++) {
                    size_t i = p * h * w + 2 * oy * w + 2 * ox, at = i;
                    float best = -INFINITY;
                    pool_take(x, i, &best, &at);
                    pool_take(x, i + 1, &best, &at);
                    pool_take(x, i + w, &best, &at);
                    pool_take(x, i + w + 1, &best, &at);
                    y[o] = best;
                    idx[o] = at;
                }
        return;
    }
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
