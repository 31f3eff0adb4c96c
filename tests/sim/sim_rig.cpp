// Failure counting, fresh chips, programs and the C-versus-SystemC comparisons.
#include "tests/sim/sim_rig.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace simtest {

int failures = 0;

void fail(const char *file, int line, const std::string &msg)
{
    failures++;
    if (failures <= 40)
        std::printf("FAIL %s:%d: %s\n", file, line, msg.c_str());
}

CimChip *fresh_chip(const CimChipCfg &cfg)
{
    CimChip *c = nullptr;
    if (cim_chip_create(&cfg, nullptr, &c) != CIM_OK) {
        std::printf("FAIL: cannot create a chip\n");
        std::exit(1);
    }
    return c;
}

CimProgram assemble(const char *text)
{
    CimProgram p;
    CimDiag d;
    cim_program_init(&p);
    cim_diag_init(&d);
    if (cim_isa_assemble(text, "t.s", &p, nullptr, &d) != CIM_OK) {
        cim_diag_print(&d, stdout);
        std::printf("FAIL: assembling:\n%s\n", text);
        std::exit(1);
    }
    cim_diag_free(&d);
    return p;
}

CimScSession *session(CimChip *chip, const CimScOptions *opt)
{
    CimScSession *s = nullptr;
    CimStatus st = cim_sc_session_create(chip, opt, &s);
    if (st != CIM_OK) {
        std::printf("FAIL: cim_sc_session_create: %s\n", cim_status_str(st));
        std::exit(1);
    }
    return s;
}

void compare_results(const CimRunResult &c, const CimRunResult &sc, const std::string &what)
{
    SIM_CHECK_EQ(c.cycles, sc.cycles, what + " cycles");
    SIM_CHECK_EQ(c.instructions, sc.instructions, what + " instructions");
    for (int i = 0; i < CIM_I_COUNT; i++)
        SIM_CHECK_EQ(c.insn_count[i], sc.insn_count[i], what + " count of " + cim_isa_info((CimInsnId)i)->mnemonic);
    SIM_CHECK(c.trap.kind == sc.trap.kind, what + " trap kind: " + cim_trap_info(c.trap.kind)->name + " != " +
                                               cim_trap_info(sc.trap.kind)->name);
    SIM_CHECK_EQ(c.trap.pc, sc.trap.pc, what + " trap pc");
    SIM_CHECK_EQ(c.trap.cycle, sc.trap.cycle, what + " trap cycle");
    SIM_CHECK_EQ(c.trap.word, sc.trap.word, what + " trap word");
    SIM_CHECK(std::strcmp(c.trap.reason, sc.trap.reason) == 0,
              what + " trap reason: '" + c.trap.reason + "' != '" + sc.trap.reason + "'");
}

static void compare_bits(const uint64_t *a, const uint64_t *b, size_t bits, const std::string &what)
{
    size_t words = (bits + 63) / 64;
    for (size_t i = 0; i < words; i++)
        if (a[i] != b[i]) {
            fail(__FILE__, __LINE__, what + " differs from bit " + std::to_string(i * 64));
            return;
        }
}

static void compare_macros(const CimChip *c, const CimChip *sc, const std::string &what)
{
    const CimChipCfg *cfg = cim_chip_cfg(c);
    for (unsigned m = 0; m < cim_chip_macros(c); m++) {
        const CimMacro *a = cim_chip_macro(const_cast<CimChip *>(c), m);
        const CimMacro *b = cim_chip_macro(const_cast<CimChip *>(sc), m);
        std::string mw = what + " macro " + std::to_string(m);
        compare_bits(a->out, b->out, cfg->array.cols, mw + " output register");
        SIM_CHECK(std::memcmp(a->cnt.v, b->cnt.v, cfg->array.cols * sizeof *a->cnt.v) == 0, mw + " counters");
        SIM_CHECK_EQ(a->win.col0, b->win.col0, mw + " window col0");
        SIM_CHECK_EQ(a->win.ncol, b->win.ncol, mw + " window ncol");
        for (unsigned r = 0; r < cfg->array.rows; r++)
            compare_bits(cim_array_row_state(a->arr, r), cim_array_row_state(b->arr, r), cfg->array.cols,
                         mw + " row " + std::to_string(r));
    }
}

void compare_chips(const CimChip *c, const CimChip *sc, const std::string &what)
{
    const CimChipCfg *cfg = cim_chip_cfg(c);
    for (unsigned r = 0; r < CIM_NREGS; r++)
        SIM_CHECK_EQ(cim_chip_reg(c, r), cim_chip_reg(sc, r), what + " r" + std::to_string(r));
    compare_bits(cim_chip_buffer(const_cast<CimChip *>(c)), cim_chip_buffer(const_cast<CimChip *>(sc)),
                 cim_chip_buffer_bits(c), what + " buffer");
    CimEvents ea, eb;
    cim_chip_events(c, &ea);
    cim_chip_events(sc, &eb);
    for (int e = 0; e < CIM_EV_COUNT; e++)
        SIM_CHECK_EQ(ea.n[e], eb.n[e], what + " event " + cim_event_info((CimEventId)e)->name);
    SIM_CHECK(std::memcmp(cim_chip_ppu(c), cim_chip_ppu(sc), cfg->ctrl.ppu_size * sizeof(int64_t)) == 0,
              what + " PPU accumulators");
    compare_bits(cim_chip_pool_reg(c), cim_chip_pool_reg(sc), cfg->ctrl.ppu_size, what + " pool register");
    SIM_CHECK(std::memcmp(cim_chip_window(c), cim_chip_window(sc), sizeof(CimWindowState)) == 0,
              what + " window unit state");
    compare_macros(c, sc, what);
}

}  // namespace simtest
