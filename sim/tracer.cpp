// Trace window: a process waits for the start cycle, switches every module's trace
// signals on (each shows its current state), and switches them off at the end cycle.
#include "sim/tracer.h"

#include <cstdio>

namespace cim {

Tracer::Tracer(sc_core::sc_module_name name, Chip &chip, const std::string &path, uint64_t start_cycle,
               uint64_t end_cycle, bool clock)
    : sc_core::sc_module(name), chip_(chip), path_(path), start_(start_cycle), end_(end_cycle)
{
    tf_ = sc_core::sc_create_vcd_trace_file((path + ".tmp").c_str());
    tf_->set_time_unit(1, sc_core::SC_PS);
    chip_.trace(tf_, clock);
    SC_HAS_PROCESS(Tracer);
    SC_THREAD(window);
}

void Tracer::window()
{
    uint64_t per = chip_.clock.period().value();
    wait(sc_core::sc_time::from_value(start_ * per));
    if (!tf_)
        return;
    chip_.set_tracing(true);
    if (end_ == 0)
        return;
    wait(sc_core::sc_time::from_value((end_ > start_ ? end_ - start_ : 0) * per));
    chip_.set_tracing(false);
}

// SystemC writes a time step's values when time moves past it, so the last step of the
// last run reaches the file only after one more period of (idle) time.
bool Tracer::close()
{
    if (!tf_)
        return true;
    sc_core::sc_start(chip_.clock.period());
    chip_.set_tracing(false); /* later runs pay nothing for the trace */
    sc_core::sc_close_vcd_trace_file(tf_);
    tf_ = nullptr;
    return std::rename((path_ + ".tmp.vcd").c_str(), path_.c_str()) == 0;
}

}  // namespace cim
