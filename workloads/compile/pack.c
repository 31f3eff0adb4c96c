/* The 2-D allocator of macro cells: every region is a rectangle of one macro's array
 * (rows x columns), placed bottom-left on a skyline per macro, so that pieces of different
 * layers (and row tiles of one layer) sit side by side in columns as well as in rows. */
#include "workloads/compile/compile_impl.h"

#include <string.h>

CimStatus cim_pack_init(CimPack *p, unsigned macros, unsigned rows, unsigned cols, const CimAlloc *a)
{
    p->macros = macros;
    p->rows = rows;
    p->cols = cols;
    p->a = a;
    p->first_fit = 0;
    p->height = cim_alloc_array(a, (size_t)macros * cols, sizeof *p->height);
    p->top = cim_alloc_array(a, macros, sizeof *p->top);
    p->busy = cim_alloc_array(a, macros, sizeof *p->busy);
    if (!p->height || !p->top || !p->busy) {
        cim_pack_free(p);
        return CIM_ERR_NOMEM;
    }
    return CIM_OK;
}

void cim_pack_free(CimPack *p)
{
    cim_free(p->a, p->height);
    cim_free(p->a, p->top);
    cim_free(p->a, p->busy);
    p->height = p->top = NULL;
    p->busy = NULL;
}

void cim_pack_clear(CimPack *p)
{
    for (size_t i = 0; i < (size_t)p->macros * p->cols; i++)
        p->height[i] = 0;
    for (unsigned m = 0; m < p->macros; m++)
        p->top[m] = 0;
}

void cim_pack_next_layer(CimPack *p)
{
    for (unsigned m = 0; m < p->macros; m++)
        p->busy[m] = 0;
}

/* The highest used row + 1 over columns [c, c + ncols) of a macro's skyline h. */
static unsigned window_top(const unsigned *h, unsigned c, unsigned ncols)
{
    unsigned top = 0;
    for (unsigned j = c; j < c + ncols; j++)
        top = h[j] > top ? h[j] : top;
    return top;
}

/* Lowest row at which an nrows x ncols rectangle fits in macro m, leftmost column among
 * those; 0 when it fits nowhere. Only the starts of skyline segments need trying: the
 * leftmost window under a given height starts at column 0 or right after a taller column.
 * Example: heights 9 x 32 columns then 0 x 96, a 116 x 16 piece: col0 0 gives row 9,
 * col0 32 gives row 0, so (0, 32). */
static int fit_in(const CimPack *p, unsigned m, unsigned nrows, unsigned ncols, unsigned *row0, unsigned *col0)
{
    const unsigned *h = p->height + (size_t)m * p->cols;
    int found = 0;
    for (unsigned c = 0; c + ncols <= p->cols; c++) {
        if (c > 0 && h[c] == h[c - 1])
            continue;
        unsigned top = window_top(h, c, ncols);
        if (top + nrows <= p->rows && (!found || top < *row0)) {
            *row0 = top;
            *col0 = c;
            found = 1;
        }
    }
    return found;
}

/* Marks rows [row0, row0 + nrows) x columns [col0, col0 + ncols) of macro m used and
 * writes the rectangle into r. */
static void occupy(CimPack *p, unsigned m, unsigned row0, unsigned nrows, unsigned col0, unsigned ncols, CimRegion *r)
{
    unsigned *h = p->height + (size_t)m * p->cols;
    for (unsigned j = col0; j < col0 + ncols; j++)
        h[j] = row0 + nrows;
    if (row0 + nrows > p->top[m])
        p->top[m] = row0 + nrows;
    p->busy[m] = 1;
    r->macro = m;
    r->row0 = row0;
    r->nrows = nrows;
    r->col0 = col0;
    r->ncols = ncols;
}

int cim_pack_place(CimPack *p, unsigned nrows, unsigned ncols, CimRegion *r)
{
    int best = -1;
    unsigned brow = 0, bcol = 0;
    for (int pass = p->first_fit; pass < 2 && best < 0; pass++)
        for (unsigned m = 0; m < p->macros; m++) {
            unsigned row0 = 0, col0 = 0;
            if ((pass == 0 && p->busy[m]) || (best >= 0 && (p->first_fit || p->top[m] >= p->top[best])))
                continue;
            if (fit_in(p, m, nrows, ncols, &row0, &col0)) {
                best = (int)m;
                brow = row0;
                bcol = col0;
            }
        }
    if (best < 0)
        return -1;
    occupy(p, (unsigned)best, brow, nrows, bcol, ncols, r);
    return 0;
}

int cim_pack_cut(CimPack *p, unsigned length, unsigned ncols, unsigned max_e0, CimRegion *out, unsigned *n)
{
    *n = 0;
    for (unsigned e = 0; e < length;) {
        int best = -1;
        unsigned brow = 0, bcol = 0;
        if (e > max_e0)
            return -1;
        for (unsigned m = 0; m < p->macros; m++) {
            const unsigned *h = p->height + (size_t)m * p->cols;
            for (unsigned c = 0; c + ncols <= p->cols; c++) {
                if (c > 0 && h[c] == h[c - 1])
                    continue;
                unsigned top = window_top(h, c, ncols);
                if (top < p->rows && (best < 0 || top < brow)) {
                    best = (int)m;
                    brow = top;
                    bcol = c;
                }
            }
        }
        if (best < 0)
            return -1;
        unsigned rows = p->rows - brow < length - e ? p->rows - brow : length - e;
        CimRegion r;
        occupy(p, (unsigned)best, brow, rows, bcol, ncols, &r);
        r.e0 = e;
        r.f0 = 0;
        if (out)
            out[*n] = r;
        (*n)++;
        e += rows;
    }
    return 0;
}

CimStatus cim_pack_snap(const CimPack *p, CimPackSnap *s)
{
    s->height = cim_alloc_array(p->a, (size_t)p->macros * p->cols, sizeof *s->height);
    s->top = cim_alloc_array(p->a, p->macros, sizeof *s->top);
    if (!s->height || !s->top) {
        cim_pack_snap_free(p, s);
        return CIM_ERR_NOMEM;
    }
    memcpy(s->height, p->height, (size_t)p->macros * p->cols * sizeof *s->height);
    memcpy(s->top, p->top, p->macros * sizeof *s->top);
    return CIM_OK;
}

void cim_pack_restore(CimPack *p, const CimPackSnap *s)
{
    memcpy(p->height, s->height, (size_t)p->macros * p->cols * sizeof *s->height);
    memcpy(p->top, s->top, p->macros * sizeof *s->top);
}

void cim_pack_snap_free(const CimPack *p, CimPackSnap *s)
{
    cim_free(p->a, s->height);
    cim_free(p->a, s->top);
    s->height = s->top = NULL;
}
