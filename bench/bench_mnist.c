/* make bench: images per second of the MNIST workload on the fast path and the program
 * path, beside references measured in the same run: a plain packed XNOR-popcount
 * implementation of the same network (bench/packed_ref.c) and the nested-loop reference
 * of the tests. Each figure is the best of three timed repetitions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/packed_ref.h"
#include "workloads/io/idx.h"
#include "workloads/net/netfile.h"
#include "workloads/exec/fast.h"
#include "workloads/prune/prune_chip.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef void (*ImageFn)(void *ctx, const uint8_t *img, float *logits);

/* Best of three: images per second over n images. Also returns a checksum of argmaxes so
 * that the work cannot be optimised away and paths can be compared. */
static double rate(ImageFn fn, void *ctx, const CimMnist *mn, unsigned n, unsigned *checksum)
{
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
        unsigned sum = 0;
        double t0 = now();
        for (unsigned i = 0; i < n; i++) {
            float logits[10];
            fn(ctx, mn->images.pixels + (size_t)(i % mn->images.n) * 784, logits);
            sum = sum * 31u + cim_argmax(logits, 10);
        }
        double r = n / (now() - t0);
        best = r > best ? r : best;
        *checksum = sum;
    }
    return best;
}

typedef struct {
    CimChip *chip;
    CimCompiled *cc;
    CimNet *net;
    CimFast *fast;
    PackedRef *ref;
} Ctx;

static void run_fast(void *c, const uint8_t *img, float *l) { cim_fast_image(((Ctx *)c)->fast, img, l, NULL, NULL); }
static void run_packed(void *c, const uint8_t *img, float *l) { packed_ref_forward(((Ctx *)c)->ref, img, l); }
static void run_program(void *c, const uint8_t *img, float *l)
{
    Ctx *x = c;
    CimTrap trap;
    cim_infer_image(x->chip, x->cc, x->net, img, l, NULL, NULL, &trap);
}

static int setup(Ctx *x, CimChipCfg *cfg, CimNet *net, CimCompiled *cc, int prune, CimDiag *d)
{
    CimTrap trap;
    cim_net_init_random(net, 1);
    if (cim_chip_create(cfg, NULL, &x->chip) != CIM_OK)
        return -1;
    if (prune) {
        CimPruneParams p;
        CimPruneReport rep = {0};
        cim_prune_params_reference(&p);
        if (cim_prune_on_chip(x->chip, net, &p, 1, &rep, &trap, d) != CIM_OK)
            return -1;
        cim_prune_report_free(&rep);
    }
    if (cim_compile(cfg, net, CIM_PRUNED_REFERENCE, NULL, cc, d) != CIM_OK ||
        cim_infer_load(x->chip, cc, NULL, &trap) != CIM_OK || cim_fast_create(x->chip, cc, net, &x->fast, &trap) != CIM_OK)
        return -1;
    x->cc = cc;
    x->net = net;
    x->ref = packed_ref_create(net, CIM_PRUNED_REFERENCE);
    return x->ref ? 0 : -1;
}

static int bench(const char *label, int prune, const CimMnist *mn, CimDiag *d)
{
    CimChipCfg cfg;
    CimNet net;
    CimCompiled cc;
    Ctx x = {0};
    cim_cfg_defaults(&cfg);
    if (cim_net_load("workloads/nets/mnist_bnn.yaml", NULL, &net, d) != CIM_OK || setup(&x, &cfg, &net, &cc, prune, d)) {
        cim_diag_print(d, stderr);
        return 1;
    }
    unsigned s_fast, s_ref, s_prog;
    double fast = rate(run_fast, &x, mn, 4000, &s_fast);
    double ref = rate(run_packed, &x, mn, 4000, &s_ref);
    double prog = rate(run_program, &x, mn, 200, &s_prog);
    unsigned s_fast200;
    rate(run_fast, &x, mn, 200, &s_fast200);
    printf("%-34s fast %8.0f img/s | packed XNOR-popcount reference %8.0f img/s | ratio %.2f\n", label, fast, ref,
           fast / ref);
    printf("%-34s program path %6.0f img/s | fast / program %.1fx | predictions agree: %s\n", "", prog, fast / prog,
           s_fast == s_ref && s_fast200 == s_prog ? "yes" : "NO");
    packed_ref_free(x.ref);
    cim_fast_destroy(x.fast);
    cim_chip_destroy(x.chip);
    cim_compiled_free(&cc);
    cim_net_free(&net);
    return s_fast == s_ref && s_fast200 == s_prog ? 0 : 1;
}

int main(void)
{
    CimDiag d;
    CimMnist mn;
    cim_diag_init(&d);
    if (cim_mnist_load("data/mnist", "t10k", NULL, &mn, &d) != CIM_OK) {
        cim_diag_print(&d, stderr);
        return 1;
    }
    printf("MNIST binary CNN, one core, random weights (seed 1), best of 3 runs\n");
    int rc = bench("unpruned (all filters live)", 0, &mn, &d);
    rc |= bench("pruned on chip (reference rule)", 1, &mn, &d);
    cim_mnist_free(&mn);
    cim_diag_free(&d);
    return rc;
}
