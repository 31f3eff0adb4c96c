/* Names and paths as people read them: the nearest name to a misspelt one (optimal string
 * alignment distance, Damerau 1964) and lexical path normalisation. */
#include "common.h"

#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 64

size_t cim_edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n >= NAME_MAX_LEN || m >= NAME_MAX_LEN)
        return n > m ? n : m;
    /* d[i][j]: edits from a's first i characters to b's first j. */
    size_t d[NAME_MAX_LEN][NAME_MAX_LEN];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[n][m];
}

const char *cim_suggest(const char *got, const char *const *names, size_t n)
{
    size_t limit = strlen(got) / 3;
    if (limit < 1)
        limit = 1;
    if (limit > 2)
        limit = 2;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (size_t i = 0; i < n; i++) {
        size_t d = cim_edit_distance(got, names[i]);
        if (d < best_d) {
            best = names[i];
            best_d = d;
        }
    }
    return best;
}

/* Appends segment seg (n bytes) to out (o bytes used), with a slash before unless first. */
static int put_seg(char *out, size_t *o, size_t len, int absolute, const char *seg, size_t n)
{
    size_t sep = (*o > (size_t)absolute) ? 1 : 0;
    if (*o + sep + n + 1 > len)
        return -1;
    if (sep)
        out[(*o)++] = '/';
    memcpy(out + *o, seg, n);
    *o += n;
    out[*o] = '\0';
    return 0;
}

int cim_path_normalise(const char *in, char *out, size_t len)
{
    if (len == 0)
        return -1;
    size_t inlen = strlen(in);
    char local[4096]; /* in is read from a copy: out may be the same buffer */
    char *src = inlen < sizeof local ? local : malloc(inlen + 1);
    if (!src) {
        out[0] = '\0';
        return -2;
    }
    memcpy(src, in, inlen + 1);
    int absolute = src[0] == '/';
    size_t o = 0;
    if (absolute) {
        if (len < 2)
            goto fail;
        out[o++] = '/';
    }
    out[o] = '\0';
    for (const char *p = src; *p;) {
        size_t n = strcspn(p, "/");
        int dotdot = n == 2 && p[0] == '.' && p[1] == '.';
        if (n == 0 || (n == 1 && p[0] == '.')) {
            /* skip */
        } else if (dotdot && o > (size_t)absolute) {
            char *last = strrchr(out + absolute, '/');
            const char *tail = last ? last + 1 : out + absolute;
            if (strcmp(tail, "..") != 0) {
                o = last ? (size_t)(last - out) : (size_t)absolute;
                out[o] = '\0';
            } else if (put_seg(out, &o, len, absolute, p, n) != 0)
                goto fail;
        } else if (dotdot && absolute) {
            /* "/.." is "/" */
        } else if (put_seg(out, &o, len, absolute, p, n) != 0)
            goto fail;
        p += n + (p[n] == '/');
    }
    if (o == 0) {
        out[o++] = '.';
        out[o] = '\0';
    }
    if (src != local)
        free(src);
    return 0;
fail:
    out[0] = '\0';
    if (src != local)
        free(src);
    return -1;
}
