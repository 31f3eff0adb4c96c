/* The shape campaign's own checks (tests/support/shapes.h): its plain reference equals the
 * MNIST reference (tests/support/ref_bnn.c) on the paper's network; it notices a chip whose
 * counters differ from what it models; non-power-of-two arrays load from a chip file and
 * run and prune on chip like the reference; and the refusals its campaign found name their
 * limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/mnist_net.h"
#include "tests/support/shapes.h"
#include "workloads/prune/prune_chip.h"

/* One segment per filter and no narrow widths: the exact network. */
static void exact_segments(const CimNet *net, ShapesSegments *segs, unsigned **seg)
{
    for (size_t i = 0, k = 0; i < net->n; i++)
        if (net->layers[i].kind == CIM_L_CONV_BIN) {
            seg[k] = calloc((size_t)net->layers[i].out_c * cim_layer_fan_in(&net->layers[i]), sizeof **seg);
            segs[k] = (ShapesSegments){seg[k], 1};
            k++;
        }
}

static void test_shapes_reference_equals_mnist_reference(void **state)
{
    (void)state;
    CimNet net;
    assert_int_equal(test_mnist_net(&net), CIM_OK);
    CimRefBnnWeights *w = calloc(1, sizeof *w);
    CimRng r;
    cim_rng_seed(&r, 3);
    cim_ref_bnn_init_random(w, &r);
    for (int f = 0; f < 64; f++)
        w->conv2_pruned[f] = f % 5 == 0;
    cim_ref_bnn_zero_pruned(w);
    test_mnist_copy_weights(&net, w);
    ShapesSegments segs[3];
    unsigned *seg[3];
    exact_segments(&net, segs, seg);
    ShapesRefOut out;
    assert_int_equal(shapes_ref_alloc(&net, &out), 0);
    CimRefBnnTrace *t = malloc(sizeof *t);
    uint8_t img[784];
    for (int mode = 0; mode < 2; mode++)
        for (int i = 0; i < 3; i++) {
            for (int p = 0; p < 784; p++)
                img[p] = (uint8_t)cim_rng_u64(&r);
            ShapesArith a = {32, CIM_OVERFLOW_WRAP, 64, mode};
            float logits[10];
            shapes_ref_forward(&net, &a, segs, img, &out, logits);
            cim_ref_bnn_forward(w, img, mode ? CIM_REF_BNN_SKIP : CIM_REF_BNN_REFERENCE, t);
            assert_memory_equal(out.ints[0], t->acc1, sizeof t->acc1);
            assert_memory_equal(out.ints[2], t->acc3, sizeof t->acc3);
            for (int f = 0; f < 64; f++) /* the reference zeroes a skipped filter's sum */
                if (!(mode && w->conv2_pruned[f]))
                    assert_memory_equal(out.ints[1] + f * 196, t->acc2[f], sizeof t->acc2[f]);
            assert_memory_equal(logits, t->logits, sizeof logits);
            assert_false(out.counter_overflow || out.acc_wrap);
        }
    free(t);
    shapes_ref_free(&net, &out);
    for (int k = 0; k < 3; k++)
        free(seg[k]);
    free(w);
    cim_net_free(&net);
}

/* The cases whose counters overflow pass as drawn and fail when the reference models wider
 * counters than the chip has: the campaign sees a model that differs from the chip. */
static void test_shapes_campaign_sees_a_wrong_counter_width(void **state)
{
    (void)state;
    unsigned caught = 0;
    for (uint64_t s = 1; caught < 3 && s < 400; s++) {
        ShapesCase c;
        ShapesResult r;
        ShapesOpts o = {0};
        shapes_case_make(s, 0, &c);
        shapes_run_case(&c, &o, &r);
        if (r.verdict == SHAPES_PASS && r.counter_overflow) {
            o.ref_counter_bits = 32;
            shapes_run_case(&c, &o, &r);
            assert_int_equal(r.verdict, SHAPES_FAIL);
            assert_non_null(strstr(r.reason, "program vs reference"));
            caught++;
        }
        shapes_case_free(&c);
    }
    assert_int_equal(caught, 3);
}

/* Shapes the schema took as powers of two only: a chip file with 100 x 77 arrays loads,
 * compiles the MNIST network and runs it like the reference. */
static void test_shapes_non_power_of_two_chip_file_runs(void **state)
{
    (void)state;
    const char *items[] = {"chip.array.rows=100", "chip.array.cols=77", "chip.macros=16"};
    CimOverrides ov = {.items = items, .n = 3};
    CimChipCfg cfg;
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_cfg_load_chip("configs/chip/default.yaml", &ov, &cfg, &d);
    cim_diag_print(&d, stderr);
    cim_diag_free(&d);
    assert_int_equal(st, CIM_OK);
    assert_int_equal(cfg.array.rows, 100);
    assert_int_equal(cfg.array.cols, 77);
    CimNet net;
    assert_int_equal(test_mnist_net(&net), CIM_OK);
    cim_net_init_random(&net, 5);
    CimCompiled cc;
    cim_diag_init(&d);
    st = cim_compile(&cfg, &net, CIM_PRUNED_REFERENCE, NULL, &cc, &d);
    cim_diag_print(&d, stderr);
    cim_diag_free(&d);
    assert_int_equal(st, CIM_OK);
    assert_true(cc.layers[1].row_tiles > 1 && cc.layers[1].col_tiles == 1); /* 288 rows on 100 */
    CimChip *chip;
    CimTrap trap;
    CimFast *fast;
    assert_int_equal(cim_chip_create(&cfg, NULL, &chip), CIM_OK);
    assert_int_equal(cim_infer_load(chip, &cc, NULL, &trap), CIM_OK);
    assert_int_equal(cim_fast_create(chip, &cc, &net, &fast, &trap), CIM_OK);
    uint8_t img[784];
    for (int p = 0; p < 784; p++)
        img[p] = (uint8_t)(p * 7);
    float lp[10], lf[10];
    int32_t cp[784], cf[784];
    assert_int_equal(cim_infer_image(chip, &cc, &net, img, lp, cp, NULL, &trap), CIM_OK);
    assert_int_equal(cim_fast_image(fast, img, lf, cf, NULL), CIM_OK);
    assert_memory_equal(lp, lf, sizeof lp);
    assert_memory_equal(cp, cf, sizeof cp);
    cim_fast_destroy(fast);
    cim_chip_destroy(chip);
    cim_compiled_free(&cc);
    cim_net_free(&net);
}

/* On-chip pruning (filters as rows, distances by dual-row XOR and the adder tree over
 * column chunks) decides what the reference rule decides on arrays that are not powers of
 * two: uneven last chunks and adder trees over padded widths. */
static void test_shapes_prune_on_chip_on_odd_arrays(void **state)
{
    (void)state;
    static const unsigned shapes[][3] = {{16, 100, 77}, {4, 65, 1000}, {2, 70, 4095}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        CimNet net;
        assert_int_equal(test_mnist_net(&net), CIM_OK);
        CimRefBnnWeights *w = calloc(1, sizeof *w);
        CimRng r;
        cim_rng_seed(&r, 40 + i);
        cim_ref_bnn_init_random(w, &r);
        test_mnist_copy_weights(&net, w);
        CimChipCfg cfg;
        cim_cfg_defaults(&cfg);
        cfg.macros = shapes[i][0];
        cfg.array.rows = shapes[i][1];
        cfg.array.cols = shapes[i][2];
        CimChip *chip;
        assert_int_equal(cim_chip_create(&cfg, NULL, &chip), CIM_OK);
        CimPruneParams p;
        cim_prune_params_reference(&p);
        CimPruneReport rep = {0};
        CimTrap trap;
        CimDiag d;
        cim_diag_init(&d);
        size_t n_new[3];
        assert_int_equal(cim_ref_bnn_prune(w, &p, n_new), CIM_OK);
        if (cim_prune_on_chip(chip, &net, &p, 1, &rep, &trap, &d) != CIM_OK) {
            cim_diag_print(&d, stderr);
            fail_msg("%ux%ux%u: pruning failed (trap: %s)", shapes[i][0], shapes[i][1], shapes[i][2], trap.reason);
        }
        CimRefBnnWeights *got = calloc(1, sizeof *got);
        test_mnist_export_weights(&net, got);
        assert_memory_equal(got->conv1_pruned, w->conv1_pruned, sizeof w->conv1_pruned);
        assert_memory_equal(got->conv2_pruned, w->conv2_pruned, sizeof w->conv2_pruned);
        assert_memory_equal(got->conv3_pruned, w->conv3_pruned, sizeof w->conv3_pruned);
        for (int k = 0; k < 3; k++)
            assert_int_equal(rep.layers[k].pruned_new, n_new[k]);
        free(got);
        cim_prune_report_free(&rep);
        cim_diag_free(&d);
        cim_chip_destroy(chip);
        free(w);
        cim_net_free(&net);
    }
}

static void first_error(const CimChipCfg *cfg, const CimNet *net, CimPrunedMode mode, char *line, size_t n)
{
    CimCompiled cc;
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_compile(cfg, net, mode, NULL, &cc, &d), CIM_ERR_CONFIG);
    cim_diag_format(&d, 0, line, n);
    cim_diag_free(&d);
}

/* Campaign case 0xb2be0543451c3a3b (seed 2026): 361 filters of int32 outputs over 28 x 28
 * positions need 9 M buffer bits. It was refused as "a buffer address or count does not fit
 * an instruction field", naming no limit; now the buffer is named first, and with a buffer
 * large enough the address limit is. */
static void test_shapes_refusals_name_their_limit(void **state)
{
    (void)state;
    ShapesCase c;
    shapes_case_make(0xb2be0543451c3a3bull, 0, &c);
    assert_false(c.net_refused);
    char line[512];
    first_error(&c.cfg, &c.net, c.mode, line, sizeof line);
    assert_non_null(strstr(line, "buffer bits, the chip has 524288 (chip.buffer_kib)"));
    c.cfg.buffer_kib = 1u << 20;
    first_error(&c.cfg, &c.net, c.mode, line, sizeof line);
    assert_non_null(strstr(line, "addresses reach 8388607 bits (li's 24-bit immediate)"));
    shapes_case_free(&c);
    /* Case 0x5aafd0ba87489865: a filter of 11850 elements on 1854-row arrays is 7 row tiles
     * (1693 rows each when found); the last starts past input offset 4095, which gated's
     * 12-bit field cannot hold: it was refused with the same vague instruction-field message. */
    shapes_case_make(0x5aafd0ba87489865ull, 0, &c);
    first_error(&c.cfg, &c.net, c.mode, line, sizeof line);
    /* the offset itself depends on how the mapper tiles the layer */
    assert_non_null(strstr(line, "filter length 11850 puts a row tile at input offset "));
    assert_non_null(strstr(line, ", past gated's 12-bit field (at most 4095)"));
    shapes_case_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes_reference_equals_mnist_reference),
        cmocka_unit_test(test_shapes_campaign_sees_a_wrong_counter_width),
        cmocka_unit_test(test_shapes_non_power_of_two_chip_file_runs),
        cmocka_unit_test(test_shapes_prune_on_chip_on_odd_arrays),
        cmocka_unit_test(test_shapes_refusals_name_their_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
