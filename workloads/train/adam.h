/* Adam optimiser for one parameter tensor, as torch.optim.Adam of torch 1.13 (single-tensor
 * path, weight_decay 0, amsgrad off), in float32 with torch's operation order, plus the
 * reference script's gradient mask for pruned weights. See docs/training.md. */
#ifndef CIM_ADAM_H
#define CIM_ADAM_H

#include <stddef.h>
#include <stdint.h>

#include "models/common/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Hyper-parameters; doubles, as they are Python floats in torch. */
typedef struct {
    double lr, beta1, beta2, eps;
} CimAdamParams;

/* torch's defaults with the given learning rate: betas (0.9, 0.999), eps 1e-8. */
CimAdamParams cim_adam_defaults(double lr);

/* The state torch keeps per parameter: exp_avg (m), exp_avg_sq (v) and the step count. To
 * checkpoint, save p, step and the n floats of m and v; restore with cim_adam_restore. */
typedef struct {
    CimAdamParams p;
    size_t n;       /* number of parameters */
    float *m, *v;   /* [n] each, zero at start */
    uint64_t step;  /* steps taken, 0 at start */
    const CimAlloc *alloc;
} CimAdam;

/* Sets up the state for n parameters (m = v = 0, step = 0). alloc may be NULL (malloc); it must
 * outlive the object. Returns CIM_OK, or CIM_ERR_NOMEM with *a left empty (safe to free). */
CimStatus cim_adam_init(CimAdam *a, size_t n, const CimAdamParams *p, const CimAlloc *alloc);

/* Releases m and v; *a becomes empty. Safe on an empty or failed object. */
void cim_adam_free(CimAdam *a);

/* Copies a saved state in (m and v: n floats each). */
void cim_adam_restore(CimAdam *a, const float *m, const float *v, uint64_t step);

/* One Adam step on param[n] with gradient grad[n]. Per element, in float32, with
 * bc1 = 1 - beta1^t, bc2 = 1 - beta2^t in double (t = step after the increment):
 *   m = fmaf(g, (float)(1 - beta1), m * (float)beta1)      exp_avg.mul_(b1).add_(g, alpha=1-b1)
 *   v = v * (float)beta2 + ((float)(1 - beta2) * g) * g    exp_avg_sq.mul_(b2).addcmul_(g, g, ..)
 *   denom = sqrtf(v) / (float)sqrt(bc2) + (float)eps       (v.sqrt() / sqrt(bc2)).add_(eps)
 *   param = param + ((float)(-lr / bc1) * m) / denom       param.addcdiv_(m, denom, -step_size)
 * The fused multiply-add in the first line is what torch's vectorised add kernel does on an
 * AVX2/FMA CPU. mask (may be NULL): where mask[i] != 0 the gradient is multiplied by 0 first, as
 * the reference's `param.grad *= (param.data != 0)`. This masks the GRADIENT, not the update: a
 * masked weight whose m is not 0 (it had gradients before it was masked) still moves, exactly as
 * in torch; one masked from its first step never moves (m stays 0, so the update is -0). */
void cim_adam_step(CimAdam *a, float *param, const float *grad, const uint8_t *mask);
/* Elements lo <= i < hi of cim_adam_step as step number `step` (the count after the
 * increment), a->step left as it is: the values cim_adam_step gives them. Disjoint ranges
 * may run at once; the caller then sets a->step = step. */
void cim_adam_step_range(const CimAdam *a, uint64_t step, float *param, const float *grad, const uint8_t *mask,
                         size_t lo, size_t hi);
/* The same step in the build's portable code (no run-time choice): identical results. */
void cim_adam_step_portable(CimAdam *a, float *param, const float *grad, const uint8_t *mask);

/* The reference script's mask: mask[i] = (param[i] == 0), i.e. `param.data != 0` inverted
 * (pruned weights are exactly 0; -0 counts as 0). */
void cim_adam_mask_zeros(const float *param, size_t n, uint8_t *mask);

/* NOT in the reference: clears m and v where mask[i] != 0, so that from now on a masked weight
 * stays exactly where it is under cim_adam_step with the same mask. */
void cim_adam_clear_masked(CimAdam *a, const uint8_t *mask);

#ifdef __cplusplus
}
#endif
#endif
