/* Column counters, adder-tree popcount and shift-add: bit-exact, with defined overflow. */
#include "models/periph/periph.h"

#include <string.h>

CimStatus cim_counters_init(CimCounters *c, unsigned n, unsigned bits, CimOverflow mode,
                            const CimAlloc *a)
{
    memset(c, 0, sizeof *c);
    if (n == 0 || bits == 0 || bits > 32)
        return CIM_ERR_RANGE;
    uint32_t *v = cim_alloc_array(a, n, sizeof *v);
    uint64_t *ov = cim_alloc_array(a, cim_bits_words(n), sizeof *ov);
    if (!v || !ov) {
        cim_free(a, v);
        cim_free(a, ov);
        return CIM_ERR_NOMEM;
    }
    c->n = n;
    c->bits = bits;
    c->mode = mode;
    c->v = v;
    c->overflow = ov;
    return CIM_OK;
}

void cim_counters_free(CimCounters *c, const CimAlloc *a)
{
    cim_free(a, c->v);
    cim_free(a, c->overflow);
    memset(c, 0, sizeof *c);
}

void cim_counters_clear(CimCounters *c)
{
    memset(c->v, 0, c->n * sizeof *c->v);
    memset(c->overflow, 0, cim_bits_words(c->n) * sizeof *c->overflow);
}

void cim_counters_add_row(CimCounters *c, const uint64_t *row, CimEvents *ev)
{
    size_t w = cim_bits_words(c->n);
    for (size_t i = 0; i < w; i++) {
        uint64_t x = row[i];
        if (i == w - 1)
            x &= cim_bits_tail_mask(c->n);
        while (x) {
            unsigned b = (unsigned)__builtin_ctzll(x);
            cim_counters_add(c, (unsigned)(i * 64u + b), 1, ev);
            x &= x - 1;
        }
    }
}

uint32_t cim_popcount_tree(const uint64_t *row, unsigned nbits, CimEvents *ev)
{
    if (ev)
        ev->n[CIM_EV_FULL_ADDER] += cim_adder_tree_full_adders(nbits);
    return (uint32_t)cim_bits_popcount(row, nbits);
}

/* 128-bit integers keep the exact sum before it is wrapped to the accumulator width; the
 * common case (no int64 overflow) stays in 64-bit arithmetic. */
__extension__ typedef __int128 i128;

int64_t cim_shift_add(int64_t acc, int64_t value, unsigned shift, int negate, unsigned acc_bits,
                      int *overflow, CimEvents *ev)
{
    if (ev)
        ev->n[CIM_EV_FULL_ADDER] += acc_bits;
    int64_t exact;
    if (shift < 63 && value >= -(INT64_C(1) << (62 - shift)) && value < (INT64_C(1) << (62 - shift)) &&
        !(negate ? __builtin_sub_overflow(acc, value * (INT64_C(1) << shift), &exact)
                 : __builtin_add_overflow(acc, value * (INT64_C(1) << shift), &exact))) {
        int64_t r = cim_wrap_signed((uint64_t)exact, acc_bits);
        if (overflow)
            *overflow = r != exact;
        return r;
    }
    i128 t = (i128)value * ((i128)1 << shift);
    i128 e = (i128)acc + (negate ? -t : t);
    i128 mod = (i128)1 << acc_bits;
    if (overflow)
        *overflow = e < -(mod / 2) || e > mod / 2 - 1;
    return cim_wrap_signed((uint64_t)e, acc_bits);
}
