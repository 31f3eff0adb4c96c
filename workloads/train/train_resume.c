/* The resume point of dcim train: resume.safetensors holds everything a run needs to
 * continue as if it had never stopped (weights, Adam state, the chip's cells, the epoch in
 * progress and its running sums and on-chip tallies), written as part of run.out's set at
 * every epoch end, every run.train.checkpoint_every_batches batches and on Ctrl-C.
 * docs/training.md. */
#include "workloads/train/train_impl.h"
#include "workloads/io/safetensors.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESUME_FILE "resume.safetensors"
#define TALLY_WORDS (sizeof(CimLayerTally) / sizeof(uint64_t))
_Static_assert(sizeof(CimLayerTally) % sizeof(uint64_t) == 0, "CimLayerTally is stored as 64-bit words");

/* The chip's cells as [macros][rows][words]: RRAM keeps them when the host stops, so the
 * resumed chip must start from them (a write's cost depends on what the cells held). */
static uint64_t *chip_cells(Trainer *t, size_t shape[3])
{
    CimChip *chip = t->job.chip;
    CimArray *a0 = cim_chip_macro(chip, 0)->arr;
    shape[0] = cim_chip_macros(chip);
    shape[1] = cim_array_rows(a0);
    shape[2] = (cim_array_cols(a0) + 63) / 64;
    uint64_t *cells = malloc(shape[0] * shape[1] * shape[2] * sizeof *cells);
    for (size_t m = 0; cells && m < shape[0]; m++)
        for (size_t r = 0; r < shape[1]; r++)
            memcpy(cells + (m * shape[1] + r) * shape[2], cim_array_row_state(cim_chip_macro(chip, (unsigned)m)->arr,
                                                                             (unsigned)r),
                   shape[2] * sizeof *cells);
    return cells;
}

CimStatus resume_path(const Trainer *t, char *buf, size_t len)
{
    return (size_t)snprintf(buf, len, "%s/%s", t->job.run.out_dir, RESUME_FILE) < len ? CIM_OK : CIM_ERR_RANGE;
}

CimStatus resume_save(Trainer *t, unsigned epochs_done, CimDiag *d)
{
    char path[CIM_RESULTS_DIR_MAX + 96], kv[12][32], names[128][112];
    const TrainPos *p = &t->pos;
    size_t cshape[3], fshape[2] = {t->job.cc.n, TALLY_WORDS}, pshape[1] = {TALLY_WORDS}, ashape[64][1];
    uint64_t *cells = chip_cells(t, cshape), *fwd = malloc(t->job.cc.n * sizeof(CimLayerTally));
    CimLayerTally prog = cim_tally_since(&t->prog, &t->prog_epoch0);
    CimStWriteTensor ten[2 * 64 + 3];
    size_t n = 0;
    if (!cells || !fwd) {
        free(cells);
        free(fwd);
        return CIM_ERR_NOMEM;
    }
    memcpy(fwd, t->fwd_layers, t->job.cc.n * sizeof(CimLayerTally));
    for (size_t k = 0; k < t->nparams; k++) {
        ashape[k][0] = t->params[k].n;
        snprintf(names[2 * k], sizeof names[0], "%s.exp_avg", t->params[k].name);
        snprintf(names[2 * k + 1], sizeof names[0], "%s.exp_avg_sq", t->params[k].name);
        ten[n++] = (CimStWriteTensor){names[2 * k], 1, ashape[k], t->params[k].adam.m, NULL};
        ten[n++] = (CimStWriteTensor){names[2 * k + 1], 1, ashape[k], t->params[k].adam.v, NULL};
    }
    ten[n++] = (CimStWriteTensor){"dcim.chip_cells", 3, cshape, NULL, cells};
    ten[n++] = (CimStWriteTensor){"dcim.tally_forward", 2, fshape, NULL, fwd};
    ten[n++] = (CimStWriteTensor){"dcim.tally_programming", 1, pshape, NULL, (const uint64_t *)(const void *)&prog};
    /* doubles as %.17g: strtod gives the same bits back */
    snprintf(kv[0], sizeof kv[0], "%u", epochs_done);
    snprintf(kv[1], sizeof kv[1], "%llu", (unsigned long long)t->job.run.seed);
    cim_cfg_choice(CIM_LEARN_NAMES, (int)t->job.run.train.learn, kv[2], sizeof kv[2]);
    snprintf(kv[3], sizeof kv[3], "%zu", p->images);
    snprintf(kv[4], sizeof kv[4], "%zu", p->batches);
    snprintf(kv[5], sizeof kv[5], "%zu", p->correct);
    snprintf(kv[6], sizeof kv[6], "%.17g", p->loss_sum);
    snprintf(kv[7], sizeof kv[7], "%.17g", p->seconds);
    snprintf(kv[8], sizeof kv[8], "%llu", (unsigned long long)(t->nparams ? t->params[0].adam.step : 0));
    snprintf(kv[9], sizeof kv[9], "%u", t->job.run.train.batch_size);
    snprintf(kv[10], sizeof kv[10], "%u", t->job.run.train.train_images);
    const char *meta[] = {"epoch", kv[0], "seed", kv[1], "learn", kv[2], "images", kv[3], "batches", kv[4],
                          "correct", kv[5], "loss_sum", kv[6], "seconds", kv[7], "step", kv[8], "batch_size", kv[9],
                          "train_images", kv[10], "written_by", "dcim train"};
    snprintf(path, sizeof path, "%s/%s", cim_results_staging(&t->rs), RESUME_FILE);
    CimStatus st = cim_net_save_weights_plus(&t->job.net, path, meta, sizeof meta / sizeof meta[0] / 2, ten, n, d);
    free(cells);
    free(fwd);
    return st;
}

/* The run continues the same training: seed and learning mode, and inside an epoch the
 * batch size and image count that fix where the epoch stands. */
static CimStatus same_training(const Trainer *t, const CimSafetensors *rs, const char *path, int mid_epoch,
                               CimDiag *d)
{
    char want[4][24];
    snprintf(want[0], sizeof want[0], "%llu", (unsigned long long)t->job.run.seed);
    cim_cfg_choice(CIM_LEARN_NAMES, (int)t->job.run.train.learn, want[1], sizeof want[1]);
    snprintf(want[2], sizeof want[2], "%u", t->job.run.train.batch_size);
    snprintf(want[3], sizeof want[3], "%u", t->job.run.train.train_images);
    const char *keys[] = {"seed", "learn", "batch_size", "train_images"};
    const char *option[] = {"run.seed", "run.train.learn", "run.train.batch_size", "run.train.train_images"};
    for (int i = 0; i < (mid_epoch ? 4 : 2); i++) {
        const char *got = cim_st_meta_get(rs, keys[i]);
        if (!got || strcmp(got, want[i]) != 0) {
            cim_diag_add(d, CIM_SEV_ERROR, path, 0, 0,
                         "--resume: the run was trained with %s %s, this run has %s %s; resume with the "
                         "same value or start a new run.out", option[i], got ? got : "(none)", option[i], want[i]);
            return CIM_ERR_CONFIG;
        }
    }
    return CIM_OK;
}

/* Metadata value `key` as an unsigned integer or a double; 0 when absent or malformed. */
static int meta_u64(const CimSafetensors *rs, const char *key, unsigned long long *v)
{
    const char *s = cim_st_meta_get(rs, key);
    return s && sscanf(s, "%llu", v) == 1;
}

static int meta_f64(const CimSafetensors *rs, const char *key, double *v)
{
    const char *s = cim_st_meta_get(rs, key);
    char *end = NULL;
    if (!s)
        return 0;
    *v = strtod(s, &end);
    return end && end != s && *end == '\0';
}

static CimStatus read_position(Trainer *t, const CimSafetensors *rs, const char *path, CimDiag *d)
{
    unsigned long long e = 0, images = 0, batches = 0, correct = 0;
    TrainPos *p = &t->pos;
    if (!meta_u64(rs, "epoch", &e) || !meta_u64(rs, "images", &images) || !meta_u64(rs, "batches", &batches) ||
        !meta_u64(rs, "correct", &correct) || !meta_f64(rs, "loss_sum", &p->loss_sum) ||
        !meta_f64(rs, "seconds", &p->seconds) || e > UINT32_MAX) {
        cim_diag_add(d, CIM_SEV_ERROR, path, 0, 0, "not a dcim train resume file: its metadata lacks epoch, images, "
                     "batches, correct, loss_sum or seconds");
        return CIM_ERR_FORMAT;
    }
    t->start_epoch = (unsigned)e;
    p->images = (size_t)images;
    p->batches = (size_t)batches;
    p->correct = (size_t)correct;
    return same_training(t, rs, path, images > 0, d);
}

static CimStatus load_adam(Trainer *t, const CimSafetensors *rs, CimDiag *d)
{
    unsigned long long step = 0;
    CimStatus st = meta_u64(rs, "step", &step) ? CIM_OK : CIM_ERR_FORMAT;
    for (size_t k = 0; st == CIM_OK && k < t->nparams; k++) {
        Param *q = &t->params[k];
        char name[128];
        float *m = NULL, *v = NULL;
        snprintf(name, sizeof name, "%s.exp_avg", q->name);
        st = cim_st_load_f32(rs, name, &q->n, 1, &m, d);
        snprintf(name, sizeof name, "%s.exp_avg_sq", q->name);
        if (st == CIM_OK)
            st = cim_st_load_f32(rs, name, &q->n, 1, &v, d);
        if (st == CIM_OK)
            cim_adam_restore(&q->adam, m, v, step);
        cim_st_free_f32(rs, m);
        cim_st_free_f32(rs, v);
    }
    return st;
}

/* A U64 tensor of exactly `words` elements, copied out (little-endian in the file). */
static CimStatus load_words(const CimSafetensors *rs, const char *name, uint64_t *out, size_t words,
                            const char *path, CimDiag *d)
{
    const CimStTensor *x = cim_st_find(rs, name);
    if (!x || x->dtype != CIM_ST_U64 || x->nelem != words) {
        cim_diag_add(d, CIM_SEV_ERROR, path, 0, 0, "tensor '%s' is missing or is not U64 of %zu elements: the "
                     "resume file was written for another chip or network", name, words);
        return CIM_ERR_FORMAT;
    }
    for (size_t i = 0; i < words; i++) {
        uint64_t v = 0;
        for (int b = 0; b < 8; b++)
            v |= (uint64_t)x->data[8 * i + (size_t)b] << (8 * b);
        out[i] = v;
    }
    return CIM_OK;
}

/* The cells back into the arrays (the backdoor: restoring state, not a costed write) and
 * the epoch's tallies back into the trainer. */
static CimStatus restore_chip(Trainer *t, const CimSafetensors *rs, const char *path, CimDiag *d)
{
    size_t shape[3];
    uint64_t *cells = chip_cells(t, shape);
    CimStatus st = cells ? CIM_OK : CIM_ERR_NOMEM;
    if (st == CIM_OK)
        st = load_words(rs, "dcim.chip_cells", cells, shape[0] * shape[1] * shape[2], path, d);
    for (size_t m = 0; st == CIM_OK && m < shape[0]; m++)
        for (size_t r = 0; st == CIM_OK && r < shape[1]; r++)
            st = cim_array_backdoor_load(cim_chip_macro(t->job.chip, (unsigned)m)->arr, (unsigned)r,
                                         cells + (m * shape[1] + r) * shape[2]);
    free(cells);
    if (st == CIM_OK)
        st = load_words(rs, "dcim.tally_forward", (uint64_t *)(void *)t->fwd_layers, t->job.cc.n * TALLY_WORDS, path,
                        d);
    if (st == CIM_OK)
        st = load_words(rs, "dcim.tally_programming", (uint64_t *)(void *)&t->prog, TALLY_WORDS, path, d);
    memset(&t->prog_epoch0, 0, sizeof t->prog_epoch0);
    return st;
}

CimStatus resume_load(Trainer *t, CimDiag *d)
{
    char path[CIM_PATH_MAX + 32];
    CimSafetensors *rs = NULL;
    CimStatus st = resume_path(t, path, sizeof path);
    if (st == CIM_OK)
        st = cim_st_open(path, NULL, &rs, d);
    if (st == CIM_OK)
        st = read_position(t, rs, path, d);
    if (st == CIM_OK)
        st = cim_net_load_weights(&t->job.net, path, d);
    if (st == CIM_OK)
        st = load_adam(t, rs, d);
    if (st == CIM_OK)
        st = trainer_rebuild(t, d); /* the weights and pruned filters onto the chip */
    if (st == CIM_OK)
        st = restore_chip(t, rs, path, d);
    cim_st_close(rs);
    return st;
}
