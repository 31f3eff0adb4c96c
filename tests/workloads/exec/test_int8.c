/* The int8 1x1 convolution executed bit-serially in the arrays (workloads/compile/int8.c,
 * workloads/exec/int8_exec.c) equals a plain integer loop on random shapes and chips (rows
 * fewer than the channels, 8F more than the columns, narrow counters, regions taking turns
 * in a macro), with extreme codes; the fast path equals the program path in outputs,
 * cycles and every event; a tiny case's cycles are counted by hand; refusals name their
 * limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/tally_check.h"
#include "tests/support/test_alloc.h"
#include "workloads/exec/int8_exec.h"

static unsigned pick(CimRng *r, unsigned n) { return (unsigned)(cim_rng_u64(r) % n); }

/* A code: one in four an extreme (-128 or 127), else uniform. */
static int8_t code(CimRng *r)
{
    unsigned k = pick(r, 8);
    return k == 0 ? (int8_t)-128 : k == 1 ? (int8_t)127 : (int8_t)(uint8_t)cim_rng_u64(r);
}

/* Compiles, doubling the macros while the weights do not fit, up to the 256 the
 * instructions' macro field names; 0 when they do not fit even then. */
static int compile_fitting(CimChipCfg *cfg, const int8_t *w, unsigned C, unsigned F, unsigned npos, CimInt8Conv *c)
{
    for (;;) {
        CimDiag d;
        cim_diag_init(&d);
        CimStatus st = cim_int8_compile(cfg, w, C, F, npos, NULL, c, &d);
        if (st == CIM_ERR_CONFIG && cfg->macros < 256) {
            cim_diag_free(&d);
            cfg->macros = cfg->macros * 2 > 256 ? 256 : cfg->macros * 2;
            continue;
        }
        if (st == CIM_ERR_CONFIG) {
            char line[512];
            cim_diag_format(&d, 0, line, sizeof line);
            if (!strstr(line, "m0..m255") && !strstr(line, "raise chip.macros"))
                fail_msg("unexpected refusal: %s", line);
            cim_diag_free(&d);
            return 0;
        }
        cim_diag_print(&d, stderr);
        cim_diag_free(&d);
        assert_int_equal(st, CIM_OK);
        return 1;
    }
}

typedef struct {
    unsigned row_tiled, col_tiled, rounds, split_bits, extrapolated;
} Coverage;

/* One case: program path == reference, fast path == program path (outputs and tallies).
 * Returns 0 (nothing run) when the weights do not fit 256 macros. */
static int check_case(CimChipCfg *cfg, unsigned C, unsigned F, unsigned npos, CimRng *r, Coverage *cov)
{
    int8_t *w = malloc((size_t)F * C), *x = malloc((size_t)npos * C);
    int32_t *ref = calloc((size_t)npos * F, sizeof *ref), *yp = calloc((size_t)npos * F, sizeof *yp),
            *yf = calloc((size_t)npos * F, sizeof *yf);
    for (size_t i = 0; i < (size_t)F * C; i++)
        w[i] = code(r);
    for (size_t i = 0; i < (size_t)npos * C; i++)
        x[i] = code(r);
    CimInt8Conv conv;
    if (!compile_fitting(cfg, w, C, F, npos, &conv)) {
        free(w);
        free(x);
        free(ref);
        free(yp);
        free(yf);
        return 0;
    }
    cov->row_tiled += conv.row_tiles > 1;
    cov->col_tiled += conv.col_tiles > 1;
    cov->split_bits += conv.pieces_per_bit > 1;
    cov->rounds += conv.nregions > cfg->macros; /* some macro holds two regions: they take turns */
    CimChip *chip;
    CimInt8Engine *e;
    CimTrap trap;
    assert_int_equal(cim_chip_create(cfg, NULL, &chip), CIM_OK);
    assert_int_equal(cim_int8_engine_create(chip, &conv, NULL, NULL, NULL, &e, &trap), CIM_OK);
    CimLayerTally tp = {0}, tf = {0};
    for (int rep = 0; rep < 2; rep++) { /* twice: the fast path's calibration is made once */
        if (cim_int8_engine_program(e, NULL, NULL, x, npos, yp, &tp, &trap) != CIM_OK)
            fail_msg("C %u F %u: trap at pc %llu: %s", C, F, (unsigned long long)trap.pc, trap.reason);
        assert_int_equal(cim_int8_engine_fast(e, x, npos, yf, &tf, &trap), CIM_OK);
        cim_int8_conv_ref(w, x, C, F, npos, ref);
        for (size_t i = 0; i < (size_t)npos * F; i++)
            if (yp[i] != ref[i] || yf[i] != ref[i])
                fail_msg("C %u F %u rows %u cols %u counter %u bits: output %zu program %d fast %d reference %d", C,
                         F, cfg->array.rows, cfg->array.cols, cfg->periph.counter_bits, i, yp[i], yf[i], ref[i]);
        for (size_t i = 0; i < (size_t)npos * C; i++)
            x[i] = code(r);
    }
    cov->extrapolated += (unsigned)cim_int8_engine_extrapolated(e);
    char why[128];
    if (test_tally_diff(&tp, &tf, why, sizeof why))
        fail_msg("C %u F %u, program vs fast: %s", C, F, why);
    cim_int8_engine_destroy(e);
    cim_chip_destroy(chip);
    cim_int8_free(&conv);
    free(w);
    free(x);
    free(ref);
    free(yp);
    free(yf);
    return 1;
}

/* Array sizes from 8 to 512, most not powers of two. */
static unsigned size_8_512(CimRng *r) { return pick(r, 4) ? 8 + pick(r, 505) : 8u << pick(r, 7); }

/* A random chip for the int8 cases: array shape, macros, counters, PPU lanes; pack for odd
 * t, spread for even. */
static void random_chip(CimChipCfg *cfg, CimRng *r, int t)
{
    cim_cfg_defaults(cfg);
    cfg->array.rows = size_8_512(r);
    cfg->array.cols = size_8_512(r);
    cfg->macros = 1 + pick(r, 16);
    cfg->periph.counter_bits = pick(r, 6) ? 4 + pick(r, 9) : 1 + pick(r, 3);
    cfg->periph.counter_overflow = pick(r, 2) ? CIM_OVERFLOW_WRAP : CIM_OVERFLOW_SATURATE;
    cfg->ctrl.ppu_lanes = 1 + pick(r, 32);
    cfg->mapping.strategy = t % 2 ? CIM_MAP_PACK : CIM_MAP_SPREAD;
}

/* make test runs seed 812, 40 cases; a longer campaign sets INT8_SEED and INT8_CASES
 * (docs/compiler.md, "int8 layers"). */
static unsigned long env_or(const char *name, unsigned long dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtoul(v, NULL, 10) : dflt;
}

static void test_int8_random_shapes_equal_reference_and_fast_path(void **state)
{
    (void)state;
    CimRng r;
    unsigned long seed = env_or("INT8_SEED", 812), cases = env_or("INT8_CASES", 40);
    cim_rng_seed(&r, seed);
    Coverage cov = {0};
    for (int t = 0; t < (int)cases; t++) {
        CimChipCfg cfg;
        random_chip(&cfg, &r, t);
        unsigned C = t < 4 ? (t < 2 ? 1 : 600) : 1 + pick(&r, 600), F = t % 4 == 1 ? 300 : 1 + pick(&r, 300);
        if (C > 200 && F > 100 && t % 3) /* keep the tier in seconds: most big cases are one of the two */
            F = 1 + pick(&r, 100);
        while (!check_case(&cfg, C, F, 1 + pick(&r, 3), &r, &cov))
            C = (C + 1) / 2; /* too many regions for 256 macros (tiny counters): fewer channels */
    }
    printf("int8: seed %lu, %lu cases: %u row-tiled, %u column-tiled, %u with a weight bit split over tiles, %u with "
           "regions taking turns\n", seed, cases, cov.row_tiled, cov.col_tiled, cov.split_bits, cov.rounds);
    assert_true(cov.row_tiled > 0);
    assert_true(cov.col_tiled > 0);
    assert_true(cov.split_bits > 0);
    assert_true(cov.rounds > 0);
}

/* The fast path's calibration steps the cost of a few positions up to npos (int8_exec.c,
 * calibrate): on random shapes and chips with npos past CIM_INT8_CAL_POS + 2 (up to 300),
 * its cycles, instructions, events, cycle split and busy cycles equal a full program run's
 * of npos positions (check_case runs both, twice). */
static void test_int8_calibration_steps_equal_full_runs(void **state)
{
    (void)state;
    CimRng r;
    cim_rng_seed(&r, 4242);
    Coverage cov = {0};
    unsigned cases = 0;
    for (int t = 0; t < 24; t++) {
        CimChipCfg cfg;
        random_chip(&cfg, &r, t);
        unsigned C = 1 + pick(&r, t % 3 ? 48 : 200), F = 1 + pick(&r, t % 3 ? 40 : 130);
        unsigned npos = CIM_INT8_CAL_POS + 3 + (t % 4 == 0 ? pick(&r, 280) : pick(&r, 40));
        while (!check_case(&cfg, C, F, npos, &r, &cov))
            C = (C + 1) / 2;
        cases++;
    }
    printf("int8 calibration: %u cases, %u stepped from short runs, %u row-tiled, %u with regions taking turns\n",
           cases, cov.extrapolated, cov.row_tiled, cov.rounds);
    assert_true(cov.extrapolated >= cases); /* every case stepped (check_case counts each engine once) */
}

/* The extremes of the sums: every code -128 (the largest, C x 2^14) and -128 against 127
 * (the smallest), on the default chip with C = 600 (three row tiles per 256 rows). */
static void test_int8_extreme_codes(void **state)
{
    (void)state;
    const unsigned C = 600, F = 4;
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    int8_t w[4 * 600], x[2 * 600];
    for (unsigned c = 0; c < C; c++) {
        w[c] = w[C + c] = -128;
        w[2 * C + c] = w[3 * C + c] = 127;
        x[c] = -128;
        x[C + c] = 127;
    }
    CimInt8Conv conv;
    assert_true(compile_fitting(&cfg, w, C, F, 2, &conv));
    CimChip *chip;
    CimInt8Engine *e;
    CimTrap trap;
    int32_t y[8], yf[8];
    assert_int_equal(cim_chip_create(&cfg, NULL, &chip), CIM_OK);
    assert_int_equal(cim_int8_engine_create(chip, &conv, NULL, NULL, NULL, &e, &trap), CIM_OK);
    assert_int_equal(cim_int8_engine_program(e, NULL, NULL, x, 2, y, NULL, &trap), CIM_OK);
    assert_int_equal(cim_int8_engine_fast(e, x, 2, yf, NULL, &trap), CIM_OK);
    const int32_t want[8] = {600 << 14, 600 << 14, -600 * 128 * 127, -600 * 128 * 127,
                             -600 * 127 * 128, -600 * 127 * 128, 600 * 127 * 127, 600 * 127 * 127};
    assert_memory_equal(y, want, sizeof want);
    assert_memory_equal(yf, want, sizeof want);
    cim_int8_engine_destroy(e);
    cim_chip_destroy(chip);
    cim_int8_free(&conv);
}

/* C = 2 channels, F = 1 filter on the default chip (P = 64 buffer bits, D = 32 link bits
 * per cycle, 16 PPU lanes, every array time 1 cycle), one region m0 of 2 rows x 8 columns,
 * one piece per weight bit, one round: steps are the 8 planes; the previous position's one
 * int32 goes out in the last of the 7 parts (after the ild of plane 7). Issue cycles by
 * docs/isa.md:
 *   0 li; 1 wcfg (IR 1, waits for li's register); 2 lcfg (PPU, BUF: 96 table bits, 2
 *   cycles); 3..7 li x 5; 8 dmai 16 bits (DMA, BUF 1);
 *   position 0: 9 pclr (PPU 1); 10 ild plane 0 (IR, BUF 1); 11 csel, 12 cclr, 13 gated (m0
 *   2 cycles, IR latched); step s < 7: addi, ild plane s + 1 (waits a cycle for the address
 *   register), the 8 (csel, pacc) pairs, each waiting for m0 (2 cycles a pair), then csel,
 *   cclr and the gated read of plane s + 1: gated reads at 13 + 21 s, up to 139 (plane 6);
 *   step 6 also skips the previous position's sums (blt 142: there are none) and the next
 *   position's planes (addi 143, blt 144), then the gated read of plane 7 at 163 (m0 to
 *   165); step 7: the 8 pairs from 165, the last pacc at 180; 181 psti (PPU, BUF 1);
 *   182 addi; 183 blt (waits for the counter, not taken); 184 dmao 32 bits (DMA, BUF 1);
 *   185 halt: 186 cycles, 9 + 5 + 7 x 21 + 3 + 16 + 3 + 2 = 185 instructions.
 * Two positions: position 0 fetches position 1's planes (blt 144 not taken, dmai 145, so
 * its later instructions issue one cycle later: psti 182, blt 184 taken); position 1 starts
 * at 185 with pclr, gated reads of planes 0 and 1 at 189 and 210, 176 cycles after position
 * 0's, up to plane 6 at 315; ild of plane 7 at 317, then position 0's sums (blt 318 not
 * taken, addi 319, dmao 320), no next position (addi 321, blt 322 taken), plane 7's gated
 * read at 341, the last pacc at 358, psti 359, blt 361, dmao 362, halt 363: 364 cycles;
 * 9 + 175 + 176 + 2 = 362 instructions. */
static void test_int8_hand_counted_cycles(void **state)
{
    (void)state;
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    const int8_t w[2] = {-3, 77}, x[4] = {-128, 5, 127, -1};
    CimInt8Conv conv;
    assert_true(compile_fitting(&cfg, w, 2, 1, 1, &conv));
    assert_int_equal(conv.nregions, 1);
    CimChip *chip;
    CimInt8Engine *e;
    CimTrap trap;
    int32_t y[2];
    assert_int_equal(cim_chip_create(&cfg, NULL, &chip), CIM_OK);
    assert_int_equal(cim_int8_engine_create(chip, &conv, NULL, NULL, NULL, &e, &trap), CIM_OK);
    CimLayerTally one = {0}, two = {0};
    assert_int_equal(cim_int8_engine_program(e, NULL, NULL, x, 1, y, &one, &trap), CIM_OK);
    assert_int_equal(y[0], -128 * -3 + 5 * 77);
    assert_int_equal(one.cycles, 186);
    assert_int_equal(one.instructions, 185);
    assert_int_equal(cim_int8_engine_program(e, NULL, NULL, x, 2, y, &two, &trap), CIM_OK);
    assert_int_equal(y[1], 127 * -3 + -1 * 77);
    assert_int_equal(two.cycles, 364);
    assert_int_equal(two.instructions, 362);
    cim_int8_engine_destroy(e);
    cim_chip_destroy(chip);
    cim_int8_free(&conv);
}

/* Each limit is named in the refusal. */
static void refused(CimChipCfg *cfg, unsigned C, unsigned F, const char *needle)
{
    int8_t *w = calloc((size_t)F * C + 1, 1);
    CimInt8Conv conv;
    CimDiag d;
    char line[512];
    cim_diag_init(&d);
    assert_int_equal(cim_int8_compile(cfg, w, C, F, 1, NULL, &conv, &d), CIM_ERR_CONFIG);
    cim_diag_format(&d, 0, line, sizeof line);
    if (!strstr(line, needle))
        fail_msg("expected '%s' in: %s", needle, line);
    cim_diag_free(&d);
    free(w);
}

static void test_int8_refusals_name_their_limit(void **state)
{
    (void)state;
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    cfg.ctrl.ir_bits = 128;
    refused(&cfg, 129, 4, "ctrl.ir_bits 128");
    cim_cfg_defaults(&cfg);
    refused(&cfg, 4, cfg.ctrl.ppu_size + 1, "ctrl.ppu_size");
    cfg.periph.shift_add_bits = 20; /* 64 x 2^14 = 2^20 needs 22 bits */
    refused(&cfg, 64, 4, "shift_add_bits >= 22");
    cim_cfg_defaults(&cfg);
    cfg.macros = 1;
    refused(&cfg, 259, 256, "raise chip.macros");
    cim_cfg_defaults(&cfg);
    cfg.buffer_kib = 1;
    refused(&cfg, 64, 256, "chip.buffer_kib");
    refused(&cfg, 0, 4, ">= 1");
}

/* Allocation N fails, for every N: the compiler returns CIM_ERR_NOMEM and leaks nothing
 * (test_alloc_sweep). A layout with row and column tiles taking turns in a macro, so that
 * every allocation of the mapping and both programs is reached. */
static CimStatus compile_with(void *ctx, const CimAlloc *a)
{
    (void)ctx;
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    cfg.array.rows = 128; /* 5-bit counters: 4 x 3 regions of 25 x 60 cells, four per macro */
    cfg.array.cols = 64;
    cfg.macros = 3;
    cfg.periph.counter_bits = 5;
    int8_t w[20 * 100];
    for (unsigned i = 0; i < sizeof w; i++)
        w[i] = (int8_t)(uint8_t)(i * 37u);
    CimInt8Conv conv;
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_int8_compile(&cfg, w, 100, 20, 2, a, &conv, &d);
    cim_diag_free(&d);
    if (st == CIM_OK) {
        assert_true(conv.nregions > cfg.macros);
        cim_int8_free(&conv);
    }
    return st;
}

static void test_int8_compile_allocation_failures(void **state)
{
    (void)state;
    assert_true(test_alloc_sweep(compile_with, NULL) >= 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int8_random_shapes_equal_reference_and_fast_path),
        cmocka_unit_test(test_int8_calibration_steps_equal_full_runs),
        cmocka_unit_test(test_int8_extreme_codes),
        cmocka_unit_test(test_int8_hand_counted_cycles),
        cmocka_unit_test(test_int8_refusals_name_their_limit),
        cmocka_unit_test(test_int8_compile_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
