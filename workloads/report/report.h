/* What a run measured, and how it is shown: the text summary, stats.json, layers.csv and
 * the JSON printed by --json. Writers are atomic (NAME.tmp, then rename). */
#ifndef CIM_REPORT_H
#define CIM_REPORT_H

#include "workloads/prune/prune_chip.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How a run, a training or a comparison ended: all the work done, or stopped early (Ctrl-C,
 * a trap) with what was measured so far. */
typedef enum { CIM_RUN_COMPLETE, CIM_RUN_ABORTED } CimRunStatus;
/* "complete" or "aborted", as the reports write it. */
const char *cim_run_status_name(CimRunStatus s);

typedef struct {
    char name[64];
    CimLayerWhere where;           /* CIM_WHERE_CHIP or CIM_WHERE_HOST */
    unsigned filters, live;        /* conv: output filters and live ones; host: outputs */
    const uint8_t *pruned;         /* conv: per original filter, 1 = pruned (the network's flags;
                                    * the JSON lists their indices); NULL: none or a host layer */
    uint64_t macs, macs_removed;   /* per image: logical MACs executed / removed by pruning */
    unsigned regions, macros_used;
    uint64_t cells_used;
    CimLayerMap map;               /* chip layers: where it sits (cim_compile_layer_map) */
    CimLayerTally cost;            /* all images run */
} CimReportLayer;

typedef struct {
    /* what ran */
    char run_name[64], chip[64], tech[64], network[64], weights[600], fidelity[16], pruned_mode[16];
    CimRunStatus status;
    char reason[200];              /* why the run was aborted */
    uint64_t seed;
    uint64_t images, correct;
    /* per layer, chip layers first in network order, then host layers */
    CimReportLayer *layers;
    size_t nlayers;
    /* one-off costs */
    CimLayerTally programming;
    CimPruneReport prune;
    int pruned_on_chip;
    double warn_share;             /* run.prune.warn_share: a layer this pruned is warned about */
    /* chip */
    double clock_mhz;
    unsigned macros, rows, cols;
    uint64_t cells_used;
    int reload;                    /* layers take turns on the arrays (chip.mapping.reload allow) */
    CimAreaBreakdown area;
    CimEnergyTable etable;
    const CimChipCfg *cfg;
    /* fidelity cycle: busy share of each macro over the run (SystemC model) */
#define CIM_REPORT_MAX_MACROS 64
    double macro_util[CIM_REPORT_MAX_MACROS];
    unsigned nutil;
    /* predictions, images entries (NULL if not kept) */
    uint8_t *pred, *label;
    /* provenance and invocation blocks (workloads/run/provenance.h), borrowed; NULL: none */
    struct json_t *provenance, *invocation;
} CimRunReport;

/* The mapping: per chip layer its regions (row x column tiles), rows of a gated read,
 * macros, rounds, cells and share of the chip's cells; the policy and whether layers
 * reload. Part of cim_report_print; `dcim check RUN.yaml` prints it alone. */
void cim_report_print_mapping(const CimRunReport *r, FILE *out);
/* The network as compiled: per layer its type, where it runs (chip: a chip layer or folded
 * into one; host), input and output shapes, dense MACs per image and pruned filters, then
 * the MACs on the chip and on the host. dcim check prints it for a run file. */
void cim_report_print_network(const CimNet *net, const CimCompiled *cc, FILE *out);

/* Inferences (or epochs) until a cell written `per_inference` times per inference reaches
 * `endurance` cycles: endurance / per_inference; INFINITY when nothing is written
 * (per_inference 0). Example: 1e6 cycles, 8 pulses -> 125 000. docs/energy.md, "Write wear". */
double cim_wear_lifetime(double endurance, double per_inference);

/* Energy of a tally with the report's chip, by component. */
void cim_report_energy(const CimRunReport *r, const CimLayerTally *t, CimEnergyBreakdown *out);

/* The run's totals, one helper for every writer. MACs are per image; chip and energy
 * cover all images run (chip layers only: host layers have no chip cost). */
typedef struct {
    uint64_t chip_macs, chip_macs_removed;  /* layers on the chip */
    uint64_t all_macs, all_macs_removed;    /* every layer with weights */
    CimLayerTally chip;
    CimEnergyBreakdown energy;
} CimReportTotals;
void cim_report_totals(const CimRunReport *r, CimReportTotals *out);
/* v / images (0 before any image). */
double cim_report_per_image(const CimRunReport *r, double v);

/* Numbers as the text and HTML reports show them, 4 significant digits with a scaled unit:
 * 682000 pJ -> "682.0 nJ"; 827490 ns -> "827.5 us". buf holds at least 32 bytes. */
const char *cim_fmt_energy(double pj, char *buf, size_t n);
const char *cim_fmt_time(double ns, char *buf, size_t n);
/* A signed percentage with two decimals: -0.72301 -> "-72.30 %". */
const char *cim_fmt_pct(double frac, char *buf, size_t n);

/* Pruning that speaks: one sentence per chip layer whose pruned share is at least
 * r->warn_share (saying what each pruned-filter semantics makes of it), and per layer where
 * run.prune.keep_min_filters kept filters the rule pruned. Writes at most max sentences
 * into out and returns how many there are; the text, JSON and HTML reports show them. */
#define CIM_REPORT_WARNING_LEN 400
size_t cim_report_warnings(const CimRunReport *r, char (*out)[CIM_REPORT_WARNING_LEN], size_t max);

/* The summary a user reads: accuracy, operations and what pruning removed, cycles and
 * latency per image, energy and area with breakdowns by component and by layer. */
void cim_report_print(const CimRunReport *r, FILE *out);
/* mkdir -p: creates dir and its missing parents; 0, or -1 with errno set. */
int cim_report_make_dirs(const char *dir);
/* The one way results reach the disk: DIR/NAME is written by write(ctx, f) (returning 0
 * on success) into DIR/NAME.tmp, which then replaces DIR/NAME by rename, so an existing
 * file is only ever replaced by a complete one; DIR is created if missing. CIM_ERR_IO,
 * with the path and the reason in diag, if anything fails (the .tmp is removed). */
typedef int (*CimWriteFn)(const void *ctx, FILE *f);
CimStatus cim_report_write_file(const char *dir, const char *name, CimWriteFn write, const void *ctx, CimDiag *diag);
/* stats.json and layers.csv into dir (created if missing). Errors go to diag. */
CimStatus cim_report_write(const CimRunReport *r, const char *dir, CimDiag *diag);
/* layers.csv alone (one row per r->layers entry: its MACs and its cost per image from
 * r->cfg's energy table; point-cloud runs write their own stats.json). */
CimStatus cim_report_write_layers(const CimRunReport *r, const char *dir, CimDiag *diag);
/* The summary as one JSON object, with the predicted label of every image. */
CimStatus cim_report_print_json(const CimRunReport *r, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
