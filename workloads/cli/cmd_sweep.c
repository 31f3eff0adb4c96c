/* dcim sweep: a run or compare job over config keys, on one machine or as SLURM shards
 * (workloads/sweep, docs/sweep.md). */
#include "workloads/cli/cli.h"
#include "workloads/report/report.h"
#include "workloads/sweep/sweep.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage[] =
    "usage: dcim sweep [SWEEP.yaml] [options]\n"
    "       dcim sweep merge OUT SHARD_DIR...\n"
    "Runs `dcim run` (or `dcim compare`) once per point of a sweep over any run., chip., tech.\n"
    "(compare: also analog., gpu.) keys, each point in its own folder OUT/points/NNNNNN with its\n"
    "full results, and writes OUT/sweep.csv, sweep.json (one row per point: the swept values,\n"
    "status, error and every headline number, the unit in each name) and report.html (the\n"
    "metric against each swept key, the Pareto front). A point that fails (does not fit, bad\n"
    "value, trap, crash) is recorded with its error and the sweep goes on. Running the same\n"
    "sweep again skips the points already complete. The sweep file (docs/sweep.md) and these\n"
    "options may be combined; options add to the file.\n"
    "  --run FILE              the run file every point starts from\n"
    "  --compare               run `dcim compare` per point (default: `dcim run`)\n"
    "  --analog FILE, --gpu FILE   compare: the baseline files\n"
    "  --grid KEY=V1,V2,...    a grid key (repeat: the product)\n"
    "  --linked KEY=V1,V2,...  linked keys, zipped position by position (all --linked keys\n"
    "                          form one group; their lists need one length)\n"
    "  --random N, --lhs N     a random or Latin-hypercube sample of N points over the\n"
    "                          --range and --choices keys\n"
    "  --range KEY=LO:HI       a sampled numeric range (integers when LO and HI are)\n"
    "  --choices KEY=A,B,...   a sampled list of values\n"
    "  --seed S                the sample's seed (default 1)\n"
    "  --set KEY=VALUE         fixed for every point, e.g. --set run.data.images=100\n"
    "  --out DIR               the sweep folder (default: the file's out, else results/sweep)\n"
    "  --jobs N                points at once, 1 to 1024 (default 1)\n"
    "  --shard I/N             run only shard I of N (1 <= I <= N: the points i with\n"
    "                          i mod N = I - 1); merge the shard folders with dcim sweep merge\n"
    "  --retry-failed          run again the points recorded as failed\n"
    "  --metric NAME           the metric plotted against each key (a sweep.csv column)\n"
    "  --pareto X,Y            the Pareto front's two metrics, both minimised\n"
    "  --slurm N               write OUT/slurm/: sweep.sbatch (an array of N shard tasks),\n"
    "                          merge.sbatch (the merge, after them) and submit.sh; run nothing\n"
    "  --submit                with --slurm: submit them (sbatch)\n"
    "  --sbatch LINE           with --slurm: an extra #SBATCH line, e.g. --sbatch --partition=cpu\n"
    "  --quiet                 no progress line\n"
    "Exit status: 0 every point ok, 1 error, 2 usage, 3 stopped by Ctrl-C or SIGTERM (complete\n"
    "points kept; run again to finish), 10 + the number of points not ok (at most 255).\n";

enum { MAX_JOBS = 1024, MAX_LIST = 100000, MAX_EXTRA = 32 };

typedef struct {
    CimSweepDef d;
    const char *file, *out;
    unsigned jobs, shard, nshards, slurm;
    int quiet, retry, submit;
    const char *sbatch[MAX_EXTRA];
    size_t nsbatch;
    /* the sample, from flags */
    const char *method;
    size_t count;
    uint64_t seed;
    CimSweepSampleKey sk[CIM_SWEEP_MAX_KEYS];
    size_t nsk;
    /* linked flags */
    const char *linked[CIM_SWEEP_MAX_KEYS];
    size_t nlinked;
    char *own[4 * CIM_SWEEP_MAX_KEYS];
    size_t nown;
} Args;

static char *keep(Args *a, const char *s, size_t n)
{
    if (a->nown == sizeof a->own / sizeof a->own[0])
        return NULL;
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
        a->own[a->nown++] = p;
    }
    return p;
}

/* Splits "A,B,C" into a kept list; its length (0: error printed). */
static size_t split_list(Args *a, const char *s, const char ***out)
{
    size_t n = 1;
    for (const char *p = s; *p; p++)
        n += *p == ',';
    const char **v = n <= MAX_LIST ? calloc(n, sizeof *v) : NULL;
    char *copy = v ? keep(a, s, strlen(s)) : NULL;
    if (!copy) {
        free(v);
        fprintf(stderr, "dcim sweep: error: out of memory (or too many values)\n");
        return 0;
    }
    n = 0;
    for (char *tok = copy, *c; tok; tok = c ? c + 1 : NULL) {
        c = strchr(tok, ',');
        if (c)
            *c = '\0';
        if (!*tok) {
            fprintf(stderr, "dcim sweep: error: empty value in '%s'\n", s);
            free(v);
            return 0;
        }
        v[n++] = tok;
    }
    *out = v;
    return n;
}

/* "KEY=REST": the key kept, *rest set; NULL after an error. */
static const char *key_of(Args *a, const char *opt, const char *s, const char **rest)
{
    const char *eq = strchr(s, '=');
    if (!eq || eq == s || !eq[1]) {
        fprintf(stderr, "dcim sweep: error: %s needs KEY=VALUES, got '%s'\n", opt, s);
        return NULL;
    }
    *rest = eq + 1;
    return keep(a, s, (size_t)(eq - s));
}

static int parse_uint(const char *opt, const char *s, unsigned lo, unsigned hi, unsigned *v)
{
    uint64_t x;
    if (cli_parse_u64(opt, s, &x) != 0)
        return -1;
    if (x < lo || x > hi) {
        fprintf(stderr, "dcim sweep: error: %s must be in [%u, %u], got %s\n", opt, lo, hi, s);
        return -1;
    }
    *v = (unsigned)x;
    return 0;
}

static int path_opt(const char *opt, const char *s, char *dst)
{
    if (strlen(s) >= CIM_PATH_MAX) {
        fprintf(stderr, "dcim sweep: error: %s: the path is longer than %d characters\n", opt, CIM_PATH_MAX - 1);
        return -1;
    }
    snprintf(dst, CIM_PATH_MAX, "%s", s);
    return 0;
}

/* One option with its value v (NULL: none); 1 taken, 0 not an option of ours, -1 error. */
static int take(Args *a, const char *o, const char *v, CimDiag *diag)
{
    const char *rest, *key;
    const char **list;
    size_t n;
    if (!strcmp(o, "--run"))
        return path_opt(o, v, a->d.run) ? -1 : 1;
    if (!strcmp(o, "--analog"))
        return path_opt(o, v, a->d.analog) ? -1 : 1;
    if (!strcmp(o, "--gpu"))
        return path_opt(o, v, a->d.gpu) ? -1 : 1;
    if (!strcmp(o, "--out"))
        return (a->out = v), 1;
    if (!strcmp(o, "--metric"))
        return snprintf(a->d.metric, sizeof a->d.metric, "%s", v), 1;
    if (!strcmp(o, "--pareto")) {
        const char *c = strchr(v, ',');
        if (!c || c == v || !c[1] || strchr(c + 1, ',')) {
            fprintf(stderr, "dcim sweep: error: --pareto needs X,Y (two metric names), got '%s'\n", v);
            return -1;
        }
        snprintf(a->d.pareto_x, sizeof a->d.pareto_x, "%.*s", (int)(c - v), v);
        snprintf(a->d.pareto_y, sizeof a->d.pareto_y, "%s", c + 1);
        return 1;
    }
    if (!strcmp(o, "--set"))
        return cim_sweep_def_set(&a->d, v, diag) == CIM_OK ? 1 : -1;
    if (!strcmp(o, "--jobs"))
        return parse_uint(o, v, 1, MAX_JOBS, &a->jobs) ? -1 : 1;
    if (!strcmp(o, "--slurm"))
        return parse_uint(o, v, 1, 100000, &a->slurm) ? -1 : 1;
    if (!strcmp(o, "--sbatch")) {
        if (a->nsbatch == MAX_EXTRA)
            return fprintf(stderr, "dcim sweep: error: at most %d --sbatch lines\n", MAX_EXTRA), -1;
        return (a->sbatch[a->nsbatch++] = v), 1;
    }
    if (!strcmp(o, "--shard")) {
        unsigned i, m;
        char end;
        if (sscanf(v, "%u/%u%c", &i, &m, &end) != 2 || m < 1 || i < 1 || i > m) {
            fprintf(stderr, "dcim sweep: error: --shard needs I/N with 1 <= I <= N, got '%s'\n", v);
            return -1;
        }
        a->shard = i;
        a->nshards = m;
        return 1;
    }
    if (!strcmp(o, "--seed")) {
        uint64_t s;
        return cli_parse_u64(o, v, &s) ? -1 : (a->seed = s, 1);
    }
    if (!strcmp(o, "--random") || !strcmp(o, "--lhs")) {
        uint64_t c;
        if (cli_parse_u64(o, v, &c) != 0)
            return -1;
        if (a->method) {
            fprintf(stderr, "dcim sweep: error: one sample per sweep (--random or --lhs, once)\n");
            return -1;
        }
        a->method = o + 2;
        a->count = (size_t)c;
        return 1;
    }
    if (!strcmp(o, "--grid") || !strcmp(o, "--linked") || !strcmp(o, "--range") || !strcmp(o, "--choices")) {
        if (!(key = key_of(a, o, v, &rest)))
            return -1;
        if (!strcmp(o, "--linked")) {
            if (a->nlinked == CIM_SWEEP_MAX_KEYS)
                return fprintf(stderr, "dcim sweep: error: too many --linked keys\n"), -1;
            a->linked[a->nlinked++] = v;
            return 1;
        }
        if (!strcmp(o, "--range")) {
            char *e1, *e2;
            double lo = strtod(rest, &e1), hi = *e1 == ':' ? strtod(e1 + 1, &e2) : 0;
            if (*e1 != ':' || *e2 || e1 == rest || e2 == e1 + 1 || a->nsk == CIM_SWEEP_MAX_KEYS) {
                fprintf(stderr, "dcim sweep: error: --range needs KEY=LO:HI, got '%s'\n", v);
                return -1;
            }
            int integer = !strpbrk(rest, ".eE");
            a->sk[a->nsk++] = (CimSweepSampleKey){.key = key, .lo = lo, .hi = hi, .integer = integer};
            return 1;
        }
        if (!(n = split_list(a, rest, &list)))
            return -1;
        if (!strcmp(o, "--choices")) {
            if (a->nsk == CIM_SWEEP_MAX_KEYS)
                return fprintf(stderr, "dcim sweep: error: too many sampled keys\n"), -1;
            a->sk[a->nsk++] = (CimSweepSampleKey){.key = key, .choices = list, .nchoices = n};
            return 1; /* list freed with the args */
        }
        CimStatus st = cim_sweep_def_add_grid(&a->d, key, list, n, diag);
        free(list);
        return st == CIM_OK ? 1 : -1;
    }
    return 0;
}

static int take_flag(Args *a, const char *o)
{
    if (!strcmp(o, "--compare"))
        a->d.command = CIM_SWEEP_COMPARE;
    else if (!strcmp(o, "--quiet"))
        a->quiet = 1;
    else if (!strcmp(o, "--retry-failed"))
        a->retry = 1;
    else if (!strcmp(o, "--submit"))
        a->submit = 1;
    else
        return 0;
    return 1;
}

/* 1 for the options followed by a value. */
static int takes_value(const char *o)
{
    static const char *const v[] = {"--run", "--analog", "--gpu", "--out", "--metric", "--pareto", "--set",
                                    "--jobs", "--slurm", "--sbatch", "--shard", "--seed", "--random", "--lhs",
                                    "--grid", "--linked", "--range", "--choices"};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (!strcmp(o, v[i]))
            return 1;
    return 0;
}

/* The --linked keys as one factor. */
static int add_linked(Args *a, CimDiag *diag)
{
    const char **lists[CIM_SWEEP_MAX_KEYS] = {0};
    const char *keys[CIM_SWEEP_MAX_KEYS];
    size_t len[CIM_SWEEP_MAX_KEYS], rc = 0;
    for (size_t k = 0; k < a->nlinked && !rc; k++) {
        const char *rest;
        keys[k] = key_of(a, "--linked", a->linked[k], &rest);
        rc = !keys[k] || !(len[k] = split_list(a, rest, &lists[k]));
        if (!rc && len[k] != len[0]) {
            fprintf(stderr, "dcim sweep: error: --linked %s has %zu values, %s has %zu: linked keys need lists of one length\n",
                    keys[k], len[k], keys[0], len[0]);
            rc = 1;
        }
    }
    CimSweepFactor *f = rc || !a->nlinked ? NULL : cim_sweep_def_add_factor(&a->d, "linked", a->nlinked, len[0]);
    if (!rc && a->nlinked && !f)
        rc = 1;
    for (size_t k = 0; f && k < a->nlinked; k++)
        for (size_t i = 0; i < len[0]; i++)
            rc |= cim_sweep_def_factor_set(f, i, k, keys[k], lists[k][i]) != CIM_OK;
    for (size_t k = 0; k < a->nlinked; k++)
        free(lists[k]);
    (void)diag;
    return rc ? -1 : 0;
}

/* 0 parsed; -1 message printed; > 0 the index of an argument that cannot be taken. */
static int parse(int argc, char **argv, Args *a, CimDiag *diag)
{
    for (int i = 1; i < argc; i++) {
        if (take_flag(a, argv[i]))
            continue;
        if (argv[i][0] == '-' && i + 1 < argc) {
            int t = take(a, argv[i], argv[i + 1], diag);
            if (t < 0)
                return -1;
            if (t > 0) {
                i++;
                continue;
            }
        }
        if (argv[i][0] == '-' || a->file)
            return i;
        a->file = argv[i];
    }
    return 0;
}

static void free_args(Args *a)
{
    for (size_t k = 0; k < a->nsk; k++)
        free((void *)a->sk[k].choices);
    for (size_t k = 0; k < a->nown; k++)
        free(a->own[k]);
    cim_sweep_def_free(&a->d);
}

/* The running binary's path, for the points and the SLURM scripts. */
static int self_exe(char *buf, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    return 0;
}

/* ---- SLURM ------------------------------------------------------------------------- */
static void sh_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++)
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    fputc('\'', f);
}

static int write_script(const char *path, void (*body)(FILE *, const void *), const void *ctx)
{
    char tmp[CIM_PATH_MAX + 200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    body(f, ctx);
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad || chmod(tmp, 0755) != 0 || rename(tmp, path) != 0) {
        remove(tmp);
        return -1;
    }
    return 0;
}

typedef struct {
    const Args *a;
    int argc;
    char **argv;
    const char *exe, *cwd, *out;
} Slurm;

/* The #SBATCH lines (all before the first command, where sbatch reads them) and the cd. */
static void common_head(FILE *f, const Slurm *s, const char *name, const char *log, unsigned array)
{
    fprintf(f, "#!/bin/sh\n# written by dcim sweep --slurm; definition SHA-256 %s\n", s->a->d.sha256);
    fprintf(f, "#SBATCH --job-name=%s\n#SBATCH --output=%s/slurm/%s\n#SBATCH --ntasks=1\n", name, s->out, log);
    if (array)
        fprintf(f, "#SBATCH --array=1-%u\n", array);
    for (size_t k = 0; k < s->a->nsbatch; k++)
        fprintf(f, "#SBATCH %s\n", s->a->sbatch[k]);
    fputs("cd ", f);
    sh_quote(f, s->cwd);
    fputs(" || exit 1\n", f);
}

/* Options that decide where and how this invocation runs, not what the sweep is. */
static int skip_arg(const char *o) { return !strcmp(o, "--slurm") || !strcmp(o, "--out") || !strcmp(o, "--sbatch") || !strcmp(o, "--shard"); }

static void array_body(FILE *f, const void *ctx)
{
    const Slurm *s = ctx;
    common_head(f, s, "dcim-sweep", "shard-%a.log", s->a->slurm);
    fputs("exec ", f);
    sh_quote(f, s->exe);
    fputs(" sweep", f);
    for (int i = 1; i < s->argc; i++) {
        if (skip_arg(s->argv[i]) && i + 1 < s->argc) {
            i++;
            continue;
        }
        if (!strcmp(s->argv[i], "--submit"))
            continue;
        fputc(' ', f);
        sh_quote(f, s->argv[i]);
    }
    fprintf(f, " --quiet --shard \"$SLURM_ARRAY_TASK_ID/%u\" --out ", s->a->slurm);
    sh_quote(f, s->out);
    fputs("/shards/\"$SLURM_ARRAY_TASK_ID\"\n", f);
}

static void merge_body(FILE *f, const void *ctx)
{
    const Slurm *s = ctx;
    common_head(f, s, "dcim-sweep-merge", "merge.log", 0);
    fputs("exec ", f);
    sh_quote(f, s->exe);
    fputs(" sweep merge ", f);
    sh_quote(f, s->out);
    for (unsigned i = 1; i <= s->a->slurm; i++) {
        fputc(' ', f);
        sh_quote(f, s->out);
        fprintf(f, "/shards/%u", i);
    }
    fputc('\n', f);
}

static void submit_body(FILE *f, const void *ctx)
{
    (void)ctx;
    fputs("#!/bin/sh\n# Submits the shard array, then the merge once every shard task has ended\n"
          "# (afterany: a shard with failed points still exits non-zero).\nset -e\ncd \"$(dirname \"$0\")\"\n"
          "array=$(sbatch --parsable sweep.sbatch)\narray=${array%%;*}\n"
          "merge=$(sbatch --parsable --dependency=afterany:$array merge.sbatch)\n"
          "echo \"submitted: shards job $array, merge job ${merge%%;*}\"\n",
          f);
}

static int write_slurm(const Args *a, int argc, char **argv, const char *exe, const char *out)
{
    char cwd[PATH_MAX], dir[CIM_PATH_MAX + 64], p[CIM_PATH_MAX + 96], absout[PATH_MAX + CIM_PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return fprintf(stderr, "dcim sweep: error: getcwd: %s\n", strerror(errno)), 1;
    if (out[0] == '/')
        snprintf(absout, sizeof absout, "%s", out);
    else
        snprintf(absout, sizeof absout, "%s/%s", cwd, out);
    Slurm s = {a, argc, argv, exe, cwd, absout};
    snprintf(dir, sizeof dir, "%s/slurm", out);
    if (cim_report_make_dirs(dir) != 0)
        return fprintf(stderr, "dcim sweep: error: cannot create %s: %s\n", dir, strerror(errno)), 1;
    struct {
        const char *name;
        void (*body)(FILE *, const void *);
    } files[] = {{"sweep.sbatch", array_body}, {"merge.sbatch", merge_body}, {"submit.sh", submit_body}};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i].name);
        if (write_script(p, files[i].body, &s) != 0)
            return fprintf(stderr, "dcim sweep: error: cannot write %s: %s\n", p, strerror(errno)), 1;
    }
    printf("slurm           %s/sweep.sbatch (%u shard tasks), %s/merge.sbatch, %s/submit.sh\n", dir, a->slurm, dir, dir);
    if (!a->submit)
        return 0;
    snprintf(p, sizeof p, "%s/submit.sh", dir);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", p, (char *)NULL);
        _exit(127);
    }
    int ws = 0;
    if (pid < 0 || waitpid(pid, &ws, 0) < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
        return fprintf(stderr, "dcim sweep: error: submitting with sbatch failed (%s)\n", p), 1;
    return 0;
}

/* ---- the commands ---------------------------------------------------------------------- */
static int exit_for(size_t failed) { return failed == 0 ? 0 : failed > 245 ? 255 : 10 + (int)failed; }

static int cli_sweep_merge(int argc, char **argv)
{
    if (argc < 3) {
        fputs("dcim sweep merge: error: needs OUT and at least one SHARD_DIR\n", stderr);
        fputs(usage, stderr);
        return 2;
    }
    CimDiag d;
    cim_diag_init(&d);
    size_t failed = 0;
    CimStatus st = cim_sweep_merge(argv[1], (const char *const *)argv + 2, (size_t)(argc - 2), &failed, &d);
    cim_diag_print(&d, stderr);
    cim_diag_free(&d);
    if (st != CIM_OK)
        return 1;
    printf("merged          %d shards into %s/sweep.csv, sweep.json, report.html; %zu points not ok\n", argc - 2, argv[1],
           failed);
    return exit_for(failed);
}

static int run_sweep(Args *a, int argc, char **argv, CimDiag *d)
{
    char exe[PATH_MAX];
    if (self_exe(exe, sizeof exe) != 0) {
        fprintf(stderr, "dcim sweep: error: cannot find the dcim binary (/proc/self/exe)\n");
        return 1;
    }
    const char *out = a->out ? a->out : a->d.out[0] ? a->d.out : "results/sweep";
    if (a->slurm)
        return write_slurm(a, argc, argv, exe, out);
    CimSweepExecOptions o = {.out = out, .exe = exe, .jobs = a->jobs ? a->jobs : 1, .shard = a->shard,
                             .nshards = a->nshards, .progress = !a->quiet, .retry_failed = a->retry,
                             .stop = cli_catch_stop()};
    CimSweepSummary sum;
    printf("sweep           %zu points (%s), definition %.16s; %s%s\n", a->d.npoints,
           a->d.command == CIM_SWEEP_RUN ? "dcim run" : "dcim compare", a->d.sha256, out,
           a->nshards ? " (a shard)" : "");
    fflush(stdout);
    CimStatus st = cim_sweep_exec(&a->d, &o, &sum, d);
    if (st != CIM_OK)
        return 1;
    printf("points          %zu here: %zu run now, %zu already complete, %zu not ok, %zu not run; %.1f s\n", sum.points,
           sum.ran, sum.skipped, sum.failed, sum.not_run, sum.wall_s);
    printf("results         %s/sweep.csv, %s/sweep.json, %s/report.html\n", out, out, out);
    if (sum.not_run)
        return 3;
    return exit_for(sum.failed);
}

int cli_sweep(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help")) {
            fputs(usage, stdout);
            return 0;
        }
    if (argc > 1 && !strcmp(argv[1], "merge"))
        return cli_sweep_merge(argc - 1, argv + 1);
    Args *a = calloc(1, sizeof *a);
    if (!a)
        return fprintf(stderr, "dcim sweep: error: out of memory\n"), 1;
    a->seed = 1;
    cim_sweep_def_init(&a->d);
    CimDiag d;
    cim_diag_init(&d);
    int rc = 0;
    /* the file first, so that options add to it */
    for (int i = 1; i < argc && !a->file; i++)
        if (argv[i][0] != '-')
            a->file = argv[i];
        else
            i += takes_value(argv[i]);
    if (a->file && cim_sweep_def_load(a->file, &a->d, &d) != CIM_OK)
        rc = 1;
    const char *file = a->file;
    a->file = NULL;
    int bad = rc ? 0 : parse(argc, argv, a, &d);
    if (!rc && bad > 0) {
        cli_usage_error(usage, argc, argv, bad, "sweep file", file);
        rc = 2;
    } else if (!rc && bad < 0)
        rc = 2;
    if (!rc && (a->nsk || a->method) && (!a->method || !a->nsk)) {
        fprintf(stderr, "dcim sweep: error: a sample needs --random N or --lhs N and at least one --range or --choices key\n");
        rc = 2;
    }
    if (!rc && a->submit && !a->slurm) {
        fprintf(stderr, "dcim sweep: error: --submit needs --slurm N\n");
        rc = 2;
    }
    if (!rc && a->method && cim_sweep_def_add_sample(&a->d, a->method, a->count, a->seed, a->sk, a->nsk, &d) != CIM_OK)
        rc = 1;
    if (!rc && add_linked(a, &d) != 0)
        rc = 1;
    if (!rc && cim_sweep_def_finish(&a->d, &d) != CIM_OK)
        rc = 1;
    cim_diag_print(&d, stderr);
    cim_diag_free(&d);
    cim_diag_init(&d);
    if (!rc)
        rc = run_sweep(a, argc, argv, &d);
    cim_diag_print(&d, stderr);
    cim_diag_free(&d);
    free_args(a);
    free(a);
    return rc;
}
