/* The analogue baseline's int8 layers (point-cloud networks): columns per weight and input
 * steps, the lossless ADC resolution, the map, the activity counted on codes, the events of
 * one layer and the net cost, each against hand-computed values (docs/energy.md, "int8
 * layers"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/analog/analog.h"

static void near(double a, double b, int line)
{
    if (!(fabs(a - b) <= 1e-12 * (fabs(b) + 1e-15)))
        fail_msg("line %d: got %.15g, want %.15g", line, a, b);
}
#define NEAR(a, b) near((double)(a), (double)(b), __LINE__)

static void cfg(CimAnalogCfg *c)
{
    cim_analog_cfg_defaults(c); /* 256x256, 128 rows per read, 8-bit SAR per 8 columns, 1-bit cells and steps */
}

static void test_int8_slices_steps_lossless(void **state)
{
    (void)state;
    CimAnalogCfg c;
    cfg(&c);
    assert_int_equal(cim_analog_int8_slices(&c), 8);
    assert_int_equal(cim_analog_int8_steps(&c), 8);
    assert_int_equal(cim_analog_int8_lossless_bits(&c), 8); /* 128 units: 255 >= 128 > 127 */
    c.multibit.bits_per_cell = 3;
    c.multibit.input_bits_per_step = 8;
    assert_int_equal(cim_analog_int8_slices(&c), 3);
    assert_int_equal(cim_analog_int8_steps(&c), 1);
    c.multibit.bits_per_cell = 2;
    c.multibit.input_bits_per_step = 1;
    assert_int_equal(cim_analog_int8_lossless_bits(&c), 9); /* 128 x 3 = 384 units: 511 >= 384 > 255 */
    c.xbar.rows_active = 1;
    c.multibit.bits_per_cell = 1;
    assert_int_equal(cim_analog_int8_lossless_bits(&c), 1);
}

/* P 10, C 300, F 40 on 256x256 crossbars: 2 row tiles (256 + 44 rows: 2 + 1 reads), 320
 * columns in 2 column tiles, 32 ADCs, 8 rounds, 80 read positions, 4 crossbars. */
static void test_int8_map(void **state)
{
    (void)state;
    CimAnalogCfg c;
    cfg(&c);
    CimAnalogInt8Shape s = {.positions = 10, .in_c = 300, .filters = 40};
    CimAnalogMap m;
    assert_int_equal(cim_analog_int8_map(&c, &s, &m), CIM_OK);
    assert_int_equal(m.elems, 300);
    assert_int_equal(m.row_tiles, 2);
    assert_int_equal(m.groups, 3);
    assert_int_equal(m.groups_max, 2);
    assert_int_equal(m.mapped, 320);
    assert_int_equal(m.col_tiles, 2);
    assert_int_equal(m.adcs, 32);
    assert_int_equal(m.rounds_max, 8);
    assert_int_equal(m.positions, 80);
    assert_int_equal(m.crossbars, 4);
    CimAnalogInt8Shape empty = {.positions = 0, .in_c = 3, .filters = 1};
    assert_int_equal(cim_analog_int8_map(&c, &empty, &m), CIM_ERR_RANGE);
    c.xbar.rows_active = 300; /* more than the crossbar's rows */
    assert_int_equal(cim_analog_int8_map(&c, &s, &m), CIM_ERR_RANGE);
}

/* x = {1, -1} against w = {3}: bit-serial 1 + 8 = 9 driven steps, w's two 1-bits -> 18 LRS
 * reads; 4-bit steps and 2-bit cells store codes offset by 128: x 129 = 0x81 and 127 = 0x7f
 * drive 2 + 2 steps, w 131 = 10 00 00 11 has 2 non-zero cells -> 8. */
static void test_int8_activity(void **state)
{
    (void)state;
    CimAnalogCfg c;
    cfg(&c);
    const int8_t x[2] = {1, -1}, w[1] = {3};
    CimAnalogActivity a = {0};
    cim_analog_int8_activity(&c, x, w, 2, 1, 1, &a);
    NEAR(a.driven_elems, 9);
    NEAR(a.lrs_reads, 18);
    assert_int_equal(a.images, 0);
    assert_int_equal(cim_analog_int8_offset(&c), 0);
    c.multibit.input_bits_per_step = 4;
    c.multibit.bits_per_cell = 2;
    assert_int_equal(cim_analog_int8_offset(&c), 1);
    CimAnalogActivity b = {0};
    cim_analog_int8_activity(&c, x, w, 2, 1, 1, &b);
    NEAR(b.driven_elems, 4);
    NEAR(b.lrs_reads, 8);
    /* two channels, two filters: channel 0 codes {0, -128}, channel 1 {5, 0}; w[f][c] */
    const int8_t x2[4] = {0, 5, -128, 0}, w2[4] = {1, 0, 2, 7};
    CimAnalogActivity e = {0};
    cfg(&c);
    cim_analog_int8_activity(&c, x2, w2, 2, 2, 2, &e);
    /* channel 0: driven 0 + 1 = 1, cells 1 + 1 = 2 -> 2; channel 1: driven 2 + 0, cells 0 + 3 -> 6 */
    NEAR(e.driven_elems, 3);
    NEAR(e.lrs_reads, 8);
}

/* The events of the map above with 1000 driven steps and 500 LRS reads over 2 inferences. */
static void test_int8_events_and_cost(void **state)
{
    (void)state;
    CimAnalogCfg c;
    cfg(&c);
    CimAnalogInt8Shape s = {.positions = 10, .in_c = 300, .filters = 40};
    CimAnalogMap m;
    assert_int_equal(cim_analog_int8_map(&c, &s, &m), CIM_OK);
    CimAnalogActivity a = {.driven_elems = 1000, .lrs_reads = 500, .images = 2};
    CimAnalogEvents ev;
    assert_int_equal(cim_analog_int8_events(&c, &s, &m, &a, &ev), CIM_OK);
    NEAR(ev.xbar_reads, 80 * 3 * 2);
    NEAR(ev.conversions, 80 * 3 * 320);
    NEAR(ev.wordlines, 500 * 2);
    NEAR(ev.cells_lrs, 250);
    NEAR(ev.cells_hrs, 500.0 * 320 - 250);
    NEAR(ev.fa_ops, 76800.0 * 32);
    NEAR(ev.reg_bits, 76800.0 * 32);
    NEAR(ev.buffer_bits, 10 * 300 * 8 + 10 * 40 * 32);
    NEAR(ev.instructions, 80 * 4);
    /* S&H: column tile 0 uses 256 columns in 8 rounds, tile 1 64 in 2; t_conv 9 ns */
    NEAR(ev.sh_ns, 80.0 * 3 * (256 * 8 + 64 * 2) * 9);
    CimAnalogActivity none = {0};
    assert_int_equal(cim_analog_int8_events(&c, &s, &m, &none, &ev), CIM_ERR_RANGE);

    /* the net cost: the energy of these events with 2-bit DACs, the latency and area of the map */
    CimTechCfg t;
    CimChipCfg chip;
    cim_cfg_defaults(&chip);
    t = chip.tech;
    c.multibit.input_bits_per_step = 2;
    assert_int_equal(cim_analog_int8_map(&c, &s, &m), CIM_OK); /* 10 x 4 steps */
    assert_int_equal(cim_analog_int8_events(&c, &s, &m, &a, &ev), CIM_OK);
    /* offset codes: per position Σx over 300 channels and 2 corrections per filter output */
    NEAR(ev.fa_ops, (40.0 * 3 * 320 + 10.0 * (2 * 40 + 300)) * 32);
    CimAnalogLayerCost lc;
    CimAnalogCost cost;
    assert_int_equal(cim_analog_int8_net_cost(&c, &t, &s, &a, 1, &lc, &cost), CIM_OK);
    CimAnalogCfg dc = c;
    dc.dac.bits = 2;
    CimAnalogEnergy e;
    cim_analog_energy(&dc, &t, &ev, &e);
    NEAR(lc.energy.total_pj, e.total_pj);
    NEAR(e.pj[CIM_AC_DAC], ev.wordlines * (256 * t.energy.wl_per_cell_fj * 1e-3 + 3.9 * 2 * t.timing.t_read_ns * 1e-3));
    NEAR(cost.latency_ns, cim_analog_latency_ns(&dc, &t, &m));
    NEAR(cost.latency_ns, 40.0 * (2 * (t.timing.t_read_ns + 8 * 9) + t.timing.t_shift_add_ns));
    NEAR(cost.energy.pj[CIM_AC_LEAKAGE], cim_analog_leakage_pj(&t, 4, cost.latency_ns));
    double sum = 0;
    for (int k = 0; k < CIM_AC_COUNT; k++)
        sum += cost.energy.pj[k];
    NEAR(cost.energy.total_pj, sum);
    assert_int_equal(cost.crossbars, 4);
    assert_int_equal(cost.macs, 10 * 300 * 40);
    CimAnalogArea ar;
    cim_analog_area(&dc, &t, 4, &ar);
    NEAR(cost.area.total_um2, ar.total_um2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int8_slices_steps_lossless),
        cmocka_unit_test(test_int8_map),
        cmocka_unit_test(test_int8_activity),
        cmocka_unit_test(test_int8_events_and_cost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
