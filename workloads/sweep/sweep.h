/* dcim sweep: a `run` or `compare` job over any keys of the run, chip, tech and baseline
 * files (the key paths of --set), each point in its own results folder, summarised as
 * sweep.csv, sweep.json and report.html (docs/sweep.md).
 *
 * A sweep is a product of factors; each factor is a list of tuples of KEY=VALUE
 * assignments: a grid key (one key, its values), a linked group (several keys zipped, one
 * tuple per position), explicit points, or a random / Latin-hypercube sample. Point i is
 * decoded mixed-radix over the factors in the order they were given (the first factor
 * varies slowest), so the point list, and each point's index, follows from the definition
 * alone. The definition's SHA-256 (command, files with their SHA-256, fixed overrides and
 * every point) identifies the sweep: shards of another sweep are refused when merged. */
#ifndef CIM_SWEEP_H
#define CIM_SWEEP_H

#include <jansson.h>
#include <signal.h>

#include "models/config/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most points in one sweep, and most swept keys. */
#define CIM_SWEEP_MAX_POINTS 1000000
#define CIM_SWEEP_MAX_KEYS 64

typedef enum { CIM_SWEEP_RUN, CIM_SWEEP_COMPARE } CimSweepCommand;
#define CIM_SWEEP_COMMANDS "run,compare"

typedef struct {
    const char *kind; /* "grid", "linked", "points", "random", "lhs" (static) */
    char **keys;      /* nkeys */
    char **vals;      /* ntuples x nkeys, row-major; NULL: the tuple leaves that key alone */
    size_t nkeys, ntuples;
} CimSweepFactor;

/* One key of a sample: a numeric range [lo, hi] (integers when integer is 1) or a list of
 * choices. */
typedef struct {
    const char *key;
    double lo, hi;
    int integer;
    const char *const *choices; /* NULL: a range */
    size_t nchoices;
} CimSweepSampleKey;

typedef struct {
    CimSweepCommand command;
    char run[CIM_PATH_MAX], analog[CIM_PATH_MAX], gpu[CIM_PATH_MAX]; /* analog, gpu: "" = default */
    char out[CIM_PATH_MAX];                                        /* "" = not given */
    char metric[CIM_NAME_MAX];                                     /* "" = the command's default */
    char pareto_x[CIM_NAME_MAX], pareto_y[CIM_NAME_MAX];           /* "" = defaults */
    char **sets; /* fixed KEY=VALUE overrides of every point */
    size_t nsets;
    CimSweepFactor *f;
    size_t nf;
    /* Set by cim_sweep_def_finish: */
    const char *keys[CIM_SWEEP_MAX_KEYS]; /* every swept key, in factor order */
    size_t nkeys;
    size_t npoints;
    char sha256[65];
} CimSweepDef;

void cim_sweep_def_init(CimSweepDef *d);
void cim_sweep_def_free(CimSweepDef *d);
/* Adders; CIM_ERR_NOMEM, or CIM_ERR_CONFIG with a message in diag. */
CimStatus cim_sweep_def_set(CimSweepDef *d, const char *item, CimDiag *diag);
CimStatus cim_sweep_def_add_grid(CimSweepDef *d, const char *key, const char *const *vals, size_t n, CimDiag *diag);
/* 1 when a factor of nkeys x ntuples is within the limits (at most CIM_SWEEP_MAX_KEYS keys
 * and CIM_SWEEP_MAX_POINTS values in all), else 0 with an error in diag (NULL: none). */
int cim_sweep_def_fits(size_t nkeys, size_t ntuples, CimDiag *diag);
/* A new factor of nkeys x ntuples empty values (NULL: out of memory, or not within
 * cim_sweep_def_fits); fill it with cim_sweep_def_factor_set. */
CimSweepFactor *cim_sweep_def_add_factor(CimSweepDef *d, const char *kind, size_t nkeys, size_t ntuples);
CimStatus cim_sweep_def_factor_set(CimSweepFactor *f, size_t tuple, size_t key_index, const char *key,
                                   const char *val);
/* A random ("random") or Latin-hypercube ("lhs") sample of count points from seed. */
CimStatus cim_sweep_def_add_sample(CimSweepDef *d, const char *method, size_t count, uint64_t seed,
                                   const CimSweepSampleKey *keys, size_t nkeys, CimDiag *diag);
/* Checks the whole definition (a run file, at least one factor, every key known to its
 * file kind's schema and swept once, at most CIM_SWEEP_MAX_POINTS points) and computes
 * npoints, keys and sha256. The run file is read for its SHA-256. */
CimStatus cim_sweep_def_finish(CimSweepDef *d, CimDiag *diag);
/* Loads a sweep file (docs/sweep.md): errors as file:line:col. Paths in it are relative to
 * its folder. */
CimStatus cim_sweep_def_load(const char *path, CimSweepDef *d, CimDiag *diag);
/* The assignments of point i (< npoints): up to CIM_SWEEP_MAX_KEYS key/value pairs, in
 * key order of d->keys (a key a point leaves alone has value NULL). */
void cim_sweep_def_point(const CimSweepDef *d, size_t i, const char **vals);
/* The default metric and Pareto axes of the command (when the definition names none). */
const char *cim_sweep_metric(const CimSweepDef *d);
const char *cim_sweep_pareto_x(const CimSweepDef *d);
const char *cim_sweep_pareto_y(const CimSweepDef *d);

typedef struct {
    const char *out;      /* the sweep folder */
    const char *exe;      /* the dcim binary the points run with */
    unsigned jobs;        /* points at once, >= 1 */
    unsigned shard, nshards; /* this process runs the points i with i % nshards == shard - 1; 0/0: all */
    int progress, retry_failed;
    volatile sig_atomic_t *stop; /* set: start no more points, let running ones end */
} CimSweepExecOptions;

typedef struct {
    size_t points; /* in this shard */
    size_t ran, skipped, failed, not_run;
    double wall_s;
} CimSweepSummary;

/* Runs the points of (the shard of) d that have no complete result in o->out, o->jobs at
 * once, each as a child process `dcim run|compare ... --out OUT/points/NNNNNN`, and
 * records each in OUT/points/NNNNNN/point.json (written atomically, last): its values,
 * status, error and headline numbers. Then writes sweep.json, sweep.csv and report.html
 * of the shard's points into OUT as one results set. A point that fails is recorded and
 * the sweep goes on. CIM_OK unless the sweep itself could not run or write. */
CimStatus cim_sweep_exec(const CimSweepDef *d, const CimSweepExecOptions *o, CimSweepSummary *sum, CimDiag *diag);

/* Combines the sweep.json of shard folders dirs[n] (same definition SHA-256, each point in
 * one shard) into OUT's sweep.json, sweep.csv and report.html. A point no shard holds is
 * recorded with status "missing". *failed: points not ok (missing included). */
CimStatus cim_sweep_merge(const char *out, const char *const *dirs, size_t n, size_t *failed, CimDiag *diag);

/* The headline numbers of a point's results folder (stats.json of a run, compare.json of a
 * compare) as an object of name -> number, the unit in each name; NULL if the file is
 * missing or not JSON. */
json_t *cim_sweep_metrics(CimSweepCommand c, const char *dir);

/* Writes sweep.json, sweep.csv and report.html into dir as one results set, from the
 * header object (sha256, command, keys, npoints, metric, pareto_x, pareto_y ...) and the
 * rows (sorted by index here). Takes no references. */
CimStatus cim_sweep_write_tables(json_t *header, json_t *rows, const char *dir, CimDiag *diag);

/* The invocation block of a sweep's tables: command line, host, start and wall time. */
json_t *cim_sweep_invocation(void);

/* The Pareto front (both coordinates minimised) of n points: front[i] = 1 for a point no
 * other point is at least as good as in both coordinates and better in one. NaN points are
 * never on it. */
void cim_sweep_pareto(const double *x, const double *y, size_t n, unsigned char *front);

#ifdef __cplusplus
}
#endif
#endif
