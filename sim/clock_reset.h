// The chip's clock and reset. The clock period comes from the config (clock_mhz); the
// model never ticks it: processes wait whole numbers of periods, so a run costs time per
// instruction. A clk waveform is drawn only on request, inside the VCD window. rst_n
// (active low) holds the controller in reset between runs.
#ifndef CIM_SIM_CLOCK_RESET_H
#define CIM_SIM_CLOCK_RESET_H

#include "sim/unit.h"

#include <systemc>

#include <cstdint>

namespace cim {

class ClockReset : public sc_core::sc_module {
public:
    sc_core::sc_signal<bool> rst_n;

    // clock_mhz > 0; the period is rounded to whole picoseconds (the time resolution).
    ClockReset(sc_core::sc_module_name name, double clock_mhz);

    const sc_core::sc_time &period() const { return period_; }
    // Drives rst_n: low (asserted) holds the controller in reset, high runs a program.
    void set_reset(bool asserted);
    // Toggles clk and mirrors rst_n while on (the VCD window).
    void set_tracing(bool on);
    // rst_n, and clk with clock (the clock then ticks inside the window: two changes a cycle).
    void trace(sc_core::sc_trace_file *tf, bool clock);

private:
    void tick();

    sc_core::sc_time period_;
    TraceSignal<bool> clk_, rst_sig_;
    sc_core::sc_event tick_ev_;
    bool tracing_ = false, clock_traced_ = false;
};

}  // namespace cim

#endif
