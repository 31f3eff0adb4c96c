/* The scratch files of fuzz.h: one per process and extension, rewritten for every input and
 * removed at exit. A YAML input lands in a mirror of the tree's config layout
 * ($TMPDIR/dcim-fuzz-PID/configs/runs/, beside links to the real configs/chip, configs/tech,
 * configs/baselines, workloads and the example run files), so the relative paths of the
 * seeds (`chip: ../chip/default.yaml`, `extends: mnist_bnn.yaml`) resolve and the chip,
 * technology and base files they name are loaded too. */
#include "fuzz/fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_EXTS 4
#define MAX_MADE 64
static char paths[MAX_EXTS][512];
static char made[MAX_MADE][512]; /* links and folders of the mirror, removed in reverse */
static int nmade;

static void cleanup(void)
{
    for (int i = 0; i < MAX_EXTS; i++)
        if (paths[i][0])
            unlink(paths[i]);
    while (nmade > 0) {
        const char *p = made[--nmade];
        if (unlink(p) != 0)
            rmdir(p);
    }
}

static void note(const char *path)
{
    if (nmade < MAX_MADE)
        snprintf(made[nmade++], sizeof made[0], "%s", path);
}

static void die(const char *what, const char *path)
{
    fprintf(stderr, "fuzz: cannot %s %s\n", what, path);
    abort();
}

/* dir/configs/runs with links to the tree's config folders and run files; its runs path. */
static void make_mirror(const char *root, char *runs, size_t len)
{
    static const char *const links[] = {"configs/chip", "configs/tech", "configs/baselines", "workloads", "data"};
    char cwd[400], p[512], to[512];
    if (!getcwd(cwd, sizeof cwd))
        die("read", "the working directory");
    const char *dirs[] = {"", "/configs", "/configs/runs"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", root, dirs[i]);
        if (mkdir(p, 0700) != 0)
            die("create", p);
        note(p);
    }
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", root, links[i]);
        snprintf(to, sizeof to, "%s/%s", cwd, links[i]);
        if (symlink(to, p) == 0)
            note(p);
    }
    snprintf(to, sizeof to, "%s/configs/runs", cwd);
    DIR *d = opendir(to);
    for (struct dirent *e; d && (e = readdir(d));)
        if (strstr(e->d_name, ".yaml") && snprintf(p, sizeof p, "%s/configs/runs/%s", root, e->d_name) > 0 &&
            snprintf(to, sizeof to, "%s/configs/runs/%s", cwd, e->d_name) > 0 && symlink(to, p) == 0)
            note(p);
    if (d)
        closedir(d);
    snprintf(runs, len, "%s/configs/runs", root);
}

const char *fuzz_path(const uint8_t *data, size_t size, const char *ext)
{
    int slot = 0;
    while (slot < MAX_EXTS && paths[slot][0] && !strstr(paths[slot], ext))
        slot++;
    if (slot == MAX_EXTS)
        die("keep more scratch kinds than", "MAX_EXTS");
    if (!paths[slot][0]) {
        const char *tmp = getenv("TMPDIR");
        char root[300], runs[400];
        snprintf(root, sizeof root, "%s/dcim-fuzz-%ld", tmp && *tmp ? tmp : "/tmp", (long)getpid());
        if (nmade == 0 && paths[0][0] == '\0')
            atexit(cleanup);
        if (strcmp(ext, ".yaml") == 0) {
            make_mirror(root, runs, sizeof runs);
            snprintf(paths[slot], sizeof paths[slot], "%s/fuzz-input.yaml", runs);
        } else {
            snprintf(paths[slot], sizeof paths[slot], "%s%s", root, ext);
        }
    }
    FILE *f = fopen(paths[slot], "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        die("write", paths[slot]);
    return paths[slot];
}
