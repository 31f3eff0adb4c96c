/* Unit tests of the binary convolution's host forward and STE backward (workloads/train/bconv):
 * the forward against tests/support/ref_bnn bit for bit, the backward against finite differences
 * of the convolution with the binarised inputs and weights held fixed, and the clip windows. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tests/support/ref_bnn.h"
#include "tests/support/test_alloc.h"
#include "workloads/train/bconv.h"

#define FD_H 1e-6

enum { N = 2, CI = 3, CO = 4, H = 5, W = 4 }; /* non-square, to catch a swapped h and w */
enum { KMAX = 5 };
#define NX (N * CI * H * W)
#define NW (CO * CI * KMAX * KMAX) /* room for the largest kernel tested */
#define NY (N * CO * H * W)        /* outputs are never larger than the input here */

/* The geometry under test: kernel side and padding (3 and 1 unless a test sets them). */
static size_t gk = 3, gp = 1;
static size_t out_h(void) { return H + 2 * gp - gk + 1; }
static size_t out_w(void) { return W + 2 * gp - gk + 1; }

static void fill_rand(float *v, size_t n, CimRng *rng, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(lo + (hi - lo) * cim_rng_uniform(rng));
}

static void assert_grad_close(float analytic, double fd)
{
    double tol = 1e-4 * (1.0 + fabs(fd));
    if (!(fabs((double)analytic - fd) <= tol))
        fail_msg("gradient %.9g, finite difference %.9g", (double)analytic, fd);
}

/* The layer's tensors, in float for the code under test and in double for the FD forward. */
typedef struct {
    float xl[NX], xb[NX], wl[NW], wb[NW], b[CO], r[NY];
    double xd[NX], wd[NW], bd[CO];
} Fx;

static void fx_make(Fx *f, uint64_t seed, double latent_range)
{
    CimRng rng;
    cim_rng_seed(&rng, seed);
    fill_rand(f->xl, NX, &rng, -latent_range, latent_range);
    fill_rand(f->wl, NW, &rng, -latent_range, latent_range);
    fill_rand(f->b, CO, &rng, -1, 1);
    fill_rand(f->r, NY, &rng, -1, 1);
    cim_bconv_binarise(f->xl, NX, f->xb);
    cim_bconv_binarise(f->wl, NW, f->wb);
    for (size_t i = 0; i < NX; i++)
        f->xd[i] = f->xb[i];
    for (size_t i = 0; i < NW; i++)
        f->wd[i] = f->wb[i];
    for (size_t i = 0; i < CO; i++)
        f->bd[i] = f->b[i];
}

/* L = sum r .* (conv(x, w) + b) in double, zero padding gp, kernel gk, x and w taken as plain
 * numbers: the textbook convolution, written independently of im2col. */
static double conv_loss(const Fx *f)
{
    double l = 0.0;
    long K = (long)gk, P = (long)gp, OH = (long)out_h(), OW = (long)out_w();
    for (size_t n = 0; n < N; n++)
        for (size_t o = 0; o < CO; o++)
            for (long y = 0; y < OH; y++)
                for (long x = 0; x < OW; x++) {
                    double acc = f->bd[o];
                    for (size_t c = 0; c < CI; c++)
                        for (long k = 0; k < K * K; k++) {
                            long sy = y + k / K - P, sx = x + k % K - P;
                            if (sy < 0 || sy >= H || sx < 0 || sx >= W)
                                continue;
                            acc += f->wd[(o * CI + c) * (size_t)(K * K) + (size_t)k] *
                                   f->xd[((n * CI + c) * H + (size_t)sy) * W + (size_t)sx];
                        }
                    l += f->r[((n * CO + o) * (size_t)OH + (size_t)y) * (size_t)OW + (size_t)x] * acc;
                }
    return l;
}

static double conv_fd(Fx *f, double *v, size_t i)
{
    double keep = v[i], lp, lm;
    v[i] = keep + FD_H;
    lp = conv_loss(f);
    v[i] = keep - FD_H;
    lm = conv_loss(f);
    v[i] = keep;
    return (lp - lm) / (2.0 * FD_H);
}

static void test_bconv_forward_matches_reference_bit_for_bit(void **state)
{
    static Fx f;
    static float y[NY];
    static int8_t xi[CI * H * W];
    static int32_t acc[CO * H * W];
    CimBconv l = cim_bconv_layer(N, CI, CO, H, W, 3, 1);
    (void)state;
    fx_make(&f, 21, 1.0);
    assert_int_equal(cim_bconv_forward(&l, f.xb, f.wb, f.b, y), CIM_OK);
    for (size_t n = 0; n < N; n++) {
        for (size_t i = 0; i < CI * H * W; i++)
            xi[i] = (int8_t)f.xb[n * CI * H * W + i];
        cim_ref_bnn_conv3x3(xi, CI, H, W, f.wl, CO, NULL, acc); /* ref binarises wl itself */
        for (size_t i = 0; i < CO * H * W; i++)
            assert_true(y[n * CO * H * W + i] == (float)acc[i] + f.b[i / (H * W)]);
    }
}

/* dw, db and dx of a gk x gk layer with padding gp against finite differences. */
static void backward_fd_check(size_t k, size_t pad, uint64_t seed)
{
    static Fx f;
    static float dw[NW], db[CO], dx[NX];
    CimBconv l = cim_bconv_layer(N, CI, CO, H, W, k, pad);
    CimBconvSaved s;
    size_t nw = CO * CI * k * k;
    gk = k;
    gp = pad;
    assert_int_equal(cim_bconv_out_h(&l), out_h());
    assert_int_equal(cim_bconv_out_w(&l), out_w());
    fx_make(&f, seed, 0.99); /* every latent inside the clip window: the STE is the identity */
    s = (CimBconvSaved){ f.xb, f.xl, f.wb, f.wl };
    assert_int_equal(cim_bconv_backward(&l, &s, f.r, dw, db, dx), CIM_OK);
    for (size_t i = 0; i < nw; i++)
        assert_grad_close(dw[i], conv_fd(&f, f.wd, i));
    for (size_t i = 0; i < CO; i++)
        assert_grad_close(db[i], conv_fd(&f, f.bd, i));
    for (size_t i = 0; i < NX; i++)
        assert_grad_close(dx[i], conv_fd(&f, f.xd, i));
    gk = 3;
    gp = 1;
}

static void test_bconv_backward_matches_finite_differences(void **state)
{
    (void)state;
    backward_fd_check(3, 1, 22); /* the paper's layers */
    backward_fd_check(5, 2, 26); /* every odd kernel with "same" padding, as the network format allows */
    backward_fd_check(1, 0, 27);
    backward_fd_check(3, 0, 28); /* no padding: a smaller output */
}

/* The forward of a 5x5 layer against the double convolution at the one-hot r of each output. */
static void test_bconv_forward_5x5_matches_textbook_convolution(void **state)
{
    static Fx f;
    static float y[NY];
    CimBconv l = cim_bconv_layer(N, CI, CO, H, W, 5, 2);
    (void)state;
    gk = 5;
    gp = 2;
    fx_make(&f, 29, 1.0); /* its double copies hold what the layer computes with: +-1 */
    assert_int_equal(cim_bconv_forward(&l, f.xb, f.wb, f.b, y), CIM_OK);
    for (size_t o = 0; o < NY; o++) {
        memset(f.r, 0, sizeof f.r);
        f.r[o] = 1.0f;
        assert_true(fabs((double)y[o] - conv_loss(&f)) < 1e-5); /* integer sum + a float bias */
    }
    gk = 3;
    gp = 1;
}

static void test_bconv_clip_zeroes_gradients_outside_window(void **state)
{
    static Fx f;
    static float dw[NW], dx[NX], dw0[NW], dx0[NX];
    CimBconv l = cim_bconv_layer(N, CI, CO, H, W, 3, 1);
    CimBconvSaved s, s0;
    size_t zw = 0, zx = 0;
    (void)state;
    fx_make(&f, 23, 2.0); /* about half the latents have |v| > 1 */
    s = (CimBconvSaved){ f.xb, f.xl, f.wb, f.wl };
    s0 = (CimBconvSaved){ f.xb, NULL, f.wb, NULL }; /* no clip */
    assert_int_equal(cim_bconv_backward(&l, &s0, f.r, dw0, NULL, dx0), CIM_OK);
    assert_int_equal(cim_bconv_backward(&l, &s, f.r, dw, NULL, dx), CIM_OK);
    for (size_t i = 0; i < NW; i++) {
        assert_true(dw[i] == (fabsf(f.wl[i]) <= 1.0f ? dw0[i] : 0.0f));
        zw += fabsf(f.wl[i]) > 1.0f && dw0[i] != 0.0f;
    }
    for (size_t i = 0; i < NX; i++) {
        assert_true(dx[i] == (fabsf(f.xl[i]) <= 1.0f ? dx0[i] : 0.0f));
        zx += fabsf(f.xl[i]) > 1.0f && dx0[i] != 0.0f;
    }
    assert_true(zw > 10 && zx > 10); /* the clip really removed gradients */
    l.clip_w = 0.5f;                 /* a narrower window */
    l.clip_x = INFINITY;             /* no clip at all */
    assert_int_equal(cim_bconv_backward(&l, &s, f.r, dw, NULL, dx), CIM_OK);
    for (size_t i = 0; i < NW; i++)
        assert_true(dw[i] == (fabsf(f.wl[i]) <= 0.5f ? dw0[i] : 0.0f));
    assert_memory_equal(dx, dx0, sizeof dx);
}

static void test_bconv_clip_window_is_inclusive(void **state)
{
    /* One pixel, one filter: only the centre tap sees the image. |w| = 1 exactly passes. */
    float xl[1] = { 1.0f }, xb[1] = { 1.0f }, wl[9] = { 0 }, wb[9], dy[1] = { 3.0f }, dw[9], dx[1];
    CimBconv l = cim_bconv_layer(1, 1, 1, 1, 1, 3, 1);
    CimBconvSaved s = { xb, xl, wb, wl };
    (void)state;
    wl[4] = -1.0f;
    cim_bconv_binarise(wl, 9, wb);
    assert_int_equal(cim_bconv_backward(&l, &s, dy, dw, NULL, dx), CIM_OK);
    assert_true(dw[4] == 3.0f);  /* dy * xb, |w| = 1 inside */
    assert_true(dx[0] == -3.0f); /* dy * wb, |x| = 1 inside */
    wl[4] = -1.0000001f;
    xl[0] = nextafterf(1.0f, 2.0f);
    assert_int_equal(cim_bconv_backward(&l, &s, dy, dw, NULL, dx), CIM_OK);
    assert_true(dw[4] == 0.0f && dx[0] == 0.0f);
}

static void test_bconv_binarise_zero_is_minus_one(void **state)
{
    float v[5] = { 0.0f, -0.0f, 1e-30f, -2.0f, NAN }, o[5];
    (void)state;
    cim_bconv_binarise(v, 5, o);
    assert_true(o[0] == -1 && o[1] == -1 && o[2] == 1 && o[3] == -1 && o[4] == -1);
}

typedef struct {
    Fx *f;
    float *y, *dw, *db, *dx;
} SweepCtx;

static CimStatus sweep_fn(void *ctx, const CimAlloc *alloc)
{
    SweepCtx *c = ctx;
    CimBconv l = cim_bconv_layer(N, CI, CO, H, W, 3, 1);
    CimBconvSaved s = { c->f->xb, c->f->xl, c->f->wb, c->f->wl };
    CimStatus st;
    l.alloc = alloc;
    st = cim_bconv_forward(&l, c->f->xb, c->f->wb, c->f->b, c->y);
    if (st != CIM_OK)
        return st;
    return cim_bconv_backward(&l, &s, c->f->r, c->dw, c->db, c->dx);
}

static void test_bconv_out_of_memory_is_reported(void **state)
{
    static Fx f;
    static float y[NY], dw[NW], db[CO], dx[NX];
    SweepCtx c = { &f, y, dw, db, dx };
    (void)state;
    fx_make(&f, 24, 1.0);
    assert_int_equal(test_alloc_sweep(sweep_fn, &c), 2);
}

/* The MNIST network's conv2 at batch 64: the sizes the trainer runs. Checks one output pixel's
 * bias gradient against a plain sum and prints the time taken. */
/* A CimNnPar that runs [0, n) as two ranges cut at a random multiple of align, the second
 * first (ctx: the CimRng). */
static void split_par(void *ctx, size_t n, size_t align, CimNnChunkFn *fn, void *arg)
{
    size_t cut = (size_t)(cim_rng_uniform(ctx) * (double)(n + 1)) / align * align;
    cut = cut > n ? n : cut;
    if (cut < n)
        fn(arg, cut, n);
    if (cut)
        fn(arg, 0, cut);
}

/* The backward split over threads (dw by filters, dx by images) gives the one-call values bit
 * for bit, for random shapes on both sides of CIM_BCONV_ROWS_MIN taps and random cuts. */
static void test_bconv_backward_split_equals_one_call(void **state)
{
    (void)state;
    CimRng rng;
    cim_rng_seed(&rng, 91);
    for (unsigned c = 0; c < 60; c++) {
        size_t n = 1 + (size_t)(cim_rng_uniform(&rng) * 3), cin = 1 + (size_t)(cim_rng_uniform(&rng) * 4);
        size_t cout = 1 + (size_t)(cim_rng_uniform(&rng) * 40), k = 1 + 2 * (size_t)(cim_rng_uniform(&rng) * 3);
        size_t h = 1 + (size_t)(cim_rng_uniform(&rng) * 9), w = 1 + (size_t)(cim_rng_uniform(&rng) * 9);
        CimBconv l = cim_bconv_layer(n, cin, cout, h, w, k, (k - 1) / 2);
        size_t nx = n * cin * h * w, nw = cout * cin * k * k, ny = n * cout * h * w;
        float *x = malloc(nx * sizeof *x), *xb = malloc(nx * sizeof *x), *wl = malloc(nw * sizeof *wl);
        float *wb = malloc(nw * sizeof *wb), *dy = malloc(ny * sizeof *dy), *dw[2], *dx[2], db[2][40];
        for (int v = 0; v < 2; v++) {
            dw[v] = malloc(nw * sizeof *dw[v]);
            dx[v] = malloc(nx * sizeof *dx[v]);
            assert_true(dw[v] && dx[v]);
        }
        assert_true(x && xb && wl && wb && dy);
        fill_rand(x, nx, &rng, -1.5, 1.5);
        fill_rand(wl, nw, &rng, -1.5, 1.5);
        fill_rand(dy, ny, &rng, -1, 1);
        cim_bconv_binarise(x, nx, xb);
        cim_bconv_binarise(wl, nw, wb);
        CimBconvSaved sv = {xb, x, wb, wl};
        assert_int_equal(cim_bconv_backward(&l, &sv, dy, dw[0], db[0], dx[0]), CIM_OK);
        l.par = split_par;
        l.par_ctx = &rng;
        assert_int_equal(cim_bconv_backward(&l, &sv, dy, dw[1], db[1], dx[1]), CIM_OK);
        if (memcmp(dw[0], dw[1], nw * sizeof *dw[0]) || memcmp(dx[0], dx[1], nx * sizeof *dx[0]) ||
            memcmp(db[0], db[1], cout * sizeof db[0][0]))
            fail_msg("case %u (n %zu cin %zu cout %zu k %zu %zux%zu): the split backward differs", c, n, cin, cout,
                     k, h, w);
        for (int v = 0; v < 2; v++) {
            free(dw[v]);
            free(dx[v]);
        }
        free(x), free(xb), free(wl), free(wb), free(dy);
    }
}

static void test_bconv_mnist_conv2_batch_runs(void **state)
{
    enum { BN = 64, BI = 32, BO = 64, BS = 14 };
    size_t nx = (size_t)BN * BI * BS * BS, ny = (size_t)BN * BO * BS * BS, nw = BO * BI * 9;
    float *x = malloc(nx * sizeof *x), *xb = malloc(nx * sizeof *x), *dx = malloc(nx * sizeof *x);
    float *y = malloc(ny * sizeof *y), *w = malloc(nw * sizeof *w), *wb = malloc(nw * sizeof *w);
    float *dw = malloc(nw * sizeof *w), db[BO], b[BO] = { 0 };
    CimBconv l = cim_bconv_layer(BN, BI, BO, BS, BS, 3, 1);
    CimBconvSaved s = { xb, x, wb, w };
    CimRng rng;
    clock_t t0;
    double sum = 0.0;
    (void)state;
    assert_true(x && xb && dx && y && w && wb && dw);
    cim_rng_seed(&rng, 25);
    fill_rand(x, nx, &rng, -1.5, 1.5);
    fill_rand(w, nw, &rng, -1, 1);
    cim_bconv_binarise(x, nx, xb);
    cim_bconv_binarise(w, nw, wb);
    t0 = clock();
    assert_int_equal(cim_bconv_forward(&l, xb, wb, b, y), CIM_OK);
    assert_int_equal(cim_bconv_backward(&l, &s, y, dw, db, dx), CIM_OK); /* dy = y */
    print_message("conv2 64x32x14x14 -> 64 filters: forward + backward %.3f s CPU\n",
                  (double)(clock() - t0) / CLOCKS_PER_SEC);
    for (size_t n = 0; n < BN; n++)
        for (size_t p = 0; p < BS * BS; p++)
            sum += y[(n * BO + 7) * BS * BS + p];
    assert_true(db[7] == (float)sum); /* integer-valued: exact */
    free(x);
    free(xb);
    free(dx);
    free(y);
    free(w);
    free(wb);
    free(dw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bconv_forward_matches_reference_bit_for_bit),
        cmocka_unit_test(test_bconv_backward_matches_finite_differences),
        cmocka_unit_test(test_bconv_forward_5x5_matches_textbook_convolution),
        cmocka_unit_test(test_bconv_clip_zeroes_gradients_outside_window),
        cmocka_unit_test(test_bconv_clip_window_is_inclusive),
        cmocka_unit_test(test_bconv_binarise_zero_is_minus_one),
        cmocka_unit_test(test_bconv_out_of_memory_is_reported),
        cmocka_unit_test(test_bconv_mnist_conv2_batch_runs),
        cmocka_unit_test(test_bconv_backward_split_equals_one_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
