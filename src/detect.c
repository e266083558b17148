/* detect.c: the node's detector (see detect.h, docs/DETECTION.md). */
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "detect.h"
#include "envelope.h"
#include "hl_limits.h"
#include "http.h"
#include "ioc.h"
#include "label.h"
#include "log.h"
#include "node.h"
#include "sensor.h"
#include "stix.h"
#include "stixdb.h"
#include "stixshare.h"

#define DETECT_PAGE 500                  /* indicators read from the store at a time */

/* Hits of one indicator waiting for the end of their window. */
struct pending {
	char id[HL_STIX_ID_MAX + 1];
	unsigned coll;                       /* index into the sensor's collections */
	uint64_t count;
	int64_t first_ms, last_ms;           /* the events' times */
	uint64_t opened_ms;                  /* when the window began (our clock) */
};

struct sensor {
	const struct hl_sensor_conf *conf;
	char by[HL_OPERATOR_MAX + 1];        /* who records its sightings: "detect:NAME" */
	int record;                          /* matches become sightings */
	const struct hl_operator_conf *op;   /* rule 4 on its indicators (NULL: none) */
	json_t *list;                        /* the one-shot's hits (else NULL) */
	struct hl_ioc_set *set;
	uint64_t after_us[HL_SENSOR_COLLECTIONS_MAX]; /* indicators read up to (date_added) */
	int fd;
	uint64_t ino;
	uint64_t pos;                        /* offset of the first byte not taken */
	int skipping;                        /* inside a line longer than HL_SENSOR_LINE_MAX */
	uint64_t lines, events, skipped, malformed, hits, unsupported, sightings, unsent;
	struct pending *pend;
	size_t npend;
};

/* ---- correlation at the originator: sightings of one indicator from two
 * or more partners within correlation_window ---- */
#define CORR_PARTNERS 8                  /* partners kept per indicator */

struct corr_by {
	char partner[HL_PARTNER_MAX + 1];
	uint64_t sightings, count;
	char first[40], last[40];            /* first_seen / last_seen as received */
	uint64_t seen_ms;                    /* when the latest of them was stored here */
};

struct corr {
	char id[HL_STIX_ID_MAX + 1];         /* the sighted object */
	char coll[HL_COLLECTION_NAME_MAX + 1];
	unsigned nby;
	struct corr_by by[CORR_PARTNERS];
	uint64_t alerted_ms;                 /* 0: not in this window */
	int have_alert;                      /* alert_id names the alert raised */
	uint8_t alert_id[HL_ID_BYTES];
};

struct hl_detect {
	struct hl_node *node;
	const struct hl_config *cfg;
	struct hl_stixdb *db;
	struct event *tick;
	struct hl_sensor_event *ev;
	uint8_t *buf;
	char state_path[HL_PATH_MAX];
	uint64_t refreshed_ms, saved_ms;
	int dirty;
	unsigned n;
	struct sensor s[HL_SENSORS_MAX];
	/* correlation: received sightings in every collection */
	uint64_t corr_after_us[HL_COLLECTIONS_MAX];
	struct corr *corr;
	size_t ncorr;
	int corr_quiet;                      /* the first load after a start raises nothing */
	size_t pages;                        /* store pages each_added may still read */
	uint64_t alerts;
};

/* ---- indicators ---- */

/* valid_until of an indicator in ms (0: none or not a time). */
static int64_t
valid_until_ms(const json_t *o)
{
	const char *v = json_string_value(json_object_get(o, "valid_until"));
	char key[HL_STIX_TS_KEY];
	int64_t us;

	if (v == NULL || hl_stix_time(v, key, &us) != HL_OK)
		return 0;
	return us / 1000;
}

/* Apply one stored (latest) version of an indicator to the sensor's set:
 * the old version out, this one in unless revoked. */
static void
apply_row(struct sensor *s, unsigned coll, const struct hl_stix_row *row)
{
	json_t *o = NULL;
	const char *ptype, *pattern;
	char err[256];
	int r;

	(void)hl_ioc_remove(s->set, row->id);
	if (row->revoked || row->json == NULL)
		return;
	if ((o = json_loadb(row->json, row->json_len, 0, NULL)) == NULL)
		return;
	ptype = json_string_value(json_object_get(o, "pattern_type"));
	pattern = json_string_value(json_object_get(o, "pattern"));
	if (json_is_true(json_object_get(o, "revoked")) || ptype == NULL ||
	    strcmp(ptype, "stix") != 0 || pattern == NULL)
		goto out;
	r = hl_ioc_add(s->set, row->id, pattern, valid_until_ms(o), coll, err, sizeof(err));
	if (r == HL_ERR_UNSUPPORTED || r == HL_ERR_MALFORMED || r == HL_ERR_TOO_BIG) {
		s->unsupported++;
		log_debug("sensor %s: %s not matched: %s", s->conf->name, row->id, err);
	} else if (r != HL_OK)
		log_warnx("sensor %s: %s: %s", s->conf->name, row->id, hl_strerror(r));
out:
	json_decref(o);
}

/* Each stored object of a type in coll added after *after_us (latest
 * versions), a page at a time, to fn; *after_us moves past them. */
static int
each_added(struct hl_detect *d, const char *coll, const char *type,
    const struct hl_operator_conf *op, uint64_t *after_us,
    void (*fn)(void *arg, const struct hl_stix_row *row), void *arg)
{
	struct hl_stix_query q;
	struct hl_stix_row *rows = NULL;
	size_t n = 0, i;
	int more, r;

	do {
		memset(&q, 0, sizeof(q));
		q.collection = coll;
		q.after_us = *after_us;
		q.ntypes = 1;
		q.types[0] = type;
		q.vsel = HL_STIX_V_LAST;
		q.limit = DETECT_PAGE;
		q.policy = &d->cfg->policy;
		q.op = op;
		more = 0;
		if ((r = hl_stixdb_objects(d->db, &q, &rows, &n, &more)) != HL_OK)
			return r;
		for (i = 0; i < n; i++) {
			fn(arg, &rows[i]);
			if (rows[i].date_added_us > *after_us)
				*after_us = rows[i].date_added_us;
		}
		hl_stixdb_rows_free(rows, n);
		rows = NULL;
		if (d->pages > 0)
			d->pages--;
	} while (more && n > 0 && d->pages > 0);
	return HL_OK;
}

struct apply_ctx {
	struct sensor *s;
	unsigned coll;
};

static void
apply_cb(void *arg, const struct hl_stix_row *row)
{
	struct apply_ctx *a = arg;

	apply_row(a->s, a->coll, row);
}

/* Take the indicators stored since the last look (new, replaced, revoked). */
static int
refresh(struct hl_detect *d, struct sensor *s)
{
	struct apply_ctx a = { s, 0 };
	int r;

	for (a.coll = 0; a.coll < s->conf->ncollections; a.coll++)
		if ((r = each_added(d, s->conf->collections[a.coll], "indicator", s->op,
		    &s->after_us[a.coll], apply_cb, &a)) != HL_OK)
			return r;
	return HL_OK;
}

/* ---- sightings ---- */

static void
flush_one(struct hl_detect *d, struct sensor *s, const struct pending *p)
{
	struct hl_stix_row *orig = NULL;
	struct hl_stixshare_sighting w;
	char sid[64], to[HL_PARTNER_MAX + 1];
	int r;

	if ((r = hl_stixdb_get_latest(d->db, s->conf->collections[p->coll], p->id, NULL, NULL,
	    &orig)) != HL_OK) {
		log_warnx("sensor %s: %s: sighting not recorded: %s", s->conf->name, p->id,
		    hl_strerror(r));
		return;
	}
	memset(&w, 0, sizeof(w));
	w.count = p->count > 999999999 ? 999999999 : (int64_t)p->count;
	w.first_seen_us = (uint64_t)p->first_ms * 1000;
	w.last_seen_us = (uint64_t)p->last_ms * 1000;
	w.by = s->by;
	r = hl_stixshare_sighting(d->node, d->db, orig, &w, sid, to);
	if (sid[0] != '\0')
		s->sightings++;
	if (r != HL_OK) {
		s->unsent++;
		log_warnx("sensor %s: sighting of %s: %s", s->conf->name, p->id, hl_strerror(r));
	} else
		log_info("sensor %s: %s of %s count=%" PRIu64 " to %s", s->conf->name, sid, p->id,
		    p->count, to[0] != '\0' ? to : "(none)");
	hl_stixdb_rows_free(orig, 1);
}

/* Record the windows that are over (all of them when all). */
static void
flush(struct hl_detect *d, struct sensor *s, uint64_t now_ms, int all)
{
	size_t i = 0;

	while (i < s->npend) {
		if (!all && now_ms < s->pend[i].opened_ms + s->conf->sighting_window_s * 1000ull) {
			i++;
			continue;
		}
		flush_one(d, s, &s->pend[i]);
		s->pend[i] = s->pend[--s->npend];
	}
}

struct match_ctx {
	struct hl_detect *d;
	struct sensor *s;
	uint64_t now_ms;
};

static void
on_hit(void *arg, const struct hl_ioc_hit *hit)
{
	struct match_ctx *m = arg;
	struct sensor *s = m->s;
	struct pending *p = NULL;
	int64_t t = hit->has_time ? hit->time_ms : (int64_t)m->now_ms;
	size_t i;

	s->hits++;
	if (s->list != NULL && json_array_size(s->list) < HL_DETECT_HITS_SHOWN) {
		char ts[32];

		hl_stixshare_time((uint64_t)t * 1000, ts);
		(void)json_array_append_new(s->list, json_pack("{s:s, s:s, s:s, s:s, s:s}",
		    "indicator", hit->indicator_id, "value", hit->value, "matched",
		    hit->indicator_value, "where", hl_sensor_role_name(hit->role), "time", ts));
	}
	if (!s->record)
		return;
	for (i = 0; i < s->npend; i++)
		if (strcmp(s->pend[i].id, hit->indicator_id) == 0) {
			p = &s->pend[i];
			break;
		}
	if (p == NULL) {
		if (s->npend == HL_DETECT_PENDING_MAX)
			flush(m->d, s, m->now_ms, 1);
		p = &s->pend[s->npend++];
		memset(p, 0, sizeof(*p));
		(void)snprintf(p->id, sizeof(p->id), "%s", hit->indicator_id);
		p->coll = (unsigned)hit->tag;
		p->first_ms = p->last_ms = t;
		p->opened_ms = m->now_ms;
	}
	p->count++;
	if (t < p->first_ms)
		p->first_ms = t;
	if (t > p->last_ms)
		p->last_ms = t;
}

/* ---- correlation ---- */

/* Forget partners (and indicators) not heard from within the window. */
static void
corr_expire(struct hl_detect *d, uint64_t now_ms)
{
	uint64_t win = d->cfg->correlation_window_s * 1000ull;
	size_t i = 0;
	unsigned k;

	while (i < d->ncorr) {
		struct corr *c = &d->corr[i];

		for (k = 0; k < c->nby;) {
			if (c->by[k].seen_ms + win <= now_ms)
				c->by[k] = c->by[--c->nby];
			else
				k++;
		}
		if (c->alerted_ms != 0 && c->alerted_ms + win <= now_ms) {
			c->alerted_ms = 0;
			c->have_alert = 0;
		}
		if (c->nby == 0 && c->alerted_ms == 0)
			d->corr[i] = d->corr[--d->ncorr];
		else
			i++;
	}
}

/* The IMMEDIATE envelope to our own inbox naming the indicator, the
 * partners, their counts and times; audited. */
static void
corr_alert(struct hl_detect *d, struct corr *c, uint64_t now_ms)
{
	struct hl_stix_row *ind = NULL;
	struct hl_send_req req;
	uint8_t id[HL_ID_BYTES];
	char text[2048], why[HL_SEND_WHY_MAX], detail[HL_AUDIT_DETAIL_MAX], name[128] = "";
	size_t off;
	unsigned k;
	json_t *o;
	int r;

	c->alerted_ms = now_ms;
	d->alerts++;
	memset(&req, 0, sizeof(req));
	if (hl_stixdb_get_latest(d->db, c->coll, c->id, NULL, NULL, &ind) != HL_OK ||
	    hl_label_decode(ind->label, ind->label_len, &req.label) != HL_OK) {
		log_warnx("correlation of %s: its label is not known: no alert", c->id);
		goto out;
	}
	if (ind->json != NULL && (o = json_loadb(ind->json, ind->json_len, 0, NULL)) != NULL) {
		(void)snprintf(name, sizeof(name), "%s",
		    json_string_value(json_object_get(o, "name")) != NULL ?
		    json_string_value(json_object_get(o, "name")) : "");
		json_decref(o);
	}
	off = (size_t)snprintf(text, sizeof(text), "CORRELATION: %s%s%s%s sighted by %u partners "
	    "within %us (collection %s)\n", c->id, name[0] ? " (" : "", name, name[0] ? ")" : "",
	    c->nby, (unsigned)d->cfg->correlation_window_s, c->coll);
	(void)snprintf(detail, sizeof(detail), "%s partners=", c->id);
	for (k = 0; k < c->nby && off < sizeof(text); k++) {
		off += (size_t)snprintf(text + off, sizeof(text) - off, "  %s: %" PRIu64
		    " sighting(s), count %" PRIu64 ", first seen %s, last seen %s\n", c->by[k].partner,
		    c->by[k].sightings, c->by[k].count, c->by[k].first, c->by[k].last);
		(void)snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail), "%s%s",
		    k ? "," : "", c->by[k].partner);
	}
	req.precedence = HL_PREC_IMMEDIATE;
	req.content_type = HL_CT_TEXT;
	req.content = (const uint8_t *)text;
	req.content_len = strnlen(text, sizeof(text));
	req.originator = "detect";
	if ((r = hl_node_notify_self(d->node, &req, id, why, sizeof(why))) != HL_OK) {
		log_warnx("correlation of %s: alert not stored: %s (%s)", c->id, hl_strerror(r), why);
		goto out;
	}
	memcpy(c->alert_id, id, sizeof(c->alert_id));
	c->have_alert = 1;
	if ((r = hl_store_audit(hl_node_store(d->node), "detect-correlation", id, "detect", detail,
	    now_ms)) != HL_OK)
		log_warnx("audit: cannot record detect-correlation: %s", hl_strerror(r));
	log_info("correlation: %s", detail);
out:
	hl_stixdb_rows_free(ind, ind != NULL ? 1 : 0);
}

/* One sighting a partner sent. */
static void
corr_take(struct hl_detect *d, const struct hl_stix_row *row, uint64_t now_ms)
{
	json_t *o;
	const char *of, *fs, *ls;
	struct corr *c = NULL;
	struct corr_by *b = NULL;
	json_int_t count;
	size_t i;
	unsigned k;

	if (row->prov.source != HL_STIX_PARTNER || row->prov.partner[0] == '\0' ||
	    row->json == NULL || (o = json_loadb(row->json, row->json_len, 0, NULL)) == NULL)
		return;
	if ((of = json_string_value(json_object_get(o, "sighting_of_ref"))) == NULL ||
	    strlen(of) > HL_STIX_ID_MAX)
		goto out;
	count = json_is_integer(json_object_get(o, "count")) ?
	    json_integer_value(json_object_get(o, "count")) : 1;
	fs = json_string_value(json_object_get(o, "first_seen"));
	ls = json_string_value(json_object_get(o, "last_seen"));
	if (fs == NULL)
		fs = json_string_value(json_object_get(o, "created"));
	if (ls == NULL)
		ls = fs;
	for (i = 0; i < d->ncorr; i++)
		if (strcmp(d->corr[i].id, of) == 0 && strcmp(d->corr[i].coll, row->collection) == 0)
			c = &d->corr[i];
	if (c == NULL) {
		if (d->ncorr == HL_DETECT_CORR_MAX)
			goto out;   /* the table is full: counted by nothing, rare */
		c = &d->corr[d->ncorr++];
		memset(c, 0, sizeof(*c));
		(void)snprintf(c->id, sizeof(c->id), "%s", of);
		(void)snprintf(c->coll, sizeof(c->coll), "%s", row->collection);
	}
	for (k = 0; k < c->nby; k++)
		if (strcmp(c->by[k].partner, row->prov.partner) == 0)
			b = &c->by[k];
	if (b == NULL) {
		if (c->nby == CORR_PARTNERS)
			goto out;
		b = &c->by[c->nby++];
		memset(b, 0, sizeof(*b));
		(void)snprintf(b->partner, sizeof(b->partner), "%s", row->prov.partner);
		(void)snprintf(b->first, sizeof(b->first), "%s", fs != NULL ? fs : "");
	}
	b->sightings++;
	b->count += count > 0 ? (uint64_t)count : 0;
	if (fs != NULL && (b->first[0] == '\0' || strcmp(fs, b->first) < 0))
		(void)snprintf(b->first, sizeof(b->first), "%s", fs);
	if (ls != NULL && strcmp(ls, b->last) > 0)
		(void)snprintf(b->last, sizeof(b->last), "%s", ls);
	b->seen_ms = row->date_added_us / 1000;
	if (c->nby >= 2 && c->alerted_ms == 0) {
		if (d->corr_quiet)
			c->alerted_ms = now_ms;   /* raised before the restart, if at all */
		else
			corr_alert(d, c, now_ms);
	}
out:
	json_decref(o);
}

struct take_ctx {
	struct hl_detect *d;
	uint64_t now_ms;
};

static void
take_cb(void *arg, const struct hl_stix_row *row)
{
	struct take_ctx *t = arg;

	corr_take(t->d, row, t->now_ms);
}

/* The sightings partners sent since the last look, in every collection. */
static int
corr_refresh(struct hl_detect *d, uint64_t now_ms)
{
	struct take_ctx t = { d, now_ms };
	unsigned c;
	int r;

	corr_expire(d, now_ms);
	for (c = 0; c < d->cfg->ncollections; c++)
		if ((r = each_added(d, d->cfg->collections[c].name, "sighting", NULL,
		    &d->corr_after_us[c], take_cb, &t)) != HL_OK)
			return r;
	d->corr_quiet = 0;
	return HL_OK;
}

/* ---- following the files ---- */

static void
take_line(struct hl_detect *d, struct sensor *s, const char *line, size_t len, uint64_t now_ms)
{
	struct match_ctx m = { d, s, now_ms };
	char err[128];
	int r;

	s->lines++;
	r = hl_sensor_parse(s->conf->format, line, len, d->ev, err, sizeof(err));
	if (r == HL_SENSOR_SKIPPED) {
		s->skipped++;
		return;
	}
	if (r == HL_SENSOR_IGNORED)
		return;
	if (r != HL_OK) {
		s->malformed++;
		return;
	}
	s->events++;
	(void)hl_ioc_match(s->set, d->ev, (int64_t)now_ms, on_hit, &m);
}

/* (Re)open the file; at pos when it is the same file (inode) and not
 * shorter, else at 0. */
static void
reopen(struct sensor *s)
{
	struct stat st;
	int fd;

	if ((fd = open(s->conf->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return;
	}
	if (s->fd >= 0)
		close(s->fd);
	s->fd = fd;
	if ((uint64_t)st.st_ino != s->ino || (uint64_t)st.st_size < s->pos) {
		s->ino = (uint64_t)st.st_ino;
		s->pos = 0;
		s->skipping = 0;
	}
}

/* Read what was appended (at most HL_DETECT_READ_MAX bytes); complete
 * lines only: a partial last line waits for its end. 0: nothing taken;
 * 1: it moved; 2: it moved by a whole read (more may be waiting). */
static int
follow(struct hl_detect *d, struct sensor *s, uint64_t now_ms)
{
	struct stat st, old;
	const char *p, *nl, *end;
	ssize_t got;
	int moved;

	moved = s->fd < 0 || stat(s->conf->path, &st) != 0 || (uint64_t)st.st_ino != s->ino;
	if (moved && s->fd >= 0 && fstat(s->fd, &old) == 0 && (uint64_t)old.st_size > s->pos) {
		/* rotated or removed: what was written to the old file before
		 * goes first, then the new file from 0 */
	} else if (moved || (uint64_t)st.st_size < s->pos) {
		/* rotated (another inode), truncated, or not there yet */
		reopen(s);
		if (s->fd < 0)
			return 0;
	}
	got = pread(s->fd, d->buf, HL_DETECT_READ_MAX, (off_t)s->pos);
	if (got <= 0)
		return 0;
	p = (const char *)d->buf;
	end = p + got;
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (s->skipping)
			s->skipping = 0;
		else
			take_line(d, s, p, (size_t)(nl - p), now_ms);
		p = nl + 1;
	}
	if (p == (const char *)d->buf && (size_t)got == HL_DETECT_READ_MAX) {
		/* a whole read without a line end: longer than any line taken */
		if (!s->skipping)
			s->malformed++;
		s->skipping = 1;
		p = end;
	}
	s->pos += (uint64_t)(p - (const char *)d->buf);
	if (p == (const char *)d->buf)
		return 0;
	return (size_t)got == HL_DETECT_READ_MAX ? 2 : 1;
}

/* ---- positions: "NAME INODE OFFSET" lines in the data directory ---- */

static void
save_positions(struct hl_detect *d)
{
	char tmp[HL_PATH_MAX + 8];
	FILE *f;
	unsigned i;

	(void)snprintf(tmp, sizeof(tmp), "%s.tmp", d->state_path);
	if ((f = fopen(tmp, "w")) == NULL) {
		log_warn("sensors: %s", tmp);
		return;
	}
	for (i = 0; i < d->n; i++)
		fprintf(f, "%s %" PRIu64 " %" PRIu64 "\n", d->s[i].conf->name, d->s[i].ino,
		    d->s[i].pos);
	if (fclose(f) != 0 || rename(tmp, d->state_path) != 0) {
		log_warn("sensors: %s", d->state_path);
		(void)unlink(tmp);
		return;
	}
	d->dirty = 0;
}

static void
load_positions(struct hl_detect *d)
{
	char line[256], name[HL_COLLECTION_NAME_MAX + 1];
	unsigned long long ino, pos;
	char *e1, *e2, *sp;
	FILE *f;
	unsigned i;
	size_t nl;

	if ((f = fopen(d->state_path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((sp = strchr(line, ' ')) == NULL || (nl = (size_t)(sp - line)) == 0 ||
		    nl > HL_COLLECTION_NAME_MAX)
			continue;
		memcpy(name, line, nl);
		name[nl] = '\0';
		errno = 0;
		ino = strtoull(sp + 1, &e1, 10);
		pos = strtoull(e1, &e2, 10);
		if (errno != 0 || e1 == sp + 1 || e2 == e1)
			continue;
		for (i = 0; i < d->n; i++)
			if (strcmp(d->s[i].conf->name, name) == 0) {
				d->s[i].ino = ino;
				d->s[i].pos = pos;
			}
	}
	fclose(f);
}

/* ---- the loop ---- */

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct hl_detect *d = arg;
	struct timeval tv = { 0, HL_DETECT_TICK_MS * 1000 }, zero = { 0, 0 };
	uint64_t now = hl_now_ms();
	unsigned i;
	int r, moved, backlog = 0;

	(void)fd;
	(void)what;
	if (now >= d->refreshed_ms + HL_DETECT_REFRESH_MS) {
		d->refreshed_ms = now;
		/* a partner's large bundle is taken over several seconds, the
		 * loop staying responsive */
		d->pages = HL_DETECT_REFRESH_PAGES;
		if ((r = corr_refresh(d, now)) != HL_OK)
			log_warnx("correlation: sightings: %s", hl_strerror(r));
		for (i = 0; i < d->n; i++)
			if ((r = refresh(d, &d->s[i])) != HL_OK)
				log_warnx("sensor %s: indicators: %s", d->s[i].conf->name,
				    hl_strerror(r));
	}
	for (i = 0; i < d->n; i++) {
		if ((moved = follow(d, &d->s[i], now)) != 0)
			d->dirty = 1;
		if (moved == 2)
			backlog = 1;
		flush(d, &d->s[i], now, 0);
	}
	if (d->dirty && now >= d->saved_ms + HL_DETECT_SAVE_MS) {
		d->saved_ms = now;
		save_positions(d);
	}
	/* a backlog: the next read after this pass of the loop (its I/O goes
	 * first), else in HL_DETECT_TICK_MS */
	if (event_add(d->tick, backlog ? &zero : &tv) != 0)
		log_warnx("sensors: cannot schedule the next read");
}

int
hl_detect_new(struct hl_node *n, struct event_base *base, struct hl_detect **out, char *err,
    size_t errlen)
{
	const struct hl_config *cfg = hl_node_config(n);
	struct hl_detect *d = NULL;
	struct timeval tv = { 0, HL_DETECT_TICK_MS * 1000 };
	uint64_t now_us, win_us;
	unsigned i;
	int r = HL_ERR_NOMEM;

	*out = NULL;
	if ((d = hl_calloc(1, sizeof(*d))) == NULL)
		goto nomem;
	d->node = n;
	d->cfg = cfg;
	if (cfg->nsensors == 0 && cfg->ncollections == 0) {
		*out = d;   /* nothing to follow, no sightings to correlate */
		return HL_OK;
	}
	if ((d->ev = hl_malloc(sizeof(*d->ev))) == NULL ||
	    (d->buf = hl_malloc(HL_DETECT_READ_MAX)) == NULL ||
	    (d->corr = hl_calloc(HL_DETECT_CORR_MAX, sizeof(*d->corr))) == NULL)
		goto nomem;
	(void)snprintf(d->state_path, sizeof(d->state_path), "%s/sensors.state", cfg->data_dir);
	for (i = 0; i < cfg->nsensors; i++) {
		d->s[i].conf = &cfg->sensors[i];
		d->s[i].fd = -1;
		d->s[i].record = 1;
		(void)snprintf(d->s[i].by, sizeof(d->s[i].by), "detect:%.24s", cfg->sensors[i].name);
		if ((r = hl_ioc_new(&d->s[i].set)) != HL_OK ||
		    (d->s[i].pend = hl_calloc(HL_DETECT_PENDING_MAX, sizeof(struct pending))) == NULL)
			goto nomem;
		d->n++;
	}
	load_positions(d);
	d->pages = SIZE_MAX;   /* at start: everything stored */
	if ((r = hl_stixdb_open(hl_node_store(n), &d->db)) != HL_OK) {
		snprintf(err, errlen, "sensors: STIX store: %s", hl_strerror(r));
		goto fail;
	}
	for (i = 0; i < d->n; i++) {
		if ((r = refresh(d, &d->s[i])) != HL_OK) {
			snprintf(err, errlen, "sensor %s: indicators: %s", d->s[i].conf->name,
			    hl_strerror(r));
			goto fail;
		}
		log_info("sensor %s: %s %s, %zu indicators (%" PRIu64 " not matchable), from "
		    "offset %" PRIu64, d->s[i].conf->name, hl_sensor_format_name(d->s[i].conf->format),
		    d->s[i].conf->path, hl_ioc_count(d->s[i].set), d->s[i].unsupported, d->s[i].pos);
	}
	/* the sightings of the last window again, without raising what was
	 * (or would have been) raised before a restart */
	now_us = hl_now_us();
	win_us = cfg->correlation_window_s * 1000000ull;
	for (i = 0; i < cfg->ncollections; i++)
		d->corr_after_us[i] = now_us > win_us ? now_us - win_us : 0;
	d->corr_quiet = 1;
	if ((r = corr_refresh(d, now_us / 1000)) != HL_OK) {
		snprintf(err, errlen, "correlation: sightings: %s", hl_strerror(r));
		goto fail;
	}
	d->refreshed_ms = hl_now_ms();
	if ((d->tick = evtimer_new(base, on_tick, d)) == NULL ||
	    event_add(d->tick, &tv) != 0)
		goto nomem;
	*out = d;
	return HL_OK;
nomem:
	snprintf(err, errlen, "sensors: out of memory");
	r = HL_ERR_NOMEM;
fail:
	hl_detect_free(d);
	return r;
}

void
hl_detect_free(struct hl_detect *d)
{
	unsigned i;

	if (d == NULL)
		return;
	if (d->tick != NULL)
		event_free(d->tick);
	for (i = 0; i < d->n; i++)
		if (d->db != NULL)
			flush(d, &d->s[i], hl_now_ms(), 1);
	if (d->n > 0 && d->dirty)
		save_positions(d);
	for (i = 0; i < d->n; i++) {
		hl_ioc_free(d->s[i].set);
		hl_free(d->s[i].pend);
		if (d->s[i].fd >= 0)
			close(d->s[i].fd);
	}
	hl_stixdb_close(d->db);
	hl_free(d->ev);
	hl_free(d->buf);
	hl_free(d->corr);
	hl_free(d);
}

json_t *
hl_detect_status(void *arg)
{
	const struct hl_detect *d = arg;
	json_t *a = json_array(), *o;
	unsigned i;

	if (a == NULL || d == NULL)
		return a;
	for (i = 0; i < d->n; i++) {
		const struct sensor *s = &d->s[i];

		o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		    "name", s->conf->name, "format", hl_sensor_format_name(s->conf->format),
		    "path", s->conf->path, "lines", (json_int_t)s->lines,
		    "events", (json_int_t)s->events, "skipped", (json_int_t)s->skipped,
		    "malformed", (json_int_t)s->malformed, "hits", (json_int_t)s->hits,
		    "sightings", (json_int_t)s->sightings, "unsent", (json_int_t)s->unsent,
		    "indicators", (json_int_t)hl_ioc_count(s->set),
		    "unsupported", (json_int_t)s->unsupported,
		    "position", (json_int_t)s->pos, "inode", (json_int_t)s->ino);
		if (o == NULL || json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* ---- one file matched at once: POST /api/v1/detect ---- */

/* Match body (lines of format) against the indicators of the collections
 * op may read; with report, the matches become sightings (one per
 * indicator) recorded by op. OUT: *out, the reply. */
static int
oneshot(struct hl_detect *d, const struct hl_operator_conf *op, int format, const uint8_t *body,
    size_t len, int report, json_t **out)
{
	struct hl_sensor_conf conf;
	struct sensor *s = NULL;
	const char *p = (const char *)body, *end = p + len, *nl;
	uint64_t now = hl_now_ms();
	json_t *o = NULL;
	unsigned c;
	int r = HL_ERR_NOMEM;

	*out = NULL;
	memset(&conf, 0, sizeof(conf));
	(void)snprintf(conf.name, sizeof(conf.name), "oneshot");
	conf.format = format;
	for (c = 0; c < d->cfg->ncollections && conf.ncollections < HL_SENSOR_COLLECTIONS_MAX; c++)
		if (hl_config_list_has(d->cfg->collections[c].read, op->name))
			(void)snprintf(conf.collections[conf.ncollections++],
			    sizeof(conf.collections[0]), "%s", d->cfg->collections[c].name);
	if ((s = hl_calloc(1, sizeof(*s))) == NULL ||
	    (s->pend = hl_calloc(HL_DETECT_PENDING_MAX, sizeof(struct pending))) == NULL ||
	    (s->list = json_array()) == NULL || (r = hl_ioc_new(&s->set)) != HL_OK)
		goto out;
	s->conf = &conf;
	s->fd = -1;
	s->op = op;
	s->record = report;
	(void)snprintf(s->by, sizeof(s->by), "%s", op->name);
	d->pages = SIZE_MAX;
	if ((r = refresh(d, s)) != HL_OK)
		goto out;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		take_line(d, s, p, (size_t)((nl != NULL ? nl : end) - p), now);
		p = nl != NULL ? nl + 1 : end;
	}
	if (report)
		flush(d, s, now, 1);
	o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:O}", "format",
	    hl_sensor_format_name(format), "indicators", (json_int_t)hl_ioc_count(s->set),
	    "unsupported", (json_int_t)s->unsupported, "lines", (json_int_t)s->lines,
	    "events", (json_int_t)s->events, "skipped", (json_int_t)s->skipped,
	    "malformed", (json_int_t)s->malformed, "hits", (json_int_t)s->hits,
	    "matches", s->list);
	if (o == NULL)
		goto out;
	if (report && json_object_set_new(o, "sightings", json_integer((json_int_t)s->sightings)) != 0)
		goto out;
	*out = o;
	o = NULL;
	r = HL_OK;
out:
	json_decref(o);
	if (s != NULL) {
		json_decref(s->list);
		hl_ioc_free(s->set);
		hl_free(s->pend);
	}
	hl_free(s);
	return r;
}

static void
r_detect(struct hl_http_req *x)
{
	struct hl_detect *d = x->arg;
	struct evkeyvalq kv;
	struct evkeyval *e;
	json_t *o = NULL;
	int format = 0, report = 0, r;

	TAILQ_INIT(&kv);
	if (x->query == NULL || strlen(x->query) > HL_API_QUERY_MAX ||
	    evhttp_parse_query_str(x->query, &kv) != 0) {
		hl_http_reply_error(x->req, 400, "bad_request", "expected ?format=F[&report=1]");
		goto out;
	}
	TAILQ_FOREACH(e, &kv, next) {
		if (strcmp(e->key, "format") == 0 && format == 0 &&
		    (format = hl_sensor_format_parse(e->value)) != 0)
			continue;
		if (strcmp(e->key, "report") == 0 && !report &&
		    (strcmp(e->value, "1") == 0 || strcmp(e->value, "0") == 0)) {
			report = e->value[0] == '1' ? 1 : 2;
			continue;
		}
		hl_http_reply_error(x->req, 400, "bad_request", "'%.64s': expected format=%s "
		    "and report=0|1 once each", e->key, "suricata-eve|zeek-json|tshark-ek");
		goto out;
	}
	if (format == 0) {
		hl_http_reply_error(x->req, 400, "bad_request", "missing format=");
		goto out;
	}
	if (d->db == NULL) {
		hl_http_reply_error(x->req, 409, "no_collections", "this node has no [collection]: "
		    "no indicators to match");
		goto out;
	}
	if ((r = oneshot(d, x->op, format, x->body, x->body_len, report == 1, &o)) != HL_OK) {
		hl_http_reply_error(x->req, 500, "internal", "%s", hl_strerror(r));
		goto out;
	}
	if (report == 1) {
		char detail[HL_AUDIT_DETAIL_MAX];

		(void)snprintf(detail, sizeof(detail), "format=%s lines=%lld hits=%lld sightings=%lld",
		    hl_sensor_format_name(format), (long long)json_integer_value(json_object_get(o,
		    "lines")), (long long)json_integer_value(json_object_get(o, "hits")),
		    (long long)json_integer_value(json_object_get(o, "sightings")));
		if (hl_store_audit(hl_node_store(d->node), "detect-report", NULL, x->op->name, detail,
		    hl_now_ms()) != HL_OK)
			log_warnx("audit: cannot record detect-report");
	}
	hl_http_reply_json(x->req, 200, o);
out:
	evhttp_clear_headers(&kv);
}

/* One correlation as GET /api/v1/detect/correlations shows it (new
 * reference), or NULL when op may not see it: the collection is not one op
 * may read, or the indicator's label is beyond op (rule 4), or it is not
 * stored here. */
static json_t *
corr_json(struct hl_detect *d, const struct corr *c, const struct hl_operator_conf *op)
{
	struct hl_stix_row *ind = NULL;
	char hex[2 * HL_ID_BYTES + 1];
	const char *name = NULL;
	json_t *o = NULL, *by = NULL, *res = NULL, *io = NULL;
	unsigned i, k;

	for (i = 0; i < d->cfg->ncollections; i++)
		if (strcmp(d->cfg->collections[i].name, c->coll) == 0)
			break;
	if (i == d->cfg->ncollections || !hl_config_list_has(d->cfg->collections[i].read, op->name))
		goto out;
	if (hl_stixdb_get_latest(d->db, c->coll, c->id, &d->cfg->policy, op, &ind) != HL_OK)
		goto out;
	if (ind->json != NULL && (io = json_loadb(ind->json, ind->json_len, 0, NULL)) != NULL)
		name = json_string_value(json_object_get(io, "name"));
	if ((by = json_array()) == NULL)
		goto out;
	for (k = 0; k < c->nby; k++)
		if (json_array_append_new(by, json_pack("{s:s, s:I, s:I, s:s, s:s}", "partner",
		    c->by[k].partner, "sightings", (json_int_t)c->by[k].sightings, "count",
		    (json_int_t)c->by[k].count, "first_seen", c->by[k].first, "last_seen",
		    c->by[k].last)) != 0)
			goto out;
	if (c->have_alert)
		hl_hex_encode(c->alert_id, sizeof(c->alert_id), hex);
	o = json_pack("{s:s, s:s, s:o, s:O, s:b, s:o}", "indicator", c->id, "collection", c->coll,
	    "name", name != NULL ? json_string(name) : json_null(), "partners", by,
	    "alerted", c->alerted_ms != 0, "alert_id", c->have_alert ? json_string(hex) :
	    json_null());
	if (o == NULL)
		goto out;
	res = o;
	o = NULL;
out:
	json_decref(io);
	json_decref(by);
	hl_stixdb_rows_free(ind, ind != NULL ? 1 : 0);
	return res;
}

json_t *
hl_detect_correlations(struct hl_detect *d, const struct hl_operator_conf *op)
{
	json_t *list = NULL, *o = NULL, *res = NULL, *c;
	size_t i;

	if (d->db != NULL)
		corr_expire(d, hl_now_ms());
	if ((list = json_array()) == NULL)
		goto out;
	for (i = 0; d->db != NULL && i < d->ncorr; i++)
		if (d->corr[i].nby > 0 && (c = corr_json(d, &d->corr[i], op)) != NULL &&
		    json_array_append_new(list, c) != 0)
			goto out;
	if ((o = json_pack("{s:I, s:O}", "window_s", (json_int_t)d->cfg->correlation_window_s,
	    "correlations", list)) == NULL)
		goto out;
	res = o;
out:
	json_decref(list);
	return res;
}

static void
r_correlations(struct hl_http_req *x)
{
	json_t *o;

	if ((o = hl_detect_correlations(x->arg, x->op)) == NULL) {
		hl_http_reply_error(x->req, 500, "internal", "%s", hl_strerror(HL_ERR_NOMEM));
		return;
	}
	hl_http_reply_json(x->req, 200, o);
}

static const struct hl_http_route detect_routes[] = {
	{ HL_HTTP_GET, "/api/v1/detect/correlations", r_correlations, HL_HTTP_AUTH, 0, NULL,
	    HL_HTTP_ANYONE },
	{ HL_HTTP_POST, "/api/v1/detect", r_detect, HL_HTTP_AUTH | HL_HTTP_QUERY | HL_HTTP_BODY,
	    HL_DETECT_BODY_MAX, "application/octet-stream", HL_HTTP_ANYONE },
};

int
hl_detect_register(struct hl_detect *d, struct hl_http_table *t)
{
	return hl_http_table_add(t, detect_routes, sizeof(detect_routes) / sizeof(detect_routes[0]),
	    NULL, d);
}
