/* Build and invocation facts for provenance (prov.h). */
#include "workloads/prov/prov.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* the commit and dirty flag, generated at build time (scripts/git_info.sh); absent in a
 * build that does not make it (the fuzzers): "unknown" */
#if defined(__has_include)
#if __has_include("dcim_git.h")
#include "dcim_git.h"
#endif
#endif
#ifndef DCIM_GIT_COMMIT
#define DCIM_GIT_COMMIT "unknown"
#endif
#ifndef DCIM_GIT_DIRTY
#define DCIM_GIT_DIRTY -1
#endif

const char *cim_prov_version(void) { return CIM_PROV_VERSION; }
const char *cim_prov_commit(void) { return DCIM_GIT_COMMIT[0] ? DCIM_GIT_COMMIT : "unknown"; }
int cim_prov_dirty(void) { return DCIM_GIT_DIRTY; }

static char cmdline[8192];
static char started[32];
static double t0 = -1;

/* A character a shell reads as itself outside quotes. */
static int plain(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-_./=:,+@%", c);
}

void cim_prov_set_argv(int argc, char *const *argv)
{
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    t0 = cim_clock_s();
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
const char *cim_prov_started_utc(void) { return started; }
double cim_prov_wall_s(void) { return t0 < 0 ? 0.0 : cim_clock_s() - t0; }

const char *cim_prov_host(void)
{
    static char host[256];
    if (gethostname(host, sizeof host - 1) != 0 || !host[0])
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    return host;
}
