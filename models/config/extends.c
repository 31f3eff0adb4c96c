/* Short config files: `extends: BASE.yaml` reads a base file of the same kind under this
 * one (keys replace, groups merge), and keys with a default may be left out where the
 * schema allows it (CimCfgSchema.fill_defaults). */
#include "models/config/config_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The files of a chain being read: the identity of each (device and inode, to find
 * cycles whatever the spelling of the path) and its path as shown in messages. */
typedef struct {
    dev_t dev[CIM_CFG_EXTENDS_MAX];
    ino_t ino[CIM_CFG_EXTENDS_MAX];
    const char *shown[CIM_CFG_EXTENDS_MAX];
    size_t n;
} Chain;

void cfg_bases_free(CfgBases *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->files[i]);
    b->n = 0;
}

/* Sets file on every node of t that has no file yet (nodes of deeper bases keep theirs). */
static void mark_file(YtNode *t, const char *file)
{
    if (!t)
        return;
    if (!t->file && !t->origin)
        t->file = file;
    for (size_t i = 0; i < t->n; i++)
        mark_file(t->items[i], file);
}

/* Index in map of the value node v, or map->n. */
static size_t index_of(const YtNode *map, const YtNode *v)
{
    size_t i = 1;
    while (i < map->n && map->items[i] != v)
        i += 2;
    return i;
}

/* Puts child's keys over base (both mappings): a mapping under both is merged, any other
 * value of child replaces base's, key node included (errors then point at child). child's
 * nodes move into base; the slots they leave are NULL. -1 out of memory. */
static int overlay(YtNode *base, YtNode *child)
{
    for (size_t i = 0; i + 1 < child->n; i += 2) {
        YtNode *k = child->items[i], *v = child->items[i + 1];
        if (k->dup)
            continue;
        YtNode *bv = yt_map_get(base, k->str, NULL);
        if (bv && bv->kind == YT_MAP && v->kind == YT_MAP) {
            if (overlay(bv, v) != 0)
                return -1;
            continue;
        }
        if (bv) {
            size_t j = index_of(base, bv);
            yt_free(base->items[j - 1]);
            yt_free(base->items[j]);
            base->items[j - 1] = k;
            base->items[j] = v;
        } else {
            if (yt_append(base, k) != 0)
                return -1;
            if (yt_append(base, v) != 0) {
                base->n--; /* k stays child's */
                return -1;
            }
        }
        child->items[i] = child->items[i + 1] = NULL;
    }
    return 0;
}

/* base joined to the directory of file, normalised, allocated; NULL: too long or no memory. */
static char *join_dir(const char *file, const char *base)
{
    const char *slash = strrchr(file, '/');
    int dir = (base[0] == '/' || !slash) ? 0 : (int)(slash - file) + 1;
    size_t len = (size_t)dir + strlen(base) + 2;
    char *raw = malloc(len), *out = malloc(len);
    if (raw && out) {
        snprintf(raw, len, "%.*s%s", dir, file, base);
        if (cim_path_normalise(raw, out, len) != 0) {
            free(out);
            out = NULL;
        }
    }
    free(raw);
    return out;
}

/* "a.yaml -> b.yaml -> a.yaml": the chain from the file that starts the cycle, into buf. */
static const char *cycle_text(const Chain *c, size_t from, const char *again, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = from; i < c->n && o < len; i++) {
        int w = snprintf(buf + o, len - o, "%s -> ", c->shown[i]);
        o += w > 0 ? (size_t)w : 0;
    }
    if (o < len)
        snprintf(buf + o, len - o, "%s", again);
    return buf;
}

/* Takes the top-level extends pair out of tree: its value node (NULL: none); the key and
 * value become the caller's (*key). */
static YtNode *take_extends(YtNode *tree, YtNode **key)
{
    YtNode *v = tree && tree->kind == YT_MAP ? yt_map_get(tree, "extends", key) : NULL;
    if (!v)
        return NULL;
    size_t j = index_of(tree, v);
    memmove(tree->items + j - 1, tree->items + j + 1, (tree->n - j - 1) * sizeof *tree->items);
    tree->n -= 2;
    return v;
}

static CimStatus apply(const char *path, const CimCfgSchema *s, CfgReport *rep, YtNode **tree, CfgBases *bases,
                       Chain *chain);

/* Reads the base file named by ext (written in file) into *base, its own chain applied. */
static CimStatus read_base(const YtNode *ext, const char *file, const CimCfgSchema *s, CfgReport *rep,
                           YtNode **base, CfgBases *bases, Chain *chain)
{
    char got[64], cyc[600];
    *base = NULL;
    if (ext->kind != YT_SCALAR || ext->len == 0 || strlen(ext->str) != ext->len) {
        cfg_error(rep, ext, "extends must be the path of a %s file, got %s", s->root, yt_describe(ext, got, sizeof got));
        return CIM_ERR_CONFIG;
    }
    if (chain->n == CIM_CFG_EXTENDS_MAX || bases->n == CIM_CFG_EXTENDS_MAX) {
        cfg_error(rep, ext, "extends '%s' would be file %zu of one chain; at most %d files", ext->str, chain->n + 1,
                  CIM_CFG_EXTENDS_MAX);
        return CIM_ERR_CONFIG;
    }
    char *name = join_dir(file, ext->str);
    if (!name)
        return CIM_ERR_NOMEM;
    bases->files[bases->n++] = name;
    struct stat sb;
    if (stat(name, &sb) != 0) {
        cfg_error(rep, ext, "cannot read '%s' (extends): %s", name, strerror(errno));
        return CIM_ERR_CONFIG;
    }
    for (size_t i = 0; i < chain->n; i++)
        if (chain->dev[i] == sb.st_dev && chain->ino[i] == sb.st_ino) {
            cfg_error(rep, ext, "extends cycle: %s", cycle_text(chain, i, name, cyc, sizeof cyc));
            return CIM_ERR_CONFIG;
        }
    chain->dev[chain->n] = sb.st_dev;
    chain->ino[chain->n] = sb.st_ino;
    chain->shown[chain->n++] = name;
    char expect[100];
    snprintf(expect, sizeof expect, "a mapping with a '%.60s' key", s->root);
    CfgReport brep = {.diag = rep->diag, .file = name, .expect = expect};
    CimStatus st = yt_load_file(name, &brep, base);
    if (st == CIM_ERR_IO)
        cfg_error(rep, ext, "cannot read '%s' (extends): %s", name, strerror(errno));
    else if (*base && !yt_map_get(*base, s->root, NULL)) {
        cfg_error(rep, ext, "'%s' (extends) is not a %s file: it has no '%s' key at top level", name, s->root, s->root);
        st = CIM_ERR_CONFIG;
    } else if (*base)
        st = apply(name, s, &brep, base, bases, chain);
    if (brep.errors) /* the errors name the base file: say which file extended it */
        cim_diag_add(rep->diag, CIM_SEV_NOTE, file, ext->line, ext->col,
                     "'%s' is extended here", name);
    rep->errors += brep.errors;
    mark_file(*base, name);
    return st == CIM_ERR_IO ? CIM_ERR_CONFIG : st;
}

static CimStatus apply(const char *path, const CimCfgSchema *s, CfgReport *rep, YtNode **tree, CfgBases *bases,
                       Chain *chain)
{
    YtNode *key = NULL, *ext = take_extends(*tree, &key);
    if (!ext)
        return CIM_OK;
    YtNode *base;
    CimStatus st = read_base(ext, ext->file ? ext->file : path, s, rep, &base, bases, chain);
    if (st == CIM_OK && base && overlay(base, *tree) != 0)
        st = CIM_ERR_NOMEM;
    if (st == CIM_OK && base) {
        yt_free(*tree);
        *tree = base;
    } else
        yt_free(base);
    yt_free(key);
    yt_free(ext);
    return st;
}

CimStatus cfg_extends_apply(const char *path, const CimCfgSchema *s, CfgReport *rep, YtNode **tree,
                            CfgBases *bases)
{
    Chain chain = {.n = 1, .shown = {path}};
    struct stat sb;
    if (stat(path, &sb) != 0)
        return CIM_ERR_IO;
    chain.dev[0] = sb.st_dev;
    chain.ino[0] = sb.st_ino;
    return apply(path, s, rep, tree, bases, &chain);
}

/* ---- defaults ----------------------------------------------------------- */

static int value_fillable(const CimCfgKey *k)
{
    if (!k->def || k->type == CIM_CFG_MAP)
        return 0;
    return !((k->type == CIM_CFG_STRING || k->type == CIM_CFG_PATH) && k->def[0]);
}

int cfg_key_fillable(const CimCfgSchema *s, const CimCfgKey *k)
{
    if (!s->fill_defaults)
        return 0;
    if (k->type != CIM_CFG_MAP)
        return value_fillable(k);
    size_t len = strlen(k->path), keys = 0;
    for (size_t i = 0; i < s->n; i++) {
        const CimCfgKey *c = &s->keys[i];
        if (strncmp(c->path, k->path, len) != 0 || c->path[len] != '.' || c->type == CIM_CFG_MAP)
            continue;
        if (!value_fillable(c) && c->off != CIM_CFG_NOFIELD)
            return 0;
        keys++;
    }
    return keys > 0;
}

void cfg_fill_defaults(const CimCfgSchema *s, void *out)
{
    CimDiag d;
    cim_diag_init(&d);
    CfgReport rep = {.diag = &d, .file = "<defaults>"};
    for (size_t i = 0; s->fill_defaults && i < s->n; i++)
        if (value_fillable(&s->keys[i]))
            cfg_store_default(&s->keys[i], out, &rep); /* cim_cfg_schema_verify checks every default */
    cim_diag_free(&d);
}
