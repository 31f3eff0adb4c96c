/* dcim train RUN.yaml: in-situ training with on-chip pruning, checkpoints and resume. */
#include "workloads/cli/cli.h"
#include "workloads/train/train.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static const char usage[] =
    "usage: dcim train RUN.yaml [options]\n"
    "Trains the run file's network (its train: group): forward binary convolutions on the\n"
    "simulated chip, host-side latent weights and Adam, pruning on chip after epochs.\n"
    "Writes checkpoint.safetensors (PyTorch state_dict names), optimizer.safetensors and\n"
    "metrics.jsonl (one line per epoch) into the run's results folder after every epoch,\n"
    "and resume.safetensors there at every epoch end, every\n"
    "run.train.checkpoint_every_batches batches (default 0: epoch ends only) and on Ctrl-C.\n"
    "  --resume        continue from resume.safetensors (identical to an uninterrupted\n"
    "                  run of the same seed, after Ctrl-C or SIGKILL too)\n"
    "  --epochs N      --seed S      --learn reference|ste      --out DIR\n"
    "  --images N      training images per epoch      --eval-images N\n"
    "  --no-prune      train without pruning\n"
    "  --set KEY=VALUE any run./chip./tech. key\n"
    "  --quiet         no progress bar\n"
    "  --jobs N        threads over a batch's images, 1 to 256 (default: the machine's\n"
    "                  cores); the results are identical for every N\n"
    "ste trains every layer the network format has: binary convs (any odd kernel, same\n"
    "padding, stride 1), max-pools of any kernel, ReLU, flatten, linear layers with or\n"
    "without bias. Limits, checked at the start: at most 8 binary conv layers, at most\n"
    "1024 classes, MNIST data; no int8, BatchNorm or dropout layers (the network format\n"
    "has none). docs/training.md.\n"
    "Ctrl-C or SIGTERM stops after the current batch and leaves a resume point there.\n"
    CLI_EXIT_TEXT;

typedef struct {
    CliOverrides o;
    int resume, quiet;
    unsigned jobs;
    const char *path;
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
        else if (strcmp(argv[i], "--jobs") == 0 && i + 1 < argc) {
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
    CimTrainOptions o = {.job = {.run_path = a.path, .overrides = a.o.ov, .noverrides = a.o.n,
                                 .progress = !a.quiet, .stop = cli_catch_stop(), .jobs = a.jobs},
                         .resume = a.resume};
    CimTrainReport rep;
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_train_run(&o, &rep, &d);
    cim_diag_print(&d, stderr);
    int rc = 1;
    if (st == CIM_OK && rep.status == CIM_RUN_COMPLETE) {
        printf("done: %s/checkpoint.safetensors, %s/metrics.jsonl\n", rep.out_dir, rep.out_dir);
        rc = 0;
    } else if (st == CIM_OK) {
        fprintf(stderr, "dcim train: %s\n", rep.reason);
        rc = 3;
    } else if (!d.errors) {
        fprintf(stderr, "dcim train: error: %s\n", cim_status_str(st));
    }
    cim_diag_free(&d);
    cim_train_report_free(&rep);
    cli_overrides_free(&a.o);
    return rc;
}
