/* The controller ISA: binary encoding, decoding, assembler and disassembler. The single
 * list of instructions is isa.def; semantics and timing are in exec.c (models/chip). */
#ifndef CIM_ISA_H
#define CIM_ISA_H

#include "models/common/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
#define CIM_INSN(id, mnemonic, opcode, format) CIM_I_##id,
#include "models/isa/isa.def"
#undef CIM_INSN
    CIM_I_COUNT
} CimInsnId;

typedef enum {
    CIM_F_NONE, CIM_F_RI, CIM_F_RRI, CIM_F_R3, CIM_F_BR, CIM_F_J, CIM_F_M, CIM_F_MROW,
    CIM_F_MRW, CIM_F_MR, CIM_F_MRR, CIM_F_MCOL, CIM_F_MGATE, CIM_F_RM, CIM_F_WCFG, CIM_F_R1,
    CIM_F_R2, CIM_F_LCFG, CIM_F_PACC, CIM_F_DMA
} CimInsnFormat;

typedef struct {
    const char *mnemonic;
    unsigned opcode;
    CimInsnFormat format;
} CimInsnInfo;

/* A decoded instruction: the raw fields of the 64-bit word
 * [63:56] opcode [55:48] m [47:36] a [35:24] b [23:12] c [11:0] d. */
typedef struct {
    CimInsnId id;
    unsigned m, a, b, c, d;
} CimInsn;

#define CIM_NREGS 16
/* The largest value of the 12-bit fields a, b, c and d (m is 8 bits). */
#define CIM_ISA_FIELD_MAX 0xFFFu

const CimInsnInfo *cim_isa_info(CimInsnId id);
uint64_t cim_isa_encode(const CimInsn *in);
/* CIM_ERR_RANGE for an opcode no instruction has. */
CimStatus cim_isa_decode(uint64_t word, CimInsn *out);

/* 24-bit signed immediate in c:d, and the 24-bit unsigned values c:d and a:b. */
int32_t cim_isa_imm(const CimInsn *in);
uint32_t cim_isa_cd(const CimInsn *in);
uint32_t cim_isa_ab(const CimInsn *in);
void cim_isa_set_cd(CimInsn *in, uint32_t v);
void cim_isa_set_ab(CimInsn *in, uint32_t v);

/* One instruction as assembly text, e.g. "gated m1, 0, 256, 32" (no newline); branch
 * targets are numbers. A word the syntax cannot express (an unused field not 0, a register
 * field over 15, dual with an op ops.def lacks, lcfg mode over 1) is written
 * ".word 0x<16 hex digits>", which the assembler reads back as that raw word. */
void cim_isa_disasm(const CimInsn *in, char *buf, size_t len);

/* A program: instruction words plus, for assembled programs, a label per address. */
typedef struct {
    uint64_t *words;
    size_t n, cap;
} CimProgram;

void cim_program_init(CimProgram *p);
void cim_program_free(CimProgram *p, const CimAlloc *a);
/* Appends one instruction; CIM_ERR_RANGE for an unknown id or a field wider than its bits
 * (m 8, a..d 12), CIM_ERR_NOMEM: either leaves the program as it was. */
CimStatus cim_program_emit(CimProgram *p, const CimInsn *in, const CimAlloc *a);
/* Makes room for `extra` more words (growing by doubling); CIM_ERR_NOMEM leaves p as it was. */
CimStatus cim_program_reserve(CimProgram *p, size_t extra, const CimAlloc *a);

/* Assembles text (one instruction per line, `label:` lines, `#` comments, registers r0..r15,
 * macros m0..m255, logic ops by mnemonic) into p. Errors go to diag as name:line:col.
 * Labels may be used before they are defined. The words are appended to p (labels count
 * addresses from p->n); on any error p keeps its old words. `.word VALUE` places a raw word
 * (its opcode must exist). Status: CIM_ERR_CONFIG for errors in the text (every bad line is
 * reported, compiler style), CIM_ERR_NOMEM. */
CimStatus cim_isa_assemble(const char *text, const char *name, CimProgram *p, const CimAlloc *a,
                           CimDiag *diag);
/* Writes the whole program as assembly text that cim_isa_assemble reads back to the same
 * words; branch targets become labels L<addr>. CIM_ERR_RANGE (after writing everything) if
 * a word has no instruction (it is written as a `.word` the assembler refuses), CIM_ERR_IO
 * if writing failed, CIM_ERR_NOMEM. */
CimStatus cim_isa_disasm_program(const CimProgram *p, FILE *out);

/* Binary program file: "DCIMPRG1", u64 count, then the words, all little-endian. write goes
 * to path.tmp and renames it over path when complete (CIM_ERR_IO). read appends to p and
 * checks the magic, the count against the file size and that every word decodes
 * (CIM_ERR_FORMAT, each problem reported with the file name and word index); on any error p
 * keeps its old words. */
CimStatus cim_program_write(const CimProgram *p, const char *path, CimDiag *diag);
CimStatus cim_program_read(const char *path, CimProgram *p, const CimAlloc *a, CimDiag *diag);

#ifdef __cplusplus
}
#endif
#endif
