/* node_witness.c: witnessing. Our signed audit checkpoints go to every
 * partner, and we keep theirs, each new one only once a consistency proof
 * shows it extends the last we kept; a contradiction is a fork, audited
 * and raised as an ALERT. CHECKPOINT_ACK tells the origin, signed, what we
 * made of its checkpoint, and we keep what partners tell us about ours
 * (docs/internals/audit.md, "Witnessing"). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "clock.h"
#include "log.h"
#include "node_int.h"

_Static_assert(HL_PROOF_HASHES_MAX == HL_MERKLE_PROOF_MAX, "CONSISTENCY frame limit");

/* The latest checkpoint of ps we kept, into ps->wit_*. */
static void
witness_load(struct hl_node *n, struct peer_state *ps)
{
	struct hl_checkpoint cp;
	uint8_t *raw = NULL;
	size_t len = 0;

	if (hl_store_witness_last(n->store, ps->conf->node, &raw, &len) == HL_OK &&
	    hl_checkpoint_decode(raw, len, &cp) == HL_OK) {
		ps->wit_have = 1;
		ps->wit_size = cp.size;
		ps->wit_time_ms = cp.time_ms;
		memcpy(ps->wit_root, cp.root, sizeof(ps->wit_root));
	}
	hl_free(raw);
}

/* A checkpoint acknowledgement's signature by ps: version 1 (Ed25519) only
 * where its classical signatures are accepted. */
static int
ack_verify(const struct peer_state *ps, const uint8_t *raw, const struct hl_checkpoint_ack *a)
{
	uint8_t dg[64];

	if (!ps->have_pub || hl_checkpoint_ack_digest(raw, a->signed_len, dg) != HL_OK)
		return HL_ERR_AUTH;
	if (a->version == HL_CHECKPOINT_ACK_VERSION)
		return ps->sig.allow_classical ?
		    hl_verify_sig(ps->pub, HL_SIGN_CHECKPOINT_ACK, dg, a->sig) : HL_ERR_DENIED;
	return hl_signer_verify(&ps->sig, HL_SIGN_CHECKPOINT_ACK, dg, a->hsig.p, a->hsig.len);
}

static void
send_checkpoint_ack(struct hl_node *n, struct peer_state *ps, const struct hl_checkpoint *cp,
    uint8_t result)
{
	struct hl_checkpoint_ack a;
	struct hl_buf b;
	uint8_t dg[64], hs[HL_HYBSIG_MAX_BYTES];
	size_t sl, tail, hl = 0;
	int hybrid = node_sig_version(n, ps->proto) == HL_ENVELOPE_VERSION_HYBRID;

	if (!ps->up)
		return;
	memset(&a, 0, sizeof(a));
	a.version = hybrid ? HL_CHECKPOINT_ACK_VERSION_HYBRID : HL_CHECKPOINT_ACK_VERSION;
	if (hybrid)
		hl_hsig_placeholder(n->cfg.sig_suite, &a.hsig);
	snprintf(a.witness, sizeof(a.witness), "%s", n->cfg.node);
	snprintf(a.origin, sizeof(a.origin), "%s", ps->conf->node);
	a.size = cp->size;
	memcpy(a.root, cp->root, HL_SHA256);
	a.result = result;
	a.time_ms = hl_now_ms();
	hl_buf_init(&b, HL_CHECKPOINT_ACK_MAX_BYTES);
	/* encode with a blank signature, sign the bytes before it, fill it in */
	tail = hybrid ? a.hsig.len : HL_ED25519_SIG;
	if (hl_checkpoint_ack_encode(&a, &b) != HL_OK || b.len < tail)
		goto out;
	sl = b.len - tail;
	if (hl_checkpoint_ack_digest(b.data, sl, dg) != HL_OK ||
	    (hybrid ? hl_keys_hybsign(n->keys, n->cfg.sig_suite, HL_SIGN_CHECKPOINT_ACK, dg, hs,
	    sizeof(hs), &hl) != HL_OK || hl != tail :
	    hl_keys_sign(n->keys, HL_SIGN_CHECKPOINT_ACK, dg, b.data + sl) != HL_OK)) {
		log_warnx("checkpoint acknowledgement to %s not signed", ps->conf->node);
		goto out;
	}
	if (hybrid)
		memcpy(b.data + sl, hs, hl);
	if (hl_link_send(ps->link, HL_FRAME_CHECKPOINT_ACK, b.data, b.len) != HL_OK)
		log_debug("checkpoint acknowledgement to %s not sent", ps->conf->node);
out:
	hl_buf_free(&b);
}

static void
ours_set(struct peer_state *ps, const struct hl_checkpoint_ack *a)
{
	ps->ours_size = a->size;
	ps->ours_ms = a->time_ms;
	ps->ours_result = a->result;
}

/* At start: the latest acknowledgement each partner sent us. */
static void
witnessed_load(struct hl_node *n, struct peer_state *ps)
{
	struct hl_checkpoint_ack a;
	uint8_t *raw = NULL;
	size_t len = 0;

	if (hl_store_witnessed_get(n->store, ps->conf->node, &raw, &len) == HL_OK &&
	    hl_checkpoint_ack_decode(raw, len, &a) == HL_OK &&
	    strcmp(a.witness, ps->conf->node) == 0 && strcmp(a.origin, n->cfg.node) == 0 &&
	    (!ps->have_pub || ack_verify(ps, raw, &a) == HL_OK))
		ours_set(ps, &a);
	hl_free(raw);
}

/* A partner's word on our checkpoint: verified with its node key, kept when
 * it is about a checkpoint at least as large as the last one (a fork is
 * always kept), audited and logged as an ALERT when it says fork. An old
 * partner never sends one: its status stays "none". */
int
node_handle_checkpoint_ack(struct hl_node *n, struct peer_state *ps, struct node_frame *f)
{
	const uint8_t *p = f->p;
	size_t len = f->len;
	struct hl_checkpoint_ack a;
	char ad[HL_AUDIT_DETAIL_MAX], root[2 * HL_SHA256 + 1];
	int r;

	if ((r = hl_checkpoint_ack_decode(p, len, &a)) != HL_OK) {
		f->why = "malformed checkpoint acknowledgement";
		return HL_ERR_MALFORMED;
	}
	if (strcmp(a.witness, ps->conf->node) != 0 || strcmp(a.origin, n->cfg.node) != 0 ||
	    ack_verify(ps, p, &a) != HL_OK) {
		log_warnx("link %s: checkpoint acknowledgement does not verify: dropped",
		    ps->conf->node);
		node_audit(n, "checkpoint-ack-invalid", NULL, ps->conf->node,
		    "not signed by the peer's node key, or not about our checkpoint");
		return HL_OK;
	}
	if (a.result == HL_WITNESS_FORK) {
		hl_hex_encode(a.root, HL_SHA256, root);
		snprintf(ad, sizeof(ad), "size %" PRIu64 " root %s", a.size, root);
		log_warnx("ALERT: %s says our audit log contradicts the checkpoint it witnessed: %s",
		    ps->conf->node, ad);
		node_audit(n, "checkpoint-disputed", NULL, ps->conf->node, ad);
	} else if (ps->ours_result != 0 && a.size < ps->ours_size) {
		return HL_OK;   /* an older one, after a newer one */
	}
	if ((r = hl_store_witnessed_put(n->store, ps->conf->node, p, len, hl_now_ms())) != HL_OK)
		log_warnx("checkpoint acknowledgement of %s not kept: %s", ps->conf->node,
		    hl_strerror(r));
	ours_set(ps, &a);
	return HL_OK;
}

/* ps's log contradicts what we witnessed of it: evidence in our audit log,
 * an ALERT for the watch, and its later checkpoints are ignored until we
 * restart (when the link comes up again it is checked afresh). */
static void
witness_fork(struct hl_node *n, struct peer_state *ps, const struct hl_checkpoint *cp,
    const char *what)
{
	char had[2 * HL_MERKLE_HASH + 1], got[2 * HL_MERKLE_HASH + 1], ad[HL_AUDIT_DETAIL_MAX];

	hl_hex_encode(ps->wit_root, HL_MERKLE_HASH, had);
	hl_hex_encode(cp->root, HL_MERKLE_HASH, got);
	snprintf(ad, sizeof(ad), "%s: witnessed size %" PRIu64 " root %s; now size %" PRIu64
	    " root %s", what, ps->wit_size, had, cp->size, got);
	log_warnx("ALERT: audit log of %s contradicts its checkpoint we witnessed: %s",
	    ps->conf->node, ad);
	node_audit(n, "witness-fork", NULL, ps->conf->node, ad);
	ps->fork = 1;
	ps->wit_pending = 0;
	snprintf(ps->fork_why, sizeof(ps->fork_why), "%s at size %" PRIu64 " (witnessed %" PRIu64
	    ")", what, cp->size, ps->wit_size);
	send_checkpoint_ack(n, ps, cp, HL_WITNESS_FORK);
}

/* Keep a verified checkpoint of ps that is consistent with what we kept. */
static void
witness_keep(struct hl_node *n, struct peer_state *ps, const uint8_t *raw, size_t len,
    const struct hl_checkpoint *cp)
{
	int r = hl_store_witness_put(n->store, ps->conf->node, raw, len);

	if (r == HL_ERR_CORRUPT) {
		witness_fork(n, ps, cp, "two different roots signed at one size");
		return;
	}
	if (r != HL_OK && r != HL_ERR_EXISTS) {
		log_warnx("checkpoint of %s at size %" PRIu64 " not kept: %s", ps->conf->node,
		    cp->size, hl_strerror(r));
		return;
	}
	if (!ps->wit_have || cp->size >= ps->wit_size) {
		ps->wit_have = 1;
		ps->wit_size = cp->size;
		ps->wit_time_ms = cp->time_ms;
		memcpy(ps->wit_root, cp->root, sizeof(ps->wit_root));
	}
	send_checkpoint_ack(n, ps, cp, HL_WITNESS_OK);
}

/* A link of protocol < 5 reads version 1 checkpoints: the same tree head,
 * signed Ed25519 alone for it. */
static int
classic_checkpoint(struct hl_node *n, const uint8_t *raw, size_t len, struct hl_buf *out)
{
	struct hl_checkpoint c;
	uint8_t d[64];
	int r;

	if ((r = hl_checkpoint_decode(raw, len, &c)) != HL_OK)
		return r;
	c.version = HL_CHECKPOINT_VERSION;
	memset(&c.hsig, 0, sizeof(c.hsig));
	if ((r = hl_checkpoint_encode(&c, out)) != HL_OK ||
	    (r = hl_checkpoint_digest(out->data, out->len - HL_ED25519_SIG, d)) != HL_OK)
		return r;
	return hl_keys_sign(n->keys, HL_SIGN_CHECKPOINT, d, out->data + out->len - HL_ED25519_SIG);
}

static void
send_checkpoint(struct hl_node *n, struct peer_state *ps, const uint8_t *raw, size_t len)
{
	struct hl_buf b;

	if (!ps->up)
		return;
	hl_buf_init(&b, HL_CHECKPOINT_MAX_BYTES);
	if (len > 4 && raw[4] == HL_CHECKPOINT_VERSION_HYBRID && ps->proto < HL_LINK_PROTO_HYBRID) {
		if (classic_checkpoint(n, raw, len, &b) != HL_OK) {
			log_warnx("checkpoint for %s (protocol %u) not signed", ps->conf->node,
			    ps->proto);
			goto out;
		}
		raw = b.data;
		len = b.len;
	}
	if (hl_link_send(ps->link, HL_FRAME_CHECKPOINT, raw, len) != HL_OK)
		log_debug("checkpoint to %s not sent", ps->conf->node);
out:
	hl_buf_free(&b);
}

/* On link-up: our latest checkpoint, if any. */
void
node_send_last_checkpoint(struct hl_node *n, struct peer_state *ps)
{
	uint8_t *raw = NULL;
	size_t len = 0;

	if (hl_store_audit_checkpoint_last(n->store, &raw, &len) == HL_OK)
		send_checkpoint(n, ps, raw, len);
	hl_free(raw);
}

/* Sign a checkpoint over our audit log when it grew and send it to every
 * linked peer. No audit entry per checkpoint (it would grow the log it
 * signs). */
void
node_audit_checkpoint(struct hl_node *n, uint64_t now)
{
	uint8_t *raw = NULL;
	size_t len = 0;
	unsigned i;
	int r;

	if (n->checkpoint_refused)
		return;
	n->checkpoint_ms = now;
	r = hl_store_audit_checkpoint(n->store, n->keys, n->cfg.node, n->cfg.sig_suite, now, &raw,
	    &len);
	if (r == HL_OK) {
		for (i = 0; i < n->npeers; i++)
			send_checkpoint(n, &n->peers[i], raw, len);
	} else if (r == HL_ERR_CORRUPT) {
		n->checkpoint_refused = 1;
		log_warnx("ERROR: audit checkpoint refused: the audit log does not extend the last "
		    "signed checkpoint (run hotline audit verify); no more checkpoints");
		node_audit(n, "checkpoint-refused", NULL, n->cfg.node,
		    "the audit log does not extend the last signed checkpoint");
	} else if (r != HL_ERR_EXISTS && r != HL_ERR_NOT_FOUND) {
		log_warnx("audit checkpoint failed: %s", hl_strerror(r));
	}
	hl_free(raw);
}

int
node_handle_checkpoint(struct hl_node *n, struct peer_state *ps, struct node_frame *f)
{
	const uint8_t *p = f->p;
	size_t len = f->len;
	struct hl_checkpoint cp;
	struct hl_buf b;
	int r;

	if (hl_checkpoint_decode(p, len, &cp) != HL_OK) {
		node_audit(n, "checkpoint-invalid", NULL, ps->conf->node, "malformed checkpoint");
		f->why = "malformed checkpoint";
		return HL_ERR_MALFORMED;
	}
	if (!ps->have_pub ||
	    (r = hl_checkpoint_verify(p, len, ps->conf->node, &ps->sig, &cp)) != HL_OK) {
		log_warnx("link %s: checkpoint does not verify: dropped", ps->conf->node);
		node_audit(n, "checkpoint-invalid", NULL, ps->conf->node,
		    "checkpoint not signed by the peer's node key for its name");
		return HL_OK;
	}
	if (ps->fork || cp.size == 0)
		return HL_OK;
	if (!ps->wit_have || cp.size == ps->wit_size) {
		witness_keep(n, ps, p, len, &cp);
		return HL_OK;
	}
	if (cp.size < ps->wit_size) {
		witness_fork(n, ps, &cp, "log truncated");
		return HL_OK;
	}
	/* larger: keep it pending until its consistency proof verifies */
	memcpy(ps->wit_new_raw, p, len);
	ps->wit_new_len = len;
	ps->wit_new = cp;
	ps->wit_new.hsig.p = cp.hsig.p != NULL ? ps->wit_new_raw + (cp.hsig.p - p) : NULL;
	ps->wit_pending = 1;
	hl_buf_init(&b, 16);
	if (hl_consistency_req_encode(ps->wit_size, cp.size, &b) != HL_OK ||
	    hl_link_send(ps->link, HL_FRAME_CONSISTENCY_REQ, b.data, b.len) != HL_OK)
		log_debug("consistency request to %s not sent", ps->conf->node);
	hl_buf_free(&b);
	return HL_OK;
}

int
node_handle_consistency_req(struct hl_node *n, struct peer_state *ps, struct node_frame *f)
{
	const uint8_t *p = f->p;
	size_t len = f->len;
	uint8_t proof[HL_MERKLE_PROOF_MAX][HL_MERKLE_HASH];
	struct hl_checkpoint cp;
	struct hl_consistency req;
	struct hl_buf b;
	uint8_t *raw = NULL;
	size_t rl = 0, plen = 0;
	uint64_t m, nn;
	int r;

	if (hl_consistency_req_decode(p, len, &req) != HL_OK) {
		f->why = "malformed consistency request";
		return HL_ERR_MALFORMED;
	}
	m = req.old_size;
	nn = req.new_size;
	if ((r = hl_store_audit_checkpoint_last(n->store, &raw, &rl)) != HL_OK ||
	    (r = hl_checkpoint_decode(raw, rl, &cp)) != HL_OK || m == 0 || m > nn ||
	    nn > cp.size) {
		log_warnx("link %s: consistency request %" PRIu64 " -> %" PRIu64
		    " not answered (our latest checkpoint: %s)", ps->conf->node, m, nn,
		    r == HL_OK ? "smaller" : hl_strerror(r));
		hl_free(raw);
		return HL_OK;
	}
	hl_free(raw);
	if ((r = hl_store_audit_consistency(n->store, m, nn, proof, &plen)) != HL_OK) {
		log_warnx("consistency proof %" PRIu64 " -> %" PRIu64 " for %s: %s", m, nn,
		    ps->conf->node, hl_strerror(r));
		return HL_OK;
	}
	hl_buf_init(&b, 17 + sizeof(proof));
	if (hl_consistency_encode(m, nn, (const uint8_t (*)[HL_SHA256])proof, plen, &b) != HL_OK ||
	    hl_link_send(ps->link, HL_FRAME_CONSISTENCY, b.data, b.len) != HL_OK)
		log_debug("consistency proof to %s not sent", ps->conf->node);
	hl_buf_free(&b);
	return HL_OK;
}

int
node_handle_consistency(struct hl_node *n, struct peer_state *ps, struct node_frame *f)
{
	const uint8_t *p = f->p;
	size_t len = f->len;
	uint8_t proof[HL_MERKLE_PROOF_MAX][HL_MERKLE_HASH];
	struct hl_consistency c;
	uint64_t m, nn;
	unsigned cnt;

	if (hl_consistency_decode(p, len, &c) != HL_OK) {
		f->why = "malformed consistency proof";
		return HL_ERR_MALFORMED;
	}
	m = c.old_size;
	nn = c.new_size;
	cnt = c.n;
	if (cnt > 0)
		memcpy(proof, c.hashes, (size_t)cnt * HL_MERKLE_HASH);
	if (!ps->wit_pending || ps->fork || m != ps->wit_size || nn != ps->wit_new.size) {
		log_debug("link %s: unexpected consistency proof %" PRIu64 " -> %" PRIu64,
		    ps->conf->node, m, nn);
		return HL_OK;
	}
	ps->wit_pending = 0;
	if (hl_merkle_consistency_verify(m, nn, ps->wit_root, ps->wit_new.root,
	    (const uint8_t (*)[HL_MERKLE_HASH])proof, cnt) != HL_OK) {
		witness_fork(n, ps, &ps->wit_new, "log rewritten: not an extension of the witnessed one");
		return HL_OK;
	}
	witness_keep(n, ps, ps->wit_new_raw, ps->wit_new_len, &ps->wit_new);
	return HL_OK;
}

void
node_witness_load(struct hl_node *n, struct peer_state *ps)
{
	witness_load(n, ps);
	witnessed_load(n, ps);
}
