/* safetensors element types: names, sizes and conversion of little-endian raw data to
 * float32 (IEEE 754 binary16, bfloat16, OCP FP8 E4M3FN/E5M2, integers, binary64). */
#include "workloads/io/safetensors.h"

#include <math.h>
#include <string.h>

/*                         dtype            name       bytes */
static const struct {
    const char *name;
    size_t bytes;
} dtypes[CIM_ST_DTYPE_COUNT] = {
    [CIM_ST_BOOL]    = {"BOOL",    1},
    [CIM_ST_U8]      = {"U8",      1},
    [CIM_ST_I8]      = {"I8",      1},
    [CIM_ST_F8_E5M2] = {"F8_E5M2", 1},
    [CIM_ST_F8_E4M3] = {"F8_E4M3", 1},
    [CIM_ST_U16]     = {"U16",     2},
    [CIM_ST_I16]     = {"I16",     2},
    [CIM_ST_F16]     = {"F16",     2},
    [CIM_ST_BF16]    = {"BF16",    2},
    [CIM_ST_U32]     = {"U32",     4},
    [CIM_ST_I32]     = {"I32",     4},
    [CIM_ST_F32]     = {"F32",     4},
    [CIM_ST_U64]     = {"U64",     8},
    [CIM_ST_I64]     = {"I64",     8},
    [CIM_ST_F64]     = {"F64",     8},
};

const char *cim_st_dtype_name(CimStDtype d)
{
    return (unsigned)d < CIM_ST_DTYPE_COUNT ? dtypes[d].name : "?";
}

size_t cim_st_dtype_bytes(CimStDtype d) { return (unsigned)d < CIM_ST_DTYPE_COUNT ? dtypes[d].bytes : 0; }

/* Little-endian loads that work at any alignment on any host. */
static uint64_t load_le(const unsigned char *p, size_t bytes)
{
    uint64_t v = 0;
    for (size_t i = bytes; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

/* A small IEEE-style float with ebits exponent and mbits mantissa bits, bias
 * 2^(ebits-1)-1. ieee: the all-ones exponent holds inf/NaN (F16, E5M2); otherwise only
 * all-ones exponent and mantissa is NaN (E4M3FN). Example (F16): 0x3C00 -> 1.0,
 * 0x0001 -> 2^-24, 0xFC00 -> -inf. Every value is exact in float32. */
static float minifloat(uint32_t bits, int ebits, int mbits, int ieee)
{
    uint32_t emax = (1u << ebits) - 1, mmax = (1u << mbits) - 1;
    uint32_t e = (bits >> mbits) & emax, m = bits & mmax;
    int neg = (bits >> (ebits + mbits)) & 1, bias = (int)(emax >> 1);
    float v;
    if (e == emax && (ieee || m == mmax))
        v = (ieee && m == 0) ? INFINITY : NAN;
    else if (e == 0)
        v = ldexpf((float)m, 1 - bias - mbits);
    else
        v = ldexpf((float)(m | (1u << mbits)), (int)e - bias - mbits);
    return neg ? -v : v;
}

/* Two's complement value of the low `bits` bits of u. Example: sext(0xFF, 8) = -1. */
static int64_t sext(uint64_t u, unsigned bits)
{
    uint64_t m = (uint64_t)1 << (bits - 1), mask = (m << 1) - 1; /* all ones for 64 */
    u &= mask;
    return (u & m) ? -(int64_t)(~u & mask) - 1 : (int64_t)u;
}

static float bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Element i of t as float; 0 with an error message in why for values float32 cannot
 * hold (F64 beyond FLT_MAX) or that are invalid (BOOL other than 0/1). */
static int element(const CimStTensor *t, size_t i, float *out, char *why, size_t len)
{
    const unsigned char *p = t->data + i * dtypes[t->dtype].bytes;
    uint64_t u = load_le(p, dtypes[t->dtype].bytes);
    switch (t->dtype) {
    case CIM_ST_BOOL:
        if (u > 1) {
            snprintf(why, len, "is %u, not a BOOL (0 or 1)", (unsigned)u);
            return 0;
        }
        *out = (float)u;
        return 1;
    case CIM_ST_U8: case CIM_ST_U16: case CIM_ST_U32: case CIM_ST_U64:
        *out = (float)u;
        return 1;
    case CIM_ST_I8: case CIM_ST_I16: case CIM_ST_I32: case CIM_ST_I64:
        *out = (float)sext(u, 8u * (unsigned)dtypes[t->dtype].bytes);
        return 1;
    case CIM_ST_F8_E5M2: *out = minifloat((uint32_t)u, 5, 2, 1); return 1;
    case CIM_ST_F8_E4M3: *out = minifloat((uint32_t)u, 4, 3, 0); return 1;
    case CIM_ST_F16: *out = minifloat((uint32_t)u, 5, 10, 1); return 1;
    case CIM_ST_BF16: *out = bits_f32((uint32_t)u << 16); return 1;
    case CIM_ST_F32: *out = bits_f32((uint32_t)u); return 1;
    case CIM_ST_F64: {
        double d;
        memcpy(&d, &u, sizeof d);
        *out = (float)d;
        if (isinf(*out) && !isinf(d)) {
            snprintf(why, len, "is %g, too large for float32", d);
            return 0;
        }
        return 1;
    }
    case CIM_ST_DTYPE_COUNT: break;
    }
    snprintf(why, len, "has no known dtype");
    return 0;
}

CimStatus cim_st_to_f32(const CimSafetensors *st, const CimStTensor *t, float *dst, size_t n,
                        CimDiag *diag)
{
    if (n < t->nelem) {
        cim_diag_add(diag, CIM_SEV_ERROR, cim_st_path(st), 0, 0,
                     "tensor '%s' has %zu elements; the destination holds only %zu", t->name,
                     t->nelem, n);
        return CIM_ERR_RANGE;
    }
    if (t->dtype == CIM_ST_F32) { /* the common case, without per-element dispatch */
        for (size_t i = 0; i < t->nelem; i++)
            dst[i] = bits_f32((uint32_t)load_le(t->data + 4 * i, 4));
        return CIM_OK;
    }
    char why[96];
    for (size_t i = 0; i < t->nelem; i++) {
        if (!element(t, i, &dst[i], why, sizeof why)) {
            cim_diag_add(diag, CIM_SEV_ERROR, cim_st_path(st), 0, 0,
                         "tensor '%s' (%s) element %zu %s", t->name,
                         cim_st_dtype_name(t->dtype), i, why);
            return CIM_ERR_FORMAT;
        }
    }
    return CIM_OK;
}
