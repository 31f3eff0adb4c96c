// Workload stimulus: the compiled MNIST network (weights programmed by the load program,
// then every layer program per image, as cim_infer_image runs them) and the on-chip
// pruning programs (filters written as rows, then each layer's popcounts and pairwise
// Hamming distances by dual-row XOR and the adder tree, cim_compile_distances), and the int8
// 1x1 convolution (bit-sliced weights, input bit planes through gated reads, pacc).
#include "cosim.h"

extern "C" {
#include "tests/support/mnist_net.h"
#include "tests/support/ref_bnn.h"
#include "tests/support/shapes.h"
#include "workloads/compile/compile.h"
#include "workloads/compile/int8.h"
#include "workloads/io/idx.h"
}

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

namespace {

struct Net {
    CimNet net{};
    CimRefBnnWeights *w = nullptr;
    ~Net()
    {
        cim_net_free(&net);
        free(w);
    }
};

// The paper's MNIST network with seeded random weights; `prune` marks some filters pruned
// (zero weights), as training would.
bool make_net(Net &n, uint64_t seed, bool prune, std::string &err)
{
    if (test_mnist_net(&n.net) != CIM_OK) {
        err = "cannot build the MNIST network";
        return false;
    }
    n.w = (CimRefBnnWeights *)calloc(1, sizeof *n.w);
    CimRng r;
    cim_rng_seed(&r, 2024 + seed);
    cim_ref_bnn_init_random(n.w, &r);
    if (prune) {
        for (int f = 0; f < 32; f++)
            n.w->conv1_pruned[f] = cim_rng_uniform(&r) < 0.25;
        for (int f = 0; f < 64; f++)
            n.w->conv2_pruned[f] = cim_rng_uniform(&r) < 0.2;
        n.w->conv3_pruned[3] = n.w->conv3_pruned[11] = 1;
        cim_ref_bnn_zero_pruned(n.w);
    }
    test_mnist_copy_weights(&n.net, n.w);
    return true;
}

Bits words_to_bits(const uint64_t *w, size_t nbits)
{
    Bits b = bits_zero(nbits);
    if (nbits)
        cim_bits_copy(b.data(), w, nbits);
    return b;
}

RunSpec prog_run(const std::string &label, const CimProgram &p)
{
    RunSpec r;
    r.label = label;
    r.prog.assign(p.words, p.words + p.n);
    return r;
}

/* One image through every layer program of cc: the first run starts a new host stream with
 * the binarised image and takes the result stream. */
static void push_image_runs(CaseSpec &cs, const CimCompiled &cc, unsigned img, const Bits &bits)
{
    for (size_t k = 0; k < cc.n; k++) {
        RunSpec r = prog_run("image " + std::to_string(img) + " layer " + std::to_string(k), cc.layers[k].prog);
        r.new_io = k == 0;
        if (k == 0) {
            r.in = bits;
            r.in_bits = cc.image_bits;
            r.out_bits = cc.result_bits;
        }
        cs.runs.push_back(r);
    }
}

bool mnist_case(const CimChipCfg *cfg, const CimMnist &mn, uint64_t seed, bool prune, unsigned first,
                unsigned images, CaseSpec &cs, std::string &err)
{
    Net n;
    if (!make_net(n, seed, prune, err))
        return false;
    CimCompiled cc;
    CimDiag d;
    cim_diag_init(&d);
    CimPrunedMode mode = prune ? CIM_PRUNED_SKIP : CIM_PRUNED_REFERENCE;
    if (cim_compile(cfg, &n.net, mode, nullptr, &cc, &d) != CIM_OK) {
        char line[256];
        cim_diag_format(&d, 0, line, sizeof line);
        err = std::string("the MNIST network does not compile for this chip: ") + line;
        cim_diag_free(&d);
        return false;
    }
    cim_diag_free(&d);
    cs.suite = "mnist";
    cs.name = prune ? "pruned_skip" : "reference";
    RunSpec load = prog_run("load weights", cc.prog_load);
    load.in = words_to_bits(cc.load_stream, cc.load_bits);
    load.in_bits = cc.load_bits;
    cs.runs.push_back(load);
    for (unsigned i = first; i < first + images; i++) {
        Bits img = bits_zero(cc.image_bits);
        cim_compile_binarise_image(&n.net, mn.images.pixels + (size_t)i * 784, img.data());
        push_image_runs(cs, cc, i, img);
    }
    cim_compiled_free(&cc);
    return true;
}

} // namespace

bool mnist_cases(const CimChipCfg *cfg, uint64_t seed, unsigned images, std::vector<CaseSpec> &out, std::string &err)
{
    CimMnist mn;
    CimDiag d;
    cim_diag_init(&d);
    if (cim_mnist_load("data/mnist", "t10k", nullptr, &mn, &d) != CIM_OK) {
        char line[256];
        cim_diag_format(&d, 0, line, sizeof line);
        cim_diag_free(&d);
        err = std::string("MNIST missing (make data fetches it): ") + line;
        return false;
    }
    cim_diag_free(&d);
    CaseSpec a, b;
    bool ok = mnist_case(cfg, mn, seed, false, (unsigned)(seed % 1000), images, a, err) &&
              mnist_case(cfg, mn, seed, true, (unsigned)(seed % 1000) + images, 1, b, err);
    cim_mnist_free(&mn);
    if (ok) {
        out.push_back(a);
        out.push_back(b);
    }
    return ok;
}

bool prune_cases(const CimChipCfg *cfg, uint64_t seed, std::vector<CaseSpec> &out, std::string &err)
{
    Net n;
    if (!make_net(n, seed, true, err))
        return false;
    CimSimMap sim;
    CimDiag d;
    cim_diag_init(&d);
    if (cim_compile_similarity(cfg, &n.net, nullptr, &sim, &d) != CIM_OK) {
        char line[256];
        cim_diag_format(&d, 0, line, sizeof line);
        cim_diag_free(&d);
        err = std::string("the filters do not fit as rows on this chip: ") + line;
        return false;
    }
    cim_diag_free(&d);
    CaseSpec cs;
    cs.suite = "prune";
    cs.name = "distances";
    RunSpec load = prog_run("write filters as rows", sim.prog_load);
    load.in = words_to_bits(sim.load_stream, sim.load_bits);
    load.in_bits = sim.load_bits;
    cs.runs.push_back(load);
    bool ok = true;
    for (size_t k = 0; k < sim.n && ok; k++) {
        const CimSimLayer *sl = &sim.layers[k];
        const CimLayer *l = &n.net.layers[sl->layer];
        std::vector<unsigned> live;
        for (unsigned f = 0; f < sl->F; f++)
            if (!l->pruned[f])
                live.push_back(f);
        CimProgram p;
        cim_program_init(&p);
        if (cim_compile_distances(cfg, sl, live.data(), (unsigned)live.size(), nullptr, &p) != CIM_OK) {
            err = "cim_compile_distances failed";
            ok = false;
        } else {
            RunSpec r = prog_run(std::string("distances of ") + l->name, p);
            size_t results = live.size() + live.size() * (live.size() - 1) / 2;
            r.out_bits = 32 * results;
            cs.runs.push_back(r);
        }
        cim_program_free(&p, nullptr);
    }
    cim_sim_free(&sim);
    if (ok)
        out.push_back(cs);
    return ok;
}

// The shape campaign's random binary networks (tests/support/shapes.h), compiled for this
// chip (every other one with chip.mapping.replicate auto, so that copies of a layer on the
// spare macros run their groups of positions): the load program, then every layer program
// of two random images. Networks the
// format or the compiler refuses, or whose input is larger than 12 x 12 (time), are
// skipped and counted by reason; `count` networks run.
bool shape_cases(const CimChipCfg *cfg, uint64_t seed, unsigned count, std::vector<CaseSpec> &out, std::string &err)
{
    std::map<std::string, unsigned> refused;
    unsigned replicated = 0;
    for (uint64_t i = 0; out.size() < count && i < 50ull * count; i++) {
        CimNet net;
        CimPrunedMode mode;
        uint64_t ns = seed * 1000003ull + i;
        if (shapes_net_make(ns, cfg->array.cols, &net, &mode) != 0) {
            refused["network format"]++;
            shapes_net_free(&net);
            continue;
        }
        if (net.in_h * net.in_w > 144) {
            refused["input larger than 12 x 12"]++;
            shapes_net_free(&net);
            continue;
        }
        CimCompiled cc;
        CimDiag d;
        cim_diag_init(&d);
        CimChipCfg policy = *cfg;
        if (i % 2)
            policy.mapping.replicate = CIM_MAP_REPLICATE_AUTO;
        if (cim_compile(&policy, &net, mode, nullptr, &cc, &d) != CIM_OK) {
            char line[256], norm[256];
            cim_diag_format(&d, 0, line, sizeof line);
            const char *e = strstr(line, "error: ");
            shapes_normalise_reason(e ? e + 7 : line, norm, sizeof norm);
            refused[norm]++;
            cim_diag_free(&d);
            shapes_net_free(&net);
            continue;
        }
        cim_diag_free(&d);
        CaseSpec cs;
        cs.suite = "shapes";
        cs.name = "net" + std::to_string(ns) + (i % 2 ? " replicate auto" : "");
        bool copies = false;
        for (size_t k = 0; k < cc.n; k++)
            copies = copies || cc.layers[k].replicas > 1;
        replicated += copies;
        RunSpec load = prog_run("load weights", cc.prog_load);
        load.in = words_to_bits(cc.load_stream, cc.load_bits);
        load.in_bits = cc.load_bits;
        cs.runs.push_back(load);
        CimRng r;
        cim_rng_seed(&r, ns);
        std::vector<uint8_t> px((size_t)net.in_c * net.in_h * net.in_w);
        for (unsigned img = 0; img < 2; img++) {
            for (uint8_t &p : px)
                p = (uint8_t)cim_rng_u64(&r);
            Bits bits = bits_zero(cc.image_bits);
            cim_compile_binarise_image(&net, px.data(), bits.data());
            push_image_runs(cs, cc, img, bits);
        }
        out.push_back(cs);
        cim_compiled_free(&cc);
        shapes_net_free(&net);
    }
    for (const auto &kv : refused)
        printf("cosim: shapes: skipped %u x %s\n", kv.second, kv.first.c_str());
    printf("cosim: shapes: %u of %zu networks with a layer replicated\n", replicated, out.size());
    if (out.empty()) {
        err = "no random network compiled for this chip";
        return false;
    }
    return true;
}

// The int8 1x1 convolution (workloads/compile/int8.h) with seeded random codes (the
// extremes -128 and 127 included): for each shape that compiles for this chip (the small
// chip's 3-bit counters and 20-bit shift-add take only the small one), the load program,
// then one run of three positions.
bool int8_cases(const CimChipCfg *cfg, uint64_t seed, std::vector<CaseSpec> &out, std::string &err)
{
    const unsigned shapes[][2] = {{13, 20}, {131, 128}};
    const unsigned npos = 3;
    std::string refused;
    for (const auto &sh : shapes) {
        unsigned C = sh[0], F = sh[1];
        CimRng r;
        cim_rng_seed(&r, seed * 31 + C);
        std::vector<int8_t> w((size_t)F * C), x((size_t)npos * C);
        for (int8_t &v : w)
            v = (int8_t)(uint8_t)cim_rng_u64(&r);
        for (int8_t &v : x)
            v = (int8_t)(uint8_t)cim_rng_u64(&r);
        w[0] = x[0] = -128;
        w[1] = x[1] = 127;
        CimInt8Conv conv;
        CimDiag d;
        cim_diag_init(&d);
        if (cim_int8_compile(cfg, w.data(), C, F, npos, nullptr, &conv, &d) != CIM_OK) {
            char line[256];
            cim_diag_format(&d, 0, line, sizeof line);
            refused += std::string(refused.empty() ? "" : "; ") + line;
            cim_diag_free(&d);
            continue;
        }
        cim_diag_free(&d);
        CaseSpec cs;
        cs.suite = "int8";
        cs.name = "c" + std::to_string(C) + "_f" + std::to_string(F);
        RunSpec load = prog_run("load weights", conv.prog_load);
        load.in = words_to_bits(conv.load_stream, conv.load_bits);
        load.in_bits = conv.load_bits;
        cs.runs.push_back(load);
        RunSpec run = prog_run(std::to_string(npos) + " positions", conv.prog);
        size_t in_bits = cim_int8_input_bits(&conv, npos);
        run.in = bits_zero(in_bits);
        cim_int8_pack_inputs(&conv, x.data(), npos, run.in.data());
        run.in_bits = in_bits;
        run.out_bits = cim_int8_output_bits(&conv, npos);
        cs.runs.push_back(run);
        printf("cosim: int8: %s: %u regions (%u row x %u column tiles)\n", cs.name.c_str(), conv.nregions,
               conv.row_tiles, conv.col_tiles);
        out.push_back(cs);
        cim_int8_free(&conv);
    }
    if (out.empty()) {
        err = "no int8 shape compiled for this chip: " + refused;
        return false;
    }
    return true;
}
