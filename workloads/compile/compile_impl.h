/* Internal to workloads/compile/: the instruction emitter shared by the compiler's files. */
#ifndef CIM_COMPILE_IMPL_H
#define CIM_COMPILE_IMPL_H

#include "workloads/compile/compile.h"

/* Registers the emitted programs use. */
enum { R_Y = 1, R_X, R_PY, R_PX, R_HO, R_WO, R_ADDR, R_TMP, R_YB, R_XB, R_OUT, R_ACC, R_IN, R_ONE };

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

/* The 2-D allocator of macro cells (pack.c): per macro a skyline, height[m * cols + c] =
 * the first free row of column c; top[m] = the highest used row + 1. */
typedef struct {
    unsigned macros, rows, cols;
    unsigned *height, *top;
    uint8_t *busy;     /* macros holding a region of the layer being placed */
    int first_fit;     /* chip.mapping.strategy pack: the lowest-index macro with room */
    const CimAlloc *a;
} CimPack;

CimStatus cim_pack_init(CimPack *p, unsigned macros, unsigned rows, unsigned cols, const CimAlloc *a);
void cim_pack_free(CimPack *p);
/* Empties every macro (reload: each layer has the whole chip to itself). */
void cim_pack_clear(CimPack *p);
/* Starts a new layer: no macro holds one of its regions yet. */
void cim_pack_next_layer(CimPack *p);
/* Places an nrows x ncols region (sets r's macro, row0, nrows, col0, ncols): on a macro
 * not yet holding a region of this layer when one has room (regions of one layer on
 * distinct macros run concurrently), else on any; among those with room the macro with
 * the lowest top, then the lowest index; in it the lowest row, then the leftmost column.
 * With first_fit (strategy pack): the lowest-index macro with room, busy or not.
 * Returns -1 when no macro has a free rectangle that large. */
int cim_pack_place(CimPack *p, unsigned nrows, unsigned ncols, CimRegion *r);
/* Cuts a column tile of `length` filter elements and ncols columns into row tiles that fit
 * the free space, tallest first: each tile takes the spot of an ncols-wide window with the
 * lowest top over all macros (then the lowest macro, then the leftmost column) and as many
 * of the remaining elements as fit above it. Sets out[0, *n) (e0 = first element, f0 = 0;
 * out NULL: only counts). Returns -1 when the space runs out or a tile would start past
 * element max_e0 (gated's input-offset field). */
int cim_pack_cut(CimPack *p, unsigned length, unsigned ncols, unsigned max_e0, CimRegion *out, unsigned *n);
/* The free space of every macro, to put back after a trial (cim_pack_restore). */
typedef struct {
    unsigned *height, *top;
} CimPackSnap;
CimStatus cim_pack_snap(const CimPack *p, CimPackSnap *s);
void cim_pack_restore(CimPack *p, const CimPackSnap *s);
void cim_pack_snap_free(const CimPack *p, CimPackSnap *s);

/* Emits the program of one chip layer (docs/compiler.md). */
CimStatus cim_emit_layer(const CimChipCfg *cfg, const CimChipLayer *cl, int first, int last, const CimCompiled *cc,
                         const CimAlloc *a, CimProgram *out);

#endif
