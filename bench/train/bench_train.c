/* make bench: dcim train's training pass (images per second of one epoch's batches: chip
 * forward, host head, backward, Adam; evaluation and pruning not counted), in the same run:
 *   - reference mode on the code path before the speed work (one thread, the fast path's
 *     host layers computed and thrown away, the portable Adam step: opt.unoptimised) on the
 *     OpenBLAS kernels the library picks by itself (Prescott on this project's VMs), the
 *     baseline; then today's path, on the kernels dcim train runs itself with
 *     (workloads/train/blas.h), on one thread and on --jobs = the machine's cores;
 *   - ste mode, the same three;
 *   - PyTorch training the same network in ste fashion on the same threads, and on one
 *     thread against ste --jobs 1 (bench/train/train_torch.py with Debian's python3-torch),
 *     or a line saying it is not installed.
 * Each run is a child process (bench_train --one ...), as the kernels are chosen when
 * OpenBLAS loads. Rates are wall clock (threads are the point), best of REPS runs taken in
 * turn; the checkpoints of --jobs 1 and --jobs N are compared byte for byte (and with the
 * baseline's when both use the same kernels: other kernels round float sums differently).
 * Usage: bench_train [IMAGES] (default 3200; ste runs a fifth of them). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include "workloads/train/blas.h"
#include "workloads/train/train.h"

enum { REPS = 3 };

static char self[4096]; /* this program, for the child runs */

static char *slurp(const char *dir, const char *file, size_t *n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    *n = 0;
    if (f && fseek(f, 0, SEEK_END) == 0) {
        long len = ftell(f);
        rewind(f);
        buf = len > 0 ? malloc((size_t)len) : NULL;
        if (buf && fread(buf, 1, (size_t)len, f) == (size_t)len)
            *n = (size_t)len;
    }
    if (f)
        fclose(f);
    return buf;
}

/* Whether two result folders hold byte-identical checkpoints and optimizer states. */
static int same_files(const char *a, const char *b)
{
    const char *files[] = {"checkpoint.safetensors", "optimizer.safetensors"};
    int same = 1;
    for (int i = 0; i < 2; i++) {
        size_t na, nb;
        char *x = slurp(a, files[i], &na), *y = slurp(b, files[i], &nb);
        same &= x && y && na == nb && memcmp(x, y, na) == 0;
        free(x);
        free(y);
    }
    return same;
}

/* Training-pass images/s of one one-epoch run into out; 0 on an error. */
static double train_rate(const char *learn, unsigned images, unsigned jobs, int unoptimised, const char *out)
{
    char o1[300], o2[64], o3[64];
    snprintf(o1, sizeof o1, "run.out=%s", out);
    snprintf(o2, sizeof o2, "run.train.learn=%s", learn);
    snprintf(o3, sizeof o3, "run.train.train_images=%u", images);
    const char *ov[] = {o1, o2, o3, "run.train.epochs=1", "run.prune.enabled=false", "run.train.eval_images=10"};
    CimTrainOptions o = {.job = {.run_path = "configs/runs/mnist_train.yaml", .overrides = ov, .noverrides = 6,
                                 .jobs = jobs},
                         .unoptimised = unoptimised};
    double v = 0;
    {
        CimTrainReport rep;
        CimDiag d;
        cim_diag_init(&d);
        fflush(stdout); /* the run's epoch lines go to /dev/null */
        int saved = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, STDOUT_FILENO);
        CimStatus st = cim_train_run(&o, &rep, &d);
        fflush(stdout);
        if (saved >= 0)
            dup2(saved, STDOUT_FILENO);
        if (saved >= 0)
            close(saved);
        if (null >= 0)
            close(null);
        cim_diag_print(&d, stderr);
        cim_diag_free(&d);
        if (st != CIM_OK || rep.nepochs != 1) {
            cim_train_report_free(&rep);
            return 0;
        }
        v = rep.epochs[0].train_images_per_s;
        cim_train_report_free(&rep);
    }
    return v;
}

/* PyTorch's images/s on `threads` threads, 0 when it cannot run (message printed). */
static double torch_rate(unsigned threads, unsigned images)
{
    char cmd[256], line[128];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 bench/train/train_torch.py data/mnist %u %u 2>&1", threads, images);
    double best = 0;
    for (int r = 0; r < REPS; r++) {
        FILE *p = popen(cmd, "r");
        double v = 0;
        int got = 0;
        while (p && fgets(line, sizeof line, p))
            if (sscanf(line, "images/s %lf", &v) == 1)
                got = 1;
            else if (r == 0)
                printf("  PyTorch: %s", line); /* "python3-torch not installed", or its error */
        if (p)
            pclose(p);
        if (!got)
            return 0;
        best = v > best ? v : best;
    }
    return best;
}

/* One training run in a child process on OpenBLAS kernel `core`: its rate, 0 on an error. */
static double child_rate(const char *core, const char *learn, unsigned images, unsigned jobs, int unoptimised,
                         const char *out)
{
    char cmd[sizeof self + 600], line[128];
    snprintf(cmd, sizeof cmd, "OPENBLAS_CORETYPE=%s '%s' --one %s %u %u %d '%s'", core, self, learn, images, jobs,
             unoptimised, out);
    FILE *p = popen(cmd, "r");
    double v = 0;
    while (p && fgets(line, sizeof line, p))
        if (sscanf(line, "rate %lf", &v) != 1)
            fputs(line, stdout);
    if (!p || pclose(p) != 0)
        return 0;
    return v;
}

static void mode(const char *learn, unsigned images, unsigned cores, const char *base_core, const char *core,
                 double *j1, double *jn)
{
    char base[] = "/tmp/dcim_bench_train_XXXXXX", one[] = "/tmp/dcim_bench_train_XXXXXX",
         many[] = "/tmp/dcim_bench_train_XXXXXX";
    if (!mkdtemp(base) || !mkdtemp(one) || !mkdtemp(many)) {
        printf("  %s: cannot make a temporary folder\n", learn);
        return;
    }
    double b = 0, r1 = 0, rn = 0; /* best of REPS, the three interleaved: load drifts hit all alike */
    for (int r = 0; r < REPS; r++) {
        double x = child_rate(base_core, learn, images, 1, 1, base), y = child_rate(core, learn, images, 1, 0, one),
               z = child_rate(core, learn, images, cores, 0, many);
        b = x > b ? x : b;
        r1 = y > r1 ? y : r1;
        rn = z > rn ? z : rn;
    }
    int same_kernel = strcmp(base_core, core) == 0;
    printf("  %-9s %6u images  baseline %8.1f images/s  --jobs 1 %8.1f (%.2fx)  --jobs %u %8.1f (%.2fx)  files "
           "%s%s\n",
           learn, images, b, r1, b > 0 ? r1 / b : 0, cores, rn, b > 0 ? rn / b : 0,
           same_files(one, many) && (!same_kernel || same_files(base, one)) ? "identical" : "DIFFER",
           same_kernel ? "" : " (--jobs 1 and N)");
    *j1 = r1;
    *jn = rn;
}

int main(int argc, char **argv)
{
    if (argc == 7 && strcmp(argv[1], "--one") == 0) { /* a child run: --one LEARN IMAGES JOBS UNOPTIMISED OUT */
        double v = train_rate(argv[2], (unsigned)strtoul(argv[3], NULL, 10), (unsigned)strtoul(argv[4], NULL, 10),
                              atoi(argv[5]), argv[6]);
        printf("rate %.3f\n", v);
        return v > 0 ? 0 : 1;
    }
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0 || (size_t)len >= sizeof self - 1 || strchr(self, '\'')) {
        fprintf(stderr, "bench_train: cannot find its own path\n");
        return 1;
    }
    unsigned images = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 3200, ste_images = images / 5;
    long nc = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned cores = nc < 1 ? 1 : nc > CIM_TRAIN_MAX_JOBS ? CIM_TRAIN_MAX_JOBS : (unsigned)nc;
    char base_core[64];
    snprintf(base_core, sizeof base_core, "%s", openblas_get_corename());
    const char *want = cim_blas_wanted_core(), *core = want ? want : base_core;
    double ref_1 = 0, ref_n = 0, ste_1 = 0, ste_n = 0;
    printf("dcim train, training pass (wall clock, best of %d; baseline: the code before the speed work, one "
           "thread, OpenBLAS kernels %s; today's code on kernels %s):\n", REPS, base_core, core);
    mode("reference", images, cores, base_core, core, &ref_1, &ref_n);
    mode("ste", ste_images, cores, base_core, core, &ste_1, &ste_n);
    /* PyTorch on the same threads; on one thread too, which a busy machine disturbs less */
    unsigned threads[2] = {cores, 1};
    for (int k = 0; k < (cores > 1 ? 2 : 1); k++) {
        double t = torch_rate(threads[k], ste_images), d = k ? ste_1 : ste_n;
        if (t > 0)
            printf("  PyTorch (ste network, %u thread%s) %8.1f images/s; dcim ste --jobs %u at %.2fx of it\n",
                   threads[k], threads[k] > 1 ? "s" : "", t, threads[k], d / t);
        else {
            printf("  no ratio against PyTorch\n");
            break;
        }
    }
    return 0;
}
