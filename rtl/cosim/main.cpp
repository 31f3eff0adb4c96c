// cosim: runs the RTL (Verilator) against the C model in lockstep.
//   cosim [CHIP.yaml [--set KEY=VALUE]...] --suite S[,S...] [--seed N] [--count N]
//         [--images N] [--vcd-dir DIR] [--break OP=OP2] [-v]
// Without a chip file it uses the one (and the overrides) its RTL was generated from.
// Suites: directed, random, illegal, mnist, prune, shapes (random networks of the shape campaign),
// int8 (the int8 1x1 convolution engine).
// COSIM_BREAK (e.g. "xor=xnor": the model executes dual.xor as dual.xnor, to show that the
// checker catches a wrong model) override the options. Prints one line per suite,
//   cosim: <suite>: matched N instructions, C cycles in K cases (seed S)
// and on success the total `cosim: matched N instructions, C cycles (seed S)`. On a
// mismatch it prints every differing field, writes a VCD around the cycle and exits 1.
#include "cosim.h"

#include "cim_cfg.h"
#include "rtl/gen/rtl_params.h"

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

static int usage()
{
    fprintf(stderr, "usage: cosim [CHIP.yaml [--set KEY=VALUE]...] --suite S[,S...] [--seed N] [--count N]\n"
                    "             [--images N] [--vcd-dir DIR] [--break OP=OP2] [-v]\n"
                    "suites: directed, random, illegal, mnist, prune, shapes, int8\n");
    return 2;
}

static bool parse_u64(const char *s, uint64_t &v)
{
    char *end;
    v = strtoull(s, &end, 0);
    return *s && !*end && s[0] != '-';
}

static bool parse_break(const char *s, Options &o)
{
    std::string a(s), from = a.substr(0, a.find('=')), to = a.find('=') == std::string::npos ? "" : a.substr(a.find('=') + 1);
    CimLogicOp f, t;
    if (cim_op_parse(from.c_str(), &f) != CIM_OK || cim_op_parse(to.c_str(), &t) != CIM_OK) {
        fprintf(stderr, "cosim: error: --break needs OP=OP2 with ops from ops.def, got '%s'\n", s);
        return false;
    }
    o.break_from = (int)cim_op_info(f)->opcode;
    o.break_to = (int)cim_op_info(t)->opcode;
    return true;
}

// The config the harness loads must be the one the RTL was generated from.
static bool check_params(const CimChipCfg *cfg)
{
    CimRtlHarnessSizes hs = {CIM_RTL_IMEM_WORDS, CIM_RTL_HOST_IN_BITS, CIM_RTL_HOST_OUT_BITS};
    CimRtlParams p;
    CimDiag d;
    cim_diag_init(&d);
    if (cim_rtl_params(cfg, &hs, &p, &d) != CIM_OK) {
        cim_diag_print(&d, stderr);
        cim_diag_free(&d);
        return false;
    }
    cim_diag_free(&d);
    bool ok = true;
#define X(name, value)                                                                                           \
    if (cim_rtl_param(&p, #name) != (value)) {                                                                   \
        fprintf(stderr, "cosim: error: the RTL was built with %s = %llu, the config gives %llu (regenerate: the " \
                        "RTL is from %s %s)\n",                                                                  \
                #name, (unsigned long long)(value), (unsigned long long)cim_rtl_param(&p, #name), CIM_RTL_CHIP,   \
                CIM_RTL_SETS);                                                                                   \
        ok = false;                                                                                              \
    }
    CIM_RTL_PARAM_LIST
#undef X
    return ok;
}

static double now_s()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int main(int argc, char **argv)
{
    Options o;
    std::vector<std::string> suites;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        uint64_t v;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage();
            return 0;
        } else if (!strcmp(a, "--set") && more) {
            o.sets.push_back(argv[++i]);
        } else if (!strcmp(a, "--suite") && more) {
            std::stringstream ss(argv[++i]);
            std::string s;
            while (std::getline(ss, s, ','))
                suites.push_back(s);
        } else if (!strcmp(a, "--seed") && more && parse_u64(argv[i + 1], v)) {
            o.seed = v;
            i++;
        } else if (!strcmp(a, "--count") && more && parse_u64(argv[i + 1], v)) {
            o.count = (unsigned)v;
            i++;
        } else if (!strcmp(a, "--images") && more && parse_u64(argv[i + 1], v)) {
            o.images = (unsigned)v;
            i++;
        } else if (!strcmp(a, "--vcd-dir") && more) {
            o.vcd_dir = argv[++i];
        } else if (!strcmp(a, "--break") && more) {
            if (!parse_break(argv[++i], o))
                return 2;
        } else if (!strcmp(a, "-v")) {
            o.verbose = true;
        } else if (a[0] != '-' && o.chip.empty()) {
            o.chip = a;
        } else {
            fprintf(stderr, "cosim: error: bad argument '%s'\n", a);
            return usage();
        }
    }
    uint64_t v;
    if (getenv("COSIM_SEED") && *getenv("COSIM_SEED")) {
        if (!parse_u64(getenv("COSIM_SEED"), v)) {
            fprintf(stderr, "cosim: error: COSIM_SEED must be a non-negative integer\n");
            return 2;
        }
        o.seed = v;
    }
    if (getenv("COSIM_COUNT") && *getenv("COSIM_COUNT")) {
        if (!parse_u64(getenv("COSIM_COUNT"), v)) {
            fprintf(stderr, "cosim: error: COSIM_COUNT must be a non-negative integer\n");
            return 2;
        }
        o.count = (unsigned)v;
    }
    if (getenv("COSIM_BREAK") && *getenv("COSIM_BREAK") && !parse_break(getenv("COSIM_BREAK"), o))
        return 2;
    if (suites.empty())
        return usage();
    if (o.chip.empty()) { /* the RTL's own chip file and overrides */
        o.chip = CIM_RTL_CHIP;
        std::stringstream ss(CIM_RTL_SETS);
        std::string s;
        while (ss >> s)
            o.sets.push_back(s);
    }

    std::vector<const char *> sets;
    for (const std::string &s : o.sets)
        sets.push_back(s.c_str());
    CimOverrides ov = {sets.data(), sets.size()};
    CimChipCfg cfg;
    CimDiag d;
    cim_diag_init(&d);
    if (cim_cfg_load_chip(o.chip.c_str(), &ov, &cfg, &d) != CIM_OK) {
        cim_diag_print(&d, stderr);
        cim_diag_free(&d);
        return 1;
    }
    cim_diag_free(&d);
    if (!check_params(&cfg))
        return 1;

    Tally total;
    double t0 = now_s();
    for (const std::string &suite : suites) {
        std::vector<CaseSpec> cases;
        std::string err;
        bool ok = true;
        if (suite == "directed")
            cases = directed_cases(&cfg);
        else if (suite == "random")
            cases = random_cases(&cfg, o.seed, o.count ? o.count : 40);
        else if (suite == "illegal")
            cases = illegal_cases(&cfg, o.seed, o.count ? o.count : 40);
        else if (suite == "mnist")
            ok = mnist_cases(&cfg, o.seed, o.images, cases, err);
        else if (suite == "prune")
            ok = prune_cases(&cfg, o.seed, cases, err);
        else if (suite == "shapes")
            ok = shape_cases(&cfg, o.seed, o.count ? o.count : 8, cases, err);
        else if (suite == "int8")
            ok = int8_cases(&cfg, o.seed, cases, err);
        else {
            fprintf(stderr, "cosim: error: unknown suite '%s'; expected one of: directed, random, illegal, mnist, prune, shapes, int8\n",
                    suite.c_str());
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "cosim: error: %s: %s\n", suite.c_str(), err.c_str());
            return 1;
        }
        Tally t;
        double ts = now_s();
        for (const CaseSpec &cs : cases) {
            Failure f;
            if (o.verbose)
                fprintf(stderr, "cosim: %s/%s\n", cs.suite.c_str(), cs.name.c_str());
            if (!run_case(cs, &cfg, o, t, f, nullptr)) {
                printf("%s\n", f.text.c_str());
                std::string vcd = o.vcd_dir + "/cosim_" + cs.suite + "_" + cs.name + ".vcd";
                Tally scratch;
                Failure again = f;
                run_case(cs, &cfg, o, scratch, again, &vcd);
                printf("  waveform: %s (cycles %llu..%llu of run %zu)\n", vcd.c_str(),
                       (unsigned long long)(f.cycle > 64 ? f.cycle - 64 : 0), (unsigned long long)f.cycle + 4, f.run);
                printf("cosim: FAILED in %s/%s after %llu matched instructions (seed %llu)\n", cs.suite.c_str(),
                       cs.name.c_str(), (unsigned long long)(total.insns + t.insns), (unsigned long long)o.seed);
                return 1;
            }
        }
        std::string traps;
        for (int k = CIM_TRAP_NONE + 1; k < CIM_TRAP_COUNT; k++)
            if (t.trap_kinds[k])
                traps += std::string(traps.empty() ? "" : ", ") + cim_trap_info((CimTrapKind)k)->name + " " +
                         std::to_string(t.trap_kinds[k]);
        printf("cosim: %s: matched %llu instructions, %llu cycles in %llu cases, %llu runs%s%s%s (seed %llu, %.1f s)\n",
               suite.c_str(), (unsigned long long)t.insns, (unsigned long long)t.cycles, (unsigned long long)t.cases,
               (unsigned long long)t.runs, traps.empty() ? "" : "; traps: ", traps.c_str(), "",
               (unsigned long long)o.seed, now_s() - ts);
        if (o.verbose) {
            std::string mix;
            for (int k = 0; k < CIM_I_COUNT; k++)
                if (t.ops[k])
                    mix += std::string(mix.empty() ? "" : ", ") + cim_isa_info((CimInsnId)k)->mnemonic + " " +
                           std::to_string(t.ops[k]);
            printf("cosim: %s: instruction mix: %s\n", suite.c_str(), mix.c_str());
        }
        fflush(stdout);
        total.insns += t.insns;
        total.cycles += t.cycles;
        total.cases += t.cases;
    }
    printf("cosim: matched %llu instructions, %llu cycles (seed %llu)\n", (unsigned long long)total.insns,
           (unsigned long long)total.cycles, (unsigned long long)o.seed);
    printf("cosim: %llu cases in %.1f s on %s%s%s\n", (unsigned long long)total.cases, now_s() - t0, CIM_RTL_CHIP,
           CIM_RTL_SETS[0] ? " " : "", CIM_RTL_SETS);
    return 0;
}
