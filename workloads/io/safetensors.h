/* Reader and writer for the safetensors weight format (Hugging Face spec: u64 LE header
 * length, JSON header of name -> {dtype, shape, data_offsets}, then raw LE data).
 * Every malformed file is reported through CimDiag, naming the file and the tensor. */
#ifndef CIM_SAFETENSORS_H
#define CIM_SAFETENSORS_H

#include "models/common/common.h"

/* Largest header the reference implementation accepts (bytes). */
#define CIM_ST_MAX_HEADER_BYTES 100000000u

/* Element types of the spec (its spelling in the header is the enum name without
 * CIM_ST_, e.g. "F16", "F8_E4M3"). */
typedef enum {
    CIM_ST_BOOL,
    CIM_ST_U8,
    CIM_ST_I8,
    CIM_ST_F8_E5M2,
    CIM_ST_F8_E4M3,
    CIM_ST_U16,
    CIM_ST_I16,
    CIM_ST_F16,
    CIM_ST_BF16,
    CIM_ST_U32,
    CIM_ST_I32,
    CIM_ST_F32,
    CIM_ST_U64,
    CIM_ST_I64,
    CIM_ST_F64,
    CIM_ST_DTYPE_COUNT
} CimStDtype;

const char *cim_st_dtype_name(CimStDtype d);
size_t cim_st_dtype_bytes(CimStDtype d);

/* One tensor of an open file. Everything points into the CimSafetensors object and lives
 * until cim_st_close. data holds nbytes little-endian bytes, with no alignment promise. */
typedef struct {
    const char *name;
    CimStDtype dtype;
    size_t ndim;
    const size_t *shape; /* ndim entries (NULL when ndim is 0: a scalar) */
    size_t nelem;        /* product of shape (1 for a scalar) */
    size_t nbytes;       /* nelem * cim_st_dtype_bytes(dtype) */
    size_t offset;       /* begin of data_offsets, from the start of the data section */
    const unsigned char *data;
} CimStTensor;

/* One "__metadata__" entry (string -> string). */
typedef struct {
    const char *key;
    const char *value;
} CimStMeta;

typedef struct CimSafetensors CimSafetensors;

/* Every function that takes a CimDiag needs a valid one (not NULL): problems are appended
 * there, compiler style, naming the file (and the tensor). */

/* Reads the whole file into memory (through alloc; NULL = malloc) and checks it against
 * the spec. On success *out is a new object (free with cim_st_close). Errors:
 *   CIM_ERR_IO     the file cannot be opened or read (message carries strerror)
 *   CIM_ERR_FORMAT anything malformed; every problem is reported, one line each:
 *                  short file, header length past the end or over 100 MB, header not
 *                  JSON (with jansson's line, column and text), not an object, duplicate
 *                  names, entries lacking dtype/shape/data_offsets or with unknown keys,
 *                  unknown dtype, bad shape or offsets, data past the end, byte length
 *                  != product(shape) * dtype size (overflow checked), overlapping tensors,
 *                  bytes that belong to no tensor, bad "__metadata__"
 *   CIM_ERR_NOMEM  the allocator refused; *out is NULL and nothing leaks
 * Tensors are listed sorted by name (byte order). */
CimStatus cim_st_open(const char *path, const CimAlloc *alloc, CimSafetensors **out,
                      CimDiag *diag);
void cim_st_close(CimSafetensors *st); /* NULL is fine */

const char *cim_st_path(const CimSafetensors *st);
size_t cim_st_count(const CimSafetensors *st);
const CimStTensor *cim_st_tensor(const CimSafetensors *st, size_t i); /* i < count */
/* NULL when absent; reports nothing. */
const CimStTensor *cim_st_find(const CimSafetensors *st, const char *name);
/* Like cim_st_find, but a missing tensor is CIM_ERR_FORMAT with the error
 *   path: error: no tensor named 'x'; the file has: a, b, ... (N more)
 * (up to 10 names). */
CimStatus cim_st_get(const CimSafetensors *st, const char *name, const CimStTensor **out,
                     CimDiag *diag);

size_t cim_st_meta_count(const CimSafetensors *st);
const CimStMeta *cim_st_meta(const CimSafetensors *st, size_t i);
const char *cim_st_meta_get(const CimSafetensors *st, const char *key); /* NULL if absent */

/* CIM_OK when t has exactly this shape, else CIM_ERR_FORMAT with
 *   path: error: tensor 'conv1.weight' has shape [32, 1, 3, 3], expected [32, 1, 5, 5] */
CimStatus cim_st_expect_shape(const CimSafetensors *st, const CimStTensor *t,
                              const size_t *shape, size_t ndim, CimDiag *diag);

/* Converts all t->nelem elements to float into dst (room for n floats; n must be at
 * least nelem, else CIM_ERR_RANGE). Floats convert exactly where float32 can hold the
 * value (F16, BF16, F8 always; F64 and integers above 2^24 round to nearest). Errors
 * (CIM_ERR_FORMAT, naming the tensor and element): a finite F64 too large for float32,
 * a BOOL byte other than 0 or 1. */
CimStatus cim_st_to_f32(const CimSafetensors *st, const CimStTensor *t, float *dst, size_t n,
                        CimDiag *diag);

/* Looks the tensor up (cim_st_get), checks its shape when shape is not NULL
 * (cim_st_expect_shape; ndim 0 with a non-NULL shape means a scalar), converts it
 * (cim_st_to_f32) and returns a new array of t->nelem floats in *out, allocated with the
 * object's allocator (release with cim_st_free_f32). On error *out is NULL. */
CimStatus cim_st_load_f32(const CimSafetensors *st, const char *name, const size_t *shape,
                          size_t ndim, float **out, CimDiag *diag);
void cim_st_free_f32(const CimSafetensors *st, float *p);

/* ---- writer ------------------------------------------------------------- */

/* One tensor to write: F32 from data, which holds product(shape) floats (may be NULL when
 * that is 0), or, when u64 is set, U64 from u64 (data unused). */
typedef struct {
    const char *name;
    size_t ndim;
    const size_t *shape;
    const float *data;
    const uint64_t *u64;
} CimStWriteTensor;

/* Writes the tensors (F32 or U64) and metadata to path.tmp, then renames it to path, so
 * path is either the old file or the complete new one. The header lists keys sorted,
 * data is laid out contiguously in name order, and the header is padded with spaces to
 * a multiple of 8 bytes, as the reference implementation does. Errors: CIM_ERR_CONFIG
 * for bad input (empty, duplicate, "__metadata__" or non-UTF-8 names, size overflow),
 * CIM_ERR_IO (the temp file is removed), CIM_ERR_NOMEM. */
CimStatus cim_st_write(const char *path, const CimStWriteTensor *tensors, size_t n,
                       const CimStMeta *meta, size_t n_meta, const CimAlloc *alloc,
                       CimDiag *diag);

#endif
