// The window unit and its input register (IR; models/chip cim_window_gather): busy while
// wcfg/win/ild fill the IR, and for the cycle a gated read latches its input bits.
#ifndef CIM_SIM_WINDOW_UNIT_H
#define CIM_SIM_WINDOW_UNIT_H

#include "sim/unit.h"

namespace cim {

class WindowUnit : public Unit {
public:
    using Unit::Unit;
};

}  // namespace cim

#endif
