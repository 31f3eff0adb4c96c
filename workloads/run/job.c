/* The dcim run job: everything between a run file and a filled report. */
#include "workloads/run/job.h"
#include "workloads/run/ordered.h"
#include "workloads/report/progress.h"
#include "workloads/io/idx.h"
#include "workloads/net/netfile.h"
#include "workloads/pointnet/pointnet.h"
#include "workloads/exec/cycle.h"
#include "workloads/exec/fast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static CimStatus load_cfgs(const CimJobOptions *o, CimJob *j, CimDiag *d)
{
    CimOverrides ov = {.items = o->overrides, .n = o->noverrides};
    CimStatus st = cim_run_cfg_load_all(o->run_path, &ov, &j->run, &j->chip_cfg, d);
    int pointcloud = st == CIM_OK ? cim_pn_is_pointcloud_file(j->run.network_path) : 0;
    if (pointcloud < 0)
        return CIM_ERR_NOMEM;
    if (pointcloud) {
        cim_diag_add(d, CIM_SEV_ERROR, j->run.network_path, 0, 0,
                     "a point-cloud network: only `dcim run` takes it so far (the host reference, fidelity "
                     "reference); training, comparison and the chip come with the int8 engine");
        return CIM_ERR_CONFIG;
    }
    if (st == CIM_OK && o->vcd_path && j->run.fidelity != CIM_FIDELITY_CYCLE) {
        cim_diag_add(d, CIM_SEV_ERROR, o->run_path, 0, 0, "a VCD trace (--vcd) needs --fidelity cycle");
        st = CIM_ERR_CONFIG;
    }
    if (st == CIM_OK && j->run.fidelity == CIM_FIDELITY_REFERENCE) {
        cim_diag_add(d, CIM_SEV_ERROR, o->run_path, 0, 0,
                     "fidelity reference is the host reference of point-cloud networks; an image network runs on "
                     "the chip: fast, program or cycle");
        st = CIM_ERR_CONFIG;
    }
    if (st == CIM_OK && (j->run.data.format != CIM_DATA_MNIST || j->run.data.split == CIM_SPLIT_TEST)) {
        cim_diag_add(d, CIM_SEV_ERROR, o->run_path, 0, 0,
                     "an image network reads MNIST IDX files: run.data.format mnist, run.data.split t10k or train");
        st = CIM_ERR_CONFIG;
    }
    if (st == CIM_OK && j->chip_cfg.physics.enabled && j->run.fidelity == CIM_FIDELITY_FAST) {
        cim_diag_add(d, CIM_SEV_ERROR, o->run_path, 0, 0,
                     "fidelity fast needs chip.physics.enabled: false (device physics is simulated per "
                     "read); use --fidelity program");
        st = CIM_ERR_CONFIG;
    }
    return st;
}

static CimStatus load_net(CimJob *j, CimDiag *d)
{
    CimStatus st = cim_net_load(j->run.network_path, NULL, &j->net, d);
    if (st != CIM_OK)
        return st;
    j->net_loaded = 1;
    if (j->run.weights_path[0])
        return cim_net_load_weights(&j->net, j->run.weights_path, d);
    cim_net_init_random(&j->net, j->run.seed);
    return CIM_OK;
}

static CimStatus load_data(CimJob *j, CimMnist *mn, CimDiag *d)
{
    char split[16];
    CimStatus st = cim_mnist_load(j->run.data.dir, cim_cfg_choice(CIM_SPLIT_NAMES, (int)j->run.data.split, split, sizeof split),
                                  NULL, mn, d);
    if (st != CIM_OK)
        return st;
    if (j->run.data.images > mn->images.n) {
        cim_diag_add(d, CIM_SEV_ERROR, NULL, 0, 0, "run.data.images is %u but the data set has %zu images",
                     j->run.data.images, (size_t)mn->images.n);
        return CIM_ERR_CONFIG;
    }
    if (mn->images.rows * mn->images.cols != (size_t)j->net.in_h * j->net.in_w || j->net.in_c != 1) {
        cim_diag_add(d, CIM_SEV_ERROR, NULL, 0, 0, "the data's %zux%u images do not fit the network input %ux%ux%u",
                     (size_t)mn->images.rows, (unsigned)mn->images.cols, j->net.in_c, j->net.in_h, j->net.in_w);
        return CIM_ERR_CONFIG;
    }
    return CIM_OK;
}

void cim_job_prune_params(const CimRunCfg *run, CimPruneParams *p)
{
    cim_prune_params_reference(p);
    p->threshold_b = run->prune.threshold_b;
    p->threshold_c = run->prune.threshold_c;
    p->mode = run->prune.participation;
    p->keep_min_filters = run->prune.keep_min_filters;
}

static CimStatus prune(CimJob *j, CimTrap *trap, CimDiag *d)
{
    CimPruneParams p;
    cim_job_prune_params(&j->run, &p);
    for (unsigned r = 0; r < j->run.prune.rounds; r++) {
        CimStatus st = cim_prune_on_chip(j->chip, &j->net, &p, 1, &j->report.prune, trap, d);
        if (st != CIM_OK)
            return st;
    }
    j->report.pruned_on_chip = 1;
    return CIM_OK;
}

/* Names, chip facts and one report layer per chip layer and per host layer with weights. */
static CimStatus report_init(CimJob *j)
{
    CimRunReport *r = &j->report;
    const CimCompiled *cc = &j->cc;
    snprintf(r->run_name, sizeof r->run_name, "%s", j->run.name);
    snprintf(r->chip, sizeof r->chip, "%s", j->chip_cfg.name);
    snprintf(r->tech, sizeof r->tech, "%s", j->chip_cfg.tech.name);
    snprintf(r->network, sizeof r->network, "%s", j->net.name);
    if (j->run.weights_path[0])
        snprintf(r->weights, sizeof r->weights, "%s", j->run.weights_path);
    else
        snprintf(r->weights, sizeof r->weights, "random, seed %llu (UNTRAINED: accuracy is chance level)",
                 (unsigned long long)j->run.seed);
    cim_cfg_choice(CIM_FIDELITY_NAMES, (int)j->run.fidelity, r->fidelity, sizeof r->fidelity);
    cim_cfg_choice(CIM_PRUNED_NAMES, (int)cc->pruned_mode, r->pruned_mode, sizeof r->pruned_mode);
    r->warn_share = j->run.prune.warn_share;
    r->status = CIM_RUN_COMPLETE;
    r->seed = j->run.seed;
    r->cfg = &j->chip_cfg;
    r->clock_mhz = j->chip_cfg.clock_mhz;
    r->macros = j->chip_cfg.macros;
    r->rows = j->chip_cfg.array.rows;
    r->cols = j->chip_cfg.array.cols;
    r->cells_used = cc->cells_used;
    r->reload = cc->reload;
    cim_area_compute(&j->chip_cfg, &r->area);
    cim_energy_table(&j->chip_cfg, &r->etable);
    size_t nhost = 0;
    for (size_t i = cc->first_host; i < j->net.n; i++)
        nhost += j->net.layers[i].nw > 0;
    r->layers = calloc(cc->n + nhost, sizeof *r->layers);
    r->pred = calloc(j->run.data.images, 1);
    r->label = calloc(j->run.data.images, 1);
    if (!r->layers || !r->pred || !r->label)
        return CIM_ERR_NOMEM;
    for (size_t k = 0; k < cc->n; k++) {
        const CimChipLayer *cl = &cc->layers[k];
        const CimLayer *l = &j->net.layers[cl->layer];
        CimReportLayer *rl = &r->layers[r->nlayers++];
        uint64_t pos = (uint64_t)l->out_h * l->out_w;
        snprintf(rl->name, sizeof rl->name, "%s", l->name);
        rl->where = CIM_WHERE_CHIP;
        rl->filters = cl->F;
        rl->live = cl->nlive;
        rl->pruned = l->pruned;
        rl->macs = (uint64_t)cl->L * cl->nlive * pos;
        rl->macs_removed = (uint64_t)cl->L * (cl->F - cl->nlive) * pos;
        rl->regions = cl->nregions;
        cim_compile_layer_map(cl, &rl->map);
        for (unsigned i = 0; i < cl->nregions; i++)
            rl->cells_used += (uint64_t)cl->regions[i].nrows * cl->regions[i].ncols;
    }
    for (size_t i = cc->first_host; i < j->net.n; i++) {
        const CimLayer *l = &j->net.layers[i];
        if (!l->nw)
            continue;
        CimReportLayer *rl = &r->layers[r->nlayers++];
        snprintf(rl->name, sizeof rl->name, "%s", l->name);
        rl->where = CIM_WHERE_HOST;
        rl->filters = rl->live = l->out_c;
        rl->macs = cim_layer_macs(l);
    }
    return CIM_OK;
}

static void abort_run(CimRunReport *r, const char *why)
{
    r->status = CIM_RUN_ABORTED;
    snprintf(r->reason, sizeof r->reason, "%s", why);
}

/* Images are handed to the threads in blocks and committed in image order (ordered.h):
 * results are identical for every --jobs. */
typedef struct {
    const CimJobOptions *o;
    CimJob *j;
    const CimMnist *mn;
    CimLayerTally *t; /* committed tallies */
    CimProgressBar bar;
    struct Worker *w;
} Pool;

/* A block's counts: its tallies, and the trap that ended it early. */
typedef struct {
    CimLayerTally *t;
    CimTrap trap;
} Block;

/* One thread's own state: a fast path, or a chip (the job's or a copy) and its host. */
typedef struct Worker {
    CimFast *fast;
    CimChip *chip;
    int own_chip;
    CimCycle *sc;
    CimHost host;
    float *logits;
} Worker;

static uint64_t run_block(void *ctx, unsigned id, void *blk, uint64_t b0, uint64_t b1, CimStatus *st,
                          int *interrupted)
{
    Pool *p = ctx;
    Worker *w = &p->w[id];
    Block *b = blk;
    CimJob *j = p->j;
    const CimMnist *mn = p->mn;
    size_t nout = j->net.layers[j->net.n - 1].out_c;
    memset(b->t, 0, j->cc.n * sizeof *b->t);
    uint64_t i = b0;
    for (; i < b1; i++) {
        if (p->o->stop && *p->o->stop) {
            *interrupted = 1;
            break;
        }
        const uint8_t *img = mn->images.pixels + (size_t)i * mn->images.rows * mn->images.cols;
        *st = w->fast ? cim_fast_image(w->fast, img, w->logits, NULL, b->t)
                      : cim_infer_image_with(w->sc ? cim_cycle_runner : NULL, w->sc, &w->host, w->chip, &j->cc,
                                             &j->net, img, w->logits, NULL, b->t, &b->trap);
        if (*st != CIM_OK)
            break;
        j->report.pred[i] = (uint8_t)cim_argmax(w->logits, (unsigned)nout);
        j->report.label[i] = mn->labels.labels[i];
    }
    return i;
}

/* Adds a block's tallies, counts its correct images and draws the progress. */
static void commit_block(void *ctx, void *blk, uint64_t b0, uint64_t end)
{
    Pool *p = ctx;
    Block *b = blk;
    CimRunReport *r = &p->j->report;
    for (size_t k = 0; k < p->j->cc.n; k++)
        cim_tally_add(&p->t[k], &b->t[k]);
    for (uint64_t i = b0; i < end; i++)
        r->correct += r->pred[i] == r->label[i];
    r->images = end;
    char status[48];
    snprintf(status, sizeof status, "accuracy %.2f %%", 100.0 * (double)r->correct / (double)(end ? end : 1));
    if (end > b0)
        cim_progress_bar_update(&p->bar, r->images, p->j->run.data.images, status);
}

/* A worker's own state; worker 0 runs on the job's chip (and SystemC, fidelity cycle). */
static CimStatus worker_init(Worker *w, CimJob *j, unsigned id, CimCycle *sc, CimTrap *trap)
{
    w->chip = j->chip;
    w->sc = sc;
    w->logits = calloc(j->net.layers[j->net.n - 1].out_c, sizeof *w->logits);
    if (!w->logits)
        return CIM_ERR_NOMEM;
    if (j->run.fidelity == CIM_FIDELITY_FAST)
        return cim_fast_create(j->chip, &j->cc, &j->net, &w->fast, trap);
    CimStatus st = cim_host_init(&w->host, &j->net);
    if (st == CIM_OK && id > 0) { /* a chip of its own, programmed like the job's */
        st = cim_chip_create(&j->chip_cfg, NULL, &w->chip);
        w->own_chip = st == CIM_OK;
        if (st == CIM_OK)
            st = cim_infer_load(w->chip, &j->cc, NULL, trap);
    }
    return st;
}

static void worker_free(Worker *w)
{
    cim_fast_destroy(w->fast);
    cim_host_free(&w->host);
    if (w->own_chip)
        cim_chip_destroy(w->chip);
    free(w->logits);
}

/* The images through the chosen path on `jobs` threads, counting into per-layer tallies. */
static CimStatus run_images(const CimJobOptions *o, CimJob *j, const CimMnist *mn, unsigned jobs, CimTrap *trap)
{
    CimRunReport *r = &j->report;
    unsigned nb = cim_ordered_states(jobs);
    Pool p = {.o = o, .j = j, .mn = mn};
    p.t = calloc(j->cc.n, sizeof *p.t);
    p.w = calloc(jobs, sizeof *p.w);
    Block *blocks = calloc(nb, sizeof *blocks);
    void **bp = calloc(nb, sizeof *bp);
    CimCycle *sc = NULL;
    CimStatus st = p.t && p.w && blocks && bp ? CIM_OK : CIM_ERR_NOMEM;
    for (unsigned k = 0; st == CIM_OK && k < nb; k++)
        if (!(blocks[k].t = calloc(j->cc.n, sizeof *blocks[k].t)))
            st = CIM_ERR_NOMEM;
        else
            bp[k] = &blocks[k];
    if (st == CIM_OK && j->run.fidelity == CIM_FIDELITY_CYCLE) {
        CimCycleOptions co = {.vcd_path = o->vcd_path, .vcd_start = o->vcd_start,
                              .vcd_end = o->vcd_end == UINT64_MAX ? 0 : o->vcd_end, .vcd_date = o->vcd_date};
        st = cim_cycle_open(j->chip, &co, &sc);
    }
    unsigned nw = 0;
    for (; st == CIM_OK && nw < jobs; nw++)
        st = worker_init(&p.w[nw], j, nw, sc, trap);
    int ran = 0;
    if (st == CIM_OK) {
        cim_progress_bar_init(&p.bar, "images", o->progress);
        CimOrderedOps ops = {.ctx = &p, .run = run_block, .commit = commit_block};
        CimOrderedResult res;
        st = cim_ordered_run(&ops, j->run.data.images, jobs > 1 ? 16 : 1, jobs, bp, &res);
        cim_progress_bar_end(&p.bar);
        ran = st == CIM_OK;
        if (ran) {
            st = res.st;
            if (res.interrupted)
                abort_run(r, "interrupted (Ctrl-C)");
            if (st == CIM_ERR_TRAP) /* a trap while running images, not while creating */
                *trap = ((Block *)res.failed_blk)->trap;
        }
    }
    if (st == CIM_ERR_TRAP && ran) {
        char why[200];
        snprintf(why, sizeof why, "trap at pc %llu, cycle %llu: %s", (unsigned long long)trap->pc,
                 (unsigned long long)trap->cycle, trap->reason);
        abort_run(r, why);
        st = CIM_OK;
    }
    for (size_t k = 0; p.t && k < j->cc.n; k++)
        r->layers[k].cost = p.t[k];
    for (unsigned m = 0; sc && m < j->chip_cfg.macros && m < CIM_REPORT_MAX_MACROS; m++)
        r->macro_util[r->nutil++] = cim_cycle_macro_utilisation(sc, m);
    if (cim_cycle_close(sc) != CIM_OK && st == CIM_OK)
        st = CIM_ERR_IO;
    for (unsigned k = 0; p.w && k < jobs; k++)
        worker_free(&p.w[k]);
    for (unsigned k = 0; blocks && k < nb; k++)
        free(blocks[k].t);
    free(blocks);
    free(bp);
    free(p.w);
    free(p.t);
    return st;
}

/* The thread count of a run: o->jobs, or by default the machine's cores. One thread is all
 * SystemC (one kernel per process) and device physics (one random stream per chip, drawn
 * in image order) can use: more is an error when asked for, and the default there. */
static CimStatus resolve_jobs(const CimJobOptions *o, const CimJob *j, unsigned *jobs, CimDiag *d)
{
    const char *one = j->run.fidelity == CIM_FIDELITY_CYCLE ? "fidelity cycle (SystemC runs one kernel per process)"
                      : j->chip_cfg.physics.enabled ? "chip.physics.enabled (device noise is one random stream, "
                                                      "drawn in image order)"
                                                    : NULL;
    if (o->jobs > 1 && one) {
        cim_diag_add(d, CIM_SEV_ERROR, o->run_path, 0, 0, "--jobs %u: %s runs on one thread; use --jobs 1", o->jobs,
                     one);
        return CIM_ERR_CONFIG;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    *jobs = o->jobs ? o->jobs : one || cores < 1 ? 1 : (unsigned)cores;
    return CIM_OK;
}

static CimStatus trap_error(CimStatus st, const CimTrap *trap, const char *what, CimDiag *d)
{
    if (st == CIM_ERR_TRAP)
        cim_diag_add(d, CIM_SEV_ERROR, NULL, 0, 0, "%s program trapped at pc %llu: %s", what,
                     (unsigned long long)trap->pc, trap->reason);
    return st;
}

CimStatus cim_job_prepare(const CimJobOptions *o, CimJob *j, CimDiag *d)
{
    memset(j, 0, sizeof *j);
    CimStatus st = load_cfgs(o, j, d);
    if (st == CIM_OK && j->run.prune.distance != CIM_PRUNE_DIST_FLOAT) {
        cim_diag_add(d, CIM_SEV_ERROR, o->run_path, 0, 0,
                     "run.prune.distance chip: an image network's binary filters are always compared by Hamming "
                     "distance on the chip; the key chooses a point-cloud network's distance; use float");
        st = CIM_ERR_CONFIG;
    }
    if (st == CIM_OK)
        st = load_net(j, d);
    if (st == CIM_OK)
        st = cim_chip_create(&j->chip_cfg, NULL, &j->chip);
    return st;
}

CimStatus cim_job_results_begin(const CimJobOptions *o, const char *out_dir, CimDiag *d)
{
    if (o->results_dir || !o->results_sub)
        return cim_results_begin(o->results, o->results_dir ? o->results_dir : out_dir, d);
    char dir[CIM_PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%s/%.60s", out_dir, o->results_sub);
    return cim_results_begin(o->results, dir, d);
}

static CimStatus begin_results(const CimJobOptions *o, CimJob *j, CimDiag *d)
{
    return cim_job_results_begin(o, j->run.out_dir, d);
}

CimStatus cim_job_run(const CimJobOptions *o, CimJob *j, CimDiag *d)
{
    CimMnist mn = {0};
    CimTrap trap = {0};
    CimStatus st = cim_job_prepare(o, j, d);
    if (st == CIM_OK && o->results)
        st = begin_results(o, j, d);
    if (st == CIM_OK)
        st = load_data(j, &mn, d);
    if (st == CIM_OK && j->run.prune.enabled)
        st = trap_error(prune(j, &trap, d), &trap, "pruning", d);
    if (st == CIM_OK) {
        st = cim_compile(&j->chip_cfg, &j->net, j->run.pruned_filters, NULL, &j->cc, d);
        j->compiled = st == CIM_OK;
    }
    if (st == CIM_OK)
        st = report_init(j);
    if (st == CIM_OK)
        st = trap_error(cim_infer_load(j->chip, &j->cc, &j->report.programming, &trap), &trap, "weight-loading", d);
    unsigned jobs = 1;
    if (st == CIM_OK)
        st = resolve_jobs(o, j, &jobs, d);
    if (st == CIM_OK)
        st = run_images(o, j, &mn, jobs, &trap);
    if (st == CIM_ERR_TRAP) /* the fast path's calibration run */
        st = trap_error(st, &trap, "calibration", d);
    cim_mnist_free(&mn);
    return st;
}

CimStatus cim_job_check(const CimJobOptions *o, CimJob *j, CimDiag *d)
{
    CimStatus st = cim_job_prepare(o, j, d);
    if (st == CIM_OK) {
        st = cim_compile(&j->chip_cfg, &j->net, j->run.pruned_filters, NULL, &j->cc, d);
        j->compiled = st == CIM_OK;
    }
    return st == CIM_OK ? report_init(j) : st;
}

void cim_job_free(CimJob *j)
{
    if (j->compiled)
        cim_compiled_free(&j->cc);
    if (j->net_loaded)
        cim_net_free(&j->net);
    cim_chip_destroy(j->chip);
    cim_prune_report_free(&j->report.prune);
    free(j->report.layers);
    free(j->report.pred);
    free(j->report.label);
    memset(j, 0, sizeof *j);
}
