/* Semantics of every controller instruction (models/chip/exec.c, exec_units.c) on small
 * hand-made data, read back through the public chip API. Traps, fuzzing and allocation
 * failures are in test_traps.c. */
#include "tests/models/chip/chip_rig.h"

#include <limits.h>

/* ---- helpers ------------------------------------------------------------------ */

static CimChip *new_chip(void)
{
    CimChipCfg *cfg = test_malloc(sizeof *cfg);
    cim_cfg_defaults(cfg);
    CimChip *c = NULL;
    assert_int_equal(cim_chip_create(cfg, NULL, &c), CIM_OK);
    return c;
}

static void free_chip(CimChip *c)
{
    const CimChipCfg *cfg = cim_chip_cfg(c);
    cim_chip_destroy(c);
    test_free((void *)cfg);
}

/* Runs text on c (which keeps its state) to halt. */
static CimRunResult run_on(CimChip *c, const char *text, CimHostIO *io)
{
    CimProgram p;
    CimRunResult res;
    rig_assemble(text, &p);
    assert_int_equal(cim_chip_run(c, &p, io, 1000000, &res), CIM_OK);
    cim_program_free(&p, NULL);
    if (res.trap.kind != CIM_TRAP_NONE)
        fail_msg("unexpected trap at pc %llu: %s\n%s", (unsigned long long)res.trap.pc, res.trap.reason, text);
    return res;
}

/* Row `row` of macro m: its low 64 columns are `lo`, the others `rest` (every word). */
static void load_row(CimChip *c, unsigned m, unsigned row, uint64_t lo, uint64_t rest)
{
    uint64_t bits[4] = {lo, rest, rest, rest};
    assert_int_equal(cim_array_backdoor_load(cim_chip_macro(c, m)->arr, row, bits), CIM_OK);
}

/* Macro m as a reader of the input register: row i has a 1 in column i only, so after a
 * gated read of rows [0, n) from ir_off 0 counter i holds input bit i. */
static void load_identity(CimChip *c, unsigned m, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t bits[4] = {0, 0, 0, 0};
        bits[i / 64] = (uint64_t)1 << (i % 64);
        assert_int_equal(cim_array_backdoor_load(cim_chip_macro(c, m)->arr, i, bits), CIM_OK);
    }
}

static void buf_put(CimChip *c, size_t addr, uint64_t v, size_t n)
{
    assert_int_equal(cim_chip_buf_write(c, addr, &v, n), CIM_OK);
}

static uint64_t buf_get(CimChip *c, size_t addr, size_t n)
{
    uint64_t v = 0;
    assert_int_equal(cim_chip_buf_read(c, addr, &v, n), CIM_OK);
    return v;
}

static void buf_put32(CimChip *c, size_t addr, int32_t v) { buf_put(c, addr, (uint32_t)v, 32); }

static const uint32_t *counters(CimChip *c, unsigned m) { return cim_chip_macro(c, m)->cnt.v; }

/* ---- scalar and control --------------------------------------------------------- */

/* r0 ignores every write (li, addi, popo) and reads 0. */
static void test_exec_r0_stays_zero(void **state)
{
    (void)state;
    CimChip *c = new_chip();
    load_row(c, 0, 0, ~0ull, ~0ull);
    run_on(c, "li r0, 5\naddi r0, r0, 7\nadd r1, r0, r0\naddi r2, r0, 3\nrrow m0, 0\npopo r0, m0\n"
              "add r3, r0, r2\nhalt\n", NULL);
    assert_int_equal(cim_chip_reg(c, 0), 0);
    assert_int_equal(cim_chip_reg(c, 1), 0);
    assert_int_equal(cim_chip_reg(c, 2), 3);
    assert_int_equal(cim_chip_reg(c, 3), 3);
    free_chip(c);
}

/* Arithmetic wraps in 32 bits: 1 doubled 31 times is INT32_MIN; -1 from it wraps to
 * INT32_MAX and +1 back; 0 - INT32_MIN is INT32_MIN. li sign-extends its 24 bits. */
static void test_exec_scalar_wraps(void **state)
{
    (void)state;
    CimChip *c = new_chip();
    CimRunResult res = run_on(c,
                              "li r1, 1\nli r3, 31\n"
                              "loop: add r1, r1, r1\naddi r3, r3, -1\nbne r3, r0, loop\n"
                              "addi r2, r1, -1\naddi r4, r2, 1\nsub r5, r0, r1\n"
                              "li r6, -8388608\nli r7, 8388607\nsub r8, r6, r7\nhalt\n",
                              NULL);
    assert_int_equal(cim_chip_reg(c, 1), INT32_MIN);
    assert_int_equal(cim_chip_reg(c, 2), INT32_MAX);
    assert_int_equal(cim_chip_reg(c, 4), INT32_MIN);
    assert_int_equal(cim_chip_reg(c, 5), INT32_MIN);
    assert_int_equal(cim_chip_reg(c, 6), -8388608);
    assert_int_equal(cim_chip_reg(c, 7), 8388607);
    assert_int_equal(cim_chip_reg(c, 8), -16777215);
    assert_int_equal(res.insn_count[CIM_I_BNE], 31);
    assert_int_equal(res.instructions, 2 + 3 * 31 + 7);
    free_chip(c);
}

/* blt compares signed; bne on equal falls through; jmp always jumps. Skipped lines would
 * write 99. */
static void test_exec_branches(void **state)
{
    (void)state;
    CimChip *c = new_chip();
    CimRunResult res = run_on(c,
                              "li r1, -1\nli r2, 1\n"
                              "blt r1, r0, a\nli r10, 99\n"       /* -1 < 0: taken */
                              "a: blt r2, r1, b\nli r11, 1\n"     /* 1 < -1: not taken */
                              "b: bne r1, r1, c\nli r12, 2\n"     /* equal: not taken */
                              "c: bne r1, r2, d\nli r13, 99\n"    /* taken */
                              "d: jmp e\nli r14, 99\ne: halt\n",
                              NULL);
    assert_int_equal(cim_chip_reg(c, 10), 0);
    assert_int_equal(cim_chip_reg(c, 11), 1);
    assert_int_equal(cim_chip_reg(c, 12), 2);
    assert_int_equal(cim_chip_reg(c, 13), 0);
    assert_int_equal(cim_chip_reg(c, 14), 0);
    assert_int_equal(res.instructions, 10);
    assert_int_equal(res.insn_count[CIM_I_BLT], 2);
    assert_int_equal(res.insn_count[CIM_I_JMP], 1);
    free_chip(c);
}

/* A register field selects by its low 4 bits: li with field 17 (only as .word) writes r1,
 * add r2, r1, r1 with rs field 33 reads r1. */
static void test_exec_register_field_low_bits(void **state)
{
    (void)state;
    CimChip *c = new_chip();
    run_on(c, ".word 0x0211000000000005\n.word 0x0402021001000000\nhalt\n", NULL);
    assert_int_equal(cim_chip_reg(c, 1), 5);
    assert_int_equal(cim_chip_reg(c, 2), 10);
    free_chip(c);
}

/* Registers restart at 0 for each run; array, buffer, counters and windows persist. */
static void test_exec_state_across_runs(void **state)
{
    (void)state;
    CimChip *c = new_chip();
    load_row(c, 0, 0, 0xFF, 0);
    run_on(c, "li r1, 7\ncsel m0, 0, 4\nrrow m0, 0\nstw r1, r0\nhalt\n", NULL);
    run_on(c, "popo r2, m0\naddi r3, r1, 0\nhalt\n", NULL);
    assert_int_equal(cim_chip_reg(c, 2), 4); /* output register kept */
    assert_int_equal(cim_chip_reg(c, 3), 0); /* r1 restarted at 0 */
    assert_int_equal(cim_chip_macro(c, 0)->win.ncol, 4);
    assert_int_equal(buf_get(c, 0, 32), 7);
    free_chip(c);
}

/* ---- array instructions ------------------------------------------------------------ */

/* rrow senses only the window (0 elsewhere in the output register); popo counts the
 * output register; ost writes exactly the window's bits at the address. Row 3 is F0 in
 * every byte; window [4, 12) -> out = 0xF0, popo 4, buffer[1000..1008) = 1111 0000. */
static void test_exec_rrow_popo_ost_window(void **state)
{
    (void)state;
    CimChip *c = new_chip();
    load_row(c, 0, 3, 0xF0F0F0F0F0F0F0F0ull, 0xF0F0F0F0F0F0F0F0ull);
    buf_put(c, 992, 0xFFFFFFFF, 32);
    run_on(c, "rrow m0, 3\npopo r3, m0\ncsel m0, 4, 8\nrrow m0, 3\npopo r1, m0\nli r2, 1000\nost m0, r2\nhalt\n",
           NULL);
    const uint64_t *out = cim_chip_macro(c, 0)->out;
    assert_int_equal(out[0], 0xF0);
    assert_int_equal(out[1] | out[2] | out[3], 0);
    assert_int_equal(cim_chip_reg(c, 3), 128);
    assert_int_equal(cim_chip_reg(c, 1), 4);
    assert_int_equal(buf_get(c, 992, 32), 0xFFFF0FFF); /* bits 1004..1007 cleared only */
    free_chip(c);
}

/* dual.OP on rows CC.. and AA.. inside window [0, 64): every op of ops.def, 0 outside. */
static void test_exec_dual_ops_in_window(void **state)
{
    (void)state;
    static const struct {
        const char *op;
        uint64_t want;
    } ops[] = {{"or", 0xEEEEEEEEEEEEEEEEull},  {"and", 0x8888888888888888ull}, {"xor", 0x6666666666666666ull},
               {"nand", 0x7777777777777777ull}, {"nor", 0x1111111111111111ull}, {"xnor", 0x9999999999999999ull}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        CimChip *c = new_chip();
        load_row(c, 0, 1, 0xCCCCCCCCCCCCCCCCull, 0xCCCCCCCCCCCCCCCCull);
        load_row(c, 0, 2, 0xAAAAAAAAAAAAAAAAull, 0xAAAAAAAAAAAAAAAAull);
        char prog[96];
        snprintf(prog, sizeof prog, "csel m0, 0, 64\ndual.%s m0, 1, 2\nhalt\n", ops[i].op);
        run_on(c, prog, NULL);
        const uint64_t *out = cim_chip_macro(c, 0)->out;
        if (out[0] != ops[i].want || (out[1] | out[2] | out[3]))
            fail_msg("dual.%s: got %016llx", ops[i].op, (unsigned long long)out[0]);
        free_chip(c);
    }
}

/* Column c of rows 0..2: col0 = 1,0,1; col1 = 1,1,0; col2 = 1,1,1. Input bits 1,1,0:
 * gated rows 0..2 -> +1, +2, +2. Rows 1..2 from input bit 1 (1,0) -> +0, +1, +1. Window
 * [1, 2), row 0, input 1 -> only col1 +1. Totals 1, 4, 3. cclr clears every column. */
static void test_exec_gated_counters(void **state)
{
    (void)state;
    CimChip *c = new_chip();
    load_row(c, 0, 0, 0x7, 0);
    load_row(c, 0, 1, 0x6, 0);
    load_row(c, 0, 2, 0x5, 0);
    buf_put(c, 0, 0x3, 3);
    run_on(c, "ild r0, 3\ngated m0, 0, 3, 0\ngated m0, 1, 2, 1\ncsel m0, 1, 1\ngated m0, 0, 1, 0\nhalt\n", NULL);
    assert_int_equal(counters(c, 0)[0], 1);
    assert_int_equal(counters(c, 0)[1], 4);
    assert_int_equal(counters(c, 0)[2], 3);
    assert_int_equal(counters(c, 0)[3], 0);
    run_on(c, "cclr m0\nhalt\n", NULL);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(counters(c, 0)[i], 0);
    free_chip(c);
}

/* wrow copies 256 buffer bits from the address in rb into the row. */
static void test_exec_wrow(void **state)
{
    (void)state;
    CimChip *c = new_chip();
    const uint64_t want[4] = {0x0123456789ABCDEFull, 0, ~0ull, 0x8000000000000001ull};
    assert_int_equal(cim_chip_buf_write(c, 333, want, 256), CIM_OK);
    run_on(c, "li r5, 333\nwrow m2, 17, r5\nhalt\n", NULL);
    assert_memory_equal(cim_array_row_state(cim_chip_macro(c, 2)->arr, 17), want, sizeof want);
    free_chip(c);
}

/* ---- window unit -------------------------------------------------------------------- */

/* Image bit of pixel (y, x), channel ch: an arbitrary fixed pattern. */
static int img_bit(unsigned y, unsigned x, unsigned ch) { return (y * 7 + x * 3 + ch * 5) % 4 < 2; }

/* A 4x5 image with C = 2 at bit 64, channels-last ((y * W + x) * C + ch); every other
 * buffer bit is 1 so a read outside the image would show. */
static void load_image(CimChip *c)
{
    uint64_t ones[8];
    memset(ones, 0xFF, sizeof ones);
    assert_int_equal(cim_chip_buf_write(c, 0, ones, 512), CIM_OK);
    for (unsigned y = 0; y < 4; y++)
        for (unsigned x = 0; x < 5; x++)
            for (unsigned ch = 0; ch < 2; ch++)
                buf_put(c, 64 + (y * 5 + x) * 2 + ch, (uint64_t)img_bit(y, x, ch), 1);
}

/* win at (y, x) with k = 3, pad = 1: the input register holds tap (ky, kx) channel ch at
 * bit (ky * 3 + kx) * 2 + ch, 0 for taps outside the map (zero padding). */
static void check_window(unsigned y, unsigned x, unsigned pattern, unsigned valid)
{
    CimChip *c = new_chip();
    load_image(c);
    load_identity(c, 0, 18);
    char prog[160];
    snprintf(prog, sizeof prog, "li r1, 64\nwcfg r1, 2, 4, 5, 3, 1\nli r2, %u\nli r3, %u\nwin r2, r3\ncclr m0\n"
             "gated m0, 0, 18, 0\nhalt\n", y, x);
    run_on(c, prog, NULL);
    const CimWindowState *w = cim_chip_window(c);
    unsigned px = 0;
    for (unsigned ky = 0; ky < 3; ky++)
        for (unsigned kx = 0; kx < 3; kx++)
            for (unsigned ch = 0; ch < 2; ch++) {
                int yy = (int)y + (int)ky - 1, xx = (int)x + (int)kx - 1;
                int in = yy >= 0 && yy < 4 && xx >= 0 && xx < 5;
                unsigned want = in ? (unsigned)img_bit((unsigned)yy, (unsigned)xx, ch) : 0u;
                px += want;
                if (counters(c, 0)[(ky * 3 + kx) * 2 + ch] != want)
                    fail_msg("(%u, %u) tap (%u, %u) ch %u: got %u", y, x, ky, kx, ch,
                             counters(c, 0)[(ky * 3 + kx) * 2 + ch]);
            }
    assert_int_equal(w->configured, 1);
    assert_int_equal(w->base, 64);
    assert_int_equal(w->ir_len, 18);
    assert_int_equal(w->pattern, pattern);
    assert_int_equal(w->valid, valid);
    assert_int_equal(w->px, px);
    free_chip(c);
}

/* Border class = class(y) * 3 + class(x), class 0 inside, 1 at the start, 2 at the end;
 * valid = taps inside x C: corner 4 x 2, edge 6 x 2, interior 9 x 2. */
static void test_exec_win_border_classes(void **state)
{
    (void)state;
    check_window(2, 2, 0, 18);
    check_window(1, 1, 0, 18);
    check_window(2, 0, 1, 12);
    check_window(2, 4, 2, 12);
    check_window(0, 2, 3, 12);
    check_window(0, 0, 4, 8);
    check_window(0, 4, 5, 8);
    check_window(3, 2, 6, 12);
    check_window(3, 0, 7, 8);
    check_window(3, 4, 8, 8);
}

/* ild loads n buffer bits at the address; valid = n, border class 0; wcfg keeps its
 * configuration, and a later wcfg empties the input register (ir_len 0). */
static void test_exec_ild_and_wcfg(void **state)
{
    (void)state;
    CimChip *c = new_chip();
    load_identity(c, 0, 10);
    buf_put(c, 100, 0x2CD, 10); /* 10 1100 1101: 6 ones */
    run_on(c, "wcfg r0, 1, 3, 3, 3, 1\nli r1, 100\nild r1, 10\ncclr m0\ngated m0, 0, 10, 0\nhalt\n", NULL);
    const CimWindowState *w = cim_chip_window(c);
    for (unsigned i = 0; i < 10; i++)
        assert_int_equal(counters(c, 0)[i], (0x2CDu >> i) & 1u);
    assert_int_equal(w->ir_len, 10);
    assert_int_equal(w->px, 6);
    assert_int_equal(w->valid, 10);
    assert_int_equal(w->pattern, 0);
    assert_int_equal(w->configured, 1);
    assert_int_equal(w->k, 3);
    run_on(c, "li r1, 8\nwcfg r1, 4, 5, 6, 5, 2\nhalt\n", NULL);
    assert_int_equal(w->ir_len, 0);
    assert_int_equal(w->base, 8);
    assert_int_equal(w->c, 4);
    assert_int_equal(w->h, 5);
    assert_int_equal(w->w, 6);
    assert_int_equal(w->k, 5);
    assert_int_equal(w->pad, 2);
    free_chip(c);
}

/* ---- post-processing unit ---------------------------------------------------------- */

/* Layer table of nf outputs at addr: mask (nf bits padded to 32), nf int32 thresholds,
 * npat x nf int32 offsets, pattern-major. */
static void put_table(CimChip *c, size_t addr, unsigned nf, uint32_t mask, const int32_t *thr, const int32_t *off,
                      unsigned npat)
{
    buf_put(c, addr, mask, nf);
    size_t t = addr + (nf + 31u) / 32u * 32u;
    for (unsigned f = 0; f < nf; f++)
        buf_put32(c, t + 32u * f, thr[f]);
    for (unsigned i = 0; i < npat * nf; i++)
        buf_put32(c, t + 32u * nf + 32u * i, off[i]);
}

/* pacc adds counter col0 + i, shifted and maybe negated, to accumulator off + i.
 * Counters 1,2,3,4: << 2 -> 4,8,12,16; minus -> 3,6,9,12; at off 2 << 1 -> p[2..6) +=
 * 2,4,6,8; window [2, 4) at off 10 -> p[10] = 3, p[11] = 4. The layer has 12 outputs,
 * so every pacc stays inside it (the last ends at 12). */
static void test_exec_pacc_shift_neg(void **state)
{
    (void)state;
    CimChip *c = new_chip();
    for (unsigned i = 0; i < 4; i++)
        cim_chip_macro(c, 0)->cnt.v[i] = i + 1;
    run_on(c, "li r1, 2048\nlcfg r1, 12, ref\ncsel m0, 0, 4\npclr\npacc m0, 0, 2, 0\npacc m0, 0, 0, 1\n"
              "pacc m0, 2, 1, 0\ncsel m0, 2, 2\npacc m0, 10, 0, 0\nhalt\n", NULL);
    const int64_t want[12] = {3, 6, 11, 16, 6, 8, 0, 0, 0, 0, 3, 4};
    assert_memory_equal(cim_chip_ppu(c), want, sizeof want);
    free_chip(c);
}

/* Worked example (a 4-input fully connected layer, one border class, V = 4):
 *   x  = 1000 (px = 1)
 *   w0 = 1010: a = pop(x & w0) = 1, pw = 2, off = V - 2pw = 0
 *        4a - 2px + off = 4 - 2 + 0 = 2   (+-1: +1 +1 -1 +1 = 2)
 *   w1 = 1101: a = 1, pw = 3, off = -2 -> 4 - 2 - 2 = 0   (+-1: +1 -1 +1 -1 = 0)
 *   filter 2 pruned (all -1): ref V - 2px = 2 (+-1: -1 +1 +1 +1), skip 0. */
static void pfin_example(const char *mode, int64_t want2)
{
    CimChip *c = new_chip();
    load_row(c, 0, 0, 0x3, 0); /* bit f of row i is w_f[i] */
    load_row(c, 0, 1, 0x2, 0);
    load_row(c, 0, 2, 0x1, 0);
    load_row(c, 0, 3, 0x2, 0);
    buf_put(c, 0, 0x1, 4);
    const int32_t thr[3] = {0, 0, 0}, off[3] = {0, -2, 77};
    put_table(c, 1024, 3, 0x4, thr, off, 1);
    char prog[200];
    snprintf(prog, sizeof prog, "ild r0, 4\ncsel m0, 0, 3\ncclr m0\ngated m0, 0, 4, 0\nli r2, 1024\n"
             "lcfg r2, 3, %s\npclr\npacc m0, 0, 0, 0\npfin\nhalt\n", mode);
    run_on(c, prog, NULL);
    assert_int_equal(counters(c, 0)[0], 1);
    assert_int_equal(counters(c, 0)[1], 1);
    assert_int_equal(cim_chip_ppu(c)[0], 2);
    assert_int_equal(cim_chip_ppu(c)[1], 0);
    assert_int_equal(cim_chip_ppu(c)[2], want2);
    free_chip(c);
}

static void test_exec_pfin_live_and_pruned(void **state)
{
    (void)state;
    pfin_example("ref", 2);
    pfin_example("skip", 0);
}

/* lcfg after wcfg k = 3 reads 9 border classes. Zero image (px = 0), nf = 3, filter 1
 * pruned, off[p] = {10p, 1000, -(10p + 2)}: after pclr, pfin gives {10p, V, -(10p + 2)} in
 * mode ref and {10p, 0, -(10p + 2)} in mode skip. */
static void table_case(CimChip *c, const char *mode, unsigned y, unsigned x, unsigned pat, unsigned valid)
{
    char prog[200];
    snprintf(prog, sizeof prog, "wcfg r0, 2, 4, 5, 3, 1\nli r2, 1024\nlcfg r2, 3, %s\nli r3, %u\nli r4, %u\n"
             "win r3, r4\npclr\npfin\nhalt\n", mode, y, x);
    run_on(c, prog, NULL);
    const int64_t *p = cim_chip_ppu(c);
    assert_int_equal(p[0], 10 * (int64_t)pat);
    assert_int_equal(p[1], strcmp(mode, "ref") == 0 ? (int64_t)valid : 0);
    assert_int_equal(p[2], -(10 * (int64_t)pat + 2));
}

static void put_pattern_table(CimChip *c, const int32_t *thr)
{
    int32_t off[27];
    for (int p = 0; p < 9; p++) {
        off[p * 3] = 10 * p;
        off[p * 3 + 1] = 1000;
        off[p * 3 + 2] = -(10 * p + 2);
    }
    put_table(c, 1024, 3, 0x2, thr, off, 9);
}

static void test_exec_lcfg_table_decode(void **state)
{
    (void)state;
    CimChip *c = new_chip();
    const int32_t thr[3] = {0, 0, 0};
    put_pattern_table(c, thr);
    const unsigned pos[9][4] = {{2, 2, 0, 18}, {2, 0, 1, 12}, {2, 4, 2, 12}, {0, 2, 3, 12}, {0, 0, 4, 8},
                                {0, 4, 5, 8},  {3, 2, 6, 12}, {3, 0, 7, 8},  {3, 4, 8, 8}};
    for (int i = 0; i < 9; i++) {
        table_case(c, "ref", pos[i][0], pos[i][1], pos[i][2], pos[i][3]);
        table_case(c, "skip", pos[i][0], pos[i][1], pos[i][2], pos[i][3]);
    }
    free_chip(c);
}

/* pthr ORs p >= thr into the pool register. Thresholds {40, 9, -41} (the last one
 * negative). Class 4: p = {40, 8, -42} -> 100 (bit f = filter f: 0b001); class 0:
 * p = {0, 18, -2} -> 0b110; OR = 0b111. prclr clears it; pstb stores nf bits. */
static void test_exec_pthr_or_accumulates(void **state)
{
    (void)state;
    CimChip *c = new_chip();
    const int32_t thr[3] = {40, 9, -41};
    put_pattern_table(c, thr);
    run_on(c, "wcfg r0, 2, 4, 5, 3, 1\nli r2, 1024\nlcfg r2, 3, ref\nprclr\nli r3, 0\nwin r3, r3\npclr\npfin\n"
              "pthr\nli r5, 3000\npstb r5\nli r3, 2\nwin r3, r3\npclr\npfin\npthr\nli r5, 3010\npstb r5\n"
              "prclr\nli r5, 3020\npstb r5\nhalt\n", NULL);
    assert_int_equal(buf_get(c, 3000, 3), 0x1);
    assert_int_equal(buf_get(c, 3010, 3), 0x7);
    assert_int_equal(buf_get(c, 3020, 3), 0x0);
    assert_int_equal(cim_chip_pool_reg(c)[0] & 0x7, 0);
    free_chip(c);
}

/* stw: the register's 32 bits, LSB first, at the address; psti: accumulator f as int32
 * at addr + 32f; pstb: pool bit f at addr + f. Neighbouring bits are kept. */
static void test_exec_store_bit_layout(void **state)
{
    (void)state;
    CimChip *c = new_chip();
    buf_put(c, 39, 1, 1);
    buf_put(c, 72, 1, 1);
    buf_put(c, 8192, 1, 1);
    cim_chip_macro(c, 0)->cnt.v[0] = 3;
    cim_chip_macro(c, 0)->cnt.v[1] = 5;
    const int32_t thr[2] = {-4, 0}, off[2] = {0, 0};
    put_table(c, 2048, 2, 0, thr, off, 1);
    run_on(c, "li r1, -2\nli r2, 40\nstw r1, r2\nli r3, 2048\nlcfg r3, 2, ref\ncsel m0, 0, 2\npclr\n"
              "pacc m0, 0, 0, 1\nli r3, 4096\npsti r3\nprclr\npthr\nli r4, 8190\npstb r4\nhalt\n", NULL);
    assert_int_equal(buf_get(c, 40, 32), 0xFFFFFFFEu);
    assert_int_equal(buf_get(c, 39, 1), 1);
    assert_int_equal(buf_get(c, 72, 1), 1);
    assert_int_equal(buf_get(c, 4096, 32), 0xFFFFFFFDu); /* -3 */
    assert_int_equal(buf_get(c, 4128, 32), 0xFFFFFFFBu); /* -5 */
    assert_int_equal(buf_get(c, 8190, 3), 0x5);          /* -3 >= -4, not -5 >= 0; bit 8192 kept */
    free_chip(c);
}

/* ---- host interface ----------------------------------------------------------------- */

/* dmai takes the next n bits of the host input; dmao appends n buffer bits to the host
 * output. 70 + 30 bits in, the same 100 bits out in order. */
static void test_exec_dma_host_streams(void **state)
{
    (void)state;
    CimChip *c = new_chip();
    uint64_t in[2] = {0x0123456789ABCDEFull, 0xFEDCBA9876543210ull}, out[2] = {0, 0};
    CimHostIO io = {in, 128, 0, out, 128, 0};
    run_on(c, "li r1, 10\ndmai r1, 70\nli r2, 200\ndmai r2, 30\ndmao r1, 70\ndmao r2, 30\nhalt\n", &io);
    assert_int_equal(io.in_pos, 100);
    assert_int_equal(io.out_pos, 100);
    assert_int_equal(buf_get(c, 10, 64), in[0]);
    assert_int_equal(buf_get(c, 74, 6), in[1] & 0x3F);
    assert_int_equal(buf_get(c, 200, 30), (in[1] >> 6) & 0x3FFFFFFF);
    assert_int_equal(out[0], in[0]);
    assert_int_equal(out[1], in[1] & 0xFFFFFFFFFull);
    free_chip(c);
}

/* prclr clears the pool register's first nf bits only (a bug once cleared to the next
 * 64-bit word; found by co-simulation). */
static void test_exec_prclr_clears_only_nf_bits(void **state)
{
    (void)state;
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    CimChip *c = NULL;
    assert_int_equal(cim_chip_create(&cfg, NULL, &c), CIM_OK);
    CimProgram p;
    cim_program_init(&p);
    CimDiag d;
    cim_diag_init(&d);
    /* an all-zero table at buffer bit 0: P = 0 >= threshold 0 sets every pool bit */
    const char *src = "lcfg r0, 64, ref\npclr\npthr\nlcfg r0, 4, ref\nprclr\nhalt\n";
    assert_int_equal(cim_isa_assemble(src, "prclr", &p, NULL, &d), CIM_OK);
    CimRunResult res;
    assert_int_equal(cim_chip_run(c, &p, NULL, 1000, &res), CIM_OK);
    assert_int_equal(res.trap.kind, CIM_TRAP_NONE);
    const uint64_t *pr = cim_chip_pool_reg(c);
    for (unsigned f = 0; f < 64; f++)
        assert_int_equal(cim_bits_get(pr, f), f >= 4);
    cim_program_free(&p, NULL);
    cim_diag_free(&d);
    cim_chip_destroy(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_prclr_clears_only_nf_bits),
        cmocka_unit_test(test_exec_r0_stays_zero),
        cmocka_unit_test(test_exec_scalar_wraps),
        cmocka_unit_test(test_exec_branches),
        cmocka_unit_test(test_exec_register_field_low_bits),
        cmocka_unit_test(test_exec_state_across_runs),
        cmocka_unit_test(test_exec_rrow_popo_ost_window),
        cmocka_unit_test(test_exec_dual_ops_in_window),
        cmocka_unit_test(test_exec_gated_counters),
        cmocka_unit_test(test_exec_wrow),
        cmocka_unit_test(test_exec_win_border_classes),
        cmocka_unit_test(test_exec_ild_and_wcfg),
        cmocka_unit_test(test_exec_pacc_shift_neg),
        cmocka_unit_test(test_exec_pfin_live_and_pruned),
        cmocka_unit_test(test_exec_lcfg_table_decode),
        cmocka_unit_test(test_exec_pthr_or_accumulates),
        cmocka_unit_test(test_exec_store_bit_layout),
        cmocka_unit_test(test_exec_dma_host_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
