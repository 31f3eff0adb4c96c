/* Unit tests of models/common: bit rows, diagnostics, RNG, allocator hook. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "models/common/common.h"

static void test_bits_tail_invariant_kept_by_random(void **state)
{
    (void)state;
    CimRng r;
    cim_rng_seed(&r, 7);
    for (size_t n = 1; n <= 130; n++) {
        uint64_t row[3] = {0};
        cim_bits_random(row, n, &r);
        assert_int_equal(row[cim_bits_words(n) - 1] & ~cim_bits_tail_mask(n), 0);
    }
}

static void test_bits_extract_matches_bitwise(void **state)
{
    (void)state;
    CimRng r;
    cim_rng_seed(&r, 3);
    uint64_t src[4], dst[4];
    cim_bits_random(src, 256, &r);
    for (size_t from = 0; from < 200; from += 7)
        for (size_t n = 1; n + from <= 256; n += 13) {
            cim_bits_extract(dst, src, from, n);
            for (size_t i = 0; i < n; i++)
                assert_int_equal(cim_bits_get(dst, i), cim_bits_get(src, from + i));
            assert_int_equal(dst[cim_bits_words(n) - 1] & ~cim_bits_tail_mask(n), 0);
        }
}

static void test_bits_copy_range_matches_bitwise(void **state)
{
    (void)state;
    CimRng r;
    cim_rng_seed(&r, 8);
    uint64_t src[5], dst[5], want[5];
    for (int t = 0; t < 500; t++) {
        cim_bits_random(src, 320, &r);
        cim_bits_random(dst, 320, &r);
        memcpy(want, dst, sizeof dst);
        size_t soff = cim_rng_u64(&r) % 320, doff = cim_rng_u64(&r) % 320;
        size_t lim = 320 - (soff > doff ? soff : doff), n = lim ? cim_rng_u64(&r) % (lim + 1) : 0;
        for (size_t i = 0; i < n; i++)
            cim_bits_set(want, doff + i, cim_bits_get(src, soff + i));
        cim_bits_copy_range(dst, doff, src, soff, n);
        assert_memory_equal(dst, want, sizeof dst);
    }
}

static void test_bits_popcount_counts_set_bits(void **state)
{
    (void)state;
    uint64_t row[2] = {0};
    cim_bits_set(row, 0, 1);
    cim_bits_set(row, 63, 1);
    cim_bits_set(row, 64, 1);
    assert_int_equal(cim_bits_popcount(row, 65), 3);
    cim_bits_set(row, 63, 0);
    assert_int_equal(cim_bits_popcount(row, 65), 2);
}

static void test_rng_same_seed_same_stream(void **state)
{
    (void)state;
    CimRng a, b;
    cim_rng_seed(&a, 42);
    cim_rng_seed(&b, 42);
    for (int i = 0; i < 100; i++)
        assert_true(cim_rng_u64(&a) == cim_rng_u64(&b));
    cim_rng_seed(&b, 43);
    assert_true(cim_rng_u64(&a) != cim_rng_u64(&b));
}

static void test_rng_normal_has_unit_moments(void **state)
{
    (void)state;
    CimRng r;
    cim_rng_seed(&r, 1);
    double s = 0, s2 = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        double z = cim_rng_normal(&r);
        s += z;
        s2 += z * z;
    }
    assert_true(s / n < 0.01 && s / n > -0.01);
    assert_true(s2 / n > 0.98 && s2 / n < 1.02);
    assert_int_equal(cim_rng_bernoulli(&r, 0.0), 0);
    assert_int_equal(cim_rng_bernoulli(&r, 1.0), 1);
}

static void test_diag_formats_compiler_style_and_caps(void **state)
{
    (void)state;
    CimDiag d;
    cim_diag_init(&d);
    cim_diag_add(&d, CIM_SEV_ERROR, "a.yaml", 3, 9, "bad %s", "thing");
    cim_diag_add(&d, CIM_SEV_NOTE, "b.yaml", 1, 1, "here");
    char buf[256];
    cim_diag_format(&d, 0, buf, sizeof buf);
    assert_string_equal(buf, "a.yaml:3:9: error: bad thing");
    cim_diag_format(&d, 1, buf, sizeof buf);
    assert_string_equal(buf, "b.yaml:1:1: note: here");
    for (int i = 0; i < 30; i++)
        cim_diag_add(&d, CIM_SEV_ERROR, "a.yaml", 1, 1, "e%d", i);
    assert_int_equal(d.errors, 31);
    assert_int_equal(d.dropped, 11);
    cim_diag_free(&d);
}

static void test_alloc_array_rejects_overflow(void **state)
{
    (void)state;
    assert_null(cim_alloc_array(NULL, SIZE_MAX / 2, 4));
    uint32_t *p = cim_alloc_array(NULL, 10, sizeof *p);
    assert_non_null(p);
    assert_int_equal(p[9], 0); /* zero-filled */
    cim_free(NULL, p);
}

/* ceil(t_ns x f), at least 1, with exact multiples not rounded up by float error. */
static void test_cycles_of_ns_rounds_up_to_whole_cycles(void **state)
{
    (void)state;
    assert_int_equal(cim_cycles_of_ns(10, 100), 1);   /* 10 ns x 100 MHz = 1.0 */
    assert_int_equal(cim_cycles_of_ns(20, 100), 2);
    assert_int_equal(cim_cycles_of_ns(25, 100), 3);   /* 2.5 -> 3 */
    assert_int_equal(cim_cycles_of_ns(0.5, 100), 1);  /* 0.05 -> at least 1 */
    assert_int_equal(cim_cycles_of_ns(0.1 * 3, 1e4), 3); /* 0.30000000000000004 x 10 GHz */
    assert_int_equal(cim_cycles_of_ns(15, 333.3), 5); /* 4.9995 -> 5 */
}

static void test_edit_distance_counts_each_kind_of_edit(void **state)
{
    (void)state;
    assert_int_equal(cim_edit_distance("--image", "--images"), 1); /* insert */
    assert_int_equal(cim_edit_distance("rowss", "rows"), 1);       /* delete */
    assert_int_equal(cim_edit_distance("rovs", "rows"), 1);        /* substitute */
    assert_int_equal(cim_edit_distance("rwos", "rows"), 1);        /* swap neighbours */
    assert_int_equal(cim_edit_distance("", "abc"), 3);
    assert_int_equal(cim_edit_distance("same", "same"), 0);
}

static void test_suggest_picks_nearest_within_limit(void **state)
{
    (void)state;
    const char *names[] = {"--images", "--out", "--vcd", "--vcd-window"};
    assert_string_equal(cim_suggest("--image", names, 4), "--images");
    assert_string_equal(cim_suggest("--ot", names, 4), "--out");
    assert_null(cim_suggest("--frobnicate", names, 4));
    const char *cmds[] = {"run", "train", "margin"};
    assert_string_equal(cim_suggest("rnu", cmds, 3), "run");
    assert_null(cim_suggest("xyz", cmds, 3)); /* 3 edits: too far */
}

static void test_path_normalise_removes_dot_segments(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"configs/runs/../../data/mnist", "data/mnist"}, {"./a//b/", "a/b"},   {"../x", "../x"},
        {"a/../../x", "../x"},                           {"/a/../..", "/"},    {"a/..", "."},
        {"configs/runs/../chip/default.yaml", "configs/chip/default.yaml"},    {"/tmp/./r", "/tmp/r"},
        {"../../a/b", "../../a/b"},
    };
    char buf[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(cim_path_normalise(cases[i][0], buf, sizeof buf), 0);
        assert_string_equal(buf, cases[i][1]);
    }
    strcpy(buf, "x/./y/../z"); /* in place */
    assert_int_equal(cim_path_normalise(buf, buf, sizeof buf), 0);
    assert_string_equal(buf, "x/z");
    char small[4];
    assert_int_equal(cim_path_normalise("abcdef", small, sizeof small), -1);
    assert_string_equal(small, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bits_tail_invariant_kept_by_random),
        cmocka_unit_test(test_bits_extract_matches_bitwise),
        cmocka_unit_test(test_bits_popcount_counts_set_bits),
        cmocka_unit_test(test_bits_copy_range_matches_bitwise),
        cmocka_unit_test(test_rng_same_seed_same_stream),
        cmocka_unit_test(test_rng_normal_has_unit_moments),
        cmocka_unit_test(test_diag_formats_compiler_style_and_caps),
        cmocka_unit_test(test_alloc_array_rejects_overflow),
        cmocka_unit_test(test_cycles_of_ns_rounds_up_to_whole_cycles),
        cmocka_unit_test(test_edit_distance_counts_each_kind_of_edit),
        cmocka_unit_test(test_suggest_picks_nearest_within_limit),
        cmocka_unit_test(test_path_normalise_removes_dot_segments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
