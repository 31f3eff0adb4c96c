/* Similarity regions for on-chip pruning: each conv layer's filters as rows (one row per
 * filter, its binary weights along the columns, split into chunks of at most `cols`), so
 * that a dual-row XOR plus the adder-tree popcount gives a Hamming distance. */
#include "workloads/compile/compile_impl.h"

#include <string.h>

static CimStatus place_layer(const CimChipCfg *cfg, const CimLayer *l, unsigned *rows_used, CimSimLayer *sl,
                             const CimAlloc *a, CimDiag *diag)
{
    sl->F = l->out_c;
    sl->L = (unsigned)cim_layer_fan_in(l);
    sl->nchunks = (sl->L + cfg->array.cols - 1) / cfg->array.cols;
    sl->chunks = cim_alloc_array(a, sl->nchunks, sizeof *sl->chunks);
    if (!sl->chunks)
        return CIM_ERR_NOMEM;
    for (unsigned q = 0; q < sl->nchunks; q++) {
        unsigned best = cfg->macros;
        for (unsigned m = 0; m < cfg->macros; m++)
            if (rows_used[m] + sl->F <= cfg->array.rows && (best == cfg->macros || rows_used[m] < rows_used[best]))
                best = m;
        if (best == cfg->macros) {
            cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                         "pruning: the filters of layer '%s' do not fit as rows (%u filters x %u chunks)", l->name,
                         sl->F, sl->nchunks);
            return CIM_ERR_CONFIG;
        }
        CimRegion r = {best, rows_used[best], sl->F, 0, 0, q * cfg->array.cols, 0};
        r.ncols = sl->L - r.e0 < cfg->array.cols ? sl->L - r.e0 : cfg->array.cols;
        rows_used[best] += sl->F;
        sl->chunks[q] = r;
    }
    return CIM_OK;
}

static CimStatus build_sim_load(const CimChipCfg *cfg, const CimNet *net, CimSimMap *s)
{
    unsigned cols = cfg->array.cols;
    size_t bits = 0;
    for (size_t k = 0; k < s->n; k++)
        bits += (size_t)s->layers[k].nchunks * s->layers[k].F * cols;
    s->load_bits = bits;
    s->load_stream = cim_alloc_array(&s->alloc, cim_bits_words(bits) + 1, sizeof(uint64_t));
    if (!s->load_stream)
        return CIM_ERR_NOMEM;
    Emit e = {&s->prog_load, &s->alloc, CIM_OK};
    size_t at = 0;
    em_li(&e, R_ADDR, 0);
    for (size_t k = 0; k < s->n; k++) {
        const CimSimLayer *sl = &s->layers[k];
        const CimLayer *l = &net->layers[sl->layer];
        for (unsigned q = 0; q < sl->nchunks; q++)
            for (unsigned f = 0; f < sl->F; f++, at += cols) {
                const CimRegion *r = &sl->chunks[q];
                for (unsigned c = 0; c < r->ncols; c++) /* PyTorch element order within the filter */
                    cim_bits_set(s->load_stream, at + c, l->w[(size_t)f * sl->L + r->e0 + c] > 0.0f);
                em_nbits(&e, CIM_I_DMAI, R_ADDR, cols);
                em(&e, CIM_I_WROW, r->macro, r->row0 + f, R_ADDR, 0, 0);
            }
    }
    em(&e, CIM_I_HALT, 0, 0, 0, 0, 0);
    return e.st;
}

CimStatus cim_compile_similarity(const CimChipCfg *cfg, const CimNet *net, const CimAlloc *a, CimSimMap *out,
                                 CimDiag *diag)
{
    memset(out, 0, sizeof *out);
    if (a)
        out->alloc = *a;
    cim_program_init(&out->prog_load);
    size_t n = 0;
    for (size_t i = 0; i < net->n; i++)
        n += net->layers[i].kind == CIM_L_CONV_BIN;
    out->layers = cim_alloc_array(&out->alloc, n ? n : 1, sizeof *out->layers);
    unsigned *rows_used = cim_alloc_array(&out->alloc, cfg->macros, sizeof *rows_used);
    CimStatus st = out->layers && rows_used ? CIM_OK : CIM_ERR_NOMEM;
    for (size_t i = 0; st == CIM_OK && i < net->n; i++) {
        if (net->layers[i].kind != CIM_L_CONV_BIN)
            continue;
        CimSimLayer *sl = &out->layers[out->n++];
        sl->layer = i;
        st = place_layer(cfg, &net->layers[i], rows_used, sl, &out->alloc, diag);
    }
    cim_free(&out->alloc, rows_used);
    if (st == CIM_OK)
        st = build_sim_load(cfg, net, out);
    if (st != CIM_OK)
        cim_sim_free(out);
    return st;
}

void cim_sim_free(CimSimMap *s)
{
    for (size_t k = 0; s->layers && k < s->n; k++)
        cim_free(&s->alloc, s->layers[k].chunks);
    cim_free(&s->alloc, s->layers);
    cim_free(&s->alloc, s->load_stream);
    cim_program_free(&s->prog_load, &s->alloc);
    CimAlloc a = s->alloc;
    memset(s, 0, sizeof *s);
    s->alloc = a;
}
