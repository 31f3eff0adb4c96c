#include "tests/sim/scenarios.h"
namespace simtest {
}
