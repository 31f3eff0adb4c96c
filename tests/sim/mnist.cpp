// The MNIST workload (tests/support/mnist_net.h, random weights, compiled for the default
// chip) on the C program path and on the SystemC model, from two fresh chips: the load
// program, then three real images: identical logits, conv outputs, per-layer cycles,
// instructions and events, and identical chips afterwards. Prints the cycle breakdown.
#include "tests/sim/scenarios.h"
#include "tests/sim/sc_infer.h"
#include "tests/sim/sim_rig.h"
extern "C" { /* C headers without C++ guards */
#include "tests/support/mnist_net.h"
#include "workloads/io/idx.h"
}

#include <cstdio>
#include <cstring>

namespace simtest {

namespace {

const int kImages = 3;

void compare_tallies(const CimLayerTally *c, const CimLayerTally *sc, size_t n, const std::string &what)
{
    for (size_t k = 0; k < n; k++) {
        std::string w = what + " layer " + std::to_string(k);
        SIM_CHECK_EQ(c[k].cycles, sc[k].cycles, w + " cycles");
        SIM_CHECK_EQ(c[k].instructions, sc[k].instructions, w + " instructions");
        for (int e = 0; e < CIM_EV_COUNT; e++)
            SIM_CHECK_EQ(c[k].ev.n[e], sc[k].ev.n[e], w + " event " + cim_event_info((CimEventId)e)->name);
    }
}

bool setup(CimNet &net, CimCompiled &cc, CimMnist &mn, const CimChipCfg &cfg)
{
    CimDiag d;
    cim_diag_init(&d);
    bool ok = test_mnist_net(&net) == CIM_OK;
    if (ok)
        cim_net_init_random(&net, 11);
    ok = ok && cim_compile(&cfg, &net, CIM_PRUNED_REFERENCE, nullptr, &cc, &d) == CIM_OK;
    ok = ok && cim_mnist_load("data/mnist", "t10k", nullptr, &mn, &d) == CIM_OK;
    cim_diag_print(&d, stdout);
    cim_diag_free(&d);
    SIM_CHECK(ok, "MNIST setup (network, compile, data/mnist: make data fetches it)");
    return ok;
}

void run_images(CimScSession *s, CimChip *a, CimChip *b, const CimCompiled &cc, const CimNet &net,
                const CimMnist &mn)
{
    CimLayerTally tc[8] = {}, ts[8] = {};
    CimTrap trap;
    for (int i = 0; i < kImages; i++) {
        const uint8_t *px = mn.images.pixels + (size_t)i * 784;
        float lc[10], ls[10];
        int32_t cc_out[16 * 49], sc_out[16 * 49];
        SIM_CHECK(cim_infer_image(a, &cc, &net, px, lc, cc_out, tc, &trap) == CIM_OK, "C image");
        SIM_CHECK(sc_infer_image(s, b, &cc, &net, px, ls, sc_out, ts, &trap) == CIM_OK, "SystemC image");
        SIM_CHECK(std::memcmp(lc, ls, sizeof lc) == 0, "logits of image " + std::to_string(i));
        SIM_CHECK(std::memcmp(cc_out, sc_out, sizeof cc_out) == 0, "conv3 outputs of image " + std::to_string(i));
    }
    compare_tallies(tc, ts, cc.n, "images");
    uint64_t total = 0;
    for (size_t k = 0; k < cc.n; k++) {
        std::printf("layer %zu: %llu cycles, %llu instructions per image\n", k,
                    (unsigned long long)(ts[k].cycles / kImages), (unsigned long long)(ts[k].instructions / kImages));
        total += ts[k].cycles / kImages;
    }
    std::printf("per image: %llu cycles\n", (unsigned long long)total);
}

}  // namespace

void scenario_mnist()
{
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    CimNet net;
    CimCompiled cc;
    CimMnist mn;
    if (!setup(net, cc, mn, cfg))
        return;
    CimChip *a = fresh_chip(cfg), *b = fresh_chip(cfg);
    CimScSession *s = session(b);
    CimLayerTally lc = {}, ls = {};
    CimTrap trap;
    SIM_CHECK(cim_infer_load(a, &cc, &lc, &trap) == CIM_OK, "C load");
    SIM_CHECK(sc_infer_load(s, b, &cc, &ls, &trap) == CIM_OK, "SystemC load");
    compare_tallies(&lc, &ls, 1, "load");
    std::printf("load: %llu cycles\n", (unsigned long long)ls.cycles);
    run_images(s, a, b, cc, net, mn);
    compare_chips(a, b, "after the images");
    for (unsigned m = 0; m < cim_chip_macros(b); m++)
        std::printf("macro %u utilisation %.3f\n", m, cim_sc_session_macro_utilisation(s, m));
    cim_sc_session_destroy(s);
    cim_chip_destroy(a);
    cim_chip_destroy(b);
    cim_compiled_free(&cc);
    cim_mnist_free(&mn);
    cim_net_free(&net);
}

}  // namespace simtest
