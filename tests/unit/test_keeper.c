/* test_keeper.c: the key keeper's request codec (malformed and over-limit
 * requests, refused sign contexts), the proxy struct hl_keys against a real
 * keeper process (results equal to the direct hl_keys ones), a dead keeper,
 * and the secret file checks. */
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
#include <signal.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "alloc.h"
#include "buf.h"
#include "envelope.h"
#include "errors.h"
#include "keeper.h"
#include "keys.h"

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
	m[0] = 7;
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
	uint8_t m[66];
	char err[512];

	(void)state;
	write_key(key_path, 0600);
	assert_int_equal(hl_keys_open(key_path, kem_dir, &k, err, sizeof(err)), HL_OK);
	memset(m, 1, sizeof(m));
	m[0] = HL_KEEPER_SIGN;
	m[1] = HL_SIGN_AUDIT;
	hl_buf_init(&resp, HL_KEEPER_MSG_MAX);
	assert_int_equal(hl_keeper_handle(k, kem_dir, m, sizeof(m), &resp), HL_OK);
	/* status only, no signature */
	assert_int_equal(resp.len, 4);
	assert_int_equal((int32_t)(((uint32_t)resp.data[0] << 24) | ((uint32_t)resp.data[1] << 16) |
	    ((uint32_t)resp.data[2] << 8) | resp.data[3]), HL_ERR_DENIED);
	hl_buf_free(&resp);
	m[1] = HL_SIGN_ENVELOPE;
	hl_buf_init(&resp, HL_KEEPER_MSG_MAX);
	assert_int_equal(hl_keeper_handle(k, kem_dir, m, sizeof(m), &resp), HL_OK);
	assert_int_equal(resp.len, 4 + HL_ED25519_SIG);
	assert_int_equal(resp.data[3], 0);
	hl_buf_free(&resp);
	hl_keys_free(k);
}

static void
spawn(pid_t *pid, int *fd)
{
	struct hl_keeper_opts o;
	char err[512];

	memset(&o, 0, sizeof(o));
	o.key_path = key_path;
	o.kem_dir = kem_dir;
	assert_int_equal(hl_keeper_spawn(&o, pid, fd, err, sizeof(err)), HL_OK);
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
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
