/* Host processor model: cycles, energy and time of hand-counted work (every operation kind
 * moves only its own key), bytes in whole words, and the host file (it loads, equals the
 * documented defaults, refuses bad values naming the key). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/host/host.h"

#define HOST_FILE "configs/baselines/cortex_m4f.yaml"

static void near(double a, double b, int line)
{
    if (!(fabs(a - b) <= 1e-12 * (fabs(b) + 1e-15)))
        fail_msg("line %d: got %.15g, want %.15g", line, a, b);
}
#define NEAR(a, b) near((double)(a), (double)(b), __LINE__)

/* The example of host.h: 10 MACs, 4 ops, 16 bytes on the defaults -> 42 cycles. */
static void test_host_cost_hand_example(void **state)
{
    (void)state;
    CimHostCfg h;
    cim_host_cfg_defaults(&h);
    CimHostWork w = {.fp32_macs = 10, .fp32_ops = 4, .bytes = 16};
    CimHostCost c;
    cim_host_cost(&h, &w, &c);
    NEAR(c.cycles, 10 * 3 + 4 * 1 + 4 * 2);
    NEAR(c.energy_pj, 42 * 300.0);
    NEAR(c.latency_ns, 42 / 80.0 * 1000);
    /* 17 bytes take 5 words */
    w.bytes = 17;
    cim_host_cost(&h, &w, &c);
    NEAR(c.cycles, 30 + 4 + 5 * 2);
}

/* Each kind of work is charged its own cycles key and no other. */
static void test_host_each_kind_its_key(void **state)
{
    (void)state;
    CimHostCfg h;
    cim_host_cfg_defaults(&h);
    h.cycles = (CimHostCyclesCfg){.fp32_mac = 2, .fp32_op = 3, .fp32_div = 5, .fp32_sqrt = 7, .int_op = 11,
                                  .load_store = 13, .word_bytes = 8};
    h.core.energy_per_cycle_pj = 0.5;
    h.core.clock_mhz = 1000;
    const double want[6] = {2, 3, 5, 7, 11, 13};
    for (int k = 0; k < 6; k++) {
        CimHostWork w = {0};
        double *f[6] = {&w.fp32_macs, &w.fp32_ops, &w.fp32_divs, &w.fp32_sqrts, &w.int_ops, &w.bytes};
        *f[k] = k == 5 ? 8 : 1; /* one word */
        CimHostCost c;
        cim_host_cost(&h, &w, &c);
        NEAR(c.cycles, want[k]);
        NEAR(c.energy_pj, want[k] * 0.5);
        NEAR(c.latency_ns, want[k]);
    }
    CimHostWork a = {1, 2, 3, 4, 5, 6}, b = {10, 20, 30, 40, 50, 60};
    cim_host_work_add(&a, &b);
    NEAR(a.fp32_macs, 11);
    NEAR(a.fp32_ops, 22);
    NEAR(a.fp32_divs, 33);
    NEAR(a.fp32_sqrts, 44);
    NEAR(a.int_ops, 55);
    NEAR(a.bytes, 66);
}

static void test_host_file_equals_defaults(void **state)
{
    (void)state;
    CimDiag d;
    cim_diag_init(&d);
    CimHostCfg f, def;
    memset(&f, 0, sizeof f);
    memset(&def, 0, sizeof def);
    assert_int_equal(cim_host_cfg_load(HOST_FILE, NULL, &f, &d), CIM_OK);
    cim_host_cfg_defaults(&def);
    assert_memory_equal(&f, &def, sizeof f);
    assert_string_equal(f.name, "cortex_m4f");
    NEAR(f.core.energy_per_cycle_pj, 300);
    NEAR(f.cycles.fp32_div, 14);
    assert_int_equal(cim_host_cfg_check(HOST_FILE, &d), CIM_OK);
    cim_diag_free(&d);
}

static void test_host_bad_values_name_the_key(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        {"host.core.clock_mhz=0", "host.core.clock_mhz"},
        {"host.core.energy_per_cycle_pj=-1", "host.core.energy_per_cycle_pj"},
        {"host.cycles.word_bytes=0", "host.cycles.word_bytes"},
        {"host.cycles.word_bytes=65", "host.cycles.word_bytes"},
        {"host.cycles.fp32_mac=0", "host.cycles.fp32_mac"},
        {"host.cycles.bogus=1", "bogus"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CimDiag d;
        cim_diag_init(&d);
        CimHostCfg h;
        const char *items[] = {bad[i][0]};
        CimOverrides ov = {.items = items, .n = 1};
        assert_int_not_equal(cim_host_cfg_load(HOST_FILE, &ov, &h, &d), CIM_OK);
        char line[400];
        cim_diag_format(&d, 0, line, sizeof line);
        if (!strstr(line, bad[i][1]))
            fail_msg("%s: %s", bad[i][0], line);
        cim_diag_free(&d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_cost_hand_example),
        cmocka_unit_test(test_host_each_kind_its_key),
        cmocka_unit_test(test_host_file_equals_defaults),
        cmocka_unit_test(test_host_bad_values_name_the_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
