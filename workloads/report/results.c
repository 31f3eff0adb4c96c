/* Results folders as sets (results.h): stage, then move in, then the manifest. */
#include "workloads/report/results.h"
#include "workloads/report/json.h"
#include "workloads/report/report.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STAGING_PREFIX ".staging."
#define MAX_FILES 64

static int cmp_names(const void *a, const void *b) { return strcmp(a, b); }

/* The names of the files in dir (not starting with '.'), sorted, into names[MAX_FILES][256];
 * their count, or -1 (errno set) when dir cannot be read or holds more than MAX_FILES. */
static long list_files(const char *dir, char (*names)[256])
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    long n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        if (n == MAX_FILES || strlen(e->d_name) >= 256) {
            closedir(d);
            errno = ENAMETOOLONG;
            return -1;
        }
        snprintf(names[n++], 256, "%s", e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, 256, cmp_names);
    return n;
}

/* Removes a staging folder and every file in it (.tmp files of a killed writer too). */
static void remove_staging(const char *path)
{
    char p[CIM_RESULTS_DIR_MAX + 400];
    DIR *d = opendir(path);
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", path, e->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
    rmdir(path);
}

/* Staging folders of processes that are gone (killed mid-run) are removed. */
static void remove_stale(const char *dir)
{
    DIR *d = opendir(dir);
    char p[CIM_RESULTS_DIR_MAX + 400];
    size_t plen = strlen(STAGING_PREFIX);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (strncmp(e->d_name, STAGING_PREFIX, plen) != 0)
            continue;
        char *end;
        long pid = strtol(e->d_name + plen, &end, 10);
        if (*end || pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH)) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            remove_staging(p);
        }
    }
    if (d)
        closedir(d);
}

CimStatus cim_results_begin(CimResults *rs, const char *dir, CimDiag *d)
{
    memset(rs, 0, sizeof *rs);
    size_t len = strlen(dir);
    if (len > CIM_RESULTS_DIR_MAX) {
        cim_diag_add(d, CIM_SEV_ERROR, NULL, 0, 0,
                     "the results folder path is %zu characters long; the limit is %d (folder '%.60s...')", len,
                     CIM_RESULTS_DIR_MAX, dir);
        return CIM_ERR_IO;
    }
    if (len == 0) {
        cim_diag_add(d, CIM_SEV_ERROR, NULL, 0, 0, "the results folder path is empty");
        return CIM_ERR_IO;
    }
    memcpy(rs->dir, dir, len + 1);
    snprintf(rs->staging, sizeof rs->staging, "%s/%s%ld", dir, STAGING_PREFIX, (long)getpid());
    if (cim_report_make_dirs(dir) != 0) {
        cim_diag_add(d, CIM_SEV_ERROR, dir, 0, 0, "cannot create the results folder: %s%s", strerror(errno),
                     errno == ENOTDIR ? " (a parent of it is a file)" : "");
        return CIM_ERR_IO;
    }
    remove_stale(dir);
    if (mkdir(rs->staging, 0777) != 0 && errno != EEXIST) {
        cim_diag_add(d, CIM_SEV_ERROR, dir, 0, 0, "cannot write into the results folder: %s", strerror(errno));
        return CIM_ERR_IO;
    }
    rs->open = 1;
    return CIM_OK;
}

const char *cim_results_staging(const CimResults *rs) { return rs->staging; }

CimStatus cim_results_keep(CimResults *rs, const char *name, CimDiag *d)
{
    char from[CIM_RESULTS_DIR_MAX + 400], to[CIM_RESULTS_DIR_MAX + 400];
    snprintf(from, sizeof from, "%s/%s", rs->dir, name);
    snprintf(to, sizeof to, "%s/%s", rs->staging, name);
    if (link(from, to) == 0)
        return CIM_OK;
    cim_diag_add(d, CIM_SEV_ERROR, from, 0, 0, "cannot keep the file in the new results set: %s", strerror(errno));
    return CIM_ERR_IO;
}

static int write_manifest(const void *ctx, FILE *f)
{
    const char(*names)[256] = (const char(*)[256])ctx;
    fprintf(f, "{\n  \"complete\": true,\n  \"files\": [");
    for (long i = 0; names[i][0]; i++)
        fprintf(f, "%s\"%s\"", i ? ", " : "", names[i]);
    fprintf(f, "]\n}\n");
    return 0;
}

CimStatus cim_results_commit(CimResults *rs, CimDiag *d)
{
    char names[MAX_FILES + 1][256], from[CIM_RESULTS_DIR_MAX + 400], to[CIM_RESULTS_DIR_MAX + 400];
    long n = list_files(rs->staging, names);
    CimStatus st = n < 0 ? CIM_ERR_IO : CIM_OK;
    snprintf(to, sizeof to, "%s/%s", rs->dir, CIM_RESULTS_MANIFEST);
    if (st == CIM_OK && unlink(to) != 0 && errno != ENOENT)
        st = CIM_ERR_IO;
    /* a kept file (cim_results_keep) is a second link to DIR's own: rename does nothing for
     * it, and the staging folder's removal drops the extra link */
    for (long i = 0; i < n && st == CIM_OK; i++) {
        snprintf(from, sizeof from, "%s/%s", rs->staging, names[i]);
        snprintf(to, sizeof to, "%s/%s", rs->dir, names[i]);
        if (rename(from, to) != 0)
            st = CIM_ERR_IO;
    }
    if (st != CIM_OK)
        cim_diag_add(d, CIM_SEV_ERROR, rs->dir, 0, 0, "cannot move the results into place: %s", strerror(errno));
    names[n > 0 ? n : 0][0] = '\0';
    if (st == CIM_OK)
        st = cim_report_write_file(rs->dir, CIM_RESULTS_MANIFEST, write_manifest, names, d);
    cim_results_discard(rs);
    return st;
}

void cim_results_discard(CimResults *rs)
{
    if (rs->open)
        remove_staging(rs->staging);
    rs->open = 0;
}
