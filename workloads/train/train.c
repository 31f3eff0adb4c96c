/* In-situ training: chip forward passes (fast path), host head and Adam, on-chip pruning
 * after epochs, atomic checkpoints that resume exactly. docs/training.md. */
#include "workloads/train/train.h"
#include "workloads/io/idx.h"
#include "workloads/io/safetensors.h"
#include "workloads/exec/fast.h"
#include "workloads/train/adam.h"
#include "workloads/train/head.h"
#include "workloads/train/init.h"
#include "workloads/train/nn.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "workloads/report/progress.h"
#include "workloads/train/train_impl.h"

static CimPrunedMode pruned_mode(const Trainer *t)
{
    return t->job.run.pruned_filters;
}

/* (Re)compile the network, program the chip and rebuild the fast path. */
CimStatus trainer_rebuild(Trainer *t, CimDiag *d)
{
    CimJob *j = &t->job;
    CimTrap trap;
    cim_fast_destroy(t->fast);
    t->fast = NULL;
    for (unsigned w = 1; w < t->jobs; w++) {
        cim_fast_destroy(t->xfast[w]);
        t->xfast[w] = NULL;
    }
    if (j->compiled)
        cim_compiled_free(&j->cc);
    j->compiled = 0;
    CimStatus st = cim_compile(&j->chip_cfg, &j->net, pruned_mode(t), NULL, &j->cc, d);
    j->compiled = st == CIM_OK;
    if (st == CIM_OK)
        st = cim_infer_load(j->chip, &j->cc, &t->prog, &trap);
    if (st == CIM_OK)
        st = cim_fast_create(j->chip, &j->cc, &j->net, &t->fast, &trap);
    for (unsigned w = 1; st == CIM_OK && w < t->jobs; w++) /* the same programmed chip, read again */
        st = cim_fast_create(j->chip, &j->cc, &j->net, &t->xfast[w], &trap);
    if (st == CIM_ERR_TRAP)
        cim_diag_add(d, CIM_SEV_ERROR, NULL, 0, 0, "program trapped at pc %llu: %s", (unsigned long long)trap.pc,
                     trap.reason);
    return st;
}

CimFast *trainer_fast(const Trainer *t, unsigned w) { return w ? t->xfast[w] : t->fast; }

/* ---- the workers: a team of threads started once per training ----------------------- */

struct TrainPool {
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    pthread_t tid[CIM_TRAIN_MAX_JOBS];
    unsigned started;  /* members 1..started run on their threads; the caller runs the rest */
    unsigned pending;  /* members of the current call not yet done */
    uint64_t round;    /* calls posted */
    int quit;
    CimNnTeamFn *fn;
    void *arg;
    unsigned nw;
};

typedef struct {
    TrainPool *pool;
    unsigned w;
} Member;

static void *member_thread(void *arg)
{
    Member *m = arg;
    TrainPool *p = m->pool;
    uint64_t seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->round == seen && !p->quit)
            pthread_cond_wait(&p->go, &p->mu);
        if (p->quit)
            break;
        seen = p->round;
        CimNnTeamFn *fn = p->fn;
        void *fa = p->arg;
        unsigned nw = p->nw;
        pthread_mutex_unlock(&p->mu);
        fn(fa, m->w, nw);
        pthread_mutex_lock(&p->mu);
        if (--p->pending == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    free(m);
    return NULL;
}

/* The pool of t->jobs - 1 threads (none for one job). A thread that cannot be started has its
 * member run by the caller: the results are the same, only slower. */
static CimStatus pool_start(Trainer *t)
{
    if (t->jobs < 2)
        return CIM_OK;
    TrainPool *p = calloc(1, sizeof *p);
    if (!p)
        return CIM_ERR_NOMEM;
    int mu = pthread_mutex_init(&p->mu, NULL) == 0, go = pthread_cond_init(&p->go, NULL) == 0,
        done = pthread_cond_init(&p->done, NULL) == 0;
    if (!mu || !go || !done) { /* no pool: the caller runs every member */
        if (mu)
            pthread_mutex_destroy(&p->mu);
        if (go)
            pthread_cond_destroy(&p->go);
        if (done)
            pthread_cond_destroy(&p->done);
        free(p);
        return CIM_OK;
    }
    t->pool = p;
    for (unsigned w = 1; w < t->jobs; w++) {
        Member *m = malloc(sizeof *m);
        if (!m)
            break;
        *m = (Member){p, w};
        if (pthread_create(&p->tid[w], NULL, member_thread, m) != 0) {
            free(m);
            break;
        }
        p->started = w;
    }
    return CIM_OK;
}

static void pool_stop(Trainer *t)
{
    TrainPool *p = t->pool;
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (unsigned w = 1; w <= p->started; w++)
        pthread_join(p->tid[w], NULL);
    pthread_cond_destroy(&p->go);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    free(p);
    t->pool = NULL;
}

void trainer_team(void *ctx, CimNnTeamFn *fn, void *arg)
{
    Trainer *t = ctx;
    TrainPool *p = t->pool;
    unsigned nw = t->jobs, started = p ? p->started : 0;
    if (started) {
        pthread_mutex_lock(&p->mu);
        p->fn = fn;
        p->arg = arg;
        p->nw = nw;
        p->pending = started;
        p->round++;
        pthread_cond_broadcast(&p->go);
        pthread_mutex_unlock(&p->mu);
    }
    fn(arg, 0, nw);
    for (unsigned w = started + 1; w < nw; w++)
        fn(arg, w, nw);
    if (started) {
        pthread_mutex_lock(&p->mu);
        while (p->pending)
            pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}

typedef struct {
    Trainer *t;
    size_t n, align;
    TrainChunkFn *fn;
    void *ctx;
} Chunk;

static void chunk_member(void *arg, unsigned w, unsigned nw)
{
    const Chunk *c = arg;
    size_t lo = cim_nn_split(c->n, c->align, w, nw), hi = cim_nn_split(c->n, c->align, w + 1, nw);
    if (lo < hi)
        c->fn(c->t, w, lo, hi, c->ctx);
}

void trainer_parallel_align(Trainer *t, size_t n, size_t align, TrainChunkFn *fn, void *ctx)
{
    Chunk c = {t, n, align, fn, ctx};
    trainer_team(t, chunk_member, &c);
}

void trainer_parallel(Trainer *t, size_t n, TrainChunkFn *fn, void *ctx) { trainer_parallel_align(t, n, 1, fn, ctx); }

void trainer_collect_tallies(Trainer *t)
{
    for (unsigned w = 0; w < t->jobs; w++)
        for (size_t k = 0; k < t->job.cc.n; k++) {
            cim_tally_add(&t->fwd_layers[k], &t->wtally[w][k]);
            memset(&t->wtally[w][k], 0, sizeof t->wtally[w][k]);
        }
}

typedef struct {
    Trainer *t;
    CimNnChunkFn *fn;
    void *arg;
} HeadPart;

static void head_chunk(Trainer *t, unsigned w, size_t lo, size_t hi, void *ctx)
{
    const HeadPart *p = ctx;
    (void)t;
    (void)w;
    p->fn(p->arg, lo, hi);
}

/* Host layers' work over the workers (CimBconv.par). */
void trainer_nn_par(void *ctx, size_t n, size_t align, CimNnChunkFn *fn, void *arg)
{
    HeadPart p = {ctx, fn, arg};
    trainer_parallel_align(ctx, n, align, head_chunk, &p);
}

CimStatus trainer_add_param(Trainer *t, const char *layer, const char *what, float *p, float *grad, size_t n,
                           int conv, double lr)
{
    Param *q = &t->params[t->nparams++];
    snprintf(q->name, sizeof q->name, "%s.%s", layer, what);
    q->p = p;
    q->grad = grad;
    q->n = n;
    q->conv = conv;
    CimAdamParams ap = cim_adam_defaults(lr);
    q->mask = conv ? calloc(n, 1) : NULL;
    CimStatus st = cim_adam_init(&q->adam, n, &ap, NULL);
    return st == CIM_OK && (!conv || q->mask) ? CIM_OK : CIM_ERR_NOMEM;
}

/* The trainable tensors in `reference` mode: the last conv layer's bias and the host
 * layers (the reference's conv weights and earlier biases never get a gradient). */
static CimStatus setup_params(Trainer *t)
{
    CimNet *net = &t->job.net;
    double lr = t->job.run.train.learning_rate;
    CimStatus st = CIM_OK;
    CimLayer *c = &net->layers[t->head.conv];
    if (c->nb)
        st = trainer_add_param(t, c->name, "bias", c->b, t->head.db[t->head.conv], c->nb, 1, lr);
    for (size_t i = t->head.first; st == CIM_OK && i < net->n; i++) {
        CimLayer *l = &net->layers[i];
        if (l->kind != CIM_L_LINEAR)
            continue;
        st = trainer_add_param(t, l->name, "weight", l->w, t->head.dw[i], l->nw, 0, lr);
        if (st == CIM_OK && l->nb)
            st = trainer_add_param(t, l->name, "bias", l->b, t->head.db[i], l->nb, 0, lr);
    }
    return st;
}

static CimStatus load_data(Trainer *t, CimDiag *d)
{
    const CimRunCfg *r = &t->job.run;
    CimStatus st = cim_mnist_load(r->data.dir, "train", NULL, &t->train, d);
    if (st == CIM_OK)
        st = cim_mnist_load(r->data.dir, "t10k", NULL, &t->test, d);
    if (st != CIM_OK)
        return st;
    if (r->train.train_images > t->train.images.n || r->train.eval_images > t->test.images.n) {
        cim_diag_add(d, CIM_SEV_ERROR, t->opt->job.run_path, 0, 0,
                     "run.train.train_images %u / eval_images %u exceed the data (%zu training, %zu test images)",
                     r->train.train_images, r->train.eval_images, (size_t)t->train.images.n,
                     (size_t)t->test.images.n);
        return CIM_ERR_CONFIG;
    }
    return CIM_OK;
}

/* Test accuracy of the network as it is on the chip (fast path, exact host layers). */
static void evaluate_chunk(Trainer *t, unsigned w, size_t lo, size_t hi, void *ctx)
{
    size_t *correct = ctx;
    unsigned nout = t->job.net.layers[t->job.net.n - 1].out_c;
    float logits[CIM_TRAIN_MAX_CLASSES];
    for (size_t i = lo; i < hi; i++) {
        cim_fast_image(trainer_fast(t, w), t->test.images.pixels + i * CIM_TRAIN_IMAGE_PIXELS, logits, NULL, NULL);
        correct[w] += cim_argmax(logits, nout) == t->test.labels.labels[i];
    }
}

static double evaluate(Trainer *t)
{
    unsigned n = t->job.run.train.eval_images;
    size_t correct[CIM_TRAIN_MAX_JOBS] = {0}, sum = 0;
    for (unsigned w = 0; w < t->jobs; w++)
        if (cim_fast_update_host(trainer_fast(t, w)) != CIM_OK)
            return 0.0;
    trainer_parallel(t, n, evaluate_chunk, correct);
    for (unsigned w = 0; w < t->jobs; w++)
        sum += correct[w];
    return n ? (double)sum / n : 0.0;
}

static void progress(CimProgressBar *bar, size_t done, size_t total, double loss, double acc)
{
    char status[64];
    snprintf(status, sizeof status, "loss %.4f  accuracy %.2f %%", loss, 100 * acc);
    cim_progress_bar_update(bar, done, total, status);
}

/* Worker w's part of every parameter's Adam step: elements split by cim_nn_split (each
 * element's step reads and writes that element only). */
static void step_member(void *arg, unsigned w, unsigned nw)
{
    Trainer *t = arg;
    for (size_t k = 0; k < t->nparams; k++) {
        Param *q = &t->params[k];
        size_t lo = cim_nn_split(q->n, 16, w, nw), hi = cim_nn_split(q->n, 16, w + 1, nw);
        if (lo >= hi)
            continue;
        if (q->conv) /* the reference masks every conv parameter that is exactly zero */
            cim_adam_mask_zeros(q->p + lo, hi - lo, q->mask + lo);
        cim_adam_step_range(&q->adam, q->adam.step + 1, q->p, q->grad, q->mask, lo, hi);
    }
}

void trainer_step(Trainer *t)
{
    if (!t->unoptimised) {
        trainer_team(t, step_member, t);
        for (size_t k = 0; k < t->nparams; k++)
            t->params[k].adam.step++;
        return;
    }
    for (size_t k = 0; k < t->nparams; k++) {
        Param *q = &t->params[k];
        if (q->conv) /* the reference masks every conv parameter that is exactly zero */
            cim_adam_mask_zeros(q->p, q->n, q->mask);
        cim_adam_step_portable(&q->adam, q->p, q->grad, q->mask);
    }
}

static CimStatus save_point(Trainer *t, unsigned epochs_done, CimDiag *d);

/* A resume point inside the epoch, where the run says to leave one. */
static CimStatus batch_checkpoint(Trainer *t, unsigned epoch, size_t n, double t0, CimDiag *d)
{
    unsigned every = t->job.run.train.checkpoint_every_batches;
    if (!every || t->pos.batches % every || t->pos.images >= n)
        return CIM_OK;
    t->pos.seconds = cim_clock_s() - t0;
    return save_point(t, epoch - 1, d);
}

/* Images idx[lo..hi) of a batch on worker w: the chip layers (ints and labels), then the
 * head's forward of the same examples. */
static void reference_chunk(Trainer *t, unsigned w, size_t lo, size_t hi, void *ctx)
{
    const size_t *idx = ctx, in = t->head.in_size;
    for (size_t i = lo; i < hi; i++) {
        cim_fast_image(trainer_fast(t, w), t->train.images.pixels + idx[i] * CIM_TRAIN_IMAGE_PIXELS, NULL,
                       t->ints + i * in, t->wtally[w]);
        t->labels[i] = t->train.labels.labels[idx[i]];
    }
    cim_head_forward_rows(&t->head, t->ints, lo, hi);
}

/* The forward as it was before the speed work (the bench's baseline): one thread, and the
 * fast path's own host layers computed and thrown away. */
static void reference_forward_unoptimised(Trainer *t, const size_t *idx, size_t nb)
{
    size_t in = t->head.in_size;
    float logits[CIM_TRAIN_MAX_CLASSES];
    for (size_t i = 0; i < nb; i++) {
        cim_fast_image(t->fast, t->train.images.pixels + idx[i] * CIM_TRAIN_IMAGE_PIXELS, logits, t->ints + i * in, &t->fwd_layers[0]);
        t->labels[i] = t->train.labels.labels[idx[i]];
    }
}

/* One reference-mode batch: chip forward, host head forward and backward, Adam. */
static void reference_batch(Trainer *t, const size_t *idx, size_t nb)
{
    if (t->unoptimised) {
        reference_forward_unoptimised(t, idx, nb);
        cim_head_forward(&t->head, t->ints, nb);
    } else { /* the head's forward by examples at multiples of CIM_NN_SPLIT, as cim_head_forward */
        trainer_parallel_align(t, nb, CIM_NN_SPLIT, reference_chunk, (void *)idx);
        trainer_collect_tallies(t);
    }
    const float *z = cim_head_logits(&t->head);
    unsigned k = t->job.net.layers[t->job.net.n - 1].out_c;
    for (size_t i = 0; i < nb; i++)
        t->pos.correct += (int32_t)cim_nn_argmax(z + i * k, k) == t->labels[i];
    t->pos.loss_sum += cim_head_backward(&t->head, t->labels, nb);
    trainer_step(t);
}

/* The shuffled training images from where the epoch stands (t->pos); CIM_ERR_RANGE if
 * stopped (Ctrl-C), after leaving a resume point at the last complete batch. */
static CimStatus train_epoch(Trainer *t, unsigned epoch, CimEpochStats *es, CimDiag *d)
{
    const CimRunTrainCfg *tc = &t->job.run.train;
    size_t n = tc->train_images, bs = tc->batch_size;
    TrainPos *p = &t->pos;
    CimRng rng;
    cim_rng_seed(&rng, t->job.run.seed * 0x9E3779B97F4A7C15ull + epoch);
    cim_init_randperm(t->perm, n, &rng);
    char label[40];
    snprintf(label, sizeof label, "epoch %u/%u", epoch, tc->epochs);
    CimProgressBar bar;
    cim_progress_bar_init(&bar, label, t->opt->job.progress);
    bar.base = p->images; /* resumed inside the epoch: the rate counts this run's images */
    double t0 = cim_clock_s() - p->seconds;
    CimStatus st = CIM_OK;
    while (st == CIM_OK && p->images < n) {
        if (t->opt->job.stop && *t->opt->job.stop) {
            p->seconds = cim_clock_s() - t0;
            st = save_point(t, epoch - 1, d);
            cim_progress_bar_end(&bar);
            return st == CIM_OK ? CIM_ERR_RANGE : st;
        }
        size_t nb = n - p->images < bs ? n - p->images : bs;
        if (t->ste)
            st = ste_batch(t, t->perm + p->images, nb, &p->loss_sum, &p->correct, d);
        else
            reference_batch(t, t->perm + p->images, nb);
        p->images += nb;
        p->batches++;
        progress(&bar, p->images, n, p->loss_sum / (double)p->batches, (double)p->correct / (double)p->images);
        if (st == CIM_OK)
            st = batch_checkpoint(t, epoch, n, t0, d);
    }
    if (st != CIM_OK) {
        cim_progress_bar_end(&bar);
        return st;
    }
    es->loss = p->batches ? p->loss_sum / (double)p->batches : 0;
    es->train_acc = n ? (double)p->correct / (double)n : 0;
    es->seconds = cim_clock_s() - t0;
    es->train_images_per_s = es->seconds > 0 ? (double)n / es->seconds : 0;
    memset(p, 0, sizeof *p);
    return CIM_OK;
}

/* ---- pruning and statistics ------------------------------------------------------- */

static double energy_uj(const Trainer *t, const CimLayerTally *x)
{
    CimEnergyTable tab;
    CimEnergyBreakdown e;
    cim_energy_table(&t->job.chip_cfg, &tab);
    cim_energy_compute(&t->job.chip_cfg, &tab, &x->ev, x->cycles, &e);
    return e.total_pj * 1e-6;
}

static CimStatus prune_now(Trainer *t, CimDiag *d)
{
    CimPruneParams p;
    CimTrap trap;
    cim_job_prune_params(&t->job.run, &p);
    for (unsigned r = 0; r < t->job.run.prune.rounds; r++) {
        int rewrite_sign = !t->ste; /* the reference writes sign(w) back; ste keeps latent weights */
        CimStatus st = cim_prune_on_chip(t->job.chip, &t->job.net, &p, rewrite_sign, &t->prune, &trap, d);
        if (st == CIM_ERR_TRAP)
            cim_diag_add(d, CIM_SEV_ERROR, NULL, 0, 0, "pruning program trapped: %s", trap.reason);
        if (st != CIM_OK)
            return st;
    }
    return trainer_rebuild(t, d); /* re-map without the pruned filters */
}

/* Filters pruned and MACs removed per image, from the network as it is now. */
static void op_stats(const Trainer *t, CimEpochStats *es)
{
    const CimNet *net = &t->job.net;
    unsigned k = 0;
    for (size_t i = 0; i < net->n; i++) {
        const CimLayer *l = &net->layers[i];
        uint64_t macs = cim_layer_macs(l), rm = cim_layer_pruned_macs(l);
        es->all_macs += macs - rm;
        es->all_macs_removed += rm;
        if (l->kind != CIM_L_CONV_BIN || k >= CIM_TRAIN_MAX_CONV)
            continue;
        es->conv_macs += macs - rm;
        es->conv_macs_removed += rm;
        es->conv_filters[k] = l->out_c;
        for (unsigned f = 0; f < l->out_c; f++)
            es->conv_pruned[k] += l->pruned[f];
        if (es->pruned_this_epoch && k < t->prune.n)
            es->conv_kept[k] = t->prune.layers[k].kept_by_guard;
        k++;
    }
}

/* ---- checkpoints and the metrics log --------------------------------------------- */

static void out_path(const Trainer *t, const char *file, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", t->job.run.out_dir, file);
}

/* Where a file of the set being saved is written: the staging folder (results.h). */
static void stage_path(const Trainer *t, const char *file, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", cim_results_staging(&t->rs), file);
}

static CimStatus save_checkpoint(Trainer *t, unsigned epoch, CimDiag *d)
{
    char path[CIM_RESULTS_DIR_MAX + 96], ep[24], seed[24], step[24], learn[16];
    snprintf(ep, sizeof ep, "%u", epoch);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)t->job.run.seed);
    const char *meta[] = {"epoch", ep, "seed", seed, "learn",
                          cim_cfg_choice(CIM_LEARN_NAMES, (int)t->job.run.train.learn, learn, sizeof learn),
                          "written_by", "dcim train"};
    stage_path(t, "checkpoint.safetensors", path, sizeof path);
    CimStatus st = cim_net_save_weights(&t->job.net, path, meta, 4, d);
    CimStWriteTensor ten[128];
    size_t shape[64][1];
    char names[128][112];
    for (size_t k = 0; k < t->nparams && st == CIM_OK; k++) {
        shape[k][0] = t->params[k].n;
        snprintf(names[2 * k], sizeof names[0], "%s.exp_avg", t->params[k].name);
        snprintf(names[2 * k + 1], sizeof names[0], "%s.exp_avg_sq", t->params[k].name);
        CimStWriteTensor m = {names[2 * k], 1, shape[k], t->params[k].adam.m, NULL};
        CimStWriteTensor v = {names[2 * k + 1], 1, shape[k], t->params[k].adam.v, NULL};
        ten[2 * k] = m;
        ten[2 * k + 1] = v;
    }
    snprintf(step, sizeof step, "%llu", (unsigned long long)(t->nparams ? t->params[0].adam.step : 0));
    CimStMeta om[2] = {{"epoch", ep}, {"step", step}};
    stage_path(t, "optimizer.safetensors", path, sizeof path);
    if (st == CIM_OK)
        st = cim_st_write(path, ten, 2 * t->nparams, om, 2, NULL, d);
    return st;
}

/* Pruning that speaks: warning k (0-based) of an epoch into buf, or 0 when there is none;
 * a layer pruned to at least run.prune.warn_share of its filters, or filters that
 * run.prune.keep_min_filters kept. */
static int epoch_warning(const Trainer *t, const CimEpochStats *e, unsigned k, char *buf, size_t len)
{
    unsigned seen = 0;
    double limit = t->job.run.prune.warn_share;
    for (unsigned c = 0; c < t->rep->nconv; c++) {
        unsigned p = e->conv_pruned[c], n = e->conv_filters[c];
        if (n && p && (double)p >= limit * (double)n && seen++ == k) {
            snprintf(buf, len, "layer %s: %u of %u filters pruned (run.prune.warn_share %g): with pruned_filters "
                               "reference it still computes the all -1 filter's outputs, with skip it outputs %s",
                     t->rep->conv_names[c], p, n, limit, p == n ? "only zeros" : "0 for them");
            return 1;
        }
        if (e->conv_kept[c] && seen++ == k) {
            snprintf(buf, len, "layer %s: run.prune.keep_min_filters kept %u filters the paper's rule pruned",
                     t->rep->conv_names[c], e->conv_kept[c]);
            return 1;
        }
    }
    return 0;
}

/* part / whole, 0 when nothing was counted (never NaN in the log). */
static double share(uint64_t part, uint64_t whole) { return whole ? (double)part / (double)whole : 0.0; }

static void epoch_json(const Trainer *t, const CimEpochStats *e, FILE *f)
{
    fprintf(f, "{\"epoch\": %u, \"loss\": %.6f, \"train_accuracy\": %.6f, \"test_accuracy_before_pruning\": %.6f, "
               "\"test_accuracy\": %.6f, \"pruned_this_epoch\": %s, \"pruned_filters\": {",
            e->epoch, e->loss, e->train_acc, e->test_acc_before_prune, e->test_acc, e->pruned_this_epoch ? "true" : "false");
    for (unsigned k = 0; k < t->rep->nconv; k++)
        fprintf(f, "%s\"%s\": [%u, %u]", k ? ", " : "", t->rep->conv_names[k], e->conv_pruned[k], e->conv_filters[k]);
    fprintf(f, "}, \"conv_mac_reduction\": %.6f, \"all_mac_reduction\": %.6f, \"seconds\": %.2f, "
               "\"train_images_per_s\": %.1f, \"energy_uj\": {\"forward\": %.4f, \"pruning\": %.4f, \"programming\": %.4f}, "
               "\"cycles\": {\"forward\": %llu, \"pruning\": %llu}, ",
            share(e->conv_macs_removed, e->conv_macs + e->conv_macs_removed),
            share(e->all_macs_removed, e->all_macs + e->all_macs_removed), e->seconds, e->train_images_per_s,
            e->energy_forward_uj, e->energy_prune_uj, e->energy_program_uj, (unsigned long long)e->cycles_forward,
            (unsigned long long)e->cycles_prune);
    /* write wear: the epoch's pulses over the chip's cells (the mean cell: single cells are
     * not tracked) and the epochs until that cell reaches tech.endurance (docs/energy.md) */
    const CimChipCfg *cc = &t->job.chip_cfg;
    double cells = (double)cc->macros * cc->array.rows * cc->array.cols, per = (double)e->write_pulses / cells;
    double life = cim_wear_lifetime(cc->tech.endurance_cycles, per);
    fprintf(f, "\"write\": {\"pulses\": %llu, \"per_cell\": %.6g, ", (unsigned long long)e->write_pulses, per);
    isinf(life) ? fprintf(f, "\"lifetime_epochs\": \"unlimited\"}, \"warnings\": [")
                : fprintf(f, "\"lifetime_epochs\": %.6g}, \"warnings\": [", life);
    char w[400];
    for (unsigned k = 0; epoch_warning(t, e, k, w, sizeof w); k++)
        fprintf(f, "%s\"%s\"", k ? ", " : "", w); /* layer names hold no quotes (network files) */
    fprintf(f, "]}\n");
}

/* Epochs loaded on resume are written back as they were read (their byte counts, times
 * and pruned filters are not all kept in CimEpochStats), the others from their stats. */
static int write_epochs(const void *ctx, FILE *f)
{
    const Trainer *t = ctx;
    for (unsigned e = 0; e < t->rep->nepochs; e++) {
        if (t->logged && e < t->start_epoch && t->logged[e])
            fputs(t->logged[e], f);
        else
            epoch_json(t, &t->rep->epochs[e], f);
    }
    return 0;
}

/* metrics.jsonl rewritten whole into the set being saved. */
static CimStatus write_metrics(const Trainer *t, CimDiag *d)
{
    return cim_report_write_file(cim_results_staging(&t->rs), "metrics.jsonl", write_epochs, t, d);
}

/* ---- run.out as one set (results.h; docs/training.md, "The results folder") ---------- */

/* The staged files become run.out's set; the next save point stages into a new folder. */
static CimStatus commit_set(Trainer *t, CimDiag *d)
{
    CimStatus st = t->opt->stage_extra ? t->opt->stage_extra(t->opt->stage_ctx, cim_results_staging(&t->rs),
                                                             t->job.run.out_dir, d)
                                       : CIM_OK;
    if (st == CIM_OK)
        st = cim_results_commit(&t->rs, d);
    return st == CIM_OK ? cim_results_begin(&t->rs, t->job.run.out_dir, d) : st;
}

/* A resume point inside an epoch (every checkpoint_every_batches batches, Ctrl-C): a set of
 * the new resume.safetensors, the metrics of the epochs done, and the checkpoint and
 * optimizer state of the last epoch end, kept as they are (none before the first). */
static CimStatus save_point(Trainer *t, unsigned epochs_done, CimDiag *d)
{
    CimStatus st = resume_save(t, epochs_done, d);
    if (st == CIM_OK && t->rep->nepochs)
        st = write_metrics(t, d);
    if (st == CIM_OK && t->have_epoch_set)
        st = cim_results_keep(&t->rs, "checkpoint.safetensors", d);
    if (st == CIM_OK && t->have_epoch_set)
        st = cim_results_keep(&t->rs, "optimizer.safetensors", d);
    return st == CIM_OK ? commit_set(t, d) : st;
}

/* Resumed: run.out's checkpoint and optimizer state are of the epochs the resume point
 * has done (a run killed while committing an epoch's set may have moved newer ones in). */
static int epoch_set_matches(const Trainer *t)
{
    const char *files[] = {"checkpoint.safetensors", "optimizer.safetensors"};
    int same = t->start_epoch > 0;
    for (int i = 0; i < 2 && same; i++) {
        char path[CIM_PATH_MAX + 32], want[24];
        CimSafetensors *st = NULL;
        CimDiag quiet;
        cim_diag_init(&quiet);
        out_path(t, files[i], path, sizeof path);
        snprintf(want, sizeof want, "%u", t->start_epoch);
        const char *got = cim_st_open(path, NULL, &st, &quiet) == CIM_OK ? cim_st_meta_get(st, "epoch") : NULL;
        same = got && strcmp(got, want) == 0;
        cim_st_close(st);
        cim_diag_free(&quiet);
    }
    return same;
}

#include <jansson.h>

/* Earlier epochs from metrics.jsonl (when resuming), so the log keeps them. */
static CimStatus load_metrics(Trainer *t, CimDiag *d)
{
    char path[CIM_PATH_MAX + 32], line[8192];
    out_path(t, "metrics.jsonl", path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f) {
        cim_diag_add(d, CIM_SEV_ERROR, path, 0, 0, "cannot read the metrics of the checkpoint's %u epochs: %s",
                     t->start_epoch, strerror(errno));
        return CIM_ERR_IO;
    }
    t->logged = calloc(t->start_epoch ? t->start_epoch : 1, sizeof *t->logged);
    CimStatus st = t->logged ? CIM_OK : CIM_ERR_NOMEM;
    while (st == CIM_OK && t->rep->nepochs < t->start_epoch && fgets(line, sizeof line, f)) {
        json_error_t err;
        json_t *o = json_loads(line, 0, &err);
        CimEpochStats *e = &t->rep->epochs[t->rep->nepochs];
        int pruned = 0;
        size_t n = strlen(line);
        if (!o || n == 0 || line[n - 1] != '\n' ||
            json_unpack(o, "{s:i, s:f, s:f, s:f, s:f, s:b}", "epoch", &e->epoch, "loss", &e->loss, "train_accuracy",
                        &e->train_acc, "test_accuracy_before_pruning", &e->test_acc_before_prune, "test_accuracy",
                        &e->test_acc, "pruned_this_epoch", &pruned) != 0 ||
            e->epoch != t->rep->nepochs + 1) {
            cim_diag_add(d, CIM_SEV_ERROR, path, t->rep->nepochs + 1, 0, "not the dcim train metrics line of epoch %u",
                         t->rep->nepochs + 1);
            st = CIM_ERR_FORMAT;
        } else if (!(t->logged[t->rep->nepochs] = malloc(n + 1))) {
            st = CIM_ERR_NOMEM;
        } else {
            memcpy(t->logged[t->rep->nepochs], line, n + 1);
            e->pruned_this_epoch = pruned;
            t->rep->nepochs++;
        }
        json_decref(o);
    }
    fclose(f);
    if (st == CIM_OK && t->rep->nepochs < t->start_epoch) {
        cim_diag_add(d, CIM_SEV_ERROR, path, t->rep->nepochs + 1, 0,
                     "holds %u epochs, the checkpoint %u: the metrics do not belong to it", t->rep->nepochs,
                     t->start_epoch);
        st = CIM_ERR_FORMAT;
    }
    return st;
}

#include <cblas.h>
#include <unistd.h>

/* --jobs: opt->job.jobs, or the machine's cores; one with opt->unoptimised. */
static CimStatus init_jobs(Trainer *t, CimDiag *d)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned j = t->opt->job.jobs ? t->opt->job.jobs : cores < 1 ? 1u : (unsigned)cores;
    if (j > CIM_TRAIN_MAX_JOBS) {
        if (t->opt->job.jobs) {
            cim_diag_add(d, CIM_SEV_ERROR, NULL, 0, 0, "--jobs %u: dcim train runs at most %d threads", j,
                         CIM_TRAIN_MAX_JOBS);
            return CIM_ERR_CONFIG;
        }
        j = CIM_TRAIN_MAX_JOBS; /* a machine with more cores than that: the default takes the limit */
    }
    t->unoptimised = t->opt->unoptimised;
    t->jobs = t->unoptimised ? 1 : j;
    t->xfast = calloc(t->jobs, sizeof *t->xfast);
    t->wtally = calloc(t->jobs, sizeof *t->wtally);
    return t->xfast && t->wtally ? pool_start(t) : CIM_ERR_NOMEM;
}

static CimStatus init(Trainer *t, CimDiag *d)
{
    /* batches are small (64 x 784 x 256): one thread is faster than waking others, and a
     * run's result must not depend on the thread count */
    openblas_set_num_threads(1);
    CimJob *j = &t->job;
    CimStatus st = init_jobs(t, d);
    if (st == CIM_OK)
        st = cim_job_prepare(&t->opt->job, j, d);
    if (st != CIM_OK)
        return st;
    if (!j->run.has_train) {
        cim_diag_add(d, CIM_SEV_ERROR, t->opt->job.run_path, 0, 0, "the run file has no train: group");
        return CIM_ERR_CONFIG;
    }
    if (j->run.train.bn_recalibrate) {
        cim_diag_add(d, CIM_SEV_ERROR, t->opt->job.run_path, 0, 0, "run.train.bn_recalibrate is %u: it re-estimates "
                     "BatchNorm statistics, which image networks do not have; it must be 0", j->run.train.bn_recalibrate);
        return CIM_ERR_CONFIG;
    }
    if ((st = load_data(t, d)) != CIM_OK || (st = trainer_rebuild(t, d)) != CIM_OK)
        return st;
    const CimChipLayer *last = &j->cc.layers[j->cc.n - 1];
    const CimLayer *out = &j->net.layers[j->net.n - 1];
    size_t nout = (size_t)out->out_c * out->out_h * out->out_w;
    if (nout > CIM_TRAIN_MAX_CLASSES || j->net.in_c * j->net.in_h * j->net.in_w != CIM_TRAIN_IMAGE_PIXELS) {
        cim_diag_add(d, CIM_SEV_ERROR, NULL, 0, 0, "dcim train reads MNIST: the network must take 1x28x28 images "
                     "(it takes %ux%ux%u) and give at most %d outputs (it gives %zu)", j->net.in_c, j->net.in_h,
                     j->net.in_w, CIM_TRAIN_MAX_CLASSES, nout);
        return CIM_ERR_CONFIG;
    }
    if (j->cc.n > CIM_TRAIN_MAX_CONV) {
        cim_diag_add(d, CIM_SEV_ERROR, NULL, 0, 0, "dcim train handles at most %d binary conv layers, the network "
                     "has %zu", CIM_TRAIN_MAX_CONV, j->cc.n);
        return CIM_ERR_CONFIG;
    }
    st = cim_head_init(&t->head, &j->net, last->layer, j->cc.first_host, j->run.train.batch_size,
                       pruned_mode(t) == CIM_PRUNED_SKIP);
    if (st == CIM_OK && t->jobs > 1) {
        t->head.team = trainer_team;
        t->head.team_ctx = t;
    }
    t->head.sgemm = t->unoptimised;
    if (st == CIM_OK)
        st = setup_params(t);
    if (st == CIM_OK && j->run.train.learn == CIM_LEARN_STE)
        st = ste_init(t, d);
    t->ints = malloc(j->run.train.batch_size * t->head.in_size * sizeof *t->ints);
    t->labels = malloc(j->run.train.batch_size * sizeof *t->labels);
    t->perm = malloc(j->run.train.train_images * sizeof *t->perm);
    t->rep->epochs = calloc(j->run.train.epochs, sizeof *t->rep->epochs);
    if (st == CIM_OK && (!t->ints || !t->labels || !t->perm || !t->rep->epochs))
        st = CIM_ERR_NOMEM;
    for (size_t i = 0; i < j->net.n; i++)
        if (j->net.layers[i].kind == CIM_L_CONV_BIN && t->rep->nconv < CIM_TRAIN_MAX_CONV)
            snprintf(t->rep->conv_names[t->rep->nconv++], sizeof t->rep->conv_names[0], "%s", j->net.layers[i].name);
    snprintf(t->rep->out_dir, sizeof t->rep->out_dir, "%s", j->run.out_dir);
    return st;
}

/* Everything after the training pass of one epoch: evaluate, prune, evaluate, save. */
static CimStatus finish_epoch(Trainer *t, unsigned epoch, CimEpochStats *es, CimDiag *d)
{
    const CimRunCfg *r = &t->job.run;
    CimLayerTally before_load = t->prune.load, before_dist = t->prune.distances;
    es->test_acc_before_prune = evaluate(t);
    CimStatus st = CIM_OK;
    if (r->prune.enabled && r->train.prune_every && epoch % r->train.prune_every == 0) {
        st = prune_now(t, d);
        es->pruned_this_epoch = 1;
    }
    es->test_acc = es->pruned_this_epoch ? evaluate(t) : es->test_acc_before_prune;
    CimLayerTally fwd = {0}, pr = cim_tally_since(&t->prune.load, &before_load);
    CimLayerTally dist = cim_tally_since(&t->prune.distances, &before_dist);
    CimLayerTally prog = cim_tally_since(&t->prog, &t->prog_epoch0); /* ste reprograms after every batch */
    for (size_t k = 0; k < t->job.cc.n; k++)
        cim_tally_add(&fwd, &t->fwd_layers[k]);
    cim_tally_add(&pr, &dist);
    es->energy_forward_uj = energy_uj(t, &fwd);
    es->energy_prune_uj = energy_uj(t, &pr);
    es->energy_program_uj = energy_uj(t, &prog);
    es->cycles_forward = fwd.cycles;
    es->cycles_prune = pr.cycles;
    es->write_pulses = pr.ev.n[CIM_EV_SET_PULSE] + pr.ev.n[CIM_EV_RESET_PULSE] + prog.ev.n[CIM_EV_SET_PULSE] +
                       prog.ev.n[CIM_EV_RESET_PULSE];
    op_stats(t, es);
    memset(t->fwd_layers, 0, sizeof t->fwd_layers);
    t->rep->nepochs = epoch;
    /* one set: the metrics, the checkpoint, the optimizer state and the resume point of this
     * epoch end (a commit moves them in in name order, resume.safetensors last: a resume reads
     * only as many metrics lines as the resume point has epochs, and rewrites any after them) */
    if (st == CIM_OK)
        st = write_metrics(t, d);
    if (st == CIM_OK)
        st = save_checkpoint(t, epoch, d);
    if (st == CIM_OK)
        st = resume_save(t, epoch, d);
    if (st == CIM_OK)
        st = commit_set(t, d); /* until it is in place, a resume redoes this epoch */
    t->have_epoch_set = st == CIM_OK;
    return st;
}

static void print_epoch(const Trainer *t, const CimEpochStats *e)
{
    printf("epoch %u: loss %.4f, train accuracy %.2f %%, test accuracy %.2f %% before pruning, %.2f %% as saved; "
           "pruned",
           e->epoch, e->loss, 100 * e->train_acc, 100 * e->test_acc_before_prune, 100 * e->test_acc);
    for (unsigned k = 0; k < t->rep->nconv; k++)
        printf(" %s %u/%u", t->rep->conv_names[k], e->conv_pruned[k], e->conv_filters[k]);
    printf("; conv MACs -%.1f %%, all MACs -%.1f %%; %.1f s (%.0f images/s); on-chip energy %.1f uJ forward, "
           "%.2f uJ pruning\n",
           100.0 * (double)e->conv_macs_removed / (double)(e->conv_macs + e->conv_macs_removed),
           100.0 * (double)e->all_macs_removed / (double)(e->all_macs + e->all_macs_removed), e->seconds,
           e->train_images_per_s, e->energy_forward_uj, e->energy_prune_uj);
    fflush(stdout);
    char w[400];
    for (unsigned k = 0; epoch_warning(t, e, k, w, sizeof w); k++)
        fprintf(stderr, "dcim train: warning: epoch %u: %s\n", e->epoch, w);
}

static void teardown(Trainer *t)
{
    pool_stop(t);
    for (size_t k = 0; k < t->nparams; k++) {
        cim_adam_free(&t->params[k].adam);
        free(t->params[k].mask);
    }
    ste_free(t);
    cim_head_free(&t->head);
    cim_fast_destroy(t->fast);
    for (unsigned w = 1; t->xfast && w < t->jobs; w++)
        cim_fast_destroy(t->xfast[w]);
    free(t->xfast);
    free(t->wtally);
    cim_prune_report_free(&t->prune);
    cim_job_free(&t->job);
    cim_mnist_free(&t->train);
    cim_mnist_free(&t->test);
    free(t->ints);
    free(t->labels);
    free(t->perm);
    for (unsigned e = 0; t->logged && e < t->start_epoch; e++)
        free(t->logged[e]);
    free(t->logged);
    cim_results_discard(&t->rs);
}

CimStatus cim_train_run(const CimTrainOptions *opt, CimTrainReport *rep, CimDiag *d)
{
    Trainer *t = calloc(1, sizeof *t);
    if (!t)
        return CIM_ERR_NOMEM;
    memset(rep, 0, sizeof *rep);
    t->opt = opt;
    t->rep = rep;
    rep->status = CIM_RUN_COMPLETE;
    CimStatus st = init(t, d);
    if (st == CIM_OK)
        st = cim_results_begin(&t->rs, t->job.run.out_dir, d);
    char rp[CIM_PATH_MAX + 32], cp[CIM_PATH_MAX + 32];
    struct stat sb;
    out_path(t, "checkpoint.safetensors", cp, sizeof cp);
    if (st == CIM_OK)
        st = resume_path(t, rp, sizeof rp);
    if (st == CIM_OK && opt->resume && stat(rp, &sb) == 0) {
        st = resume_load(t, d);
        if (st == CIM_OK && t->start_epoch) /* inside epoch 1 there is no line yet */
            st = load_metrics(t, d);
        t->have_epoch_set = st == CIM_OK && epoch_set_matches(t);
    } else if (st == CIM_OK && opt->resume && stat(cp, &sb) == 0) {
        cim_diag_add(d, CIM_SEV_ERROR, rp, 0, 0, "--resume: the folder has a checkpoint but no resume file (an older "
                     "dcim train wrote it); start a new run.out");
        st = CIM_ERR_CONFIG;
    } else if (st == CIM_OK && opt->resume)
        fprintf(stderr, "dcim train: note: no resume point in %s yet; starting at epoch 1\n", t->job.run.out_dir);
    if (st == CIM_OK && opt->resume && (t->start_epoch || t->pos.images))
        fprintf(stderr, t->pos.images ? "dcim train: resuming after epoch %u, %zu images into epoch %u\n"
                                      : "dcim train: resuming after epoch %u\n", t->start_epoch, t->pos.images,
                t->start_epoch + 1);
    for (unsigned e = t->start_epoch + 1; st == CIM_OK && e <= t->job.run.train.epochs; e++) {
        CimEpochStats *es = &rep->epochs[e - 1];
        memset(es, 0, sizeof *es);
        es->epoch = e;
        if (!t->pos.images)
            t->prog_epoch0 = t->prog;
        st = train_epoch(t, e, es, d);
        if (st == CIM_ERR_RANGE) {
            rep->status = CIM_RUN_ABORTED;
            snprintf(rep->reason, sizeof rep->reason, "interrupted (Ctrl-C) after %zu images of epoch %u; "
                     "resume.safetensors holds that point (--resume)", t->pos.images, e);
            st = CIM_OK;
            break;
        }
        if (st == CIM_OK)
            st = finish_epoch(t, e, es, d);
        if (st == CIM_OK)
            print_epoch(t, es);
    }
    teardown(t);
    free(t);
    return st;
}

void cim_train_report_free(CimTrainReport *rep)
{
    free(rep->epochs);
    memset(rep, 0, sizeof *rep);
}
