/* dcim train on small subsets of MNIST: learning beats chance by a wide margin, a resumed
 * run equals an uninterrupted one byte for byte, and pruning runs after epochs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workloads/train/train.h"
#include "workloads/train/blas.h"

/* dcim train on 2048 images; the first error line (if any) into err. */
static CimStatus train_seed(const char *out, const char *epochs, const char *prune, int resume, const char *seed,
                            CimTrainReport *rep, char *err, size_t errlen)
{
    char o1[600], o2[64], o3[64], o4[64];
    snprintf(o1, sizeof o1, "run.out=%s", out);
    snprintf(o2, sizeof o2, "run.train.epochs=%s", epochs);
    snprintf(o3, sizeof o3, "run.prune.enabled=%s", prune);
    snprintf(o4, sizeof o4, "run.seed=%s", seed);
    const char *ov[] = {o1, o2, o3, "run.train.train_images=2048", "run.train.eval_images=1000", o4};
    CimTrainOptions o = {.job = {.run_path = "configs/runs/mnist_train.yaml", .overrides = ov, .noverrides = 6},
                         .resume = resume};
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_train_run(&o, rep, &d);
    if (err && d.n)
        cim_diag_format(&d, 0, err, errlen);
    else
        cim_diag_print(&d, stderr);
    cim_diag_free(&d);
    return st;
}

static CimStatus train(const char *out, const char *epochs, const char *prune, int resume, CimTrainReport *rep)
{
    return train_seed(out, epochs, prune, resume, "3", rep, NULL, 0);
}

static char *slurp(const char *dir, const char *file, size_t *n)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    char *buf = malloc(*n + 1);
    assert_int_equal(fread(buf, 1, *n, f), *n);
    fclose(f);
    return buf;
}

/* The checkpoint and the optimizer state of two result folders are byte-identical. */
static void assert_same_training_files(const char *a, const char *b)
{
    const char *files[] = {"checkpoint.safetensors", "optimizer.safetensors"};
    for (int i = 0; i < 2; i++) {
        size_t na, nb;
        char *x = slurp(a, files[i], &na), *y = slurp(b, files[i], &nb);
        assert_int_equal(na, nb);
        assert_memory_equal(x, y, na);
        free(x);
        free(y);
    }
}

static void test_train_beats_chance_by_a_wide_margin(void **state)
{
    (void)state;
    char dir[] = "/tmp/dcim_train_XXXXXX";
    assert_non_null(mkdtemp(dir));
    CimTrainReport rep;
    assert_int_equal(train(dir, "2", "false", 0, &rep), CIM_OK);
    assert_int_equal(rep.status, CIM_RUN_COMPLETE);
    assert_int_equal(rep.nepochs, 2);
    /* chance is 10 %; a random binary feature extractor with a trained head does far better */
    assert_true(rep.epochs[1].test_acc > 0.60);
    assert_true(rep.epochs[1].loss < rep.epochs[0].loss);
    cim_train_report_free(&rep);
}

static void test_train_resume_equals_uninterrupted(void **state)
{
    (void)state;
    char a[] = "/tmp/dcim_train_XXXXXX", b[] = "/tmp/dcim_train_XXXXXX";
    assert_non_null(mkdtemp(a));
    assert_non_null(mkdtemp(b));
    CimTrainReport rep;
    assert_int_equal(train(a, "2", "true", 0, &rep), CIM_OK);
    assert_true(rep.epochs[0].pruned_this_epoch);
    assert_true(rep.epochs[0].conv_pruned[0] > 0); /* conv1's 9-bit filters are close to each other */
    cim_train_report_free(&rep);
    assert_int_equal(train(b, "1", "true", 0, &rep), CIM_OK);
    cim_train_report_free(&rep);
    assert_int_equal(train(b, "2", "true", 1, &rep), CIM_OK); /* resume: epoch 2 only */
    assert_int_equal(rep.nepochs, 2);
    cim_train_report_free(&rep);
    assert_same_training_files(a, b);
}

/* metrics.jsonl without its time fields ("seconds", "train_images_per_s": they change with
 * the machine); everything else, the on-chip costs included, must match (the resumed chip
 * starts from the cells the checkpoint saved: docs/training.md). */
static char *metrics_without_times(const char *dir)
{
    size_t n;
    char *m = slurp(dir, "metrics.jsonl", &n), *out = malloc(n + 1), *o = out;
    m[n] = '\0';
    assert_null(strstr(m, "nan")); /* every value is a JSON number */
    for (char *line = m; *line;) {
        char *end = strchr(line, '\n'), *sec = strstr(line, "\"seconds\": "), *after;
        assert_non_null(end);
        assert_true(sec && sec < end);
        after = strstr(sec, "\"energy_uj\": ");
        assert_true(after && after < end && strstr(sec, "\"train_images_per_s\": ") < after);
        memcpy(o, line, (size_t)(sec - line));
        o += sec - line;
        memcpy(o, after, (size_t)(end + 1 - after));
        o += end + 1 - after;
        line = end + 1;
    }
    *o = '\0';
    free(m);
    return out;
}

/* Chained resumes (1 -> 2 -> 3 epochs) end with the checkpoint, the optimizer state and the
 * metrics of an uninterrupted 3-epoch run (times aside); the log's
 * earlier lines are not rewritten with lost fields (they were: -nan, zero pruned filters). */
static void test_train_chained_resumes_equal_uninterrupted(void **state)
{
    (void)state;
    char a[] = "/tmp/dcim_train_XXXXXX", b[] = "/tmp/dcim_train_XXXXXX";
    assert_non_null(mkdtemp(a));
    assert_non_null(mkdtemp(b));
    CimTrainReport rep;
    assert_int_equal(train(a, "3", "true", 0, &rep), CIM_OK);
    cim_train_report_free(&rep);
    for (int e = 1; e <= 3; e++) {
        char ep[16];
        snprintf(ep, sizeof ep, "%d", e);
        assert_int_equal(train(b, ep, "true", e > 1, &rep), CIM_OK);
        assert_int_equal(rep.nepochs, (unsigned)e);
        cim_train_report_free(&rep);
    }
    assert_same_training_files(a, b);
    char *ma = metrics_without_times(a), *mb = metrics_without_times(b);
    assert_string_equal(ma, mb);
    free(ma);
    free(mb);
}

/* ste mode through a 5x5 conv (workloads/nets/mnist_k3k5.yaml: 3x3 conv, pool, 5x5 conv,
 * pool, fc) learns: one epoch of 1024 images, no pruning, well above chance (10 %). */
static void test_train_ste_learns_through_a_5x5_conv(void **state)
{
    (void)state;
    char dir[] = "/tmp/dcim_train_XXXXXX", o1[600];
    assert_non_null(mkdtemp(dir));
    snprintf(o1, sizeof o1, "run.out=%s", dir);
    const char *ov[] = {o1, "run.train.epochs=1", "run.prune.enabled=false", "run.train.train_images=1024",
                        "run.train.eval_images=500"};
    CimTrainOptions o = {.job = {.run_path = "configs/runs/mnist_k3k5_train.yaml", .overrides = ov, .noverrides = 5}};
    CimTrainReport rep;
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_train_run(&o, &rep, &d), CIM_OK);
    cim_diag_print(&d, stderr);
    cim_diag_free(&d);
    assert_int_equal(rep.nepochs, 1);
    print_message("k3k5, ste, 1024 images: test accuracy %.2f %%\n", 100 * rep.epochs[0].test_acc);
    assert_true(rep.epochs[0].test_acc > 0.3); /* three times chance */
    /* ste reprograms the arrays after every batch: the epoch's SET/RESET pulses are counted
     * and logged with their mean per cell and the lifetime in epochs (docs/energy.md) */
    assert_true(rep.epochs[0].write_pulses > 0);
    size_t n;
    char *m = slurp(dir, "metrics.jsonl", &n), want[96];
    m[n] = '\0';
    snprintf(want, sizeof want, "\"write\": {\"pulses\": %llu, \"per_cell\": ",
             (unsigned long long)rep.epochs[0].write_pulses);
    if (!strstr(m, want))
        fail_msg("metrics.jsonl lacks %s", want);
    assert_non_null(strstr(m, "\"lifetime_epochs\": "));
    free(m);
    cim_train_report_free(&rep);
}

/* One run of `run` in `learn` mode into out: 190 images in batches of 40 (the last one 30:
 * ranges of the head split at multiples of 16 fall inside batches and at their tails), two
 * epochs with pruning after each (the workers' fast paths are rebuilt), on `jobs` threads or
 * on the code path before the speed work. */
static void train_jobs(const char *run, const char *learn, unsigned jobs, int unoptimised, const char *out)
{
    char o1[600], o2[64];
    snprintf(o1, sizeof o1, "run.out=%s", out);
    snprintf(o2, sizeof o2, "run.train.learn=%s", learn);
    const char *ov[] = {o1, o2, "run.train.epochs=2", "run.prune.enabled=true", "run.train.train_images=190",
                        "run.train.batch_size=40", "run.train.eval_images=150", "run.train.prune_every=1"};
    CimTrainOptions o = {.job = {.run_path = run, .overrides = ov, .noverrides = 8, .jobs = jobs},
                         .unoptimised = unoptimised};
    CimTrainReport rep;
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_train_run(&o, &rep, &d);
    cim_diag_print(&d, stderr);
    cim_diag_free(&d);
    assert_int_equal(st, CIM_OK);
    assert_int_equal(rep.nepochs, 2);
    cim_train_report_free(&rep);
}

/* --jobs 1, 2 and 3 write byte-identical checkpoints, optimizer states and resume points,
 * and the same metrics but for the times, in both learning modes and through a 5x5 conv;
 * the code path from before the speed work (the bench's baseline: one thread, the fast
 * path's host layers computed, OpenBLAS for the dense products, the portable Adam step)
 * trains too (its float sums round otherwise: no comparison). */
static void test_train_jobs_write_identical_files(void **state)
{
    (void)state;
    const char *cases[][2] = {{"configs/runs/mnist_train.yaml", "reference"},
                              {"configs/runs/mnist_train.yaml", "ste"},
                              {"configs/runs/mnist_k3k5_train.yaml", "ste"}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char base[] = "/tmp/dcim_train_XXXXXX", old[] = "/tmp/dcim_train_XXXXXX";
        assert_non_null(mkdtemp(base));
        assert_non_null(mkdtemp(old));
        train_jobs(cases[c][0], cases[c][1], 1, 1, old);
        train_jobs(cases[c][0], cases[c][1], 1, 0, base);
        char *want = metrics_without_times(base);
        for (unsigned jobs = 2; jobs <= 3; jobs++) {
            char dir[] = "/tmp/dcim_train_XXXXXX";
            assert_non_null(mkdtemp(dir));
            train_jobs(cases[c][0], cases[c][1], jobs, 0, dir);
            assert_same_training_files(base, dir);
            size_t na, nb;
            char *x = slurp(base, "resume.safetensors", &na), *y = slurp(dir, "resume.safetensors", &nb);
            assert_int_equal(na, nb);
            assert_memory_equal(x, y, na);
            free(x);
            free(y);
            char *got = metrics_without_times(dir);
            assert_string_equal(got, want);
            free(got);
        }
        free(want);
    }
}

/* A resume with another seed would relabel the checkpoint: refused, naming the key. */
static void test_train_resume_with_another_seed_is_refused(void **state)
{
    (void)state;
    char a[] = "/tmp/dcim_train_XXXXXX", err[1400] = "";
    assert_non_null(mkdtemp(a));
    CimTrainReport rep;
    assert_int_equal(train(a, "1", "false", 0, &rep), CIM_OK);
    cim_train_report_free(&rep);
    assert_int_equal(train_seed(a, "2", "false", 1, "4", &rep, err, sizeof err), CIM_ERR_CONFIG);
    cim_train_report_free(&rep);
    assert_non_null(strstr(err, "the run was trained with run.seed 3, this run has run.seed 4"));
}

static void test_train_refuses_a_run_without_train_group(void **state)
{
    (void)state;
    CimTrainOptions o = {.job = {.run_path = "configs/runs/mnist_bnn.yaml"}};
    CimTrainReport rep;
    CimDiag d;
    cim_diag_init(&d);
    assert_int_not_equal(cim_train_run(&o, &rep, &d), CIM_OK);
    char line[1400];
    cim_diag_format(&d, d.n - 1, line, sizeof line);
    assert_non_null(strstr(line, "the run file has no train: group"));
    cim_diag_free(&d);
    cim_train_report_free(&rep);
}

int main(int argc, char **argv)
{
    (void)argc;
    cim_blas_fast_kernels(argv); /* the kernels dcim train runs on (workloads/train/blas.h) */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_train_beats_chance_by_a_wide_margin),
        cmocka_unit_test(test_train_resume_equals_uninterrupted),
        cmocka_unit_test(test_train_chained_resumes_equal_uninterrupted),
        cmocka_unit_test(test_train_resume_with_another_seed_is_refused),
        cmocka_unit_test(test_train_ste_learns_through_a_5x5_conv),
        cmocka_unit_test(test_train_refuses_a_run_without_train_group),
        cmocka_unit_test(test_train_jobs_write_identical_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
