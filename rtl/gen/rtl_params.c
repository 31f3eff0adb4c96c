/* Chip configuration -> RTL parameters. Cycle counts come from the model's own timing
 * (cim_array_timing, cim_cycles_of_ns), so the RTL and the model round nanoseconds to
 * cycles the same way. */
#include "rtl/gen/rtl_params.h"

#include "models/array/array.h"

#include <string.h>

/* Appends a parameter; past CIM_RTL_MAX_PARAMS only the count grows, and cim_rtl_params
 * refuses the result. */
static void add(CimRtlParams *o, const char *name, uint64_t v, const char *what)
{
    if (o->n < CIM_RTL_MAX_PARAMS)
        o->p[o->n] = (CimRtlParam){name, v, what};
    o->n++;
}

uint64_t cim_rtl_param(const CimRtlParams *p, const char *name)
{
    for (unsigned i = 0; i < p->n; i++)
        if (strcmp(p->p[i].name, name) == 0)
            return p->p[i].value;
    return 0;
}

CimStatus cim_rtl_params(const CimChipCfg *cfg, const CimRtlHarnessSizes *hs, CimRtlParams *out, CimDiag *diag)
{
    memset(out, 0, sizeof *out);
    if (cfg->physics.enabled) {
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                     "the RTL array is exact: chip.physics.enabled must be false for RTL generation");
        return CIM_ERR_CONFIG;
    }
    CimArray *arr = NULL;
    CimStatus st = cim_array_create(cfg, 0, NULL, &arr);
    if (st != CIM_OK)
        return st;
    const CimArrayTiming *t = cim_array_timing(arr);
    const CimCtrlCfg *k = &cfg->ctrl;
    add(out, "MACROS", cfg->macros, "macros (array + periphery)");
    add(out, "ROWS", cfg->array.rows, "word lines per array");
    add(out, "COLS", cfg->array.cols, "bit lines per array");
    add(out, "CNT_BITS", cfg->periph.counter_bits, "column counter width, bits");
    add(out, "CNT_SAT", cfg->periph.counter_overflow == CIM_OVERFLOW_SATURATE, "1: counters saturate, 0: wrap");
    add(out, "SA_BITS", cfg->periph.shift_add_bits, "shift-add accumulator width, bits");
    add(out, "BUF_BITS", (uint64_t)cfg->buffer_kib * 8192u, "global buffer, bits");
    add(out, "PORT_BITS", k->buffer_port_bits, "buffer bits per cycle");
    add(out, "DMA_BITS", k->dma_bits_per_cycle, "host link bits per cycle");
    add(out, "PPU_LANES", k->ppu_lanes, "PPU adders working in parallel");
    add(out, "PPU_SIZE", k->ppu_size, "PPU accumulators");
    add(out, "IR_BITS", k->ir_bits, "input register, bits");
    add(out, "T_READ", t->read, "row read, cycles");
    add(out, "T_DUAL", t->dual_read, "dual-row read, cycles");
    add(out, "T_GROW", t->gated_row, "one gated-read row step, cycles");
    add(out, "T_SET", t->set, "SET phase of a row write, cycles");
    add(out, "T_RESET", t->reset, "RESET phase of a row write, cycles");
    add(out, "T_VERIFY", t->verify, "verify read of a row write, cycles");
    add(out, "T_TREE", cim_cycles_of_ns(cfg->tech.timing.t_adder_tree_ns, cfg->clock_mhz), "adder-tree popcount, cycles");
    add(out, "VERIFY", cfg->write.verify != 0, "1: row writes end with a verify read");
    add(out, "IMEM_WORDS", hs->imem_words, "cosim instruction memory, words");
    add(out, "HOST_IN_BITS", hs->host_in_bits, "cosim host input stream, bits");
    add(out, "HOST_OUT_BITS", hs->host_out_bits, "cosim host output, bits");
    cim_array_destroy(arr);
    if (out->n > CIM_RTL_MAX_PARAMS) {
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                     "%u RTL parameters, more than CIM_RTL_MAX_PARAMS (%d): raise the limit in rtl/gen/rtl_params.h",
                     out->n, CIM_RTL_MAX_PARAMS);
        out->n = CIM_RTL_MAX_PARAMS;
        return CIM_ERR_RANGE;
    }
    return CIM_OK;
}
