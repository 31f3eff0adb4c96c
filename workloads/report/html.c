/* The self-contained HTML report (inline CSS, inline SVG bar charts, no scripts) of a dcim run
 * and of dcim compare: summary, breakdowns, per-layer operations, the three machines. */
#include "workloads/report/html.h"
#include "workloads/report/figures.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHART_W CIM_HTML_CHART_W
#define LABEL_W CIM_HTML_LABEL_W
#define BAR_W CIM_HTML_BAR_W
#define ROW_H CIM_HTML_ROW_H

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

const char *cim_html_color(size_t i) { return palette[i % NPAL]; }

double cim_html_pct(double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0.0; }
#define pct cim_html_pct

void cim_html_bar_chart(FILE *out, const char *id, const CimHtmlBar *b, size_t n)
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

void cim_html_component_chart(FILE *out, const char *id, const char *const *names, const double *v, size_t n,
                              int area)
{
    CimHtmlBar b[16];
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
        b[m] = (CimHtmlBar){names[i], v[i], "", palette[i % NPAL]};
        snprintf(b[m].text, sizeof b[m].text, "%s (%.1f %%)", num, pct(v[i], total));
        m++;
    }
    cim_html_bar_chart(out, id, b, m);
}

/* ---- run sections ------------------------------------------------------------- */

#define per_image cim_report_per_image

void cim_html_card(FILE *out, const char *id, const char *key, const char *value, const char *sub)
{
    fprintf(out, "<div class=\"card\" id=\"%s\"><div class=\"k\">%s</div><div class=\"v\">", id, key);
    cim_html_escape(value, out);
    fprintf(out, "</div><div class=\"s\">");
    cim_html_escape(sub, out);
    fprintf(out, "</div></div>\n");
}

void cim_html_run_summary(const CimRunReport *r, FILE *out)
{
    CimReportTotals t;
    cim_report_totals(r, &t);
    char v[96], s[160];
    fprintf(out, "<section id=\"summary\"><h2>Summary</h2>\n");
    if (r->status != CIM_RUN_COMPLETE) {
        fprintf(out, "<p class=\"bad\">ABORTED after %llu images: ", (unsigned long long)r->images);
        cim_html_escape(r->reason, out);
        fprintf(out, "</p>\n");
    }
    char warn[8][CIM_REPORT_WARNING_LEN];
    size_t nw = cim_report_warnings(r, warn, 8);
    for (size_t i = 0; i < nw && i < 8; i++) {
        fprintf(out, "<p class=\"bad\" id=\"warning-%zu\">Warning: ", i);
        cim_html_escape(warn[i], out);
        fprintf(out, "</p>\n");
    }
    fprintf(out, "<div class=\"cards\">\n");
    snprintf(v, sizeof v, "%.2f %%", pct((double)r->correct, (double)r->images));
    snprintf(s, sizeof s, "%llu/%llu images", (unsigned long long)r->correct, (unsigned long long)r->images);
    cim_html_card(out, "sum-accuracy", "accuracy", v, s);
    snprintf(v, sizeof v, "%llu MACs", (unsigned long long)t.chip_macs);
    snprintf(s, sizeof s, "per image on chip; %llu removed by pruning (-%.1f %%)",
             (unsigned long long)t.chip_macs_removed,
             pct((double)t.chip_macs_removed, (double)(t.chip_macs + t.chip_macs_removed)));
    cim_html_card(out, "sum-operations", "operations", v, s);
    snprintf(v, sizeof v, "%.2f us", per_image(r, (double)t.chip.cycles) / r->clock_mhz);
    snprintf(s, sizeof s, "%.0f cycles per image at %.0f MHz", per_image(r, (double)t.chip.cycles), r->clock_mhz);
    cim_html_card(out, "sum-latency", "latency", v, s);
    snprintf(v, sizeof v, "%.4f uJ", per_image(r, t.energy.total_pj) * 1e-6);
    cim_html_card(out, "sum-energy", "energy per image", v, "chip layers, leakage included");
    snprintf(v, sizeof v, "%.3f mm2", r->area.total_um2 * 1e-6);
    snprintf(s, sizeof s, "%u macros of %ux%u cells", r->macros, r->rows, r->cols);
    cim_html_card(out, "sum-area", "area", v, s);
    fprintf(out, "</div></section>\n");
}

void cim_html_breakdowns(FILE *out, const char *unit, const double *energy_pj, const char *energy_note,
                         const CimAreaBreakdown *area)
{
    const char *names[CIM_COMP_COUNT];
    for (int c = 0; c < CIM_COMP_COUNT; c++)
        names[c] = cim_component_name((CimComponent)c);
    fprintf(out, "<section id=\"energy-breakdown\"><h2>Energy per %s by component (digital chip)</h2>\n", unit);
    cim_html_component_chart(out, "energy-chart", names, energy_pj, CIM_COMP_COUNT, 0);
    fprintf(out, "<p class=\"note\">");
    cim_html_escape(energy_note, out);
    fprintf(out, "</p></section>\n<section id=\"area-breakdown\"><h2>Area by component (digital chip)</h2>\n");
    cim_html_component_chart(out, "area-chart", names, area->um2, CIM_COMP_COUNT, 1);
    fprintf(out, "<p class=\"note\">Total %.3f mm2.</p></section>\n", area->total_um2 * 1e-6);
}

void cim_html_run_breakdowns(const CimRunReport *r, FILE *out)
{
    CimReportTotals t;
    cim_report_totals(r, &t);
    double e[CIM_COMP_COUNT];
    for (int c = 0; c < CIM_COMP_COUNT; c++)
        e[c] = per_image(r, t.energy.pj[c]);
    char note[200];
    snprintf(note, sizeof note, "Total %.4f uJ per image over %llu images; one-off weight programming and pruning are "
                                "not included.", per_image(r, t.energy.total_pj) * 1e-6, (unsigned long long)r->images);
    cim_html_breakdowns(out, "image", e, note, &r->area);
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
        fprintf(out, " (%s)</text>", cim_layer_where_name(l->where));
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
        int chip = l->where == CIM_WHERE_CHIP;
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

void cim_html_run_layers(const CimRunReport *r, FILE *out)
{
    fprintf(out, "<section id=\"layers\"><h2>Operations per layer and what pruning removed</h2>\n");
    layer_chart(r, out);
    layer_table(r, out);
    fprintf(out, "</section>\n");
}

/* ---- page ------------------------------------------------------------------------ */

void cim_html_head(const CimRunReport *r, const char *command, FILE *out)
{
    fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>dcim %s ", command);
    cim_html_escape(r->run_name, out);
    fprintf(out, "</title>\n<style>\n%s</style></head>\n<body>\n<header><h1>dcim %s <span id=\"run-name\">",
            css, command);
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
    cim_html_escape(cim_run_status_name(r->status), out);
    fprintf(out, "</p></header>\n<main>\n");
}

void cim_html_foot(FILE *out)
{
    fprintf(out, "</main>\n<footer>dcim: a self-contained report (no scripts, no external resources).</footer>\n"
                 "</body></html>\n");
}

/* One row per key of o; objects and arrays flattened to their JSON text. */
static void prov_rows(const json_t *o, FILE *out)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        if (!strcmp(k, "configuration") || !strcmp(k, "files"))
            continue;
        fputs("<tr><th>", out);
        cim_html_escape(k, out);
        fputs("</th><td><code>", out);
        if (json_is_string(v))
            cim_html_escape(json_string_value(v), out);
        else if (json_is_integer(v))
            fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        else if (json_is_real(v))
            fprintf(out, "%.17g", json_real_value(v));
        else if (json_is_boolean(v) || json_is_null(v))
            fputs(json_is_true(v) ? "true" : json_is_false(v) ? "false" : "null", out);
        else { /* an object or array: its JSON text */
            char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            cim_html_escape(t ? t : "(out of memory)", out);
            free(t);
        }
        fputs("</code></td></tr>\n", out);
    }
}

void cim_html_provenance(const struct json_t *provenance, const struct json_t *invocation, FILE *out)
{
    if (!provenance && !invocation)
        return;
    fputs("<section id=\"provenance\"><h2>Provenance</h2>\n<table>\n", out);
    if (provenance)
        prov_rows(provenance, out);
    json_t *files = json_object_get(provenance, "files"), *v, *f;
    const char *k;
    size_t i;
    json_object_foreach(files, k, v)
    {
        json_t *list = json_is_array(v) ? v : NULL;
        for (i = 0; list ? i < json_array_size(list) : i < 1; i++) {
            f = list ? json_array_get(list, i) : v;
            fputs("<tr><th>", out);
            cim_html_escape(k, out);
            fputs(" file</th><td><code>", out);
            cim_html_escape(json_string_value(json_object_get(f, "path")), out);
            fputs("</code><br>SHA-256 <code>", out);
            cim_html_escape(json_string_value(json_object_get(f, "sha256")), out);
            fputs("</code></td></tr>\n", out);
        }
    }
    fputs("</table>\n<h3>This invocation (differs between runs)</h3>\n<table>\n", out);
    if (invocation)
        prov_rows(invocation, out);
    fputs("</table>\n<h3>Resolved configuration (resolved.yaml runs it again)</h3>\n<table>\n", out);
    json_object_foreach(json_object_get(provenance, "configuration"), k, v)
    {
        fputs("<tr><th>", out);
        cim_html_escape(k, out);
        fputs("</th><td><code>", out);
        cim_html_escape(json_string_value(v), out);
        fputs("</code></td></tr>\n", out);
    }
    fputs("</table></section>\n", out);
}

void cim_html_render(const CimRunReport *r, FILE *out)
{
    cim_html_head(r, "run", out);
    cim_html_run_summary(r, out);
    cim_html_run_figures(r, out);
    cim_html_run_breakdowns(r, out);
    cim_html_run_layers(r, out);
    cim_html_run_mapping(r, out);
    cim_html_provenance(r->provenance, r->invocation, out);
    cim_html_foot(out);
}

typedef struct {
    CimHtmlRender render;
    const void *ctx;
} Page;

static int write_page(const void *p, FILE *f)
{
    const Page *pg = p;
    pg->render(pg->ctx, f);
    return 0;
}

CimStatus cim_html_write_page(const char *dir, CimHtmlRender render, const void *ctx, CimDiag *diag)
{
    Page p = {render, ctx};
    return cim_report_write_file(dir, "report.html", write_page, &p, diag);
}

static void render_run(const void *r, FILE *out) { cim_html_render(r, out); }

CimStatus cim_html_write(const CimRunReport *r, const char *dir, CimDiag *diag)
{
    return cim_html_write_page(dir, render_run, r, diag);
}
