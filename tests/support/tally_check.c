/* Test helpers over compiled networks and their tallies (tests/support/tally_check.h). */
#include "tests/support/tally_check.h"

#include <stdio.h>

/* 1 (with the text in buf) when x and y differ. */
static int differ(char *buf, size_t len, const char *name, uint64_t x, uint64_t y)
{
    if (x == y)
        return 0;
    snprintf(buf, len, "%s %llu vs %llu", name, (unsigned long long)x, (unsigned long long)y);
    return 1;
}

const char *test_tally_diff(const CimLayerTally *a, const CimLayerTally *b, char *buf, size_t len)
{
    char name[64];
    if (differ(buf, len, "cycles", a->cycles, b->cycles) ||
        differ(buf, len, "instructions", a->instructions, b->instructions) ||
        differ(buf, len, "reload cycles", a->reload_cycles, b->reload_cycles) ||
        differ(buf, len, "stall on registers", a->split.stall_reg, b->split.stall_reg) ||
        differ(buf, len, "drain", a->split.drain, b->split.drain))
        return buf;
    for (int e = 0; e < CIM_EV_COUNT; e++) {
        snprintf(name, sizeof name, "event %s", cim_event_info((CimEventId)e)->name);
        if (differ(buf, len, name, a->ev.n[e], b->ev.n[e]))
            return buf;
    }
    for (unsigned u = 0; u <= CIM_RES_MACRO; u++) {
        snprintf(name, sizeof name, "stall on unit %u", u);
        if (differ(buf, len, name, a->split.stall_unit[u], b->split.stall_unit[u]))
            return buf;
    }
    for (unsigned res = 0; res < CIM_RUN_MAX_RES; res++) {
        snprintf(name, sizeof name, "busy of resource %u", res);
        if (differ(buf, len, name, a->busy[res], b->busy[res]))
            return buf;
    }
    return NULL;
}

int test_regions_share_macro(const CimCompiled *cc)
{
    for (size_t k = 0; k < cc->n; k++)
        for (unsigned i = 0; i < cc->layers[k].nregions; i++)
            for (unsigned j = 0; j < i; j++)
                if (cc->layers[k].regions[i].macro == cc->layers[k].regions[j].macro)
                    return 1;
    return 0;
}

int test_regions_side_by_side(const CimCompiled *cc)
{
    for (size_t k = 0; k < cc->n; k++)
        for (unsigned i = 0; i < cc->layers[k].nregions; i++) {
            const CimRegion *a = &cc->layers[k].regions[i];
            for (size_t k2 = 0; a->col0 > 0 && k2 < cc->n; k2++)
                for (unsigned j = 0; j < cc->layers[k2].nregions; j++) {
                    const CimRegion *b = &cc->layers[k2].regions[j];
                    if (b != a && b->macro == a->macro && b->row0 < a->row0 + a->nrows &&
                        a->row0 < b->row0 + b->nrows)
                        return 1;
                }
        }
    return 0;
}
