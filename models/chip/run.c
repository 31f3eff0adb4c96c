/* The controller's scheduler, the one implementation of the issue rules (docs/isa.md,
 * "Scheduling"): in-order issue, at most one instruction per cycle, each waiting for its
 * resources and source registers. It jumps over waits instead of ticking, so a run costs
 * time per instruction, not per cycle. cim_chip_run, sim/ and rtl/cosim/ all step it. */
#include "models/chip/chip_impl.h"

#include <assert.h>
#include <string.h>

static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

struct CimRun {
    CimChip *c;
    const CimProgram *p;
    CimHostIO *io;
    uint64_t max_cycles;
    uint64_t pc;
    uint64_t slot;                 /* earliest next issue: last issue + 1 */
    uint64_t horizon;              /* latest free time of any resource */
    uint64_t reg_ready[CIM_NREGS];
    int ended;
    CimRunResult res;
    size_t nres;
    CimInsn *dec;                  /* p->n: each word decoded at its first fetch */
    uint8_t *decoded;              /* p->n: 1 once dec[pc] holds the word's decode */
    uint64_t free_at[];            /* per resource: first cycle it is free */
};

void cim_chip_reset_regs(CimChip *c) { memset(c->regs, 0, sizeof c->regs); }

CimStatus cim_chip_run_begin(CimChip *c, const CimProgram *p, CimHostIO *io, uint64_t max_cycles, CimRun **out)
{
    CimRun *r;
    size_t nres = CIM_RES_MACRO + (size_t)c->nmacros, head = sizeof *r + nres * sizeof r->free_at[0];
    size_t per = sizeof r->dec[0] + sizeof r->decoded[0];
    *out = NULL;
    if (p->n > (SIZE_MAX - head) / per)
        return CIM_ERR_NOMEM;
    r = cim_alloc(&c->alloc, head + p->n * per); /* zero-filled */
    *out = r;
    if (!r)
        return CIM_ERR_NOMEM;
    r->dec = (CimInsn *)((char *)r + head); /* head is a multiple of 8 */
    r->decoded = (uint8_t *)(r->dec + p->n);
    r->c = c;
    r->p = p;
    r->io = io;
    r->max_cycles = max_cycles;
    r->nres = nres;
    cim_chip_reset_regs(c);
    return CIM_OK;
}

/* A trap before issue (fetch, decode, execution): recorded at the slot; the run ends. */
static int trap_before_issue(CimRun *r, CimStep *s)
{
    r->res.trap.pc = s->pc;
    r->res.trap.cycle = s->issue_cycle;
    r->res.trap.word = s->word;
    r->ended = 1;
    return 0;
}

/* issue(i) = max(slot, free time of each resource used, ready time of each register read);
 * the watchdog looks at the run's length once i is issued. */
static void schedule(const CimRun *r, CimStep *s)
{
    const CimInsnTiming *t = &s->t;
    uint64_t at = r->slot;
    CimWait why = CIM_WAIT_NONE;
    for (unsigned i = 0; i < t->nuse; i++)
        if (r->free_at[t->use[i].res] > at) {
            at = r->free_at[t->use[i].res];
            why = CIM_WAIT_UNIT;
        }
    for (unsigned m = t->src_regs; m; m &= m - 1) {
        unsigned reg = (unsigned)__builtin_ctz(m);
        if (r->reg_ready[reg] > at) {
            at = r->reg_ready[reg];
            why = CIM_WAIT_REG;
        }
    }
    uint64_t end = max64(r->horizon, at + 1);
    for (unsigned i = 0; i < t->nuse; i++)
        end = max64(end, at + t->use[i].cycles);
    s->issue_cycle = at;
    s->wait = why;
    s->watchdog = end > r->max_cycles;
}

/* The run's steps; inline into cim_chip_run's loop and the exported step functions. */
static inline int run_next(CimRun *r, CimStep *s)
{
    if (r->ended)
        return 0;
    s->pc = r->pc;
    s->word = 0;
    s->issue_cycle = r->slot;
    s->wait = CIM_WAIT_NONE;
    s->watchdog = 0;
    if (r->pc >= r->p->n) {
        chip_trap(&r->res.trap, CIM_TRAP_PC_END);
        return trap_before_issue(r, s);
    }
    s->word = r->p->words[r->pc];
    if (r->decoded[r->pc]) { /* the program does not change during a run */
        s->in = r->dec[r->pc];
    } else {
        if (cim_isa_decode(s->word, &s->in) != CIM_OK) {
            chip_trap(&r->res.trap, CIM_TRAP_ILLEGAL, (unsigned)(s->word >> 56));
            return trap_before_issue(r, s);
        }
        r->dec[r->pc] = s->in;
        r->decoded[r->pc] = 1;
    }
    if (cim_chip_exec(r->c, &s->in, r->pc, r->io, &s->next_pc, &s->t, &r->res.trap) != CIM_OK)
        return trap_before_issue(r, s);
    schedule(r, s);
    return 1;
}

/* Counts why s issues after its slot (the resource that frees last, when a unit held it)
 * and the cycles each resource it uses is occupied; before the free times move on. */
static void account(CimRun *r, const CimStep *s)
{
    const CimInsnTiming *t = &s->t;
    uint64_t late = s->issue_cycle - r->slot;
    unsigned last = 0;
    for (unsigned i = 0; i < t->nuse; i++) {
        if (r->free_at[t->use[i].res] > r->free_at[t->use[last].res])
            last = i;
        if (t->use[i].res < CIM_RUN_MAX_RES)
            r->res.busy[t->use[i].res] += t->use[i].cycles;
    }
    if (s->wait == CIM_WAIT_REG)
        r->res.split.stall_reg += late;
    else if (s->wait == CIM_WAIT_UNIT)
        r->res.split.stall_unit[t->use[last].res < CIM_RES_MACRO ? t->use[last].res : CIM_RES_MACRO] += late;
}

int cim_chip_run_next(CimRun *r, CimStep *s) { return run_next(r, s); }

static inline void run_issue(CimRun *r, const CimStep *s)
{
    assert(!r->ended && s->pc == r->pc);
    const CimInsnTiming *t = &s->t;
    uint64_t at = s->issue_cycle;
    account(r, s);
    for (unsigned i = 0; i < t->nuse; i++) {
        r->free_at[t->use[i].res] = at + t->use[i].cycles;
        r->horizon = max64(r->horizon, at + t->use[i].cycles);
    }
    if (t->dst_reg > 0)
        r->reg_ready[t->dst_reg] = at + t->dst_latency;
    r->slot = at + 1;
    r->res.instructions++;
    r->res.insn_count[s->in.id]++;
    r->pc = s->next_pc;
    if (s->watchdog) {
        chip_trap(&r->res.trap, CIM_TRAP_WATCHDOG);
        r->res.trap.pc = s->pc;
        r->res.trap.cycle = at;
        r->res.trap.word = s->word;
        r->ended = 1;
    } else if (s->in.id == CIM_I_HALT) {
        r->ended = 1;
    }
}

void cim_chip_run_issue(CimRun *r, const CimStep *s) { run_issue(r, s); }

int cim_chip_run_ended(const CimRun *r) { return r->ended; }
uint64_t cim_chip_run_pc(const CimRun *r) { return r->pc; }
uint64_t cim_chip_run_slot(const CimRun *r) { return r->slot; }
uint64_t cim_chip_run_free_at(const CimRun *r, unsigned res) { return res < r->nres ? r->free_at[res] : 0; }
uint64_t cim_chip_run_reg_ready(const CimRun *r, unsigned reg) { return reg < CIM_NREGS ? r->reg_ready[reg] : 0; }
uint64_t cim_chip_run_cycles(const CimRun *r) { return max64(r->slot, r->horizon); }
const CimRunResult *cim_chip_run_result(const CimRun *r) { return &r->res; }

void cim_chip_run_end(CimRun *r, CimRunResult *res)
{
    if (!r)
        return;
    if (res) {
        *res = r->res;
        res->cycles = cim_chip_run_cycles(r);
        /* after the last issue (slot - 1): nothing issues until the last unit frees */
        res->split.drain = res->instructions ? res->cycles - r->slot : 0;
    }
    CimAlloc a = r->c->alloc;
    cim_free(&a, r);
}

CimStatus cim_chip_run(CimChip *c, const CimProgram *p, CimHostIO *io, uint64_t max_cycles, CimRunResult *res)
{
    CimRun *r;
    CimStep s;
    memset(res, 0, sizeof *res);
    CimStatus st = cim_chip_run_begin(c, p, io, max_cycles, &r);
    if (st != CIM_OK)
        return st;
    while (run_next(r, &s))
        run_issue(r, &s);
    cim_chip_run_end(r, res);
    return CIM_OK;
}
