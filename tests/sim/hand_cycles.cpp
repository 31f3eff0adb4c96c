// Cycle counts computed by hand (default config: 100 MHz, every array step 1 cycle, buffer
// port 64 bits per cycle, DMA 32 bits per cycle): the SystemC model and cim_chip_run must
// both give exactly these, with macros overlapping and a contended buffer port.
#include "tests/sim/scenarios.h"
#include "tests/sim/sim_rig.h"

#include <vector>

namespace simtest {

namespace {

struct Hand {
    const char *name;
    const char *text;
    uint64_t cycles;
    uint64_t busy_m0, busy_m1; // macro busy cycles the run must show
};

// Runs text on a fresh chip through C and through the session, checks both totals.
void run_hand(CimScSession *s, const Hand &h, const CimChipCfg &cfg)
{
    static uint64_t in_bits[64];
    uint64_t out_c[64] = {0}, out_sc[64] = {0};
    CimHostIO io_c = {in_bits, sizeof in_bits * 8, 0, out_c, sizeof out_c * 8, 0};
    CimHostIO io_sc = io_c;
    io_sc.out = out_sc;
    CimProgram p = assemble(h.text);
    CimChip *a = fresh_chip(cfg), *b = fresh_chip(cfg);
    CimRunResult rc, rs;
    cim_chip_run(a, &p, &io_c, UINT64_MAX, &rc);
    SIM_CHECK(cim_sc_session_set_chip(s, b) == CIM_OK, "set_chip");
    cim_sc_session_reset_stats(s);
    SIM_CHECK(cim_sc_session_run(s, &p, &io_sc, UINT64_MAX, &rs) == CIM_OK, "session run");
    std::string w = h.name;
    SIM_CHECK(rc.trap.kind == CIM_TRAP_NONE, w + ": unexpected trap: " + rc.trap.reason);
    SIM_CHECK_EQ(rc.cycles, h.cycles, w + ": C cycles vs hand");
    SIM_CHECK_EQ(rs.cycles, h.cycles, w + ": SystemC cycles vs hand");
    SIM_CHECK_EQ(cim_sc_session_cycles(s), h.cycles, w + ": session cycles");
    SIM_CHECK_EQ(cim_sc_session_busy_cycles(s, CIM_RES_MACRO + 0), h.busy_m0, w + ": m0 busy cycles");
    SIM_CHECK_EQ(cim_sc_session_busy_cycles(s, CIM_RES_MACRO + 1), h.busy_m1, w + ": m1 busy cycles");
    compare_results(rc, rs, w);
    compare_chips(a, b, w);
    cim_chip_destroy(a);
    cim_chip_destroy(b);
    cim_program_free(&p, nullptr);
}

void run_all(const std::vector<Hand> &hs)
{
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    CimChip *first = fresh_chip(cfg);
    CimScSession *s = session(first);
    for (const Hand &h : hs)
        run_hand(s, h, cfg);
    cim_sc_session_destroy(s);
    cim_chip_destroy(first);
}

}  // namespace

// ild: IR and port 256/64 = 4 cycles. Then two 256-row gated reads (256 cycles each):
// on two macros they overlap (m0 4..260, m1 5..261, halt@6 -> 261); on one macro the
// second waits for the first (m0 4..260, 260..516 -> 516). The docs' worked example: 260.
void scenario_cycles_parallel()
{
    run_all({
        {"two macros in parallel", "ild r0, 256\ngated m0, 0, 256, 0\ngated m1, 0, 256, 0\nhalt\n", 261, 256, 256},
        {"one macro twice", "ild r0, 256\ngated m0, 0, 256, 0\ngated m0, 0, 256, 0\nhalt\n", 516, 512, 0},
        {"docs worked example",
         "ild r0, 256\ngated m0, 0, 256, 0\ngated m1, 0, 128, 0\nrrow m1, 7\npopo r1, m1\nhalt\n", 260, 256, 130},
    });
}

// Window loads of C = 64 hold the IR and the port k*k = 9 cycles. li@0, wcfg@1 (IR until
// 2), win@2 (until 11). Without contention: nop@3, win@11 (waits for the IR), rrow@12,
// halt@13 -> 20. With stw (port 1 cycle) in the nop's place: stw waits for the port until
// 11 and holds it to 12, so the second win issues at 12 (until 21), rrow@13, halt@14 -> 21.
// A gated read between two window loads overlaps them: win@2 (until 11), gated m0 of 64
// rows @11 (m0 until 75, IR until 12), win@12 (until 21), gated m1 @21 (until 85), halt@22
// -> 85; m0 computes while the second window loads.
void scenario_cycles_buffer()
{
    run_all({
        {"win, nop, win", "li r1, 1\nwcfg r0, 64, 4, 4, 3, 1\nwin r1, r1\nnop\nwin r1, r1\nrrow m0, 0\nhalt\n", 20, 1,
         0},
        {"win, stw, win: port contended",
         "li r1, 1\nwcfg r0, 64, 4, 4, 3, 1\nwin r1, r1\nstw r1, r0\nwin r1, r1\nrrow m0, 0\nhalt\n", 21, 1, 0},
        {"gated overlapping two wins",
         "li r1, 1\nwcfg r0, 64, 4, 4, 3, 1\nwin r1, r1\ngated m0, 0, 64, 0\nwin r1, r1\ngated m1, 0, 64, 0\nhalt\n",
         85, 64, 64},
        // ild 1024 bits: port until 16; dmai of 640 bits waits for it and holds the link
        // and the port 20 cycles (the port carries the data as the link delivers it), to 36;
        // ost waits for the port again and holds it and m0 256/64 = 4 cycles (36..40);
        // halt@37 -> 40. Without the ild: dmai@0 (to 20), ost@20 (to 24), halt@21 -> 24.
        {"ild, dmai, ost on one port", "ild r0, 1024\ndmai r0, 640\nost m0, r0\nhalt\n", 40, 4, 0},
        {"dmai, ost without the ild", "dmai r0, 640\nost m0, r0\nhalt\n", 24, 4, 0},
    });
}

}  // namespace simtest
