/* The `ste` training mode: binary weights and activations trained with the clipped
 * straight-through estimator through every conv layer. The chip computes each conv
 * layer's integer outputs (fast path, traced); the host rebuilds the float activations
 * from them (y = dot + bias, max-pool, ReLU), runs the STE backward (workloads/train/bconv)
 * and Adam, and the chip is reprogrammed with the new binary weights and thresholds. */
#include "workloads/train/train_impl.h"
#include "workloads/train/bconv.h"
#include "workloads/train/nn.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    CimLayer *l;
    unsigned pool;                 /* fused max-pool of the chip layer (1: none) */
    size_t in_size, out_size, pooled_size; /* per image: C*H*W in, F*H*W out, after pool */
    int32_t *ints;                 /* [B][out]: the chip's integer outputs */
    float *y, *pooled, *act;       /* [B][out], [B][pooled], [B][pooled] = relu(pooled) */
    size_t *idx;
    float *xb, *xl;                /* input: binarised and latent, [B][in] */
    float *wb, *dw, *db;           /* binary weights, gradients */
    float *dy;                     /* d loss / d y, [B][out] */
} SteLayer;

struct SteState {
    SteLayer layer[CIM_TRAIN_MAX_CONV];
    size_t n;
    int32_t *trace[CIM_TRAIN_MAX_CONV];
    float *scratch;                /* [B][largest in] */
    float clip;
};

static CimStatus alloc_layer(SteLayer *s, size_t B)
{
    size_t nw = s->l->nw;
    s->ints = malloc(B * s->out_size * sizeof *s->ints);
    s->y = malloc(B * s->out_size * sizeof(float));
    s->pooled = malloc(B * s->pooled_size * sizeof(float));
    s->act = malloc(B * s->pooled_size * sizeof(float));
    s->idx = malloc(B * s->pooled_size * sizeof(size_t));
    s->xb = malloc(B * s->in_size * sizeof(float));
    s->xl = malloc(B * s->in_size * sizeof(float));
    s->wb = malloc(nw * sizeof(float));
    s->dw = malloc(nw * sizeof(float));
    s->db = malloc(s->l->out_c * sizeof(float));
    s->dy = malloc(B * s->out_size * sizeof(float));
    return s->ints && s->y && s->pooled && s->act && s->idx && s->xb && s->xl && s->wb && s->dw && s->db && s->dy
               ? CIM_OK
               : CIM_ERR_NOMEM;
}

CimStatus ste_init(Trainer *t, CimDiag *d)
{
    CimJob *j = &t->job;
    SteState *s = calloc(1, sizeof *s);
    if (!(t->ste = s))
        return CIM_ERR_NOMEM;
    size_t B = j->run.train.batch_size, big = 0;
    s->clip = (float)j->run.train.ste_clip;
    s->n = j->cc.n;
    for (size_t k = 0; k < s->n; k++) {
        const CimChipLayer *cl = &j->cc.layers[k];
        SteLayer *q = &s->layer[k];
        q->l = &j->net.layers[cl->layer];
        q->pool = cl->pool;
        if (q->l->kernel != 3 || q->l->padding != 1 || (q->pool != 1 && q->pool != 2)) {
            cim_diag_add(d, CIM_SEV_ERROR, NULL, q->l->line, q->l->col,
                         "layer '%s': ste training handles 3x3 convs with padding 1 and 2x2 max-pools", q->l->name);
            return CIM_ERR_CONFIG;
        }
        q->in_size = (size_t)q->l->in_c * q->l->in_h * q->l->in_w;
        q->out_size = (size_t)q->l->out_c * q->l->out_h * q->l->out_w;
        q->pooled_size = q->out_size / (q->pool * q->pool);
        big = q->in_size > big ? q->in_size : big;
        if (alloc_layer(q, B) != CIM_OK)
            return CIM_ERR_NOMEM;
    }
    s->scratch = malloc(B * big * sizeof(float));
    if (!s->scratch)
        return CIM_ERR_NOMEM;
    /* every conv layer's weights and biases learn; the last one's bias is the head's */
    double lr = j->run.train.learning_rate;
    CimStatus st = CIM_OK;
    for (size_t k = 0; k < s->n && st == CIM_OK; k++) {
        SteLayer *q = &s->layer[k];
        st = trainer_add_param(t, q->l->name, "weight", q->l->w, q->dw, q->l->nw, 1, lr);
        if (st == CIM_OK && q->l->nb && k + 1 < s->n)
            st = trainer_add_param(t, q->l->name, "bias", q->l->b, q->db, q->l->nb, 1, lr);
    }
    return st;
}

void ste_free(Trainer *t)
{
    SteState *s = t->ste;
    if (!s)
        return;
    for (size_t k = 0; k < CIM_TRAIN_MAX_CONV; k++) {
        SteLayer *q = &s->layer[k];
        void *p[] = {q->ints, q->y, q->pooled, q->act, q->idx, q->xb, q->xl, q->wb, q->dw, q->db, q->dy};
        for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
            free(p[i]);
    }
    free(s->scratch);
    free(s);
    t->ste = NULL;
}

/* Chip forward of the batch, every conv layer traced; the first layer's inputs. */
static void forward(Trainer *t, const size_t *idx, size_t nb, float *logits)
{
    SteState *s = t->ste;
    const CimNet *net = &t->job.net;
    SteLayer *q0 = &s->layer[0];
    for (size_t i = 0; i < nb; i++) {
        const uint8_t *img = t->train.images.pixels + idx[i] * q0->in_size;
        for (size_t k = 0; k < s->n; k++)
            s->trace[k] = s->layer[k].ints + i * s->layer[k].out_size;
        cim_fast_trace(t->fast, s->trace);
        cim_fast_image(t->fast, img, logits, t->ints + i * t->head.in_size, t->fwd_layers);
        t->labels[i] = t->train.labels.labels[idx[i]];
        for (size_t p = 0; p < q0->in_size; p++) { /* ToTensor + Normalize, float32 */
            float v = ((float)img[p] / (float)net->in_div - (float)net->in_mean) / (float)net->in_std;
            q0->xl[i * q0->in_size + p] = v;
            q0->xb[i * q0->in_size + p] = v > 0.0f ? 1.0f : -1.0f;
        }
    }
    cim_fast_trace(t->fast, NULL);
}

/* Float activations of every chip layer but the last from the chip's integers; they are
 * the next layer's latent and binarised inputs (the binarised ones equal the chip's bits). */
static void activations(Trainer *t, size_t nb)
{
    SteState *s = t->ste;
    int skip = t->job.run.pruned_filters == CIM_PRUNED_SKIP;
    for (size_t k = 0; k + 1 < s->n; k++) {
        SteLayer *q = &s->layer[k], *nx = &s->layer[k + 1];
        size_t hw = (size_t)q->l->out_h * q->l->out_w;
        for (size_t i = 0; i < nb; i++)
            for (unsigned f = 0; f < q->l->out_c; f++) {
                int zero = skip && q->l->pruned[f];
                float b = q->l->b ? q->l->b[f] : 0.0f;
                for (size_t p = 0; p < hw; p++) {
                    size_t at = i * q->out_size + f * hw + p;
                    q->y[at] = zero ? 0.0f : (float)q->ints[at] + b;
                }
            }
        if (q->pool == 2)
            cim_nn_maxpool2_forward(q->y, nb, q->l->out_c, q->l->out_h, q->l->out_w, q->pooled, q->idx);
        else
            memcpy(q->pooled, q->y, nb * q->out_size * sizeof(float));
        cim_nn_relu_forward(q->pooled, nb * q->pooled_size, q->act);
        memcpy(nx->xl, q->act, nb * nx->in_size * sizeof(float));
        cim_bconv_binarise(q->act, nb * nx->in_size, nx->xb);
    }
}

/* The STE backward from the head's gradient down to the first conv layer. */
static CimStatus backward(Trainer *t, size_t nb)
{
    SteState *s = t->ste;
    const float *dy = t->head.dy_conv;
    for (size_t k = s->n; k-- > 0;) {
        SteLayer *q = &s->layer[k];
        cim_bconv_binarise(q->l->w, q->l->nw, q->wb);
        CimBconv l = cim_bconv_layer(nb, q->l->in_c, q->l->out_c, q->l->out_h, q->l->out_w);
        l.clip_w = l.clip_x = s->clip;
        CimBconvSaved saved = {q->xb, q->xl, q->wb, q->l->w};
        CimStatus st = cim_bconv_backward(&l, &saved, dy, q->dw, k + 1 < s->n ? q->db : NULL, k ? s->scratch : NULL);
        if (st != CIM_OK)
            return st;
        if (!k)
            break;
        SteLayer *p = &s->layer[k - 1];
        cim_nn_relu_backward(p->act, s->scratch, nb * p->pooled_size, s->scratch);
        if (p->pool == 2)
            cim_nn_maxpool2_backward(s->scratch, p->idx, nb * p->pooled_size, p->dy, nb * p->out_size);
        else
            memcpy(p->dy, s->scratch, nb * p->out_size * sizeof(float));
        dy = p->dy;
    }
    return CIM_OK;
}

/* Pruned filters stay pruned: their weights back to exactly zero and their Adam history
 * cleared (a departure from the reference, whose conv weights never get gradients). */
static void hold_pruned(Trainer *t)
{
    SteState *s = t->ste;
    for (size_t k = 0; k < s->n; k++) {
        CimLayer *l = s->layer[k].l;
        size_t fan = cim_layer_fan_in(l);
        for (size_t pi = 0; pi < t->nparams; pi++) {
            Param *q = &t->params[pi];
            if (q->p != l->w)
                continue;
            for (unsigned f = 0; f < l->out_c; f++)
                if (l->pruned[f])
                    for (size_t e = f * fan; e < (f + 1) * fan; e++)
                        l->w[e] = q->adam.m[e] = q->adam.v[e] = 0.0f;
        }
    }
}

CimStatus ste_batch(Trainer *t, const size_t *idx, size_t nb, double *loss, size_t *correct, CimDiag *d)
{
    float logits[1024];
    forward(t, idx, nb, logits);
    activations(t, nb);
    cim_head_forward(&t->head, t->ints, nb);
    const float *z = cim_head_logits(&t->head);
    unsigned k = t->job.net.layers[t->job.net.n - 1].out_c;
    for (size_t i = 0; i < nb; i++)
        *correct += (int32_t)cim_nn_argmax(z + i * k, k) == t->labels[i];
    *loss += cim_head_backward(&t->head, t->labels, nb);
    CimStatus st = backward(t, nb);
    if (st != CIM_OK)
        return st;
    trainer_step(t);
    hold_pruned(t);
    return trainer_rebuild(t, d); /* new binary weights and thresholds onto the chip */
}
