// The VCD trace: written to its path (no .tmp left), well formed (header, declared ids,
// increasing times, values no wider than their variables, no x), holding the expected
// signals with the right waveforms, readable (chip-named top scope, no date, translate
// filters); and the window option: nothing changes outside it.
#include "tests/sim/scenarios.h"
#include "tests/sim/sim_rig.h"
#include "models/isa/isa.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>
#include <vector>

namespace simtest {

namespace {

struct Change {
    uint64_t t;
    std::string value;  // binary digits
};

struct Vcd {
    std::map<std::string, std::string> id_of;          // name (scope.var) -> id
    std::map<std::string, unsigned> width;              // id -> bits
    std::map<std::string, std::vector<Change>> changes; // id -> changes, dumpvars at t = 0
    std::string timescale;
    uint64_t last_t = 0;
    bool ok = true;
};

// A declaration line "$var wire 8 aaaak op [7:0] $end" inside the scope stack.
void parse_var(Vcd &v, std::istringstream &in, const std::vector<std::string> &scopes)
{
    std::string type, id, name;
    unsigned w = 0;
    in >> type >> w >> id >> name;
    std::string full;
    for (size_t i = 1; i < scopes.size(); i++) /* scopes[0] is the top: the chip's name */
        full += scopes[i] + ".";
    v.id_of[full + name] = id;
    v.width[id] = w;
}

void parse_header(Vcd &v, std::ifstream &f)
{
    std::vector<std::string> scopes;
    std::string line;
    while (std::getline(f, line)) {
        std::istringstream in(line);
        std::string tok, a, b;
        in >> tok;
        if (tok == "$scope") {
            in >> a >> b;
            scopes.push_back(b);
        } else if (tok == "$upscope") {
            scopes.pop_back();
        } else if (tok == "$var") {
            parse_var(v, in, scopes);
        } else if (tok == "$timescale") {
            std::getline(f, v.timescale);
        } else if (tok == "$enddefinitions") {
            return;
        }
    }
    SIM_CHECK(false, "VCD: no $enddefinitions");
    v.ok = false;
}

void value_change(Vcd &v, const std::string &line, uint64_t t)
{
    std::string val, id;
    if (line[0] == 'b') {
        std::istringstream in(line.substr(1));
        in >> val >> id;
    } else {
        val = line.substr(0, 1);
        id = line.substr(1);
    }
    bool known = v.width.count(id) && val.size() <= v.width[id] && val.find_first_not_of("01") == std::string::npos;
    if (!known) {
        SIM_CHECK(false, "VCD: bad value change '" + line + "'");
        v.ok = false;
        return;
    }
    v.changes[id].push_back({t, val});
}

Vcd parse(const std::string &path)
{
    Vcd v;
    std::ifstream f(path);
    SIM_CHECK(f.good(), "VCD not written: " + path);
    parse_header(v, f);
    std::string line;
    uint64_t t = 0;
    bool first_time = true;
    while (v.ok && std::getline(f, line)) {
        if (line.rfind("$comment", 0) == 0)
            while (line.find("$end") == std::string::npos && std::getline(f, line)) {
            }
        if (line.empty() || line[0] == '$')
            continue;
        if (line[0] == '#') {
            uint64_t nt = std::strtoull(line.c_str() + 1, nullptr, 10);
            SIM_CHECK(first_time || nt > t, "VCD: time goes back at " + line);
            t = nt;
            first_time = false;
        } else {
            value_change(v, line, t);
        }
    }
    v.last_t = t;
    return v;
}

// The value of signal name at time t (ps), as a number.
uint64_t value_at(const Vcd &v, const std::string &name, uint64_t t)
{
    auto id = v.id_of.find(name);
    if (id == v.id_of.end())
        return ~0ull;
    uint64_t val = 0;
    auto ch = v.changes.find(id->second);
    if (ch != v.changes.end())
        for (const Change &c : ch->second)
            if (c.t <= t)
                val = std::strtoull(c.value.c_str(), nullptr, 2);
    return val;
}

// Keeps the trace of a failed scenario for a look in GTKWave.
void remove_unless_failed(const std::string &path, const std::string &dir)
{
    if (failures) {
        std::printf("kept %s\n", path.c_str());
        return;
    }
    std::remove(path.c_str());
    rmdir(dir.c_str());
}

std::string temp_dir()
{
    char tmpl[] = "/tmp/dcim_sim_vcd_XXXXXX";
    const char *d = mkdtemp(tmpl);
    SIM_CHECK(d != nullptr, "mkdtemp");
    return d ? d : ".";
}

// li@0, wcfg@1, win@2 (IR and port to 11), gated m0 of 64 rows @11 (to 75), win@12 (to
// 21), gated m1 @21 (to 85), halt@22: 85 cycles (hand_cycles.cpp).
const char *kProgram = "li r1, 1\nwcfg r0, 64, 4, 4, 3, 1\nwin r1, r1\ngated m0, 0, 64, 0\nwin r1, r1\n"
                       "gated m1, 0, 64, 0\nhalt\n";
const uint64_t kPs = 10000; /* one cycle at 100 MHz */

std::string traced_run(const CimScOptions &o, int runs)
{
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    CimChip *a = fresh_chip(cfg);
    CimScSession *s = session(a, &o);
    CimProgram p = assemble(kProgram);
    for (int i = 0; i < runs; i++) {
        CimRunResult r;
        SIM_CHECK(cim_sc_session_run(s, &p, nullptr, UINT64_MAX, &r) == CIM_OK && r.cycles == 85, "traced run");
    }
    SIM_CHECK(cim_sc_session_close_vcd(s) == CIM_OK, "close_vcd");
    cim_sc_session_destroy(s);
    cim_program_free(&p, nullptr);
    cim_chip_destroy(a);
    SIM_CHECK(access((std::string(o.vcd_path) + ".tmp.vcd").c_str(), F_OK) != 0, "the .tmp.vcd is renamed away");
    return o.vcd_path;
}

void check_signals(const Vcd &v)
{
    std::vector<std::string> want = {"clk", "rst_n", "ctrl.pc", "ctrl.state", "ctrl.insn", "window.busy",
                                     "window.op", "ppu.busy", "ppu.op", "buffer.busy", "buffer.op", "buffer.bits",
                                     "buffer.traffic", "dma.busy", "dma.op"};
    for (int m = 0; m < 8; m++)
        for (const char *f : {"busy", "op", "row", "rows"})
            want.push_back("macro" + std::to_string(m) + "." + f);
    for (const std::string &n : want)
        SIM_CHECK(v.id_of.count(n), "VCD lacks signal " + n);
    SIM_CHECK(v.timescale.find("1 ps") != std::string::npos, "VCD timescale: " + v.timescale);
}

std::string read_all(const std::string &path)
{
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// Readable and reproducible: the top scope is the chip's name, no wall-clock date, and the
// translate filters name every opcode of isa.def and every controller state.
void check_readable(const std::string &path)
{
    std::string text = read_all(path), ops = read_all(path + ".opcodes.txt"), st = read_all(path + ".state.txt");
    SIM_CHECK(text.find("$date") == std::string::npos, "no $date in the VCD");
    SIM_CHECK(text.rfind("$version", 0) == 0, "the VCD starts with $version");
    SIM_CHECK(text.find("$scope module default $end") != std::string::npos, "top scope named after the chip");
    SIM_CHECK(text.find("module SystemC") == std::string::npos, "no SystemC top scope");
    for (int i = 0; i < CIM_I_COUNT; i++) {
        const CimInsnInfo *in = cim_isa_info(static_cast<CimInsnId>(i));
        char line[64];
        std::snprintf(line, sizeof line, "%02X %s\n", in->opcode, in->mnemonic);
        SIM_CHECK(ops.find(line) != std::string::npos, std::string("opcode filter lacks ") + line);
    }
    SIM_CHECK(ops.find("14 gated\n") != std::string::npos, "gated (0x14, macro0.op below) by name");
    SIM_CHECK(st == "0 idle\n1 issue\n2 stall_unit\n3 stall_reg\n4 drain\n", "state filter: " + st);
    std::remove((path + ".opcodes.txt").c_str());
    std::remove((path + ".state.txt").c_str());
}

}  // namespace

void scenario_vcd()
{
    std::string dir = temp_dir(), path = dir + "/trace.vcd";
    CimScOptions o = {path.c_str(), 0, 0, 1, 0};
    traced_run(o, 1);
    Vcd v = parse(path);
    check_signals(v);
    check_readable(path);
    SIM_CHECK_EQ(value_at(v, "macro0.busy", 10 * kPs), 0, "m0 idle at 10");
    SIM_CHECK_EQ(value_at(v, "macro0.busy", 11 * kPs), 1, "m0 busy from 11");
    SIM_CHECK_EQ(value_at(v, "macro0.op", 11 * kPs), 0x14, "m0 runs gated");
    SIM_CHECK_EQ(value_at(v, "macro0.rows", 11 * kPs), 64, "m0 gated rows");
    SIM_CHECK_EQ(value_at(v, "macro0.busy", 75 * kPs), 0, "m0 free at 75");
    SIM_CHECK_EQ(value_at(v, "macro1.busy", 21 * kPs), 1, "m1 busy from 21, beside m0");
    SIM_CHECK_EQ(value_at(v, "macro1.busy", 85 * kPs), 0, "m1 free at 85");
    SIM_CHECK_EQ(value_at(v, "buffer.busy", 12 * kPs), 1, "the port carries the second window");
    SIM_CHECK_EQ(value_at(v, "buffer.bits", 12 * kPs), 576, "a window of 3 x 3 x 64 bits");
    SIM_CHECK_EQ(value_at(v, "buffer.traffic", 85 * kPs), 1152, "two windows of traffic");
    SIM_CHECK_EQ(value_at(v, "ctrl.state", 3 * kPs), 2, "gated stalls on the IR at 3");
    SIM_CHECK_EQ(value_at(v, "ctrl.pc", 22 * kPs), 6, "halt fetched at 22");
    SIM_CHECK_EQ(value_at(v, "clk", 5 * kPs + kPs / 2), 0, "clk low in the second half of a cycle");
    SIM_CHECK_EQ(value_at(v, "clk", 6 * kPs), 1, "clk rises on the cycle");
    std::printf("VCD %s: %zu signals, last change at %llu ps\n", path.c_str(), v.id_of.size(),
                (unsigned long long)v.last_t);
    remove_unless_failed(path, dir);
}

// Window [15, 30) over two runs (session cycles 0..85 and 85..170): only the initial dump
// lies before 15; m0's end (75) and the second run are not traced.
void scenario_vcd_window()
{
    std::string dir = temp_dir(), path = dir + "/window.vcd";
    CimChipCfg cfg;
    cim_cfg_defaults(&cfg);
    CimChip *c = fresh_chip(cfg);
    CimScSession *bad = nullptr;
    CimScOptions empty = {path.c_str(), 30, 30, 0, 0}, far = {path.c_str(), 0, UINT64_MAX / 1000, 0, 0};
    SIM_CHECK(cim_sc_session_create(c, &empty, &bad) == CIM_ERR_RANGE && !bad, "an empty window is refused");
    SIM_CHECK(cim_sc_session_create(c, &far, &bad) == CIM_ERR_RANGE && !bad, "a window past 2^63 ps is refused");
    cim_chip_destroy(c);
    CimScOptions o = {path.c_str(), 15, 30, 0, 0};
    traced_run(o, 2);
    Vcd v = parse(path);
    SIM_CHECK(!v.id_of.count("clk"), "no clk without vcd_clock");
    for (const auto &kv : v.changes)
        for (const Change &c : kv.second)
            SIM_CHECK(c.t == 0 || (c.t >= 15 * kPs && c.t < 30 * kPs),
                      "change at " + std::to_string(c.t) + " ps outside the window");
    SIM_CHECK_EQ(value_at(v, "macro0.busy", 15 * kPs), 1, "m0 shown busy when the window opens");
    SIM_CHECK_EQ(value_at(v, "macro1.busy", 21 * kPs), 1, "m1 rises inside the window");
    SIM_CHECK_EQ(value_at(v, "macro0.busy", 170 * kPs), 1, "m0's end at 75 is outside the window");
    std::printf("VCD window: last change at %llu ps\n", (unsigned long long)v.last_t);
    std::remove((path + ".opcodes.txt").c_str());
    std::remove((path + ".state.txt").c_str());
    remove_unless_failed(path, dir);
}

}  // namespace simtest
