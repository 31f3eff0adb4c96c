// The post-processing unit (ppu_lanes shift-add lanes, accumulators, thresholds; models/chip
// exec_units.c): busy while lcfg/pclr/pacc/pfin/pthr/prclr/pstb/psti run.
#ifndef CIM_SIM_PPU_H
#define CIM_SIM_PPU_H

#include "sim/unit.h"

namespace cim {

class Ppu : public Unit {
public:
    using Unit::Unit;
};

}  // namespace cim

#endif
