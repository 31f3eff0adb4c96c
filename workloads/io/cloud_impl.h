/* Helpers shared by the point-cloud modules of workloads/io (cloud*.c); private to the
 * folder. */
#ifndef CIM_CLOUD_IMPL_H
#define CIM_CLOUD_IMPL_H

#include "workloads/io/cloud.h"

/* Stream tags mixed into per-cloud seeds, so no two uses share a generator. */
enum { CLOUD_TAG_MODELNET_TRAIN = 1, CLOUD_TAG_MODELNET_TEST, CLOUD_TAG_SYNTH_TRAIN,
       CLOUD_TAG_SYNTH_TEST };

/* splitmix64's output function: a bijection that spreads every input bit. */
static inline uint64_t cloud_mix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* The seed of cloud `index` of stream `tag` under the user's seed. */
static inline uint64_t cloud_subseed(uint64_t seed, uint64_t tag, uint64_t index)
{
    return cloud_mix64(cloud_mix64(cloud_mix64(seed) ^ tag) ^ index);
}

/* One point of triangle (p1, p2, p3) by the reference's sorted barycentric pair: s, t
 * uniform in [0, 1), sorted, then s*p1 + (t-s)*p2 + (1-t)*p3. */
void cloud_triangle_point(CimRng *rng, const double *p1, const double *p2, const double *p3,
                          double *out);

/* Triangle area by Heron's formula on the side lengths, as the reference computes it
 * (a negative radicand from rounding gives 0). */
double cloud_heron(const double *p1, const double *p2, const double *p3);

/* Copies one normalised cloud (points x 3 doubles) into set cloud i as float32. */
void cloud_store(CimCloudSet *s, size_t i, const double *xyz);

/* Reads the whole regular file through alloc (a NUL is appended, not counted in *len).
 * CIM_ERR_IO with an error naming path, CIM_ERR_NOMEM. */
CimStatus cloud_read_file(const char *path, const CimAlloc *alloc, char **text, size_t *len,
                          CimDiag *diag);

#endif
