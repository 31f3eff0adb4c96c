/* The host reference forward of pointnet2_cls_ssg for one cloud (batch 1, the chip's
 * semantics): set abstraction (FPS, ball query, grouping or group-all; per conv the
 * per-tensor int8 quantisation of input and weights, the int8 conv boundary, BatchNorm and
 * ReLU; max over the group) and the float head. reference_pointnet.md states each step. */
#include "workloads/pointnet/pointnet.h"

#include <stdlib.h>
#include <string.h>

unsigned cim_pn_classes(const CimPnNet *net)
{
    return net->n ? net->layers[net->n - 1].out_c : 0;
}

size_t cim_pn_positions(const CimPnLayer *l)
{
    return l->group_all ? l->in_points : (size_t)l->npoint * l->nsample;
}

uint64_t cim_pn_layer_macs(const CimPnNet *net, size_t i)
{
    const CimPnLayer *l = &net->layers[i];
    uint64_t m = 0;
    if (l->kind == CIM_PN_SA)
        for (unsigned s = 0; s < l->n_mlp; s++)
            m += (uint64_t)cim_pn_positions(l) * l->cin[s] * l->mlp[s];
    else if (l->kind == CIM_PN_LINEAR)
        m = (uint64_t)l->in_c * l->out_features;
    return m;
}

/* Work space of one set abstraction: float activations, their codes, the int32 sums. */
typedef struct {
    float *x;
    int8_t *xq, *wq;
    int32_t *acc;
} Work;

static CimStatus quant_error(const CimPnLayer *l, unsigned s, const char *what, CimDiag *diag)
{
    cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                 "%s conv %u: cannot quantise its %s to int8: it is constant (s = 0; the reference makes NaN codes), "
                 "not finite, or a code falls outside [-128, 127]",
                 l->name, s, what);
    return CIM_ERR_RANGE;
}

CimStatus cim_pn_weight_codes(const CimPnLayer *l, unsigned s, int8_t *codes, CimDiag *diag)
{
    size_t n = (size_t)l->mlp[s] * l->cin[s];
    CimPnQuant q;
    if (cim_pn_quant_params(l->w[s], n, &q) != CIM_OK || cim_pn_quantise(l->w[s], n, &q, codes) != CIM_OK)
        return quant_error(l, s, "weights", diag);
    return CIM_OK;
}

/* Conv s of l on p positions of w->x (width l->cin[s]); leaves BN + ReLU outputs in w->x. */
static CimStatus mlp_stage(const CimPnLayer *l, size_t li, unsigned s, size_t p, Work *w, const CimPnOpts *o,
                           int first, CimDiag *diag)
{
    size_t c = l->cin[s], f = l->mlp[s];
    CimPnQuant qx;
    if (cim_pn_quant_params(w->x, p * c, &qx) != CIM_OK || cim_pn_quantise(w->x, p * c, &qx, w->xq) != CIM_OK)
        return quant_error(l, s, "input", diag);
    CimStatus st = cim_pn_weight_codes(l, s, w->wq, diag);
    if (st != CIM_OK)
        return st;
    if (o->conv) {
        if ((st = o->conv(o->conv_ctx, li, s, w->xq, w->wq, p, c, f, w->acc, diag)) != CIM_OK)
            return st;
    } else
        cim_pn_conv_int8(w->xq, w->wq, p, c, f, w->acc);
    if (first && o->first_conv_out && o->first_conv_cap >= p * f)
        memcpy(o->first_conv_out, w->acc, p * f * sizeof *w->acc);
    for (size_t i = 0; i < p * f; i++)
        w->x[i] = (float)w->acc[i]; /* exact: |sum| < 2^24 in this network */
    cim_pn_bn(w->x, p, f, &l->bn[s], 1);
    return CIM_OK;
}

/* One set abstraction: xyz[n][3] and feat[n][c] in; centres and features out (*xyz, *feat
 * replaced by new arrays). */
/* The MLP's input x[p][3 + c] of one set abstraction and its centres: FPS, ball query and
 * grouping, or every point with absolute xyz (group-all, centre 0). */
static CimStatus sa_input(const CimPnLayer *l, const float *xyz, const float *feat, const CimPnOpts *o,
                          float *centres, uint32_t *idx, float *scratch, float *x, CimDiag *diag)
{
    size_t n = l->in_points, c = l->in_c, m = l->group_all ? 1 : l->npoint, k = l->group_all ? n : l->nsample;
    if (l->group_all) {
        memset(centres, 0, 3 * sizeof(float));
        for (size_t j = 0; j < n; j++) {
            memcpy(x + j * (3 + c), xyz + 3 * j, 3 * sizeof(float));
            memcpy(x + j * (3 + c) + 3, feat + j * c, c * sizeof(float));
        }
        return CIM_OK;
    }
    if (o->fps_start >= n) {
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0, "%s: fps_start %zu is not below its %zu points", l->name,
                     o->fps_start, n);
        return CIM_ERR_RANGE;
    }
    cim_pn_fps(xyz, n, m, o->fps_start, idx, scratch); /* the FPS indices, then the groups, in idx */
    for (size_t i = 0; i < m; i++)
        memcpy(centres + 3 * i, xyz + 3 * idx[i], 3 * sizeof(float));
    if (cim_pn_ball_query(xyz, n, centres, m, l->radius, k, idx) != CIM_OK) {
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0, "%s: a centre has no point within radius %g", l->name,
                     (double)l->radius);
        return CIM_ERR_RANGE;
    }
    cim_pn_group(xyz, feat, c, centres, m, idx, k, x);
    return CIM_OK;
}

/* out[i][q] = max over the k group members j of x[i*k + j][q]. */
static void max_over_group(const float *x, size_t m, size_t k, size_t f, float *out)
{
    for (size_t i = 0; i < m; i++)
        for (size_t q = 0; q < f; q++) {
            float v = x[(i * k) * f + q];
            for (size_t j = 1; j < k; j++)
                v = x[(i * k + j) * f + q] > v ? x[(i * k + j) * f + q] : v;
            out[i * f + q] = v;
        }
}

/* One set abstraction: xyz[n][3] and feat[n][c] in; centres and features out (*xyz, *feat
 * replaced by new arrays). */
static CimStatus sa_forward(const CimPnLayer *l, size_t li, float **xyz, float **feat, const CimPnOpts *o,
                            int first, CimDiag *diag)
{
    size_t n = l->in_points, m = l->group_all ? 1 : l->npoint, k = l->group_all ? n : l->nsample;
    size_t p = m * k, width = 3 + l->in_c, wmax = 0, f = l->mlp[l->n_mlp - 1];
    for (unsigned s = 0; s < l->n_mlp; s++) {
        width = l->mlp[s] > width ? l->mlp[s] : width;
        wmax = (size_t)l->mlp[s] * l->cin[s] > wmax ? (size_t)l->mlp[s] * l->cin[s] : wmax;
    }
    Work w = {malloc(p * width * sizeof(float)), malloc(p * width), malloc(wmax), malloc(p * width * sizeof(int32_t))};
    float *centres = malloc(3 * m * sizeof(float)), *scratch = malloc(n * sizeof(float));
    uint32_t *idx = malloc(p * sizeof *idx);
    float *out = malloc(m * f * sizeof(float));
    CimStatus st = w.x && w.xq && w.wq && w.acc && centres && scratch && idx && out ? CIM_OK : CIM_ERR_NOMEM;
    if (st == CIM_OK)
        st = sa_input(l, *xyz, *feat, o, centres, idx, scratch, w.x, diag);
    for (unsigned s = 0; st == CIM_OK && s < l->n_mlp; s++)
        st = mlp_stage(l, li, s, p, &w, o, first && s == 0, diag);
    if (st == CIM_OK)
        max_over_group(w.x, m, k, f, out);
    free(w.x);
    free(w.xq);
    free(w.wq);
    free(w.acc);
    free(scratch);
    free(idx);
    if (st != CIM_OK) {
        free(centres);
        free(out);
        return st;
    }
    free(*xyz);
    free(*feat);
    *xyz = centres;
    *feat = out;
    return CIM_OK;
}

/* A head layer on the flat vector v (in place when the width stays; linear via tmp). */
static void head_layer(const CimPnLayer *l, float *v, float *tmp)
{
    if (l->kind == CIM_PN_LINEAR) {
        for (unsigned o = 0; o < l->out_features; o++) {
            const float *wr = l->w[0] + (size_t)o * l->in_c;
            float acc = 0.0f;
            for (unsigned i = 0; i < l->in_c; i++)
                acc += wr[i] * v[i];
            tmp[o] = l->has_bias ? acc + l->b[o] : acc;
        }
        memcpy(v, tmp, l->out_features * sizeof *v);
    } else if (l->kind == CIM_PN_BN)
        cim_pn_bn(v, 1, l->in_c, &l->bn[0], 0);
    else if (l->kind == CIM_PN_RELU)
        for (unsigned i = 0; i < l->in_c; i++)
            v[i] = v[i] < 0.0f ? 0.0f : v[i];
    /* dropout: the identity in eval mode */
}

CimStatus cim_pn_forward(const CimPnNet *net, const float *xyz, const float *feat, const CimPnOpts *o, float *logits,
                         CimDiag *diag)
{
    size_t n = net->points, c = net->channels - 3, widest = 1;
    for (size_t i = 0; i < net->n; i++)
        widest = net->layers[i].out_c > widest ? net->layers[i].out_c : widest;
    float *px = malloc(3 * n * sizeof(float)), *pf = malloc((c ? n * c : 1) * sizeof(float));
    float *v = malloc(widest * sizeof(float)), *tmp = malloc(widest * sizeof(float));
    CimStatus st = px && pf && v && tmp ? CIM_OK : CIM_ERR_NOMEM;
    if (st == CIM_OK) {
        memcpy(px, xyz, 3 * n * sizeof(float));
        if (c)
            memcpy(pf, feat, n * c * sizeof(float));
    }
    int first = 1;
    for (size_t i = 0; st == CIM_OK && i < net->n; i++) {
        const CimPnLayer *l = &net->layers[i];
        if (l->kind == CIM_PN_SA) {
            st = sa_forward(l, i, &px, &pf, o, first, diag);
            first = 0;
            if (st == CIM_OK && l->group_all)
                memcpy(v, pf, l->out_c * sizeof(float));
        } else
            head_layer(l, v, tmp);
    }
    if (st == CIM_OK)
        memcpy(logits, v, cim_pn_classes(net) * sizeof(float));
    free(px);
    free(pf);
    free(v);
    free(tmp);
    return st;
}
