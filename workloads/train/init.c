/* PyTorch default initialisation (kaiming_uniform a = sqrt(5) and the bias bound of
 * nn.Linear / nn.Conv2d) and a seeded Fisher-Yates permutation, from CimRng. */
#include "workloads/train/init.h"

#include <math.h>
#include <stdint.h>

void cim_init_uniform(float *v, size_t len, size_t fan_in, CimRng *rng)
{
    double bound = fan_in ? 1.0 / sqrt((double)fan_in) : 0.0;
    for (size_t i = 0; i < len; i++)
        v[i] = (float)((2.0 * cim_rng_uniform(rng) - 1.0) * bound);
}

void cim_init_linear(float *w, float *b, size_t out, size_t in, CimRng *rng)
{
    cim_init_uniform(w, out * in, in, rng);
    if (b)
        cim_init_uniform(b, out, in, rng);
}

void cim_init_conv2d(float *w, float *b, size_t cout, size_t cin, size_t kh, size_t kw,
                     CimRng *rng)
{
    size_t fan_in = cin * kh * kw;
    cim_init_uniform(w, cout * fan_in, fan_in, rng);
    if (b)
        cim_init_uniform(b, cout, fan_in, rng);
}

size_t cim_init_below(CimRng *rng, size_t bound)
{
    /* Reject the top (2^64 mod bound) values so every residue is equally likely. */
    uint64_t b = (uint64_t)bound, limit = UINT64_MAX - (UINT64_MAX % b + 1) % b, r;
    do
        r = cim_rng_u64(rng);
    while (r > limit);
    return (size_t)(r % b);
}

void cim_init_randperm(size_t *idx, size_t n, CimRng *rng)
{
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = cim_init_below(rng, i), tmp = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = tmp;
    }
}
