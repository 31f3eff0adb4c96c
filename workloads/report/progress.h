/* The progress bar of every long command (run, train, compare, margin): one line on stderr,
 *   images [#############.................]  43%  4300/10000  accuracy 91.20 %  2512/s  ETA 0:02
 * (a rate below 10 per second with two decimals: 0.37/s), redrawn in place on a terminal at
 * most ten times a second; when stderr is not a terminal (logs, CI) one plain line per
 * tenth of the work, so a log shows progress without carriage returns. A CimProgress (models/common) drives it. */
#ifndef CIM_PROGRESS_H
#define CIM_PROGRESS_H

#include <stdio.h>

#include "models/common/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *label;      /* "images", "epoch 2/10", ... (static or outliving the bar) */
    int enabled;            /* 0: draws nothing (--quiet) */
    int tty;                /* stderr is a terminal */
    double t0, last_draw;   /* cim_clock_s() at start and at the last redraw */
    unsigned last_tenth;    /* non-terminal: last tenth printed */
    int open;               /* a terminal line is drawn and not yet ended */
    uint64_t base;          /* work done before the bar started (a resumed task): not in the rate */
    FILE *out;
} CimProgressBar;

/* A bar on stderr labelled `label`; enabled 0 for a silent one. */
void cim_progress_bar_init(CimProgressBar *b, const char *label, int enabled);
/* The CimProgress that draws b. */
CimProgress cim_progress_bar(CimProgressBar *b);
/* Draws done/total with the status text (may be NULL), rate and ETA; the line ends when
 * done == total. ctx is the CimProgressBar. */
void cim_progress_bar_update(void *ctx, uint64_t done, uint64_t total, const char *status);
/* Ends a terminal line left open (a task stopped before done == total). */
void cim_progress_bar_end(CimProgressBar *b);

#ifdef __cplusplus
}
#endif
#endif
