/* Throughput, TOPS/W, TOPS/mm2 and device timing for the text, JSON and HTML reports;
 * conventions in figures.h and docs/architecture.md ("The architect's numbers"). */
#include "workloads/report/figures.h"
#include "workloads/report/html.h"

#include <string.h>

const char *cim_report_unit_name(int i)
{
    static const char *const names[CIM_RES_MACRO + 2] = {"IR", "PPU", "buffer", "DMA", "macros", "registers"};
    return i >= 0 && i <= CIM_RES_MACRO + 1 ? names[i] : "";
}

double cim_report_macro_busy(const CimRunReport *r, unsigned m)
{
    CimReportTotals t;
    cim_report_totals(r, &t);
    if (!t.chip.cycles || CIM_RES_MACRO + m >= CIM_RUN_MAX_RES)
        return 0;
    return (double)t.chip.busy[CIM_RES_MACRO + m] / (double)t.chip.cycles;
}

void cim_report_figures(const CimRunReport *r, CimReportFigures *out)
{
    CimReportTotals t;
    cim_report_totals(r, &t);
    memset(out, 0, sizeof *out);
    out->clock_mhz = r->clock_mhz;
    out->cycles_per_image = cim_report_per_image(r, (double)t.chip.cycles);
    out->latency_us = r->clock_mhz > 0 ? out->cycles_per_image / r->clock_mhz : 0;
    out->inferences_per_s = out->cycles_per_image > 0 ? r->clock_mhz * 1e6 / out->cycles_per_image : 0;
    out->ops_per_image = 2.0 * (double)t.chip_macs;
    out->tops = out->ops_per_image * out->inferences_per_s * 1e-12;
    out->energy_pj_per_image = cim_report_per_image(r, t.energy.total_pj);
    out->tops_per_w = out->energy_pj_per_image > 0 ? out->ops_per_image / out->energy_pj_per_image : 0;
    out->area_mm2 = r->area.total_um2 * 1e-6;
    out->tops_per_mm2 = out->area_mm2 > 0 ? out->tops / out->area_mm2 : 0;
    double cycles = (double)t.chip.cycles;
    out->issue_per_image = cim_report_per_image(r, (double)t.chip.instructions);
    for (int u = 0; u <= CIM_RES_MACRO; u++)
        out->stall_per_image[u] = cim_report_per_image(r, (double)t.chip.split.stall_unit[u]);
    out->stall_per_image[CIM_RES_MACRO + 1] = cim_report_per_image(r, (double)t.chip.split.stall_reg);
    out->drain_per_image = cim_report_per_image(r, (double)t.chip.split.drain);
    for (int u = 0; u < CIM_RES_MACRO && cycles > 0; u++)
        out->busy_share[u] = (double)t.chip.busy[u] / cycles;
    for (unsigned m = 0; m < r->macros && cycles > 0; m++)
        out->busy_share[CIM_RES_MACRO] += cim_report_macro_busy(r, m) / r->macros;
    if (!r->cfg)
        return;
    const CimTimingCfg *tm = &r->cfg->tech.timing;
    const CimReportTiming tab[CIM_REPORT_NTIMING] = {
        {"t_read_ns", "read", tm->t_read_ns, 0},
        {"t_set_ns", "set", tm->t_set_ns, 0},
        {"t_reset_ns", "reset", tm->t_reset_ns, 0},
        {"t_verify_ns", "verify", tm->t_verify_ns, 0},
        {"t_adder_tree_ns", "adder tree", tm->t_adder_tree_ns, 0},
        {"t_shift_add_ns", "shift-add", tm->t_shift_add_ns, 0},
    };
    for (int i = 0; i < CIM_REPORT_NTIMING; i++) {
        out->timing[i] = tab[i];
        out->timing[i].cycles = cim_cycles_of_ns(tab[i].ns, r->clock_mhz);
    }
}

void cim_report_print_figures(const CimRunReport *r, FILE *out)
{
    CimReportFigures f;
    cim_report_figures(r, &f);
    fprintf(out, "throughput      %.1f inferences/s at %.0f MHz (one image after another), %.4f TOPS\n",
            f.inferences_per_s, f.clock_mhz, f.tops);
    fprintf(out, "efficiency      %.4f TOPS/W, %.5f TOPS/mm2 (1 MAC = 2 ops; the chip's executed MACs, "
                 "%.0f ops per image)\n",
            f.tops_per_w, f.tops_per_mm2, f.ops_per_image);
    fprintf(out, "cycle split     per image: %.0f issue (%.1f %%), waiting for", f.issue_per_image,
            f.cycles_per_image > 0 ? 100.0 * f.issue_per_image / f.cycles_per_image : 0.0);
    for (int u = 0; u <= CIM_RES_MACRO + 1; u++)
        fprintf(out, "%s %s %.0f", u ? "," : "", cim_report_unit_name(u), f.stall_per_image[u]);
    fprintf(out, "; drain %.0f\n", f.drain_per_image);
    fprintf(out, "unit busy       share of the cycles:");
    for (int u = 0; u <= CIM_RES_MACRO; u++)
        fprintf(out, "%s %s %.1f %%", u ? "," : "", u == CIM_RES_MACRO ? "macros (mean)" : cim_report_unit_name(u),
                100.0 * f.busy_share[u]);
    fprintf(out, "\nmacro busy      ");
    for (unsigned m = 0; m < r->macros && CIM_RES_MACRO + m < CIM_RUN_MAX_RES; m++)
        fprintf(out, "%sm%u %.1f %%", m ? ", " : "", m, 100.0 * cim_report_macro_busy(r, m));
    fprintf(out, "\n");
    if (!r->cfg)
        return;
    fprintf(out, "device timing   cycles = ceil(ns x %.0f MHz / 1000):", f.clock_mhz);
    for (int i = 0; i < CIM_REPORT_NTIMING; i++)
        fprintf(out, "%s %s %.4g ns = %u", i ? "," : "", f.timing[i].label, f.timing[i].ns, f.timing[i].cycles);
    fprintf(out, " (device times are in ns: a faster clock gives more cycles, not less time)\n");
}

void cim_html_run_figures(const CimRunReport *r, FILE *out)
{
    CimReportFigures f;
    cim_report_figures(r, &f);
    fprintf(out, "<section id=\"figures\"><h2>Throughput and efficiency</h2>\n<table>\n");
    fprintf(out, "<tr><td>throughput</td><td id=\"fig-throughput\">%.1f inferences/s</td><td>at %.0f MHz, "
                 "one image after another (%.0f cycles per image)</td></tr>\n",
            f.inferences_per_s, f.clock_mhz, f.cycles_per_image);
    fprintf(out, "<tr><td>TOPS</td><td id=\"fig-tops\">%.4f</td><td>%.0f ops per image</td></tr>\n", f.tops,
            f.ops_per_image);
    fprintf(out, "<tr><td>TOPS/W</td><td id=\"fig-tops-w\">%.4f</td><td>ops per image / chip energy per image"
                 "</td></tr>\n",
            f.tops_per_w);
    fprintf(out, "<tr><td>TOPS/mm2</td><td id=\"fig-tops-mm2\">%.5f</td><td>TOPS / %.3f mm2</td></tr>\n",
            f.tops_per_mm2, f.area_mm2);
    fprintf(out, "<tr><td>cycle split</td><td id=\"fig-split\">%.0f issue</td><td>per image; waiting for",
            f.issue_per_image);
    for (int u = 0; u <= CIM_RES_MACRO + 1; u++)
        fprintf(out, "%s %s %.0f", u ? "," : "", cim_report_unit_name(u), f.stall_per_image[u]);
    fprintf(out, "; drain %.0f</td></tr>\n", f.drain_per_image);
    fprintf(out, "<tr><td>unit busy</td><td id=\"fig-busy\">macros %.1f %%</td><td>", 100.0 * f.busy_share[CIM_RES_MACRO]);
    for (int u = 0; u < CIM_RES_MACRO; u++)
        fprintf(out, "%s%s %.1f %%", u ? ", " : "", cim_report_unit_name(u), 100.0 * f.busy_share[u]);
    fprintf(out, "; per macro:");
    for (unsigned m = 0; m < r->macros && CIM_RES_MACRO + m < CIM_RUN_MAX_RES; m++)
        fprintf(out, " m%u %.1f %%", m, 100.0 * cim_report_macro_busy(r, m));
    fprintf(out, "</td></tr>\n");
    fprintf(out, "</table>\n<p class=\"note\">1 MAC = 2 ops, counting the MACs the chip executes (pruned filters "
                 "excluded, host layers excluded). The same for every fidelity.</p>\n");
    if (r->cfg) {
        fprintf(out, "<table id=\"fig-timing\"><tr><th>device time</th><th>ns</th><th>cycles at %.0f MHz</th></tr>\n",
                f.clock_mhz);
        for (int i = 0; i < CIM_REPORT_NTIMING; i++)
            fprintf(out, "<tr><td>%s</td><td>%.4g</td><td>%u</td></tr>\n", f.timing[i].name, f.timing[i].ns,
                    f.timing[i].cycles);
        fprintf(out, "</table>\n<p class=\"note\">Device times are in ns; cycles = ceil(ns &times; MHz / 1000), at "
                     "least 1. A faster clock gives more cycles per operation, not less time.</p>\n");
    }
    fprintf(out, "</section>\n");
}
