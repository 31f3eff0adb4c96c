/* Fuzz target: a GPU power-measurement CSV (models/gpu/measured.c). */
#include "fuzz/fuzz.h"
#include "models/gpu/gpu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CimDiag d;
    CimGpuMeasured m;
    cim_diag_init(&d);
    (void)cim_gpu_measured_read(fuzz_path(data, size, ".csv"), 1000, 1, 20.0, &m, &d);
    cim_diag_free(&d);
    return 0;
}
