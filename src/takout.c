/* takout.c: Cursor on Target out to TAK users (takout.h). The events come
 * from cot.c, the picture and what moved from the store; each output
 * decides per track with the release rule of a peer link
 * (hl_label_may_send) and sends to its live connections. A connection
 * that falls more than HL_TAK_OUTPUT_MAX behind is closed (an endpoint
 * reconnects and gets the whole picture again), so a stalled TAK server
 * never holds the node's memory. */
#include <sys/socket.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "alloc.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "cot.h"
#include "httpc.h"
#include "label.h"
#include "link.h"
#include "log.h"
#include "store.h"
#include "takout.h"
#include "sealfile.h"
#include "track.h"

#define TAK_RETRY_MIN_MS 1000
#define TAK_CONNECT_TIMEOUT_S 10
#define TAK_WRITE_TIMEOUT_S 30
#define TAK_CHANGED_MAX HL_TRACKS_BATCH_MAX   /* rows a slice can move */
#define TAK_REFUSED_LOG_EVERY 1000            /* a refusal logged, then every Nth */
#define TAK_IMPACT_SLOTS 65536u               /* impact areas remembered as shown */

struct tak_out;

struct tak_conn {
	struct tak_out *o;
	struct bufferevent *bev;
	int endpoint;                 /* the configured endpoint (else a local client) */
	int up;                       /* connected (TLS: handshake done) */
	char peer[HL_HOST_MAX + 16];
	struct tak_conn *next;
};

struct tak_out {
	struct hl_takout *t;
	const struct hl_tak_conf *c;
	SSL_CTX *tls;                 /* the endpoint's, when tls = yes */
	struct evconnlistener *lis;
	struct tak_conn *clients;
	unsigned nclients;
	struct tak_conn *ep;          /* the endpoint's connection, NULL between tries */
	struct event *retry;
	uint32_t backoff_ms;
	uint64_t refused;
	/* FNV-1a hashes of the impact areas this output showed (0 empty, 1
	 * removed): a withdrawn one is sent once as gone; when the table is
	 * full every track without one sends its withdrawal (harmless, only
	 * more bytes) */
	uint64_t *impact;
	size_t nimpact;
};

struct hl_takout {
	struct event_base *base;
	const struct hl_config *cfg;
	struct hl_store *store;
	unsigned nout;
	struct tak_out out[HL_TAK_MAX];
	struct hl_buf ev;             /* one track's events, reused */
};

/* ---- the impact areas shown ---- */

static uint64_t
uid_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= 1099511628211ULL;
	}
	return h < 2 ? h + 2 : h;
}

/* 1 if key is in the table; with add, put it in (when there is room);
 * with del, take it out. */
static int
impact_slot(struct tak_out *t, uint64_t key, int add, int del)
{
	size_t mask = TAK_IMPACT_SLOTS - 1, i = (size_t)key & mask, n, free_at = SIZE_MAX;

	for (n = 0; n < TAK_IMPACT_SLOTS; n++, i = (i + 1) & mask) {
		if (t->impact[i] == key) {
			if (del)
				t->impact[i] = 1;
			return 1;
		}
		if (t->impact[i] == 1 && free_at == SIZE_MAX)
			free_at = i;
		if (t->impact[i] == 0) {
			if (free_at == SIZE_MAX)
				free_at = i;
			break;
		}
	}
	/* at most three quarters full, so that a miss ends soon */
	if (add && free_at != SIZE_MAX && t->nimpact < TAK_IMPACT_SLOTS / 4 * 3) {
		t->impact[free_at] = key;
		t->nimpact++;
	}
	return 0;
}

/* ---- one track as events, for one output ---- */

/* The events of a picture row for output o into t->ev, or nothing when
 * the output may not have it. fresh: a new connection's picture (it has
 * seen nothing: no withdrawal is needed, and a dropped or stale track is
 * left out). */
static int
row_events(struct tak_out *o, const struct hl_track_row *row, int fresh, uint64_t now_ms)
{
	struct hl_takout *t = o->t;
	const struct hl_policy *pol = &t->cfg->policy;
	struct hl_label l;
	struct hl_track tr;
	struct hl_cot_meta m;
	char marking[HL_COT_MARKING_MAX], rel[HL_RELEASABLE_MAX * (HL_PARTNER_MAX + 1) + 1];
	char why[256], uid[HL_COT_UID_MAX];
	unsigned i;
	size_t off = 0;
	uint64_t key;
	int shown;

	t->ev.len = 0;
	if (hl_label_decode(row->label, row->label_len, &l) != HL_OK)
		return HL_ERR_CORRUPT;
	if (row->exercise && !o->c->exercise)
		return HL_OK;
	/* rule 1 for each partner of the audience, as if each were a peer
	 * link of the output's accreditation; never TLP:RED (no one named) */
	for (i = 0; i < o->c->npartners; i++)
		if (hl_label_may_send(&l, pol, o->c->name, o->c->partners[i], o->c->accreditation,
		    0, why, sizeof(why)) != HL_OK) {
			if (o->refused++ % TAK_REFUSED_LOG_EVERY == 0)
				log_info("tak %s: track %s of %s not sent (%llu so far): %s",
				    o->c->name, row->track_id, row->origin,
				    (unsigned long long)o->refused, why);
			return HL_OK;
		}
	if (hl_track_parse(row->record, row->record_len, &tr, NULL, 0) != HL_OK)
		return HL_ERR_CORRUPT;   /* stored canonical */
	if (fresh && (tr.dropped || row->received_ms + o->c->stale_s * 1000ULL <= now_ms))
		return HL_OK;
	hl_label_format(&l, pol, marking, sizeof(marking));
	rel[0] = '\0';
	for (i = 0; i < l.nrel; i++)
		off += (size_t)snprintf(rel + off, sizeof(rel) - off, "%s%s", i > 0 ? " " : "",
		    l.rel[i]);
	memset(&m, 0, sizeof(m));
	m.origin = row->origin;
	m.exercise = row->exercise;
	m.marking = marking;
	m.classification = hl_policy_level_name(pol, l.classification);
	m.releasable_to = rel;
	m.tlp = hl_tlp_name(l.tlp);
	m.stale_ms = row->received_ms + o->c->stale_s * 1000ULL;
	if (hl_cot_track(&tr, &m, &t->ev) != HL_OK)
		return HL_ERR_TOO_BIG;
	/* the impact area: shown, moved, or withdrawn once */
	hl_cot_uid(row->origin, row->track_id, row->exercise, 1, uid);
	key = uid_hash(uid);
	if (tr.has_impact && !tr.dropped) {
		(void)impact_slot(o, key, 1, 0);
		shown = 1;
	} else {
		shown = o->nimpact >= TAK_IMPACT_SLOTS / 4 * 3 || impact_slot(o, key, 0, 1);
		shown = shown && !fresh;
	}
	if (shown && hl_cot_impact(&tr, &m, &t->ev) != HL_OK)
		return HL_ERR_TOO_BIG;
	return HL_OK;
}

/* ---- connections ---- */

static void conn_free(struct tak_conn *k, const char *why);
static void endpoint_schedule(struct tak_out *o);

static int
conn_write(struct tak_conn *k, const void *p, size_t n, int bounded)
{
	if (!k->up)
		return HL_OK;
	if (bounded && evbuffer_get_length(bufferevent_get_output(k->bev)) + n >
	    HL_TAK_OUTPUT_MAX) {
		conn_free(k, "more than 8 MiB of events queued (too slow)");
		return HL_ERR_AGAIN;
	}
	if (bufferevent_write(k->bev, p, n) != 0) {
		conn_free(k, "out of memory");
		return HL_ERR_NOMEM;
	}
	return HL_OK;
}

/* A connection just came up: the picture as it stands. */
static void
send_picture(struct tak_conn *k)
{
	struct tak_out *o = k->o;
	struct hl_track_row *rows = NULL;
	size_t n = 0, i, sent = 0;
	uint64_t now = hl_now_ms();
	int r;

	if ((r = hl_store_tracks(o->t->store, HL_TAK_PICTURE_MAX, &rows, &n)) != HL_OK) {
		log_warnx("tak %s: %s: cannot read the picture: %s", o->c->name, k->peer,
		    hl_strerror(r));
		return;
	}
	for (i = 0; i < n; i++) {
		if (row_events(o, &rows[i], 1, now) != HL_OK || o->t->ev.len == 0)
			continue;
		if (conn_write(k, o->t->ev.data, o->t->ev.len, 0) != HL_OK)
			break;   /* k is gone */
		sent++;
	}
	if (i == n)
		log_info("tak %s: %s: picture sent (%zu of %zu tracks)", o->c->name, k->peer, sent,
		    n);
	hl_store_track_rows_free(rows, n);
}

static void
audit_conn(struct tak_conn *k, const char *event, const char *why)
{
	char detail[HL_HOST_MAX + 300];
	int r;

	snprintf(detail, sizeof(detail), "%s %s%s%s", k->endpoint ? "endpoint" : "client",
	    k->peer, why != NULL ? ": " : "", why != NULL ? why : "");
	if ((r = hl_store_audit(k->o->t->store, event, NULL, k->o->c->name, detail,
	    hl_now_ms())) != HL_OK)
		log_warnx("tak %s: audit %s: %s", k->o->c->name, event, hl_strerror(r));
}

static void
conn_free(struct tak_conn *k, const char *why)
{
	struct tak_out *o = k->o;
	struct tak_conn **pp;

	if (k->up) {
		log_info("tak %s: %s closed: %s", o->c->name, k->peer, why);
		audit_conn(k, "tak-disconnected", why);
	} else if (k->endpoint) {
		log_warnx("tak %s: cannot reach %s: %s", o->c->name, k->peer, why);
	}
	bufferevent_free(k->bev);
	if (k->endpoint) {
		o->ep = NULL;
		endpoint_schedule(o);
	} else {
		for (pp = &o->clients; *pp != NULL; pp = &(*pp)->next)
			if (*pp == k) {
				*pp = k->next;
				break;
			}
		o->nclients--;
	}
	hl_free(k);
}

/* Whatever TAK sends us (pings, its own events) is read and dropped. */
static void
conn_read(struct bufferevent *bev, void *arg)
{
	(void)arg;
	(void)evbuffer_drain(bufferevent_get_input(bev),
	    evbuffer_get_length(bufferevent_get_input(bev)));
}

static void
conn_up(struct tak_conn *k)
{
	struct timeval wt = { TAK_WRITE_TIMEOUT_S, 0 };

	k->up = 1;
	(void)bufferevent_set_timeouts(k->bev, NULL, &wt);
	log_info("tak %s: %s %s connected", k->o->c->name, k->endpoint ? "endpoint" : "client",
	    k->peer);
	audit_conn(k, "tak-connected", NULL);
	send_picture(k);
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct tak_conn *k = arg;
	char why[256];
	unsigned long oe;
	int e = EVUTIL_SOCKET_ERROR();

	if (what & BEV_EVENT_CONNECTED) {
		if (k->o->tls != NULL && SSL_get_verify_result(bufferevent_openssl_get_ssl(bev)) !=
		    X509_V_OK) {
			conn_free(k, "its certificate did not verify");
			return;
		}
		k->o->backoff_ms = 0;
		conn_up(k);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		conn_free(k, "closed by the other side");
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		conn_free(k, k->up ? "a write timed out" : "connect timed out");
		return;
	}
	if (k->o->tls != NULL && (oe = bufferevent_get_openssl_error(bev)) != 0) {
		snprintf(why, sizeof(why), "TLS: ");
		ERR_error_string_n(oe, why + 5, sizeof(why) - 5);
		while (bufferevent_get_openssl_error(bev) != 0)
			;
	} else {
		snprintf(why, sizeof(why), "%s", evutil_socket_error_to_string(e));
	}
	conn_free(k, why);
}

static struct tak_conn *
conn_new(struct tak_out *o, struct bufferevent *bev, int endpoint, const char *peer)
{
	struct tak_conn *k;

	if ((k = hl_calloc(1, sizeof(*k))) == NULL)
		return NULL;
	k->o = o;
	k->bev = bev;
	k->endpoint = endpoint;
	snprintf(k->peer, sizeof(k->peer), "%s", peer);
	bufferevent_setcb(bev, conn_read, NULL, conn_event, k);
	return k;
}

/* ---- the local port ---- */

static void
on_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct tak_out *o = arg;
	struct bufferevent *bev;
	struct tak_conn *k;
	char host[64] = "?", serv[16] = "?", peer[96];

	(void)lis;
	(void)getnameinfo(sa, (socklen_t)salen, host, sizeof(host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(peer, sizeof(peer), "%s:%s", host, serv);
	if (o->nclients == HL_TAK_CLIENTS_MAX) {
		log_warnx("tak %s: %s refused: %d clients already", o->c->name, peer,
		    HL_TAK_CLIENTS_MAX);
		evutil_closesocket(fd);
		return;
	}
	if ((bev = bufferevent_socket_new(o->t->base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		evutil_closesocket(fd);
		return;
	}
	if ((k = conn_new(o, bev, 0, peer)) == NULL) {
		bufferevent_free(bev);
		return;
	}
	k->next = o->clients;
	o->clients = k;
	o->nclients++;
	(void)bufferevent_enable(bev, EV_READ | EV_WRITE);
	conn_up(k);
}

static int
listen_out(struct tak_out *o, char *err, size_t errlen)
{
	char why[300];
	int r;

	if ((r = hl_link_bind(o->t->base, o->c->listen_host, o->c->listen_port, 16, on_accept, o,
	    &o->lis, why, sizeof(why))) != HL_OK) {
		snprintf(err, errlen, "[tak %s] %s", o->c->name, why);
		return r;
	}
	log_info("tak %s: serving CoT on %s:%u", o->c->name, o->c->listen_host,
	    o->c->listen_port);
	return HL_OK;
}

/* ---- the endpoint ---- */

static int
tls_ctx(struct tak_out *o, char *err, size_t errlen)
{
	const struct hl_tak_conf *c = o->c;
	char why[200] = "";

	ERR_clear_error();
	if ((o->tls = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(o->tls, TLS1_2_VERSION) != 1) {
		snprintf(err, errlen, "[tak %s]: cannot set up TLS", c->name);
		goto fail;
	}
	if (SSL_CTX_load_verify_locations(o->tls, c->ca_path, NULL) != 1) {
		snprintf(err, errlen, "[tak %s]: %s: cannot load the CA certificate", c->name,
		    c->ca_path);
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(o->tls, c->cert_path) != 1) {
		ERR_error_string_n(ERR_peek_last_error(), why, sizeof(why));
		snprintf(err, errlen, "[tak %s]: client certificate %s: %s", c->name,
		    c->cert_path, why);
		goto fail;
	}
	if (hl_seal_use_key(o->tls, c->key_path, why, sizeof(why)) != HL_OK) {
		snprintf(err, errlen, "[tak %s]: %s", c->name, why);
		goto fail;
	}
	SSL_CTX_set_verify(o->tls, SSL_VERIFY_PEER, NULL);
	return HL_OK;
fail:
	ERR_clear_error();
	SSL_CTX_free(o->tls);
	o->tls = NULL;
	return HL_ERR_CONFIG;
}

static void
endpoint_dial(evutil_socket_t fd, short what, void *arg)
{
	struct tak_out *o = arg;
	struct bufferevent *bev = NULL;
	struct timeval ct = { TAK_CONNECT_TIMEOUT_S, 0 };
	SSL *ssl = NULL;
	char peer[HL_HOST_MAX + 16];

	(void)fd;
	(void)what;
	snprintf(peer, sizeof(peer), "%s:%u", o->c->host, (unsigned)o->c->port);
	if (o->tls != NULL) {
		/* the server's certificate must name the host we dial */
		if ((ssl = SSL_new(o->tls)) == NULL ||
		    (!hl_httpc_ip_literal(o->c->host) && SSL_set_tlsext_host_name(ssl, o->c->host) != 1) ||
		    SSL_set1_host(ssl, o->c->host) != 1)
			goto fail;
		bev = bufferevent_openssl_socket_new(o->t->base, -1, ssl,
		    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
		if (bev == NULL)
			goto fail;
		ssl = NULL;   /* the bufferevent frees it */
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	} else if ((bev = bufferevent_socket_new(o->t->base, -1,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS)) == NULL) {
		goto fail;
	}
	if ((o->ep = conn_new(o, bev, 1, peer)) == NULL)
		goto fail;
	bev = NULL;
	(void)bufferevent_set_timeouts(o->ep->bev, NULL, &ct);
	(void)bufferevent_enable(o->ep->bev, EV_READ | EV_WRITE);
	/* a failure comes back through conn_event */
	if (bufferevent_socket_connect_hostname(o->ep->bev, NULL, AF_UNSPEC, o->c->host,
	    o->c->port) != 0)
		conn_free(o->ep, "cannot connect");
	return;
fail:
	ERR_clear_error();
	SSL_free(ssl);
	if (bev != NULL)
		bufferevent_free(bev);
	log_warnx("tak %s: cannot set up the connection to %s", o->c->name, peer);
	endpoint_schedule(o);
}

/* The next try: 1 s, doubling up to reconnect_max. */
static void
endpoint_schedule(struct tak_out *o)
{
	struct timeval tv;
	uint32_t max = o->t->cfg->reconnect_max_ms;

	if (o->retry == NULL || o->c->port == 0)
		return;
	o->backoff_ms = o->backoff_ms == 0 ? TAK_RETRY_MIN_MS :
	    (o->backoff_ms > max / 2 ? max : o->backoff_ms * 2);
	tv.tv_sec = o->backoff_ms / 1000;
	tv.tv_usec = (long)(o->backoff_ms % 1000) * 1000;
	(void)evtimer_add(o->retry, &tv);
}

/* ---- the service ---- */

int
hl_takout_new(struct event_base *base, const struct hl_config *cfg, struct hl_store *store,
    struct hl_takout **out, char *err, size_t errlen)
{
	struct hl_takout *t = NULL;
	static const struct timeval now = { 0, 0 };
	struct tak_out *o;
	unsigned i;
	int r = HL_ERR_NOMEM;

	*out = NULL;
	if (cfg->ntak == 0)
		return HL_OK;
	if ((t = hl_calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	t->base = base;
	t->cfg = cfg;
	t->store = store;
	hl_buf_init(&t->ev, 2 * HL_COT_EVENT_MAX);
	for (i = 0; i < cfg->ntak; i++) {
		o = &t->out[t->nout++];
		o->t = t;
		o->c = &cfg->tak[i];
		if ((o->impact = hl_calloc(TAK_IMPACT_SLOTS, sizeof(*o->impact))) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		if (o->c->listen_port != 0 && (r = listen_out(o, err, errlen)) != HL_OK)
			goto out;
		if (o->c->port == 0)
			continue;
		if (o->c->tls && (r = tls_ctx(o, err, errlen)) != HL_OK)
			goto out;
		if ((o->retry = evtimer_new(base, endpoint_dial, o)) == NULL ||
		    evtimer_add(o->retry, &now) != 0) {
			snprintf(err, errlen, "out of memory");
			r = HL_ERR_NOMEM;
			goto out;
		}
		log_info("tak %s: streaming CoT to %s:%u%s", o->c->name, o->c->host,
		    (unsigned)o->c->port, o->c->tls ? " over TLS" : " (loopback, no TLS)");
	}
	*out = t;
	t = NULL;
	r = HL_OK;
out:
	hl_takout_free(t);
	return r;
}

void
hl_takout_changed(struct hl_takout *t, const uint8_t id[static HL_ID_BYTES], unsigned from,
    unsigned to)
{
	struct hl_track_row *rows = NULL;
	struct tak_conn *k, *next;
	struct tak_out *o;
	size_t n = 0, i;
	unsigned j;
	uint64_t now;
	int r, any = 0;

	if (t == NULL)
		return;
	for (j = 0; j < t->nout; j++)
		any |= t->out[j].clients != NULL || (t->out[j].ep != NULL && t->out[j].ep->up);
	if (!any)
		return;
	if ((r = hl_store_tracks_changed(t->store, id, from, to, TAK_CHANGED_MAX, &rows, &n)) !=
	    HL_OK) {
		log_warnx("tak: cannot read the tracks an update moved: %s", hl_strerror(r));
		return;
	}
	now = hl_now_ms();
	for (i = 0; i < n; i++)
		for (j = 0; j < t->nout; j++) {
			o = &t->out[j];
			if (o->clients == NULL && (o->ep == NULL || !o->ep->up))
				continue;
			if ((r = row_events(o, &rows[i], 0, now)) != HL_OK) {
				log_warnx("tak %s: track %s of %s: %s", o->c->name, rows[i].track_id,
				    rows[i].origin, hl_strerror(r));
				continue;
			}
			if (t->ev.len == 0)
				continue;
			for (k = o->clients; k != NULL; k = next) {
				next = k->next;
				(void)conn_write(k, t->ev.data, t->ev.len, 1);
			}
			if (o->ep != NULL)
				(void)conn_write(o->ep, t->ev.data, t->ev.len, 1);
		}
	hl_store_track_rows_free(rows, n);
}

void
hl_takout_free(struct hl_takout *t)
{
	struct tak_out *o;
	struct tak_conn *k;
	unsigned i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nout; i++) {
		o = &t->out[i];
		if (o->retry != NULL) {
			event_free(o->retry);
			o->retry = NULL;   /* no new try from conn_free */
		}
		if (o->lis != NULL)
			evconnlistener_free(o->lis);
		while ((k = o->clients) != NULL)
			conn_free(k, "the node stops");
		if (o->ep != NULL)
			conn_free(o->ep, "the node stops");
		SSL_CTX_free(o->tls);
		hl_free(o->impact);
	}
	hl_buf_free(&t->ev);
	hl_free(t);
}
