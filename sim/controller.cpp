// The controller's process: one pass of the loop per instruction. It waits straight to the
// instruction's issue time (the cycle models/ schedules it at), never clock edge by clock
// edge, so a run costs time per instruction, not per cycle.
#include "sim/controller.h"

namespace cim {

using sc_core::sc_time;

Controller::Controller(sc_core::sc_module_name name, const ClockReset &clock)
    : sc_core::sc_module(name), rst_n("rst_n"), unit("unit"), period_(clock.period()),
      quantum_(sc_time::from_value(period_.value() * 4096)),
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

Controller::~Controller() { cim_chip_run_end(run_, nullptr); }

void Controller::load(CimChip *chip, CimRun *run, CimRunResult *res)
{
    cim_chip_run_end(run_, nullptr); /* a run that never started (no effect on the chip) */
    chip_ = chip;
    run_ = run;
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
    t0_ = local_ = slot_time_ = sc_core::sc_time_stamp();
    slot_ = 0;
    while (!cim_chip_run_ended(run_)) {
        CimStep s;
        uint32_t buf_bits = 0;
        if (!fetch(s, buf_bits))
            break;
        static const State why[] = {ISSUE, STALL_UNIT, STALL_REG};
        static_assert(CIM_WAIT_NONE == 0 && CIM_WAIT_UNIT == 1 && CIM_WAIT_REG == 2, "why[] is indexed by CimWait");
        wait_until(at(s.issue_cycle), why[s.wait]);
        issue(s, buf_bits);
    }
    drain();
}

// The next instruction through models/: fetched, decoded and executed, with its issue
// cycle; false when it traps before issue (recorded at the slot by models/).
bool Controller::fetch(CimStep &s, uint32_t &buf_bits)
{
    pc_ = cim_chip_run_pc(run_);
    if (tracing_) {
        wait_until(at(cim_chip_run_slot(run_)), ISSUE);
        pc_sig_.write(static_cast<int>(pc_));
    }
    if (!tracing_)
        return cim_chip_run_next(run_, &s) != 0;
    CimEvents before, after;
    cim_chip_events(chip_, &before);
    bool issues = cim_chip_run_next(run_, &s) != 0;
    cim_chip_events(chip_, &after);
    buf_bits = static_cast<uint32_t>(after.n[CIM_EV_BUFFER_BIT] - before.n[CIM_EV_BUFFER_BIT]);
    return issues;
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
    if (lag > sc_core::SC_ZERO_TIME && (force || lag >= quantum_))
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

// Starts every unit the instruction occupies (at the issue time, which models/ gave) and
// issues it in models/ (resources, registers, count, watchdog).
void Controller::issue(const CimStep &s, uint32_t buf_bits)
{
    sc_time now = this->now();
    show_state(ISSUE);
    if (tracing_)
        insn_sig_.write(static_cast<int>(cim_isa_info(s.in.id)->opcode));
    last_opcode_ = static_cast<int>(cim_isa_info(s.in.id)->opcode);
    for (unsigned i = 0; i < s.t.nuse; i++)
        units_[s.t.use[i].res]->start(describe(s.in, s.t.use[i], buf_bits), now);
    cim_chip_run_issue(run_, &s);
    slot_ = s.issue_cycle + 1;
    slot_time_ = now + period_;
}

// The run ends when the last unit frees, and no earlier than the next issue slot: the
// run's cycles from models/.
void Controller::drain()
{
    show_state(DRAIN);
    wait_until(at(cim_chip_run_cycles(run_)), DRAIN);
    if (decoupled_)
        sync(true);
    cim_chip_run_end(run_, res_);
    run_ = nullptr;
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
