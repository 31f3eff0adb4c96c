/* Fuzz target: `dcim check FILE`'s checker, every config kind (chip, tech, run, network,
 * analog, gpu) picked by the file's top-level key. */
#include "fuzz/fuzz.h"
#include "workloads/run/kinds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CimDiag d;
    cim_diag_init(&d);
    (void)cim_run_check_file(fuzz_path(data, size, ".yaml"), &d);
    cim_diag_free(&d);
    return 0;
}
