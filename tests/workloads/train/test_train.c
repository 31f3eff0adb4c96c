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

static CimStatus train(const char *out, const char *epochs, const char *prune, int resume, CimTrainReport *rep)
{
    char o1[600], o2[64], o3[64];
    snprintf(o1, sizeof o1, "run.out=%s", out);
    snprintf(o2, sizeof o2, "run.train.epochs=%s", epochs);
    snprintf(o3, sizeof o3, "run.prune.enabled=%s", prune);
    const char *ov[] = {o1, o2, o3, "run.train.train_images=2048", "run.train.eval_images=1000", "run.seed=3"};
    CimTrainOptions o = {.job = {.run_path = "configs/runs/mnist_train.yaml", .overrides = ov, .noverrides = 6}, .resume = resume};
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_train_run(&o, rep, &d);
    cim_diag_print(&d, stderr);
    cim_diag_free(&d);
    return st;
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_train_beats_chance_by_a_wide_margin),
        cmocka_unit_test(test_train_resume_equals_uninterrupted),
        cmocka_unit_test(test_train_refuses_a_run_without_train_group),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
