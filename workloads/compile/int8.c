/* The int8 1x1 convolution's mapping (bit-sliced weights in regions placed by pack.c),
 * buffer layout, load program and position program. docs/compiler.md, "int8 1x1 convolution". */
#include "workloads/compile/int8.h"
#include "workloads/compile/compile_impl.h"

#include "models/chip/ppu.h"

#include <limits.h>
#include <string.h>

static size_t align64(size_t x) { return (x + 63u) & ~(size_t)63u; }

CimInt8Piece cim_int8_piece(const CimInt8Conv *c, unsigned p)
{
    /* Even split of the F filters into pieces_per_bit parts, none empty (q <= F). Example:
     * F = 300, 2 pieces per bit -> filters [0, 150) and [150, 300). */
    unsigned q = c->pieces_per_bit, k = p % q;
    CimInt8Piece pc = {p / q, (unsigned)((uint64_t)k * c->F / q), 0};
    pc.n = (unsigned)((uint64_t)(k + 1) * c->F / q) - pc.f0;
    return pc;
}

/* Row tiles of equal height, at most min(rows, counter max) so that no counter overflows;
 * column tiles of whole pieces, as many as fit the columns. Example: C = 259, F = 256 on
 * 256 x 256 with 10-bit counters: 2 row tiles of 130 and 129 rows; 1 piece per bit, 1
 * piece per tile: 8 column tiles of 256 columns, 16 regions. */
static CimStatus shape(const CimChipCfg *cfg, CimInt8Conv *c)
{
    unsigned rows = cfg->array.rows, cols = cfg->array.cols;
    uint32_t cmax = cim_counter_max(cfg->periph.counter_bits);
    unsigned h = rows < cmax ? rows : (unsigned)cmax;
    c->row_tiles = (c->C + h - 1) / h;
    unsigned tile = (c->C + c->row_tiles - 1) / c->row_tiles;
    c->pieces_per_bit = (c->F + cols - 1) / cols;
    c->piece_w = (c->F + c->pieces_per_bit - 1) / c->pieces_per_bit;
    unsigned npieces = CIM_INT8_BITS * c->pieces_per_bit, per_tile = cols / c->piece_w;
    c->col_tiles = (npieces + per_tile - 1) / per_tile;
    c->nregions = c->row_tiles * c->col_tiles;
    c->regions = cim_alloc_array(&c->alloc, c->nregions, sizeof *c->regions);
    if (!c->regions)
        return CIM_ERR_NOMEM;
    for (unsigned j = 0, i = 0; j < c->col_tiles; j++)
        for (unsigned t = 0; t < c->row_tiles; t++, i++) {
            CimInt8Region *r = &c->regions[i];
            r->piece0 = j * per_tile;
            r->npieces = npieces - r->piece0 < per_tile ? npieces - r->piece0 : per_tile;
            r->r.e0 = t * tile;
            r->r.nrows = c->C - r->r.e0 < tile ? c->C - r->r.e0 : tile;
            r->r.ncols = 0;
            for (unsigned p = r->piece0; p < r->piece0 + r->npieces; p++)
                r->r.ncols += cim_int8_piece(c, p).n;
        }
    return CIM_OK;
}

/* The limits of the instruction fields and units this mapping relies on, each named. */
static CimStatus check_limits(const CimChipCfg *cfg, unsigned C, unsigned F, CimDiag *diag)
{
    unsigned sab = cfg->periph.shift_add_bits, need = 2;
    uint64_t most = (uint64_t)C << 14; /* the largest sum: C x (-128) x (-128) */
    while (need < 64 && most > ((uint64_t)1 << (need - 1)) - 1)
        need++;
    if (C == 0 || F == 0)
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0, "int8 conv: %u channels x %u filters; both must be >= 1", C, F);
    else if (C > cfg->ctrl.ir_bits || C > CIM_ISA_FIELD_MAX)
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                     "int8 conv: %u input channels exceed the input register (ctrl.ir_bits %u) or gated's 12-bit "
                     "input offset (at most %u)", C, cfg->ctrl.ir_bits, CIM_ISA_FIELD_MAX);
    else if (F > cfg->ctrl.ppu_size || F > CIM_ISA_FIELD_MAX)
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                     "int8 conv: %u filters exceed the PPU (ctrl.ppu_size %u) or lcfg's 12-bit field (at most %u)", F,
                     cfg->ctrl.ppu_size, CIM_ISA_FIELD_MAX);
    else if (sab < need)
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                     "int8 conv: %u channels give sums up to %llu, which need periphery.shift_add_bits >= %u, the "
                     "chip has %u", C, (unsigned long long)most, need, sab);
    else
        return CIM_OK;
    return CIM_ERR_CONFIG;
}

static CimStatus place(const CimChipCfg *cfg, CimInt8Conv *c, CimDiag *diag)
{
    CimPack p;
    CimStatus st = cim_pack_init(&p, cfg->macros, cfg->array.rows, cfg->array.cols, &c->alloc);
    if (st != CIM_OK)
        return st;
    p.first_fit = cfg->mapping.strategy == CIM_MAP_PACK;
    cim_pack_next_layer(&p);
    for (unsigned i = 0; i < c->nregions && st == CIM_OK; i++) {
        CimInt8Region *r = &c->regions[i];
        if (cim_pack_place(&p, r->r.nrows, r->r.ncols, &r->r) != 0) {
            cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                         "int8 conv %u x %u does not fit: %u regions of up to %u x %u cells (%u row x %u column "
                         "tiles of the C x 8F bit-sliced weights) and %u macros of %ux%u cells; raise chip.macros",
                         c->C, c->F, c->nregions, c->regions[0].r.nrows, c->regions[0].r.ncols, c->row_tiles,
                         c->col_tiles, cfg->macros, cfg->array.rows, cfg->array.cols);
            st = CIM_ERR_CONFIG;
        } else if (r->r.macro > 0xFFu) {
            cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                         "int8 conv %u x %u: region %u lands on macro m%u, past the instructions' 8-bit macro field "
                         "(m0..m255)", c->C, c->F, i, r->r.macro);
            st = CIM_ERR_CONFIG;
        }
    }
    cim_pack_free(&p);
    return st;
}

/* The bits of (macro m, row) from every region covering it, at stream bit `at`: cell
 * (row, column of piece bit i, filter f) = bit i of w[f][channel]. */
static void put_row(const CimInt8Conv *c, const int8_t *w, unsigned m, unsigned row, uint64_t *stream, size_t at)
{
    for (unsigned i = 0; i < c->nregions; i++) {
        const CimRegion *r = &c->regions[i].r;
        if (r->macro != m || row < r->row0 || row >= r->row0 + r->nrows)
            continue;
        unsigned ch = r->e0 + row - r->row0, col = r->col0;
        for (unsigned p = c->regions[i].piece0; p < c->regions[i].piece0 + c->regions[i].npieces; p++) {
            CimInt8Piece pc = cim_int8_piece(c, p);
            for (unsigned k = 0; k < pc.n; k++)
                cim_bits_set(stream, at + col + k, ((uint8_t)w[(size_t)(pc.f0 + k) * c->C + ch] >> pc.bit) & 1u);
            col += pc.n;
        }
    }
}

/* Load program: every used (macro, row) once through the staging area (dmai + wrow), then
 * the layer table (zeros: no output is pruned, thresholds and offsets are unused). */
static CimStatus build_load(const CimChipCfg *cfg, const int8_t *w, CimInt8Conv *c)
{
    size_t nmap = (size_t)cfg->macros * cfg->array.rows, rows = 0;
    uint64_t *done = cim_alloc_array(&c->alloc, cim_bits_words(nmap), sizeof *done);
    if (!done)
        return CIM_ERR_NOMEM;
    cim_bits_clear(done, nmap);
    for (unsigned i = 0; i < c->nregions; i++)
        for (unsigned row = c->regions[i].r.row0; row < c->regions[i].r.row0 + c->regions[i].r.nrows; row++) {
            size_t bit = (size_t)c->regions[i].r.macro * cfg->array.rows + row;
            rows += !cim_bits_get(done, bit);
            cim_bits_set(done, bit, 1);
        }
    c->load_bits = rows * cfg->array.cols + c->table_bits;
    c->load_stream = cim_alloc_array(&c->alloc, cim_bits_words(c->load_bits) + 1, sizeof(uint64_t));
    if (!c->load_stream) {
        cim_free(&c->alloc, done);
        return CIM_ERR_NOMEM;
    }
    cim_bits_clear(done, nmap);
    Emit e = {&c->prog_load, &c->alloc, CIM_OK};
    em_li(&e, R_ADDR, (int32_t)c->stage_addr);
    size_t n = 0;
    for (unsigned i = 0; i < c->nregions; i++) {
        const CimRegion *r = &c->regions[i].r;
        for (unsigned row = r->row0; row < r->row0 + r->nrows; row++) {
            size_t bit = (size_t)r->macro * cfg->array.rows + row;
            if (cim_bits_get(done, bit))
                continue;
            cim_bits_set(done, bit, 1);
            put_row(c, w, r->macro, row, c->load_stream, n++ * cfg->array.cols);
            em_nbits(&e, CIM_I_DMAI, R_ADDR, cfg->array.cols);
            em(&e, CIM_I_WROW, r->macro, row, R_ADDR, 0, 0);
        }
    }
    em_li(&e, R_TMP, (int32_t)c->table_addr);
    em_nbits(&e, CIM_I_DMAI, R_TMP, (uint32_t)c->table_bits);
    em(&e, CIM_I_HALT, 0, 0, 0, 0, 0);
    cim_free(&c->alloc, done);
    return e.st;
}

/* Round of every region: how many earlier regions share its macro (one set of counters
 * per macro: its regions take turns, as in the binary layers' programs); returns the
 * number of rounds. */
static unsigned rounds_of(const CimInt8Conv *c, unsigned macros, unsigned *round, unsigned *seen)
{
    unsigned n = 0;
    memset(seen, 0, macros * sizeof *seen);
    for (unsigned i = 0; i < c->nregions; i++) {
        round[i] = seen[c->regions[i].r.macro]++;
        n = round[i] + 1 > n ? round[i] + 1 : n;
    }
    return n;
}

/* csel only when the macro's window differs from the one the code before selected. */
static void sel(Emit *e, uint32_t *win, unsigned m, unsigned col0, unsigned ncol)
{
    uint32_t want = (uint32_t)col0 << 16 | (ncol - 1u);
    if (win[m] == want)
        return;
    win[m] = want;
    em(e, CIM_I_CSEL, m, col0, ncol - 1u, 0, 0);
}

/* Input plane j (bit j of every code) into the input register. */
static void em_ild(Emit *e, const CimInt8Conv *c, unsigned j)
{
    unsigned reg = R_IN;
    if (j) {
        em_addi(e, R_TMP, R_IN, (int32_t)(j * c->C));
        reg = R_TMP;
    }
    em_nbits(e, CIM_I_ILD, reg, c->C);
}

/* Region i's gated read of the plane in the input register, from cleared counters. */
static void em_gate(Emit *e, const CimInt8Conv *c, unsigned i, uint32_t *win)
{
    const CimRegion *r = &c->regions[i].r;
    sel(e, win, r->macro, r->col0, r->ncols);
    em(e, CIM_I_CCLR, r->macro, 0, 0, 0, 0);
    em(e, CIM_I_GATED, r->macro, r->row0, r->nrows - 1u, r->e0, 0);
}

/* Region i's counters of plane j into the PPU: per piece its window and one pacc, shift
 * bit + j, negated per cim_int8_negated. */
static void em_paccs(Emit *e, const CimInt8Conv *c, unsigned i, unsigned j, uint32_t *win)
{
    const CimRegion *r = &c->regions[i].r;
    unsigned col = r->col0;
    for (unsigned p = c->regions[i].piece0; p < c->regions[i].piece0 + c->regions[i].npieces; p++) {
        CimInt8Piece pc = cim_int8_piece(c, p);
        sel(e, win, r->macro, col, pc.n);
        em(e, CIM_I_PACC, r->macro, pc.f0, pc.bit + j, (unsigned)cim_int8_negated(pc.bit, j), 0);
        col += pc.n;
    }
}

/* The host I/O of neighbouring positions, overlapped with this one's arithmetic. The
 * previous position's sums (from the second position on: R_PX >= R_ONE) go out in 7 parts,
 * part k right after this position's ild of plane k + 1, so that a dmao, which holds the
 * buffer port ceil(bits / D) cycles, rarely delays the next ild; the next position's planes
 * come in (unless this is the last: R_HO < R_PX + 2) once the last plane is in the input
 * register. Part k: int32 results [k F / 7, (k + 1) F / 7), none when empty. */
static void em_prev_out(Emit *e, const CimInt8Conv *c, unsigned k)
{
    unsigned parts = CIM_INT8_BITS - 1, w0 = k * c->F / parts, w1 = (k + 1) * c->F / parts;
    if (w1 == w0)
        return;
    em_branch(e, CIM_I_BLT, R_PX, R_ONE, e->p->n + 3);
    em_addi(e, R_ADDR, R_OUT, (int32_t)(32u * w0));
    em_nbits(e, CIM_I_DMAO, R_ADDR, 32u * (w1 - w0));
}

static void em_next_in(Emit *e, const CimInt8Conv *c)
{
    em_addi(e, R_ACC, R_PX, 2);
    em_branch(e, CIM_I_BLT, R_HO, R_ACC, e->p->n + 2);
    em_nbits(e, CIM_I_DMAI, R_IN, CIM_INT8_BITS * c->C);
}

/* One position, software-pipelined. Step s = (plane j, round) gates the round's regions
 * (one per macro); steps run plane-major. Each macro's gated read of step s + 1 is issued
 * right after its own paccs of step s, so that it runs while the other macros' paccs of
 * step s wait for the PPU (in-order issue would otherwise hold every macro until the last
 * pacc of the step); the next plane is loaded (ild) once the gated reads of step s, which
 * latched the current one, are all issued. at[m * rounds + round]: the region of macro m
 * in that round, or UINT_MAX. */
static void em_position(Emit *e, const CimInt8Conv *c, const unsigned *round, const unsigned *at, unsigned rounds,
                        unsigned macros, uint32_t *win)
{
    unsigned steps = CIM_INT8_BITS * rounds;
    em_ild(e, c, 0);
    for (unsigned i = 0; i < c->nregions; i++)
        if (round[i] == 0)
            em_gate(e, c, i, win);
    for (unsigned s = 0; s < steps; s++) {
        unsigned j = s / rounds, rd = s % rounds, nj = (s + 1) / rounds, nrd = (s + 1) % rounds, more = s + 1 < steps;
        if (more && nj != j) {
            em_ild(e, c, nj);
            em_prev_out(e, c, nj - 1);
            if (nj == CIM_INT8_BITS - 1)
                em_next_in(e, c);
        }
        for (unsigned m = 0; more && m < macros; m++) /* macros idle in step s start step s + 1 at once */
            if (at[m * rounds + rd] == UINT_MAX && at[m * rounds + nrd] != UINT_MAX)
                em_gate(e, c, at[m * rounds + nrd], win);
        for (unsigned i = 0; i < c->nregions; i++) {
            if (round[i] != rd)
                continue;
            em_paccs(e, c, i, j, win);
            unsigned next = more ? at[c->regions[i].r.macro * rounds + nrd] : UINT_MAX;
            if (next != UINT_MAX)
                em_gate(e, c, next, win);
        }
    }
}

CimStatus cim_int8_program(const CimChipCfg *cfg, CimInt8Conv *c, unsigned npos)
{
    if (npos == 0 || npos >= (1u << 23))
        return CIM_ERR_RANGE;
    uint32_t *win = cim_alloc_array(&c->alloc, cfg->macros, sizeof *win);
    unsigned *round = cim_alloc_array(&c->alloc, c->nregions, sizeof *round);
    unsigned rounds = win && round ? rounds_of(c, cfg->macros, round, win) : 0;
    unsigned *at = rounds ? cim_alloc_array(&c->alloc, (size_t)cfg->macros * rounds, sizeof *at) : NULL;
    if (!at) {
        cim_free(&c->alloc, win);
        cim_free(&c->alloc, round);
        return CIM_ERR_NOMEM;
    }
    for (size_t k = 0; k < (size_t)cfg->macros * rounds; k++)
        at[k] = UINT_MAX;
    for (unsigned i = 0; i < c->nregions; i++)
        at[c->regions[i].r.macro * rounds + round[i]] = i;
    cim_program_free(&c->prog, &c->alloc);
    cim_program_init(&c->prog);
    c->npos = npos;
    Emit e = {&c->prog, &c->alloc, CIM_OK};
    em_li(&e, R_ADDR, (int32_t)c->table_addr);
    em(&e, CIM_I_WCFG, R_ADDR, 1, 1, 1, 1u << 4); /* a 1x1 window: lcfg's table has one pattern */
    em(&e, CIM_I_LCFG, R_ADDR, c->F, 0, 0, 0);
    em_li(&e, R_IN, (int32_t)c->in_addr);
    em_li(&e, R_OUT, (int32_t)c->out_addr);
    em_li(&e, R_HO, (int32_t)npos);
    em_li(&e, R_PX, 0);
    em_li(&e, R_ONE, 1);
    em_nbits(&e, CIM_I_DMAI, R_IN, CIM_INT8_BITS * c->C); /* the first position's planes */
    uint64_t loop = c->prog.n;
    for (unsigned m = 0; m < cfg->macros; m++)
        win[m] = UINT32_MAX; /* unknown at the loop head */
    em(&e, CIM_I_PCLR, 0, 0, 0, 0, 0);
    em_position(&e, c, round, at, rounds, cfg->macros, win);
    em(&e, CIM_I_PSTI, R_OUT, 0, 0, 0, 0);
    em_addi(&e, R_PX, R_PX, 1);
    em_branch(&e, CIM_I_BLT, R_PX, R_HO, loop);
    em_nbits(&e, CIM_I_DMAO, R_OUT, 32u * c->F); /* the last position's sums */
    em(&e, CIM_I_HALT, 0, 0, 0, 0, 0);
    cim_free(&c->alloc, win);
    cim_free(&c->alloc, round);
    cim_free(&c->alloc, at);
    return e.st;
}

static CimStatus layout(const CimChipCfg *cfg, CimInt8Conv *c, CimDiag *diag)
{
    c->table_addr = 0;
    c->table_bits = cim_ppu_table(c->F, 1).bits;
    c->in_addr = align64(c->table_addr + c->table_bits);
    c->out_addr = align64(c->in_addr + (size_t)CIM_INT8_BITS * c->C);
    c->stage_addr = align64(c->out_addr + 32u * (size_t)c->F);
    c->buffer_bits_used = c->stage_addr + cfg->array.cols;
    if (c->buffer_bits_used <= (size_t)cfg->buffer_kib * 8192u)
        return CIM_OK;
    cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                 "int8 conv %u x %u needs %zu buffer bits (layer table, inputs, outputs, staging), the chip has %zu "
                 "(chip.buffer_kib)", c->C, c->F, c->buffer_bits_used, (size_t)cfg->buffer_kib * 8192u);
    return CIM_ERR_CONFIG;
}

CimStatus cim_int8_compile(const CimChipCfg *cfg, const int8_t *w, unsigned C, unsigned F, unsigned npos,
                           const CimAlloc *a, CimInt8Conv *out, CimDiag *diag)
{
    memset(out, 0, sizeof *out);
    if (a)
        out->alloc = *a;
    out->C = C;
    out->F = F;
    cim_program_init(&out->prog_load);
    cim_program_init(&out->prog);
    CimStatus st = check_limits(cfg, C, F, diag);
    if (st == CIM_OK)
        st = shape(cfg, out);
    if (st == CIM_OK)
        st = place(cfg, out, diag);
    if (st == CIM_OK)
        st = layout(cfg, out, diag);
    if (st == CIM_OK)
        st = build_load(cfg, w, out);
    if (st == CIM_OK)
        st = cim_int8_program(cfg, out, npos);
    if (st != CIM_OK)
        cim_int8_free(out);
    return st;
}

void cim_int8_free(CimInt8Conv *c)
{
    cim_free(&c->alloc, c->regions);
    cim_free(&c->alloc, c->load_stream);
    cim_program_free(&c->prog_load, &c->alloc);
    cim_program_free(&c->prog, &c->alloc);
    CimAlloc a = c->alloc;
    memset(c, 0, sizeof *c);
    c->alloc = a;
}

size_t cim_int8_input_bits(const CimInt8Conv *c, unsigned npos) { return (size_t)npos * CIM_INT8_BITS * c->C; }

size_t cim_int8_output_bits(const CimInt8Conv *c, unsigned npos) { return (size_t)npos * 32u * c->F; }

void cim_int8_pack_inputs(const CimInt8Conv *c, const int8_t *x, unsigned npos, uint64_t *stream)
{
    cim_bits_clear(stream, cim_int8_input_bits(c, npos));
    for (size_t p = 0; p < npos; p++)
        for (unsigned j = 0; j < CIM_INT8_BITS; j++)
            for (unsigned ch = 0; ch < c->C; ch++)
                if (((uint8_t)x[p * c->C + ch] >> j) & 1u)
                    cim_bits_set(stream, (p * CIM_INT8_BITS + j) * c->C + ch, 1);
}
