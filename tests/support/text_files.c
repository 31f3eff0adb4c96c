/* File-driven test helpers (see text_files.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/text_files.h"

char *test_read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 16);
    size_t n = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

char *test_subst(const char *text, const char *old, const char *new_text)
{
    const char *at = strstr(text, old);
    if (!at)
        fail_msg("'%s' not in the text", old);
    size_t a = (size_t)(at - text), ol = strlen(old), nl = strlen(new_text), tl = strlen(text);
    char *out = malloc(tl - ol + nl + 1);
    assert_non_null(out);
    memcpy(out, text, a);
    memcpy(out + a, new_text, nl);
    memcpy(out + a + nl, at + ol, tl - a - ol + 1);
    return out;
}

int test_diag_has(const CimDiag *d, const char *part, int errors_only)
{
    for (size_t i = 0; i < d->n; i++)
        if ((!errors_only || d->v[i].sev == CIM_SEV_ERROR) && strstr(d->v[i].msg, part))
            return 1;
    return 0;
}
