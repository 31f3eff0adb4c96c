/* The provenance of a run's results (docs/sweep.md, "Provenance"): what a stats.json, a
 * compare.json and a training's results came from, in two blocks.
 *   provenance: the same for the same inputs: dcim version, git commit and dirty flag, the
 *     fully resolved configuration (every run, chip and tech value used, paths absolute),
 *     the SHA-256 of the network, weights and data files, the seed and the fidelity;
 *   invocation: what differs from one run of it to the next: the command line, working
 *     folder, run file (path and SHA-256), results folder, host, start time and wall time.
 * And resolved.yaml (with resolved_chip.yaml, resolved_tech.yaml): the configuration as a
 * run file that `dcim run resolved.yaml` runs again to the same provenance block. */
#ifndef CIM_RUN_PROVENANCE_H
#define CIM_RUN_PROVENANCE_H

#include <jansson.h>

#include "workloads/run/run_cfg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The names of the three files of the resolved configuration. */
#define CIM_RESOLVED_RUN "resolved.yaml"
#define CIM_RESOLVED_CHIP "resolved_chip.yaml"
#define CIM_RESOLVED_TECH "resolved_tech.yaml"

/* The provenance block (new reference; NULL: out of memory). extra: more resolved keys
 * (a compare's analog and gpu baselines: schema and struct pairs, NULL-terminated), or NULL. */
typedef struct {
    const CimCfgSchema *schema;
    const void *cfg;
} CimProvCfg;
json_t *cim_run_provenance(const CimRunCfg *run, const CimChipCfg *chip, const CimProvCfg *extra);
/* A file's entry of the files block: {"path": absolute path, "sha256": digest or
 * "unreadable"}. */
json_t *cim_run_file_entry(const char *path);
/* The same entry for path, with the SHA-256 of the file read_from (the file staged to become
 * path). */
json_t *cim_run_file_entry_as(const char *path, const char *read_from);
/* The invocation block: run_path (the run file as given), out (the results folder). */
json_t *cim_run_invocation(const char *run_path, const char *out);
/* Writes dir/provenance.json ({"provenance": ..., "invocation": ...}) and the resolved
 * files: the provenance of a results folder whose own files do not carry the blocks. */
CimStatus cim_run_write_provenance(const CimRunCfg *run, const CimChipCfg *chip, const char *run_path, const char *dir,
                                   CimDiag *diag);
/* Writes resolved.yaml, resolved_chip.yaml and resolved_tech.yaml into dir. */
CimStatus cim_run_write_resolved(const CimRunCfg *run, const CimChipCfg *chip, const char *dir, CimDiag *diag);

#ifdef __cplusplus
}
#endif
#endif
