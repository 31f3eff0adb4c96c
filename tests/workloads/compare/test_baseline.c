/* The baselines on the MNIST network: with a lossless ADC the analogue forward pass equals
 * the plain reference (tests/support/ref_bnn) bit for bit, in both cell modes, both pruned
 * modes and both column policies; fewer ADC bits clip partial sums downwards; the activity
 * counts; the shapes and costs of the layers; and the GPU layer list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/mnist_net.h"
#include "workloads/compare/baseline.h"
#include "workloads/io/idx.h"

#define IMAGES 6

typedef struct {
    CimRefBnnWeights *w;
    CimRefBnnTrace *t;
    CimNet net;
    CimMnist mn;
} Fx;

static int setup(void **state)
{
    Fx *f = calloc(1, sizeof *f);
    CimDiag d;
    CimRng r;
    if (!f || !(f->w = calloc(1, sizeof *f->w)) || !(f->t = calloc(1, sizeof *f->t)))
        return -1;
    cim_rng_seed(&r, 77);
    cim_ref_bnn_init_random(f->w, &r);
    /* a few pruned filters, zeroed as the script leaves them */
    f->w->conv1_pruned[3] = f->w->conv2_pruned[0] = f->w->conv2_pruned[40] = f->w->conv3_pruned[15] = 1;
    cim_ref_bnn_zero_pruned(f->w);
    if (test_mnist_net(&f->net) != CIM_OK)
        return -1;
    test_mnist_copy_weights(&f->net, f->w);
    cim_diag_init(&d);
    CimStatus st = cim_mnist_load("data/mnist", "t10k", NULL, &f->mn, &d);
    cim_diag_print(&d, stderr);
    cim_diag_free(&d);
    *state = f;
    return st == CIM_OK ? 0 : -1;
}

static int teardown(void **state)
{
    Fx *f = *state;
    cim_net_free(&f->net);
    cim_mnist_free(&f->mn);
    free(f->w);
    free(f->t);
    free(f);
    return 0;
}

static const uint8_t *image(const Fx *f, size_t i) { return f->mn.images.pixels + i * 28 * 28; }

/* Every image: logits and all three conv layers' integers equal the reference's. */
static void expect_exact(Fx *f, const CimAnalogCfg *cfg, CimPrunedMode mode)
{
    CimAnalogNet *an;
    int32_t *acc[3];
    float logits[10];
    assert_int_equal(cim_analog_net_create(cfg, &f->net, mode, &an), CIM_OK);
    assert_int_equal(cim_analog_net_convs(an), 3);
    acc[0] = malloc(sizeof f->t->acc1);
    acc[1] = malloc(sizeof f->t->acc2);
    acc[2] = malloc(sizeof f->t->acc3);
    CimAnalogActivity act[3] = {{0}};
    for (size_t i = 0; i < IMAGES; i++) {
        cim_ref_bnn_forward(f->w, image(f, i), mode == CIM_PRUNED_SKIP ? CIM_REF_BNN_SKIP : CIM_REF_BNN_REFERENCE, f->t);
        assert_int_equal(cim_analog_net_forward(an, image(f, i), logits, act, acc), CIM_OK);
        if (mode == CIM_PRUNED_REFERENCE) { /* skip mode: the reference leaves skipped accs 0 */
            assert_memory_equal(acc[0], f->t->acc1, sizeof f->t->acc1);
            assert_memory_equal(acc[1], f->t->acc2, sizeof f->t->acc2);
            assert_memory_equal(acc[2], f->t->acc3, sizeof f->t->acc3);
        }
        assert_memory_equal(logits, f->t->logits, sizeof logits);
    }
    for (int k = 0; k < 3; k++) {
        assert_int_equal(act[k].images, IMAGES);
        assert_int_equal(act[k].inexact, 0);
        assert_true(act[k].reads > 0);
        free(acc[k]);
    }
    cim_analog_net_destroy(an);
}

static void test_baseline_lossless_adc_equals_reference(void **state)
{
    Fx *f = *state;
    CimAnalogCfg c;
    cim_analog_cfg_defaults(&c); /* 128 rows per read, 8 bits: lossless */
    assert_true(c.adc.bits >= cim_analog_lossless_bits(c.xbar.rows_active));
    for (int mode = 0; mode < 2; mode++)
        for (int cpw = 1; cpw <= 2; cpw++)
            for (int pol = 0; pol < 2; pol++) {
                c.xbar.cells_per_weight = (unsigned)cpw;
                c.xbar.pruned_filters = pol ? CIM_ANALOG_PRUNED_MAP : CIM_ANALOG_PRUNED_SKIP;
                expect_exact(f, &c, (CimPrunedMode)mode);
            }
}

static void test_baseline_small_lossless_reads_equal_reference(void **state)
{
    Fx *f = *state;
    CimAnalogCfg c;
    cim_analog_cfg_defaults(&c);
    c.xbar.rows = c.xbar.cols = 16; /* many row and column tiles */
    c.xbar.rows_active = 3;
    c.adc.bits = 2;
    c.adc.share = 16;
    expect_exact(f, &c, CIM_PRUNED_REFERENCE);
    c.xbar.rows = 64;
    c.xbar.cells_per_weight = 2;
    c.xbar.rows_active = 17;
    c.adc.bits = 5;
    expect_exact(f, &c, CIM_PRUNED_SKIP);
}

static void test_baseline_few_bits_clip_partial_sums_down(void **state)
{
    Fx *f = *state;
    CimAnalogCfg c;
    CimAnalogNet *an;
    float logits[10];
    cim_analog_cfg_defaults(&c);
    c.adc.bits = 4; /* full scale 15 cells for reads of up to 128 elements */
    int32_t *acc[3] = {malloc(sizeof f->t->acc1), malloc(sizeof f->t->acc2), malloc(sizeof f->t->acc3)};
    CimAnalogActivity act[3] = {{0}};
    assert_int_equal(cim_analog_net_create(&c, &f->net, CIM_PRUNED_REFERENCE, &an), CIM_OK);
    assert_int_equal(cim_analog_net_forward(an, image(f, 0), logits, act, acc), CIM_OK);
    cim_ref_bnn_forward(f->w, image(f, 0), CIM_REF_BNN_REFERENCE, f->t);
    /* conv2 reads 128 elements: with 0/1 cells a read clips to 15, so every dot product is
     * at most the exact one (the clipped A enters as 4 A), and some are smaller. */
    size_t lower = 0, n = sizeof f->t->acc2 / sizeof(int32_t);
    const int32_t *exact = &f->t->acc2[0][0][0];
    for (size_t i = 0; i < n; i++) {
        assert_true(acc[1][i] <= exact[i]);
        assert_true((exact[i] - acc[1][i]) % 4 == 0);
        lower += acc[1][i] < exact[i];
    }
    assert_true(lower > 0);
    assert_true(act[1].clipped > 0 && act[1].inexact == act[1].clipped);
    /* conv1 reads 9 elements: never above 15, exact */
    assert_memory_equal(acc[0], f->t->acc1, sizeof f->t->acc1);
    assert_int_equal(act[0].clipped, 0);
    for (int k = 0; k < 3; k++)
        free(acc[k]);
    cim_analog_net_destroy(an);
}

static void test_baseline_activity_of_conv1(void **state)
{
    Fx *f = *state;
    CimAnalogCfg c;
    CimAnalogNet *an;
    float logits[10];
    CimAnalogActivity act[3] = {{0}};
    cim_analog_cfg_defaults(&c);
    assert_int_equal(cim_analog_net_create(&c, &f->net, CIM_PRUNED_REFERENCE, &an), CIM_OK);
    assert_int_equal(cim_analog_net_forward(an, image(f, 1), logits, act, NULL), CIM_OK);
    cim_ref_bnn_forward(f->w, image(f, 1), CIM_REF_BNN_REFERENCE, f->t);
    /* driven word lines: +1 inputs over every window; LRS reads: +1 input under a +1
     * weight, over the mapped (live) filters */
    double driven = 0, lrs = 0;
    for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++)
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++) {
                    int iy = y + ky - 1, ix = x + kx - 1;
                    if (iy < 0 || ix < 0 || iy >= 28 || ix >= 28 || f->t->in_sign[iy][ix] < 0)
                        continue;
                    driven++;
                    for (int o = 0; o < 32; o++)
                        lrs += !f->w->conv1_pruned[o] && f->w->conv1_w[o][0][ky][kx] > 0;
                }
    assert_true(act[0].driven_elems == driven);
    assert_true(act[0].lrs_reads == lrs);
    assert_int_equal(act[0].reads, 28 * 28 * 1 * 31); /* one read per position, 31 live */
    cim_analog_net_destroy(an);
}

static void test_baseline_shapes_and_cost_of_mnist(void **state)
{
    Fx *f = *state;
    CimAnalogCfg c;
    CimAnalogNet *an;
    CimAnalogShape s[3];
    CimChipCfg chip;
    cim_cfg_defaults(&chip);
    cim_analog_cfg_defaults(&c);
    assert_int_equal(cim_analog_net_create(&c, &f->net, CIM_PRUNED_REFERENCE, &an), CIM_OK);
    cim_analog_net_shapes(an, s);
    static const unsigned values[3] = {196, 49, 49}, bits[3] = {1, 1, 32}, filters[3] = {32, 64, 16};
    static const unsigned live[3] = {31, 62, 15}, in_c[3] = {1, 32, 64};
    for (int k = 0; k < 3; k++) {
        assert_int_equal(s[k].out_values, values[k]);
        assert_int_equal(s[k].out_bits, bits[k]);
        assert_int_equal(s[k].filters, filters[k]);
        assert_int_equal(s[k].live, live[k]);
        assert_int_equal(s[k].in_c, in_c[k]);
        assert_int_equal(s[k].k, 3);
    }
    CimAnalogActivity act[3] = {{0}};
    float logits[10];
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(cim_analog_net_forward(an, image(f, i), logits, act, NULL), CIM_OK);
    CimAnalogLayerCost lc[3];
    CimAnalogCost cost;
    assert_int_equal(cim_analog_net_cost(&c, &chip.tech, s, act, 3, lc, &cost), CIM_OK);
    assert_int_equal(cost.macs, 225792 + 3612672 + 451584); /* every filter, as the network */
    assert_int_equal(cost.crossbars, 1 + 2 + 3);             /* L 9, 288, 576 on 256 rows */
    assert_true(cost.energy.total_pj > 0 && cost.area.total_um2 > 0 && cost.latency_ns > 0);
    /* measured conversions: every position x read x live filter */
    assert_true(lc[1].ev.conversions == 196.0 * 3 * 62);
    cim_analog_net_destroy(an);
}

static void test_baseline_gpu_layers_of_mnist(void **state)
{
    Fx *f = *state;
    CimGpuCfg g;
    CimGpuLayer l[16];
    cim_gpu_cfg_defaults(&g);
    size_t n = cim_gpu_net_layers(&g, &f->net, l);
    assert_int_equal(n, 13); /* 14 layers but flatten */
    assert_int_equal(cim_gpu_net_layers(&g, &f->net, NULL), 13);
    uint64_t macs = 0;
    unsigned kernels = 0;
    for (size_t i = 0; i < n; i++) {
        macs += l[i].macs;
        kernels += l[i].kernels;
    }
    assert_int_equal(macs, 4524800); /* 4.52 M MACs: research/anchors.md D.3 */
    assert_int_equal(kernels, 3 * 3 + 3 * 1 + 2 + 5);
    assert_int_equal(l[0].kind, CIM_GPU_L_MATMUL);
    assert_int_equal(l[1].kind, CIM_GPU_L_ELEMENTWISE);
    assert_int_equal(l[1].bytes, 4 * (32 * 28 * 28 + 32 * 14 * 14)); /* pool1 */
    CimGpuResult r;
    cim_gpu_estimate(&g, l, n, &r);
    assert_true(r.ops_per_inference == 2.0 * 4524800);
    assert_true(fabs(r.launch_s - 19 * 10e-6) < 1e-15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_baseline_lossless_adc_equals_reference),
        cmocka_unit_test(test_baseline_small_lossless_reads_equal_reference),
        cmocka_unit_test(test_baseline_few_bits_clip_partial_sums_down),
        cmocka_unit_test(test_baseline_activity_of_conv1),
        cmocka_unit_test(test_baseline_shapes_and_cost_of_mnist),
        cmocka_unit_test(test_baseline_gpu_layers_of_mnist),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
