/* The chip runs the paper's MNIST network (workloads/nets/mnist_bnn.yaml) bit for bit like a
 * plain C reference written separately (tests/support/ref_bnn.c): integer conv outputs, the
 * binarised feature maps between layers and the final logits, on random weights and real
 * MNIST images, pruned and unpruned, in both pruned-filter modes. The fast path equals the
 * program path on that network and on random small networks and chips (kernels 1 to 7,
 * row and column tiling, narrow counters that overflow, narrow accumulators that wrap). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/mnist_net.h"
#include "tests/support/tally_check.h"
#include "workloads/io/idx.h"
#include "workloads/net/netfile.h"
#include "workloads/exec/fast.h"

#define NIMG 6

/* The network from its file, workloads/nets/mnist_bnn.yaml (shapes inferred, weights zeroed). */
static void build_net(CimNet *net)
{
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_net_load("workloads/nets/mnist_bnn.yaml", NULL, net, &d);
    cim_diag_print(&d, stderr);
    cim_diag_free(&d);
    assert_int_equal(st, CIM_OK);
    assert_int_equal(net->n, 14);
}

/* Reads back chip layer k's binarised output (channels-last, PPU order) as [C][H][W]. */
static int chip_bit(CimChip *chip, const CimChipLayer *cl, unsigned f, unsigned y, unsigned x)
{
    unsigned pos = 0;
    while (cl->order[pos] != f)
        pos++;
    uint64_t b = 0;
    cim_chip_buf_read(chip, cl->out_addr + ((size_t)y * cl->out_w + x) * cl->F + pos, &b, 1);
    return (int)b;
}

static void check_images(CimNet *net, CimRefBnnWeights *w, CimPrunedMode mode, const CimMnist *mn)
{
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    CimCompiled cc;
    CimDiag d;
    cim_diag_init(&d);
    test_mnist_copy_weights(net, w);
    assert_int_equal(cim_compile(&cfg, net, mode, NULL, &cc, &d), CIM_OK);
    CimChip *chip;
    assert_int_equal(cim_chip_create(&cfg, NULL, &chip), CIM_OK);
    CimTrap trap;
    assert_int_equal(cim_infer_load(chip, &cc, NULL, &trap), CIM_OK);
    CimRefBnnTrace *t = malloc(sizeof *t);
    int32_t conv_out[16 * 49];
    for (int i = 0; i < NIMG; i++) {
        const uint8_t *img = mn->images.pixels + (size_t)i * 784;
        float logits[10];
        CimStatus st = cim_infer_image(chip, &cc, net, img, logits, conv_out, NULL, &trap);
        if (st != CIM_OK)
            fail_msg("trap at pc %llu: %s", (unsigned long long)trap.pc, trap.reason);
        cim_ref_bnn_forward(w, img, mode == CIM_PRUNED_SKIP ? CIM_REF_BNN_SKIP : CIM_REF_BNN_REFERENCE, t);
        assert_memory_equal(conv_out, t->acc3, sizeof conv_out);
        assert_memory_equal(logits, t->logits, sizeof logits);
        for (unsigned f = 0; f < 64; f++)
            for (unsigned y = 0; y < 7; y++)
                for (unsigned x = 0; x < 7; x++)
                    assert_int_equal(chip_bit(chip, &cc.layers[1], f, y, x), t->act2[f][y][x] > 0.0f);
        for (unsigned f = 0; f < 32; f++)
            assert_int_equal(chip_bit(chip, &cc.layers[0], f, 5, 9), t->act1[f][5][9] > 0.0f);
    }
    free(t);
    cim_chip_destroy(chip);
    cim_compiled_free(&cc);
    cim_diag_free(&d);
}

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

/* Column k of fc1 made infinite, where the first image's fc1 input k is 0: the reference's
 * fc1 outputs are then all NaN (after ReLU: 0) on that image. */
static void make_fc1_column_infinite(CimRefBnnWeights *w, const CimMnist *mn)
{
    CimRefBnnTrace *t = malloc(sizeof *t);
    assert_non_null(t);
    cim_ref_bnn_forward(w, mn->images.pixels, CIM_REF_BNN_REFERENCE, t);
    unsigned k = 0;
    while (k < CIM_REF_BNN_FLAT && t->act3[k] != 0.0f)
        k++;
    assert_true(k < CIM_REF_BNN_FLAT);
    for (unsigned o = 0; o < CIM_REF_BNN_F1; o++)
        w->fc1_w[o][k] = INFINITY;
    cim_ref_bnn_forward(w, mn->images.pixels, CIM_REF_BNN_REFERENCE, t);
    assert_true(isnan(t->fc1[0]) || t->fc1[0] == 0.0f);
    free(t);
}

/* The unpruned network on random weights against the reference; infinite: with an
 * infinite fc1 column (make_fc1_column_infinite). */
static void check_unpruned(int infinite)
{
    CimNet net;
    CimMnist mn;
    build_net(&net);
    load_mnist(&mn);
    CimRefBnnWeights *w = calloc(1, sizeof *w);
    CimRng r;
    cim_rng_seed(&r, 2024);
    cim_ref_bnn_init_random(w, &r);
    if (infinite)
        make_fc1_column_infinite(w, &mn);
    check_images(&net, w, CIM_PRUNED_REFERENCE, &mn);
    free(w);
    cim_mnist_free(&mn);
    cim_net_free(&net);
}

static void test_infer_matches_reference_unpruned(void **state)
{
    (void)state;
    check_unpruned(0);
}

/* The host's linear layers skip inputs of 0 only while every weight is finite: an infinite
 * weight on an input that is 0 makes NaN in the reference (inf x 0), and must here too; a
 * skipped input would leave fc1's outputs finite. */
static void test_infer_host_infinite_weight_is_not_skipped(void **state)
{
    (void)state;
    check_unpruned(1);
}

static void prune_some(CimRefBnnWeights *w, CimRng *r)
{
    for (int f = 0; f < 32; f++)
        w->conv1_pruned[f] = 1; /* as the reference does in almost every seed */
    for (int f = 0; f < 64; f++)
        w->conv2_pruned[f] = cim_rng_uniform(r) < 0.2;
    w->conv3_pruned[3] = w->conv3_pruned[11] = 1;
    cim_ref_bnn_zero_pruned(w);
}

static void test_infer_matches_reference_pruned_both_modes(void **state)
{
    (void)state;
    CimNet net;
    CimMnist mn;
    build_net(&net);
    load_mnist(&mn);
    CimRefBnnWeights *w = calloc(1, sizeof *w);
    CimRng r;
    cim_rng_seed(&r, 77);
    cim_ref_bnn_init_random(w, &r);
    prune_some(w, &r);
    check_images(&net, w, CIM_PRUNED_REFERENCE, &mn);
    check_images(&net, w, CIM_PRUNED_SKIP, &mn);
    free(w);
    cim_mnist_free(&mn);
    cim_net_free(&net);
}

/* The fast path gives the same outputs and the same per-layer cycles, instructions and
 * events as running every program, image by image. */
static void check_fast_equals_program(CimNet *net, CimRefBnnWeights *w, CimPrunedMode mode, const CimMnist *mn)
{
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    CimCompiled cc;
    CimDiag d;
    cim_diag_init(&d);
    test_mnist_copy_weights(net, w);
    assert_int_equal(cim_compile(&cfg, net, mode, NULL, &cc, &d), CIM_OK);
    CimChip *chip;
    CimTrap trap;
    CimFast *fast;
    assert_int_equal(cim_chip_create(&cfg, NULL, &chip), CIM_OK);
    assert_int_equal(cim_infer_load(chip, &cc, NULL, &trap), CIM_OK);
    assert_int_equal(cim_fast_create(chip, &cc, net, &fast, &trap), CIM_OK);
    CimLayerTally tp[3] = {0}, tf[3] = {0};
    for (int i = 10; i < 10 + NIMG; i++) {
        const uint8_t *img = mn->images.pixels + (size_t)i * 784;
        float lp[10], lf[10];
        int32_t cp[16 * 49], cf[16 * 49];
        cim_chip_vector(chip, i / 2 & 1); /* the program path's portable and vector loops, each against */
        assert_int_equal(cim_infer_image(chip, &cc, net, img, lp, cp, tp, &trap), CIM_OK);
        cim_fast_vector(fast, i & 1); /* the portable and (where the CPU has them) the vector columns */
        assert_int_equal(cim_fast_image(fast, img, lf, cf, tf), CIM_OK);
        assert_memory_equal(lp, lf, sizeof lp);
        assert_memory_equal(cp, cf, sizeof cp);
    }
    char why[128];
    for (int k = 0; k < 3; k++)
        if (test_tally_diff(&tp[k], &tf[k], why, sizeof why))
            fail_msg("layer %d, program vs fast: %s", k, why);
    if (mode == CIM_PRUNED_REFERENCE) /* in skip mode a fully pruned conv1 feeds conv2 zeros */
        assert_true(tp[1].ev.n[CIM_EV_CELL_LRS] > 0);
    cim_fast_destroy(fast);
    cim_chip_destroy(chip);
    cim_compiled_free(&cc);
    cim_diag_free(&d);
}

static void test_infer_fast_path_equals_program_path(void **state)
{
    (void)state;
    CimNet net;
    CimMnist mn;
    build_net(&net);
    load_mnist(&mn);
    CimRefBnnWeights *w = calloc(1, sizeof *w);
    CimRng r;
    cim_rng_seed(&r, 5);
    cim_ref_bnn_init_random(w, &r);
    check_fast_equals_program(&net, w, CIM_PRUNED_REFERENCE, &mn);
    prune_some(w, &r);
    check_fast_equals_program(&net, w, CIM_PRUNED_REFERENCE, &mn);
    check_fast_equals_program(&net, w, CIM_PRUNED_SKIP, &mn);
    free(w);
    cim_mnist_free(&mn);
    cim_net_free(&net);
}

/* ---- random small networks and chips --------------------------------------------- */

static unsigned pick(CimRng *r, unsigned n) { return (unsigned)(cim_rng_u64(r) % n); }

static void add_layer(CimNet *net, CimLayerKind k, unsigned n, unsigned kernel)
{
    CimLayer *l = &net->layers[net->n];
    memset(l, 0, sizeof *l);
    l->kind = k;
    snprintf(l->name, sizeof l->name, "l%zu", net->n);
    l->out_channels = l->out_features = n;
    l->kernel = kernel;
    l->padding = (kernel - 1) / 2;
    l->pool = 2;
    l->has_bias = 1;
    net->n++;
}

/* 1 to 3 binary convs (odd kernels up to 7, up to 40 filters), each maybe followed by a
 * 2x2 max-pool and a ReLU, then flatten and a linear layer; random weights and pruned
 * filters. */
/* extra: filters added to each conv's 1-40 (the draws stay the same). */
static void random_net(CimNet *net, CimRng *r, unsigned extra)
{
    memset(net, 0, sizeof *net);
    snprintf(net->name, sizeof net->name, "random");
    net->in_c = 1 + pick(r, 3);
    net->in_h = 4 + pick(r, 9);
    net->in_w = 4 + pick(r, 9);
    net->in_div = 255;
    net->in_mean = 0.5;
    net->in_std = 0.25;
    net->layers = calloc(12, sizeof *net->layers);
    assert_non_null(net->layers);
    unsigned h = net->in_h, w = net->in_w, convs = 1 + pick(r, 3);
    for (unsigned i = 0; i < convs; i++) {
        unsigned k = 2 * pick(r, 4) + 1;
        while (k > h || k > w)
            k -= 2;
        add_layer(net, CIM_L_CONV_BIN, 1 + pick(r, 40) + extra, k);
        if (h % 2 == 0 && w % 2 == 0 && h >= 4 && w >= 4 && pick(r, 2)) {
            add_layer(net, CIM_L_MAXPOOL, 0, 0);
            h /= 2;
            w /= 2;
        }
        add_layer(net, CIM_L_RELU, 0, 0);
    }
    add_layer(net, CIM_L_FLATTEN, 0, 0);
    add_layer(net, CIM_L_LINEAR, 1 + pick(r, 10), 0);
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_net_infer(net, "random", &d);
    cim_diag_print(&d, stderr);
    cim_diag_free(&d);
    assert_int_equal(st, CIM_OK);
    cim_net_init_random(net, cim_rng_u64(r));
    for (size_t i = 0; i < net->n; i++)
        for (unsigned f = 0; net->layers[i].pruned && f < net->layers[i].out_c; f++)
            net->layers[i].pruned[f] = pick(r, 4) == 0;
}

/* Small arrays (row and column tiles), 1 to 4 macros (so that regions of a layer often
 * share a macro and take turns), counters of 1 to 6 bits in both overflow modes, 8 to
 * 32-bit accumulators. */
static void random_chip(CimChipCfg *cfg, CimRng *r)
{
    cim_cfg_defaults(cfg);
    cfg->array.rows = 16u << pick(r, 3);
    cfg->array.cols = 16u << pick(r, 2);
    cfg->macros = 1 + pick(r, 4);
    cfg->periph.counter_bits = 1 + pick(r, 6);
    cfg->periph.counter_overflow = pick(r, 2) ? CIM_OVERFLOW_WRAP : CIM_OVERFLOW_SATURATE;
    static const unsigned sab[] = {8, 10, 16, 32};
    cfg->periph.shift_add_bits = sab[pick(r, 4)];
}

/* Every region's cells hold its filters' weight bits after loading: packed pieces do not
 * overwrite each other (a shared row is written whole, once). Recomputed here from the
 * network's float weights, not from the compiler's stream. Cell (row0 + e - e0, col0 + c)
 * holds element e (tap-major, e = (ky k + kx) C + channel position) of filter order[f0 + c]. */
static void check_stored_weights(CimChip *chip, const CimCompiled *cc, const CimNet *net)
{
    for (size_t k = 0; k < cc->n; k++) {
        const CimChipLayer *cl = &cc->layers[k];
        if (cc->reload) { /* one layer at a time: rewrite each in order, so the arrays end as they began */
            CimHostIO io = {cl->reload_stream, cl->reload_bits, 0, NULL, 0, 0};
            CimTrap trap;
            assert_int_equal(cim_run_tallied(NULL, NULL, chip, &cl->reload, &io, NULL, &trap), CIM_OK);
        }
        const CimLayer *l = &net->layers[cl->layer];
        for (unsigned i = 0; i < cl->nregions; i++) {
            const CimRegion *r = &cl->regions[i];
            CimArray *arr = cim_chip_macro(chip, r->macro)->arr;
            for (unsigned row = 0; row < r->nrows; row++)
                for (unsigned c = 0; c < r->ncols; c++) {
                    unsigned e = r->e0 + row, f = cl->order[r->f0 + c], t = e / cl->in_c;
                    size_t idx = (((size_t)f * l->in_c + cl->in_perm[e % cl->in_c]) * cl->k + t / cl->k) * cl->k +
                                 t % cl->k;
                    if (cim_bits_get(cim_array_row_state(arr, r->row0 + row), r->col0 + c) != (l->w[idx] > 0.0f))
                        fail_msg("layer %zu region %u: cell (%u, %u) of macro %u is wrong", k, i, r->row0 + row,
                                 r->col0 + c, r->macro);
                }
        }
    }
}

/* Compiles net, doubling the macros while the chip is too small for it. */
static void compile_fitting(CimChipCfg *cfg, const CimNet *net, CimPrunedMode mode, CimCompiled *cc)
{
    for (;;) {
        CimDiag d;
        cim_diag_init(&d);
        CimStatus st = cim_compile(cfg, net, mode, NULL, cc, &d);
        if (st == CIM_ERR_CONFIG && cfg->macros < 512) {
            cim_diag_free(&d);
            cfg->macros *= 2;
            continue;
        }
        cim_diag_print(&d, stderr);
        cim_diag_free(&d);
        assert_int_equal(st, CIM_OK);
        return;
    }
}

/* Logits, last-layer ints and per-layer tallies of both paths over `images` random images.
 * Returns the counter overflows the program path saw (flags summed over the macros). */
static unsigned check_random_case(CimChipCfg *cfg, const CimNet *net, CimPrunedMode mode, CimRng *r,
                                  unsigned images, unsigned *shared, unsigned *packed, unsigned *split,
                                  unsigned *reloaded)
{
    CimCompiled cc;
    compile_fitting(cfg, net, mode, &cc);
    *reloaded += (unsigned)cc.reload;
    for (size_t k = 0; k < cc.n; k++) /* chip.mapping.split auto cut more row tiles than the rows need */
        *split += cc.layers[k].row_tiles > (cc.layers[k].L + cfg->array.rows - 1) / cfg->array.rows;
    *shared += (unsigned)test_regions_share_macro(&cc);
    *packed += (unsigned)test_regions_side_by_side(&cc);
    CimChip *chip;
    CimTrap trap;
    CimFast *fast;
    assert_int_equal(cim_chip_create(cfg, NULL, &chip), CIM_OK);
    assert_int_equal(cim_infer_load(chip, &cc, NULL, &trap), CIM_OK);
    check_stored_weights(chip, &cc, net);
    assert_int_equal(cim_fast_create(chip, &cc, net, &fast, &trap), CIM_OK);
    /* A second fast path with a trace: bit layers then take the general per-position route
     * instead of the fused one (fast.c), and both must be the program path. */
    CimFast *traced;
    int32_t *trace[3] = {NULL, NULL, NULL};
    assert_true(cc.n <= 3);
    for (size_t k = 0; k < cc.n; k++)
        trace[k] = calloc((size_t)cc.layers[k].F * cc.layers[k].in_h * cc.layers[k].in_w + 1, sizeof(int32_t));
    assert_int_equal(cim_fast_create(chip, &cc, net, &traced, &trap), CIM_OK);
    cim_fast_trace(traced, trace);
    const CimChipLayer *last = &cc.layers[cc.n - 1];
    size_t nint = (size_t)last->F * last->out_h * last->out_w, npix = (size_t)net->in_c * net->in_h * net->in_w;
    unsigned nlog = net->layers[net->n - 1].out_c, overflows = 0;
    int32_t *cp = calloc(nint, sizeof *cp), *cf = calloc(nint, sizeof *cf);
    uint8_t *img = malloc(npix);
    float lp[10], lf[10];
    CimLayerTally tp[3] = {0}, tf[3] = {0}, tt[3] = {0};
    for (unsigned i = 0; i < images; i++) {
        for (size_t p = 0; p < npix; p++)
            img[p] = (uint8_t)pick(r, 256);
        cim_chip_vector(chip, (int)(i / 2 & 1)); /* the program path's portable and vector loops */
        if (cim_infer_image(chip, &cc, net, img, lp, cp, tp, &trap) != CIM_OK)
            fail_msg("trap at pc %llu: %s", (unsigned long long)trap.pc, trap.reason);
        for (unsigned m = 0; m < cfg->macros; m++)
            overflows += (unsigned)cim_bits_popcount(cim_chip_macro(chip, m)->cnt.overflow, cfg->array.cols);
        cim_fast_vector(fast, (int)(i & 1)); /* the portable and (where the CPU has them) the vector columns */
        assert_int_equal(cim_fast_image(fast, img, lf, cf, tf), CIM_OK);
        assert_memory_equal(lp, lf, nlog * sizeof *lp);
        assert_memory_equal(cp, cf, nint * sizeof *cp);
        assert_int_equal(cim_fast_image(traced, img, lf, cf, tt), CIM_OK);
        assert_memory_equal(lp, lf, nlog * sizeof *lp);
        assert_memory_equal(cp, cf, nint * sizeof *cp);
    }
    char why[128];
    for (size_t k = 0; k < cc.n; k++) {
        if (test_tally_diff(&tp[k], &tf[k], why, sizeof why))
            fail_msg("layer %zu, program vs fast: %s", k, why);
        if (test_tally_diff(&tp[k], &tt[k], why, sizeof why))
            fail_msg("layer %zu, program vs traced fast: %s", k, why);
    }
    cim_fast_destroy(traced);
    for (size_t k = 0; k < cc.n; k++)
        free(trace[k]);
    free(cp);
    free(cf);
    free(img);
    cim_fast_destroy(fast);
    cim_chip_destroy(chip);
    cim_compiled_free(&cc);
    return overflows;
}

/* The fast path is the program path, faster, on random small networks and chips. The
 * narrow counters must actually overflow in some cases, layers must be tiled and regions
 * must share macros in some, or those rules are untested. */
static void test_infer_fast_path_equals_program_path_on_random_layers(void **state)
{
    (void)state;
    CimRng r;
    cim_rng_seed(&r, 1234);
    unsigned overflows = 0, tiled = 0, shared = 0, packed = 0, split = 0, reloaded = 0;
    for (int t = 0; t < 96; t++) {
        CimNet net;
        CimChipCfg cfg;
        random_net(&net, &r, 0);
        random_chip(&cfg, &r);
        cfg.mapping.strategy = (t / 2) % 2 ? CIM_MAP_PACK : CIM_MAP_SPREAD; /* not drawn: keeps the stream */
        cfg.mapping.split = (t / 4) % 2 ? CIM_MAP_SPLIT_AUTO : CIM_MAP_SPLIT_NONE;
        cfg.mapping.reload = t % 3 ? CIM_MAP_RELOAD_FORBID : CIM_MAP_RELOAD_ALLOW;
        for (size_t i = 0; i < net.n; i++)
            tiled += net.layers[i].kind == CIM_L_CONV_BIN && cim_layer_fan_in(&net.layers[i]) > cfg.array.rows;
        overflows += check_random_case(&cfg, &net, t % 2 ? CIM_PRUNED_SKIP : CIM_PRUNED_REFERENCE, &r, 3, &shared, &packed, &split, &reloaded);
        cim_net_free(&net);
    }
    assert_true(overflows > 0);
    assert_true(tiled > 0);
    assert_true(shared > 0); /* regions taking turns in a macro (emit.c rounds) */
    assert_true(packed > 0); /* regions side by side in a macro's columns (pack.c) */
    assert_true(split > 0);  /* layers cut into extra row tiles (chip.mapping.split auto) */
    assert_true(reloaded > 0); /* layers taking turns on the arrays (chip.mapping.reload allow) */
    fprintf(stderr,
            "random layers: %u counter overflow flags, %u tiled layers, %u cases with shared macros, %u packed, "
            "%u split layers, %u reloading\n", overflows, tiled, shared, packed, split, reloaded);
}

/* Layers of 65 to 104 filters on arrays of 128 columns: the sign bits of a position span two
 * words in the fused route of the fast path. */
static void test_infer_fast_path_equals_program_path_past_64_filters(void **state)
{
    (void)state;
    CimRng r;
    cim_rng_seed(&r, 4321);
    unsigned shared = 0, packed = 0, split = 0, reloaded = 0;
    for (int t = 0; t < 12; t++) {
        CimNet net;
        CimChipCfg cfg;
        random_net(&net, &r, 64);
        random_chip(&cfg, &r);
        cfg.array.cols = 128; /* room for a layer's filters side by side: one unit, fused */
        cfg.array.rows = 64u << pick(&r, 3);
        check_random_case(&cfg, &net, t % 2 ? CIM_PRUNED_SKIP : CIM_PRUNED_REFERENCE, &r, 2, &shared, &packed, &split,
                          &reloaded);
        cim_net_free(&net);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_infer_matches_reference_unpruned),
        cmocka_unit_test(test_infer_matches_reference_pruned_both_modes),
        cmocka_unit_test(test_infer_host_infinite_weight_is_not_skipped),
        cmocka_unit_test(test_infer_fast_path_equals_program_path),
        cmocka_unit_test(test_infer_fast_path_equals_program_path_on_random_layers),
        cmocka_unit_test(test_infer_fast_path_equals_program_path_past_64_filters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
