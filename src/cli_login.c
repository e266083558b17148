/* cli_login.c: `hotline login` and `hotline logout`, and the profile they
 * keep (docs/CLI.md "A remote profile"): a node's address, the CA and
 * node name to check it against, and a session token, never a password.
 * Every command run without -c uses it. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "alloc.h"
#include "apijson.h"
#include "cli.h"
#include "label.h"
#include "profile.h"

const char hl_cli_login_usage[] =
    "usage: hotline login https://HOST:PORT --ca FILE [--user NAME] [--node NAME]\n"
    "\n"
    "Log in to a node's operator API and keep a session in the profile\n"
    "($HOTLINE_PROFILE, else ~/.config/hotline/profile, mode 0600): the address,\n"
    "the CA file, the node's name and a session token, not the password. Every\n"
    "command run without -c then uses it, until hotline logout, 30 minutes\n"
    "unused or 12 hours. The password is asked on the terminal without echo\n"
    "(or HOTLINE_PASSWORD); an account with a second factor gives its code\n"
    "with --otp CODE (before the command) or HOTLINE_OTP.\n"
    "\n"
    "  --ca FILE     the partner CA the node's certificate must chain to\n"
    "  --user NAME   the operator (default: $HOTLINE_USER, else $USER)\n"
    "  --node NAME   the node's name its certificate must carry (P/name);\n"
    "                without it, the name the certificate carries is pinned\n";

const char hl_cli_logout_usage[] =
    "usage: hotline logout\n"
    "\n"
    "End the profile's session on the node and remove the profile.\n";

/* $HOTLINE_PROFILE, else ~/.config/hotline/profile. OUT: c->profile_path;
 * dflt: whether it is the default (whose directories login makes). */
static int
profile_path(struct hl_cli *c, int *dflt)
{
	const char *env = getenv("HOTLINE_PROFILE"), *home = getenv("HOME");
	int n;

	*dflt = env == NULL || env[0] == '\0';
	if (!*dflt)
		n = snprintf(c->profile_path, sizeof(c->profile_path), "%s", env);
	else if (home != NULL && home[0] == '/')
		n = snprintf(c->profile_path, sizeof(c->profile_path), "%s/.config/hotline/profile",
		    home);
	else
		return hl_cli_fail(EX_USAGE, "no profile location: set HOTLINE_PROFILE or HOME");
	if (n < 0 || (size_t)n >= sizeof(c->profile_path))
		return hl_cli_fail(EX_USAGE, "the profile's path is too long");
	return EX_OK;
}

/* The profile file: the caller's own, a regular file, mode 0600 or
 * stricter. HL_ERR_NOT_FOUND when there is none. */
static int
profile_read(struct hl_cli *c, struct hl_profile *p, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	char e[HL_PATH_MAX + 64];
	int r;

	if (lstat(c->profile_path, &st) != 0) {
		snprintf(err, errlen, "%s: %s", c->profile_path, strerror(errno));
		return errno == ENOENT ? HL_ERR_NOT_FOUND : HL_ERR_IO;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: not a file of yours with mode 0600 (it holds a session "
		    "token)", c->profile_path);
		return HL_ERR_DENIED;
	}
	if ((r = hl_cli_read_file(c->profile_path, HL_PROFILE_MAX_BYTES, &buf, &len, err,
	    errlen)) != HL_OK)
		return r;
	if ((r = hl_profile_parse(buf, len, p, e, sizeof(e))) != HL_OK)
		snprintf(err, errlen, "%s: %s", c->profile_path, e);
	hl_free_secret(buf, len + 1);
	return r;
}

int
hl_cli_profile_setup(struct hl_cli *c)
{
	char err[HL_PATH_MAX * 2];
	int dflt, r, rc;

	if ((rc = profile_path(c, &dflt)) != EX_OK)
		return rc;
	if (c->profile == NULL && (c->profile = hl_calloc(1, sizeof(*c->profile))) == NULL)
		return hl_cli_fail(EX_FAIL, "out of memory");
	if ((r = profile_read(c, c->profile, err, sizeof(err))) == HL_ERR_NOT_FOUND)
		return hl_cli_fail(EX_USAGE, "not logged in: no configuration (-c CONF, HOTLINE_CONF) "
		    "and no profile at %s (hotline login https://HOST:PORT --ca FILE)",
		    c->profile_path);
	if (r != HL_OK)
		return hl_cli_fail(EX_USAGE, "%s", err);
	memset(&c->hc, 0, sizeof(c->hc));
	snprintf(c->hc.host, sizeof(c->hc.host), "%s", c->profile->host);
	c->hc.port = c->profile->port;
	snprintf(c->hc.ca_path, sizeof(c->hc.ca_path), "%s", c->profile->ca_path);
	snprintf(c->hc.node, sizeof(c->hc.node), "%s", c->profile->node);
	c->hc.token = c->profile->token;
	c->hc.timeout_ms = HL_HTTPC_TIMEOUT_MS;
	snprintf(c->who, sizeof(c->who), "the session of %s (profile %s)", c->profile->user,
	    c->profile_path);
	c->ready = 1;
	return EX_OK;
}

/* mkdir path 0700 unless it is there. */
static int
mkdir_private(const char *path)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return hl_cli_fail(EX_FAIL, "%s: %s", path, strerror(errno));
	return EX_OK;
}

/* The default profile's directories (~/.config, ~/.config/hotline). */
static int
profile_dirs(const char *path)
{
	char d[HL_PATH_MAX], *slash;
	int rc;

	snprintf(d, sizeof(d), "%s", path);
	if ((slash = strrchr(d, '/')) == NULL)
		return EX_OK;
	*slash = '\0';
	if ((slash = strrchr(d, '/')) != NULL) {
		*slash = '\0';
		rc = mkdir_private(d);
		*slash = '/';
		if (rc != EX_OK)
			return rc;
	}
	return mkdir_private(d);
}

/* Write text to path through a new PATH.tmp (0600) and a rename. */
static int
write_private(const char *path, const char *text, size_t len)
{
	char tmp[HL_PATH_MAX + 8];
	size_t off = 0;
	ssize_t n;
	int fd, ok;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return hl_cli_fail(EX_USAGE, "the profile's path is too long");
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return hl_cli_fail(EX_FAIL, "%s: %s", tmp, strerror(errno));
	while (off < len && ((n = write(fd, text + off, len - off)) > 0 || errno == EINTR))
		off += n > 0 ? (size_t)n : 0;
	ok = off == len && fchmod(fd, 0600) == 0 && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		(void)unlink(tmp);
		return hl_cli_fail(EX_FAIL, "%s: cannot write: %s", path, strerror(errno));
	}
	return EX_OK;
}

static int
profile_write(struct hl_cli *c, const struct hl_profile *p, int dflt)
{
	char text[HL_PROFILE_MAX_BYTES];
	size_t len = 0;
	int rc;

	if (hl_profile_format(p, text, sizeof(text), &len) != HL_OK)
		return hl_cli_fail(EX_FAIL, "login: the node's answer does not make a profile");
	if (!dflt || (rc = profile_dirs(c->profile_path)) == EX_OK)
		rc = write_private(c->profile_path, text, len);
	OPENSSL_cleanse(text, sizeof(text));
	return rc;
}

/* login's options. */
struct login_args {
	const char *url, *ca, *user, *node;
};

/* Where and as whom, into c->hc (and p: all but the token). */
static int
login_target(struct hl_cli *c, const struct login_args *la, struct hl_profile *p)
{
	char ca[PATH_MAX];
	const char *user = la->user;

	if (hl_profile_url(la->url, p->host, &p->port) != HL_OK)
		return hl_cli_fail(EX_USAGE, "login: expected https://HOST:PORT, got \"%.80s\"", la->url);
	if (realpath(la->ca, ca) == NULL)
		return hl_cli_fail(EX_USAGE, "login: --ca %s: %s", la->ca, strerror(errno));
	if (strlen(ca) >= sizeof(p->ca_path))
		return hl_cli_fail(EX_USAGE, "login: --ca: path too long");
	snprintf(p->ca_path, sizeof(p->ca_path), "%s", ca);
	if (la->node != NULL && !hl_label_node_name_valid(la->node, NULL))
		return hl_cli_fail(EX_USAGE, "login: --node: expected PARTNER/name");
	if (user == NULL && (user = getenv("HOTLINE_USER")) == NULL)
		user = getenv("USER");
	if (user == NULL || user[0] == '\0' || strlen(user) > HL_OPERATOR_MAX ||
	    strchr(user, ':') != NULL)
		return hl_cli_fail(EX_USAGE, "login: --user NAME (or HOTLINE_USER)");
	snprintf(p->user, sizeof(p->user), "%s", user);
	memset(&c->hc, 0, sizeof(c->hc));
	snprintf(c->hc.host, sizeof(c->hc.host), "%s", p->host);
	c->hc.port = p->port;
	snprintf(c->hc.ca_path, sizeof(c->hc.ca_path), "%s", p->ca_path);
	snprintf(c->hc.node, sizeof(c->hc.node), "%s", la->node != NULL ? la->node :
	    HL_HTTPC_ANY_NODE);
	snprintf(c->hc.user, sizeof(c->hc.user), "%s", p->user);
	c->hc.timeout_ms = HL_HTTPC_TIMEOUT_MS;
	snprintf(c->who, sizeof(c->who), "operator %s", p->user);
	return EX_OK;
}

/* The password: HOTLINE_PASSWORD, else asked without echo. */
static int
login_password(struct hl_cli *c, const char *url)
{
	const char *env = getenv("HOTLINE_PASSWORD");
	char prompt[HL_HOST_MAX + HL_OPERATOR_MAX + 64];
	int rc;

	c->password_cap = HL_API_PASSWORD_MAX + 2;
	if ((c->password = hl_calloc(1, c->password_cap)) == NULL)
		return hl_cli_fail(EX_FAIL, "out of memory");
	if (env != NULL) {
		if (strlen(env) > HL_API_PASSWORD_MAX)
			return hl_cli_fail(EX_USAGE, "HOTLINE_PASSWORD: too long");
		memcpy(c->password, env, strlen(env) + 1);
	} else {
		snprintf(prompt, sizeof(prompt), "Password for %s at %.80s: ", c->hc.user, url);
		if ((rc = hl_cli_tty_password(prompt, "login: no terminal to ask the password on; "
		    "set HOTLINE_PASSWORD", c->password, c->password_cap)) != EX_OK)
			return rc;
	}
	c->hc.password = c->password;
	return EX_OK;
}

/* The answer's token into p; the node's name as its certificate gave it. */
static int
login_answer(struct hl_cli *c, json_t *resp, struct hl_profile *p)
{
	const char *tok = json_string_value(json_object_get(resp, "token"));

	if (tok == NULL || strlen(tok) != HL_APITOKEN_HEX || c->seen_node[0] == '\0')
		return hl_cli_fail(EX_UNREACHABLE, "login: the node's answer has no session token");
	snprintf(p->token, sizeof(p->token), "%s", tok);
	/* jansson's copy, wiped in place (its allocator does not wipe) */
	OPENSSL_cleanse((char *)(uintptr_t)tok, HL_APITOKEN_HEX);
	snprintf(p->node, sizeof(p->node), "%s", c->seen_node);
	return EX_OK;
}

static int
login_opts(int argc, char **argv, struct login_args *la)
{
	struct hl_cli_opt opts[] = {
		{ "ca", 1, &la->ca, NULL }, { "user", 1, &la->user, NULL },
		{ "node", 1, &la->node, NULL }, { NULL, 0, NULL, NULL },
	};
	char *pos[1];
	int help, npos, rc;

	memset(la, 0, sizeof(*la));
	if ((rc = hl_cli_opts("login", argc, argv, opts, &help, pos, 1, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_login_usage, stdout);
		return -1;
	}
	if (npos != 1 || la->ca == NULL)
		return hl_cli_fail(EX_USAGE, "login: expected https://HOST:PORT --ca FILE (see hotline "
		    "login --help)");
	la->url = pos[0];
	return EX_OK;
}

int
hl_cli_login(struct hl_cli *c, int argc, char **argv)
{
	struct hl_profile *p = NULL;
	struct login_args la;
	json_t *resp = NULL;
	int dflt, rc;

	if ((rc = login_opts(argc, argv, &la)) != EX_OK)
		return rc < 0 ? EX_OK : rc;
	if ((rc = profile_path(c, &dflt)) != EX_OK)
		return rc;
	if ((p = hl_calloc(1, sizeof(*p))) == NULL)
		return hl_cli_fail(EX_FAIL, "out of memory");
	if ((rc = login_target(c, &la, p)) != EX_OK || (rc = login_password(c, la.url)) != EX_OK ||
	    (rc = hl_cli_setup_otp(c)) != EX_OK)
		goto out;
	c->ready = 1;
	if ((rc = hl_cli_api_call(c, "login", "POST", "/api/v1/login", NULL, &resp)) != EX_OK ||
	    (rc = login_answer(c, resp, p)) != EX_OK ||
	    (rc = profile_write(c, p, dflt)) != EX_OK)
		goto out;
	printf("logged in to %s at %s as %s (%s); profile %s; the session ends after %llu "
	    "minutes unused, %llu hours at most, or with hotline logout\n", p->node, la.url,
	    p->user, hl_cli_jstr(resp, "role"), c->profile_path,
	    (unsigned long long)(HL_APITOKEN_IDLE_MS / 60000),
	    (unsigned long long)(HL_APITOKEN_LIFE_MS / 3600000));
out:
	json_decref(resp);
	hl_free_secret(p, sizeof(*p));
	return rc;
}

int
hl_cli_logout(struct hl_cli *c, int argc, char **argv)
{
	json_t *resp = NULL;
	char *pos[1];
	int help, npos, rc;

	if ((rc = hl_cli_opts("logout", argc, argv, NULL, &help, pos, 0, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_logout_usage, stdout);
		return EX_OK;
	}
	if ((rc = hl_cli_profile_setup(c)) != EX_OK)
		return rc;
	rc = hl_cli_api_call(c, "logout", "POST", "/api/v1/logout", NULL, &resp);
	json_decref(resp);
	/* the profile goes either way: a session the node did not end ends
	 * by itself (idle, lifetime, restart) */
	if (unlink(c->profile_path) != 0)
		return hl_cli_fail(EX_FAIL, "%s: cannot remove: %s", c->profile_path, strerror(errno));
	if (rc != EX_OK)
		return hl_cli_fail(rc, "logout: profile %s removed, but the node did not end the "
		    "session (it ends by itself)", c->profile_path);
	printf("logged out; profile %s removed\n", c->profile_path);
	return EX_OK;
}
