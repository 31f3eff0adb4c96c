/* Unit tests of workloads/io/safetensors: writer -> reader round trip, a byte-exact file
 * built from the spec (F16, BF16), every malformed-file error, fault injection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/test_alloc.h"
#include "workloads/io/safetensors.h"

/* ---- helpers ------------------------------------------------------------ */

typedef struct {
    char dir[64];
    char path[128]; /* dir/w.safetensors, the file most tests write */
    CimDiag diag;   /* for calls expected to succeed; checked empty in teardown */
} Fx;

static int setup(void **state)
{
    Fx *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/test_safetensors.XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->path, sizeof fx->path, "%s/w.safetensors", fx->dir);
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
    cim_diag_print(&fx->diag, stderr);
    size_t n = fx->diag.n;
    cim_diag_free(&fx->diag);
    free(fx);
    return n == 0 ? 0 : -1;
}

static void write_bytes(const char *path, const void *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* A file whose header is the hl bytes of header (length prefix = hl) followed by
 * data_len bytes 0, 1, 2, ... */
static void write_st_n(const char *path, const char *header, size_t hl, size_t data_len)
{
    size_t n = 8 + hl + data_len;
    unsigned char *b = malloc(n);
    assert_non_null(b);
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(b + 8, header, hl);
    for (size_t i = 0; i < data_len; i++)
        b[8 + hl + i] = (unsigned char)i;
    write_bytes(path, b, n);
    free(b);
}

static void write_st(const char *path, const char *header, size_t data_len)
{
    write_st_n(path, header, strlen(header), data_len);
}

/* Diagnostic i of d is "path: error: msg". */
static void expect_line(const CimDiag *d, size_t i, const char *path, const char *msg)
{
    char got[1400], exp[1400];
    assert_true(d->n > i);
    cim_diag_format(d, i, got, sizeof got);
    snprintf(exp, sizeof exp, "%s: error: %s", path, msg);
    assert_string_equal(got, exp);
}

/* Opens path and checks the status and the first diagnostic line "path: error: msg". */
static CimDiag expect_open_error(const char *path, CimStatus want, const char *msg)
{
    CimDiag d;
    cim_diag_init(&d);
    CimSafetensors *st = (CimSafetensors *)1;
    CimStatus s = cim_st_open(path, NULL, &st, &d);
    if (s != want)
        cim_diag_print(&d, stderr);
    assert_int_equal(s, want);
    assert_null(st);
    expect_line(&d, 0, path, msg);
    return d;
}

static void expect_header_error(const Fx *fx, const char *header, size_t data_len,
                                const char *msg)
{
    write_st(fx->path, header, data_len);
    CimDiag d = expect_open_error(fx->path, CIM_ERR_FORMAT, msg);
    cim_diag_free(&d);
}

static CimSafetensors *open_ok(const char *path, const CimAlloc *alloc)
{
    CimDiag d;
    cim_diag_init(&d);
    CimSafetensors *st = NULL;
    CimStatus s = cim_st_open(path, alloc, &st, &d);
    cim_diag_print(&d, stderr);
    assert_int_equal(s, CIM_OK);
    assert_int_equal(d.n, 0);
    cim_diag_free(&d);
    return st;
}

/* ---- round trip --------------------------------------------------------- */

static const size_t shp_fc[2] = {2, 3}, shp_bias[1] = {4}, shp_empty[2] = {0, 5};
static const float v_fc[6] = {1.5f, -2.25f, 0.0f, 3e-38f, -1e30f, 7.0f};
static const float v_bias[4] = {0.1f, 0.2f, 0.3f, -0.4f}, v_scalar[1] = {42.0f};
static const CimStWriteTensor tensors4[4] = {
    {"fc.weight", 2, shp_fc, v_fc, NULL},
    {"conv1.bias", 1, shp_bias, v_bias, NULL},
    {"scalar", 0, NULL, v_scalar, NULL},
    {"empty", 2, shp_empty, NULL, NULL},
};
static const CimStMeta meta2[2] = {{"format", "pt"}, {"epoch", "3"}};

static void write_ok(const char *path, const CimStWriteTensor *t, size_t n, const CimStMeta *m,
                     size_t nm)
{
    CimDiag d;
    cim_diag_init(&d);
    CimStatus s = cim_st_write(path, t, n, m, nm, NULL, &d);
    cim_diag_print(&d, stderr);
    assert_int_equal(s, CIM_OK);
    cim_diag_free(&d);
}

static void test_st_write_then_read_gives_same_tensors(void **state)
{
    Fx *fx = *state;
    write_ok(fx->path, tensors4, 4, meta2, 2);
    CimSafetensors *st = open_ok(fx->path, NULL);
    assert_int_equal(cim_st_count(st), 4);
    const char *names[4] = {"conv1.bias", "empty", "fc.weight", "scalar"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(cim_st_tensor(st, i)->name, names[i]);
    for (size_t k = 0; k < 4; k++) {
        const CimStWriteTensor *w = &tensors4[k];
        const CimStTensor *t = cim_st_find(st, w->name);
        assert_non_null(t);
        assert_int_equal(t->dtype, CIM_ST_F32);
        assert_int_equal(t->ndim, w->ndim);
        size_t n = 1;
        for (size_t i = 0; i < w->ndim; i++) {
            assert_int_equal(t->shape[i], w->shape[i]);
            n *= w->shape[i];
        }
        assert_int_equal(t->nelem, n);
        float got[8];
        assert_int_equal(cim_st_to_f32(st, t, got, 8, &fx->diag), CIM_OK);
        if (n)
            assert_memory_equal(got, w->data, n * sizeof(float));
    }
    /* contiguous in name order: conv1.bias 0..16, empty 16..16, fc 16..40, scalar 40..44 */
    assert_int_equal(cim_st_find(st, "fc.weight")->offset, 16);
    assert_int_equal(cim_st_find(st, "scalar")->offset, 40);
    assert_int_equal(cim_st_meta_count(st), 2);
    assert_string_equal(cim_st_meta_get(st, "epoch"), "3");
    assert_string_equal(cim_st_meta_get(st, "format"), "pt");
    assert_null(cim_st_meta_get(st, "nope"));
    assert_null(cim_st_find(st, "nope"));
    cim_st_close(st);
}

/* The exact bytes of a small file: sorted compact header padded with spaces to 8. */
static void test_st_write_produces_reference_layout(void **state)
{
    Fx *fx = *state;
    const size_t sa[1] = {2}, sb[1] = {1};
    const float va[2] = {1.0f, -2.0f}, vb[1] = {0.5f};
    const CimStWriteTensor t[2] = {{"b", 1, sb, vb, NULL}, {"a", 1, sa, va, NULL}};
    const CimStMeta m[1] = {{"k", "v"}};
    write_ok(fx->path, t, 2, m, 1);
    const char *hdr = "{\"__metadata__\":{\"k\":\"v\"},"
                      "\"a\":{\"data_offsets\":[0,8],\"dtype\":\"F32\",\"shape\":[2]},"
                      "\"b\":{\"data_offsets\":[8,12],\"dtype\":\"F32\",\"shape\":[1]}}";
    size_t hl = strlen(hdr), padded = (hl + 7) / 8 * 8;
    unsigned char want[256] = {0};
    want[0] = (unsigned char)padded;
    memcpy(want + 8, hdr, hl);
    memset(want + 8 + hl, ' ', padded - hl);
    const unsigned char data[12] = {0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0, 0, 0, 0, 0x3F};
    memcpy(want + 8 + padded, data, 12);
    unsigned char got[256];
    FILE *f = fopen(fx->path, "rb");
    assert_non_null(f);
    size_t n = fread(got, 1, sizeof got, f);
    fclose(f);
    assert_int_equal(n, 8 + padded + 12);
    assert_memory_equal(got, want, n);
}

static void test_st_write_failure_keeps_old_file(void **state)
{
    Fx *fx = *state;
    write_bytes(fx->path, "old", 3);
    const size_t s1[1] = {1};
    const float v[1] = {1.0f};
    const CimStWriteTensor dup[2] = {{"x", 1, s1, v, NULL}, {"x", 1, s1, v, NULL}};
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_st_write(fx->path, dup, 2, NULL, 0, NULL, &d), CIM_ERR_CONFIG);
    expect_line(&d, 0, fx->path, "tensor name 'x' appears twice");
    cim_diag_free(&d);
    char buf[8] = {0}, tmp[160];
    FILE *f = fopen(fx->path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(buf, 1, sizeof buf, f), 3);
    fclose(f);
    assert_string_equal(buf, "old");
    snprintf(tmp, sizeof tmp, "%s.tmp", fx->path);
    assert_int_equal(access(tmp, F_OK), -1);
}

static void test_st_write_into_missing_dir_is_io_error(void **state)
{
    Fx *fx = *state;
    char path[160], msg[400];
    snprintf(path, sizeof path, "%s/no/such/dir/w.safetensors", fx->dir);
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_st_write(path, tensors4, 4, NULL, 0, NULL, &d), CIM_ERR_IO);
    snprintf(msg, sizeof msg, "cannot create %s.tmp: No such file or directory", path);
    expect_line(&d, 0, path, msg);
    cim_diag_free(&d);
}

static void test_st_write_rejects_bad_names(void **state)
{
    Fx *fx = *state;
    const size_t s1[1] = {1};
    const float v[1] = {1.0f};
    const CimStWriteTensor bad[3] = {{"__metadata__", 1, s1, v, NULL}, {"", 1, s1, v, NULL},
                                     {"caf\xC3(", 1, s1, v, NULL}};
    CimDiag d;
    cim_diag_init(&d);
    const CimStMeta m[2] = {{"k", "1"}, {"k", "2"}};
    assert_int_equal(cim_st_write(fx->path, bad, 3, NULL, 0, NULL, &d), CIM_ERR_CONFIG);
    assert_int_equal(d.errors, 3);
    assert_int_equal(cim_st_write(fx->path, bad + 1, 0, m, 2, NULL, &d), CIM_ERR_CONFIG);
    expect_line(&d, 3, fx->path, "metadata key 'k' appears twice");
    assert_int_equal(access(fx->path, F_OK), -1);
    cim_diag_free(&d);
}

/* ---- a file built by hand from the spec --------------------------------- */

/* Header of three tensors (F16 [2,2], BF16 [3], F16 [2]) and metadata, padded with spaces
 * to a multiple of 8 as the reference writer does; data little-endian. */
static void test_st_reads_handmade_f16_bf16_file(void **state)
{
    Fx *fx = *state;
    const char hdr[] = "{\"__metadata__\":{\"format\":\"pt\"},"
                       "\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]},"
                       "\"bf\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[8,14]},"
                       "\"sp\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[14,18]}}";
    size_t hl = sizeof hdr - 1, padded = (hl + 7) / 8 * 8;
    unsigned char file[512];
    memset(file, 0, 8);
    file[0] = (unsigned char)padded;
    memcpy(file + 8, hdr, hl);
    memset(file + 8 + hl, ' ', padded - hl);
    const unsigned char data[18] = {
        0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00, /* F16 1, -2, 65504, 2^-24 */
        0x80, 0x3F, 0x00, 0xBF, 0x49, 0x40,             /* BF16 1, -0.5, 3.140625 */
        0x00, 0xFC, 0x00, 0x7E};                        /* F16 -inf, NaN */
    memcpy(file + 8 + padded, data, sizeof data);
    write_bytes(fx->path, file, 8 + padded + sizeof data);

    CimSafetensors *st = open_ok(fx->path, NULL);
    assert_string_equal(cim_st_meta_get(st, "format"), "pt");
    float h[4], bf[3], sp[2];
    const size_t sh[2] = {2, 2}, sbf[1] = {3};
    const CimStTensor *t = cim_st_find(st, "h");
    assert_int_equal(t->dtype, CIM_ST_F16);
    assert_int_equal(cim_st_expect_shape(st, t, sh, 2, &fx->diag), CIM_OK);
    assert_int_equal(cim_st_to_f32(st, t, h, 4, &fx->diag), CIM_OK);
    assert_true(h[0] == 1.0f && h[1] == -2.0f && h[2] == 65504.0f && h[3] == ldexpf(1, -24));
    t = cim_st_find(st, "bf");
    assert_int_equal(t->dtype, CIM_ST_BF16);
    assert_int_equal(cim_st_expect_shape(st, t, sbf, 1, &fx->diag), CIM_OK);
    assert_int_equal(cim_st_to_f32(st, t, bf, 3, &fx->diag), CIM_OK);
    assert_true(bf[0] == 1.0f && bf[1] == -0.5f && bf[2] == 3.140625f);
    assert_int_equal(cim_st_to_f32(st, cim_st_find(st, "sp"), sp, 2, &fx->diag), CIM_OK);
    assert_true(isinf(sp[0]) && sp[0] < 0 && isnan(sp[1]));
    cim_st_close(st);
}

/* One tensor "t" of dtype dt with n elements of raw bytes, converted to float. */
static CimStatus convert_one(Fx *fx, const char *dt, size_t esize, const void *raw,
                             size_t n, float *out, CimDiag *d)
{
    char hdr[160];
    snprintf(hdr, sizeof hdr,
             "{\"t\":{\"dtype\":\"%s\",\"shape\":[%zu],\"data_offsets\":[0,%zu]}}", dt, n,
             n * esize);
    size_t hl = strlen(hdr);
    unsigned char file[256] = {0};
    file[0] = (unsigned char)hl;
    memcpy(file + 8, hdr, hl);
    memcpy(file + 8 + hl, raw, n * esize);
    write_bytes(fx->path, file, 8 + hl + n * esize);
    CimSafetensors *st = open_ok(fx->path, NULL);
    CimStatus s = cim_st_to_f32(st, cim_st_find(st, "t"), out, n, d);
    cim_st_close(st);
    return s;
}

static void test_st_converts_every_dtype(void **state)
{
    Fx *fx = *state;
    float f[4];
    const unsigned char i8[3] = {0x80, 0xFF, 0x7F}, u8[2] = {0, 255}, b[2] = {0, 1};
    const unsigned char i16[4] = {0x00, 0x80, 0x34, 0x12}, u16[2] = {0xFF, 0xFF};
    const unsigned char i32[8] = {0xFE, 0xFF, 0xFF, 0xFF, 0x40, 0x42, 0x0F, 0x00};
    const unsigned char u32[4] = {0x00, 0x00, 0x00, 0x80};
    const unsigned char i64[8] = {0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    const unsigned char u64[8] = {0, 0, 0, 0, 0, 0, 0, 0x80};
    const unsigned char e4m3[4] = {0x38, 0x7E, 0x7F, 0x01}, e5m2[3] = {0x3C, 0x7C, 0x01};
    const unsigned char f64[8] = {0, 0, 0, 0, 0, 0, 0xF8, 0x3F}; /* 1.5 */
    assert_int_equal(convert_one(fx, "I8", 1, i8, 3, f, &fx->diag), CIM_OK);
    assert_true(f[0] == -128 && f[1] == -1 && f[2] == 127);
    assert_int_equal(convert_one(fx, "U8", 1, u8, 2, f, &fx->diag), CIM_OK);
    assert_true(f[0] == 0 && f[1] == 255);
    assert_int_equal(convert_one(fx, "BOOL", 1, b, 2, f, &fx->diag), CIM_OK);
    assert_true(f[0] == 0 && f[1] == 1);
    assert_int_equal(convert_one(fx, "I16", 2, i16, 2, f, &fx->diag), CIM_OK);
    assert_true(f[0] == -32768 && f[1] == 0x1234);
    assert_int_equal(convert_one(fx, "U16", 2, u16, 1, f, &fx->diag), CIM_OK);
    assert_true(f[0] == 65535);
    assert_int_equal(convert_one(fx, "I32", 4, i32, 2, f, &fx->diag), CIM_OK);
    assert_true(f[0] == -2 && f[1] == 1000000);
    assert_int_equal(convert_one(fx, "U32", 4, u32, 1, f, &fx->diag), CIM_OK);
    assert_true(f[0] == 2147483648.0f);
    assert_int_equal(convert_one(fx, "I64", 8, i64, 1, f, &fx->diag), CIM_OK);
    assert_true(f[0] == -3);
    assert_int_equal(convert_one(fx, "U64", 8, u64, 1, f, &fx->diag), CIM_OK);
    assert_true(f[0] == 9223372036854775808.0f);
    assert_int_equal(convert_one(fx, "F64", 8, f64, 1, f, &fx->diag), CIM_OK);
    assert_true(f[0] == 1.5f);
    /* E4M3FN: 0x38 = 1, 0x7E = 448 (largest), 0x7F = NaN, 0x01 = 2^-9 */
    assert_int_equal(convert_one(fx, "F8_E4M3", 1, e4m3, 4, f, &fx->diag), CIM_OK);
    assert_true(f[0] == 1 && f[1] == 448 && isnan(f[2]) && f[3] == ldexpf(1, -9));
    /* E5M2: 0x3C = 1, 0x7C = inf, 0x01 = 2^-16 */
    assert_int_equal(convert_one(fx, "F8_E5M2", 1, e5m2, 3, f, &fx->diag), CIM_OK);
    assert_true(f[0] == 1 && isinf(f[1]) && f[2] == ldexpf(1, -16));
}

static void test_st_convert_rejects_unrepresentable_values(void **state)
{
    Fx *fx = *state;
    float f[2];
    CimDiag d;
    const double big[2] = {1.0, 1e300};
    unsigned char raw[16];
    for (int i = 0; i < 2; i++) { /* little-endian, whatever the host */
        uint64_t u;
        memcpy(&u, &big[i], 8);
        for (int k = 0; k < 8; k++)
            raw[8 * i + k] = (unsigned char)(u >> (8 * k));
    }
    cim_diag_init(&d);
    assert_int_equal(convert_one(fx, "F64", 8, raw, 2, f, &d), CIM_ERR_FORMAT);
    expect_line(&d, 0, fx->path, "tensor 't' (F64) element 1 is 1e+300, too large "
             "for float32");
    cim_diag_free(&d);
    const unsigned char b[2] = {1, 2};
    cim_diag_init(&d);
    assert_int_equal(convert_one(fx, "BOOL", 1, b, 2, f, &d), CIM_ERR_FORMAT);
    expect_line(&d, 0, fx->path, "tensor 't' (BOOL) element 1 is 2, not a BOOL (0 or "
             "1)");
    cim_diag_free(&d);
}

/* ---- lookups and shape checks ------------------------------------------- */

static void test_st_expect_shape_reports_both_shapes(void **state)
{
    Fx *fx = *state;
    static float w[288];
    const size_t have[4] = {32, 1, 3, 3}, want[4] = {32, 1, 5, 5};
    const CimStWriteTensor t[1] = {{"conv1.weight", 4, have, w, NULL}};
    write_ok(fx->path, t, 1, NULL, 0);
    CimSafetensors *st = open_ok(fx->path, NULL);
    CimDiag d;
    cim_diag_init(&d);
    float *out = (float *)1;
    assert_int_equal(cim_st_load_f32(st, "conv1.weight", want, 4, &out, &d), CIM_ERR_FORMAT);
    assert_null(out);
    expect_line(&d, 0, fx->path, "tensor 'conv1.weight' has shape [32, 1, 3, 3], "
             "expected [32, 1, 5, 5]");
    cim_diag_free(&d);
    assert_int_equal(cim_st_load_f32(st, "conv1.weight", have, 4, &out, &fx->diag), CIM_OK);
    cim_st_free_f32(st, out);
    assert_int_equal(cim_st_load_f32(st, "conv1.weight", NULL, 0, &out, &fx->diag), CIM_OK);
    cim_st_free_f32(st, out);
    float small[4];
    cim_diag_init(&d);
    assert_int_equal(cim_st_to_f32(st, cim_st_find(st, "conv1.weight"), small, 4, &d),
                     CIM_ERR_RANGE);
    expect_line(&d, 0, fx->path, "tensor 'conv1.weight' has 288 elements; the "
             "destination holds only 4");
    cim_diag_free(&d);
    cim_st_close(st);
}

static void test_st_missing_tensor_lists_up_to_ten_names(void **state)
{
    Fx *fx = *state;
    char names[12][16];
    CimStWriteTensor t[12];
    const size_t s1[1] = {1};
    const float v[1] = {0};
    for (int i = 0; i < 12; i++) {
        snprintf(names[i], sizeof names[i], "t%02u", (unsigned)i);
        t[i] = (CimStWriteTensor){names[i], 1, s1, v, NULL};
    }
    write_ok(fx->path, t, 12, NULL, 0);
    CimSafetensors *st = open_ok(fx->path, NULL);
    CimDiag d;
    cim_diag_init(&d);
    const CimStTensor *got;
    assert_int_equal(cim_st_get(st, "fc.weight", &got, &d), CIM_ERR_FORMAT);
    assert_null(got);
    expect_line(&d, 0, fx->path, "no tensor named 'fc.weight'; the file has: t00, "
             "t01, t02, t03, t04, t05, t06, t07, t08, t09 (2 more)");
    cim_diag_free(&d);
    assert_int_equal(cim_st_get(st, "t11", &got, &fx->diag), CIM_OK);
    assert_string_equal(got->name, "t11");
    cim_st_close(st);
}

/* ---- malformed files: prefix and JSON ----------------------------------- */

static void test_st_short_file_is_reported(void **state)
{
    Fx *fx = *state;
    write_bytes(fx->path, "\x05\0\0\0\0", 5);
    CimDiag d = expect_open_error(fx->path, CIM_ERR_FORMAT,
                                  "file is 5 bytes, too short for the 8-byte header length");
    cim_diag_free(&d);
    write_bytes(fx->path, "", 0);
    d = expect_open_error(fx->path, CIM_ERR_FORMAT,
                          "file is 0 bytes, too short for the 8-byte header length");
    cim_diag_free(&d);
}

static void test_st_header_length_past_end_is_reported(void **state)
{
    Fx *fx = *state;
    unsigned char b[18] = {100, 0, 0, 0, 0, 0, 0, 0, '{', '}'};
    write_bytes(fx->path, b, sizeof b);
    CimDiag d = expect_open_error(fx->path, CIM_ERR_FORMAT, "header length 100 runs past the "
                                  "end of the file (10 bytes follow it)");
    cim_diag_free(&d);
}

static void test_st_header_over_100mb_is_reported(void **state)
{
    Fx *fx = *state;
    unsigned char b[10] = {0x01, 0xE1, 0xF5, 0x05, 0, 0, 0, 0, '{', '}'}; /* 100000001 */
    write_bytes(fx->path, b, sizeof b);
    CimDiag d = expect_open_error(fx->path, CIM_ERR_FORMAT, "header length 100000001 exceeds "
                                  "the limit of 100000000 bytes");
    cim_diag_free(&d);
    memset(b, 0xFF, 8);
    write_bytes(fx->path, b, sizeof b);
    d = expect_open_error(fx->path, CIM_ERR_FORMAT, "header length 18446744073709551615 "
                          "exceeds the limit of 100000000 bytes");
    cim_diag_free(&d);
}

static void test_st_missing_file_and_directory_are_io_errors(void **state)
{
    Fx *fx = *state;
    CimDiag d = expect_open_error(fx->path, CIM_ERR_IO, "cannot open: No such file or "
                                  "directory");
    cim_diag_free(&d);
    d = expect_open_error(fx->dir, CIM_ERR_IO, "cannot open: not a regular file (a directory)");
    cim_diag_free(&d);
}

static void test_st_bad_json_reports_line_and_column(void **state)
{
    expect_header_error(*state, "{\"a\":\n  {\"dtype\" \"F32\"}}", 0,
                        "header is not valid JSON (header line 2, column 16): ':' expected "
                        "near '\"F32\"'");
    expect_header_error(*state, "{\"a\xff\":1}", 0,
                        "header is not valid JSON (header line 1, column 3): unable to decode "
                        "byte 0xff near '\"a'");
    Fx *fx = *state;
    write_st_n(fx->path, "{}\0\0", 4, 0);
    CimDiag d = expect_open_error(fx->path, CIM_ERR_FORMAT, "header byte 2 is NUL; the header "
                                  "is JSON text, padded with spaces (not zeros)");
    cim_diag_free(&d);
}

static void test_st_header_not_object_is_reported(void **state)
{
    expect_header_error(*state, "[1, 2]", 0, "header must be a JSON object, got an array");
    expect_header_error(*state, " {}", 0, "header must start with '{' (only trailing spaces "
                        "are allowed as padding)");
}

static void test_st_duplicate_names_are_reported(void **state)
{
    expect_header_error(*state,
                        "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                        "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}",
                        2, "a name appears twice in the header (header line 1, column 56): "
                        "duplicate object key near '\"a\"'");
}

/* ---- malformed files: tensor entries ------------------------------------ */

#define ENTRY(dt, shape, off) "{\"w\":{\"dtype\":" dt ",\"shape\":" shape ",\"data_offsets\":" off "}}"

static void test_st_entry_not_object_is_reported(void **state)
{
    expect_header_error(*state, "{\"w\":3}", 0, "tensor 'w' must be an object with dtype, "
                        "shape and data_offsets, got an integer");
}

static void test_st_entry_missing_fields_are_each_reported(void **state)
{
    Fx *fx = *state;
    write_st(fx->path, "{\"w\":{}}", 0);
    CimDiag d = expect_open_error(fx->path, CIM_ERR_FORMAT, "tensor 'w' has no dtype");
    assert_int_equal(d.errors, 3);
    expect_line(&d, 2, fx->path, "tensor 'w' has no data_offsets");
    cim_diag_free(&d);
    expect_header_error(fx, "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,0]}}", 0,
                        "tensor 'w' has no shape");
}

static void test_st_entry_unknown_key_is_reported(void **state)
{
    expect_header_error(*state, "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],"
                        "\"offset\":0}}", 1, "tensor 'w' has unknown key 'offset'; expected "
                        "dtype, shape, data_offsets");
}

static void test_st_unknown_dtype_lists_choices(void **state)
{
    expect_header_error(*state, ENTRY("\"F17\"", "[1]", "[0,4]"), 4,
                        "tensor 'w' has unknown dtype 'F17'; expected one of: BOOL, U8, I8, "
                        "F8_E5M2, F8_E4M3, U16, I16, F16, BF16, U32, I32, F32, U64, I64, F64");
    expect_header_error(*state, ENTRY("32", "[1]", "[0,4]"), 4,
                        "tensor 'w' dtype must be a string, got an integer");
}

static void test_st_bad_shape_is_reported(void **state)
{
    expect_header_error(*state, ENTRY("\"F32\"", "[2,-3]", "[0,0]"), 0,
                        "tensor 'w' shape[1] is -3; it must be a non-negative integer");
    expect_header_error(*state, ENTRY("\"F32\"", "[2.5]", "[0,0]"), 0,
                        "tensor 'w' shape[0] is 2.5; it must be a non-negative integer");
    expect_header_error(*state, ENTRY("\"F32\"", "[\"2\"]", "[0,0]"), 0,
                        "tensor 'w' shape[0] is a string; it must be a non-negative integer");
    expect_header_error(*state, ENTRY("\"F32\"", "4", "[0,16]"), 16,
                        "tensor 'w' shape must be an array of non-negative integers, got an "
                        "integer");
}

static void test_st_bad_offsets_are_reported(void **state)
{
    expect_header_error(*state, ENTRY("\"U8\"", "[1]", "[0,1,2]"), 2,
                        "tensor 'w' data_offsets must be [begin, end], got 3 numbers");
    expect_header_error(*state, ENTRY("\"U8\"", "[1]", "{}"), 2,
                        "tensor 'w' data_offsets must be [begin, end], got an object");
    expect_header_error(*state, ENTRY("\"U8\"", "[1]", "[-1,0]"), 1,
                        "tensor 'w' data_offsets[0] is -1; it must be a non-negative integer");
    expect_header_error(*state, ENTRY("\"U8\"", "[0]", "[8,4]"), 8,
                        "tensor 'w' data_offsets [8, 4] has begin after end");
    expect_header_error(*state, ENTRY("\"F32\"", "[4]", "[0,16]"), 8,
                        "tensor 'w' data_offsets [0, 16] ends past the data section (8 bytes)");
}

static void test_st_size_mismatch_is_reported(void **state)
{
    expect_header_error(*state, ENTRY("\"F32\"", "[2,4]", "[0,24]"), 24,
                        "tensor 'w' has 24 data bytes ([0, 24]) but shape [2, 4] of F32 needs "
                        "32");
    expect_header_error(*state, ENTRY("\"F32\"", "[4294967296,4294967296]", "[0,0]"), 0,
                        "tensor 'w' shape [4294967296, 4294967296] of F32 is too large (its "
                        "byte count overflows)");
    expect_header_error(*state, ENTRY("\"F64\"", "[2305843009213693952]", "[0,0]"), 0,
                        "tensor 'w' shape [2305843009213693952] of F64 is too large (its byte "
                        "count overflows)");
}

/* ---- malformed files: layout and metadata ------------------------------- */

static void test_st_overlapping_tensors_are_reported(void **state)
{
    expect_header_error(*state,
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                        12, "tensor 'b' data [4, 12] overlaps tensor 'a' data [0, 8]");
}

static void test_st_uncovered_bytes_are_reported(void **state)
{
    expect_header_error(*state,
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
                        12, "data bytes [4, 8) belong to no tensor (tensors must cover the data "
                        "section without gaps)");
    expect_header_error(*state, ENTRY("\"F32\"", "[1]", "[0,4]"), 8,
                        "data bytes [4, 8) after the last tensor belong to no tensor");
}

static void test_st_bad_metadata_is_reported(void **state)
{
    expect_header_error(*state, "{\"__metadata__\":[1]}", 0,
                        "__metadata__ must be an object of strings, got an array");
    expect_header_error(*state, "{\"__metadata__\":{\"epoch\":3}}", 0,
                        "__metadata__ entry 'epoch' must be a string, got an integer");
}

static void test_st_every_bad_tensor_is_reported(void **state)
{
    Fx *fx = *state;
    write_st(fx->path, "{\"a\":{\"dtype\":\"X\",\"shape\":[1],\"data_offsets\":[0,1]},"
                       "\"b\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[1,2]}}", 2);
    CimDiag d = expect_open_error(fx->path, CIM_ERR_FORMAT, "tensor 'a' has unknown dtype 'X'; "
                                  "expected one of: BOOL, U8, I8, F8_E5M2, F8_E4M3, U16, I16, "
                                  "F16, BF16, U32, I32, F32, U64, I64, F64");
    assert_int_equal(d.errors, 2);
    expect_line(&d, 1, fx->path, "tensor 'b' shape[0] is -1; it must be a "
             "non-negative integer");
    cim_diag_free(&d);
}

static void test_st_empty_header_object_is_valid(void **state)
{
    Fx *fx = *state;
    write_st(fx->path, "{}      ", 0);
    CimSafetensors *st = open_ok(fx->path, NULL);
    assert_int_equal(cim_st_count(st), 0);
    const CimStTensor *t;
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_st_get(st, "x", &t, &d), CIM_ERR_FORMAT);
    expect_line(&d, 0, fx->path, "no tensor named 'x'; the file has no tensors");
    cim_diag_free(&d);
    cim_st_close(st);
}

/* ---- files in other formats ---------------------------------------------- */

/* A zip local file header (30 bytes) naming `entry`, then `tail` (e.g. a central directory). */
static size_t make_zip(unsigned char *b, const char *entry, const char *tail)
{
    size_t n = strlen(entry), t = strlen(tail);
    memset(b, 0, 30);
    memcpy(b, "PK\x03\x04", 4);
    b[6] = b[7] = 0x08; /* flags, as torch.save writes them */
    b[26] = (unsigned char)n;
    memcpy(b + 30, entry, n);
    memcpy(b + 30 + n, tail, t);
    return 30 + n + t;
}

/* Writes name (in fx->dir) and checks the error line, then the first note when not NULL. */
static void expect_foreign(const Fx *fx, const char *name, const void *bytes, size_t n,
                           const char *msg, const char *note)
{
    char path[160], got[1400], want[1400];
    snprintf(path, sizeof path, "%s/%s", fx->dir, name);
    write_bytes(path, bytes, n);
    CimDiag d = expect_open_error(path, CIM_ERR_FORMAT, msg);
    assert_int_equal(d.errors, 1);
    if (note) {
        assert_true(d.n >= 2);
        cim_diag_format(&d, 1, got, sizeof got);
        snprintf(want, sizeof want, "%s: note: %s", path, note);
        assert_string_equal(got, want);
    }
    cim_diag_free(&d);
}

#define TORCH_NOTE(f) "convert it in Python: dcim.export(torch.load(\"%s/" f "\"), " \
                      "\"w.safetensors\") (docs/python.md)"

static void test_st_pytorch_files_are_named_with_a_conversion(void **state)
{
    Fx *fx = *state;
    unsigned char b[200];
    char note[300];
    /* torch.save (zip): data.pkl first, or only in the central directory at the end */
    snprintf(note, sizeof note, TORCH_NOTE("w.pt"), fx->dir);
    expect_foreign(fx, "w.pt", b, make_zip(b, "archive/data.pkl", ""), "this is a PyTorch checkpoint "
                   "(a zip archive holding data.pkl, as torch.save writes), not safetensors", note);
    snprintf(note, sizeof note, TORCH_NOTE("w.bin"), fx->dir);
    expect_foreign(fx, "w.bin", b, make_zip(b, "m/version", "PK\x01\x02m/data.pkl"), "this is a "
                   "PyTorch checkpoint (a zip archive holding data.pkl, as torch.save writes), not "
                   "safetensors", note);
    /* legacy torch.save: PROTO 2, then LONG1 of the magic number 0x1950a86a20f9469cfc6c */
    static const unsigned char legacy[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9,
                                           0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e, 0x80, 0x02, 0x2e};
    snprintf(note, sizeof note, TORCH_NOTE("old.pth"), fx->dir);
    expect_foreign(fx, "old.pth", legacy, sizeof legacy, "this is a legacy PyTorch checkpoint (a "
                   "pickle, as torch.save writes with _use_new_zipfile_serialization=False), not "
                   "safetensors", note);
    /* any other pickle (protocol 4: PROTO 4, FRAME, EMPTY_DICT, MEMOIZE, STOP) */
    expect_foreign(fx, "p.pkl", "\x80\x04\x95\x03\0\0\0\0\0\0\0}\x94.", 15,
                   "this is a Python pickle (protocol 4), not safetensors", NULL);
}

static void test_st_other_archives_and_onnx_are_named(void **state)
{
    Fx *fx = *state;
    unsigned char b[200];
    char note[300];
    snprintf(note, sizeof note, "convert it in Python: dcim.export(dict(numpy.load(\"%s/w.npz\")), "
             "\"w.safetensors\") (docs/python.md)", fx->dir);
    expect_foreign(fx, "w.npz", b, make_zip(b, "conv1.weight.npy", ""), "this is a numpy .npz "
                   "archive (first array 'conv1.weight.npy'), not safetensors", note);
    expect_foreign(fx, "w.zip", b, make_zip(b, "readme.txt", ""), "this is a zip archive (first "
                   "entry 'readme.txt'), not safetensors", NULL);
    expect_foreign(fx, "e.zip", "PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 22,
                   "this is a zip archive, not safetensors", NULL);
    /* ONNX by content (ModelProto: ir_version 7, producer_name "pytorch"), whatever the name */
    expect_foreign(fx, "w.bin", "\x08\x07\x12\x07pytorch\x1a\x04" "1.13", 17, "this is an ONNX model "
                   "(by its content), not safetensors: dcim takes a network file (docs/network.md) "
                   "and its weights as safetensors", "from the PyTorch model: dcim.export(model, "
                   "\"w.safetensors\") and dcim.network_yaml(model, \"net.yaml\") (docs/python.md)");
    /* ... and by name */
    expect_foreign(fx, "m.onnx", "abc", 3, "this is an ONNX model (by its name), not safetensors: "
                   "dcim takes a network file (docs/network.md) and its weights as safetensors", NULL);
}

/* Bad input near the signatures: too short or wrong bytes get the safetensors errors, a
 * safetensors file is read by its content whatever its name, and nothing leaks. */
static void test_st_foreign_detection_keeps_safetensors_errors(void **state)
{
    Fx *fx = *state;
    char path[160];
    expect_foreign(fx, "a.pt", "PK\x03", 3, "file is 3 bytes, too short for the 8-byte header "
                   "length", NULL);
    expect_foreign(fx, "b.pt", "PK\x03\x04\0\0\0\0", 8, "this is a zip archive, not safetensors", NULL);
    expect_foreign(fx, "c.pt", "\x80\x09\0\0\0\0\0\0{}", 10, "header length 2432 runs past the end "
                   "of the file (2 bytes follow it)", NULL);
    /* '{' at byte 8: a safetensors header whatever the first bytes spell */
    expect_foreign(fx, "d.pt", "PK\x03\x04\0\0\0\0{}", 10, "header length 67324752 runs past the "
                   "end of the file (2 bytes follow it)", NULL);
    snprintf(path, sizeof path, "%s/w.onnx", fx->dir);
    write_st(path, "{}", 0);
    CimSafetensors *st = open_ok(path, NULL);
    assert_int_equal(cim_st_count(st), 0);
    cim_st_close(st);
    unsigned char b[64];
    snprintf(path, sizeof path, "%s/w.pt", fx->dir);
    write_bytes(path, b, make_zip(b, "archive/data.pkl", ""));
    for (size_t n = 1;; n++) {
        TestAlloc t;
        test_alloc_init(&t, n);
        CimAlloc a = test_alloc_hook(&t);
        CimSafetensors *s = NULL;
        CimStatus rc = cim_st_open(path, &a, &s, &fx->diag);
        cim_diag_free(&fx->diag);
        assert_null(s);
        assert_int_equal(t.live, 0);
        if (!t.failures) {
            assert_int_equal(rc, CIM_ERR_FORMAT);
            break;
        }
        assert_int_equal(rc, CIM_ERR_NOMEM);
    }
}

/* ---- fault injection ---------------------------------------------------- */

static CimStatus open_close(void *ctx, const CimAlloc *a)
{
    CimSafetensors *st = NULL;
    CimDiag d;
    cim_diag_init(&d);
    CimStatus s = cim_st_open(ctx, a, &st, &d);
    if (s == CIM_OK) {
        float *w = NULL;
        s = cim_st_load_f32(st, "fc.weight", shp_fc, 2, &w, &d);
        cim_st_free_f32(st, w);
    }
    cim_st_close(st);
    cim_diag_free(&d);
    return s;
}

static CimStatus write_file(void *ctx, const CimAlloc *a)
{
    CimDiag d;
    cim_diag_init(&d);
    CimStatus s = cim_st_write(ctx, tensors4, 4, meta2, 2, a, &d);
    cim_diag_free(&d);
    return s;
}

static void test_st_open_fails_cleanly_at_every_allocation(void **state)
{
    Fx *fx = *state;
    write_ok(fx->path, tensors4, 4, meta2, 2);
    size_t n = test_alloc_sweep(open_close, fx->path);
    assert_true(n >= 10); /* object, path, buffer, arrays, names, shapes, meta, floats */
}

static void test_st_write_fails_cleanly_at_every_allocation(void **state)
{
    Fx *fx = *state;
    assert_true(test_alloc_sweep(write_file, fx->path) >= 2);
    assert_int_equal(open_close(fx->path, NULL), CIM_OK);
}

/* A malformed file under allocation failure: NOMEM or FORMAT, never a leak. */
static void test_st_malformed_open_fails_cleanly_at_every_allocation(void **state)
{
    Fx *fx = *state;
    write_st(fx->path, "{\"__metadata__\":{\"k\":\"v\"},\"a\":{\"dtype\":\"X\",\"shape\":[1],"
                       "\"data_offsets\":[0,1]},\"b\":{\"dtype\":\"U8\",\"shape\":[1,1],"
                       "\"data_offsets\":[1,2]}}", 2);
    for (size_t n = 1;; n++) {
        TestAlloc t;
        test_alloc_init(&t, n);
        CimAlloc a = test_alloc_hook(&t);
        CimSafetensors *st = NULL;
        CimStatus s = cim_st_open(fx->path, &a, &st, &fx->diag);
        cim_diag_free(&fx->diag);
        assert_null(st);
        assert_int_equal(t.live, 0);
        assert_int_equal(t.bad_frees, 0);
        if (!t.failures) {
            assert_int_equal(s, CIM_ERR_FORMAT);
            break;
        }
        assert_int_equal(s, CIM_ERR_NOMEM);
    }
}

/* After load_f32 runs out of memory, the object still serves the tensor. */
static void test_st_load_f32_nomem_leaves_object_usable(void **state)
{
    Fx *fx = *state;
    write_ok(fx->path, tensors4, 4, NULL, 0);
    TestAlloc t;
    test_alloc_init(&t, 0);
    CimAlloc a = test_alloc_hook(&t);
    CimSafetensors *st = open_ok(fx->path, &a);
    float *w = (float *)1;
    t.fail_at = t.calls + 1;
    assert_int_equal(cim_st_load_f32(st, "conv1.bias", NULL, 0, &w, &fx->diag), CIM_ERR_NOMEM);
    assert_null(w);
    assert_int_equal(cim_st_load_f32(st, "conv1.bias", shp_bias, 1, &w, &fx->diag), CIM_OK);
    assert_memory_equal(w, v_bias, sizeof v_bias);
    cim_st_free_f32(st, w);
    cim_st_close(st);
    assert_int_equal(t.live, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_st_write_then_read_gives_same_tensors),
        T(test_st_write_produces_reference_layout),
        T(test_st_write_failure_keeps_old_file),
        T(test_st_write_into_missing_dir_is_io_error),
        T(test_st_write_rejects_bad_names),
        T(test_st_reads_handmade_f16_bf16_file),
        T(test_st_converts_every_dtype),
        T(test_st_convert_rejects_unrepresentable_values),
        T(test_st_expect_shape_reports_both_shapes),
        T(test_st_missing_tensor_lists_up_to_ten_names),
        T(test_st_short_file_is_reported),
        T(test_st_header_length_past_end_is_reported),
        T(test_st_header_over_100mb_is_reported),
        T(test_st_missing_file_and_directory_are_io_errors),
        T(test_st_bad_json_reports_line_and_column),
        T(test_st_header_not_object_is_reported),
        T(test_st_duplicate_names_are_reported),
        T(test_st_entry_not_object_is_reported),
        T(test_st_entry_missing_fields_are_each_reported),
        T(test_st_entry_unknown_key_is_reported),
        T(test_st_unknown_dtype_lists_choices),
        T(test_st_bad_shape_is_reported),
        T(test_st_bad_offsets_are_reported),
        T(test_st_size_mismatch_is_reported),
        T(test_st_overlapping_tensors_are_reported),
        T(test_st_uncovered_bytes_are_reported),
        T(test_st_bad_metadata_is_reported),
        T(test_st_every_bad_tensor_is_reported),
        T(test_st_empty_header_object_is_valid),
        T(test_st_pytorch_files_are_named_with_a_conversion),
        T(test_st_other_archives_and_onnx_are_named),
        T(test_st_foreign_detection_keeps_safetensors_errors),
        T(test_st_open_fails_cleanly_at_every_allocation),
        T(test_st_write_fails_cleanly_at_every_allocation),
        T(test_st_malformed_open_fails_cleanly_at_every_allocation),
        T(test_st_load_f32_nomem_leaves_object_usable),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
