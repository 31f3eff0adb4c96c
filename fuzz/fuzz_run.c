/* Fuzz target: a run file loaded the way `dcim run` loads it (run keys, then the chip it
 * names, with --set overrides), the path UBSan caught in issue 15. */
#include "fuzz/fuzz.h"
#include "workloads/run/run_cfg.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CimDiag d;
    cim_diag_init(&d);
    CimRunCfg *run = calloc(1, sizeof *run);
    CimChipCfg *chip = calloc(1, sizeof *chip);
    if (run && chip)
        (void)cim_run_cfg_load_all(fuzz_path(data, size, ".yaml"), NULL, run, chip, &d);
    free(run);
    free(chip);
    cim_diag_free(&d);
    return 0;
}
