/* taxiipoll.c: the TAXII poll bridge (see taxiipoll.h). Each source runs
 * rounds: page requests on the event loop (evhttp client over TLS), each
 * page stored through hl_taxii_add. Which page to ask for, and the
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

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "alloc.h"
#include "apiint.h"
#include "apijson.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "node.h"
#include "pki.h"
#include "stixdb.h"
#include "taxii.h"
#include "taxiic.h"
#include "taxiipoll.h"
#include "version.h"

#define CURSOR_MAX HL_TAXIIC_TIME_MAX
#define ERR_MAX 256

struct source {
	struct hl_taxiipoll *p;
	const struct hl_taxii_source_conf *conf;   /* in the node's configuration */
	char host[HL_HOST_MAX + 1];
	uint16_t port;
	char path[HL_TAXIIC_URL_MAX + HL_TAXIIC_ID_MAX + 32];   /* .../objects/ */
	char bridge_key[HL_COLLECTION_NAME_MAX + HL_PATH_MAX + 2];
	char *auth;                     /* "Basic ..." (wiped at free) */
	size_t auth_cap;
	SSL_CTX *ctx;
	struct event *timer;            /* the next round */
	struct event *step;             /* continue after a response, off its callback */
	struct evhttp_connection *conn;
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
};

struct hl_taxiipoll {
	struct hl_node *node;
	struct event_base *base;
	struct hl_stixdb *db;
	unsigned n;
	struct source *src;
};

static uint64_t
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
clean(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

/* password_file: 0600 (not group/world readable), one line. OUT: s->auth. */
static int
load_auth(struct source *s, char *err, size_t errlen)
{
	const struct hl_taxii_source_conf *c = s->conf;
	char pw[HL_API_PASSWORD_MAX + 2], cred[HL_OPERATOR_MAX + HL_API_PASSWORD_MAX + 3];
	unsigned char *b64 = NULL;
	struct stat st;
	ssize_t got;
	size_t n = 0, ul, cl;
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
	pw[n] = '\0';
	ul = strlen(c->user);
	cl = (size_t)snprintf(cred, sizeof(cred), "%s:%s", c->user, pw);
	(void)ul;
	s->auth_cap = 6 + (cl + 2) / 3 * 4 + 1;
	if ((s->auth = hl_malloc(s->auth_cap)) == NULL) {
		r = HL_ERR_NOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(s->auth, "Basic ", 6);
	b64 = (unsigned char *)s->auth + 6;
	EVP_EncodeBlock(b64, (unsigned char *)cred, (int)cl);
	r = HL_OK;
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(cred, sizeof(cred));
	if (fd >= 0)
		close(fd);
	return r;
}

/* A hotline node names itself in its certificate (URI SAN), not its host:
 * check that name on the leaf. */
static int
verify_node(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct source *s = ssl != NULL ? SSL_get_app_data(ssl) : NULL;
	char name[HL_NODE_NAME_MAX + 1];

	if (!ok || s == NULL || X509_STORE_CTX_get_error_depth(xs) != 0)
		return ok;
	if (hl_pki_cert_node_name(X509_STORE_CTX_get_current_cert(xs), name) != HL_OK ||
	    strcmp(name, s->conf->node) != 0) {
		X509_STORE_CTX_set_error(xs, X509_V_ERR_HOSTNAME_MISMATCH);
		return 0;
	}
	return 1;
}

static int
source_init(struct source *s, char *err, size_t errlen)
{
	const struct hl_taxii_source_conf *c = s->conf;
	char root[HL_TAXIIC_URL_MAX + 1];
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
	if ((r = load_auth(s, err, errlen)) != HL_OK)
		return r;
	ERR_clear_error();
	if ((s->ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(s->ctx, c->node[0] != '\0' ? TLS1_3_VERSION :
	    TLS1_2_VERSION) != 1) {
		snprintf(err, errlen, "[taxii_source %s]: cannot set up TLS", c->name);
		ERR_clear_error();
		return HL_ERR_CRYPTO;
	}
	if (SSL_CTX_load_verify_locations(s->ctx, c->ca_path, NULL) != 1) {
		snprintf(err, errlen, "[taxii_source %s] ca %s: cannot load the CA certificate",
		    c->name, c->ca_path);
		ERR_clear_error();
		return HL_ERR_CONFIG;
	}
	SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, c->node[0] != '\0' ? verify_node : NULL);
	return HL_OK;
}

static void schedule(struct source *s, unsigned secs);
static void request_page(struct source *s);

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

/* Store one page through hl_taxii_add, counting what was new, already
 * stored (the same id and version) and refused. 0, or -1 with s->error. */
static int
store_page(struct source *s, const struct hl_taxii_page *pg)
{
	struct hl_stix_prov prov;
	json_t *st = NULL, *e;
	size_t i;
	int r;

	if (json_array_size(pg->objects) == 0)
		return 0;
	memset(&prov, 0, sizeof(prov));
	prov.source = HL_STIX_EXTERNAL;
	snprintf(prov.node, sizeof(prov.node), "%s", s->conf->url);
	/* a partner's hotline node (node = P/...): what it serves stays P's
	 * (sticky releasability, taxii.c); any other server is local origin */
	if (s->conf->node[0] != '\0' && !hl_label_node_name_valid(s->conf->node, prov.partner))
		prov.partner[0] = '\0';
	/* who added them, for the audit record and the status resource: the
	 * source (the URL is longer than an audit actor may be) */
	snprintf(prov.added_by, sizeof(prov.added_by), "taxii:%s", s->conf->name);
	prov.received_us = wall_us();
	r = hl_taxii_add(s->p->node, s->p->db, s->conf->collection, pg->objects, &prov, &st);
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

/* Keep the pager's position once what it covers is stored. 0, or -1 with
 * s->error. */
static int
keep_position(struct source *s)
{
	if (strcmp(s->pg.pos, s->cursor) == 0)
		return 0;
	if (hl_stixdb_bridge_set(s->p->db, s->bridge_key, s->pg.pos, wall_us()) != HL_OK) {
		snprintf(s->error, sizeof(s->error), "cannot store the added_after position");
		return -1;
	}
	snprintf(s->cursor, sizeof(s->cursor), "%s", s->pg.pos);
	return 0;
}

static void
on_response(struct evhttp_request *req, void *arg)
{
	struct source *s = arg;
	struct hl_taxii_page pg;
	enum hl_taxii_pager_step step = HL_TAXII_PAGER_FAILED;
	struct evkeyvalq *hd;
	struct evbuffer *in;
	const char *h;
	unsigned char *body;
	size_t len;
	int code;
	char e[200];

	memset(&pg, 0, sizeof(pg));
	if (s->closing)
		return;
	s->done = 1;
	s->more = 0;
	code = req != NULL ? evhttp_request_get_response_code(req) : 0;
	if (req == NULL || code == 0) {
		unsigned long oe = ERR_peek_last_error();

		if (oe != 0)
			ERR_error_string_n(oe, e, sizeof(e));
		snprintf(s->error, sizeof(s->error), "cannot fetch from %s:%u%s%s", s->host,
		    (unsigned)s->port, oe != 0 ? ": " : " (connection, TLS or timeout)",
		    oe != 0 ? e : "");
		ERR_clear_error();
		goto out;
	}
	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	body = len > 0 ? evbuffer_pullup(in, -1) : (unsigned char *)"";
	if (body == NULL) {
		snprintf(s->error, sizeof(s->error), "out of memory");
		goto out;
	}
	if (code != 200) {
		hl_taxiic_error_text(body, len, e, sizeof(e));
		step = hl_taxiic_pager_refused(&s->pg, code, e);
		if (step == HL_TAXII_PAGER_FAILED)
			snprintf(s->error, sizeof(s->error), "%s:%u answered %s", s->host,
			    (unsigned)s->port, s->pg.error);
		goto out;
	}
	if (hl_taxiic_parse_envelope(body, len, &pg, e, sizeof(e)) != HL_OK) {
		snprintf(s->error, sizeof(s->error), "%s:%u: %s (page %u)", s->host,
		    (unsigned)s->port, e, s->pg.pages + 1);
		goto out;
	}
	hd = evhttp_request_get_input_headers(req);
	if ((h = evhttp_find_header(hd, "X-TAXII-Date-Added-First")) != NULL)
		snprintf(pg.date_added_first, sizeof(pg.date_added_first), "%.*s", CURSOR_MAX, h);
	if ((h = evhttp_find_header(hd, "X-TAXII-Date-Added-Last")) != NULL)
		snprintf(pg.date_added_last, sizeof(pg.date_added_last), "%.*s", CURSOR_MAX, h);
	if (hl_taxiic_pager_page(&s->pg, &pg, &step) != HL_OK) {
		step = HL_TAXII_PAGER_FAILED;
		snprintf(s->error, sizeof(s->error), "out of memory");
		goto out;
	}
	/* the objects first (even from a page the pager finds fault with: they
	 * are validated one by one), then the position that covers them */
	if (store_page(s, &pg) != 0 || keep_position(s) != 0) {
		step = HL_TAXII_PAGER_FAILED;
		goto out;
	}
	if (step == HL_TAXII_PAGER_FAILED)
		snprintf(s->error, sizeof(s->error), "%s:%u: %s", s->host, (unsigned)s->port,
		    s->pg.error);
out:
	take_note(s);
	s->more = step == HL_TAXII_PAGER_ASK;
	clean(s->error);
	hl_taxiic_page_clear(&pg);
	/* continue off this callback: the connection is freed there */
	event_active(s->step, EV_TIMEOUT, 0);
}

static void
on_step(evutil_socket_t fd, short what, void *arg)
{
	struct source *s = arg;

	(void)fd;
	(void)what;
	if (s->conn != NULL) {
		evhttp_connection_free(s->conn);
		s->conn = NULL;
	}
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
	struct evhttp_request *req = NULL;
	struct bufferevent *bev = NULL;
	struct evkeyvalq *hd;
	struct hl_buf q;
	SSL *ssl = NULL;
	char num[16], hosthdr[HL_HOST_MAX + 16];
	static const char hex[] = "0123456789ABCDEF";
	const char *after, *next;
	const char *params[3][2] = { { "added_after", NULL }, { "limit", num }, { "next", NULL } };
	unsigned i;
	int first = 1;

	s->done = 0;
	/* the same added_after (and limit) on every page of a sequence */
	hl_taxiic_pager_request(&s->pg, &after, &next);
	params[0][1] = after;
	params[2][1] = next;
	snprintf(num, sizeof(num), "%u", HL_TAXIIPOLL_PAGE_LIMIT);
	hl_buf_init(&q, sizeof(s->path) + 3 * (CURSOR_MAX + HL_TAXIIC_NEXT_MAX) + 64);
	hl_buf_put(&q, s->path, strlen(s->path));
	for (i = 0; i < 3; i++) {
		const char *v = params[i][1];

		if (v[0] == '\0')
			continue;
		hl_buf_put(&q, first ? "?" : "&", 1);
		first = 0;
		hl_buf_put(&q, params[i][0], strlen(params[i][0]));
		hl_buf_put(&q, "=", 1);
		for (; *v != '\0'; v++) {
			unsigned char ch = (unsigned char)*v;
			char enc[3] = { '%', hex[ch >> 4], hex[ch & 15] };

			if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == ':')
				hl_buf_put(&q, v, 1);
			else
				hl_buf_put(&q, enc, 3);
		}
	}
	hl_buf_put(&q, "", 1);
	if (hl_buf_error(&q) != HL_OK) {
		snprintf(s->error, sizeof(s->error), "request too long");
		goto fail;
	}
	ERR_clear_error();
	if ((ssl = SSL_new(s->ctx)) == NULL) {
		snprintf(s->error, sizeof(s->error), "cannot set up TLS");
		goto fail;
	}
	SSL_set_app_data(ssl, s);
	if (s->conf->node[0] == '\0' && (SSL_set_tlsext_host_name(ssl, s->host) != 1 ||
	    SSL_set1_host(ssl, s->host) != 1)) {
		snprintf(s->error, sizeof(s->error), "cannot set up TLS for %s", s->host);
		goto fail;
	}
	if ((bev = bufferevent_openssl_socket_new(s->p->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS)) == NULL) {
		snprintf(s->error, sizeof(s->error), "cannot set up TLS for %s", s->host);
		goto fail;
	}
	ssl = NULL;   /* the bufferevent frees it */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	if ((s->conn = evhttp_connection_base_bufferevent_new(s->p->base, NULL, bev, s->host,
	    s->port)) == NULL) {
		bufferevent_free(bev);
		snprintf(s->error, sizeof(s->error), "out of memory");
		goto fail;
	}
	evhttp_connection_set_timeout(s->conn, HL_TAXIIPOLL_TIMEOUT_S);
	evhttp_connection_set_max_body_size(s->conn, HL_TAXIIC_BODY_MAX);
	evhttp_connection_set_max_headers_size(s->conn, HL_HTTP_HEADERS_MAX_BYTES);
	evhttp_connection_set_retries(s->conn, 0);
	if ((req = evhttp_request_new(on_response, s)) == NULL) {
		snprintf(s->error, sizeof(s->error), "out of memory");
		goto fail;
	}
	hd = evhttp_request_get_output_headers(req);
	snprintf(hosthdr, sizeof(hosthdr), "%s%s%s:%u", strchr(s->host, ':') != NULL ? "[" : "",
	    s->host, strchr(s->host, ':') != NULL ? "]" : "", (unsigned)s->port);
	if (evhttp_add_header(hd, "Host", hosthdr) != 0 ||
	    evhttp_add_header(hd, "Accept", HL_TAXIIC_MEDIA) != 0 ||
	    evhttp_add_header(hd, "Authorization", s->auth) != 0 ||
	    evhttp_add_header(hd, "User-Agent", "hotline/" HL_VERSION) != 0 ||
	    evhttp_add_header(hd, "Connection", "close") != 0) {
		evhttp_request_free(req);
		snprintf(s->error, sizeof(s->error), "out of memory");
		goto fail;
	}
	if (evhttp_make_request(s->conn, req, EVHTTP_REQ_GET, (const char *)q.data) != 0) {
		/* evhttp frees req on failure */
		snprintf(s->error, sizeof(s->error), "cannot send the request to %s", s->host);
		goto fail;
	}
	hl_buf_free(&q);
	return;
fail:
	SSL_free(ssl);
	hl_buf_free(&q);
	clean(s->error);
	event_active(s->step, EV_TIMEOUT, 0);
}

int
hl_taxiipoll_new(struct hl_node *n, struct event_base *base, struct hl_taxiipoll **out,
    char *err, size_t errlen)
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
	p->base = base;
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
hl_taxiipoll_free(struct hl_taxiipoll *p)
{
	unsigned i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		struct source *s = &p->src[i];

		s->closing = 1;
		if (s->conn != NULL)
			evhttp_connection_free(s->conn);
		if (s->timer != NULL)
			event_free(s->timer);
		if (s->step != NULL)
			event_free(s->step);
		SSL_CTX_free(s->ctx);
		hl_taxiic_pager_clear(&s->pg);
		if (s->auth != NULL)
			hl_free_secret(s->auth, s->auth_cap);
		json_decref(s->last);
	}
	hl_stixdb_close(p->db);
	hl_free(p->src);
	hl_free(p);
}

int
hl_taxiipoll_trigger(struct hl_taxiipoll *p, const char *name, uint64_t *round)
{
	unsigned i;

	*round = 0;
	for (i = 0; p != NULL && i < p->n; i++) {
		struct source *s = &p->src[i];

		if (strcmp(s->conf->name, name) != 0)
			continue;
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

void
hl_taxiipoll_request(struct hl_api *a, struct evhttp_request *req, const char *uri)
{
	const struct hl_operator_conf *op;
	const char *name, *end;
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	char nm[HL_COLLECTION_NAME_MAX + 1];
	uint64_t round = 0;
	size_t nl;

	if ((op = hl_api_authenticate(a, req)) == NULL)
		return;   /* replied */
	if (strcmp(uri, "/api/v1/taxii/sources") == 0) {
		if (m != EVHTTP_REQ_GET) {
			evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET");
			hl_api_reply_error(req, 405, "method_not_allowed", "use GET here");
			return;
		}
		hl_api_reply_json(req, 200, hl_taxiipoll_status(hl_api_poller(a)));
		return;
	}
	if (strncmp(uri, "/api/v1/taxii/sources/", 22) != 0 ||
	    (end = strstr(uri + 22, "/pull")) == NULL || strcmp(end, "/pull") != 0) {
		hl_api_reply_error(req, 404, "not_found", "no such resource");
		return;
	}
	name = uri + 22;
	nl = (size_t)(end - name);
	if (nl == 0 || nl > HL_COLLECTION_NAME_MAX || memchr(name, '/', nl) != NULL ||
	    memchr(name, '%', nl) != NULL) {
		hl_api_reply_error(req, 404, "not_found", "no such taxii source");
		return;
	}
	memcpy(nm, name, nl);
	nm[nl] = '\0';
	if (m != EVHTTP_REQ_POST) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
		hl_api_reply_error(req, 405, "method_not_allowed", "use POST here");
		return;
	}
	if (op->role < HL_ROLE_ANALYST) {
		hl_api_audit(a, "taxii-pull-refused", NULL, op->name, nm);
		hl_api_reply_error(req, 403, "denied", "pulling a taxii source needs the analyst "
		    "or admin role");
		return;
	}
	if (hl_taxiipoll_trigger(hl_api_poller(a), nm, &round) != HL_OK) {
		hl_api_reply_error(req, 404, "not_found", "no [taxii_source %s] on this node", nm);
		return;
	}
	hl_api_audit(a, "taxii-pull", NULL, op->name, nm);
	hl_api_reply_json(req, 202, json_pack("{s:s,s:I}", "source", nm, "round",
	    (json_int_t)round));
}
