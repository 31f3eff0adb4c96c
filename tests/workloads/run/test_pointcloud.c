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
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/tally_check.h"
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

static unsigned pick(CimRng *r, unsigned n) { return (unsigned)(cim_rng_u64(r) % n); }

/* The chip's Gram matrix of weight codes (cim_pn_chip_gram): on random shapes and chips
 * its entries equal the codes' dot products, and the fast and program paths agree in
 * them and in the load's and the positions' cycles, events, split and busy cycles. */
static void test_pointcloud_prune_gram_fast_equals_program(void **state)
{
    (void)state;
    CimRng r;
    cim_rng_seed(&r, 77);
    CimDiag d;
    cim_diag_init(&d);
    for (int t = 0; t < 10; t++) {
        CimChipCfg cfg;
        assert_int_equal(cim_cfg_load_chip("configs/chip/pointnet.yaml", NULL, &cfg, &d), CIM_OK);
        cfg.array.rows = 64u << pick(&r, 3);
        cfg.array.cols = 64u << pick(&r, 3);
        cfg.macros = 32 + pick(&r, 33);
        size_t C = 1 + pick(&r, t < 5 ? 8 : 70), F = 2 + pick(&r, t < 5 ? 20 : 80);
        int8_t *w = malloc(F * C);
        int32_t *g[2] = {calloc(F * F, sizeof(int32_t)), calloc(F * F, sizeof(int32_t))};
        for (size_t i = 0; i < F * C; i++)
            w[i] = (int8_t)(uint8_t)cim_rng_u64(&r);
        CimLayerTally load[2] = {{0}}, pos[2] = {{0}};
        for (int k = 0; k < 2; k++)
            if (cim_pn_chip_gram(&cfg, k, "pt_sa1", 0, w, C, F, g[k], &load[k], &pos[k], &d) != CIM_OK) {
                char line[512];
                cim_diag_format(&d, 0, line, sizeof line);
                fail_msg("C %zu F %zu on %u macros of %u x %u: %s", C, F, cfg.macros, cfg.array.rows, cfg.array.cols,
                         line);
            }
        for (size_t i = 0; i < F; i++)
            for (size_t j = 0; j < F; j++) {
                int32_t dot = 0;
                for (size_t c = 0; c < C; c++)
                    dot += (int32_t)w[i * C + c] * w[j * C + c];
                if (g[0][i * F + j] != dot || g[1][i * F + j] != dot)
                    fail_msg("C %zu F %zu: G[%zu][%zu] fast %d program %d, the dot product %d", C, F, i, j,
                             g[0][i * F + j], g[1][i * F + j], dot);
            }
        char why[128];
        if (test_tally_diff(&load[0], &load[1], why, sizeof why) || test_tally_diff(&pos[0], &pos[1], why, sizeof why))
            fail_msg("C %zu F %zu: fast vs program: %s", C, F, why);
        assert_true(load[0].cycles > 0 && pos[0].cycles > 0);
        free(w);
        free(g[0]);
        free(g[1]);
    }
    cim_diag_free(&d);
}

/* The rule on the chip's distances, written out plainly here: participants by float sum,
 * d = s * sqrt(sum_k (code_i - code_j)^2), mean, population variance, d < mean - b var,
 * count > c (N - 1). */
static void plain_code_rule(const float *w, const int8_t *q, size_t f, size_t c, double s, double b, double cthr,
                            uint8_t *pruned)
{
    uint8_t part[128];
    double d[128 * 127 / 2];
    size_t n = 0, count[128] = {0};
    for (size_t i = 0; i < f; i++) {
        float sum = 0.0f;
        for (size_t k = 0; k < c; k++)
            sum += w[i * c + k];
        part[i] = sum != 0.0f;
    }
    double mean = 0.0, var = 0.0;
    for (size_t i = 0; i < f; i++)
        for (size_t j = i + 1; j < f; j++)
            if (part[i] && part[j]) {
                int64_t ss = 0;
                for (size_t k = 0; k < c; k++)
                    ss += (int64_t)(q[i * c + k] - q[j * c + k]) * (q[i * c + k] - q[j * c + k]);
                d[n] = s * sqrt((double)ss);
                mean += d[n++];
            }
    memset(pruned, 0, f);
    if (!n)
        return;
    mean /= (double)n;
    for (size_t k = 0; k < n; k++)
        var += (d[k] - mean) * (d[k] - mean);
    double limit = mean - b * (var / (double)n);
    size_t k = 0;
    for (size_t i = 0; i < f; i++)
        for (size_t j = i + 1; j < f; j++)
            if (part[i] && part[j] && d[k++] < limit)
                count[i]++, count[j]++;
    for (size_t i = 0; i < f; i++)
        pruned[i] = (double)count[i] > cthr * (double)(f - 1);
}

/* cim_pn_prune_gram on the codes' Gram matrix picks the plain rule's filters and zeroes
 * them, on random weights (PyTorch's bound for the fan-in, some filters all zero, some
 * summing to exactly 0) and thresholds. */
static void test_pointcloud_prune_gram_rule(void **state)
{
    (void)state;
    CimRng r;
    cim_rng_seed(&r, 91);
    unsigned any = 0;
    for (int t = 0; t < 200; t++) {
        size_t f = 2 + pick(&r, 127), c = 1 + pick(&r, 70);
        float *w = malloc(f * c * sizeof *w);
        int8_t *q = malloc(f * c);
        int32_t *g = malloc(f * f * sizeof *g);
        float bound = 1.0f / sqrtf((float)c);
        for (size_t i = 0; i < f * c; i++)
            w[i] = bound * (2.0f * (float)(cim_rng_u64(&r) >> 40) / (float)(1u << 24) - 1.0f);
        for (size_t i = 0; i < f; i++) {
            unsigned k = pick(&r, 20);
            if (k == 0)
                memset(w + i * c, 0, c * sizeof *w);
            else if (k == 1 && c >= 2) { /* a filter whose sum is exactly 0 */
                memset(w + i * c, 0, c * sizeof *w);
                w[i * c] = 0.25f;
                w[i * c + 1] = -0.25f;
            }
        }
        CimPnQuant qp;
        if (cim_pn_quant_params(w, f * c, &qp) != CIM_OK || cim_pn_quantise(w, f * c, &qp, q) != CIM_OK) {
            free(w), free(q), free(g);
            continue;
        }
        for (size_t i = 0; i < f; i++)
            for (size_t j = 0; j < f; j++) {
                int32_t dot = 0;
                for (size_t k = 0; k < c; k++)
                    dot += (int32_t)q[i * c + k] * q[j * c + k];
                g[i * f + j] = dot;
            }
        double b = t % 3 ? 0.01 : 0.5 * (double)pick(&r, 100) / 100.0, cthr = t % 3 ? 0.45 : (double)pick(&r, 60) / 100.0;
        uint8_t want[128], got[128];
        plain_code_rule(w, q, f, c, qp.s, b, cthr, want);
        size_t removed, n = 0;
        assert_int_equal(cim_pn_prune_gram(w, f, c, g, qp.s, b, cthr, got, &removed), CIM_OK);
        for (size_t i = 0; i < f; i++) {
            if (want[i] != got[i])
                fail_msg("case %d f %zu c %zu: filter %zu plain %u gram %u", t, f, c, i, want[i], got[i]);
            n += got[i];
            for (size_t k = 0; got[i] && k < c; k++)
                assert_true(w[i * c + k] == 0.0f);
        }
        assert_int_equal(removed, n);
        any += n > 0;
        free(w), free(q), free(g);
    }
    assert_true(any > 50);
}

/* run.prune.distance chip on the tiny network: the fast and the program path prune the
 * same filters at the same cost (cycles, instructions, every event); the float rule's run
 * measures nothing on the chip; stats.json says which distance and the chip's numbers. */
static void test_pointcloud_prune_distance_chip_job(void **state)
{
    (void)state;
    CimDiag d;
    cim_diag_init(&d);
    CimPnJob a, b, f;
    assert_int_equal(run(&a, "run.prune.distance=chip", NULL, &d), CIM_OK);
    const char *ov[7] = {base_ov[0], "run.data.images=2", base_ov[2], base_ov[3], "run.prune.distance=chip",
                         "run.fidelity=program", NULL};
    CimJobOptions o = {.run_path = RUN, .overrides = ov, .noverrides = 6};
    memset(&b, 0, sizeof b);
    assert_int_equal(cim_pn_job_run(&o, NULL, &b, &d), CIM_OK);
    assert_int_equal(run(&f, NULL, NULL, &d), CIM_OK);
    size_t pruned = 0;
    for (unsigned s = 0; s < 3; s++) {
        assert_memory_equal(a.pruned[0][s], b.pruned[0][s], a.net.layers[0].mlp[s]);
        for (unsigned q = 0; q < a.net.layers[0].mlp[s]; q++)
            pruned += a.pruned[0][s][q];
        const CimPnPruneCost *x = a.prune_cost[0][s], *y = b.prune_cost[0][s];
        assert_non_null(x);
        assert_non_null(y);
        assert_null(f.prune_cost[0][s]);
        assert_int_equal(x->rounds, 1);
        char why[128];
        if (test_tally_diff(&x->load, &y->load, why, sizeof why) || test_tally_diff(&x->gram, &y->gram, why, sizeof why))
            fail_msg("conv %u: fast vs program pruning cost: %s", s, why);
        assert_true(x->gram.cycles > 0);
    }
    assert_true(pruned > 0);
    assert_null(a.prune_cost[1][0]);
    char path[] = "/tmp/pn_prune_json_XXXXXX";
    close(mkstemp(path));
    FILE *fp = fopen(path, "w");
    assert_int_equal(cim_pn_job_print_json(&a, fp), CIM_OK);
    fclose(fp);
    char *text = test_read_text(path);
    assert_non_null(strstr(text, "\"distance\": \"chip\""));
    assert_non_null(strstr(text, "\"load_cycles\""));
    free(text);
    unlink(path);
    cim_pn_job_free(&a);
    cim_pn_job_free(&b);
    cim_pn_job_free(&f);
    cim_diag_free(&d);
}

/* The files cim_pn_job_write makes for j (seconds zeroed: wall and CPU time are not
 * results), concatenated, malloc'd. */
static char *job_files(CimPnJob *j)
{
    char dir[] = "/tmp/pn_jobs_XXXXXX";
    assert_non_null(mkdtemp(dir));
    j->seconds = j->cpu_seconds = 0.0;
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_pn_job_write(j, dir, &d), CIM_OK);
    cim_diag_free(&d);
    static const char *const names[] = {"stats.json", "layers.csv", "report.html"};
    size_t len = 0;
    char *all = calloc(1, 1);
    for (int k = 0; k < 3; k++) {
        char path[64];
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        char *t = test_read_text(path);
        assert_non_null(t);
        all = realloc(all, len + strlen(t) + 1);
        memcpy(all + len, t, strlen(t) + 1);
        len += strlen(t);
        free(t);
        unlink(path);
    }
    rmdir(dir);
    return all;
}

/* --jobs for clouds: 1, 2 and 3 threads (7 clouds: blocks that do not divide them) on the
 * fast path with chip distances, and 1 vs 2 on the program path, give the same
 * predictions, first conv fingerprint, per-conv tallies and stats.json, layers.csv and
 * report.html byte for byte (times zeroed). */
static void test_pointcloud_jobs_identical(void **state)
{
    (void)state;
    static const struct {
        const char *fid;
        unsigned images, jobs[3];
    } cases[] = {{"run.fidelity=fast", 7, {1, 2, 3}}, {"run.fidelity=program", 3, {1, 2, 0}}};
    for (size_t c = 0; c < 2; c++) {
        char imgs[32], *files[3] = {NULL};
        snprintf(imgs, sizeof imgs, "run.data.images=%u", cases[c].images);
        CimPnJob j[3];
        for (int k = 0; k < 3 && cases[c].jobs[k]; k++) {
            const char *ov[7] = {base_ov[0], imgs, base_ov[2], base_ov[3], "run.prune.distance=chip", cases[c].fid,
                                 NULL};
            CimJobOptions o = {.run_path = RUN, .overrides = ov, .noverrides = 6, .jobs = cases[c].jobs[k]};
            CimDiag d;
            cim_diag_init(&d);
            memset(&j[k], 0, sizeof j[k]);
            assert_int_equal(cim_pn_job_run(&o, NULL, &j[k], &d), CIM_OK);
            cim_diag_free(&d);
            assert_int_equal(j[k].n, cases[c].images);
            assert_int_equal(j[k].jobs, cases[c].jobs[k]);
            files[k] = job_files(&j[k]);
            if (k == 0)
                continue;
            assert_memory_equal(j[0].pred, j[k].pred, cases[c].images * sizeof *j[0].pred);
            assert_int_equal(j[0].correct, j[k].correct);
            assert_int_equal(j[0].first_conv_fnv, j[k].first_conv_fnv);
            for (size_t q = 0; q < j[0].net.n * CIM_PN_MAX_MLP; q++) {
                const CimPnChipConv *x = &j[0].chip.conv[q], *y = &j[k].chip.conv[q];
                char why[128];
                assert_int_equal(x->calls, y->calls);
                assert_int_equal(x->positions, y->positions);
                if (test_tally_diff(&x->t, &y->t, why, sizeof why))
                    fail_msg("%s, %u vs %u threads, conv %zu: %s", cases[c].fid, cases[c].jobs[0], cases[c].jobs[k],
                             q, why);
            }
            if (strcmp(files[0], files[k]) != 0)
                fail_msg("%s: the files of %u and %u threads differ", cases[c].fid, cases[c].jobs[0],
                         cases[c].jobs[k]);
        }
        assert_int_equal(j[0].chip.conv[0].calls, cases[c].images);
        for (int k = 0; k < 3 && cases[c].jobs[k]; k++) {
            cim_pn_job_free(&j[k]);
            free(files[k]);
        }
    }
}

/* A cloud that fails (pt_sa1's balls so small that its first conv's input is constant)
 * stops the run with the same error on 1 and on 3 threads. */
static void test_pointcloud_jobs_error(void **state)
{
    (void)state;
    char *net = test_read_text("tests/workloads/pointnet/tiny.yaml");
    assert_non_null(net);
    char *bad = test_subst(net, "radius: 0.4", "radius: 0.00001");
    char path[] = "/tmp/pn_bad_net_XXXXXX", ovnet[64];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_true(write(fd, bad, strlen(bad)) == (ssize_t)strlen(bad));
    close(fd);
    snprintf(ovnet, sizeof ovnet, "run.network=%s", path);
    for (unsigned jobs = 1; jobs <= 3; jobs += 2) {
        const char *ov[5] = {ovnet, "run.data.images=6", base_ov[2], base_ov[3], NULL};
        CimJobOptions o = {.run_path = RUN, .overrides = ov, .noverrides = 4, .jobs = jobs};
        CimPnJob j;
        CimDiag d;
        cim_diag_init(&d);
        memset(&j, 0, sizeof j);
        assert_int_equal(cim_pn_job_run(&o, NULL, &j, &d), CIM_ERR_RANGE);
        assert_true(test_diag_has(&d, "pt_sa1 conv 0: cannot quantise its input to int8", 1));
        assert_int_equal(d.errors, 1);
        assert_int_equal(j.n, 0);
        cim_pn_job_free(&j);
        cim_diag_free(&d);
    }
    unlink(path);
    free(net);
    free(bad);
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
        cmocka_unit_test(test_pointcloud_prune_gram_fast_equals_program),
        cmocka_unit_test(test_pointcloud_prune_gram_rule),
        cmocka_unit_test(test_pointcloud_prune_distance_chip_job),
        cmocka_unit_test(test_pointcloud_jobs_identical),
        cmocka_unit_test(test_pointcloud_jobs_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
