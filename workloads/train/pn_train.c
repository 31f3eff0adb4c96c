/* PointNet++ training (pn_train.h): the reference's loop over shuffled batches of clouds
 * (training transforms, batch forward in training mode, cross-entropy, backward, Adam with
 * the gradient mask of zero conv weights), then per epoch: evaluation one cloud at a time as
 * the chip runs it, Euclidean pruning of the pruned layers (pn_prune.c's float rule), a
 * second evaluation, checkpoint, metrics line, resume point. docs/training.md. */
#include "workloads/train/pn_train.h"
#include "workloads/io/cloud.h"
#include "workloads/io/safetensors.h"
#include "workloads/pointnet/pointnet.h"
#include "workloads/report/progress.h"
#include "workloads/report/report.h"
#include "workloads/train/adam.h"
#include "workloads/train/init.h"
#include "workloads/train/pn_grad.h"

#include <cblas.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#define NOISE_SIGMA 0.02 /* the reference's training jitter (reference_pointnet.md, "Data") */
#define PI 3.14159265358979323846

typedef struct {
    char name[96];     /* the reference's state_dict name */
    float *p, *g;
    size_t n;
    int conv;          /* a Conv weight: the reference masks its zero entries' gradients */
    CimAdam adam;
    uint8_t *mask;
} PParam;

/* What one set abstraction keeps from the forward for the backward ([rows][..], rows =
 * batch * m * k). */
typedef struct {
    size_t m, k, rows;
    float *xq[CIM_PN_MAX_MLP];   /* stage inputs as codes (the grouped input before stage 0 quantises it) */
    float *z[CIM_PN_MAX_MLP];    /* conv sums (exact integers) */
    float *wq[CIM_PN_MAX_MLP];   /* weight codes */
    float *mean[CIM_PN_MAX_MLP], *istd[CIM_PN_MAX_MLP];
    CimPnQuant *qx[CIM_PN_MAX_MLP], qw[CIM_PN_MAX_MLP]; /* qx: one per quantisation group */
    float *gx;                   /* per group: the backward's input scale */
    float *dw[CIM_PN_MAX_MLP], *dgamma[CIM_PN_MAX_MLP], *dbeta[CIM_PN_MAX_MLP];
    uint32_t *idx;               /* [batch][m * k] group members (not with group_all) */
    float *centres;              /* [batch][m][3] */
    float *out, *dout;           /* [batch][m][f]: max over the group, and its gradient */
    uint32_t *arg;
} SaBuf;

typedef struct {
    float *y, *mean, *istd, *dw, *db, *dgamma, *dbeta;
    uint8_t *mask;
} HeadBuf;

typedef struct {
    size_t clouds, batches, correct;
    double loss_sum, seconds;
} Pos;

typedef struct {
    const CimTrainOptions *opt;
    CimTrainReport *rep;
    CimRunCfg run;
    CimChipCfg chip_cfg;
    CimPnNet net;
    int net_loaded;
    CimCloudSet train, test;
    size_t *train_order, *test_order; /* set index of the i-th training / test cloud */
    char data_desc[CIM_PATH_MAX + 96];
    size_t batch, first_head, n_sa;
    SaBuf sa[CIM_PN_MAX_LAYERS];
    HeadBuf head[CIM_PN_MAX_LAYERS];
    float *tmp, *d1, *d2, *hd1, *hd2, *xyz, *logits, *dlogits, *scratch;
    uint32_t *fps;
    int32_t *labels;
    size_t *perm;
    PParam params[4 * CIM_PN_MAX_LAYERS * CIM_PN_MAX_MLP];
    size_t nparams;
    uint64_t batches_tracked;    /* num_batches_tracked of every BatchNorm (all see every batch) */
    double bn_momentum;          /* of the running averages: PyTorch's 0.1, or 1/k while recalibrating */
    unsigned start_epoch;
    Pos pos;
    char **lines;                /* metrics.jsonl line of each epoch done */
} PnTrainer;

static CimStatus refuse(CimDiag *d, const char *file, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static CimStatus refuse(CimDiag *d, const char *file, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cim_diag_add(d, CIM_SEV_ERROR, file, 0, 0, "%s", msg);
    return CIM_ERR_CONFIG;
}

/* ---- setup ---------------------------------------------------------------------------- */

/* The limits of this trainer, all checked before anything runs. */
static CimStatus check_run(PnTrainer *t, CimDiag *d)
{
    const CimRunCfg *r = &t->run;
    const char *rp = t->opt->job.run_path;
    if (!r->has_train)
        return refuse(d, rp, "the run file has no train: group");
    if (r->pruned_filters != CIM_PRUNED_REFERENCE)
        return refuse(d, rp, "run.pruned_filters: a pruned point-cloud filter keeps the reference's output (its zero "
                             "weights quantise to round(z_w)); only `reference` is taken");
    if (r->prune.enabled && (r->prune.participation != CIM_PRUNE_REFERENCE || r->prune.keep_min_filters))
        return refuse(d, rp, "point-cloud pruning is the reference's rule only: run.prune.participation reference and "
                             "run.prune.keep_min_filters 0");
    if (r->train.batch_size < 2)
        return refuse(d, rp, "run.train.batch_size is %u: BatchNorm in training mode needs at least 2 clouds per "
                             "batch (PyTorch refuses one value per channel)", r->train.batch_size);
    if (r->train.train_images % r->train.batch_size == 1)
        return refuse(d, rp, "run.train.train_images %u leaves a last batch of 1 cloud with run.train.batch_size %u: "
                             "BatchNorm in training mode needs at least 2", r->train.train_images,
                      r->train.batch_size);
    unsigned rc = r->train.bn_recalibrate;
    if (rc > r->train.train_images)
        return refuse(d, rp, "run.train.bn_recalibrate %u is above run.train.train_images %u (the clouds it averages "
                             "over are training clouds; --set run.train.bn_recalibrate=N sets it, 0 = off)", rc,
                      r->train.train_images);
    if (rc % r->train.batch_size == 1)
        return refuse(d, rp, "run.train.bn_recalibrate %u leaves a last batch of 1 cloud with run.train.batch_size %u: "
                             "BatchNorm in training mode needs at least 2", rc, r->train.batch_size);
    const CimPnNet *n = &t->net;
    size_t i = 0;
    for (; i < n->n && n->layers[i].kind == CIM_PN_SA; i++)
        for (unsigned s = 0; s < n->layers[i].n_mlp; s++)
            if (n->layers[i].cin[s] > CIM_PNT_MAX_CIN)
                return refuse(d, r->network_path, "%s conv %u has %u input channels; training computes the int8 "
                              "sums in float32, exact up to %u channels (sums below 2^24)", n->layers[i].name, s,
                              n->layers[i].cin[s], CIM_PNT_MAX_CIN);
    t->n_sa = t->first_head = i;
    if (!i || !n->layers[i - 1].group_all)
        return refuse(d, r->network_path, "%s", "dcim train takes point-cloud networks whose set abstractions come "
                                                "first and end with a group_all one, then the head");
    for (; i < n->n; i++)
        if (n->layers[i].kind == CIM_PN_SA)
            return refuse(d, r->network_path, "%s: a set abstraction after the head is not trainable here",
                          n->layers[i].name);
    if (n->channels != 3)
        return refuse(d, r->network_path, "the network takes %u channels per point; training feeds xyz only (3), "
                      "as the reference", n->channels);
    return CIM_OK;
}

/* A synthetic set lies class by class: use it interleaved (cloud i of class i mod 10) so that
 * any prefix covers the classes evenly; files in their order. */
static CimStatus make_order(const CimCloudSet *s, size_t want, size_t **order, const char *what, CimDiag *d)
{
    if (want > s->n)
        return refuse(d, NULL, "%s: %zu clouds wanted, the set has %zu", what, want, s->n);
    if (!(*order = malloc(want * sizeof **order)))
        return CIM_ERR_NOMEM;
    size_t per = s->n / CIM_SYNTH_CLASSES;
    for (size_t i = 0; i < want; i++)
        (*order)[i] = s->synthetic ? (i % CIM_SYNTH_CLASSES) * per + i / CIM_SYNTH_CLASSES : i;
    return CIM_OK;
}

static CimStatus load_split(PnTrainer *t, CimDataFormat fmt, const char *path, const char *split, unsigned want,
                            CimCloudSet *out, CimDiag *d)
{
    CimModelnetOpts mo = {.points = t->net.points, .seed = t->run.seed, .cache_dir = t->run.out_dir};
    switch (fmt) {
    case CIM_DATA_SYNTHETIC:
        if (path[0])
            return refuse(d, NULL, "run.data.dir must be \"\" with format synthetic (it reads no file), got '%s'", path);
        return cim_cloud_synth(split, (want + CIM_SYNTH_CLASSES - 1) / CIM_SYNTH_CLASSES, t->net.points, t->run.seed,
                               NULL, out, d);
    case CIM_DATA_HDF5:
        return cim_cloud_h5_load(path, NULL, out, d);
    case CIM_DATA_MODELNET:
        if (cim_report_make_dirs(t->run.out_dir) != 0)
            return refuse(d, t->run.out_dir, "cannot create the folder (the sampled meshes' cache): %s", strerror(errno));
        return cim_modelnet_load(path, split, &mo, NULL, out, NULL, d);
    default:
        return refuse(d, NULL, "%s", "a point-cloud network reads run.data.format synthetic, hdf5 or modelnet, got mnist");
    }
}

static CimStatus load_data(PnTrainer *t, const char *data_path, const char *eval_path, CimDiag *d)
{
    CimDataFormat fmt = t->run.data.format;
    const char *path = t->run.data.dir;
    struct stat sb;
    if (data_path) {
        if (stat(data_path, &sb) != 0)
            return refuse(d, data_path, "%s", "cannot read the data (--data names no file or folder)");
        fmt = S_ISDIR(sb.st_mode) ? CIM_DATA_MODELNET : CIM_DATA_HDF5;
        path = data_path;
    }
    if (eval_path && fmt != CIM_DATA_HDF5)
        return refuse(d, eval_path, "%s", "--eval-data goes with an HDF5 training file (a ModelNet folder has its "
                                          "test split, the synthetic set generates one)");
    if (fmt == CIM_DATA_HDF5 && !eval_path)
        return refuse(d, path, "%s", "an HDF5 training file needs --eval-data TEST.h5, the clouds to evaluate on");
    const CimRunTrainCfg *tc = &t->run.train;
    CimStatus st = load_split(t, fmt, path, "train", tc->train_images, &t->train, d);
    if (st == CIM_OK)
        st = load_split(t, fmt, eval_path ? eval_path : path, "test", tc->eval_images, &t->test, d);
    if (st != CIM_OK)
        return st;
    const CimCloudSet *sets[2] = {&t->train, &t->test};
    for (int k = 0; k < 2; k++)
        if (sets[k]->points != t->net.points || sets[k]->n_classes > cim_pn_classes(&t->net))
            return refuse(d, NULL, "the %s clouds have %zu points and %zu classes; the network takes %u points and "
                          "gives %u classes", k ? "test" : "training", sets[k]->points, sets[k]->n_classes,
                          t->net.points, cim_pn_classes(&t->net));
    if (fmt == CIM_DATA_SYNTHETIC)
        snprintf(t->data_desc, sizeof t->data_desc, "synthetic set (shapes generated by dcim, seed %llu)",
                 (unsigned long long)t->run.seed);
    else
        snprintf(t->data_desc, sizeof t->data_desc, "%s%s%s", path, eval_path ? ", test clouds " : "",
                 eval_path ? eval_path : "");
    st = make_order(&t->train, tc->train_images, &t->train_order, "run.train.train_images", d);
    if (st == CIM_OK)
        st = make_order(&t->test, tc->eval_images, &t->test_order, "run.train.eval_images", d);
    return st;
}

static CimStatus add_param(PnTrainer *t, const char *name, float *p, float *g, size_t n, int conv)
{
    PParam *q = &t->params[t->nparams++];
    snprintf(q->name, sizeof q->name, "%s", name);
    q->p = p;
    q->g = g;
    q->n = n;
    q->conv = conv;
    CimAdamParams ap = cim_adam_defaults(t->run.train.learning_rate);
    q->mask = conv ? calloc(n, 1) : NULL;
    CimStatus st = cim_adam_init(&q->adam, n, &ap, NULL);
    return st == CIM_OK && (!conv || q->mask) ? CIM_OK : CIM_ERR_NOMEM;
}

static float *fbuf(size_t n, int *bad)
{
    float *p = calloc(n ? n : 1, sizeof *p);
    *bad |= !p;
    return p;
}

/* Buffers of one batch and the parameter list (the reference's names). */
static CimStatus alloc_all(PnTrainer *t)
{
    size_t B = t->batch, big = 1, headw = 1;
    int bad = 0;
    char name[96];
    CimStatus st = CIM_OK;
    for (size_t i = 0; i < t->n_sa; i++) {
        CimPnLayer *l = &t->net.layers[i];
        SaBuf *s = &t->sa[i];
        s->m = l->group_all ? 1 : l->npoint;
        s->k = l->group_all ? l->in_points : l->nsample;
        s->rows = B * s->m * s->k;
        size_t f = l->mlp[l->n_mlp - 1];
        for (unsigned q = 0; q < l->n_mlp; q++) {
            s->xq[q] = fbuf(s->rows * l->cin[q], &bad);
            s->z[q] = fbuf(s->rows * l->mlp[q], &bad);
            s->wq[q] = fbuf((size_t)l->mlp[q] * l->cin[q], &bad);
            s->mean[q] = fbuf(l->mlp[q], &bad);
            s->istd[q] = fbuf(l->mlp[q], &bad);
            s->dw[q] = fbuf((size_t)l->mlp[q] * l->cin[q], &bad);
            s->dgamma[q] = fbuf(l->mlp[q], &bad);
            s->dbeta[q] = fbuf(l->mlp[q], &bad);
            s->qx[q] = calloc(B, sizeof *s->qx[q]);
            bad |= !s->qx[q];
            big = s->rows * l->mlp[q] > big ? s->rows * l->mlp[q] : big;
            big = s->rows * l->cin[q] > big ? s->rows * l->cin[q] : big;
            if (bad)
                return CIM_ERR_NOMEM;
            snprintf(name, sizeof name, "%s.backbone.Conv%u.weight", l->name, q);
            if ((st = add_param(t, name, l->w[q], s->dw[q], (size_t)l->mlp[q] * l->cin[q], 1)) != CIM_OK)
                return st;
            snprintf(name, sizeof name, "%s.backbone.Bn%u.weight", l->name, q);
            if ((st = add_param(t, name, l->bn[q].gamma, s->dgamma[q], l->mlp[q], 0)) != CIM_OK)
                return st;
            snprintf(name, sizeof name, "%s.backbone.Bn%u.bias", l->name, q);
            if ((st = add_param(t, name, l->bn[q].beta, s->dbeta[q], l->mlp[q], 0)) != CIM_OK)
                return st;
        }
        s->gx = fbuf(B, &bad);
        s->idx = l->group_all ? NULL : calloc(B * s->m * s->k, sizeof *s->idx);
        s->centres = fbuf(B * s->m * 3, &bad);
        s->out = fbuf(B * s->m * f, &bad);
        s->dout = fbuf(B * s->m * f, &bad);
        s->arg = calloc(B * s->m * f, sizeof *s->arg);
        bad |= !s->arg || (!l->group_all && !s->idx);
    }
    for (size_t i = t->first_head; !bad && i < t->net.n; i++) {
        CimPnLayer *l = &t->net.layers[i];
        HeadBuf *h = &t->head[i];
        headw = l->out_c > headw ? l->out_c : headw;
        headw = l->in_c > headw ? l->in_c : headw;
        h->y = fbuf(B * l->out_c, &bad);
        if (l->kind == CIM_PN_LINEAR) {
            h->dw = fbuf((size_t)l->out_features * l->in_c, &bad);
            h->db = l->has_bias ? fbuf(l->out_features, &bad) : NULL;
            if (bad)
                return CIM_ERR_NOMEM;
            snprintf(name, sizeof name, "%s.weight", l->name);
            if ((st = add_param(t, name, l->w[0], h->dw, (size_t)l->out_features * l->in_c, 0)) != CIM_OK)
                return st;
            snprintf(name, sizeof name, "%s.bias", l->name);
            if (l->has_bias && (st = add_param(t, name, l->b, h->db, l->out_features, 0)) != CIM_OK)
                return st;
        } else if (l->kind == CIM_PN_BN) {
            h->mean = fbuf(l->in_c, &bad);
            h->istd = fbuf(l->in_c, &bad);
            h->dgamma = fbuf(l->in_c, &bad);
            h->dbeta = fbuf(l->in_c, &bad);
            if (bad)
                return CIM_ERR_NOMEM;
            snprintf(name, sizeof name, "%s.weight", l->name);
            if ((st = add_param(t, name, l->bn[0].gamma, h->dgamma, l->in_c, 0)) != CIM_OK)
                return st;
            snprintf(name, sizeof name, "%s.bias", l->name);
            if ((st = add_param(t, name, l->bn[0].beta, h->dbeta, l->in_c, 0)) != CIM_OK)
                return st;
        } else if (l->kind == CIM_PN_DROPOUT) {
            h->mask = calloc(B * l->in_c, 1);
            bad |= !h->mask;
        }
    }
    unsigned k = cim_pn_classes(&t->net);
    t->tmp = fbuf(big, &bad);
    t->d1 = fbuf(big, &bad);
    t->d2 = fbuf(big, &bad);
    t->hd1 = fbuf(B * headw, &bad);
    t->hd2 = fbuf(B * headw, &bad);
    t->xyz = fbuf(B * t->net.points * 3, &bad);
    t->logits = fbuf(B * k, &bad);
    t->dlogits = fbuf(B * k, &bad);
    t->scratch = fbuf(t->net.points, &bad);
    t->fps = calloc(B * t->n_sa, sizeof *t->fps);
    t->labels = calloc(B, sizeof *t->labels);
    t->perm = calloc(t->run.train.train_images, sizeof *t->perm);
    t->lines = calloc(t->run.train.epochs, sizeof *t->lines);
    return bad || !t->fps || !t->labels || !t->perm || !t->lines ? CIM_ERR_NOMEM : CIM_OK;
}

/* ---- one batch ------------------------------------------------------------------------------ */

static void seed_batch(CimRng *r, uint64_t seed, unsigned epoch, size_t batch)
{
    cim_rng_seed(r, seed * 0x9E3779B97F4A7C15ull ^ ((uint64_t)epoch << 40) ^ ((uint64_t)batch * 0xD1B54A32D192ED03ull));
}

/* The training transforms of cloud i of the batch (reference_pointnet.md, "Data"): a random
 * rotation about z, then Gaussian noise of sigma 0.02 on every coordinate; and the FPS start
 * of every set abstraction, drawn at random as the reference's torch.randint. */
static void transform(PnTrainer *t, const float *src, size_t b, CimRng *r)
{
    size_t n = t->net.points;
    double a = 2.0 * PI * cim_rng_uniform(r), c = cos(a), s = sin(a);
    float *dst = t->xyz + b * n * 3;
    for (size_t j = 0; j < n; j++) {
        double x = src[3 * j], y = src[3 * j + 1], z = src[3 * j + 2];
        dst[3 * j] = (float)(c * x - s * y + NOISE_SIGMA * cim_rng_normal(r));
        dst[3 * j + 1] = (float)(s * x + c * y + NOISE_SIGMA * cim_rng_normal(r));
        dst[3 * j + 2] = (float)(z + NOISE_SIGMA * cim_rng_normal(r));
    }
    for (size_t i = 0; i < t->n_sa; i++)
        t->fps[b * t->n_sa + i] = (uint32_t)cim_init_below(r, t->net.layers[i].in_points);
}

/* Quantisation groups of a batch of B clouds: each cloud (the chip's semantics) or the batch. */
static size_t quant_groups(const PnTrainer *t, size_t B)
{
    return t->run.train.quantise == CIM_QUANT_CLOUD ? B : 1;
}

static CimStatus sa_error(const CimPnLayer *l, unsigned s, CimDiag *d)
{
    cim_diag_add(d, CIM_SEV_ERROR, NULL, 0, 0,
                 "%s conv %u: cannot quantise its input (per run.train.quantise) or the weights to int8: a constant tensor (s = 0; "
                 "the reference makes NaN codes, e.g. every filter pruned), a value not finite, or a code outside "
                 "[-128, 127]",
                 l->name, s);
    return CIM_ERR_RANGE;
}

/* Set abstraction i on the batch: the previous layer's centres and features (the input
 * clouds for the first) in, t->sa[i].out and .centres out. */
static CimStatus sa_forward(PnTrainer *t, size_t i, size_t B, CimDiag *d)
{
    CimPnLayer *l = &t->net.layers[i];
    SaBuf *s = &t->sa[i];
    size_t n = l->in_points, c = l->in_c, width = 3 + c, per = s->m * s->k;
    const float *pxyz = i ? t->sa[i - 1].centres : t->xyz, *pfeat = i ? t->sa[i - 1].out : NULL;
    float dummy = 0.0f;
    for (size_t b = 0; b < B; b++) {
        const float *xb = pxyz + b * n * 3, *fb = pfeat ? pfeat + b * n * c : &dummy;
        float *x = s->xq[0] + b * per * width;
        if (l->group_all) {
            memset(s->centres + b * 3, 0, 3 * sizeof(float));
            for (size_t j = 0; j < n; j++) {
                memcpy(x + j * width, xb + 3 * j, 3 * sizeof(float));
                memcpy(x + j * width + 3, fb + j * c, c * sizeof(float));
            }
            continue;
        }
        uint32_t *idx = s->idx + b * per;
        cim_pn_fps(xb, n, s->m, t->fps[b * t->n_sa + i], idx, t->scratch);
        float *cen = s->centres + b * s->m * 3;
        for (size_t q = 0; q < s->m; q++)
            memcpy(cen + 3 * q, xb + 3 * idx[q], 3 * sizeof(float));
        if (cim_pn_ball_query(xb, n, cen, s->m, l->radius, s->k, idx) != CIM_OK) {
            cim_diag_add(d, CIM_SEV_ERROR, NULL, 0, 0, "%s: a centre has no point within radius %g", l->name,
                         (double)l->radius);
            return CIM_ERR_RANGE;
        }
        cim_pn_group(xb, fb, c, cen, s->m, idx, s->k, x);
    }
    const float *in = s->xq[0];
    for (unsigned q = 0; q < l->n_mlp; q++) {
        size_t f = l->mlp[q];
        if (cim_pnt_conv_forward(in, B * per, l->cin[q], l->w[q], f, 1, quant_groups(t, B), s->xq[q], s->wq[q],
                                 s->qx[q], &s->qw[q], s->z[q]) != CIM_OK)
            return sa_error(l, q, d);
        float *y = q + 1 < l->n_mlp ? s->xq[q + 1] : t->tmp;
        CimStatus st = cim_pnt_bn_forward(s->z[q], B * per, f, l->bn[q].gamma, l->bn[q].beta, l->bn[q].mean,
                                          l->bn[q].var, t->bn_momentum, 1, s->mean[q], s->istd[q], y);
        if (st != CIM_OK)
            return st;
        in = y;
    }
    cim_pnt_max_forward(t->tmp, B * s->m, s->k, l->mlp[l->n_mlp - 1], s->out, s->arg);
    return CIM_OK;
}

/* The head on the batch, from the last set abstraction's features to t->logits. */
static CimStatus head_forward(PnTrainer *t, size_t B, CimRng *r)
{
    const float *v = t->sa[t->n_sa - 1].out;
    for (size_t i = t->first_head; i < t->net.n; i++) {
        CimPnLayer *l = &t->net.layers[i];
        HeadBuf *h = &t->head[i];
        size_t c = l->in_c;
        if (l->kind == CIM_PN_LINEAR)
            cim_pnt_linear_forward(v, B, c, l->w[0], l->has_bias ? l->b : NULL, l->out_features, h->y);
        else if (l->kind == CIM_PN_BN) {
            CimStatus st = cim_pnt_bn_forward(v, B, c, l->bn[0].gamma, l->bn[0].beta, l->bn[0].mean, l->bn[0].var,
                                              t->bn_momentum, 0, h->mean, h->istd, h->y);
            if (st != CIM_OK)
                return st;
        } else if (l->kind == CIM_PN_RELU)
            for (size_t k = 0; k < B * c; k++)
                h->y[k] = v[k] < 0.0f ? 0.0f : v[k];
        else if (l->kind == CIM_PN_DROPOUT) {
            cim_pnt_dropout_mask(r, l->dropout_p, B * c, h->mask);
            cim_pnt_dropout(v, h->mask, l->dropout_p, B * c, h->y);
        }
        v = h->y;
    }
    memcpy(t->logits, v, B * cim_pn_classes(&t->net) * sizeof(float));
    return CIM_OK;
}

static int ste_mode(const PnTrainer *t) { return t->run.train.learn == CIM_LEARN_STE; }

/* Backward of the head from t->dlogits; leaves d(last set abstraction's out) in its dout. */
static CimStatus head_backward(PnTrainer *t, size_t B)
{
    float *dv = t->hd1, *dx = t->hd2;
    memcpy(dv, t->dlogits, B * cim_pn_classes(&t->net) * sizeof(float));
    for (size_t i = t->net.n; i-- > t->first_head;) {
        CimPnLayer *l = &t->net.layers[i];
        HeadBuf *h = &t->head[i];
        const float *in = i == t->first_head ? t->sa[t->n_sa - 1].out : t->head[i - 1].y;
        size_t c = l->in_c;
        if (l->kind == CIM_PN_LINEAR)
            cim_pnt_linear_backward(in, B, c, l->w[0], l->out_features, dv, dx, h->dw, h->db);
        else if (l->kind == CIM_PN_BN) {
            CimStatus st = cim_pnt_bn_backward(in, B, c, l->bn[0].gamma, l->bn[0].beta, 0, h->mean, h->istd, dv, dx,
                                               h->dgamma, h->dbeta);
            if (st != CIM_OK)
                return st;
        } else if (l->kind == CIM_PN_RELU)
            for (size_t k = 0; k < B * c; k++)
                dx[k] = h->y[k] > 0.0f ? dv[k] : 0.0f;
        else if (l->kind == CIM_PN_DROPOUT)
            cim_pnt_dropout(dv, h->mask, l->dropout_p, B * c, dx);
        else
            memcpy(dx, dv, B * c * sizeof *dx);
        float *sw = dv;
        dv = dx;
        dx = sw;
    }
    memcpy(t->sa[t->n_sa - 1].dout, dv, B * t->net.layers[t->n_sa - 1].out_c * sizeof(float));
    return CIM_OK;
}

/* Backward of set abstraction i from its dout; the previous one's dout gets its features'
 * gradient (nothing for the first: the input clouds take none). */
static CimStatus sa_backward(PnTrainer *t, size_t i, size_t B)
{
    CimPnLayer *l = &t->net.layers[i];
    SaBuf *s = &t->sa[i];
    size_t rows = B * s->m * s->k, fl = l->mlp[l->n_mlp - 1];
    float *d = t->d1, *dx = t->d2;
    cim_pnt_max_backward(s->dout, s->arg, B * s->m, s->k, fl, d);
    for (unsigned q = l->n_mlp; q-- > 0;) {
        size_t f = l->mlp[q], cin = l->cin[q];
        CimStatus st = cim_pnt_bn_backward(s->z[q], rows, f, l->bn[q].gamma, l->bn[q].beta, 1, s->mean[q],
                                           s->istd[q], d, d, s->dgamma[q], s->dbeta[q]);
        if (st != CIM_OK)
            return st;
        /* reference: the codes' gradient passed unchanged; ste: times the quantiser's slope 1/s */
        size_t groups = quant_groups(t, B);
        for (size_t g = 0; g < groups; g++)
            s->gx[g] = ste_mode(t) ? 1.0f / s->qx[q][g].s : 1.0f;
        float gw = ste_mode(t) ? 1.0f / s->qw[q].s : 1.0f;
        int want_dx = q > 0 || i > 0;
        cim_pnt_conv_backward(s->xq[q], s->wq[q], rows, cin, f, d, groups, s->gx, gw, want_dx ? dx : NULL, s->dw[q]);
        float *sw = d;
        d = dx;
        dx = sw;
    }
    if (i == 0)
        return CIM_OK;
    /* d holds d(grouped input) [rows][3 + c]: the features' part goes back to their points */
    SaBuf *p = &t->sa[i - 1];
    size_t n = l->in_points, c = l->in_c, width = 3 + c, per = s->m * s->k;
    memset(p->dout, 0, B * n * c * sizeof(float));
    for (size_t b = 0; b < B; b++)
        for (size_t r = 0; r < per; r++) {
            size_t j = l->group_all ? r : s->idx[b * per + r];
            float *dst = p->dout + (b * n + j) * c;
            const float *src = d + (b * per + r) * width + 3;
            for (size_t q = 0; q < c; q++)
                dst[q] += src[q];
        }
    return CIM_OK;
}

static void zero_grads(PnTrainer *t)
{
    for (size_t k = 0; k < t->nparams; k++)
        memset(t->params[k].g, 0, t->params[k].n * sizeof(float));
}

/* The training-mode forward of the training clouds perm[0..B) (their transforms, FPS starts
 * and dropout drawn from r): t->logits and t->labels; every BatchNorm's running averages take
 * the batch's statistics with t->bn_momentum. */
static CimStatus forward_batch(PnTrainer *t, const size_t *perm, size_t B, CimRng *r, CimDiag *d)
{
    size_t n = t->net.points;
    for (size_t b = 0; b < B; b++) {
        size_t idx = t->train_order[perm[b]];
        transform(t, t->train.xyz + idx * n * 3, b, r);
        t->labels[b] = t->train.labels[idx];
    }
    CimStatus st = CIM_OK;
    for (size_t i = 0; st == CIM_OK && i < t->n_sa; i++)
        st = sa_forward(t, i, B, d);
    return st == CIM_OK ? head_forward(t, B, r) : st;
}

/* One optimiser step on the clouds perm[0..B): forward in training mode, loss, backward,
 * Adam with the reference's mask of zero Conv weights. */
static CimStatus train_batch(PnTrainer *t, unsigned epoch, const size_t *perm, size_t B, CimDiag *d)
{
    CimRng r;
    seed_batch(&r, t->run.seed, epoch, t->pos.batches);
    size_t k = cim_pn_classes(&t->net), correct = 0;
    CimStatus st = forward_batch(t, perm, B, &r, d);
    if (st != CIM_OK)
        return st;
    t->batches_tracked++;
    t->pos.loss_sum += cim_pnt_cross_entropy(t->logits, t->labels, B, k, t->dlogits, &correct);
    t->pos.correct += correct;
    zero_grads(t);
    st = head_backward(t, B);
    for (size_t i = t->n_sa; st == CIM_OK && i-- > 0;)
        st = sa_backward(t, i, B);
    if (st != CIM_OK)
        return st;
    for (size_t q = 0; q < t->nparams; q++) {
        PParam *p = &t->params[q];
        if (p->conv) /* param.grad *= (param.data != 0) for every Conv parameter */
            cim_adam_mask_zeros(p->p, p->n, p->mask);
        cim_adam_step(&p->adam, p->p, p->g, p->mask);
    }
    return CIM_OK;
}

/* ---- evaluation, pruning, statistics ----------------------------------------------------- */

/* The int8 conv boundary of cim_pn_forward as float sgemm on the codes: the exact int32 sums
 * (every partial sum an integer below 2^24), the same as cim_pn_conv_int8. */
static CimStatus gemm_conv(void *ctx, size_t layer, unsigned s, const int8_t *x, const int8_t *w, size_t P, size_t C,
                           size_t F, int32_t *out, CimDiag *diag)
{
    (void)ctx, (void)layer, (void)s, (void)diag;
    float *xf = malloc(P * C * sizeof *xf), *wf = malloc(F * C * sizeof *wf), *of = malloc(P * F * sizeof *of);
    CimStatus st = xf && wf && of ? CIM_OK : CIM_ERR_NOMEM;
    if (st == CIM_OK) {
        for (size_t k = 0; k < P * C; k++)
            xf[k] = x[k];
        for (size_t k = 0; k < F * C; k++)
            wf[k] = w[k];
        cim_pnt_gemm_nt(xf, wf, P, F, C, 0, of);
        for (size_t k = 0; k < P * F; k++)
            out[k] = (int32_t)of[k];
    }
    free(xf);
    free(wf);
    free(of);
    return st;
}

/* Precise BatchNorm (run.train.bn_recalibrate = N > 0; docs/training.md, "BatchNorm statistics"):
 * every BatchNorm's running mean and variance are replaced by the plain average of the batch
 * statistics of ceil(N / batch_size) training-mode forward passes over N training clouds
 * (a permutation drawn from seed, epoch and pass, with the training transforms and dropout),
 * the current weights unchanged: PyTorch's cumulative average (momentum None), momentum 1/k
 * at the k-th batch. The variance averaged is each batch's unbiased one, as PyTorch's.
 * num_batches_tracked is left as training made it. */
static CimStatus recalibrate(PnTrainer *t, unsigned epoch, unsigned pass, CimDiag *d)
{
    size_t n = t->run.train.bn_recalibrate, bs = t->run.train.batch_size, nb;
    if (!n)
        return CIM_OK;
    CimRng r;
    cim_rng_seed(&r, (t->run.seed * 0x9E3779B97F4A7C15ull) ^ (0xB5297A4D3F84D5B5ull + 2ull * epoch + pass));
    cim_init_randperm(t->perm, t->run.train.train_images, &r);
    CimProgressBar bar;
    cim_progress_bar_init(&bar, "recalibrating BatchNorm", t->opt->job.progress);
    CimStatus st = CIM_OK;
    for (size_t done = 0, k = 1; st == CIM_OK && done < n; done += nb, k++) {
        nb = n - done < bs ? n - done : bs;
        t->bn_momentum = 1.0 / (double)k;
        st = forward_batch(t, t->perm + done, nb, &r, d);
        cim_progress_bar_update(&bar, done + nb, n, NULL);
    }
    t->bn_momentum = CIM_PNT_BN_MOMENTUM;
    return st;
}

/* Test accuracy one cloud at a time as `dcim run` computes it (BatchNorm in eval mode, each
 * cloud quantised on its own, FPS from run.data.fps_start). */
static CimStatus evaluate(PnTrainer *t, const char *what, double *acc, CimDiag *d)
{
    size_t n = t->run.train.eval_images, correct = 0, k = cim_pn_classes(&t->net);
    CimPnOpts o = {.fps_start = t->run.data.fps_start, .conv = gemm_conv};
    CimProgressBar bar;
    cim_progress_bar_init(&bar, what, t->opt->job.progress);
    CimStatus st = CIM_OK;
    for (size_t i = 0; st == CIM_OK && i < n; i++) {
        size_t idx = t->test_order[i];
        st = cim_pn_forward(&t->net, t->test.xyz + idx * t->net.points * 3, NULL, &o, t->logits, d);
        size_t best = 0;
        for (size_t q = 1; q < k; q++)
            best = t->logits[q] > t->logits[best] ? q : best;
        correct += st == CIM_OK && (int32_t)best == t->test.labels[idx];
        cim_progress_bar_update(&bar, i + 1, n, NULL);
    }
    *acc = n ? (double)correct / (double)n : 0.0;
    return st;
}

/* One round per run.prune.rounds of the reference's float rule on every conv of the layers
 * marked prune (pt_sa1). ste: Adam's state of the pruned weights is cleared so that they stay
 * exactly 0 (docs/training.md); reference keeps it, as torch. */
static CimStatus prune_now(PnTrainer *t)
{
    CimStatus st = CIM_OK;
    for (size_t i = 0; st == CIM_OK && i < t->n_sa; i++) {
        CimPnLayer *l = &t->net.layers[i];
        for (unsigned s = 0; l->prune && st == CIM_OK && s < l->n_mlp; s++) {
            uint8_t *round = malloc(l->mlp[s]);
            st = round ? CIM_OK : CIM_ERR_NOMEM;
            for (unsigned r = 0; st == CIM_OK && r < t->run.prune.rounds; r++) {
                size_t removed;
                st = cim_pn_prune_weight(l->w[s], l->mlp[s], l->cin[s], t->run.prune.threshold_b,
                                         t->run.prune.threshold_c, round, &removed);
            }
            free(round);
        }
    }
    for (size_t q = 0; st == CIM_OK && ste_mode(t) && q < t->nparams; q++)
        if (t->params[q].conv) {
            cim_adam_mask_zeros(t->params[q].p, t->params[q].n, t->params[q].mask);
            cim_adam_clear_masked(&t->params[q].adam, t->params[q].mask);
        }
    return st;
}

/* Filters of conv s of layer l whose weights are all exactly 0 (pruned). */
static size_t zero_filters(const CimPnLayer *l, unsigned s)
{
    size_t n = 0, c = l->cin[s];
    for (size_t f = 0; f < l->mlp[s]; f++) {
        size_t k = 0;
        while (k < c && l->w[s][f * c + k] == 0.0f)
            k++;
        n += k == c;
    }
    return n;
}

typedef struct {
    double loss, train_acc, before, after, seconds, rate;
    unsigned epoch;
} EpochLine;

/* MACs per cloud of the set abstractions' convs and of the pruned layers' (prune: true),
 * and what the all-zero (pruned) filters remove: positions x inputs each, as `dcim run`
 * counts them (workloads/run/pointcloud.c). */
typedef struct {
    uint64_t sa, sa_rm, pl, pl_rm;
} OpCount;

static OpCount op_count(const PnTrainer *t)
{
    OpCount o = {0};
    for (size_t i = 0; i < t->n_sa; i++) {
        const CimPnLayer *l = &t->net.layers[i];
        for (unsigned s = 0; s < l->n_mlp; s++) {
            uint64_t macs = (uint64_t)cim_pn_positions(l) * l->cin[s] * l->mlp[s];
            uint64_t rm = (uint64_t)cim_pn_positions(l) * l->cin[s] * zero_filters(l, s);
            o.sa += macs;
            o.sa_rm += rm;
            o.pl += l->prune ? macs : 0;
            o.pl_rm += l->prune ? rm : 0;
        }
    }
    return o;
}

static double share(uint64_t part, uint64_t whole) { return whole ? (double)part / (double)whole : 0.0; }

/* The epoch's metrics line (the time fields last, so that a test can strip them). MACs
 * removed: a pruned filter's positions x inputs, as `dcim run` counts them. */
static char *epoch_line(const PnTrainer *t, const EpochLine *e)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    char learn[16];
    char quant[16];
    fprintf(f, "{\"epoch\": %u, \"learn\": \"%s\", \"quantise\": \"%s\", \"bn_recalibrate\": %u, \"loss\": %.6f, "
               "\"train_accuracy\": %.6f, \"test_accuracy_before_pruning\": %.6f, \"test_accuracy\": %.6f, "
               "\"pruned_filters\": {",
            e->epoch, cim_cfg_choice(CIM_LEARN_NAMES, (int)t->run.train.learn, learn, sizeof learn),
            cim_cfg_choice(CIM_QUANT_NAMES, (int)t->run.train.quantise, quant, sizeof quant),
            t->run.train.bn_recalibrate, e->loss, e->train_acc,
            e->before, e->after);
    int first = 1;
    for (size_t i = 0; i < t->n_sa; i++) {
        const CimPnLayer *l = &t->net.layers[i];
        for (unsigned s = 0; l->prune && s < l->n_mlp; s++) {
            fprintf(f, "%s\"%s.Conv%u\": [%zu, %u]", first ? "" : ", ", l->name, s, zero_filters(l, s), l->mlp[s]);
            first = 0;
        }
    }
    OpCount o = op_count(t);
    fprintf(f, "}, \"sa_macs\": %" PRIu64 ", \"sa_macs_removed\": %" PRIu64 ", \"sa_mac_reduction\": %.6f, "
               "\"pruned_layers_macs\": %" PRIu64 ", \"pruned_layers_macs_removed\": %" PRIu64
               ", \"pruned_layers_mac_reduction\": %.6f, \"warnings\": [",
            o.sa, o.sa_rm, share(o.sa_rm, o.sa), o.pl, o.pl_rm, share(o.pl_rm, o.pl));
    first = 1;
    for (size_t i = 0; i < t->n_sa; i++) {
        const CimPnLayer *l = &t->net.layers[i];
        for (unsigned s = 0; l->prune && s < l->n_mlp; s++) {
            size_t z = zero_filters(l, s);
            if (z && (double)z >= t->run.prune.warn_share * l->mlp[s]) {
                fprintf(f, "%s\"%s conv %u: %zu of %u filters pruned (run.prune.warn_share %g); a pruned filter "
                           "still computes (its zero weights quantise to round(z_w))%s\"",
                        first ? "" : ", ", l->name, s, z, l->mlp[s], t->run.prune.warn_share,
                        z == l->mlp[s] ? ", and with every filter pruned the weights are constant: the next "
                                         "quantisation fails" : "");
                first = 0;
            }
        }
    }
    fprintf(f, "], \"seconds\": %.2f, \"train_clouds_per_s\": %.3f}\n", e->seconds, e->rate);
    fclose(f);
    return buf;
}

static int write_lines(const void *ctx, FILE *f)
{
    const PnTrainer *t = ctx;
    for (unsigned e = 0; e < t->rep->nepochs; e++)
        fputs(t->lines[e], f);
    return 0;
}

/* ---- the resume point ---------------------------------------------------------------------- */

static void out_path(const PnTrainer *t, const char *file, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", t->run.out_dir, file);
}

/* Every BatchNorm's running estimates, by state_dict name: calls fn(name, data, n). */
static void each_running(PnTrainer *t, void (*fn)(void *, const char *, float *, size_t), void *ctx)
{
    char name[112];
    for (size_t i = 0; i < t->net.n; i++) {
        CimPnLayer *l = &t->net.layers[i];
        unsigned nb = l->kind == CIM_PN_SA ? l->n_mlp : l->kind == CIM_PN_BN;
        for (unsigned s = 0; s < nb; s++) {
            size_t c = l->kind == CIM_PN_SA ? l->mlp[s] : l->in_c;
            char pre[96];
            if (l->kind == CIM_PN_SA)
                snprintf(pre, sizeof pre, "%s.backbone.Bn%u", l->name, s);
            else
                snprintf(pre, sizeof pre, "%s", l->name);
            snprintf(name, sizeof name, "%s.running_mean", pre);
            fn(ctx, name, l->bn[s].mean, c);
            snprintf(name, sizeof name, "%s.running_var", pre);
            fn(ctx, name, l->bn[s].var, c);
        }
    }
}

typedef struct {
    CimStWriteTensor *w;
    size_t n;
    size_t *shapes;
    char (*names)[112];
} WList;

static void wadd(void *ctx, const char *name, float *data, size_t n)
{
    WList *l = ctx;
    snprintf(l->names[l->n], sizeof l->names[0], "%s", name);
    l->shapes[l->n] = n;
    l->w[l->n] = (CimStWriteTensor){.name = l->names[l->n], .ndim = 1, .shape = &l->shapes[l->n], .data = data};
    l->n++;
}

/* The resume point's "learn" entry: learning mode and quantisation, "ste/cloud". */
static const char *learn_key(const PnTrainer *t, char *buf, size_t len)
{
    char a[16], b[16];
    snprintf(buf, len, "%s/%s", cim_cfg_choice(CIM_LEARN_NAMES, (int)t->run.train.learn, a, sizeof a),
             cim_cfg_choice(CIM_QUANT_NAMES, (int)t->run.train.quantise, b, sizeof b));
    return buf;
}

static CimStatus resume_save(PnTrainer *t, unsigned epochs_done, CimDiag *d)
{
    size_t cap = 3 * t->nparams + 4 * t->net.n * CIM_PN_MAX_MLP;
    WList l = {calloc(cap, sizeof *l.w), 0, calloc(cap, sizeof *l.shapes), calloc(cap, sizeof *l.names)};
    CimStatus st = l.w && l.shapes && l.names ? CIM_OK : CIM_ERR_NOMEM;
    char name[112];
    for (size_t k = 0; st == CIM_OK && k < t->nparams; k++) {
        PParam *p = &t->params[k];
        wadd(&l, p->name, p->p, p->n);
        snprintf(name, sizeof name, "%s.exp_avg", p->name);
        wadd(&l, name, p->adam.m, p->n);
        snprintf(name, sizeof name, "%s.exp_avg_sq", p->name);
        wadd(&l, name, p->adam.v, p->n);
    }
    if (st == CIM_OK)
        each_running(t, wadd, &l);
    char kv[10][48], learn[40], path[CIM_PATH_MAX + 32];
    snprintf(kv[0], sizeof kv[0], "%u", epochs_done);
    snprintf(kv[1], sizeof kv[1], "%llu", (unsigned long long)t->run.seed);
    snprintf(kv[2], sizeof kv[2], "%zu", t->pos.clouds);
    snprintf(kv[3], sizeof kv[3], "%zu", t->pos.batches);
    snprintf(kv[4], sizeof kv[4], "%zu", t->pos.correct);
    snprintf(kv[5], sizeof kv[5], "%a", t->pos.loss_sum);
    snprintf(kv[6], sizeof kv[6], "%a", t->pos.seconds);
    snprintf(kv[7], sizeof kv[7], "%llu", (unsigned long long)(t->nparams ? t->params[0].adam.step : 0));
    snprintf(kv[8], sizeof kv[8], "%llu", (unsigned long long)t->batches_tracked);
    snprintf(kv[9], sizeof kv[9], "%u,%u", t->run.train.batch_size, t->run.train.train_images);
    CimStMeta meta[] = {{"epoch", kv[0]}, {"seed", kv[1]}, {"clouds", kv[2]}, {"batches", kv[3]},
                        {"correct", kv[4]}, {"loss_sum", kv[5]}, {"seconds", kv[6]}, {"step", kv[7]},
                        {"num_batches_tracked", kv[8]}, {"batch_size,train_images", kv[9]},
                        {"learn", learn_key(t, learn, sizeof learn)},
                        {"written_by", "dcim train (point clouds)"}};
    out_path(t, "resume.safetensors", path, sizeof path);
    if (st == CIM_OK)
        st = cim_st_write(path, l.w, l.n, meta, sizeof meta / sizeof meta[0], NULL, d);
    free(l.w);
    free(l.shapes);
    free(l.names);
    return st;
}

typedef struct {
    const CimSafetensors *rs;
    CimDiag *d;
    CimStatus st;
} RLoad;

static void rload(void *ctx, const char *name, float *data, size_t n)
{
    RLoad *c = ctx;
    float *tmp = NULL;
    size_t shape[1] = {n};
    if (c->st != CIM_OK)
        return;
    c->st = cim_st_load_f32(c->rs, name, shape, 1, &tmp, c->d);
    if (c->st == CIM_OK)
        memcpy(data, tmp, n * sizeof *data);
    cim_st_free_f32(c->rs, tmp);
}

static int meta_num(const CimSafetensors *rs, const char *key, double *v, int hex)
{
    const char *s = cim_st_meta_get(rs, key);
    char *end;
    if (!s || !*s)
        return 0;
    errno = 0;
    *v = hex ? strtod(s, &end) : (double)strtoull(s, &end, 10);
    return !*end && !errno;
}

static CimStatus resume_load(PnTrainer *t, const char *path, CimDiag *d)
{
    CimSafetensors *rs = NULL;
    CimStatus st = cim_st_open(path, NULL, &rs, d);
    if (st != CIM_OK)
        return st;
    char learn[40];
    const char *keys[3] = {"seed", "learn", "batch_size,train_images"};
    char vals[3][48];
    snprintf(vals[0], sizeof vals[0], "%llu", (unsigned long long)t->run.seed);
    snprintf(vals[1], sizeof vals[1], "%s", learn_key(t, learn, sizeof learn));
    snprintf(vals[2], sizeof vals[2], "%u,%u", t->run.train.batch_size, t->run.train.train_images);
    for (int k = 0; k < 3; k++) {
        const char *got = cim_st_meta_get(rs, keys[k]);
        if (!got || strcmp(got, vals[k]) != 0) {
            cim_diag_add(d, CIM_SEV_ERROR, path, 0, 0, "the resume point was written with %s %s, this run has %s; "
                         "resume with the same settings or start a new run.out", keys[k], got ? got : "(none)", vals[k]);
            cim_st_close(rs);
            return CIM_ERR_CONFIG;
        }
    }
    double e, clouds, batches, correct, step, nbt;
    if (!meta_num(rs, "epoch", &e, 0) || !meta_num(rs, "clouds", &clouds, 0) || !meta_num(rs, "batches", &batches, 0) ||
        !meta_num(rs, "correct", &correct, 0) || !meta_num(rs, "loss_sum", &t->pos.loss_sum, 1) ||
        !meta_num(rs, "seconds", &t->pos.seconds, 1) || !meta_num(rs, "step", &step, 0) ||
        !meta_num(rs, "num_batches_tracked", &nbt, 0) || e > t->run.train.epochs) {
        cim_diag_add(d, CIM_SEV_ERROR, path, 0, 0, "not a dcim train resume point of this run (its metadata is "
                     "missing or out of range)");
        cim_st_close(rs);
        return CIM_ERR_FORMAT;
    }
    t->start_epoch = (unsigned)e;
    t->pos.clouds = (size_t)clouds;
    t->pos.batches = (size_t)batches;
    t->pos.correct = (size_t)correct;
    t->batches_tracked = (uint64_t)nbt;
    RLoad c = {rs, d, CIM_OK};
    char name[112];
    for (size_t k = 0; c.st == CIM_OK && k < t->nparams; k++) {
        PParam *p = &t->params[k];
        rload(&c, p->name, p->p, p->n);
        snprintf(name, sizeof name, "%s.exp_avg", p->name);
        rload(&c, name, p->adam.m, p->n);
        snprintf(name, sizeof name, "%s.exp_avg_sq", p->name);
        rload(&c, name, p->adam.v, p->n);
        p->adam.step = (uint64_t)step;
    }
    each_running(t, rload, &c);
    cim_st_close(rs);
    return c.st;
}

/* The metrics lines of the epochs the resume point has done, kept byte for byte. */
static CimStatus load_lines(PnTrainer *t, CimDiag *d)
{
    char path[CIM_PATH_MAX + 32];
    out_path(t, "metrics.jsonl", path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f)
        return refuse(d, path, "cannot read the metrics of the resume point's %u epochs: %s", t->start_epoch,
                      strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    CimStatus st = CIM_OK;
    while (st == CIM_OK && t->rep->nepochs < t->start_epoch) {
        ssize_t n = getline(&line, &cap, f);
        unsigned ep = 0;
        if (n <= 0 || line[n - 1] != '\n' || sscanf(line, "{\"epoch\": %u,", &ep) != 1 || ep != t->rep->nepochs + 1) {
            cim_diag_add(d, CIM_SEV_ERROR, path, t->rep->nepochs + 1, 0,
                         "not the dcim train metrics line of epoch %u (the resume point has %u epochs)",
                         t->rep->nepochs + 1, t->start_epoch);
            st = CIM_ERR_FORMAT;
        } else if (!(t->lines[t->rep->nepochs] = strdup(line)))
            st = CIM_ERR_NOMEM;
        else
            t->rep->nepochs++;
    }
    free(line);
    fclose(f);
    return st;
}

/* ---- the loop --------------------------------------------------------------------------- */

static void status_text(char *buf, size_t len, const Pos *p)
{
    snprintf(buf, len, "loss %.4f  accuracy %.2f %%", p->batches ? p->loss_sum / (double)p->batches : 0.0,
             p->clouds ? 100.0 * (double)p->correct / (double)p->clouds : 0.0);
}

/* CIM_ERR_RANGE when stopped (Ctrl-C), after leaving a resume point at the last batch. */
static CimStatus train_epoch(PnTrainer *t, unsigned epoch, EpochLine *e, CimDiag *d)
{
    const CimRunTrainCfg *tc = &t->run.train;
    size_t n = tc->train_images, bs = tc->batch_size;
    CimRng rng;
    cim_rng_seed(&rng, t->run.seed * 0x9E3779B97F4A7C15ull + epoch);
    cim_init_randperm(t->perm, n, &rng);
    char label[48], status[64];
    snprintf(label, sizeof label, "epoch %u/%u clouds", epoch, tc->epochs);
    CimProgressBar bar;
    cim_progress_bar_init(&bar, label, t->opt->job.progress);
    bar.base = t->pos.clouds;
    double t0 = cim_clock_s() - t->pos.seconds;
    CimStatus st = CIM_OK;
    while (st == CIM_OK && t->pos.clouds < n) {
        if (t->opt->job.stop && *t->opt->job.stop) {
            t->pos.seconds = cim_clock_s() - t0;
            cim_progress_bar_end(&bar);
            st = resume_save(t, epoch - 1, d);
            return st == CIM_OK ? CIM_ERR_RANGE : st;
        }
        size_t nb = n - t->pos.clouds < bs ? n - t->pos.clouds : bs;
        st = train_batch(t, epoch, t->perm + t->pos.clouds, nb, d);
        t->pos.clouds += nb;
        t->pos.batches++;
        status_text(status, sizeof status, &t->pos);
        cim_progress_bar_update(&bar, t->pos.clouds, n, status);
        unsigned every = tc->checkpoint_every_batches;
        if (st == CIM_OK && every && t->pos.batches % every == 0 && t->pos.clouds < n) {
            t->pos.seconds = cim_clock_s() - t0;
            st = resume_save(t, epoch - 1, d);
        }
    }
    if (st != CIM_OK) {
        cim_progress_bar_end(&bar);
        return st;
    }
    e->loss = t->pos.batches ? t->pos.loss_sum / (double)t->pos.batches : 0.0;
    e->train_acc = (double)t->pos.correct / (double)n;
    e->seconds = cim_clock_s() - t0;
    e->rate = e->seconds > 0 ? (double)n / e->seconds : 0.0;
    memset(&t->pos, 0, sizeof t->pos);
    return CIM_OK;
}

static void print_epoch(const PnTrainer *t, const EpochLine *e)
{
    OpCount o = op_count(t);
    printf("epoch %u: loss %.4f, train accuracy %.2f %%, test accuracy %.2f %% before pruning, %.2f %% as saved; "
           "pruned",
           e->epoch, e->loss, 100 * e->train_acc, 100 * e->before, 100 * e->after);
    for (size_t i = 0; i < t->n_sa; i++)
        for (unsigned s = 0; t->net.layers[i].prune && s < t->net.layers[i].n_mlp; s++)
            printf(" %s.Conv%u %zu/%u", t->net.layers[i].name, s, zero_filters(&t->net.layers[i], s),
                   t->net.layers[i].mlp[s]);
    printf("; MACs -%.1f %% over the pruned layers, -%.1f %% over all set abstractions; %.1f s (%.2f clouds/s)\n",
           100 * share(o.pl_rm, o.pl), 100 * share(o.sa_rm, o.sa), e->seconds, e->rate);
    fflush(stdout);
    if (strstr(t->lines[e->epoch - 1], "\"warnings\": []") == NULL)
        fprintf(stderr, "dcim train: warning: epoch %u: a pruned layer lost at least run.prune.warn_share of its "
                        "filters (metrics.jsonl lists them)\n", e->epoch);
}

static CimStatus finish_epoch(PnTrainer *t, unsigned epoch, EpochLine *e, CimDiag *d)
{
    char path[CIM_PATH_MAX + 32];
    CimStatus st = recalibrate(t, epoch, 0, d);
    if (st == CIM_OK)
        st = evaluate(t, "evaluating before pruning", &e->before, d);
    int prune = t->run.prune.enabled && t->run.train.prune_every && epoch % t->run.train.prune_every == 0;
    if (st == CIM_OK && prune)
        st = prune_now(t);
    e->after = e->before;
    if (st == CIM_OK && prune)
        st = recalibrate(t, epoch, 1, d); /* the saved statistics go with the pruned weights */
    if (st == CIM_OK && prune)
        st = evaluate(t, "evaluating after pruning", &e->after, d);
    e->epoch = epoch;
    if (st == CIM_OK && !(t->lines[epoch - 1] = epoch_line(t, e)))
        st = CIM_ERR_NOMEM;
    if (st != CIM_OK)
        return st;
    t->rep->nepochs = epoch;
    /* the log first: a resume reads as many lines as its epochs and rewrites any after them */
    st = cim_report_write_file(t->run.out_dir, "metrics.jsonl", write_lines, t, d);
    out_path(t, "checkpoint.safetensors", path, sizeof path);
    if (st == CIM_OK)
        st = cim_pn_save_weights(&t->net, path, d);
    if (st == CIM_OK)
        st = resume_save(t, epoch, d); /* last: until it is written, a resume redoes this epoch */
    if (st == CIM_OK)
        print_epoch(t, e);
    return st;
}

static CimStatus init(PnTrainer *t, const char *data_path, const char *eval_path, CimDiag *d)
{
    openblas_set_num_threads(1); /* one core; a run's result must not depend on the thread count */
    const CimJobOptions *o = &t->opt->job;
    CimOverrides ov = {.items = o->overrides, .n = o->noverrides};
    CimStatus st = cim_run_cfg_load_all(o->run_path, &ov, &t->run, &t->chip_cfg, d);
    if (st == CIM_OK && (st = cim_pn_load(t->run.network_path, &t->net, d)) == CIM_OK)
        t->net_loaded = 1;
    if (st == CIM_OK)
        st = check_run(t, d);
    if (st != CIM_OK)
        return st;
    if (t->run.weights_path[0])
        st = cim_pn_load_weights(&t->net, t->run.weights_path, d);
    else
        cim_pn_init_random(&t->net, t->run.seed);
    t->batch = t->run.train.batch_size;
    t->bn_momentum = CIM_PNT_BN_MOMENTUM;
    if (st == CIM_OK)
        st = load_data(t, data_path, eval_path, d);
    if (st == CIM_OK)
        st = alloc_all(t);
    snprintf(t->rep->out_dir, sizeof t->rep->out_dir, "%s", t->run.out_dir);
    return st;
}

static void teardown(PnTrainer *t)
{
    for (size_t k = 0; k < t->nparams; k++) {
        cim_adam_free(&t->params[k].adam);
        free(t->params[k].mask);
    }
    for (size_t i = 0; i < CIM_PN_MAX_LAYERS; i++) {
        SaBuf *s = &t->sa[i];
        for (unsigned q = 0; q < CIM_PN_MAX_MLP; q++) {
            free(s->xq[q]);
            free(s->z[q]);
            free(s->wq[q]);
            free(s->mean[q]);
            free(s->istd[q]);
            free(s->dw[q]);
            free(s->dgamma[q]);
            free(s->dbeta[q]);
            free(s->qx[q]);
        }
        free(s->gx);
        free(s->idx);
        free(s->centres);
        free(s->out);
        free(s->dout);
        free(s->arg);
        HeadBuf *h = &t->head[i];
        free(h->y);
        free(h->mean);
        free(h->istd);
        free(h->dw);
        free(h->db);
        free(h->dgamma);
        free(h->dbeta);
        free(h->mask);
    }
    free(t->tmp);
    free(t->d1);
    free(t->d2);
    free(t->hd1);
    free(t->hd2);
    free(t->xyz);
    free(t->logits);
    free(t->dlogits);
    free(t->scratch);
    free(t->fps);
    free(t->labels);
    free(t->perm);
    for (unsigned e = 0; t->lines && e < t->run.train.epochs; e++)
        free(t->lines[e]);
    free(t->lines);
    free(t->train_order);
    free(t->test_order);
    cim_cloud_free(&t->train);
    cim_cloud_free(&t->test);
    if (t->net_loaded)
        cim_pn_free(&t->net);
}

CimStatus cim_pn_train_run(const CimTrainOptions *opt, const char *data_path, const char *eval_path,
                           CimTrainReport *rep, CimDiag *d)
{
    PnTrainer *t = calloc(1, sizeof *t);
    if (!t)
        return CIM_ERR_NOMEM;
    memset(rep, 0, sizeof *rep);
    t->opt = opt;
    t->rep = rep;
    rep->status = CIM_RUN_COMPLETE;
    CimStatus st = init(t, data_path, eval_path, d);
    if (st == CIM_OK && cim_report_make_dirs(t->run.out_dir) != 0)
        st = refuse(d, t->run.out_dir, "cannot create the folder: %s", strerror(errno));
    char rp[CIM_PATH_MAX + 32], cp[CIM_PATH_MAX + 32];
    struct stat sb;
    out_path(t, "resume.safetensors", rp, sizeof rp);
    out_path(t, "checkpoint.safetensors", cp, sizeof cp);
    if (st == CIM_OK && opt->resume && stat(rp, &sb) == 0) {
        st = resume_load(t, rp, d);
        if (st == CIM_OK && t->start_epoch)
            st = load_lines(t, d);
        if (st == CIM_OK)
            fprintf(stderr, "dcim train: resuming after epoch %u, %zu clouds into epoch %u\n", t->start_epoch,
                    t->pos.clouds, t->start_epoch + 1);
    } else if (st == CIM_OK && opt->resume && stat(cp, &sb) == 0)
        st = refuse(d, rp, "%s", "--resume: the folder has a checkpoint but no resume point; start a new run.out");
    else if (st == CIM_OK && opt->resume)
        fprintf(stderr, "dcim train: note: no resume point in %s yet; starting at epoch 1\n", t->run.out_dir);
    if (st == CIM_OK)
        fprintf(stderr, "dcim train: %s on the %s: %u training and %u test clouds, batch %u, learn %s, "
                "int8 inputs quantised per %s\n", t->net.name, t->data_desc, t->run.train.train_images,
                t->run.train.eval_images, t->run.train.batch_size, ste_mode(t) ? "ste" : "reference",
                t->run.train.quantise == CIM_QUANT_CLOUD ? "cloud" : "batch");
    for (unsigned e = t->start_epoch + 1; st == CIM_OK && e <= t->run.train.epochs; e++) {
        EpochLine line = {0};
        st = train_epoch(t, e, &line, d);
        if (st == CIM_ERR_RANGE && t->opt->job.stop && *t->opt->job.stop) {
            rep->status = CIM_RUN_ABORTED;
            snprintf(rep->reason, sizeof rep->reason, "interrupted (Ctrl-C) after %zu clouds of epoch %u; "
                     "resume.safetensors holds that point (--resume)", t->pos.clouds, e);
            st = CIM_OK;
            break;
        }
        if (st == CIM_OK)
            st = finish_epoch(t, e, &line, d);
    }
    teardown(t);
    free(t);
    return st;
}
