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
#include "tests/support/tally_check.h"
#include "tests/support/test_alloc.h"
#include "workloads/exec/fast.h"
#include "workloads/io/idx.h"

#define NIMG 3

/* The case under test: regions of a layer sharing a macro, regions side by side in a
 * macro's columns, layers cut into more row tiles than the rows need, reloads, copies of a
 * layer (chip.mapping.replicate), row tiles cut to the free space (unpruned only: pruned,
 * the network fits with equal tiles). */
enum { STACKED, SIDE_BY_SIDE, SPLIT, RELOAD, REPLICATED, CUT };

typedef struct {
    unsigned macros, rows, cols;
    int want;
    CimMapStrategy strategy;
    CimMapSplit split;
    CimMapReload reload;
    int copies;         /* chip.mapping.replicate: 0 none (the rows that leave it out), -1 auto, N */
} Shape;

/* Shapes the chip schema accepts (powers of two) on which regions stack in a macro. */
static const Shape shapes[] = {
    {1, 4096, 16, STACKED, CIM_MAP_SPREAD, CIM_MAP_SPLIT_NONE, CIM_MAP_RELOAD_FORBID, 0},  /* every region in one macro: 16-column windows */
    {2, 2048, 16, STACKED, CIM_MAP_SPREAD, CIM_MAP_SPLIT_NONE, CIM_MAP_RELOAD_FORBID, 0},  /* conv2's 3-4 column tiles on 2 macros */
    {1, 2048, 32, STACKED, CIM_MAP_SPREAD, CIM_MAP_SPLIT_NONE, CIM_MAP_RELOAD_FORBID, 0},  /* unequal column tiles when pruned: 45 = 32 + 13 */
    {4, 128, 128, SIDE_BY_SIDE, CIM_MAP_SPREAD, CIM_MAP_SPLIT_NONE, CIM_MAP_RELOAD_FORBID, 0}, /* issue 11: refused before packing */
    {4, 256, 256, SIDE_BY_SIDE, CIM_MAP_SPREAD, CIM_MAP_SPLIT_NONE, CIM_MAP_RELOAD_FORBID, 0}, /* conv3's tiles beside conv1 and conv2 */
    {3, 128, 128, SIDE_BY_SIDE, CIM_MAP_SPREAD, CIM_MAP_SPLIT_NONE, CIM_MAP_RELOAD_FORBID, 0}, /* the fewest 128x128 macros (27936 cells) */
    {4, 256, 256, STACKED, CIM_MAP_PACK, CIM_MAP_SPLIT_NONE, CIM_MAP_RELOAD_FORBID, 0},        /* first fit: conv3's tiles share m0 */
    {8, 256, 256, SPLIT, CIM_MAP_SPREAD, CIM_MAP_SPLIT_AUTO, CIM_MAP_RELOAD_FORBID, 0},        /* the default chip, split: conv2 and conv3 in 8 */
    {16, 128, 128, SPLIT, CIM_MAP_PACK, CIM_MAP_SPLIT_AUTO, CIM_MAP_RELOAD_FORBID, 0},         /* split, then first fit */
    {1, 320, 64, RELOAD, CIM_MAP_SPREAD, CIM_MAP_SPLIT_NONE, CIM_MAP_RELOAD_ALLOW, 0},  /* conv2 and conv3 take turns (20480 cells: too few even cut to the free space) */
    {4, 150, 32, RELOAD, CIM_MAP_SPREAD, CIM_MAP_SPLIT_NONE, CIM_MAP_RELOAD_ALLOW, 0},  /* conv2 takes 144 rows of all 4 (19200 cells) */
    {16, 256, 256, REPLICATED, CIM_MAP_SPREAD, CIM_MAP_SPLIT_NONE, CIM_MAP_RELOAD_FORBID, -1}, /* conv2 x 4 (its pool), conv3 x 5 (7 wide: groups of 5 and 2) */
    {9, 256, 256, REPLICATED, CIM_MAP_SPREAD, CIM_MAP_SPLIT_NONE, CIM_MAP_RELOAD_FORBID, 3}, /* pool groups of 3 and 1; conv3 (3 regions x 3 copies) 7 = 3 + 3 + 1 */
    {2, 128, 128, CUT, CIM_MAP_SPREAD, CIM_MAP_SPLIT_NONE, CIM_MAP_RELOAD_FORBID, 0},   /* unpruned: 27936 of 32768 cells */
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

static int any_layer(const CimCompiled *cc, int replicated)
{
    for (size_t k = 0; k < cc->n; k++)
        if (replicated ? cc->layers[k].replicas > 1 : cc->layers[k].cut)
            return 1;
    return 0;
}

static void check_shape(const Shape *s, CimNet *net, CimRefBnnWeights *w, CimPrunedMode mode, const CimMnist *mn,
                        int pruned)
{
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    cfg.macros = s->macros;
    cfg.array.rows = s->rows;
    cfg.array.cols = s->cols;
    cfg.mapping.strategy = s->strategy;
    cfg.mapping.split = s->split;
    cfg.mapping.reload = s->reload;
    cfg.mapping.replicate = s->copies < 0 ? CIM_MAP_REPLICATE_AUTO : s->copies ? (unsigned)s->copies : CIM_MAP_REPLICATE_NONE;
    CimCompiled cc;
    CimDiag d;
    cim_diag_init(&d);
    test_mnist_copy_weights(net, w);
    CimStatus st = cim_compile(&cfg, net, mode, NULL, &cc, &d);
    cim_diag_print(&d, stderr);
    assert_int_equal(st, CIM_OK);
    if (s->want == SIDE_BY_SIDE && !test_regions_side_by_side(&cc))
        fail_msg("%ux%ux%u: no regions side by side", s->macros, s->rows, s->cols);
    if (s->want == SPLIT && cc.layers[1].row_tiles <= (cc.layers[1].L + s->rows - 1) / s->rows)
        fail_msg("%ux%ux%u: conv2 not split", s->macros, s->rows, s->cols);
    if ((s->want == REPLICATED) != any_layer(&cc, 1))
        fail_msg("%ux%ux%u: replicated %d", s->macros, s->rows, s->cols, any_layer(&cc, 1));
    if ((s->want == CUT && !pruned) != any_layer(&cc, 0))
        fail_msg("%ux%ux%u: cut %d", s->macros, s->rows, s->cols, any_layer(&cc, 0));
    if ((s->want == RELOAD) != cc.reload)
        fail_msg("%ux%ux%u: reload %d", s->macros, s->rows, s->cols, cc.reload);
    if (s->want == STACKED && max_regions_per_macro(&cc, s->macros) < 2) /* the case under test */
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
        if (s->want == RELOAD && (tp[k].reload_cycles == 0 || tp[k].ev.n[CIM_EV_SET_PULSE] == 0))
            fail_msg("%ux%ux%u layer %d: no reload cost", s->macros, s->rows, s->cols, k);
        char why[128];
        if (test_tally_diff(&tp[k], &tf[k], why, sizeof why))
            fail_msg("%ux%ux%u layer %d, program vs fast: %s", s->macros, s->rows, s->cols, k, why);
    }
    free(t);
    cim_fast_destroy(fast);
    cim_chip_destroy(chip);
    cim_compiled_free(&cc);
    cim_diag_free(&d);
}

/* The MNIST network, the test images and random weights from seed (r continues the draw). */
static CimRefBnnWeights *mnist_setup(CimNet *net, CimMnist *mn, CimRng *r, uint64_t seed)
{
    assert_int_equal(test_mnist_net(net), CIM_OK);
    load_mnist(mn);
    CimRefBnnWeights *w = calloc(1, sizeof *w);
    assert_non_null(w);
    cim_rng_seed(r, seed);
    cim_ref_bnn_init_random(w, r);
    return w;
}

static void run_shapes(CimPrunedMode mode, int prune)
{
    CimNet net;
    CimMnist mn;
    CimRng r;
    CimRefBnnWeights *w = mnist_setup(&net, &mn, &r, 11);
    if (prune) {
        for (int f = 0; f < 64; f++)
            w->conv2_pruned[f] = cim_rng_uniform(&r) < 0.3;
        w->conv3_pruned[5] = 1;
        cim_ref_bnn_zero_pruned(w);
    }
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        check_shape(&shapes[i], &net, w, mode, &mn, prune);
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

/* A chip with fewer cells than the network's regions is refused at compile time, naming
 * the layer and the smallest number of macros that holds the network. */
static void test_emit_too_small_chip_names_smallest_fix(void **state)
{
    (void)state;
    static const struct {
        Shape s;
        const char *msg;
    } cases[] = {
        {{1, 128, 128, 0, 0, 0, CIM_MAP_RELOAD_FORBID, 0}, "layer 'conv2' does not fit: the network's regions need 27936 cells"},
        {{1, 128, 128, 0, 0, 0, CIM_MAP_RELOAD_FORBID, 0}, "the smallest change that fits: chip.macros: 2"}, /* tiles cut to the free space */
        {{3, 128, 64, 0, 0, 0, CIM_MAP_RELOAD_FORBID, 0}, "layer 'conv3' does not fit"},
        {{3, 128, 64, 0, 0, 0, CIM_MAP_RELOAD_FORBID, 0}, "chip.macros: 4, or chip.mapping.reload: allow (weights rewritten per layer"},
        {{1, 128, 128, 0, 0, 0, CIM_MAP_RELOAD_ALLOW, 0},
         "layer 'conv2' does not fit even alone (chip.mapping.reload: allow): 1 macros of 128x128 cells"},
        {{1, 128, 128, 0, 0, 0, CIM_MAP_RELOAD_ALLOW, 0}, "the smallest change that fits: chip.macros: 2\n"},
        {{1, 16, 16, 0, 0, 0, CIM_MAP_RELOAD_FORBID, 0}, "chip.macros: 110"}, /* 2 + 72 + 36 regions, each a 16x16 macro of its own */
    };
    CimNet net;
    assert_int_equal(test_mnist_net(&net), CIM_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CimChipCfg cfg;
        cim_cfg_defaults(&cfg);
        cfg.macros = cases[i].s.macros;
        cfg.array.rows = cases[i].s.rows;
        cfg.array.cols = cases[i].s.cols;
        cfg.mapping.reload = cases[i].s.reload;
        CimCompiled cc;
        CimDiag d;
        cim_diag_init(&d);
        assert_int_equal(cim_compile(&cfg, &net, CIM_PRUNED_REFERENCE, NULL, &cc, &d), CIM_ERR_CONFIG);
        char buf[1024];
        FILE *f = fmemopen(buf, sizeof buf, "w");
        cim_diag_print(&d, f);
        fclose(f);
        if (!strstr(buf, cases[i].msg))
            fail_msg("expected '%s' in: %s", cases[i].msg, buf);
        cim_diag_free(&d);
    }
    cim_net_free(&net);
}

static CimStatus compile_on(const CimNet *net, const CimChipCfg *cfg, const CimAlloc *a)
{
    CimCompiled cc;
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_compile(cfg, net, CIM_PRUNED_REFERENCE, a, &cc, &d);
    if (st == CIM_OK)
        cim_compiled_free(&cc);
    cim_diag_free(&d);
    return st;
}

static CimStatus compile_reloading(void *ctx, const CimAlloc *a)
{
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    cfg.macros = 1;
    cfg.array.rows = 512;
    cfg.array.cols = 64;
    cfg.mapping.reload = CIM_MAP_RELOAD_ALLOW;
    cfg.mapping.split = CIM_MAP_SPLIT_AUTO; /* tried, then given up for reloading */
    return compile_on(ctx, &cfg, a);
}

static CimStatus compile_packed(void *ctx, const CimAlloc *a)
{
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    cfg.macros = 4;
    cfg.array.rows = cfg.array.cols = 128;
    CimCompiled cc;
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_compile(&cfg, ctx, CIM_PRUNED_REFERENCE, a, &cc, &d);
    if (st == CIM_OK)
        cim_compiled_free(&cc);
    cim_diag_free(&d);
    return st;
}

/* Every allocation of a packed or reloading compile (the allocator's skylines, the load
 * program's row map, the reload programs) can fail: CIM_ERR_NOMEM, nothing leaked. */
static void test_emit_packed_compile_allocation_failures(void **state)
{
    (void)state;
    CimNet net;
    assert_int_equal(test_mnist_net(&net), CIM_OK);
    assert_true(test_alloc_sweep(compile_packed, &net) > 10);
    assert_true(test_alloc_sweep(compile_reloading, &net) > 10); /* reload programs and streams too */
    cim_net_free(&net);
}

/* Copies on spare macros buy cycles: the program path's cycles per image fall from one
 * copy to two to auto (16 macros of 256x256: conv2 x 4, conv3 x 5) with the same outputs,
 * and a replication the chip cannot hold is refused naming the limit. */
static void test_emit_replication_cycles_fall(void **state)
{
    (void)state;
    CimNet net;
    CimMnist mn;
    CimRng r;
    CimRefBnnWeights *w = mnist_setup(&net, &mn, &r, 5);
    test_mnist_copy_weights(&net, w);
    const unsigned policy[] = {CIM_MAP_REPLICATE_NONE, 2, CIM_MAP_REPLICATE_AUTO};
    uint64_t cycles[3];
    int32_t first[16 * 49];
    for (int i = 0; i < 3; i++) {
        CimChipCfg cfg;
        cim_cfg_defaults(&cfg);
        cfg.macros = 16;
        cfg.mapping.replicate = policy[i];
        CimCompiled cc;
        CimDiag d;
        cim_diag_init(&d);
        assert_int_equal(cim_compile(&cfg, &net, CIM_PRUNED_REFERENCE, NULL, &cc, &d), CIM_OK);
        CimChip *chip;
        CimTrap trap;
        CimLayerTally t[3] = {{0}};
        float logits[10];
        int32_t conv[16 * 49];
        assert_int_equal(cim_chip_create(&cfg, NULL, &chip), CIM_OK);
        assert_int_equal(cim_infer_load(chip, &cc, NULL, &trap), CIM_OK);
        assert_int_equal(cim_infer_image(chip, &cc, &net, mn.images.pixels, logits, conv, t, &trap), CIM_OK);
        cycles[i] = t[0].cycles + t[1].cycles + t[2].cycles;
        if (i == 0)
            memcpy(first, conv, sizeof first);
        assert_memory_equal(conv, first, sizeof first);
        cim_chip_destroy(chip);
        cim_compiled_free(&cc);
        cim_diag_free(&d);
    }
    if (!(cycles[2] < cycles[1] && cycles[1] < cycles[0]))
        fail_msg("cycles with 1, 2, auto copies: %llu %llu %llu", (unsigned long long)cycles[0],
                 (unsigned long long)cycles[1], (unsigned long long)cycles[2]);
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    cfg.macros = 5;
    cfg.mapping.replicate = 3; /* conv2's 2 regions x 3 copies need 6 macros */
    CimCompiled cc;
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_compile(&cfg, &net, CIM_PRUNED_REFERENCE, NULL, &cc, &d), CIM_ERR_CONFIG);
    assert_non_null(strstr(d.v[0].msg, "need 6 macros, the chip has 5; the most copies it holds: 2"));
    cim_diag_free(&d);
    cfg.macros = 8;
    cfg.mapping.split = CIM_MAP_SPLIT_AUTO;
    cim_diag_init(&d);
    assert_int_equal(cim_compile(&cfg, &net, CIM_PRUNED_REFERENCE, NULL, &cc, &d), CIM_ERR_CONFIG);
    assert_non_null(strstr(d.v[0].msg, "split auto already spends"));
    cim_diag_free(&d);
    free(w);
    cim_mnist_free(&mn);
    cim_net_free(&net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emit_shared_macros_unpruned),
        cmocka_unit_test(test_emit_shared_macros_pruned_both_modes),
        cmocka_unit_test(test_emit_too_small_chip_names_smallest_fix),
        cmocka_unit_test(test_emit_replication_cycles_fall),
        cmocka_unit_test(test_emit_packed_compile_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
