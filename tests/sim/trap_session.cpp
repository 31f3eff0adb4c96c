// Traps (illegal opcode, fetch past the end, a faulting instruction behind busy units,
// the watchdog) give the same records and cycles as cim_chip_run; and the session API's
// rules: one session at a time, another one of the same shape afterwards, none of another.
#include "tests/sim/scenarios.h"
#include "tests/sim/sim_rig.h"

#include <cstdio>

namespace simtest {

namespace {

void check_trap(CimScSession *s, const CimChipCfg &cfg, const CimProgram &p, uint64_t max_cycles, CimTrapKind kind,
                const std::string &w)
{
    CimChip *a = fresh_chip(cfg), *b = fresh_chip(cfg);
    CimRunResult rc, rs;
    cim_chip_run(a, &p, nullptr, max_cycles, &rc);
    SIM_CHECK(cim_sc_session_set_chip(s, b) == CIM_OK, "set_chip");
    SIM_CHECK(cim_sc_session_run(s, &p, nullptr, max_cycles, &rs) == CIM_OK, w + " session run");
    SIM_CHECK(rs.trap.kind == kind, w + ": expected a " + cim_trap_info(kind)->name + " trap, got " +
                                        cim_trap_info(rs.trap.kind)->name + " '" + rs.trap.reason + "'");
    compare_results(rc, rs, w);
    compare_chips(a, b, w);
    std::printf("%-34s pc %llu cycle %llu cycles %llu word 0x%016llx: %s\n", w.c_str(),
                (unsigned long long)rs.trap.pc, (unsigned long long)rs.trap.cycle, (unsigned long long)rs.cycles,
                (unsigned long long)rs.trap.word, rs.trap.reason);
    cim_chip_destroy(a);
    cim_chip_destroy(b);
}

void check_text(CimScSession *s, const CimChipCfg &cfg, const char *text, uint64_t max_cycles, CimTrapKind kind,
                const std::string &w)
{
    CimProgram p = assemble(text);
    check_trap(s, cfg, p, max_cycles, kind, w);
    cim_program_free(&p, nullptr);
}

}  // namespace

void scenario_trap()
{
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    CimChip *first = fresh_chip(cfg);
    CimScSession *s = session(first);
    CimProgram p = assemble("ild r0, 4096\nnop\nnop\nhalt\n");
    p.words[2] = 0xFFull << 56 | 0x1234; /* no instruction has opcode 0xff */
    check_trap(s, cfg, p, UINT64_MAX, CIM_TRAP_ILLEGAL, "illegal opcode behind a busy IR");
    cim_program_free(&p, nullptr);
    check_text(s, cfg, "nop\nli r1, 3\n", UINT64_MAX, CIM_TRAP_PC_END, "fetch past the end");
    check_text(s, cfg, "jmp 100\n", UINT64_MAX, CIM_TRAP_PC_END, "jump past the end");
    check_text(s, cfg, "ild r0, 4096\ngated m1, 0, 256, 0\nrrow m0, 300\nhalt\n", UINT64_MAX, CIM_TRAP_ROW,
               "faulting rrow behind busy units");
    check_text(s, cfg, "rrow m9, 0\nhalt\n", UINT64_MAX, CIM_TRAP_MACRO, "missing macro");
    check_text(s, cfg, "ild r0, 4096\nhalt\n", 63, CIM_TRAP_WATCHDOG, "watchdog one cycle short");
    check_text(s, cfg, "ild r0, 256\ngated m0, 0, 256, 0\ngated m1, 0, 128, 0\nhalt\n", 100, CIM_TRAP_WATCHDOG,
               "watchdog at a long gated read");
    check_text(s, cfg, "halt\n", 0, CIM_TRAP_WATCHDOG, "watchdog at halt");
    cim_sc_session_destroy(s);
    cim_chip_destroy(first);
}

void scenario_session()
{
    CimChipCfg cfg, other;
    cim_cfg_defaults(&cfg);
    cim_cfg_defaults(&other);
    other.macros = 4;
    CimChip *a = fresh_chip(cfg), *b = fresh_chip(other);
    CimScSession *s = session(a), *t = nullptr;
    SIM_CHECK(cim_sc_session_create(a, nullptr, &t) == CIM_ERR_RANGE && !t, "a second session while one is open");
    SIM_CHECK(cim_sc_session_set_chip(s, b) == CIM_ERR_RANGE, "set_chip with another macro count");
    CimProgram p = assemble("ild r0, 256\ngated m3, 0, 100, 0\nhalt\n");
    CimRunResult r;
    SIM_CHECK(cim_sc_session_run(s, &p, nullptr, UINT64_MAX, &r) == CIM_OK, "run");
    SIM_CHECK_EQ(r.cycles, 104, "cycles");
    SIM_CHECK_EQ(cim_sc_session_busy_cycles(s, CIM_RES_MACRO + 3), 100, "m3 busy");
    SIM_CHECK_EQ(cim_sc_session_busy_cycles(s, CIM_RES_BUF), 4, "buffer busy");
    SIM_CHECK_EQ(cim_sc_session_busy_cycles(s, CIM_RES_MACRO + 8), 0, "no macro 8");
    SIM_CHECK(cim_sc_session_macro_utilisation(s, 3) > 0.96 && cim_sc_session_macro_utilisation(s, 3) < 0.962,
              "m3 utilisation 100/104");
    cim_sc_session_destroy(s);
    SIM_CHECK(cim_sc_session_create(b, nullptr, &t) == CIM_ERR_RANGE, "a later session of another shape");
    CimScOptions vcd = {"never.vcd", 0, 0, 0, 0};
    SIM_CHECK(cim_sc_session_create(a, &vcd, &t) == CIM_ERR_RANGE, "a VCD after elaboration");
    SIM_CHECK(cim_sc_session_create(a, nullptr, &t) == CIM_OK, "a later session of the same shape");
    SIM_CHECK(cim_sc_session_run(t, &p, nullptr, UINT64_MAX, &r) == CIM_OK && r.cycles == 104, "run again");
    SIM_CHECK_EQ(cim_sc_session_cycles(t), 104, "a new session counts from 0");
    cim_sc_session_destroy(t);
    cim_program_free(&p, nullptr);
    cim_chip_destroy(a);
    cim_chip_destroy(b);
}

}  // namespace simtest
