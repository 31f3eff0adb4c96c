/* Read-only YAML documents for file kinds whose schema lives outside models/config (network
 * files): the tree of yamltree.c behind an opaque handle, and checked readers that reuse
 * the loaders' value conversion, so every message reads like a config error. */
#include "models/config/config_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

_Static_assert((int)CIM_DOC_SCALAR == (int)YT_SCALAR && (int)CIM_DOC_MAP == (int)YT_MAP &&
                   (int)CIM_DOC_SEQ == (int)YT_SEQ,
               "CimDocKind mirrors YtKind");

struct CimDoc {
    YtNode *root;
    char *file;
};

CimStatus cim_doc_load(const char *path, const char *root_key, CimDoc **out, CimDiag *diag)
{
    char expect[128];
    if (root_key)
        snprintf(expect, sizeof expect, "a mapping with a '%.60s' key", root_key);
    else
        snprintf(expect, sizeof expect, "a mapping");
    CfgReport rep = {.diag = diag, .file = path, .expect = expect};
    YtNode *tree = NULL;
    *out = NULL;
    CimStatus st = yt_load_file(path, &rep, &tree);
    if (st == CIM_ERR_IO)
        cfg_error_pos(&rep, 0, 0, "cannot read file: %s", strerror(errno));
    if (!tree)
        return st;
    CimDoc *d = malloc(sizeof *d);
    char *file = malloc(strlen(path) + 1);
    if (!d || !file) {
        free(d);
        free(file);
        yt_free(tree);
        return CIM_ERR_NOMEM;
    }
    d->root = tree;
    d->file = strcpy(file, path);
    *out = d;
    return st;
}

void cim_doc_free(CimDoc *doc)
{
    if (!doc)
        return;
    yt_free(doc->root);
    free(doc->file);
    free(doc);
}

const char *cim_doc_file(const CimDoc *doc) { return doc->file; }
const CimDocNode *cim_doc_root(const CimDoc *doc) { return doc->root; }
CimDocKind cim_doc_kind(const CimDocNode *n) { return n ? (CimDocKind)n->kind : CIM_DOC_SCALAR; }
unsigned cim_doc_line(const CimDocNode *n) { return n ? n->line : 0; }
unsigned cim_doc_col(const CimDocNode *n) { return n ? n->col : 0; }

/* Index into items of the key of the i-th non-repeated pair of map, or map->n. */
static size_t pair_at(const YtNode *map, size_t i)
{
    size_t k = 0;
    for (; k + 1 < map->n; k += 2)
        if (!map->items[k]->dup && i-- == 0)
            return k;
    return map->n;
}

size_t cim_doc_len(const CimDocNode *n)
{
    if (!n || n->kind == YT_SCALAR)
        return 0;
    if (n->kind == YT_SEQ)
        return n->n;
    size_t c = 0;
    for (size_t k = 0; k + 1 < n->n; k += 2)
        c += !n->items[k]->dup;
    return c;
}

const CimDocNode *cim_doc_get(const CimDocNode *map, const char *key) { return yt_map_get(map, key, NULL); }

const CimDocNode *cim_doc_key(const CimDocNode *map, size_t i)
{
    if (!map || map->kind != YT_MAP)
        return NULL;
    size_t k = pair_at(map, i);
    return k < map->n ? map->items[k] : NULL;
}

const CimDocNode *cim_doc_value(const CimDocNode *map, size_t i)
{
    if (!map || map->kind != YT_MAP)
        return NULL;
    size_t k = pair_at(map, i);
    return k < map->n ? map->items[k + 1] : NULL;
}

const CimDocNode *cim_doc_item(const CimDocNode *seq, size_t i)
{
    return (seq && seq->kind == YT_SEQ && i < seq->n) ? seq->items[i] : NULL;
}

const char *cim_doc_text(const CimDocNode *n, size_t *len)
{
    if (!n || n->kind != YT_SCALAR)
        return NULL;
    if (len)
        *len = n->len;
    return n->str;
}

const char *cim_doc_describe(const CimDocNode *n, char *buf, size_t len) { return yt_describe(n, buf, len); }

/* ---- messages ------------------------------------------------------------ */

static void doc_verror(const CimDoc *doc, const CimDocNode *n, CimDiag *diag, CimSeverity sev,
                       const char *fmt, va_list ap)
{
    char msg[900];
    vsnprintf(msg, sizeof msg, fmt, ap);
    CfgReport rep = {.diag = diag, .file = doc->file};
    if (sev == CIM_SEV_ERROR)
        cfg_error(&rep, n, "%s", msg);
    else
        cfg_note_pos(&rep, n ? n->line : 0, n ? n->col : 0, "%s", msg);
}

void cim_doc_error(const CimDoc *doc, const CimDocNode *n, CimDiag *diag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    doc_verror(doc, n, diag, CIM_SEV_ERROR, fmt, ap);
    va_end(ap);
}

void cim_doc_note(const CimDoc *doc, const CimDocNode *n, CimDiag *diag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    doc_verror(doc, n, diag, CIM_SEV_NOTE, fmt, ap);
    va_end(ap);
}

/* ---- checked readers ------------------------------------------------------ */

/* Converts n as key k into field (k->off is 0); reports through diag. */
static CimStatus read_as(const CimDoc *doc, const CimCfgKey *k, const CimDocNode *n, void *field, CimDiag *diag)
{
    CfgReport rep = {.diag = diag, .file = doc->file};
    if (!n) {
        cfg_error(&rep, NULL, "%s is missing", k->path);
        return CIM_ERR_CONFIG;
    }
    return cfg_store_value(k, n, field, &rep) == 0 ? CIM_OK : CIM_ERR_CONFIG;
}

CimStatus cim_doc_uint(const CimDoc *doc, const CimDocNode *n, const char *what, unsigned lo, unsigned hi,
                       unsigned *v, CimDiag *diag)
{
    const CimCfgKey k = {what, CIM_CFG_UINT, CIM_CFG_CLOSED, lo, hi, "", 0, NULL, NULL, ""};
    unsigned x;
    CimStatus st = read_as(doc, &k, n, &x, diag);
    if (st == CIM_OK)
        *v = x;
    return st;
}

CimStatus cim_doc_double(const CimDoc *doc, const CimDocNode *n, const char *what, CimDocRange range,
                         double lo, double hi, double *v, CimDiag *diag)
{
    CimCfgRule rule = range == CIM_DOC_CLOSED ? CIM_CFG_CLOSED : range == CIM_DOC_POSITIVE ? CIM_CFG_POS : CIM_CFG_ANY;
    const CimCfgKey k = {what, CIM_CFG_DOUBLE, rule, lo, hi, "", 0, NULL, NULL, ""};
    double x;
    CimStatus st = read_as(doc, &k, n, &x, diag);
    if (st == CIM_OK)
        *v = x;
    return st;
}

CimStatus cim_doc_bool(const CimDoc *doc, const CimDocNode *n, const char *what, int *v, CimDiag *diag)
{
    const CimCfgKey k = {what, CIM_CFG_BOOL, CIM_CFG_ANY, 0, 0, "", 0, NULL, NULL, ""};
    int x;
    CimStatus st = read_as(doc, &k, n, &x, diag);
    if (st == CIM_OK)
        *v = x;
    return st;
}

CimStatus cim_doc_string(const CimDoc *doc, const CimDocNode *n, const char *what, char *buf, size_t cap,
                         CimDiag *diag)
{
    const CimCfgKey k = {what, cap <= CIM_NAME_MAX ? CIM_CFG_STRING : CIM_CFG_PATH, CIM_CFG_ANY, 0, 0, "", 0, NULL, NULL, ""};
    char x[CIM_PATH_MAX];
    CimStatus st = read_as(doc, &k, n, x, diag);
    if (st != CIM_OK)
        return st;
    if (cap == 0 || n->len >= cap) {
        cim_doc_error(doc, n, diag, "%s must be at most %zu characters, got %zu", what, cap ? cap - 1 : 0, n->len);
        return CIM_ERR_CONFIG;
    }
    memcpy(buf, x, n->len + 1);
    return CIM_OK;
}

CimStatus cim_doc_enum(const CimDoc *doc, const CimDocNode *n, const char *what, const char *choices,
                       int *idx, CimDiag *diag)
{
    const CimCfgKey k = {what, CIM_CFG_ENUM, CIM_CFG_ANY, 0, 0, "", 0, NULL, choices, ""};
    int x;
    CimStatus st = read_as(doc, &k, n, &x, diag);
    if (st == CIM_OK)
        *idx = x;
    return st;
}

/* " (detail)" or "". */
static const char *paren(const char *detail, char *buf, size_t len)
{
    if (detail && detail[0])
        snprintf(buf, len, " (%.60s)", detail);
    else
        buf[0] = '\0';
    return buf;
}

const CimDocNode *cim_doc_need(const CimDoc *doc, const CimDocNode *map, const char *key, const char *what,
                               const char *detail, CimDiag *diag)
{
    if (!map || map->kind != YT_MAP)
        return NULL;
    const CimDocNode *v = yt_map_get(map, key, NULL);
    char d[72];
    if (!v && what[0])
        cim_doc_error(doc, map, diag, "missing key '%s' in '%s'%s", key, what, paren(detail, d, sizeof d));
    else if (!v)
        cim_doc_error(doc, map, diag, "missing key '%s' at top level%s", key, paren(detail, d, sizeof d));
    return v;
}

/* 1 if the key's text is one of the comma-separated names in valid. */
static int key_valid(const YtNode *key, const char *valid)
{
    for (const char *c = valid; *c;) {
        size_t n = strcspn(c, ",");
        if (n == key->len && memcmp(c, key->str, n) == 0)
            return 1;
        c += n + (c[n] == ',');
    }
    return 0;
}

/* "a, b, c" from "a,b,c" into buf. */
static const char *list_text(const char *valid, char *buf, size_t len)
{
    size_t o = 0;
    for (const char *c = valid; *c && o + 3 < len; c++) {
        buf[o++] = *c;
        if (*c == ',')
            buf[o++] = ' ';
    }
    buf[o] = '\0';
    return buf;
}

size_t cim_doc_check_keys(const CimDoc *doc, const CimDocNode *map, const char *what, const char *detail,
                          const char *valid, CimDiag *diag)
{
    char got[64], d[72], list[512];
    if (!map)
        return 0;
    if (map->kind != YT_MAP) {
        yt_describe(map, got, sizeof got);
        if (what[0])
            cim_doc_error(doc, map, diag, "%s must be a mapping of keys, got %s", what, got);
        else
            cim_doc_error(doc, map, diag, "the top level must be a mapping of keys, got %s", got);
        return 1;
    }
    size_t errors = 0;
    list_text(valid, list, sizeof list);
    paren(detail, d, sizeof d);
    for (size_t k = 0; k + 1 < map->n; k += 2) {
        const YtNode *key = map->items[k];
        if (key->dup || key_valid(key, valid))
            continue;
        yt_describe(key, got, sizeof got);
        char near[96];
        cfg_did_you_mean(key->str, key->len, list, near, sizeof near);
        if (what[0])
            cim_doc_error(doc, key, diag, "unknown key %s in '%s'%s; expected one of: %s%s", got, what, d, list,
                          near);
        else
            cim_doc_error(doc, key, diag, "unknown key %s at top level%s; expected one of: %s%s", got, d, list,
                          near);
        errors++;
    }
    return errors;
}
