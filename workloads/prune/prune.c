/* Filter-similarity pruning rule, bit-exact with binary_prune_model of the reference script
 * (CNN/cimcam_mnist_cnn.py, wangsongq/Dynamic-Kernel-Pruning) run under torch 1.13 / numpy 1.24.
 * What was checked against the source and how is in docs/pruning.md. */
#include "workloads/prune/prune.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* The reference, per conv layer (quoted from the script):
 *   for i in range(num_filters):
 *       if torch.sum(weights[i]) != 0:            # weights = torch.sign(value)
 *           for j in range(i + 1, num_filters):
 *               if torch.sum(weights[j]) != 0:
 *                   hamming_distances.append((i, j, calculate_hamming_distance(...)))
 *   ean_distance = np.mean(distances); variance_distance = np.var(distances)
 *   for i, j, distance in hamming_distances:
 *       if distance < ean_distance - threshold_b * variance_distance:
 *           filters_to_prune.append(i); filters_to_prune.append(j)
 *   filter_counts = Counter(filters_to_prune)
 *   filters_to_prune_final = [f for f, count in filter_counts.items()
 *                             if count > threshold_c * (num_filters - 1)]
 * Each unordered pair is listed once (i < j), so a filter's count is the number of close pairs
 * it is in. Only filters in at least one close pair are in the Counter, so a count of 0 is
 * never pruned even when threshold_c * (N - 1) is negative. */

#define PW_BLOCK 128 /* numpy's PW_BLOCKSIZE */

void cim_prune_params_reference(CimPruneParams *p)
{
    memset(p, 0, sizeof *p);
    p->threshold_b = 0.146;
    p->threshold_c = 0.15;
    p->mode = CIM_PRUNE_REFERENCE;
    p->stats_prec = CIM_PRUNE_STATS_F64;
    p->cmp = CIM_PRUNE_CMP_TORCH_F32;
}

/* Term i of a sum: a[i], or (a[i] - mu)^2 for the variance (numpy materialises arr - mean,
 * squares it in place and then sums; computing the same values on the fly changes nothing). */
static double term64(const double *a, size_t i, int sq, double mu)
{
    double x = sq ? a[i] - mu : a[i];
    return sq ? x * x : x;
}

/* numpy's pairwise summation (pairwise_sum_DOUBLE, numpy/core/src/umath/loops_utils.h.src),
 * which np.add.reduce applies to each inner-loop chunk (see sum64): fewer than 8 terms in
 * order; up to 128 with 8 interleaved partial sums combined as ((r0+r1)+(r2+r3))+((r4+r5)+
 * (r6+r7)) and the tail added after; above that, split at n/2 rounded down to a multiple of 8. */
static double pw64(const double *a, size_t n, int sq, double mu)
{
    if (n < 8) {
        double res = 0.;
        for (size_t i = 0; i < n; i++)
            res += term64(a, i, sq, mu);
        return res;
    }
    if (n <= PW_BLOCK) {
        double r[8], res;
        size_t i;
        for (int k = 0; k < 8; k++)
            r[k] = term64(a, (size_t)k, sq, mu);
        for (i = 8; i < n - (n % 8); i += 8)
            for (int k = 0; k < 8; k++)
                r[k] += term64(a, i + (size_t)k, sq, mu);
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            res += term64(a, i, sq, mu);
        return res;
    }
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return pw64(a, n2, sq, mu) + pw64(a + n2, n - n2, sq, mu);
}

/* The same in float32 (pairwise_sum_FLOAT), for float32 distance arrays. */
static float term32(const double *a, size_t i, int sq, float mu)
{
    float x = sq ? (float)a[i] - mu : (float)a[i];
    return sq ? x * x : x;
}

static float pw32(const double *a, size_t n, int sq, float mu)
{
    if (n < 8) {
        float res = 0.f;
        for (size_t i = 0; i < n; i++)
            res += term32(a, i, sq, mu);
        return res;
    }
    if (n <= PW_BLOCK) {
        float r[8], res;
        size_t i;
        for (int k = 0; k < 8; k++)
            r[k] = term32(a, (size_t)k, sq, mu);
        for (i = 8; i < n - (n % 8); i += 8)
            for (int k = 0; k < 8; k++)
                r[k] += term32(a, i + (size_t)k, sq, mu);
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            res += term32(a, i, sq, mu);
        return res;
    }
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return pw32(a, n2, sq, mu) + pw32(a + n2, n - n2, sq, mu);
}

/* np.add.reduce as a whole: the reduction iterator hands the inner loop at most NPY_BUFSIZE
 * (8192) elements at a time, and each chunk's pairwise sum is added to the running result,
 * which starts at the identity 0. Measured: with 16110 pairs, one pairwise sum over all of them
 * differs from np.var in the last bit; chunked, it matches. */
#define NPY_CHUNK 8192

static double sum64(const double *a, size_t n, int sq, double mu)
{
    double res = 0.;
    for (size_t i = 0; i < n; i += NPY_CHUNK)
        res += pw64(a + i, n - i < NPY_CHUNK ? n - i : NPY_CHUNK, sq, mu);
    return res;
}

static float sum32(const double *a, size_t n, int sq, float mu)
{
    float res = 0.f;
    for (size_t i = 0; i < n; i += NPY_CHUNK)
        res += pw32(a + i, n - i < NPY_CHUNK ? n - i : NPY_CHUNK, sq, mu);
    return res;
}

/* np.mean and np.var (ddof = 0) of m distances: sum / m, then the sum of squared deviations
 * from that mean / m. Both are NaN for m = 0, as np.mean([]) is. The divisions by m are
 * exact-rounded in the working precision, as numpy's are. */
static void moments(const double *d, size_t m, CimPruneStatsPrec prec, double *mean, double *var)
{
    if (m == 0) {
        *mean = NAN;
        *var = NAN;
    } else if (prec == CIM_PRUNE_STATS_F32) {
        float mu = sum32(d, m, 0, 0.f) / (float)m;
        *mean = mu;
        *var = sum32(d, m, 1, mu) / (float)m;
    } else {
        double mu = sum64(d, m, 0, 0.) / (double)m;
        *mean = mu;
        *var = sum64(d, m, 1, mu) / (double)m;
    }
}

/* double -> float as a C cast or torch's static_cast does (round to nearest even), with
 * out-of-range values taken to +-inf explicitly so the conversion is always defined. */
static float to_f32(double x)
{
    if (x > (double)FLT_MAX)
        return INFINITY;
    if (x < -(double)FLT_MAX)
        return -INFINITY;
    return (float)x;
}

static int is_close(double d, double thr, CimPruneCmp cmp)
{
    if (cmp == CIM_PRUNE_CMP_F64)
        return d < thr;
    return to_f32(d) < to_f32(thr);
}

static int takes_part(const CimPruneParams *p, const CimPruneLayer *l, size_t i)
{
    if (l->pruned && l->pruned[i])
        return 0;
    if (p->mode == CIM_PRUNE_LIVE)
        return 1;
    return l->sign_sum[i] != 0;
}

static CimStatus check_args(const CimPruneParams *p, const CimPruneLayer *l, int have_dist,
                            const CimPruneOut *out)
{
    if (!p || !l || !have_dist || !out || (l->n_filters > 0 && !out->pruned))
        return CIM_ERR_RANGE;
    if (p->mode != CIM_PRUNE_REFERENCE && p->mode != CIM_PRUNE_LIVE)
        return CIM_ERR_RANGE;
    if (p->mode == CIM_PRUNE_REFERENCE && l->n_filters > 0 && !l->sign_sum)
        return CIM_ERR_RANGE;
    return CIM_OK;
}

/* Scratch for one round: S, the pair distances in the reference's order, the counts. */
typedef struct {
    size_t *s;
    size_t ns;
    double *d;
    size_t m;
    size_t *count;
} Round;

static void round_free(const CimAlloc *a, Round *r)
{
    cim_free(a, r->s);
    cim_free(a, r->d);
    cim_free(a, r->count);
}

static CimStatus round_init(const CimPruneParams *p, const CimPruneLayer *l, const CimAlloc *a,
                            Round *r)
{
    size_t n = l->n_filters;
    memset(r, 0, sizeof *r);
    r->s = cim_alloc_array(a, n ? n : 1, sizeof *r->s);
    r->count = cim_alloc_array(a, n ? n : 1, sizeof *r->count);
    if (!r->s || !r->count)
        return CIM_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        if (takes_part(p, l, i))
            r->s[r->ns++] = i;
    r->m = r->ns < 2 ? 0 : r->ns * (r->ns - 1) / 2; /* ns <= N, and N fits an allocation */
    /* float32 statistics divide by m in float: keep m exact there. */
    if (p->stats_prec == CIM_PRUNE_STATS_F32 && r->m > ((size_t)1 << 24))
        return CIM_ERR_RANGE;
    r->d = cim_alloc_array(a, r->m ? r->m : 1, sizeof *r->d);
    return r->d ? CIM_OK : CIM_ERR_NOMEM;
}

/* Asks for every pair of S, i ascending then j ascending, like the reference's loops. Under
 * float32 statistics each distance is rounded to float, as torch.norm's result is. */
static CimStatus collect(const CimPruneParams *p, Round *r, CimPruneDistFn fn, void *ctx)
{
    size_t k = 0;
    for (size_t a = 0; a < r->ns; a++) {
        for (size_t b = a + 1; b < r->ns; b++) {
            double v = 0.;
            CimStatus st = fn(ctx, r->s[a], r->s[b], &v);
            if (st != CIM_OK)
                return st;
            r->d[k++] = p->stats_prec == CIM_PRUNE_STATS_F32 ? (double)to_f32(v) : v;
        }
    }
    return CIM_OK;
}

/* Counts close pairs per filter and writes the decision. */
static void decide(const CimPruneParams *p, const CimPruneLayer *l, Round *r, CimPruneOut *out)
{
    CimPruneStats *st = &out->stats;
    size_t k = 0;
    memset(st, 0, sizeof *st);
    st->n_filters = l->n_filters;
    st->n_participating = r->ns;
    st->pairs = r->m;
    moments(r->d, r->m, p->stats_prec, &st->mean, &st->variance);
    st->threshold = st->mean - p->threshold_b * st->variance;
    st->threshold_cmp = p->cmp == CIM_PRUNE_CMP_F64 ? st->threshold : (double)to_f32(st->threshold);
    st->count_limit = p->threshold_c * ((double)l->n_filters - 1.0);
    for (size_t a = 0; a < r->ns; a++) {
        for (size_t b = a + 1; b < r->ns; b++, k++) {
            if (!is_close(r->d[k], st->threshold, p->cmp))
                continue;
            st->close_pairs++;
            r->count[r->s[a]]++;
            r->count[r->s[b]]++;
        }
    }
    out->n_pruned = 0;
    for (size_t i = 0; i < l->n_filters; i++) {
        if (out->close_count)
            out->close_count[i] = r->count[i];
        if (r->count[i] > 0 && (double)r->count[i] > st->count_limit)
            out->pruned[out->n_pruned++] = i;
    }
    st->n_pruned = out->n_pruned;
}

CimStatus cim_prune_select(const CimPruneParams *p, const CimPruneLayer *layer,
                           CimPruneDistFn dist, void *dist_ctx, const CimAlloc *alloc,
                           CimPruneOut *out)
{
    Round r;
    CimStatus st = check_args(p, layer, dist != NULL, out);
    if (st != CIM_OK)
        return st;
    st = round_init(p, layer, alloc, &r);
    if (st == CIM_OK)
        st = collect(p, &r, dist, dist_ctx);
    if (st == CIM_OK)
        decide(p, layer, &r, out);
    round_free(alloc, &r);
    return st;
}

typedef struct {
    const double *m;
    size_t n;
} Matrix;

static CimStatus matrix_dist(void *ctx, size_t i, size_t j, double *d)
{
    const Matrix *mx = ctx;
    *d = mx->m[i * mx->n + j];
    return CIM_OK;
}

CimStatus cim_prune_select_matrix(const CimPruneParams *p, const CimPruneLayer *layer,
                                  const double *dist, const CimAlloc *alloc, CimPruneOut *out)
{
    Matrix mx;
    if (!dist || !layer)
        return CIM_ERR_RANGE;
    mx.m = dist;
    mx.n = layer->n_filters;
    return cim_prune_select(p, layer, matrix_dist, &mx, alloc, out);
}

int64_t cim_prune_sign_sum_f32(const float *w, size_t len)
{
    int64_t s = 0;
    for (size_t i = 0; i < len; i++)
        s += (w[i] > 0.f) - (w[i] < 0.f);
    return s;
}

int64_t cim_prune_sign_sum_bits(const uint64_t *row, size_t nbits)
{
    return 2 * (int64_t)cim_bits_popcount(row, nbits) - (int64_t)nbits;
}
