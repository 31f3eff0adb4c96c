// One CIM macro (array + column counters + output register, models/array and
// models/periph): busy while an array operation runs; traces the operation and its rows.
#ifndef CIM_SIM_MACRO_H
#define CIM_SIM_MACRO_H

#include "sim/unit.h"

namespace cim {

class Macro : public Unit {
public:
    Macro(sc_core::sc_module_name name, const sc_core::sc_time &period);
    void trace(sc_core::sc_trace_file *tf, const std::string &prefix) const override;

protected:
    void show(const UnitOp *op, bool starting) override;

private:
    TraceSignal<int> row_sig_, rows_sig_;
};

}  // namespace cim

#endif
