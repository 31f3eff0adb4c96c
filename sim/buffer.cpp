// Buffer port traffic for traces: the transfer in flight and the running total of bits.
#include "sim/buffer.h"

namespace cim {

Buffer::Buffer(sc_core::sc_module_name name, const sc_core::sc_time &period)
    : Unit(name, period), bits_sig_("bits_sig"), traffic_sig_("traffic_sig")
{
}

void Buffer::show(const UnitOp *op, bool starting)
{
    Unit::show(op, starting);
    bits_sig_.write(op ? static_cast<int>(op->bits) : 0);
    if (starting && op->bits) {
        traffic_ += op->bits;
        traffic_sig_.write(traffic_);
    }
}

void Buffer::trace(sc_core::sc_trace_file *tf, const std::string &prefix) const
{
    Unit::trace(tf, prefix);
    sc_core::sc_trace(tf, bits_sig_, prefix + ".bits", 32);
    sc_core::sc_trace(tf, traffic_sig_, prefix + ".traffic");
}

}  // namespace cim
