/* The 1T1R RRAM array of one macro (1 bit per cell, LRS = 1, HRS = 0) and its read-based
 * in-array logic: plain row read, gated read (input bit on the word line: AND(input, cell)
 * on every column) and dual-row read (two rows at once, two sense references: OR, AND,
 * XOR, NAND, NOR, XNOR). Writes are SET/RESET pulses on the cells that change, with
 * write-verify. Device physics (conductance spread, read noise, stuck-at cells, failed
 * pulses) is optional; with it off every operation is exact. */
#ifndef CIM_ARRAY_H
#define CIM_ARRAY_H

#include "models/config/config.h"
#include "models/energy/energy.h"
#include "models/periph/periph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- logic ops (models/array/ops.def) ----------------------------------- */
typedef enum {
#define CIM_OP(id, mnemonic, opcode, truth) CIM_OP_##id,
#include "models/array/ops.def"
#undef CIM_OP
    CIM_OP_COUNT
} CimLogicOp;

typedef struct {
    const char *mnemonic;
    unsigned opcode;
    unsigned truth;   /* bit n = output when n of the two cells are LRS */
} CimOpInfo;

const CimOpInfo *cim_op_info(CimLogicOp op);
/* Looks an op up by mnemonic; CIM_ERR_RANGE if there is none. */
CimStatus cim_op_parse(const char *mnemonic, CimLogicOp *out);
/* Writes "or, and, ..." (every mnemonic) into buf, for "expected one of" messages. */
void cim_op_mnemonics(char *buf, size_t len);
/* References the op needs: bit 0 = ref_low, bit 1 = ref_high. */
unsigned cim_op_refs(CimLogicOp op);
/* The exact result of op on two rows, word by word; keeps the tail invariant.
 * Example: a=1100, b=1010 -> OR 1110, AND 1000, XOR 0110, NAND 0111. */
void cim_op_apply(CimLogicOp op, const uint64_t *a, const uint64_t *b, uint64_t *dst, size_t nbits);

/* ---- the array ----------------------------------------------------------- */
typedef struct CimArray CimArray;

/* Cycles of each operation at the chip clock, ceil(t_ns * f), at least 1. */
typedef struct {
    uint32_t read, dual_read, gated_row, set, reset, verify;
} CimArrayTiming;

/* Operation counts, separate from the energy events. */
typedef struct {
    uint64_t reads, dual_reads[CIM_OP_COUNT], gated_rows, gated_rows_active;
    uint64_t row_writes, verify_reads, write_failures; /* cells left wrong after max_pulses */
    uint64_t cycles;                                    /* busy cycles of this array */
} CimArrayStats;

/* Creates an array for the chip's geometry, all cells HRS (0). `index` (the macro
 * number) seeds the physics RNG together with physics.seed. The config must outlive the
 * array. CIM_ERR_NOMEM leaves *out NULL. */
CimStatus cim_array_create(const CimChipCfg *cfg, unsigned index, const CimAlloc *a, CimArray **out);
void cim_array_destroy(CimArray *arr);

unsigned cim_array_rows(const CimArray *arr);
unsigned cim_array_cols(const CimArray *arr);
const CimArrayTiming *cim_array_timing(const CimArray *arr);
const CimArrayStats *cim_array_stats(const CimArray *arr);
const CimEvents *cim_array_events(const CimArray *arr);
void cim_array_reset_counts(CimArray *arr);

/* Stored state of a row (what the cells hold, not what a read would sense). */
const uint64_t *cim_array_row_state(const CimArray *arr, unsigned row);

/* Programs a row to `data` (cols bits): a SET pulse on each cell going 0->1 and a RESET
 * pulse on each 1->0 (SET phase, then RESET phase), then, with write.verify, a verify
 * read; cells still wrong get another pulse, up to write.max_pulses per cell. Cells left
 * wrong are counted in stats.write_failures and returned in *failed (may be NULL).
 * *cycles (may be NULL) receives the cycles taken. CIM_ERR_RANGE for a bad row. */
CimStatus cim_array_write_row(CimArray *arr, unsigned row, const uint64_t *data,
                              uint32_t *failed, uint32_t *cycles);

/* Verification back door: every cell of the row takes its state from data at once
 * (stuck cells keep theirs), with a fresh conductance draw when physics is on. No pulses,
 * no events, no cycles: for tests and the Monte Carlo margin analysis, never for a
 * workload (whose writes must be costed). */
CimStatus cim_array_backdoor_load(CimArray *arr, unsigned row, const uint64_t *data);

/* A window of columns [col0, col0 + ncol): only these bit lines are precharged and
 * sensed (column select), so only their cells conduct and are counted. */
typedef struct {
    unsigned col0, ncol;
} CimCols;

/* The whole row. */
CimCols cim_array_all_cols(const CimArray *arr);

/* Senses one row against ref_read on the window; out (cols bits) gets the sensed bits at
 * their column positions and 0 elsewhere. */
CimStatus cim_array_read_row(CimArray *arr, unsigned row, CimCols w, uint64_t *out);

/* Reads rows a and b together; out = op(a, b) per window column as the sense amplifiers
 * decide, 0 outside the window. */
CimStatus cim_array_dual_read(CimArray *arr, unsigned row_a, unsigned row_b, CimLogicOp op,
                              CimCols w, uint64_t *out);

/* Gated read of n consecutive rows from row0: in step k the word line of row0+k is driven
 * by input bit k; every window column senses AND(input_k, cell) and its counter adds it.
 * One step per row (gated_row cycles each); a step with input 0 leaves the word line low
 * and the sense amplifiers clock-gated. Counters cover all columns; only the window's
 * change. Example: rows 1,0,1 / 1,1,0 in one column, input 11 from row 0 -> counter += 2. */
CimStatus cim_array_gated_read(CimArray *arr, unsigned row0, unsigned n, const uint64_t *input,
                               CimCols w, CimCounters *counters);
/* Whether exact gated reads (physics off) count 8 columns at a time with AVX-512 VPOPCNTDQ:
 * on (the default) only where the CPU has it (x86-64 gcc); 0 forces the portable loop.
 * Both give the same counters, events and statistics (tests/models/array/test_array.c). */
void cim_array_vector(CimArray *arr, int on);
/* cim_array_gated_read with the input bits at input[in_off, in_off + n) (the controller's
 * input register holds them at an offset; no copy to bit 0 is needed). */
CimStatus cim_array_gated_read_at(CimArray *arr, unsigned row0, unsigned n, const uint64_t *input, size_t in_off,
                                  CimCols w, CimCounters *counters);

/* The array events of a gated read (the counters count their own, cim_counter_events):
 * each of the `active_rows` steps with input 1 drives its word line, precharges and senses
 * the ncols window columns against one reference, and reads ncols cells, `lrs` of all of
 * them conducting (LRS); steps with input 0 cost nothing. Inline: the fast path's
 * per-position loop adds the same events.
 * Example: 3 active rows, 4 columns, 5 LRS -> 3 word lines, 5 LRS + 7 HRS cells,
 * 12 bit lines, 12 compares. */
static inline void cim_array_gated_events(CimEvents *ev, uint64_t active_rows, unsigned ncols, uint64_t lrs)
{
    uint64_t cells = active_rows * ncols;
    ev->n[CIM_EV_WL_ROW] += active_rows;
    ev->n[CIM_EV_CELL_LRS] += lrs;
    ev->n[CIM_EV_CELL_HRS] += cells - lrs;
    ev->n[CIM_EV_BL_COL] += cells;
    ev->n[CIM_EV_SENSE] += cells;
}

#ifdef __cplusplus
}
#endif
#endif
