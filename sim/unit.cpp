// Busy state of a chip unit: start() marks it busy and schedules its own end; the end
// process frees it and wakes whoever waits (the controller, on a contended unit).
#include "sim/unit.h"

namespace cim {

Unit::Unit(sc_core::sc_module_name name, const sc_core::sc_time &period)
    : sc_core::sc_module(name), period_(period), busy_sig_("busy_sig"), op_sig_("op_sig")
{
    SC_HAS_PROCESS(Unit);
    SC_METHOD(finish);
    sensitive << done_;
    dont_initialize();
}

void Unit::start(const UnitOp &op)
{
    sc_assert(!busy_);
    busy_ = true;
    cur_ = op;
    busy_cycles_ += op.cycles;
    done_.notify(sc_core::sc_time::from_value(period_.value() * op.cycles));
    if (tracing_)
        show(&cur_, true);
}

void Unit::finish()
{
    busy_ = false;
    if (tracing_)
        show(nullptr, false);
    free_.notify();
}

void Unit::set_tracing(bool on)
{
    tracing_ = on;
    if (on)
        show(busy_ ? &cur_ : nullptr, false);
}

void Unit::show(const UnitOp *op, bool)
{
    busy_sig_.write(op != nullptr);
    op_sig_.write(op ? op->opcode : 0);
}

void Unit::trace(sc_core::sc_trace_file *tf, const std::string &prefix) const
{
    sc_core::sc_trace(tf, busy_sig_, prefix + ".busy");
    sc_core::sc_trace(tf, op_sig_, prefix + ".op", 8);
}

}  // namespace cim
