/* Every file kind dcim reads, in one table: its top-level key, its checker and its key
 * schema. `dcim check` picks a file's kind from it and `dcim config-doc` prints the key
 * table of a schema from it, so a new kind is one row here. */
#ifndef CIM_KINDS_H
#define CIM_KINDS_H

#include "models/config/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The kinds in the order messages list them: chip, tech, run, network, analog, gpu, host. A kind
 * with a schema has key == schema->root; network files have no key table (their checker
 * is workloads/net's). *n receives the count. */
const CimCfgKind *cim_run_kinds(size_t *n);
/* The kind whose top-level key is key, or NULL. */
const CimCfgKind *cim_run_kind(const char *key);
/* cim_cfg_check_kinds over every kind: what `dcim check FILE` runs. */
CimStatus cim_run_check_file(const char *path, CimDiag *diag);

#ifdef __cplusplus
}
#endif
#endif
