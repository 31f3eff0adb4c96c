// One image through the chip layers on the SystemC session, then the host layers.
#include "tests/sim/sc_infer.h"

#include <cstring>
#include <vector>

namespace simtest {

namespace {

CimStatus run_prog(CimScSession *s, CimChip *chip, const CimProgram *p, CimHostIO *io, CimLayerTally *t,
                   CimTrap *trap)
{
    CimEvents before, after;
    CimRunResult r;
    cim_chip_events(chip, &before);
    CimStatus st = cim_sc_session_run(s, p, io, UINT64_MAX / 2, &r);
    if (st != CIM_OK)
        return st;
    cim_chip_events(chip, &after);
    if (t) {
        t->cycles += r.cycles;
        t->instructions += r.instructions;
        for (int i = 0; i < CIM_EV_COUNT; i++)
            t->ev.n[i] += after.n[i] - before.n[i];
    }
    if (r.trap.kind != CIM_TRAP_NONE) {
        *trap = r.trap;
        return CIM_ERR_TRAP;
    }
    return CIM_OK;
}

// The last chip layer's int32 outputs, position-major in PPU order, to [F][H][W].
void unpack_result(const CimCompiled *cc, const uint64_t *raw, int32_t *out)
{
    const CimChipLayer *cl = &cc->layers[cc->n - 1];
    size_t hw = (size_t)cl->out_h * cl->out_w;
    for (size_t p = 0; p < hw; p++)
        for (unsigned i = 0; i < cl->F; i++) {
            uint64_t v = 0;
            cim_bits_copy_range(&v, 0, raw, 32 * (p * cl->F + i), 32);
            out[(size_t)cl->order[i] * hw + p] = (int32_t)(uint32_t)v;
        }
}

}  // namespace

CimStatus sc_infer_load(CimScSession *s, CimChip *chip, const CimCompiled *cc, CimLayerTally *tally, CimTrap *trap)
{
    CimHostIO io = {cc->load_stream, cc->load_bits, 0, nullptr, 0, 0};
    return run_prog(s, chip, &cc->prog_load, &io, tally, trap);
}

CimStatus sc_infer_image(CimScSession *s, CimChip *chip, const CimCompiled *cc, const CimNet *net,
                         const uint8_t *pixels, float *logits, int32_t *conv_out, CimLayerTally *tallies,
                         CimTrap *trap)
{
    size_t act = cim_net_max_activation(net);
    std::vector<uint64_t> img(cim_bits_words(cc->image_bits) + 1), raw(cim_bits_words(cc->result_bits) + 1);
    std::vector<int32_t> ints(act);
    std::vector<float> scratch(2 * act);
    cim_compile_binarise_image(net, pixels, img.data());
    CimHostIO io = {img.data(), cc->image_bits, 0, raw.data(), cc->result_bits, 0};
    CimStatus st = CIM_OK;
    for (size_t k = 0; k < cc->n && st == CIM_OK; k++)
        st = run_prog(s, chip, &cc->layers[k].prog, &io, tallies ? &tallies[k] : nullptr, trap);
    if (st != CIM_OK)
        return st;
    CimHost host = {};
    if ((st = cim_host_init(&host, net)) != CIM_OK)
        return st;
    unpack_result(cc, raw.data(), ints.data());
    cim_host_forward(&host, cc, net, ints.data(), logits, scratch.data());
    cim_host_free(&host);
    const CimChipLayer *last = &cc->layers[cc->n - 1];
    if (conv_out)
        std::memcpy(conv_out, ints.data(), (size_t)last->F * last->out_h * last->out_w * sizeof(int32_t));
    return CIM_OK;
}

}  // namespace simtest
