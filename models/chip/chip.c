/* Chip construction, accessors and host-side buffer access. */
#include "models/chip/chip_impl.h"

#include <string.h>

uint32_t cim_chip_cycles_of(const CimChip *c, double t_ns) { return cim_cycles_of_ns(t_ns, c->cfg->clock_mhz); }

static CimStatus create_macros(CimChip *c)
{
    const CimChipCfg *cfg = c->cfg;
    c->macros = cim_alloc_array(&c->alloc, cfg->macros, sizeof *c->macros);
    if (!c->macros)
        return CIM_ERR_NOMEM;
    c->nmacros = cfg->macros;
    for (unsigned m = 0; m < cfg->macros; m++) {
        CimMacro *mc = &c->macros[m];
        CimStatus st = cim_array_create(cfg, m, &c->alloc, &mc->arr);
        if (st != CIM_OK)
            return st;
        st = cim_counters_init(&mc->cnt, cfg->array.cols, cfg->periph.counter_bits,
                               cfg->periph.counter_overflow, &c->alloc);
        if (st != CIM_OK)
            return st;
        mc->out = cim_alloc_array(&c->alloc, cim_bits_words(cfg->array.cols), sizeof(uint64_t));
        if (!mc->out)
            return CIM_ERR_NOMEM;
        mc->win = cim_array_all_cols(mc->arr);
    }
    return CIM_OK;
}

static CimStatus create_units(CimChip *c)
{
    const CimCtrlCfg *k = &c->cfg->ctrl;
    size_t sbits = k->ir_bits > c->cfg->array.cols ? k->ir_bits : c->cfg->array.cols;
    c->buf_bits = (size_t)c->cfg->buffer_kib * 8192u;
    c->buf = cim_alloc_array(&c->alloc, cim_bits_words(c->buf_bits), sizeof(uint64_t));
    c->ir = cim_alloc_array(&c->alloc, cim_bits_words(k->ir_bits), sizeof(uint64_t));
    c->scratch = cim_alloc_array(&c->alloc, cim_bits_words(sbits) + 1, sizeof(uint64_t));
    c->p = cim_alloc_array(&c->alloc, k->ppu_size, sizeof *c->p);
    c->pr = cim_alloc_array(&c->alloc, cim_bits_words(k->ppu_size), sizeof(uint64_t));
    c->pruned = cim_alloc_array(&c->alloc, cim_bits_words(k->ppu_size), sizeof(uint64_t));
    c->thr = cim_alloc_array(&c->alloc, k->ppu_size, sizeof *c->thr);
    c->off = cim_alloc_array(&c->alloc, (size_t)49 * k->ppu_size, sizeof *c->off); /* 49: k <= 7 */
    if (!c->buf || !c->ir || !c->scratch || !c->p || !c->pr || !c->pruned || !c->thr || !c->off)
        return CIM_ERR_NOMEM;
    return CIM_OK;
}

CimStatus cim_chip_create(const CimChipCfg *cfg, const CimAlloc *a, CimChip **out)
{
    *out = NULL;
    CimChip *c = cim_alloc(a, sizeof *c);
    if (!c)
        return CIM_ERR_NOMEM;
    c->cfg = cfg;
    if (a)
        c->alloc = *a;
    CimStatus st = create_macros(c);
    if (st == CIM_OK)
        st = create_units(c);
    if (st != CIM_OK) {
        cim_chip_destroy(c);
        return st;
    }
    c->popo_cycles = cim_chip_cycles_of(c, cfg->tech.timing.t_adder_tree_ns);
    cim_chip_vector(c, 1);
    *out = c;
    return CIM_OK;
}

void cim_chip_destroy(CimChip *c)
{
    if (!c)
        return;
    CimAlloc a = c->alloc;
    for (unsigned m = 0; c->macros && m < c->nmacros; m++) {
        cim_array_destroy(c->macros[m].arr);
        cim_counters_free(&c->macros[m].cnt, &a);
        cim_free(&a, c->macros[m].out);
    }
    cim_free(&a, c->macros);
    cim_free(&a, c->buf);
    cim_free(&a, c->ir);
    cim_free(&a, c->scratch);
    cim_free(&a, c->p);
    cim_free(&a, c->pr);
    cim_free(&a, c->pruned);
    cim_free(&a, c->thr);
    cim_free(&a, c->off);
    cim_free(&a, c);
}

const CimChipCfg *cim_chip_cfg(const CimChip *c) { return c->cfg; }
unsigned cim_chip_macros(const CimChip *c) { return c->nmacros; }
CimMacro *cim_chip_macro(CimChip *c, unsigned m) { return m < c->nmacros ? &c->macros[m] : NULL; }
uint64_t *cim_chip_buffer(CimChip *c) { return c->buf; }
size_t cim_chip_buffer_bits(const CimChip *c) { return c->buf_bits; }
int32_t cim_chip_reg(const CimChip *c, unsigned r) { return r < CIM_NREGS ? c->regs[r] : 0; }
const CimWindowState *cim_chip_window(const CimChip *c) { return &c->win; }
const int64_t *cim_chip_ppu(const CimChip *c) { return c->p; }
const uint64_t *cim_chip_pool_reg(const CimChip *c) { return c->pr; }

CimStatus cim_chip_buf_write(CimChip *c, size_t addr, const uint64_t *bits, size_t n)
{
    if (addr > c->buf_bits || n > c->buf_bits - addr)
        return CIM_ERR_RANGE;
    cim_bits_copy_range(c->buf, addr, bits, 0, n);
    return CIM_OK;
}

CimStatus cim_chip_buf_read(const CimChip *c, size_t addr, uint64_t *bits, size_t n)
{
    if (addr > c->buf_bits || n > c->buf_bits - addr)
        return CIM_ERR_RANGE;
    cim_bits_clear(bits, n);
    cim_bits_copy_range(bits, 0, c->buf, addr, n);
    return CIM_OK;
}

void cim_chip_events(const CimChip *c, CimEvents *out)
{
    *out = c->ev;
    for (unsigned m = 0; m < c->nmacros; m++)
        cim_events_add(out, cim_array_events(c->macros[m].arr));
}

void cim_chip_reset_counts(CimChip *c)
{
    memset(&c->ev, 0, sizeof c->ev);
    for (unsigned m = 0; m < c->nmacros; m++)
        cim_array_reset_counts(c->macros[m].arr);
}
