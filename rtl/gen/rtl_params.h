/* The RTL's parameters derived from a chip configuration: the one place that turns a
 * loaded chip/technology config into the numbers the Verilog is built with. Used by the
 * generator (cim_rtlgen writes them as a Verilog header) and by the co-simulation harness
 * (which checks that the model it loads matches the RTL it was compiled against). */
#ifndef CIM_RTL_PARAMS_H
#define CIM_RTL_PARAMS_H

#include "models/config/config.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *name;   /* Verilog macro name without the CIM_ prefix, e.g. "ROWS" */
    uint64_t value;
    const char *what;   /* one-line meaning, with the unit */
} CimRtlParam;

/* Most parameters a CimRtlParams holds; cim_rtl_params refuses a list that outgrows it. */
#define CIM_RTL_MAX_PARAMS 40

typedef struct {
    CimRtlParam p[CIM_RTL_MAX_PARAMS];
    unsigned n;
} CimRtlParams;

/* Sizes of the cosim-only memories: instruction memory and the host side of the DMA link. */
typedef struct {
    uint64_t imem_words;
    uint64_t host_in_bits, host_out_bits;
} CimRtlHarnessSizes;

/* Fills out from cfg. CIM_ERR_CONFIG (reason in diag) when the RTL cannot represent the
 * config: device physics on (the RTL array is exact), or a size past what the harness
 * memories hold. CIM_ERR_RANGE (reason in diag, naming the limit) when there are more
 * parameters than CIM_RTL_MAX_PARAMS. */
CimStatus cim_rtl_params(const CimChipCfg *cfg, const CimRtlHarnessSizes *hs, CimRtlParams *out, CimDiag *diag);
/* Value of a parameter by name; 0 if absent. */
uint64_t cim_rtl_param(const CimRtlParams *p, const char *name);

#ifdef __cplusplus
}
#endif
#endif
