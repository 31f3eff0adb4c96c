/* make pointnet-prune-study: how often PointNet++ pruning on the chip's int8 weight codes
 * (run.prune.distance chip) decides otherwise than the reference's rule on the float
 * weights (run.prune.distance float), over many initialisations. Each seed draws the
 * network's weights as PyTorch's default init does (cim_pn_init_random: U(+-1/sqrt(fan_in)),
 * kaiming-uniform with a = sqrt 5), then every conv of a `prune: true` block gets one round
 * of both rules from the same weights: the float rule (cim_pn_prune_weight) and the chip's
 * (the codes' Gram matrix measured by the int8 engine's fast path on the chip,
 * cim_pn_chip_gram, then cim_pn_prune_gram with the weights' scale s). Also the same Gram
 * matrix without the scale (raw code distances), to show why the scale is there.
 * Per conv: the filters each rule pruned, the filters flagged by one and not the other, and
 * the seeds with any such filter. docs/pruning.md, "PointNet++: distances on the chip".
 * Usage: prune_study [SEEDS (default 100)] [FIRST SEED (default 1)] [NETWORK] [CHIP]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workloads/run/pn_chip.h"

typedef struct {
    const char *name;
    unsigned s, filters;
    uint64_t pruned_float, pruned_chip, pruned_raw; /* summed over seeds */
    uint64_t differ, differ_raw;                    /* filters flagged by one rule only */
    uint64_t seeds_differ, seeds_differ_raw;
} ConvStat;

static void print_diag(CimDiag *d)
{
    cim_diag_print(d, stderr);
    cim_diag_free(d);
}

/* Filters flagged by exactly one of a and b. */
static unsigned xor_count(const uint8_t *a, const uint8_t *b, size_t f)
{
    unsigned n = 0;
    for (size_t i = 0; i < f; i++)
        n += a[i] != b[i];
    return n;
}

static unsigned count(const uint8_t *a, size_t f)
{
    unsigned n = 0;
    for (size_t i = 0; i < f; i++)
        n += a[i];
    return n;
}

/* One conv of one seed: the three rules on copies of its weights. */
static int one_conv(const CimChipCfg *cfg, const CimPnLayer *l, unsigned s, ConvStat *st, CimDiag *d)
{
    size_t f = l->mlp[s], c = l->cin[s], removed;
    float *wf = malloc(f * c * sizeof *wf), *wc = malloc(f * c * sizeof *wc), *wr = malloc(f * c * sizeof *wr);
    int8_t *codes = malloc(f * c);
    int32_t *gram = malloc(f * f * sizeof *gram);
    uint8_t *pf = malloc(f), *pc = malloc(f), *pr = malloc(f);
    CimPnQuant q;
    int ok = wf && wc && wr && codes && gram && pf && pc && pr;
    if (ok) {
        memcpy(wf, l->w[s], f * c * sizeof *wf);
        memcpy(wc, l->w[s], f * c * sizeof *wc);
        memcpy(wr, l->w[s], f * c * sizeof *wr);
        ok = cim_pn_weight_codes(l, s, codes, d) == CIM_OK && cim_pn_quant_params(l->w[s], f * c, &q) == CIM_OK &&
             cim_pn_chip_gram(cfg, 0, l->name, s, codes, c, f, gram, NULL, NULL, d) == CIM_OK &&
             cim_pn_prune_weight(wf, f, c, 0.01, 0.45, pf, &removed) == CIM_OK &&
             cim_pn_prune_gram(wc, f, c, gram, q.s, 0.01, 0.45, pc, &removed) == CIM_OK &&
             cim_pn_prune_gram(wr, f, c, gram, 1.0, 0.01, 0.45, pr, &removed) == CIM_OK;
    }
    if (ok) {
        unsigned x = xor_count(pf, pc, f), xr = xor_count(pf, pr, f);
        st->pruned_float += count(pf, f);
        st->pruned_chip += count(pc, f);
        st->pruned_raw += count(pr, f);
        st->differ += x;
        st->differ_raw += xr;
        st->seeds_differ += x > 0;
        st->seeds_differ_raw += xr > 0;
    }
    free(wf), free(wc), free(wr), free(codes), free(gram), free(pf), free(pc), free(pr);
    return ok;
}

int main(int argc, char **argv)
{
    unsigned seeds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 100;
    uint64_t first = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
    const char *net_path = argc > 3 ? argv[3] : "workloads/nets/pointnet2_ssg.yaml";
    const char *chip_path = argc > 4 ? argv[4] : "configs/chip/pointnet.yaml";
    if (seeds == 0) {
        fprintf(stderr, "usage: prune_study [SEEDS >= 1] [FIRST SEED] [NETWORK] [CHIP]\n");
        return 2;
    }
    CimDiag d;
    cim_diag_init(&d);
    CimPnNet net;
    CimChipCfg cfg;
    if (cim_pn_load(net_path, &net, &d) != CIM_OK || cim_cfg_load_chip(chip_path, NULL, &cfg, &d) != CIM_OK ||
        cim_pn_chip_check(&cfg, chip_path, &d) != CIM_OK) {
        print_diag(&d);
        return 1;
    }
    ConvStat st[CIM_PN_MAX_LAYERS * CIM_PN_MAX_MLP];
    size_t n = 0;
    for (size_t i = 0; i < net.n; i++)
        for (unsigned s = 0; net.layers[i].prune && s < net.layers[i].n_mlp; s++)
            st[n++] = (ConvStat){net.layers[i].name, s, net.layers[i].mlp[s], 0, 0, 0, 0, 0, 0, 0};
    if (!n) {
        fprintf(stderr, "%s: no set abstraction with prune: true\n", net_path);
        return 1;
    }
    double t0 = cim_clock_s();
    for (unsigned k = 0; k < seeds; k++) {
        cim_pn_init_random(&net, first + k);
        size_t q = 0;
        for (size_t i = 0; i < net.n; i++)
            for (unsigned s = 0; net.layers[i].prune && s < net.layers[i].n_mlp; s++, q++)
                if (!one_conv(&cfg, &net.layers[i], s, &st[q], &d)) {
                    fprintf(stderr, "seed %llu, %s conv %u failed\n", (unsigned long long)(first + k),
                            net.layers[i].name, s);
                    print_diag(&d);
                    return 1;
                }
        if ((k + 1) % 10 == 0 || k + 1 == seeds)
            fprintf(stderr, "\rseeds %u/%u", k + 1, seeds);
    }
    fprintf(stderr, "\n");
    printf("pruning study: %s, seeds %llu..%llu (PyTorch's default init), one round, threshold_b 0.01, "
           "threshold_c 0.45; chip distances from the codes' Gram matrix measured on %s (fast path)\n",
           net.name, (unsigned long long)first, (unsigned long long)(first + seeds - 1), cfg.name);
    printf("%-14s %7s %14s %14s %22s %16s %14s %22s %16s\n", "conv", "filters", "pruned float", "pruned chip",
           "flagged by one only", "seeds differing", "pruned raw", "raw: by one only", "raw: seeds");
    for (size_t q = 0; q < n; q++) {
        double dec = (double)st[q].filters * seeds;
        char nm[80];
        snprintf(nm, sizeof nm, "%s.Conv%u", st[q].name, st[q].s);
        printf("%-14s %7u %14.2f %14.2f %8llu (%6.3f %%) %8llu/%-7u %14.2f %8llu (%6.3f %%) %8llu/%-7u\n", nm,
               st[q].filters, (double)st[q].pruned_float / seeds, (double)st[q].pruned_chip / seeds,
               (unsigned long long)st[q].differ, 100.0 * (double)st[q].differ / dec,
               (unsigned long long)st[q].seeds_differ, seeds, (double)st[q].pruned_raw / seeds,
               (unsigned long long)st[q].differ_raw, 100.0 * (double)st[q].differ_raw / dec,
               (unsigned long long)st[q].seeds_differ_raw, seeds);
    }
    printf("(pruned: mean filters per seed; flagged by one only: filters, summed over seeds, that one rule pruned "
           "and the other kept, with their share of all filter decisions; raw: the code distances without the "
           "scale s)\ntime %.1f s\n", cim_clock_s() - t0);
    cim_pn_free(&net);
    cim_diag_free(&d);
    return 0;
}
