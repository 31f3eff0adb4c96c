// The global buffer's port (models/chip: buffer_port_bits per cycle): one transfer at a
// time, so window loads, stores, layer tables and DMA contend for it. Traces the bits moved.
#ifndef CIM_SIM_BUFFER_H
#define CIM_SIM_BUFFER_H

#include "sim/unit.h"

namespace cim {

class Buffer : public Unit {
public:
    Buffer(sc_core::sc_module_name name, const sc_core::sc_time &period);
    void trace(sc_core::sc_trace_file *tf, const std::string &prefix) const override;

protected:
    void show(const UnitOp *op, bool starting) override;

private:
    TraceSignal<int> bits_sig_;                // bits of the transfer in flight
    TraceSignal<uint64_t> traffic_sig_;   // bits moved while tracing, cumulative
    uint64_t traffic_ = 0;
};

}  // namespace cim

#endif
