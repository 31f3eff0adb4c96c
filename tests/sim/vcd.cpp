#include "tests/sim/scenarios.h"
#include "tests/sim/sim_rig.h"
#include <cstdio>
namespace simtest {
void scenario_vcd() {
    CimChipCfg cfg; cim_cfg_defaults(&cfg);
    CimChip *a = fresh_chip(cfg);
    CimScOptions o = {"/tmp/simscratch/t.vcd", 0, 0};
    CimScSession *s = session(a, &o);
    CimProgram p = assemble("li r1, 1\nwcfg r0, 64, 4, 4, 3, 1\nwin r1, r1\ngated m0, 0, 64, 0\nwin r1, r1\ngated m1, 0, 64, 0\nhalt\n");
    CimRunResult r;
    cim_sc_session_run(s, &p, nullptr, UINT64_MAX, &r);
    printf("cycles %llu\n", (unsigned long long)r.cycles);
    cim_sc_session_destroy(s);
}
void scenario_vcd_window() {}
}
