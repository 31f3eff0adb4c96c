/* Unit tests of workloads/io/cloud_modelnet.c: a small ModelNet-style folder built in the
 * test, class order, normalisation, determinism, the cache (hit, and a miss for every input
 * change), folder and mesh errors, fault injection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <math.h>

#include "tests/support/test_alloc.h"
#include "tests/workloads/io/cloud_rig.h"

#define TET "OFF\n4 4 0\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 1 2\n3 0 1 3\n3 0 2 3\n3 1 2 3\n"
#define CUBE                                                                                  \
    "OFF8 12 0\n-1 -1 -1\n-1 -1 1\n-1 1 -1\n-1 1 1\n1 -1 -1\n1 -1 1\n1 1 -1\n1 1 1\n"          \
    "3 0 1 3\n3 0 3 2\n3 4 6 7\n3 4 7 5\n3 0 4 5\n3 0 5 1\n3 2 3 7\n3 2 7 6\n3 0 2 6\n"        \
    "3 0 6 4\n3 1 5 7\n3 1 7 3\n"
#define QUAD "# a flat square\nOFF\n4 1 0\n0 0 0\n2 0 0\n2 2 0\n0 2 0\n4 0 1 2 3\n"

static void mkdir_ok(const char *p) { assert_int_equal(mkdir(p, 0777), 0); }

/* DIR/mn: chair, bed, bathtub (so class order differs from creation order), each with
 * train/ (two meshes) and test/ (one); plus what the loader must ignore: a top-level file,
 * a hidden folder, a non-.off file. Returns DIR/mn in mn (512 bytes). */
static void make_modelnet(const CloudRig *r, char *mn)
{
    static const char *const cls[3] = {"chair", "bed", "bathtub"};
    static const char *const mesh[3] = {TET, CUBE, QUAD};
    char p[1024];
    mkdir_ok(rig_path(r, "mn", mn));
    for (int c = 0; c < 3; c++) {
        snprintf(p, sizeof p, "%s/%s", mn, cls[c]);
        mkdir_ok(p);
        snprintf(p, sizeof p, "%s/%s/train", mn, cls[c]);
        mkdir_ok(p);
        snprintf(p, sizeof p, "%s/%s/test", mn, cls[c]);
        mkdir_ok(p);
        for (int i = 0; i < 2; i++) {
            snprintf(p, sizeof p, "%s/%s/train/%s_%04d.off", mn, cls[c], cls[c], i + 1);
            rig_write_text(p, mesh[(c + i) % 3]);
        }
        snprintf(p, sizeof p, "%s/%s/test/%s_0100.off", mn, cls[c], cls[c]);
        rig_write_text(p, mesh[c]);
    }
    snprintf(p, sizeof p, "%s/README.txt", mn);
    rig_write_text(p, "not a class\n");
    snprintf(p, sizeof p, "%s/.hidden", mn);
    mkdir_ok(p);
    snprintf(p, sizeof p, "%s/bed/train/.DS_Store", mn);
    rig_write_text(p, "junk");
    snprintf(p, sizeof p, "%s/bed/train/notes.txt", mn);
    rig_write_text(p, "junk");
}

static CimModelnetOpts opts(size_t points, uint64_t seed, const char *cache)
{
    CimModelnetOpts o = {points, seed, cache};
    return o;
}

static void expect_normalised(const CimCloudSet *s)
{
    for (size_t i = 0; i < s->n; i++) {
        const float *x = s->xyz + i * s->points * 3;
        double mean[3] = {0, 0, 0}, max = 0;
        for (size_t j = 0; j < s->points; j++) {
            double n2 = 0;
            for (int c = 0; c < 3; c++) {
                mean[c] += x[3 * j + c];
                n2 += (double)x[3 * j + c] * x[3 * j + c];
            }
            max = n2 > max ? n2 : max;
        }
        for (int c = 0; c < 3; c++)
            assert_true(fabs(mean[c] / (double)s->points) < 1e-6);
        assert_true(fabs(sqrt(max) - 1) < 1e-6);
    }
}

static void expect_same(const CimCloudSet *a, const CimCloudSet *b)
{
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->points, b->points);
    assert_memory_equal(a->xyz, b->xyz, a->n * a->points * 3 * sizeof(float));
    assert_memory_equal(a->labels, b->labels, a->n * sizeof(int32_t));
}

/* ---- loading ---------------------------------------------------------------------------- */

static void test_modelnet_classes_in_sorted_order(void **state)
{
    CloudRig *r = *state;
    char mn[512];
    make_modelnet(r, mn);
    CimModelnetOpts o = opts(64, 1, NULL);
    CimModelnetInfo info;
    CimCloudSet s;
    assert_int_equal(cim_modelnet_load(mn, "train", &o, NULL, &s, &info, &r->diag), CIM_OK);
    assert_int_equal(s.n, 6);
    assert_int_equal(s.points, 64);
    assert_int_equal(s.n_classes, 3);
    assert_int_equal(s.synthetic, 0);
    assert_string_equal(s.class_names[0], "bathtub");
    assert_string_equal(s.class_names[1], "bed");
    assert_string_equal(s.class_names[2], "chair");
    const int32_t want[6] = {0, 0, 1, 1, 2, 2};
    assert_memory_equal(s.labels, want, sizeof want);
    assert_int_equal(info.cache_hit, 0);
    assert_string_equal(info.cache_name, "");
    expect_normalised(&s);
    /* bathtub_0001.off is the quad (flat in z): every point has z = 0 after centring. */
    for (size_t j = 0; j < 64; j++)
        assert_true(s.xyz[3 * j + 2] == 0.0f);
    cim_cloud_free(&s);

    assert_int_equal(cim_modelnet_load(mn, "test", &o, NULL, &s, NULL, &r->diag), CIM_OK);
    assert_int_equal(s.n, 3);
    const int32_t want_test[3] = {0, 1, 2};
    assert_memory_equal(s.labels, want_test, sizeof want_test);
    cim_cloud_free(&s);
}

static void test_modelnet_is_deterministic_per_seed(void **state)
{
    CloudRig *r = *state;
    char mn[512];
    make_modelnet(r, mn);
    CimModelnetOpts o = opts(32, 9, NULL), o2 = opts(32, 10, NULL);
    CimCloudSet a, b, c;
    assert_int_equal(cim_modelnet_load(mn, "train", &o, NULL, &a, NULL, &r->diag), CIM_OK);
    assert_int_equal(cim_modelnet_load(mn, "train", &o, NULL, &b, NULL, &r->diag), CIM_OK);
    assert_int_equal(cim_modelnet_load(mn, "train", &o2, NULL, &c, NULL, &r->diag), CIM_OK);
    expect_same(&a, &b);
    assert_memory_not_equal(a.xyz, c.xyz, 32 * 3 * sizeof(float));
    /* Clouds 0 and 3 come from the same mesh (the quad) but have their own generators. */
    assert_memory_not_equal(a.xyz, a.xyz + 3 * 32 * 3, 32 * 3 * sizeof(float));
    cim_cloud_free(&a);
    cim_cloud_free(&b);
    cim_cloud_free(&c);
}

/* ---- the cache ---------------------------------------------------------------------------- */

/* Loads with a cache and returns the info; the set goes to *s. */
static CimModelnetInfo load_cached(CloudRig *r, const char *mn, const char *split,
                                   CimModelnetOpts o, CimCloudSet *s)
{
    CimModelnetInfo info;
    assert_int_equal(cim_modelnet_load(mn, split, &o, NULL, s, &info, &r->diag), CIM_OK);
    return info;
}

static void test_modelnet_cache_hit_reads_the_file(void **state)
{
    CloudRig *r = *state;
    char mn[512], cache[512], path[1200];
    make_modelnet(r, mn);
    rig_path(r, "cache", cache); /* created by the first load */
    CimCloudSet a, b;
    CimModelnetInfo i1 = load_cached(r, mn, "train", opts(48, 5, cache), &a);
    assert_int_equal(i1.cache_hit, 0);
    assert_memory_equal(i1.cache_name, "modelnet-train-", 15);
    assert_int_equal(strlen(i1.cache_name), 15 + 16 + 3);
    snprintf(path, sizeof path, "%s/%s", cache, i1.cache_name);
    assert_int_equal(access(path, R_OK), 0);

    CimModelnetInfo i2 = load_cached(r, mn, "train", opts(48, 5, cache), &b);
    assert_int_equal(i2.cache_hit, 1);
    assert_string_equal(i1.cache_name, i2.cache_name);
    expect_same(&a, &b);
    cim_cloud_free(&b);

    /* The hit really reads the file: change a coordinate in it and see it come back. */
    a.xyz[7] = 0.125f;
    assert_int_equal(cim_cloud_h5_save(path, &a, &r->diag), CIM_OK);
    CimModelnetInfo i3 = load_cached(r, mn, "train", opts(48, 5, cache), &b);
    assert_int_equal(i3.cache_hit, 1);
    assert_true(b.xyz[7] == 0.125f);
    cim_cloud_free(&a);
    cim_cloud_free(&b);
}

static void test_modelnet_cache_misses_when_an_input_changes(void **state)
{
    CloudRig *r = *state;
    char mn[512], cache[512], off[1024];
    make_modelnet(r, mn);
    rig_path(r, "cache", cache);
    CimCloudSet s;
    CimModelnetInfo base = load_cached(r, mn, "train", opts(16, 1, cache), &s);
    cim_cloud_free(&s);
    CimModelnetInfo i;

    i = load_cached(r, mn, "train", opts(16, 2, cache), &s); /* seed */
    assert_int_equal(i.cache_hit, 0);
    assert_string_not_equal(i.cache_name, base.cache_name);
    cim_cloud_free(&s);
    i = load_cached(r, mn, "train", opts(17, 1, cache), &s); /* points */
    assert_int_equal(i.cache_hit, 0);
    cim_cloud_free(&s);
    i = load_cached(r, mn, "test", opts(16, 1, cache), &s); /* split */
    assert_int_equal(i.cache_hit, 0);
    assert_memory_equal(i.cache_name, "modelnet-test-", 14);
    cim_cloud_free(&s);

    /* A file's size: one more comment line. */
    snprintf(off, sizeof off, "%s/bed/train/bed_0001.off", mn);
    FILE *f = fopen(off, "ab");
    assert_non_null(f);
    fputs("# edited\n", f);
    fclose(f);
    i = load_cached(r, mn, "train", opts(16, 1, cache), &s);
    assert_int_equal(i.cache_hit, 0);
    CimModelnetInfo after_size = i;
    cim_cloud_free(&s);
    i = load_cached(r, mn, "train", opts(16, 1, cache), &s);
    assert_int_equal(i.cache_hit, 1);
    cim_cloud_free(&s);

    /* Only a modification time (same size). */
    struct timespec t[2] = {{1000000000, 0}, {1000000000, 0}};
    assert_int_equal(utimensat(AT_FDCWD, off, t, 0), 0);
    i = load_cached(r, mn, "train", opts(16, 1, cache), &s);
    assert_int_equal(i.cache_hit, 0);
    assert_string_not_equal(i.cache_name, after_size.cache_name);
    cim_cloud_free(&s);

    /* A mesh added to a class. */
    snprintf(off, sizeof off, "%s/bed/train/bed_0003.off", mn);
    rig_write_text(off, TET);
    i = load_cached(r, mn, "train", opts(16, 1, cache), &s);
    assert_int_equal(i.cache_hit, 0);
    assert_int_equal(s.n, 7);
    cim_cloud_free(&s);
}

static void test_modelnet_cache_that_does_not_match_is_an_error(void **state)
{
    CloudRig *r = *state;
    char mn[512], cache[512], path[1200], line[1400];
    make_modelnet(r, mn);
    rig_path(r, "cache", cache);
    CimCloudSet s, other;
    CimModelnetInfo i = load_cached(r, mn, "train", opts(16, 1, cache), &s);
    snprintf(path, sizeof path, "%s/%s", cache, i.cache_name);
    assert_int_equal(cim_cloud_synth("train", 1, 16, 1, NULL, &other, &r->diag), CIM_OK);
    assert_int_equal(cim_cloud_h5_save(path, &other, &r->diag), CIM_OK);
    cim_cloud_free(&other);
    cim_cloud_free(&s);
    CimDiag d;
    cim_diag_init(&d);
    CimModelnetOpts o = opts(16, 1, cache);
    assert_int_equal(cim_modelnet_load(mn, "train", &o, NULL, &s, NULL, &d), CIM_ERR_FORMAT);
    assert_null(s.xyz);
    snprintf(line, sizeof line, "%s: error: cache file does not hold the set it is named for "
                                "(10 clouds of 16 points, 10 classes; expected 6 of 16, 3); "
                                "delete it to rebuild", path);
    rig_expect_line(&d, 0, line);
    cim_diag_free(&d);

    /* A damaged cache file: the loader's error, then a note saying what the file is. */
    rig_write_text(path, "garbage");
    cim_diag_init(&d);
    assert_int_equal(cim_modelnet_load(mn, "train", &o, NULL, &s, NULL, &d), CIM_ERR_FORMAT);
    snprintf(line, sizeof line, "%s: note: this is the cache file of the data set; delete it "
                                "to rebuild", path);
    rig_expect_line(&d, 1, line);
    cim_diag_free(&d);
}

/* ---- errors ------------------------------------------------------------------------------- */

/* cim_modelnet_load(dir, split) fails with want and the first diagnostic is `first`. */
static CimDiag expect_load_error(const char *dir, const char *split, CimModelnetOpts o,
                                 CimStatus want, const char *first)
{
    CimDiag d;
    cim_diag_init(&d);
    CimCloudSet s;
    CimStatus got = cim_modelnet_load(dir, split, &o, NULL, &s, NULL, &d);
    if (got != want)
        cim_diag_print(&d, stderr);
    assert_int_equal(got, want);
    assert_null(s.xyz);
    rig_expect_line(&d, 0, first);
    return d;
}

static void test_modelnet_argument_and_folder_errors(void **state)
{
    CloudRig *r = *state;
    char mn[512], line[1400];
    CimDiag d;
    make_modelnet(r, mn);
    snprintf(line, sizeof line, "%s: error: unknown split 'val'; expected one of: train, test",
             mn);
    d = expect_load_error(mn, "val", opts(16, 1, NULL), CIM_ERR_RANGE, line);
    cim_diag_free(&d);
    snprintf(line, sizeof line, "%s: error: points per cloud must be at least 2 (normalisation "
                                "needs two distinct points), got 1", mn);
    d = expect_load_error(mn, "train", opts(1, 1, NULL), CIM_ERR_RANGE, line);
    cim_diag_free(&d);

    char missing[600];
    snprintf(missing, sizeof missing, "%s/nowhere", r->dir);
    snprintf(line, sizeof line, "%s: error: cannot open folder: No such file or directory",
             missing);
    d = expect_load_error(missing, "train", opts(16, 1, NULL), CIM_ERR_IO, line);
    cim_diag_free(&d);

    char empty[600];
    snprintf(empty, sizeof empty, "%s/empty", r->dir);
    mkdir_ok(empty);
    snprintf(line, sizeof line, "%s: error: no class folders (expected CLASS/train and "
                                "CLASS/test folders of .off meshes)", empty);
    d = expect_load_error(empty, "train", opts(16, 1, NULL), CIM_ERR_FORMAT, line);
    cim_diag_free(&d);

    /* A cache folder that cannot be made: its parent is a file. */
    char cache[600];
    snprintf(cache, sizeof cache, "%s/mn/README.txt/cache", r->dir);
    snprintf(line, sizeof line, "%s: error: cannot create the cache folder: Not a directory",
             cache);
    d = expect_load_error(mn, "train", opts(16, 1, cache), CIM_ERR_IO, line);
    cim_diag_free(&d);
}

static void test_modelnet_class_without_split_or_meshes(void **state)
{
    CloudRig *r = *state;
    char mn[512], p[1024], line[1400];
    make_modelnet(r, mn);
    snprintf(p, sizeof p, "%s/__MACOSX", mn); /* what some zip files carry along */
    mkdir_ok(p);
    snprintf(p, sizeof p, "%s/desk", mn);
    mkdir_ok(p);
    snprintf(p, sizeof p, "%s/desk/train", mn);
    mkdir_ok(p);
    snprintf(line, sizeof line, "%s/__MACOSX/train: error: class folder '__MACOSX' has no "
                                "'train' folder", mn);
    CimDiag d = expect_load_error(mn, "train", opts(16, 1, NULL), CIM_ERR_FORMAT, line);
    snprintf(line, sizeof line, "%s/desk/train: error: no .off meshes in this folder", mn);
    rig_expect_line(&d, 1, line);
    snprintf(line, sizeof line, "%s: note: every folder here not starting with '.' is a class "
                                "and needs train/ and test/ folders of .off meshes", mn);
    rig_expect_line(&d, 2, line);
    cim_diag_free(&d);
}

static void test_modelnet_reports_every_bad_mesh(void **state)
{
    CloudRig *r = *state;
    char mn[512], a[1024], b[1024], c[1024], line[1400];
    make_modelnet(r, mn);
    snprintf(a, sizeof a, "%s/bed/train/bed_0002.off", mn);
    rig_write_text(a, "OFF\n4 1 0\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 1 9\n");
    snprintf(b, sizeof b, "%s/chair/train/chair_0001.off", mn);
    rig_write_text(b, "OFF\n3 1 0\n0 0 0\n1 1 1\n2 2 2\n3 0 1 2\n"); /* area 0 */
    snprintf(c, sizeof c, "%s/chair/train/chair_0002.off", mn);
    assert_int_equal(chmod(c, 0), 0);
    snprintf(line, sizeof line, "%s:7:7: error: face 0 refers to vertex 9, past the last of the "
                                "4 vertices (0..3)", a);
    CimDiag d = expect_load_error(mn, "train", opts(16, 1, NULL), CIM_ERR_FORMAT, line);
    snprintf(line, sizeof line, "%s: error: the surface area is 0 (every face is degenerate), "
                                "so there is nothing to sample", b);
    rig_expect_line(&d, 1, line);
    if (geteuid() != 0) { /* root reads the file anyway */
        snprintf(line, sizeof line, "%s: error: cannot open: Permission denied", c);
        rig_expect_line(&d, 2, line);
    }
    cim_diag_free(&d);
}

/* ---- fault injection ---------------------------------------------------------------------- */

typedef struct {
    const char *mn;
    const char *cache; /* NULL: no cache */
    int fresh;         /* remove the cache folder before each run (the miss path) */
} Sweep;

static CimStatus sweep_load(void *ctx, const CimAlloc *alloc)
{
    const Sweep *sw = ctx;
    if (sw->fresh)
        rig_rm_rf(sw->cache);
    CimDiag d;
    cim_diag_init(&d);
    CimModelnetOpts o = opts(8, 3, sw->cache);
    CimCloudSet s;
    CimStatus st = cim_modelnet_load(sw->mn, "train", &o, alloc, &s, NULL, &d);
    cim_cloud_free(&s);
    cim_diag_free(&d);
    return st;
}

static void test_modelnet_allocation_failures(void **state)
{
    CloudRig *r = *state;
    char mn[512], cache[512];
    make_modelnet(r, mn);
    rig_path(r, "cache", cache);
    Sweep plain = {mn, NULL, 0}, miss = {mn, cache, 1}, hit = {mn, cache, 0};
    assert_true(test_alloc_sweep(sweep_load, &plain) > 20);
    assert_true(test_alloc_sweep(sweep_load, &miss) > 20);
    assert_true(test_alloc_sweep(sweep_load, &hit) > 20); /* the last miss run left a cache */
}

#define T(name) cmocka_unit_test_setup_teardown(name, rig_setup, rig_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_modelnet_classes_in_sorted_order),
        T(test_modelnet_is_deterministic_per_seed),
        T(test_modelnet_cache_hit_reads_the_file),
        T(test_modelnet_cache_misses_when_an_input_changes),
        T(test_modelnet_cache_that_does_not_match_is_an_error),
        T(test_modelnet_argument_and_folder_errors),
        T(test_modelnet_class_without_split_or_meshes),
        T(test_modelnet_reports_every_bad_mesh),
        T(test_modelnet_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
