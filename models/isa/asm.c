/* The assembler (text -> words: one scan counts, one collects labels, one emits, so labels
 * may be used before they are defined) and the program disassembler, whose text assembles
 * back to the same words. Syntax: isa.def's header comment and docs/isa.md. */
#include "models/isa/isa_impl.h"

#include "models/array/array.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPS 8 /* operands kept per line; more are only counted */
#define SHOW 40   /* at most this many bytes of a token are quoted in a message */

typedef struct {
    const char *s;
    size_t len;
    unsigned col; /* 1-based */
} Tok;

typedef struct {
    Tok label, mnem; /* len 0: none */
    Tok op[MAX_OPS];
    unsigned nops;
    int bad; /* a syntax error was found (and reported when asked to) */
} Line;

typedef struct {
    const char *s;
    size_t len, addr;
    unsigned line, col;
} Label;

typedef enum { SCAN_COUNT, SCAN_LABELS, SCAN_EMIT } ScanMode;

typedef struct {
    const char *name;
    CimDiag *diag;
    ScanMode mode;
    unsigned line;
    Label *labels;
    size_t nlabels, ninsn, errors, base;
    CimProgram *p;
} Asm;

#define TOK(t) (int)((t)->len < SHOW ? (t)->len : SHOW), (t)->s

static void err(Asm *as, unsigned col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void err(Asm *as, unsigned col, const char *fmt, ...)
{
    as->errors++;
    if (as->mode != SCAN_EMIT)
        return;
    va_list ap;
    va_start(ap, fmt);
    cim_diag_vadd(as->diag, CIM_SEV_ERROR, as->name, as->line, col, fmt, ap);
    va_end(ap);
}

/* ---- lexing ------------------------------------------------------------- */

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '.';
}

static Tok make_tok(const char *line, size_t from, size_t to)
{
    Tok t = {line + from, to - from, (unsigned)(from + 1)};
    return t;
}

/* One comma-separated operand in line[from, to): trimmed, a single word. */
static void split_operand(Asm *as, const char *s, size_t from, size_t to, Line *ln)
{
    while (from < to && is_space(s[from]))
        from++;
    while (to > from && is_space(s[to - 1]))
        to--;
    if (from == to) {
        err(as, (unsigned)(from + 1), "missing operand");
        ln->bad = 1;
    }
    for (size_t i = from; i < to && !ln->bad; i++)
        if (is_space(s[i])) {
            while (is_space(s[i]))
                i++;
            Tok t = make_tok(s, i, to);
            err(as, t.col, "unexpected '%.*s'; operands are separated by ','", TOK(&t));
            ln->bad = 1;
        }
    if (ln->nops < MAX_OPS)
        ln->op[ln->nops] = make_tok(s, from, to);
    ln->nops++;
}

/* Splits one line (len bytes, no newline) into label, mnemonic and operands. */
static void split_line(Asm *as, const char *s, size_t len, Line *ln)
{
    memset(ln, 0, sizeof *ln);
    const char *hash = memchr(s, '#', len);
    if (hash)
        len = (size_t)(hash - s);
    size_t i = 0;
    while (i < len && is_space(s[i]))
        i++;
    size_t j = i;
    while (j < len && is_ident(s[j]))
        j++;
    if (j > i && j < len && s[j] == ':') {
        ln->label = make_tok(s, i, j);
        if (is_digit(s[i])) {
            err(as, ln->label.col, "invalid label name '%.*s'; a label starts with a letter, '_' or '.'",
                TOK(&ln->label));
            ln->bad = 1;
        }
        for (i = j + 1; i < len && is_space(s[i]);)
            i++;
    }
    for (j = i; j < len && !is_space(s[j]) && s[j] != ',';)
        j++;
    if (j == i && i == len)
        return;
    ln->mnem = make_tok(s, i, j);
    while (j < len && is_space(s[j]))
        j++;
    if (j == len)
        return;
    for (size_t k = j;; k++)
        if (k == len || s[k] == ',') {
            split_operand(as, s, j, k, ln);
            if (k == len)
                break;
            j = k + 1;
        }
}

/* ---- numbers and operands ----------------------------------------------- */

/* Decimal or 0x hex with an optional '-'. Returns 0 if t is not a number; *over is set
 * when the magnitude exceeds 2^64-1. */
static int parse_num(const Tok *t, int *neg, uint64_t *mag, int *over)
{
    size_t i = 0, start;
    unsigned base = 10;
    *neg = t->len > 0 && t->s[0] == '-';
    i = (size_t)*neg;
    if (t->len >= i + 2 && t->s[i] == '0' && (t->s[i + 1] == 'x' || t->s[i + 1] == 'X')) {
        base = 16;
        i += 2;
    }
    *mag = 0;
    *over = 0;
    for (start = i; i < t->len; i++) {
        char c = t->s[i];
        unsigned d = is_digit(c) ? (unsigned)(c - '0')
                     : base == 16 && c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : base == 16 && c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                                          : 99u;
        if (d >= base)
            return 0;
        if (*mag > (UINT64_MAX - d) / base)
            *over = 1;
        else
            *mag = *mag * base + d;
    }
    return i > start;
}

/* A number as a signed value; 0 if it is not a number. Values past int64 become INT64_MAX
 * or INT64_MIN, which every range check refuses. */
static int parse_i64(const Tok *t, int64_t *v)
{
    int neg, over;
    uint64_t mag;
    if (!parse_num(t, &neg, &mag, &over))
        return 0;
    if (over || mag > (uint64_t)INT64_MAX)
        *v = neg ? INT64_MIN : INT64_MAX;
    else
        *v = neg ? -(int64_t)mag : (int64_t)mag;
    return 1;
}

/* "r7" -> 7 for prefix 'r'; -1 if t is not prefix + decimal digits. */
static int64_t parse_prefixed(const Tok *t, char prefix)
{
    if (t->len < 2 || t->len > 6 || t->s[0] != prefix)
        return -1;
    int64_t v = 0;
    for (size_t i = 1; i < t->len; i++) {
        if (!is_digit(t->s[i]))
            return -1;
        v = v * 10 + (t->s[i] - '0');
    }
    return v;
}

static int label_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

static int label_sort(const void *x, const void *y)
{
    const Label *a = x, *b = y;
    int c = label_cmp(a->s, a->len, b->s, b->len);
    return c ? c : (a->line > b->line) - (a->line < b->line);
}

/* The first definition of a label, or NULL. */
static const Label *find_label(const Asm *as, const char *s, size_t len)
{
    size_t lo = 0, hi = as->nlabels;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (label_cmp(as->labels[mid].s, as->labels[mid].len, s, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < as->nlabels && label_cmp(as->labels[lo].s, as->labels[lo].len, s, len) == 0)
        return &as->labels[lo];
    return NULL;
}

/* A branch target: a label or a number; 0 (reported) if neither resolves. */
static int parse_target(Asm *as, const Tok *t, int64_t *v)
{
    if (!is_ident(t->s[0]) || is_digit(t->s[0]))
        return parse_i64(t, v);
    for (size_t i = 0; i < t->len; i++)
        if (!is_ident(t->s[i]))
            return 0;
    const Label *l = find_label(as, t->s, t->len);
    if (!l) {
        err(as, t->col, "undefined label '%.*s'", TOK(t));
        return -1;
    }
    *v = (int64_t)l->addr;
    return 1;
}

/* Parses operand t as o into in; 0 after reporting an error. */
static int parse_operand(Asm *as, const Tok *t, const IsaOperand *o, CimInsn *in)
{
    int64_t v = -1, lo, hi;
    int ok;
    cim_isa_operand_range(o, &lo, &hi);
    switch (o->kind) {
    case OPK_REG:
        if ((v = parse_prefixed(t, 'r')) < lo || v > hi) {
            err(as, t->col, "%s must be a register r0..r15, got '%.*s'", o->name, TOK(t));
            return 0;
        }
        break;
    case OPK_MAC:
        if ((v = parse_prefixed(t, 'm')) < lo || v > hi) {
            err(as, t->col, "%s must be a macro m0..m255, got '%.*s'", o->name, TOK(t));
            return 0;
        }
        break;
    case OPK_MODE:
        v = t->len == 3 && memcmp(t->s, "ref", 3) == 0 ? 0 : t->len == 4 && memcmp(t->s, "skip", 4) == 0 ? 1 : -1;
        if (v < 0) {
            err(as, t->col, "%s must be 'ref' or 'skip', got '%.*s'", o->name, TOK(t));
            return 0;
        }
        break;
    default:
        ok = o->kind == OPK_TGT24 ? parse_target(as, t, &v) : parse_i64(t, &v);
        if (ok < 0)
            return 0;
        if (!ok) {
            err(as, t->col, "%s must be a %s, got '%.*s'", o->name,
                o->kind == OPK_TGT24 ? "label or an address" : "number", TOK(t));
            return 0;
        }
        if (v < lo || v > hi) {
            if (t->s[0] == '-' || is_digit(t->s[0]))
                err(as, t->col, "%s must be in %" PRId64 "..%" PRId64 ", got %.*s", o->name, lo, hi, TOK(t));
            else
                err(as, t->col, "label '%.*s' is at address %" PRId64 ", past the 24-bit target range",
                    TOK(t), v);
            return 0;
        }
    }
    cim_isa_operand_set(in, o, v);
    return 1;
}

/* ---- instructions ------------------------------------------------------- */

/* `.word VALUE`: a raw word, which must decode. */
static int parse_word(Asm *as, const Line *ln, uint64_t *w)
{
    int neg, over;
    uint64_t v;
    CimInsn in;
    if (ln->nops != 1) {
        err(as, ln->mnem.col, "'.word' takes 1 operand (value), got %u", ln->nops);
        return 0;
    }
    if (!parse_num(&ln->op[0], &neg, &v, &over) || neg || over) {
        err(as, ln->op[0].col, "value must be in 0..0xffffffffffffffff, got '%.*s'", TOK(&ln->op[0]));
        return 0;
    }
    if (cim_isa_decode(v, &in) != CIM_OK) {
        err(as, ln->op[0].col, "no instruction has opcode 0x%02x", (unsigned)(v >> 56));
        return 0;
    }
    *w = v;
    return 1;
}

/* The mnemonic, with dual's logic op suffix; 0 after reporting an error. */
static int parse_mnemonic(Asm *as, const Tok *m, CimInsn *in)
{
    const char *dot = memchr(m->s, '.', m->len);
    size_t blen = dot ? (size_t)(dot - m->s) : m->len;
    int id = cim_isa_find(m->s, blen);
    int dual = id >= 0 && cim_isa_info((CimInsnId)id)->format == CIM_F_MRR;
    if (id < 0 || (dot && !dual)) {
        err(as, m->col, "unknown instruction '%.*s'", TOK(m));
        return 0;
    }
    in->id = (CimInsnId)id;
    if (!dual)
        return 1;
    char names[128], op[16] = "";
    cim_op_mnemonics(names, sizeof names);
    if (!dot) {
        err(as, m->col, "'%.*s' needs a logic op suffix such as '%.*s.xor'; expected one of: %s", TOK(m),
            TOK(m), names);
        return 0;
    }
    size_t olen = m->len - blen - 1;
    memcpy(op, dot + 1, olen < sizeof op ? olen : 0);
    CimLogicOp lop;
    if (olen >= sizeof op || cim_op_parse(op, &lop) != CIM_OK) {
        Tok t = {dot + 1, olen, m->col + (unsigned)blen + 1};
        err(as, t.col, "unknown logic op '%.*s'; expected one of: %s", TOK(&t), names);
        return 0;
    }
    in->c = cim_op_info(lop)->opcode;
    return 1;
}

static void count_error(Asm *as, const Tok *m, const IsaFormatSpec *s, unsigned got)
{
    char list[128];
    size_t used = 0;
    list[0] = '\0';
    for (unsigned i = 0; i < s->n && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", s->op[i].name);
    const char *dot = memchr(m->s, '.', m->len);
    int mlen = dot ? (int)(dot - m->s) : (int)m->len;
    if (s->n == 0)
        err(as, m->col, "'%.*s' takes no operands, got %u", mlen, m->s, got);
    else
        err(as, m->col, "'%.*s' takes %u operand%s (%s), got %u", mlen, m->s, s->n, s->n == 1 ? "" : "s",
            list, got);
}

/* Assembles one instruction line into *w; 0 after reporting its errors. */
static int parse_insn(Asm *as, const Line *ln, uint64_t *w)
{
    if (ln->mnem.len == 5 && memcmp(ln->mnem.s, ".word", 5) == 0)
        return parse_word(as, ln, w);
    CimInsn in;
    memset(&in, 0, sizeof in);
    if (!parse_mnemonic(as, &ln->mnem, &in))
        return 0;
    const IsaFormatSpec *s = cim_isa_format_spec(cim_isa_info(in.id)->format);
    if (ln->nops != s->n) {
        count_error(as, &ln->mnem, s, ln->nops);
        return 0;
    }
    int ok = 1;
    for (unsigned i = 0; i < s->n; i++)
        ok &= parse_operand(as, &ln->op[i], &s->op[i], &in);
    if (ok)
        *w = cim_isa_encode(&in);
    return ok;
}

/* ---- passes ------------------------------------------------------------- */

static void define_label(Asm *as, const Tok *t)
{
    if (as->mode == SCAN_LABELS) {
        Label l = {t->s, t->len, as->base + as->ninsn, as->line, t->col};
        as->labels[as->nlabels++] = l;
    } else if (as->mode == SCAN_EMIT) {
        const Label *first = find_label(as, t->s, t->len);
        if (first && first->line != as->line) {
            err(as, t->col, "duplicate label '%.*s'", TOK(t));
            cim_diag_add(as->diag, CIM_SEV_NOTE, as->name, first->line, first->col,
                         "'%.*s' first defined here", TOK(t));
        }
    } else {
        as->nlabels++;
    }
}

static void scan_line(Asm *as, const char *s, size_t len)
{
    Line ln;
    split_line(as, s, len, &ln);
    if (ln.label.len && !is_digit(ln.label.s[0]))
        define_label(as, &ln.label);
    if (!ln.mnem.len)
        return;
    uint64_t w;
    if (as->mode == SCAN_EMIT && !ln.bad && parse_insn(as, &ln, &w))
        as->p->words[as->base + as->ninsn] = w;
    as->ninsn++;
}

/* One pass over every line; returns the errors it found. */
static size_t scan(Asm *as, const char *text, ScanMode mode)
{
    as->mode = mode;
    as->line = 0;
    as->ninsn = 0;
    as->errors = 0;
    if (mode != SCAN_EMIT)
        as->nlabels = 0; /* counted, then filled in; the emit pass looks them up */
    for (const char *s = text; *s || s == text;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        as->line++;
        scan_line(as, s, len);
        if (!nl)
            break;
        s = nl + 1;
    }
    return as->errors;
}

CimStatus cim_isa_assemble(const char *text, const char *name, CimProgram *p, const CimAlloc *a,
                           CimDiag *diag)
{
    Asm as;
    memset(&as, 0, sizeof as);
    as.name = name ? name : "<input>";
    as.diag = diag;
    as.base = p->n;
    as.p = p;
    scan(&as, text, SCAN_COUNT);
    size_t nlabels = as.nlabels;
    if (nlabels && !(as.labels = cim_alloc_array(a, nlabels, sizeof *as.labels))) {
        cim_diag_add(diag, CIM_SEV_ERROR, as.name, 0, 0, "out of memory for %zu labels", nlabels);
        return CIM_ERR_NOMEM;
    }
    scan(&as, text, SCAN_LABELS);
    if (as.nlabels)
        qsort(as.labels, as.nlabels, sizeof *as.labels, label_sort);
    CimStatus st = cim_program_reserve(p, as.ninsn, a);
    if (st != CIM_OK)
        cim_diag_add(diag, CIM_SEV_ERROR, as.name, 0, 0, "out of memory for %zu instructions", as.ninsn);
    else if (scan(&as, text, SCAN_EMIT) != 0)
        st = CIM_ERR_CONFIG;
    else
        p->n += as.ninsn;
    cim_free(a, as.labels);
    return st;
}

/* ---- program disassembly ------------------------------------------------ */

/* Branch target of word w, or SIZE_MAX if it is no canonical branch or jump. */
static size_t branch_target(uint64_t w)
{
    CimInsn in;
    if (cim_isa_decode(w, &in) != CIM_OK || !cim_isa_canonical(&in))
        return SIZE_MAX;
    CimInsnFormat f = cim_isa_info(in.id)->format;
    return f == CIM_F_BR || f == CIM_F_J ? (size_t)cim_isa_cd(&in) : SIZE_MAX;
}

/* One line of the listing; returns 0 for a word no instruction has. */
static int disasm_line(const CimProgram *p, size_t i, FILE *out)
{
    char buf[96];
    CimInsn in;
    if (cim_isa_decode(p->words[i], &in) != CIM_OK) {
        fprintf(out, "    .word 0x%016" PRIx64 "  # unknown opcode 0x%02x\n", p->words[i],
                (unsigned)(p->words[i] >> 56));
        return 0;
    }
    cim_isa_disasm(&in, buf, sizeof buf);
    size_t t = branch_target(p->words[i]);
    if (t < p->n) { /* the target is the last operand: print its label instead */
        char *sp = strrchr(buf, ' ');
        snprintf(sp + 1, sizeof buf - (size_t)(sp + 1 - buf), "L%zu", t);
    }
    fprintf(out, "    %s\n", buf);
    return 1;
}

CimStatus cim_isa_disasm_program(const CimProgram *p, FILE *out)
{
    unsigned char *target = cim_alloc(NULL, p->n);
    if (!target)
        return CIM_ERR_NOMEM;
    for (size_t i = 0; i < p->n; i++) {
        size_t t = branch_target(p->words[i]);
        if (t < p->n)
            target[t] = 1;
    }
    fprintf(out, "# dcim program: %zu instruction%s\n", p->n, p->n == 1 ? "" : "s");
    int ok = 1;
    for (size_t i = 0; i < p->n; i++) {
        if (target[i])
            fprintf(out, "L%zu:\n", i);
        ok &= disasm_line(p, i, out);
    }
    cim_free(NULL, target);
    if (fflush(out) != 0 || ferror(out))
        return CIM_ERR_IO;
    return ok ? CIM_OK : CIM_ERR_RANGE;
}
