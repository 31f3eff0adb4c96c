/* Provenance: what a result came from. SHA-256 of files and text (FIPS 180-4), the dcim
 * version and git commit it was built from, and the command line, so that every results
 * folder (run, compare, train, sweep) names its inputs exactly (docs/sweep.md,
 * "Provenance"). */
#ifndef CIM_PROV_H
#define CIM_PROV_H

#include <stddef.h>
#include <stdint.h>

#include "models/common/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The version of dcim (its one home; `dcim version`, every result's provenance). */
#define CIM_PROV_VERSION "0.1.0"

/* A running SHA-256. */
typedef struct {
    uint32_t h[8];
    uint64_t bytes;
    unsigned char buf[64];
    size_t nbuf;
} CimSha256;

void cim_sha256_init(CimSha256 *s);
void cim_sha256_update(CimSha256 *s, const void *data, size_t len);
/* The digest as 64 lowercase hex digits and a NUL, into hex[65]. */
void cim_sha256_final(CimSha256 *s, char hex[65]);
/* The digest of len bytes. */
void cim_sha256_hex(const void *data, size_t len, char hex[65]);
/* Whether the compression uses the CPU's SHA extensions (x86-64 SHA-NI, chosen at run time
 * where the CPU has them; the same digests, measured in docs/performance.md): on = 0
 * forces the portable code for the whole process, on = 1 (the default) takes them when
 * present. Returns 1 when they are now used. Not to be called while another thread hashes. */
int cim_sha256_accel(int on);
/* The digest of a file's bytes; 0, or -1 (errno set) when it cannot be read. */
int cim_sha256_file(const char *path, char hex[65]);

/* The dcim version ("0.1.0"), the git commit it was built from (40 hex digits, or
 * "unknown" when it was not built from a git checkout) and whether that tree had
 * uncommitted changes (1), was clean (0) or is unknown (-1). Set at build time
 * (Makefile: DCIM_GIT_COMMIT, DCIM_GIT_DIRTY). */
const char *cim_prov_version(void);
const char *cim_prov_commit(void);
int cim_prov_dirty(void);

/* The command line as given (argv joined with spaces, each argument shell-quoted when it
 * needs it), recorded by main() once; "" before. */
void cim_prov_set_argv(int argc, char *const *argv);
const char *cim_prov_command_line(void);
/* When cim_prov_set_argv ran (UTC, ISO 8601; "" before) and the seconds since. */
const char *cim_prov_started_utc(void);
double cim_prov_wall_s(void);
/* The host name ("unknown" if none). */
const char *cim_prov_host(void);

#ifdef __cplusplus
}
#endif
#endif
