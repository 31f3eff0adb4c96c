// Busy state of a chip unit: start() sets the time it frees. While traced, the unit's own
// process draws the end of each operation on its signals.
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

// `now` is the controller's time, which runs ahead of the kernel's when it is decoupled.
void Unit::start(const UnitOp &op, const sc_core::sc_time &now)
{
    sc_assert(free_at_ <= now);
    cur_ = op;
    busy_cycles_ += op.cycles;
    sc_core::sc_time dur = sc_core::sc_time::from_value(period_.value() * op.cycles);
    free_at_ = now + dur;
    if (tracing_) {
        show(&cur_, true);
        done_.notify(dur);
    }
}

// An end notified for an earlier operation may arrive while a later one runs (a notify
// keeps the earliest pending time): then it waits again for the later end.
void Unit::finish()
{
    if (!tracing_)
        return;
    sc_core::sc_time now = sc_core::sc_time_stamp();
    if (now < free_at_)
        done_.notify(free_at_ - now);
    else
        show(nullptr, false);
}

void Unit::set_tracing(bool on)
{
    tracing_ = on;
    if (!on)
        return;
    sc_core::sc_time now = sc_core::sc_time_stamp();
    bool busy = now < free_at_;
    show(busy ? &cur_ : nullptr, false);
    if (busy)
        done_.notify(free_at_ - now);
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
