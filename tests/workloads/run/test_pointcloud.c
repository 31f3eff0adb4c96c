/* dcim run's point-cloud job (workloads/run/pointcloud.c) on the small test network: the
 * default synthetic set, an HDF5 file given as --data (predictions carry the file's labels),
 * pruning of the `prune: true` block only, the refusals (cycle fidelity, a chip without
 * reload or with physics, MNIST data), and the int8 convs on the chip (pn_chip.c): logits
 * and first conv identical to the host reference on the fast and program paths, which
 * agree in cycles and events; the PointNet chip holds the largest conv, the default does not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/text_files.h"
#include "workloads/compile/int8.h"
#include "workloads/run/pointcloud.h"

#define RUN "configs/runs/pointnet_modelnet10.yaml"

/* run.weights "": random weights (the run file's trained ones are pointnet2_ssg's) */
static const char *const base_ov[] = {"run.network=tests/workloads/pointnet/tiny.yaml", "run.data.images=20",
                                      "run.out=/tmp", "run.weights=", NULL, NULL};

/* Runs the job with the base overrides plus extra (may be NULL). */
static CimStatus run(CimPnJob *j, const char *extra, const char *data, CimDiag *d)
{
    const char *ov[6];
    memcpy(ov, base_ov, sizeof ov);
    ov[4] = extra;
    CimJobOptions o = {.run_path = RUN, .overrides = ov, .noverrides = extra ? 5 : 4};
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

/* Each override alone is refused with its message. */
static void test_pointcloud_job_refusals(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"run.fidelity=cycle", "fidelity cycle: a point-cloud network runs as reference"},
        {"run.chip=configs/chip/default.yaml", "chip.mapping.reload forbid: a point-cloud network's int8 convs take turns"},
        {"chip.physics.enabled=true", "int8 convs run on the chip only with physics off"},
        {"run.data.format=mnist", "a point-cloud network reads run.data.format synthetic, hdf5 or modelnet"},
        {"run.data.split=t10k", "splits are test and train"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        CimPnJob j;
        CimDiag d;
        cim_diag_init(&d);
        assert_int_equal(run(&j, cases[k][0], NULL, &d), CIM_ERR_CONFIG);
        assert_true(test_diag_has(&d, cases[k][1], 1));
        cim_pn_job_free(&j);
        cim_diag_free(&d);
    }
}

/* The tiny network with seed 5's weights, pt_sa1 pruned (its pruned filters still compute),
 * on synthetic clouds: the host reference and the chip's fast and program paths give
 * identical logits and first conv outputs; fast and program identical cost. */
static void test_pointcloud_chip_equals_reference(void **state)
{
    (void)state;
    CimDiag d;
    cim_diag_init(&d);
    CimPnNet net;
    CimChipCfg cfg;
    CimCloudSet set;
    assert_int_equal(cim_pn_load("tests/workloads/pointnet/tiny.yaml", &net, &d), CIM_OK);
    assert_int_equal(cim_cfg_load_chip("configs/chip/pointnet.yaml", NULL, &cfg, &d), CIM_OK);
    assert_int_equal(cim_pn_chip_check(&cfg, NULL, &d), CIM_OK);
    assert_int_equal(cim_cloud_synth("test", 1, net.points, 7, NULL, &set, &d), CIM_OK);
    cim_pn_init_random(&net, 5);
    uint8_t pruned[8];
    size_t removed;
    assert_int_equal(cim_pn_prune_weight(net.layers[0].w[0], 8, 3, 0.01, 0.45, pruned, &removed), CIM_OK);
    CimPnChip fast, prog;
    assert_int_equal(cim_pn_chip_init(&fast, &cfg, &net, 0), CIM_OK);
    assert_int_equal(cim_pn_chip_init(&prog, &cfg, &net, 1), CIM_OK);
    enum { P0 = 16 * 8 * 8 }; /* pt_sa1: 16 centres x 8 neighbours x 8 filters */
    int32_t first[3][P0];
    float logits[3][10];
    for (size_t c = 0; c < set.n; c++) {
        const float *xyz = set.xyz + c * set.points * 3;
        for (int k = 0; k < 3; k++) {
            CimPnOpts o = {.fps_start = c % 5, .first_conv_out = first[k], .first_conv_cap = P0};
            if (k) {
                o.conv = cim_pn_chip_conv;
                o.conv_ctx = k == 1 ? &fast : &prog;
            }
            assert_int_equal(cim_pn_forward(&net, xyz, NULL, &o, logits[k], &d), CIM_OK);
        }
        assert_memory_equal(logits[0], logits[1], sizeof logits[0]);
        assert_memory_equal(logits[0], logits[2], sizeof logits[0]);
        assert_memory_equal(first[0], first[1], sizeof first[0]);
        assert_memory_equal(first[0], first[2], sizeof first[0]);
    }
    size_t convs = 0;
    for (size_t i = 0; i < net.n; i++)
        for (unsigned s = 0; s < CIM_PN_MAX_MLP; s++) {
            const CimPnChipConv *a = cim_pn_chip_at(&fast, i, s), *b = cim_pn_chip_at(&prog, i, s);
            assert_int_equal(a->calls, b->calls);
            if (!a->calls)
                continue;
            convs++;
            assert_int_equal(a->calls, set.n);
            assert_true(a->t.cycles > a->load.cycles * a->calls && a->t.reload_cycles == a->load.cycles * a->calls);
            assert_int_equal(a->t.cycles, b->t.cycles);
            assert_int_equal(a->t.instructions, b->t.instructions);
            assert_memory_equal(&a->t.ev, &b->t.ev, sizeof a->t.ev);
        }
    assert_int_equal(convs, 7); /* 3 + 2 + 2 convs */
    /* other weight codes on a conv already loaded: refused */
    int8_t x[3] = {1, 2, 3}, w[8 * 3] = {0};
    int32_t y[8];
    assert_int_equal(cim_pn_chip_conv(&fast, 0, 0, x, w, 1, 3, 8, y, &d), CIM_ERR_RANGE);
    assert_true(test_diag_has(&d, "pt_sa1 conv 0: other weight codes than the ones loaded", 1));
    cim_pn_chip_free(&fast);
    cim_pn_chip_free(&prog);
    cim_cloud_free(&set);
    cim_pn_free(&net);
    cim_diag_free(&d);
}

/* PointNet++'s largest conv, pt_sa3's 512 -> 1024, compiles on configs/chip/pointnet.yaml
 * (64 macros); the default chip's 8 macros are refused naming chip.macros. */
static void test_pointcloud_chip_holds_largest_conv(void **state)
{
    (void)state;
    CimDiag d;
    cim_diag_init(&d);
    CimChipCfg big, small;
    assert_int_equal(cim_cfg_load_chip("configs/chip/pointnet.yaml", NULL, &big, &d), CIM_OK);
    assert_int_equal(cim_cfg_load_chip("configs/chip/default.yaml", NULL, &small, &d), CIM_OK);
    int8_t *w = calloc(512 * 1024, 1);
    assert_non_null(w);
    CimInt8Conv c;
    assert_int_equal(cim_int8_compile(&big, w, 512, 1024, 1, NULL, &c, &d), CIM_OK);
    assert_int_equal(c.nregions, 64);
    cim_int8_free(&c);
    assert_int_equal(cim_int8_compile(&small, w, 512, 1024, 1, NULL, &c, &d), CIM_ERR_CONFIG);
    assert_true(test_diag_has(&d, "raise chip.macros", 1));
    free(w);
    cim_diag_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pointcloud_job_synthetic_and_pruning),
        cmocka_unit_test(test_pointcloud_job_hdf5_data),
        cmocka_unit_test(test_pointcloud_job_refusals),
        cmocka_unit_test(test_pointcloud_chip_equals_reference),
        cmocka_unit_test(test_pointcloud_chip_holds_largest_conv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
