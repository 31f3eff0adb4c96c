/* dcim compare: one digital run, the analogue baseline's bit-true forward pass and costs on
 * the same images, and the GPU baseline; sweeps over config keys. docs/energy.md. */
#include "workloads/compare/compare_impl.h"
#include "workloads/report/progress.h"
#include "workloads/io/idx.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arithmetic ------------------------------------------------------------------ */

double cim_compare_reduction(double ours, double theirs) { return theirs != 0.0 ? ours / theirs - 1.0 : 0.0; }

void cim_compare_merit(const CimCompareSide *s, double ops, CimCompareMerit *out)
{
    /* ops / pJ = 1e12 ops / J = TOPS/W */
    out->tops_per_w = s->energy_pj > 0 ? ops / s->energy_pj : 0.0;
    out->tops = ops * s->inferences_per_s * 1e-12;
    out->tops_per_mm2 = s->has_area && s->area_um2 > 0 ? out->tops / (s->area_um2 * 1e-6) : 0.0;
}

void cim_compare_reductions(const CimCompare *c, CimCompareReductions *out)
{
    const CimCompareSide *d = &c->side[CIM_SIDE_DIGITAL], *a = &c->side[CIM_SIDE_ANALOG], *g = &c->side[CIM_SIDE_GPU];
    out->area_vs_analog = cim_compare_reduction(d->area_um2, a->area_um2);
    out->energy_vs_analog = cim_compare_reduction(d->energy_pj, a->energy_pj);
    out->energy_vs_gpu = cim_compare_reduction(d->energy_pj, g->energy_pj);
    out->conv_energy_vs_analog = cim_compare_reduction(c->chip_energy_pj[0], c->chip_energy_pj[1]);
    out->conv_energy_vs_gpu = cim_compare_reduction(c->chip_energy_pj[0], g->energy_pj);
    out->energy_vs_gpu_floor = cim_compare_reduction(d->energy_pj, c->gpu_floor_pj);
    out->conv_energy_vs_gpu_floor = cim_compare_reduction(c->chip_energy_pj[0], c->gpu_floor_pj);
    uint64_t all = c->conv_macs + c->conv_macs_removed;
    out->ops_removed = all ? -(double)c->conv_macs_removed / (double)all : 0.0;
    uint64_t pl = c->pruned_layer_macs ? c->pruned_layer_macs : all;
    out->ops_removed_pruned_layers = pl ? -(double)c->conv_macs_removed / (double)pl : 0.0;
    out->accuracy = d->images ? (double)d->correct / (double)d->images : 0.0;
}

/* ---- the three sides ------------------------------------------------------------- */

static void add_comp(CimCompareSide *s, const char *name, double pj, double um2)
{
    assert(s->ncomp < CIM_COMPARE_MAX_COMP); /* sized for the largest side (compare.h) */
    CimCompareComp *k = &s->comp[s->ncomp++];
    k->name = name;
    k->energy_pj = pj;
    k->area_um2 = um2;
}

void cim_compare_side_digital(const CimRunReport *r, CimCompareSide *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", r->chip);
    CimLayerTally chip = {0};
    for (size_t i = 0; i < r->nlayers; i++) {
        chip.cycles += r->layers[i].cost.cycles;
        cim_events_add(&chip.ev, &r->layers[i].cost.ev);
    }
    CimEnergyBreakdown e;
    cim_report_energy(r, &chip, &e);
    double per = r->images ? 1.0 / (double)r->images : 0.0;
    out->has_area = 1;
    out->area_um2 = r->area.total_um2;
    out->energy_pj = e.total_pj * per;
    out->latency_ns = (double)chip.cycles * per * 1e3 / r->clock_mhz;
    out->inferences_per_s = out->latency_ns > 0 ? 1e9 / out->latency_ns : 0.0;
    out->images = r->images;
    out->correct = r->correct;
    for (int c = 0; c < CIM_COMP_COUNT; c++)
        add_comp(out, cim_component_name((CimComponent)c), e.pj[c] * per, r->area.um2[c]);
}

void cim_compare_side_analog(const CimAnalogCfg *a, const CimAnalogCost *cost, CimCompareSide *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", a->name);
    out->has_area = 1;
    out->area_um2 = cost->area.total_um2;
    out->energy_pj = cost->energy.total_pj;
    out->latency_ns = cost->latency_ns;
    out->inferences_per_s = cost->latency_ns > 0 ? 1e9 / cost->latency_ns : 0.0;
    for (int c = 0; c < CIM_AC_COUNT; c++)
        add_comp(out, cim_analog_comp_name((CimAnalogComp)c), cost->energy.pj[c], cost->area.um2[c]);
}

void cim_compare_side_gpu_model(const CimGpuCfg *g, const CimGpuResult *res, CimCompareSide *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", g->name);
    double e = res->energy_per_inference_j * 1e12, t = res->batch_s;
    out->energy_pj = e;
    out->latency_ns = t * 1e9;
    out->inferences_per_s = t > 0 ? res->batch / t : 0.0;
    /* power x time: the energy splits as the batch's time does */
    add_comp(out, "compute", t > 0 ? e * res->compute_s / t : 0, 0);
    add_comp(out, "memory", t > 0 ? e * res->memory_s / t : 0, 0);
    add_comp(out, "launch", t > 0 ? e * res->launch_s / t : 0, 0);
}

void cim_compare_side_gpu_measured(const CimGpuCfg *g, const CimGpuMeasured *m, CimCompareSide *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", g->name);
    double span = m->t1_s - m->t0_s;
    out->energy_pj = m->energy_per_inference_j * 1e12;
    out->latency_ns = m->inferences ? span / (double)m->inferences * 1e9 : 0.0; /* mean time per inference */
    out->inferences_per_s = span > 0 ? (double)m->inferences / span : 0.0;
    add_comp(out, "measured", out->energy_pj, 0);
}

void cim_compare_side_add_host(CimCompareSide *s, const CimHostCost *h)
{
    s->energy_pj += h->energy_pj;
    s->latency_ns += h->latency_ns;
    s->inferences_per_s = s->latency_ns > 0 ? 1e9 / s->latency_ns : 0.0;
    add_comp(s, "host", h->energy_pj, 0);
}

static void wear_finish(const CimTechCfg *t, CimCompareWear *w)
{
    w->endurance_cycles = t->endurance_cycles;
    w->mean_per_cell = w->cells > 0 ? w->pulses_per_inference / w->cells : 0;
    w->lifetime_inferences = cim_wear_lifetime(w->endurance_cycles, w->max_per_cell);
}

const CimChipCfg *cim_compare_chip_cfg(const CimCompare *c)
{
    return c->pn ? &c->pn->chip_cfg : &c->job.chip_cfg;
}

const CimRunCfg *cim_compare_run_cfg(const CimCompare *c)
{
    return c->pn ? &c->pn->run : &c->job.run;
}

void cim_compare_wear_image(const CimRunReport *r, const CimTechCfg *t, CimCompareWear *out)
{
    memset(out, 0, sizeof *out);
    double pulses = 0;
    for (size_t i = 0; i < r->nlayers; i++)
        pulses += (double)r->layers[i].cost.ev.n[CIM_EV_SET_PULSE] + (double)r->layers[i].cost.ev.n[CIM_EV_RESET_PULSE];
    out->cells = (double)r->macros * r->rows * r->cols;
    out->pulses_per_inference = r->images ? pulses / (double)r->images : 0;
    wear_finish(t, out);
    out->max_per_cell = out->mean_per_cell;
    out->lifetime_inferences = cim_wear_lifetime(out->endurance_cycles, out->max_per_cell);
}

void cim_compare_wear_pn(const CimPnWear *w, const CimTechCfg *t, CimCompareWear *out)
{
    memset(out, 0, sizeof *out);
    out->cells = (double)w->cells;
    out->pulses_per_inference = (double)w->changes;
    out->max_counted = 1;
    out->max_per_cell = w->max_changes;
    wear_finish(t, out);
}

void cim_compare_chip_figures(const CimCompare *c, CimCompareChipFigures *out)
{
    memset(out, 0, sizeof *out);
    out->int8 = c->pointcloud;
    double ops = 2.0 * (double)c->conv_macs;
    double cells[2] = {c->wear.cells,
                       (double)c->analog_cost.crossbars * c->analog.xbar.rows * c->analog.xbar.cols};
    for (int s = 0; s < 2; s++) {
        out->tops_per_w[s] = c->chip_energy_pj[s] > 0 ? ops / c->chip_energy_pj[s] : 0.0;
        double mm2 = c->side[s].area_um2 * 1e-6;
        out->weight_mb_per_mm2[s] = mm2 > 0 ? cells[s] * 1e-6 / mm2 : 0.0;
    }
    out->authors_tops_per_w = c->pointcloud ? CIM_AUTHORS_22NM_TOPS_W_8B : CIM_AUTHORS_22NM_TOPS_W_1B;
    out->authors_mb_per_mm2 = CIM_AUTHORS_22NM_MB_PER_MM2;
    out->authors_energy_vs_gpu = c->pointcloud ? CIM_AUTHORS_22NM_PN_ENERGY_VS_GPU : CIM_AUTHORS_22NM_ENERGY_VS_GPU;
}

const char *cim_compare_scope(const CimCompare *c)
{
    (void)c;
    return "the same work on every side: digital and analogue chip = their conv layers + the host layers on the "
           "host processor model; GPU = the whole network";
}

/* ---- overrides -------------------------------------------------------------------- */

typedef enum { DEST_JOB, DEST_ANALOG, DEST_GPU, DEST_HOST, DEST_BAD } Dest;

static Dest dest_of(const char *kv)
{
    if (cim_run_cfg_owns(kv))
        return DEST_JOB;
    if (cim_cfg_item_in(kv, &cim_analog_schema))
        return DEST_ANALOG;
    if (cim_cfg_item_in(kv, &cim_host_schema))
        return DEST_HOST;
    return cim_cfg_item_in(kv, &cim_gpu_schema) ? DEST_GPU : DEST_BAD;
}

/* "run., chip., tech., analog., gpu. or host.": every root an override of dcim compare may have. */
static const char *roots_text(char *buf, size_t len)
{
    const CimCfgSchema *all[9];
    size_t n = 0;
    for (const CimCfgSchema *const *s = cim_run_roots; *s && n < 6; s++)
        all[n++] = *s;
    all[n++] = &cim_analog_schema;
    all[n++] = &cim_gpu_schema;
    all[n++] = &cim_host_schema;
    return cim_cfg_roots_text(all, n, buf, len);
}

static CimStatus bad_prefix(const char *kv, CimDiag *d)
{
    char roots[128];
    cim_diag_add(d, CIM_SEV_ERROR, "<override>", 0, 0, "override '%s': keys start with %s", kv,
                 roots_text(roots, sizeof roots));
    return CIM_ERR_CONFIG;
}

/* The overrides routed to one loader: room for all of them, and job one more for the
 * image count load_inputs adds. */
typedef struct {
    const char **job, **analog, **gpu, **host;
    size_t njob, nanalog, ngpu, nhost;
    char images[64];
} Routed;

static void routed_free(Routed *r)
{
    free(r->job);
    free(r->analog);
    free(r->gpu);
    free(r->host);
    memset(r, 0, sizeof *r);
}

static CimStatus route(const char *const *ov, size_t n, Routed *r, CimDiag *d)
{
    memset(r, 0, sizeof *r);
    r->job = calloc(n + 1, sizeof *r->job);
    r->analog = calloc(n + 1, sizeof *r->analog);
    r->gpu = calloc(n + 1, sizeof *r->gpu);
    r->host = calloc(n + 1, sizeof *r->host);
    if (!r->job || !r->analog || !r->gpu || !r->host)
        return CIM_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        switch (dest_of(ov[i])) {
        case DEST_JOB: r->job[r->njob++] = ov[i]; break;
        case DEST_ANALOG: r->analog[r->nanalog++] = ov[i]; break;
        case DEST_GPU: r->gpu[r->ngpu++] = ov[i]; break;
        case DEST_HOST: r->host[r->nhost++] = ov[i]; break;
        case DEST_BAD:
        default: return bad_prefix(ov[i], d);
        }
    }
    return CIM_OK;
}

/* Run and chip files with the job's overrides, as cim_job_run will load them. */
static CimStatus load_run_chip(const char *run_path, const Routed *r, CimRunCfg *run, CimDiag *d)
{
    CimChipCfg *chip = malloc(sizeof *chip);
    CimOverrides ov = {.items = r->job, .n = r->njob};
    CimStatus st = chip ? cim_run_cfg_load_all(run_path, &ov, run, chip, d) : CIM_ERR_NOMEM;
    free(chip);
    return st;
}

CimStatus cim_compare_check_override(const CimCompareOptions *o, const char *kv, CimDiag *d)
{
    Routed r;
    CimStatus st = route(&kv, 1, &r, d);
    if (st == CIM_OK && r.njob) {
        CimRunCfg *run = malloc(sizeof *run);
        st = run ? load_run_chip(o->run_path, &r, run, d) : CIM_ERR_NOMEM;
        free(run);
    } else if (st == CIM_OK && r.nanalog) {
        CimAnalogCfg a;
        CimOverrides ov = {.items = r.analog, .n = 1};
        st = cim_analog_cfg_load(o->analog_path, &ov, &a, d);
    } else if (st == CIM_OK && r.nhost) {
        CimHostCfg h;
        CimOverrides ov = {.items = r.host, .n = 1};
        st = cim_host_cfg_load(o->host_path, &ov, &h, d);
    } else if (st == CIM_OK) {
        CimGpuCfg g;
        CimOverrides ov = {.items = r.gpu, .n = 1};
        st = cim_gpu_cfg_load(o->gpu_path, &ov, &g, d);
    }
    routed_free(&r);
    return st;
}

/* Baseline files, and the image count: --images, or the run file's capped at the default. */
static CimStatus load_inputs(const CimCompareOptions *o, CimCompare *c, Routed *r, CimDiag *d)
{
    CimOverrides aov = {.items = r->analog, .n = r->nanalog}, gov = {.items = r->gpu, .n = r->ngpu};
    CimStatus sa = cim_analog_cfg_load(o->analog_path, &aov, &c->analog, d);
    CimStatus sg = cim_gpu_cfg_load(o->gpu_path, &gov, &c->gpu, d);
    CimOverrides hov = {.items = r->host, .n = r->nhost};
    CimStatus sh = cim_host_cfg_load(o->host_path, &hov, &c->host, d);
    CimRunCfg *run = malloc(sizeof *run);
    CimStatus sr = run ? load_run_chip(o->run_path, r, run, d) : CIM_ERR_NOMEM;
    if (sa != CIM_OK || sg != CIM_OK || sh != CIM_OK || sr != CIM_OK) {
        free(run);
        return sr != CIM_OK ? sr : sa != CIM_OK ? sa : sg != CIM_OK ? sg : sh;
    }
    c->pointcloud = cim_pn_is_pointcloud_file(run->network_path);
    if (c->pointcloud && run->fidelity == CIM_FIDELITY_REFERENCE) {
        free(run);
        cim_diag_add(d, CIM_SEV_ERROR, o->run_path, 0, 0,
                     "dcim compare needs the point-cloud network's int8 convs on the chip: run.fidelity fast or "
                     "program, got reference");
        return CIM_ERR_CONFIG;
    }
    unsigned ll = cim_analog_int8_lossless_bits(&c->analog);
    if (c->pointcloud && (c->analog.adc.bits < ll || c->analog.adc.lsb_cells != 1)) {
        free(run);
        cim_diag_add(d, CIM_SEV_ERROR, o->analog_path, 0, 0,
                     "analog.adc.bits %u with lsb_cells %u: the analogue baseline's int8 layers are costed with a "
                     "lossless read-out only (bits >= %u = ceil(log2(rows_active x (2^bits_per_cell - 1) x "
                     "(2^input_bits_per_step - 1) + 1)), lsb_cells 1); a lossy int8 read-out is not modelled",
                     c->analog.adc.bits, c->analog.adc.lsb_cells, ll);
        return CIM_ERR_CONFIG;
    }
    c->images_asked = run->data.images;
    uint64_t n = o->images ? o->images : run->data.images;
    if (!o->images && n > CIM_COMPARE_DEFAULT_IMAGES) {
        n = CIM_COMPARE_DEFAULT_IMAGES;
        c->images_capped = 1;
    }
    free(run);
    if (n != c->images_asked || o->images) {
        snprintf(r->images, sizeof r->images, "run.data.images=%llu", (unsigned long long)n);
        r->job[r->njob++] = r->images;
    }
    return CIM_OK;
}

/* ---- the analogue baseline -------------------------------------------------------- */

/* The images the digital run completed through a net; counts correct, adds activity. */
static CimStatus forward_images(const CimCompareOptions *o, CimAnalogNet *an, const CimNet *net, const CimMnist *mn,
                                uint64_t n, CimAnalogActivity *act, uint64_t *done, uint64_t *correct)
{
    const CimLayer *last = &net->layers[net->n - 1];
    unsigned nout = last->out_c * last->out_h * last->out_w;
    float *logits = malloc(nout * sizeof *logits);
    if (!logits)
        return CIM_ERR_NOMEM;
    CimProgressBar bar;
    cim_progress_bar_init(&bar, "analogue", o->progress && act); /* the exact pass (act NULL) draws none */
    for (uint64_t i = 0; i < n && !(o->stop && *o->stop); i++) {
        const uint8_t *img = mn->images.pixels + (size_t)i * mn->images.rows * mn->images.cols;
        cim_analog_net_forward(an, img, logits, act, NULL); /* CIM_OK: scratch is allocated at creation */
        *correct += cim_argmax(logits, nout) == mn->labels.labels[i];
        *done = i + 1;
        cim_progress_bar_update(&bar, i + 1, n, NULL);
    }
    cim_progress_bar_end(&bar);
    free(logits);
    return CIM_OK;
}

/* The exact network on the same images: the analogue pass with a lossless read-out. */
static CimStatus exact_pass(const CimCompareOptions *o, CimCompare *c, CimPrunedMode mode, const CimMnist *mn)
{
    CimAnalogCfg ex = c->analog;
    ex.adc.bits = c->lossless_bits;
    ex.adc.lsb_cells = 1;
    CimAnalogNet *an;
    uint64_t done = 0;
    CimStatus st = cim_analog_net_create(&ex, &c->job.net, mode, &an);
    if (st == CIM_OK)
        st = forward_images(o, an, &c->job.net, mn, c->images, NULL, &done, &c->exact_correct);
    cim_analog_net_destroy(an);
    return st;
}

static CimStatus analog_costs(CimCompare *c, CimAnalogNet *an, const CimAnalogActivity *act, uint64_t done)
{
    size_t n = cim_analog_net_convs(an);
    CimAnalogShape *shapes = calloc(n ? n : 1, sizeof *shapes);
    if (!shapes)
        return CIM_ERR_NOMEM;
    cim_analog_net_shapes(an, shapes);
    c->analog_activity_assumed = done == 0;
    CimStatus st = cim_analog_net_cost(&c->analog, &c->job.chip_cfg.tech, shapes, done ? act : NULL, n, NULL,
                                       &c->analog_cost);
    free(shapes);
    for (size_t k = 0; act && k < n; k++) {
        c->adc_reads += act[k].reads;
        c->adc_inexact += act[k].inexact;
        c->adc_clipped += act[k].clipped;
    }
    return st;
}

/* The host's share: the work of every layer neither chip runs, on the host model. */
static void host_share(CimCompare *c)
{
    memset(&c->host_work, 0, sizeof c->host_work);
    CimHostWork w;
    size_t n = c->pointcloud ? c->pn->net.n : c->job.net.n;
    for (size_t i = 0; i < n; i++) {
        if (c->pointcloud)
            cim_host_pn_layer_work(&c->pn->net, i, &w);
        else
            cim_host_net_layer_work(&c->job.net, i, &w);
        cim_host_work_add(&c->host_work, &w);
    }
    cim_host_cost(&c->host, &c->host_work, &c->host_cost);
}

/* A chip's side: its conv layers' energy and latency kept, then the host's share added. */
static void digital_side(CimCompare *c)
{
    CimCompareSide *s = &c->side[CIM_SIDE_DIGITAL];
    cim_compare_side_digital(&c->job.report, s);
    c->chip_energy_pj[0] = s->energy_pj;
    c->chip_latency_ns[0] = s->latency_ns;
    cim_compare_side_add_host(s, &c->host_cost);
}

static void analog_host(CimCompare *c)
{
    CimCompareSide *s = &c->side[CIM_SIDE_ANALOG];
    c->chip_energy_pj[1] = s->energy_pj;
    c->chip_latency_ns[1] = s->latency_ns;
    cim_compare_side_add_host(s, &c->host_cost);
}

static CimStatus pn_analog(CimCompare *c)
{
    CimStatus st = cim_compare_pn_analog(c);
    if (st == CIM_OK)
        analog_host(c);
    return st;
}

static CimStatus run_analog(const CimCompareOptions *o, CimCompare *c, CimDiag *d)
{
    CimRunCfg *run = &c->job.run;
    CimMnist mn = {0};
    CimAnalogNet *an = NULL;
    CimAnalogActivity *act = NULL;
    CimPrunedMode mode = c->job.cc.pruned_mode;
    c->lossless_bits = cim_analog_lossless_bits(c->analog.xbar.rows_active);
    char split[16];
    CimStatus st = cim_mnist_load(run->data.dir, cim_cfg_choice(CIM_SPLIT_NAMES, (int)run->data.split, split, sizeof split),
                                  NULL, &mn, d);
    if (st == CIM_OK)
        st = cim_analog_net_create(&c->analog, &c->job.net, mode, &an);
    if (st == CIM_ERR_RANGE)
        cim_diag_add(d, CIM_SEV_ERROR, NULL, 0, 0, "the network's conv layers do not map onto the analogue crossbars");
    if (st == CIM_OK && !(act = calloc(cim_analog_net_convs(an) + 1, sizeof *act)))
        st = CIM_ERR_NOMEM;
    uint64_t correct = 0, done = 0;
    if (st == CIM_OK)
        st = forward_images(o, an, &c->job.net, &mn, c->images, act, &done, &correct);
    if (st == CIM_OK)
        st = analog_costs(c, an, act, done);
    if (st == CIM_OK) {
        cim_compare_side_analog(&c->analog, &c->analog_cost, &c->side[CIM_SIDE_ANALOG]);
        analog_host(c);
        c->side[CIM_SIDE_ANALOG].images = done; /* fewer than c->images after Ctrl-C */
        c->side[CIM_SIDE_ANALOG].correct = correct;
        int lossless = c->analog.adc.bits >= c->lossless_bits && c->analog.adc.lsb_cells == 1;
        if (lossless)
            c->exact_correct = correct;
        else if (!c->exact_done)
            st = exact_pass(o, c, mode, &mn);
        c->exact_done = st == CIM_OK && !(o->stop && *o->stop);
    }
    free(act);
    cim_analog_net_destroy(an);
    cim_mnist_free(&mn);
    return st;
}

/* ---- the GPU baseline ------------------------------------------------------------- */

static CimStatus run_gpu(CimCompare *c, CimDiag *d)
{
    CimCompareSide *s = &c->side[CIM_SIDE_GPU];
    /* the model always runs: its idealised floor is reported beside a measurement too */
    size_t n = c->pointcloud ? cim_gpu_pn_layers(&c->gpu, &c->pn->net, NULL) : cim_gpu_net_layers(&c->gpu, &c->job.net, NULL);
    CimGpuLayer *l = calloc(n ? n : 1, sizeof *l);
    if (!l)
        return CIM_ERR_NOMEM;
    if (c->pointcloud)
        cim_gpu_pn_layers(&c->gpu, &c->pn->net, l);
    else
        cim_gpu_net_layers(&c->gpu, &c->job.net, l);
    cim_gpu_estimate(&c->gpu, l, n, &c->gpu_model);
    free(l);
    c->gpu_floor_pj = c->gpu_model.floor_energy_per_inference_j * 1e12;
    c->gpu_measured = c->gpu.has_measured;
    if (c->gpu_measured) {
        CimStatus st = cim_gpu_measured_read(c->gpu.measured.power_csv, c->gpu.measured.inferences,
                                             c->gpu.run.count_idle, c->gpu.board.idle_power_w, &c->gpu_meas, d);
        if (st != CIM_OK)
            return st;
        cim_compare_side_gpu_measured(&c->gpu, &c->gpu_meas, s);
    } else
        cim_compare_side_gpu_model(&c->gpu, &c->gpu_model, s);
    /* the GPU computes the exact network (float32) */
    s->images = c->images;
    s->correct = c->exact_correct;
    return CIM_OK;
}

/* ---- the comparison ------------------------------------------------------------- */

static void work_of(CimCompare *c)
{
    const CimRunReport *r = &c->job.report;
    for (size_t i = 0; i < c->job.net.n; i++)
        c->macs += cim_layer_macs(&c->job.net.layers[i]);
    c->ops = 2.0 * (double)c->macs;
    for (size_t i = 0; i < r->nlayers; i++)
        if (r->layers[i].where == CIM_WHERE_CHIP) {
            c->conv_macs += r->layers[i].macs;
            c->conv_macs_removed += r->layers[i].macs_removed;
        }
    c->images = r->images;
    c->status = r->status;
    snprintf(c->reason, sizeof c->reason, "%s", r->reason);
}

CimComparePaper cim_compare_paper(int pointcloud)
{
    if (pointcloud)
        return (CimComparePaper){"arXiv 2506.13151 v1, abstract (ModelNet10)", NAN, NAN, CIM_PAPER_PN_ENERGY_VS_GPU,
                                 CIM_PAPER_PN_OPS_REMOVED, CIM_PAPER_PN_ACCURACY};
    return (CimComparePaper){"arXiv 2506.13151 v1, abstract (MNIST)", CIM_PAPER_AREA_VS_ANALOG,
                             CIM_PAPER_ENERGY_VS_ANALOG, CIM_PAPER_ENERGY_VS_GPU, CIM_PAPER_OPS_REMOVED,
                             CIM_PAPER_ACCURACY};
}

static void wear_of(CimCompare *c)
{
    if (c->pointcloud) {
        CimPnWear w;
        cim_pn_chip_wear(&c->pn->chip, &w);
        cim_compare_wear_pn(&w, &c->pn->chip_cfg.tech, &c->wear);
    } else
        cim_compare_wear_image(&c->job.report, &c->job.chip_cfg.tech, &c->wear);
}

CimStatus cim_compare_run(const CimCompareOptions *o, CimCompare *c, CimDiag *d)
{
    memset(c, 0, sizeof *c);
    Routed r;
    CimStatus st = route(o->overrides, o->noverrides, &r, d);
    if (st == CIM_OK)
        st = load_inputs(o, c, &r, d);
    if (st == CIM_OK && c->pointcloud)
        st = cim_compare_pn_job(o, r.job, r.njob, c, d);
    else if (st == CIM_OK) {
        CimJobOptions jo = {.run_path = o->run_path, .overrides = r.job, .noverrides = r.njob,
                            .progress = o->progress, .stop = o->stop, .vcd_end = UINT64_MAX,
                            .results = o->results, .results_dir = o->results_dir, .results_sub = o->results_sub};
        st = cim_job_run(&jo, &c->job, d);
    }
    routed_free(&r);
    if (st != CIM_OK)
        return st;
    if (c->pointcloud)
        cim_compare_pn_work(c);
    else
        work_of(c);
    c->paper = cim_compare_paper(c->pointcloud);
    wear_of(c);
    host_share(c);
    digital_side(c);
    st = c->pointcloud ? pn_analog(c) : run_analog(o, c, d);
    if (st == CIM_OK)
        st = run_gpu(c, d);
    if (st == CIM_OK && o->stop && *o->stop && c->status == CIM_RUN_COMPLETE) {
        c->status = CIM_RUN_ABORTED;
        snprintf(c->reason, sizeof c->reason, "interrupted (Ctrl-C) during the baselines");
    }
    return st;
}

void cim_compare_free(CimCompare *c)
{
    cim_job_free(&c->job);
    if (c->pn)
        cim_pn_job_free(c->pn);
    free(c->pn);
    free(c->pn_act);
    c->pn = NULL;
    c->pn_act = NULL;
}

/* The baselines again on c's digital run, with o's analog.* and gpu.* overrides (o's run.*,
 * chip.* and tech.* ones must be those c ran with). */
static CimStatus rerun_baselines(const CimCompareOptions *o, CimCompare *c, CimDiag *d)
{
    Routed r;
    CimStatus st = route(o->overrides, o->noverrides, &r, d);
    if (st == CIM_OK) {
        CimOverrides aov = {.items = r.analog, .n = r.nanalog}, gov = {.items = r.gpu, .n = r.ngpu},
                     hov = {.items = r.host, .n = r.nhost};
        st = cim_analog_cfg_load(o->analog_path, &aov, &c->analog, d);
        if (st == CIM_OK)
            st = cim_gpu_cfg_load(o->gpu_path, &gov, &c->gpu, d);
        if (st == CIM_OK)
            st = cim_host_cfg_load(o->host_path, &hov, &c->host, d);
    }
    routed_free(&r);
    c->adc_reads = c->adc_inexact = c->adc_clipped = 0;
    memset(&c->analog_cost, 0, sizeof c->analog_cost);
    memset(&c->gpu_model, 0, sizeof c->gpu_model);
    memset(&c->gpu_meas, 0, sizeof c->gpu_meas);
    if (st == CIM_OK) { /* a host.* key moves both chips' sides */
        host_share(c);
        digital_side(c);
        st = run_analog(o, c, d);
    }
    return st == CIM_OK ? run_gpu(c, d) : st;
}

/* ---- sweeps -------------------------------------------------------------------- */

static CimStatus sweep_error(const char *arg, const char *why, CimDiag *d)
{
    cim_diag_add(d, CIM_SEV_ERROR, "<sweep>", 0, 0, "--sweep '%s': %s", arg, why);
    return CIM_ERR_CONFIG;
}

CimStatus cim_sweep_parse(const char *arg, CimSweepAxis *out, CimDiag *d)
{
    memset(out, 0, sizeof *out);
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return sweep_error(arg, "expected KEY=V1,V2,..., e.g. analog.adc.bits=4,6,8", d);
    size_t klen = (size_t)(eq - arg);
    if (klen >= sizeof out->key)
        return sweep_error(arg, "key too long", d);
    memcpy(out->key, arg, klen);
    if (dest_of(out->key) == DEST_BAD) {
        char roots[128], why[160];
        snprintf(why, sizeof why, "keys start with %s", roots_text(roots, sizeof roots));
        return sweep_error(arg, why, d);
    }
    size_t n = 1;
    for (const char *p = eq + 1; *p; p++)
        n += *p == ',';
    out->values = calloc(n, sizeof *out->values);
    if (!out->values)
        return CIM_ERR_NOMEM;
    for (const char *p = eq + 1;; p++) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0) {
            cim_sweep_free(out);
            return sweep_error(arg, "empty value (values are separated by single commas)", d);
        }
        char *kv = malloc(klen + len + 2);
        if (!kv) {
            cim_sweep_free(out);
            return CIM_ERR_NOMEM;
        }
        snprintf(kv, klen + len + 2, "%.*s=%.*s", (int)klen, arg, (int)len, p);
        out->values[out->n++] = kv;
        if (!e)
            break;
        p = e;
    }
    return CIM_OK;
}

void cim_sweep_free(CimSweepAxis *a)
{
    for (size_t i = 0; a->values && i < a->n; i++)
        free(a->values[i]);
    free(a->values);
    free(a->corners);
    a->values = NULL;
    a->corners = NULL;
    a->n = 0;
}

/* The overrides value v of an axis applies: the KEY=VALUE itself, or its corner's set. */
static size_t axis_overrides(const CimSweepAxis *a, size_t v, const char *const **items)
{
    if (a->corners) {
        *items = (const char *const *)a->corners[v]->set;
        return a->corners[v]->nset;
    }
    *items = (const char *const *)&a->values[v];
    return 1;
}

/* 1 when no value of the axis touches the digital run (run.*, chip.*, tech.* keys). */
static int axis_baselines_only(const CimSweepAxis *a)
{
    for (size_t v = 0; v < a->n; v++) {
        const char *const *it;
        size_t n = axis_overrides(a, v, &it);
        for (size_t i = 0; i < n; i++)
            if (dest_of(it[i]) == DEST_JOB)
                return 0;
    }
    return 1;
}

static void point_of(const CimCompare *c, CimSweepPoint *p)
{
    cim_compare_reductions(c, &p->red);
    p->gpu_floor_pj = c->gpu_floor_pj;
    for (int s = 0; s < CIM_SIDE_COUNT; s++) {
        p->energy_pj[s] = c->side[s].energy_pj;
        p->area_um2[s] = c->side[s].area_um2;
    }
    const CimCompareSide *a = &c->side[CIM_SIDE_ANALOG];
    p->analog_accuracy = a->images ? (double)a->correct / (double)a->images : 0.0;
    p->exact_accuracy = c->images ? (double)c->exact_correct / (double)c->images : 0.0;
}

/* 1 when o's run file (with its run.* overrides) names a point-cloud network: its activity
 * depends on analog.multibit keys, so a sweep reruns every point. 0 when it cannot be read
 * (the run reports why). */
static int pointcloud_run(const CimCompareOptions *o)
{
    Routed r = {0};
    CimDiag d;
    cim_diag_init(&d);
    CimRunCfg *run = malloc(sizeof *run);
    int yes = run && route(o->overrides, o->noverrides, &r, &d) == CIM_OK && load_run_chip(o->run_path, &r, run, &d) == CIM_OK &&
              cim_pn_is_pointcloud_file(run->network_path);
    routed_free(&r);
    free(run);
    cim_diag_free(&d);
    return yes;
}

/* Checks every value of every axis before anything runs; a key may appear on one axis. */
static CimStatus sweep_check(const CimCompareOptions *o, const CimSweepAxis *axes, size_t naxes, CimDiag *d)
{
    CimStatus st = naxes == 0 || naxes > 4 ? sweep_error("", "one to four --sweep keys", d) : CIM_OK;
    for (size_t i = 0; st == CIM_OK && i < naxes; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(axes[i].key, axes[j].key))
                st = sweep_error(axes[i].key, "the key is swept twice", d);
    for (size_t i = 0; i < naxes && st == CIM_OK; i++)
        for (size_t v = 0; v < axes[i].n; v++) {
            const char *const *it;
            size_t n = axis_overrides(&axes[i], v, &it);
            for (size_t k = 0; k < n; k++) {
                CimStatus s = cim_compare_check_override(o, it[k], d);
                if (s != CIM_OK && axes[i].corners)
                    cim_diag_add(d, CIM_SEV_NOTE, "<corner>", 0, 0, "in corner '%s'", axes[i].corners[v]->name);
                st = st == CIM_OK ? s : st;
            }
        }
    return st;
}

/* Point k of the grid: axis 0 varies slowest; idx[i] the value index of axis i. */
static void grid_point(const CimSweepAxis *axes, size_t naxes, size_t k, const char **kv, size_t *idx)
{
    for (size_t i = naxes; i-- > 0;) {
        idx[i] = k % axes[i].n;
        kv[i] = axes[i].values[idx[i]];
        k /= axes[i].n;
    }
}

static CimStatus sweep_point(const CimCompareOptions *o, const CimSweepAxis *axes, const char **kv, const size_t *idx,
                             size_t naxes, int reuse, CimCompare *c, CimSweepPoint *p, CimDiag *d)
{
    size_t total = o->noverrides + 1;
    const char *const *it;
    for (size_t i = 0; i < naxes; i++)
        total += axis_overrides(&axes[i], idx[i], &it);
    const char **ov = malloc(total * sizeof *ov);
    if (!ov)
        return CIM_ERR_NOMEM;
    size_t n = 0;
    /* a corner's keys first, so that the user's --set moves a key a corner sets */
    for (size_t i = 0; i < naxes; i++)
        if (axes[i].corners)
            for (size_t k = 0, m = axis_overrides(&axes[i], idx[i], &it); k < m; k++)
                ov[n++] = it[k];
    for (size_t i = 0; i < o->noverrides; i++)
        ov[n++] = o->overrides[i];
    for (size_t i = 0; i < naxes; i++) {
        if (!axes[i].corners)
            ov[n++] = kv[i];
        p->values[i] = strchr(kv[i], '=') + 1;
    }
    CimCompareOptions po = *o;
    po.overrides = ov;
    po.noverrides = n;
    CimStatus st = reuse ? rerun_baselines(&po, c, d) : cim_compare_run(&po, c, d);
    free(ov);
    if (st == CIM_OK)
        point_of(c, p);
    else
        cim_diag_add(d, CIM_SEV_NOTE, "<sweep>", 0, 0, "at the sweep point %s%s%s", kv[0], naxes > 1 ? " " : "",
                     naxes > 1 ? kv[1] : "");
    return st;
}

/* Baseline keys only: one digital run (and one exact pass), the baselines per point. The
 * points run last to first so that c ends holding point 0. */
static CimStatus sweep_baselines(const CimCompareOptions *o, const CimSweepAxis *axes, size_t naxes,
                                 CimSweepResult *out, size_t total, CimCompare *c, CimDiag *d)
{
    CimStatus st = CIM_OK;
    for (size_t k = total; st == CIM_OK && k-- > 0 && !(o->stop && *o->stop);) {
        const char *kv[4];
        size_t idx[4];
        grid_point(axes, naxes, k, kv, idx);
        if (o->progress)
            fprintf(stderr, "sweep point %zu/%zu: %s%s%s\n", k + 1, total, kv[0], naxes > 1 ? " " : "",
                    naxes > 1 ? kv[1] : "");
        st = sweep_point(o, axes, kv, idx, naxes, k + 1 < total, c, &out->points[k], d);
    }
    out->n = st == CIM_OK && !(o->stop && *o->stop) ? total : 0;
    return st;
}

CimStatus cim_sweep_run(const CimCompareOptions *o, const CimSweepAxis *axes, size_t naxes, CimSweepResult *out,
                        CimCompare *first, CimDiag *d)
{
    memset(out, 0, sizeof *out);
    out->axes = axes;
    out->naxes = naxes;
    CimStatus st = sweep_check(o, axes, naxes, d);
    size_t total = 1;
    for (size_t i = 0; st == CIM_OK && i < naxes; i++)
        total *= axes[i].n;
    if (st == CIM_OK && total > 1024)
        st = sweep_error(axes[0].key, "more than 1024 points in the grid", d);
    if (st == CIM_OK && !(out->points = calloc(total, sizeof *out->points)))
        st = CIM_ERR_NOMEM;
    int reuse = !pointcloud_run(o);
    for (size_t i = 0; i < naxes; i++)
        reuse &= axes[i].corners ? axis_baselines_only(&axes[i]) : dest_of(axes[i].key) != DEST_JOB;
    CimCompare *scratch = NULL;
    if (st == CIM_OK && reuse) {
        CimCompare *c = first ? first : (scratch = malloc(sizeof *scratch));
        st = c ? sweep_baselines(o, axes, naxes, out, total, c, d) : CIM_ERR_NOMEM;
        if (scratch)
            cim_compare_free(scratch);
        free(scratch);
        return st;
    }
    for (size_t k = 0; st == CIM_OK && k < total && !(o->stop && *o->stop); k++) {
        /* the first point is kept in *first (if given); the others run in scratch */
        CimCompare *c = k == 0 && first ? first : scratch ? scratch : (scratch = malloc(sizeof *scratch));
        if (!c) {
            st = CIM_ERR_NOMEM;
            break;
        }
        const char *kv[4];
        size_t idx[4];
        grid_point(axes, naxes, k, kv, idx);
        if (o->progress)
            fprintf(stderr, "sweep point %zu/%zu: %s%s%s\n", k + 1, total, kv[0], naxes > 1 ? " " : "",
                    naxes > 1 ? kv[1] : "");
        st = sweep_point(o, axes, kv, idx, naxes, 0, c, &out->points[k], d);
        out->n += st == CIM_OK;
        if (c == scratch)
            cim_compare_free(scratch);
    }
    free(scratch);
    return st;
}

void cim_sweep_result_free(CimSweepResult *r)
{
    free(r->points);
    memset(r, 0, sizeof *r);
}
