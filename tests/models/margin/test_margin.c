/* Margin analysis: Monte Carlo bit-error rates agree with the analytic ones within a
 * stated tolerance, errors appear as R_off/R_on shrinks or the spread grows, and exact
 * devices give zero errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>

#include "models/margin/margin.h"

static CimChipCfg chip(void)
{
    CimChipCfg c;
    cim_cfg_defaults(&c);
    c.array.rows = 64;
    c.array.cols = 64;
    return c;
}

/* |mc - analytic| within 5 binomial standard deviations (plus 3 counts of slack for
 * tiny rates): a fair coin test that fails only if the model or the integral is wrong. */
static void assert_agree(const char *name, uint64_t err, uint64_t n, double p)
{
    double mean = p * (double)n, sd = sqrt((double)n * p * (1 - p));
    if (fabs((double)err - mean) > 5 * sd + 3) {
        fprintf(stderr, "%s: Monte Carlo %llu/%llu vs analytic %.4e (expected %.1f +- %.1f)\n", name,
                (unsigned long long)err, (unsigned long long)n, p, mean, sd);
        fail();
    }
}

static void test_margin_monte_carlo_matches_analytic_with_errors(void **state)
{
    (void)state;
    CimChipCfg c = chip();
    c.tech.device.r_off_ohm = 3 * c.tech.device.r_on_ohm; /* narrow window */
    c.tech.device.sigma_ln_on = 0.25;
    c.tech.device.sigma_ln_off = 0.35;
    c.tech.device.read_noise_rel = 0.05;
    c.tech.device.stuck_at_0_rate = 0.002;
    c.tech.device.stuck_at_1_rate = 0.001;
    c.tech.device.write_fail_prob = 0.2;
    c.write.max_pulses = 2;
    CimMarginReport rep;
    assert_int_equal(cim_margin_run(&c, 300000, 123, NULL, NULL, &rep), CIM_OK);
    int rows_with_errors = 0;
    for (int i = 0; i < CIM_MARGIN_ROWS; i++) {
        assert_agree(rep.rows[i].name, rep.rows[i].mc_errors, rep.rows[i].mc_samples, rep.rows[i].ber_analytic);
        rows_with_errors += rep.rows[i].ber_analytic > 1e-3;
    }
    assert_true(rows_with_errors >= 4); /* the test really exercises error rates */
    /* Here verify reads misread often, which the analytic write rate leaves out: the
     * Monte Carlo write rate must come out higher. */
    assert_true(rep.write.mc_errors > rep.write.mc_samples * rep.write.ber_analytic);
}

static void test_margin_write_rate_matches_analytic_when_reads_are_reliable(void **state)
{
    (void)state;
    CimChipCfg c = chip(); /* default devices: read errors far below 1e-9 */
    c.tech.device.write_fail_prob = 0.3;
    c.tech.device.stuck_at_0_rate = 0.01;
    c.tech.device.stuck_at_1_rate = 0.005;
    c.write.max_pulses = 3;
    CimMarginReport rep;
    assert_int_equal(cim_margin_run(&c, 300000, 77, NULL, NULL, &rep), CIM_OK);
    assert_true(rep.write.ber_analytic > 0.01);
    assert_agree("write", rep.write.mc_errors, rep.write.mc_samples, rep.write.ber_analytic);
    c.write.verify = 0; /* one pulse, no read-back */
    assert_int_equal(cim_margin_run(&c, 300000, 78, NULL, NULL, &rep), CIM_OK);
    assert_int_equal(rep.write.max_pulses, 1);
    assert_agree("write, verify off", rep.write.mc_errors, rep.write.mc_samples, rep.write.ber_analytic);
}

static void test_margin_exact_devices_give_zero_errors(void **state)
{
    (void)state;
    CimChipCfg c = chip();
    c.tech.device.sigma_ln_on = c.tech.device.sigma_ln_off = c.tech.device.read_noise_rel = 0;
    c.tech.device.write_fail_prob = 0;
    CimMarginReport rep;
    assert_int_equal(cim_margin_run(&c, 50000, 1, NULL, NULL, &rep), CIM_OK);
    for (int i = 0; i < CIM_MARGIN_ROWS; i++) {
        assert_true(rep.rows[i].ber_analytic == 0);
        assert_int_equal(rep.rows[i].mc_errors, 0);
        assert_true(rep.rows[i].mc_samples >= 50000);
        assert_true(rep.rows[i].margin_rel > 0.49 && rep.rows[i].margin_rel < 0.51);
    }
    assert_int_equal(rep.write.mc_errors, 0);
}

static double worst_ber(const CimChipCfg *c)
{
    CimMarginReport rep;
    cim_margin_analytic(c, &rep);
    double w = 0;
    for (int i = 0; i < CIM_MARGIN_ROWS; i++)
        w = fmax(w, rep.rows[i].ber_analytic);
    return w;
}

static void test_margin_errors_grow_as_window_shrinks_or_spread_grows(void **state)
{
    (void)state;
    CimChipCfg c = chip();
    double prev = -1;
    const double ratios[] = {100, 20, 8, 4, 2.5};
    for (int i = 0; i < 5; i++) {
        c.tech.device.r_off_ohm = ratios[i] * c.tech.device.r_on_ohm;
        double b = worst_ber(&c);
        assert_true(b >= prev);
        prev = b;
    }
    assert_true(prev > 1e-3);
    c = chip();
    prev = -1;
    const double sigmas[] = {0.05, 0.2, 0.4, 0.6, 0.8};
    for (int i = 0; i < 5; i++) {
        c.tech.device.sigma_ln_on = sigmas[i];
        double b = worst_ber(&c);
        assert_true(b >= prev);
        prev = b;
    }
    assert_true(prev > 1e-3);
}

static void test_margin_tail_probability_against_closed_form(void **state)
{
    (void)state;
    /* One cell, no noise: P(V G >= x) = P(Z <= ln(V g0 / x) / sigma) in closed form. */
    CimChipCfg c = chip();
    c.tech.device.read_noise_rel = 0;
    c.tech.device.sigma_ln_on = 0.3;
    double g0 = 1 / c.tech.device.r_on_ohm, v = c.tech.device.v_read_v;
    double x = 0.5 * v * g0, z = log(v * g0 / x) / 0.3;
    double want = 0.5 * erfc(-z / sqrt(2.0));
    assert_true(fabs(cim_margin_p_above(&c, x, 1, -1) - want) < 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_margin_monte_carlo_matches_analytic_with_errors),
        cmocka_unit_test(test_margin_write_rate_matches_analytic_when_reads_are_reliable),
        cmocka_unit_test(test_margin_exact_devices_give_zero_errors),
        cmocka_unit_test(test_margin_errors_grow_as_window_shrinks_or_spread_grows),
        cmocka_unit_test(test_margin_tail_probability_against_closed_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
