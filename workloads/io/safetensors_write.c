/* safetensors writer for F32 and U64 tensors (training checkpoints): header built with jansson,
 * keys sorted, data contiguous in name order, header padded with spaces to 8 bytes like
 * the reference implementation; written to path.tmp and renamed into place. */
#include "workloads/io/safetensors.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WERR(...) cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, __VA_ARGS__)

/* 1 when s is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF),
 * which the JSON header requires. Example: "caf\xC3\xA9" is valid, "\xC3(" is not. */
static int utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p, n = c < 0x80 ? 0 : c >= 0xC2 && c <= 0xDF ? 1
                                 : (c & 0xF0) == 0xE0          ? 2
                                 : c >= 0xF0 && c <= 0xF4      ? 3
                                                               : 9;
        if (n == 9)
            return 0;
        uint32_t cp = n ? c & (0x3Fu >> n) : c;
        for (unsigned i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3Fu);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        p += n + 1;
    }
    return 1;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const CimStWriteTensor *const *)a)->name,
                  (*(const CimStWriteTensor *const *)b)->name);
}

/* Bytes per element: 8 for a U64 tensor, else 4 (F32). */
static size_t elem_bytes(const CimStWriteTensor *t) { return t->u64 ? 8 : 4; }

/* Byte count of one tensor, or 0 with *bad set on overflow. */
static size_t tensor_bytes(const CimStWriteTensor *t, int *bad)
{
    size_t n = elem_bytes(t);
    for (size_t i = 0; i < t->ndim; i++) {
        if (t->shape[i] > (size_t)INT64_MAX || (t->shape[i] && n > SIZE_MAX / t->shape[i]))
            *bad = 1;
        else
            n *= t->shape[i];
    }
    return *bad ? 0 : n;
}

/* Checks names (non-empty, UTF-8, not __metadata__, unique: order is sorted by name),
 * sizes and data pointers; reports every problem. */
static CimStatus check_input(const char *path, const CimStWriteTensor **order, size_t n,
                             CimDiag *diag)
{
    size_t before = diag->errors, total = 0;
    for (size_t i = 0; i < n; i++) {
        const CimStWriteTensor *t = order[i];
        int bad = 0;
        size_t bytes = tensor_bytes(t, &bad);
        if (!t->name[0] || strcmp(t->name, "__metadata__") == 0 || !utf8_ok(t->name))
            WERR("cannot write a tensor named '%s' (names must be non-empty UTF-8 and not "
                 "__metadata__)", t->name);
        else if (i && strcmp(order[i - 1]->name, t->name) == 0)
            WERR("tensor name '%s' appears twice", t->name);
        if (bad || bytes > SIZE_MAX - total || total + bytes > (size_t)INT64_MAX)
            WERR("tensor '%s' is too large (its byte count overflows)", t->name);
        else if (bytes && !t->data && !t->u64)
            WERR("tensor '%s' has %zu bytes but no data", t->name, bytes);
        total += bad ? 0 : bytes;
    }
    return diag->errors == before ? CIM_OK : CIM_ERR_CONFIG;
}

/* json_object_set_new takes v over even when it fails (it releases it), so failures need
 * no cleanup; v NULL (a failed constructor) just fails. */
static int set_new(json_t *obj, const char *key, json_t *v)
{
    return v && json_object_set_new(obj, key, v) == 0;
}

static json_t *tensor_json(const CimStWriteTensor *t, size_t begin, size_t end)
{
    json_t *o = json_object(), *shape = json_array(), *off = json_array();
    if (!o || !shape || !off) {
        json_decref(o);
        json_decref(shape);
        json_decref(off);
        return NULL;
    }
    int ok = 1;
    for (size_t i = 0; ok && i < t->ndim; i++)
        ok = json_array_append_new(shape, json_integer((json_int_t)t->shape[i])) == 0;
    ok = ok && json_array_append_new(off, json_integer((json_int_t)begin)) == 0;
    ok = ok && json_array_append_new(off, json_integer((json_int_t)end)) == 0;
    ok = set_new(o, "shape", shape) && ok; /* always called: it takes shape over */
    ok = set_new(o, "data_offsets", off) && ok;
    ok = ok && set_new(o, "dtype", json_string(t->u64 ? "U64" : "F32"));
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Builds the header object; CIM_ERR_CONFIG for bad metadata, NOMEM when jansson fails. */
static CimStatus build_header(const char *path, const CimStWriteTensor **order, size_t n,
                              const CimStMeta *meta, size_t n_meta, json_t **out,
                              CimDiag *diag)
{
    json_t *root = json_object(), *m = n_meta ? json_object() : NULL;
    int ok = root && (!n_meta || m);
    size_t before = diag->errors;
    for (size_t i = 0; ok && i < n_meta; i++) {
        if (!utf8_ok(meta[i].key) || !utf8_ok(meta[i].value))
            WERR("metadata entry '%s' is not valid UTF-8", meta[i].key);
        else if (json_object_get(m, meta[i].key))
            WERR("metadata key '%s' appears twice", meta[i].key);
        else
            ok = set_new(m, meta[i].key, json_string(meta[i].value));
    }
    if (m && root)
        ok = set_new(root, "__metadata__", m) && ok; /* always called: it takes m over */
    else
        json_decref(m);
    size_t pos = 0;
    for (size_t i = 0; ok && i < n; i++) {
        int bad = 0;
        size_t bytes = tensor_bytes(order[i], &bad);
        ok = set_new(root, order[i]->name, tensor_json(order[i], pos, pos + bytes));
        pos += bytes;
    }
    CimStatus s = !ok ? CIM_ERR_NOMEM : diag->errors != before ? CIM_ERR_CONFIG : CIM_OK;
    if (s != CIM_OK)
        json_decref(root);
    *out = s == CIM_OK ? root : NULL;
    return s;
}

/* Writes the elements of t little-endian, a chunk at a time. */
static int write_data(FILE *f, const CimStWriteTensor *t, size_t bytes)
{
    unsigned char chunk[4096];
    size_t es = elem_bytes(t), nelem = bytes / es, used = 0;
    for (size_t i = 0; i < nelem; i++) {
        uint64_t u = 0;
        if (t->u64)
            u = t->u64[i];
        else {
            uint32_t w;
            memcpy(&w, &t->data[i], 4);
            u = w;
        }
        for (size_t b = 0; b < es; b++)
            chunk[used++] = (unsigned char)(u >> (8 * b));
        if (used == sizeof chunk || i + 1 == nelem) {
            if (fwrite(chunk, 1, used, f) != used)
                return 0;
            used = 0;
        }
    }
    return 1;
}

/* 8-byte length, header padded with spaces to a multiple of 8, then the data. */
static int write_all(FILE *f, const char *hdr, const CimStWriteTensor **order, size_t n)
{
    size_t len = strlen(hdr), padded = (len + 7) & ~(size_t)7;
    unsigned char pre[8];
    for (int b = 0; b < 8; b++)
        pre[b] = (unsigned char)((uint64_t)padded >> (8 * b));
    if (fwrite(pre, 1, 8, f) != 8 || fwrite(hdr, 1, len, f) != len)
        return 0;
    for (size_t i = len; i < padded; i++)
        if (fputc(' ', f) == EOF)
            return 0;
    for (size_t i = 0; i < n; i++) {
        int bad = 0;
        if (!write_data(f, order[i], tensor_bytes(order[i], &bad)))
            return 0;
    }
    return fflush(f) == 0 && fsync(fileno(f)) == 0;
}

static CimStatus write_file(const char *path, const char *hdr, const CimStWriteTensor **order,
                            size_t n, const CimAlloc *alloc, CimDiag *diag)
{
    size_t plen = strlen(path);
    char *tmp = cim_alloc(alloc, plen + 5);
    if (!tmp)
        return CIM_ERR_NOMEM;
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        WERR("cannot create %s: %s", tmp, strerror(errno));
        cim_free(alloc, tmp);
        return CIM_ERR_IO;
    }
    int ok = write_all(f, hdr, order, n);
    int err = errno;
    ok = (fclose(f) == 0) && ok;
    if (ok && rename(tmp, path) != 0) {
        err = errno;
        ok = 0;
    }
    if (!ok) {
        WERR("cannot write %s: %s", tmp, strerror(err ? err : EIO));
        remove(tmp);
    }
    cim_free(alloc, tmp);
    return ok ? CIM_OK : CIM_ERR_IO;
}

/* 1 when hdr parses back to root. Jansson's dump leaves out a key it could not allocate room
 * for while escaping it and still returns the text (found by the allocation-failure tier,
 * docs/fuzzing.md): such a header is not written. */
static int header_round_trips(const json_t *root, const char *hdr)
{
    json_error_t err;
    json_t *back = json_loads(hdr, 0, &err);
    int same = back && json_equal(root, back);
    json_decref(back);
    return same;
}

CimStatus cim_st_write(const char *path, const CimStWriteTensor *tensors, size_t n,
                       const CimStMeta *meta, size_t n_meta, const CimAlloc *alloc,
                       CimDiag *diag)
{
    const CimStWriteTensor **order = cim_alloc_array(alloc, n, sizeof *order);
    if (!order)
        return CIM_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        order[i] = &tensors[i];
    qsort(order, n, sizeof *order, by_name);
    json_t *root = NULL;
    CimStatus s = check_input(path, order, n, diag);
    if (s == CIM_OK)
        s = build_header(path, order, n, meta, n_meta, &root, diag);
    char *hdr = s == CIM_OK ? json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (s == CIM_OK && (!hdr || !header_round_trips(root, hdr)))
        s = CIM_ERR_NOMEM;
    if (s == CIM_OK)
        s = write_file(path, hdr, order, n, alloc, diag);
    free(hdr); /* json_dumps allocates with malloc */
    json_decref(root);
    cim_free(alloc, order);
    return s;
}
