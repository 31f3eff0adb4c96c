// Co-simulation of the RTL (Verilator) against the C model (models/): shared types of the
// harness. rig.cpp wraps the Verilated chip, lockstep.cpp runs programs on both and
// compares, stim.cpp and workloads.cpp make the stimulus, main.cpp is the command line.
#ifndef CIM_COSIM_H
#define CIM_COSIM_H

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include "models/chip/chip.h"
#include "models/isa/isa.h"
}

class Vcim_cosim_top;
class VerilatedContext;
class VerilatedVcdC;

using Bits = std::vector<uint64_t>;   // a bit row, bit i in word i / 64

// One program run: the program, and the host side of its DMA link.
struct RunSpec {
    std::string label;
    std::vector<uint64_t> prog;
    bool new_io = true;            // a fresh CimHostIO (positions 0); else keep the last one
    Bits in;                       // host input stream (new_io only)
    size_t in_bits = 0;
    size_t out_bits = 0;           // host output capacity (new_io only)
    uint64_t max_cycles = UINT64_MAX / 2;
};

// A test case: runs on one fresh chip (model and RTL), state carried from run to run.
struct CaseSpec {
    std::string suite, name;
    std::vector<RunSpec> runs;
};

struct Tally {
    uint64_t insns = 0, cycles = 0, runs = 0, cases = 0, traps = 0;
    uint64_t trap_kinds[CIM_TRAP_COUNT] = {0};   // runs that ended in each trap kind
    uint64_t ops[CIM_I_COUNT] = {0};   // issued instructions by kind
};

struct Options {
    std::string chip;
    std::vector<std::string> sets;
    uint64_t seed = 1;
    unsigned count = 0;            // random programs per random suite (0: the suite's default)
    unsigned images = 2;           // MNIST images
    std::string vcd_dir = ".";
    int break_from = -1, break_to = -1;   // model-side op flip (test of the checker)
    bool verbose = false;
};

// The Verilated chip with loaders and probes (rig.cpp).
class Rig {
public:
    explicit Rig(const CimChipCfg *cfg);
    ~Rig();
    void tick();                          // one clock cycle (rising edge, then settle)
    void load_prog(const std::vector<uint64_t> &words);
    void load_host_in(const Bits &bits, size_t nbits);
    void start(size_t prog_len, uint64_t max_cycles, uint32_t hin_bits, uint32_t hout_cap, bool host_reset);
    // tracing: dump every cycle of run `run` in [from, to] to path
    void trace_window(size_t run, uint64_t from, uint64_t to, const std::string &path);
    void set_run_index(size_t run) { run_idx_ = run; }
    bool traced() const { return vcd_opened_; }

    // status
    bool done() const;
    bool running() const;
    uint64_t cycle() const;
    uint64_t run_cycles() const;
    uint64_t ninsn() const;
    bool ev_issue() const;
    uint32_t ev_pc() const;
    uint64_t ev_cycle() const;
    bool trapped() const;
    uint32_t trap_pc() const;
    uint64_t trap_cycle() const;
    uint64_t trap_word() const;
    unsigned trap_code() const;           // the RTL's trap_code_o (cim_trap_kind_of_code)
    bool err() const;
    int32_t reg(unsigned r) const;
    uint32_t res_rem(unsigned r) const;
    uint32_t reg_rem(unsigned r) const;
    bool busy(unsigned r) const;
    uint32_t hin_pos() const;
    uint32_t hout_pos() const;

    // probes (each sets probe inputs and settles the combinational logic)
    Bits row(unsigned m, unsigned r);
    Bits out(unsigned m);
    void counters(unsigned m, std::vector<uint32_t> &v, Bits &ovf);
    void window(unsigned m, unsigned &col0, unsigned &ncol);
    Bits buf(size_t addr, size_t n);
    Bits hout(size_t addr, size_t n);
    int64_t p(unsigned i);
    uint32_t thr(unsigned i);
    uint32_t off(unsigned i);
    Bits pr();
    Bits pruned();
    void layer(unsigned &nf, unsigned &mode, unsigned &npat);
    CimWindowState win_state();
    Bits ir();

private:
    void settle();
    const CimChipCfg *cfg_;
    std::unique_ptr<VerilatedContext> ctx_;
    Vcim_cosim_top *top_;
    VerilatedVcdC *vcd_ = nullptr;
    bool vcd_opened_ = false;
    size_t run_idx_ = 0, trace_run_ = SIZE_MAX;
    uint64_t trace_from_ = 0, trace_to_ = 0;
    std::string trace_path_;
};

// A mismatch found while running a case: where and what.
struct Failure {
    bool failed = false;
    size_t run = 0;
    uint64_t cycle = 0;
    std::string text;
};

// Runs a case on the model and the RTL in lockstep (lockstep.cpp). Returns false on a
// mismatch (described in fail); trace: the VCD window to write (a rerun after a failure).
bool run_case(const CaseSpec &cs, const CimChipCfg *cfg, const Options &opt, Tally &tally, Failure &fail,
              const std::string *vcd_path);

// Stimulus (stim.cpp, workloads.cpp).
std::vector<CaseSpec> directed_cases(const CimChipCfg *cfg);
std::vector<CaseSpec> random_cases(const CimChipCfg *cfg, uint64_t seed, unsigned count);
std::vector<CaseSpec> illegal_cases(const CimChipCfg *cfg, uint64_t seed, unsigned count);
bool mnist_cases(const CimChipCfg *cfg, uint64_t seed, unsigned images, std::vector<CaseSpec> &out, std::string &err);
bool prune_cases(const CimChipCfg *cfg, uint64_t seed, std::vector<CaseSpec> &out, std::string &err);
bool shape_cases(const CimChipCfg *cfg, uint64_t seed, unsigned count, std::vector<CaseSpec> &out, std::string &err);
bool int8_cases(const CimChipCfg *cfg, uint64_t seed, std::vector<CaseSpec> &out, std::string &err);

// Assembles text (must be valid) into words; aborts with the diagnostics otherwise.
std::vector<uint64_t> assemble(const std::string &text, const char *name);
// The model's run of a case (cim_chip_run on a fresh chip): used by the generators to
// keep random programs legal. Fills the result of the last run and returns its trap state.
bool model_run_case(const CaseSpec &cs, const CimChipCfg *cfg, CimRunResult *last);

// Bit helpers.
Bits bits_zero(size_t n);
uint64_t bits_get(const Bits &b, size_t i);
void bits_put(Bits &b, size_t i, int v);
std::string bits_hex(const Bits &b, size_t n);

#endif
