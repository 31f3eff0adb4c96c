// The int8 1x1 convolution (workloads/compile/int8.h) on the C program path and on the
// SystemC model, from two fresh chips: the load program, then positions of random codes on
// the default chip (C = 131, F = 128: four regions on four macros; C = 100, F = 300: each
// weight bit in two pieces of 150 columns, 16 regions taking turns two per macro): identical outputs (equal to the plain loop), cycles,
// instructions and events, and identical chips afterwards.
#include "tests/sim/scenarios.h"
#include "tests/sim/sim_rig.h"
extern "C" { /* C headers without C++ guards */
#include "workloads/exec/cycle.h"
#include "workloads/exec/int8_exec.h"
}

#include <cstdio>
#include <vector>

namespace simtest {

namespace {

void compare_tally(const CimLayerTally &c, const CimLayerTally &sc, const std::string &what)
{
    SIM_CHECK_EQ(c.cycles, sc.cycles, what + " cycles");
    SIM_CHECK_EQ(c.instructions, sc.instructions, what + " instructions");
    for (int e = 0; e < CIM_EV_COUNT; e++)
        SIM_CHECK_EQ(c.ev.n[e], sc.ev.n[e], what + " event " + cim_event_info((CimEventId)e)->name);
}

void run_case(const CimChipCfg &cfg, unsigned C, unsigned F, unsigned npos, uint64_t seed)
{
    std::string what = "C " + std::to_string(C) + " F " + std::to_string(F);
    CimRng r;
    cim_rng_seed(&r, seed);
    std::vector<int8_t> w((size_t)F * C), x((size_t)npos * C);
    for (int8_t &v : w)
        v = (int8_t)(uint8_t)cim_rng_u64(&r);
    for (int8_t &v : x)
        v = (int8_t)(uint8_t)cim_rng_u64(&r);
    x[0] = -128;
    w[0] = -128;
    CimInt8Conv conv;
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_int8_compile(&cfg, w.data(), C, F, npos, nullptr, &conv, &d);
    cim_diag_print(&d, stdout);
    cim_diag_free(&d);
    SIM_CHECK(st == CIM_OK, what + ": compile");
    if (st != CIM_OK)
        return;
    CimChip *a = fresh_chip(cfg), *b = fresh_chip(cfg);
    CimCycle *cyc = nullptr;
    SIM_CHECK(cim_cycle_open(b, nullptr, &cyc) == CIM_OK, "SystemC session");
    CimInt8Engine *ea = nullptr, *eb = nullptr;
    CimLayerTally la = {}, lb = {}, ta = {}, tb = {};
    CimTrap trap;
    SIM_CHECK(cim_int8_engine_create(a, &conv, nullptr, nullptr, &la, &ea, &trap) == CIM_OK, what + ": C load");
    SIM_CHECK(cim_int8_engine_create(b, &conv, cim_cycle_runner, cyc, &lb, &eb, &trap) == CIM_OK,
              what + ": SystemC load");
    compare_tally(la, lb, what + " load");
    std::vector<int32_t> ya((size_t)npos * F), yb(ya.size()), ref(ya.size());
    if (ea && eb) {
        SIM_CHECK(cim_int8_engine_program(ea, nullptr, nullptr, x.data(), npos, ya.data(), &ta, &trap) == CIM_OK,
                  what + ": C positions");
        SIM_CHECK(cim_int8_engine_program(eb, cim_cycle_runner, cyc, x.data(), npos, yb.data(), &tb, &trap) == CIM_OK,
                  what + ": SystemC positions");
        cim_int8_conv_ref(w.data(), x.data(), C, F, npos, ref.data());
        SIM_CHECK(ya == ref, what + ": C outputs equal the plain loop");
        SIM_CHECK(yb == ref, what + ": SystemC outputs equal the plain loop");
        compare_tally(ta, tb, what + " positions");
        compare_chips(a, b, what + ": after the positions");
        std::printf("int8 %s: %u positions, %llu cycles, %llu instructions\n", what.c_str(), npos,
                    (unsigned long long)tb.cycles, (unsigned long long)tb.instructions);
    }
    cim_int8_engine_destroy(ea);
    cim_int8_engine_destroy(eb);
    cim_cycle_close(cyc);
    cim_chip_destroy(a);
    cim_chip_destroy(b);
    cim_int8_free(&conv);
}

}  // namespace

void scenario_int8()
{
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    run_case(cfg, 131, 128, 3, 7);
    run_case(cfg, 100, 300, 2, 8);
}

}  // namespace simtest
