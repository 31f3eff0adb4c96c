/* Corners files (configs/corners.yaml, root key corners:): named assumption sets for dcim
 * compare, each a list of KEY=VALUE overrides applied as --set applies them. Loading and
 * checking live here (the file-kind registry reads them); the corner sweeps and the claims
 * table are workloads/compare. docs/energy.md, "Corners". */
#ifndef CIM_RUN_CORNERS_H
#define CIM_RUN_CORNERS_H

#include "models/config/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A named assumption set: KEY=VALUE overrides on the tech and baseline files, applied as
 * --set applies them (configs/corners.yaml; docs/energy.md, "Corners"). */
typedef struct {
    char name[48];
    char description[400];
    char source[700];          /* "" when the file gives none */
    char **set;                /* "KEY=VALUE", in file order */
    size_t nset;
} CimCorner;

typedef struct {
    char path[CIM_PATH_MAX];
    CimCorner *v;
    size_t n;
} CimCorners;

/* Reads a corners file: root key corners:, a mapping NAME: {description, source (optional),
 * set: {KEY: VALUE, ...} (optional, empty: the files as they are)}. Names are a-z, 0-9 and
 * '-', starting with a letter, not "all". The keys are checked when a run applies them
 * (cim_compare_check_override). Errors as the config loaders, at file:line:col. */
CimStatus cim_corners_load(const char *path, CimCorners *out, CimDiag *diag);
void cim_corners_free(CimCorners *cs);
/* A CimCfgKind checker (`dcim check`): the file loads and every key a corner sets starts
 * with a root dcim compare routes (run., chip., tech., analog., gpu., host.); keys and
 * values are checked in full when a run applies them (cim_compare_check_override). */
CimStatus cim_corners_check(const char *path, CimDiag *diag);
const CimCorner *cim_corners_find(const CimCorners *cs, const char *name);
/* As cim_corners_find; an unknown name is CIM_ERR_CONFIG naming every corner. */
CimStatus cim_corners_lookup(const CimCorners *cs, const char *name, const CimCorner **out, CimDiag *diag);

/* "no corner 'NAME'; expected one of: ..." for the first len characters of name. */
CimStatus cim_corners_unknown(const CimCorners *cs, const char *name, size_t len, CimDiag *diag);

#ifdef __cplusplus
}
#endif
#endif
