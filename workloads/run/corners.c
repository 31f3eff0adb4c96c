/* Corners files (configs/corners.yaml): loading, lookup and the `dcim check` checker (the
 * file-kind registry links it without the comparison; dcim compare's corner sweeps are
 * workloads/compare/corners.c). docs/energy.md, "Corners". */
#include "workloads/run/corners.h"
#include "models/analog/analog.h"
#include "models/gpu/gpu.h"
#include "models/host/host.h"
#include "workloads/run/run_cfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* KEY=VALUE starts with a root dcim compare routes (its dest_of's roots). */
static int key_routed(const char *kv)
{
    for (const CimCfgSchema *const *s = cim_run_roots; *s; s++)
        if (cim_cfg_item_in(kv, *s))
            return 1;
    return cim_cfg_item_in(kv, &cim_analog_schema) || cim_cfg_item_in(kv, &cim_gpu_schema) ||
           cim_cfg_item_in(kv, &cim_host_schema);
}

static void corner_free(CimCorner *c)
{
    for (size_t i = 0; i < c->nset; i++)
        free(c->set[i]);
    free(c->set);
}

void cim_corners_free(CimCorners *cs)
{
    for (size_t i = 0; cs->v && i < cs->n; i++)
        corner_free(&cs->v[i]);
    free(cs->v);
    memset(cs, 0, sizeof *cs);
}

/* [a-z0-9-], starting with a letter; "all" is the --corners word for every corner. */
static int name_ok(const char *s)
{
    if (!(*s >= 'a' && *s <= 'z') || !strcmp(s, "all"))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
            return 0;
    return 1;
}

static CimStatus corner_load(const CimDoc *doc, const CimDocNode *key, const CimDocNode *m, CimCorner *c,
                             CimDiag *d)
{
    const char *name = cim_doc_text(key, NULL);
    if (!name || strlen(name) >= sizeof c->name || !name_ok(name)) {
        cim_doc_error(doc, key, d, "corner names are 1 to %zu characters of a-z, 0-9 and '-', starting with a letter, "
                                   "and not 'all'",
                      sizeof c->name - 1);
        return CIM_ERR_CONFIG;
    }
    snprintf(c->name, sizeof c->name, "%s", name);
    char what[96];
    snprintf(what, sizeof what, "corners.%s", name);
    if (cim_doc_check_keys(doc, m, what, NULL, "description,source,set", d))
        return CIM_ERR_CONFIG;
    const CimDocNode *v = cim_doc_need(doc, m, "description", what, NULL, d);
    if (!v || cim_doc_string(doc, v, what, c->description, sizeof c->description, d) != CIM_OK)
        return CIM_ERR_CONFIG;
    v = cim_doc_get(m, "source");
    if (v && cim_doc_string(doc, v, what, c->source, sizeof c->source, d) != CIM_OK)
        return CIM_ERR_CONFIG;
    const CimDocNode *set = cim_doc_get(m, "set");
    if (!set || cim_doc_kind(set) == CIM_DOC_SCALAR) { /* absent or empty: the files as they are */
        if (set && cim_doc_text(set, NULL) && *cim_doc_text(set, NULL)) {
            cim_doc_error(doc, set, d, "%s.set must be a mapping of KEY: VALUE overrides (or empty)", what);
            return CIM_ERR_CONFIG;
        }
        return CIM_OK;
    }
    if (cim_doc_kind(set) != CIM_DOC_MAP) {
        cim_doc_error(doc, set, d, "%s.set must be a mapping of KEY: VALUE overrides (or empty)", what);
        return CIM_ERR_CONFIG;
    }
    size_t n = cim_doc_len(set);
    if (!(c->set = calloc(n ? n : 1, sizeof *c->set)))
        return CIM_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const char *k = cim_doc_text(cim_doc_key(set, i), NULL), *val = cim_doc_text(cim_doc_value(set, i), NULL);
        if (!k || !val || !*val) {
            cim_doc_error(doc, cim_doc_value(set, i), d, "%s.set.%s must be a scalar value", what, k ? k : "?");
            return CIM_ERR_CONFIG;
        }
        size_t len = strlen(k) + strlen(val) + 2;
        if (!(c->set[c->nset] = malloc(len)))
            return CIM_ERR_NOMEM;
        snprintf(c->set[c->nset++], len, "%s=%s", k, val);
    }
    return CIM_OK;
}

CimStatus cim_corners_load(const char *path, CimCorners *out, CimDiag *d)
{
    memset(out, 0, sizeof *out);
    snprintf(out->path, sizeof out->path, "%s", path);
    CimDoc *doc = NULL;
    CimStatus st = cim_doc_load(path, "corners", &doc, d);
    const CimDocNode *m = st == CIM_OK ? cim_doc_get(cim_doc_root(doc), "corners") : NULL;
    if (st == CIM_OK && cim_doc_check_keys(doc, cim_doc_root(doc), "", NULL, "corners", d))
        st = CIM_ERR_CONFIG;
    if (st == CIM_OK && (cim_doc_kind(m) != CIM_DOC_MAP || cim_doc_len(m) == 0)) {
        cim_doc_error(doc, m, d, "corners must be a mapping of at least one NAME: {description, source, set}");
        st = CIM_ERR_CONFIG;
    }
    size_t n = st == CIM_OK ? cim_doc_len(m) : 0;
    if (st == CIM_OK && !(out->v = calloc(n, sizeof *out->v)))
        st = CIM_ERR_NOMEM;
    for (size_t i = 0; st == CIM_OK && i < n; i++) {
        st = corner_load(doc, cim_doc_key(m, i), cim_doc_value(m, i), &out->v[i], d);
        out->n = i + 1;
    }
    cim_doc_free(doc);
    if (st != CIM_OK)
        cim_corners_free(out);
    return st;
}

CimStatus cim_corners_check(const char *path, CimDiag *d)
{
    CimCorners cs;
    CimStatus st = cim_corners_load(path, &cs, d);
    for (size_t i = 0; st == CIM_OK && i < cs.n; i++)
        for (size_t k = 0; k < cs.v[i].nset; k++)
            if (!key_routed(cs.v[i].set[k])) {
                cim_diag_add(d, CIM_SEV_ERROR, path, 0, 0,
                             "corner '%s': '%s' is no key of dcim compare (run., chip., tech., analog., gpu., host.)",
                             cs.v[i].name, cs.v[i].set[k]);
                st = CIM_ERR_CONFIG;
            }
    if (st == CIM_OK || cs.v)
        cim_corners_free(&cs);
    return st;
}

const CimCorner *cim_corners_find(const CimCorners *cs, const char *name)
{
    for (size_t i = 0; i < cs->n; i++)
        if (!strcmp(cs->v[i].name, name))
            return &cs->v[i];
    return NULL;
}

CimStatus cim_corners_unknown(const CimCorners *cs, const char *name, size_t len, CimDiag *d)
{
    char names[512] = "";
    for (size_t i = 0; i < cs->n; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", cs->v[i].name);
    cim_diag_add(d, CIM_SEV_ERROR, cs->path, 0, 0, "no corner '%.*s'; expected one of: %s (or all)", (int)len, name,
                 names);
    return CIM_ERR_CONFIG;
}

CimStatus cim_corners_lookup(const CimCorners *cs, const char *name, const CimCorner **out, CimDiag *d)
{
    *out = cim_corners_find(cs, name);
    return *out ? CIM_OK : cim_corners_unknown(cs, name, strlen(name), d);
}

