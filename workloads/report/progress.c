/* The one progress bar (workloads/report/progress.h). */
#include "workloads/report/progress.h"

#include <unistd.h>

#define BAR_W 30
#define REDRAW_S 0.1

void cim_progress_bar_init(CimProgressBar *b, const char *label, int enabled)
{
    *b = (CimProgressBar){.label = label, .enabled = enabled, .tty = isatty(STDERR_FILENO), .t0 = cim_clock_s(),
                          .last_draw = -1.0, .out = stderr};
}

CimProgress cim_progress_bar(CimProgressBar *b) { return (CimProgress){.fn = cim_progress_bar_update, .ctx = b}; }

/* "1:02:03" or "2:03" */
static void fmt_duration(double s, char *buf, size_t n)
{
    unsigned long t = s > 0 && s < 1e9 ? (unsigned long)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(buf, n, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%lu:%02lu", t / 60, t % 60);
}

static void draw(CimProgressBar *b, uint64_t done, uint64_t total, const char *status, double now)
{
    double frac = total ? (double)done / (double)total : 1.0, el = now - b->t0;
    double rate = el > 0 && done > b->base ? (double)(done - b->base) / el : 0.0;
    int filled = (int)(frac * BAR_W);
    char eta[32] = "";
    if (done < total && rate > 0)
        fmt_duration((double)(total - done) / rate, eta, sizeof eta);
    else
        fmt_duration(el, eta, sizeof eta);
    fprintf(b->out, "%s%s [%.*s%.*s] %3d%%  %llu/%llu%s%s  %.*f/s  %s %s%s", b->tty ? "\r" : "", b->label, filled,
            "##############################", BAR_W - filled, "..............................",
            (int)(100.0 * frac), (unsigned long long)done, (unsigned long long)total, status ? "  " : "",
            status ? status : "", rate < 10 ? 2 : 0, rate, done < total ? "ETA" : "in", eta, b->tty ? "\033[K" : "\n");
    fflush(b->out);
}

void cim_progress_bar_update(void *ctx, uint64_t done, uint64_t total, const char *status)
{
    CimProgressBar *b = ctx;
    if (!b->enabled)
        return;
    double now = cim_clock_s();
    int last = done >= total;
    if (b->tty) {
        if (!last && b->last_draw >= 0 && now - b->last_draw < REDRAW_S)
            return;
        draw(b, done, total, status, now);
        b->last_draw = now;
        b->open = !last;
        if (last)
            fputc('\n', b->out);
        return;
    }
    unsigned tenth = total ? (unsigned)(10 * done / total) : 10;
    if (tenth > b->last_tenth || (last && b->last_tenth < 10)) {
        draw(b, done, total, status, now);
        b->last_tenth = tenth;
    }
}

void cim_progress_bar_end(CimProgressBar *b)
{
    if (b->enabled && b->tty && b->open) {
        fputc('\n', b->out);
        fflush(b->out);
    }
    b->open = 0;
}
