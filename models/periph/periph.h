/* Column periphery of a macro: per-column counters (popcount accumulation over gated
 * reads), the popcount adder tree over a row, and the shift-add accumulator used for
 * bit-serial multi-bit products. Every function counts its energy events. */
#ifndef CIM_PERIPH_H
#define CIM_PERIPH_H

#include "models/config/config.h"
#include "models/energy/energy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- rules shared with the fast path (inline: its inner loop uses them) ------ */

/* Largest value of a bits-wide column counter (bits 1..32): 2^bits - 1. */
static inline uint32_t cim_counter_max(unsigned bits)
{
    return bits >= 32 ? UINT32_MAX : ((uint32_t)1 << bits) - 1u;
}

/* The counter overflow rule: the value a bits-wide counter shows after increments that
 * sum to `sum` from its current value. Up to 2^bits - 1 it is the sum; past it a wrapping
 * counter keeps sum mod 2^bits and a saturating one stays at 2^bits - 1.
 * Example: bits = 2, sum 5 -> wrap 1, saturate 3. */
static inline uint32_t cim_counter_value(unsigned bits, CimOverflow mode, uint64_t sum)
{
    uint32_t max = cim_counter_max(bits);
    if (sum <= max)
        return (uint32_t)sum;
    return mode == CIM_OVERFLOW_WRAP ? (uint32_t)(sum & max) : max;
}

/* Energy events of `increments` counter increments: one CIM_EV_COUNTER each (a counter
 * that adds 0 is clock-gated and costs nothing). */
static inline void cim_counter_events(CimEvents *ev, uint64_t increments)
{
    ev->n[CIM_EV_COUNTER] += increments;
}

/* Two's-complement value of the low `bits` bits of v (bits 1..64): how the shift-add
 * accumulator and the PPU's adders (the same adders) wrap. Arithmetic modulo 2^64
 * first and one wrap at the end gives the value of wrapping after every addition.
 * Example: bits = 8: 200 -> -56, 0x1FF -> -1, 127 -> 127. */
static inline int64_t cim_wrap_signed(uint64_t v, unsigned bits)
{
    if (bits == 32) /* the default width: one sign extension */
        return (int32_t)(uint32_t)v;
    if (bits >= 64)
        return (int64_t)v;
    uint64_t m = ((uint64_t)1 << bits) - 1;
    v &= m;
    return (v >> (bits - 1)) ? (int64_t)(v | ~m) : (int64_t)v;
}

/* ---- column counters --------------------------------------------------------- */
typedef struct {
    unsigned n;            /* counters (one per column) */
    unsigned bits;         /* width, 1..32 */
    CimOverflow mode;
    uint32_t *v;           /* values, each in [0, 2^bits - 1] */
    uint64_t *overflow;    /* sticky flag per counter, a bit row of n bits */
} CimCounters;

/* Allocates n zeroed counters; CIM_ERR_NOMEM leaves c zeroed (safe to free). */
CimStatus cim_counters_init(CimCounters *c, unsigned n, unsigned bits, CimOverflow mode,
                            const CimAlloc *a);
void cim_counters_free(CimCounters *c, const CimAlloc *a);
/* Resets values and overflow flags to zero. */
void cim_counters_clear(CimCounters *c);
/* Adds bit i of `row` to counter i, for every i. At overflow (cim_counter_value) a wrapping
 * counter goes from 2^bits - 1 to 0 and a saturating one stays at 2^bits - 1; both set
 * the sticky flag.
 * Example: bits = 2, wrap, value 3, bit 1 -> value 0, overflow set. Counts one
 * CIM_EV_COUNTER per increment (counters with a 0 bit are clock-gated). */
void cim_counters_add_row(CimCounters *c, const uint64_t *row, CimEvents *ev);
/* Adds `k` to counter i (k sensed ones in one step, e.g. from a fast path). Same overflow
 * rules as k single increments; counts k events (ev may be NULL: the caller counts them).
 * Inline: the gated read's per-column loop uses it. */
static inline void cim_counters_add(CimCounters *c, unsigned i, uint32_t k, CimEvents *ev)
{
    uint64_t sum = (uint64_t)c->v[i] + k;
    if (sum > cim_counter_max(c->bits))
        c->overflow[i >> 6] |= (uint64_t)1 << (i & 63u);
    c->v[i] = cim_counter_value(c->bits, c->mode, sum);
    if (ev)
        cim_counter_events(ev, k);
}

/* Popcount of an nbits-wide row through the adder tree (any nbits: the tree is built over
 * the next power of two, padded with zeros); counts cim_adder_tree_full_adders(nbits)
 * full-adder operations. */
uint32_t cim_popcount_tree(const uint64_t *row, unsigned nbits, CimEvents *ev);

/* acc + (negate ? -1 : 1) * (value << shift) in a two's-complement accumulator of
 * acc_bits (8..64). The result wraps like the hardware (cim_wrap_signed); *overflow (if non-NULL) is set to
 * 1 when the exact result does not fit. Counts acc_bits full-adder operations.
 * Example: acc 5, value 3, shift 2, negate 1 -> 5 - 12 = -7. */
int64_t cim_shift_add(int64_t acc, int64_t value, unsigned shift, int negate, unsigned acc_bits,
                      int *overflow, CimEvents *ev);

#ifdef __cplusplus
}
#endif
#endif
