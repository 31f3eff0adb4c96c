/* Ordered block runs on several threads: see ordered.h. A finished block is left in a ring
 * slot and the thread takes the next block; whichever thread completes the committed prefix
 * commits every waiting block in order. A thread waits only when its next block is
 * RING_PER_JOB * jobs blocks ahead of the prefix, so one thread losing its core does not
 * stall the others. */
#include "workloads/run/ordered.h"

#include <pthread.h>
#include <stdlib.h>

enum { RING_PER_JOB = 4 };

typedef struct {
    int full;
    uint64_t b0, end;
    CimStatus st;
    int interrupted;
    void *blk;
} Slot;

typedef struct {
    const CimOrderedOps *ops;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t total, block, next; /* items; block size; first item of the next block */
    uint64_t committed;          /* items committed (a prefix) */
    int stopped;                 /* a block ended early: later blocks are dropped */
    CimOrderedResult *res;
    Slot *slot;
    unsigned nslot;
} Pool;

typedef struct {
    Pool *p;
    unsigned id;
    void *blk;
} Worker;

unsigned cim_ordered_states(unsigned jobs)
{
    return jobs + RING_PER_JOB * jobs;
}

/* Leaves w's finished block in its slot (taking the slot's state in exchange) and commits
 * every block the prefix now reaches; returns 1 when the run has stopped. */
static int deposit(Worker *w, uint64_t b0, uint64_t end, CimStatus st, int interrupted)
{
    Pool *p = w->p;
    pthread_mutex_lock(&p->mu);
    if (!p->stopped) {
        Slot *s = &p->slot[(b0 / p->block) % p->nslot];
        void *spare = s->blk;
        *s = (Slot){.full = 1, .b0 = b0, .end = end, .st = st, .interrupted = interrupted, .blk = w->blk};
        w->blk = spare;
        for (;;) {
            Slot *c = &p->slot[(p->committed / p->block) % p->nslot];
            if (p->stopped || !c->full || c->b0 != p->committed)
                break;
            p->ops->commit(p->ops->ctx, c->blk, c->b0, c->end);
            p->committed = c->end;
            c->full = 0;
            uint64_t b1 = c->b0 + p->block < p->total ? c->b0 + p->block : p->total;
            if (c->st != CIM_OK || c->interrupted || c->end < b1) {
                p->stopped = 1;
                *p->res = (CimOrderedResult){.st = c->st, .interrupted = c->interrupted, .failed_blk = c->blk};
                c->blk = NULL; /* the failed state stays with the result, out of the ring */
            }
        }
    }
    int stop = p->stopped;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return stop;
}

static void *work(void *arg)
{
    Worker *w = arg;
    Pool *p = w->p;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->stopped && p->next < p->total && p->next - p->committed >= (uint64_t)p->nslot * p->block)
            pthread_cond_wait(&p->cv, &p->mu);
        uint64_t b0 = p->next, b1 = b0 + p->block < p->total ? b0 + p->block : p->total;
        int done = p->stopped || b0 >= p->total;
        p->next = b1;
        pthread_mutex_unlock(&p->mu);
        if (done)
            break;
        CimStatus st = CIM_OK;
        int interrupted = 0;
        uint64_t end = p->ops->run(p->ops->ctx, w->id, w->blk, b0, b1, &st, &interrupted);
        if (deposit(w, b0, end, st, interrupted))
            break;
    }
    return NULL;
}

CimStatus cim_ordered_run(const CimOrderedOps *ops, uint64_t total, uint64_t block, unsigned jobs, void **blk,
                          CimOrderedResult *res)
{
    *res = (CimOrderedResult){.st = CIM_OK};
    if (jobs < 1 || block < 1)
        return CIM_ERR_RANGE;
    Pool p = {.ops = ops, .total = total, .block = block, .res = res, .nslot = RING_PER_JOB * jobs};
    p.slot = calloc(p.nslot, sizeof *p.slot);
    Worker *w = calloc(jobs, sizeof *w);
    pthread_t *tid = calloc(jobs, sizeof *tid);
    CimStatus st = p.slot && w && tid ? CIM_OK : CIM_ERR_NOMEM;
    if (st == CIM_OK) {
        for (unsigned k = 0; k < jobs; k++)
            w[k] = (Worker){.p = &p, .id = k, .blk = blk[k]};
        for (unsigned k = 0; k < p.nslot; k++)
            p.slot[k].blk = blk[jobs + k];
        pthread_mutex_init(&p.mu, NULL);
        pthread_cond_init(&p.cv, NULL);
        unsigned started = 0;
        for (; started + 1 < jobs; started++)
            if (pthread_create(&tid[started], NULL, work, &w[started + 1]) != 0)
                break;
        work(&w[0]);
        for (unsigned k = 0; k < started; k++)
            pthread_join(tid[k], NULL);
        pthread_cond_destroy(&p.cv);
        pthread_mutex_destroy(&p.mu);
    }
    free(p.slot);
    free(w);
    free(tid);
    return st;
}
