/* proof.c: checking an audit proof bundle (`hotline audit prove` output)
 * against the certificate of the node that signed its checkpoint. The
 * bundle comes from elsewhere, so it is untrusted input: size limits,
 * strict types, one-line reasons. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "merkle.h"
#include "proof.h"
#include "seal.h"

/* One entry of a proof bundle against the checkpoint c. */
static int
check_entry(const json_t *e, size_t i, const struct hl_checkpoint *c, const char *idhex,
    char *err, size_t errlen)
{
	uint8_t proof[HL_MERKLE_PROOF_MAX][HL_SHA256], leaf[HL_SHA256], want[HL_SHA256];
	struct hl_merkle_entry me;
	json_t *seq, *tm, *ev, *ac, *de, *idv, *pa, *lv, *ix, *v;
	size_t p, plen;
	json_int_t sq;

	seq = json_object_get(e, "seq");
	tm = json_object_get(e, "time_ms");
	ev = json_object_get(e, "event");
	ac = json_object_get(e, "actor");
	de = json_object_get(e, "detail");
	idv = json_object_get(e, "envelope_id");
	pa = json_object_get(e, "proof");
	if (!json_is_integer(seq) || !json_is_integer(tm) || !json_is_string(ev) ||
	    !json_is_string(ac) || !json_is_string(de) || !json_is_array(pa) ||
	    (idv != NULL && !json_is_null(idv) && !json_is_string(idv)) ||
	    json_integer_value(seq) < 1 || json_integer_value(tm) < 0) {
		snprintf(err, errlen, "entry %zu: malformed (needs seq, time_ms, event, actor, "
		    "detail, envelope_id, proof)", i + 1);
		return HL_ERR_MALFORMED;
	}
	sq = json_integer_value(seq);
	memset(&me, 0, sizeof(me));
	me.seq = (uint64_t)sq;
	me.time_ms = (uint64_t)json_integer_value(tm);
	me.event = json_string_value(ev);
	me.event_len = json_string_length(ev);
	me.actor = json_string_value(ac);
	me.actor_len = json_string_length(ac);
	me.detail = json_string_value(de);
	me.detail_len = json_string_length(de);
	if (json_is_string(idv)) {
		if (hl_hex_parse_id(json_string_value(idv), me.id) != HL_OK) {
			snprintf(err, errlen, "entry %zu: malformed envelope_id", i + 1);
			return HL_ERR_MALFORMED;
		}
		me.has_id = 1;
	}
	if (idhex != NULL && (!json_is_string(idv) ||
	    strcasecmp(json_string_value(idv), idhex) != 0)) {
		snprintf(err, errlen, "entry seq %lld: not about envelope %s", (long long)sq, idhex);
		return HL_ERR_MALFORMED;
	}
	if (me.seq > c->size) {
		snprintf(err, errlen, "entry seq %lld: beyond the checkpoint's tree size %" PRIu64,
		    (long long)sq, c->size);
		return HL_ERR_BAD_SIGNATURE;
	}
	ix = json_object_get(e, "index");
	if (ix != NULL && (!json_is_integer(ix) || json_integer_value(ix) != sq - 1)) {
		snprintf(err, errlen, "entry seq %lld: index is not seq - 1", (long long)sq);
		return HL_ERR_MALFORMED;
	}
	plen = json_array_size(pa);
	if (plen > HL_MERKLE_PROOF_MAX) {
		snprintf(err, errlen, "entry seq %lld: proof too long", (long long)sq);
		return HL_ERR_MALFORMED;
	}
	for (p = 0; p < plen; p++) {
		v = json_array_get(pa, p);
		if (!json_is_string(v) || hl_hex_decode(json_string_value(v),
		    json_string_length(v), proof[p], HL_SHA256, 0) != HL_OK) {
			snprintf(err, errlen, "entry seq %lld: proof hash %zu is not 64 hex digits",
			    (long long)sq, p + 1);
			return HL_ERR_MALFORMED;
		}
	}
	if (hl_merkle_entry_leaf(&me, leaf) != HL_OK) {
		snprintf(err, errlen, "entry seq %lld: cannot hash", (long long)sq);
		return HL_ERR_CRYPTO;
	}
	lv = json_object_get(e, "leaf");
	if (lv != NULL && (!json_is_string(lv) || hl_hex_decode(json_string_value(lv),
	    json_string_length(lv), want, HL_SHA256, 0) != HL_OK || memcmp(want, leaf, HL_SHA256) != 0)) {
		snprintf(err, errlen, "entry seq %lld: its fields do not hash to its leaf",
		    (long long)sq);
		return HL_ERR_BAD_SIGNATURE;
	}
	if (hl_merkle_inclusion_verify(me.seq - 1, c->size, leaf,
	    (const uint8_t (*)[HL_SHA256])proof, plen, c->root) != HL_OK) {
		snprintf(err, errlen, "entry seq %lld: not included in the checkpoint of %s at "
		    "size %" PRIu64 " (inclusion proof does not verify)", (long long)sq, c->node,
		    c->size);
		return HL_ERR_BAD_SIGNATURE;
	}
	return HL_OK;
}

int
hl_proof_signer(const uint8_t *desc, size_t desc_len, const uint8_t pub[static HL_ED25519_PUB],
    struct hl_signer *out)
{
	struct hl_descriptor d;
	int r;

	hl_signer_classical(out, pub);
	if (desc == NULL)
		return HL_OK;
	if ((r = hl_descriptor_decode(desc, desc_len, &d)) != HL_OK ||
	    (r = hl_verify_descriptor(&d, desc, d.not_before_ms, out)) != HL_OK ||
	    memcmp(out->ed, pub, HL_ED25519_PUB) != 0) {
		hl_signer_classical(out, pub);
		return HL_ERR_BAD_SIGNATURE;
	}
	out->allow_classical = 1;
	return HL_OK;
}

int
hl_proof_check(const uint8_t *text, size_t len, const char *node,
    const uint8_t pub[static HL_ED25519_PUB], struct hl_checkpoint *c, size_t *nentries,
    char *err, size_t errlen)
{
	uint8_t cp[HL_CHECKPOINT_MAX_BYTES], *desc = NULL;
	struct hl_signer *sg = NULL;
	json_t *j = NULL, *ents, *v, *ts, *idv;
	const char *cphex, *idhex = NULL, *dhex;
	size_t cplen, i, n, dl = 0;
	int r = HL_ERR_MALFORMED;

	memset(c, 0, sizeof(*c));
	*nentries = 0;
	if (len > HL_PROOF_MAX_BYTES) {
		snprintf(err, errlen, "the bundle is larger than %u bytes", HL_PROOF_MAX_BYTES);
		return HL_ERR_TOO_BIG;
	}
	if ((j = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    !json_is_object(j)) {
		snprintf(err, errlen, "not a JSON proof bundle");
		goto out;
	}
	v = json_object_get(j, "checkpoint");
	cphex = json_is_string(v) ? json_string_value(v) : NULL;
	cplen = cphex != NULL ? strlen(cphex) / 2 : 0;
	if (cphex == NULL || cplen > sizeof(cp) || hl_hex_decode(cphex, strlen(cphex), cp, cplen, 0) != HL_OK) {
		snprintf(err, errlen, "the bundle has no valid checkpoint");
		r = HL_ERR_MALFORMED;
		goto out;
	}
	/* the checkpoint's node first: a bundle of another node is named so */
	if (hl_checkpoint_decode(cp, cplen, c) == HL_OK && node != NULL &&
	    strcmp(c->node, node) != 0) {
		snprintf(err, errlen, "the checkpoint is of %.64s but the certificate is of %s",
		    c->node, node);
		r = HL_ERR_AUTH;
		goto out;
	}
	v = json_object_get(j, "descriptor");
	dhex = json_is_string(v) ? json_string_value(v) : NULL;
	if (v != NULL && (dhex == NULL || (dl = strlen(dhex) / 2) > HL_DESCRIPTOR_MAX_BYTES ||
	    (desc = hl_malloc(dl + 1)) == NULL ||
	    hl_hex_decode(dhex, strlen(dhex), desc, dl, 0) != HL_OK)) {
		snprintf(err, errlen, "the bundle's descriptor is malformed");
		r = HL_ERR_MALFORMED;
		goto out;
	}
	if ((sg = hl_malloc(sizeof(*sg))) == NULL) {
		snprintf(err, errlen, "out of memory");
		r = HL_ERR_NOMEM;
		goto out;
	}
	if ((r = hl_proof_signer(desc, dl, pub, sg)) != HL_OK) {
		snprintf(err, errlen, "the bundle's descriptor is not signed by the certificate's key");
		goto out;
	}
	r = hl_checkpoint_verify(cp, cplen, node, sg, c);
	if (r == HL_ERR_AUTH) {
		if (hl_checkpoint_decode(cp, cplen, c) != HL_OK)
			c->node[0] = '\0';
		snprintf(err, errlen, "the checkpoint is of %.64s but the certificate is of %s",
		    c->node, node);
		goto out;
	}
	if (r != HL_OK) {
		snprintf(err, errlen, "checkpoint %s", r == HL_ERR_BAD_SIGNATURE ?
		    "signature does not verify with the certificate's key (and the descriptor's "
		    "ML-DSA key)" : "malformed");
		goto out;
	}
	r = HL_ERR_MALFORMED;
	ts = json_object_get(j, "tree_size");
	if (ts != NULL && (!json_is_integer(ts) || (uint64_t)json_integer_value(ts) != c->size)) {
		snprintf(err, errlen, "tree_size does not match the signed checkpoint "
		    "(%" PRIu64 ")", c->size);
		goto out;
	}
	idv = json_object_get(j, "envelope_id");
	if (idv != NULL) {
		uint8_t id[HL_ID_BYTES];

		if (!json_is_string(idv) || hl_hex_parse_id(json_string_value(idv), id) != HL_OK) {
			snprintf(err, errlen, "malformed envelope_id");
			goto out;
		}
		idhex = json_string_value(idv);
	}
	ents = json_object_get(j, "entries");
	n = json_array_size(ents);
	if (!json_is_array(ents) || n == 0) {
		snprintf(err, errlen, "the bundle has no entries");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((r = check_entry(json_array_get(ents, i), i, c, idhex, err, errlen)) != HL_OK)
			goto out;
	}
	*nentries = n;
	r = HL_OK;
out:
	hl_free(desc);
	hl_free(sg);
	json_decref(j);
	return r;
}
