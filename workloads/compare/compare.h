/* dcim compare: the digital chip beside the analogue RRAM CIM and GPU baselines on the same
 * network, weights and images, and the reductions in the form arXiv 2506.13151 (v1 abstract)
 * states them. Formulas and conventions: docs/energy.md, "Measured comparison". */
#ifndef CIM_COMPARE_H
#define CIM_COMPARE_H

#include "workloads/compare/baseline.h"
#include "workloads/run/corners.h"
#include "workloads/run/job.h"
#include "workloads/run/pointcloud.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Images compare runs by default when the run file asks for more (the accuracy part is a
 * forward pass per image on both chips; costs are averages over the same images). */
#define CIM_COMPARE_DEFAULT_IMAGES 1000u
/* Components of the largest side: the digital chip's or the analogue chip's breakdown, and
 * the host's share (the GPU has 3, a measured GPU 1). */
#define CIM_COMPARE_MAX_COMP (((int)CIM_COMP_COUNT > (int)CIM_AC_COUNT ? (int)CIM_COMP_COUNT : (int)CIM_AC_COUNT) + 1)

/* The paper's numbers (arXiv 2506.13151 v1 abstract, MNIST), as fractions. */
#define CIM_PAPER_AREA_VS_ANALOG (-0.7230)
#define CIM_PAPER_ENERGY_VS_ANALOG (-0.5726)
#define CIM_PAPER_ENERGY_VS_GPU (-0.7561)
#define CIM_PAPER_OPS_REMOVED (-0.2680)
#define CIM_PAPER_ACCURACY 0.9144
/* ModelNet10 (the same abstract; research/anchors.md A): energy vs the RTX 4090, operations
 * removed, accuracy. The paper states no area or energy against the analogue baseline for it. */
#define CIM_PAPER_PN_ENERGY_VS_GPU (-0.8653)
#define CIM_PAPER_PN_OPS_REMOVED (-0.5994)
#define CIM_PAPER_PN_ACCURACY 0.7775

/* The authors' figures "under a 22 nm node-normalised reference" (Dynamic-Kernel-Pruning
 * README; issue 18): TOPS/W at 8b/8b and 1b/1b, weight density, energy vs the RTX 4090. */
#define CIM_AUTHORS_22NM_TOPS_W_8B 14.97
#define CIM_AUTHORS_22NM_TOPS_W_1B 222.72
#define CIM_AUTHORS_22NM_MB_PER_MM2 4.37
#define CIM_AUTHORS_22NM_ENERGY_VS_GPU (-0.9927)
#define CIM_AUTHORS_22NM_PN_ENERGY_VS_GPU (-0.9607)

/* The paper's numbers for the compared network, as fractions; NAN where it states none. */
typedef struct {
    const char *source;
    double area_vs_analog, energy_vs_analog, energy_vs_gpu, ops_removed, accuracy;
} CimComparePaper;

/* The paper's numbers for an image network (MNIST) or a point-cloud one (ModelNet10). */
CimComparePaper cim_compare_paper(int pointcloud);

/* Write wear of the digital chip per inference and the lifetime it allows. */
typedef struct {
    double endurance_cycles;   /* tech.endurance.cycles_per_cell */
    double cells;              /* the chip's cells */
    double pulses_per_inference; /* SET + RESET pulses over all cells */
    double mean_per_cell;      /* pulses_per_inference / cells */
    int max_counted;           /* 1: the most-written cell counted cell by cell (point clouds);
                                * 0: only the mean is known (max_per_cell is the mean) */
    double max_per_cell;       /* pulses per inference of the most-written cell */
    double lifetime_inferences; /* cim_wear_lifetime(endurance_cycles, max_per_cell) */
} CimCompareWear;


typedef enum { CIM_SIDE_DIGITAL, CIM_SIDE_ANALOG, CIM_SIDE_GPU, CIM_SIDE_COUNT } CimCompareSideId;

typedef struct {
    const char *name;          /* component name (static storage) */
    double energy_pj;          /* per inference */
    double area_um2;           /* 0 for energy-only components */
} CimCompareComp;

/* One machine, per inference. */
typedef struct {
    char name[CIM_NAME_MAX];   /* the config's name */
    int has_area;              /* 0: area not modelled (GPU) */
    double area_um2, energy_pj, latency_ns;
    double inferences_per_s;   /* throughput: batch / batch latency */
    uint64_t images, correct;  /* accuracy over the compared images */
    CimCompareComp comp[CIM_COMPARE_MAX_COMP];
    size_t ncomp;
} CimCompareSide;

/* Derived figures of merit of a side under the op convention (1 MAC = 2 ops). */
typedef struct {
    double tops_per_w;         /* ops / energy: ops per pJ = TOPS/W */
    double tops;               /* ops x inferences_per_s / 1e12 */
    double tops_per_mm2;       /* tops / area; 0 without area */
} CimCompareMerit;

typedef struct {
    double area_vs_analog, energy_vs_analog, energy_vs_gpu; /* ours / theirs - 1, the same work */
    double energy_vs_gpu_floor; /* vs the GPU model's idealised floor (CimGpuResult.floor_*) */
    double conv_energy_vs_gpu_floor; /* the digital chip's convs vs that floor */
    double conv_energy_vs_analog, conv_energy_vs_gpu; /* the chips' conv layers only (host layers left
                                                        * out) vs the analogue convs and the GPU's
                                                        * whole network: the figures before issue 18 */
    double ops_removed;        /* -(conv MACs removed by pruning) / (all conv MACs) */
    double ops_removed_pruned_layers; /* the same over the layers pruning applies to (PointNet: pt_sa1) */
    double accuracy;           /* digital chip */
} CimCompareReductions;

typedef struct {
    /* work */
    uint64_t macs;             /* whole network, dense (conv + linear, pruned filters included) */
    double ops;                /* 2 x macs: the op convention, the same for all sides */
    uint64_t conv_macs, conv_macs_removed; /* chip layers: all, and removed by pruning */
    uint64_t pruned_layer_macs;  /* all MACs of the layers pruning applies to (0: every chip layer) */
    uint64_t images, images_asked; /* compared; the run file's (before compare's cap) */
    int images_capped;         /* 1: images was capped at CIM_COMPARE_DEFAULT_IMAGES */
    CimRunStatus status;           /* the digital run's */
    char reason[200];
    CimCompareSide side[CIM_SIDE_COUNT];
    uint64_t exact_correct;    /* the exact network (float reference) on the same images */
    int exact_done;            /* exact_correct is known (a sweep reuses it) */
    /* analogue read-out */
    CimAnalogCfg analog;
    unsigned lossless_bits;    /* cim_analog_lossless_bits(rows_active) */
    uint64_t adc_reads, adc_inexact, adc_clipped; /* over all compared images */
    int analog_activity_assumed; /* 1: no image ran, the stated activity was used */
    CimAnalogCost analog_cost;
    /* GPU */
    CimGpuCfg gpu;
    int gpu_measured;          /* 1: measured power samples, 0: the model */
    CimGpuResult gpu_model;
    CimGpuMeasured gpu_meas;
    double gpu_floor_pj;       /* the model's idealised floor per inference (also beside a measurement) */
    /* the host processor: the layers neither chip runs, the same work on both sides */
    CimHostCfg host;
    CimHostWork host_work;     /* per inference */
    CimHostCost host_cost;
    double chip_energy_pj[2], chip_latency_ns[2]; /* digital, analogue: their conv layers only */
    CimComparePaper paper;
    CimCompareWear wear;
    /* the digital run (report, configs); a point-cloud run fills job.report from pn */
    CimJob job;
    int pointcloud;            /* the run file names a point-cloud network */
    CimPnJob *pn;              /* its run (pointcloud) */
    CimAnalogActivity *pn_act; /* per conv of pn (layer x CIM_PN_MAX_MLP + s): the analogue activity */
} CimCompare;

typedef struct {
    const char *run_path;
    const char *analog_path, *gpu_path;   /* baseline files */
    const char *host_path;                /* host processor file */
    const char *const *overrides;         /* run.* chip.* tech.* analog.* gpu.* host.* KEY=VALUE */
    size_t noverrides;
    uint64_t images;                      /* 0: the run file's, capped at the default */
    int progress;                         /* progress bar on stderr */
    volatile sig_atomic_t *stop;          /* Ctrl-C: stop after the current image */
    CimResults *results;                  /* as CimJobOptions: begun before any image runs */
    const char *results_dir, *results_sub;
} CimCompareOptions;

/* ---- arithmetic (hand-checkable) ------------------------------------------------ */
/* ours / theirs - 1, the paper's "-72.30 %" form as a fraction; 0 when theirs is 0.
 * Example: 2.77 vs 10 -> -0.723. */
double cim_compare_reduction(double ours, double theirs);
/* Figures of merit of a side for ops per inference. Example: 9.0496e6 ops at 1e6 pJ ->
 * 9.0496 TOPS/W; at 1e6 inferences/s -> 9.0496 TOPS; on 4.5e6 um^2 -> 2.011 TOPS/mm^2. */
void cim_compare_merit(const CimCompareSide *s, double ops, CimCompareMerit *out);
void cim_compare_reductions(const CimCompare *c, CimCompareReductions *out);
/* Sides from the models' results (no I/O): the digital run's report, the analogue cost with
 * its accuracy, the GPU model or measurement. Used by cim_compare_run; tests call them on
 * toy inputs. */
void cim_compare_side_digital(const CimRunReport *r, CimCompareSide *out);
void cim_compare_side_analog(const CimAnalogCfg *a, const CimAnalogCost *cost, CimCompareSide *out);
void cim_compare_side_gpu_model(const CimGpuCfg *g, const CimGpuResult *res, CimCompareSide *out);
void cim_compare_side_gpu_measured(const CimGpuCfg *g, const CimGpuMeasured *m, CimCompareSide *out);
/* Adds the host's share to a chip's side: energy, latency (the host runs after the chip,
 * one inference at a time), a "host" component without area; throughput from the latency. */
void cim_compare_side_add_host(CimCompareSide *s, const CimHostCost *h);
/* Write wear of an image network's run: SET and RESET pulses of its chip layers per image
 * over the chip's cells (only the mean per cell is known: max_counted 0). */
void cim_compare_wear_image(const CimRunReport *r, const CimTechCfg *t, CimCompareWear *out);
/* The digital chip compared: the point-cloud job's chip, or the image job's. */
const CimChipCfg *cim_compare_chip_cfg(const CimCompare *c);
/* The run compared: the point-cloud job's, or the image job's. */
const CimRunCfg *cim_compare_run_cfg(const CimCompare *c);
/* Write wear of a point-cloud run from its cell-by-cell count (cim_pn_chip_wear). */
void cim_compare_wear_pn(const CimPnWear *w, const CimTechCfg *t, CimCompareWear *out);
/* The chips' own figures of merit, on their conv layers (host layers left out), as the
 * authors state them at 22 nm: ops = 2 x the chip layers' MACs (dense) per inference. */
typedef struct {
    int int8;                  /* 1: int8 convs (8b/8b, point clouds); 0: binary (1b/1b) */
    double tops_per_w[2];      /* digital, analogue: ops / conv energy (ops per pJ = TOPS/W) */
    double weight_mb_per_mm2[2]; /* cells (1 bit each) / 1e6 / chip area in mm^2 */
    double authors_tops_per_w, authors_mb_per_mm2, authors_energy_vs_gpu;
} CimCompareChipFigures;
/* Example: 1e6 conv MACs at 1e6 pJ -> 2 TOPS/W; 524288 cells on 4.923 mm^2 -> 0.1065 Mb/mm^2. */
void cim_compare_chip_figures(const CimCompare *c, CimCompareChipFigures *out);
/* The scope line every report states: what each side's energy covers. */
const char *cim_compare_scope(const CimCompare *c);

/* ---- the comparison ------------------------------------------------------------ */
/* Checks one KEY=VALUE override the way cim_compare_run would apply it (its prefix routes it
 * to the run, chip, analogue or GPU loader, which validates the value); errors to diag. */
CimStatus cim_compare_check_override(const CimCompareOptions *o, const char *kv, CimDiag *diag);
/* Runs the digital job, the analogue forward pass and costs on the same images, and the GPU
 * baseline; fills c (free with cim_compare_free, also after an error). CIM_OK also when the
 * digital run was aborted (status says so; the baselines ran on the images it completed).
 * Configuration errors (bad keys or values, unknown prefixes) are CIM_ERR_CONFIG in diag. */
CimStatus cim_compare_run(const CimCompareOptions *o, CimCompare *c, CimDiag *diag);
void cim_compare_free(CimCompare *c);

/* ---- sweeps -------------------------------------------------------------------- */
typedef struct {
    char key[128];
    char **values;             /* "KEY=VALUE" strings, one per value */
    size_t n;
    const CimCorner **corners; /* a corner axis (key "corner"): value i applies corners[i]'s
                                * overrides; NULL for a key axis */
} CimSweepAxis;

/* A corner axis over "all" or a comma-separated list of the corners' names. */
CimStatus cim_corners_axis(const CimCorners *cs, const char *list, CimSweepAxis *out, CimDiag *diag);

/* Parses "KEY=V1,V2,...": a key with a run./chip./tech./analog./gpu. prefix and at least one
 * non-empty value. Values are validated by cim_compare_check_override. */
CimStatus cim_sweep_parse(const char *arg, CimSweepAxis *out, CimDiag *diag);
void cim_sweep_free(CimSweepAxis *a);

/* One point of a sweep: the values applied (one per axis) and what it measured. */
typedef struct {
    const char *values[4];     /* into the axes' strings: the value part */
    CimCompareReductions red;
    double energy_pj[CIM_SIDE_COUNT], area_um2[CIM_SIDE_COUNT];
    double gpu_floor_pj;
    double analog_accuracy, exact_accuracy;
} CimSweepPoint;

typedef struct {
    const CimSweepAxis *axes;
    size_t naxes;
    CimSweepPoint *points;
    size_t n;                  /* points run */
} CimSweepResult;

/* Runs cim_compare_run once per point of the grid of the axes (one to four; axis 0 varies
 * slowest), each with o's overrides plus one value per axis. Every value is checked before
 * anything runs (CIM_ERR_CONFIG in diag for a bad key or value, a key swept twice or more
 * than 1024 points). When every key is analog.* or gpu.*, the digital run and the exact
 * network run once (those keys cannot change them). first (may be NULL) receives the first point's full comparison (free
 * it with cim_compare_free, also after an error). out->points: cim_sweep_result_free. */
CimStatus cim_sweep_run(const CimCompareOptions *o, const CimSweepAxis *axes, size_t naxes, CimSweepResult *out,
                        CimCompare *first, CimDiag *diag);
void cim_sweep_result_free(CimSweepResult *r);

/* ---- the paper's claims beside dcim's (corners.c) -------------------------------- */
typedef enum {
    CIM_CLAIM_AREA_ANALOG,
    CIM_CLAIM_ENERGY_ANALOG,
    CIM_CLAIM_ENERGY_GPU,
    CIM_CLAIM_ENERGY_GPU_FLOOR, /* the GPU claim against the GPU model's idealised floor */
    CIM_CLAIM_CONV_ENERGY_ANALOG, /* the conv_only reading: the chips' conv layers alone */
    CIM_CLAIM_CONV_ENERGY_GPU_FLOOR, /* the digital chip's convs vs the GPU floor (whole network) */
    CIM_CLAIM_COUNT
} CimClaim;
const char *cim_claim_name(CimClaim k);
const char *cim_claim_key(CimClaim k); /* as compare.json names it */
double cim_claim_ours(const CimCompareReductions *r, CimClaim k);
double cim_claim_paper(const CimComparePaper *p, CimClaim k); /* NAN where the paper states none */
/* 1 when dcim's reduction is at least the paper's (ours <= paper, both fractions: -0.8
 * supports a claim of -0.723); 0 when the paper states none. */
int cim_claim_holds(double ours, double paper);

/* ---- output (compare_out.c) ---------------------------------------------------- */
/* The assumptions that produced the numbers, one labelled line each ("ops", "scope",
 * "images", "weights", "digital", "analogue", "gpu"). Returns how many were written. */
typedef struct {
    char label[16];
    char text[700];
} CimCompareNote;
#define CIM_COMPARE_NOTES 8
size_t cim_compare_notes(const CimCompare *c, CimCompareNote *out);
/* The HTML page (workloads/report/html.h's parts plus the comparison sections, the sweep
 * and the assumptions; ids: comparison, reductions, sweep, assumptions), and the same
 * written atomically as DIR/report.html. */
void cim_compare_html_render(const CimCompare *c, const CimSweepResult *sw, FILE *out);
CimStatus cim_compare_html_write(const CimCompare *c, const CimSweepResult *sw, const char *dir, CimDiag *diag);
/* The side-by-side table, breakdowns, reductions beside the paper's and the assumptions. */
void cim_compare_print(const CimCompare *c, FILE *out);
/* The sweep table: one row per point, the reductions and accuracies. */
void cim_sweep_print(const CimSweepResult *s, FILE *out);
/* The claims table: each claim of p, dcim's result at each point of s, and the points
 * (corners) at which it holds. */
void cim_claims_print(const CimSweepResult *s, const CimComparePaper *p, FILE *out);
/* compare.json into dir (created if missing), atomically; sw may be NULL. */
CimStatus cim_compare_write_json(const CimCompare *c, const CimSweepResult *sw, const char *dir, CimDiag *diag);
/* The same JSON object to a stream (--json). */
CimStatus cim_compare_print_json(const CimCompare *c, const CimSweepResult *sw, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
