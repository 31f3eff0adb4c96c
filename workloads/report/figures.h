/* The numbers an architect reads first, the same for every fidelity (they come from the
 * cycles, energy, area and executed MACs every fidelity reports identically): throughput
 * at the chip's clock, TOPS/W and TOPS/mm2 (1 MAC = 2 ops; the chip's executed MACs), and
 * the device times with the cycles each takes at the clock. */
#ifndef CIM_FIGURES_H
#define CIM_FIGURES_H

#include "workloads/report/report.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One device time of the technology file and the whole cycles it takes at the clock. */
typedef struct {
    const char *name; /* the tech key: "t_read_ns" */
    const char *label; /* as the text output names it: "read" */
    double ns;
    uint32_t cycles;  /* cim_cycles_of_ns: ceil(ns x MHz / 1000), at least 1 */
} CimReportTiming;

#define CIM_REPORT_NTIMING 6

typedef struct {
    double clock_mhz;
    double cycles_per_image;
    double latency_us;          /* per image: cycles / clock */
    double inferences_per_s;    /* images one after another: clock / cycles per image */
    double ops_per_image;       /* 2 x the chip's executed MACs per image (pruned ones excluded) */
    double tops;                /* ops per image x inferences per second / 1e12 */
    double energy_pj_per_image; /* chip layers, leakage included */
    double tops_per_w;          /* ops per image / energy per image: ops per pJ = TOPS/W */
    double area_mm2;
    double tops_per_mm2;
    CimReportTiming timing[CIM_REPORT_NTIMING];
    /* Where the cycles of an image go (CimCycleSplit, per image): one issue cycle per
     * instruction, waits by what held the issue (IR, PPU, buffer port, DMA, a macro, a
     * register), and the drain after the last issue; they add up to cycles_per_image. */
    double issue_per_image, stall_per_image[CIM_RES_MACRO + 2], drain_per_image;
    /* Busy share of the chip-layer cycles: IR, PPU, buffer port, DMA, and the macros' mean
     * (each macro: cim_report_macro_busy). */
    double busy_share[CIM_RES_MACRO + 1];
} CimReportFigures;

/* "IR", "PPU", "buffer", "DMA", "macros", "registers": the names of busy_share and
 * stall_per_image entries (i <= CIM_RES_MACRO + 1). */
const char *cim_report_unit_name(int i);
/* Busy share of macro m over the chip-layer cycles. */
double cim_report_macro_busy(const CimRunReport *r, unsigned m);

/* The figures of a run; zeros (no division by zero) before any image. */
void cim_report_figures(const CimRunReport *r, CimReportFigures *out);
/* Their lines in the text summary ("throughput", "efficiency", "device timing"). */
void cim_report_print_figures(const CimRunReport *r, FILE *out);
/* Their section of report.html (id "figures"). */
void cim_html_run_figures(const CimRunReport *r, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
