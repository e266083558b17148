/* test_keeper.c: the key keeper's request codec (malformed and over-limit
 * requests, refused sign contexts), the proxy struct hl_keys against a real
 * keeper process (results equal to the direct hl_keys ones), a dead keeper,
 * the secret file checks, and the ML-DSA signing keys (keys.c: files,
 * rotation, sealing, hybrid signatures locally and through the keeper). */
#include <stdlib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "alloc.h"
#include "buf.h"
#include "envelope.h"
#include "errors.h"
#include "hybsig.h"
#include "keeper.h"
#include "keys.h"
#include "mldsa.h"
#include "sealfile.h"

static char tmpdir[256];
static char key_path[512];
static char kem_dir[512];

static void
write_key(const char *path, mode_t mode)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	FILE *f;
	int fd;

	assert_non_null(pk);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL), 1);
	assert_int_equal(fclose(f), 0);
	EVP_PKEY_free(pk);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hl-keeper-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(key_path, sizeof(key_path), "%s/node.key", tmpdir);
	snprintf(kem_dir, sizeof(kem_dir), "%s/kem", tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- codec ---- */

static size_t
encode(const struct hl_keeper_req *q, uint8_t *out)
{
	struct hl_buf b;
	size_t n;

	hl_buf_init(&b, HL_KEEPER_MSG_MAX);
	assert_int_equal(hl_keeper_req_encode(q, &b), HL_OK);
	n = b.len;
	memcpy(out, b.data, n);
	hl_buf_free(&b);
	return n;
}

static void
test_codec_roundtrip(void **state)
{
	struct hl_keeper_req q, d;
	uint8_t m[HL_KEEPER_MSG_MAX];
	size_t n;

	(void)state;
	memset(&q, 0, sizeof(q));
	q.op = HL_KEEPER_UNWRAP;
	q.suite = HL_SUITE_X25519_MLKEM768;
	q.epoch = 7;
	memset(q.id, 0xab, sizeof(q.id));
	snprintf(q.node, sizeof(q.node), "JPN/node-1");
	q.wraplen = HL_WRAP_MAX_BYTES;
	memset(q.wrap, 0x5c, q.wraplen);
	n = encode(&q, m);
	assert_int_equal(hl_keeper_req_decode(m, n, &d), HL_OK);
	assert_int_equal(d.op, HL_KEEPER_UNWRAP);
	assert_int_equal(d.epoch, 7);
	assert_string_equal(d.node, "JPN/node-1");
	assert_int_equal(d.wraplen, HL_WRAP_MAX_BYTES);
	assert_memory_equal(d.wrap, q.wrap, q.wraplen);
	assert_memory_equal(d.id, q.id, sizeof(q.id));

	memset(&q, 0, sizeof(q));
	q.op = HL_KEEPER_SIGN;
	q.ctx = HL_SIGN_RECEIPT;
	memset(q.digest, 0x11, sizeof(q.digest));
	n = encode(&q, m);
	assert_int_equal(n, 66);
	assert_int_equal(hl_keeper_req_decode(m, n, &d), HL_OK);
	assert_int_equal(d.ctx, HL_SIGN_RECEIPT);
	assert_memory_equal(d.digest, q.digest, 64);

	memset(&q, 0, sizeof(q));
	q.op = HL_KEEPER_ERASE_BEFORE;
	q.epoch = 0x01020304;
	n = encode(&q, m);
	assert_int_equal(hl_keeper_req_decode(m, n, &d), HL_OK);
	assert_int_equal(d.epoch, 0x01020304);

	/* the ML-DSA operations */
	memset(&q, 0, sizeof(q));
	q.op = HL_KEEPER_HYBSIGN;
	q.suite = HL_SUITE_ED25519_MLDSA87;
	q.ctx = HL_SIGN_DESCRIPTOR;
	memset(q.digest, 0x2e, sizeof(q.digest));
	n = encode(&q, m);
	assert_int_equal(n, 67);
	assert_int_equal(hl_keeper_req_decode(m, n, &d), HL_OK);
	assert_int_equal(d.suite, HL_SUITE_ED25519_MLDSA87);
	assert_int_equal(d.ctx, HL_SIGN_DESCRIPTOR);
	assert_memory_equal(d.digest, q.digest, 64);
	memset(&q, 0, sizeof(q));
	q.op = HL_KEEPER_SIG_PUB;
	q.param = HL_MLDSA_65;
	n = encode(&q, m);
	assert_int_equal(n, 2);
	assert_int_equal(hl_keeper_req_decode(m, n, &d), HL_OK);
	assert_int_equal(d.param, HL_MLDSA_65);
	q.op = HL_KEEPER_SIG_ROTATE;
	q.param = HL_MLDSA_87;
	n = encode(&q, m);
	assert_int_equal(hl_keeper_req_decode(m, n, &d), HL_OK);
	assert_int_equal(d.op, HL_KEEPER_SIG_ROTATE);
	assert_int_equal(d.param, HL_MLDSA_87);

	/* the encoder refuses what the decoder would */
	{
		struct hl_buf b;

		memset(&q, 0, sizeof(q));
		q.op = 99;
		hl_buf_init(&b, HL_KEEPER_MSG_MAX);
		assert_int_equal(hl_keeper_req_encode(&q, &b), HL_ERR_VERSION);
		hl_buf_free(&b);
		q.op = HL_KEEPER_UNWRAP;
		q.wraplen = HL_WRAP_MAX_BYTES + 1;
		hl_buf_init(&b, HL_KEEPER_MSG_MAX);
		assert_int_equal(hl_keeper_req_encode(&q, &b), HL_ERR_TOO_BIG);
		hl_buf_free(&b);
	}
}

static void
test_codec_malformed(void **state)
{
	struct hl_keeper_req q, d;
	uint8_t m[HL_KEEPER_MSG_MAX + 16];
	size_t n, cut;

	(void)state;
	memset(m, 0, sizeof(m));
	/* empty, unknown operations */
	assert_int_equal(hl_keeper_req_decode(m, 0, &d), HL_ERR_MALFORMED);
	m[0] = 0;
	assert_int_equal(hl_keeper_req_decode(m, 1, &d), HL_ERR_MALFORMED);
	m[0] = 10;
	assert_int_equal(hl_keeper_req_decode(m, 1, &d), HL_ERR_MALFORMED);
	m[0] = 0xff;
	assert_int_equal(hl_keeper_req_decode(m, 1, &d), HL_ERR_MALFORMED);
	/* operations without a body: a trailing byte is refused */
	m[0] = HL_KEEPER_INFO;
	m[1] = 0;
	assert_int_equal(hl_keeper_req_decode(m, 1, &d), HL_OK);
	assert_int_equal(hl_keeper_req_decode(m, 2, &d), HL_ERR_MALFORMED);
	m[0] = HL_KEEPER_ROTATE;
	assert_int_equal(hl_keeper_req_decode(m, 2, &d), HL_ERR_MALFORMED);

	/* every truncation of a valid unwrap request, and one byte more */
	memset(&q, 0, sizeof(q));
	q.op = HL_KEEPER_UNWRAP;
	q.suite = HL_SUITE_X25519;
	snprintf(q.node, sizeof(q.node), "KOR/node-1");
	q.wraplen = 80;
	n = encode(&q, m);
	for (cut = 0; cut < n; cut++)
		assert_int_not_equal(hl_keeper_req_decode(m, cut, &d), HL_OK);
	m[n] = 0;
	assert_int_equal(hl_keeper_req_decode(m, n + 1, &d), HL_ERR_MALFORMED);

	/* wrap length field over HL_WRAP_MAX_BYTES (bytes present) */
	n = 1 + 1 + 4 + HL_ID_BYTES;
	m[n++] = 1;
	m[n++] = 'A';
	m[n++] = (uint8_t)((HL_WRAP_MAX_BYTES + 1) >> 8);
	m[n++] = (uint8_t)((HL_WRAP_MAX_BYTES + 1) & 0xff);
	memset(m + n, 0, HL_WRAP_MAX_BYTES + 1);
	assert_int_not_equal(hl_keeper_req_decode(m, n + HL_WRAP_MAX_BYTES + 1, &d), HL_OK);

	/* node name: empty, longer than HL_NODE_NAME_MAX, embedded NUL */
	n = 1 + 1 + 4 + HL_ID_BYTES;
	m[n] = 0;
	m[n + 1] = 0;
	m[n + 2] = 0;
	assert_int_equal(hl_keeper_req_decode(m, n + 3, &d), HL_ERR_MALFORMED);
	m[n] = HL_NODE_NAME_MAX + 1;
	memset(m + n + 1, 'A', HL_NODE_NAME_MAX + 1);
	m[n + 2 + HL_NODE_NAME_MAX] = 0;
	m[n + 3 + HL_NODE_NAME_MAX] = 0;
	assert_int_not_equal(hl_keeper_req_decode(m, n + 4 + HL_NODE_NAME_MAX, &d), HL_OK);
	m[n] = 3;
	m[n + 1] = 'A';
	m[n + 2] = 0;
	m[n + 3] = 'B';
	m[n + 4] = 0;
	m[n + 5] = 0;
	assert_int_not_equal(hl_keeper_req_decode(m, n + 6, &d), HL_OK);

	/* the ML-DSA operations: every truncation, one byte more, unknown suites
	 * and parameter sets, refused contexts */
	memset(&q, 0, sizeof(q));
	q.op = HL_KEEPER_HYBSIGN;
	q.suite = HL_SUITE_ED25519_MLDSA65;
	q.ctx = HL_SIGN_ENVELOPE;
	n = encode(&q, m);
	for (cut = 0; cut < n; cut++)
		assert_int_equal(hl_keeper_req_decode(m, cut, &d), HL_ERR_MALFORMED);
	m[n] = 0;
	assert_int_equal(hl_keeper_req_decode(m, n + 1, &d), HL_ERR_MALFORMED);
	for (cut = 0; cut < 256; cut++) {
		m[1] = (uint8_t)cut;
		assert_int_equal(hl_keeper_req_decode(m, n, &d), cut >= HL_SUITE_ED25519 &&
		    cut <= HL_SUITE_ED25519_MLDSA87 ? HL_OK : HL_ERR_MALFORMED);
	}
	m[1] = HL_SUITE_ED25519_MLDSA87;
	m[2] = HL_SIGN_AUDIT;
	assert_int_equal(hl_keeper_req_decode(m, n, &d), HL_ERR_DENIED);
	m[2] = 0;
	assert_int_equal(hl_keeper_req_decode(m, n, &d), HL_ERR_DENIED);
	m[0] = HL_KEEPER_SIG_PUB;
	assert_int_equal(hl_keeper_req_decode(m, 1, &d), HL_ERR_MALFORMED);
	for (cut = 0; cut < 256; cut++) {
		m[1] = (uint8_t)cut;
		assert_int_equal(hl_keeper_req_decode(m, 2, &d), cut == HL_MLDSA_65 ||
		    cut == HL_MLDSA_87 ? HL_OK : HL_ERR_MALFORMED);
	}
	m[0] = HL_KEEPER_SIG_ROTATE;
	m[1] = HL_MLDSA_44;
	assert_int_equal(hl_keeper_req_decode(m, 2, &d), HL_ERR_MALFORMED);
	m[1] = HL_MLDSA_65;
	assert_int_equal(hl_keeper_req_decode(m, 2, &d), HL_OK);
	assert_int_equal(hl_keeper_req_decode(m, 3, &d), HL_ERR_MALFORMED);
	assert_int_equal(hl_keeper_req_decode(m, 1, &d), HL_ERR_MALFORMED);

	/* the whole message over its limit */
	memset(m, 0, sizeof(m));
	m[0] = HL_KEEPER_INFO;
	assert_int_equal(hl_keeper_req_decode(m, HL_KEEPER_MSG_MAX + 1, &d), HL_ERR_TOO_BIG);
}

static void
test_codec_forbidden_context(void **state)
{
	uint8_t m[66];
	struct hl_keeper_req d;
	unsigned c;

	(void)state;
	memset(m, 0x42, sizeof(m));
	m[0] = HL_KEEPER_SIGN;
	for (c = 0; c < 256; c++) {
		m[1] = (uint8_t)c;
		if (c == HL_SIGN_ENVELOPE || c == HL_SIGN_RECEIPT || c == HL_SIGN_DESCRIPTOR ||
		    c == HL_SIGN_CHECKPOINT || c == HL_SIGN_CHECKPOINT_ACK ||
		    c == HL_SIGN_ENVELOPE_BATCH || c == HL_SIGN_RECEIPT_BATCH)
			assert_int_equal(hl_keeper_req_decode(m, sizeof(m), &d), HL_OK);
		else
			assert_int_equal(hl_keeper_req_decode(m, sizeof(m), &d), HL_ERR_DENIED);
	}
	assert_false(hl_keeper_ctx_allowed(HL_SIGN_AUDIT));
}

/* ---- the handler and the proxy against a real keeper process ---- */

static void
test_handle_refuses(void **state)
{
	struct hl_keys *k = NULL;
	struct hl_buf resp;
	uint8_t m[67];
	char err[512];

	(void)state;
	write_key(key_path, 0600);
	assert_int_equal(hl_keys_open(key_path, kem_dir, &k, err, sizeof(err)), HL_OK);
	memset(m, 1, sizeof(m));
	m[0] = HL_KEEPER_SIGN;
	m[1] = HL_SIGN_AUDIT;
	hl_buf_init(&resp, HL_KEEPER_MSG_MAX);
	assert_int_equal(hl_keeper_handle(k, kem_dir, m, 66, &resp), HL_OK);
	/* status only, no signature */
	assert_int_equal(resp.len, 4);
	assert_int_equal((int32_t)(((uint32_t)resp.data[0] << 24) | ((uint32_t)resp.data[1] << 16) |
	    ((uint32_t)resp.data[2] << 8) | resp.data[3]), HL_ERR_DENIED);
	hl_buf_free(&resp);
	m[1] = HL_SIGN_ENVELOPE;
	hl_buf_init(&resp, HL_KEEPER_MSG_MAX);
	assert_int_equal(hl_keeper_handle(k, kem_dir, m, 66, &resp), HL_OK);
	assert_int_equal(resp.len, 4 + HL_ED25519_SIG);
	assert_int_equal(resp.data[3], 0);
	hl_buf_free(&resp);
	/* the largest response, an ML-DSA-87 hybrid signature, fits */
	m[0] = HL_KEEPER_HYBSIGN;
	m[1] = HL_SUITE_ED25519_MLDSA87;
	m[2] = HL_SIGN_ENVELOPE;
	hl_buf_init(&resp, HL_KEEPER_MSG_MAX);
	assert_int_equal(hl_keeper_handle(k, kem_dir, m, 67, &resp), HL_OK);
	assert_int_equal(resp.len, 4 + hl_hybsig_len(HL_SUITE_ED25519_MLDSA87));
	assert_true(resp.len <= HL_KEEPER_MSG_MAX);
	assert_int_equal(resp.data[3], 0);
	hl_buf_free(&resp);
	hl_keys_free(k);
}

static void
spawn_in(const char *dir, pid_t *pid, int *fd)
{
	struct hl_keeper_opts o;
	char err[512];

	memset(&o, 0, sizeof(o));
	o.key_path = key_path;
	o.kem_dir = dir;
	assert_int_equal(hl_keeper_spawn(&o, pid, fd, err, sizeof(err)), HL_OK);
}

static void
spawn(pid_t *pid, int *fd)
{
	spawn_in(kem_dir, pid, fd);
}

static void
test_proxy_equals_direct(void **state)
{
	struct hl_keys *direct = NULL, *proxy = NULL;
	struct hl_kem_info li[16], lp[16];
	uint8_t dg[64], s1[HL_ED25519_SIG], s2[HL_ED25519_SIG];
	uint8_t p1[HL_ED25519_PUB], p2[HL_ED25519_PUB], id[HL_ID_BYTES], ck[HL_AES_KEY];
	uint8_t c1[HL_AES_KEY], c2[HL_AES_KEY];
	const uint8_t *kp1, *kp2;
	size_t kl1, kl2, n1, n2;
	uint32_t e1, e2, epoch;
	unsigned erased;
	struct hl_buf w;
	char err[512];
	uint8_t suite;
	pid_t pid;
	int fd, st;

	(void)state;
	write_key(key_path, 0600);
	assert_int_equal(hl_keys_open(key_path, kem_dir, &direct, err, sizeof(err)), HL_OK);
	spawn(&pid, &fd);
	assert_int_equal(hl_keys_remote(fd, &proxy, err, sizeof(err)), HL_OK);

	/* Ed25519 is deterministic: the same digest gives the same signature */
	memset(dg, 0x3c, sizeof(dg));
	assert_int_equal(hl_keys_sign(direct, HL_SIGN_ENVELOPE, dg, s1), HL_OK);
	assert_int_equal(hl_keys_sign(proxy, HL_SIGN_ENVELOPE, dg, s2), HL_OK);
	assert_memory_equal(s1, s2, sizeof(s1));
	hl_keys_sign_pub(direct, p1);
	hl_keys_sign_pub(proxy, p2);
	assert_memory_equal(p1, p2, sizeof(p1));
	assert_int_equal(hl_verify_sig(p2, HL_SIGN_ENVELOPE, dg, s2), HL_OK);

	/* a context the keeper refuses although hl_keys_sign itself knows it */
	assert_int_equal(hl_keys_sign(direct, HL_SIGN_AUDIT, dg, s1), HL_OK);
	assert_int_equal(hl_keys_sign(proxy, HL_SIGN_AUDIT, dg, s2), HL_ERR_DENIED);

	/* public KEM keys, then a wrap to us unwrapped both ways */
	for (suite = HL_SUITE_X25519; suite <= HL_SUITE_X25519_MLKEM1024; suite++) {
		assert_int_equal(hl_keys_kem_current(direct, suite, &e1, &kp1, &kl1), HL_OK);
		assert_int_equal(hl_keys_kem_current(proxy, suite, &e2, &kp2, &kl2), HL_OK);
		assert_int_equal(e1, e2);
		assert_int_equal(kl1, kl2);
		assert_memory_equal(kp1, kp2, kl1);
		memset(id, suite, sizeof(id));
		memset(ck, 0x77 + suite, sizeof(ck));
		hl_buf_init(&w, HL_WRAP_MAX_BYTES);
		assert_int_equal(hl_keys_wrap(NULL, suite, kp2, kl2, id, "JPN/node-1", ck, &w), HL_OK);
		assert_int_equal(hl_keys_unwrap(direct, suite, e1, id, "JPN/node-1", w.data, w.len,
		    c1), HL_OK);
		assert_int_equal(hl_keys_unwrap(proxy, suite, e2, id, "JPN/node-1", w.data, w.len,
		    c2), HL_OK);
		assert_memory_equal(c1, ck, sizeof(ck));
		assert_memory_equal(c2, ck, sizeof(ck));
		/* wrong node name or a flipped byte: refused by the keeper */
		assert_int_equal(hl_keys_unwrap(proxy, suite, e2, id, "KOR/node-1", w.data, w.len,
		    c2), HL_ERR_DECRYPT);
		w.data[w.len - 1] ^= 1;
		assert_int_equal(hl_keys_unwrap(proxy, suite, e2, id, "JPN/node-1", w.data, w.len,
		    c2), HL_ERR_DECRYPT);
		/* an epoch we do not hold */
		assert_int_equal(hl_keys_unwrap(proxy, suite, e2 + 5, id, "JPN/node-1", w.data,
		    w.len, c2), HL_ERR_NOT_FOUND);
		hl_buf_free(&w);
	}
	n1 = hl_keys_list(direct, li, 16);
	n2 = hl_keys_list(proxy, lp, 16);
	assert_int_equal(n1, n2);
	assert_int_equal(n1, 3);
	assert_int_equal(hl_keys_epoch(proxy), hl_keys_epoch(direct));
	assert_int_equal(hl_keys_epoch_created_ms(proxy), hl_keys_epoch_created_ms(direct));

	/* rotation and erasure through the keeper; the proxy's view follows */
	assert_int_equal(hl_keys_rotate(proxy, "/ignored", &epoch, err, sizeof(err)), HL_OK);
	assert_int_equal(epoch, e1 + 1);
	assert_int_equal(hl_keys_epoch(proxy), epoch);
	assert_int_equal(hl_keys_list(proxy, lp, 16), 6);
	assert_int_equal(hl_keys_kem_current(proxy, HL_SUITE_X25519, &e2, &kp2, &kl2), HL_OK);
	assert_int_equal(e2, epoch);
	assert_int_equal(hl_keys_erase_before(proxy, "/ignored", epoch, &erased), HL_OK);
	assert_int_equal(erased, 3);
	assert_int_equal(hl_keys_list(proxy, lp, 16), 3);
	/* the keeper wrote and erased the files: a fresh direct open agrees */
	hl_keys_free(direct);
	direct = NULL;
	assert_int_equal(hl_keys_open(key_path, kem_dir, &direct, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_keys_epoch(direct), epoch);
	assert_int_equal(hl_keys_list(direct, li, 16), 3);
	assert_int_equal(hl_keys_kem_current(direct, HL_SUITE_X25519, &e1, &kp1, &kl1), HL_OK);
	assert_int_equal(hl_keys_kem_current(proxy, HL_SUITE_X25519, &e2, &kp2, &kl2), HL_OK);
	assert_int_equal(e1, e2);
	assert_memory_equal(kp1, kp2, kl1);

	/* set_keeper: hl_keys_open returns a proxy and reads no file */
	{
		struct hl_keys *k2 = NULL;

		hl_keys_set_keeper(fd);
		assert_int_equal(hl_keys_open("/nonexistent/node.key", "/nonexistent", &k2, err,
		    sizeof(err)), HL_OK);
		hl_keys_set_keeper(-1);
		hl_keys_sign_pub(k2, p2);
		assert_memory_equal(p1, p2, sizeof(p1));
		hl_keys_free(k2);
	}

	/* the keeper gone: requests fail with HL_ERR_IO */
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(hl_keys_sign(proxy, HL_SIGN_ENVELOPE, dg, s2), HL_ERR_IO);
	assert_int_equal(hl_keys_rotate(proxy, "/ignored", &epoch, err, sizeof(err)), HL_ERR_IO);
	close(fd);
	hl_keys_free(proxy);
	hl_keys_free(direct);
}

/* A keeper closes when the network process closes its end (clean stop). */
static void
test_keeper_exits_on_eof(void **state)
{
	pid_t pid;
	int fd, st;

	(void)state;
	write_key(key_path, 0600);
	spawn(&pid, &fd);
	close(fd);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* A keeper that cannot open its keys exits non-zero; the proxy fails. */
static void
test_keeper_bad_key(void **state)
{
	struct hl_keys *proxy = NULL;
	char err[512];
	pid_t pid;
	int fd, st;

	(void)state;
	write_key(key_path, 0644);
	spawn(&pid, &fd);
	assert_int_equal(hl_keys_remote(fd, &proxy, err, sizeof(err)), HL_ERR_IO);
	assert_null(proxy);
	assert_non_null(strstr(err, "key keeper"));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_not_equal(WEXITSTATUS(st), 0);
	close(fd);
}

/* An over-limit datagram is answered TOO_BIG, and the keeper keeps serving. */
static void
test_keeper_oversize(void **state)
{
	uint8_t *big, resp[64];
	struct hl_keys *proxy = NULL;
	uint8_t p[HL_ED25519_PUB];
	char err[512];
	ssize_t n;
	pid_t pid;
	int fd, st;

	(void)state;
	write_key(key_path, 0600);
	spawn(&pid, &fd);
	big = calloc(1, HL_KEEPER_MSG_MAX + 100);
	assert_non_null(big);
	big[0] = HL_KEEPER_INFO;
	assert_int_equal(send(fd, big, HL_KEEPER_MSG_MAX + 100, 0), HL_KEEPER_MSG_MAX + 100);
	n = recv(fd, resp, sizeof(resp), 0);
	assert_int_equal(n, 4);
	assert_int_equal((int32_t)(((uint32_t)resp[0] << 24) | ((uint32_t)resp[1] << 16) |
	    ((uint32_t)resp[2] << 8) | resp[3]), HL_ERR_TOO_BIG);
	free(big);
	assert_int_equal(hl_keys_remote(fd, &proxy, err, sizeof(err)), HL_OK);
	hl_keys_sign_pub(proxy, p);
	hl_keys_free(proxy);
	close(fd);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
}

/* ---- secret file checks ---- */

static void
test_check_secret(void **state)
{
	char err[512], path[600];
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/secret", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(hl_keeper_check_secret(path, geteuid(), err, sizeof(err)), HL_OK);
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(hl_keeper_check_secret(path, geteuid(), err, sizeof(err)), HL_OK);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(hl_keeper_check_secret(path, geteuid(), err, sizeof(err)), HL_ERR_CONFIG);
	assert_non_null(strstr(err, "mode 0644"));
	assert_non_null(strstr(err, "expected mode 0600"));
	assert_non_null(strstr(err, path));
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(hl_keeper_check_secret(path, geteuid(), err, sizeof(err)), HL_ERR_CONFIG);
	assert_int_equal(chmod(path, 0600), 0);
	/* owned by someone else than expected */
	assert_int_equal(hl_keeper_check_secret(path, geteuid() + 4242, err, sizeof(err)),
	    HL_ERR_CONFIG);
	assert_non_null(strstr(err, "expected mode 0600 or stricter and owner"));
	/* not a regular file, missing */
	assert_int_equal(hl_keeper_check_secret(tmpdir, geteuid(), err, sizeof(err)), HL_ERR_CONFIG);
	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	assert_int_equal(hl_keeper_check_secret(path, geteuid(), err, sizeof(err)), HL_ERR_IO);
}

/* ---- ML-DSA signing keys: local, through the keeper, at rest ---- */

static const uint8_t seal_material[32] = "test seal key material, 32 byte";

/* A fresh KEM directory of its own under tmpdir. */
static void
fresh_dir(char *dir, size_t len, const char *name)
{
	char cmd[700];

	snprintf(dir, len, "%s/%s", tmpdir, name);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static size_t
file_bytes(const char *dir, const char *name, uint8_t *out, size_t cap)
{
	char path[700];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, out, cap);
	assert_true(n >= 0);
	close(fd);
	return (size_t)n;
}

static void
put_file(const char *dir, const char *name, const uint8_t *p, size_t n, mode_t mode)
{
	char path[700];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

/* The ML-DSA public key of param held by k. */
static size_t
mpub(const struct hl_keys *k, int param, uint8_t *pk)
{
	size_t pl = 0;

	assert_int_equal(hl_keys_mldsa_pub(k, param, pk, HL_MLDSA_MAX_PK_BYTES, &pl), HL_OK);
	assert_int_equal(pl, hl_mldsa_pk_bytes(param));
	return pl;
}

/* A signature of suite by k verifies under k's public keys, and not once
 * one byte of it (Ed25519 part, ML-DSA part, suite byte) is flipped. */
static void
check_hybsign(struct hl_keys *k, int suite)
{
	uint8_t sig[HL_HYBSIG_MAX_BYTES], ed[HL_ED25519_PUB], pk[HL_MLDSA_MAX_PK_BYTES];
	uint8_t dg[64];
	size_t sl = 0, pl = 0;
	int param = hl_sig_suite_mldsa(suite), got = 0;
	size_t flips[3], i;

	memset(dg, 0x5a + suite, sizeof(dg));
	hl_keys_sign_pub(k, ed);
	if (param != 0)
		pl = mpub(k, param, pk);
	assert_int_equal(hl_keys_hybsign(k, suite, HL_SIGN_ENVELOPE, dg, sig, sizeof(sig), &sl),
	    HL_OK);
	assert_int_equal(sl, hl_hybsig_len(suite));
	assert_int_equal(hl_hybsig_verify(ed, param != 0 ? pk : NULL, pl, 1, HL_SIGN_ENVELOPE, dg,
	    sig, sl, &got), HL_OK);
	assert_int_equal(got, suite);
	/* another context or digest: refused */
	assert_int_not_equal(hl_hybsig_verify(ed, param != 0 ? pk : NULL, pl, 1, HL_SIGN_RECEIPT,
	    dg, sig, sl, NULL), HL_OK);
	flips[0] = 0;
	flips[1] = 1 + 10;
	flips[2] = sl - 1;
	for (i = 0; i < 3; i++) {
		sig[flips[i]] ^= 0x01;
		assert_int_not_equal(hl_hybsig_verify(ed, param != 0 ? pk : NULL, pl, 1,
		    HL_SIGN_ENVELOPE, dg, sig, sl, NULL), HL_OK);
		sig[flips[i]] ^= 0x01;
	}
}

static void
test_sig_keys_local(void **state)
{
	struct hl_keys *k = NULL;
	struct hl_sigkey_info li[4], li2[4];
	uint8_t pk65[HL_MLDSA_MAX_PK_BYTES], pk87[HL_MLDSA_MAX_PK_BYTES];
	uint8_t pk[HL_MLDSA_MAX_PK_BYTES], f[128], fp[32], sig[HL_HYBSIG_MAX_BYTES], dg[64];
	char dir[600], err[512], path[700];
	unsigned int fl = 0;
	struct stat st;
	size_t pl, sl = 0;
	int suite;

	(void)state;
	write_key(key_path, 0600);
	fresh_dir(dir, sizeof(dir), "sig-local");
	/* created at the first open: 0600, header and seed (no seal key here) */
	assert_int_equal(hl_keys_open(key_path, dir, &k, err, sizeof(err)), HL_OK);
	snprintf(path, sizeof(path), "%s/mldsa65.key", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(file_bytes(dir, "mldsa65.key", f, sizeof(f)), 38);
	assert_memory_equal(f, "HLMD\x01\x41", 6);
	assert_int_equal(file_bytes(dir, "mldsa87.key", f, sizeof(f)), 38);
	assert_memory_equal(f, "HLMD\x01\x57", 6);
	OPENSSL_cleanse(f, sizeof(f));
	assert_int_equal(hl_keys_sig_list(k, li, 4), 2);
	assert_int_equal(li[0].param, HL_MLDSA_65);
	assert_int_equal(li[1].param, HL_MLDSA_87);
	assert_int_equal(hl_keys_sig_list(k, li, 1), 1);
	assert_true(li[0].created_ms > 0);
	pl = mpub(k, HL_MLDSA_65, pk65);
	assert_int_equal(EVP_Digest(pk65, pl, fp, &fl, EVP_sha256(), NULL), 1);
	assert_memory_equal(fp, li[0].fp, 32);
	mpub(k, HL_MLDSA_87, pk87);
	/* the interface's refusals */
	assert_int_equal(hl_keys_mldsa_pub(k, HL_MLDSA_44, pk, sizeof(pk), &pl), HL_ERR_INVALID);
	assert_int_equal(hl_keys_mldsa_pub(k, HL_MLDSA_65, pk, 100, &pl), HL_ERR_INVALID);
	memset(dg, 1, sizeof(dg));
	assert_int_equal(hl_keys_hybsign(k, 4, HL_SIGN_ENVELOPE, dg, sig, sizeof(sig), &sl),
	    HL_ERR_INVALID);
	assert_int_equal(hl_keys_hybsign(k, 0, HL_SIGN_ENVELOPE, dg, sig, sizeof(sig), &sl),
	    HL_ERR_INVALID);
	assert_int_equal(hl_keys_hybsign(k, HL_SUITE_ED25519_MLDSA87, HL_SIGN_ENVELOPE, dg, sig,
	    HL_HYBSIG_MAX_BYTES - 1, &sl), HL_ERR_INVALID);
	assert_int_equal(hl_keys_hybsign(k, HL_SUITE_ED25519_MLDSA65, (enum hl_sign_ctx)99, dg,
	    sig, sizeof(sig), &sl), HL_ERR_INVALID);
	assert_int_equal(hl_keys_rotate_sig(k, HL_MLDSA_44, err, sizeof(err)), HL_ERR_INVALID);
	for (suite = HL_SUITE_ED25519; suite <= HL_SUITE_ED25519_MLDSA87; suite++)
		check_hybsign(k, suite);
	hl_keys_free(k);
	k = NULL;

	/* reloaded identical */
	assert_int_equal(hl_keys_open(key_path, dir, &k, err, sizeof(err)), HL_OK);
	mpub(k, HL_MLDSA_65, pk);
	assert_memory_equal(pk, pk65, HL_MLDSA65_PK_BYTES);
	mpub(k, HL_MLDSA_87, pk);
	assert_memory_equal(pk, pk87, HL_MLDSA87_PK_BYTES);
	assert_int_equal(hl_keys_sig_list(k, li2, 4), 2);
	assert_memory_equal(li2[0].fp, li[0].fp, 32);

	/* rotation: a new ML-DSA-65 key; the old signature no longer verifies */
	{
		uint8_t ed[HL_ED25519_PUB];
		size_t ol = 0;

		hl_keys_sign_pub(k, ed);
		assert_int_equal(hl_keys_hybsign(k, HL_SUITE_ED25519_MLDSA65, HL_SIGN_RECEIPT, dg,
		    sig, sizeof(sig), &ol), HL_OK);
		assert_int_equal(hl_keys_rotate_sig(k, HL_MLDSA_65, err, sizeof(err)), HL_OK);
		mpub(k, HL_MLDSA_65, pk);
		assert_memory_not_equal(pk, pk65, HL_MLDSA65_PK_BYTES);
		assert_int_equal(hl_hybsig_verify(ed, pk65, HL_MLDSA65_PK_BYTES, 0, HL_SIGN_RECEIPT,
		    dg, sig, ol, NULL), HL_OK);
		assert_int_equal(hl_hybsig_verify(ed, pk, HL_MLDSA65_PK_BYTES, 0, HL_SIGN_RECEIPT,
		    dg, sig, ol, NULL), HL_ERR_BAD_SIGNATURE);
		check_hybsign(k, HL_SUITE_ED25519_MLDSA65);
		assert_int_equal(hl_keys_sig_list(k, li2, 4), 2);
		assert_memory_not_equal(li2[0].fp, li[0].fp, 32);
		assert_memory_equal(li2[1].fp, li[1].fp, 32);
		/* ML-DSA-87 untouched */
		mpub(k, HL_MLDSA_87, pk87);
		memcpy(pk65, pk, HL_MLDSA65_PK_BYTES);
	}
	hl_keys_free(k);
	k = NULL;
	/* the rotated key is the one on disk; nothing left beside it */
	snprintf(path, sizeof(path), "%s/mldsa65.key.new", dir);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(hl_keys_open(key_path, dir, &k, err, sizeof(err)), HL_OK);
	mpub(k, HL_MLDSA_65, pk);
	assert_memory_equal(pk, pk65, HL_MLDSA65_PK_BYTES);
	hl_keys_free(k);
	k = NULL;

	/* a stale half-written file of an interrupted rotation is no obstacle */
	put_file(dir, "mldsa87.key.new", (const uint8_t *)"junk", 4, 0600);
	assert_int_equal(hl_keys_open(key_path, dir, &k, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_keys_rotate_sig(k, HL_MLDSA_87, err, sizeof(err)), HL_OK);
	mpub(k, HL_MLDSA_87, pk);
	assert_memory_not_equal(pk, pk87, HL_MLDSA87_PK_BYTES);
	hl_keys_free(k);
}

/* A key file that is short, long, of another format, version or
 * parameter set, or readable by others, is refused with a line naming it. */
static void
test_sig_keys_corrupt(void **state)
{
	static const struct {
		const char *what;
		size_t len;
		size_t at;
		uint8_t value;
		const char *says;
	} cases[] = {
		{ "short", 37, 0, 'H', "37 bytes" },
		{ "long", 39, 38, 0, "39 bytes" },
		{ "empty", 0, 0, 'H', "out of range" },
		{ "magic", 38, 0, 'X', "bad magic" },
		{ "version", 38, 4, 2, "version 2" },
		{ "param", 38, 5, 87, "ML-DSA-87" },
	};
	struct hl_keys *k = NULL;
	uint8_t good[64], f[64];
	char dir[600], err[512];
	size_t i, n;

	(void)state;
	write_key(key_path, 0600);
	fresh_dir(dir, sizeof(dir), "sig-corrupt");
	assert_int_equal(hl_keys_open(key_path, dir, &k, err, sizeof(err)), HL_OK);
	hl_keys_free(k);
	k = NULL;
	n = file_bytes(dir, "mldsa65.key", good, sizeof(good));
	assert_int_equal(n, 38);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(f, good, sizeof(good));
		if (cases[i].at < sizeof(f))
			f[cases[i].at] = cases[i].value;
		put_file(dir, "mldsa65.key", f, cases[i].len, 0600);
		err[0] = '\0';
		assert_int_not_equal(hl_keys_open(key_path, dir, &k, err, sizeof(err)), HL_OK);
		assert_null(k);
		if (strstr(err, cases[i].says) == NULL || strstr(err, "mldsa65.key") == NULL)
			fail_msg("%s: unexpected error \"%s\"", cases[i].what, err);
	}
	/* mode 0644: refused */
	put_file(dir, "mldsa65.key", good, 38, 0644);
	assert_int_equal(hl_keys_open(key_path, dir, &k, err, sizeof(err)), HL_ERR_CONFIG);
	assert_non_null(strstr(err, "group/world"));
	/* the original back: accepted again */
	put_file(dir, "mldsa65.key", good, 38, 0600);
	assert_int_equal(hl_keys_open(key_path, dir, &k, err, sizeof(err)), HL_OK);
	OPENSSL_cleanse(good, sizeof(good));
	OPENSSL_cleanse(f, sizeof(f));
	hl_keys_free(k);
}

/* With a seal key the files are sealed (no seed on disk), read back under
 * it, sealed again at rotation, bound to their names, refused without it. */
static void
test_sig_keys_sealed(void **state)
{
	struct hl_keys *k = NULL;
	uint8_t f[256], g[256], pk[HL_MLDSA_MAX_PK_BYTES], pk2[HL_MLDSA_MAX_PK_BYTES];
	char dir[600], err[512];
	size_t n, m;

	(void)state;
	write_key(key_path, 0600);
	fresh_dir(dir, sizeof(dir), "sig-sealed");
	assert_int_equal(hl_seal_kek_set(seal_material, sizeof(seal_material)), HL_OK);
	assert_int_equal(hl_keys_open(key_path, dir, &k, err, sizeof(err)), HL_OK);
	mpub(k, HL_MLDSA_65, pk);
	check_hybsign(k, HL_SUITE_ED25519_MLDSA65);
	hl_keys_free(k);
	k = NULL;
	n = file_bytes(dir, "mldsa65.key", f, sizeof(f));
	assert_true(hl_seal_is_sealed(f, n));
	assert_int_equal(n, 38 + HL_SEAL_OVERHEAD);
	assert_null(memmem(f, n, "HLMD", 4));
	m = file_bytes(dir, "mldsa87.key", g, sizeof(g));
	assert_true(hl_seal_is_sealed(g, m));
	/* read back under the seal key */
	assert_int_equal(hl_keys_open(key_path, dir, &k, err, sizeof(err)), HL_OK);
	mpub(k, HL_MLDSA_65, pk2);
	assert_memory_equal(pk, pk2, HL_MLDSA65_PK_BYTES);
	/* rotation writes a sealed file too (sealed for its final name) */
	assert_int_equal(hl_keys_rotate_sig(k, HL_MLDSA_65, err, sizeof(err)), HL_OK);
	mpub(k, HL_MLDSA_65, pk);
	hl_keys_free(k);
	k = NULL;
	n = file_bytes(dir, "mldsa65.key", f, sizeof(f));
	assert_true(hl_seal_is_sealed(f, n));
	assert_int_equal(hl_keys_open(key_path, dir, &k, err, sizeof(err)), HL_OK);
	mpub(k, HL_MLDSA_65, pk2);
	assert_memory_equal(pk, pk2, HL_MLDSA65_PK_BYTES);
	hl_keys_free(k);
	k = NULL;
	/* one sealed file cannot stand in for the other */
	put_file(dir, "mldsa87.key", f, n, 0600);
	assert_int_equal(hl_keys_open(key_path, dir, &k, err, sizeof(err)), HL_ERR_CONFIG);
	assert_non_null(strstr(err, "mldsa87.key"));
	put_file(dir, "mldsa87.key", g, m, 0600);
	/* without the seal key: refused */
	hl_seal_kek_wipe();
	assert_int_equal(hl_keys_open(key_path, dir, &k, err, sizeof(err)), HL_ERR_CONFIG);
	assert_null(k);
	assert_int_equal(hl_seal_kek_set(seal_material, sizeof(seal_material)), HL_OK);
	assert_int_equal(hl_keys_open(key_path, dir, &k, err, sizeof(err)), HL_OK);
	hl_keys_free(k);
	hl_seal_kek_wipe();
}

/* Crypto workers sign while the loop rotates: every signature is whole and
 * verifies under one of the keys that were current meanwhile. */
struct signer {
	struct hl_keys *k;
	uint8_t sig[8][HL_HYBSIG_MAX_BYTES];
	int rc;
};

static void *
signer_main(void *arg)
{
	struct signer *s = arg;
	uint8_t dg[64];
	size_t sl = 0;
	unsigned i;

	memset(dg, 0x33, sizeof(dg));
	s->rc = HL_OK;
	for (i = 0; i < 8 && s->rc == HL_OK; i++)
		s->rc = hl_keys_hybsign(s->k, HL_SUITE_ED25519_MLDSA65, HL_SIGN_ENVELOPE, dg,
		    s->sig[i], sizeof(s->sig[i]), &sl);
	return NULL;
}

static void
test_sig_keys_concurrent(void **state)
{
	struct hl_keys *k = NULL;
	static struct signer s[2];
	static uint8_t pks[4][HL_MLDSA_MAX_PK_BYTES];
	uint8_t ed[HL_ED25519_PUB], dg[64];
	pthread_t th[2];
	char dir[600], err[512];
	unsigned i, j, p, ok;

	(void)state;
	write_key(key_path, 0600);
	fresh_dir(dir, sizeof(dir), "sig-threads");
	assert_int_equal(hl_keys_open(key_path, dir, &k, err, sizeof(err)), HL_OK);
	hl_keys_sign_pub(k, ed);
	mpub(k, HL_MLDSA_65, pks[0]);
	for (i = 0; i < 2; i++) {
		s[i].k = k;
		assert_int_equal(pthread_create(&th[i], NULL, signer_main, &s[i]), 0);
	}
	for (p = 1; p < 4; p++) {
		assert_int_equal(hl_keys_rotate_sig(k, HL_MLDSA_65, err, sizeof(err)), HL_OK);
		mpub(k, HL_MLDSA_65, pks[p]);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	memset(dg, 0x33, sizeof(dg));
	for (i = 0; i < 2; i++) {
		assert_int_equal(s[i].rc, HL_OK);
		for (j = 0; j < 8; j++) {
			ok = 0;
			for (p = 0; p < 4; p++)
				ok += hl_hybsig_verify(ed, pks[p], HL_MLDSA65_PK_BYTES, 0,
				    HL_SIGN_ENVELOPE, dg, s[i].sig[j], hl_hybsig_len(2), NULL) == HL_OK;
			assert_int_equal(ok, 1);
		}
	}
	hl_keys_free(k);
}

/* The proxy: the keeper's public keys cached, signatures by the keeper,
 * rotation in the keeper (and its files). */
static void
test_sig_keys_proxy(void **state)
{
	struct hl_keys *direct = NULL, *proxy = NULL;
	struct hl_sigkey_info ld[4], lp[4];
	uint8_t pd[HL_MLDSA_MAX_PK_BYTES], pp[HL_MLDSA_MAX_PK_BYTES], old[HL_MLDSA_MAX_PK_BYTES];
	uint8_t s1[HL_HYBSIG_MAX_BYTES], s2[HL_HYBSIG_MAX_BYTES], sig[HL_HYBSIG_MAX_BYTES];
	uint8_t ed[HL_ED25519_PUB], dg[64];
	size_t l1 = 0, l2 = 0, sl = 0, i;
	char dir[600], err[512];
	int suite, st;
	pid_t pid;
	int fd;

	(void)state;
	write_key(key_path, 0600);
	fresh_dir(dir, sizeof(dir), "sig-proxy");
	assert_int_equal(hl_keys_open(key_path, dir, &direct, err, sizeof(err)), HL_OK);
	spawn_in(dir, &pid, &fd);
	assert_int_equal(hl_keys_remote(fd, &proxy, err, sizeof(err)), HL_OK);

	/* the same keys, listed alike */
	assert_int_equal(hl_keys_sig_list(direct, ld, 4), 2);
	assert_int_equal(hl_keys_sig_list(proxy, lp, 4), 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(ld[i].param, lp[i].param);
		assert_memory_equal(ld[i].fp, lp[i].fp, 32);
		assert_int_equal(ld[i].created_ms, lp[i].created_ms);
		mpub(direct, ld[i].param, pd);
		mpub(proxy, ld[i].param, pp);
		assert_memory_equal(pd, pp, hl_mldsa_pk_bytes(ld[i].param));
	}
	assert_int_equal(hl_keys_mldsa_pub(proxy, HL_MLDSA_44, pp, sizeof(pp), &l1),
	    HL_ERR_INVALID);
	/* signatures made by the keeper verify (and fail once flipped) */
	for (suite = HL_SUITE_ED25519; suite <= HL_SUITE_ED25519_MLDSA87; suite++)
		check_hybsign(proxy, suite);
	/* Ed25519 is deterministic: the classical form is the direct one */
	memset(dg, 0x21, sizeof(dg));
	assert_int_equal(hl_keys_hybsign(direct, HL_SUITE_ED25519, HL_SIGN_DESCRIPTOR, dg, s1,
	    sizeof(s1), &l1), HL_OK);
	assert_int_equal(hl_keys_hybsign(proxy, HL_SUITE_ED25519, HL_SIGN_DESCRIPTOR, dg, s2,
	    sizeof(s2), &l2), HL_OK);
	assert_int_equal(l1, l2);
	assert_memory_equal(s1, s2, l1);
	/* a context the keeper refuses */
	assert_int_equal(hl_keys_hybsign(proxy, HL_SUITE_ED25519_MLDSA65, HL_SIGN_AUDIT, dg, s2,
	    sizeof(s2), &l2), HL_ERR_DENIED);
	assert_int_equal(l2, 0);

	/* rotation in the keeper: the proxy's cached key follows */
	hl_keys_sign_pub(proxy, ed);
	mpub(proxy, HL_MLDSA_87, old);
	assert_int_equal(hl_keys_hybsign(proxy, HL_SUITE_ED25519_MLDSA87, HL_SIGN_ENVELOPE, dg,
	    sig, sizeof(sig), &sl), HL_OK);
	assert_int_equal(hl_keys_rotate_sig(proxy, HL_MLDSA_87, err, sizeof(err)), HL_OK);
	mpub(proxy, HL_MLDSA_87, pp);
	assert_memory_not_equal(pp, old, HL_MLDSA87_PK_BYTES);
	assert_int_equal(hl_hybsig_verify(ed, old, HL_MLDSA87_PK_BYTES, 0, HL_SIGN_ENVELOPE, dg,
	    sig, sl, NULL), HL_OK);
	assert_int_equal(hl_hybsig_verify(ed, pp, HL_MLDSA87_PK_BYTES, 0, HL_SIGN_ENVELOPE, dg,
	    sig, sl, NULL), HL_ERR_BAD_SIGNATURE);
	check_hybsign(proxy, HL_SUITE_ED25519_MLDSA87);
	assert_int_equal(hl_keys_sig_list(proxy, lp, 4), 2);
	assert_memory_not_equal(lp[1].fp, ld[1].fp, 32);
	assert_memory_equal(lp[0].fp, ld[0].fp, 32);
	/* the keeper wrote the file: a fresh direct open agrees */
	hl_keys_free(direct);
	direct = NULL;
	assert_int_equal(hl_keys_open(key_path, dir, &direct, err, sizeof(err)), HL_OK);
	mpub(direct, HL_MLDSA_87, pd);
	assert_memory_equal(pd, pp, HL_MLDSA87_PK_BYTES);
	/* a KEM rotation's refresh keeps the ML-DSA keys */
	{
		uint32_t epoch;

		assert_int_equal(hl_keys_rotate(proxy, "/ignored", &epoch, err, sizeof(err)), HL_OK);
		assert_int_equal(hl_keys_sig_list(proxy, ld, 4), 2);
		assert_memory_equal(ld[1].fp, lp[1].fp, 32);
	}

	/* the keeper gone */
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(hl_keys_hybsign(proxy, HL_SUITE_ED25519_MLDSA65, HL_SIGN_ENVELOPE, dg,
	    sig, sizeof(sig), &sl), HL_ERR_IO);
	assert_int_equal(hl_keys_rotate_sig(proxy, HL_MLDSA_65, err, sizeof(err)), HL_ERR_IO);
	assert_non_null(strstr(err, "key keeper"));
	/* the cache still answers */
	mpub(proxy, HL_MLDSA_87, pd);
	assert_memory_equal(pd, pp, HL_MLDSA87_PK_BYTES);
	close(fd);
	hl_keys_free(proxy);
	hl_keys_free(direct);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_roundtrip),
		cmocka_unit_test(test_codec_malformed),
		cmocka_unit_test(test_codec_forbidden_context),
		cmocka_unit_test(test_handle_refuses),
		cmocka_unit_test(test_proxy_equals_direct),
		cmocka_unit_test(test_keeper_exits_on_eof),
		cmocka_unit_test(test_keeper_bad_key),
		cmocka_unit_test(test_keeper_oversize),
		cmocka_unit_test(test_check_secret),
		cmocka_unit_test(test_sig_keys_local),
		cmocka_unit_test(test_sig_keys_corrupt),
		cmocka_unit_test(test_sig_keys_sealed),
		cmocka_unit_test(test_sig_keys_concurrent),
		cmocka_unit_test(test_sig_keys_proxy),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
