/* The MNIST network for tests, built in code so that tests do not depend on the file
 * loader they may be testing. */
#include "tests/support/mnist_net.h"

#include <stdio.h>
#include <string.h>

static void set(CimLayer *l, CimLayerKind k, const char *name, unsigned n)
{
    memset(l, 0, sizeof *l);
    l->kind = k;
    snprintf(l->name, sizeof l->name, "%s", name);
    l->out_channels = l->out_features = n;
    l->kernel = 3;
    l->padding = 1;
    l->pool = 2;
    l->has_bias = 1;
}

CimStatus test_mnist_net(CimNet *net)
{
    static const struct {
        CimLayerKind k;
        const char *name;
        unsigned n;
    } spec[14] = {{CIM_L_CONV_BIN, "conv1", 32}, {CIM_L_MAXPOOL, "pool1", 0}, {CIM_L_RELU, "relu1", 0},
                  {CIM_L_CONV_BIN, "conv2", 64}, {CIM_L_MAXPOOL, "pool2", 0}, {CIM_L_RELU, "relu2", 0},
                  {CIM_L_CONV_BIN, "conv3", 16}, {CIM_L_RELU, "relu3", 0},  {CIM_L_FLATTEN, "flat", 0},
                  {CIM_L_LINEAR, "fc1", 256},    {CIM_L_RELU, "relu4", 0},  {CIM_L_LINEAR, "fc2", 128},
                  {CIM_L_RELU, "relu5", 0},      {CIM_L_LINEAR, "fc3", 10}};
    memset(net, 0, sizeof *net);
    snprintf(net->name, sizeof net->name, "mnist_bnn");
    net->in_c = 1;
    net->in_h = net->in_w = 28;
    net->in_div = 255;
    net->in_mean = 0.1307;
    net->in_std = 0.3081;
    net->layers = cim_alloc_array(NULL, 14, sizeof *net->layers);
    if (!net->layers)
        return CIM_ERR_NOMEM;
    net->n = 14;
    for (int i = 0; i < 14; i++)
        set(&net->layers[i], spec[i].k, spec[i].name, spec[i].n);
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_net_infer(net, "mnist_net", &d);
    cim_diag_free(&d);
    return st;
}

typedef struct {
    float *w, *b;
    uint8_t *pruned;
} RefLayer;

static void ref_layers(const CimRefBnnWeights *w, RefLayer out[6])
{
    CimRefBnnWeights *m = (CimRefBnnWeights *)w; /* the pointers are only read through when const */
    RefLayer l[6] = {{&m->conv1_w[0][0][0][0], m->conv1_b, m->conv1_pruned},
                     {&m->conv2_w[0][0][0][0], m->conv2_b, m->conv2_pruned},
                     {&m->conv3_w[0][0][0][0], m->conv3_b, m->conv3_pruned},
                     {&m->fc1_w[0][0], m->fc1_b, NULL},
                     {&m->fc2_w[0][0], m->fc2_b, NULL},
                     {&m->fc3_w[0][0], m->fc3_b, NULL}};
    memcpy(out, l, sizeof l);
}

void test_mnist_copy_weights(CimNet *net, const CimRefBnnWeights *w)
{
    RefLayer r[6];
    ref_layers(w, r);
    for (size_t i = 0, k = 0; i < net->n; i++) {
        CimLayer *l = &net->layers[i];
        if (!l->nw)
            continue;
        memcpy(l->w, r[k].w, l->nw * sizeof(float));
        memcpy(l->b, r[k].b, l->nb * sizeof(float));
        if (l->pruned)
            memcpy(l->pruned, r[k].pruned, l->out_c);
        k++;
    }
}

void test_mnist_export_weights(const CimNet *net, CimRefBnnWeights *w)
{
    RefLayer r[6];
    ref_layers(w, r);
    for (size_t i = 0, k = 0; i < net->n; i++) {
        const CimLayer *l = &net->layers[i];
        if (!l->nw)
            continue;
        memcpy(r[k].w, l->w, l->nw * sizeof(float));
        memcpy(r[k].b, l->b, l->nb * sizeof(float));
        if (l->pruned)
            memcpy(r[k].pruned, l->pruned, l->out_c);
        k++;
    }
}
