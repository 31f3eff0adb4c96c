/* Truth tables of every dual-row logic op over all input pairs and row widths 1, 63, 64,
 * 65 and the configured width; opcodes and mnemonics unique; sense references needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "models/array/array.h"

/* Rows of models/array/ops.def, counted here from the table itself: loops "over every op"
 * below must have visited this many, so a loop that silently tests fewer fails. */
#define CIM_OP(id, mnemonic, opcode, ...) +1
enum { OPS_IN_TABLE = 0
#include "models/array/ops.def"
};
#undef CIM_OP

/* Independent truth tables, written out: expected[op][a][b]. */
static int expected(CimLogicOp op, int a, int b)
{
    switch (op) {
    case CIM_OP_OR: return a | b;
    case CIM_OP_AND: return a & b;
    case CIM_OP_XOR: return a ^ b;
    case CIM_OP_NAND: return !(a & b);
    case CIM_OP_NOR: return !(a | b);
    case CIM_OP_XNOR: return !(a ^ b);
    default: return -1;
    }
}

static void check_width(size_t n)
{
    int tested = 0;
    uint64_t a[5], b[5], out[5];
    CimRng r;
    cim_rng_seed(&r, n);
    for (int rep = 0; rep < 8; rep++) {
        cim_bits_random(a, n, &r);
        cim_bits_random(b, n, &r);
        if (rep == 0) { /* all four input pairs appear in the first positions */
            for (size_t i = 0; i < n && i < 4; i++) {
                cim_bits_set(a, i, (int)(i >> 1));
                cim_bits_set(b, i, (int)(i & 1));
            }
        }
        for (int op = 0; op < CIM_OP_COUNT; op++) {
            memset(out, 0xAA, sizeof out);
            cim_op_apply((CimLogicOp)op, a, b, out, n);
            for (size_t i = 0; i < n; i++)
                assert_int_equal(cim_bits_get(out, i), expected((CimLogicOp)op, cim_bits_get(a, i), cim_bits_get(b, i)));
            assert_int_equal(out[cim_bits_words(n) - 1] & ~cim_bits_tail_mask(n), 0);
            tested += rep == 0;
        }
    }
    assert_int_equal(tested, OPS_IN_TABLE);
}

/* Every row of ops.def has an independent truth table above (a new row without one fails
 * here, not silently in a loop), and the table has the paper's six ops at least. */
static void test_ops_every_row_has_an_independent_table(void **state)
{
    (void)state;
    assert_int_equal(CIM_OP_COUNT, OPS_IN_TABLE);
    assert_true(OPS_IN_TABLE >= 6);
    for (int op = 0; op < CIM_OP_COUNT; op++)
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++)
                assert_int_not_equal(expected((CimLogicOp)op, a, b), -1);
}

static void test_ops_truth_tables_all_widths(void **state)
{
    (void)state;
    const size_t widths[] = {1, 2, 4, 63, 64, 65, 256, 300};
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++)
        check_width(widths[i]);
}

static void test_ops_opcodes_and_mnemonics_unique(void **state)
{
    (void)state;
    for (int i = 0; i < CIM_OP_COUNT; i++)
        for (int j = i + 1; j < CIM_OP_COUNT; j++) {
            assert_int_not_equal(cim_op_info((CimLogicOp)i)->opcode, cim_op_info((CimLogicOp)j)->opcode);
            assert_string_not_equal(cim_op_info((CimLogicOp)i)->mnemonic, cim_op_info((CimLogicOp)j)->mnemonic);
        }
}

static void test_ops_parse_round_trips_and_rejects_unknown(void **state)
{
    (void)state;
    for (int i = 0; i < CIM_OP_COUNT; i++) {
        CimLogicOp op;
        assert_int_equal(cim_op_parse(cim_op_info((CimLogicOp)i)->mnemonic, &op), CIM_OK);
        assert_int_equal(op, i);
    }
    CimLogicOp op;
    assert_int_equal(cim_op_parse("nandd", &op), CIM_ERR_RANGE);
    char buf[128];
    cim_op_mnemonics(buf, sizeof buf);
    assert_string_equal(buf, "or, and, xor, nand, nor, xnor");
}

static void test_ops_references_needed(void **state)
{
    (void)state;
    assert_int_equal(cim_op_refs(CIM_OP_OR), 1);   /* >= 1 LRS */
    assert_int_equal(cim_op_refs(CIM_OP_NOR), 1);
    assert_int_equal(cim_op_refs(CIM_OP_AND), 2);  /* = 2 LRS */
    assert_int_equal(cim_op_refs(CIM_OP_NAND), 2);
    assert_int_equal(cim_op_refs(CIM_OP_XOR), 3);  /* window between both */
    assert_int_equal(cim_op_refs(CIM_OP_XNOR), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ops_every_row_has_an_independent_table),
        cmocka_unit_test(test_ops_truth_tables_all_widths),
        cmocka_unit_test(test_ops_opcodes_and_mnemonics_unique),
        cmocka_unit_test(test_ops_parse_round_trips_and_rejects_unknown),
        cmocka_unit_test(test_ops_references_needed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
