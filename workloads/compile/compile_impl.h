/* Internal to workloads/compile/: the instruction emitter shared by the compiler's files. */
#ifndef CIM_COMPILE_IMPL_H
#define CIM_COMPILE_IMPL_H

#include "workloads/compile/compile.h"

/* Registers the emitted programs use. */
enum { R_Y = 1, R_X, R_PY, R_PX, R_HO, R_WO, R_ADDR, R_TMP, R_YB, R_XB, R_OUT, R_ACC };

typedef struct {
    CimProgram *p;
    const CimAlloc *a;
    CimStatus st;      /* first failure; emitting stops counting after it */
} Emit;

void em(Emit *e, CimInsnId id, unsigned m, unsigned a, unsigned b, unsigned c, unsigned d);
void em_li(Emit *e, unsigned rd, int32_t v);
void em_addi(Emit *e, unsigned rd, unsigned rs, int32_t v);
void em_branch(Emit *e, CimInsnId id, unsigned rs, unsigned rt, uint64_t target);
/* dmai/dmao/ild with an n-bit count (encoded n - 1 in a:b) */
void em_nbits(Emit *e, CimInsnId id, unsigned ra, uint32_t n);

/* Emits the program of one chip layer (docs/compiler.md). */
CimStatus cim_emit_layer(const CimChipCfg *cfg, const CimChipLayer *cl, int first, int last, const CimCompiled *cc,
                         const CimAlloc *a, CimProgram *out);

#endif
