/* The JSON report (--json and stats.json): each chip layer lists the original indices of
 * its pruned filters, not only how many there are. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/report/progress.h"
#include "workloads/report/report.h"

/* The report of a two-image run: a chip layer of 6 filters (1, 4 and 5 pruned), a chip
 * layer with none pruned, a host layer. Parsed back from cim_report_print_json. */
static json_t *report_of(const uint8_t *pruned)
{
    static CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    CimRunReport r = {.status = CIM_RUN_COMPLETE, .images = 2, .cfg = &cfg, .clock_mhz = 100};
    cim_energy_table(&cfg, &r.etable);
    CimReportLayer layers[3] = {
        {.name = "conv1", .where = CIM_WHERE_CHIP, .filters = 6, .live = 3, .pruned = pruned},
        {.name = "conv2", .where = CIM_WHERE_CHIP, .filters = 4, .live = 4},
        {.name = "fc1", .where = CIM_WHERE_HOST, .filters = 10, .live = 10},
    };
    r.layers = layers;
    r.nlayers = 3;
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(cim_report_print_json(&r, f), CIM_OK);
    rewind(f);
    json_error_t err;
    json_t *o = json_loadf(f, 0, &err);
    fclose(f);
    if (!o)
        fail_msg("report JSON does not parse: %s", err.text);
    return o;
}

static void test_report_json_lists_pruned_filter_indices(void **state)
{
    (void)state;
    const uint8_t pruned[6] = {0, 1, 0, 0, 1, 1};
    json_t *o = report_of(pruned);
    json_t *layers = json_object_get(o, "layers");
    json_t *p0 = json_object_get(json_array_get(layers, 0), "pruned_filters");
    assert_true(json_is_array(p0));
    assert_int_equal(json_array_size(p0), 3);
    assert_int_equal(json_integer_value(json_array_get(p0, 0)), 1);
    assert_int_equal(json_integer_value(json_array_get(p0, 1)), 4);
    assert_int_equal(json_integer_value(json_array_get(p0, 2)), 5);
    json_t *p1 = json_object_get(json_array_get(layers, 1), "pruned_filters");
    assert_true(json_is_array(p1)); /* present and empty when nothing is pruned */
    assert_int_equal(json_array_size(p1), 0);
    assert_null(json_object_get(json_array_get(layers, 2), "pruned_filters")); /* host layer */
    json_decref(o);
}

/* The bar's line for done of total after `elapsed` seconds, stderr not a terminal. */
static void bar_line(uint64_t done, uint64_t total, double elapsed, char *buf, size_t n)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    CimProgressBar b;
    cim_progress_bar_init(&b, "clouds", 1);
    b.out = f;
    b.tty = 0;
    b.t0 = cim_clock_s() - elapsed;
    cim_progress_bar_update(&b, done, total, NULL);
    rewind(f);
    assert_non_null(fgets(buf, (int)n, f));
    fclose(f);
}

static void test_progress_rate_keeps_slow_work_visible(void **state)
{
    (void)state;
    char line[256];
    bar_line(1, 4, 4.0, line, sizeof line); /* 0.25 clouds per second (a little less on a slow
                                               machine), not "0/s" */
    assert_non_null(strstr(line, "  0.2"));
    assert_non_null(strstr(line, "/s  ETA 0:1"));
    bar_line(400, 800, 0.1, line, sizeof line); /* about 4000 per second: no decimals */
    const char *r = strstr(line, "/s  ETA");
    assert_non_null(r);
    while (r > line && r[-1] != ' ')
        r--;
    assert_null(memchr(r, '.', (size_t)(strstr(r, "/s") - r)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_json_lists_pruned_filter_indices),
        cmocka_unit_test(test_progress_rate_keeps_slow_work_visible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
