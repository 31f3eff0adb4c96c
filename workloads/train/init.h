/* PyTorch's default parameter initialisation for nn.Linear and nn.Conv2d and a seeded
 * Fisher-Yates shuffle for mini-batches, drawn from our CimRng (not torch's random stream). */
#ifndef CIM_INIT_H
#define CIM_INIT_H

#include <stddef.h>

#include "models/common/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* v[i] = (float)((2u - 1) * bound), u = cim_rng_uniform(rng), bound = 1/sqrt(fan_in): U(-bound,
 * bound), the distribution of torch's kaiming_uniform_(a = sqrt(5)) (gain * sqrt(3 / fan_in) =
 * sqrt(1/3) * sqrt(3 / fan_in) = 1/sqrt(fan_in)) and of its bias init. Same formula and draw
 * order as tests/support/ref_bnn's init. fan_in = 0 gives zeros (torch: bound 0). */
void cim_init_uniform(float *v, size_t len, size_t fan_in, CimRng *rng);

/* nn.Linear(in, out).reset_parameters(): w [out][in] then b [out] (b may be NULL), both
 * U(-1/sqrt(in), 1/sqrt(in)), weights drawn first. */
void cim_init_linear(float *w, float *b, size_t out, size_t in, CimRng *rng);

/* nn.Conv2d(cin, cout, (kh, kw)).reset_parameters(): w [cout][cin][kh][kw] then b [cout]
 * (b may be NULL), both U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = cin * kh * kw. */
void cim_init_conv2d(float *w, float *b, size_t cout, size_t cin, size_t kh, size_t kw,
                     CimRng *rng);

/* idx[0..n) = a uniformly random permutation of 0..n-1 (Fisher-Yates from the top, each draw
 * unbiased by rejection), like torch.randperm(n) but not its stream. */
void cim_init_randperm(size_t *idx, size_t n, CimRng *rng);

/* Uniform integer in [0, bound) without modulo bias; bound >= 1. */
size_t cim_init_below(CimRng *rng, size_t bound);

#ifdef __cplusplus
}
#endif
#endif
