/* dcim train RUN.yaml: in-situ training with on-chip pruning, checkpoints and resume. */
#include "workloads/cli/cli.h"
#include "workloads/report/json.h"
#include "workloads/run/provenance.h"
#include "workloads/run/pointcloud.h"
#include "workloads/train/blas.h"
#include "workloads/train/pn_train.h"
#include "workloads/train/train.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static const char usage[] =
    "usage: dcim train RUN.yaml [options]\n"
    "Trains the run file's network (its train: group): forward binary convolutions on the\n"
    "simulated chip, host-side latent weights and Adam, pruning on chip after epochs.\n"
    "Writes checkpoint.safetensors (PyTorch state_dict names), optimizer.safetensors,\n"
    "metrics.jsonl (one line per epoch) and resume.safetensors into the run's results folder\n"
    "as one set (manifest.json last) at every epoch end; a resume point every\n"
    "run.train.checkpoint_every_batches batches (default 0: epoch ends only) and on Ctrl-C\n"
    "renews resume.safetensors in the set and keeps the last epoch's checkpoint.\n"
    "  --resume        continue from resume.safetensors (identical to an uninterrupted\n"
    "                  run of the same seed, after Ctrl-C or SIGKILL too)\n"
    "  --epochs N      --seed S      --learn reference|ste      --out DIR\n"
    "  --images N      training images per epoch      --eval-images N\n"
    "  --no-prune      train without pruning\n"
    "  --set KEY=VALUE any run./chip./tech. key\n"
    "  --quiet         no progress bar\n"
    "  --jobs N        MNIST networks: threads over a batch's images, 1 to 256 (default:\n"
    "                  the machine's cores); the results are identical for every N\n"
    "  --data PATH     point clouds: a ModelNet10 folder (train and test splits) or an\n"
    "                  HDF5 file of training clouds (default: run.data, the synthetic set)\n"
    "  --eval-data F   point clouds: the HDF5 file of test clouds that goes with --data F.h5\n"
    "Point-cloud networks (PointNet++, configs/runs/pointnet_train.yaml) train as the\n"
    "reference script does: batches of clouds (run.train.batch_size >= 2, no last batch of\n"
    "1), int8 1x1 convs with a straight-through backward (learn reference; ste scales it by\n"
    "the quantiser's slope so that pt_sa1 learns), BatchNorm in training mode, dropout;\n"
    "Euclidean pruning of the prune: true layers after each epoch; at most 1023 input\n"
    "channels per conv; set abstractions first, the last one group_all, then the head.\n"
    "For MNIST networks, ste trains every layer the network format has: binary convs\n"
    "(any odd kernel, same padding, stride 1), max-pools of any kernel, ReLU, flatten,\n"
    "linear layers with or without bias. Limits, checked at the start: at most 8 binary conv layers, at most\n"
    "1024 classes, MNIST data; no int8, BatchNorm or dropout layers (the network format\n"
    "has none). docs/training.md.\n"
    "Ctrl-C or SIGTERM stops after the current batch and leaves a resume point there.\n"
    CLI_EXIT_TEXT;

typedef struct {
    CliOverrides o;
    int resume, quiet;
    unsigned jobs;
    const char *path, *data, *eval_data;
} Args;

/* 0 parsed; -1 a message was printed; else the index of the argument that cannot be taken
 * (argc: no run file). */
static int parse(int argc, char **argv, Args *a)
{
    static const char *const map[][2] = {{"--epochs", "run.train.epochs"}, {"--seed", "run.seed"},
                                         {"--learn", "run.train.learn"},   {"--out", "run.out"},
                                         {"--images", "run.train.train_images"},
                                         {"--eval-images", "run.train.eval_images"}};
    for (int i = 1; i < argc; i++) {
        int t = cli_take_option(argc, argv, &i, map, sizeof map / sizeof map[0], &a->o);
        if (t < 0)
            return -1;
        if (t > 0)
            continue;
        if (strcmp(argv[i], "--resume") == 0)
            a->resume = 1;
        else if (strcmp(argv[i], "--no-prune") == 0) {
            if (cli_add_override(&a->o, "run.prune.enabled", "false") != 0)
                return -1;
        } else if (strcmp(argv[i], "--quiet") == 0)
            a->quiet = 1;
        else if ((strcmp(argv[i], "--data") == 0 || strcmp(argv[i], "--eval-data") == 0) && i + 1 < argc) {
            *(strcmp(argv[i], "--data") == 0 ? &a->data : &a->eval_data) = argv[i + 1];
            i++;
        } else if (strcmp(argv[i], "--jobs") == 0 && i + 1 < argc) {
            unsigned n;
            char end;
            if (sscanf(argv[++i], "%u%c", &n, &end) != 1 || n < 1 || n > CIM_TRAIN_MAX_JOBS) {
                fprintf(stderr, "dcim train: error: --jobs needs an integer from 1 to %d, got '%s'\n",
                        CIM_TRAIN_MAX_JOBS, argv[i]);
                return -1;
            }
            a->jobs = n;
        } else if (argv[i][0] != '-' && !a->path)
            a->path = argv[i];
        else
            return i;
    }
    return a->path ? 0 : argc;
}

static int dump_json(const void *o, FILE *f) { return json_dumpf(o, f, CIM_JSON_FLAGS) || fputc('\n', f) == EOF; }

/* What provenance.json needs across a training's sets: the configuration loaded and the
 * provenance block of the inputs (their SHA-256 taken once, not at every save point). */
typedef struct {
    const Args *a;
    CimRunCfg *run;
    CimChipCfg *chip;
    json_t *base; /* the provenance block without the checkpoint */
} Prov;

static void prov_free(Prov *pv)
{
    json_decref(pv->base);
    free(pv->run);
    free(pv->chip);
}

/* provenance.json (the provenance block, with the checkpoint's SHA-256, then the
 * invocation block) and the resolved configuration, into dir: the staging folder of a set of
 * out_dir (dcim train's sets, written before each commit), or out_dir itself. */
static CimStatus write_provenance(Prov *pv, const char *dir, const char *out_dir, CimDiag *d)
{
    CimStatus st = CIM_OK;
    if (!pv->base) {
        CimOverrides ov = {.items = pv->a->o.ov, .n = pv->a->o.n};
        if (!pv->run)
            pv->run = calloc(1, sizeof *pv->run);
        if (!pv->chip)
            pv->chip = calloc(1, sizeof *pv->chip);
        st = pv->run && pv->chip ? cim_run_cfg_load_all(pv->a->path, &ov, pv->run, pv->chip, d) : CIM_ERR_NOMEM;
        if (st == CIM_OK && !(pv->base = cim_run_provenance(pv->run, pv->chip, NULL))) {
            cim_diag_add(d, CIM_SEV_ERROR, NULL, 0, 0, "out of memory while recording the provenance");
            st = CIM_ERR_NOMEM;
        }
    }
    json_t *p = NULL, *o = NULL;
    if (st == CIM_OK) {
        char ck[CIM_PATH_MAX + 32], staged[CIM_PATH_MAX + 32];
        snprintf(ck, sizeof ck, "%s/checkpoint.safetensors", out_dir);
        snprintf(staged, sizeof staged, "%s/checkpoint.safetensors", dir);
        json_t *inv = cim_run_invocation(pv->a->path, out_dir);
        if (!(p = json_deep_copy(pv->base)) || !inv ||
            json_object_set_new(json_object_get(p, "files"), "checkpoint", cim_run_file_entry_as(ck, staged)) != 0 ||
            !(o = json_pack("{s:O, s:O}", "provenance", p, "invocation", inv))) {
            cim_diag_add(d, CIM_SEV_ERROR, NULL, 0, 0, "out of memory while recording the provenance");
            st = CIM_ERR_NOMEM;
        }
        json_decref(inv);
    }
    if (st == CIM_OK)
        st = cim_report_write_file(dir, "provenance.json", dump_json, o, d);
    if (st == CIM_OK)
        st = cim_run_write_resolved(pv->run, pv->chip, dir, d);
    json_decref(o);
    json_decref(p);
    return st;
}

static CimStatus stage_provenance(void *ctx, const char *stage_dir, const char *out_dir, CimDiag *d)
{
    return write_provenance(ctx, stage_dir, out_dir, d);
}

int cli_train(int argc, char **argv)
{
    Args a = {0};
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        }
    if (cli_overrides_init(&a.o, argc) != 0)
        return 1;
    int bad = parse(argc, argv, &a);
    if (bad != 0) {
        if (bad > 0)
            cli_usage_error(usage, argc, argv, bad, "run file", a.path);
        cli_overrides_free(&a.o);
        return 2;
    }
    Prov prov = {.a = &a};
    CimTrainOptions o = {.job = {.run_path = a.path, .overrides = a.o.ov, .noverrides = a.o.n,
                                 .progress = !a.quiet, .stop = cli_catch_stop(), .jobs = a.jobs},
                         .resume = a.resume, .stage_extra = stage_provenance, .stage_ctx = &prov};
    CimTrainReport rep;
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st;
    /* OpenBLAS's fastest kernels for this CPU, for every network (workloads/train/blas.h);
     * main passes argv + 1 (workloads/cli/dcim.c): argv - 1 is the whole command line */
    cim_blas_fast_kernels(argv - 1);
    int pn = cim_pn_job_wanted(&o.job);
    if (pn < 0) {
        cim_diag_add(&d, CIM_SEV_ERROR, a.path, 0, 0, "out of memory");
        st = CIM_ERR_NOMEM;
        memset(&rep, 0, sizeof rep);
    } else if (pn)
        st = cim_pn_train_run(&o, a.data, a.eval_data, &rep, &d);
    else if (a.data || a.eval_data) {
        cim_diag_add(&d, CIM_SEV_ERROR, a.path, 0, 0, "--data and --eval-data are for point-cloud networks; an MNIST "
                     "run reads run.data.dir");
        st = CIM_ERR_CONFIG;
        memset(&rep, 0, sizeof rep);
    } else
        st = cim_train_run(&o, &rep, &d);
    if (st == CIM_OK && pn > 0) /* point-cloud training writes run.out directly, not as sets */
        st = write_provenance(&prov, rep.out_dir, rep.out_dir, &d);
    cim_diag_print(&d, stderr);
    int rc = 1;
    if (st == CIM_OK && rep.status == CIM_RUN_COMPLETE) {
        printf("done: %s/checkpoint.safetensors, %s/metrics.jsonl, %s/provenance.json\n", rep.out_dir, rep.out_dir,
               rep.out_dir);
        rc = 0;
    } else if (st == CIM_OK) {
        fprintf(stderr, "dcim train: %s\n", rep.reason);
        rc = 3;
    } else if (!d.errors) {
        fprintf(stderr, "dcim train: error: %s\n", cim_status_str(st));
    }
    cim_diag_free(&d);
    cim_train_report_free(&rep);
    prov_free(&prov);
    cli_overrides_free(&a.o);
    return rc;
}
