/* dcim compare: the reduction and figure-of-merit arithmetic, the three machines' sides on
 * hand-computed toy inputs (a one-layer analogue toy, a leakage-only digital report, a GPU
 * model and a measurement), the number formats, and sweeps: parsing, every value applied,
 * errors for bad keys and values; one small comparison on the MNIST run file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>

#include "workloads/compare/compare.h"

#define RUN "configs/runs/mnist_bnn.yaml"
#define ANALOG "configs/baselines/analog_180nm.yaml"
#define GPU "configs/baselines/rtx4090.yaml"
#define HOST "configs/baselines/cortex_m4f.yaml"

static void near(double got, double want, double rel)
{
    if (fabs(got - want) > rel * fabs(want) + 1e-12)
        fail_msg("got %.10g, want %.10g (rel %.1g)", got, want, rel);
}

static const CimCompareComp *comp(const CimCompareSide *s, const char *name)
{
    for (size_t k = 0; k < s->ncomp; k++)
        if (!strcmp(s->comp[k].name, name))
            return &s->comp[k];
    fail_msg("no component %s", name);
    return NULL;
}

/* ---- arithmetic ------------------------------------------------------------------ */

static void test_compare_reduction_hand_values(void **state)
{
    (void)state;
    near(cim_compare_reduction(2.77, 10.0), -0.723, 1e-12);
    near(cim_compare_reduction(3.0, 2.0), 0.5, 1e-12);
    near(cim_compare_reduction(42.74, 100.0), -0.5726, 1e-12);
    assert_true(cim_compare_reduction(1.0, 0.0) == 0.0); /* no baseline: no claim */
}

static void test_compare_merit_hand_values(void **state)
{
    (void)state;
    CimCompareSide s = {.has_area = 1, .area_um2 = 4.5e6, .energy_pj = 1e6, .inferences_per_s = 1e6};
    CimCompareMerit m;
    cim_compare_merit(&s, 9.0496e6, &m);
    near(m.tops_per_w, 9.0496, 1e-12);       /* 9.0496e6 ops / 1 uJ */
    near(m.tops, 9.0496, 1e-12);             /* 9.0496e6 ops x 1e6 /s */
    near(m.tops_per_mm2, 9.0496 / 4.5, 1e-12);
    s.has_area = 0;
    cim_compare_merit(&s, 9.0496e6, &m);
    assert_true(m.tops_per_mm2 == 0.0);
}

static void test_compare_reductions_from_sides(void **state)
{
    (void)state;
    CimCompare *c = calloc(1, sizeof *c);
    c->side[CIM_SIDE_DIGITAL] = (CimCompareSide){.has_area = 1, .area_um2 = 2.77e6, .energy_pj = 427.4,
                                                 .images = 200, .correct = 183};
    c->side[CIM_SIDE_ANALOG] = (CimCompareSide){.has_area = 1, .area_um2 = 10e6, .energy_pj = 1000};
    c->side[CIM_SIDE_GPU] = (CimCompareSide){.energy_pj = 1752.2};
    c->conv_macs = 73200;
    c->conv_macs_removed = 26800;
    CimCompareReductions r;
    cim_compare_reductions(c, &r);
    near(r.area_vs_analog, -0.723, 1e-9);
    near(r.energy_vs_analog, -0.5726, 1e-9);
    near(r.energy_vs_gpu, 427.4 / 1752.2 - 1, 1e-9);
    near(r.ops_removed, -0.268, 1e-12);
    near(r.accuracy, 0.915, 1e-12);
    free(c);
}

static void test_compare_formats(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(cim_fmt_energy(682000, b, sizeof b), "682 nJ");
    assert_string_equal(cim_fmt_energy(653.6e3, b, sizeof b), "653.6 nJ");
    assert_string_equal(cim_fmt_energy(1.077e11, b, sizeof b), "107.7 mJ");
    assert_string_equal(cim_fmt_energy(0.5, b, sizeof b), "0.5 pJ");
    assert_string_equal(cim_fmt_time(827490, b, sizeof b), "827.5 us");
    assert_string_equal(cim_fmt_pct(-0.7230, b, sizeof b), "-72.30 %");
    assert_string_equal(cim_fmt_pct(2.1613, b, sizeof b), "+216.13 %");
    /* near -100 % more decimals, until the number no longer rounds to 100 */
    assert_string_equal(cim_fmt_pct(-0.99999394, b, sizeof b), "-99.999 %");
    assert_string_equal(cim_fmt_pct(-0.9999996, b, sizeof b), "-99.99996 %");
    assert_string_equal(cim_fmt_pct(-1.0, b, sizeof b), "-100.00 %");
}

/* ---- sides ---------------------------------------------------------------------- */

/* One conv layer, 1x4x4 input, 3x3 kernel, no padding: 4 positions, 9 elements, 2 filters;
 * 16x16 crossbars reading 8 elements at once: 2 reads per position, one crossbar, 2 ADCs. */
static void test_compare_side_analog_toy(void **state)
{
    (void)state;
    CimAnalogCfg a;
    CimChipCfg chip;
    cim_analog_cfg_defaults(&a);
    cim_cfg_defaults(&chip);
    a.xbar.rows = a.xbar.cols = 16;
    a.xbar.rows_active = 8;
    CimAnalogShape s = {.in_c = 1, .in_h = 4, .in_w = 4, .k = 3, .out_h = 2, .out_w = 2, .filters = 2, .live = 2,
                        .out_bits = 32, .out_values = 4};
    CimAnalogCost cost;
    assert_int_equal(cim_analog_net_cost(&a, &chip.tech, &s, NULL, 1, NULL, &cost), CIM_OK);
    CimCompareSide side;
    cim_compare_side_analog(&a, &cost, &side);
    /* conversions = 4 positions x 2 reads x 2 filters = 16, each (8.4483 x 8 + 65.243) uW x 9 ns */
    double e_adc = (8.4483 * 8 + 65.243) * 9 * 1e-3;
    near(comp(&side, "adc")->energy_pj, 16 * e_adc, 1e-9);
    /* 2 ADCs of (478 + 182 x 7) x 212.8 F^2 and a 2-transistor mux per column, F = 0.18 um */
    double f2 = 0.18 * 0.18, a_adc = (478 + 182 * 7) * 212.8 * f2;
    near(comp(&side, "adc")->area_um2, 2 * a_adc + 16 * 2 * 212.8 * f2, 1e-9);
    near(side.energy_pj, cost.energy.total_pj, 1e-12);
    near(side.area_um2, cost.area.total_um2, 1e-12);
    near(side.latency_ns, cost.latency_ns, 1e-12);
    near(side.inferences_per_s, 1e9 / cost.latency_ns, 1e-12);
    double sum = 0;
    for (size_t k = 0; k < side.ncomp; k++)
        sum += side.comp[k].energy_pj;
    near(sum, side.energy_pj, 1e-12);
}

/* Two images, one chip layer that spent 1000 cycles and no events: only leakage,
 * (leakage_per_macro_uw x macros + leakage_control_uw) x 500 cycles / clock_mhz per image. */
static void test_compare_side_digital_leakage_only(void **state)
{
    (void)state;
    CimChipCfg *cfg = calloc(1, sizeof *cfg);
    cim_cfg_defaults(cfg);
    CimRunReport r = {.images = 2, .correct = 1, .cfg = cfg, .clock_mhz = cfg->clock_mhz};
    snprintf(r.chip, sizeof r.chip, "toy");
    cim_energy_table(cfg, &r.etable);
    cim_area_compute(cfg, &r.area);
    CimReportLayer l = {.where = CIM_WHERE_CHIP};
    l.cost.cycles = 1000;
    r.layers = &l;
    r.nlayers = 1;
    CimCompareSide s;
    cim_compare_side_digital(&r, &s);
    double us = 500.0 / cfg->clock_mhz;
    double leak = (cfg->tech.energy.leakage_per_macro_uw * cfg->macros + cfg->tech.energy.leakage_control_uw) * us;
    near(s.energy_pj, leak, 1e-9);
    near(comp(&s, "leakage")->energy_pj, leak, 1e-9);
    near(s.latency_ns, us * 1e3, 1e-12);
    near(s.inferences_per_s, 1e6 / us, 1e-12);
    near(s.area_um2, r.area.total_um2, 1e-12);
    assert_string_equal(s.name, "toy");
    assert_int_equal(s.correct, 1);
    free(cfg);
}

static void test_compare_side_gpu_model_and_measured(void **state)
{
    (void)state;
    CimGpuCfg g;
    cim_gpu_cfg_defaults(&g);
    CimGpuResult res = {.batch = 4, .batch_s = 1e-3, .compute_s = 0.25e-3, .memory_s = 0.25e-3, .launch_s = 0.5e-3,
                        .energy_per_inference_j = 0.1};
    CimCompareSide s;
    cim_compare_side_gpu_model(&g, &res, &s);
    near(s.energy_pj, 1e11, 1e-12);
    near(s.latency_ns, 1e6, 1e-12);  /* the batch's latency */
    near(s.inferences_per_s, 4000, 1e-12);
    near(comp(&s, "launch")->energy_pj, 0.5e11, 1e-12); /* half the time: half the energy */
    near(comp(&s, "compute")->energy_pj, 0.25e11, 1e-12);
    assert_int_equal(s.has_area, 0);
    CimGpuMeasured m = {.samples = 3, .t0_s = 1, .t1_s = 3, .energy_j = 100, .inferences = 1000,
                        .energy_per_inference_j = 0.1};
    cim_compare_side_gpu_measured(&g, &m, &s);
    near(s.energy_pj, 1e11, 1e-12);
    near(s.latency_ns, 2e6, 1e-12);  /* 2 s / 1000 inferences */
    near(s.inferences_per_s, 500, 1e-12);
}

/* ---- sweeps ---------------------------------------------------------------------- */

static void test_sweep_parse_values(void **state)
{
    (void)state;
    CimDiag d;
    cim_diag_init(&d);
    CimSweepAxis a;
    assert_int_equal(cim_sweep_parse("analog.adc.bits=4,6,8", &a, &d), CIM_OK);
    assert_string_equal(a.key, "analog.adc.bits");
    assert_int_equal(a.n, 3);
    assert_string_equal(a.values[0], "analog.adc.bits=4");
    assert_string_equal(a.values[2], "analog.adc.bits=8");
    cim_sweep_free(&a);
    assert_int_equal(cim_sweep_parse("chip.clock_mhz=50", &a, &d), CIM_OK);
    assert_int_equal(a.n, 1);
    cim_sweep_free(&a);
    assert_int_equal(d.errors, 0);
    static const char *const bad[] = {"analog.adc.bits", "=4", "foo.bar=1", "analog.adc.bits=4,,8",
                                      "analog.adc.bits=", "analog.adc.bits=4,"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(cim_sweep_parse(bad[i], &a, &d), CIM_ERR_CONFIG);
        assert_int_equal(d.errors, i + 1);
        assert_null(a.values);
    }
    char line[300];
    cim_diag_format(&d, 2, line, sizeof line);
    assert_non_null(strstr(line, "keys start with run., chip., tech., analog., gpu. or host."));
    cim_diag_free(&d);
}

static CimCompareOptions options(const char *const *ov, size_t n)
{
    CimCompareOptions o = {.run_path = RUN, .analog_path = ANALOG, .gpu_path = GPU, .host_path = HOST, .overrides = ov, .noverrides = n};
    return o;
}

static void test_sweep_check_rejects_bad_values(void **state)
{
    (void)state;
    CimCompareOptions o = options(NULL, 0);
    static const char *const bad[] = {"analog.adc.bits=99", "analog.adc.bitz=4", "chip.array.rows=5000",
                                      "gpu.run.batch_size=x", "tech.timing.t_read_ns=-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CimDiag d;
        cim_diag_init(&d);
        assert_int_equal(cim_compare_check_override(&o, bad[i], &d), CIM_ERR_CONFIG);
        assert_true(d.errors >= 1);
        cim_diag_free(&d);
    }
    static const char *const good[] = {"analog.adc.bits=6", "chip.array.rows=1000", "gpu.run.batch_size=64",
                                       "run.data.images=7"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        CimDiag d;
        cim_diag_init(&d);
        assert_int_equal(cim_compare_check_override(&o, good[i], &d), CIM_OK);
        cim_diag_free(&d);
    }
}

/* A bad value anywhere in the sweep stops it before any point runs. */
static void test_sweep_run_bad_value_runs_nothing(void **state)
{
    (void)state;
    CimDiag d;
    cim_diag_init(&d);
    CimSweepAxis a;
    assert_int_equal(cim_sweep_parse("analog.adc.bits=4,x", &a, &d), CIM_OK);
    CimCompareOptions o = options(NULL, 0);
    CimSweepResult r;
    CimCompare *c = calloc(1, sizeof *c);
    assert_int_equal(cim_sweep_run(&o, &a, 1, &r, c, &d), CIM_ERR_CONFIG);
    assert_int_equal(r.n, 0);
    char line[300];
    cim_diag_format(&d, 0, line, sizeof line);
    assert_non_null(strstr(line, "analog.adc.bits"));
    cim_sweep_result_free(&r);
    cim_compare_free(c);
    free(c);
    cim_sweep_free(&a);
    cim_diag_free(&d);
}

/* ADC bits: each value reaches the analogue baseline (fewer bits, less ADC energy; the
 * digital chip unchanged); the first point stays in *first. */
static void test_sweep_run_applies_each_adc_value(void **state)
{
    (void)state;
    static const char *const ov[] = {"run.data.images=12"};
    CimCompareOptions o = options(ov, 1);
    CimDiag d;
    cim_diag_init(&d);
    CimSweepAxis a;
    assert_int_equal(cim_sweep_parse("analog.adc.bits=3,8", &a, &d), CIM_OK);
    CimSweepResult r;
    CimCompare *c = calloc(1, sizeof *c);
    CimStatus st = cim_sweep_run(&o, &a, 1, &r, c, &d);
    cim_diag_print(&d, stderr);
    assert_int_equal(st, CIM_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.points[0].values[0], "3");
    assert_string_equal(r.points[1].values[0], "8");
    assert_int_equal(c->analog.adc.bits, 3);
    assert_int_equal(c->images, 12);
    assert_true(r.points[0].energy_pj[CIM_SIDE_ANALOG] < r.points[1].energy_pj[CIM_SIDE_ANALOG]);
    assert_true(r.points[0].energy_pj[CIM_SIDE_DIGITAL] == r.points[1].energy_pj[CIM_SIDE_DIGITAL]);
    /* 8 bits read 128-row sums losslessly: the analogue accuracy is the exact network's */
    near(r.points[1].analog_accuracy, r.points[1].exact_accuracy, 0);
    near(r.points[0].exact_accuracy, r.points[1].exact_accuracy, 0);
    assert_true(c->adc_clipped > 0); /* 3 bits clip at 7 cells */
    cim_sweep_result_free(&r);
    cim_compare_free(c);
    free(c);
    cim_sweep_free(&a);
    cim_diag_free(&d);
}

/* Array rows: each value reaches the digital chip (its area moves, the analogue one not). */
static void test_sweep_run_applies_each_chip_value(void **state)
{
    (void)state;
    static const char *const ov[] = {"run.data.images=4"};
    CimCompareOptions o = options(ov, 1);
    CimDiag d;
    cim_diag_init(&d);
    CimSweepAxis a;
    assert_int_equal(cim_sweep_parse("chip.array.rows=256,512", &a, &d), CIM_OK);
    CimSweepResult r;
    assert_int_equal(cim_sweep_run(&o, &a, 1, &r, NULL, &d), CIM_OK);
    assert_int_equal(r.n, 2);
    assert_true(r.points[1].area_um2[CIM_SIDE_DIGITAL] > r.points[0].area_um2[CIM_SIDE_DIGITAL]);
    near(r.points[1].area_um2[CIM_SIDE_ANALOG], r.points[0].area_um2[CIM_SIDE_ANALOG], 0);
    near(r.points[1].red.area_vs_analog,
         r.points[1].area_um2[CIM_SIDE_DIGITAL] / r.points[1].area_um2[CIM_SIDE_ANALOG] - 1, 1e-12);
    cim_sweep_result_free(&r);
    cim_sweep_free(&a);
    cim_diag_free(&d);
}

/* ---- a small comparison ------------------------------------------------------------- */

static void test_compare_run_mnist_small(void **state)
{
    (void)state;
    CimCompareOptions o = options(NULL, 0);
    o.images = 10;
    CimDiag d;
    cim_diag_init(&d);
    CimCompare *c = calloc(1, sizeof *c);
    CimStatus st = cim_compare_run(&o, c, &d);
    cim_diag_print(&d, stderr);
    assert_int_equal(st, CIM_OK);
    assert_int_equal(c->status, CIM_RUN_COMPLETE);
    assert_int_equal(c->images, 10);
    assert_int_equal(c->images_capped, 0);
    assert_int_equal(c->macs, 4524800); /* the whole MNIST network, dense */
    near(c->ops, 2 * 4524800.0, 0);
    for (int s = 0; s < CIM_SIDE_COUNT; s++) {
        assert_true(c->side[s].energy_pj > 0);
        assert_true(c->side[s].latency_ns > 0);
        assert_int_equal(c->side[s].images, 10);
    }
    /* lossless default ADC: analogue, GPU (exact) and digital (bit-exact) agree */
    assert_int_equal(c->side[CIM_SIDE_ANALOG].correct, c->exact_correct);
    assert_int_equal(c->side[CIM_SIDE_DIGITAL].correct, c->exact_correct);
    assert_int_equal(c->adc_inexact, 0);
    assert_int_equal(c->gpu_measured, 0);
    CimCompareNote n[CIM_COMPARE_NOTES];
    assert_int_equal(cim_compare_notes(c, n), 8);
    assert_string_equal(n[0].label, "ops");
    assert_string_equal(n[7].label, "host");
    /* every layer costed: the host runs fc1..fc3 (234 752 MACs x 3 cycles), their biases
     * (394 adds) and the two ReLUs after fc1 and fc2 (384 compares), and moves
     * 949 904 bytes = 237 476 words x 2 cycles; conv3's ReLU is fused on the chip */
    near(c->host_cost.cycles, 234752.0 * 3 + 394 + 384 + 237476.0 * 2, 0);
    near(c->host_cost.energy_pj, c->host_cost.cycles * 300, 1e-12);
    near(c->host_cost.latency_ns, c->host_cost.cycles / 80.0 * 1000, 1e-12);
    for (int s = 0; s < CIM_SIDE_GPU; s++) {
        near(c->side[s].energy_pj, c->chip_energy_pj[s] + c->host_cost.energy_pj, 1e-12);
        near(c->side[s].latency_ns, c->chip_latency_ns[s] + c->host_cost.latency_ns, 1e-12);
    }
    CimCompareReductions r;
    cim_compare_reductions(c, &r);
    near(r.conv_energy_vs_analog, c->chip_energy_pj[0] / c->chip_energy_pj[1] - 1, 1e-12);
    near(r.conv_energy_vs_gpu, c->chip_energy_pj[0] / c->side[CIM_SIDE_GPU].energy_pj - 1, 1e-12);
    /* weights written once: no pulse per inference, lifetime unlimited */
    near(c->wear.pulses_per_inference, 0, 0);
    assert_true(isinf(c->wear.lifetime_inferences));
    near(c->wear.endurance_cycles, 1e6, 0);
    cim_compare_free(c);
    free(c);
    cim_diag_free(&d);
}

/* The host's share is added to a chip's side: energy, latency, throughput, a component. */
/* The paper's numbers: MNIST has all five, ModelNet10 no area or analogue energy. */
static void test_compare_paper_values(void **state)
{
    (void)state;
    CimComparePaper m = cim_compare_paper(0), p = cim_compare_paper(1);
    near(m.area_vs_analog, -0.7230, 0);
    near(m.energy_vs_gpu, -0.7561, 0);
    near(p.energy_vs_gpu, -0.8653, 0);
    near(p.ops_removed, -0.5994, 0);
    near(p.accuracy, 0.7775, 0);
    assert_true(isnan(p.area_vs_analog) && isnan(p.energy_vs_analog));
    assert_non_null(strstr(p.source, "ModelNet10"));
}

static void test_compare_side_add_host(void **state)
{
    (void)state;
    CimCompareSide s = {.energy_pj = 100, .latency_ns = 50, .inferences_per_s = 2e7, .ncomp = 0};
    CimHostCost h = {.cycles = 4, .energy_pj = 20, .latency_ns = 50};
    cim_compare_side_add_host(&s, &h);
    near(s.energy_pj, 120, 0);
    near(s.latency_ns, 100, 0);
    near(s.inferences_per_s, 1e7, 1e-12);
    assert_int_equal(s.ncomp, 1);
    assert_string_equal(s.comp[0].name, "host");
    near(s.comp[0].energy_pj, 20, 0);
    near(s.comp[0].area_um2, 0, 0);
}

/* Write wear: cyclic changes, lifetime, an image run's mean from its pulse events. */
static void test_compare_wear_formulas(void **state)
{
    (void)state;
    const uint8_t a[4] = {0, 1, 1, 0}, b[4] = {1, 0, 1, 0}, c2[2] = {1, 1};
    assert_int_equal(cim_pn_cyclic_changes(a, 4), 2);
    assert_int_equal(cim_pn_cyclic_changes(b, 4), 4);
    assert_int_equal(cim_pn_cyclic_changes(c2, 2), 0);
    assert_int_equal(cim_pn_cyclic_changes(a, 1), 0);
    near(cim_wear_lifetime(1e6, 8), 125000, 0);
    assert_true(isinf(cim_wear_lifetime(1e6, 0)));
    CimReportLayer l[2];
    memset(l, 0, sizeof l);
    l[0].cost.ev.n[CIM_EV_SET_PULSE] = 30;
    l[1].cost.ev.n[CIM_EV_RESET_PULSE] = 10;
    CimRunReport r = {.images = 2, .macros = 1, .rows = 4, .cols = 5, .layers = l, .nlayers = 2};
    CimChipCfg chip;
    cim_cfg_defaults(&chip);
    chip.tech.endurance_cycles = 1e5;
    CimCompareWear w;
    cim_compare_wear_image(&r, &chip.tech, &w);
    near(w.cells, 20, 0);
    near(w.pulses_per_inference, 20, 0);
    near(w.mean_per_cell, 1, 0);
    assert_int_equal(w.max_counted, 0);
    near(w.lifetime_inferences, 1e5, 0);
    CimPnWear pw = {.cells = 100, .loads = 9, .changes = 50, .max_changes = 4};
    cim_compare_wear_pn(&pw, &chip.tech, &w);
    near(w.mean_per_cell, 0.5, 0);
    assert_int_equal(w.max_counted, 1);
    near(w.lifetime_inferences, 25000, 0);
}

/* Host work of a hand-sized point-cloud network: one set abstraction (4 points, 2 centres,
 * 2 neighbours, one conv 3 -> 3), a linear 4 -> 3 with bias, BatchNorm and ReLU of 3. */
static void test_compare_pn_host_and_gpu_work(void **state)
{
    (void)state;
    CimPnLayer L[5];
    memset(L, 0, sizeof L);
    L[0] = (CimPnLayer){.kind = CIM_PN_SA, .npoint = 2, .nsample = 2, .n_mlp = 1, .mlp = {3}, .cin = {3},
                        .in_points = 4, .in_c = 0, .out_points = 2, .out_c = 3};
    L[1] = (CimPnLayer){.kind = CIM_PN_LINEAR, .in_c = 4, .out_c = 3, .has_bias = 1};
    L[2] = (CimPnLayer){.kind = CIM_PN_BN, .in_c = 3, .out_c = 3};
    L[3] = (CimPnLayer){.kind = CIM_PN_RELU, .in_c = 3, .out_c = 3};
    L[4] = (CimPnLayer){.kind = CIM_PN_DROPOUT, .in_c = 3, .out_c = 3};
    CimPnNet net = {.layers = L, .n = 5};
    CimHostWork w;
    cim_host_pn_dist_work(&w);
    near(w.fp32_macs, 9, 0);
    near(w.fp32_ops, 4, 0);
    near(w.fp32_sqrts, 1, 0);
    near(w.bytes, 12, 0);
    /* FPS and ball query: 8 distances each; FPS 2 compares and 8 bytes per distance, ball
     * 1 compare each and 2 x 2 indices; grouping 4 rows of 3 values; the conv's 12 inputs
     * quantised (5 ops, 1 divide, 9 bytes each), 3 channels folded, 12 outputs through
     * BatchNorm + ReLU (1 MAC, 2 ops, 8 bytes); max of 2 over 2 centres x 3 channels */
    cim_host_pn_layer_work(&net, 0, &w);
    near(w.fp32_macs, 72 + 72 + 12, 0);
    near(w.fp32_ops, 32 + 16 + 32 + 8 + 12 + 60 + 6 + 24 + 6, 0);
    near(w.fp32_divs, 12 + 3, 0);
    near(w.fp32_sqrts, 8 + 8 + 3, 0);
    near(w.bytes, 96 + 64 + 96 + 16 + 112 + 108 + 48 + 96 + 72, 0);
    cim_host_pn_layer_work(&net, 1, &w);
    near(w.fp32_macs, 12, 0);
    near(w.fp32_ops, 3, 0);
    near(w.bytes, 4 * (12 + 4 + 3 + 3), 0);
    cim_host_pn_layer_work(&net, 2, &w);
    near(w.fp32_macs, 3, 0);
    near(w.fp32_sqrts + w.fp32_divs + w.fp32_ops, 3 + 3 + 6, 0);
    near(w.bytes, 48 + 24, 0);
    cim_host_pn_layer_work(&net, 3, &w);
    near(w.fp32_ops, 3, 0);
    near(w.bytes, 24, 0);
    cim_host_pn_layer_work(&net, 4, &w);
    near(w.fp32_macs + w.fp32_ops + w.bytes, 0, 0);
    /* the GPU: FPS, ball query, grouping; quantisation, conv, BatchNorm + ReLU; max;
     * linear, BatchNorm, ReLU; dropout launches nothing */
    CimGpuCfg g;
    cim_gpu_cfg_defaults(&g);
    assert_int_equal(cim_gpu_pn_layers(&g, &net, NULL), 10);
    CimGpuLayer gl[10];
    cim_gpu_pn_layers(&g, &net, gl);
    assert_int_equal(gl[0].kernels, 2 * g.launch.kernels_per_fps_step);
    assert_int_equal(gl[4].kind, CIM_GPU_L_MATMUL);
    assert_int_equal(gl[4].macs, 4 * 3 * 3);
    assert_int_equal(gl[7].kind, CIM_GPU_L_MATMUL);
    assert_int_equal(gl[7].macs, 12);
}

static void test_compare_run_rejects_unknown_prefix(void **state)
{
    (void)state;
    static const char *const ov[] = {"adc.bits=4"};
    CimCompareOptions o = options(ov, 1);
    CimDiag d;
    cim_diag_init(&d);
    CimCompare *c = calloc(1, sizeof *c);
    assert_int_equal(cim_compare_run(&o, c, &d), CIM_ERR_CONFIG);
    char line[300];
    cim_diag_format(&d, 0, line, sizeof line);
    assert_non_null(strstr(line, "override 'adc.bits=4': keys start with run., chip., tech., analog., gpu. or host."));
    cim_compare_free(c);
    free(c);
    cim_diag_free(&d);
}


/* ---- corners and claims -------------------------------------------------------------- */

static const char *tmp_file(const char *name, const char *text)
{
    static char path[4][160];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "/tmp/dcim_test_corners_%d_%s", (int)getpid(), name);
    FILE *f = fopen(path[k], "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path[k];
}

/* A hand file: names, descriptions and the sets in file order; an empty set is no keys. */
static void test_corners_load_hand_file(void **state)
{
    (void)state;
    const char *path = tmp_file("ok.yaml", "corners:\n"
                                           "  plain:\n"
                                           "    description: \"as the files are\"\n"
                                           "  adc-3:\n"
                                           "    description: \"three bits\"\n"
                                           "    source: \"[choice] a test\"\n"
                                           "    set:\n"
                                           "      analog.adc.bits: 3\n"
                                           "      tech.energy.sense_compare_fj: 16.2\n");
    CimDiag d;
    cim_diag_init(&d);
    CimCorners cs;
    assert_int_equal(cim_corners_load(path, &cs, &d), CIM_OK);
    assert_int_equal(cs.n, 2);
    assert_string_equal(cs.v[0].name, "plain");
    assert_int_equal(cs.v[0].nset, 0);
    assert_string_equal(cs.v[1].name, "adc-3");
    assert_string_equal(cs.v[1].description, "three bits");
    assert_string_equal(cs.v[1].source, "[choice] a test");
    assert_int_equal(cs.v[1].nset, 2);
    assert_string_equal(cs.v[1].set[0], "analog.adc.bits=3");
    assert_string_equal(cs.v[1].set[1], "tech.energy.sense_compare_fj=16.2");
    assert_ptr_equal(cim_corners_find(&cs, "adc-3"), &cs.v[1]);
    assert_null(cim_corners_find(&cs, "adc"));
    const CimCorner *k;
    assert_int_equal(cim_corners_lookup(&cs, "adc", &k, &d), CIM_ERR_CONFIG);
    char line[300];
    cim_diag_format(&d, 0, line, sizeof line);
    assert_non_null(strstr(line, "no corner 'adc'; expected one of: plain, adc-3 (or all)"));
    /* axes: all, a list in its order, an unknown name */
    CimSweepAxis a;
    assert_int_equal(cim_corners_axis(&cs, "all", &a, &d), CIM_OK);
    assert_int_equal(a.n, 2);
    assert_string_equal(a.key, "corner");
    assert_string_equal(a.values[1], "corner=adc-3");
    assert_ptr_equal(a.corners[1], &cs.v[1]);
    cim_sweep_free(&a);
    assert_int_equal(cim_corners_axis(&cs, "adc-3,plain", &a, &d), CIM_OK);
    assert_int_equal(a.n, 2);
    assert_ptr_equal(a.corners[0], &cs.v[1]);
    assert_ptr_equal(a.corners[1], &cs.v[0]);
    cim_sweep_free(&a);
    assert_int_equal(cim_corners_axis(&cs, "plain,nope", &a, &d), CIM_ERR_CONFIG);
    assert_null(a.values);
    cim_corners_free(&cs);
    cim_diag_free(&d);
    remove(path);
}

static void expect_corners_error(const char *text, const char *msg)
{
    const char *path = tmp_file("bad.yaml", text);
    CimDiag d;
    cim_diag_init(&d);
    CimCorners cs;
    assert_int_equal(cim_corners_load(path, &cs, &d), CIM_ERR_CONFIG);
    assert_null(cs.v);
    char line[400] = "";
    for (size_t i = 0; i < d.n; i++) {
        cim_diag_format(&d, i, line, sizeof line);
        if (strstr(line, msg))
            break;
    }
    if (!strstr(line, msg))
        fail_msg("expected '%s', got '%s'", msg, line);
    cim_diag_free(&d);
    remove(path);
}

static void test_corners_load_errors(void **state)
{
    (void)state;
    expect_corners_error("corners:\n  all:\n    description: x\n", "not 'all'");
    expect_corners_error("corners:\n  Big:\n    description: x\n", "corner names are 1 to 47 characters");
    expect_corners_error("corners:\n  a:\n    set:\n      analog.adc.bits: 3\n", "missing key 'description'");
    expect_corners_error("corners:\n  a:\n    description: x\n    sett: {}\n", "unknown key 'sett'");
    expect_corners_error("corners:\n  a:\n    description: x\n    set: 3\n", "must be a mapping of KEY: VALUE");
    expect_corners_error("corners: 3\n", "corners must be a mapping of at least one NAME");
    expect_corners_error("cornerz:\n  a:\n    description: x\n", "corners");
}

/* The shipped corners: every key of every corner is one dcim compare accepts. */
static void test_corners_shipped_file_keys_valid(void **state)
{
    (void)state;
    CimDiag d;
    cim_diag_init(&d);
    CimCorners cs;
    assert_int_equal(cim_corners_load("configs/corners.yaml", &cs, &d), CIM_OK);
    assert_true(cs.n >= 4);
    assert_non_null(cim_corners_find(&cs, "adc-best"));
    assert_non_null(cim_corners_find(&cs, "adc-typical"));
    assert_non_null(cim_corners_find(&cs, "adc-fast"));
    CimCompareOptions o = options(NULL, 0);
    for (size_t i = 0; i < cs.n; i++)
        for (size_t k = 0; k < cs.v[i].nset; k++)
            if (cim_compare_check_override(&o, cs.v[i].set[k], &d) != CIM_OK)
                fail_msg("corner %s: %s refused", cs.v[i].name, cs.v[i].set[k]);
    cim_corners_free(&cs);
    cim_diag_free(&d);
}

/* A corner sweep applies each corner's whole set: an ADC corner moves the analogue side
 * only, a tech corner the digital side only (a digital rerun); the user's --set comes after
 * a corner's keys and wins. */
static void test_corner_sweep_applies_sets(void **state)
{
    (void)state;
    const char *path = tmp_file("run.yaml", "corners:\n"
                                            "  base:\n"
                                            "    description: x\n"
                                            "  adc:\n"
                                            "    description: x\n"
                                            "    set:\n"
                                            "      analog.adc.model: walden\n"
                                            "      analog.adc.walden_fom_fj: 140.625\n"
                                            "  sense:\n"
                                            "    description: x\n"
                                            "    set:\n"
                                            "      tech.energy.sense_compare_fj: 16.2\n"
                                            "      run.data.images: 9\n");
    CimDiag d;
    cim_diag_init(&d);
    CimCorners cs;
    assert_int_equal(cim_corners_load(path, &cs, &d), CIM_OK);
    CimSweepAxis a;
    /* sense first: *first holds point 0, whose images show which of 9 and 4 won */
    assert_int_equal(cim_corners_axis(&cs, "sense,base,adc", &a, &d), CIM_OK);
    static const char *const ov[] = {"run.data.images=4"}; /* the corner's 9 is overridden */
    CimCompareOptions o = options(ov, 1);
    CimSweepResult r;
    CimCompare *c = calloc(1, sizeof *c);
    CimStatus st = cim_sweep_run(&o, &a, 1, &r, c, &d);
    cim_diag_print(&d, stderr);
    assert_int_equal(st, CIM_OK);
    assert_int_equal(r.n, 3);
    assert_int_equal(c->images, 4);
    assert_string_equal(r.points[2].values[0], "adc");
    assert_true(c->job.chip_cfg.tech.energy.sense_compare_fj == 16.2);
    const CimSweepPoint *se = &r.points[0], *b = &r.points[1], *ad = &r.points[2];
    assert_true(ad->energy_pj[CIM_SIDE_ANALOG] > b->energy_pj[CIM_SIDE_ANALOG]);
    near(ad->energy_pj[CIM_SIDE_DIGITAL], b->energy_pj[CIM_SIDE_DIGITAL], 0);
    assert_true(se->energy_pj[CIM_SIDE_DIGITAL] < b->energy_pj[CIM_SIDE_DIGITAL]);
    near(se->energy_pj[CIM_SIDE_ANALOG], b->energy_pj[CIM_SIDE_ANALOG], 0);
    near(se->gpu_floor_pj, b->gpu_floor_pj, 0);
    assert_true(b->gpu_floor_pj > 0 && b->gpu_floor_pj < b->energy_pj[CIM_SIDE_GPU]);
    cim_sweep_result_free(&r);
    cim_compare_free(c);
    free(c);
    cim_sweep_free(&a);
    cim_corners_free(&cs);
    cim_diag_free(&d);
    remove(path);
}

static void test_claims_by_hand(void **state)
{
    (void)state;
    assert_true(cim_claim_holds(-0.80, -0.723));
    assert_true(cim_claim_holds(-0.723, -0.723));
    assert_false(cim_claim_holds(-0.70, -0.723));
    assert_false(cim_claim_holds(+2.16, -0.5726));
    assert_false(cim_claim_holds(-0.9, NAN));
    CimCompare *c = calloc(1, sizeof *c);
    c->side[CIM_SIDE_DIGITAL] = (CimCompareSide){.has_area = 1, .area_um2 = 2.77e6, .energy_pj = 427.4};
    c->side[CIM_SIDE_ANALOG] = (CimCompareSide){.has_area = 1, .area_um2 = 10e6, .energy_pj = 1000};
    c->side[CIM_SIDE_GPU] = (CimCompareSide){.energy_pj = 1752.2};
    c->gpu_floor_pj = 500;
    c->chip_energy_pj[0] = 100;
    c->chip_energy_pj[1] = 400;
    CimCompareReductions r;
    cim_compare_reductions(c, &r);
    near(cim_claim_ours(&r, CIM_CLAIM_AREA_ANALOG), -0.723, 1e-9);
    near(cim_claim_ours(&r, CIM_CLAIM_ENERGY_GPU_FLOOR), 427.4 / 500 - 1, 1e-12);
    near(cim_claim_ours(&r, CIM_CLAIM_CONV_ENERGY_ANALOG), -0.75, 1e-12);
    near(cim_claim_ours(&r, CIM_CLAIM_CONV_ENERGY_GPU_FLOOR), -0.8, 1e-12);
    CimComparePaper p = cim_compare_paper(0), q = cim_compare_paper(1);
    near(cim_claim_paper(&p, CIM_CLAIM_AREA_ANALOG), -0.7230, 0);
    near(cim_claim_paper(&p, CIM_CLAIM_CONV_ENERGY_ANALOG), -0.5726, 0);
    near(cim_claim_paper(&q, CIM_CLAIM_ENERGY_GPU_FLOOR), -0.8653, 0);
    assert_true(isnan(cim_claim_paper(&q, CIM_CLAIM_AREA_ANALOG)));
    for (int k = 0; k < CIM_CLAIM_COUNT; k++)
        assert_true(*cim_claim_name((CimClaim)k) && *cim_claim_key((CimClaim)k));
    free(c);
}


/* The chips' figures by hand: 2 x conv MACs over each chip's conv energy, cells over area. */
static void test_compare_chip_figures_by_hand(void **state)
{
    (void)state;
    CimCompare *c = calloc(1, sizeof *c);
    c->conv_macs = 1000000;
    c->chip_energy_pj[0] = 1e6; /* 2e6 ops / 1e6 pJ = 2 TOPS/W */
    c->chip_energy_pj[1] = 4e5;
    c->wear.cells = 524288;
    c->side[CIM_SIDE_DIGITAL].area_um2 = 4.923e6;
    c->analog_cost.crossbars = 5;
    c->analog.xbar.rows = 256;
    c->analog.xbar.cols = 256;
    c->side[CIM_SIDE_ANALOG].area_um2 = 5.747e6;
    CimCompareChipFigures f;
    cim_compare_chip_figures(c, &f);
    assert_int_equal(f.int8, 0);
    near(f.tops_per_w[0], 2.0, 1e-12);
    near(f.tops_per_w[1], 5.0, 1e-12);
    near(f.weight_mb_per_mm2[0], 0.524288 / 4.923, 1e-12);
    near(f.weight_mb_per_mm2[1], 5 * 65536 * 1e-6 / 5.747, 1e-12);
    near(f.authors_tops_per_w, 222.72, 0);
    near(f.authors_energy_vs_gpu, -0.9927, 0);
    c->pointcloud = 1;
    c->chip_energy_pj[1] = 0; /* no energy: 0, not a division by zero */
    cim_compare_chip_figures(c, &f);
    assert_int_equal(f.int8, 1);
    near(f.authors_tops_per_w, 14.97, 0);
    near(f.authors_energy_vs_gpu, -0.9607, 0);
    assert_true(f.tops_per_w[1] == 0.0);
    free(c);
}


/* Differential: a corner sweep over random ADC figures gives exactly what the key sweep of
 * the same values gives (a corner is its overrides, nothing more). */
static void test_corner_sweep_equals_key_sweep(void **state)
{
    (void)state;
    srand(18);
    double fom[3];
    char text[1024] = "corners:\n", keys[256] = "analog.adc.walden_fom_fj=";
    for (int i = 0; i < 3; i++) {
        fom[i] = 1.0 + (double)(rand() % 20000) / 100.0;
        snprintf(text + strlen(text), sizeof text - strlen(text),
                 "  c%d:\n    description: x\n    set:\n      analog.adc.model: walden\n"
                 "      analog.adc.walden_fom_fj: %.2f\n      analog.adc.share: %d\n",
                 i, fom[i], 1 << (i * 2));
        snprintf(keys + strlen(keys), sizeof keys - strlen(keys), "%s%.2f", i ? "," : "", fom[i]);
    }
    const char *path = tmp_file("diff.yaml", text);
    CimDiag d;
    cim_diag_init(&d);
    CimCorners cs;
    assert_int_equal(cim_corners_load(path, &cs, &d), CIM_OK);
    CimSweepAxis ca, ka;
    assert_int_equal(cim_corners_axis(&cs, "all", &ca, &d), CIM_OK);
    static const char *const ov[] = {"run.data.images=4"};
    CimCompareOptions o = options(ov, 1);
    CimSweepResult rc;
    assert_int_equal(cim_sweep_run(&o, &ca, 1, &rc, NULL, &d), CIM_OK);
    for (int i = 0; i < 3; i++) {
        char share[64];
        snprintf(share, sizeof share, "analog.adc.share=%d", 1 << (i * 2));
        const char *kov[] = {"run.data.images=4", "analog.adc.model=walden", share};
        CimCompareOptions ko = options(kov, 3);
        assert_int_equal(cim_sweep_parse(keys, &ka, &d), CIM_OK);
        CimSweepResult rk;
        assert_int_equal(cim_sweep_run(&ko, &ka, 1, &rk, NULL, &d), CIM_OK);
        for (int s = 0; s < CIM_SIDE_COUNT; s++) {
            near(rc.points[i].energy_pj[s], rk.points[i].energy_pj[s], 0);
            near(rc.points[i].area_um2[s], rk.points[i].area_um2[s], 0);
        }
        near(rc.points[i].red.energy_vs_analog, rk.points[i].red.energy_vs_analog, 0);
        cim_sweep_result_free(&rk);
        cim_sweep_free(&ka);
    }
    cim_sweep_result_free(&rc);
    cim_sweep_free(&ca);
    cim_corners_free(&cs);
    cim_diag_free(&d);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare_reduction_hand_values),
        cmocka_unit_test(test_compare_merit_hand_values),
        cmocka_unit_test(test_compare_reductions_from_sides),
        cmocka_unit_test(test_compare_formats),
        cmocka_unit_test(test_compare_side_analog_toy),
        cmocka_unit_test(test_compare_side_digital_leakage_only),
        cmocka_unit_test(test_compare_side_gpu_model_and_measured),
        cmocka_unit_test(test_sweep_parse_values),
        cmocka_unit_test(test_sweep_check_rejects_bad_values),
        cmocka_unit_test(test_sweep_run_bad_value_runs_nothing),
        cmocka_unit_test(test_sweep_run_applies_each_adc_value),
        cmocka_unit_test(test_sweep_run_applies_each_chip_value),
        cmocka_unit_test(test_compare_run_mnist_small),
        cmocka_unit_test(test_compare_run_rejects_unknown_prefix),
        cmocka_unit_test(test_compare_paper_values),
        cmocka_unit_test(test_compare_side_add_host),
        cmocka_unit_test(test_compare_wear_formulas),
        cmocka_unit_test(test_compare_pn_host_and_gpu_work),
        cmocka_unit_test(test_corners_load_hand_file),
        cmocka_unit_test(test_corners_load_errors),
        cmocka_unit_test(test_corners_shipped_file_keys_valid),
        cmocka_unit_test(test_corner_sweep_applies_sets),
        cmocka_unit_test(test_claims_by_hand),
        cmocka_unit_test(test_compare_chip_figures_by_hand),
        cmocka_unit_test(test_corner_sweep_equals_key_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
