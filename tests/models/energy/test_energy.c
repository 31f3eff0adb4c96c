/* Energy and area accounting: per-event energies by hand, totals equal the sum of their
 * breakdown, and an array operation's energy from its counted events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "models/array/array.h"

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
        cmocka_unit_test(test_energy_total_is_sum_of_breakdown),
        cmocka_unit_test(test_area_total_is_sum_and_cells_scale),
        cmocka_unit_test(test_energy_of_a_dual_read_from_its_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
