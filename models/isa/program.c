/* Controller programs in memory (growing through the allocator hook) and as binary files:
 * "DCIMPRG1", the word count as u64, then the words, all little-endian. */
#include "models/isa/isa.h"

#include <errno.h>
#include <string.h>

#define HEADER_BYTES 16u
#define CHUNK_WORDS 512u
static const char magic[8] = {'D', 'C', 'I', 'M', 'P', 'R', 'G', '1'};

void cim_program_init(CimProgram *p) { memset(p, 0, sizeof *p); }

void cim_program_free(CimProgram *p, const CimAlloc *a)
{
    cim_free(a, p->words);
    cim_program_init(p);
}

CimStatus cim_program_reserve(CimProgram *p, size_t extra, const CimAlloc *a)
{
    if (extra <= p->cap - p->n)
        return CIM_OK;
    if (extra > SIZE_MAX / sizeof *p->words - p->n)
        return CIM_ERR_NOMEM;
    size_t need = p->n + extra, cap = p->cap ? p->cap : 16;
    while (cap < need)
        cap = cap > SIZE_MAX / sizeof *p->words / 2 ? need : cap * 2;
    uint64_t *w = cim_alloc_array(a, cap, sizeof *w);
    if (!w)
        return CIM_ERR_NOMEM;
    if (p->n)
        memcpy(w, p->words, p->n * sizeof *w);
    cim_free(a, p->words);
    p->words = w;
    p->cap = cap;
    return CIM_OK;
}

CimStatus cim_program_emit(CimProgram *p, const CimInsn *in, const CimAlloc *a)
{
    if ((unsigned)in->id >= CIM_I_COUNT || in->m > 0xFFu || in->a > 0xFFFu || in->b > 0xFFFu ||
        in->c > 0xFFFu || in->d > 0xFFFu)
        return CIM_ERR_RANGE;
    CimStatus st = cim_program_reserve(p, 1, a);
    if (st != CIM_OK)
        return st;
    p->words[p->n++] = cim_isa_encode(in);
    return CIM_OK;
}

/* ---- binary files ------------------------------------------------------- */

static void put_le64(unsigned char *b, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le64(const unsigned char *b)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

/* Header and words to f; 0 on a write error (errno set by stdio). */
static int write_words(FILE *f, const CimProgram *p)
{
    unsigned char buf[CHUNK_WORDS * 8];
    memcpy(buf, magic, 8);
    put_le64(buf + 8, (uint64_t)p->n);
    if (fwrite(buf, 1, HEADER_BYTES, f) != HEADER_BYTES)
        return 0;
    for (size_t i = 0; i < p->n; i += CHUNK_WORDS) {
        size_t k = p->n - i < CHUNK_WORDS ? p->n - i : CHUNK_WORDS;
        for (size_t j = 0; j < k; j++)
            put_le64(buf + 8 * j, p->words[i + j]);
        if (fwrite(buf, 8, k, f) != k)
            return 0;
    }
    return fflush(f) == 0;
}

CimStatus cim_program_write(const CimProgram *p, const char *path, CimDiag *diag)
{
    char tmp[4200];
    if (strlen(path) + 5 > sizeof tmp) {
        cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, "path is too long");
        return CIM_ERR_IO;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        cim_diag_add(diag, CIM_SEV_ERROR, tmp, 0, 0, "cannot create: %s", strerror(errno));
        return CIM_ERR_IO;
    }
    int ok = write_words(f, p), err = errno;
    if (fclose(f) != 0 && ok) {
        ok = 0;
        err = errno;
    }
    if (!ok) {
        cim_diag_add(diag, CIM_SEV_ERROR, tmp, 0, 0, "cannot write: %s", strerror(err));
        remove(tmp);
        return CIM_ERR_IO;
    }
    if (rename(tmp, path) != 0) {
        cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, "cannot rename %s to it: %s", tmp, strerror(errno));
        remove(tmp);
        return CIM_ERR_IO;
    }
    return CIM_OK;
}

/* Checks the header and that exactly count words follow it; leaves f after the header. */
static CimStatus read_header(FILE *f, const char *path, uint64_t *count, CimDiag *diag)
{
    unsigned char h[HEADER_BYTES];
    size_t got = fread(h, 1, HEADER_BYTES, f);
    if (got < HEADER_BYTES && ferror(f)) {
        cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, "cannot read: %s", strerror(errno));
        return CIM_ERR_IO;
    }
    if (got < 8 || memcmp(h, magic, 8) != 0) {
        cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, "not a dcim program: bad magic (expected 'DCIMPRG1')");
        return CIM_ERR_FORMAT;
    }
    if (got < HEADER_BYTES) {
        cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, "truncated header: %zu of %u bytes", got, HEADER_BYTES);
        return CIM_ERR_FORMAT;
    }
    *count = get_le64(h + 8);
    long size;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, HEADER_BYTES, SEEK_SET) != 0) {
        cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, "cannot seek: %s", strerror(errno));
        return CIM_ERR_IO;
    }
    uint64_t body = (uint64_t)size - HEADER_BYTES;
    if (*count > body / 8 || body != *count * 8) {
        cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0,
                     "%s: the header says %llu words (%.0Lf bytes) but %llu bytes follow it",
                     *count > body / 8 ? "truncated" : "trailing data", (unsigned long long)*count,
                     /* exact: a long double holds any 64-bit count, and x 8 moves its exponent */
                     (long double)*count * 8, (unsigned long long)body);
        return CIM_ERR_FORMAT;
    }
    return CIM_OK;
}

/* Reads count words into p->words[p->n..], reporting every word that does not decode. */
static CimStatus read_words(FILE *f, const char *path, size_t count, CimProgram *p, CimDiag *diag)
{
    unsigned char buf[CHUNK_WORDS * 8];
    size_t bad = 0;
    for (size_t i = 0; i < count; i += CHUNK_WORDS) {
        size_t k = count - i < CHUNK_WORDS ? count - i : CHUNK_WORDS;
        if (fread(buf, 8, k, f) != k) {
            cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, "cannot read word %zu: %s", i,
                         ferror(f) ? strerror(errno) : "unexpected end of file");
            return ferror(f) ? CIM_ERR_IO : CIM_ERR_FORMAT;
        }
        for (size_t j = 0; j < k; j++) {
            uint64_t w = get_le64(buf + 8 * j);
            CimInsn in;
            if (cim_isa_decode(w, &in) != CIM_OK && ++bad)
                cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, "word %zu (byte offset %zu): unknown opcode 0x%02x",
                             i + j, HEADER_BYTES + 8 * (i + j), (unsigned)(w >> 56));
            p->words[p->n + i + j] = w;
        }
    }
    return bad ? CIM_ERR_FORMAT : CIM_OK;
}

CimStatus cim_program_read(const char *path, CimProgram *p, const CimAlloc *a, CimDiag *diag)
{
    const char *why;
    FILE *f = cim_file_open_regular(path, NULL, &why);
    if (!f) {
        cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, "cannot open: %s", why);
        return CIM_ERR_IO;
    }
    uint64_t count = 0;
    CimStatus st = read_header(f, path, &count, diag);
    if (st == CIM_OK && count > SIZE_MAX / 8) {
        cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, "%llu words do not fit in memory",
                     (unsigned long long)count);
        st = CIM_ERR_NOMEM;
    }
    if (st == CIM_OK && (st = cim_program_reserve(p, (size_t)count, a)) == CIM_ERR_NOMEM)
        cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, "out of memory for %llu words", (unsigned long long)count);
    if (st == CIM_OK && (st = read_words(f, path, (size_t)count, p, diag)) == CIM_OK)
        p->n += (size_t)count;
    fclose(f);
    return st;
}
