/* fuzz_keeper.c: the key keeper's request parser (keeperproto.c), which reads
 * what the untrusted network process sends. An accepted request must carry an
 * allowed sign context, a known signature suite or ML-DSA parameter set, and
 * re-encode to the same bytes. */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "hybsig.h"
#include "keeper.h"
#include "mldsa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hl_keeper_req q;
	struct hl_buf b;

	if (hl_keeper_req_decode(data, size, &q) != HL_OK)
		return 0;
	if ((q.op == HL_KEEPER_SIGN || q.op == HL_KEEPER_HYBSIGN) &&
	    !hl_keeper_ctx_allowed(q.ctx))
		abort();
	if (q.op == HL_KEEPER_HYBSIGN && hl_sig_suite_mldsa(q.suite) < 0)
		abort();
	if ((q.op == HL_KEEPER_SIG_PUB || q.op == HL_KEEPER_SIG_ROTATE) &&
	    q.param != HL_MLDSA_65 && q.param != HL_MLDSA_87)
		abort();
	hl_buf_init(&b, HL_KEEPER_MSG_MAX);
	if (hl_keeper_req_encode(&q, &b) != HL_OK || b.len != size ||
	    memcmp(b.data, data, size) != 0)
		abort();
	hl_buf_free(&b);
	return 0;
}
