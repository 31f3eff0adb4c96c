/* The reference's arithmetic (workloads/pointnet/pn_math.c): int8 quantisation (ties to even,
 * ranges, refusals), the int8 conv boundary, get_dists, FPS and ball query against plain
 * brute-force references on random clouds with ties and points exactly at r, grouping, BN. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/pointnet/pointnet.h"

static void test_quant_ties_to_even_hand(void **state)
{
    (void)state;
    /* min 0, max 255: s = 1, z = -128, so q = round(x - 128) exactly */
    const float x[] = {0.0f, 255.0f, 0.5f, 1.5f, 2.5f, 254.5f, 128.0f};
    const int8_t want[] = {-128, 127, -128, -126, -126, 126, 0};
    CimPnQuant q;
    int8_t codes[7];
    assert_int_equal(cim_pn_quant_params(x, 7, &q), CIM_OK);
    assert_true(q.s == 1.0f && q.z == -128.0f);
    assert_int_equal(cim_pn_quantise(x, 7, &q, codes), CIM_OK);
    assert_memory_equal(codes, want, sizeof want);
}

static void test_quant_range_min_max_codes(void **state)
{
    (void)state;
    CimRng r;
    cim_rng_seed(&r, 5);
    float x[300];
    int8_t c[300];
    for (int t = 0; t < 200; t++) {
        double scale = pow(10.0, 6.0 * cim_rng_uniform(&r) - 3.0), off = (cim_rng_uniform(&r) - 0.3) * scale * 4;
        size_t n = 2 + cim_rng_u64(&r) % 298, imin = 0, imax = 0;
        for (size_t i = 0; i < n; i++) {
            x[i] = (float)(off + scale * cim_rng_normal(&r));
            imin = x[i] < x[imin] ? i : imin;
            imax = x[i] > x[imax] ? i : imax;
        }
        CimPnQuant q;
        assert_int_equal(cim_pn_quant_params(x, n, &q), CIM_OK);
        assert_true(q.s == (x[imax] - x[imin]) / 255.0f);
        assert_int_equal(cim_pn_quantise(x, n, &q, c), CIM_OK);
        assert_int_equal(c[imin], -128);
        assert_int_equal(c[imax], 127);
        for (size_t i = 0; i < n; i++)
            assert_true(x[i] == x[imin] || x[i] == x[imax] || (c[i] >= -128 && c[i] <= 127));
    }
}

static void test_quant_refuses_constant_nonfinite_out_of_range(void **state)
{
    (void)state;
    CimPnQuant q;
    int8_t c[2];
    const float same[] = {0.25f, 0.25f, 0.25f}, nan_in[] = {0.0f, NAN}, far[] = {1e8f, 1e8f + 8.0f};
    assert_int_equal(cim_pn_quant_params(same, 3, &q), CIM_ERR_RANGE); /* s = 0: NaN in the reference */
    assert_int_equal(cim_pn_quant_params(nan_in, 2, &q), CIM_ERR_RANGE);
    assert_int_equal(cim_pn_quant_params(same, 0, &q), CIM_ERR_RANGE);
    /* z = -3.1875e9 in float32 loses the offset: the reference's code for 1e8 is -256 */
    assert_int_equal(cim_pn_quant_params(far, 2, &q), CIM_OK);
    assert_int_equal(cim_pn_quantise(far, 2, &q, c), CIM_ERR_RANGE);
}

static void test_conv_int8_matches_int64_loop_and_extremes(void **state)
{
    (void)state;
    enum { P = 7, C = 512, F = 5 };
    static int8_t x[P * C], w[F * C];
    static int32_t out[P * F];
    CimRng r;
    cim_rng_seed(&r, 9);
    for (size_t i = 0; i < P * C; i++)
        x[i] = (int8_t)(cim_rng_u64(&r) % 256 - 128);
    for (size_t i = 0; i < F * C; i++)
        w[i] = (int8_t)(cim_rng_u64(&r) % 256 - 128);
    memset(x, -128, C);          /* row 0 all -128 */
    memset(w, -128, C);          /* filter 0 all -128: 512 * 16384 = 8388608 */
    cim_pn_conv_int8(x, w, P, C, F, out);
    assert_int_equal(out[0], 8388608);
    for (size_t p = 0; p < P; p++)
        for (size_t f = 0; f < F; f++) {
            int64_t s = 0;
            for (size_t c = 0; c < C; c++)
                s += (int64_t)x[p * C + c] * w[f * C + c];
            assert_int_equal(out[p * F + f], s);
        }
}

static void test_dist_hand_and_negative_to_1e7(void **state)
{
    (void)state;
    const float o[] = {0, 0, 0}, a[] = {1, 2, 2}, one[] = {1, 1, 1};
    assert_true(cim_pn_dist(a, o) == 3.0f);
    assert_true(cim_pn_dist(one, one) == 0.0f);
    /* float32 |a|^2 + |b|^2 - 2 a.b = -1.19e-7 for these two: replaced by 1e-7 */
    const float p[] = {-0.5369532108306885f, 0.581118106842041f, 0.3645724058151245f};
    const float q[] = {-0.5369238257408142f, 0.5811209678649902f, 0.36462706327438354f};
    assert_true(cim_pn_dist(p, q) == sqrtf(1e-7f));
}

/* A cloud of n points: grid points (many exact ties), duplicates, and random points. */
static void make_cloud(CimRng *r, float *xyz, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (int a = 0; a < 3; a++) {
            size_t kind = i % 3;
            xyz[3 * i + a] = kind == 0   ? (float)((int)(cim_rng_u64(r) % 9) - 4) * 0.125f
                             : kind == 1 ? xyz[3 * (i / 2) + a]
                                         : (float)(cim_rng_uniform(r) - 0.5);
        }
}

/* FPS the slow way: the running minimum recomputed over every chosen centre. */
static void fps_brute(const float *xyz, size_t n, size_t m, size_t start, uint32_t *idx)
{
    idx[0] = (uint32_t)start;
    for (size_t i = 1; i < m; i++) {
        float best = -1.0f;
        for (size_t j = 0; j < n; j++) {
            float d = 1e5f;
            for (size_t q = 0; q < i; q++) {
                float e = cim_pn_dist(xyz + 3 * idx[q], xyz + 3 * j);
                d = e < d ? e : d;
            }
            if (d > best) {
                best = d;
                idx[i] = (uint32_t)j;
            }
        }
    }
}

static void test_fps_equals_brute_force_with_ties(void **state)
{
    (void)state;
    enum { N = 90, M = 40 };
    float xyz[3 * N], scratch[N];
    uint32_t a[M], b[M];
    CimRng r;
    cim_rng_seed(&r, 11);
    for (int t = 0; t < 20; t++) {
        make_cloud(&r, xyz, N);
        size_t start = cim_rng_u64(&r) % N;
        cim_pn_fps(xyz, N, M, start, a, scratch);
        fps_brute(xyz, N, M, start, b);
        assert_memory_equal(a, b, sizeof a);
    }
    /* hand: from 0, points 1 and 2 tie at distance 1: the first wins */
    const float line[] = {0, 0, 0, 1, 0, 0, -1, 0, 0};
    cim_pn_fps(line, 3, 3, 0, a, scratch);
    assert_int_equal(a[1], 1);
    assert_int_equal(a[2], 2);
}

static void test_ball_query_equals_brute_force_at_r(void **state)
{
    (void)state;
    enum { N = 80, M = 12, K = 6 };
    float xyz[3 * N], cen[3 * M];
    uint32_t got[M * K];
    CimRng r;
    cim_rng_seed(&r, 13);
    for (int t = 0; t < 20; t++) {
        make_cloud(&r, xyz, N);
        for (size_t i = 0; i < M; i++)
            memcpy(cen + 3 * i, xyz + 3 * ((i * 7) % N), 3 * sizeof(float));
        /* r is exactly one centre-point distance, so that point lies at r */
        float rad = cim_pn_dist(cen, xyz + 3 * (5 + t));
        rad = rad > 0.05f ? rad : 0.3f;
        assert_int_equal(cim_pn_ball_query(xyz, N, cen, M, rad, K, got), CIM_OK);
        for (size_t i = 0; i < M; i++) {
            uint32_t want[K];
            size_t n = 0;
            for (size_t j = 0; j < N; j++)
                if (cim_pn_dist(cen + 3 * i, xyz + 3 * j) <= rad && n < K)
                    want[n++] = (uint32_t)j;
            assert_true(n > 0);
            for (size_t q = n; q < K; q++)
                want[q] = want[0];
            assert_memory_equal(got + i * K, want, sizeof want);
        }
    }
    /* a point exactly at r is in; one just past it is out */
    const float pts[] = {0, 0, 0, 1, 2, 2, 1, 2, 2.0001f}, c0[] = {0, 0, 0};
    uint32_t g[3];
    assert_int_equal(cim_pn_ball_query(pts, 3, c0, 1, 3.0f, 3, g), CIM_OK);
    assert_int_equal(g[0], 0);
    assert_int_equal(g[1], 1);
    assert_int_equal(g[2], 0); /* filled with the first */
    const float far_c[] = {10, 10, 10};
    assert_int_equal(cim_pn_ball_query(pts, 3, far_c, 1, 0.5f, 3, g), CIM_ERR_RANGE);
}

static void test_group_relative_xyz_then_features(void **state)
{
    (void)state;
    const float xyz[] = {0, 0, 0, 1, 2, 3, 4, 4, 4}, feat[] = {10, 11, 20, 21, 30, 31};
    const float cen[] = {1, 2, 3};
    const uint32_t idx[] = {2, 0};
    float out[2 * 5];
    cim_pn_group(xyz, feat, 2, cen, 1, idx, 2, out);
    const float want[] = {3, 2, 1, 30, 31, -1, -2, -3, 10, 11};
    assert_memory_equal(out, want, sizeof want);
}

static void test_bn_eval_and_relu(void **state)
{
    (void)state;
    float gamma[] = {2.0f, 1.0f}, beta[] = {1.0f, -5.0f}, mean[] = {1.0f, 0.0f}, var[] = {3.0f, 1.0f};
    CimPnBn bn = {gamma, beta, mean, var};
    float x[] = {4.0f, 1.0f, -2.0f, 2.0f}; /* two positions of two channels */
    cim_pn_bn(x, 2, 2, &bn, 1);
    double a = 2.0 / sqrt(3.0 + 1e-5);
    assert_true(fabs(x[0] - (3.0 * a + 1.0)) < 1e-6);
    assert_true(x[1] == 0.0f);                 /* 1/sqrt(1 + 1e-5) - 5 < 0: ReLU */
    assert_true(x[2] == 0.0f);                 /* -3a + 1 < 0 */
    float y[] = {-2.0f};
    CimPnBn one = {gamma, beta, mean, var};
    cim_pn_bn(y, 1, 1, &one, 0);
    assert_true(fabs(y[0] - (-3.0 * a + 1.0)) < 1e-6); /* no ReLU */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quant_ties_to_even_hand),
        cmocka_unit_test(test_quant_range_min_max_codes),
        cmocka_unit_test(test_quant_refuses_constant_nonfinite_out_of_range),
        cmocka_unit_test(test_conv_int8_matches_int64_loop_and_extremes),
        cmocka_unit_test(test_dist_hand_and_negative_to_1e7),
        cmocka_unit_test(test_fps_equals_brute_force_with_ties),
        cmocka_unit_test(test_ball_query_equals_brute_force_at_r),
        cmocka_unit_test(test_group_relative_xyz_then_features),
        cmocka_unit_test(test_bn_eval_and_relu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
