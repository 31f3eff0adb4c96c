// The C API over the SystemC chip: one elaboration per process (SystemC cannot restart),
// reused by later sessions of the same shape; each run resumes the kernel until the
// controller pauses it after the program has drained.
#include "sim/sim.h"

#include "sim/chip.h"
#include "sim/tracer.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <vector>

// libsystemc's main() calls sc_main; our programs have their own main, so this one only
// satisfies the linker.
extern "C" int sc_main(int, char **) { return 0; }

namespace {

struct Model {
    std::unique_ptr<cim::Chip> chip;
    std::unique_ptr<cim::Tracer> tracer;
    unsigned macros = 0;
    double clock_mhz = 0;
};

Model *g_model = nullptr;  // the process's one elaboration, kept until exit
bool g_live = false;       // a session is open

bool same_shape(const CimChip *chip)
{
    return cim_chip_macros(chip) == g_model->macros && cim_chip_cfg(chip)->clock_mhz == g_model->clock_mhz;
}

CimStatus elaborate(const CimChip *chip, const CimScOptions *opt)
{
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING); /* "timescale set" */
    if (opt && opt->vcd_path) {
        std::FILE *f = std::fopen((std::string(opt->vcd_path) + ".tmp.vcd").c_str(), "w");
        if (!f)
            return CIM_ERR_IO;
        std::fclose(f);
    }
    auto m = std::make_unique<Model>();
    m->macros = cim_chip_macros(chip);
    m->clock_mhz = cim_chip_cfg(chip)->clock_mhz;
    m->chip = std::make_unique<cim::Chip>("chip", m->macros, m->clock_mhz);
    if (opt && opt->vcd_path)
        m->tracer = std::make_unique<cim::Tracer>("tracer", *m->chip, opt->vcd_path, opt->vcd_start_cycle,
                                                  opt->vcd_end_cycle, opt->vcd_clock != 0,
                                                  cim::Tracer::Naming{cim_chip_cfg(chip)->name, opt->vcd_date != 0});
    else
        m->chip->ctrl.set_decoupled(true); /* nothing to trace: let the controller run ahead */
    g_model = m.release();
    sc_core::sc_start(sc_core::SC_ZERO_TIME); /* ends elaboration; processes reach their first wait */
    return CIM_OK;
}

// A window that ends after it starts, both within SystemC's time range (2^64 ps).
bool window_ok(const CimChip *chip, const CimScOptions *opt)
{
    double last = static_cast<double>(opt->vcd_end_cycle ? opt->vcd_end_cycle : opt->vcd_start_cycle);
    if (last * 1e6 / cim_chip_cfg(chip)->clock_mhz >= 0x1p63)
        return false;
    return opt->vcd_end_cycle == 0 || opt->vcd_end_cycle > opt->vcd_start_cycle;
}

template <typename F> CimStatus guarded(F f)
{
    try {
        return f();
    } catch (const std::bad_alloc &) {
        return CIM_ERR_NOMEM;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "dcim: SystemC model: %s\n", e.what());
        return CIM_ERR_RANGE;
    }
}

}  // namespace

struct CimScSession {
    CimChip *chip;
    uint64_t cycles;
    std::vector<uint64_t> busy_base; /* units' busy cycles at the last reset_stats */
};

extern "C" CimStatus cim_sc_session_create(CimChip *chip, const CimScOptions *opt, CimScSession **out)
{
    *out = nullptr;
    return guarded([&] {
        bool vcd = opt && opt->vcd_path;
        if (g_live || (g_model && (!same_shape(chip) || vcd)))
            return CIM_ERR_RANGE;
        if (vcd && !window_ok(chip, opt))
            return CIM_ERR_RANGE;
        if (!g_model) {
            CimStatus st = elaborate(chip, opt);
            if (st != CIM_OK)
                return st;
        }
        auto *s = new CimScSession{chip, 0, std::vector<uint64_t>(g_model->chip->units().size())};
        cim_sc_session_reset_stats(s);
        g_live = true;
        *out = s;
        return CIM_OK;
    });
}

extern "C" CimStatus cim_sc_session_set_chip(CimScSession *s, CimChip *chip)
{
    if (!same_shape(chip))
        return CIM_ERR_RANGE;
    s->chip = chip;
    return CIM_OK;
}

extern "C" CimStatus cim_sc_session_run(CimScSession *s, const CimProgram *p, CimHostIO *io, uint64_t max_cycles,
                                        CimRunResult *res)
{
    std::memset(res, 0, sizeof *res);
    return guarded([&] {
        CimRun *run;  /* begun here (registers reset), stepped and ended by the controller */
        CimStatus st = cim_chip_run_begin(s->chip, p, io, max_cycles, &run);
        if (st != CIM_OK)
            return st;
        cim::Chip &c = *g_model->chip;
        c.ctrl.load(s->chip, run, res);
        c.clock.set_reset(false); /* out of reset: the controller starts at pc 0 */
        sc_core::sc_start();
        c.clock.set_reset(true);
        sc_core::sc_start(sc_core::SC_ZERO_TIME);
        if (!c.ctrl.done()) {
            std::fprintf(stderr, "dcim: SystemC model: the controller stopped before the run ended\n");
            return CIM_ERR_RANGE;
        }
        s->cycles += res->cycles;
        return CIM_OK;
    });
}

extern "C" uint64_t cim_sc_session_cycles(const CimScSession *s) { return s->cycles; }

extern "C" uint64_t cim_sc_session_busy_cycles(const CimScSession *s, unsigned res)
{
    const auto &units = g_model->chip->units();
    return res < units.size() ? units[res]->busy_cycles() - s->busy_base[res] : 0;
}

extern "C" double cim_sc_session_macro_utilisation(const CimScSession *s, unsigned m)
{
    if (s->cycles == 0)
        return 0.0;
    return static_cast<double>(cim_sc_session_busy_cycles(s, CIM_RES_MACRO + m)) / static_cast<double>(s->cycles);
}

extern "C" void cim_sc_session_reset_stats(CimScSession *s)
{
    const auto &units = g_model->chip->units();
    s->cycles = 0;
    for (size_t i = 0; i < units.size(); i++) /* sized at create: no allocation here */
        s->busy_base[i] = units[i]->busy_cycles();
}

extern "C" CimStatus cim_sc_session_close_vcd(CimScSession *s)
{
    (void)s;
    return guarded([] { return !g_model->tracer || g_model->tracer->close() ? CIM_OK : CIM_ERR_IO; });
}

extern "C" void cim_sc_session_destroy(CimScSession *s)
{
    if (!s)
        return;
    cim_sc_session_close_vcd(s);
    delete s;
    g_live = false;
}
