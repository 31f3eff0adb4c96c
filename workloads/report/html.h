/* The HTML report of a run: one self-contained page (inline CSS and inline SVG charts; no
 * scripts, no external resources), written atomically as DIR/report.html. Its building
 * blocks (head, run sections, charts) are public so that other pages (dcim compare) are
 * made of the same parts. Sections carry stable ids: summary, energy-breakdown,
 * area-breakdown, layers. Every string from a config, a network or a file name is
 * HTML-escaped. */
#ifndef CIM_HTML_H
#define CIM_HTML_H

#include "workloads/report/report.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Chart geometry, px: SVG width, label column, longest bar, row height. */
#define CIM_HTML_CHART_W 900
#define CIM_HTML_LABEL_W 170
#define CIM_HTML_BAR_W 520
#define CIM_HTML_ROW_H 28

/* s with & < > " ' escaped as entities. */
void cim_html_escape(const char *s, FILE *out);
/* The i-th colour of the report's palette (cycles). */
const char *cim_html_color(size_t i);
/* 100 * part / whole, 0 when whole is not positive. */
double cim_html_pct(double part, double whole);

/* One bar of a chart: label, value (length), the text shown after it, and a colour. */
typedef struct {
    const char *label;
    double value;
    char text[64];
    const char *color;
} CimHtmlBar;
/* Horizontal bars, linear scale from 0 to the largest value, as <svg id=ID>. */
void cim_html_bar_chart(FILE *out, const char *id, const CimHtmlBar *b, size_t n);
/* Component bars (energy in pJ, or area in um^2 when area is 1) with their share of the total. */
void cim_html_component_chart(FILE *out, const char *id, const char *const *names, const double *v, size_t n,
                              int area);

/* A summary card (<div class=card id=ID>): key, value (escaped) and a line under it (escaped). */
void cim_html_card(FILE *out, const char *id, const char *key, const char *value, const char *sub);

/* The sections energy-breakdown (energy per UNIT by component, pJ, and a note under it) and
 * area-breakdown (area by component). */
void cim_html_breakdowns(FILE *out, const char *unit, const double *energy_pj, const char *energy_note,
                         const CimAreaBreakdown *area);

/* The page's head (title "dcim COMMAND NAME", the header with the run's chip, network,
 * weights, fidelity, seed and status) and foot. */
void cim_html_head(const CimRunReport *r, const char *command, FILE *out);
void cim_html_foot(FILE *out);
/* The run's sections: summary cards, energy and area by component, operations per layer. */
void cim_html_run_summary(const CimRunReport *r, FILE *out);
void cim_html_run_breakdowns(const CimRunReport *r, FILE *out);
void cim_html_run_layers(const CimRunReport *r, FILE *out);

/* The mapping section (id mapping): per chip layer its regions, macros, rounds, cells. */
void cim_html_run_mapping(const CimRunReport *r, FILE *out);
/* The provenance section (id provenance): the provenance block (version, commit, files
 * with their SHA-256, seed, fidelity, the resolved configuration) and the invocation block
 * (command line, host, times) as tables (workloads/run/provenance.h). Either may be NULL. */
void cim_html_provenance(const struct json_t *provenance, const struct json_t *invocation, FILE *out);
/* The page of a run. */
void cim_html_render(const CimRunReport *r, FILE *out);
/* Writes a page: render(ctx, f) into DIR/report.html.tmp, renamed to DIR/report.html (an
 * existing report is replaced only by a complete one); DIR is created if missing.
 * CIM_ERR_IO in diag. */
typedef void (*CimHtmlRender)(const void *ctx, FILE *out);
CimStatus cim_html_write_page(const char *dir, CimHtmlRender render, const void *ctx, CimDiag *diag);
/* cim_html_write_page of the run's page. */
CimStatus cim_html_write(const CimRunReport *r, const char *dir, CimDiag *diag);

#ifdef __cplusplus
}
#endif
#endif
