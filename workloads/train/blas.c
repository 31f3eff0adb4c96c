/* The OpenBLAS kernel rule (blas.h). Measured on the project's VM (docs/training.md): a
 * 16,384 x 131 x 128 sgemm at 17 GFLOPS with Prescott, 28 with Haswell, 86 with SkylakeX.
 * A kernel changes how the float sums round, so results are reproducible on one machine
 * with one kernel (every --jobs N and every resume of it), not across kernels. */
#include "workloads/train/blas.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *cim_blas_wanted_core(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (getenv("OPENBLAS_CORETYPE") || strcmp(openblas_get_corename(), "Prescott") != 0)
        return NULL;
    if (__builtin_cpu_supports("avx512f"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return "Haswell";
#endif
    return NULL;
}

void cim_blas_fast_kernels(char **argv)
{
    const char *core = cim_blas_wanted_core();
    if (!core || setenv("OPENBLAS_CORETYPE", core, 1) != 0)
        return;
    fflush(NULL);
    execv("/proc/self/exe", argv); /* returns only on failure: go on with the kernels we have */
    unsetenv("OPENBLAS_CORETYPE");
}
