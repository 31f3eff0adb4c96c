// Random legal controller programs, generated from the ISA as assembly text: scalar
// arithmetic, loops and branches, every array instruction on several macros, window
// loads, the PPU, stores and host DMA, each constrained so that it cannot trap.
#ifndef CIM_TEST_SIM_RANDOM_GEN_H
#define CIM_TEST_SIM_RANDOM_GEN_H

#include "models/chip/chip.h"

#include <string>

namespace simtest {

class RandomGen {
public:
    RandomGen(uint64_t seed, const CimChipCfg &cfg);
    // A whole program ending in halt; in_bits/out_bits: host stream it needs.
    std::string program(unsigned blocks);
    size_t in_bits = 0, out_bits = 0;

private:
    unsigned pick(unsigned n);
    void emit(const char *fmt, ...) __attribute__((format(printf, 2, 3)));
    void prologue();
    void block(bool stateless);
    void loop(unsigned depth);
    void branch();
    void scalar();
    void array_read();
    void array_other();
    void ppu();
    void csel(unsigned m, unsigned max_cols);
    void stateful();
    unsigned macro() { return pick(cfg_.macros); }
    unsigned scratch() { return 7 + pick(9); }  // r7..r15; r1..r6 hold addresses, positions, counters

    CimRng rng_;
    CimChipCfg cfg_;
    std::string text_;
    unsigned labels_ = 0;
    unsigned ir_len_ = 0;          // bits the IR holds (gated may read only these)
    unsigned ncol_[256];           // each macro's window width (pacc, ost)
    unsigned C_ = 1, H_ = 1, W_ = 1, k_ = 1;
    unsigned nf_ = 1;              // the layer's outputs (pacc must stay below)
};

}  // namespace simtest

#endif
