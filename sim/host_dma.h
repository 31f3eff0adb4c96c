// The host link (dma_bits_per_cycle): busy while dmai/dmao stream bits between the host
// (CimHostIO) and the buffer; the buffer port is taken for the same transfer.
#ifndef CIM_SIM_HOST_DMA_H
#define CIM_SIM_HOST_DMA_H

#include "sim/unit.h"

namespace cim {

class HostDma : public Unit {
public:
    using Unit::Unit;
};

}  // namespace cim

#endif
