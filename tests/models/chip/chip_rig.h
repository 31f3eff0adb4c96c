/* Shared by the chip tests (test_timing.c, test_exec.c): a fresh chip per run from a
 * config, a program assembled from text, optional host-side setup, and probes of the run's
 * total cycles and of one instruction's issue cycle through the public API only. */
#ifndef CIM_TEST_CHIP_RIG_H
#define CIM_TEST_CHIP_RIG_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "models/chip/chip.h"

/* Host-side preparation of a fresh chip before the run (array rows, buffer bits). */
typedef void (*RigSetupFn)(CimChip *c, void *ctx);

typedef struct {
    CimChipCfg cfg;
    RigSetupFn setup;
    void *setup_ctx;
    CimHostIO *io;
} Rig;

static inline void rig_init(Rig *r)
{
    memset(r, 0, sizeof *r);
    cim_cfg_defaults(&r->cfg);
}

/* Assembles text that must be valid into a fresh program. */
static inline void rig_assemble(const char *text, CimProgram *p)
{
    CimDiag d;
    cim_diag_init(&d);
    cim_program_init(p);
    CimStatus st = cim_isa_assemble(text, "t.s", p, NULL, &d);
    if (st != CIM_OK) {
        cim_diag_print(&d, stderr);
        fail_msg("assembling failed: %s\n%s", cim_status_str(st), text);
    }
    cim_diag_free(&d);
}

/* A fresh chip from r->cfg, set up, running p; the caller destroys the chip. */
static inline CimChip *rig_run_prog(const Rig *r, const CimProgram *p, uint64_t max_cycles, CimRunResult *res)
{
    CimChip *c = NULL;
    assert_int_equal(cim_chip_create(&r->cfg, NULL, &c), CIM_OK);
    if (r->setup)
        r->setup(c, r->setup_ctx);
    assert_int_equal(cim_chip_run(c, p, r->io, max_cycles, res), CIM_OK);
    return c;
}

static inline CimChip *rig_run(const Rig *r, const char *text, uint64_t max_cycles, CimRunResult *res)
{
    CimProgram p;
    rig_assemble(text, &p);
    CimChip *c = rig_run_prog(r, &p, max_cycles, res);
    cim_program_free(&p, NULL);
    return c;
}

/* Runs text to its halt (it must not trap) and returns the chip for inspection. */
static inline CimChip *rig_run_ok(const Rig *r, const char *text, CimRunResult *res)
{
    CimChip *c = rig_run(r, text, UINT64_MAX, res);
    if (res->trap.kind != CIM_TRAP_NONE)
        fail_msg("unexpected trap at pc %llu: %s", (unsigned long long)res->trap.pc, res->trap.reason);
    return c;
}

/* The run's total cycles must be exactly n: with max_cycles = n - 1 the watchdog refuses
 * it, with max_cycles = n it completes in n cycles. */
static inline void rig_probe_total(const Rig *r, const char *text, uint64_t n)
{
    CimRunResult res;
    cim_chip_destroy(rig_run(r, text, n - 1, &res));
    if (res.trap.kind != CIM_TRAP_WATCHDOG)
        fail_msg("max_cycles %llu: expected the watchdog, got cycles %llu (%s)", (unsigned long long)(n - 1),
                 (unsigned long long)res.cycles, res.trap.kind != CIM_TRAP_NONE ? res.trap.reason : "no trap");
    cim_chip_destroy(rig_run(r, text, n, &res));
    if (res.trap.kind != CIM_TRAP_NONE)
        fail_msg("max_cycles %llu: unexpected trap at pc %llu: %s", (unsigned long long)n,
                 (unsigned long long)res.trap.pc, res.trap.reason);
    assert_int_equal(res.cycles, n);
}

/* Issue cycle of instruction idx of a straight-line program: the program cut after idx
 * runs off its end, and that trap is recorded at the earliest next issue, issue(idx) + 1.
 * A halt at idx is measured as a nop (both use nothing and read no register). */
static inline uint64_t rig_issue_of(const Rig *r, const char *text, size_t idx)
{
    CimProgram p;
    CimRunResult res;
    rig_assemble(text, &p);
    assert_true(idx < p.n);
    p.n = idx + 1;
    CimInsn in;
    assert_int_equal(cim_isa_decode(p.words[idx], &in), CIM_OK);
    if (in.id == CIM_I_HALT) {
        in.id = CIM_I_NOP;
        p.words[idx] = cim_isa_encode(&in);
    }
    cim_chip_destroy(rig_run_prog(r, &p, UINT64_MAX, &res));
    cim_program_free(&p, NULL);
    if (res.trap.kind != CIM_TRAP_PC_END || res.trap.pc != idx + 1)
        fail_msg("prefix of %zu: expected to run off the end, got pc %llu: %s", idx + 1,
                 (unsigned long long)res.trap.pc, res.trap.reason);
    return res.trap.cycle - 1;
}

/* Asserts the issue cycles of instructions 0..n-1. */
static inline void rig_expect_issues(const Rig *r, const char *text, const uint64_t *at, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t got = rig_issue_of(r, text, i);
        if (got != at[i])
            fail_msg("instruction %zu issues at %llu, expected %llu", i, (unsigned long long)got,
                     (unsigned long long)at[i]);
    }
}

#endif
