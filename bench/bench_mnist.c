/* make bench: images per second of the MNIST workload on the fast path and the program
 * path, beside ../shared/bench/bnn_limit.c (a plain packed XNOR-popcount implementation of
 * the same network, outside the project: the ceiling the fast path is measured against),
 * measured in the same run, the peak memory of `dcim run` for two image counts and the
 * speed-up of its --jobs on the fast and the program path.
 * Rates are in CPU time (user + system), best of three repetitions, so that a loaded
 * machine disturbs them less than wall-clock time would.
 * Usage: bench_mnist BNN_LIMIT_BINARY|- DCIM_BINARY (- : bnn_limit is missing). */
#define _DEFAULT_SOURCE /* wait4, getloadavg */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "workloads/io/idx.h"
#include "workloads/net/netfile.h"
#include "workloads/exec/fast.h"
#include "workloads/prune/prune_chip.h"

enum { REPS = 3, FAST_IMAGES = 4000, PROGRAM_IMAGES = 200, LIMIT_IMAGES = 20000 };

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef void (*ImageFn)(void *ctx, const uint8_t *img, float *logits);

/* Best of REPS: images per CPU second over n images. Also returns a checksum of argmaxes
 * so that the work cannot be optimised away and paths can be compared. */
static double rate(ImageFn fn, void *ctx, const CimMnist *mn, unsigned n, unsigned *checksum)
{
    double best = 0;
    for (int rep = 0; rep < REPS; rep++) {
        unsigned sum = 0;
        double t0 = cpu_s();
        for (unsigned i = 0; i < n; i++) {
            float logits[10];
            fn(ctx, mn->images.pixels + (size_t)(i % mn->images.n) * 784, logits);
            sum = sum * 31u + cim_argmax(logits, 10);
        }
        double r = n / (cpu_s() - t0);
        best = r > best ? r : best;
        *checksum = sum;
    }
    return best;
}

/* Runs argv to the end with stdout to /dev/null; its CPU seconds (user + system) and peak
 * resident set (KiB) from wait4. Returns its exit status, -1 if it could not run. */
static int child(char *const argv[], double *cpu, long *maxrss_kib)
{
    fflush(stdout); /* or the child's freopen would write the parent's buffered lines again */
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid)
        return -1;
    *cpu = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_sec +
           1e-6 * (double)ru.ru_stime.tv_usec;
    *maxrss_kib = ru.ru_maxrss;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* bnn_limit's images per CPU second, best of REPS; 0 when it is missing or fails. */
static double limit_rate(const char *bin)
{
    char n[16];
    snprintf(n, sizeof n, "%d", LIMIT_IMAGES);
    char *argv[] = {(char *)bin, n, NULL};
    double best = 0, cpu;
    long rss;
    for (int rep = 0; bin && rep < REPS; rep++)
        if (child(argv, &cpu, &rss) == 0 && cpu > 0 && LIMIT_IMAGES / cpu > best)
            best = LIMIT_IMAGES / cpu;
    return best;
}

typedef struct {
    CimChip *chip;
    CimCompiled *cc;
    CimNet *net;
    CimFast *fast;
    CimHost host; /* the host layers' weights, prepared once (as `dcim run` does) */
} Ctx;

static void run_fast(void *c, const uint8_t *img, float *l) { cim_fast_image(((Ctx *)c)->fast, img, l, NULL, NULL); }
/* The program path as `dcim run --fidelity program` runs it (workloads/run/job.c). */
static void run_program(void *c, const uint8_t *img, float *l)
{
    Ctx *x = c;
    CimTrap trap;
    cim_infer_image_with(NULL, NULL, &x->host, x->chip, x->cc, x->net, img, l, NULL, NULL, &trap);
}
/* cim_infer_image: the host layers' weights prepared again for every image (what this
 * bench measured as "program path" before, kept so that figures stay comparable). */
static void run_program_unprepared(void *c, const uint8_t *img, float *l)
{
    Ctx *x = c;
    CimTrap trap;
    cim_infer_image(x->chip, x->cc, x->net, img, l, NULL, NULL, &trap);
}

static int setup(Ctx *x, CimChipCfg *cfg, CimNet *net, CimCompiled *cc, int prune, CimDiag *d)
{
    CimTrap trap;
    cim_net_init_random(net, 1);
    if (cim_chip_create(cfg, NULL, &x->chip) != CIM_OK)
        return -1;
    if (prune) {
        CimPruneParams p;
        CimPruneReport rep = {0};
        cim_prune_params_reference(&p);
        if (cim_prune_on_chip(x->chip, net, &p, 1, &rep, &trap, d) != CIM_OK)
            return -1;
        cim_prune_report_free(&rep);
    }
    if (cim_compile(cfg, net, CIM_PRUNED_REFERENCE, NULL, cc, d) != CIM_OK ||
        cim_infer_load(x->chip, cc, NULL, &trap) != CIM_OK || cim_fast_create(x->chip, cc, net, &x->fast, &trap) != CIM_OK ||
        cim_host_init(&x->host, net) != CIM_OK)
        return -1;
    x->cc = cc;
    x->net = net;
    return 0;
}

/* One weight set: the fast path and bnn_limit measured back to back, then the program
 * path; 1 if fast and program predictions differ. */
static int bench(const char *label, int prune, const CimMnist *mn, const char *limit_bin, CimDiag *d)
{
    CimChipCfg cfg;
    CimNet net;
    CimCompiled cc;
    Ctx x = {0};
    cim_cfg_defaults(&cfg);
    if (cim_net_load("workloads/nets/mnist_bnn.yaml", NULL, &net, d) != CIM_OK || setup(&x, &cfg, &net, &cc, prune, d)) {
        cim_diag_print(d, stderr);
        return 1;
    }
    unsigned s_fast, s_prog, s_unprep, s_fast_short;
    double fast = rate(run_fast, &x, mn, FAST_IMAGES, &s_fast);
    double limit = limit_rate(limit_bin);
    double prog = rate(run_program, &x, mn, PROGRAM_IMAGES, &s_prog);
    double unprep = rate(run_program_unprepared, &x, mn, PROGRAM_IMAGES, &s_unprep);
    rate(run_fast, &x, mn, PROGRAM_IMAGES, &s_fast_short);
    if (limit > 0)
        printf("%-32s fast %7.0f img/s | bnn_limit %7.0f img/s | fast / bnn_limit %.2f\n", label, fast, limit,
               fast / limit);
    else
        printf("%-32s fast %7.0f img/s | bnn_limit missing: no ratio\n", label, fast);
    printf("%-32s program path %5.0f img/s | fast / program %.1fx | predictions agree: %s\n", "", prog, fast / prog,
           s_fast_short == s_prog && s_unprep == s_prog ? "yes" : "NO");
    printf("%-32s program path, host weights prepared per image (the bench's figure before) %5.0f img/s | "
           "program / that %.2fx\n",
           "", unprep, prog / unprep);
    cim_host_free(&x.host);
    cim_fast_destroy(x.fast);
    cim_chip_destroy(x.chip);
    cim_compiled_free(&cc);
    cim_net_free(&net);
    return s_fast_short == s_prog && s_unprep == s_prog ? 0 : 1;
}

/* `dcim run` on the MNIST run file for n images of `split` on `jobs` threads (0: the
 * default) at `fidelity`, results into a temporary folder: its wall-clock and CPU seconds
 * and peak resident set (KiB). Returns 0, or -1 if the run fails. */
static int run_dcim(const char *dcim, const char *fidelity, const char *split, unsigned n, unsigned jobs,
                    const char *out, double *wall_s, double *cpu_s_out, long *rss_kib)
{
    char images[16], nj[16], set[64];
    snprintf(images, sizeof images, "%u", n);
    snprintf(nj, sizeof nj, "%u", jobs);
    snprintf(set, sizeof set, "run.data.split=%s", split);
    char *argv[] = {(char *)dcim, "run", "configs/runs/mnist_bnn.yaml", "--fidelity", (char *)fidelity, "--set", set,
                    "--images", images, "--out", (char *)out, "--quiet", jobs ? "--jobs" : NULL, nj, NULL};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = child(argv, cpu_s_out, rss_kib);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *wall_s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    return rc == 0 ? 0 : -1;
}

/* The wall-clock speed-up of --jobs `cores` over --jobs 1 on n images (best of REPS each,
 * alternating), with what limits it on an idle machine: the serial part S (CPU seconds of
 * a run of 16 images: start, data, setup, results) and the per-image part P (the rest of a
 * one-thread run's CPU time) give Amdahl's bound (S + P) / (S + P / cores). The 1-minute
 * load average before and after says whether other processes shared the cores. */
static int bench_jobs(const char *dcim, const char *fidelity, const char *split, unsigned n, unsigned cores,
                      const char *out)
{
    double best[2] = {1e30, 1e30}, cpus[2] = {1e30, 1e30}, wall, cpu, serial = 1e30, load[2] = {0, 0};
    long rss;
    int rc = 0;
    if (getloadavg(&load[0], 1) != 1)
        load[0] = -1;
    for (int rep = 0; rep < REPS; rep++) {
        rc |= run_dcim(dcim, fidelity, split, 16, 1, out, &wall, &cpu, &rss);
        serial = cpu < serial ? cpu : serial;
        for (int k = 0; k < 2; k++) {
            rc |= run_dcim(dcim, fidelity, split, n, k ? cores : 1, out, &wall, &cpu, &rss);
            best[k] = wall < best[k] ? wall : best[k];
            cpus[k] = cpu < cpus[k] ? cpu : cpus[k];
        }
    }
    if (getloadavg(&load[1], 1) != 1)
        load[1] = -1;
    if (rc) {
        printf("dcim run (MNIST, %s) failed: no --jobs figure\n", fidelity);
        return 1;
    }
    double cpu1 = cpus[0], par = cpu1 > serial ? cpu1 - serial : 0;
    printf("dcim run --fidelity %s, %u %s images, wall clock: --jobs 1 %.2f s | --jobs %u %.2f s | speed-up %.2fx "
           "(target 1.8x)\n    serial %.2f s of %.2f s CPU: bound on idle cores %.2fx | CPU time --jobs %u / --jobs 1 "
           "%.2f | load average %.1f -> %.1f%s\n",
           fidelity, n, split, best[0], cores, best[1], best[0] / best[1], serial, cpu1, cpu1 / (serial + par / cores),
           cores, cpus[1] / cpus[0], load[0], load[1],
           load[0] > cores - 0.5 || load[1] > cores - 0.5 ? " (cores shared with other processes)" : "");
    return 0;
}

/* Peak memory for two image counts (it must not grow with them), then the speed-up of
 * --jobs (the machine's cores) over --jobs 1 for the fast path (the 60,000 training images:
 * long enough that the start is a small part) and the program path. */
static int bench_run(const char *dcim)
{
    char out[] = "/tmp/dcim_bench_XXXXXX";
    if (!mkdtemp(out)) {
        perror("mkdtemp");
        return 1;
    }
    unsigned counts[2] = {1000, 10000}, cores = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    long rss[2];
    double wall, cpu;
    int rc = 0;
    for (int i = 0; i < 2; i++)
        rc |= run_dcim(dcim, "fast", "t10k", counts[i], 0, out, &wall, &cpu, &rss[i]);
    if (rc)
        printf("dcim run (MNIST) failed: no peak memory figure\n");
    else
        printf("dcim run (MNIST, fast path) peak RSS: %u images %ld KiB | %u images %ld KiB | ratio %.2f\n", counts[0],
               rss[0], counts[1], rss[1], (double)rss[1] / (double)rss[0]);
    rc |= bench_jobs(dcim, "fast", "train", 60000, cores, out);
    rc |= bench_jobs(dcim, "program", "t10k", 4000, cores, out);
    char rm[64];
    snprintf(rm, sizeof rm, "rm -rf %s", out);
    if (system(rm) != 0)
        fprintf(stderr, "could not remove %s\n", out);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_mnist BNN_LIMIT_BINARY|- DCIM_BINARY\n");
        return 2;
    }
    const char *limit_bin = strcmp(argv[1], "-") ? argv[1] : NULL;
    CimDiag d;
    CimMnist mn;
    cim_diag_init(&d);
    if (cim_mnist_load("data/mnist", "t10k", NULL, &mn, &d) != CIM_OK) {
        cim_diag_print(&d, stderr);
        return 1;
    }
    printf("MNIST binary CNN, one core, random weights (seed 1), images per CPU second, best of %d\n", REPS);
    if (!limit_bin)
        printf("bnn_limit: not given (make bench says why), so no ratio against it\n");
    int rc = bench("unpruned (all filters live)", 0, &mn, limit_bin, &d);
    rc |= bench("pruned on chip (reference rule)", 1, &mn, limit_bin, &d);
    rc |= bench_run(argv[2]);
    cim_mnist_free(&mn);
    cim_diag_free(&d);
    return rc;
}
