/* Run summary as text, JSON (jansson) and CSV; results written atomically. */
#include "workloads/report/figures.h"
#include "workloads/report/json.h"
#include "workloads/report/report_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

void cim_report_energy(const CimRunReport *r, const CimLayerTally *t, CimEnergyBreakdown *out)
{
    cim_energy_compute(r->cfg, &r->etable, &t->ev, t->cycles, out);
}

const char *cim_run_status_name(CimRunStatus s) { return s == CIM_RUN_COMPLETE ? "complete" : "aborted"; }

double cim_report_per_image(const CimRunReport *r, double v) { return r->images ? v / (double)r->images : 0.0; }
#define per_image cim_report_per_image

void cim_report_totals(const CimRunReport *r, CimReportTotals *t)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < r->nlayers; i++) {
        const CimReportLayer *l = &r->layers[i];
        if (l->where == CIM_WHERE_CHIP) {
            t->chip_macs += l->macs;
            t->chip_macs_removed += l->macs_removed;
            cim_tally_add(&t->chip, &l->cost);
        }
        t->all_macs += l->macs;
        t->all_macs_removed += l->macs_removed;
    }
    cim_report_energy(r, &t->chip, &t->energy);
}

static double pct(uint64_t part, uint64_t whole) { return whole ? 100.0 * (double)part / (double)whole : 0.0; }

static void print_breakdown(const double *v, size_t n, double total, const char *(*name)(CimComponent), FILE *out)
{
    int first = 1;
    for (size_t c = 0; c < n; c++) {
        if (v[c] <= 0)
            continue;
        fprintf(out, "%s%s %.1f %%", first ? "" : ", ", name((CimComponent)c), total > 0 ? 100.0 * v[c] / total : 0.0);
        first = 0;
    }
}

static void print_layers(const CimRunReport *r, FILE *out)
{
    fprintf(out, "\n%-8s %-5s %8s %7s %13s %13s %13s %14s\n", "layer", "where", "filters", "pruned", "MACs/image",
            "removed", "cycles/image", "energy nJ/img");
    for (size_t i = 0; i < r->nlayers; i++) {
        const CimReportLayer *l = &r->layers[i];
        if (l->where == CIM_WHERE_CHIP) {
            CimEnergyBreakdown e;
            cim_report_energy(r, &l->cost, &e);
            fprintf(out, "%-8s %-5s %8u %7u %13llu %13llu %13.0f %14.3f\n", l->name, cim_layer_where_name(l->where), l->filters,
                    l->filters - l->live, (unsigned long long)l->macs, (unsigned long long)l->macs_removed,
                    per_image(r, (double)l->cost.cycles), per_image(r, e.total_pj) * 1e-3);
        } else {
            fprintf(out, "%-8s %-5s %8u %7s %13llu %13s %13s %14s\n", l->name, cim_layer_where_name(l->where), l->filters, "-",
                    (unsigned long long)l->macs, "-", "-", "(host)");
        }
    }
}

static void print_oneoff(const CimRunReport *r, FILE *out)
{
    CimEnergyBreakdown e;
    cim_report_energy(r, &r->programming, &e);
    fprintf(out, "one-off costs   programming the weights: %llu cycles, %.3f uJ",
            (unsigned long long)r->programming.cycles, e.total_pj * 1e-6);
    if (r->pruned_on_chip) {
        CimLayerTally t = r->prune.load;
        cim_tally_add(&t, &r->prune.distances);
        cim_report_energy(r, &t, &e);
        fprintf(out, "; on-chip pruning: %llu cycles, %.3f uJ", (unsigned long long)t.cycles, e.total_pj * 1e-6);
    }
    fprintf(out, "\n");
}

void cim_report_print(const CimRunReport *r, FILE *out)
{
    CimReportTotals t;
    cim_report_totals(r, &t);
    const CimEnergyBreakdown e = t.energy;
    fprintf(out, "dcim run %s: chip %s (%u macros of %ux%u cells, %.0f MHz, tech %s), network %s\n", r->run_name,
            r->chip, r->macros, r->rows, r->cols, r->clock_mhz, r->tech, r->network);
    fprintf(out, "weights %s; fidelity %s; pruned filters: %s; seed %llu\n", r->weights, r->fidelity, r->pruned_mode,
            (unsigned long long)r->seed);
    if (r->status != CIM_RUN_COMPLETE)
        fprintf(out, "status          ABORTED after %llu images: %s\n", (unsigned long long)r->images, r->reason);
    fprintf(out, "accuracy        %.2f %% (%llu/%llu images)\n", pct(r->correct, r->images),
            (unsigned long long)r->correct, (unsigned long long)r->images);
    fprintf(out, "pruned filters  %s:", r->pruned_on_chip ? "after pruning on chip" : "as given in the weights (zero filters)");
    for (size_t k = 0; k < r->nlayers; k++)
        if (r->layers[k].where == CIM_WHERE_CHIP)
            fprintf(out, " %s %u/%u", r->layers[k].name, r->layers[k].filters - r->layers[k].live, r->layers[k].filters);
    fprintf(out, "\n");
    char warn[8][CIM_REPORT_WARNING_LEN];
    size_t nw = cim_report_warnings(r, warn, 8);
    for (size_t i = 0; i < nw && i < 8; i++)
        fprintf(out, "warning         %s\n", warn[i]);
    fprintf(out, "operations      per image: chip (conv) MACs %llu executed, %llu removed by pruning (-%.1f %%); "
                 "all MACs %llu, -%.1f %%\n",
            (unsigned long long)t.chip_macs, (unsigned long long)t.chip_macs_removed,
            pct(t.chip_macs_removed, t.chip_macs + t.chip_macs_removed), (unsigned long long)t.all_macs,
            pct(t.all_macs_removed, t.all_macs + t.all_macs_removed));
    fprintf(out, "cycles          %.0f per image = %.2f us at %.0f MHz", per_image(r, (double)t.chip.cycles),
            per_image(r, (double)t.chip.cycles) / r->clock_mhz, r->clock_mhz);
    if (t.chip.reload_cycles)
        fprintf(out, "; of which %.0f rewrite the weights (chip.mapping.reload allow: %.0f SET + %.0f RESET pulses "
                     "per image, energy under 'write')",
                per_image(r, (double)t.chip.reload_cycles), per_image(r, (double)t.chip.ev.n[CIM_EV_SET_PULSE]),
                per_image(r, (double)t.chip.ev.n[CIM_EV_RESET_PULSE]));
    fprintf(out, "\n");
    fprintf(out, "energy          %.4f uJ per image (chip): ", per_image(r, e.total_pj) * 1e-6);
    print_breakdown(e.pj, CIM_COMP_COUNT, e.total_pj, cim_component_name, out);
    fprintf(out, "\narea            %.3f mm2: ", r->area.total_um2 * 1e-6);
    print_breakdown(r->area.um2, CIM_COMP_COUNT, r->area.total_um2, cim_component_name, out);
    fprintf(out, "\n");
    if (r->nutil) {
        fprintf(out, "SystemC busy    ");
        for (unsigned m = 0; m < r->nutil; m++)
            fprintf(out, "%sm%u %.1f %%", m ? ", " : "", m, 100.0 * r->macro_util[m]);
        fprintf(out, " (SystemC model)\n");
    }
    cim_report_print_figures(r, out);
    print_oneoff(r, out);
    print_layers(r, out);
    cim_report_print_mapping(r, out);
}

/* ---- JSON ---------------------------------------------------------------------- */

static json_t *breakdown_json(const double *v, double total, double scale)
{
    json_t *o = json_object();
    for (int c = 0; c < CIM_COMP_COUNT; c++)
        json_object_set_new(o, cim_component_name((CimComponent)c), json_real(v[c] * scale));
    json_object_set_new(o, "total", json_real(total * scale));
    return o;
}

static json_t *tally_json(const CimRunReport *r, const CimLayerTally *t, double scale)
{
    CimEnergyBreakdown e;
    cim_report_energy(r, t, &e);
    json_t *o = json_object(), *ev = json_object();
    json_object_set_new(o, "cycles", json_real((double)t->cycles * scale));
    json_object_set_new(o, "instructions", json_real((double)t->instructions * scale));
    if (t->reload_cycles) /* chip.mapping.reload allow: the weight rewrites' part of cycles */
        json_object_set_new(o, "reload_cycles", json_real((double)t->reload_cycles * scale));
    json_object_set_new(o, "energy_pj", breakdown_json(e.pj, e.total_pj, scale));
    for (int i = 0; i < CIM_EV_COUNT; i++)
        json_object_set_new(ev, cim_event_info((CimEventId)i)->name, json_real((double)t->ev.n[i] * scale));
    json_object_set_new(o, "events", ev);
    return o;
}

static json_t *layers_json(const CimRunReport *r)
{
    json_t *a = json_array();
    double s = r->images ? 1.0 / (double)r->images : 0.0;
    for (size_t i = 0; i < r->nlayers; i++) {
        const CimReportLayer *l = &r->layers[i];
        json_t *o = json_pack("{s:s, s:s, s:i, s:i, s:I, s:I}", "name", l->name, "where", cim_layer_where_name(l->where), "filters",
                              (json_int_t)l->filters, "live", (json_int_t)l->live, "macs_per_image",
                              (json_int_t)l->macs, "macs_removed_per_image", (json_int_t)l->macs_removed);
        if (l->where == CIM_WHERE_CHIP) {
            json_t *idx = json_array(); /* original filter indices, ascending */
            for (unsigned f = 0; l->pruned && f < l->filters; f++)
                if (l->pruned[f])
                    json_array_append_new(idx, json_integer(f));
            json_object_set_new(o, "pruned_filters", idx);
            json_object_set_new(o, "per_image", tally_json(r, &l->cost, s));
            json_object_set_new(o, "regions", json_integer(l->regions));
            json_object_set_new(o, "cells_used", json_integer((json_int_t)l->cells_used));
        }
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *prune_json(const CimRunReport *r)
{
    json_t *o = json_pack("{s:b}", "on_chip", r->pruned_on_chip);
    if (!r->pruned_on_chip)
        return o;
    json_t *a = json_array();
    for (size_t k = 0; k < r->prune.n; k++) {
        const CimPruneLayerReport *p = &r->prune.layers[k];
        json_array_append_new(a, json_pack("{s:s, s:i, s:i, s:i, s:i, s:I, s:f, s:f, s:f}", "layer",
                                           r->layers[k].name, "filters", (json_int_t)p->filters, "pruned_before",
                                           (json_int_t)p->pruned_before, "pruned_new", (json_int_t)p->pruned_new,
                                           "kept_by_guard", (json_int_t)p->kept_by_guard,
                                           "pairs", (json_int_t)p->stats.pairs, "mean",
                                           p->stats.pairs ? p->stats.mean : 0.0, "variance",
                                           p->stats.pairs ? p->stats.variance : 0.0, "threshold",
                                           p->stats.pairs ? p->stats.threshold : 0.0));
    }
    json_object_set_new(o, "layers", a);
    json_object_set_new(o, "load", tally_json(r, &r->prune.load, 1.0));
    json_object_set_new(o, "distances", tally_json(r, &r->prune.distances, 1.0));
    return o;
}

/* The architect's numbers (figures.h), with their conventions stated in the file. */
static json_t *figures_json(const CimRunReport *r)
{
    CimReportFigures f;
    cim_report_figures(r, &f);
    json_t *tm = json_object();
    for (int i = 0; i < CIM_REPORT_NTIMING && r->cfg; i++)
        json_object_set_new(tm, f.timing[i].name,
                            json_pack("{s:f, s:I}", "ns", f.timing[i].ns, "cycles", (json_int_t)f.timing[i].cycles));
    json_t *split = json_pack("{s:f, s:f}", "issue", f.issue_per_image, "drain", f.drain_per_image);
    json_t *busy = json_object(), *macros = json_array();
    for (int u = 0; u <= CIM_RES_MACRO + 1; u++) {
        char key[32];
        snprintf(key, sizeof key, "waiting_for_%s", cim_report_unit_name(u));
        json_object_set_new(split, key, json_real(f.stall_per_image[u]));
    }
    for (int u = 0; u <= CIM_RES_MACRO; u++)
        json_object_set_new(busy, cim_report_unit_name(u), json_real(f.busy_share[u]));
    for (unsigned m = 0; m < r->macros && CIM_RES_MACRO + m < CIM_RUN_MAX_RES; m++)
        json_array_append_new(macros, json_real(cim_report_macro_busy(r, m)));
    json_object_set_new(busy, "per_macro", macros);
    return json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:s, s:o, s:o, s:o}", "clock_mhz", f.clock_mhz,
                     "inferences_per_s", f.inferences_per_s, "ops_per_image", f.ops_per_image, "tops", f.tops,
                     "energy_pj_per_image", f.energy_pj_per_image, "tops_per_w", f.tops_per_w, "area_mm2",
                     f.area_mm2, "tops_per_mm2", f.tops_per_mm2, "cycles_per_image", f.cycles_per_image,
                     "ops_convention", "1 MAC = 2 ops; the chip's executed MACs (pruned filters and host layers excluded)",
                     "device_timing", tm, "cycle_split_per_image", split, "busy_share", busy);
}

static json_t *report_json(const CimRunReport *r, int predictions)
{
    CimReportTotals t;
    cim_report_totals(r, &t);
    json_t *o = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}, s:I, s:I, s:f}", "status",
                          cim_run_status_name(r->status), "reason", r->reason, "run", "name", r->run_name, "chip", r->chip, "tech", r->tech,
                          "network", r->network, "weights", r->weights, "fidelity", r->fidelity, "pruned_filters",
                          r->pruned_mode, "seed", (json_int_t)r->seed, "images", (json_int_t)r->images, "correct",
                          (json_int_t)r->correct, "accuracy", r->images ? (double)r->correct / (double)r->images : 0.0);
    json_object_set_new(o, "operations_per_image",
                        json_pack("{s:I, s:I, s:f, s:I, s:I, s:f}", "chip_macs", (json_int_t)t.chip_macs,
                                  "chip_macs_removed", (json_int_t)t.chip_macs_removed, "chip_reduction",
                                  pct(t.chip_macs_removed, t.chip_macs + t.chip_macs_removed) / 100.0, "all_macs",
                                  (json_int_t)t.all_macs, "all_macs_removed", (json_int_t)t.all_macs_removed,
                                  "all_reduction", pct(t.all_macs_removed, t.all_macs + t.all_macs_removed) / 100.0));
    json_object_set_new(o, "chip_per_image", tally_json(r, &t.chip, r->images ? 1.0 / (double)r->images : 0.0));
    json_object_set_new(o, "latency_us_per_image", json_real(per_image(r, (double)t.chip.cycles) / r->clock_mhz));
    json_object_set_new(o, "area_um2", breakdown_json(r->area.um2, r->area.total_um2, 1.0));
    json_object_set_new(o, "figures", figures_json(r));
    json_object_set_new(o, "programming", tally_json(r, &r->programming, 1.0));
    json_object_set_new(o, "pruning", prune_json(r));
    char warn[8][CIM_REPORT_WARNING_LEN];
    size_t nw = cim_report_warnings(r, warn, 8);
    json_t *wa = json_array();
    for (size_t i = 0; i < nw && i < 8; i++)
        json_array_append_new(wa, json_string(warn[i]));
    json_object_set_new(o, "warnings", wa);
    json_object_set_new(o, "layers", layers_json(r));
    json_object_set_new(o, "mapping", cim_report_mapping_json(r));
    if (predictions && r->pred) {
        json_t *a = json_array();
        for (uint64_t i = 0; i < r->images; i++)
            json_array_append_new(a, json_integer(r->pred[i]));
        json_object_set_new(o, "predictions", a);
    }
    /* last, the block that differs between two runs of the same command at the very end */
    if (r->provenance)
        json_object_set(o, "provenance", r->provenance);
    if (r->invocation)
        json_object_set(o, "invocation", r->invocation);
    return o;
}

CimStatus cim_report_print_json(const CimRunReport *r, FILE *out) { return cim_json_print(report_json(r, 1), out); }

/* ---- files ---------------------------------------------------------------------- */

static int write_csv(const void *ctx, FILE *f)
{
    const CimRunReport *r = ctx;
    fprintf(f, "layer,where,filters,live,macs_per_image,macs_removed_per_image,cycles_per_image,instructions_per_image");
    for (int c = 0; c < CIM_COMP_COUNT; c++)
        fprintf(f, ",energy_%s_pj_per_image", cim_component_name((CimComponent)c));
    fprintf(f, ",energy_total_pj_per_image\n");
    for (size_t i = 0; i < r->nlayers; i++) {
        const CimReportLayer *l = &r->layers[i];
        CimEnergyBreakdown e;
        cim_report_energy(r, &l->cost, &e);
        fprintf(f, "%s,%s,%u,%u,%llu,%llu,%.6g,%.6g", l->name, cim_layer_where_name(l->where), l->filters, l->live,
                (unsigned long long)l->macs, (unsigned long long)l->macs_removed, per_image(r, (double)l->cost.cycles),
                per_image(r, (double)l->cost.instructions));
        for (int c = 0; c < CIM_COMP_COUNT; c++)
            fprintf(f, ",%.6g", per_image(r, e.pj[c]));
        fprintf(f, ",%.6g\n", per_image(r, e.total_pj));
    }
    return 0;
}

int cim_report_make_dirs(const char *dir)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}


CimStatus cim_report_write_file(const char *dir, const char *name, CimWriteFn write, const void *ctx, CimDiag *diag)
{
    if (cim_report_make_dirs(dir) != 0) {
        cim_diag_add(diag, CIM_SEV_ERROR, dir, 0, 0, "cannot create the results folder: %s", strerror(errno));
        return CIM_ERR_IO;
    }
    char path[1100], tmp[1110];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
        cim_diag_add(diag, CIM_SEV_ERROR, dir, 0, 0, "results path too long (limit %zu bytes)", sizeof path - 1);
        return CIM_ERR_IO;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int ok = f && write(ctx, f) == 0;
    ok &= f && !ferror(f);
    ok &= f && fclose(f) == 0;
    if (ok && rename(tmp, path) == 0)
        return CIM_OK;
    cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, "cannot write: %s", strerror(errno ? errno : EIO));
    remove(tmp);
    return CIM_ERR_IO;
}

/* Jansson's allocations that failed in this process. The result builders nest calls
 * (json_object_set_new(o, key, json_real(x))), and a value that could not be allocated is
 * dropped without a word; so once any has failed, no tree is trusted: cim_json_print and
 * cim_json_write refuse (out of memory) instead of writing a file that lacks values. */
static unsigned long json_failed;

static void *json_malloc(size_t n)
{
    void *p = malloc(n);
    if (!p)
        __atomic_add_fetch(&json_failed, 1, __ATOMIC_RELAXED);
    return p;
}

__attribute__((constructor)) static void json_count_failures(void) { json_set_alloc_funcs(json_malloc, free); }

/* o to f; -1 (errno ENOMEM) also when one of Jansson's allocations failed while dumping:
 * Jansson then leaves out the key it could not escape and goes on. */
static int dump_json(const void *o, FILE *f)
{
    unsigned long before = __atomic_load_n(&json_failed, __ATOMIC_RELAXED);
    int rc = json_dumpf(o, f, CIM_JSON_FLAGS);
    if (rc == 0 && __atomic_load_n(&json_failed, __ATOMIC_RELAXED) == before)
        return 0;
    errno = ENOMEM;
    return -1;
}

/* o, unless it is NULL or a Jansson allocation has failed (then o is released). */
static json_t *trusted(json_t *o)
{
    if (o && __atomic_load_n(&json_failed, __ATOMIC_RELAXED)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

CimStatus cim_json_print(json_t *o, FILE *out)
{
    if (!(o = trusted(o)))
        return CIM_ERR_NOMEM;
    int rc = dump_json(o, out);
    fputc('\n', out);
    json_decref(o);
    return rc == 0 ? CIM_OK : errno == ENOMEM ? CIM_ERR_NOMEM : CIM_ERR_IO;
}

CimStatus cim_json_write(json_t *o, const char *dir, const char *name, CimDiag *diag)
{
    if (!(o = trusted(o)))
        return CIM_ERR_NOMEM;
    CimStatus st = cim_report_write_file(dir, name, dump_json, o, diag);
    json_decref(o);
    return st;
}

CimStatus cim_report_write_layers(const CimRunReport *r, const char *dir, CimDiag *diag)
{
    return cim_report_write_file(dir, "layers.csv", write_csv, r, diag);
}

CimStatus cim_report_write(const CimRunReport *r, const char *dir, CimDiag *diag)
{
    CimStatus st = cim_json_write(report_json(r, 1), dir, "stats.json", diag);
    return st == CIM_OK ? cim_report_write_layers(r, dir, diag) : st;
}

double cim_wear_lifetime(double endurance, double per_inference)
{
    return per_inference > 0 ? endurance / per_inference : INFINITY;
}
