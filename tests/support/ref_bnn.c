/* Plain C reference of the paper's MNIST network and of one round of its pruning script
 * (CNN/cimcam_mnist_cnn.py, wangsongq/Dynamic-Kernel-Pruning); the simple, slow way on purpose.
 * Checked against torch 1.13 (see docs/pruning.md and reference_mnist.md §6 items 10 and 12). */
#include "tests/support/ref_bnn.h"

#include <math.h>
#include <string.h>

float cim_ref_bnn_normalise(uint8_t pixel)
{
    /* ToTensor: uint8 -> float32, / 255; Normalize: (x - mean) / std, all float32 ops. */
    float x = (float)pixel / 255.0f;
    return (x - 0.1307f) / 0.3081f;
}

int cim_ref_bnn_sign(float v) { return v > 0.f ? 1 : -1; }

static int wsign(float v) { return v > 0.f ? 1 : -1; }

void cim_ref_bnn_conv3x3(const int8_t *in, size_t cin, size_t h, size_t w, const float *wt,
                         size_t cout, const uint8_t *skip, int32_t *acc)
{
    for (size_t o = 0; o < cout; o++) {
        for (size_t y = 0; y < h; y++) {
            for (size_t x = 0; x < w; x++) {
                int32_t s = 0;
                for (size_t c = 0; c < cin && !(skip && skip[o]); c++) {
                    for (int ky = 0; ky < 3; ky++) {
                        for (int kx = 0; kx < 3; kx++) {
                            long iy = (long)y + ky - 1, ix = (long)x + kx - 1;
                            if (iy < 0 || ix < 0 || iy >= (long)h || ix >= (long)w)
                                continue; /* zero padding adds nothing */
                            float wv = wt[((o * cin + c) * 3 + (size_t)ky) * 3 + (size_t)kx];
                            s += wsign(wv) * in[(c * h + (size_t)iy) * w + (size_t)ix];
                        }
                    }
                }
                acc[(o * h + y) * w + x] = s;
            }
        }
    }
}

/* The conv output in float32: (float)acc + bias, or exactly 0 for a skipped filter. */
static float conv_out(int32_t acc, float bias, int skipped) { return skipped ? 0.f : (float)acc + bias; }

static float relu(float v) { return v > 0.f ? v : 0.f; }

/* 2x2 stride-2 max-pool of the conv outputs, then ReLU. acc: [c][h][w], out: [c][h/2][w/2]. */
static void pool_relu(const int32_t *acc, size_t c, size_t h, size_t w, const float *bias,
                      const uint8_t *skip, float *out)
{
    for (size_t o = 0; o < c; o++) {
        int sk = skip && skip[o];
        for (size_t y = 0; y < h / 2; y++) {
            for (size_t x = 0; x < w / 2; x++) {
                const int32_t *p = acc + (o * h + 2 * y) * w + 2 * x;
                float m = conv_out(p[0], bias[o], sk);
                float v[3] = { conv_out(p[1], bias[o], sk), conv_out(p[w], bias[o], sk),
                               conv_out(p[w + 1], bias[o], sk) };
                for (int k = 0; k < 3; k++)
                    if (v[k] > m)
                        m = v[k];
                out[(o * (h / 2) + y) * (w / 2) + x] = relu(m);
            }
        }
    }
}

static void binarise(const float *x, size_t n, int8_t *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (int8_t)cim_ref_bnn_sign(x[i]);
}

/* y[o] = b[o] + sum_i W[o][i] x[i], summed upwards in float32, optional ReLU. */
static void linear(const float *wt, const float *b, const float *x, size_t nin, size_t nout,
                   int with_relu, float *y)
{
    for (size_t o = 0; o < nout; o++) {
        float s = 0.f;
        for (size_t i = 0; i < nin; i++)
            s += wt[o * nin + i] * x[i];
        s += b[o];
        y[o] = with_relu ? relu(s) : s;
    }
}

void cim_ref_bnn_forward(const CimRefBnnWeights *w, const uint8_t *img,
                         CimRefBnnPrunedMode mode, CimRefBnnTrace *t)
{
    int skip = mode == CIM_REF_BNN_SKIP;
    int8_t in2[CIM_REF_BNN_C1 * 14 * 14], in3[CIM_REF_BNN_C2 * 7 * 7];
    const uint8_t *sk1 = skip ? w->conv1_pruned : NULL;
    const uint8_t *sk2 = skip ? w->conv2_pruned : NULL;
    const uint8_t *sk3 = skip ? w->conv3_pruned : NULL;

    for (size_t i = 0; i < 28 * 28; i++)
        (&t->in_sign[0][0])[i] = (int8_t)cim_ref_bnn_sign(cim_ref_bnn_normalise(img[i]));
    cim_ref_bnn_conv3x3(&t->in_sign[0][0], 1, 28, 28, &w->conv1_w[0][0][0][0], CIM_REF_BNN_C1,
                        sk1, &t->acc1[0][0][0]);
    pool_relu(&t->acc1[0][0][0], CIM_REF_BNN_C1, 28, 28, w->conv1_b, sk1, &t->act1[0][0][0]);

    binarise(&t->act1[0][0][0], sizeof in2, in2);
    cim_ref_bnn_conv3x3(in2, CIM_REF_BNN_C1, 14, 14, &w->conv2_w[0][0][0][0], CIM_REF_BNN_C2,
                        sk2, &t->acc2[0][0][0]);
    pool_relu(&t->acc2[0][0][0], CIM_REF_BNN_C2, 14, 14, w->conv2_b, sk2, &t->act2[0][0][0]);

    binarise(&t->act2[0][0][0], sizeof in3, in3);
    cim_ref_bnn_conv3x3(in3, CIM_REF_BNN_C2, 7, 7, &w->conv3_w[0][0][0][0], CIM_REF_BNN_C3, sk3,
                        &t->acc3[0][0][0]);
    for (size_t o = 0; o < CIM_REF_BNN_C3; o++)
        for (size_t i = 0; i < 49; i++)
            t->act3[o * 49 + i] =
                relu(conv_out((&t->acc3[o][0][0])[i], w->conv3_b[o], sk3 && sk3[o]));

    linear(&w->fc1_w[0][0], w->fc1_b, t->act3, CIM_REF_BNN_FLAT, CIM_REF_BNN_F1, 1, t->fc1);
    linear(&w->fc2_w[0][0], w->fc2_b, t->fc1, CIM_REF_BNN_F1, CIM_REF_BNN_F2, 1, t->fc2);
    linear(&w->fc3_w[0][0], w->fc3_b, t->fc2, CIM_REF_BNN_F2, CIM_REF_BNN_OUT, 0, t->logits);
}

int cim_ref_bnn_argmax(const float *logits, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n && !isnan(logits[best]); i++)
        if (isnan(logits[i]) || logits[i] > logits[best])
            best = i;
    return (int)best;
}

int cim_ref_bnn_predict(const CimRefBnnWeights *w, const uint8_t *img, CimRefBnnPrunedMode mode,
                        CimRefBnnTrace *t)
{
    cim_ref_bnn_forward(w, img, mode, t);
    return cim_ref_bnn_argmax(t->logits, CIM_REF_BNN_OUT);
}

static void fill_uniform(float *v, size_t n, size_t fan_in, CimRng *rng)
{
    double bound = 1.0 / sqrt((double)fan_in);
    for (size_t i = 0; i < n; i++)
        v[i] = (float)((2.0 * cim_rng_uniform(rng) - 1.0) * bound);
}

void cim_ref_bnn_init_random(CimRefBnnWeights *w, CimRng *rng)
{
    fill_uniform(&w->conv1_w[0][0][0][0], sizeof w->conv1_w / sizeof(float), 1 * 9, rng);
    fill_uniform(w->conv1_b, CIM_REF_BNN_C1, 1 * 9, rng);
    fill_uniform(&w->conv2_w[0][0][0][0], sizeof w->conv2_w / sizeof(float), CIM_REF_BNN_C1 * 9,
                 rng);
    fill_uniform(w->conv2_b, CIM_REF_BNN_C2, CIM_REF_BNN_C1 * 9, rng);
    fill_uniform(&w->conv3_w[0][0][0][0], sizeof w->conv3_w / sizeof(float), CIM_REF_BNN_C2 * 9,
                 rng);
    fill_uniform(w->conv3_b, CIM_REF_BNN_C3, CIM_REF_BNN_C2 * 9, rng);
    fill_uniform(&w->fc1_w[0][0], sizeof w->fc1_w / sizeof(float), CIM_REF_BNN_FLAT, rng);
    fill_uniform(w->fc1_b, CIM_REF_BNN_F1, CIM_REF_BNN_FLAT, rng);
    fill_uniform(&w->fc2_w[0][0], sizeof w->fc2_w / sizeof(float), CIM_REF_BNN_F1, rng);
    fill_uniform(w->fc2_b, CIM_REF_BNN_F2, CIM_REF_BNN_F1, rng);
    fill_uniform(&w->fc3_w[0][0], sizeof w->fc3_w / sizeof(float), CIM_REF_BNN_F2, rng);
    fill_uniform(w->fc3_b, CIM_REF_BNN_OUT, CIM_REF_BNN_F2, rng);
    memset(w->conv1_pruned, 0, sizeof w->conv1_pruned);
    memset(w->conv2_pruned, 0, sizeof w->conv2_pruned);
    memset(w->conv3_pruned, 0, sizeof w->conv3_pruned);
}

/* One conv layer seen as filters: n filters of len weights each, and their pruned flags. */
typedef struct {
    float *w;
    size_t n, len;
    uint8_t *pruned;
} ConvLayer;

static void layers_of(CimRefBnnWeights *w, ConvLayer l[3])
{
    l[0] = (ConvLayer){ &w->conv1_w[0][0][0][0], CIM_REF_BNN_C1, 9, w->conv1_pruned };
    l[1] = (ConvLayer){ &w->conv2_w[0][0][0][0], CIM_REF_BNN_C2, CIM_REF_BNN_C1 * 9,
                        w->conv2_pruned };
    l[2] = (ConvLayer){ &w->conv3_w[0][0][0][0], CIM_REF_BNN_C3, CIM_REF_BNN_C2 * 9,
                        w->conv3_pruned };
}

void cim_ref_bnn_zero_pruned(CimRefBnnWeights *w)
{
    ConvLayer l[3];
    layers_of(w, l);
    for (int k = 0; k < 3; k++)
        for (size_t f = 0; f < l[k].n; f++)
            if (l[k].pruned[f])
                memset(l[k].w + f * l[k].len, 0, l[k].len * sizeof(float));
}

static int tsign(float v) { return (v > 0.f) - (v < 0.f); }

size_t cim_ref_bnn_sign_hamming(const float *a, const float *b, size_t len)
{
    size_t d = 0;
    for (size_t i = 0; i < len; i++)
        d += tsign(a[i]) != tsign(b[i]);
    return d;
}

static CimStatus layer_dist(void *ctx, size_t i, size_t j, double *d)
{
    const ConvLayer *l = ctx;
    *d = (double)cim_ref_bnn_sign_hamming(l->w + i * l->len, l->w + j * l->len, l->len);
    return CIM_OK;
}

/* Decides one layer; newly pruned indices go to sel[0 .. *nsel). */
static CimStatus decide_layer(const ConvLayer *l, const CimPruneParams *p, size_t *sel,
                              size_t *nsel)
{
    int64_t sums[CIM_REF_BNN_C2];
    CimPruneLayer pl = { l->n, l->pruned, sums };
    CimPruneOut out;
    CimStatus st;
    for (size_t f = 0; f < l->n; f++)
        sums[f] = cim_prune_sign_sum_f32(l->w + f * l->len, l->len);
    memset(&out, 0, sizeof out);
    out.pruned = sel;
    st = cim_prune_select(p, &pl, layer_dist, (void *)l, NULL, &out);
    *nsel = st == CIM_OK ? out.n_pruned : 0;
    return st;
}

CimStatus cim_ref_bnn_prune(CimRefBnnWeights *w, const CimPruneParams *p, size_t n_new[3])
{
    ConvLayer l[3];
    size_t sel[3][CIM_REF_BNN_C2], nsel[3];
    layers_of(w, l);
    for (int k = 0; k < 3; k++) {
        CimStatus st = decide_layer(&l[k], p, sel[k], &nsel[k]);
        if (st != CIM_OK)
            return st;
    }
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < l[k].n * l[k].len; i++)
            l[k].w[i] = (float)tsign(l[k].w[i]); /* the script writes sign(w) back */
        for (size_t i = 0; i < nsel[k]; i++)
            l[k].pruned[sel[k][i]] = 1;
        if (n_new)
            n_new[k] = nsel[k];
    }
    cim_ref_bnn_zero_pruned(w);
    return CIM_OK;
}
