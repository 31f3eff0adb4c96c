/* Analogue baseline cost model: ADC energy at 1..8 bits against the table of
 * research/anchors.md D.1, converter areas, the ADC quantiser's edge cases, and every cost
 * formula (mapping, events, energy, latency, leakage, area) on a hand-computed 2-layer toy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "models/analog/analog.h"

static void near(double a, double b, int line)
{
    if (!(fabs(a - b) <= 1e-9 * (fabs(b) + 1e-12)))
        fail_msg("line %d: got %.12g, want %.12g", line, a, b);
}
#define NEAR(a, b) near((double)(a), (double)(b), __LINE__)

/* ---- converters ------------------------------------------------------------ */

static void test_analog_adc_energy_matches_anchor_table(void **state)
{
    (void)state;
    /* research/anchors.md D.1, NeuroSim SAR at 130 nm LP: E = (8.4483 b + 65.243) uW x (b+1) ns */
    static const double table_pj[8] = {0.147, 0.246, 0.362, 0.495, 0.645, 0.812, 0.995, 1.195};
    CimAnalogCfg c;
    cim_analog_cfg_defaults(&c);
    for (unsigned b = 1; b <= 8; b++) {
        double e = cim_analog_adc_energy_pj(&c.adc, b);
        if (fabs(e - table_pj[b - 1]) > 0.0005)
            fail_msg("%u bits: %.4f pJ, table %.3f", b, e, table_pj[b - 1]);
        NEAR(e, (8.4483 * b + 65.243) * (b + 1) * 1e-3);
        NEAR(cim_analog_adc_time_ns(&c.adc, b), b + 1.0);
    }
    NEAR(cim_analog_adc_energy_pj(&c.adc, 1), 0.1473826); /* 73.6913 uW x 2 ns */
}

static void test_analog_adc_area_and_walden(void **state)
{
    (void)state;
    CimAnalogCfg c;
    cim_analog_cfg_defaults(&c);
    /* (478 + 182 (b - 1)) transistors x 212.8 F^2, F = 0.18 um: 6.89472 um^2 each */
    NEAR(cim_analog_adc_area_um2(&c.adc, 1, 180), 478 * 6.89472);
    NEAR(cim_analog_adc_area_um2(&c.adc, 8, 180), 1752 * 6.89472);
    NEAR(cim_analog_adc_area_um2(&c.adc, 5, 130), 1206 * 212.8 * 0.13 * 0.13);
    NEAR(cim_analog_mux_area_um2(&c.adc, 180), 2 * 6.89472);
    c.adc.model = CIM_ADC_WALDEN;
    NEAR(cim_analog_adc_energy_pj(&c.adc, 8), 35.9 * 256 * 1e-3); /* 9.19 pJ */
    NEAR(cim_analog_adc_energy_pj(&c.adc, 4), 35.9 * 16 * 1e-3);
    NEAR(cim_analog_adc_area_um2(&c.adc, 8, 180), 72000);
    NEAR(cim_analog_adc_time_ns(&c.adc, 8), 9);
}

static void test_analog_dac_energy_and_area_double_per_bit(void **state)
{
    (void)state;
    CimAnalogCfg c;
    cim_analog_cfg_defaults(&c);
    NEAR(cim_analog_dac_energy_pj(&c.dac, 10), 3.9 * 10 * 1e-3); /* 39 fJ */
    NEAR(cim_analog_dac_area_um2(&c.dac), 0.166);
    c.dac.bits = 4;
    NEAR(cim_analog_dac_energy_pj(&c.dac, 10), 3.9 * 8 * 10 * 1e-3);
    NEAR(cim_analog_dac_area_um2(&c.dac), 0.166 * 8);
}

/* ---- quantiser ------------------------------------------------------------ */

static void test_analog_lossless_bits(void **state)
{
    (void)state;
    static const unsigned rows[] = {1, 2, 3, 4, 7, 8, 127, 128, 255, 256, 4096};
    static const unsigned bits[] = {1, 2, 2, 3, 3, 4, 7, 8, 8, 9, 13};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(cim_analog_lossless_bits(rows[i]), bits[i]);
}

static void test_analog_adc_read_clips_at_full_scale(void **state)
{
    (void)state;
    assert_int_equal(cim_analog_adc_read(0, 3, 1), 0);
    assert_int_equal(cim_analog_adc_read(5, 3, 1), 5);
    assert_int_equal(cim_analog_adc_read(7, 3, 1), 7);
    assert_int_equal(cim_analog_adc_read(8, 3, 1), 7);
    assert_int_equal(cim_analog_adc_read(9, 3, 1), 7);
    assert_int_equal(cim_analog_adc_read(1, 1, 1), 1);
    assert_int_equal(cim_analog_adc_read(2, 1, 1), 1);
    assert_int_equal(cim_analog_adc_read(UINT32_MAX, 16, 1), 65535);
    assert_int_equal(cim_analog_adc_read(65535, 16, 1), 65535);
    assert_int_equal(cim_analog_adc_read(128, 8, 1), 128); /* 8 bits read 0..128 exactly */
    assert_int_equal(cim_analog_adc_read(255, 8, 1), 255);
    assert_int_equal(cim_analog_adc_read(256, 8, 1), 255);
}

static void test_analog_adc_read_rounds_half_up_with_wide_lsb(void **state)
{
    (void)state;
    /* lsb 2: p / 2 rounded, halves up, times 2; full scale 7 * 2 = 14 */
    assert_int_equal(cim_analog_adc_read(1, 3, 2), 2);  /* 0.5 -> 1 */
    assert_int_equal(cim_analog_adc_read(3, 3, 2), 4);  /* 1.5 -> 2 */
    assert_int_equal(cim_analog_adc_read(4, 3, 2), 4);
    assert_int_equal(cim_analog_adc_read(5, 3, 2), 6);
    assert_int_equal(cim_analog_adc_read(13, 3, 2), 14);
    assert_int_equal(cim_analog_adc_read(14, 3, 2), 14);
    assert_int_equal(cim_analog_adc_read(20, 3, 2), 14);
    /* lsb 3: 1 -> 0.33 -> 0; 2 -> 0.67 -> 1 -> 3; 4 -> 1.33 -> 3; 5 -> 1.67 -> 6 */
    assert_int_equal(cim_analog_adc_read(1, 4, 3), 0);
    assert_int_equal(cim_analog_adc_read(2, 4, 3), 3);
    assert_int_equal(cim_analog_adc_read(4, 4, 3), 3);
    assert_int_equal(cim_analog_adc_read(5, 4, 3), 6);
    assert_int_equal(cim_analog_adc_read(UINT32_MAX, 4, 3), 45);
}

/* ---- the toy network ------------------------------------------------------- */

/* 16 x 16 crossbars, 4 elements per read, 4 ADCs (share 4) of 3 bits, 8-bit accumulators. */
static void toy_cfg(CimAnalogCfg *c, CimTechCfg *t)
{
    CimChipCfg chip;
    cim_cfg_defaults(&chip);
    *t = chip.tech;
    cim_analog_cfg_defaults(c);
    c->xbar.rows = c->xbar.cols = 16;
    c->xbar.rows_active = 4;
    c->adc.bits = 3;
    c->adc.share = 4;
    c->digital.accumulator_bits = 8;
    c->digital.buffer_kib = 1;
}

/* A: 1 x 4 x 4 in, 3x3 pad 1, 6 filters, pooled to 2 x 2 binary outputs.
 * B: 2 x 2 x 2 in, 3x3 pad 1, 20 filters of which 18 live, 32-bit outputs. */
static void toy_shapes(CimAnalogShape s[2])
{
    memset(s, 0, 2 * sizeof *s);
    s[0] = (CimAnalogShape){.in_c = 1, .in_h = 4, .in_w = 4, .k = 3, .pad = 1, .out_h = 4, .out_w = 4,
                            .filters = 6, .live = 6, .out_bits = 1, .out_values = 4};
    s[1] = (CimAnalogShape){.in_c = 2, .in_h = 2, .in_w = 2, .k = 3, .pad = 1, .out_h = 2, .out_w = 2,
                            .filters = 20, .live = 18, .out_bits = 32, .out_values = 4};
}

static void toy_acts(CimAnalogActivity a[2])
{
    memset(a, 0, 2 * sizeof *a);
    a[0].driven_elems = 50; /* two images: 25 and 60 per image */
    a[0].lrs_reads = 120;
    a[0].images = 2;
    a[1].driven_elems = 30;
    a[1].lrs_reads = 100;
    a[1].images = 1;
}

static void test_analog_map_toy(void **state)
{
    (void)state;
    CimAnalogCfg c;
    CimTechCfg t;
    CimAnalogShape s[2];
    CimAnalogMap m;
    toy_cfg(&c, &t);
    toy_shapes(s);
    assert_int_equal(cim_analog_map(&c, &s[0], &m), CIM_OK);
    /* L 9 on one tile of 16; reads of 4: 4+4+1 -> 3; 6 filters on 4 ADCs: 2 rounds */
    assert_int_equal(m.elems, 9);
    assert_int_equal(m.row_tiles, 1);
    assert_int_equal(m.col_tiles, 1);
    assert_int_equal(m.groups, 3);
    assert_int_equal(m.groups_max, 3);
    assert_int_equal(m.adcs, 4);
    assert_int_equal(m.rounds_max, 2);
    assert_int_equal(m.positions, 16);
    assert_int_equal(m.crossbars, 1);
    assert_int_equal(cim_analog_map(&c, &s[1], &m), CIM_OK);
    /* L 18 = tiles of 16 + 2 -> reads 4 + 1; 18 live filters: column tiles of 16 + 2 */
    assert_int_equal(m.row_tiles, 2);
    assert_int_equal(m.groups, 5);
    assert_int_equal(m.groups_max, 4);
    assert_int_equal(m.mapped, 18);
    assert_int_equal(m.col_tiles, 2);
    assert_int_equal(m.rounds_max, 4);
    assert_int_equal(m.crossbars, 4);
    c.xbar.pruned_filters = CIM_ANALOG_PRUNED_MAP;
    assert_int_equal(cim_analog_map(&c, &s[1], &m), CIM_OK);
    assert_int_equal(m.mapped, 20);
    c.xbar.cells_per_weight = 2; /* 8 elements per tile: 8 + 8 + 2 */
    assert_int_equal(cim_analog_map(&c, &s[1], &m), CIM_OK);
    assert_int_equal(m.elems_per_tile, 8);
    assert_int_equal(m.row_tiles, 3);
    assert_int_equal(m.groups, 5);
}

static void test_analog_map_rejects_bad_shapes(void **state)
{
    (void)state;
    CimAnalogCfg c;
    CimTechCfg t;
    CimAnalogShape s[2];
    CimAnalogMap m;
    toy_cfg(&c, &t);
    toy_shapes(s);
    s[0].out_h = 5;
    assert_int_equal(cim_analog_map(&c, &s[0], &m), CIM_ERR_RANGE);
    toy_shapes(s);
    s[0].live = 7;
    assert_int_equal(cim_analog_map(&c, &s[0], &m), CIM_ERR_RANGE);
    toy_shapes(s);
    s[0].k = 0;
    assert_int_equal(cim_analog_map(&c, &s[0], &m), CIM_ERR_RANGE);
    toy_shapes(s);
    c.xbar.rows_active = 9;
    c.xbar.cells_per_weight = 2; /* 18 rows > 16 */
    assert_int_equal(cim_analog_map(&c, &s[0], &m), CIM_ERR_RANGE);
}

static void test_analog_events_toy(void **state)
{
    (void)state;
    CimAnalogCfg c;
    CimTechCfg t;
    CimAnalogShape s[2];
    CimAnalogActivity a[2];
    CimAnalogMap m;
    CimAnalogEvents ev;
    toy_cfg(&c, &t);
    toy_shapes(s);
    toy_acts(a);
    assert_int_equal(cim_analog_map(&c, &s[0], &m), CIM_OK);
    assert_int_equal(cim_analog_events(&c, &s[0], &m, &a[0], &ev), CIM_OK);
    NEAR(ev.xbar_reads, 48);             /* 16 positions x 3 reads x 1 column tile */
    NEAR(ev.conversions, 288);           /* x 6 columns */
    NEAR(ev.sh_ns, 16 * 3 * (6 * 2) * 4.0); /* 6 columns x 2 rounds x t_conv 4 ns */
    NEAR(ev.wordlines, 25);
    NEAR(ev.cells_lrs, 60);
    NEAR(ev.cells_hrs, 25 * 6 - 60);
    /* (288 accumulates + 16 x 6 x 3 post adds) x 8 bits + 16 x adder tree(16) = 26 FAs */
    NEAR(ev.fa_ops, (288 + 288) * 8 + 16 * 26);
    NEAR(ev.reg_bits, 288 * 8);
    NEAR(ev.buffer_bits, 16 * 9 + 6 * 4 * 1);
    NEAR(ev.instructions, 16 * 4);
    assert_int_equal(cim_analog_map(&c, &s[1], &m), CIM_OK);
    assert_int_equal(cim_analog_events(&c, &s[1], &m, &a[1], &ev), CIM_OK);
    NEAR(ev.xbar_reads, 4 * 5 * 2);
    NEAR(ev.conversions, 4 * 5 * 18);
    NEAR(ev.sh_ns, 4 * 5 * (16 * 4 + 2 * 1) * 4.0);
    NEAR(ev.wordlines, 30 * 2);
    NEAR(ev.cells_hrs, 30 * 18 - 100);
    /* + 2 unmapped filters x 4 positions; adder tree over 18 -> 32 inputs = 57 FAs */
    NEAR(ev.fa_ops, (360 + 4 * 18 * 3 + 4 * 2) * 8 + 4 * 57);
    NEAR(ev.buffer_bits, 4 * 18 + 20 * 4 * 32);
    NEAR(ev.instructions, 4 * 6);
    a[1].images = 0;
    assert_int_equal(cim_analog_events(&c, &s[1], &m, &a[1], &ev), CIM_ERR_RANGE);
}

static void test_analog_energy_toy_by_hand(void **state)
{
    (void)state;
    CimAnalogCfg c;
    CimTechCfg t;
    CimAnalogShape s[2];
    CimAnalogActivity a[2];
    CimAnalogMap m;
    CimAnalogEvents ev;
    CimAnalogEnergy e;
    toy_cfg(&c, &t);
    toy_shapes(s);
    toy_acts(a);
    assert_int_equal(cim_analog_map(&c, &s[0], &m), CIM_OK);
    assert_int_equal(cim_analog_events(&c, &s[0], &m, &a[0], &ev), CIM_OK);
    cim_analog_energy(&c, &t, &ev, &e);
    /* LRS 0.15^2 / 10 kohm x 10 ns = 0.0225 pJ; HRS 0.000225 pJ; bit line 16 x 0.27 fJ */
    NEAR(e.pj[CIM_AC_CELLS], 60 * 0.0225 + 90 * 0.000225 + 288 * 16 * 0.27e-3);
    /* word line 16 x 3.24 fJ + DAC 3.9 uW x 10 ns */
    NEAR(e.pj[CIM_AC_DAC], 25 * (16 * 3.24e-3 + 0.039));
    NEAR(e.pj[CIM_AC_ADC], 288 * (8.4483 * 3 + 65.243) * 4e-3);
    NEAR(e.pj[CIM_AC_SH], 9.7 * 2304 * 1e-6);
    NEAR(e.pj[CIM_AC_SHIFT_ADD], 5024 * 32.4e-3 + 2304 * 9.72e-3);
    NEAR(e.pj[CIM_AC_BUFFER], 168 * 81e-3);
    NEAR(e.pj[CIM_AC_CONTROL], 64 * 3.2);
    assert_true(e.pj[CIM_AC_WRITE] == 0 && e.pj[CIM_AC_LEAKAGE] == 0);
    double sum = 0;
    for (int k = 0; k < CIM_AC_COUNT; k++)
        sum += e.pj[k];
    NEAR(e.total_pj, sum);
}

static void test_analog_latency_and_leakage_toy(void **state)
{
    (void)state;
    CimAnalogCfg c;
    CimTechCfg t;
    CimAnalogShape s[2];
    CimAnalogMap m;
    toy_cfg(&c, &t);
    toy_shapes(s);
    assert_int_equal(cim_analog_map(&c, &s[0], &m), CIM_OK);
    /* 16 x (3 reads x (t_read 10 + 2 rounds x 4 ns) + t_shift_add 5.76) */
    NEAR(cim_analog_latency_ns(&c, &t, &m), 16 * (3 * (10 + 2 * 4) + 5.76));
    assert_int_equal(cim_analog_map(&c, &s[1], &m), CIM_OK);
    NEAR(cim_analog_latency_ns(&c, &t, &m), 4 * (4 * (10 + 4 * 4) + 5.76));
    /* (2.7 uW x 5 crossbars + 10.3 uW) x 1000 ns */
    NEAR(cim_analog_leakage_pj(&t, 5, 1000), (2.7 * 5 + 10.3) * 1.0);
}

static void test_analog_area_by_hand(void **state)
{
    (void)state;
    CimAnalogCfg c;
    CimTechCfg t;
    CimAnalogArea a;
    toy_cfg(&c, &t);
    cim_analog_area(&c, &t, 5, &a);
    NEAR(a.um2[CIM_AC_CELLS], 5 * 16 * 16 * 1.5552);
    NEAR(a.um2[CIM_AC_DAC], 5 * 16 * (25 + 0.166));
    NEAR(a.um2[CIM_AC_ADC], 5 * (4 * 842 * 6.89472 + 16 * 2 * 6.89472));
    NEAR(a.um2[CIM_AC_SH], 5 * 16 * 0.039);
    NEAR(a.um2[CIM_AC_SHIFT_ADD], 5 * 8 * (4 * 40 + 16 * 25));
    NEAR(a.um2[CIM_AC_WRITE], 5 * 16 * 80);
    NEAR(a.um2[CIM_AC_BUFFER], 8192 * 4.65);
    NEAR(a.um2[CIM_AC_CONTROL], 100000);
    assert_true(a.um2[CIM_AC_LEAKAGE] == 0);
    c.adc.share = 1; /* no mux, one ADC per column */
    cim_analog_area(&c, &t, 1, &a);
    NEAR(a.um2[CIM_AC_ADC], 16 * 842 * 6.89472);
}

static void test_analog_net_cost_toy_totals(void **state)
{
    (void)state;
    CimAnalogCfg c;
    CimTechCfg t;
    CimAnalogShape s[2];
    CimAnalogActivity a[2];
    CimAnalogLayerCost lc[2];
    CimAnalogCost cost;
    toy_cfg(&c, &t);
    toy_shapes(s);
    toy_acts(a);
    assert_int_equal(cim_analog_net_cost(&c, &t, s, a, 2, lc, &cost), CIM_OK);
    assert_int_equal(cost.crossbars, 5);
    assert_int_equal(cost.macs, 16 * 9 * 6 + 4 * 18 * 20);
    assert_int_equal(lc[1].macs, 4 * 18 * 20);
    double lat = 16 * (3 * 18 + 5.76) + 4 * (4 * 26 + 5.76);
    NEAR(cost.latency_ns, lat);
    NEAR(cost.energy.pj[CIM_AC_LEAKAGE], (2.7 * 5 + 10.3) * lat * 1e-3);
    NEAR(cost.energy.pj[CIM_AC_ADC], (288 + 360) * (8.4483 * 3 + 65.243) * 4e-3);
    NEAR(cost.energy.total_pj, lc[0].energy.total_pj + lc[1].energy.total_pj + cost.energy.pj[CIM_AC_LEAKAGE]);
    NEAR(cost.ev.conversions, 288 + 360);
    double sum = 0;
    for (int k = 0; k < CIM_AC_COUNT; k++)
        sum += cost.area.um2[k];
    NEAR(cost.area.total_um2, sum);
    NEAR(cost.area.um2[CIM_AC_CELLS], 5 * 256 * 1.5552);
    s[1].out_w = 3;
    assert_int_equal(cim_analog_net_cost(&c, &t, s, a, 2, NULL, &cost), CIM_ERR_RANGE);
}

static void test_analog_assumed_activity(void **state)
{
    (void)state;
    CimAnalogCfg c;
    CimTechCfg t;
    CimAnalogShape s[2];
    CimAnalogMap m;
    CimAnalogActivity a;
    toy_cfg(&c, &t);
    toy_shapes(s);
    assert_int_equal(cim_analog_map(&c, &s[0], &m), CIM_OK);
    cim_analog_assume_activity(&c, &m, &a);
    NEAR(a.driven_elems, 0.5 * 16 * 9);
    NEAR(a.lrs_reads, 0.5 * 72 * 6);
    assert_int_equal(a.images, 1);
    c.xbar.cells_per_weight = 2;
    cim_analog_assume_activity(&c, &m, &a);
    NEAR(a.driven_elems, 16 * 9);
    CimAnalogCost with_null, with_assumed;
    toy_cfg(&c, &t);
    CimAnalogActivity acts[2];
    for (int i = 0; i < 2; i++) {
        assert_int_equal(cim_analog_map(&c, &s[i], &m), CIM_OK);
        cim_analog_assume_activity(&c, &m, &acts[i]);
    }
    assert_int_equal(cim_analog_net_cost(&c, &t, s, NULL, 2, NULL, &with_null), CIM_OK);
    assert_int_equal(cim_analog_net_cost(&c, &t, s, acts, 2, NULL, &with_assumed), CIM_OK);
    NEAR(with_null.energy.total_pj, with_assumed.energy.total_pj);
}

static void test_analog_component_names(void **state)
{
    (void)state;
    assert_string_equal(cim_analog_comp_name(CIM_AC_CELLS), "cells");
    assert_string_equal(cim_analog_comp_name(CIM_AC_ADC), "adc");
    assert_string_equal(cim_analog_comp_name(CIM_AC_SH), "sample_hold");
    assert_string_equal(cim_analog_comp_name(CIM_AC_LEAKAGE), "leakage");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_analog_adc_energy_matches_anchor_table),
        cmocka_unit_test(test_analog_adc_area_and_walden),
        cmocka_unit_test(test_analog_dac_energy_and_area_double_per_bit),
        cmocka_unit_test(test_analog_lossless_bits),
        cmocka_unit_test(test_analog_adc_read_clips_at_full_scale),
        cmocka_unit_test(test_analog_adc_read_rounds_half_up_with_wide_lsb),
        cmocka_unit_test(test_analog_map_toy),
        cmocka_unit_test(test_analog_map_rejects_bad_shapes),
        cmocka_unit_test(test_analog_events_toy),
        cmocka_unit_test(test_analog_energy_toy_by_hand),
        cmocka_unit_test(test_analog_latency_and_leakage_toy),
        cmocka_unit_test(test_analog_area_by_hand),
        cmocka_unit_test(test_analog_net_cost_toy_totals),
        cmocka_unit_test(test_analog_assumed_activity),
        cmocka_unit_test(test_analog_component_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
