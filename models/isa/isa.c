/* The controller ISA's binary encoding: one 64-bit word per instruction (layout in
 * isa.def), decoding, the 24-bit immediates and the disassembly of one instruction. */
#include "models/isa/isa_impl.h"

#include "models/array/array.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

static const CimInsnInfo insn_info[CIM_I_COUNT] = {
#define CIM_INSN(id, mnemonic, opcode, format) {mnemonic, opcode, CIM_F_##format},
#include "models/isa/isa.def"
#undef CIM_INSN
};

/* Instruction id + 1 by opcode; 0 = no instruction. A duplicate opcode in isa.def is a
 * compile error (-Woverride-init, part of -Wextra). */
static const unsigned char by_opcode[256] = {
#define CIM_INSN(id, mnemonic, opcode, format) [opcode] = CIM_I_##id + 1,
#include "models/isa/isa.def"
#undef CIM_INSN
};

/* Operands of each format, in assembly order (isa.def's header comment). */
#define R(n, f) {n, OPK_REG, f}
#define MAC {"m", OPK_MAC, FLD_M}
#define U(n, f) {n, OPK_U12, f}
static const IsaFormatSpec format_spec[] = {
    [CIM_F_NONE] = {0, {{0}}},
    [CIM_F_RI] = {2, {R("rd", FLD_M), {"imm", OPK_IMM24, FLD_CD}}},
    [CIM_F_RRI] = {3, {R("rd", FLD_M), R("rs", FLD_A), {"imm", OPK_IMM24, FLD_CD}}},
    [CIM_F_R3] = {3, {R("rd", FLD_M), R("rs", FLD_A), R("rt", FLD_B)}},
    [CIM_F_BR] = {3, {R("rs", FLD_M), R("rt", FLD_A), {"target", OPK_TGT24, FLD_CD}}},
    [CIM_F_J] = {1, {{"target", OPK_TGT24, FLD_CD}}},
    [CIM_F_M] = {1, {MAC}},
    [CIM_F_MROW] = {2, {MAC, U("row", FLD_A)}},
    [CIM_F_MRW] = {3, {MAC, U("row", FLD_A), R("ra", FLD_B)}},
    [CIM_F_MR] = {2, {MAC, R("ra", FLD_A)}},
    [CIM_F_MRR] = {3, {MAC, U("row_a", FLD_A), U("row_b", FLD_B)}},
    [CIM_F_MCOL] = {3, {MAC, U("col0", FLD_A), {"ncol", OPK_N12, FLD_B}}},
    [CIM_F_MGATE] = {4, {MAC, U("row0", FLD_A), {"n", OPK_N12, FLD_B}, U("ir_off", FLD_C)}},
    [CIM_F_RM] = {2, {R("rd", FLD_A), MAC}},
    [CIM_F_WCFG] = {6, {R("ra", FLD_M), U("C", FLD_A), U("H", FLD_B), U("W", FLD_C),
                        {"k", OPK_K8, FLD_D}, {"pad", OPK_PAD4, FLD_D}}},
    [CIM_F_R1] = {1, {R("ra", FLD_M)}},
    [CIM_F_R2] = {2, {R("ry", FLD_M), R("rx", FLD_A)}},
    [CIM_F_LCFG] = {3, {R("ra", FLD_M), U("nf", FLD_A), {"mode", OPK_MODE, FLD_B}}},
    [CIM_F_PACC] = {4, {MAC, U("off", FLD_A), U("shift", FLD_B), U("neg", FLD_C)}},
    [CIM_F_DMA] = {2, {R("ra", FLD_M), {"nbits", OPK_N24, FLD_AB}}},
};
#undef R
#undef MAC
#undef U

const CimInsnInfo *cim_isa_info(CimInsnId id)
{
    return (unsigned)id < CIM_I_COUNT ? &insn_info[id] : NULL;
}

const IsaFormatSpec *cim_isa_format_spec(CimInsnFormat f) { return &format_spec[f]; }

int cim_isa_find(const char *mnemonic, size_t len)
{
    for (int i = 0; i < CIM_I_COUNT; i++)
        if (strlen(insn_info[i].mnemonic) == len && memcmp(insn_info[i].mnemonic, mnemonic, len) == 0)
            return i;
    return -1;
}

uint64_t cim_isa_encode(const CimInsn *in)
{
    assert((unsigned)in->id < CIM_I_COUNT);
    return (uint64_t)insn_info[in->id].opcode << 56 | (uint64_t)(in->m & 0xFFu) << 48 |
           (uint64_t)(in->a & 0xFFFu) << 36 | (uint64_t)(in->b & 0xFFFu) << 24 |
           (uint64_t)(in->c & 0xFFFu) << 12 | (uint64_t)(in->d & 0xFFFu);
}

CimStatus cim_isa_decode(uint64_t word, CimInsn *out)
{
    unsigned id = by_opcode[word >> 56];
    if (id == 0)
        return CIM_ERR_RANGE;
    out->id = (CimInsnId)(id - 1);
    out->m = (unsigned)(word >> 48) & 0xFFu;
    out->a = (unsigned)(word >> 36) & 0xFFFu;
    out->b = (unsigned)(word >> 24) & 0xFFFu;
    out->c = (unsigned)(word >> 12) & 0xFFFu;
    out->d = (unsigned)word & 0xFFFu;
    return CIM_OK;
}

/* ---- 24-bit values ------------------------------------------------------ */

uint32_t cim_isa_cd(const CimInsn *in) { return (in->c & 0xFFFu) << 12 | (in->d & 0xFFFu); }
uint32_t cim_isa_ab(const CimInsn *in) { return (in->a & 0xFFFu) << 12 | (in->b & 0xFFFu); }

/* Example: c:d = 0xFFFFFB -> -5 (flip the sign bit, then subtract it). */
int32_t cim_isa_imm(const CimInsn *in) { return (int32_t)(cim_isa_cd(in) ^ 0x800000u) - 0x800000; }

void cim_isa_set_cd(CimInsn *in, uint32_t v)
{
    in->c = (v >> 12) & 0xFFFu;
    in->d = v & 0xFFFu;
}

void cim_isa_set_ab(CimInsn *in, uint32_t v)
{
    in->a = (v >> 12) & 0xFFFu;
    in->b = v & 0xFFFu;
}

/* ---- operands ----------------------------------------------------------- */

static unsigned *field_ptr(CimInsn *in, IsaField f)
{
    switch (f) {
    case FLD_M: return &in->m;
    case FLD_A: return &in->a;
    case FLD_B: return &in->b;
    case FLD_C: return &in->c;
    default: return &in->d;
    }
}

static unsigned field_val(const CimInsn *in, IsaField f)
{
    switch (f) {
    case FLD_M: return in->m;
    case FLD_A: return in->a;
    case FLD_B: return in->b;
    case FLD_C: return in->c;
    default: return in->d;
    }
}

int64_t cim_isa_operand_get(const CimInsn *in, const IsaOperand *o)
{
    unsigned v = field_val(in, o->field);
    switch (o->kind) {
    case OPK_N12: return (int64_t)v + 1;
    case OPK_IMM24: return cim_isa_imm(in);
    case OPK_TGT24: return cim_isa_cd(in);
    case OPK_N24: return (int64_t)cim_isa_ab(in) + 1;
    case OPK_K8: return v >> 4;
    case OPK_PAD4: return v & 15u;
    default: return v;
    }
}

void cim_isa_operand_set(CimInsn *in, const IsaOperand *o, int64_t v)
{
    unsigned *f = field_ptr(in, o->field);
    switch (o->kind) {
    case OPK_N12: *f = (unsigned)(v - 1); break;
    case OPK_IMM24:
    case OPK_TGT24: cim_isa_set_cd(in, (uint32_t)v & 0xFFFFFFu); break;
    case OPK_N24: cim_isa_set_ab(in, (uint32_t)(v - 1)); break;
    case OPK_K8: *f = (*f & 15u) | (unsigned)v << 4; break;
    case OPK_PAD4: *f = (*f & ~15u) | (unsigned)v; break;
    default: *f = (unsigned)v; break;
    }
}

void cim_isa_operand_range(const IsaOperand *o, int64_t *lo, int64_t *hi)
{
    static const int64_t range[][2] = {
        [OPK_REG] = {0, CIM_NREGS - 1}, [OPK_MAC] = {0, 255},        [OPK_U12] = {0, 4095},
        [OPK_N12] = {1, 4096},          [OPK_IMM24] = {-0x800000, 0x7FFFFF},
        [OPK_TGT24] = {0, 0xFFFFFF},    [OPK_N24] = {1, 0x1000000}, [OPK_K8] = {0, 255},
        [OPK_PAD4] = {0, 15},           [OPK_MODE] = {0, 1},
    };
    *lo = range[o->kind][0];
    *hi = range[o->kind][1];
}

int cim_isa_dual_op(unsigned opcode)
{
    for (int i = 0; i < CIM_OP_COUNT; i++)
        if (cim_op_info((CimLogicOp)i)->opcode == opcode)
            return i;
    return -1;
}

/* Bit mask of the fields (1 = m, 2 = a, 4 = b, 8 = c, 16 = d) an operand occupies. */
static unsigned field_bits(IsaField f)
{
    static const unsigned bits[] = {[FLD_M] = 1, [FLD_A] = 2, [FLD_B] = 4, [FLD_C] = 8,
                                    [FLD_D] = 16, [FLD_CD] = 24, [FLD_AB] = 6};
    return bits[f];
}

int cim_isa_canonical(const CimInsn *in)
{
    if ((unsigned)in->id >= CIM_I_COUNT || in->m > 0xFFu || in->a > 0xFFFu || in->b > 0xFFFu ||
        in->c > 0xFFFu || in->d > 0xFFFu)
        return 0;
    const IsaFormatSpec *s = &format_spec[insn_info[in->id].format];
    unsigned used = 0;
    for (unsigned i = 0; i < s->n; i++) {
        int64_t lo, hi, v = cim_isa_operand_get(in, &s->op[i]);
        cim_isa_operand_range(&s->op[i], &lo, &hi);
        if (v < lo || v > hi)
            return 0;
        used |= field_bits(s->op[i].field);
    }
    if (insn_info[in->id].format == CIM_F_MRR) {
        if (cim_isa_dual_op(in->c) < 0)
            return 0;
        used |= 8u;
    }
    const unsigned vals[] = {in->m, in->a, in->b, in->c, in->d};
    for (unsigned f = 0; f < 5; f++)
        if (!(used & 1u << f) && vals[f] != 0)
            return 0;
    return 1;
}

/* ---- disassembly -------------------------------------------------------- */

static size_t put(char *buf, size_t len, size_t used, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static size_t put(char *buf, size_t len, size_t used, const char *fmt, ...)
{
    if (used >= len)
        return used;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
    return k < 0 ? used : used + (size_t)k;
}

static size_t put_operand(char *buf, size_t len, size_t used, const CimInsn *in, const IsaOperand *o)
{
    int64_t v = cim_isa_operand_get(in, o);
    switch (o->kind) {
    case OPK_REG: return put(buf, len, used, "r%" PRId64, v);
    case OPK_MAC: return put(buf, len, used, "m%" PRId64, v);
    case OPK_MODE: return put(buf, len, used, "%s", v ? "skip" : "ref");
    default: return put(buf, len, used, "%" PRId64, v);
    }
}

void cim_isa_disasm(const CimInsn *in, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    if (!cim_isa_canonical(in)) {
        if ((unsigned)in->id < CIM_I_COUNT)
            put(buf, len, 0, ".word 0x%016" PRIx64, cim_isa_encode(in));
        else
            put(buf, len, 0, ".word ?");
        return;
    }
    const CimInsnInfo *info = &insn_info[in->id];
    size_t used = put(buf, len, 0, "%s", info->mnemonic);
    if (info->format == CIM_F_MRR)
        used = put(buf, len, used, ".%s", cim_op_info((CimLogicOp)cim_isa_dual_op(in->c))->mnemonic);
    const IsaFormatSpec *s = &format_spec[info->format];
    for (unsigned i = 0; i < s->n; i++) {
        used = put(buf, len, used, i ? ", " : " ");
        used = put_operand(buf, len, used, in, &s->op[i]);
    }
}
