/* Internal to models/isa: the operand list of every instruction format (isa.def's header
 * comment as a table), shared by the disassembler (isa.c) and the assembler (asm.c). */
#ifndef CIM_ISA_IMPL_H
#define CIM_ISA_IMPL_H

#include "models/isa/isa.h"

/* How one operand is written and where it lives in the word. */
typedef enum {
    OPK_REG,   /* register r0..r15 (an 8- or 12-bit field holding 0..15) */
    OPK_MAC,   /* macro m0..m255 (field m) */
    OPK_U12,   /* plain number 0..4095 */
    OPK_N12,   /* count 1..4096; the field holds n-1 */
    OPK_IMM24, /* signed -2^23..2^23-1 in c:d */
    OPK_TGT24, /* address 0..2^24-1 in c:d, written as a number or a label */
    OPK_N24,   /* count 1..2^24 in a:b; the field holds n-1 */
    OPK_K8,    /* 0..255 in d[11:4] */
    OPK_PAD4,  /* 0..15 in d[3:0] */
    OPK_MODE   /* `ref` (0) or `skip` (1) */
} IsaOpKind;

typedef enum { FLD_M, FLD_A, FLD_B, FLD_C, FLD_D, FLD_CD, FLD_AB } IsaField;

typedef struct {
    const char *name; /* as in isa.def and in "takes N operands (...)" messages */
    IsaOpKind kind;
    IsaField field;
} IsaOperand;

#define ISA_MAX_OPS 6
typedef struct {
    unsigned n;
    IsaOperand op[ISA_MAX_OPS];
} IsaFormatSpec;

#define ISA_TGT_MAX 0xFFFFFFu

const IsaFormatSpec *cim_isa_format_spec(CimInsnFormat f);
/* Looks an instruction up by mnemonic (len bytes, no suffix); -1 if none. */
int cim_isa_find(const char *mnemonic, size_t len);
/* Value of an operand as written in assembly (counts are n, not n-1). */
int64_t cim_isa_operand_get(const CimInsn *in, const IsaOperand *o);
/* Stores a value as written; the caller has range-checked it with cim_isa_operand_range. */
void cim_isa_operand_set(CimInsn *in, const IsaOperand *o, int64_t v);
/* Inclusive range of the value as written (OPK_REG: 0..15, OPK_MODE: 0..1). */
void cim_isa_operand_range(const IsaOperand *o, int64_t *lo, int64_t *hi);
/* The ops.def op whose opcode is `opcode`; -1 if none. */
int cim_isa_dual_op(unsigned opcode);
/* 1 when assembly text can express the instruction exactly: every field fits its width,
 * unused fields are 0, registers are r0..r15, dual's op and lcfg's mode exist. Other
 * words are written `.word 0x...`. */
int cim_isa_canonical(const CimInsn *in);

#endif
