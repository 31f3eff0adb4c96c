/* Bit-true analogue read-out of a binary conv: hand-computed clipping of partial sums in
 * both cell modes, bit-for-bit equality with a plain +-1 convolution whenever the ADC is
 * lossless (random shapes and mappings), the activity counts, and allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "models/analog/analog.h"
#include "tests/support/test_alloc.h"

/* Plain +-1 convolution, stride 1, zero padding adds 0; weights w > 0 are +1. */
static void plain_conv(const CimAnalogShape *s, const int8_t *in, const float *w, int32_t *acc)
{
    for (unsigned f = 0; f < s->filters; f++)
        for (unsigned y = 0; y < s->out_h; y++)
            for (unsigned x = 0; x < s->out_w; x++) {
                int32_t sum = 0;
                for (unsigned c = 0; c < s->in_c; c++)
                    for (unsigned ky = 0; ky < s->k; ky++)
                        for (unsigned kx = 0; kx < s->k; kx++) {
                            long iy = (long)y + ky - s->pad, ix = (long)x + kx - s->pad;
                            if (iy < 0 || ix < 0 || iy >= (long)s->in_h || ix >= (long)s->in_w)
                                continue;
                            int wv = w[((f * s->in_c + c) * s->k + ky) * s->k + kx] > 0.0f ? 1 : -1;
                            sum += wv * in[(c * s->in_h + (unsigned)iy) * s->in_w + (unsigned)ix];
                        }
                acc[(f * s->out_h + y) * s->out_w + x] = sum;
            }
}

/* 16 x 16 crossbar, reads of 4 elements, 2-bit ADC (full scale 3 cells); one 3x3 input of
 * +1 (sign) or -1, filter 0 all +1, filter 1 all -1 (weights 0 count as -1). */
static void hand_setup(CimAnalogCfg *c, CimAnalogShape *s, unsigned cpw, int8_t sign, int8_t in[9], float w[18])
{
    cim_analog_cfg_defaults(c);
    c->xbar.rows = c->xbar.cols = 16;
    c->xbar.rows_active = 4;
    c->xbar.cells_per_weight = cpw;
    c->adc.bits = 2;
    c->adc.share = 4;
    *s = (CimAnalogShape){.in_c = 1, .in_h = 3, .in_w = 3, .k = 3, .pad = 1, .out_h = 3, .out_w = 3,
                          .filters = 2, .live = 2, .out_bits = 1, .out_values = 9};
    for (int i = 0; i < 9; i++) {
        in[i] = sign;
        w[i] = 0.5f;
        w[9 + i] = i % 2 ? 0.0f : -0.25f;
    }
}

static void run_hand(unsigned cpw, int8_t sign, int32_t acc[18], CimAnalogActivity *act)
{
    CimAnalogCfg c;
    CimAnalogShape s;
    int8_t in[9];
    float w[18];
    CimAnalogConv *cv;
    hand_setup(&c, &s, cpw, sign, in, w);
    assert_int_equal(cim_analog_conv_create(&c, &s, w, NULL, NULL, &cv), CIM_OK);
    memset(act, 0, sizeof *act);
    cim_analog_conv_run(cv, in, acc, act);
    cim_analog_conv_destroy(cv);
}

static void test_analog_conv_one_cell_clips_partial_sums_by_hand(void **state)
{
    (void)state;
    int32_t acc[18];
    CimAnalogActivity act;
    run_hand(1, 1, acc, &act);
    /* Elements e = ky*3 + kx in reads {0..3}, {4..7}, {8}. Filter 0 with all inputs +1:
     * p = valid taps per read; reads of 4 clip to 3. Centre: 4,4,1 -> 3,3,1: A = 7,
     * dot = 4*7 - 2*9 - 2*9 + 9 = 1 (exact 9). Top edge (0,1): taps 3..8: 1,4,1 -> 1,3,1:
     * A = 5, dot = 20 - 12 - 12 + 6 = 2. Left edge (1,0): taps 1,2,4,5,7,8: 2,3,1: exact 6.
     * Corner (0,0): taps 4,5,7,8: 0,3,1: exact 4. */
    static const int32_t want0[9] = {4, 2, 4, 6, 1, 6, 4, 2, 4};
    assert_memory_equal(acc, want0, sizeof want0);
    /* Filter 1 (all -1): no LRS cell, p = 0, dot = -2 px + V = -V, exact. */
    static const int32_t want1[9] = {-4, -6, -4, -6, -9, -6, -4, -6, -4};
    assert_memory_equal(acc + 9, want1, sizeof want1);
    assert_int_equal(act.images, 1);
    assert_int_equal(act.reads, 9 * 3 * 2);
    assert_int_equal(act.clipped, 4); /* centre twice, top and bottom edges once */
    assert_int_equal(act.inexact, 4);
    assert_true(act.lrs_reads == 49);   /* filter 0: every valid tap, 4*4 + 6*4 + 9 */
    assert_true(act.driven_elems == 49); /* every valid input is +1 */
}

static void test_analog_conv_xnor_pairs_clip_by_hand(void **state)
{
    (void)state;
    int32_t acc[18];
    CimAnalogActivity act;
    /* 8 elements per 16-row tile: tiles {0..7}, {8}; reads {0..3}, {4..7}, {8} as before.
     * Matches = valid taps per read for filter 0: dot = 2 M - V: centre 2*7 - 9 = 5, top
     * edge 2*5 - 6 = 4, left edge 6, corner 4. Filter 1 matches nothing: -V, exact. */
    run_hand(2, 1, acc, &act);
    static const int32_t want0[9] = {4, 4, 4, 6, 5, 6, 4, 4, 4};
    static const int32_t want1[9] = {-4, -6, -4, -6, -9, -6, -4, -6, -4};
    assert_memory_equal(acc, want0, sizeof want0);
    assert_memory_equal(acc + 9, want1, sizeof want1);
    assert_int_equal(act.clipped, 4);
    /* Inputs all -1: filter 1 now matches every tap and clips the same way, filter 0
     * matches none. Every valid input drives its complement row. */
    run_hand(2, -1, acc, &act);
    static const int32_t neg0[9] = {-4, -6, -4, -6, -9, -6, -4, -6, -4};
    assert_memory_equal(acc, neg0, sizeof neg0);
    assert_memory_equal(acc + 9, want0, sizeof want0);
    assert_true(act.driven_elems == 49);
}

static void test_analog_conv_one_cell_negative_inputs_drive_nothing(void **state)
{
    (void)state;
    int32_t acc[18];
    CimAnalogActivity act;
    /* 0/1 cells, inputs all -1: no word line is driven, every partial sum is 0, and the
     * digital corrections give the exact dot products: -V for filter 0, +V for filter 1. */
    run_hand(1, -1, acc, &act);
    static const int32_t want0[9] = {-4, -6, -4, -6, -9, -6, -4, -6, -4};
    static const int32_t want1[9] = {4, 6, 4, 6, 9, 6, 4, 6, 4};
    assert_memory_equal(acc, want0, sizeof want0);
    assert_memory_equal(acc + 9, want1, sizeof want1);
    assert_true(act.driven_elems == 0 && act.lrs_reads == 0);
    assert_int_equal(act.clipped, 0);
}

/* One random layer, config and mapping; lossless ADC: must equal the plain convolution. */
static void random_lossless_case(CimRng *r)
{
    CimAnalogCfg c;
    cim_analog_cfg_defaults(&c);
    c.xbar.rows = 16u << (cim_rng_u64(r) % 3);
    c.xbar.cols = 16;
    c.xbar.cells_per_weight = 1 + (unsigned)(cim_rng_u64(r) % 2);
    c.xbar.rows_active = 1 + (unsigned)(cim_rng_u64(r) % (c.xbar.rows / c.xbar.cells_per_weight));
    c.adc.bits = cim_analog_lossless_bits(c.xbar.rows_active);
    c.adc.share = 1u << (cim_rng_u64(r) % 5);
    CimAnalogShape s = {.in_c = 1 + (unsigned)(cim_rng_u64(r) % 6), .k = 1 + (unsigned)(cim_rng_u64(r) % 4)};
    s.pad = (unsigned)(cim_rng_u64(r) % s.k);
    s.in_h = s.k + (unsigned)(cim_rng_u64(r) % 5);
    s.in_w = s.k + (unsigned)(cim_rng_u64(r) % 5);
    s.out_h = s.in_h + 2 * s.pad - s.k + 1;
    s.out_w = s.in_w + 2 * s.pad - s.k + 1;
    s.filters = s.live = 1 + (unsigned)(cim_rng_u64(r) % 40);
    size_t nin = (size_t)s.in_c * s.in_h * s.in_w, nw = (size_t)s.filters * s.in_c * s.k * s.k;
    size_t nout = (size_t)s.filters * s.out_h * s.out_w;
    int8_t *in = malloc(nin);
    float *w = malloc(nw * sizeof *w);
    uint8_t *mapped = malloc(s.filters);
    int32_t *got = malloc(nout * sizeof *got), *want = malloc(nout * sizeof *want);
    assert_true(in && w && mapped && got && want);
    for (size_t i = 0; i < nin; i++)
        in[i] = cim_rng_u64(r) % 2 ? 1 : -1;
    for (size_t i = 0; i < nw; i++)
        w[i] = (float)((int)(cim_rng_u64(r) % 3) - 1); /* -1, 0 (counts as -1) or +1 */
    for (unsigned f = 0; f < s.filters; f++)
        mapped[f] = cim_rng_u64(r) % 4 != 0;
    CimAnalogConv *cv;
    CimAnalogActivity act = {0};
    assert_int_equal(cim_analog_conv_create(&c, &s, w, mapped, NULL, &cv), CIM_OK);
    cim_analog_conv_run(cv, in, got, &act);
    plain_conv(&s, in, w, want);
    assert_memory_equal(got, want, nout * sizeof *got);
    assert_int_equal(act.inexact, 0);
    assert_int_equal(act.clipped, 0);
    cim_analog_conv_destroy(cv);
    free(in);
    free(w);
    free(mapped);
    free(got);
    free(want);
}

static void test_analog_conv_lossless_adc_equals_exact(void **state)
{
    (void)state;
    CimRng r;
    cim_rng_seed(&r, 20240611);
    for (int i = 0; i < 300; i++)
        random_lossless_case(&r);
}

static void test_analog_conv_unmapped_filters_are_exact(void **state)
{
    (void)state;
    CimAnalogCfg c;
    CimAnalogShape s;
    int8_t in[9];
    float w[18];
    int32_t acc[18], want[18];
    CimAnalogConv *cv;
    CimAnalogActivity act = {0};
    hand_setup(&c, &s, 1, 1, in, w);
    c.adc.bits = 1; /* reads would clip at 1 cell */
    static const uint8_t mapped[2] = {0, 1};
    assert_int_equal(cim_analog_conv_create(&c, &s, w, mapped, NULL, &cv), CIM_OK);
    cim_analog_conv_run(cv, in, acc, &act);
    plain_conv(&s, in, w, want);
    assert_memory_equal(acc, want, 9 * sizeof *acc);  /* filter 0: computed digitally */
    assert_int_equal(act.reads, 9 * 3);               /* only filter 1 is read */
    cim_analog_conv_destroy(cv);
}

static void test_analog_conv_rejects_a_bad_shape(void **state)
{
    (void)state;
    CimAnalogCfg c;
    CimAnalogShape s;
    int8_t in[9];
    float w[18];
    CimAnalogConv *cv = (CimAnalogConv *)&c;
    hand_setup(&c, &s, 1, 1, in, w);
    s.out_h = 2;
    assert_int_equal(cim_analog_conv_create(&c, &s, w, NULL, NULL, &cv), CIM_ERR_RANGE);
    assert_null(cv);
    cim_analog_conv_destroy(NULL);
}

static CimStatus create_with(void *ctx, const CimAlloc *alloc)
{
    (void)ctx;
    CimAnalogCfg c;
    CimAnalogShape s;
    int8_t in[9];
    float w[18];
    int32_t acc[18];
    CimAnalogConv *cv;
    hand_setup(&c, &s, 2, 1, in, w);
    CimStatus st = cim_analog_conv_create(&c, &s, w, NULL, alloc, &cv);
    if (st != CIM_OK)
        return st;
    cim_analog_conv_run(cv, in, acc, NULL);
    cim_analog_conv_destroy(cv);
    return CIM_OK;
}

static void test_analog_conv_allocation_failures(void **state)
{
    (void)state;
    assert_true(test_alloc_sweep(create_with, NULL) >= 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_analog_conv_one_cell_clips_partial_sums_by_hand),
        cmocka_unit_test(test_analog_conv_xnor_pairs_clip_by_hand),
        cmocka_unit_test(test_analog_conv_one_cell_negative_inputs_drive_nothing),
        cmocka_unit_test(test_analog_conv_lossless_adc_equals_exact),
        cmocka_unit_test(test_analog_conv_unmapped_filters_are_exact),
        cmocka_unit_test(test_analog_conv_rejects_a_bad_shape),
        cmocka_unit_test(test_analog_conv_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
