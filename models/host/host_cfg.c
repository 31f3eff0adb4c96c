/* The host processor's file (root host:): its key table and loader. Defaults equal
 * configs/baselines/cortex_m4f.yaml; docs/energy.md, "Host processor", gives each key's
 * source and the formula that uses it (its key table is generated from this one). */
#include "models/host/host.h"

#include <stddef.h>

#define H(f) offsetof(CimHostCfg, f)

static const CimCfgKey host_keys[] = {
    /* path                          type            rule            lo hi    unit     field                        default     choices description */
    CIM_CFG_GROUP("host", "host processor: the layers the chips leave to the host, costed per operation"),
    {"host.name",                    CIM_CFG_STRING, CIM_CFG_ANY,    0, 0,    "",      H(name),                     "cortex_m4f", NULL, "name shown in reports"},
    CIM_CFG_SOURCE("host.source"),
    CIM_CFG_GROUP("host.core", "clock and energy per cycle"),
    CIM_CFG_SOURCE("host.core.source"),
    {"host.core.clock_mhz",          CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0,    "MHz",   H(core.clock_mhz),           "80",       NULL, "core clock"},
    {"host.core.energy_per_cycle_pj", CIM_CFG_DOUBLE, CIM_CFG_POS,   0, 0,    "pJ",    H(core.energy_per_cycle_pj), "300",      NULL, "energy of one clock cycle while running (core, memories, supply)"},
    CIM_CFG_GROUP("host.cycles", "cycles per operation (instruction timings)"),
    CIM_CFG_SOURCE("host.cycles.source"),
    {"host.cycles.fp32_mac",         CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0,    "cycles", H(cycles.fp32_mac),         "3",        NULL, "float32 multiply-accumulate"},
    {"host.cycles.fp32_op",          CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0,    "cycles", H(cycles.fp32_op),          "1",        NULL, "float32 add, subtract, multiply, compare, convert or round"},
    {"host.cycles.fp32_div",         CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0,    "cycles", H(cycles.fp32_div),         "14",       NULL, "float32 divide"},
    {"host.cycles.fp32_sqrt",        CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0,    "cycles", H(cycles.fp32_sqrt),        "14",       NULL, "float32 square root"},
    {"host.cycles.int_op",           CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0,    "cycles", H(cycles.int_op),           "1",        NULL, "integer add, compare or shift"},
    {"host.cycles.load_store",       CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0,    "cycles", H(cycles.load_store),       "2",        NULL, "one load or store of up to `word_bytes`"},
    {"host.cycles.word_bytes",       CIM_CFG_UINT,   CIM_CFG_CLOSED, 1, 64,   "bytes", H(cycles.word_bytes),        "4",        NULL, "bytes one load or store moves"},
};

const CimCfgSchema cim_host_schema = {.root = "host", .keys = host_keys, .n = sizeof host_keys / sizeof host_keys[0],
                                      .size = sizeof(CimHostCfg)};

CimStatus cim_host_cfg_load(const char *path, const CimOverrides *ov, CimHostCfg *out, CimDiag *diag)
{
    return cim_cfg_load(path, &cim_host_schema, ov, out, diag);
}

CimStatus cim_host_cfg_check(const char *path, CimDiag *diag)
{
    CimHostCfg c;
    return cim_host_cfg_load(path, NULL, &c, diag);
}

void cim_host_cfg_defaults(CimHostCfg *out) { cim_cfg_schema_defaults(&cim_host_schema, NULL, out); }
