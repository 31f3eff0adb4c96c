/* The `ste` training mode: binary weights and activations trained with the clipped
 * straight-through estimator through every conv layer. The chip computes each conv
 * layer's integer outputs (fast path, traced); the host rebuilds the float activations
 * from them (y = dot + bias, then the folded max-pool and ReLU layers), runs the STE backward (workloads/train/bconv)
 * and Adam, and the chip is reprogrammed with the new binary weights and thresholds. */
#include "workloads/train/train_impl.h"
#include "workloads/train/bconv.h"
#include "workloads/train/head.h"
#include "workloads/train/nn.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    CimLayer *l;
    size_t in_size, out_size;      /* per image: C*H*W in, F*H*W out of the conv */
    int32_t *ints;                 /* [B][out]: the chip's integer outputs */
    /* The layers folded into this chip layer after the conv (ReLU, one max-pool of any
     * kernel, in the network's order), up to the next conv; none for the last chip layer,
     * whose host layers are the head's. act[0] = conv output + bias, act[j + 1] = seg[j]
     * (act[j]), so act[nseg] is the next layer's latent input; idx[j]: a pool's argmax. */
    size_t nseg;
    const CimLayer **seg;
    float **act;
    size_t **idx;
    float *xb, *xl;                /* input: binarised and latent, [B][in] */
    float *wb, *dw, *db;           /* binary weights, gradients */
    float *dy;                     /* d loss / d (conv output + bias), [B][out] */
} SteLayer;

struct SteState {
    SteLayer layer[CIM_TRAIN_MAX_CONV];
    size_t n;
    int32_t *trace[CIM_TRAIN_MAX_CONV];
    int32_t *(*wtrace)[CIM_TRAIN_MAX_CONV]; /* worker w's trace pointers */
    float *scratch[2];             /* [B][largest tensor of a layer]: gradients between convs */
    float clip;
};

static size_t tensor_size(const CimLayer *l, int out)
{
    return out ? (size_t)l->out_c * l->out_h * l->out_w : (size_t)l->in_c * l->in_h * l->in_w;
}

static CimStatus alloc_layer(SteLayer *s, size_t B)
{
    size_t nw = s->l->nw;
    s->ints = malloc(B * s->out_size * sizeof *s->ints);
    s->seg = calloc(s->nseg + 1, sizeof *s->seg);
    s->act = calloc(s->nseg + 1, sizeof *s->act);
    s->idx = calloc(s->nseg + 1, sizeof *s->idx);
    s->xb = malloc(B * s->in_size * sizeof(float));
    s->xl = malloc(B * s->in_size * sizeof(float));
    s->wb = malloc(nw * sizeof(float));
    s->dw = malloc(nw * sizeof(float));
    s->db = malloc(s->l->out_c * sizeof(float));
    s->dy = malloc(B * s->out_size * sizeof(float));
    if (!(s->ints && s->seg && s->act && s->idx && s->xb && s->xl && s->wb && s->dw && s->db && s->dy))
        return CIM_ERR_NOMEM;
    for (size_t j = 0; j < s->nseg; j++) {
        const CimLayer *q = s->l + 1 + j; /* the folded layers follow the conv in the network */
        s->seg[j] = q;
        if (!(s->act[j] = malloc(B * tensor_size(q, 0) * sizeof(float))))
            return CIM_ERR_NOMEM;
        if (q->kind == CIM_L_MAXPOOL && !(s->idx[j] = malloc(B * tensor_size(q, 1) * sizeof(size_t))))
            return CIM_ERR_NOMEM;
    }
    s->act[s->nseg] = malloc(B * (s->nseg ? tensor_size(s->seg[s->nseg - 1], 1) : s->out_size) * sizeof(float));
    return s->act[s->nseg] ? CIM_OK : CIM_ERR_NOMEM;
}

/* Every binary conv the network format allows (any odd kernel with "same" padding, stride 1)
 * and every layer the compiler folds between two of them (ReLU, max-pool of any kernel) has
 * its STE backward; a shape the backward would not match is a bug, reported, not trained. */
static CimStatus check_layer(const SteLayer *q, const CimChipLayer *cl, CimDiag *d)
{
    CimBconv b = cim_bconv_layer(1, q->l->in_c, q->l->out_c, q->l->in_h, q->l->in_w, q->l->kernel, q->l->padding);
    for (size_t j = 0; j < q->nseg; j++)
        if (q->seg[j]->kind != CIM_L_RELU && q->seg[j]->kind != CIM_L_MAXPOOL) {
            cim_diag_add(d, CIM_SEV_ERROR, NULL, q->seg[j]->line, q->seg[j]->col,
                         "layer '%s': ste training has no backward for this layer between two binary convs "
                         "(it handles ReLU and max-pool)", q->seg[j]->name);
            return CIM_ERR_CONFIG;
        }
    if (cim_bconv_out_h(&b) != q->l->out_h || cim_bconv_out_w(&b) != q->l->out_w || cl->k != q->l->kernel) {
        cim_diag_add(d, CIM_SEV_ERROR, NULL, q->l->line, q->l->col,
                     "layer '%s': ste training: a %ux%u conv with padding %u on %ux%u gives %zux%zu, the network "
                     "%ux%u", q->l->name, q->l->kernel, q->l->kernel, q->l->padding, q->l->in_h, q->l->in_w,
                     cim_bconv_out_h(&b), cim_bconv_out_w(&b), q->l->out_h, q->l->out_w);
        return CIM_ERR_CONFIG;
    }
    return CIM_OK;
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
        q->nseg = cl->last - cl->layer;
        q->in_size = tensor_size(q->l, 0);
        q->out_size = tensor_size(q->l, 1);
        if (alloc_layer(q, B) != CIM_OK)
            return CIM_ERR_NOMEM;
        CimStatus st = check_layer(q, cl, d);
        if (st != CIM_OK)
            return st;
        big = q->in_size > big ? q->in_size : big;
        big = q->out_size > big ? q->out_size : big;
        for (size_t i = 0; i < q->nseg; i++)
            big = tensor_size(q->seg[i], 1) > big ? tensor_size(q->seg[i], 1) : big;
    }
    s->scratch[0] = malloc(B * big * sizeof(float));
    s->scratch[1] = malloc(B * big * sizeof(float));
    s->wtrace = calloc(t->jobs, sizeof *s->wtrace);
    if (!s->scratch[0] || !s->scratch[1] || !s->wtrace)
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
        for (size_t j = 0; j <= q->nseg && q->act && q->idx; j++) {
            free(q->act[j]);
            free(q->idx[j]);
        }
        void *p[] = {q->ints, q->seg, q->act, q->idx, q->xb, q->xl, q->wb, q->dw, q->db, q->dy};
        for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
            free(p[i]);
    }
    free(s->scratch[0]);
    free(s->scratch[1]);
    free(s->wtrace);
    free(s);
    t->ste = NULL;
}

/* Float activations of every chip layer but the last from the chip's integers, for images
 * lo <= i < hi; they are the next layer's latent and binarised inputs (the binarised ones
 * equal the chip's bits). Max-pool indices are flat into the whole batch, as one call over
 * it gives. */
static void activations(Trainer *t, size_t lo, size_t hi)
{
    SteState *s = t->ste;
    int skip = t->job.run.pruned_filters == CIM_PRUNED_SKIP;
    for (size_t k = 0; k + 1 < s->n; k++) {
        SteLayer *q = &s->layer[k], *nx = &s->layer[k + 1];
        size_t hw = (size_t)q->l->out_h * q->l->out_w;
        for (size_t i = lo; i < hi; i++)
            for (unsigned f = 0; f < q->l->out_c; f++) {
                int zero = skip && q->l->pruned[f];
                float b = q->l->b ? q->l->b[f] : 0.0f;
                for (size_t p = 0; p < hw; p++) {
                    size_t at = i * q->out_size + f * hw + p;
                    q->act[0][at] = zero ? 0.0f : (float)q->ints[at] + b;
                }
            }
        for (size_t j = 0; j < q->nseg; j++) {
            size_t in = tensor_size(q->seg[j], 0), out = tensor_size(q->seg[j], 1);
            size_t *idx = q->idx[j] ? q->idx[j] + lo * out : NULL;
            cim_head_layer_forward(q->seg[j], q->act[j] + lo * in, hi - lo, q->act[j + 1] + lo * out, idx);
            for (size_t e = 0; idx && lo && e < (hi - lo) * out; e++)
                idx[e] += lo * in;
        }
        memcpy(nx->xl + lo * nx->in_size, q->act[q->nseg] + lo * nx->in_size, (hi - lo) * nx->in_size * sizeof(float));
        cim_bconv_binarise(q->act[q->nseg] + lo * nx->in_size, (hi - lo) * nx->in_size, nx->xb + lo * nx->in_size);
    }
}

/* Images idx[lo..hi) of the batch on worker w: chip forward, every conv layer traced, and
 * the first layer's inputs, then the float activations of the same images. */
static void forward_chunk(Trainer *t, unsigned w, size_t lo, size_t hi, void *ctx)
{
    const size_t *idx = ctx;
    SteState *s = t->ste;
    const CimNet *net = &t->job.net;
    SteLayer *q0 = &s->layer[0];
    CimFast *f = trainer_fast(t, w);
    for (size_t i = lo; i < hi; i++) {
        const uint8_t *img = t->train.images.pixels + idx[i] * q0->in_size;
        for (size_t k = 0; k < s->n; k++)
            s->wtrace[w][k] = s->layer[k].ints + i * s->layer[k].out_size;
        cim_fast_trace(f, s->wtrace[w]);
        cim_fast_image(f, img, NULL, t->ints + i * t->head.in_size, t->wtally[w]);
        t->labels[i] = t->train.labels.labels[idx[i]];
        for (size_t p = 0; p < q0->in_size; p++) { /* ToTensor + Normalize, float32 */
            float v = ((float)img[p] / (float)net->in_div - (float)net->in_mean) / (float)net->in_std;
            q0->xl[i * q0->in_size + p] = v;
            q0->xb[i * q0->in_size + p] = v > 0.0f ? 1.0f : -1.0f;
        }
    }
    cim_fast_trace(f, NULL);
    activations(t, lo, hi);
}

/* The same on one thread, as before the speed work (the bench's baseline). */
static void forward_unoptimised(Trainer *t, const size_t *idx, size_t nb, float *logits)
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

/* The STE backward from the head's gradient down to the first conv layer. */
static CimStatus backward(Trainer *t, size_t nb)
{
    SteState *s = t->ste;
    const float *dy = t->head.dy_conv;
    for (size_t k = s->n; k-- > 0;) {
        SteLayer *q = &s->layer[k];
        cim_bconv_binarise(q->l->w, q->l->nw, q->wb);
        CimBconv l = cim_bconv_layer(nb, q->l->in_c, q->l->out_c, q->l->in_h, q->l->in_w, q->l->kernel,
                                     q->l->padding);
        l.clip_w = l.clip_x = s->clip;
        l.sgemm_dw = t->unoptimised;
        if (t->jobs > 1) {
            l.par = trainer_nn_par;
            l.par_ctx = t;
        }
        CimBconvSaved saved = {q->xb, q->xl, q->wb, q->l->w};
        CimStatus st = cim_bconv_backward(&l, &saved, dy, q->dw, k + 1 < s->n ? q->db : NULL, k ? s->scratch[0] : NULL);
        if (st != CIM_OK)
            return st;
        if (!k)
            break;
        SteLayer *p = &s->layer[k - 1];
        float *g = s->scratch[0];
        for (size_t j = p->nseg; j-- > 0;) {
            float *dx = j ? s->scratch[g == s->scratch[0]] : p->dy;
            cim_head_layer_backward(p->seg[j], p->act[j], p->act[j + 1], p->idx[j], nb, g, NULL, NULL, dx);
            g = dx;
        }
        if (!p->nseg)
            memcpy(p->dy, g, nb * p->out_size * sizeof(float));
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
    if (t->unoptimised) {
        float logits[CIM_TRAIN_MAX_CLASSES];
        forward_unoptimised(t, idx, nb, logits);
        activations(t, 0, nb);
    } else {
        trainer_parallel(t, nb, forward_chunk, (void *)idx);
        trainer_collect_tallies(t);
    }
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
