/* Fuzz target: a sweep file (dcim sweep, docs/sweep.md) read by cim_sweep_def_load: its
 * keys, factors, points and samples. */
#include "fuzz/fuzz.h"
#include "workloads/sweep/sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CimDiag d;
    CimSweepDef def;
    cim_diag_init(&d);
    cim_sweep_def_init(&def);
    (void)cim_sweep_def_load(fuzz_path(data, size, ".yaml"), &def, &d);
    cim_sweep_def_free(&def);
    cim_diag_free(&d);
    return 0;
}
