/* dcim margin CHIP.yaml: the sense-margin and bit-error-rate table of every read-based
 * operation, analytic and Monte Carlo, for the chip's device distributions. */
#include "models/margin/margin.h"
#include "workloads/cli/cli.h"
#include "workloads/report/progress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: dcim margin CHIP.yaml [--samples N] [--seed S] [--set KEY=VALUE]... [--json] [--quiet]\n"
    "For each read-based operation (single-row read, gated read, dual-row OR/AND/XOR/NAND/\n"
    "NOR/XNOR): the nominal current levels it must tell apart, its references, the sense\n"
    "margin, and the bit-error rate: analytic (numerical integration over the log-normal\n"
    "cell distributions and read noise) and Monte Carlo on the array model. Also the\n"
    "write failure rate with write-verify. Device parameters come from the technology\n"
    "file; try --set tech.device.sigma_ln_on=0.5 or --set tech.device.r_off_ohm=30000.\n"
    "  --samples N   Monte Carlo output bits per operation (default 200000)\n"
    "  --seed S      Monte Carlo seed (default: the chip's physics.seed)\n"
    "  --json        print the table as JSON\n"
    "  --quiet       no progress\n";

/* "0 (0/200000, < 1.5e-05 at 95%)" or "3.1e-03 (620/200000)" */
static void fmt_mc(char *buf, size_t len, uint64_t err, uint64_t n)
{
    if (err == 0)
        snprintf(buf, len, "0 (< %.1e, 95%%)", 3.0 / (double)n);
    else
        snprintf(buf, len, "%.2e", (double)err / (double)n);
}

static void print_levels(const CimMarginRow *r, char *buf, size_t len)
{
    size_t used = 0;
    for (unsigned k = 0; k < r->nlevels; k++)
        used += (size_t)snprintf(buf + used, len - used, "%s%.3f", k ? " | " : "", r->level_ua[k]);
}

static void print_table(const CimChipCfg *cfg, const char *path, const CimMarginReport *rep)
{
    const CimDeviceCfg *d = &cfg->tech.device;
    printf("dcim margin: %s (tech %s, %ux%u cells)\n", path, cfg->tech.name, cfg->array.rows, cfg->array.cols);
    printf("device: R_on %.4g ohm (sigma_ln %.3g), R_off %.4g ohm (sigma_ln %.3g), read noise %.3g%%, "
           "V_read %.3g V, stuck-at-0 %.3g, stuck-at-1 %.3g\n",
           d->r_on_ohm, d->sigma_ln_on, d->r_off_ohm, d->sigma_ln_off, 100 * d->read_noise_rel,
           d->v_read_v, d->stuck_at_0_rate, d->stuck_at_1_rate);
    printf("references at %.0f%% / %.0f%% / %.0f%% of the level gaps (read / low / high)\n\n",
           100 * cfg->sense.ref_read_frac, 100 * cfg->sense.ref_low_frac, 100 * cfg->sense.ref_high_frac);
    printf("%-6s %-28s %-18s %-17s %-12s %-24s %s\n", "op", "levels (uA)", "refs (uA)",
           "margin uA (gap)", "BER analytic", "BER Monte Carlo", "errors/samples");
    for (int i = 0; i < CIM_MARGIN_ROWS; i++) {
        const CimMarginRow *r = &rep->rows[i];
        char lv[64], refs[40], mc[40], m[32];
        print_levels(r, lv, sizeof lv);
        if (r->nrefs == 2)
            snprintf(refs, sizeof refs, "%.3f %.3f", r->ref_ua[0], r->ref_ua[1]);
        else
            snprintf(refs, sizeof refs, "%.3f", r->ref_ua[0]);
        snprintf(m, sizeof m, "%.3f (%.0f%%)", r->margin_ua, 100 * r->margin_rel);
        fmt_mc(mc, sizeof mc, r->mc_errors, r->mc_samples);
        printf("%-6s %-28s %-18s %-17s %-12.2e %-24s %llu/%llu\n", r->name, lv, refs, m, r->ber_analytic,
               mc, (unsigned long long)r->mc_errors, (unsigned long long)r->mc_samples);
    }
    char mc[40];
    fmt_mc(mc, sizeof mc, rep->write.mc_errors, rep->write.mc_samples);
    printf("\nwrite: failure %.3g per pulse, up to %u pulse%s%s: analytic %.2e, Monte Carlo %s (%llu/%llu)\n",
           rep->write.fail_per_pulse, rep->write.max_pulses, rep->write.max_pulses == 1 ? "" : "s",
           cfg->write.verify ? " with verify" : " (verify off)", rep->write.ber_analytic, mc,
           (unsigned long long)rep->write.mc_errors, (unsigned long long)rep->write.mc_samples);
    printf("Monte Carlo seed %llu; read rows use cells as programmed (write failures excluded), "
           "inputs uniformly random.\n", (unsigned long long)rep->seed);
}

static void print_json(const CimChipCfg *cfg, const CimMarginReport *rep)
{
    printf("{\"tech\": \"%s\", \"seed\": %llu, \"ops\": [", cfg->tech.name, (unsigned long long)rep->seed);
    for (int i = 0; i < CIM_MARGIN_ROWS; i++) {
        const CimMarginRow *r = &rep->rows[i];
        printf("%s{\"op\": \"%s\", \"levels_ua\": [", i ? ", " : "", r->name);
        for (unsigned k = 0; k < r->nlevels; k++)
            printf("%s%.6g", k ? ", " : "", r->level_ua[k]);
        printf("], \"refs_ua\": [");
        for (unsigned k = 0; k < r->nrefs; k++)
            printf("%s%.6g", k ? ", " : "", r->ref_ua[k]);
        printf("], \"margin_ua\": %.6g, \"margin_rel\": %.6g, \"ber_analytic\": %.6e, "
               "\"mc_errors\": %llu, \"mc_samples\": %llu}",
               r->margin_ua, r->margin_rel, r->ber_analytic, (unsigned long long)r->mc_errors,
               (unsigned long long)r->mc_samples);
    }
    printf("], \"write\": {\"fail_per_pulse\": %.6e, \"max_pulses\": %u, \"ber_analytic\": %.6e, "
           "\"mc_errors\": %llu, \"mc_samples\": %llu}}\n",
           rep->write.fail_per_pulse, rep->write.max_pulses, rep->write.ber_analytic,
           (unsigned long long)rep->write.mc_errors, (unsigned long long)rep->write.mc_samples);
}

typedef struct {
    CliOverrides o;
    const char *path;
    uint64_t samples, seed;
    int json, have_seed, quiet;
} Args;

/* 0 parsed, 1 --help printed, 2 usage error (printed). */
static int parse(int argc, char **argv, Args *a)
{
    for (int i = 1; i < argc; i++) {
        int t = cli_take_override(argc, argv, &i, &a->o);
        if (t < 0)
            return 2;
        if (t > 0)
            continue;
        if (strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            return 1;
        } else if (strcmp(argv[i], "--json") == 0) {
            a->json = 1;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            a->quiet = 1;
        } else if ((strcmp(argv[i], "--samples") == 0 || strcmp(argv[i], "--seed") == 0) && i + 1 < argc) {
            int is_seed = argv[i][2] == 's' && argv[i][3] == 'e';
            if (cli_parse_u64(argv[i], argv[i + 1], is_seed ? &a->seed : &a->samples) != 0)
                return 2;
            a->have_seed |= is_seed;
            i++;
        } else if (argv[i][0] != '-' && !a->path) {
            a->path = argv[i];
        } else {
            cli_usage_error(usage, argc, argv, i, "chip file", a->path);
            return 2;
        }
    }
    if (!a->path)
        cli_usage_error(usage, argc, argv, argc, "chip file", NULL);
    else if (a->samples == 0)
        fprintf(stderr, "dcim margin: error: --samples must be at least 1\n%s", usage);
    if (!a->path || a->samples == 0)
        return 2;
    return 0;
}

static int run_margin(const Args *a)
{
    CimChipCfg *cfg = malloc(sizeof *cfg);
    CimMarginReport *rep = malloc(sizeof *rep);
    int rc = 1;
    if (cfg && rep && cli_load_chip(a->path, &a->o, cfg) == 0) {
        CimProgressBar bar;
        cim_progress_bar_init(&bar, "monte carlo", !a->quiet);
        CimProgress pr = cim_progress_bar(&bar);
        CimStatus st = cim_margin_run(cfg, a->samples, a->have_seed ? a->seed : cfg->physics.seed, NULL, &pr, rep);
        if (st == CIM_OK) {
            if (a->json)
                print_json(cfg, rep);
            else
                print_table(cfg, a->path, rep);
            rc = 0;
        } else {
            fprintf(stderr, "dcim margin: error: %s\n", cim_status_str(st));
        }
    }
    free(cfg);
    free(rep);
    return rc;
}

int cli_margin(int argc, char **argv)
{
    Args a = {.samples = 200000};
    if (cli_overrides_init(&a.o, argc) != 0)
        return 1;
    int rc = parse(argc, argv, &a);
    rc = rc == 1 ? 0 : rc == 2 ? 2 : run_margin(&a);
    cli_overrides_free(&a.o);
    return rc;
}
