/* fuzz_linkmsg.c: the link frame payload decoders of envelope.h that have
 * no target of their own. The first input byte is the frame type (as on the
 * wire after the length), the rest its payload. Whatever a decoder accepts
 * must lie inside the input, respect its limits, and encode back to exactly
 * the same bytes. */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "hl_limits.h"
#include "label.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* encode(decode(p)) == p; b is freed */
static void
same(struct hl_buf *b, int r, const uint8_t *p, size_t n)
{
	if (r != HL_OK || b->len != n || (n > 0 && memcmp(b->data, p, n) != 0))
		abort();
	hl_buf_free(b);
}

static void
name_ok(const char *s)
{
	if (strlen(s) > HL_NODE_NAME_MAX || !hl_label_node_name_valid(s, NULL))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hl_routes rt;
	struct hl_ping pg;
	struct hl_receipt_ack ra;
	struct hl_relay rl;
	struct hl_consistency c;
	struct hl_checkpoint_ack ca;
	struct hl_buf b;
	const uint8_t *p;
	uint32_t epoch;
	size_t n;
	unsigned i;

	if (size == 0)
		return 0;
	p = data + 1;
	n = size - 1;
	hl_buf_init(&b, HL_FRAME_LINK_MAX_BYTES);
	switch (data[0]) {
	case HL_FRAME_PING:
	case HL_FRAME_PONG:
		if (hl_ping_decode(p, n, &pg) == HL_OK)
			same(&b, hl_ping_encode(&pg, &b), p, n);
		break;
	case HL_FRAME_RECEIPT_ACK:
		if (hl_receipt_ack_decode(p, n, &ra) == HL_OK) {
			name_ok(ra.from);
			name_ok(ra.issuer);
			same(&b, hl_receipt_ack_encode(&ra, &b), p, n);
		}
		break;
	case HL_FRAME_DESCRIPTOR_ACK:
		if (hl_descriptor_ack_decode(p, n, &epoch) == HL_OK)
			same(&b, hl_descriptor_ack_encode(epoch, &b), p, n);
		break;
	case HL_FRAME_RELAY:
		if (hl_relay_decode(p, n, &rl) == HL_OK) {
			name_ok(rl.final);
			if (rl.env_len == 0 || rl.env < p || rl.env + rl.env_len != p + n)
				abort();
			same(&b, hl_relay_encode(rl.final, rl.env, rl.env_len, &b), p, n);
		}
		break;
	case HL_FRAME_ROUTES:
		if (hl_routes_decode(p, n, &rt) == HL_OK) {
			if (rt.n > HL_ROUTES_MAX)
				abort();
			for (i = 0; i < rt.n; i++)
				name_ok(rt.node[i]);
			same(&b, hl_routes_encode(&rt, &b), p, n);
		}
		break;
	case HL_FRAME_CONSISTENCY_REQ:
		if (hl_consistency_req_decode(p, n, &c) == HL_OK)
			same(&b, hl_consistency_req_encode(c.old_size, c.new_size, &b), p, n);
		break;
	case HL_FRAME_CONSISTENCY:
		if (hl_consistency_decode(p, n, &c) == HL_OK) {
			if (c.n > HL_PROOF_HASHES_MAX ||
			    (c.n > 0 && (c.hashes < p || c.hashes + (size_t)c.n * HL_SHA256 != p + n)))
				abort();
			same(&b, hl_consistency_encode(c.old_size, c.new_size,
			    (const uint8_t (*)[HL_SHA256])c.hashes, c.n, &b), p, n);
		}
		break;
	case HL_FRAME_CHECKPOINT_ACK:
		if (hl_checkpoint_ack_decode(p, n, &ca) == HL_OK) {
			name_ok(ca.witness);
			name_ok(ca.origin);
			if (ca.signed_len + HL_ED25519_SIG != n || n > HL_CHECKPOINT_ACK_MAX_BYTES)
				abort();
			same(&b, hl_checkpoint_ack_encode(&ca, &b), p, n);
		}
		break;
	default:
		break;
	}
	hl_buf_free(&b);
	return 0;
}
