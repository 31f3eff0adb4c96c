/* Loads chip and technology files into the typed structs of config.h: walks the YAML tree
 * against the key schema (config_schema.c), applies key.path=value overrides, reports every
 * problem compiler style (STYLE.md section 3) and writes the output only when all is valid. */
#include "models/config/config_impl.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define CFG_MAX_KEYS 96
#define CFG_PATH_LEN 256

/* ---- walking a tree against a schema ------------------------------------ */

typedef struct {
    const CfgSchema *s;
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
        if (!seg || yt_map_get(map, seg, NULL))
            continue;
        if (path[0])
            cfg_error(w->rep, map, "missing key '%s' in '%s'", seg, path);
        else
            cfg_error(w->rep, map, "missing key '%s' at top level", seg);
    }
}

static void report_unknown(Walk *w, const YtNode *key, const char *path)
{
    char got[64], list[512];
    yt_describe(key, got, sizeof got);
    cfg_schema_children(w->s, path, list, sizeof list);
    if (path[0])
        cfg_error(w->rep, key, "unknown key %s in '%s'; expected one of: %s", got, path, list);
    else
        cfg_error(w->rep, key, "unknown key %s at top level; expected one of: %s", got, list);
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
    const CfgKey *k = &w->s->keys[idx];
    if (k->type == CT_MAP)
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

static const YtNode *seen_at(const Walk *w, const char *path)
{
    long i = cfg_schema_find(w->s, path);
    return i >= 0 ? w->seen[i] : NULL;
}

/* Rules between keys, checked once both keys are valid on their own. */
static void check_tech_pairs(Walk *w)
{
    const CimTechCfg *t = w->out;
    const YtNode *on = seen_at(w, "tech.device.r_on_ohm"), *off = seen_at(w, "tech.device.r_off_ohm");
    char a[64], b[64];
    if (on && off && !(t->device.r_off_ohm > t->device.r_on_ohm))
        cfg_error(w->rep, off, "tech.device.r_off_ohm must be greater than tech.device.r_on_ohm (%s), got %s",
                  yt_text(on, a, sizeof a), yt_text(off, b, sizeof b));
    const YtNode *s0 = seen_at(w, "tech.device.stuck_at_0_rate"), *s1 = seen_at(w, "tech.device.stuck_at_1_rate");
    if (s0 && s1 && t->device.stuck_at_0_rate + t->device.stuck_at_1_rate > 1.0)
        cfg_error(w->rep, s1,
                  "tech.device.stuck_at_0_rate + tech.device.stuck_at_1_rate must be at most 1, got %s + %s",
                  yt_text(s0, a, sizeof a), yt_text(s1, b, sizeof b));
}

/* Validates tree against schema s into out; seen receives the valid value nodes. */
static void validate(const CfgSchema *s, const YtNode *tree, void *out, CfgReport *rep,
                     const YtNode **seen)
{
    assert(s->n <= CFG_MAX_KEYS);
    memset(seen, 0, s->n * sizeof *seen);
    Walk w = {s, rep, out, seen};
    walk_map(&w, tree, "");
    if (s == &cfg_schema_tech)
        check_tech_pairs(&w);
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
static const CfgSchema *ov_schema(const char *keypath, int allow_chip)
{
    size_t n = strcspn(keypath, ".");
    if (allow_chip && n == 4 && strncmp(keypath, "chip", 4) == 0)
        return &cfg_schema_chip;
    if (n == 4 && strncmp(keypath, "tech", 4) == 0)
        return &cfg_schema_tech;
    return NULL;
}

/* Checks that keypath names one value key of s; says why not when rep is set. */
static int ov_path_ok(const CfgSchema *s, const char *keypath, const char *item, CfgReport *rep)
{
    char parent[CFG_PATH_LEN] = "", cur[CFG_PATH_LEN], list[512];
    for (const char *seg = keypath;;) {
        size_t n = strcspn(seg, ".");
        int last = seg[n] == '\0';
        join(cur, parent, seg, n);
        long idx = cfg_schema_find(s, cur);
        if (idx < 0) {
            if (rep)
                ov_error(rep, item, "unknown key '%.*s' in '%s'; expected one of: %s", (int)n, seg,
                         parent, cfg_schema_children(s, parent, list, sizeof list));
            return 0;
        }
        if (last != (s->keys[idx].type != CT_MAP)) {
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
static int ov_parse(const char *item, int allow_chip, CfgReport *rep, char *keypath,
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
    const CfgSchema *s = ov_schema(keypath, allow_chip);
    if (!s) {
        if (rep)
            ov_error(rep, item, "unknown key '%.*s' at top level; expected one of: %s",
                     (int)strcspn(keypath, "."), keypath, allow_chip ? "chip, tech" : "tech");
        return 0;
    }
    return ov_path_ok(s, keypath, item, rep);
}

static void ov_check_all(const CimOverrides *ov, int allow_chip, CfgReport *rep)
{
    char keypath[CFG_PATH_LEN];
    const char *value;
    for (size_t i = 0; ov && i < ov->n; i++)
        ov_parse(ov->items[i] ? ov->items[i] : "", allow_chip, rep, keypath, &value);
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
static CimStatus ov_apply(YtNode *tree, const CfgSchema *s, const CimOverrides *ov)
{
    char keypath[CFG_PATH_LEN];
    const char *value;
    size_t rl = strlen(s->root);
    for (size_t i = 0; tree && ov && i < ov->n; i++) {
        const char *item = ov->items[i] ? ov->items[i] : "";
        if (strncmp(item, s->root, rl) != 0 || item[rl] != '.' || !ov_parse(item, 1, NULL, keypath, &value))
            continue;
        if (tree_set(tree, keypath, value, item) != CIM_OK)
            return CIM_ERR_NOMEM;
    }
    return CIM_OK;
}

/* ---- loading ------------------------------------------------------------ */

/* Reads path, applies the overrides for s and validates into out. The tree is returned
 * (seen points into it) for the caller to free. */
static CimStatus load_one(const char *path, const CfgSchema *s, const CimOverrides *ov, void *out,
                          CfgReport *rep, const YtNode **seen, YtNode **tree)
{
    memset(seen, 0, CFG_MAX_KEYS * sizeof *seen);
    CimStatus st = yt_load_file(path, rep, tree);
    if (st == CIM_ERR_IO || st == CIM_ERR_NOMEM)
        return st;
    if (*tree && ov_apply(*tree, s, ov) != CIM_OK)
        return CIM_ERR_NOMEM;
    if (*tree)
        validate(s, *tree, out, rep, seen);
    return st;
}

/* chip.tech is relative to the chip file's directory unless absolute. */
static int resolve_tech(const char *chip_path, CimChipCfg *c, const YtNode *at, CfgReport *rep)
{
    char raw[CIM_PATH_MAX];
    memcpy(raw, c->tech_path, sizeof raw);
    const char *slash = strrchr(chip_path, '/');
    int dir = (raw[0] == '/' || !slash) ? 0 : (int)(slash - chip_path) + 1;
    int w = snprintf(c->tech_path, sizeof c->tech_path, "%.*s%s", dir, chip_path, raw);
    if (w < 0 || w >= (int)sizeof c->tech_path) {
        cfg_error(rep, at, "chip.tech resolves to a path longer than %d characters", CIM_PATH_MAX - 1);
        return -1;
    }
    return 0;
}

/* Loads c->tech from c->tech_path; its errors name the tech file and are followed by a
 * note at the chip file's tech: value (at). */
static CimStatus load_chip_tech(CimChipCfg *c, const CimOverrides *ov, const YtNode *at, CfgReport *chip_rep)
{
    CfgReport rep = {.diag = chip_rep->diag, .file = c->tech_path};
    rep.note_file = at->origin ? "<override>" : chip_rep->file;
    rep.note_line = at->line;
    rep.note_col = at->col;
    rep.note_msg = "tech file selected here";
    const YtNode *seen[CFG_MAX_KEYS];
    YtNode *tree = NULL;
    CimStatus st = load_one(c->tech_path, &cfg_schema_tech, ov, &c->tech, &rep, seen, &tree);
    if (st == CIM_ERR_IO) {
        cfg_error(chip_rep, at, "cannot read tech file '%s': %s", c->tech_path, strerror(errno));
        st = CIM_ERR_CONFIG;
    }
    yt_free(tree);
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

CimStatus cim_cfg_load_chip(const char *path, const CimOverrides *ov, CimChipCfg *out, CimDiag *diag)
{
    CfgReport rep = {.diag = diag, .file = path};
    CimChipCfg tmp;
    const YtNode *seen[CFG_MAX_KEYS];
    YtNode *tree = NULL;
    memset(&tmp, 0, sizeof tmp);
    ov_check_all(ov, 1, &rep);
    CimStatus st = load_one(path, &cfg_schema_chip, ov, &tmp, &rep, seen, &tree);
    if (st == CIM_ERR_IO)
        cfg_error_pos(&rep, 0, 0, "cannot read file: %s", strerror(errno));
    const YtNode *tech = tree ? seen[cfg_schema_find(&cfg_schema_chip, "chip.tech")] : NULL;
    if (tech && st != CIM_ERR_NOMEM && resolve_tech(path, &tmp, tech, &rep) == 0)
        st = worst(st, load_chip_tech(&tmp, ov, tech, &rep));
    yt_free(tree);
    if (st == CIM_OK && rep.errors)
        st = CIM_ERR_CONFIG;
    if (st == CIM_OK)
        memcpy(out, &tmp, sizeof tmp);
    return st;
}

CimStatus cim_cfg_load_tech(const char *path, const CimOverrides *ov, CimTechCfg *out, CimDiag *diag)
{
    CfgReport rep = {.diag = diag, .file = path};
    CimTechCfg tmp;
    const YtNode *seen[CFG_MAX_KEYS];
    YtNode *tree = NULL;
    memset(&tmp, 0, sizeof tmp);
    ov_check_all(ov, 0, &rep);
    CimStatus st = load_one(path, &cfg_schema_tech, ov, &tmp, &rep, seen, &tree);
    if (st == CIM_ERR_IO)
        cfg_error_pos(&rep, 0, 0, "cannot read file: %s", strerror(errno));
    yt_free(tree);
    if (st == CIM_OK && rep.errors)
        st = CIM_ERR_CONFIG;
    if (st == CIM_OK)
        memcpy(out, &tmp, sizeof tmp);
    return st;
}

/* "chip", "tech" or NULL, by the top-level key. */
static const char *file_kind(const YtNode *tree)
{
    if (yt_map_get(tree, "chip", NULL))
        return "chip";
    if (yt_map_get(tree, "tech", NULL))
        return "tech";
    return NULL;
}

/* The file is neither kind: report its tree problems, then why. */
static CimStatus report_kind(const char *path, CimDiag *diag)
{
    CfgReport rep = {.diag = diag, .file = path};
    YtNode *tree = NULL;
    CimStatus st = yt_load_file(path, &rep, &tree);
    char got[64];
    if (tree && tree->kind != YT_MAP)
        cfg_error(&rep, tree, "the top level must be a mapping with the key 'chip' or 'tech', got %s",
                  yt_describe(tree, got, sizeof got));
    else if (tree && tree->n == 0)
        cfg_error(&rep, tree, "missing key 'chip' or 'tech' at top level");
    for (size_t i = 0; tree && tree->kind == YT_MAP && i + 1 < tree->n; i += 2)
        if (!tree->items[i]->dup)
            cfg_error(&rep, tree->items[i], "unknown key %s at top level; expected one of: chip, tech",
                      yt_describe(tree->items[i], got, sizeof got));
    yt_free(tree);
    return st == CIM_ERR_NOMEM ? st : CIM_ERR_CONFIG;
}

CimStatus cim_cfg_check(const char *path, CimDiag *diag)
{
    CimDiag scratch;
    cim_diag_init(&scratch);
    CfgReport r0 = {.diag = &scratch, .file = path};
    YtNode *tree = NULL;
    CimStatus st = yt_load_file(path, &r0, &tree);
    int err = errno;
    const char *kind = file_kind(tree);
    yt_free(tree);
    cim_diag_free(&scratch);
    if (st == CIM_ERR_NOMEM)
        return st;
    if (st == CIM_ERR_IO) {
        CfgReport rep = {.diag = diag, .file = path};
        cfg_error_pos(&rep, 0, 0, "cannot read file: %s", strerror(err));
        return st;
    }
    if (kind && strcmp(kind, "chip") == 0) {
        CimChipCfg chip;
        return cim_cfg_load_chip(path, NULL, &chip, diag);
    }
    if (kind) {
        CimTechCfg tech;
        return cim_cfg_load_tech(path, NULL, &tech, diag);
    }
    return report_kind(path, diag);
}

/* ---- defaults ----------------------------------------------------------- */

static void defaults_from(const CfgSchema *s, void *out)
{
    CimDiag d;
    cim_diag_init(&d);
    CfgReport rep = {.diag = &d, .file = "<defaults>"};
    for (size_t i = 0; i < s->n; i++) {
        const CfgKey *k = &s->keys[i];
        char text[CIM_PATH_MAX];
        if (k->off == CFG_NOFIELD || !k->def)
            continue;
        YtNode n;
        memset(&n, 0, sizeof n);
        n.kind = YT_SCALAR;
        n.len = strlen(k->def);
        n.str = memcpy(text, k->def, n.len + 1);
        cfg_store_value(k, &n, out, &rep);
    }
    assert(rep.errors == 0 && "a schema default is invalid");
    cim_diag_free(&d);
}

void cim_cfg_defaults(CimChipCfg *out)
{
    memset(out, 0, sizeof *out);
    defaults_from(&cfg_schema_chip, out);
    defaults_from(&cfg_schema_tech, &out->tech);
    /* The default file's tech: resolved from the repository root. */
    snprintf(out->tech_path, sizeof out->tech_path, "configs/tech/180nm_1t1r.yaml");
}
