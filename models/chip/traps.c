/* The trap table (traps.def): each kind's name, RTL code and reason format, the reverse
 * map from code to kind, and the formatting of a trap's reason. */
#include "models/chip/chip_impl.h"

#include <assert.h>
#include <stdio.h>

#define CIM_TRAP(id, code, format) \
    _Static_assert((code) > 0 && (code) < 256, "traps.def: the code of " #id " must be in 1..255");
#include "models/chip/traps.def"
#undef CIM_TRAP

static const CimTrapInfo info[CIM_TRAP_COUNT] = {
    [CIM_TRAP_NONE] = {"NONE", 0, ""},
#define CIM_TRAP(id, code, format) [CIM_TRAP_##id] = {#id, code, format},
#include "models/chip/traps.def"
#undef CIM_TRAP
};

_Static_assert(CIM_TRAP_COUNT <= 256, "by_code holds a kind in a byte");

/* code -> kind; two rows with one code initialise one element twice, a compile error
 * (-Woverride-init, part of -Wextra). */
static const unsigned char by_code[256] = {
#define CIM_TRAP(id, code, format) [code] = CIM_TRAP_##id,
#include "models/chip/traps.def"
#undef CIM_TRAP
};

const CimTrapInfo *cim_trap_info(CimTrapKind k)
{
    assert((unsigned)k < CIM_TRAP_COUNT);
    return &info[k];
}

CimTrapKind cim_trap_kind_of_code(unsigned code)
{
    if (code == 0)
        return CIM_TRAP_NONE;
    if (code >= 256 || by_code[code] == 0)
        return CIM_TRAP_COUNT;
    return (CimTrapKind)by_code[code];
}

void chip_trap_v(CimTrap *t, CimTrapKind k, va_list ap)
{
    assert(k > CIM_TRAP_NONE && k < CIM_TRAP_COUNT);
    t->kind = k;
    vsnprintf(t->reason, sizeof t->reason, info[k].format, ap);
}

void chip_trap(CimTrap *t, CimTrapKind k, ...)
{
    va_list ap;
    va_start(ap, k);
    chip_trap_v(t, k, ap);
    va_end(ap);
}
