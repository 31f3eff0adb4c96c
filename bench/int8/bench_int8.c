/* make bench (int8 part): one int8 1x1 convolution on the default chip, for the shapes of
 * the PointNet++ MLPs (C x F = 64 x 64, 64 x 128, 131 x 128, 259 x 256): per position the
 * cycles, instructions, events and energy of a run of N positions (the program path's;
 * the fast path's are identical, tests/workloads/exec/test_int8.c), and positions per
 * second on the fast path, the program path and the plain integer loop, measured in the
 * same run (best of three repetitions). Usage: bench_int8 [N]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workloads/exec/int8_exec.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct {
    CimInt8Engine *e;
    const int8_t *w, *x;
    unsigned C, F, npos;
    int32_t *y;
} Job;

static void run_fast(Job *j)
{
    CimTrap trap;
    cim_int8_engine_fast(j->e, j->x, j->npos, j->y, NULL, &trap);
}

static void run_program(Job *j)
{
    CimTrap trap;
    cim_int8_engine_program(j->e, NULL, NULL, j->x, j->npos, j->y, NULL, &trap);
}

static void run_ref(Job *j) { cim_int8_conv_ref(j->w, j->x, j->C, j->F, j->npos, j->y); }

/* Best of three: positions per second; *sum: a checksum of the outputs. */
static double rate(void (*fn)(Job *), Job *j, uint64_t *sum)
{
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        fn(j);
        double r = j->npos / (now() - t0);
        best = r > best ? r : best;
    }
    *sum = 0;
    for (size_t i = 0; i < (size_t)j->npos * j->F; i++)
        *sum = *sum * 31u + (uint32_t)j->y[i];
    return best;
}

static int shape(const CimChipCfg *chip_cfg, unsigned C, unsigned F, unsigned npos)
{
    CimChipCfg fit = *chip_cfg, *cfg = &fit;
    int8_t *w = malloc((size_t)F * C), *x = malloc((size_t)npos * C);
    int32_t *y = malloc((size_t)npos * F * sizeof *y);
    CimRng r;
    cim_rng_seed(&r, C * 1000u + F);
    for (size_t i = 0; i < (size_t)F * C; i++)
        w[i] = (int8_t)(uint8_t)cim_rng_u64(&r);
    for (size_t i = 0; i < (size_t)npos * C; i++)
        x[i] = (int8_t)(uint8_t)cim_rng_u64(&r);
    CimInt8Conv conv;
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_int8_compile(cfg, w, C, F, npos, NULL, &conv, &d);
    while (st == CIM_ERR_CONFIG && cfg->macros < 256) { /* does not fit: say so, run on more macros */
        cim_diag_print(&d, stdout);
        cim_diag_free(&d);
        cim_diag_init(&d);
        cfg->macros *= 2;
        printf("    (%u x 8 x %u = %u weight cells; the default chip has %u: on %u macros instead)\n", C, F,
               8 * C * F, chip_cfg->macros * chip_cfg->array.rows * chip_cfg->array.cols, cfg->macros);
        st = cim_int8_compile(cfg, w, C, F, npos, NULL, &conv, &d);
    }
    cim_diag_print(&d, stderr);
    cim_diag_free(&d);
    CimChip *chip = NULL;
    CimInt8Engine *e = NULL;
    CimTrap trap;
    if (st == CIM_OK)
        st = cim_chip_create(cfg, NULL, &chip);
    if (st == CIM_OK)
        st = cim_int8_engine_create(chip, &conv, NULL, NULL, NULL, &e, &trap);
    CimLayerTally t = {0};
    if (st == CIM_OK)
        st = cim_int8_engine_program(e, NULL, NULL, x, npos, y, &t, &trap);
    if (st != CIM_OK) {
        fprintf(stderr, "bench_int8: %u x %u failed (status %d)\n", C, F, (int)st);
        return 1;
    }
    CimEnergyTable et;
    CimEnergyBreakdown eb;
    cim_energy_table(cfg, &et);
    cim_energy_compute(cfg, &et, &t.ev, t.cycles, &eb);
    uint64_t macro_busy = 0;
    for (unsigned m = 0; m < cfg->macros; m++)
        macro_busy = t.busy[CIM_RES_MACRO + m] > macro_busy ? t.busy[CIM_RES_MACRO + m] : macro_busy;
    double n = npos;
    printf("C %3u x F %3u: %2u regions (%u x %u tiles): per position %.1f cycles (busiest macro %.1f, PPU %.1f), "
           "%.1f instructions, %.1f gated word lines, %.0f counter updates, %.0f full-adder bit-ops, %.1f pJ "
           "(array %.1f, sense %.1f, periph %.1f, buffer %.1f, control %.1f, leakage %.1f)\n",
           C, F, conv.nregions, conv.row_tiles, conv.col_tiles, t.cycles / n, macro_busy / n,
           t.busy[CIM_RES_PPU] / n, t.instructions / n, t.ev.n[CIM_EV_WL_ROW] / n, t.ev.n[CIM_EV_COUNTER] / n,
           t.ev.n[CIM_EV_FULL_ADDER] / n, eb.total_pj / n, eb.pj[CIM_COMP_ARRAY] / n, eb.pj[CIM_COMP_SENSE] / n,
           eb.pj[CIM_COMP_PERIPH] / n, eb.pj[CIM_COMP_BUFFER] / n, eb.pj[CIM_COMP_CONTROL] / n,
           eb.pj[CIM_COMP_LEAKAGE] / n);
    const CimCycleSplit *cs = &t.split;
    printf("    where the cycles go, per position: %.1f issues, stalls on IR %.1f, PPU %.1f, buffer port %.1f, DMA "
           "%.1f, a macro %.1f, a register %.1f, drain %.1f\n", t.instructions / n, cs->stall_unit[CIM_RES_IR] / n,
           cs->stall_unit[CIM_RES_PPU] / n, cs->stall_unit[CIM_RES_BUF] / n, cs->stall_unit[CIM_RES_DMA] / n,
           cs->stall_unit[CIM_RES_MACRO] / n, cs->stall_reg / n, cs->drain / n);
    Job j = {e, w, x, C, F, npos, y};
    uint64_t sf, sp, sr;
    run_fast(&j); /* the calibration for npos */
    double rf = rate(run_fast, &j, &sf), rp = rate(run_program, &j, &sp), rr = rate(run_ref, &j, &sr);
    printf("    positions/s: fast path %.0f, program path %.0f, plain loop %.0f (fast / loop %.2f)%s\n", rf, rp, rr,
           rf / rr, sf == sr && sp == sr ? "" : "  OUTPUTS DIFFER");
    cim_int8_engine_destroy(e);
    cim_chip_destroy(chip);
    cim_int8_free(&conv);
    free(w);
    free(x);
    free(y);
    return sf == sr && sp == sr ? 0 : 1;
}

int main(int argc, char **argv)
{
    unsigned npos = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 256;
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    printf("int8 1x1 convolution, default chip (%u macros of %ux%u, %u-bit counters), %u positions per run\n",
           cfg.macros, cfg.array.rows, cfg.array.cols, cfg.periph.counter_bits, npos);
    static const unsigned shapes[][2] = {{64, 64}, {64, 128}, {131, 128}, {259, 256}};
    int bad = 0;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        bad |= shape(&cfg, shapes[i][0], shapes[i][1], npos);
    return bad;
}
