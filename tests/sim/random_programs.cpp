// Random legal programs (random_gen.h) on cim_chip_run and on the SystemC session from
// identical fresh chips, under four chip configurations: identical cycles, instruction
// counts, trap records, registers, buffer, arrays, counters, PPU, events and host output.
// SIM_SEED in the environment picks another seed; the seed is always printed.
#include "tests/sim/random_gen.h"
#include "tests/sim/scenarios.h"
#include "tests/sim/sim_rig.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace simtest {

namespace {

const unsigned kPrograms = 160;

// Variant v of the default chip: slower array steps and adder tree; a narrow buffer port,
// DMA and PPU; device physics with small saturating counters.
CimChipCfg variant(unsigned v)
{
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    if (v == 1) {
        cfg.tech.timing.t_read_ns = 25;
        cfg.tech.timing.t_set_ns = 30;
        cfg.tech.timing.t_adder_tree_ns = 35;
    } else if (v == 2) {
        cfg.ctrl.buffer_port_bits = 16;
        cfg.ctrl.dma_bits_per_cycle = 8;
        cfg.ctrl.ppu_lanes = 4;
    } else if (v == 3) {
        cfg.physics.enabled = 1;
        cfg.physics.seed = 99;
        cfg.periph.counter_bits = 4;
        cfg.periph.counter_overflow = CIM_OVERFLOW_SATURATE;
    }
    return cfg;
}

struct Pair {
    CimChip *c, *sc;
    std::vector<uint64_t> in, out_c, out_sc;
    CimHostIO io_c, io_sc;
};

// Two identical fresh chips (random buffer) and host streams for gen's program.
Pair make_pair(const CimChipCfg &cfg, CimRng *r, const RandomGen &gen)
{
    Pair p{fresh_chip(cfg), fresh_chip(cfg), {}, {}, {}, {}, {}};
    std::vector<uint64_t> buf(cim_chip_buffer_bits(p.c) / 64);
    for (uint64_t &w : buf)
        w = cim_rng_u64(r);
    cim_chip_buf_write(p.c, 0, buf.data(), buf.size() * 64);
    cim_chip_buf_write(p.sc, 0, buf.data(), buf.size() * 64);
    p.in.resize(2 * (gen.in_bits / 64 + 1));
    for (uint64_t &w : p.in)
        w = cim_rng_u64(r);
    p.out_c.assign(2 * (gen.out_bits / 64 + 1), 0);
    p.out_sc = p.out_c;
    p.io_c = {p.in.data(), p.in.size() * 64, 0, p.out_c.data(), p.out_c.size() * 64, 0};
    p.io_sc = p.io_c;
    p.io_sc.out = p.out_sc.data();
    return p;
}

void compare_io(const Pair &p, const std::string &w)
{
    SIM_CHECK_EQ(p.io_c.in_pos, p.io_sc.in_pos, w + " host input position");
    SIM_CHECK_EQ(p.io_c.out_pos, p.io_sc.out_pos, w + " host output position");
    SIM_CHECK(p.out_c == p.out_sc, w + " host output bits");
}

uint64_t seed_from_env()
{
    const char *s = std::getenv("SIM_SEED");
    return s ? std::strtoull(s, nullptr, 0) : 20240605u;
}

// Runs program i (twice: state persists, registers restart) on a pair; returns C cycles.
uint64_t check_program(CimScSession *s, uint64_t seed, unsigned i, uint64_t max_cycles, bool expect_ok,
                       uint64_t *mix = nullptr)
{
    CimChipCfg cfg = variant(i % 4);
    RandomGen gen(seed * 1000003u + i, cfg);
    std::string text = gen.program(20 + i % 80);
    CimProgram prog = assemble(text.c_str());
    CimRng r;
    cim_rng_seed(&r, seed + i);
    Pair p = make_pair(cfg, &r, gen);
    SIM_CHECK(cim_sc_session_set_chip(s, p.sc) == CIM_OK, "set_chip");
    uint64_t cycles = 0;
    for (int run = 0; run < 2; run++) {
        std::string w = "program " + std::to_string(i) + " (seed " + std::to_string(seed) + ") run " +
                        std::to_string(run);
        CimRunResult rc, rs;
        cim_chip_run(p.c, &prog, &p.io_c, max_cycles, &rc);
        SIM_CHECK(cim_sc_session_run(s, &prog, &p.io_sc, max_cycles, &rs) == CIM_OK, w + " session run");
        if (expect_ok)
            SIM_CHECK(rc.trap.kind == CIM_TRAP_NONE, w + ": the generator made a trapping program: " + rc.trap.reason + "\n" + text);
        compare_results(rc, rs, w);
        compare_chips(p.c, p.sc, w);
        compare_io(p, w);
        cycles += run == 0 ? rc.cycles : 0;
        for (int k = 0; mix && k < CIM_I_COUNT; k++)
            mix[k] += rc.insn_count[k];
    }
    cim_chip_destroy(p.c);
    cim_chip_destroy(p.sc);
    cim_program_free(&prog, nullptr);
    return cycles;
}

}  // namespace

void scenario_random_programs()
{
    uint64_t seed = seed_from_env();
    std::printf("random programs: %u, seed %llu (SIM_SEED=...)\n", kPrograms, (unsigned long long)seed);
    CimChipCfg cfg = variant(0);
    CimChip *first = fresh_chip(cfg);
    CimScSession *s = session(first);
    uint64_t cycles = 0, mix[CIM_I_COUNT] = {0};
    for (unsigned i = 0; i < kPrograms && failures == 0; i++)
        cycles += check_program(s, seed, i, UINT64_MAX, true, mix);
    std::printf("random programs: %llu cycles compared; instructions run:", (unsigned long long)cycles);
    for (int k = 0; k < CIM_I_COUNT; k++) {
        std::printf(" %s %llu", cim_isa_info((CimInsnId)k)->mnemonic, (unsigned long long)mix[k]);
        SIM_CHECK(mix[k] > 0, std::string("the programs never ran ") + cim_isa_info((CimInsnId)k)->mnemonic);
    }
    std::printf("\n");
    cim_sc_session_destroy(s);
    cim_chip_destroy(first);
}

// The watchdog: each program again with max_cycles just below and at half its length.
void scenario_random_watchdog()
{
    uint64_t seed = seed_from_env();
    std::printf("random watchdog: seed %llu\n", (unsigned long long)seed);
    CimChipCfg cfg = variant(0);
    CimChip *first = fresh_chip(cfg);
    CimScSession *s = session(first);
    for (unsigned i = 0; i < 40 && failures == 0; i++) {
        uint64_t n = check_program(s, seed, i, UINT64_MAX, true);
        check_program(s, seed, i, n - 1, false);
        check_program(s, seed, i, n / 2, false);
    }
    cim_sc_session_destroy(s);
    cim_chip_destroy(first);
}

}  // namespace simtest
