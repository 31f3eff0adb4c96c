/* Allocation-failure injection for the allocation tier (tests/alloc/run_alloc_fail.sh,
 * docs/fuzzing.md "Allocation failure"), SQLite's method: build/asan/dcim_failalloc is dcim
 * linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup,
 * so every allocation dcim's own code makes (models/, workloads/, the CLI, cim_alloc with no
 * hook) comes through here, and Jansson's too (workloads/report/report.c gives Jansson a
 * malloc of dcim's, which is wrapped). Environment:
 *   DCIM_FAIL_ALLOC=N          allocation N (1-based) returns NULL; 0 or unset: none
 *   DCIM_FAIL_ALLOC_PERSIST=1  N and every later allocation fail (a heap that stays full)
 *   DCIM_ALLOC_REPORT=1        at exit, prints "dcim-failalloc: A allocations, F failed"
 *   DCIM_FAIL_ALLOC_TRACE=1    prints the stack of the (first) allocation made to fail
 * Outside it: libyaml, libhdf5, OpenBLAS and libc's own allocations (fopen's buffer).
 * Threads (run --jobs, compare) share one atomic counter. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

void __sanitizer_print_stack_trace(void); /* ASan's, for DCIM_FAIL_ALLOC_TRACE */

static unsigned long fail_at, calls, failed;
static int persist, report, trace;

/* 1 when this allocation is to fail. */
static int refuse(void)
{
    unsigned long n = __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
    if (!fail_at || n < fail_at || (n > fail_at && !persist))
        return 0;
    if (__atomic_add_fetch(&failed, 1, __ATOMIC_RELAXED) == 1 && trace) {
        fprintf(stderr, "dcim-failalloc: allocation %lu fails here:\n", n);
        __sanitizer_print_stack_trace();
    }
    return 1;
}

void *__wrap_malloc(size_t n) { return refuse() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return refuse() ? NULL : __real_calloc(n, size); }
/* realloc(p, 0) frees p on glibc: that is a release, not an allocation */
void *__wrap_realloc(void *p, size_t n) { return n && refuse() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return refuse() ? NULL : __real_strdup(s); }
char *__wrap_strndup(const char *s, size_t n) { return refuse() ? NULL : __real_strndup(s, n); }

static void at_exit(void)
{
    if (report)
        fprintf(stderr, "dcim-failalloc: %lu allocations, %lu failed\n", calls, failed);
}

static unsigned long env_ul(const char *name)
{
    const char *s = getenv(name);
    return s ? strtoul(s, NULL, 10) : 0;
}

__attribute__((constructor)) static void failalloc_init(void)
{
    fail_at = env_ul("DCIM_FAIL_ALLOC");
    persist = env_ul("DCIM_FAIL_ALLOC_PERSIST") != 0;
    report = env_ul("DCIM_ALLOC_REPORT") != 0;
    trace = env_ul("DCIM_FAIL_ALLOC_TRACE") != 0;
    atexit(at_exit);
}
