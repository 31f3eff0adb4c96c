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
    size_t n = net->n - first;
    h->act = calloc(n + 1, sizeof *h->act);
    h->grad = calloc(n + 1, sizeof *h->grad);
    h->idx = calloc(n, sizeof *h->idx);
    h->dw = calloc(net->n, sizeof *h->dw);
    h->db = calloc(net->n, sizeof *h->db);
    if (!h->act || !h->grad || !h->idx || !h->dw || !h->db)
        return CIM_ERR_NOMEM;
    for (size_t k = 0; k <= n; k++) {
        const CimLayer *l = &net->layers[first + (k < n ? k : n - 1)];
        size_t sz = size_of(l, k == n);
        if (!(h->act[k] = malloc(batch * sz * sizeof(float))) || (k && !(h->grad[k] = malloc(batch * sz * sizeof(float)))))
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
    h->grad[0] = h->dy_conv = malloc(batch * h->in_size * sizeof(float));
    h->db[conv] = c->nb ? malloc(c->nb * sizeof(float)) : NULL;
    return h->dy_conv && (!c->nb || h->db[conv]) ? CIM_OK : CIM_ERR_NOMEM;
}

void cim_head_free(CimHead *h)
{
    size_t n = h->net ? h->net->n - h->first : 0;
    for (size_t k = 0; h->act && k <= n; k++)
        free(h->act[k]);
    for (size_t k = 1; h->grad && k <= n; k++)
        free(h->grad[k]);
    free(h->grad);
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
    free(h->dy_conv);
    memset(h, 0, sizeof *h);
}

const float *cim_head_logits(const CimHead *h) { return h->act[h->net->n - h->first]; }

/* act[0] = ints + bias (0 for a pruned filter in skip mode), examples lo <= i < hi */
static void conv_output(CimHead *h, const int32_t *ints, size_t lo, size_t hi)
{
    const CimLayer *c = &h->net->layers[h->conv];
    size_t hw = (size_t)c->out_h * c->out_w;
    for (size_t i = lo; i < hi; i++)
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

void cim_head_forward_rows(CimHead *h, const int32_t *ints, size_t lo, size_t hi)
{
    if (lo >= hi)
        return;
    conv_output(h, ints, lo, hi);
    for (size_t k = 0; h->first + k < h->net->n; k++) {
        const CimLayer *l = &h->net->layers[h->first + k];
        size_t in = size_of(l, 0), out = size_of(l, 1);
        size_t *idx = h->idx[k] ? h->idx[k] + lo * out : NULL;
        if (h->sgemm && l->kind == CIM_L_LINEAR)
            cim_nn_linear_forward_sgemm(h->act[k] + lo * in, hi - lo, in, l->w, l->b, l->out_c,
                                        h->act[k + 1] + lo * out);
        else
            cim_head_layer_forward(l, h->act[k] + lo * in, hi - lo, h->act[k + 1] + lo * out, idx);
        for (size_t i = 0; idx && lo && i < (hi - lo) * out; i++)
            idx[i] += lo * in; /* flat indices into the whole batch's input, as one call gives */
    }
}

typedef struct {
    CimHead *h;
    const int32_t *ints;
    size_t n;
    size_t top, bottom; /* backward: the host layers top >= k >= bottom */
} Part;

static void forward_member(void *arg, unsigned w, unsigned nw)
{
    const Part *p = arg;
    cim_head_forward_rows(p->h, p->ints, cim_nn_split(p->n, CIM_NN_SPLIT, w, nw),
                          cim_nn_split(p->n, CIM_NN_SPLIT, w + 1, nw));
}

void cim_head_forward(CimHead *h, const int32_t *ints, size_t n)
{
    Part p = {.h = h, .ints = ints, .n = n};
    if (h->team)
        h->team(h->team_ctx, forward_member, &p);
    else
        cim_head_forward_rows(h, ints, 0, n);
}

/* The gradient of host layer k's output (dy) and of its input (dx): each layer has its own,
 * so that a layer's dw may read every example's dy while the layers below write theirs. */
static float *grad_out(const CimHead *h, size_t k) { return h->grad[k + 1]; }

static float *grad_in(const CimHead *h, size_t k) { return h->grad[k]; }

/* dy -> dx of host layer k for examples lo <= i < hi (a linear layer: dx only). */
static void backward_rows(CimHead *h, size_t k, size_t lo, size_t hi)
{
    const CimLayer *l = &h->net->layers[h->first + k];
    size_t in = size_of(l, 0), out = size_of(l, 1);
    const float *dy = grad_out(h, k);
    float *dx = grad_in(h, k);
    if (l->kind == CIM_L_MAXPOOL) { /* cim_nn_maxpool_backward with the batch's flat indices */
        memset(dx + lo * in, 0, (hi - lo) * in * sizeof *dx);
        for (size_t i = lo * out; i < hi * out; i++)
            dx[h->idx[k][i]] += dy[i];
    } else if (l->kind == CIM_L_LINEAR)
        cim_nn_linear_backward(NULL, hi - lo, in, l->w, l->out_c, dy + lo * out, NULL, NULL, dx + lo * in);
    else
        cim_head_layer_backward(l, h->act[k] + lo * in, h->act[k + 1] + lo * out, NULL, hi - lo, dy + lo * out,
                                NULL, NULL, dx + lo * in);
}

/* One member's part of host layers top..bottom: a linear top layer's dw and db rows, then
 * every layer's dx for its examples. */
static void backward_member(void *arg, unsigned w, unsigned nw)
{
    const Part *p = arg;
    CimHead *h = p->h;
    const CimLayer *l = &h->net->layers[h->first + p->top];
    if (l->kind == CIM_L_LINEAR)
        cim_nn_linear_backward_rows(h->act[p->top], p->n, size_of(l, 0), l->out_c, grad_out(h, p->top),
                                    h->dw[h->first + p->top], h->db[h->first + p->top],
                                    cim_nn_split(l->out_c, CIM_NN_SPLIT, w, nw),
                                    cim_nn_split(l->out_c, CIM_NN_SPLIT, w + 1, nw));
    size_t lo = cim_nn_split(p->n, CIM_NN_SPLIT, w, nw), hi = cim_nn_split(p->n, CIM_NN_SPLIT, w + 1, nw);
    for (size_t k = p->top + 1; lo < hi && k-- > p->bottom;)
        backward_rows(h, k, lo, hi);
}

/* The backward through the host layers over the team: one call per linear layer (its dw
 * needs every example's dy), with the layers below it down to the next linear one. */
static void backward_team(CimHead *h, size_t n)
{
    Part p = {.h = h, .n = n};
    for (size_t k = h->net->n - h->first; k > 0;) {
        p.top = --k;
        while (k > 0 && h->net->layers[h->first + k - 1].kind != CIM_L_LINEAR)
            k--;
        p.bottom = k;
        h->team(h->team_ctx, backward_member, &p);
    }
}

float cim_head_backward(CimHead *h, const int32_t *labels, size_t n)
{
    size_t nl = h->net->n - h->first;
    const CimLayer *last = &h->net->layers[h->net->n - 1];
    float loss = cim_nn_cross_entropy(h->act[nl], labels, n, last->out_c, h->grad[nl]);
    if (h->team)
        backward_team(h, n);
    else
        for (size_t k = nl; k-- > 0;) {
            size_t i = h->first + k;
            const CimLayer *l = &h->net->layers[i];
            if (h->sgemm && l->kind == CIM_L_LINEAR)
                cim_nn_linear_backward_sgemm(h->act[k], n, size_of(l, 0), l->w, l->out_c, grad_out(h, k), h->dw[i],
                                             h->db[i], grad_in(h, k));
            else
                cim_head_layer_backward(l, h->act[k], h->act[k + 1], h->idx[k], n, grad_out(h, k), h->dw[i], h->db[i],
                                        grad_in(h, k));
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
