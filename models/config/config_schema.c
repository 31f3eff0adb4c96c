/* The key schemas of chip and technology files: every key path, its type, allowed range,
 * unit, default and place in the typed struct, and the rules between keys. Defaults equal
 * configs/chip/default.yaml and configs/tech/180nm_1t1r.yaml; the key tables of
 * docs/config.md and docs/tech.md are generated from these (`make docs`). */
#include "models/config/config_impl.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#define C(f) offsetof(CimChipCfg, f)
#define T(f) offsetof(CimTechCfg, f)

static const CimCfgKey chip_keys[] = {
    /* path                                type            rule             lo  hi                  unit     field                       default                    choices             description */
    CIM_CFG_GROUP("chip", "the chip: array geometry, periphery, clock and technology"),
    {"chip.name",                          CIM_CFG_STRING, CIM_CFG_ANY,     0,  0,                  "",      C(name),                    "default",                 NULL,               "name shown in reports"},
    {"chip.tech",                          CIM_CFG_PATH,   CIM_CFG_ANY,     0,  0,                  "",      C(tech_path),               "../tech/180nm_1t1r.yaml", NULL,               "technology file (`tech:`, docs/tech.md), relative to this file"},
    {"chip.clock_mhz",                     CIM_CFG_DOUBLE, CIM_CFG_OPEN_LO, 0,  10000,              "MHz",   C(clock_mhz),               "100",                     NULL,               "controller and periphery clock"},
    {"chip.macros",                        CIM_CFG_UINT,   CIM_CFG_CLOSED,  1,  1024,               "",      C(macros),                  "8",                       NULL,               "macros (array + periphery) on the chip"},
    {"chip.buffer_kib",                    CIM_CFG_UINT,   CIM_CFG_CLOSED,  1,  1048576,            "KiB",   C(buffer_kib),              "64",                      NULL,               "global buffer size"},
    CIM_CFG_GROUP("chip.array", "geometry of one 1T1R array"),
    {"chip.array.rows",                    CIM_CFG_UINT,   CIM_CFG_CLOSED,  8,  4096,               "cells", C(array.rows),              "256",                     NULL,               "word lines per array"},
    {"chip.array.cols",                    CIM_CFG_UINT,   CIM_CFG_CLOSED,  8,  4096,               "cells", C(array.cols),              "256",                     NULL,               "bit lines per array"},
    CIM_CFG_GROUP("chip.periphery", "digital column periphery"),
    {"chip.periphery.counter_bits",        CIM_CFG_UINT,   CIM_CFG_CLOSED,  1,  32,                 "bits",  C(periph.counter_bits),     "10",                      NULL,               "column counter width"},
    {"chip.periphery.counter_overflow",    CIM_CFG_ENUM,   CIM_CFG_ANY,     0,  CIM_OVERFLOW_COUNT, "",      C(periph.counter_overflow), "wrap",                    CIM_OVERFLOW_NAMES, "what a counter does past 2^bits - 1: wrap around, or stay at the maximum"},
    {"chip.periphery.shift_add_bits",      CIM_CFG_UINT,   CIM_CFG_CLOSED,  8,  64,                 "bits",  C(periph.shift_add_bits),   "32",                      NULL,               "shift-add accumulator width"},
    CIM_CFG_GROUP("chip.sense", "sense-amplifier references"),
    {"chip.sense.ref_read_frac",           CIM_CFG_DOUBLE, CIM_CFG_OPEN,    0,  1,                  "",      C(sense.ref_read_frac),     "0.5",                     NULL,               "single-row read reference, between 0 and 1 LRS"},
    {"chip.sense.ref_low_frac",            CIM_CFG_DOUBLE, CIM_CFG_OPEN,    0,  1,                  "",      C(sense.ref_low_frac),      "0.5",                     NULL,               "dual-row low reference, between 0 and 1 LRS"},
    {"chip.sense.ref_high_frac",           CIM_CFG_DOUBLE, CIM_CFG_OPEN,    0,  1,                  "",      C(sense.ref_high_frac),     "0.5",                     NULL,               "dual-row high reference, between 1 and 2 LRS"},
    CIM_CFG_GROUP("chip.write", "programming"),
    {"chip.write.verify",                  CIM_CFG_BOOL,   CIM_CFG_ANY,     0,  0,                  "",      C(write.verify),            "true",                    NULL,               "read back after each pulse and retry"},
    {"chip.write.max_pulses",              CIM_CFG_UINT,   CIM_CFG_CLOSED,  1,  1000,               "",      C(write.max_pulses),        "8",                       NULL,               "pulses per cell before a write is reported failed"},
    CIM_CFG_GROUP("chip.physics", "device non-idealities"),
    {"chip.physics.enabled",               CIM_CFG_BOOL,   CIM_CFG_ANY,     0,  0,                  "",      C(physics.enabled),         "false",                   NULL,               "device non-idealities; `false`: every operation exact"},
    {"chip.physics.seed",                  CIM_CFG_U64,    CIM_CFG_ANY,     0,  0,                  "",      C(physics.seed),            "1",                       NULL,               "seed of the device model's random numbers"},
    CIM_CFG_GROUP("chip.controller", "controller, window unit, post-processing unit and host DMA"),
    {"chip.controller.buffer_port_bits",   CIM_CFG_UINT,   CIM_CFG_POW2,    8,  4096,               "bits",  C(ctrl.buffer_port_bits),   "64",                      NULL,               "global-buffer bits read or written per cycle (window loads, stores, DMA)"},
    {"chip.controller.dma_bits_per_cycle", CIM_CFG_UINT,   CIM_CFG_CLOSED,  1,  4096,               "bits",  C(ctrl.dma_bits_per_cycle), "32",                      NULL,               "host DMA bandwidth per cycle"},
    {"chip.controller.ppu_lanes",          CIM_CFG_UINT,   CIM_CFG_CLOSED,  1,  4096,               "",      C(ctrl.ppu_lanes),          "16",                      NULL,               "post-processing adders working in parallel"},
    {"chip.controller.ppu_size",           CIM_CFG_UINT,   CIM_CFG_CLOSED,  1,  65536,              "",      C(ctrl.ppu_size),           "1024",                    NULL,               "post-processing accumulators: outputs per position"},
    {"chip.controller.ir_bits",            CIM_CFG_UINT,   CIM_CFG_CLOSED,  16, 65536,              "bits",  C(ctrl.ir_bits),            "4096",                    NULL,               "input register: the longest gated-read input (one conv window)"},
    {"chip.mapping",                       CIM_CFG_MAP,    CIM_CFG_OPTIONAL, 0, 0,                 "",      CIM_CFG_NOFIELD,            NULL,                      NULL,               "how the compiler lays layers onto the macros (docs/compiler.md); leave the group out for the defaults"},
    {"chip.mapping.strategy",              CIM_CFG_ENUM,   CIM_CFG_ANY,     0,  CIM_MAP_STRATEGY_COUNT, "",  C(mapping.strategy),        "spread",                  CIM_MAP_STRATEGY_NAMES, "spread: a layer's regions on distinct macros when they can (they run concurrently); pack: each region on the first macro with room"},
    {"chip.mapping.split",                 CIM_CFG_ENUM,   CIM_CFG_ANY,     0,  CIM_MAP_SPLIT_COUNT, "",        C(mapping.split),           "none",                    CIM_MAP_SPLIT_NAMES, "auto: cut a layer into more row tiles than the rows need, one per spare macro, when the estimated cycles fall; none: as few row tiles as the rows allow"},
    {"chip.mapping.reload",                CIM_CFG_ENUM,   CIM_CFG_ANY,     0,  CIM_MAP_RELOAD_COUNT, "",    C(mapping.reload),          "forbid",                  CIM_MAP_RELOAD_NAMES, "allow: a network larger than the chip runs with each layer's weights rewritten before it, every image (the write cost is counted per image); forbid: refused"},
    {"chip.mapping.replicate",             CIM_CFG_UINT,   CIM_CFG_CLOSED,  1,  1024,               "",      C(mapping.replicate),       "none",                    CIM_MAP_REPLICATE_NAMES, "copies of each layer's regions on spare macros, so that several output positions are read at once: `none` (one), N, or `auto` (per layer, from the spare macros and the estimate of docs/compiler.md); needs strategy spread and split none"},
};

static const CimCfgKey tech_keys[] = {
    /* path                              type            rule            lo hi unit    field                           default       choicesdescription */
    CIM_CFG_GROUP("tech", "one technology node: device, timing, energy and area numbers"),
    {"tech.name",                        CIM_CFG_STRING, CIM_CFG_ANY,    0, 0, "",     T(name),                        "180nm_1t1r", NULL, "name shown in reports"},
    {"tech.node_nm",                     CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "nm",   T(node_nm),                     "180",        NULL, "feature size F"},
    CIM_CFG_SOURCE("tech.source"),
    CIM_CFG_GROUP("tech.device", "1T1R cell"),
    CIM_CFG_SOURCE("tech.device.source"),
    {"tech.device.r_on_ohm",             CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "ohm",  T(device.r_on_ohm),             "10000",      NULL, "LRS resistance (logic 1)"},
    {"tech.device.r_off_ohm",            CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "ohm",  T(device.r_off_ohm),            "1000000",    NULL, "HRS resistance (logic 0), above `r_on_ohm`"},
    {"tech.device.sigma_ln_on",          CIM_CFG_DOUBLE, CIM_CFG_CLOSED, 0, 5, "",     T(device.sigma_ln_on),          "0.1",        NULL, "std of ln(R) of LRS cells"},
    {"tech.device.sigma_ln_off",         CIM_CFG_DOUBLE, CIM_CFG_CLOSED, 0, 5, "",     T(device.sigma_ln_off),         "0.3",        NULL, "std of ln(R) of HRS cells"},
    {"tech.device.read_noise_rel",       CIM_CFG_DOUBLE, CIM_CFG_CLOSED, 0, 5, "",     T(device.read_noise_rel),       "0.02",       NULL, "std of multiplicative read-current noise, per read"},
    {"tech.device.stuck_at_0_rate",      CIM_CFG_DOUBLE, CIM_CFG_CLOSED, 0, 1, "",     T(device.stuck_at_0_rate),      "0",          NULL, "share of cells stuck in HRS"},
    {"tech.device.stuck_at_1_rate",      CIM_CFG_DOUBLE, CIM_CFG_CLOSED, 0, 1, "",     T(device.stuck_at_1_rate),      "0",          NULL, "share of cells stuck in LRS"},
    {"tech.device.write_fail_prob",      CIM_CFG_DOUBLE, CIM_CFG_CLOSED, 0, 1, "",     T(device.write_fail_prob),      "6.1e-6",     NULL, "probability one SET/RESET pulse leaves the cell unchanged"},
    {"tech.device.v_read_v",             CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "V",    T(device.v_read_v),             "0.15",       NULL, "bit-line read voltage"},
    {"tech.device.v_set_v",              CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "V",    T(device.v_set_v),              "3",          NULL, "SET pulse voltage"},
    {"tech.device.v_reset_v",            CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "V",    T(device.v_reset_v),            "3",          NULL, "RESET pulse voltage"},
    {"tech.device.i_compliance_ua",      CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "uA",   T(device.i_compliance_ua),      "100",        NULL, "SET compliance current set by the access transistor"},
    CIM_CFG_GROUP("tech.timing", "latencies"),
    CIM_CFG_SOURCE("tech.timing.source"),
    {"tech.timing.t_read_ns",            CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "ns",   T(timing.t_read_ns),            "10",         NULL, "read: word line on to sense decision latched"},
    {"tech.timing.t_set_ns",             CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "ns",   T(timing.t_set_ns),             "10",         NULL, "SET pulse width"},
    {"tech.timing.t_reset_ns",           CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "ns",   T(timing.t_reset_ns),           "10",         NULL, "RESET pulse width"},
    {"tech.timing.t_verify_ns",          CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "ns",   T(timing.t_verify_ns),          "10",         NULL, "one verify read after a pulse"},
    {"tech.timing.t_adder_tree_ns",      CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "ns",   T(timing.t_adder_tree_ns),      "3.06",       NULL, "column popcount through the adder tree"},
    {"tech.timing.t_shift_add_ns",       CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "ns",   T(timing.t_shift_add_ns),       "5.76",       NULL, "one shift-add step"},
    CIM_CFG_GROUP("tech.energy", "energy per event and leakage"),
    CIM_CFG_SOURCE("tech.energy.source"),
    {"tech.energy.vdd_v",                CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "V",    T(energy.vdd_v),                "1.8",        NULL, "periphery supply"},
    {"tech.energy.wl_per_cell_fj",       CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "fJ",   T(energy.wl_per_cell_fj),       "3.24",       NULL, "word-line charge per cell of an activated row"},
    {"tech.energy.bl_per_cell_fj",       CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "fJ",   T(energy.bl_per_cell_fj),       "0.27",       NULL, "bit-line precharge per cell of an active column"},
    {"tech.energy.sense_compare_fj",     CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "fJ",   T(energy.sense_compare_fj),     "48.6",       NULL, "one comparator decision against one reference"},
    {"tech.energy.counter_update_fj",    CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "fJ",   T(energy.counter_update_fj),    "51.84",      NULL, "one column-counter update"},
    {"tech.energy.full_adder_fj",        CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "fJ",   T(energy.full_adder_fj),        "32.4",       NULL, "one full-adder bit operation"},
    {"tech.energy.register_bit_fj",      CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "fJ",   T(energy.register_bit_fj),      "9.72",       NULL, "one register bit read or written"},
    {"tech.energy.buffer_bit_fj",        CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "fJ",   T(energy.buffer_bit_fj),        "81",         NULL, "one global-buffer (SRAM) bit read or written"},
    {"tech.energy.instruction_pj",       CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "pJ",   T(energy.instruction_pj),       "3.2",        NULL, "controller fetch + decode + issue of one instruction"},
    {"tech.energy.set_pulse_pj",         CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "pJ",   T(energy.set_pulse_pj),         "3",          NULL, "one SET pulse on one cell"},
    {"tech.energy.reset_pulse_pj",       CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "pJ",   T(energy.reset_pulse_pj),       "3",          NULL, "one RESET pulse on one cell"},
    {"tech.energy.leakage_per_macro_uw", CIM_CFG_DOUBLE, CIM_CFG_NONNEG, 0, 0, "uW",   T(energy.leakage_per_macro_uw), "2.7",        NULL, "static power of one macro's periphery"},
    {"tech.energy.leakage_control_uw",   CIM_CFG_DOUBLE, CIM_CFG_NONNEG, 0, 0, "uW",   T(energy.leakage_control_uw),   "10.3",       NULL, "static power of controller and buffer"},
    CIM_CFG_GROUP("tech.area", "component areas"),
    CIM_CFG_SOURCE("tech.area.source"),
    {"tech.area.cell_um2",               CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "um^2", T(area.cell_um2),               "1.5552",     NULL, "one 1T1R cell"},
    {"tech.area.wl_driver_um2",          CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "um^2", T(area.wl_driver_um2),          "25",         NULL, "per row: word-line driver with input gating"},
    {"tech.area.write_driver_um2",       CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "um^2", T(area.write_driver_um2),       "80",         NULL, "per column: SET/RESET driver and verify mux"},
    {"tech.area.sense_amp_um2",          CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "um^2", T(area.sense_amp_um2),          "75",         NULL, "per comparator (two per column)"},
    {"tech.area.counter_bit_um2",        CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "um^2", T(area.counter_bit_um2),        "40",         NULL, "per counter bit (flip-flop + half adder)"},
    {"tech.area.full_adder_um2",         CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "um^2", T(area.full_adder_um2),         "40",         NULL, "per full adder"},
    {"tech.area.register_bit_um2",       CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "um^2", T(area.register_bit_um2),       "25",         NULL, "per register bit"},
    {"tech.area.buffer_bit_um2",         CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "um^2", T(area.buffer_bit_um2),         "4.65",       NULL, "per global-buffer bit (6T SRAM cell; array periphery not included)"},
    {"tech.area.controller_um2",         CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "um^2", T(area.controller_um2),         "100000",     NULL, "controller, instruction memory excluded"},
    {"tech.endurance",                   CIM_CFG_MAP,    CIM_CFG_OPTIONAL, 0, 0, "",   CIM_CFG_NOFIELD,                NULL,         NULL, "write endurance (docs/energy.md, \"Write wear\"); leave the group out for the default"},
    CIM_CFG_SOURCE("tech.endurance.source"),
    {"tech.endurance.cycles_per_cell",   CIM_CFG_DOUBLE, CIM_CFG_POS,    0, 0, "cycles", T(endurance_cycles),          "1e6",        NULL, "SET/RESET pulses a cell survives (the most-written cell sets the lifetime)"},
};

/* r_off_ohm above r_on_ohm (error at r_off_ohm); stuck-at rates sum to at most 1. */
static void tech_rules(CimCfgRules *r, const void *cfg)
{
    const CimTechCfg *t = cfg;
    char a[64], b[64];
    if (cim_cfg_rule_value(r, "tech.device.r_on_ohm", a, sizeof a) &&
        cim_cfg_rule_value(r, "tech.device.r_off_ohm", b, sizeof b) && !(t->device.r_off_ohm > t->device.r_on_ohm))
        cim_cfg_rule_error(r, "tech.device.r_off_ohm",
                           "tech.device.r_off_ohm must be greater than tech.device.r_on_ohm (%s), got %s", a, b);
    if (cim_cfg_rule_value(r, "tech.device.stuck_at_0_rate", a, sizeof a) &&
        cim_cfg_rule_value(r, "tech.device.stuck_at_1_rate", b, sizeof b) &&
        t->device.stuck_at_0_rate + t->device.stuck_at_1_rate > 1.0)
        cim_cfg_rule_error(r, "tech.device.stuck_at_1_rate",
                           "tech.device.stuck_at_0_rate + tech.device.stuck_at_1_rate must be at most 1, got %s + %s",
                           a, b);
}

const CimCfgSchema cim_cfg_schema_chip = {.root = "chip", .keys = chip_keys, .n = sizeof chip_keys / sizeof chip_keys[0],
                                          .size = sizeof(CimChipCfg)};
const CimCfgSchema cim_cfg_schema_tech = {.root = "tech", .keys = tech_keys, .n = sizeof tech_keys / sizeof tech_keys[0],
                                          .size = sizeof(CimTechCfg), .rules = tech_rules};

long cfg_schema_find(const CimCfgSchema *s, const char *path)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->keys[i].path, path) == 0)
            return (long)i;
    return -1;
}

const char *cfg_schema_child(const char *path, const char *parent)
{
    size_t pl = strlen(parent);
    const char *seg = path;
    if (pl) {
        if (strncmp(path, parent, pl) != 0 || path[pl] != '.')
            return NULL;
        seg = path + pl + 1;
    }
    return strchr(seg, '.') ? NULL : seg;
}

const char *cfg_schema_children(const CimCfgSchema *s, const char *parent, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->n && o < len; i++) {
        const char *seg = cfg_schema_child(s->keys[i].path, parent);
        if (!seg)
            continue;
        int w = snprintf(buf + o, len - o, "%s%s", o ? ", " : "", seg);
        if (w < 0)
            break;
        o += (size_t)w;
    }
    return buf;
}

const char *cfg_did_you_mean(const char *got, size_t len, const char *list, char *buf, size_t buflen)
{
    char word[64], names[64][64];
    const char *ptr[64];
    size_t n = 0;
    buf[0] = '\0';
    if (len >= sizeof word)
        return buf;
    memcpy(word, got, len);
    word[len] = '\0';
    for (const char *c = list; *c && n < 64;) {
        c += strspn(c, ", ");
        size_t w = strcspn(c, ",");
        if (w && w < 64) {
            memcpy(names[n], c, w);
            names[n][w] = '\0';
            ptr[n] = names[n];
            n++;
        }
        c += w;
    }
    const char *near = cim_suggest(word, ptr, n);
    if (near && strcmp(near, word) != 0)
        snprintf(buf, buflen, "; did you mean '%s'?", near);
    return buf;
}
