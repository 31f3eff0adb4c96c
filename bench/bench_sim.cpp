// make bench (second command): speed of the SystemC cycle model (sim/) on the MNIST
// workload beside the C fast path and the C program path, measured in the same run:
// images/s, simulated cycles/s and their ratios; best of three runs, in CPU time. The
// program path and SystemC run as `dcim run` runs them (the host layers' weights prepared
// once, workloads/run/job.c), so that the ratio is the two cycle models'.
#include "sim/sim.h"
#include "tests/sim/sc_infer.h"
#include "workloads/net/netfile.h"
#include "workloads/exec/fast.h"
extern "C" { /* a C header without C++ guards */
#include "workloads/io/idx.h"
}

#include <ctime>
#include <cstdio>
#include <functional>

namespace {

struct Rate {
    double images_per_s = 0;
    unsigned checksum = 0;  // argmaxes, so that paths can be compared
};

// CPU seconds of this thread: steadier than wall time on a shared machine, and the same for
// every path (SystemC's processes are coroutines on this thread).
double cpu_s()
{
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

// Best of three: images per second over n images (cycling through the data set).
Rate rate(const std::function<void(const uint8_t *, float *)> &fn, const CimMnist &mn, unsigned n)
{
    Rate best;
    for (int rep = 0; rep < 3; rep++) {
        unsigned sum = 0;
        double t0 = cpu_s();
        for (unsigned i = 0; i < n; i++) {
            float logits[10];
            fn(mn.images.pixels + (size_t)(i % mn.images.n) * 784, logits);
            sum = sum * 31u + cim_argmax(logits, 10);
        }
        double dt = cpu_s() - t0;
        if (n / dt > best.images_per_s)
            best.images_per_s = n / dt;
        best.checksum = sum;
    }
    return best;
}

struct Setup {
    CimChipCfg cfg;
    CimNet net;
    CimCompiled cc;
    CimChip *chip = nullptr, *sc_chip = nullptr;
    CimFast *fast = nullptr;
    CimScSession *session = nullptr;
    CimHost host = {};
};

// Every program of an image on the SystemC session (a CimProgRunner).
CimStatus on_session(void *ctx, CimChip *, const CimProgram *p, CimHostIO *io, uint64_t max_cycles,
                     CimRunResult *res)
{
    return cim_sc_session_run(static_cast<CimScSession *>(ctx), p, io, max_cycles, res);
}

bool setup(Setup &s, CimDiag *d)
{
    CimTrap trap;
    cim_cfg_defaults(&s.cfg);
    if (cim_net_load("workloads/nets/mnist_bnn.yaml", nullptr, &s.net, d) != CIM_OK)
        return false;
    cim_net_init_random(&s.net, 1);
    return cim_compile(&s.cfg, &s.net, CIM_PRUNED_REFERENCE, nullptr, &s.cc, d) == CIM_OK &&
           cim_chip_create(&s.cfg, nullptr, &s.chip) == CIM_OK &&
           cim_chip_create(&s.cfg, nullptr, &s.sc_chip) == CIM_OK &&
           cim_infer_load(s.chip, &s.cc, nullptr, &trap) == CIM_OK &&
           cim_fast_create(s.chip, &s.cc, &s.net, &s.fast, &trap) == CIM_OK &&
           cim_sc_session_create(s.sc_chip, nullptr, &s.session) == CIM_OK &&
           simtest::sc_infer_load(s.session, s.sc_chip, &s.cc, nullptr, &trap) == CIM_OK &&
           cim_host_init(&s.host, &s.net) == CIM_OK;
}

// Simulated cycles of one image (all chip layers), from one program-path run.
uint64_t cycles_per_image(Setup &s, const CimMnist &mn)
{
    CimLayerTally t[16] = {};
    CimTrap trap;
    float logits[10];
    cim_infer_image(s.chip, &s.cc, &s.net, mn.images.pixels, logits, nullptr, t, &trap);
    uint64_t c = 0;
    for (size_t k = 0; k < s.cc.n; k++)
        c += t[k].cycles;
    return c;
}

void report(Setup &s, const CimMnist &mn)
{
    CimTrap trap;
    uint64_t cyc = cycles_per_image(s, mn);
    Rate fast = rate([&](const uint8_t *px, float *l) { cim_fast_image(s.fast, px, l, nullptr, nullptr); }, mn, 400);
    Rate prog = rate([&](const uint8_t *px, float *l) {
        cim_infer_image_with(nullptr, nullptr, &s.host, s.chip, &s.cc, &s.net, px, l, nullptr, nullptr, &trap);
    }, mn, 400);
    Rate sc = rate([&](const uint8_t *px, float *l) {
        cim_infer_image_with(on_session, s.session, &s.host, s.sc_chip, &s.cc, &s.net, px, l, nullptr, nullptr, &trap);
    }, mn, 400);
    std::printf("MNIST binary CNN, default chip, random weights (seed 1), %llu cycles per image, best of 3 "
                "(CPU time)\n",
                (unsigned long long)cyc);
    const char *names[3] = {"C fast path", "C program path", "SystemC cycle model"};
    const Rate *r[3] = {&fast, &prog, &sc};
    for (int i = 0; i < 3; i++)
        std::printf("  %-20s %8.1f img/s  %8.2f M simulated cycles/s\n", names[i], r[i]->images_per_s,
                    r[i]->images_per_s * (double)cyc * 1e-6);
    std::printf("  SystemC is %.1fx slower than the fast path (target: within 10x), %.2fx slower than the "
                "program path (target: within 2x); predictions agree: %s\n",
                fast.images_per_s / sc.images_per_s, prog.images_per_s / sc.images_per_s,
                fast.checksum == sc.checksum && prog.checksum == sc.checksum ? "yes" : "NO");
}

}  // namespace

int main()
{
    CimDiag d;
    CimMnist mn;
    Setup s;
    cim_diag_init(&d);
    if (cim_mnist_load("data/mnist", "t10k", nullptr, &mn, &d) != CIM_OK || !setup(s, &d)) {
        cim_diag_print(&d, stderr);
        std::fprintf(stderr, "bench_sim: setup failed\n");
        return 1;
    }
    report(s, mn);
    cim_host_free(&s.host);
    cim_sc_session_destroy(s.session);
    cim_fast_destroy(s.fast);
    cim_chip_destroy(s.chip);
    cim_chip_destroy(s.sc_chip);
    cim_compiled_free(&s.cc);
    cim_net_free(&s.net);
    cim_mnist_free(&mn);
    cim_diag_free(&d);
    return 0;
}
