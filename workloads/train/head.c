/* Host layers of training: forward with saved activations, backward, gradients. */
#include "workloads/train/head.h"
#include "workloads/train/nn.h"

#include <stdlib.h>
#include <string.h>

static size_t size_of(const CimLayer *l, int out)
{
    return out ? (size_t)l->out_c * l->out_h * l->out_w : (size_t)l->in_c * l->in_h * l->in_w;
}

CimStatus cim_head_init(CimHead *h, const CimNet *net, size_t conv, size_t first, size_t batch, int skip_pruned)
{
    memset(h, 0, sizeof *h);
    h->net = net;
    h->conv = conv;
    h->first = first;
    h->batch = batch;
    h->skip_pruned = skip_pruned;
    h->in_size = size_of(&net->layers[conv], 1);
    size_t n = net->n - first, big = h->in_size;
    h->act = calloc(n + 1, sizeof *h->act);
    h->idx = calloc(n, sizeof *h->idx);
    h->dw = calloc(net->n, sizeof *h->dw);
    h->db = calloc(net->n, sizeof *h->db);
    if (!h->act || !h->idx || !h->dw || !h->db)
        return CIM_ERR_NOMEM;
    for (size_t k = 0; k <= n; k++) {
        const CimLayer *l = &net->layers[first + (k < n ? k : n - 1)];
        size_t sz = size_of(l, k == n);
        big = sz > big ? sz : big;
        if (!(h->act[k] = malloc(batch * sz * sizeof(float))))
            return CIM_ERR_NOMEM;
        if (k == n)
            break;
        if (l->kind == CIM_L_MAXPOOL && !(h->idx[k] = malloc(batch * size_of(l, 1) * sizeof(size_t))))
            return CIM_ERR_NOMEM;
        if (l->kind == CIM_L_LINEAR && (!(h->dw[first + k] = malloc(l->nw * sizeof(float))) ||
                                        (l->nb && !(h->db[first + k] = malloc(l->nb * sizeof(float))))))
            return CIM_ERR_NOMEM;
    }
    const CimLayer *c = &net->layers[conv];
    h->g0 = malloc(batch * big * sizeof(float));
    h->g1 = malloc(batch * big * sizeof(float));
    h->dy_conv = malloc(batch * h->in_size * sizeof(float));
    h->db[conv] = c->nb ? malloc(c->nb * sizeof(float)) : NULL;
    return h->g0 && h->g1 && h->dy_conv && (!c->nb || h->db[conv]) ? CIM_OK : CIM_ERR_NOMEM;
}

void cim_head_free(CimHead *h)
{
    size_t n = h->net ? h->net->n - h->first : 0;
    for (size_t k = 0; h->act && k <= n; k++)
        free(h->act[k]);
    for (size_t k = 0; h->idx && k < n; k++)
        free(h->idx[k]);
    for (size_t i = 0; h->net && h->dw && h->db && i < h->net->n; i++) {
        free(h->dw[i]);
        free(h->db[i]);
    }
    free(h->act);
    free(h->idx);
    free(h->dw);
    free(h->db);
    free(h->g0);
    free(h->g1);
    free(h->dy_conv);
    memset(h, 0, sizeof *h);
}

const float *cim_head_logits(const CimHead *h) { return h->act[h->net->n - h->first]; }

/* act[0] = ints + bias (0 for a pruned filter in skip mode) */
static void conv_output(CimHead *h, const int32_t *ints, size_t n)
{
    const CimLayer *c = &h->net->layers[h->conv];
    size_t hw = (size_t)c->out_h * c->out_w;
    for (size_t i = 0; i < n; i++)
        for (unsigned f = 0; f < c->out_c; f++) {
            int skip = h->skip_pruned && c->pruned[f];
            float b = c->b && !skip ? c->b[f] : 0.0f;
            const int32_t *src = ints + i * h->in_size + f * hw;
            float *dst = h->act[0] + i * h->in_size + f * hw;
            for (size_t p = 0; p < hw; p++)
                dst[p] = skip ? 0.0f : (float)src[p] + b;
        }
}

void cim_head_layer_forward(const CimLayer *l, const float *x, size_t n, float *y, size_t *idx)
{
    switch (l->kind) {
    case CIM_L_RELU: cim_nn_relu_forward(x, n * size_of(l, 0), y); break;
    case CIM_L_MAXPOOL: cim_nn_maxpool_forward(x, n, l->in_c, l->in_h, l->in_w, l->pool, y, idx); break;
    case CIM_L_LINEAR: cim_nn_linear_forward(x, n, size_of(l, 0), l->w, l->b, l->out_c, y); break;
    default: memcpy(y, x, n * size_of(l, 0) * sizeof *x); break;
    }
}

void cim_head_layer_backward(const CimLayer *l, const float *x, const float *y, const size_t *idx, size_t n,
                             const float *dy, float *dw, float *db, float *dx)
{
    size_t in = size_of(l, 0);
    switch (l->kind) {
    case CIM_L_RELU: cim_nn_relu_backward(y, dy, n * in, dx); break;
    case CIM_L_MAXPOOL: cim_nn_maxpool_backward(dy, idx, n * size_of(l, 1), dx, n * in); break;
    case CIM_L_LINEAR: cim_nn_linear_backward(x, n, in, l->w, l->out_c, dy, dw, db, dx); break;
    default: memcpy(dx, dy, n * in * sizeof *dx); break;
    }
}

/* A linear layer's work split by h->par: x, y, dy, dx as in the layer functions. */
typedef struct {
    const CimLayer *l;
    size_t in, n_rows;
    const float *x, *dy;
    float *y, *dw, *db, *dx;
} LinearPart;

static void linear_forward_rows(void *arg, size_t lo, size_t hi)
{
    const LinearPart *p = arg;
    cim_nn_linear_forward(p->x + lo * p->in, hi - lo, p->in, p->l->w, p->l->b, p->l->out_c, p->y + lo * p->l->out_c);
}

static void linear_dw_rows(void *arg, size_t lo, size_t hi)
{
    const LinearPart *p = arg;
    cim_nn_linear_backward_rows(p->x, p->n_rows, p->in, p->l->out_c, p->dy, p->dw, p->db, lo, hi);
}

static void linear_dx_rows(void *arg, size_t lo, size_t hi)
{
    const LinearPart *p = arg;
    size_t out = p->l->out_c;
    cim_nn_linear_backward(NULL, hi - lo, p->in, p->l->w, out, p->dy + lo * out, NULL, NULL, p->dx + lo * p->in);
}

void cim_head_forward(CimHead *h, const int32_t *ints, size_t n)
{
    conv_output(h, ints, n);
    for (size_t k = 0; h->first + k < h->net->n; k++) {
        const CimLayer *l = &h->net->layers[h->first + k];
        if (h->par && l->kind == CIM_L_LINEAR) {
            LinearPart p = {.l = l, .in = size_of(l, 0), .x = h->act[k], .y = h->act[k + 1]};
            h->par(h->par_ctx, n, CIM_NN_SGEMM_SPLIT, linear_forward_rows, &p);
        } else
            cim_head_layer_forward(l, h->act[k], n, h->act[k + 1], h->idx[k]);
    }
}

/* dy (gradient of layer k's output) -> dx (gradient of its input); parameter grads. */
static void layer_backward(CimHead *h, size_t k, size_t n, const float *dy, float *dx)
{
    size_t i = h->first + k;
    const CimLayer *l = &h->net->layers[i];
    if (h->par && l->kind == CIM_L_LINEAR) {
        LinearPart p = {.l = l, .in = size_of(l, 0), .n_rows = n, .x = h->act[k], .dy = dy, .dw = h->dw[i],
                        .db = h->db[i], .dx = dx};
        h->par(h->par_ctx, l->out_c, CIM_NN_SGEMM_SPLIT, linear_dw_rows, &p);
        h->par(h->par_ctx, n, CIM_NN_SGEMM_SPLIT, linear_dx_rows, &p);
    } else
        cim_head_layer_backward(l, h->act[k], h->act[k + 1], h->idx[k], n, dy, h->dw[i], h->db[i], dx);
}

float cim_head_backward(CimHead *h, const int32_t *labels, size_t n)
{
    size_t nl = h->net->n - h->first;
    const CimLayer *last = &h->net->layers[h->net->n - 1];
    float loss = cim_nn_cross_entropy(h->act[nl], labels, n, last->out_c, h->g0);
    float *dy = h->g0, *dx = h->g1;
    for (size_t k = nl; k-- > 0;) {
        layer_backward(h, k, n, dy, k ? dx : h->dy_conv);
        float *t = dy;
        dy = dx;
        dx = t;
    }
    const CimLayer *c = &h->net->layers[h->conv];
    size_t hw = (size_t)c->out_h * c->out_w;
    for (unsigned f = 0; h->db[h->conv] && f < c->out_c; f++) {
        double s = 0; /* summed in double, rounded once, like the linear biases */
        for (size_t i = 0; i < n; i++)
            for (size_t p = 0; p < hw; p++)
                s += h->dy_conv[i * h->in_size + f * hw + p];
        h->db[h->conv][f] = h->skip_pruned && c->pruned[f] ? 0.0f : (float)s;
    }
    return loss;
}
