/* Pruning with the distances measured on the chip. */
#include "workloads/prune/prune_chip.h"

#include <stdlib.h>
#include <string.h>

static int32_t int_at(const uint64_t *bits, size_t i)
{
    uint64_t v = 0;
    cim_bits_copy_range(&v, 0, bits, 32 * i, 32);
    return (int32_t)(uint32_t)v;
}

/* Measures the live filters of one layer on chip and fills sign sums and the distance
 * matrix (N x N, pairs of live filters only). */
static CimStatus measure(CimChip *chip, const CimSimLayer *sl, const CimLayer *l, int64_t *sign_sum,
                         double *dist, CimPruneReport *rep, CimTrap *trap)
{
    unsigned n = 0, *live = malloc(sl->F * sizeof *live);
    if (!live)
        return CIM_ERR_NOMEM;
    for (unsigned f = 0; f < sl->F; f++)
        if (!l->pruned[f])
            live[n++] = f;
    size_t results = n + (size_t)n * (n - (n > 0)) / 2;
    uint64_t *out = calloc(cim_bits_words(32 * results) + 1, sizeof *out);
    CimProgram prog;
    cim_program_init(&prog);
    CimStatus st = out ? cim_compile_distances(cim_chip_cfg(chip), sl, live, n, NULL, &prog) : CIM_ERR_NOMEM;
    CimHostIO io = {NULL, 0, 0, out, 32 * results, 0};
    if (st == CIM_OK)
        st = cim_run_tallied(NULL, NULL, chip, &prog, &io, &rep->distances, trap);
    for (unsigned f = 0; st == CIM_OK && f < sl->F; f++)
        sign_sum[f] = 0; /* pruned filters: sign(0) = 0 */
    for (unsigned i = 0; st == CIM_OK && i < n; i++)
        sign_sum[live[i]] = 2 * (int64_t)int_at(out, i) - sl->L;
    size_t k = n;
    for (unsigned i = 0; st == CIM_OK && i < n; i++)
        for (unsigned j = i + 1; j < n; j++)
            dist[(size_t)live[i] * sl->F + live[j]] = int_at(out, k++);
    cim_program_free(&prog, NULL);
    free(out);
    free(live);
    return st;
}

static void apply(CimLayer *l, const CimPruneOut *o, int rewrite_sign)
{
    size_t fan = cim_layer_fan_in(l);
    for (size_t i = 0; i < o->n_pruned; i++) {
        l->pruned[o->pruned[i]] = 1;
        memset(l->w + o->pruned[i] * fan, 0, fan * sizeof *l->w);
    }
    for (size_t i = 0; rewrite_sign && i < l->nw; i++)
        l->w[i] = l->w[i] > 0.0f ? 1.0f : l->w[i] < 0.0f ? -1.0f : 0.0f;
}

/* The keep_min_filters guard: while the round would leave fewer than `keep` live filters
 * (or all it had, if it had fewer), un-prunes the newly pruned filter in the fewest close
 * pairs (the least redundant; ties: the lowest index). Returns how many it kept. */
static unsigned guard(CimPruneOut *o, const size_t *close_count, unsigned live_before, unsigned keep)
{
    unsigned want = keep < live_before ? keep : live_before, kept = 0;
    while (keep && live_before - o->n_pruned < want) {
        size_t best = 0;
        for (size_t i = 1; i < o->n_pruned; i++)
            if (close_count[o->pruned[i]] < close_count[o->pruned[best]])
                best = i;
        memmove(&o->pruned[best], &o->pruned[best + 1], (o->n_pruned - best - 1) * sizeof *o->pruned);
        o->n_pruned--;
        kept++;
    }
    return kept;
}

static CimStatus prune_layer(CimChip *chip, const CimSimLayer *sl, CimLayer *l, const CimPruneParams *p,
                             int rewrite_sign, CimPruneLayerReport *lr, CimPruneReport *rep, CimTrap *trap)
{
    int64_t *sign_sum = calloc(sl->F, sizeof *sign_sum);
    double *dist = calloc((size_t)sl->F * sl->F, sizeof *dist);
    size_t *pruned = calloc(sl->F, sizeof *pruned), *close = calloc(sl->F, sizeof *close);
    CimStatus st = sign_sum && dist && pruned && close ? CIM_OK : CIM_ERR_NOMEM;
    lr->layer = sl->layer;
    lr->filters = sl->F;
    lr->pruned_before = 0;
    for (unsigned f = 0; f < sl->F; f++)
        lr->pruned_before += l->pruned[f];
    if (st == CIM_OK)
        st = measure(chip, sl, l, sign_sum, dist, rep, trap);
    CimPruneLayer in = {sl->F, l->pruned, sign_sum};
    CimPruneOut o = {pruned, 0, close, {0}};
    if (st == CIM_OK)
        st = cim_prune_select_matrix(p, &in, dist, NULL, &o);
    if (st == CIM_OK) {
        lr->kept_by_guard = guard(&o, close, sl->F - lr->pruned_before, p->keep_min_filters);
        apply(l, &o, rewrite_sign);
        lr->pruned_new = (unsigned)o.n_pruned;
        lr->stats = o.stats;
    }
    free(sign_sum);
    free(dist);
    free(pruned);
    free(close);
    return st;
}

CimStatus cim_prune_on_chip(CimChip *chip, CimNet *net, const CimPruneParams *p, int rewrite_sign,
                            CimPruneReport *rep, CimTrap *trap, CimDiag *diag)
{
    CimSimMap sim;
    CimStatus st = cim_compile_similarity(cim_chip_cfg(chip), net, NULL, &sim, diag);
    if (st != CIM_OK)
        return st;
    if (!rep->layers) {
        rep->layers = calloc(sim.n ? sim.n : 1, sizeof *rep->layers);
        rep->n = sim.n;
        if (!rep->layers)
            st = CIM_ERR_NOMEM;
    }
    CimHostIO io = {sim.load_stream, sim.load_bits, 0, NULL, 0, 0};
    if (st == CIM_OK)
        st = cim_run_tallied(NULL, NULL, chip, &sim.prog_load, &io, &rep->load, trap);
    for (size_t k = 0; st == CIM_OK && k < sim.n; k++)
        st = prune_layer(chip, &sim.layers[k], &net->layers[sim.layers[k].layer], p, rewrite_sign,
                         &rep->layers[k], rep, trap);
    cim_sim_free(&sim);
    return st;
}

void cim_prune_report_free(CimPruneReport *rep)
{
    free(rep->layers);
    memset(rep, 0, sizeof *rep);
}
