/* The registry of file kinds (kinds.h): each kind's checker and schema from its owner. */
#include "workloads/run/kinds.h"
#include "models/analog/analog.h"
#include "models/gpu/gpu.h"
#include "models/host/host.h"
#include "workloads/net/netfile.h"
#include "workloads/run/corners.h"
#include "workloads/pointnet/pointnet.h"
#include "workloads/run/run_cfg.h"

#include <string.h>

/* network: files: an image network (workloads/net) or, with input.points, a point-cloud one. */
static CimStatus check_network(const char *path, CimDiag *diag)
{
    int pointcloud = cim_pn_is_pointcloud_file(path);
    return pointcloud < 0 ? CIM_ERR_NOMEM : pointcloud ? cim_pn_check(path, diag) : cim_net_check(path, diag);
}

static const CimCfgKind kinds[] = {
    {.key = "chip",    .check = cim_cfg_check_chip,   .schema = &cim_cfg_schema_chip},
    {.key = "tech",    .check = cim_cfg_check_tech,   .schema = &cim_cfg_schema_tech},
    {.key = "run",     .check = cim_run_cfg_check,    .schema = &cim_run_schema},
    {.key = "network", .check = check_network,        .schema = NULL},
    {.key = "analog",  .check = cim_analog_cfg_check, .schema = &cim_analog_schema},
    {.key = "gpu",     .check = cim_gpu_cfg_check,    .schema = &cim_gpu_schema},
    {.key = "host",    .check = cim_host_cfg_check,   .schema = &cim_host_schema},
    {.key = "corners", .check = cim_corners_check,    .schema = NULL},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

const CimCfgKind *cim_run_kinds(size_t *n)
{
    *n = NKINDS;
    return kinds;
}

const CimCfgKind *cim_run_kind(const char *key)
{
    for (size_t i = 0; i < NKINDS; i++)
        if (strcmp(kinds[i].key, key) == 0)
            return &kinds[i];
    return NULL;
}

CimStatus cim_run_check_file(const char *path, CimDiag *diag) { return cim_cfg_check_kinds(path, kinds, NKINDS, diag); }
