/* dcim compare RUN.yaml: the digital chip beside the analogue RRAM CIM and GPU baselines on the
 * same work, the reductions beside the paper's, sweeps over config keys; results folder. */
#include "workloads/cli/cli.h"
#include "workloads/run/provenance.h"
#include "workloads/compare/compare.h"
#include "workloads/report/html.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_AXES 4

static const char usage[] =
    "usage: dcim compare RUN.yaml [options]\n"
    "Runs the workload on the digital chip, evaluates the analogue RRAM CIM baseline on the same\n"
    "network, weights and images (bit-true ADC read-out for its accuracy, activity counted for its\n"
    "costs) and the GPU baseline (model, or measured power samples if the GPU file has them), and\n"
    "prints area, energy and latency per inference, TOPS/W and TOPS/mm2 (1 MAC = 2 ops, MACs of\n"
    "the whole network), accuracy, component breakdowns and the reductions beside the paper's\n"
    "(the same work on every side: each chip's conv layers plus the other layers on a host\n"
    "processor model; the chips' conv layers alone as a breakdown), the chip's write wear\n"
    "and lifetime; MNIST and point-cloud (PointNet++) run files\n"
    "(arXiv 2506.13151 v1). Writes compare.json and report.html into RUN's results folder +\n"
    "/compare (or --out).\n"
    "  --analog FILE           analogue baseline (default: configs/baselines/analog_180nm.yaml)\n"
    "  --gpu FILE              GPU baseline (default: configs/baselines/rtx4090.yaml)\n"
    "  --tech FILE             the chip's technology file instead of its chip file's (e.g.\n"
    "                          configs/tech/22nm_1t1r.yaml, with --analog\n"
    "                          configs/baselines/analog_22nm.yaml for the baseline at that node)\n"
    "  --host FILE             host processor for the layers neither chip runs\n"
    "                          (default: configs/baselines/cortex_m4f.yaml)\n"
    "  --images N              images for both chips (default: the run file's, at most 1000)\n"
    "  --out DIR               results folder\n"
    "  --json                  print the comparison as JSON\n"
    "  --set KEY=VALUE         run.* chip.* tech.* go to the digital run, analog.* gpu.* host.* to\n"
    "                          the baselines, e.g. --set analog.adc.bits=6\n"
    "  --sweep KEY=V1,V2,...   rerun for each value and tabulate the reductions, e.g.\n"
    "                          --sweep analog.adc.bits=4,5,6,7,8 (repeat for a grid, up to 4 keys)\n"
    "  --corner NAME           apply a named assumption set (its keys as --set, before yours)\n"
    "  --corners all|N1,N2,... rerun for each corner and print the paper's claims beside dcim's\n"
    "                          in each, and the corners in which each holds\n"
    "  --corners-file FILE     the corners (default: configs/corners.yaml beside the run file's\n"
    "                          configs folder)\n"
    "  --quiet                 no progress\n"
    CLI_EXIT_TEXT;

typedef struct {
    CliOverrides o;
    const char *path, *analog, *gpu, *host, *out;
    const char *corner, *corners, *corners_file;
    const char *sweep[MAX_AXES];
    size_t nsweep;
    uint64_t images;
    int json, quiet;
    char *analog_own, *gpu_own, *host_own; /* default baseline paths, when not given */
    char *corners_own;
    CimCorners cs;
    const char **ov_all; /* a --corner's keys, then the command line's */
} Args;

/* parse_one's answers: taken, a message was printed, argv[*i] cannot be taken. */
enum { TAKEN = 0, PRINTED = -1, BAD = 1 };

static int take_value(int argc, char **argv, int *i, const char **dst)
{
    if (*i + 1 >= argc)
        return BAD;
    *dst = argv[++*i];
    return TAKEN;
}

static int parse_one(int argc, char **argv, int *i, Args *a)
{
    const char *s = argv[*i], *v;
    if (!strcmp(s, "--analog"))
        return take_value(argc, argv, i, &a->analog);
    if (!strcmp(s, "--gpu"))
        return take_value(argc, argv, i, &a->gpu);
    if (!strcmp(s, "--host"))
        return take_value(argc, argv, i, &a->host);
    if (!strcmp(s, "--out"))
        return take_value(argc, argv, i, &a->out);
    if (!strcmp(s, "--tech")) {
        /* chip.tech=PATH, made absolute: a chip.tech value is read relative to the chip file */
        if (take_value(argc, argv, i, &v) != TAKEN)
            return BAD;
        char cwd[CIM_PATH_MAX], abs[2 * CIM_PATH_MAX + 2];
        if (access(v, R_OK) != 0 || (v[0] != '/' && !getcwd(cwd, sizeof cwd))) {
            fprintf(stderr, "dcim compare: error: --tech '%s': cannot read file\n", v);
            return PRINTED;
        }
        snprintf(abs, sizeof abs, "%s%s%s", v[0] == '/' ? "" : cwd, v[0] == '/' ? "" : "/", v);
        return cli_add_override(&a->o, "chip.tech", abs) == 0 ? TAKEN : PRINTED;
    }
    if (!strcmp(s, "--corner"))
        return take_value(argc, argv, i, &a->corner);
    if (!strcmp(s, "--corners"))
        return take_value(argc, argv, i, &a->corners);
    if (!strcmp(s, "--corners-file"))
        return take_value(argc, argv, i, &a->corners_file);
    if (!strcmp(s, "--images")) {
        if (take_value(argc, argv, i, &v) != TAKEN)
            return BAD;
        if (cli_parse_u64("--images", v, &a->images) != 0)
            return PRINTED;
        if (a->images == 0)
            fprintf(stderr, "dcim compare: error: --images must be at least 1\n");
        return a->images == 0 ? PRINTED : TAKEN;
    }
    if (!strcmp(s, "--sweep")) {
        if (a->nsweep == MAX_AXES) {
            fprintf(stderr, "dcim compare: error: at most %d --sweep keys\n", MAX_AXES);
            return PRINTED;
        }
        return take_value(argc, argv, i, &a->sweep[a->nsweep++]);
    }
    if (!strcmp(s, "--json") || !strcmp(s, "--quiet")) {
        *(s[2] == 'j' ? &a->json : &a->quiet) = 1;
        return TAKEN;
    }
    if (s[0] != '-' && !a->path) {
        a->path = s;
        return TAKEN;
    }
    return BAD;
}

/* 0 parsed; -1 a message was printed; else the index of the argument that cannot be taken
 * (argc: no run file). */
static int parse(int argc, char **argv, Args *a)
{
    for (int i = 1; i < argc; i++) {
        int t = cli_take_override(argc, argv, &i, &a->o);
        if (t < 0)
            return -1;
        if (t > 0)
            continue;
        t = parse_one(argc, argv, &i, a);
        if (t != TAKEN)
            return t == PRINTED ? -1 : i;
    }
    return a->path ? 0 : argc;
}

/* A baseline file next to the run file's folder (configs/runs/X.yaml -> configs/baselines/),
 * else under the working directory; the path is allocated (NULL: out of memory). */
static char *default_baseline(const char *run_path, const char *name)
{
    const char *slash = strrchr(run_path, '/');
    int dir = slash ? (int)(slash - run_path) : 1;
    size_t len = (size_t)dir + strlen(name) + sizeof "/../baselines/" + sizeof "configs/baselines/";
    char *buf = malloc(len);
    if (!buf)
        return NULL;
    snprintf(buf, len, "%.*s/../baselines/%s", dir, slash ? run_path : ".", name);
    cim_path_normalise(buf, buf, len); /* as messages print it: configs/baselines/NAME */
    if (access(buf, R_OK) != 0)
        snprintf(buf, len, "configs/baselines/%s", name);
    return buf;
}

/* Results: compare.json and report.html (of the first point when sweeping), staged in the
 * results folder the run began (--out, or the run's folder's compare/) and moved in as a set. */
static int write_results(const Args *a, CimCompare *c, const CimSweepResult *sw, CimResults *res, CimDiag *d)
{
    const char *stage = cim_results_staging(res);
    CimCompare *cw = c; /* the provenance blocks hang off the digital run's report */
    const CimProvCfg extra[] = {{&cim_analog_schema, &c->analog}, {&cim_gpu_schema, &c->gpu}, {NULL, NULL}};
    const CimRunCfg *run = cim_compare_run_cfg(c);
    const CimChipCfg *chip = cim_compare_chip_cfg(c);
    cw->job.report.provenance = cim_run_provenance(run, chip, extra);
    cw->job.report.invocation = cim_run_invocation(a->path, res->dir);
    int oom = !cw->job.report.provenance || !cw->job.report.invocation;
    if (oom)
        cim_diag_add(d, CIM_SEV_ERROR, NULL, 0, 0, "out of memory while recording the provenance");
    int rc = oom || cim_compare_write_json(c, sw, stage, d) != CIM_OK || cim_compare_html_write(c, sw, stage, d) != CIM_OK ||
                     cim_run_write_resolved(run, chip, stage, d) != CIM_OK ||
                     cim_results_commit(res, d) != CIM_OK
                 ? -1
                 : 0;
    json_decref(cw->job.report.provenance);
    json_decref(cw->job.report.invocation);
    cw->job.report.provenance = cw->job.report.invocation = NULL;
    if (rc == 0)
        fprintf(a->json ? stderr : stdout, "\nresults                %s/compare.json, %s/report.html\n", res->dir,
                res->dir);
    return rc;
}

static CimStatus run_sweep(const Args *a, const CimCompareOptions *o, CimCompare *c, CimSweepResult *sw, CimDiag *d)
{
    CimSweepAxis axes[MAX_AXES + 1];
    size_t n = 0;
    CimStatus st = CIM_OK;
    if (a->corners) /* the corners first: axis 0 */
        st = cim_corners_axis(&a->cs, a->corners, &axes[n++], d);
    for (size_t k = 0; k < a->nsweep && st == CIM_OK; k++, n++)
        st = cim_sweep_parse(a->sweep[k], &axes[n], d);
    if (st != CIM_OK && n)
        n--; /* the failed axis holds nothing */
    if (st == CIM_OK)
        st = cim_sweep_run(o, axes, n, sw, c, d);
    if (st == CIM_OK && !a->json) {
        cim_compare_print(c, stdout);
        cim_sweep_print(sw, stdout);
        cim_claims_print(sw, &c->paper, stdout);
    } else if (st == CIM_OK) {
        cim_compare_print_json(c, sw, stdout);
    }
    if (st == CIM_OK && write_results(a, c, sw, o->results, d) != 0)
        st = CIM_ERR_IO;
    for (size_t i = 0; i < n; i++)
        cim_sweep_free(&axes[i]);
    return st;
}

static CimStatus run_once(const Args *a, const CimCompareOptions *o, CimCompare *c, CimDiag *d)
{
    CimStatus st = cim_compare_run(o, c, d);
    if (st != CIM_OK)
        return st;
    if (a->json)
        cim_compare_print_json(c, NULL, stdout);
    else
        cim_compare_print(c, stdout);
    return write_results(a, c, NULL, o->results, d) == 0 ? CIM_OK : CIM_ERR_IO;
}

/* The corners file: --corners-file, else configs/corners.yaml beside the run file's configs
 * folder, else under the working directory. */
static int load_corners(Args *a, CimDiag *d)
{
    const char *path = a->corners_file;
    if (!path) {
        /* configs/runs/X.yaml -> configs/baselines/../corners.yaml, else under the working directory */
        a->corners_own = default_baseline(a->path, "../corners.yaml");
        path = a->corners_own;
    }
    if (!path || cim_corners_load(path, &a->cs, d) != CIM_OK)
        return -1;
    if (!a->corner)
        return 0;
    const CimCorner *k;
    if (cim_corners_lookup(&a->cs, a->corner, &k, d) != CIM_OK)
        return -1;
    if (!(a->ov_all = calloc(k->nset + a->o.n + 1, sizeof *a->ov_all)))
        return -1;
    for (size_t i = 0; i < k->nset; i++)
        a->ov_all[i] = k->set[i];
    for (size_t i = 0; i < a->o.n; i++)
        a->ov_all[k->nset + i] = a->o.ov[i];
    return 0;
}

/* Runs the parsed command into c; the exit status. */
static int run_compare(Args *a, CimCompare *c)
{
    a->analog_own = a->analog ? NULL : default_baseline(a->path, "analog_180nm.yaml");
    a->gpu_own = a->gpu ? NULL : default_baseline(a->path, "rtx4090.yaml");
    a->host_own = a->host ? NULL : default_baseline(a->path, "cortex_m4f.yaml");
    if ((!a->analog && !a->analog_own) || (!a->gpu && !a->gpu_own) || (!a->host && !a->host_own)) {
        fprintf(stderr, "dcim compare: error: out of memory\n");
        return 1;
    }
    if (a->corner && a->corners) {
        fprintf(stderr, "dcim compare: error: --corner and --corners cannot be combined (--corners %s runs each "
                        "corner; --corner %s applies one)\n", a->corners, a->corner);
        return 2;
    }
    CimResults res = {0};
    CimCompareOptions o = {
        .run_path = a->path,
        .analog_path = a->analog ? a->analog : a->analog_own,
        .gpu_path = a->gpu ? a->gpu : a->gpu_own,
        .host_path = a->host ? a->host : a->host_own,
        .overrides = a->o.ov,
        .noverrides = a->o.n,
        .images = a->images,
        .progress = !a->quiet,
        .stop = cli_catch_stop(),
        .results = &res,
        .results_dir = a->out,
        .results_sub = a->out ? NULL : "compare",
    };
    CimDiag d;
    cim_diag_init(&d);
    CimSweepResult sw = {0};
    CimStatus st = CIM_OK;
    if ((a->corner || a->corners) && load_corners(a, &d) != 0)
        st = CIM_ERR_CONFIG;
    if (a->ov_all) {
        o.overrides = a->ov_all;
        o.noverrides += cim_corners_find(&a->cs, a->corner)->nset;
    }
    if (st == CIM_OK)
        st = a->nsweep || a->corners ? run_sweep(a, &o, c, &sw, &d) : run_once(a, &o, c, &d);
    int rc = st == CIM_OK ? (c->status == CIM_RUN_COMPLETE ? 0 : 3) : 1;
    if (st != CIM_OK && !d.errors)
        fprintf(stderr, "dcim compare: error: %s\n", cim_status_str(st));
    cim_results_discard(&res);
    cim_diag_print(&d, stderr);
    cim_diag_free(&d);
    cim_sweep_result_free(&sw);
    cim_compare_free(c);
    return rc;
}

/* --help's list of corners, read from the corners file (--corners-file, else
 * configs/corners.yaml under the working directory). */
static void print_corners(int argc, char **argv)
{
    const char *path = "configs/corners.yaml";
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--corners-file"))
            path = argv[i + 1];
    CimCorners cs;
    CimDiag d;
    cim_diag_init(&d);
    if (cim_corners_load(path, &cs, &d) != CIM_OK) {
        printf("Corners: %s cannot be read (run from the repository root, or give --corners-file)\n", path);
        cim_diag_free(&d);
        return;
    }
    printf("Corners (%s; keys and sources: docs/energy.md, \"Corners\"):\n", path);
    for (size_t i = 0; i < cs.n; i++)
        printf("  %-22s  %s\n", cs.v[i].name, cs.v[i].description);
    cim_corners_free(&cs);
    cim_diag_free(&d);
}

int cli_compare(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help")) {
            fputs(usage, stdout);
            print_corners(argc, argv);
            return 0;
        }
    Args *a = calloc(1, sizeof *a);
    CimCompare *c = calloc(1, sizeof *c);
    int rc = 1, bad;
    if (!a || !c)
        fprintf(stderr, "dcim compare: error: out of memory\n");
    else if (cli_overrides_init(&a->o, argc) == 0 && (bad = parse(argc, argv, a)) != 0) {
        if (bad > 0)
            cli_usage_error(usage, argc, argv, bad, "run file", a->path);
        rc = 2;
    } else if (a->o.ov)
        rc = run_compare(a, c);
    if (a) {
        cli_overrides_free(&a->o);
        free(a->analog_own);
        free(a->gpu_own);
        free(a->host_own);
        free(a->corners_own);
        free(a->ov_all);
        cim_corners_free(&a->cs);
    }
    free(a);
    free(c);
    return rc;
}
