/* Unit tests of workloads/io/cloud_h5.c: writer -> reader round trip with equal bits, files
 * written the way PointNet's and h5py's are, every bad-file error, the HDF5 library's own
 * error printing kept off, no HDF5 handle left open, fault injection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <hdf5.h>
#include <math.h>

#include "tests/support/test_alloc.h"
#include "tests/workloads/io/cloud_rig.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static const char *const NAMES[3] = {"bathtub", "bed", "chair"};

/* n clouds of p points with distinct, exactly representable coordinates; labels i % 3. */
static void make_set(CimCloudSet *s, size_t n, size_t p, int named, const CimAlloc *alloc)
{
    assert_int_equal(cim_cloud_init(s, n, p, 3, named ? NAMES : NULL, alloc), CIM_OK);
    for (size_t i = 0; i < n * p * 3; i++)
        s->xyz[i] = (float)((double)(i % 997) / 64.0 - 7.5);
    for (size_t i = 0; i < n; i++)
        s->labels[i] = (int32_t)(i % 3);
}

static void expect_no_open_handles(void)
{
    assert_int_equal(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
}

/* Creates (truncates) an HDF5 file for a test to fill. */
static hid_t h5_new(const char *path)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    return f;
}

/* Writes a dataset of file type ft from buf (memory type mt). */
static void h5_put(hid_t f, const char *name, hid_t ft, hid_t mt, int rank, const hsize_t *dims,
                   const void *buf)
{
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t ds = H5Dcreate2(f, name, ft, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(ds >= 0);
    assert_true(H5Dwrite(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    H5Dclose(ds);
    H5Sclose(sp);
}

static void h5_attr_int(hid_t f, const char *name, long long v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(f, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(a >= 0 && H5Awrite(a, H5T_NATIVE_LLONG, &v) >= 0);
    H5Aclose(a);
    H5Sclose(sp);
}

/* A file with `data` float32 [n, p, 3] (values i / 8) and `label` int32 [n] (labels). */
static hid_t h5_good(const char *path, hsize_t n, hsize_t p, const int32_t *labels)
{
    hid_t f = h5_new(path);
    float *xyz = malloc(n * p * 3 * sizeof *xyz);
    assert_non_null(xyz);
    for (size_t i = 0; i < n * p * 3; i++)
        xyz[i] = (float)i / 8;
    hsize_t dd[3] = {n, p, 3}, ld[1] = {n};
    h5_put(f, "data", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 3, dd, xyz);
    h5_put(f, "label", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, ld, labels);
    free(xyz);
    return f;
}

/* Loading path fails with want, and the first diagnostic is "path: error: msg". */
static void expect_load_error(const char *path, CimStatus want, const char *msg)
{
    CimDiag d;
    cim_diag_init(&d);
    CimCloudSet s;
    CimStatus got = cim_cloud_h5_load(path, NULL, &s, &d);
    if (got != want)
        cim_diag_print(&d, stderr);
    assert_int_equal(got, want);
    assert_null(s.xyz);
    assert_null(s.labels);
    char line[1400];
    snprintf(line, sizeof line, "%s: error: %s", path, msg);
    rig_expect_line(&d, 0, line);
    cim_diag_free(&d);
    expect_no_open_handles();
}

/* ---- round trips ------------------------------------------------------------------------- */

static void test_h5_round_trip_keeps_every_bit(void **state)
{
    CloudRig *r = *state;
    char p[512], tmp[560];
    CimCloudSet a, b;
    make_set(&a, 5, 7, 1, NULL);
    a.xyz[3] = -0.0f;
    a.xyz[4] = 1e-42f; /* subnormal */
    a.synthetic = 1;
    rig_path(r, "set.h5", p);
    assert_int_equal(cim_cloud_h5_save(p, &a, &r->diag), CIM_OK);
    assert_int_equal(cim_cloud_h5_save(p, &a, &r->diag), CIM_OK); /* over an existing file */
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", p, (long)getpid());
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal(cim_cloud_h5_load(p, NULL, &b, &r->diag), CIM_OK);
    assert_int_equal(b.n, 5);
    assert_int_equal(b.points, 7);
    assert_int_equal(b.n_classes, 3);
    assert_int_equal(b.synthetic, 1);
    assert_memory_equal(a.xyz, b.xyz, 5 * 7 * 3 * sizeof(float));
    assert_memory_equal(a.labels, b.labels, 5 * sizeof(int32_t));
    assert_non_null(b.class_names);
    for (int c = 0; c < 3; c++)
        assert_string_equal(b.class_names[c], NAMES[c]);
    cim_cloud_free(&a);
    cim_cloud_free(&b);
    expect_no_open_handles();
}

static void test_h5_without_names_counts_classes_from_labels(void **state)
{
    CloudRig *r = *state;
    char p[512];
    CimCloudSet a, b;
    make_set(&a, 2, 4, 0, NULL); /* labels 0, 1 */
    assert_int_equal(cim_cloud_h5_save(rig_path(r, "plain.h5", p), &a, &r->diag), CIM_OK);
    assert_int_equal(cim_cloud_h5_load(p, NULL, &b, &r->diag), CIM_OK);
    assert_null(b.class_names);
    assert_int_equal(b.n_classes, 2);
    assert_int_equal(b.synthetic, 0);
    cim_cloud_free(&a);
    cim_cloud_free(&b);
}

/* What PointNet's modelnet40_ply_hdf5_2048 holds: data [N, P, 6] with normals after xyz
 * (here big-endian), label uint8 [N, 1]. */
static void test_h5_reads_pointnet_style_files(void **state)
{
    CloudRig *r = *state;
    char p[512];
    float d6[2 * 3 * 6];
    uint8_t lab[2] = {39, 4};
    for (int i = 0; i < 36; i++)
        d6[i] = (float)i;
    hid_t f = h5_new(rig_path(r, "pn.h5", p));
    hsize_t dd[3] = {2, 3, 6}, ld[2] = {2, 1};
    h5_put(f, "data", H5T_IEEE_F32BE, H5T_NATIVE_FLOAT, 3, dd, d6);
    h5_put(f, "label", H5T_STD_U8LE, H5T_NATIVE_UINT8, 2, ld, lab);
    H5Fclose(f);
    CimCloudSet s;
    assert_int_equal(cim_cloud_h5_load(p, NULL, &s, &r->diag), CIM_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.points, 3);
    assert_int_equal(s.n_classes, 40);
    assert_int_equal(s.labels[0], 39);
    assert_int_equal(s.labels[1], 4);
    for (int i = 0; i < 6; i++) /* point i: xyz = 6i, 6i+1, 6i+2 */
        for (int c = 0; c < 3; c++)
            assert_true(s.xyz[3 * i + c] == (float)(6 * i + c));
    cim_cloud_free(&s);
    expect_no_open_handles();
}

/* h5py writes a list of str as variable-length UTF-8 strings; int64 labels of shape [N]. */
static void test_h5_reads_variable_length_names(void **state)
{
    CloudRig *r = *state;
    char p[512];
    int32_t lab[2] = {1, 0};
    hid_t f = h5_good(rig_path(r, "vl.h5", p), 2, 2, lab);
    const char *names[2] = {"airplane", "bench"};
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hsize_t k = 2;
    hid_t sp = H5Screate_simple(1, &k, NULL);
    hid_t a = H5Acreate2(f, "class_names", t, sp, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(a >= 0 && H5Awrite(a, t, names) >= 0);
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    H5Fclose(f);
    CimCloudSet s;
    assert_int_equal(cim_cloud_h5_load(p, NULL, &s, &r->diag), CIM_OK);
    assert_int_equal(s.n_classes, 2);
    assert_string_equal(s.class_names[0], "airplane");
    assert_string_equal(s.class_names[1], "bench");
    cim_cloud_free(&s);
    expect_no_open_handles();
}

/* ---- bad files ---------------------------------------------------------------------------- */

static void test_h5_not_hdf5_missing_or_truncated(void **state)
{
    CloudRig *r = *state;
    char p[512], q[512];
    expect_load_error(rig_path(r, "none.h5", p), CIM_ERR_IO,
                      "cannot open: No such file or directory");
    rig_write_text(rig_path(r, "text.h5", p), "hello, world");
    expect_load_error(p, CIM_ERR_FORMAT, "not an HDF5 file (no HDF5 signature in its 12 bytes)");
    rig_write_text(rig_path(r, "empty.h5", p), "");
    expect_load_error(p, CIM_ERR_FORMAT, "not an HDF5 file (no HDF5 signature in its 0 bytes)");
    expect_load_error(r->dir, CIM_ERR_IO, "cannot open: not a regular file (a directory)");

    /* A truncated copy of a good file: HDF5 sees the end-of-file address past the end. */
    CimCloudSet a;
    make_set(&a, 20, 64, 1, NULL);
    assert_int_equal(cim_cloud_h5_save(rig_path(r, "full.h5", p), &a, &r->diag), CIM_OK);
    cim_cloud_free(&a);
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    static char bytes[1 << 16];
    size_t n = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    assert_true(n > 4096 && n < sizeof bytes);
    rig_write(rig_path(r, "cut.h5", q), bytes, n / 2);
    CimDiag d;
    cim_diag_init(&d);
    CimCloudSet s;
    assert_int_equal(cim_cloud_h5_load(q, NULL, &s, &d), CIM_ERR_FORMAT);
    char line[1400], want[700];
    cim_diag_format(&d, 0, line, sizeof line);
    snprintf(want, sizeof want, "%s: error: cannot open as HDF5, the file is truncated or "
                                "damaged: ",
             q);
    assert_memory_equal(line, want, strlen(want));
    assert_non_null(strstr(line, "truncated file"));
    cim_diag_free(&d);
    expect_no_open_handles();
}

static void test_h5_missing_datasets(void **state)
{
    CloudRig *r = *state;
    char p[512];
    int32_t lab[2] = {0, 1};
    hid_t f = h5_new(rig_path(r, "nodata.h5", p));
    hsize_t ld[1] = {2};
    h5_put(f, "label", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, ld, lab);
    H5Fclose(f);
    expect_load_error(p, CIM_ERR_FORMAT,
                      "no dataset 'data' (PointNet convention: 'data' float32 [N, P, 3] and "
                      "'label' integer [N] or [N, 1])");
    f = h5_new(rig_path(r, "nolabel.h5", p));
    float xyz[2 * 2 * 3] = {0};
    hsize_t dd[3] = {2, 2, 3};
    h5_put(f, "data", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 3, dd, xyz);
    H5Fclose(f);
    expect_load_error(p, CIM_ERR_FORMAT,
                      "no dataset 'label' (PointNet convention: 'data' float32 [N, P, 3] and "
                      "'label' integer [N] or [N, 1])");
    f = h5_new(rig_path(r, "group.h5", p));
    H5Gclose(H5Gcreate2(f, "data", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Fclose(f);
    CimDiag d;
    cim_diag_init(&d);
    CimCloudSet s;
    assert_int_equal(cim_cloud_h5_load(p, NULL, &s, &d), CIM_ERR_FORMAT);
    char line[1400], want[700];
    cim_diag_format(&d, 0, line, sizeof line);
    snprintf(want, sizeof want, "%s: error: 'data' is not a dataset (", p);
    assert_memory_equal(line, want, strlen(want));
    cim_diag_free(&d);
    expect_no_open_handles();
}

/* One file per wrong type or shape of `data`. */
static void test_h5_data_type_and_shape(void **state)
{
    CloudRig *r = *state;
    char p[512];
    static const struct {
        hid_t *ft;
        int rank;
        hsize_t dims[3];
        const char *msg;
    } cases[] = {
        {&H5T_IEEE_F64LE_g, 3, {2, 2, 3}, "dataset 'data' is float64; expected float32"},
        {&H5T_STD_I32LE_g, 3, {2, 2, 3}, "dataset 'data' is int32; expected float32"},
        {&H5T_STD_U16BE_g, 3, {2, 2, 3}, "dataset 'data' is uint16; expected float32"},
        {&H5T_IEEE_F32LE_g, 2, {2, 6}, "dataset 'data' has shape [2, 6]; expected [N, P, 3] "
                                       "(or [N, P, C] with C > 3, of which x, y, z are the "
                                       "first three)"},
        {&H5T_IEEE_F32LE_g, 3, {2, 3, 2}, "dataset 'data' has shape [2, 3, 2]; expected [N, P, "
                                          "3] (or [N, P, C] with C > 3, of which x, y, z are "
                                          "the first three)"},
        {&H5T_IEEE_F32LE_g, 3, {0, 3, 3}, "dataset 'data' has shape [0, 3, 3]: no clouds"},
        {&H5T_IEEE_F32LE_g, 3, {2, 0, 3}, "dataset 'data' has shape [2, 0, 3]: clouds of no "
                                          "points"},
    };
    H5open(); /* the H5T_..._g globals are set when the library starts */
    double zeros[12] = {0};
    int32_t lab[2] = {0, 0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hid_t f = h5_new(rig_path(r, "shape.h5", p));
        h5_put(f, "data", *cases[i].ft, H5T_NATIVE_DOUBLE, cases[i].rank, cases[i].dims, zeros);
        hsize_t ld[1] = {2};
        h5_put(f, "label", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, ld, lab);
        H5Fclose(f);
        expect_load_error(p, CIM_ERR_FORMAT, cases[i].msg);
    }
}

/* A good `data` [3, 2, 3] with a `label` of the given type, shape and values. */
static void label_file(const char *p, hid_t ft, int rank, const hsize_t *dims,
                       const long long *v)
{
    hid_t f = h5_new(p);
    float xyz[3 * 2 * 3] = {0, 1, 2, 3, 4, 5};
    hsize_t dd[3] = {3, 2, 3};
    h5_put(f, "data", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 3, dd, xyz);
    h5_put(f, "label", ft, H5T_NATIVE_LLONG, rank, dims, v);
    H5Fclose(f);
}

static void test_h5_label_errors(void **state)
{
    CloudRig *r = *state;
    char p[512];
    rig_path(r, "lab.h5", p);
    long long ok[6] = {0, 1, 2, 0, 1, 2}, neg[3] = {0, -1, 2}, big[3] = {5000, 1, 1};
    hsize_t n3[1] = {3}, n2[1] = {2}, n3x2[2] = {3, 2}, n3x1[2] = {3, 1};
    label_file(p, H5T_IEEE_F32LE, 1, n3, ok);
    expect_load_error(p, CIM_ERR_FORMAT, "dataset 'label' is float32; expected an integer type");
    label_file(p, H5T_STD_I8LE, 2, n3x2, ok);
    expect_load_error(p, CIM_ERR_FORMAT,
                      "dataset 'label' has shape [3, 2]; expected [N] or [N, 1]");
    label_file(p, H5T_STD_I8LE, 1, n2, ok);
    expect_load_error(p, CIM_ERR_FORMAT,
                      "dataset 'label' has 2 labels but dataset 'data' has 3 clouds");
    label_file(p, H5T_STD_I16BE, 2, n3x1, neg);
    expect_load_error(p, CIM_ERR_FORMAT, "label -1 of cloud 1 is negative");
    label_file(p, H5T_STD_U64LE, 1, n3, big);
    expect_load_error(p, CIM_ERR_FORMAT,
                      "label 5000 of cloud 0 is above the largest allowed, 4095");
}

static void test_h5_many_bad_labels_are_summed_up(void **state)
{
    CloudRig *r = *state;
    char p[512];
    enum { N = 9 };
    int32_t lab[N] = {-1, -2, -3, -4, -5, -6, -7, 0, -9};
    hid_t f = h5_good(rig_path(r, "neg.h5", p), N, 1, lab);
    H5Fclose(f);
    CimDiag d;
    cim_diag_init(&d);
    CimCloudSet s;
    assert_int_equal(cim_cloud_h5_load(p, NULL, &s, &d), CIM_ERR_FORMAT);
    assert_int_equal(d.n, 6);
    char line[700];
    snprintf(line, sizeof line, "%s: error: label -5 of cloud 4 is negative", p);
    rig_expect_line(&d, 4, line);
    snprintf(line, sizeof line, "%s: error: 8 labels in all are out of range", p);
    rig_expect_line(&d, 5, line);
    cim_diag_free(&d);
}

static void test_h5_non_finite_coordinates_are_counted(void **state)
{
    CloudRig *r = *state;
    char p[512];
    float xyz[2 * 2 * 3] = {0, 1, 2, 3, NAN, 5, 6, INFINITY, 8, 9, 10, NAN};
    int32_t lab[2] = {0, 1};
    hid_t f = h5_new(rig_path(r, "nan.h5", p));
    hsize_t dd[3] = {2, 2, 3}, ld[1] = {2};
    h5_put(f, "data", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 3, dd, xyz);
    h5_put(f, "label", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, ld, lab);
    H5Fclose(f);
    expect_load_error(p, CIM_ERR_FORMAT,
                      "3 coordinates are not finite (2 NaN, 1 infinite); the first is y of point "
                      "1 of cloud 0");
}

static void test_h5_attribute_errors(void **state)
{
    CloudRig *r = *state;
    char p[512];
    int32_t lab[2] = {0, 3};
    hid_t f = h5_good(rig_path(r, "attr.h5", p), 2, 2, lab);
    h5_attr_int(f, "synthetic", 7);
    H5Fclose(f);
    expect_load_error(p, CIM_ERR_FORMAT, "attribute 'synthetic' must be 0 or 1, got 7");

    f = h5_good(p, 2, 2, lab);
    h5_attr_int(f, "class_names", 7);
    H5Fclose(f);
    expect_load_error(p, CIM_ERR_FORMAT,
                      "attribute 'class_names' must be a list of 1 to 4096 strings");

    /* Fixed-length names, but label 3 needs a fourth class. */
    CimCloudSet a;
    make_set(&a, 2, 2, 1, NULL);
    a.labels[1] = 2;
    assert_int_equal(cim_cloud_h5_save(p, &a, &r->diag), CIM_OK);
    cim_cloud_free(&a);
    f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t ds = H5Dopen2(f, "label", H5P_DEFAULT);
    assert_true(H5Dwrite(ds, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, lab) >= 0);
    H5Dclose(ds);
    H5Fclose(f);
    expect_load_error(p, CIM_ERR_FORMAT, "label 3 of cloud 1 is out of range for the 3 classes "
                                         "named in attribute 'class_names'");

    /* An empty name among fixed-length ones. */
    f = h5_good(p, 2, 2, lab);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, 4);
    hsize_t k = 4;
    hid_t sp = H5Screate_simple(1, &k, NULL);
    hid_t at = H5Acreate2(f, "class_names", t, sp, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(at >= 0 && H5Awrite(at, t, "abc\0def\0\0\0\0\0ghi") >= 0);
    H5Aclose(at);
    H5Sclose(sp);
    H5Tclose(t);
    H5Fclose(f);
    expect_load_error(p, CIM_ERR_FORMAT, "class name 2 in attribute 'class_names' is empty");
}

/* The library's automatic error printing stays off during our calls and is restored. */
static int printed;
static herr_t count_prints(hid_t stack, void *data)
{
    (void)stack;
    (void)data;
    printed++;
    return 0;
}

static void test_h5_library_errors_are_not_printed(void **state)
{
    CloudRig *r = *state;
    char p[512];
    rig_write_text(rig_path(r, "junk.h5", p), "\x89HDF\r\n\x1a\njunk after the signature....");
    assert_true(H5Eset_auto2(H5E_DEFAULT, count_prints, NULL) >= 0);
    printed = 0;
    CimDiag d;
    cim_diag_init(&d);
    CimCloudSet s;
    assert_int_not_equal(cim_cloud_h5_load(p, NULL, &s, &d), CIM_OK);
    assert_int_not_equal(cim_cloud_h5_load(rig_path(r, "no/such.h5", p), NULL, &s, &d), CIM_OK);
    CimCloudSet a;
    make_set(&a, 1, 2, 0, NULL);
    assert_int_equal(cim_cloud_h5_save(p, &a, &d), CIM_ERR_IO);
    cim_cloud_free(&a);
    assert_int_equal(printed, 0);
    H5E_auto2_t fn = NULL;
    void *data = &printed;
    H5Eget_auto2(H5E_DEFAULT, &fn, &data);
    assert_true(fn == count_prints && data == NULL);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char line[1400], want[1100];
    cim_diag_format(&d, d.n - 1, line, sizeof line);
    snprintf(want, sizeof want, "%s: error: cannot create %s.%ld.tmp: ", p, p, (long)getpid());
    assert_memory_equal(line, want, strlen(want));
    cim_diag_free(&d);
    expect_no_open_handles();
}

static void test_h5_save_refuses_a_bad_set_and_keeps_the_old_file(void **state)
{
    CloudRig *r = *state;
    char p[512], line[700];
    CimCloudSet a;
    make_set(&a, 2, 2, 1, NULL);
    assert_int_equal(cim_cloud_h5_save(rig_path(r, "keep.h5", p), &a, &r->diag), CIM_OK);
    struct stat before, after;
    assert_int_equal(stat(p, &before), 0);
    a.xyz[0] = NAN;
    a.labels[1] = 3;
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_cloud_h5_save(p, &a, &d), CIM_ERR_FORMAT);
    snprintf(line, sizeof line, "%s: error: 1 coordinate is not finite (1 NaN, 0 infinite); "
                                "the first is x of point 0 of cloud 0", p);
    rig_expect_line(&d, 0, line);
    snprintf(line, sizeof line, "%s: error: label 3 of cloud 1 is out of range 0..2", p);
    rig_expect_line(&d, 1, line);
    assert_int_equal(stat(p, &after), 0);
    assert_int_equal(before.st_size, after.st_size);
    assert_true(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
                before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
    cim_diag_free(&d);
    cim_cloud_free(&a);
}

static void test_cloud_init_refuses_bad_sizes(void **state)
{
    (void)state;
    CimCloudSet s;
    const char *bad[3] = {"a", "", "c"};
    assert_int_equal(cim_cloud_init(&s, 0, 1, 1, NULL, NULL), CIM_ERR_RANGE);
    assert_int_equal(cim_cloud_init(&s, 1, 0, 1, NULL, NULL), CIM_ERR_RANGE);
    assert_int_equal(cim_cloud_init(&s, 1, 1, 0, NULL, NULL), CIM_ERR_RANGE);
    assert_int_equal(cim_cloud_init(&s, 1, 1, CIM_CLOUD_MAX_CLASSES + 1, NULL, NULL),
                     CIM_ERR_RANGE);
    assert_int_equal(cim_cloud_init(&s, SIZE_MAX / 4, 3, 1, NULL, NULL), CIM_ERR_RANGE);
    assert_int_equal(cim_cloud_init(&s, 1, 1, 3, bad, NULL), CIM_ERR_RANGE);
    assert_null(s.xyz);
    cim_cloud_free(&s); /* fine on a zeroed set */
}

/* ---- fault injection ---------------------------------------------------------------------- */

static CimStatus load(void *ctx, const CimAlloc *alloc)
{
    CimDiag d;
    cim_diag_init(&d);
    CimCloudSet s;
    CimStatus st = cim_cloud_h5_load(ctx, alloc, &s, &d);
    cim_cloud_free(&s);
    cim_diag_free(&d);
    return st;
}

static CimStatus save(void *ctx, const CimAlloc *alloc)
{
    CimCloudSet s;
    CimStatus st = cim_cloud_init(&s, 2, 3, 3, NAMES, alloc);
    if (st != CIM_OK)
        return st;
    CimDiag d;
    cim_diag_init(&d);
    st = cim_cloud_h5_save(ctx, &s, &d);
    cim_diag_free(&d);
    cim_cloud_free(&s);
    return st;
}

static void test_h5_allocation_failures(void **state)
{
    CloudRig *r = *state;
    char p[512];
    CimCloudSet a;
    make_set(&a, 3, 5, 1, NULL);
    assert_int_equal(cim_cloud_h5_save(rig_path(r, "fi.h5", p), &a, &r->diag), CIM_OK);
    cim_cloud_free(&a);
    /* names block, fixed-length scratch, labels, label scratch, xyz + labels + names */
    assert_int_equal(test_alloc_sweep(load, p), 7);
    expect_no_open_handles();
    /* set (3), temporary path, names block */
    assert_int_equal(test_alloc_sweep(save, rig_path(r, "fs.h5", p)), 5);
    expect_no_open_handles();
}

#define T(name) cmocka_unit_test_setup_teardown(name, rig_setup, rig_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_h5_round_trip_keeps_every_bit),
        T(test_h5_without_names_counts_classes_from_labels),
        T(test_h5_reads_pointnet_style_files),
        T(test_h5_reads_variable_length_names),
        T(test_h5_not_hdf5_missing_or_truncated),
        T(test_h5_missing_datasets),
        T(test_h5_data_type_and_shape),
        T(test_h5_label_errors),
        T(test_h5_many_bad_labels_are_summed_up),
        T(test_h5_non_finite_coordinates_are_counted),
        T(test_h5_attribute_errors),
        T(test_h5_library_errors_are_not_printed),
        T(test_h5_save_refuses_a_bad_set_and_keeps_the_old_file),
        cmocka_unit_test(test_cloud_init_refuses_bad_sizes),
        T(test_h5_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
