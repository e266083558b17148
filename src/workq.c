/* workq.c: bounded lanes of jobs, worker threads, completions on the loop
 * through an eventfd (see workq.h for who owns what). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "alloc.h"
#include "clock.h"
#include "log.h"
#include "workq.h"

struct lane {
	struct hl_job *head, *tail;
	size_t n;
};

struct worker {
	struct hl_workq *q;
	unsigned index;
	pthread_t th;
	int started;
};

struct hl_workq {
	struct hl_workq_conf conf;
	char name[16];
	pthread_mutex_t mu;
	pthread_cond_t work_cv;        /* workers wait for jobs or stop */
	pthread_cond_t done_cv;        /* wait_idle waits for completions */
	struct lane lanes[HL_WORKQ_LANES];
	struct hl_job *done_head, *done_tail;  /* completed, for the loop */
	size_t inflight;               /* submitted, done not yet called */
	size_t running;
	int stopping;
	unsigned plugged;              /* hl_workq_plug depth: submits do not wake */
	uint64_t completed, batches, refused;
	int efd;                       /* eventfd: completions are ready */
	struct event *ev;
	unsigned nworkers;
	struct worker workers[HL_WORKQ_THREADS_MAX];
};

static struct hl_job *
lane_pop(struct lane *l)
{
	struct hl_job *j = l->head;

	if (j != NULL) {
		l->head = j->next;
		if (l->head == NULL)
			l->tail = NULL;
		l->n--;
		j->next = NULL;
	}
	return j;
}

static void
lane_push(struct lane *l, struct hl_job *j)
{
	j->next = NULL;
	if (l->tail != NULL)
		l->tail->next = j;
	else
		l->head = j;
	l->tail = j;
	l->n++;
}

/* Under mu: completed jobs go on the done list; wake the loop once. */
static void
complete_locked(struct hl_workq *q, struct hl_job **jobs, size_t n)
{
	uint64_t one = 1;
	int was_empty = q->done_head == NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		jobs[i]->next = NULL;
		if (q->done_tail != NULL)
			q->done_tail->next = jobs[i];
		else
			q->done_head = jobs[i];
		q->done_tail = jobs[i];
	}
	pthread_cond_broadcast(&q->done_cv);
	if (was_empty && write(q->efd, &one, sizeof(one)) != (ssize_t)sizeof(one) &&
	    errno != EAGAIN)
		log_warn("workq %s: cannot signal completions", q->name);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct hl_workq *q = w->q;
	struct hl_job *one[1], **batch = NULL;
	size_t cap = q->conf.max_batch > 0 ? q->conf.max_batch : 1, n, take;
	unsigned l;

	if (q->conf.max_batch > 0 && (batch = hl_calloc(cap, sizeof(*batch))) == NULL) {
		log_warnx("workq %s: out of memory for a batch: worker %u runs one job at a time",
		    q->name, w->index);
		cap = 1;
	}
	if (batch == NULL)
		batch = one;
	if (q->conf.thread_init != NULL)
		q->conf.thread_init(q->conf.ctx, w->index);
	pthread_mutex_lock(&q->mu);
	for (;;) {
		for (l = 0; l < HL_WORKQ_LANES && q->lanes[l].n == 0; l++)
			;
		if (l == HL_WORKQ_LANES) {
			if (q->stopping)
				break;
			pthread_cond_wait(&q->work_cv, &q->mu);
			continue;
		}
		/* one lane a batch, so that a FLASH batch commits on its own */
		take = cap;
		if (q->conf.batch_fair) {
			size_t share = (q->lanes[l].n + q->conf.nthreads - 1) / q->conf.nthreads;

			if (share < take)
				take = share;
		}
		for (n = 0; n < take && q->lanes[l].n > 0; n++) {
			if (q->conf.batch_fair && n > 0 &&
			    (!batch[0]->batch_ok || !q->lanes[l].head->batch_ok))
				break;
			batch[n] = lane_pop(&q->lanes[l]);
		}
		q->running += n;
		pthread_mutex_unlock(&q->mu);
		{
			uint64_t now = hl_mono_us();
			size_t i;

			for (i = 0; i < n; i++)
				batch[i]->started_us = now;
			if (q->conf.run_batch != NULL)
				q->conf.run_batch(batch, n, q->conf.ctx);
			else
				for (i = 0; i < n; i++)
					batch[i]->run(batch[i], q->conf.ctx);
		}
		pthread_mutex_lock(&q->mu);
		q->running -= n;
		q->batches++;
		complete_locked(q, batch, n);
	}
	pthread_mutex_unlock(&q->mu);
	if (q->conf.thread_fini != NULL)
		q->conf.thread_fini(q->conf.ctx, w->index);
	if (batch != one)
		hl_free(batch);
	return NULL;
}

/* On the loop: call done for every completed job. */
static void
deliver(struct hl_workq *q)
{
	struct hl_job *j, *next;
	size_t n = 0;

	pthread_mutex_lock(&q->mu);
	j = q->done_head;
	q->done_head = q->done_tail = NULL;
	pthread_mutex_unlock(&q->mu);
	for (; j != NULL; j = next) {
		next = j->next;
		j->next = NULL;
		j->done(j);
		n++;
	}
	if (n > 0) {
		pthread_mutex_lock(&q->mu);
		q->inflight -= n;
		q->completed += n;
		pthread_mutex_unlock(&q->mu);
	}
}

static void
ready_cb(evutil_socket_t fd, short what, void *arg)
{
	uint64_t v;

	(void)what;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("workq: reading the completion counter");
	deliver(arg);
}

int
hl_workq_new(struct event_base *base, const struct hl_workq_conf *conf, struct hl_workq **out)
{
	struct hl_workq *q = NULL;
	unsigned i;
	int r = HL_ERR_INTERNAL, mu = 0, wcv = 0, dcv = 0;

	*out = NULL;
	if (conf == NULL || conf->nthreads == 0 || conf->nthreads > HL_WORKQ_THREADS_MAX ||
	    conf->max_jobs == 0 || (conf->run_batch != NULL && conf->max_batch == 0))
		return HL_ERR_INVALID;
	if ((q = hl_calloc(1, sizeof(*q))) == NULL)
		return HL_ERR_NOMEM;
	q->conf = *conf;
	q->efd = -1;
	(void)snprintf(q->name, sizeof(q->name), "%s", conf->name != NULL ? conf->name : "workq");
	if (pthread_mutex_init(&q->mu, NULL) != 0)
		goto out;
	mu = 1;
	if (pthread_cond_init(&q->work_cv, NULL) != 0)
		goto out;
	wcv = 1;
	if (pthread_cond_init(&q->done_cv, NULL) != 0)
		goto out;
	dcv = 1;
	if ((q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		log_warn("workq %s: eventfd", q->name);
		r = HL_ERR_IO;
		goto out;
	}
	if (base != NULL && ((q->ev = event_new(base, q->efd, EV_READ | EV_PERSIST, ready_cb,
	    q)) == NULL || event_add(q->ev, NULL) != 0))
		goto out;
	for (i = 0; i < conf->nthreads; i++) {
		struct worker *w = &q->workers[i];

		w->q = q;
		w->index = i;
		if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
			log_warnx("workq %s: cannot start thread %u", q->name, i);
			goto out;
		}
		w->started = 1;
		q->nworkers++;
	}
	*out = q;
	q = NULL;
	r = HL_OK;
out:
	if (q != NULL) {
		if (q->nworkers > 0) {
			hl_workq_free(q);
		} else {
			if (q->ev != NULL)
				event_free(q->ev);
			if (q->efd != -1)
				close(q->efd);
			if (dcv)
				pthread_cond_destroy(&q->done_cv);
			if (wcv)
				pthread_cond_destroy(&q->work_cv);
			if (mu)
				pthread_mutex_destroy(&q->mu);
			hl_free(q);
		}
	}
	return r;
}

int
hl_workq_submit(struct hl_workq *q, struct hl_job *j)
{
	if (j == NULL || j->lane >= HL_WORKQ_LANES || j->done == NULL ||
	    (q->conf.run_batch == NULL && j->run == NULL))
		return HL_ERR_INVALID;
	pthread_mutex_lock(&q->mu);
	if (q->stopping || q->inflight >= q->conf.max_jobs) {
		q->refused++;
		pthread_mutex_unlock(&q->mu);
		return HL_ERR_FULL;
	}
	j->cancelled = 0;
	j->queued_us = hl_mono_us();
	lane_push(&q->lanes[j->lane], j);
	q->inflight++;
	if (q->plugged == 0)
		pthread_cond_signal(&q->work_cv);
	pthread_mutex_unlock(&q->mu);
	return HL_OK;
}

void
hl_workq_plug(struct hl_workq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	q->plugged++;
	pthread_mutex_unlock(&q->mu);
}

void
hl_workq_unplug(struct hl_workq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	if (q->plugged > 0 && --q->plugged == 0)
		pthread_cond_broadcast(&q->work_cv);
	pthread_mutex_unlock(&q->mu);
}

void
hl_workq_drain(struct hl_workq *q)
{
	if (q != NULL)
		deliver(q);
}

void
hl_workq_wait_idle(struct hl_workq *q)
{
	if (q == NULL)
		return;
	for (;;) {
		pthread_mutex_lock(&q->mu);
		while (q->inflight > 0 && q->done_head == NULL)
			pthread_cond_wait(&q->done_cv, &q->mu);
		if (q->inflight == 0) {
			pthread_mutex_unlock(&q->mu);
			return;
		}
		pthread_mutex_unlock(&q->mu);
		deliver(q);
	}
}

void
hl_workq_stats(struct hl_workq *q, struct hl_workq_stats *st)
{
	unsigned l;

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&q->mu);
	for (l = 0; l < HL_WORKQ_LANES; l++)
		st->queued[l] = q->lanes[l].n;
	st->running = q->running;
	st->completed = q->completed;
	st->batches = q->batches;
	st->refused = q->refused;
	pthread_mutex_unlock(&q->mu);
}

void
hl_workq_free(struct hl_workq *q)
{
	struct hl_job *cancelled = NULL, **tail = &cancelled, *j, *next;
	unsigned i, l;
	size_t n = 0;

	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	q->stopping = 1;
	/* what no worker took yet is handed back without running */
	for (l = 0; l < HL_WORKQ_LANES; l++)
		while ((j = lane_pop(&q->lanes[l])) != NULL) {
			j->cancelled = 1;
			*tail = j;
			tail = &j->next;
		}
	pthread_cond_broadcast(&q->work_cv);
	pthread_mutex_unlock(&q->mu);
	for (i = 0; i < HL_WORKQ_THREADS_MAX; i++)
		if (q->workers[i].started)
			pthread_join(q->workers[i].th, NULL);
	deliver(q);
	for (j = cancelled; j != NULL; j = next) {
		next = j->next;
		j->next = NULL;
		j->done(j);
		n++;
	}
	q->inflight -= n;
	if (q->ev != NULL)
		event_free(q->ev);
	if (q->efd != -1)
		close(q->efd);
	pthread_cond_destroy(&q->done_cv);
	pthread_cond_destroy(&q->work_cv);
	pthread_mutex_destroy(&q->mu);
	hl_free(q);
}
