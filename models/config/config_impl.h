/* Internal to models/config/: the small YAML tree the loader reads files into, the
 * error reporter every stage shares, and the key schema (one table per file kind).
 * Never included from outside this folder. */
#ifndef CIM_CONFIG_IMPL_H
#define CIM_CONFIG_IMPL_H

#include "models/config/config.h"

/* ---- error reporting ---------------------------------------------------- */
/* Appends path:line:col diagnostics for one file. An optional note is added once, right
 * after the first error (a tech file's errors point back at the chip file's tech: line). */
typedef struct {
    CimDiag *diag;
    const char *file;        /* path of the file being read, as given */
    size_t errors;           /* errors reported through this reporter */
    int nomem;               /* set when building a tree or resolving a path ran out of memory */
    const char *note_file;   /* NULL: no note */
    unsigned note_line, note_col;
    const char *note_msg;
    const char *expect;      /* what the file should hold, for the empty-file message:
                              * "a mapping with a 'run' key"; NULL: chip or tech */
} CfgReport;

/* ---- YAML tree ---------------------------------------------------------- */
typedef enum { YT_SCALAR, YT_MAP, YT_SEQ } YtKind;

typedef struct YtNode YtNode;
struct YtNode {
    YtKind kind;
    unsigned line, col;   /* 1-based; 0 for nodes an override made */
    const char *origin;   /* NULL: read from the file; else the override text that set it */
    const char *file;     /* NULL: the file being loaded; else the base file (extends:) it came from */
    char *str;            /* scalar text, NUL-terminated (may hold NULs before len) */
    size_t len;
    int quoted;           /* scalar was quoted or a block scalar: never a number or bool */
    int dup;              /* mapping key repeated later in its mapping: skipped */
    YtNode **items;       /* mapping: key at 2i, value at 2i+1; sequence: the items */
    size_t n, cap;
};

#define YT_MAX_DEPTH 64
#define YT_MAX_KEYS 4096 /* per mapping: duplicate detection is quadratic */
#define YT_MAX_FILE_BYTES (16u << 20)
/* Values (scalars, mappings, sequences) in one file: a 1024-layer network file holds about
 * 20,000; the cap keeps a hostile file (millions of one-character items, under the byte cap)
 * from taking seconds and hundreds of MB before it is refused. */
#define YT_MAX_NODES 200000u

/* Reads path into a tree. Syntax errors, duplicate keys (error at the second occurrence,
 * note at the first), aliases, a second document, nesting past YT_MAX_DEPTH, mappings past
 * YT_MAX_KEYS, more than YT_MAX_NODES values, a path that is not a regular file (FIFO, device,
 * folder: refused without blocking) and an empty file are reported through rep. Returns CIM_ERR_IO, with errno set and nothing reported,
 * if the file cannot be read (the caller knows which file the user named where),
 * CIM_ERR_NOMEM, CIM_ERR_CONFIG on a reported problem (*root may still be set when only
 * duplicate keys were found), else CIM_OK with *root set. */
CimStatus yt_load_file(const char *path, CfgReport *rep, YtNode **root);
/* Same, from a buffer of len bytes (used by yt_load_file and by tests). */
CimStatus yt_load_buffer(const char *buf, size_t len, CfgReport *rep, YtNode **root);
void yt_free(YtNode *n);
YtNode *yt_new(YtKind kind, const char *origin);
/* Appends item to a mapping or sequence; 0 on success, -1 out of memory. */
int yt_append(YtNode *parent, YtNode *item);
/* Value of the first (non-duplicate) key named key in map, or NULL; *keynode if wanted. */
YtNode *yt_map_get(const YtNode *map, const char *key, YtNode **keynode);
/* "a mapping", "a sequence", "an empty value" or the scalar quoted and shortened, for
 * messages: 'abc'. buf receives the text. */
const char *yt_describe(const YtNode *n, char *buf, size_t len);
/* The scalar's text shortened as in yt_describe, without quotes (for numbers). */
const char *yt_text(const YtNode *n, char *buf, size_t len);

void cfg_error(CfgReport *r, const YtNode *at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* An error at a known position (0 = unknown), outside any node. */
void cfg_error_pos(CfgReport *r, unsigned line, unsigned col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
void cfg_note_pos(CfgReport *r, unsigned line, unsigned col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* ---- key schemas (the table format is public: config.h) ---------------- */
/* What a schema's rules see: the valid value node of each key (NULL: absent or invalid). */
struct CimCfgRules {
    const CimCfgSchema *s;
    CfgReport *rep;
    const YtNode **seen; /* per key of s */
};


/* Index of the key with this exact path, or -1. */
long cfg_schema_find(const CimCfgSchema *s, const char *path);
/* Last segment of key path when its parent is parent ("" = top level), else NULL. */
const char *cfg_schema_child(const char *path, const char *parent);
/* "rows, cols": the keys directly under parent, comma separated, into buf. */
const char *cfg_schema_children(const CimCfgSchema *s, const char *parent, char *buf, size_t len);

/* "; did you mean 'rows'?" when one of the names in list ("rows, cols": comma and optional
 * spaces) is near got (cim_suggest), else "", into buf. got: len bytes. */
const char *cfg_did_you_mean(const char *got, size_t len, const char *list, char *buf, size_t buflen);

/* ---- extends and defaults (extends.c) ------------------------------------ */
/* The base files an extends chain read; they own the paths YtNode.file points at. */
typedef struct {
    char *files[CIM_CFG_EXTENDS_MAX];
    size_t n;
} CfgBases;

/* Replaces *tree, read from path, by its extends chain merged under it (see cim_cfg_load);
 * problems are reported through rep at the extends: value. The extends key is removed. */
CimStatus cfg_extends_apply(const char *path, const CimCfgSchema *s, CfgReport *rep, YtNode **tree,
                            CfgBases *bases);
void cfg_bases_free(CfgBases *b);
/* 1 when key k of s may be left out (CimCfgSchema.fill_defaults); a group when all its
 * keys may. */
int cfg_key_fillable(const CimCfgSchema *s, const CimCfgKey *k);
/* Stores the default of every key of s that may be left out into out. */
void cfg_fill_defaults(const CimCfgSchema *s, void *out);

/* ---- values ------------------------------------------------------------- */
/* The rule of key k as the error messages and the docs state it: "in [16, 4096]",
 * "a power of two in [16, 4096]", "> 0", "a finite number"... */
const char *cfg_rule_text(const CimCfgKey *k, char *buf, size_t len);
/* Converts scalar text for key k and stores it at base + k->off (when stored). Returns 0,
 * or -1 after reporting the problem at node at (which carries the text). */
int cfg_store_value(const CimCfgKey *k, const YtNode *at, void *base, CfgReport *rep);
/* Stores key k's default text (k->def) at base + k->off as cfg_store_value would read it
 * from a file ("" as a quoted empty string). 0, or -1 after reporting; keys without a
 * field or a default are left alone (0). */
int cfg_store_default(const CimCfgKey *k, void *base, CfgReport *rep);

#endif
