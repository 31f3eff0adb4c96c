/* A sweep's tables: headline numbers of a point, sweep.json / sweep.csv / report.html, the
 * Pareto front, and merging shards (sweep.h). */
#include "workloads/sweep/sweep.h"
#include "workloads/report/html.h"
#include "workloads/report/json.h"
#include "workloads/report/report.h"
#include "workloads/report/results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- headline numbers ------------------------------------------------------------- */
static void put(json_t *m, const char *name, json_t *v, double scale)
{
    if (json_is_number(v))
        json_object_set_new(m, name, json_real(json_number_value(v) * scale));
}

/* Every number under o, named PREFIX_KEY_SUBKEY...; "accuracy" as a percentage. */
static void flatten(json_t *m, const char *prefix, json_t *o)
{
    const char *k;
    json_t *v;
    char name[256];
    json_object_foreach(o, k, v)
    {
        int acc = !strcmp(k, "accuracy");
        snprintf(name, sizeof name, "%s%s%s%s", prefix, prefix[0] ? "_" : "", k, acc ? "_pct" : "");
        if (json_is_object(v))
            flatten(m, name, v);
        else
            put(m, name, v, acc ? 100.0 : 1.0);
    }
}

static json_t *run_metrics(json_t *s)
{
    json_t *m = json_object(), *ops = json_object_get(s, "operations_per_image"), *chip = json_object_get(s, "chip_per_image");
    json_t *fig = json_object_get(s, "figures");
    put(m, "accuracy_pct", json_object_get(s, "accuracy"), 100.0);
    put(m, "images", json_object_get(s, "images"), 1.0);
    put(m, "macs_executed_per_image", json_object_get(ops, "chip_macs"), 1.0);
    put(m, "macs_removed_per_image", json_object_get(ops, "chip_macs_removed"), 1.0);
    put(m, "all_macs_per_image", json_object_get(ops, "all_macs"), 1.0);
    put(m, "all_macs_removed_per_image", json_object_get(ops, "all_macs_removed"), 1.0);
    put(m, "cycles_per_image", json_object_get(chip, "cycles"), 1.0);
    put(m, "latency_us_per_image", json_object_get(s, "latency_us_per_image"), 1.0);
    const char *k;
    json_t *v;
    char name[128];
    json_object_foreach(json_object_get(chip, "energy_pj"), k, v)
    {
        snprintf(name, sizeof name, "energy_%s_pj_per_image", k);
        put(m, name, v, 1.0);
    }
    json_object_foreach(json_object_get(s, "area_um2"), k, v)
    {
        snprintf(name, sizeof name, "area_%s_um2", k);
        put(m, name, v, 1.0);
    }
    put(m, "inferences_per_s", json_object_get(fig, "inferences_per_s"), 1.0);
    put(m, "tops_per_w", json_object_get(fig, "tops_per_w"), 1.0);
    put(m, "tops_per_mm2", json_object_get(fig, "tops_per_mm2"), 1.0);
    return m;
}

static json_t *compare_metrics(json_t *c)
{
    json_t *m = json_object(), *v;
    const char *k;
    put(m, "images", json_object_get(json_object_get(c, "images"), "compared"), 1.0);
    json_object_foreach(json_object_get(c, "machines"), k, v) flatten(m, k, v);
    put(m, "exact_accuracy_pct", json_object_get(c, "exact_accuracy"), 100.0);
    char name[128];
    json_object_foreach(json_object_get(c, "reductions"), k, v)
    {
        snprintf(name, sizeof name, "%s_change_frac", k);
        put(m, name, json_object_get(v, "ours"), 1.0);
    }
    return m;
}

json_t *cim_sweep_metrics(CimSweepCommand c, const char *dir)
{
    char p[CIM_PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/%s", dir, c == CIM_SWEEP_RUN ? "stats.json" : "compare.json");
    json_t *s = json_load_file(p, 0, NULL);
    if (!s)
        return NULL;
    json_t *m = c == CIM_SWEEP_RUN ? run_metrics(s) : compare_metrics(s);
    json_decref(s);
    return m;
}

/* ---- Pareto front --------------------------------------------------------------------- */
void cim_sweep_pareto(const double *x, const double *y, size_t n, unsigned char *front)
{
    for (size_t i = 0; i < n; i++) {
        front[i] = !isnan(x[i]) && !isnan(y[i]);
        for (size_t j = 0; j < n && front[i]; j++)
            if (j != i && !isnan(x[j]) && !isnan(y[j]) && x[j] <= x[i] && y[j] <= y[i] && (x[j] < x[i] || y[j] < y[i]))
                front[i] = 0;
    }
}

/* ---- tables ----------------------------------------------------------------------- */
typedef struct {
    json_t *h, *rows;
    const char **cols; /* metric columns, first-seen order over the rows */
    size_t ncols;
} Tables;

static int cmp_index(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "index"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "index"));
    return (x > y) - (x < y);
}

static double metric(json_t *row, const char *name)
{
    json_t *v = json_object_get(json_object_get(row, "metrics"), name);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
    fputc('"', f);
}

static int write_csv(const void *ctx, FILE *f)
{
    const Tables *t = ctx;
    json_t *keys = json_object_get(t->h, "keys"), *row, *k;
    size_t i, j;
    fputs("index", f);
    json_array_foreach(keys, j, k)
    {
        fputc(',', f);
        csv_field(f, json_string_value(k));
    }
    fputs(",status,exit_status", f);
    for (j = 0; j < t->ncols; j++)
        fprintf(f, ",%s", t->cols[j]);
    fputs(",error\n", f);
    json_array_foreach(t->rows, i, row)
    {
        fprintf(f, "%lld", (long long)json_integer_value(json_object_get(row, "index")));
        json_array_foreach(keys, j, k)
        {
            const char *v = json_string_value(json_object_get(json_object_get(row, "values"), json_string_value(k)));
            fputc(',', f);
            csv_field(f, v ? v : "");
        }
        fprintf(f, ",%s,%lld", json_string_value(json_object_get(row, "status")),
                (long long)json_integer_value(json_object_get(row, "exit_status")));
        for (j = 0; j < t->ncols; j++) {
            double v = metric(row, t->cols[j]);
            if (isnan(v))
                fputc(',', f);
            else
                fprintf(f, ",%.10g", v);
        }
        fputc(',', f);
        csv_field(f, json_string_value(json_object_get(row, "error")) ? json_string_value(json_object_get(row, "error")) : "");
        fputc('\n', f);
    }
    return 0;
}

/* A value as a number when it reads as one, else NAN. */
static double num(const char *s)
{
    char *end;
    double v = s ? strtod(s, &end) : NAN;
    return s && *s && !*end && isfinite(v) ? v : NAN;
}

static int json_rows(const void *ctx, FILE *f)
{
    const Tables *t = ctx;
    json_t *o = json_deep_copy(t->h), *rows = json_array(), *row;
    size_t i, ok = 0;
    json_array_foreach(t->rows, i, row)
    {
        json_t *r = json_deep_copy(row), *vals = json_object(), *v;
        const char *k;
        json_object_foreach(json_object_get(row, "values"), k, v)
        {
            double n = num(json_string_value(v));
            json_object_set_new(vals, k, isnan(n) ? json_copy(v) : json_real(n));
        }
        json_object_set(r, "values_text", json_object_get(row, "values"));
        json_object_set_new(r, "values", vals);
        ok += !strcmp(json_string_value(json_object_get(row, "status")), "ok");
        json_array_append_new(rows, r);
    }
    json_t *units = json_array();
    for (size_t j = 0; j < t->ncols; j++)
        json_array_append_new(units, json_string(t->cols[j]));
    json_object_set_new(o, "complete_points", json_integer((json_int_t)json_array_size(t->rows)));
    json_object_set_new(o, "ok_points", json_integer((json_int_t)ok));
    json_object_set_new(o, "metric_columns", units);
    json_object_set_new(o, "rows", rows);
    int rc = json_dumpf(o, f, CIM_JSON_FLAGS) || fputc('\n', f) == EOF;
    json_decref(o);
    return rc;
}

/* ---- the HTML page ---------------------------------------------------------------- */
#define PW 640
#define PH 360
#define PL 90 /* left margin */
#define PB 50 /* bottom margin */

static double sx(double v, double lo, double hi) { return PL + (hi > lo ? (v - lo) / (hi - lo) : 0.5) * (PW - PL - 20); }
static double sy(double v, double lo, double hi) { return PH - PB - (hi > lo ? (v - lo) / (hi - lo) : 0.5) * (PH - PB - 20); }

static void axes(FILE *out, const char *xl, const char *yl, double x0, double x1, double y0, double y1, int xcat)
{
    fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", PL, PH - PB, PW - 10, PH - PB);
    fprintf(out, "<line x1=\"%d\" y1=\"10\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", PL, PL, PH - PB);
    if (!xcat)
        fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%.4g</text><text x=\"%d\" y=\"%d\" font-size=\"11\" "
                     "text-anchor=\"end\">%.4g</text>",
                PL, PH - PB + 14, x0, PW - 20, PH - PB + 14, x1);
    fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%.4g</text>", PL - 4, PH - PB, y0);
    fprintf(out, "<text x=\"%d\" y=\"24\" font-size=\"11\" text-anchor=\"end\">%.4g</text>", PL - 4, y1);
    fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">", (PL + PW) / 2, PH - 10);
    cim_html_escape(xl, out);
    fprintf(out, "</text><text x=\"14\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 %d)\">",
            (PH - PB) / 2, (PH - PB) / 2);
    cim_html_escape(yl, out);
    fputs("</text>", out);
}

static void range(const double *v, size_t n, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i])) {
            *lo = fmin(*lo, v[i]);
            *hi = fmax(*hi, v[i]);
        }
}

/* The metric against one swept key: numbers on a linear axis, other values as categories
 * in first-seen order. */
static void key_plot(FILE *out, const Tables *t, const char *key, const char *mname, size_t id)
{
    size_t n = json_array_size(t->rows), ncat = 0;
    double *x = calloc(n + 1, sizeof *x), *y = calloc(n + 1, sizeof *y);
    const char **cat = calloc(n + 1, sizeof *cat);
    if (!x || !y || !cat) {
        free(x);
        free(y);
        free(cat);
        return;
    }
    int numeric = 1;
    for (size_t i = 0; i < n; i++) {
        json_t *row = json_array_get(t->rows, i);
        const char *v = json_string_value(json_object_get(json_object_get(row, "values"), key));
        numeric &= !v || !isnan(num(v));
    }
    for (size_t i = 0; i < n; i++) {
        json_t *row = json_array_get(t->rows, i);
        const char *v = json_string_value(json_object_get(json_object_get(row, "values"), key));
        y[i] = metric(row, mname);
        if (!v)
            x[i] = NAN;
        else if (numeric)
            x[i] = num(v);
        else {
            size_t c = 0;
            while (c < ncat && strcmp(cat[c], v))
                c++;
            if (c == ncat)
                cat[ncat++] = v;
            x[i] = (double)c;
        }
    }
    double x0, x1, y0, y1;
    range(x, n, &x0, &x1);
    range(y, n, &y0, &y1);
    fprintf(out, "<section id=\"metric-vs-%zu\"><h2>", id);
    cim_html_escape(mname, out);
    fputs(" vs ", out);
    cim_html_escape(key, out);
    fprintf(out, "</h2><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">", PW, PH);
    if (isfinite(y0) && isfinite(x0)) {
        if (!numeric) {
            x0 = -0.5;
            x1 = (double)ncat - 0.5;
        }
        axes(out, key, mname, x0, x1, y0, y1, !numeric);
        for (size_t c = 0; c < ncat; c++) {
            fprintf(out, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">", sx((double)c, x0, x1),
                    PH - PB + 14);
            cim_html_escape(cat[c], out);
            fputs("</text>", out);
        }
        for (size_t i = 0; i < n; i++)
            if (!isnan(x[i]) && !isnan(y[i]))
                fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#1f77b4\" fill-opacity=\"0.6\"/>",
                        sx(x[i], x0, x1), sy(y[i], y0, y1));
    } else
        fprintf(out, "<text x=\"20\" y=\"40\">no point has this metric</text>");
    fputs("</svg></section>\n", out);
    free(x);
    free(y);
    free(cat);
}

static void pareto_plot(FILE *out, const Tables *t)
{
    const char *xn = json_string_value(json_object_get(t->h, "pareto_x"));
    const char *yn = json_string_value(json_object_get(t->h, "pareto_y"));
    size_t n = json_array_size(t->rows);
    double *x = calloc(n + 1, sizeof *x), *y = calloc(n + 1, sizeof *y);
    unsigned char *front = calloc(n + 1, 1);
    size_t *ord = calloc(n + 1, sizeof *ord);
    if (!x || !y || !front || !ord) {
        free(x);
        free(y);
        free(front);
        free(ord);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        x[i] = metric(json_array_get(t->rows, i), xn);
        y[i] = metric(json_array_get(t->rows, i), yn);
    }
    cim_sweep_pareto(x, y, n, front);
    double x0, x1, y0, y1;
    range(x, n, &x0, &x1);
    range(y, n, &y0, &y1);
    size_t nf = 0;
    for (size_t i = 0; i < n; i++)
        if (front[i])
            ord[nf++] = i;
    /* the front by rising x (then falling y): a staircase */
    for (size_t a = 1; a < nf; a++)
        for (size_t b = a; b > 0 && (x[ord[b]] < x[ord[b - 1]]); b--) {
            size_t tmp = ord[b];
            ord[b] = ord[b - 1];
            ord[b - 1] = tmp;
        }
    fputs("<section id=\"pareto\"><h2>Pareto front: ", out);
    cim_html_escape(yn, out);
    fputs(" vs ", out);
    cim_html_escape(xn, out);
    fprintf(out, " (both minimised; %zu of %zu points on the front, in red)</h2>", nf, n);
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">", PW, PH);
    if (nf) {
        axes(out, xn, yn, x0, x1, y0, y1, 0);
        for (size_t i = 0; i < n; i++)
            if (!front[i] && !isnan(x[i]) && !isnan(y[i]))
                fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#999\" fill-opacity=\"0.6\"/>", sx(x[i], x0, x1),
                        sy(y[i], y0, y1));
        fputs("<polyline fill=\"none\" stroke=\"#d62728\" points=\"", out);
        for (size_t a = 0; a < nf; a++)
            fprintf(out, "%s%.1f,%.1f", a ? " " : "", sx(x[ord[a]], x0, x1), sy(y[ord[a]], y0, y1));
        fputs("\"/>", out);
        for (size_t a = 0; a < nf; a++)
            fprintf(out, "<circle class=\"front\" cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"#d62728\"><title>point %lld</title></circle>",
                    sx(x[ord[a]], x0, x1), sy(y[ord[a]], y0, y1),
                    (long long)json_integer_value(json_object_get(json_array_get(t->rows, ord[a]), "index")));
    } else
        fputs("<text x=\"20\" y=\"40\">no point has both metrics</text>", out);
    fputs("</svg>\n<table><tr><th>point</th>", out);
    json_t *keys = json_object_get(t->h, "keys"), *k;
    size_t j;
    json_array_foreach(keys, j, k)
    {
        fputs("<th>", out);
        cim_html_escape(json_string_value(k), out);
        fputs("</th>", out);
    }
    fputs("<th>", out);
    cim_html_escape(xn, out);
    fputs("</th><th>", out);
    cim_html_escape(yn, out);
    fputs("</th></tr>\n", out);
    for (size_t a = 0; a < nf; a++) {
        json_t *row = json_array_get(t->rows, ord[a]);
        fprintf(out, "<tr><td>%lld</td>", (long long)json_integer_value(json_object_get(row, "index")));
        json_array_foreach(keys, j, k)
        {
            const char *v = json_string_value(json_object_get(json_object_get(row, "values"), json_string_value(k)));
            fputs("<td>", out);
            cim_html_escape(v ? v : "", out);
            fputs("</td>", out);
        }
        fprintf(out, "<td>%.6g</td><td>%.6g</td></tr>\n", x[ord[a]], y[ord[a]]);
    }
    fputs("</table></section>\n", out);
    free(x);
    free(y);
    free(front);
    free(ord);
}

static void render(const void *ctx, FILE *out)
{
    const Tables *t = ctx;
    size_t n = json_array_size(t->rows), bad = 0, i;
    json_t *row;
    json_array_foreach(t->rows, i, row) bad += strcmp(json_string_value(json_object_get(row, "status")), "ok") != 0;
    const char *mname = json_string_value(json_object_get(t->h, "metric"));
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>dcim sweep</title>\n<style>\n"
          "body{font-family:sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;font-size:13px}"
          "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#eee}"
          "section{margin:1.5em 0}code{background:#f4f4f4}\n</style></head>\n<body>\n<h1>dcim sweep</h1>\n"
          "<section id=\"summary\"><table>",
          out);
    const char *hk[] = {"command", "run", "sweep_sha256", "metric"};
    for (size_t k = 0; k < 4; k++) {
        fprintf(out, "<tr><th>%s</th><td><code>", hk[k]);
        cim_html_escape(json_string_value(json_object_get(t->h, hk[k])), out);
        fputs("</code></td></tr>", out);
    }
    fprintf(out, "<tr><th>points</th><td>%lld in the sweep, %zu here, %zu not ok</td></tr>",
            (long long)json_integer_value(json_object_get(t->h, "points")), n, bad);
    json_t *shard = json_object_get(t->h, "shard");
    if (shard)
        fprintf(out, "<tr><th>shard</th><td>%lld of %lld</td></tr>", (long long)json_integer_value(json_object_get(shard, "index")),
                (long long)json_integer_value(json_object_get(shard, "count")));
    const char *pk;
    json_t *pv;
    json_t *prov = json_object_get(t->h, "provenance"), *inv = json_object_get(t->h, "invocation");
    json_t *both = json_object();
    json_object_update(both, prov);
    json_object_update(both, inv);
    json_object_foreach(both, pk, pv)
    {
        fputs("<tr><th>", out);
        cim_html_escape(pk, out);
        fputs("</th><td><code>", out);
        char *s = json_is_string(pv) ? NULL : json_dumps(pv, JSON_ENCODE_ANY | JSON_COMPACT);
        cim_html_escape(s ? s : json_string_value(pv), out);
        free(s);
        fputs("</code></td></tr>", out);
    }
    json_decref(both);
    fputs("</table></section>\n", out);
    pareto_plot(out, t);
    json_t *k;
    json_array_foreach(json_object_get(t->h, "keys"), i, k) key_plot(out, t, json_string_value(k), mname, i);
    if (bad) {
        fputs("<section id=\"failed\"><h2>Points not ok</h2><table><tr><th>point</th><th>status</th><th>error</th></tr>\n",
              out);
        json_array_foreach(t->rows, i, row)
        {
            const char *s = json_string_value(json_object_get(row, "status"));
            if (!strcmp(s, "ok"))
                continue;
            fprintf(out, "<tr><td>%lld</td><td>", (long long)json_integer_value(json_object_get(row, "index")));
            cim_html_escape(s, out);
            fputs("</td><td style=\"text-align:left\">", out);
            cim_html_escape(json_string_value(json_object_get(row, "error")), out);
            fputs("</td></tr>\n", out);
        }
        fputs("</table></section>\n", out);
    }
    fputs("</body></html>\n", out);
}

static int write_html(const void *ctx, FILE *f)
{
    render(ctx, f);
    return 0;
}

CimStatus cim_sweep_write_tables(json_t *header, json_t *rows, const char *dir, CimDiag *diag)
{
    Tables t = {.h = header, .rows = json_array()};
    size_t n = json_array_size(rows), i;
    json_t **sorted = calloc(n + 1, sizeof *sorted), *row;
    t.cols = calloc(1024, sizeof *t.cols);
    if (!t.rows || !sorted || !t.cols) {
        json_decref(t.rows);
        free(sorted);
        free(t.cols);
        return CIM_ERR_NOMEM;
    }
    json_array_foreach(rows, i, row) sorted[i] = row;
    qsort(sorted, n, sizeof *sorted, cmp_index);
    for (i = 0; i < n; i++) {
        json_array_append(t.rows, sorted[i]);
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(sorted[i], "metrics"), k, v)
        {
            size_t j = 0;
            while (j < t.ncols && strcmp(t.cols[j], k))
                j++;
            if (j == t.ncols && t.ncols < 1024)
                t.cols[t.ncols++] = k;
        }
    }
    CimResults rs;
    CimStatus st = cim_results_begin(&rs, dir, diag);
    if (st == CIM_OK) {
        const char *stage = cim_results_staging(&rs);
        st = cim_report_write_file(stage, "sweep.json", json_rows, &t, diag);
        if (st == CIM_OK)
            st = cim_report_write_file(stage, "sweep.csv", write_csv, &t, diag);
        if (st == CIM_OK)
            st = cim_report_write_file(stage, "report.html", write_html, &t, diag);
        if (st == CIM_OK)
            st = cim_results_commit(&rs, diag);
    }
    cim_results_discard(&rs);
    json_decref(t.rows);
    free(sorted);
    free(t.cols);
    return st;
}

/* ---- merging shards -------------------------------------------------------------------- */
CimStatus cim_sweep_merge(const char *out, const char *const *dirs, size_t n, size_t *failed, CimDiag *diag)
{
    json_t *header = NULL, *rows = json_array();
    unsigned char *seen = NULL;
    size_t npoints = 0;
    CimStatus st = rows ? CIM_OK : CIM_ERR_NOMEM;
    *failed = 0;
    for (size_t s = 0; s < n && st == CIM_OK; s++) {
        char p[CIM_PATH_MAX + 64];
        json_error_t e;
        snprintf(p, sizeof p, "%s/sweep.json", dirs[s]);
        json_t *j = json_load_file(p, 0, &e);
        const char *sha = json_string_value(json_object_get(j, "sweep_sha256"));
        if (!j || !sha) {
            cim_diag_add(diag, CIM_SEV_ERROR, p, 0, 0, "not a sweep's results: %s", j ? "no sweep_sha256" : e.text);
            st = CIM_ERR_CONFIG;
        } else if (!header) {
            header = json_deep_copy(j);
            npoints = (size_t)json_integer_value(json_object_get(j, "points"));
            seen = calloc(npoints + 1, 1);
            const char *drop[] = {"rows", "shard", "complete_points", "ok_points", "metric_columns"};
            for (size_t k = 0; k < 5; k++)
                json_object_del(header, drop[k]);
            if (!header || !seen)
                st = CIM_ERR_NOMEM;
        } else if (strcmp(sha, json_string_value(json_object_get(header, "sweep_sha256"))) != 0) {
            cim_diag_add(diag, CIM_SEV_ERROR, p, 0, 0,
                         "a shard of another sweep: definition SHA-256 %.12s..., the first shard's (%s) is %.12s...", sha,
                         dirs[0], json_string_value(json_object_get(header, "sweep_sha256")));
            st = CIM_ERR_CONFIG;
        }
        size_t i;
        json_t *row;
        json_array_foreach(json_object_get(j, "rows"), i, row)
        {
            if (st != CIM_OK)
                break;
            json_int_t idx = json_integer_value(json_object_get(row, "index"));
            if (idx < 0 || (size_t)idx >= npoints) {
                cim_diag_add(diag, CIM_SEV_ERROR, p, 0, 0, "point %lld is outside the sweep's %zu points", (long long)idx, npoints);
                st = CIM_ERR_CONFIG;
            } else if (seen[idx]) {
                cim_diag_add(diag, CIM_SEV_ERROR, p, 0, 0, "point %lld is in two shards", (long long)idx);
                st = CIM_ERR_CONFIG;
            } else {
                seen[idx] = 1;
                /* the values as the text they were given as, as point.json holds them */
                json_t *r = json_deep_copy(row);
                json_object_set(r, "values", json_object_get(row, "values_text"));
                json_object_del(r, "values_text");
                json_array_append_new(rows, r);
            }
        }
        json_decref(j);
    }
    for (size_t i = 0; st == CIM_OK && i < npoints; i++)
        if (!seen[i])
            json_array_append_new(rows, json_pack("{s:I, s:{}, s:s, s:i, s:s, s:o}", "index", (json_int_t)i, "values",
                                                  "status", "missing", "exit_status", -1, "error",
                                                  "no shard holds this point", "metrics", json_object()));
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) *failed += strcmp(json_string_value(json_object_get(row, "status")), "ok") != 0;
    if (st == CIM_OK && !header) {
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0, "no shard folders given");
        st = CIM_ERR_CONFIG;
    }
    if (st == CIM_OK) {
        json_object_set_new(header, "invocation", cim_sweep_invocation());
        st = cim_sweep_write_tables(header, rows, out, diag);
    }
    json_decref(header);
    json_decref(rows);
    free(seen);
    return st;
}
