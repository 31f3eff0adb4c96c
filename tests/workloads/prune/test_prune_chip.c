/* On-chip pruning decides exactly what the reference's binary_prune_model decides (as
 * reproduced by tests/support/ref_bnn.c on the host), over several random initialisations
 * and rounds, and its distance work is counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/mnist_net.h"
#include "workloads/prune/prune_chip.h"

/* The reference's random initialisation from seed (free it), and a chip of the defaults. */
static CimRefBnnWeights *random_weights(uint64_t seed)
{
    CimRefBnnWeights *w = calloc(1, sizeof *w);
    assert_non_null(w);
    CimRng r;
    cim_rng_seed(&r, seed);
    cim_ref_bnn_init_random(w, &r);
    return w;
}

static CimChip *default_chip(CimChipCfg *cfg)
{
    cim_cfg_defaults(cfg);
    CimChip *chip;
    assert_int_equal(cim_chip_create(cfg, NULL, &chip), CIM_OK);
    return chip;
}

static void check_seed(uint64_t seed, CimPruneMode mode)
{
    CimNet net;
    assert_int_equal(test_mnist_net(&net), CIM_OK);
    CimRefBnnWeights *w = random_weights(seed);
    test_mnist_copy_weights(&net, w);
    CimChipCfg cfg;
    CimChip *chip = default_chip(&cfg);
    CimPruneParams p;
    cim_prune_params_reference(&p);
    p.mode = mode;
    CimPruneReport rep = {0};
    CimTrap trap;
    CimDiag d;
    cim_diag_init(&d);
    size_t total = 0;
    for (int round = 0; round < 2; round++) {
        size_t n_new[3];
        assert_int_equal(cim_ref_bnn_prune(w, &p, n_new), CIM_OK);
        if (cim_prune_on_chip(chip, &net, &p, 1, &rep, &trap, &d) != CIM_OK)
            fail_msg("pruning failed (trap: %s)", trap.reason);
        CimRefBnnWeights *got = calloc(1, sizeof *got);
        test_mnist_export_weights(&net, got);
        assert_memory_equal(got->conv1_pruned, w->conv1_pruned, sizeof w->conv1_pruned);
        assert_memory_equal(got->conv2_pruned, w->conv2_pruned, sizeof w->conv2_pruned);
        assert_memory_equal(got->conv3_pruned, w->conv3_pruned, sizeof w->conv3_pruned);
        assert_memory_equal(got->conv2_w, w->conv2_w, sizeof w->conv2_w); /* sign-rewritten alike */
        for (int k = 0; k < 3; k++) {
            assert_int_equal(rep.layers[k].pruned_new, n_new[k]);
            total += n_new[k];
        }
        free(got);
    }
    assert_true(total > 0); /* the rule did something to compare */
    /* distances were measured with dual-row reads: at least the first round's pairs */
    assert_true(rep.distances.ev.n[CIM_EV_WL_ROW] > 2 * (496 + 2016 + 120));
    assert_true(rep.distances.cycles > 0);
    cim_prune_report_free(&rep);
    cim_diag_free(&d);
    cim_chip_destroy(chip);
    free(w);
    cim_net_free(&net);
}

static void test_prune_chip_matches_reference_rule(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 4; seed++)
        check_seed(seed, CIM_PRUNE_REFERENCE);
}

static void test_prune_chip_matches_live_rule(void **state)
{
    (void)state;
    check_seed(9, CIM_PRUNE_LIVE);
}

/* keep_min_filters (off in the reference rule): with the guard on, no round leaves a layer
 * with fewer live filters than asked (or than it had); the filters it keeps are among those
 * the exact rule pruned, the rest are pruned exactly as without the guard, and the report
 * says how many were kept. The reference rule prunes all 32 of conv1 on this seed. */
static void test_prune_guard_keeps_a_minimum_of_the_rules_choice(void **state)
{
    (void)state;
    CimNet exact, guarded;
    assert_int_equal(test_mnist_net(&exact), CIM_OK);
    assert_int_equal(test_mnist_net(&guarded), CIM_OK);
    CimRefBnnWeights *w = random_weights(3);
    test_mnist_copy_weights(&exact, w);
    test_mnist_copy_weights(&guarded, w);
    CimChipCfg cfg;
    CimChip *chip = default_chip(&cfg);
    CimPruneParams p;
    cim_prune_params_reference(&p);
    CimPruneReport re = {0}, rg = {0};
    CimTrap trap;
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_prune_on_chip(chip, &exact, &p, 1, &re, &trap, &d), CIM_OK);
    p.keep_min_filters = 5;
    assert_int_equal(cim_prune_on_chip(chip, &guarded, &p, 1, &rg, &trap, &d), CIM_OK);
    for (size_t k = 0, li = 0; k < 3; k++, li++) {
        while (exact.layers[li].kind != CIM_L_CONV_BIN)
            li++;
        const CimLayer *le = &exact.layers[li], *lg = &guarded.layers[li];
        unsigned live_e = 0, live_g = 0, differ = 0;
        for (unsigned f = 0; f < le->out_c; f++) {
            live_e += !le->pruned[f];
            live_g += !lg->pruned[f];
            if (le->pruned[f] != lg->pruned[f]) {
                assert_true(le->pruned[f] && !lg->pruned[f]); /* only the rule's choices are undone */
                differ++;
            }
        }
        assert_true(live_g >= (le->out_c < 5 ? le->out_c : 5u));
        assert_int_equal(differ, rg.layers[k].kept_by_guard);
        assert_int_equal(re.layers[k].kept_by_guard, 0);
        assert_int_equal(live_g, live_e > 5 ? live_e : 5u);
    }
    assert_int_equal(re.layers[0].pruned_new, 32); /* the case under test: conv1 wiped out */
    assert_int_equal(rg.layers[0].kept_by_guard, 5);
    cim_prune_report_free(&re);
    cim_prune_report_free(&rg);
    cim_diag_free(&d);
    cim_chip_destroy(chip);
    cim_net_free(&exact);
    cim_net_free(&guarded);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prune_guard_keeps_a_minimum_of_the_rules_choice),
        cmocka_unit_test(test_prune_chip_matches_reference_rule),
        cmocka_unit_test(test_prune_chip_matches_live_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
