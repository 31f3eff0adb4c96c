/* Shared fixture of the point-cloud tests (test_cloud*.c): a scratch folder removed with
 * everything in it, small file writers, and the "first diagnostic line" check. Include
 * after <cmocka.h>. */
#ifndef CIM_TEST_CLOUD_RIG_H
#define CIM_TEST_CLOUD_RIG_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "workloads/io/cloud.h"

typedef struct {
    char dir[64]; /* /tmp/test_cloud.XXXXXX */
    CimDiag diag; /* for calls expected to succeed; must be empty at teardown */
} CloudRig;

/* Removes path and, when it is a folder, everything below it. */
static inline void rig_rm_rf(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        char sub[1024];
        while (d && (e = readdir(d))) {
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                int n = snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
                if (n > 0 && (size_t)n < sizeof sub)
                    rig_rm_rf(sub);
            }
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        remove(path);
    }
}

static inline int rig_setup(void **state)
{
    CloudRig *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    snprintf(r->dir, sizeof r->dir, "/tmp/test_cloud.XXXXXX");
    if (!mkdtemp(r->dir))
        return -1;
    cim_diag_init(&r->diag);
    *state = r;
    return 0;
}

static inline int rig_teardown(void **state)
{
    CloudRig *r = *state;
    rig_rm_rf(r->dir);
    cim_diag_print(&r->diag, stderr);
    size_t n = r->diag.n;
    cim_diag_free(&r->diag);
    free(r);
    return n == 0 ? 0 : -1;
}

/* dir/name into buf (which must hold 512 bytes). */
static inline char *rig_path(const CloudRig *r, const char *name, char *buf)
{
    snprintf(buf, 512, "%s/%s", r->dir, name);
    return buf;
}

static inline void rig_write(const char *path, const void *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static inline void rig_write_text(const char *path, const char *text)
{
    rig_write(path, text, strlen(text));
}

/* Diagnostic i of d reads exactly `line`. */
static inline void rig_expect_line(const CimDiag *d, size_t i, const char *line)
{
    char got[1400];
    if (d->n <= i) {
        cim_diag_print(d, stderr);
        fail_msg("expected diagnostic %zu: %s", i, line);
    }
    cim_diag_format(d, i, got, sizeof got);
    assert_string_equal(got, line);
}

#endif
