/* The HTML report: stable section ids, the numbers the text summary prints, every string
 * from a config escaped, nothing external (no scripts, links or URLs), atomic writing.
 * Rendering in a browser is checked by tests/e2e/run_html.sh (headless Chromium). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "workloads/compare/compare.h"
#include "workloads/report/html.h"

typedef struct {
    CimChipCfg cfg;
    CimRunReport r;
    CimReportLayer layers[2];
} Toy;

/* Two images; a chip layer with half its MACs pruned and a host layer; hostile names. */
static Toy *toy(void)
{
    Toy *t = calloc(1, sizeof *t);
    cim_cfg_defaults(&t->cfg);
    CimRunReport *r = &t->r;
    snprintf(r->run_name, sizeof r->run_name, "<script>alert(1)</script>");
    snprintf(r->chip, sizeof r->chip, "chip & \"co\"");
    snprintf(r->tech, sizeof r->tech, "180nm");
    snprintf(r->network, sizeof r->network, "net's");
    snprintf(r->weights, sizeof r->weights, "w<1>.safetensors");
    snprintf(r->fidelity, sizeof r->fidelity, "fast");
    snprintf(r->pruned_mode, sizeof r->pruned_mode, "reference");
    r->status = CIM_RUN_COMPLETE;
    r->images = 2;
    r->correct = 1;
    r->cfg = &t->cfg;
    r->clock_mhz = t->cfg.clock_mhz;
    r->macros = t->cfg.macros;
    r->rows = t->cfg.array.rows;
    r->cols = t->cfg.array.cols;
    cim_energy_table(&t->cfg, &r->etable);
    cim_area_compute(&t->cfg, &r->area);
    t->layers[0] = (CimReportLayer){.name = "conv<1>", .where = CIM_WHERE_CHIP, .filters = 4, .live = 2, .macs = 1000,
                                    .macs_removed = 1000};
    t->layers[0].cost.cycles = 2000;
    t->layers[0].cost.ev.n[0] = 5000;
    t->layers[1] = (CimReportLayer){.name = "fc1", .where = CIM_WHERE_HOST, .filters = 10, .live = 10, .macs = 640};
    r->layers = t->layers;
    r->nlayers = 2;
    return t;
}

static char *render(const CimRunReport *r, const CimCompare *c, const CimSweepResult *sw)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    if (c)
        cim_compare_html_render(c, sw, f);
    else
        cim_html_render(r, f);
    fclose(f);
    return text;
}

static void no_external(const char *html)
{
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "src="));
    assert_null(strstr(html, "href="));
    assert_null(strstr(html, "url("));
    assert_null(strstr(html, "@import"));
    assert_null(strstr(html, "http"));
}

static void test_html_run_has_ids_numbers_and_escapes(void **state)
{
    (void)state;
    Toy *t = toy();
    char *h = render(&t->r, NULL, NULL);
    static const char *const ids[] = {"id=\"summary\"", "id=\"energy-breakdown\"", "id=\"area-breakdown\"",
                                      "id=\"layers\"", "id=\"sum-accuracy\"", "id=\"sum-energy\""};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        assert_non_null(strstr(h, ids[i]));
    assert_null(strstr(h, "id=\"comparison\""));
    assert_non_null(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(h, "chip &amp; &quot;co&quot;"));
    assert_non_null(strstr(h, "net&#39;s"));
    assert_non_null(strstr(h, "w&lt;1&gt;.safetensors"));
    assert_non_null(strstr(h, "conv&lt;1&gt;"));
    no_external(h);
    assert_non_null(strstr(h, "50.00 %"));                /* accuracy 1/2 */
    assert_non_null(strstr(h, "1000 MACs, 1000 pruned (50.0 %)"));
    char area[64];
    snprintf(area, sizeof area, "%.3f mm2", t->r.area.total_um2 * 1e-6);
    assert_non_null(strstr(h, area));
    assert_non_null(strstr(h, "</html>"));
    free(h);
    free(t);
}

static void test_html_compare_has_machines_and_reductions(void **state)
{
    (void)state;
    Toy *t = toy();
    CimCompare *c = calloc(1, sizeof *c);
    c->job.report = t->r; /* the page shows the compared run's report */
    c->side[CIM_SIDE_DIGITAL] = (CimCompareSide){.name = "d", .has_area = 1, .area_um2 = 2.77e6, .energy_pj = 427.4,
                                                 .latency_ns = 1000, .images = 2, .correct = 1};
    c->side[CIM_SIDE_ANALOG] = (CimCompareSide){.name = "a<x>", .has_area = 1, .area_um2 = 10e6, .energy_pj = 1000,
                                                .latency_ns = 100, .images = 2, .correct = 1};
    c->side[CIM_SIDE_GPU] = (CimCompareSide){.name = "g", .energy_pj = 1e9, .latency_ns = 1e5, .images = 2};
    c->macs = 100;
    c->ops = 200;
    c->paper = cim_compare_paper(0);
    snprintf(c->host.name, sizeof c->host.name, "h<1>");
    c->wear = (CimCompareWear){.cells = 10, .pulses_per_inference = 5, .mean_per_cell = 0.5, .max_counted = 1,
                               .max_per_cell = 2, .endurance_cycles = 1e6, .lifetime_inferences = 5e5};
    CimSweepAxis ax = {.key = "analog.adc.bits"};
    CimSweepPoint pt = {.values = {"6"}, .red = {.area_vs_analog = -0.5}};
    CimSweepResult sw = {.axes = &ax, .naxes = 1, .points = &pt, .n = 1};
    char *h = render(&t->r, c, &sw);
    static const char *const ids[] = {"id=\"comparison\"", "id=\"reductions\"", "id=\"sweep\"", "id=\"assumptions\"",
                                      "id=\"comparison-energy\"", "id=\"red-area-analog\"", "id=\"energy-breakdown\"",
                                      "id=\"scope\"", "id=\"red-conv-energy-gpu\"", "id=\"wear\""};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        assert_non_null(strstr(h, ids[i]));
    assert_non_null(strstr(h, "-72.30 %"));  /* ours and the paper's */
    assert_non_null(strstr(h, "-57.26 %"));
    assert_non_null(strstr(h, "-75.61 %"));
    assert_non_null(strstr(h, "a&lt;x&gt;"));
    assert_non_null(strstr(h, "(host: h&lt;1&gt;)"));
    assert_non_null(strstr(h, "5e+05 inferences"));
    assert_non_null(strstr(h, "-50.00 %"));  /* the sweep point */
    no_external(h);
    free(h);
    free(c);
    free(t);
}

static void test_html_write_is_atomic(void **state)
{
    (void)state;
    Toy *t = toy();
    char dir[] = "/tmp/dcim_html_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[64], path[128], tmp[140];
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    snprintf(path, sizeof path, "%s/report.html", sub);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_html_write(&t->r, sub, &d), CIM_OK); /* folders created */
    assert_int_equal(access(path, R_OK), 0);
    assert_int_not_equal(access(tmp, F_OK), 0);
    /* an unwritable place: error, and the report already there is left as it was */
    chmod(sub, 0500);
    if (access(sub, W_OK) != 0) { /* root can write anyway */
        assert_int_equal(cim_html_write(&t->r, sub, &d), CIM_ERR_IO);
        assert_int_equal(access(path, R_OK), 0);
    }
    chmod(sub, 0700);
    remove(path);
    rmdir(sub);
    snprintf(sub, sizeof sub, "%s/a", dir);
    rmdir(sub);
    rmdir(dir);
    cim_diag_free(&d);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_run_has_ids_numbers_and_escapes),
        cmocka_unit_test(test_html_compare_has_machines_and_reductions),
        cmocka_unit_test(test_html_write_is_atomic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
