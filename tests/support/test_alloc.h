/* Counting, failing CimAlloc for fault-injection tests: counts live allocations and
 * refuses the Nth one, so every "allocation N fails" path can be driven from a test. */
#ifndef CIM_TEST_ALLOC_H
#define CIM_TEST_ALLOC_H

#include "models/common/common.h"

typedef struct {
    size_t calls;     /* allocation requests seen, refused ones included */
    size_t live;      /* allocations handed out and not yet released */
    size_t fail_at;   /* 1-based request number to refuse; 0 never refuses */
    size_t failures;  /* requests refused */
    size_t bad_frees; /* releases of pointers this allocator never handed out */
} TestAlloc;

/* Resets the counters; request number fail_at (1-based) will be refused, 0 = none. */
void test_alloc_init(TestAlloc *t, size_t fail_at);
/* The CimAlloc hook that draws from t (t must outlive every allocation made with it). */
CimAlloc test_alloc_hook(TestAlloc *t);

/* One fault-injection run: calls fn with a hook that refuses allocation n. fn must free
 * everything it made before returning, whatever happens. */
typedef CimStatus (*TestAllocFn)(void *ctx, const CimAlloc *alloc);

/* Calls fn with allocation N failing for N = 1, 2, ... until a run needs fewer than N
 * allocations, and checks (with cmocka asserts) that every run that hit the failure
 * returned CIM_ERR_NOMEM, that the final run returned CIM_OK, and that no run leaked or
 * freed a foreign pointer. Returns the number of allocations the successful run made. */
size_t test_alloc_sweep(TestAllocFn fn, void *ctx);

#endif
