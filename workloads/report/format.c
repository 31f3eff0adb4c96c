/* Numbers as the text and HTML reports show them. */
#include "workloads/report/report.h"

#include <math.h>
#include <stdio.h>

static const char *scaled(double v, const double *steps, const char *const *units, size_t n, char *buf, size_t len)
{
    size_t i = 0;
    while (i + 1 < n && fabs(v) >= steps[i + 1])
        i++;
    snprintf(buf, len, "%.4g %s", v / steps[i], units[i]);
    return buf;
}

const char *cim_fmt_energy(double pj, char *buf, size_t n)
{
    static const double s[] = {1, 1e3, 1e6, 1e9, 1e12};
    static const char *const u[] = {"pJ", "nJ", "uJ", "mJ", "J"};
    return scaled(pj, s, u, 5, buf, n);
}

const char *cim_fmt_time(double ns, char *buf, size_t n)
{
    static const double s[] = {1, 1e3, 1e6, 1e9};
    static const char *const u[] = {"ns", "us", "ms", "s"};
    return scaled(ns, s, u, 4, buf, n);
}

const char *cim_fmt_pct(double frac, char *buf, size_t n)
{
    /* near -100 % two decimals would hide how far: -0.99999394 -> "-99.9994 %" */
    double p = 100.0 * frac;
    int dec = 2;
    while (dec < 8 && fabs(p) >= 99.995 && fabs(p) < 100.0 && fabs(p) >= 100.0 - 0.5 * pow(10, -dec))
        dec++;
    snprintf(buf, n, "%+.*f %%", dec, p);
    return buf;
}
