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
#define CIM_EVENT(id, name, unit, comp, desc) CIM_EV_##id,
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
} CimEventInfo;

const CimEventInfo *cim_event_info(CimEventId id);
void cim_events_add(CimEvents *dst, const CimEvents *src);

/* Energy of one event of each kind, pJ, for a chip (some events scale with the array
 * geometry, e.g. a word line spans cols cells). */
typedef struct {
    double pj[CIM_EV_COUNT];
} CimEnergyTable;

void cim_energy_table(const CimChipCfg *cfg, CimEnergyTable *out);

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

/* Full adders in a popcount adder tree over n inputs (n a power of two): level l has
 * n/2^l adders of l bits. Example: n = 4 -> 2*1 + 1*2 = 4. */
uint64_t cim_adder_tree_full_adders(unsigned n);

#ifdef __cplusplus
}
#endif
#endif
