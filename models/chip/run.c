/* The controller's scheduler: in-order issue, at most one instruction per cycle, each
 * waiting for its resources and source registers. It jumps over waits instead of
 * ticking, so a run costs time per instruction, not per cycle. */
#include "models/chip/chip_impl.h"

#include <stdio.h>
#include <string.h>

static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

typedef struct {
    uint64_t *free_at;   /* per resource: first cycle it is free */
    size_t nres;
    uint64_t reg_ready[CIM_NREGS];
    uint64_t next_issue; /* earliest cycle for the next instruction */
} Sched;

static uint64_t issue_time(const Sched *s, const CimInsnTiming *t)
{
    uint64_t at = s->next_issue;
    for (unsigned i = 0; i < t->nuse; i++)
        at = max64(at, s->free_at[t->use[i].res]);
    for (unsigned r = 0; r < CIM_NREGS; r++)
        if (t->src_regs & (1u << r))
            at = max64(at, s->reg_ready[r]);
    return at;
}

static void commit(Sched *s, const CimInsnTiming *t, uint64_t at)
{
    for (unsigned i = 0; i < t->nuse; i++)
        s->free_at[t->use[i].res] = at + t->use[i].cycles;
    if (t->dst_reg > 0)
        s->reg_ready[t->dst_reg] = at + t->dst_latency;
    s->next_issue = at + 1;
}

static uint64_t drain_time(const Sched *s)
{
    uint64_t end = s->next_issue;
    for (size_t i = 0; i < s->nres; i++)
        end = max64(end, s->free_at[i]);
    return end;
}

static void set_trap(CimRunResult *res, uint64_t pc, uint64_t cycle, uint64_t word, const char *why)
{
    res->trap.trapped = 1;
    res->trap.pc = pc;
    res->trap.cycle = cycle;
    res->trap.word = word;
    if (why)
        snprintf(res->trap.reason, sizeof res->trap.reason, "%s", why);
}

CimStatus cim_chip_run(CimChip *c, const CimProgram *p, CimHostIO *io, uint64_t max_cycles,
                       CimRunResult *res)
{
    memset(res, 0, sizeof *res);
    Sched s = {0};
    s.nres = CIM_RES_MACRO + c->nmacros;
    s.free_at = cim_alloc_array(&c->alloc, s.nres, sizeof *s.free_at);
    if (!s.free_at)
        return CIM_ERR_NOMEM;
    memset(c->regs, 0, sizeof c->regs);
    uint64_t pc = 0;
    for (;;) {
        if (pc >= p->n) {
            set_trap(res, pc, s.next_issue, 0, "pc beyond the end of the program (no halt)");
            break;
        }
        CimInsn in;
        if (cim_isa_decode(p->words[pc], &in) != CIM_OK) {
            char why[64];
            snprintf(why, sizeof why, "illegal opcode 0x%02x", (unsigned)(p->words[pc] >> 56));
            set_trap(res, pc, s.next_issue, p->words[pc], why);
            break;
        }
        CimInsnTiming t;
        uint64_t next;
        if (cim_chip_exec(c, &in, pc, io, &next, &t, &res->trap) != CIM_OK) {
            set_trap(res, pc, s.next_issue, p->words[pc], NULL);
            break;
        }
        uint64_t at = issue_time(&s, &t);
        commit(&s, &t, at);
        res->instructions++;
        res->insn_count[in.id]++;
        /* checked for halt too: a run that completes never exceeds max_cycles */
        if (drain_time(&s) > max_cycles) {
            set_trap(res, pc, at, p->words[pc], "cycle limit reached (watchdog)");
            break;
        }
        if (in.id == CIM_I_HALT)
            break;
        pc = next;
    }
    res->cycles = drain_time(&s);
    cim_free(&c->alloc, s.free_at);
    return CIM_OK;
}
