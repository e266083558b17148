/* workq: a bounded work queue with precedence lanes, served by threads of
 * its own, whose completions come back to the event loop.
 *
 * A job is owned by whoever holds it: the submitter fills it and hands it
 * over with hl_workq_submit; a worker thread runs it (run, or run_batch
 * for several at once); the loop gets it back in done, where the
 * submitter's code takes it over again (and frees it). Nothing is shared
 * between a worker and the loop but the queue itself, under its mutex.
 *
 * Lanes: 0 is served first (FLASH), then 1, 2, 3 (ROUTINE): a worker that
 * becomes free always takes the oldest job of the lowest non-empty lane.
 * A queue in batch mode (the store writer) hands a worker every queued job
 * of the first non-empty lane, oldest first, up to max_batch, so that they
 * share one commit; a FLASH job never waits for a batch of another lane
 * that has not started, and waits for at most one batch that has. A fair
 * batch queue (the crypto workers: batch signatures) shares a lane's jobs
 * out among its workers instead of giving them all to the first.
 *
 * The queue is bounded (max_jobs over all lanes): submit answers
 * HL_ERR_FULL rather than growing, and the caller tells its client to
 * come back (503 with Retry-After). */
#ifndef HL_WORKQ_H
#define HL_WORKQ_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

struct event_base;
struct hl_workq;

#define HL_WORKQ_LANES 4           /* enum hl_precedence: FLASH = 0 ... ROUTINE = 3 */
#define HL_WORKQ_THREADS_MAX 16

struct hl_job {
	struct hl_job *next;           /* queue link (the queue's while queued) */
	unsigned lane;                 /* 0 .. HL_WORKQ_LANES - 1 */
	uint64_t queued_us;            /* set by submit (monotonic) */
	uint64_t started_us;           /* set by the worker before run */
	int cancelled;                 /* hl_workq_free: done without run */
	int batch_ok;                  /* may share a batch with others (batch_fair queues) */
	/* on a worker thread; touches only the job and what it owns */
	void (*run)(struct hl_job *j, void *ctx);
	/* on the loop thread, after run (or cancelled at free) */
	void (*done)(struct hl_job *j);
};

/* The worker's part in batch mode: run the n jobs of one batch (one lane,
 * queue order) together, e.g. in one transaction. ctx is the queue's. */
typedef void (*hl_workq_batch_fn)(struct hl_job **jobs, size_t n, void *ctx);

struct hl_workq_conf {
	const char *name;              /* for logs and thread names ("crypto", "store") */
	unsigned nthreads;             /* 1 .. HL_WORKQ_THREADS_MAX */
	size_t max_jobs;               /* queued and running, over all lanes */
	size_t max_batch;              /* batch mode: jobs per batch; 0: one job at a time */
	hl_workq_batch_fn run_batch;   /* batch mode (then a job's run is not called) */
	/* batch mode, fair: a worker takes at most its share of the lane
	 * (queued / nthreads, rounded up), and only jobs with batch_ok join a
	 * batch (any other job runs alone), so the other workers stay busy and
	 * a long job never makes a batch longer */
	int batch_fair;
	void *ctx;                     /* passed to run / run_batch */
	/* called on each worker thread before its first job and after its last
	 * (thread-local set-up, e.g. a connection of its own); may be NULL */
	void (*thread_init)(void *ctx, unsigned index);
	void (*thread_fini)(void *ctx, unsigned index);
};

/* Start the threads; completions are delivered on base's loop. */
HL_WUR int hl_workq_new(struct event_base *base, const struct hl_workq_conf *conf,
    struct hl_workq **out);

/* Stop: wait for the running jobs, hand every queued one back to its done
 * with cancelled = 1, join the threads, and deliver what completed. Call
 * on the loop thread. Accepts NULL. */
void hl_workq_free(struct hl_workq *q);

/* Hand j over (lane, run/done set). HL_ERR_FULL when max_jobs are in the
 * queue: j stays the caller's. Loop thread only. */
HL_WUR int hl_workq_submit(struct hl_workq *q, struct hl_job *j);

/* Between plug and unplug (nested, loop thread only), submits queue jobs
 * without waking a sleeping worker; the last unplug wakes them all. A
 * burst submitted this way is queued whole before a worker looks, so batch
 * mode sees it at once instead of one job per wake-up. Workers already
 * awake keep taking jobs. Accept NULL. */
void hl_workq_plug(struct hl_workq *q);
void hl_workq_unplug(struct hl_workq *q);

/* Run the completions that are ready now (the loop does this by itself;
 * for tests and for shutdown paths that cannot wait for the next pass). */
void hl_workq_drain(struct hl_workq *q);

/* Wait on the calling (loop) thread until every job submitted so far has
 * completed and its done has run. */
void hl_workq_wait_idle(struct hl_workq *q);

struct hl_workq_stats {
	size_t queued[HL_WORKQ_LANES];  /* waiting now */
	size_t running;                 /* taken by a worker, not yet done */
	uint64_t completed;             /* done called so far */
	uint64_t batches;               /* batch mode: batches run */
	uint64_t refused;               /* submits answered HL_ERR_FULL */
};
void hl_workq_stats(struct hl_workq *q, struct hl_workq_stats *st);

#endif
