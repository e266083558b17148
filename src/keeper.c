/* keeper.c: the key keeper process (keeper.h): fork, drop, sandbox, serve
 * (the request handler, the keeper's side of keeperproto.h); and the secret
 * file checks made before the start. The codec is keeperproto.c. */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "alloc.h"
#include "config.h"
#include "hybsig.h"
#include "keeper.h"
#include "keys.h"
#include "log.h"
#include "sandbox.h"

/* ---- the keeper's side ---- */

static int
handle_req(struct hl_keys *k, const char *kem_dir, const struct hl_keeper_req *q,
    struct hl_buf *body)
{
	struct hl_kem_info info[HL_KEEPER_KEYS_MAX];
	struct hl_sigkey_info si[2];
	uint8_t out[HL_ED25519_SIG], pub[HL_ED25519_PUB];
	uint8_t big[HL_HYBSIG_MAX_BYTES];    /* a hybrid signature or an ML-DSA public key */
	const uint8_t *kp = NULL;
	size_t kl = 0, n, i;
	uint32_t epoch = 0;
	unsigned erased = 0;
	char err[256] = "";
	int r;

	switch (q->op) {
	case HL_KEEPER_SIGN:
		if ((r = hl_keys_sign(k, (enum hl_sign_ctx)q->ctx, q->digest, out)) == HL_OK)
			hl_buf_put(body, out, HL_ED25519_SIG);
		break;
	case HL_KEEPER_UNWRAP:
		if ((r = hl_keys_unwrap(k, q->suite, q->epoch, q->id, q->node, q->wrap,
		    q->wraplen, out)) == HL_OK)
			hl_buf_put(body, out, HL_AES_KEY);
		OPENSSL_cleanse(out, sizeof(out));
		break;
	case HL_KEEPER_KEM_CURRENT:
		if ((r = hl_keys_kem_current(k, q->suite, &epoch, &kp, &kl)) == HL_OK) {
			hl_buf_u32(body, epoch);
			hl_buf_bytes16(body, kp, kl);
		}
		break;
	case HL_KEEPER_ROTATE:
		if ((r = hl_keys_rotate(k, kem_dir, &epoch, err, sizeof(err))) == HL_OK) {
			log_info("key keeper: KEM keys rotated to epoch %u", (unsigned)epoch);
			hl_buf_u32(body, epoch);
		} else {
			log_warnx("key keeper: rotation failed: %s", err[0] ? err : hl_strerror(r));
		}
		break;
	case HL_KEEPER_ERASE_BEFORE:
		r = hl_keys_erase_before(k, kem_dir, q->epoch, &erased);
		if (erased > 0)
			log_info("key keeper: erased %u KEM key pairs before epoch %u", erased,
			    (unsigned)q->epoch);
		if (r == HL_OK)
			hl_buf_u32(body, erased);
		break;
	case HL_KEEPER_INFO:
		hl_keys_sign_pub(k, pub);
		n = hl_keys_list(k, info, HL_KEEPER_KEYS_MAX);
		hl_buf_put(body, pub, sizeof(pub));
		hl_buf_u8(body, (uint8_t)n);
		for (i = 0; i < n; i++) {
			hl_buf_u8(body, info[i].suite);
			hl_buf_u32(body, info[i].epoch);
			hl_buf_u64(body, info[i].created_ms);
		}
		r = HL_OK;
		break;
	case HL_KEEPER_HYBSIGN:
		if ((r = hl_keys_hybsign(k, q->suite, (enum hl_sign_ctx)q->ctx, q->digest, big,
		    sizeof(big), &kl)) == HL_OK)
			hl_buf_put(body, big, kl);
		break;
	case HL_KEEPER_SIG_PUB:
		if ((r = hl_keys_mldsa_pub(k, q->param, big, sizeof(big), &kl)) != HL_OK)
			break;
		n = hl_keys_sig_list(k, si, sizeof(si) / sizeof(si[0]));
		for (i = 0; i < n && si[i].param != q->param; i++)
			;
		hl_buf_put(body, big, kl);
		hl_buf_u64(body, i < n ? si[i].created_ms : 0);
		break;
	case HL_KEEPER_SIG_ROTATE:
		if ((r = hl_keys_rotate_sig(k, q->param, err, sizeof(err))) == HL_OK)
			log_info("key keeper: ML-DSA-%u signing key replaced", (unsigned)q->param);
		else
			log_warnx("key keeper: ML-DSA-%u key rotation failed: %s", (unsigned)q->param,
			    err[0] ? err : hl_strerror(r));
		break;
	default:
		r = HL_ERR_MALFORMED;
		break;
	}
	if (r == HL_OK)
		r = hl_buf_error(body);
	return r;
}

int
hl_keeper_handle(struct hl_keys *k, const char *kem_dir, const uint8_t *msg, size_t len,
    struct hl_buf *resp)
{
	struct hl_keeper_req *q = NULL;
	struct hl_buf body;
	int r;

	hl_buf_init(&body, HL_KEEPER_MSG_MAX - 4);
	if ((q = hl_malloc(sizeof(*q))) == NULL) {
		r = HL_ERR_NOMEM;
	} else if ((r = hl_keeper_req_decode(msg, len, q)) == HL_OK) {
		r = handle_req(k, kem_dir, q, &body);
	} else if (r == HL_ERR_DENIED) {
		log_warnx("key keeper: refused to sign in context %u", (unsigned)q->ctx);
	} else {
		log_warnx("key keeper: malformed request (%zu bytes): %s", len, hl_strerror(r));
	}
	hl_buf_u32(resp, (uint32_t)(int32_t)r);
	if (r == HL_OK)
		hl_buf_put(resp, body.data, body.len);
	if (q != NULL)
		hl_free_secret(q, sizeof(*q));
	hl_buf_free(&body);
	return hl_buf_error(resp);
}

/* ---- the process ---- */

static void
close_other_fds(int keep)
{
	int fd;

	for (fd = 3; fd < 1024; fd++)
		if (fd != keep)
			(void)close(fd);
}

static int
serve(int fd, struct hl_keys *k, const char *kem_dir)
{
	uint8_t *in = NULL;
	struct hl_buf resp;
	struct msghdr mh;
	struct iovec iov;
	ssize_t n;
	int r = HL_ERR_NOMEM;

	hl_buf_init(&resp, HL_KEEPER_MSG_MAX);
	if ((in = hl_malloc(HL_KEEPER_MSG_MAX)) == NULL)
		goto out;
	for (;;) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = in;
		iov.iov_len = HL_KEEPER_MSG_MAX;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		n = recvmsg(fd, &mh, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0) {
			r = HL_OK;     /* the network process closed its end */
			goto out;
		}
		if (n < 0) {
			log_warn("key keeper: read");
			r = HL_ERR_IO;
			goto out;
		}
		hl_buf_free(&resp);
		hl_buf_init(&resp, HL_KEEPER_MSG_MAX);
		/* a truncated datagram is over the limit: answer TOO_BIG */
		if ((mh.msg_flags & MSG_TRUNC) != 0) {
			log_warnx("key keeper: request over %d bytes refused", HL_KEEPER_MSG_MAX);
			hl_buf_u32(&resp, (uint32_t)(int32_t)HL_ERR_TOO_BIG);
		} else if ((r = hl_keeper_handle(k, kem_dir, in, (size_t)n, &resp)) != HL_OK) {
			goto out;
		}
		OPENSSL_cleanse(in, (size_t)n);
		if (hl_buf_error(&resp) != HL_OK) {
			r = hl_buf_error(&resp);
			goto out;
		}
		do
			n = send(fd, resp.data, resp.len, MSG_NOSIGNAL);
		while (n == -1 && errno == EINTR);
		if (n != (ssize_t)resp.len) {
			log_warn("key keeper: write");
			r = HL_ERR_IO;
			goto out;
		}
	}
out:
	hl_free_secret(in, HL_KEEPER_MSG_MAX);
	hl_buf_free(&resp);
	return r;
}

/* The child: never returns. */
static void
keeper_main(const struct hl_keeper_opts *o, int fd, pid_t parent)
{
	struct hl_keys *k = NULL;
	const char *kem_dir = o->kem_dir;
	char err[512];
	int r, code = 1;

	/* die with the network process; keep no core and refuse ptrace */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent ||
	    prctl(PR_SET_DUMPABLE, 0) == -1)
		goto out;
	/* the network process handles SIGINT/SIGTERM and closes the socket */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	close_other_fds(fd);
	if (o->drop)
		hl_keys_set_owner(o->uid, o->gid);
	if ((r = hl_keys_open(o->key_path, o->kem_dir, &k, err, sizeof(err))) != HL_OK) {
		log_warnx("key keeper: %s", err);
		goto out;
	}
	if (o->drop) {
		/* rotation writes relative to the KEM directory: the keeper's user
		 * need not be able to reach it from / */
		if (chdir(o->kem_dir) == -1) {
			log_warn("key keeper: %s", o->kem_dir);
			goto out;
		}
		kem_dir = ".";
		if (hl_sandbox_drop(o->uid, o->gid, err, sizeof(err)) != HL_OK) {
			log_warnx("key keeper: %s", err);
			goto out;
		}
	}
	log_info("key keeper running (pid %ld, uid %lu)", (long)getpid(),
	    (unsigned long)getuid());
	if (o->sandbox && hl_sandbox_keeper(err, sizeof(err)) != HL_OK) {
		log_warnx("key keeper: %s", err);
		goto out;
	}
	if (serve(fd, k, kem_dir) == HL_OK)
		code = 0;
out:
	hl_keys_free(k);
	_exit(code);
}

int
hl_keeper_spawn(const struct hl_keeper_opts *o, pid_t *pid, int *fd, char *err, size_t errlen)
{
	int sv[2];
	pid_t parent = getpid(), p;

	*pid = -1;
	*fd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		snprintf(err, errlen, "key keeper: socketpair: %s", strerror(errno));
		return HL_ERR_IO;
	}
	fflush(NULL);
	if ((p = fork()) == -1) {
		snprintf(err, errlen, "key keeper: fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return HL_ERR_IO;
	}
	if (p == 0) {
		close(sv[0]);
		keeper_main(o, sv[1], parent);
	}
	close(sv[1]);
	*pid = p;
	*fd = sv[0];
	return HL_OK;
}

/* ---- secret file checks ---- */

static void
user_name(uid_t uid, char *out, size_t outlen)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL)
		snprintf(out, outlen, "%s (uid %lu)", pw->pw_name, (unsigned long)uid);
	else
		snprintf(out, outlen, "uid %lu", (unsigned long)uid);
}

int
hl_keeper_check_secret(const char *path, uid_t uid, char *err, size_t errlen)
{
	struct stat st;
	char have[96], want[96];

	if (lstat(path, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return HL_ERR_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: secret file is not a regular file", path);
		return HL_ERR_CONFIG;
	}
	if ((st.st_mode & 077) != 0 || st.st_uid != uid) {
		user_name(st.st_uid, have, sizeof(have));
		user_name(uid, want, sizeof(want));
		snprintf(err, errlen, "%s: secret file has mode %04o and owner %s; expected "
		    "mode 0600 or stricter and owner %s", path, (unsigned)(st.st_mode & 07777),
		    have, want);
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

int
hl_keeper_check_files(const struct hl_config *c, uid_t uid, char *err, size_t errlen)
{
	char dir[HL_PATH_MAX + 8], path[HL_PATH_MAX + 300];
	DIR *d = NULL;
	struct dirent *de;
	size_t nl;
	int r;

	/* node.key: the Ed25519 signing key, also the TLS key of links and API */
	if ((r = hl_keeper_check_secret(c->key_path, uid, err, errlen)) != HL_OK)
		return r;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/kem", c->data_dir) >= sizeof(dir)) {
		snprintf(err, errlen, "%s: path too long", c->data_dir);
		return HL_ERR_CONFIG;
	}
	if ((d = opendir(dir)) == NULL)
		return HL_OK;   /* none yet (created at first start); keys.c checks the directory */
	r = HL_OK;
	while ((de = readdir(d)) != NULL) {
		nl = strlen(de->d_name);
		if (nl < 5 || strcmp(de->d_name + nl - 4, ".key") != 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    sizeof(path))
			continue;
		if ((r = hl_keeper_check_secret(path, uid, err, errlen)) != HL_OK)
			break;
	}
	closedir(d);
	return r;
}
