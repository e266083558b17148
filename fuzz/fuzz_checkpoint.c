/* fuzz_checkpoint.c: the checkpoint decoder (merkle.h); accepted input must
 * re-encode to the same bytes, and signature verification of it must fail
 * cleanly (the fixed key below signed nothing). The first input byte also
 * drives a frontier decode and an inclusion / consistency verification over
 * the input's bytes as hashes, for the proof verifiers' bounds. */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "merkle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t pub[HL_ED25519_PUB] = { 0x3d, 0x40, 0x17, 0xc3 };
	static struct hl_signer sg;
	struct hl_merkle_frontier f;
	struct hl_checkpoint c, c2;
	struct hl_buf b;
	uint8_t root[HL_MERKLE_HASH];
	uint64_t m, n;
	size_t nh;

	if (hl_merkle_frontier_decode(data, size, &f) == HL_OK &&
	    hl_merkle_frontier_root(&f, root) != HL_OK)
		abort();
	if (size >= 16 + HL_MERKLE_HASH) {
		/* u64 m, u64 n, then hashes: leaf/old root first, the rest proof */
		memcpy(&m, data, 8);
		memcpy(&n, data + 8, 8);
		m %= 1u << 20;
		n %= 1u << 20;
		nh = (size - 16) / HL_MERKLE_HASH;
		if (nh > HL_MERKLE_PROOF_MAX + 1)
			nh = HL_MERKLE_PROOF_MAX + 1;
		(void)hl_merkle_inclusion_verify(m, n, data + 16,
		    (const uint8_t (*)[HL_MERKLE_HASH])(data + 16), nh - 1, data + 16);
		(void)hl_merkle_consistency_verify(m, n, data + 16, data + 16,
		    (const uint8_t (*)[HL_MERKLE_HASH])(data + 16), nh - 1);
	}
	if (hl_checkpoint_decode(data, size, &c) != HL_OK)
		return 0;
	hl_buf_init(&b, HL_CHECKPOINT_MAX_BYTES);
	if (hl_checkpoint_encode(&c, &b) != HL_OK || b.len != size ||
	    memcmp(b.data, data, size) != 0 ||
	    c.signed_len + (c.version == HL_CHECKPOINT_VERSION ? HL_ED25519_SIG : c.hsig.len) != size)
		abort();
	hl_buf_free(&b);
	hl_signer_classical(&sg, pub);
	if (hl_checkpoint_verify(data, size, c.node, &sg, &c2) == HL_OK)
		abort();
	if (c.version == HL_CHECKPOINT_VERSION_HYBRID) {
		sg.suite = c.hsig.suite;
		sg.npk = 1;
		sg.pk_len[0] = hl_mldsa_pk_bytes(hl_sig_suite_mldsa(c.hsig.suite));
		if (hl_checkpoint_verify(data, size, c.node, &sg, &c2) == HL_OK)
			abort();
	}
	return 0;
}
