// The SystemC scenarios, one per process (tests/sim/run_sim.sh runs each): every function
// counts its failed checks in simtest::failures.
#ifndef CIM_TEST_SIM_SCENARIOS_H
#define CIM_TEST_SIM_SCENARIOS_H

namespace simtest {

void scenario_cycles_parallel();
void scenario_cycles_buffer();
void scenario_random_programs();
void scenario_random_watchdog();
void scenario_mnist();
void scenario_trap();
void scenario_vcd();
void scenario_vcd_window();
void scenario_session();
void scenario_shapes();
void scenario_int8();

}  // namespace simtest

#endif
