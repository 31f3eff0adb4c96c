/* Mapping of binary conv layers onto macro regions, buffer layout, layer tables (pruned
 * mask, thresholds, border offsets) and the weight-loading program. docs/compiler.md. */
#include "workloads/compile/compile_impl.h"

#include "models/chip/ppu.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static size_t align64(size_t x) { return (x + 63u) & ~(size_t)63u; }

/* Binary weight bit of element e (tap-major: e = (ky*k + kx)*C + channel position) of
 * original filter f; 1 = +1 (w > 0). */
static int weight_bit(const CimLayer *l, const CimChipLayer *cl, unsigned f, unsigned e)
{
    unsigned c = cl->in_perm[e % cl->in_c], t = e / cl->in_c, ky = t / cl->k, kx = t % cl->k;
    size_t idx = (((size_t)f * l->in_c + c) * l->kernel + ky) * l->kernel + kx;
    return l->w[idx] > 0.0f;
}

/* The layer's regions, not yet placed: `tiles` row tiles (0: as few as the rows allow)
 * x column tiles of the live filters, and cl->replicas copies of them. */
static CimStatus shape_regions(const CimChipCfg *cfg, CimCompiled *cc, CimChipLayer *cl, unsigned tiles)
{
    unsigned R = cfg->array.rows, C = cfg->array.cols;
    cl->row_tiles = cl->nlive ? (tiles ? tiles : (cl->L + R - 1) / R) : 0;
    cl->col_tiles = cl->nlive ? (cl->nlive + C - 1) / C : 0;
    cl->nregions = cl->row_tiles * cl->col_tiles;
    cim_free(&cc->alloc, cl->regions);
    cl->regions = cim_alloc_array(&cc->alloc, cl->nregions ? cim_chip_layer_placed(cl) : 1, sizeof *cl->regions);
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
        }
    for (unsigned i = cl->nregions; i < cim_chip_layer_placed(cl); i++)
        cl->regions[i] = cl->regions[i % cl->nregions];
    return CIM_OK;
}

/* 1 when two of the layer's placed regions share a macro. */
static int shares_macro(const CimChipLayer *cl, const CimRegion *placed)
{
    for (unsigned i = 0; i < cim_chip_layer_placed(cl); i++)
        for (unsigned j = 0; j < i; j++)
            if (placed[i].macro == placed[j].macro)
                return 1;
    return 0;
}

/* Places every region of every chip layer (every copy's) on `macros` macros (pack.c);
 * `alone`: each layer on an empty chip (reload). A replicated layer fits only with all its
 * regions on distinct macros (each copy runs its own position). Sets *failed to the index
 * of the first chip layer that does not fit, or n when all do; with `set`, writes the
 * placements and the rows used per macro (the most over the layers) into cc. With `cut`, a
 * layer with one copy whose regions do not fit gets row tiles cut to the free space
 * instead (cut_layer: they become its regions, set or not; uncut gives the equal ones back). */
static CimStatus cut_layer(const CimChipCfg *cfg, CimCompiled *cc, CimChipLayer *cl, CimPack *p, int *fits);

static CimStatus place_all(const CimChipCfg *cfg, unsigned macros, CimCompiled *cc, int set, int alone,
                           int cut, size_t *failed)
{
    CimPack p;
    unsigned most = 1;
    for (size_t k = 0; k < cc->n; k++)
        most = cim_chip_layer_placed(&cc->layers[k]) > most ? cim_chip_layer_placed(&cc->layers[k]) : most;
    CimRegion *placed = cim_alloc_array(&cc->alloc, most, sizeof *placed);
    CimStatus st = placed ? cim_pack_init(&p, macros, cfg->array.rows, cfg->array.cols, &cc->alloc) : CIM_ERR_NOMEM;
    if (st != CIM_OK) {
        cim_free(&cc->alloc, placed);
        return st;
    }
    p.first_fit = cfg->mapping.strategy == CIM_MAP_PACK;
    *failed = cc->n;
    for (size_t k = 0; k < cc->n && *failed == cc->n; k++) {
        CimChipLayer *cl = &cc->layers[k];
        if (alone)
            cim_pack_clear(&p);
        cim_pack_next_layer(&p);
        CimPackSnap snap = {NULL, NULL};
        if (cut && cl->replicas == 1 && (st = cim_pack_snap(&p, &snap)) != CIM_OK)
            break;
        for (unsigned i = 0; i < cim_chip_layer_placed(cl); i++) {
            CimRegion r = cl->regions[i];
            if (cim_pack_place(&p, r.nrows, r.ncols, &r) != 0) {
                *failed = k;
                break;
            }
            placed[i] = r;
        }
        if (*failed == cc->n && cl->replicas > 1 && shares_macro(cl, placed))
            *failed = k;
        if (*failed == k && snap.height) {
            int fits = 0;
            cim_pack_restore(&p, &snap);
            cim_pack_next_layer(&p);
            st = cut_layer(cfg, cc, cl, &p, &fits);
            *failed = st == CIM_OK && fits ? cc->n : k;
        }
        cim_pack_snap_free(&p, &snap);
        if (st != CIM_OK)
            break;
        for (unsigned i = 0; set && !cl->cut && *failed == cc->n && i < cim_chip_layer_placed(cl); i++)
            cl->regions[i] = placed[i];
        for (unsigned m = 0; set && m < macros; m++)
            cc->rows_used[m] = p.top[m] > cc->rows_used[m] ? p.top[m] : cc->rows_used[m];
    }
    cim_pack_free(&p);
    cim_free(&cc->alloc, placed);
    return st;
}

/* Row tiles of one layer cut to the free space of p (cim_pack_cut), column tile by column
 * tile: counts them on a copy of the free space, then places them and makes them the
 * layer's regions (cl->cut). *fits = 0 when the space runs out. */
static CimStatus cut_layer(const CimChipCfg *cfg, CimCompiled *cc, CimChipLayer *cl, CimPack *p, int *fits)
{
    unsigned C = cfg->array.cols, total = 0, most = 0, n;
    CimPackSnap snap;
    CimStatus st = cim_pack_snap(p, &snap);
    *fits = 0;
    if (st != CIM_OK)
        return st;
    for (unsigned j = 0; j < cl->col_tiles; j++, total += n) {
        unsigned ncols = cl->nlive - j * C < C ? cl->nlive - j * C : C;
        if (cim_pack_cut(p, cl->L, ncols, CIM_ISA_FIELD_MAX, NULL, &n) != 0) {
            cim_pack_restore(p, &snap);
            cim_pack_snap_free(p, &snap);
            return CIM_OK;
        }
        most = n > most ? n : most;
    }
    cim_pack_restore(p, &snap);
    cim_pack_snap_free(p, &snap);
    CimRegion *r = cim_alloc_array(&cc->alloc, total, sizeof *r);
    if (!r)
        return CIM_ERR_NOMEM;
    for (unsigned j = 0, at = 0; j < cl->col_tiles; j++, at += n) {
        unsigned ncols = cl->nlive - j * C < C ? cl->nlive - j * C : C;
        cim_pack_cut(p, cl->L, ncols, CIM_ISA_FIELD_MAX, r + at, &n);
        for (unsigned i = at; i < at + n; i++)
            r[i].f0 = j * C;
    }
    cim_free(&cc->alloc, cl->regions);
    cl->regions = r;
    cl->nregions = total;
    cl->row_tiles = most;
    cl->cut = 1;
    *fits = 1;
    return CIM_OK;
}

/* Every layer whose tiles were cut to the free space gets its row tiles of equal height back. */
static CimStatus uncut(const CimChipCfg *cfg, CimCompiled *cc)
{
    CimStatus st = CIM_OK;
    for (size_t k = 0; st == CIM_OK && k < cc->n; k++)
        if (cc->layers[k].cut) {
            cc->layers[k].cut = 0;
            st = shape_regions(cfg, cc, &cc->layers[k], 0);
        }
    return st;
}

/* The smallest number of macros, up to the schema's 1024, on which place_all(alone; else
 * with tiles cut to the free space) succeeds; 0 when none does. A region never exceeds one array, so one macro per region
 * always does. */
static CimStatus fewest_macros(const CimChipCfg *cfg, CimCompiled *cc, int alone, unsigned *out)
{
    *out = 0;
    for (unsigned m = cfg->macros + 1; m <= 1024; m++) {
        size_t failed;
        CimStatus st = place_all(cfg, m, cc, 0, alone, !alone, &failed);
        if (st == CIM_OK)
            st = uncut(cfg, cc);
        if (st != CIM_OK)
            return st;
        if (failed == cc->n) {
            *out = m;
            return CIM_OK;
        }
    }
    return CIM_OK;
}

/* Row tiles for chip.mapping.split auto: t in [fewest, macros / column tiles] (all of a
 * layer's regions on distinct macros, one round) minimising the estimated cycles of one
 * position, t_gated(ceil(L / t)) + t x column tiles x (cclr + gated + pacc issue, 3 cycles,
 * + pacc's ceil(ncol / ppu_lanes)); ties keep fewer tiles. Only an estimate to choose
 * with: the cycles reported are the simulated ones. Example: conv2 of MNIST (L = 288,
 * 53 live filters) on 8 macros of 256x256: t = 2 -> 144 + 2 x (3 + 4) = 158,
 * t = 8 -> 36 + 8 x 7 = 92. */
static unsigned split_tiles(const CimChipCfg *cfg, const CimChipLayer *cl)
{
    unsigned R = cfg->array.rows, C = cfg->array.cols, fewest = (cl->L + R - 1) / R;
    unsigned ct = (cl->nlive + C - 1) / C, ncol = cl->nlive < C ? cl->nlive : C;
    if (!cl->nlive)
        return 0;
    uint64_t tr = cim_cycles_of_ns(cfg->tech.timing.t_read_ns, cfg->clock_mhz), best_cost = UINT64_MAX;
    unsigned best = fewest, most = cfg->macros / ct;
    for (unsigned t = fewest; t <= most && t <= cl->L; t++) {
        if (t > fewest && (uint64_t)(t - 1) * ((cl->L + t - 1) / t) > CIM_ISA_FIELD_MAX)
            break; /* a tile would start past gated's input-offset field (check_fields) */
        uint64_t cost = (uint64_t)((cl->L + t - 1) / t) * (tr ? tr : 1) +
                        (uint64_t)t * ct * (3u + (ncol + cfg->ctrl.ppu_lanes - 1) / cfg->ctrl.ppu_lanes);
        if (cost < best_cost) {
            best_cost = cost;
            best = t;
        }
    }
    return best;
}

/* With split auto, cuts each layer into split_tiles row tiles; when that layout does not
 * fit, keeps the fewest tiles. */
static CimStatus split_all(const CimChipCfg *cfg, CimCompiled *cc)
{
    CimStatus st = CIM_OK;
    size_t failed = 0;
    if (cfg->mapping.split != CIM_MAP_SPLIT_AUTO)
        return CIM_OK;
    for (size_t k = 0; st == CIM_OK && k < cc->n; k++)
        st = shape_regions(cfg, cc, &cc->layers[k], split_tiles(cfg, &cc->layers[k]));
    if (st == CIM_OK)
        st = place_all(cfg, cfg->macros, cc, 0, 0, 0, &failed);
    for (size_t k = 0; st == CIM_OK && failed < cc->n && k < cc->n; k++)
        st = shape_regions(cfg, cc, &cc->layers[k], 0);
    return st;
}

/* Positions one group of a replicated layer computes, one per copy (emit.c): a pooled
 * layer's pool sub-positions (their bits OR into one output), else the positions of one
 * output row. */
static unsigned group_positions(const CimChipLayer *cl)
{
    return cl->pool > 1 ? cl->pool * cl->pool : cl->out_w;
}

/* Copies for chip.mapping.replicate auto, at most `most`. A group of R positions loads
 * R windows (t_win = k k ceil(C / P) cycles each on the input register), starts a gated
 * read (t_gated = rows x Tr) after each, then reloads R - 1 of the windows to finish them,
 * while the R gated reads overlap: about (t_gated + (2R - 1) t_win) / R =
 * 2 t_win + (t_gated - t_win) / R cycles per position against t_win + t_gated for one copy,
 * so the most copies when t_gated > t_win, else one. Only an estimate to choose with: the
 * cycles reported are the simulated ones. Example: MNIST conv2 on 16 macros of 256x256:
 * t_gated = 144, t_win = 9, 4 copies (its 2 x 2 pool) -> about 52 cycles per position
 * instead of 153. */
static unsigned replicas_auto(const CimChipCfg *cfg, const CimChipLayer *cl, unsigned most)
{
    uint64_t tr = cim_cycles_of_ns(cfg->tech.timing.t_read_ns, cfg->clock_mhz), tall = 0;
    for (unsigned i = 0; i < cl->nregions; i++)
        tall = cl->regions[i].nrows > tall ? cl->regions[i].nrows : tall;
    uint64_t t_win = (uint64_t)cl->k * cl->k * ((cl->in_c + cfg->ctrl.buffer_port_bits - 1) / cfg->ctrl.buffer_port_bits);
    return tall * (tr ? tr : 1) > t_win ? most : 1;
}

/* chip.mapping.replicate: sets each layer's copies (N, at most one per position of its
 * group; auto: replicas_auto up to the macros that hold one copy each on distinct
 * macros) and, for auto, gives the copies up one at a time (the layer with the most
 * first, the later on ties) until every layer fits. Refused with split auto or strategy
 * pack (both of which spend the spare macros differently) and when N copies do not fit. */
static CimStatus replicate_all(const CimChipCfg *cfg, const CimNet *net, CimCompiled *cc, CimDiag *diag)
{
    unsigned want = cfg->mapping.replicate;
    if (want == CIM_MAP_REPLICATE_NONE)
        return CIM_OK;
    if (cfg->mapping.strategy == CIM_MAP_PACK || cfg->mapping.split == CIM_MAP_SPLIT_AUTO) {
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                     "chip.mapping.replicate other than none needs chip.mapping.strategy spread and split none: "
                     "copies need a macro each, which %s",
                     cfg->mapping.strategy == CIM_MAP_PACK ? "strategy pack does not give them"
                                                           : "split auto already spends on more row tiles");
        return CIM_ERR_CONFIG;
    }
    CimStatus st = CIM_OK;
    for (size_t k = 0; st == CIM_OK && k < cc->n; k++) {
        CimChipLayer *cl = &cc->layers[k];
        unsigned group = group_positions(cl), most = cl->nregions ? cfg->macros / cl->nregions : 1;
        unsigned r = want == CIM_MAP_REPLICATE_AUTO ? replicas_auto(cfg, cl, most < group ? most : group)
                                                    : (want < group ? want : group);
        if (!cl->nregions || r <= 1)
            continue;
        if (r > most) {
            cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                         "layer '%s' does not fit with its copies (chip.mapping.replicate: %u): %u copies of %u "
                         "regions, each on its own macro, need %u macros, the chip has %u; the most copies it holds: %u",
                         net->layers[cl->layer].name, want, r, cl->nregions, r * cl->nregions, cfg->macros, most);
            return CIM_ERR_CONFIG;
        }
        cl->replicas = r;
        st = shape_regions(cfg, cc, cl, cl->row_tiles);
    }
    for (size_t failed = 0; st == CIM_OK;) {
        if ((st = place_all(cfg, cfg->macros, cc, 0, 0, 0, &failed)) != CIM_OK || failed == cc->n)
            return st;
        CimChipLayer *most = NULL;
        for (size_t k = 0; k < cc->n; k++)
            if (cc->layers[k].replicas > 1 && (!most || cc->layers[k].replicas >= most->replicas))
                most = &cc->layers[k];
        if (!most)
            return CIM_OK; /* the network does not fit without copies either: map_all says so */
        if (want != CIM_MAP_REPLICATE_AUTO) {
            cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                         "layer '%s' does not fit with its copies (chip.mapping.replicate: %u): %u macros of %ux%u "
                         "cells have no free rectangle on a macro of its own for each; use fewer copies or "
                         "chip.mapping.replicate: auto",
                         net->layers[cc->layers[failed].layer].name, want, cfg->macros, cfg->array.rows,
                         cfg->array.cols);
            return CIM_ERR_CONFIG;
        }
        most->replicas--;
        st = shape_regions(cfg, cc, most, most->row_tiles);
    }
    return st;
}

/* The layers together again, a layer that does not fit with its row tiles of equal height
 * getting tiles cut to the free space (place_all's cut); when that does not fit either,
 * the equal tiles come back. */
static CimStatus cut_all(const CimChipCfg *cfg, CimCompiled *cc, size_t *failed)
{
    memset(cc->rows_used, 0, cfg->macros * sizeof *cc->rows_used);
    CimStatus st = place_all(cfg, cfg->macros, cc, 1, 0, 1, failed);
    if (st != CIM_OK || *failed == cc->n)
        return st;
    memset(cc->rows_used, 0, cfg->macros * sizeof *cc->rows_used);
    return uncut(cfg, cc);
}

/* Places the regions. When the layers do not fit together: with reload allow, each
 * layer alone on the whole chip (cc->reload); else, or when even one layer alone does not
 * fit, an error naming the layer, the limit and the smallest change that fits. */
static CimStatus map_all(const CimChipCfg *cfg, const CimNet *net, CimCompiled *cc, CimDiag *diag)
{
    size_t failed, alone_failed;
    uint64_t need = 0;
    for (size_t k = 0; k < cc->n; k++)
        for (unsigned i = 0; i < cim_chip_layer_placed(&cc->layers[k]); i++)
            need += (uint64_t)cc->layers[k].regions[i].nrows * cc->layers[k].regions[i].ncols;
    cc->cells_used = need;
    CimStatus st = place_all(cfg, cfg->macros, cc, 1, 0, 0, &failed);
    if (st != CIM_OK || failed == cc->n)
        return st;
    if ((st = cut_all(cfg, cc, &failed)) != CIM_OK || failed == cc->n)
        return st;
    if ((st = place_all(cfg, cfg->macros, cc, 0, 1, 0, &alone_failed)) != CIM_OK)
        return st;
    if (alone_failed == cc->n && cfg->mapping.reload == CIM_MAP_RELOAD_ALLOW) {
        memset(cc->rows_used, 0, cfg->macros * sizeof *cc->rows_used);
        cc->reload = 1;
        return place_all(cfg, cfg->macros, cc, 1, 1, 0, &alone_failed);
    }
    int reload = cfg->mapping.reload == CIM_MAP_RELOAD_ALLOW;
    unsigned more;
    if ((st = fewest_macros(cfg, cc, reload, &more)) != CIM_OK)
        return st;
    const CimLayer *l = &net->layers[cc->layers[reload ? alone_failed : failed].layer];
    char fix[160] = "no number of macros up to 1024 holds it; raise chip.array.rows or chip.array.cols";
    if (more)
        snprintf(fix, sizeof fix, "the smallest change that fits: chip.macros: %u%s", more,
                 alone_failed == cc->n ? ", or chip.mapping.reload: allow (weights rewritten per layer and image)"
                                       : "");
    if (reload)
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                     "layer '%s' does not fit even alone (chip.mapping.reload: allow): %u macros of %ux%u cells "
                     "have no free rectangle for its regions; %s",
                     l->name, cfg->macros, cfg->array.rows, cfg->array.cols, fix);
    else
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                     "layer '%s' does not fit: the network's regions need %llu cells (filters as columns, "
                     "row tiles of equal height or cut to the free space) and %u macros of %ux%u cells have no free rectangle left for "
                     "them; %s",
                     l->name, (unsigned long long)need, cfg->macros, cfg->array.rows, cfg->array.cols, fix);
    return CIM_ERR_CONFIG;
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
    const unsigned max = CIM_ISA_FIELD_MAX;
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
    cl->replicas = 1;
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
    CimStatus st = shape_regions(cfg, cc, cl, 0);
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
        cim_program_init(&cl->reload);
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

/* The bits of (macro m, row) from every region of chip layers [k0, k1) covering it, at
 * stream bit `at`. */
static void put_row(const CimNet *net, const CimCompiled *cc, size_t k0, size_t k1, unsigned m, unsigned row,
                    uint64_t *stream, size_t at)
{
    for (size_t k = k0; k < k1; k++) {
        const CimChipLayer *cl = &cc->layers[k];
        const CimLayer *l = &net->layers[cl->layer];
        for (unsigned i = 0; i < cim_chip_layer_placed(cl); i++) {
            const CimRegion *r = &cl->regions[i];
            if (r->macro != m || row < r->row0 || row >= r->row0 + r->nrows)
                continue;
            for (unsigned c = 0; c < r->ncols; c++)
                cim_bits_set(stream, at + r->col0 + c, weight_bit(l, cl, cl->order[r->f0 + c], r->e0 + row - r->row0));
        }
    }
}

/* Rows of chip layers [k0, k1) to write, in the order the regions were placed, each
 * (macro, row) once: a row shared by regions side by side is written whole, with all
 * their bits. Marks them in `done` (macros x rows bits); returns how many there are, and
 * with `e` emits their dmai + wrow and puts them in the stream from row `first` on. */
static size_t load_rows(const CimChipCfg *cfg, const CimNet *net, const CimCompiled *cc, size_t k0, size_t k1,
                        uint64_t *done, uint64_t *stream, size_t first, Emit *e)
{
    size_t n = 0;
    for (size_t k = k0; k < k1; k++)
        for (unsigned i = 0; i < cim_chip_layer_placed(&cc->layers[k]); i++) {
            const CimRegion *r = &cc->layers[k].regions[i];
            for (unsigned row = r->row0; row < r->row0 + r->nrows; row++) {
                size_t bit = (size_t)r->macro * cfg->array.rows + row;
                if (cim_bits_get(done, bit))
                    continue;
                cim_bits_set(done, bit, 1);
                if (e) {
                    put_row(net, cc, k0, k1, r->macro, row, stream, (first + n) * cfg->array.cols);
                    em_nbits(e, CIM_I_DMAI, R_ADDR, cfg->array.cols);
                    em(e, CIM_I_WROW, r->macro, row, R_ADDR, 0, 0);
                }
                n++;
            }
        }
    return n;
}

/* The rows of chip layers [k0, k1) into a new stream and the program that writes them
 * through the staging area (emitted into e, which may already hold instructions). */
static CimStatus emit_rows(const CimChipCfg *cfg, const CimNet *net, CimCompiled *cc, size_t k0, size_t k1,
                           uint64_t *done, uint64_t *stream, size_t first, Emit *e, size_t *rows)
{
    size_t nmap = (size_t)cfg->macros * cfg->array.rows;
    cim_bits_clear(done, nmap);
    *rows = load_rows(cfg, net, cc, k0, k1, done, stream, first, e);
    return e->st;
}

/* Per chip layer (reload only): the program that rewrites its rows before it runs. */
static CimStatus build_reloads(const CimChipCfg *cfg, const CimNet *net, CimCompiled *cc, uint64_t *done,
                               size_t stage)
{
    CimStatus st = CIM_OK;
    size_t nmap = (size_t)cfg->macros * cfg->array.rows, rows;
    for (size_t k = 0; st == CIM_OK && k < cc->n; k++) {
        CimChipLayer *cl = &cc->layers[k];
        cim_bits_clear(done, nmap);
        cl->reload_bits = load_rows(cfg, net, cc, k, k + 1, done, NULL, 0, NULL) * cfg->array.cols;
        cl->reload_stream = cim_alloc_array(&cc->alloc, cim_bits_words(cl->reload_bits) + 1, sizeof(uint64_t));
        if (!cl->reload_stream)
            return CIM_ERR_NOMEM;
        Emit e = {&cl->reload, &cc->alloc, CIM_OK};
        em_li(&e, R_ADDR, (int32_t)stage);
        st = emit_rows(cfg, net, cc, k, k + 1, done, cl->reload_stream, 0, &e, &rows);
        em(&e, CIM_I_HALT, 0, 0, 0, 0, 0);
        st = st == CIM_OK ? e.st : st;
    }
    return st;
}

/* Load program: the used rows of every macro through a staging area (with reload: layer
 * by layer, so that the arrays end as after any image's reloads), then every layer table. */
static CimStatus build_load(const CimChipCfg *cfg, const CimNet *net, CimCompiled *cc)
{
    unsigned cols = cfg->array.cols;
    size_t stage = cc->buffer_bits_used, nmap = (size_t)cfg->macros * cfg->array.rows, rows = 0, n;
    uint64_t *done = cim_alloc_array(&cc->alloc, cim_bits_words(nmap), sizeof *done);
    if (!done)
        return CIM_ERR_NOMEM;
    for (size_t k = 0; k < (cc->reload ? cc->n : 1); k++) {
        cim_bits_clear(done, nmap);
        rows += load_rows(cfg, net, cc, k, cc->reload ? k + 1 : cc->n, done, NULL, 0, NULL);
    }
    size_t at = rows * cols, bits = at;
    for (size_t k = 0; k < cc->n; k++)
        bits += cc->layers[k].table_bits;
    cc->load_bits = bits;
    cc->load_stream = cim_alloc_array(&cc->alloc, cim_bits_words(bits) + 1, sizeof(uint64_t));
    CimStatus st = cc->load_stream ? CIM_OK : CIM_ERR_NOMEM;
    Emit e = {&cc->prog_load, &cc->alloc, CIM_OK};
    em_li(&e, R_ADDR, (int32_t)stage);
    for (size_t k = 0, first = 0; st == CIM_OK && k < (cc->reload ? cc->n : 1); k++, first += n)
        st = emit_rows(cfg, net, cc, k, cc->reload ? k + 1 : cc->n, done, cc->load_stream, first, &e, &n);
    if (st == CIM_OK && cc->reload)
        st = build_reloads(cfg, net, cc, done, stage);
    cim_free(&cc->alloc, done);
    for (size_t k = 0; st == CIM_OK && k < cc->n; k++) {
        const CimChipLayer *cl = &cc->layers[k];
        write_table(&net->layers[cl->layer], cl, cc->pruned_mode, cc->load_stream, at);
        at += cl->table_bits;
        em_li(&e, R_TMP, (int32_t)cl->table_addr);
        em_nbits(&e, CIM_I_DMAI, R_TMP, (uint32_t)cl->table_bits);
    }
    em(&e, CIM_I_HALT, 0, 0, 0, 0, 0);
    cc->buffer_bits_used = stage + cols;
    return st == CIM_OK ? e.st : st;
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
    if (st == CIM_OK)
        st = split_all(cfg, out);
    if (st == CIM_OK)
        st = replicate_all(cfg, net, out, diag);
    if (st == CIM_OK)
        st = map_all(cfg, net, out, diag);
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
        cim_program_free(&c->layers[k].reload, &c->alloc);
        cim_free(&c->alloc, c->layers[k].reload_stream);
    }
    cim_free(&c->alloc, c->layers);
    cim_free(&c->alloc, c->rows_used);
    cim_free(&c->alloc, c->load_stream);
    cim_program_free(&c->prog_load, &c->alloc);
    CimAlloc a = c->alloc;
    memset(c, 0, sizeof *c);
    c->alloc = a;
}

void cim_compile_layer_map(const CimChipLayer *cl, CimLayerMap *out)
{
    memset(out, 0, sizeof *out);
    out->regions = cl->nregions;
    out->row_tiles = cl->row_tiles;
    out->col_tiles = cl->col_tiles;
    out->replicas = cl->replicas;
    for (unsigned i = 0; i < cim_chip_layer_placed(cl); i++) {
        const CimRegion *r = &cl->regions[i];
        unsigned same = 0, earlier = 0;
        for (unsigned j = 0; j < cim_chip_layer_placed(cl); j++) {
            same += cl->regions[j].macro == r->macro;
            earlier += j < i && cl->regions[j].macro == r->macro;
        }
        out->macros_used += earlier == 0;
        out->rounds = same > out->rounds ? same : out->rounds;
        out->tile_rows = r->nrows > out->tile_rows ? r->nrows : out->tile_rows;
        out->cells += (uint64_t)r->nrows * r->ncols;
    }
    size_t o = 0, cap = sizeof out->copy_macros;
    snprintf(out->copy_macros, cap, "-");
    for (unsigned i = 0; i < cim_chip_layer_placed(cl) && o < cap; i++) {
        const char *sep = i == 0 ? "" : i % cl->nregions ? " " : " | ";
        int w = snprintf(out->copy_macros + o, cap - o, "%sm%u", sep, cl->regions[i].macro);
        o += w > 0 ? (size_t)w : 0;
    }
    if (o >= cap)
        memcpy(out->copy_macros + cap - 4, "...", 4);
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
