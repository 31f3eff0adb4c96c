/* dcim sweep's pieces (workloads/sweep, workloads/prov): SHA-256 against the FIPS 180-4
 * vectors, the point order of a product of factors, Latin-hypercube strata, the Pareto
 * front against an independent sort-and-scan, the definition's hash and its errors, and
 * the headline numbers read from a run's stats.json. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workloads/prov/prov.h"
#include "workloads/sweep/sweep.h"

static uint64_t rng_state = 12345;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* The FIPS vectors, pieces and files through the compression chosen by cim_sha256_accel. */
static void sha256_vectors(void)
{
    char hex[65];
    /* FIPS 180-4 examples (csrc.nist.gov, SHA256.pdf and SHA2_Additional.pdf) */
    cim_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    cim_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    cim_sha256_hex(m2, strlen(m2), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *a = malloc(1000000);
    assert_non_null(a);
    memset(a, 'a', 1000000);
    cim_sha256_hex(a, 1000000, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    /* fed in random pieces: the same digest (block boundaries, the 55/56/64-byte pads) */
    for (int trial = 0; trial < 200; trial++) {
        size_t len = rnd() % 300, o = 0;
        for (size_t i = 0; i < len; i++)
            a[i] = (char)rnd();
        char one[65], parts[65];
        cim_sha256_hex(a, len, one);
        CimSha256 s;
        cim_sha256_init(&s);
        while (o < len) {
            size_t n = 1 + rnd() % 70;
            n = n > len - o ? len - o : n;
            cim_sha256_update(&s, a + o, n);
            o += n;
        }
        cim_sha256_final(&s, parts);
        assert_string_equal(one, parts);
    }
    /* a file's digest is its bytes' */
    char path[] = "/tmp/dcim_sha_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, a, 100000), 100000);
    close(fd);
    char f[65], b[65];
    assert_int_equal(cim_sha256_file(path, f), 0);
    cim_sha256_hex(a, 100000, b);
    assert_string_equal(f, b);
    unlink(path);
    assert_int_equal(cim_sha256_file(path, f), -1);
    free(a);
}

/* Both compressions (the CPU's SHA extensions where it has them, and the portable code) on
 * the standard's vectors; then on random data in random pieces, the two digests equal. */
static void test_sha256_vectors(void **st)
{
    (void)st;
    int accel = cim_sha256_accel(1);
    sha256_vectors();
    assert_int_equal(cim_sha256_accel(0), 0);
    sha256_vectors();
    unsigned char *a = malloc(20000);
    assert_non_null(a);
    for (int trial = 0; accel && trial < 300; trial++) {
        size_t len = trial < 100 ? rnd() % 300 : rnd() % 20000, o = (size_t)(rnd() % 8);
        len = len > 20000 - o ? 20000 - o : len;
        for (size_t i = 0; i < len; i++)
            a[o + i] = (unsigned char)rnd();
        char d[2][65];
        for (int on = 0; on < 2; on++) {
            assert_int_equal(cim_sha256_accel(on), on);
            CimSha256 s;
            cim_sha256_init(&s);
            for (size_t at = 0, n; at < len; at += n) {
                n = 1 + rnd() % (trial % 2 ? 70 : 3000);
                n = n > len - at ? len - at : n;
                cim_sha256_update(&s, a + o + at, n);
            }
            cim_sha256_final(&s, d[on]);
        }
        assert_string_equal(d[0], d[1]);
    }
    if (!accel)
        print_message("SHA-256: this CPU has no SHA extensions; only the portable code was tested\n");
    cim_sha256_accel(1);
    free(a);
}

/* A definition of random factors over distinct keys (values "K:T": key K, tuple T). */
static const char *const KEYS[] = {"chip.array.rows", "chip.array.cols", "chip.macros", "chip.clock_mhz",
                                   "chip.buffer_kib", "run.seed", "tech.device.sigma_ln_on"};

static void test_points_are_the_product(void **st)
{
    (void)st;
    for (int trial = 0; trial < 50; trial++) {
        CimSweepDef d;
        cim_sweep_def_init(&d);
        size_t nf = 1 + rnd() % 3, used = 0, total = 1;
        for (size_t fi = 0; fi < nf; fi++) {
            size_t nk = 1 + rnd() % 2, nt = 1 + rnd() % 4;
            if (used + nk > 7)
                break;
            CimSweepFactor *f = cim_sweep_def_add_factor(&d, "linked", nk, nt);
            assert_non_null(f);
            for (size_t k = 0; k < nk; k++)
                for (size_t t = 0; t < nt; t++) {
                    char v[32];
                    snprintf(v, sizeof v, "%zu:%zu", used + k, t);
                    assert_int_equal(cim_sweep_def_factor_set(f, t, k, KEYS[used + k], v), CIM_OK);
                }
            used += nk;
            total *= nt;
        }
        snprintf(d.run, sizeof d.run, "configs/runs/mnist_bnn.yaml");
        CimDiag diag;
        cim_diag_init(&diag);
        assert_int_equal(cim_sweep_def_finish(&d, &diag), CIM_OK);
        cim_diag_free(&diag);
        assert_int_equal(d.npoints, total);
        assert_int_equal(d.nkeys, used);
        /* every combination once, the first factor slowest, linked keys moving together */
        char *seen = calloc(total, 1);
        for (size_t p = 0; p < total; p++) {
            const char *vals[CIM_SWEEP_MAX_KEYS];
            cim_sweep_def_point(&d, p, vals);
            size_t code = 0, k = 0;
            for (size_t fi = 0; fi < d.nf; fi++) {
                size_t t0 = 0;
                for (size_t j = 0; j < d.f[fi].nkeys; j++, k++) {
                    unsigned key, t;
                    assert_int_equal(sscanf(vals[k], "%u:%u", &key, &t), 2);
                    assert_int_equal(key, k);
                    if (j == 0)
                        t0 = t;
                    assert_int_equal(t, t0);
                }
                code = code * d.f[fi].ntuples + t0;
            }
            assert_int_equal(code, p);
            assert_false(seen[code]);
            seen[code] = 1;
        }
        free(seen);
        cim_sweep_def_free(&d);
    }
}

static void test_lhs_strata_and_choices(void **st)
{
    (void)st;
    const char *ch[] = {"spread", "pack"};
    for (int trial = 0; trial < 20; trial++) {
        size_t n = 2 * (1 + rnd() % 50);
        CimSweepSampleKey k[3] = {{.key = "chip.clock_mhz", .lo = 50, .hi = 400},
                                  {.key = "chip.macros", .lo = 1, .hi = 16, .integer = 1},
                                  {.key = "chip.mapping.strategy", .choices = ch, .nchoices = 2}};
        CimSweepDef d;
        cim_sweep_def_init(&d);
        CimDiag diag;
        cim_diag_init(&diag);
        assert_int_equal(cim_sweep_def_add_sample(&d, "lhs", n, rnd(), k, 3, &diag), CIM_OK);
        size_t *hits = calloc(n, sizeof *hits), spread = 0;
        for (size_t i = 0; i < n; i++) {
            double v = atof(d.f[0].vals[i * 3]);
            size_t s = (size_t)((v - 50) / 350 * (double)n);
            assert_true(v >= 50 && v <= 400);
            hits[s < n ? s : n - 1]++;
            char *end;
            long m = strtol(d.f[0].vals[i * 3 + 1], &end, 10);
            assert_true(!*end && m >= 1 && m <= 16);
            spread += !strcmp(d.f[0].vals[i * 3 + 2], "spread");
        }
        for (size_t s = 0; s < n; s++) /* one point in each stratum (up to rounding at edges) */
            assert_true(hits[s] <= 2);
        assert_int_equal(spread, n / 2); /* n even: each choice n/2 times */
        free(hits);
        /* random: the same seed gives the same points, another seed others */
        CimSweepDef e, g;
        cim_sweep_def_init(&e);
        cim_sweep_def_init(&g);
        assert_int_equal(cim_sweep_def_add_sample(&e, "random", n, 7, k, 3, &diag), CIM_OK);
        assert_int_equal(cim_sweep_def_add_sample(&g, "random", n, 7, k, 3, &diag), CIM_OK);
        for (size_t i = 0; i < 3 * n; i++)
            assert_string_equal(e.f[0].vals[i], g.f[0].vals[i]);
        snprintf(e.run, sizeof e.run, "configs/runs/mnist_bnn.yaml");
        snprintf(g.run, sizeof g.run, "configs/runs/mnist_bnn.yaml");
        assert_int_equal(cim_sweep_def_finish(&e, &diag), CIM_OK);
        assert_int_equal(cim_sweep_def_finish(&g, &diag), CIM_OK);
        assert_string_equal(e.sha256, g.sha256);
        free(g.f[0].vals[0]);
        g.f[0].vals[0] = strdup("51");
        assert_int_equal(cim_sweep_def_finish(&g, &diag), CIM_OK);
        assert_string_not_equal(e.sha256, g.sha256);
        cim_diag_free(&diag);
        cim_sweep_def_free(&d);
        cim_sweep_def_free(&e);
        cim_sweep_def_free(&g);
    }
}

static int cmp_xy(const void *a, const void *b)
{
    const double *p = a, *q = b;
    return p[0] != q[0] ? (p[0] > q[0]) - (p[0] < q[0]) : (p[1] > q[1]) - (p[1] < q[1]);
}

/* The front by sorting on x, then y, and scanning: in each group of equal x, the points of
 * least y are on it when that y is below every y of a smaller x. */
static void test_pareto_against_scan(void **st)
{
    (void)st;
    for (int trial = 0; trial < 300; trial++) {
        size_t n = 1 + rnd() % 40;
        double x[40], y[40], s[40][2];
        unsigned char front[40];
        for (size_t i = 0; i < n; i++) {
            x[i] = (double)(rnd() % 8);
            y[i] = rnd() % 10 == 0 ? NAN : (double)(rnd() % 8);
            s[i][0] = x[i];
            s[i][1] = y[i];
        }
        cim_sweep_pareto(x, y, n, front);
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(y[i])) {
                s[m][0] = x[i];
                s[m][1] = y[i];
                m++;
            }
        qsort(s, m, sizeof s[0], cmp_xy);
        double best = INFINITY;
        size_t want = 0, got = 0;
        for (size_t i = 0; i < m;) {
            size_t j = i;
            while (j < m && s[j][0] == s[i][0])
                j++;
            double gmin = s[i][1];
            for (size_t k = i; k < j && s[k][1] == gmin; k++)
                if (gmin < best) {
                    want++;
                    /* this (x, y) must be marked in the function's answer */
                    int marked = 0;
                    for (size_t q = 0; q < n && !marked; q++)
                        marked = front[q] && x[q] == s[k][0] && y[q] == s[k][1];
                    assert_true(marked);
                }
            best = fmin(best, gmin);
            i = j;
        }
        for (size_t i = 0; i < n; i++)
            got += front[i];
        assert_int_equal(got, want);
    }
}

static void test_definition_errors(void **st)
{
    (void)st;
    CimSweepDef d;
    CimDiag diag;
    char buf[4096];
    /* an unknown key names the nearest; a key in two factors; a compare-only root in a run */
    cim_sweep_def_init(&d);
    cim_diag_init(&diag);
    const char *v[] = {"1", "2"};
    snprintf(d.run, sizeof d.run, "configs/runs/mnist_bnn.yaml");
    cim_sweep_def_add_grid(&d, "chip.array.rowz", v, 2, &diag);
    cim_sweep_def_add_grid(&d, "chip.macros", v, 2, &diag);
    cim_sweep_def_add_grid(&d, "chip.macros", v, 2, &diag);
    cim_sweep_def_add_grid(&d, "analog.adc.bits", v, 2, &diag);
    assert_int_equal(cim_sweep_def_finish(&d, &diag), CIM_ERR_CONFIG);
    FILE *m = fmemopen(buf, sizeof buf, "w");
    cim_diag_print(&diag, m);
    fclose(m);
    assert_non_null(strstr(buf, "unknown swept key 'chip.array.rowz'; did you mean 'chip.array.rows'?"));
    assert_non_null(strstr(buf, "key 'chip.macros' is swept twice"));
    assert_non_null(strstr(buf, "swept key 'analog.adc.bits' must start with run., chip. or tech."));
    cim_diag_free(&diag);
    cim_sweep_def_free(&d);
    /* a sweep file: linked lists of two lengths, reported at the file's line and column */
    char path[] = "/tmp/dcim_sweep_XXXXXX";
    int fd = mkstemp(path);
    const char y[] = "sweep:\n  run: configs/runs/mnist_bnn.yaml\n  linked:\n    chip.array.rows: [64, 128]\n"
                     "    chip.array.cols: [64]\n";
    assert_int_equal(write(fd, y, sizeof y - 1), (ssize_t)(sizeof y - 1));
    close(fd);
    cim_sweep_def_init(&d);
    cim_diag_init(&diag);
    assert_int_equal(cim_sweep_def_load(path, &d, &diag), CIM_ERR_CONFIG);
    m = fmemopen(buf, sizeof buf, "w");
    cim_diag_print(&diag, m);
    fclose(m);
    char want[256];
    snprintf(want, sizeof want, "%s:5:22: error: linked key 'chip.array.cols' has 1 values, 'chip.array.rows' has 2", path);
    assert_non_null(strstr(buf, want));
    cim_diag_free(&diag);
    cim_sweep_def_free(&d);
    unlink(path);
}

static void test_run_metrics(void **st)
{
    (void)st;
    char dir[] = "/tmp/dcim_metrics_XXXXXX", p[64];
    assert_non_null(mkdtemp(dir));
    snprintf(p, sizeof p, "%s/stats.json", dir);
    FILE *f = fopen(p, "w");
    fputs("{\"accuracy\": 0.25, \"images\": 4, \"operations_per_image\": {\"chip_macs\": 100, \"chip_macs_removed\": 7},"
          " \"chip_per_image\": {\"cycles\": 50, \"energy_pj\": {\"array\": 1.5, \"total\": 2.5}},"
          " \"latency_us_per_image\": 0.5, \"area_um2\": {\"array\": 3, \"total\": 4},"
          " \"figures\": {\"tops_per_w\": 9, \"tops_per_mm2\": 0.1}}",
          f);
    fclose(f);
    json_t *m = cim_sweep_metrics(CIM_SWEEP_RUN, dir);
    assert_non_null(m);
    struct {
        const char *name;
        double v;
    } want[] = {{"accuracy_pct", 25},          {"macs_executed_per_image", 100}, {"macs_removed_per_image", 7},
                {"cycles_per_image", 50},      {"latency_us_per_image", 0.5},   {"energy_array_pj_per_image", 1.5},
                {"energy_total_pj_per_image", 2.5}, {"area_total_um2", 4},      {"tops_per_w", 9},
                {"tops_per_mm2", 0.1}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_float_equal(json_number_value(json_object_get(m, want[i].name)), want[i].v, 1e-12);
    json_decref(m);
    unlink(p);
    assert_null(cim_sweep_metrics(CIM_SWEEP_RUN, dir));
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),       cmocka_unit_test(test_points_are_the_product),
        cmocka_unit_test(test_lhs_strata_and_choices), cmocka_unit_test(test_pareto_against_scan),
        cmocka_unit_test(test_definition_errors),    cmocka_unit_test(test_run_metrics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
