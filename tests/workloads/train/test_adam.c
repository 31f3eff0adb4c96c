/* Unit tests of Adam (workloads/train/adam): three steps against the textbook formula in double,
 * the reference's gradient mask (masks the gradient, not the update), checkpoint restore and
 * out-of-memory handling. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/support/test_alloc.h"
#include "workloads/train/adam.h"

static void assert_rel(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("got %.12g, want %.12g (relative tolerance %g)", got, want, rel);
}

static void test_adam_defaults_are_torch_defaults(void **state)
{
    CimAdamParams p = cim_adam_defaults(0.001);
    (void)state;
    assert_true(p.lr == 0.001 && p.beta1 == 0.9 && p.beta2 == 0.999 && p.eps == 1e-8);
}

/* Three steps on five parameters against Adam computed here in double (values chosen so that no
 * update cancels the parameter, which would make a relative comparison meaningless):
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps) */
static void test_adam_three_steps_match_formula(void **state)
{
    enum { NP = 5 };
    const float p0[NP] = { 0.5f, -1.25f, 2.0f, 0.1f, 0.0f };
    const float g[3][NP] = { { 0.1f, -2.0f, 1e-4f, 3.0f, 0.5f },
                             { -0.3f, -1.0f, 2e-4f, -3.0f, 0.25f },
                             { 0.2f, 0.5f, -1e-4f, 1.0f, -4.0f } };
    double pd[NP], md[NP] = { 0 }, vd[NP] = { 0 };
    float p[NP];
    const double lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    CimAdamParams hp = cim_adam_defaults(lr);
    CimAdam a;
    (void)state;
    memcpy(p, p0, sizeof p);
    for (size_t i = 0; i < NP; i++)
        pd[i] = p0[i];
    assert_int_equal(cim_adam_init(&a, NP, &hp, NULL), CIM_OK);
    for (int t = 1; t <= 3; t++) {
        cim_adam_step(&a, p, g[t - 1], NULL);
        for (size_t i = 0; i < NP; i++) {
            double gi = g[t - 1][i];
            md[i] = b1 * md[i] + (1 - b1) * gi;
            vd[i] = b2 * vd[i] + (1 - b2) * gi * gi;
            pd[i] -= lr / (1 - pow(b1, t)) * md[i] / (sqrt(vd[i]) / sqrt(1 - pow(b2, t)) + eps);
            assert_rel(p[i], pd[i], 1e-6);
            assert_rel(a.m[i], md[i], 1e-6);
            assert_rel(a.v[i], vd[i], 1e-6);
        }
        assert_int_equal(a.step, (uint64_t)t);
    }
    cim_adam_free(&a);
}

static void test_adam_first_step_moves_by_lr_times_sign(void **state)
{
    /* At t = 1, m_hat = g and v_hat = g^2, so the step is lr * g / (|g| + eps). */
    float p[3] = { 1.0f, 1.0f, 1.0f }, g[3] = { 1.0f, -50.0f, 1e-3f };
    CimAdamParams hp = cim_adam_defaults(0.01);
    CimAdam a;
    (void)state;
    assert_int_equal(cim_adam_init(&a, 3, &hp, NULL), CIM_OK);
    cim_adam_step(&a, p, g, NULL);
    assert_rel(p[0], 0.99, 1e-7);
    assert_rel(p[1], 1.01, 1e-7);
    assert_rel(p[2], 1.0 - 0.01 * 1e-3 / (1e-3 + 1e-8), 1e-7);
    cim_adam_free(&a);
}

static void test_adam_mask_from_start_keeps_weights_exactly(void **state)
{
    enum { NP = 6, STEPS = 1000 };
    const uint8_t mask[NP] = { 1, 0, 1, 0, 0, 1 };
    float p[NP] = { 0.0f, 0.3f, -0.7f, 0.0f, 1.5f, 1e-20f }, p0[NP], g[NP];
    CimAdamParams hp = cim_adam_defaults(0.01);
    CimAdam a;
    CimRng rng;
    (void)state;
    memcpy(p0, p, sizeof p);
    cim_rng_seed(&rng, 31);
    assert_int_equal(cim_adam_init(&a, NP, &hp, NULL), CIM_OK);
    for (int s = 0; s < STEPS; s++) {
        for (size_t i = 0; i < NP; i++)
            g[i] = (float)(cim_rng_normal(&rng) * (s % 7 == 0 ? 1e6 : 1.0));
        cim_adam_step(&a, p, g, mask);
    }
    for (size_t i = 0; i < NP; i++) {
        if (mask[i])
            assert_memory_equal(&p[i], &p0[i], sizeof p[i]); /* bit for bit, sign of 0 too */
        else
            assert_true(p[i] != p0[i]);
    }
    cim_adam_free(&a);
}

static void test_adam_mask_after_history_still_moves_as_torch(void **state)
{
    /* torch: a weight whose gradient is masked keeps getting m / (sqrt(v) + eps) updates from
     * its history; m decays by exactly beta1 (as float) each step. clear_masked stops it. */
    const uint8_t mask[2] = { 1, 0 };
    float p[2] = { 0.5f, 0.5f }, g[2] = { 1.0f, 1.0f }, before, m_before;
    CimAdamParams hp = cim_adam_defaults(0.01);
    CimAdam a;
    (void)state;
    assert_int_equal(cim_adam_init(&a, 2, &hp, NULL), CIM_OK);
    for (int s = 0; s < 10; s++)
        cim_adam_step(&a, p, g, NULL);
    for (int s = 0; s < 10; s++) {
        before = p[0];
        m_before = a.m[0];
        cim_adam_step(&a, p, g, mask);
        assert_true(p[0] < before);
        assert_true(a.m[0] == m_before * 0.9f);
    }
    cim_adam_clear_masked(&a, mask);
    before = p[0];
    for (int s = 0; s < 100; s++)
        cim_adam_step(&a, p, g, mask);
    assert_true(p[0] == before);
    cim_adam_free(&a);
}

static void test_adam_mask_multiplies_gradient_like_reference(void **state)
{
    /* The reference does `param.grad *= mask`, so a non-finite gradient stays NaN (0 * inf). */
    const uint8_t mask[1] = { 1 };
    float p[1] = { 0.0f }, g[1] = { INFINITY };
    CimAdamParams hp = cim_adam_defaults(0.01);
    CimAdam a;
    (void)state;
    assert_int_equal(cim_adam_init(&a, 1, &hp, NULL), CIM_OK);
    cim_adam_step(&a, p, g, mask);
    assert_true(isnan(p[0]));
    cim_adam_free(&a);
}

static void test_adam_mask_zeros_marks_exact_zeros(void **state)
{
    float p[4] = { 0.0f, -0.0f, 1e-30f, -1.0f };
    uint8_t m[4];
    (void)state;
    cim_adam_mask_zeros(p, 4, m);
    assert_true(m[0] == 1 && m[1] == 1 && m[2] == 0 && m[3] == 0);
}

static void test_adam_restore_continues_bit_for_bit(void **state)
{
    enum { NP = 8 };
    float p[NP], q[NP], g[NP], m[NP], v[NP];
    CimAdamParams hp = cim_adam_defaults(0.003);
    CimAdam a, b;
    CimRng rng;
    uint64_t step;
    (void)state;
    cim_rng_seed(&rng, 32);
    for (size_t i = 0; i < NP; i++)
        p[i] = (float)cim_rng_normal(&rng);
    assert_int_equal(cim_adam_init(&a, NP, &hp, NULL), CIM_OK);
    assert_int_equal(cim_adam_init(&b, NP, &hp, NULL), CIM_OK);
    for (int s = 0; s < 5; s++) {
        for (size_t i = 0; i < NP; i++)
            g[i] = (float)cim_rng_normal(&rng);
        cim_adam_step(&a, p, g, NULL);
    }
    memcpy(m, a.m, sizeof m); /* the checkpoint: p, m, v, step */
    memcpy(v, a.v, sizeof v);
    step = a.step;
    memcpy(q, p, sizeof q);
    cim_adam_restore(&b, m, v, step);
    for (int s = 0; s < 5; s++) {
        for (size_t i = 0; i < NP; i++)
            g[i] = (float)cim_rng_normal(&rng);
        cim_adam_step(&a, p, g, NULL);
        cim_adam_step(&b, q, g, NULL);
    }
    assert_memory_equal(p, q, sizeof p);
    assert_memory_equal(a.m, b.m, sizeof m);
    assert_memory_equal(a.v, b.v, sizeof v);
    cim_adam_free(&a);
    cim_adam_free(&b);
}

/* A value drawn to reach the corners: normal, huge, tiny (subnormal), +-0, +-inf, NaN. */
static float odd_value(CimRng *rng)
{
    switch (cim_rng_u64(rng) % 16) {
    case 0: return 0.0f;
    case 1: return -0.0f;
    case 2: return INFINITY;
    case 3: return -INFINITY;
    case 4: return NAN;
    case 5: return 1e-40f * (float)cim_rng_normal(rng);
    case 6: return 1e30f * (float)cim_rng_normal(rng);
    default: return (float)cim_rng_normal(rng);
    }
}

/* a and b hold the same floats bit for bit, except that a NaN equals any NaN: which NaN
 * comes out of an operation with two NaN operands depends on their order in the machine
 * code (x86 returns the first), which C leaves to the compiler. */
static void assert_same_floats(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(isnan(a[i]) && isnan(b[i])))
            assert_memory_equal(&a[i], &b[i], sizeof(float));
}

/* The header's formula, one element at a time, written here independently of adam.c. */
static void reference_step(const CimAdamParams *hp, uint64_t step, size_t n, float *p, float *m, float *v,
                           const float *g, const uint8_t *mask)
{
    double bc1 = 1.0 - pow(hp->beta1, (double)step), bc2 = 1.0 - pow(hp->beta2, (double)step);
    float b1 = (float)hp->beta1, a1 = (float)(1.0 - hp->beta1), b2 = (float)hp->beta2,
          a2 = (float)(1.0 - hp->beta2), bc2s = (float)sqrt(bc2), eps = (float)hp->eps,
          ns = (float)(-(hp->lr / bc1));
    for (size_t i = 0; i < n; i++) {
        float gi = mask && mask[i] ? g[i] * 0.0f : g[i];
        m[i] = fmaf(gi, a1, m[i] * b1);
        v[i] = v[i] * b2 + (a2 * gi) * gi;
        p[i] = p[i] + (ns * m[i]) / (sqrtf(v[i]) / bc2s + eps);
    }
}

/* The step the CPU's widest vector unit runs (cim_adam_step), the portable build's and the
 * formula above agree bit for bit (NaN: any NaN) over random lengths (vector bodies and tails), random
 * masks (or none) and values with every corner, for several steps. */
static void test_adam_vector_step_equals_portable_and_formula(void **state)
{
    enum { MAXN = 203 };
    CimRng rng;
    (void)state;
    cim_rng_seed(&rng, 77);
    for (int trial = 0; trial < 60; trial++) {
        size_t n = 1 + cim_rng_u64(&rng) % MAXN;
        float p[3][MAXN], g[MAXN], m[MAXN], v[MAXN];
        uint8_t mask[MAXN];
        int masked = trial % 2;
        CimAdamParams hp = cim_adam_defaults(trial % 3 ? 0.001 : 0.05);
        CimAdam a, b;
        assert_int_equal(cim_adam_init(&a, n, &hp, NULL), CIM_OK);
        assert_int_equal(cim_adam_init(&b, n, &hp, NULL), CIM_OK);
        memset(m, 0, sizeof m);
        memset(v, 0, sizeof v);
        for (size_t i = 0; i < n; i++)
            p[0][i] = p[1][i] = p[2][i] = odd_value(&rng);
        for (uint64_t step = 1; step <= 4; step++) {
            for (size_t i = 0; i < n; i++) {
                g[i] = odd_value(&rng);
                mask[i] = cim_rng_u64(&rng) % 3 == 0;
            }
            cim_adam_step(&a, p[0], g, masked ? mask : NULL);
            cim_adam_step_portable(&b, p[1], g, masked ? mask : NULL);
            reference_step(&hp, step, n, p[2], m, v, g, masked ? mask : NULL);
            assert_same_floats(p[0], p[1], n);
            assert_same_floats(p[0], p[2], n);
            assert_same_floats(a.m, m, n);
            assert_same_floats(a.v, v, n);
            assert_same_floats(b.m, m, n);
            assert_same_floats(b.v, v, n);
        }
        cim_adam_free(&a);
        cim_adam_free(&b);
    }
}

static CimStatus sweep_fn(void *ctx, const CimAlloc *alloc)
{
    CimAdamParams hp = cim_adam_defaults(0.001);
    CimAdam a;
    CimStatus st = cim_adam_init(&a, 100, &hp, alloc);
    (void)ctx;
    if (st == CIM_OK)
        assert_true(a.n == 100 && a.m && a.v && a.m[99] == 0.0f && a.v[99] == 0.0f);
    else
        assert_true(a.n == 0 && !a.m && !a.v);
    cim_adam_free(&a); /* safe on the failed object too */
    return st;
}

static void test_adam_out_of_memory_leaves_empty_state(void **state)
{
    (void)state;
    assert_int_equal(test_alloc_sweep(sweep_fn, NULL), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adam_defaults_are_torch_defaults),
        cmocka_unit_test(test_adam_three_steps_match_formula),
        cmocka_unit_test(test_adam_first_step_moves_by_lr_times_sign),
        cmocka_unit_test(test_adam_mask_from_start_keeps_weights_exactly),
        cmocka_unit_test(test_adam_mask_after_history_still_moves_as_torch),
        cmocka_unit_test(test_adam_mask_multiplies_gradient_like_reference),
        cmocka_unit_test(test_adam_mask_zeros_marks_exact_zeros),
        cmocka_unit_test(test_adam_restore_continues_bit_for_bit),
        cmocka_unit_test(test_adam_vector_step_equals_portable_and_formula),
        cmocka_unit_test(test_adam_out_of_memory_leaves_empty_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
