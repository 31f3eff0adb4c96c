/* dcim compare's outputs: the side-by-side text table with breakdowns, reductions beside the
 * paper's (arXiv 2506.13151 v1 abstract) and assumptions; the sweep table; compare.json. */
#include "workloads/compare/compare.h"
#include "workloads/report/html.h"
#include "workloads/report/json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const side_title[CIM_SIDE_COUNT] = {"digital", "analogue", "GPU"};
static const char *const side_key[CIM_SIDE_COUNT] = {"digital", "analog", "gpu"};

static double acc_of(const CimCompareSide *s) { return s->images ? (double)s->correct / (double)s->images : 0.0; }

/* ---- assumptions -------------------------------------------------------------------- */

static void note(CimCompareNote *n, const char *label, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void note(CimCompareNote *n, const char *label, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    snprintf(n->label, sizeof n->label, "%s", label);
    vsnprintf(n->text, sizeof n->text, fmt, ap);
    va_end(ap);
}

static void note_analog(const CimCompare *c, CimCompareNote *n)
{
    const CimAnalogCfg *a = &c->analog;
    if (c->pointcloud) {
        note(n, "analogue",
             "%s, int8 layers: %ux%u crossbars (%llu), %u rows summed per read; weights bit-sliced over %u cell(s) of "
             "%u bit(s), every filter mapped; inputs in %u bit-serial step(s) of %u bit(s) (DAC); %u-bit %s ADC per "
             "%u columns (lossless from %u bits: every read exact), shift-add into %u-bit accumulators; the chip's "
             "cells and tech file; each layer on its own crossbars (no reloads); activity counted on the chip's "
             "codes; ADC reads %llu",
             a->name, a->xbar.rows, a->xbar.cols, (unsigned long long)c->analog_cost.crossbars, a->xbar.rows_active,
             cim_analog_int8_slices(a), a->multibit.bits_per_cell, cim_analog_int8_steps(a),
             a->multibit.input_bits_per_step, a->adc.bits, a->adc.model == CIM_ADC_WALDEN ? "walden" : "neurosim_sar",
             a->adc.share, c->lossless_bits, a->multibit.accumulator_bits, (unsigned long long)c->adc_reads);
        return;
    }
    double inexact = c->adc_reads ? 100.0 * (double)c->adc_inexact / (double)c->adc_reads : 0.0;
    note(n, "analogue",
         "%s: %ux%u crossbars (%llu), %u elements per read, %u cell(s) per weight, pruned filters %s; %u-bit %s "
         "ADC per %u columns, LSB %u cell(s) (lossless from %u bits); %u-bit DAC; the chip's cells and tech file; "
         "activity %s; ADC reads %llu, inexact %llu (%.3f %%), clipped %llu",
         a->name, a->xbar.rows, a->xbar.cols, (unsigned long long)c->analog_cost.crossbars, a->xbar.rows_active,
         a->xbar.cells_per_weight, a->xbar.pruned_filters == CIM_ANALOG_PRUNED_SKIP ? "skip" : "map", a->adc.bits,
         a->adc.model == CIM_ADC_WALDEN ? "walden" : "neurosim_sar", a->adc.share, a->adc.lsb_cells, c->lossless_bits,
         a->dac.bits, c->analog_activity_assumed ? "ASSUMED (no image ran)" : "counted by the bit-true forward pass",
         (unsigned long long)c->adc_reads, (unsigned long long)c->adc_inexact, inexact,
         (unsigned long long)c->adc_clipped);
}

static void note_gpu(const CimCompare *c, CimCompareNote *n)
{
    const CimGpuCfg *g = &c->gpu;
    if (c->gpu_measured) {
        const CimGpuMeasured *m = &c->gpu_meas;
        note(n, "gpu", "%s MEASURED: %s, %zu samples over %.4g s, mean %.4g W (idle %s), %llu inferences", g->name,
             g->measured.power_csv, m->samples, m->t1_s - m->t0_s, m->mean_power_w,
             g->run.count_idle ? "counted" : "subtracted", (unsigned long long)m->inferences);
        return;
    }
    const CimGpuResult *r = &c->gpu_model;
    char t1[32], t2[32], t3[32];
    note(n, "gpu",
         "%s model: %s peak %.4g T%s x utilisation %.4g at batch %u; power %s %.4g W (idle %s); compute %s, memory %s, "
         "launch %s per batch (%u launches per conv, %.4g us each)",
         g->name, g->throughput.precision == CIM_GPU_INT8 ? "int8" : "fp32",
         g->throughput.precision == CIM_GPU_INT8 ? g->throughput.int8_dense_tops : g->throughput.fp32_tflops,
         g->throughput.precision == CIM_GPU_INT8 ? "OPS" : "FLOPS", r->utilisation, r->batch,
         g->run.power_model == CIM_GPU_POWER_BOARD ? "board" : "linear", r->power_w,
         g->run.count_idle ? "counted" : "subtracted", cim_fmt_time(r->compute_s * 1e9, t1, sizeof t1),
         cim_fmt_time(r->memory_s * 1e9, t2, sizeof t2), cim_fmt_time(r->launch_s * 1e9, t3, sizeof t3),
         g->launch.kernels_per_conv, g->launch.overhead_us);
    char fl[32];
    size_t len = strlen(n->text);
    snprintf(n->text + len, sizeof n->text - len,
             "; idealised floor %s per inference (every layer at the peak, no launches, no idle time, board power)",
             cim_fmt_energy(c->gpu_floor_pj, fl, sizeof fl));
}

size_t cim_compare_notes(const CimCompare *c, CimCompareNote *out)
{
    const CimRunReport *r = &c->job.report;
    size_t n = 0;
    note(&out[n++], "ops",
         "1 MAC = 2 ops; %llu MACs per inference (the whole network, dense: conv and linear layers, pruned filters "
         "included) = %.4g MOPs, the same count for all three machines",
         (unsigned long long)c->macs, c->ops * 1e-6);
    note(&out[n++], "scope",
         "%s (host: %s); per inference, one-off weight programming and pruning excluded%s; the chips' conv layers "
         "alone are the conv_only breakdown",
         cim_compare_scope(c), c->host.name,
         c->pointcloud ? ", the digital chip's weight reload before each conv of each cloud included" : "");
    if (c->images_capped)
        note(&out[n++], "images",
             "%llu of the run file's %llu images (compare's default cap; --images N for more); costs are averages over "
             "them",
             (unsigned long long)c->images, (unsigned long long)c->images_asked);
    else
        note(&out[n++], "images", "%llu images; costs are averages over them", (unsigned long long)c->images);
    note(&out[n++], "weights", "%s", r->weights);
    note(&out[n++], "digital", "chip %s: %u macros of %ux%u cells, %.4g MHz, tech %s; fidelity %s; %s; pruned filters %s",
         r->chip, r->macros, r->rows, r->cols, r->clock_mhz, r->tech, r->fidelity,
         r->pruned_on_chip ? "pruned on chip in this run" : "no pruning in this run (the weights' zero filters are the pruned ones)",
         r->pruned_mode);
    note_analog(c, &out[n++]);
    note_gpu(c, &out[n++]);
    const CimHostWork *w = &c->host_work;
    note(&out[n++], "host",
         "%s at %.4g MHz, %.4g pJ per cycle: %.4g M fp32 MACs, %.4g M fp32 ops, %.4g M divides, %.4g M square roots, "
         "%.4g MB moved per inference = %.4g M cycles (arithmetic and loads only: a lower bound)",
         c->host.name, c->host.core.clock_mhz, c->host.core.energy_per_cycle_pj, w->fp32_macs * 1e-6,
         w->fp32_ops * 1e-6, w->fp32_divs * 1e-6, w->fp32_sqrts * 1e-6, w->bytes * 1e-6, c->host_cost.cycles * 1e-6);
    return n;
}

/* ---- text ------------------------------------------------------------------------ */

static void print_row(FILE *out, const char *label, char cells[CIM_SIDE_COUNT][64])
{
    fprintf(out, "%-22s", label);
    for (int s = 0; s < CIM_SIDE_COUNT; s++)
        fprintf(out, " %-26s", cells[s]);
    fprintf(out, "\n");
}

static void print_table(const CimCompare *c, FILE *out)
{
    char cell[CIM_SIDE_COUNT][64];
    for (int s = 0; s < CIM_SIDE_COUNT; s++)
        snprintf(cell[s], 64, "%s (%.*s)", side_title[s], 14, c->side[s].name);
    print_row(out, "", cell);
    for (int s = 0; s < CIM_SIDE_COUNT; s++)
        c->side[s].has_area ? (void)snprintf(cell[s], 64, "%.4g mm2", c->side[s].area_um2 * 1e-6)
                            : (void)snprintf(cell[s], 64, "n/a (not modelled)");
    print_row(out, "area", cell);
    for (int s = 0; s < CIM_SIDE_COUNT; s++)
        cim_fmt_energy(c->side[s].energy_pj, cell[s], 64);
    print_row(out, "energy / inference", cell);
    for (int s = 0; s < CIM_SIDE_COUNT; s++)
        cim_fmt_time(c->side[s].latency_ns, cell[s], 64);
    print_row(out, "latency / inference", cell);
    CimCompareMerit m[CIM_SIDE_COUNT];
    for (int s = 0; s < CIM_SIDE_COUNT; s++) {
        cim_compare_merit(&c->side[s], c->ops, &m[s]);
        snprintf(cell[s], 64, "%.4g", m[s].tops_per_w);
    }
    print_row(out, "TOPS/W", cell);
    for (int s = 0; s < CIM_SIDE_COUNT; s++)
        c->side[s].has_area ? (void)snprintf(cell[s], 64, "%.4g", m[s].tops_per_mm2) : (void)snprintf(cell[s], 64, "n/a");
    print_row(out, "TOPS/mm2", cell);
    snprintf(cell[0], 64, "%.2f %%", 100.0 * acc_of(&c->side[0]));
    snprintf(cell[1], 64, "%.2f %% (%u-bit ADC)", 100.0 * acc_of(&c->side[1]), c->analog.adc.bits);
    snprintf(cell[2], 64, "%.2f %% (exact network)", 100.0 * acc_of(&c->side[2]));
    print_row(out, "accuracy", cell);
}

static void print_comps(const CimCompareSide *s, int area, FILE *out)
{
    double total = area ? s->area_um2 : s->energy_pj;
    int first = 1;
    for (size_t k = 0; k < s->ncomp; k++) {
        double v = area ? s->comp[k].area_um2 : s->comp[k].energy_pj;
        if (v <= 0)
            continue;
        char b[32];
        if (area)
            snprintf(b, sizeof b, "%.4g mm2", v * 1e-6);
        else
            cim_fmt_energy(v, b, sizeof b);
        fprintf(out, "%s%s %s (%.1f %%)", first ? "" : ", ", s->comp[k].name, b, total > 0 ? 100.0 * v / total : 0.0);
        first = 0;
    }
    fprintf(out, "\n");
}

static void red_line(FILE *out, const char *label, double ours, double paper, double ratio)
{
    char a[32], b[32] = "n/a (not stated)", r[32] = "";
    if (ratio >= 0)
        snprintf(r, sizeof r, "%.4g", ratio);
    if (!isnan(paper))
        cim_fmt_pct(paper, b, sizeof b);
    fprintf(out, "  %-44s %-13s %-11s %s\n", label, cim_fmt_pct(ours, a, sizeof a), r, b);
}

static void print_reductions(const CimCompare *c, FILE *out)
{
    CimCompareReductions r;
    cim_compare_reductions(c, &r);
    const CimCompareSide *s = c->side;
    char gl[64];
    const CimComparePaper *p = &c->paper;
    fprintf(out, "\nreductions, digital vs baseline (ours/theirs - 1), the same work on every side, beside the "
                 "paper's (%s)\n  %-44s %-13s %-11s %s\n",
            p->source, "", "ours", "ours/theirs", "paper");
    red_line(out, "area vs analogue RRAM CIM", r.area_vs_analog, p->area_vs_analog,
             s[1].area_um2 > 0 ? s[0].area_um2 / s[1].area_um2 : -1);
    red_line(out, "energy vs analogue RRAM CIM", r.energy_vs_analog, p->energy_vs_analog,
             s[1].energy_pj > 0 ? s[0].energy_pj / s[1].energy_pj : -1);
    snprintf(gl, sizeof gl, "energy vs GPU (%.20s, %s)", c->gpu.name, c->gpu_measured ? "measured" : "model");
    red_line(out, gl, r.energy_vs_gpu, p->energy_vs_gpu, s[2].energy_pj > 0 ? s[0].energy_pj / s[2].energy_pj : -1);
    red_line(out, "energy vs GPU idealised floor", r.energy_vs_gpu_floor, p->energy_vs_gpu,
             c->gpu_floor_pj > 0 ? s[0].energy_pj / c->gpu_floor_pj : -1);
    red_line(out, "conv operations removed by pruning", r.ops_removed, p->ops_removed, -1);
    if (c->pruned_layer_macs)
        red_line(out, "  of the pruned layers' operations", r.ops_removed_pruned_layers, p->ops_removed, -1);
    fprintf(out, "  %-44s %-25.2f %.2f\n", "accuracy (digital chip), %", 100.0 * r.accuracy, 100.0 * p->accuracy);
    fprintf(out, "conv_only breakdown: the chips' conv layers alone (host layers left out; GPU: whole network)\n");
    red_line(out, "conv energy vs analogue convs", r.conv_energy_vs_analog, p->energy_vs_analog,
             c->chip_energy_pj[1] > 0 ? c->chip_energy_pj[0] / c->chip_energy_pj[1] : -1);
    red_line(out, "conv energy vs GPU whole network", r.conv_energy_vs_gpu, p->energy_vs_gpu,
             s[2].energy_pj > 0 ? c->chip_energy_pj[0] / s[2].energy_pj : -1);
    red_line(out, "conv energy vs GPU idealised floor", r.conv_energy_vs_gpu_floor, p->energy_vs_gpu,
             c->gpu_floor_pj > 0 ? c->chip_energy_pj[0] / c->gpu_floor_pj : -1);
}

static void print_chip_figures(const CimCompare *c, FILE *out)
{
    CimCompareChipFigures f;
    cim_compare_chip_figures(c, &f);
    CimCompareReductions r;
    cim_compare_reductions(c, &r);
    char g[32], a[32];
    fprintf(out, "\nchip figures (the chips' conv layers, host layers left out; tech %s, %g nm) beside the authors' "
                 "22 nm figures\n",
            c->job.report.tech, cim_compare_chip_cfg(c)->tech.node_nm);
    fprintf(out, "  %-44s %-13s %-13s %s\n", "", "digital", "analogue", "authors (22 nm)");
    fprintf(out, "  TOPS/W %-37s %-13.4g %-13.4g %.2f\n", f.int8 ? "8b/8b" : "1b/1b", f.tops_per_w[0], f.tops_per_w[1],
            f.authors_tops_per_w);
    fprintf(out, "  %-44s %-13.4g %-13.4g %.2f\n", "weight density, Mb/mm2", f.weight_mb_per_mm2[0],
            f.weight_mb_per_mm2[1], f.authors_mb_per_mm2);
    fprintf(out, "  %-44s %-27s %s\n", "energy vs GPU, same work", cim_fmt_pct(r.energy_vs_gpu, g, sizeof g),
            cim_fmt_pct(f.authors_energy_vs_gpu, a, sizeof a));
}

static void print_wear(const CimCompare *c, FILE *out)
{
    const CimCompareWear *w = &c->wear;
    fprintf(out, "\nwrite wear (digital chip)\n  per inference %.4g SET/RESET pulses over %.4g cells: %.4g per cell on "
                 "average; most-written cell %.4g%s\n",
            w->pulses_per_inference, w->cells, w->mean_per_cell, w->max_per_cell,
            w->max_counted ? " (counted cell by cell over the repeating weight loads)"
                           : " (the mean: image networks do not track single cells)");
    if (isinf(w->lifetime_inferences))
        fprintf(out, "  lifetime      unlimited by writes: no cell is written per inference (endurance %.4g "
                     "cycles)\n",
                w->endurance_cycles);
    else
        fprintf(out, "  lifetime      %.4g inferences until the %s cell reaches %.4g cycles (tech.endurance)\n",
                w->lifetime_inferences, w->max_counted ? "most-written" : "average", w->endurance_cycles);
    fprintf(out, "  per training epoch: dcim train's metrics.jsonl (\"write\": pulses, per cell, lifetime in "
                 "epochs)\n");
}

void cim_compare_print(const CimCompare *c, FILE *out)
{
    const CimRunReport *r = &c->job.report;
    fprintf(out, "dcim compare %s: digital chip %s vs analogue RRAM CIM %s vs GPU %s (%s), network %s\n", r->run_name,
            r->chip, c->analog.name, c->gpu.name, c->gpu_measured ? "measured" : "model", r->network);
    if (c->status != CIM_RUN_COMPLETE)
        fprintf(out, "status                 ABORTED after %llu images: %s\n", (unsigned long long)c->images, c->reason);
    if (c->images_capped)
        fprintf(out, "images                 %llu of the run file's %llu (compare's default; --images N for more)\n",
                (unsigned long long)c->images, (unsigned long long)c->images_asked);
    fprintf(out, "ops                    1 MAC = 2 ops, %llu MACs per inference (whole network, dense) = %.4g MOPs\n",
            (unsigned long long)c->macs, c->ops * 1e-6);
    fprintf(out, "scope                  %s (host: %s)\n\n", cim_compare_scope(c), c->host.name);
    print_table(c, out);
    char e0[32], e1[32], eh[32], th[32];
    fprintf(out, "\nof which the chips' conv layers: digital %s, analogue %s; the host layers (both chips): %s, %s, "
                 "%.4g M cycles\n",
            cim_fmt_energy(c->chip_energy_pj[0], e0, sizeof e0), cim_fmt_energy(c->chip_energy_pj[1], e1, sizeof e1),
            cim_fmt_energy(c->host_cost.energy_pj, eh, sizeof eh), cim_fmt_time(c->host_cost.latency_ns, th, sizeof th),
            c->host_cost.cycles * 1e-6);
    fprintf(out, "\nenergy per inference by component\n");
    for (int s = 0; s < CIM_SIDE_COUNT; s++) {
        fprintf(out, "  %-9s ", side_title[s]);
        print_comps(&c->side[s], 0, out);
    }
    fprintf(out, "area by component\n");
    for (int s = 0; s < CIM_SIDE_GPU; s++) {
        fprintf(out, "  %-9s ", side_title[s]);
        print_comps(&c->side[s], 1, out);
    }
    print_reductions(c, out);
    print_chip_figures(c, out);
    print_wear(c, out);
    CimCompareNote notes[CIM_COMPARE_NOTES];
    size_t n = cim_compare_notes(c, notes);
    fprintf(out, "\nassumptions behind ours (formulas and sources: docs/energy.md; move them with --set or --sweep)\n");
    for (size_t i = 0; i < n; i++)
        fprintf(out, "  %-9s %s\n", notes[i].label, notes[i].text);
}

void cim_sweep_print(const CimSweepResult *s, FILE *out)
{
    char b[6][32];
    fprintf(out, "\nsweep: %zu points; reductions as ours/theirs - 1 (digital vs analogue RRAM CIM, vs GPU)\n", s->n);
    for (size_t i = 0; i < s->naxes; i++)
        fprintf(out, "%-18.18s ", s->axes[i].key);
    fprintf(out, "%-11s %-12s %-13s %-10s %-10s %-11s %-11s\n", "area/analog", "energy/anal.", "energy/GPU",
            "acc dig %", "acc ana %", "E digital", "E analogue");
    double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (size_t k = 0; k < s->n; k++) {
        const CimSweepPoint *p = &s->points[k];
        double v[3] = {p->red.area_vs_analog, p->red.energy_vs_analog, p->red.energy_vs_gpu};
        for (size_t i = 0; i < s->naxes; i++)
            fprintf(out, "%-18.18s ", p->values[i]);
        for (int j = 0; j < 3; j++) {
            lo[j] = fmin(lo[j], v[j]);
            hi[j] = fmax(hi[j], v[j]);
        }
        fprintf(out, "%-11s %-12s %-13s %-10.2f %-10.2f %-11s %-11s\n", cim_fmt_pct(v[0], b[0], 32),
                cim_fmt_pct(v[1], b[1], 32), cim_fmt_pct(v[2], b[2], 32), 100.0 * p->red.accuracy,
                100.0 * p->analog_accuracy, cim_fmt_energy(p->energy_pj[0], b[3], 32),
                cim_fmt_energy(p->energy_pj[1], b[4], 32));
    }
    if (!s->n)
        return;
    fprintf(out, "range: area vs analogue %s .. %s (paper -72.30 %%); energy vs analogue %s .. %s (paper -57.26 %%); "
                 "energy vs GPU %s .. %s (paper -75.61 %%)\n",
            cim_fmt_pct(lo[0], b[0], 32), cim_fmt_pct(hi[0], b[1], 32), cim_fmt_pct(lo[1], b[2], 32),
            cim_fmt_pct(hi[1], b[3], 32), cim_fmt_pct(lo[2], b[4], 32), cim_fmt_pct(hi[2], b[5], 32));
}

void cim_claims_print(const CimSweepResult *s, const CimComparePaper *p, FILE *out)
{
    char b[32];
    fprintf(out, "\nthe paper's claims beside dcim's (ours/theirs - 1; holds: dcim's reduction at least the paper's)\n");
    char labs[64];
    int w = 12; /* column width: the longest point label, 12 to 24 characters */
    for (size_t k = 0; k < s->n; k++) {
        labs[0] = '\0';
        for (size_t i = 0; i < s->naxes; i++)
            snprintf(labs + strlen(labs), sizeof labs - strlen(labs), "%s%s", i ? "," : "", s->points[k].values[i]);
        w = (int)strlen(labs) > w ? (int)strlen(labs) : w;
    }
    w = w > 24 ? 24 : w;
    fprintf(out, "%-31s %-9s", "claim", "paper");
    for (size_t k = 0; k < s->n; k++) {
        labs[0] = '\0';
        for (size_t i = 0; i < s->naxes; i++)
            snprintf(labs + strlen(labs), sizeof labs - strlen(labs), "%s%s", i ? "," : "", s->points[k].values[i]);
        fprintf(out, " %-*.*s", w, w, labs);
    }
    fprintf(out, " holds in\n");
    for (int c = 0; c < CIM_CLAIM_COUNT; c++) {
        double paper = cim_claim_paper(p, (CimClaim)c);
        if (isnan(paper))
            continue;
        fprintf(out, "%-31s %-9s", cim_claim_name((CimClaim)c), cim_fmt_pct(paper, b, sizeof b));
        char holds[256] = "";
        for (size_t k = 0; k < s->n; k++) {
            double ours = cim_claim_ours(&s->points[k].red, (CimClaim)c);
            fprintf(out, " %-*s", w, cim_fmt_pct(ours, b, sizeof b));
            if (cim_claim_holds(ours, paper))
                for (size_t i = 0; i < s->naxes; i++)
                    snprintf(holds + strlen(holds), sizeof holds - strlen(holds), "%s%s", i ? "," : *holds ? " " : "",
                             s->points[k].values[i]);
        }
        fprintf(out, " %s\n", *holds ? holds : "none");
    }
}

/* ---- JSON ------------------------------------------------------------------------ */

static json_t *side_json(const CimCompare *c, const CimCompareSide *s)
{
    CimCompareMerit m;
    cim_compare_merit(s, c->ops, &m);
    json_t *o = json_pack("{s:s, s:f, s:f, s:f, s:f, s:f, s:I, s:I, s:f}", "name", s->name,
                          "energy_pj_per_inference", s->energy_pj, "latency_ns_per_inference", s->latency_ns,
                          "inferences_per_s", s->inferences_per_s, "tops_per_w", m.tops_per_w, "tops", m.tops,
                          "images", (json_int_t)s->images, "correct", (json_int_t)s->correct, "accuracy", acc_of(s));
    json_object_set_new(o, "area_um2", s->has_area ? json_real(s->area_um2) : json_null());
    json_object_set_new(o, "tops_per_mm2", s->has_area ? json_real(m.tops_per_mm2) : json_null());
    json_t *e = json_object(), *a = json_object();
    for (size_t k = 0; k < s->ncomp; k++) {
        json_object_set_new(e, s->comp[k].name, json_real(s->comp[k].energy_pj));
        if (s->has_area)
            json_object_set_new(a, s->comp[k].name, json_real(s->comp[k].area_um2));
    }
    json_object_set_new(o, "energy_pj_by_component", e);
    json_object_set_new(o, s->has_area ? "area_um2_by_component" : "area_note",
                        s->has_area ? a : json_string("not modelled"));
    if (!s->has_area)
        json_decref(a);
    return o;
}

/* ours and the paper's (null where the paper states none) */
static json_t *pair(double ours, double paper)
{
    json_t *o = json_pack("{s:f}", "ours", ours);
    json_object_set_new(o, "paper", isnan(paper) ? json_null() : json_real(paper));
    return o;
}

static json_t *reductions_json(const CimCompare *c)
{
    CimCompareReductions r;
    cim_compare_reductions(c, &r);
    json_t *o = json_object();
    json_object_set_new(o, "convention", json_string("ours / theirs - 1 (negative: ours is smaller)"));
    const CimComparePaper *p = &c->paper;
    json_object_set_new(o, "paper_source", json_string(p->source));
    json_object_set_new(o, "scope", json_string(cim_compare_scope(c)));
    json_object_set_new(o, "area_vs_analog", pair(r.area_vs_analog, p->area_vs_analog));
    json_object_set_new(o, "energy_vs_analog", pair(r.energy_vs_analog, p->energy_vs_analog));
    json_object_set_new(o, "energy_vs_gpu", pair(r.energy_vs_gpu, p->energy_vs_gpu));
    json_object_set_new(o, "energy_vs_gpu_floor", pair(r.energy_vs_gpu_floor, p->energy_vs_gpu));
    json_object_set_new(o, "conv_ops_removed", pair(r.ops_removed, p->ops_removed));
    json_object_set_new(o, "conv_ops_removed_pruned_layers", pair(r.ops_removed_pruned_layers, p->ops_removed));
    json_object_set_new(o, "accuracy", pair(r.accuracy, p->accuracy));
    json_object_set_new(o, "conv_only", json_pack("{s:s, s:o, s:o}", "scope",
                                                  "the chips' conv layers alone (host layers left out) vs the "
                                                  "analogue convs and the GPU's whole network",
                                                  "energy_vs_analog", pair(r.conv_energy_vs_analog, p->energy_vs_analog),
                                                  "energy_vs_gpu", pair(r.conv_energy_vs_gpu, p->energy_vs_gpu)));
    return o;
}

/* Each claim: the paper's figure, dcim's per point, the points where it holds. */
static json_t *claims_json(const CimSweepResult *sw, const CimComparePaper *p)
{
    json_t *o = json_object();
    for (int c = 0; c < CIM_CLAIM_COUNT; c++) {
        double paper = cim_claim_paper(p, (CimClaim)c);
        if (isnan(paper))
            continue;
        json_t *ours = json_array(), *holds = json_array();
        for (size_t k = 0; k < sw->n; k++) {
            double v = cim_claim_ours(&sw->points[k].red, (CimClaim)c);
            json_array_append_new(ours, json_real(v));
            if (cim_claim_holds(v, paper)) {
                char lab[128] = "";
                for (size_t i = 0; i < sw->naxes; i++)
                    snprintf(lab + strlen(lab), sizeof lab - strlen(lab), "%s%s", i ? "," : "", sw->points[k].values[i]);
                json_array_append_new(holds, json_string(lab));
            }
        }
        json_object_set_new(o, cim_claim_key((CimClaim)c),
                            json_pack("{s:f, s:o, s:o}", "paper", paper, "ours", ours, "holds_in", holds));
    }
    return o;
}

static json_t *sweep_json(const CimSweepResult *sw, const CimComparePaper *paper)
{
    json_t *keys = json_array(), *pts = json_array();
    for (size_t i = 0; i < sw->naxes; i++)
        json_array_append_new(keys, json_string(sw->axes[i].key));
    for (size_t k = 0; k < sw->n; k++) {
        const CimSweepPoint *p = &sw->points[k];
        json_t *v = json_object();
        for (size_t i = 0; i < sw->naxes; i++)
            json_object_set_new(v, sw->axes[i].key, json_string(p->values[i]));
        json_array_append_new(
            pts, json_pack("{s:o, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "values", v, "area_vs_analog",
                           p->red.area_vs_analog, "energy_vs_analog", p->red.energy_vs_analog, "energy_vs_gpu",
                           p->red.energy_vs_gpu, "accuracy_digital", p->red.accuracy, "accuracy_analog",
                           p->analog_accuracy, "accuracy_exact", p->exact_accuracy, "energy_pj_digital",
                           p->energy_pj[0], "energy_pj_analog", p->energy_pj[1], "energy_pj_gpu", p->energy_pj[2],
                           "area_um2_digital", p->area_um2[0]));
        json_t *pt = json_array_get(pts, json_array_size(pts) - 1);
        json_object_set_new(pt, "energy_vs_gpu_floor", json_real(p->red.energy_vs_gpu_floor));
        json_object_set_new(pt, "energy_pj_gpu_floor", json_real(p->gpu_floor_pj));
    }
    return json_pack("{s:o, s:o, s:o}", "keys", keys, "points", pts, "claims", claims_json(sw, paper));
}

static json_t *compare_json(const CimCompare *c, const CimSweepResult *sw)
{
    const CimRunReport *r = &c->job.report;
    json_t *o = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:I}}", "status", cim_run_status_name(c->status), "reason",
                          c->reason, "run", "name", r->run_name, "chip", r->chip, "tech", r->tech, "network",
                          r->network, "weights", r->weights, "pruned_filters", r->pruned_mode, "seed",
                          (json_int_t)r->seed);
    json_object_set_new(o, "images", json_pack("{s:I, s:I, s:b}", "compared", (json_int_t)c->images, "run_file",
                                               (json_int_t)c->images_asked, "capped", c->images_capped));
    json_object_set_new(o, "ops", json_pack("{s:i, s:I, s:f, s:s}", "ops_per_mac", 2, "macs_per_inference",
                                            (json_int_t)c->macs, "ops_per_inference", c->ops, "scope",
                                            "whole network, dense; the same count for every machine"));
    json_t *sides = json_object();
    for (int s = 0; s < CIM_SIDE_COUNT; s++)
        json_object_set_new(sides, side_key[s], side_json(c, &c->side[s]));
    json_object_set_new(o, "machines", sides);
    json_object_set_new(o, "exact_accuracy", json_real(c->images ? (double)c->exact_correct / (double)c->images : 0));
    json_object_set_new(o, "analog_readout",
                        json_pack("{s:i, s:i, s:i, s:I, s:I, s:I, s:s, s:I}", "adc_bits", c->analog.adc.bits,
                                  "lossless_bits", c->lossless_bits, "lsb_cells", c->analog.adc.lsb_cells, "reads",
                                  (json_int_t)c->adc_reads, "inexact", (json_int_t)c->adc_inexact, "clipped",
                                  (json_int_t)c->adc_clipped, "activity",
                                  c->analog_activity_assumed ? "assumed" : "counted", "crossbars",
                                  (json_int_t)c->analog_cost.crossbars));
    json_object_set_new(o, "gpu_source", json_string(c->gpu_measured ? "measured" : "model"));
    json_object_set_new(o, "gpu_floor_pj_per_inference", json_real(c->gpu_floor_pj));
    json_object_set_new(o, "scope", json_string(cim_compare_scope(c)));
    const CimHostWork *w = &c->host_work;
    json_object_set_new(o, "host", json_pack("{s:s, s:f, s:f, s:{s:f, s:f, s:f, s:f, s:f, s:f}, s:f, s:f, s:f}", "name",
                                             c->host.name, "clock_mhz", c->host.core.clock_mhz,
                                             "energy_per_cycle_pj", c->host.core.energy_per_cycle_pj, "work_per_inference",
                                             "fp32_macs", w->fp32_macs, "fp32_ops", w->fp32_ops, "fp32_divs",
                                             w->fp32_divs, "fp32_sqrts", w->fp32_sqrts, "int_ops", w->int_ops, "bytes",
                                             w->bytes, "cycles_per_inference", c->host_cost.cycles,
                                             "energy_pj_per_inference", c->host_cost.energy_pj,
                                             "latency_ns_per_inference", c->host_cost.latency_ns));
    json_object_set_new(o, "conv_only", json_pack("{s:s, s:f, s:f, s:f, s:f}", "scope",
                                                  "the chips' conv layers alone, host layers left out",
                                                  "digital_energy_pj_per_inference", c->chip_energy_pj[0],
                                                  "analog_energy_pj_per_inference", c->chip_energy_pj[1],
                                                  "digital_latency_ns_per_inference", c->chip_latency_ns[0],
                                                  "analog_latency_ns_per_inference", c->chip_latency_ns[1]));
    const CimCompareWear *wr = &c->wear;
    json_t *wj = json_pack("{s:f, s:f, s:f, s:f, s:b, s:s}", "cells", wr->cells, "pulses_per_inference",
                           wr->pulses_per_inference, "mean_pulses_per_cell", wr->mean_per_cell,
                           "max_pulses_per_cell", wr->max_per_cell, "max_counted", wr->max_counted,
                           "per_training_epoch", "dcim train's metrics.jsonl, \"write\" per epoch");
    json_object_set_new(wj, "endurance_cycles", json_real(wr->endurance_cycles));
    json_object_set_new(wj, "lifetime_inferences", isinf(wr->lifetime_inferences) ? json_string("unlimited")
                                                                                   : json_real(wr->lifetime_inferences));
    json_object_set_new(o, "wear", wj);
    json_object_set_new(o, "reductions", reductions_json(c));
    CimCompareChipFigures f;
    cim_compare_chip_figures(c, &f);
    json_object_set_new(o, "chip_figures",
                        json_pack("{s:s, s:f, s:s, s:f, s:f, s:f, s:f, s:{s:f, s:f, s:f}}", "scope",
                                  "the chips' conv layers, host layers left out", "node_nm",
                                  cim_compare_chip_cfg(c)->tech.node_nm, "precision",
                                  f.int8 ? "8b/8b" : "1b/1b", "tops_per_w_digital", f.tops_per_w[0],
                                  "tops_per_w_analog", f.tops_per_w[1], "weight_mb_per_mm2_digital",
                                  f.weight_mb_per_mm2[0], "weight_mb_per_mm2_analog", f.weight_mb_per_mm2[1],
                                  "authors_22nm", "tops_per_w", f.authors_tops_per_w, "weight_mb_per_mm2",
                                  f.authors_mb_per_mm2, "energy_vs_gpu", f.authors_energy_vs_gpu));
    CimCompareNote notes[CIM_COMPARE_NOTES];
    size_t n = cim_compare_notes(c, notes);
    json_t *as = json_object();
    for (size_t i = 0; i < n; i++)
        json_object_set_new(as, notes[i].label, json_string(notes[i].text));
    json_object_set_new(o, "assumptions", as);
    if (sw)
        json_object_set_new(o, "sweep", sweep_json(sw, &c->paper));
    if (r->provenance) /* the invocation block, which differs between runs, last */
        json_object_set(o, "provenance", r->provenance);
    if (r->invocation)
        json_object_set(o, "invocation", r->invocation);
    return o;
}

CimStatus cim_compare_print_json(const CimCompare *c, const CimSweepResult *sw, FILE *out)
{
    return cim_json_print(compare_json(c, sw), out);
}

CimStatus cim_compare_write_json(const CimCompare *c, const CimSweepResult *sw, const char *dir, CimDiag *diag)
{
    return cim_json_write(compare_json(c, sw), dir, "compare.json", diag);
}
