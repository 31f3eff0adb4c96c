/* Fuzz target: a network file (workloads/net/netfile.h), layers and shape inference. */
#include "fuzz/fuzz.h"
#include "workloads/net/netfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CimDiag d;
    CimNet net;
    cim_diag_init(&d);
    if (cim_net_load(fuzz_path(data, size, ".yaml"), NULL, &net, &d) == CIM_OK)
        cim_net_free(&net);
    cim_diag_free(&d);
    return 0;
}
