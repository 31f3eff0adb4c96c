/* Energy and area accounting: per-event energies by hand, each event's energy from the
 * tech key events.def names, totals equal the sum of their breakdown, the periphery area
 * block by block, and an array operation's energy from its counted events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/array/array.h"

static int close_to(double a, double b) { return fabs(a - b) <= 1e-12 * fabs(b); }

/* The energy table of configs/chip/default.yaml with `key` set to `value`. */
static void table_with(const char *key, const char *value, CimEnergyTable *t, CimChipCfg *c)
{
    char set[128];
    snprintf(set, sizeof set, "%s=%s", key, value);
    const char *sets[1] = {set};
    CimOverrides ov = {sets, 1};
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_cfg_load_chip("configs/chip/default.yaml", &ov, c, &d);
    cim_diag_print(&d, stderr);
    cim_diag_free(&d);
    assert_int_equal(st, CIM_OK);
    cim_energy_table(c, t);
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && strcmp(s + n - k, tail) == 0;
}

static void test_energy_table_hand_computed(void **state)
{
    (void)state;
    CimChipCfg c;
    cim_cfg_defaults(&c);
    c.tech.device.v_read_v = 0.2;
    c.tech.device.r_on_ohm = 10e3;
    c.tech.device.r_off_ohm = 1e6;
    c.tech.timing.t_read_ns = 10;
    c.tech.energy.wl_per_cell_fj = 2;
    c.array.cols = 128;
    CimEnergyTable t;
    cim_energy_table(&c, &t);
    /* 0.2^2 / 10k * 10 ns = 40 fJ; HRS: 0.4 fJ; word line 128 * 2 fJ */
    assert_true(fabs(t.pj[CIM_EV_CELL_LRS] - 0.040) < 1e-12);
    assert_true(fabs(t.pj[CIM_EV_CELL_HRS] - 0.0004) < 1e-12);
    assert_true(fabs(t.pj[CIM_EV_WL_ROW] - 0.256) < 1e-12);
}

/* Each event's energy follows the tech key its events.def row names, and only that key:
 * doubling an energy key doubles the event's energy, doubling a resistance halves it, no
 * other event moves, and the key's unit suffix matches the scale (fJ: x 1e-3 per cell
 * spanned, pJ: x 1 per cell spanned). */
static void test_energy_each_event_follows_its_tech_key(void **state)
{
    (void)state;
    for (int i = 0; i < CIM_EV_COUNT; i++) {
        const char *key = cim_event_info((CimEventId)i)->tech_key;
        int ohm = ends_with(key, "_ohm"), fj = ends_with(key, "_fj");
        assert_true(ohm || fj || ends_with(key, "_pj"));
        CimEnergyTable a, b;
        CimChipCfg c;
        table_with(key, ohm ? "200000" : "3", &a, &c);
        table_with(key, ohm ? "400000" : "6", &b, &c);
        for (int j = 0; j < CIM_EV_COUNT; j++)
            if (j != i && a.pj[j] != b.pj[j])
                fail_msg("changing %s (event %s) moved event %s", key, cim_event_info((CimEventId)i)->name,
                         cim_event_info((CimEventId)j)->name);
        assert_true(close_to(b.pj[i], a.pj[i] * (ohm ? 0.5 : 2.0)));
        if (ohm) {
            assert_true(close_to(a.pj[i], cim_cell_read_pj(&c.tech, 200000)));
        } else {
            double per = a.pj[i] / (fj ? 3e-3 : 3.0);
            assert_true(close_to(per, 1) || close_to(per, c.array.cols) || close_to(per, c.array.rows));
        }
    }
}

/* V^2 / R x t_read, the digital chip's and the analogue baseline's cell read. */
static void test_cell_read_energy_is_joule_heating(void **state)
{
    (void)state;
    CimChipCfg c;
    cim_cfg_defaults(&c);
    c.tech.device.v_read_v = 0.2;
    c.tech.timing.t_read_ns = 10;
    assert_true(close_to(cim_cell_read_pj(&c.tech, 10e3), 0.04)); /* 4 uW x 10 ns */
    c.tech.timing.t_read_ns = 20;
    assert_true(close_to(cim_cell_read_pj(&c.tech, 1e6), 0.0008));
}

/* Rounded up to a power of two: 3 inputs take the 4-input tree (2x1 + 1x2). */
static void test_adder_tree_rounds_inputs_up_to_a_power_of_two(void **state)
{
    (void)state;
    assert_int_equal(cim_adder_tree_full_adders(1), 0);
    assert_int_equal(cim_adder_tree_full_adders(2), 1);
    assert_int_equal(cim_adder_tree_full_adders(3), 4);
    assert_int_equal(cim_adder_tree_full_adders(4), 4);
    assert_int_equal(cim_adder_tree_full_adders(5), 11); /* 4x1 + 2x2 + 1x3 */
    assert_int_equal(cim_adder_tree_full_adders(8), 11);
    assert_int_equal(cim_adder_tree_full_adders(256), 502); /* sum over l of 256/2^l x l */
}

/* The periphery's blocks: counts from the geometry, areas from the per-unit areas, and the
 * macros' sum is cim_area_compute's periphery, exactly. */
static void test_area_periph_blocks_sum_to_the_periphery(void **state)
{
    (void)state;
    CimChipCfg c;
    cim_cfg_defaults(&c);
    c.array.cols = 128;
    c.periph.counter_bits = 9;
    c.periph.shift_add_bits = 24;
    CimPeriphArea p;
    CimAreaBreakdown a;
    cim_area_periph(&c, &p);
    cim_area_compute(&c, &a);
    assert_int_equal(p.counter_bits, 128 * 9);
    assert_int_equal(p.tree_full_adders, cim_adder_tree_full_adders(128));
    assert_int_equal(p.shift_add_full_adders, 24);
    assert_int_equal(p.output_register_bits, 128);
    assert_int_equal(p.accumulator_bits, 24);
    const CimAreaCfg *t = &c.tech.area;
    assert_true(close_to(p.counters_um2, 128 * 9 * t->counter_bit_um2));
    assert_true(close_to(p.tree_um2 + p.shift_add_um2, (double)(p.tree_full_adders + 24) * t->full_adder_um2));
    assert_true(close_to(p.output_register_um2 + p.accumulator_um2, (128 + 24) * t->register_bit_um2));
    assert_true(close_to(p.total_um2, p.counters_um2 + p.tree_um2 + p.shift_add_um2 + p.output_register_um2 +
                                          p.accumulator_um2));
    assert_true(a.um2[CIM_COMP_PERIPH] == c.macros * p.total_um2);
}

static void test_energy_total_is_sum_of_breakdown(void **state)
{
    (void)state;
    CimChipCfg c;
    cim_cfg_defaults(&c);
    CimEnergyTable t;
    cim_energy_table(&c, &t);
    CimEvents ev;
    for (int i = 0; i < CIM_EV_COUNT; i++)
        ev.n[i] = (uint64_t)(1000 + 37 * i);
    CimEnergyBreakdown b;
    cim_energy_compute(&c, &t, &ev, 12345, &b);
    double sum = 0, dyn = 0;
    for (int k = 0; k < CIM_COMP_COUNT; k++)
        sum += b.pj[k];
    for (int i = 0; i < CIM_EV_COUNT; i++)
        dyn += (double)ev.n[i] * t.pj[i];
    assert_true(fabs(b.total_pj - sum) <= 1e-9 * sum);
    assert_true(fabs(b.total_pj - b.pj[CIM_COMP_LEAKAGE] - dyn) <= 1e-9 * dyn);
    /* leakage: uW x cycles / MHz */
    double leak = (c.tech.energy.leakage_per_macro_uw * c.macros + c.tech.energy.leakage_control_uw) * 12345 / c.clock_mhz;
    assert_true(fabs(b.pj[CIM_COMP_LEAKAGE] - leak) <= 1e-9 * (leak + 1));
}

static void test_area_total_is_sum_and_cells_scale(void **state)
{
    (void)state;
    CimChipCfg c;
    cim_cfg_defaults(&c);
    CimAreaBreakdown a1, a2;
    cim_area_compute(&c, &a1);
    double sum = 0;
    for (int k = 0; k < CIM_COMP_COUNT; k++)
        sum += a1.um2[k];
    assert_true(fabs(a1.total_um2 - sum) <= 1e-9 * sum);
    assert_true(a1.um2[CIM_COMP_LEAKAGE] == 0);
    double cells = (double)c.macros * c.array.rows * c.array.cols * c.tech.area.cell_um2;
    double wl = (double)c.macros * c.array.rows * c.tech.area.wl_driver_um2;
    assert_true(fabs(a1.um2[CIM_COMP_ARRAY] - cells - wl) <= 1e-6 * cells);
    c.macros *= 2;
    cim_area_compute(&c, &a2);
    assert_true(fabs(a2.um2[CIM_COMP_SENSE] - 2 * a1.um2[CIM_COMP_SENSE]) <= 1e-9 * a2.um2[CIM_COMP_SENSE]);
    assert_true(a2.um2[CIM_COMP_CONTROL] == a1.um2[CIM_COMP_CONTROL]);
}

static void test_energy_of_a_dual_read_from_its_events(void **state)
{
    (void)state;
    CimChipCfg c;
    cim_cfg_defaults(&c);
    c.array.rows = 16;
    c.array.cols = 64;
    CimArray *a = NULL;
    assert_int_equal(cim_array_create(&c, 0, NULL, &a), CIM_OK);
    uint64_t r0[1] = {0xFFFF}, r1[1] = {0xFF}, out[1];
    cim_array_write_row(a, 0, r0, NULL, NULL);
    cim_array_write_row(a, 1, r1, NULL, NULL);
    cim_array_reset_counts(a);
    cim_array_dual_read(a, 0, 1, CIM_OP_AND, cim_array_all_cols(a), out);
    CimEnergyTable t;
    cim_energy_table(&c, &t);
    CimEnergyBreakdown b;
    cim_energy_compute(&c, &t, cim_array_events(a), 0, &b);
    double want_array = 24 * t.pj[CIM_EV_CELL_LRS] + 104 * t.pj[CIM_EV_CELL_HRS] + 2 * t.pj[CIM_EV_WL_ROW] +
                        64 * t.pj[CIM_EV_BL_COL];
    assert_true(fabs(b.pj[CIM_COMP_ARRAY] - want_array) <= 1e-12 * want_array);
    assert_true(fabs(b.pj[CIM_COMP_SENSE] - 64 * t.pj[CIM_EV_SENSE]) <= 1e-15);
    assert_true(fabs(b.pj[CIM_COMP_PERIPH] - 64 * t.pj[CIM_EV_REG_BIT]) <= 1e-15);
    cim_array_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_energy_table_hand_computed),
        cmocka_unit_test(test_energy_each_event_follows_its_tech_key),
        cmocka_unit_test(test_cell_read_energy_is_joule_heating),
        cmocka_unit_test(test_adder_tree_rounds_inputs_up_to_a_power_of_two),
        cmocka_unit_test(test_area_periph_blocks_sum_to_the_periphery),
        cmocka_unit_test(test_energy_total_is_sum_of_breakdown),
        cmocka_unit_test(test_area_total_is_sum_and_cells_scale),
        cmocka_unit_test(test_energy_of_a_dual_read_from_its_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
