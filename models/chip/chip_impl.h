/* Internal to models/chip/: the chip's state. Never included from outside this folder. */
#ifndef CIM_CHIP_IMPL_H
#define CIM_CHIP_IMPL_H

#include "models/chip/chip.h"

#include <stdarg.h>

struct CimChip {
    const CimChipCfg *cfg;
    CimAlloc alloc;
    unsigned nmacros;
    CimMacro *macros;
    uint64_t *buf;
    size_t buf_bits;
    int32_t regs[CIM_NREGS];
    /* window unit */
    CimWindowState win;
    uint64_t win_adds;       /* full adders of px's tree for a window (set by wcfg) */
    uint32_t win_cycles;     /* cycles of a window load (set by wcfg) */
    uint64_t *ir;            /* ir_bits */
    uint64_t *scratch;       /* max(ir_bits, cols) bits */
    /* post-processing unit */
    int64_t *p;              /* ppu_size accumulators */
    uint64_t *pr;            /* ppu_size bits: pool register */
    uint32_t nf, mode, npat; /* from lcfg */
    uint32_t nf_cycles;      /* ex_ppu_cycles(nf), from lcfg */
    uint64_t *pruned;        /* ppu_size bits */
    int32_t *thr;            /* ppu_size */
    int32_t *off;            /* npat x ppu_size, pattern-major */
    /* events of everything but the arrays and counters */
    CimEvents ev;
    /* timing */
    uint32_t popo_cycles;
    int vector;              /* AVX-512F PPU lanes (cim_chip_vector) */
};

/* ---- shared by the executor's files (exec.c, exec_units.c) ----------------- */
typedef struct {
    CimChip *c;
    const CimInsn *in;
    CimHostIO *io;
    CimInsnTiming *t;
    CimTrap *trap;
} ExecCtx;

/* Sets t's kind and its reason: the kind's traps.def format filled with the arguments,
 * which must match the format (the compiler cannot check a format from a table; each row's
 * message is pinned by tests/models/chip/test_traps.c). */
void chip_trap(CimTrap *t, CimTrapKind k, ...);
void chip_trap_v(CimTrap *t, CimTrapKind k, va_list ap);
/* chip_trap on the instruction's trap record; returns CIM_ERR_TRAP. */
CimStatus ex_trap(ExecCtx *x, CimTrapKind k, ...);
/* Inline: every instruction goes through them. */
static inline void ex_use(ExecCtx *x, unsigned res, uint32_t cycles)
{
    x->t->use[x->t->nuse].res = res;
    x->t->use[x->t->nuse].cycles = cycles ? cycles : 1u;
    x->t->nuse++;
}
static inline uint32_t ex_ceil_div(uint64_t a, uint32_t b) { return (uint32_t)((a + b - 1) / b); }
static inline uint32_t ex_buf_cycles(const CimChip *c, uint64_t bits)
{
    return ex_ceil_div(bits ? bits : 1, c->cfg->ctrl.buffer_port_bits);
}
static inline uint32_t ex_ppu_cycles(const CimChip *c, uint32_t n)
{
    return ex_ceil_div(n ? n : 1, c->cfg->ctrl.ppu_lanes);
}
static inline int32_t ex_reg(ExecCtx *x, unsigned r)
{
    x->t->src_regs |= 1u << r;
    return x->c->regs[r];
}
static inline void ex_set_reg(ExecCtx *x, unsigned r, int32_t v, uint32_t latency)
{
    if (r != 0) /* r0 reads 0 */
        x->c->regs[r] = v;
    x->t->dst_reg = (int)r;
    x->t->dst_latency = latency;
}
/* A buffer range [addr, addr + n) from register r; traps when outside the buffer. */
CimStatus ex_buf_range(ExecCtx *x, unsigned r, uint64_t n, size_t *addr);
CimStatus ex_window(ExecCtx *x);  /* wcfg, win, ild */
CimStatus ex_ppu(ExecCtx *x);     /* lcfg, pclr, pacc, pfin, pthr, prclr, pstb, psti */
CimStatus ex_io(ExecCtx *x);      /* dmai, dmao, stw */

/* ceil(t_ns x f), at least 1 */
uint32_t cim_chip_cycles_of(const CimChip *c, double t_ns);

#endif
