/* Semantics of every ISA instruction (values and events) and what it occupies; the
 * scheduler (run.c) turns occupancy into cycles. One function per instruction group. */
#include "models/chip/chip_impl.h"

#include <string.h>

CimStatus ex_trap(ExecCtx *x, CimTrapKind k, ...)
{
    va_list ap;
    va_start(ap, k);
    chip_trap_v(x->trap, k, ap);
    va_end(ap);
    return CIM_ERR_TRAP;
}

CimStatus ex_buf_range(ExecCtx *x, unsigned r, uint64_t n, size_t *addr)
{
    int32_t a = ex_reg(x, r);
    if (a < 0 || (uint64_t)a > x->c->buf_bits || n > x->c->buf_bits - (uint64_t)a)
        return ex_trap(x, CIM_TRAP_BUFFER, a, a, (unsigned long long)n, x->c->buf_bits);
    *addr = (size_t)a;
    return CIM_OK;
}

static CimStatus macro(ExecCtx *x, unsigned m, CimMacro **out)
{
    if (m >= x->c->nmacros)
        return ex_trap(x, CIM_TRAP_MACRO, m, x->c->nmacros);
    *out = &x->c->macros[m];
    return CIM_OK;
}

static CimStatus row_ok(ExecCtx *x, unsigned row)
{
    if (row >= x->c->cfg->array.rows)
        return ex_trap(x, CIM_TRAP_ROW, row, x->c->cfg->array.rows);
    return CIM_OK;
}

/* ---- scalar and control ---------------------------------------------------- */

static CimStatus exec_scalar(ExecCtx *x, uint64_t pc, uint64_t *next)
{
    const CimInsn *in = x->in;
    int32_t imm = cim_isa_imm(in);
    *next = pc + 1;
    switch (in->id) {
    case CIM_I_LI: ex_set_reg(x, in->m & 15u, imm, 1); break;
    case CIM_I_ADDI: ex_set_reg(x, in->m & 15u, (int32_t)((uint32_t)ex_reg(x, in->a & 15u) + (uint32_t)imm), 1); break;
    case CIM_I_ADD: ex_set_reg(x, in->m & 15u, (int32_t)((uint32_t)ex_reg(x, in->a & 15u) + (uint32_t)ex_reg(x, in->b & 15u)), 1); break;
    case CIM_I_SUB: ex_set_reg(x, in->m & 15u, (int32_t)((uint32_t)ex_reg(x, in->a & 15u) - (uint32_t)ex_reg(x, in->b & 15u)), 1); break;
    case CIM_I_BLT:
        if (ex_reg(x, in->m & 15u) < ex_reg(x, in->a & 15u))
            *next = cim_isa_cd(in);
        break;
    case CIM_I_BNE:
        if (ex_reg(x, in->m & 15u) != ex_reg(x, in->a & 15u))
            *next = cim_isa_cd(in);
        break;
    case CIM_I_JMP: *next = cim_isa_cd(in); break;
    default: break; /* nop, halt */
    }
    return CIM_OK;
}

/* ---- array instructions ------------------------------------------------------ */

static CimStatus exec_wrow(ExecCtx *x, CimMacro *mc)
{
    unsigned cols = x->c->cfg->array.cols;
    size_t addr;
    CimStatus st = row_ok(x, x->in->a);
    if (st == CIM_OK)
        st = ex_buf_range(x, x->in->b & 15u, cols, &addr);
    if (st != CIM_OK)
        return st;
    cim_bits_clear(x->c->scratch, cols);
    cim_bits_copy_range(x->c->scratch, 0, x->c->buf, addr, cols);
    x->c->ev.n[CIM_EV_BUFFER_BIT] += cols;
    uint32_t cycles = 0;
    cim_array_write_row(mc->arr, x->in->a, x->c->scratch, NULL, &cycles);
    /* the row is read from the buffer first, then written: the macro is busy for both */
    ex_use(x, CIM_RES_MACRO + x->in->m, ex_buf_cycles(x->c, cols) + cycles);
    ex_use(x, CIM_RES_BUF, ex_buf_cycles(x->c, cols));
    return CIM_OK;
}

static CimStatus exec_read(ExecCtx *x, CimMacro *mc)
{
    const CimArrayTiming *tm = cim_array_timing(mc->arr);
    CimStatus st = row_ok(x, x->in->a);
    if (st != CIM_OK)
        return st;
    if (x->in->id == CIM_I_RROW) {
        cim_array_read_row(mc->arr, x->in->a, mc->win, mc->out);
        ex_use(x, CIM_RES_MACRO + x->in->m, tm->read);
        return CIM_OK;
    }
    CimLogicOp op = CIM_OP_COUNT;
    for (int i = 0; i < CIM_OP_COUNT; i++)
        if (cim_op_info((CimLogicOp)i)->opcode == x->in->c)
            op = (CimLogicOp)i;
    if ((st = row_ok(x, x->in->b)) != CIM_OK)
        return st;
    if (op == CIM_OP_COUNT)
        return ex_trap(x, CIM_TRAP_DUAL_OP, x->in->c);
    if (x->in->a == x->in->b)
        return ex_trap(x, CIM_TRAP_DUAL_SAME, x->in->a);
    cim_array_dual_read(mc->arr, x->in->a, x->in->b, op, mc->win, mc->out);
    ex_use(x, CIM_RES_MACRO + x->in->m, tm->dual_read);
    return CIM_OK;
}

static CimStatus exec_csel(ExecCtx *x, CimMacro *mc)
{
    unsigned col0 = x->in->a, ncol = x->in->b + 1u, cols = x->c->cfg->array.cols;
    if (col0 >= cols || ncol > cols - col0)
        return ex_trap(x, CIM_TRAP_CSEL, col0, col0 + ncol, cols);
    mc->win.col0 = col0;
    mc->win.ncol = ncol;
    ex_use(x, CIM_RES_MACRO + x->in->m, 1);
    return CIM_OK;
}

static CimStatus exec_gated(ExecCtx *x, CimMacro *mc)
{
    unsigned row0 = x->in->a, n = x->in->b + 1u, off = x->in->c;
    if (row0 >= x->c->cfg->array.rows || n > x->c->cfg->array.rows - row0)
        return ex_trap(x, CIM_TRAP_GATED_ROWS, row0, row0 + n, x->c->cfg->array.rows);
    if (off + n > x->c->win.ir_len)
        return ex_trap(x, CIM_TRAP_GATED_INPUT, off, off + n, x->c->win.ir_len);
    cim_array_gated_read_at(mc->arr, row0, n, x->c->ir, off, mc->win, &mc->cnt);
    ex_use(x, CIM_RES_MACRO + x->in->m, n * cim_array_timing(mc->arr)->gated_row);
    ex_use(x, CIM_RES_IR, 1); /* the macro latches its input bits at issue */
    return CIM_OK;
}

static CimStatus exec_popo_ost(ExecCtx *x, CimMacro *mc)
{
    unsigned cols = x->c->cfg->array.cols;
    if (x->in->id == CIM_I_POPO) {
        uint32_t v = cim_popcount_tree(mc->out, cols, &x->c->ev); /* outside the window: 0 */
        ex_use(x, CIM_RES_MACRO + x->in->m, x->c->popo_cycles);
        ex_set_reg(x, x->in->a & 15u, (int32_t)v, x->c->popo_cycles);
        return CIM_OK;
    }
    size_t addr;
    CimStatus st = ex_buf_range(x, x->in->a & 15u, mc->win.ncol, &addr);
    if (st != CIM_OK)
        return st;
    cim_bits_copy_range(x->c->buf, addr, mc->out, mc->win.col0, mc->win.ncol);
    x->c->ev.n[CIM_EV_BUFFER_BIT] += mc->win.ncol;
    /* the output register is held until it is stored */
    ex_use(x, CIM_RES_MACRO + x->in->m, ex_buf_cycles(x->c, mc->win.ncol));
    ex_use(x, CIM_RES_BUF, ex_buf_cycles(x->c, mc->win.ncol));
    return CIM_OK;
}

static CimStatus exec_array(ExecCtx *x)
{
    CimMacro *mc = NULL;
    CimStatus st = macro(x, x->in->m, &mc);
    if (st != CIM_OK)
        return st;
    switch (x->in->id) {
    case CIM_I_WROW: return exec_wrow(x, mc);
    case CIM_I_RROW:
    case CIM_I_DUAL: return exec_read(x, mc);
    case CIM_I_CSEL: return exec_csel(x, mc);
    case CIM_I_GATED: return exec_gated(x, mc);
    case CIM_I_CCLR:
        cim_counters_clear(&mc->cnt);
        ex_use(x, CIM_RES_MACRO + x->in->m, 1);
        return CIM_OK;
    default: return exec_popo_ost(x, mc);
    }
}

CimStatus cim_chip_exec(CimChip *c, const CimInsn *in, uint64_t pc, CimHostIO *io, uint64_t *next_pc,
                        CimInsnTiming *t, CimTrap *trap)
{
    ExecCtx x = {c, in, io, t, trap};
    t->nuse = 0;
    t->src_regs = 0;
    t->dst_reg = -1;
    t->dst_latency = 0;
    *next_pc = pc + 1;
    if ((unsigned)in->id >= CIM_I_COUNT)
        return ex_trap(&x, CIM_TRAP_NO_INSN, (int)in->id);
    c->ev.n[CIM_EV_INSTRUCTION]++;
    switch (in->id) {
    case CIM_I_HALT:
    case CIM_I_NOP:
    case CIM_I_LI:
    case CIM_I_ADDI:
    case CIM_I_ADD:
    case CIM_I_SUB:
    case CIM_I_BLT:
    case CIM_I_BNE:
    case CIM_I_JMP: return exec_scalar(&x, pc, next_pc);
    case CIM_I_WROW:
    case CIM_I_RROW:
    case CIM_I_DUAL:
    case CIM_I_CSEL:
    case CIM_I_GATED:
    case CIM_I_CCLR:
    case CIM_I_POPO:
    case CIM_I_OST: return exec_array(&x);
    case CIM_I_WCFG:
    case CIM_I_WIN:
    case CIM_I_ILD: return ex_window(&x);
    case CIM_I_DMAI:
    case CIM_I_DMAO:
    case CIM_I_STW: return ex_io(&x);
    default: return ex_ppu(&x);
    }
}
