/* Binding a network's weights from safetensors: a round trip through the writer, zero
 * filters read as pruned, and wrong shapes / missing tensors reported by tensor name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workloads/io/safetensors.h"
#include "workloads/net/netfile.h"

static void load_net(CimNet *net)
{
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_net_load("workloads/nets/mnist_bnn.yaml", NULL, net, &d), CIM_OK);
    cim_diag_free(&d);
}

static void test_weights_round_trip_and_zero_filters_pruned(void **state)
{
    (void)state;
    CimNet a, b;
    load_net(&a);
    load_net(&b);
    cim_net_init_random(&a, 3);
    memset(a.layers[3].w + 5 * 288, 0, 288 * sizeof(float)); /* conv2 filter 5 zeroed */
    char path[] = "/tmp/dcim_w_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    CimDiag d;
    cim_diag_init(&d);
    const char *meta[] = {"format", "pt"};
    assert_int_equal(cim_net_save_weights(&a, path, meta, 1, &d), CIM_OK);
    assert_int_equal(cim_net_load_weights(&b, path, &d), CIM_OK);
    for (size_t i = 0; i < a.n; i++) {
        if (a.layers[i].nw)
            assert_memory_equal(a.layers[i].w, b.layers[i].w, a.layers[i].nw * sizeof(float));
        if (a.layers[i].nb)
            assert_memory_equal(a.layers[i].b, b.layers[i].b, a.layers[i].nb * sizeof(float));
    }
    assert_int_equal(b.layers[3].pruned[5], 1);
    assert_int_equal(b.layers[3].pruned[4], 0);
    unlink(path);
    cim_diag_free(&d);
    cim_net_free(&a);
    cim_net_free(&b);
}

/* Writes the MNIST tensors with conv2.weight reshaped and fc3.bias left out. */
static void write_bad(const CimNet *net, const char *path)
{
    CimStWriteTensor t[12];
    size_t shapes[12][4], n = 0;
    char names[12][80];
    for (size_t i = 0; i < net->n; i++) {
        const CimLayer *l = &net->layers[i];
        if (!l->nw)
            continue;
        snprintf(names[n], sizeof names[n], "%s.weight", l->name);
        size_t nd = l->kind == CIM_L_LINEAR ? 2 : 4;
        shapes[n][0] = l->out_c;
        shapes[n][1] = l->kind == CIM_L_LINEAR ? cim_layer_fan_in(l) : l->in_c;
        shapes[n][2] = shapes[n][3] = 3;
        if (strcmp(l->name, "conv2") == 0) {
            shapes[n][2] = 1;
            shapes[n][3] = 9;
        }
        CimStWriteTensor w = {names[n], nd, shapes[n], l->w, NULL};
        t[n++] = w;
        if (strcmp(l->name, "fc3") == 0)
            continue;
        snprintf(names[n], sizeof names[n], "%s.bias", l->name);
        shapes[n][0] = l->nb;
        CimStWriteTensor b = {names[n], 1, shapes[n], l->b, NULL};
        t[n++] = b;
    }
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_st_write(path, t, n, NULL, 0, NULL, &d), CIM_OK);
    cim_diag_free(&d);
}

static void test_weights_wrong_shape_and_missing_tensor_named(void **state)
{
    (void)state;
    CimNet net;
    load_net(&net);
    char path[] = "/tmp/dcim_w_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    write_bad(&net, path);
    CimDiag d;
    cim_diag_init(&d);
    assert_int_not_equal(cim_net_load_weights(&net, path, &d), CIM_OK);
    char all[4096] = "", line[1400];
    for (size_t i = 0; i < d.n; i++) {
        cim_diag_format(&d, i, line, sizeof line);
        strncat(all, line, sizeof all - strlen(all) - 2);
        strcat(all, "\n");
    }
    assert_non_null(strstr(all, "tensor 'conv2.weight' has shape [64, 32, 1, 9], expected [64, 32, 3, 3]"));
    assert_non_null(strstr(all, "no tensor named 'fc3.bias'"));
    unlink(path);
    cim_diag_free(&d);
    cim_net_free(&net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weights_round_trip_and_zero_filters_pruned),
        cmocka_unit_test(test_weights_wrong_shape_and_missing_tensor_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
