// Lockstep: every program of a case runs on the C model (stepped through the chip's
// scheduler API, cim_chip_run_next / cim_chip_run_issue, and also run whole by cim_chip_run
// on a reference chip) and on the RTL, clock by clock. The model gives each instruction's
// issue cycle or trap; the RTL must issue the same pc at the same cycle, and the model's
// step is issued only then. After every issue the registers, window unit, layer registers and
// host positions are compared; when the instruction's last resource frees, whatever it
// changed is compared (rows, output register, counters, column window, buffer words,
// PPU accumulators, pool register, layer table, host output). Every cycle the RTL's
// scoreboard (remaining cycles per resource and register) must equal the model's
// free/ready times. At the end of a run the cycle and instruction counts and the trap
// record are compared, and at the end of a case the whole chip.
#include "cosim.h"

#include "cim_cfg.h"
#include "models/chip/ppu.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <sstream>

namespace {

std::string hex64(uint64_t v)
{
    char b[32];
    snprintf(b, sizeof b, "0x%" PRIx64, v);
    return b;
}

std::string dis(uint64_t word)
{
    CimInsn in;
    char b[128];
    if (cim_isa_decode(word, &in) != CIM_OK) {
        snprintf(b, sizeof b, ".word 0x%016" PRIx64, word);
        return b;
    }
    cim_isa_disasm(&in, b, sizeof b);
    return b;
}

// Differences found by one comparison: "field: expected X, actual Y" lines.
struct Diff {
    std::vector<std::string> lines;
    void num(const std::string &f, int64_t e, int64_t a)
    {
        if (e != a)
            lines.push_back(f + ": expected " + std::to_string(e) + ", actual " + std::to_string(a));
    }
    void bits(const std::string &f, const Bits &e, const Bits &a, size_t n)
    {
        size_t bad = 0, first = 0;
        for (size_t i = 0; i < n; i++)
            if (bits_get(e, i) != bits_get(a, i) && bad++ == 0)
                first = i;
        if (!bad)
            return;
        std::string s = f + ": " + std::to_string(bad) + " of " + std::to_string(n) + " bits differ, first bit " +
                        std::to_string(first);
        if (n <= 512)
            s += "\n      expected 0x" + bits_hex(e, n) + "\n      actual   0x" + bits_hex(a, n);
        lines.push_back(s);
    }
    bool any() const { return !lines.empty(); }
};

// A comparison due when an instruction's resources free.
struct Pending {
    uint64_t when;
    uint64_t pc, at, word;
    std::function<void(Rig &, Diff &)> check;
};

// The model's next step: an instruction to issue at `at`, or a trap before issue at `at`.
struct Expect {
    bool trap = false;         // the model traps at fetch, decode or execution (no issue)
    bool halt = false;
    uint64_t pc = 0, at = 0, word = 0;   // word: the RTL's (the model's differs under --break)
    CimStep s{};               // the step (when !trap)
};

// The trap kind the RTL's code names, for messages.
std::string kind_name(unsigned code)
{
    CimTrapKind k = cim_trap_kind_of_code(code);
    return k == CIM_TRAP_COUNT ? "unknown code " + std::to_string(code) : cim_trap_info(k)->name;
}

// The model side's program: the case's, or under --break with dual.FROM run as dual.TO
// (the deliberately broken model the checker must catch).
std::vector<uint64_t> model_words(const std::vector<uint64_t> &prog, const Options &o)
{
    std::vector<uint64_t> w = prog;
    for (uint64_t &x : w) {
        CimInsn in;
        if (o.break_from >= 0 && cim_isa_decode(x, &in) == CIM_OK && in.id == CIM_I_DUAL &&
            in.c == (unsigned)o.break_from) {
            in.c = (unsigned)o.break_to;
            x = cim_isa_encode(&in);
        }
    }
    return w;
}

Bits from_words(const uint64_t *src, size_t addr, size_t n)
{
    Bits b = bits_zero(n);
    cim_bits_copy_range(b.data(), 0, src, addr, n);
    return b;
}

Bits from_buf(CimChip *c, size_t addr, size_t n) { return from_words(cim_chip_buffer(c), addr, n); }

Bits row_bits(const uint64_t *row, size_t n)
{
    Bits b = bits_zero(n);
    cim_bits_copy(b.data(), row, n);
    return b;
}

// Host side of one CimHostIO, owned by the harness.
struct HostIO {
    Bits in, out;
    CimHostIO io{};
    void init(const RunSpec &rs)
    {
        in = rs.in;
        in.resize((rs.in_bits + 63) / 64 + 1, 0);
        out = bits_zero(rs.out_bits);
        io.in = rs.in_bits ? in.data() : nullptr;
        io.in_bits = rs.in_bits;
        io.in_pos = 0;
        io.out = rs.out_bits ? out.data() : nullptr;
        io.out_cap_bits = rs.out_bits;
        io.out_pos = 0;
    }
};

class Lockstep {
public:
    Lockstep(const CimChipCfg *cfg, const Options &opt, Tally &tally, Failure &fail)
        : cfg_(cfg), opt_(opt), tally_(tally), fail_(fail), rig_(cfg)
    {
        cim_chip_create(cfg, nullptr, &chip_);
        cim_chip_create(cfg, nullptr, &ref_);
        nres_ = CIM_RES_MACRO + cfg->macros;
    }
    ~Lockstep()
    {
        cim_chip_run_end(run_, nullptr);
        cim_chip_destroy(chip_);
        cim_chip_destroy(ref_);
    }
    Rig &rig() { return rig_; }
    bool run(const RunSpec &rs, size_t idx, const std::string &where);
    bool final_compare(const std::string &where);

private:
    // ---- one run, step by step ----
    bool begin(const RunSpec &rs, size_t idx, const std::string &where);
    void finish();
    bool on_issue(uint64_t c);
    bool on_trap(uint64_t c);
    bool due_checks(uint64_t c);
    bool end_of_run(uint64_t c);

private:
    // ---- model side ----
    Expect predict();
    void plan_checks(const Expect &e);
    // ---- comparisons ----
    bool report(uint64_t cycle, uint64_t pc, uint64_t word, uint64_t at, const std::string &what, const Diff &d);
    void issue_compare(const Expect &e, Diff &d);
    void scoreboard_compare(uint64_t c, Diff &d);
    void host_out_compare(Diff &d);

    const CimChipCfg *cfg_;
    const Options &opt_;
    Tally &tally_;
    Failure &fail_;
    Rig rig_;
    CimChip *chip_ = nullptr, *ref_ = nullptr;
    unsigned nres_;
    HostIO host_, ref_host_;
    const RunSpec *rs_ = nullptr;
    size_t run_idx_ = 0;
    std::string where_;
    // the model's run of the current program
    std::vector<uint64_t> words_;   // its program (model_words)
    CimProgram prog_{};
    CimRun *run_ = nullptr;
    std::vector<Pending> pend_;
    Expect e_;                  // the model's next instruction or trap
    bool finished_ = false, trap_seen_ = false;
    CimTrap mtrap_{};
    uint64_t limit_ = 0;        // the RTL must be done by then
    CimRunResult ref_res_{};    // cim_chip_run's result on the reference chip
    unsigned cur_nf_ = 0, cur_mode_ = 0, cur_npat_ = 0;   // the PPU layer (lcfg)
};

Expect Lockstep::predict()
{
    Expect e;
    e.trap = !cim_chip_run_next(run_, &e.s);
    e.pc = e.s.pc;
    e.at = e.s.issue_cycle;
    e.word = e.pc < rs_->prog.size() ? rs_->prog[e.pc] : 0;
    if (e.trap)
        return e;
    e.halt = e.s.in.id == CIM_I_HALT;
    plan_checks(e);
    return e;
}

// What the instruction changed, captured now, compared when its resources free.
void Lockstep::plan_checks(const Expect &e)
{
    const CimInsn &in = e.s.in;
    uint64_t when = e.at + 1;
    for (unsigned i = 0; i < e.s.t.nuse; i++)
        when = std::max(when, e.at + e.s.t.use[i].cycles);
    unsigned cols = cfg_->array.cols, m = in.m;
    CimMacro *mc = m < cim_chip_macros(chip_) ? cim_chip_macro(chip_, m) : nullptr;
    std::function<void(Rig &, Diff &)> fn;
    auto regv = [&](unsigned r) { return (size_t)(uint32_t)cim_chip_reg(chip_, r & 15u); };
    auto buf_check = [&](size_t addr, size_t n) {
        Bits exp = from_buf(chip_, addr, n);
        return [exp, addr, n](Rig &r, Diff &d) { d.bits("buffer[" + std::to_string(addr) + ", +" + std::to_string(n) + ")", exp, r.buf(addr, n), n); };
    };
    switch (in.id) {
    case CIM_I_WROW: {
        Bits exp = row_bits(cim_array_row_state(mc->arr, in.a), cols);
        unsigned row = in.a;
        fn = [exp, m, row, cols](Rig &r, Diff &d) { d.bits("m" + std::to_string(m) + " row " + std::to_string(row), exp, r.row(m, row), cols); };
        break;
    }
    case CIM_I_RROW:
    case CIM_I_DUAL: {
        Bits exp = row_bits(mc->out, cols);
        fn = [exp, m, cols](Rig &r, Diff &d) { d.bits("m" + std::to_string(m) + " output register", exp, r.out(m), cols); };
        break;
    }
    case CIM_I_CSEL: {
        CimCols w = mc->win;
        fn = [w, m](Rig &r, Diff &d) {
            unsigned c0, nc;
            r.window(m, c0, nc);
            d.num("m" + std::to_string(m) + " window col0", w.col0, c0);
            d.num("m" + std::to_string(m) + " window ncol", w.ncol, nc);
        };
        break;
    }
    case CIM_I_GATED:
    case CIM_I_CCLR: {
        std::vector<uint32_t> v(mc->cnt.v, mc->cnt.v + cols);
        Bits ov = row_bits(mc->cnt.overflow, cols);
        fn = [v, ov, m, cols](Rig &r, Diff &d) {
            std::vector<uint32_t> av;
            Bits aov;
            r.counters(m, av, aov);
            for (unsigned c = 0; c < cols && d.lines.size() < 8; c++)
                d.num("m" + std::to_string(m) + " counter[" + std::to_string(c) + "]", v[c], av[c]);
            d.bits("m" + std::to_string(m) + " overflow flags", ov, aov, cols);
        };
        break;
    }
    case CIM_I_OST: fn = buf_check(regv(in.a), mc->win.ncol); break;
    case CIM_I_STW: fn = buf_check(regv(in.a), 32); break;
    case CIM_I_DMAI: fn = buf_check(regv(in.m), cim_isa_ab(&in) + 1u); break;
    default: break;
    }
    if (in.id == CIM_I_PSTB || in.id == CIM_I_PSTI) {
        unsigned nf = cur_nf_; /* the layer's, which the model keeps private: tracked from lcfg */
        fn = buf_check(regv(in.m), in.id == CIM_I_PSTB ? nf : 32u * nf);
    }
    if (in.id == CIM_I_DMAO) {
        size_t n = cim_isa_ab(&in) + 1u, at = host_.io.out_pos - n;
        Bits exp = from_words(host_.out.data(), at, n);
        fn = [exp, at, n](Rig &r, Diff &d) { d.bits("host output[" + std::to_string(at) + ", +" + std::to_string(n) + ")", exp, r.hout(at, n), n); };
    }
    if (in.id == CIM_I_LCFG) { /* the table as lcfg reads it (models/chip/ppu.h) */
        CimPpuTable tab = cim_ppu_table(in.a, cim_ppu_npat(cim_chip_window(chip_)));
        unsigned psize = cfg_->ctrl.ppu_size;
        Bits pr = bits_zero(psize);
        std::vector<int32_t> thr(tab.nf), off((size_t)tab.npat * tab.nf);
        cim_ppu_table_read(&tab, cim_chip_buffer(chip_), regv(in.m), pr.data(), thr.data(), off.data());
        fn = [pr, thr, off, psize](Rig &r, Diff &d) {
            d.bits("PPU pruned mask", pr, r.pruned(), psize);
            for (unsigned f = 0; f < thr.size() && d.lines.size() < 8; f++)
                d.num("PPU thr[" + std::to_string(f) + "]", thr[f], (int32_t)r.thr(f));
            for (unsigned i = 0; i < off.size() && d.lines.size() < 8; i++)
                d.num("PPU off[" + std::to_string(i) + "]", off[i], (int32_t)r.off(i));
        };
        cur_nf_ = tab.nf;
        cur_mode_ = in.b;
        cur_npat_ = tab.npat;
    }
    if (in.id == CIM_I_PACC || in.id == CIM_I_PFIN || in.id == CIM_I_PCLR) {
        unsigned lo = 0, n = cur_nf_;
        if (in.id == CIM_I_PACC) {
            lo = in.a;
            n = mc->win.ncol;
        }
        std::vector<int64_t> exp(cim_chip_ppu(chip_) + lo, cim_chip_ppu(chip_) + lo + n);
        fn = [exp, lo](Rig &r, Diff &d) {
            for (size_t i = 0; i < exp.size() && d.lines.size() < 8; i++)
                d.num("PPU p[" + std::to_string(lo + i) + "]", exp[i], r.p((unsigned)(lo + i)));
        };
    }
    if (in.id == CIM_I_PTHR || in.id == CIM_I_PRCLR) {
        unsigned psize = cfg_->ctrl.ppu_size;
        Bits exp = row_bits(cim_chip_pool_reg(chip_), psize);
        fn = [exp, psize](Rig &r, Diff &d) { d.bits("PPU pool register", exp, r.pr(), psize); };
    }
    if (fn)
        pend_.push_back(Pending{when, e.pc, e.at, e.word, fn});
}

bool Lockstep::report(uint64_t cycle, uint64_t pc, uint64_t word, uint64_t at, const std::string &what, const Diff &d)
{
    std::ostringstream o;
    o << "MISMATCH " << where_ << " run " << run_idx_ << " (" << rs_->label << ") at cycle " << cycle << ": " << what
      << "\n  instruction: pc " << pc << "  " << dis(word) << "  (word " << hex64(word) << ", issue cycle " << at << ")";
    for (const std::string &l : d.lines)
        o << "\n    " << l;
    fail_.failed = true;
    fail_.run = run_idx_;
    fail_.cycle = cycle;
    fail_.text = o.str();
    return false;
}

void Lockstep::issue_compare(const Expect &e, Diff &d)
{
    for (unsigned r = 0; r < CIM_NREGS; r++)
        d.num("r" + std::to_string(r), cim_chip_reg(chip_, r), rig_.reg(r));
    const CimWindowState *w = cim_chip_window(chip_);
    CimWindowState a = rig_.win_state();
    d.num("window configured", w->configured, a.configured);
    if (w->configured) {
        d.num("window base", w->base, a.base);
        d.num("window C", w->c, a.c);
        d.num("window H", w->h, a.h);
        d.num("window W", w->w, a.w);
        d.num("window k", w->k, a.k);
        d.num("window pad", w->pad, a.pad);
    }
    d.num("window ir_len", w->ir_len, a.ir_len);
    d.num("window px", w->px, a.px);
    d.num("window valid", w->valid, a.valid);
    d.num("window pattern", w->pattern, a.pattern);
    if (e.s.in.id == CIM_I_WIN || e.s.in.id == CIM_I_ILD) {
        Bits exp = bits_zero(cfg_->ctrl.ir_bits + 64);
        if (e.s.in.id == CIM_I_WIN) {
            CimWindowState s = *w;
            cim_window_gather(&s, cim_chip_buffer(chip_), (uint32_t)cim_chip_reg(chip_, e.s.in.m & 15u),
                              (uint32_t)cim_chip_reg(chip_, e.s.in.a & 15u), exp.data());
        } else {
            exp = from_buf(chip_, (size_t)(uint32_t)cim_chip_reg(chip_, e.s.in.m & 15u), w->ir_len);
        }
        d.bits("input register", exp, rig_.ir(), w->ir_len);
    }
    unsigned nf, mode, npat;
    rig_.layer(nf, mode, npat);
    d.num("PPU nf", cur_nf_, nf);
    if (cur_nf_) {
        d.num("PPU mode", cur_mode_, mode);
        d.num("PPU npat", cur_npat_, npat);
    }
    d.num("host input position", (int64_t)host_.io.in_pos, rig_.hin_pos());
    d.num("host output position", (int64_t)host_.io.out_pos, rig_.hout_pos());
}

void Lockstep::scoreboard_compare(uint64_t c, Diff &d)
{
#define RES_NAME(name) #name,
    static const char *const names[] = {CIM_RESOURCE_LIST(RES_NAME)};
#undef RES_NAME
    for (unsigned r = 0; r < nres_; r++) {
        uint64_t free_at = cim_chip_run_free_at(run_, r), exp = free_at > c ? free_at - c : 0;
        std::string n = r < CIM_RES_MACRO ? names[r] : "m" + std::to_string(r - CIM_RES_MACRO);
        d.num("cycles until " + n + " is free", (int64_t)exp, rig_.res_rem(r));
        /* a unit's own sequencer runs exactly while the scoreboard holds its resource */
        bool held = exp != 0, busy = rig_.busy(r);
        if ((r >= CIM_RES_MACRO || r == CIM_RES_PPU) ? busy != held : (busy && !held))
            d.lines.push_back(n + " unit busy " + std::to_string(busy) + " but reserved " + std::to_string(held));
    }
    for (unsigned r = 1; r < CIM_NREGS; r++) {
        uint64_t ready = cim_chip_run_reg_ready(run_, r), exp = ready > c ? ready - c : 0;
        d.num("cycles until r" + std::to_string(r) + " is ready", (int64_t)exp, rig_.reg_rem(r));
    }
}

void Lockstep::host_out_compare(Diff &d)
{
    size_t n = host_.io.out_pos;
    if (n)
        d.bits("host output", from_words(host_.out.data(), 0, n), rig_.hout(0, n), n);
}

// Loads the host stream and the program, runs the reference, begins the model's run.
bool Lockstep::begin(const RunSpec &rs, size_t idx, const std::string &where)
{
    rs_ = &rs;
    run_idx_ = idx;
    where_ = where;
    if (rs.prog.size() > CIM_RTL_IMEM_WORDS || (rs.new_io && (rs.in_bits > CIM_RTL_HOST_IN_BITS ||
                                                              rs.out_bits > CIM_RTL_HOST_OUT_BITS))) {
        Diff d;
        d.lines.push_back("the program (" + std::to_string(rs.prog.size()) + " words) or host stream (" +
                          std::to_string(rs.in_bits) + " in, " + std::to_string(rs.out_bits) +
                          " out bits) exceeds the cosim memories; regenerate with larger cim_rtlgen --imem-words, "
                          "--host-in-bits, --host-out-bits");
        return report(0, 0, 0, 0, "harness limits", d);
    }
    rig_.set_run_index(idx);
    if (rs.new_io) {
        if (idx > 0) {
            Diff d;
            host_out_compare(d);
            if (d.any())
                return report(rig_.cycle(), 0, 0, 0, "host output of the previous stream", d);
        }
        host_.init(rs);
        ref_host_.init(rs);
        rig_.load_host_in(host_.in, rs.in_bits);
    }
    rig_.load_prog(rs.prog);
    /* the reference: the model's own run loop on a second chip */
    CimProgram p = {const_cast<uint64_t *>(rs.prog.data()), rs.prog.size(), rs.prog.size()};
    cim_chip_run(ref_, &p, &ref_host_.io, rs.max_cycles, &ref_res_);

    cim_chip_run_end(run_, nullptr);
    run_ = nullptr;
    words_ = model_words(rs.prog, opt_);
    prog_ = CimProgram{words_.data(), words_.size(), words_.size()};
    if (cim_chip_run_begin(chip_, &prog_, &host_.io, rs.max_cycles, &run_) != CIM_OK) {
        Diff d;
        d.lines.push_back("cim_chip_run_begin: out of memory");
        return report(0, 0, 0, 0, "harness", d);
    }
    pend_.clear();
    finished_ = trap_seen_ = false;
    mtrap_ = CimTrap{};
    limit_ = 0;
    rig_.start(rs.prog.size(), rs.max_cycles, (uint32_t)rs.in_bits, (uint32_t)rs.out_bits, rs.new_io);
    e_ = predict();
    return true;
}

// The model's run has ended (halt, watchdog, or a trap before issue whose cycle has passed).
void Lockstep::finish()
{
    finished_ = true;
    mtrap_ = cim_chip_run_result(run_)->trap;
    limit_ = cim_chip_run_cycles(run_) + 2;
}

// The RTL issued in the last cycle: it must be the model's next instruction, at its cycle.
bool Lockstep::on_issue(uint64_t c)
{
    Diff d;
    if (finished_ || e_.trap) {
        d.lines.push_back("RTL issued pc " + std::to_string(rig_.ev_pc()) + " at cycle " + std::to_string(rig_.ev_cycle()) +
                          "; the model " + (finished_ ? "had finished" : std::string("traps: ") +
                                                                  cim_chip_run_result(run_)->trap.reason));
        return report(c, e_.pc, e_.word, e_.at, "unexpected issue", d);
    }
    d.num("issue pc", (int64_t)e_.pc, rig_.ev_pc());
    d.num("issue cycle", (int64_t)e_.at, (int64_t)rig_.ev_cycle());
    if (d.any())
        return report(c, e_.pc, e_.word, e_.at, "issue", d);
    cim_chip_run_issue(run_, &e_.s);
    tally_.ops[e_.s.in.id]++;
    issue_compare(e_, d);
    if (d.any())
        return report(c, e_.pc, e_.word, e_.at, "state after issue", d);
    if (e_.s.watchdog || e_.halt)
        finish();
    else
        e_ = predict();
    return true;
}

// The RTL trapped: pc, cycle, word and kind of the model's trap.
bool Lockstep::on_trap(uint64_t c)
{
    trap_seen_ = true;
    Diff d;
    if (mtrap_.kind == CIM_TRAP_NONE) {
        d.lines.push_back("RTL trapped (" + kind_name(rig_.trap_code()) + ") at pc " +
                          std::to_string(rig_.trap_pc()) + ", the model did not");
        return report(c, e_.pc, e_.word, e_.at, "unexpected trap", d);
    }
    d.num("trap pc", (int64_t)mtrap_.pc, rig_.trap_pc());
    d.num("trap cycle", (int64_t)mtrap_.cycle, (int64_t)rig_.trap_cycle());
    d.num("trap word", (int64_t)mtrap_.word, (int64_t)rig_.trap_word());
    if (cim_trap_kind_of_code(rig_.trap_code()) != mtrap_.kind)
        d.lines.push_back(std::string("trap kind: expected ") + cim_trap_info(mtrap_.kind)->name + " (\"" +
                          mtrap_.reason + "\"), actual " + kind_name(rig_.trap_code()));
    return d.any() ? report(c, mtrap_.pc, mtrap_.word, mtrap_.cycle, "trap", d) : true;
}

// The checks due in cycle c (an instruction's resources freed).
bool Lockstep::due_checks(uint64_t c)
{
    for (size_t i = 0; i < pend_.size();) {
        Diff d;
        if (pend_[i].when == c) {
            pend_[i].check(rig_, d);
            if (d.any())
                return report(c, pend_[i].pc, pend_[i].word, pend_[i].at, "result when its resources freed", d);
            pend_[i] = pend_.back();
            pend_.pop_back();
        } else if (pend_[i].when < c) {
            d.lines.push_back("a check due at cycle " + std::to_string(pend_[i].when) + " was missed");
            return report(c, pend_[i].pc, pend_[i].word, pend_[i].at, "harness", d);
        } else {
            i++;
        }
    }
    return true;
}

// The RTL is done: cycles, instructions, trap, and the stepped run against cim_chip_run.
bool Lockstep::end_of_run(uint64_t c)
{
    Diff d;
    uint64_t cycles = cim_chip_run_cycles(run_), insns = cim_chip_run_result(run_)->instructions;
    if (mtrap_.kind != CIM_TRAP_NONE && !trap_seen_)
        d.lines.push_back(std::string("the model traps (") + mtrap_.reason + "), the RTL finished without a trap");
    d.num("run cycles", (int64_t)cycles, (int64_t)rig_.run_cycles());
    d.num("instructions", (int64_t)insns, (int64_t)rig_.ninsn());
    d.num("cim_chip_run cycles (reference)", (int64_t)ref_res_.cycles, (int64_t)cycles);
    d.num("cim_chip_run instructions (reference)", (int64_t)ref_res_.instructions, (int64_t)insns);
    d.num("cim_chip_run trap kind (reference)", ref_res_.trap.kind, mtrap_.kind);
    if (ref_res_.trap.kind != CIM_TRAP_NONE && mtrap_.kind != CIM_TRAP_NONE) {
        d.num("cim_chip_run trap pc (reference)", (int64_t)ref_res_.trap.pc, (int64_t)mtrap_.pc);
        d.num("cim_chip_run trap cycle (reference)", (int64_t)ref_res_.trap.cycle, (int64_t)mtrap_.cycle);
    }
    if (!pend_.empty())
        d.lines.push_back(std::to_string(pend_.size()) + " checks still pending at the end of the run");
    if (d.any())
        return report(c, e_.pc, e_.word, e_.at, "end of run", d);
    tally_.insns += insns;
    tally_.cycles += cycles;
    tally_.runs++;
    if (mtrap_.kind != CIM_TRAP_NONE) {
        tally_.traps++;
        tally_.trap_kinds[mtrap_.kind]++;
    }
    return true;
}

bool Lockstep::run(const RunSpec &rs, size_t idx, const std::string &where)
{
    if (!begin(rs, idx, where))
        return false;
    for (;;) {
        rig_.tick();
        uint64_t c = rig_.cycle();
        Diff d;
        if (rig_.err()) {
            d.lines.push_back("a unit's sequencer disagrees with the controller (err_o)");
            return report(c, e_.pc, e_.word, e_.at, "RTL self-check", d);
        }
        if (rig_.ev_issue() && !on_issue(c))
            return false;
        if (!finished_ && e_.trap && c > e_.at)
            finish();
        if (!finished_ && !e_.trap && c > e_.at) {
            d.lines.push_back("the model issues at cycle " + std::to_string(e_.at) + "; the RTL has not by cycle " +
                              std::to_string(c - 1));
            return report(c, e_.pc, e_.word, e_.at, "late issue", d);
        }
        if (rig_.trapped() && !trap_seen_ && !on_trap(c))
            return false;
        if (!rig_.done())
            scoreboard_compare(c, d);
        if (d.any())
            return report(c, e_.pc, e_.word, e_.at, "scoreboard", d);
        if (!due_checks(c))
            return false;
        if (finished_ && rig_.done())
            return end_of_run(c);
        if (finished_ && c > limit_) {
            d.lines.push_back("the model's run ends at cycle " + std::to_string(cim_chip_run_cycles(run_)) +
                              "; the RTL is not done");
            return report(c, e_.pc, e_.word, e_.at, "end of run", d);
        }
    }
}

// The whole chip at the end of a case: RTL against the lockstep model, and the lockstep
// model against the reference chip that ran the same programs through cim_chip_run.
bool Lockstep::final_compare(const std::string &where)
{
    Diff d;
    unsigned cols = cfg_->array.cols;
    for (unsigned m = 0; m < cfg_->macros && d.lines.size() < 8; m++) {
        CimMacro *mc = cim_chip_macro(chip_, m), *rc = cim_chip_macro(ref_, m);
        std::string mn = "m" + std::to_string(m);
        for (unsigned r = 0; r < cfg_->array.rows && d.lines.size() < 8; r++) {
            Bits exp = row_bits(cim_array_row_state(mc->arr, r), cols);
            d.bits(mn + " row " + std::to_string(r), exp, rig_.row(m, r), cols);
            d.bits(mn + " row " + std::to_string(r) + " (reference chip)", row_bits(cim_array_row_state(rc->arr, r), cols), exp, cols);
        }
        d.bits(mn + " output register", row_bits(mc->out, cols), rig_.out(m), cols);
        std::vector<uint32_t> v;
        Bits ov;
        rig_.counters(m, v, ov);
        for (unsigned c = 0; c < cols; c++)
            d.num(mn + " counter[" + std::to_string(c) + "]", mc->cnt.v[c], v[c]);
        d.bits(mn + " overflow flags", row_bits(mc->cnt.overflow, cols), ov, cols);
        unsigned c0, nc;
        rig_.window(m, c0, nc);
        d.num(mn + " window col0", mc->win.col0, c0);
        d.num(mn + " window ncol", mc->win.ncol, nc);
    }
    size_t bb = cim_chip_buffer_bits(chip_);
    Bits eb = from_buf(chip_, 0, bb);
    d.bits("buffer", eb, rig_.buf(0, bb), bb);
    d.bits("buffer (reference chip)", from_buf(ref_, 0, bb), eb, bb);
    for (unsigned i = 0; i < cfg_->ctrl.ppu_size && d.lines.size() < 8; i++)
        d.num("PPU p[" + std::to_string(i) + "]", cim_chip_ppu(chip_)[i], rig_.p(i));
    d.bits("PPU pool register", row_bits(cim_chip_pool_reg(chip_), cfg_->ctrl.ppu_size), rig_.pr(), cfg_->ctrl.ppu_size);
    host_out_compare(d);
    tally_.cases++;
    if (d.any()) {
        where_ = where;
        return report(rig_.cycle(), 0, 0, 0, "chip state at the end of the case", d);
    }
    return true;
}

} // namespace

bool run_case(const CaseSpec &cs, const CimChipCfg *cfg, const Options &opt, Tally &tally, Failure &fail,
              const std::string *vcd_path)
{
    Lockstep ls(cfg, opt, tally, fail);
    if (vcd_path) {
        uint64_t from = fail.cycle > 64 ? fail.cycle - 64 : 0;
        ls.rig().trace_window(fail.run, from, fail.cycle + 4, *vcd_path);
    }
    std::string where = cs.suite + "/" + cs.name;
    for (size_t i = 0; i < cs.runs.size(); i++)
        if (!ls.run(cs.runs[i], i, where)) {
            for (int k = 0; vcd_path && k < 4; k++) /* a few cycles past the mismatch in the VCD */
                ls.rig().tick();
            return false;
        }
    return ls.final_compare(where);
}
