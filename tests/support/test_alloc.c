/* Counting, failing allocator for fault-injection tests (see test_alloc.h). Each block
 * carries a header with a magic word so releasing a foreign pointer is counted. */
#include "tests/support/test_alloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#define TEST_ALLOC_MAGIC 0x7e57a110c0ffee01ull

typedef union {
    unsigned long long magic;
    max_align_t align; /* keeps the user pointer aligned like malloc's */
} BlockHeader;

static void *t_alloc(void *ctx, size_t bytes)
{
    TestAlloc *t = ctx;
    t->calls++;
    if (t->fail_at && t->calls == t->fail_at) {
        t->failures++;
        return NULL;
    }
    if (bytes > SIZE_MAX - sizeof(BlockHeader))
        return NULL;
    BlockHeader *h = malloc(sizeof *h + bytes);
    if (!h)
        return NULL;
    h->magic = TEST_ALLOC_MAGIC;
    t->live++;
    return h + 1;
}

static void t_release(void *ctx, void *p)
{
    TestAlloc *t = ctx;
    if (!p)
        return;
    BlockHeader *h = (BlockHeader *)p - 1;
    if (h->magic != TEST_ALLOC_MAGIC) {
        t->bad_frees++;
        return;
    }
    h->magic = 0;
    t->live--;
    free(h);
}

void test_alloc_init(TestAlloc *t, size_t fail_at)
{
    t->calls = 0;
    t->live = 0;
    t->fail_at = fail_at;
    t->failures = 0;
    t->bad_frees = 0;
}

CimAlloc test_alloc_hook(TestAlloc *t)
{
    CimAlloc a = {t_alloc, t_release, t};
    return a;
}

size_t test_alloc_sweep(TestAllocFn fn, void *ctx)
{
    for (size_t n = 1;; n++) {
        TestAlloc t;
        test_alloc_init(&t, n);
        CimAlloc a = test_alloc_hook(&t);
        CimStatus s = fn(ctx, &a);
        if (t.live != 0 || t.bad_frees != 0)
            fail_msg("allocation %zu refused: %zu blocks leaked, %zu foreign frees", n, t.live,
                     t.bad_frees);
        if (t.failures == 0) {
            if (s != CIM_OK)
                fail_msg("run with no refused allocation returned %s", cim_status_str(s));
            return t.calls;
        }
        if (s != CIM_ERR_NOMEM)
            fail_msg("allocation %zu refused: returned '%s', expected out of memory", n,
                     cim_status_str(s));
    }
}
