/* node.c: one running node: its state, life cycle, the list of post-commit
 * subscribers, and the helpers every part of the node uses. The link
 * protocol itself (docs/PROTOCOL.md) is in the node_*.c files named in
 * node_int.h; services (operator API, console, TAXII, tracks) sit above
 * and reach the node through node.h, never the other way round. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "alloc.h"
#include "buf.h"
#include "clock.h"
#include "log.h"
#include "node_int.h"
#include "pki.h"
#include "sealfile.h"
#include "nodeinit.h"
#include "workq.h"

/* ---- post-commit events: a list of subscribers, each called after the
 * change it hears of has committed ---- */

int
hl_node_subscribe(struct hl_node *n, void (*fn)(void *arg, const struct hl_node_event *ev),
    void *arg)
{
	if (fn == NULL)
		return HL_ERR_INVALID;
	if (n->nsubs >= NODE_SUBSCRIBERS_MAX)
		return HL_ERR_FULL;
	n->subs[n->nsubs].fn = fn;
	n->subs[n->nsubs].arg = arg;
	n->nsubs++;
	return HL_OK;
}

void
hl_node_unsubscribe(struct hl_node *n, void (*fn)(void *arg, const struct hl_node_event *ev),
    void *arg)
{
	unsigned i;

	for (i = 0; i < n->nsubs; i++) {
		if (n->subs[i].fn != fn || n->subs[i].arg != arg)
			continue;
		memmove(&n->subs[i], &n->subs[i + 1], (n->nsubs - i - 1) * sizeof(n->subs[0]));
		n->nsubs--;
		return;
	}
}

void
node_event(struct hl_node *n, const struct hl_node_event *ev)
{
	unsigned i;

	for (i = 0; i < n->nsubs; i++)
		n->subs[i].fn(n->subs[i].arg, ev);
}

void
node_audit(struct hl_node *n, const char *event, const uint8_t *id, const char *actor,
    const char *detail)
{
	int r;

	if ((r = hl_store_audit(n->store, event, id, actor, detail, hl_now_ms())) != HL_OK) {
		log_warnx("audit: cannot record %s: %s", event, hl_strerror(r));
		n->audit_failed = 1;
		if (n->batch_open)
			hl_store_hold_fail(n->store);   /* the open batch must not commit */
	}
}

int
node_msg_from_envelope(struct hl_msg *m, const struct hl_envelope *e, const uint8_t *raw,
    size_t rawlen)
{
	struct hl_buf lb;
	int r;

	memset(m, 0, sizeof(*m));
	memcpy(m->id, e->id, HL_ID_BYTES);
	snprintf(m->origin, sizeof(m->origin), "%s", e->origin);
	snprintf(m->originator, sizeof(m->originator), "%s", e->originator);
	m->precedence = e->precedence;
	m->content_type = e->content_type;
	m->flags = e->flags;
	m->suite = e->suite;
	hl_buf_init(&lb, HL_LABEL_MAX_BYTES);
	if ((r = hl_label_encode(&e->label, &lb)) == HL_OK && (r = hl_buf_error(&lb)) == HL_OK) {
		memcpy(m->label, lb.data, lb.len);
		m->label_len = lb.len;
	}
	hl_buf_free(&lb);
	m->created_ms = e->created_ms;
	m->expires_ms = e->expires_ms;
	m->raw = (uint8_t *)(uintptr_t)raw;
	m->raw_len = rawlen;
	return r;
}

struct peer_state *
node_peer_by_name(struct hl_node *n, const char *node)
{
	unsigned i;

	for (i = 0; i < n->npeers; i++)
		if (!n->peers[i].conf->removed && strcmp(n->peers[i].conf->node, node) == 0)
			return &n->peers[i];
	return NULL;
}

const struct hl_config *
hl_node_config(const struct hl_node *n)
{
	return &n->cfg;
}

struct hl_store *
hl_node_store(struct hl_node *n)
{
	return n->store;
}

void
node_flash_seen(struct hl_node *n)
{
	n->flash_until_ms = hl_mono_us() / 1000 + NODE_FLASH_WINDOW_MS;
}

uint64_t
hl_node_flash_busy(struct hl_node *n)
{
	uint64_t now = hl_mono_us() / 1000;

	return n != NULL && n->flash_until_ms > now ? n->flash_until_ms - now : 0;
}

void
hl_node_offload(struct hl_node *n, struct hl_job *j)
{
	if (n->crypto != NULL && hl_workq_submit(n->crypto, j) == HL_OK)
		return;
	j->run(j, NULL);
	j->done(j);
}

void
hl_node_sig_stats(struct hl_node *n, struct hl_node_sig_stats *out)
{
	out->roots_signed = __atomic_load_n(&n->sig_roots, __ATOMIC_RELAXED);
	out->leaves_signed = __atomic_load_n(&n->sig_leaves, __ATOMIC_RELAXED);
	hl_sigcache_stats(n->sigcache, &out->roots_verified, &out->cache_hits);
}

uint64_t
hl_node_started_ms(const struct hl_node *n)
{
	return n->started_ms;
}

size_t
hl_node_certs(const struct hl_node *n, const struct hl_cert_info **out)
{
	*out = n->certs;
	return n->ncerts;
}

static void
cert_add(struct hl_node *n, const char *role, const char *path)
{
	struct hl_cert_info *c;
	char err[HL_PATH_MAX + 64];
	size_t i;

	if (path[0] == '\0' || n->ncerts >= sizeof(n->certs) / sizeof(n->certs[0]))
		return;
	for (i = 0; i < n->ncerts; i++)
		if (strcmp(n->certs[i].path, path) == 0)
			return;   /* one file named twice (tls_certificate = certificate) */
	c = &n->certs[n->ncerts++];
	snprintf(c->role, sizeof(c->role), "%s", role);
	snprintf(c->path, sizeof(c->path), "%s", path);
	if (hl_pki_cert_not_after(path, &c->not_after_s, err, sizeof(err)) != HL_OK)
		log_warnx("certificate %s: %s", role, err);
}

/* What to renew in time (node_timer.c warns): read once at start. */
static void
certs_load(struct hl_node *n)
{
	char role[HL_NODE_NAME_MAX + 24];
	unsigned i;

	cert_add(n, "certificate", n->cfg.cert_path);
	cert_add(n, "tls_certificate", n->cfg.tls_cert_path);
	cert_add(n, "console_certificate", n->cfg.console_cert_path);
	cert_add(n, "ca", n->cfg.ca_path);
	for (i = 0; i < n->cfg.npeers; i++) {
		snprintf(role, sizeof(role), "peer %s ca", n->cfg.peers[i].node);
		cert_add(n, role, n->cfg.peers[i].ca_path);
	}
}

/* Read the peer partner's CA (hl_config_load checked it against its pin). */
static int
read_peer_ca(struct peer_state *ps, char *err, size_t errlen)
{
	FILE *f;

	if ((f = fopen(ps->conf->ca_path, "r")) != NULL) {
		ps->ca = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	ERR_clear_error();
	if (ps->ca == NULL) {
		snprintf(err, errlen, "%s: cannot read the CA certificate of peer %s",
		    ps->conf->ca_path, ps->conf->node);
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

/* ---- reload: peers added, changed, removed without a restart ---- */

/* A peer (new, or back) from its configuration: its CA trusted from now on. */
static int
peer_take(struct hl_node *n, struct peer_state *ps, const struct hl_peer_conf *pc,
    char *err, size_t errlen)
{
	struct hl_peer_conf *conf = (struct hl_peer_conf *)(uintptr_t)ps->conf;
	int r;

	*conf = *pc;
	conf->removed = 0;
	X509_free(ps->ca);
	ps->ca = NULL;
	if ((r = read_peer_ca(ps, err, errlen)) != HL_OK ||
	    (n->lctx != NULL && (r = hl_link_ctx_add_ca(n->lctx, conf->ca_path, err, errlen)) !=
	    HL_OK))
		return r;
	ps->dialer = conf->port != 0 && strcmp(n->cfg.node, conf->node) < 0;
	ps->retry_at_ms = 0;
	ps->backoff_ms = 0;
	ps->last_error[0] = '\0';
	return HL_OK;
}

static void
peer_drop(struct peer_state *ps, const char *why)
{
	struct hl_peer_conf *conf = (struct hl_peer_conf *)(uintptr_t)ps->conf;

	conf->removed = 1;
	ps->dialer = 0;
	if (ps->dialing != NULL) {
		hl_link_set_udata(ps->dialing, NULL);
		hl_link_close(ps->dialing, why);
		ps->dialing = NULL;
	}
	if (ps->link != NULL) {
		hl_link_set_udata(ps->link, NULL);
		hl_link_close(ps->link, why);
		ps->link = NULL;
	}
	ps->up = 0;
	node_pump_reset(ps);
	node_reasm_clear(ps);
	snprintf(ps->last_error, sizeof(ps->last_error), "%s", why);
}

static int
peer_differs(const struct hl_peer_conf *a, const struct hl_peer_conf *b)
{
	return strcmp(a->host, b->host) != 0 || a->port != b->port ||
	    strcmp(a->ca_path, b->ca_path) != 0 ||
	    memcmp(a->ca_sha256, b->ca_sha256, sizeof(a->ca_sha256)) != 0 ||
	    a->accreditation != b->accreditation;
}

static int read_cert_der(const char *path, uint8_t **der, size_t *len, char *err,
    size_t errlen);

/* Certificates renewed for the keys the node has (pki renew): the TLS
 * certificate of links from now on, and the signing certificate in a new
 * descriptor sent to every peer. Links up stay up. */
int
hl_node_reload_certs(struct hl_node *n, char *err, size_t errlen)
{
	uint8_t *der = NULL, pub[HL_ED25519_PUB], mine[HL_ED25519_PUB];
	const unsigned char *q;
	size_t len = 0, pl = sizeof(pub);
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	int r;

	if (n->lctx != NULL && (r = hl_link_ctx_reload_cert(n->lctx, n->cfg.tls_cert_path, err,
	    errlen)) != HL_OK)
		return r;
	if ((r = read_cert_der(n->cfg.cert_path, &der, &len, err, errlen)) != HL_OK)
		return r;
	if (len == n->cert_len && memcmp(der, n->cert_der, len) == 0) {
		hl_free(der);
		return HL_OK;   /* the same: nothing to announce */
	}
	/* it must certify our signing key, or peers would refuse our descriptor */
	q = der;
	r = HL_ERR_CONFIG;
	if ((x = d2i_X509(NULL, &q, (long)len)) == NULL || (k = X509_get_pubkey(x)) == NULL ||
	    EVP_PKEY_get_raw_public_key(k, pub, &pl) != 1 || pl != sizeof(pub) ||
	    (hl_keys_sign_pub(n->keys, mine), memcmp(pub, mine, sizeof(pub)) != 0)) {
		snprintf(err, errlen, "%s: not a certificate of this node's signing key",
		    n->cfg.cert_path);
		ERR_clear_error();
		goto out;
	}
	hl_free(n->cert_der);
	n->cert_der = der;
	n->cert_len = len;
	der = NULL;
	if ((r = node_refresh_descriptor(n)) != HL_OK) {
		snprintf(err, errlen, "cannot sign the new descriptor: %s", hl_strerror(r));
		goto out;
	}
	node_broadcast_descriptor(n);
	log_info("reload: %s renewed: a new descriptor sent to the peers", n->cfg.cert_path);
	node_audit(n, "certificate-renewed", NULL, n->cfg.node, n->cfg.cert_path);
	r = HL_OK;
out:
	EVP_PKEY_free(k);
	X509_free(x);
	hl_free(der);
	return r;
}

int
hl_node_reload_peers(struct hl_node *n, const struct hl_config *nc, unsigned *added,
    unsigned *changed, unsigned *removed, char *err, size_t errlen)
{
	struct peer_state *ps;
	char ad[HL_AUDIT_DETAIL_MAX];
	unsigned i, j;
	int r, keep;

	*added = *changed = *removed = 0;
	for (i = 0; i < nc->npeers; i++) {
		const struct hl_peer_conf *pc = &nc->peers[i];

		for (ps = NULL, j = 0; j < n->npeers; j++)
			if (strcmp(n->peers[j].conf->node, pc->node) == 0)
				ps = &n->peers[j];
		if (ps != NULL && !ps->conf->removed && !peer_differs(ps->conf, pc))
			continue;   /* unchanged: its link is left alone */
		if (ps == NULL) {
			if (n->npeers >= HL_PEERS_MAX) {
				snprintf(err, errlen, "peer %s: more than %d peers", pc->node,
				    HL_PEERS_MAX);
				return HL_ERR_TOO_BIG;
			}
			ps = &n->peers[n->npeers];
			memset(ps, 0, sizeof(*ps));
			ps->conf = &n->cfg.peers[n->cfg.npeers];
			ps->reload = 1;
			if ((r = peer_take(n, ps, pc, err, errlen)) != HL_OK)
				return r;
			n->cfg.npeers++;
			n->npeers++;
		} else {
			int was_removed = ps->conf->removed;

			if (!was_removed)
				peer_drop(ps, "its configuration changed: reconnecting");
			if ((r = peer_take(n, ps, pc, err, errlen)) != HL_OK)
				return r;
			ps->reload = 1;
			if (!was_removed) {
				(*changed)++;
				snprintf(ad, sizeof(ad), "%s: address %s:%u, accreditation %s", pc->node,
				    pc->host, (unsigned)pc->port,
				    n->cfg.policy.levels[pc->accreditation]);
				log_info("reload: peer %s changed", ad);
				node_audit(n, "peer-changed", NULL, n->cfg.node, ad);
				continue;
			}
		}
		(*added)++;
		snprintf(ad, sizeof(ad), "%s (partner %s) at %s:%u", pc->node, pc->partner, pc->host,
		    (unsigned)pc->port);
		log_info("reload: peer %s added", ad);
		node_audit(n, "peer-added", NULL, n->cfg.node, ad);
	}
	for (j = 0; j < n->npeers; j++) {
		ps = &n->peers[j];
		if (ps->conf->removed)
			continue;
		for (keep = 0, i = 0; i < nc->npeers; i++)
			keep |= strcmp(nc->peers[i].node, ps->conf->node) == 0;
		if (keep)
			continue;
		peer_drop(ps, "removed from the configuration");
		(*removed)++;
		log_info("reload: peer %s removed: link closed, connections from it refused",
		    ps->conf->node);
		node_audit(n, "peer-removed", NULL, n->cfg.node, ps->conf->node);
	}
	n->ncerts = 0;
	certs_load(n);
	return HL_OK;
}

static int
read_cert_der(const char *path, uint8_t **der, size_t *len, char *err, size_t errlen)
{
	FILE *f;
	X509 *x;
	int r;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open certificate", path);
		return HL_ERR_CONFIG;
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL) {
		snprintf(err, errlen, "%s: not a PEM certificate", path);
		return HL_ERR_CONFIG;
	}
	{
		unsigned char *p = NULL;
		int nl = i2d_X509(x, &p);

		r = HL_ERR_CONFIG;
		if (nl > 0 && (size_t)nl <= HL_CERT_MAX_BYTES && (*der = hl_malloc((size_t)nl)) != NULL) {
			memcpy(*der, p, (size_t)nl);
			*len = (size_t)nl;
			r = HL_OK;
		} else {
			snprintf(err, errlen, "%s: certificate too large", path);
		}
		OPENSSL_free(p);
	}
	X509_free(x);
	return r;
}

/* One batch of a crypto worker: the jobs run in queue order, each adding
 * what it signs (version 2 envelopes and receipts) to one batch, whose
 * roots are then signed once (sigbatch.h); the jobs complete together. A
 * job's run gets the batch as its ctx (NULL when it runs on the loop). */
static void
node_crypto_batch(struct hl_job **jobs, size_t nj, void *ctx)
{
	struct hl_node *n = ctx;
	struct hl_sigbatch b;          /* about 7 KiB, on the worker's stack */
	uint64_t roots = 0, leaves = 0;
	size_t i;

	hl_sigbatch_init(&b);
	for (i = 0; i < nj; i++)
		jobs[i]->run(jobs[i], &b);
	hl_sigbatch_finish(&b, n->keys, &roots, &leaves);
	__atomic_fetch_add(&n->sig_roots, roots, __ATOMIC_RELAXED);
	__atomic_fetch_add(&n->sig_leaves, leaves, __ATOMIC_RELAXED);
}

/* The crypto pool: crypto_threads workers (auto: one per CPU, at most 8),
 * four precedence lanes, at most NODE_CRYPTO_JOBS jobs queued. */
static int
node_crypto_start(struct hl_node *n, char *err, size_t errlen)
{
	struct hl_workq_conf wc;
	long cpus;
	int nt = n->cfg.crypto_threads;
	int r;

	if (nt == HL_CRYPTO_THREADS_AUTO) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		nt = cpus < 1 ? 1 : cpus > 8 ? 8 : (int)cpus;
	}
	if (nt == 0 || n->base == NULL)
		return HL_OK;
	memset(&wc, 0, sizeof(wc));
	wc.name = "crypto";
	wc.nthreads = (unsigned)nt;
	wc.max_jobs = NODE_CRYPTO_JOBS;
	wc.max_batch = NODE_CRYPTO_BATCH;
	wc.run_batch = node_crypto_batch;
	wc.batch_fair = 1;
	wc.ctx = n;
	if ((r = hl_workq_new(n->base, &wc, &n->crypto)) != HL_OK) {
		snprintf(err, errlen, "cannot start %d crypto worker thread(s): %s", nt,
		    hl_strerror(r));
		return r;
	}
	log_info("crypto: %d worker thread(s)", nt);
	return HL_OK;
}

/* The files thread runs below the loop and the crypto workers: on a busy
 * machine the CPU it takes copying a 50 MB file into the page cache goes
 * to FLASH work first (nice 10; best effort, ignored if refused). */
static void
files_thread_init(void *ctx, unsigned index)
{
	(void)ctx;
	(void)index;
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), NODE_FILES_NICE);
}

/* The files thread (store_blob.c): large envelopes' files, written and
 * fdatasynced off the loop and off the crypto workers. */
static int
node_files_start(struct hl_node *n, char *err, size_t errlen)
{
	struct hl_workq_conf wc;
	int r;

	if (n->base == NULL)
		return HL_OK;
	memset(&wc, 0, sizeof(wc));
	wc.name = "files";
	wc.nthreads = 1;
	wc.thread_init = files_thread_init;
	wc.max_jobs = NODE_FILES_JOBS;
	if ((r = hl_workq_new(n->base, &wc, &n->files)) != HL_OK) {
		snprintf(err, errlen, "cannot start the files thread: %s", hl_strerror(r));
		return r;
	}
	return HL_OK;
}

#define NODE_DATA_KEY_ROLE "hotline.db content key"

/* Contents sealed at rest (store.h): the store's content key, made at the
 * first start with a seal key and kept in the database wrapped under it.
 * Without a seal key, contents are stored in clear (said once). */
static int
node_content_key(struct hl_node *n, char *err, size_t errlen)
{
	uint8_t key[HL_STORE_CONTENT_KEY], *w = NULL, *k = NULL;
	size_t wl = 0, kl = 0;
	int r;

	r = hl_store_data_key_get(n->store, &w, &wl);
	if (!hl_seal_have_kek()) {
		hl_free(w);
		if (r == HL_OK) {
			snprintf(err, errlen, "the database's contents are sealed, and this node has "
			    "no seal_key to open them (docs/CONFIG.md, seal_key)");
			return HL_ERR_CONFIG;
		}
		log_warnx("no seal_key: envelope contents are stored in clear (docs/SECURITY.md, "
		    "\"Sealed storage\")");
		return HL_OK;
	}
	if (r == HL_ERR_NOT_FOUND) {
		if (RAND_bytes(key, sizeof(key)) != 1) {
			snprintf(err, errlen, "no random bytes for the content key");
			r = HL_ERR_CRYPTO;
			goto out;
		}
		if ((r = hl_seal_seal(NODE_DATA_KEY_ROLE, key, sizeof(key), &w, &wl)) != HL_OK ||
		    (r = hl_store_data_key_put(n->store, w, wl, hl_now_ms())) != HL_OK) {
			snprintf(err, errlen, "cannot keep the content key: %s (%s)", hl_strerror(r),
			    hl_store_errmsg(n->store));
			goto out;
		}
		log_info("contents are sealed at rest under a new content key");
	} else if (r != HL_OK) {
		snprintf(err, errlen, "cannot read the content key: %s", hl_store_errmsg(n->store));
		goto out;
	} else if ((r = hl_seal_open(NODE_DATA_KEY_ROLE, w, wl, &k, &kl)) != HL_OK ||
	    kl != sizeof(key)) {
		snprintf(err, errlen, "the database's content key does not open with this node's "
		    "seal_key (another node's database, or the seal key was changed)");
		r = HL_ERR_CONFIG;
		goto out;
	} else {
		memcpy(key, k, sizeof(key));
	}
	hl_store_set_content_key(n->store, key);
	r = HL_OK;
out:
	OPENSSL_cleanse(key, sizeof(key));
	hl_free_secret(k, kl);
	hl_free(w);
	return r;
}

int
hl_node_new(const struct hl_config *cfg, struct event_base *base, struct hl_node **out,
    char *err, size_t errlen)
{
	struct hl_node *n = NULL;
	char path[HL_PATH_MAX + 32];
	uint8_t *d;
	size_t dl;
	unsigned i;
	int r = HL_ERR_INTERNAL;

	*out = NULL;
	if ((n = hl_calloc(1, sizeof(*n))) == NULL)
		return HL_ERR_NOMEM;
	n->bench_fd = -1;
	n->cfg = *cfg;
	n->base = base;
	n->started_ms = hl_now_ms();
	n->checkpoint_ms = n->started_ms;   /* first checkpoint one interval after start */
	if (mkdir(n->cfg.data_dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot create data directory", n->cfg.data_dir);
		r = HL_ERR_IO;
		goto out;
	}
	snprintf(n->kem_dir, sizeof(n->kem_dir), "%s/kem", n->cfg.data_dir);
	certs_load(n);
	/* this node's seal key, for its key files and TLS keys (hotlined read
	 * it already; several nodes in one process, as in tests, each read
	 * their own here); hotlined wipes it once the node is up */
	if (n->cfg.seal_key[0] != '\0' &&
	    (r = hl_seal_kek_load(n->cfg.seal_key, err, errlen)) != HL_OK)
		goto out;
	if ((r = hl_keys_open(n->cfg.key_path, n->kem_dir, &n->keys, err, errlen)) != HL_OK)
		goto out;
	snprintf(path, sizeof(path), "%s/hotline.db", n->cfg.data_dir);
	if ((r = hl_store_open(path, &n->store, err, errlen)) != HL_OK ||
	    (r = node_content_key(n, err, errlen)) != HL_OK ||
	    (r = node_revoke_load(n, err, errlen)) != HL_OK)
		goto out;
	{
		/* large contents whose row never reached the disk (store_blob.c) */
		unsigned removed, kept;

		if ((r = hl_store_blob_sweep(n->store, &removed, &kept)) != HL_OK) {
			snprintf(err, errlen, "cannot sweep the envelope files: %s",
			    hl_store_errmsg(n->store));
			goto out;
		}
		if (removed > 0)
			log_info("envelope files: %u kept, %u removed that no stored envelope "
			    "names (written before a crash or a failed store)", kept, removed);
	}
	{
		/* the audit log (its chain, its Merkle leaves, and each stored
		 * checkpoint's root against the tree at its size) must verify before
		 * anything is added to it (issue 17): a node never carries on a log
		 * edited while it was down. The checkpoints' signatures are not
		 * checked here: a node whose signing key was replaced signed the
		 * older ones with its former key (`audit verify` checks them). */
		uint64_t count = 0, bad = 0, t0 = hl_mono_us();
		char why[256];

		if ((r = hl_store_audit_verify(n->store, &count, &bad, why, sizeof(why))) != HL_OK) {
			snprintf(err, errlen, "the audit log does not verify: %s; the node does not "
			    "start on it (docs/INSTALL.md, \"The audit log does not verify\")", why);
			goto out;
		}
		log_info("audit log: %llu entries and our checkpoints' roots verified in %llu ms",
		    (unsigned long long)count, (unsigned long long)((hl_mono_us() - t0) / 1000));
	}
	if (n->cfg.bench_no_fsync) {
		/* benchmarking aid (docs/CONFIG.md): acknowledged data may be lost */
		log_warnx("WARNING: bench_no_fsync = yes: SQLite synchronous=OFF, NOT DURABLE; "
		    "a crash or power loss loses acknowledged envelopes. Benchmarks only.");
		if (hl_store_no_fsync(n->store) != HL_OK)
			log_warnx("bench_no_fsync: cannot set synchronous=OFF");
	} else if (base != NULL && (r = hl_store_sync_start(n->store, base, path)) != HL_OK) {
		/* group commit: the fsync on the store's syncer thread */
		snprintf(err, errlen, "cannot start the store's syncer: %s", hl_strerror(r));
		goto out;
	}
	if ((r = read_cert_der(n->cfg.cert_path, &n->cert_der, &n->cert_len, err, errlen)) != HL_OK)
		goto out;
	node_sig_prev_load(n);
	if ((r = node_refresh_descriptor(n)) != HL_OK) {
		snprintf(err, errlen, "cannot sign our node descriptor: %s", hl_strerror(r));
		goto out;
	}
	n->npeers = n->cfg.npeers;
	for (i = 0; i < n->npeers; i++) {
		struct peer_state *ps = &n->peers[i];

		ps->conf = &n->cfg.peers[i];
		ps->reload = 1;   /* the send queue is listed from the store first */
		if ((r = read_peer_ca(ps, err, errlen)) != HL_OK)
			goto out;
		ps->dialer = ps->conf->port != 0 && strcmp(n->cfg.node, ps->conf->node) < 0;
		if (hl_store_peer_get(n->store, ps->conf->node, &d, &dl) == HL_OK &&
		    node_peer_set_descriptor(n, ps, d, dl) != HL_OK)
			log_warnx("stored descriptor of %s is unusable; waiting for its link",
			    ps->conf->node);
		node_witness_load(n, ps);
	}
	if ((r = node_batch_init(n)) != HL_OK) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if ((n->recv = hl_calloc(NODE_CRYPTO_JOBS, sizeof(*n->recv))) == NULL) {
		snprintf(err, errlen, "out of memory");
		r = HL_ERR_NOMEM;
		goto out;
	}
	if ((r = hl_sigcache_new(NODE_SIGCACHE_ROOTS, &n->sigcache)) != HL_OK) {
		snprintf(err, errlen, "cannot allocate the verified-root cache: %s", hl_strerror(r));
		goto out;
	}
	if ((r = node_crypto_start(n, err, errlen)) != HL_OK ||
	    (r = node_files_start(n, err, errlen)) != HL_OK)
		goto out;
	*out = n;
	n = NULL;
	r = HL_OK;
out:
	hl_node_free(n);
	return r;
}

int
hl_node_listen(struct hl_node *n, char *err, size_t errlen)
{
	int r;

	if ((r = hl_link_ctx_new(&n->cfg, n->base, &hl_node_link_cbs, n, &n->lctx, err,
	    errlen)) != HL_OK)
		return r;
	return hl_link_listen(n->lctx, err, errlen);
}

int
hl_node_start(struct hl_node *n, char *err, size_t errlen)
{
	int r;

	if ((r = node_timer_start(n)) != HL_OK) {
		snprintf(err, errlen, "cannot start the node's timer: %s", hl_strerror(r));
		return r;
	}
	node_audit(n, "node-start", NULL, n->cfg.node, "started");
	return HL_OK;
}

void
hl_node_free(struct hl_node *n)
{
	unsigned i;

	if (n == NULL)
		return;
	hl_workq_free(n->crypto);
	n->crypto = NULL;
	hl_workq_free(n->files);   /* after: a cancelled seal may still go there */
	n->files = NULL;
	hl_sigcache_free(n->sigcache);
	n->sigcache = NULL;
	hl_free(n->recv);
	node_batch_free(n);
	/* what waits for the disk is answered while the links still exist */
	(void)hl_store_sync_settle(n->store);
	HL_FREE(n->undurable.keys);
	HL_FREE(n->undurable.state);
	if (n->tick != NULL)
		event_free(n->tick);
	hl_link_ctx_free(n->lctx);
	for (i = 0; i < n->npeers; i++) {
		node_pump_free(&n->peers[i]);
		node_reasm_clear(&n->peers[i]);
		hl_free(n->peers[i].desc_raw);
		X509_free(n->peers[i].ca);
	}
	X509_free(n->own_ca);
	hl_store_close(n->store);
	hl_keys_free(n->keys);
	hl_free(n->cert_der);
	hl_free(n->desc);
	hl_free(n->desc_classic);
	hl_free(n->sig_prev_pk);
	hl_free(n);
}

size_t
hl_node_settle(struct hl_node *n)
{
	struct hl_workq_stats a, b;
	size_t k = 0;

	if (n->crypto != NULL) {
		hl_workq_stats(n->crypto, &a);
		hl_workq_wait_idle(n->crypto);
		hl_workq_stats(n->crypto, &b);
		k = (size_t)(b.completed - a.completed);
	}
	/* and what the store's syncer has to put on disk, with its callbacks */
	return k + hl_store_sync_settle(n->store);
}

void
hl_node_shutdown(struct hl_node *n)
{
	/* the jobs a worker runs finish (what they opened is stored, what they
	 * sealed is stored and answered); queued ones are handed back
	 * cancelled: the envelopes come again (origins retry), the sends are
	 * sealed on the loop and stored (nothing accepted is dropped) */
	hl_workq_free(n->crypto);
	n->crypto = NULL;
	/* then the files of what was sealed or opened (a queued one comes back
	 * cancelled: a send's are written by the store, a receive is dropped
	 * and comes again) */
	hl_workq_free(n->files);
	n->files = NULL;
	node_batch_flush(n);   /* answered and announced while services still listen */
	/* and what waits for the disk (sends to answer, receipts to send) */
	(void)hl_store_sync_settle(n->store);
	node_audit(n, "node-stop", NULL, n->cfg.node, "stopped");
	if (n->cfg.audit_checkpoint_s != 0)
		node_audit_checkpoint(n, hl_now_ms());
}
