/* Fuzz target: an OFF mesh (workloads/io/cloud_off.c), read from a file. */
#include "fuzz/fuzz.h"
#include "workloads/io/cloud.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CimDiag d;
    CimMesh m;
    cim_diag_init(&d);
    if (cim_mesh_load_off(fuzz_path(data, size, ".off"), NULL, &m, &d) == CIM_OK)
        cim_mesh_free(&m);
    cim_diag_free(&d);
    return 0;
}
