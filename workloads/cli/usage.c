/* Command-line mistakes named precisely: an unknown option with the nearest valid one, an
 * option without its value, a stray argument. The valid options come from the usage text. */
#include "workloads/cli/cli.h"

#include <ctype.h>
#include <string.h>

#define MAX_OPTIONS 64

/* An option starts a word ('-' after a space, '[' or a line start), then a letter or a
 * second '-' and a letter: "--images", "-o"; "all -1" is no option. */
static size_t option_at(const char *u, size_t i)
{
    if (u[i] != '-' || (i > 0 && u[i - 1] != ' ' && u[i - 1] != '[' && u[i - 1] != '\n'))
        return 0;
    size_t j = i + 1 + (u[i + 1] == '-');
    if (!isalpha((unsigned char)u[j]))
        return 0;
    while (isalnum((unsigned char)u[j]) || u[j] == '-')
        j++;
    return j - i;
}

size_t cli_usage_options(const char *usage, const char **names, size_t cap, char *buf, size_t len)
{
    size_t n = 0, o = 0;
    for (size_t i = 0; usage[i]; i++) {
        size_t w = option_at(usage, i);
        if (!w)
            continue;
        int dup = 0;
        for (size_t k = 0; k < n && !dup; k++)
            dup = strlen(names[k]) == w && memcmp(names[k], usage + i, w) == 0;
        if (!dup && n < cap && o + w + 1 <= len) {
            memcpy(buf + o, usage + i, w);
            buf[o + w] = '\0';
            names[n++] = buf + o;
            o += w + 1;
        }
        i += w - 1;
    }
    return n;
}

void cli_usage_error(const char *usage, int argc, char **argv, int bad, const char *what, const char *path)
{
    const char *names[MAX_OPTIONS];
    char buf[2048];
    size_t n = cli_usage_options(usage, names, MAX_OPTIONS, buf, sizeof buf);
    const char *cmd = argv[0], *arg = bad < argc ? argv[bad] : NULL;
    fprintf(stderr, "dcim %s: error: ", cmd);
    int known = 0;
    for (size_t k = 0; arg && k < n && !known; k++)
        known = strcmp(arg, names[k]) == 0;
    if (!arg)
        fprintf(stderr, "no %s given\n", what);
    else if (known)
        fprintf(stderr, "option '%s' needs a value\n", arg);
    else if (arg[0] == '-' && arg[1]) {
        const char *near = cim_suggest(arg, names, n);
        if (near)
            fprintf(stderr, "unknown option '%s'; did you mean '%s'?\n", arg, near);
        else
            fprintf(stderr, "unknown option '%s'\n", arg);
    } else if (path)
        fprintf(stderr, "unexpected argument '%s' (the %s is already '%s')\n", arg, what, path);
    else
        fprintf(stderr, "unexpected argument '%s'\n", arg);
    fprintf(stderr, "%.*s\n(dcim %s --help lists every option)\n", (int)strcspn(usage, "\n"), usage, cmd);
}
