// The chip as SystemC modules, connected as models/chip describes it: clock and reset, the
// controller with its issue bus to the window unit (IR), the PPU, the buffer port, the
// host DMA and M macros. The C model (CimChip) holds all state and semantics.
#ifndef CIM_SIM_CHIP_H
#define CIM_SIM_CHIP_H

#include "sim/buffer.h"
#include "sim/clock_reset.h"
#include "sim/controller.h"
#include "sim/host_dma.h"
#include "sim/macro.h"
#include "sim/ppu.h"
#include "sim/window_unit.h"

#include <memory>
#include <vector>

namespace cim {

class Chip : public sc_core::sc_module {
public:
    ClockReset clock;
    Controller ctrl;
    WindowUnit window;
    Ppu ppu;
    Buffer buffer;
    HostDma dma;
    std::vector<std::unique_ptr<Macro>> macros;

    Chip(sc_core::sc_module_name name, unsigned nmacros, double clock_mhz);

    // Every unit in CimInsnTiming resource order (CIM_RES_IR, ..., CIM_RES_MACRO + m).
    const std::vector<Unit *> &units() const { return units_; }
    void set_tracing(bool on);
    // Adds every module's signals to tf (clk only with clock).
    void trace(sc_core::sc_trace_file *tf, bool clock_too);

private:
    std::vector<Unit *> units_;
};

}  // namespace cim

#endif
