/* Point-cloud sets in HDF5, the PointNet convention (Qi et al.'s modelnet40_ply_hdf5_2048:
 * datasets `data` [N, P, 3] float32 and `label` [N, 1] integer), through Debian's libhdf5.
 * The library's error stack is silenced per call and reported in our format instead. */
#include "workloads/io/cloud_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ERR(...) cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, __VA_ARGS__)

/* ---- the HDF5 error stack ------------------------------------------------------------- */

typedef struct {
    H5E_auto2_t func;
    void *data;
} Quiet;

static void quiet_begin(Quiet *q)
{
    H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void quiet_end(const Quiet *q) { H5Eset_auto2(H5E_DEFAULT, q->func, q->data); }

typedef struct {
    char text[256];
} Reason;

static herr_t first_desc(unsigned n, const H5E_error2_t *e, void *data)
{
    Reason *r = data;
    if (n == 0 && e->desc)
        snprintf(r->text, sizeof r->text, "%s", e->desc);
    return 0;
}

/* The innermost (most specific) message on the HDF5 error stack, which is then cleared. */
static const char *h5_reason(Reason *r)
{
    r->text[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_desc, r);
    H5Eclear2(H5E_DEFAULT);
    if (!r->text[0])
        snprintf(r->text, sizeof r->text, "the HDF5 library gave no detail");
    return r->text;
}

static void close_id(hid_t id)
{
    if (id < 0)
        return;
    switch (H5Iget_type(id)) {
    case H5I_DATASET: H5Dclose(id); break;
    case H5I_DATASPACE: H5Sclose(id); break;
    case H5I_DATATYPE: H5Tclose(id); break;
    case H5I_ATTR: H5Aclose(id); break;
    default: break;
    }
}

/* ---- reading ---------------------------------------------------------------------------- */

/* "float64", "int16", "uint8", "a string type", ... */
static const char *type_name(hid_t t, char *buf, size_t len)
{
    size_t bits = H5Tget_size(t) * 8;
    switch (H5Tget_class(t)) {
    case H5T_FLOAT: snprintf(buf, len, "float%zu", bits); break;
    case H5T_INTEGER:
        snprintf(buf, len, "%s%zu", H5Tget_sign(t) == H5T_SGN_NONE ? "uint" : "int", bits);
        break;
    case H5T_STRING: snprintf(buf, len, "a string type"); break;
    default: snprintf(buf, len, "a non-numeric type (compound, enum, array or other)"); break;
    }
    return buf;
}

static const char *shape_str(int rank, const hsize_t *d, char *buf, size_t len)
{
    size_t at = (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < rank && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%llu", i ? ", " : "",
                               (unsigned long long)d[i]);
    if (at < len)
        snprintf(buf + at, len - at, "]");
    return buf;
}

/* Opens dataset `name` and reads its type class and shape (rank at most 8). */
static CimStatus open_dataset(hid_t file, const char *path, const char *name, hid_t *ds,
                              hid_t *type, int *rank, hsize_t *dims, CimDiag *diag)
{
    *ds = *type = -1;
    htri_t there = H5Lexists(file, name, H5P_DEFAULT);
    if (there <= 0) {
        ERR("no dataset '%s' (PointNet convention: 'data' float32 [N, P, 3] and 'label' "
            "integer [N] or [N, 1])",
            name);
        return CIM_ERR_FORMAT;
    }
    *ds = H5Dopen2(file, name, H5P_DEFAULT);
    if (*ds < 0) {
        Reason r;
        ERR("'%s' is not a dataset (%s)", name, h5_reason(&r));
        return CIM_ERR_FORMAT;
    }
    *type = H5Dget_type(*ds);
    hid_t space = H5Dget_space(*ds);
    *rank = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
    if (*type < 0 || *rank < 0 || *rank > 8 || H5Sget_simple_extent_dims(space, dims, NULL) < 0) {
        Reason r;
        ERR("cannot read the type and shape of dataset '%s' (%s)", name, h5_reason(&r));
        close_id(space);
        return CIM_ERR_FORMAT;
    }
    close_id(space);
    return CIM_OK;
}

/* `data`: float32, [N, P, C >= 3], N and P >= 1. */
static CimStatus check_data(const char *path, hid_t type, int rank, const hsize_t *d,
                            CimDiag *diag)
{
    char tb[96], sb[160];
    if (H5Tget_class(type) != H5T_FLOAT || H5Tget_size(type) != 4) {
        ERR("dataset 'data' is %s; expected float32", type_name(type, tb, sizeof tb));
        return CIM_ERR_FORMAT;
    }
    if (rank != 3 || d[2] < 3) {
        ERR("dataset 'data' has shape %s; expected [N, P, 3] (or [N, P, C] with C > 3, of "
            "which x, y, z are the first three)",
            shape_str(rank, d, sb, sizeof sb));
        return CIM_ERR_FORMAT;
    }
    if (d[0] == 0 || d[1] == 0) {
        ERR("dataset 'data' has shape %s: %s", shape_str(rank, d, sb, sizeof sb),
            d[0] == 0 ? "no clouds" : "clouds of no points");
        return CIM_ERR_FORMAT;
    }
    if (d[0] > SIZE_MAX / 12 || d[1] > SIZE_MAX / 12 / d[0]) {
        ERR("dataset 'data' of shape %s does not fit in memory", shape_str(rank, d, sb, sizeof sb));
        return CIM_ERR_FORMAT;
    }
    return CIM_OK;
}

/* `label`: integer, [N] or [N, 1], N equal to the cloud count. */
static CimStatus check_label(const char *path, hid_t type, int rank, const hsize_t *d,
                             hsize_t clouds, CimDiag *diag)
{
    char tb[96], sb[160];
    if (H5Tget_class(type) != H5T_INTEGER) {
        ERR("dataset 'label' is %s; expected an integer type", type_name(type, tb, sizeof tb));
        return CIM_ERR_FORMAT;
    }
    if (rank < 1 || rank > 2 || (rank == 2 && d[1] != 1)) {
        ERR("dataset 'label' has shape %s; expected [N] or [N, 1]",
            shape_str(rank, d, sb, sizeof sb));
        return CIM_ERR_FORMAT;
    }
    if (d[0] != clouds) {
        ERR("dataset 'label' has %llu labels but dataset 'data' has %llu clouds",
            (unsigned long long)d[0], (unsigned long long)clouds);
        return CIM_ERR_FORMAT;
    }
    return CIM_OK;
}

/* Reads the labels as 64-bit integers of the file's signedness (exact for every integer
 * type), checks them, and sets *n_classes (names: their count; else the largest + 1). */
static CimStatus read_labels(hid_t ds, hid_t type, const char *path, size_t n, size_t names,
                             const CimAlloc *alloc, int32_t *out, size_t *n_classes,
                             CimDiag *diag)
{
    int is_signed = H5Tget_sign(type) != H5T_SGN_NONE;
    long long *v = cim_alloc_array(alloc, n, sizeof *v);
    if (!v)
        return CIM_ERR_NOMEM;
    Reason r;
    if (H5Dread(ds, is_signed ? H5T_NATIVE_LLONG : H5T_NATIVE_ULLONG, H5S_ALL, H5S_ALL,
                H5P_DEFAULT, v) < 0) {
        ERR("cannot read dataset 'label' (%s)", h5_reason(&r));
        cim_free(alloc, v);
        return CIM_ERR_FORMAT;
    }
    size_t limit = names ? names : CIM_CLOUD_MAX_CLASSES, bad = 0, top = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned long long u = (unsigned long long)v[i];
        int neg = is_signed && v[i] < 0;
        if (!neg && u < limit) {
            out[i] = (int32_t)u;
            top = u + 1 > top ? (size_t)u + 1 : top;
            continue;
        }
        if (bad++ >= 5)
            continue;
        if (neg)
            ERR("label %lld of cloud %zu is negative", v[i], i);
        else if (names)
            ERR("label %llu of cloud %zu is out of range for the %zu classes named in "
                "attribute 'class_names'",
                u, i, names);
        else
            ERR("label %llu of cloud %zu is above the largest allowed, %u", u, i,
                CIM_CLOUD_MAX_CLASSES - 1);
    }
    if (bad > 5)
        ERR("%zu labels in all are out of range", bad);
    cim_free(alloc, v);
    *n_classes = names ? names : top;
    return bad ? CIM_ERR_FORMAT : CIM_OK;
}

/* Attribute `synthetic`: an integer scalar (or one element), 0 or 1. */
static CimStatus read_synthetic(hid_t file, const char *path, int *synthetic, CimDiag *diag)
{
    *synthetic = 0;
    if (H5Aexists(file, "synthetic") <= 0)
        return CIM_OK;
    hid_t a = H5Aopen(file, "synthetic", H5P_DEFAULT);
    hid_t t = a < 0 ? -1 : H5Aget_type(a), sp = a < 0 ? -1 : H5Aget_space(a);
    long long v = -1;
    int ok = t >= 0 && sp >= 0 && H5Tget_class(t) == H5T_INTEGER &&
             H5Sget_simple_extent_npoints(sp) == 1 && H5Aread(a, H5T_NATIVE_LLONG, &v) >= 0;
    close_id(sp);
    close_id(t);
    close_id(a);
    if (!ok || (v != 0 && v != 1)) {
        Reason r;
        h5_reason(&r);
        if (ok)
            ERR("attribute 'synthetic' must be 0 or 1, got %lld", v);
        else
            ERR("attribute 'synthetic' must be one integer, 0 or 1");
        return CIM_ERR_FORMAT;
    }
    *synthetic = (int)v;
    return CIM_OK;
}

#define ROW (CIM_CLOUD_MAX_NAME + 1u) /* bytes per name in the names block */

/* Checks name c read from the file and copies it into row c of the block. */
static CimStatus take_name(const char *path, const char *name, size_t c, char *rows,
                           CimDiag *diag)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len > CIM_CLOUD_MAX_NAME) {
        ERR("class name %zu in attribute 'class_names' is %s", c,
            len ? "longer than 255 bytes" : "empty");
        return CIM_ERR_FORMAT;
    }
    memcpy(rows + c * ROW, name, len + 1);
    return CIM_OK;
}

/* A memory string type like the file's (same character set, so HDF5 converts). */
static hid_t mem_string(hid_t ftype, size_t size)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, size) < 0 || H5Tset_cset(t, H5Tget_cset(ftype)) < 0 ||
                   (size != H5T_VARIABLE && H5Tset_strpad(t, H5T_STR_NULLTERM) < 0))) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

static CimStatus names_unreadable(const char *path, hid_t mt, CimDiag *diag)
{
    Reason r;
    ERR("cannot read attribute 'class_names' (%s)", h5_reason(&r));
    close_id(mt);
    return CIM_ERR_FORMAT;
}

/* Variable-length strings (h5py's default for a list of str): HDF5's pointers land in the
 * block's pointer slots v, are copied into the rows, then handed back to HDF5. */
static CimStatus names_vlen(hid_t a, hid_t ftype, hid_t sp, const char *path, size_t k,
                            char **v, char *rows, CimDiag *diag)
{
    hid_t mt = mem_string(ftype, H5T_VARIABLE);
    if (mt < 0 || H5Aread(a, mt, v) < 0)
        return names_unreadable(path, mt, diag);
    CimStatus s = CIM_OK;
    for (size_t c = 0; c < k && s == CIM_OK; c++)
        s = take_name(path, v[c], c, rows, diag);
#if H5_VERSION_GE(1, 12, 0)
    H5Treclaim(mt, sp, H5P_DEFAULT, v);
#else
    H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, v);
#endif
    close_id(mt);
    return s;
}

/* Fixed-length strings of `width` bytes, read NUL-terminated into a scratch block. */
static CimStatus names_fixed(hid_t a, hid_t ftype, const char *path, size_t k,
                             const CimAlloc *alloc, char *rows, CimDiag *diag)
{
    size_t width = H5Tget_size(ftype) + 1;
    char *scratch = width > 1 ? cim_alloc_array(alloc, k, width) : NULL;
    if (width > 1 && !scratch)
        return CIM_ERR_NOMEM;
    hid_t mt = mem_string(ftype, width);
    if (!scratch || mt < 0 || H5Aread(a, mt, scratch) < 0) {
        cim_free(alloc, scratch);
        return names_unreadable(path, mt, diag);
    }
    CimStatus s = CIM_OK;
    for (size_t c = 0; c < k && s == CIM_OK; c++)
        s = take_name(path, scratch + c * width, c, rows, diag);
    close_id(mt);
    cim_free(alloc, scratch);
    return s;
}

/* Attribute `class_names` (1-D, fixed or variable length strings) as one block: k
 * pointers, then k rows of ROW bytes. *k stays 0 when the file has none. */
static CimStatus read_names(hid_t file, const char *path, const CimAlloc *alloc, char ***out,
                            size_t *k, CimDiag *diag)
{
    *out = NULL;
    *k = 0;
    if (H5Aexists(file, "class_names") <= 0)
        return CIM_OK;
    hid_t a = H5Aopen(file, "class_names", H5P_DEFAULT);
    hid_t t = a < 0 ? -1 : H5Aget_type(a), sp = a < 0 ? -1 : H5Aget_space(a);
    hssize_t n = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    CimStatus s = CIM_OK;
    char **v = NULL;
    if (t < 0 || H5Tget_class(t) != H5T_STRING || H5Sget_simple_extent_ndims(sp) != 1 || n < 1 ||
        n > (hssize_t)CIM_CLOUD_MAX_CLASSES) {
        Reason r;
        h5_reason(&r);
        ERR("attribute 'class_names' must be a list of 1 to %u strings", CIM_CLOUD_MAX_CLASSES);
        s = CIM_ERR_FORMAT;
    } else if (!(v = cim_alloc(alloc, (size_t)n * (sizeof *v + ROW)))) {
        s = CIM_ERR_NOMEM;
    } else {
        char *rows = (char *)(v + n);
        s = H5Tis_variable_str(t) > 0 ? names_vlen(a, t, sp, path, (size_t)n, v, rows, diag)
                                      : names_fixed(a, t, path, (size_t)n, alloc, rows, diag);
        for (size_t c = 0; c < (size_t)n; c++)
            v[c] = rows + c * ROW;
    }
    close_id(sp);
    close_id(t);
    close_id(a);
    if (s != CIM_OK) {
        cim_free(alloc, v);
        return s;
    }
    *out = v;
    *k = (size_t)n;
    return CIM_OK;
}

static CimStatus read_data(hid_t ds, const char *path, const hsize_t *d, float *xyz,
                           CimDiag *diag)
{
    hsize_t start[3] = {0, 0, 0}, count[3] = {d[0], d[1], 3};
    hid_t fs = H5Dget_space(ds), ms = H5Screate_simple(3, count, NULL);
    herr_t rc = (fs < 0 || ms < 0) ? -1
                                   : H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count,
                                                         NULL);
    if (rc >= 0)
        rc = H5Dread(ds, H5T_NATIVE_FLOAT, ms, fs, H5P_DEFAULT, xyz);
    close_id(ms);
    close_id(fs);
    if (rc < 0) {
        Reason r;
        ERR("cannot read dataset 'data' (%s)", h5_reason(&r));
        return CIM_ERR_FORMAT;
    }
    return CIM_OK;
}

static CimStatus read_file(hid_t file, const char *path, const CimAlloc *alloc,
                           CimCloudSet *out, CimDiag *diag)
{
    hid_t dds, dtype, lds = -1, ltype = -1;
    int drank, lrank;
    hsize_t dd[8], ld[8];
    char **names = NULL;
    size_t k = 0, n_classes = 0;
    int synthetic = 0;
    int32_t *labels = NULL;
    CimStatus s = open_dataset(file, path, "data", &dds, &dtype, &drank, dd, diag);
    if (s == CIM_OK)
        s = check_data(path, dtype, drank, dd, diag);
    if (s == CIM_OK)
        s = open_dataset(file, path, "label", &lds, &ltype, &lrank, ld, diag);
    if (s == CIM_OK)
        s = check_label(path, ltype, lrank, ld, dd[0], diag);
    if (s == CIM_OK)
        s = read_synthetic(file, path, &synthetic, diag);
    if (s == CIM_OK)
        s = read_names(file, path, alloc, &names, &k, diag);
    if (s == CIM_OK)
        labels = cim_alloc_array(alloc, (size_t)dd[0], sizeof *labels);
    if (s == CIM_OK && !labels)
        s = CIM_ERR_NOMEM;
    if (s == CIM_OK)
        s = read_labels(lds, ltype, path, (size_t)dd[0], k, alloc, labels, &n_classes, diag);
    if (s == CIM_OK)
        s = cim_cloud_init(out, (size_t)dd[0], (size_t)dd[1], n_classes,
                           (const char *const *)names, alloc);
    if (s == CIM_OK) {
        memcpy(out->labels, labels, (size_t)dd[0] * sizeof *labels);
        out->synthetic = synthetic;
        s = read_data(dds, path, dd, out->xyz, diag);
    }
    if (s == CIM_OK)
        s = cim_cloud_check(out, path, diag);
    if (s != CIM_OK)
        cim_cloud_free(out);
    cim_free(alloc, labels);
    cim_free(alloc, names);
    close_id(ltype);
    close_id(lds);
    close_id(dtype);
    close_id(dds);
    return s;
}

CimStatus cim_cloud_h5_load(const char *path, const CimAlloc *alloc, CimCloudSet *out,
                            CimDiag *diag)
{
    memset(out, 0, sizeof *out);
    size_t file_bytes;
    const char *why;
    /* regular and readable, checked without blocking, so an unreadable file reads
     * "Permission denied" and a FIFO is refused before HDF5 opens it */
    FILE *probe = cim_file_open_regular(path, &file_bytes, &why);
    if (!probe) {
        ERR("cannot open: %s", why);
        return CIM_ERR_IO;
    }
    fclose(probe);
    Quiet q;
    Reason r;
    quiet_begin(&q);
#if H5_VERSION_GE(1, 12, 0)
    htri_t is = H5Fis_accessible(path, H5P_DEFAULT);
#else
    htri_t is = H5Fis_hdf5(path);
#endif
    CimStatus s = CIM_OK;
    hid_t file = -1;
    if (is < 0) {
        ERR("cannot open: %s", h5_reason(&r));
        s = CIM_ERR_IO;
    } else if (is == 0) {
        ERR("not an HDF5 file (no HDF5 signature in its %lld bytes)", (long long)file_bytes);
        s = CIM_ERR_FORMAT;
    } else if ((file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
        ERR("cannot open as HDF5, the file is truncated or damaged: %s", h5_reason(&r));
        s = CIM_ERR_FORMAT;
    }
    if (s == CIM_OK) {
        s = read_file(file, path, alloc, out, diag);
        H5Fclose(file);
    }
    H5Eclear2(H5E_DEFAULT);
    quiet_end(&q);
    return s;
}

/* ---- writing ---------------------------------------------------------------------------- */

/* Creates and writes one dataset or attribute (loc: the file) of rank dims; 1 when done. */
static int put(hid_t loc, const char *name, int attr, hid_t ftype, hid_t mtype, int rank,
               const hsize_t *dims, const void *buf)
{
    hid_t sp = rank ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t obj = sp < 0 ? -1
                : attr ? H5Acreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT)
                       : H5Dcreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = obj < 0 ? -1 : attr ? H5Awrite(obj, mtype, buf)
                                    : H5Dwrite(obj, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    close_id(obj);
    close_id(sp);
    return rc >= 0;
}

/* class_names as fixed-length UTF-8 strings, NUL-terminated, `width` bytes each. */
static int put_names(hid_t file, const CimCloudSet *s, char *block, size_t width)
{
    for (size_t c = 0; c < s->n_classes; c++)
        memcpy(block + c * width, s->class_names[c], strlen(s->class_names[c]) + 1);
    hid_t t = H5Tcopy(H5T_C_S1);
    int ok = t >= 0 && H5Tset_size(t, width) >= 0 && H5Tset_strpad(t, H5T_STR_NULLTERM) >= 0 &&
             H5Tset_cset(t, H5T_CSET_UTF8) >= 0;
    hsize_t k = s->n_classes;
    ok = ok && put(file, "class_names", 1, t, t, 1, &k, block);
    close_id(t);
    return ok;
}

static int write_contents(hid_t file, const CimCloudSet *s, char *names, size_t width)
{
    hsize_t dd[3] = {s->n, s->points, 3}, ld[2] = {s->n, 1};
    int32_t synthetic = s->synthetic ? 1 : 0;
    return put(file, "data", 0, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 3, dd, s->xyz) &&
           put(file, "label", 0, H5T_STD_I32LE, H5T_NATIVE_INT32, 2, ld, s->labels) &&
           put(file, "synthetic", 1, H5T_STD_I32LE, H5T_NATIVE_INT32, 0, NULL, &synthetic) &&
           (!names || put_names(file, s, names, width));
}

/* Flushes the closed file to the disk, so the rename publishes complete bytes. */
static int sync_file(const char *p)
{
    int fd = open(p, O_RDONLY);
    if (fd < 0)
        return 0;
    int ok = fsync(fd) == 0;
    return (close(fd) == 0) && ok;
}

CimStatus cim_cloud_h5_save(const char *path, const CimCloudSet *s, CimDiag *diag)
{
    if (s->n == 0 || s->points == 0 || !s->xyz || !s->labels) {
        ERR("cannot write an empty point-cloud set");
        return CIM_ERR_RANGE;
    }
    CimStatus st = cim_cloud_check(s, path, diag);
    if (st != CIM_OK)
        return st;
    size_t plen = strlen(path), width = 0;
    for (size_t c = 0; s->class_names && c < s->n_classes; c++)
        width = strlen(s->class_names[c]) + 1 > width ? strlen(s->class_names[c]) + 1 : width;
    /* PATH.PID.tmp: two processes filling the same cache never share a temporary file. */
    char *tmp = cim_alloc(&s->alloc, plen + 32);
    char *names = tmp && width ? cim_alloc_array(&s->alloc, s->n_classes, width) : NULL;
    if (!tmp || (width && !names)) {
        cim_free(&s->alloc, tmp);
        return CIM_ERR_NOMEM;
    }
    snprintf(tmp, plen + 32, "%s.%ld.tmp", path, (long)getpid());
    Quiet q;
    Reason r;
    quiet_begin(&q);
    hid_t file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0) {
        ERR("cannot create %s: %s", tmp, h5_reason(&r));
        st = CIM_ERR_IO;
    } else {
        int ok = write_contents(file, s, names, width);
        if (!ok)
            h5_reason(&r);
        if (H5Fclose(file) < 0) {
            if (ok)
                h5_reason(&r);
            ok = 0;
        }
        if (!ok)
            ERR("cannot write %s: %s", tmp, r.text);
        else if (!sync_file(tmp) || rename(tmp, path) != 0) {
            ERR("cannot write %s: %s", tmp, strerror(errno));
            ok = 0;
        }
        if (!ok) {
            remove(tmp);
            st = CIM_ERR_IO;
        }
    }
    H5Eclear2(H5E_DEFAULT);
    quiet_end(&q);
    cim_free(&s->alloc, names);
    cim_free(&s->alloc, tmp);
    return st;
}
