// The VCD trace of a chip (sc_trace, readable in GTKWave) and its window: signals follow
// the chip only from window start to end (session cycles), so long runs give small files.
// The file is written as PATH.tmp.vcd; when closed it is rewritten (top scope named after
// the chip, no wall-clock date unless asked) into PATH atomically, with GTKWave
// translate-filter files beside it that show opcodes and controller states by name.
#ifndef CIM_SIM_TRACER_H
#define CIM_SIM_TRACER_H

#include "sim/chip.h"

#include <string>

namespace cim {

class Tracer : public sc_core::sc_module {
public:
    struct Naming {
        std::string top; // the chip's name: the VCD's top scope
        bool date;       // keep SystemC's $date line
    };
    // end_cycle 0: no end. clock: trace clk as well.
    Tracer(sc_core::sc_module_name name, Chip &chip, const std::string &path, uint64_t start_cycle,
           uint64_t end_cycle, bool clock, const Naming &naming);
    // Between runs: lets one idle period pass (so the last values are written), closes the
    // file and renames it to the path; false if the rename failed.
    bool close();

private:
    void window();

    Chip &chip_;
    std::string path_;
    Naming naming_;
    uint64_t start_, end_;
    sc_core::sc_trace_file *tf_;
};

}  // namespace cim

#endif
