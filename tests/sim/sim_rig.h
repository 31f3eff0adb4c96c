// Shared by the SystemC scenarios (tests/sim/*.cpp): check macros that count failures,
// fresh chips, assembled programs, and comparisons of a C run (cim_chip_run) with a
// SystemC run (cim_sc_session_run) field by field, printing every difference.
#ifndef CIM_TEST_SIM_RIG_H
#define CIM_TEST_SIM_RIG_H

#include "sim/sim.h"

#include <string>

namespace simtest {

// Failed checks so far in this process; a scenario passes when it stays 0.
extern int failures;

void fail(const char *file, int line, const std::string &msg);
#define SIM_CHECK(cond, msg)                                 \
    do {                                                     \
        if (!(cond))                                         \
            simtest::fail(__FILE__, __LINE__, (msg));        \
    } while (0)
#define SIM_CHECK_EQ(a, b, what)                                                                    \
    do {                                                                                            \
        unsigned long long va_ = (unsigned long long)(a), vb_ = (unsigned long long)(b);            \
        if (va_ != vb_)                                                                             \
            simtest::fail(__FILE__, __LINE__,                                                       \
                          std::string(what) + ": " + std::to_string(va_) + " != " + std::to_string(vb_)); \
    } while (0)

CimChip *fresh_chip(const CimChipCfg &cfg);
// Assembles text that must be valid (exits the scenario with a message otherwise).
CimProgram assemble(const char *text);
// One session for the whole process (SystemC elaborates once); aborts the scenario on error.
CimScSession *session(CimChip *chip, const CimScOptions *opt = nullptr);

// Field-by-field comparisons; what names the run in messages. C first, SystemC second.
void compare_results(const CimRunResult &c, const CimRunResult &sc, const std::string &what);
void compare_chips(const CimChip *c, const CimChip *sc, const std::string &what);

}  // namespace simtest

#endif
