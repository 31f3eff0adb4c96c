// The controller's process: one pass of the loop per instruction. It waits straight to the
// instruction's issue time (next slot, units free, registers ready), never clock edge by
// clock edge, so a run costs time per instruction, not per cycle.
#include "sim/controller.h"

#include <algorithm>
#include <cstdio>

namespace cim {

using sc_core::sc_time;

Controller::Controller(sc_core::sc_module_name name, const ClockReset &clock)
    : sc_core::sc_module(name), rst_n("rst_n"), unit("unit"), period_(clock.period()),
      pc_sig_("pc_sig"), state_sig_("state_sig"), insn_sig_("insn_sig")
{
    SC_HAS_PROCESS(Controller);
    SC_THREAD(main);
}

void Controller::end_of_elaboration()
{
    for (int i = 0; i < unit.size(); i++)
        units_.push_back(unit[i]);
}

void Controller::load(CimChip *chip, const CimProgram *p, CimHostIO *io, uint64_t max_cycles, CimRunResult *res)
{
    chip_ = chip;
    prog_ = p;
    io_ = io;
    max_cycles_ = max_cycles;
    res_ = res;
    done_ = false;
}

void Controller::main()
{
    for (;;) {
        show_state(IDLE);
        wait(rst_n.posedge_event());
        run();
        done_ = true;
        sc_core::sc_pause();
    }
}

// Issue slots follow each other at whole periods from the run's start, which is always on
// a clock edge (every wait in the model is a whole number of periods). The next
// instruction is fetched and executed right after an issue (its semantics only depend on
// program order), so one wait covers both the next issue slot and any stall; while traced,
// the fetch waits for the slot so that the trace shows the pc there.
void Controller::run()
{
    t0_ = next_issue_ = horizon_ = local_ = sc_core::sc_time_stamp();
    std::fill(std::begin(reg_ready_), std::end(reg_ready_), t0_);
    uint64_t pc = 0;
    for (;;) {
        Fetched f;
        if (!fetch(pc, f))
            break;
        wait_ready(f.t);
        issue(f);
        if (watchdog(f) || f.in.id == CIM_I_HALT)
            break;
        pc = f.next;
    }
    drain();
}

bool Controller::fetch(uint64_t pc, Fetched &f)
{
    pc_ = pc;
    if (tracing_) {
        wait_until(next_issue_, ISSUE);
        pc_sig_.write(static_cast<int>(pc));
    }
    if (pc >= prog_->n) {
        trap(pc, 0, "pc beyond the end of the program (no halt)", next_issue_);
        return false;
    }
    f.pc = pc;
    f.word = prog_->words[pc];
    if (cim_isa_decode(f.word, &f.in) != CIM_OK) {
        char why[64];
        std::snprintf(why, sizeof why, "illegal opcode 0x%02x", static_cast<unsigned>(f.word >> 56));
        trap(pc, f.word, why, next_issue_);
        return false;
    }
    return exec(f);
}

// The instruction's semantics, in program order, exactly as cim_chip_run does them.
bool Controller::exec(Fetched &f)
{
    CimEvents before, after;
    if (tracing_)
        cim_chip_events(chip_, &before);
    if (cim_chip_exec(chip_, &f.in, f.pc, io_, &f.next, &f.t, &res_->trap) != CIM_OK) {
        trap(f.pc, f.word, nullptr, next_issue_);
        return false;
    }
    f.buf_bits = 0;
    if (tracing_) {
        cim_chip_events(chip_, &after);
        f.buf_bits = static_cast<uint32_t>(after.n[CIM_EV_BUFFER_BIT] - before.n[CIM_EV_BUFFER_BIT]);
    }
    return true;
}

// Issue time: the next slot, the free time of every unit the instruction occupies (units
// only become busy when this controller issues to them, so their free times only move
// forward) and the ready time of every register it reads. One wait reaches it.
void Controller::wait_ready(const CimInsnTiming &t)
{
    sc_time at = next_issue_;
    State why = ISSUE;
    for (unsigned i = 0; i < t.nuse; i++) {
        const sc_time &free = units_[t.use[i].res]->free_at();
        if (free > at) {
            at = free;
            why = STALL_UNIT;
        }
    }
    for (unsigned regs = t.src_regs; regs; regs &= regs - 1) {
        const sc_time &ready = reg_ready_[__builtin_ctz(regs)];
        if (ready > at) {
            at = ready;
            why = STALL_REG;
        }
    }
    wait_until(at, why);
}

void Controller::wait_until(const sc_time &t, State why)
{
    if (decoupled_) {
        if (t > local_) {
            show_state(why);
            local_ = t;
            sync(false);
        }
        return;
    }
    sc_time now = sc_core::sc_time_stamp();
    if (t > now) {
        show_state(why);
        wait(t - now);
    }
}

// Lets the kernel catch up with the decoupled controller: every 4096 periods, or now.
void Controller::sync(bool force)
{
    sc_time lag = local_ - sc_core::sc_time_stamp();
    if (lag > sc_core::SC_ZERO_TIME && (force || lag >= sc_time::from_value(period_.value() * 4096)))
        wait(lag);
}

static UnitOp describe(const CimInsn &in, const CimResUse &use, uint32_t buf_bits)
{
    UnitOp op = {use.cycles, static_cast<uint8_t>(cim_isa_info(in.id)->opcode), 0, 0, 0};
    if (use.res >= CIM_RES_MACRO) {
        bool row_op = in.id == CIM_I_WROW || in.id == CIM_I_RROW || in.id == CIM_I_DUAL || in.id == CIM_I_GATED;
        op.row = static_cast<uint16_t>(row_op ? in.a : 0);
        op.rows = static_cast<uint16_t>(in.id == CIM_I_GATED ? in.b + 1 : in.id == CIM_I_DUAL ? 2 : row_op ? 1 : 0);
    }
    if (use.res == CIM_RES_BUF)
        op.bits = buf_bits;
    return op;
}

void Controller::issue(const Fetched &f)
{
    sc_time now = this->now();
    show_state(ISSUE);
    if (tracing_)
        insn_sig_.write(static_cast<int>(cim_isa_info(f.in.id)->opcode));
    last_opcode_ = static_cast<int>(cim_isa_info(f.in.id)->opcode);
    for (unsigned i = 0; i < f.t.nuse; i++) {
        const CimResUse &use = f.t.use[i];
        units_[use.res]->start(describe(f.in, use, f.buf_bits), now);
        horizon_ = std::max(horizon_, now + sc_time::from_value(period_.value() * use.cycles));
    }
    if (f.t.dst_reg > 0)
        reg_ready_[f.t.dst_reg] = now + sc_time::from_value(period_.value() * f.t.dst_latency);
    res_->instructions++;
    res_->insn_count[f.in.id]++;
    next_issue_ = now + period_;
}

// Checked after every issue, halt included: a completed run never exceeds max_cycles.
bool Controller::watchdog(const Fetched &f)
{
    if (cycles_since_start(std::max(next_issue_, horizon_)) <= max_cycles_)
        return false;
    trap(f.pc, f.word, "cycle limit reached (watchdog)", now());
    return true;
}

// The run ends when the last unit frees, and no earlier than the next issue slot.
void Controller::drain()
{
    show_state(DRAIN);
    wait_until(next_issue_, DRAIN);
    for (UnitIf *u : units_)
        wait_until(u->free_at(), DRAIN);
    if (decoupled_)
        sync(true);
    res_->cycles = cycles_since_start(now());
}

// At issue (the watchdog) the trap's cycle is the issue's; before it (fetch, decode,
// execution) it is the earliest the instruction could have issued, the next slot.
void Controller::trap(uint64_t pc, uint64_t word, const char *why, const sc_time &at)
{
    res_->trap.trapped = 1;
    res_->trap.pc = pc;
    res_->trap.cycle = cycles_since_start(at);
    res_->trap.word = word;
    if (why)
        std::snprintf(res_->trap.reason, sizeof res_->trap.reason, "%s", why);
}

uint64_t Controller::cycles_since_start(const sc_time &t) const
{
    return (t - t0_).value() / period_.value();
}

void Controller::show_state(State s)
{
    state_ = s;
    if (tracing_)
        state_sig_.write(s);
}

void Controller::set_tracing(bool on)
{
    tracing_ = on;
    if (on) {
        pc_sig_.write(static_cast<int>(pc_));
        state_sig_.write(state_);
        insn_sig_.write(last_opcode_);
    }
}

void Controller::trace(sc_core::sc_trace_file *tf) const
{
    sc_core::sc_trace(tf, pc_sig_, "ctrl.pc", 32);
    sc_core::sc_trace(tf, state_sig_, "ctrl.state", 4);
    sc_core::sc_trace(tf, insn_sig_, "ctrl.insn", 8);
}

}  // namespace cim
