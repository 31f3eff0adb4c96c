/* Column counters (overflow behaviour, the shared overflow rule), adder-tree popcount,
 * shift-add and its two's-complement wrap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "models/periph/periph.h"

static void test_counter_wraps_at_overflow_and_flags_it(void **state)
{
    (void)state;
    CimCounters c;
    CimEvents ev = {{0}};
    assert_int_equal(cim_counters_init(&c, 65, 2, CIM_OVERFLOW_WRAP, NULL), CIM_OK);
    uint64_t row[2] = {0, 1}; /* counter 64 only */
    for (int i = 0; i < 3; i++)
        cim_counters_add_row(&c, row, &ev);
    assert_int_equal(c.v[64], 3);
    assert_int_equal(cim_bits_get(c.overflow, 64), 0);
    cim_counters_add_row(&c, row, &ev); /* 3 + 1 -> 0 */
    assert_int_equal(c.v[64], 0);
    assert_int_equal(cim_bits_get(c.overflow, 64), 1);
    cim_counters_add_row(&c, row, &ev);
    assert_int_equal(c.v[64], 1);
    assert_int_equal(cim_bits_get(c.overflow, 64), 1); /* sticky */
    assert_int_equal(c.v[0], 0);
    assert_int_equal(ev.n[CIM_EV_COUNTER], 5);
    cim_counters_clear(&c);
    assert_int_equal(cim_bits_get(c.overflow, 64), 0);
    cim_counters_free(&c, NULL);
}

static void test_counter_saturates_when_configured(void **state)
{
    (void)state;
    CimCounters c;
    assert_int_equal(cim_counters_init(&c, 4, 3, CIM_OVERFLOW_SATURATE, NULL), CIM_OK);
    cim_counters_add(&c, 1, 6, NULL);
    assert_int_equal(c.v[1], 6);
    assert_int_equal(cim_bits_get(c.overflow, 1), 0);
    cim_counters_add(&c, 1, 5, NULL);
    assert_int_equal(c.v[1], 7);
    assert_int_equal(cim_bits_get(c.overflow, 1), 1);
    cim_counters_free(&c, NULL);
    /* 32-bit counters: the full range, wrapping at 2^32 */
    assert_int_equal(cim_counters_init(&c, 1, 32, CIM_OVERFLOW_WRAP, NULL), CIM_OK);
    cim_counters_add(&c, 0, UINT32_MAX, NULL);
    assert_int_equal(c.v[0], UINT32_MAX);
    cim_counters_add(&c, 0, 2, NULL);
    assert_int_equal(c.v[0], 1);
    cim_counters_free(&c, NULL);
    assert_int_equal(cim_counters_init(&c, 1, 33, CIM_OVERFLOW_WRAP, NULL), CIM_ERR_RANGE);
}

/* The overflow rule the fast path applies to a whole gated read. */
static void test_counter_value_wraps_or_saturates_past_max(void **state)
{
    (void)state;
    assert_int_equal(cim_counter_max(1), 1);
    assert_int_equal(cim_counter_max(10), 1023);
    assert_true(cim_counter_max(32) == UINT32_MAX);
    assert_int_equal(cim_counter_value(2, CIM_OVERFLOW_WRAP, 3), 3);
    assert_int_equal(cim_counter_value(2, CIM_OVERFLOW_WRAP, 5), 1);
    assert_int_equal(cim_counter_value(2, CIM_OVERFLOW_SATURATE, 5), 3);
    assert_int_equal(cim_counter_value(32, CIM_OVERFLOW_WRAP, (uint64_t)UINT32_MAX + 2), 1);
    assert_true(cim_counter_value(32, CIM_OVERFLOW_SATURATE, (uint64_t)UINT32_MAX + 2) == UINT32_MAX);
    CimEvents ev = {{0}};
    cim_counter_events(&ev, 7);
    assert_int_equal(ev.n[CIM_EV_COUNTER], 7);
}

/* Adding k at once (a word-parallel gated read, the fast path) gives the value, overflow
 * flag and events of k single increments (a row-by-row gated read), and the value is
 * cim_counter_value of the exact count: random widths, both modes. */
static void test_counter_add_k_equals_k_increments(void **state)
{
    (void)state;
    CimRng r;
    cim_rng_seed(&r, 42);
    uint64_t one[1] = {1};
    for (int t = 0; t < 400; t++) {
        unsigned bits = 1 + (unsigned)(cim_rng_u64(&r) % 8);
        CimOverflow mode = (CimOverflow)(cim_rng_u64(&r) & 1);
        CimCounters a, b;
        CimEvents ea = {{0}}, eb = {{0}};
        assert_int_equal(cim_counters_init(&a, 1, bits, mode, NULL), CIM_OK);
        assert_int_equal(cim_counters_init(&b, 1, bits, mode, NULL), CIM_OK);
        uint32_t k = (uint32_t)(cim_rng_u64(&r) % 600);
        cim_counters_add(&a, 0, k, &ea);
        for (uint32_t i = 0; i < k; i++)
            cim_counters_add_row(&b, one, &eb);
        assert_int_equal(a.v[0], b.v[0]);
        assert_int_equal(a.v[0], cim_counter_value(bits, mode, k));
        assert_int_equal(a.overflow[0], b.overflow[0]);
        assert_int_equal(ea.n[CIM_EV_COUNTER], eb.n[CIM_EV_COUNTER]);
        cim_counters_free(&a, NULL);
        cim_counters_free(&b, NULL);
    }
}

static void test_popcount_tree_counts_full_adders(void **state)
{
    (void)state;
    uint64_t row[4] = {~0ull, 0, 1, 0x8000000000000000ull};
    CimEvents ev = {{0}};
    assert_int_equal(cim_popcount_tree(row, 256, &ev), 66);
    /* 256 inputs: 128*1 + 64*2 + 32*3 + 16*4 + 8*5 + 4*6 + 2*7 + 1*8 = 502 */
    assert_int_equal(ev.n[CIM_EV_FULL_ADDER], 502);
    assert_int_equal(cim_adder_tree_full_adders(4), 4);
}

static void test_shift_add_signed_and_wrapping(void **state)
{
    (void)state;
    int ov = -1;
    CimEvents ev = {{0}};
    assert_int_equal(cim_shift_add(5, 3, 2, 1, 16, &ov, &ev), -7);
    assert_int_equal(ov, 0);
    assert_int_equal(ev.n[CIM_EV_FULL_ADDER], 16);
    /* 8-bit accumulator: 100 + 64 = 164 -> wraps to 164 - 256 = -92 */
    assert_int_equal(cim_shift_add(100, 1, 6, 0, 8, &ov, NULL), -92);
    assert_int_equal(ov, 1);
    assert_int_equal(cim_shift_add(-128, 0, 0, 0, 8, &ov, NULL), -128);
    assert_int_equal(ov, 0);
    /* 64-bit accumulator at its edge */
    assert_true(cim_shift_add(INT64_MAX, 1, 0, 0, 64, &ov, NULL) == INT64_MIN);
    assert_int_equal(ov, 1);
    /* bit-serial 8-bit two's complement: -3 = 11111101; MSB plane subtracts */
    int64_t acc = 0;
    for (unsigned b = 0; b < 8; b++)
        acc = cim_shift_add(acc, ((uint8_t)-3 >> b) & 1, b, b == 7, 32, NULL, NULL);
    assert_int_equal(acc, -3);
}

/* The shift-add against a plain 128-bit reference on random operands of every width,
 * including values near the 64-bit limits (the slow path). */
__extension__ typedef __int128 i128;

static int64_t ref_shift_add(int64_t acc, int64_t v, unsigned sh, int neg, unsigned bits, int *ov)
{
    i128 t = (i128)v * ((i128)1 << sh), e = (i128)acc + (neg ? -t : t), mod = (i128)1 << bits;
    *ov = e < -(mod / 2) || e > mod / 2 - 1;
    i128 u = e % mod;
    if (u < 0)
        u += mod;
    if (u > mod / 2 - 1)
        u -= mod;
    return (int64_t)u;
}

static void test_shift_add_matches_wide_reference(void **state)
{
    (void)state;
    CimRng r;
    cim_rng_seed(&r, 99);
    for (int i = 0; i < 200000; i++) {
        unsigned bits = 8 + (unsigned)(cim_rng_u64(&r) % 57), sh = (unsigned)(cim_rng_u64(&r) % 64);
        int neg = (int)(cim_rng_u64(&r) & 1);
        int64_t v = (int64_t)cim_rng_u64(&r) >> (cim_rng_u64(&r) % 64);
        int64_t acc = (int64_t)cim_rng_u64(&r) >> (cim_rng_u64(&r) % 64);
        int ov1, ov2;
        int64_t want = ref_shift_add(acc, v, sh, neg, bits, &ov1);
        assert_true(cim_shift_add(acc, v, sh, neg, bits, &ov2, NULL) == want);
        assert_int_equal(ov1, ov2);
    }
}

/* The accumulators' wrap: examples, and the same value as the shift-add's result. */
static void test_wrap_signed_is_the_shift_add_wrap(void **state)
{
    (void)state;
    assert_int_equal(cim_wrap_signed(200, 8), -56);
    assert_int_equal(cim_wrap_signed(0x1FF, 8), -1);
    assert_int_equal(cim_wrap_signed(127, 8), 127);
    assert_int_equal(cim_wrap_signed(0x80000000u, 32), INT32_MIN);
    assert_int_equal(cim_wrap_signed((uint64_t)-5, 32), -5);
    assert_true(cim_wrap_signed(UINT64_MAX, 64) == -1);
    CimRng r;
    cim_rng_seed(&r, 7);
    for (int i = 0; i < 100000; i++) {
        unsigned bits = 8 + (unsigned)(cim_rng_u64(&r) % 57);
        int64_t acc = (int64_t)cim_rng_u64(&r) >> (cim_rng_u64(&r) % 64);
        int64_t v = (int64_t)cim_rng_u64(&r) >> (1 + cim_rng_u64(&r) % 63);
        int64_t want = cim_shift_add(acc, v, 0, 0, bits, NULL, NULL);
        assert_true(cim_wrap_signed((uint64_t)acc + (uint64_t)v, bits) == want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_wraps_at_overflow_and_flags_it),
        cmocka_unit_test(test_counter_saturates_when_configured),
        cmocka_unit_test(test_counter_value_wraps_or_saturates_past_max),
        cmocka_unit_test(test_counter_add_k_equals_k_increments),
        cmocka_unit_test(test_popcount_tree_counts_full_adders),
        cmocka_unit_test(test_shift_add_signed_and_wrapping),
        cmocka_unit_test(test_shift_add_matches_wide_reference),
        cmocka_unit_test(test_wrap_signed_is_the_shift_add_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
