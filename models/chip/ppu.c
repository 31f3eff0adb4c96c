/* The layer table of the post-processing unit: its layout, reader and writer. */
#include "models/chip/ppu.h"

uint32_t cim_ppu_npat(const CimWindowState *w) { return w->configured ? cim_window_patterns(w->pad) : 1; }

CimPpuTable cim_ppu_table(uint32_t nf, uint32_t npat)
{
    CimPpuTable t;
    t.nf = nf;
    t.npat = npat;
    t.mask_bits = (nf + 31ull) / 32u * 32u;
    t.thr_bit = t.mask_bits;
    t.off_bit = t.thr_bit + 32ull * nf;
    t.bits = t.off_bit + 32ull * nf * npat;
    return t;
}

static int32_t get32(const uint64_t *buf, size_t at)
{
    uint64_t v = 0;
    cim_bits_copy_range(&v, 0, buf, at, 32);
    return (int32_t)(uint32_t)v;
}

static void put32(uint64_t *buf, size_t at, int32_t v)
{
    uint64_t u = (uint32_t)v;
    cim_bits_copy_range(buf, at, &u, 0, 32);
}

void cim_ppu_table_read(const CimPpuTable *t, const uint64_t *buf, size_t at, uint64_t *pruned, int32_t *thr,
                        int32_t *off)
{
    if (pruned)
        cim_bits_copy_range(pruned, 0, buf, at, t->nf);
    for (uint32_t f = 0; thr && f < t->nf; f++)
        thr[f] = get32(buf, at + cim_ppu_table_thr_bit(t, f));
    for (uint32_t p = 0; off && p < t->npat; p++)
        for (uint32_t f = 0; f < t->nf; f++)
            off[(size_t)p * t->nf + f] = get32(buf, at + cim_ppu_table_off_bit(t, p, f));
}

void cim_ppu_table_put_filter(const CimPpuTable *t, uint64_t *buf, size_t at, uint32_t f, int pruned, int32_t thr)
{
    cim_bits_set(buf, at + f, pruned);
    put32(buf, at + cim_ppu_table_thr_bit(t, f), thr);
}

void cim_ppu_table_put_offset(const CimPpuTable *t, uint64_t *buf, size_t at, uint32_t pattern, uint32_t f,
                              int32_t off)
{
    put32(buf, at + cim_ppu_table_off_bit(t, pattern, f), off);
}
