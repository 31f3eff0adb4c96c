/* Unit tests of network files (workloads/net/netfile.c): the MNIST file loads with the
 * paper's shapes and MAC counts, every kind of error is reported where it is, allocation
 * failures are clean, and mutated files never crash the loader. Run from the repo root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/text_files.h"
#include "tests/support/mnist_net.h"
#include "tests/support/test_alloc.h"
#include "workloads/net/netfile.h"

#define NET_FILE "workloads/nets/mnist_bnn.yaml"

static char g_dir[64];
static char g_path[128]; /* the scratch network file */
static char *g_text;     /* the MNIST network file */

static const char *write_bytes(const char *data, size_t len)
{
    FILE *f = fopen(g_path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    return g_path;
}

static const char *write_text(const char *text) { return write_bytes(text, strlen(text)); }

/* The MNIST file with old replaced by new_text, written to the scratch file. */
static const char *variant(const char *old, const char *new_text)
{
    const char *at = strstr(g_text, old);
    if (!at)
        fail_msg("'%s' not in %s", old, NET_FILE);
    size_t a = (size_t)(at - g_text), ol = strlen(old), nl = strlen(new_text), tl = strlen(g_text);
    char *out = malloc(tl - ol + nl + 1);
    assert_non_null(out);
    memcpy(out, g_text, a);
    memcpy(out + a, new_text, nl);
    memcpy(out + a + nl, at + ol, tl - a - ol + 1);
    write_text(out);
    free(out);
    return g_path;
}

/* Loads path expecting CIM_ERR_CONFIG with an error holding part; returns the error count. */
static size_t expect_error(const char *path, const char *part)
{
    CimDiag d;
    CimNet net;
    cim_diag_init(&d);
    assert_int_equal(cim_net_load(path, NULL, &net, &d), CIM_ERR_CONFIG);
    if (!test_diag_has(&d, part, 1)) {
        cim_diag_print(&d, stderr);
        fail_msg("no error holds '%s'", part);
    }
    size_t n = d.errors;
    cim_diag_free(&d);
    return n;
}

static void load_ok(const char *path, CimNet *net)
{
    CimDiag d;
    cim_diag_init(&d);
    if (cim_net_load(path, NULL, net, &d) != CIM_OK) {
        cim_diag_print(&d, stderr);
        fail_msg("loading %s failed", path);
    }
    assert_int_equal(d.n, 0);
    cim_diag_free(&d);
}

static int setup(void **state)
{
    (void)state;
    g_text = test_read_text(NET_FILE);
    if (!g_text) {
        fprintf(stderr, "test_netfile: run from the repository root (%s not found)\n", NET_FILE);
        return -1;
    }
    snprintf(g_dir, sizeof g_dir, "/tmp/cim_net_XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    snprintf(g_path, sizeof g_path, "%s/net.yaml", g_dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(g_path);
    rmdir(g_dir);
    free(g_text);
    return 0;
}

static void test_netfile_mnist_shapes_and_macs(void **state)
{
    (void)state;
    CimNet net;
    load_ok(NET_FILE, &net);
    assert_string_equal(net.name, "mnist_bnn");
    assert_int_equal(net.n, 14);
    assert_true(net.in_c == 1 && net.in_h == 28 && net.in_w == 28);
    assert_true(net.in_div == 255 && net.in_mean == 0.1307 && net.in_std == 0.3081);
    const CimLayer *conv3 = &net.layers[6], *fc1 = &net.layers[9];
    assert_string_equal(conv3->name, "conv3");
    assert_true(conv3->out_c == 16 && conv3->out_h == 7 && conv3->out_w == 7);
    assert_string_equal(fc1->name, "fc1");
    assert_int_equal(cim_layer_fan_in(fc1), 784);
    assert_int_equal(net.layers[13].out_c, 10);
    uint64_t conv_macs = 0;
    for (size_t i = 0; i < net.n; i++) {
        if (net.layers[i].kind == CIM_L_CONV_BIN)
            conv_macs += cim_layer_macs(&net.layers[i]);
        assert_true(net.layers[i].line == 10 + i); /* one layer a line, from line 10 */
        assert_int_equal(net.layers[i].col, 7);
    }
    assert_int_equal(conv_macs, 4290048); /* 28*28*9*32 + 14*14*288*64 + 7*7*576*16 */
    assert_int_equal(net.layers[0].nw, 32 * 9);
    assert_int_equal(net.layers[0].nb, 32);
    assert_non_null(net.layers[0].pruned);
    cim_net_free(&net);
}

/* The file describes exactly the network tests/support builds by hand. */
static void test_netfile_mnist_matches_hand_built(void **state)
{
    (void)state;
    CimNet a, b;
    load_ok(NET_FILE, &a);
    assert_int_equal(test_mnist_net(&b), CIM_OK);
    assert_int_equal(a.n, b.n);
    for (size_t i = 0; i < a.n; i++) {
        const CimLayer *x = &a.layers[i], *y = &b.layers[i];
        assert_int_equal(x->kind, y->kind);
        assert_true(x->in_c == y->in_c && x->in_h == y->in_h && x->in_w == y->in_w);
        assert_true(x->out_c == y->out_c && x->out_h == y->out_h && x->out_w == y->out_w);
        assert_true(x->nw == y->nw && x->nb == y->nb);
        if (x->nw)
            assert_string_equal(x->name, y->name);
    }
    cim_net_free(&a);
    cim_net_free(&b);
}

static void test_netfile_bias_default_and_false(void **state)
{
    (void)state;
    CimNet net;
    variant("name: fc2, out_features: 128, bias: true", "name: fc2, out_features: 128, bias: false");
    char *t = test_read_text(g_path);
    assert_non_null(t);
    char *at = strstr(t, ", bias: true}");
    memmove(at, at + strlen(", bias: true"), strlen(at + strlen(", bias: true")) + 1); /* conv1: default */
    write_text(t);
    free(t);
    load_ok(g_path, &net);
    assert_int_equal(net.layers[0].has_bias, 1);
    assert_int_equal(net.layers[11].has_bias, 0);
    assert_int_equal(net.layers[11].nb, 0);
    cim_net_free(&net);
}

static void test_netfile_key_errors(void **state)
{
    (void)state;
    expect_error(variant("{type: relu}", "{type: rleu}"),
                 "unknown layer type 'rleu' in 'network.layers[2]'; expected one of: conv2d_binary, maxpool, relu, "
                 "flatten, linear");
    expect_error(variant("{type: maxpool, kernel: 2}", "{type: maxpool, kernal: 2}"),
                 "unknown key 'kernal' in 'network.layers[1]' (maxpool); expected one of: type, kernel");
    expect_error(variant("{type: relu}", "{type: relu, name: r}"),
                 "unknown key 'name' in 'network.layers[2]' (relu); expected one of: type");
    expect_error(variant("name: conv2, ", ""), "missing key 'name' in 'network.layers[3]' (conv2d_binary)");
    expect_error(variant("out_channels: 16, ", ""), "missing key 'out_channels' in 'network.layers[6]' (conv2d_binary)");
    expect_error(variant("name: fc3, out_features: 10", "name: fc3"),
                 "missing key 'out_features' in 'network.layers[13]' (linear)");
    expect_error(variant("{type: flatten}", "{kind: flatten}"), "missing key 'type' in 'network.layers[8]'");
    expect_error(variant("    - {type: relu}\n", "    - relu\n"), "network.layers[2] must be a mapping with a 'type' key, got 'relu'");
    expect_error(variant("name: mnist_bnn", "name: mnist_bnn\n  extra: 1"),
                 "unknown key 'extra' in 'network'; expected one of: name, input, layers");
    expect_error(variant("mean: 0.1307, ", ""), "missing key 'mean' in 'network.input'");
    expect_error(variant("divide: 255", "divide: 0"), "network.input.divide must be > 0, got 0");
    expect_error(variant("height: 28", "height: 0"), "network.input.height must be in [1, 65536], got 0");
    expect_error(variant("network:", "netwrk:"), "unknown key 'netwrk' at top level; expected one of: network");
}

static void test_netfile_name_errors(void **state)
{
    (void)state;
    CimDiag d;
    CimNet net;
    cim_diag_init(&d);
    assert_int_equal(cim_net_load(variant("name: fc2", "name: conv2"), NULL, &net, &d), CIM_ERR_CONFIG);
    assert_true(test_diag_has(&d, "duplicate layer name 'conv2' (network.layers[3] and [11])", 1));
    assert_int_equal(d.n, 2);
    assert_int_equal(d.v[1].sev, CIM_SEV_NOTE);
    assert_int_equal(d.v[1].line, 13);
    assert_string_equal(d.v[1].msg, "'conv2' first used here");
    cim_diag_free(&d);
    expect_error(variant("name: conv1", "name: \"conv 1\""),
                 "network.layers[0].name must hold only letters, digits, '_' and '.'");
    expect_error(variant("name: conv1", "name: \"\""), "network.layers[0].name must be a non-empty string");
    char longname[80];
    memset(longname, 'a', 70);
    strcpy(longname + 70, "");
    char repl[96];
    snprintf(repl, sizeof repl, "name: %s", longname);
    expect_error(variant("name: conv1", repl), "network.layers[0].name must be at most 63 characters, got 70");
    CimNet ok;
    load_ok(variant("name: conv1", "name: features.0"), &ok); /* nn.Sequential names */
    assert_string_equal(ok.layers[0].name, "features.0");
    cim_net_free(&ok);
}

static void test_netfile_value_errors(void **state)
{
    (void)state;
    expect_error(variant("out_channels: 32", "out_channels: 0"), "network.layers[0].out_channels must be in [1, 65536], got 0");
    expect_error(variant("out_channels: 32", "out_channels: \"32\""), "got the quoted string '32'");
    expect_error(variant("kernel: 3, padding: 1, bias: true}", "kernel: 16, padding: 1, bias: true}"),
                 "network.layers[0].kernel must be in [1, 15], got 16");
    expect_error(variant("padding: 1", "padding: 8"), "network.layers[0].padding must be in [0, 7], got 8");
    expect_error(variant("{type: maxpool, kernel: 2}", "{type: maxpool, kernel: 2.0}"),
                 "network.layers[1].kernel must be an integer, got '2.0'");
    expect_error(variant("bias: true", "bias: 1"), "network.layers[0].bias must be true or false, got '1'");
    expect_error(variant("out_features: 256", "out_features: 1048577"), "must be in [1, 1048576]");
    expect_error(variant("out_channels: 32", "out_channels: [32]"), "must be an integer, got a sequence");
    expect_error(variant("  layers:\n", "  layers: 3\n  old:\n"), "network.layers must be a sequence of layers, got '3'");
    expect_error(write_text("network:\n  name: x\n  input: {channels: 1, height: 2, width: 2, divide: 1, mean: 0, std: 1}\n"
                            "  layers: []\n"),
                 "network.layers must hold 1 to 1024 layers, got 0");
    expect_error(write_text("network: 5\n"), "network must be a mapping of keys, got '5'");
    expect_error(write_text("- network\n"), "the top level must be a mapping of keys, got a sequence");
    expect_error(write_text("network:\n  name: x\n  input: {channels: 1, height: 2, width: 2, divide: 1, mean: 0, std: 1}\n"
                            "  layers: [{type: relu}, {type: relu}]\n  layers: []\n"),
                 "duplicate key 'layers' in 'network'");
}

static void test_netfile_shape_errors_at_layer(void **state)
{
    (void)state;
    CimDiag d;
    CimNet net;
    cim_diag_init(&d);
    assert_int_equal(cim_net_load(variant("kernel: 3, padding: 1, bias: true}", "kernel: 3, padding: 0, bias: true}"),
                                  NULL, &net, &d),
                     CIM_ERR_CONFIG);
    assert_int_equal(d.v[0].line, 10);
    assert_int_equal(d.v[0].col, 7);
    assert_true(test_diag_has(&d, "network.layers[0] (conv2d_binary): conv2d_binary supports odd kernels", 1));
    cim_diag_free(&d);
    /* Shape errors name the sizes: the kernel and the map it does not divide. */
    expect_error(variant("{type: flatten}", "{type: relu}"),
                 "network.layers[9] (linear): linear needs a flat vector, got 16x7x7: add a flatten layer before it");
    expect_error(variant("{type: maxpool, kernel: 2}", "{type: maxpool, kernel: 3}"),
                 "network.layers[1] (maxpool): the kernel 3 must divide the 28x28 feature map (stride = kernel");
}

static void test_netfile_every_error_reported_and_capped(void **state)
{
    (void)state;
    /* 30 layers, each with an unknown key: 30 errors, 20 kept */
    char *t = malloc(8192);
    assert_non_null(t);
    int o = snprintf(t, 8192, "network:\n  name: x\n  input: {channels: 1, height: 2, width: 2, divide: 1, mean: 0, "
                              "std: 1}\n  layers:\n");
    for (int i = 0; i < 30; i++)
        o += snprintf(t + o, 8192 - (size_t)o, "    - {type: relu, x%d: 1}\n", i);
    CimDiag d;
    CimNet net;
    cim_diag_init(&d);
    assert_int_equal(cim_net_load(write_text(t), NULL, &net, &d), CIM_ERR_CONFIG);
    assert_int_equal(d.errors, 30);
    assert_int_equal(d.n, CIM_DIAG_MAX_ERRORS);
    assert_int_equal(d.v[19].line, 5 + 19); /* the 20th layer */
    cim_diag_free(&d);
    free(t);
    /* different kinds in one file, all reported */
    size_t n = expect_error(write_text("network:\n  name: x\n  input: {channels: 1, height: 8, width: 8, divide: 1, mean: 0}\n"
                                       "  layers:\n    - {type: conv}\n    - {type: conv2d_binary, out_channels: 0, "
                                       "kernel: 3, padding: 1}\n    - {type: relu, a: 1}\n    - {type: linear, name: fc1, "
                                       "out_features: 2, bias: no}\n    - {type: linear, name: fc1, out_features: 2}\n"),
                            "unknown layer type 'conv'");
    assert_int_equal(n, 7); /* std, conv, name, out_channels, a, bias, duplicate fc1 */
}

static void test_netfile_io_and_empty(void **state)
{
    (void)state;
    CimDiag d;
    CimNet net;
    cim_diag_init(&d);
    assert_int_equal(cim_net_load("/nonexistent/net.yaml", NULL, &net, &d), CIM_ERR_IO);
    assert_true(test_diag_has(&d, "cannot read file", 1));
    cim_diag_free(&d);
    expect_error(write_text("# only a comment\n"), "file is empty; expected a mapping with a 'network' key");
    expect_error(write_text("network: {name: x, input: {channels: 1"), "did not find expected");
    assert_int_equal(cim_net_load(write_text("network: [\n"), NULL, &net, NULL), CIM_ERR_CONFIG); /* NULL diag */
    assert_int_equal(cim_net_check(NET_FILE, NULL), CIM_OK);
}

static CimStatus load_with(void *ctx, const CimAlloc *a)
{
    (void)ctx;
    CimNet net;
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_net_load(NET_FILE, a, &net, &d);
    cim_diag_free(&d);
    if (st == CIM_OK)
        cim_net_free(&net);
    return st;
}

static void test_netfile_allocation_failures_are_clean(void **state)
{
    (void)state;
    size_t n = test_alloc_sweep(load_with, NULL);
    assert_true(n >= 3); /* names, layers, then weights */
}

/* One random edit of text (len bytes, buffer of cap) in place; returns the new length. */
static size_t mutate(char *t, size_t len, size_t cap, CimRng *r)
{
    static const char alphabet[] = ":{}[],-#'\"\n \t0123456789abcxyz.&*!|>";
    size_t at = len ? (size_t)(cim_rng_u64(r) % len) : 0;
    switch (cim_rng_u64(r) % 4) {
    case 0: /* replace a byte */
        if (len)
            t[at] = alphabet[cim_rng_u64(r) % (sizeof alphabet - 1)];
        return len;
    case 1: { /* delete a run */
        size_t n = 1 + (size_t)(cim_rng_u64(r) % 12);
        n = at + n > len ? len - at : n;
        memmove(t + at, t + at + n, len - at - n);
        return len - n;
    }
    case 2: /* insert a byte */
        if (len + 1 >= cap)
            return len;
        memmove(t + at + 1, t + at, len - at);
        t[at] = alphabet[cim_rng_u64(r) % (sizeof alphabet - 1)];
        return len + 1;
    default: { /* copy a run elsewhere */
        size_t n = 1 + (size_t)(cim_rng_u64(r) % 40), to = (size_t)(cim_rng_u64(r) % (len + 1));
        if (at + n > len || len + n >= cap)
            return len;
        memmove(t + to + n, t + to, len - to);
        memmove(t + to, t + (at >= to ? at + n : at), n);
        return len + n;
    }
    }
}

static void test_netfile_mutated_files_never_crash(void **state)
{
    (void)state;
    CimRng r;
    cim_rng_seed(&r, 77);
    size_t base = strlen(g_text), cap = base + 4096, ok = 0, bad = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    for (int iter = 0; iter < 1500; iter++) {
        memcpy(t, g_text, base);
        size_t len = base;
        int edits = 1 + (int)(cim_rng_u64(&r) % 4);
        for (int e = 0; e < edits; e++)
            len = mutate(t, len, cap, &r);
        CimDiag d;
        CimNet net;
        cim_diag_init(&d);
        CimStatus st = cim_net_load(write_bytes(t, len), NULL, &net, &d);
        if (st == CIM_OK) {
            assert_int_equal(d.errors, 0);
            cim_net_free(&net);
            ok++;
        } else {
            assert_int_equal(st, CIM_ERR_CONFIG);
            assert_true(d.errors > 0);
            bad++;
        }
        cim_diag_free(&d);
    }
    free(t);
    assert_true(ok > 0 && bad > 0);
    printf("fuzz: %zu mutated files loaded, %zu rejected (seed 77)\n", ok, bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_netfile_mnist_shapes_and_macs),
        cmocka_unit_test(test_netfile_mnist_matches_hand_built),
        cmocka_unit_test(test_netfile_bias_default_and_false),
        cmocka_unit_test(test_netfile_key_errors),
        cmocka_unit_test(test_netfile_name_errors),
        cmocka_unit_test(test_netfile_value_errors),
        cmocka_unit_test(test_netfile_shape_errors_at_layer),
        cmocka_unit_test(test_netfile_every_error_reported_and_capped),
        cmocka_unit_test(test_netfile_io_and_empty),
        cmocka_unit_test(test_netfile_allocation_failures_are_clean),
        cmocka_unit_test(test_netfile_mutated_files_never_crash),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
