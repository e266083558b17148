/* keeperproto.c: the key keeper's request codec and the client's round trip
 * (keeperproto.h), below keys.c, whose proxy uses them; the keeper's side
 * (the handler) is keeper.c. The keeper treats the network process as
 * untrusted: every request is parsed with hard limits, only the listed
 * operations exist, and it signs only in the contexts the protocol uses. */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "alloc.h"
#include "hybsig.h"
#include "keeperproto.h"
#include "log.h"
#include "mldsa.h"
#include "signctx.h"

/* Contexts the keeper signs in. HL_SIGN_AUDIT is defined but signed by no
 * protocol message, so it is refused like any unknown value. */
int
hl_keeper_ctx_allowed(unsigned ctx)
{
	return ctx == HL_SIGN_ENVELOPE || ctx == HL_SIGN_RECEIPT ||
	    ctx == HL_SIGN_DESCRIPTOR || ctx == HL_SIGN_CHECKPOINT ||
	    ctx == HL_SIGN_CHECKPOINT_ACK || ctx == HL_SIGN_ENVELOPE_BATCH ||
	    ctx == HL_SIGN_RECEIPT_BATCH;
}

/* ---- codec ---- */

int
hl_keeper_req_encode(const struct hl_keeper_req *q, struct hl_buf *out)
{
	hl_buf_u8(out, q->op);
	switch (q->op) {
	case HL_KEEPER_SIGN:
		hl_buf_u8(out, q->ctx);
		hl_buf_put(out, q->digest, sizeof(q->digest));
		break;
	case HL_KEEPER_UNWRAP:
		if (q->wraplen > HL_WRAP_MAX_BYTES ||
		    strnlen(q->node, sizeof(q->node)) > HL_NODE_NAME_MAX)
			return HL_ERR_TOO_BIG;
		hl_buf_u8(out, q->suite);
		hl_buf_u32(out, q->epoch);
		hl_buf_put(out, q->id, HL_ID_BYTES);
		hl_buf_str8(out, q->node);
		hl_buf_bytes16(out, q->wrap, q->wraplen);
		break;
	case HL_KEEPER_KEM_CURRENT:
		hl_buf_u8(out, q->suite);
		break;
	case HL_KEEPER_ROTATE:
	case HL_KEEPER_INFO:
		break;
	case HL_KEEPER_ERASE_BEFORE:
		hl_buf_u32(out, q->epoch);
		break;
	case HL_KEEPER_HYBSIGN:
		hl_buf_u8(out, q->suite);
		hl_buf_u8(out, q->ctx);
		hl_buf_put(out, q->digest, sizeof(q->digest));
		break;
	case HL_KEEPER_SIG_PUB:
	case HL_KEEPER_SIG_ROTATE:
		hl_buf_u8(out, q->param);
		break;
	default:
		return HL_ERR_VERSION;
	}
	if (hl_buf_error(out) != HL_OK)
		return hl_buf_error(out);
	return out->len > HL_KEEPER_MSG_MAX ? HL_ERR_TOO_BIG : HL_OK;
}

int
hl_keeper_req_decode(const uint8_t *p, size_t len, struct hl_keeper_req *q)
{
	struct hl_rd rd;
	const uint8_t *w;
	size_t wl;
	int r;

	memset(q, 0, sizeof(*q));
	if (len > HL_KEEPER_MSG_MAX)
		return HL_ERR_TOO_BIG;
	hl_rd_init(&rd, p, len);
	if ((r = hl_rd_u8(&rd, &q->op)) != HL_OK)
		return r;
	switch (q->op) {
	case HL_KEEPER_SIGN:
		if ((r = hl_rd_u8(&rd, &q->ctx)) != HL_OK ||
		    (r = hl_rd_copy(&rd, q->digest, sizeof(q->digest))) != HL_OK)
			return r;
		if (!hl_keeper_ctx_allowed(q->ctx))
			return HL_ERR_DENIED;
		break;
	case HL_KEEPER_UNWRAP:
		if ((r = hl_rd_u8(&rd, &q->suite)) != HL_OK ||
		    (r = hl_rd_u32(&rd, &q->epoch)) != HL_OK ||
		    (r = hl_rd_copy(&rd, q->id, HL_ID_BYTES)) != HL_OK ||
		    (r = hl_rd_str8(&rd, q->node, HL_NODE_NAME_MAX)) != HL_OK ||
		    (r = hl_rd_bytes16(&rd, HL_WRAP_MAX_BYTES, &w, &wl)) != HL_OK)
			return r;
		if (q->node[0] == '\0')
			return HL_ERR_MALFORMED;
		memcpy(q->wrap, w, wl);
		q->wraplen = wl;
		break;
	case HL_KEEPER_KEM_CURRENT:
		if ((r = hl_rd_u8(&rd, &q->suite)) != HL_OK)
			return r;
		break;
	case HL_KEEPER_ROTATE:
	case HL_KEEPER_INFO:
		break;
	case HL_KEEPER_ERASE_BEFORE:
		if ((r = hl_rd_u32(&rd, &q->epoch)) != HL_OK)
			return r;
		break;
	case HL_KEEPER_HYBSIGN:
		if ((r = hl_rd_u8(&rd, &q->suite)) != HL_OK ||
		    (r = hl_rd_u8(&rd, &q->ctx)) != HL_OK ||
		    (r = hl_rd_copy(&rd, q->digest, sizeof(q->digest))) != HL_OK)
			return r;
		if (hl_sig_suite_mldsa(q->suite) < 0)
			return HL_ERR_MALFORMED;
		if (!hl_keeper_ctx_allowed(q->ctx))
			return HL_ERR_DENIED;
		break;
	case HL_KEEPER_SIG_PUB:
	case HL_KEEPER_SIG_ROTATE:
		if ((r = hl_rd_u8(&rd, &q->param)) != HL_OK)
			return r;
		if (q->param != HL_MLDSA_65 && q->param != HL_MLDSA_87)
			return HL_ERR_MALFORMED;
		break;
	default:
		return HL_ERR_MALFORMED;
	}
	return hl_rd_end(&rd);
}

/* ---- the network process's side ---- */

int
hl_keeper_call(int fd, const struct hl_keeper_req *q, uint8_t *resp, size_t respmax,
    size_t *resplen)
{
	struct hl_buf b;
	uint8_t *in = NULL;
	struct msghdr mh;
	struct iovec iov;
	struct hl_rd rd;
	uint32_t st = 0;
	ssize_t n;
	int r;

	*resplen = 0;
	hl_buf_init(&b, HL_KEEPER_MSG_MAX);
	if ((r = hl_keeper_req_encode(q, &b)) != HL_OK)
		goto out;
	r = HL_ERR_IO;
	do
		n = send(fd, b.data, b.len, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)b.len) {
		log_warn("key keeper: cannot send a request");
		goto out;
	}
	r = HL_ERR_NOMEM;
	if ((in = hl_malloc(HL_KEEPER_MSG_MAX)) == NULL)
		goto out;
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = in;
	iov.iov_len = HL_KEEPER_MSG_MAX;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	do
		n = recvmsg(fd, &mh, 0);
	while (n == -1 && errno == EINTR);
	r = HL_ERR_IO;
	if (n <= 0) {
		if (n == 0)
			log_warnx("key keeper: connection closed (the keeper is gone)");
		else
			log_warn("key keeper: cannot read a response");
		goto out;
	}
	r = HL_ERR_MALFORMED;
	if ((mh.msg_flags & MSG_TRUNC) != 0)
		goto out;
	hl_rd_init(&rd, in, (size_t)n);
	if (hl_rd_u32(&rd, &st) != HL_OK)
		goto out;
	if (st != 0) {
		r = (int32_t)st < 0 && (int32_t)st > -256 ? (int)(int32_t)st : HL_ERR_MALFORMED;
		goto out;
	}
	if (hl_rd_left(&rd) > respmax)
		goto out;
	*resplen = hl_rd_left(&rd);
	memcpy(resp, in + 4, *resplen);
	r = HL_OK;
out:
	hl_free_secret(in, HL_KEEPER_MSG_MAX);
	hl_buf_free(&b);
	return r;
}
