/* Unit tests of models/config: the default files, overrides, every kind of error the
 * loader reports (STYLE.md section 3) and robustness against malformed input. Run from
 * the repository root: files are named relative to it. Scratch files go to a temp dir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/text_files.h"
#include "models/config/config.h"

#define CHIP_FILE "configs/chip/default.yaml"
#define TECH_FILE "configs/tech/180nm_1t1r.yaml"

/* ---- scratch files ------------------------------------------------------- */

static char g_dir[64];
static char g_written[128][128];
static size_t g_nwritten;
static char *g_chip_text; /* default chip file, tech: pointing at the repo's tech file */
static char *g_tech_text; /* default tech file */

/* Writes len bytes into the scratch dir; returns the path (static storage). */
static const char *write_bytes(const char *name, const char *data, size_t len)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    size_t i;
    for (i = 0; i < g_nwritten; i++)
        if (strcmp(g_written[i], path) == 0)
            break;
    if (i == g_nwritten) {
        assert_true(g_nwritten < sizeof g_written / sizeof g_written[0]);
        memcpy(g_written[g_nwritten++], path, sizeof path);
    }
    FILE *f = fopen(g_written[i], "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    return g_written[i];
}

static const char *write_text(const char *name, const char *text) { return write_bytes(name, text, strlen(text)); }

/* The default chip file with old replaced by new, written as name. */
static const char *chip_variant(const char *name, const char *old, const char *new_text)
{
    char *t = test_subst(g_chip_text, old, new_text);
    const char *p = write_text(name, t);
    free(t);
    return p;
}

static const char *tech_variant(const char *name, const char *old, const char *new_text)
{
    char *t = test_subst(g_tech_text, old, new_text);
    const char *p = write_text(name, t);
    free(t);
    return p;
}

static int setup(void **state)
{
    (void)state;
    if (access(CHIP_FILE, R_OK) != 0) {
        fprintf(stderr, "test_config: run from the repository root (%s not found)\n", CHIP_FILE);
        return -1;
    }
    snprintf(g_dir, sizeof g_dir, "/tmp/cim_cfg_XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    char *chip = test_read_text(CHIP_FILE), tech_abs[4096];
    g_tech_text = test_read_text(TECH_FILE);
    if (!chip || !g_tech_text || !getcwd(tech_abs, sizeof tech_abs - 64))
        return -1;
    strcat(tech_abs, "/" TECH_FILE);
    g_chip_text = test_subst(chip, "../tech/180nm_1t1r.yaml", tech_abs);
    free(chip);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < g_nwritten; i++)
        unlink(g_written[i]);
    rmdir(g_dir);
    free(g_chip_text);
    free(g_tech_text);
    return 0;
}

/* ---- diagnostics helpers ------------------------------------------------- */

/* The message of diag entry i, after "error: " / "note: ". */
static const char *msg_of(const CimDiag *d, size_t i)
{
    assert_true(i < d->n);
    return d->v[i].msg;
}

/* Loads a chip file, expects CIM_ERR_CONFIG and that the first error contains part. */
static void expect_chip_error(const char *path, const char *part, unsigned line, unsigned col)
{
    CimDiag d;
    CimChipCfg c;
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_load_chip(path, NULL, &c, &d), CIM_ERR_CONFIG);
    assert_true(d.errors >= 1);
    if (!strstr(msg_of(&d, 0), part))
        fail_msg("first error '%s' lacks '%s'", msg_of(&d, 0), part);
    assert_int_equal(d.v[0].sev, CIM_SEV_ERROR);
    if (line) {
        assert_int_equal(d.v[0].line, line);
        assert_int_equal(d.v[0].col, col);
    }
    cim_diag_free(&d);
}

static void expect_tech_error(const char *path, const char *part)
{
    CimDiag d;
    CimTechCfg t;
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_load_tech(path, NULL, &t, &d), CIM_ERR_CONFIG);
    if (d.n == 0 || !strstr(msg_of(&d, 0), part))
        fail_msg("first error '%s' lacks '%s'", d.n ? msg_of(&d, 0) : "(none)", part);
    cim_diag_free(&d);
}

/* ---- default files ------------------------------------------------------- */

/* extends works for every kind: a chip file that changes two keys of the default chip; the
 * base's tech path stays relative to the base (configs/chip/), normalised. */
static void test_cfg_chip_extends_the_default(void **state)
{
    (void)state;
    char text[4200], cwd[4000];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(text, sizeof text, "extends: %s/" CHIP_FILE "\nchip:\n  name: small\n  array: {rows: 128}\n", cwd);
    CimChipCfg c, def;
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_load_chip(write_text("small.yaml", text), NULL, &c, &d), CIM_OK);
    assert_int_equal(d.n, 0);
    assert_int_equal(cim_cfg_load_chip(CHIP_FILE, NULL, &def, &d), CIM_OK);
    assert_string_equal(c.name, "small");
    assert_int_equal(c.array.rows, 128);
    assert_int_equal(c.array.cols, def.array.cols); /* merged: the base's */
    assert_int_equal(c.macros, def.macros);
    char want[4100];
    snprintf(want, sizeof want, "%s/configs/tech/180nm_1t1r.yaml", cwd);
    assert_string_equal(c.tech_path, want);
    /* chip files keep every key required: without extends, the two keys are not enough */
    assert_int_equal(cim_cfg_load_chip(write_text("small.yaml", "chip:\n  name: small\n  array: {rows: 128}\n"), NULL,
                                       &c, &d),
                     CIM_ERR_CONFIG);
    cim_diag_free(&d);
}

/* A chip file without the optional group chip.mapping gets the default policy, every key's
 * default stored (replicate none is the value 1, not 0, which is auto). */
static void test_cfg_optional_group_left_out_takes_defaults(void **state)
{
    (void)state;
    CimDiag d;
    CimChipCfg c, def;
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_load_chip("rtl/cosim/chip_small.yaml", NULL, &c, &d), CIM_OK);
    cim_cfg_defaults(&def);
    assert_int_equal(c.mapping.replicate, CIM_MAP_REPLICATE_NONE);
    assert_memory_equal(&c.mapping, &def.mapping, sizeof c.mapping);
    cim_diag_free(&d);
}

static void test_cfg_defaults_files_load_and_equal_defaults(void **state)
{
    (void)state;
    CimDiag d;
    CimChipCfg loaded, def;
    struct stat a, b;
    cim_diag_init(&d);
    memset(&loaded, 0xA5, sizeof loaded);
    assert_int_equal(cim_cfg_load_chip(CHIP_FILE, NULL, &loaded, &d), CIM_OK);
    assert_int_equal(d.n, 0);
    cim_cfg_defaults(&def);
    assert_string_equal(loaded.tech_path, "configs/tech/180nm_1t1r.yaml"); /* resolved and normalised */
    assert_int_equal(stat(loaded.tech_path, &a), 0);
    assert_int_equal(stat(def.tech_path, &b), 0);
    assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    assert_string_equal(loaded.name, def.name);
    assert_true(loaded.clock_mhz == def.clock_mhz);
    assert_int_equal(loaded.macros, def.macros);
    assert_int_equal(loaded.buffer_kib, def.buffer_kib);
    assert_memory_equal(&loaded.array, &def.array, sizeof def.array);
    assert_memory_equal(&loaded.periph, &def.periph, sizeof def.periph);
    assert_memory_equal(&loaded.sense, &def.sense, sizeof def.sense);
    assert_memory_equal(&loaded.write, &def.write, sizeof def.write);
    assert_memory_equal(&loaded.physics, &def.physics, sizeof def.physics);
    assert_string_equal(loaded.tech.name, def.tech.name);
    assert_true(loaded.tech.node_nm == def.tech.node_nm);
    assert_memory_equal(&loaded.tech.device, &def.tech.device, sizeof def.tech.device);
    assert_memory_equal(&loaded.tech.timing, &def.tech.timing, sizeof def.tech.timing);
    assert_memory_equal(&loaded.tech.energy, &def.tech.energy, sizeof def.tech.energy);
    assert_memory_equal(&loaded.tech.area, &def.tech.area, sizeof def.tech.area);
    /* and nothing else differs, padding included */
    memcpy(loaded.tech_path, def.tech_path, sizeof def.tech_path);
    assert_memory_equal(&loaded, &def, sizeof def);
    cim_diag_free(&d);
}

static void test_cfg_defaults_match_documented_values(void **state)
{
    (void)state;
    CimChipCfg c;
    cim_cfg_defaults(&c);
    assert_int_equal(c.array.rows, 256);
    assert_int_equal(c.array.cols, 256);
    assert_int_equal(c.macros, 8);
    assert_true(c.clock_mhz == 100.0);
    assert_int_equal(c.buffer_kib, 64);
    assert_int_equal(c.periph.counter_bits, 10);
    assert_int_equal(c.periph.counter_overflow, CIM_OVERFLOW_WRAP);
    assert_int_equal(c.periph.shift_add_bits, 32);
    assert_true(c.sense.ref_read_frac == 0.5 && c.sense.ref_low_frac == 0.5 && c.sense.ref_high_frac == 0.5);
    assert_int_equal(c.write.verify, 1);
    assert_int_equal(c.write.max_pulses, 8);
    assert_int_equal(c.physics.enabled, 0);
    assert_int_equal(c.physics.seed, 1);
    assert_true(c.tech.device.r_on_ohm == 1e4 && c.tech.device.r_off_ohm == 1e6);
    assert_true(c.tech.device.write_fail_prob == 6.1e-6);
    assert_true(c.tech.area.cell_um2 == 1.5552);
    assert_true(c.tech.energy.set_pulse_pj == 3.0);
}

static void test_cfg_tech_file_loads_alone(void **state)
{
    (void)state;
    CimDiag d;
    CimTechCfg t;
    CimChipCfg def;
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_load_tech(TECH_FILE, NULL, &t, &d), CIM_OK);
    cim_cfg_defaults(&def);
    assert_memory_equal(&t, &def.tech, sizeof t);
    cim_diag_free(&d);
}

static void test_cfg_check_accepts_both_kinds(void **state)
{
    (void)state;
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_check(CHIP_FILE, &d), CIM_OK);
    assert_int_equal(cim_cfg_check(TECH_FILE, &d), CIM_OK);
    assert_int_equal(d.n, 0);
    cim_diag_free(&d);
}

/* ---- generated key tables ------------------------------------------------- */

/* The markdown of cim_cfg_write_table(s); free it. */
static char *table_of(const CimCfgSchema *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    cim_cfg_write_table(s, f);
    fclose(f);
    return buf;
}

/* Every column derived from the row: the range as the error message states it, defaults
 * and choices quoted, '|' escaped, groups and optional groups marked. */
static void test_cfg_write_table_rows(void **state)
{
    (void)state;
    char *t = table_of(&cim_cfg_schema_chip);
    assert_true(strncmp(t, "| Key | Type | Range | Unit | Default | Choices | Description |\n|---|---|---|---|---|---|---|\n"
                           "| `chip` | group | | | | | ", 100) == 0);
    assert_non_null(strstr(t, "\n| `chip.array.rows` | integer | [8, 4096] | cells | `256` | | "));
    assert_non_null(strstr(t, "\n| `chip.periphery.counter_overflow` | choice | | | `wrap` | `wrap`, `saturate` | "));
    assert_non_null(strstr(t, "\n| `chip.physics.seed` | integer | [0, 18446744073709551615] | | `1` | | "));
    assert_non_null(strstr(t, "\n| `chip.name` | string | 1 to 63 characters | | `default` | | "));
    free(t);
    typedef struct {
        int has;
        char path[CIM_PATH_MAX];
        double x;
    } Mini;
    const CimCfgKey keys[] = {
        CIM_CFG_GROUP("m", "mini"),
        {"m.opt", CIM_CFG_MAP, CIM_CFG_OPTIONAL, 0, 0, "", offsetof(Mini, has), NULL, NULL, "optional"},
        {"m.opt.path", CIM_CFG_PATH, CIM_CFG_EMPTY_OK, 0, 0, "", offsetof(Mini, path), "", NULL, "a | b"},
        {"m.x", CIM_CFG_DOUBLE, CIM_CFG_ANY, 0, 0, "um^2", offsetof(Mini, x), NULL, NULL, "any"},
    };
    const CimCfgSchema mini = {.root = "m", .keys = keys, .n = 4, .size = sizeof(Mini)};
    char why[200];
    assert_int_equal(cim_cfg_schema_verify(&mini, why, sizeof why), 0);
    t = table_of(&mini);
    assert_non_null(strstr(t, "\n| `m.opt` | optional group | | | | | optional |\n"));
    assert_non_null(strstr(t, "\n| `m.opt.path` | path | `\"\"` or 1 to 511 characters | | `\"\"` | | a \\| b |\n"));
    assert_non_null(strstr(t, "\n| `m.x` | number | a finite number | um^2 | | | any |\n"));
    free(t);
}

/* ---- overrides ----------------------------------------------------------- */

static void test_cfg_override_replaces_values(void **state)
{
    (void)state;
    const char *items[] = {"chip.array.rows=128", "tech.device.sigma_ln_on=0.3",
                           "chip.periphery.counter_overflow=saturate", "chip.physics.seed=18446744073709551615",
                           "chip.name=tuned"};
    CimOverrides ov = {.items = items, .n = 5};
    CimDiag d;
    CimChipCfg c;
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_load_chip(CHIP_FILE, &ov, &c, &d), CIM_OK);
    assert_int_equal(c.array.rows, 128);
    assert_int_equal(c.array.cols, 256);
    assert_true(c.tech.device.sigma_ln_on == 0.3);
    assert_int_equal(c.periph.counter_overflow, CIM_OVERFLOW_SATURATE);
    assert_true(c.physics.seed == UINT64_MAX);
    assert_string_equal(c.name, "tuned");
    cim_diag_free(&d);
}

static void test_cfg_override_inserts_missing_key(void **state)
{
    (void)state;
    const char *path = chip_variant("no_cols.yaml", "    cols: 256\n", "");
    const char *items[] = {"chip.array.cols=64"};
    CimOverrides ov = {.items = items, .n = 1};
    CimDiag d;
    CimChipCfg c;
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_load_chip(path, &ov, &c, &d), CIM_OK);
    assert_int_equal(c.array.cols, 64);
    cim_diag_free(&d);
}

static void test_cfg_override_bad_value_names_override(void **state)
{
    (void)state;
    const char *items[] = {"chip.array.rows=5000"};
    CimOverrides ov = {.items = items, .n = 1};
    CimDiag d;
    CimChipCfg c;
    char line[512];
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_load_chip(CHIP_FILE, &ov, &c, &d), CIM_ERR_CONFIG);
    cim_diag_format(&d, 0, line, sizeof line);
    assert_string_equal(line, "<override>: error: chip.array.rows must be in [8, 4096], "
                              "got 5000 (override 'chip.array.rows=5000')");
    cim_diag_free(&d);
}

static void test_cfg_override_bad_paths_reported(void **state)
{
    (void)state;
    const char *items[] = {"chip.array.rowz=3", "noequals", "chip.array=3", "x.y=1", "chip.name.x=1", "=5"};
    CimOverrides ov = {.items = items, .n = 6};
    CimDiag d;
    CimChipCfg c;
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_load_chip(CHIP_FILE, &ov, &c, &d), CIM_ERR_CONFIG);
    assert_int_equal(d.errors, 6);
    assert_string_equal(d.v[0].file, "<override>");
    assert_true(test_diag_has(&d, "unknown key 'rowz' in 'chip.array'; expected one of: rows, cols", 0));
    assert_true(test_diag_has(&d, "not of the form key.path=value", 0));
    assert_true(test_diag_has(&d, "'chip.array' is a group of keys, not a value", 0));
    assert_true(test_diag_has(&d, "unknown key 'x' at top level; expected one of: chip, tech", 0));
    assert_true(test_diag_has(&d, "'chip.name' is a value, not a group of keys", 0));
    cim_diag_free(&d);
}

static void test_cfg_override_chip_key_rejected_for_tech_file(void **state)
{
    (void)state;
    const char *items[] = {"chip.macros=2"};
    CimOverrides ov = {.items = items, .n = 1};
    CimDiag d;
    CimTechCfg t;
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_load_tech(TECH_FILE, &ov, &t, &d), CIM_ERR_CONFIG);
    assert_true(test_diag_has(&d, "unknown key 'chip' at top level; expected one of: tech", 0));
    cim_diag_free(&d);
}

static void test_cfg_failed_load_leaves_output_untouched(void **state)
{
    (void)state;
    const char *path = chip_variant("bad_rows.yaml", "rows: 256", "rows: 5000");
    CimDiag d;
    CimChipCfg c, before;
    memset(&c, 0x5A, sizeof c);
    memcpy(&before, &c, sizeof c);
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_load_chip(path, NULL, &c, &d), CIM_ERR_CONFIG);
    assert_memory_equal(&c, &before, sizeof c);
    cim_diag_free(&d);
}

/* ---- one test per kind of error ------------------------------------------ */

static void test_cfg_unknown_key_lists_valid_keys(void **state)
{
    (void)state;
    const char *p = chip_variant("rowz.yaml", "rows: 256", "rowz: 256");
    expect_chip_error(p, "unknown key 'rowz' in 'chip.array'; expected one of: rows, cols", 10, 5);
}

static void test_cfg_wrong_type_shows_value(void **state)
{
    (void)state;
    expect_chip_error(chip_variant("abc.yaml", "rows: 256", "rows: abc"),
                      "chip.array.rows must be an integer, got 'abc'", 10, 11);
    expect_chip_error(chip_variant("float.yaml", "rows: 256", "rows: 256.0"), "must be an integer", 0, 0);
    expect_chip_error(chip_variant("hex.yaml", "rows: 256", "rows: 0x100"), "must be an integer", 0, 0);
    expect_chip_error(chip_variant("quoted.yaml", "rows: 256", "rows: \"256\""), "quoted string '256'", 0, 0);
    expect_chip_error(chip_variant("nan.yaml", "clock_mhz: 100", "clock_mhz: nan"),
                      "chip.clock_mhz must be a number, got 'nan'", 0, 0);
    expect_chip_error(chip_variant("unit.yaml", "clock_mhz: 100", "clock_mhz: 100MHz"), "must be a number", 0, 0);
    expect_chip_error(chip_variant("emptyval.yaml", "macros: 8", "macros:"),
                      "chip.macros must be an integer, got an empty value", 0, 0);
}

static void test_cfg_out_of_range_is_rejected_not_clamped(void **state)
{
    (void)state;
    expect_chip_error(chip_variant("pow2.yaml", "buffer_port_bits: 64", "buffer_port_bits: 48"),
                      "chip.controller.buffer_port_bits must be a power of two in [8, 4096], got 48", 27, 23);
    expect_chip_error(chip_variant("small.yaml", "rows: 256", "rows: 7"), "chip.array.rows must be in [8, 4096], got 7",
                      10, 11);
    expect_chip_error(chip_variant("big.yaml", "cols: 256", "cols: 8192"), "must be in [8, 4096], got 8192", 0, 0);
    expect_chip_error(chip_variant("neg.yaml", "macros: 8", "macros: -3"), "chip.macros must be in [1, 1024], got -3", 0, 0);
    expect_chip_error(chip_variant("huge.yaml", "macros: 8", "macros: 99999999999999999999999"),
                      "must be in [1, 1024], got 99999999999999999999999", 0, 0);
    expect_chip_error(chip_variant("clk.yaml", "clock_mhz: 100", "clock_mhz: 0"), "chip.clock_mhz must be in (0, 10000], got 0", 0, 0);
    expect_chip_error(chip_variant("clk2.yaml", "clock_mhz: 100", "clock_mhz: 1e999"), "must be in (0, 10000], got 1e999", 0, 0);
    expect_chip_error(chip_variant("frac.yaml", "ref_high_frac: 0.5", "ref_high_frac: 0"), "chip.sense.ref_high_frac must be in (0, 1), got 0", 0, 0);
    expect_chip_error(chip_variant("pulses.yaml", "max_pulses: 8", "max_pulses: 1001"), "chip.write.max_pulses must be in [1, 1000]", 0, 0);
    expect_chip_error(chip_variant("sab.yaml", "shift_add_bits: 32", "shift_add_bits: 7"), "must be in [8, 64], got 7", 0, 0);
    expect_chip_error(chip_variant("buf.yaml", "buffer_kib: 64", "buffer_kib: 1048577"), "must be in [1, 1048576], got 1048577", 0, 0);
    expect_chip_error(chip_variant("seed.yaml", "seed: 1", "seed: 18446744073709551616"),
                      "chip.physics.seed must be in [0, 18446744073709551615], got 18446744073709551616", 0, 0);
}

static void test_cfg_missing_key_reported_at_parent(void **state)
{
    (void)state;
    /* array: is on line 9; its mapping starts with its first key, rows, at 10:5 */
    expect_chip_error(chip_variant("nocols.yaml", "    cols: 256\n", ""), "missing key 'cols' in 'chip.array'", 10, 5);
    expect_chip_error(chip_variant("nophys.yaml", "  physics:\n    enabled: false\n    seed: 1\n", ""),
                      "missing key 'physics' in 'chip'", 4, 3);
}

static void test_cfg_duplicate_key_error_and_note(void **state)
{
    (void)state;
    const char *p = chip_variant("dup.yaml", "cols: 256", "cols: 256\n    rows: 128");
    CimDiag d;
    CimChipCfg c;
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_load_chip(p, NULL, &c, &d), CIM_ERR_CONFIG);
    assert_int_equal(d.errors, 1);
    assert_string_equal(msg_of(&d, 0), "duplicate key 'rows' in 'chip.array'");
    assert_int_equal(d.v[0].line, 12);
    assert_int_equal(d.v[1].sev, CIM_SEV_NOTE);
    assert_int_equal(d.v[1].line, 10);
    assert_int_equal(d.v[1].col, 5);
    cim_diag_free(&d);
}

static void test_cfg_syntax_error_has_context(void **state)
{
    (void)state;
    const char *p = chip_variant("syntax.yaml", "    cols: 256", "   cols: 256");
    CimDiag d;
    CimChipCfg c;
    char line[512], want[512];
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_load_chip(p, NULL, &c, &d), CIM_ERR_CONFIG);
    cim_diag_format(&d, 0, line, sizeof line);
    snprintf(want, sizeof want, "%s:11:4: error: did not find expected key (while parsing a block mapping, started at 4:3)", p);
    assert_string_equal(line, want);
    cim_diag_free(&d);
}

static void test_cfg_enum_and_bool_list_choices(void **state)
{
    (void)state;
    expect_chip_error(chip_variant("enum.yaml", "counter_overflow: wrap ", "counter_overflow: clamp "),
                      "unknown value 'clamp' for chip.periphery.counter_overflow; expected one of: wrap, saturate", 0, 0);
    expect_chip_error(chip_variant("bool.yaml", "verify: true", "verify: yes"),
                      "chip.write.verify must be true or false, got 'yes'", 0, 0);
    expect_chip_error(chip_variant("bool2.yaml", "enabled: false", "enabled: False"), "must be true or false", 0, 0);
    expect_chip_error(chip_variant("bool3.yaml", "enabled: false", "enabled: 0"), "must be true or false", 0, 0);
}

static void test_cfg_device_pair_rules(void **state)
{
    (void)state;
    expect_tech_error(tech_variant("roff.yaml", "r_off_ohm: 1000000", "r_off_ohm: 10000"),
                      "tech.device.r_off_ohm must be greater than tech.device.r_on_ohm (10000), got 10000");
    expect_tech_error(tech_variant("stuck.yaml", "stuck_at_0_rate: 0\n    stuck_at_1_rate: 0",
                                   "stuck_at_0_rate: 0.25\n    stuck_at_1_rate: 0.8"),
                      "tech.device.stuck_at_0_rate + tech.device.stuck_at_1_rate must be at most 1, got 0.25 + 0.8");
    char *t = test_subst(g_tech_text, "stuck_at_0_rate: 0", "stuck_at_0_rate: 0.5");
    char *t2 = test_subst(t, "stuck_at_1_rate: 0", "stuck_at_1_rate: 0.5");
    CimDiag d;
    CimTechCfg tc;
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_load_tech(write_text("stuck_ok.yaml", t2), NULL, &tc, &d), CIM_OK);
    cim_diag_free(&d);
    free(t);
    free(t2);
}

static void test_cfg_tech_ranges(void **state)
{
    (void)state;
    expect_tech_error(tech_variant("p.yaml", "write_fail_prob: 6.1e-6", "write_fail_prob: 1.01"),
                      "tech.device.write_fail_prob must be in [0, 1], got 1.01");
    expect_tech_error(tech_variant("s.yaml", "sigma_ln_on: 0.1", "sigma_ln_on: -0.1"), "tech.device.sigma_ln_on must be in [0, 5]");
    expect_tech_error(tech_variant("r.yaml", "r_on_ohm: 10000", "r_on_ohm: 0"), "tech.device.r_on_ohm must be > 0, got 0");
    expect_tech_error(tech_variant("e.yaml", "set_pulse_pj: 3", "set_pulse_pj: 0"), "tech.energy.set_pulse_pj must be > 0");
    expect_tech_error(tech_variant("l.yaml", "leakage_per_macro_uw: 2.7", "leakage_per_macro_uw: -1"),
                      "tech.energy.leakage_per_macro_uw must be >= 0, got -1");
    CimDiag d;
    CimTechCfg tc;
    cim_diag_init(&d);
    const char *zero = tech_variant("leak0.yaml", "leakage_per_macro_uw: 2.7", "leakage_per_macro_uw: 0");
    assert_int_equal(cim_cfg_load_tech(zero, NULL, &tc, &d), CIM_OK);
    assert_true(tc.energy.leakage_per_macro_uw == 0.0);
    cim_diag_free(&d);
}

static void test_cfg_tech_group_needs_source(void **state)
{
    (void)state;
    const char *p = tech_variant("nosrc.yaml", "    source: \"[source] t_read", "    # \"[source] t_read");
    expect_tech_error(p, "missing key 'source' in 'tech.timing'");
    expect_tech_error(tech_variant("nosrc2.yaml", "  source: \"180 nm", "  # \"180 nm"), "missing key 'source' in 'tech'");
    expect_tech_error(tech_variant("srcmap.yaml", "    source: \"[derived] C*VDD", "    source: {a: 1}\n    x: \""),
                      "tech.energy.source must be a string, got a mapping");
}

/* A chip whose tech file is bad: the errors name the tech file, then a note points at the
 * chip file's tech: line. */
static void test_cfg_tech_errors_name_tech_file_with_note(void **state)
{
    (void)state;
    tech_variant("badtech.yaml", "r_on_ohm: 10000", "r_on_ohm: -1");
    char *abs = strstr(g_chip_text, "tech: ") + 6;
    size_t n = strcspn(abs, "\n");
    char old[4096];
    snprintf(old, sizeof old, "%.*s", (int)n, abs);
    const char *chip = chip_variant("usebad.yaml", old, "badtech.yaml");
    CimDiag d;
    CimChipCfg c;
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_load_chip(chip, NULL, &c, &d), CIM_ERR_CONFIG);
    assert_int_equal(d.errors, 1);
    assert_non_null(strstr(d.v[0].file, "/badtech.yaml"));
    assert_string_equal(d.v[0].msg, "tech.device.r_on_ohm must be > 0, got -1");
    assert_int_equal(d.v[1].sev, CIM_SEV_NOTE);
    assert_string_equal(d.v[1].file, chip);
    assert_int_equal(d.v[1].line, 5);
    assert_string_equal(d.v[1].msg, "tech file selected here");
    cim_diag_free(&d);
}

static void test_cfg_bad_tech_path_reported_in_chip_file(void **state)
{
    (void)state;
    char *abs = strstr(g_chip_text, "tech: ") + 6;
    char old[4096];
    snprintf(old, sizeof old, "%.*s", (int)strcspn(abs, "\n"), abs);
    const char *chip = chip_variant("nopath.yaml", old, "does/not/exist.yaml");
    expect_chip_error(chip, "cannot read tech file '", 5, 9);
    expect_chip_error(chip, "/does/not/exist.yaml': ", 5, 9);
}

static void test_cfg_missing_file_is_io_error(void **state)
{
    (void)state;
    CimDiag d;
    CimChipCfg c;
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_load_chip("no/such/file.yaml", NULL, &c, &d), CIM_ERR_IO);
    assert_int_equal(cim_cfg_check("no/such/file.yaml", &d), CIM_ERR_IO);
    assert_string_equal(d.v[0].file, "no/such/file.yaml");
    assert_true(test_diag_has(&d, "cannot read file", 0));
    cim_diag_free(&d);
}

static void test_cfg_check_rejects_unknown_kind(void **state)
{
    (void)state;
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_check(write_text("kind.yaml", "chipp:\n  name: x\n"), &d), CIM_ERR_CONFIG);
    assert_string_equal(msg_of(&d, 0), "unknown key 'chipp' at top level; expected one of: chip, tech; did you mean 'chip'?");
    cim_diag_free(&d);
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_check(write_text("seqtop.yaml", "- chip\n- tech\n"), &d), CIM_ERR_CONFIG);
    assert_string_equal(msg_of(&d, 0), "the top level must be a mapping with the key 'chip' or 'tech', got a sequence");
    cim_diag_free(&d);
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_check(write_text("emptymap.yaml", "{}\n"), &d), CIM_ERR_CONFIG);
    assert_true(test_diag_has(&d, "missing key 'chip' or 'tech' at top level", 0));
    cim_diag_free(&d);
}

static CimStatus fake_check(const char *path, CimDiag *diag)
{
    (void)path;
    (void)diag;
    return CIM_ERR_RANGE;
}

/* A caller's table of kinds: the file's top-level key picks the checker; a file of none of
 * them lists every kind, in table order. */
static void test_cfg_check_kinds_dispatches_and_lists_all(void **state)
{
    (void)state;
    const CimCfgKind kinds[] = {
        {.key = "chip", .check = cim_cfg_check_chip, .schema = &cim_cfg_schema_chip},
        {.key = "network", .check = fake_check, .schema = NULL},
    };
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_check_kinds(write_text("k.yaml", "network: {}\n"), kinds, 2, &d), CIM_ERR_RANGE);
    assert_int_equal(cim_cfg_check_kinds(CHIP_FILE, kinds, 2, &d), CIM_OK);
    assert_int_equal(cim_cfg_check_kinds(write_text("k.yaml", "netwrk: {}\n"), kinds, 2, &d), CIM_ERR_CONFIG);
    assert_string_equal(msg_of(&d, 0), "unknown key 'netwrk' at top level; expected one of: chip, network; did you mean 'network'?");
    assert_int_equal(cim_cfg_check_kinds(write_text("k.yaml", ""), kinds, 2, &d), CIM_ERR_CONFIG);
    assert_string_equal(msg_of(&d, 1), "file is empty; expected a mapping with a 'chip' or 'network' key");
    assert_int_equal(cim_cfg_check_kinds(write_text("k.yaml", "[1]\n"), kinds, 2, &d), CIM_ERR_CONFIG);
    assert_string_equal(msg_of(&d, 2), "the top level must be a mapping with the key 'chip' or 'network', got a sequence");
    cim_diag_free(&d);
    char buf[64];
    const CimCfgSchema *roots[] = {&cim_cfg_schema_chip, &cim_cfg_schema_tech};
    assert_string_equal(cim_cfg_roots_text(roots, 2, buf, sizeof buf), "chip. or tech.");
    assert_string_equal(cim_cfg_roots_text(roots, 1, buf, sizeof buf), "chip.");
    assert_true(cim_cfg_item_in("tech.a=1", &cim_cfg_schema_tech) && !cim_cfg_item_in("technology=1", &cim_cfg_schema_tech));
    assert_string_equal(cim_cfg_choice(CIM_OVERFLOW_NAMES, 1, buf, sizeof buf), "saturate");
    assert_string_equal(cim_cfg_choice(CIM_OVERFLOW_NAMES, 2, buf, sizeof buf), "");
}

static void test_cfg_all_errors_in_file_reported(void **state)
{
    (void)state;
    char *a = test_subst(g_chip_text, "rows: 256", "rows: 5");
    char *b = test_subst(a, "macros: 8", "macros: 0");
    char *c3 = test_subst(b, "verify: true", "verify: maybe");
    char *c4 = test_subst(c3, "ref_low_frac: 0.5", "ref_lo_frac: 0.5");
    CimDiag d;
    CimChipCfg c;
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_load_chip(write_text("many.yaml", c4), NULL, &c, &d), CIM_ERR_CONFIG);
    /* rows, macros, verify, unknown ref_lo_frac and the missing ref_low_frac */
    assert_int_equal(d.errors, 5);
    cim_diag_free(&d);
    free(a);
    free(b);
    free(c3);
    free(c4);
}

static void test_cfg_errors_capped_at_twenty(void **state)
{
    (void)state;
    char buf[4096] = "chip:\n";
    for (int i = 0; i < 30; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "  bogus_%d: 1\n", i);
    CimDiag d;
    CimChipCfg c;
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_load_chip(write_text("cap.yaml", buf), NULL, &c, &d), CIM_ERR_CONFIG);
    assert_true(d.errors > CIM_DIAG_MAX_ERRORS);
    assert_true(d.dropped > 0);
    assert_true(d.n <= CIM_DIAG_MAX_ERRORS);
    cim_diag_free(&d);
}

/* ---- robustness: malformed input never crashes ---------------------------- */

/* Loads path with both entry points; any outcome but a crash, CIM_ERR_NOMEM or an error
 * status without a message is fine. Returns the chip loader's status. */
static CimStatus load_any(const char *path)
{
    CimDiag d;
    CimChipCfg c;
    cim_diag_init(&d);
    CimStatus st = cim_cfg_load_chip(path, NULL, &c, &d);
    assert_true(st == CIM_OK || st == CIM_ERR_CONFIG);
    assert_true((st == CIM_OK) == (d.errors == 0));
    CimStatus st2 = cim_cfg_check(path, &d);
    assert_true(st2 == CIM_OK || st2 == CIM_ERR_CONFIG);
    char line[1400];
    for (size_t i = 0; i < d.n; i++) {
        cim_diag_format(&d, i, line, sizeof line);
        assert_true(strlen(line) < 1200);
    }
    cim_diag_free(&d);
    return st;
}

static void test_cfg_empty_file_is_error(void **state)
{
    (void)state;
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_cfg_check(write_text("empty.yaml", ""), &d), CIM_ERR_CONFIG);
    assert_true(test_diag_has(&d, "file is empty", 0));
    assert_int_equal(cim_cfg_check(write_text("comments.yaml", "# nothing\n\n"), &d), CIM_ERR_CONFIG);
    cim_diag_free(&d);
    assert_int_equal(load_any(write_text("null.yaml", "~\n")), CIM_ERR_CONFIG);
    assert_int_equal(load_any(write_text("docstart.yaml", "---\n")), CIM_ERR_CONFIG);
}

static void test_cfg_binary_garbage_rejected(void **state)
{
    (void)state;
    CimRng r;
    cim_rng_seed(&r, 11);
    char buf[512];
    for (int it = 0; it < 200; it++) {
        size_t len = 1 + cim_rng_u64(&r) % sizeof buf;
        for (size_t i = 0; i < len; i++)
            buf[i] = (char)(cim_rng_u64(&r) & 0xFF);
        assert_int_equal(load_any(write_bytes("garbage.yaml", buf, len)), CIM_ERR_CONFIG);
    }
    static const char nul[] = "chip:\n  name: \"a\\0b\"\n";
    expect_chip_error(write_text("nul.yaml", nul), "chip.name must not contain NUL characters", 0, 0);
}

static void test_cfg_deep_nesting_rejected(void **state)
{
    (void)state;
    size_t depth = 100000;
    char *buf = malloc(2 * depth + 16);
    assert_non_null(buf);
    memcpy(buf, "chip: ", 6);
    memset(buf + 6, '[', depth);
    memset(buf + 6 + depth, ']', depth);
    buf[6 + 2 * depth] = '\n';
    const char *p = write_bytes("deep.yaml", buf, 6 + 2 * depth + 1);
    free(buf);
    expect_chip_error(p, "nesting deeper than 64 levels", 0, 0);
    char block[8192] = "";
    for (int i = 0; i < 80; i++)
        snprintf(block + strlen(block), sizeof block - strlen(block), "%*sk:\n", 2 * i, "");
    expect_chip_error(write_text("deepblock.yaml", block), "nesting deeper than 64 levels", 0, 0);
}

/* Issue 15: a 14 MB file of 7 M one-character items (under the 16 MiB cap) took 12 s and
 * 845 MB to refuse; the value count stops it one past the limit, at the item
 * that crosses it (node 1 is the top mapping, 2 the key, 3 the sequence). */
static void test_cfg_too_many_values_rejected(void **state)
{
    (void)state;
    size_t items = 7000000;
    char *buf = malloc(2 * items + 16);
    assert_non_null(buf);
    memcpy(buf, "chip: [", 7);
    for (size_t i = 0; i < items; i++)
        memcpy(buf + 7 + 2 * i, "0,", 2);
    memcpy(buf + 7 + 2 * items - 1, "]\n", 2);
    const char *p = write_bytes("many.yaml", buf, 7 + 2 * items + 1);
    free(buf);
    /* the documented limit (docs/config.md): value 200001 is item 199997 (0-based), at
     * column 8 + 2 x 199997 */
    expect_chip_error(p, "more than 200000 values (scalars, mappings and sequences) in one file", 1,
                      8 + 2 * 199997);
}

/* Not a regular file: refused before any read (a FIFO would block forever on open). */
static void test_cfg_fifo_refused_without_blocking(void **state)
{
    (void)state;
    char path[160];
    snprintf(path, sizeof path, "%s/fifo.yaml", g_dir);
    unlink(path);
    assert_int_equal(mkfifo(path, 0600), 0);
    expect_chip_error(path, "not a regular file (a FIFO)", 0, 0);
    expect_chip_error(g_dir, "not a regular file (a directory)", 0, 0);
    unlink(path);
}

static void test_cfg_sequence_where_mapping_expected(void **state)
{
    (void)state;
    expect_chip_error(write_text("seqchip.yaml", "chip: [1, 2]\n"), "chip must be a mapping of keys, got a sequence", 1, 7);
    expect_chip_error(chip_variant("seqarr.yaml", "array:\n    rows: 256\n    cols: 256", "array:\n    - 256\n    - 256"),
                      "chip.array must be a mapping of keys, got a sequence", 0, 0);
    expect_chip_error(chip_variant("seqleaf.yaml", "rows: 256", "rows: [256]"),
                      "chip.array.rows must be an integer, got a sequence", 0, 0);
    expect_chip_error(chip_variant("mapleaf.yaml", "rows: 256", "rows: {a: 1}"),
                      "chip.array.rows must be an integer, got a mapping", 0, 0);
    expect_chip_error(write_text("scalar.yaml", "hello\n"), "the top level must be a mapping with the key 'chip', got 'hello'", 1, 1);
    expect_chip_error(write_text("mapkey.yaml", "chip:\n  ? [a, b]\n  : 1\n"), "a mapping key must be a plain value", 0, 0);
}

static void test_cfg_aliases_rejected(void **state)
{
    (void)state;
    expect_chip_error(chip_variant("alias.yaml", "rows: 256\n    cols: 256", "rows: &n 256\n    cols: *n"),
                      "aliases (*n) are not supported", 11, 11);
    static const char laughs[] = "a: &a [x, x, x, x, x, x, x, x, x]\n"
                                 "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                                 "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n";
    assert_int_equal(load_any(write_text("laughs.yaml", laughs)), CIM_ERR_CONFIG);
    assert_int_equal(load_any(write_text("undef.yaml", "chip: *nothing\n")), CIM_ERR_CONFIG);
}

/* text with old replaced by prefix and n copies of ch (malloc'd). */
static char *subst_long(const char *text, const char *old, const char *prefix, char ch, size_t n)
{
    size_t pl = strlen(prefix);
    char *fill = malloc(pl + n + 1);
    assert_non_null(fill);
    memcpy(fill, prefix, pl);
    memset(fill + pl, ch, n);
    fill[pl + n] = '\0';
    char *out = test_subst(text, old, fill);
    free(fill);
    return out;
}

static void test_cfg_very_long_scalars_shortened(void **state)
{
    (void)state;
    size_t n = (size_t)1 << 20;
    char *t = subst_long(g_chip_text, "rows: 256", "rows: ", '7', n);
    expect_chip_error(write_text("longnum.yaml", t),
                      "chip.array.rows must be in [8, 4096], got 7777777777777777777777777777777777777777...", 0, 0);
    free(t);
    t = subst_long(g_chip_text, "name: default", "name: ", 'n', n);
    expect_chip_error(write_text("longname.yaml", t), "chip.name must be at most 63 characters, got 1048576", 0, 0);
    free(t);
    /* libyaml itself refuses implicit keys over 1024 characters */
    t = subst_long(g_chip_text, "clock_mhz", "", 'k', 1000);
    expect_chip_error(write_text("longkey.yaml", t),
                      "unknown key 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...' in 'chip'", 0, 0);
    free(t);
}

/* Every prefix of the default chip file loads or is rejected cleanly. */
static void test_cfg_truncated_files_never_crash(void **state)
{
    (void)state;
    size_t len = strlen(g_chip_text);
    for (size_t cut = 0; cut < len; cut += 3)
        load_any(write_bytes("cut.yaml", g_chip_text, cut));
}

/* Random byte mutations of the default chip file (a small fuzz run, fixed seed). */
static void test_cfg_mutated_files_never_crash(void **state)
{
    (void)state;
    static const char alphabet[] = ":-[]{}&*!|>'\"#,? \n\t0123456789.eE+xabz\xff";
    size_t len = strlen(g_chip_text);
    char *buf = malloc(len + 1);
    assert_non_null(buf);
    CimRng r;
    cim_rng_seed(&r, 2024);
    for (int it = 0; it < 600; it++) {
        memcpy(buf, g_chip_text, len + 1);
        int edits = 1 + (int)(cim_rng_u64(&r) % 4);
        for (int e = 0; e < edits; e++)
            buf[cim_rng_u64(&r) % len] = alphabet[cim_rng_u64(&r) % (sizeof alphabet - 1)];
        load_any(write_bytes("mut.yaml", buf, len));
    }
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cfg_defaults_files_load_and_equal_defaults),
        cmocka_unit_test(test_cfg_optional_group_left_out_takes_defaults),
        cmocka_unit_test(test_cfg_defaults_match_documented_values),
        cmocka_unit_test(test_cfg_tech_file_loads_alone),
        cmocka_unit_test(test_cfg_check_accepts_both_kinds),
        cmocka_unit_test(test_cfg_write_table_rows),
        cmocka_unit_test(test_cfg_too_many_values_rejected),
        cmocka_unit_test(test_cfg_fifo_refused_without_blocking),
        cmocka_unit_test(test_cfg_override_replaces_values),
        cmocka_unit_test(test_cfg_override_inserts_missing_key),
        cmocka_unit_test(test_cfg_override_bad_value_names_override),
        cmocka_unit_test(test_cfg_override_bad_paths_reported),
        cmocka_unit_test(test_cfg_override_chip_key_rejected_for_tech_file),
        cmocka_unit_test(test_cfg_failed_load_leaves_output_untouched),
        cmocka_unit_test(test_cfg_unknown_key_lists_valid_keys),
        cmocka_unit_test(test_cfg_wrong_type_shows_value),
        cmocka_unit_test(test_cfg_out_of_range_is_rejected_not_clamped),
        cmocka_unit_test(test_cfg_missing_key_reported_at_parent),
        cmocka_unit_test(test_cfg_duplicate_key_error_and_note),
        cmocka_unit_test(test_cfg_syntax_error_has_context),
        cmocka_unit_test(test_cfg_enum_and_bool_list_choices),
        cmocka_unit_test(test_cfg_device_pair_rules),
        cmocka_unit_test(test_cfg_tech_ranges),
        cmocka_unit_test(test_cfg_tech_group_needs_source),
        cmocka_unit_test(test_cfg_tech_errors_name_tech_file_with_note),
        cmocka_unit_test(test_cfg_bad_tech_path_reported_in_chip_file),
        cmocka_unit_test(test_cfg_chip_extends_the_default),
        cmocka_unit_test(test_cfg_missing_file_is_io_error),
        cmocka_unit_test(test_cfg_check_rejects_unknown_kind),
        cmocka_unit_test(test_cfg_check_kinds_dispatches_and_lists_all),
        cmocka_unit_test(test_cfg_all_errors_in_file_reported),
        cmocka_unit_test(test_cfg_errors_capped_at_twenty),
        cmocka_unit_test(test_cfg_empty_file_is_error),
        cmocka_unit_test(test_cfg_binary_garbage_rejected),
        cmocka_unit_test(test_cfg_deep_nesting_rejected),
        cmocka_unit_test(test_cfg_sequence_where_mapping_expected),
        cmocka_unit_test(test_cfg_aliases_rejected),
        cmocka_unit_test(test_cfg_very_long_scalars_shortened),
        cmocka_unit_test(test_cfg_truncated_files_never_crash),
        cmocka_unit_test(test_cfg_mutated_files_never_crash),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
