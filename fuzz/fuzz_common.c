/* The scratch file of fuzz.h: one per process and extension, rewritten for every input
 * and removed at exit. */
#include "fuzz/fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_EXTS 4
static char paths[MAX_EXTS][256];

static void cleanup(void)
{
    for (int i = 0; i < MAX_EXTS; i++)
        if (paths[i][0])
            unlink(paths[i]);
}

const char *fuzz_path(const uint8_t *data, size_t size, const char *ext)
{
    int slot = 0;
    while (slot < MAX_EXTS && paths[slot][0] && !strstr(paths[slot], ext))
        slot++;
    if (slot == MAX_EXTS) {
        fprintf(stderr, "fuzz: more than %d scratch file kinds\n", MAX_EXTS);
        abort();
    }
    if (!paths[slot][0]) {
        const char *dir = getenv("TMPDIR");
        snprintf(paths[slot], sizeof paths[slot], "%s/dcim-fuzz-%ld%s", dir && *dir ? dir : "/tmp",
                 (long)getpid(), ext);
        if (slot == 0)
            atexit(cleanup);
    }
    FILE *f = fopen(paths[slot], "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        fprintf(stderr, "fuzz: cannot write %s\n", paths[slot]);
        abort();
    }
    return paths[slot];
}
