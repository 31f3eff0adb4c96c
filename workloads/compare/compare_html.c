/* The HTML page of dcim compare: the run's sections (workloads/report/html.h) with the three
 * machines side by side, the reductions beside the paper's, the sweep and the assumptions. */
#include "workloads/compare/compare.h"
#include "workloads/report/html.h"

#include <math.h>
#include <stdio.h>

#define CHART_W CIM_HTML_CHART_W
#define LABEL_W CIM_HTML_LABEL_W
#define BAR_W CIM_HTML_BAR_W
#define ROW_H CIM_HTML_ROW_H
#define pct cim_html_pct

static const char *const side_title[CIM_SIDE_COUNT] = {"digital", "analogue", "GPU"};

/* Energy of the three machines on a log10 axis with decade grid lines (they differ by orders
 * of magnitude: a linear GPU bar would hide both chips). */
static void log_chart(FILE *out, const CimCompare *c)
{
    double lo = INFINITY, hi = 0;
    for (int s = 0; s < CIM_SIDE_COUNT; s++)
        if (c->side[s].energy_pj > 0) {
            lo = fmin(lo, c->side[s].energy_pj);
            hi = fmax(hi, c->side[s].energy_pj);
        }
    if (!(hi > 0))
        return;
    double d0 = floor(log10(lo)) - (log10(lo) == floor(log10(lo))), d1 = fmax(ceil(log10(hi)), d0 + 1);
    size_t h = CIM_SIDE_COUNT * ROW_H + 28;
    fprintf(out, "<svg id=\"comparison-energy\" role=\"img\" width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\">\n",
            CHART_W, h, CHART_W, h);
    for (double dec = d0; dec <= d1; dec++) {
        double x = LABEL_W + BAR_W * (dec - d0) / (d1 - d0);
        char t[32];
        fprintf(out, "<line x1=\"%.1f\" y1=\"2\" x2=\"%.1f\" y2=\"%zu\" stroke=\"#dde1e8\"/><text x=\"%.1f\" y=\"%zu\" "
                     "text-anchor=\"middle\">%s</text>\n",
                x, x, h - 20, x, h - 6, cim_fmt_energy(pow(10, dec), t, sizeof t));
    }
    for (int s = 0; s < CIM_SIDE_COUNT; s++) {
        double v = c->side[s].energy_pj, w = v > 0 ? BAR_W * (log10(v) - d0) / (d1 - d0) : 0;
        size_t y = (size_t)s * ROW_H + 4;
        char t[32];
        fprintf(out, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">%s</text><rect x=\"%d\" y=\"%zu\" width=\"%.1f\" "
                     "height=\"%d\" rx=\"3\" fill=\"%s\"/><text x=\"%.1f\" y=\"%zu\">%s</text>\n",
                LABEL_W - 8, y + 17, side_title[s], LABEL_W, y + 3, w, ROW_H - 8, cim_html_color((size_t)s), LABEL_W + w + 6, y + 17,
                cim_fmt_energy(v, t, sizeof t));
    }
    fprintf(out, "</svg>\n");
}

#define LEGEND_W 140 /* one legend entry */
#define LEGEND_PER_ROW ((CHART_W - LABEL_W) / LEGEND_W)

/* One machine's components as one stacked bar at y (scale: px per unit), legend below. */
static int stacked_bar(FILE *out, const CimCompareSide *sd, const char *title, int area, double scale, int y)
{
    double x = LABEL_W, total = area ? sd->area_um2 : sd->energy_pj;
    int shown = 0;
    fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", LABEL_W - 8, y + 17, title);
    for (size_t k = 0; k < sd->ncomp; k++) {
        double v = area ? sd->comp[k].area_um2 : sd->comp[k].energy_pj, w = v * scale;
        if (v <= 0)
            continue;
        int lx = LABEL_W + (shown % LEGEND_PER_ROW) * LEGEND_W, ly = y + 30 + (shown / LEGEND_PER_ROW) * 16;
        fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"20\" fill=\"%s\"><title>%s %.1f %%</title>"
                     "</rect><rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" "
                     "style=\"font-size:11px\">%s %.1f%%</text>\n",
                x, y + 3, w, cim_html_color(k), sd->comp[k].name, pct(v, total), lx, ly, cim_html_color(k), lx + 13,
                ly + 9, sd->comp[k].name, pct(v, total));
        x += w;
        shown++;
    }
    char t[32];
    area ? (void)snprintf(t, sizeof t, "%.4g mm2", total * 1e-6) : (void)cim_fmt_energy(total, t, sizeof t);
    fprintf(out, "<text x=\"%.1f\" y=\"%d\">%s</text>\n", x + 6, y + 17, t);
    return 30 + ((shown + LEGEND_PER_ROW - 1) / LEGEND_PER_ROW) * 16 + 12;
}

/* Digital and analogue energy (or area) as stacked component bars on one linear scale. */
static void stacked_chart(FILE *out, const CimCompare *c, int area)
{
    double max = 0;
    int h = 4;
    for (int s = 0; s < CIM_SIDE_GPU; s++) {
        max = fmax(max, area ? c->side[s].area_um2 : c->side[s].energy_pj);
        h += 30 + (int)((c->side[s].ncomp + LEGEND_PER_ROW - 1) / LEGEND_PER_ROW) * 16 + 12;
    }
    fprintf(out, "<svg id=\"comparison-%s\" role=\"img\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
            area ? "area" : "components", CHART_W, h, CHART_W, h);
    int y = 4;
    for (int s = 0; s < CIM_SIDE_GPU; s++)
        y += stacked_bar(out, &c->side[s], side_title[s], area, max > 0 ? BAR_W / max : 0, y);
    fprintf(out, "</svg>\n");
}

static void compare_table(FILE *out, const CimCompare *c)
{
    CimCompareMerit m[CIM_SIDE_COUNT];
    char t[CIM_SIDE_COUNT][2][32];
    for (int s = 0; s < CIM_SIDE_COUNT; s++) {
        cim_compare_merit(&c->side[s], c->ops, &m[s]);
        cim_fmt_energy(c->side[s].energy_pj, t[s][0], 32);
        cim_fmt_time(c->side[s].latency_ns, t[s][1], 32);
    }
    fprintf(out, "<table id=\"comparison-table\"><tr><th></th>");
    for (int s = 0; s < CIM_SIDE_COUNT; s++) {
        fprintf(out, "<th>%s (", side_title[s]);
        cim_html_escape(c->side[s].name, out);
        fprintf(out, ")</th>");
    }
    fprintf(out, "</tr>\n<tr><td>area</td>");
    for (int s = 0; s < CIM_SIDE_COUNT; s++)
        c->side[s].has_area ? fprintf(out, "<td>%.4g mm2</td>", c->side[s].area_um2 * 1e-6)
                            : fprintf(out, "<td>n/a (not modelled)</td>");
    fprintf(out, "</tr>\n<tr><td>energy / inference</td><td>%s</td><td>%s</td><td>%s</td></tr>\n", t[0][0], t[1][0],
            t[2][0]);
    fprintf(out, "<tr><td>latency / inference</td><td>%s</td><td>%s</td><td>%s</td></tr>\n", t[0][1], t[1][1], t[2][1]);
    fprintf(out, "<tr><td>TOPS/W</td><td>%.4g</td><td>%.4g</td><td>%.4g</td></tr>\n", m[0].tops_per_w, m[1].tops_per_w,
            m[2].tops_per_w);
    fprintf(out, "<tr><td>TOPS/mm2</td><td>%.4g</td><td>%.4g</td><td>n/a</td></tr>\n", m[0].tops_per_mm2,
            m[1].tops_per_mm2);
    fprintf(out, "<tr><td>accuracy</td>");
    for (int s = 0; s < CIM_SIDE_COUNT; s++)
        fprintf(out, "<td>%.2f %%</td>", pct((double)c->side[s].correct, (double)c->side[s].images));
    fprintf(out, "</tr></table>\n<p class=\"note\">1 MAC = 2 ops; %llu MACs per inference (whole network, dense) = "
                 "%.4g MOPs for every machine. Analogue accuracy with its %u-bit ADC read-out; GPU: the exact "
                 "network.</p>\n",
            (unsigned long long)c->macs, c->ops * 1e-6, c->analog.adc.bits);
}

static void comparison(FILE *out, const CimCompare *c)
{
    fprintf(out, "<section id=\"comparison\"><h2>Digital vs analogue RRAM CIM vs GPU</h2>\n");
    compare_table(out, c);
    fprintf(out, "<h3>Energy per inference (log scale)</h3>\n");
    log_chart(out, c);
    fprintf(out, "<h3>Energy per inference by component: digital vs analogue</h3>\n");
    stacked_chart(out, c, 0);
    fprintf(out, "<h3>Area by component: digital vs analogue (GPU die area not modelled)</h3>\n");
    stacked_chart(out, c, 1);
    fprintf(out, "</section>\n");
}

static void red_row(FILE *out, const char *id, const char *label, double ours, double paper, double ratio)
{
    char a[32], b[32] = "n/a (not stated)";
    fprintf(out, "<tr id=\"%s\"><td>%s</td><td>%s</td>", id, label, cim_fmt_pct(ours, a, sizeof a));
    ratio >= 0 ? fprintf(out, "<td>%.4g</td>", ratio) : fprintf(out, "<td></td>");
    if (!isnan(paper))
        cim_fmt_pct(paper, b, sizeof b);
    fprintf(out, "<td>%s</td></tr>\n", b);
}

static double ratio(double ours, double theirs) { return theirs > 0 ? ours / theirs : -1; }

static void reductions(FILE *out, const CimCompare *c)
{
    CimCompareReductions r;
    cim_compare_reductions(c, &r);
    const CimCompareSide *s = c->side;
    const CimComparePaper *p = &c->paper;
    fprintf(out, "<section id=\"reductions\"><h2>Reductions beside the paper's</h2>\n<p id=\"scope\" "
                 "class=\"note\">Scope: ");
    cim_html_escape(cim_compare_scope(c), out);
    fprintf(out, " (host: ");
    cim_html_escape(c->host.name, out);
    fprintf(out, ").</p>\n<table><tr><th>digital vs baseline</th><th>ours (ours/theirs - 1)</th><th>ours/theirs</th>"
                 "<th>paper (");
    cim_html_escape(p->source, out);
    fprintf(out, ")</th></tr>\n");
    red_row(out, "red-area-analog", "area vs analogue RRAM CIM", r.area_vs_analog, p->area_vs_analog,
            ratio(s[0].area_um2, s[1].area_um2));
    red_row(out, "red-energy-analog", "energy vs analogue RRAM CIM", r.energy_vs_analog, p->energy_vs_analog,
            ratio(s[0].energy_pj, s[1].energy_pj));
    red_row(out, "red-energy-gpu", c->gpu_measured ? "energy vs GPU (measured)" : "energy vs GPU (model)",
            r.energy_vs_gpu, p->energy_vs_gpu, ratio(s[0].energy_pj, s[2].energy_pj));
    red_row(out, "red-energy-gpu-floor", "energy vs GPU idealised floor", r.energy_vs_gpu_floor, p->energy_vs_gpu,
            ratio(s[0].energy_pj, c->gpu_floor_pj));
    red_row(out, "red-ops", "conv operations removed by pruning", r.ops_removed, p->ops_removed, -1);
    if (c->pruned_layer_macs)
        red_row(out, "red-ops-pruned-layers", "of the pruned layers' operations", r.ops_removed_pruned_layers,
                p->ops_removed, -1);
    fprintf(out, "<tr id=\"red-accuracy\"><td>accuracy (digital chip)</td><td>%.2f %%</td><td></td><td>%.2f %%</td>"
                 "</tr>\n",
            100.0 * r.accuracy, 100.0 * p->accuracy);
    red_row(out, "red-conv-energy-analog", "conv_only: conv energy vs analogue convs", r.conv_energy_vs_analog,
            p->energy_vs_analog, ratio(c->chip_energy_pj[0], c->chip_energy_pj[1]));
    red_row(out, "red-conv-energy-gpu", "conv_only: conv energy vs GPU whole network", r.conv_energy_vs_gpu,
            p->energy_vs_gpu, ratio(c->chip_energy_pj[0], s[2].energy_pj));
    fprintf(out, "</table>\n<p class=\"note\">Which assumptions produced ours: see Assumptions below; the "
                 "paper does not say how its baselines were built. conv_only rows: the chips' conv layers alone, "
                 "as dcim compared before every layer was costed.</p></section>\n");
}

static void wear(FILE *out, const CimCompare *c)
{
    const CimCompareWear *w = &c->wear;
    fprintf(out, "<section id=\"wear\"><h2>Write wear and lifetime (digital chip)</h2>\n<table>"
                 "<tr><td>SET/RESET pulses per inference</td><td id=\"wear-pulses\">%.4g</td></tr>"
                 "<tr><td>cells</td><td>%.4g</td></tr><tr><td>mean pulses per cell per inference</td><td>%.4g</td></tr>"
                 "<tr><td>most-written cell, pulses per inference</td><td>%.4g%s</td></tr>",
            w->pulses_per_inference, w->cells, w->mean_per_cell, w->max_per_cell,
            w->max_counted ? " (counted cell by cell)" : " (the mean: not tracked per cell)");
    if (isinf(w->lifetime_inferences))
        fprintf(out, "<tr><td>lifetime</td><td id=\"wear-lifetime\">unlimited by writes (endurance %.4g cycles)</td>"
                     "</tr>",
                w->endurance_cycles);
    else
        fprintf(out, "<tr><td>lifetime</td><td id=\"wear-lifetime\">%.4g inferences (endurance %.4g cycles)</td></tr>",
                w->lifetime_inferences, w->endurance_cycles);
    fprintf(out, "</table>\n<p class=\"note\">Per training epoch: dcim train's metrics.jsonl (write pulses, per cell, lifetime in epochs).</p></section>\n");
}

static void sweep(FILE *out, const CimSweepResult *sw)
{
    fprintf(out, "<section id=\"sweep\"><h2>Sweep: how the reductions move</h2>\n<table><tr>");
    for (size_t i = 0; i < sw->naxes; i++) {
        fprintf(out, "<th>");
        cim_html_escape(sw->axes[i].key, out);
        fprintf(out, "</th>");
    }
    fprintf(out, "<th>area vs analogue</th><th>energy vs analogue</th><th>energy vs GPU</th><th>accuracy digital</th>"
                 "<th>accuracy analogue</th></tr>\n");
    for (size_t k = 0; k < sw->n; k++) {
        const CimSweepPoint *p = &sw->points[k];
        char a[32], b[32], g[32];
        fprintf(out, "<tr>");
        for (size_t i = 0; i < sw->naxes; i++) {
            fprintf(out, "<td>");
            cim_html_escape(p->values[i], out);
            fprintf(out, "</td>");
        }
        fprintf(out, "<td>%s</td><td>%s</td><td>%s</td><td>%.2f %%</td><td>%.2f %%</td></tr>\n",
                cim_fmt_pct(p->red.area_vs_analog, a, 32), cim_fmt_pct(p->red.energy_vs_analog, b, 32),
                cim_fmt_pct(p->red.energy_vs_gpu, g, 32), 100.0 * p->red.accuracy, 100.0 * p->analog_accuracy);
    }
    fprintf(out, "</table>\n<p class=\"note\">The details above are the first point's.</p></section>\n");
}

/* The paper's claims beside dcim's at each point (corner) of the sweep. */
static void claims(FILE *out, const CimSweepResult *sw, const CimComparePaper *paper)
{
    char b[32];
    fprintf(out, "<section id=\"claims\"><h2>The paper's claims beside dcim's</h2>\n<table><tr><th>claim</th>"
                 "<th>paper</th>");
    for (size_t k = 0; k < sw->n; k++) {
        fprintf(out, "<th>");
        for (size_t i = 0; i < sw->naxes; i++) {
            fprintf(out, "%s", i ? "," : "");
            cim_html_escape(sw->points[k].values[i], out);
        }
        fprintf(out, "</th>");
    }
    fprintf(out, "<th>holds in</th></tr>\n");
    for (int c = 0; c < CIM_CLAIM_COUNT; c++) {
        double p = cim_claim_paper(paper, (CimClaim)c);
        if (isnan(p))
            continue;
        fprintf(out, "<tr><td>%s</td><td>%s</td>", cim_claim_name((CimClaim)c), cim_fmt_pct(p, b, sizeof b));
        int any = 0;
        for (size_t k = 0; k < sw->n; k++)
            fprintf(out, "<td>%s</td>", cim_fmt_pct(cim_claim_ours(&sw->points[k].red, (CimClaim)c), b, sizeof b));
        fprintf(out, "<td>");
        for (size_t k = 0; k < sw->n; k++)
            if (cim_claim_holds(cim_claim_ours(&sw->points[k].red, (CimClaim)c), p))
                for (size_t i = 0; i < sw->naxes; i++) {
                    fprintf(out, "%s", i ? "," : any++ ? " " : "");
                    cim_html_escape(sw->points[k].values[i], out);
                }
        fprintf(out, "%s</td></tr>\n", any ? "" : "none");
    }
    fprintf(out, "</table>\n<p class=\"note\">Holds: dcim's reduction (ours/theirs - 1) is at least the paper's.</p>"
                 "</section>\n");
}

static void assumptions(FILE *out, const CimCompare *c)
{
    CimCompareNote n[CIM_COMPARE_NOTES];
    size_t k = cim_compare_notes(c, n);
    fprintf(out, "<section id=\"assumptions\"><h2>Assumptions behind these numbers</h2>\n<dl>\n");
    for (size_t i = 0; i < k; i++) {
        fprintf(out, "<dt>");
        cim_html_escape(n[i].label, out);
        fprintf(out, "</dt><dd>");
        cim_html_escape(n[i].text, out);
        fprintf(out, "</dd>\n");
    }
    fprintf(out, "</dl>\n<p class=\"note\">Formulas and sources: docs/energy.md. Move them with --set KEY=VALUE or "
                 "--sweep KEY=V1,V2,...</p></section>\n");
}

typedef struct {
    const CimCompare *c;
    const CimSweepResult *sw;
} Page;

void cim_compare_html_render(const CimCompare *c, const CimSweepResult *sw, FILE *out)
{
    const CimRunReport *r = &c->job.report;
    cim_html_head(r, "compare", out);
    cim_html_run_summary(r, out);
    comparison(out, c);
    reductions(out, c);
    wear(out, c);
    if (sw) {
        sweep(out, sw);
        claims(out, sw, &c->paper);
    }
    cim_html_run_breakdowns(r, out);
    cim_html_run_layers(r, out);
    assumptions(out, c);
    cim_html_provenance(r->provenance, r->invocation, out);
    cim_html_foot(out);
}

static void render_page(const void *ctx, FILE *out)
{
    const Page *p = ctx;
    cim_compare_html_render(p->c, p->sw, out);
}

CimStatus cim_compare_html_write(const CimCompare *c, const CimSweepResult *sw, const char *dir, CimDiag *diag)
{
    Page p = {c, sw};
    return cim_html_write_page(dir, render_page, &p, diag);
}
