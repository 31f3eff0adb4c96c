/* Self-tests of the plain C reference network (tests/support/ref_bnn): hand-computed tiny
 * cases for binarisation, zero padding, pool/ReLU, skip semantics, the FC head and pruning. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/support/ref_bnn.h"

typedef struct {
    CimRefBnnWeights *w;
    CimRefBnnTrace *t;
    uint8_t img[28 * 28];
} Fx;

static int setup(void **state)
{
    Fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->w = calloc(1, sizeof *f->w);
    f->t = calloc(1, sizeof *f->t);
    *state = f;
    return f->w && f->t ? 0 : -1;
}

static int teardown(void **state)
{
    Fx *f = *state;
    free(f->w);
    free(f->t);
    free(f);
    return 0;
}

static void fill(float *v, size_t n, float x)
{
    for (size_t i = 0; i < n; i++)
        v[i] = x;
}

#define FILL(arr, x) fill((float *)(arr), sizeof(arr) / sizeof(float), (x))

/* Normalised pixel p is (p/255 - 0.1307)/0.3081 > 0 exactly from p = 34 (33/255 = 0.1294). */
static void test_ref_bnn_input_sign_threshold_is_34(void **state)
{
    (void)state;
    assert_int_equal(cim_ref_bnn_sign(cim_ref_bnn_normalise(0)), -1);
    assert_int_equal(cim_ref_bnn_sign(cim_ref_bnn_normalise(33)), -1);
    assert_int_equal(cim_ref_bnn_sign(cim_ref_bnn_normalise(34)), 1);
    assert_int_equal(cim_ref_bnn_sign(cim_ref_bnn_normalise(255)), 1);
    assert_true(fabsf(cim_ref_bnn_normalise(255) - 2.8215f) < 1e-3f);
}

/* v > 0 -> +1, anything else (0, -0, negative) -> -1. */
static void test_ref_bnn_sign_of_zero_is_minus_one(void **state)
{
    (void)state;
    assert_int_equal(cim_ref_bnn_sign(0.0f), -1);
    assert_int_equal(cim_ref_bnn_sign(-0.0f), -1);
    assert_int_equal(cim_ref_bnn_sign(1e-30f), 1);
    assert_int_equal(cim_ref_bnn_sign(-3.0f), -1);
}

/* All-white image (every input +1) and all +1 weights: a window holds 9 inputs inside, 6 on
 * an edge and 4 in a corner, because the padded positions add 0 (not -1). */
static void test_ref_bnn_conv1_zero_padding_counts(void **state)
{
    Fx *f = *state;
    memset(f->img, 255, sizeof f->img);
    FILL(f->w->conv1_w, 0.5f);
    cim_ref_bnn_forward(f->w, f->img, CIM_REF_BNN_REFERENCE, f->t);
    for (int o = 0; o < CIM_REF_BNN_C1; o += 31) {
        assert_int_equal(f->t->acc1[o][0][0], 4);
        assert_int_equal(f->t->acc1[o][27][27], 4);
        assert_int_equal(f->t->acc1[o][0][13], 6);
        assert_int_equal(f->t->acc1[o][13][27], 6);
        assert_int_equal(f->t->acc1[o][13][13], 9);
    }
}

/* A zero weight binarises to -1 (the script's rule), so all-zero weights over an all +1
 * image give -9 inside and -4 in a corner: a pruned filter acts as an all -1 filter. */
static void test_ref_bnn_zero_weights_act_as_minus_one(void **state)
{
    Fx *f = *state;
    memset(f->img, 255, sizeof f->img);
    FILL(f->w->conv1_w, 0.0f);
    cim_ref_bnn_forward(f->w, f->img, CIM_REF_BNN_REFERENCE, f->t);
    assert_int_equal(f->t->acc1[3][10][10], -9);
    assert_int_equal(f->t->acc1[3][0][0], -4);
}

/* conv1 all +1 weights, white image, bias -5: outputs 4 inside, 1 on edges, -1 in corners.
 * Top-left pool window {-1, 1, 1, 4} -> 4; relu(4) = 4. With bias -10 every output is
 * negative (max of the corner window is -1) and ReLU after the pool gives 0. */
static void test_ref_bnn_pool_then_relu(void **state)
{
    Fx *f = *state;
    memset(f->img, 255, sizeof f->img);
    FILL(f->w->conv1_w, 1.0f);
    FILL(f->w->conv1_b, -5.0f);
    cim_ref_bnn_forward(f->w, f->img, CIM_REF_BNN_REFERENCE, f->t);
    assert_true(f->t->act1[0][0][0] == 4.0f);
    assert_true(f->t->act1[0][0][6] == 4.0f); /* window on the top edge: {1, 1, 4, 4} */
    FILL(f->w->conv1_b, -10.0f);
    cim_ref_bnn_forward(f->w, f->img, CIM_REF_BNN_REFERENCE, f->t);
    assert_true(f->t->act1[0][0][0] == 0.0f);
    assert_true(f->t->act1[0][7][7] == 0.0f);
    /* conv2 therefore sees all -1 (zero after ReLU binarises to -1). With all +1 weights its
     * interior sum is -(32 channels * 9) = -288 and a corner -(32 * 4) = -128. */
    FILL(f->w->conv2_w, 1.0f);
    cim_ref_bnn_forward(f->w, f->img, CIM_REF_BNN_REFERENCE, f->t);
    assert_int_equal(f->t->acc2[0][5][5], -288);
    assert_int_equal(f->t->acc2[0][0][0], -128);
}

/* Skip semantics: a flagged filter's accumulation and output are exactly 0 even with a
 * positive bias; under the reference semantics the same filter still computes. */
static void test_ref_bnn_skip_outputs_zero(void **state)
{
    Fx *f = *state;
    memset(f->img, 255, sizeof f->img);
    FILL(f->w->conv1_w, 1.0f);
    FILL(f->w->conv1_b, 0.25f);
    f->w->conv1_pruned[2] = 1;
    cim_ref_bnn_forward(f->w, f->img, CIM_REF_BNN_SKIP, f->t);
    assert_int_equal(f->t->acc1[2][5][5], 0);
    assert_true(f->t->act1[2][5][5] == 0.0f);
    assert_true(f->t->act1[1][5][5] == 9.25f);
    cim_ref_bnn_forward(f->w, f->img, CIM_REF_BNN_REFERENCE, f->t);
    assert_int_equal(f->t->acc1[2][5][5], 9);
    assert_true(f->t->act1[2][5][5] == 9.25f);
}

/* conv3 output (c, y, x) lands at act3[c * 49 + y * 7 + x] (PyTorch's view(-1, 784)), and
 * fc1 row 0 picks exactly that element. */
static void test_ref_bnn_flatten_order_and_fc(void **state)
{
    Fx *f = *state;
    CimRng rng;
    cim_rng_seed(&rng, 7);
    cim_ref_bnn_init_random(f->w, &rng);
    for (size_t i = 0; i < sizeof f->img; i++)
        f->img[i] = (uint8_t)((i * 37u) % 256u);
    memset(f->w->fc1_w, 0, sizeof f->w->fc1_w);
    cim_ref_bnn_forward(f->w, f->img, CIM_REF_BNN_REFERENCE, f->t);
    for (int c = 0; c < 16; c++) {
        float v = (float)f->t->acc3[c][3][5] + f->w->conv3_b[c];
        assert_true(f->t->act3[c * 49 + 3 * 7 + 5] == (v > 0.f ? v : 0.f));
    }
    f->w->fc1_w[0][9 * 49 + 2 * 7 + 4] = 1.0f;
    f->w->fc1_b[0] = 0.0f;
    cim_ref_bnn_forward(f->w, f->img, CIM_REF_BNN_REFERENCE, f->t);
    assert_true(f->t->fc1[0] == f->t->act3[9 * 49 + 2 * 7 + 4]);
    assert_true(f->t->fc1[1] == (f->w->fc1_b[1] > 0.f ? f->w->fc1_b[1] : 0.f));
}

/* With zero FC weights the logits are fc3's biases; argmax takes the first of equal maxima. */
static void test_ref_bnn_logits_and_argmax(void **state)
{
    Fx *f = *state;
    const float ties[4] = { 1.0f, 3.0f, 3.0f, 2.0f };
    const float nan_first[3] = { 1.0f, NAN, 5.0f };
    memset(f->img, 0, sizeof f->img);
    for (int i = 0; i < 10; i++)
        f->w->fc3_b[i] = (float)(i % 4);
    assert_int_equal(cim_ref_bnn_predict(f->w, f->img, CIM_REF_BNN_REFERENCE, f->t), 3);
    assert_true(f->t->logits[7] == 3.0f);
    assert_int_equal(cim_ref_bnn_argmax(ties, 4), 1);
    assert_int_equal(cim_ref_bnn_argmax(nan_first, 3), 1);
}

/* PyTorch default init: every value within 1/sqrt(fan_in); the same seed gives the same net. */
static void test_ref_bnn_init_bounds_and_determinism(void **state)
{
    Fx *f = *state;
    CimRefBnnWeights *w2 = calloc(1, sizeof *w2);
    CimRng a, b;
    assert_non_null(w2);
    cim_rng_seed(&a, 42);
    cim_rng_seed(&b, 42);
    cim_ref_bnn_init_random(f->w, &a);
    cim_ref_bnn_init_random(w2, &b);
    assert_memory_equal(f->w, w2, sizeof *w2);
    for (int o = 0; o < 32; o++)
        assert_true(fabsf(f->w->conv1_w[o][0][1][1]) <= 1.0f / 3.0f);
    for (int i = 0; i < 784; i++)
        assert_true(fabsf(f->w->fc1_w[5][i]) <= 1.0f / 28.0f);
    assert_true(fabsf(f->w->conv3_b[0]) <= 1.0f / 24.0f);
    free(w2);
}

/* Ternary Hamming distance as the script measures it on torch.sign(w). */
static void test_ref_bnn_sign_hamming(void **state)
{
    const float a[4] = { 0.3f, -0.1f, 0.0f, 2.0f };
    const float b[4] = { 0.7f, 0.2f, -0.5f, 0.0f };
    (void)state;
    assert_int_equal(cim_ref_bnn_sign_hamming(a, b, 4), 3); /* same, +/-, 0/-, +/0 */
    assert_int_equal(cim_ref_bnn_sign_hamming(a, a, 4), 0);
}

/* One script pruning round: conv weights become their signs, newly pruned filters are
 * zeroed and flagged. Only signs are used and a zero weight binarises to -1, so the forward
 * pass afterwards equals one where the pruned filters hold -1 explicitly. */
static void test_ref_bnn_prune_round(void **state)
{
    Fx *f = *state;
    CimRefBnnWeights *w2 = malloc(sizeof *w2);
    CimRefBnnTrace *t2 = malloc(sizeof *t2);
    CimPruneParams p;
    CimRng rng;
    size_t n_new[3];
    assert_true(w2 && t2);
    cim_rng_seed(&rng, 3);
    cim_ref_bnn_init_random(f->w, &rng);
    cim_prune_params_reference(&p);
    assert_int_equal(cim_ref_bnn_prune(f->w, &p, n_new), CIM_OK);
    assert_true(n_new[0] + n_new[1] + n_new[2] > 0);
    for (int o = 0; o < 32; o++) {
        float v = f->w->conv1_w[o][0][2][0];
        assert_true(f->w->conv1_pruned[o] ? v == 0.f : (v == 1.f || v == -1.f));
    }
    memcpy(w2, f->w, sizeof *w2);
    for (int o = 0; o < 64; o++)
        if (w2->conv2_pruned[o])
            FILL(w2->conv2_w[o], -1.0f);
    for (int o = 0; o < 32; o++)
        if (w2->conv1_pruned[o])
            FILL(w2->conv1_w[o], -1.0f);
    for (int o = 0; o < 16; o++)
        if (w2->conv3_pruned[o])
            FILL(w2->conv3_w[o], -1.0f);
    for (size_t i = 0; i < sizeof f->img; i++)
        f->img[i] = (uint8_t)((i * 91u + 7u) % 256u);
    cim_ref_bnn_forward(f->w, f->img, CIM_REF_BNN_REFERENCE, f->t);
    cim_ref_bnn_forward(w2, f->img, CIM_REF_BNN_REFERENCE, t2);
    assert_memory_equal(f->t, t2, sizeof *t2);
    free(w2);
    free(t2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ref_bnn_input_sign_threshold_is_34),
        cmocka_unit_test(test_ref_bnn_sign_of_zero_is_minus_one),
        cmocka_unit_test_setup_teardown(test_ref_bnn_conv1_zero_padding_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ref_bnn_zero_weights_act_as_minus_one, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ref_bnn_pool_then_relu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ref_bnn_skip_outputs_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ref_bnn_flatten_order_and_fc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ref_bnn_logits_and_argmax, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ref_bnn_init_bounds_and_determinism, setup,
                                        teardown),
        cmocka_unit_test(test_ref_bnn_sign_hamming),
        cmocka_unit_test_setup_teardown(test_ref_bnn_prune_round, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
