// Instantiates and binds the chip's modules; the issue bus is bound in resource order so
// that CimInsnTiming's resource numbers index it directly.
#include "sim/chip.h"

#include <string>

namespace cim {

Chip::Chip(sc_core::sc_module_name name, unsigned nmacros, double clock_mhz)
    : sc_core::sc_module(name), clock("clock", clock_mhz), ctrl("ctrl", clock), window("window", clock.period()),
      ppu("ppu", clock.period()), buffer("buffer", clock.period()), dma("dma", clock.period())
{
    static_assert(CIM_RES_IR == 0 && CIM_RES_PPU == 1 && CIM_RES_BUF == 2 && CIM_RES_DMA == 3 && CIM_RES_MACRO == 4,
                  "the issue bus is bound in CimInsnTiming resource order");
    units_ = {&window, &ppu, &buffer, &dma};
    for (unsigned m = 0; m < nmacros; m++) {
        macros.push_back(std::make_unique<Macro>(("macro" + std::to_string(m)).c_str(), clock.period()));
        units_.push_back(macros.back().get());
    }
    ctrl.rst_n(clock.rst_n);
    for (Unit *u : units_)
        ctrl.unit(*u);
}

void Chip::set_tracing(bool on)
{
    clock.set_tracing(on);
    ctrl.set_tracing(on);
    for (Unit *u : units_)
        u->set_tracing(on);
}

void Chip::trace(sc_core::sc_trace_file *tf, bool clock_too)
{
    clock.trace(tf, clock_too);
    ctrl.trace(tf);
    window.trace(tf, "window");
    ppu.trace(tf, "ppu");
    buffer.trace(tf, "buffer");
    dma.trace(tf, "dma");
    for (size_t m = 0; m < macros.size(); m++)
        macros[m]->trace(tf, "macro" + std::to_string(m));
}

}  // namespace cim
