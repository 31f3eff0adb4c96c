/* Unit tests of the synthetic shape set (workloads/io/cloud_synth.c): bit-identical output
 * for a seed (pinned checksum), class balance and names, normalisation, independence of
 * per_class, learnability by a simple shape descriptor, argument errors, fault injection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "tests/support/test_alloc.h"
#include "tests/workloads/io/cloud_rig.h"

static void synth(const char *split, size_t per_class, size_t points, uint64_t seed,
                  CimCloudSet *s)
{
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_cloud_synth(split, per_class, points, seed, NULL, s, &d);
    cim_diag_print(&d, stderr);
    assert_int_equal(st, CIM_OK);
    assert_int_equal(d.n, 0);
    cim_diag_free(&d);
}

static uint64_t fnv_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001B3ull;
    }
    return h;
}

static void test_synth_is_bit_identical_for_a_seed(void **state)
{
    (void)state;
    CimCloudSet a, b;
    synth("train", 3, 100, 42, &a);
    synth("train", 3, 100, 42, &b);
    assert_memory_equal(a.xyz, b.xyz, 30 * 100 * 3 * sizeof(float));
    /* Pinned (FNV-1a of the float bytes): a change of generator, seeding or the C
     * library's sin/cos/log/sqrt shows up here. Update it only when the generator is
     * changed on purpose (docs/formats.md says which sets are then no longer reproduced). */
    const uint64_t pinned = 0x2626e23e42ac4aaaull;
    uint64_t h = fnv_bytes(a.xyz, 30 * 100 * 3 * sizeof(float));
    if (h != pinned)
        fprintf(stderr, "synthetic checksum is 0x%016llxull\n", (unsigned long long)h);
    assert_true(h == pinned);
    cim_cloud_free(&a);
    cim_cloud_free(&b);
}

static void test_synth_classes_are_balanced_and_named(void **state)
{
    (void)state;
    CimCloudSet s;
    synth("test", 4, 32, 1, &s);
    assert_int_equal(s.n, 40);
    assert_int_equal(s.points, 32);
    assert_int_equal(s.n_classes, CIM_SYNTH_CLASSES);
    assert_int_equal(s.synthetic, 1);
    size_t count[CIM_SYNTH_CLASSES] = {0};
    for (size_t i = 0; i < s.n; i++) {
        assert_int_equal(s.labels[i], (int32_t)(i / 4)); /* class by class */
        count[s.labels[i]]++;
    }
    for (size_t c = 0; c < CIM_SYNTH_CLASSES; c++) {
        assert_int_equal(count[c], 4);
        assert_memory_equal(s.class_names[c], "synthetic_", 10);
        assert_string_equal(s.class_names[c], cim_synth_class_name(c));
        for (size_t k = 0; k < c; k++)
            assert_string_not_equal(s.class_names[c], s.class_names[k]);
    }
    assert_string_equal(cim_synth_class_name(0), "synthetic_sphere");
    assert_string_equal(cim_synth_class_name(9), "synthetic_ring");
    assert_null(cim_synth_class_name(10));
    cim_cloud_free(&s);
}

static void test_synth_clouds_are_normalised(void **state)
{
    (void)state;
    CimCloudSet s;
    synth("train", 5, 256, 3, &s);
    for (size_t i = 0; i < s.n; i++) {
        const float *x = s.xyz + i * 256 * 3;
        double mean[3] = {0, 0, 0}, max = 0;
        for (size_t j = 0; j < 256; j++) {
            double n2 = 0;
            for (int c = 0; c < 3; c++) {
                assert_true(isfinite(x[3 * j + c]));
                mean[c] += x[3 * j + c];
                n2 += (double)x[3 * j + c] * x[3 * j + c];
            }
            max = n2 > max ? n2 : max;
        }
        for (int c = 0; c < 3; c++)
            assert_true(fabs(mean[c] / 256) < 1e-6);
        assert_true(fabs(sqrt(max) - 1) < 1e-6);
    }
    cim_cloud_free(&s);
}

static void test_synth_cloud_does_not_depend_on_per_class(void **state)
{
    (void)state;
    CimCloudSet a, b, t, o;
    synth("train", 2, 50, 7, &a);
    synth("train", 5, 50, 7, &b);
    synth("test", 2, 50, 7, &t);
    synth("train", 2, 50, 8, &o);
    size_t cloud = 50 * 3;
    for (size_t c = 0; c < CIM_SYNTH_CLASSES; c++)
        for (size_t j = 0; j < 2; j++)
            assert_memory_equal(a.xyz + (c * 2 + j) * cloud, b.xyz + (c * 5 + j) * cloud,
                                cloud * sizeof(float));
    for (size_t i = 0; i < a.n; i++) {
        assert_memory_not_equal(a.xyz + i * cloud, t.xyz + i * cloud, cloud * sizeof(float));
        assert_memory_not_equal(a.xyz + i * cloud, o.xyz + i * cloud, cloud * sizeof(float));
    }
    cim_cloud_free(&a);
    cim_cloud_free(&b);
    cim_cloud_free(&t);
    cim_cloud_free(&o);
}

/* ---- learnable -------------------------------------------------------------------------- */

#define BINS 16

/* A rotation-invariant descriptor: the histogram of distances between all point pairs (D2,
 * Osada et al. 2002), plus the sorted spreads along the principal axes (flatness). */
static void describe(const float *x, size_t p, double *f)
{
    memset(f, 0, (BINS + 3) * sizeof *f);
    size_t pairs = 0;
    for (size_t i = 0; i < p; i++)
        for (size_t j = i + 1; j < p; j++) {
            double d2 = 0;
            for (int c = 0; c < 3; c++)
                d2 += (x[3 * i + c] - x[3 * j + c]) * (double)(x[3 * i + c] - x[3 * j + c]);
            int b = (int)(sqrt(d2) / 2 * BINS);
            f[b < BINS ? b : BINS - 1]++;
            pairs++;
        }
    for (int b = 0; b < BINS; b++)
        f[b] /= (double)pairs;
    double cov[3][3] = {{0}};
    for (size_t i = 0; i < p; i++)
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++)
                cov[a][b] += (double)x[3 * i + a] * x[3 * i + b] / (double)p;
    /* Eigenvalues of the symmetric 3x3 by Jacobi rotations. */
    for (int sweep = 0; sweep < 30; sweep++)
        for (int a = 0; a < 2; a++)
            for (int b = a + 1; b < 3; b++) {
                if (fabs(cov[a][b]) < 1e-15)
                    continue;
                double th = 0.5 * atan2(2 * cov[a][b], cov[b][b] - cov[a][a]);
                double c = cos(th), s = sin(th);
                for (int k = 0; k < 3; k++) {
                    double ka = cov[k][a], kb = cov[k][b];
                    cov[k][a] = c * ka - s * kb;
                    cov[k][b] = s * ka + c * kb;
                }
                for (int k = 0; k < 3; k++) {
                    double ak = cov[a][k], bk = cov[b][k];
                    cov[a][k] = c * ak - s * bk;
                    cov[b][k] = s * ak + c * bk;
                }
            }
    double e[3] = {cov[0][0], cov[1][1], cov[2][2]};
    for (int a = 0; a < 3; a++)
        for (int b = a + 1; b < 3; b++)
            if (e[b] < e[a]) {
                double t = e[a];
                e[a] = e[b];
                e[b] = t;
            }
    for (int a = 0; a < 3; a++)
        f[BINS + a] = sqrt(e[a] > 0 ? e[a] : 0);
}

/* Nearest class mean of the descriptor, trained on train, scored on test. */
static double nearest_mean_accuracy(const CimCloudSet *train, const CimCloudSet *test)
{
    enum { F = BINS + 3 };
    double mean[CIM_SYNTH_CLASSES][F] = {{0}}, f[F];
    size_t count[CIM_SYNTH_CLASSES] = {0}, right = 0;
    for (size_t i = 0; i < train->n; i++) {
        describe(train->xyz + i * train->points * 3, train->points, f);
        for (int k = 0; k < F; k++)
            mean[train->labels[i]][k] += f[k];
        count[train->labels[i]]++;
    }
    for (size_t c = 0; c < CIM_SYNTH_CLASSES; c++)
        for (int k = 0; k < F; k++)
            mean[c][k] /= (double)count[c];
    for (size_t i = 0; i < test->n; i++) {
        describe(test->xyz + i * test->points * 3, test->points, f);
        size_t best = 0;
        double bd = INFINITY;
        for (size_t c = 0; c < CIM_SYNTH_CLASSES; c++) {
            double d = 0;
            for (int k = 0; k < F; k++)
                d += (f[k] - mean[c][k]) * (f[k] - mean[c][k]);
            if (d < bd) {
                bd = d;
                best = c;
            }
        }
        right += (int32_t)best == test->labels[i];
    }
    return (double)right / (double)test->n;
}

/* Learnable: a hand-made descriptor with the simplest classifier is far above chance
 * (10 %); not trivial: it is not perfect (measured 0.863, docs/formats.md). */
static void test_synth_classes_are_learnable(void **state)
{
    (void)state;
    CimCloudSet train, test;
    synth("train", 30, 256, 1, &train);
    synth("test", 30, 256, 1, &test);
    double acc = nearest_mean_accuracy(&train, &test);
    fprintf(stderr, "synthetic set: nearest class mean of D2 + principal spreads: %.3f\n", acc);
    assert_true(acc > 0.5);
    assert_true(acc < 0.98);
    cim_cloud_free(&train);
    cim_cloud_free(&test);
}

/* ---- errors ----------------------------------------------------------------------------- */

static void test_synth_argument_errors(void **state)
{
    (void)state;
    CimDiag d;
    cim_diag_init(&d);
    CimCloudSet s;
    assert_int_equal(cim_cloud_synth("val", 1, 8, 1, NULL, &s, &d), CIM_ERR_RANGE);
    rig_expect_line(&d, 0, "error: unknown split 'val' for the synthetic set; expected one of: "
                           "train, test");
    assert_int_equal(cim_cloud_synth("train", 0, 8, 1, NULL, &s, &d), CIM_ERR_RANGE);
    rig_expect_line(&d, 1, "error: the synthetic set needs 1 to 4294967295 clouds per class and "
                           "at least 2 points per cloud, got 0 and 8");
    assert_int_equal(cim_cloud_synth("train", 1, 1, 1, NULL, &s, &d), CIM_ERR_RANGE);
    assert_null(s.xyz);
    cim_diag_free(&d);
}

static CimStatus make(void *ctx, const CimAlloc *alloc)
{
    (void)ctx;
    CimDiag d;
    cim_diag_init(&d);
    CimCloudSet s;
    CimStatus st = cim_cloud_synth("train", 2, 16, 5, alloc, &s, &d);
    cim_cloud_free(&s);
    cim_diag_free(&d);
    return st;
}

static void test_synth_allocation_failures(void **state)
{
    (void)state;
    assert_int_equal(test_alloc_sweep(make, NULL), 4); /* xyz, labels, names, scratch */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synth_is_bit_identical_for_a_seed),
        cmocka_unit_test(test_synth_classes_are_balanced_and_named),
        cmocka_unit_test(test_synth_clouds_are_normalised),
        cmocka_unit_test(test_synth_cloud_does_not_depend_on_per_class),
        cmocka_unit_test(test_synth_classes_are_learnable),
        cmocka_unit_test(test_synth_argument_errors),
        cmocka_unit_test(test_synth_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
