/* Reads a YAML file with libyaml's event API into a small tree of mappings, sequences and
 * scalars, each with its 1-based line and column. Duplicate keys, aliases, extra
 * documents and runaway nesting are reported here, so the validator only sees one tree. */
#include "models/config/config_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ---- error reporting ---------------------------------------------------- */

static void add_pending_note(CfgReport *r)
{
    if (r->note_file && r->errors == 1)
        cim_diag_add(r->diag, CIM_SEV_NOTE, r->note_file, r->note_line, r->note_col, "%s",
                     r->note_msg);
}

void cfg_error(CfgReport *r, const YtNode *at, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->errors++;
    if (at && at->origin)
        cim_diag_add(r->diag, CIM_SEV_ERROR, "<override>", 0, 0, "%s (override '%.200s')", msg,
                     at->origin);
    else
        cim_diag_add(r->diag, CIM_SEV_ERROR, at && at->file ? at->file : r->file, at ? at->line : 0,
                     at ? at->col : 0, "%s", msg);
    add_pending_note(r);
}

void cfg_error_pos(CfgReport *r, unsigned line, unsigned col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    r->errors++;
    cim_diag_vadd(r->diag, CIM_SEV_ERROR, r->file, line, col, fmt, ap);
    va_end(ap);
    add_pending_note(r);
}

void cfg_note_pos(CfgReport *r, unsigned line, unsigned col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cim_diag_vadd(r->diag, CIM_SEV_NOTE, r->file, line, col, fmt, ap);
    va_end(ap);
}

/* ---- nodes -------------------------------------------------------------- */

YtNode *yt_new(YtKind kind, const char *origin)
{
    YtNode *n = calloc(1, sizeof *n);
    if (n) {
        n->kind = kind;
        n->origin = origin;
    }
    return n;
}

void yt_free(YtNode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++)
        yt_free(n->items[i]);
    free(n->items);
    free(n->str);
    free(n);
}

int yt_append(YtNode *parent, YtNode *item)
{
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 8;
        YtNode **v = realloc(parent->items, cap * sizeof *v);
        if (!v)
            return -1;
        parent->items = v;
        parent->cap = cap;
    }
    parent->items[parent->n++] = item;
    return 0;
}

static int key_is(const YtNode *k, const char *s, size_t len)
{
    return k->kind == YT_SCALAR && !k->dup && k->len == len && memcmp(k->str, s, len) == 0;
}

YtNode *yt_map_get(const YtNode *map, const char *key, YtNode **keynode)
{
    if (!map || map->kind != YT_MAP)
        return NULL;
    size_t len = strlen(key);
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        if (key_is(map->items[i], key, len)) {
            if (keynode)
                *keynode = map->items[i];
            return map->items[i + 1];
        }
    }
    return NULL;
}

/* Copies at most 40 bytes of s, never splitting a UTF-8 sequence, control bytes as '?'. */
static void shorten(const char *s, size_t len, char *out, size_t outlen)
{
    size_t max = len > 40 ? 40 : len, o = 0;
    while (max > 0 && max < len && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    for (size_t i = 0; i < max && o + 4 < outlen; i++)
        out[o++] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7F) ? '?' : s[i];
    if (max < len && o + 4 < outlen) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

const char *yt_text(const YtNode *n, char *buf, size_t len)
{
    if (n->kind == YT_SCALAR)
        shorten(n->str, n->len, buf, len);
    else
        snprintf(buf, len, "%s", n->kind == YT_MAP ? "a mapping" : "a sequence");
    return buf;
}

const char *yt_describe(const YtNode *n, char *buf, size_t len)
{
    char s[64];
    if (!n || (n->kind == YT_SCALAR && n->len == 0 && !n->quoted))
        snprintf(buf, len, "an empty value");
    else if (n->kind == YT_MAP)
        snprintf(buf, len, "a mapping");
    else if (n->kind == YT_SEQ)
        snprintf(buf, len, "a sequence");
    else {
        shorten(n->str, n->len, s, sizeof s);
        snprintf(buf, len, "'%s'", s);
    }
    return buf;
}

/* ---- building the tree from events -------------------------------------- */

typedef struct {
    CfgReport *rep;
    YtNode *root;
    YtNode *stack[YT_MAX_DEPTH];
    size_t depth;
    size_t nodes; /* scalars, mappings and sequences so far */
    int docs;
    int failed; /* a problem that stops the build was reported */
} Builder;

static void mark_pos(YtNode *n, yaml_mark_t m)
{
    n->line = (unsigned)m.line + 1;
    n->col = (unsigned)m.column + 1;
}

/* Dotted path of the container at the top of the stack, for messages. */
static void stack_path(const Builder *b, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i + 1 < b->depth && o < len; i++) {
        const YtNode *c = b->stack[i];
        char seg[64];
        if (c->kind == YT_MAP)
            shorten(c->items[c->n - 2]->str, c->items[c->n - 2]->len, seg, sizeof seg);
        else
            snprintf(seg, sizeof seg, "[%zu]", c->n - 1);
        int w = snprintf(buf + o, len - o, "%s%s", (o && seg[0] != '[') ? "." : "", seg);
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

static void check_dup(Builder *b, YtNode *map, YtNode *key)
{
    for (size_t i = 0; i < map->n; i += 2) {
        const YtNode *k = map->items[i];
        if (!key_is(k, key->str, key->len))
            continue;
        char path[256], name[64];
        stack_path(b, path, sizeof path);
        shorten(key->str, key->len, name, sizeof name);
        key->dup = 1;
        if (path[0])
            cfg_error(b->rep, key, "duplicate key '%s' in '%s'", name, path);
        else
            cfg_error(b->rep, key, "duplicate key '%s' at top level", name);
        cfg_note_pos(b->rep, k->line, k->col, "'%s' first defined here", name);
        return;
    }
}

/* Hangs node under the open container (or makes it the root), then opens it if it is a
 * container. Takes ownership of node. */
static void attach(Builder *b, YtNode *node)
{
    if (++b->nodes > YT_MAX_NODES) {
        cfg_error(b->rep, node, "more than %u values (scalars, mappings and sequences) in one file",
                  (unsigned)YT_MAX_NODES);
        yt_free(node);
        b->failed = 1;
        return;
    }
    if (b->depth == 0) {
        b->root = node;
    } else {
        YtNode *parent = b->stack[b->depth - 1];
        if (parent->kind == YT_MAP && parent->n % 2 == 0) {
            if (node->kind != YT_SCALAR) {
                cfg_error(b->rep, node, "a mapping key must be a plain value, got %s",
                          node->kind == YT_MAP ? "a mapping" : "a sequence");
                yt_free(node);
                b->failed = 1;
                return;
            }
            if (parent->n / 2 >= YT_MAX_KEYS) {
                cfg_error(b->rep, node, "a mapping holds more than %d keys", YT_MAX_KEYS);
                yt_free(node);
                b->failed = 1;
                return;
            }
            check_dup(b, parent, node);
        }
        if (yt_append(parent, node) != 0) {
            yt_free(node);
            b->rep->nomem = b->failed = 1;
            return;
        }
    }
    if (node->kind == YT_SCALAR)
        return;
    if (b->depth == YT_MAX_DEPTH) {
        cfg_error(b->rep, node, "nesting deeper than %d levels", YT_MAX_DEPTH);
        b->failed = 1;
        return;
    }
    b->stack[b->depth++] = node;
}

static void on_scalar(Builder *b, const yaml_event_t *ev)
{
    YtNode *n = yt_new(YT_SCALAR, NULL);
    size_t len = ev->data.scalar.length;
    char *s = malloc(len + 1);
    if (!n || !s) {
        free(n);
        free(s);
        b->rep->nomem = b->failed = 1;
        return;
    }
    memcpy(s, ev->data.scalar.value, len);
    s[len] = '\0';
    n->str = s;
    n->len = len;
    n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    mark_pos(n, ev->start_mark);
    attach(b, n);
}

static void on_container(Builder *b, const yaml_event_t *ev, YtKind kind)
{
    YtNode *n = yt_new(kind, NULL);
    if (!n) {
        b->rep->nomem = b->failed = 1;
        return;
    }
    mark_pos(n, ev->start_mark);
    attach(b, n);
}

/* Handles one event; returns 1 when the stream has ended. */
static int on_event(Builder *b, const yaml_event_t *ev)
{
    unsigned line = (unsigned)ev->start_mark.line + 1, col = (unsigned)ev->start_mark.column + 1;
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++b->docs > 1) {
            cfg_error_pos(b->rep, line, col, "a config file holds one YAML document; found a second");
            b->failed = 1;
        }
        break;
    case YAML_ALIAS_EVENT:
        cfg_error_pos(b->rep, line, col, "aliases (*%.60s) are not supported; write the value out",
                      (const char *)ev->data.alias.anchor);
        b->failed = 1;
        break;
    case YAML_SCALAR_EVENT: on_scalar(b, ev); break;
    case YAML_MAPPING_START_EVENT: on_container(b, ev, YT_MAP); break;
    case YAML_SEQUENCE_START_EVENT: on_container(b, ev, YT_SEQ); break;
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        if (b->depth > 0)
            b->depth--;
        break;
    case YAML_STREAM_END_EVENT: return 1;
    default: break;
    }
    return 0;
}

/* 1-based line and column of byte offset off in buf. */
static void offset_pos(const char *buf, size_t len, size_t off, unsigned *line, unsigned *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (buf[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static void syntax_error(Builder *b, const yaml_parser_t *p, const char *buf, size_t len)
{
    const char *problem = p->problem ? p->problem : "malformed YAML";
    if (p->error == YAML_MEMORY_ERROR) {
        b->rep->nomem = 1;
        return;
    }
    if (p->error == YAML_READER_ERROR) {
        unsigned line, col;
        offset_pos(buf, len, p->problem_offset, &line, &col);
        cfg_error_pos(b->rep, line, col, "%s (byte 0x%02x)", problem, (unsigned)p->problem_value & 0xFFu);
        return;
    }
    unsigned line = (unsigned)p->problem_mark.line + 1, col = (unsigned)p->problem_mark.column + 1;
    if (p->context)
        cfg_error_pos(b->rep, line, col, "%s (%s, started at %u:%u)", problem, p->context,
                      (unsigned)p->context_mark.line + 1, (unsigned)p->context_mark.column + 1);
    else
        cfg_error_pos(b->rep, line, col, "%s", problem);
}

CimStatus yt_load_buffer(const char *buf, size_t len, CfgReport *rep, YtNode **root)
{
    Builder b;
    yaml_parser_t p;
    memset(&b, 0, sizeof b);
    b.rep = rep;
    *root = NULL;
    if (!yaml_parser_initialize(&p))
        return CIM_ERR_NOMEM;
    yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
    size_t before = rep->errors;
    for (int done = 0; !done && !b.failed;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            syntax_error(&b, &p, buf, len);
            b.failed = 1;
            break;
        }
        done = on_event(&b, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    if (rep->nomem) {
        yt_free(b.root);
        return CIM_ERR_NOMEM;
    }
    if (b.failed) {
        yt_free(b.root);
        return CIM_ERR_CONFIG;
    }
    if (!b.root) {
        cfg_error_pos(rep, 0, 0, "file is empty; expected %s",
                      rep->expect ? rep->expect : "a mapping with a 'chip' or 'tech' key");
        return CIM_ERR_CONFIG;
    }
    *root = b.root;
    return rep->errors > before ? CIM_ERR_CONFIG : CIM_OK;
}

static CimStatus too_big(CfgReport *rep)
{
    cfg_error_pos(rep, 0, 0, "file is larger than %u MiB", YT_MAX_FILE_BYTES >> 20);
    return CIM_ERR_CONFIG;
}

CimStatus yt_load_file(const char *path, CfgReport *rep, YtNode **root)
{
    *root = NULL;
    size_t size;
    const char *why;
    FILE *f = cim_file_open_regular(path, &size, &why);
    if (!f && errno == EINVAL) { /* a FIFO, device or folder: reported, never read */
        cfg_error_pos(rep, 0, 0, "%s", why);
        return CIM_ERR_CONFIG;
    }
    if (!f)
        return CIM_ERR_IO;
    if (size > YT_MAX_FILE_BYTES) { /* the loop below refuses it too, after reading 16 MiB */
        fclose(f);
        return too_big(rep);
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    CimStatus st = buf ? CIM_OK : CIM_ERR_NOMEM;
    while (st == CIM_OK) {
        if (len == cap) {
            char *nb = cap >= YT_MAX_FILE_BYTES ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                st = cap >= YT_MAX_FILE_BYTES ? CIM_ERR_CONFIG : CIM_ERR_NOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int err = errno;
    if (st == CIM_OK && ferror(f))
        st = CIM_ERR_IO;
    else if (st == CIM_ERR_CONFIG)
        too_big(rep);
    fclose(f);
    if (st == CIM_OK)
        st = yt_load_buffer(buf, len, rep, root);
    free(buf);
    errno = err;
    return st;
}
