/* The values a loaded struct holds, key by key, as a file would write them (config.h,
 * cim_cfg_visit): the resolved configuration of a run's provenance and its resolved.yaml. */
#include "models/config/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The shortest %g text that reads back as v exactly. */
static void fmt_double(double v, char *buf, size_t len)
{
    for (int p = 6; p <= 17; p++) {
        snprintf(buf, len, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

void cim_cfg_visit(const CimCfgSchema *s, const void *cfg, CimCfgVisit fn, void *ctx)
{
    const char *base = cfg;
    const char *absent = NULL; /* the path of an optional group left out */
    size_t alen = 0;
    char buf[CIM_PATH_MAX + 32];
    for (size_t i = 0; i < s->n; i++) {
        const CimCfgKey *k = &s->keys[i];
        if (absent && !strncmp(k->path, absent, alen) && k->path[alen] == '.')
            continue;
        absent = NULL;
        const char *p = base + (k->off == CIM_CFG_NOFIELD ? 0 : k->off);
        const char *text = buf;
        if (k->type == CIM_CFG_MAP && k->rule == CIM_CFG_OPTIONAL && k->off != CIM_CFG_NOFIELD &&
            !*(const int *)(const void *)p) {
            absent = k->path;
            alen = strlen(k->path);
            continue;
        }
        if (k->type == CIM_CFG_MAP || k->off == CIM_CFG_NOFIELD)
            text = NULL;
        else
            switch (k->type) {
            case CIM_CFG_UINT: {
                unsigned v = *(const unsigned *)(const void *)p;
                if (k->choices && v < k->lo)
                    cim_cfg_named_uint(k->choices, v, buf, sizeof buf);
                else
                    snprintf(buf, sizeof buf, "%u", v);
                break;
            }
            case CIM_CFG_U64:
                snprintf(buf, sizeof buf, "%llu", (unsigned long long)*(const uint64_t *)(const void *)p);
                break;
            case CIM_CFG_DOUBLE:
                fmt_double(*(const double *)(const void *)p, buf, sizeof buf);
                break;
            case CIM_CFG_BOOL:
                snprintf(buf, sizeof buf, "%s", *(const int *)(const void *)p ? "true" : "false");
                break;
            case CIM_CFG_ENUM:
                cim_cfg_choice(k->choices, *(const int *)(const void *)p, buf, sizeof buf);
                break;
            case CIM_CFG_STRING:
                snprintf(buf, sizeof buf, "%.*s", CIM_NAME_MAX - 1, p);
                break;
            case CIM_CFG_PATH:
                snprintf(buf, sizeof buf, "%.*s", CIM_PATH_MAX - 1, p);
                break;
            default:
                text = NULL;
            }
        fn(ctx, k, text);
    }
}
