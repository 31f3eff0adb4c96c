/* Fuzz target: a binary program file (DCIMPRG1), read and disassembled. */
#include "fuzz/fuzz.h"
#include "models/isa/isa.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CimDiag d;
    CimProgram p;
    cim_diag_init(&d);
    cim_program_init(&p);
    if (cim_program_read(fuzz_path(data, size, ".bin"), &p, NULL, &d) == CIM_OK) {
        FILE *sink = fopen("/dev/null", "w");
        if (sink) {
            (void)cim_isa_disasm_program(&p, sink);
            fclose(sink);
        }
    }
    cim_program_free(&p, NULL);
    cim_diag_free(&d);
    return 0;
}
