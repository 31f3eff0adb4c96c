/* The sweep definition: factors, points, samples and the definition's SHA-256 (sweep.h). */
#include "workloads/sweep/sweep.h"
#include "workloads/prov/prov.h"
#include "workloads/run/kinds.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

void cim_sweep_def_init(CimSweepDef *d) { memset(d, 0, sizeof *d); }

static void factor_free(CimSweepFactor *f)
{
    for (size_t k = 0; f->keys && k < f->nkeys; k++)
        free(f->keys[k]);
    for (size_t k = 0; f->vals && k < f->nkeys * f->ntuples; k++)
        free(f->vals[k]);
    free(f->keys);
    free(f->vals);
}

void cim_sweep_def_free(CimSweepDef *d)
{
    for (size_t i = 0; i < d->nsets; i++)
        free(d->sets[i]);
    free(d->sets);
    for (size_t i = 0; i < d->nf; i++)
        factor_free(&d->f[i]);
    free(d->f);
    memset(d, 0, sizeof *d);
}

CimStatus cim_sweep_def_set(CimSweepDef *d, const char *item, CimDiag *diag)
{
    if (!strchr(item, '=')) {
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0, "a fixed override needs KEY=VALUE, got '%s'", item);
        return CIM_ERR_CONFIG;
    }
    char **s = realloc(d->sets, (d->nsets + 1) * sizeof *s);
    if (!s)
        return CIM_ERR_NOMEM;
    d->sets = s;
    if (!(s[d->nsets] = dup_str(item)))
        return CIM_ERR_NOMEM;
    d->nsets++;
    return CIM_OK;
}

int cim_sweep_def_fits(size_t nkeys, size_t ntuples, CimDiag *diag)
{
    if (nkeys <= CIM_SWEEP_MAX_KEYS && ntuples <= CIM_SWEEP_MAX_POINTS && nkeys * ntuples <= CIM_SWEEP_MAX_POINTS)
        return 1;
    cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                 "a factor of %zu keys x %zu values is too large: at most %d keys and %d values in all", nkeys, ntuples,
                 CIM_SWEEP_MAX_KEYS, CIM_SWEEP_MAX_POINTS);
    return 0;
}

CimSweepFactor *cim_sweep_def_add_factor(CimSweepDef *d, const char *kind, size_t nkeys, size_t ntuples)
{
    if (nkeys == 0 || ntuples == 0 || !cim_sweep_def_fits(nkeys, ntuples, NULL))
        return NULL;
    CimSweepFactor *f = realloc(d->f, (d->nf + 1) * sizeof *f);
    if (!f)
        return NULL;
    d->f = f;
    f = &d->f[d->nf];
    *f = (CimSweepFactor){.kind = kind, .nkeys = nkeys, .ntuples = ntuples};
    f->keys = calloc(nkeys, sizeof *f->keys);
    f->vals = calloc(nkeys * ntuples, sizeof *f->vals);
    if (!f->keys || !f->vals) {
        factor_free(f);
        return NULL;
    }
    d->nf++;
    return f;
}

CimStatus cim_sweep_def_factor_set(CimSweepFactor *f, size_t tuple, size_t key_index, const char *key,
                                   const char *val)
{
    if (!f->keys[key_index] && !(f->keys[key_index] = dup_str(key)))
        return CIM_ERR_NOMEM;
    char **slot = &f->vals[tuple * f->nkeys + key_index];
    free(*slot);
    *slot = val ? dup_str(val) : NULL;
    return val && !*slot ? CIM_ERR_NOMEM : CIM_OK;
}

CimStatus cim_sweep_def_add_grid(CimSweepDef *d, const char *key, const char *const *vals, size_t n, CimDiag *diag)
{
    if (n == 0) {
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0, "grid key '%s' has no values", key);
        return CIM_ERR_CONFIG;
    }
    CimSweepFactor *f = cim_sweep_def_add_factor(d, "grid", 1, n);
    if (!f)
        return CIM_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        if (cim_sweep_def_factor_set(f, i, 0, key, vals[i]) != CIM_OK)
            return CIM_ERR_NOMEM;
    return CIM_OK;
}

/* ---- samples ---------------------------------------------------------------------- */
/* splitmix64: a small, well-mixed generator, the same sequence on every machine. */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
/* Uniform in [0, 1), 53 bits. */
static double next_unit(uint64_t *s) { return (double)(next_u64(s) >> 11) * 0x1.0p-53; }

/* A position u in [0, 1) of the key's range as the text of a value. */
static void sample_text(const CimSweepSampleKey *k, double u, char *buf, size_t len)
{
    if (k->choices) {
        size_t i = (size_t)(u * (double)k->nchoices);
        snprintf(buf, len, "%s", k->choices[i < k->nchoices ? i : k->nchoices - 1]);
    } else if (k->integer) {
        double span = k->hi - k->lo + 1.0, v = floor(k->lo + u * span);
        snprintf(buf, len, "%.0f", v > k->hi ? k->hi : v);
    } else
        snprintf(buf, len, "%.9g", k->lo + u * (k->hi - k->lo));
}

CimStatus cim_sweep_def_add_sample(CimSweepDef *d, const char *method, size_t count, uint64_t seed,
                                   const CimSweepSampleKey *keys, size_t nkeys, CimDiag *diag)
{
    int lhs = strcmp(method, "lhs") == 0;
    if (!lhs && strcmp(method, "random") != 0) {
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0, "unknown sample method '%s'; expected one of: random, lhs", method);
        return CIM_ERR_CONFIG;
    }
    if (count == 0 || count > CIM_SWEEP_MAX_POINTS || nkeys == 0) {
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                     nkeys ? "a sample needs a count in [1, %d], got %zu" : "a sample needs at least one key (count %d, %zu)",
                     CIM_SWEEP_MAX_POINTS, count);
        return CIM_ERR_CONFIG;
    }
    for (size_t k = 0; k < nkeys; k++)
        if (!keys[k].choices && !(keys[k].lo <= keys[k].hi && isfinite(keys[k].lo) && isfinite(keys[k].hi))) {
            cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0, "sample key '%s': the range needs min <= max, got [%g, %g]",
                         keys[k].key, keys[k].lo, keys[k].hi);
            return CIM_ERR_CONFIG;
        }
    if (!cim_sweep_def_fits(nkeys, count, diag))
        return CIM_ERR_CONFIG;
    CimSweepFactor *f = cim_sweep_def_add_factor(d, lhs ? "lhs" : "random", nkeys, count);
    size_t *perm = malloc(count * sizeof *perm);
    if (!f || !perm) {
        free(perm);
        return CIM_ERR_NOMEM;
    }
    uint64_t s = seed;
    char buf[128];
    CimStatus st = CIM_OK;
    for (size_t k = 0; k < nkeys && st == CIM_OK; k++) {
        /* Latin hypercube: each key's range cut into count strata, one point in each, the
         * strata shuffled per key (Fisher-Yates) */
        for (size_t i = 0; i < count; i++)
            perm[i] = i;
        for (size_t i = count; lhs && i > 1; i--) {
            size_t j = (size_t)(next_u64(&s) % i), t = perm[i - 1];
            perm[i - 1] = perm[j];
            perm[j] = t;
        }
        for (size_t i = 0; i < count && st == CIM_OK; i++) {
            double u = lhs ? ((double)perm[i] + next_unit(&s)) / (double)count : next_unit(&s);
            sample_text(&keys[k], u, buf, sizeof buf);
            st = cim_sweep_def_factor_set(f, i, k, keys[k].key, buf);
        }
    }
    free(perm);
    return st;
}

/* ---- checking and hashing ------------------------------------------------------------ */
/* 1 when key is a value key of the schema of its root (run, chip, tech; analog, gpu for a
 * compare), else an error naming the nearest key. */
static int key_known(const CimSweepDef *d, const char *key, CimDiag *diag)
{
    char root[16];
    size_t rl = strcspn(key, ".");
    snprintf(root, sizeof root, "%.*s", (int)(rl < sizeof root ? rl : sizeof root - 1), key);
    int allowed = !strcmp(root, "run") || !strcmp(root, "chip") || !strcmp(root, "tech") ||
                  (d->command == CIM_SWEEP_COMPARE && (!strcmp(root, "analog") || !strcmp(root, "gpu")));
    const CimCfgKind *k = allowed && key[rl] == '.' ? cim_run_kind(root) : NULL;
    if (!k || !k->schema) {
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0, "swept key '%s' must start with %s", key,
                     d->command == CIM_SWEEP_COMPARE ? "run., chip., tech., analog. or gpu." : "run., chip. or tech.");
        return 0;
    }
    const char *names[512];
    size_t n = 0;
    for (size_t i = 0; i < k->schema->n; i++) {
        if (k->schema->keys[i].type == CIM_CFG_MAP)
            continue;
        if (!strcmp(k->schema->keys[i].path, key))
            return 1;
        if (n < 512)
            names[n++] = k->schema->keys[i].path;
    }
    const char *near = cim_suggest(key, names, n);
    cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0, "unknown swept key '%s'%s%s%s (dcim config-doc %s lists them)", key,
                 near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "", root);
    return 0;
}

static void hash_line(CimSha256 *s, const char *a, const char *b)
{
    cim_sha256_update(s, a, strlen(a));
    cim_sha256_update(s, b ? b : "", b ? strlen(b) : 0);
    cim_sha256_update(s, "\n", 1);
}

CimStatus cim_sweep_def_finish(CimSweepDef *d, CimDiag *diag)
{
    size_t errs = diag->errors;
    if (!d->run[0])
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0, "the sweep names no run file (sweep.run, or --run FILE)");
    if (d->nf == 0)
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                     "the sweep has no points: give a grid, linked keys, points or a sample");
    d->nkeys = 0;
    double total = 1;
    for (size_t i = 0; i < d->nf; i++) {
        total *= (double)d->f[i].ntuples;
        for (size_t k = 0; k < d->f[i].nkeys; k++) {
            const char *key = d->f[i].keys[k];
            int dup = 0;
            for (size_t j = 0; j < d->nkeys && !dup; j++)
                dup = !strcmp(d->keys[j], key);
            if (dup)
                cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0, "key '%s' is swept twice (in two factors)", key);
            else if (d->nkeys == CIM_SWEEP_MAX_KEYS)
                cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0, "more than %d swept keys", CIM_SWEEP_MAX_KEYS);
            else if (key_known(d, key, diag))
                d->keys[d->nkeys++] = key;
        }
    }
    for (size_t i = 0; i < d->nsets; i++) {
        char key[256];
        snprintf(key, sizeof key, "%.*s", (int)strcspn(d->sets[i], "="), d->sets[i]);
        key_known(d, key, diag);
    }
    if (d->nf && total > CIM_SWEEP_MAX_POINTS)
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0, "the sweep has %.0f points; the limit is %d", total,
                     CIM_SWEEP_MAX_POINTS);
    char run_sha[65] = "";
    if (d->run[0] && cim_sha256_file(d->run, run_sha) != 0)
        cim_diag_add(diag, CIM_SEV_ERROR, d->run, 0, 0, "cannot read the run file: %s", strerror(errno));
    if (diag->errors > errs)
        return CIM_ERR_CONFIG;
    d->npoints = (size_t)total;
    /* The identity of the sweep: everything that decides what each point runs */
    CimSha256 s;
    char buf[64];
    cim_sha256_init(&s);
    hash_line(&s, "dcim sweep definition 1", NULL);
    hash_line(&s, "command=", d->command == CIM_SWEEP_RUN ? "run" : "compare");
    hash_line(&s, "run=", d->run);
    hash_line(&s, "run_sha256=", run_sha);
    hash_line(&s, "analog=", d->analog);
    hash_line(&s, "gpu=", d->gpu);
    for (size_t i = 0; i < d->nsets; i++)
        hash_line(&s, "set=", d->sets[i]);
    snprintf(buf, sizeof buf, "points=%zu", d->npoints);
    hash_line(&s, buf, NULL);
    const char *vals[CIM_SWEEP_MAX_KEYS];
    for (size_t p = 0; p < d->npoints; p++) {
        cim_sweep_def_point(d, p, vals);
        for (size_t k = 0; k < d->nkeys; k++)
            if (vals[k]) {
                cim_sha256_update(&s, d->keys[k], strlen(d->keys[k]));
                hash_line(&s, "=", vals[k]);
            }
        hash_line(&s, "end", NULL);
    }
    cim_sha256_final(&s, d->sha256);
    return CIM_OK;
}

void cim_sweep_def_point(const CimSweepDef *d, size_t i, const char **vals)
{
    for (size_t k = 0; k < d->nkeys; k++)
        vals[k] = NULL;
    /* the last factor varies fastest */
    for (size_t fi = d->nf; fi-- > 0;) {
        const CimSweepFactor *f = &d->f[fi];
        size_t t = i % f->ntuples;
        i /= f->ntuples;
        for (size_t j = 0; j < f->nkeys; j++)
            for (size_t m = 0; m < d->nkeys; m++)
                if (!strcmp(d->keys[m], f->keys[j]))
                    vals[m] = f->vals[t * f->nkeys + j];
    }
}

const char *cim_sweep_metric(const CimSweepDef *d)
{
    return d->metric[0] ? d->metric : d->command == CIM_SWEEP_RUN ? "energy_total_pj_per_image" : "digital_energy_pj_per_inference";
}
const char *cim_sweep_pareto_x(const CimSweepDef *d)
{
    return d->pareto_x[0] ? d->pareto_x : d->command == CIM_SWEEP_RUN ? "area_total_um2" : "digital_area_um2";
}
const char *cim_sweep_pareto_y(const CimSweepDef *d)
{
    return d->pareto_y[0] ? d->pareto_y
           : d->command == CIM_SWEEP_RUN ? "energy_total_pj_per_image"
                                         : "digital_energy_pj_per_inference";
}
