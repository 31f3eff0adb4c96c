// Clock period, reset signal and the clk waveform shown inside the VCD window (high for
// the first half of each period, rising at every multiple of the period).
#include "sim/clock_reset.h"

#include <cmath>

namespace cim {

ClockReset::ClockReset(sc_core::sc_module_name name, double clock_mhz)
    : sc_core::sc_module(name), rst_n("rst_n", false), clk_("clk"), rst_sig_("rst_sig")
{
    double ps = std::floor(1e6 / clock_mhz + 0.5);
    period_ = sc_core::sc_time::from_value(static_cast<sc_core::sc_time::value_type>(ps < 1.0 ? 1.0 : ps));
    SC_HAS_PROCESS(ClockReset);
    SC_METHOD(tick);
    sensitive << tick_ev_;
    dont_initialize();
}

void ClockReset::set_reset(bool asserted)
{
    rst_n.write(!asserted);
    if (tracing_)
        rst_sig_.write(!asserted);
}

void ClockReset::set_tracing(bool on)
{
    tracing_ = on;
    if (on) {
        rst_sig_.write(rst_n.read());
        if (clock_traced_)
            tick_ev_.notify(sc_core::SC_ZERO_TIME);
    }
}

// Drives clk for the current time and schedules the next edge.
void ClockReset::tick()
{
    if (!tracing_)
        return;
    uint64_t now = sc_core::sc_time_stamp().value(), per = period_.value(), half = per / 2;
    uint64_t into = now % per;
    bool high = half > 0 && into < half;
    clk_.write(high);
    uint64_t next = high ? half - into : per - into;
    tick_ev_.notify(sc_core::sc_time::from_value(next));
}

void ClockReset::trace(sc_core::sc_trace_file *tf, bool clock)
{
    clock_traced_ = clock;
    if (clock)
        sc_core::sc_trace(tf, clk_, "clk");
    sc_core::sc_trace(tf, rst_sig_, "rst_n");
}

}  // namespace cim
