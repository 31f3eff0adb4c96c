/* What is derived from a schema table besides loading: the check of the table itself
 * (cim_cfg_schema_verify), the names of an enum's choices, and the markdown key table the
 * docs hold between `<!-- dcim config-doc KIND -->` markers (`dcim config-doc KIND`). */
#include "models/config/config_impl.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define KEY_SEG_MAX 63 /* walk_pair looks keys up only when shorter than 64 bytes */
#define KEY_PATH_MAX 255

/* ---- choices ------------------------------------------------------------- */

static size_t count_choices(const char *choices)
{
    size_t n = 1;
    for (const char *c = choices; *c; c++)
        n += *c == ',';
    return n;
}

const char *cim_cfg_choice(const char *choices, int idx, char *buf, size_t len)
{
    buf[0] = '\0';
    for (const char *c = choices; c && idx >= 0; idx--) {
        size_t n = strcspn(c, ",");
        if (idx == 0) {
            snprintf(buf, len, "%.*s", (int)n, c);
            break;
        }
        if (!c[n])
            break;
        c += n + 1;
    }
    return buf;
}

const char *cim_cfg_named_uint(const char *names, unsigned v, char *buf, size_t len)
{
    if (v >= count_choices(names) || !cim_cfg_choice(names, (int)v, buf, len)[0])
        snprintf(buf, len, "%u", v);
    return buf;
}

/* ---- the table's own check ------------------------------------------------- */

static int fail(char *why, size_t len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int fail(char *why, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
    return -1;
}

/* Bytes of the field a key of type t stores. */
static size_t field_size(CimCfgType t)
{
    switch (t) {
    case CIM_CFG_UINT: return sizeof(unsigned);
    case CIM_CFG_U64: return sizeof(uint64_t);
    case CIM_CFG_DOUBLE: return sizeof(double);
    case CIM_CFG_STRING: return CIM_NAME_MAX;
    case CIM_CFG_PATH: return CIM_PATH_MAX;
    case CIM_CFG_MAP: /* the int an optional group sets */
    case CIM_CFG_BOOL:
    case CIM_CFG_ENUM:
    default: return sizeof(int);
    }
}

/* The key's place in the tree: under the root, below a group listed before it. */
static int check_path(const CimCfgSchema *s, size_t i, char *why, size_t len)
{
    const char *p = s->keys[i].path;
    size_t rl = strlen(s->root), pl = strlen(p);
    if (i == 0)
        return strcmp(p, s->root) == 0 && s->keys[0].type == CIM_CFG_MAP
                   ? 0
                   : fail(why, len, "the first key must be the root group '%s', got '%s'", s->root, p);
    if (strncmp(p, s->root, rl) != 0 || p[rl] != '.' || pl > KEY_PATH_MAX)
        return fail(why, len, "%s: not a key under '%s' (of at most %d characters)", p, s->root, KEY_PATH_MAX);
    for (const char *seg = p;; seg += strcspn(seg, ".") + 1) {
        size_t n = strcspn(seg, ".");
        if (n == 0 || n > KEY_SEG_MAX)
            return fail(why, len, "%s: a segment is empty or longer than %d characters", p, KEY_SEG_MAX);
        if (!seg[n])
            break;
    }
    if ((long)i != cfg_schema_find(s, p))
        return fail(why, len, "%s: listed twice", p);
    char parent[KEY_PATH_MAX + 1];
    snprintf(parent, sizeof parent, "%.*s", (int)(strrchr(p, '.') - p), p);
    long g = cfg_schema_find(s, parent);
    if (g < 0 || (size_t)g > i || s->keys[g].type != CIM_CFG_MAP)
        return fail(why, len, "%s: its group '%s' is not listed before it", p, parent);
    return 0;
}

/* Whether the rule of k applies to its type. */
static int rule_fits(const CimCfgKey *k)
{
    int numeric = k->type == CIM_CFG_UINT || k->type == CIM_CFG_U64 || k->type == CIM_CFG_DOUBLE;
    switch (k->rule) {
    case CIM_CFG_ANY: return 1;
    case CIM_CFG_OPTIONAL: return k->type == CIM_CFG_MAP;
    case CIM_CFG_EMPTY_OK: return k->type == CIM_CFG_PATH;
    case CIM_CFG_POW2: return numeric && k->type != CIM_CFG_DOUBLE;
    case CIM_CFG_CLOSED:
    case CIM_CFG_OPEN_LO:
    case CIM_CFG_OPEN:
    case CIM_CFG_POS:
    case CIM_CFG_NONNEG:
    default: return numeric;
    }
}

/* Type, rule, field and choices agree with each other. */
static int check_key(const CimCfgSchema *s, const CimCfgKey *k, char *why, size_t len)
{
    if (!k->unit || !k->desc || !k->desc[0])
        return fail(why, len, "%s: needs a unit (\"\" when none) and a description", k->path);
    if (!rule_fits(k))
        return fail(why, len, "%s: its rule does not apply to its type", k->path);
    if (k->type == CIM_CFG_MAP && k->off != CIM_CFG_NOFIELD && k->rule != CIM_CFG_OPTIONAL)
        return fail(why, len, "%s: only an optional group stores a field", k->path);
    if (k->off != CIM_CFG_NOFIELD && (k->off > s->size || field_size(k->type) > s->size - k->off))
        return fail(why, len, "%s: its field ends past the struct (%zu bytes)", k->path, s->size);
    if (k->type != CIM_CFG_ENUM && k->type != CIM_CFG_UINT)
        return k->choices ? fail(why, len, "%s: choices on a key that is not an enum or an integer", k->path) : 0;
    if (k->type == CIM_CFG_UINT)
        return k->choices && (!k->choices[0] || strstr(k->choices, ",,")) ? fail(why, len, "%s: empty named value", k->path) : 0;
    if (!k->choices || !k->choices[0] || strstr(k->choices, ",,") || k->choices[strlen(k->choices) - 1] == ',')
        return fail(why, len, "%s: an enum needs non-empty, comma-separated choices", k->path);
    if ((double)count_choices(k->choices) != k->hi)
        return fail(why, len, "%s: %zu choices ('%s') but the enum has %.0f values", k->path,
                    count_choices(k->choices), k->choices, k->hi);
    return 0;
}

/* Every default passes its own key's rules. */
static int check_defaults(const CimCfgSchema *s, char *why, size_t len)
{
    void *scratch = calloc(1, s->size);
    if (!scratch)
        return fail(why, len, "out of memory");
    CimDiag d;
    cim_diag_init(&d);
    CfgReport rep = {.diag = &d, .file = "<defaults>"};
    for (size_t i = 0; i < s->n; i++) {
        const CimCfgKey *k = &s->keys[i];
        if (!k->def || k->type == CIM_CFG_MAP)
            continue;
        YtNode n;
        memset(&n, 0, sizeof n);
        n.kind = YT_SCALAR;
        n.len = strlen(k->def);
        n.quoted = n.len == 0;
        n.str = (char *)k->def;
        cfg_store_value(k, &n, k->off == CIM_CFG_NOFIELD ? NULL : scratch, &rep);
    }
    int r = d.n ? fail(why, len, "default: %s", d.v[0].msg) : 0;
    cim_diag_free(&d);
    free(scratch);
    return r;
}

int cim_cfg_schema_verify(const CimCfgSchema *s, char *why, size_t len)
{
    if (!s->root || !s->keys || s->n == 0 || s->size == 0)
        return fail(why, len, "a schema needs a root, keys and the size of its struct");
    for (size_t i = 0; i < s->n; i++)
        if (check_path(s, i, why, len) != 0 || check_key(s, &s->keys[i], why, len) != 0)
            return -1;
    return check_defaults(s, why, len);
}

/* ---- markdown key table ------------------------------------------------------ */

/* One cell: " text " with '|' escaped, or " " when empty. */
static void cell(FILE *out, const char *text)
{
    fputc(' ', out);
    for (const char *c = text; *c; c++) {
        if (*c == '|')
            fputc('\\', out);
        fputc(*c, out);
    }
    fputs(text[0] ? " |" : "|", out);
}

static const char *type_name(const CimCfgKey *k)
{
    static const char *const names[] = {
        [CIM_CFG_MAP] = "group", [CIM_CFG_UINT] = "integer", [CIM_CFG_U64] = "integer",
        [CIM_CFG_DOUBLE] = "number", [CIM_CFG_BOOL] = "boolean", [CIM_CFG_ENUM] = "choice",
        [CIM_CFG_STRING] = "string", [CIM_CFG_PATH] = "path",
    };
    return k->rule == CIM_CFG_OPTIONAL ? "optional group" : names[k->type];
}

/* The rule as the loader's messages state it ("must be in [16, 4096]" -> "[16, 4096]"). */
static const char *range_text(const CimCfgKey *k, char *buf, size_t len)
{
    char rule[96];
    switch (k->type) {
    case CIM_CFG_UINT:
    case CIM_CFG_U64:
    case CIM_CFG_DOUBLE:
        cfg_rule_text(k, rule, sizeof rule);
        snprintf(buf, len, "%s", strncmp(rule, "in ", 3) == 0 ? rule + 3 : rule);
        break;
    case CIM_CFG_BOOL: snprintf(buf, len, "`true` or `false`"); break;
    case CIM_CFG_STRING:
    case CIM_CFG_PATH:
        if (k->off == CIM_CFG_NOFIELD)
            snprintf(buf, len, "non-empty");
        else
            snprintf(buf, len, "%s1 to %d characters", k->rule == CIM_CFG_EMPTY_OK ? "`\"\"` or " : "",
                     (k->type == CIM_CFG_PATH ? CIM_PATH_MAX : CIM_NAME_MAX) - 1);
        break;
    case CIM_CFG_MAP:
    case CIM_CFG_ENUM:
    default: buf[0] = '\0'; break;
    }
    return buf;
}

/* The default; in a schema that fills defaults, "required" for a key that must be written
 * (with the default file's value, if any, beside it). */
static const char *default_text(const CimCfgSchema *s, const CimCfgKey *k, char *buf, size_t len)
{
    int required = s->fill_defaults && !cfg_key_fillable(s, k) && k->rule != CIM_CFG_OPTIONAL &&
                   strchr(k->path, '.'); /* the root group is the file itself */
    if (required && k->def)
        snprintf(buf, len, "required (`%s` in the default file)", k->def);
    else if (required)
        snprintf(buf, len, "required");
    else if (!k->def)
        buf[0] = '\0';
    else
        snprintf(buf, len, "`%s`", k->def[0] ? k->def : "\"\"");
    return buf;
}

static const char *choices_text(const CimCfgKey *k, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; k->choices && i < (int)count_choices(k->choices) && o < len; i++) {
        char name[64];
        int w = snprintf(buf + o, len - o, "%s`%s`", i ? ", " : "", cim_cfg_choice(k->choices, i, name, sizeof name));
        if (w < 0)
            break;
        o += (size_t)w;
    }
    return buf;
}

void cim_cfg_write_table(const CimCfgSchema *s, FILE *out)
{
    fputs("| Key | Type | Range | Unit | Default | Choices | Description |\n", out);
    fputs("|---|---|---|---|---|---|---|\n", out);
    for (size_t i = 0; i < s->n; i++) {
        const CimCfgKey *k = &s->keys[i];
        char key[KEY_PATH_MAX + 3], range[128], def[CIM_PATH_MAX + 4], choices[256];
        snprintf(key, sizeof key, "`%s`", k->path);
        fputc('|', out);
        cell(out, key);
        cell(out, type_name(k));
        cell(out, range_text(k, range, sizeof range));
        cell(out, k->unit);
        cell(out, default_text(s, k, def, sizeof def));
        cell(out, choices_text(k, choices, sizeof choices));
        cell(out, k->desc);
        fputc('\n', out);
    }
}
