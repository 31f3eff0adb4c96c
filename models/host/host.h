/* Host processor model: the layers the chips leave to the host (linear layers, PointNet's
 * sampling, grouping, quantisation, BatchNorm, ReLU, max and head) costed on an embedded CPU
 * from counted operations: cycles = sum over operation kinds of count x cycles per
 * operation, energy = cycles x energy per cycle, time = cycles / clock. Keys, formulas and
 * sources: docs/energy.md, section "Host processor". */
#ifndef CIM_HOSTMODEL_H
#define CIM_HOSTMODEL_H

#include "models/config/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the host's configuration (configs/baselines/NAME.yaml, root key host:) ------- */
typedef struct {
    double clock_mhz;        /* core clock */
    double energy_per_cycle_pj; /* core + memory energy per clock cycle while running */
} CimHostCoreCfg;

/* Cycles one operation of each kind issues (the core's instruction timings). */
typedef struct {
    double fp32_mac;         /* fused multiply-accumulate */
    double fp32_op;          /* add, subtract, multiply, compare, convert, round */
    double fp32_div;
    double fp32_sqrt;
    double int_op;           /* integer add, compare or shift */
    double load_store;       /* one load or store of up to word_bytes */
    unsigned word_bytes;     /* bytes one load or store moves */
} CimHostCyclesCfg;

typedef struct {
    char name[CIM_NAME_MAX];
    CimHostCoreCfg core;
    CimHostCyclesCfg cycles;
} CimHostCfg;

extern const CimCfgSchema cim_host_schema;
/* Loads a host file (configs/baselines/cortex_m4f.yaml); overrides start with "host.".
 * Errors as cim_cfg_load; out is fully written only on CIM_OK. */
CimStatus cim_host_cfg_load(const char *path, const CimOverrides *ov, CimHostCfg *out, CimDiag *diag);
CimStatus cim_host_cfg_check(const char *path, CimDiag *diag);
void cim_host_cfg_defaults(CimHostCfg *out);

/* ---- work and its cost ------------------------------------------------------------ */
/* Operations one layer (or a whole network) asks of the host, per inference. */
typedef struct {
    double fp32_macs, fp32_ops, fp32_divs, fp32_sqrts, int_ops;
    double bytes;            /* bytes loaded and stored */
} CimHostWork;

typedef struct {
    double cycles;           /* sum of count x cycles per operation; bytes in words of word_bytes */
    double energy_pj;        /* cycles x energy_per_cycle_pj */
    double latency_ns;       /* cycles / clock_mhz x 1000 */
} CimHostCost;

/* d += s. */
void cim_host_work_add(CimHostWork *d, const CimHostWork *s);
/* Example (cycles fp32_mac 3, fp32_op 1, load_store 2, word 4 bytes, 300 pJ per cycle at
 * 80 MHz): 10 MACs, 4 ops, 16 bytes -> 30 + 4 + 4 x 2 = 42 cycles, 12 600 pJ, 525 ns.
 * Bytes count in whole words: ceil(bytes / word_bytes) loads or stores. */
void cim_host_cost(const CimHostCfg *h, const CimHostWork *w, CimHostCost *out);

#ifdef __cplusplus
}
#endif
#endif
