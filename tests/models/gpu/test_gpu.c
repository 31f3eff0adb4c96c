/* GPU baseline: utilisation and power models, the time and energy of a hand-computed
 * 3-layer toy, the measured path (trapezoid integration of a tiny CSV, idle policy,
 * malformed CSVs reported as file:line:col) and the GPU file (defaults, errors, measured:). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/gpu/gpu.h"

#define GPU_FILE "configs/baselines/rtx4090.yaml"

static void near(double a, double b, int line)
{
    if (!(fabs(a - b) <= 1e-9 * (fabs(b) + 1e-15)))
        fail_msg("line %d: got %.12g, want %.12g", line, a, b);
}
#define NEAR(a, b) near((double)(a), (double)(b), __LINE__)

static char g_dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/dcim_gpu_XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *text, size_t len)
{
    static char path[4][128];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/%s", g_dir, name);
    FILE *f = fopen(path[k], "wb");
    assert_non_null(f);
    fwrite(text, 1, len, f);
    fclose(f);
    return path[k];
}
#define WRITE(name, text) write_file(name, text, sizeof(text) - 1)

/* ---- model ------------------------------------------------------------------- */

static void test_gpu_utilisation_and_power(void **state)
{
    (void)state;
    CimGpuCfg g;
    cim_gpu_cfg_defaults(&g);
    NEAR(cim_gpu_utilisation(&g, 64), 0.25);
    NEAR(cim_gpu_utilisation(&g, 1), 0.5 / 65);
    NEAR(cim_gpu_utilisation(&g, 64 * 1023), 0.5 * 1023 / 1024);
    NEAR(cim_gpu_power_w(&g, 0.25), 450);
    g.run.power_model = CIM_GPU_POWER_LINEAR;
    NEAR(cim_gpu_power_w(&g, 0.25), 21 + 429 * 0.25);
    NEAR(cim_gpu_power_w(&g, 0), 21);
    g.util.half_batch = 0;
    NEAR(cim_gpu_utilisation(&g, 1), 0.5);
}

/* conv 1000 MACs (3 kernels), ReLU 800 bytes (1 kernel), linear 500 MACs (1 kernel). */
static const CimGpuLayer toy[3] = {
    {CIM_GPU_L_MATMUL, 1000, 0, 3},
    {CIM_GPU_L_ELEMENTWISE, 0, 800, 1},
    {CIM_GPU_L_MATMUL, 500, 0, 1},
};

static void test_gpu_estimate_toy_by_hand(void **state)
{
    (void)state;
    CimGpuCfg g;
    CimGpuResult r;
    cim_gpu_cfg_defaults(&g);
    g.run.batch_size = 64; /* u = 0.25 */
    cim_gpu_estimate(&g, toy, 3, &r);
    assert_int_equal(r.batch, 64);
    NEAR(r.utilisation, 0.25);
    double compute = 2.0 * 1500 * 64 / (82.6e12 * 0.25), memory = 800.0 * 64 / (1008e9 * 0.25), launch = 5 * 10e-6;
    NEAR(r.compute_s, compute);
    NEAR(r.memory_s, memory);
    NEAR(r.launch_s, launch);
    NEAR(r.batch_s, compute + memory + launch);
    NEAR(r.ops_per_inference, 3000);
    NEAR(r.power_w, 450);
    NEAR(r.energy_per_inference_j, 450 * (compute + memory + launch) / 64);
    g.run.count_idle = 0;
    cim_gpu_estimate(&g, toy, 3, &r);
    NEAR(r.energy_per_inference_j, (450 - 21) * (compute + memory + launch) / 64);
    g.run.count_idle = 1;
    g.run.power_model = CIM_GPU_POWER_LINEAR;
    g.throughput.precision = CIM_GPU_INT8;
    cim_gpu_estimate(&g, toy, 3, &r);
    double c8 = 2.0 * 1500 * 64 / (660.6e12 * 0.25);
    NEAR(r.compute_s, c8);
    NEAR(r.energy_per_inference_j, (21 + 429 * 0.25) * (c8 + memory + launch) / 64);
}

static void test_gpu_batch_one_is_launch_bound(void **state)
{
    (void)state;
    CimGpuCfg g;
    CimGpuResult r;
    cim_gpu_cfg_defaults(&g);
    cim_gpu_estimate(&g, toy, 3, &r);
    assert_int_equal(r.batch, 1);
    NEAR(r.launch_s, 50e-6);
    assert_true(r.launch_s > 10 * (r.compute_s + r.memory_s));
    NEAR(r.energy_per_inference_j, 450 * r.batch_s);
}

/* The idealised floor by hand: utilisation 1, no launches, board power, the same at every
 * batch size and power model; never above the model's energy. */
static void test_gpu_floor_by_hand(void **state)
{
    (void)state;
    CimGpuCfg g;
    CimGpuResult r;
    cim_gpu_cfg_defaults(&g);
    double floor_s = 2.0 * 1500 / 82.6e12 + 800.0 / 1008e9;
    unsigned batches[] = {1, 8, 64, 4096};
    for (size_t i = 0; i < sizeof batches / sizeof batches[0]; i++) {
        g.run.batch_size = batches[i];
        cim_gpu_estimate(&g, toy, 3, &r);
        NEAR(r.floor_s, floor_s);
        NEAR(r.floor_energy_per_inference_j, 450 * floor_s);
        assert_true(r.floor_energy_per_inference_j < r.energy_per_inference_j);
    }
    g.run.power_model = CIM_GPU_POWER_LINEAR;
    g.throughput.precision = CIM_GPU_INT8;
    cim_gpu_estimate(&g, toy, 3, &r);
    NEAR(r.floor_energy_per_inference_j, 450 * (2.0 * 1500 / 660.6e12 + 800.0 / 1008e9));
    /* the header's example: 1e9 MACs at 100 TFLOPS, 400 W */
    CimGpuLayer one = {CIM_GPU_L_MATMUL, 1000000000, 0, 1};
    g.throughput.precision = CIM_GPU_FP32;
    g.throughput.fp32_tflops = 100;
    g.board.board_power_w = 400;
    cim_gpu_estimate(&g, &one, 1, &r);
    NEAR(r.floor_s, 2e-5);
    NEAR(r.floor_energy_per_inference_j, 8e-3);
}

/* ---- measured ------------------------------------------------------------------ */

static void test_gpu_measured_trapezoid(void **state)
{
    (void)state;
    CimDiag d;
    CimGpuMeasured m;
    cim_diag_init(&d);
    const char *p = WRITE("ok.csv", "time_s,power_w\n0,100\n0.5,200\n\n# pause\n1.5,100\n");
    /* 0.5 s x 150 W + 1 s x 150 W = 225 J over 9 inferences */
    assert_int_equal(cim_gpu_measured_read(p, 9, 1, 21, &m, &d), CIM_OK);
    assert_int_equal(d.n, 0);
    assert_int_equal(m.samples, 3);
    NEAR(m.t0_s, 0);
    NEAR(m.t1_s, 1.5);
    NEAR(m.energy_j, 225);
    NEAR(m.mean_power_w, 150);
    NEAR(m.energy_per_inference_j, 25);
    /* idle subtracted: 225 - 20 W x 1.5 s */
    assert_int_equal(cim_gpu_measured_read(p, 9, 0, 20, &m, &d), CIM_OK);
    NEAR(m.energy_j, 195);
    NEAR(m.energy_per_inference_j, 195.0 / 9);
    /* CRLF line ends, blanks around fields, no header */
    p = WRITE("crlf.csv", " 1 , 10\r\n3,30 \r\n");
    assert_int_equal(cim_gpu_measured_read(p, 2, 1, 0, &m, &d), CIM_OK);
    NEAR(m.energy_j, 40);
    cim_diag_free(&d);
}

/* The first error of a bad CSV: line, column and message. */
static void expect_csv_error(const char *text, size_t len, unsigned line, unsigned col, const char *msg)
{
    CimDiag d;
    CimGpuMeasured m;
    cim_diag_init(&d);
    const char *p = write_file("bad.csv", text, len);
    assert_int_equal(cim_gpu_measured_read(p, 1, 1, 0, &m, &d), CIM_ERR_CONFIG);
    assert_true(d.n >= 1);
    if (strcmp(d.v[0].msg, msg) != 0)
        fail_msg("got '%s', want '%s'", d.v[0].msg, msg);
    assert_string_equal(d.v[0].file, p);
    assert_int_equal(d.v[0].line, line);
    assert_int_equal(d.v[0].col, col);
    cim_diag_free(&d);
}
#define EXPECT_CSV(text, line, col, msg) expect_csv_error(text, sizeof(text) - 1, line, col, msg)

static void test_gpu_measured_malformed_csv(void **state)
{
    (void)state;
    EXPECT_CSV("0,100\n0.5,abc\n", 2, 5, "power_w must be a finite number >= 0, got 'abc'");
    EXPECT_CSV("0,100\n0.5\n", 2, 1, "expected 2 comma-separated fields (time_s,power_w), got 1");
    EXPECT_CSV("0,100\n1,2,3\n", 2, 1, "expected 2 comma-separated fields (time_s,power_w), got 3");
    EXPECT_CSV("0,100\n0,120\n", 2, 1, "time_s must increase from sample to sample, got 0 after 0 (line 1)");
    EXPECT_CSV("0,100\n# c\n2,1\n1,5\n", 4, 1, "time_s must increase from sample to sample, got 1 after 2 (line 3)");
    EXPECT_CSV("0,-5\n1,5\n", 1, 3, "power_w must be a finite number >= 0, got '-5'");
    EXPECT_CSV("inf,5\n1,5\n", 1, 1, "time_s must be a finite number, got 'inf'");
    EXPECT_CSV("0,nan\n1,5\n", 1, 3, "power_w must be a finite number >= 0, got 'nan'");
    EXPECT_CSV("0x1,5\n1,5\n", 1, 1, "time_s must be a finite number, got '0x1'");
    EXPECT_CSV("0,1e999\n1,5\n", 1, 3, "power_w must be a finite number >= 0, got '1e999'");
    EXPECT_CSV("0,100\n", 0, 0, "need at least 2 power samples (time_s,power_w lines), got 1");
    EXPECT_CSV("time_s,power_w\n", 0, 0, "need at least 2 power samples (time_s,power_w lines), got 0");
    EXPECT_CSV("", 0, 0, "need at least 2 power samples (time_s,power_w lines), got 0");
    EXPECT_CSV("0,1\ntime_s,power_w\n", 2, 1, "time_s must be a finite number, got 'time_s'");
    EXPECT_CSV("0,1\n1,\n", 2, 3, "power_w must be a finite number >= 0, got ''");
    EXPECT_CSV("0,1\n1,2\0x\n", 2, 4, "line contains a NUL byte");
}

static void test_gpu_measured_reports_every_bad_line(void **state)
{
    (void)state;
    CimDiag d;
    CimGpuMeasured m;
    char text[4096];
    size_t o = 0;
    for (int i = 0; i < 30; i++)
        o += (size_t)snprintf(text + o, sizeof text - o, "%d,x%d\n", i, i);
    cim_diag_init(&d);
    const char *p = write_file("many.csv", text, o);
    memset(&m, 0x5A, sizeof m);
    CimGpuMeasured before = m;
    assert_int_equal(cim_gpu_measured_read(p, 1, 1, 0, &m, &d), CIM_ERR_CONFIG);
    assert_int_equal(d.errors, 30);
    assert_int_equal(d.dropped, 30 - CIM_DIAG_MAX_ERRORS);
    assert_memory_equal(&m, &before, sizeof m); /* untouched on error */
    cim_diag_free(&d);
    cim_diag_init(&d);
    assert_int_equal(cim_gpu_measured_read("no/such.csv", 1, 1, 0, &m, &d), CIM_ERR_IO);
    assert_non_null(strstr(d.v[0].msg, "cannot read file"));
    assert_int_equal(cim_gpu_measured_read(p, 0, 1, 0, &m, &d), CIM_ERR_RANGE);
    cim_diag_free(&d);
}

/* Random bytes drawn from CSV-like characters: never a crash, a valid result or errors. */
static void test_gpu_measured_survives_garbage(void **state)
{
    (void)state;
    static const char alphabet[] = "0123456789,,,\n\n.-+eE #\r\t\0xyzinfa";
    CimRng r;
    char text[512];
    cim_rng_seed(&r, 5);
    for (int round = 0; round < 300; round++) {
        size_t n = (size_t)(cim_rng_u64(&r) % sizeof text);
        for (size_t i = 0; i < n; i++)
            text[i] = alphabet[cim_rng_u64(&r) % (sizeof alphabet - 1)];
        CimDiag d;
        CimGpuMeasured m;
        cim_diag_init(&d);
        const char *p = write_file("fuzz.csv", text, n);
        CimStatus st = cim_gpu_measured_read(p, 3, round % 2, 10, &m, &d);
        assert_true(st == CIM_OK || st == CIM_ERR_CONFIG);
        assert_true((st == CIM_OK) == (d.errors == 0));
        if (st == CIM_OK)
            assert_true(m.samples >= 2 && m.t1_s > m.t0_s);
        cim_diag_free(&d);
    }
}

/* ---- the GPU file -------------------------------------------------------------- */

static void test_gpu_cfg_file_equals_defaults(void **state)
{
    (void)state;
    CimDiag d;
    CimGpuCfg loaded, def;
    cim_diag_init(&d);
    memset(&loaded, 0xA5, sizeof loaded);
    assert_int_equal(cim_gpu_cfg_load(GPU_FILE, NULL, &loaded, &d), CIM_OK);
    assert_int_equal(d.n, 0);
    cim_gpu_cfg_defaults(&def);
    assert_memory_equal(&loaded, &def, sizeof def);
    assert_true(def.board.board_power_w == 450 && def.throughput.fp32_tflops == 82.6);
    assert_true(def.throughput.int8_dense_tops == 660.6 && def.board.memory_bandwidth_gbs == 1008);
    assert_int_equal(def.throughput.precision, CIM_GPU_FP32);
    assert_int_equal(def.run.batch_size, 1);
    assert_int_equal(def.run.power_model, CIM_GPU_POWER_BOARD);
    assert_int_equal(def.run.count_idle, 1);
    assert_int_equal(def.has_measured, 0);
    assert_int_equal(cim_gpu_cfg_check(GPU_FILE, &d), CIM_OK);
    cim_diag_free(&d);
}

static char *gpu_text(const char *old, const char *new_text)
{
    FILE *f = fopen(GPU_FILE, "rb");
    assert_non_null(f);
    static char buf[8192], out[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *at = strstr(buf, old);
    assert_non_null(at);
    snprintf(out, sizeof out, "%.*s%s%s", (int)(at - buf), buf, new_text, at + strlen(old));
    return out;
}

static void test_gpu_cfg_errors(void **state)
{
    (void)state;
    CimDiag d;
    CimGpuCfg g;
    cim_diag_init(&d);
    char *t = gpu_text("idle_power_w: 21", "idle_power_w: 450");
    const char *p = write_file("idle.yaml", t, strlen(t));
    assert_int_equal(cim_gpu_cfg_load(p, NULL, &g, &d), CIM_ERR_CONFIG);
    assert_string_equal(d.v[0].msg, "gpu.board.idle_power_w must be below gpu.board.board_power_w (450), got 450");
    assert_int_equal(d.v[0].line, 12);
    assert_int_equal(d.v[0].col, 19);
    cim_diag_free(&d);
    cim_diag_init(&d);
    t = gpu_text("precision: fp32", "precision: fp16");
    p = write_file("prec.yaml", t, strlen(t));
    assert_int_equal(cim_gpu_cfg_load(p, NULL, &g, &d), CIM_ERR_CONFIG);
    assert_string_equal(d.v[0].msg, "unknown value 'fp16' for gpu.throughput.precision; expected one of: fp32, int8");
    cim_diag_free(&d);
    cim_diag_init(&d);
    t = gpu_text("max: 0.5", "max: 1.5");
    p = write_file("max.yaml", t, strlen(t));
    assert_int_equal(cim_gpu_cfg_load(p, NULL, &g, &d), CIM_ERR_CONFIG);
    assert_string_equal(d.v[0].msg, "gpu.utilisation.max must be in (0, 1], got 1.5");
    cim_diag_free(&d);
}

static void test_gpu_cfg_measured_group(void **state)
{
    (void)state;
    CimDiag d;
    CimGpuCfg g;
    cim_diag_init(&d);
    char *t = gpu_text("  # measured:", "  measured:\n    power_csv: p.csv\n    inferences: 100\n  # measured:");
    const char *p = write_file("meas.yaml", t, strlen(t));
    assert_int_equal(cim_gpu_cfg_load(p, NULL, &g, &d), CIM_OK);
    assert_int_equal(g.has_measured, 1);
    char want[160];
    snprintf(want, sizeof want, "%s/p.csv", g_dir);
    assert_string_equal(g.measured.power_csv, want); /* relative to the GPU file */
    assert_int_equal(g.measured.inferences, 100);
    const char *items[] = {"gpu.measured.power_csv=x/q.csv"};
    CimOverrides ov = {items, 1};
    assert_int_equal(cim_gpu_cfg_load(p, &ov, &g, &d), CIM_OK);
    assert_string_equal(g.measured.power_csv, "x/q.csv"); /* an override is taken as written */
    t = gpu_text("  # measured:", "  measured:\n    power_csv: p.csv\n    inferences: 0\n");
    p = write_file("meas0.yaml", t, strlen(t));
    assert_int_equal(cim_gpu_cfg_load(p, NULL, &g, &d), CIM_ERR_CONFIG);
    assert_string_equal(d.v[0].msg, "gpu.measured.inferences must be > 0, got 0");
    cim_diag_free(&d);
    cim_diag_init(&d);
    t = gpu_text("  # measured:", "  measured:\n    power_csv: p.csv\n");
    p = write_file("meas1.yaml", t, strlen(t));
    assert_int_equal(cim_gpu_cfg_load(p, NULL, &g, &d), CIM_ERR_CONFIG);
    assert_string_equal(d.v[0].msg, "missing key 'inferences' in 'gpu.measured'");
    cim_diag_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gpu_utilisation_and_power),
        cmocka_unit_test(test_gpu_estimate_toy_by_hand),
        cmocka_unit_test(test_gpu_batch_one_is_launch_bound),
        cmocka_unit_test(test_gpu_floor_by_hand),
        cmocka_unit_test(test_gpu_measured_trapezoid),
        cmocka_unit_test(test_gpu_measured_malformed_csv),
        cmocka_unit_test(test_gpu_measured_reports_every_bad_line),
        cmocka_unit_test(test_gpu_measured_survives_garbage),
        cmocka_unit_test(test_gpu_cfg_file_equals_defaults),
        cmocka_unit_test(test_gpu_cfg_errors),
        cmocka_unit_test(test_gpu_cfg_measured_group),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
