/* Fuzz target: IDX image and label files (MNIST's format); the same bytes go to both. */
#include "fuzz/fuzz.h"
#include "workloads/io/idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CimDiag d;
    CimIdxImages im;
    CimIdxLabels lb;
    cim_diag_init(&d);
    const char *path = fuzz_path(data, size, ".idx");
    if (cim_idx_load_images(path, NULL, &im, &d) == CIM_OK)
        cim_idx_images_free(&im);
    if (cim_idx_load_labels(path, NULL, &lb, &d) == CIM_OK)
        cim_idx_labels_free(&lb);
    cim_diag_free(&d);
    return 0;
}
