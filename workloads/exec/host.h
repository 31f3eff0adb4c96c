/* The host layers (ReLU, max-pool, flatten, linear) after the last chip layer, in float32
 * with the reference's summation order, from the chip's integer outputs to the logits. */
#ifndef CIM_HOST_H
#define CIM_HOST_H

#include "workloads/compile/compile.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The host layers' prepared weights: linear weights transposed ([in][out]), so that the
 * forward pass runs across outputs while each output still sums from input 0 upwards. */
typedef struct CimHostS {
    float **wt;   /* per network layer, NULL unless linear */
    unsigned char *finite; /* per network layer: every weight finite (see linear in host.c) */
    size_t n;
} CimHost;

CimStatus cim_host_init(CimHost *h, const CimNet *net);
void cim_host_free(CimHost *h);
/* The host part: from the last chip layer's int32 outputs (original order, [F][H][W]) to
 * the logits, in float32 with the reference's summation order (linear: from input 0
 * upwards, then the bias). scratch: 2 x the largest activation, floats. */
void cim_host_forward(const CimHost *h, const CimCompiled *cc, const CimNet *net, const int32_t *conv_out,
                      float *logits, float *scratch);
/* Largest activation (elements) of the network, for sizing scratch. */
size_t cim_net_max_activation(const CimNet *net);

/* Index of the largest logit, the first one on ties (torch.argmax). */
unsigned cim_argmax(const float *v, unsigned n);

#ifdef __cplusplus
}
#endif
#endif
