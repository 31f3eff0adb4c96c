/* Emission of controller programs: one image through a chip layer, and the pairwise
 * filter distances for pruning. Register use and loop shape: docs/compiler.md. */
#include "workloads/compile/compile_impl.h"

#include <string.h>

void em(Emit *e, CimInsnId id, unsigned m, unsigned a, unsigned b, unsigned c, unsigned d)
{
    if (e->st != CIM_OK)
        return;
    CimInsn in = {id, m, a, b, c, d};
    e->st = cim_program_emit(e->p, &in, e->a);
}

void em_li(Emit *e, unsigned rd, int32_t v)
{
    CimInsn in = {CIM_I_LI, rd, 0, 0, 0, 0};
    cim_isa_set_cd(&in, (uint32_t)v & 0xFFFFFFu);
    if (e->st == CIM_OK)
        e->st = (v < -(1 << 23) || v >= (1 << 23)) ? CIM_ERR_RANGE : cim_program_emit(e->p, &in, e->a);
}

void em_addi(Emit *e, unsigned rd, unsigned rs, int32_t v)
{
    CimInsn in = {CIM_I_ADDI, rd, rs, 0, 0, 0};
    cim_isa_set_cd(&in, (uint32_t)v & 0xFFFFFFu);
    if (e->st == CIM_OK)
        e->st = (v < -(1 << 23) || v >= (1 << 23)) ? CIM_ERR_RANGE : cim_program_emit(e->p, &in, e->a);
}

void em_branch(Emit *e, CimInsnId id, unsigned rs, unsigned rt, uint64_t target)
{
    CimInsn in = {id, rs, rt, 0, 0, 0};
    cim_isa_set_cd(&in, (uint32_t)target);
    if (e->st == CIM_OK)
        e->st = cim_program_emit(e->p, &in, e->a);
}

void em_nbits(Emit *e, CimInsnId id, unsigned ra, uint32_t n)
{
    CimInsn in = {id, ra, 0, 0, 0, 0};
    cim_isa_set_ab(&in, n - 1u);
    if (e->st == CIM_OK)
        e->st = (n == 0 || n > (1u << 24)) ? CIM_ERR_RANGE : cim_program_emit(e->p, &in, e->a);
}

/* Round of region i: how many earlier regions of the layer share its macro. A macro has
 * one set of column counters, so its regions take turns: round r gates every region that
 * is the r-th of its macro, then accumulates them, before round r + 1 reuses the counters.
 * Regions of one round sit on different macros and run concurrently. */
static unsigned region_round(const CimChipLayer *cl, unsigned i)
{
    unsigned r = 0;
    for (unsigned j = 0; j < i; j++)
        r += cl->regions[j].macro == cl->regions[i].macro;
    return r;
}

/* 1 when the regions of region i's macro do not all use the same column window, so the
 * window must be selected before each of them (else the preamble's csel holds). */
static int macro_switches_window(const CimChipLayer *cl, unsigned i)
{
    const CimRegion *a = &cl->regions[i];
    for (unsigned j = 0; j < cl->nregions; j++) {
        const CimRegion *b = &cl->regions[j];
        if (b->macro == a->macro && (b->col0 != a->col0 || b->ncols != a->ncols))
            return 1;
    }
    return 0;
}

static unsigned rounds_of(const CimChipLayer *cl)
{
    unsigned n = 0;
    for (unsigned i = 0; i < cl->nregions; i++) {
        unsigned r = region_round(cl, i) + 1;
        n = r > n ? r : n;
    }
    return n;
}

/* One conv position: window; per round, column windows, cleared counters and gated reads
 * on the round's regions, then their accumulation; finish. With one region per macro (one
 * round) this is: win, cclr..., gated..., pclr, pacc..., pfin. */
static void em_position(Emit *e, const CimChipLayer *cl)
{
    unsigned rounds = rounds_of(cl);
    em(e, CIM_I_WIN, R_Y, R_X, 0, 0, 0);
    if (rounds == 0) /* every filter pruned: the PPU still starts from cleared accumulators */
        em(e, CIM_I_PCLR, 0, 0, 0, 0, 0);
    for (unsigned round = 0; round < rounds; round++) {
        for (unsigned i = 0; i < cl->nregions; i++) {
            const CimRegion *r = &cl->regions[i];
            if (region_round(cl, i) != round)
                continue;
            if (rounds > 1 && macro_switches_window(cl, i))
                em(e, CIM_I_CSEL, r->macro, r->col0, r->ncols - 1u, 0, 0);
            em(e, CIM_I_CCLR, r->macro, 0, 0, 0, 0);
        }
        for (unsigned i = 0; i < cl->nregions; i++) {
            const CimRegion *r = &cl->regions[i];
            if (region_round(cl, i) == round)
                em(e, CIM_I_GATED, r->macro, r->row0, r->nrows - 1u, r->e0, 0);
        }
        if (round == 0)
            em(e, CIM_I_PCLR, 0, 0, 0, 0, 0);
        for (unsigned i = 0; i < cl->nregions; i++)
            if (region_round(cl, i) == round)
                em(e, CIM_I_PACC, cl->regions[i].macro, cl->regions[i].f0, 0, 0, 0);
    }
    em(e, CIM_I_PFIN, 0, 0, 0, 0, 0);
}

/* ---- replicated layers: a group of positions, one per copy ---------------------------
 * Copy c's regions are regions[c * nregions, (c + 1) * nregions), each on its own macro
 * (the compiler refuses a layout where they share one), so every copy has one round.
 * gated latches the input register at issue, so the group loads each position's window
 * and starts its copy's gated reads, and the reads of the copies overlap; pfin takes px
 * and the border class from the window unit's current window, so each position but the
 * last loaded has its window loaded again before its finish. Finishing in reverse order,
 * the last window is still there for the first finish. */

static void em_at(Emit *e, unsigned dy, unsigned dx)
{
    em_addi(e, R_Y, R_YB, (int32_t)dy);
    em_addi(e, R_X, R_XB, (int32_t)dx);
    em(e, CIM_I_WIN, R_Y, R_X, 0, 0, 0);
}

/* One group: for c < g, copy c computes the position (R_YB + (s0 + c) / w, R_XB + (s0 + c) % w).
 * store: a pool-1 layer stores position c at R_OUT + c x per (prclr, pthr, pstb; or psti);
 * else the pool's OR collects every position's bits (pthr). */
static void em_group(Emit *e, const CimChipLayer *cl, unsigned s0, unsigned w, unsigned g, int store)
{
    int bits = cl->out_kind == CIM_OUT_BITS;
    uint32_t per = bits ? cl->F : 32u * cl->F;
    for (unsigned c = 0; c < g; c++) {
        const CimRegion *r = cl->regions + (size_t)c * cl->nregions;
        em_at(e, (s0 + c) / w, (s0 + c) % w);
        for (unsigned i = 0; i < cl->nregions; i++)
            em(e, CIM_I_CCLR, r[i].macro, 0, 0, 0, 0);
        for (unsigned i = 0; i < cl->nregions; i++)
            em(e, CIM_I_GATED, r[i].macro, r[i].row0, r[i].nrows - 1u, r[i].e0, 0);
    }
    for (unsigned c = g; c-- > 0;) {
        const CimRegion *r = cl->regions + (size_t)c * cl->nregions;
        if (c + 1 < g)
            em_at(e, (s0 + c) / w, (s0 + c) % w);
        if (store && bits)
            em(e, CIM_I_PRCLR, 0, 0, 0, 0, 0);
        em(e, CIM_I_PCLR, 0, 0, 0, 0, 0);
        for (unsigned i = 0; i < cl->nregions; i++)
            em(e, CIM_I_PACC, r[i].macro, r[i].f0, 0, 0, 0);
        em(e, CIM_I_PFIN, 0, 0, 0, 0, 0);
        if (bits)
            em(e, CIM_I_PTHR, 0, 0, 0, 0, 0);
        if (store) {
            em_addi(e, R_TMP, R_OUT, (int32_t)(c * per));
            em(e, bits ? CIM_I_PSTB : CIM_I_PSTI, R_TMP, 0, 0, 0, 0);
        }
    }
}

static void em_preamble(Emit *e, const CimChipLayer *cl, int first, const CimCompiled *cc, CimPrunedMode mode)
{
    if (first) {
        em_li(e, R_ADDR, (int32_t)cc->image_addr);
        em_nbits(e, CIM_I_DMAI, R_ADDR, (uint32_t)cc->image_bits);
    }
    em_li(e, R_ADDR, (int32_t)cl->in_addr);
    em(e, CIM_I_WCFG, R_ADDR, cl->in_c, cl->in_h, cl->in_w, (cl->k << 4) | cl->pad);
    em_li(e, R_ADDR, (int32_t)cl->table_addr);
    em(e, CIM_I_LCFG, R_ADDR, cl->F, mode == CIM_PRUNED_SKIP, 0, 0);
    for (unsigned i = 0; i < cim_chip_layer_placed(cl); i++)
        em(e, CIM_I_CSEL, cl->regions[i].macro, cl->regions[i].col0, cl->regions[i].ncols - 1u, 0, 0);
    em_li(e, R_HO, (int32_t)cl->out_h);
    em_li(e, R_WO, (int32_t)cl->out_w);
    em_li(e, R_OUT, (int32_t)cl->out_addr);
    em_li(e, R_PY, 0);
    em_li(e, R_YB, 0);
}

/* The loops of a replicated layer. Pooled: per pooled position, prclr, the pool's
 * sub-positions in groups of replicas, pstb. Pool 1: per output row, groups of replicas
 * positions along the row (a loop while whole groups remain), then one group of the rest. */
static void em_replicated(Emit *e, const CimChipLayer *cl)
{
    unsigned R = cl->replicas, p = cl->pool;
    int bits = cl->out_kind == CIM_OUT_BITS;
    uint32_t per = bits ? cl->F : 32u * cl->F;
    uint64_t l_py = e->p->n;
    em_li(e, R_PX, 0);
    em_li(e, R_XB, 0);
    uint64_t l_px = e->p->n;
    if (p > 1) {
        em(e, CIM_I_PRCLR, 0, 0, 0, 0, 0);
        for (unsigned s0 = 0; s0 < p * p; s0 += R)
            em_group(e, cl, s0, p, p * p - s0 < R ? p * p - s0 : R, 0);
        em(e, CIM_I_PSTB, R_OUT, 0, 0, 0, 0);
        em_addi(e, R_OUT, R_OUT, (int32_t)per);
        em_addi(e, R_PX, R_PX, 1);
        em_addi(e, R_XB, R_XB, (int32_t)p);
    } else {
        em_group(e, cl, 0, R, R, 1);
        em_addi(e, R_OUT, R_OUT, (int32_t)(R * per));
        em_addi(e, R_PX, R_PX, (int32_t)R);
        em_addi(e, R_XB, R_XB, (int32_t)R);
    }
    em_branch(e, CIM_I_BLT, R_PX, R_WO, l_px);
    if (p == 1 && cl->out_w % R) {
        em_group(e, cl, 0, R, cl->out_w % R, 1);
        em_addi(e, R_OUT, R_OUT, (int32_t)(cl->out_w % R * per));
    }
    em_addi(e, R_PY, R_PY, 1);
    em_addi(e, R_YB, R_YB, (int32_t)p);
    em_branch(e, CIM_I_BLT, R_PY, R_HO, l_py);
}

/* The loops of a layer with one copy: per output position (pooled: per sub-position),
 * em_position, then pstb or psti. */
static void em_single(Emit *e, const CimChipLayer *cl)
{
    int bits = cl->out_kind == CIM_OUT_BITS;
    unsigned p = cl->pool;
    CimProgram *out = e->p;
    uint64_t l_py = out->n;
    em_li(e, R_PX, 0);
    em_li(e, R_XB, 0);
    uint64_t l_px = out->n;
    if (bits)
        em(e, CIM_I_PRCLR, 0, 0, 0, 0, 0);
    for (unsigned dy = 0; dy < p; dy++)
        for (unsigned dx = 0; dx < p; dx++) {
            em_addi(e, R_Y, R_YB, (int32_t)dy);
            em_addi(e, R_X, R_XB, (int32_t)dx);
            em_position(e, cl);
            if (bits)
                em(e, CIM_I_PTHR, 0, 0, 0, 0, 0);
        }
    em(e, bits ? CIM_I_PSTB : CIM_I_PSTI, R_OUT, 0, 0, 0, 0);
    em_addi(e, R_OUT, R_OUT, (int32_t)(bits ? cl->F : 32u * cl->F));
    em_addi(e, R_PX, R_PX, 1);
    em_addi(e, R_XB, R_XB, (int32_t)p);
    em_branch(e, CIM_I_BLT, R_PX, R_WO, l_px);
    em_addi(e, R_PY, R_PY, 1);
    em_addi(e, R_YB, R_YB, (int32_t)p);
    em_branch(e, CIM_I_BLT, R_PY, R_HO, l_py);
}

CimStatus cim_emit_layer(const CimChipCfg *cfg, const CimChipLayer *cl, int first, int last, const CimCompiled *cc,
                         const CimAlloc *a, CimProgram *out)
{
    (void)cfg;
    Emit e = {out, a, CIM_OK};
    int bits = cl->out_kind == CIM_OUT_BITS;
    unsigned p = cl->pool;
    em_preamble(&e, cl, first, cc, cc->pruned_mode);
    if (cl->replicas > 1 && p == 1) /* the row loop runs while whole groups remain */
        em_li(&e, R_WO, (int32_t)(cl->out_w / cl->replicas * cl->replicas));
    if (cl->replicas > 1)
        em_replicated(&e, cl);
    else
        em_single(&e, cl);
    if (last && !bits) {
        em_li(&e, R_ADDR, (int32_t)cc->result_addr);
        em_nbits(&e, CIM_I_DMAO, R_ADDR, (uint32_t)cc->result_bits);
    }
    em(&e, CIM_I_HALT, 0, 0, 0, 0, 0);
    return e.st;
}

/* ---- pruning distances ------------------------------------------------------------ */

static void em_flush(Emit *e, uint32_t *pending)
{
    if (!*pending)
        return;
    em_li(e, R_ADDR, 0);
    em_nbits(e, CIM_I_DMAO, R_ADDR, 32u * *pending);
    em_li(e, R_OUT, 0);
    *pending = 0;
}

/* R_ACC = sum over the chunks of popcount(row f) (pair = 0) or popcount(f XOR g). */
static void em_sum_chunks(Emit *e, const CimSimLayer *sl, unsigned f, unsigned g, int pair)
{
    unsigned xor_code = cim_op_info(CIM_OP_XOR)->opcode;
    em_li(e, R_ACC, 0);
    for (unsigned q = 0; q < sl->nchunks; q++) {
        const CimRegion *r = &sl->chunks[q];
        if (pair)
            em(e, CIM_I_DUAL, r->macro, r->row0 + f, r->row0 + g, xor_code, 0);
        else
            em(e, CIM_I_RROW, r->macro, r->row0 + f, 0, 0, 0);
        em(e, CIM_I_POPO, r->macro, R_TMP, 0, 0, 0);
        em(e, CIM_I_ADD, R_ACC, R_ACC, R_TMP, 0, 0);
    }
}

CimStatus cim_compile_distances(const CimChipCfg *cfg, const CimSimLayer *sl, const unsigned *filters,
                                unsigned n, const CimAlloc *a, CimProgram *out)
{
    Emit e = {out, a, CIM_OK};
    uint32_t cap = (uint32_t)((size_t)cfg->buffer_kib * 8192u / 32u), pending = 0;
    if (cap > 4096)
        cap = 4096;
    for (unsigned q = 0; q < sl->nchunks; q++)
        em(&e, CIM_I_CSEL, sl->chunks[q].macro, 0, sl->chunks[q].ncols - 1u, 0, 0);
    em_li(&e, R_OUT, 0);
    for (unsigned i = 0; i < n; i++) {
        em_sum_chunks(&e, sl, filters[i], 0, 0);
        em(&e, CIM_I_STW, R_ACC, R_OUT, 0, 0, 0);
        em_addi(&e, R_OUT, R_OUT, 32);
        if (++pending == cap)
            em_flush(&e, &pending);
    }
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = i + 1; j < n; j++) {
            em_sum_chunks(&e, sl, filters[i], filters[j], 1);
            em(&e, CIM_I_STW, R_ACC, R_OUT, 0, 0, 0);
            em_addi(&e, R_OUT, R_OUT, 32);
            if (++pending == cap)
                em_flush(&e, &pending);
        }
    em_flush(&e, &pending);
    em(&e, CIM_I_HALT, 0, 0, 0, 0, 0);
    return e.st;
}
