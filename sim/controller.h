// The controller: steps the run through models/ (cim_chip_run_next fetches, decodes and
// executes each instruction and gives its issue cycle and why it waits; cim_chip_run_issue
// issues it), waits in sc_time until each issue cycle, starts the units it occupies for
// the cycles models/ gave, and drains (docs/isa.md, Scheduling; docs/architecture.md).
// It decides no cycle itself: it turns the model's cycles into times on its clock.
#ifndef CIM_SIM_CONTROLLER_H
#define CIM_SIM_CONTROLLER_H

#include "models/chip/chip.h"
#include "sim/clock_reset.h"
#include "sim/unit.h"

#include <systemc>

#include <vector>

namespace cim {

class Controller : public sc_core::sc_module {
public:
    // What the controller is doing, as traced (ctrl.state).
    enum State { IDLE = 0, ISSUE = 1, STALL_UNIT = 2, STALL_REG = 3, DRAIN = 4 };

    sc_core::sc_in<bool> rst_n;
    // The issue bus, bound in CimInsnTiming resource order: IR (window unit), PPU, BUF,
    // DMA, then macro 0..M-1.
    sc_core::sc_port<UnitIf, 0> unit;

    Controller(sc_core::sc_module_name name, const ClockReset &clock);
    ~Controller() override;

    // The next run (starts when rst_n rises), begun by the caller with cim_chip_run_begin
    // on chip, which the controller now owns and ends; res receives the result (cycles
    // relative to the run's start).
    void load(CimChip *chip, CimRun *run, CimRunResult *res);
    // True once the loaded run has drained and its result is complete.
    bool done() const { return done_; }
    void set_tracing(bool on);
    /* Temporal decoupling (loosely-timed TLM practice): without a trace the controller keeps
     * its own time and lets the kernel catch up once per quantum instead of once per
     * instruction. Results are the same; only trace signals need a synchronised kernel. */
    void set_decoupled(bool on) { decoupled_ = on; }
    void trace(sc_core::sc_trace_file *tf) const;

private:
    void end_of_elaboration() override;
    void main();
    void run();
    bool fetch(CimStep &s, uint32_t &buf_bits);
    void wait_until(const sc_core::sc_time &t, State why);
    void issue(const CimStep &s, uint32_t buf_bits);
    void drain();
    // The time of cycle n of the run; the next slot (the common case) costs one addition.
    sc_core::sc_time at(uint64_t n) const
    {
        return n == slot_ ? slot_time_ : t0_ + sc_core::sc_time::from_value(period_.value() * n);
    }
    void show_state(State s);
    sc_core::sc_time now() const { return decoupled_ ? local_ : sc_core::sc_time_stamp(); }
    void sync(bool force);

    sc_core::sc_time period_;
    sc_core::sc_time quantum_;  // how far a decoupled controller may run ahead: 4096 periods
    std::vector<UnitIf *> units_;
    // the run
    CimChip *chip_ = nullptr;
    CimRun *run_ = nullptr;
    CimRunResult *res_ = nullptr;
    bool done_ = true, tracing_ = false, decoupled_ = false;
    sc_core::sc_time local_;
    sc_core::sc_time t0_;         // the run's cycle 0
    uint64_t slot_ = 0;           // the run's next issue slot (cim_chip_run_slot) ...
    sc_core::sc_time slot_time_;  // ... and its time
    uint64_t pc_ = 0;
    State state_ = IDLE;
    int last_opcode_ = 0;
    TraceSignal<int> pc_sig_, state_sig_, insn_sig_;
};

}  // namespace cim

#endif
