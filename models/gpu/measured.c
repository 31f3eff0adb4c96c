/* Measured GPU energy: a CSV of power samples (time_s,power_w, e.g. from nvidia-smi
 * --query-gpu=timestamp,power.draw converted to seconds) integrated with the trapezoid rule
 * and divided by the inferences run meanwhile. Malformed lines are reported as file:line:col. */
#include "models/gpu/gpu.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *path;
    CimDiag *diag;
    size_t errors;
    size_t samples, prev_line;
    double t0, t_prev, p_prev, energy_j;
    int header_allowed;      /* the first content line may be the header */
} Csv;

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void csv_error(Csv *c, size_t line, size_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cim_diag_vadd(c->diag, CIM_SEV_ERROR, c->path, (unsigned)line, (unsigned)col, fmt, ap);
    va_end(ap);
    c->errors++;
}

/* Field text [s, e) without surrounding blanks; *col is advanced to its first character. */
static void trim(const char **s, const char **e, size_t *col)
{
    while (*s < *e && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*col)++;
    }
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
        (*e)--;
}

/* Parses [s, e) as a finite decimal number (no inf, nan or hex, as config files). */
static int number(const char *s, const char *e, double *out)
{
    char buf[64];
    size_t n = (size_t)(e - s);
    if (n == 0 || n >= sizeof buf || strspn(s, "0123456789+-.eE") < n)
        return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    *out = strtod(buf, &end);
    return end == buf + n && errno != ERANGE && isfinite(*out);
}

/* One time_s,power_w line (no newline); len counts embedded NULs. */
static void csv_line(Csv *c, const char *text, size_t len, size_t line)
{
    if (strlen(text) != len) {
        csv_error(c, line, strlen(text) + 1, "line contains a NUL byte");
        return;
    }
    const char *s = text + strspn(text, " \t");
    if (*s == '\0' || *s == '#')
        return;
    int header = c->header_allowed;
    c->header_allowed = 0;
    const char *comma = strchr(text, ','), *end = text + len;
    if (!comma || strchr(comma + 1, ',')) {
        size_t fields = 1;
        for (const char *p = text; (p = strchr(p, ',')) != NULL; p++)
            fields++;
        csv_error(c, line, 1, "expected 2 comma-separated fields (time_s,power_w), got %zu", fields);
        return;
    }
    const char *ts = text, *te = comma, *ps = comma + 1, *pe = end;
    size_t tcol = 1, pcol = (size_t)(ps - text) + 1;
    trim(&ts, &te, &tcol);
    trim(&ps, &pe, &pcol);
    if (header && te - ts == 6 && memcmp(ts, "time_s", 6) == 0 && pe - ps == 7 && memcmp(ps, "power_w", 7) == 0)
        return;
    double t, p;
    int ok_t = number(ts, te, &t), ok_p = number(ps, pe, &p) && p >= 0;
    if (!ok_t)
        csv_error(c, line, tcol, "time_s must be a finite number, got '%.*s'", (int)(te - ts < 32 ? te - ts : 32), ts);
    if (!ok_p)
        csv_error(c, line, pcol, "power_w must be a finite number >= 0, got '%.*s'", (int)(pe - ps < 32 ? pe - ps : 32),
                  ps);
    if (!ok_t || !ok_p)
        return;
    if (c->samples > 0 && !(t > c->t_prev)) {
        csv_error(c, line, tcol, "time_s must increase from sample to sample, got %g after %g (line %zu)", t,
                  c->t_prev, c->prev_line);
        return;
    }
    if (c->samples == 0)
        c->t0 = t;
    else
        c->energy_j += (t - c->t_prev) * (p + c->p_prev) / 2; /* trapezoid: s x W = J */
    c->samples++;
    c->t_prev = t;
    c->p_prev = p;
    c->prev_line = line;
}

static void csv_finish(Csv *c, uint64_t inferences, int count_idle, double idle_w, CimGpuMeasured *out)
{
    memset(out, 0, sizeof *out);
    out->samples = c->samples;
    out->t0_s = c->t0;
    out->t1_s = c->t_prev;
    double span = c->t_prev - c->t0;
    out->energy_j = count_idle ? c->energy_j : c->energy_j - idle_w * span;
    out->mean_power_w = out->energy_j / span;
    out->inferences = inferences;
    out->energy_per_inference_j = out->energy_j / (double)inferences;
}

CimStatus cim_gpu_measured_read(const char *path, uint64_t inferences, int count_idle, double idle_w,
                                CimGpuMeasured *out, CimDiag *diag)
{
    if (inferences == 0)
        return CIM_ERR_RANGE;
    const char *why;
    FILE *f = cim_file_open_regular(path, NULL, &why);
    if (!f) {
        cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, "cannot read file: %s", why);
        return CIM_ERR_IO;
    }
    Csv c = {.path = path, .diag = diag, .header_allowed = 1};
    char *buf = NULL;
    size_t cap = 0, line = 0;
    ssize_t n;
    errno = 0;
    while ((n = getline(&buf, &cap, f)) >= 0) {
        line++;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            buf[--n] = '\0';
        csv_line(&c, buf, (size_t)n, line);
    }
    int nomem = errno == ENOMEM, rd_err = ferror(f);
    free(buf);
    fclose(f);
    if (nomem)
        return CIM_ERR_NOMEM;
    if (rd_err) {
        cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, "read error");
        return CIM_ERR_IO;
    }
    if (c.errors == 0 && c.samples < 2)
        csv_error(&c, 0, 0, "need at least 2 power samples (time_s,power_w lines), got %zu", c.samples);
    if (c.errors)
        return CIM_ERR_CONFIG;
    csv_finish(&c, inferences, count_idle, idle_w, out);
    return CIM_OK;
}
