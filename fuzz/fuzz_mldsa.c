/* fuzz_mldsa.c: hostile signatures, public keys, contexts and messages into
 * ML-DSA verification (ML-DSA-44, 65 or 87, chosen by the first byte; see
 * mldsa_fixed.h). The rest of the input is tried as a signature (as is, and
 * cut or zero-padded to the exact size), as a public key for the fixed
 * signature, as a context and message, and as an internal M'. Aborts on any
 * result that contradicts the API contract, and on any accepted signature,
 * key or message other than the fixed valid one (ML-DSA is strongly
 * unforgeable: a fuzzer cannot find another). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "fit.h"
#include "mldsa.h"
#include "mldsa_fixed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t fixed_pk[3][HL_MLDSA_MAX_PK_BYTES];
static uint8_t fixed_sig[3][HL_MLDSA_MAX_SIG_BYTES];
static int ready;

static void
setup(void)
{
	static uint8_t sk[HL_MLDSA_MAX_SK_BYTES];
	int i;

	for (i = 0; i < 3; i++)
		if (fuzz_mldsa_fixed(fuzz_mldsa_params[i], fixed_pk[i], sk,
		    fixed_sig[i]) != HL_OK)
			abort();
	ready = 1;
}

/* verify of (msg, ctx, sig, sig_len) under pk; aborts unless the result is
 * OK only for exactly the fixed signature, key, message and context */
static void
check(int i, const uint8_t *pk, const uint8_t *msg, size_t msg_len,
    const uint8_t *ctx, size_t ctx_len, const uint8_t *sig, size_t sig_len)
{
	int prm = fuzz_mldsa_params[i];
	size_t pkl = hl_mldsa_pk_bytes(prm), sigl = hl_mldsa_sig_bytes(prm);
	int rc;

	rc = hl_mldsa_verify(prm, pk, pkl, msg, msg_len, ctx, ctx_len, sig,
	    sig_len);
	if (rc != HL_OK && rc != HL_ERR_BAD_SIGNATURE &&
	    rc != HL_ERR_MALFORMED && rc != HL_ERR_INVALID)
		abort();
	if ((rc == HL_ERR_INVALID) != (ctx_len > HL_MLDSA_CTX_MAX_BYTES))
		abort();
	if (sig_len != sigl && rc != HL_ERR_MALFORMED && rc != HL_ERR_INVALID)
		abort();
	if (rc == HL_OK && (sig_len != sigl ||
	    memcmp(sig, fixed_sig[i], sigl) != 0 ||
	    memcmp(pk, fixed_pk[i], pkl) != 0 ||
	    msg_len != strlen(FUZZ_MLDSA_MSG) ||
	    memcmp(msg, FUZZ_MLDSA_MSG, msg_len) != 0 ||
	    ctx_len != strlen(FUZZ_MLDSA_CTX) ||
	    memcmp(ctx, FUZZ_MLDSA_CTX, ctx_len) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[HL_MLDSA_MAX_SIG_BYTES + HL_MLDSA_MAX_PK_BYTES];
	const uint8_t *msg = (const uint8_t *)FUZZ_MLDSA_MSG;
	const uint8_t *ctx = (const uint8_t *)FUZZ_MLDSA_CTX;
	const size_t ml = strlen(FUZZ_MLDSA_MSG), cl = strlen(FUZZ_MLDSA_CTX);
	size_t pkl, sigl, n;
	int i, prm, rc;

	if (!ready)
		setup();
	if (size == 0)
		return 0;
	i = data[0] % 3;
	prm = fuzz_mldsa_params[i];
	pkl = hl_mldsa_pk_bytes(prm);
	sigl = hl_mldsa_sig_bytes(prm);
	data++;
	size--;

	/* as a signature: as is (any length), then fitted */
	check(i, fixed_pk[i], msg, ml, ctx, cl, data, size);
	fit(buf, sigl, data, size);
	check(i, fixed_pk[i], msg, ml, ctx, cl, buf, sigl);
	/* as a public key for the fixed signature */
	fit(buf, pkl, data, size);
	check(i, buf, msg, ml, ctx, cl, fixed_sig[i], sigl);
	/* as a context (its length the first byte, or up to 300 bytes with the
	 * top bit) and a message */
	if (size > 0) {
		n = data[0] & 0x80 ? 256 + (data[0] & 0x3f) : data[0];
		if (n > size - 1)
			n = size - 1;
		check(i, fixed_pk[i], data + 1 + n, size - 1 - n, data + 1, n,
		    fixed_sig[i], sigl);
	}
	/* as M' of the internal interface: only 0 || 7 || ctx || msg verifies */
	rc = hl_mldsa_verify_internal(prm, fixed_pk[i], pkl, data, size,
	    fixed_sig[i], sigl);
	if (rc != HL_OK && rc != HL_ERR_BAD_SIGNATURE)
		abort();
	if (rc == HL_OK && (size != 2 + cl + ml || data[0] != 0 ||
	    data[1] != cl || memcmp(data + 2, ctx, cl) != 0 ||
	    memcmp(data + 2 + cl, msg, ml) != 0))
		abort();
	return 0;
}
