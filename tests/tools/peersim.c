/* peersim.c: plays a partner node (with that partner's real certificate and
 * key) against a running node, to send what an honest node never sends:
 * expired, replayed, tampered, misaddressed or unreleasable envelopes,
 * oversized and garbage frames. Prints one line per answer:
 *   "receipt <kind> <reason>" or "closed".
 * usage: peersim SIM.conf TARGET_NODE MODE
 * modes: valid replay expired future badsig not-recipient not-releasable
 *        oversize garbage before-hello
 *        bad-checkpoint forged-checkpoint bad-consistency bad-consistency-req
 *        (forged-checkpoint prints "open" when the link survives it) */
#include <arpa/inet.h>
#include <signal.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "alloc.h"
#include "buf.h"
#include "config.h"
#include "envelope.h"
#include "keys.h"
#include "sealfile.h"
#include "merkle.h"
#include "clock.h"
#include "seal.h"

static struct hl_config cfg;

static void
die(const char *m)
{
	fprintf(stderr, "peersim: %s\n", m);
	exit(2);
}

static int
read_full(SSL *s, uint8_t *p, size_t n)
{
	size_t got = 0;
	int r;

	while (got < n) {
		r = SSL_read(s, p + got, (int)(n - got));
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* OUT: *payload (caller frees); returns type or -1 when closed */
static int
read_frame(SSL *s, uint8_t **payload, size_t *len)
{
	uint8_t h[5];
	size_t fl;

	if (read_full(s, h, 5) != 0)
		return -1;
	fl = ((size_t)h[0] << 24) | ((size_t)h[1] << 16) | ((size_t)h[2] << 8) | h[3];
	if (fl < 1 || fl > HL_FRAME_MAX_BYTES)
		return -1;
	*len = fl - 1;
	if ((*payload = hl_malloc(*len)) == NULL)
		die("oom");
	if (read_full(s, *payload, *len) != 0) {
		hl_free(*payload);
		return -1;
	}
	return h[4];
}

static void
write_frame(SSL *s, uint8_t type, const uint8_t *p, size_t len)
{
	struct hl_buf b;

	hl_buf_init(&b, HL_FRAME_MAX_BYTES + 8);
	if (hl_frame_encode(type, p, len, &b) != HL_OK || hl_buf_error(&b) != HL_OK)
		die("frame encode");
	if (SSL_write(s, b.data, (int)b.len) != (int)b.len)
		fprintf(stderr, "peersim: write failed (link closed?)\n");
	hl_buf_free(&b);
}

/* Wait for a receipt (skipping heartbeats); print it; -1 when closed. */
static int
await_receipt(SSL *s)
{
	uint8_t *p;
	size_t len;
	int t;
	struct hl_receipt rc;

	for (;;) {
		if ((t = read_frame(s, &p, &len)) < 0) {
			printf("closed\n");
			return -1;
		}
		if (t == HL_FRAME_PING) {
			write_frame(s, HL_FRAME_PONG, p, len);
		} else if (t == HL_FRAME_RECEIPT) {
			if (hl_receipt_decode(p, len, &rc) != HL_OK)
				die("bad receipt from node");
			printf("receipt %s %s\n", hl_receipt_kind_name(rc.kind), hl_reason_name(rc.reason));
			fflush(stdout);
			hl_free(p);
			return 0;
		}
		hl_free(p);
	}
}

static void
await_close(SSL *s)
{
	uint8_t *p;
	size_t len;
	int t;

	while ((t = read_frame(s, &p, &len)) >= 0) {
		if (t == HL_FRAME_PING)
			write_frame(s, HL_FRAME_PONG, p, len);
		hl_free(p);
	}
	printf("closed\n");
}

int
main(int argc, char **argv)
{
	const struct hl_peer_conf *tp;
	struct hl_keys *keys = NULL;
	SSL_CTX *ctx;
	SSL *s;
	BIO *bio;
	char err[512], kemdir[] = "/tmp/peersim-kem.XXXXXX", addr[300];
	const char *mode;
	uint8_t *p = NULL, *desc = NULL, *env = NULL, *der = NULL;
	size_t len = 0, dlen = 0, elen = 0;
	struct hl_descriptor td;
	struct hl_seal_params sp;
	struct hl_seal_recipient sr;
	struct hl_label label;
	uint8_t id[HL_ID_BYTES];
	const char *text = "peersim test content";
	unsigned k;
	int t, derlen;
	FILE *f;
	X509 *x;
	uint64_t now = hl_now_ms();

	signal(SIGPIPE, SIG_IGN);
	if (argc != 4)
		die("usage: peersim SIM.conf TARGET_NODE MODE");
	mode = argv[3];
	if (hl_config_load(argv[1], &cfg, err, sizeof(err)) != HL_OK)
		die(err);
	if ((tp = hl_config_peer(&cfg, argv[2])) == NULL)
		die("target is not a peer in SIM.conf");
	if (mkdtemp(kemdir) == NULL)
		die("mkdtemp");
	/* the node's key files are sealed (pki init): the seal key opens them */
	if (cfg.seal_key[0] != '\0' && hl_seal_kek_load(cfg.seal_key, err, sizeof(err)) != HL_OK)
		die(err);
	if (hl_keys_open(cfg.key_path, kemdir, &keys, err, sizeof(err)) != HL_OK)
		die(err);
	if ((f = fopen(cfg.cert_path, "r")) == NULL || (x = PEM_read_X509(f, NULL, NULL, NULL)) == NULL)
		die("cannot read certificate");
	fclose(f);
	der = NULL;
	derlen = i2d_X509(x, &der);
	if (hl_seal_descriptor(keys, cfg.node, der, (size_t)derlen, now, 3600000, HL_SUITE_ED25519,
	    NULL, 0, &desc, &dlen) != HL_OK)
		die("descriptor");

	ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	if (SSL_CTX_use_certificate_file(ctx, cfg.cert_path, SSL_FILETYPE_PEM) != 1 ||
	    hl_seal_use_key(ctx, cfg.key_path, err, sizeof(err)) != HL_OK ||
	    SSL_CTX_load_verify_locations(ctx, tp->ca_path, NULL) != 1)
		die("TLS setup");
	hl_seal_kek_wipe();
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	snprintf(addr, sizeof(addr), "%s:%u", tp->host, tp->port);
	if ((bio = BIO_new_ssl_connect(ctx)) == NULL)
		die("bio");
	BIO_set_conn_hostname(bio, addr);
	BIO_get_ssl(bio, &s);
	if (BIO_do_connect(bio) != 1 || BIO_do_handshake(bio) != 1)
		die("cannot connect to target");

	if (strcmp(mode, "before-hello") == 0) {
		write_frame(s, HL_FRAME_ENVELOPE, (const uint8_t *)"x", 1);
		await_close(s);
		goto done;
	}
	write_frame(s, HL_FRAME_HELLO, desc, dlen);
	/* the target's HELLO carries its KEM keys */
	for (;;) {
		if ((t = read_frame(s, &p, &len)) < 0)
			die("closed before HELLO");
		if (t == HL_FRAME_HELLO)
			break;
		hl_free(p);
	}
	if (hl_descriptor_decode(p, len, &td) != HL_OK)
		die("bad target descriptor");
	for (k = 0; k < td.nkeys; k++)
		if (td.keys[k].suite == cfg.suite)
			break;
	if (k == td.nkeys)
		die("target offers no key for our suite");

	if (strcmp(mode, "oversize") == 0) {
		uint8_t h[5] = { 0x7f, 0xff, 0xff, 0xff, HL_FRAME_ENVELOPE };
		SSL_write(s, h, 5);
		await_close(s);
		goto done;
	}
	if (strcmp(mode, "garbage") == 0) {
		uint8_t g[64];
		RAND_bytes(g, sizeof(g));
		g[0] = 0; g[1] = 0; g[2] = 0; g[3] = 40; g[4] = 0xee;  /* unknown type */
		SSL_write(s, g, sizeof(g));
		await_close(s);
		goto done;
	}

	if (strncmp(mode, "bad-consistency", 15) == 0 || strcmp(mode, "bad-checkpoint") == 0) {
		uint8_t g[17 + 65 * HL_MERKLE_HASH];

		memset(g, 0, sizeof(g));
		g[7] = 1;
		g[15] = 2;
		g[16] = 65;                        /* more hashes than a proof can have */
		if (strcmp(mode, "bad-consistency") == 0)
			write_frame(s, HL_FRAME_CONSISTENCY, g, sizeof(g));
		else if (strcmp(mode, "bad-consistency-req") == 0)
			write_frame(s, HL_FRAME_CONSISTENCY_REQ, g, 15);
		else
			write_frame(s, HL_FRAME_CHECKPOINT, g, 40);
		await_close(s);
		goto done;
	}
	if (strcmp(mode, "forged-checkpoint") == 0) {
		struct hl_checkpoint cp;
		struct hl_buf b;
		uint8_t ping[16];

		hl_free(p);   /* the target's HELLO: not needed in this mode */
		p = NULL;
		memset(&cp, 0, sizeof(cp));
		cp.version = HL_CHECKPOINT_VERSION;
		snprintf(cp.node, sizeof(cp.node), "%s", cfg.node);
		cp.size = 1000;
		cp.time_ms = now;
		RAND_bytes(cp.root, sizeof(cp.root));
		RAND_bytes(cp.sig, sizeof(cp.sig));   /* not a signature by our key */
		hl_buf_init(&b, HL_CHECKPOINT_MAX_BYTES);
		if (hl_checkpoint_encode(&cp, &b) != HL_OK || hl_buf_error(&b) != HL_OK)
			die("checkpoint encode");
		write_frame(s, HL_FRAME_CHECKPOINT, b.data, b.len);
		hl_buf_free(&b);
		memset(ping, 0, sizeof(ping));
		write_frame(s, HL_FRAME_PING, ping, sizeof(ping));
		while ((t = read_frame(s, &p, &len)) >= 0 && t != HL_FRAME_PONG) {
			hl_free(p);
			p = NULL;
		}
		printf("%s\n", t == HL_FRAME_PONG ? "open" : "closed");
		goto done;
	}
	if (hl_label_make(&cfg.policy, &(struct hl_label_spec){ .classification = "RESTRICTED",
	    .releasable = strcmp(mode, "not-releasable") == 0 ? cfg.partner : "JPN,KOR,NATO,USA",
	    .tlp = "amber" }, &label, err, sizeof(err)) != HL_OK)
		die(err);
	if (strcmp(mode, "not-releasable") != 0) {
		/* releasable to both ends */
		char rel[64];
		snprintf(rel, sizeof(rel), "%s,%s", cfg.partner, tp->partner);
		if (hl_label_make(&cfg.policy,
		    &(struct hl_label_spec){ .classification = "RESTRICTED", .releasable = rel,
		    .tlp = "amber" }, &label, err, sizeof(err)) != HL_OK)
			die(err);
	}
	sr.node = strcmp(mode, "not-recipient") == 0 ? "ZZZ/elsewhere" : tp->node;
	sr.epoch = td.epoch;
	sr.pub = td.keys[k].pub;
	sr.publen = td.keys[k].len;
	memset(&sp, 0, sizeof(sp));
	sp.suite = cfg.suite;
	sp.precedence = HL_PREC_IMMEDIATE;
	sp.content_type = HL_CT_TEXT;
	sp.created_ms = now;
	sp.expires_ms = now + 3600000;
	if (strcmp(mode, "expired") == 0) {
		sp.created_ms = now - 7200000;
		sp.expires_ms = now - 3600000;
	}
	if (strcmp(mode, "future") == 0) {    /* dated a day ahead: a lifetime stretched */
		sp.created_ms = now + 86400000;
		sp.expires_ms = now + 2 * 86400000;
	}
	sp.origin = cfg.node;
	sp.originator = "peersim";
	sp.label = &label;
	sp.nrecipients = 1;
	sp.recipients = &sr;
	if (hl_seal_envelope(keys, &sp, (const uint8_t *)text, strlen(text), id, &env, &elen) != HL_OK)
		die("seal");
	if (strcmp(mode, "badsig") == 0)
		env[elen - 1] ^= 0x01;
	write_frame(s, HL_FRAME_ENVELOPE, env, elen);
	if (await_receipt(s) != 0)
		goto done;
	if (strcmp(mode, "replay") == 0) {
		write_frame(s, HL_FRAME_ENVELOPE, env, elen);
		await_receipt(s);
	}
done:
	hl_free(p);
	hl_free(env);
	hl_free(desc);
	OPENSSL_free(der);
	X509_free(x);
	BIO_free_all(bio);
	SSL_CTX_free(ctx);
	hl_keys_free(keys);
	{
		char cmd[100];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", kemdir);
		if (system(cmd) != 0)
			fprintf(stderr, "peersim: cannot remove %s\n", kemdir);
	}
	return 0;
}
