/* Fuzz target: a safetensors weights file, opened and every tensor converted to float. */
#include "fuzz/fuzz.h"
#include "workloads/io/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CimDiag d;
    CimSafetensors *st = NULL;
    cim_diag_init(&d);
    if (cim_st_open(fuzz_path(data, size, ".safetensors"), NULL, &st, &d) == CIM_OK) {
        for (size_t i = 0; i < cim_st_count(st); i++) {
            float *v = NULL;
            const CimStTensor *t = cim_st_tensor(st, i);
            if (cim_st_load_f32(st, t->name, NULL, 0, &v, &d) == CIM_OK)
                cim_st_free_f32(st, v);
        }
        for (size_t i = 0; i < cim_st_meta_count(st); i++)
            (void)cim_st_meta_get(st, cim_st_meta(st, i)->key);
        cim_st_close(st);
    }
    cim_diag_free(&d);
    return 0;
}
