/* Unit tests of models/isa: encoding of every isa.def instruction, immediates, the
 * disassembly text, the assembler (round trips, every error message, fuzzing, allocation
 * failures) and the binary program file (round trip, corrupted files). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/array/array.h"
#include "models/isa/isa.h"
#include "tests/support/test_alloc.h"

static char tmpdir[64];

/* ---- helpers ------------------------------------------------------------ */

static void tmp_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", tmpdir, name);
}

/* Assembles text that must be valid into p (appending). */
static void assemble_ok(const char *text, CimProgram *p)
{
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_isa_assemble(text, "t.s", p, NULL, &d);
    if (st != CIM_OK) {
        cim_diag_print(&d, stderr);
        fail_msg("assembling failed: %s", cim_status_str(st));
    }
    assert_int_equal(d.n, 0);
    cim_diag_free(&d);
}

/* Assembles text that must fail and checks the first diagnostic line. */
static void expect_error(const char *text, const char *first)
{
    CimProgram p;
    CimDiag d;
    char buf[512];
    cim_program_init(&p);
    cim_diag_init(&d);
    assert_int_equal(cim_isa_assemble(text, "t.s", &p, NULL, &d), CIM_ERR_CONFIG);
    assert_true(d.n > 0);
    cim_diag_format(&d, 0, buf, sizeof buf);
    assert_string_equal(buf, first);
    assert_int_equal(p.n, 0);
    cim_diag_free(&d);
    cim_program_free(&p, NULL);
}

/* The whole-program listing as a malloc'ed string. */
static char *listing(const CimProgram *p, CimStatus expect)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(cim_isa_disasm_program(p, f), expect);
    fclose(f);
    return text;
}

static void assert_same_words(const CimProgram *a, const CimProgram *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++)
        if (a->words[i] != b->words[i])
            fail_msg("word %zu: %016llx != %016llx", i, (unsigned long long)a->words[i],
                     (unsigned long long)b->words[i]);
}

/* Upper bound + 1 of each raw field (m, a, b, c, d) per format for words the syntax can
 * express, written out from isa.def's header comment; 0 = unused (must be 0); 16 =
 * register. MRR's c is drawn from ops.def instead. */
static const unsigned field_lim[][5] = {
    [CIM_F_NONE] = {0, 0, 0, 0, 0},           [CIM_F_RI] = {16, 0, 0, 4096, 4096},
    [CIM_F_RRI] = {16, 16, 0, 4096, 4096},    [CIM_F_R3] = {16, 16, 16, 0, 0},
    [CIM_F_BR] = {16, 16, 0, 4096, 4096},     [CIM_F_J] = {0, 0, 0, 4096, 4096},
    [CIM_F_M] = {256, 0, 0, 0, 0},            [CIM_F_MROW] = {256, 4096, 0, 0, 0},
    [CIM_F_MRW] = {256, 4096, 16, 0, 0},      [CIM_F_MR] = {256, 16, 0, 0, 0},
    [CIM_F_MRR] = {256, 4096, 4096, 0, 0},    [CIM_F_MCOL] = {256, 4096, 4096, 0, 0},
    [CIM_F_MGATE] = {256, 4096, 4096, 4096, 0}, [CIM_F_RM] = {256, 16, 0, 0, 0},
    [CIM_F_WCFG] = {16, 4096, 4096, 4096, 4096}, [CIM_F_R1] = {16, 0, 0, 0, 0},
    [CIM_F_R2] = {16, 16, 0, 0, 0},           [CIM_F_LCFG] = {16, 4096, 2, 0, 0},
    [CIM_F_PACC] = {256, 4096, 4096, 4096, 0}, [CIM_F_DMA] = {16, 4096, 4096, 0, 0},
};

static unsigned draw(CimRng *r, unsigned lim) { return lim ? (unsigned)(cim_rng_u64(r) % lim) : 0; }

/* A random instruction of the given id whose fields the assembly syntax can express. */
static CimInsn random_insn(CimRng *r, CimInsnId id)
{
    const unsigned *l = field_lim[cim_isa_info(id)->format];
    CimInsn in = {id, draw(r, l[0]), draw(r, l[1]), draw(r, l[2]), draw(r, l[3]), draw(r, l[4])};
    if (cim_isa_info(id)->format == CIM_F_MRR)
        in.c = cim_op_info((CimLogicOp)draw(r, CIM_OP_COUNT))->opcode;
    return in;
}

/* ---- encoding ----------------------------------------------------------- */

static void test_isa_opcodes_and_mnemonics_unique(void **state)
{
    (void)state;
    for (int i = 0; i < CIM_I_COUNT; i++) {
        assert_true(cim_isa_info((CimInsnId)i)->opcode <= 0xFF);
        for (int j = i + 1; j < CIM_I_COUNT; j++) {
            assert_int_not_equal(cim_isa_info((CimInsnId)i)->opcode, cim_isa_info((CimInsnId)j)->opcode);
            assert_string_not_equal(cim_isa_info((CimInsnId)i)->mnemonic, cim_isa_info((CimInsnId)j)->mnemonic);
        }
    }
    assert_null(cim_isa_info(CIM_I_COUNT));
}

static void test_isa_encode_decode_round_trip_every_insn(void **state)
{
    (void)state;
    CimRng r;
    cim_rng_seed(&r, 11);
    for (int id = 0; id < CIM_I_COUNT; id++)
        for (int rep = 0; rep < 300; rep++) {
            /* raw fields at any value of their width, and values the syntax can express */
            CimInsn in = {(CimInsnId)id, draw(&r, 256), draw(&r, 4096), draw(&r, 4096), draw(&r, 4096),
                          draw(&r, 4096)};
            if (rep & 1)
                in = random_insn(&r, (CimInsnId)id);
            uint64_t w = cim_isa_encode(&in);
            assert_int_equal(w >> 56, cim_isa_info((CimInsnId)id)->opcode);
            CimInsn out;
            assert_int_equal(cim_isa_decode(w, &out), CIM_OK);
            assert_int_equal(out.id, id);
            assert_true(out.m == in.m && out.a == in.a && out.b == in.b && out.c == in.c && out.d == in.d);
        }
}

static void test_isa_encode_matches_worked_example(void **state)
{
    (void)state;
    /* gated m1, 0, 256, 32: opcode 0x14, m=1, a=0, b=255, c=32, d=0 */
    CimInsn in = {CIM_I_GATED, 1, 0, 255, 32, 0};
    assert_true(cim_isa_encode(&in) == 0x14010000FF020000ull);
    CimInsn out;
    assert_int_equal(cim_isa_decode(0x14010000FF020000ull, &out), CIM_OK);
    assert_true(out.id == CIM_I_GATED && out.m == 1 && out.a == 0 && out.b == 255 && out.c == 32);
}

static void test_isa_decode_rejects_unknown_opcode(void **state)
{
    (void)state;
    for (unsigned op = 0; op < 256; op++) {
        int known = 0;
        for (int i = 0; i < CIM_I_COUNT; i++)
            known |= cim_isa_info((CimInsnId)i)->opcode == op;
        CimInsn out;
        assert_int_equal(cim_isa_decode((uint64_t)op << 56 | 0x123456789ull, &out),
                         known ? CIM_OK : CIM_ERR_RANGE);
    }
}

static void test_isa_immediates_sign_extend_24_bits(void **state)
{
    (void)state;
    CimInsn in = {CIM_I_LI, 3, 0, 0, 0, 0};
    cim_isa_set_cd(&in, (uint32_t)-5 & 0xFFFFFFu);
    assert_int_equal(in.c, 0xFFF);
    assert_int_equal(in.d, 0xFFB);
    assert_int_equal(cim_isa_imm(&in), -5);
    cim_isa_set_cd(&in, 0x7FFFFF);
    assert_int_equal(cim_isa_imm(&in), 8388607);
    cim_isa_set_cd(&in, 0x800000);
    assert_int_equal(cim_isa_imm(&in), -8388608);
    assert_int_equal(cim_isa_cd(&in), 0x800000);
    cim_isa_set_ab(&in, 783);
    assert_int_equal(in.a, 0);
    assert_int_equal(in.b, 783);
    cim_isa_set_ab(&in, 0xABCDEF);
    assert_int_equal(in.a, 0xABC);
    assert_int_equal(in.b, 0xDEF);
    assert_int_equal(cim_isa_ab(&in), 0xABCDEF);
}

static void test_isa_emit_rejects_wide_fields(void **state)
{
    (void)state;
    CimProgram p;
    cim_program_init(&p);
    CimInsn ok = {CIM_I_RROW, 255, 4095, 0, 0, 0}, wide_m = {CIM_I_RROW, 256, 0, 0, 0, 0},
            wide_a = {CIM_I_RROW, 0, 4096, 0, 0, 0}, bad_id = {CIM_I_COUNT, 0, 0, 0, 0, 0};
    assert_int_equal(cim_program_emit(&p, &ok, NULL), CIM_OK);
    assert_int_equal(cim_program_emit(&p, &wide_m, NULL), CIM_ERR_RANGE);
    assert_int_equal(cim_program_emit(&p, &wide_a, NULL), CIM_ERR_RANGE);
    assert_int_equal(cim_program_emit(&p, &bad_id, NULL), CIM_ERR_RANGE);
    assert_int_equal(p.n, 1);
    cim_program_free(&p, NULL);
}

/* ---- disassembly text --------------------------------------------------- */

typedef struct {
    CimInsn in;
    const char *text;
} Example;

static void test_isa_disasm_text_matches_isa_def(void **state)
{
    (void)state;
    const Example ex[] = {
        {{CIM_I_LI, 3, 0, 0, 0xFFF, 0xFFB}, "li r3, -5"},
        {{CIM_I_ADDI, 1, 1, 0, 0, 1}, "addi r1, r1, 1"},
        {{CIM_I_ADD, 1, 2, 3, 0, 0}, "add r1, r2, r3"},
        {{CIM_I_BLT, 1, 2, 0, 0, 17}, "blt r1, r2, 17"},
        {{CIM_I_JMP, 0, 0, 0, 1, 2}, "jmp 4098"},
        {{CIM_I_RROW, 2, 10, 0, 0, 0}, "rrow m2, 10"},
        {{CIM_I_WROW, 0, 5, 4, 0, 0}, "wrow m0, 5, r4"},
        {{CIM_I_OST, 1, 2, 0, 0, 0}, "ost m1, r2"},
        {{CIM_I_DUAL, 0, 3, 4, 0x2, 0}, "dual.xor m0, 3, 4"},
        {{CIM_I_DUAL, 7, 1, 2, 0x5, 0}, "dual.xnor m7, 1, 2"},
        {{CIM_I_CSEL, 1, 0, 63, 0, 0}, "csel m1, 0, 64"},
        {{CIM_I_GATED, 1, 0, 255, 32, 0}, "gated m1, 0, 256, 32"},
        {{CIM_I_POPO, 1, 5, 0, 0, 0}, "popo r5, m1"},
        {{CIM_I_WCFG, 2, 64, 7, 7, 3 << 4 | 1}, "wcfg r2, 64, 7, 7, 3, 1"},
        {{CIM_I_PSTB, 4, 0, 0, 0, 0}, "pstb r4"},
        {{CIM_I_WIN, 1, 2, 0, 0, 0}, "win r1, r2"},
        {{CIM_I_STW, 3, 4, 0, 0, 0}, "stw r3, r4"},
        {{CIM_I_LCFG, 6, 16, 0, 0, 0}, "lcfg r6, 16, ref"},
        {{CIM_I_LCFG, 6, 16, 1, 0, 0}, "lcfg r6, 16, skip"},
        {{CIM_I_PACC, 0, 0, 0, 0, 0}, "pacc m0, 0, 0, 0"},
        {{CIM_I_DMAI, 1, 0, 783, 0, 0}, "dmai r1, 784"},
        {{CIM_I_DMAO, 2, 0xFFF, 0xFFF, 0, 0}, "dmao r2, 16777216"},
        {{CIM_I_ILD, 1, 0, 575, 0, 0}, "ild r1, 576"},
        {{CIM_I_CCLR, 3, 0, 0, 0, 0}, "cclr m3"},
        {{CIM_I_HALT, 0, 0, 0, 0, 0}, "halt"},
        {{CIM_I_PFIN, 0, 0, 0, 0, 0}, "pfin"},
    };
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        char buf[80];
        cim_isa_disasm(&ex[i].in, buf, sizeof buf);
        assert_string_equal(buf, ex[i].text);
        CimProgram p;
        cim_program_init(&p);
        assemble_ok(ex[i].text, &p);
        assert_int_equal(p.n, 1);
        assert_true(p.words[0] == cim_isa_encode(&ex[i].in));
        cim_program_free(&p, NULL);
    }
}

static void test_isa_disasm_uses_word_for_inexpressible_fields(void **state)
{
    (void)state;
    const CimInsn odd[] = {
        {CIM_I_HALT, 0, 1, 0, 0, 0},  /* unused field set */
        {CIM_I_ADD, 16, 0, 0, 0, 0},  /* register field over 15 */
        {CIM_I_DUAL, 0, 0, 0, 0x9, 0}, /* no such logic op */
        {CIM_I_LCFG, 0, 0, 2, 0, 0},  /* mode 2 */
    };
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        char buf[80], want[40];
        cim_isa_disasm(&odd[i], buf, sizeof buf);
        snprintf(want, sizeof want, ".word 0x%016llx", (unsigned long long)cim_isa_encode(&odd[i]));
        assert_string_equal(buf, want);
        CimProgram p;
        cim_program_init(&p);
        assemble_ok(buf, &p);
        assert_true(p.words[0] == cim_isa_encode(&odd[i]));
        cim_program_free(&p, NULL);
    }
    char small[6];
    cim_isa_disasm(&odd[0], small, sizeof small); /* truncates, stays terminated */
    assert_string_equal(small, ".word");
}

/* A random program: legal instructions, branches to random addresses inside it (and a few
 * outside), and some raw words the syntax writes as .word. */
static void random_program(CimRng *r, size_t n, CimProgram *p)
{
    for (size_t i = 0; i < n; i++) {
        CimInsnId id = (CimInsnId)draw(r, CIM_I_COUNT);
        CimInsn in = random_insn(r, id);
        CimInsnFormat f = cim_isa_info(id)->format;
        if ((f == CIM_F_BR || f == CIM_F_J) && draw(r, 8) != 0)
            cim_isa_set_cd(&in, draw(r, (unsigned)n));
        if (draw(r, 20) == 0)
            in = (CimInsn){id, draw(r, 256), draw(r, 4096), draw(r, 4096), draw(r, 4096), draw(r, 4096)};
        else {
            char buf[80];
            cim_isa_disasm(&in, buf, sizeof buf);
            assert_true(buf[0] != '.'); /* canonical instructions never need .word */
        }
        assert_int_equal(cim_program_emit(p, &in, NULL), CIM_OK);
    }
}

static void test_isa_disasm_asm_round_trip_random_programs(void **state)
{
    (void)state;
    CimRng r;
    cim_rng_seed(&r, 2024);
    size_t labelled = 0;
    for (int rep = 0; rep < 60; rep++) {
        CimProgram p, q;
        cim_program_init(&p);
        cim_program_init(&q);
        random_program(&r, 1 + draw(&r, 300), &p);
        char *text = listing(&p, CIM_OK);
        labelled += strstr(text, "\nL") != NULL;
        assemble_ok(text, &q);
        assert_same_words(&p, &q);
        free(text);
        cim_program_free(&p, NULL);
        cim_program_free(&q, NULL);
    }
    assert_true(labelled > 50);
}

static void test_isa_disasm_program_labels_branch_targets(void **state)
{
    (void)state;
    CimProgram p;
    cim_program_init(&p);
    assemble_ok("li r2, 3\ntop: addi r1, r1, 1\nblt r1, r2, top\njmp 100\nhalt\n", &p);
    char *text = listing(&p, CIM_OK);
    assert_string_equal(text, "# dcim program: 5 instructions\n"
                              "    li r2, 3\n"
                              "L1:\n"
                              "    addi r1, r1, 1\n"
                              "    blt r1, r2, L1\n"
                              "    jmp 100\n"
                              "    halt\n");
    free(text);
    p.words[4] = 0xFF00000000000000ull; /* no instruction: listed, but reported */
    text = listing(&p, CIM_ERR_RANGE);
    assert_non_null(strstr(text, ".word 0xff00000000000000"));
    free(text);
    cim_program_free(&p, NULL);
}

/* ---- assembler syntax --------------------------------------------------- */

static void test_isa_asm_labels_comments_and_blank_lines(void **state)
{
    (void)state;
    CimProgram p;
    cim_program_init(&p);
    assemble_ok("# a comment\r\n\n   \n"
                "start:\n"
                "  jmp end   # forward\r\n"
                "loop: addi r1, r1, 0x10\n"
                "\tbne r1, r0, loop\n"
                "end:halt",
                &p);
    assert_int_equal(p.n, 4);
    CimInsn in;
    assert_int_equal(cim_isa_decode(p.words[0], &in), CIM_OK);
    assert_int_equal(in.id, CIM_I_JMP);
    assert_int_equal(cim_isa_cd(&in), 3);
    assert_int_equal(cim_isa_decode(p.words[1], &in), CIM_OK);
    assert_int_equal(cim_isa_imm(&in), 16);
    assert_int_equal(cim_isa_decode(p.words[2], &in), CIM_OK);
    assert_int_equal(cim_isa_cd(&in), 1);
    /* appending: labels count from the program's end; a failed assembly changes nothing */
    assemble_ok("again: jmp again\n", &p);
    assert_int_equal(p.n, 5);
    assert_int_equal(cim_isa_decode(p.words[4], &in), CIM_OK);
    assert_int_equal(cim_isa_cd(&in), 4);
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_isa_assemble("halt\nbogus\n", "t.s", &p, NULL, &d), CIM_ERR_CONFIG);
    assert_int_equal(p.n, 5);
    cim_diag_free(&d);
    cim_program_free(&p, NULL);
}

static void test_isa_asm_accepts_field_limits(void **state)
{
    (void)state;
    CimProgram p;
    cim_program_init(&p);
    assemble_ok("li r15, -8388608\nli r0, 8388607\nrrow m255, 4095\ngated m0, 4095, 4096, 4095\n"
                "csel m0, 0, 1\ndmai r1, 1\ndmao r1, 16777216\njmp 16777215\nwcfg r1, 0, 0, 0, 255, 15\n"
                ".word 0x0000000000000000\n",
                &p);
    assert_int_equal(p.n, 10);
    CimInsn in;
    assert_int_equal(cim_isa_decode(p.words[0], &in), CIM_OK);
    assert_int_equal(cim_isa_imm(&in), -8388608);
    assert_int_equal(cim_isa_decode(p.words[8], &in), CIM_OK);
    assert_int_equal(in.d, 0xFFF);
    cim_program_free(&p, NULL);
}

static void test_isa_asm_error_unknown_instruction(void **state)
{
    (void)state;
    expect_error("gatd m1, 0, 256, 32", "t.s:1:1: error: unknown instruction 'gatd'");
    expect_error("halt\n  ADD r1, r2, r3", "t.s:2:3: error: unknown instruction 'ADD'");
    expect_error("add.xor r1, r2, r3", "t.s:1:1: error: unknown instruction 'add.xor'");
}

static void test_isa_asm_error_operand_count(void **state)
{
    (void)state;
    expect_error("gated m1, 0, 256", "t.s:1:1: error: 'gated' takes 4 operands (m, row0, n, ir_off), got 3");
    expect_error("jmp", "t.s:1:1: error: 'jmp' takes 1 operand (target), got 0");
    expect_error("halt r1", "t.s:1:1: error: 'halt' takes no operands, got 1");
    expect_error("dual.or m0, 1", "t.s:1:1: error: 'dual' takes 3 operands (m, row_a, row_b), got 2");
    expect_error("wcfg r2, 64, 7, 7, 3, 1, 0, 0, 0",
                 "t.s:1:1: error: 'wcfg' takes 6 operands (ra, C, H, W, k, pad), got 9");
}

static void test_isa_asm_error_bad_register_or_macro(void **state)
{
    (void)state;
    expect_error("add r16, r1, r2", "t.s:1:5: error: rd must be a register r0..r15, got 'r16'");
    expect_error("add r1, m1, r2", "t.s:1:9: error: rs must be a register r0..r15, got 'm1'");
    expect_error("cclr m256", "t.s:1:6: error: m must be a macro m0..m255, got 'm256'");
    expect_error("popo r1, 3", "t.s:1:10: error: m must be a macro m0..m255, got '3'");
}

static void test_isa_asm_error_value_out_of_range(void **state)
{
    (void)state;
    expect_error("rrow m1, 4096", "t.s:1:10: error: row must be in 0..4095, got 4096");
    expect_error("rrow m1, 0x1000", "t.s:1:10: error: row must be in 0..4095, got 0x1000");
    expect_error("rrow m1, -1", "t.s:1:10: error: row must be in 0..4095, got -1");
    expect_error("csel m1, 0, 0", "t.s:1:13: error: ncol must be in 1..4096, got 0");
    expect_error("gated m1, 0, 4097, 0", "t.s:1:14: error: n must be in 1..4096, got 4097");
    expect_error("li r1, 8388608", "t.s:1:8: error: imm must be in -8388608..8388607, got 8388608");
    expect_error("addi r1, r1, -99999999999999999999999",
                 "t.s:1:14: error: imm must be in -8388608..8388607, got -99999999999999999999999");
    expect_error("dmai r1, 16777217", "t.s:1:10: error: nbits must be in 1..16777216, got 16777217");
    expect_error("jmp 16777216", "t.s:1:5: error: target must be in 0..16777215, got 16777216");
    expect_error("wcfg r1, 1, 1, 1, 256, 0", "t.s:1:19: error: k must be in 0..255, got 256");
    expect_error("wcfg r1, 1, 1, 1, 1, 16", "t.s:1:22: error: pad must be in 0..15, got 16");
    expect_error("rrow m1, 12abc", "t.s:1:10: error: row must be a number, got '12abc'");
    expect_error("jmp $x", "t.s:1:5: error: target must be a label or an address, got '$x'");
    expect_error("lcfg r1, 2, fast", "t.s:1:13: error: mode must be 'ref' or 'skip', got 'fast'");
}

static void test_isa_asm_error_labels(void **state)
{
    (void)state;
    expect_error("jmp nowhere\nhalt", "t.s:1:5: error: undefined label 'nowhere'");
    expect_error("1x: halt", "t.s:1:1: error: invalid label name '1x'; a label starts with a letter, '_' or '.'");
    CimProgram p;
    CimDiag d;
    char buf[256];
    cim_program_init(&p);
    cim_diag_init(&d);
    assert_int_equal(cim_isa_assemble("loop: halt\n\n  loop:\nnop\n", "t.s", &p, NULL, &d), CIM_ERR_CONFIG);
    assert_int_equal(d.n, 2);
    cim_diag_format(&d, 0, buf, sizeof buf);
    assert_string_equal(buf, "t.s:3:3: error: duplicate label 'loop'");
    cim_diag_format(&d, 1, buf, sizeof buf);
    assert_string_equal(buf, "t.s:1:1: note: 'loop' first defined here");
    cim_diag_free(&d);
    cim_program_free(&p, NULL);
}

static void test_isa_asm_error_dual_op(void **state)
{
    (void)state;
    expect_error("dual.xnr m0, 1, 2",
                 "t.s:1:6: error: unknown logic op 'xnr'; expected one of: or, and, xor, nand, nor, xnor");
    expect_error("dual m0, 1, 2", "t.s:1:1: error: 'dual' needs a logic op suffix such as 'dual.xor'; "
                                  "expected one of: or, and, xor, nand, nor, xnor");
}

static void test_isa_asm_error_syntax(void **state)
{
    (void)state;
    expect_error("add r1,, r2", "t.s:1:8: error: missing operand");
    expect_error("add r1, r2,", "t.s:1:12: error: missing operand");
    expect_error("add r1 r2, r3", "t.s:1:8: error: unexpected 'r2'; operands are separated by ','");
    expect_error(".word 0xff00000000000000", "t.s:1:7: error: no instruction has opcode 0xff");
    expect_error(".word -1", "t.s:1:7: error: value must be in 0..0xffffffffffffffff, got '-1'");
}

static void test_isa_asm_reports_every_bad_line(void **state)
{
    (void)state;
    CimProgram p;
    CimDiag d;
    cim_program_init(&p);
    cim_diag_init(&d);
    assert_int_equal(cim_isa_assemble("bad1\nhalt\nrrow m1, 9999\nnop\nadd r1, r2\n", "t.s", &p, NULL, &d),
                     CIM_ERR_CONFIG);
    assert_int_equal(d.errors, 3);
    assert_int_equal(d.v[0].line, 1);
    assert_int_equal(d.v[1].line, 3);
    assert_int_equal(d.v[2].line, 5);
    cim_diag_free(&d);
    /* more than the cap: all counted, 20 kept */
    char text[30 * 8 + 1] = "";
    for (int i = 0; i < 30; i++)
        strcat(text, "bogus!\n");
    assert_int_equal(cim_isa_assemble(text, "t.s", &p, NULL, &d), CIM_ERR_CONFIG);
    assert_int_equal(d.errors, 30);
    assert_int_equal(d.n, CIM_DIAG_MAX_ERRORS);
    cim_diag_free(&d);
    cim_program_free(&p, NULL);
}

/* ---- fuzzing ------------------------------------------------------------ */

static const char *const vocab[] = {
    "li", "addi", "blt", "jmp", "dual.xor", "dual.", "dual", "gated", "wcfg", "lcfg", "dmai", ".word",
    "halt", "r0", "r15", "r16", "m0", "m255", "m256", "0", "-1", "4095", "4096", "0x", "0xfff",
    "-8388608", "16777216", "ref", "skip", "loop", "loop:", "x:", ":", ",", ", ", "#", " ", "\t",
    "\n", "\r\n", "99999999999999999999999", "0x1400000000000000", "L0", "-", ".",
};

static void fuzz_text(CimRng *r, char *buf, size_t cap)
{
    size_t n = 0, len = 1 + draw(r, (unsigned)cap - 1);
    int bytes = draw(r, 3) == 0;
    while (n < len) {
        if (bytes) {
            buf[n++] = (char)(1 + draw(r, 255)); /* anything but NUL */
            continue;
        }
        const char *w = vocab[draw(r, sizeof vocab / sizeof vocab[0])];
        size_t k = strlen(w);
        if (n + k > len)
            break;
        memcpy(buf + n, w, k);
        n += k;
        if (draw(r, 3) == 0 && n < len)
            buf[n++] = ' ';
    }
    buf[n] = '\0';
}

static void test_isa_asm_fuzz_never_crashes(void **state)
{
    (void)state;
    CimRng r;
    cim_rng_seed(&r, 99);
    char buf[400];
    size_t accepted = 0;
    for (int it = 0; it < 2000; it++) {
        fuzz_text(&r, buf, sizeof buf);
        CimProgram p, q;
        CimDiag d;
        cim_program_init(&p);
        cim_program_init(&q);
        cim_diag_init(&d);
        CimStatus st = cim_isa_assemble(buf, "fuzz.s", &p, NULL, &d);
        assert_true(st == CIM_OK || st == CIM_ERR_CONFIG);
        assert_true((st == CIM_OK) == (d.errors == 0));
        if (st == CIM_OK) { /* whatever was accepted lists and reassembles to the same words */
            accepted++;
            char *text = listing(&p, CIM_OK);
            assemble_ok(text, &q);
            assert_same_words(&p, &q);
            free(text);
        }
        cim_diag_free(&d);
        cim_program_free(&p, NULL);
        cim_program_free(&q, NULL);
    }
    assert_true(accepted > 0);
}

/* ---- allocation failures ------------------------------------------------ */

static CimStatus assemble_run(void *ctx, const CimAlloc *a)
{
    CimProgram p;
    CimDiag d;
    cim_program_init(&p);
    cim_diag_init(&d);
    CimInsn pre = {CIM_I_NOP, 0, 0, 0, 0, 0};
    CimStatus st = cim_program_emit(&p, &pre, a);
    if (st == CIM_OK)
        st = cim_isa_assemble(ctx, "t.s", &p, a, &d);
    if (st == CIM_OK && (p.n != 41 || p.words[0] != cim_isa_encode(&pre)))
        st = CIM_ERR_RANGE;
    if (st == CIM_ERR_NOMEM && p.n > 1)
        st = CIM_ERR_RANGE; /* a failed assembly must leave p as it was */
    cim_diag_free(&d);
    cim_program_free(&p, a);
    return st;
}

static void test_isa_asm_fault_injection(void **state)
{
    (void)state;
    char text[2000] = "start: li r1, 0\n";
    size_t n = strlen(text);
    for (int i = 0; i < 38; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, i % 2 ? "  addi r1, r1, 1\n" : "l%d: dual.nand m1, 2, 3\n", i);
    snprintf(text + n, sizeof text - n, "blt r1, r2, start\n");
    assert_true(test_alloc_sweep(assemble_run, text) >= 3);
}

static CimStatus read_run(void *ctx, const CimAlloc *a)
{
    CimProgram p;
    CimDiag d;
    cim_program_init(&p);
    cim_diag_init(&d);
    CimStatus st = cim_program_read(ctx, &p, a, &d);
    cim_diag_free(&d);
    cim_program_free(&p, a);
    return st;
}

/* ---- program files ------------------------------------------------------ */

static void write_bytes(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
}

static size_t read_bytes(const char *path, unsigned char *b, size_t cap)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(b, 1, cap, f);
    fclose(f);
    return n;
}

/* Reads path expecting failure st and the first diagnostic `first`; p stays as it was. */
static void expect_read_error(const char *path, CimStatus st, const char *first)
{
    CimProgram p;
    CimDiag d;
    char buf[512], want[512];
    cim_program_init(&p);
    cim_diag_init(&d);
    assert_int_equal(cim_program_read(path, &p, NULL, &d), st);
    assert_int_equal(p.n, 0);
    assert_true(d.n > 0);
    cim_diag_format(&d, 0, buf, sizeof buf);
    snprintf(want, sizeof want, "%s: error: %s", path, first);
    assert_string_equal(buf, want);
    cim_diag_free(&d);
    cim_program_free(&p, NULL);
}

static void test_isa_program_file_round_trip(void **state)
{
    (void)state;
    char path[128], tmp[140];
    tmp_path(path, sizeof path, "rt.bin");
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    CimRng r;
    cim_rng_seed(&r, 5);
    CimProgram p, q;
    CimDiag d;
    cim_program_init(&p);
    cim_program_init(&q);
    cim_diag_init(&d);
    random_program(&r, 1500, &p);
    assert_int_equal(cim_program_write(&p, path, &d), CIM_OK);
    assert_int_equal(access(tmp, F_OK), -1); /* renamed into place */
    assert_int_equal(cim_program_read(path, &q, NULL, &d), CIM_OK);
    assert_same_words(&p, &q);
    unsigned char head[16];
    assert_int_equal(read_bytes(path, head, sizeof head), 16);
    assert_memory_equal(head, "DCIMPRG1\xdc\x05\0\0\0\0\0\0", 16); /* 1500 = 0x5dc */
    assert_int_equal(test_alloc_sweep(read_run, path), 1);
    cim_program_free(&q, NULL);
    /* an empty program */
    p.n = 0;
    assert_int_equal(cim_program_write(&p, path, &d), CIM_OK);
    assert_int_equal(cim_program_read(path, &q, NULL, &d), CIM_OK);
    assert_int_equal(q.n, 0);
    assert_int_equal(d.n, 0);
    remove(path);
    cim_diag_free(&d);
    cim_program_free(&p, NULL);
    cim_program_free(&q, NULL);
}

static void test_isa_program_file_corrupt_gives_errors(void **state)
{
    (void)state;
    char path[128];
    tmp_path(path, sizeof path, "bad.bin");
    CimProgram p;
    CimDiag d;
    cim_program_init(&p);
    cim_diag_init(&d);
    assemble_ok("li r1, 1\naddi r1, r1, 2\nhalt\n", &p);
    assert_int_equal(cim_program_write(&p, path, &d), CIM_OK);
    unsigned char good[40], b[48];
    assert_int_equal(read_bytes(path, good, sizeof good), 40);

    memcpy(b, good, 40);
    b[7] = '2';
    write_bytes(path, b, 40);
    expect_read_error(path, CIM_ERR_FORMAT, "not a dcim program: bad magic (expected 'DCIMPRG1')");
    write_bytes(path, good, 37);
    expect_read_error(path, CIM_ERR_FORMAT,
                      "truncated: the header says 3 words (24 bytes) but 21 bytes follow it");
    write_bytes(path, good, 12);
    expect_read_error(path, CIM_ERR_FORMAT, "truncated header: 12 of 16 bytes");
    memcpy(b, good, 40);
    memset(b + 40, 0, 8);
    write_bytes(path, b, 48);
    expect_read_error(path, CIM_ERR_FORMAT,
                      "trailing data: the header says 3 words (24 bytes) but 32 bytes follow it");
    memcpy(b, good, 40);
    b[39] = 0xFF; /* opcode byte of word 2 */
    write_bytes(path, b, 40);
    expect_read_error(path, CIM_ERR_FORMAT, "word 2 (byte offset 32): unknown opcode 0xff");
    memset(b + 8, 0xFF, 8); /* a count far past the file */
    write_bytes(path, b, 40);
    expect_read_error(path, CIM_ERR_FORMAT,
                      "truncated: the header says 18446744073709551615 words (147573952589676412920 bytes) "
                      "but 24 bytes follow it");
    remove(path);
    expect_read_error(path, CIM_ERR_IO, "cannot open: No such file or directory");
    char nodir[160];
    snprintf(nodir, sizeof nodir, "%s/missing/x.bin", tmpdir);
    assert_int_equal(cim_program_write(&p, nodir, &d), CIM_ERR_IO);
    cim_diag_free(&d);
    cim_program_free(&p, NULL);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_isa_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isa_opcodes_and_mnemonics_unique),
        cmocka_unit_test(test_isa_encode_decode_round_trip_every_insn),
        cmocka_unit_test(test_isa_encode_matches_worked_example),
        cmocka_unit_test(test_isa_decode_rejects_unknown_opcode),
        cmocka_unit_test(test_isa_immediates_sign_extend_24_bits),
        cmocka_unit_test(test_isa_emit_rejects_wide_fields),
        cmocka_unit_test(test_isa_disasm_text_matches_isa_def),
        cmocka_unit_test(test_isa_disasm_uses_word_for_inexpressible_fields),
        cmocka_unit_test(test_isa_disasm_asm_round_trip_random_programs),
        cmocka_unit_test(test_isa_disasm_program_labels_branch_targets),
        cmocka_unit_test(test_isa_asm_labels_comments_and_blank_lines),
        cmocka_unit_test(test_isa_asm_accepts_field_limits),
        cmocka_unit_test(test_isa_asm_error_unknown_instruction),
        cmocka_unit_test(test_isa_asm_error_operand_count),
        cmocka_unit_test(test_isa_asm_error_bad_register_or_macro),
        cmocka_unit_test(test_isa_asm_error_value_out_of_range),
        cmocka_unit_test(test_isa_asm_error_labels),
        cmocka_unit_test(test_isa_asm_error_dual_op),
        cmocka_unit_test(test_isa_asm_error_syntax),
        cmocka_unit_test(test_isa_asm_reports_every_bad_line),
        cmocka_unit_test(test_isa_asm_fuzz_never_crashes),
        cmocka_unit_test(test_isa_asm_fault_injection),
        cmocka_unit_test(test_isa_program_file_round_trip),
        cmocka_unit_test(test_isa_program_file_corrupt_gives_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
