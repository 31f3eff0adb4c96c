/* dcim run RUN.yaml: compile, simulate and summarise a workload; results folder written. */
#include "workloads/cli/cli.h"
#include "workloads/run/pointcloud.h"
#include "workloads/report/html.h"
#include "workloads/run/job.h"
#include "workloads/run/provenance.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static const char usage[] =
    "usage: dcim run RUN.yaml [options]\n"
    "Loads the chip, network, weights and data named by the run file, prunes on chip (if\n"
    "enabled), compiles, programs the weights and runs the images; prints accuracy,\n"
    "operations executed and removed by pruning, cycles, latency, energy and area with\n"
    "breakdowns, and writes stats.json, layers.csv and report.html (charts, self-contained)\n"
    "into the run's results folder.\n"
    "  --weights FILE          safetensors with the network's PyTorch tensor names\n"
    "  --images N              number of images or point clouds (default: the run file's)\n"
    "  --data PATH             the data instead of the run file's: an MNIST IDX folder for an\n"
    "                          image network; for a point-cloud network an HDF5 file or a\n"
    "                          ModelNet folder of OFF meshes\n"
    "  --no-prune              do not prune\n"
    "  --pruned-filters MODE   reference (a pruned filter acts as all -1, as the reference\n"
    "                          code) or skip (outputs zero)\n"
    "  --fidelity F            fast (default) | program (every controller program on the\n"
    "                          cycle-stepped model) | cycle (SystemC) | reference (point-cloud\n"
    "                          networks: the host reference in C, no chip; the only one for them\n"
    "                          until the chip's int8 engine lands)\n"
    "  --out DIR               results folder\n"
    "  --json                  print the summary as JSON, with every image's prediction (point\n"
    "                          clouds: and label, and the pruned filters)\n"
    "  --set KEY=VALUE         any run./chip./tech. key, e.g. --set chip.array.rows=512\n"
    "  --vcd FILE              (fidelity cycle) write a VCD trace of the controller, the\n"
    "                          macros and the buffer, readable in GTKWave\n"
    "  --vcd-window A:B        trace only cycles [A, B) (keeps traces of long runs small)\n"
    "  --vcd-date              keep the wall-clock date in the VCD (by default the same run\n"
    "                          gives the same file); FILE.opcodes.txt and FILE.state.txt\n"
    "                          are GTKWave translate filters that name opcodes and states\n"
    "  --quiet                 no progress bar\n"
    "  --jobs N                threads for the images or point clouds, 1 to 1024 (default:\n"
    "                          the machine's cores; 1 for fidelity cycle and with device\n"
    "                          physics on); results are identical for every N\n"
    CLI_EXIT_TEXT;

enum { CLI_MAX_JOBS = 1024 }; /* threads: far above any machine's cores, below a typo's */

typedef struct {
    CliOverrides o;
    int json, quiet, vcd_date;
    unsigned jobs;
    const char *path, *vcd, *data;
    uint64_t vcd_start, vcd_end;
} Args;

/* 0 parsed; -1 a message was printed; else the index of the argument that cannot be taken
 * (argc: no run file). */
static int parse(int argc, char **argv, Args *a)
{
    static const char *const map[][2] = {{"--weights", "run.weights"},         {"--images", "run.data.images"},
                                         {"--pruned-filters", "run.pruned_filters"}, {"--out", "run.out"},
                                         {"--fidelity", "run.fidelity"}};
    for (int i = 1; i < argc; i++) {
        int t = cli_take_option(argc, argv, &i, map, sizeof map / sizeof map[0], &a->o);
        if (t < 0)
            return -1;
        if (t > 0)
            continue;
        if (strcmp(argv[i], "--no-prune") == 0) {
            if (cli_add_override(&a->o, "run.prune.enabled", "false") != 0)
                return -1;
        } else if (strcmp(argv[i], "--json") == 0)
            a->json = 1;
        else if (strcmp(argv[i], "--quiet") == 0)
            a->quiet = 1;
        else if (strcmp(argv[i], "--vcd-date") == 0)
            a->vcd_date = 1;
        else if (strcmp(argv[i], "--jobs") == 0 && i + 1 < argc) {
            unsigned n;
            char end;
            if (sscanf(argv[++i], "%u%c", &n, &end) != 1 || n < 1 || n > CLI_MAX_JOBS) {
                fprintf(stderr, "dcim run: error: --jobs needs an integer from 1 to %d, got '%s'\n", CLI_MAX_JOBS,
                        argv[i]);
                return -1;
            }
            a->jobs = n;
        } else if (strcmp(argv[i], "--vcd") == 0 && i + 1 < argc)
            a->vcd = argv[++i];
        else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            a->data = argv[++i];
        else if (strcmp(argv[i], "--vcd-window") == 0 && i + 1 < argc) {
            unsigned long long s0, s1;
            char end;
            if (sscanf(argv[++i], "%llu:%llu%c", &s0, &s1, &end) != 2 || s1 <= s0) {
                fprintf(stderr, "dcim run: error: --vcd-window needs A:B, cycles with A < B, got '%s'\n", argv[i]);
                return -1;
            }
            a->vcd_start = s0;
            a->vcd_end = s1;
        } else if (argv[i][0] != '-' && !a->path)
            a->path = argv[i];
        else
            return i;
    }
    return a->path ? 0 : argc;
}

/* A failed status without a message of its own, then every diagnostic; frees d. */
static void end_diag(CimStatus st, CimDiag *d)
{
    if (st != CIM_OK && !d->errors)
        fprintf(stderr, "dcim run: error: %s\n", cim_status_str(st));
    cim_diag_print(d, stderr);
    cim_diag_free(d);
}

/* A point-cloud network: the host reference (workloads/pointnet). */
static int run_pointcloud(const CimJobOptions *opts, const Args *a)
{
    CimResults res = {0};
    CimJobOptions o = *opts;
    o.results = &res;
    CimPnJob *job = calloc(1, sizeof *job);
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = job ? cim_pn_job_run(&o, a->data, job, &d) : CIM_ERR_NOMEM;
    int rc = 1;
    if (st == CIM_OK) {
        if (a->json)
            st = cim_pn_job_print_json(job, stdout);
        else
            cim_pn_job_print(job, stdout);
        if (st == CIM_OK)
            st = cim_pn_job_write(job, cim_results_staging(&res), &d);
        if (st == CIM_OK)
            st = cim_run_write_provenance(&job->run, &job->chip_cfg, a->path, cim_results_staging(&res), &d);
        if (st == CIM_OK)
            st = cim_results_commit(&res, &d);
        if (st == CIM_OK)
            fprintf(a->json ? stderr : stdout, "results         %s/stats.json, %s/layers.csv, %s/report.html\n",
                    job->run.out_dir, job->run.out_dir, job->run.out_dir);
        rc = st != CIM_OK || d.errors ? 1 : job->aborted ? 3 : 0;
    }
    cim_results_discard(&res);
    end_diag(st, &d);
    if (job)
        cim_pn_job_free(job);
    free(job);
    return rc;
}

int cli_run(int argc, char **argv)
{
    Args a = {.vcd_end = UINT64_MAX};
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        }
    if (cli_overrides_init(&a.o, argc) != 0)
        return 1;
    int bad = parse(argc, argv, &a);
    if (bad != 0) {
        if (bad > 0)
            cli_usage_error(usage, argc, argv, bad, "run file", a.path);
        cli_overrides_free(&a.o);
        return 2;
    }
    CimJobOptions o = {.run_path = a.path, .overrides = a.o.ov, .noverrides = a.o.n,
                       .progress = !a.quiet, .stop = cli_catch_stop(), .vcd_path = a.vcd,
                       .vcd_start = a.vcd_start, .vcd_end = a.vcd_end, .vcd_date = a.vcd_date, .jobs = a.jobs};
    int pointcloud = cim_pn_job_wanted(&o);
    if (pointcloud) {
        int rc = pointcloud > 0 ? run_pointcloud(&o, &a) : 1;
        if (pointcloud < 0)
            fprintf(stderr, "dcim run: error: %s\n", cim_status_str(CIM_ERR_NOMEM));
        cli_overrides_free(&a.o);
        return rc;
    }
    if (a.data && cli_add_override(&a.o, "run.data.dir", a.data) != 0) {
        cli_overrides_free(&a.o);
        return 1;
    }
    o.overrides = a.o.ov;
    o.noverrides = a.o.n;
    CimResults res = {0};
    o.results = &res;
    CimJob *job = calloc(1, sizeof *job);
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = job ? cim_job_run(&o, job, &d) : CIM_ERR_NOMEM;
    int rc = 1;
    if (st == CIM_OK) {
        if (a.json)
            st = cim_report_print_json(&job->report, stdout);
        else
            cim_report_print(&job->report, stdout);
        const char *stage = cim_results_staging(&res);
        job->report.provenance = cim_run_provenance(&job->run, &job->chip_cfg, NULL);
        job->report.invocation = cim_run_invocation(a.path, job->run.out_dir);
        if (!job->report.provenance || !job->report.invocation) {
            cim_diag_add(&d, CIM_SEV_ERROR, NULL, 0, 0, "out of memory while recording the provenance");
            st = CIM_ERR_NOMEM;
        }
        if (st == CIM_OK)
            st = cim_report_write(&job->report, stage, &d);
        if (st == CIM_OK)
            st = cim_html_write(&job->report, stage, &d);
        if (st == CIM_OK)
            st = cim_run_write_resolved(&job->run, &job->chip_cfg, stage, &d);
        if (st == CIM_OK)
            st = cim_results_commit(&res, &d);
        if (st == CIM_OK)
            fprintf(a.json ? stderr : stdout, "results         %s/stats.json, %s/layers.csv, %s/report.html\n",
                    job->run.out_dir, job->run.out_dir, job->run.out_dir);
        rc = st != CIM_OK || d.errors ? 1 : job->report.status == CIM_RUN_COMPLETE ? 0 : 3;
    }
    cim_results_discard(&res);
    end_diag(st, &d);
    if (job) {
        json_decref(job->report.provenance);
        json_decref(job->report.invocation);
        cim_job_free(job);
    }
    free(job);
    cli_overrides_free(&a.o);
    return rc;
}
