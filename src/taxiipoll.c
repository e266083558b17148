/* taxiipoll.c: the TAXII poll bridge (see taxiipoll.h). Each source runs
 * rounds: page requests on the event loop (httpc.c's evented driver), each
 * page stored through the STIX queue (hl_stixshare_add_async: 64 objects
 * a loop pass, FLASH work first), the next page asked for once it is on
 * disk. Which page to ask for, and the
 * position to keep, are taxiic's pager's (hl_taxiic_pager_*): added_after
 * stays fixed while next is followed, and the position kept in the store
 * (hl_stixdb_bridge_*) is always a date_added up to which every object is
 * stored, so a restart or a crash between pages skips nothing. Responses
 * go through taxiic's bounded envelope parser. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "alloc.h"
#include "apijson.h"
#include "auth.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "http.h"
#include "httpc.h"
#include "log.h"
#include "node.h"
#include "stixdb.h"
#include "stixshare.h"
#include "taxiic.h"
#include "taxiipoll.h"

#define CURSOR_MAX HL_TAXIIC_TIME_MAX
#define ERR_MAX 256

struct source {
	struct hl_taxiipoll *p;
	const struct hl_taxii_source_conf *conf;   /* in the node's configuration */
	char host[HL_HOST_MAX + 1];
	uint16_t port;
	char path[HL_TAXIIC_URL_MAX + HL_TAXIIC_ID_MAX + 32];   /* .../objects/ */
	char bridge_key[HL_COLLECTION_NAME_MAX + HL_PATH_MAX + 2];
	char password[HL_API_PASSWORD_MAX + 1];   /* from password_file (wiped at free) */
	struct hl_httpc target;         /* host, CA, node or host-name check, user */
	SSL_CTX *ctx;
	struct event *timer;            /* the next round */
	struct event *step;             /* continue after a response, off its callback */
	struct hl_httpc_call *call;     /* the request in flight */
	/* the round in progress */
	int running, closing, done, more;
	char cursor[CURSOR_MAX + 1];    /* the position kept in the store */
	struct hl_taxii_pager pg;
	uint64_t added, already, failed;
	char note[HL_TAXIIC_PAGER_TEXT_MAX];
	char error[ERR_MAX];
	uint64_t started_ms;
	/* the last round completed */
	uint64_t rounds;
	json_t *last;
	struct page_job *pj;            /* the page the STIX queue is storing */
};

/* A page handed to the STIX queue: the answer comes back here. */
struct page_job {
	struct source *s;               /* NULL once the source is gone */
	enum hl_taxii_pager_step step;  /* what the pager said of that page */
};

struct hl_taxiipoll {
	struct hl_node *node;
	struct hl_auth *auth;
	struct event_base *base;
	struct hl_stixshare_q *q;       /* NULL: each page stored at once */
	struct hl_stixdb *db;
	unsigned n;
	struct source *src;
};

static void
clean(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

/* password_file: 0600 (not group/world readable), one line. OUT:
 * s->password. */
static int
load_password(struct source *s, char *err, size_t errlen)
{
	const struct hl_taxii_source_conf *c = s->conf;
	char pw[HL_API_PASSWORD_MAX + 2];
	struct stat st;
	ssize_t got;
	size_t n = 0;
	int fd = -1, r = HL_ERR_CONFIG;

	if ((fd = open(c->password_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 ||
	    fstat(fd, &st) != 0) {
		snprintf(err, errlen, "[taxii_source %s] password_file %s: %s", c->name,
		    c->password_file, strerror(errno));
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen, "[taxii_source %s] password_file %s is readable by group or "
		    "others (chmod 600)", c->name, c->password_file);
		goto out;
	}
	while (n < sizeof(pw) - 1) {
		got = read(fd, pw + n, sizeof(pw) - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	if (n > HL_API_PASSWORD_MAX) {
		snprintf(err, errlen, "[taxii_source %s] password_file %s: longer than %d bytes",
		    c->name, c->password_file, HL_API_PASSWORD_MAX);
		goto out;
	}
	while (n > 0 && (pw[n - 1] == '\n' || pw[n - 1] == '\r'))
		n--;
	memcpy(s->password, pw, n);
	s->password[n] = '\0';
	r = HL_OK;
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	if (fd >= 0)
		close(fd);
	return r;
}

static int
source_init(struct source *s, char *err, size_t errlen)
{
	const struct hl_taxii_source_conf *c = s->conf;
	char root[HL_TAXIIC_URL_MAX + 1], e[HL_PATH_MAX + 64];
	int r;

	if (hl_taxiic_parse_url(c->url, s->host, &s->port, root) != HL_OK) {
		snprintf(err, errlen, "[taxii_source %s] url %s: expected https://host[:port]/path/",
		    c->name, c->url);
		return HL_ERR_CONFIG;
	}
	if (c->collection_id[0] != '\0')
		snprintf(s->path, sizeof(s->path), "%scollections/%s/objects/", root,
		    c->collection_id);
	else
		snprintf(s->path, sizeof(s->path), "%s", root);
	snprintf(s->bridge_key, sizeof(s->bridge_key), "%s %s", c->name, c->url);
	if ((r = load_password(s, err, errlen)) != HL_OK)
		return r;
	/* a hotline node (node =): TLS 1.3 and its name; another server: TLS
	 * 1.2+ and its host name (httpc.h) */
	snprintf(s->target.host, sizeof(s->target.host), "%s", s->host);
	s->target.port = s->port;
	snprintf(s->target.ca_path, sizeof(s->target.ca_path), "%s", c->ca_path);
	snprintf(s->target.node, sizeof(s->target.node), "%s", c->node);
	snprintf(s->target.user, sizeof(s->target.user), "%s", c->user);
	s->target.password = s->password;
	s->target.timeout_ms = HL_TAXIIPOLL_TIMEOUT_S * 1000;
	if ((r = hl_httpc_tls(&s->target, &s->ctx, e, sizeof(e))) != HL_OK) {
		snprintf(err, errlen, "[taxii_source %s] %s%s", c->name, r == HL_ERR_CONFIG ?
		    "ca " : "", e);
		return r;
	}
	return HL_OK;
}

static void schedule(struct source *s, unsigned secs);
static void request_page(struct source *s);
static void page_done(struct source *s, enum hl_taxii_pager_step step);
static int queue_page(struct source *s, const struct hl_taxii_page *pg,
    enum hl_taxii_pager_step step);

/* The round in progress or just finished (new reference; NULL on
 * allocation failure). */
static json_t *
round_json(const struct source *s, int finished)
{
	json_t *l;

	l = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s,s:s}",
	    "started_ms", (json_int_t)s->started_ms, "fetched", (json_int_t)s->pg.fetched,
	    "added", (json_int_t)s->added, "already_stored", (json_int_t)s->already,
	    "failed", (json_int_t)s->failed, "pages", (json_int_t)s->pg.pages,
	    "sequences", (json_int_t)s->pg.sequences, "repeated", (json_int_t)s->pg.repeated,
	    "note", s->note, "error", s->error);
	if (l != NULL && finished &&
	    json_object_set_new(l, "finished_ms", json_integer((json_int_t)hl_now_ms())) != 0) {
		json_decref(l);
		return NULL;
	}
	return l;
}

static void
finish_round(struct source *s)
{
	json_t *l;

	l = round_json(s, 1);
	json_decref(s->last);
	s->last = l;
	s->rounds++;
	s->running = 0;
	if (s->error[0] != '\0')
		log_warnx("taxii source %s: round %llu: %s (%llu objects fetched, %llu added, "
		    "%u pages; the position stays %s)", s->conf->name,
		    (unsigned long long)s->rounds, s->error, (unsigned long long)s->pg.fetched,
		    (unsigned long long)s->added, s->pg.pages,
		    s->cursor[0] != '\0' ? s->cursor : "at the start");
	else if (s->pg.fetched > 0)
		log_info("taxii source %s: %llu objects fetched, %llu added, %llu already stored, "
		    "%llu refused, %u pages; position %s", s->conf->name,
		    (unsigned long long)s->pg.fetched, (unsigned long long)s->added,
		    (unsigned long long)s->already, (unsigned long long)s->failed, s->pg.pages,
		    s->cursor[0] != '\0' ? s->cursor : "at the start");
	hl_taxiic_pager_clear(&s->pg);
	schedule(s, s->conf->interval_s);
}

static void
set_note(struct source *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Something worked around in this round: logged, and kept for its result. */
static void
set_note(struct source *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->note, sizeof(s->note), fmt, ap);
	va_end(ap);
	clean(s->note);
	log_warnx("taxii source %s: %s", s->conf->name, s->note);
}

/* The pager's latest note, when it has a new one. */
static void
take_note(struct source *s)
{
	if (s->pg.note[0] != '\0') {
		set_note(s, "%s", s->pg.note);
		s->pg.note[0] = '\0';
	}
}

static void
start_round(struct source *s)
{
	if (s->running || s->closing)
		return;
	s->running = 1;
	s->added = s->already = s->failed = 0;
	s->error[0] = '\0';
	s->note[0] = '\0';
	s->started_ms = hl_now_ms();
	if (hl_stixdb_bridge_get(s->p->db, s->bridge_key, s->cursor, sizeof(s->cursor)) != HL_OK) {
		snprintf(s->error, sizeof(s->error), "cannot read the added_after position");
		finish_round(s);
		return;
	}
	if (hl_taxiic_pager_start(&s->pg, s->cursor, HL_TAXIIPOLL_PAGES_MAX) != HL_OK) {
		/* not a time (kept by an older version from a server's header):
		 * from the start again; what is stored already is not stored twice */
		set_note(s, "the kept position \"%.40s\" is not an RFC 3339 time: asking from "
		    "the start", s->cursor);
		s->cursor[0] = '\0';
		if (hl_taxiic_pager_start(&s->pg, "", HL_TAXIIPOLL_PAGES_MAX) != HL_OK) {
			snprintf(s->error, sizeof(s->error), "cannot start the round");
			finish_round(s);
			return;
		}
	}
	request_page(s);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	start_round(arg);
}

static void
schedule(struct source *s, unsigned secs)
{
	struct timeval tv = { (time_t)secs, 0 };

	if (!s->closing)
		evtimer_add(s->timer, &tv);
}

/* Who the objects of a page come from. */
static void
page_prov(const struct source *s, struct hl_stix_prov *prov)
{
	memset(prov, 0, sizeof(*prov));
	prov->source = HL_STIX_EXTERNAL;
	snprintf(prov->node, sizeof(prov->node), "%s", s->conf->url);
	/* a partner's hotline node (node = P/...): what it serves stays P's
	 * (sticky releasability, stixshare.c); any other server is local origin */
	if (s->conf->node[0] != '\0' && !hl_label_node_name_valid(s->conf->node, prov->partner))
		prov->partner[0] = '\0';
	/* who added them, for the audit record and the status resource: the
	 * source (the URL is longer than an audit actor may be) */
	snprintf(prov->added_by, sizeof(prov->added_by), "taxii:%s", s->conf->name);
	prov->received_us = hl_now_us();
}

/* Count what a page's status says was new, already stored (the same id
 * and version) and refused (takes st). 0, or -1 with s->error. */
static int
count_page(struct source *s, int r, json_t *st)
{
	json_t *e;
	size_t i;

	if (r != HL_OK) {
		snprintf(s->error, sizeof(s->error), "storing into collection %s: %s",
		    s->conf->collection, hl_strerror(r));
		json_decref(st);
		return -1;
	}
	/* a success with a message is "already stored (same version)" */
	json_array_foreach(json_object_get(st, "successes"), i, e) {
		if (json_object_get(e, "message") != NULL)
			s->already++;
		else
			s->added++;
	}
	s->failed += (uint64_t)json_integer_value(json_object_get(st, "failure_count"));
	json_decref(st);
	return 0;
}

/* Store one page at once (no STIX queue). 0, or -1 with s->error. */
static int
store_page(struct source *s, const struct hl_taxii_page *pg)
{
	struct hl_stix_prov prov;
	json_t *st = NULL;
	int r;

	if (json_array_size(pg->objects) == 0)
		return 0;
	page_prov(s, &prov);
	r = hl_stixshare_add(s->p->node, s->p->db, s->conf->collection, pg->objects, &prov, &st);
	return count_page(s, r, st);
}

/* Keep the pager's position once what it covers is stored. 0, or -1 with
 * s->error. */
static int
keep_position(struct source *s)
{
	if (strcmp(s->pg.pos, s->cursor) == 0)
		return 0;
	if (hl_stixdb_bridge_set(s->p->db, s->bridge_key, s->pg.pos, hl_now_us()) != HL_OK) {
		snprintf(s->error, sizeof(s->error), "cannot store the added_after position");
		return -1;
	}
	snprintf(s->cursor, sizeof(s->cursor), "%s", s->pg.pos);
	return 0;
}

static void
on_response(void *arg, int rc, const struct hl_http_resp *resp, const char *why)
{
	struct source *s = arg;
	struct hl_taxii_page pg;
	enum hl_taxii_pager_step step = HL_TAXII_PAGER_FAILED;
	char e[200];

	memset(&pg, 0, sizeof(pg));
	s->call = NULL;   /* the driver frees it after this returns */
	if (s->closing)
		return;
	s->done = 1;
	s->more = 0;
	if (rc != HL_OK) {
		snprintf(s->error, sizeof(s->error), "%s", why);
		goto out;
	}
	if (resp->status != 200) {
		hl_taxiic_error_text(resp->body, resp->body_len, e, sizeof(e));
		step = hl_taxiic_pager_refused(&s->pg, resp->status, e);
		if (step == HL_TAXII_PAGER_FAILED)
			snprintf(s->error, sizeof(s->error), "%s:%u answered %s", s->host,
			    (unsigned)s->port, s->pg.error);
		goto out;
	}
	if (hl_taxiic_parse_envelope(resp->body, resp->body_len, &pg, e, sizeof(e)) != HL_OK) {
		snprintf(s->error, sizeof(s->error), "%s:%u: %s (page %u)", s->host,
		    (unsigned)s->port, e, s->pg.pages + 1);
		goto out;
	}
	hl_taxiic_page_headers(resp->head, resp->head_len, &pg);
	if (hl_taxiic_pager_page(&s->pg, &pg, &step) != HL_OK) {
		step = HL_TAXII_PAGER_FAILED;
		snprintf(s->error, sizeof(s->error), "out of memory");
		goto out;
	}
	/* the objects first (even from a page the pager finds fault with: they
	 * are validated one by one), then the position that covers them */
	if (s->p->q != NULL && json_array_size(pg.objects) > 0) {
		if (queue_page(s, &pg, step) == 0) {
			hl_taxiic_page_clear(&pg);
			return;   /* on_page_stored goes on */
		}
		step = HL_TAXII_PAGER_FAILED;
		goto out;
	}
	if (store_page(s, &pg) != 0 || keep_position(s) != 0) {
		step = HL_TAXII_PAGER_FAILED;
		goto out;
	}
	if (step == HL_TAXII_PAGER_FAILED)
		snprintf(s->error, sizeof(s->error), "%s:%u: %s", s->host, (unsigned)s->port,
		    s->pg.error);
out:
	hl_taxiic_page_clear(&pg);
	page_done(s, step);
}

/* A page is done with (stored, or not): the next step, off this callback. */
static void
page_done(struct source *s, enum hl_taxii_pager_step step)
{
	take_note(s);
	s->more = step == HL_TAXII_PAGER_ASK;
	clean(s->error);
	if (!s->closing)
		event_active(s->step, EV_TIMEOUT, 0);
}

/* The STIX queue stored the page (or could not): then its position. */
static void
on_page_stored(void *arg, int r, json_t *st)
{
	struct page_job *pj = arg;
	struct source *s = pj->s;
	enum hl_taxii_pager_step step = pj->step;

	hl_free(pj);
	if (s == NULL) {   /* the bridge is gone; the objects are stored */
		json_decref(st);
		return;
	}
	s->pj = NULL;
	if (count_page(s, r, st) != 0 || keep_position(s) != 0)
		step = HL_TAXII_PAGER_FAILED;
	else if (step == HL_TAXII_PAGER_FAILED)
		snprintf(s->error, sizeof(s->error), "%s:%u: %s", s->host, (unsigned)s->port,
		    s->pg.error);
	page_done(s, step);
}

/* Hand a page to the STIX queue (its objects: a reference is taken). 0, or
 * -1 with s->error. */
static int
queue_page(struct source *s, const struct hl_taxii_page *pg, enum hl_taxii_pager_step step)
{
	struct hl_stix_prov prov;
	struct page_job *pj;
	int r;

	if ((pj = hl_calloc(1, sizeof(*pj))) == NULL) {
		snprintf(s->error, sizeof(s->error), "out of memory");
		return -1;
	}
	pj->s = s;
	pj->step = step;
	page_prov(s, &prov);
	r = hl_stixshare_add_async(s->p->q, s->p->db, s->conf->collection, pg->objects,
	    pg->objects, &prov, on_page_stored, pj);
	if (r != HL_OK) {
		hl_free(pj);
		if (r == HL_ERR_FULL)
			snprintf(s->error, sizeof(s->error), "the node's STIX queue is full (%s); "
			    "the next round goes on from the position kept", "TAXII POSTs first");
		else
			snprintf(s->error, sizeof(s->error), "storing into collection %s: %s",
			    s->conf->collection, hl_strerror(r));
		return -1;
	}
	s->pj = pj;
	return 0;
}

static void
on_step(evutil_socket_t fd, short what, void *arg)
{
	struct source *s = arg;

	(void)fd;
	(void)what;
	if (!s->running)
		return;
	if (s->error[0] == '\0' && s->more)
		request_page(s);
	else
		finish_round(s);
}

static void
request_page(struct source *s)
{
	struct hl_httpc_req rq;
	const char *after, *next;
	char *path = NULL;

	s->done = 0;
	/* the same added_after (and limit) on every page of a sequence */
	hl_taxiic_pager_request(&s->pg, &after, &next);
	if (hl_taxiic_objects_path(s->path, after, HL_TAXIIPOLL_PAGE_LIMIT, next, &path) != HL_OK) {
		snprintf(s->error, sizeof(s->error), "request too long");
		goto fail;
	}
	memset(&rq, 0, sizeof(rq));
	rq.method = "GET";
	rq.path = path;
	rq.accept = HL_TAXIIC_MEDIA;
	rq.body_max = HL_TAXIIC_BODY_MAX;
	if (hl_httpc_start(s->p->base, s->ctx, &s->target, &rq, on_response, s, &s->call,
	    s->error, sizeof(s->error)) != HL_OK)
		goto fail;
	hl_free(path);
	return;
fail:
	hl_free(path);
	clean(s->error);
	event_active(s->step, EV_TIMEOUT, 0);
}

int
hl_taxiipoll_new(struct hl_node *n, struct hl_auth *auth, struct event_base *base,
    struct hl_stixshare_q *q, struct hl_taxiipoll **out, char *err, size_t errlen)
{
	const struct hl_config *cfg = hl_node_config(n);
	struct hl_taxiipoll *p = NULL;
	unsigned i;
	int r = HL_ERR_NOMEM;

	*out = NULL;
	if ((p = hl_calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return HL_ERR_NOMEM;
	}
	p->node = n;
	p->auth = auth;
	p->base = base;
	p->q = q;
	if (cfg->nsources > 0) {
		if ((p->src = hl_calloc(cfg->nsources, sizeof(*p->src))) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		if ((r = hl_stixdb_open(hl_node_store(n), &p->db)) != HL_OK) {
			snprintf(err, errlen, "taxii sources: cannot open the STIX database: %s",
			    hl_strerror(r));
			goto out;
		}
	}
	for (i = 0; i < cfg->nsources; i++) {
		struct source *s = &p->src[i];

		p->n++;
		s->p = p;
		s->conf = &cfg->sources[i];
		if ((r = source_init(s, err, errlen)) != HL_OK)
			goto out;
		if ((s->timer = evtimer_new(base, on_timer, s)) == NULL ||
		    (s->step = event_new(base, -1, 0, on_step, s)) == NULL) {
			r = HL_ERR_NOMEM;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		schedule(s, HL_TAXIIPOLL_FIRST_S);
	}
	*out = p;
	p = NULL;
	r = HL_OK;
out:
	hl_taxiipoll_free(p);
	return r;
}

void
hl_taxiipoll_stop(struct hl_taxiipoll *p)
{
	unsigned i;

	for (i = 0; p != NULL && i < p->n; i++) {
		struct source *s = &p->src[i];

		s->closing = 1;
		hl_httpc_cancel(s->call);
		s->call = NULL;
		if (s->timer != NULL)
			evtimer_del(s->timer);
	}
}

void
hl_taxiipoll_free(struct hl_taxiipoll *p)
{
	unsigned i;

	if (p == NULL)
		return;
	hl_taxiipoll_stop(p);
	for (i = 0; i < p->n; i++) {
		struct source *s = &p->src[i];

		if (s->pj != NULL)
			s->pj->s = NULL;   /* its answer finds nobody */
		if (s->timer != NULL)
			event_free(s->timer);
		if (s->step != NULL)
			event_free(s->step);
		SSL_CTX_free(s->ctx);
		hl_taxiic_pager_clear(&s->pg);
		OPENSSL_cleanse(s->password, sizeof(s->password));
		json_decref(s->last);
	}
	hl_stixdb_close(p->db);
	hl_free(p->src);
	hl_free(p);
}

int
hl_taxiipoll_trigger(struct hl_taxiipoll *p, const char *name, int from_start,
    uint64_t *round)
{
	unsigned i;

	*round = 0;
	for (i = 0; p != NULL && i < p->n; i++) {
		struct source *s = &p->src[i];

		if (strcmp(s->conf->name, name) != 0)
			continue;
		if (from_start) {
			/* the kept position forgotten: the next round asks for
			 * everything (what is stored already is not stored twice) */
			if (s->running)
				return HL_ERR_AGAIN;
			if (hl_stixdb_bridge_set(p->db, s->bridge_key, "", hl_now_us()) != HL_OK)
				return HL_ERR_STORE;
			s->cursor[0] = '\0';
		}
		*round = s->rounds + 1;
		if (!s->running) {
			evtimer_del(s->timer);
			start_round(s);
		}
		return HL_OK;
	}
	return HL_ERR_NOT_FOUND;
}

json_t *
hl_taxiipoll_status(const struct hl_taxiipoll *p)
{
	json_t *o = NULL, *arr, *x;
	unsigned i;

	if ((arr = json_array()) == NULL)
		return NULL;
	for (i = 0; p != NULL && i < p->n; i++) {
		const struct source *s = &p->src[i];

		/* "current": the round in progress, as far as it got */
		if ((x = json_pack("{s:s,s:s,s:s,s:I,s:s,s:I,s:b,s:O?,s:o?}", "name", s->conf->name,
		    "url", s->conf->url, "collection", s->conf->collection,
		    "interval_s", (json_int_t)s->conf->interval_s, "cursor", s->cursor,
		    "rounds", (json_int_t)s->rounds, "running", s->running,
		    "last", s->last, "current", s->running ? round_json(s, 0) : NULL)) == NULL ||
		    json_array_append_new(arr, x) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	if ((o = json_object()) == NULL || json_object_set_new(o, "sources", arr) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- routes: /api/v1/taxii/ ---- */

static void
r_sources(struct hl_http_req *x)
{
	hl_http_reply_json(x->req, 200, hl_taxiipoll_status(x->arg));
}

static void
r_pull(struct hl_http_req *x)
{
	struct hl_taxiipoll *p = x->arg;
	const char *nm = x->param[0];
	uint64_t round = 0;
	int from_start = 0, r;

	if (strlen(nm) > HL_COLLECTION_NAME_MAX || strchr(nm, '%') != NULL) {
		hl_http_reply_error(x->req, 404, "not_found", "no such taxii source");
		return;
	}
	/* the one query this takes: from_start=1 */
	if (x->query != NULL) {
		if (strcmp(x->query, "from_start=1") != 0) {
			hl_http_reply_error(x->req, 400, "bad_request", "the only query taken is "
			    "from_start=1");
			return;
		}
		from_start = 1;
	}
	if ((r = hl_taxiipoll_trigger(p, nm, from_start, &round)) == HL_ERR_AGAIN) {
		hl_http_reply_error(x->req, 409, "busy", "a round of %s is running: ask from the "
		    "start once it is over", nm);
		return;
	}
	if (r == HL_ERR_NOT_FOUND) {
		hl_http_reply_error(x->req, 404, "not_found", "no [taxii_source %s] on this node", nm);
		return;
	}
	if (r != HL_OK) {
		hl_http_reply_error(x->req, 500, "internal", "%s", hl_strerror(r));
		return;
	}
	{
		char d[HL_COLLECTION_NAME_MAX + 32];

		(void)snprintf(d, sizeof(d), "%s%s", nm, from_start ? " from-start" : "");
		hl_auth_audit(p->auth, "taxii-pull", NULL, x->op->name, d);
	}
	hl_http_reply_json(x->req, 202, json_pack("{s:s,s:I}", "source", nm, "round",
	    (json_int_t)round));
}

static const struct hl_http_route poll_routes[] = {
	{ HL_HTTP_GET, "/api/v1/taxii/sources", r_sources, HL_HTTP_AUTH, 0, NULL, HL_HTTP_INTEL },
	{ HL_HTTP_POST, "/api/v1/taxii/sources/{name}/pull", r_pull, HL_HTTP_AUTH | HL_HTTP_QUERY,
	    0, NULL, HL_HTTP_INTEL },
};

int
hl_taxiipoll_register(struct hl_taxiipoll *p, struct hl_http_table *t)
{
	return hl_http_table_add(t, poll_routes, sizeof(poll_routes) / sizeof(poll_routes[0]),
	    NULL, p);
}
