/* make bench: dcim train's training pass (images per second of one epoch's batches: chip
 * forward, host head, backward, Adam; evaluation and pruning not counted), in the same run:
 *   - reference mode on the code path before the speed work (one thread, the fast path's
 *     host layers computed and thrown away, the portable Adam step: opt.unoptimised), the
 *     baseline; then today's path on one thread and on --jobs = the machine's cores;
 *   - ste mode, the same three;
 *   - PyTorch training the same network in ste fashion on the same threads
 *     (bench/train/train_torch.py with Debian's python3-torch), or a line saying it is not
 *     installed.
 * Rates are wall clock (threads are the point), best of REPS runs taken in turn; every run's checkpoint is
 * compared byte for byte with the baseline's. Usage: bench_train [IMAGES] (default 3200;
 * ste runs a fifth of them). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workloads/train/train.h"

enum { REPS = 3 };

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

static void mode(const char *learn, unsigned images, unsigned cores, double *jn)
{
    char base[] = "/tmp/dcim_bench_train_XXXXXX", one[] = "/tmp/dcim_bench_train_XXXXXX",
         many[] = "/tmp/dcim_bench_train_XXXXXX";
    if (!mkdtemp(base) || !mkdtemp(one) || !mkdtemp(many)) {
        printf("  %s: cannot make a temporary folder\n", learn);
        return;
    }
    double b = 0, r1 = 0, rn = 0; /* best of REPS, the three interleaved: load drifts hit all alike */
    for (int r = 0; r < REPS; r++) {
        double x = train_rate(learn, images, 1, 1, base), y = train_rate(learn, images, 1, 0, one),
               z = train_rate(learn, images, cores, 0, many);
        b = x > b ? x : b;
        r1 = y > r1 ? y : r1;
        rn = z > rn ? z : rn;
    }
    printf("  %-9s %6u images  baseline %8.1f images/s  --jobs 1 %8.1f (%.2fx)  --jobs %u %8.1f (%.2fx)  files "
           "%s\n",
           learn, images, b, r1, b > 0 ? r1 / b : 0, cores, rn, b > 0 ? rn / b : 0,
           same_files(base, one) && same_files(base, many) ? "identical" : "DIFFER");
    *jn = rn;
}

int main(int argc, char **argv)
{
    unsigned images = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 3200, ste_images = images / 5;
    long nc = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned cores = nc < 1 ? 1 : nc > CIM_TRAIN_MAX_JOBS ? CIM_TRAIN_MAX_JOBS : (unsigned)nc;
    double ref_n = 0, ste_n = 0;
    printf("dcim train, training pass (wall clock, best of %d; baseline: the code before the speed work, one "
           "thread):\n", REPS);
    mode("reference", images, cores, &ref_n);
    mode("ste", ste_images, cores, &ste_n);
    double t = torch_rate(cores, ste_images);
    if (t > 0)
        printf("  PyTorch (ste network, %u threads) %8.1f images/s; dcim ste --jobs %u at %.2fx of it\n", cores, t,
               cores, ste_n / t);
    else
        printf("  no ratio against PyTorch\n");
    return 0;
}
