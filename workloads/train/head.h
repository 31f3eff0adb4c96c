/* The host part of a network for training: from the last chip layer's integer outputs
 * (plus its bias) through the host layers (ReLU, max-pool, flatten, linear) to the
 * cross-entropy loss, forward and backward over a batch, with float32 gradients for the
 * host layers' weights and biases and for the last chip layer's bias. */
#ifndef CIM_HEAD_H
#define CIM_HEAD_H

#include "workloads/compile/compile.h"
#include "workloads/train/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const CimNet *net;
    size_t conv;           /* network index of the last chip (conv) layer */
    size_t first;          /* first host layer */
    size_t batch, in_size; /* in_size: F x H x W of the conv output */
    int skip_pruned;       /* pruned filters output 0 without bias (skip mode) */
    float **act;           /* act[k]: input of host layer first + k, [batch][size]; act[n]: logits */
    size_t **idx;          /* max-pool argmax per host layer (NULL for others) */
    float **grad;          /* grad[k]: d loss / d act[k], shaped as act[k]; grad[0] is dy_conv */
    float **dw, **db;      /* per network layer: gradients (NULL where not trained) */
    float *dy_conv;        /* dloss / d(conv output + bias), [batch][in_size] */
    /* Not NULL: the work is split over a team (one barrier per linear layer): the forward,
     * every layer but a linear one's dw, by examples, a linear layer's dw and db by output
     * rows, all at multiples of CIM_NN_SPLIT; each value is the same sgemm dot product,
     * in the same order, as one call over everything computes (tested: dcim train --jobs). */
    CimNnTeam *team;
    void *team_ctx;
    int sgemm;             /* linear layers by cim_nn_linear_*_sgemm (the bench's baseline; no team) */
} CimHead;

/* For the network's host layers after the last chip layer `conv`. */
CimStatus cim_head_init(CimHead *h, const CimNet *net, size_t conv, size_t first, size_t batch, int skip_pruned);
void cim_head_free(CimHead *h);
/* Forward of n <= batch examples: ints [n][F*H*W] (original filter order). */
void cim_head_forward(CimHead *h, const int32_t *ints, size_t n);
/* The same for examples lo <= i < hi only (ints: all of them; lo a multiple of
 * CIM_NN_SPLIT): the values cim_head_forward gives them. Ranges may run at once. */
void cim_head_forward_rows(CimHead *h, const int32_t *ints, size_t lo, size_t hi);
const float *cim_head_logits(const CimHead *h);
/* Loss (mean over n) and every gradient: dw/db of the linear layers, db of the conv layer's
 * bias, and dy_conv. */
float cim_head_backward(CimHead *h, const int32_t *labels, size_t n);

/* One host layer (ReLU, max-pool of any kernel, flatten, linear with or without bias) over n
 * examples, x [n][in] -> y [n][out]; idx: a max-pool's argmax, [n][out] (else unused). The
 * training loop's one definition of these layers, for the head and between chip layers. */
void cim_head_layer_forward(const CimLayer *l, const float *x, size_t n, float *y, size_t *idx);
/* Its backward: dx from dy, given the forward's x, y and idx; a linear layer's dw and db
 * (either may be NULL). dx never aliases dy. */
void cim_head_layer_backward(const CimLayer *l, const float *x, const float *y, const size_t *idx, size_t n,
                             const float *dy, float *dw, float *db, float *dx);

#ifdef __cplusplus
}
#endif
#endif
