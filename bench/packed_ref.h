/* Benchmark reference: the MNIST binary CNN as a plain packed XNOR-popcount program with no
 * chip model at all (dot = V - 2 popcount((x XOR w) AND valid)), so `make bench` can show
 * what the simulator's bookkeeping costs against the bare arithmetic. */
#ifndef CIM_PACKED_REF_H
#define CIM_PACKED_REF_H

#include "workloads/exec/infer.h"

typedef struct PackedRef PackedRef;

/* NULL if out of memory or the network is not conv(+pool/relu)* then host layers. */
PackedRef *packed_ref_create(const CimNet *net, CimPrunedMode mode);
void packed_ref_free(PackedRef *r);
void packed_ref_forward(PackedRef *r, const uint8_t *pixels, float *logits);

#endif
