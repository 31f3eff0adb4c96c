/* dcim: entry point and subcommand dispatch. `dcim --help` lists the subcommands and
 * `dcim CMD --help` describes one. */
#include "workloads/cli/cli.h"
#include "workloads/run/job.h"
#include "workloads/run/kinds.h"
#include "workloads/run/pointcloud.h"
#include "workloads/prov/prov.h"
#include "workloads/sweep/sweep.h"

#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cli_version(int argc, char **argv);
static int cli_help(int argc, char **argv);

static const CliCommand commands[] = {
    {"run", "compile and simulate a workload; accuracy, operations, cycles, energy, area", cli_run},
    {"train", "in-situ training with on-chip pruning; checkpoints, resume", cli_train},
    {"margin", "sense margin and bit-error rate of every logic op (analytic + Monte Carlo)", cli_margin},
    {"compare", "the digital chip beside the analogue RRAM CIM and GPU baselines; reductions, sweeps", cli_compare},
    {"sweep", "a run or compare over config keys: grid, linked, samples; --jobs, shards, SLURM", cli_sweep},
    {"check", "validate a chip, technology, run or network file and report every error", cli_check},
    {"config-doc", "print the markdown key table of a config schema (the docs' key tables)", cli_config_doc},
    {"asm", "assemble a controller program (.s) into a binary program file", cli_asm},
    {"disasm", "disassemble a binary program file into assembly text", cli_disasm},
    {"version", "print the version", cli_version},
    {"help", "this list", cli_help},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static int cli_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("dcim %s: cycle-accurate simulator of a digital RRAM compute-in-memory chip\n\n"
           "usage: dcim COMMAND [ARGS...]     (dcim COMMAND --help for details)\n\ncommands:\n",
           DCIM_VERSION);
    for (size_t i = 0; i < NCOMMANDS; i++)
        printf("  %-10s %s\n", commands[i].name, commands[i].summary);
    printf("\n" CLI_EXIT_TEXT "Docs: README.md, docs/. Config keys: docs/config.md, docs/tech.md.\n");
    return 0;
}

static int cli_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    int dirty = cim_prov_dirty();
    printf("dcim %s\ngit commit %s%s\n", DCIM_VERSION, cim_prov_commit(),
           dirty > 0 ? " (uncommitted changes)" : dirty < 0 ? " (not built from a git checkout)" : "");
    return 0;
}

int cli_overrides_init(CliOverrides *o, int argc)
{
    size_t cap = argc > 0 ? (size_t)argc : 1;
    *o = (CliOverrides){.ov = calloc(cap, sizeof *o->ov), .own = calloc(cap, sizeof *o->own), .cap = cap};
    if (o->ov && o->own)
        return 0;
    fprintf(stderr, "dcim: error: out of memory\n");
    cli_overrides_free(o);
    return -1;
}

void cli_overrides_free(CliOverrides *o)
{
    for (size_t i = 0; o->own && i < o->nown; i++)
        free(o->own[i]);
    free(o->own);
    free(o->ov);
    *o = (CliOverrides){0};
}

int cli_take_override(int argc, char **argv, int *i, CliOverrides *o)
{
    if (strcmp(argv[*i], "--set") != 0)
        return 0;
    if (*i + 1 >= argc || !strchr(argv[*i + 1], '=')) {
        fprintf(stderr, "dcim %s: error: --set needs KEY=VALUE, e.g. --set chip.array.rows=128\n", argv[0]);
        return -1;
    }
    assert(o->n < o->cap && "cli_overrides_init makes room for every argument");
    o->ov[o->n++] = argv[++*i];
    return 1;
}

int cli_add_override(CliOverrides *o, const char *key, const char *value)
{
    size_t len = strlen(key) + strlen(value) + 2;
    char *item = malloc(len);
    if (!item) {
        fprintf(stderr, "dcim: error: out of memory\n");
        return -1;
    }
    snprintf(item, len, "%s=%s", key, value);
    assert(o->n < o->cap && o->nown < o->cap && "cli_overrides_init makes room for every argument");
    o->own[o->nown++] = item;
    o->ov[o->n++] = item;
    return 0;
}

int cli_take_option(int argc, char **argv, int *i, const char *const (*map)[2], size_t nmap, CliOverrides *o)
{
    int t = cli_take_override(argc, argv, i, o);
    if (t != 0)
        return t;
    for (size_t k = 0; k < nmap; k++)
        if (strcmp(argv[*i], map[k][0]) == 0) {
            if (*i + 1 >= argc) {
                fprintf(stderr, "dcim %s: error: option '%s' needs a value\n", argv[0], map[k][0]);
                return -1;
            }
            if (cli_add_override(o, map[k][1], argv[*i + 1]) != 0)
                return -1;
            ++*i;
            return 1;
        }
    return 0;
}

static volatile sig_atomic_t stop_flag;
static void on_stop(int sig)
{
    (void)sig;
    stop_flag = 1;
}

volatile sig_atomic_t *cli_catch_stop(void)
{
    signal(SIGINT, on_stop);
    signal(SIGTERM, on_stop);
    return &stop_flag;
}

int cli_parse_u64(const char *opt, const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || s[0] == '-') {
        fprintf(stderr, "dcim: error: %s needs a non-negative integer, got '%s'\n", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_load_chip(const char *path, const CliOverrides *o, CimChipCfg *cfg)
{
    CimDiag d;
    cim_diag_init(&d);
    CimOverrides ov = {.items = o->ov, .n = o->n};
    CimStatus st = cim_cfg_load_chip(path, &ov, cfg, &d);
    cim_diag_print(&d, stderr);
    cim_diag_free(&d);
    return st == CIM_OK ? 0 : -1;
}

/* A point-cloud run: run file, network and weights (the host reference has no mapping). */
static CimStatus check_pointcloud(const CimJobOptions *o, CimDiag *d)
{
    CimPnJob *j = calloc(1, sizeof *j);
    CimStatus st = j ? cim_pn_job_check(o, j, d) : CIM_ERR_NOMEM;
    if (j)
        cim_pn_job_free(j);
    free(j);
    return st;
}

/* A run file: compile its network for its chip (with the --set overrides) and print the
 * network's shapes, MACs and where each layer runs, then the mapping (no image runs). */
static CimStatus check_mapping(const char *path, const CliOverrides *ov)
{
    CimJobOptions o = {.run_path = path, .overrides = ov->ov, .noverrides = ov->n};
    int pointcloud = cim_pn_job_wanted(&o);
    CimJob *j = pointcloud ? NULL : calloc(1, sizeof *j);
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = pointcloud > 0 ? check_pointcloud(&o, &d) : j ? cim_job_check(&o, j, &d) : CIM_ERR_NOMEM;
    cim_diag_print(&d, stderr);
    if (st != CIM_OK && !d.errors)
        fprintf(stderr, "dcim check: error: %s\n", cim_status_str(st));
    cim_diag_free(&d);
    if (st == CIM_OK && j) {
        cim_report_print_network(&j->net, &j->cc, stdout);
        cim_report_print_mapping(&j->report, stdout);
    }
    if (j)
        cim_job_free(j);
    free(j);
    return st;
}

static const char check_usage[] =
    "usage: dcim check FILE.yaml [--set KEY=VALUE]...\n"
    "Validates a chip (chip:), technology (tech:), run (run:), network (network:),\n"
    "analogue baseline (analog:), GPU baseline (gpu:) or sweep (sweep:, docs/sweep.md: its\n"
    "points are counted, none runs) file and prints every error as\n"
    "file:line:col: error: message. Exit status 1 if there is any. A run file is also\n"
    "compiled for its chip (no image runs): the network is printed (per layer its shapes,\n"
    "MACs, pruned filters and whether it runs on the chip or the host), then the mapping\n"
    "(per chip layer the regions, macros, rounds and cells), or the error naming what does\n"
    "not fit. --set (run files only) overrides run., chip. or tech. keys for that compile,\n"
    "e.g.\n"
    "--set chip.macros=4 --set chip.mapping.split=auto.\n";

/* 1 when path is a YAML file whose top-level mapping has a `sweep:` key. */
static int is_sweep_file(const char *path)
{
    CimDoc *doc = NULL;
    CimDiag d;
    cim_diag_init(&d);
    int yes = cim_doc_load(path, NULL, &doc, &d) == CIM_OK && cim_doc_get(cim_doc_root(doc), "sweep") != NULL;
    cim_doc_free(doc);
    cim_diag_free(&d);
    return yes;
}

/* A sweep file: its definition checked and its points counted (none runs). */
static int check_sweep(const char *path)
{
    CimSweepDef def;
    CimDiag d;
    cim_sweep_def_init(&def);
    cim_diag_init(&d);
    CimStatus st = cim_sweep_def_load(path, &def, &d);
    if (st == CIM_OK)
        st = cim_sweep_def_finish(&def, &d);
    cim_diag_print(&d, stderr);
    cim_diag_free(&d);
    if (st == CIM_OK)
        printf("sweep: %zu points over %zu keys, definition SHA-256 %s\nok: %s\n", def.npoints, def.nkeys, def.sha256,
               path);
    cim_sweep_def_free(&def);
    return st == CIM_OK ? 0 : 1;
}

/* 0 with the file checked (and a run file's mapping printed), 1 errors, 2 usage. */
static int check_file(const char *path, const CliOverrides *ov)
{
    if (is_sweep_file(path)) {
        if (ov->n) {
            fprintf(stderr, "dcim check: error: --set applies to run files only\n%s", check_usage);
            return 2;
        }
        return check_sweep(path);
    }
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_run_check_file(path, &d);
    cim_diag_print(&d, stderr);
    if (st != CIM_OK && !d.errors)
        fprintf(stderr, "dcim check: error: %s: %s\n", path, cim_status_str(st));
    cim_diag_free(&d);
    if (st != CIM_OK)
        return 1;
    cim_diag_init(&d);
    st = cim_run_cfg_check(path, &d); /* a run file loads as one; another kind is refused */
    cim_diag_free(&d);
    if (st == CIM_ERR_NOMEM || st == CIM_ERR_IO) { /* not an answer to "is it a run file?" */
        fprintf(stderr, "dcim check: error: %s: %s\n", path, cim_status_str(st));
        return 1;
    }
    int is_run = st == CIM_OK;
    if (!is_run && ov->n) {
        fprintf(stderr, "dcim check: error: --set applies to run files only\n%s", check_usage);
        return 2;
    }
    if (is_run && check_mapping(path, ov) != CIM_OK)
        return 1;
    printf("ok: %s\n", path);
    return 0;
}

int cli_check(int argc, char **argv)
{
    const char *path = NULL;
    CliOverrides ov;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0) {
            fputs(check_usage, stdout);
            return 0;
        }
    if (cli_overrides_init(&ov, argc) != 0)
        return 1;
    int bad = 0;
    for (int i = 1; i < argc && !bad; i++) {
        int t = cli_take_override(argc, argv, &i, &ov);
        if (t < 0 || (t == 0 && (argv[i][0] == '-' || path)))
            bad = 1;
        else if (t == 0)
            path = argv[i];
    }
    if (bad || !path) {
        fputs(check_usage, stderr);
        cli_overrides_free(&ov);
        return 2;
    }
    int rc = check_file(path, &ov);
    cli_overrides_free(&ov);
    return rc;
}

/* "chip, tech, run, analog, gpu": the kinds with a key table, separated by sep, into buf. */
static const char *schema_kinds(const char *sep, char *buf, size_t len)
{
    size_t n, o = 0;
    const CimCfgKind *k = cim_run_kinds(&n);
    buf[0] = '\0';
    for (size_t i = 0; i < n && o < len; i++) {
        if (!k[i].schema)
            continue;
        int w = snprintf(buf + o, len - o, "%s%s", o ? sep : "", k[i].key);
        if (w < 0)
            break;
        o += (size_t)w;
    }
    return buf;
}

int cli_config_doc(int argc, char **argv)
{
    char kinds[128];
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        printf("%s\n", schema_kinds("\n", kinds, sizeof kinds));
        return 0;
    }
    schema_kinds(", ", kinds, sizeof kinds);
    if (argc != 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc == 2 ? stdout : stderr,
                "usage: dcim config-doc KIND      (KIND: %s)\n"
                "       dcim config-doc --list    (the kinds, one per line)\n"
                "Prints the markdown key table of a file kind's schema: key, type, range, unit,\n"
                "default, choices and description, all read from the table the loader checks files\n"
                "against. docs/config.md, docs/tech.md and docs/energy.md hold these tables between\n"
                "'<!-- dcim config-doc KIND -->' and '<!-- end -->' lines; make docs rewrites them and\n"
                "make test fails when one differs.\n",
                kinds);
        return argc == 2 ? 0 : 2;
    }
    const CimCfgKind *k = cim_run_kind(argv[1]);
    if (!k || !k->schema) {
        fprintf(stderr, "dcim config-doc: error: %s '%s'; expected one of: %s\n",
                k ? "no key table for file kind" : "unknown file kind", argv[1], kinds);
        return 2;
    }
    cim_cfg_write_table(k->schema, stdout);
    return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    /* A write past a file-size limit (ulimit -f) fails with EFBIG and is reported like a
     * full disk, instead of killing the process mid-write */
    signal(SIGXFSZ, SIG_IGN);
    cim_prov_set_argv(argc, argv);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cli_help(argc, argv) == 0 && argc < 2 ? 2 : 0;
    if (strcmp(argv[1], "--version") == 0)
        return cli_version(argc, argv);
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    const char *names[NCOMMANDS];
    for (size_t i = 0; i < NCOMMANDS; i++)
        names[i] = commands[i].name;
    const char *near = cim_suggest(argv[1], names, NCOMMANDS);
    fprintf(stderr, "dcim: error: unknown command '%s'; ", argv[1]);
    if (near)
        fprintf(stderr, "did you mean '%s'? ", near);
    fprintf(stderr, "expected one of:");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(stderr, "%s %s", i ? "," : "", commands[i].name);
    fprintf(stderr, "\n");
    return 2;
}
