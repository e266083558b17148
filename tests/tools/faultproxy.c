/* faultproxy.c: a TCP proxy that injects faults between hotline nodes.
 *
 * usage: faultproxy --control PORT [--seed N] LISTEN_PORT:TARGET_HOST:TARGET_PORT ...
 *
 * One process, one libevent loop, one listener per mapping on 127.0.0.1.
 * Every accepted connection is paired with a new connection to the
 * mapping's target and bytes are forwarded both ways, unchanged. Faults are
 * switched on and off through a line protocol on 127.0.0.1:CONTROL (one
 * command per line, at most CTL_LINE_MAX bytes; each answered with one line,
 * "ok ..." or "error ..."):
 *
 *   drop P               probability 0..1 that a connection is reset (RST,
 *                        both sides) each time a chunk is forwarded. The
 *                        links run TLS, which cannot survive silently lost
 *                        bytes, so "loss" here means losing the connection.
 *   delay MS [JITTER]    hold every chunk MS (+ uniform 0..JITTER) ms; order
 *                        within a direction is kept (it is TCP after all)
 *   reset                reset every current connection now
 *   partition PORT|all   cut the mapping's connections and reset new ones
 *   heal PORT|all        undo partition
 *   stats                counters so far, one line of key=value
 *
 * Randomness (drop, jitter) comes from a splitmix64 generator seeded with
 * --seed, so a run is reproducible as far as the nodes' own timing allows.
 * A side is not read while the other side's output (plus delayed chunks)
 * exceeds PX_BUF_MAX. Nothing the nodes or a control client send can make it
 * exit; it runs until SIGTERM or SIGINT. Prints "faultproxy: ready" on
 * stdout once every listener is bound. See docs/internals/faults.md. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "alloc.h"

#define PX_MAPPINGS_MAX 256
#define PX_CONNS_MAX 4096
#define PX_CTL_CLIENTS_MAX 16
#define PX_BUF_MAX (4u * 1024 * 1024)       /* stop reading above this */
#define PX_BUF_RESUME (1u * 1024 * 1024)    /* resume below this */
#define CTL_LINE_MAX 256
#define CTL_OUT_MAX (64u * 1024)
#define PX_DELAY_MAX_MS 60000ul

struct mapping {
	unsigned short listen_port;
	char target[300];
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int partitioned;
	struct evconnlistener *lev;
};

struct chunk {
	struct chunk *next;
	uint64_t release_ms;
	struct evbuffer *data;
};

struct conn;

/* one direction: bytes read from side `from` are written to side 1 - from */
struct dir {
	struct conn *c;
	int from;
	struct chunk *head, *tail;
	size_t pending;             /* bytes in delayed chunks */
	uint64_t last_release_ms;
	struct event *timer;
	int paused;
};

struct conn {
	struct conn *prev, *next;
	struct mapping *m;
	struct bufferevent *side[2];    /* 0: accepted client, 1: target */
	struct dir dir[2];              /* dir[d]: side[d] -> side[1 - d] */
	int closing;                    /* one side gone: flush, then free */
	int connected;                  /* the target connection is established */
};

struct ctl_client {
	struct bufferevent *bev;
};

static struct event_base *base;
static struct mapping maps[PX_MAPPINGS_MAX];
static size_t nmaps;
static struct conn *conns;
static size_t nconns;
static size_t nctl;
static uint64_t rng_state;
static double drop_p;
static unsigned long delay_ms, jitter_ms;

static struct {
	uint64_t accepted, refused_limit, refused_partition, connect_failed;
	uint64_t bytes[2];
	uint64_t resets_drop, resets_cmd, resets_partition;
	uint64_t partitions, heals, drops_set, delays_set, delayed_chunks;
	uint64_t ctl_errors, paused;
} st;

/* ---- PRNG (splitmix64) ---- */

static uint64_t
rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* uniform in [0, 1) */
static double
rng_unit(void)
{
	return (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- connections ---- */

static void
set_rst(struct bufferevent *bev)
{
	struct linger lg;
	evutil_socket_t fd;

	if (bev == NULL || (fd = bufferevent_getfd(bev)) < 0)
		return;
	lg.l_onoff = 1;
	lg.l_linger = 0;
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

static void
dir_clear(struct dir *d)
{
	struct chunk *ch;

	while ((ch = d->head) != NULL) {
		d->head = ch->next;
		evbuffer_free(ch->data);
		hl_free(ch);
	}
	d->tail = NULL;
	d->pending = 0;
	if (d->timer != NULL) {
		event_free(d->timer);
		d->timer = NULL;
	}
}

/* Free a connection; rst: reset both TCP connections instead of closing. */
static void
conn_free(struct conn *c, int rst)
{
	int i;

	for (i = 0; i < 2; i++) {
		dir_clear(&c->dir[i]);
		if (c->side[i] != NULL) {
			if (rst)
				set_rst(c->side[i]);
			bufferevent_free(c->side[i]);
			c->side[i] = NULL;
		}
	}
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	nconns--;
	hl_free(c);
}

static size_t
out_len(struct conn *c, int to)
{
	size_t n = c->dir[1 - to].pending;

	if (c->side[to] != NULL)
		n += evbuffer_get_length(bufferevent_get_output(c->side[to]));
	return n;
}

/* A closing connection is freed once the surviving side has written
 * everything it still holds. */
static int
conn_finish_if_done(struct conn *c)
{
	int i;

	if (!c->closing)
		return 0;
	for (i = 0; i < 2; i++)
		if (c->side[i] != NULL && out_len(c, i) > 0)
			return 0;
	conn_free(c, 0);
	return 1;
}

static void
dir_resume_if_room(struct dir *d)
{
	struct conn *c = d->c;

	if (d->paused && c->side[d->from] != NULL && out_len(c, 1 - d->from) < PX_BUF_RESUME) {
		d->paused = 0;
		bufferevent_enable(c->side[d->from], EV_READ);
	}
}

static void timer_cb(evutil_socket_t, short, void *);

static void
dir_arm(struct dir *d)
{
	struct timeval tv;
	uint64_t now = now_ms(), wait;

	if (d->head == NULL)
		return;
	if (d->timer == NULL &&
	    (d->timer = event_new(base, -1, 0, timer_cb, d)) == NULL)
		return;
	wait = d->head->release_ms > now ? d->head->release_ms - now : 0;
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)((wait % 1000) * 1000);
	(void)evtimer_add(d->timer, &tv);
}

/* Move released chunks (all of them when force) to the output side. */
static void
dir_flush(struct dir *d, int force)
{
	struct conn *c = d->c;
	struct bufferevent *to = c->side[1 - d->from];
	struct chunk *ch;
	uint64_t now = now_ms();

	while ((ch = d->head) != NULL && (force || ch->release_ms <= now)) {
		d->head = ch->next;
		if (d->head == NULL)
			d->tail = NULL;
		d->pending -= evbuffer_get_length(ch->data);
		if (to != NULL)
			(void)evbuffer_add_buffer(bufferevent_get_output(to), ch->data);
		evbuffer_free(ch->data);
		hl_free(ch);
	}
	if (d->head != NULL)
		dir_arm(d);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dir *d = arg;
	struct conn *c = d->c;

	(void)fd;
	(void)what;
	dir_flush(d, 0);
	if (conn_finish_if_done(c))
		return;
	dir_resume_if_room(d);
}

/* Forward what side `from` has read. may_drop: roll the dice for "drop".
 * Returns 1 when the connection was freed. */
static int
forward(struct conn *c, int from, int may_drop)
{
	struct bufferevent *bev = c->side[from];
	struct dir *d = &c->dir[from];
	struct evbuffer *in = bufferevent_get_input(bev);
	struct bufferevent *to = c->side[1 - from];
	struct chunk *ch;
	size_t n = evbuffer_get_length(in);
	uint64_t rel;

	if (n == 0)
		return 0;
	if (to == NULL || c->closing) {
		(void)evbuffer_drain(in, n);
		return 0;
	}
	if (may_drop && drop_p > 0 && rng_unit() < drop_p) {
		st.resets_drop++;
		conn_free(c, 1);
		return 1;
	}
	st.bytes[from] += n;
	if (delay_ms == 0 && jitter_ms == 0 && d->head == NULL) {
		(void)evbuffer_add_buffer(bufferevent_get_output(to), in);
	} else {
		if ((ch = hl_calloc(1, sizeof(*ch))) == NULL ||
		    (ch->data = evbuffer_new()) == NULL) {
			hl_free(ch);
			conn_free(c, 1);
			return 1;
		}
		(void)evbuffer_add_buffer(ch->data, in);
		rel = now_ms() + delay_ms + (jitter_ms > 0 ? rng_next() % (jitter_ms + 1) : 0);
		if (rel < d->last_release_ms)
			rel = d->last_release_ms;    /* keep byte order */
		d->last_release_ms = rel;
		ch->release_ms = rel;
		if (d->tail != NULL)
			d->tail->next = ch;
		else
			d->head = ch;
		d->tail = ch;
		d->pending += n;
		st.delayed_chunks++;
		if (d->timer == NULL || !evtimer_pending(d->timer, NULL))
			dir_arm(d);
	}
	if (out_len(c, 1 - from) > PX_BUF_MAX && !d->paused) {
		d->paused = 1;
		st.paused++;
		bufferevent_disable(bev, EV_READ);
	}
	return 0;
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)forward(c, bev == c->side[0] ? 0 : 1, 1);
}

static void
write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	int to = bev == c->side[0] ? 0 : 1;

	if (conn_finish_if_done(c))
		return;
	dir_resume_if_room(&c->dir[1 - to]);
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	int s = bev == c->side[0] ? 0 : 1;

	if (what & BEV_EVENT_CONNECTED)
		return;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		/* forward what the closing side still had, then stop it */
		if (forward(c, s, 0))
			return;
		dir_flush(&c->dir[s], 1);
		bufferevent_free(c->side[s]);
		c->side[s] = NULL;
		dir_clear(&c->dir[1 - s]);      /* nobody left to deliver it to */
		c->closing = 1;
		if (c->side[1 - s] != NULL)
			bufferevent_disable(c->side[1 - s], EV_READ);
		(void)conn_finish_if_done(c);
	}
}

static void
target_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	if (what & BEV_EVENT_CONNECTED) {
		c->connected = 1;
		return;
	}
	if ((what & BEV_EVENT_ERROR) && !c->connected) {
		/* the connect itself failed (or a write error): a refused target
		 * means the node is down; the client sees its connection close */
		st.connect_failed++;
		conn_free(c, 1);
		return;
	}
	event_cb(bev, what, arg);
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct mapping *m = arg;
	struct conn *c = NULL;
	struct linger lg;
	int i, one = 1;

	(void)lev;
	(void)sa;
	(void)salen;
	if (m->partitioned || nconns >= PX_CONNS_MAX) {
		if (m->partitioned)
			st.refused_partition++;
		else
			st.refused_limit++;
		lg.l_onoff = 1;
		lg.l_linger = 0;
		(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		evutil_closesocket(fd);
		return;
	}
	if ((c = hl_calloc(1, sizeof(*c))) == NULL) {
		evutil_closesocket(fd);
		return;
	}
	c->m = m;
	for (i = 0; i < 2; i++) {
		c->dir[i].c = c;
		c->dir[i].from = i;
	}
	c->next = conns;
	if (conns != NULL)
		conns->prev = c;
	conns = c;
	nconns++;
	st.accepted++;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((c->side[0] = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		evutil_closesocket(fd);
		conn_free(c, 1);
		return;
	}
	if ((c->side[1] = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		conn_free(c, 1);
		return;
	}
	bufferevent_setcb(c->side[0], read_cb, write_cb, event_cb, c);
	bufferevent_setcb(c->side[1], read_cb, write_cb, target_event_cb, c);
	for (i = 0; i < 2; i++)
		bufferevent_setwatermark(c->side[i], EV_WRITE, PX_BUF_RESUME / 2, 0);
	if (bufferevent_socket_connect(c->side[1], (struct sockaddr *)&m->addr,
	    (int)m->addrlen) != 0) {
		st.connect_failed++;
		conn_free(c, 1);
		return;
	}
	if (bufferevent_getfd(c->side[1]) >= 0)
		(void)setsockopt(bufferevent_getfd(c->side[1]), IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	bufferevent_enable(c->side[0], EV_READ | EV_WRITE);
	bufferevent_enable(c->side[1], EV_READ | EV_WRITE);
}

static void
accept_error_cb(struct evconnlistener *lev, void *arg)
{
	(void)lev;
	(void)arg;
	/* EMFILE and friends: keep listening; libevent retries on the next event */
	fprintf(stderr, "faultproxy: accept: %s\n",
	    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

/* Reset the connections of m (NULL: all). Returns how many. */
static unsigned
reset_conns(const struct mapping *m)
{
	struct conn *c, *nx;
	unsigned k = 0;

	for (c = conns; c != NULL; c = nx) {
		nx = c->next;
		if (m == NULL || c->m == m) {
			conn_free(c, 1);
			k++;
		}
	}
	return k;
}

/* ---- control protocol ---- */

static void
ctl_reply(struct bufferevent *bev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
ctl_reply(struct bufferevent *bev, const char *fmt, ...)
{
	va_list ap;
	char line[1024];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line) - 1)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	(void)bufferevent_write(bev, line, (size_t)n);
}

/* Parse an unsigned decimal with no sign, no junk, at most max. */
static int
parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end = NULL;
	unsigned long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
parse_prob(const char *s, double *out)
{
	char *end = NULL;
	double v;

	if (s == NULL || ((*s < '0' || *s > '9') && *s != '.'))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0.0 && v <= 1.0))
		return -1;
	*out = v;
	return 0;
}

/* "all" -> *all = 1; a mapped listen port -> *m */
static int
parse_target(const char *s, struct mapping **m, int *all)
{
	unsigned long p;
	size_t i;

	*m = NULL;
	*all = 0;
	if (s != NULL && strcmp(s, "all") == 0) {
		*all = 1;
		return 0;
	}
	if (parse_ulong(s, 65535, &p) != 0)
		return -1;
	for (i = 0; i < nmaps; i++) {
		if (maps[i].listen_port == p) {
			*m = &maps[i];
			return 0;
		}
	}
	return -1;
}

/* Split line into at most 4 space-separated words (in place). */
static size_t
split_words(char *line, char *w[4])
{
	size_t n = 0;
	char *p = line;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (n == 4)
			return 5;
		w[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
	return n;
}

static void
ctl_command(struct bufferevent *bev, char *line)
{
	char *w[4] = { NULL, NULL, NULL, NULL };
	struct mapping *m;
	unsigned long a, b = 0;
	double p;
	size_t n, i;
	unsigned k;
	int all;

	for (i = 0; line[i] != '\0'; i++) {
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
			goto bad;
		if ((unsigned char)line[i] >= 0x7f)
			goto bad;
	}
	n = split_words(line, w);
	if (n == 0 || n > 4)
		goto bad;
	if (strcmp(w[0], "drop") == 0 && n == 2) {
		if (parse_prob(w[1], &p) != 0) {
			ctl_reply(bev, "error drop: probability must be 0..1");
			st.ctl_errors++;
			return;
		}
		drop_p = p;
		st.drops_set++;
		ctl_reply(bev, "ok");
	} else if (strcmp(w[0], "delay") == 0 && (n == 2 || n == 3)) {
		if (parse_ulong(w[1], PX_DELAY_MAX_MS, &a) != 0 ||
		    (n == 3 && parse_ulong(w[2], PX_DELAY_MAX_MS, &b) != 0)) {
			ctl_reply(bev, "error delay: MS [JITTER_MS], each 0..%lu", PX_DELAY_MAX_MS);
			st.ctl_errors++;
			return;
		}
		delay_ms = a;
		jitter_ms = b;
		st.delays_set++;
		ctl_reply(bev, "ok");
	} else if (strcmp(w[0], "reset") == 0 && n == 1) {
		k = reset_conns(NULL);
		st.resets_cmd += k;
		ctl_reply(bev, "ok reset %u", k);
	} else if ((strcmp(w[0], "partition") == 0 || strcmp(w[0], "heal") == 0) && n == 2) {
		if (parse_target(w[1], &m, &all) != 0) {
			ctl_reply(bev, "error %s: no such mapping (a listen port or all)", w[0]);
			st.ctl_errors++;
			return;
		}
		k = 0;
		for (i = 0; i < nmaps; i++) {
			if (!all && &maps[i] != m)
				continue;
			if (w[0][0] == 'p') {
				if (!maps[i].partitioned)
					st.partitions++;
				maps[i].partitioned = 1;
				k += reset_conns(&maps[i]);
			} else {
				if (maps[i].partitioned)
					st.heals++;
				maps[i].partitioned = 0;
			}
		}
		st.resets_partition += k;
		ctl_reply(bev, "ok");
	} else if (strcmp(w[0], "stats") == 0 && n == 1) {
		for (i = 0, k = 0; i < nmaps; i++)
			k += (unsigned)maps[i].partitioned;
		ctl_reply(bev, "ok connections=%llu active=%zu bytes_up=%llu bytes_down=%llu"
		    " resets_drop=%llu resets_cmd=%llu resets_partition=%llu"
		    " refused_partition=%llu connect_failed=%llu partitions=%llu heals=%llu"
		    " partitioned_now=%u delayed_chunks=%llu paused=%llu drop=%g delay=%lu jitter=%lu"
		    " ctl_errors=%llu",
		    (unsigned long long)st.accepted, nconns, (unsigned long long)st.bytes[0],
		    (unsigned long long)st.bytes[1], (unsigned long long)st.resets_drop,
		    (unsigned long long)st.resets_cmd, (unsigned long long)st.resets_partition,
		    (unsigned long long)st.refused_partition,
		    (unsigned long long)st.connect_failed, (unsigned long long)st.partitions,
		    (unsigned long long)st.heals, k, (unsigned long long)st.delayed_chunks,
		    (unsigned long long)st.paused, drop_p, delay_ms, jitter_ms,
		    (unsigned long long)st.ctl_errors);
	} else {
		goto bad;
	}
	return;
bad:
	st.ctl_errors++;
	ctl_reply(bev, "error unknown command (drop P | delay MS [JITTER] | reset |"
	    " partition PORT|all | heal PORT|all | stats)");
}

static void
ctl_free(struct bufferevent *bev)
{
	bufferevent_free(bev);
	nctl--;
}

static void
ctl_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	char line[CTL_LINE_MAX + 2];
	struct evbuffer_ptr eol;
	size_t len;

	(void)arg;
	for (;;) {
		eol = evbuffer_search_eol(in, NULL, &len, EVBUFFER_EOL_LF);
		if (eol.pos < 0) {
			if (evbuffer_get_length(in) > CTL_LINE_MAX) {
				st.ctl_errors++;
				ctl_reply(bev, "error line too long (max %d bytes)", CTL_LINE_MAX);
				(void)evbuffer_drain(in, evbuffer_get_length(in));
				bufferevent_disable(bev, EV_READ);
				/* freed by ctl_write_cb once the error is written */
			}
			return;
		}
		if ((size_t)eol.pos > CTL_LINE_MAX) {
			st.ctl_errors++;
			ctl_reply(bev, "error line too long (max %d bytes)", CTL_LINE_MAX);
			(void)evbuffer_drain(in, (size_t)eol.pos + len);
			continue;
		}
		(void)evbuffer_remove(in, line, (size_t)eol.pos);
		line[eol.pos] = '\0';
		(void)evbuffer_drain(in, len);
		if (strlen(line) != (size_t)eol.pos) {
			st.ctl_errors++;
			ctl_reply(bev, "error NUL in command");
			continue;
		}
		if (eol.pos > 0 && line[eol.pos - 1] == '\r')
			line[eol.pos - 1] = '\0';
		ctl_command(bev, line);
		if (evbuffer_get_length(bufferevent_get_output(bev)) > CTL_OUT_MAX) {
			/* the client does not read its answers */
			ctl_free(bev);
			return;
		}
	}
}

static void
ctl_write_cb(struct bufferevent *bev, void *arg)
{
	(void)arg;
	if (!(bufferevent_get_enabled(bev) & EV_READ) &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		ctl_free(bev);
}

static void
ctl_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)arg;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		ctl_free(bev);
}

static void
ctl_accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct bufferevent *bev;

	(void)lev;
	(void)sa;
	(void)salen;
	(void)arg;
	if (nctl >= PX_CTL_CLIENTS_MAX) {
		evutil_closesocket(fd);
		return;
	}
	if ((bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		evutil_closesocket(fd);
		return;
	}
	nctl++;
	bufferevent_setcb(bev, ctl_read_cb, ctl_write_cb, ctl_event_cb, NULL);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/* ---- setup ---- */

static struct evconnlistener *
listen_on(unsigned short port, evconnlistener_cb cb, void *arg)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return evconnlistener_new_bind(base, cb, arg,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 128,
	    (struct sockaddr *)&sin, (int)sizeof(sin));
}

/* LISTEN_PORT:HOST:PORT (HOST may be [v6]) */
static int
parse_mapping(const char *arg, struct mapping *m)
{
	char buf[300], host[256], *c1, *c2;
	unsigned long lp, tp;
	struct addrinfo hints, *ai = NULL;
	size_t n = strlen(arg);

	memset(m, 0, sizeof(*m));
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, arg, n + 1);
	if ((c1 = strchr(buf, ':')) == NULL || (c2 = strrchr(buf, ':')) == c1)
		return -1;
	*c1 = '\0';
	*c2 = '\0';
	if (parse_ulong(buf, 65535, &lp) != 0 || lp == 0 ||
	    parse_ulong(c2 + 1, 65535, &tp) != 0 || tp == 0)
		return -1;
	n = strlen(c1 + 1);
	if (n >= 2 && c1[1] == '[' && c1[n] == ']') {
		memcpy(host, c1 + 2, n - 2);
		host[n - 2] = '\0';
	} else if (n > 0 && n < sizeof(host)) {
		memcpy(host, c1 + 1, n + 1);
	} else {
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, c2 + 1, &hints, &ai) != 0 || ai == NULL)
		return -1;
	if (ai->ai_addrlen > sizeof(m->addr)) {
		freeaddrinfo(ai);
		return -1;
	}
	memcpy(&m->addr, ai->ai_addr, ai->ai_addrlen);
	m->addrlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	m->listen_port = (unsigned short)lp;
	(void)snprintf(m->target, sizeof(m->target), "%s:%lu", host, tp);
	return 0;
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	(void)event_base_loopbreak(base);
}

static void
usage(void)
{
	fprintf(stderr, "usage: faultproxy --control PORT [--seed N]"
	    " LISTEN_PORT:TARGET_HOST:TARGET_PORT ...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct evconnlistener *ctl = NULL;
	struct event *sigterm = NULL, *sigint = NULL;
	unsigned long ctl_port = 0, seed = 0, v;
	int i, rc = 1;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--control") == 0 && i + 1 < argc) {
			if (parse_ulong(argv[++i], 65535, &v) != 0 || v == 0)
				usage();
			ctl_port = v;
		} else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			if (parse_ulong(argv[++i], ~0ul, &v) != 0)
				usage();
			seed = v;
		} else if (argv[i][0] == '-') {
			usage();
		} else {
			if (nmaps == PX_MAPPINGS_MAX) {
				fprintf(stderr, "faultproxy: at most %d mappings\n", PX_MAPPINGS_MAX);
				return 2;
			}
			if (parse_mapping(argv[i], &maps[nmaps]) != 0) {
				fprintf(stderr, "faultproxy: bad mapping '%s'"
				    " (LISTEN_PORT:TARGET_HOST:TARGET_PORT)\n", argv[i]);
				return 2;
			}
			nmaps++;
		}
	}
	if (ctl_port == 0 || nmaps == 0)
		usage();
	rng_state = seed;
	(void)signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL) {
		fprintf(stderr, "faultproxy: event_base_new failed\n");
		return 1;
	}
	if ((ctl = listen_on((unsigned short)ctl_port, ctl_accept_cb, NULL)) == NULL) {
		fprintf(stderr, "faultproxy: cannot listen on control port %lu: %s\n", ctl_port,
		    strerror(errno));
		goto out;
	}
	for (k = 0; k < nmaps; k++) {
		if ((maps[k].lev = listen_on(maps[k].listen_port, accept_cb, &maps[k])) == NULL) {
			fprintf(stderr, "faultproxy: cannot listen on port %u: %s\n",
			    maps[k].listen_port, strerror(errno));
			goto out;
		}
		evconnlistener_set_error_cb(maps[k].lev, accept_error_cb);
	}
	sigterm = evsignal_new(base, SIGTERM, on_signal, NULL);
	sigint = evsignal_new(base, SIGINT, on_signal, NULL);
	if (sigterm == NULL || sigint == NULL || evsignal_add(sigterm, NULL) != 0 ||
	    evsignal_add(sigint, NULL) != 0) {
		fprintf(stderr, "faultproxy: cannot install signal handlers\n");
		goto out;
	}
	printf("faultproxy: ready, %zu mapping(s), control 127.0.0.1:%lu, seed %lu\n", nmaps,
	    ctl_port, seed);
	(void)fflush(stdout);
	(void)event_base_dispatch(base);
	rc = 0;
out:
	(void)reset_conns(NULL);
	for (k = 0; k < nmaps; k++)
		if (maps[k].lev != NULL)
			evconnlistener_free(maps[k].lev);
	if (ctl != NULL)
		evconnlistener_free(ctl);
	if (sigterm != NULL)
		event_free(sigterm);
	if (sigint != NULL)
		event_free(sigint);
	event_base_free(base);
	return rc;
}
