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

static void check_seed(uint64_t seed, CimPruneMode mode)
{
    CimNet net;
    assert_int_equal(test_mnist_net(&net), CIM_OK);
    CimRefBnnWeights *w = calloc(1, sizeof *w);
    CimRng r;
    cim_rng_seed(&r, seed);
    cim_ref_bnn_init_random(w, &r);
    test_mnist_copy_weights(&net, w);
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    CimChip *chip;
    assert_int_equal(cim_chip_create(&cfg, NULL, &chip), CIM_OK);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prune_chip_matches_reference_rule),
        cmocka_unit_test(test_prune_chip_matches_live_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
