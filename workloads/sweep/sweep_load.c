/* Sweep files (docs/sweep.md): a `sweep:` mapping read with the checked YAML readers of
 * models/config, every problem reported as file:line:col. */
#include "workloads/sweep/sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const CimDoc *doc;
    CimSweepDef *d;
    CimDiag *diag;
} Ld;

/* A path relative to the sweep file's folder (absolute paths as they are), normalised. */
static CimStatus rel_path(Ld *l, const CimDocNode *n, const char *what, char *out)
{
    char raw[CIM_PATH_MAX], joined[2 * CIM_PATH_MAX];
    if (cim_doc_string(l->doc, n, what, raw, sizeof raw, l->diag) != CIM_OK)
        return CIM_ERR_CONFIG;
    const char *file = cim_doc_file(l->doc), *slash = strrchr(file, '/');
    if (raw[0] == '/' || !slash)
        snprintf(joined, sizeof joined, "%s", raw);
    else
        snprintf(joined, sizeof joined, "%.*s/%s", (int)(slash - file), file, raw);
    if (strlen(joined) >= CIM_PATH_MAX || cim_path_normalise(joined, out, CIM_PATH_MAX) != 0) {
        cim_doc_error(l->doc, n, l->diag, "%s: the path is longer than %d characters", what, CIM_PATH_MAX - 1);
        return CIM_ERR_CONFIG;
    }
    return CIM_OK;
}

/* A scalar value (any text) of a key; NULL after an error. */
static const char *scalar(Ld *l, const CimDocNode *n, const char *what)
{
    const char *t = cim_doc_kind(n) == CIM_DOC_SCALAR ? cim_doc_text(n, NULL) : NULL;
    if (!t || !*t) {
        char b[64];
        cim_doc_error(l->doc, n, l->diag, "%s must be a value, got %s", what, cim_doc_describe(n, b, sizeof b));
        return NULL;
    }
    return t;
}

/* A key's list of values: a sequence of scalars, at least one. */
static size_t values(Ld *l, const CimDocNode *n, const char *what, const char **out, size_t cap)
{
    if (cim_doc_kind(n) != CIM_DOC_SEQ || cim_doc_len(n) == 0) {
        char b[64];
        cim_doc_error(l->doc, n, l->diag, "%s must be a list of values, e.g. [128, 256], got %s", what,
                      cim_doc_describe(n, b, sizeof b));
        return 0;
    }
    size_t m = cim_doc_len(n);
    if (m > cap) {
        cim_doc_error(l->doc, n, l->diag, "%s has %zu values; the limit is %zu", what, m, cap);
        return 0;
    }
    for (size_t i = 0; i < m; i++)
        if (!(out[i] = scalar(l, cim_doc_item(n, i), what)))
            return 0;
    return m;
}

#define MAX_VALUES 100000

static CimStatus load_grid(Ld *l, const CimDocNode *g)
{
    if (cim_doc_kind(g) != CIM_DOC_MAP) {
        cim_doc_error(l->doc, g, l->diag, "sweep.grid must be a mapping KEY: [VALUES...]");
        return CIM_ERR_CONFIG;
    }
    const char **vals = malloc(MAX_VALUES * sizeof *vals);
    CimStatus st = vals ? CIM_OK : CIM_ERR_NOMEM;
    for (size_t i = 0; i < cim_doc_len(g) && st != CIM_ERR_NOMEM; i++) {
        const char *key = cim_doc_text(cim_doc_key(g, i), NULL);
        size_t m = values(l, cim_doc_value(g, i), key, vals, MAX_VALUES);
        if (m == 0)
            st = CIM_ERR_CONFIG;
        else if (cim_sweep_def_add_grid(l->d, key, vals, m, l->diag) != CIM_OK)
            st = CIM_ERR_NOMEM;
    }
    free(vals);
    return st;
}

/* One linked group: keys with lists of one length, zipped. */
static CimStatus load_linked_group(Ld *l, const CimDocNode *g)
{
    if (cim_doc_kind(g) != CIM_DOC_MAP || cim_doc_len(g) == 0) {
        cim_doc_error(l->doc, g, l->diag, "sweep.linked must be a mapping KEY: [VALUES...] (or a list of them)");
        return CIM_ERR_CONFIG;
    }
    size_t nk = cim_doc_len(g), len = cim_doc_len(cim_doc_value(g, 0));
    for (size_t k = 1; k < nk; k++)
        if (cim_doc_len(cim_doc_value(g, k)) != len) {
            cim_doc_error(l->doc, cim_doc_value(g, k), l->diag,
                          "linked key '%s' has %zu values, '%s' has %zu: linked keys need lists of one length",
                          cim_doc_text(cim_doc_key(g, k), NULL), cim_doc_len(cim_doc_value(g, k)),
                          cim_doc_text(cim_doc_key(g, 0), NULL), len);
            return CIM_ERR_CONFIG;
        }
    if (!cim_sweep_def_fits(nk, len, l->diag))
        return CIM_ERR_CONFIG;
    const char **vals = malloc(MAX_VALUES * sizeof *vals);
    if (!vals)
        return CIM_ERR_NOMEM;
    CimSweepFactor *f = NULL;
    CimStatus st = CIM_OK;
    for (size_t k = 0; k < nk && st == CIM_OK; k++) {
        const char *key = cim_doc_text(cim_doc_key(g, k), NULL);
        size_t m = values(l, cim_doc_value(g, k), key, vals, MAX_VALUES);
        if (m == 0)
            st = CIM_ERR_CONFIG;
        else if (!f && !(f = cim_sweep_def_add_factor(l->d, "linked", nk, m)))
            st = CIM_ERR_NOMEM;
        for (size_t i = 0; i < m && st == CIM_OK; i++)
            st = cim_sweep_def_factor_set(f, i, k, key, vals[i]);
    }
    free(vals);
    return st;
}

static CimStatus load_points(Ld *l, const CimDocNode *p)
{
    if (cim_doc_kind(p) != CIM_DOC_SEQ || cim_doc_len(p) == 0) {
        cim_doc_error(l->doc, p, l->diag, "sweep.points must be a list of mappings {KEY: VALUE, ...}");
        return CIM_ERR_CONFIG;
    }
    /* the keys: every key any point names, in first-seen order */
    const char *keys[CIM_SWEEP_MAX_KEYS];
    size_t nk = 0;
    for (size_t i = 0; i < cim_doc_len(p); i++) {
        const CimDocNode *m = cim_doc_item(p, i);
        if (cim_doc_kind(m) != CIM_DOC_MAP || cim_doc_len(m) == 0) {
            cim_doc_error(l->doc, m, l->diag, "sweep.points[%zu] must be a mapping {KEY: VALUE, ...}", i);
            return CIM_ERR_CONFIG;
        }
        for (size_t k = 0; k < cim_doc_len(m); k++) {
            const char *key = cim_doc_text(cim_doc_key(m, k), NULL);
            size_t j = 0;
            while (j < nk && strcmp(keys[j], key))
                j++;
            if (j == nk && nk == CIM_SWEEP_MAX_KEYS) {
                cim_doc_error(l->doc, cim_doc_key(m, k), l->diag, "more than %d keys in sweep.points", CIM_SWEEP_MAX_KEYS);
                return CIM_ERR_CONFIG;
            }
            if (j == nk)
                keys[nk++] = key;
        }
    }
    if (!cim_sweep_def_fits(nk, cim_doc_len(p), l->diag))
        return CIM_ERR_CONFIG;
    CimSweepFactor *f = cim_sweep_def_add_factor(l->d, "points", nk, cim_doc_len(p));
    if (!f)
        return CIM_ERR_NOMEM;
    CimStatus st = CIM_OK;
    for (size_t k = 0; k < nk && st == CIM_OK; k++)
        st = cim_sweep_def_factor_set(f, 0, k, keys[k], f->vals[k]);
    for (size_t i = 0; i < cim_doc_len(p) && st == CIM_OK; i++) {
        const CimDocNode *m = cim_doc_item(p, i);
        for (size_t k = 0; k < nk && st == CIM_OK; k++) {
            const CimDocNode *v = cim_doc_get(m, keys[k]);
            const char *t = v ? scalar(l, v, keys[k]) : NULL;
            if (v && !t)
                st = CIM_ERR_CONFIG;
            else
                st = cim_sweep_def_factor_set(f, i, k, keys[k], t);
        }
    }
    return st;
}

static int is_integer_text(const char *t)
{
    if (*t == '-' || *t == '+')
        t++;
    if (!*t)
        return 0;
    for (; *t; t++)
        if (*t < '0' || *t > '9')
            return 0;
    return 1;
}

static CimStatus load_sample(Ld *l, const CimDocNode *s)
{
    if (cim_doc_check_keys(l->doc, s, "sweep.sample", NULL, "method,count,seed,keys", l->diag))
        return CIM_ERR_CONFIG;
    int method = 0;
    unsigned count = 0;
    double seed = 1;
    const CimDocNode *keys = cim_doc_need(l->doc, s, "keys", "sweep.sample", NULL, l->diag);
    const CimDocNode *mn = cim_doc_need(l->doc, s, "method", "sweep.sample", NULL, l->diag);
    const CimDocNode *cn = cim_doc_need(l->doc, s, "count", "sweep.sample", NULL, l->diag);
    if (!keys || !mn || !cn || cim_doc_enum(l->doc, mn, "sweep.sample.method", "random,lhs", &method, l->diag) ||
        cim_doc_uint(l->doc, cn, "sweep.sample.count", 1, CIM_SWEEP_MAX_POINTS, &count, l->diag) ||
        (cim_doc_get(s, "seed") && cim_doc_double(l->doc, cim_doc_get(s, "seed"), "sweep.sample.seed", CIM_DOC_CLOSED,
                                                  0, 9007199254740992.0, &seed, l->diag)))
        return CIM_ERR_CONFIG;
    if (cim_doc_kind(keys) != CIM_DOC_MAP || cim_doc_len(keys) == 0 || cim_doc_len(keys) > CIM_SWEEP_MAX_KEYS) {
        cim_doc_error(l->doc, keys, l->diag,
                      "sweep.sample.keys must be a mapping KEY: {min: A, max: B} or KEY: [CHOICES...], 1 to %d keys",
                      CIM_SWEEP_MAX_KEYS);
        return CIM_ERR_CONFIG;
    }
    size_t nk = cim_doc_len(keys);
    CimSweepSampleKey sk[CIM_SWEEP_MAX_KEYS];
    size_t nchoice = 0;
    for (size_t k = 0; k < nk; k++)
        nchoice += cim_doc_kind(cim_doc_value(keys, k)) == CIM_DOC_SEQ ? cim_doc_len(cim_doc_value(keys, k)) : 0;
    const char **choices = malloc((nchoice + 1) * sizeof *choices);
    if (!choices)
        return CIM_ERR_NOMEM;
    CimStatus st = CIM_OK;
    size_t used = 0;
    for (size_t k = 0; k < nk && st == CIM_OK; k++) {
        const char *key = cim_doc_text(cim_doc_key(keys, k), NULL);
        const CimDocNode *v = cim_doc_value(keys, k);
        sk[k] = (CimSweepSampleKey){.key = key};
        if (cim_doc_kind(v) == CIM_DOC_SEQ) {
            size_t m = values(l, v, key, choices + used, MAX_VALUES);
            sk[k].choices = choices + used;
            used += m;
            sk[k].nchoices = m;
            st = m ? CIM_OK : CIM_ERR_CONFIG;
            continue;
        }
        if (cim_doc_check_keys(l->doc, v, key, "a range", "min,max", l->diag)) {
            st = CIM_ERR_CONFIG;
            continue;
        }
        const CimDocNode *lo = cim_doc_need(l->doc, v, "min", key, NULL, l->diag);
        const CimDocNode *hi = cim_doc_need(l->doc, v, "max", key, NULL, l->diag);
        if (!lo || !hi || cim_doc_double(l->doc, lo, "min", CIM_DOC_ANY, 0, 0, &sk[k].lo, l->diag) ||
            cim_doc_double(l->doc, hi, "max", CIM_DOC_ANY, 0, 0, &sk[k].hi, l->diag)) {
            st = CIM_ERR_CONFIG;
            continue;
        }
        sk[k].integer = is_integer_text(cim_doc_text(lo, NULL)) && is_integer_text(cim_doc_text(hi, NULL));
        if (sk[k].lo > sk[k].hi) {
            cim_doc_error(l->doc, v, l->diag, "%s: min must be at most max, got [%g, %g]", key, sk[k].lo, sk[k].hi);
            st = CIM_ERR_CONFIG;
        }
    }
    if (st == CIM_OK)
        st = cim_sweep_def_add_sample(l->d, method ? "lhs" : "random", count, (uint64_t)seed, sk, nk, l->diag);
    free(choices);
    return st;
}

static CimStatus load_linked(Ld *l, const CimDocNode *n)
{
    if (cim_doc_kind(n) != CIM_DOC_SEQ)
        return load_linked_group(l, n);
    CimStatus st = CIM_OK;
    for (size_t i = 0; i < cim_doc_len(n) && st == CIM_OK; i++)
        st = load_linked_group(l, cim_doc_item(n, i));
    return st;
}

static CimStatus load_body(Ld *l, const CimDocNode *s)
{
    static const char valid[] = "command,run,analog,gpu,out,metric,pareto,set,grid,linked,points,sample";
    if (cim_doc_check_keys(l->doc, s, "sweep", NULL, valid, l->diag))
        return CIM_ERR_CONFIG;
    CimSweepDef *d = l->d;
    const CimDocNode *n;
    int cmd = 0;
    if ((n = cim_doc_get(s, "command")) && cim_doc_enum(l->doc, n, "sweep.command", CIM_SWEEP_COMMANDS, &cmd, l->diag))
        return CIM_ERR_CONFIG;
    d->command = (CimSweepCommand)cmd;
    n = cim_doc_need(l->doc, s, "run", "sweep", "the run file every point starts from", l->diag);
    if (!n || rel_path(l, n, "sweep.run", d->run))
        return CIM_ERR_CONFIG;
    if ((n = cim_doc_get(s, "analog")) && rel_path(l, n, "sweep.analog", d->analog))
        return CIM_ERR_CONFIG;
    if ((n = cim_doc_get(s, "gpu")) && rel_path(l, n, "sweep.gpu", d->gpu))
        return CIM_ERR_CONFIG;
    if ((n = cim_doc_get(s, "out")) && rel_path(l, n, "sweep.out", d->out))
        return CIM_ERR_CONFIG;
    if ((n = cim_doc_get(s, "metric")) && cim_doc_string(l->doc, n, "sweep.metric", d->metric, sizeof d->metric, l->diag))
        return CIM_ERR_CONFIG;
    if ((n = cim_doc_get(s, "pareto"))) {
        if (cim_doc_kind(n) != CIM_DOC_SEQ || cim_doc_len(n) != 2) {
            cim_doc_error(l->doc, n, l->diag, "sweep.pareto must be a list of two metrics [X, Y], both minimised");
            return CIM_ERR_CONFIG;
        }
        if (cim_doc_string(l->doc, cim_doc_item(n, 0), "sweep.pareto[0]", d->pareto_x, sizeof d->pareto_x, l->diag) ||
            cim_doc_string(l->doc, cim_doc_item(n, 1), "sweep.pareto[1]", d->pareto_y, sizeof d->pareto_y, l->diag))
            return CIM_ERR_CONFIG;
    }
    if ((n = cim_doc_get(s, "set"))) {
        if (cim_doc_kind(n) != CIM_DOC_MAP) {
            cim_doc_error(l->doc, n, l->diag, "sweep.set must be a mapping KEY: VALUE (fixed for every point)");
            return CIM_ERR_CONFIG;
        }
        for (size_t i = 0; i < cim_doc_len(n); i++) {
            const char *key = cim_doc_text(cim_doc_key(n, i), NULL), *v = scalar(l, cim_doc_value(n, i), key);
            char item[1024];
            if (!v)
                return CIM_ERR_CONFIG;
            snprintf(item, sizeof item, "%s=%s", key, v);
            if (cim_sweep_def_set(d, item, l->diag) != CIM_OK)
                return CIM_ERR_NOMEM;
        }
    }
    CimStatus st = CIM_OK;
    if (st == CIM_OK && (n = cim_doc_get(s, "grid")))
        st = load_grid(l, n);
    if (st == CIM_OK && (n = cim_doc_get(s, "linked")))
        st = load_linked(l, n);
    if (st == CIM_OK && (n = cim_doc_get(s, "points")))
        st = load_points(l, n);
    if (st == CIM_OK && (n = cim_doc_get(s, "sample")))
        st = load_sample(l, n);
    return st;
}

CimStatus cim_sweep_def_load(const char *path, CimSweepDef *d, CimDiag *diag)
{
    CimDoc *doc = NULL;
    CimStatus st = cim_doc_load(path, "sweep", &doc, diag);
    if (st == CIM_OK) {
        Ld l = {.doc = doc, .d = d, .diag = diag};
        const CimDocNode *root = cim_doc_root(doc);
        if (cim_doc_check_keys(doc, root, "", NULL, "sweep", diag))
            st = CIM_ERR_CONFIG;
        else
            st = load_body(&l, cim_doc_get(root, "sweep"));
    }
    cim_doc_free(doc);
    return st;
}
