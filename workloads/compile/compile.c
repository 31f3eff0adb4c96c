/* Mapping of binary conv layers onto macro regions, buffer layout, layer tables (pruned
 * mask, thresholds, border offsets) and the weight-loading program. docs/compiler.md. */
#include "workloads/compile/compile_impl.h"

#include "models/chip/ppu.h"

#include <math.h>
#include <string.h>

static size_t align64(size_t x) { return (x + 63u) & ~(size_t)63u; }

/* Rows are handed out per macro from the top; regions of one layer go to distinct macros
 * when they can, so that they run concurrently. */
static int place(const CimChipCfg *cfg, unsigned *rows_used, unsigned nrows, const uint8_t *busy, unsigned *macro)
{
    int best = -1;
    for (int pass = 0; pass < 2 && best < 0; pass++)
        for (unsigned m = 0; m < cfg->macros; m++) {
            if (rows_used[m] + nrows > cfg->array.rows || (pass == 0 && busy[m]))
                continue;
            if (best < 0 || rows_used[m] < rows_used[best])
                best = (int)m;
        }
    if (best < 0)
        return -1;
    *macro = (unsigned)best;
    return 0;
}

/* Binary weight bit of element e (tap-major: e = (ky*k + kx)*C + channel position) of
 * original filter f; 1 = +1 (w > 0). */
static int weight_bit(const CimLayer *l, const CimChipLayer *cl, unsigned f, unsigned e)
{
    unsigned c = cl->in_perm[e % cl->in_c], t = e / cl->in_c, ky = t / cl->k, kx = t % cl->k;
    size_t idx = (((size_t)f * l->in_c + c) * l->kernel + ky) * l->kernel + kx;
    return l->w[idx] > 0.0f;
}

static CimStatus map_regions(const CimChipCfg *cfg, CimCompiled *cc, CimChipLayer *cl, CimDiag *diag,
                             const CimLayer *l)
{
    unsigned R = cfg->array.rows, C = cfg->array.cols;
    cl->row_tiles = cl->nlive ? (cl->L + R - 1) / R : 0;
    cl->col_tiles = cl->nlive ? (cl->nlive + C - 1) / C : 0;
    cl->nregions = cl->row_tiles * cl->col_tiles;
    cl->regions = cim_alloc_array(&cc->alloc, cl->nregions ? cl->nregions : 1, sizeof *cl->regions);
    uint8_t busy[1024] = {0};
    if (!cl->regions)
        return CIM_ERR_NOMEM;
    /* Row tiles of equal height (within one row): the tiles of a position run concurrently on
     * different macros, so the tallest one sets the time. Example: L = 288 on 256 rows -> two
     * tiles of 144 rows, not 256 + 32. */
    unsigned tile = cl->row_tiles ? (cl->L + cl->row_tiles - 1) / cl->row_tiles : 0;
    for (unsigned j = 0, i = 0; j < cl->col_tiles; j++)
        for (unsigned t = 0; t < cl->row_tiles; t++, i++) {
            CimRegion *r = &cl->regions[i];
            r->e0 = t * tile;
            r->nrows = cl->L - r->e0 < tile ? cl->L - r->e0 : tile;
            r->f0 = j * C;
            r->ncols = cl->nlive - r->f0 < C ? cl->nlive - r->f0 : C;
            r->col0 = 0;
            if (place(cfg, cc->rows_used, r->nrows, busy, &r->macro) != 0) {
                cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                             "layer '%s' does not fit: %u macros of %ux%u cells are full; raise chip.macros or "
                             "chip.array.rows", l->name, cfg->macros, R, C);
                return CIM_ERR_CONFIG;
            }
            busy[r->macro] = 1;
            r->row0 = cc->rows_used[r->macro];
            cc->rows_used[r->macro] += r->nrows;
            cc->cells_used += (uint64_t)r->nrows * r->ncols;
        }
    return CIM_OK;
}

/* Threshold on the integer dot product d for the bit (d + b > 0) of a float32 bias b:
 * d >= floor(-b) + 1, exact because d is an integer and the float sum keeps its sign. A
 * threshold past +-(L+1) is the same as +-(L+1), since |d| <= L. */
static int32_t threshold(double b, unsigned L)
{
    double t = floor(-b) + 1.0;
    if (t > L + 1.0)
        t = L + 1.0;
    if (t < -(L + 1.0))
        t = -(L + 1.0);
    return (int32_t)t;
}

/* The layer's table (layout: CimPpuTable, models/chip/ppu.h), PPU order: the pruned
 * mask, the thresholds of the biases (a pruned filter in mode skip gets one above the
 * value it finishes at, so its bit is 0) and per border pattern the offsets V - 2pw of
 * cim_ppu_finish. */
static void write_table(const CimLayer *l, const CimChipLayer *cl, CimPrunedMode mode, uint64_t *dst, size_t at)
{
    unsigned ncls = 2 * cl->pad + 1;
    CimPpuTable tab = cim_ppu_table(cl->F, cim_window_patterns(cl->pad));
    for (unsigned i = 0; i < cl->F; i++) {
        unsigned f = cl->order[i];
        int pruned = i >= cl->nlive;
        double b = l->b ? (double)l->b[f] : 0.0;
        int32_t thr = pruned && mode == CIM_PRUNED_SKIP ? (int32_t)cim_ppu_pruned(1, 0, 0, 32) + 1 : threshold(b, cl->L);
        cim_ppu_table_put_filter(&tab, dst, at, i, pruned, thr);
        for (unsigned pat = 0; pat < tab.npat; pat++) {
            uint32_t v = 0, pw = 0;
            for (unsigned e = 0; !pruned && e < cl->L; e++) {
                unsigned t = e / cl->in_c, ky = t / cl->k, kx = t % cl->k;
                if (cim_window_tap_valid(pat / ncls, ky, cl->k, cl->pad) &&
                    cim_window_tap_valid(pat % ncls, kx, cl->k, cl->pad)) {
                    v++;
                    pw += (uint32_t)weight_bit(l, cl, f, e);
                }
            }
            cim_ppu_table_put_offset(&tab, dst, at, pat, i, cim_ppu_offset(v, pw));
        }
    }
}

/* Instruction fields are 12 bits (docs/isa.md): a layer whose geometry, filter count or a
 * row tile's input offset passes 4095 cannot be programmed; say which. */
static CimStatus check_fields(const CimChipLayer *cl, const CimLayer *l, CimDiag *diag)
{
    const unsigned max = 0xFFFu;
    unsigned e0 = 0;
    for (unsigned i = 0; i < cl->nregions; i++)
        e0 = cl->regions[i].e0 > e0 ? cl->regions[i].e0 : e0;
    if (e0 > max)
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                     "layer '%s': filter length %u puts a row tile at input offset %u, past gated's 12-bit field "
                     "(at most %u)", l->name, cl->L, e0, max);
    else if (cl->F > max)
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0, "layer '%s': %u filters, past lcfg's 12-bit field (at most %u)",
                     l->name, cl->F, max);
    else if (cl->in_c > max || cl->in_h > max || cl->in_w > max)
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0, "layer '%s': input %u x %u x %u, past wcfg's 12-bit fields (at most %u)",
                     l->name, cl->in_c, cl->in_h, cl->in_w, max);
    else
        return CIM_OK;
    return CIM_ERR_CONFIG;
}

static CimStatus setup_layer(const CimChipCfg *cfg, const CimNet *net, CimCompiled *cc, CimChipLayer *cl,
                             const unsigned *prev_order, CimDiag *diag)
{
    const CimLayer *l = &net->layers[cl->layer];
    cl->L = (unsigned)cim_layer_fan_in(l);
    cl->F = l->out_c;
    cl->k = l->kernel;
    cl->pad = l->padding;
    cl->in_c = l->in_c;
    cl->in_h = l->in_h;
    cl->in_w = l->in_w;
    cl->order = cim_alloc_array(&cc->alloc, cl->F, sizeof *cl->order);
    cl->in_perm = cim_alloc_array(&cc->alloc, cl->in_c, sizeof *cl->in_perm);
    if (!cl->order || !cl->in_perm)
        return CIM_ERR_NOMEM;
    for (unsigned c = 0; c < cl->in_c; c++)
        cl->in_perm[c] = prev_order ? prev_order[c] : c;
    cl->nlive = 0;
    for (unsigned f = 0; f < cl->F; f++)
        if (!l->pruned[f])
            cl->order[cl->nlive++] = f;
    for (unsigned f = 0, i = cl->nlive; f < cl->F; f++)
        if (l->pruned[f])
            cl->order[i++] = f;
    if (cl->L > cfg->ctrl.ir_bits || cl->F > cfg->ctrl.ppu_size) {
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                     "layer '%s': filter length %u or %u filters exceed the input register (%u bits) or "
                     "the PPU (%u outputs)", l->name, cl->L, cl->F, cfg->ctrl.ir_bits, cfg->ctrl.ppu_size);
        return CIM_ERR_CONFIG;
    }
    CimStatus st = map_regions(cfg, cc, cl, diag, l);
    return st == CIM_OK ? check_fields(cl, l, diag) : st;
}

/* Which layers fold into the chip layer of conv i, and whether it outputs bits. */
static void fold(const CimNet *net, CimChipLayer *cl)
{
    size_t i = cl->layer, j = i + 1;
    unsigned pool = 1;
    while (j < net->n && net->layers[j].kind != CIM_L_CONV_BIN &&
           cim_layer_kind_where(net->layers[j].kind) == CIM_WHERE_FUSED) {
        if (net->layers[j].kind == CIM_L_MAXPOOL) {
            if (pool != 1)
                break;
            pool = net->layers[j].pool;
        }
        j++;
    }
    int next_conv = j < net->n && net->layers[j].kind == CIM_L_CONV_BIN;
    cl->out_kind = next_conv ? CIM_OUT_BITS : CIM_OUT_INTS;
    cl->pool = next_conv ? pool : 1;
    cl->last = next_conv ? j - 1 : i;
    cl->out_h = net->layers[i].out_h / cl->pool;
    cl->out_w = net->layers[i].out_w / cl->pool;
}

static CimStatus find_chip_layers(const CimNet *net, CimCompiled *cc, CimDiag *diag)
{
    size_t n = 0;
    for (size_t i = 0; i < net->n; i++)
        n += net->layers[i].kind == CIM_L_CONV_BIN;
    if (n == 0 || net->layers[0].kind != CIM_L_CONV_BIN) {
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                     "the network must start with a conv2d_binary layer: the chip runs binary convolutions");
        return CIM_ERR_CONFIG;
    }
    cc->layers = cim_alloc_array(&cc->alloc, n, sizeof *cc->layers);
    if (!cc->layers)
        return CIM_ERR_NOMEM;
    size_t i = 0;
    for (size_t k = 0; k < n; k++) {
        CimChipLayer *cl = &cc->layers[k];
        cim_program_init(&cl->prog);
        cl->layer = i;
        fold(net, cl);
        cc->n++;
        i = cl->last + 1;
        if (k + 1 < n && (i >= net->n || net->layers[i].kind != CIM_L_CONV_BIN)) {
            const CimLayer *bad = &net->layers[i < net->n ? i : net->n - 1];
            cim_diag_add(diag, CIM_SEV_ERROR, NULL, bad->line, bad->col,
                         "layer '%s': only ReLU and one max-pool may stand between two conv2d_binary layers",
                         bad->name);
            return CIM_ERR_CONFIG;
        }
    }
    cc->first_host = i;
    return CIM_OK;
}

static void layout_buffer(const CimNet *net, CimCompiled *cc)
{
    size_t at = 0;
    cc->image_addr = 0;
    cc->image_bits = (size_t)net->in_c * net->in_h * net->in_w;
    at = align64(cc->image_bits);
    for (size_t k = 0; k < cc->n; k++) {
        CimChipLayer *cl = &cc->layers[k];
        cl->in_addr = k ? cc->layers[k - 1].out_addr : cc->image_addr;
        cl->out_addr = at;
        size_t per = cl->out_kind == CIM_OUT_BITS ? cl->F : 32u * cl->F;
        at = align64(at + per * cl->out_h * cl->out_w);
    }
    for (size_t k = 0; k < cc->n; k++) {
        CimChipLayer *cl = &cc->layers[k];
        cl->table_addr = at;
        cl->table_bits = cim_ppu_table(cl->F, cim_window_patterns(cl->pad)).bits;
        at = align64(at + cl->table_bits);
    }
    const CimChipLayer *last = &cc->layers[cc->n - 1];
    cc->result_addr = last->out_addr;
    cc->result_bits = last->out_kind == CIM_OUT_INTS ? 32ull * last->F * last->out_h * last->out_w : 0;
    cc->buffer_bits_used = at;
}

/* Load program: every region row through a staging area, then every layer table. */
static CimStatus build_load(const CimChipCfg *cfg, const CimNet *net, CimCompiled *cc)
{
    unsigned cols = cfg->array.cols;
    size_t stage = cc->buffer_bits_used, bits = 0;
    for (size_t k = 0; k < cc->n; k++) {
        for (unsigned i = 0; i < cc->layers[k].nregions; i++)
            bits += (size_t)cc->layers[k].regions[i].nrows * cols;
        bits += cc->layers[k].table_bits;
    }
    cc->load_bits = bits;
    cc->load_stream = cim_alloc_array(&cc->alloc, cim_bits_words(bits) + 1, sizeof(uint64_t));
    if (!cc->load_stream)
        return CIM_ERR_NOMEM;
    Emit e = {&cc->prog_load, &cc->alloc, CIM_OK};
    size_t at = 0;
    em_li(&e, R_ADDR, (int32_t)stage);
    for (size_t k = 0; k < cc->n; k++) {
        const CimChipLayer *cl = &cc->layers[k];
        const CimLayer *l = &net->layers[cl->layer];
        for (unsigned i = 0; i < cl->nregions; i++) {
            const CimRegion *r = &cl->regions[i];
            for (unsigned row = 0; row < r->nrows; row++, at += cols) {
                for (unsigned c = 0; c < r->ncols; c++)
                    cim_bits_set(cc->load_stream, at + r->col0 + c,
                                 weight_bit(l, cl, cl->order[r->f0 + c], r->e0 + row));
                em_nbits(&e, CIM_I_DMAI, R_ADDR, cols);
                em(&e, CIM_I_WROW, r->macro, r->row0 + row, R_ADDR, 0, 0);
            }
        }
    }
    for (size_t k = 0; k < cc->n; k++) {
        const CimChipLayer *cl = &cc->layers[k];
        write_table(&net->layers[cl->layer], cl, cc->pruned_mode, cc->load_stream, at);
        at += cl->table_bits;
        em_li(&e, R_TMP, (int32_t)cl->table_addr);
        em_nbits(&e, CIM_I_DMAI, R_TMP, (uint32_t)cl->table_bits);
    }
    em(&e, CIM_I_HALT, 0, 0, 0, 0, 0);
    cc->buffer_bits_used = stage + cols;
    return e.st;
}

CimStatus cim_compile(const CimChipCfg *cfg, const CimNet *net, CimPrunedMode mode, const CimAlloc *a,
                      CimCompiled *out, CimDiag *diag)
{
    memset(out, 0, sizeof *out);
    if (a)
        out->alloc = *a;
    out->pruned_mode = mode;
    cim_program_init(&out->prog_load);
    out->rows_used = cim_alloc_array(&out->alloc, cfg->macros, sizeof *out->rows_used);
    if (!out->rows_used)
        return CIM_ERR_NOMEM;
    CimStatus st = find_chip_layers(net, out, diag);
    for (size_t k = 0; st == CIM_OK && k < out->n; k++)
        st = setup_layer(cfg, net, out, &out->layers[k], k ? out->layers[k - 1].order : NULL, diag);
    if (st == CIM_OK) {
        layout_buffer(net, out);
        st = build_load(cfg, net, out);
    }
    /* A layout past the buffer is named as such even when its addresses also overflowed an
     * instruction field while the load program was built (CIM_ERR_RANGE). */
    if ((st == CIM_OK || st == CIM_ERR_RANGE) && out->buffer_bits_used > (size_t)cfg->buffer_kib * 8192u) {
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0, "the network needs %zu buffer bits, the chip has %zu (chip.buffer_kib)",
                     out->buffer_bits_used, (size_t)cfg->buffer_kib * 8192u);
        st = CIM_ERR_CONFIG;
    }
    for (size_t k = 0; st == CIM_OK && k < out->n; k++)
        st = cim_emit_layer(cfg, &out->layers[k], k == 0, k + 1 == out->n, out, &out->alloc, &out->layers[k].prog);
    if (st == CIM_ERR_RANGE) {
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                     "a buffer address or count does not fit an instruction field: addresses reach %d bits (li's "
                     "24-bit immediate), DMA counts %d bits; the network's buffer layout needs %zu bits",
                     (1 << 23) - 1, 1 << 24, out->buffer_bits_used);
        st = CIM_ERR_CONFIG;
    }
    if (st != CIM_OK)
        cim_compiled_free(out);
    return st;
}

void cim_compiled_free(CimCompiled *c)
{
    for (size_t k = 0; c->layers && k < c->n; k++) {
        cim_free(&c->alloc, c->layers[k].order);
        cim_free(&c->alloc, c->layers[k].in_perm);
        cim_free(&c->alloc, c->layers[k].regions);
        cim_program_free(&c->layers[k].prog, &c->alloc);
    }
    cim_free(&c->alloc, c->layers);
    cim_free(&c->alloc, c->rows_used);
    cim_free(&c->alloc, c->load_stream);
    cim_program_free(&c->prog_load, &c->alloc);
    CimAlloc a = c->alloc;
    memset(c, 0, sizeof *c);
    c->alloc = a;
}

void cim_compile_binarise_image(const CimNet *net, const uint8_t *pixels, uint64_t *bits)
{
    unsigned C = net->in_c, HW = net->in_h * net->in_w;
    float div = (float)net->in_div, mean = (float)net->in_mean, sd = (float)net->in_std;
    cim_bits_clear(bits, (size_t)C * HW);
    for (unsigned c = 0; c < C; c++)
        for (unsigned p = 0; p < HW; p++) {
            float v = ((float)pixels[(size_t)c * HW + p] / div - mean) / sd; /* float32, as torch */
            cim_bits_set(bits, (size_t)p * C + c, v > 0.0f);
        }
}
