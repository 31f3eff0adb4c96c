/* Euclidean filter pruning, the rule of the reference's quantize_prune_model
 * (reference_pointnet.md, "Pruning"): pair distances of the filters with a non-zero weight
 * sum, numpy mean and population variance, close pairs below mean - b * var, filters in
 * more than c * (N - 1) close pairs zeroed. The distances: torch.norm(w_i - w_j) on the
 * float weights (the reference), or from the Gram matrix of the int8 codes the chip
 * measures (docs/pruning.md, "PointNet++: distances on the chip"). */
#include "workloads/pointnet/pointnet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* w[i].sum() != 0 in float32, summed in order. */
static int takes_part(const float *w, size_t c)
{
    float s = 0.0f;
    for (size_t k = 0; k < c; k++)
        s += w[k];
    return s != 0.0f;
}

/* ||a - b|| as a float32 tensor value: differences in float32, the sum of squares in double
 * (PyTorch's CPU norm accumulates wider than float), rounded once to float32. */
static double pair_dist(const float *a, const float *b, size_t c)
{
    double s = 0.0;
    for (size_t k = 0; k < c; k++) {
        float d = a[k] - b[k];
        s += (double)d * d;
    }
    return (double)(float)sqrt(s);
}

/* The distance of filters i < j: the float rule's, or s * sqrt(G_ii + G_jj - 2 G_ij) from
 * the codes' Gram matrix g (exact integers; sqrt and the scale in double). */
static double distance(const float *w, size_t f, size_t c, const int32_t *g, double scale, size_t i, size_t j)
{
    if (!g)
        return pair_dist(w + i * c, w + j * c, c);
    int64_t d2 = (int64_t)g[i * f + i] + g[j * f + j] - 2 * (int64_t)g[i * f + j];
    return scale * sqrt((double)d2);
}

static CimStatus prune_with(float *w, size_t f, size_t c, const int32_t *g, double scale, double b, double c_thr,
                            uint8_t *pruned, size_t *removed_out)
{
    memset(pruned, 0, f);
    *removed_out = 0;
    if (f < 2)
        return CIM_OK;
    uint8_t *part = malloc(f);
    size_t *count = calloc(f, sizeof *count), np = 0;
    double *d = malloc(f * (f - 1) / 2 * sizeof *d);
    if (!part || !count || !d) {
        free(part);
        free(count);
        free(d);
        return CIM_ERR_NOMEM;
    }
    for (size_t i = 0; i < f; i++)
        part[i] = (uint8_t)takes_part(w + i * c, c);
    double sum = 0.0, sq = 0.0;
    for (size_t i = 0; i < f; i++)
        for (size_t j = i + 1; j < f; j++)
            if (part[i] && part[j]) {
                d[np] = distance(w, f, c, g, scale, i, j);
                sum += d[np++];
            }
    size_t removed = 0;
    if (np > 0) {
        double mean = sum / (double)np;
        for (size_t q = 0; q < np; q++)
            sq += (d[q] - mean) * (d[q] - mean);
        double limit = mean - b * (sq / (double)np);
        size_t q = 0;
        for (size_t i = 0; i < f; i++)
            for (size_t j = i + 1; j < f; j++)
                if (part[i] && part[j] && d[q++] < limit) {
                    count[i]++;
                    count[j]++;
                }
        for (size_t i = 0; i < f; i++)
            if ((double)count[i] > c_thr * (double)(f - 1)) {
                memset(w + i * c, 0, c * sizeof *w);
                pruned[i] = 1;
                removed++;
            }
    }
    free(part);
    free(count);
    free(d);
    *removed_out = removed;
    return CIM_OK;
}

CimStatus cim_pn_prune_weight(float *w, size_t f, size_t c, double b, double c_thr, uint8_t *pruned,
                              size_t *removed_out)
{
    return prune_with(w, f, c, NULL, 0.0, b, c_thr, pruned, removed_out);
}

CimStatus cim_pn_prune_gram(float *w, size_t f, size_t c, const int32_t *gram, double scale, double b, double c_thr,
                            uint8_t *pruned, size_t *removed_out)
{
    return prune_with(w, f, c, gram, scale, b, c_thr, pruned, removed_out);
}
