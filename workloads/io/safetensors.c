/* safetensors reader: loads the whole file, validates the JSON header and the data layout
 * the way the reference implementation (huggingface/safetensors) does, and serves tensors
 * by name. Conversion to float lives in safetensors_convert.c, the writer in _write.c. */
#include "workloads/io/safetensors.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct CimSafetensors {
    CimAlloc alloc;
    char *path;
    unsigned char *buf; /* the whole file */
    size_t len;
    size_t data_start;  /* 8 + header length */
    size_t data_len;    /* len - data_start */
    CimStTensor *t;
    size_t nt;
    CimStMeta *meta;
    size_t nmeta;
};

#define ERR(st, ...) cim_diag_add(diag, CIM_SEV_ERROR, (st)->path, 0, 0, __VA_ARGS__)

static char *dup_str(const CimAlloc *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = cim_alloc(a, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* "an array", "a string", ... for messages about the wrong JSON type. */
static const char *json_kind(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real number";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    case JSON_NULL: return "null";
    }
    return "a JSON value";
}

/* ---- reading the file ---------------------------------------------------- */

static CimStatus read_file(CimSafetensors *st, CimDiag *diag)
{
    const char *why;
    FILE *f = cim_file_open_regular(st->path, &st->len, &why);
    if (!f) {
        ERR(st, "cannot open: %s", why);
        return CIM_ERR_IO;
    }
    st->buf = cim_alloc(&st->alloc, st->len);
    if (!st->buf) {
        fclose(f);
        return CIM_ERR_NOMEM;
    }
    size_t got = fread(st->buf, 1, st->len, f);
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (got != st->len) {
        ERR(st, "read %zu of %zu bytes: %s", got, st->len, err ? strerror(err) : "file shrank");
        return CIM_ERR_IO;
    }
    return CIM_OK;
}

/* ---- files in other formats ----------------------------------------------- */

/* Weights saved by other tools, recognised by content (ONNX also by name), so that the user
 * reads what the file is and how to convert it, not its first bytes taken as a header length
 * ("header length 578712552184433488 exceeds the limit" for a torch.save zip). A safetensors
 * file has '{' at byte 8 (the header is a JSON object), so none is ever taken for these. */

/* The magic number legacy torch.save pickles first: 0x1950a86a20f9469cfc6c, as the LONG1
 * opcode 0x8a 0x0a writes it (10 bytes, little-endian), after PROTO 2 (0x80 0x02). */
static const unsigned char torch_legacy[14] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c,
                                               0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};

static int has_suffix(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* 1 when "data.pkl" occurs in b[from..n): torch.save's zip lists it in the central directory
 * at the end of the file, and usually names it first. */
static int find_data_pkl(const unsigned char *b, size_t from, size_t n)
{
    for (size_t i = from; i + 8 <= n; i++)
        if (b[i] == 'd' && memcmp(b + i, "data.pkl", 8) == 0)
            return 1;
    return 0;
}

/* ONNX is a protobuf ModelProto: field 1 (ir_version, varint) first, then another of its
 * fields 2..8 (producer_name, ..., graph, opset_import). Example: 08 07 12 07 "pytorch". */
static int is_onnx(const unsigned char *b, size_t n)
{
    static const unsigned char next[] = {0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42};
    return n >= 3 && b[0] == 0x08 && b[1] >= 1 && b[1] < 0x80 && memchr(next, b[2], sizeof next);
}

#define NOTE(st, ...) cim_diag_add(diag, CIM_SEV_NOTE, (st)->path, 0, 0, __VA_ARGS__)
#define CONVERT_TORCH "convert it in Python: dcim.export(torch.load(\"%s\"), \"w.safetensors\") " \
                      "(docs/python.md)"

/* A zip archive: a PyTorch checkpoint, a numpy .npz, or something else. */
static void report_zip(CimSafetensors *st, CimDiag *diag)
{
    const unsigned char *b = st->buf;
    size_t n = st->len, len = n >= 30 ? (size_t)b[26] | (size_t)b[27] << 8 : 0;
    char first[64] = "";
    for (size_t i = 0; i < len && i + 1 < sizeof first && 30 + i < n; i++)
        first[i] = b[30 + i] >= 0x20 && b[30 + i] < 0x7f ? (char)b[30 + i] : '?';
    size_t fl = strlen(first);
    if (has_suffix(first, fl, "data.pkl") || find_data_pkl(b, n > 65536 ? n - 65536 : 0, n)) {
        ERR(st, "this is a PyTorch checkpoint (a zip archive holding data.pkl, as torch.save writes), "
            "not safetensors");
        NOTE(st, CONVERT_TORCH, st->path);
    } else if (has_suffix(first, fl, ".npy")) {
        ERR(st, "this is a numpy .npz archive (first array '%s'), not safetensors", first);
        NOTE(st, "convert it in Python: dcim.export(dict(numpy.load(\"%s\")), \"w.safetensors\") "
             "(docs/python.md)", st->path);
    } else {
        if (fl)
            ERR(st, "this is a zip archive (first entry '%s'), not safetensors", first);
        else
            ERR(st, "this is a zip archive, not safetensors");
        NOTE(st, "dcim reads weights as safetensors (docs/formats.md); from PyTorch, write them "
             "with dcim.export(model, \"w.safetensors\") (docs/python.md)");
    }
}

/* CIM_ERR_FORMAT with a message when the file is one of the formats above, else CIM_OK. */
static CimStatus check_foreign(CimSafetensors *st, CimDiag *diag)
{
    const unsigned char *b = st->buf;
    size_t n = st->len;
    if (n > 8 && b[8] == '{')
        return CIM_OK;
    if (n >= 4 && (memcmp(b, "PK\x03\x04", 4) == 0 || memcmp(b, "PK\x05\x06", 4) == 0)) {
        report_zip(st, diag);
    } else if (n >= sizeof torch_legacy && memcmp(b, torch_legacy, sizeof torch_legacy) == 0) {
        ERR(st, "this is a legacy PyTorch checkpoint (a pickle, as torch.save writes with "
            "_use_new_zipfile_serialization=False), not safetensors");
        NOTE(st, CONVERT_TORCH, st->path);
    } else if (n >= 2 && b[0] == 0x80 && b[1] >= 2 && b[1] <= 5) {
        ERR(st, "this is a Python pickle (protocol %u), not safetensors", b[1]);
        NOTE(st, "if it holds a PyTorch model or state dict, " CONVERT_TORCH, st->path);
    } else if (is_onnx(b, n) || has_suffix(st->path, strlen(st->path), ".onnx")) {
        ERR(st, "this is an ONNX model (by its %s), not safetensors: dcim takes a network file "
            "(docs/network.md) and its weights as safetensors", is_onnx(b, n) ? "content" : "name");
        NOTE(st, "from the PyTorch model: dcim.export(model, \"w.safetensors\") and "
             "dcim.network_yaml(model, \"net.yaml\") (docs/python.md)");
        NOTE(st, "from the ONNX file: dcim.export({i.name: onnx.numpy_helper.to_array(i) for i in "
             "onnx.load(\"%s\").graph.initializer}, \"w.safetensors\")", st->path);
    } else {
        return CIM_OK;
    }
    return CIM_ERR_FORMAT;
}

/* Checks the 8-byte little-endian header length against the file and the 100 MB cap. */
static CimStatus check_prefix(CimSafetensors *st, CimDiag *diag)
{
    if (st->len < 8) {
        ERR(st, "file is %zu bytes, too short for the 8-byte header length", st->len);
        return CIM_ERR_FORMAT;
    }
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = (n << 8) | st->buf[i];
    if (n > CIM_ST_MAX_HEADER_BYTES) {
        ERR(st, "header length %llu exceeds the limit of %u bytes", (unsigned long long)n,
            CIM_ST_MAX_HEADER_BYTES);
        return CIM_ERR_FORMAT;
    }
    if (n > st->len - 8) {
        ERR(st, "header length %llu runs past the end of the file (%zu bytes follow it)",
            (unsigned long long)n, st->len - 8);
        return CIM_ERR_FORMAT;
    }
    st->data_start = 8 + (size_t)n;
    st->data_len = st->len - st->data_start;
    return CIM_OK;
}

static CimStatus parse_json(CimSafetensors *st, json_t **root, CimDiag *diag)
{
    json_error_t e;
    const char *text = (const char *)st->buf + 8;
    size_t n = st->data_start - 8;
    const char *nul = memchr(text, 0, n);
    if (nul) { /* jansson would stop there and say "end of file expected near end of file" */
        ERR(st, "header byte %zu is NUL; the header is JSON text, padded with spaces (not "
            "zeros)", (size_t)(nul - text));
        return CIM_ERR_FORMAT;
    }
    *root = json_loadb(text, n, JSON_REJECT_DUPLICATES, &e);
    if (!*root) {
        if (json_error_code(&e) == json_error_out_of_memory)
            return CIM_ERR_NOMEM;
        const char *what = json_error_code(&e) == json_error_duplicate_key
                               ? "a name appears twice in the header"
                               : "header is not valid JSON";
        ERR(st, "%s (header line %d, column %d): %s", what, e.line, e.column, e.text);
        return CIM_ERR_FORMAT;
    }
    if (!json_is_object(*root)) {
        ERR(st, "header must be a JSON object, got %s", json_kind(*root));
        return CIM_ERR_FORMAT;
    }
    if (text[0] != '{') {
        ERR(st, "header must start with '{' (only trailing spaces are allowed as padding)");
        return CIM_ERR_FORMAT;
    }
    return CIM_OK;
}

/* ---- header entries ----------------------------------------------------- */

static int parse_dtype(CimSafetensors *st, const char *name, const json_t *j, CimStTensor *t,
                       CimDiag *diag)
{
    if (!json_is_string(j)) {
        ERR(st, "tensor '%s' dtype must be a string, got %s", name, json_kind(j));
        return 0;
    }
    const char *s = json_string_value(j);
    for (int d = 0; d < CIM_ST_DTYPE_COUNT; d++) {
        if (strcmp(s, cim_st_dtype_name((CimStDtype)d)) == 0) {
            t->dtype = (CimStDtype)d;
            return 1;
        }
    }
    char list[256] = "";
    for (int d = 0; d < CIM_ST_DTYPE_COUNT; d++) {
        strncat(list, d ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, cim_st_dtype_name((CimStDtype)d), sizeof list - strlen(list) - 1);
    }
    ERR(st, "tensor '%s' has unknown dtype '%s'; expected one of: %s", name, s, list);
    return 0;
}

/* A non-negative JSON integer, or 0 with an error naming what (e.g. "shape[1]"). */
static int json_size(CimSafetensors *st, const char *name, const char *what, size_t i,
                     const json_t *j, size_t *out, CimDiag *diag)
{
    if (json_is_integer(j) && json_integer_value(j) >= 0 &&
        (unsigned long long)json_integer_value(j) <= SIZE_MAX) {
        *out = (size_t)json_integer_value(j);
        return 1;
    }
    if (json_is_integer(j))
        ERR(st, "tensor '%s' %s[%zu] is %" JSON_INTEGER_FORMAT "; it must be a non-negative "
            "integer", name, what, i, json_integer_value(j));
    else if (json_is_real(j))
        ERR(st, "tensor '%s' %s[%zu] is %g; it must be a non-negative integer", name, what, i,
            json_real_value(j));
    else
        ERR(st, "tensor '%s' %s[%zu] is %s; it must be a non-negative integer", name, what, i,
            json_kind(j));
    return 0;
}

static int parse_shape(CimSafetensors *st, const char *name, const json_t *j, CimStTensor *t,
                       size_t **shape, CimDiag *diag)
{
    if (!json_is_array(j)) {
        ERR(st, "tensor '%s' shape must be an array of non-negative integers, got %s", name,
            json_kind(j));
        return 0;
    }
    t->ndim = json_array_size(j);
    if (t->ndim == 0)
        return 1;
    *shape = cim_alloc_array(&st->alloc, t->ndim, sizeof **shape);
    if (!*shape)
        return -1;
    int ok = 1;
    for (size_t i = 0; i < t->ndim; i++)
        ok &= json_size(st, name, "shape", i, json_array_get(j, i), &(*shape)[i], diag);
    return ok;
}

static int parse_offsets(CimSafetensors *st, const char *name, const json_t *j, size_t off[2],
                         CimDiag *diag)
{
    if (!json_is_array(j) || json_array_size(j) != 2) {
        if (json_is_array(j))
            ERR(st, "tensor '%s' data_offsets must be [begin, end], got %zu numbers", name,
                json_array_size(j));
        else
            ERR(st, "tensor '%s' data_offsets must be [begin, end], got %s", name,
                json_kind(j));
        return 0;
    }
    int ok = json_size(st, name, "data_offsets", 0, json_array_get(j, 0), &off[0], diag);
    ok &= json_size(st, name, "data_offsets", 1, json_array_get(j, 1), &off[1], diag);
    if (ok && off[0] > off[1]) {
        ERR(st, "tensor '%s' data_offsets [%zu, %zu] has begin after end", name, off[0], off[1]);
        return 0;
    }
    if (ok && off[1] > st->data_len) {
        ERR(st, "tensor '%s' data_offsets [%zu, %zu] ends past the data section (%zu bytes)",
            name, off[0], off[1], st->data_len);
        return 0;
    }
    return ok;
}

/* Writes "[32, 1, 3, 3]" into buf (cut with "..." when it does not fit). */
static void fmt_shape(char *buf, size_t len, const size_t *shape, size_t ndim)
{
    size_t used = (size_t)snprintf(buf, len, "[");
    for (size_t i = 0; i < ndim && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%zu", i ? ", " : "", shape[i]);
    if (used + 2 <= len)
        snprintf(buf + used, len - used, "]");
    else if (len >= 5)
        memcpy(buf + len - 5, "...]", 5);
}

/* Element and byte counts from shape and dtype; 0 with an error on overflow or when the
 * byte range does not match. */
static int check_size(CimSafetensors *st, CimStTensor *t, const size_t off[2], CimDiag *diag)
{
    size_t n = 1, esize = cim_st_dtype_bytes(t->dtype);
    int zero = 0, over = 0;
    for (size_t i = 0; i < t->ndim; i++) {
        zero |= t->shape[i] == 0;
        if (t->shape[i] && n > SIZE_MAX / t->shape[i])
            over = 1;
        else
            n *= t->shape[i];
    }
    char sh[160];
    fmt_shape(sh, sizeof sh, t->shape, t->ndim);
    if (!zero && (over || n > SIZE_MAX / esize)) {
        ERR(st, "tensor '%s' shape %s of %s is too large (its byte count overflows)", t->name,
            sh, cim_st_dtype_name(t->dtype));
        return 0;
    }
    t->nelem = zero ? 0 : n;
    t->nbytes = t->nelem * esize;
    if (off[1] - off[0] != t->nbytes) {
        ERR(st, "tensor '%s' has %zu data bytes ([%zu, %zu]) but shape %s of %s needs %zu",
            t->name, off[1] - off[0], off[0], off[1], sh, cim_st_dtype_name(t->dtype),
            t->nbytes);
        return 0;
    }
    t->offset = off[0];
    t->data = st->buf + st->data_start + off[0];
    return 1;
}

/* Fills t from one header entry; 1 when valid, 0 after reporting, -1 out of memory. */
static int parse_entry(CimSafetensors *st, const json_t *j, CimStTensor *t, CimDiag *diag)
{
    const char *name = t->name;
    if (!json_is_object(j)) {
        ERR(st, "tensor '%s' must be an object with dtype, shape and data_offsets, got %s",
            name, json_kind(j));
        return 0;
    }
    const char *key;
    json_t *v;
    int ok = 1;
    json_object_foreach((json_t *)j, key, v) {
        if (strcmp(key, "dtype") && strcmp(key, "shape") && strcmp(key, "data_offsets")) {
            ERR(st, "tensor '%s' has unknown key '%s'; expected dtype, shape, data_offsets",
                name, key);
            ok = 0;
        }
    }
    static const char *const need[3] = {"dtype", "shape", "data_offsets"};
    for (int i = 0; i < 3; i++) {
        if (!json_object_get(j, need[i])) {
            ERR(st, "tensor '%s' has no %s", name, need[i]);
            ok = 0;
        }
    }
    if (!ok)
        return 0;
    size_t *shape = NULL, off[2];
    int shape_ok = parse_shape(st, name, json_object_get(j, "shape"), t, &shape, diag);
    t->shape = shape;
    if (shape_ok < 0)
        return -1;
    ok = parse_dtype(st, name, json_object_get(j, "dtype"), t, diag) & shape_ok;
    ok &= parse_offsets(st, name, json_object_get(j, "data_offsets"), off, diag);
    return ok ? check_size(st, t, off, diag) : 0;
}

static int parse_meta(CimSafetensors *st, const json_t *j, CimDiag *diag)
{
    if (!json_is_object(j)) {
        ERR(st, "__metadata__ must be an object of strings, got %s", json_kind(j));
        return 0;
    }
    st->meta = cim_alloc_array(&st->alloc, json_object_size(j), sizeof *st->meta);
    if (!st->meta)
        return -1;
    const char *key;
    json_t *v;
    int ok = 1;
    json_object_foreach((json_t *)j, key, v) {
        if (!json_is_string(v)) {
            ERR(st, "__metadata__ entry '%s' must be a string, got %s", key, json_kind(v));
            ok = 0;
            continue;
        }
        CimStMeta *m = &st->meta[st->nmeta];
        m->key = dup_str(&st->alloc, key);
        m->value = m->key ? dup_str(&st->alloc, json_string_value(v)) : NULL;
        if (m->key)
            st->nmeta++; /* counted once the key is owned, so close frees it */
        if (!m->value)
            return -1;
    }
    return ok;
}

/* Walks every entry; returns CIM_OK, CIM_ERR_FORMAT (all problems reported) or NOMEM. */
static CimStatus parse_entries(CimSafetensors *st, const json_t *root, CimDiag *diag)
{
    size_t n = json_object_size(root) - (json_object_get(root, "__metadata__") != NULL);
    st->t = cim_alloc_array(&st->alloc, n, sizeof *st->t);
    if (!st->t)
        return CIM_ERR_NOMEM;
    const char *key;
    json_t *v;
    int ok = 1;
    json_object_foreach((json_t *)root, key, v) {
        int r;
        if (strcmp(key, "__metadata__") == 0) {
            r = parse_meta(st, v, diag);
        } else {
            CimStTensor *t = &st->t[st->nt];
            t->name = dup_str(&st->alloc, key);
            if (!t->name)
                return CIM_ERR_NOMEM;
            st->nt++;
            r = parse_entry(st, v, t, diag);
        }
        if (r < 0)
            return CIM_ERR_NOMEM;
        ok &= r;
    }
    return ok ? CIM_OK : CIM_ERR_FORMAT;
}

/* ---- data layout -------------------------------------------------------- */

static int by_offset(const void *a, const void *b)
{
    const CimStTensor *x = a, *y = b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return (x->nbytes > y->nbytes) - (x->nbytes < y->nbytes);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const CimStTensor *)a)->name, ((const CimStTensor *)b)->name);
}

/* The spec (and the reference loader) wants the tensors to tile the data section exactly:
 * no overlap, no gap, nothing after the last one. */
static CimStatus check_layout(CimSafetensors *st, CimDiag *diag)
{
    qsort(st->t, st->nt, sizeof *st->t, by_offset);
    size_t pos = 0, before = diag->errors;
    const CimStTensor *prev = NULL;
    for (size_t i = 0; i < st->nt; i++) {
        const CimStTensor *t = &st->t[i];
        size_t end = t->offset + t->nbytes;
        if (prev && t->offset < pos)
            ERR(st, "tensor '%s' data [%zu, %zu] overlaps tensor '%s' data [%zu, %zu]", t->name,
                t->offset, end, prev->name, prev->offset, prev->offset + prev->nbytes);
        else if (t->offset > pos)
            ERR(st, "data bytes [%zu, %zu) belong to no tensor (tensors must cover the data "
                "section without gaps)", pos, t->offset);
        if (end >= pos) {
            pos = end;
            prev = t;
        }
    }
    if (pos < st->data_len)
        ERR(st, "data bytes [%zu, %zu) after the last tensor belong to no tensor", pos,
            st->data_len);
    qsort(st->t, st->nt, sizeof *st->t, by_name);
    return diag->errors == before ? CIM_OK : CIM_ERR_FORMAT;
}

/* ---- open / close ------------------------------------------------------- */

void cim_st_close(CimSafetensors *st)
{
    if (!st)
        return;
    CimAlloc a = st->alloc;
    for (size_t i = 0; i < st->nt; i++) {
        cim_free(&a, (void *)st->t[i].name);
        cim_free(&a, (void *)st->t[i].shape);
    }
    for (size_t i = 0; i < st->nmeta; i++) {
        cim_free(&a, (void *)st->meta[i].key);
        cim_free(&a, (void *)st->meta[i].value);
    }
    cim_free(&a, st->t);
    cim_free(&a, st->meta);
    cim_free(&a, st->buf);
    cim_free(&a, st->path);
    cim_free(&a, st);
}

static CimStatus load(CimSafetensors *st, CimDiag *diag)
{
    CimStatus s = read_file(st, diag);
    if (s == CIM_OK)
        s = check_foreign(st, diag);
    if (s == CIM_OK)
        s = check_prefix(st, diag);
    json_t *root = NULL;
    if (s == CIM_OK)
        s = parse_json(st, &root, diag);
    if (s == CIM_OK)
        s = parse_entries(st, root, diag);
    if (s == CIM_OK)
        s = check_layout(st, diag);
    json_decref(root);
    return s;
}

CimStatus cim_st_open(const char *path, const CimAlloc *alloc, CimSafetensors **out,
                      CimDiag *diag)
{
    *out = NULL;
    CimSafetensors *st = cim_alloc(alloc, sizeof *st);
    if (!st)
        return CIM_ERR_NOMEM;
    if (alloc)
        st->alloc = *alloc;
    st->path = dup_str(alloc, path);
    CimStatus s = st->path ? load(st, diag) : CIM_ERR_NOMEM;
    if (s != CIM_OK) {
        cim_st_close(st);
        return s;
    }
    *out = st;
    return CIM_OK;
}

/* ---- lookups ------------------------------------------------------------ */

const char *cim_st_path(const CimSafetensors *st) { return st->path; }
size_t cim_st_count(const CimSafetensors *st) { return st->nt; }
const CimStTensor *cim_st_tensor(const CimSafetensors *st, size_t i) { return &st->t[i]; }
size_t cim_st_meta_count(const CimSafetensors *st) { return st->nmeta; }
const CimStMeta *cim_st_meta(const CimSafetensors *st, size_t i) { return &st->meta[i]; }

const CimStTensor *cim_st_find(const CimSafetensors *st, const char *name)
{
    CimStTensor key = {0};
    key.name = name;
    return st->nt ? bsearch(&key, st->t, st->nt, sizeof *st->t, by_name) : NULL;
}

const char *cim_st_meta_get(const CimSafetensors *st, const char *key)
{
    for (size_t i = 0; i < st->nmeta; i++)
        if (strcmp(st->meta[i].key, key) == 0)
            return st->meta[i].value;
    return NULL;
}

CimStatus cim_st_get(const CimSafetensors *st, const char *name, const CimStTensor **out,
                     CimDiag *diag)
{
    *out = cim_st_find(st, name);
    if (*out)
        return CIM_OK;
    char list[700] = "";
    size_t shown = st->nt < 10 ? st->nt : 10;
    for (size_t i = 0; i < shown; i++) {
        strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, st->t[i].name, sizeof list - strlen(list) - 1);
    }
    if (st->nt == 0)
        ERR(st, "no tensor named '%s'; the file has no tensors", name);
    else if (st->nt > shown)
        ERR(st, "no tensor named '%s'; the file has: %s (%zu more)", name, list, st->nt - shown);
    else
        ERR(st, "no tensor named '%s'; the file has: %s", name, list);
    return CIM_ERR_FORMAT;
}

CimStatus cim_st_expect_shape(const CimSafetensors *st, const CimStTensor *t,
                              const size_t *shape, size_t ndim, CimDiag *diag)
{
    int same = t->ndim == ndim;
    for (size_t i = 0; same && i < ndim; i++)
        same = t->shape[i] == shape[i];
    if (same)
        return CIM_OK;
    char got[160], want[160];
    fmt_shape(got, sizeof got, t->shape, t->ndim);
    fmt_shape(want, sizeof want, shape, ndim);
    ERR(st, "tensor '%s' has shape %s, expected %s", t->name, got, want);
    return CIM_ERR_FORMAT;
}

CimStatus cim_st_load_f32(const CimSafetensors *st, const char *name, const size_t *shape,
                          size_t ndim, float **out, CimDiag *diag)
{
    *out = NULL;
    const CimStTensor *t;
    CimStatus s = cim_st_get(st, name, &t, diag);
    if (s == CIM_OK && shape)
        s = cim_st_expect_shape(st, t, shape, ndim, diag);
    if (s != CIM_OK)
        return s;
    float *p = cim_alloc_array(&st->alloc, t->nelem, sizeof *p);
    if (!p)
        return CIM_ERR_NOMEM;
    s = cim_st_to_f32(st, t, p, t->nelem, diag);
    if (s != CIM_OK) {
        cim_free(&st->alloc, p);
        return s;
    }
    *out = p;
    return CIM_OK;
}

void cim_st_free_f32(const CimSafetensors *st, float *p) { cim_free(&st->alloc, p); }
