// A macro's trace signals beyond busy/op: the first row and the row count of the
// operation in flight (gated m0, 0, 256 shows row 0, rows 256 for 256 cycles).
#include "sim/macro.h"

namespace cim {

Macro::Macro(sc_core::sc_module_name name, const sc_core::sc_time &period)
    : Unit(name, period), row_sig_("row_sig"), rows_sig_("rows_sig")
{
}

void Macro::show(const UnitOp *op, bool starting)
{
    Unit::show(op, starting);
    row_sig_.write(op ? op->row : 0);
    rows_sig_.write(op ? op->rows : 0);
}

void Macro::trace(sc_core::sc_trace_file *tf, const std::string &prefix) const
{
    Unit::trace(tf, prefix);
    sc_core::sc_trace(tf, row_sig_, prefix + ".row", 16);
    sc_core::sc_trace(tf, rows_sig_, prefix + ".rows", 16);
}

}  // namespace cim
