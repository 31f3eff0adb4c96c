/* The HTML report of a run or a comparison: one self-contained page (inline CSS and inline
 * SVG charts; no scripts, no external resources), written atomically as DIR/report.html. */
#ifndef CIM_HTML_H
#define CIM_HTML_H

#include "workloads/run/compare.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The page for a run report r. cmp (may be NULL: a plain run; else r is &cmp->job.report)
 * adds the comparison with the baselines and the reductions beside the paper's; sw (may be
 * NULL) the sweep table. Sections carry stable ids: summary, comparison, reductions, sweep,
 * energy-breakdown, area-breakdown, layers, assumptions. Every string that comes from a
 * config, a network or a file name is HTML-escaped. */
void cim_html_render(const CimRunReport *r, const CimCompare *cmp, const CimSweepResult *sw, FILE *out);
/* Renders into DIR/report.html.tmp and renames it to DIR/report.html (an existing report
 * is replaced only by a complete one); DIR is created if missing. CIM_ERR_IO in diag. */
CimStatus cim_html_write(const CimRunReport *r, const CimCompare *cmp, const CimSweepResult *sw, const char *dir,
                         CimDiag *diag);
/* s with & < > " ' escaped as entities. */
void cim_html_escape(const char *s, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
