/* OFF mesh reader (Princeton Shape Benchmark / ModelNet convention) and the area-weighted
 * surface sampler of the PointNet++ reference (docs/formats.md, "Meshes: OFF"). */
#include "workloads/io/cloud_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The parser's cursor: the unread text and the current line (comment stripped). */
typedef struct {
    const char *p, *end;
    const char *ls, *le; /* current line's content */
    unsigned next;       /* number of the next line to read (1-based) */
    unsigned line;       /* number of the current line */
    const char *path;
    CimDiag *diag;
    int bad; /* errors reported */
} Off;

typedef struct {
    const char *s;
    size_t n;
    unsigned col;
} Tok;

static void err(Off *o, unsigned line, unsigned col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static void err(Off *o, unsigned line, unsigned col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cim_diag_vadd(o->diag, CIM_SEV_ERROR, o->path, line, col, fmt, ap);
    va_end(ap);
    o->bad = 1;
}

static void note(Off *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void note(Off *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cim_diag_vadd(o->diag, CIM_SEV_NOTE, o->path, o->line, 0, fmt, ap);
    va_end(ap);
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/* Moves to the next line with content (after dropping a # comment); 0 at the end. */
static int next_line(Off *o)
{
    while (o->p < o->end) {
        const char *nl = memchr(o->p, '\n', (size_t)(o->end - o->p));
        o->ls = o->p;
        o->le = nl ? nl : o->end;
        o->p = nl ? nl + 1 : o->end;
        o->line = o->next++;
        const char *hash = memchr(o->ls, '#', (size_t)(o->le - o->ls));
        if (hash)
            o->le = hash;
        for (const char *q = o->ls; q < o->le; q++)
            if (!is_space(*q))
                return 1;
    }
    return 0;
}

/* The next token of the current line from *q; 0 when the line has no more. */
static int next_tok(Off *o, const char **q, Tok *t)
{
    const char *a = *q;
    while (a < o->le && is_space(*a))
        a++;
    if (a >= o->le)
        return 0;
    const char *b = a;
    while (b < o->le && !is_space(*b))
        b++;
    t->s = a;
    t->n = (size_t)(b - a);
    t->col = (unsigned)(a - o->ls) + 1;
    *q = b;
    return 1;
}

/* A token for a message: at most 24 bytes, non-printable bytes as '?'. */
static const char *show(const Tok *t, char *buf)
{
    size_t n = t->n > 24 ? 24 : t->n;
    for (size_t i = 0; i < n; i++)
        buf[i] = (t->s[i] >= 0x20 && t->s[i] < 0x7F) ? t->s[i] : '?';
    strcpy(buf + n, t->n > 24 ? "..." : "");
    return buf;
}

enum { NUM_OK, NUM_BAD, NUM_NEG, NUM_BIG, NUM_NONFINITE };

/* A whole token as an unsigned integer up to CIM_MESH_MAX_COUNT. */
static int parse_uint(const Tok *t, unsigned long long *v)
{
    size_t i = (t->n > 1 && t->s[0] == '-') ? 1 : 0;
    unsigned long long x = 0;
    if (i == t->n)
        return NUM_BAD;
    for (size_t k = i; k < t->n; k++) {
        if (t->s[k] < '0' || t->s[k] > '9')
            return NUM_BAD;
        if (x <= CIM_MESH_MAX_COUNT)
            x = x * 10 + (unsigned)(t->s[k] - '0');
    }
    if (i)
        return x ? NUM_NEG : NUM_OK;
    *v = x;
    return x > CIM_MESH_MAX_COUNT ? NUM_BIG : NUM_OK;
}

/* A whole token as a finite double (strtod syntax). */
static int parse_real(const Tok *t, double *v)
{
    char buf[128];
    if (t->n >= sizeof buf)
        return NUM_BAD;
    memcpy(buf, t->s, t->n);
    buf[t->n] = '\0';
    char *e;
    *v = strtod(buf, &e);
    if (e != buf + t->n || t->n == 0)
        return NUM_BAD;
    return isfinite(*v) ? NUM_OK : NUM_NONFINITE;
}

/* The header: `OFF` with the counts on the same line or the next one. 1 when read. */
static int read_header(Off *o, unsigned long long cnt[3])
{
    static const char *const what[3] = {"vertex", "face", "edge"};
    char b[32];
    Tok t;
    const char *q;
    if (!next_line(o)) {
        err(o, 1, 0, "empty file: expected 'OFF' and the counts");
        return 0;
    }
    q = o->ls;
    next_tok(o, &q, &t);
    if (t.n < 3 || memcmp(t.s, "OFF", 3) != 0) {
        if (t.n > 3 && memcmp(t.s + t.n - 3, "OFF", 3) == 0)
            err(o, o->line, t.col,
                "unsupported OFF variant '%s'; only plain OFF (positions and faces) is read",
                show(&t, b));
        else
            err(o, o->line, t.col, "not an OFF file: expected 'OFF', got '%s'", show(&t, b));
        return 0;
    }
    q = t.s + 3; /* the counts may follow on the same line: "OFF490 518 0" */
    const char *probe = q;
    if (!next_tok(o, &probe, &t)) {
        if (!next_line(o)) {
            err(o, o->line, 0, "file ends after 'OFF'; expected the counts: vertices faces edges");
            return 0;
        }
        q = o->ls;
    }
    for (int i = 0; i < 3; i++) {
        if (!next_tok(o, &q, &t)) {
            err(o, o->line, 0, "expected 3 counts (vertices faces edges), got %d", i);
            return 0;
        }
        int r = parse_uint(&t, &cnt[i]);
        if (r == NUM_BAD)
            err(o, o->line, t.col, "the %s count must be a whole number, got '%s'", what[i],
                show(&t, b));
        else if (r == NUM_NEG)
            err(o, o->line, t.col, "the %s count is negative (%s)", what[i], show(&t, b));
        else if (r == NUM_BIG)
            err(o, o->line, t.col, "the %s count %s is above the limit of %u", what[i],
                show(&t, b), CIM_MESH_MAX_COUNT);
        if (r != NUM_OK)
            return 0;
    }
    if (next_tok(o, &q, &t)) {
        err(o, o->line, t.col, "unexpected '%s' after the counts (vertices faces edges)",
            show(&t, b));
        return 0;
    }
    if (cnt[0] == 0)
        err(o, o->line, 0, "the mesh has no vertices");
    if (cnt[1] == 0)
        err(o, o->line, 0, "the mesh has no faces, so there is no surface to sample");
    return cnt[0] && cnt[1];
}

/* A line of only whole numbers whose first is the count of the rest: a face. */
static int looks_like_face(Off *o)
{
    const char *q = o->ls;
    Tok t;
    unsigned long long v, k = 0, n = 0;
    while (next_tok(o, &q, &t)) {
        if (parse_uint(&t, &v) != NUM_OK)
            return 0;
        if (n++ == 0)
            k = v;
    }
    return n >= 4 && k == n - 1;
}

/* Three numbers that are not a face: a vertex. */
static int looks_like_vertex(Off *o)
{
    const char *q = o->ls;
    Tok t;
    double x;
    int n = 0;
    while (next_tok(o, &q, &t))
        if (n++ >= 3 || parse_real(&t, &x) != NUM_OK)
            return 0;
    return n == 3;
}

static void read_vertex(Off *o, size_t i, double *v)
{
    static const char axis[3] = {'x', 'y', 'z'};
    const char *q = o->ls;
    char b[32];
    Tok t;
    for (int c = 0; c < 3; c++) {
        if (!next_tok(o, &q, &t)) {
            err(o, o->line, 0, "vertex %zu has %d coordinate%s; expected 3 (x y z)", i, c,
                c == 1 ? "" : "s");
            return;
        }
        int r = parse_real(&t, &v[c]);
        if (r == NUM_BAD)
            err(o, o->line, t.col, "vertex %zu: expected a number for %c, got '%s'", i,
                axis[c], show(&t, b));
        else if (r == NUM_NONFINITE)
            err(o, o->line, t.col, "vertex %zu has a non-finite coordinate '%s'", i,
                show(&t, b));
        if (r != NUM_OK)
            return;
    }
    if (next_tok(o, &q, &t))
        err(o, o->line, t.col,
            "vertex %zu has more than 3 values ('%s' after z); colours and normals are not "
            "supported",
            i, show(&t, b));
}

static void read_face(Off *o, size_t f, size_t nv, uint32_t *idx)
{
    const char *q = o->ls;
    char b[32];
    Tok t;
    unsigned long long k, v;
    next_tok(o, &q, &t);
    int r = parse_uint(&t, &k);
    if (r != NUM_OK) {
        err(o, o->line, t.col, "face %zu: the vertex count must be a whole number, got '%s'", f,
            show(&t, b));
        return;
    }
    if (k < 3) {
        err(o, o->line, t.col, "face %zu has %llu vertices; a face needs at least 3", f, k);
        return;
    }
    for (unsigned long long m = 0; m < k; m++) {
        if (!next_tok(o, &q, &t)) {
            err(o, o->line, 0, "face %zu lists %llu of its %llu vertex indices", f, m, k);
            return;
        }
        r = parse_uint(&t, &v);
        if (r == NUM_BAD)
            err(o, o->line, t.col, "face %zu: a vertex index must be a whole number, got '%s'",
                f, show(&t, b));
        else if (r == NUM_NEG)
            err(o, o->line, t.col, "face %zu has a negative vertex index %s", f, show(&t, b));
        else if (r == NUM_BIG || v >= nv)
            err(o, o->line, t.col,
                "face %zu refers to vertex %s, past the last of the %zu vertices (0..%zu)", f,
                show(&t, b), nv, nv - 1);
        if (r != NUM_OK || v >= nv)
            return;
        if (m < 3)
            idx[m] = (uint32_t)v;
    }
    if (next_tok(o, &q, &t))
        err(o, o->line, t.col,
            "face %zu has more values than its %llu vertex indices ('%s'); colours are not "
            "supported",
            f, k, show(&t, b));
}

/* Vertices, faces, then nothing but comments and blank lines. The first bad vertex line
 * that looks like a face (or face line like a vertex) gets a note on the counts. */
static void read_body(Off *o, CimMesh *m)
{
    int hinted = 0;
    for (size_t i = 0; i < m->n_verts; i++) {
        if (!next_line(o)) {
            err(o, o->next - 1, 0, "file ends after %zu of %zu vertices (truncated)", i,
                m->n_verts);
            return;
        }
        size_t before = o->diag->errors;
        if (o->bad && before > CIM_DIAG_MAX_ERRORS)
            return; /* this file already failed and the rest would not be shown */
        read_vertex(o, i, m->verts + 3 * i);
        if (o->diag->errors > before && !hinted && looks_like_face(o)) {
            note(o, "this line looks like a face: is the header's vertex count (%zu) too large?",
                 m->n_verts);
            hinted = 1;
        }
    }
    for (size_t f = 0; f < m->n_faces; f++) {
        if (!next_line(o)) {
            err(o, o->next - 1, 0, "file ends after %zu of %zu faces (truncated)", f,
                m->n_faces);
            return;
        }
        size_t before = o->diag->errors;
        if (o->bad && before > CIM_DIAG_MAX_ERRORS)
            return;
        read_face(o, f, m->n_verts, m->faces + 3 * f);
        if (o->diag->errors > before && !hinted && looks_like_vertex(o)) {
            note(o, "this line looks like a vertex: is the header's vertex count (%zu) too "
                    "small?",
                 m->n_verts);
            hinted = 1;
        }
    }
    if (next_line(o)) {
        const char *q = o->ls;
        Tok t;
        char b[32];
        next_tok(o, &q, &t);
        err(o, o->line, t.col,
            "more data ('%s') after the last of the header's %zu face%s: the counts do not "
            "match the file",
            show(&t, b), m->n_faces, m->n_faces == 1 ? "" : "s");
    }
}

CimStatus cim_mesh_parse_off(const char *text, size_t len, const char *path,
                             const CimAlloc *alloc, CimMesh *out, CimDiag *diag)
{
    memset(out, 0, sizeof *out);
    Off o = {text, text + len, NULL, NULL, 1, 0, path, diag, 0};
    unsigned long long cnt[3];
    if (!read_header(&o, cnt))
        return CIM_ERR_FORMAT;
    /* Every number takes at least one byte, so counts no file could hold fail here instead
     * of asking for a huge allocation. */
    unsigned long long left = (unsigned long long)(o.end - o.p);
    if (3 * cnt[0] + 4 * cnt[1] > left) {
        err(&o, o.line, 0,
            "the counts promise %llu vertices and %llu faces, more than the %llu bytes after "
            "them can hold (truncated file?)",
            cnt[0], cnt[1], left);
        return CIM_ERR_FORMAT;
    }
    if (alloc)
        out->alloc = *alloc;
    out->verts = cim_alloc_array(alloc, (size_t)cnt[0] * 3, sizeof(double));
    out->faces = out->verts ? cim_alloc_array(alloc, (size_t)cnt[1] * 3, sizeof(uint32_t)) : NULL;
    if (!out->faces) {
        cim_mesh_free(out);
        return CIM_ERR_NOMEM;
    }
    out->n_verts = (size_t)cnt[0];
    out->n_faces = (size_t)cnt[1];
    read_body(&o, out);
    if (o.bad) {
        cim_mesh_free(out);
        return CIM_ERR_FORMAT;
    }
    return CIM_OK;
}

CimStatus cim_mesh_load_off(const char *path, const CimAlloc *alloc, CimMesh *out,
                            CimDiag *diag)
{
    memset(out, 0, sizeof *out);
    char *text;
    size_t len;
    CimStatus s = cloud_read_file(path, alloc, &text, &len, diag);
    if (s != CIM_OK)
        return s;
    s = cim_mesh_parse_off(text, len, path, alloc, out, diag);
    cim_free(alloc, text);
    return s;
}

void cim_mesh_free(CimMesh *m)
{
    cim_free(&m->alloc, m->verts);
    cim_free(&m->alloc, m->faces);
    memset(m, 0, sizeof *m);
}

/* ---- sampling --------------------------------------------------------------------------- */

/* First face whose running area exceeds x; faces of area 0 are never chosen. */
static size_t pick_face(const double *cum, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo == n) { /* x rounded up to the total: the last face with area */
        lo = n - 1;
        while (lo > 0 && cum[lo] == cum[lo - 1])
            lo--;
    }
    return lo;
}

CimStatus cim_mesh_sample(const CimMesh *m, size_t points, CimRng *rng, const CimAlloc *alloc,
                          double *xyz, const char *path, CimDiag *diag)
{
    if (points == 0)
        return CIM_ERR_RANGE;
    double *cum = cim_alloc_array(alloc, m->n_faces, sizeof(double));
    if (!cum)
        return CIM_ERR_NOMEM;
    double total = 0;
    for (size_t f = 0; f < m->n_faces; f++) {
        const uint32_t *v = m->faces + 3 * f;
        total += cloud_heron(m->verts + 3 * v[0], m->verts + 3 * v[1], m->verts + 3 * v[2]);
        cum[f] = total;
    }
    if (!(total > 0) || !isfinite(total)) {
        cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0,
                     total > 0 ? "the surface area is not finite (coordinates too large)"
                               : "the surface area is 0 (every face is degenerate), so there "
                                 "is nothing to sample");
        cim_free(alloc, cum);
        return CIM_ERR_FORMAT;
    }
    for (size_t j = 0; j < points; j++) {
        const uint32_t *v = m->faces + 3 * pick_face(cum, m->n_faces, cim_rng_uniform(rng) * total);
        cloud_triangle_point(rng, m->verts + 3 * v[0], m->verts + 3 * v[1], m->verts + 3 * v[2],
                             xyz + 3 * j);
    }
    cim_free(alloc, cum);
    return CIM_OK;
}
