// Program-path inference on the SystemC model: workloads/exec/infer.c's flow
// (binarise, each chip layer's program, unpack, host layers) with every program run by
// cim_sc_session_run instead of cim_chip_run. Used by the MNIST scenario and bench_sim.
#ifndef CIM_TEST_SIM_SC_INFER_H
#define CIM_TEST_SIM_SC_INFER_H

#include "sim/sim.h"
#include "workloads/exec/infer.h"

namespace simtest {

// As cim_infer_load, on the session's chip.
CimStatus sc_infer_load(CimScSession *s, CimChip *chip, const CimCompiled *cc, CimLayerTally *tally, CimTrap *trap);
// As cim_infer_image, on the session's chip (tallies: one per chip layer, added to).
CimStatus sc_infer_image(CimScSession *s, CimChip *chip, const CimCompiled *cc, const CimNet *net,
                         const uint8_t *pixels, float *logits, int32_t *conv_out, CimLayerTally *tallies,
                         CimTrap *trap);

}  // namespace simtest

#endif
