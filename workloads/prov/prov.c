/* Build and invocation facts for provenance (prov.h). */
#include "workloads/prov/prov.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef DCIM_VERSION_STRING
#define DCIM_VERSION_STRING "0.1.0"
#endif
#ifndef DCIM_GIT_COMMIT
#define DCIM_GIT_COMMIT "unknown"
#endif
#ifndef DCIM_GIT_DIRTY
#define DCIM_GIT_DIRTY -1
#endif

const char *cim_prov_version(void) { return DCIM_VERSION_STRING; }
const char *cim_prov_commit(void) { return DCIM_GIT_COMMIT[0] ? DCIM_GIT_COMMIT : "unknown"; }
int cim_prov_dirty(void) { return DCIM_GIT_DIRTY; }

static char cmdline[8192];

/* A character a shell reads as itself outside quotes. */
static int plain(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-_./=:,+@%", c);
}

void cim_prov_set_argv(int argc, char *const *argv)
{
    size_t o = 0, cap = sizeof cmdline;
    cmdline[0] = '\0';
    for (int i = 0; i < argc && o + 1 < cap; i++) {
        const char *a = argv[i];
        int quote = !*a;
        for (const char *p = a; *p && !quote; p++)
            quote = !plain(*p);
        if (i && o + 1 < cap)
            cmdline[o++] = ' ';
        if (quote && o + 1 < cap)
            cmdline[o++] = '\'';
        for (const char *p = a; *p && o + 5 < cap; p++) {
            if (*p == '\'' && quote) {
                memcpy(cmdline + o, "'\\''", 4);
                o += 4;
            } else
                cmdline[o++] = *p;
        }
        if (quote && o + 1 < cap)
            cmdline[o++] = '\'';
        cmdline[o] = '\0';
    }
}

const char *cim_prov_command_line(void) { return cmdline; }

const char *cim_prov_host(void)
{
    static char host[256];
    if (gethostname(host, sizeof host - 1) != 0 || !host[0])
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    return host;
}
