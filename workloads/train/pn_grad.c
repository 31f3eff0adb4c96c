/* PointNet++ training layers: forward in training mode and backward (pn_grad.h). */
#if defined(__GNUC__) && !defined(__clang__)
/* Comparisons may then be vectorised (the ReLU masks below); results are unchanged: only
 * floating-point exception flags, which nothing reads, may differ. */
#pragma GCC optimize("no-trapping-math")
#endif
#include "workloads/train/pn_grad.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void cim_pnt_gemm_nt(const float *a, const float *b, size_t m, size_t n, size_t k, int add, float *c)
{
    if (!m || !n)
        return;
    if (!k) {
        if (!add)
            memset(c, 0, m * n * sizeof *c);
        return;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)k, 1.0f, a, (int)k, b, (int)k,
                add ? 1.0f : 0.0f, c, (int)n);
}

/* ---- BatchNorm ---------------------------------------------------------------------- */

#define BN_BLOCK 256 /* rows summed in float before the sum goes into the double one */

/* Per channel: s1 += sum of a, s2 += sum of a * (x - mean) over the rows, where a is dy
 * masked by the ReLU (dy given, bn used) or x itself (dy NULL). Float within blocks of
 * BN_BLOCK rows (vectorised across channels), double across them. */
static void channel_sums(const float *restrict x, const float *restrict dy, size_t rows, size_t c,
                         const float *restrict mean, const float *restrict istd, const float *restrict gamma,
                         const float *restrict beta, int relu, float *restrict p1, float *restrict p2, double *s1,
                         double *s2)
{
    for (size_t r0 = 0; r0 < rows; r0 += BN_BLOCK) {
        size_t r1 = rows - r0 < BN_BLOCK ? rows : r0 + BN_BLOCK;
        memset(p1, 0, c * sizeof *p1);
        memset(p2, 0, c * sizeof *p2);
        for (size_t r = r0; r < r1; r++) {
            const float *xr = x + r * c, *dr = dy ? dy + r * c : xr;
            if (relu)
                for (size_t q = 0; q < c; q++) {
                    float v = cim_pnt_bn_value(xr[q], mean[q], istd[q], gamma[q], beta[q]);
                    float g = dr[q] * (float)(v > 0.0f); /* branch-free, so that it vectorises */
                    p1[q] += g;
                    p2[q] += g * (xr[q] - mean[q]);
                }
            else
                for (size_t q = 0; q < c; q++) {
                    p1[q] += dr[q];
                    p2[q] += dr[q] * (xr[q] - mean[q]);
                }
        }
        for (size_t q = 0; q < c; q++) {
            s1[q] += p1[q];
            s2[q] += p2[q];
        }
    }
}

/* Per channel sum over the rows of (x - centre)^2 when square, else x; float within blocks
 * of BN_BLOCK rows, double across them (out: c doubles, zeroed here; p: c floats scratch). */
static void channel_moment(const float *restrict x, size_t rows, size_t c, const float *restrict centre, int square,
                           float *restrict p, double *out)
{
    memset(out, 0, c * sizeof *out);
    for (size_t r0 = 0; r0 < rows; r0 += BN_BLOCK) {
        size_t r1 = rows - r0 < BN_BLOCK ? rows : r0 + BN_BLOCK;
        memset(p, 0, c * sizeof *p);
        for (size_t r = r0; r < r1; r++) {
            const float *xr = x + r * c;
            if (square)
                for (size_t q = 0; q < c; q++)
                    p[q] += (xr[q] - centre[q]) * (xr[q] - centre[q]);
            else
                for (size_t q = 0; q < c; q++)
                    p[q] += xr[q];
        }
        for (size_t q = 0; q < c; q++)
            out[q] += p[q];
    }
}

CimStatus cim_pnt_bn_forward(const float *x, size_t rows, size_t c, const float *gamma, const float *beta, float *run_mean,
                             float *run_var, double momentum, int relu, float *mean, float *istd, float *y)
{
    double *s = malloc(c * sizeof *s);
    float *p = malloc(c * sizeof *p);
    if (!s || !p) {
        free(s);
        free(p);
        return CIM_ERR_NOMEM;
    }
    channel_moment(x, rows, c, NULL, 0, p, s);
    for (size_t q = 0; q < c; q++)
        mean[q] = (float)(s[q] / (double)rows);
    channel_moment(x, rows, c, mean, 1, p, s); /* biased variance about the float mean */
    for (size_t q = 0; q < c; q++) {
        double var = s[q] / (double)rows;
        istd[q] = (float)(1.0 / sqrt(var + (double)CIM_PN_BN_EPS));
        if (run_mean) {
            double unbiased = rows > 1 ? s[q] / (double)(rows - 1) : var;
            run_mean[q] = (float)((1.0 - momentum) * run_mean[q] + momentum * (double)mean[q]);
            run_var[q] = (float)((1.0 - momentum) * run_var[q] + momentum * unbiased);
        }
    }
    free(s);
    free(p);
    for (size_t r = 0; r < rows; r++)
        for (size_t q = 0; q < c; q++) {
            float v = cim_pnt_bn_value(x[r * c + q], mean[q], istd[q], gamma[q], beta[q]);
            y[r * c + q] = relu && !(v > 0.0f) ? 0.0f : v; /* the ReLU the backward tests: v > 0 passes */
        }
    return CIM_OK;
}

CimStatus cim_pnt_bn_backward(const float *x, size_t rows, size_t c, const float *gamma, const float *beta, int relu,
                              const float *mean, const float *istd, const float *dy, float *dx, float *dgamma,
                              float *dbeta)
{
    double *sd = calloc(2 * c, sizeof *sd), *sdx = sd ? sd + c : NULL;
    float *k = malloc(5 * c * sizeof *k);
    if (!sd || !k) {
        free(sd);
        free(k);
        return CIM_ERR_NOMEM;
    }
    /* g = dy masked by the ReLU (the forward's own test: its BN value > 0); per channel the
     * sums of g and of g * (x - mean) */
    channel_sums(x, dy, rows, c, mean, istd, gamma, beta, relu, k + 3 * c, k + 4 * c, sd, sdx);
    /* dx = gamma * istd * (g - mean(g) - xhat * mean(g * xhat)), xhat = (x - mean) * istd:
     * dx = k0 * g - k1 - (x - mean) * k2 per channel */
    float *k0 = k, *k1 = k + c, *k2 = k + 2 * c;
    for (size_t q = 0; q < c; q++) {
        double a = (double)gamma[q] * istd[q], sxh = sdx[q] * istd[q];
        dgamma[q] += (float)sxh;
        dbeta[q] += (float)sd[q];
        k0[q] = (float)a;
        k1[q] = (float)(a * sd[q] / (double)rows);
        k2[q] = (float)(a * istd[q] * sxh / (double)rows);
    }
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * c, *dr = dy + r * c;
        float *o = dx + r * c;
        if (relu)
            for (size_t q = 0; q < c; q++) {
                float v = cim_pnt_bn_value(xr[q], mean[q], istd[q], gamma[q], beta[q]);
                float g = dr[q] * (float)(v > 0.0f); /* branch-free, so that it vectorises */
                o[q] = k0[q] * g - k1[q] - (xr[q] - mean[q]) * k2[q];
            }
        else
            for (size_t q = 0; q < c; q++)
                o[q] = k0[q] * dr[q] - k1[q] - (xr[q] - mean[q]) * k2[q];
    }
    free(sd);
    free(k);
    return CIM_OK;
}

/* ---- the int8 conv --------------------------------------------------------------------- */

/* The codes of n floats as floats (quant) or a copy. */
static CimStatus codes(const float *x, size_t n, int quant, CimPnQuant *q, float *out)
{
    if (!quant) {
        if (out != x)
            memcpy(out, x, n * sizeof *out);
        return CIM_OK;
    }
    CimStatus st = cim_pn_quant_params(x, n, q);
    if (st != CIM_OK)
        return st;
    /* cim_pn_quantise's rule, element by element into floats (no int8 copy of the batch) */
    enum { CHUNK = 4096 };
    int8_t buf[CHUNK];
    for (size_t i = 0; i < n; i += CHUNK) {
        size_t m = n - i < CHUNK ? n - i : CHUNK;
        if ((st = cim_pn_quantise(x + i, m, q, buf)) != CIM_OK)
            return st;
        for (size_t k = 0; k < m; k++)
            out[i + k] = (float)buf[k];
    }
    return CIM_OK;
}

CimStatus cim_pnt_conv_forward(const float *x, size_t rows, size_t cin, const float *w, size_t f, int quant,
                               size_t groups, float *xq, float *wq, CimPnQuant *qx, CimPnQuant *qw, float *z)
{
    if (quant && cin > CIM_PNT_MAX_CIN)
        return CIM_ERR_RANGE;
    size_t per = rows / groups * cin;
    CimStatus st = CIM_OK;
    for (size_t g = 0; st == CIM_OK && g < groups; g++)
        st = codes(x + g * per, per, quant, &qx[g], xq + g * per);
    if (st == CIM_OK)
        st = codes(w, f * cin, quant, qw, wq);
    if (st == CIM_OK)
        cim_pnt_gemm_nt(xq, wq, rows, f, cin, 0, z);
    return st;
}

void cim_pnt_conv_backward(const float *xq, const float *wq, size_t rows, size_t cin, size_t f, const float *dz,
                           size_t groups, const float *gx, float gw, float *dx, float *dw)
{
    /* dw[o][k] = gw * sum_r dz[r][o] xq[r][k] */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)f, (int)cin, (int)rows, gw, dz, (int)f, xq, (int)cin,
                0.0f, dw, (int)cin);
    if (!dx)
        return;
    /* dx[r][k] = gx[group of r] * sum_o dz[r][o] wq[o][k] */
    size_t per = rows / groups;
    for (size_t g = 0; g < groups; g++)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)per, (int)cin, (int)f, gx ? gx[g] : 1.0f,
                    dz + g * per * f, (int)f, wq, (int)cin, 0.0f, dx + g * per * cin, (int)cin);
}

/* ---- max over the neighbours ---------------------------------------------------------- */

void cim_pnt_max_forward(const float *x, size_t groups, size_t k, size_t f, float *out, uint32_t *arg)
{
    for (size_t g = 0; g < groups; g++) {
        const float *base = x + g * k * f;
        float *o = out + g * f;
        uint32_t *a = arg + g * f;
        memcpy(o, base, f * sizeof *o);
        memset(a, 0, f * sizeof *a);
        for (size_t j = 1; j < k; j++)
            for (size_t q = 0; q < f; q++)
                if (base[j * f + q] > o[q]) { /* strictly greater: the first maximum stays */
                    o[q] = base[j * f + q];
                    a[q] = (uint32_t)j;
                }
    }
}

void cim_pnt_max_backward(const float *dout, const uint32_t *arg, size_t groups, size_t k, size_t f, float *dx)
{
    memset(dx, 0, groups * k * f * sizeof *dx);
    for (size_t g = 0; g < groups; g++)
        for (size_t q = 0; q < f; q++)
            dx[(g * k + arg[g * f + q]) * f + q] = dout[g * f + q];
}

/* ---- dropout ------------------------------------------------------------------------- */

void cim_pnt_dropout_mask(CimRng *rng, double p, size_t n, uint8_t *mask)
{
    for (size_t i = 0; i < n; i++)
        mask[i] = cim_rng_uniform(rng) >= p;
}

void cim_pnt_dropout(const float *x, const uint8_t *mask, double p, size_t n, float *y)
{
    float scale = p < 1.0 ? (float)(1.0 / (1.0 - p)) : 0.0f;
    for (size_t i = 0; i < n; i++)
        y[i] = mask[i] ? x[i] * scale : 0.0f;
}

/* ---- linear -------------------------------------------------------------------------- */

void cim_pnt_linear_forward(const float *x, size_t batch, size_t in, const float *w, const float *bias, size_t out,
                            float *y)
{
    cim_pnt_gemm_nt(x, w, batch, out, in, 0, y);
    for (size_t b = 0; bias && b < batch; b++)
        for (size_t o = 0; o < out; o++)
            y[b * out + o] += bias[o];
}

void cim_pnt_linear_backward(const float *x, size_t batch, size_t in, const float *w, size_t out, const float *dy,
                             float *dx, float *dw, float *dbias)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)out, (int)in, (int)batch, 1.0f, dy, (int)out, x, (int)in,
                1.0f, dw, (int)in);
    for (size_t b = 0; dbias && b < batch; b++)
        for (size_t o = 0; o < out; o++)
            dbias[o] += dy[b * out + o];
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)batch, (int)in, (int)out, 1.0f, dy, (int)out, w,
                    (int)in, 0.0f, dx, (int)in);
}

/* ---- cross-entropy ----------------------------------------------------------------------- */

double cim_pnt_cross_entropy(const float *logits, const int32_t *labels, size_t batch, size_t k, float *dlogits,
                             size_t *correct)
{
    double loss = 0.0;
    *correct = 0;
    for (size_t b = 0; b < batch; b++) {
        const float *z = logits + b * k;
        size_t best = 0;
        for (size_t q = 1; q < k; q++)
            best = z[q] > z[best] ? q : best;
        *correct += (int32_t)best == labels[b];
        double mx = z[best], sum = 0.0;
        for (size_t q = 0; q < k; q++)
            sum += exp((double)z[q] - mx);
        double lse = mx + log(sum);
        loss += lse - z[labels[b]];
        for (size_t q = 0; q < k; q++) {
            double pq = exp((double)z[q] - lse);
            dlogits[b * k + q] = (float)((pq - ((int32_t)q == labels[b])) / (double)batch);
        }
    }
    return batch ? loss / (double)batch : 0.0;
}
