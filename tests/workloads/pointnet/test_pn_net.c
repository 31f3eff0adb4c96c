/* Point-cloud networks end to end on the host: the network file's shapes and MACs, weights
 * bound by the reference's state_dict names (round trip, every error named), Euclidean
 * pruning on hand cases, and the whole forward: deterministic, its first int8 conv equal to
 * the pieces composed by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/text_files.h"
#include "workloads/io/safetensors.h"
#include "workloads/pointnet/pointnet.h"

#define TINY "tests/workloads/pointnet/tiny.yaml"

static void load(const char *path, CimPnNet *net)
{
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_pn_load(path, net, &d);
    cim_diag_print(&d, stderr);
    assert_int_equal(st, CIM_OK);
    cim_diag_free(&d);
}

static void test_reference_network_shapes_and_macs(void **state)
{
    (void)state;
    CimPnNet net;
    load("workloads/nets/pointnet2_ssg.yaml", &net);
    assert_int_equal(net.n, 12);
    assert_int_equal(cim_pn_classes(&net), 10);
    /* SA1: 512 x 32 positions x (3*64 + 64*64 + 64*128); SA2 the same positions with
     * 131*128 + 128*128 + 128*256; SA3: 512 points x (259*256 + 256*512 + 512*1024) */
    assert_int_equal(cim_pn_layer_macs(&net, 0), 16384ull * (3 * 64 + 64 * 64 + 64 * 128));
    assert_int_equal(cim_pn_layer_macs(&net, 1), 16384ull * (131 * 128 + 128 * 128 + 128 * 256));
    assert_int_equal(cim_pn_layer_macs(&net, 2), 512ull * (259 * 256 + 256 * 512 + 512 * 1024));
    assert_int_equal(cim_pn_layer_macs(&net, 3), 1024 * 512);
    assert_int_equal(net.layers[1].cin[0], 131);
    assert_int_equal(net.layers[2].cin[0], 259);
    assert_true(net.layers[0].prune && !net.layers[1].prune);
    assert_true(net.layers[0].radius == 0.2f);
    cim_pn_free(&net);
}

static void test_weights_round_trip_and_names(void **state)
{
    (void)state;
    CimPnNet a, b;
    load(TINY, &a);
    load(TINY, &b);
    cim_pn_init_random(&a, 3);
    a.layers[0].bn[1].var[2] = 0.5f;
    char path[] = "/tmp/pn_w_XXXXXX";
    close(mkstemp(path));
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_pn_save_weights(&a, path, &d), CIM_OK);
    assert_int_equal(cim_pn_load_weights(&b, path, &d), CIM_OK);
    assert_memory_equal(a.layers[0].w[0], b.layers[0].w[0], 8 * 3 * sizeof(float));
    assert_true(b.layers[0].bn[1].var[2] == 0.5f && b.layers[0].bn[1].gamma[0] == 1.0f);
    assert_memory_equal(a.layers[7].b, b.layers[7].b, 10 * sizeof(float));
    CimSafetensors *st;
    assert_int_equal(cim_st_open(path, NULL, &st, &d), CIM_OK);
    const CimStTensor *t = cim_st_find(st, "pt_sa1.backbone.Conv0.weight");
    assert_non_null(t);
    assert_int_equal(t->ndim, 4);
    assert_int_equal(t->shape[0], 8);
    assert_int_equal(t->shape[1], 3);
    assert_non_null(cim_st_find(st, "pt_sa2.backbone.Bn1.running_mean"));
    assert_non_null(cim_st_find(st, "bn1.running_var"));
    assert_null(cim_st_find(st, "fc1.bias"));
    cim_st_close(st);
    unlink(path);
    cim_diag_free(&d);
    cim_pn_free(&a);
    cim_pn_free(&b);
}

/* Writes one safetensors file by hand: header JSON and data bytes. */
static void write_st(const char *path, const char *header, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    uint64_t len = strlen(header);
    unsigned char le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (unsigned char)(len >> (8 * i));
    fwrite(le, 1, 8, f);
    fwrite(header, 1, len, f);
    fwrite(data, 1, n, f);
    fclose(f);
}

/* The tiny net's weights with one tensor's data changed, or an extra tensor written. */
static CimStatus load_variant(CimPnNet *net, void (*edit)(CimPnNet *), CimDiag *d)
{
    char path[] = "/tmp/pn_v_XXXXXX";
    close(mkstemp(path));
    CimPnNet src;
    load(TINY, &src);
    cim_pn_init_random(&src, 1);
    edit(&src);
    assert_int_equal(cim_pn_save_weights(&src, path, d), CIM_OK);
    CimStatus st = cim_pn_load_weights(net, path, d);
    unlink(path);
    cim_pn_free(&src);
    return st;
}

static void put_nan(CimPnNet *n)
{
    n->layers[3].w[0][4] = NAN;
    n->layers[3].w[0][9] = INFINITY;
}

static void test_weights_errors_named(void **state)
{
    (void)state;
    CimPnNet net;
    load(TINY, &net);
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(load_variant(&net, put_nan, &d), CIM_ERR_FORMAT);
    assert_true(test_diag_has(&d, "tensor 'fc1.weight' has 2 NaN or infinite values of 2048", 1));
    cim_diag_free(&d);

    char path[] = "/tmp/pn_e_XXXXXX";
    close(mkstemp(path));
    /* one I32 tensor in place of a float one, one unexpected name, F32 num_batches_tracked */
    const int32_t w[25] = {0};
    write_st(path,
             "{\"pt_sa1.backbone.Conv0.weight\":{\"dtype\":\"I32\",\"shape\":[8,3,1,1],\"data_offsets\":[0,96]},"
             "\"pt_sa9.extra\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[96,100]}}",
             w, 100);
    cim_diag_init(&d);
    assert_int_equal(cim_pn_load_weights(&net, path, &d), CIM_ERR_FORMAT);
    assert_true(test_diag_has(&d, "tensor 'pt_sa1.backbone.Conv0.weight' has dtype I32, expected F32", 1));
    assert_true(test_diag_has(&d, "no tensor named 'pt_sa1.backbone.Bn0.weight'", 1));
    assert_true(test_diag_has(&d, "unexpected tensor 'pt_sa9.extra'", 1));
    cim_diag_free(&d);
    unlink(path);
    cim_pn_free(&net);
}

static void test_weights_wrong_shape_named(void **state)
{
    (void)state;
    CimPnNet net, wide;
    load(TINY, &net);
    char text_path[] = "/tmp/pn_n_XXXXXX";
    int fd = mkstemp(text_path);
    char *text = test_read_text(TINY), *alt = test_subst(text, "mlp: [8, 8, 16]", "mlp: [9, 8, 16]");
    assert_int_equal(write(fd, alt, strlen(alt)), (ssize_t)strlen(alt));
    close(fd);
    load(text_path, &wide);
    cim_pn_init_random(&wide, 2);
    char path[] = "/tmp/pn_s_XXXXXX";
    close(mkstemp(path));
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_pn_save_weights(&wide, path, &d), CIM_OK);
    assert_int_equal(cim_pn_load_weights(&net, path, &d), CIM_ERR_FORMAT);
    assert_true(test_diag_has(&d, "tensor 'pt_sa1.backbone.Conv0.weight' has shape [9, 3, 1, 1], expected [8, 3, 1, 1]", 1));
    cim_diag_free(&d);
    unlink(path);
    unlink(text_path);
    free(text);
    free(alt);
    cim_pn_free(&net);
    cim_pn_free(&wide);
}

static void test_prune_hand_counts_and_threshold(void **state)
{
    (void)state;
    /* filters (C = 2): 0..2 close together, 3 far, 4 sums to 0 (skipped, but counts in N) */
    const float base[] = {1, 0, 1.1f, 0, 1.2f, 0, 5, 0, 1, -1};
    float w[10];
    uint8_t pr[5];
    size_t n;
    /* pairs 01 02 12 are below mean - 0.01 var: counts 2, 2, 2, 0, 0 */
    memcpy(w, base, sizeof w);
    assert_int_equal(cim_pn_prune_weight(w, 5, 2, 0.01, 0.45, pr, &n), CIM_OK); /* 2 > 1.8 */
    const uint8_t want[] = {1, 1, 1, 0, 0};
    assert_memory_equal(pr, want, 5);
    assert_int_equal(n, 3);
    assert_true(w[0] == 0 && w[5] == 0 && w[6] == 5 && w[8] == 1 && w[9] == -1);
    /* a second round: one filter takes part, no pair, nothing more */
    assert_int_equal(cim_pn_prune_weight(w, 5, 2, 0.01, 0.45, pr, &n), CIM_OK);
    assert_int_equal(n, 0);
    /* count 2 is not more than 0.5 x 4 = 2 */
    memcpy(w, base, sizeof w);
    assert_int_equal(cim_pn_prune_weight(w, 5, 2, 0.01, 0.5, pr, &n), CIM_OK);
    assert_int_equal(n, 0);
    /* with filter 4 taking part (sum 0.5) it joins the close group and is pruned too */
    memcpy(w, base, sizeof w);
    w[9] = -0.5f;
    assert_int_equal(cim_pn_prune_weight(w, 5, 2, 0.01, 0.45, pr, &n), CIM_OK);
    assert_int_equal(n, 4);
    assert_int_equal(pr[4], 1);
    /* a large b: mean - b var < every distance, nothing is close */
    memcpy(w, base, sizeof w);
    assert_int_equal(cim_pn_prune_weight(w, 5, 2, 1.0, 0.45, pr, &n), CIM_OK);
    assert_int_equal(n, 0);
}

static void test_prune_tie_at_limit_not_close(void **state)
{
    (void)state;
    /* three unit vectors: every distance is sqrt(2), variance 0, limit = mean: d < limit is false */
    float w[] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    uint8_t pr[3];
    size_t n;
    assert_int_equal(cim_pn_prune_weight(w, 3, 3, 0.01, 0.0, pr, &n), CIM_OK);
    assert_int_equal(n, 0);
}

static void cloud(float *xyz, size_t n, uint64_t seed)
{
    CimRng r;
    cim_rng_seed(&r, seed);
    for (size_t i = 0; i < 3 * n; i++)
        xyz[i] = (float)(cim_rng_uniform(&r) - 0.5);
}

static void test_forward_deterministic_and_first_conv(void **state)
{
    (void)state;
    CimPnNet net;
    load(TINY, &net);
    cim_pn_init_random(&net, 4);
    for (unsigned c = 0; c < 16; c++) { /* non-trivial BN statistics */
        net.layers[0].bn[2].mean[c] = 0.1f * (float)c;
        net.layers[0].bn[2].var[c] = 1.0f + 0.25f * (float)c;
    }
    float xyz[64 * 3], a[10], b[10], c[10];
    cloud(xyz, 64, 7);
    static int32_t first[16 * 8 * 8];
    CimPnOpts o = {.fps_start = 0, .first_conv_out = first, .first_conv_cap = 16 * 8 * 8};
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_pn_forward(&net, xyz, NULL, &o, a, &d), CIM_OK);
    assert_int_equal(cim_pn_forward(&net, xyz, NULL, &o, b, &d), CIM_OK);
    assert_memory_equal(a, b, sizeof a);
    for (int k = 0; k < 10; k++)
        assert_true(isfinite(a[k]));
    /* the first conv by hand: FPS, ball query, grouping, quantised input and weights */
    uint32_t fidx[16], gidx[16 * 8];
    float scratch[64], cen[16 * 3], grouped[16 * 8 * 3];
    cim_pn_fps(xyz, 64, 16, 0, fidx, scratch);
    for (int i = 0; i < 16; i++)
        memcpy(cen + 3 * i, xyz + 3 * fidx[i], sizeof(float) * 3);
    assert_int_equal(cim_pn_ball_query(xyz, 64, cen, 16, 0.4f, 8, gidx), CIM_OK);
    cim_pn_group(xyz, NULL, 0, cen, 16, gidx, 8, grouped);
    CimPnQuant qx, qw;
    int8_t xq[16 * 8 * 3], wq[8 * 3];
    int32_t want[16 * 8 * 8];
    assert_int_equal(cim_pn_quant_params(grouped, sizeof grouped / sizeof *grouped, &qx), CIM_OK);
    assert_int_equal(cim_pn_quantise(grouped, sizeof grouped / sizeof *grouped, &qx, xq), CIM_OK);
    assert_int_equal(cim_pn_quant_params(net.layers[0].w[0], 24, &qw), CIM_OK);
    assert_int_equal(cim_pn_quantise(net.layers[0].w[0], 24, &qw, wq), CIM_OK);
    cim_pn_conv_int8(xq, wq, 16 * 8, 3, 8, want);
    assert_memory_equal(first, want, sizeof want);
    /* another FPS start gives other centres, hence other outputs */
    o.fps_start = 5;
    assert_int_equal(cim_pn_forward(&net, xyz, NULL, &o, c, &d), CIM_OK);
    assert_memory_not_equal(a, c, sizeof a);
    o.fps_start = 64;
    assert_int_equal(cim_pn_forward(&net, xyz, NULL, &o, c, &d), CIM_ERR_RANGE);
    assert_true(test_diag_has(&d, "pt_sa1: fps_start 64 is not below its 64 points", 1));
    cim_diag_free(&d);
    cim_pn_free(&net);
}

static void test_forward_refuses_all_pruned_constant_weights(void **state)
{
    (void)state;
    CimPnNet net;
    load(TINY, &net);
    cim_pn_init_random(&net, 4);
    memset(net.layers[0].w[1], 0, 8 * 8 * sizeof(float)); /* every filter of Conv1 pruned */
    float xyz[64 * 3], out[10];
    cloud(xyz, 64, 7);
    CimPnOpts o = {0};
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_pn_forward(&net, xyz, NULL, &o, out, &d), CIM_ERR_RANGE);
    assert_true(test_diag_has(&d, "pt_sa1 conv 1: cannot quantise its weights to int8", 1));
    cim_diag_free(&d);
    cim_pn_free(&net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_network_shapes_and_macs),
        cmocka_unit_test(test_weights_round_trip_and_names),
        cmocka_unit_test(test_weights_errors_named),
        cmocka_unit_test(test_weights_wrong_shape_named),
        cmocka_unit_test(test_prune_hand_counts_and_threshold),
        cmocka_unit_test(test_prune_tie_at_limit_not_close),
        cmocka_unit_test(test_forward_deterministic_and_first_conv),
        cmocka_unit_test(test_forward_refuses_all_pruned_constant_weights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
