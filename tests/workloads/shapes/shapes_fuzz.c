/* The shape campaign's driver (tests/support/shapes.h): random chips x random binary
 * networks through the program path, the fast path and the plain reference. Prints every
 * failure with a one-line command that reproduces it, refusals by reason, then
 * "N passed, M failed"; exits 1 on a failure or when no case ran. */
#include "tests/support/shapes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_REASONS 64

typedef struct {
    char text[320];
    unsigned n;
    uint64_t example;
} Reason;

static uint64_t case_seed(uint64_t seed, uint64_t i)
{
    uint64_t z = seed * 0x9E3779B97F4A7C15ull + i + 1; /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void count_reason(Reason *rs, unsigned *n, const char *text, uint64_t seed)
{
    for (unsigned i = 0; i < *n; i++)
        if (strcmp(rs[i].text, text) == 0) {
            rs[i].n++;
            return;
        }
    if (*n == MAX_REASONS)
        text = "(other reasons)";
    unsigned i = *n < MAX_REASONS ? (*n)++ : MAX_REASONS - 1;
    snprintf(rs[i].text, sizeof rs[i].text, "%s", text);
    rs[i].n++;
    rs[i].example = seed;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static void usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--seed S] [--count N] [--seconds T] [--case CASE_SEED] [--no-fast] [--no-mnist] [-v]\n"
            "  runs N cases (default 100) or until T seconds have passed, whichever comes first;\n"
            "  --case runs one case by the seed a failure printed\n",
            argv0);
}

int main(int argc, char **argv)
{
    uint64_t seed = 1, one = 0;
    unsigned long count = 100;
    double seconds = 0;
    int verbose = 0, have_one = 0, use_mnist = 1;
    ShapesOpts o = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--count") && i + 1 < argc)
            count = strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = strtod(argv[++i], NULL);
        else if (!strcmp(argv[i], "--case") && i + 1 < argc) {
            one = strtoull(argv[++i], NULL, 0);
            have_one = 1;
        } else if (!strcmp(argv[i], "--no-fast"))
            o.skip_fast = 1;
        else if (!strcmp(argv[i], "--no-mnist"))
            use_mnist = 0;
        else if (!strcmp(argv[i], "-v"))
            verbose = 1;
        else {
            usage(argv[0]);
            return 2;
        }
    }
    CimMnist mn;
    if (use_mnist) {
        CimDiag d;
        cim_diag_init(&d);
        if (cim_mnist_load("data/mnist", "t10k", NULL, &mn, &d) != CIM_OK) {
            cim_diag_print(&d, stderr);
            fprintf(stderr, "shapes: MNIST missing: run `make data` (or pass --no-mnist)\n0 passed, 1 failed\n");
            return 1;
        }
        cim_diag_free(&d);
        o.mnist = &mn;
    }
    Reason reasons[MAX_REASONS];
    unsigned nreasons = 0;
    unsigned long pass = 0, fail = 0, refused = 0, ran = 0;
    unsigned long ovf = 0, wrapn = 0, tiled = 0, shared = 0, wide = 0, npot = 0, replicated = 0, cut = 0;
    double t0 = now_s();
    for (unsigned long i = 0; have_one ? i < 1 : i < count; i++) {
        if (!have_one && seconds > 0 && i > 0 && now_s() - t0 > seconds)
            break;
        uint64_t cs = have_one ? one : case_seed(seed, i);
        ShapesCase c;
        ShapesResult r;
        char desc[1024];
        shapes_case_make(cs, 0, &c);
        shapes_case_describe(&c, desc, sizeof desc);
        shapes_run_case(&c, &o, &r);
        ran++;
        if (verbose || have_one)
            printf("case 0x%016llx: %s\n  -> %s%s%s\n", (unsigned long long)cs, desc,
                   r.verdict == SHAPES_PASS ? "pass" : r.verdict == SHAPES_FAIL ? "FAIL" : "refused",
                   r.verdict == SHAPES_PASS ? "" : ": ", r.verdict == SHAPES_PASS ? "" : r.reason);
        if (r.verdict == SHAPES_FAIL) {
            fail++;
            if (!verbose && !have_one)
                printf("FAIL case 0x%016llx (seed %llu, case %lu): %s\n  %s\n", (unsigned long long)cs,
                       (unsigned long long)seed, i, desc, r.reason);
            printf("  repro: %s --case 0x%016llx%s\n", argv[0], (unsigned long long)cs, o.skip_fast ? " --no-fast" : "");
        } else if (r.verdict == SHAPES_REFUSED) {
            refused++;
            count_reason(reasons, &nreasons, r.reason, cs);
        } else {
            pass++;
            ovf += (unsigned long)r.counter_overflow;
            wrapn += (unsigned long)r.acc_wrap;
            tiled += (unsigned long)r.tiled;
            shared += (unsigned long)r.shared;
            replicated += (unsigned long)r.replicated;
            cut += (unsigned long)r.cut;
            wide += (unsigned long)r.more_filters_than_cols;
            npot += (c.cfg.array.rows & (c.cfg.array.rows - 1)) || (c.cfg.array.cols & (c.cfg.array.cols - 1));
        }
        shapes_case_free(&c);
    }
    double dt = now_s() - t0;
    printf("shapes: seed %llu: %lu cases in %.1f s: %lu agreed, %lu failed, %lu refused\n", (unsigned long long)seed,
           ran, dt, pass, fail, refused);
    printf("shapes: of the agreed: %lu on non-power-of-two arrays, %lu with counter overflow, %lu with accumulator "
           "wrap, %lu row-tiled, %lu column-tiled, %lu with regions sharing a macro, %lu with a layer replicated, %lu with row tiles cut to the free space\n",
           npot, ovf, wrapn, tiled, wide, shared, replicated, cut);
    for (unsigned i = 0; i < nreasons; i++)
        printf("  refused %5u x %s (e.g. --case 0x%016llx)\n", reasons[i].n, reasons[i].text,
               (unsigned long long)reasons[i].example);
    if (use_mnist)
        cim_mnist_free(&mn);
    if (pass == 0 && !have_one)
        printf("FAIL: no case ran through the paths\n");
    printf("%lu passed, %lu failed\n", pass, fail + (pass == 0 && !have_one));
    return fail || (pass == 0 && !have_one) ? 1 : 0;
}
