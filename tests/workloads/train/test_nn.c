/* Unit tests of the host layers (workloads/train/nn): each backward against central finite
 * differences of a double-precision forward written here, torch's tie and zero rules, and a tiny
 * MLP trained with these layers and Adam that must beat chance by a wide margin. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "workloads/train/adam.h"
#include "workloads/train/init.h"
#include "workloads/train/nn.h"

#define FD_H 1e-6

/* Analytic (float) against finite-difference (double) gradient: |a - fd| <= 1e-4 (1 + |fd|). */
static void assert_grad_close(float analytic, double fd)
{
    double tol = 1e-4 * (1.0 + fabs(fd));
    if (!(fabs((double)analytic - fd) <= tol))
        fail_msg("gradient %.9g, finite difference %.9g", (double)analytic, fd);
}

static void fill_rand(float *v, size_t n, CimRng *rng, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(lo + (hi - lo) * cim_rng_uniform(rng));
}

/* ---- dense products: the documented order, bit for bit, for any split ---------------- */

/* cim_nn_dots's order written out plainly: 16 lanes, lane l adds k = l, l + 16, ... in turn
 * from 0, then lane l += lane l + 8, + 4, + 2, + 1. */
static float ref_dot(const float *x, const float *w, size_t len)
{
    float lane[16] = {0};
    for (size_t k = 0; k < len; k++)
        lane[k % 16] += x[k] * w[k];
    for (size_t h = 8; h; h /= 2)
        for (size_t l = 0; l < h; l++)
            lane[l] += lane[l + h];
    return lane[0];
}

static void assert_same_bits(const float *a, const float *b, size_t n, const char *what, unsigned c)
{
    if (n && memcmp(a, b, n * sizeof *a) != 0)
        fail_msg("case %u: %s differs from the documented order", c, what);
}

/* Random shapes (tails of the 16-lane and 64-column blocks included) and random row and
 * output splits: cim_nn_dots, linear forward and backward give exactly the values of the
 * order nn.h documents, computed here one element at a time, whatever range a call covers.
 * This is what makes dcim train's results the same for every --jobs N on every CPU. */
static void test_nn_dense_products_follow_their_order_for_any_split(void **state)
{
    (void)state;
    CimRng rng;
    cim_rng_seed(&rng, 77);
    for (unsigned c = 0; c < 300; c++) {
        size_t n = (size_t)(cim_rng_uniform(&rng) * 10), out = (size_t)(cim_rng_uniform(&rng) * 10);
        size_t in = (size_t)(cim_rng_uniform(&rng) * 150);
        size_t cut = n ? (size_t)(cim_rng_uniform(&rng) * (double)(n + 1)) : 0;
        size_t ocut = out ? (size_t)(cim_rng_uniform(&rng) * (double)(out + 1)) : 0;
        float *x = malloc((n * in + 1) * sizeof *x), *w = malloc((out * in + 1) * sizeof *w);
        float *b = malloc((out + 1) * sizeof *b), *dy = malloc((n * out + 1) * sizeof *dy);
        float *y = malloc((n * out + 1) * sizeof *y), *want = malloc((n * out + n * in + out * in + 1) * sizeof *want);
        float *dw = malloc((out * in + 1) * sizeof *dw), *dx = malloc((n * in + 1) * sizeof *dx);
        float *part = malloc((n * in + out * in + n * out + 1) * sizeof *part);
        assert_true(x && w && b && dy && y && want && dw && dx && part);
        fill_rand(x, n * in, &rng, -1, 1);
        fill_rand(w, out * in, &rng, -1, 1);
        fill_rand(b, out, &rng, -1, 1);
        fill_rand(dy, n * out, &rng, -1, 1);
        /* dots, whole and as two calls over rows, and accumulating onto y */
        for (size_t i = 0; i < n; i++)
            for (size_t o = 0; o < out; o++)
                want[i * out + o] = ref_dot(x + i * in, w + o * in, in);
        cim_nn_dots(x, n, in, w, out, y, 0);
        assert_same_bits(y, want, n * out, "cim_nn_dots", c);
        cim_nn_dots(x, cut, in, w, out, part, 0);
        cim_nn_dots(x + cut * in, n - cut, in, w, out, part + cut * out, 0);
        assert_same_bits(part, want, n * out, "cim_nn_dots over two row ranges", c);
        for (size_t e = 0; e < n * out; e++)
            want[e] = y[e] + want[e];
        cim_nn_dots(x, n, in, w, out, y, 1);
        assert_same_bits(y, want, n * out, "cim_nn_dots accumulating", c);
        /* linear forward: b + dot */
        for (size_t i = 0; i < n; i++)
            for (size_t o = 0; o < out; o++)
                want[i * out + o] = b[o] + ref_dot(x + i * in, w + o * in, in);
        cim_nn_linear_forward(x, n, in, w, b, out, y);
        assert_same_bits(y, want, n * out, "linear forward", c);
        /* backward: dw adds over examples in turn, dx over outputs in turn, from 0 */
        for (size_t o = 0; o < out; o++)
            for (size_t k = 0; k < in; k++) {
                float acc = 0.0f;
                for (size_t i = 0; i < n; i++)
                    acc += dy[i * out + o] * x[i * in + k];
                want[o * in + k] = acc;
            }
        float *want_dx = want + out * in;
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < in; k++) {
                float acc = 0.0f;
                for (size_t o = 0; o < out; o++)
                    acc += dy[i * out + o] * w[o * in + k];
                want_dx[i * in + k] = acc;
            }
        cim_nn_linear_backward(x, n, in, w, out, dy, dw, NULL, dx);
        assert_same_bits(dw, want, out * in, "linear dW", c);
        assert_same_bits(dx, want_dx, n * in, "linear dx", c);
        cim_nn_linear_backward_rows(x, n, in, out, dy, part, NULL, 0, ocut);
        cim_nn_linear_backward_rows(x, n, in, out, dy, part, NULL, ocut, out);
        assert_same_bits(part, want, out * in, "linear dW over two output ranges", c);
        cim_nn_linear_backward(NULL, cut, in, w, out, dy, NULL, NULL, part);
        cim_nn_linear_backward(NULL, n - cut, in, w, out, dy + cut * out, NULL, NULL, part + cut * in);
        assert_same_bits(part, want_dx, n * in, "linear dx over two row ranges", c);
        free(x), free(w), free(b), free(dy), free(y), free(want), free(dw), free(dx), free(part);
    }
}

/* ---- linear ------------------------------------------------------------ */
enum { LN = 3, LIN = 5, LOUT = 4 };

typedef struct {
    double x[LN * LIN], w[LOUT * LIN], b[LOUT], r[LN * LOUT];
} LinD;

/* L = sum r .* (x W^T + b), in double. */
static double lin_loss(const LinD *d)
{
    double l = 0.0;
    for (size_t i = 0; i < LN; i++)
        for (size_t o = 0; o < LOUT; o++) {
            double y = d->b[o];
            for (size_t k = 0; k < LIN; k++)
                y += d->x[i * LIN + k] * d->w[o * LIN + k];
            l += d->r[i * LOUT + o] * y;
        }
    return l;
}

/* Central difference of lin_loss with respect to v[i] (v points into d). */
static double lin_fd(LinD *d, double *v, size_t i)
{
    double keep = v[i], lp, lm;
    v[i] = keep + FD_H;
    lp = lin_loss(d);
    v[i] = keep - FD_H;
    lm = lin_loss(d);
    v[i] = keep;
    return (lp - lm) / (2.0 * FD_H);
}

static void test_nn_linear_forward_matches_double(void **state)
{
    float x[LN * LIN], w[LOUT * LIN], b[LOUT], y[LN * LOUT];
    CimRng rng;
    (void)state;
    cim_rng_seed(&rng, 11);
    fill_rand(x, LN * LIN, &rng, -2, 2);
    fill_rand(w, LOUT * LIN, &rng, -1, 1);
    fill_rand(b, LOUT, &rng, -1, 1);
    cim_nn_linear_forward(x, LN, LIN, w, b, LOUT, y);
    for (size_t i = 0; i < LN; i++)
        for (size_t o = 0; o < LOUT; o++) {
            double e = b[o];
            for (size_t k = 0; k < LIN; k++)
                e += (double)x[i * LIN + k] * w[o * LIN + k];
            assert_true(fabs(y[i * LOUT + o] - e) <= 1e-5 * (1.0 + fabs(e)));
        }
    cim_nn_linear_forward(x, LN, LIN, w, NULL, LOUT, y); /* no bias */
    assert_true(fabsf(y[0] - (x[0] * w[0] + x[1] * w[1] + x[2] * w[2] + x[3] * w[3] +
                              x[4] * w[4])) < 1e-5f);
}

static void test_nn_linear_backward_matches_finite_differences(void **state)
{
    float x[LN * LIN], w[LOUT * LIN], b[LOUT], r[LN * LOUT];
    float dw[LOUT * LIN], db[LOUT], dx[LN * LIN];
    LinD d;
    CimRng rng;
    (void)state;
    cim_rng_seed(&rng, 12);
    fill_rand(x, LN * LIN, &rng, -2, 2);
    fill_rand(w, LOUT * LIN, &rng, -1, 1);
    fill_rand(b, LOUT, &rng, -1, 1);
    fill_rand(r, LN * LOUT, &rng, -1, 1);
    for (size_t i = 0; i < LN * LIN; i++)
        d.x[i] = x[i];
    for (size_t i = 0; i < LOUT * LIN; i++)
        d.w[i] = w[i];
    for (size_t i = 0; i < LOUT; i++)
        d.b[i] = b[i];
    for (size_t i = 0; i < LN * LOUT; i++)
        d.r[i] = r[i];
    cim_nn_linear_backward(x, LN, LIN, w, LOUT, r, dw, db, dx);
    for (size_t i = 0; i < LOUT * LIN; i++)
        assert_grad_close(dw[i], lin_fd(&d, d.w, i));
    for (size_t i = 0; i < LOUT; i++)
        assert_grad_close(db[i], lin_fd(&d, d.b, i));
    for (size_t i = 0; i < LN * LIN; i++)
        assert_grad_close(dx[i], lin_fd(&d, d.x, i));
}

static void test_nn_linear_backward_null_outputs_are_skipped(void **state)
{
    float x[LN * LIN] = { 0 }, w[LOUT * LIN] = { 0 }, r[LN * LOUT], db[LOUT];
    (void)state;
    for (size_t i = 0; i < LN * LOUT; i++)
        r[i] = (float)i;
    cim_nn_linear_backward(x, LN, LIN, w, LOUT, r, NULL, db, NULL);
    /* db[o] = r[0][o] + r[1][o] + r[2][o] = o + (4 + o) + (8 + o) */
    for (size_t o = 0; o < LOUT; o++)
        assert_true(db[o] == (float)(12 + 3 * o));
}

/* ---- ReLU -------------------------------------------------------------- */
static void test_nn_relu_backward_matches_finite_differences(void **state)
{
    enum { N = 40 };
    float x[N], y[N], r[N], dx[N];
    CimRng rng;
    (void)state;
    cim_rng_seed(&rng, 13);
    for (size_t i = 0; i < N; i++) {
        do
            x[i] = (float)(4.0 * cim_rng_uniform(&rng) - 2.0);
        while (fabsf(x[i]) < 1e-3f); /* keep FD_H away from the kink */
        r[i] = (float)(2.0 * cim_rng_uniform(&rng) - 1.0);
    }
    cim_nn_relu_forward(x, N, y);
    cim_nn_relu_backward(y, r, N, dx);
    for (size_t i = 0; i < N; i++) {
        double xp = (double)x[i] + FD_H, xm = (double)x[i] - FD_H;
        double fd = r[i] * ((xp > 0 ? xp : 0) - (xm > 0 ? xm : 0)) / (2 * FD_H);
        assert_true(y[i] == (x[i] > 0 ? x[i] : 0.0f));
        assert_grad_close(dx[i], fd);
    }
}

static void test_nn_relu_grad_at_zero_is_zero(void **state)
{
    float x[4] = { 0.0f, -0.0f, 1e-30f, NAN }, y[4], g[4] = { 5, 5, 5, 5 }, dx[4];
    (void)state;
    cim_nn_relu_forward(x, 4, y);
    assert_true(y[0] == 0.0f && y[1] == 0.0f && y[2] == 1e-30f && isnan(y[3]));
    cim_nn_relu_backward(y, g, 4, dx);
    assert_true(dx[0] == 0.0f && dx[1] == 0.0f); /* torch: relu'(0) = 0 */
    assert_true(dx[2] == 5.0f && dx[3] == 5.0f);  /* NaN <= 0 is false: grad passes, as torch */
    cim_nn_relu_forward(x, 4, x);                 /* in place */
    assert_true(x[0] == 0.0f && x[2] == 1e-30f);
}

/* ---- max-pool ---------------------------------------------------------- */
enum { PN = 2, PC = 3, PH = 7, PW = 8 }; /* 7 rows: a partial last row of windows is dropped for k = 2, 3 */
#define PX (PN * PC * PH * PW)
#define PY_MAX PX /* k = 1: as many outputs as inputs */

/* L = sum r .* maxpool_k(x), double, first maximum on ties. */
static double pool_loss(const double *x, const float *r, size_t k)
{
    double l = 0.0;
    size_t o = 0;
    for (size_t p = 0; p < PN * PC; p++)
        for (size_t oy = 0; oy < PH / k; oy++)
            for (size_t ox = 0; ox < PW / k; ox++, o++) {
                double m = -INFINITY;
                for (size_t t = 0; t < k * k; t++) {
                    double v = x[p * PH * PW + (k * oy + t / k) * PW + k * ox + t % k];
                    m = v > m ? v : m;
                }
                l += r[o] * m;
            }
    return l;
}

static void maxpool_fd_check(size_t k, uint64_t seed)
{
    float x[PX], y[PY_MAX], r[PY_MAX], dx[PX];
    double xd[PX];
    size_t idx[PY_MAX], ny = PN * PC * (PH / k) * (PW / k);
    CimRng rng;
    cim_rng_seed(&rng, seed);
    fill_rand(x, PX, &rng, -3, 3);
    fill_rand(r, ny, &rng, -1, 1);
    for (size_t i = 0; i < PX; i++)
        xd[i] = x[i];
    cim_nn_maxpool_forward(x, PN, PC, PH, PW, k, y, idx);
    cim_nn_maxpool_backward(r, idx, ny, dx, PX);
    for (size_t i = 0; i < ny; i++)
        assert_true(y[i] == x[idx[i]]);
    for (size_t i = 0; i < PX; i++) {
        double keep = xd[i], lp, lm;
        xd[i] = keep + FD_H;
        lp = pool_loss(xd, r, k);
        xd[i] = keep - FD_H;
        lm = pool_loss(xd, r, k);
        xd[i] = keep;
        assert_grad_close(dx[i], (lp - lm) / (2 * FD_H));
    }
}

/* Every kernel size (the 2 x 2 one has its own code) against torch's rule written out here,
 * on values drawn from {-inf, -1, 0, 1, NaN} so that ties and NaNs are everywhere: a value
 * replaces the maximum when it is larger or NaN, windows in row-major order; same maximum
 * (bits, NaN as NaN) and same index. */
static void test_nn_maxpool_matches_torch_rule_on_ties_and_nans(void **state)
{
    (void)state;
    const float pick[] = {-INFINITY, -1.0f, 0.0f, 1.0f, NAN};
    CimRng rng;
    cim_rng_seed(&rng, 5);
    for (unsigned c = 0; c < 200; c++) {
        size_t n = 1 + (size_t)(cim_rng_uniform(&rng) * 2), ch = 1 + (size_t)(cim_rng_uniform(&rng) * 3);
        size_t h = 1 + (size_t)(cim_rng_uniform(&rng) * 9), w = 1 + (size_t)(cim_rng_uniform(&rng) * 9);
        size_t k = 1 + (size_t)(cim_rng_uniform(&rng) * 3), nx = n * ch * h * w, ny = n * ch * (h / k) * (w / k);
        float x[2 * 3 * 9 * 9], y[2 * 3 * 9 * 9];
        size_t idx[2 * 3 * 9 * 9];
        for (size_t i = 0; i < nx; i++)
            x[i] = pick[(size_t)(cim_rng_uniform(&rng) * 5) % 5];
        cim_nn_maxpool_forward(x, n, ch, h, w, k, y, idx);
        size_t o = 0;
        for (size_t p = 0; p < n * ch; p++)
            for (size_t oy = 0; oy < h / k; oy++)
                for (size_t ox = 0; ox < w / k; ox++, o++) {
                    float best = -INFINITY;
                    size_t at = p * h * w + k * oy * w + k * ox;
                    for (size_t dy = 0; dy < k; dy++)
                        for (size_t dx = 0; dx < k; dx++) {
                            size_t i = p * h * w + (k * oy + dy) * w + k * ox + dx;
                            if (x[i] > best || isnan(x[i])) {
                                best = x[i];
                                at = i;
                            }
                        }
                    if (idx[o] != at || !(y[o] == best || (isnan(y[o]) && isnan(best))))
                        fail_msg("case %u (k %zu, %zux%zu): output %zu is %g at %zu, torch gives %g at %zu", c, k, h,
                                 w, o, (double)y[o], idx[o], (double)best, at);
                }
        assert_int_equal(o, ny);
    }
}

static void test_nn_maxpool_backward_matches_finite_differences(void **state)
{
    (void)state;
    maxpool_fd_check(2, 14);
    maxpool_fd_check(3, 15); /* any kernel the network format allows */
    maxpool_fd_check(1, 16); /* k = 1: the identity */
}

static void test_nn_maxpool_tie_takes_first_in_row_major_order(void **state)
{
    /* One 4x4 plane, four windows:
     *   1 1 | 0 2      window 0: all 1   -> index 0 (first)
     *   1 1 | 2 2      window 1: 2 at 3, 6, 7 -> index 3
     *   ----+----
     *   5 4 | -inf -inf    window 2: 5 at 8 and 13 -> 8
     *   3 5 | -inf -inf    window 3: all -inf -> first index, 10 */
    float x[16] = { 1, 1, 0, 2, 1, 1, 2, 2, 5, 4, -INFINITY, -INFINITY, 3, 5, -INFINITY,
                    -INFINITY };
    float y[4], dy[4] = { 1, 2, 3, 4 }, dx[16];
    size_t idx[4];
    (void)state;
    cim_nn_maxpool_forward(x, 1, 1, 4, 4, 2, y, idx);
    assert_int_equal(idx[0], 0);
    assert_int_equal(idx[1], 3);
    assert_int_equal(idx[2], 8);
    assert_int_equal(idx[3], 10);
    assert_true(y[0] == 1 && y[1] == 2 && y[2] == 5 && isinf(y[3]));
    cim_nn_maxpool_backward(dy, idx, 4, dx, 16);
    assert_true(dx[0] == 1 && dx[3] == 2 && dx[8] == 3 && dx[10] == 4);
    assert_true(dx[1] == 0 && dx[6] == 0 && dx[7] == 0 && dx[13] == 0);
}

static void test_nn_maxpool_nan_wins(void **state)
{
    float x[4] = { 1, NAN, 3, 2 }, y[1];
    size_t idx[1];
    (void)state;
    cim_nn_maxpool_forward(x, 1, 1, 2, 2, 2, y, idx);
    assert_true(isnan(y[0]));
    assert_int_equal(idx[0], 1);
}

/* ---- cross-entropy ----------------------------------------------------- */
enum { CN = 4, CK = 5 };

static double ce_loss(const double *z, const int32_t *t)
{
    double l = 0.0;
    for (size_t i = 0; i < CN; i++) {
        double mx = z[i * CK], s = 0.0;
        for (size_t j = 1; j < CK; j++)
            mx = z[i * CK + j] > mx ? z[i * CK + j] : mx;
        for (size_t j = 0; j < CK; j++)
            s += exp(z[i * CK + j] - mx);
        l += mx + log(s) - z[i * CK + t[i]];
    }
    return l / CN;
}

static void test_nn_cross_entropy_matches_finite_differences(void **state)
{
    float z[CN * CK], dz[CN * CK], loss, loss2;
    double zd[CN * CK];
    int32_t t[CN] = { 0, 4, 2, 2 };
    CimRng rng;
    (void)state;
    cim_rng_seed(&rng, 15);
    fill_rand(z, CN * CK, &rng, -4, 4);
    z[3] = 80.0f; /* a large logit: the max subtraction keeps it finite */
    for (size_t i = 0; i < CN * CK; i++)
        zd[i] = z[i];
    loss = cim_nn_cross_entropy(z, t, CN, CK, dz);
    loss2 = cim_nn_cross_entropy(z, t, CN, CK, NULL);
    assert_true(loss == loss2);
    assert_true(fabs(loss - ce_loss(zd, t)) <= 1e-6 * (1 + ce_loss(zd, t)));
    for (size_t i = 0; i < CN * CK; i++) {
        double keep = zd[i], lp, lm;
        zd[i] = keep + FD_H;
        lp = ce_loss(zd, t);
        zd[i] = keep - FD_H;
        lm = ce_loss(zd, t);
        zd[i] = keep;
        assert_grad_close(dz[i], (lp - lm) / (2 * FD_H));
    }
}

static void test_nn_cross_entropy_uniform_logits_give_log_k(void **state)
{
    /* Equal logits: loss = log(10) = 2.302585093 (2.3025851f); the grad is (1/k - onehot) / n
     * = 0.05 off target and 0.05 - 0.5 on target. */
    float z[2 * 10] = { 0 }, dz[20];
    int32_t t[2] = { 3, 9 };
    float loss;
    (void)state;
    loss = cim_nn_cross_entropy(z, t, 2, 10, dz);
    assert_true(fabsf(loss - 2.3025851f) <= 2.4e-7f);
    assert_true(fabsf(dz[0] - 0.05f) < 1e-8f);
    assert_true(fabsf(dz[3] - (0.05f - 0.5f)) < 1e-7f);
    assert_true(fabsf(dz[19] - (0.05f - 0.5f)) < 1e-7f);
    t[1] = 10; /* out of range */
    assert_true(isnan(cim_nn_cross_entropy(z, t, 2, 10, NULL)));
}

static void test_nn_argmax_first_on_tie_and_nan_largest(void **state)
{
    float a[4] = { 1, 3, 3, 2 }, b[3] = { 1, NAN, 9 };
    (void)state;
    assert_int_equal(cim_nn_argmax(a, 4), 1);
    assert_int_equal(cim_nn_argmax(b, 3), 1);
}

/* ---- tiny MLP ---------------------------------------------------------- */
enum { NTRAIN = 512, NTEST = 512, HID = 16, BATCH = 32, STEPS = 300 };

/* XOR quadrants with a margin: label 1 when x * y > 0; |x|, |y| >= 0.1. Not linearly
 * separable, so the hidden layer must do real work. */
static void make_xor(float *x, int32_t *t, size_t n, CimRng *rng)
{
    for (size_t i = 0; i < n; i++) {
        float a, b;
        do {
            a = (float)(2.0 * cim_rng_uniform(rng) - 1.0);
            b = (float)(2.0 * cim_rng_uniform(rng) - 1.0);
        } while (fabsf(a) < 0.1f || fabsf(b) < 0.1f);
        x[2 * i] = a;
        x[2 * i + 1] = b;
        t[i] = a * b > 0;
    }
}

typedef struct {
    float w1[HID * 2], b1[HID], w2[2 * HID], b2[2];
    float dw1[HID * 2], db1[HID], dw2[2 * HID], db2[2];
    CimAdam opt[4];
} Mlp;

static void mlp_forward(const Mlp *m, const float *x, size_t n, float *h, float *z)
{
    cim_nn_linear_forward(x, n, 2, m->w1, m->b1, HID, h);
    cim_nn_relu_forward(h, n * HID, h);
    cim_nn_linear_forward(h, n, HID, m->w2, m->b2, 2, z);
}

static float mlp_step(Mlp *m, const float *x, const int32_t *t)
{
    float h[BATCH * HID], z[BATCH * 2], dz[BATCH * 2], dh[BATCH * HID], loss;
    mlp_forward(m, x, BATCH, h, z);
    loss = cim_nn_cross_entropy(z, t, BATCH, 2, dz);
    cim_nn_linear_backward(h, BATCH, HID, m->w2, 2, dz, m->dw2, m->db2, dh);
    cim_nn_relu_backward(h, dh, BATCH * HID, dh);
    cim_nn_linear_backward(x, BATCH, 2, m->w1, HID, dh, m->dw1, m->db1, NULL);
    cim_adam_step(&m->opt[0], m->w1, m->dw1, NULL);
    cim_adam_step(&m->opt[1], m->b1, m->db1, NULL);
    cim_adam_step(&m->opt[2], m->w2, m->dw2, NULL);
    cim_adam_step(&m->opt[3], m->b2, m->db2, NULL);
    return loss;
}

static double mlp_accuracy(const Mlp *m, const float *x, const int32_t *t, size_t n)
{
    float h[HID], z[2];
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) {
        mlp_forward(m, x + 2 * i, 1, h, z);
        ok += (int32_t)cim_nn_argmax(z, 2) == t[i];
    }
    return (double)ok / (double)n;
}

static void test_nn_tiny_mlp_learns_xor_quadrants(void **state)
{
    static float xtr[NTRAIN * 2], xte[NTEST * 2], xb[BATCH * 2];
    static int32_t ttr[NTRAIN], tte[NTEST], tb[BATCH];
    static size_t perm[NTRAIN];
    static Mlp m;
    CimAdamParams p = cim_adam_defaults(0.01);
    CimRng rng;
    float first = 0, last = 0;
    (void)state;
    cim_rng_seed(&rng, 2024);
    make_xor(xtr, ttr, NTRAIN, &rng);
    make_xor(xte, tte, NTEST, &rng);
    cim_init_linear(m.w1, m.b1, HID, 2, &rng);
    cim_init_linear(m.w2, m.b2, 2, HID, &rng);
    assert_int_equal(cim_adam_init(&m.opt[0], HID * 2, &p, NULL), CIM_OK);
    assert_int_equal(cim_adam_init(&m.opt[1], HID, &p, NULL), CIM_OK);
    assert_int_equal(cim_adam_init(&m.opt[2], 2 * HID, &p, NULL), CIM_OK);
    assert_int_equal(cim_adam_init(&m.opt[3], 2, &p, NULL), CIM_OK);
    for (size_t s = 0; s < STEPS; s++) {
        size_t at = (s * BATCH) % NTRAIN;
        if (at == 0)
            cim_init_randperm(perm, NTRAIN, &rng);
        for (size_t i = 0; i < BATCH; i++) {
            memcpy(xb + 2 * i, xtr + 2 * perm[at + i], 2 * sizeof *xb);
            tb[i] = ttr[perm[at + i]];
        }
        last = mlp_step(&m, xb, tb);
        if (s == 0)
            first = last;
    }
    print_message("tiny MLP: loss %.4f -> %.4f, test accuracy %.1f %%\n", (double)first,
                  (double)last, 100 * mlp_accuracy(&m, xte, tte, NTEST));
    assert_true(mlp_accuracy(&m, xte, tte, NTEST) > 0.95);
    assert_true(last < first);
    for (size_t i = 0; i < 4; i++)
        cim_adam_free(&m.opt[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nn_linear_forward_matches_double),
        cmocka_unit_test(test_nn_linear_backward_matches_finite_differences),
        cmocka_unit_test(test_nn_linear_backward_null_outputs_are_skipped),
        cmocka_unit_test(test_nn_relu_backward_matches_finite_differences),
        cmocka_unit_test(test_nn_relu_grad_at_zero_is_zero),
        cmocka_unit_test(test_nn_maxpool_backward_matches_finite_differences),
        cmocka_unit_test(test_nn_maxpool_tie_takes_first_in_row_major_order),
        cmocka_unit_test(test_nn_maxpool_nan_wins),
        cmocka_unit_test(test_nn_cross_entropy_matches_finite_differences),
        cmocka_unit_test(test_nn_cross_entropy_uniform_logits_give_log_k),
        cmocka_unit_test(test_nn_argmax_first_on_tie_and_nan_largest),
        cmocka_unit_test(test_nn_tiny_mlp_learns_xor_quadrants),
        cmocka_unit_test(test_nn_dense_products_follow_their_order_for_any_split),
        cmocka_unit_test(test_nn_maxpool_matches_torch_rule_on_ties_and_nans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
