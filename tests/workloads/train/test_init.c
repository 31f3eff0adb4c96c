/* Unit tests of the default initialisation and the mini-batch permutation
 * (workloads/train/init): bounds and moments of U(-1/sqrt(fan_in), 1/sqrt(fan_in)), agreement
 * with tests/support/ref_bnn's init, and that randperm is an unbiased permutation. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/support/ref_bnn.h"
#include "workloads/train/init.h"

static void test_init_linear_bounds_and_moments(void **state)
{
    enum { OUT = 200, IN = 50 };
    static float w[OUT * IN], b[OUT];
    double bound = 1.0 / sqrt((double)IN), mean = 0.0, var = 0.0;
    CimRng rng;
    (void)state;
    cim_rng_seed(&rng, 41);
    cim_init_linear(w, b, OUT, IN, &rng);
    for (size_t i = 0; i < OUT * IN; i++) {
        assert_true(fabs(w[i]) <= bound);
        mean += w[i];
        var += (double)w[i] * w[i];
    }
    mean /= OUT * IN;
    var /= OUT * IN;
    /* U(-a, a): mean 0, variance a^2 / 3; 10000 draws give about 1 % error on the variance. */
    assert_true(fabs(mean) < 0.01 * bound);
    assert_true(fabs(var / (bound * bound / 3.0) - 1.0) < 0.05);
    for (size_t i = 0; i < OUT; i++)
        assert_true(fabs(b[i]) <= bound);
}

static void test_init_conv_fan_in_counts_kernel(void **state)
{
    float w[8 * 4 * 9], b[8];
    double bound = 1.0 / 6.0; /* fan_in = 4 * 3 * 3 = 36 */
    double mx = 0.0;
    CimRng rng;
    (void)state;
    cim_rng_seed(&rng, 42);
    cim_init_conv2d(w, b, 8, 4, 3, 3, &rng);
    for (size_t i = 0; i < 8 * 4 * 9; i++)
        mx = fmax(mx, fabs(w[i]));
    assert_true(mx <= bound && mx > 0.9 * bound);
}

static void test_init_matches_reference_network_init(void **state)
{
    /* Same seed, same draw order (conv1 w, b, conv2 w, b, ..., fc3 w, b): identical weights. */
    CimRefBnnWeights *r = calloc(1, sizeof *r), *o = calloc(1, sizeof *o);
    CimRng a, b;
    (void)state;
    assert_non_null(r);
    assert_non_null(o);
    cim_rng_seed(&a, 43);
    cim_rng_seed(&b, 43);
    cim_ref_bnn_init_random(r, &a);
    cim_init_conv2d(&o->conv1_w[0][0][0][0], o->conv1_b, CIM_REF_BNN_C1, 1, 3, 3, &b);
    cim_init_conv2d(&o->conv2_w[0][0][0][0], o->conv2_b, CIM_REF_BNN_C2, CIM_REF_BNN_C1, 3, 3,
                    &b);
    cim_init_conv2d(&o->conv3_w[0][0][0][0], o->conv3_b, CIM_REF_BNN_C3, CIM_REF_BNN_C2, 3, 3,
                    &b);
    cim_init_linear(&o->fc1_w[0][0], o->fc1_b, CIM_REF_BNN_F1, CIM_REF_BNN_FLAT, &b);
    cim_init_linear(&o->fc2_w[0][0], o->fc2_b, CIM_REF_BNN_F2, CIM_REF_BNN_F1, &b);
    cim_init_linear(&o->fc3_w[0][0], o->fc3_b, CIM_REF_BNN_OUT, CIM_REF_BNN_F2, &b);
    assert_memory_equal(r, o, sizeof *r);
    free(r);
    free(o);
}

static void test_init_randperm_is_permutation_and_seeded(void **state)
{
    enum { NP = 1000 };
    static size_t p[NP], q[NP];
    static uint8_t seen[NP];
    CimRng a, b;
    size_t moved = 0;
    (void)state;
    cim_rng_seed(&a, 44);
    cim_rng_seed(&b, 44);
    cim_init_randperm(p, NP, &a);
    cim_init_randperm(q, NP, &b);
    assert_memory_equal(p, q, sizeof p);
    for (size_t i = 0; i < NP; i++) {
        assert_true(p[i] < NP && !seen[p[i]]);
        seen[p[i]] = 1;
        moved += p[i] != i;
    }
    assert_true(moved > NP / 2);
    cim_init_randperm(q, NP, &b); /* the next epoch gets a different order */
    assert_true(memcmp(p, q, sizeof p) != 0);
    cim_init_randperm(q, 0, &b); /* n = 0 and 1 are fine */
    cim_init_randperm(q, 1, &b);
    assert_int_equal(q[0], 0);
}

static void test_init_randperm_is_uniform(void **state)
{
    /* All 6 orders of 3 items over 60000 draws: each about 10000, sd about 91; allow 5 sd. */
    size_t count[6] = { 0 }, p[3];
    CimRng rng;
    (void)state;
    cim_rng_seed(&rng, 45);
    for (int s = 0; s < 60000; s++) {
        cim_init_randperm(p, 3, &rng);
        count[p[0] * 2 + (p[1] > p[2])]++;
    }
    for (size_t i = 0; i < 6; i++)
        assert_true(count[i] > 9544 && count[i] < 10456);
}

static void test_init_below_stays_in_range(void **state)
{
    CimRng rng;
    size_t hits[7] = { 0 };
    (void)state;
    cim_rng_seed(&rng, 46);
    for (int s = 0; s < 7000; s++)
        hits[cim_init_below(&rng, 7)]++;
    for (size_t i = 0; i < 7; i++)
        assert_true(hits[i] > 800 && hits[i] < 1200);
    assert_int_equal(cim_init_below(&rng, 1), 0);
    assert_true(cim_init_below(&rng, SIZE_MAX) < SIZE_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_linear_bounds_and_moments),
        cmocka_unit_test(test_init_conv_fan_in_counts_kernel),
        cmocka_unit_test(test_init_matches_reference_network_init),
        cmocka_unit_test(test_init_randperm_is_permutation_and_seeded),
        cmocka_unit_test(test_init_randperm_is_uniform),
        cmocka_unit_test(test_init_below_stays_in_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
