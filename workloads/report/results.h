/* A results folder written as one set: every file of a run is written into a staging folder
 * inside it, then moved into place and a manifest written last (docs/formats.md, "Results
 * folders"), so a full disk, a signal or a kill never leaves a half-new, half-old set. */
#ifndef CIM_RESULTS_H
#define CIM_RESULTS_H

#include "models/common/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Written last, and removed before the first file of a new set is moved in: a folder whose
 * manifest is missing holds no complete set. */
#define CIM_RESULTS_MANIFEST "manifest.json"
/* Longest results folder path accepted, in bytes. */
#define CIM_RESULTS_DIR_MAX 1000

typedef struct {
    char dir[CIM_RESULTS_DIR_MAX + 1];
    char staging[CIM_RESULTS_DIR_MAX + 64]; /* DIR/.staging.PID */
    int open;
} CimResults;

/* Checks that dir can take results before any work is done: creates it (and its parents)
 * and the staging folder DIR/.staging.PID, removing staging folders left by processes that
 * no longer run (a SIGKILLed run). CIM_ERR_IO with one error naming the folder and the reason
 * (path longer than CIM_RESULTS_DIR_MAX with its real length, a parent that is a file, a
 * read-only folder). */
CimStatus cim_results_begin(CimResults *rs, const char *dir, CimDiag *d);
/* The folder the set's files are written into (cim_report_write_file and its callers). */
const char *cim_results_staging(const CimResults *rs);
/* Makes DIR's file `name`, as it is now, part of the set being staged (a hard link in the
 * staging folder: no copy, and the commit moves nothing for it): a set that renews some files
 * and keeps the others (dcim train's resume points inside an epoch). CIM_ERR_IO (reported)
 * when DIR has no such file or it cannot be linked. */
CimStatus cim_results_keep(CimResults *rs, const char *name, CimDiag *d);
/* Removes DIR's manifest, moves every staged file into DIR (replacing the old ones), writes
 * the manifest (the sorted file names) and removes the staging folder. CIM_ERR_IO (reported)
 * if a move or the manifest fails; the staging folder is removed either way. */
CimStatus cim_results_commit(CimResults *rs, CimDiag *d);
/* Removes the staging folder and what it holds; DIR keeps its previous set. Fine after
 * commit and on a CimResults that never began (zeroed). */
void cim_results_discard(CimResults *rs);

#ifdef __cplusplus
}
#endif
#endif
