/* Status strings, diagnostics, allocator hook, ns-to-cycles rounding, RNG and bit-row
 * helpers. */
#define _POSIX_C_SOURCE 200809L
#include "common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *cim_status_str(CimStatus s)
{
    switch (s) {
    case CIM_OK: return "ok";
    case CIM_ERR_CONFIG: return "invalid configuration";
    case CIM_ERR_IO: return "I/O error";
    case CIM_ERR_NOMEM: return "out of memory";
    case CIM_ERR_RANGE: return "argument out of range";
    case CIM_ERR_FORMAT: return "malformed file";
    case CIM_ERR_TRAP: return "program trapped";
    }
    return "unknown status";
}

/* ---- diagnostics -------------------------------------------------------- */

void cim_diag_init(CimDiag *d) { memset(d, 0, sizeof *d); }

void cim_diag_free(CimDiag *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].msg);
    }
    free(d->v);
    cim_diag_init(d);
}

static char *dupstr(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

void cim_diag_vadd(CimDiag *d, CimSeverity sev, const char *file, unsigned line, unsigned col,
                   const char *fmt, va_list ap)
{
    if (sev == CIM_SEV_ERROR)
        d->errors++;
    /* Past the cap keep counting errors, but drop them and the notes that follow them. */
    if (d->errors > CIM_DIAG_MAX_ERRORS) {
        if (sev == CIM_SEV_ERROR)
            d->dropped++;
        return;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        CimDiagEntry *v = realloc(d->v, cap * sizeof *v);
        if (!v) {
            d->lost += sev == CIM_SEV_ERROR;
            return;
        }
        d->v = v;
        d->cap = cap;
    }
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    CimDiagEntry *e = &d->v[d->n];
    e->sev = sev;
    e->line = line;
    e->col = col;
    e->file = dupstr(file);
    e->msg = dupstr(buf);
    if (!e->msg || (file && !e->file)) {
        free(e->file);
        free(e->msg);
        d->lost += sev == CIM_SEV_ERROR;
        return;
    }
    d->n++;
}

void cim_diag_add(CimDiag *d, CimSeverity sev, const char *file, unsigned line, unsigned col,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cim_diag_vadd(d, sev, file, line, col, fmt, ap);
    va_end(ap);
}

void cim_diag_format(const CimDiag *d, size_t i, char *buf, size_t len)
{
    const CimDiagEntry *e = &d->v[i];
    const char *sev = e->sev == CIM_SEV_ERROR ? "error" : "note";
    if (e->file && e->line && e->col)
        snprintf(buf, len, "%s:%u:%u: %s: %s", e->file, e->line, e->col, sev, e->msg);
    else if (e->file && e->line)
        snprintf(buf, len, "%s:%u: %s: %s", e->file, e->line, sev, e->msg);
    else if (e->file)
        snprintf(buf, len, "%s: %s: %s", e->file, sev, e->msg);
    else
        snprintf(buf, len, "%s: %s", sev, e->msg);
}

void cim_diag_print(const CimDiag *d, FILE *f)
{
    char buf[1400];
    for (size_t i = 0; i < d->n; i++) {
        cim_diag_format(d, i, buf, sizeof buf);
        fprintf(f, "%s\n", buf);
    }
    if (d->dropped)
        fprintf(f, "%zu more error%s not shown\n", d->dropped, d->dropped == 1 ? "" : "s");
    if (d->lost)
        fprintf(f, "error: out of memory while recording %zu error message%s\n", d->lost, d->lost == 1 ? "" : "s");
}

/* ---- allocator hook ----------------------------------------------------- */

void *cim_alloc(const CimAlloc *a, size_t bytes)
{
    if (bytes == 0)
        bytes = 1;
    void *p = (a && a->alloc) ? a->alloc(a->ctx, bytes) : malloc(bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

void *cim_alloc_array(const CimAlloc *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return cim_alloc(a, n * size);
}

void cim_free(const CimAlloc *a, void *p)
{
    if (!p)
        return;
    if (a && a->release)
        a->release(a->ctx, p);
    else
        free(p);
}

/* ---- RNG ---------------------------------------------------------------- */

uint32_t cim_cycles_of_ns(double t_ns, double clock_mhz)
{
    double c = ceil(t_ns * clock_mhz * 1e-3 - 1e-9);
    return c < 1.0 ? 1u : (uint32_t)c;
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void cim_rng_seed(CimRng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t cim_rng_u64(CimRng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double cim_rng_uniform(CimRng *r) { return (double)(cim_rng_u64(r) >> 11) * 0x1.0p-53; }

double cim_rng_normal(CimRng *r)
{
    /* Box-Muller; u1 in (0, 1] so log never sees 0. */
    double u1 = 1.0 - cim_rng_uniform(r);
    double u2 = cim_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

int cim_rng_bernoulli(CimRng *r, double p)
{
    if (p <= 0.0)
        return 0;
    if (p >= 1.0)
        return 1;
    return cim_rng_uniform(r) < p;
}

/* ---- bit rows ----------------------------------------------------------- */

size_t cim_bits_popcount(const uint64_t *row, size_t nbits)
{
    size_t w = cim_bits_words(nbits), n = 0;
    for (size_t i = 0; i + 1 < w; i++)
        n += (size_t)__builtin_popcountll(row[i]);
    if (w)
        n += (size_t)__builtin_popcountll(row[w - 1] & cim_bits_tail_mask(nbits));
    return n;
}

void cim_bits_clear(uint64_t *row, size_t nbits) { memset(row, 0, cim_bits_words(nbits) * 8u); }

void cim_bits_copy(uint64_t *dst, const uint64_t *src, size_t nbits)
{
    memcpy(dst, src, cim_bits_words(nbits) * 8u);
}

int cim_bits_equal(const uint64_t *a, const uint64_t *b, size_t nbits)
{
    return memcmp(a, b, cim_bits_words(nbits) * 8u) == 0;
}

void cim_bits_random(uint64_t *row, size_t nbits, CimRng *rng)
{
    size_t w = cim_bits_words(nbits);
    for (size_t i = 0; i < w; i++)
        row[i] = cim_rng_u64(rng);
    if (w)
        row[w - 1] &= cim_bits_tail_mask(nbits);
}

void cim_bits_extract(uint64_t *dst, const uint64_t *src, size_t from, size_t nbits)
{
    size_t w = cim_bits_words(nbits);
    size_t q = from >> 6;
    unsigned r = (unsigned)(from & 63u);
    size_t src_words = cim_bits_words(from + nbits);
    for (size_t i = 0; i < w; i++) {
        uint64_t lo = src[q + i] >> r;
        uint64_t hi = (r && q + i + 1 < src_words) ? src[q + i + 1] << (64 - r) : 0;
        dst[i] = lo | hi;
    }
    if (w)
        dst[w - 1] &= cim_bits_tail_mask(nbits);
}

void cim_bits_copy_range(uint64_t *dst, size_t doff, const uint64_t *src, size_t soff, size_t n)
{
    while (n) {
        unsigned k = n >= 64 ? 64u : (unsigned)n;
        cim_bits_put_field(dst, doff, cim_bits_get_field(src, soff, k), k);
        doff += k;
        soff += k;
        n -= k;
    }
}

void cim_progress_report(const CimProgress *p, uint64_t done, uint64_t total, const char *status)
{
    if (p && p->fn)
        p->fn(p->ctx, done, total, status);
}

double cim_clock_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
