/* Fuzz target: assembler text (cim_isa_assemble), then the disassembly of what it made
 * assembled again, which must give the same words (the round trip isa.h promises). */
#include "fuzz/fuzz.h"
#include "models/isa/isa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void round_trip(const CimProgram *p)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return;
    CimStatus st = cim_isa_disasm_program(p, f);
    fclose(f);
    CimDiag d;
    CimProgram q;
    cim_diag_init(&d);
    cim_program_init(&q);
    if (st == CIM_OK && cim_isa_assemble(text, "disasm", &q, NULL, &d) == CIM_OK &&
        (q.n != p->n || (p->n && memcmp(q.words, p->words, p->n * sizeof *p->words) != 0))) {
        fprintf(stderr, "fuzz_asm: disassembly does not assemble to the same %zu words\n", p->n);
        abort();
    }
    cim_program_free(&q, NULL);
    cim_diag_free(&d);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    CimDiag d;
    CimProgram p;
    cim_diag_init(&d);
    cim_program_init(&p);
    if (cim_isa_assemble(text, "fuzz.s", &p, NULL, &d) == CIM_OK)
        round_trip(&p);
    cim_program_free(&p, NULL);
    cim_diag_free(&d);
    free(text);
    return 0;
}
