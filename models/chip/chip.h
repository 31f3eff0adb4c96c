/* The whole chip: M macros (array + column counters + output register + column window),
 * the global buffer, the window unit (input register), the post-processing unit (PPU) and
 * the controller, which executes ISA programs (models/isa) with the timing model that is
 * the single source of truth for cycles: in-order issue, one instruction per cycle at
 * most, each instruction waiting for the resources it uses (docs/isa.md). */
#ifndef CIM_CHIP_H
#define CIM_CHIP_H

#include "models/array/array.h"
#include "models/isa/isa.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    CimArray *arr;
    CimCounters cnt;
    uint64_t *out;     /* output register, cols bits */
    CimCols win;       /* column window set by csel (initially all columns) */
} CimMacro;

/* Resources an instruction may occupy. Macro m is CIM_RES_MACRO + m. */
enum { CIM_RES_IR, CIM_RES_PPU, CIM_RES_BUF, CIM_RES_DMA, CIM_RES_MACRO };

typedef struct {
    unsigned res;
    uint32_t cycles;
} CimResUse;

/* What an executed instruction occupies, for the scheduler. */
typedef struct {
    CimResUse use[3];
    unsigned nuse;
    unsigned src_regs;   /* bit mask of registers read */
    int dst_reg;         /* register written, or -1 */
    uint32_t dst_latency;
} CimInsnTiming;

/* Host side of the DMA: dmai reads the input stream in order, dmao appends to the output. */
typedef struct {
    const uint64_t *in;
    size_t in_bits, in_pos;
    uint64_t *out;
    size_t out_cap_bits, out_pos;
} CimHostIO;

typedef struct {
    int trapped;
    uint64_t pc, cycle;
    uint64_t word;       /* the instruction, 0 when the fetch itself failed */
    char reason[160];
} CimTrap;

typedef struct CimChip CimChip;

/* Window-unit state, readable by the SystemC model and tests. */
typedef struct {
    int configured;
    uint32_t base, c, h, w, k, pad;
    uint32_t ir_len;       /* bits loaded in the input register */
    uint32_t px;           /* popcount of the loaded input */
    uint32_t valid;        /* taps x channels inside the feature map (padding excluded) */
    uint32_t pattern;      /* border class of the window position, 0 = interior */
} CimWindowState;

/* The window unit's gather, shared with the fast path: the k x k x C window at output
 * position (y, x) of a channels-last bit map at bit `base` of `fmap` (H x W x C, stride 1,
 * pad = (k-1)/2) into ir, tap-major (bit (ky*k + kx)*C + c), zeros for padding taps.
 * Sets st->ir_len, px, valid and pattern (border class: 0 inside). The caller has checked
 * the geometry (wcfg does). Returns the number of taps inside the map. */
uint32_t cim_window_gather(CimWindowState *st, const uint64_t *fmap, uint32_t y, uint32_t x, uint64_t *ir);
/* The border bookkeeping of cim_window_gather alone: valid taps x channels and the border
 * class of position (y, x). */
void cim_window_class(const CimWindowState *st, uint32_t y, uint32_t x, uint32_t *valid, uint32_t *pattern);

CimStatus cim_chip_create(const CimChipCfg *cfg, const CimAlloc *a, CimChip **out);
void cim_chip_destroy(CimChip *c);

const CimChipCfg *cim_chip_cfg(const CimChip *c);
unsigned cim_chip_macros(const CimChip *c);
CimMacro *cim_chip_macro(CimChip *c, unsigned m);
uint64_t *cim_chip_buffer(CimChip *c);
size_t cim_chip_buffer_bits(const CimChip *c);
int32_t cim_chip_reg(const CimChip *c, unsigned r);
const CimWindowState *cim_chip_window(const CimChip *c);
const int64_t *cim_chip_ppu(const CimChip *c);     /* ppu_size accumulators */
const uint64_t *cim_chip_pool_reg(const CimChip *c); /* ppu_size bits */

/* Bit-addressed buffer access (host side, no events): copy n bits in or out. */
CimStatus cim_chip_buf_write(CimChip *c, size_t addr, const uint64_t *bits, size_t n);
CimStatus cim_chip_buf_read(const CimChip *c, size_t addr, uint64_t *bits, size_t n);

/* Events of the whole chip: arrays, counters, buffer, PPU, controller. */
void cim_chip_events(const CimChip *c, CimEvents *out);
/* Clears every event count and statistic (state and time are kept). */
void cim_chip_reset_counts(CimChip *c);

/* Executes one instruction's semantics (values, events) and reports what it occupies.
 * *next_pc receives the following pc. A bad instruction returns CIM_ERR_TRAP with the
 * reason in trap (pc and cycle are filled in by the caller). */
CimStatus cim_chip_exec(CimChip *c, const CimInsn *in, uint64_t pc, CimHostIO *io, uint64_t *next_pc,
                        CimInsnTiming *t, CimTrap *trap);

typedef struct {
    uint64_t cycles;        /* from start to the last resource free after halt */
    uint64_t instructions;
    uint64_t insn_count[CIM_I_COUNT];
    CimTrap trap;
} CimRunResult;

/* Runs program p from pc 0 until halt or a trap. The watchdog is a trap too: the first
 * instruction (halt included) after which the run would last more than max_cycles stops
 * it, so a completed run has cycles <= max_cycles. Timing:
 * issue(i) = max(issue(i-1) + 1, free time of each resource i uses, ready time of each
 * register it reads); each resource is then busy until issue + its cycles, a written
 * register ready at issue + latency. Registers and time restart at 0 for each run;
 * array contents, buffer, counters and windows persist. A trap is a result, not an
 * error: returns CIM_OK with res->trap.trapped set; CIM_ERR_NOMEM only if memory ran out. */
CimStatus cim_chip_run(CimChip *c, const CimProgram *p, CimHostIO *io, uint64_t max_cycles,
                       CimRunResult *res);

#ifdef __cplusplus
}
#endif
#endif
