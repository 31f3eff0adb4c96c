/* IDX reader (the MNIST distribution format, yann.lecun.com/exdb/mnist): a big-endian
 * magic 0x0000TTDD (TT element type, DD number of dimensions), DD big-endian u32 sizes,
 * then the elements. Only unsigned-byte images (3 dims) and labels (1 dim) are read. */
#include "workloads/io/idx.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#define ERR(...) cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, __VA_ARGS__)

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* "unsigned bytes, 3 dimensions" for a magic that looks like IDX, else NULL. */
static const char *describe(uint32_t magic, char *buf, size_t len)
{
    static const struct {
        unsigned code;
        const char *name;
    } types[] = {{0x08, "unsigned bytes"}, {0x09, "signed bytes"}, {0x0B, "int16"},
                 {0x0C, "int32"},          {0x0D, "float32"},      {0x0E, "float64"}};
    if (magic >> 16)
        return NULL;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (types[i].code == ((magic >> 8) & 0xFF)) {
            unsigned d = magic & 0xFF;
            snprintf(buf, len, "%s, %u dimension%s", types[i].name, d, d == 1 ? "" : "s");
            return buf;
        }
    }
    return NULL;
}

static void bad_magic(const char *path, const unsigned char *h, uint32_t want, CimDiag *diag)
{
    uint32_t got = be32(h);
    char gd[64], wd[64];
    describe(want, wd, sizeof wd);
    if (describe(got, gd, sizeof gd))
        ERR("bad magic 0x%08X (IDX %s); expected 0x%08X (%s)", (unsigned)got, gd,
            (unsigned)want, wd);
    else
        ERR("bad magic 0x%08X; expected 0x%08X (IDX %s)", (unsigned)got, (unsigned)want, wd);
    if (h[0] == 0x1F && h[1] == 0x8B)
        cim_diag_add(diag, CIM_SEV_NOTE, path, 0, 0,
                     "the file starts with the gzip signature 1f 8b; decompress it first "
                     "(gunzip)");
}

/* Size of the element block from the dims, or 0 with an error when the file size does
 * not match (or the product overflows). */
static int check_size(const char *path, size_t file_bytes, const uint32_t *dims, unsigned nd,
                      size_t *data_bytes, CimDiag *diag)
{
    size_t head = 4 + 4 * (size_t)nd, n = 1;
    int over = 0;
    for (unsigned i = 0; i < nd; i++) {
        if (dims[i] && n > SIZE_MAX / dims[i])
            over = 1;
        else
            n *= dims[i];
    }
    char what[96];
    if (nd == 3)
        snprintf(what, sizeof what, "%u images of %u x %u", (unsigned)dims[0],
                 (unsigned)dims[1], (unsigned)dims[2]);
    else
        snprintf(what, sizeof what, "%u labels", (unsigned)dims[0]);
    if (over || n > SIZE_MAX - head) {
        ERR("header says %s, which does not fit in memory", what);
        return 0;
    }
    if (file_bytes != head + n) {
        ERR("file is %zu bytes but its header says %s, which needs %zu (%s)", file_bytes, what,
            head + n, file_bytes < head + n ? "truncated" : "extra bytes at the end");
        return 0;
    }
    *data_bytes = n;
    return 1;
}

/* Reads the magic (checked first, so a label file passed as images says so) and the dims;
 * on success *bytes is the size of the element block that follows. */
static CimStatus read_header(const char *path, FILE *f, size_t file_bytes, uint32_t magic,
                             unsigned nd, uint32_t *dims, size_t *bytes, CimDiag *diag)
{
    unsigned char h[16];
    size_t head = 4 + 4 * (size_t)nd;
    if (file_bytes < 4 || fread(h, 1, 4, f) != 4) {
        ERR("file is %zu bytes, too short for the %zu-byte IDX header", file_bytes, head);
        return CIM_ERR_FORMAT;
    }
    if (be32(h) != magic) {
        bad_magic(path, h, magic, diag);
        return CIM_ERR_FORMAT;
    }
    if (file_bytes < head || fread(h + 4, 1, head - 4, f) != head - 4) {
        ERR("file is %zu bytes, too short for the %zu-byte IDX header", file_bytes, head);
        return CIM_ERR_FORMAT;
    }
    for (unsigned i = 0; i < nd; i++)
        dims[i] = be32(h + 4 + 4 * i);
    return check_size(path, file_bytes, dims, nd, bytes, diag) ? CIM_OK : CIM_ERR_FORMAT;
}

/* Reads an unsigned-byte IDX file with nd dimensions into dims and *data. */
static CimStatus read_idx(const char *path, const CimAlloc *alloc, uint32_t magic, unsigned nd,
                          uint32_t *dims, uint8_t **data, CimDiag *diag)
{
    size_t file_bytes, bytes = 0;
    const char *why;
    FILE *f = cim_file_open_regular(path, &file_bytes, &why);
    if (!f) {
        ERR("cannot open: %s", why);
        return CIM_ERR_IO;
    }
    CimStatus s = read_header(path, f, file_bytes, magic, nd, dims, &bytes, diag);
    if (s == CIM_OK) {
        *data = cim_alloc(alloc, bytes);
        s = *data ? CIM_OK : CIM_ERR_NOMEM;
    }
    if (s == CIM_OK && fread(*data, 1, bytes, f) != bytes) {
        ERR("read failed: %s", ferror(f) ? strerror(errno) : "file shrank");
        cim_free(alloc, *data);
        *data = NULL;
        s = CIM_ERR_IO;
    }
    fclose(f);
    return s;
}

CimStatus cim_idx_load_images(const char *path, const CimAlloc *alloc, CimIdxImages *out,
                              CimDiag *diag)
{
    memset(out, 0, sizeof *out);
    uint32_t dims[3];
    uint8_t *px = NULL;
    CimStatus s = read_idx(path, alloc, CIM_IDX_MAGIC_IMAGES, 3, dims, &px, diag);
    if (s != CIM_OK)
        return s;
    out->n = dims[0];
    out->rows = dims[1];
    out->cols = dims[2];
    out->pixels = px;
    if (alloc)
        out->alloc = *alloc;
    return CIM_OK;
}

CimStatus cim_idx_load_labels(const char *path, const CimAlloc *alloc, CimIdxLabels *out,
                              CimDiag *diag)
{
    memset(out, 0, sizeof *out);
    uint32_t dims[1];
    uint8_t *lb = NULL;
    CimStatus s = read_idx(path, alloc, CIM_IDX_MAGIC_LABELS, 1, dims, &lb, diag);
    if (s != CIM_OK)
        return s;
    out->n = dims[0];
    out->labels = lb;
    if (alloc)
        out->alloc = *alloc;
    return CIM_OK;
}

void cim_idx_images_free(CimIdxImages *im)
{
    cim_free(&im->alloc, im->pixels);
    memset(im, 0, sizeof *im);
}

void cim_idx_labels_free(CimIdxLabels *lb)
{
    cim_free(&lb->alloc, lb->labels);
    memset(lb, 0, sizeof *lb);
}

void cim_mnist_free(CimMnist *m)
{
    cim_idx_images_free(&m->images);
    cim_idx_labels_free(&m->labels);
}

/* Reports the first few labels above max_label; 1 when there are none. */
static int check_labels(const char *path, const CimIdxLabels *lb, int max_label, CimDiag *diag)
{
    size_t bad = 0;
    for (size_t i = 0; i < lb->n; i++) {
        if (lb->labels[i] > max_label && bad++ < 5)
            ERR("label %u at index %zu is out of range 0..%d", lb->labels[i], i, max_label);
    }
    if (bad > 5)
        ERR("%zu labels in all are out of range 0..%d", bad, max_label);
    return bad == 0;
}

CimStatus cim_idx_load_pair(const char *images_path, const char *labels_path, int max_label,
                            const CimAlloc *alloc, CimMnist *out, CimDiag *diag)
{
    memset(out, 0, sizeof *out);
    CimStatus s = cim_idx_load_images(images_path, alloc, &out->images, diag);
    if (s == CIM_OK)
        s = cim_idx_load_labels(labels_path, alloc, &out->labels, diag);
    if (s == CIM_OK && out->images.n != out->labels.n) {
        cim_diag_add(diag, CIM_SEV_ERROR, labels_path, 0, 0,
                     "has %zu labels but %s has %zu images", out->labels.n, images_path,
                     out->images.n);
        s = CIM_ERR_FORMAT;
    }
    if (s == CIM_OK && max_label >= 0 && !check_labels(labels_path, &out->labels, max_label, diag))
        s = CIM_ERR_FORMAT;
    if (s != CIM_OK)
        cim_mnist_free(out);
    return s;
}

/* dir + "/" + name in a new allocation. */
static char *join(const CimAlloc *alloc, const char *dir, const char *set, const char *suffix)
{
    size_t len = strlen(dir) + strlen(set) + strlen(suffix) + 2;
    char *p = cim_alloc(alloc, len);
    if (p)
        snprintf(p, len, "%s/%s%s", dir, set, suffix);
    return p;
}

CimStatus cim_mnist_load(const char *dir, const char *set, const CimAlloc *alloc,
                         CimMnist *out, CimDiag *diag)
{
    memset(out, 0, sizeof *out);
    if (strcmp(set, "train") != 0 && strcmp(set, "t10k") != 0) {
        cim_diag_add(diag, CIM_SEV_ERROR, dir, 0, 0,
                     "unknown MNIST set '%s'; expected one of: train, t10k", set);
        return CIM_ERR_RANGE;
    }
    char *ip = join(alloc, dir, set, "-images-idx3-ubyte");
    char *lp = ip ? join(alloc, dir, set, "-labels-idx1-ubyte") : NULL;
    CimStatus s = lp ? CIM_OK : CIM_ERR_NOMEM;
    size_t before = diag->n;
    if (s == CIM_OK)
        s = cim_idx_load_pair(ip, lp, 9, alloc, out, diag);
    if (s == CIM_ERR_IO && diag->n > before)
        cim_diag_add(diag, CIM_SEV_NOTE, dir, 0, 0,
                     "if the MNIST files are missing, run scripts/fetch_mnist.sh %s", dir);
    cim_free(alloc, ip);
    cim_free(alloc, lp);
    return s;
}
