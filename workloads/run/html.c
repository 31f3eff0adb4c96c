/* The self-contained HTML report (inline CSS, inline SVG bar charts, no scripts) of a dcim run
 * and of dcim compare: summary, breakdowns, per-layer operations, the three machines. */
#include "workloads/run/html.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define CHART_W 900   /* SVG width, px */
#define LABEL_W 170   /* label column */
#define BAR_W 520     /* longest bar */
#define ROW_H 28

static const char *const palette[] = {"#3b6fb6", "#e0803a", "#4a9b5f", "#c84b4b", "#8a6bbf",
                                      "#8c6d4f", "#d47fb5", "#7f7f7f", "#b5b03a", "#3aaab5"};
#define NPAL (sizeof palette / sizeof palette[0])

static const char css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:0;"
    "background:#f4f5f7;color:#1d2330}\n"
    "main{max-width:960px;margin:0 auto;padding:24px}\n"
    "header{background:#1d2b45;color:#fff;padding:20px 24px}\n"
    "header h1{margin:0 0 6px;font-size:24px;max-width:960px;margin-left:auto;margin-right:auto}\n"
    "header p{margin:2px auto;font-size:13px;color:#c9d3e6;max-width:960px}\n"
    "section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:16px 20px;"
    "margin:0 0 18px}\n"
    "h2{font-size:18px;margin:0 0 10px;color:#1d2b45}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:12px}\n"
    ".card{flex:1 1 200px;border:1px solid #e1e4ea;border-radius:6px;padding:10px 12px}\n"
    ".card .k{font-size:12px;color:#5b6475;text-transform:uppercase;letter-spacing:.04em}\n"
    ".card .v{font-size:22px;font-weight:600;margin:4px 0}\n"
    ".card .s{font-size:12px;color:#5b6475}\n"
    "table{border-collapse:collapse;width:100%;font-size:13px;margin-top:8px}\n"
    "th,td{text-align:right;padding:5px 8px;border-bottom:1px solid #e6e8ee}\n"
    "th:first-child,td:first-child{text-align:left}\n"
    "th{background:#f0f2f6;font-weight:600}\n"
    ".note{font-size:12px;color:#5b6475;margin:6px 0}\n"
    ".bad{color:#b3261e;font-weight:600}\n"
    "dl{display:grid;grid-template-columns:110px 1fr;gap:6px 12px;font-size:13px;margin:0}\n"
    "dt{font-weight:600;color:#1d2b45}dd{margin:0}\n"
    "svg text{font-family:inherit;font-size:12px;fill:#1d2330}\n"
    "footer{text-align:center;font-size:12px;color:#5b6475;padding:12px}\n";

/* ---- helpers ------------------------------------------------------------------- */

void cim_html_escape(const char *s, FILE *out)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(*s, out);
        }
    }
}

static double pct(double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0.0; }

/* One bar of a chart: label, value (length), the text shown after it, and a colour. */
typedef struct {
    const char *label;
    double value;
    char text[64];
    const char *color;
} Bar;

/* Horizontal bars, linear scale from 0 to the largest value. */
static void bar_chart(FILE *out, const char *id, const Bar *b, size_t n)
{
    double max = 0;
    for (size_t i = 0; i < n; i++)
        max = fmax(max, b[i].value);
    fprintf(out, "<svg id=\"%s\" role=\"img\" width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\">\n", id, CHART_W,
            n * ROW_H + 8, CHART_W, n * ROW_H + 8);
    for (size_t i = 0; i < n; i++) {
        double w = max > 0 ? BAR_W * b[i].value / max : 0;
        size_t y = i * ROW_H + 4;
        fprintf(out, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">", LABEL_W - 8, y + 17);
        cim_html_escape(b[i].label, out);
        fprintf(out, "</text><rect x=\"%d\" y=\"%zu\" width=\"%.1f\" height=\"%d\" rx=\"3\" fill=\"%s\"><title>",
                LABEL_W, y + 3, w > 0 && w < 1 ? 1.0 : w, ROW_H - 8, b[i].color);
        cim_html_escape(b[i].text, out);
        fprintf(out, "</title></rect><text x=\"%.1f\" y=\"%zu\">", LABEL_W + w + 6, y + 17);
        cim_html_escape(b[i].text, out);
        fprintf(out, "</text>\n");
    }
    fprintf(out, "</svg>\n");
}

/* Component bars (energy or area) with their share of the total. */
static void component_chart(FILE *out, const char *id, const char *const *names, const double *v, size_t n,
                            int area)
{
    Bar b[16];
    size_t m = 0;
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += v[i];
    for (size_t i = 0; i < n && m < 16; i++) {
        if (v[i] <= 0)
            continue;
        char num[32];
        if (area)
            snprintf(num, sizeof num, "%.4g mm2", v[i] * 1e-6);
        else
            cim_fmt_energy(v[i], num, sizeof num);
        b[m] = (Bar){names[i], v[i], "", palette[i % NPAL]};
        snprintf(b[m].text, sizeof b[m].text, "%s (%.1f %%)", num, pct(v[i], total));
        m++;
    }
    bar_chart(out, id, b, m);
}

/* ---- run sections ------------------------------------------------------------- */

typedef struct {
    uint64_t conv, conv_removed, all, all_removed, cycles;
    CimEnergyBreakdown e;  /* chip layers, all images */
} Totals;

static void totals(const CimRunReport *r, Totals *t)
{
    memset(t, 0, sizeof *t);
    CimLayerTally chip = {0};
    for (size_t i = 0; i < r->nlayers; i++) {
        const CimReportLayer *l = &r->layers[i];
        if (!strcmp(l->where, "chip")) {
            t->conv += l->macs;
            t->conv_removed += l->macs_removed;
        }
        t->all += l->macs;
        t->all_removed += l->macs_removed;
        chip.cycles += l->cost.cycles;
        cim_events_add(&chip.ev, &l->cost.ev);
    }
    t->cycles = chip.cycles;
    cim_report_energy(r, &chip, &t->e);
}

static double per_image(const CimRunReport *r, double v) { return r->images ? v / (double)r->images : 0.0; }

static void card(FILE *out, const char *id, const char *key, const char *value, const char *sub)
{
    fprintf(out, "<div class=\"card\" id=\"%s\"><div class=\"k\">%s</div><div class=\"v\">", id, key);
    cim_html_escape(value, out);
    fprintf(out, "</div><div class=\"s\">");
    cim_html_escape(sub, out);
    fprintf(out, "</div></div>\n");
}

static void summary(const CimRunReport *r, FILE *out)
{
    Totals t;
    totals(r, &t);
    char v[96], s[160];
    fprintf(out, "<section id=\"summary\"><h2>Summary</h2>\n");
    if (strcmp(r->status, "complete") != 0) {
        fprintf(out, "<p class=\"bad\">ABORTED after %llu images: ", (unsigned long long)r->images);
        cim_html_escape(r->reason, out);
        fprintf(out, "</p>\n");
    }
    fprintf(out, "<div class=\"cards\">\n");
    snprintf(v, sizeof v, "%.2f %%", pct((double)r->correct, (double)r->images));
    snprintf(s, sizeof s, "%llu/%llu images", (unsigned long long)r->correct, (unsigned long long)r->images);
    card(out, "sum-accuracy", "accuracy", v, s);
    snprintf(v, sizeof v, "%llu MACs", (unsigned long long)t.conv);
    snprintf(s, sizeof s, "per image on chip; %llu removed by pruning (-%.1f %%)", (unsigned long long)t.conv_removed,
             pct((double)t.conv_removed, (double)(t.conv + t.conv_removed)));
    card(out, "sum-operations", "operations", v, s);
    snprintf(v, sizeof v, "%.2f us", per_image(r, (double)t.cycles) / r->clock_mhz);
    snprintf(s, sizeof s, "%.0f cycles per image at %.0f MHz", per_image(r, (double)t.cycles), r->clock_mhz);
    card(out, "sum-latency", "latency", v, s);
    snprintf(v, sizeof v, "%.4f uJ", per_image(r, t.e.total_pj) * 1e-6);
    card(out, "sum-energy", "energy per image", v, "chip layers, leakage included");
    snprintf(v, sizeof v, "%.3f mm2", r->area.total_um2 * 1e-6);
    snprintf(s, sizeof s, "%u macros of %ux%u cells", r->macros, r->rows, r->cols);
    card(out, "sum-area", "area", v, s);
    fprintf(out, "</div></section>\n");
}

static void breakdowns(const CimRunReport *r, FILE *out)
{
    Totals t;
    totals(r, &t);
    const char *names[CIM_COMP_COUNT];
    double e[CIM_COMP_COUNT];
    for (int c = 0; c < CIM_COMP_COUNT; c++) {
        names[c] = cim_component_name((CimComponent)c);
        e[c] = per_image(r, t.e.pj[c]);
    }
    fprintf(out, "<section id=\"energy-breakdown\"><h2>Energy per image by component (digital chip)</h2>\n");
    component_chart(out, "energy-chart", names, e, CIM_COMP_COUNT, 0);
    fprintf(out, "<p class=\"note\">Total %.4f uJ per image over %llu images; one-off weight programming and "
                 "pruning are not included.</p></section>\n",
            per_image(r, t.e.total_pj) * 1e-6, (unsigned long long)r->images);
    fprintf(out, "<section id=\"area-breakdown\"><h2>Area by component (digital chip)</h2>\n");
    component_chart(out, "area-chart", names, r->area.um2, CIM_COMP_COUNT, 1);
    fprintf(out, "<p class=\"note\">Total %.3f mm2.</p></section>\n", r->area.total_um2 * 1e-6);
}

/* Per layer: executed and removed MACs as one stacked bar. */
static void layer_chart(const CimRunReport *r, FILE *out)
{
    uint64_t max = 1;
    for (size_t i = 0; i < r->nlayers; i++)
        max = r->layers[i].macs + r->layers[i].macs_removed > max ? r->layers[i].macs + r->layers[i].macs_removed : max;
    fprintf(out, "<svg id=\"layers-chart\" role=\"img\" width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\">\n", CHART_W,
            r->nlayers * ROW_H + 30, CHART_W, r->nlayers * ROW_H + 30);
    for (size_t i = 0; i < r->nlayers; i++) {
        const CimReportLayer *l = &r->layers[i];
        /* shorter bars than the other charts: the text after them is longer */
        double we = 400.0 * (double)l->macs / (double)max, wr = 400.0 * (double)l->macs_removed / (double)max;
        size_t y = i * ROW_H + 4;
        fprintf(out, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">", LABEL_W - 8, y + 17);
        cim_html_escape(l->name, out);
        fprintf(out, " (%s)</text>", !strcmp(l->where, "chip") ? "chip" : "host");
        fprintf(out, "<rect x=\"%d\" y=\"%zu\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", LABEL_W, y + 3, we,
                ROW_H - 8, palette[0]);
        fprintf(out, "<rect x=\"%.1f\" y=\"%zu\" width=\"%.1f\" height=\"%d\" fill=\"#c7ccd6\"/>", LABEL_W + we, y + 3,
                wr, ROW_H - 8);
        fprintf(out, "<text x=\"%.1f\" y=\"%zu\">%llu MACs", LABEL_W + we + wr + 6, y + 17,
                (unsigned long long)l->macs);
        if (l->macs_removed)
            fprintf(out, ", %llu pruned (%.1f %%)", (unsigned long long)l->macs_removed,
                    pct((double)l->macs_removed, (double)(l->macs + l->macs_removed)));
        fprintf(out, "</text>\n");
    }
    size_t y = r->nlayers * ROW_H + 10;
    fprintf(out, "<rect x=\"%d\" y=\"%zu\" width=\"14\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%zu\">executed"
                 "</text><rect x=\"%d\" y=\"%zu\" width=\"14\" height=\"12\" fill=\"#c7ccd6\"/><text x=\"%d\" "
                 "y=\"%zu\">removed by pruning</text>\n</svg>\n",
            LABEL_W, y, palette[0], LABEL_W + 20, y + 11, LABEL_W + 100, y, LABEL_W + 120, y + 11);
}

static void layer_table(const CimRunReport *r, FILE *out)
{
    fprintf(out, "<table><tr><th>layer</th><th>where</th><th>filters</th><th>pruned</th><th>MACs/image</th>"
                 "<th>removed</th><th>pruned share</th><th>cycles/image</th><th>energy/image</th></tr>\n");
    for (size_t i = 0; i < r->nlayers; i++) {
        const CimReportLayer *l = &r->layers[i];
        int chip = !strcmp(l->where, "chip");
        fprintf(out, "<tr><td>");
        cim_html_escape(l->name, out);
        fprintf(out, "</td><td>%s</td><td>%u</td>", chip ? "chip" : "host", l->filters);
        if (!chip) {
            fprintf(out, "<td>-</td><td>%llu</td><td>-</td><td>-</td><td>-</td><td>(host)</td></tr>\n",
                    (unsigned long long)l->macs);
            continue;
        }
        CimEnergyBreakdown e;
        cim_report_energy(r, &l->cost, &e);
        char en[32];
        fprintf(out, "<td>%u</td><td>%llu</td><td>%llu</td><td>%.1f %%</td><td>%.0f</td><td>%s</td></tr>\n",
                l->filters - l->live, (unsigned long long)l->macs, (unsigned long long)l->macs_removed,
                pct((double)l->macs_removed, (double)(l->macs + l->macs_removed)),
                per_image(r, (double)l->cost.cycles), cim_fmt_energy(per_image(r, e.total_pj), en, sizeof en));
    }
    fprintf(out, "</table>\n");
}

static void layers(const CimRunReport *r, FILE *out)
{
    fprintf(out, "<section id=\"layers\"><h2>Operations per layer and what pruning removed</h2>\n");
    layer_chart(r, out);
    layer_table(r, out);
    fprintf(out, "</section>\n");
}

/* ---- comparison sections -------------------------------------------------------- */

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
                LABEL_W - 8, y + 17, side_title[s], LABEL_W, y + 3, w, ROW_H - 8, palette[s], LABEL_W + w + 6, y + 17,
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
                x, y + 3, w, palette[k % NPAL], sd->comp[k].name, pct(v, total), lx, ly, palette[k % NPAL], lx + 13,
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
    char a[32], b[32];
    fprintf(out, "<tr id=\"%s\"><td>%s</td><td>%s</td>", id, label, cim_fmt_pct(ours, a, sizeof a));
    ratio >= 0 ? fprintf(out, "<td>%.4g</td>", ratio) : fprintf(out, "<td></td>");
    fprintf(out, "<td>%s</td></tr>\n", cim_fmt_pct(paper, b, sizeof b));
}

static double ratio(double ours, double theirs) { return theirs > 0 ? ours / theirs : -1; }

static void reductions(FILE *out, const CimCompare *c)
{
    CimCompareReductions r;
    cim_compare_reductions(c, &r);
    const CimCompareSide *s = c->side;
    fprintf(out, "<section id=\"reductions\"><h2>Reductions beside the paper's</h2>\n<table><tr><th>digital vs "
                 "baseline</th><th>ours (ours/theirs - 1)</th><th>ours/theirs</th><th>paper (arXiv 2506.13151 v1, "
                 "MNIST)</th></tr>\n");
    red_row(out, "red-area-analog", "area vs analogue RRAM CIM", r.area_vs_analog, CIM_PAPER_AREA_VS_ANALOG,
            ratio(s[0].area_um2, s[1].area_um2));
    red_row(out, "red-energy-analog", "energy vs analogue RRAM CIM", r.energy_vs_analog, CIM_PAPER_ENERGY_VS_ANALOG,
            ratio(s[0].energy_pj, s[1].energy_pj));
    red_row(out, "red-energy-gpu", c->gpu_measured ? "energy vs GPU (measured)" : "energy vs GPU (model)",
            r.energy_vs_gpu, CIM_PAPER_ENERGY_VS_GPU, ratio(s[0].energy_pj, s[2].energy_pj));
    red_row(out, "red-ops", "conv operations removed by pruning", r.ops_removed, CIM_PAPER_OPS_REMOVED, -1);
    fprintf(out, "<tr id=\"red-accuracy\"><td>accuracy (digital chip)</td><td>%.2f %%</td><td></td><td>%.2f %%</td>"
                 "</tr></table>\n<p class=\"note\">Which assumptions produced ours: see Assumptions below; the "
                 "paper does not say how its baselines were built.</p></section>\n",
            100.0 * r.accuracy, 100.0 * CIM_PAPER_ACCURACY);
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

/* ---- page ------------------------------------------------------------------------ */

static void head(const CimRunReport *r, const CimCompare *cmp, FILE *out)
{
    fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>dcim %s ",
            cmp ? "compare" : "run");
    cim_html_escape(r->run_name, out);
    fprintf(out, "</title>\n<style>\n%s</style></head>\n<body>\n<header><h1>dcim %s <span id=\"run-name\">",
            css, cmp ? "compare" : "run");
    cim_html_escape(r->run_name, out);
    fprintf(out, "</span></h1>\n<p>chip ");
    cim_html_escape(r->chip, out);
    fprintf(out, " (%u macros of %ux%u cells, %.0f MHz, tech ", r->macros, r->rows, r->cols, r->clock_mhz);
    cim_html_escape(r->tech, out);
    fprintf(out, "), network ");
    cim_html_escape(r->network, out);
    fprintf(out, "</p>\n<p>weights ");
    cim_html_escape(r->weights, out);
    fprintf(out, "; fidelity ");
    cim_html_escape(r->fidelity, out);
    fprintf(out, "; pruned filters: ");
    cim_html_escape(r->pruned_mode, out);
    fprintf(out, "; seed %llu; status ", (unsigned long long)r->seed);
    cim_html_escape(r->status, out);
    fprintf(out, "</p></header>\n<main>\n");
}

void cim_html_render(const CimRunReport *r, const CimCompare *cmp, const CimSweepResult *sw, FILE *out)
{
    head(r, cmp, out);
    summary(r, out);
    if (cmp) {
        comparison(out, cmp);
        reductions(out, cmp);
        if (sw)
            sweep(out, sw);
    }
    breakdowns(r, out);
    layers(r, out);
    if (cmp)
        assumptions(out, cmp);
    fprintf(out, "</main>\n<footer>dcim: a self-contained report (no scripts, no external resources).</footer>\n"
                 "</body></html>\n");
}

CimStatus cim_html_write(const CimRunReport *r, const CimCompare *cmp, const CimSweepResult *sw, const char *dir,
                         CimDiag *diag)
{
    char path[1100], tmp[1110];
    if (cim_report_make_dirs(dir) != 0) {
        cim_diag_add(diag, CIM_SEV_ERROR, dir, 0, 0, "cannot create the results folder: %s", strerror(errno));
        return CIM_ERR_IO;
    }
    snprintf(path, sizeof path, "%s/report.html", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int ok = f != NULL;
    if (f) {
        cim_html_render(r, cmp, sw, f);
        ok = !ferror(f);
        ok &= fclose(f) == 0;
    }
    if (ok && rename(tmp, path) == 0)
        return CIM_OK;
    cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, "cannot write: %s", strerror(errno));
    remove(tmp);
    return CIM_ERR_IO;
}
