/* Network files (workloads/nets/NAME.yaml): the layer list of docs/network.md read into a
 * CimNet with shapes inferred. The YAML itself is read by models/config's document API. */
#ifndef CIM_NETFILE_H
#define CIM_NETFILE_H

#include "workloads/net/net.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most layers a network file may list. */
#define CIM_NET_MAX_LAYERS 1024

/* Reads a network file, checks every key of every layer (unknown keys and types, missing
 * or out-of-range values, bad or repeated layer names) and then the shapes
 * (cim_net_infer). Every problem is appended to diag as path:line:col (at most
 * CIM_DIAG_MAX_ERRORS kept); shape errors stop at the first. Memory of the net comes from
 * a (NULL: malloc); weights are allocated and zeroed. Returns CIM_ERR_IO if the file
 * cannot be read, CIM_ERR_CONFIG on any reported problem, CIM_ERR_NOMEM; out is written
 * only on CIM_OK (free it with cim_net_free). */
CimStatus cim_net_load(const char *path, const CimAlloc *a, CimNet *out, CimDiag *diag);

/* cim_net_load without keeping the net: the checker `dcim check` uses for network: files. */
CimStatus cim_net_check(const char *path, CimDiag *diag);

#ifdef __cplusplus
}
#endif
#endif
