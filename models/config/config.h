/* Typed, validated configuration of the chip and its technology. The loader (libyaml) is
 * the only code that sees YAML; models take these structs, already checked against the
 * ranges documented in docs/config.md and docs/tech.md. */
#ifndef CIM_CONFIG_H
#define CIM_CONFIG_H

#include "models/common/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CIM_NAME_MAX 64
#define CIM_PATH_MAX 512

/* ---- technology file (configs/tech/NAME.yaml) ------------------------------- */
typedef struct {
    double r_on_ohm;          /* LRS resistance (logic 1) */
    double r_off_ohm;         /* HRS resistance (logic 0) */
    double sigma_ln_on;       /* log-normal spread of the LRS resistance: std of ln(R) */
    double sigma_ln_off;      /* same for HRS */
    double read_noise_rel;    /* std of the multiplicative read-current noise, per read */
    double stuck_at_0_rate;   /* share of cells stuck in HRS */
    double stuck_at_1_rate;   /* share of cells stuck in LRS */
    double write_fail_prob;   /* probability that one SET/RESET pulse leaves the cell unchanged */
    double v_read_v;          /* bit-line read voltage */
    double v_set_v, v_reset_v;
    double i_compliance_ua;   /* SET compliance current set by the access transistor */
} CimDeviceCfg;

typedef struct {
    double t_read_ns;         /* word line on, bit line settled, sense decision latched */
    double t_set_ns, t_reset_ns;
    double t_verify_ns;       /* one verify read after a pulse */
    double t_adder_tree_ns;   /* column popcount through the adder tree */
    double t_shift_add_ns;
} CimTimingCfg;

typedef struct {
    double vdd_v;                  /* periphery supply */
    double wl_per_cell_fj;         /* word-line charge per cell on an activated row */
    double bl_per_cell_fj;         /* bit-line precharge per cell along an active column */
    double sense_compare_fj;       /* one comparator decision against one reference */
    double counter_update_fj;      /* one column-counter update (clocked, per column) */
    double full_adder_fj;          /* one full-adder bit operation (adder tree, shift-add) */
    double register_bit_fj;        /* one register bit read or written */
    double buffer_bit_fj;          /* one global-buffer bit read or written */
    double instruction_pj;         /* controller fetch + decode + issue of one instruction */
    double set_pulse_pj;           /* one SET pulse on one cell (driver + cell) */
    double reset_pulse_pj;         /* one RESET pulse on one cell */
    double leakage_per_macro_uw;   /* static power of one macro's periphery */
    double leakage_control_uw;     /* static power of controller and buffer */
} CimEnergyCfg;

typedef struct {
    double cell_um2;               /* one 1T1R cell */
    double wl_driver_um2;          /* per row: word-line driver with input gating */
    double write_driver_um2;       /* per column: SET/RESET driver + verify mux */
    double sense_amp_um2;          /* per column: one comparator (two references = two) */
    double counter_bit_um2;        /* per counter bit (flip-flop + half adder) */
    double full_adder_um2;         /* per full adder (adder tree, shift-add) */
    double register_bit_um2;       /* per register bit */
    double buffer_bit_um2;         /* per global-buffer bit (SRAM) */
    double controller_um2;         /* controller, instruction memory excluded */
} CimAreaCfg;

typedef struct {
    char name[CIM_NAME_MAX];
    double node_nm;
    CimDeviceCfg device;
    CimTimingCfg timing;
    CimEnergyCfg energy;
    CimAreaCfg area;
} CimTechCfg;

/* ---- chip file (configs/chip/NAME.yaml) ------------------------------------ */
typedef enum { CIM_OVERFLOW_WRAP, CIM_OVERFLOW_SATURATE } CimOverflow;

typedef struct {
    unsigned rows, cols;           /* cells; both powers of two in [16, 4096] */
} CimArrayCfg;

typedef struct {
    unsigned counter_bits;         /* column counter width, 1..32 */
    CimOverflow counter_overflow;  /* what a counter does past 2^bits - 1 */
    unsigned shift_add_bits;       /* shift-add accumulator width, 8..64 */
} CimPeriphCfg;

typedef struct {
    /* Each reference sits between two adjacent nominal current levels I_k and I_k+1 at
     * I_k + frac * (I_k+1 - I_k). read: 0 vs 1 LRS on one row; low: 0 vs 1 LRS of two
     * rows; high: 1 vs 2 LRS of two rows. */
    double ref_read_frac, ref_low_frac, ref_high_frac;
} CimSenseCfg;

typedef struct {
    int verify;                    /* 1: read back after each pulse and retry */
    unsigned max_pulses;           /* pulses per cell before a write is reported failed, >= 1 */
} CimWriteCfg;

typedef struct {
    int enabled;                   /* 0: every operation exact */
    uint64_t seed;
} CimPhysicsCfg;

typedef struct {
    unsigned buffer_port_bits;     /* global-buffer bits read or written per cycle */
    unsigned dma_bits_per_cycle;   /* host DMA bandwidth */
    unsigned ppu_lanes;            /* post-processing adders working in parallel */
    unsigned ppu_size;             /* post-processing accumulators (outputs per position) */
    unsigned ir_bits;              /* input register: longest gated-read input */
} CimCtrlCfg;

typedef struct {
    char name[CIM_NAME_MAX];
    char tech_path[CIM_PATH_MAX];  /* resolved relative to the chip file */
    double clock_mhz;
    unsigned macros;
    unsigned buffer_kib;
    CimArrayCfg array;
    CimPeriphCfg periph;
    CimSenseCfg sense;
    CimWriteCfg write;
    CimPhysicsCfg physics;
    CimCtrlCfg ctrl;
    CimTechCfg tech;               /* loaded from tech_path */
} CimChipCfg;

/* "key.path=value" overrides applied on top of the files, e.g. "chip.array.rows=128" or
 * "tech.device.sigma_ln_on=0.3"; each is validated like a value in the file. */
typedef struct {
    const char *const *items;
    size_t n;
} CimOverrides;

/* Loads a chip file and the technology file it names. Every problem in either file is
 * appended to diag as path:line:col; returns CIM_ERR_CONFIG if there was any, CIM_ERR_IO
 * if a file cannot be read. out is fully written only on CIM_OK. */
CimStatus cim_cfg_load_chip(const char *path, const CimOverrides *ov, CimChipCfg *out, CimDiag *diag);
/* Loads one technology file on its own. */
CimStatus cim_cfg_load_tech(const char *path, const CimOverrides *ov, CimTechCfg *out, CimDiag *diag);
/* Checks a file of either kind (by its top-level key, chip: or tech:). */
CimStatus cim_cfg_check(const char *path, CimDiag *diag);
/* Writes the documented defaults into out (the values of configs/chip/default.yaml and
 * configs/tech/180nm_1t1r.yaml), for tests that need a chip without files. */
void cim_cfg_defaults(CimChipCfg *out);

#ifdef __cplusplus
}
#endif
#endif
