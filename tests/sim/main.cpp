// SystemC scenarios: `sim_tests NAME` runs one (SystemC elaborates once per process, so
// each scenario needs its own); `sim_tests --list` names them all. Exit 0 when it passed.
#include "tests/sim/scenarios.h"
#include "tests/sim/sim_rig.h"

#include <cstdio>
#include <cstring>

namespace {

struct Scenario {
    const char *name;
    void (*fn)();
};

const Scenario scenarios[] = {
    {"cycles_parallel", simtest::scenario_cycles_parallel},
    {"cycles_buffer", simtest::scenario_cycles_buffer},
    {"random_programs", simtest::scenario_random_programs},
    {"random_watchdog", simtest::scenario_random_watchdog},
    {"mnist", simtest::scenario_mnist},
    {"trap", simtest::scenario_trap},
    {"vcd", simtest::scenario_vcd},
    {"vcd_window", simtest::scenario_vcd_window},
    {"session", simtest::scenario_session},
    {"shapes", simtest::scenario_shapes},
    {"int8", simtest::scenario_int8},
};

}  // namespace

int main(int argc, char **argv)
{
    if (argc == 2 && std::strcmp(argv[1], "--list") == 0) {
        for (const Scenario &s : scenarios)
            std::printf("%s\n", s.name);
        return 0;
    }
    for (const Scenario &s : scenarios)
        if (argc == 2 && std::strcmp(argv[1], s.name) == 0) {
            s.fn();
            std::printf("%s %s (%d failed checks)\n", simtest::failures ? "FAIL" : "ok  ", s.name,
                        simtest::failures);
            return simtest::failures ? 1 : 0;
        }
    std::fprintf(stderr, "usage: %s SCENARIO | --list\n", argv[0]);
    return 2;
}
