/* SHA-256 (FIPS 180-4, section 6.2); tested against the standard's vectors, the portable
 * compression against the SHA extensions' (tests/workloads/sweep/test_sweep.c). */
#include "workloads/prov/prov.h"

#include <stdio.h>
#include <string.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t rotr(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

/* The compression function on n 64-byte blocks, FIPS 180-4 6.2.2 as written: the eight
 * working variables renamed per round instead of moved (ROUND's argument order). */
static void blocks_portable(uint32_t h[8], const unsigned char *p, size_t n)
{
    for (; n--; p += 64) {
        uint32_t w[64];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
                   p[4 * i + 3];
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
#define ROUND(a, b, c, d, e, f, g, h, i)                                                                              \
    do {                                                                                                              \
        uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];              \
        uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));                       \
        d += t1;                                                                                                      \
        h = t1 + t2;                                                                                                  \
    } while (0)
        for (int i = 0; i < 64; i += 8) {
            ROUND(a, b, c, d, e, f, g, k, i);
            ROUND(k, a, b, c, d, e, f, g, i + 1);
            ROUND(g, k, a, b, c, d, e, f, i + 2);
            ROUND(f, g, k, a, b, c, d, e, i + 3);
            ROUND(e, f, g, k, a, b, c, d, i + 4);
            ROUND(d, e, f, g, k, a, b, c, i + 5);
            ROUND(c, d, e, f, g, k, a, b, i + 6);
            ROUND(b, c, d, e, f, g, k, a, i + 7);
        }
#undef ROUND
        h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* The same with the x86 SHA extensions (Intel's SHA-NI: sha256rnds2 does two rounds,
 * sha256msg1/msg2 the message schedule, four words at a time). The state is kept as ABEF
 * and CDGH, the instructions' layout. */
__attribute__((target("sha,ssse3,sse4.1"))) static void blocks_sha_ni(uint32_t h[8], const unsigned char *p, size_t n)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xB1); /* CDAB */
    __m128i s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1B); /* EFGH */
    __m128i s0 = _mm_alignr_epi8(t, s1, 8);                                         /* ABEF */
    s1 = _mm_blend_epi16(s1, t, 0xF0);                                              /* CDGH */
    for (; n--; p += 64) {
        __m128i abef = s0, cdgh = s1, w[4];
#pragma GCC unroll 16
        for (int i = 0; i < 16; i++) {
            __m128i wi;
            if (i < 4)
                wi = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
            else /* w[i-16..i-13] + s0(w[i-15..i-12]) + w[i-7..i-4], then + s1 of the last two */
                wi = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(w[i % 4], w[(i + 1) % 4]),
                                                        _mm_alignr_epi8(w[(i + 3) % 4], w[(i + 2) % 4], 4)),
                                          w[(i + 3) % 4]);
            w[i % 4] = wi;
            __m128i m = _mm_add_epi32(wi, _mm_loadu_si128((const __m128i *)&K[4 * i]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, m);
            s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(m, 0x0E));
        }
        s0 = _mm_add_epi32(s0, abef);
        s1 = _mm_add_epi32(s1, cdgh);
    }
    t = _mm_shuffle_epi32(s0, 0x1B);  /* FEBA */
    s1 = _mm_shuffle_epi32(s1, 0xB1); /* DCHG */
    _mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(t, s1, 0xF0)); /* DCBA */
    _mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(s1, t, 8));    /* HGFE */
}

static int sha_ni_present(void)
{
    return __builtin_cpu_supports("sha") && __builtin_cpu_supports("ssse3") && __builtin_cpu_supports("sse4.1");
}
#else
static int sha_ni_present(void) { return 0; }
#endif

static int portable_only; /* cim_sha256_accel(0) */

int cim_sha256_accel(int on)
{
    portable_only = !on;
    return on && sha_ni_present();
}

static void blocks(CimSha256 *s, const unsigned char *p, size_t n)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (!portable_only && sha_ni_present()) {
        blocks_sha_ni(s->h, p, n);
        return;
    }
#endif
    blocks_portable(s->h, p, n);
}

void cim_sha256_init(CimSha256 *s)
{
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, h0, sizeof h0);
    s->bytes = 0;
    s->nbuf = 0;
}

void cim_sha256_update(CimSha256 *s, const void *data, size_t len)
{
    const unsigned char *p = data;
    s->bytes += len;
    if (!len)
        return;
    if (s->nbuf) { /* fill the buffered block first */
        size_t take = 64 - s->nbuf < len ? 64 - s->nbuf : len;
        memcpy(s->buf + s->nbuf, p, take);
        s->nbuf += take;
        p += take;
        len -= take;
        if (s->nbuf < 64)
            return;
        blocks(s, s->buf, 1);
        s->nbuf = 0;
    }
    if (len >= 64) { /* whole blocks straight from the data */
        blocks(s, p, len / 64);
        p += len / 64 * 64;
        len %= 64;
    }
    memcpy(s->buf, p, len);
    s->nbuf = len;
}

void cim_sha256_final(CimSha256 *s, char hex[65])
{
    uint64_t bits = s->bytes * 8;
    unsigned char pad = 0x80, zero = 0, len[8];
    cim_sha256_update(s, &pad, 1);
    while (s->nbuf != 56)
        cim_sha256_update(s, &zero, 1);
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(bits >> (56 - 8 * i));
    cim_sha256_update(s, len, 8);
    for (int i = 0; i < 8; i++)
        snprintf(hex + 8 * i, 9, "%08x", (unsigned)s->h[i]);
}

void cim_sha256_hex(const void *data, size_t len, char hex[65])
{
    CimSha256 s;
    cim_sha256_init(&s);
    cim_sha256_update(&s, data, len);
    cim_sha256_final(&s, hex);
}

int cim_sha256_file(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    CimSha256 s;
    unsigned char buf[65536];
    cim_sha256_init(&s);
    for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;)
        cim_sha256_update(&s, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return -1;
    cim_sha256_final(&s, hex);
    return 0;
}
