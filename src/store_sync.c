/* store_sync.c: group commit with the fsync off the event loop.
 *
 * Without it (the CLI, tools, most unit tests) every commit is fsynced by
 * SQLite before it returns (synchronous=FULL). hl_store_sync_start turns
 * the main connection to synchronous=NORMAL, with which a WAL commit is
 * written to the WAL file but not fsynced, and starts a syncer thread:
 *
 *   - a commit bumps the store's commit generation and tells the syncer;
 *   - the syncer fdatasyncs the WAL file (its own descriptor of it), which
 *     makes every commit written before the call durable, and reports the
 *     generation it covered through an eventfd;
 *   - on the loop, the callbacks registered with hl_store_when_durable for
 *     generations up to that one run, in order.
 *
 * So every commit made while one fdatasync runs shares the next one: many
 * sends, receipts and received envelopes per fsync, and the loop never
 * waits for the disk. hl_store_commit keeps its meaning (it returns once
 * its commit is on disk: it waits for the syncer), for the rare writes
 * that answer right away; hl_store_commit_nowait is for the paths that
 * acknowledge from a durable callback.
 *
 * Checkpoints copy the WAL into the database file and sync both (SQLite
 * does that under NORMAL too), so the WAL only starts over once what it
 * held is durable in the database file.
 *
 * Threads: the loop owns s (the connection, the callback list, the
 * generation it commits); the syncer owns the WAL descriptor; they share
 * want/synced/failed under mu. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "alloc.h"
#include "log.h"
#include "store_int.h"

struct durable_cb {
	struct durable_cb *next;
	uint64_t gen;
	hl_store_durable_fn fn;
	void *arg;
};

struct store_sync {
	struct hl_store *s;
	char wal_path[HL_PATH_MAX + 8];
	int walfd;                     /* the syncer's descriptor of the WAL file */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t want_cv;        /* the syncer waits for work */
	pthread_cond_t synced_cv;      /* hl_store_commit waits for its generation */
	uint64_t want;                 /* highest generation committed (loop writes) */
	uint64_t synced;               /* highest generation on disk (syncer writes) */
	int failed;                    /* an fdatasync failed: HL_ERR_IO from then on */
	int stop;
	uint64_t fsyncs;               /* fdatasync calls made */
	int efd;
	struct event *ev;
	/* loop only */
	uint64_t gen;                  /* generation of the last commit */
	struct durable_cb *head, *tail;
	size_t ncb;
};

static void *
syncer_main(void *arg)
{
	struct store_sync *y = arg;
	uint64_t g, one = 1;
	int rc;

	pthread_mutex_lock(&y->mu);
	for (;;) {
		while (!y->stop && y->want <= y->synced)
			pthread_cond_wait(&y->want_cv, &y->mu);
		if (y->want <= y->synced && y->stop)
			break;
		g = y->want;
		pthread_mutex_unlock(&y->mu);
		/* everything written to the WAL before this call is covered */
		rc = fdatasync(y->walfd);
		if (rc != 0)
			log_warn("store: fdatasync of %s", y->wal_path);
		pthread_mutex_lock(&y->mu);
		y->fsyncs++;
		if (rc != 0)
			y->failed = 1;
		y->synced = g;
		pthread_cond_broadcast(&y->synced_cv);
		pthread_mutex_unlock(&y->mu);
		if (write(y->efd, &one, sizeof(one)) != (ssize_t)sizeof(one) && errno != EAGAIN)
			log_warn("store: cannot signal a sync");
		pthread_mutex_lock(&y->mu);
	}
	pthread_mutex_unlock(&y->mu);
	return NULL;
}

/* On the loop: the callbacks whose commits are on disk now. */
static void
run_durable(struct store_sync *y)
{
	struct durable_cb *c;
	uint64_t synced;
	int failed;

	pthread_mutex_lock(&y->mu);
	synced = y->synced;
	failed = y->failed;
	pthread_mutex_unlock(&y->mu);
	while ((c = y->head) != NULL && c->gen <= synced) {
		y->head = c->next;
		if (y->head == NULL)
			y->tail = NULL;
		y->ncb--;
		c->fn(c->arg, failed ? HL_ERR_IO : HL_OK);
		hl_free(c);
	}
}

static void
ready_cb(evutil_socket_t fd, short what, void *arg)
{
	uint64_t v;

	(void)what;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("store: reading the sync counter");
	run_durable(arg);
}

int
hl_store_sync_start(struct hl_store *s, struct event_base *base, const char *db_path)
{
	struct store_sync *y = NULL;
	int r = HL_ERR_INTERNAL, mu = 0, cv1 = 0, cv2 = 0;

	if (s == NULL || base == NULL || s->sync != NULL || s->readonly)
		return HL_ERR_INVALID;
	if ((y = hl_calloc(1, sizeof(*y))) == NULL)
		return HL_ERR_NOMEM;
	y->s = s;
	y->efd = -1;
	y->walfd = -1;
	if ((size_t)snprintf(y->wal_path, sizeof(y->wal_path), "%s-wal", db_path) >=
	    sizeof(y->wal_path)) {
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	/* opened now, before the process drops its privileges (the WAL file
	 * is its user's, 0600); SQLite made it when it switched to WAL mode,
	 * or makes it with its first commit: create it empty then, as it
	 * would */
	if ((y->walfd = open(y->wal_path, O_RDONLY | O_CLOEXEC)) == -1 &&
	    (errno != ENOENT || (y->walfd = open(y->wal_path, O_RDONLY | O_CREAT | O_CLOEXEC,
	    0600)) == -1)) {
		log_warn("store: %s", y->wal_path);
		r = HL_ERR_IO;
		goto out;
	}
	if (pthread_mutex_init(&y->mu, NULL) != 0)
		goto out;
	mu = 1;
	if (pthread_cond_init(&y->want_cv, NULL) != 0)
		goto out;
	cv1 = 1;
	if (pthread_cond_init(&y->synced_cv, NULL) != 0)
		goto out;
	cv2 = 1;
	if ((y->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		r = HL_ERR_IO;
		goto out;
	}
	if ((y->ev = event_new(base, y->efd, EV_READ | EV_PERSIST, ready_cb, y)) == NULL ||
	    event_add(y->ev, NULL) != 0)
		goto out;
	/* commits are written, not fsynced; the syncer fsyncs them */
	if (sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL) != SQLITE_OK) {
		r = HL_ERR_STORE;
		goto out;
	}
	if (pthread_create(&y->th, NULL, syncer_main, y) != 0) {
		(void)sqlite3_exec(s->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
		goto out;
	}
	s->sync = y;
	y = NULL;
	r = HL_OK;
out:
	if (y != NULL) {
		if (y->walfd != -1)
			close(y->walfd);
		if (y->ev != NULL)
			event_free(y->ev);
		if (y->efd != -1)
			close(y->efd);
		if (cv2)
			pthread_cond_destroy(&y->synced_cv);
		if (cv1)
			pthread_cond_destroy(&y->want_cv);
		if (mu)
			pthread_mutex_destroy(&y->mu);
		hl_free(y);
	}
	return r;
}

void
store_sync_stop(struct hl_store *s)
{
	struct store_sync *y = s != NULL ? s->sync : NULL;

	if (y == NULL)
		return;
	pthread_mutex_lock(&y->mu);
	y->stop = 1;
	pthread_cond_signal(&y->want_cv);
	pthread_mutex_unlock(&y->mu);
	pthread_join(y->th, NULL);
	/* the syncer synced what was committed before it stopped */
	run_durable(y);
	while (y->head != NULL) {   /* cannot happen: nothing is left unsynced */
		struct durable_cb *c = y->head;

		y->head = c->next;
		c->fn(c->arg, HL_ERR_IO);
		hl_free(c);
	}
	s->sync = NULL;
	(void)sqlite3_exec(s->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
	event_free(y->ev);
	close(y->efd);
	close(y->walfd);
	pthread_cond_destroy(&y->synced_cv);
	pthread_cond_destroy(&y->want_cv);
	pthread_mutex_destroy(&y->mu);
	hl_free(y);
}

/* A commit was written: the syncer covers it with its next fdatasync. */
void
store_sync_committed(struct hl_store *s)
{
	struct store_sync *y = s->sync;

	if (y == NULL)
		return;
	y->gen++;
	pthread_mutex_lock(&y->mu);
	y->want = y->gen;
	pthread_cond_signal(&y->want_cv);
	pthread_mutex_unlock(&y->mu);
}

/* Wait (on the loop) until the last commit is on disk. */
int
store_sync_wait(struct hl_store *s)
{
	struct store_sync *y = s->sync;
	int failed;

	if (y == NULL)
		return HL_OK;
	pthread_mutex_lock(&y->mu);
	while (y->synced < y->gen && !y->stop)
		pthread_cond_wait(&y->synced_cv, &y->mu);
	failed = y->failed;
	pthread_mutex_unlock(&y->mu);
	return failed ? HL_ERR_IO : HL_OK;
}

int
hl_store_when_durable(struct hl_store *s, hl_store_durable_fn fn, void *arg)
{
	struct store_sync *y;
	struct durable_cb *c;
	int now;

	if (s == NULL || fn == NULL)
		return HL_ERR_INVALID;
	if ((y = s->sync) == NULL) {
		/* commits are fsynced before they return: durable already */
		fn(arg, HL_OK);
		return HL_OK;
	}
	if ((c = hl_calloc(1, sizeof(*c))) == NULL)
		return HL_ERR_NOMEM;
	c->gen = y->gen;
	c->fn = fn;
	c->arg = arg;
	if (y->tail != NULL)
		y->tail->next = c;
	else
		y->head = c;
	y->tail = c;
	y->ncb++;
	pthread_mutex_lock(&y->mu);
	now = y->synced >= c->gen;
	pthread_mutex_unlock(&y->mu);
	if (now)
		event_active(y->ev, EV_READ, 1);   /* on this loop pass, after the caller */
	return HL_OK;
}

void
hl_store_sync_stats(struct hl_store *s, struct hl_store_sync_stats *st)
{
	struct store_sync *y = s != NULL ? s->sync : NULL;

	memset(st, 0, sizeof(*st));
	if (y == NULL)
		return;
	st->commits = y->gen;
	st->waiting = y->ncb;
	pthread_mutex_lock(&y->mu);
	st->synced = y->synced;
	st->fsyncs = y->fsyncs;
	st->failed = y->failed;
	pthread_mutex_unlock(&y->mu);
}

size_t
hl_store_sync_settle(struct hl_store *s)
{
	struct store_sync *y = s != NULL ? s->sync : NULL;
	size_t before;

	if (y == NULL)
		return 0;
	(void)store_sync_wait(s);
	before = y->ncb;
	run_durable(y);
	return before - y->ncb;
}
