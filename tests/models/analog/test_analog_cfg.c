/* The analogue baseline file (configs/baselines/analog_180nm.yaml): it loads and equals the
 * schema defaults, every key is documented in docs/energy.md, overrides work, and malformed
 * files are rejected at the right line and column with the loader's messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/text_files.h"
#include "models/analog/analog.h"

#define ANALOG_FILE "configs/baselines/analog_180nm.yaml"
#define GPU_FILE "configs/baselines/rtx4090.yaml"

static char g_dir[64];
static char *g_text;

/* The default file with old replaced by new_text, written to the scratch dir. */
static const char *variant(const char *name, const char *old, const char *new_text)
{
    static char path[128];
    const char *at = strstr(g_text, old);
    assert_non_null(at);
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(g_text, 1, (size_t)(at - g_text), f);
    fputs(new_text, f);
    fputs(at + strlen(old), f);
    fclose(f);
    return path;
}

/* 1-based line and column of needle in the variant's text (old replaced by new_text). */
static void pos_in_variant(const char *old, const char *new_text, const char *needle, unsigned *line, unsigned *col)
{
    const char *at = strstr(g_text, old);
    size_t pre = (size_t)(at - g_text);
    const char *hit = strstr(new_text, needle);
    assert_non_null(hit);
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < pre; i++) {
        *line += g_text[i] == '\n';
        *col = g_text[i] == '\n' ? 1 : *col + 1;
    }
    for (const char *p = new_text; p < hit; p++) {
        *line += *p == '\n';
        *col = *p == '\n' ? 1 : *col + 1;
    }
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/dcim_analog_cfg_XXXXXX");
    g_text = test_read_text(ANALOG_FILE);
    return mkdtemp(g_dir) && g_text ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    free(g_text);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_analog_cfg_file_equals_defaults(void **state)
{
    (void)state;
    CimDiag d;
    CimAnalogCfg loaded, def;
    cim_diag_init(&d);
    memset(&loaded, 0xA5, sizeof loaded);
    assert_int_equal(cim_analog_cfg_load(ANALOG_FILE, NULL, &loaded, &d), CIM_OK);
    assert_int_equal(d.n, 0);
    cim_analog_cfg_defaults(&def);
    assert_memory_equal(&loaded, &def, sizeof def);
    assert_string_equal(def.name, "analog_180nm");
    assert_int_equal(def.xbar.rows, 256);
    assert_int_equal(def.xbar.rows_active, 128);
    assert_int_equal(def.xbar.cells_per_weight, 1);
    assert_int_equal(def.xbar.pruned_filters, CIM_ANALOG_PRUNED_SKIP);
    assert_int_equal(def.adc.model, CIM_ADC_NEUROSIM_SAR);
    assert_int_equal(def.adc.bits, 8);
    assert_int_equal(def.adc.share, 8);
    assert_true(def.adc.sar_uw_per_bit == 8.4483 && def.adc.sar_uw_fixed == 65.243);
    assert_int_equal(def.dac.bits, 1);
    assert_int_equal(def.digital.accumulator_bits, 16);
    assert_int_equal(cim_analog_cfg_check(ANALOG_FILE, &d), CIM_OK);
    cim_diag_free(&d);
}

/* Every key of the baseline files appears in docs/energy.md as `key` or in a dotted path. */
static void check_documented(const char *yaml)
{
    char *text = test_read_text(yaml), *docs = test_read_text("docs/energy.md");
    assert_non_null(text);
    assert_non_null(docs);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *p = line + strspn(line, " "), key[80];
        size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
        if (n == 0 || p[n] != ':' || n + 3 > sizeof key)
            continue;
        static const char *const forms[] = {"`%.*s`", ".%.*s`", "`%.*s.", ".%.*s."};
        int found = 0;
        for (size_t f = 0; f < 4 && !found; f++) {
            snprintf(key, sizeof key, forms[f], (int)n, p);
            found = strstr(docs, key) != NULL;
        }
        if (!found)
            fail_msg("docs/energy.md: key '%.*s' of %s is not documented", (int)n, p, yaml);
    }
    free(text);
    free(docs);
}

static void test_analog_cfg_docs_list_every_key(void **state)
{
    (void)state;
    check_documented(ANALOG_FILE);
    check_documented(GPU_FILE);
}

/* Loads the variant and checks its first error: position of needle and message. */
static void expect_error(const char *old, const char *new_text, const char *needle, const char *msg)
{
    CimDiag d;
    CimAnalogCfg c;
    unsigned line, col;
    cim_diag_init(&d);
    const char *path = variant("bad.yaml", old, new_text);
    assert_int_equal(cim_analog_cfg_load(path, NULL, &c, &d), CIM_ERR_CONFIG);
    assert_true(d.n >= 1);
    if (strcmp(d.v[0].msg, msg) != 0)
        fail_msg("got '%s', want '%s'", d.v[0].msg, msg);
    assert_string_equal(d.v[0].file, path);
    if (needle) {
        pos_in_variant(old, new_text, needle, &line, &col);
        assert_int_equal(d.v[0].line, line);
        assert_int_equal(d.v[0].col, col);
    }
    cim_diag_free(&d);
}

static void test_analog_cfg_bad_values_are_reported_where_they_are(void **state)
{
    (void)state;
    expect_error("bits: 8", "bits: 0", "0", "analog.adc.bits must be in [1, 16], got 0");
    expect_error("share: 8", "share: 3", "3", "analog.adc.share must be a power of two in [1, 4096], got 3");
    expect_error("cells_per_weight: 1", "cells_per_weight: 3", "3",
                 "analog.crossbar.cells_per_weight must be in [1, 2], got 3");
    expect_error("model: neurosim_sar", "model: sar", "sar",
                 "unknown value 'sar' for analog.adc.model; expected one of: neurosim_sar, walden");
    expect_error("pruned_filters: skip", "pruned_filters: drop", "drop",
                 "unknown value 'drop' for analog.crossbar.pruned_filters; expected one of: skip, map");
    expect_error("cycle_ns: 1", "cycle_ns: 0", "0", "analog.adc.cycle_ns must be > 0, got 0");
    expect_error("power_nw: 9.7", "power_nw: -1", "-1", "analog.sample_hold.power_nw must be >= 0, got -1");
    expect_error("bits: 8", "bits: \"8\"", "\"8\"",
                 "analog.adc.bits must be an integer, got the quoted string '8' (numbers and booleans are written without quotes)");
}

static void test_analog_cfg_cross_key_rules(void **state)
{
    (void)state;
    /* 200 elements x 2 rows > 256 rows */
    expect_error("rows_active: 128            # filter elements summed per read (one ADC conversion)\n"
                 "    cells_per_weight: 1",
                 "rows_active: 200\n    cells_per_weight: 2", "200",
                 "analog.crossbar.rows_active x analog.crossbar.cells_per_weight (2) must be at most "
                 "analog.crossbar.rows (256), got 200");
    expect_error("share: 8", "share: 512", "512", "analog.adc.share must be at most analog.crossbar.cols (256), got 512");
}

static void test_analog_cfg_structure_errors(void **state)
{
    (void)state;
    expect_error("    bits: 8\n", "    bits: 8\n    bitz: 8\n", "bitz",
                 "unknown key 'bitz' in 'analog.adc'; expected one of: source, model, bits, share, lsb_cells, "
                 "cycle_ns, sar_uw_per_bit, sar_uw_fixed, sar_transistors_fixed, sar_transistors_per_bit, "
                 "transistor_area_f2, walden_fom_fj, walden_area_um2, mux_transistors_per_column; did you mean 'bits'?");
    expect_error("    lsb_cells: 1                # 1 LSB = 1 unit-cell current: codes clip at 2^bits - 1 cells\n", "",
                 NULL, "missing key 'lsb_cells' in 'analog.adc'");
    expect_error("analog:", "analogue:", "analogue", "unknown key 'analogue' at top level; expected one of: analog; did you mean 'analog'?");
}

static void test_analog_cfg_reports_every_error(void **state)
{
    (void)state;
    CimDiag d;
    CimAnalogCfg c;
    cim_diag_init(&d);
    const char *path = variant("two.yaml", "bits: 8\n    share: 8", "bits: 99\n    share: 6");
    assert_int_equal(cim_analog_cfg_load(path, NULL, &c, &d), CIM_ERR_CONFIG);
    assert_int_equal(d.errors, 2);
    assert_non_null(strstr(d.v[1].msg, "analog.adc.share must be a power of two"));
    cim_diag_free(&d);
    cim_diag_init(&d);
    assert_int_equal(cim_analog_cfg_load("no/such/analog.yaml", NULL, &c, &d), CIM_ERR_IO);
    assert_non_null(strstr(d.v[0].msg, "cannot read file"));
    cim_diag_free(&d);
    cim_diag_init(&d);
    assert_int_equal(cim_analog_cfg_load(GPU_FILE, NULL, &c, &d), CIM_ERR_CONFIG);
    assert_string_equal(d.v[0].msg, "unknown key 'gpu' at top level; expected one of: analog");
    cim_diag_free(&d);
}

static void test_analog_cfg_overrides(void **state)
{
    (void)state;
    const char *items[] = {"analog.adc.bits=5", "analog.crossbar.cells_per_weight=2", "analog.adc.model=walden"};
    CimOverrides ov = {items, 3};
    CimDiag d;
    CimAnalogCfg c;
    cim_diag_init(&d);
    assert_int_equal(cim_analog_cfg_load(ANALOG_FILE, &ov, &c, &d), CIM_OK);
    assert_int_equal(c.adc.bits, 5);
    assert_int_equal(c.xbar.cells_per_weight, 2);
    assert_int_equal(c.adc.model, CIM_ADC_WALDEN);
    const char *bad[] = {"analog.adc.bits=0", "chip.array.rows=128", "analog.crossbar.rows_active=4096"};
    CimOverrides ovb = {bad, 3};
    assert_int_equal(cim_analog_cfg_load(ANALOG_FILE, &ovb, &c, &d), CIM_ERR_CONFIG);
    assert_true(d.errors >= 3);
    int saw_root = 0;
    for (size_t i = 0; i < d.n; i++)
        saw_root |= strstr(d.v[i].msg, "unknown key 'chip' at top level; expected one of: analog") != NULL;
    assert_true(saw_root);
    cim_diag_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_analog_cfg_file_equals_defaults),
        cmocka_unit_test(test_analog_cfg_docs_list_every_key),
        cmocka_unit_test(test_analog_cfg_bad_values_are_reported_where_they_are),
        cmocka_unit_test(test_analog_cfg_cross_key_rules),
        cmocka_unit_test(test_analog_cfg_structure_errors),
        cmocka_unit_test(test_analog_cfg_reports_every_error),
        cmocka_unit_test(test_analog_cfg_overrides),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
