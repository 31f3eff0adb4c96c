/* Test helpers over compiled networks and what running them cost: the one comparison of two
 * tallies (every field a path must reproduce), and probes of how the mapper laid regions. */
#ifndef CIM_TEST_TALLY_CHECK_H
#define CIM_TEST_TALLY_CHECK_H

#include "workloads/exec/infer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The first field in which tallies a and b differ, as text ("cycles 10 vs 12", "event
 * cell_lrs 3 vs 4", "stall on unit 2 5 vs 6", "busy of resource 5 ..."), written into buf;
 * NULL when they are equal in cycles, instructions, reload cycles, every event, the cycle
 * split and every resource's busy cycles. */
const char *test_tally_diff(const CimLayerTally *a, const CimLayerTally *b, char *buf, size_t len);

/* 1 when some macro holds two regions of one chip layer (they take turns in rounds). */
int test_regions_share_macro(const CimCompiled *cc);
/* 1 when some region starts past column 0 of its macro and shares rows with another region
 * there (pieces of one or two layers side by side: the 2-D allocator's case). */
int test_regions_side_by_side(const CimCompiled *cc);

#ifdef __cplusplus
}
#endif
#endif
