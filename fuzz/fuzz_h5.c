/* Fuzz target: an HDF5 point-cloud set (workloads/io/cloud_h5.c). */
#include "fuzz/fuzz.h"
#include "workloads/io/cloud.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CimDiag d;
    CimCloudSet s;
    cim_diag_init(&d);
    if (cim_cloud_h5_load(fuzz_path(data, size, ".h5"), NULL, &s, &d) == CIM_OK)
        cim_cloud_free(&s);
    cim_diag_free(&d);
    return 0;
}
