/* make bench (PointNet++ part): whole clouds of the synthetic set through
 * workloads/nets/pointnet2_ssg.yaml (random weights, seed 1; no pruning) on
 * configs/chip/pointnet.yaml: clouds per second of the host reference (every int8 conv a
 * plain loop), of the same reference with every int8 conv through OpenBLAS sgemm on one
 * thread (the codes as floats: exact, as the training's evaluation computes them; the
 * target's reference, issue 14 item 5: fast path >= 0.5x of it), of the fast path (its first cloud, which calibrates each conv's static
 * cost by short program-path runs, timed apart) and of the program path on one cloud, all
 * measured in this run, wall and CPU time; each chip cloud's logits are checked equal to
 * the reference's. Given the dcim binary, also `dcim run` on the PointNet++ run file (fast
 * path): its peak resident set for two cloud counts (it must not grow with them) and its
 * clouds per second (the cloud loop's wall time, stats.json `seconds`) with --jobs 2 over
 * --jobs 1, best of PN_REPS each. Usage: bench_pointnet [N clouds, default 5] [DCIM]. */
#define _DEFAULT_SOURCE /* wait4 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "workloads/io/cloud.h"
#include "workloads/run/pn_chip.h"
#include "workloads/train/pn_grad.h"

typedef struct {
    double wall, cpu;
} Clock;

static Clock clock_now(void) { return (Clock){cim_clock_s(), (double)clock() / CLOCKS_PER_SEC}; }

static Clock clock_since(Clock t0)
{
    Clock t = clock_now();
    return (Clock){t.wall - t0.wall, t.cpu - t0.cpu};
}

/* The good reference's int8 conv: the codes as floats through OpenBLAS sgemm
 * (cim_pnt_gemm_nt, out = x w^T), exact while every partial sum stays below 2^24 in
 * magnitude (|code| <= 128 and C <= 1024 here), checked against the plain loop's logits.
 * Its float buffers grow to the largest conv and are kept. */
typedef struct {
    float *x, *w, *o;
    size_t nx, nw, no;
} Sgemm;

static int grow(float **p, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 0;
    float *q = realloc(*p, n * sizeof *q);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

static CimStatus sgemm_conv(void *ctx, size_t layer, unsigned s, const int8_t *x, const int8_t *w, size_t P, size_t C,
                            size_t F, int32_t *out, CimDiag *diag)
{
    (void)layer, (void)s, (void)diag;
    Sgemm *g = ctx;
    if (grow(&g->x, &g->nx, P * C) || grow(&g->w, &g->nw, F * C) || grow(&g->o, &g->no, P * F))
        return CIM_ERR_NOMEM;
    for (size_t k = 0; k < P * C; k++)
        g->x[k] = x[k];
    for (size_t k = 0; k < F * C; k++)
        g->w[k] = w[k];
    cim_pnt_gemm_nt(g->x, g->w, P, F, C, 0, g->o);
    for (size_t k = 0; k < P * F; k++)
        out[k] = (int32_t)g->o[k];
    return CIM_OK;
}

typedef CimStatus (*ConvFn)(void *, size_t, unsigned, const int8_t *, const int8_t *, size_t, size_t, size_t, int32_t *,
                            CimDiag *);

/* An int8 conv engine with the CPU seconds spent inside it (this thread's). */
typedef struct {
    ConvFn fn;
    void *ctx;
    double cpu;
} Timed;

static double thread_cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static CimStatus timed_conv(void *ctx, size_t layer, unsigned s, const int8_t *x, const int8_t *w, size_t P, size_t C,
                            size_t F, int32_t *out, CimDiag *diag)
{
    Timed *t = ctx;
    double t0 = thread_cpu_s();
    CimStatus st = t->fn(t->ctx, layer, s, x, w, P, C, F, out, diag);
    t->cpu += thread_cpu_s() - t0;
    return st;
}

/* Clouds [c0, c1) through the net, every int8 conv through conv(ctx) (NULL: the host
 * reference's plain loop); logits of cloud c at logits + c * 10 (compared with ref when
 * not NULL). Returns 0 when all went well. */
static int run(const CimPnNet *net, const CimCloudSet *set, size_t c0, size_t c1, ConvFn conv, void *ctx, float *logits,
               const float *ref, Clock *took)
{
    CimDiag d;
    cim_diag_init(&d);
    CimPnOpts o = {.fps_start = 0, .conv = conv, .conv_ctx = ctx};
    Clock t0 = clock_now();
    int bad = 0;
    for (size_t c = c0; c < c1 && !bad; c++) {
        bad = cim_pn_forward(net, set->xyz + c * set->points * 3, NULL, &o, logits + c * 10, &d) != CIM_OK;
        if (!bad && ref && memcmp(ref + c * 10, logits + c * 10, 10 * sizeof *logits) != 0) {
            fprintf(stderr, "bench_pointnet: cloud %zu: the logits differ from the plain reference's\n", c);
            bad = 1;
        }
    }
    *took = clock_since(t0);
    cim_diag_print(&d, stderr);
    cim_diag_free(&d);
    return bad;
}

static void line(const char *what, size_t n, Clock t)
{
    printf("  %-44s %3zu clouds  %8.2f s wall %8.2f s CPU  %7.3f clouds/s (CPU)\n", what, n, t.wall, t.cpu,
           t.cpu > 0 ? (double)n / t.cpu : 0.0);
}

#define PN_REPS 2

/* Runs argv to the end with stdout to /dev/null; its peak resident set (KiB) from wait4.
 * Returns its exit status, -1 if it could not run. (bench_mnist.c's child, less the CPU.) */
static int child(char *const argv[], long *maxrss_kib)
{
    fflush(stdout); /* or the child's freopen would write the parent's buffered lines again */
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid)
        return -1;
    *maxrss_kib = ru.ru_maxrss;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* `dcim run` of the PointNet++ run file for n clouds on `jobs` threads into out: its peak
 * RSS and the cloud loop's wall seconds (stats.json `seconds`). 0, or -1 on failure. */
static int run_dcim(const char *dcim, unsigned n, unsigned jobs, const char *out, long *rss_kib, double *seconds)
{
    char clouds[16], nj[16], path[128];
    snprintf(clouds, sizeof clouds, "%u", n);
    snprintf(nj, sizeof nj, "%u", jobs);
    char *argv[] = {(char *)dcim, "run", "configs/runs/pointnet_modelnet10.yaml", "--images", clouds, "--out",
                    (char *)out, "--quiet", "--jobs", nj, NULL};
    if (child(argv, rss_kib) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/stats.json", out);
    FILE *f = fopen(path, "r");
    static char buf[1 << 16];
    size_t len = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[len] = 0;
    const char *at = strstr(buf, "\"seconds\":");
    if (!at)
        return -1;
    *seconds = strtod(at + strlen("\"seconds\":"), NULL);
    return 0;
}

/* Peak RSS of dcim run for two cloud counts, then clouds/s with --jobs 2 over --jobs 1. */
static int bench_dcim(const char *dcim)
{
    char out[] = "/tmp/dcim_bench_pn_XXXXXX";
    if (!mkdtemp(out)) {
        perror("mkdtemp");
        return 1;
    }
    unsigned counts[2] = {4, 16};
    long rss[2], r;
    double s, best[2] = {1e30, 1e30};
    int rc = 0;
    for (int i = 0; i < 2; i++)
        rc |= run_dcim(dcim, counts[i], 1, out, &rss[i], &s);
    for (int rep = 0; rep < PN_REPS; rep++)
        for (int k = 0; k < 2; k++) {
            rc |= run_dcim(dcim, counts[1], k + 1, out, &r, &s);
            best[k] = s < best[k] ? s : best[k];
        }
    char rm[64];
    snprintf(rm, sizeof rm, "rm -rf %s", out);
    if (system(rm) != 0)
        fprintf(stderr, "could not remove %s\n", out);
    if (rc) {
        printf("dcim run (PointNet++) failed: no peak memory or --jobs figures\n");
        return 1;
    }
    printf("dcim run (PointNet++, fast path) peak RSS: %u clouds %ld KiB | %u clouds %ld KiB | ratio %.2f\n",
           counts[0], rss[0], counts[1], rss[1], (double)rss[1] / (double)rss[0]);
    printf("dcim run (PointNet++, fast path, %u clouds, the cloud loop's wall clock, best of %d) --jobs 1 %.3f "
           "clouds/s | --jobs 2 %.3f clouds/s | ratio %.2fx\n",
           counts[1], PN_REPS, counts[1] / best[0], counts[1] / best[1], best[0] / best[1]);
    return 0;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 5;
    if (n < 2 || argc > 3) {
        fprintf(stderr, "usage: bench_pointnet [N clouds >= 2] [DCIM]\n");
        return 2;
    }
    CimDiag d;
    cim_diag_init(&d);
    CimPnNet net;
    CimChipCfg cfg;
    CimCloudSet set;
    if (cim_pn_load("workloads/nets/pointnet2_ssg.yaml", &net, &d) != CIM_OK ||
        cim_cfg_load_chip("configs/chip/pointnet.yaml", NULL, &cfg, &d) != CIM_OK ||
        cim_cloud_synth("test", (n + CIM_SYNTH_CLASSES - 1) / CIM_SYNTH_CLASSES, net.points, 1, NULL, &set, &d) != CIM_OK) {
        cim_diag_print(&d, stderr);
        return 1;
    }
    cim_diag_free(&d);
    cim_pn_init_random(&net, 1);
    float *ref = malloc(n * 10 * sizeof *ref), *got = malloc(n * 10 * sizeof *got);
    CimPnChip fast, prog;
    if (!ref || !got || cim_pn_chip_init(&fast, &cfg, &net, 0) != CIM_OK ||
        cim_pn_chip_init(&prog, &cfg, &net, 1) != CIM_OK)
        return 1;
    openblas_set_num_threads(1); /* one core, as every other figure here */
    Sgemm g = {0};
    Timed tg = {sgemm_conv, &g, 0}, tf = {cim_pn_chip_conv, &fast, 0};
    Clock t_ref, t_gemm, t_cal, t_fast, t_prog;
    int bad = run(&net, &set, 0, n, NULL, NULL, ref, NULL, &t_ref);
    bad = bad || run(&net, &set, 0, n, timed_conv, &tg, got, ref, &t_gemm);
    bad = bad || run(&net, &set, 0, 1, cim_pn_chip_conv, &fast, got, ref, &t_cal);
    bad = bad || run(&net, &set, 1, n, timed_conv, &tf, got, ref, &t_fast);
    bad = bad || run(&net, &set, 0, 1, cim_pn_chip_conv, &prog, got, ref, &t_prog);
    printf("PointNet++ (pointnet2_ssg, 1024 points, random weights seed 1) on configs/chip/pointnet.yaml,\n"
           "synthetic test clouds, one thread; the sgemm reference's and the chip paths' logits equal the plain "
           "reference's: %s\n",
           bad ? "NO" : "yes");
    line("host reference (int8 convs as plain loops)", n, t_ref);
    line("host reference, int8 convs through sgemm", n, t_gemm);
    line("fast path, first cloud (calibrates each conv)", 1, t_cal);
    line("fast path, calibrated", n - 1, t_fast);
    line("program path (cycle-stepped model)", 1, t_prog);
    if (!bad && t_fast.cpu > 0 && t_gemm.cpu > 0 && tf.cpu > 0) {
        double per_f = t_fast.cpu / (double)(n - 1), per_g = t_gemm.cpu / (double)n;
        printf("  fast path, calibrated / sgemm reference: %.2fx (clouds per CPU second; target >= 0.5x)\n",
               per_g / per_f);
        printf("  of a cloud's CPU time, the int8 convs: sgemm reference %.3f s of %.3f s | fast path %.3f s of %.3f s "
               "(chip events and cycles included) | convs alone fast / sgemm %.2fx\n",
               tg.cpu / (double)n, per_g, tf.cpu / (double)(n - 1), per_f,
               (tg.cpu / (double)n) / (tf.cpu / (double)(n - 1)));
    }
    if (argc > 2)
        bad |= bench_dcim(argv[2]);
    else
        printf("dcim run: no dcim binary given, so no peak memory or --jobs figures\n");
    cim_pn_chip_free(&fast);
    cim_pn_chip_free(&prog);
    free(g.x);
    free(g.w);
    free(g.o);
    free(ref);
    free(got);
    cim_cloud_free(&set);
    cim_pn_free(&net);
    return bad;
}
