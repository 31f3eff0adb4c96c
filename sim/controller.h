// The controller: fetch, decode and execute through models/ (cim_chip_exec gives the
// values, events and each instruction's occupancy), then issue in order, at most one
// instruction per cycle, once every unit it occupies is free and every register it reads
// is ready; the units then stay busy for the cycles models/ gave (docs/isa.md, Scheduling).
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

    // The next run (starts when rst_n rises): program p on chip with the host stream io;
    // res receives the result (cycles relative to the run's start).
    void load(CimChip *chip, const CimProgram *p, CimHostIO *io, uint64_t max_cycles, CimRunResult *res);
    // True once the loaded run has drained and its result is complete.
    bool done() const { return done_; }
    void set_tracing(bool on);
    /* Temporal decoupling (loosely-timed TLM practice): without a trace the controller keeps
     * its own time and lets the kernel catch up once per quantum instead of once per
     * instruction. Results are the same; only trace signals need a synchronised kernel. */
    void set_decoupled(bool on) { decoupled_ = on; }
    void trace(sc_core::sc_trace_file *tf) const;

private:
    struct Fetched {
        CimInsn in;
        CimInsnTiming t;
        uint64_t pc, word, next;
        uint32_t buf_bits;  // buffer traffic of the instruction (only while tracing)
    };

    void end_of_elaboration() override;
    void main();
    void run();
    bool fetch(uint64_t pc, Fetched &f);
    bool exec(Fetched &f);
    void wait_ready(const CimInsnTiming &t);
    void wait_until(const sc_core::sc_time &t, State why);
    void issue(const Fetched &f);
    bool watchdog(const Fetched &f);
    void drain();
    void trap(uint64_t pc, uint64_t word, const char *why, const sc_core::sc_time &at);
    uint64_t cycles_since_start(const sc_core::sc_time &t) const;
    void show_state(State s);
    sc_core::sc_time now() const { return decoupled_ ? local_ : sc_core::sc_time_stamp(); }
    void sync(bool force);

    sc_core::sc_time period_;
    std::vector<UnitIf *> units_;
    // the run
    CimChip *chip_ = nullptr;
    const CimProgram *prog_ = nullptr;
    CimHostIO *io_ = nullptr;
    uint64_t max_cycles_ = 0;
    CimRunResult *res_ = nullptr;
    bool done_ = true, tracing_ = false, decoupled_ = false;
    sc_core::sc_time local_;
    sc_core::sc_time t0_, next_issue_, horizon_;  // run start, earliest next issue, last unit free
    sc_core::sc_time reg_ready_[CIM_NREGS];
    uint64_t pc_ = 0;
    State state_ = IDLE;
    int last_opcode_ = 0;
    TraceSignal<int> pc_sig_, state_sig_, insn_sig_;
};

}  // namespace cim

#endif
