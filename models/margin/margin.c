/* Analytic bit-error rates by numerical integration (composite Simpson over standard
 * normal variables) and Monte Carlo on the array model. Cell: G = exp(-sigma z) / R,
 * read current I = V (G_a + G_b)(1 + noise z_n). */
#include "models/margin/margin.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define Z_SPAN 9.0       /* integrate standard normals over [-9, 9] */
#define Z_STEPS 720      /* Simpson intervals (even) for a cell variable */
#define N_STEPS 240      /* Simpson intervals for the read noise */

static double phi(double z) { return 0.3989422804014327 * exp(-0.5 * z * z); }
static double upper_tail(double z) { return 0.5 * erfc(z / 1.4142135623730951); } /* P(Z > z) */

typedef struct {
    double g, sigma; /* median conductance (S) and log-normal sigma */
} CellDist;

static CellDist cell_dist(const CimChipCfg *cfg, int lrs)
{
    const CimDeviceCfg *d = &cfg->tech.device;
    CellDist c = {lrs ? 1.0 / d->r_on_ohm : 1.0 / d->r_off_ohm, lrs ? d->sigma_ln_on : d->sigma_ln_off};
    return c;
}

/* P(G > y) (above = 1) or P(G < y) (above = 0) for one cell, each tail computed
 * directly so that tiny probabilities keep their precision. */
static double cell_tail(CellDist c, double y, int above)
{
    if (y <= 0)
        return above ? 1.0 : 0.0;
    if (c.sigma == 0)
        return (above ? c.g > y : c.g < y) ? 1.0 : 0.0;
    double z = log(y / c.g) / c.sigma;
    return upper_tail(above ? z : -z);
}

/* Simpson weights: w(i) for i in [0, n] over a step h. */
static double simpson_w(int i, int n) { return (i == 0 || i == n) ? 1.0 : (i % 2 ? 4.0 : 2.0); }

/* Tail of G_a + G_b against y; b.g == 0 means no second cell. */
static double sum_tail(CellDist a, CellDist b, double y, int above)
{
    if (b.g == 0)
        return cell_tail(a, y, above);
    if (a.sigma == 0)
        return cell_tail(b, y - a.g, above);
    double h = 2 * Z_SPAN / Z_STEPS, s = 0;
    for (int i = 0; i <= Z_STEPS; i++) {
        double z = -Z_SPAN + i * h;
        s += simpson_w(i, Z_STEPS) * phi(z) * cell_tail(b, y - a.g * exp(a.sigma * z), above);
    }
    return s * h / 3.0;
}

/* Tail of the read current V (G_a + G_b)(1 + noise z) against x: P(I >= x) or P(I < x). */
static double current_tail(const CimChipCfg *cfg, CellDist a, CellDist b, double x, int above)
{
    double v = cfg->tech.device.v_read_v, sn = cfg->tech.device.read_noise_rel;
    if (sn == 0)
        return sum_tail(a, b, x / v, above);
    double h = 2 * Z_SPAN / N_STEPS, s = 0;
    for (int i = 0; i <= N_STEPS; i++) {
        double z = -Z_SPAN + i * h, k = 1.0 + sn * z;
        /* a current <= 0 never reaches x > 0 */
        double p = k <= 0 ? (above ? 0.0 : 1.0) : sum_tail(a, b, x / (v * k), above);
        s += simpson_w(i, N_STEPS) * phi(z) * p;
    }
    return s * h / 3.0;
}

static double state_tail(const CimChipCfg *cfg, double x_a, int sa, int sb, int above)
{
    CellDist none = {0, 0};
    return current_tail(cfg, cell_dist(cfg, sa), sb < 0 ? none : cell_dist(cfg, sb), x_a, above);
}

double cim_margin_p_above(const CimChipCfg *cfg, double x_a, int sa, int sb)
{
    return state_tail(cfg, x_a, sa, sb, 1);
}

/* P(stored state = s | intended bit) under stuck-at faults. */
static double p_state(const CimChipCfg *cfg, int intended, int s)
{
    const CimDeviceCfg *d = &cfg->tech.device;
    double flip = intended ? d->stuck_at_0_rate : d->stuck_at_1_rate;
    return s == intended ? 1.0 - flip : flip;
}

static void references(const CimChipCfg *cfg, double *i_read, double *i_low, double *i_high, double lv1[2], double lv2[3])
{
    const CimDeviceCfg *d = &cfg->tech.device;
    double g_on = 1.0 / d->r_on_ohm, g_off = 1.0 / d->r_off_ohm, v = d->v_read_v;
    lv1[0] = v * g_off;
    lv1[1] = v * g_on;
    lv2[0] = 2 * v * g_off;
    lv2[1] = v * (g_on + g_off);
    lv2[2] = 2 * v * g_on;
    *i_read = lv1[0] + cfg->sense.ref_read_frac * (lv1[1] - lv1[0]);
    *i_low = lv2[0] + cfg->sense.ref_low_frac * (lv2[1] - lv2[0]);
    *i_high = lv2[1] + cfg->sense.ref_high_frac * (lv2[2] - lv2[1]);
}

static double ref_margin(double lo, double ref, double hi, double *rel)
{
    double m = fmin(ref - lo, hi - ref);
    *rel = m / (hi - lo);
    return m;
}

static void analytic_read(const CimChipCfg *cfg, CimMarginRow *read, CimMarginRow *gated)
{
    double ir, il, ih, lv1[2], lv2[3];
    references(cfg, &ir, &il, &ih, lv1, lv2);
    double ber = 0;
    for (int a = 0; a < 2; a++)
        for (int s = 0; s < 2; s++) {
            /* wrong: a 1 sensed below the reference, or a 0 at or above it */
            ber += 0.5 * p_state(cfg, a, s) * state_tail(cfg, ir, s, -1, !a);
        }
    CimMarginRow r = {.name = "read", .nlevels = 2, .nrefs = 1, .ber_analytic = ber};
    r.level_ua[0] = lv1[0] * 1e6;
    r.level_ua[1] = lv1[1] * 1e6;
    r.ref_ua[0] = ir * 1e6;
    r.margin_ua = ref_margin(lv1[0], ir, lv1[1], &r.margin_rel) * 1e6;
    *read = r;
    *gated = r;
    snprintf(gated->name, sizeof gated->name, "gated");
    gated->ber_analytic = 0.5 * ber; /* input 0 keeps the word line low: exact */
}

/* P(sensed level = k | stored states sa, sb) for k = 0, 1, 2, each small probability
 * from the tail it lies in. */
static void level_probs(const CimChipCfg *cfg, double il, double ih, int sa, int sb, double p[3])
{
    p[0] = state_tail(cfg, il, sa, sb, 0);
    p[2] = state_tail(cfg, ih, sa, sb, 1);
    if (sa + sb == 0)
        p[1] = fmax(0.0, state_tail(cfg, il, sa, sb, 1) - p[2]);
    else if (sa + sb == 2)
        p[1] = fmax(0.0, state_tail(cfg, ih, sa, sb, 0) - p[0]);
    else
        p[1] = fmax(0.0, 1.0 - p[0] - p[2]);
}

static void analytic_dual(const CimChipCfg *cfg, CimMarginRow rows[CIM_OP_COUNT])
{
    double ir, il, ih, lv1[2], lv2[3], pl[3][3]; /* pl[sa+sb][k] */
    references(cfg, &ir, &il, &ih, lv1, lv2);
    level_probs(cfg, il, ih, 0, 0, pl[0]);
    level_probs(cfg, il, ih, 0, 1, pl[1]);
    level_probs(cfg, il, ih, 1, 1, pl[2]);
    for (int op = 0; op < CIM_OP_COUNT; op++) {
        unsigned t = cim_op_info((CimLogicOp)op)->truth, refs = cim_op_refs((CimLogicOp)op);
        CimMarginRow *r = &rows[op];
        memset(r, 0, sizeof *r);
        snprintf(r->name, sizeof r->name, "%s", cim_op_info((CimLogicOp)op)->mnemonic);
        r->nlevels = 3;
        for (int k = 0; k < 3; k++)
            r->level_ua[k] = lv2[k] * 1e6;
        double rel_l = 1, rel_h = 1, m_l = INFINITY, m_h = INFINITY;
        if (refs & 1u) {
            r->ref_ua[r->nrefs++] = il * 1e6;
            m_l = ref_margin(lv2[0], il, lv2[1], &rel_l);
        }
        if (refs & 2u) {
            r->ref_ua[r->nrefs++] = ih * 1e6;
            m_h = ref_margin(lv2[1], ih, lv2[2], &rel_h);
        }
        r->margin_ua = fmin(m_l, m_h) * 1e6;
        r->margin_rel = fmin(rel_l, rel_h);
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++)
                for (int sa = 0; sa < 2; sa++)
                    for (int sb = 0; sb < 2; sb++) {
                        double w = 0.25 * p_state(cfg, a, sa) * p_state(cfg, b, sb);
                        for (int k = 0; k < 3; k++)
                            if (((t >> k) & 1u) != ((t >> (a + b)) & 1u))
                                r->ber_analytic += w * pl[sa + sb][k];
                    }
    }
}

void cim_margin_analytic(const CimChipCfg *cfg, CimMarginReport *rep)
{
    memset(rep, 0, sizeof *rep);
    analytic_read(cfg, &rep->rows[0], &rep->rows[1]);
    analytic_dual(cfg, rep->rows + 2);
    const CimDeviceCfg *d = &cfg->tech.device;
    CimMarginWrite *w = &rep->write;
    w->fail_per_pulse = d->write_fail_prob;
    w->max_pulses = cfg->write.verify ? cfg->write.max_pulses : 1u;
    /* Random data over random data: half the free cells change and fail only if every pulse
     * fails; a stuck cell is wrong when the data asks for the other state (half the time). */
    double free_cells = 1.0 - d->stuck_at_0_rate - d->stuck_at_1_rate;
    w->ber_analytic = 0.5 * (d->stuck_at_0_rate + d->stuck_at_1_rate) +
                      free_cells * 0.5 * pow(d->write_fail_prob, w->max_pulses);
}

/* ---- Monte Carlo ------------------------------------------------------------ */

typedef struct {
    CimArray *arr;
    unsigned rows, cols;
    size_t words;
    uint64_t *data, *out; /* rows x words intended data; words scratch */
    CimCounters cnt;
    CimRng rng;
} McState;

static void mc_count(CimMarginRow *r, const uint64_t *got, const uint64_t *want, unsigned cols)
{
    for (size_t i = 0; i < cim_bits_words(cols); i++)
        r->mc_errors += (uint64_t)__builtin_popcountll(got[i] ^ want[i]);
    r->mc_samples += cols;
}

static void mc_fill(McState *m)
{
    for (unsigned r = 0; r < m->rows; r++) {
        cim_bits_random(m->data + r * m->words, m->cols, &m->rng);
        cim_array_backdoor_load(m->arr, r, m->data + r * m->words);
    }
}

/* One fill of the array with random data, then every read-based operation over it. */
static void mc_read_round(McState *m, CimMarginReport *rep)
{
    uint64_t *want = m->out + m->words;
    mc_fill(m);
    for (unsigned r = 0; r < m->rows; r++) {
        const uint64_t *d = m->data + r * m->words;
        cim_array_read_row(m->arr, r, cim_array_all_cols(m->arr), m->out);
        mc_count(&rep->rows[0], m->out, d, m->cols);
        uint64_t in = cim_rng_u64(&m->rng) & 1u;
        cim_counters_clear(&m->cnt);
        cim_array_gated_read(m->arr, r, 1, &in, cim_array_all_cols(m->arr), &m->cnt);
        cim_bits_clear(m->out, m->cols);
        for (unsigned c = 0; c < m->cols; c++)
            cim_bits_set(m->out, c, m->cnt.v[c] != 0);
        if (in)
            cim_bits_copy(want, d, m->cols);
        else
            cim_bits_clear(want, m->cols);
        mc_count(&rep->rows[1], m->out, want, m->cols);
    }
    for (unsigned r = 0; r + 1 < m->rows; r += 2)
        for (int op = 0; op < CIM_OP_COUNT; op++) {
            cim_array_dual_read(m->arr, r, r + 1, (CimLogicOp)op, cim_array_all_cols(m->arr), m->out);
            cim_op_apply((CimLogicOp)op, m->data + r * m->words, m->data + (r + 1) * m->words, want, m->cols);
            mc_count(&rep->rows[2 + op], m->out, want, m->cols);
        }
}

static void mc_write_round(McState *m, CimMarginReport *rep)
{
    for (unsigned r = 0; r < m->rows; r++) {
        uint32_t failed = 0;
        cim_bits_random(m->data, m->cols, &m->rng);
        cim_array_write_row(m->arr, r, m->data, &failed, NULL);
        rep->write.mc_errors += failed;
        rep->write.mc_samples += m->cols;
    }
}

static void mc_free(McState *m, const CimAlloc *a)
{
    cim_array_destroy(m->arr);
    cim_counters_free(&m->cnt, a);
    cim_free(a, m->data);
    cim_free(a, m->out);
}

static CimStatus mc_init(McState *m, const CimChipCfg *cfg, uint64_t seed, const CimAlloc *a)
{
    memset(m, 0, sizeof *m);
    m->rows = cfg->array.rows;
    m->cols = cfg->array.cols;
    m->words = cim_bits_words(m->cols);
    cim_rng_seed(&m->rng, seed);
    CimStatus st = cim_array_create(cfg, 0, a, &m->arr);
    if (st == CIM_OK)
        st = cim_counters_init(&m->cnt, m->cols, cfg->periph.counter_bits, cfg->periph.counter_overflow, a);
    m->data = cim_alloc_array(a, (size_t)m->rows * m->words, sizeof(uint64_t));
    m->out = cim_alloc_array(a, 2 * m->words, sizeof(uint64_t));
    if (st == CIM_OK && (!m->data || !m->out))
        st = CIM_ERR_NOMEM;
    if (st != CIM_OK)
        mc_free(m, a);
    return st;
}

CimStatus cim_margin_run(const CimChipCfg *cfg, uint64_t samples, uint64_t seed, const CimAlloc *a,
                         const CimProgress *progress, CimMarginReport *rep)
{
    cim_margin_analytic(cfg, rep);
    rep->seed = seed;
    CimChipCfg rc = *cfg, wc = *cfg;
    rc.physics.enabled = wc.physics.enabled = 1;
    rc.physics.seed = seed;
    wc.physics.seed = seed + 1;
    McState m;
    CimStatus st = mc_init(&m, &rc, seed, a);
    if (st != CIM_OK)
        return st;
    while (rep->rows[2].mc_samples < samples) { /* the dual-row ops sample least per fill */
        mc_read_round(&m, rep); /* the read phase is the first half of the work */
        uint64_t done = rep->rows[2].mc_samples < samples ? rep->rows[2].mc_samples : samples;
        cim_progress_report(progress, done, 2 * samples, "reads");
    }
    mc_free(&m, a);
    if ((st = mc_init(&m, &wc, seed + 2, a)) != CIM_OK)
        return st;
    while (rep->write.mc_samples < samples) {
        mc_write_round(&m, rep);
        uint64_t done = rep->write.mc_samples < samples ? rep->write.mc_samples : samples;
        cim_progress_report(progress, samples + done, 2 * samples, "writes");
    }
    mc_free(&m, a);
    return CIM_OK;
}
