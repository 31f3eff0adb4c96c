/* Items (images, point clouds) run on several threads in blocks, committed in item order,
 * so that every sum is added in the same order for any thread count and the committed
 * items are always a prefix: results are identical for every --jobs. */
#ifndef CIM_RUN_ORDERED_H
#define CIM_RUN_ORDERED_H

#include "models/common/common.h"

#include <stdint.h>

typedef struct {
    void *ctx;
    /* Runs items [b0, b1) as worker w (0 .. jobs-1), counting into the block state blk (which
     * holds an earlier block's counts: run clears it first). Returns the first item not done
     * (b1 when all were), with the status and whether a stop request (Ctrl-C) ended it. */
    uint64_t (*run)(void *ctx, unsigned w, void *blk, uint64_t b0, uint64_t b1, CimStatus *st, int *interrupted);
    /* Adds block state blk of items [b0, end) to the totals (progress may be drawn here).
     * Called for one block at a time, in item order. */
    void (*commit)(void *ctx, void *blk, uint64_t b0, uint64_t end);
} CimOrderedOps;

typedef struct {
    CimStatus st;     /* the stopping block's status (CIM_OK when every item ran) */
    int interrupted;  /* a stop request ended the run */
    void *failed_blk; /* the block state whose block ended the run early (its trap or
                         messages), NULL when every item ran */
} CimOrderedResult;

/* How many block states cim_ordered_run needs for `jobs` threads: one per worker and one per
 * slot of the ring where finished blocks wait for the blocks before them. */
unsigned cim_ordered_states(unsigned jobs);

/* Runs items [0, total) in blocks of `block` on `jobs` threads (worker 0 on the calling
 * thread; if a thread cannot be started the others do its share). blk holds
 * cim_ordered_states(jobs) block states. A block that ends early (an error, a stop request)
 * ends the run there: later blocks are dropped, as a one-thread loop would stop. A thread
 * never waits for the blocks before its own, only when the ring is full. CIM_ERR_NOMEM. */
CimStatus cim_ordered_run(const CimOrderedOps *ops, uint64_t total, uint64_t block, unsigned jobs, void **blk,
                          CimOrderedResult *res);

#endif
