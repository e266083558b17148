/* link.c: TLS 1.3 peer links on libevent bufferevents: the transport
 * behind link.h's ops, and the ops dispatch for any transport. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "alloc.h"
#include "envelope.h"
#include "link.h"
#include "sealfile.h"
#include "log.h"
#include "pki.h"

#define LINK_HANDSHAKE_MS 10000
#define LINK_LOW_WATERMARK (256u * 1024)
/* Fixed kernel socket buffers (no autotuning to megabytes): a FLASH frame
 * then waits behind at most this much bulk data in each direction. */
#define LINK_SOCKBUF (256 * 1024)

struct hl_link_ctx {
	const struct hl_config *cfg;
	struct event_base *base;
	SSL_CTX *ssl;
	struct evconnlistener *listener;
	struct hl_link_cbs cbs;
	void *arg;
	struct tls_link *links;         /* every live link, freed with the context */
};

/* A TLS link: the transport-neutral part first (link.h), then its own. */
struct tls_link {
	struct hl_link base;
	struct hl_link_ctx *ctx;
	struct bufferevent *bev;
	struct event *reaper;          /* frees the link from the loop */
	const struct hl_peer_conf *expect;  /* when we dialed */
	int opened;
	int closing;
	size_t frame_max;
	uint8_t *cert_der;
	size_t cert_len;
	char why[200];
	struct tls_link *prev, *next;   /* in ctx->links */
};

static const struct hl_link_ops tls_ops;

static struct tls_link *
tls(struct hl_link *b)
{
	return (struct tls_link *)(void *)b;
}

static const struct tls_link *
tls_const(const struct hl_link *b)
{
	return (const struct tls_link *)(const void *)b;
}

static void link_event_cb(struct bufferevent *bev, short what, void *arg);
static void link_read_cb(struct bufferevent *bev, void *arg);
static void link_write_cb(struct bufferevent *bev, void *arg);

static void
ms_to_tv(uint32_t ms, struct timeval *tv)
{
	tv->tv_sec = (time_t)(ms / 1000);
	tv->tv_usec = (suseconds_t)((ms % 1000) * 1000);
}

static int
load_ca(X509_STORE *st, const char *path, char *err, size_t errlen)
{
	FILE *f = NULL;
	X509 *x = NULL;
	int r = HL_ERR_CONFIG;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open CA certificate", path);
		goto out;
	}
	if ((x = PEM_read_X509(f, NULL, NULL, NULL)) == NULL) {
		snprintf(err, errlen, "%s: not a PEM certificate", path);
		goto out;
	}
	if (X509_STORE_add_cert(st, x) != 1) {
		/* the same CA twice (two nodes of one partner) is fine */
		unsigned long e = ERR_peek_last_error();
		if (ERR_GET_REASON(e) != X509_R_CERT_ALREADY_IN_HASH_TABLE) {
			snprintf(err, errlen, "%s: cannot add CA certificate", path);
			goto out;
		}
		ERR_clear_error();
	}
	r = HL_OK;
out:
	X509_free(x);
	if (f != NULL)
		fclose(f);
	return r;
}

/* ALPN: the protocol list on the wire (length-prefixed, ours first), and
 * the server's choice: the highest protocol both offer, else none (the
 * handshake goes on: a peer of the release before issue 16 speaks 1). */
static const unsigned char alpn_wire[] = "\x09hotline/5\x09hotline/4\x09hotline/3\x09hotline/2";

/* "hotline/N" -> N (HL_LINK_PROTO_MIN_ALPN .. HL_LINK_PROTO), else 0 */
static unsigned
alpn_proto(const unsigned char *p, unsigned len)
{
	if (len != 9 || memcmp(p, "hotline/", 8) != 0 || p[8] < '0' + HL_LINK_PROTO_MIN_ALPN ||
	    p[8] > '0' + HL_LINK_PROTO)
		return 0;
	return (unsigned)(p[8] - '0');
}

static int
alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned inlen, void *arg)
{
	unsigned i = 0, best = 0, v;

	(void)ssl;
	(void)arg;
	while (i < inlen && (unsigned)in[i] + 1 <= inlen - i) {
		if ((v = alpn_proto(in + i + 1, in[i])) > best) {
			best = v;
			*out = in + i + 1;
			*outlen = in[i];
		}
		i += (unsigned)in[i] + 1;
	}
	return best != 0 ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_NOACK;
}

int
hl_link_ctx_reload_cert(struct hl_link_ctx *c, const char *path, char *err, size_t errlen)
{
	/* the key stays: a renewed certificate for it, or nothing changes */
	if (SSL_CTX_use_certificate_file(c->ssl, path, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(c->ssl) != 1) {
		snprintf(err, errlen, "%s: cannot use it (not a certificate of the TLS key?)", path);
		ERR_clear_error();
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

int
hl_link_ctx_add_ca(struct hl_link_ctx *c, const char *path, char *err, size_t errlen)
{
	return load_ca(SSL_CTX_get_cert_store(c->ssl), path, err, errlen);
}

int
hl_link_ctx_new(const struct hl_config *cfg, struct event_base *base,
    const struct hl_link_cbs *cbs, void *arg, struct hl_link_ctx **out,
    char *err, size_t errlen)
{
	struct hl_link_ctx *c = NULL;
	X509_STORE *st;
	unsigned i;
	int r = HL_ERR_CONFIG;

	*out = NULL;
	if ((c = hl_calloc(1, sizeof(*c))) == NULL)
		return HL_ERR_NOMEM;
	c->cfg = cfg;
	c->base = base;
	c->cbs = *cbs;
	c->arg = arg;
	if ((c->ssl = SSL_CTX_new(TLS_method())) == NULL) {
		snprintf(err, errlen, "TLS: cannot create context");
		goto out;
	}
	SSL_CTX_set_min_proto_version(c->ssl, TLS1_3_VERSION);
	SSL_CTX_set_max_proto_version(c->ssl, TLS1_3_VERSION);
	SSL_CTX_set_options(c->ssl, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_session_cache_mode(c->ssl, SSL_SESS_CACHE_OFF);
	/* the link protocol: offered when we dial, chosen when we accept; a
	 * node of the previous release offers none and ignores ours */
	if (SSL_CTX_set_alpn_protos(c->ssl, alpn_wire, sizeof(alpn_wire) - 1) != 0) {
		snprintf(err, errlen, "TLS: cannot set ALPN");
		goto out;
	}
	SSL_CTX_set_alpn_select_cb(c->ssl, alpn_select, NULL);
	/* the TLS pair (tls_certificate, tls_key), not the signing key */
	if (SSL_CTX_use_certificate_file(c->ssl, cfg->tls_cert_path, SSL_FILETYPE_PEM) != 1) {
		snprintf(err, errlen, "%s: cannot load the TLS certificate", cfg->tls_cert_path);
		goto out;
	}
	if (hl_seal_use_key(c->ssl, cfg->tls_key_path, err, errlen) != HL_OK)
		goto out;   /* r is still HL_ERR_CONFIG */
	st = SSL_CTX_get_cert_store(c->ssl);
	for (i = 0; i < cfg->npeers; i++)
		if ((r = load_ca(st, cfg->peers[i].ca_path, err, errlen)) != HL_OK)
			goto out;
	r = HL_ERR_CONFIG;
	SSL_CTX_set_verify(c->ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify_depth(c->ssl, 2);
	*out = c;
	c = NULL;
	r = HL_OK;
out:
	ERR_clear_error();
	hl_link_ctx_free(c);
	return r;
}

/* Free a link without callbacks: unlink it from its context, then release
 * the bufferevent (and with it the SSL and the socket). */
static void
link_free(struct tls_link *l)
{
	if (l->prev != NULL)
		l->prev->next = l->next;
	else
		l->ctx->links = l->next;
	if (l->next != NULL)
		l->next->prev = l->prev;
	if (l->bev != NULL)
		bufferevent_free(l->bev);
	event_free(l->reaper);
	hl_free(l->cert_der);
	hl_free(l);
}

/* Also frees every link still open, closing or in its handshake (no
 * on_close callback: the owner is going away). */
void
hl_link_ctx_free(struct hl_link_ctx *c)
{
	if (c == NULL)
		return;
	while (c->links != NULL)
		link_free(c->links);
	if (c->listener != NULL)
		evconnlistener_free(c->listener);
	SSL_CTX_free(c->ssl);
	hl_free(c);
}

static void
link_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tls_link *l = arg;

	(void)fd;
	(void)what;
	if (l->ctx->cbs.on_close != NULL)
		l->ctx->cbs.on_close(l->ctx->arg, &l->base, l->opened, l->why);
	link_free(l);
}

static void
tls_close_link(struct tls_link *l, const char *why)
{
	struct timeval tv = { 0, 0 };

	if (l->closing)
		return;
	l->closing = 1;
	snprintf(l->why, sizeof(l->why), "%s", why);
	if (l->bev != NULL)
		bufferevent_disable(l->bev, EV_READ | EV_WRITE);
	event_add(l->reaper, &tv);
}

static struct tls_link *
link_new(struct hl_link_ctx *c, evutil_socket_t fd, enum bufferevent_ssl_state state)
{
	struct tls_link *l;
	SSL *ssl = NULL;
	struct timeval tv;

	if ((l = hl_calloc(1, sizeof(*l))) == NULL)
		goto fail;
	l->base.ops = &tls_ops;
	l->ctx = c;
	l->frame_max = HL_FRAME_PREAUTH_MAX_BYTES;
	if ((l->reaper = evtimer_new(c->base, link_reap_cb, l)) == NULL)
		goto fail;
	if ((ssl = SSL_new(c->ssl)) == NULL)
		goto fail;
	l->bev = bufferevent_openssl_socket_new(c->base, fd, ssl, state,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (l->bev == NULL)
		goto fail;
	ssl = NULL;  /* owned by the bufferevent */
	bufferevent_openssl_set_allow_dirty_shutdown(l->bev, 1);
	bufferevent_setcb(l->bev, link_read_cb, link_write_cb, link_event_cb, l);
	bufferevent_setwatermark(l->bev, EV_WRITE, LINK_LOW_WATERMARK, 0);
	ms_to_tv(LINK_HANDSHAKE_MS, &tv);
	bufferevent_set_timeouts(l->bev, &tv, &tv);
	l->next = c->links;
	if (c->links != NULL)
		c->links->prev = l;
	c->links = l;
	return l;
fail:
	if (fd >= 0 && (l == NULL || l->bev == NULL))
		evutil_closesocket(fd);
	SSL_free(ssl);
	if (l != NULL) {
		if (l->reaper != NULL)
			event_free(l->reaper);
		hl_free(l);
	}
	return NULL;
}

static int
cert_der(X509 *x, uint8_t **der, size_t *len)
{
	unsigned char *p = NULL;
	int n;

	if ((n = i2d_X509(x, &p)) <= 0 || (size_t)n > HL_CERT_MAX_BYTES) {
		OPENSSL_free(p);
		return HL_ERR_MALFORMED;
	}
	if ((*der = hl_malloc((size_t)n)) == NULL) {
		OPENSSL_free(p);
		return HL_ERR_NOMEM;
	}
	memcpy(*der, p, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(p);
	return HL_OK;
}

/* The peer's certificate chained to a CA in our store (OpenSSL checked the
 * chain, validity dates and signatures). Now: does it name a configured peer,
 * and is its root that peer partner's pinned CA? */
static int
link_identify(struct tls_link *l, char *why, size_t whylen)
{
	SSL *ssl = bufferevent_openssl_get_ssl(l->bev);
	X509 *cert;
	STACK_OF(X509) *chain;
	X509 *root;
	char name[HL_NODE_NAME_MAX + 1];
	uint8_t fp[HL_SHA256];
	unsigned fplen = sizeof(fp);
	const struct hl_peer_conf *p;
	long vr;

	if ((vr = SSL_get_verify_result(ssl)) != X509_V_OK) {
		snprintf(why, whylen, "certificate rejected: %s", X509_verify_cert_error_string(vr));
		return HL_ERR_AUTH;
	}
	if ((cert = SSL_get0_peer_certificate(ssl)) == NULL) {
		snprintf(why, whylen, "no client certificate");
		return HL_ERR_AUTH;
	}
	if (EVP_PKEY_get_id(X509_get0_pubkey(cert)) != EVP_PKEY_ED25519) {
		snprintf(why, whylen, "certificate key is not Ed25519");
		return HL_ERR_AUTH;
	}
	if (hl_pki_cert_node_name(cert, name) != HL_OK) {
		snprintf(why, whylen, "certificate names no hotline node");
		return HL_ERR_AUTH;
	}
	if ((p = hl_config_peer(l->ctx->cfg, name)) == NULL) {
		snprintf(why, whylen, "certificate names %s, which is not a configured peer", name);
		return HL_ERR_UNKNOWN_PEER;
	}
	if (l->expect != NULL && strcmp(l->expect->node, name) != 0) {
		snprintf(why, whylen, "dialed %s but its certificate names %s", l->expect->node, name);
		return HL_ERR_AUTH;
	}
	chain = SSL_get0_verified_chain(ssl);
	if (chain == NULL || sk_X509_num(chain) < 2) {
		snprintf(why, whylen, "%s: no verified chain", name);
		return HL_ERR_AUTH;
	}
	root = sk_X509_value(chain, sk_X509_num(chain) - 1);
	if (X509_digest(root, EVP_sha256(), fp, &fplen) != 1 || fplen != sizeof(fp) ||
	    memcmp(fp, p->ca_sha256, sizeof(fp)) != 0) {
		snprintf(why, whylen, "%s: certificate not issued by the pinned CA of partner %s",
		    name, p->partner);
		return HL_ERR_AUTH;
	}
	if (cert_der(cert, &l->cert_der, &l->cert_len) != HL_OK) {
		snprintf(why, whylen, "%s: certificate too large", name);
		return HL_ERR_AUTH;
	}
	l->base.peer = p;
	return HL_OK;
}

static void
tls_error_text(struct tls_link *l, char *out, size_t outlen)
{
	unsigned long e;
	SSL *ssl = bufferevent_openssl_get_ssl(l->bev);
	long vr = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
	char buf[160];

	out[0] = '\0';
	if (vr != X509_V_OK) {
		snprintf(out, outlen, "certificate rejected: %s", X509_verify_cert_error_string(vr));
		return;
	}
	while ((e = bufferevent_get_openssl_error(l->bev)) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		if (out[0] == '\0')
			snprintf(out, outlen, "TLS: %s", buf);
	}
	if (out[0] == '\0')
		snprintf(out, outlen, "connection closed during TLS handshake");
}

/* Large buffers for bulk transfers; no Nagle delay, so that a FLASH frame
 * or a receipt written after another small write is not held back until the
 * peer's delayed ACK (up to 40 ms; docs/BENCHMARKS.md). */
static void
set_sockbufs(evutil_socket_t fd)
{
	int v = LINK_SOCKBUF, one = 1;

	if (fd < 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) != 0)
		log_debug("link: cannot set socket buffer sizes");
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
		log_debug("link: cannot set TCP_NODELAY");
}

static void
link_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct tls_link *l = arg;
	const unsigned char *ap = NULL;
	unsigned apl = 0;
	char why[200];

	(void)bev;
	if (l->closing)
		return;
	if (what & BEV_EVENT_CONNECTED) {
		set_sockbufs(bufferevent_getfd(l->bev));
		if (link_identify(l, why, sizeof(why)) != HL_OK) {
			tls_close_link(l, why);
			return;
		}
		SSL_get0_alpn_selected(bufferevent_openssl_get_ssl(l->bev), &ap, &apl);
		l->base.proto = ap != NULL ? alpn_proto(ap, apl) : 0;
		if (l->base.proto == 0)
			l->base.proto = 1;
		l->opened = 1;
		bufferevent_set_timeouts(l->bev, NULL, NULL);
		if (l->ctx->cbs.on_open != NULL)
			l->ctx->cbs.on_open(l->ctx->arg, &l->base, l->base.peer);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		tls_close_link(l, l->opened ? "no traffic within the dead-link interval" :
		    "TLS handshake timed out");
		return;
	}
	if (what & BEV_EVENT_EOF) {
		tls_close_link(l, "closed by peer");
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		int e = EVUTIL_SOCKET_ERROR();
		if (!l->opened)
			tls_error_text(l, why, sizeof(why));
		else
			snprintf(why, sizeof(why), "connection error");
		if (e != 0 && strstr(why, "TLS") == NULL && strstr(why, "certificate") == NULL)
			snprintf(why, sizeof(why), "%s", evutil_socket_error_to_string(e));
		tls_close_link(l, why);
	}
}

static void
link_read_cb(struct bufferevent *bev, void *arg)
{
	struct tls_link *l = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t hdr[HL_FRAME_HEADER];
	uint8_t type;
	const uint8_t *payload, *whole;
	size_t plen, consumed, have, flen;
	int r;

	while (!l->closing && l->opened) {
		have = evbuffer_get_length(in);
		if (have < HL_FRAME_HEADER)
			return;
		if (evbuffer_copyout(in, hdr, sizeof(hdr)) != (ev_ssize_t)sizeof(hdr))
			return;
		flen = ((size_t)hdr[0] << 24) | ((size_t)hdr[1] << 16) | ((size_t)hdr[2] << 8) | hdr[3];
		if (flen > l->frame_max) {
			tls_close_link(l, "frame larger than allowed");
			return;
		}
		if (have < 4 + flen)
			return;
		if ((whole = evbuffer_pullup(in, (ev_ssize_t)(4 + flen))) == NULL) {
			tls_close_link(l, "out of memory reading frame");
			return;
		}
		r = hl_frame_parse(whole, 4 + flen, l->frame_max, &type, &payload, &plen, &consumed);
		if (r != HL_OK) {
			tls_close_link(l, r == HL_ERR_VERSION ? "unknown frame type" : "malformed frame");
			return;
		}
		if (l->ctx->cbs.on_frame != NULL)
			l->ctx->cbs.on_frame(l->ctx->arg, &l->base, type, payload, plen);
		evbuffer_drain(in, consumed);
	}
}

static void
link_write_cb(struct bufferevent *bev, void *arg)
{
	struct tls_link *l = arg;

	(void)bev;
	if (!l->closing && l->opened && l->ctx->cbs.on_writable != NULL)
		l->ctx->cbs.on_writable(l->ctx->arg, &l->base);
}

static void
accept_cb(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct hl_link_ctx *c = arg;
	struct tls_link *l;
	char host[64] = "?", serv[16] = "?";

	(void)lis;
	getnameinfo(sa, (socklen_t)salen, host, sizeof(host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV);
	set_sockbufs(fd);
	if ((l = link_new(c, fd, BUFFEREVENT_SSL_ACCEPTING)) == NULL) {
		log_warnx("link: cannot accept connection from %s:%s", host, serv);
		return;
	}
	snprintf(l->base.addr, sizeof(l->base.addr), "%s:%s", host, serv);
	bufferevent_enable(l->bev, EV_READ | EV_WRITE);
}

int
hl_link_bind(struct event_base *base, const char *host, uint16_t port, int backlog,
    evconnlistener_cb cb, void *arg, struct evconnlistener **out, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char ps[8];
	int r = HL_ERR_IO;

	*out = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(ps, sizeof(ps), "%u", port);
	if (getaddrinfo(host, ps, &hints, &res) != 0 || res == NULL) {
		snprintf(err, errlen, "listen: cannot resolve %s", host);
		goto out;
	}
	if ((*out = evconnlistener_new_bind(base, cb, arg,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, backlog,
	    res->ai_addr, (int)res->ai_addrlen)) == NULL) {
		snprintf(err, errlen, "listen %s:%u: %s", host, (unsigned)port,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		goto out;
	}
	r = HL_OK;
out:
	if (res != NULL)
		freeaddrinfo(res);
	return r;
}

int
hl_link_listen(struct hl_link_ctx *c, char *err, size_t errlen)
{
	return hl_link_bind(c->base, c->cfg->listen_host, c->cfg->listen_port, 64, accept_cb, c,
	    &c->listener, err, errlen);
}

int
hl_link_connect(struct hl_link_ctx *c, const struct hl_peer_conf *peer, struct hl_link **out)
{
	struct addrinfo hints, *res = NULL;
	struct tls_link *l = NULL;
	char port[8];
	int r = HL_ERR_IO;

	*out = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", peer->port);
	if (getaddrinfo(peer->host, port, &hints, &res) != 0 || res == NULL)
		goto out;
	if ((l = link_new(c, -1, BUFFEREVENT_SSL_CONNECTING)) == NULL) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	l->expect = peer;
	snprintf(l->base.addr, sizeof(l->base.addr), "%s:%u", peer->host, peer->port);
	if (bufferevent_socket_connect(l->bev, res->ai_addr, (int)res->ai_addrlen) != 0) {
		/* the failure is reported through the event callback */
		tls_close_link(l, "connect failed");
	}
	bufferevent_enable(l->bev, EV_READ | EV_WRITE);
	*out = &l->base;
	r = HL_OK;
out:
	if (res != NULL)
		freeaddrinfo(res);
	return r;
}

static int
tls_send(struct hl_link *b, uint8_t type, const uint8_t *p, size_t len)
{
	struct tls_link *l = tls(b);
	uint8_t hdr[HL_FRAME_HEADER];
	struct evbuffer *o;

	if (l->closing || !l->opened)
		return HL_ERR_AGAIN;
	if (len + 1 > HL_FRAME_MAX_BYTES)
		return HL_ERR_TOO_BIG;
	hdr[0] = (uint8_t)((len + 1) >> 24);
	hdr[1] = (uint8_t)((len + 1) >> 16);
	hdr[2] = (uint8_t)((len + 1) >> 8);
	hdr[3] = (uint8_t)(len + 1);
	hdr[4] = type;
	o = bufferevent_get_output(l->bev);
	if (evbuffer_add(o, hdr, sizeof(hdr)) != 0 || (len > 0 && evbuffer_add(o, p, len) != 0))
		return HL_ERR_NOMEM;
	return HL_OK;
}

static size_t
tls_outq(const struct hl_link *b)
{
	return evbuffer_get_length(bufferevent_get_output(tls_const(b)->bev));
}

static void
tls_close(struct hl_link *b, const char *why)
{
	tls_close_link(tls(b), why);
}

static void
tls_set_frame_max(struct hl_link *b, size_t max)
{
	tls(b)->frame_max = max;
}

static void
tls_set_idle_timeout(struct hl_link *b, uint32_t ms)
{
	struct tls_link *l = tls(b);
	struct timeval tv;

	if (ms == 0) {
		bufferevent_set_timeouts(l->bev, NULL, NULL);
		return;
	}
	ms_to_tv(ms, &tv);
	bufferevent_set_timeouts(l->bev, &tv, NULL);
}

static const struct hl_link_ops tls_ops = {
	.send = tls_send,
	.outq = tls_outq,
	.close = tls_close,
	.set_frame_max = tls_set_frame_max,
	.set_idle_timeout = tls_set_idle_timeout,
};

int
hl_link_peer_cert(struct hl_link *b, const uint8_t **der, size_t *len)
{
	struct tls_link *l = tls(b);

	if (b->ops != &tls_ops || l->cert_der == NULL)
		return HL_ERR_NOT_FOUND;
	*der = l->cert_der;
	*len = l->cert_len;
	return HL_OK;
}

/* ---- any transport: through the link's ops ---- */

int
hl_link_send(struct hl_link *l, uint8_t type, const uint8_t *p, size_t len)
{
	return l->ops->send(l, type, p, len);
}

size_t
hl_link_outq(const struct hl_link *l)
{
	return l->ops->outq(l);
}

void
hl_link_close(struct hl_link *l, const char *why)
{
	l->ops->close(l, why);
}

void
hl_link_set_frame_max(struct hl_link *l, size_t max)
{
	l->ops->set_frame_max(l, max);
}

void
hl_link_set_idle_timeout(struct hl_link *l, uint32_t ms)
{
	l->ops->set_idle_timeout(l, ms);
}

const struct hl_peer_conf *
hl_link_peer(const struct hl_link *l)
{
	return l->peer;
}

const char *
hl_link_addr(const struct hl_link *l)
{
	return l->addr;
}

void
hl_link_set_udata(struct hl_link *l, void *u)
{
	l->udata = u;
}

void *
hl_link_udata(const struct hl_link *l)
{
	return l->udata;
}
