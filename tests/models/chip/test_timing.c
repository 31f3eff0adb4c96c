/* Timing rules of the chip's controller (models/chip/run.c and the occupancy in exec.c),
 * one test per rule, every number computed by hand in the comment next to it. Totals are
 * probed at n - 1 (the watchdog refuses) and n (accepted); issue cycles through a cut
 * program. Default config unless a test says otherwise: 100 MHz, array ops 1 cycle,
 * buffer port 64 bits, DMA 32 bits, 16 PPU lanes. */
#include "tests/models/chip/chip_rig.h"

static Rig rig_default(void)
{
    Rig r;
    rig_init(&r);
    return r;
}

/* Every instruction takes one issue slot; li/addi/add/sub results are ready one cycle
 * later, so a dependent chain still issues one per cycle: 0,1,2,3,4,5 -> 6 cycles. */
static void test_timing_issue_one_per_cycle(void **state)
{
    (void)state;
    Rig r = rig_default();
    const char *prog = "nop\nli r1, 5\naddi r2, r1, 1\nadd r3, r2, r1\nsub r4, r3, r2\nhalt\n";
    const uint64_t at[] = {0, 1, 2, 3, 4, 5};
    rig_expect_issues(&r, prog, at, 6);
    rig_probe_total(&r, prog, 6);
    rig_probe_total(&r, "halt\n", 1);
}

/* halt waits for every resource: ild of 4096 bits holds the IR and the buffer port
 * 4096/64 = 64 cycles from cycle 0; halt issues at 1 but the run ends at 64. */
static void test_timing_halt_waits_for_drain(void **state)
{
    (void)state;
    Rig r = rig_default();
    const uint64_t at[] = {0, 1};
    rig_expect_issues(&r, "ild r0, 4096\nhalt\n", at, 2);
    rig_probe_total(&r, "ild r0, 4096\nhalt\n", 64);
}

/* Where the cycles go (CimCycleSplit) and how long each unit is busy, on the program of
 * tests/sim/hand_cycles.cpp: li@0, wcfg@1, win@2 (IR and port to 11), gated m0 of 64 rows
 * @11 (slot 3: 8 cycles waiting for the IR; to 75), win@12 (to 21), gated m1 @21 (slot 13:
 * 8 more for the IR; to 85), halt@22 (slot 22). 7 issue + 16 IR + drain 85 - 23 = 62 = 85.
 * Busy: m0 and m1 64 each, the port 9 per window. */
static void test_timing_cycle_split_and_busy(void **state)
{
    (void)state;
    Rig r = rig_default();
    CimRunResult res;
    CimChip *c = rig_run_ok(&r, "li r1, 1\nwcfg r0, 64, 4, 4, 3, 1\nwin r1, r1\ngated m0, 0, 64, 0\nwin r1, r1\n"
                                "gated m1, 0, 64, 0\nhalt\n", &res);
    assert_int_equal(res.cycles, 85);
    assert_int_equal(res.instructions, 7);
    assert_int_equal(res.split.stall_unit[CIM_RES_IR], 16);
    assert_int_equal(res.split.stall_unit[CIM_RES_PPU] + res.split.stall_unit[CIM_RES_BUF] +
                         res.split.stall_unit[CIM_RES_DMA] + res.split.stall_unit[CIM_RES_MACRO] + res.split.stall_reg,
                     0);
    assert_int_equal(res.split.drain, 62);
    assert_int_equal(res.busy[CIM_RES_MACRO + 0], 64);
    assert_int_equal(res.busy[CIM_RES_MACRO + 1], 64);
    assert_int_equal(res.busy[CIM_RES_MACRO + 2], 0);
    assert_int_equal(res.busy[CIM_RES_BUF], 18);
    cim_chip_destroy(c);
}

/* A branch takes one issue slot, taken or not, with no penalty.
 * li@0, (addi, bne) x3 @1..6, halt@7 -> 8. jmp@0 over two nops, halt@1 -> 2.
 * li@0, blt (taken) @1, halt@2 -> 3. */
static void test_timing_branch_one_cycle(void **state)
{
    (void)state;
    Rig r = rig_default();
    rig_probe_total(&r, "li r1, 3\nloop: addi r1, r1, -1\nbne r1, r0, loop\nhalt\n", 8);
    rig_probe_total(&r, "jmp skip\nnop\nnop\nskip: halt\n", 2);
    rig_probe_total(&r, "li r1, -1\nblt r1, r0, t\nnop\nt: halt\n", 3);
}

/* A register read waits for the writer's latency. With t_adder_tree 35 ns popo takes
 * ceil(3.5) = 4 cycles: rrow@0, popo@1 (r1 ready at 5), add r2, r1, r1 @5, halt@6 -> 7.
 * Reading other registers does not wait: add@2, halt@3, the run ends when m0 frees at 5. */
static void test_timing_register_ready_after_latency(void **state)
{
    (void)state;
    Rig r = rig_default();
    r.cfg.tech.timing.t_adder_tree_ns = 35.0;
    const char *dep = "rrow m0, 0\npopo r1, m0\nadd r2, r1, r1\nhalt\n";
    const char *indep = "rrow m0, 0\npopo r1, m0\nadd r2, r3, r3\nhalt\n";
    assert_int_equal(rig_issue_of(&r, dep, 2), 5);
    rig_probe_total(&r, dep, 7);
    assert_int_equal(rig_issue_of(&r, indep, 2), 2);
    rig_probe_total(&r, indep, 5);
    /* a branch reading r1 waits the same way: bne@5, halt@6 */
    rig_probe_total(&r, "rrow m0, 0\npopo r1, m0\nbne r1, r1, 0\nhalt\n", 7);
}

/* popo occupies its macro for the adder-tree time too (4 cycles at 35 ns): rrow@0,
 * popo@1, rrow@5, halt@6 -> 7. */
static void test_timing_popo_occupies_macro(void **state)
{
    (void)state;
    Rig r = rig_default();
    r.cfg.tech.timing.t_adder_tree_ns = 35.0;
    const char *prog = "rrow m0, 0\npopo r1, m0\nrrow m0, 1\nhalt\n";
    assert_int_equal(rig_issue_of(&r, prog, 2), 5);
    rig_probe_total(&r, prog, 7);
}

/* rrow and dual hold the macro ceil(t_read * f) cycles: at t_read 30 ns, 3 cycles.
 * rrow@0, dual@3, csel@6, halt@7 -> 8. */
static void test_timing_read_cycles(void **state)
{
    (void)state;
    Rig r = rig_default();
    r.cfg.tech.timing.t_read_ns = 30.0;
    const char *prog = "rrow m0, 0\ndual.and m0, 1, 2\ncsel m0, 0, 256\nhalt\n";
    const uint64_t at[] = {0, 3, 6, 7};
    rig_expect_issues(&r, prog, at, 4);
    rig_probe_total(&r, prog, 8);
}

/* csel and cclr hold the macro one cycle: at t_read 30 ns a rrow after them waits only
 * for them. csel@0, cclr@1, rrow@2 (m0 until 5), halt@3 -> 5. */
static void test_timing_macro_control_one_cycle(void **state)
{
    (void)state;
    Rig r = rig_default();
    r.cfg.tech.timing.t_read_ns = 30.0;
    const char *prog = "csel m0, 0, 256\ncclr m0\nrrow m0, 0\nhalt\n";
    const uint64_t at[] = {0, 1, 2, 3};
    rig_expect_issues(&r, prog, at, 4);
    rig_probe_total(&r, prog, 5);
}

/* ost holds its macro until the output register is stored, ceil(ncol / 64) cycles, so a
 * rrow (macro only, no port) after it waits that long. 200 columns -> 4: csel@0, ost@1
 * (m0 and port until 5), rrow@5 (until 6), halt@6 -> 7. 64 columns -> 1: rrow@2, halt@3
 * -> 4; 65 columns -> 2: rrow@3, halt@4 -> 5. */
static void test_timing_ost_holds_macro(void **state)
{
    (void)state;
    Rig r = rig_default();
    const char *prog = "csel m0, 0, 200\nost m0, r0\nrrow m0, 0\nhalt\n";
    const uint64_t at[] = {0, 1, 5, 6};
    rig_expect_issues(&r, prog, at, 4);
    rig_probe_total(&r, prog, 7);
    rig_probe_total(&r, "csel m0, 0, 64\nost m0, r0\nrrow m0, 0\nhalt\n", 4);
    rig_probe_total(&r, "csel m0, 0, 65\nost m0, r0\nrrow m0, 0\nhalt\n", 5);
}

/* gated holds its macro n row steps: ild 256 bits (IR and port until 4), gated@4 of 256
 * rows until 260 -> 260; 100 rows until 104 -> 104. */
static void test_timing_gated_n_row_steps(void **state)
{
    (void)state;
    Rig r = rig_default();
    const char *prog = "ild r0, 256\ngated m0, 0, 256, 0\nhalt\n";
    const uint64_t at[] = {0, 4, 5};
    rig_expect_issues(&r, prog, at, 3);
    rig_probe_total(&r, prog, 260);
    rig_probe_total(&r, "ild r0, 256\ngated m0, 0, 100, 0\nhalt\n", 104);
    r.cfg.tech.timing.t_read_ns = 20.0; /* 2 cycles per row step: 4 + 2 x 100 */
    rig_probe_total(&r, "ild r0, 256\ngated m0, 0, 100, 0\nhalt\n", 204);
}

/* gated latches the input register in one cycle: a following ild may reload it at once.
 * ild@0 (until 4), gated@4 (IR until 5), ild@5, halt@6; the run ends at 260. */
static void test_timing_gated_latches_ir_one_cycle(void **state)
{
    (void)state;
    Rig r = rig_default();
    const char *prog = "ild r0, 256\ngated m0, 0, 256, 0\nild r0, 64\nhalt\n";
    assert_int_equal(rig_issue_of(&r, prog, 2), 5);
    rig_probe_total(&r, prog, 260);
}

/* Gated reads on two macros overlap: gated m0@4 (until 260), gated m1@5 (until 261),
 * halt@6 -> max = 261, not the sum. */
static void test_timing_gated_other_macro_overlaps(void **state)
{
    (void)state;
    Rig r = rig_default();
    const char *prog = "ild r0, 256\ngated m0, 0, 256, 0\ngated m1, 0, 256, 0\nhalt\n";
    assert_int_equal(rig_issue_of(&r, prog, 2), 5);
    rig_probe_total(&r, prog, 261);
}

/* On one macro they serialise: gated m0@4 (until 260), gated m0@260 (until 516). */
static void test_timing_gated_same_macro_serialises(void **state)
{
    (void)state;
    Rig r = rig_default();
    const char *prog = "ild r0, 256\ngated m0, 0, 256, 0\ngated m0, 0, 256, 0\nhalt\n";
    assert_int_equal(rig_issue_of(&r, prog, 2), 260);
    rig_probe_total(&r, prog, 516);
}

/* pacc issues exactly when the gated read frees the macro. lcfg of 256 outputs (pacc of
 * all 256 columns needs them): 256 + 32 x 256 x 2 = 16640 bits, PPU and port until 260;
 * ild@260 (until 264); gated@264 (m0 until 520); pacc@520 holds m0 and the PPU
 * 256/16 = 16 cycles -> 536. */
static void test_timing_pacc_issues_when_gated_ends(void **state)
{
    (void)state;
    Rig r = rig_default();
    const char *prog = "lcfg r0, 256, ref\nild r0, 256\ngated m0, 0, 256, 0\npacc m0, 0, 0, 0\nhalt\n";
    const uint64_t at[] = {0, 260, 264, 520, 521};
    rig_expect_issues(&r, prog, at, 5);
    rig_probe_total(&r, prog, 536);
}

/* pacc takes ceil(ncol / lanes) on the macro and the PPU: 17 columns -> 2 cycles.
 * lcfg of 17 outputs: 32 + 32 x 17 x 2 = 1120 bits -> 18 cycles; csel@1, pacc@18 (until
 * 20), pclr@20 (17 outputs: 2 cycles, until 22), halt@21 -> 22. 16 columns -> 1: pacc@18
 * (until 19), pclr@19 (until 21), halt@20 -> 21. */
static void test_timing_pacc_ceil_columns_over_lanes(void **state)
{
    (void)state;
    Rig r = rig_default();
    const char *prog = "lcfg r0, 17, ref\ncsel m0, 0, 17\npacc m0, 0, 0, 0\npclr\nhalt\n";
    const uint64_t at[] = {0, 1, 18, 20, 21};
    rig_expect_issues(&r, prog, at, 5);
    rig_probe_total(&r, prog, 22);
    rig_probe_total(&r, "lcfg r0, 17, ref\ncsel m0, 0, 16\npacc m0, 0, 0, 0\npclr\nhalt\n", 21);
}

/* pclr, pthr, prclr and pfin take ceil(nf / lanes) PPU cycles: nf 33 -> 3. lcfg of 33:
 * mask 64 + 32 x 33 x 2 = 2176 bits -> 34 cycles; pclr@34, pthr@37, prclr@40, pfin@43
 * (until 46), halt@44 -> 46. */
static void test_timing_ppu_ops_ceil_nf_over_lanes(void **state)
{
    (void)state;
    Rig r = rig_default();
    const char *prog = "lcfg r0, 33, ref\npclr\npthr\nprclr\npfin\nhalt\n";
    const uint64_t at[] = {0, 34, 37, 40, 43, 44};
    rig_expect_issues(&r, prog, at, 6);
    rig_probe_total(&r, prog, 46);
}

/* pfin reads the window unit's px, valid count and border class, so it waits for the
 * window load. lcfg@0 (96 bits: PPU until 2), wcfg@1, li@2, win@3 (C = 64: IR and port
 * until 12), pfin@12 (PPU and IR until 13), halt@13 -> 14. */
static void test_timing_pfin_waits_for_window_load(void **state)
{
    (void)state;
    Rig r = rig_default();
    const char *prog = "lcfg r0, 1, ref\nwcfg r0, 64, 3, 3, 3, 1\nli r1, 1\nwin r1, r1\npfin\nhalt\n";
    const uint64_t at[] = {0, 1, 2, 3, 12, 13};
    rig_expect_issues(&r, prog, at, 6);
    rig_probe_total(&r, prog, 14);
}

/* lcfg reads its table through the port, ceil(bits / 64) on PPU and port. nf 3 without
 * a window: 32 + 32 x 3 x 2 = 224 bits -> 4: lcfg@0, pclr@4, halt@5 -> 6. After wcfg k=3
 * (9 border classes): 32 + 32 x 3 x 10 = 992 -> 16: wcfg@0, lcfg@1, pclr@17, halt@18 -> 19. */
static void test_timing_lcfg_table_over_port(void **state)
{
    (void)state;
    Rig r = rig_default();
    rig_probe_total(&r, "lcfg r0, 3, ref\npclr\nhalt\n", 6);
    const char *win = "wcfg r0, 1, 3, 3, 3, 1\nlcfg r0, 3, ref\npclr\nhalt\n";
    assert_int_equal(rig_issue_of(&r, win, 2), 17);
    rig_probe_total(&r, win, 19);
}

/* psti stores 32 x nf bits and pstb nf bits through the port (PPU and port). nf 3:
 * lcfg@0 (until 4), psti@4 (96 bits, until 6), pstb@6 (3 bits, until 7), stw@7, halt@8
 * -> 9. */
static void test_timing_ppu_stores_over_port(void **state)
{
    (void)state;
    Rig r = rig_default();
    const char *prog = "lcfg r0, 3, ref\npsti r0\npstb r0\nstw r0, r0\nhalt\n";
    const uint64_t at[] = {0, 4, 6, 7, 8};
    rig_expect_issues(&r, prog, at, 5);
    rig_probe_total(&r, prog, 9);
}

/* stw writes 32 bits: ceil(32 / port) cycles on the port. Port 64: stw@0, stw@1, halt@2
 * -> 3. Port 8: 4 cycles each: stw@0, stw@4 (until 8), halt@5 -> 8. */
static void test_timing_stw_over_port(void **state)
{
    (void)state;
    Rig r = rig_default();
    const char *prog = "stw r0, r0\nstw r0, r0\nhalt\n";
    rig_probe_total(&r, prog, 3);
    r.cfg.ctrl.buffer_port_bits = 8;
    assert_int_equal(rig_issue_of(&r, prog, 1), 4);
    rig_probe_total(&r, prog, 8);
}

/* ild holds the IR and the port ceil(n / 64) cycles: 640 bits -> 10, 641 -> 11. */
static void test_timing_ild_over_port(void **state)
{
    (void)state;
    Rig r = rig_default();
    rig_probe_total(&r, "ild r0, 640\nhalt\n", 10);
    rig_probe_total(&r, "ild r0, 641\nhalt\n", 11);
}

/* wcfg holds the IR one cycle; win holds IR and port k*k*ceil(C / 64): C = 64 -> 9,
 * C = 65 -> 18. wcfg@0, win@1, stw@10 or @19, halt next -> 12 or 21. */
static void test_timing_win_delays_stw(void **state)
{
    (void)state;
    Rig r = rig_default();
    const char *c64 = "wcfg r0, 64, 3, 3, 3, 1\nwin r0, r0\nstw r0, r0\nhalt\n";
    const char *c65 = "wcfg r0, 65, 3, 3, 3, 1\nwin r0, r0\nstw r0, r0\nhalt\n";
    const uint64_t at64[] = {0, 1, 10, 11}, at65[] = {0, 1, 19, 20};
    rig_expect_issues(&r, c64, at64, 4);
    rig_probe_total(&r, c64, 12);
    rig_expect_issues(&r, c65, at65, 4);
    rig_probe_total(&r, c65, 21);
}

/* ost waits for the port too (and then holds it, and m0, ceil(ncol / 64)): win of C = 65 frees
 * the port at 19; ost@19 (256 columns: until 23), halt@20 -> 23. */
static void test_timing_win_delays_ost(void **state)
{
    (void)state;
    Rig r = rig_default();
    const char *prog = "wcfg r0, 65, 3, 3, 3, 1\nwin r0, r0\nost m0, r0\nhalt\n";
    const uint64_t at[] = {0, 1, 19, 20};
    rig_expect_issues(&r, prog, at, 4);
    rig_probe_total(&r, prog, 23);
    /* 200 columns: ceil(200 / 64) = 4; csel@0, ost@1 (until 5), stw@5, halt@6 -> 7 */
    rig_probe_total(&r, "csel m0, 0, 200\nost m0, r0\nstw r0, r0\nhalt\n", 7);
}

static void rewind_io(CimChip *c, void *ctx)
{
    (void)c;
    CimHostIO *io = ctx;
    io->in_pos = 0;
    io->out_pos = 0;
}

static Rig rig_dma(CimHostIO *io)
{
    Rig r = rig_default();
    r.io = io;
    r.setup = rewind_io;
    r.setup_ctx = io;
    return r;
}

/* dmai/dmao take ceil(n / 32) cycles over the link: 96 bits -> 3, 97 -> 4. A second
 * transfer waits for the first: dmai 320 until 10, dmao@10 (until 11), halt@11 -> 12. */
static void test_timing_dma_over_link(void **state)
{
    (void)state;
    static uint64_t in[8], out[8];
    CimHostIO io = {in, sizeof in * 8, 0, out, sizeof out * 8, 0};
    Rig r = rig_dma(&io);
    rig_probe_total(&r, "dmai r0, 96\nhalt\n", 3);
    rig_probe_total(&r, "dmai r0, 97\nhalt\n", 4);
    rig_probe_total(&r, "dmao r0, 97\nhalt\n", 4);
    const char *link = "dmai r0, 320\ndmao r0, 32\nhalt\n";
    assert_int_equal(rig_issue_of(&r, link, 1), 10);
    rig_probe_total(&r, link, 12);
}

/* dmai/dmao hold the port max(ceil(n / D), ceil(n / 64)): it carries the data as the link
 * delivers it. D = 32: dmai 320 holds the port 10 cycles, not 320/64 = 5: stw@10, halt@11
 * -> 12. D = 128 (a link faster than the port): DMA 3 cycles, port 5: stw@5, halt@6 -> 7;
 * dmai 320 alone -> 5. */
static void test_timing_dma_holds_port(void **state)
{
    (void)state;
    static uint64_t in[8], out[8];
    CimHostIO io = {in, sizeof in * 8, 0, out, sizeof out * 8, 0};
    Rig r = rig_dma(&io);
    const char *port = "dmai r0, 320\nstw r0, r0\nhalt\n";
    assert_int_equal(rig_issue_of(&r, port, 1), 10);
    rig_probe_total(&r, port, 12);
    r.cfg.ctrl.dma_bits_per_cycle = 128;
    assert_int_equal(rig_issue_of(&r, port, 1), 5);
    rig_probe_total(&r, port, 7);
    rig_probe_total(&r, "dmai r0, 320\nhalt\n", 5);
}

/* ---- wrow: pre-read, SET phase, RESET phase, verify ------------------------------- */

typedef struct {
    uint64_t old_row, new_row; /* the low 64 columns of row 0; the rest stay 0 */
} WrowCase;

static void wrow_setup(CimChip *c, void *ctx)
{
    const WrowCase *w = ctx;
    uint64_t row[4] = {w->old_row, 0, 0, 0};
    assert_int_equal(cim_array_backdoor_load(cim_chip_macro(c, 0)->arr, 0, row), CIM_OK);
    assert_int_equal(cim_chip_buf_write(c, 0, &w->new_row, 64), CIM_OK);
}

/* wrow m0 then rrow m0: the rrow issues when the write frees the macro. */
static uint64_t wrow_cycles(Rig *r, WrowCase *w, uint64_t old_row, uint64_t new_row)
{
    w->old_row = old_row;
    w->new_row = new_row;
    r->setup = wrow_setup;
    r->setup_ctx = w;
    return rig_issue_of(r, "wrow m0, 0, r0\nrrow m0, 0\nhalt\n", 1);
}

/* The macro first reads the row from the buffer, 256 / 64 = 4 cycles, then writes it.
 * With t_set 20, t_reset 30, t_verify 40 ns (2, 3, 4 cycles) and t_read 1: old 0x0F,
 * new 0x3C sets columns 4,5 and resets 0,1: 4 + 1 + 2 + 3 + 4 = 14. Only SETs (0 -> 0x3C):
 * 4 + 1 + 2 + 4 = 11; only RESETs: 4 + 1 + 3 + 4 = 12; no change: the pre-read alone,
 * 4 + 1 = 5. Without verify: 4 + 1 + 2 + 3 = 10. Total of the mixed case: rrow@14,
 * halt@15 -> 16. */
static void test_timing_wrow_phases(void **state)
{
    (void)state;
    Rig r = rig_default();
    r.cfg.tech.timing.t_set_ns = 20.0;
    r.cfg.tech.timing.t_reset_ns = 30.0;
    r.cfg.tech.timing.t_verify_ns = 40.0;
    WrowCase w;
    assert_int_equal(wrow_cycles(&r, &w, 0x0F, 0x3C), 14);
    rig_probe_total(&r, "wrow m0, 0, r0\nrrow m0, 0\nhalt\n", 16);
    assert_int_equal(wrow_cycles(&r, &w, 0x00, 0x3C), 11);
    assert_int_equal(wrow_cycles(&r, &w, 0x3C, 0x00), 12);
    assert_int_equal(wrow_cycles(&r, &w, 0x3C, 0x3C), 5);
    r.cfg.write.verify = 0;
    assert_int_equal(wrow_cycles(&r, &w, 0x0F, 0x3C), 10);
}

/* The buffer read part of wrow's macro time is ceil(cols / port): an unchanged row (the
 * pre-read, 1 cycle) holds m0 4 + 1 = 5 cycles at port 64 -> rrow@5, halt@6 -> 7; at port
 * 128, 2 + 1 = 3 -> rrow@3, halt@4 -> 5; at port 256, 1 + 1 = 2 -> rrow@2, halt@3
 * -> 4. */
static void test_timing_wrow_macro_reads_buffer(void **state)
{
    (void)state;
    Rig r = rig_default();
    const char *prog = "wrow m0, 0, r0\nrrow m0, 0\nhalt\n";
    assert_int_equal(rig_issue_of(&r, prog, 1), 5);
    rig_probe_total(&r, prog, 7);
    r.cfg.ctrl.buffer_port_bits = 128;
    assert_int_equal(rig_issue_of(&r, prog, 1), 3);
    rig_probe_total(&r, prog, 5);
    r.cfg.ctrl.buffer_port_bits = 256;
    assert_int_equal(rig_issue_of(&r, prog, 1), 2);
    rig_probe_total(&r, prog, 4);
}

/* wrow reads its row through the port: 256 / 64 = 4 cycles, so stw (port only) waits
 * until 4 while the macro is busy until 5 (4 + the unchanged row's pre-read, 1):
 * wrow@0, stw@4, halt@5 -> 6. */
static void test_timing_wrow_holds_port(void **state)
{
    (void)state;
    Rig r = rig_default();
    const char *prog = "wrow m0, 0, r0\nstw r0, r0\nhalt\n";
    assert_int_equal(rig_issue_of(&r, prog, 1), 4);
    rig_probe_total(&r, prog, 6);
}

/* The worked example of docs/isa.md "Semantics and timing". */
static void test_timing_worked_example(void **state)
{
    (void)state;
    Rig r = rig_default();
    const char *prog = "ild   r0, 256\n"
                       "gated m0, 0, 256, 0\n"
                       "gated m1, 0, 128, 0\n"
                       "rrow  m1, 7\n"
                       "popo  r1, m1\n"
                       "halt\n";
    const uint64_t at[] = {0, 4, 5, 133, 134, 135};
    rig_expect_issues(&r, prog, at, 6);
    rig_probe_total(&r, prog, 260);
}

/* ---- the stepping API (cim_chip_run_begin / next / issue / end) ------------------------ */

/* A run stepped by hand on a fresh default chip (cfg may change the timing). */
typedef struct {
    CimChipCfg cfg;
    CimChip *chip;
    CimProgram prog;
    CimRun *run;
} Stepper;

static void step_begin(Stepper *st, const char *text, uint64_t max_cycles)
{
    assert_int_equal(cim_chip_create(&st->cfg, NULL, &st->chip), CIM_OK);
    rig_assemble(text, &st->prog);
    assert_int_equal(cim_chip_run_begin(st->chip, &st->prog, NULL, max_cycles, &st->run), CIM_OK);
}

static void step_end(Stepper *st, CimRunResult *res)
{
    cim_chip_run_end(st->run, res);
    cim_program_free(&st->prog, NULL);
    cim_chip_destroy(st->chip);
}

/* The next step must issue at `at` for reason `why`; it is then issued. */
static void step_expect(Stepper *st, uint64_t at, CimWait why)
{
    CimStep s;
    assert_int_equal(cim_chip_run_next(st->run, &s), 1);
    if (s.issue_cycle != at || s.wait != why)
        fail_msg("pc %llu: issue %llu (wait %d), expected %llu (wait %d)", (unsigned long long)s.pc,
                 (unsigned long long)s.issue_cycle, (int)s.wait, (unsigned long long)at, (int)why);
    assert_false(s.watchdog);
    cim_chip_run_issue(st->run, &s);
    assert_int_equal(cim_chip_run_slot(st->run), at + 1);
}

/* The worked example stepped: ild@0 (IR, BUF until 4); gated m0 waits for the IR: 4, IR
 * until 5, m0 until 260; gated m1 needs the IR at 5, its slot: no wait; m1 until 133;
 * rrow m1 waits for m1: 133; popo finds m1 free in its slot, 134 (r1 ready at 135); halt
 * in its slot at 135; the run lasts 260, as cim_chip_run says. */
static void test_timing_step_worked_example(void **state)
{
    (void)state;
    Stepper st;
    cim_cfg_defaults(&st.cfg);
    const char *prog = "ild r0, 256\ngated m0, 0, 256, 0\ngated m1, 0, 128, 0\nrrow m1, 7\npopo r1, m1\nhalt\n";
    step_begin(&st, prog, UINT64_MAX);
    step_expect(&st, 0, CIM_WAIT_NONE);
    assert_int_equal(cim_chip_run_free_at(st.run, CIM_RES_IR), 4);
    assert_int_equal(cim_chip_run_free_at(st.run, CIM_RES_BUF), 4);
    step_expect(&st, 4, CIM_WAIT_UNIT);
    step_expect(&st, 5, CIM_WAIT_NONE);
    assert_int_equal(cim_chip_run_free_at(st.run, CIM_RES_MACRO + 0), 260);
    assert_int_equal(cim_chip_run_free_at(st.run, CIM_RES_MACRO + 1), 133);
    step_expect(&st, 133, CIM_WAIT_UNIT);
    step_expect(&st, 134, CIM_WAIT_NONE);
    assert_int_equal(cim_chip_run_reg_ready(st.run, 1), 135);
    assert_int_equal(cim_chip_run_pc(st.run), 5);
    step_expect(&st, 135, CIM_WAIT_NONE);
    assert_true(cim_chip_run_ended(st.run));
    CimStep s;
    assert_int_equal(cim_chip_run_next(st.run, &s), 0);
    assert_int_equal(cim_chip_run_cycles(st.run), 260);
    assert_int_equal(cim_chip_run_free_at(st.run, CIM_RES_MACRO + 8), 0); /* no macro 8 */
    CimRunResult res, ref;
    step_end(&st, &res);
    Rig r = rig_default();
    cim_chip_destroy(rig_run_ok(&r, prog, &ref));
    assert_int_equal(res.cycles, ref.cycles);
    assert_int_equal(res.instructions, ref.instructions);
    assert_memory_equal(res.insn_count, ref.insn_count, sizeof res.insn_count);
    assert_int_equal(res.trap.kind, CIM_TRAP_NONE);
}

/* A register wait is named when it is the last: with popo taking 4 cycles (t_adder_tree
 * 35 ns), rrow m0@0, popo r1, m0 @1 (m0 free at 1: no wait), r1 ready at 5; add r2, r1,
 * r1 waits for it: 5, REG; popo r3, m0 after it waits for m0 (free at 5) and issues in its
 * slot 6; add r4, r3, r0 waits for r3 (ready 10): REG. */
static void test_timing_step_wait_reasons(void **state)
{
    (void)state;
    Stepper st;
    cim_cfg_defaults(&st.cfg);
    st.cfg.tech.timing.t_adder_tree_ns = 35.0;
    step_begin(&st, "rrow m0, 0\npopo r1, m0\nadd r2, r1, r1\npopo r3, m0\nadd r4, r3, r0\nhalt\n", UINT64_MAX);
    step_expect(&st, 0, CIM_WAIT_NONE);
    step_expect(&st, 1, CIM_WAIT_NONE);
    step_expect(&st, 5, CIM_WAIT_REG);
    step_expect(&st, 6, CIM_WAIT_NONE);
    step_expect(&st, 10, CIM_WAIT_REG);
    step_expect(&st, 11, CIM_WAIT_NONE);
    step_end(&st, NULL);
}

/* A trap before issue ends the run at the slot: gated@4 holds m0 until 260; the bad rrow
 * is fetched at slot 5 and does not issue; the run still lasts 260. */
static void test_timing_step_trap_at_slot(void **state)
{
    (void)state;
    Stepper st;
    cim_cfg_defaults(&st.cfg);
    step_begin(&st, "ild r0, 256\ngated m0, 0, 256, 0\nrrow m0, 300\n", UINT64_MAX);
    step_expect(&st, 0, CIM_WAIT_NONE);
    step_expect(&st, 4, CIM_WAIT_UNIT);
    CimStep s;
    assert_int_equal(cim_chip_run_next(st.run, &s), 0);
    assert_int_equal(s.pc, 2);
    assert_int_equal(s.issue_cycle, 5);
    assert_true(cim_chip_run_ended(st.run));
    const CimTrap *t = &cim_chip_run_result(st.run)->trap;
    assert_int_equal(t->kind, CIM_TRAP_ROW);
    assert_int_equal(t->cycle, 5);
    assert_int_equal(cim_chip_run_result(st.run)->instructions, 2);
    CimRunResult res;
    step_end(&st, &res);
    assert_int_equal(res.cycles, 260);
}

/* The watchdog is decided before issue: with max_cycles 64, ild r0, 4096 issued at 1 would
 * hold the IR until 65 > 64: the step says so, is issued and counted, and the run ends with
 * the trap at cycle 1 and lasts 65. */
static void test_timing_step_watchdog(void **state)
{
    (void)state;
    Stepper st;
    cim_cfg_defaults(&st.cfg);
    step_begin(&st, "nop\nild r0, 4096\nhalt\n", 64);
    step_expect(&st, 0, CIM_WAIT_NONE);
    CimStep s;
    assert_int_equal(cim_chip_run_next(st.run, &s), 1);
    assert_true(s.watchdog);
    assert_int_equal(s.issue_cycle, 1);
    assert_false(cim_chip_run_ended(st.run));
    cim_chip_run_issue(st.run, &s);
    assert_true(cim_chip_run_ended(st.run));
    assert_int_equal(cim_chip_run_next(st.run, &s), 0);
    CimRunResult res;
    step_end(&st, &res);
    assert_int_equal(res.trap.kind, CIM_TRAP_WATCHDOG);
    assert_int_equal(res.trap.pc, 1);
    assert_int_equal(res.trap.cycle, 1);
    assert_int_equal(res.instructions, 2);
    assert_int_equal(res.cycles, 65);
}

/* Registers restart at 0 with each run (begin calls cim_chip_reset_regs); the reset alone
 * clears them too. */
static void test_timing_reset_regs(void **state)
{
    (void)state;
    Rig r = rig_default();
    CimRunResult res;
    CimChip *c = rig_run_ok(&r, "li r1, 5\nli r15, -3\nhalt\n", &res);
    assert_int_equal(cim_chip_reg(c, 1), 5);
    assert_int_equal(cim_chip_reg(c, 15), -3);
    cim_chip_reset_regs(c);
    for (unsigned k = 0; k < CIM_NREGS; k++)
        assert_int_equal(cim_chip_reg(c, k), 0);
    cim_chip_destroy(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timing_issue_one_per_cycle),
        cmocka_unit_test(test_timing_halt_waits_for_drain),
        cmocka_unit_test(test_timing_cycle_split_and_busy),
        cmocka_unit_test(test_timing_branch_one_cycle),
        cmocka_unit_test(test_timing_register_ready_after_latency),
        cmocka_unit_test(test_timing_popo_occupies_macro),
        cmocka_unit_test(test_timing_read_cycles),
        cmocka_unit_test(test_timing_macro_control_one_cycle),
        cmocka_unit_test(test_timing_ost_holds_macro),
        cmocka_unit_test(test_timing_gated_n_row_steps),
        cmocka_unit_test(test_timing_gated_latches_ir_one_cycle),
        cmocka_unit_test(test_timing_gated_other_macro_overlaps),
        cmocka_unit_test(test_timing_gated_same_macro_serialises),
        cmocka_unit_test(test_timing_pacc_issues_when_gated_ends),
        cmocka_unit_test(test_timing_pacc_ceil_columns_over_lanes),
        cmocka_unit_test(test_timing_ppu_ops_ceil_nf_over_lanes),
        cmocka_unit_test(test_timing_pfin_waits_for_window_load),
        cmocka_unit_test(test_timing_lcfg_table_over_port),
        cmocka_unit_test(test_timing_ppu_stores_over_port),
        cmocka_unit_test(test_timing_stw_over_port),
        cmocka_unit_test(test_timing_ild_over_port),
        cmocka_unit_test(test_timing_win_delays_stw),
        cmocka_unit_test(test_timing_win_delays_ost),
        cmocka_unit_test(test_timing_dma_over_link),
        cmocka_unit_test(test_timing_dma_holds_port),
        cmocka_unit_test(test_timing_wrow_phases),
        cmocka_unit_test(test_timing_wrow_macro_reads_buffer),
        cmocka_unit_test(test_timing_wrow_holds_port),
        cmocka_unit_test(test_timing_worked_example),
        cmocka_unit_test(test_timing_step_worked_example),
        cmocka_unit_test(test_timing_step_wait_reasons),
        cmocka_unit_test(test_timing_step_trap_at_slot),
        cmocka_unit_test(test_timing_step_watchdog),
        cmocka_unit_test(test_timing_reset_regs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
