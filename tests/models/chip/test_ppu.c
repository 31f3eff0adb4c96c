/* The post-processing unit's shared rules (models/chip/ppu.h): the layer-table layout with
 * its writer and reader, the border-pattern count, and the accumulate, finish, pruned and
 * threshold arithmetic, each against a worked example or a plain restatement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "models/chip/ppu.h"

/* The example of the header: nf 3, npat 9. */
static void test_ppu_table_layout_example(void **state)
{
    (void)state;
    CimPpuTable t = cim_ppu_table(3, 9);
    assert_int_equal(t.mask_bits, 32);
    assert_int_equal(t.thr_bit, 32);
    assert_int_equal(t.off_bit, 128);
    assert_int_equal(t.bits, 992);
    assert_int_equal(cim_ppu_table_thr_bit(&t, 2), 96);
    assert_int_equal(cim_ppu_table_off_bit(&t, 1, 2), 128 + 32 * (3 + 2));
    CimPpuTable u = cim_ppu_table(33, 1); /* mask padded to 64 bits */
    assert_int_equal(u.mask_bits, 64);
    assert_int_equal(u.bits, 64 + 32 * 33 * 2);
}

static void test_ppu_npat_follows_the_window(void **state)
{
    (void)state;
    assert_int_equal(cim_window_patterns(0), 1);
    assert_int_equal(cim_window_patterns(1), 9);
    assert_int_equal(cim_window_patterns(3), 49);
    CimWindowState w = {0};
    assert_int_equal(cim_ppu_npat(&w), 1); /* not configured: ild inputs */
    w.configured = 1;
    w.pad = 2;
    assert_int_equal(cim_ppu_npat(&w), 25);
}

/* What the writer puts at an odd bit address, the reader gets back; neither touches the
 * rest of the buffer. */
static void test_ppu_table_write_then_read_round_trips(void **state)
{
    (void)state;
    enum { NF = 37, NPAT = 9, AT = 77 };
    CimPpuTable t = cim_ppu_table(NF, NPAT);
    static uint64_t buf[200], orig[200], before[200];
    CimRng r;
    cim_rng_seed(&r, 3);
    for (int i = 0; i < 200; i++)
        buf[i] = orig[i] = cim_rng_u64(&r);
    assert_true(AT + t.bits + 100 < 200 * 64);
    int32_t thr[NF], off[NPAT * NF];
    uint8_t pr[NF];
    for (unsigned f = 0; f < NF; f++) {
        pr[f] = (uint8_t)(cim_rng_u64(&r) & 1);
        thr[f] = (int32_t)cim_rng_u64(&r);
        cim_ppu_table_put_filter(&t, buf, AT, f, pr[f], thr[f]);
        for (unsigned p = 0; p < NPAT; p++) {
            off[p * NF + f] = (int32_t)cim_rng_u64(&r);
            cim_ppu_table_put_offset(&t, buf, AT, p, f, off[p * NF + f]);
        }
    }
    memcpy(before, buf, sizeof buf);
    uint64_t rp[1] = {0};
    int32_t rt[NF], ro[NPAT * NF];
    cim_ppu_table_read(&t, buf, AT, rp, rt, ro);
    for (unsigned f = 0; f < NF; f++)
        assert_int_equal(cim_bits_get(rp, f), pr[f]);
    assert_memory_equal(rt, thr, sizeof thr);
    assert_memory_equal(ro, off, sizeof off);
    assert_memory_equal(buf, before, sizeof buf); /* reading changes nothing */
    for (size_t i = 0; i < 200 * 64; i++) /* writing nothing outside the table */
        if (i < AT || i >= AT + t.bits)
            assert_int_equal(cim_bits_get(buf, i), cim_bits_get(orig, i));
    cim_ppu_table_read(&t, buf, AT, NULL, NULL, NULL); /* every output may be left out */
}

/* pacc, pfin and pthr against their worked examples and the plain +-1 dot product. */
static void test_ppu_arithmetic_examples(void **state)
{
    (void)state;
    assert_int_equal(cim_ppu_acc(100, 30, 1, 0, 8), -96); /* 160 wraps at 8 bits */
    assert_int_equal(cim_ppu_acc(5, 3, 2, 1, 16), -7);
    /* x = 1100, w = 1010, V = 4: p = 1, px = 2, pw = 2: dot product 0 */
    assert_int_equal(cim_ppu_offset(4, 2), 0);
    assert_int_equal(cim_ppu_finish(1, 2, cim_ppu_offset(4, 2), 32), 0);
    /* a pruned filter is all -1: dot = V - 2 px in mode ref, 0 in mode skip */
    assert_int_equal(cim_ppu_pruned(0, 9, 7, 32), -5);
    assert_int_equal(cim_ppu_pruned(1, 9, 7, 32), 0);
    assert_int_equal(cim_ppu_fires(3, 3), 1);
    assert_int_equal(cim_ppu_fires(2, 3), 0);
    CimRng r;
    cim_rng_seed(&r, 9);
    for (int t = 0; t < 2000; t++) { /* random x, w of up to 64 taps, V valid */
        unsigned V = 1 + (unsigned)(cim_rng_u64(&r) % 64);
        uint64_t m = V == 64 ? ~0ull : (1ull << V) - 1, x = cim_rng_u64(&r) & m, w = cim_rng_u64(&r) & m;
        int dot = 0;
        for (unsigned i = 0; i < V; i++)
            dot += (((x >> i) & 1) ? 1 : -1) * (((w >> i) & 1) ? 1 : -1);
        uint32_t p = (uint32_t)__builtin_popcountll(x & w), px = (uint32_t)__builtin_popcountll(x);
        int32_t off = cim_ppu_offset(V, (uint32_t)__builtin_popcountll(w));
        assert_int_equal(cim_ppu_finish(p, px, off, 16), dot);
        assert_int_equal(cim_ppu_finish(cim_ppu_acc(0, p, 0, 0, 16), px, off, 16), dot);
        if (w == 0)
            assert_int_equal(cim_ppu_finish(0, px, off, 16), cim_ppu_pruned(0, V, px, 16));
    }
}

/* The folded compare against the finish and the threshold: cim_ppu_fold_exact holds exactly
 * when no finish in its ranges wraps, and then the fold gives every output bit the general
 * route gives; random thresholds and offsets, small ones near the counts and full 32-bit
 * ones, accumulators of 8 to 64 bits, both sides of the wrap. */
static void test_ppu_fold_matches_finish_and_threshold(void **state)
{
    (void)state;
    assert_false(cim_ppu_fold_exact(100, 10, 0, 8)); /* the header's examples */
    assert_true(cim_ppu_fold_exact(0, 31, 64, 8));
    assert_false(cim_ppu_fold_exact(0, 32, 64, 8));  /* 128: one past */
    assert_false(cim_ppu_fold_exact(0, 31, 65, 8));  /* -130 */
    assert_true(cim_ppu_fold_exact(INT32_MAX, 1u << 30, 1u << 30, 64));
    CimRng r;
    cim_rng_seed(&r, 14);
    unsigned exact = 0, inexact = 0, differs = 0;
    for (int t = 0; t < 20000; t++) {
        static const unsigned widths[] = {8, 9, 12, 16, 31, 32, 33, 64};
        unsigned bits = widths[cim_rng_u64(&r) % 8];
        uint32_t pmax = (uint32_t)(cim_rng_u64(&r) % 48), pxmax = (uint32_t)(cim_rng_u64(&r) % 48);
        int wide = (int)(cim_rng_u64(&r) % 4) == 0;
        int32_t off = wide ? (int32_t)cim_rng_u64(&r) : (int32_t)(cim_rng_u64(&r) % 301) - 150;
        int32_t thr = (int)(cim_rng_u64(&r) % 4) == 0 ? (int32_t)cim_rng_u64(&r)
                                                     : (int32_t)(cim_rng_u64(&r) % 301) - 150;
        int64_t margin = cim_ppu_fold_margin(thr, off);
        int no_wrap = 1, agree = 1;
        for (uint32_t p = 0; p <= pmax; p++)
            for (uint32_t px = 0; px <= pxmax; px++) {
                int64_t fin = cim_ppu_finish(p, px, off, bits);
                no_wrap &= fin == 4 * (int64_t)p - 2 * (int64_t)px + off;
                agree &= cim_ppu_fires(fin, thr) == cim_ppu_fires_count(p, px, margin);
            }
        assert_int_equal(cim_ppu_fold_exact(off, pmax, pxmax, bits), no_wrap);
        if (no_wrap)
            assert_true(agree);
        exact += (unsigned)no_wrap;
        inexact += (unsigned)!no_wrap;
        differs += (unsigned)!agree;
    }
    assert_true(exact > 1000 && inexact > 1000 && differs > 100); /* both sides, and the wrap matters */
}

/* The border classes of the window unit and the taps the tables count as valid agree: at
 * every position of maps from k x k up to k + 3, a tap is inside the map exactly when
 * cim_window_tap_valid says so for the position's classes, and the valid count matches. */
static void test_window_tap_valid_matches_the_window_unit(void **state)
{
    (void)state;
    unsigned checked = 0;
    for (uint32_t k = 1; k <= 7; k += 2)
        for (uint32_t h = k; h <= k + 3; h++)
            for (uint32_t w = k; w <= k + 3; w++) {
                uint32_t pad = (k - 1) / 2, ncls = 2 * pad + 1;
                CimWindowState s = {.configured = 1, .c = 2, .h = h, .w = w, .k = k, .pad = pad};
                for (uint32_t y = 0; y < h; y++)
                    for (uint32_t x = 0; x < w; x++) {
                        uint32_t valid, pattern, inside = 0;
                        cim_window_class(&s, y, x, &valid, &pattern);
                        assert_true(pattern < cim_window_patterns(pad));
                        for (uint32_t ky = 0; ky < k; ky++)
                            for (uint32_t kx = 0; kx < k; kx++) {
                                int64_t yy = (int64_t)y + ky - pad, xx = (int64_t)x + kx - pad;
                                int in = yy >= 0 && xx >= 0 && yy < h && xx < w;
                                int said = cim_window_tap_valid(pattern / ncls, ky, k, pad) &&
                                           cim_window_tap_valid(pattern % ncls, kx, k, pad);
                                assert_int_equal(in, said);
                                inside += (uint32_t)in;
                                checked++;
                            }
                        assert_int_equal(valid, inside * s.c);
                    }
            }
    assert_true(checked > 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ppu_table_layout_example),
        cmocka_unit_test(test_ppu_npat_follows_the_window),
        cmocka_unit_test(test_ppu_table_write_then_read_round_trips),
        cmocka_unit_test(test_ppu_arithmetic_examples),
        cmocka_unit_test(test_ppu_fold_matches_finish_and_threshold),
        cmocka_unit_test(test_window_tap_valid_matches_the_window_unit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
