/* node_kem.c: our KEM keys and descriptors, and the peers'. A descriptor
 * (signed, with the node certificate and one KEM public key per suite) is
 * what a sender seals to; ours is refreshed before it expires and sent
 * again after a rotation; a peer's is verified against its partner's
 * pinned CA before it is adopted, and what waits for a peer is re-sealed
 * to its new keys. Old secret keys are erased once every linked peer has
 * adopted the new ones (or kem_keep after the rotation). */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "alloc.h"
#include "buf.h"
#include "clock.h"
#include "hybsig.h"
#include "log.h"
#include "node_int.h"
#include "pki.h"

/* The Ed25519 key of a DER certificate. */
static int
cert_pub(const uint8_t *der, size_t len, uint8_t pub[HL_ED25519_PUB])
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	size_t pl = HL_ED25519_PUB;
	int r = HL_ERR_MALFORMED;

	if (x == NULL || p != der + len)
		goto out;
	if (EVP_PKEY_get_id(X509_get0_pubkey(x)) != EVP_PKEY_ED25519)
		goto out;
	if (EVP_PKEY_get_raw_public_key(X509_get0_pubkey(x), pub, &pl) != 1 || pl != HL_ED25519_PUB)
		goto out;
	r = HL_OK;
out:
	X509_free(x);
	return r;
}

/* Adopt a descriptor that has already been verified (or that we stored after
 * verifying it). Takes ownership of raw. The peer's signer: its certificate's
 * key, and the ML-DSA keys a version 2 descriptor announces; its Ed25519-only
 * signatures are accepted while it announced none (a node of a release
 * without them) or when allow_classical_signatures is set. */
int
node_peer_set_descriptor(const struct hl_node *n, struct peer_state *ps, uint8_t *raw,
    size_t len)
{
	struct hl_descriptor d;
	uint8_t pub[HL_ED25519_PUB];
	unsigned i;
	int r;

	if ((r = hl_descriptor_decode(raw, len, &d)) != HL_OK ||
	    (r = cert_pub(d.cert, d.cert_len, pub)) != HL_OK) {
		hl_free(raw);
		return r;
	}
	hl_free(ps->desc_raw);
	ps->desc_raw = raw;
	ps->desc_len = len;
	ps->desc = d;
	memcpy(ps->pub, pub, sizeof(pub));
	ps->have_pub = 1;
	memset(&ps->sig, 0, sizeof(ps->sig));
	memcpy(ps->sig.ed, pub, sizeof(pub));
	if (d.version == HL_DESCRIPTOR_VERSION_HYBRID) {
		ps->sig.suite = d.sig_suite;
		for (i = 0; i < d.npk && i < HL_SIGNER_MLDSA_KEYS; i++) {
			memcpy(ps->sig.pk[i], d.mldsa_pk[i], d.mldsa_pk_len[i]);
			ps->sig.pk_len[i] = d.mldsa_pk_len[i];
		}
		ps->sig.npk = i;
	}
	ps->sig.allow_classical = ps->sig.npk == 0 || n->cfg.allow_classical_sig;
	return HL_OK;
}

/* May a peer's verified descriptor d (its keys s) replace what we hold of
 * it? Not when it would drop an ML-DSA key we hold for an Ed25519-only
 * descriptor (a downgrade, unless allow_classical_signatures), nor when
 * the peer's ML-DSA key is pinned (sig_key_sha256) and d's is another.
 * A changed key of an unpinned peer is taken, and audited. */
int
node_descriptor_acceptable(struct hl_node *n, struct peer_state *ps,
    const struct hl_descriptor *d, const struct hl_signer *s, char *why, size_t whylen)
{
	uint8_t fp[HL_SHA256];

	(void)d;
	char hex[2 * HL_SHA256 + 1], ad[HL_AUDIT_DETAIL_MAX];
	unsigned int fl = 0;

	why[0] = '\0';
	if (s->npk == 0) {
		if (ps->conf->sig_key_pinned) {
			snprintf(why, whylen, "its ML-DSA key is pinned (sig_key_sha256) but the "
			    "descriptor has none");
			return HL_ERR_DENIED;
		}
		if (ps->sig.npk > 0 && !n->cfg.allow_classical_sig) {
			snprintf(why, whylen, "an Ed25519-only descriptor after one with an ML-DSA "
			    "key (a downgrade; allow_classical_signatures = yes accepts it)");
			return HL_ERR_DENIED;
		}
		return HL_OK;
	}
	if (EVP_Digest(s->pk[0], s->pk_len[0], fp, &fl, EVP_sha256(), NULL) != 1 ||
	    fl != HL_SHA256)
		return HL_ERR_CRYPTO;
	hl_hex_encode(fp, HL_SHA256, hex);
	if (ps->conf->sig_key_pinned) {
		if (CRYPTO_memcmp(fp, ps->conf->sig_key_sha256, HL_SHA256) != 0) {
			snprintf(why, whylen, "its ML-DSA key %.16s... is not the one pinned "
			    "(sig_key_sha256)", hex);
			return HL_ERR_DENIED;
		}
		return HL_OK;
	}
	if (ps->sig.npk > 0 && (ps->sig.pk_len[0] != s->pk_len[0] ||
	    memcmp(ps->sig.pk[0], s->pk[0], s->pk_len[0]) != 0)) {
		snprintf(ad, sizeof(ad), "new ML-DSA key sha256 %s (%s)", hex,
		    hl_sig_suite_name(s->suite) != NULL ? hl_sig_suite_name(s->suite) : "?");
		log_info("%s: %s", ps->conf->node, ad);
		node_audit(n, "peer-sig-key-changed", NULL, ps->conf->node, ad);
	} else if (ps->sig.npk == 0) {
		snprintf(ad, sizeof(ad), "ML-DSA key sha256 %s (%s)", hex,
		    hl_sig_suite_name(s->suite) != NULL ? hl_sig_suite_name(s->suite) : "?");
		node_audit(n, "peer-sig-key", NULL, ps->conf->node, ad);
	}
	return HL_OK;
}

/* A descriptor is valid for two rotation periods: long enough that peers
 * always hold a current one while we run, short enough that a node that has
 * been away long is not sealed to (its envelopes wait for a fresh one). */
uint64_t
node_desc_validity_ms(const struct hl_node *n)
{
	return 2ull * 1000 * n->cfg.kem_rotate_s;
}

/* Our own signer (as partners know us), from our keys. */
static void
self_signer(struct hl_node *n)
{
	struct hl_signer *s = &n->self_sig;
	int param = hl_sig_suite_mldsa(n->cfg.sig_suite);

	memset(s, 0, sizeof(*s));
	hl_keys_sign_pub(n->keys, s->ed);
	s->allow_classical = param <= 0;
	if (param <= 0 ||
	    hl_keys_mldsa_pub(n->keys, param, s->pk[0], sizeof(s->pk[0]), &s->pk_len[0]) != HL_OK)
		return;
	s->suite = n->cfg.sig_suite;
	s->npk = 1;
	if (n->sig_prev_pk != NULL && n->sig_prev_len == s->pk_len[0]) {
		memcpy(s->pk[1], n->sig_prev_pk, n->sig_prev_len);
		s->pk_len[1] = n->sig_prev_len;
		s->npk = 2;
	}
}

int
node_refresh_descriptor(struct hl_node *n)
{
	uint8_t *d = NULL;
	size_t dl = 0;
	uint64_t now = hl_now_ms();
	int r;

	uint8_t *dc = NULL;
	size_t dcl = 0;

	if ((r = hl_seal_descriptor(n->keys, n->cfg.node, n->cert_der, n->cert_len, now,
	    node_desc_validity_ms(n), n->cfg.sig_suite, n->sig_prev_pk, n->sig_prev_len, &d,
	    &dl)) != HL_OK)
		return r;
	/* links of protocol < 5 (a release without ML-DSA) read version 1 */
	if (hl_sig_suite_mldsa(n->cfg.sig_suite) > 0 &&
	    (r = hl_seal_descriptor(n->keys, n->cfg.node, n->cert_der, n->cert_len, now,
	    node_desc_validity_ms(n), HL_SUITE_ED25519, NULL, 0, &dc, &dcl)) != HL_OK) {
		hl_free(d);
		return r;
	}
	hl_free(n->desc);
	hl_free(n->desc_classic);
	n->desc = d;
	n->desc_len = dl;
	n->desc_classic = dc;
	n->desc_classic_len = dcl;
	n->desc_at_ms = now;
	self_signer(n);
	node_write_descriptor(n);
	return HL_OK;
}

/* The KEM key of a peer's current descriptor for our suite, if the
 * descriptor is still valid. Never seal to an expired descriptor. */
int
node_peer_kem_key(const struct hl_node *n, const struct peer_state *ps, uint64_t now,
    struct hl_seal_recipient *out)
{
	unsigned k;

	if (ps->desc_raw == NULL || ps->desc.not_after_ms < now || ps->desc.not_before_ms > now)
		return HL_ERR_AGAIN;
	for (k = 0; k < ps->desc.nkeys; k++) {
		if (ps->desc.keys[k].suite != n->cfg.suite)
			continue;
		out->node = ps->conf->node;
		out->epoch = ps->desc.epoch;
		out->pub = ps->desc.keys[k].pub;
		out->publen = ps->desc.keys[k].len;
		return HL_OK;
	}
	return HL_ERR_AGAIN;
}

/* Our own current key, used as a placeholder wrap when no recipient has a
 * valid descriptor yet: the envelope is stored, sealed, and waits. */
int
node_self_kem_key(struct hl_node *n, struct hl_seal_recipient *out)
{
	out->node = n->cfg.node;
	return hl_keys_kem_current(n->keys, n->cfg.suite, &out->epoch, &out->pub, &out->publen);
}

/* Seal m (content, label, times) under its id to every pending recipient
 * with a valid key; the others wait (awaiting-key). Stores the new raw and
 * delivery states and audits, in the caller's transaction. */
static int
reseal(struct hl_node *n, const struct hl_msg *m, const struct hl_label *label,
    struct hl_delivery *dl, size_t ndl, unsigned *nsealed)
{
	struct hl_seal_recipient sr[HL_RECIPIENTS_MAX];
	int waiting[HL_RECIPIENTS_MAX];
	struct hl_seal_params sp;
	struct peer_state *ps;
	uint8_t id[HL_ID_BYTES], *raw = NULL;
	size_t rawlen = 0, i;
	unsigned nr = 0, minproto;
	uint64_t now = hl_now_ms();
	char ad[HL_AUDIT_DETAIL_MAX];
	int r;

	*nsealed = 0;
	for (i = 0; i < ndl && i < HL_RECIPIENTS_MAX; i++) {
		waiting[i] = 0;
		if (dl[i].state != HL_DLV_QUEUED && dl[i].state != HL_DLV_AWAITING_KEY)
			continue;
		if ((ps = node_peer_by_name(n, dl[i].node)) == NULL ||
		    node_peer_kem_key(n, ps, now, &sr[nr]) != HL_OK) {
			waiting[i] = 1;
			continue;
		}
		nr++;
	}
	if (nr == 0 && node_self_kem_key(n, &sr[nr]) == HL_OK)
		nr = 1;   /* placeholder: nobody can be reached yet */
	memset(&sp, 0, sizeof(sp));
	/* the version every recipient sealed to reads (node_sig_version) */
	minproto = HL_LINK_PROTO;
	for (i = 0; i < ndl && i < HL_RECIPIENTS_MAX; i++)
		if ((dl[i].state == HL_DLV_QUEUED || dl[i].state == HL_DLV_AWAITING_KEY) &&
		    !waiting[i] && (ps = node_peer_by_name(n, dl[i].node)) != NULL &&
		    node_peer_proto(ps) < minproto)
			minproto = node_peer_proto(ps);
	sp.version = node_sig_version(n, minproto);
	sp.sig_suite = n->cfg.sig_suite;
	sp.suite = n->cfg.suite;
	sp.flags = m->flags;
	sp.precedence = m->precedence;
	sp.content_type = m->content_type;
	sp.created_ms = m->created_ms;
	sp.expires_ms = m->expires_ms;
	sp.origin = n->cfg.node;
	sp.originator = m->originator;
	sp.label = label;
	sp.nrecipients = nr;
	sp.recipients = sr;
	sp.id = m->id;
	if ((r = hl_seal_envelope(n->keys, &sp, m->content, m->content_len, id, &raw,
	    &rawlen)) != HL_OK)
		goto out;
	if ((r = hl_store_replace_raw(n->store, m->id, raw, rawlen)) != HL_OK)
		goto out;
	for (i = 0; i < ndl && i < HL_RECIPIENTS_MAX; i++) {
		if (dl[i].state != HL_DLV_QUEUED && dl[i].state != HL_DLV_AWAITING_KEY)
			continue;
		if (waiting[i] != (dl[i].state == HL_DLV_AWAITING_KEY) &&
		    (r = hl_store_delivery_wait(n->store, m->id, dl[i].node, waiting[i])) != HL_OK)
			goto out;
		if (!waiting[i]) {
			struct peer_state *q = node_peer_by_name(n, dl[i].node);

			(*nsealed)++;
			/* queued now (or still, under the new sealing); the caller
			 * commits durably before it pumps, and a rolled-back one is
			 * dropped when the pump finds it is not queued */
			if (q != NULL)
				node_pump_add(q, m->id, m->precedence);
		}
	}
	snprintf(ad, sizeof(ad), "sealed to %u pending recipient(s) with current keys, "
	    "%zu waiting", *nsealed, ndl - *nsealed);
	node_audit(n, "envelope-resealed", m->id, n->cfg.node, ad);
	r = HL_OK;
out:
	hl_free(raw);
	return r;
}

/* Re-seal every envelope pending for ps whose wrap for it is older than its
 * current descriptor (or missing: awaiting-key). */
void
node_reseal_for_peer(struct hl_node *n, struct peer_state *ps)
{
	uint8_t (*ids)[HL_ID_BYTES] = NULL;
	struct hl_delivery *dl = NULL;
	struct hl_envelope e;
	struct hl_label label;
	struct hl_msg m;
	size_t cnt = 0, ndl = 0, i;
	unsigned w, sealed, done = 0;
	int need, r;

	if (ps->desc_raw == NULL ||
	    hl_store_pending_for(n->store, ps->conf->node, 0, &ids, &cnt, 100000) != HL_OK)
		return;
	for (i = 0; i < cnt; i++) {
		memset(&m, 0, sizeof(m));
		if (hl_store_get(n->store, ids[i], 1, &m) != HL_OK)
			continue;
		need = 1;
		if (hl_envelope_decode(m.raw, m.raw_len, &e) == HL_OK) {
			for (w = 0; w < e.nwraps; w++)
				if (strcmp(e.wraps[w].node, ps->conf->node) == 0 &&
				    e.wraps[w].kem_epoch >= ps->desc.epoch && e.suite == n->cfg.suite)
					need = 0;
		}
		if (need && hl_label_decode(m.label, m.label_len, &label) == HL_OK &&
		    hl_store_deliveries(n->store, ids[i], &dl, &ndl) == HL_OK) {
			if ((r = node_begin(n)) == HL_OK &&
			    (r = reseal(n, &m, &label, dl, ndl, &sealed)) == HL_OK &&
			    (r = node_commit(n)) == HL_OK) {
				done++;
				node_inflight_del(ps, ids[i]);
			} else {
				hl_store_rollback(n->store);
				log_warnx("re-seal for %s failed: %s", ps->conf->node, hl_strerror(r));
			}
			HL_FREE(dl);
		}
		hl_msg_clear(&m);
	}
	hl_free(ids);
	if (done > 0)
		log_info("re-sealed %u envelope(s) to %s's KEM keys of epoch %u", done,
		    ps->conf->node, (unsigned)ps->desc.epoch);
}

/* The certificate in a descriptor (sent by the peer itself or relayed to us)
 * must chain to the CA configured (and pinned) for that node's partner and
 * name that node. The CA was read at start (the network process may not be
 * able to read the configuration directory once it has dropped privileges). */
int
node_verify_peer_cert(const struct hl_node *n, const struct peer_state *ps, const uint8_t *der,
    size_t len)
{
	const unsigned char *q = der;
	X509 *x = NULL;
	X509_STORE *st = NULL;
	X509_STORE_CTX *ctx = NULL;
	char name[HL_NODE_NAME_MAX + 1];
	int r = HL_ERR_AUTH;

	/* revoked by its partner's CA (node_revoke.c): refused */
	if (node_revoked(n, der, len))
		return HL_ERR_AUTH;
	if (ps->ca == NULL || (x = d2i_X509(NULL, &q, (long)len)) == NULL || q != der + len)
		goto out;
	if ((st = X509_STORE_new()) == NULL || X509_STORE_add_cert(st, ps->ca) != 1 ||
	    (ctx = X509_STORE_CTX_new()) == NULL || X509_STORE_CTX_init(ctx, st, x, NULL) != 1)
		goto out;
	if (X509_verify_cert(ctx) != 1)
		goto out;
	if (hl_pki_cert_node_name(x, name) != HL_OK || strcmp(name, ps->conf->node) != 0)
		goto out;
	r = HL_OK;
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	X509_free(x);
	ERR_clear_error();
	return r;
}

/* Verify a descriptor the peer sent on its link (HELLO or DESCRIPTOR) and
 * adopt it: stored, queue re-sealed, DESCRIPTOR_ACK sent. Its certificate
 * certifies the peer's signing key, not its TLS key (issue 7): it must chain
 * to the CA pinned for the link's peer and name that node. */
int
node_adopt_descriptor(struct hl_node *n, struct peer_state *ps, const uint8_t *p, size_t len)
{
	struct hl_descriptor d;
	struct hl_signer *s = NULL;
	struct hl_buf b;
	size_t al;
	uint8_t *copy, *ap;
	char why[200];
	int r;

	if ((s = hl_malloc(sizeof(*s))) == NULL)
		return HL_ERR_NOMEM;
	if ((r = hl_descriptor_decode(p, len, &d)) != HL_OK ||
	    strcmp(d.node, ps->conf->node) != 0 ||
	    node_verify_peer_cert(n, ps, d.cert, d.cert_len) != HL_OK ||
	    (r = hl_verify_descriptor(&d, p, hl_now_ms(), s)) != HL_OK) {
		hl_free(s);
		return HL_ERR_AUTH;
	}
	r = node_descriptor_acceptable(n, ps, &d, s, why, sizeof(why));
	hl_free(s);
	if (r != HL_OK) {
		log_warnx("link %s: descriptor refused: %s", ps->conf->node, why);
		node_audit(n, "descriptor-refused", NULL, ps->conf->node, why);
		return HL_ERR_AUTH;
	}
	if (ps->desc_raw != NULL && d.epoch < ps->desc.epoch)
		return HL_ERR_INVALID;   /* KEM epochs never go backwards */
	if (ps->desc_raw == NULL || ps->desc_len != len || memcmp(ps->desc_raw, p, len) != 0) {
		if ((copy = hl_malloc(len)) == NULL)
			return HL_ERR_NOMEM;
		memcpy(copy, p, len);
		if ((r = hl_store_peer_put(n->store, ps->conf->node, p, len, hl_now_ms())) != HL_OK)
			log_warnx("link %s: cannot store descriptor: %s", ps->conf->node, hl_strerror(r));
		if ((r = node_peer_set_descriptor(n, ps, copy, len)) != HL_OK)
			return r;
	}
	node_reseal_for_peer(n, ps);
	hl_buf_init(&b, 8);
	if (hl_descriptor_ack_encode(ps->desc.epoch, &b) == HL_OK) {
		ap = hl_buf_steal(&b, &al);
		if (hl_link_send(ps->link, HL_FRAME_DESCRIPTOR_ACK, ap, al) != HL_OK)
			log_debug("descriptor ack to %s not sent", ps->conf->node);
		hl_free(ap);
	}
	hl_buf_free(&b);
	return HL_OK;
}

const uint8_t *
node_descriptor_for(const struct hl_node *n, unsigned proto, size_t *len)
{
	if (proto < HL_LINK_PROTO_HYBRID && n->desc_classic != NULL) {
		*len = n->desc_classic_len;
		return n->desc_classic;
	}
	*len = n->desc_len;
	return n->desc;
}

unsigned
node_peer_proto(const struct peer_state *ps)
{
	if (ps->proto != 0)
		return ps->proto;
	return ps->sig.npk > 0 ? HL_LINK_PROTO_HYBRID : 0;
}

void
node_envelope_signer(const struct hl_node *n, const struct peer_state *ps,
    const struct hl_envelope *e, struct hl_signer *out)
{
	const struct peer_state *w;
	unsigned i;

	*out = ps->sig;
	/* only an Ed25519-only envelope needs the exception (no lookups for
	 * the hybrid ones, every envelope of an upgraded federation) */
	if (e->version == HL_ENVELOPE_VERSION_HYBRID)
		return;
	for (i = 0; i < e->nwraps && i < HL_RECIPIENTS_MAX && !out->allow_classical; i++)
		if ((w = node_peer_by_name((struct hl_node *)n, e->wraps[i].node)) != NULL &&
		    w->have_pub && w->sig.npk == 0)
			out->allow_classical = 1;
}

uint8_t
node_sig_version(const struct hl_node *n, unsigned proto)
{
	if (proto >= HL_LINK_PROTO_HYBRID && hl_sig_suite_mldsa(n->cfg.sig_suite) > 0)
		return HL_ENVELOPE_VERSION_HYBRID;
	return proto >= 3 ? HL_ENVELOPE_VERSION_BATCH : HL_ENVELOPE_VERSION;
}

void
node_write_descriptor(struct hl_node *n)
{
	int r;

	if (n->desc == NULL)
		return;
	if ((r = hl_store_own_put(n->store, n->cfg.node, "descriptor", n->desc, n->desc_len,
	    hl_now_ms())) != HL_OK)
		log_warnx("cannot store our descriptor: %s", hl_strerror(r));
}

void
node_broadcast_descriptor(struct hl_node *n)
{
	const uint8_t *d;
	size_t dl = 0;
	unsigned i;

	for (i = 0; i < n->npeers; i++) {
		if (!n->peers[i].up)
			continue;
		d = node_descriptor_for(n, n->peers[i].proto, &dl);
		if (hl_link_send(n->peers[i].link, HL_FRAME_DESCRIPTOR, d, dl) != HL_OK)
			log_warnx("link %s: cannot send our new descriptor", n->peers[i].conf->node);
	}
}

/* Old KEM secret keys go once every peer that is up has adopted our current
 * descriptor (frames on a link are ordered, so nothing sealed to an older
 * epoch can still arrive on it; a peer that is down re-seals to the current
 * descriptor it receives in HELLO before it sends), and never later than
 * kem_keep after the rotation. */
void
node_erase_old_kem_keys(struct hl_node *n, uint64_t now)
{
	struct hl_kem_info info[4];
	uint32_t cur = hl_keys_epoch(n->keys);
	unsigned i, erased = 0;
	char ad[128];
	int all_acked = 1;

	if (hl_keys_list(n->keys, info, 1) == 0 || info[0].epoch >= cur)
		return;
	for (i = 0; i < n->npeers; i++)
		if (n->peers[i].up && n->peers[i].acked_epoch < cur)
			all_acked = 0;
	if (!all_acked && now - hl_keys_epoch_created_ms(n->keys) < 1000ull * n->cfg.kem_keep_s)
		return;
	if (hl_keys_erase_before(n->keys, n->kem_dir, cur, &erased) != HL_OK)
		log_warnx("KEM keys: could not unlink every old key file");
	if (erased == 0)
		return;
	snprintf(ad, sizeof(ad), "erased %u key pair(s) of epochs before %u (%s)", erased,
	    (unsigned)cur, all_acked ? "every linked peer adopted the new keys" :
	    "kem_keep bound reached");
	log_info("KEM keys: %s", ad);
	node_audit(n, "kem-erased", NULL, n->cfg.node, ad);
}

int
hl_node_rotate(struct hl_node *n, char *err, size_t errlen)
{
	uint32_t epoch;
	char ad[64];
	int r;

	if ((r = hl_keys_rotate(n->keys, n->kem_dir, &epoch, err, errlen)) != HL_OK)
		return r;
	if ((r = node_refresh_descriptor(n)) != HL_OK) {
		snprintf(err, errlen, "cannot sign the new descriptor: %s", hl_strerror(r));
		return r;
	}
	snprintf(ad, sizeof(ad), "new epoch %u", (unsigned)epoch);
	log_info("KEM keys rotated: %s", ad);
	node_audit(n, "kem-rotated", NULL, n->cfg.node, ad);
	node_broadcast_descriptor(n);
	return HL_OK;
}

int
hl_node_keys(struct hl_node *n, struct hl_kem_info *out, size_t max, size_t *count,
    uint64_t *next_rotation_ms)
{
	*count = hl_keys_list(n->keys, out, max);
	*next_rotation_ms = hl_keys_epoch_created_ms(n->keys) + 1000ull * n->cfg.kem_rotate_s;
	return HL_OK;
}

/* ---- ML-DSA signing keys (keys.h) ---- */

/* The signature suite this node signs with (enum hl_sig_suite, sig_suite). */
static int
node_sig_suite(const struct hl_node *n)
{
	return n->cfg.sig_suite;
}

/* The public key our last rotation replaced, still announced in our
 * descriptor so that what it signed (envelopes waiting in queues,
 * checkpoints) verifies at partners; kept in the store ("sigkey-prev"). */
void
node_sig_prev_load(struct hl_node *n)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	if (hl_store_own_get(n->store, n->cfg.node, "sigkey-prev", &buf, &len) != HL_OK)
		return;
	if (len != hl_mldsa_pk_bytes(hl_sig_suite_mldsa(n->cfg.sig_suite))) {
		log_info("the ML-DSA key replaced last is not of suite %s: not announced",
		    hl_sig_suite_name(n->cfg.sig_suite) != NULL ?
		    hl_sig_suite_name(n->cfg.sig_suite) : "?");
		hl_free(buf);
		return;
	}
	hl_free(n->sig_prev_pk);
	n->sig_prev_pk = buf;
	n->sig_prev_len = len;
}

/* Keep the key about to be replaced (stored first). */
static int
sig_prev_keep(struct hl_node *n, int param, char *err, size_t errlen)
{
	uint8_t *pk;
	size_t len = 0;
	int r;

	if ((pk = hl_malloc(HL_MLDSA_MAX_PK_BYTES)) == NULL)
		return HL_ERR_NOMEM;
	if (hl_keys_mldsa_pub(n->keys, param, pk, HL_MLDSA_MAX_PK_BYTES, &len) != HL_OK) {
		hl_free(pk);
		return HL_OK;   /* none yet: nothing to keep */
	}
	if ((r = hl_store_own_put(n->store, n->cfg.node, "sigkey-prev", pk, len,
	    hl_now_ms())) != HL_OK) {
		snprintf(err, errlen, "cannot store the replaced public key: %s", hl_strerror(r));
		hl_free(pk);
		return r;
	}
	hl_free(n->sig_prev_pk);
	n->sig_prev_pk = pk;
	n->sig_prev_len = len;
	return HL_OK;
}

int
hl_node_sig_keys(struct hl_node *n, struct hl_sigkey_info *out, size_t max, size_t *count,
    int *suite)
{
	*count = hl_keys_sig_list(n->keys, out, max);
	*suite = node_sig_suite(n);
	return HL_OK;
}

int
hl_node_rotate_sig(struct hl_node *n, int param, char *err, size_t errlen)
{
	struct hl_sigkey_info info[2];
	char fp[65], ad[128];
	size_t cnt, i;
	int r;

	if (param == 0 && (param = hl_sig_suite_mldsa(node_sig_suite(n))) <= 0)
		param = HL_MLDSA_65;
	if (param == hl_sig_suite_mldsa(node_sig_suite(n)) &&
	    (r = sig_prev_keep(n, param, err, errlen)) != HL_OK)
		return r;
	if ((r = hl_keys_rotate_sig(n->keys, param, err, errlen)) != HL_OK)
		return r;
	cnt = hl_keys_sig_list(n->keys, info, sizeof(info) / sizeof(info[0]));
	for (i = 0; i < cnt && info[i].param != param; i++)
		;
	if (i < cnt)
		hl_hex_encode(info[i].fp, sizeof(info[i].fp), fp);
	else
		snprintf(fp, sizeof(fp), "unknown");
	snprintf(ad, sizeof(ad), "ml-dsa-%d sha256=%s", param, fp);
	log_info("ML-DSA signing key replaced: %s", ad);
	node_audit(n, "sig-key-rotated", NULL, n->cfg.node, ad);
	/* partners learn the new public key from our descriptor */
	if ((r = node_refresh_descriptor(n)) != HL_OK) {
		snprintf(err, errlen, "cannot sign the new descriptor: %s", hl_strerror(r));
		return r;
	}
	node_broadcast_descriptor(n);
	return HL_OK;
}
