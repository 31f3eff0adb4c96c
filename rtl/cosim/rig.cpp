// The Verilated chip (cim_cosim_top) behind a small API: clocking, loaders for the
// instruction memory and the host stream, and probes that read state through the debug
// ports (set the probe inputs, settle the combinational logic, read).
#include "cosim.h"

#include "Vcim_cosim_top.h"
#include "verilated.h"
#include "verilated_vcd_c.h"

#include <cstdio>
#include <type_traits>

// ---- reading ports of any width ------------------------------------------------------
template <typename T, typename std::enable_if<std::is_integral<T>::value, int>::type = 0>
static uint64_t getbits(T v, size_t lsb, unsigned n)
{
    uint64_t x = (uint64_t)v >> lsb;
    return n >= 64 ? x : x & ((1ull << n) - 1);
}
template <std::size_t N>
static uint64_t getbits(const VlWide<N> &w, size_t lsb, unsigned n)
{
    uint64_t x = 0;
    for (unsigned i = 0; i < n; i++) {
        size_t b = lsb + i;
        if (b / 32 < N && ((w[b / 32] >> (b % 32)) & 1u))
            x |= 1ull << i;
    }
    return x;
}
template <typename T>
static Bits getrow(const T &v, size_t lsb, size_t n)
{
    Bits b = bits_zero(n);
    for (size_t i = 0; i < n; i += 64) {
        unsigned k = n - i < 64 ? (unsigned)(n - i) : 64;
        b[i / 64] = getbits(v, lsb + i, k);
    }
    return b;
}

Rig::Rig(const CimChipCfg *cfg) : cfg_(cfg), ctx_(new VerilatedContext)
{
    ctx_->traceEverOn(true);
    top_ = new Vcim_cosim_top(ctx_.get(), "top");
    top_->clk_i = 0;
    top_->rst_ni = 0;
    top_->eval();
    tick();
    tick();
    top_->rst_ni = 1;
    tick();
}

Rig::~Rig()
{
    if (vcd_) {
        if (vcd_opened_)
            vcd_->close();
        delete vcd_;
    }
    top_->final();
    delete top_;
}

void Rig::trace_window(size_t run, uint64_t from, uint64_t to, const std::string &path)
{
    trace_run_ = run;
    trace_from_ = from;
    trace_to_ = to;
    trace_path_ = path;
}

void Rig::tick()
{
    bool dump = run_idx_ == trace_run_ && top_->cycle_o >= trace_from_ && top_->cycle_o <= trace_to_;
    if (dump && !vcd_opened_) {
        vcd_ = new VerilatedVcdC;
        top_->trace(vcd_, 99);
        vcd_->open(trace_path_.c_str());
        vcd_opened_ = true;
    }
    top_->clk_i = 0;
    top_->eval();
    if (dump)
        vcd_->dump(ctx_->time());
    ctx_->timeInc(5);
    top_->clk_i = 1;
    top_->eval();
    if (dump)
        vcd_->dump(ctx_->time());
    ctx_->timeInc(5);
}

void Rig::settle() { top_->eval(); }

void Rig::load_prog(const std::vector<uint64_t> &words)
{
    top_->ld_sel_i = 0;
    for (size_t i = 0; i < words.size(); i++) {
        top_->ld_we_i = 1;
        top_->ld_addr_i = (uint32_t)i;
        top_->ld_data_i = words[i];
        tick();
    }
    top_->ld_we_i = 0;
}

void Rig::load_host_in(const Bits &bits, size_t nbits)
{
    top_->ld_sel_i = 1;
    for (size_t i = 0; i * 64 < nbits; i++) {
        top_->ld_we_i = 1;
        top_->ld_addr_i = (uint32_t)i;
        top_->ld_data_i = i < bits.size() ? bits[i] : 0;
        tick();
    }
    top_->ld_we_i = 0;
}

void Rig::start(size_t prog_len, uint64_t max_cycles, uint32_t hin_bits, uint32_t hout_cap, bool host_reset)
{
    top_->prog_len_i = (uint32_t)prog_len;
    top_->max_cycles_i = max_cycles;
    if (host_reset) {
        top_->hin_bits_i = hin_bits;
        top_->hout_cap_i = hout_cap;
        top_->host_rst_i = 1;
    }
    top_->start_i = 1;
    tick();
    top_->start_i = 0;
    top_->host_rst_i = 0;
    settle();
}

bool Rig::done() const { return top_->done_o; }
bool Rig::running() const { return top_->run_o; }
uint64_t Rig::cycle() const { return top_->cycle_o; }
uint64_t Rig::run_cycles() const { return top_->run_cycles_o; }
uint64_t Rig::ninsn() const { return top_->ninsn_o; }
bool Rig::ev_issue() const { return top_->ev_iss_o; }
uint32_t Rig::ev_pc() const { return top_->ev_pc_o; }
uint64_t Rig::ev_cycle() const { return top_->ev_cycle_o; }
bool Rig::trapped() const { return top_->trap_o; }
uint32_t Rig::trap_pc() const { return top_->trap_pc_o; }
uint64_t Rig::trap_cycle() const { return top_->trap_cycle_o; }
uint64_t Rig::trap_word() const { return top_->trap_word_o; }
unsigned Rig::trap_code() const { return top_->trap_code_o; }
bool Rig::err() const { return top_->err_o; }
int32_t Rig::reg(unsigned r) const { return (int32_t)getbits(top_->regs_o, 32 * r, 32); }
uint32_t Rig::res_rem(unsigned r) const { return (uint32_t)getbits(top_->res_rem_o, 32 * r, 32); }
uint32_t Rig::reg_rem(unsigned r) const { return (uint32_t)getbits(top_->reg_rem_o, 32 * r, 32); }
bool Rig::busy(unsigned r) const { return getbits(top_->busy_o, r, 1) != 0; }
uint32_t Rig::hin_pos() const { return top_->hin_pos_o; }
uint32_t Rig::hout_pos() const { return top_->hout_pos_o; }

Bits Rig::row(unsigned m, unsigned r)
{
    top_->prb_mac_i = (uint8_t)m;
    top_->prb_row_i = r;
    settle();
    return getrow(top_->prb_cells_o, 0, cfg_->array.cols);
}

Bits Rig::out(unsigned m)
{
    top_->prb_mac_i = (uint8_t)m;
    settle();
    return getrow(top_->prb_out_o, 0, cfg_->array.cols);
}

void Rig::counters(unsigned m, std::vector<uint32_t> &v, Bits &ovf)
{
    unsigned cols = cfg_->array.cols, cb = cfg_->periph.counter_bits;
    top_->prb_mac_i = (uint8_t)m;
    settle();
    v.assign(cols, 0);
    for (unsigned b = 0; b < cb; b++) {
        Bits plane = getrow(top_->prb_cnt_o, (size_t)b * cols, cols);   /* plane-major */
        for (unsigned c = 0; c < cols; c++)
            v[c] |= (uint32_t)bits_get(plane, c) << b;
    }
    ovf = getrow(top_->prb_ovf_o, 0, cols);
}

void Rig::window(unsigned m, unsigned &col0, unsigned &ncol)
{
    top_->prb_mac_i = (uint8_t)m;
    settle();
    col0 = top_->prb_col0_o;
    ncol = top_->prb_ncol_o;
}

Bits Rig::buf(size_t addr, size_t n)
{
    Bits b = bits_zero(n);
    for (size_t i = 0; i < n;) {
        size_t a = addr + i, k = 64 - a % 64;
        if (k > n - i)
            k = n - i;
        top_->prb_buf_i = (uint32_t)(a / 64);
        settle();
        uint64_t w = top_->prb_buf_o >> (a % 64);
        for (size_t j = 0; j < k; j++)
            bits_put(b, i + j, (int)((w >> j) & 1u));
        i += k;
    }
    return b;
}

Bits Rig::hout(size_t addr, size_t n)
{
    Bits b = bits_zero(n);
    for (size_t i = 0; i < n; i++) {
        size_t a = addr + i;
        if (i == 0 || a % 64 == 0) {
            top_->prb_hout_i = (uint32_t)(a / 64);
            settle();
        }
        bits_put(b, i, (int)((top_->prb_hout_o >> (a % 64)) & 1u));
    }
    return b;
}

int64_t Rig::p(unsigned i)
{
    top_->prb_ppu_i = i;
    settle();
    return (int64_t)top_->prb_p_o;
}

uint32_t Rig::thr(unsigned i)
{
    top_->prb_ppu_i = i;
    settle();
    return top_->prb_thr_o;
}

uint32_t Rig::off(unsigned i)
{
    top_->prb_off_i = i;
    settle();
    return top_->prb_off_o;
}

Bits Rig::pr() { return getrow(top_->prb_pr_o, 0, cfg_->ctrl.ppu_size); }
Bits Rig::pruned() { return getrow(top_->prb_pruned_o, 0, cfg_->ctrl.ppu_size); }

void Rig::layer(unsigned &nf, unsigned &mode, unsigned &npat)
{
    uint32_t v = top_->prb_layer_o;
    nf = v & 0xFFFu;
    mode = (v >> 12) & 1u;
    npat = (v >> 13) & 0x3Fu;
}

CimWindowState Rig::win_state()
{
    CimWindowState s;
    const auto &w = top_->prb_win_o;
    s.configured = (int)getbits(w, 0, 1);
    s.base = (uint32_t)getbits(w, 32, 32);
    s.c = (uint32_t)getbits(w, 64, 12);
    s.h = (uint32_t)getbits(w, 80, 12);
    s.w = (uint32_t)getbits(w, 96, 12);
    s.k = (uint32_t)getbits(w, 112, 4);
    s.pad = (uint32_t)getbits(w, 116, 4);
    s.ir_len = (uint32_t)getbits(w, 128, 32);
    s.px = (uint32_t)getbits(w, 160, 32);
    s.valid = (uint32_t)getbits(w, 192, 32);
    s.pattern = (uint32_t)getbits(w, 224, 6);
    return s;
}

Bits Rig::ir() { return getrow(top_->prb_ir_o, 0, cfg_->ctrl.ir_bits); }

// ---- bit helpers -------------------------------------------------------------------------
Bits bits_zero(size_t n) { return Bits((n + 63) / 64 + 1, 0); }
uint64_t bits_get(const Bits &b, size_t i) { return (b[i / 64] >> (i % 64)) & 1u; }
void bits_put(Bits &b, size_t i, int v)
{
    if (v)
        b[i / 64] |= 1ull << (i % 64);
    else
        b[i / 64] &= ~(1ull << (i % 64));
}
std::string bits_hex(const Bits &b, size_t n)
{
    std::string s;
    char d[4];
    for (size_t i = (n + 3) / 4; i-- > 0;) {
        unsigned v = 0;
        for (unsigned k = 0; k < 4; k++)
            if (i * 4 + k < n)
                v |= (unsigned)bits_get(b, i * 4 + k) << k;
        snprintf(d, sizeof d, "%x", v);
        s += d;
    }
    return s;
}
