/* A point-cloud run's int8 convs on the chip: compile, load and run through the int8
 * engine, one chip model per conv (the convs take turns on one chip: each load counted
 * per cloud). */
#include "workloads/run/pn_chip.h"
#include "models/array/array.h"
#include "models/chip/chip.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

CimStatus cim_pn_chip_init(CimPnChip *c, const CimChipCfg *cfg, const CimPnNet *net, int program)
{
    c->cfg = cfg;
    c->net = net;
    c->program = program;
    c->conv = calloc(net->n ? net->n * CIM_PN_MAX_MLP : 1, sizeof *c->conv);
    return c->conv ? CIM_OK : CIM_ERR_NOMEM;
}

CimStatus cim_pn_chip_check(const CimChipCfg *cfg, const char *file, CimDiag *diag)
{
    if (cfg->physics.enabled)
        cim_diag_add(diag, CIM_SEV_ERROR, file, 0, 0,
                     "chip.physics.enabled: a point-cloud network's int8 convs run on the chip only with physics "
                     "off (the fast path is exact only without it)");
    else if (cfg->mapping.reload != CIM_MAP_RELOAD_ALLOW)
        cim_diag_add(diag, CIM_SEV_ERROR, file, 0, 0,
                     "chip.mapping.reload forbid: a point-cloud network's int8 convs take turns on the arrays (each "
                     "is placed from macro m0, its weights written before it runs, for every cloud); set "
                     "chip.mapping.reload allow (configs/chip/pointnet.yaml does)");
    else
        return CIM_OK;
    return CIM_ERR_CONFIG;
}

static CimStatus trap_error(const char *layer, unsigned s, const char *what, const CimTrap *trap, CimDiag *diag)
{
    cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0, "%s conv %u: the chip trapped in its %s program at pc %llu: %s",
                 layer, s, what, (unsigned long long)trap->pc, trap->reason);
    return CIM_ERR_TRAP;
}

/* Compiles conv s of the layer for w, creates its chip and loads the weights. */
static CimStatus setup(const CimPnChip *pc, CimPnChipConv *cv, const char *layer, unsigned s, const int8_t *w,
                       size_t P, size_t C, size_t F, CimDiag *diag)
{
    if (P == 0 || P >= (1u << 23) || C > UINT32_MAX || F > UINT32_MAX) {
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                     "%s conv %u: %zu positions; a position program takes 1 .. %u (li's 23-bit immediate)", layer, s,
                     P, (1u << 23) - 1u);
        return CIM_ERR_RANGE;
    }
    size_t nw = C * F;
    CimDiag local;
    cim_diag_init(&local);
    CimStatus st = cim_int8_compile(pc->cfg, w, (unsigned)C, (unsigned)F, (unsigned)P, NULL, &cv->conv, &local);
    for (size_t i = 0; i < local.n; i++)
        cim_diag_add(diag, local.v[i].sev, NULL, 0, 0, "%s conv %u: %s", layer, s, local.v[i].msg);
    cim_diag_free(&local);
    if (st != CIM_OK)
        return st;
    cv->compiled = 1;
    if (!(cv->w = malloc(nw)))
        return CIM_ERR_NOMEM;
    memcpy(cv->w, w, nw);
    if ((st = cim_chip_create(pc->cfg, NULL, &cv->chip)) != CIM_OK)
        return st;
    CimTrap trap = {0};
    st = cim_int8_engine_create(cv->chip, &cv->conv, NULL, NULL, &cv->load, &cv->eng, &trap);
    return st == CIM_ERR_TRAP ? trap_error(layer, s, "weight load", &trap, diag) : st;
}

CimStatus cim_pn_chip_conv(void *ctx, size_t layer, unsigned s, const int8_t *x, const int8_t *w, size_t P, size_t C,
                           size_t F, int32_t *out, CimDiag *diag)
{
    CimPnChip *pc = ctx;
    CimPnChipConv *cv = &pc->conv[layer * CIM_PN_MAX_MLP + s];
    const char *name = pc->net->layers[layer].name;
    CimStatus st = CIM_OK;
    if (!cv->compiled)
        st = setup(pc, cv, name, s, w, P, C, F, diag);
    else if (cv->conv.C != C || cv->conv.F != F || memcmp(cv->w, w, C * F) != 0) {
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                     "%s conv %u: other weight codes than the ones loaded (the chip holds one set per conv)", name, s);
        return CIM_ERR_RANGE;
    }
    if (st != CIM_OK)
        return st;
    CimTrap trap = {0};
    st = pc->program ? cim_int8_engine_program(cv->eng, NULL, NULL, x, (unsigned)P, out, &cv->t, &trap)
                     : cim_int8_engine_fast(cv->eng, x, (unsigned)P, out, &cv->t, &trap);
    if (st == CIM_ERR_TRAP)
        return trap_error(name, s, "position", &trap, diag);
    if (st != CIM_OK)
        return st;
    /* the weights are written before the conv runs, for every cloud (the convs take turns) */
    cim_tally_add(&cv->t, &cv->load);
    cv->t.reload_cycles += cv->load.cycles;
    cv->calls++;
    cv->positions += P;
    return CIM_OK;
}

CimStatus cim_pn_chip_prepare(CimPnChip *c, CimDiag *diag)
{
    CimStatus st = CIM_OK;
    for (size_t i = 0; st == CIM_OK && i < c->net->n; i++) {
        const CimPnLayer *l = &c->net->layers[i];
        for (unsigned s = 0; st == CIM_OK && l->kind == CIM_PN_SA && s < l->n_mlp; s++) {
            size_t C = l->cin[s], F = l->mlp[s];
            int8_t *w = malloc(C * F);
            st = w ? cim_pn_weight_codes(l, s, w, diag) : CIM_ERR_NOMEM;
            if (st == CIM_OK && !c->conv[i * CIM_PN_MAX_MLP + s].compiled)
                st = setup(c, &c->conv[i * CIM_PN_MAX_MLP + s], l->name, s, w, cim_pn_positions(l), C, F, diag);
            free(w);
        }
    }
    return st;
}

CimStatus cim_pn_chip_gram(const CimChipCfg *cfg, int program, const char *layer, unsigned s, const int8_t *w,
                           size_t C, size_t F, int32_t *gram, CimLayerTally *load, CimLayerTally *t, CimDiag *diag)
{
    CimPnChip pc = {.cfg = cfg, .program = program};
    CimPnChipConv cv = {0};
    CimStatus st = setup(&pc, &cv, layer, s, w, F, C, F, diag);
    CimTrap trap = {0};
    if (st == CIM_OK) /* position i: filter i's codes as the input vector, out[i][j] = w_i . w_j */
        st = program ? cim_int8_engine_program(cv.eng, NULL, NULL, w, (unsigned)F, gram, t, &trap)
                     : cim_int8_engine_fast(cv.eng, w, (unsigned)F, gram, t, &trap);
    if (st == CIM_ERR_TRAP)
        st = trap_error(layer, s, "Gram", &trap, diag);
    if (st == CIM_OK && load)
        cim_tally_add(load, &cv.load);
    cim_int8_engine_destroy(cv.eng);
    if (cv.compiled)
        cim_int8_free(&cv.conv);
    if (cv.chip)
        cim_chip_destroy(cv.chip);
    free(cv.w);
    return st;
}

void cim_pn_chip_free(CimPnChip *c)
{
    for (size_t i = 0; c->conv && i < c->net->n * CIM_PN_MAX_MLP; i++) {
        CimPnChipConv *cv = &c->conv[i];
        cim_int8_engine_destroy(cv->eng);
        if (cv->compiled)
            cim_int8_free(&cv->conv);
        if (cv->chip)
            cim_chip_destroy(cv->chip);
        free(cv->w);
    }
    free(c->conv);
    c->conv = NULL;
}

/* ---- write wear ------------------------------------------------------------------ */

unsigned cim_pn_cyclic_changes(const uint8_t *v, size_t n)
{
    unsigned k = 0;
    for (size_t i = 0; n > 1 && i < n; i++)
        k += v[i] != v[(i + n - 1) % n];
    return k;
}

void cim_pn_chip_wear(const CimPnChip *c, CimPnWear *out)
{
    memset(out, 0, sizeof *out);
    const CimChipCfg *cfg = c->cfg;
    out->cells = (uint64_t)cfg->macros * cfg->array.rows * cfg->array.cols;
    CimChip *chips[CIM_PN_MAX_LAYERS * CIM_PN_MAX_MLP];
    for (size_t i = 0; c->conv && i < c->net->n; i++)
        for (unsigned s = 0; s < CIM_PN_MAX_MLP; s++)
            if (cim_pn_chip_at(c, i, s)->calls)
                chips[out->loads++] = cim_pn_chip_at(c, i, s)->chip;
    uint8_t v[CIM_PN_MAX_LAYERS * CIM_PN_MAX_MLP];
    for (unsigned m = 0; out->loads > 1 && m < cfg->macros; m++)
        for (unsigned r = 0; r < cfg->array.rows; r++)
            for (unsigned col = 0; col < cfg->array.cols; col++) {
                for (unsigned k = 0; k < out->loads; k++)
                    v[k] = (cim_array_row_state(cim_chip_macro(chips[k], m)->arr, r)[col / 64] >> (col % 64)) & 1;
                unsigned n = cim_pn_cyclic_changes(v, out->loads);
                out->changes += n;
                out->max_changes = n > out->max_changes ? n : out->max_changes;
            }
}
