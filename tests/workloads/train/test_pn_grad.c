/* Unit tests of the PointNet++ training layers (workloads/train/pn_grad): every backward
 * against central finite differences of a double-precision forward written here (BatchNorm in
 * training mode with and without ReLU, the 1x1 conv with quantisation off, max over the
 * neighbours, dropout with a fixed mask, linear, cross-entropy); the running estimates
 * (momentum 0.1, unbiased variance); the int8 conv's sums equal cim_pn_conv_int8 on the same
 * codes, at the largest magnitudes too; the straight-through backward's scaling; torch's
 * first-maximum tie rule. Random sizes and values from fixed seeds: bounded and fast. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "workloads/train/pn_grad.h"

#define FD_H 1e-6

static void assert_grad_close(float analytic, double fd, const char *what, size_t i)
{
    double tol = 2e-3 * (1.0 + fabs(fd));
    if (!(fabs((double)analytic - fd) <= tol))
        fail_msg("%s[%zu]: gradient %.9g, finite difference %.9g", what, i, (double)analytic, fd);
}

static void fill(float *v, size_t n, CimRng *r, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(lo + (hi - lo) * cim_rng_uniform(r));
}

static void fill_d(double *v, size_t n, CimRng *r, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        v[i] = lo + (hi - lo) * cim_rng_uniform(r);
}

static size_t below(CimRng *r, size_t lo, size_t hi) { return lo + (size_t)(cim_rng_uniform(r) * (double)(hi - lo + 1)); }

/* ---- BatchNorm ------------------------------------------------------------------------ */

/* sum_rq R[r][q] * y[r][q] of the double BatchNorm (training mode, biased variance). */
static double bn_loss(const double *x, size_t rows, size_t c, const double *g, const double *b, int relu,
                      const double *R)
{
    double loss = 0.0;
    for (size_t q = 0; q < c; q++) {
        double m = 0.0, v = 0.0;
        for (size_t r = 0; r < rows; r++)
            m += x[r * c + q];
        m /= (double)rows;
        for (size_t r = 0; r < rows; r++)
            v += (x[r * c + q] - m) * (x[r * c + q] - m);
        v /= (double)rows;
        for (size_t r = 0; r < rows; r++) {
            double y = (x[r * c + q] - m) / sqrt(v + (double)CIM_PN_BN_EPS) * g[q] + b[q];
            loss += R[r * c + q] * (relu && y < 0.0 ? 0.0 : y);
        }
    }
    return loss;
}

static void test_bn_backward_matches_finite_differences(void **state)
{
    (void)state;
    CimRng rng;
    cim_rng_seed(&rng, 11);
    for (int trial = 0; trial < 12; trial++) {
        int relu = trial & 1;
        size_t rows = below(&rng, 2, 9), c = below(&rng, 1, 5), n = rows * c;
        double *x = malloc(n * sizeof *x), *R = malloc(n * sizeof *R), *g = malloc(c * sizeof *g), *b = malloc(c * sizeof *b);
        float *xf = malloc(n * sizeof *xf), *dy = malloc(n * sizeof *dy), *dx = malloc(n * sizeof *dx);
        float *y = malloc(n * sizeof *y), *gf = malloc(c * sizeof *gf), *bf = malloc(c * sizeof *bf);
        float *mean = malloc(c * sizeof *mean), *istd = malloc(c * sizeof *istd);
        float *dg = calloc(c, sizeof *dg), *db = calloc(c, sizeof *db);
        fill_d(x, n, &rng, -2, 2);
        fill_d(R, n, &rng, -1, 1);
        fill_d(g, c, &rng, 0.5, 1.5);
        fill_d(b, c, &rng, -0.3, 0.3);
        for (size_t i = 0; i < n; i++) {
            xf[i] = (float)x[i];
            x[i] = xf[i];
            dy[i] = (float)R[i];
            R[i] = dy[i];
        }
        for (size_t q = 0; q < c; q++) {
            gf[q] = (float)g[q];
            g[q] = gf[q];
            bf[q] = (float)b[q];
            b[q] = bf[q];
        }
        assert_int_equal(cim_pnt_bn_forward(xf, rows, c, gf, bf, NULL, NULL, 0.1, relu, mean, istd, y), CIM_OK);
        assert_int_equal(cim_pnt_bn_backward(xf, rows, c, gf, bf, relu, mean, istd, dy, dx, dg, db), CIM_OK);
        for (size_t i = 0; i < n; i++) {
            double keep = x[i];
            x[i] = keep + FD_H;
            double up = bn_loss(x, rows, c, g, b, relu, R);
            x[i] = keep - FD_H;
            double dn = bn_loss(x, rows, c, g, b, relu, R);
            x[i] = keep;
            assert_grad_close(dx[i], (up - dn) / (2 * FD_H), "bn dx", i);
        }
        for (size_t q = 0; q < c; q++) {
            double keep = g[q];
            g[q] = keep + FD_H;
            double up = bn_loss(x, rows, c, g, b, relu, R);
            g[q] = keep - FD_H;
            double dn = bn_loss(x, rows, c, g, b, relu, R);
            g[q] = keep;
            assert_grad_close(dg[q], (up - dn) / (2 * FD_H), "bn dgamma", q);
            keep = b[q];
            b[q] = keep + FD_H;
            up = bn_loss(x, rows, c, g, b, relu, R);
            b[q] = keep - FD_H;
            dn = bn_loss(x, rows, c, g, b, relu, R);
            b[q] = keep;
            assert_grad_close(db[q], (up - dn) / (2 * FD_H), "bn dbeta", q);
        }
        free(x), free(R), free(g), free(b), free(xf), free(dy), free(dx), free(y), free(gf), free(bf);
        free(mean), free(istd), free(dg), free(db);
    }
}

/* Running estimates as PyTorch: (1 - 0.1) * old + 0.1 * batch, the variance unbiased. */
static void test_bn_running_estimates_use_momentum_and_unbiased_variance(void **state)
{
    (void)state;
    CimRng rng;
    cim_rng_seed(&rng, 12);
    size_t rows = 7, c = 3;
    float x[21], y[21], g[3] = {1, 1, 1}, b[3] = {0, 0, 0}, rm[3], rv[3], mean[3], istd[3];
    fill(x, rows * c, &rng, -3, 3);
    fill(rm, c, &rng, -1, 1);
    fill(rv, c, &rng, 0.5, 2);
    float rm0[3], rv0[3];
    memcpy(rm0, rm, sizeof rm);
    memcpy(rv0, rv, sizeof rv);
    assert_int_equal(cim_pnt_bn_forward(x, rows, c, g, b, rm, rv, CIM_PNT_BN_MOMENTUM, 0, mean, istd, y), CIM_OK);
    for (size_t q = 0; q < c; q++) {
        double m = 0, v = 0;
        for (size_t r = 0; r < rows; r++)
            m += x[r * c + q];
        m /= (double)rows;
        for (size_t r = 0; r < rows; r++)
            v += (x[r * c + q] - m) * (x[r * c + q] - m);
        assert_true(fabs(rm[q] - (0.9 * rm0[q] + 0.1 * m)) < 1e-6);
        assert_true(fabs(rv[q] - (0.9 * rv0[q] + 0.1 * v / (double)(rows - 1))) < 1e-5);
        /* the normalisation uses the biased variance */
        assert_true(fabs(istd[q] - 1.0 / sqrt(v / (double)rows + 1e-5)) < 1e-4 * istd[q]);
    }
}

/* ---- the conv ------------------------------------------------------------------------- */

/* sum_{r,o} R[r][o] (b[o] + x[r] . w[o]) (no bias when b is NULL): the loss whose gradient
 * the conv and linear backwards are checked against. */
static double lin_loss(const double *x, const double *w, const double *b, size_t B, size_t in, size_t out,
                       const double *R)
{
    double l = 0;
    for (size_t i = 0; i < B; i++)
        for (size_t o = 0; o < out; o++) {
            double y = b ? b[o] : 0.0;
            for (size_t k = 0; k < in; k++)
                y += x[i * in + k] * w[o * in + k];
            l += R[i * out + o] * y;
        }
    return l;
}

static void test_conv_backward_in_float_mode_matches_finite_differences(void **state)
{
    (void)state;
    CimRng rng;
    cim_rng_seed(&rng, 13);
    for (int trial = 0; trial < 10; trial++) {
        size_t rows = below(&rng, 1, 7), cin = below(&rng, 1, 6), f = below(&rng, 1, 5);
        float *x = malloc(rows * cin * 4), *w = malloc(f * cin * 4), *xq = malloc(rows * cin * 4), *wq = malloc(f * cin * 4);
        float *z = malloc(rows * f * 4), *dz = malloc(rows * f * 4), *dx = malloc(rows * cin * 4), *dw = malloc(f * cin * 4);
        double *xd = malloc(rows * cin * 8), *wd = malloc(f * cin * 8), *R = malloc(rows * f * 8);
        fill(x, rows * cin, &rng, -1, 1);
        fill(w, f * cin, &rng, -1, 1);
        fill(dz, rows * f, &rng, -1, 1);
        for (size_t i = 0; i < rows * cin; i++)
            xd[i] = x[i];
        for (size_t i = 0; i < f * cin; i++)
            wd[i] = w[i];
        for (size_t i = 0; i < rows * f; i++)
            R[i] = dz[i];
        CimPnQuant qx, qw;
        assert_int_equal(cim_pnt_conv_forward(x, rows, cin, w, f, 0, 1, xq, wq, &qx, &qw, z), CIM_OK);
        cim_pnt_conv_backward(xq, wq, rows, cin, f, dz, 1, NULL, 1.0f, dx, dw);
        for (size_t i = 0; i < rows * cin; i++) {
            double keep = xd[i];
            xd[i] = keep + FD_H;
            double up = lin_loss(xd, wd, NULL, rows, cin, f, R);
            xd[i] = keep - FD_H;
            double dn = lin_loss(xd, wd, NULL, rows, cin, f, R);
            xd[i] = keep;
            assert_grad_close(dx[i], (up - dn) / (2 * FD_H), "conv dx", i);
        }
        for (size_t i = 0; i < f * cin; i++) {
            double keep = wd[i];
            wd[i] = keep + FD_H;
            double up = lin_loss(xd, wd, NULL, rows, cin, f, R);
            wd[i] = keep - FD_H;
            double dn = lin_loss(xd, wd, NULL, rows, cin, f, R);
            wd[i] = keep;
            assert_grad_close(dw[i], (up - dn) / (2 * FD_H), "conv dw", i);
        }
        free(x), free(w), free(xq), free(wq), free(z), free(dz), free(dx), free(dw), free(xd), free(wd), free(R);
    }
}

/* Quantised: each group's codes are the reference's (cim_pn_quantise on that block of rows:
 * one group = the batch, several = per cloud), the sums cim_pn_conv_int8's on them exactly,
 * also at the largest input width (every code -128 or 127); the backward is the float one on
 * the codes, the rows of group g times gx[g], the weights' times gw. */
static void test_conv_quantised_sums_equal_the_int8_loop_and_ste_scales(void **state)
{
    (void)state;
    CimRng rng;
    cim_rng_seed(&rng, 14);
    for (int trial = 0; trial < 10; trial++) {
        int extreme = trial < 2;
        size_t groups = below(&rng, 1, 4), per = below(&rng, 2, 12), rows = groups * per;
        size_t cin = extreme ? CIM_PNT_MAX_CIN : below(&rng, 1, 70), f = below(&rng, 1, 20);
        float *x = malloc(rows * cin * 4), *w = malloc(f * cin * 4), *xq = malloc(rows * cin * 4), *wq = malloc(f * cin * 4);
        float *z = malloc(rows * f * 4), *dz = malloc(rows * f * 4), *dx = malloc(rows * cin * 4), *dw = malloc(f * cin * 4);
        int8_t *cx = malloc(rows * cin), *cw = malloc(f * cin);
        int32_t *ref = malloc(rows * f * 4);
        if (extreme) { /* two values per tensor: codes -128 and 127 only, products of 16384 */
            for (size_t i = 0; i < rows * cin; i++)
                x[i] = i % 7 == 0 ? 1.0f : -1.0f;
            for (size_t i = 0; i < f * cin; i++)
                w[i] = cim_rng_uniform(&rng) < 0.9 ? -0.5f : 0.25f;
        } else {
            fill(x, rows * cin, &rng, -3, 5);
            for (size_t g = 0; g < groups; g++) /* groups of different ranges */
                for (size_t i = 0; i < per * cin; i++)
                    x[g * per * cin + i] *= (float)(g + 1);
            fill(w, f * cin, &rng, -0.4, 0.4);
        }
        CimPnQuant qx[4], qw, rx, rw;
        float gx[4];
        assert_int_equal(cim_pnt_conv_forward(x, rows, cin, w, f, 1, groups, xq, wq, qx, &qw, z), CIM_OK);
        for (size_t g = 0; g < groups; g++) {
            assert_int_equal(cim_pn_quant_params(x + g * per * cin, per * cin, &rx), CIM_OK);
            assert_int_equal(cim_pn_quantise(x + g * per * cin, per * cin, &rx, cx + g * per * cin), CIM_OK);
            assert_true(qx[g].s == rx.s && qx[g].z == rx.z);
            gx[g] = 1.0f / qx[g].s;
        }
        assert_int_equal(cim_pn_quant_params(w, f * cin, &rw), CIM_OK);
        assert_int_equal(cim_pn_quantise(w, f * cin, &rw, cw), CIM_OK);
        assert_true(qw.s == rw.s && qw.z == rw.z);
        for (size_t i = 0; i < rows * cin; i++)
            assert_true(xq[i] == (float)cx[i]);
        for (size_t i = 0; i < f * cin; i++)
            assert_true(wq[i] == (float)cw[i]);
        cim_pn_conv_int8(cx, cw, rows, cin, f, ref);
        for (size_t i = 0; i < rows * f; i++)
            if ((double)z[i] != (double)ref[i])
                fail_msg("sum %zu: %.1f, the int8 loop %d", i, (double)z[i], ref[i]);
        /* backward: dx = gx[g] * dz wq, dw = gw * dz^T xq */
        fill(dz, rows * f, &rng, -1, 1);
        float gw = 1.0f / qw.s;
        cim_pnt_conv_backward(xq, wq, rows, cin, f, dz, groups, gx, gw, dx, dw);
        for (size_t r = 0; r < rows; r += 3)
            for (size_t k = 0; k < cin; k += 13) {
                double s = 0, mag = 0, g = gx[r / per]; /* float rounding: relative to the terms' magnitude */
                for (size_t o = 0; o < f; o++) {
                    s += (double)dz[r * f + o] * cw[o * cin + k];
                    mag += fabs((double)dz[r * f + o] * cw[o * cin + k]);
                }
                assert_true(fabs(dx[r * cin + k] - g * s) <= 1e-5 * (1 + g * mag));
            }
        for (size_t o = 0; o < f; o++)
            for (size_t k = 0; k < cin; k += 11) {
                double s = 0, mag = 0;
                for (size_t r = 0; r < rows; r++) {
                    s += (double)dz[r * f + o] * cx[r * cin + k];
                    mag += fabs((double)dz[r * f + o] * cx[r * cin + k]);
                }
                assert_true(fabs(dw[o * cin + k] - gw * s) <= 1e-5 * (1 + gw * mag));
            }
        free(x), free(w), free(xq), free(wq), free(z), free(dz), free(dx), free(dw), free(cx), free(cw), free(ref);
    }
    /* a constant tensor (every filter pruned) cannot be quantised: refused, as documented */
    float x[4] = {1, 2, 3, 4}, w[2] = {0, 0}, xq[4], wq[2], z[2];
    CimPnQuant qx, qw;
    assert_int_equal(cim_pnt_conv_forward(x, 2, 2, w, 1, 1, 1, xq, wq, &qx, &qw, z), CIM_ERR_RANGE);
}

/* ---- max over the neighbours -------------------------------------------------------------- */

static void test_max_backward_matches_finite_differences_and_first_max_wins(void **state)
{
    (void)state;
    CimRng rng;
    cim_rng_seed(&rng, 15);
    for (int trial = 0; trial < 10; trial++) {
        size_t groups = below(&rng, 1, 4), k = below(&rng, 1, 6), f = below(&rng, 1, 4), n = groups * k * f;
        float *x = malloc(n * 4), *out = malloc(groups * f * 4), *dout = malloc(groups * f * 4), *dx = malloc(n * 4);
        uint32_t *arg = malloc(groups * f * 4);
        fill(x, n, &rng, -1, 1); /* distinct with probability 1: the max is differentiable */
        fill(dout, groups * f, &rng, -1, 1);
        cim_pnt_max_forward(x, groups, k, f, out, arg);
        cim_pnt_max_backward(dout, arg, groups, k, f, dx);
        for (size_t i = 0; i < n; i++) {
            double loss[2];
            for (int s = 0; s < 2; s++) {
                double h = s ? -FD_H : FD_H, l = 0;
                for (size_t g = 0; g < groups; g++)
                    for (size_t q = 0; q < f; q++) {
                        double m = -INFINITY;
                        for (size_t j = 0; j < k; j++) {
                            size_t e = (g * k + j) * f + q;
                            double v = x[e] + (e == i ? h : 0.0);
                            m = v > m ? v : m;
                        }
                        l += dout[g * f + q] * m;
                    }
                loss[s] = l;
            }
            assert_grad_close(dx[i], (loss[0] - loss[1]) / (2 * FD_H), "max dx", i);
        }
        free(x), free(out), free(dout), free(dx), free(arg);
    }
    /* ties: the first maximum takes the gradient (torch.max) */
    float x[6] = {0.5f, 2.0f, 0.5f, 2.0f, 0.5f, 1.0f}, out[2], dout[2] = {3.0f, 4.0f}, dx[6];
    uint32_t arg[2];
    cim_pnt_max_forward(x, 1, 3, 2, out, arg);
    assert_int_equal(arg[0], 0);
    assert_int_equal(arg[1], 0);
    cim_pnt_max_backward(dout, arg, 1, 3, 2, dx);
    assert_true(dx[0] == 3.0f && dx[1] == 4.0f && dx[2] == 0.0f && dx[3] == 0.0f && dx[4] == 0.0f && dx[5] == 0.0f);
}

/* ---- dropout, linear, cross-entropy --------------------------------------------------------- */

static void test_dropout_with_a_fixed_mask_matches_finite_differences(void **state)
{
    (void)state;
    CimRng rng;
    cim_rng_seed(&rng, 16);
    size_t n = 200;
    float x[200], y[200], dy[200], dx[200];
    uint8_t mask[200];
    fill(x, n, &rng, -1, 1);
    fill(dy, n, &rng, -1, 1);
    cim_pnt_dropout_mask(&rng, 0.5, n, mask);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        kept += mask[i];
    assert_true(kept > 70 && kept < 130); /* P(keep) = 0.5 */
    cim_pnt_dropout(x, mask, 0.5, n, y);
    cim_pnt_dropout(dy, mask, 0.5, n, dx);
    for (size_t i = 0; i < n; i++) {
        double fd = ((x[i] + FD_H) * mask[i] * 2.0 - (x[i] - FD_H) * mask[i] * 2.0) * dy[i] / (2 * FD_H);
        assert_grad_close(dx[i], fd, "dropout dx", i);
        assert_true(y[i] == (mask[i] ? x[i] * 2.0f : 0.0f));
    }
}


static void test_linear_backward_matches_finite_differences(void **state)
{
    (void)state;
    CimRng rng;
    cim_rng_seed(&rng, 17);
    for (int trial = 0; trial < 8; trial++) {
        size_t B = below(&rng, 1, 5), in = below(&rng, 1, 6), out = below(&rng, 1, 5);
        int bias = trial & 1;
        float x[30], w[30], b[5], y[25], dy[25], dx[30], dw[30] = {0}, db[5] = {0};
        double xd[30], wd[30], bd[5], R[25];
        fill(x, B * in, &rng, -1, 1);
        fill(w, out * in, &rng, -1, 1);
        fill(b, out, &rng, -1, 1);
        fill(dy, B * out, &rng, -1, 1);
        for (size_t i = 0; i < B * in; i++)
            xd[i] = x[i];
        for (size_t i = 0; i < out * in; i++)
            wd[i] = w[i];
        for (size_t i = 0; i < out; i++)
            bd[i] = b[i];
        for (size_t i = 0; i < B * out; i++)
            R[i] = dy[i];
        cim_pnt_linear_forward(x, B, in, w, bias ? b : NULL, out, y);
        for (size_t i = 0; i < B * out; i++) /* the forward itself against the double one */
            assert_true(fabs(y[i] - (lin_loss(xd + (i / out) * in, wd + (i % out) * in, NULL, 1, in, 1,
                                              (double[]){1.0}) + (bias ? bd[i % out] : 0.0))) < 1e-5);
        cim_pnt_linear_backward(x, B, in, w, out, dy, dx, dw, bias ? db : NULL);
        double *ps[3] = {xd, wd, bd};
        float *gs[3] = {dx, dw, db};
        size_t ns[3] = {B * in, out * in, bias ? out : 0};
        for (int p = 0; p < 3; p++)
            for (size_t i = 0; i < ns[p]; i++) {
                double keep = ps[p][i];
                ps[p][i] = keep + FD_H;
                double up = lin_loss(xd, wd, bias ? bd : NULL, B, in, out, R);
                ps[p][i] = keep - FD_H;
                double dn = lin_loss(xd, wd, bias ? bd : NULL, B, in, out, R);
                ps[p][i] = keep;
                assert_grad_close(gs[p][i], (up - dn) / (2 * FD_H), p == 0 ? "linear dx" : p == 1 ? "linear dw" : "linear db", i);
            }
    }
}

static double ce_loss(const double *z, const int32_t *lab, size_t B, size_t k)
{
    double l = 0;
    for (size_t i = 0; i < B; i++) {
        double m = z[i * k], s = 0;
        for (size_t q = 1; q < k; q++)
            m = z[i * k + q] > m ? z[i * k + q] : m;
        for (size_t q = 0; q < k; q++)
            s += exp(z[i * k + q] - m);
        l += m + log(s) - z[i * k + lab[i]];
    }
    return l / (double)B;
}

static void test_cross_entropy_matches_finite_differences(void **state)
{
    (void)state;
    CimRng rng;
    cim_rng_seed(&rng, 18);
    for (int trial = 0; trial < 8; trial++) {
        size_t B = below(&rng, 1, 6), k = below(&rng, 2, 10), correct = 0, want = 0;
        float z[60], dz[60];
        double zd[60];
        int32_t lab[6];
        fill(z, B * k, &rng, -4, 4);
        for (size_t i = 0; i < B * k; i++)
            zd[i] = z[i];
        for (size_t i = 0; i < B; i++) {
            lab[i] = (int32_t)below(&rng, 0, k - 1);
            size_t best = 0;
            for (size_t q = 1; q < k; q++)
                best = z[i * k + q] > z[i * k + best] ? q : best;
            want += (int32_t)best == lab[i];
        }
        double loss = cim_pnt_cross_entropy(z, lab, B, k, dz, &correct);
        assert_true(fabs(loss - ce_loss(zd, lab, B, k)) < 1e-9 * (1 + loss));
        assert_int_equal(correct, want);
        for (size_t i = 0; i < B * k; i++) {
            double keep = zd[i];
            zd[i] = keep + FD_H;
            double up = ce_loss(zd, lab, B, k);
            zd[i] = keep - FD_H;
            double dn = ce_loss(zd, lab, B, k);
            zd[i] = keep;
            assert_grad_close(dz[i], (up - dn) / (2 * FD_H), "cross-entropy dlogits", i);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bn_backward_matches_finite_differences),
        cmocka_unit_test(test_bn_running_estimates_use_momentum_and_unbiased_variance),
        cmocka_unit_test(test_conv_backward_in_float_mode_matches_finite_differences),
        cmocka_unit_test(test_conv_quantised_sums_equal_the_int8_loop_and_ste_scales),
        cmocka_unit_test(test_max_backward_matches_finite_differences_and_first_max_wins),
        cmocka_unit_test(test_dropout_with_a_fixed_mask_matches_finite_differences),
        cmocka_unit_test(test_linear_backward_matches_finite_differences),
        cmocka_unit_test(test_cross_entropy_matches_finite_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
