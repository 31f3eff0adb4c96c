/* One int8 1x1 convolution executed bit-serially in the arrays: weight codes bit-sliced in
 * the 1T1R cells (one column group per weight bit), input bit planes applied by gated
 * reads, partial sums combined by the PPU's shift-add with two's-complement signs for the
 * top planes. Mapping, buffer layout and programs; docs/compiler.md, "int8 1x1 convolution". */
#ifndef CIM_COMPILE_INT8_H
#define CIM_COMPILE_INT8_H

#include "workloads/compile/compile.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CIM_INT8_BITS 8u /* bits of a code (weights and inputs), two's complement */

/* A region of the C x 8F bit-sliced weight matrix: r.e0 is its first input channel (its
 * rows hold channels [e0, e0 + nrows)); its columns hold the weight-bit pieces
 * [piece0, piece0 + npieces) left to right (cim_int8_piece). */
typedef struct {
    CimRegion r;
    unsigned piece0, npieces;
} CimInt8Region;

/* A piece: the columns of weight bit `bit` for filters [f0, f0 + n); one pacc each. */
typedef struct {
    unsigned bit, f0, n;
} CimInt8Piece;

typedef struct {
    unsigned C, F;                     /* input channels, filters */
    unsigned pieces_per_bit, piece_w;  /* a weight bit's F columns in pieces of at most piece_w */
    CimInt8Region *regions;            /* row tiles x column tiles, placed (pack.c) */
    unsigned nregions, row_tiles, col_tiles;
    size_t table_addr, table_bits;     /* the PPU layer table lcfg reads (one border pattern) */
    size_t in_addr, out_addr, stage_addr, buffer_bits_used;
    CimProgram prog_load;              /* writes the weight rows and the table */
    uint64_t *load_stream;
    size_t load_bits;
    CimProgram prog;                   /* npos positions (cim_int8_program) */
    unsigned npos;
    CimAlloc alloc;
} CimInt8Conv;

/* Maps the weight codes w[F][C] onto the chip's macros and emits the load program and the
 * program of npos positions (npos >= 1). Refuses, naming the limit, a C the input register
 * (ctrl.ir_bits) or gated's 12-bit input field cannot hold, an F past the PPU
 * (ctrl.ppu_size), a shift-add narrower than the sums (periphery.shift_add_bits), weights
 * that do not fit the macros (chip.macros) or land past the instructions' 8-bit macro field
 * (m0..m255), and a buffer too small (chip.buffer_kib); CIM_ERR_NOMEM when memory runs out
 * (nothing leaks, out is left empty). Row
 * tiles are at most min(rows, 2^counter_bits - 1) high, so a column counter never
 * overflows. */
CimStatus cim_int8_compile(const CimChipCfg *cfg, const int8_t *w, unsigned C, unsigned F, unsigned npos,
                           const CimAlloc *a, CimInt8Conv *out, CimDiag *diag);
void cim_int8_free(CimInt8Conv *c);
/* Re-emits c->prog for npos positions (1 .. 2^23 - 1, li's immediate). */
CimStatus cim_int8_program(const CimChipCfg *cfg, CimInt8Conv *c, unsigned npos);

/* Piece p of c: weight bit p / pieces_per_bit, filters of its part of the F. */
CimInt8Piece cim_int8_piece(const CimInt8Conv *c, unsigned p);
/* The pacc of weight bit i and input plane j: shift i + j, negated when exactly one of them
 * is the sign bit (x = -128 x7 + sum_{j<7} 2^j x_j, the same for w). Example: i = 7, j = 2
 * -> shift 9, negated; i = j = 7 -> shift 14, added. */
static inline int cim_int8_negated(unsigned i, unsigned j) { return (i == 7) != (j == 7); }

/* Host data: the input stream of npos positions from codes x[npos][C], as dmai delivers
 * it: per position 8 planes of C bits, plane j (bit j of every code) at bit j*C. */
size_t cim_int8_input_bits(const CimInt8Conv *c, unsigned npos);
void cim_int8_pack_inputs(const CimInt8Conv *c, const int8_t *x, unsigned npos, uint64_t *stream);
/* Output stream bits of npos positions: per position F int32 (psti, dmao). */
size_t cim_int8_output_bits(const CimInt8Conv *c, unsigned npos);

#ifdef __cplusplus
}
#endif
#endif
