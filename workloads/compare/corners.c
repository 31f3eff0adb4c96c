/* dcim compare's corner sweeps (an axis whose values are corners of configs/corners.yaml; the
 * file itself: corners_file.c) and the paper's claims beside dcim's result at each point of a
 * sweep. docs/energy.md, "Corners". */
#include "workloads/compare/compare_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

CimStatus cim_corners_axis(const CimCorners *cs, const char *list, CimSweepAxis *out, CimDiag *d)
{
    memset(out, 0, sizeof *out);
    snprintf(out->key, sizeof out->key, "corner");
    int all = !strcmp(list, "all");
    size_t n = all ? cs->n : 1;
    for (const char *p = list; !all && *p; p++)
        n += *p == ',';
    out->values = calloc(n, sizeof *out->values);
    out->corners = calloc(n, sizeof *out->corners);
    if (!out->values || !out->corners) {
        cim_sweep_free(out);
        return CIM_ERR_NOMEM;
    }
    const char *p = list;
    for (size_t i = 0; i < n; i++) {
        const CimCorner *c = all ? &cs->v[i] : NULL;
        if (!all) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            for (size_t k = 0; k < cs->n && !c; k++)
                if (strlen(cs->v[k].name) == len && !strncmp(cs->v[k].name, p, len))
                    c = &cs->v[k];
            if (!c) {
                cim_sweep_free(out);
                return cim_corners_unknown(cs, p, len, d);
            }
            p = e ? e + 1 : p + len;
        }
        size_t len = strlen(c->name) + sizeof "corner=";
        if (!(out->values[i] = malloc(len))) {
            cim_sweep_free(out);
            return CIM_ERR_NOMEM;
        }
        snprintf(out->values[i], len, "corner=%s", c->name);
        out->corners[i] = c;
        out->n = i + 1;
    }
    return CIM_OK;
}

/* ---- the paper's claims --------------------------------------------------------- */

const char *cim_claim_name(CimClaim k)
{
    static const char *const names[CIM_CLAIM_COUNT] = {"area vs analogue RRAM CIM", "energy vs analogue RRAM CIM",
                                                       "energy vs GPU", "energy vs GPU idealised floor",
                                                       "conv energy vs analogue convs", "conv energy vs GPU floor"};
    return names[k];
}

const char *cim_claim_key(CimClaim k)
{
    static const char *const keys[CIM_CLAIM_COUNT] = {"area_vs_analog", "energy_vs_analog", "energy_vs_gpu",
                                                      "energy_vs_gpu_floor", "conv_energy_vs_analog",
                                                      "conv_energy_vs_gpu_floor"};
    return keys[k];
}

double cim_claim_ours(const CimCompareReductions *r, CimClaim k)
{
    const double v[CIM_CLAIM_COUNT] = {r->area_vs_analog,      r->energy_vs_analog,        r->energy_vs_gpu,
                                       r->energy_vs_gpu_floor, r->conv_energy_vs_analog,   r->conv_energy_vs_gpu_floor};
    return v[k];
}

double cim_claim_paper(const CimComparePaper *p, CimClaim k)
{
    /* the floor is a stricter reading of the same GPU claim */
    const double v[CIM_CLAIM_COUNT] = {p->area_vs_analog, p->energy_vs_analog, p->energy_vs_gpu,
                                       p->energy_vs_gpu,  p->energy_vs_analog, p->energy_vs_gpu};
    return v[k];
}

int cim_claim_holds(double ours, double paper) { return !isnan(paper) && !isnan(ours) && ours <= paper; }
