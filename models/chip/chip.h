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

/* Resources an instruction may occupy, in scoreboard order: the window unit's input
 * register, the PPU, the buffer port, the host DMA link, then macro m as CIM_RES_MACRO + m.
 * The one list: the SystemC issue bus is bound in this order and cim_rtlgen writes the
 * RTL's numbers (`CIM_RES_<name> in the generated cim_cfg.vh) from it. */
#define CIM_RESOURCE_LIST(X) X(IR) X(PPU) X(BUF) X(DMA) X(MACRO)
#define CIM_RES_ENUM_ITEM_(name) CIM_RES_##name,
enum { CIM_RESOURCE_LIST(CIM_RES_ENUM_ITEM_) };
#undef CIM_RES_ENUM_ITEM_

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

/* ---- traps (models/chip/traps.def, the one list) ------------------------------------ */
typedef enum {
    CIM_TRAP_NONE, /* no trap */
#define CIM_TRAP(id, code, format) CIM_TRAP_##id,
#include "models/chip/traps.def"
#undef CIM_TRAP
    CIM_TRAP_COUNT
} CimTrapKind;

typedef struct {
    const char *name;   /* the row's id: "ROW", "WATCHDOG" ("NONE" for CIM_TRAP_NONE) */
    unsigned code;      /* the RTL's number for it (trap_code_o); 0 for CIM_TRAP_NONE */
    const char *format; /* printf format of the reason ("" for CIM_TRAP_NONE) */
} CimTrapInfo;

/* The row of kind k; k must be below CIM_TRAP_COUNT. */
const CimTrapInfo *cim_trap_info(CimTrapKind k);
/* The kind the RTL reports as `code`: CIM_TRAP_NONE for 0, CIM_TRAP_COUNT for a code no
 * row has. */
CimTrapKind cim_trap_kind_of_code(unsigned code);

/* How a run stopped, when it did not halt. Programs and tests tell traps apart by kind;
 * reason is for people. */
typedef struct {
    CimTrapKind kind;    /* CIM_TRAP_NONE: no trap */
    uint64_t pc, cycle;
    uint64_t word;       /* the instruction, 0 when the fetch itself failed */
    char reason[160];    /* the kind's format filled with the trap site's values */
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
/* Whether tap kk (0..k-1) of one axis lies inside the map for that axis's border class cls
 * (pattern = cls_y * (2 pad + 1) + cls_x): class 0 is inside, 1..pad are cut by cls taps at
 * the start, pad+1..2pad by cls - pad taps at the end. The layer tables' offsets come
 * from it (workloads/compile), so they agree with the window unit by construction.
 * Example: k 3, pad 1: class 1 drops tap 0, class 2 drops tap 2. */
int cim_window_tap_valid(uint32_t cls, uint32_t kk, uint32_t k, uint32_t pad);

CimStatus cim_chip_create(const CimChipCfg *cfg, const CimAlloc *a, CimChip **out);
void cim_chip_destroy(CimChip *c);

const CimChipCfg *cim_chip_cfg(const CimChip *c);
/* Whether the chip model uses the CPU's vector units where they help (AVX-512F for the PPU's
 * width-32 pacc, pfin and pthr; AVX-512 VPOPCNTDQ for the arrays' gated reads,
 * cim_array_vector): on (the default) only where the CPU has them; 0 forces the portable
 * loops. Every value, event and cycle is the same either way (tests/workloads/exec/test_infer.c). */
void cim_chip_vector(CimChip *c, int on);
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

/* Sets every scalar register to 0, as the controller's reset does (each run begins so). */
void cim_chip_reset_regs(CimChip *c);

/* Executes one instruction's semantics (values, events) and reports what it occupies.
 * *next_pc receives the following pc. A bad instruction returns CIM_ERR_TRAP with the
 * kind and reason in trap (pc, cycle and word are filled in by the caller) and changes
 * no state. */
CimStatus cim_chip_exec(CimChip *c, const CimInsn *in, uint64_t pc, CimHostIO *io, uint64_t *next_pc,
                        CimInsnTiming *t, CimTrap *trap);

/* Resources a run accounts for: the units, then up to 1024 macros (chip.macros' limit). */
#define CIM_RUN_MAX_RES (CIM_RES_MACRO + 1024)

/* Where a run's cycles go: cycles = instructions (one issue cycle each) + the stall
 * cycles (an issue later than its slot, by what it waited for) + drain (after the last
 * issue until the last unit frees). Example: gated m0 of 64 rows issued at 11, halt at 12:
 * drain = 75 - 13 = 62. */
typedef struct {
    uint64_t stall_unit[CIM_RES_MACRO + 1]; /* waiting for IR, PPU, BUF, DMA, any macro */
    uint64_t stall_reg;                     /* waiting for a register */
    uint64_t drain;
} CimCycleSplit;

typedef struct {
    uint64_t cycles;        /* from start to the last resource free after halt */
    uint64_t instructions;
    uint64_t insn_count[CIM_I_COUNT];
    CimTrap trap;
    CimCycleSplit split;
    uint64_t busy[CIM_RUN_MAX_RES]; /* cycles each resource was occupied (index: CimResUse.res) */
} CimRunResult;

/* Runs program p from pc 0 until halt or a trap, through the stepping calls below.
 * Registers and time restart at 0 for each run; array contents, buffer, counters,
 * windows and the PPU persist. A trap is a result, not an error: returns CIM_OK with
 * res->trap.kind set; CIM_ERR_NOMEM only if memory ran out (res is then zeroed). */
CimStatus cim_chip_run(CimChip *c, const CimProgram *p, CimHostIO *io, uint64_t max_cycles,
                       CimRunResult *res);

/* ---- the controller's scheduler, one instruction at a time ------------------------------
 * The only implementation of the issue rules (docs/isa.md, "Scheduling"). cim_chip_run loops
 * over it; the SystemC controller (sim/) steps it and waits in sc_time for each issue; the
 * RTL co-simulation (rtl/cosim/) steps it and checks the RTL against it every cycle. All
 * times are cycles from the run's start (cycle 0):
 *
 *   CimRun *r;
 *   CimStep s;
 *   if (cim_chip_run_begin(chip, p, io, max_cycles, &r) != CIM_OK) ...;   (CIM_ERR_NOMEM)
 *   while (cim_chip_run_next(r, &s))     (fetch, decode, execute, schedule)
 *       cim_chip_run_issue(r, &s);       (issue at s.issue_cycle)
 *   cim_chip_run_end(r, &res);
 *
 * Rules. Instruction i issues at
 *   issue(i) = max(slot, free time of each resource it occupies, ready time of each
 *                  register it reads),   slot = issue(i-1) + 1 (0 for the first);
 * each resource it occupies is then busy until issue(i) + its cycles, the register it
 * writes ready at issue(i) + its latency. The run lasts until the last resource frees, and
 * at least until the slot (cim_chip_run_cycles). Traps: an instruction that cannot be
 * fetched (pc past the end: word 0), decoded or executed is recorded at the slot and does
 * not issue; the watchdog stops the run at the first instruction (halt included) whose issue
 * would make the run last more than max_cycles, recorded at that issue (the instruction is
 * issued and counted), so a completed run has cycles <= max_cycles. */
typedef struct CimRun CimRun;

/* Why an instruction issues after its slot: the last wait that moved it (the order is
 * resources first, then registers). */
typedef enum {
    CIM_WAIT_NONE, /* issues in its slot */
    CIM_WAIT_UNIT, /* a resource it occupies frees after the slot, and no register it reads
                    * is ready later than that */
    CIM_WAIT_REG   /* a register it reads is ready after the slot and after every resource
                    * it occupies frees */
} CimWait;

/* The next instruction of a run: executed (values and events done) and scheduled, not yet
 * issued. */
typedef struct {
    uint64_t pc, word;
    CimInsn in;
    CimInsnTiming t;       /* resources occupied, registers read and written */
    uint64_t next_pc;      /* where the run goes on after it (branches resolved) */
    uint64_t issue_cycle;  /* issue(i) */
    CimWait wait;          /* why issue(i) > slot */
    int watchdog;          /* the run stops with the watchdog trap at this issue */
} CimStep;

/* Begins a run of p from pc 0 on c: registers 0 (cim_chip_reset_regs), cycle 0, every
 * resource free. p and io (NULL: dmai and dmao trap) must outlive the run, and p must not change
 * during it (each word is decoded once, at its first fetch). One allocation
 * from the chip's allocator: CIM_ERR_NOMEM leaves *out NULL and the chip untouched. */
CimStatus cim_chip_run_begin(CimChip *c, const CimProgram *p, CimHostIO *io, uint64_t max_cycles,
                             CimRun **out);
/* Fetches, decodes and executes the instruction at the run's pc and computes its issue
 * cycle, wait reason and whether the watchdog stops the run there. Returns 1 with *s
 * filled: the caller must issue it (cim_chip_run_issue) before the next call. Returns 0
 * when the run has ended: after halt or the watchdog, or because this instruction trapped
 * before issue (the trap is in the result, at the slot; s->pc, s->word and s->issue_cycle
 * = the slot describe it). */
int cim_chip_run_next(CimRun *r, CimStep *s);
/* Issues s, the step the last cim_chip_run_next returned 1 for, at s->issue_cycle: marks its
 * resources and destination register, counts it, moves the pc to s->next_pc. After halt
 * the run has ended; after a step with s->watchdog it has ended with the watchdog trap. */
void cim_chip_run_issue(CimRun *r, const CimStep *s);

int cim_chip_run_ended(const CimRun *r);
uint64_t cim_chip_run_pc(const CimRun *r);    /* pc of the next instruction */
uint64_t cim_chip_run_slot(const CimRun *r);  /* earliest next issue: last issue + 1, or 0 */
/* First cycle resource res (CIM_RES_*) is free; 0 for a resource the chip lacks. */
uint64_t cim_chip_run_free_at(const CimRun *r, unsigned res);
/* First cycle register reg can be read; 0 for reg >= CIM_NREGS. */
uint64_t cim_chip_run_reg_ready(const CimRun *r, unsigned reg);
/* The run's length if it ended now: the latest resource free time, at least the slot. */
uint64_t cim_chip_run_cycles(const CimRun *r);
/* The result so far: instructions, counts by kind, the trap (cycles is 0 until the end). */
const CimRunResult *cim_chip_run_result(const CimRun *r);
/* Ends the run (whether or not it has ended) and frees r: *res (unless NULL) receives the
 * result with cycles = cim_chip_run_cycles. NULL r is ignored. */
void cim_chip_run_end(CimRun *r, CimRunResult *res);

#ifdef __cplusplus
}
#endif
#endif
