// The shape campaign (tests/support/shapes.h) through the SystemC model: random chips with
// one macro count (SystemC elaborates once per process, and a session is reused for every
// chip of the same macro count and clock) x random binary networks; each case runs on the
// C program path, the fast path, the plain reference and the SystemC model, which must
// agree on every integer, bit, cycle and event. SHAPES_MACROS (default 3), SHAPES_SEED
// (1), SHAPES_COUNT (6) pick the cases; SHAPES_CASE=0x.. runs one. tests/sim/run_shapes.sh
// runs one process per macro count.
#include "tests/sim/scenarios.h"
#include "tests/sim/sim_rig.h"
extern "C" { /* C headers without C++ guards */
#include "tests/support/shapes.h"
#include "workloads/exec/cycle.h"
}

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

namespace simtest {

namespace {

CimStatus open_sc(void *, CimChip *chip, CimProgRunner *runner, void **ctx)
{
    CimCycle *c = nullptr;
    CimStatus st = cim_cycle_open(chip, nullptr, &c);
    *runner = cim_cycle_runner;
    *ctx = c;
    return st;
}

void close_sc(void *, void *ctx) { cim_cycle_close(static_cast<CimCycle *>(ctx)); }

unsigned long env_ul(const char *name, unsigned long dflt)
{
    const char *v = std::getenv(name);
    return v && *v ? std::strtoul(v, nullptr, 0) : dflt;
}

uint64_t case_seed(uint64_t seed, unsigned macros, uint64_t i)
{
    uint64_t z = (seed * 131 + macros) * 0x9E3779B97F4A7C15ull + i + 1; /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

}  // namespace

void scenario_shapes()
{
    unsigned macros = (unsigned)env_ul("SHAPES_MACROS", 3);
    uint64_t seed = env_ul("SHAPES_SEED", 1), one = env_ul("SHAPES_CASE", 0);
    unsigned long count = one ? 1 : env_ul("SHAPES_COUNT", 6);
    CimMnist mn;
    CimDiag d;
    cim_diag_init(&d);
    bool have_mnist = cim_mnist_load("data/mnist", "t10k", nullptr, &mn, &d) == CIM_OK;
    cim_diag_print(&d, stdout);
    cim_diag_free(&d);
    SIM_CHECK(have_mnist, "data/mnist (make data fetches it)");
    if (!have_mnist)
        return;
    ShapesRunner sc = {open_sc, close_sc, nullptr, "SystemC"};
    ShapesOpts o = {&mn, &sc, 0, 0};
    unsigned long pass = 0, refused = 0, fail = 0;
    std::map<std::string, unsigned> reasons;
    for (unsigned long i = 0; i < count; i++) {
        uint64_t cs = one ? one : case_seed(seed, macros, i);
        ShapesCase c;
        ShapesResult r;
        shapes_case_make(cs, macros, &c);
        shapes_run_case(&c, &o, &r);
        if (r.verdict == SHAPES_FAIL) {
            char desc[1024];
            shapes_case_describe(&c, desc, sizeof desc);
            fail++;
            SIM_CHECK(false, std::string("case ") + desc + ": " + r.reason);
            std::printf("  repro: SHAPES_MACROS=%u SHAPES_CASE=0x%016llx build/rel/tests/sim/sim_tests shapes\n", macros,
                        (unsigned long long)cs);
        }
        pass += r.verdict == SHAPES_PASS;
        refused += r.verdict == SHAPES_REFUSED;
        if (r.verdict == SHAPES_REFUSED)
            reasons[r.reason]++;
        shapes_case_free(&c);
    }
    cim_mnist_free(&mn);
    for (const auto &kv : reasons)
        std::printf("  refused %5u x %s\n", kv.second, kv.first.c_str());
    std::printf("shapes through SystemC, %u macros, seed %llu: %lu cases, %lu agreed, %lu failed, %lu refused\n",
                macros, (unsigned long long)seed, count, pass, fail, refused);
    SIM_CHECK(pass > 0, "no case ran through SystemC");
}

}  // namespace simtest
