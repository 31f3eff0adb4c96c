/* dcim run's point-cloud job (workloads/run/pointcloud.c) on the small test network: the
 * default synthetic set, an HDF5 file given as --data (predictions carry the file's labels),
 * pruning of the `prune: true` block only, and the refusals (chip fidelities, MNIST data). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/text_files.h"
#include "workloads/run/pointcloud.h"

#define RUN "configs/runs/pointnet_modelnet10.yaml"

static const char *const base_ov[] = {"run.network=tests/workloads/pointnet/tiny.yaml", "run.data.images=20",
                                      "run.out=/tmp", NULL, NULL};

/* Runs the job with the base overrides plus extra (may be NULL). */
static CimStatus run(CimPnJob *j, const char *extra, const char *data, CimDiag *d)
{
    const char *ov[5];
    memcpy(ov, base_ov, sizeof ov);
    ov[3] = extra;
    CimJobOptions o = {.run_path = RUN, .overrides = ov, .noverrides = extra ? 4 : 3};
    memset(j, 0, sizeof *j);
    assert_int_equal(cim_pn_job_wanted(&o), 1);
    return cim_pn_job_run(&o, data, j, d);
}

static void test_pointcloud_job_synthetic_and_pruning(void **state)
{
    (void)state;
    CimPnJob j;
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(run(&j, NULL, NULL, &d), CIM_OK);
    assert_int_equal(j.n, 20);
    assert_true(j.data.synthetic);
    for (size_t i = 0; i < 20; i++) /* interleaved: cloud i is of class i mod 10 */
        assert_int_equal(j.data.labels[j.order[i]], (int32_t)(i % 10));
    size_t pruned = 0;
    for (unsigned s = 0; s < 3; s++)
        for (unsigned q = 0; q < j.net.layers[0].mlp[s]; q++)
            pruned += j.pruned[0][s][q];
    assert_true(pruned > 0);
    assert_null(j.pruned[1][0]); /* pt_sa2 is never pruned */
    int32_t first[20];
    memcpy(first, j.pred, sizeof first);
    cim_pn_job_free(&j);
    assert_int_equal(run(&j, NULL, NULL, &d), CIM_OK); /* the same run twice: the same predictions */
    assert_memory_equal(first, j.pred, sizeof first);
    cim_pn_job_free(&j);
    cim_diag_free(&d);
}

static void test_pointcloud_job_hdf5_data(void **state)
{
    (void)state;
    CimCloudSet s;
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_cloud_synth("train", 3, 64, 9, NULL, &s, &d), CIM_OK);
    char path[] = "/tmp/pn_h5_XXXXXX";
    close(mkstemp(path));
    assert_int_equal(cim_cloud_h5_save(path, &s, &d), CIM_OK);
    CimPnJob j;
    assert_int_equal(run(&j, "run.data.images=30", path, &d), CIM_OK);
    assert_int_equal(j.n, 30);
    for (size_t i = 0; i < 30; i++)
        assert_int_equal(j.data.labels[j.order[i]], s.labels[i]);
    cim_pn_job_free(&j);
    assert_int_equal(run(&j, "run.data.images=31", path, &d), CIM_ERR_CONFIG);
    assert_true(test_diag_has(&d, "run.data.images is 31 and the data set has 30 clouds", 1));
    cim_pn_job_free(&j);
    unlink(path);
    cim_cloud_free(&s);
    cim_diag_free(&d);
}

static void test_pointcloud_job_refusals(void **state)
{
    (void)state;
    CimPnJob j;
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(run(&j, "run.fidelity=fast", NULL, &d), CIM_ERR_CONFIG);
    assert_true(test_diag_has(&d, "fidelity fast: a point-cloud network runs only as the host reference", 1));
    cim_pn_job_free(&j);
    assert_int_equal(run(&j, "run.data.format=mnist", NULL, &d), CIM_ERR_CONFIG);
    assert_true(test_diag_has(&d, "a point-cloud network reads run.data.format synthetic, hdf5 or modelnet", 1));
    cim_pn_job_free(&j);
    assert_int_equal(run(&j, "run.data.split=t10k", NULL, &d), CIM_ERR_CONFIG);
    assert_true(test_diag_has(&d, "splits are test and train", 1));
    cim_pn_job_free(&j);
    cim_diag_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pointcloud_job_synthetic_and_pruning),
        cmocka_unit_test(test_pointcloud_job_hdf5_data),
        cmocka_unit_test(test_pointcloud_job_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
