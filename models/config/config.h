/* Typed, validated configuration of the chip and its technology, and the loader every file
 * kind shares (libyaml, the only code that sees YAML): key schemas, overrides, compiler-style
 * errors, read-only YAML documents. Models take the structs already checked. */
#ifndef CIM_CONFIG_H
#define CIM_CONFIG_H

#include "models/common/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CIM_NAME_MAX 64
#define CIM_CFG_EXTENDS_MAX 8 /* files in one extends chain, the first one included */
#define CIM_PATH_MAX 512

/* ---- technology file (configs/tech/NAME.yaml) ------------------------------- */
typedef struct {
    double r_on_ohm;          /* LRS resistance (logic 1) */
    double r_off_ohm;         /* HRS resistance (logic 0) */
    double sigma_ln_on;       /* log-normal spread of the LRS resistance: std of ln(R) */
    double sigma_ln_off;      /* same for HRS */
    double read_noise_rel;    /* std of the multiplicative read-current noise, per read */
    double stuck_at_0_rate;   /* share of cells stuck in HRS */
    double stuck_at_1_rate;   /* share of cells stuck in LRS */
    double write_fail_prob;   /* probability that one SET/RESET pulse leaves the cell unchanged */
    double v_read_v;          /* bit-line read voltage */
    double v_set_v, v_reset_v;
    double i_compliance_ua;   /* SET compliance current set by the access transistor */
} CimDeviceCfg;

typedef struct {
    double t_read_ns;         /* word line on, bit line settled, sense decision latched */
    double t_set_ns, t_reset_ns;
    double t_verify_ns;       /* one verify read after a pulse */
    double t_adder_tree_ns;   /* column popcount through the adder tree */
    double t_shift_add_ns;
} CimTimingCfg;

typedef struct {
    double vdd_v;                  /* periphery supply */
    double wl_per_cell_fj;         /* word-line charge per cell on an activated row */
    double bl_per_cell_fj;         /* bit-line precharge per cell along an active column */
    double sense_compare_fj;       /* one comparator decision against one reference */
    double counter_update_fj;      /* one column-counter update (clocked, per column) */
    double full_adder_fj;          /* one full-adder bit operation (adder tree, shift-add) */
    double register_bit_fj;        /* one register bit read or written */
    double buffer_bit_fj;          /* one global-buffer bit read or written */
    double instruction_pj;         /* controller fetch + decode + issue of one instruction */
    double set_pulse_pj;           /* one SET pulse on one cell (driver + cell) */
    double reset_pulse_pj;         /* one RESET pulse on one cell */
    double leakage_per_macro_uw;   /* static power of one macro's periphery */
    double leakage_control_uw;     /* static power of controller and buffer */
} CimEnergyCfg;

typedef struct {
    double cell_um2;               /* one 1T1R cell */
    double wl_driver_um2;          /* per row: word-line driver with input gating */
    double write_driver_um2;       /* per column: SET/RESET driver + verify mux */
    double sense_amp_um2;          /* per column: one comparator (two references = two) */
    double counter_bit_um2;        /* per counter bit (flip-flop + half adder) */
    double full_adder_um2;         /* per full adder (adder tree, shift-add) */
    double register_bit_um2;       /* per register bit */
    double buffer_bit_um2;         /* per global-buffer bit (SRAM) */
    double controller_um2;         /* controller, instruction memory excluded */
} CimAreaCfg;

typedef struct {
    char name[CIM_NAME_MAX];
    double node_nm;
    CimDeviceCfg device;
    CimTimingCfg timing;
    CimEnergyCfg energy;
    CimAreaCfg area;
    /* tech.endurance (optional group; left out: its documented default) */
    double endurance_cycles;       /* SET/RESET cycles a cell survives */
} CimTechCfg;

/* ---- chip file (configs/chip/NAME.yaml) ------------------------------------ */
/* What a column counter does past 2^bits - 1: wrap around, or stay at the maximum. */
typedef enum { CIM_OVERFLOW_WRAP, CIM_OVERFLOW_SATURATE, CIM_OVERFLOW_COUNT } CimOverflow;
#define CIM_OVERFLOW_NAMES "wrap,saturate" /* chip.periphery.counter_overflow, in enum order */

typedef struct {
    unsigned rows, cols;           /* cells */
} CimArrayCfg;

typedef struct {
    unsigned counter_bits;         /* column counter width */
    CimOverflow counter_overflow;  /* what a counter does past 2^bits - 1 */
    unsigned shift_add_bits;       /* shift-add accumulator width */
} CimPeriphCfg;

typedef struct {
    /* Each reference sits between two adjacent nominal current levels I_k and I_k+1 at
     * I_k + frac * (I_k+1 - I_k). read: 0 vs 1 LRS on one row; low: 0 vs 1 LRS of two
     * rows; high: 1 vs 2 LRS of two rows. */
    double ref_read_frac, ref_low_frac, ref_high_frac;
} CimSenseCfg;

typedef struct {
    int verify;                    /* 1: read back after each pulse and retry */
    unsigned max_pulses;           /* pulses per cell before a write is reported failed */
} CimWriteCfg;

typedef struct {
    int enabled;                   /* 0: every operation exact */
    uint64_t seed;
} CimPhysicsCfg;

typedef struct {
    unsigned buffer_port_bits;     /* global-buffer bits read or written per cycle */
    unsigned dma_bits_per_cycle;   /* host DMA bandwidth */
    unsigned ppu_lanes;            /* post-processing adders working in parallel */
    unsigned ppu_size;             /* post-processing accumulators (outputs per position) */
    unsigned ir_bits;              /* input register: longest gated-read input */
} CimCtrlCfg;

/* How the compiler lays layers onto macros (docs/compiler.md, "Packing" and "Splitting"). */
typedef enum { CIM_MAP_SPREAD, CIM_MAP_PACK, CIM_MAP_STRATEGY_COUNT } CimMapStrategy;
#define CIM_MAP_STRATEGY_NAMES "spread,pack" /* chip.mapping.strategy, in enum order */
typedef enum { CIM_MAP_SPLIT_NONE, CIM_MAP_SPLIT_AUTO, CIM_MAP_SPLIT_COUNT } CimMapSplit;
#define CIM_MAP_SPLIT_NAMES "none,auto" /* chip.mapping.split, in enum order */

typedef enum { CIM_MAP_RELOAD_FORBID, CIM_MAP_RELOAD_ALLOW, CIM_MAP_RELOAD_COUNT } CimMapReload;
#define CIM_MAP_RELOAD_NAMES "forbid,allow" /* chip.mapping.reload, in enum order */

/* chip.mapping.replicate: copies of each layer's regions on spare macros (docs/compiler.md,
 * "Replication"): a number N >= 1, or a name for the value at its index in the names. */
#define CIM_MAP_REPLICATE_AUTO 0u  /* the compiler picks per layer */
#define CIM_MAP_REPLICATE_NONE 1u  /* one copy */
#define CIM_MAP_REPLICATE_NAMES "auto,none" /* the names of the values 0 and 1 */

typedef struct {
    CimMapStrategy strategy;       /* spread: a layer's regions on distinct macros first; pack: first fit */
    CimMapSplit split;             /* auto: more row tiles than the rows need, on spare macros */
    CimMapReload reload;           /* allow: layers take turns on the arrays, weights rewritten per image */
    unsigned replicate;            /* copies per layer: CIM_MAP_REPLICATE_AUTO, _NONE (1) or N */
} CimMappingCfg;

typedef struct {
    char name[CIM_NAME_MAX];
    char tech_path[CIM_PATH_MAX];  /* resolved relative to the chip file */
    double clock_mhz;
    unsigned macros;
    unsigned buffer_kib;
    CimArrayCfg array;
    CimPeriphCfg periph;
    CimSenseCfg sense;
    CimWriteCfg write;
    CimPhysicsCfg physics;
    CimCtrlCfg ctrl;
    CimMappingCfg mapping;
    CimTechCfg tech;               /* loaded from tech_path */
} CimChipCfg;

/* "key.path=value" overrides applied on top of the files, e.g. "chip.array.rows=128" or
 * "tech.device.sigma_ln_on=0.3"; each is validated like a value in the file. */
typedef struct {
    const char *const *items;
    size_t n;
} CimOverrides;

/* ---- key schemas -------------------------------------------------------------- */
/* A file kind's keys as one aligned table: every key path, its type, allowed range, unit,
 * default and place in the kind's typed struct. The loader, its error messages, the
 * documented defaults and the docs' key tables (`dcim config-doc`) are all derived from
 * the table. A schema lives beside the struct it fills: chip and tech here, run files in
 * workloads/run, the baselines in models/analog and models/gpu. */
typedef enum {
    CIM_CFG_MAP,      /* a group of keys */
    CIM_CFG_UINT,     /* unsigned */
    CIM_CFG_U64,      /* uint64_t */
    CIM_CFG_DOUBLE,   /* double */
    CIM_CFG_BOOL,     /* int, 0 or 1; YAML true/false only */
    CIM_CFG_ENUM,     /* int-sized enum, the index into choices */
    CIM_CFG_STRING,   /* char[CIM_NAME_MAX], or not stored */
    CIM_CFG_PATH      /* char[CIM_PATH_MAX] */
} CimCfgType;

typedef enum {
    CIM_CFG_ANY,      /* any value of the type */
    CIM_CFG_CLOSED,   /* [lo, hi] */
    CIM_CFG_OPEN_LO,  /* (lo, hi] */
    CIM_CFG_OPEN,     /* (lo, hi) */
    CIM_CFG_POS,      /* > 0 */
    CIM_CFG_NONNEG,   /* >= 0 */
    CIM_CFG_POW2,     /* a power of two in [lo, hi] */
    CIM_CFG_OPTIONAL, /* CIM_CFG_MAP only: the group may be left out as a whole; when it is
                       * present, the int at off (unless CIM_CFG_NOFIELD) is set to 1 */
    CIM_CFG_EMPTY_OK  /* CIM_CFG_PATH only: "" is allowed (quoted, or from an override) */
} CimCfgRule;

#define CIM_CFG_NOFIELD ((size_t)-1)

typedef struct {
    const char *path;     /* "chip.array.rows": the root, then one segment per group */
    CimCfgType type;
    CimCfgRule rule;
    double lo, hi;        /* bounds of the rule; CIM_CFG_ENUM: hi is the enum's count */
    const char *unit;     /* "" when dimensionless */
    size_t off;           /* offset in the schema's struct, or CIM_CFG_NOFIELD */
    const char *def;      /* default as written in the default file; NULL: none */
    const char *choices;  /* CIM_CFG_ENUM: the names in enum order, "wrap,saturate"; the
                           * enum's owner declares them beside it. CIM_CFG_UINT: names that
                           * may stand for the values 0, 1, ... ("auto,none"), outside
                           * the rule's range */
    const char *desc;     /* the key's line in the docs' key table (markdown) */
} CimCfgKey;

/* Rows every schema has: a group of keys, and a group's `source:` (checked, not stored). */
#define CIM_CFG_GROUP(path, desc) {path, CIM_CFG_MAP, CIM_CFG_ANY, 0, 0, "", CIM_CFG_NOFIELD, NULL, NULL, desc}
#define CIM_CFG_SOURCE(path)                                                                               \
    {path, CIM_CFG_STRING, CIM_CFG_ANY, 0, 0, "", CIM_CFG_NOFIELD, NULL, NULL,                             \
     "where the values of this group come from"}

/* The keys of one file as validated, for rules between keys. */
typedef struct CimCfgRules CimCfgRules;

typedef struct {
    const char *root;      /* the top-level key, "chip" */
    const CimCfgKey *keys; /* the root group first; each group before its keys */
    size_t n;
    size_t size;           /* sizeof the struct the offsets point into */
    /* 1: a key whose default is a number, boolean, choice or "" may be left out and takes
     * its default (so may a group of such keys); names and non-empty paths stay required
     * (a default path is relative to the default file). 0: every key is required. */
    int fill_defaults;
    /* Rules between keys, run after every key was checked on its own; cfg is the struct
     * as filled so far. NULL: none. */
    void (*rules)(CimCfgRules *r, const void *cfg);
} CimCfgSchema;

/* For a schema's rules: the text of key path's value as written (in the file, or by an
 * override), or NULL when the key is absent or was invalid on its own. */
const char *cim_cfg_rule_value(const CimCfgRules *r, const char *path, char *buf, size_t len);
/* An error at key path's value, which cim_cfg_rule_value found. */
void cim_cfg_rule_error(CimCfgRules *r, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

extern const CimCfgSchema cim_cfg_schema_chip; /* CimChipCfg */
extern const CimCfgSchema cim_cfg_schema_tech; /* CimTechCfg */

/* Loads a file of schema s into out (s->size bytes). Every problem is appended to diag as
 * path:line:col; returns CIM_ERR_CONFIG if there was any, CIM_ERR_IO if the file cannot be
 * read. Overrides must all start with s->root. A top-level `extends: BASE.yaml` (relative
 * to the file that writes it) reads BASE first, a file of the same kind that may extend
 * another (at most CIM_CFG_EXTENDS_MAX files in a chain, no cycles); the file's keys
 * replace BASE's, groups merge key by key. Path keys are resolved relative to the
 * directory of the file that wrote them (an absolute path stays as it is) and normalised
 * (cim_path_normalise); a path set by an override is taken as written, relative to the
 * working directory. Referenced files are not opened. out is fully written only on
 * CIM_OK. */
CimStatus cim_cfg_load(const char *path, const CimCfgSchema *s, const CimOverrides *ov, void *out, CimDiag *diag);
/* Writes the defaults of s into out (zeroed first). Path defaults are resolved relative to
 * file, the default file they are written in (NULL: kept as written). */
void cim_cfg_schema_defaults(const CimCfgSchema *s, const char *file, void *out);
/* Calls fn for every key of s, in table order, with the value cfg (a struct of s, as
 * loaded) holds, written as a file writes it ("256", "0.3", "true", "spread", "auto", a
 * path); text is NULL for a group and for a key without a field (a group's `source:`).
 * The keys of an optional group left out are skipped. models/config/dump.c */
typedef void (*CimCfgVisit)(void *ctx, const CimCfgKey *k, const char *text);
void cim_cfg_visit(const CimCfgSchema *s, const void *cfg, CimCfgVisit fn, void *ctx);
/* Checks the table itself: paths unique and under their groups, fields inside s->size,
 * every enum's choices counted against its hi, every default valid. Returns 0, or -1 with
 * the first problem written to why. */
int cim_cfg_schema_verify(const CimCfgSchema *s, char *why, size_t len);
/* The idx-th name of a choices string ("fast,program,cycle", 1 -> "program") into buf;
 * "" when idx is out of range. */
const char *cim_cfg_choice(const char *choices, int idx, char *buf, size_t len);
/* An integer key with named values (CimCfgKey.choices on CIM_CFG_UINT) as a file writes it:
 * the name of v when it has one ("auto,none", 0 -> "auto"), else the number. */
const char *cim_cfg_named_uint(const char *names, unsigned v, char *buf, size_t len);
/* Writes the markdown key table of s, one row per key (groups included): key, type,
 * range, unit, default, choices, description. docs/config.md, "Generated tables". */
void cim_cfg_write_table(const CimCfgSchema *s, FILE *out);

/* Loads a chip file and the technology file it names. Every problem in either file is
 * appended to diag as path:line:col; returns CIM_ERR_CONFIG if there was any, CIM_ERR_IO
 * if a file cannot be read. out is fully written only on CIM_OK. */
CimStatus cim_cfg_load_chip(const char *path, const CimOverrides *ov, CimChipCfg *out, CimDiag *diag);
/* Loads one technology file on its own. */
CimStatus cim_cfg_load_tech(const char *path, const CimOverrides *ov, CimTechCfg *out, CimDiag *diag);
/* A file kind `dcim check` knows: its top-level key, its checker and, for kinds read
 * against a key table, the schema (the registry of all kinds is workloads/run/kinds.h). */
typedef struct {
    const char *key;                                     /* its top-level key */
    CimStatus (*check)(const char *path, CimDiag *diag); /* validates one file */
    const CimCfgSchema *schema;                          /* NULL: not a key table (networks) */
} CimCfgKind;
/* Checks a file of any of the n kinds, chosen by its top-level key; a file of none of them
 * is reported with every kind listed in table order. */
CimStatus cim_cfg_check_kinds(const char *path, const CimCfgKind *kinds, size_t n, CimDiag *diag);
/* CimCfgKind checkers of chip and tech files (the chip's tech file is loaded too). */
CimStatus cim_cfg_check_chip(const char *path, CimDiag *diag);
CimStatus cim_cfg_check_tech(const char *path, CimDiag *diag);
/* cim_cfg_check_kinds over the kinds of this module: chip: and tech:. */
CimStatus cim_cfg_check(const char *path, CimDiag *diag);
/* "run., chip. or tech.": the roots of n schemas as override prefixes, into buf. */
const char *cim_cfg_roots_text(const CimCfgSchema *const *schemas, size_t n, char *buf, size_t len);
/* 1 when item ("chip.array.rows=128") names a key under the root of s. */
int cim_cfg_item_in(const char *item, const CimCfgSchema *s);
/* Writes the documented defaults into out (the values of configs/chip/default.yaml and
 * configs/tech/180nm_1t1r.yaml), for tests that need a chip without files. */
void cim_cfg_defaults(CimChipCfg *out);

/* ---- read-only YAML documents ---------------------------------------------- */
/* For files whose schema lives outside models/config (network files): the parsed tree,
 * node accessors, and checked readers that report errors as the loaders do, e.g.
 *   net.yaml:7:30: error: network.layers[2].out_channels must be in [1, 65536], got 0
 * Node pointers stay valid until cim_doc_free. Accessors accept NULL and return
 * NULL / 0 for a node of the wrong kind. */
typedef struct CimDoc CimDoc;
typedef struct YtNode CimDocNode;
typedef enum { CIM_DOC_SCALAR, CIM_DOC_MAP, CIM_DOC_SEQ } CimDocKind;
typedef enum {
    CIM_DOC_ANY,       /* cim_doc_double: any finite number */
    CIM_DOC_CLOSED,    /* [lo, hi] */
    CIM_DOC_POSITIVE   /* > 0 */
} CimDocRange;

/* Reads path. Syntax errors, duplicate keys (error at the second, note at the first),
 * aliases and an empty file ("expected a mapping with a 'ROOT_KEY' key"; root_key may be
 * NULL) are reported. Returns CIM_ERR_IO (reported: "cannot read file"), CIM_ERR_NOMEM,
 * CIM_ERR_CONFIG, or CIM_OK. *out is set (free it) whenever a tree was built, also on
 * CIM_ERR_CONFIG when only duplicate keys were found; else NULL. */
CimStatus cim_doc_load(const char *path, const char *root_key, CimDoc **out, CimDiag *diag);
void cim_doc_free(CimDoc *doc);
const char *cim_doc_file(const CimDoc *doc);    /* the path as given */
const CimDocNode *cim_doc_root(const CimDoc *doc);
CimDocKind cim_doc_kind(const CimDocNode *n);
unsigned cim_doc_line(const CimDocNode *n);     /* 1-based; 0: unknown */
unsigned cim_doc_col(const CimDocNode *n);
/* Mapping: number of keys (a repeated key counts once). Sequence: number of items. */
size_t cim_doc_len(const CimDocNode *n);
/* Value of key in a mapping, or NULL (absent, or n is not a mapping). */
const CimDocNode *cim_doc_get(const CimDocNode *map, const char *key);
/* The i-th key node of a mapping, i < cim_doc_len (repeated keys skipped); its value. */
const CimDocNode *cim_doc_key(const CimDocNode *map, size_t i);
const CimDocNode *cim_doc_value(const CimDocNode *map, size_t i);
const CimDocNode *cim_doc_item(const CimDocNode *seq, size_t i);
/* Scalar text (NUL-terminated; *len, if wanted, may count embedded NULs), else NULL. */
const char *cim_doc_text(const CimDocNode *n, size_t *len);
/* For messages: 'text' shortened, "a mapping", "a sequence" or "an empty value". */
const char *cim_doc_describe(const CimDocNode *n, char *buf, size_t len);

/* An error or note at node n (NULL: no position) in doc's file. */
void cim_doc_error(const CimDoc *doc, const CimDocNode *n, CimDiag *diag, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
void cim_doc_note(const CimDoc *doc, const CimDocNode *n, CimDiag *diag, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Checked readers: `what` names the value in messages ("network.layers[2].kernel").
 * Each returns CIM_OK with *v set, or CIM_ERR_CONFIG after reporting at n (wrong type,
 * out of range, quoted number...); *v is then unchanged. */
CimStatus cim_doc_uint(const CimDoc *doc, const CimDocNode *n, const char *what, unsigned lo,
                       unsigned hi, unsigned *v, CimDiag *diag);
CimStatus cim_doc_double(const CimDoc *doc, const CimDocNode *n, const char *what, CimDocRange range,
                         double lo, double hi, double *v, CimDiag *diag);
CimStatus cim_doc_bool(const CimDoc *doc, const CimDocNode *n, const char *what, int *v, CimDiag *diag);
/* A non-empty string without NULs of at most cap - 1 bytes, copied into buf[cap]. */
CimStatus cim_doc_string(const CimDoc *doc, const CimDocNode *n, const char *what, char *buf, size_t cap,
                         CimDiag *diag);
/* One of the comma-separated choices ("a,b,c"); *idx is its position. */
CimStatus cim_doc_enum(const CimDoc *doc, const CimDocNode *n, const char *what, const char *choices,
                       int *idx, CimDiag *diag);
/* Value of key in map, or NULL after "missing key 'KEY' in 'WHAT'" (+ " (DETAIL)") at map. */
const CimDocNode *cim_doc_need(const CimDoc *doc, const CimDocNode *map, const char *key, const char *what,
                               const char *detail, CimDiag *diag);
/* Reports every key of map not in valid ("type,kernel"):
 *   unknown key 'kernal' in 'network.layers[1]' (maxpool); expected one of: type, kernel
 * what "" means the top level; detail may be NULL. A non-mapping is reported as
 * "WHAT must be a mapping of keys, got ...". Returns the number of errors. */
size_t cim_doc_check_keys(const CimDoc *doc, const CimDocNode *map, const char *what, const char *detail,
                          const char *valid, CimDiag *diag);

#ifdef __cplusplus
}
#endif
#endif
