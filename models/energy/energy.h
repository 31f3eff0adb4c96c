/* Event accounting, energy and area of the chip. Energy = sum over events of count x
 * energy per event (from the technology file) + leakage power x time; area = sum of
 * component areas. Formulas and sources: docs/energy.md. */
#ifndef CIM_ENERGY_H
#define CIM_ENERGY_H

#include "models/config/config.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
#define CIM_EVENT(id, name, unit, comp, key, key_unit, per, desc) CIM_EV_##id,
#include "models/energy/events.def"
#undef CIM_EVENT
    CIM_EV_COUNT
} CimEventId;

/* Physical components energy and area are broken down into. */
typedef enum {
    CIM_COMP_ARRAY,    /* cells, word lines, bit lines */
    CIM_COMP_SENSE,    /* column sense amplifiers */
    CIM_COMP_PERIPH,   /* counters, adder tree, shift-add, output registers */
    CIM_COMP_WRITE,    /* SET/RESET drivers and pulses */
    CIM_COMP_BUFFER,   /* global buffer */
    CIM_COMP_CONTROL,  /* controller */
    CIM_COMP_LEAKAGE,  /* static power x time (energy only) */
    CIM_COMP_COUNT
} CimComponent;

const char *cim_component_name(CimComponent c);

typedef struct {
    uint64_t n[CIM_EV_COUNT];
} CimEvents;

typedef struct {
    const char *name, *unit, *desc;
    CimComponent comp;
    const char *tech_key;  /* the tech file key its energy comes from, e.g. "tech.energy.full_adder_fj" */
} CimEventInfo;

const CimEventInfo *cim_event_info(CimEventId id);
void cim_events_add(CimEvents *dst, const CimEvents *src);

/* Energy of one event of each kind, pJ, for a chip, derived from the tech key, key unit
 * and geometry columns of events.def (some events scale with the array geometry, e.g. a
 * word line spans cols cells). */
typedef struct {
    double pj[CIM_EV_COUNT];
} CimEnergyTable;

void cim_energy_table(const CimChipCfg *cfg, CimEnergyTable *out);

/* Energy of reading one cell of resistance r_ohm, pJ: Joule heating V_read^2 / R over
 * t_read (tech.device.v_read_v, tech.timing.t_read_ns). The digital chip's and the
 * analogue baseline's cell reads both cost this.
 * Example: 0.2 V, 10 kOhm, 10 ns -> 4 uW x 10 ns = 0.04 pJ. */
double cim_cell_read_pj(const CimTechCfg *t, double r_ohm);

typedef struct {
    double pj[CIM_COMP_COUNT];
    double total_pj;   /* always the sum of pj[] */
} CimEnergyBreakdown;

/* Dynamic energy of the events plus leakage over `cycles` at the chip clock. */
void cim_energy_compute(const CimChipCfg *cfg, const CimEnergyTable *t, const CimEvents *ev,
                        uint64_t cycles, CimEnergyBreakdown *out);

typedef struct {
    double um2[CIM_COMP_COUNT]; /* CIM_COMP_LEAKAGE stays 0 */
    double total_um2;           /* always the sum of um2[] */
} CimAreaBreakdown;

void cim_area_compute(const CimChipCfg *cfg, CimAreaBreakdown *out);

/* The periphery of one macro, block by block: the terms whose sum over the macros is
 * cim_area_compute's CIM_COMP_PERIPH (also printed beside yosys cell counts by
 * `cim_rtlgen --area`). Counts are units of the tech file's per-unit areas. */
typedef struct {
    uint64_t counter_bits;          /* cols x counter_bits */
    uint64_t tree_full_adders;      /* popcount adder tree over cols */
    uint64_t shift_add_full_adders; /* shift_add_bits */
    uint64_t output_register_bits;  /* cols */
    uint64_t accumulator_bits;      /* shift_add_bits */
    double counters_um2, tree_um2, shift_add_um2, output_register_um2, accumulator_um2;
    double total_um2;               /* one macro's periphery, as cim_area_compute sums it */
} CimPeriphArea;

void cim_area_periph(const CimChipCfg *cfg, CimPeriphArea *out);

/* Full adders in a popcount adder tree over n inputs, n rounded up to a power of two:
 * level l has n/2^l adders of l bits. Example: n = 4 -> 2*1 + 1*2 = 4; n = 3 -> 4. */
uint64_t cim_adder_tree_full_adders(unsigned n);

#ifdef __cplusplus
}
#endif
#endif
