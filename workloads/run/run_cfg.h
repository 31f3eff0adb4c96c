/* The run file (configs/runs/NAME.yaml, root run:): which chip, network, weights and data,
 * how closely to simulate, how to prune and train. Its key table (run_cfg.c) is the one home
 * of every run key's type, range and default; docs/config.md shows it (`make docs`). */
#ifndef CIM_RUN_CFG_H
#define CIM_RUN_CFG_H

#include "models/config/config.h"
#include "workloads/compile/compile.h"
#include "workloads/prune/prune.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How closely the chip is simulated: fast, the word-parallel path with the program path's
 * outputs and counts (workloads/exec/fast.h); program, every controller program on the
 * cycle-stepped model; cycle, the SystemC model (sim/); reference, no chip: the host
 * reference of a point-cloud network (workloads/pointnet). */
typedef enum {
    CIM_FIDELITY_FAST,
    CIM_FIDELITY_PROGRAM,
    CIM_FIDELITY_CYCLE,
    CIM_FIDELITY_REFERENCE,
    CIM_FIDELITY_COUNT
} CimFidelity;
#define CIM_FIDELITY_NAMES "fast,program,cycle,reference" /* run.fidelity, in enum order */

/* The data set's file format (docs/formats.md): MNIST IDX files (image networks); the
 * synthetic shape set, an HDF5 file or a ModelNet folder of OFF meshes (point clouds). */
typedef enum { CIM_DATA_MNIST, CIM_DATA_SYNTHETIC, CIM_DATA_HDF5, CIM_DATA_MODELNET, CIM_DATA_FORMAT_COUNT } CimDataFormat;
#define CIM_DATA_FORMAT_NAMES "mnist,synthetic,hdf5,modelnet" /* run.data.format, in enum order */

/* Which part of the data set is run: MNIST's t10k and train (each name is its files'
 * prefix, t10k-images-idx3-ubyte); point-cloud sets' test and train. */
typedef enum { CIM_SPLIT_T10K, CIM_SPLIT_TRAIN, CIM_SPLIT_TEST, CIM_SPLIT_COUNT } CimDataSplit;
#define CIM_SPLIT_NAMES "t10k,train,test" /* run.data.split, in enum order */

/* Conv weight gradients in training: reference, none (the script's binarisation passes no
 * gradient); ste, the clipped straight-through estimator (docs/training.md). */
typedef enum { CIM_LEARN_REFERENCE, CIM_LEARN_STE, CIM_LEARN_COUNT } CimLearn;
#define CIM_LEARN_NAMES "reference,ste" /* run.train.learn, in enum order */

typedef struct {
    CimDataFormat format;
    char dir[CIM_PATH_MAX];        /* resolved relative to the run file */
    CimDataSplit split;
    unsigned images;               /* the run checks it against the data set */
    unsigned fps_start;            /* point clouds: FPS start index */
} CimRunDataCfg;

typedef enum { CIM_PRUNE_DIST_FLOAT, CIM_PRUNE_DIST_CHIP, CIM_PRUNE_DIST_COUNT } CimPruneDist;
#define CIM_PRUNE_DIST_NAMES "float,chip" /* run.prune.distance, in enum order */

typedef struct {
    int enabled;
    double threshold_b;            /* a pair is close when d < mean - threshold_b * variance */
    double threshold_c;            /* pruned when in more than threshold_c * (N - 1) close pairs */
    CimPruneMode participation;    /* which filters take part in a round */
    CimPruneDist distance;         /* point clouds: float weights or the chip's code distances */
    unsigned rounds;
    unsigned keep_min_filters;     /* guard: live filters a round leaves at least (0: off) */
    double warn_share;             /* warn when a round leaves this share of a layer pruned */
} CimRunPruneCfg;

/* Point-cloud training: the tensor each int8 conv's input is quantised over (docs/training.md):
 * cloud, each cloud's own (the chip's semantics); batch, the whole batch (the reference script). */
typedef enum { CIM_QUANT_CLOUD, CIM_QUANT_BATCH, CIM_QUANT_COUNT } CimQuantScope;
#define CIM_QUANT_NAMES "cloud,batch" /* run.train.quantise, in enum order */

typedef struct {
    double learning_rate;          /* Adam */
    unsigned epochs;
    unsigned batch_size;
    CimLearn learn;
    unsigned prune_every;          /* epochs between pruning rounds; 0 = never */
    unsigned train_images, eval_images;
    double ste_clip;               /* |latent| window where d sign(v)/dv = 1 */
    unsigned checkpoint_every_batches; /* resume points inside an epoch; 0 = epoch ends only */
    CimQuantScope quantise;        /* point clouds: what an int8 conv's input is quantised over */
    unsigned bn_recalibrate;       /* point clouds: training clouds re-estimating BatchNorm statistics before each evaluation (0: off) */
} CimRunTrainCfg;

typedef struct {
    char name[CIM_NAME_MAX];
    char chip_path[CIM_PATH_MAX];     /* paths: resolved relative to the run file */
    char network_path[CIM_PATH_MAX];
    char weights_path[CIM_PATH_MAX];  /* "": seeded random weights */
    uint64_t seed;
    CimFidelity fidelity;
    CimPrunedMode pruned_filters;     /* what a pruned filter outputs */
    char out_dir[CIM_PATH_MAX];       /* results folder */
    CimRunDataCfg data;
    CimRunPruneCfg prune;
    int has_train;                    /* 1: the file has a train: group */
    CimRunTrainCfg train;             /* zero when has_train is 0 */
} CimRunCfg;

/* The key table of run files, offsets into CimRunCfg. */
extern const CimCfgSchema cim_run_schema;

/* Loads a run file. Paths in the file are relative to its directory and stored resolved
 * (an absolute path as it is); paths from overrides are taken as written (relative to the
 * working directory). Referenced files are not opened here. Overrides must all start with
 * "run.". Errors as cim_cfg_load; out is fully written only on CIM_OK. */
CimStatus cim_run_cfg_load(const char *path, const CimOverrides *ov, CimRunCfg *out, CimDiag *diag);
/* Validates one run file (a CimCfgKind checker for `dcim check`). */
CimStatus cim_run_cfg_check(const char *path, CimDiag *diag);
/* The documented defaults: configs/runs/mnist_bnn.yaml, paths resolved from the
 * repository root; has_train is 0 and train holds the train defaults. */
void cim_run_cfg_defaults(CimRunCfg *out);

/* The schemas whose keys a run's overrides name, in the order messages list them (run,
 * chip, tech), NULL-terminated. */
extern const CimCfgSchema *const cim_run_roots[];
/* 1 when an override item ("chip.array.rows=128") is for a run: under one of cim_run_roots. */
int cim_run_cfg_owns(const char *item);
/* Loads the run file and the chip file it names (with its tech file), giving run.* overrides
 * to the run file and chip.* and tech.* ones to the chip; any other item is an error:
 *   <override>: error: override 'foo=1': keys start with run., chip. or tech.
 * Errors as cim_cfg_load; run is written once the run file is valid, chip once both are. */
CimStatus cim_run_cfg_load_all(const char *path, const CimOverrides *ov, CimRunCfg *run, CimChipCfg *chip,
                               CimDiag *diag);

#ifdef __cplusplus
}
#endif
#endif
