/* Unit tests of workloads/io/idx: small synthetic IDX files made here, every format
 * error, fault injection, and the real MNIST test set when scripts/fetch_mnist.sh ran. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/test_alloc.h"
#include "workloads/io/idx.h"

/* Where `make` (scripts/fetch_mnist.sh) puts MNIST; tests run from the repo root. */
#define MNIST_DIR "data/mnist"

typedef struct {
    char dir[64];
    char img[128]; /* dir/t-images-idx3-ubyte */
    char lab[128]; /* dir/t-labels-idx1-ubyte */
    CimDiag diag;
} Fx;

static int setup(void **state)
{
    Fx *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/test_idx.XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->img, sizeof fx->img, "%s/t-images-idx3-ubyte", fx->dir);
    snprintf(fx->lab, sizeof fx->lab, "%s/t-labels-idx1-ubyte", fx->dir);
    cim_diag_init(&fx->diag);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    Fx *fx = *state;
    DIR *d = opendir(fx->dir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", fx->dir, e->d_name);
            remove(p);
        }
    }
    if (d)
        closedir(d);
    rmdir(fx->dir);
    cim_diag_free(&fx->diag);
    free(fx);
    return 0;
}

static void put_be32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (24 - 8 * i));
}

/* Writes an IDX file: magic, nd dims, then `extra` bytes of data beyond (or, negative,
 * short of) what the dims call for; data byte k is (k * 7) & 0xFF. */
static void write_idx(const char *path, uint32_t magic, const uint32_t *dims, int nd,
                      long extra)
{
    size_t n = 1;
    for (int i = 0; i < nd; i++)
        n *= dims[i];
    size_t data = (size_t)((long)n + extra), len = 4 + 4 * (size_t)nd + data;
    unsigned char *b = malloc(len);
    assert_non_null(b);
    put_be32(b, magic);
    for (int i = 0; i < nd; i++)
        put_be32(b + 4 + 4 * i, dims[i]);
    for (size_t k = 0; k < data; k++)
        b[4 + 4 * (size_t)nd + k] = (unsigned char)((k * 7) & 0xFF);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    free(b);
}

static void write_labels(const char *path, const unsigned char *v, uint32_t n)
{
    unsigned char b[64];
    put_be32(b, CIM_IDX_MAGIC_LABELS);
    put_be32(b + 4, n);
    memcpy(b + 8, v, n);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, 8 + n, f), 8 + n);
    assert_int_equal(fclose(f), 0);
}

/* Diagnostic line i equals "file: sev: msg". */
static void expect_line(const CimDiag *d, size_t i, const char *file, const char *sev,
                        const char *msg)
{
    char got[1400], exp[1400];
    assert_true(d->n > i);
    cim_diag_format(d, i, got, sizeof got);
    snprintf(exp, sizeof exp, "%s: %s: %s", file, sev, msg);
    assert_string_equal(got, exp);
}

static const uint32_t dims_3x2x4[3] = {3, 2, 4};

/* ---- good files --------------------------------------------------------- */

static void test_idx_images_load_row_major(void **state)
{
    Fx *fx = *state;
    write_idx(fx->img, CIM_IDX_MAGIC_IMAGES, dims_3x2x4, 3, 0);
    CimIdxImages im;
    assert_int_equal(cim_idx_load_images(fx->img, NULL, &im, &fx->diag), CIM_OK);
    assert_int_equal(im.n, 3);
    assert_int_equal(im.rows, 2);
    assert_int_equal(im.cols, 4);
    /* image 2, row 1, col 3 is byte (2 * 2 + 1) * 4 + 3 = 23 of the data */
    assert_int_equal(im.pixels[(2 * 2 + 1) * 4 + 3], (23 * 7) & 0xFF);
    cim_idx_images_free(&im);
    assert_null(im.pixels);
    assert_int_equal(fx->diag.n, 0);
}

static void test_idx_labels_load_any_byte(void **state)
{
    Fx *fx = *state;
    const unsigned char v[4] = {7, 0, 9, 200};
    write_labels(fx->lab, v, 4);
    CimIdxLabels lb;
    assert_int_equal(cim_idx_load_labels(fx->lab, NULL, &lb, &fx->diag), CIM_OK);
    assert_int_equal(lb.n, 4);
    assert_memory_equal(lb.labels, v, 4);
    cim_idx_labels_free(&lb);
}

static void test_idx_empty_set_is_valid(void **state)
{
    Fx *fx = *state;
    const uint32_t dims[3] = {0, 28, 28};
    write_idx(fx->img, CIM_IDX_MAGIC_IMAGES, dims, 3, 0);
    CimIdxImages im;
    assert_int_equal(cim_idx_load_images(fx->img, NULL, &im, &fx->diag), CIM_OK);
    assert_int_equal(im.n, 0);
    cim_idx_images_free(&im);
}

/* ---- bad files ---------------------------------------------------------- */

static void test_idx_bad_magic_names_both_formats(void **state)
{
    Fx *fx = *state;
    const unsigned char v[2] = {1, 2};
    write_labels(fx->lab, v, 2);
    CimIdxImages im;
    assert_int_equal(cim_idx_load_images(fx->lab, NULL, &im, &fx->diag), CIM_ERR_FORMAT);
    assert_null(im.pixels);
    expect_line(&fx->diag, 0, fx->lab, "error", "bad magic 0x00000801 (IDX unsigned bytes, 1 "
                "dimension); expected 0x00000803 (unsigned bytes, 3 dimensions)");
}

static void test_idx_gzip_file_gets_a_note(void **state)
{
    Fx *fx = *state;
    const uint32_t dims[1] = {4};
    write_idx(fx->lab, 0x1F8B0800u, dims, 1, 0);
    CimIdxLabels lb;
    assert_int_equal(cim_idx_load_labels(fx->lab, NULL, &lb, &fx->diag), CIM_ERR_FORMAT);
    expect_line(&fx->diag, 0, fx->lab, "error",
                "bad magic 0x1F8B0800; expected 0x00000801 (IDX unsigned bytes, 1 dimension)");
    expect_line(&fx->diag, 1, fx->lab, "note", "the file starts with the gzip signature 1f 8b; "
                "decompress it first (gunzip)");
}

static void test_idx_short_header_is_reported(void **state)
{
    Fx *fx = *state;
    FILE *f = fopen(fx->img, "wb");
    assert_non_null(f);
    fwrite("\0\0\x08\x03\0\0\0\x01\0\0", 1, 10, f);
    fclose(f);
    CimIdxImages im;
    assert_int_equal(cim_idx_load_images(fx->img, NULL, &im, &fx->diag), CIM_ERR_FORMAT);
    expect_line(&fx->diag, 0, fx->img, "error",
                "file is 10 bytes, too short for the 16-byte IDX header");
}

static void test_idx_truncated_and_padded_files_are_reported(void **state)
{
    Fx *fx = *state;
    CimIdxImages im;
    write_idx(fx->img, CIM_IDX_MAGIC_IMAGES, dims_3x2x4, 3, -2);
    assert_int_equal(cim_idx_load_images(fx->img, NULL, &im, &fx->diag), CIM_ERR_FORMAT);
    expect_line(&fx->diag, 0, fx->img, "error", "file is 38 bytes but its header says 3 images "
                "of 2 x 4, which needs 40 (truncated)");
    write_idx(fx->img, CIM_IDX_MAGIC_IMAGES, dims_3x2x4, 3, 1);
    assert_int_equal(cim_idx_load_images(fx->img, NULL, &im, &fx->diag), CIM_ERR_FORMAT);
    expect_line(&fx->diag, 1, fx->img, "error", "file is 41 bytes but its header says 3 images "
                "of 2 x 4, which needs 40 (extra bytes at the end)");
    const uint32_t dims[1] = {5};
    write_idx(fx->lab, CIM_IDX_MAGIC_LABELS, dims, 1, -5);
    CimIdxLabels lb;
    assert_int_equal(cim_idx_load_labels(fx->lab, NULL, &lb, &fx->diag), CIM_ERR_FORMAT);
    expect_line(&fx->diag, 2, fx->lab, "error",
                "file is 8 bytes but its header says 5 labels, which needs 13 (truncated)");
}

static void test_idx_missing_file_is_io_error(void **state)
{
    Fx *fx = *state;
    CimIdxLabels lb;
    assert_int_equal(cim_idx_load_labels(fx->lab, NULL, &lb, &fx->diag), CIM_ERR_IO);
    expect_line(&fx->diag, 0, fx->lab, "error", "cannot open: No such file or directory");
}

static void test_idx_pair_count_mismatch_is_reported(void **state)
{
    Fx *fx = *state;
    write_idx(fx->img, CIM_IDX_MAGIC_IMAGES, dims_3x2x4, 3, 0);
    const unsigned char v[2] = {1, 2};
    write_labels(fx->lab, v, 2);
    CimMnist m;
    assert_int_equal(cim_idx_load_pair(fx->img, fx->lab, -1, NULL, &m, &fx->diag),
                     CIM_ERR_FORMAT);
    assert_null(m.images.pixels);
    assert_null(m.labels.labels);
    char msg[400];
    snprintf(msg, sizeof msg, "has 2 labels but %s has 3 images", fx->img);
    expect_line(&fx->diag, 0, fx->lab, "error", msg);
}

static void test_idx_pair_label_range_is_checked(void **state)
{
    Fx *fx = *state;
    write_idx(fx->img, CIM_IDX_MAGIC_IMAGES, dims_3x2x4, 3, 0);
    const unsigned char v[3] = {1, 12, 9};
    write_labels(fx->lab, v, 3);
    CimMnist m;
    assert_int_equal(cim_idx_load_pair(fx->img, fx->lab, 9, NULL, &m, &fx->diag),
                     CIM_ERR_FORMAT);
    expect_line(&fx->diag, 0, fx->lab, "error", "label 12 at index 1 is out of range 0..9");
    assert_int_equal(cim_idx_load_pair(fx->img, fx->lab, -1, NULL, &m, &fx->diag), CIM_OK);
    cim_mnist_free(&m);
}

/* ---- MNIST convenience -------------------------------------------------- */

static void test_mnist_load_reads_named_set(void **state)
{
    Fx *fx = *state;
    char p[160];
    snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte", fx->dir);
    write_idx(p, CIM_IDX_MAGIC_IMAGES, dims_3x2x4, 3, 0);
    snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte", fx->dir);
    const unsigned char v[3] = {7, 2, 1};
    write_labels(p, v, 3);
    CimMnist m;
    assert_int_equal(cim_mnist_load(fx->dir, "t10k", NULL, &m, &fx->diag), CIM_OK);
    assert_int_equal(m.images.n, 3);
    assert_int_equal(m.labels.labels[0], 7);
    cim_mnist_free(&m);
    assert_int_equal(cim_mnist_load(fx->dir, "test", NULL, &m, &fx->diag), CIM_ERR_RANGE);
    expect_line(&fx->diag, 0, fx->dir, "error",
                "unknown MNIST set 'test'; expected one of: train, t10k");
}

static void test_mnist_load_missing_files_suggest_fetch(void **state)
{
    Fx *fx = *state;
    CimMnist m;
    assert_int_equal(cim_mnist_load(fx->dir, "train", NULL, &m, &fx->diag), CIM_ERR_IO);
    char p[160], note[300];
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte", fx->dir);
    expect_line(&fx->diag, 0, p, "error", "cannot open: No such file or directory");
    snprintf(note, sizeof note, "if the MNIST files are missing, run scripts/fetch_mnist.sh %s",
             fx->dir);
    expect_line(&fx->diag, 1, fx->dir, "note", note);
}

static CimStatus mnist_load_free(void *ctx, const CimAlloc *a)
{
    CimMnist m;
    CimDiag d;
    cim_diag_init(&d);
    CimStatus s = cim_mnist_load(ctx, "t10k", a, &m, &d);
    cim_mnist_free(&m);
    cim_diag_free(&d);
    return s;
}

static void test_mnist_load_fails_cleanly_at_every_allocation(void **state)
{
    Fx *fx = *state;
    char p[160];
    snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte", fx->dir);
    write_idx(p, CIM_IDX_MAGIC_IMAGES, dims_3x2x4, 3, 0);
    snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte", fx->dir);
    const unsigned char v[3] = {7, 2, 1};
    write_labels(p, v, 3);
    assert_int_equal(test_alloc_sweep(mnist_load_free, fx->dir), 4); /* 2 paths, 2 arrays */
}

/* ---- the real data set -------------------------------------------------- */

static void load_real(const char *set, CimMnist *m)
{
    CimDiag d;
    cim_diag_init(&d);
    CimStatus s = cim_mnist_load(MNIST_DIR, set, NULL, m, &d);
    cim_diag_print(&d, stderr);
    cim_diag_free(&d);
    if (s != CIM_OK)
        fail_msg("MNIST not found in %s (run scripts/fetch_mnist.sh from the repo root; `make` "
                 "does it before the tests): %s", MNIST_DIR, cim_status_str(s));
}

static void check_histogram(const CimMnist *m, const size_t want[10])
{
    size_t h[10] = {0};
    for (size_t i = 0; i < m->labels.n; i++)
        h[m->labels.labels[i]]++;
    for (int k = 0; k < 10; k++)
        assert_int_equal(h[k], want[k]);
}

static void test_mnist_real_test_set_has_canonical_labels(void **state)
{
    (void)state;
    CimMnist m;
    load_real("t10k", &m);
    assert_int_equal(m.images.n, 10000);
    assert_int_equal(m.images.rows, 28);
    assert_int_equal(m.images.cols, 28);
    assert_int_equal(m.labels.labels[0], 7);
    const size_t want[10] = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};
    check_histogram(&m, want);
    cim_mnist_free(&m);
}

static void test_mnist_real_train_set_has_canonical_labels(void **state)
{
    (void)state;
    CimMnist m;
    load_real("train", &m);
    assert_int_equal(m.images.n, 60000);
    assert_int_equal(m.labels.labels[0], 5);
    const size_t want[10] = {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
    check_histogram(&m, want);
    cim_mnist_free(&m);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_idx_images_load_row_major),
        T(test_idx_labels_load_any_byte),
        T(test_idx_empty_set_is_valid),
        T(test_idx_bad_magic_names_both_formats),
        T(test_idx_gzip_file_gets_a_note),
        T(test_idx_short_header_is_reported),
        T(test_idx_truncated_and_padded_files_are_reported),
        T(test_idx_missing_file_is_io_error),
        T(test_idx_pair_count_mismatch_is_reported),
        T(test_idx_pair_label_range_is_checked),
        T(test_mnist_load_reads_named_set),
        T(test_mnist_load_missing_files_suggest_fetch),
        T(test_mnist_load_fails_cleanly_at_every_allocation),
        cmocka_unit_test(test_mnist_real_test_set_has_canonical_labels),
        cmocka_unit_test(test_mnist_real_train_set_has_canonical_labels),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
