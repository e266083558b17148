/* node_revoke.c: revocation notices at the node (revoke.h): kept, applied
 * to links and descriptors, passed on to every peer (docs/PROTOCOL.md,
 * "Revocation notices"). */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "alloc.h"
#include "buf.h"
#include "clock.h"
#include "log.h"
#include "node_int.h"
#include "revoke.h"

static void
sha256(const uint8_t *p, size_t n, uint8_t out[static 32])
{
	unsigned int l = 0;

	if (EVP_Digest(p, n, out, &l, EVP_sha256(), NULL) != 1 || l != 32)
		memset(out, 0, 32);
}

int
node_revoked(const struct hl_node *n, const uint8_t *der, size_t len)
{
	uint8_t h[32];
	size_t i;

	if (n->nrevoked == 0 || der == NULL)
		return 0;
	sha256(der, len, h);
	for (i = 0; i < n->nrevoked; i++)
		if (memcmp(n->revoked[i], h, 32) == 0)
			return 1;
	return 0;
}

static void
revoked_add(struct hl_node *n, const uint8_t h[static 32])
{
	size_t i;

	for (i = 0; i < n->nrevoked; i++)
		if (memcmp(n->revoked[i], h, 32) == 0)
			return;
	if (n->nrevoked < HL_STORE_REVOCATIONS_MAX)
		memcpy(n->revoked[n->nrevoked++], h, 32);
}

int
node_revoke_load(struct hl_node *n, char *err, size_t errlen)
{
	struct hl_revocation rv;
	uint8_t **notices = NULL;
	size_t *lens = NULL, cnt = 0, i;
	FILE *f;
	int r;

	if ((f = fopen(n->cfg.ca_path, "r")) != NULL) {
		n->own_ca = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (n->own_ca == NULL) {
		snprintf(err, errlen, "%s: cannot read our partner's CA certificate", n->cfg.ca_path);
		return HL_ERR_CONFIG;
	}
	if ((r = hl_store_revocations(n->store, &notices, &lens, &cnt)) != HL_OK) {
		snprintf(err, errlen, "cannot read the revocation notices: %s",
		    hl_store_errmsg(n->store));
		return r;
	}
	for (i = 0; i < cnt; i++) {
		/* verified when kept: only their certificates are needed */
		if (hl_revocation_decode(notices[i], lens[i], &rv) == HL_OK)
			revoked_add(n, rv.cert_sha256);
		hl_free(notices[i]);
	}
	hl_free(notices);
	hl_free(lens);
	if (n->nrevoked > 0)
		log_info("%zu revoked certificate(s) refused", n->nrevoked);
	return HL_OK;
}

/* The CA a notice of partner must verify with: ours, or a peer's pin. */
static X509 *
partner_ca(struct hl_node *n, const char *partner)
{
	unsigned i;

	if (strcmp(partner, n->cfg.partner) == 0)
		return n->own_ca;
	for (i = 0; i < n->npeers; i++)
		if (!n->peers[i].conf->removed && strcmp(n->peers[i].conf->partner, partner) == 0 &&
		    n->peers[i].ca != NULL)
			return n->peers[i].ca;
	return NULL;
}

/* Close every link whose certificate is the revoked one. */
static unsigned
close_revoked(struct hl_node *n, const uint8_t h[static 32])
{
	const uint8_t *der;
	uint8_t lh[32];
	size_t len;
	unsigned i, closed = 0;

	for (i = 0; i < n->npeers; i++) {
		struct peer_state *ps = &n->peers[i];

		if (ps->link == NULL || hl_link_peer_cert(ps->link, &der, &len) != HL_OK)
			continue;
		sha256(der, len, lh);
		if (memcmp(lh, h, 32) != 0)
			continue;
		snprintf(ps->last_error, sizeof(ps->last_error), "certificate revoked");
		hl_link_close(ps->link, "its certificate was revoked");
		closed++;
	}
	return closed;
}

int
node_revocation_apply(struct hl_node *n, const uint8_t *p, size_t len, struct peer_state *from,
    const char *via, char *why, size_t whylen)
{
	struct hl_revocation rv;
	char ad[HL_AUDIT_DETAIL_MAX], hex[17];
	unsigned i, closed;
	X509 *ca;
	int r;

	if ((r = hl_revocation_decode(p, len, &rv)) != HL_OK) {
		snprintf(why, whylen, "not a revocation notice (%s)", hl_strerror(r));
		return r;
	}
	if ((ca = partner_ca(n, rv.partner)) == NULL) {
		snprintf(why, whylen, "no CA is pinned for partner %s", rv.partner);
		return HL_ERR_UNKNOWN_PEER;
	}
	if (hl_revocation_verify(&rv, p, len, ca) != HL_OK) {
		snprintf(why, whylen, "not signed by the CA pinned for partner %s", rv.partner);
		return HL_ERR_BAD_SIGNATURE;
	}
	r = hl_store_revocation_put(n->store, rv.cert_sha256, rv.partner, rv.node, p, len,
	    hl_now_ms());
	if (r == HL_ERR_EXISTS) {
		snprintf(why, whylen, "known already");
		return r;
	}
	if (r != HL_OK) {
		snprintf(why, whylen, "cannot keep it: %s", hl_store_errmsg(n->store));
		return r;
	}
	revoked_add(n, rv.cert_sha256);
	closed = close_revoked(n, rv.cert_sha256);
	hl_hex_encode(rv.cert_sha256, 8, hex);
	snprintf(ad, sizeof(ad), "partner %s revoked a certificate of %s (SHA-256 %s...): %s; "
	    "via %s; %u link(s) closed", rv.partner, rv.node, hex, rv.reason, via, closed);
	log_warnx("certificate revoked: %s", ad);
	node_audit(n, "certificate-revoked", NULL, rv.partner, ad);
	for (i = 0; i < n->npeers; i++) {
		struct peer_state *ps = &n->peers[i];

		if (ps != from && ps->up && ps->link != NULL && ps->proto >= 4 &&
		    hl_link_send(ps->link, HL_FRAME_REVOCATION, p, len) != HL_OK)
			log_debug("revocation to %s not sent", ps->conf->node);
	}
	return HL_OK;
}

void
node_send_revocations(struct hl_node *n, struct peer_state *ps)
{
	uint8_t **notices = NULL;
	size_t *lens = NULL, cnt = 0, i;

	if (ps->proto < 4 || ps->link == NULL ||
	    hl_store_revocations(n->store, &notices, &lens, &cnt) != HL_OK)
		return;
	for (i = 0; i < cnt; i++) {
		if (hl_link_send(ps->link, HL_FRAME_REVOCATION, notices[i], lens[i]) != HL_OK)
			log_debug("revocation to %s not sent", ps->conf->node);
		hl_free(notices[i]);
	}
	hl_free(notices);
	hl_free(lens);
}

int
hl_node_revoke(struct hl_node *n, const uint8_t *p, size_t len, const char *who, char *why,
    size_t whylen)
{
	char via[HL_OPERATOR_MAX + 16];

	snprintf(via, sizeof(via), "operator %s", who);
	return node_revocation_apply(n, p, len, NULL, via, why, whylen);
}

int
node_handle_revocation(struct hl_node *n, struct peer_state *ps, struct node_frame *f)
{
	char why[160], ad[HL_AUDIT_DETAIL_MAX];
	int r;

	r = node_revocation_apply(n, f->p, f->len, ps, ps->conf->node, why, sizeof(why));
	if (r == HL_OK || r == HL_ERR_EXISTS)
		return HL_OK;
	/* a notice that does not verify is refused, not obeyed; the link stays */
	snprintf(ad, sizeof(ad), "from %s: %s", ps->conf->node, why);
	log_warnx("revocation notice refused: %s", ad);
	node_audit(n, "revocation-refused", NULL, ps->conf->node, ad);
	return HL_OK;
}
