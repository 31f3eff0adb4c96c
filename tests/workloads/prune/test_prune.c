/* Unit tests of the pruning rule (workloads/prune): hand-made filter sets whose decisions are
 * worked out in the comments, the reference script's quirks, and numpy-exact statistics. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "workloads/prune/prune.h"

#define MAXN 256

/* Filters as packed +-1 bit rows (bit 1 = +1); the distance is what the chip measures:
 * popcount(a XOR b), i.e. the Hamming distance. */
typedef struct {
    uint64_t rows[8][1];
    size_t nbits;
    int calls;
    int forbid; /* a filter index the rule must never ask about, or -1 */
} Bits;

static CimStatus bits_dist(void *ctx, size_t i, size_t j, double *d)
{
    Bits *b = ctx;
    uint64_t x = b->rows[i][0] ^ b->rows[j][0];
    assert_true(i < j);
    assert_true((int)i != b->forbid && (int)j != b->forbid);
    b->calls++;
    *d = (double)cim_bits_popcount(&x, b->nbits);
    return CIM_OK;
}

/* Runs one round on an N x N matrix given by its upper triangle, pairs in order
 * (0,1) (0,2) .. (0,N-1) (1,2) .. */
static CimStatus run_tri(const CimPruneParams *p, size_t n, const uint8_t *pruned,
                         const int64_t *sums, const double *tri, CimPruneOut *out)
{
    double m[8 * 8] = { 0 };
    size_t k = 0;
    CimPruneLayer l = { n, pruned, sums };
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            m[i * n + j] = tri[k++];
    return cim_prune_select_matrix(p, &l, m, NULL, out);
}

static size_t g_pruned[MAXN], g_count[MAXN];

static CimPruneOut fresh_out(void)
{
    CimPruneOut o;
    memset(&o, 0, sizeof o);
    memset(g_pruned, 0xff, sizeof g_pruned);
    o.pruned = g_pruned;
    o.close_count = g_count;
    return o;
}

static CimPruneParams params(double b, double c, CimPruneMode mode)
{
    CimPruneParams p;
    cim_prune_params_reference(&p);
    p.threshold_b = b;
    p.threshold_c = c;
    p.mode = mode;
    return p;
}

static const int64_t k_live4[8] = { 1, 1, 1, 1, 1, 1, 1, 1 }; /* any non-zero sign sums */

/* Bits (8 wide): f0 = 00000000, f1 = 00000001, f2 = 00000010, f3 = 00000100.
 * d01 = d02 = d03 = 1, d12 = d13 = d23 = 2: mean 1.5, variance 0.25 (deviations +-0.5).
 * b = 1: threshold 1.25, so only the three pairs of f0 are close: counts 3, 1, 1, 1.
 * c = 0.5, N = 4: limit 1.5, so f0 alone is pruned (3 > 1.5, 1 <= 1.5). */
static void test_prune_exactly_one_filter(void **state)
{
    Bits b = { { { 0x00 }, { 0x01 }, { 0x02 }, { 0x04 } }, 8, 0, -1 };
    int64_t sums[4];
    CimPruneLayer l = { 4, NULL, sums };
    CimPruneParams p = params(1.0, 0.5, CIM_PRUNE_REFERENCE);
    CimPruneOut o = fresh_out();
    (void)state;
    for (size_t i = 0; i < 4; i++)
        sums[i] = cim_prune_sign_sum_bits(b.rows[i], 8);
    assert_int_equal(sums[0], -8);
    assert_int_equal(sums[1], -6);
    assert_int_equal(cim_prune_select(&p, &l, bits_dist, &b, NULL, &o), CIM_OK);
    assert_int_equal(b.calls, 6);
    assert_int_equal(o.stats.pairs, 6);
    assert_true(o.stats.mean == 1.5);
    assert_true(o.stats.variance == 0.25);
    assert_true(o.stats.threshold == 1.25);
    assert_true(o.stats.count_limit == 1.5);
    assert_int_equal(o.stats.close_pairs, 3);
    assert_int_equal(g_count[0], 3);
    assert_int_equal(g_count[1], 1);
    assert_int_equal(o.n_pruned, 1);
    assert_int_equal(o.stats.n_pruned, 1);
    assert_int_equal(g_pruned[0], 0);
}

/* d01 = d02 = d12 = 2: variance 0, threshold = mean = 2, and 2 < 2 is false: no close pair,
 * nothing pruned even with c = 0. */
static void test_prune_none_when_distances_equal(void **state)
{
    const double tri[] = { 2, 2, 2 };
    CimPruneParams p = params(0.146, 0.0, CIM_PRUNE_REFERENCE);
    CimPruneOut o = fresh_out();
    (void)state;
    assert_int_equal(run_tri(&p, 3, NULL, k_live4, tri, &o), CIM_OK);
    assert_true(o.stats.variance == 0.0);
    assert_int_equal(o.stats.close_pairs, 0);
    assert_int_equal(o.n_pruned, 0);
}

/* d01 = 1, d23 = 1, the other four 3: mean 14/6 = 2.33, variance 8/9 = 0.89, b = 0.146:
 * threshold 2.20. Close: (0,1) and (2,3), so every count is 1. c = 0.3, N = 4: limit 0.9,
 * and 1 > 0.9 prunes all four. */
static void test_prune_all_filters(void **state)
{
    const double tri[] = { 1, 3, 3, 3, 3, 1 };
    CimPruneParams p = params(0.146, 0.3, CIM_PRUNE_REFERENCE);
    CimPruneOut o = fresh_out();
    (void)state;
    assert_int_equal(run_tri(&p, 4, NULL, k_live4, tri, &o), CIM_OK);
    assert_int_equal(o.stats.close_pairs, 2);
    assert_int_equal(o.n_pruned, 4);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(g_pruned[i], i);
}

/* d01 = d02 = d03 = 1, d12 = d13 = d23 = 3: mean 2, variance 1 (deviations +-1).
 * b = 1: threshold exactly 1, and 1 < 1 is false: no pair is close.
 * b = 0.999: threshold 1.001, the three pairs of f0 are close. */
static void test_prune_distance_equal_to_threshold_is_not_close(void **state)
{
    const double tri[] = { 1, 1, 1, 3, 3, 3 };
    CimPruneParams p = params(1.0, 0.0, CIM_PRUNE_REFERENCE);
    CimPruneOut o = fresh_out();
    (void)state;
    assert_int_equal(run_tri(&p, 4, NULL, k_live4, tri, &o), CIM_OK);
    assert_true(o.stats.mean == 2.0 && o.stats.variance == 1.0 && o.stats.threshold == 1.0);
    assert_int_equal(o.stats.close_pairs, 0);
    assert_int_equal(o.n_pruned, 0);

    p.threshold_b = 0.999;
    o = fresh_out();
    assert_int_equal(run_tri(&p, 4, NULL, k_live4, tri, &o), CIM_OK);
    assert_int_equal(o.stats.close_pairs, 3);
    assert_int_equal(o.n_pruned, 4); /* c = 0: every filter in a close pair goes */
}

/* Same distances, b = 0.5 (threshold 1.5): counts f0 = 3, f1..f3 = 1. c = 1, N = 4: limit
 * exactly 3, and 3 > 3 is false: nothing pruned. c = 0.99: limit 2.97, f0 is pruned. */
static void test_prune_count_equal_to_limit_does_not_prune(void **state)
{
    const double tri[] = { 1, 1, 1, 3, 3, 3 };
    CimPruneParams p = params(0.5, 1.0, CIM_PRUNE_REFERENCE);
    CimPruneOut o = fresh_out();
    (void)state;
    assert_int_equal(run_tri(&p, 4, NULL, k_live4, tri, &o), CIM_OK);
    assert_int_equal(g_count[0], 3);
    assert_true(o.stats.count_limit == 3.0);
    assert_int_equal(o.n_pruned, 0);

    p.threshold_c = 0.99;
    o = fresh_out();
    assert_int_equal(run_tri(&p, 4, NULL, k_live4, tri, &o), CIM_OK);
    assert_int_equal(o.n_pruned, 1);
    assert_int_equal(g_pruned[0], 0);
}

/* 4-bit filters, bit i = +1 at position i: f0 = 0011 (two +1, two -1: sign sum 0),
 * f1 = 0111, f2 = 1011 (sum 2), f3 = 0001 (sum -2). d01 = d02 = d03 = 1, the rest 2.
 * Live mode: mean 1.5, variance 0.25, b = 1 -> threshold 1.25, f0 in 3 close pairs,
 * c = 0.5 -> limit 1.5: f0 pruned.
 * Reference mode: f0's sign sum is 0, so it is left out as if pruned; S = {1, 2, 3} with all
 * distances 2, variance 0, nothing close, nothing pruned, and f0 is never compared. */
static void test_prune_reference_excludes_zero_sum_filter(void **state)
{
    Bits b = { { { 0x3 }, { 0x7 }, { 0xb }, { 0x1 } }, 4, 0, -1 };
    int64_t sums[4];
    CimPruneLayer l = { 4, NULL, sums };
    CimPruneParams p = params(1.0, 0.5, CIM_PRUNE_LIVE);
    CimPruneOut o = fresh_out();
    (void)state;
    for (size_t i = 0; i < 4; i++)
        sums[i] = cim_prune_sign_sum_bits(b.rows[i], 4);
    assert_int_equal(sums[0], 0);
    assert_int_equal(cim_prune_select(&p, &l, bits_dist, &b, NULL, &o), CIM_OK);
    assert_int_equal(o.stats.n_participating, 4);
    assert_int_equal(o.n_pruned, 1);
    assert_int_equal(g_pruned[0], 0);

    p.mode = CIM_PRUNE_REFERENCE;
    b.calls = 0;
    b.forbid = 0;
    o = fresh_out();
    assert_int_equal(cim_prune_select(&p, &l, bits_dist, &b, NULL, &o), CIM_OK);
    assert_int_equal(o.stats.n_participating, 3);
    assert_int_equal(b.calls, 3);
    assert_true(o.stats.variance == 0.0);
    assert_int_equal(o.n_pruned, 0);
    assert_int_equal(g_count[0], 0);
}

/* Distances among f0..f3 as in the boundary tests (1,1,1,3,3,3), b = 0.5: f0 is in 3 close
 * pairs. f4 is already pruned: it takes no part, but N = 5, so the limit is c * 4. With
 * c = 0.8 the limit is 3.2 and f0 stays (with N = 4 it would be 2.4 and f0 would go). */
static void test_prune_already_pruned_filters_count_in_n(void **state)
{
    const double tri[] = { 1, 1, 1, 9, 3, 3, 9, 3, 9, 9 }; /* pairs with f4: 9 (never read) */
    const uint8_t pruned[5] = { 0, 0, 0, 0, 1 };
    int64_t sums[5] = { 1, 1, 1, 1, 0 }; /* the zeroed filter sums to 0 */
    CimPruneParams p = params(0.5, 0.8, CIM_PRUNE_LIVE);
    CimPruneOut o = fresh_out();
    (void)state;
    assert_int_equal(run_tri(&p, 5, pruned, sums, tri, &o), CIM_OK);
    assert_int_equal(o.stats.n_filters, 5);
    assert_int_equal(o.stats.n_participating, 4);
    assert_int_equal(o.stats.pairs, 6);
    assert_true(o.stats.mean == 2.0 && o.stats.variance == 1.0);
    assert_true(fabs(o.stats.count_limit - 3.2) < 1e-12);
    assert_int_equal(g_count[0], 3);
    assert_int_equal(o.n_pruned, 0);

    /* Reference mode sees the same through the zero sign sum. */
    p.mode = CIM_PRUNE_REFERENCE;
    o = fresh_out();
    assert_int_equal(run_tri(&p, 5, NULL, sums, tri, &o), CIM_OK);
    assert_int_equal(o.stats.n_participating, 4);
    assert_int_equal(o.n_pruned, 0);

    p.threshold_c = 0.7; /* limit 2.8 < 3: now f0 goes */
    o = fresh_out();
    assert_int_equal(run_tri(&p, 5, NULL, sums, tri, &o), CIM_OK);
    assert_int_equal(o.n_pruned, 1);
    assert_int_equal(g_pruned[0], 0);
}

/* One or no participating filter: no pair, mean and variance NaN (np.mean([])), nothing
 * pruned even with c < 0, and the distance is never asked for. */
static void test_prune_fewer_than_two_filters_prunes_nothing(void **state)
{
    Bits b = { { { 0x1 }, { 0x2 }, { 0x4 } }, 4, 0, -1 };
    const uint8_t pruned[3] = { 1, 0, 1 };
    CimPruneLayer l = { 3, pruned, NULL };
    CimPruneParams p = params(0.146, -1.0, CIM_PRUNE_LIVE);
    CimPruneOut o = fresh_out();
    (void)state;
    assert_int_equal(cim_prune_select(&p, &l, bits_dist, &b, NULL, &o), CIM_OK);
    assert_int_equal(b.calls, 0);
    assert_int_equal(o.stats.n_participating, 1);
    assert_int_equal(o.stats.pairs, 0);
    assert_true(isnan(o.stats.mean) && isnan(o.stats.variance) && isnan(o.stats.threshold));
    assert_int_equal(o.n_pruned, 0);

    l.n_filters = 0;
    o = fresh_out();
    assert_int_equal(cim_prune_select(&p, &l, bits_dist, &b, NULL, &o), CIM_OK);
    assert_int_equal(o.n_pruned, 0);
    assert_true(isnan(o.stats.mean));
}

/* The script keeps only filters seen in a close pair (a Counter), so a filter in no close
 * pair stays even when c < 0 makes the limit negative. d01 = 1, the other five 3: mean 8/3,
 * variance 5/9, b = 0.146: threshold 2.59, only (0,1) is close: counts 1, 1, 0, 0.
 * c = -0.5: limit -1.5. f0 and f1 go; f2 and f3 (count 0 > -1.5) stay. */
static void test_prune_zero_count_never_pruned(void **state)
{
    const double tri[] = { 1, 3, 3, 3, 3, 3 };
    CimPruneParams p = params(0.146, -0.5, CIM_PRUNE_REFERENCE);
    CimPruneOut o = fresh_out();
    (void)state;
    assert_int_equal(run_tri(&p, 4, NULL, k_live4, tri, &o), CIM_OK);
    assert_true(o.stats.count_limit == -1.5);
    assert_int_equal(o.stats.close_pairs, 1);
    assert_int_equal(o.n_pruned, 2);
    assert_int_equal(g_pruned[0], 0);
    assert_int_equal(g_pruned[1], 1);
}

/* torch compares the int64 distance with the numpy float64 threshold in float32.
 * Distances 1,1,1,3,3,3 (mean 2, variance 1) with b = 1 - 1e-9 give a threshold of
 * 1 + 1e-9, which is 1.0f in float32: 1 < 1 is false, nothing close. In double the three
 * pairs of f0 would be close. */
static void test_prune_threshold_compared_in_float32(void **state)
{
    const double tri[] = { 1, 1, 1, 3, 3, 3 };
    CimPruneParams p = params(1.0 - 1e-9, 0.0, CIM_PRUNE_REFERENCE);
    CimPruneOut o = fresh_out();
    (void)state;
    assert_int_equal(run_tri(&p, 4, NULL, k_live4, tri, &o), CIM_OK);
    assert_true(o.stats.threshold > 1.0);
    assert_true(o.stats.threshold_cmp == 1.0);
    assert_int_equal(o.stats.close_pairs, 0);

    p.cmp = CIM_PRUNE_CMP_F64;
    o = fresh_out();
    assert_int_equal(run_tri(&p, 4, NULL, k_live4, tri, &o), CIM_OK);
    assert_int_equal(o.stats.close_pairs, 3);
}

/* Hex constants are np.mean / np.var (numpy 1.24) of the same lists. */
typedef struct {
    int f32;
    uint64_t k; /* pairs arrive in order, so the running count is the pair index */
} Gen;

static CimStatus gen_dist(void *ctx, size_t i, size_t j, double *d)
{
    Gen *g = ctx;
    uint64_t k = g->k++;
    (void)i;
    (void)j;
    if (g->f32)
        *d = (double)sqrtf((float)((k * 7919u) % 50u));
    else
        *d = (double)(((k * 2654435761u) >> 7) % 301u);
    return CIM_OK;
}

/* 140 filters give 9730 pairs: numpy sums in chunks of 8192, and a single pairwise sum
 * would end in ...d2 instead of ...d4. */
static void test_prune_statistics_match_numpy(void **state)
{
    Gen g = { 0, 0 };
    CimPruneLayer l = { 140, NULL, NULL };
    CimPruneParams p = params(0.146, 0.15, CIM_PRUNE_LIVE);
    CimPruneOut o = fresh_out();
    (void)state;
    assert_int_equal(cim_prune_select(&p, &l, gen_dist, &g, NULL, &o), CIM_OK);
    assert_int_equal(o.stats.pairs, 9730);
    assert_true(o.stats.mean == 0x1.2c02c9f55ee01p+7);
    assert_true(o.stats.variance == 0x1.d7f3fcb8a21d4p+12);

    /* float32 distances (the Euclidean variant): numpy works in float32. */
    g.f32 = 1;
    g.k = 0;
    l.n_filters = 150;
    p.stats_prec = CIM_PRUNE_STATS_F32;
    o = fresh_out();
    assert_int_equal(cim_prune_select(&p, &l, gen_dist, &g, NULL, &o), CIM_OK);
    assert_int_equal(o.stats.pairs, 11175);
    assert_true(o.stats.mean == 0x1.28e6d8p+2);
    assert_true(o.stats.variance == 0x1.7d263p+1);
}

static CimStatus failing_dist(void *ctx, size_t i, size_t j, double *d)
{
    (void)ctx;
    (void)d;
    return (i == 1 && j == 2) ? CIM_ERR_TRAP : CIM_OK;
}

static void test_prune_bad_arguments_and_callback_errors(void **state)
{
    const double m[9] = { 0 };
    CimPruneLayer l = { 3, NULL, NULL };
    CimPruneParams p = params(0.146, 0.15, CIM_PRUNE_REFERENCE);
    CimPruneOut o = fresh_out();
    (void)state;
    assert_int_equal(cim_prune_select_matrix(&p, &l, m, NULL, &o), CIM_ERR_RANGE); /* no sums */
    assert_int_equal(cim_prune_select_matrix(NULL, &l, m, NULL, &o), CIM_ERR_RANGE);
    assert_int_equal(cim_prune_select_matrix(&p, &l, NULL, NULL, &o), CIM_ERR_RANGE);
    assert_int_equal(cim_prune_select(&p, &l, NULL, NULL, NULL, &o), CIM_ERR_RANGE);
    p.mode = (CimPruneMode)7;
    assert_int_equal(cim_prune_select_matrix(&p, &l, m, NULL, &o), CIM_ERR_RANGE);
    p.mode = CIM_PRUNE_LIVE;
    o.n_pruned = 99;
    assert_int_equal(cim_prune_select(&p, &l, failing_dist, NULL, NULL, &o), CIM_ERR_TRAP);
    assert_int_equal(o.n_pruned, 99); /* left unchanged */
}

/* Test allocator: refuses allocation number `fail_at` (1-based), tracks live blocks. */
typedef struct {
    int n, fail_at, live;
} FailAlloc;

static void *fa_alloc(void *ctx, size_t bytes)
{
    FailAlloc *f = ctx;
    if (++f->n == f->fail_at)
        return NULL;
    f->live++;
    return calloc(1, bytes);
}

static void fa_release(void *ctx, void *ptr)
{
    FailAlloc *f = ctx;
    f->live--;
    free(ptr);
}

static void test_prune_out_of_memory_leaks_nothing(void **state)
{
    const double tri[] = { 1, 1, 1, 3, 3, 3 };
    double m[16] = { 0 };
    CimPruneLayer l = { 4, NULL, k_live4 };
    CimPruneParams p = params(0.5, 0.5, CIM_PRUNE_REFERENCE);
    size_t k = 0;
    (void)state;
    for (size_t i = 0; i < 4; i++)
        for (size_t j = i + 1; j < 4; j++)
            m[i * 4 + j] = tri[k++];
    for (int n = 1; n <= 3; n++) {
        FailAlloc f = { 0, n, 0 };
        CimAlloc a = { fa_alloc, fa_release, &f };
        CimPruneOut o = fresh_out();
        assert_int_equal(cim_prune_select_matrix(&p, &l, m, &a, &o), CIM_ERR_NOMEM);
        assert_int_equal(f.live, 0);
    }
    FailAlloc f = { 0, 0, 0 };
    CimAlloc a = { fa_alloc, fa_release, &f };
    CimPruneOut o = fresh_out();
    assert_int_equal(cim_prune_select_matrix(&p, &l, m, &a, &o), CIM_OK);
    assert_int_equal(f.live, 0);
    assert_int_equal(o.n_pruned, 1);
}

/* torch.sum(torch.sign(w)): 0.5 -> 1, -2 -> -1, 0 -> 0, -0 -> 0. */
static void test_prune_sign_sum_helpers(void **state)
{
    const float w[5] = { 0.5f, -2.0f, 0.0f, -0.0f, 3.0f };
    uint64_t row[2] = { 0, 0 };
    (void)state;
    assert_int_equal(cim_prune_sign_sum_f32(w, 5), 1);
    assert_int_equal(cim_prune_sign_sum_f32(w, 4), 0);
    cim_bits_set(row, 0, 1);
    cim_bits_set(row, 64, 1);
    assert_int_equal(cim_prune_sign_sum_bits(row, 65), 2 * 2 - 65);
    assert_int_equal(cim_prune_sign_sum_bits(row, 2), 0); /* 10: one +1, one -1 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prune_exactly_one_filter),
        cmocka_unit_test(test_prune_none_when_distances_equal),
        cmocka_unit_test(test_prune_all_filters),
        cmocka_unit_test(test_prune_distance_equal_to_threshold_is_not_close),
        cmocka_unit_test(test_prune_count_equal_to_limit_does_not_prune),
        cmocka_unit_test(test_prune_reference_excludes_zero_sum_filter),
        cmocka_unit_test(test_prune_already_pruned_filters_count_in_n),
        cmocka_unit_test(test_prune_fewer_than_two_filters_prunes_nothing),
        cmocka_unit_test(test_prune_zero_count_never_pruned),
        cmocka_unit_test(test_prune_threshold_compared_in_float32),
        cmocka_unit_test(test_prune_statistics_match_numpy),
        cmocka_unit_test(test_prune_bad_arguments_and_callback_errors),
        cmocka_unit_test(test_prune_out_of_memory_leaks_nothing),
        cmocka_unit_test(test_prune_sign_sum_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
