// A chip unit the controller issues to (macro, buffer port, PPU, window unit, host DMA):
// busy for an operation's cycles, which come from models/ (CimInsnTiming); this base
// class holds the time it frees, its busy cycles (utilisation) and the common trace signals.
#ifndef CIM_SIM_UNIT_H
#define CIM_SIM_UNIT_H

#include <systemc>

#include <cstdint>
#include <string>

namespace cim {

// A signal that only mirrors state for the VCD: written by its module and, when the trace
// window opens, by the tracer's process, hence unchecked writers.
template <class T> using TraceSignal = sc_core::sc_signal<T, sc_core::SC_UNCHECKED_WRITERS>;

// One operation on a unit, as the controller issues it.
struct UnitOp {
    uint32_t cycles;  // how long the unit stays busy (from models/, never decided here)
    uint8_t opcode;   // ISA opcode of the instruction (isa.def), for traces
    uint16_t row;     // first array row (macros), 0 otherwise
    uint16_t rows;    // array rows taken (gated n, dual 2, rrow/wrow 1), 0 otherwise
    uint32_t bits;    // buffer bits moved (only filled while tracing)
};

// The controller's issue interface to a unit (transaction level, loosely timed): a call
// starts an operation; the unit is busy until its free time. The controller waits for
// that time itself, so a unit costs no process activation unless it is traced.
class UnitIf : public virtual sc_core::sc_interface {
public:
    // The time the unit's current operation ends (in the past when it is free).
    virtual const sc_core::sc_time &free_at() const = 0;
    // Starts op now; the unit must be free.
    virtual void start(const UnitOp &op, const sc_core::sc_time &now) = 0;
};

class Unit : public sc_core::sc_module, public UnitIf {
public:
    Unit(sc_core::sc_module_name name, const sc_core::sc_time &period);

    const sc_core::sc_time &free_at() const override { return free_at_; }
    void start(const UnitOp &op, const sc_core::sc_time &now) override;

    // Cycles busy since elaboration (sessions subtract their starting value).
    uint64_t busy_cycles() const { return busy_cycles_; }
    // While on (inside the VCD window) the trace signals follow the unit; off, they hold.
    void set_tracing(bool on);
    // Adds this unit's signals to tf under prefix ("macro0.busy", ...).
    virtual void trace(sc_core::sc_trace_file *tf, const std::string &prefix) const;

protected:
    // Writes the unit's trace signals: op while busy (starting: it has just started), nullptr
    // when free.
    virtual void show(const UnitOp *op, bool starting);

private:
    void finish();

    sc_core::sc_time period_;
    sc_core::sc_time free_at_;
    sc_core::sc_event done_;  // notified at free_at_ while traced, to draw the end
    bool tracing_ = false;
    UnitOp cur_ = {};
    uint64_t busy_cycles_ = 0;
    TraceSignal<bool> busy_sig_;
    TraceSignal<int> op_sig_;
};

}  // namespace cim

#endif
