/* The run file's key table and loaders. Defaults equal configs/runs/mnist_bnn.yaml (the
 * train group: mnist_train.yaml); enum choices are the names their owners declare; the run
 * table of docs/config.md is generated from this one (`make docs`). */
#include "workloads/run/run_cfg.h"

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(CimFidelity) == sizeof(int) && sizeof(CimPrunedMode) == sizeof(int) &&
                   sizeof(CimDataFormat) == sizeof(int) && sizeof(CimDataSplit) == sizeof(int) &&
                   sizeof(CimPruneMode) == sizeof(int) && sizeof(CimLearn) == sizeof(int) &&
                   sizeof(CimPruneDist) == sizeof(int),
               "enum keys are stored as int");

#define R(f) offsetof(CimRunCfg, f)

static const CimCfgKey run_keys[] = {
    /* path                     type            rule              lo hi                     unit      field                   default                                choices                description */
    CIM_CFG_GROUP("run", "one simulation or training run: chip, network, weights, data, pruning"),
    {"run.name",                CIM_CFG_STRING, CIM_CFG_ANY,      0, 0,                     "",       R(name),                "mnist_bnn",                           NULL,                  "name shown in reports"},
    {"run.chip",                CIM_CFG_PATH,   CIM_CFG_ANY,      0, 0,                     "",       R(chip_path),           "../chip/default.yaml",                NULL,                  "chip file (`chip:`), relative to this file"},
    {"run.network",             CIM_CFG_PATH,   CIM_CFG_ANY,      0, 0,                     "",       R(network_path),        "../../workloads/nets/mnist_bnn.yaml", NULL,                  "network file (docs/network.md), relative to this file"},
    {"run.weights",             CIM_CFG_PATH,   CIM_CFG_EMPTY_OK, 0, 0,                     "",       R(weights_path),        "",                                    NULL,                  "safetensors weights with PyTorch state_dict names (docs/formats.md), relative to this file; `\"\"` (quoted): random weights drawn from `seed`, PyTorch's default initialisation"},
    {"run.seed",                CIM_CFG_U64,    CIM_CFG_ANY,      0, 0,                     "",       R(seed),                "1",                                   NULL,                  "seed of the random weights and of every other random choice of the run"},
    {"run.fidelity",            CIM_CFG_ENUM,   CIM_CFG_ANY,      0, CIM_FIDELITY_COUNT,    "",       R(fidelity),            "fast",                                CIM_FIDELITY_NAMES,    "`fast`: word-parallel evaluation with the program path's outputs and counts (needs `chip.physics.enabled: false`); `program`: every controller instruction executed on the chip model; `cycle`: the SystemC model (`sim/`). docs/compiler.md; `reference`: no chip, the host reference of a point-cloud network (docs/network.md)"},
    {"run.pruned_filters",      CIM_CFG_ENUM,   CIM_CFG_ANY,      0, CIM_PRUNED_COUNT,      "",       R(pruned_filters),      "reference",                           CIM_PRUNED_NAMES,      "`reference`: a pruned filter still has the reference script's all -1 output; `skip`: it outputs 0. Neither costs array operations"},
    {"run.out",                 CIM_CFG_PATH,   CIM_CFG_ANY,      0, 0,                     "",       R(out_dir),             "../../results/mnist_bnn",             NULL,                  "results folder (stats.json, per-layer CSV, report), relative to this file"},
    CIM_CFG_GROUP("run.data", "the data set"),
    {"run.data.format",         CIM_CFG_ENUM,   CIM_CFG_ANY,      0, CIM_DATA_FORMAT_COUNT, "",       R(data.format),         "mnist",                               CIM_DATA_FORMAT_NAMES, "data set format (docs/formats.md): `mnist` (IDX files, image networks); `synthetic` (the built-in shape set), `hdf5` (a file) or `modelnet` (a folder of OFF meshes) for point-cloud networks"},
    {"run.data.dir",            CIM_CFG_PATH,   CIM_CFG_EMPTY_OK, 0, 0,                     "",       R(data.dir),            "../../data/mnist",                    NULL,                  "folder of the data files (`hdf5`: the file), relative to this file; `\"\"` with `synthetic`, which reads no file"},
    {"run.data.split",          CIM_CFG_ENUM,   CIM_CFG_ANY,      0, CIM_SPLIT_COUNT,       "",       R(data.split),          "t10k",                                CIM_SPLIT_NAMES,       "which part of the data set is run: MNIST `t10k` or `train` (the name is its files' prefix); point clouds `test` or `train`"},
    {"run.data.images",         CIM_CFG_UINT,   CIM_CFG_CLOSED,   1, UINT_MAX,              "images", R(data.images),         "10000",                               NULL,                  "images (point clouds) to run, from the first; more than the split holds is an error when the run starts"},
    {"run.data.fps_start",      CIM_CFG_UINT,   CIM_CFG_ANY,      0, 0,                     "",       R(data.fps_start),      "0",                                   NULL,                  "point clouds: the index farthest point sampling starts from in every set abstraction (the reference draws it at random per cloud)"},
    CIM_CFG_GROUP("run.prune", "on-chip filter pruning, the paper's rule (docs/pruning.md)"),
    {"run.prune.enabled",       CIM_CFG_BOOL,   CIM_CFG_ANY,      0, 0,                     "",       R(prune.enabled),       "true",                                NULL,                  "prune on chip before running"},
    {"run.prune.threshold_b",   CIM_CFG_DOUBLE, CIM_CFG_ANY,      0, 0,                     "",       R(prune.threshold_b),   "0.146",                               NULL,                  "a pair of filters is close when its distance is below mean - threshold_b x variance"},
    {"run.prune.threshold_c",   CIM_CFG_DOUBLE, CIM_CFG_ANY,      0, 0,                     "",       R(prune.threshold_c),   "0.15",                                NULL,                  "a filter is pruned when it is in more than threshold_c x (N - 1) close pairs"},
    {"run.prune.participation", CIM_CFG_ENUM,   CIM_CFG_ANY,      0, CIM_PRUNE_MODE_COUNT,  "",       R(prune.participation), "reference",                           CIM_PRUNE_MODE_NAMES,  "which filters take part in a round: `reference`, those with sum(sign(w)) != 0, as the script; `live`, every filter not yet pruned"},
    {"run.prune.distance",    CIM_CFG_ENUM,   CIM_CFG_ANY,      0, CIM_PRUNE_DIST_COUNT,  "",       R(prune.distance),      "float",                               CIM_PRUNE_DIST_NAMES,  "point-cloud networks: `float`, the reference's distances on the float weights (host); `chip`, distances of the int8 weight codes from their Gram matrix measured by the chip (docs/pruning.md); image networks compare binary filters by Hamming distance on the chip and take `float` only"},
    {"run.prune.rounds",        CIM_CFG_UINT,   CIM_CFG_CLOSED,   1, 100,                   "",       R(prune.rounds),        "1",                                   NULL,                  "pruning rounds (pruned filters stay pruned)"},
    {"run.prune.keep_min_filters", CIM_CFG_UINT, CIM_CFG_CLOSED,  0, 65536,                 "",       R(prune.keep_min_filters), "0",                               NULL,                  "guard outside the paper's rule: a round never leaves a layer with fewer live filters (the least redundant are kept); 0: off, the rule exact"},
    {"run.prune.warn_share",    CIM_CFG_DOUBLE, CIM_CFG_OPEN_LO,  0, 1,                     "",       R(prune.warn_share),    "1",                                   NULL,                  "warn when pruning leaves at least this share of a layer's filters pruned (1: only when all are)"},
    {"run.train",               CIM_CFG_MAP,    CIM_CFG_OPTIONAL, 0, 0,                     "",       R(has_train),           NULL,                                  NULL,                  "in-situ training (docs/training.md); leave the group out to run inference only"},
    {"run.train.learning_rate", CIM_CFG_DOUBLE, CIM_CFG_POS,      0, 0,                     "",       R(train.learning_rate), "0.001",                               NULL,                  "Adam learning rate"},
    {"run.train.epochs",        CIM_CFG_UINT,   CIM_CFG_CLOSED,   1, 10000,                 "",       R(train.epochs),        "2",                                   NULL,                  "passes over the training images"},
    {"run.train.batch_size",    CIM_CFG_UINT,   CIM_CFG_CLOSED,   1, 65536,                 "images", R(train.batch_size),    "64",                                  NULL,                  "images per optimiser step"},
    {"run.train.learn",         CIM_CFG_ENUM,   CIM_CFG_ANY,      0, CIM_LEARN_COUNT,       "",       R(train.learn),         "reference",                           CIM_LEARN_NAMES,       "conv weight gradients: `reference`, none (the script's binarisation passes no gradient); `ste`, the clipped straight-through estimator"},
    {"run.train.prune_every",   CIM_CFG_UINT,   CIM_CFG_ANY,      0, 0,                     "epochs", R(train.prune_every),   "1",                                   NULL,                  "epochs between on-chip pruning rounds; 0 = never"},
    {"run.train.train_images",  CIM_CFG_UINT,   CIM_CFG_CLOSED,   1, UINT_MAX,              "images", R(train.train_images),  "60000",                               NULL,                  "training images per epoch, from the first of the `train` split"},
    {"run.train.eval_images",   CIM_CFG_UINT,   CIM_CFG_CLOSED,   1, UINT_MAX,              "images", R(train.eval_images),   "10000",                               NULL,                  "test images evaluated after each epoch"},
    {"run.train.ste_clip",      CIM_CFG_DOUBLE, CIM_CFG_POS,      0, 0,                     "",       R(train.ste_clip),      "1",                                   NULL,                  "`ste`: the gradient passes where |latent| <= ste_clip"},
    {"run.train.checkpoint_every_batches", CIM_CFG_UINT, CIM_CFG_ANY, 0, 0,              "batches", R(train.checkpoint_every_batches), "0",                     NULL,                  "also write resume.safetensors every this many batches inside an epoch, so --resume continues from the last one; 0 = at epoch ends only"},
    {"run.train.quantise",      CIM_CFG_ENUM,   CIM_CFG_ANY,      0, CIM_QUANT_COUNT,       "",       R(train.quantise),      "cloud",                               CIM_QUANT_NAMES,       "point-cloud training: each int8 conv's input is quantised per `cloud` (the chip's semantics, as evaluation and `dcim run`) or over the whole `batch` (the reference script)"},
    {"run.train.bn_recalibrate", CIM_CFG_UINT,  CIM_CFG_ANY,      0, 0,                     "clouds", R(train.bn_recalibrate), "0",                           NULL,                  "point-cloud training, outside the reference: before each evaluation, every BatchNorm's running mean and variance are re-estimated for the current weights as the average over this many training clouds in training mode (precise BatchNorm, docs/training.md); 0: off, the running averages of training as the script"},
};

const CimCfgSchema cim_run_schema = {.root = "run", .keys = run_keys, .n = sizeof run_keys / sizeof run_keys[0],
                                     .size = sizeof(CimRunCfg), .fill_defaults = 1};

const CimCfgSchema *const cim_run_roots[] = {&cim_run_schema, &cim_cfg_schema_chip, &cim_cfg_schema_tech, NULL};

CimStatus cim_run_cfg_load(const char *path, const CimOverrides *ov, CimRunCfg *out, CimDiag *diag)
{
    return cim_cfg_load(path, &cim_run_schema, ov, out, diag);
}

CimStatus cim_run_cfg_check(const char *path, CimDiag *diag)
{
    CimRunCfg r;
    return cim_run_cfg_load(path, NULL, &r, diag);
}

void cim_run_cfg_defaults(CimRunCfg *out)
{
    cim_cfg_schema_defaults(&cim_run_schema, "configs/runs/mnist_bnn.yaml", out);
}

int cim_run_cfg_owns(const char *item)
{
    for (const CimCfgSchema *const *s = cim_run_roots; *s; s++)
        if (cim_cfg_item_in(item, *s))
            return 1;
    return 0;
}

CimStatus cim_run_cfg_load_all(const char *path, const CimOverrides *ov, CimRunCfg *run, CimChipCfg *chip,
                               CimDiag *diag)
{
    size_t n = ov ? ov->n : 0, nr = 0, nc = 0;
    const char **run_ov = calloc(n + 1, sizeof *run_ov), **chip_ov = calloc(n + 1, sizeof *chip_ov);
    CimStatus st = run_ov && chip_ov ? CIM_OK : CIM_ERR_NOMEM;
    for (size_t i = 0; st == CIM_OK && i < n; i++) {
        const char *item = ov->items[i] ? ov->items[i] : "";
        if (cim_cfg_item_in(item, &cim_run_schema))
            run_ov[nr++] = item;
        else if (cim_run_cfg_owns(item))
            chip_ov[nc++] = item;
        else {
            char roots[128];
            size_t nroots = 0;
            while (cim_run_roots[nroots])
                nroots++;
            cim_diag_add(diag, CIM_SEV_ERROR, "<override>", 0, 0, "override '%s': keys start with %s", item,
                         cim_cfg_roots_text(cim_run_roots, nroots, roots, sizeof roots));
            st = CIM_ERR_CONFIG;
        }
    }
    CimOverrides ro = {.items = run_ov, .n = nr}, co = {.items = chip_ov, .n = nc};
    if (st == CIM_OK)
        st = cim_run_cfg_load(path, &ro, run, diag);
    if (st == CIM_OK)
        st = cim_cfg_load_chip(run->chip_path, &co, chip, diag);
    free(run_ov);
    free(chip_ov);
    return st;
}
