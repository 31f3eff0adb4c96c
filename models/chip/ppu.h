/* The post-processing unit's arithmetic (pacc, pfin, pthr) and the layer table lcfg
 * reads: the one statement of these rules, shared by the chip (exec_units.c), the fast
 * path, the compiler that writes the tables and the co-simulation that checks them.
 * docs/isa.md (PPU), docs/compiler.md (layer tables). */
#ifndef CIM_PPU_H
#define CIM_PPU_H

#include "models/chip/chip.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- arithmetic (inline: the fast path's per-position loop uses it) ---------------- */
/* Accumulators are `bits` wide (chip.periphery.shift_add_bits) and wrap like the
 * shift-add's (cim_wrap_signed). Since wrapping is arithmetic modulo 2^bits, an
 * accumulator may be handed over unwrapped (the exact sum of its pacc terms): the result
 * is the same as wrapping after every step. */

/* pacc: p + (negate ? -1 : 1) x (count << shift). Example: bits 8, p 100, count 30,
 * shift 1 -> 160 wraps to -96. */
static inline int64_t cim_ppu_acc(int64_t p, uint32_t count, unsigned shift, int negate, unsigned bits)
{
    uint64_t term = (uint64_t)count << shift;
    return cim_wrap_signed((uint64_t)p + (negate ? -term : term), bits);
}

/* cim_ppu_acc for bits 32, shift 0, no negation (the binary layers' pacc): the same value,
 * one sign extension. */
static inline int64_t cim_ppu_acc32(int64_t p, uint32_t count) { return (int32_t)((uint32_t)p + count); }

/* pfin of a live filter, the binary finish. From the AND count p = pop(x & w) over the
 * valid taps, with px = pop(x), pw = pop(w & valid) and V valid taps, the +-1 dot product
 * is sum (2x-1)(2w-1) = 4p - 2px - 2pw + V, and off = V - 2pw (cim_ppu_offset).
 * Example: x = 1100, w = 1010 (V = 4): p = 1, px = 2, pw = 2 -> 4 - 4 + 0 = 0. */
static inline int64_t cim_ppu_finish(int64_t p, uint32_t px, int32_t off, unsigned bits)
{
    return cim_wrap_signed(((uint64_t)p << 2) - 2 * (uint64_t)px + (uint64_t)(int64_t)off, bits);
}

/* cim_ppu_finish for bits 32 (the default width): the same value, one sign extension. */
static inline int64_t cim_ppu_finish32(int64_t p, uint32_t px, int32_t off)
{
    return (int32_t)(((uint32_t)p << 2) - 2u * px + (uint32_t)off);
}

/* The offset term of cim_ppu_finish for a filter with pw +1 weights on V valid taps. */
static inline int32_t cim_ppu_offset(uint32_t valid, uint32_t pw)
{
    return (int32_t)valid - 2 * (int32_t)pw;
}

/* pfin of a pruned filter: in mode skip exactly 0; in mode ref the filter is all -1, so
 * its dot product is V - 2px (the finish with p = 0 and pw = 0). */
static inline int64_t cim_ppu_pruned(int skip, uint32_t valid, uint32_t px, unsigned bits)
{
    return skip ? 0 : cim_wrap_signed((uint64_t)valid - 2 * (uint64_t)px, bits);
}

/* pthr: the output bit of an accumulator against its threshold (a comparator). */
static inline int cim_ppu_fires(int64_t p, int32_t thr) { return p >= thr; }

/* pfin and pthr of a live filter folded into one compare on the AND count: while the
 * finish does not wrap it is exactly 4p - 2px + off, so
 *   cim_ppu_fires(cim_ppu_finish(p, px, off, bits), thr) == cim_ppu_fires_count(p, px, margin)
 * with margin = cim_ppu_fold_margin(thr, off) = thr - off. cim_ppu_fold_exact says when:
 * for every count p in [0, pmax] and every px in [0, pxmax], 4p - 2px + off lies in the
 * accumulator's signed range of `bits` (the expression is monotonic in p and px, so its two
 * extremes decide). Where it is not exact (the finish may wrap), use the finish and the
 * threshold. Example: bits 8, off 100, pmax 10, pxmax 0 -> 4 x 10 + 100 = 140 > 127: not
 * exact; off 0, pmax 31, pxmax 64 -> [-128, 124]: exact. */
static inline int cim_ppu_fold_exact(int32_t off, uint32_t pmax, uint32_t pxmax, unsigned bits)
{
    int64_t lo = (int64_t)off - 2 * (int64_t)pxmax, hi = 4 * (int64_t)pmax + off;
    if (bits >= 64) /* |lo|, |hi| < 2^35 */
        return 1;
    int64_t half = (int64_t)1 << (bits - 1);
    return lo >= -half && hi < half;
}
static inline int64_t cim_ppu_fold_margin(int32_t thr, int32_t off) { return (int64_t)thr - off; }
static inline int cim_ppu_fires_count(int64_t p, uint32_t px, int64_t margin)
{
    return 4 * p - 2 * (int64_t)px >= margin;
}

/* ---- the layer table (lcfg) ------------------------------------------------------- */
/* At a bit address of the buffer, every entry int32 two's complement:
 *   pruned mask  nf bits, padded to a multiple of 32 (bit f: output f is pruned)
 *   thresholds   nf x 32 bits (pthr)
 *   offsets      npat x nf x 32 bits, pattern-major: off[pattern][f] (pfin)
 * Example: nf 3, npat 9: mask bits [0, 32), thresholds from 32, offsets from 128, 992 bits. */
typedef struct {
    uint32_t nf, npat;
    uint64_t mask_bits;    /* nf rounded up to 32 */
    uint64_t thr_bit;      /* threshold 0 */
    uint64_t off_bit;      /* offset [0][0] */
    uint64_t bits;         /* the whole table */
} CimPpuTable;

/* Border patterns of a window with this padding, (2 pad + 1)^2: cim_window_class's
 * pattern is below it. Example: pad 1 (3x3 kernel) -> 9. */
static inline uint32_t cim_window_patterns(uint32_t pad) { return (2 * pad + 1) * (2 * pad + 1); }
/* Patterns of the table lcfg reads after the window unit's configuration: those of its
 * pad, 1 when it is not configured (ild inputs have no border). */
uint32_t cim_ppu_npat(const CimWindowState *w);

CimPpuTable cim_ppu_table(uint32_t nf, uint32_t npat);
static inline uint64_t cim_ppu_table_thr_bit(const CimPpuTable *t, uint32_t f) { return t->thr_bit + 32ull * f; }
static inline uint64_t cim_ppu_table_off_bit(const CimPpuTable *t, uint32_t pattern, uint32_t f)
{
    return t->off_bit + 32ull * ((uint64_t)pattern * t->nf + f);
}

/* Reads the table at bit `at` of buf: mask bits into pruned[0, nf) (other bits kept),
 * thr[nf], off[npat x nf] (pattern-major). Any output may be NULL. */
void cim_ppu_table_read(const CimPpuTable *t, const uint64_t *buf, size_t at, uint64_t *pruned, int32_t *thr,
                        int32_t *off);
/* Writes filter f's mask bit and threshold into the table at bit `at` of buf. */
void cim_ppu_table_put_filter(const CimPpuTable *t, uint64_t *buf, size_t at, uint32_t f, int pruned, int32_t thr);
/* Writes off[pattern][f]. */
void cim_ppu_table_put_offset(const CimPpuTable *t, uint64_t *buf, size_t at, uint32_t pattern, uint32_t f,
                              int32_t off);

#ifdef __cplusplus
}
#endif
#endif
