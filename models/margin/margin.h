/* Sense margin and bit-error rate of every read-based operation, analytic (numerical
 * integration over the log-normal cell distributions and the read noise) and by Monte
 * Carlo on the array model. This is how a user checks the "zero bit-error" claim for a
 * given device spread. Model and formulas: docs/margin.md. */
#ifndef CIM_MARGIN_H
#define CIM_MARGIN_H

#include "models/array/array.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CIM_MARGIN_ROWS (2 + CIM_OP_COUNT) /* read, gated, then the dual-row ops */

typedef struct {
    char name[16];          /* "read", "gated", then op mnemonics */
    unsigned nlevels;       /* nominal current levels told apart: 2 or 3 */
    double level_ua[3];
    unsigned nrefs;         /* references used: 1 or 2 */
    double ref_ua[2];
    double margin_ua;       /* smallest distance between a used reference and a level */
    double margin_rel;      /* margin_ua over the gap between the levels it separates */
    double ber_analytic;    /* per output bit, inputs uniformly random */
    uint64_t mc_errors, mc_samples;
} CimMarginRow;

typedef struct {
    double fail_per_pulse;   /* tech.device.write_fail_prob */
    unsigned max_pulses;     /* 1 when write.verify is off */
    double ber_analytic;     /* wrong cells per cell written, random data over random data */
    uint64_t mc_errors, mc_samples;
} CimMarginWrite;

typedef struct {
    CimMarginRow rows[CIM_MARGIN_ROWS];
    CimMarginWrite write;
    uint64_t seed;
} CimMarginReport;

/* Analytic part only (fast). The chip's physics.enabled switch is ignored: the analysis
 * always uses the device distributions of its technology file. */
void cim_margin_analytic(const CimChipCfg *cfg, CimMarginReport *rep);

/* Analytic part plus Monte Carlo with at least `samples` output bits per row, on arrays
 * built from cfg with physics on and the given seed. Read rows use cells as programmed
 * (no write failures, no verify truncation); the write row uses the chip's write-verify.
 * `progress` (may be NULL) counts 2 x samples: the read rows, then the write row. */
CimStatus cim_margin_run(const CimChipCfg *cfg, uint64_t samples, uint64_t seed, const CimAlloc *a,
                         const CimProgress *progress, CimMarginReport *rep);

/* Probability that V * (G_a + G_b) * (1 + noise * z) >= x for cells in states sa, sb
 * (sb < 0: one cell only). Exposed for tests. */
double cim_margin_p_above(const CimChipCfg *cfg, double x_a, int sa, int sb);

#ifdef __cplusplus
}
#endif
#endif
