// Program-path inference on the SystemC model: workloads/exec/infer.c's own flow (binarise,
// each chip layer's program, unpack, host layers) with every program run by
// cim_sc_session_run instead of cim_chip_run.
#include "tests/sim/sc_infer.h"

namespace simtest {

namespace {

// A CimProgRunner on the session: the chip is the session's.
CimStatus on_session(void *ctx, CimChip *chip, const CimProgram *p, CimHostIO *io, uint64_t max_cycles,
                     CimRunResult *res)
{
    (void)chip;
    return cim_sc_session_run(static_cast<CimScSession *>(ctx), p, io, max_cycles, res);
}

}  // namespace

CimStatus sc_infer_load(CimScSession *s, CimChip *chip, const CimCompiled *cc, CimLayerTally *tally, CimTrap *trap)
{
    CimHostIO io = {cc->load_stream, cc->load_bits, 0, nullptr, 0, 0};
    return cim_run_tallied(on_session, s, chip, &cc->prog_load, &io, tally, trap);
}

CimStatus sc_infer_image(CimScSession *s, CimChip *chip, const CimCompiled *cc, const CimNet *net,
                         const uint8_t *pixels, float *logits, int32_t *conv_out, CimLayerTally *tallies,
                         CimTrap *trap)
{
    return cim_infer_image_with(on_session, s, nullptr, chip, cc, net, pixels, logits, conv_out, tallies, trap);
}

}  // namespace simtest
