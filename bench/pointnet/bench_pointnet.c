/* make bench (PointNet++ part): whole clouds of the synthetic set through
 * workloads/nets/pointnet2_ssg.yaml (random weights, seed 1; no pruning) on
 * configs/chip/pointnet.yaml: clouds per second of the host reference (every int8 conv a
 * plain loop), of the fast path (its first cloud, which calibrates each conv's static
 * cost by one program-path run, timed apart) and of the program path on one cloud, all
 * measured in this run, wall and CPU time; each chip cloud's logits are checked equal to
 * the reference's. Usage: bench_pointnet [N clouds, default 5]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workloads/io/cloud.h"
#include "workloads/run/pn_chip.h"

typedef struct {
    double wall, cpu;
} Clock;

static Clock clock_now(void) { return (Clock){cim_clock_s(), (double)clock() / CLOCKS_PER_SEC}; }

static Clock clock_since(Clock t0)
{
    Clock t = clock_now();
    return (Clock){t.wall - t0.wall, t.cpu - t0.cpu};
}

/* Clouds [c0, c1) through the net (chip NULL: the host reference); logits of cloud c at
 * logits + c * 10 (compared with ref when not NULL). Returns 0 when all went well. */
static int run(const CimPnNet *net, const CimCloudSet *set, size_t c0, size_t c1, CimPnChip *chip, float *logits,
               const float *ref, Clock *took)
{
    CimDiag d;
    cim_diag_init(&d);
    CimPnOpts o = {.fps_start = 0};
    if (chip) {
        o.conv = cim_pn_chip_conv;
        o.conv_ctx = chip;
    }
    Clock t0 = clock_now();
    int bad = 0;
    for (size_t c = c0; c < c1 && !bad; c++) {
        bad = cim_pn_forward(net, set->xyz + c * set->points * 3, NULL, &o, logits + c * 10, &d) != CIM_OK;
        if (!bad && ref && memcmp(ref + c * 10, logits + c * 10, 10 * sizeof *logits) != 0) {
            fprintf(stderr, "bench_pointnet: cloud %zu: the chip's logits differ from the reference's\n", c);
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

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 5;
    if (n < 2) {
        fprintf(stderr, "usage: bench_pointnet [N clouds >= 2]\n");
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
    Clock t_ref, t_cal, t_fast, t_prog;
    int bad = run(&net, &set, 0, n, NULL, ref, NULL, &t_ref);
    bad = bad || run(&net, &set, 0, 1, &fast, got, ref, &t_cal);
    bad = bad || run(&net, &set, 1, n, &fast, got, ref, &t_fast);
    bad = bad || run(&net, &set, 0, 1, &prog, got, ref, &t_prog);
    printf("PointNet++ (pointnet2_ssg, 1024 points, random weights seed 1) on configs/chip/pointnet.yaml,\n"
           "synthetic test clouds, one thread; the chip paths' logits equal the reference's: %s\n",
           bad ? "NO" : "yes");
    line("host reference (int8 convs as plain loops)", n, t_ref);
    line("fast path, first cloud (calibrates each conv)", 1, t_cal);
    line("fast path, calibrated", n - 1, t_fast);
    line("program path (cycle-stepped model)", 1, t_prog);
    cim_pn_chip_free(&fast);
    cim_pn_chip_free(&prog);
    free(ref);
    free(got);
    cim_cloud_free(&set);
    cim_pn_free(&net);
    return bad;
}
