/* Loads a file against its key schema into its typed struct: walks the YAML tree against
 * the table, applies key.path=value overrides, reports every problem compiler style
 * (STYLE.md section 3), writes the output only when all is valid; picks a file's kind. */
#include "models/config/config_impl.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define CFG_PATH_LEN 256

/* ---- walking a tree against a schema ------------------------------------ */

typedef struct {
    const CimCfgSchema *s;
    CfgReport *rep;
    void *out;
    const YtNode **seen; /* per schema key: the value node stored, or NULL */
} Walk;

static void join(char *buf, const char *parent, const char *seg, size_t seglen)
{
    if (parent[0])
        snprintf(buf, CFG_PATH_LEN, "%s.%.*s", parent, (int)seglen, seg);
    else
        snprintf(buf, CFG_PATH_LEN, "%.*s", (int)seglen, seg);
}

static void report_missing(Walk *w, const YtNode *map, const char *path)
{
    for (size_t i = 0; i < w->s->n; i++) {
        const char *seg = cfg_schema_child(w->s->keys[i].path, path);
        if (!seg || yt_map_get(map, seg, NULL) || w->s->keys[i].rule == CIM_CFG_OPTIONAL ||
            cfg_key_fillable(w->s, &w->s->keys[i]))
            continue;
        if (path[0])
            cfg_error(w->rep, map, "missing key '%s' in '%s'", seg, path);
        else
            cfg_error(w->rep, map, "missing key '%s' at top level", seg);
    }
}

static void report_unknown(Walk *w, const YtNode *key, const char *path)
{
    char got[64], list[512], near[96];
    yt_describe(key, got, sizeof got);
    cfg_schema_children(w->s, path, list, sizeof list);
    cfg_did_you_mean(key->str, key->len, list, near, sizeof near);
    if (path[0])
        cfg_error(w->rep, key, "unknown key %s in '%s'; expected one of: %s%s", got, path, list, near);
    else
        cfg_error(w->rep, key, "unknown key %s at top level; expected one of: %s%s", got, list, near);
}

static void walk_map(Walk *w, const YtNode *map, const char *path);

static void walk_pair(Walk *w, const YtNode *key, const YtNode *val, const char *path)
{
    char child[CFG_PATH_LEN];
    long idx = -1;
    if (key->len < 64 && strlen(key->str) == key->len) {
        join(child, path, key->str, key->len);
        idx = cfg_schema_find(w->s, child);
    }
    if (idx < 0) {
        report_unknown(w, key, path);
        return;
    }
    const CimCfgKey *k = &w->s->keys[idx];
    if (k->type == CIM_CFG_MAP && k->rule == CIM_CFG_OPTIONAL && k->off != CIM_CFG_NOFIELD && val->kind == YT_MAP) {
        int present = 1;
        memcpy((char *)w->out + k->off, &present, sizeof present);
    }
    if (k->type == CIM_CFG_MAP)
        walk_map(w, val, child);
    else if (cfg_store_value(k, val, w->out, w->rep) == 0)
        w->seen[idx] = val;
}

static void walk_map(Walk *w, const YtNode *map, const char *path)
{
    char got[64];
    if (map->kind != YT_MAP) {
        yt_describe(map, got, sizeof got);
        if (path[0])
            cfg_error(w->rep, map, "%s must be a mapping of keys, got %s", path, got);
        else
            cfg_error(w->rep, map, "the top level must be a mapping with the key '%s', got %s",
                      w->s->root, got);
        return;
    }
    for (size_t i = 0; i + 1 < map->n; i += 2)
        if (!map->items[i]->dup)
            walk_pair(w, map->items[i], map->items[i + 1], path);
    report_missing(w, map, path);
}

/* ---- rules between keys ---------------------------------------------------- */

static const YtNode *seen_at(const CimCfgRules *r, const char *path)
{
    long i = cfg_schema_find(r->s, path);
    return i >= 0 ? r->seen[i] : NULL;
}

const char *cim_cfg_rule_value(const CimCfgRules *r, const char *path, char *buf, size_t len)
{
    const YtNode *n = seen_at(r, path);
    return n ? yt_text(n, buf, len) : NULL;
}

void cim_cfg_rule_error(CimCfgRules *r, const char *path, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const YtNode *at = seen_at(r, path);
    assert(at && "a rule reports at a key it found valid");
    cfg_error(r->rep, at, "%s", msg);
}

/* Validates tree against schema s into out; seen (s->n entries) receives the valid value
 * nodes. */
static void validate(const CimCfgSchema *s, const YtNode *tree, void *out, CfgReport *rep, const YtNode **seen)
{
    memset(seen, 0, s->n * sizeof *seen);
    Walk w = {.s = s, .rep = rep, .out = out, .seen = seen};
    walk_map(&w, tree, "");
    CimCfgRules r = {.s = s, .rep = rep, .seen = seen};
    if (s->rules)
        s->rules(&r, out);
}

/* ---- overrides ---------------------------------------------------------- */

static void ov_error(CfgReport *rep, const char *item, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void ov_error(CfgReport *rep, const char *item, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    YtNode at;
    memset(&at, 0, sizeof at);
    at.origin = item;
    cfg_error(rep, &at, "%s", msg);
}

/* The schema among the allowed ones whose root is the first segment of keypath. */
static const CimCfgSchema *ov_schema(const char *keypath, const CimCfgSchema *const *allow)
{
    size_t n = strcspn(keypath, ".");
    for (; *allow; allow++)
        if (strlen((*allow)->root) == n && strncmp(keypath, (*allow)->root, n) == 0)
            return *allow;
    return NULL;
}

/* "chip, tech": the allowed roots, comma separated, into buf. */
static const char *roots_list(const CimCfgSchema *const *allow, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (; *allow && o < len; allow++) {
        int w = snprintf(buf + o, len - o, "%s%s", o ? ", " : "", (*allow)->root);
        if (w < 0)
            break;
        o += (size_t)w;
    }
    return buf;
}

/* Checks that keypath names one value key of s; says why not when rep is set. */
static int ov_path_ok(const CimCfgSchema *s, const char *keypath, const char *item, CfgReport *rep)
{
    char parent[CFG_PATH_LEN] = "", cur[CFG_PATH_LEN], list[512], near[96];
    for (const char *seg = keypath;;) {
        size_t n = strcspn(seg, ".");
        int last = seg[n] == '\0';
        join(cur, parent, seg, n);
        long idx = cfg_schema_find(s, cur);
        if (idx < 0) {
            if (rep) {
                cfg_schema_children(s, parent, list, sizeof list);
                ov_error(rep, item, "unknown key '%.*s' in '%s'; expected one of: %s%s", (int)n, seg, parent, list,
                         cfg_did_you_mean(seg, n, list, near, sizeof near));
            }
            return 0;
        }
        if (last != (s->keys[idx].type != CIM_CFG_MAP)) {
            if (rep)
                ov_error(rep, item, last ? "'%s' is a group of keys, not a value"
                                         : "'%s' is a value, not a group of keys", cur);
            return 0;
        }
        if (last)
            return 1;
        memcpy(parent, cur, sizeof parent);
        seg += n + 1;
    }
}

/* Splits item "a.b=v" into keypath and value and checks the path; 0 if unusable. */
static int ov_parse(const char *item, const CimCfgSchema *const *allow, CfgReport *rep, char *keypath,
                    const char **value)
{
    const char *eq = strchr(item, '=');
    if (!eq || eq == item || (size_t)(eq - item) >= CFG_PATH_LEN) {
        if (rep)
            ov_error(rep, item, "not of the form key.path=value, e.g. chip.array.rows=128");
        return 0;
    }
    memcpy(keypath, item, (size_t)(eq - item));
    keypath[eq - item] = '\0';
    *value = eq + 1;
    const CimCfgSchema *s = ov_schema(keypath, allow);
    if (!s) {
        char list[64], near[96];
        size_t n = strcspn(keypath, ".");
        roots_list(allow, list, sizeof list);
        if (rep)
            ov_error(rep, item, "unknown key '%.*s' at top level; expected one of: %s%s", (int)n, keypath, list,
                     cfg_did_you_mean(keypath, n, list, near, sizeof near));
        return 0;
    }
    return ov_path_ok(s, keypath, item, rep);
}

static void ov_check_all(const CimOverrides *ov, const CimCfgSchema *const *allow, CfgReport *rep)
{
    char keypath[CFG_PATH_LEN];
    const char *value;
    for (size_t i = 0; ov && i < ov->n; i++)
        ov_parse(ov->items[i] ? ov->items[i] : "", allow, rep, keypath, &value);
}

static YtNode *scalar_new(const char *text, size_t len, const char *origin)
{
    YtNode *n = yt_new(YT_SCALAR, origin);
    char *s = malloc(len + 1);
    if (!n || !s) {
        free(n);
        free(s);
        return NULL;
    }
    memcpy(s, text, len);
    s[len] = '\0';
    n->str = s;
    n->len = len;
    return n;
}

/* Appends key (text) and val to map; val is freed on failure. */
static YtNode *map_add(YtNode *map, const char *key, size_t len, YtNode *val, const char *origin)
{
    YtNode *k = scalar_new(key, len, origin);
    if (!k || !val || yt_append(map, k) != 0) {
        yt_free(k);
        yt_free(val);
        return NULL;
    }
    if (yt_append(map, val) != 0) {
        map->n--;
        yt_free(k);
        yt_free(val);
        return NULL;
    }
    return val;
}

/* Sets keypath (already checked) to the scalar value in tree, making groups as needed.
 * A group the file wrote as something else is left for validation to report. */
static CimStatus tree_set(YtNode *tree, const char *keypath, const char *value, const char *item)
{
    YtNode *map = tree;
    for (const char *seg = keypath; map && map->kind == YT_MAP;) {
        size_t n = strcspn(seg, "."), i;
        for (i = 0; i + 1 < map->n; i += 2) {
            const YtNode *k = map->items[i];
            if (!k->dup && k->len == n && memcmp(k->str, seg, n) == 0)
                break;
        }
        int found = i + 1 < map->n;
        if (seg[n] == '\0') {
            YtNode *v = scalar_new(value, strlen(value), item);
            if (found && v) {
                yt_free(map->items[i + 1]);
                map->items[i + 1] = v;
                return CIM_OK;
            }
            return (v && map_add(map, seg, n, v, item)) ? CIM_OK : CIM_ERR_NOMEM;
        }
        map = found ? map->items[i + 1] : map_add(map, seg, n, yt_new(YT_MAP, item), item);
        if (!map)
            return CIM_ERR_NOMEM;
        seg += n + 1;
    }
    return CIM_OK;
}

/* Applies the valid overrides whose path starts with s->root. */
static CimStatus ov_apply(YtNode *tree, const CimCfgSchema *s, const CimOverrides *ov)
{
    char keypath[CFG_PATH_LEN];
    const char *value;
    size_t rl = strlen(s->root);
    const CimCfgSchema *const only[] = {s, NULL};
    for (size_t i = 0; tree && ov && i < ov->n; i++) {
        const char *item = ov->items[i] ? ov->items[i] : "";
        if (strncmp(item, s->root, rl) != 0 || item[rl] != '.' || !ov_parse(item, only, NULL, keypath, &value))
            continue;
        if (tree_set(tree, keypath, value, item) != CIM_OK)
            return CIM_ERR_NOMEM;
    }
    return CIM_OK;
}

/* ---- loading ------------------------------------------------------------ */

/* A file read against a schema: its tree (overrides applied) and, per schema key, the
 * valid value node in it. */
typedef struct {
    YtNode *tree;
    const YtNode **seen;
    CfgBases bases; /* the files its extends chain read */
} Loaded;

static void loaded_free(Loaded *l)
{
    yt_free(l->tree);
    free(l->seen);
    cfg_bases_free(&l->bases);
}

/* Reads path, applies the overrides for s and validates into out. */
/* The defaults of the keys of every optional group, for a file that leaves the group out
 * (written, the group's keys are required and overwrite them): chip.mapping left out is
 * the default policy, whatever a default's stored value (replicate none is 1). */
static void store_optional_defaults(const CimCfgSchema *s, void *out, CfgReport *rep)
{
    for (size_t g = 0; g < s->n; g++) {
        size_t len = strlen(s->keys[g].path);
        if (s->keys[g].type != CIM_CFG_MAP || s->keys[g].rule != CIM_CFG_OPTIONAL)
            continue;
        for (size_t i = 0; i < s->n; i++)
            if (strncmp(s->keys[i].path, s->keys[g].path, len) == 0 && s->keys[i].path[len] == '.')
                cfg_store_default(&s->keys[i], out, rep);
    }
}

static CimStatus load_one(const char *path, const CimCfgSchema *s, const CimOverrides *ov, void *out,
                          CfgReport *rep, Loaded *l)
{
    store_optional_defaults(s, out, rep);
    l->tree = NULL;
    l->bases.n = 0;
    l->seen = calloc(s->n, sizeof *l->seen);
    if (!l->seen)
        return CIM_ERR_NOMEM;
    CimStatus st = yt_load_file(path, rep, &l->tree);
    if (st == CIM_ERR_IO || st == CIM_ERR_NOMEM)
        return st;
    CimStatus ext = l->tree ? cfg_extends_apply(path, s, rep, &l->tree, &l->bases) : CIM_OK;
    if (ext == CIM_ERR_NOMEM || ext == CIM_ERR_IO)
        return ext;
    if (l->tree && ov_apply(l->tree, s, ov) != CIM_OK)
        return CIM_ERR_NOMEM;
    cfg_fill_defaults(s, out);
    if (l->tree && ext == CIM_OK) /* without its base the file would only report missing keys */
        validate(s, l->tree, out, rep, l->seen);
    return st != CIM_OK ? st : ext;
}

/* A relative path in buf[CIM_PATH_MAX], read from file, becomes relative to the working
 * directory: file's directory is put in front (an absolute path stays as it is), and the
 * result is normalised ("configs/runs/../chip/x.yaml" -> "configs/chip/x.yaml"). */
static int resolve_path(const char *file, char *buf, const YtNode *at, const char *key, CfgReport *rep)
{
    char raw[CIM_PATH_MAX], joined[2 * CIM_PATH_MAX];
    memcpy(raw, buf, sizeof raw);
    const char *slash = strrchr(file, '/');
    int dir = (raw[0] == '/' || !slash) ? 0 : (int)(slash - file) + 1;
    int w = snprintf(joined, sizeof joined, "%.*s%s", dir, file, raw);
    int r = w < 0 || (size_t)w >= sizeof joined ? -1 : cim_path_normalise(joined, buf, CIM_PATH_MAX);
    if (r == -2) {
        rep->nomem = 1;
        return -1;
    }
    if (r != 0) {
        memcpy(buf, raw, sizeof raw);
        cfg_error(rep, at, "%s resolves to a path longer than %d characters", key, CIM_PATH_MAX - 1);
        return -1;
    }
    return 0;
}

/* Loads c->tech from c->tech_path; its errors name the tech file and are followed by a
 * note at the chip file's tech: value (at). */
static CimStatus load_chip_tech(CimChipCfg *c, const CimOverrides *ov, const YtNode *at, CfgReport *chip_rep)
{
    CfgReport rep = {.diag = chip_rep->diag, .file = c->tech_path, .expect = "a mapping with a 'tech' key"};
    rep.note_file = at->origin ? "<override>" : at->file ? at->file : chip_rep->file;
    rep.note_line = at->line;
    rep.note_col = at->col;
    rep.note_msg = "tech file selected here";
    Loaded l;
    CimStatus st = load_one(c->tech_path, &cim_cfg_schema_tech, ov, &c->tech, &rep, &l);
    if (st == CIM_ERR_IO) {
        cfg_error(chip_rep, at, "cannot read tech file '%s': %s", c->tech_path, strerror(errno));
        st = CIM_ERR_CONFIG;
    }
    loaded_free(&l);
    return (st == CIM_OK && rep.errors) ? CIM_ERR_CONFIG : st;
}

static CimStatus worst(CimStatus a, CimStatus b)
{
    if (a == CIM_ERR_NOMEM || b == CIM_ERR_NOMEM)
        return CIM_ERR_NOMEM;
    if (a == CIM_ERR_IO || b == CIM_ERR_IO)
        return CIM_ERR_IO;
    return a != CIM_OK ? a : b;
}

/* Final status of a loader; copies tmp (size bytes) to out only when all is valid. */
static CimStatus finish(CimStatus st, const CfgReport *rep, void *out, const void *tmp, size_t size)
{
    if (st == CIM_OK && rep->nomem)
        st = CIM_ERR_NOMEM;
    if (st == CIM_OK && rep->errors)
        st = CIM_ERR_CONFIG;
    if (st == CIM_OK)
        memcpy(out, tmp, size);
    return st;
}

CimStatus cim_cfg_load_chip(const char *path, const CimOverrides *ov, CimChipCfg *out, CimDiag *diag)
{
    static const CimCfgSchema *const roots[] = {&cim_cfg_schema_chip, &cim_cfg_schema_tech, NULL};
    CfgReport rep = {.diag = diag, .file = path};
    CimChipCfg tmp;
    Loaded l;
    memset(&tmp, 0, sizeof tmp);
    ov_check_all(ov, roots, &rep);
    CimStatus st = load_one(path, &cim_cfg_schema_chip, ov, &tmp, &rep, &l);
    if (st == CIM_ERR_IO)
        cfg_error_pos(&rep, 0, 0, "cannot read file: %s", strerror(errno));
    const YtNode *tech = l.tree ? l.seen[cfg_schema_find(&cim_cfg_schema_chip, "chip.tech")] : NULL;
    if (tech && st != CIM_ERR_NOMEM && resolve_path(tech->file ? tech->file : path, tmp.tech_path, tech, "chip.tech", &rep) == 0)
        st = worst(st, load_chip_tech(&tmp, ov, tech, &rep));
    loaded_free(&l);
    return finish(st, &rep, out, &tmp, sizeof tmp);
}

CimStatus cim_cfg_load_tech(const char *path, const CimOverrides *ov, CimTechCfg *out, CimDiag *diag)
{
    return cim_cfg_load(path, &cim_cfg_schema_tech, ov, out, diag);
}

/* Resolves every non-empty path key of schema s in out, a file read from file. Paths set
 * by an override are left as written: on a command line they mean the working directory. */
/* The stored text of path key k in out, or NULL when k is not a stored path. The offset is
 * only added when it is a field's (CIM_CFG_NOFIELD + out would overflow the pointer). */
static char *path_field(const CimCfgKey *k, void *out)
{
    return k->type == CIM_CFG_PATH && k->off != CIM_CFG_NOFIELD ? (char *)out + k->off : NULL;
}

static void resolve_paths(const CimCfgSchema *s, const char *file, void *out, const YtNode *const *seen,
                          CfgReport *rep)
{
    for (size_t i = 0; i < s->n; i++) {
        char *buf = path_field(&s->keys[i], out);
        if (buf && seen[i] && !seen[i]->origin && buf[0])
            resolve_path(seen[i]->file ? seen[i]->file : file, buf, seen[i], s->keys[i].path, rep);
    }
}

CimStatus cim_cfg_load(const char *path, const CimCfgSchema *s, const CimOverrides *ov, void *out, CimDiag *diag)
{
    char expect[100];
    snprintf(expect, sizeof expect, "a mapping with a '%.60s' key", s->root);
    CfgReport rep = {.diag = diag, .file = path, .expect = expect};
    const CimCfgSchema *const roots[] = {s, NULL};
    void *tmp = calloc(1, s->size);
    if (!tmp)
        return CIM_ERR_NOMEM;
    Loaded l;
    ov_check_all(ov, roots, &rep);
    CimStatus st = load_one(path, s, ov, tmp, &rep, &l);
    if (st == CIM_ERR_IO)
        cfg_error_pos(&rep, 0, 0, "cannot read file: %s", strerror(errno));
    if (l.tree && st != CIM_ERR_NOMEM)
        resolve_paths(s, path, tmp, l.seen, &rep);
    loaded_free(&l);
    st = finish(st, &rep, out, tmp, s->size);
    free(tmp);
    return st;
}

/* ---- checking a file of any kind ------------------------------------------ */

/* The n names, separated as a list: "a, b, c" (quoted = 0) or "'a', 'b' or 'c'"
 * (quoted = 1), into buf; name(i) gives the i-th. */
static const char *list_text(size_t n, int quoted, const char *(*name)(const void *, size_t), const void *tab,
                             const char *suffix, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && o < len; i++) {
        const char *sep = i == 0 ? "" : (quoted && i + 1 == n) ? " or " : ", ";
        int w = snprintf(buf + o, len - o, quoted ? "%s'%s%s'" : "%s%s%s", sep, name(tab, i), suffix);
        if (w < 0)
            break;
        o += (size_t)w;
    }
    return buf;
}

static const char *kind_key(const void *tab, size_t i) { return ((const CimCfgKind *)tab)[i].key; }
static const char *schema_root(const void *tab, size_t i) { return ((const CimCfgSchema *const *)tab)[i]->root; }

const char *cim_cfg_roots_text(const CimCfgSchema *const *schemas, size_t n, char *buf, size_t len)
{
    list_text(n, 0, schema_root, schemas, ".", buf, len);
    char *last = n > 1 ? strrchr(buf, ',') : NULL; /* "run., chip., tech." -> "run., chip. or tech." */
    if (last && strlen(buf) + 3 < len) {
        memmove(last + 3, last + 1, strlen(last + 1) + 1);
        memcpy(last, " or", 3);
    }
    return buf;
}

int cim_cfg_item_in(const char *item, const CimCfgSchema *s)
{
    size_t n = strlen(s->root);
    return strncmp(item, s->root, n) == 0 && item[n] == '.';
}

/* The file is of no known kind: report its tree problems, then why. */
static CimStatus report_kind(const char *path, const CimCfgKind *kinds, size_t nk, CimDiag *diag)
{
    char quoted[256], plain[256], expect[300], got[64], near[96];
    list_text(nk, 1, kind_key, kinds, "", quoted, sizeof quoted);
    list_text(nk, 0, kind_key, kinds, "", plain, sizeof plain);
    snprintf(expect, sizeof expect, "a mapping with a %s key", quoted);
    CfgReport rep = {.diag = diag, .file = path, .expect = expect};
    YtNode *tree = NULL;
    CimStatus st = yt_load_file(path, &rep, &tree);
    if (tree && tree->kind != YT_MAP)
        cfg_error(&rep, tree, "the top level must be a mapping with the key %s, got %s", quoted,
                  yt_describe(tree, got, sizeof got));
    else if (tree && tree->n == 0)
        cfg_error(&rep, tree, "missing key %s at top level", quoted);
    for (size_t i = 0; tree && tree->kind == YT_MAP && i + 1 < tree->n; i += 2)
        if (!tree->items[i]->dup)
            cfg_error(&rep, tree->items[i], "unknown key %s at top level; expected one of: %s%s",
                      yt_describe(tree->items[i], got, sizeof got), plain,
                      cfg_did_you_mean(tree->items[i]->str, tree->items[i]->len, plain, near, sizeof near));
    yt_free(tree);
    return st == CIM_ERR_NOMEM ? st : CIM_ERR_CONFIG;
}

/* Index into kinds of the first kind whose top-level key the file has, -1 if none; *st as
 * read. */
static long file_kind(const char *path, const CimCfgKind *kinds, size_t nk, CimStatus *st, int *err)
{
    CimDiag scratch;
    cim_diag_init(&scratch);
    CfgReport r0 = {.diag = &scratch, .file = path};
    YtNode *tree = NULL;
    *st = yt_load_file(path, &r0, &tree);
    *err = errno;
    long kind = -1;
    for (size_t i = 0; i < nk && kind < 0; i++)
        if (yt_map_get(tree, kinds[i].key, NULL))
            kind = (long)i;
    yt_free(tree);
    cim_diag_free(&scratch);
    return kind;
}

CimStatus cim_cfg_check_kinds(const char *path, const CimCfgKind *kinds, size_t n, CimDiag *diag)
{
    CimStatus st;
    int err;
    long kind = file_kind(path, kinds, n, &st, &err);
    if (st == CIM_ERR_NOMEM)
        return st;
    if (st == CIM_ERR_IO) {
        CfgReport rep = {.diag = diag, .file = path};
        cfg_error_pos(&rep, 0, 0, "cannot read file: %s", strerror(err));
        return st;
    }
    return kind < 0 ? report_kind(path, kinds, n, diag) : kinds[kind].check(path, diag);
}

CimStatus cim_cfg_check_chip(const char *path, CimDiag *diag)
{
    CimChipCfg c;
    return cim_cfg_load_chip(path, NULL, &c, diag);
}

CimStatus cim_cfg_check_tech(const char *path, CimDiag *diag)
{
    CimTechCfg t;
    return cim_cfg_load_tech(path, NULL, &t, diag);
}

CimStatus cim_cfg_check(const char *path, CimDiag *diag)
{
    static const CimCfgKind own[] = {
        {.key = "chip", .check = cim_cfg_check_chip, .schema = &cim_cfg_schema_chip},
        {.key = "tech", .check = cim_cfg_check_tech, .schema = &cim_cfg_schema_tech},
    };
    return cim_cfg_check_kinds(path, own, sizeof own / sizeof own[0], diag);
}

/* ---- defaults ----------------------------------------------------------- */

/* Stores the default of every stored key of s into out; returns the number of defaults
 * the table holds that its own rules reject (0 for a valid table). */
static size_t store_defaults(const CimCfgSchema *s, void *out, CimDiag *d)
{
    CfgReport rep = {.diag = d, .file = "<defaults>"};
    for (size_t i = 0; i < s->n; i++)
        cfg_store_default(&s->keys[i], out, &rep);
    return rep.errors;
}

void cim_cfg_schema_defaults(const CimCfgSchema *s, const char *file, void *out)
{
    CimDiag d;
    cim_diag_init(&d);
    memset(out, 0, s->size);
    size_t errors = store_defaults(s, out, &d);
    CfgReport rep = {.diag = &d, .file = "<defaults>"};
    for (size_t i = 0; file && i < s->n; i++) {
        char *buf = path_field(&s->keys[i], out);
        if (buf && buf[0])
            resolve_path(file, buf, NULL, s->keys[i].path, &rep);
    }
    assert(errors == 0 && rep.errors == 0 && "a schema default is invalid");
    (void)errors;
    cim_diag_free(&d);
}

void cim_cfg_defaults(CimChipCfg *out)
{
    cim_cfg_schema_defaults(&cim_cfg_schema_chip, NULL, out);
    cim_cfg_schema_defaults(&cim_cfg_schema_tech, NULL, &out->tech);
    /* The default file's tech: resolved from the repository root. */
    snprintf(out->tech_path, sizeof out->tech_path, "configs/tech/180nm_1t1r.yaml");
}
