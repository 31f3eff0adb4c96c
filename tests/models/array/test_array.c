/* The 1T1R array: gated read against a naive reference, dual-row reads, write-verify,
 * event counts and cycles, device physics, range errors and allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "models/array/array.h"
#include "tests/support/test_alloc.h"

static CimChipCfg small_chip(unsigned rows, unsigned cols)
{
    CimChipCfg c;
    cim_cfg_defaults(&c);
    c.array.rows = rows;
    c.array.cols = cols;
    return c;
}

static CimArray *make(const CimChipCfg *c)
{
    CimArray *a = NULL;
    assert_int_equal(cim_array_create(c, 0, NULL, &a), CIM_OK);
    return a;
}

static void fill_random(CimArray *a, uint64_t data[][4], unsigned rows, unsigned cols, CimRng *r)
{
    for (unsigned i = 0; i < rows; i++) {
        cim_bits_random(data[i], cols, r);
        assert_int_equal(cim_array_write_row(a, i, data[i], NULL, NULL), CIM_OK);
    }
}

static void test_array_gated_read_matches_naive_popcount(void **state)
{
    (void)state;
    const unsigned rows = 64, cols = 256;
    CimChipCfg c = small_chip(rows, cols);
    c.periph.counter_bits = 16;
    CimArray *a = make(&c);
    CimRng r;
    cim_rng_seed(&r, 11);
    static uint64_t data[64][4];
    fill_random(a, data, rows, cols, &r);
    for (int trial = 0; trial < 20; trial++) {
        unsigned row0 = (unsigned)(cim_rng_u64(&r) % rows);
        unsigned n = 1 + (unsigned)(cim_rng_u64(&r) % (rows - row0));
        uint64_t in[1];
        cim_bits_random(in, n, &r);
        CimCounters cnt;
        assert_int_equal(cim_counters_init(&cnt, cols, 16, CIM_OVERFLOW_WRAP, NULL), CIM_OK);
        cim_array_reset_counts(a);
        assert_int_equal(cim_array_gated_read(a, row0, n, in, cim_array_all_cols(a), &cnt), CIM_OK);
        for (unsigned col = 0; col < cols; col++) {
            unsigned want = 0; /* naive: sum over rows of input AND cell */
            for (unsigned k = 0; k < n; k++)
                want += (unsigned)(cim_bits_get(in, k) & cim_bits_get(data[row0 + k], col));
            assert_int_equal(cnt.v[col], want);
        }
        const CimArrayStats *s = cim_array_stats(a);
        assert_int_equal(s->gated_rows, n);
        assert_int_equal(s->gated_rows_active, cim_bits_popcount(in, n));
        assert_int_equal(s->cycles, (uint64_t)n * cim_array_timing(a)->gated_row);
        assert_int_equal(cim_array_events(a)->n[CIM_EV_WL_ROW], cim_bits_popcount(in, n));
        cim_counters_free(&cnt, NULL);
    }
    cim_array_destroy(a);
}

static void test_array_dual_read_exact_with_physics_off(void **state)
{
    (void)state;
    CimChipCfg c = small_chip(16, 256);
    CimArray *a = make(&c);
    CimRng r;
    cim_rng_seed(&r, 5);
    static uint64_t data[16][4];
    fill_random(a, data, 16, 256, &r);
    for (int op = 0; op < CIM_OP_COUNT; op++)
        for (unsigned i = 0; i + 1 < 16; i++) {
            uint64_t got[4], want[4];
            assert_int_equal(cim_array_dual_read(a, i, i + 1, (CimLogicOp)op, cim_array_all_cols(a), got), CIM_OK);
            cim_op_apply((CimLogicOp)op, data[i], data[i + 1], want, 256);
            assert_memory_equal(got, want, sizeof got);
        }
    uint64_t got[4];
    assert_int_equal(cim_array_read_row(a, 3, cim_array_all_cols(a), got), CIM_OK);
    assert_memory_equal(got, data[3], sizeof got);
    cim_array_destroy(a);
}

static void test_array_dual_read_counts_events(void **state)
{
    (void)state;
    CimChipCfg c = small_chip(16, 64);
    CimArray *a = make(&c);
    uint64_t ra[1] = {0xF0F0F0F0F0F0F0F0ull}, rb[1] = {0xFFull}, out[1];
    cim_array_write_row(a, 0, ra, NULL, NULL);
    cim_array_write_row(a, 1, rb, NULL, NULL);
    cim_array_reset_counts(a);
    assert_int_equal(cim_array_dual_read(a, 0, 1, CIM_OP_XOR, cim_array_all_cols(a), out), CIM_OK);
    assert_true(out[0] == (ra[0] ^ rb[0]));
    const CimEvents *e = cim_array_events(a);
    assert_int_equal(e->n[CIM_EV_WL_ROW], 2);
    assert_int_equal(e->n[CIM_EV_CELL_LRS], 32 + 8);
    assert_int_equal(e->n[CIM_EV_CELL_HRS], 128 - 40);
    assert_int_equal(e->n[CIM_EV_SENSE], 2 * 64); /* XOR needs both references */
    assert_int_equal(cim_array_stats(a)->dual_reads[CIM_OP_XOR], 1);
    cim_array_reset_counts(a);
    cim_array_dual_read(a, 0, 1, CIM_OP_OR, cim_array_all_cols(a), out);
    assert_int_equal(cim_array_events(a)->n[CIM_EV_SENSE], 64); /* OR needs one */
    cim_array_destroy(a);
}

static void test_array_write_pulses_only_changed_cells(void **state)
{
    (void)state;
    CimChipCfg c = small_chip(16, 64);
    CimArray *a = make(&c);
    const CimArrayTiming *t = cim_array_timing(a);
    uint64_t d1[1] = {0x0Full}, d2[1] = {0x3Cull}; /* 0x0F -> 0x3C: SET bits 4,5; RESET 0,1 */
    uint32_t failed = 9, cyc = 0;
    cim_array_write_row(a, 2, d1, &failed, &cyc);
    cim_array_reset_counts(a);
    assert_int_equal(cim_array_write_row(a, 2, d2, &failed, &cyc), CIM_OK);
    const CimEvents *e = cim_array_events(a);
    assert_int_equal(e->n[CIM_EV_SET_PULSE], 2);
    assert_int_equal(e->n[CIM_EV_RESET_PULSE], 2);
    assert_int_equal(failed, 0);
    /* pre-read, SET phase, RESET phase, one verify read */
    assert_int_equal(cyc, t->read + t->set + t->reset + t->verify);
    assert_int_equal(cim_array_stats(a)->verify_reads, 2);
    assert_true(cim_array_row_state(a, 2)[0] == 0x3C);
    /* rewriting the same data: pre-read only */
    cim_array_write_row(a, 2, d2, &failed, &cyc);
    assert_int_equal(cyc, t->read);
    assert_int_equal(e->n[CIM_EV_SET_PULSE], 2);
    cim_array_destroy(a);
}

static void test_array_write_verify_retries_failed_pulses(void **state)
{
    (void)state;
    CimChipCfg c = small_chip(16, 256);
    c.physics.enabled = 1;
    c.tech.device.write_fail_prob = 0.5;
    c.write.max_pulses = 40; /* 256 cells at 0.5^40: practically never left wrong */
    CimArray *a = make(&c);
    uint64_t d[4] = {~0ull, ~0ull, ~0ull, ~0ull};
    uint32_t failed = 1;
    assert_int_equal(cim_array_write_row(a, 0, d, &failed, NULL), CIM_OK);
    assert_int_equal(failed, 0);
    /* 256 SET pulses needed at least; with p = 0.5 about 512 expected */
    uint64_t sets = cim_array_events(a)->n[CIM_EV_SET_PULSE];
    assert_true(sets > 400 && sets < 640);
    cim_array_destroy(a);
    /* verify off: one pulse each, about half stay wrong and are reported */
    c.write.verify = 0;
    a = make(&c);
    assert_int_equal(cim_array_write_row(a, 0, d, &failed, NULL), CIM_OK);
    assert_true(failed > 90 && failed < 166);
    assert_int_equal(cim_array_stats(a)->write_failures, failed);
    cim_array_destroy(a);
}

static void test_array_stuck_cells_reported_as_write_failures(void **state)
{
    (void)state;
    CimChipCfg c = small_chip(64, 256);
    c.physics.enabled = 1;
    c.tech.device.stuck_at_0_rate = 0.1;
    CimArray *a = make(&c);
    uint64_t ones[4] = {~0ull, ~0ull, ~0ull, ~0ull};
    uint64_t total = 0;
    for (unsigned r = 0; r < 64; r++) {
        uint32_t failed;
        cim_array_write_row(a, r, ones, &failed, NULL);
        total += failed;
    }
    /* 16384 cells, 10 % stuck at 0 */
    assert_true(total > 1400 && total < 1880);
    cim_array_destroy(a);
}

static void test_array_physics_on_with_wide_margins_gives_zero_errors(void **state)
{
    (void)state;
    CimChipCfg c = small_chip(32, 256);
    c.physics.enabled = 1;
    c.tech.device.sigma_ln_on = 0;
    c.tech.device.sigma_ln_off = 0;
    c.tech.device.read_noise_rel = 0;
    c.tech.device.write_fail_prob = 0;
    CimArray *a = make(&c);
    CimRng r;
    cim_rng_seed(&r, 9);
    static uint64_t data[32][4];
    fill_random(a, data, 32, 256, &r);
    for (int op = 0; op < CIM_OP_COUNT; op++)
        for (unsigned i = 0; i + 1 < 32; i += 2) {
            uint64_t got[4], want[4];
            cim_array_dual_read(a, i, i + 1, (CimLogicOp)op, cim_array_all_cols(a), got);
            cim_op_apply((CimLogicOp)op, data[i], data[i + 1], want, 256);
            assert_memory_equal(got, want, sizeof got);
        }
    cim_array_destroy(a);
}

static void test_array_rejects_out_of_range_rows(void **state)
{
    (void)state;
    CimChipCfg c = small_chip(16, 64);
    CimArray *a = make(&c);
    uint64_t d[1] = {0}, in[1] = {1};
    CimCounters cnt, bad;
    cim_counters_init(&cnt, 64, 8, CIM_OVERFLOW_WRAP, NULL);
    cim_counters_init(&bad, 32, 8, CIM_OVERFLOW_WRAP, NULL);
    assert_int_equal(cim_array_write_row(a, 16, d, NULL, NULL), CIM_ERR_RANGE);
    assert_int_equal(cim_array_read_row(a, 16, cim_array_all_cols(a), d), CIM_ERR_RANGE);
    assert_int_equal(cim_array_dual_read(a, 1, 1, CIM_OP_OR, cim_array_all_cols(a), d), CIM_ERR_RANGE);
    assert_int_equal(cim_array_dual_read(a, 0, 16, CIM_OP_OR, cim_array_all_cols(a), d), CIM_ERR_RANGE);
    assert_int_equal(cim_array_gated_read(a, 10, 7, in, cim_array_all_cols(a), &cnt), CIM_ERR_RANGE);
    assert_int_equal(cim_array_gated_read(a, 0, 1, in, cim_array_all_cols(a), &bad), CIM_ERR_RANGE);
    assert_int_equal(cim_array_gated_read(a, 15, 1, in, cim_array_all_cols(a), &cnt), CIM_OK);
    cim_counters_free(&cnt, NULL);
    cim_counters_free(&bad, NULL);
    cim_array_destroy(a);
}

/* A gated read's events are the shared rule (cim_array_gated_events, which the fast path
 * adds too) of its active rows, window columns and conducting cells, plus one counter
 * event per conducting cell. Example of the header: 3 active rows, 4 columns, 5 LRS. */
static void test_array_gated_read_events_are_the_shared_rule(void **state)
{
    (void)state;
    CimEvents ex = {{0}};
    cim_array_gated_events(&ex, 3, 4, 5);
    assert_int_equal(ex.n[CIM_EV_WL_ROW], 3);
    assert_int_equal(ex.n[CIM_EV_CELL_LRS], 5);
    assert_int_equal(ex.n[CIM_EV_CELL_HRS], 7);
    assert_int_equal(ex.n[CIM_EV_BL_COL], 12);
    assert_int_equal(ex.n[CIM_EV_SENSE], 12);
    const unsigned rows = 64, cols = 128;
    CimChipCfg c = small_chip(rows, cols);
    CimArray *a = make(&c);
    CimRng r;
    cim_rng_seed(&r, 5);
    static uint64_t data[64][4];
    fill_random(a, data, rows, cols, &r);
    CimCounters cnt;
    assert_int_equal(cim_counters_init(&cnt, cols, 3, CIM_OVERFLOW_SATURATE, NULL), CIM_OK);
    for (int trial = 0; trial < 20; trial++) {
        unsigned row0 = (unsigned)(cim_rng_u64(&r) % rows), n = 1 + (unsigned)(cim_rng_u64(&r) % (rows - row0));
        CimCols w = {(unsigned)(cim_rng_u64(&r) % 64), 1 + (unsigned)(cim_rng_u64(&r) % 64)};
        uint64_t in[1];
        cim_bits_random(in, n, &r);
        uint64_t lrs = 0;
        for (unsigned k = 0; k < n; k++)
            for (unsigned col = w.col0; col < w.col0 + w.ncol; col++)
                lrs += (uint64_t)(cim_bits_get(in, k) & cim_bits_get(data[row0 + k], col));
        CimEvents want = {{0}};
        cim_array_gated_events(&want, cim_bits_popcount(in, n), w.ncol, lrs);
        cim_counter_events(&want, lrs);
        cim_array_reset_counts(a);
        assert_int_equal(cim_array_gated_read(a, row0, n, in, w, &cnt), CIM_OK);
        assert_memory_equal(cim_array_events(a), &want, sizeof want);
    }
    cim_counters_free(&cnt, NULL);
    cim_array_destroy(a);
}

/* The word-parallel gated read (physics off) with its vector columns (where the CPU has
 * them) and with the portable loop, and the row-by-row one through the sense amplifiers
 * (physics on, exact devices) give the same counters and the same events: on random shapes
 * (1 to 6 column words per read, windows not a multiple of 8 or 16 columns) with narrow
 * counters that wrap or saturate. */
static void test_array_gated_fast_and_row_by_row_paths_agree(void **state)
{
    (void)state;
    CimRng r;
    cim_rng_seed(&r, 21);
    for (int shape = 0; shape < 6; shape++) {
        unsigned rows = 16 + (unsigned)(cim_rng_u64(&r) % 400), cols = 8 + (unsigned)(cim_rng_u64(&r) % 200);
        unsigned bits = 1 + (unsigned)(cim_rng_u64(&r) % 10);
        CimOverflow mode = shape & 1 ? CIM_OVERFLOW_SATURATE : CIM_OVERFLOW_WRAP;
        CimChipCfg c0 = small_chip(rows, cols), c1 = c0;
        c1.physics.enabled = 1;
        c1.tech.device.sigma_ln_on = c1.tech.device.sigma_ln_off = c1.tech.device.read_noise_rel = 0;
        CimArray *a[3] = {make(&c0), make(&c0), make(&c1)};
        cim_array_vector(a[1], 0);
        size_t cw = cim_bits_words(cols), rw = cim_bits_words(rows);
        uint64_t *d = calloc(cw, sizeof *d), *in = calloc(rw, sizeof *in);
        for (unsigned i = 0; i < rows; i++) {
            cim_bits_random(d, cols, &r);
            for (int j = 0; j < 3; j++)
                cim_array_backdoor_load(a[j], i, d);
        }
        CimCounters k[3];
        for (int j = 0; j < 3; j++)
            assert_int_equal(cim_counters_init(&k[j], cols, bits, mode, NULL), CIM_OK);
        for (int t = 0; t < 12; t++) {
            unsigned row0 = (unsigned)(cim_rng_u64(&r) % rows), n = 1 + (unsigned)(cim_rng_u64(&r) % (rows - row0));
            unsigned col0 = (unsigned)(cim_rng_u64(&r) % cols);
            CimCols w = {col0, 1 + (unsigned)(cim_rng_u64(&r) % (cols - col0))};
            for (size_t q = 0; q < rw; q++) /* bits past n must be ignored */
                in[q] = cim_rng_u64(&r);
            for (int j = 0; j < 3; j++)
                assert_int_equal(cim_array_gated_read(a[j], row0, n, in, w, &k[j]), CIM_OK);
            for (int j = 1; j < 3; j++) {
                assert_memory_equal(k[0].v, k[j].v, cols * sizeof *k[0].v);
                assert_memory_equal(k[0].overflow, k[j].overflow, cw * sizeof *k[0].overflow);
            }
        }
        for (int j = 1; j < 3; j++) {
            assert_memory_equal(cim_array_events(a[0]), cim_array_events(a[j]), sizeof(CimEvents));
            assert_memory_equal(cim_array_stats(a[0]), cim_array_stats(a[j]), sizeof(CimArrayStats));
        }
        for (int j = 0; j < 3; j++) {
            cim_counters_free(&k[j], NULL);
            cim_array_destroy(a[j]);
        }
        free(d);
        free(in);
    }
}

static void test_array_column_window_limits_sensing(void **state)
{
    (void)state;
    CimChipCfg c = small_chip(16, 128);
    CimArray *a = make(&c);
    uint64_t ones[2] = {~0ull, ~0ull}, out[2];
    cim_array_backdoor_load(a, 0, ones);
    cim_array_backdoor_load(a, 1, ones);
    CimCols w = {60, 10};
    assert_int_equal(cim_array_dual_read(a, 0, 1, CIM_OP_AND, w, out), CIM_OK);
    assert_int_equal(cim_bits_popcount(out, 128), 10);
    assert_int_equal(cim_bits_get(out, 59), 0);
    assert_int_equal(cim_bits_get(out, 60), 1);
    assert_int_equal(cim_bits_get(out, 69), 1);
    assert_int_equal(cim_bits_get(out, 70), 0);
    assert_int_equal(cim_array_events(a)->n[CIM_EV_CELL_LRS], 20);
    assert_int_equal(cim_array_events(a)->n[CIM_EV_SENSE], 10);
    CimCols bad = {120, 9}, empty = {0, 0};
    assert_int_equal(cim_array_read_row(a, 0, bad, out), CIM_ERR_RANGE);
    assert_int_equal(cim_array_read_row(a, 0, empty, out), CIM_ERR_RANGE);
    cim_array_destroy(a);
}

static CimStatus create_with(void *ctx, const CimAlloc *alloc)
{
    CimArray *a = NULL;
    CimStatus st = cim_array_create(ctx, 0, alloc, &a);
    if (st == CIM_OK) {
        uint64_t d[1] = {0x5};
        cim_array_write_row(a, 0, d, NULL, NULL);
    } else {
        assert_null(a);
    }
    cim_array_destroy(a);
    return st;
}

static void test_array_allocation_failures_return_nomem(void **state)
{
    (void)state;
    CimChipCfg c = small_chip(16, 64);
    assert_true(test_alloc_sweep(create_with, &c) >= 3);
    c.physics.enabled = 1;
    assert_true(test_alloc_sweep(create_with, &c) >= 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_array_gated_read_matches_naive_popcount),
        cmocka_unit_test(test_array_gated_read_events_are_the_shared_rule),
        cmocka_unit_test(test_array_dual_read_exact_with_physics_off),
        cmocka_unit_test(test_array_dual_read_counts_events),
        cmocka_unit_test(test_array_write_pulses_only_changed_cells),
        cmocka_unit_test(test_array_write_verify_retries_failed_pulses),
        cmocka_unit_test(test_array_stuck_cells_reported_as_write_failures),
        cmocka_unit_test(test_array_physics_on_with_wide_margins_gives_zero_errors),
        cmocka_unit_test(test_array_rejects_out_of_range_rows),
        cmocka_unit_test(test_array_allocation_failures_return_nomem),
        cmocka_unit_test(test_array_gated_fast_and_row_by_row_paths_agree),
        cmocka_unit_test(test_array_column_window_limits_sensing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
