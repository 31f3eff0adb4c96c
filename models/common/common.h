/* Shared foundation of the chip model: status codes, compiler-style diagnostics,
 * the allocator hook every object draws memory from, ns-to-cycles rounding, packed bit rows
 * and a seeded RNG.
 * No global mutable state: every function works on what it is given. */
#ifndef CIM_COMMON_H
#define CIM_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes ------------------------------------------------------- */
typedef enum {
    CIM_OK = 0,
    CIM_ERR_CONFIG,  /* user input (config, network, weights) is invalid */
    CIM_ERR_IO,      /* a file could not be read or written */
    CIM_ERR_NOMEM,   /* the allocator refused; every object stays valid */
    CIM_ERR_RANGE,   /* an argument is outside what the object supports */
    CIM_ERR_FORMAT,  /* a binary file (weights, data set) is malformed */
    CIM_ERR_TRAP     /* a program stopped with a trap record */
} CimStatus;

const char *cim_status_str(CimStatus s);

/* ---- diagnostics -------------------------------------------------------- */
/* One entry per problem, printed compiler style:
 *   path:line:col: error: message
 * line and col are 1-based; 0 means "not known" and is left out. */
typedef enum { CIM_SEV_ERROR, CIM_SEV_NOTE } CimSeverity;

typedef struct {
    CimSeverity sev;
    char *file; /* may be NULL */
    unsigned line, col;
    char *msg;
} CimDiagEntry;

#define CIM_DIAG_MAX_ERRORS 20

typedef struct {
    CimDiagEntry *v;
    size_t n, cap;
    size_t errors;    /* errors recorded (at most CIM_DIAG_MAX_ERRORS are kept) */
    size_t dropped;   /* errors past the cap */
    size_t lost;      /* errors memory ran out while recording (printed as one error line) */
} CimDiag;

void cim_diag_init(CimDiag *d);
void cim_diag_free(CimDiag *d);
/* Appends an entry; past CIM_DIAG_MAX_ERRORS errors only the count grows (and their
 * notes are dropped). An error that memory ran out while recording is counted as lost. */
void cim_diag_add(CimDiag *d, CimSeverity sev, const char *file, unsigned line, unsigned col,
                  const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;
void cim_diag_vadd(CimDiag *d, CimSeverity sev, const char *file, unsigned line, unsigned col,
                   const char *fmt, va_list ap);
/* Writes every entry, one line each, then "N more errors not shown" when capped. */
void cim_diag_print(const CimDiag *d, FILE *f);
/* Formats entry i into buf (for tests that compare the first error line). */
void cim_diag_format(const CimDiag *d, size_t i, char *buf, size_t len);

/* ---- progress and time of long tasks ------------------------------------ */
/* A long task reports how far it is: fn(ctx, done, total, status), status a short text of
 * the task's live figures ("accuracy 91.20 %") or NULL. fn NULL: nothing is reported.
 * workloads/report/progress.h draws it as a progress bar. */
typedef struct {
    void (*fn)(void *ctx, uint64_t done, uint64_t total, const char *status);
    void *ctx;
} CimProgress;
/* Calls p->fn when p and p->fn are set. */
void cim_progress_report(const CimProgress *p, uint64_t done, uint64_t total, const char *status);
/* Seconds on a monotonic clock, for elapsed times and rates (never for results). */
double cim_clock_s(void);

/* ---- allocator hook ----------------------------------------------------- */
/* Every allocation of the model goes through one of these, so tests can make the Nth
 * allocation fail. NULL means the C library's malloc/free. */
typedef struct {
    void *(*alloc)(void *ctx, size_t bytes);
    void (*release)(void *ctx, void *p);
    void *ctx;
} CimAlloc;

void *cim_alloc(const CimAlloc *a, size_t bytes);          /* zero-filled, NULL on failure */
void *cim_alloc_array(const CimAlloc *a, size_t n, size_t size); /* overflow-checked */
void cim_free(const CimAlloc *a, void *p);

/* ---- time ------------------------------------------------------------- */
/* Cycles an operation of t_ns takes at clock_mhz: ceil(t_ns x f), at least 1; the one
 * rounding rule of every latency (array timing, adder tree, RTL parameters). The 1e-9
 * slack keeps an exact multiple from rounding up on floating-point error.
 * Example at 100 MHz: 10 ns -> 1, 25 ns -> 3, 0.5 ns -> 1, 20 ns -> 2. */
uint32_t cim_cycles_of_ns(double t_ns, double clock_mhz);

/* ---- names and paths (text.c) ------------------------------------------ */
/* Edits (insert, delete, substitute, swap two neighbours) that turn a into b; names of
 * up to 63 characters (longer ones count as far apart). Example: "--image" -> "--images" 1,
 * "rwos" -> "rows" 1. */
size_t cim_edit_distance(const char *a, const char *b);
/* The one of the n names closest to got, for "did you mean 'X'?": at most 2 edits and
 * fewer than a third of got's length (at least 1); the first of equals; NULL if none. */
const char *cim_suggest(const char *got, const char *const *names, size_t n);
/* A path with "." segments, repeated slashes and "DIR/.." pairs removed, into out[len]:
 * "configs/runs/../../data/mnist" -> "data/mnist", "./a//b/" -> "a/b", "../x" stays.
 * Lexical, as a person reads it (a symlinked DIR is not followed). -1 if out is too
 * small (out then holds ""), -2 if memory ran out (an in of 4,096 bytes or more is copied
 * to the heap first), else 0. in and out may be the same buffer. */
int cim_path_normalise(const char *in, char *out, size_t len);

/* ---- reading input files (file.c) -------------------------------------- */
/* Opens path for reading only when it is a regular file: opened with O_NONBLOCK and checked
 * with fstat before any read, so a FIFO, a terminal or a device is refused at once instead
 * of blocking (issue 15). On success returns the stream (blocking again) and its size in
 * *size_bytes (when not NULL). On failure returns NULL with errno set and *why holding the reason for a
 * message: strerror(errno) from open, or "not a regular file (a FIFO)" and similar, naming
 * the kind (errno EINVAL). */
FILE *cim_file_open_regular(const char *path, size_t *size_bytes, const char **why);

/* ---- seeded random numbers (xoshiro256**, seeded by splitmix64) ---------- */
typedef struct {
    uint64_t s[4];
} CimRng;

void cim_rng_seed(CimRng *r, uint64_t seed);
uint64_t cim_rng_u64(CimRng *r);
double cim_rng_uniform(CimRng *r);  /* [0, 1) with 53 random bits */
double cim_rng_normal(CimRng *r);   /* standard normal (Box-Muller, no cached state) */
/* 1 with probability p (exact for p = 0 and p = 1). */
int cim_rng_bernoulli(CimRng *r, double p);

/* ---- packed bit rows ---------------------------------------------------- */
/* A row of n bits is stored in cim_bits_words(n) 64-bit words, bit i in word i/64 at
 * position i%64. Bits past n in the last word are kept zero by every function here
 * (the "tail invariant"), so popcounts never see garbage. */
#define CIM_WORD_BITS 64u

static inline size_t cim_bits_words(size_t nbits) { return (nbits + 63u) / 64u; }
static inline int cim_bits_get(const uint64_t *row, size_t i) { return (int)((row[i >> 6] >> (i & 63u)) & 1u); }
static inline void cim_bits_set(uint64_t *row, size_t i, int v)
{
    uint64_t m = (uint64_t)1 << (i & 63u);
    if (v)
        row[i >> 6] |= m;
    else
        row[i >> 6] &= ~m;
}
/* Mask of the valid bits in the last word of an n-bit row (all ones when n % 64 == 0). */
static inline uint64_t cim_bits_tail_mask(size_t nbits)
{
    unsigned r = (unsigned)(nbits & 63u);
    return r ? (((uint64_t)1 << r) - 1u) : ~(uint64_t)0;
}

/* Counts the first nbits bits (bits past nbits in the last word are ignored). */
size_t cim_bits_popcount(const uint64_t *row, size_t nbits);
void cim_bits_clear(uint64_t *row, size_t nbits);
void cim_bits_copy(uint64_t *dst, const uint64_t *src, size_t nbits);
int cim_bits_equal(const uint64_t *a, const uint64_t *b, size_t nbits);
void cim_bits_random(uint64_t *row, size_t nbits, CimRng *rng);
/* Up to 64 bits (n 1..64) of src starting at bit off; the word after the one holding bit
 * off is read only when the field reaches into it. */
static inline uint64_t cim_bits_get_field(const uint64_t *src, size_t off, unsigned n)
{
    size_t q = off >> 6;
    unsigned r = (unsigned)(off & 63u);
    uint64_t v = src[q] >> r;
    if (r && r + n > 64)
        v |= src[q + 1] << (64 - r);
    return n == 64 ? v : v & (((uint64_t)1 << n) - 1);
}
/* Writes the low n bits (n 1..64) of v into dst at bit off; other dst bits are kept. */
static inline void cim_bits_put_field(uint64_t *dst, size_t off, uint64_t v, unsigned n)
{
    size_t q = off >> 6;
    unsigned r = (unsigned)(off & 63u);
    uint64_t m = n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1);
    dst[q] = (dst[q] & ~(m << r)) | ((v & m) << r);
    if (r && r + n > 64)
        dst[q + 1] = (dst[q + 1] & ~(m >> (64 - r))) | ((v & m) >> (64 - r));
}
/* Copies n bits from src at bit soff to dst at bit doff; other dst bits are kept.
 * Example: src 0b1011, soff 1, n 2 into dst 0b0000 at doff 2 -> dst 0b0100. */
void cim_bits_copy_range(uint64_t *dst, size_t doff, const uint64_t *src, size_t soff, size_t n);
/* Copies nbits starting at bit `from` of src into dst starting at bit 0. */
void cim_bits_extract(uint64_t *dst, const uint64_t *src, size_t from, size_t nbits);

#ifdef __cplusplus
}
#endif
#endif
