/* Unit tests of run files (cim_run_cfg_load): the files in configs/runs/, the documented
 * defaults, the optional train group, path resolution, overrides and every kind of error.
 * Run from the repository root; scratch files go to a temp dir. */
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
#include "models/analog/analog.h"
#include "models/gpu/gpu.h"
#include "workloads/run/kinds.h"
#include "workloads/run/run_cfg.h"

#define RUN_FILE "configs/runs/mnist_bnn.yaml"
#define TRAIN_FILE "configs/runs/mnist_train.yaml"

static char g_dir[64];
static char *g_run_text;   /* configs/runs/mnist_bnn.yaml */
static char *g_train_text; /* configs/runs/mnist_train.yaml */

/* Writes text as g_dir/name; returns the path (static storage, overwritten next call). */
static const char *write_text(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
    return path;
}

/* The run file with old replaced by new, written as run.yaml. */
static const char *variant(const char *base, const char *old, const char *new_text)
{
    char *t = test_subst(base, old, new_text);
    const char *p = write_text("run.yaml", t);
    free(t);
    return p;
}

/* Loads path expecting failure whose first error holds part; returns the error count. */
static size_t expect_error(const char *path, const CimOverrides *ov, const char *part)
{
    CimDiag d;
    CimRunCfg r;
    cim_diag_init(&d);
    assert_int_equal(cim_run_cfg_load(path, ov, &r, &d), CIM_ERR_CONFIG);
    assert_true(d.n > 0);
    if (!strstr(d.v[0].msg, part))
        fail_msg("first error '%s' lacks '%s'", d.v[0].msg, part);
    size_t n = d.errors;
    cim_diag_free(&d);
    return n;
}

static void load_ok(const char *path, const CimOverrides *ov, CimRunCfg *r)
{
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_run_cfg_load(path, ov, r, &d);
    if (st != CIM_OK) {
        cim_diag_print(&d, stderr);
        fail_msg("loading %s failed", path);
    }
    cim_diag_free(&d);
}

static int setup(void **state)
{
    (void)state;
    if (access(RUN_FILE, R_OK) != 0) {
        fprintf(stderr, "test_run: run from the repository root (%s not found)\n", RUN_FILE);
        return -1;
    }
    snprintf(g_dir, sizeof g_dir, "/tmp/cim_run_XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    g_run_text = test_read_text(RUN_FILE);
    g_train_text = test_read_text(TRAIN_FILE);
    return g_run_text && g_train_text ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    static const char *const files[] = {"run.yaml", "short.yaml", "child.yaml", "sub/base.yaml", "sub"};
    char path[128];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", g_dir, files[i]);
        if (unlink(path) != 0)
            rmdir(path);
    }
    rmdir(g_dir);
    free(g_run_text);
    free(g_train_text);
    return 0;
}

static void test_run_file_equals_documented_defaults(void **state)
{
    (void)state;
    CimRunCfg r, def;
    load_ok(RUN_FILE, NULL, &r);
    cim_run_cfg_defaults(&def);
    assert_string_equal(r.name, def.name);
    assert_string_equal(r.chip_path, "configs/chip/default.yaml"); /* resolved and normalised */
    assert_string_equal(r.chip_path, def.chip_path);
    assert_string_equal(r.network_path, "workloads/nets/mnist_bnn.yaml");
    assert_string_equal(r.network_path, def.network_path);
    /* the run file uses the trained weights (pruned while training); the defaults do not */
    assert_string_equal(r.weights_path, "workloads/weights/mnist_bnn.safetensors");
    assert_string_equal(def.weights_path, "");
    assert_string_equal(r.out_dir, def.out_dir);
    assert_string_equal(r.data.dir, "data/mnist");
    assert_string_equal(r.data.dir, def.data.dir);
    assert_true(r.seed == 1 && def.seed == 1);
    assert_int_equal(r.fidelity, CIM_FIDELITY_FAST);
    assert_int_equal(r.pruned_filters, CIM_PRUNED_REFERENCE);
    assert_int_equal(r.data.format, CIM_DATA_MNIST);
    assert_int_equal(r.data.split, CIM_SPLIT_T10K);
    assert_int_equal(r.data.images, 10000);
    assert_int_equal(r.prune.enabled, 0);
    assert_int_equal(def.prune.enabled, 1);
    assert_true(r.prune.threshold_b == 0.146 && def.prune.threshold_b == 0.146);
    assert_true(r.prune.threshold_c == 0.15 && def.prune.threshold_c == 0.15);
    assert_int_equal(r.prune.participation, CIM_PRUNE_REFERENCE);
    assert_int_equal(r.prune.rounds, 1);
    assert_int_equal(def.prune.rounds, 1);
    assert_int_equal(r.has_train, 0);
    assert_int_equal(def.has_train, 0);
    assert_int_equal(r.train.epochs, 2); /* absent group: its defaults, unused */
    assert_int_equal(def.train.epochs, 2);
}

static void test_run_train_group_present(void **state)
{
    (void)state;
    CimRunCfg r, def;
    load_ok(TRAIN_FILE, NULL, &r);
    cim_run_cfg_defaults(&def);
    assert_string_equal(r.name, "mnist_train");
    assert_string_equal(r.out_dir, "results/mnist_train");
    assert_int_equal(r.has_train, 1);
    assert_true(r.train.learning_rate == 0.001);
    assert_int_equal(r.train.epochs, 2);
    assert_int_equal(r.train.batch_size, 64);
    assert_int_equal(r.train.learn, CIM_LEARN_REFERENCE);
    assert_int_equal(r.train.prune_every, 1);
    assert_int_equal(r.train.train_images, 60000);
    assert_int_equal(r.train.eval_images, 10000);
    assert_true(r.train.ste_clip == 1.0);
    assert_memory_equal(&r.train, &def.train, sizeof r.train);
}

static void test_run_train_group_partial_takes_defaults(void **state)
{
    (void)state;
    /* present but partial: the missing keys take their defaults */
    CimRunCfg r;
    load_ok(variant(g_train_text, "    epochs: 2\n    batch_size: 64\n", "    epochs: 3\n"), NULL, &r);
    assert_int_equal(r.has_train, 1);
    assert_int_equal(r.train.epochs, 3);
    assert_int_equal(r.train.batch_size, 64);
    expect_error(variant(g_train_text, "  train:\n", "  train: 5\n  trainx:\n"), NULL,
                 "run.train must be a mapping of keys, got '5'");
    expect_error(variant(g_run_text, "    rounds: 1\n", "    rounds: 1\n  train:\n"), NULL,
                 "run.train must be a mapping of keys, got an empty value");
    expect_error(variant(g_run_text, "  prune:\n", "  prunex:\n"), NULL, "unknown key 'prunex' in 'run'");
}

/* A run file of only the keys without a default: every other key takes the schema's. */
static void test_run_short_file_takes_defaults(void **state)
{
    (void)state;
    const char *p = write_text("short.yaml", "run:\n  name: s\n  chip: c.yaml\n  network: n.yaml\n  out: o\n"
                                             "  data: {dir: d}\n");
    CimRunCfg r, def;
    load_ok(p, NULL, &r);
    cim_run_cfg_defaults(&def);
    assert_string_equal(r.weights_path, ""); /* random weights */
    assert_true(r.seed == def.seed);
    assert_int_equal(r.fidelity, def.fidelity);
    assert_int_equal(r.data.images, def.data.images);
    assert_int_equal(r.data.split, def.data.split);
    assert_int_equal(r.prune.enabled, def.prune.enabled);
    assert_true(r.prune.threshold_b == def.prune.threshold_b);
    assert_int_equal(r.has_train, 0);
    /* names and paths have no default: each missing one is named */
    size_t n = expect_error(write_text("short.yaml", "run:\n  seed: 3\n"), NULL, "missing key 'name' in 'run'");
    assert_int_equal(n, 5); /* name, chip, network, out, data (for data.dir) */
}

/* extends: the base's keys under the file's, groups merged key by key, each path relative
 * to the file that wrote it, override paths as written. */
static void test_run_extends_merges_and_resolves_paths(void **state)
{
    (void)state;
    char sub[128];
    snprintf(sub, sizeof sub, "%s/sub", g_dir);
    mkdir(sub, 0700);
    /* base in g_dir/sub, written with paths relative to sub/ */
    write_text("sub/base.yaml", "run:\n  name: base\n  chip: chip.yaml\n  network: ../n.yaml\n  out: res\n"
                                "  data: {dir: data, images: 7}\n  prune: {rounds: 3, enabled: false}\n");
    const char *p = write_text("child.yaml", "extends: sub/base.yaml\nrun:\n  name: child\n  out: mine\n"
                                             "  prune: {rounds: 2}\n");
    CimRunCfg r;
    const char *items[] = {"run.data.dir=cli/data"};
    CimOverrides ov = {.items = items, .n = 1};
    load_ok(p, &ov, &r);
    char want[256];
    assert_string_equal(r.name, "child");
    snprintf(want, sizeof want, "%s/sub/chip.yaml", g_dir); /* the base's path: relative to the base */
    assert_string_equal(r.chip_path, want);
    snprintf(want, sizeof want, "%s/n.yaml", g_dir); /* sub/../n.yaml, normalised */
    assert_string_equal(r.network_path, want);
    snprintf(want, sizeof want, "%s/mine", g_dir); /* the file's own path: relative to it */
    assert_string_equal(r.out_dir, want);
    assert_string_equal(r.data.dir, "cli/data");   /* an override: the working directory */
    assert_int_equal(r.data.images, 7);            /* from the base */
    assert_int_equal(r.prune.rounds, 2);           /* merged: the file's */
    assert_int_equal(r.prune.enabled, 0);          /* merged: the base's */
}

static void test_run_paths_resolved(void **state)
{
    (void)state;
    CimRunCfg r;
    char *t = test_subst(g_run_text, "../chip/default.yaml", "/abs/chip.yaml");
    char *t2 = test_subst(t, "weights: \"../../workloads/weights/mnist_bnn.safetensors\"", "weights: w/x.safetensors");
    const char *p = write_text("run.yaml", t2);
    load_ok(p, NULL, &r);
    free(t);
    free(t2);
    char want[256];
    assert_string_equal(r.chip_path, "/abs/chip.yaml");
    snprintf(want, sizeof want, "%s/w/x.safetensors", g_dir);
    assert_string_equal(r.weights_path, want);
    assert_string_equal(r.data.dir, "/data/mnist"); /* g_dir is /tmp/NAME: ../.. is / */
    /* a file named without a directory: paths stay as written */
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(g_dir), 0);
    load_ok("run.yaml", NULL, &r);
    assert_int_equal(chdir(cwd), 0);
    assert_string_equal(r.weights_path, "w/x.safetensors");
    assert_string_equal(r.network_path, "../../workloads/nets/mnist_bnn.yaml");
}

static void test_run_path_too_long_after_resolving(void **state)
{
    (void)state;
    char longp[520];
    memset(longp, 'a', 505);
    longp[505] = '\0';
    expect_error(variant(g_run_text, "../chip/default.yaml", longp), NULL,
                 "run.chip resolves to a path longer than 511 characters");
}

static void test_run_overrides_applied(void **state)
{
    (void)state;
    const char *items[] = {"run.seed=7", "run.fidelity=cycle", "run.weights=out/w.safetensors",
                           "run.prune.enabled=false", "run.data.images=5"};
    CimOverrides ov = {.items = items, .n = 5};
    CimRunCfg r;
    load_ok(RUN_FILE, &ov, &r);
    assert_true(r.seed == 7);
    assert_int_equal(r.fidelity, CIM_FIDELITY_CYCLE);
    assert_string_equal(r.weights_path, "out/w.safetensors"); /* as written: working directory */
    assert_int_equal(r.prune.enabled, 0);
    assert_int_equal(r.data.images, 5);
    const char *empty[] = {"run.weights="};
    CimOverrides ov2 = {.items = empty, .n = 1};
    load_ok(variant(g_run_text, "weights: \"../../workloads/weights/mnist_bnn.safetensors\"", "weights: w.st"), &ov2, &r);
    assert_string_equal(r.weights_path, "");
}

static void test_run_override_into_absent_train_group(void **state)
{
    (void)state;
    const char *items[] = {"run.train.epochs=5"};
    CimOverrides ov = {.items = items, .n = 1};
    /* the group now exists; its other keys take their defaults */
    CimRunCfg r;
    load_ok(RUN_FILE, &ov, &r);
    assert_int_equal(r.has_train, 1);
    assert_int_equal(r.train.epochs, 5);
    assert_int_equal(r.train.batch_size, 64);
    load_ok(TRAIN_FILE, &ov, &r);
    assert_int_equal(r.train.epochs, 5);
}

static void test_run_override_errors(void **state)
{
    (void)state;
    const char *items[] = {"chip.array.rows=128", "run.rounds=1", "run.prune.rounds=0", "run.train=1"};
    CimOverrides ov = {.items = items, .n = 4};
    CimDiag d;
    CimRunCfg r;
    cim_diag_init(&d);
    assert_int_equal(cim_run_cfg_load(RUN_FILE, &ov, &r, &d), CIM_ERR_CONFIG);
    assert_int_equal(d.errors, 4);
    assert_string_equal(d.v[0].file, "<override>");
    assert_true(test_diag_has(&d, "unknown key 'chip' at top level; expected one of: run", 0));
    assert_true(test_diag_has(&d, "unknown key 'rounds' in 'run'; expected one of: name, chip, network, weights, seed, "
                            "fidelity, pruned_filters, out, data, prune, train", 0));
    assert_true(test_diag_has(&d, "run.prune.rounds must be in [1, 100], got 0 (override 'run.prune.rounds=0')", 0));
    assert_true(test_diag_has(&d, "'run.train' is a group of keys, not a value", 0));
    cim_diag_free(&d);
}

static void test_run_value_errors(void **state)
{
    (void)state;
    expect_error(variant(g_run_text, "fidelity: fast", "fidelity: fastest"), NULL,
                 "unknown value 'fastest' for run.fidelity; expected one of: fast, program, cycle, reference");
    expect_error(variant(g_run_text, "split: t10k", "split: tests"), NULL,
                 "unknown value 'tests' for run.data.split; expected one of: t10k, train, test");
    expect_error(variant(g_run_text, "format: mnist", "format: cifar"), NULL,
                 "expected one of: mnist, synthetic, hdf5, modelnet");
    expect_error(variant(g_run_text, "images: 10000", "images: 0"), NULL,
                 "run.data.images must be in [1, 4294967295], got 0");
    expect_error(variant(g_run_text, "rounds: 1", "rounds: 101"), NULL, "run.prune.rounds must be in [1, 100], got 101");
    expect_error(variant(g_run_text, "threshold_b: 0.146", "threshold_b: 1e999"), NULL,
                 "run.prune.threshold_b must be a finite number, got 1e999");
    expect_error(variant(g_run_text, "threshold_c: 0.15", "threshold_c: .nan"), NULL,
                 "run.prune.threshold_c must be a number, got '.nan'");
    expect_error(variant(g_run_text, "seed: 1", "seed: -1"), NULL, "run.seed must be in [0, 18446744073709551615]");
    expect_error(variant(g_run_text, "enabled: false", "enabled: yes"), NULL, "run.prune.enabled must be true or false");
    expect_error(variant(g_run_text, "weights: \"../../workloads/weights/mnist_bnn.safetensors\"", "weights:"), NULL,
                 "run.weights must be a file path or \"\" (quoted), got an empty value");
    expect_error(variant(g_run_text, "chip: ../chip/default.yaml", "chip: \"\""), NULL,
                 "run.chip must be a non-empty string");
    expect_error(variant(g_train_text, "learning_rate: 0.001", "learning_rate: 0"), NULL,
                 "run.train.learning_rate must be > 0, got 0");
    expect_error(variant(g_train_text, "ste_clip: 1.0", "ste_clip: -1"), NULL, "run.train.ste_clip must be > 0, got -1");
    expect_error(variant(g_train_text, "epochs: 2", "epochs: 10001"), NULL, "run.train.epochs must be in [1, 10000]");
    expect_error(variant(g_train_text, "batch_size: 64", "batch_size: 65537"), NULL,
                 "run.train.batch_size must be in [1, 65536]");
    expect_error(variant(g_train_text, "learn: reference", "learn: adam"), NULL, "expected one of: reference, ste");
    expect_error(variant(g_train_text, "eval_images: 10000", "eval_images: 0"), NULL, "run.train.eval_images must be in");
    expect_error(variant(g_train_text, "train_images: 60000", "train_images: \"60000\""), NULL,
                 "run.train.train_images must be an integer, got the quoted string");
}

static void test_run_zero_prune_every_and_any_thresholds(void **state)
{
    (void)state;
    CimRunCfg r;
    char *t = test_subst(g_train_text, "prune_every: 1", "prune_every: 0");
    char *t2 = test_subst(t, "threshold_b: 0.146", "threshold_b: -3.5");
    load_ok(write_text("run.yaml", t2), NULL, &r);
    free(t);
    free(t2);
    assert_int_equal(r.train.prune_every, 0);
    assert_true(r.prune.threshold_b == -3.5);
}

static void test_run_every_error_reported(void **state)
{
    (void)state;
    char *t = test_subst(g_train_text, "seed: 1", "seed: x");
    char *t2 = test_subst(t, "rounds: 1", "rounds: 0");
    char *t3 = test_subst(t2, "epochs: 2", "epochs: 0");
    char *t4 = test_subst(t3, "name: mnist_train", "nmae: mnist_train");
    const char *p = write_text("run.yaml", t4);
    CimDiag d;
    CimRunCfg r;
    memset(&r, 0x5A, sizeof r);
    cim_diag_init(&d);
    assert_int_equal(cim_run_cfg_load(p, NULL, &r, &d), CIM_ERR_CONFIG);
    assert_int_equal(d.errors, 5); /* unknown nmae, missing name, seed, rounds, epochs */
    assert_true(test_diag_has(&d, "unknown key 'nmae' in 'run'", 0));
    assert_true(test_diag_has(&d, "missing key 'name' in 'run'", 0));
    unsigned char *b = (unsigned char *)&r;
    for (size_t i = 0; i < sizeof r; i++)
        assert_int_equal(b[i], 0x5A); /* untouched on failure */
    cim_diag_free(&d);
    free(t);
    free(t2);
    free(t3);
    free(t4);
}

static void test_run_check_and_file_kinds(void **state)
{
    (void)state;
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_run_check_file(RUN_FILE, &d), CIM_OK);
    assert_int_equal(cim_run_check_file(TRAIN_FILE, &d), CIM_OK);
    assert_int_equal(cim_run_check_file(variant(g_run_text, "seed: 1", "seed: 1.5"), &d), CIM_ERR_CONFIG);
    assert_true(test_diag_has(&d, "run.seed must be an integer, got '1.5'", 0));
    cim_diag_free(&d);
    cim_diag_init(&d);
    assert_int_equal(cim_run_cfg_load(write_text("run.yaml", "# nothing\n"), NULL, NULL, &d), CIM_ERR_CONFIG);
    assert_true(test_diag_has(&d, "file is empty; expected a mapping with a 'run' key", 0));
    cim_diag_free(&d);
    cim_diag_init(&d);
    assert_int_equal(cim_run_cfg_load("/nonexistent/run.yaml", NULL, NULL, &d), CIM_ERR_IO);
    assert_true(test_diag_has(&d, "cannot read file", 0));
    cim_diag_free(&d);
    cim_diag_init(&d);
    assert_int_equal(cim_run_check_file(write_text("run.yaml", "netwrk: {}\n"), &d), CIM_ERR_CONFIG);
    assert_string_equal(d.v[0].msg,
                        "unknown key 'netwrk' at top level; expected one of: chip, tech, run, network, analog, gpu, host, corners; did you mean 'network'?");
    cim_diag_free(&d);
}

/* The kinds in message order; every schema's root is its kind's key and its table passes
 * cim_cfg_schema_verify (fields, groups, enum names counted against the enum, defaults). */
static void test_run_kinds_registry_and_schemas_verify(void **state)
{
    (void)state;
    static const char *const order[] = {"chip", "tech", "run", "network", "analog", "gpu", "host", "corners"};
    size_t n;
    const CimCfgKind *k = cim_run_kinds(&n);
    assert_int_equal(n, sizeof order / sizeof order[0]);
    for (size_t i = 0; i < n; i++) {
        char why[300] = "";
        assert_string_equal(k[i].key, order[i]);
        assert_ptr_equal(cim_run_kind(order[i]), &k[i]);
        assert_non_null(k[i].check);
        if (!k[i].schema)
            continue;
        assert_string_equal(k[i].schema->root, k[i].key);
        if (cim_cfg_schema_verify(k[i].schema, why, sizeof why) != 0)
            fail_msg("schema %s: %s", k[i].key, why);
    }
    assert_null(cim_run_kind("runn"));
    assert_ptr_equal(cim_run_kind("run")->schema, &cim_run_schema);
    assert_ptr_equal(cim_run_kind("analog")->schema, &cim_analog_schema);
    assert_ptr_equal(cim_run_kind("gpu")->schema, &cim_gpu_schema);
}

/* A wrong table is caught: an enum with more names than values, a key outside its group. */
static void test_run_schema_verify_catches_bad_tables(void **state)
{
    (void)state;
    char why[300];
    CimCfgKey keys[3] = {
        CIM_CFG_GROUP("run", "root"),
        {"run.fidelity", CIM_CFG_ENUM, CIM_CFG_ANY, 0, CIM_FIDELITY_COUNT, "", offsetof(CimRunCfg, fidelity), "fast",
         "fast,program,cycle,reference,extra", "how closely"},
        {"run.seed", CIM_CFG_U64, CIM_CFG_ANY, 0, 0, "", offsetof(CimRunCfg, seed), "1", NULL, "seed"},
    };
    CimCfgSchema s = {.root = "run", .keys = keys, .n = 3, .size = sizeof(CimRunCfg)};
    assert_int_equal(cim_cfg_schema_verify(&s, why, sizeof why), -1);
    assert_string_equal(why, "run.fidelity: 5 choices ('fast,program,cycle,reference,extra') but the enum has 4 values");
    keys[1].choices = CIM_FIDELITY_NAMES;
    assert_int_equal(cim_cfg_schema_verify(&s, why, sizeof why), 0);
    keys[2].path = "run.data.seed";
    assert_int_equal(cim_cfg_schema_verify(&s, why, sizeof why), -1);
    assert_string_equal(why, "run.data.seed: its group 'run.data' is not listed before it");
    keys[2].path = "run.seed";
    keys[2].def = "-1";
    assert_int_equal(cim_cfg_schema_verify(&s, why, sizeof why), -1);
    assert_string_equal(why, "default: run.seed must be in [0, 18446744073709551615], got -1");
    keys[2].def = "1";
    keys[2].off = sizeof(CimRunCfg) - 4;
    assert_int_equal(cim_cfg_schema_verify(&s, why, sizeof why), -1);
    assert_true(strstr(why, "its field ends past the struct") != NULL);
}

/* run.* to the run file, chip.* and tech.* to the chip; as many as given (no cap). */
static void test_run_load_all_routes_every_override(void **state)
{
    (void)state;
    enum { N = 400 };
    static char items[N][48];
    const char *ov[N];
    for (size_t i = 0; i < N; i++) {
        snprintf(items[i], sizeof items[i], i % 3 == 0 ? "run.seed=%zu" : i % 3 == 1 ? "chip.macros=%zu"
                                                                                     : "tech.node_nm=%zu", i + 1);
        ov[i] = items[i];
    }
    CimOverrides o = {.items = ov, .n = N};
    CimRunCfg *r = malloc(sizeof *r);
    CimChipCfg *c = malloc(sizeof *c);
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_run_cfg_load_all(RUN_FILE, &o, r, c, &d), CIM_OK);
    assert_int_equal(r->seed, 400);     /* the last run.* item, i = 399 */
    assert_int_equal(c->macros, 398);   /* i = 397 */
    assert_true(c->tech.node_nm == 399);
    const char *bad[] = {"run.seed=2", "foo.bar=1"};
    o = (CimOverrides){.items = bad, .n = 2};
    assert_int_equal(cim_run_cfg_load_all(RUN_FILE, &o, r, c, &d), CIM_ERR_CONFIG);
    assert_string_equal(d.v[d.n - 1].msg, "override 'foo.bar=1': keys start with run., chip. or tech.");
    assert_true(cim_run_cfg_owns("tech.x=1") && !cim_run_cfg_owns("analog.x=1") && !cim_run_cfg_owns("runx=1"));
    cim_diag_free(&d);
    free(r);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_file_equals_documented_defaults),
        cmocka_unit_test(test_run_train_group_present),
        cmocka_unit_test(test_run_train_group_partial_takes_defaults),
        cmocka_unit_test(test_run_short_file_takes_defaults),
        cmocka_unit_test(test_run_extends_merges_and_resolves_paths),
        cmocka_unit_test(test_run_paths_resolved),
        cmocka_unit_test(test_run_path_too_long_after_resolving),
        cmocka_unit_test(test_run_overrides_applied),
        cmocka_unit_test(test_run_override_into_absent_train_group),
        cmocka_unit_test(test_run_override_errors),
        cmocka_unit_test(test_run_value_errors),
        cmocka_unit_test(test_run_zero_prune_every_and_any_thresholds),
        cmocka_unit_test(test_run_every_error_reported),
        cmocka_unit_test(test_run_check_and_file_kinds),
        cmocka_unit_test(test_run_kinds_registry_and_schemas_verify),
        cmocka_unit_test(test_run_schema_verify_catches_bad_tables),
        cmocka_unit_test(test_run_load_all_routes_every_override),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
