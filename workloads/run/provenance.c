/* Provenance blocks and the resolved configuration of a run (provenance.h). */
#include "workloads/run/provenance.h"
#include "workloads/prov/prov.h"
#include "workloads/report/json.h"
#include "workloads/report/report.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A path made absolute against the working folder (as resolved, a path is relative to it),
 * normalised; "" stays "". */
static void abs_path(const char *p, char *out, size_t len)
{
    char cwd[PATH_MAX], joined[PATH_MAX + CIM_PATH_MAX + 2];
    if (!p[0]) { /* an empty path (no weights file; synthetic data) stays empty */
        out[0] = '\0';
        return;
    }
    if (p[0] == '/' || !getcwd(cwd, sizeof cwd))
        snprintf(joined, sizeof joined, "%s", p);
    else
        snprintf(joined, sizeof joined, "%s/%s", cwd, p);
    if (cim_path_normalise(joined, out, len) != 0)
        snprintf(out, len, "%.*s", (int)(len - 1), joined);
}

/* Keys whose file's contents the configuration holds instead (the chip and tech files),
 * and where the results go (in the invocation block). */
static int left_out(const char *path) { return !strcmp(path, "run.chip") || !strcmp(path, "chip.tech") || !strcmp(path, "run.out"); }

typedef struct {
    json_t *o;
    int failed; /* an allocation failed: the block would be incomplete */
} JsonCtx;

static void put_json(void *ctx, const CimCfgKey *k, const char *text)
{
    JsonCtx *c = ctx;
    if (!text || left_out(k->path))
        return;
    char abs[CIM_PATH_MAX + PATH_MAX];
    if (k->type == CIM_CFG_PATH) {
        abs_path(text, abs, sizeof abs);
        text = abs;
    }
    c->failed |= json_object_set_new(c->o, k->path, json_string(text)) != 0;
}

json_t *cim_run_file_entry(const char *path)
{
    return cim_run_file_entry_as(path, path);
}

json_t *cim_run_file_entry_as(const char *path, const char *read_from)
{
    char abs[CIM_PATH_MAX + PATH_MAX], hex[65];
    abs_path(path, abs, sizeof abs);
    int ok = cim_sha256_file(read_from, hex) == 0;
    return json_pack("{s:s, s:s}", "path", abs, "sha256", ok ? hex : "unreadable");
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void free_list(char **v, long n)
{
    for (long i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Appends the sorted names of folder dir's entries that are of the wanted kind (folders, or
 * regular files ending in suffix) to *v; returns their count, or -1 (out of memory). */
static long list_sorted(const char *dir, int folders, const char *suffix, char ***v)
{
    DIR *d = opendir(dir);
    size_t n = 0, cap = 0;
    int bad = 0;
    *v = NULL;
    for (struct dirent *e; d && (e = readdir(d));) {
        char p[CIM_PATH_MAX + 300];
        struct stat st;
        size_t len = strlen(e->d_name), sl = suffix ? strlen(suffix) : 0;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.' || stat(p, &st) != 0 || (folders ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) ||
            (suffix && (len < sl || strcmp(e->d_name + len - sl, suffix) != 0)))
            continue;
        if (n == cap) {
            char **g = realloc(*v, (cap = cap ? 2 * cap : 16) * sizeof *g);
            if (!g) {
                bad = 1;
                break;
            }
            *v = g;
        }
        if (!((*v)[n] = strdup(e->d_name))) {
            bad = 1;
            break;
        }
        n++;
    }
    if (d)
        closedir(d);
    qsort(*v, n, sizeof **v, cmp_str);
    if (bad) {
        free_list(*v, (long)n);
        *v = NULL;
        return -1;
    }
    return (long)n;
}

/* A ModelNet folder (CLASS/SPLIT/FILE.off): one entry for the meshes of the split (and a
 * training's train split): sha256 over the lines "CLASS/SPLIT/FILE <sha256 of the file>\n"
 * in name order, with the number of files. */
static json_t *modelnet_entry(const CimRunCfg *run)
{
    char split[32], abs[CIM_PATH_MAX + PATH_MAX], hex[65];
    cim_cfg_choice(CIM_SPLIT_NAMES, (int)run->data.split, split, sizeof split);
    const char *splits[2] = {split, run->has_train && strcmp(split, "train") != 0 ? "train" : NULL};
    CimSha256 h;
    cim_sha256_init(&h);
    char **cls;
    long nc = list_sorted(run->data.dir, 1, NULL, &cls), files = 0;
    int unreadable = nc < 0;
    for (long c = 0; c < nc; c++)
        for (int k = 0; k < 2 && splits[k]; k++) {
            char sub[CIM_PATH_MAX + 600], **f;
            snprintf(sub, sizeof sub, "%s/%s/%s", run->data.dir, cls[c], splits[k]);
            long nf = list_sorted(sub, 0, ".off", &f);
            unreadable |= nf < 0;
            for (long i = 0; i < nf; i++) {
                char p[CIM_PATH_MAX + 900], line[1200];
                snprintf(p, sizeof p, "%s/%s", sub, f[i]);
                unreadable |= cim_sha256_file(p, hex) != 0;
                int len = snprintf(line, sizeof line, "%s/%s/%s %s\n", cls[c], splits[k], f[i], hex);
                cim_sha256_update(&h, line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1);
                files++;
            }
            free_list(f, nf);
        }
    free_list(cls, nc);
    cim_sha256_final(&h, hex);
    abs_path(run->data.dir, abs, sizeof abs);
    return json_pack("{s:s, s:s, s:I, s:s}", "path", abs, "sha256", unreadable ? "unreadable" : hex, "files",
                     (json_int_t)files, "sha256_of", "the lines 'CLASS/SPLIT/FILE.off <sha256 of the file>', in name order");
}

/* The data files a run reads: the file itself; a ModelNet folder's meshes (one entry);
 * or in an MNIST folder the files of the split (SPLIT-images-idx3-ubyte,
 * SPLIT-labels-idx1-ubyte), in name order. */
static json_t *data_files(const CimRunCfg *run)
{
    json_t *a = json_array();
    struct stat st;
    int bad = !a;
    if (bad || !run->data.dir[0] || stat(run->data.dir, &st) != 0)
        return a;
    if (S_ISDIR(st.st_mode) && run->data.format == CIM_DATA_MODELNET)
        bad = json_array_append_new(a, modelnet_entry(run)) != 0;
    else if (!S_ISDIR(st.st_mode))
        bad = json_array_append_new(a, cim_run_file_entry(run->data.dir)) != 0;
    else { /* the split's files, and a training's "train" files */
        char split[32], prefix[2][40];
        cim_cfg_choice(CIM_SPLIT_NAMES, (int)run->data.split, split, sizeof split);
        snprintf(prefix[0], sizeof prefix[0], "%s-", split);
        snprintf(prefix[1], sizeof prefix[1], "%s", run->has_train ? "train-" : prefix[0]);
        DIR *d = opendir(run->data.dir);
        char *names[64];
        size_t n = 0;
        for (struct dirent *e; d && (e = readdir(d)) && n < 64;)
            if (!strncmp(e->d_name, prefix[0], strlen(prefix[0])) || !strncmp(e->d_name, prefix[1], strlen(prefix[1]))) {
                if ((names[n] = strdup(e->d_name)))
                    n++;
                else
                    bad = 1;
            }
        if (d)
            closedir(d);
        qsort(names, n, sizeof names[0], cmp_str);
        for (size_t i = 0; i < n; i++) {
            char p[CIM_PATH_MAX + 300];
            snprintf(p, sizeof p, "%s/%s", run->data.dir, names[i]);
            if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
                bad |= json_array_append_new(a, cim_run_file_entry(p)) != 0;
            free(names[i]);
        }
    }
    if (bad) { /* an allocation failed: no list rather than a shorter one */
        json_decref(a);
        return NULL;
    }
    return a;
}

json_t *cim_run_provenance(const CimRunCfg *run, const CimChipCfg *chip, const CimProvCfg *extra)
{
    JsonCtx c = {json_object(), 0};
    c.failed = !c.o;
    cim_cfg_visit(&cim_run_schema, run, put_json, &c);
    cim_cfg_visit(&cim_cfg_schema_chip, chip, put_json, &c);
    cim_cfg_visit(&cim_cfg_schema_tech, &chip->tech, put_json, &c);
    for (const CimProvCfg *e = extra; e && e->schema; e++)
        cim_cfg_visit(e->schema, e->cfg, put_json, &c);
    json_t *files = json_object(), *data = data_files(run);
    int failed = c.failed || !files || !data ||
                 json_object_set_new(files, "network", cim_run_file_entry(run->network_path)) != 0 ||
                 (run->weights_path[0] && json_object_set_new(files, "weights", cim_run_file_entry(run->weights_path)) != 0) ||
                 json_object_set_new(files, "data", json_incref(data)) != 0;
    json_decref(data);
    char fid[32];
    cim_cfg_choice(CIM_FIDELITY_NAMES, (int)run->fidelity, fid, sizeof fid);
    int dirty = cim_prov_dirty();
    json_t *p = failed ? NULL
                       : json_pack("{s:s, s:s, s:o, s:I, s:s, s:O, s:O}", "dcim_version", cim_prov_version(),
                                   "git_commit", cim_prov_commit(), "git_dirty",
                                   dirty < 0 ? json_null() : json_boolean(dirty), "seed", (json_int_t)run->seed,
                                   "fidelity", fid, "files", files, "configuration", c.o);
    json_decref(files);
    json_decref(c.o);
    return p;
}

json_t *cim_run_invocation(const char *run_path, const char *out)
{
    char cwd[PATH_MAX], abs[CIM_PATH_MAX + PATH_MAX], hex[65] = "unreadable";
    if (!getcwd(cwd, sizeof cwd))
        snprintf(cwd, sizeof cwd, "unknown");
    abs_path(out ? out : "", abs, sizeof abs);
    if (run_path)
        cim_sha256_file(run_path, hex);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f}", "command_line", cim_prov_command_line(), "working_dir",
                     cwd, "run_file", run_path ? run_path : "", "run_file_sha256", hex, "out", abs, "host",
                     cim_prov_host(), "started_utc", cim_prov_started_utc(), "wall_s", cim_prov_wall_s());
}

/* ---- resolved YAML ------------------------------------------------------------------ */
typedef struct {
    FILE *f;
    const char *chip_file, *tech_file; /* what run.chip and chip.tech name */
    const char *out;                   /* run.out */
} YamlCtx;

/* A path as resolved.yaml writes it. The loader reads a path relative to the file's folder
 * (the results folder): when that folder lies under the working folder, the path relative
 * to it, so that `dcim run OUT/resolved.yaml` from the same working folder resolves it to
 * the very text the first run had; otherwise absolute. */
static void yaml_path(const char *path, const char *out, char *buf, size_t len)
{
    char cwd[PATH_MAX], t[CIM_PATH_MAX + PATH_MAX], d[CIM_PATH_MAX + PATH_MAX];
    abs_path(path, t, sizeof t);
    abs_path(out, d, sizeof d);
    size_t cl = getcwd(cwd, sizeof cwd) ? strlen(cwd) : 0;
    if (!cl || path[0] == '/' || strncmp(d, cwd, cl) != 0 || (d[cl] != '/' && d[cl] != '\0') ||
        strncmp(t, cwd, cl) != 0 || t[cl] != '/') {
        snprintf(buf, len, "%s", t);
        return;
    }
    /* the common leading folders of t and d, then one ../ per folder of d left */
    size_t i = 0, last = 0;
    while (t[i] && t[i] == d[i]) {
        if (t[i] == '/')
            last = i;
        i++;
    }
    if (!d[i] && t[i] == '/')
        last = i;
    size_t o = 0;
    for (const char *p = d + last; *p && o + 4 < len; p++)
        if (*p == '/') {
            memcpy(buf + o, "../", 3);
            o += 3;
        }
    snprintf(buf + o, len - o, "%s", t + last + 1);
}

static void yaml_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void put_yaml(void *ctx, const CimCfgKey *k, const char *text)
{
    YamlCtx *c = ctx;
    size_t depth = 0;
    for (const char *p = k->path; *p; p++)
        depth += *p == '.';
    const char *name = strrchr(k->path, '.');
    name = name ? name + 1 : k->path;
    fprintf(c->f, "%*s%s:", (int)(2 * depth), "", name);
    if (k->type == CIM_CFG_MAP) {
        fputc('\n', c->f);
        return;
    }
    char abs[CIM_PATH_MAX + PATH_MAX];
    fputc(' ', c->f);
    if (!strcmp(k->path, "run.chip"))
        yaml_string(c->f, c->chip_file);
    else if (!strcmp(k->path, "chip.tech"))
        yaml_string(c->f, c->tech_file);
    else if (!strcmp(k->path, "run.out")) {
        yaml_path(c->out, c->out, abs, sizeof abs);
        yaml_string(c->f, abs);
    } else if (!text) /* a group's source: text, not stored */
        yaml_string(c->f, "as resolved by dcim (the provenance block of stats.json)");
    else if (k->type == CIM_CFG_PATH) {
        yaml_path(text, c->out, abs, sizeof abs);
        yaml_string(c->f, abs);
    } else if (k->type == CIM_CFG_STRING)
        yaml_string(c->f, text);
    else
        fputs(text, c->f);
    fputc('\n', c->f);
}

typedef struct {
    const CimCfgSchema *s;
    const void *cfg;
    const CimRunCfg *run;
} Doc;

static int write_doc(const void *ctx, FILE *f)
{
    const Doc *d = ctx;
    int dirty = cim_prov_dirty();
    fprintf(f, "# The resolved configuration of a dcim run: every value it used, overrides applied\n"
               "# (dcim %s, git commit %s%s). `dcim run %s` runs it again.\n",
            cim_prov_version(), cim_prov_commit(), dirty > 0 ? ", uncommitted changes" : "", CIM_RESOLVED_RUN);
    YamlCtx c = {f, CIM_RESOLVED_CHIP, CIM_RESOLVED_TECH, d->run->out_dir};
    cim_cfg_visit(d->s, d->cfg, put_yaml, &c);
    return 0;
}

CimStatus cim_run_write_resolved(const CimRunCfg *run, const CimChipCfg *chip, const char *dir, CimDiag *diag)
{
    Doc r = {&cim_run_schema, run, run}, c = {&cim_cfg_schema_chip, chip, run}, t = {&cim_cfg_schema_tech, &chip->tech, run};
    CimStatus st = cim_report_write_file(dir, CIM_RESOLVED_RUN, write_doc, &r, diag);
    if (st == CIM_OK)
        st = cim_report_write_file(dir, CIM_RESOLVED_CHIP, write_doc, &c, diag);
    if (st == CIM_OK)
        st = cim_report_write_file(dir, CIM_RESOLVED_TECH, write_doc, &t, diag);
    return st;
}

static int dump_json(const void *o, FILE *f) { return json_dumpf(o, f, CIM_JSON_FLAGS) || fputc('\n', f) == EOF; }

CimStatus cim_run_write_provenance(const CimRunCfg *run, const CimChipCfg *chip, const char *run_path, const char *dir,
                                   CimDiag *diag)
{
    json_t *o = json_pack("{s:o, s:o}", "provenance", cim_run_provenance(run, chip, NULL), "invocation",
                          cim_run_invocation(run_path, run->out_dir));
    CimStatus st = o ? cim_report_write_file(dir, "provenance.json", dump_json, o, diag) : CIM_ERR_NOMEM;
    json_decref(o);
    return st == CIM_OK ? cim_run_write_resolved(run, chip, dir, diag) : st;
}
