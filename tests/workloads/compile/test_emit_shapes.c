/* Chip shapes on which several regions of one layer share a macro (and so its column
 * counters and column window): the program path must still equal the plain reference
 * (tests/support/ref_bnn.c) and the fast path must equal the program path in outputs,
 * cycles, instructions and events. Regression test of the shared-counter bug (issue 11:
 * 1 macro of 4096 x 16 gave 88 % on the fast path and 10 % on the program path). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/mnist_net.h"
#include "workloads/exec/fast.h"
#include "workloads/io/idx.h"

#define NIMG 3

typedef struct {
    unsigned macros, rows, cols;
} Shape;

/* Shapes the chip schema accepts (powers of two) on which regions stack in a macro. */
static const Shape shapes[] = {
    {1, 4096, 16},  /* every region of every layer in one macro: 16-column windows */
    {2, 2048, 16},  /* conv2's 3-4 column tiles on 2 macros */
    {1, 2048, 32},  /* column tiles of unequal width when pruned: 45 live = 32 + 13 */
};

static void load_mnist(CimMnist *mn)
{
    CimDiag d;
    cim_diag_init(&d);
    if (cim_mnist_load("data/mnist", "t10k", NULL, mn, &d) != CIM_OK) {
        cim_diag_print(&d, stderr);
        fail_msg("MNIST missing: run scripts/fetch_mnist.sh (make test does)");
    }
    cim_diag_free(&d);
}

/* Largest number of regions any macro holds in any chip layer. */
static unsigned max_regions_per_macro(const CimCompiled *cc, unsigned macros)
{
    unsigned best = 0;
    for (size_t k = 0; k < cc->n; k++)
        for (unsigned m = 0; m < macros; m++) {
            unsigned n = 0;
            for (unsigned i = 0; i < cc->layers[k].nregions; i++)
                n += cc->layers[k].regions[i].macro == m;
            best = n > best ? n : best;
        }
    return best;
}

static void check_shape(const Shape *s, CimNet *net, CimRefBnnWeights *w, CimPrunedMode mode, const CimMnist *mn)
{
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    cfg.macros = s->macros;
    cfg.array.rows = s->rows;
    cfg.array.cols = s->cols;
    CimCompiled cc;
    CimDiag d;
    cim_diag_init(&d);
    test_mnist_copy_weights(net, w);
    CimStatus st = cim_compile(&cfg, net, mode, NULL, &cc, &d);
    cim_diag_print(&d, stderr);
    assert_int_equal(st, CIM_OK);
    if (max_regions_per_macro(&cc, s->macros) < 2) /* the case under test */
        fail_msg("%ux%ux%u: no macro holds two regions of a layer", s->macros, s->rows, s->cols);
    CimChip *chip;
    CimTrap trap;
    CimFast *fast;
    assert_int_equal(cim_chip_create(&cfg, NULL, &chip), CIM_OK);
    assert_int_equal(cim_infer_load(chip, &cc, NULL, &trap), CIM_OK);
    assert_int_equal(cim_fast_create(chip, &cc, net, &fast, &trap), CIM_OK);
    CimRefBnnTrace *t = malloc(sizeof *t);
    CimLayerTally tp[3] = {{0}}, tf[3] = {{0}};
    for (int i = 0; i < NIMG; i++) {
        const uint8_t *img = mn->images.pixels + (size_t)(100 + i) * 784;
        float lp[10], lf[10];
        int32_t cp[16 * 49], cf[16 * 49];
        st = cim_infer_image(chip, &cc, net, img, lp, cp, tp, &trap);
        if (st != CIM_OK)
            fail_msg("%ux%ux%u: trap at pc %llu: %s", s->macros, s->rows, s->cols, (unsigned long long)trap.pc,
                     trap.reason);
        assert_int_equal(cim_fast_image(fast, img, lf, cf, tf), CIM_OK);
        cim_ref_bnn_forward(w, img, mode == CIM_PRUNED_SKIP ? CIM_REF_BNN_SKIP : CIM_REF_BNN_REFERENCE, t);
        assert_memory_equal(cp, t->acc3, sizeof cp);
        assert_memory_equal(lp, t->logits, sizeof lp);
        assert_memory_equal(cf, cp, sizeof cp);
        assert_memory_equal(lf, lp, sizeof lp);
    }
    for (int k = 0; k < 3; k++) {
        assert_int_equal(tp[k].cycles, tf[k].cycles);
        assert_int_equal(tp[k].instructions, tf[k].instructions);
        for (int e = 0; e < CIM_EV_COUNT; e++)
            if (tp[k].ev.n[e] != tf[k].ev.n[e])
                fail_msg("%ux%ux%u layer %d event %s: program %llu, fast %llu", s->macros, s->rows, s->cols, k,
                         cim_event_info((CimEventId)e)->name, (unsigned long long)tp[k].ev.n[e],
                         (unsigned long long)tf[k].ev.n[e]);
    }
    free(t);
    cim_fast_destroy(fast);
    cim_chip_destroy(chip);
    cim_compiled_free(&cc);
    cim_diag_free(&d);
}

static void run_shapes(CimPrunedMode mode, int prune)
{
    CimNet net;
    CimMnist mn;
    assert_int_equal(test_mnist_net(&net), CIM_OK);
    load_mnist(&mn);
    CimRefBnnWeights *w = calloc(1, sizeof *w);
    CimRng r;
    cim_rng_seed(&r, 11);
    cim_ref_bnn_init_random(w, &r);
    if (prune) {
        for (int f = 0; f < 64; f++)
            w->conv2_pruned[f] = cim_rng_uniform(&r) < 0.3;
        w->conv3_pruned[5] = 1;
        cim_ref_bnn_zero_pruned(w);
    }
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        check_shape(&shapes[i], &net, w, mode, &mn);
    free(w);
    cim_mnist_free(&mn);
    cim_net_free(&net);
}

static void test_emit_shared_macros_unpruned(void **state)
{
    (void)state;
    run_shapes(CIM_PRUNED_REFERENCE, 0);
}

static void test_emit_shared_macros_pruned_both_modes(void **state)
{
    (void)state;
    run_shapes(CIM_PRUNED_REFERENCE, 1);
    run_shapes(CIM_PRUNED_SKIP, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emit_shared_macros_unpruned),
        cmocka_unit_test(test_emit_shared_macros_pruned_both_modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
