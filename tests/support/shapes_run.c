/* One case of the shape campaign: compile (a refusal is counted by its first line), then
 * the program path, the fast path and the plain reference on every image, and another
 * runner (SystemC) when given: equal integers, bits, logits, cycles and event counts. */
#include "tests/support/shapes.h"
#include "tests/support/tally_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failf(ShapesResult *r, const char *fmt, ...)
{
    if (r->verdict == SHAPES_FAIL)
        return -1; /* keep the first difference */
    r->verdict = SHAPES_FAIL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
    return -1;
}

static void refuse(ShapesResult *r, const char *prefix, const char *line)
{
    const char *e = strstr(line, "error: ");
    char norm[256];
    shapes_normalise_reason(e ? e + 7 : line, norm, sizeof norm);
    r->verdict = SHAPES_REFUSED;
    snprintf(r->reason, sizeof r->reason, "%s%s", prefix, norm);
}

/* Which array segment (region) counts each element of each live filter, in the
 * reference's indexing: original filter, tap, original input channel. */
static unsigned *segments(const CimCompiled *cc, size_t k, const CimNet *net, unsigned *nseg)
{
    const CimChipLayer *cl = &cc->layers[k];
    const CimLayer *l = &net->layers[cl->layer];
    unsigned *seg = calloc((size_t)l->out_c * cl->L + 1, sizeof *seg);
    for (unsigned i = 0; seg && i < cl->nregions; i++) {
        const CimRegion *g = &cl->regions[i];
        for (unsigned pos = g->f0; pos < g->f0 + g->ncols; pos++)
            for (unsigned e = g->e0; e < g->e0 + g->nrows; e++) {
                unsigned t = e / cl->in_c, c = cl->in_perm[e % cl->in_c];
                seg[(size_t)cl->order[pos] * cl->L + t * cl->in_c + c] = i;
            }
    }
    *nseg = cl->nregions ? cl->nregions : 1;
    return seg;
}

static void structure(const CimCompiled *cc, ShapesResult *r)
{
    for (size_t k = 0; k < cc->n; k++) {
        const CimChipLayer *cl = &cc->layers[k];
        r->tiled |= cl->row_tiles > 1;
        r->more_filters_than_cols |= cl->col_tiles > 1;
        r->replicated |= cl->replicas > 1;
        r->cut |= cl->cut;
        for (unsigned i = 0; i < cl->nregions; i++)
            for (unsigned j = 0; j < i; j++)
                r->shared |= cl->regions[i].macro == cl->regions[j].macro;
    }
}

/* Image i: random pixels, or a crop of MNIST digits (one digit per channel). */
static void image(const ShapesCase *c, const CimMnist *mn, unsigned i, uint8_t *px)
{
    const CimNet *n = &c->net;
    CimRng r;
    cim_rng_seed(&r, c->seed * 31 + i);
    for (unsigned ch = 0; ch < n->in_c; ch++) {
        size_t idx = mn ? cim_rng_u64(&r) % mn->images.n : 0;
        unsigned oy = (unsigned)(cim_rng_u64(&r) % (29 - n->in_h)), ox = (unsigned)(cim_rng_u64(&r) % (29 - n->in_w));
        for (unsigned y = 0; y < n->in_h; y++)
            for (unsigned x = 0; x < n->in_w; x++)
                px[((size_t)ch * n->in_h + y) * n->in_w + x] =
                    mn && i % 2 ? mn->images.pixels[idx * 784 + (oy + y) * 28 + ox + x] : (uint8_t)cim_rng_u64(&r);
    }
}

static void compare_ints(ShapesResult *r, const char *what, const int32_t *a, const int32_t *b, size_t n,
                         unsigned img)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) {
            failf(r, "image %u: %s: element %zu of %zu: %d vs %d", img, what, i, n, a[i], b[i]);
            return;
        }
}

static void compare_floats(ShapesResult *r, const char *what, const float *a, const float *b, size_t n, unsigned img)
{
    if (memcmp(a, b, n * sizeof *a) != 0)
        for (size_t i = 0; i < n; i++)
            if (memcmp(&a[i], &b[i], sizeof *a) != 0) {
                failf(r, "image %u: %s: logit %zu: %.9g vs %.9g", img, what, i, (double)a[i], (double)b[i]);
                return;
            }
}

/* The binarised outputs of chip layer k in the buffer against the reference's input of
 * the next conv. */
static void compare_bits(ShapesResult *r, CimChip *chip, const CimChipLayer *cl, const uint8_t *ref, size_t k,
                         unsigned img)
{
    for (unsigned pos = 0; pos < cl->F; pos++)
        for (unsigned y = 0; y < cl->out_h; y++)
            for (unsigned x = 0; x < cl->out_w; x++) {
                uint64_t b = 0;
                cim_chip_buf_read(chip, cl->out_addr + ((size_t)y * cl->out_w + x) * cl->F + pos, &b, 1);
                unsigned f = cl->order[pos];
                if ((int)b != ref[((size_t)f * cl->out_h + y) * cl->out_w + x]) {
                    failf(r, "image %u: chip layer %zu bit (filter %u, %u, %u): program %d, reference %d", img, k, f,
                          y, x, (int)b, ref[((size_t)f * cl->out_h + y) * cl->out_w + x]);
                    return;
                }
            }
}

static void compare_tallies(ShapesResult *r, const char *what, const CimLayerTally *a, const CimLayerTally *b,
                            size_t n)
{
    char why[128];
    for (size_t k = 0; k < n; k++)
        if (test_tally_diff(&a[k], &b[k], why, sizeof why))
            failf(r, "%s layer %zu: %s", what, k, why);
}

typedef struct {
    CimChip *chip, *chip2;
    CimFast *fast;
    void *ctx;
    CimProgRunner runner;
    int32_t **trace;
    unsigned **seg;
    ShapesSegments *segs;
    int32_t *cp, *cf, *co;
    float *lp, *lf, *lo, *lr;
    uint8_t *px;
    CimLayerTally *tp, *tf, *to;
    ShapesRefOut ref;
} Rig;

static int rig_init(Rig *g, const ShapesCase *c, const ShapesOpts *o, const CimCompiled *cc, ShapesResult *r)
{
    const CimNet *net = &c->net;
    size_t n = cc->n, act = cim_net_max_activation(net);
    CimTrap trap;
    g->trace = calloc(n, sizeof *g->trace);
    g->seg = calloc(n, sizeof *g->seg);
    g->segs = calloc(n, sizeof *g->segs);
    g->tp = calloc(n, sizeof *g->tp);
    g->tf = calloc(n, sizeof *g->tf);
    g->to = calloc(n, sizeof *g->to);
    g->cp = calloc(act, sizeof(int32_t));
    g->cf = calloc(act, sizeof(int32_t));
    g->co = calloc(act, sizeof(int32_t));
    g->lp = calloc(act, sizeof(float));
    g->lf = calloc(act, sizeof(float));
    g->lo = calloc(act, sizeof(float));
    g->lr = calloc(act, sizeof(float));
    g->px = calloc((size_t)net->in_c * net->in_h * net->in_w, 1);
    if (shapes_ref_alloc(net, &g->ref) != 0 || !g->px || !g->lr)
        return failf(r, "out of memory");
    for (size_t k = 0; k < n; k++) {
        const CimChipLayer *cl = &cc->layers[k];
        g->trace[k] = calloc((size_t)cl->F * cl->in_h * cl->in_w + 1, sizeof(int32_t));
        g->seg[k] = segments(cc, k, net, &g->segs[k].nseg);
        g->segs[k].seg = g->seg[k];
    }
    if (cim_chip_create(&c->cfg, NULL, &g->chip) != CIM_OK)
        return failf(r, "cim_chip_create failed");
    if (cim_infer_load(g->chip, cc, NULL, &trap) != CIM_OK)
        return failf(r, "load program trapped at pc %llu: %s", (unsigned long long)trap.pc, trap.reason);
    if (!o->skip_fast) {
        if (cim_fast_create(g->chip, cc, net, &g->fast, &trap) != CIM_OK)
            return failf(r, "cim_fast_create failed (trap at pc %llu: %s)", (unsigned long long)trap.pc, trap.reason);
        cim_fast_trace(g->fast, g->trace);
    }
    if (o->other) {
        if (cim_chip_create(&c->cfg, NULL, &g->chip2) != CIM_OK || cim_infer_load(g->chip2, cc, NULL, &trap) != CIM_OK)
            return failf(r, "second chip for %s: create or load failed", o->other->name);
        if (o->other->open(o->other->hook, g->chip2, &g->runner, &g->ctx) != CIM_OK)
            return failf(r, "%s: cannot open a session for this chip", o->other->name);
    }
    return 0;
}

static void rig_free(Rig *g, const ShapesCase *c, const ShapesOpts *o, size_t n)
{
    if (g->ctx)
        o->other->close(o->other->hook, g->ctx);
    for (size_t k = 0; k < n; k++) {
        free(g->trace ? g->trace[k] : NULL);
        free(g->seg ? g->seg[k] : NULL);
    }
    free(g->trace);
    free(g->seg);
    free(g->segs);
    free(g->tp);
    free(g->tf);
    free(g->to);
    free(g->cp);
    free(g->cf);
    free(g->co);
    free(g->lp);
    free(g->lf);
    free(g->lo);
    free(g->lr);
    free(g->px);
    shapes_ref_free(&c->net, &g->ref);
    cim_fast_destroy(g->fast);
    if (g->chip)
        cim_chip_destroy(g->chip);
    if (g->chip2)
        cim_chip_destroy(g->chip2);
}

static int run_image(Rig *g, const ShapesCase *c, const ShapesOpts *o, const CimCompiled *cc, unsigned i,
                      ShapesResult *r)
{
    const CimNet *net = &c->net;
    const CimChipLayer *last = &cc->layers[cc->n - 1];
    size_t nint = (size_t)last->F * last->out_h * last->out_w, nlog = net->layers[net->n - 1].out_c;
    CimTrap trap;
    image(c, o->mnist, i, g->px);
    if (cim_infer_image(g->chip, cc, net, g->px, g->lp, g->cp, g->tp, &trap) != CIM_OK)
        return failf(r, "image %u: program path trapped at pc %llu: %s", i, (unsigned long long)trap.pc, trap.reason);
    ShapesArith a = {o->ref_counter_bits ? o->ref_counter_bits : c->cfg.periph.counter_bits, c->cfg.periph.counter_overflow, c->cfg.periph.shift_add_bits,
                     c->mode == CIM_PRUNED_SKIP};
    shapes_ref_forward(net, &a, g->segs, g->px, &g->ref, g->lr);
    r->counter_overflow |= g->ref.counter_overflow;
    r->acc_wrap |= g->ref.acc_wrap;
    compare_ints(r, "program vs reference, last conv", g->cp, g->ref.ints[cc->n - 1], nint, i);
    compare_floats(r, "program vs reference", g->lp, g->lr, nlog, i);
    for (size_t k = 0; k + 1 < cc->n; k++)
        compare_bits(r, g->chip, &cc->layers[k], g->ref.bits[k + 1], k, i);
    if (g->fast) {
        if (cim_fast_image(g->fast, g->px, g->lf, g->cf, g->tf) != CIM_OK)
            return failf(r, "image %u: fast path failed", i);
        compare_ints(r, "fast vs program, last conv", g->cf, g->cp, nint, i);
        compare_floats(r, "fast vs program", g->lf, g->lp, nlog, i);
        for (size_t k = 0; k < cc->n; k++) {
            const CimChipLayer *cl = &cc->layers[k];
            char what[64];
            snprintf(what, sizeof what, "fast vs reference, conv %zu", k);
            compare_ints(r, what, g->trace[k], g->ref.ints[k], (size_t)cl->F * cl->in_h * cl->in_w, i);
        }
    }
    if (g->runner) {
        if (cim_infer_image_with(g->runner, g->ctx, NULL, g->chip2, cc, net, g->px, g->lo, g->co, g->to, &trap) !=
            CIM_OK)
            return failf(r, "image %u: %s trapped at pc %llu: %s", i, o->other->name, (unsigned long long)trap.pc,
                         trap.reason);
        compare_ints(r, "other runner vs program, last conv", g->co, g->cp, nint, i);
        compare_floats(r, "other runner vs program", g->lo, g->lp, nlog, i);
    }
    return 0;
}

void shapes_run_case(const ShapesCase *c, const ShapesOpts *o, ShapesResult *r)
{
    memset(r, 0, sizeof *r);
    if (c->net_refused) {
        refuse(r, "network: ", c->why);
        return;
    }
    CimCompiled cc;
    CimDiag d;
    cim_diag_init(&d);
    if (c->strategy->compile(&c->cfg, &c->net, c->mode, &cc, &d) != CIM_OK) {
        char line[512] = "(no diagnostic)";
        if (d.n)
            cim_diag_format(&d, 0, line, sizeof line);
        cim_diag_free(&d);
        refuse(r, "compile: ", line);
        return;
    }
    cim_diag_free(&d);
    structure(&cc, r);
    Rig g;
    memset(&g, 0, sizeof g);
    if (rig_init(&g, c, o, &cc, r) == 0) {
        for (unsigned i = 0; i < c->images && r->verdict != SHAPES_FAIL; i++)
            run_image(&g, c, o, &cc, i, r);
        if (g.fast)
            compare_tallies(r, "fast vs program", g.tf, g.tp, cc.n);
        if (g.runner)
            compare_tallies(r, "other runner vs program", g.to, g.tp, cc.n);
        for (size_t k = 0; k < cc.n; k++)
            r->cycles += g.tp[k].cycles;
    }
    rig_free(&g, c, o, cc.n);
    cim_compiled_free(&cc);
}
