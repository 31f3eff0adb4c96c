/* Every trap of the chip's controller (models/chip/traps.def; raised in exec.c,
 * exec_units.c and run.c): each bad program stops with a trap record (pc, cycle, word,
 * kind) and never crashes; every row of traps.def is raised, with its exact message; a
 * seeded fuzz of random programs; allocation failures of cim_chip_create and cim_chip_run. */
#include "tests/models/chip/chip_rig.h"
#include "tests/support/test_alloc.h"

#include <stdio.h>

/* ---- helpers ------------------------------------------------------------------ */

/* Runs prog (already assembled) on a fresh default chip. */
static CimRunResult run_words(const CimProgram *p, CimHostIO *io, uint64_t max_cycles)
{
    Rig r;
    rig_init(&r);
    r.io = io;
    CimRunResult res;
    cim_chip_destroy(rig_run_prog(&r, p, max_cycles, &res));
    return res;
}

/* The run of text must trap at pc with kind k (and, when reason is not NULL, exactly that
 * message); the record holds the trapping word (0 when pc is past the end). */
static CimRunResult expect_trap_io(const char *text, CimHostIO *io, uint64_t max_cycles, uint64_t pc, CimTrapKind k,
                                   const char *reason)
{
    CimProgram p;
    rig_assemble(text, &p);
    CimRunResult res = run_words(&p, io, max_cycles);
    if (res.trap.kind != k || res.trap.pc != pc || (reason && strcmp(res.trap.reason, reason) != 0))
        fail_msg("%s\nexpected a %s trap at pc %llu (%s); got %s at pc %llu: '%s'", text, cim_trap_info(k)->name,
                 (unsigned long long)pc, reason ? reason : "any message", cim_trap_info(res.trap.kind)->name,
                 (unsigned long long)res.trap.pc, res.trap.reason);
    assert_int_equal(res.trap.word, pc < p.n ? p.words[pc] : 0);
    cim_program_free(&p, NULL);
    return res;
}

static CimRunResult expect_trap(const char *text, uint64_t pc, CimTrapKind k)
{
    return expect_trap_io(text, NULL, 1000000, pc, k, NULL);
}

/* As expect_trap, and the message must be exactly reason (where its values are the point). */
static CimRunResult expect_trap_msg(const char *text, uint64_t pc, CimTrapKind k, const char *reason)
{
    return expect_trap_io(text, NULL, 1000000, pc, k, reason);
}

static void expect_ok(const char *text)
{
    Rig r;
    rig_init(&r);
    CimRunResult res;
    cim_chip_destroy(rig_run_ok(&r, text, &res));
}

/* ---- fetch and decode ---------------------------------------------------------------- */

static void test_trap_illegal_opcode(void **state)
{
    (void)state;
    CimProgram p;
    rig_assemble("nop\nnop\nhalt\n", &p);
    p.words[2] = 0xFF00000000000000ull;
    CimRunResult res = run_words(&p, NULL, 1000);
    assert_int_equal(res.trap.kind, CIM_TRAP_ILLEGAL);
    assert_int_equal(res.trap.pc, 2);
    assert_int_equal(res.trap.cycle, 2);
    assert_int_equal(res.trap.word, 0xFF00000000000000ull);
    assert_string_equal(res.trap.reason, "illegal opcode 0xff");
    assert_int_equal(res.instructions, 2);
    cim_program_free(&p, NULL);
}

static void test_trap_pc_past_end(void **state)
{
    (void)state;
    CimRunResult res = expect_trap("nop\n", 1, CIM_TRAP_PC_END);
    assert_int_equal(res.trap.cycle, 1);
    expect_trap("jmp 100\nhalt\n", 100, CIM_TRAP_PC_END);
    CimProgram empty;
    cim_program_init(&empty);
    res = run_words(&empty, NULL, 10);
    assert_int_equal(res.trap.kind, CIM_TRAP_PC_END);
    assert_int_equal(res.trap.pc, 0);
    assert_int_equal(res.cycles, 0);
}

/* ---- array ------------------------------------------------------------------------- */

static void test_trap_macro_out_of_range(void **state)
{
    (void)state;
    static const char *const progs[] = {"wrow m8, 0, r0\n", "rrow m8, 0\n", "dual.and m8, 0, 1\n",
                                        "csel m8, 0, 1\n", "gated m8, 0, 1, 0\n", "cclr m8\n",
                                        "popo r1, m8\n", "ost m255, r0\n"};
    for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++)
        expect_trap(progs[i], 0, CIM_TRAP_MACRO);
    expect_trap("lcfg r0, 1, ref\npacc m8, 0, 0, 0\n", 1, CIM_TRAP_MACRO);
    expect_ok("rrow m7, 0\nhalt\n");
}

static void test_trap_row_out_of_range(void **state)
{
    (void)state;
    expect_trap("rrow m0, 256\n", 0, CIM_TRAP_ROW);
    expect_trap("wrow m0, 256, r0\n", 0, CIM_TRAP_ROW);
    expect_trap("dual.and m0, 256, 0\n", 0, CIM_TRAP_ROW);
    expect_trap_msg("dual.and m0, 0, 4095\n", 0, CIM_TRAP_ROW, "row 4095 out of range (the array has 256 rows)");
    expect_ok("rrow m0, 255\nwrow m0, 255, r0\nhalt\n");
}

static void test_trap_dual_operands(void **state)
{
    (void)state;
    expect_trap("dual.xor m0, 3, 3\n", 0, CIM_TRAP_DUAL_SAME);
    /* dual m0, 0, 1 with logic op code 6, which ops.def lacks */
    expect_trap(".word 0x1200000001006000\n", 0, CIM_TRAP_DUAL_OP);
}

static void test_trap_column_out_of_range(void **state)
{
    (void)state;
    expect_trap("csel m0, 250, 7\n", 0, CIM_TRAP_CSEL);
    expect_trap("csel m0, 256, 1\n", 0, CIM_TRAP_CSEL);
    expect_ok("csel m0, 250, 6\nhalt\n");
}

static void test_trap_gated_range(void **state)
{
    (void)state;
    expect_trap("ild r0, 300\ngated m0, 200, 100, 0\n", 1, CIM_TRAP_GATED_ROWS);
    expect_trap("gated m0, 0, 16, 0\n", 0, CIM_TRAP_GATED_INPUT);
    expect_trap_msg("ild r0, 16\ngated m0, 0, 16, 1\n", 1, CIM_TRAP_GATED_INPUT,
                    "gated: input bits [1, 17) beyond the 16 loaded in the input register");
    expect_trap("ild r0, 16\nwcfg r0, 1, 3, 3, 3, 1\ngated m0, 0, 1, 0\n", 2, CIM_TRAP_GATED_INPUT);
    expect_ok("ild r0, 300\ngated m0, 156, 100, 200\nhalt\n");
}

static void test_trap_input_register_length(void **state)
{
    (void)state;
    expect_trap("ild r0, 4097\n", 0, CIM_TRAP_ILD_BITS);
    expect_ok("ild r0, 4096\nhalt\n");
}

/* The 64 KiB buffer has 524288 bits: an access must end at or before it. */
static void test_trap_buffer_range(void **state)
{
    (void)state;
    expect_trap("li r1, -1\nstw r0, r1\n", 1, CIM_TRAP_BUFFER);
    expect_ok("li r1, 524256\nstw r0, r1\nhalt\n");
    expect_trap("li r1, 524257\nstw r0, r1\n", 1, CIM_TRAP_BUFFER);
    expect_ok("li r1, 524032\nwrow m0, 0, r1\nost m0, r1\nild r1, 256\nhalt\n");
    static const char *const progs[] = {
        "li r1, 524033\nwrow m0, 0, r1\n", "li r1, 524033\nost m0, r1\n", "li r1, 524033\nild r1, 256\n",
        "li r1, 524033\ndmai r1, 256\n", "li r1, 524033\ndmao r1, 256\n", "li r1, 524000\nwcfg r1, 64, 3, 3, 3, 1\n",
        "li r1, 524250\nlcfg r1, 1, ref\n", "lcfg r0, 3, ref\nli r1, 524287\npstb r1\n",
        "lcfg r0, 3, ref\nli r1, 524200\npsti r1\n", "li r1, 0x7FFFFF\nstw r0, r1\n"};
    for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++) {
        size_t pc = strncmp(progs[i], "lcfg", 4) == 0 ? 2 : 1;
        expect_trap(progs[i], pc, CIM_TRAP_BUFFER);
    }
}

/* ---- window unit --------------------------------------------------------------------- */

static void test_trap_wcfg_bad_kernel(void **state)
{
    (void)state;
    expect_trap("wcfg r0, 1, 4, 4, 2, 0\n", 0, CIM_TRAP_WCFG_PARAMS);
    expect_trap("wcfg r0, 1, 4, 4, 3, 0\n", 0, CIM_TRAP_WCFG_PARAMS);
    expect_trap("wcfg r0, 1, 9, 9, 9, 4\n", 0, CIM_TRAP_WCFG_PARAMS);
    expect_trap("wcfg r0, 1, 4, 4, 0, 0\n", 0, CIM_TRAP_WCFG_PARAMS);
    expect_trap("wcfg r0, 0, 4, 4, 3, 1\n", 0, CIM_TRAP_WCFG_PARAMS);
    expect_trap("wcfg r0, 1, 2, 4, 3, 1\n", 0, CIM_TRAP_WCFG_SMALL);
    expect_trap("wcfg r0, 456, 3, 3, 3, 1\n", 0, CIM_TRAP_WCFG_IR);
    expect_ok("wcfg r0, 455, 3, 3, 3, 1\nwcfg r0, 1, 7, 7, 7, 3\nwcfg r0, 1, 1, 1, 1, 0\nhalt\n");
}

static void test_trap_win_position(void **state)
{
    (void)state;
    expect_trap("win r0, r0\n", 0, CIM_TRAP_WIN_UNCONF);
    expect_trap("wcfg r0, 1, 4, 5, 3, 1\nli r1, 4\nwin r1, r0\n", 2, CIM_TRAP_WIN_POS);
    expect_trap("wcfg r0, 1, 4, 5, 3, 1\nli r1, 5\nwin r0, r1\n", 2, CIM_TRAP_WIN_POS);
    expect_trap("wcfg r0, 1, 4, 5, 3, 1\nli r1, -1\nwin r0, r1\n", 2, CIM_TRAP_WIN_POS);
    expect_ok("wcfg r0, 1, 4, 5, 3, 1\nli r1, 3\nli r2, 4\nwin r1, r2\nhalt\n");
}

/* ---- post-processing unit ---------------------------------------------------------- */

static void test_trap_ppu_before_lcfg(void **state)
{
    (void)state;
    static const char *const progs[] = {"pfin\n", "pclr\n", "pacc m0, 0, 0, 0\n", "pthr\n",
                                        "prclr\n", "pstb r0\n", "psti r0\n"};
    for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++)
        expect_trap(progs[i], 0, CIM_TRAP_NO_LAYER);
}

/* pacc's outputs [off, off + ncol) must lie inside the current layer's nf (lcfg), not
 * merely inside the PPU. At nf = ppu_size: off 769 + 256 columns ends at 1025 > 1024, off
 * 768 ends at 1024. A window of 4 columns in an 8-output layer: off 5 ends at 9, off 4 at
 * 8. The full default window (256 columns) needs nf 256, 255 is one short. The layer in
 * force is the last lcfg's: 8 then 4 outputs refuses off 4 (ends at 8), the reverse
 * accepts it. */
static void test_trap_pacc_beyond_layer(void **state)
{
    (void)state;
    expect_trap("lcfg r0, 1024, ref\npacc m0, 769, 0, 0\n", 1, CIM_TRAP_PACC_RANGE);
    expect_ok("lcfg r0, 1024, ref\npacc m0, 768, 31, 1\nhalt\n");
    expect_trap("lcfg r0, 8, ref\ncsel m0, 0, 4\npacc m0, 5, 0, 0\n", 2, CIM_TRAP_PACC_RANGE);
    expect_ok("lcfg r0, 8, ref\ncsel m0, 0, 4\npacc m0, 4, 0, 0\nhalt\n");
    expect_trap("lcfg r0, 255, ref\npacc m0, 0, 0, 0\n", 1, CIM_TRAP_PACC_RANGE);
    expect_ok("lcfg r0, 256, ref\npacc m0, 0, 0, 0\nhalt\n");
    expect_trap_msg("lcfg r0, 8, ref\nlcfg r0, 4, ref\ncsel m0, 0, 4\npacc m0, 4, 0, 0\n", 3, CIM_TRAP_PACC_RANGE,
                    "pacc: outputs [4, 8) beyond the layer's 4 outputs (lcfg)");
    expect_ok("lcfg r0, 4, ref\nlcfg r0, 8, ref\ncsel m0, 0, 4\npacc m0, 4, 0, 0\nhalt\n");
}

/* pacc's shift and sign, lcfg's output count and mode (pacc with a 256-output layer, so
 * the full window fits and only the field under test is out of range). */
static void test_trap_ppu_range(void **state)
{
    (void)state;
    expect_trap("lcfg r0, 256, ref\npacc m0, 0, 32, 0\n", 1, CIM_TRAP_PACC_SHIFT);
    expect_trap("lcfg r0, 256, ref\npacc m0, 0, 0, 2\n", 1, CIM_TRAP_PACC_SHIFT);
    expect_ok("lcfg r0, 256, ref\npacc m0, 0, 31, 1\nhalt\n");
    expect_trap("lcfg r0, 1025, ref\n", 0, CIM_TRAP_LCFG_NF);
    expect_trap("lcfg r0, 0, ref\n", 0, CIM_TRAP_LCFG_NF);
    expect_ok("lcfg r0, 1024, skip\nhalt\n");
    /* lcfg r0, 1, mode 2 */
    expect_trap(".word 0x3000001002000000\n", 0, CIM_TRAP_LCFG_MODE);
}

/* The window's border class must be one the layer table has: lcfg before wcfg reads one. */
static void test_trap_pfin_border_class(void **state)
{
    (void)state;
    expect_trap("lcfg r0, 1, ref\nwcfg r0, 1, 3, 3, 3, 1\nwin r0, r0\npfin\n", 3, CIM_TRAP_PFIN_PATTERN);
    expect_ok("lcfg r0, 1, ref\nwcfg r0, 1, 3, 3, 3, 1\nli r1, 1\nwin r1, r1\npfin\nhalt\n");
}

/* cim_chip_exec (public, one instruction at a time) with an id that names no instruction
 * traps instead of acting as a PPU instruction (it used to run as pthr): nothing is
 * occupied and the pool register is left alone, where pthr would set bit 0 (p[0] = 0 >=
 * thr[0] = 0). A layer is configured first, so the "no layer" check does not answer. */
static void test_trap_exec_unknown_id(void **state)
{
    (void)state;
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    CimChip *c = NULL;
    assert_int_equal(cim_chip_create(&cfg, NULL, &c), CIM_OK);
    CimProgram p;
    rig_assemble("lcfg r0, 1, ref\npclr\nprclr\nhalt\n", &p);
    CimRunResult res;
    assert_int_equal(cim_chip_run(c, &p, NULL, 1000, &res), CIM_OK);
    assert_int_equal(res.trap.kind, CIM_TRAP_NONE);
    cim_program_free(&p, NULL);
    CimInsn in = {CIM_I_COUNT, 0, 0, 0, 0, 0};
    CimInsnTiming t;
    CimTrap trap;
    memset(&trap, 0, sizeof trap);
    uint64_t next = 0;
    assert_int_equal(cim_chip_exec(c, &in, 7, NULL, &next, &t, &trap), CIM_ERR_TRAP);
    assert_int_equal(trap.kind, CIM_TRAP_NO_INSN);
    char want[64];
    snprintf(want, sizeof want, "instruction %d does not exist", (int)CIM_I_COUNT);
    assert_string_equal(trap.reason, want);
    assert_int_equal(t.nuse, 0);
    assert_int_equal(cim_chip_pool_reg(c)[0] & 1u, 0);
    /* the same exec of pthr sets it */
    in.id = CIM_I_PTHR;
    memset(&trap, 0, sizeof trap);
    assert_int_equal(cim_chip_exec(c, &in, 7, NULL, &next, &t, &trap), CIM_OK);
    assert_int_equal(trap.kind, CIM_TRAP_NONE);
    assert_int_equal(cim_chip_pool_reg(c)[0] & 1u, 1);
    cim_chip_destroy(c);
}

/* ---- host interface ----------------------------------------------------------------- */

static void test_trap_dmai_beyond_host_input(void **state)
{
    (void)state;
    uint64_t in[1] = {0}, out[1];
    CimHostIO io = {in, 64, 0, out, 64, 0};
    expect_trap_io("dmai r0, 65\n", &io, 1000000, 0, CIM_TRAP_DMAI, NULL);
    assert_int_equal(io.in_pos, 0);
    expect_trap_io("dmai r0, 40\ndmai r0, 25\n", &io, 1000000, 1, CIM_TRAP_DMAI,
                   "dmai: 25 bits asked, the host input has 24 left");
    assert_int_equal(io.in_pos, 40);
    expect_trap("dmai r0, 1\n", 0, CIM_TRAP_DMAI);
}

static void test_trap_dmao_overflow(void **state)
{
    (void)state;
    uint64_t in[1] = {0}, out[1];
    CimHostIO io = {in, 64, 0, out, 64, 0};
    expect_trap_io("dmao r0, 65\n", &io, 1000000, 0, CIM_TRAP_DMAO, NULL);
    expect_trap_io("dmao r0, 60\ndmao r0, 5\n", &io, 1000000, 1, CIM_TRAP_DMAO,
                   "dmao: 5 bits, the host output has room for 4");
    assert_int_equal(io.out_pos, 60);
    expect_trap("dmao r0, 1\n", 0, CIM_TRAP_DMAO);
}

/* ---- watchdog and the trap's cycle --------------------------------------------------- */

/* A jmp loop is stopped when the run would pass max_cycles: the jmp issued at 10 makes it
 * 11 > 10, so the trap is at pc 0, cycle 10, after 11 instructions. */
static void test_trap_watchdog(void **state)
{
    (void)state;
    CimProgram p;
    rig_assemble("loop: jmp loop\n", &p);
    CimRunResult res = run_words(&p, NULL, 10);
    assert_int_equal(res.trap.kind, CIM_TRAP_WATCHDOG);
    assert_int_equal(res.trap.pc, 0);
    assert_int_equal(res.trap.cycle, 10);
    assert_int_equal(res.instructions, 11);
    cim_program_free(&p, NULL);
    /* an instruction whose own occupancy passes the limit traps at its issue */
    rig_assemble("nop\nild r0, 4096\nhalt\n", &p);
    res = run_words(&p, NULL, 64);
    assert_int_equal(res.trap.kind, CIM_TRAP_WATCHDOG);
    assert_int_equal(res.trap.pc, 1);
    assert_int_equal(res.trap.cycle, 1);
    assert_int_equal(res.cycles, 65);
    cim_program_free(&p, NULL);
}

/* An instruction that traps in execution is recorded at the earliest cycle it could
 * issue (one after the previous issue), and the run's cycles still drain the work
 * already issued: gated@4 holds m0 until 260; the bad rrow traps at cycle 5. */
static void test_trap_cycle_is_next_issue(void **state)
{
    (void)state;
    CimRunResult res = expect_trap("ild r0, 256\ngated m0, 0, 256, 0\nrrow m0, 300\n", 2, CIM_TRAP_ROW);
    assert_int_equal(res.trap.cycle, 5);
    assert_int_equal(res.cycles, 260);
    assert_int_equal(res.instructions, 2);
}

/* ---- every row of traps.def ------------------------------------------------------ */

/* One program per kind, with its exact message (the format of its row filled in). A row
 * added to traps.def without a case here fails test_trap_every_kind_raised. */
typedef struct {
    CimTrapKind kind;
    const char *text;     /* NULL: cim_chip_exec with an id that names no instruction */
    uint64_t pc;          /* where it traps */
    uint64_t patch;       /* when not 0: the word at pc, replaced after assembling */
    uint64_t max_cycles;  /* 0: no limit */
    const char *reason;
} KindCase;

static const KindCase kind_cases[] = {
    {CIM_TRAP_PC_END, "nop\n", 1, 0, 0, "pc beyond the end of the program (no halt)"},
    {CIM_TRAP_ILLEGAL, "nop\nnop\n", 1, 0xFF00000000000000ull, 0, "illegal opcode 0xff"},
    {CIM_TRAP_MACRO, "rrow m8, 0\n", 0, 0, 0, "macro m8 does not exist (the chip has 8)"},
    {CIM_TRAP_ROW, "rrow m0, 256\n", 0, 0, 0, "row 256 out of range (the array has 256 rows)"},
    {CIM_TRAP_DUAL_OP, ".word 0x1200000001006000\n", 0, 0, 0, "dual: logic op code 6 does not exist"},
    {CIM_TRAP_DUAL_SAME, "dual.xor m0, 3, 3\n", 0, 0, 0, "dual: both operand rows are 3"},
    {CIM_TRAP_CSEL, "csel m0, 250, 7\n", 0, 0, 0, "csel: columns [250, 257) outside the 256-column array"},
    {CIM_TRAP_GATED_ROWS, "ild r0, 300\ngated m0, 200, 100, 0\n", 1, 0, 0,
     "gated: rows [200, 300) outside the 256-row array"},
    {CIM_TRAP_GATED_INPUT, "gated m0, 0, 16, 0\n", 0, 0, 0,
     "gated: input bits [0, 16) beyond the 0 loaded in the input register"},
    {CIM_TRAP_BUFFER, "li r1, -1\nstw r0, r1\n", 1, 0, 0, "buffer range [-1, -1 + 32) outside the 524288-bit buffer"},
    {CIM_TRAP_WCFG_PARAMS, "wcfg r0, 1, 4, 4, 2, 0\n", 0, 0, 0,
     "wcfg: need C, H, W >= 1, odd k <= 7 and pad = (k-1)/2, got C=1 H=4 W=4 k=2 pad=0"},
    {CIM_TRAP_WCFG_SMALL, "wcfg r0, 1, 2, 4, 3, 1\n", 0, 0, 0, "wcfg: a 2x4 feature map is smaller than the 3x3 kernel"},
    {CIM_TRAP_WCFG_IR, "wcfg r0, 456, 3, 3, 3, 1\n", 0, 0, 0,
     "wcfg: a window of 4104 bits exceeds the 4096-bit input register"},
    {CIM_TRAP_WIN_UNCONF, "win r0, r0\n", 0, 0, 0, "win: the window unit is not configured (wcfg)"},
    {CIM_TRAP_WIN_POS, "wcfg r0, 1, 4, 5, 3, 1\nli r1, 4\nwin r1, r0\n", 2, 0, 0,
     "win: position (4, 0) outside the 4x5 feature map"},
    {CIM_TRAP_ILD_BITS, "ild r0, 4097\n", 0, 0, 0, "ild: 4097 bits exceed the 4096-bit input register"},
    {CIM_TRAP_LCFG_NF, "lcfg r0, 1025, ref\n", 0, 0, 0, "lcfg: 1025 outputs, the PPU holds 1..1024"},
    {CIM_TRAP_LCFG_MODE, ".word 0x3000001002000000\n", 0, 0, 0, "lcfg: mode 2 does not exist (0 = ref, 1 = skip)"},
    {CIM_TRAP_NO_LAYER, "pfin\n", 0, 0, 0, "pfin: no layer configured (lcfg)"},
    {CIM_TRAP_PFIN_PATTERN, "lcfg r0, 1, ref\nwcfg r0, 1, 3, 3, 3, 1\nwin r0, r0\npfin\n", 3, 0, 0,
     "pfin: border class 4 but the layer table has 1"},
    {CIM_TRAP_PACC_RANGE, "lcfg r0, 1024, ref\npacc m0, 769, 0, 0\n", 1, 0, 0,
     "pacc: outputs [769, 1025) beyond the layer's 1024 outputs (lcfg)"},
    {CIM_TRAP_PACC_SHIFT, "lcfg r0, 256, ref\npacc m0, 0, 32, 0\n", 1, 0, 0,
     "pacc: shift 32 (must be < 32) or neg 0 (0 or 1) out of range"},
    {CIM_TRAP_DMAI, "dmai r0, 1\n", 0, 0, 0, "dmai: 1 bits asked, the host input has 0 left"},
    {CIM_TRAP_DMAO, "dmao r0, 1\n", 0, 0, 0, "dmao: 1 bits, the host output has room for 0"},
    {CIM_TRAP_WATCHDOG, "loop: jmp loop\n", 0, 0, 10, "cycle limit reached (watchdog)"},
    {CIM_TRAP_NO_INSN, NULL, 0, 0, 0, NULL},
};

/* The trap record of one case (for NULL text: cim_chip_exec of id CIM_I_COUNT). */
static CimTrap raise_case(const KindCase *kc)
{
    CimTrap trap;
    memset(&trap, 0, sizeof trap);
    if (!kc->text) {
        CimChipCfg cfg;
        cim_cfg_defaults(&cfg);
        CimChip *c = NULL;
        assert_int_equal(cim_chip_create(&cfg, NULL, &c), CIM_OK);
        CimInsn in = {CIM_I_COUNT, 0, 0, 0, 0, 0};
        CimInsnTiming t;
        uint64_t next;
        assert_int_equal(cim_chip_exec(c, &in, 0, NULL, &next, &t, &trap), CIM_ERR_TRAP);
        cim_chip_destroy(c);
        return trap;
    }
    CimProgram p;
    rig_assemble(kc->text, &p);
    if (kc->patch)
        p.words[kc->pc] = kc->patch;
    CimRunResult res = run_words(&p, NULL, kc->max_cycles ? kc->max_cycles : UINT64_MAX);
    assert_int_equal(res.trap.pc, kc->pc);
    assert_int_equal(res.trap.word, kc->pc < p.n ? p.words[kc->pc] : 0);
    cim_program_free(&p, NULL);
    return res.trap;
}

/* Every kind is raised by one case, with the message its row formats. */
static void test_trap_every_kind_raised(void **state)
{
    (void)state;
    size_t n = sizeof kind_cases / sizeof kind_cases[0];
    int seen[CIM_TRAP_COUNT] = {0};
    assert_int_equal(n, CIM_TRAP_COUNT - 1); /* one case per row of traps.def */
    for (size_t i = 0; i < n; i++) {
        const KindCase *kc = &kind_cases[i];
        CimTrap trap = raise_case(kc);
        char want[160];
        if (kc->reason)
            snprintf(want, sizeof want, "%s", kc->reason);
        else
            snprintf(want, sizeof want, "instruction %d does not exist", (int)CIM_I_COUNT);
        if (trap.kind != kc->kind || strcmp(trap.reason, want) != 0)
            fail_msg("case %zu: expected %s '%s', got %s '%s'", i, cim_trap_info(kc->kind)->name, want,
                     cim_trap_info(trap.kind)->name, trap.reason);
        seen[trap.kind]++;
    }
    for (int k = CIM_TRAP_NONE + 1; k < CIM_TRAP_COUNT; k++)
        if (seen[k] != 1)
            fail_msg("traps.def row %s is raised by %d cases, expected 1", cim_trap_info((CimTrapKind)k)->name, seen[k]);
}

/* Kind and RTL code map both ways; 0 is no trap; a code no row has maps to no kind. */
static void test_trap_codes_round_trip(void **state)
{
    (void)state;
    assert_int_equal(cim_trap_kind_of_code(0), CIM_TRAP_NONE);
    assert_int_equal(cim_trap_info(CIM_TRAP_NONE)->code, 0);
    unsigned used = 0;
    for (int k = CIM_TRAP_NONE + 1; k < CIM_TRAP_COUNT; k++) {
        const CimTrapInfo *t = cim_trap_info((CimTrapKind)k);
        assert_true(t->code > 0 && t->code < 256 && t->name[0] && t->format[0]);
        assert_int_equal(cim_trap_kind_of_code(t->code), k);
        used++;
    }
    unsigned unknown = 0;
    for (unsigned code = 1; code < 300; code++)
        unknown += cim_trap_kind_of_code(code) == CIM_TRAP_COUNT;
    assert_int_equal(unknown, 299 - used);
}

/* ---- fuzz -------------------------------------------------------------------------- */

static unsigned small_or_any(CimRng *g, unsigned bits)
{
    uint64_t r = cim_rng_u64(g);
    return (r & 1) ? (unsigned)((r >> 1) % 20) : (unsigned)((r >> 8) & ((1u << bits) - 1u));
}

/* Random words of real opcodes with small or arbitrary fields, run back to back on one
 * chip (state carries over): every run returns CIM_OK, halts or traps, within the limit. */
static void test_trap_fuzz_never_crashes(void **state)
{
    (void)state;
    CimRng g;
    cim_rng_seed(&g, 20240611);
    uint64_t in[64], out[64];
    for (int i = 0; i < 64; i++)
        in[i] = cim_rng_u64(&g);
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    CimChip *c;
    assert_int_equal(cim_chip_create(&cfg, NULL, &c), CIM_OK);
    CimProgram p, pro;
    cim_program_init(&p);
    rig_assemble("wcfg r0, 2, 4, 4, 3, 1\nlcfg r0, 20, ref\nild r0, 256\n", &pro);
    unsigned halted = 0, trapped = 0;
    for (int prog = 0; prog < 3000; prog++) {
        p.n = 0;
        if (prog % 2) { /* half start from a configured window, layer and input */
            assert_int_equal(cim_program_reserve(&p, pro.n, NULL), CIM_OK);
            memcpy(p.words, pro.words, pro.n * sizeof *p.words);
            p.n = pro.n;
        }
        for (int i = 0; i < 24; i++) {
            CimInsn w = {(CimInsnId)(cim_rng_u64(&g) % CIM_I_COUNT), small_or_any(&g, 8), small_or_any(&g, 12),
                         small_or_any(&g, 12), small_or_any(&g, 12), small_or_any(&g, 12)};
            assert_int_equal(cim_program_emit(&p, &w, NULL), CIM_OK);
        }
        CimHostIO io = {in, sizeof in * 8, 0, out, sizeof out * 8, 0};
        CimRunResult res;
        assert_int_equal(cim_chip_run(c, &p, &io, 5000, &res), CIM_OK);
        if (res.trap.kind != CIM_TRAP_NONE) {
            trapped++;
            assert_true(res.trap.kind < CIM_TRAP_COUNT && res.trap.reason[0] != '\0');
        } else {
            halted++;
            assert_true(res.cycles <= 5000);
        }
    }
    assert_true(halted > 0 && trapped > 0);
    cim_program_free(&p, NULL);
    cim_program_free(&pro, NULL);
    cim_chip_destroy(c);
}

/* ---- allocation failures ----------------------------------------------------------- */

/* Creates a chip, runs a short program twice (a failed run must leave the chip usable)
 * and destroys it. */
static CimStatus create_and_run(void *ctx, const CimAlloc *a)
{
    const CimProgram *p = ctx;
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    cfg.physics.enabled = 1; /* the largest set of allocations, on a small chip */
    cfg.macros = 2;
    cfg.array.rows = 64;
    cfg.array.cols = 64;
    CimChip *c = NULL;
    CimStatus st = cim_chip_create(&cfg, a, &c);
    if (st != CIM_OK) {
        assert_null(c);
        return st;
    }
    CimRunResult res;
    st = cim_chip_run(c, p, NULL, 1000, &res);
    CimStatus again = cim_chip_run(c, p, NULL, 1000, &res);
    if (st != CIM_OK) /* only one allocation fails: the second run must work */
        assert_int_equal(again, CIM_OK);
    if (again == CIM_OK) {
        assert_int_equal(res.trap.kind, CIM_TRAP_NONE);
        assert_int_equal(res.cycles, 65);
    }
    cim_chip_destroy(c);
    return st != CIM_OK ? st : again;
}

static void test_chip_create_alloc_failures(void **state)
{
    (void)state;
    CimProgram p;
    rig_assemble("ild r0, 64\ngated m0, 0, 64, 0\nhalt\n", &p); /* gated@1 until 65 */
    size_t n = test_alloc_sweep(create_and_run, &p);
    assert_true(n > 8);
    cim_program_free(&p, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trap_illegal_opcode),
        cmocka_unit_test(test_trap_pc_past_end),
        cmocka_unit_test(test_trap_macro_out_of_range),
        cmocka_unit_test(test_trap_row_out_of_range),
        cmocka_unit_test(test_trap_dual_operands),
        cmocka_unit_test(test_trap_column_out_of_range),
        cmocka_unit_test(test_trap_gated_range),
        cmocka_unit_test(test_trap_input_register_length),
        cmocka_unit_test(test_trap_buffer_range),
        cmocka_unit_test(test_trap_wcfg_bad_kernel),
        cmocka_unit_test(test_trap_win_position),
        cmocka_unit_test(test_trap_ppu_before_lcfg),
        cmocka_unit_test(test_trap_pacc_beyond_layer),
        cmocka_unit_test(test_trap_ppu_range),
        cmocka_unit_test(test_trap_pfin_border_class),
        cmocka_unit_test(test_trap_exec_unknown_id),
        cmocka_unit_test(test_trap_dmai_beyond_host_input),
        cmocka_unit_test(test_trap_dmao_overflow),
        cmocka_unit_test(test_trap_watchdog),
        cmocka_unit_test(test_trap_cycle_is_next_issue),
        cmocka_unit_test(test_trap_every_kind_raised),
        cmocka_unit_test(test_trap_codes_round_trip),
        cmocka_unit_test(test_trap_fuzz_never_crashes),
        cmocka_unit_test(test_chip_create_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
