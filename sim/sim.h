/* C API of the SystemC model of the chip (sim/): runs controller programs on a CimChip
 * with cycle-accurate concurrency (macros in parallel, a contended buffer port) and
 * optional VCD traces. Cycles, results and traps are those of cim_chip_run exactly. */
#ifndef CIM_SIM_H
#define CIM_SIM_H

#include "models/chip/chip.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *vcd_path;     /* VCD file to write, or NULL for none */
    uint64_t vcd_start_cycle; /* first session cycle traced (session cycles: all runs, in order) */
    uint64_t vcd_end_cycle;   /* first session cycle not traced; 0: to the end */
    int vcd_clock;            /* 1: trace clk too (two changes per cycle: much larger files) */
    int vcd_date;             /* 1: keep SystemC's wall-clock $date; 0: none, so the same run
                               * gives the same file byte for byte */
} CimScOptions;

typedef struct CimScSession CimScSession;

/* Builds the SystemC model for chip (its macro count and clock) and elaborates it. A
 * process elaborates SystemC once: one session at a time, and a later session must have
 * the same macro count and clock and no VCD (CIM_ERR_RANGE otherwise). opt may be NULL.
 * The VCD is written to vcd_path.tmp.vcd and renamed to vcd_path by destroy; its top
 * scope is the chip's name (chip.name, non-identifier characters as '_'), and beside it
 * go GTKWave translate-filter files vcd_path.opcodes.txt (ctrl.insn and every .op:
 * mnemonics from isa.def) and vcd_path.state.txt (ctrl.state), docs/architecture.md.
 * CIM_ERR_RANGE also for vcd_end_cycle <= vcd_start_cycle (other than 0) or a window
 * beyond SystemC's time range (2^63 ps here), CIM_ERR_IO when
 * the VCD cannot be created, CIM_ERR_NOMEM. chip must outlive the session (or set_chip). */
CimStatus cim_sc_session_create(CimChip *chip, const CimScOptions *opt, CimScSession **out);

/* Runs the next programs on another chip with the same macro count and clock
 * (CIM_ERR_RANGE otherwise). */
CimStatus cim_sc_session_set_chip(CimScSession *s, CimChip *chip);

/* Runs p from pc 0 to halt, a trap or max_cycles, exactly as cim_chip_run: same values,
 * events, res (cycles of this run, instructions, counts, trap record). Registers restart
 * at 0; the chip's arrays, buffer, counters and windows persist between runs. The
 * session's time goes on: each run starts where the previous ended. CIM_ERR_NOMEM if
 * memory ran out. */
CimStatus cim_sc_session_run(CimScSession *s, const CimProgram *p, CimHostIO *io, uint64_t max_cycles,
                             CimRunResult *res);

/* Cycles of every run since create or the last reset_stats. */
uint64_t cim_sc_session_cycles(const CimScSession *s);
/* Busy cycles over the same span of resource res (CIM_RES_IR, CIM_RES_PPU, CIM_RES_BUF,
 * CIM_RES_DMA, CIM_RES_MACRO + m); 0 for a resource the chip lacks. */
uint64_t cim_sc_session_busy_cycles(const CimScSession *s, unsigned res);
/* Macro m's utilisation: busy cycles / session cycles (0 before any cycle). */
double cim_sc_session_macro_utilisation(const CimScSession *s, unsigned m);
void cim_sc_session_reset_stats(CimScSession *s);

/* Closes the VCD and renames it to vcd_path (CIM_ERR_IO if that fails); later cycles
 * are not traced. CIM_OK without a VCD. */
CimStatus cim_sc_session_close_vcd(CimScSession *s);

/* Closes and renames the VCD (close_vcd first to see a failure) and ends the session (the elaborated model stays for a
 * later session of the same shape). NULL is ignored. */
void cim_sc_session_destroy(CimScSession *s);

#ifdef __cplusplus
}
#endif
#endif
