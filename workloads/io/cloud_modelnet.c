/* ModelNet folders of OFF meshes (Princeton ModelNet10/40 layout CLASS/{train,test}/ *.off)
 * sampled into point clouds as the PointNet++ reference does, with an HDF5 cache keyed by a
 * hash of the inputs (docs/formats.md, "ModelNet folders"). */
#include "workloads/io/cloud_impl.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Bumped whenever the sampler or the file layout changes, so old caches are not reused. */
#define CACHE_VERSION "dcim modelnet cache v1"

typedef struct {
    char **v;
    size_t n, cap;
} List;

typedef struct {
    char *path; /* DIR/CLASS/SPLIT/NAME.off */
    size_t rel; /* offset of CLASS/... in path */
    size_t cls;
    long long bytes, mtime_s, mtime_ns;
} Entry;

typedef struct {
    const char *dir, *split;
    const CimModelnetOpts *opts;
    const CimAlloc *alloc;
    CimDiag *diag;
    List classes;
    Entry *e;
    size_t n, cap;
} Scan;

static char *join3(const CimAlloc *a, const char *x, const char *y, const char *z)
{
    size_t lx = strlen(x), ly = strlen(y), lz = z ? strlen(z) : 0;
    char *p = cim_alloc(a, lx + ly + lz + 3);
    if (p)
        sprintf(p, z ? "%s/%s/%s" : "%s/%s", x, y, z ? z : "");
    return p;
}

/* Grows *v (elements of `size` bytes) to hold one more; 0 when the allocator refuses. */
static int grow(const CimAlloc *a, void **v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return 1;
    size_t nc = *cap ? 2 * *cap : 16;
    void *nv = cim_alloc_array(a, nc, size);
    if (!nv)
        return 0;
    if (n)
        memcpy(nv, *v, n * size);
    cim_free(a, *v);
    *v = nv;
    *cap = nc;
    return 1;
}

static void list_free(const CimAlloc *a, List *l)
{
    for (size_t i = 0; i < l->n; i++)
        cim_free(a, l->v[i]);
    cim_free(a, l->v);
    memset(l, 0, sizeof *l);
}

static int by_name(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static int ends_with_off(const char *s)
{
    size_t n = strlen(s);
    return n > 4 && strcmp(s + n - 4, ".off") == 0;
}

/* The entries of `path` that are folders (dirs 1) or *.off files (dirs 0), not starting
 * with '.', sorted by byte order. CIM_ERR_IO when the folder cannot be read. */
static CimStatus list_dir(const CimAlloc *a, const char *path, int dirs, List *out,
                          CimDiag *diag)
{
    memset(out, 0, sizeof *out);
    DIR *d = opendir(path);
    if (!d) {
        cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, "cannot open folder: %s", strerror(errno));
        return CIM_ERR_IO;
    }
    CimStatus s = CIM_OK;
    struct dirent *de;
    while (s == CIM_OK && (de = readdir(d))) {
        if (de->d_name[0] == '.' || (!dirs && !ends_with_off(de->d_name)))
            continue;
        char *full = join3(a, path, de->d_name, NULL);
        struct stat sb;
        if (!full) {
            s = CIM_ERR_NOMEM;
            break;
        }
        int keep = stat(full, &sb) == 0 && (dirs ? S_ISDIR(sb.st_mode) : S_ISREG(sb.st_mode));
        cim_free(a, full);
        if (!keep)
            continue;
        char *name = cim_alloc(a, strlen(de->d_name) + 1);
        if (!name || !grow(a, (void **)&out->v, out->n, &out->cap, sizeof(char *))) {
            cim_free(a, name);
            s = CIM_ERR_NOMEM;
            break;
        }
        strcpy(name, de->d_name);
        out->v[out->n++] = name;
    }
    closedir(d);
    if (s != CIM_OK)
        list_free(a, out);
    else if (out->n)
        qsort(out->v, out->n, sizeof *out->v, by_name);
    return s;
}

static void scan_free(Scan *sc)
{
    for (size_t i = 0; i < sc->n; i++)
        cim_free(sc->alloc, sc->e[i].path);
    cim_free(sc->alloc, sc->e);
    list_free(sc->alloc, &sc->classes);
}

/* Adds every *.off of class c's split folder, with its size and modification time. */
static CimStatus scan_class(Scan *sc, size_t c, int *missing)
{
    const char *cls = sc->classes.v[c];
    char *sub = join3(sc->alloc, sc->dir, cls, sc->split);
    if (!sub)
        return CIM_ERR_NOMEM;
    struct stat sb;
    if (stat(sub, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        cim_diag_add(sc->diag, CIM_SEV_ERROR, sub, 0, 0, "class folder '%s' has no '%s' folder",
                     cls, sc->split);
        *missing = 1;
        cim_free(sc->alloc, sub);
        return CIM_ERR_FORMAT;
    }
    List files;
    CimStatus s = list_dir(sc->alloc, sub, 0, &files, sc->diag);
    if (s == CIM_OK && files.n == 0) {
        cim_diag_add(sc->diag, CIM_SEV_ERROR, sub, 0, 0, "no .off meshes in this folder");
        s = CIM_ERR_FORMAT;
    }
    for (size_t i = 0; s == CIM_OK && i < files.n; i++) {
        Entry *e;
        if (!grow(sc->alloc, (void **)&sc->e, sc->n, &sc->cap, sizeof *sc->e) ||
            !(sc->e[sc->n].path = join3(sc->alloc, sub, files.v[i], NULL))) {
            s = CIM_ERR_NOMEM;
            break;
        }
        e = &sc->e[sc->n++];
        e->rel = strlen(sc->dir) + 1;
        e->cls = c;
        if (stat(e->path, &sb) != 0) {
            cim_diag_add(sc->diag, CIM_SEV_ERROR, e->path, 0, 0, "cannot stat: %s",
                         strerror(errno));
            s = CIM_ERR_IO;
            break;
        }
        e->bytes = (long long)sb.st_size;
        e->mtime_s = (long long)sb.st_mtim.tv_sec;
        e->mtime_ns = (long long)sb.st_mtim.tv_nsec;
    }
    list_free(sc->alloc, &files);
    cim_free(sc->alloc, sub);
    return s;
}

/* Class folders, then every mesh of the split. Problems in one class do not hide the
 * others' (each is reported). */
static CimStatus scan(Scan *sc)
{
    CimStatus s = list_dir(sc->alloc, sc->dir, 1, &sc->classes, sc->diag);
    if (s != CIM_OK)
        return s;
    if (sc->classes.n == 0) {
        cim_diag_add(sc->diag, CIM_SEV_ERROR, sc->dir, 0, 0,
                     "no class folders (expected CLASS/train and CLASS/test folders of .off "
                     "meshes)");
        return CIM_ERR_FORMAT;
    }
    if (sc->classes.n > CIM_CLOUD_MAX_CLASSES) {
        cim_diag_add(sc->diag, CIM_SEV_ERROR, sc->dir, 0, 0,
                     "%zu class folders, more than the limit of %u", sc->classes.n,
                     CIM_CLOUD_MAX_CLASSES);
        return CIM_ERR_FORMAT;
    }
    int missing = 0;
    for (size_t c = 0; c < sc->classes.n; c++) {
        CimStatus cs = scan_class(sc, c, &missing);
        if (cs == CIM_ERR_NOMEM || cs == CIM_ERR_IO)
            return cs;
        if (cs != CIM_OK)
            s = cs;
    }
    if (missing)
        cim_diag_add(sc->diag, CIM_SEV_NOTE, sc->dir, 0, 0,
                     "every folder here not starting with '.' is a class and needs train/ and "
                     "test/ folders of .off meshes");
    return s;
}

/* ---- the cache key ---------------------------------------------------------------------- */

static void fnv(uint64_t *h, const char *s)
{
    for (; *s; s++) {
        *h ^= (unsigned char)*s;
        *h *= 0x100000001B3ull;
    }
}

/* FNV-1a (64 bits) of the key text (docs/formats.md): version, split, points, seed, then one
 * line per mesh: CLASS/SPLIT/NAME.off, bytes, modification time (s.ns). */
static uint64_t cache_key(const Scan *sc)
{
    uint64_t h = 0xCBF29CE484222325ull;
    char line[160];
    snprintf(line, sizeof line, "%s\nsplit %s\npoints %zu\nseed %" PRIu64 "\n", CACHE_VERSION,
             sc->split, sc->opts->points, sc->opts->seed);
    fnv(&h, line);
    for (size_t i = 0; i < sc->n; i++) {
        const Entry *e = &sc->e[i];
        fnv(&h, e->path + e->rel);
        snprintf(line, sizeof line, "\t%lld\t%lld.%09lld\n", e->bytes, e->mtime_s, e->mtime_ns);
        fnv(&h, line);
    }
    return h;
}

/* The cache file must hold exactly the set it is named for. */
static CimStatus check_cache(const Scan *sc, const char *path, const CimCloudSet *s)
{
    int ok = s->n == sc->n && s->points == sc->opts->points && !s->synthetic &&
             s->n_classes == sc->classes.n && s->class_names;
    for (size_t c = 0; ok && c < s->n_classes; c++)
        ok = strcmp(s->class_names[c], sc->classes.v[c]) == 0;
    for (size_t i = 0; ok && i < s->n; i++)
        ok = (size_t)s->labels[i] == sc->e[i].cls;
    if (ok)
        return CIM_OK;
    cim_diag_add(sc->diag, CIM_SEV_ERROR, path, 0, 0,
                 "cache file does not hold the set it is named for (%zu clouds of %zu points, "
                 "%zu classes; expected %zu of %zu, %zu); delete it to rebuild",
                 s->n, s->points, s->n_classes, sc->n, sc->opts->points, sc->classes.n);
    return CIM_ERR_FORMAT;
}

/* ---- sampling --------------------------------------------------------------------------- */

/* Mesh i: read, sample with its own generator, normalise, store. */
static CimStatus sample_one(const Scan *sc, size_t i, uint64_t tag, double *buf,
                            CimCloudSet *out)
{
    const Entry *e = &sc->e[i];
    CimMesh m;
    CimStatus s = cim_mesh_load_off(e->path, sc->alloc, &m, sc->diag);
    if (s != CIM_OK)
        return s;
    CimRng rng;
    cim_rng_seed(&rng, cloud_subseed(sc->opts->seed, tag, i));
    s = cim_mesh_sample(&m, out->points, &rng, sc->alloc, buf, e->path, sc->diag);
    cim_mesh_free(&m);
    if (s == CIM_OK && cim_cloud_normalise(buf, out->points) != CIM_OK) {
        cim_diag_add(sc->diag, CIM_SEV_ERROR, e->path, 0, 0,
                     "the %zu sampled points all coincide, so they cannot be normalised",
                     out->points);
        s = CIM_ERR_FORMAT;
    }
    if (s == CIM_OK) {
        cloud_store(out, i, buf);
        out->labels[i] = (int32_t)e->cls;
    }
    return s;
}

static CimStatus sample_all(const Scan *sc, CimCloudSet *out)
{
    CimStatus s = cim_cloud_init(out, sc->n, sc->opts->points, sc->classes.n,
                                 (const char *const *)sc->classes.v, sc->alloc);
    if (s != CIM_OK)
        return s;
    double *buf = cim_alloc_array(sc->alloc, out->points * 3, sizeof(double));
    if (!buf) {
        cim_cloud_free(out);
        return CIM_ERR_NOMEM;
    }
    uint64_t tag = strcmp(sc->split, "train") == 0 ? CLOUD_TAG_MODELNET_TRAIN
                                                   : CLOUD_TAG_MODELNET_TEST;
    for (size_t i = 0; i < sc->n && sc->diag->errors < CIM_DIAG_MAX_ERRORS; i++) {
        CimStatus ms = sample_one(sc, i, tag, buf, out);
        if (ms == CIM_ERR_NOMEM) {
            s = ms;
            break;
        }
        if (s == CIM_OK)
            s = ms;
    }
    cim_free(sc->alloc, buf);
    if (s != CIM_OK)
        cim_cloud_free(out);
    return s;
}

/* ---- the entry point -------------------------------------------------------------------- */

static CimStatus make_dir(const char *path, CimDiag *diag)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return CIM_OK;
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, "cannot create the cache folder: %s",
                     strerror(errno));
        return CIM_ERR_IO;
    }
    return CIM_OK;
}

/* With a cache: read it when present, else sample and store. */
static CimStatus load_cached(Scan *sc, CimCloudSet *out, CimModelnetInfo *info)
{
    char name[64];
    snprintf(name, sizeof name, "modelnet-%s-%016" PRIx64 ".h5", sc->split, cache_key(sc));
    snprintf(info->cache_name, sizeof info->cache_name, "%s", name);
    CimStatus s = make_dir(sc->opts->cache_dir, sc->diag);
    char *path = s == CIM_OK ? join3(sc->alloc, sc->opts->cache_dir, name, NULL) : NULL;
    if (s != CIM_OK || !path)
        return s != CIM_OK ? s : CIM_ERR_NOMEM;
    struct stat sb;
    if (stat(path, &sb) == 0) {
        s = cim_cloud_h5_load(path, sc->alloc, out, sc->diag);
        if (s == CIM_OK && (s = check_cache(sc, path, out)) != CIM_OK)
            cim_cloud_free(out);
        else if (s != CIM_OK && s != CIM_ERR_NOMEM)
            cim_diag_add(sc->diag, CIM_SEV_NOTE, path, 0, 0,
                         "this is the cache file of the data set; delete it to rebuild");
        info->cache_hit = s == CIM_OK;
    } else {
        s = sample_all(sc, out);
        if (s == CIM_OK && (s = cim_cloud_h5_save(path, out, sc->diag)) != CIM_OK)
            cim_cloud_free(out);
    }
    cim_free(sc->alloc, path);
    return s;
}

CimStatus cim_modelnet_load(const char *dir, const char *split, const CimModelnetOpts *opts,
                            const CimAlloc *alloc, CimCloudSet *out, CimModelnetInfo *info,
                            CimDiag *diag)
{
    CimModelnetInfo scratch;
    info = info ? info : &scratch;
    memset(out, 0, sizeof *out);
    memset(info, 0, sizeof *info);
    if (strcmp(split, "train") != 0 && strcmp(split, "test") != 0) {
        cim_diag_add(diag, CIM_SEV_ERROR, dir, 0, 0, "unknown split '%s'; expected one of: "
                     "train, test", split);
        return CIM_ERR_RANGE;
    }
    if (opts->points < 2) {
        cim_diag_add(diag, CIM_SEV_ERROR, dir, 0, 0, "points per cloud must be at least 2 "
                     "(normalisation needs two distinct points), got %zu", opts->points);
        return CIM_ERR_RANGE;
    }
    Scan sc = {dir, split, opts, alloc, diag, {NULL, 0, 0}, NULL, 0, 0};
    CimStatus s = scan(&sc);
    if (s == CIM_OK)
        s = opts->cache_dir ? load_cached(&sc, out, info) : sample_all(&sc, out);
    scan_free(&sc);
    return s;
}
