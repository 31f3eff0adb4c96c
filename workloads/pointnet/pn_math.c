/* The reference's arithmetic, float32 as PyTorch computes it (reference_pointnet.md):
 * per-tensor int8 quantisation, the int8 1x1 conv boundary, get_dists, FPS, ball query,
 * grouping and eval BatchNorm. Built with -std=c11, so no FMA contraction. */
#include "workloads/pointnet/pointnet.h"

#include <math.h>

CimStatus cim_pn_quant_params(const float *x, size_t n, CimPnQuant *q)
{
    if (n == 0 || !isfinite(x[0]))
        return CIM_ERR_RANGE;
    float mn = x[0], mx = x[0];
    for (size_t i = 1; i < n; i++) {
        if (!isfinite(x[i]))
            return CIM_ERR_RANGE;
        mn = x[i] < mn ? x[i] : mn;
        mx = x[i] > mx ? x[i] : mx;
    }
    float s = (mx - mn) / 255.0f;
    if (!(s > 0.0f))
        return CIM_ERR_RANGE;
    q->s = s;
    q->z = -(mn / s) + (-128.0f);
    return CIM_OK;
}

/* Example: s = 1, z = -128: x = 0.5 -> round(-127.5) = -128, x = 1.5 -> round(-126.5) = -126
 * (ties to even; rintf in the default rounding mode). */
CimStatus cim_pn_quantise(const float *x, size_t n, const CimPnQuant *q, int8_t *codes)
{
    for (size_t i = 0; i < n; i++) {
        float v = rintf(x[i] / q->s + q->z);
        if (!(v >= -128.0f && v <= 127.0f))
            return CIM_ERR_RANGE;
        codes[i] = (int8_t)v;
    }
    return CIM_OK;
}

void cim_pn_conv_int8(const int8_t *x, const int8_t *w, size_t P, size_t C, size_t F, int32_t *out)
{
    for (size_t p = 0; p < P; p++) {
        const int8_t *xp = x + p * C;
        for (size_t f = 0; f < F; f++) {
            const int8_t *wf = w + f * C;
            int32_t acc = 0;
            for (size_t c = 0; c < C; c++)
                acc += (int32_t)xp[c] * (int32_t)wf[c];
            out[p * F + f] = acc;
        }
    }
}

/* torch.sum(torch.pow(p, 2), -1): the three squares added in order. */
static float sq3(const float *a)
{
    return a[0] * a[0] + a[1] * a[1] + a[2] * a[2];
}

float cim_pn_dist(const float *a, const float *b)
{
    float d = sq3(a) + sq3(b);
    d -= 2.0f * (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]);
    if (d < 0.0f)
        d = 1e-7f;
    return sqrtf(d);
}

void cim_pn_fps(const float *xyz, size_t n, size_t m, size_t start, uint32_t *idx, float *scratch)
{
    for (size_t j = 0; j < n; j++)
        scratch[j] = 1e5f;
    size_t cur = start;
    for (size_t i = 0; i < m; i++) {
        idx[i] = (uint32_t)cur;
        size_t best = 0;
        for (size_t j = 0; j < n; j++) {
            float d = cim_pn_dist(xyz + 3 * cur, xyz + 3 * j);
            if (d < scratch[j])
                scratch[j] = d;
            if (scratch[j] > scratch[best])
                best = j;  /* strict: the first maximum wins, as torch.max */
        }
        cur = best;
    }
}

CimStatus cim_pn_ball_query(const float *xyz, size_t n, const float *centres, size_t m, float r, size_t k,
                            uint32_t *idx)
{
    for (size_t i = 0; i < m; i++) {
        uint32_t *g = idx + i * k;
        size_t got = 0;
        for (size_t j = 0; j < n && got < k; j++)
            if (!(cim_pn_dist(centres + 3 * i, xyz + 3 * j) > r))
                g[got++] = (uint32_t)j;
        if (got == 0)
            return CIM_ERR_RANGE;
        for (size_t q = got; q < k; q++)
            g[q] = g[0];
    }
    return CIM_OK;
}

void cim_pn_group(const float *xyz, const float *feat, size_t c, const float *centres, size_t m,
                  const uint32_t *idx, size_t k, float *out)
{
    size_t row = 3 + c;
    for (size_t i = 0; i < m; i++)
        for (size_t q = 0; q < k; q++) {
            size_t j = idx[i * k + q];
            float *o = out + (i * k + q) * row;
            for (int a = 0; a < 3; a++)
                o[a] = xyz[3 * j + a] - centres[3 * i + a];
            for (size_t f = 0; f < c; f++)
                o[3 + f] = feat[j * c + f];
        }
}

void cim_pn_bn(float *x, size_t p, size_t c, const CimPnBn *bn, int relu)
{
    for (size_t f = 0; f < c; f++) {
        float a = bn->gamma[f] * (1.0f / sqrtf(bn->var[f] + CIM_PN_BN_EPS));
        float b = bn->beta[f] - bn->mean[f] * a;
        for (size_t i = 0; i < p; i++) {
            float y = x[i * c + f] * a + b;
            x[i * c + f] = relu && y < 0.0f ? 0.0f : y;
        }
    }
}
