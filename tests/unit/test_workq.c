/* test_workq.c: the work queue's lanes (FLASH first), batches of one lane,
 * the bound (HL_ERR_FULL), completions on the loop thread in order,
 * cancellation at free, waiting for idle; run under ThreadSanitizer by
 * make test-tsan. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "alloc.h"
#include "workq.h"

#define NJOBS 64

struct tjob {
	struct hl_job j;
	int id;
	int ran;                       /* set by run (worker) */
	pthread_t done_thread;         /* set by done (loop) */
	int done_seq;
};

struct tctx {
	pthread_mutex_t gate_mu;
	pthread_cond_t gate_cv;
	int gate_open;                 /* workers block in run until open */
	int order[NJOBS];              /* run order of ids (worker side, under gate_mu) */
	int norder;
	size_t batch_sizes[NJOBS];
	unsigned batch_lanes[NJOBS];
	int nbatches;
	int done_count;                /* loop side only */
};

static struct tctx *the_ctx_for_done; /* test-local: done callbacks count here */

static void
gate_wait(struct tctx *c)
{
	pthread_mutex_lock(&c->gate_mu);
	while (!c->gate_open)
		pthread_cond_wait(&c->gate_cv, &c->gate_mu);
	pthread_mutex_unlock(&c->gate_mu);
}

static void
gate_open(struct tctx *c)
{
	pthread_mutex_lock(&c->gate_mu);
	c->gate_open = 1;
	pthread_cond_broadcast(&c->gate_cv);
	pthread_mutex_unlock(&c->gate_mu);
}

static void
run_one(struct hl_job *j, void *ctx)
{
	struct tjob *t = (struct tjob *)j;
	struct tctx *c = ctx;

	gate_wait(c);
	pthread_mutex_lock(&c->gate_mu);
	c->order[c->norder++] = t->id;
	pthread_mutex_unlock(&c->gate_mu);
	t->ran = 1;
}

static void
run_batch(struct hl_job **jobs, size_t n, void *ctx)
{
	struct tctx *c = ctx;
	size_t i;

	gate_wait(c);
	pthread_mutex_lock(&c->gate_mu);
	c->batch_sizes[c->nbatches] = n;
	c->batch_lanes[c->nbatches] = jobs[0]->lane;
	c->nbatches++;
	for (i = 0; i < n; i++) {
		/* one lane a batch */
		assert_int_equal(jobs[i]->lane, jobs[0]->lane);
		c->order[c->norder++] = ((struct tjob *)jobs[i])->id;
		((struct tjob *)jobs[i])->ran = 1;
	}
	pthread_mutex_unlock(&c->gate_mu);
}

static void
done_one(struct hl_job *j)
{
	struct tjob *t = (struct tjob *)j;

	t->done_thread = pthread_self();
	t->done_seq = ++the_ctx_for_done->done_count;
}

static struct tctx *
ctx_new(void)
{
	struct tctx *c = hl_calloc(1, sizeof(*c));

	assert_non_null(c);
	assert_int_equal(pthread_mutex_init(&c->gate_mu, NULL), 0);
	assert_int_equal(pthread_cond_init(&c->gate_cv, NULL), 0);
	the_ctx_for_done = c;
	return c;
}

static void
ctx_free(struct tctx *c)
{
	pthread_cond_destroy(&c->gate_cv);
	pthread_mutex_destroy(&c->gate_mu);
	hl_free(c);
	the_ctx_for_done = NULL;
}

/* Wait until n jobs are taken by workers (held at the gate). */
static void
wait_running(struct hl_workq *q, size_t n)
{
	struct hl_workq_stats st;

	for (;;) {
		hl_workq_stats(q, &st);
		if (st.running == n)
			return;
		usleep(1000);
	}
}

static void
job_init(struct tjob *t, int id, unsigned lane)
{
	memset(t, 0, sizeof(*t));
	t->id = id;
	t->j.lane = lane;
	t->j.run = run_one;
	t->j.done = done_one;
}

/* One worker held at the gate by a first job: the jobs queued meanwhile
 * run FLASH lane first, then by lane, oldest first within a lane. */
static void
test_lanes_order(void **state)
{
	struct event_base *base = event_base_new();
	struct hl_workq_conf conf = { .name = "t", .nthreads = 1, .max_jobs = NJOBS };
	struct tctx *c = ctx_new();
	struct tjob jobs[9];
	struct hl_workq *q = NULL;
	static const unsigned lanes[9] = { 3, 3, 2, 0, 1, 3, 0, 2, 1 };
	static const int want[9] = { 0, 3, 6, 4, 8, 2, 7, 1, 5 };
	pthread_t self = pthread_self();
	int i;

	(void)state;
	conf.ctx = c;
	assert_non_null(base);
	assert_int_equal(hl_workq_new(base, &conf, &q), HL_OK);
	for (i = 0; i < 9; i++)
		job_init(&jobs[i], i, lanes[i]);
	/* job 0 is taken at once and blocks the only worker at the gate */
	assert_int_equal(hl_workq_submit(q, &jobs[0].j), HL_OK);
	wait_running(q, 1);
	for (i = 1; i < 9; i++)
		assert_int_equal(hl_workq_submit(q, &jobs[i].j), HL_OK);
	gate_open(c);
	hl_workq_wait_idle(q);
	assert_int_equal(c->norder, 9);
	for (i = 0; i < 9; i++)
		assert_int_equal(c->order[i], want[i]);
	for (i = 0; i < 9; i++) {
		assert_true(jobs[i].ran);
		/* completions run on the loop's thread, never a worker's */
		assert_true(pthread_equal(jobs[i].done_thread, self));
	}
	/* done in completion order: the same order as run with one worker */
	for (i = 0; i < 9; i++)
		assert_int_equal(jobs[want[i]].done_seq, i + 1);
	hl_workq_free(q);
	event_base_free(base);
	ctx_free(c);
}

/* Batch mode: every queued job of one lane together, FLASH first, at most
 * max_batch a batch. */
static void
test_batches(void **state)
{
	struct event_base *base = event_base_new();
	struct hl_workq_conf conf = { .name = "b", .nthreads = 1, .max_jobs = NJOBS,
	    .max_batch = 4, .run_batch = run_batch };
	struct tctx *c = ctx_new();
	struct tjob jobs[12];
	struct hl_workq *q = NULL;
	int i;

	(void)state;
	conf.ctx = c;
	assert_int_equal(hl_workq_new(base, &conf, &q), HL_OK);
	job_init(&jobs[0], 0, 3);
	assert_int_equal(hl_workq_submit(q, &jobs[0].j), HL_OK);
	wait_running(q, 1);
	/* while batch {0} is held: six ROUTINE, then two FLASH, then three more ROUTINE */
	for (i = 1; i < 12; i++) {
		job_init(&jobs[i], i, (i == 7 || i == 8) ? 0 : 3);
		assert_int_equal(hl_workq_submit(q, &jobs[i].j), HL_OK);
	}
	gate_open(c);
	hl_workq_wait_idle(q);
	/* {0}, then the FLASH pair on their own, then ROUTINE by fours */
	assert_int_equal(c->nbatches, 5);
	assert_int_equal(c->batch_sizes[0], 1);
	assert_int_equal(c->batch_sizes[1], 2);
	assert_int_equal(c->batch_lanes[1], 0);
	assert_int_equal(c->batch_sizes[2], 4);
	assert_int_equal(c->batch_sizes[3], 4);
	assert_int_equal(c->batch_sizes[4], 1);
	assert_int_equal(c->order[1], 7);
	assert_int_equal(c->order[2], 8);
	assert_int_equal(c->order[3], 1);
	assert_int_equal(c->order[11], 11);
	hl_workq_free(q);
	event_base_free(base);
	ctx_free(c);
}

/* Plugged, jobs submitted slowly do not wake a sleeping worker: they are
 * queued whole, and the unplug makes fair batches of them (8 = half of
 * 16 for the first of two workers, then halves). Unplugged, each would be
 * taken alone as it came. */
static void
test_plug(void **state)
{
	struct event_base *base = event_base_new();
	struct hl_workq_conf conf = { .name = "p", .nthreads = 2, .max_jobs = NJOBS,
	    .max_batch = 8, .run_batch = run_batch, .batch_fair = 1 };
	struct tctx *c = ctx_new();
	struct tjob jobs[16];
	struct hl_workq_stats st;
	struct hl_workq *q = NULL;
	int i, sum = 0;

	(void)state;
	conf.ctx = c;
	gate_open(c);
	assert_int_equal(hl_workq_new(base, &conf, &q), HL_OK);
	usleep(20000);   /* both workers asleep */
	hl_workq_plug(q);
	hl_workq_plug(q);   /* nested */
	for (i = 0; i < 16; i++) {
		job_init(&jobs[i], i, 3);
		jobs[i].j.batch_ok = 1;
		assert_int_equal(hl_workq_submit(q, &jobs[i].j), HL_OK);
		usleep(2000);
	}
	hl_workq_unplug(q);
	usleep(10000);
	hl_workq_stats(q, &st);
	/* still plugged once: all queued, none taken */
	assert_int_equal(st.queued[3], 16);
	assert_int_equal(st.batches, 0);
	hl_workq_unplug(q);
	hl_workq_unplug(q);   /* one too many: harmless */
	hl_workq_wait_idle(q);
	assert_int_equal(c->norder, 16);
	assert_true(c->nbatches <= 6);
	assert_int_equal(c->batch_sizes[0], 8);
	for (i = 0; i < c->nbatches; i++)
		sum += (int)c->batch_sizes[i];
	assert_int_equal(sum, 16);
	/* unplugged: each slow submit is taken alone */
	c->nbatches = c->norder = 0;
	for (i = 0; i < 4; i++) {
		job_init(&jobs[i], i, 3);
		jobs[i].j.batch_ok = 1;
		assert_int_equal(hl_workq_submit(q, &jobs[i].j), HL_OK);
		usleep(20000);
	}
	hl_workq_wait_idle(q);
	assert_int_equal(c->nbatches, 4);
	hl_workq_plug(NULL);
	hl_workq_unplug(NULL);
	hl_workq_free(q);
	event_base_free(base);
	ctx_free(c);
}

/* The bound: max_jobs counts queued and not yet completed jobs; a refused
 * job stays the caller's; malformed jobs are refused. */
static void
test_bound(void **state)
{
	struct event_base *base = event_base_new();
	struct hl_workq_conf conf = { .name = "f", .nthreads = 2, .max_jobs = 3 };
	struct tctx *c = ctx_new();
	struct tjob jobs[5];
	struct hl_workq_stats st;
	struct hl_workq *q = NULL;
	int i;

	(void)state;
	conf.ctx = c;
	assert_int_equal(hl_workq_new(base, &conf, &q), HL_OK);
	for (i = 0; i < 5; i++)
		job_init(&jobs[i], i, 2);
	for (i = 0; i < 3; i++)
		assert_int_equal(hl_workq_submit(q, &jobs[i].j), HL_OK);
	assert_int_equal(hl_workq_submit(q, &jobs[3].j), HL_ERR_FULL);
	jobs[4].j.lane = HL_WORKQ_LANES;
	assert_int_equal(hl_workq_submit(q, &jobs[4].j), HL_ERR_INVALID);
	jobs[4].j.lane = 0;
	jobs[4].j.done = NULL;
	assert_int_equal(hl_workq_submit(q, &jobs[4].j), HL_ERR_INVALID);
	hl_workq_stats(q, &st);
	assert_true(st.refused == 1);
	gate_open(c);
	hl_workq_wait_idle(q);
	assert_false(jobs[3].ran);
	/* room again once completed */
	assert_int_equal(hl_workq_submit(q, &jobs[3].j), HL_OK);
	hl_workq_wait_idle(q);
	assert_true(jobs[3].ran);
	hl_workq_stats(q, &st);
	assert_true(st.completed == 4);
	hl_workq_free(q);
	event_base_free(base);
	ctx_free(c);
}

/* Completions come through the event loop by themselves. */
static void
test_loop_delivers(void **state)
{
	struct event_base *base = event_base_new();
	struct hl_workq_conf conf = { .name = "l", .nthreads = 2, .max_jobs = NJOBS };
	struct tctx *c = ctx_new();
	struct tjob jobs[16];
	struct hl_workq *q = NULL;
	int i, rounds = 0;

	(void)state;
	conf.ctx = c;
	gate_open(c);
	assert_int_equal(hl_workq_new(base, &conf, &q), HL_OK);
	for (i = 0; i < 16; i++) {
		job_init(&jobs[i], i, (unsigned)i % HL_WORKQ_LANES);
		assert_int_equal(hl_workq_submit(q, &jobs[i].j), HL_OK);
	}
	while (c->done_count < 16 && rounds++ < 1000)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(c->done_count, 16);
	hl_workq_free(q);
	event_base_free(base);
	ctx_free(c);
}

struct opener {
	struct hl_workq *q;
	struct tctx *c;
};

static void *
opener_main(void *arg)
{
	struct opener *o = arg;
	struct hl_workq_stats st;
	unsigned l;
	size_t queued;

	do {
		usleep(1000);
		hl_workq_stats(o->q, &st);
		for (queued = 0, l = 0; l < HL_WORKQ_LANES; l++)
			queued += st.queued[l];
	} while (queued > 0);
	gate_open(o->c);
	return NULL;
}

/* Free: running jobs finish, queued ones come back cancelled, not run. */
static void
test_cancel_at_free(void **state)
{
	struct event_base *base = event_base_new();
	struct hl_workq_conf conf = { .name = "c", .nthreads = 1, .max_jobs = NJOBS };
	struct tctx *c = ctx_new();
	struct tjob jobs[6];
	struct hl_workq *q = NULL;
	int i;

	(void)state;
	conf.ctx = c;
	assert_int_equal(hl_workq_new(base, &conf, &q), HL_OK);
	for (i = 0; i < 6; i++) {
		job_init(&jobs[i], i, 1);
		assert_int_equal(hl_workq_submit(q, &jobs[i].j), HL_OK);
	}
	wait_running(q, 1);
	/* open the gate from another thread once free has taken the queue
	 * (the worker cannot finish, so q cannot go away, before that) */
	{
		struct opener o = { .q = q, .c = c };
		pthread_t th;

		assert_int_equal(pthread_create(&th, NULL, opener_main, &o), 0);
		hl_workq_free(q);
		pthread_join(th, NULL);
	}
	assert_int_equal(c->done_count, 6);
	assert_true(jobs[0].ran && !jobs[0].j.cancelled);
	for (i = 1; i < 6; i++)
		assert_true(jobs[i].j.cancelled && !jobs[i].ran);
	event_base_free(base);
	ctx_free(c);
}

static void
test_bad_conf(void **state)
{
	struct hl_workq_conf conf = { .name = "x", .nthreads = 0, .max_jobs = 1 };
	struct hl_workq *q = (struct hl_workq *)1;

	(void)state;
	assert_int_equal(hl_workq_new(NULL, &conf, &q), HL_ERR_INVALID);
	assert_null(q);
	conf.nthreads = HL_WORKQ_THREADS_MAX + 1;
	assert_int_equal(hl_workq_new(NULL, &conf, &q), HL_ERR_INVALID);
	conf.nthreads = 1;
	conf.max_jobs = 0;
	assert_int_equal(hl_workq_new(NULL, &conf, &q), HL_ERR_INVALID);
	conf.max_jobs = 1;
	conf.run_batch = run_batch;
	assert_int_equal(hl_workq_new(NULL, &conf, &q), HL_ERR_INVALID);
	/* allocation failure */
	conf.run_batch = NULL;
	hl_alloc_fail_at(1);
	assert_int_equal(hl_workq_new(NULL, &conf, &q), HL_ERR_NOMEM);
	hl_alloc_fail_at(0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lanes_order),
		cmocka_unit_test(test_batches),
		cmocka_unit_test(test_plug),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_loop_delivers),
		cmocka_unit_test(test_cancel_at_free),
		cmocka_unit_test(test_bad_conf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
