/* fuzz_http.c: a raw HTTP request, as a client would write it, parsed by
 * libevent's evhttp inside the process (as the operator port does), then by
 * OUR request side from the request callback: the HTTP layer's decision
 * over the route table every service registers (api, console, taxii,
 * taxiipoll: the real rows), its media-type and Accept checks, the query
 * strings (inbox/sent and tracks), Basic credentials from Authorization,
 * and the send / ack bodies. What the decision says must hold: a served
 * row matches the path and has the method, takes the query and the body it
 * got; a refusal is one of the layer's codes, 405 names the methods. Per
 * input: a fresh
 * event base and evhttp listening on an abstract Unix socket (no file),
 * one client connection that writes the bytes and half-closes, a bounded
 * number of non-blocking loop turns, everything freed: no leak, nothing
 * carried from one input to the next. (evhttp_get_request, which would
 * take a socketpair end directly, is not exported by libevent 2.1.) */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stdio.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>

#include "alloc.h"
#include "api.h"
#include "apijson.h"
#include "console.h"
#include "http.h"
#include "label.h"
#include "taxii.h"
#include "taxiipoll.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_HTTP_MAX (64u * 1024)   /* stays below the socket buffer */
#define FUZZ_HTTP_TURNS 8

static struct hl_policy pol;
static struct hl_http_table routes;

static unsigned
method_of(enum evhttp_cmd_type cmd)
{
	return cmd == EVHTTP_REQ_GET ? HL_HTTP_GET : cmd == EVHTTP_REQ_POST ? HL_HTTP_POST :
	    cmd == EVHTTP_REQ_HEAD ? HL_HTTP_HEAD : HL_HTTP_OTHER;
}

/* The layer's decision and what it promises. */
static void
check_plan(const struct hl_http_in *in)
{
	static struct hl_http_plan p;
	unsigned i;

	hl_http_plan(&routes, in, &p);
	if (memchr(p.msg, '\n', sizeof(p.msg)) != NULL || p.nparams > HL_HTTP_PARAMS_MAX)
		abort();
	for (i = 0; i < p.nparams; i++)
		if (strnlen(p.param[i], HL_HTTP_PARAM_MAX + 1) > HL_HTTP_PARAM_MAX)
			abort();
	switch (p.code) {
	case 0:
		if (p.row == NULL || !(p.row->r->methods & in->method) ||
		    !hl_http_match(p.row->r->pattern, in->path, NULL, NULL) ||
		    (in->query != NULL && in->query[0] != '\0' && !(p.row->r->flags & HL_HTTP_QUERY)) ||
		    (in->body_len > 0 && !(p.row->r->flags & HL_HTTP_BODY)) ||
		    (p.row->r->body_max > 0 && in->body_len > p.row->r->body_max))
			abort();
		break;
	case 405:
		if (p.allow[0] == '\0')
			abort();
		break;
	case 400: case 404: case 406: case 413: case 415:
		break;
	default:
		abort();
	}
}

static void
gencb(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct evkeyvalq *hdrs = evhttp_request_get_input_headers(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	char user[HL_OPERATOR_MAX + 1], pass[HL_API_PASSWORD_MAX + 1], err[256];
	struct hl_api_tracks_query tq;
	struct hl_api_query q;
	struct hl_api_send s;
	struct hl_http_in hin;
	const uint8_t *body = NULL;
	const char *ct = evhttp_find_header(hdrs, "Content-Type");
	size_t len = evbuffer_get_length(in);
	int send;

	(void)arg;
	memset(&hin, 0, sizeof(hin));
	hin.method = method_of(evhttp_request_get_command(req));
	hin.path = path;
	hin.query = query;
	hin.content_type = ct;
	hin.accept = evhttp_find_header(hdrs, "Accept");
	hin.body_len = len;
	check_plan(&hin);
	(void)hl_http_accepts(hin.accept, HL_TAXII_MEDIA);
	if (hl_apijson_parse_basic(evhttp_find_header(hdrs, "Authorization"), user, pass) == HL_OK &&
	    (user[0] == '\0' || strlen(user) > HL_OPERATOR_MAX))
		abort();
	OPENSSL_cleanse(pass, sizeof(pass));
	(void)hl_http_media_is(ct, ct != NULL ? strlen(ct) : 0, HL_TAXII_MEDIA);
	send = hl_http_match("/api/v1/envelopes", path, NULL, NULL);
	if (hl_apijson_parse_query(query, HL_QUERY_LIMIT | HL_QUERY_EXERCISE, &q, err,
	    sizeof(err)) == HL_OK && (q.limit < 1 || q.limit > HL_API_LIMIT_MAX ||
	    q.exercise < HL_EXERCISE_INCLUDE || q.exercise > HL_EXERCISE_ONLY))
		abort();
	if (hl_apijson_parse_tracks_query(query, &tq, err, sizeof(err)) == HL_OK &&
	    (tq.limit < 1 || strlen(tq.history) > HL_API_TRACK_ID_MAX))
		abort();
	if (len > 0 && (body = evbuffer_pullup(in, -1)) == NULL)
		len = 0;
	if (send &&
	    hl_apijson_parse_send(body, len, &pol, &s, err, sizeof(err)) == HL_OK)
		hl_apijson_send_clear(&s);
	if (hl_apijson_parse_empty(body, len, err, sizeof(err)) == HL_OK && len > 4096)
		abort();   /* the ack body is limited to 4 KiB */
	evhttp_send_reply(req, send ? 204 : 404, send ? "No Content" : "Not Found", NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct event_base *base = NULL;
	struct evhttp *http = NULL;
	struct sockaddr_un sa;
	socklen_t salen;
	int lfd = -1, cfd = -1, i;

	if (!init) {
		hl_apijson_init();
		hl_policy_default(&pol);
		/* every service's rows, as hotlined.c registers them */
		if (hl_api_register(NULL, &routes) != HL_OK ||
		    hl_console_register(NULL, &routes) != HL_OK ||
		    hl_taxii_register(NULL, &routes) != HL_OK ||
		    hl_taxiipoll_register(NULL, &routes) != HL_OK)
			abort();
		init = 1;
	}
	if (size > FUZZ_HTTP_MAX)
		return 0;
	if ((base = event_base_new()) == NULL || (http = evhttp_new(base)) == NULL)
		goto out;
	evhttp_set_gencb(http, gencb, NULL);
	evhttp_set_max_headers_size(http, HL_HTTP_HEADERS_MAX_BYTES);
	evhttp_set_max_body_size(http, FUZZ_HTTP_MAX);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH | EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
	/* abstract address: sun_path[0] == 0, the name follows */
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "hotline-fuzz-http-%ld", (long)getpid());
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sa.sun_path + 1));
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, salen) != 0 || listen(lfd, 1) != 0 ||
	    evutil_make_socket_nonblocking(lfd) != 0)
		goto out;
	if ((cfd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    connect(cfd, (struct sockaddr *)&sa, salen) != 0 ||
	    evutil_make_socket_nonblocking(cfd) != 0)
		goto out;
	if (size > 0 && write(cfd, data, size) != (ssize_t)size)
		goto out;
	shutdown(cfd, SHUT_WR);      /* the client is done: EOF after the bytes */
	if (evhttp_accept_socket_with_handle(http, lfd) == NULL)
		goto out;
	lfd = -1;                    /* evhttp owns (and closes) it now */
	for (i = 0; i < FUZZ_HTTP_TURNS; i++)
		if (event_base_loop(base, EVLOOP_NONBLOCK) < 0)
			break;
out:
	if (lfd >= 0)
		close(lfd);
	if (cfd >= 0)
		close(cfd);
	if (http != NULL)
		evhttp_free(http);   /* frees the connection and its requests */
	if (base != NULL)
		event_base_free(base);
	return 0;
}
