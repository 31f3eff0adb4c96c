/* Converts one scalar of a config file to its typed value: full-string, errno and range
 * checks, never clamping. Every rejection names the key, the rule and the user's text:
 *   chip.array.rows must be a power of two in [16, 4096], got 1000 */
#include "models/config/config_impl.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(CimOverflow) == sizeof(int), "enum keys are stored as int");

/* Bound as written by a person: 4096, 0.5, 1e+06 only when not integral. */
static void fmt_bound(double x, char *buf, size_t len)
{
    if (x == floor(x) && fabs(x) < 1e15)
        snprintf(buf, len, "%.0f", x);
    else
        snprintf(buf, len, "%g", x);
}

const char *cfg_rule_text(const CimCfgKey *k, char *buf, size_t len)
{
    char lo[32], hi[32];
    fmt_bound(k->lo, lo, sizeof lo);
    fmt_bound(k->hi, hi, sizeof hi);
    switch (k->rule) {
    case CIM_CFG_CLOSED: snprintf(buf, len, "in [%s, %s]", lo, hi); break;
    case CIM_CFG_OPEN_LO: snprintf(buf, len, "in (%s, %s]", lo, hi); break;
    case CIM_CFG_OPEN: snprintf(buf, len, "in (%s, %s)", lo, hi); break;
    case CIM_CFG_POS: snprintf(buf, len, "> 0"); break;
    case CIM_CFG_NONNEG: snprintf(buf, len, ">= 0"); break;
    case CIM_CFG_POW2: snprintf(buf, len, "a power of two in [%s, %s]", lo, hi); break;
    case CIM_CFG_ANY:
    default:
        if (k->type == CIM_CFG_DOUBLE) {
            snprintf(buf, len, "a finite number");
            break;
        }
        snprintf(buf, len, k->type == CIM_CFG_U64 ? "in [0, 18446744073709551615]" : "in [0, %u]", UINT_MAX);
        break;
    }
    return buf;
}

static void choice_list(const char *choices, char *list, size_t len);

/* "in [1, 1024]", or for an integer with named values "an integer in [1, 1024] or one of: auto, none". */
static const char *rule_and_names(const CimCfgKey *k, char *buf, size_t len)
{
    char rule[96], list[128];
    cfg_rule_text(k, rule, sizeof rule);
    if (!k->choices)
        snprintf(buf, len, "%s", rule);
    else
        snprintf(buf, len, "an integer %s or one of: %s", rule, (choice_list(k->choices, list, sizeof list), list));
    return buf;
}

static int range_error(const CimCfgKey *k, const YtNode *at, CfgReport *rep)
{
    char rule[256], got[64];
    cfg_error(rep, at, "%s must be %s, got %s", k->path, rule_and_names(k, rule, sizeof rule), yt_text(at, got, sizeof got));
    return -1;
}

static int in_range(const CimCfgKey *k, double x)
{
    switch (k->rule) {
    case CIM_CFG_CLOSED: return x >= k->lo && x <= k->hi;
    case CIM_CFG_OPEN_LO: return x > k->lo && x <= k->hi;
    case CIM_CFG_OPEN: return x > k->lo && x < k->hi;
    case CIM_CFG_POS: return x > 0;
    case CIM_CFG_NONNEG: return x >= 0;
    case CIM_CFG_POW2: return x >= k->lo && x <= k->hi;
    case CIM_CFG_ANY:
    default: return 1;
    }
}

static int type_error(const CimCfgKey *k, const YtNode *at, const char *what, CfgReport *rep)
{
    char got[64];
    yt_describe(at, got, sizeof got);
    if (at->kind == YT_SCALAR && at->quoted)
        cfg_error(rep, at, "%s must be %s, got the quoted string %s (numbers and booleans are written without quotes)",
                  k->path, what, got);
    else
        cfg_error(rep, at, "%s must be %s, got %s", k->path, what, got);
    return -1;
}

/* s is all digits, or '-' then digits: 1 for a valid integer text. */
static int integer_text(const YtNode *n)
{
    size_t i = (n->len > 0 && n->str[0] == '-') ? 1 : 0;
    if (n->quoted || i == n->len)
        return 0;
    for (; i < n->len; i++)
        if (n->str[i] < '0' || n->str[i] > '9')
            return 0;
    return 1;
}

/* The index of at among k's named values ("auto,none"), or -1. */
static int named_value(const CimCfgKey *k, const YtNode *at)
{
    int idx = 0;
    for (const char *c = k->choices; c && *c; idx++) {
        size_t n = strcspn(c, ",");
        if (n == at->len && memcmp(c, at->str, n) == 0)
            return idx;
        c += n + (c[n] == ',');
    }
    return -1;
}

/* "in [1, 1024] or one of: auto, none" for an integer key with named values. */
static void choice_list(const char *choices, char *list, size_t len)
{
    size_t o = 0;
    for (const char *c = choices; *c && o + 3 < len; c++) {
        if (*c == ',')
            list[o++] = ',';
        list[o++] = *c == ',' ? ' ' : *c;
    }
    list[o] = '\0';
}

static int store_integer(const CimCfgKey *k, const YtNode *at, void *field, CfgReport *rep)
{
    int named = k->choices && !integer_text(at) ? named_value(k, at) : -1;
    if (named >= 0) {
        unsigned u = (unsigned)named;
        memcpy(field, &u, sizeof u);
        return 0;
    }
    if (!integer_text(at) && k->choices) {
        char what[256];
        return type_error(k, at, rule_and_names(k, what, sizeof what), rep);
    }
    if (!integer_text(at))
        return type_error(k, at, "an integer", rep);
    if (at->str[0] == '-')
        return range_error(k, at, rep);
    errno = 0;
    unsigned long long v = strtoull(at->str, NULL, 10);
    if (errno == ERANGE || (k->type == CIM_CFG_UINT && v > UINT_MAX))
        return range_error(k, at, rep);
    if (!in_range(k, (double)v) || (k->rule == CIM_CFG_POW2 && (v & (v - 1)) != 0))
        return range_error(k, at, rep);
    if (k->type == CIM_CFG_UINT) {
        unsigned u = (unsigned)v;
        memcpy(field, &u, sizeof u);
    } else {
        uint64_t u = (uint64_t)v;
        memcpy(field, &u, sizeof u);
    }
    return 0;
}

static int store_double(const CimCfgKey *k, const YtNode *at, void *field, CfgReport *rep)
{
    /* Only decimal notation: no inf, nan or hex floats. */
    if (at->quoted || at->len == 0 || strspn(at->str, "0123456789+-.eE") != at->len)
        return type_error(k, at, "a number", rep);
    char *end = NULL;
    errno = 0;
    double x = strtod(at->str, &end);
    if (end != at->str + at->len)
        return type_error(k, at, "a number", rep);
    if (errno == ERANGE || !isfinite(x) || !in_range(k, x))
        return range_error(k, at, rep);
    memcpy(field, &x, sizeof x);
    return 0;
}

static int store_bool(const CimCfgKey *k, const YtNode *at, void *field, CfgReport *rep)
{
    int b;
    if (!at->quoted && strcmp(at->str, "true") == 0 && at->len == 4)
        b = 1;
    else if (!at->quoted && strcmp(at->str, "false") == 0 && at->len == 5)
        b = 0;
    else
        return type_error(k, at, "true or false", rep);
    memcpy(field, &b, sizeof b);
    return 0;
}

static int store_enum(const CimCfgKey *k, const YtNode *at, void *field, CfgReport *rep)
{
    int idx = 0;
    for (const char *c = k->choices; *c; idx++) {
        size_t n = strcspn(c, ",");
        if (n == at->len && memcmp(c, at->str, n) == 0) {
            memcpy(field, &idx, sizeof idx);
            return 0;
        }
        c += n + (c[n] == ',');
    }
    char got[64], list[256];
    choice_list(k->choices, list, sizeof list);
    cfg_error(rep, at, "unknown value %s for %s; expected one of: %s", yt_describe(at, got, sizeof got),
              k->path, list);
    return -1;
}

static int store_string(const CimCfgKey *k, const YtNode *at, void *field, CfgReport *rep)
{
    size_t cap = k->type == CIM_CFG_PATH ? CIM_PATH_MAX : CIM_NAME_MAX;
    if (at->len == 0 && k->rule == CIM_CFG_EMPTY_OK && (at->quoted || at->origin)) {
        if (field)
            ((char *)field)[0] = '\0';
        return 0;
    }
    if (at->len == 0 && k->rule == CIM_CFG_EMPTY_OK) {
        cfg_error(rep, at, "%s must be a file path or \"\" (quoted), got an empty value", k->path);
        return -1;
    }
    if (at->len == 0) {
        cfg_error(rep, at, "%s must be a non-empty string", k->path);
        return -1;
    }
    if (strlen(at->str) != at->len) {
        cfg_error(rep, at, "%s must not contain NUL characters", k->path);
        return -1;
    }
    if (k->off != CIM_CFG_NOFIELD && at->len >= cap) {
        cfg_error(rep, at, "%s must be at most %zu characters, got %zu", k->path, cap - 1, at->len);
        return -1;
    }
    if (field)
        memcpy(field, at->str, at->len + 1);
    return 0;
}

int cfg_store_value(const CimCfgKey *k, const YtNode *at, void *base, CfgReport *rep)
{
    static const char *const what[] = {
        [CIM_CFG_MAP] = "a mapping", [CIM_CFG_UINT] = "an integer", [CIM_CFG_U64] = "an integer",
        [CIM_CFG_DOUBLE] = "a number", [CIM_CFG_BOOL] = "true or false", [CIM_CFG_ENUM] = "one value",
        [CIM_CFG_STRING] = "a string", [CIM_CFG_PATH] = "a file path",
    };
    if (at->kind != YT_SCALAR)
        return type_error(k, at, what[k->type], rep);
    /* Unstored keys (source:) are checked into a scratch buffer. */
    char scratch[sizeof(uint64_t) + sizeof(double)];
    void *field = k->off == CIM_CFG_NOFIELD ? (void *)scratch : (char *)base + k->off;
    switch (k->type) {
    case CIM_CFG_UINT:
    case CIM_CFG_U64: return store_integer(k, at, field, rep);
    case CIM_CFG_DOUBLE: return store_double(k, at, field, rep);
    case CIM_CFG_BOOL: return store_bool(k, at, field, rep);
    case CIM_CFG_ENUM: return store_enum(k, at, field, rep);
    case CIM_CFG_STRING:
    case CIM_CFG_PATH: return store_string(k, at, k->off == CIM_CFG_NOFIELD ? NULL : field, rep);
    case CIM_CFG_MAP:
    default: return type_error(k, at, what[k->type], rep);
    }
}

int cfg_store_default(const CimCfgKey *k, void *base, CfgReport *rep)
{
    char text[CIM_PATH_MAX];
    if (k->off == CIM_CFG_NOFIELD || !k->def || strlen(k->def) >= sizeof text)
        return 0;
    YtNode n;
    memset(&n, 0, sizeof n);
    n.kind = YT_SCALAR;
    n.len = strlen(k->def);
    n.quoted = n.len == 0; /* "" as a file writes it */
    n.str = memcpy(text, k->def, n.len + 1);
    return cfg_store_value(k, &n, base, rep);
}
