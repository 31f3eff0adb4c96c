/* Semantics of the dual-row logic ops: one truth table over the LRS count per column.
 * Source: read-based (scouting) logic, Padberg et al., IEEE TCAS-II 2024 (anchors.md A.5). */
#include "models/array/array.h"

#include <stdio.h>
#include <string.h>

static const CimOpInfo op_info[CIM_OP_COUNT] = {
#define CIM_OP(id, mnemonic, opcode, truth) [CIM_OP_##id] = {mnemonic, opcode, truth},
#include "models/array/ops.def"
#undef CIM_OP
};

const CimOpInfo *cim_op_info(CimLogicOp op) { return &op_info[op]; }

CimStatus cim_op_parse(const char *mnemonic, CimLogicOp *out)
{
    for (int i = 0; i < CIM_OP_COUNT; i++)
        if (strcmp(op_info[i].mnemonic, mnemonic) == 0) {
            *out = (CimLogicOp)i;
            return CIM_OK;
        }
    return CIM_ERR_RANGE;
}

void cim_op_mnemonics(char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < CIM_OP_COUNT && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", op_info[i].mnemonic);
}

unsigned cim_op_refs(CimLogicOp op)
{
    unsigned t = op_info[op].truth;
    unsigned b0 = t & 1u, b1 = (t >> 1) & 1u, b2 = (t >> 2) & 1u;
    return (b0 != b1 ? 1u : 0u) | (b1 != b2 ? 2u : 0u);
}

void cim_op_apply(CimLogicOp op, const uint64_t *a, const uint64_t *b, uint64_t *dst, size_t nbits)
{
    unsigned t = op_info[op].truth;
    uint64_t m0 = (t & 1u) ? ~(uint64_t)0 : 0, m1 = (t & 2u) ? ~(uint64_t)0 : 0,
             m2 = (t & 4u) ? ~(uint64_t)0 : 0;
    size_t w = cim_bits_words(nbits);
    for (size_t i = 0; i < w; i++) {
        uint64_t n0 = ~(a[i] | b[i]), n1 = a[i] ^ b[i], n2 = a[i] & b[i];
        dst[i] = (n0 & m0) | (n1 & m1) | (n2 & m2);
    }
    if (w)
        dst[w - 1] &= cim_bits_tail_mask(nbits);
}
