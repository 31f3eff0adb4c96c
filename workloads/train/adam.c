/* Adam as torch.optim.Adam (torch 1.13, _single_tensor_adam, defaults), float32 element math in
 * torch's order, with the reference script's gradient mask. */
#include "workloads/train/adam.h"

#include <math.h>
#include <string.h>

CimAdamParams cim_adam_defaults(double lr)
{
    CimAdamParams p = { lr, 0.9, 0.999, 1e-8 };
    return p;
}

CimStatus cim_adam_init(CimAdam *a, size_t n, const CimAdamParams *p, const CimAlloc *alloc)
{
    memset(a, 0, sizeof *a);
    a->p = *p;
    a->alloc = alloc;
    if (n == 0)
        return CIM_OK;
    a->m = cim_alloc_array(alloc, n, sizeof *a->m);
    a->v = cim_alloc_array(alloc, n, sizeof *a->v);
    if (!a->m || !a->v) {
        cim_adam_free(a);
        return CIM_ERR_NOMEM;
    }
    a->n = n;
    return CIM_OK;
}

void cim_adam_free(CimAdam *a)
{
    cim_free(a->alloc, a->m);
    cim_free(a->alloc, a->v);
    a->m = a->v = NULL;
    a->n = 0;
    a->step = 0;
}

void cim_adam_restore(CimAdam *a, const float *m, const float *v, uint64_t step)
{
    if (a->n) {
        memcpy(a->m, m, a->n * sizeof *a->m);
        memcpy(a->v, v, a->n * sizeof *a->v);
    }
    a->step = step;
}

/* torch 1.13, _single_tensor_adam, per parameter:
 *   step_t += 1
 *   exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
 *   exp_avg_sq.mul_(beta2).addcmul_(grad, grad.conj(), value=1 - beta2)
 *   bias_correction1 = 1 - beta1 ** step;  bias_correction2 = 1 - beta2 ** step   (Python floats)
 *   step_size = lr / bias_correction1;  bias_correction2_sqrt = math.sqrt(bias_correction2)
 *   denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
 *   param.addcdiv_(exp_avg, denom, value=-step_size)
 * Python scalars reach the float32 kernels rounded to float. */
static inline __attribute__((always_inline)) void adam_range(const CimAdam *a, uint64_t step, float *param,
                                                            const float *grad, const uint8_t *mask, size_t lo,
                                                            size_t hi)
{
    double t, bc1, bc2;
    float b1, a1, b2, a2, bc2s, eps, neg_step;
    t = (double)step;
    bc1 = 1.0 - pow(a->p.beta1, t);
    bc2 = 1.0 - pow(a->p.beta2, t);
    b1 = (float)a->p.beta1;
    a1 = (float)(1.0 - a->p.beta1);
    b2 = (float)a->p.beta2;
    a2 = (float)(1.0 - a->p.beta2);
    bc2s = (float)sqrt(bc2);
    eps = (float)a->p.eps;
    neg_step = (float)(-(a->p.lr / bc1));
    float *restrict pm = a->m, *restrict pv = a->v, *restrict pp = param;
    const float *restrict pg = grad;
    /* two loops without a branch inside, so that the compiler can vectorise them (the Makefile
     * builds this file with -fno-math-errno: v >= 0, so sqrtf never sets errno, and without
     * errno it is one correctly rounded instruction, vector or not) */
#define ADAM_ELEMENT(G)                                                                             \
    do {                                                                                            \
        float g = (G), m = fmaf(g, a1, pm[i] * b1), v = pv[i] * b2 + (a2 * g) * g;                  \
        float denom = __builtin_sqrtf(v) / bc2s + eps;                                              \
        pm[i] = m;                                                                                  \
        pv[i] = v;                                                                                  \
        pp[i] = pp[i] + (neg_step * m) / denom;                                                     \
    } while (0)
    if (mask)
        for (size_t i = lo; i < hi; i++)
            ADAM_ELEMENT(mask[i] ? pg[i] * 0.0f : pg[i]);
    else
        for (size_t i = lo; i < hi; i++)
            ADAM_ELEMENT(pg[i]);
#undef ADAM_ELEMENT
}


/* The step compiled for the widest vector unit the CPU has, chosen at run time (function
 * multi-versioning). Every clone does the same float32 operations on each element (fmaf is
 * exact-rounded everywhere; the build is ISO C, where gcc contracts nothing else into an
 * FMA), so the result is the portable step's bit for bit (tests/workloads/train/test_adam.c). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
void cim_adam_step_range(const CimAdam *a, uint64_t step, float *param, const float *grad, const uint8_t *mask,
                         size_t lo, size_t hi)
{
    adam_range(a, step, param, grad, mask, lo, hi);
}

void cim_adam_step(CimAdam *a, float *param, const float *grad, const uint8_t *mask)
{
    cim_adam_step_range(a, ++a->step, param, grad, mask, 0, a->n);
}

void cim_adam_step_portable(CimAdam *a, float *param, const float *grad, const uint8_t *mask)
{
    adam_range(a, ++a->step, param, grad, mask, 0, a->n);
}

void cim_adam_mask_zeros(const float *param, size_t n, uint8_t *mask)
{
    for (size_t i = 0; i < n; i++)
        mask[i] = param[i] == 0.0f;
}

void cim_adam_clear_masked(CimAdam *a, const uint8_t *mask)
{
    for (size_t i = 0; i < a->n; i++)
        if (mask[i])
            a->m[i] = a->v[i] = 0.0f;
}
