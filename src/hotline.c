/* hotline.c: the operator CLI (docs/CLI.md). Every command but "pki init"
 * and "audit ..." talks to the node's operator API over HTTPS; those work
 * locally. Success exits 0; a failure prints exactly one line
 * "hotline: <message>" on stderr and exits non-zero. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "alloc.h"
#include "apijson.h"
#include "cli_stix.h"
#include "cliopt.h"
#include "config.h"
#include "httpc.h"
#include "keys.h"
#include "label.h"
#include "merkle.h"
#include "clock.h"
#include "pki.h"
#include "proof.h"
#include "store.h"
#include "track.h"
#include "version.h"

#define EX_OK 0
#define EX_FAIL 1         /* refused, not found, local failure */
#define EX_USAGE 2        /* bad command line */
#define EX_UNREACHABLE 3  /* cannot connect, TLS or certificate failure, bad response */
#define EX_AUTH 4         /* authentication failed or rate-limited */

#define CLI_OPTS_MAX 12
#define CLI_ARGS_MAX 256

struct cli {
	const char *conf_path;
	struct hl_config cfg;
	int have_cfg;
	struct hl_httpc hc;
	char *password;           /* wiped at exit */
	size_t password_cap;
};

static struct cli cli;



/* Print s without terminal control characters (keeping \n and \t when
 * multiline): text from partners must not drive the operator's terminal. */
static void
put_clean(const char *s, int multiline)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if ((*p < 0x20 && !(multiline && (*p == '\n' || *p == '\t'))) || *p == 0x7f)
			putchar('?');
		else
			putchar(*p);
	}
}

/* ---- help ---- */

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
};

static const char global_usage[] =
    "usage: hotline [-c CONF] COMMAND [options]\n"
    "\n"
    "Commands:\n"
    "  pki init      create CAs, node certificates and configs for a federation\n"
    "  send          send an envelope (prints its id)\n"
    "  inbox         list received envelopes\n"
    "  sent          list sent envelopes with their delivery summary\n"
    "  show ID       show one envelope and its content\n"
    "  ack ID        acknowledge a received envelope\n"
    "  delivery ID   per-recipient delivery state of a sent envelope\n"
    "  status        this node and its peer links\n"
    "  audit verify  verify the node's hash-chained audit log (offline)\n"
    "  audit checkpoint|prove ID|check-proof  signed tree heads and proofs\n"
    "  keys          list the KEM key epochs held; rotate them now\n"
    "  track-report  send a live warning track update (always FLASH)\n"
    "  tracks        the current track picture (latest update per track)\n"
    "  operator      add, list, disable, reset operator accounts (admin)\n"
    "  stix push|search|sight   STIX 2.1 objects: push a bundle, search, sight\n"
    "  misp import   convert a MISP event to STIX 2.1 and push it\n"
    "  taxii pull|sources       external TAXII sources polled by the node\n"
    "  help [CMD]    this help, or a command's help\n"
    "\n"
    "Options:\n"
    "  -c CONF       node configuration (default: $HOTLINE_CONF)\n"
    "  -h, --help    help;  --version  print the version\n"
    "\n"
    "Environment: HOTLINE_CONF, HOTLINE_API=host:port, HOTLINE_USER, HOTLINE_PASSWORD.\n"
    "Exit status: 0 ok, 1 failed or refused, 2 usage, 3 node unreachable, 4 authentication.\n"
    "See docs/CLI.md.\n";

/* ---- option parsing ---- */


/* ---- configuration and credentials ---- */

static int
load_config(void)
{
	char err[512];

	if (cli.have_cfg)
		return EX_OK;
	if (cli.conf_path == NULL)
		return hl_cli_fail(EX_USAGE, "no configuration: use -c CONF or set HOTLINE_CONF");
	if (hl_config_load(cli.conf_path, &cli.cfg, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_FAIL, "%s", err);
	cli.have_cfg = 1;
	return EX_OK;
}

/* Read a whole file or stdin ("-") up to max bytes. OUT: *out (caller
 * frees with hl_free_secret(*out, *len + 1)), NUL-terminated. */
static int
read_all(const char *path, size_t max, uint8_t **out, size_t *len, char *err, size_t errlen)
{
	uint8_t *p = NULL, *q;
	size_t cap = 4096, n = 0;
	ssize_t got;
	int fd, r = HL_ERR_IO;

	*out = NULL;
	*len = 0;
	fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return HL_ERR_IO;
	}
	if ((p = hl_malloc(cap)) == NULL) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > max + 1) {
				snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
				r = HL_ERR_TOO_BIG;
				goto out;
			}
			if ((q = hl_malloc(cap * 2)) == NULL) {
				r = HL_ERR_NOMEM;
				goto out;
			}
			memcpy(q, p, n);
			hl_free_secret(p, cap);
			p = q;
			cap *= 2;
		}
		got = read(fd, p + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (n > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	p[n] = '\0';
	*out = p;
	*len = n;
	p = NULL;
	r = HL_OK;
out:
	if (p != NULL)
		hl_free_secret(p, cap);
	if (fd != STDIN_FILENO)
		close(fd);
	return r;
}

static int
load_password(void)
{
	const char *env = getenv("HOTLINE_PASSWORD");
	const char *f = cli.cfg.cli_password_file;
	char path[HL_PATH_MAX * 2], dir[HL_PATH_MAX], err[600], *slash;
	uint8_t *p = NULL;
	size_t n = 0;

	if (env != NULL) {
		if ((cli.password = hl_strdup(env)) == NULL)
			return hl_cli_fail(EX_FAIL, "out of memory");
		cli.password_cap = strlen(env) + 1;
		return EX_OK;
	}
	if (f[0] == '\0')
		return hl_cli_fail(EX_USAGE, "no password: set [cli] password_file in %s or HOTLINE_PASSWORD",
		    cli.conf_path);
	/* relative to the configuration's directory (unless the parser resolved it) */
	if (f[0] == '/' || access(f, F_OK) == 0) {
		snprintf(path, sizeof(path), "%s", f);
	} else {
		snprintf(dir, sizeof(dir), "%s", cli.conf_path);
		if ((slash = strrchr(dir, '/')) != NULL)
			*slash = '\0';
		else
			snprintf(dir, sizeof(dir), ".");
		snprintf(path, sizeof(path), "%s/%s", dir, f);
	}
	if (read_all(path, HL_API_PASSWORD_MAX, &p, &n, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_FAIL, "password file %s", err);
	cli.password_cap = n + 1;
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		p[--n] = '\0';
	cli.password = (char *)p;
	return EX_OK;
}

static int
setup_client(void)
{
	const char *env_user = getenv("HOTLINE_USER"), *env_api = getenv("HOTLINE_API");
	int rc;

	if (cli.password != NULL)
		return EX_OK;   /* already set up (commands that call the API more than once) */
	if ((rc = load_config()) != EX_OK)
		return rc;
	memset(&cli.hc, 0, sizeof(cli.hc));
	snprintf(cli.hc.user, sizeof(cli.hc.user), "%s",
	    env_user != NULL ? env_user : cli.cfg.cli_user);
	if (cli.hc.user[0] == '\0')
		return hl_cli_fail(EX_USAGE, "no operator name: set [cli] user in %s or HOTLINE_USER",
		    cli.conf_path);
	if (env_api != NULL) {
		if (hl_parse_hostport(env_api, cli.hc.host, &cli.hc.port) != HL_OK)
			return hl_cli_fail(EX_USAGE, "HOTLINE_API: expected host:port, got \"%s\"", env_api);
	} else {
		snprintf(cli.hc.host, sizeof(cli.hc.host), "%s", cli.cfg.api_host);
		cli.hc.port = cli.cfg.api_port;
	}
	/* a wildcard listen address is reached on loopback */
	if (strcmp(cli.hc.host, "0.0.0.0") == 0 || cli.hc.host[0] == '\0')
		snprintf(cli.hc.host, sizeof(cli.hc.host), "127.0.0.1");
	else if (strcmp(cli.hc.host, "::") == 0)
		snprintf(cli.hc.host, sizeof(cli.hc.host), "::1");
	snprintf(cli.hc.ca_path, sizeof(cli.hc.ca_path), "%s", cli.cfg.ca_path);
	snprintf(cli.hc.node, sizeof(cli.hc.node), "%s", cli.cfg.node);
	cli.hc.timeout_ms = HL_HTTPC_TIMEOUT_MS;
	if ((rc = load_password()) != EX_OK)
		return rc;
	cli.hc.password = cli.password;
	return EX_OK;
}

/* ---- calling the API ---- */

/* One request. what names the command in error lines. On success (2xx)
 * OUT: *resp (caller decrefs). Prints the error line itself. */
static int
api_call(const char *what, const char *method, const char *path, json_t *body, json_t **resp)
{
	struct hl_http_resp hr;
	json_t *j = NULL, *m;
	uint8_t *raw = NULL;
	char *b = NULL, err[512];
	size_t blen = 0;
	int rc, r;

	*resp = NULL;
	if ((rc = setup_client()) != EX_OK)
		return rc;
	if (body != NULL) {
		if ((b = json_dumps(body, JSON_COMPACT)) == NULL)
			return hl_cli_fail(EX_FAIL, "out of memory");
		blen = strlen(b);
	}
	r = hl_httpc_request(&cli.hc, method, path, (const uint8_t *)b, blen, &hr, &raw, err,
	    sizeof(err));
	if (b != NULL)
		hl_free_secret(b, blen + 1);
	if (r != HL_OK) {
		rc = hl_cli_fail(r == HL_ERR_NOMEM ? EX_FAIL : EX_UNREACHABLE, "%s", err);
		goto out;
	}
	if (hr.body_len > 0 && hl_apijson_depth_ok(hr.body, hr.body_len))
		j = json_loadb((const char *)hr.body, hr.body_len, JSON_REJECT_DUPLICATES, NULL);
	if (hr.status >= 200 && hr.status < 300) {
		if (!json_is_object(j)) {
			rc = hl_cli_fail(EX_UNREACHABLE, "%s: the node answered %d without a JSON object", what,
			    hr.status);
			goto out;
		}
		*resp = j;
		j = NULL;
		rc = EX_OK;
		goto out;
	}
	m = json_is_object(j) ? json_object_get(j, "message") : NULL;
	if (hr.status == 401)
		rc = hl_cli_fail(EX_AUTH, "authentication failed for operator %s at node %s:%u", cli.hc.user,
		    cli.hc.host, (unsigned)cli.hc.port);
	else if (hr.status == 429)
		rc = hl_cli_fail(EX_AUTH, "%s: %s", what, json_is_string(m) ? json_string_value(m) :
		    "too many failed logins; try again later");
	else if (hr.status == 403)
		rc = hl_cli_fail(EX_FAIL, "%s refused: %s", what, json_is_string(m) ? json_string_value(m) :
		    "denied");
	else if (hr.status == 503 && json_is_string(m))
		rc = hl_cli_fail(EX_FAIL, "%s: %s (try again shortly)", what, json_string_value(m));
	else if (json_is_string(m))
		rc = hl_cli_fail(EX_FAIL, "%s: %s", what, json_string_value(m));
	else
		rc = hl_cli_fail(EX_FAIL, "%s: the node answered HTTP %d", what, hr.status);
out:
	json_decref(j);
	hl_free(raw);
	return rc;
}

static void
print_json(const json_t *j)
{
	char *s = hl_apijson_dump(j);

	if (s != NULL)
		fputs(s, stdout);
	hl_free(s);
}

static const char *
jstr(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "-";
}

static json_int_t
jint(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* ---- pki init ---- */

static const char pki_usage[] =
    "usage: hotline pki init --dir DIR --partners P1,P2,... [--base-port N]\n"
    "\n"
    "Create one CA and one node (P/node-1) per partner under DIR/P/: ca.key, ca.crt,\n"
    "node.key, node.crt, node.conf, admin.password. Node i listens for peers on\n"
    "127.0.0.1:N+i and for operators on 127.0.0.1:N+100+i (N defaults to 7400).\n"
    "Works locally; needs no node.\n";

static int
cmd_pki(int argc, char **argv)
{
	const char *dir = NULL, *partners = NULL, *bp = NULL;
	struct hl_cli_opt opts[] = {
		{ "dir", 1, &dir, NULL }, { "partners", 1, &partners, NULL },
		{ "base-port", 1, &bp, NULL }, { NULL, 0, NULL, NULL },
	};
	char *pos[2], list[HL_PEERS_MAX + 1][HL_PARTNER_MAX + 1], err[512], conf[HL_PATH_MAX + 32];
	const char *names[HL_PEERS_MAX + 1];
	const char *p, *c;
	unsigned n = 0, i, k, base = 7400;
	size_t len;
	int help, npos, rc;
	char *end;
	unsigned long v;

	if (argc < 1 || strcmp(argv[0], "init") != 0) {
		if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
			fputs(pki_usage, stdout);
			return EX_OK;
		}
		return hl_cli_fail(EX_USAGE, "pki: expected \"pki init\" (see hotline pki --help)");
	}
	if ((rc = hl_cli_opts("pki init", argc - 1, argv + 1, opts, &help, pos, 0, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(pki_usage, stdout);
		return EX_OK;
	}
	if (dir == NULL || partners == NULL)
		return hl_cli_fail(EX_USAGE, "pki init: --dir and --partners are required");
	for (p = partners; *p != '\0'; p = *c == ',' ? c + 1 : c) {
		c = strchr(p, ',');
		if (c == NULL)
			c = p + strlen(p);
		len = (size_t)(c - p);
		if (n >= HL_PEERS_MAX + 1)
			return hl_cli_fail(EX_USAGE, "pki init: at most %d partners", HL_PEERS_MAX + 1);
		if (len > HL_PARTNER_MAX || len == 0)
			return hl_cli_fail(EX_USAGE, "pki init: bad partner code \"%.*s\"", (int)(len > 16 ? 16 : len), p);
		memcpy(list[n], p, len);
		list[n][len] = '\0';
		if (!hl_partner_valid(list[n]))
			return hl_cli_fail(EX_USAGE, "pki init: bad partner code \"%s\" (2-8 of A-Z, 0-9)", list[n]);
		for (k = 0; k < n; k++)
			if (strcmp(list[k], list[n]) == 0)
				return hl_cli_fail(EX_USAGE, "pki init: partner %s given twice", list[n]);
		names[n] = list[n];
		n++;
	}
	if (n < 2)
		return hl_cli_fail(EX_USAGE, "pki init: a federation needs at least two partners");
	if (bp != NULL) {
		errno = 0;
		v = strtoul(bp, &end, 10);
		if (errno != 0 || *end != '\0' || bp[0] == '\0' || bp[0] == '-' || v < 1024 ||
		    v + 100 + n > 65535)
			return hl_cli_fail(EX_USAGE, "pki init: --base-port must be a number from 1024 to %u",
			    65535 - 100 - n);
		base = (unsigned)v;
	}
	if (hl_pki_init_federation(dir, names, n, base, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_FAIL, "pki init: %s", err);
	printf("created a federation of %u partners in %s (one CA and one node each):\n", n, dir);
	for (i = 0; i < n; i++)
		printf("  %-6s %s/%s/  node %s/node-1  peers on 127.0.0.1:%u  API https://127.0.0.1:%u/\n",
		    names[i], dir, names[i], names[i], base + i, base + 100 + i);
	printf("start each node with:\n");
	for (i = 0; i < n; i++) {
		snprintf(conf, sizeof(conf), "%s/%s/node.conf", dir, names[i]);
		printf("  hotlined -c %s\n", conf);
	}
	printf("operate it with: hotline -c %s/%s/node.conf status  (operator admin, password in %s/%s/admin.password)\n",
	    dir, names[0], dir, names[0]);
	return EX_OK;
}

/* ---- send ---- */

static const char send_usage[] =
    "usage: hotline send --to P1,NODE,...|all --precedence PREC --classification LEVEL\n"
    "                    --releasable-to P1,P2,... --tlp TLP [--exercise] [--ttl DURATION]\n"
    "                    [--type text|stix|track|file] [--file F | TEXT... | -]\n"
    "\n"
    "  --to            recipients: partner codes (KOR), node names (KOR/node-1), or all\n"
    "                  (every peer the label allows)\n"
    "  --precedence    flash, immediate, priority or routine\n"
    "  --classification  a level of the node's policy, e.g. SECRET\n"
    "  --releasable-to partner codes that may receive it (must include your own)\n"
    "  --tlp           clear, green, amber, amber+strict or red\n"
    "  --exercise      mark the envelope as EXERCISE traffic\n"
    "  --ttl           lifetime: seconds or 30s, 10m, 3h, 7d (default: the node's)\n"
    "  --file F        send the bytes of F (type file unless --type); - reads stdin\n"
    "  TEXT...         the text (words joined by spaces); a lone - reads stdin\n"
    "Prints the envelope id (32 hex digits) and nothing else.\n";

static int
add_csv(json_t *arr, const char *csv)
{
	const char *p, *c;
	size_t len;

	for (p = csv; ; p = c + 1) {
		c = strchr(p, ',');
		len = c != NULL ? (size_t)(c - p) : strlen(p);
		while (len > 0 && *p == ' ') {
			p++;
			len--;
		}
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == 0 || json_array_append_new(arr, json_stringn(p, len)) != 0)
			return -1;
		if (c == NULL)
			return 0;
	}
}

/* POST an envelope body; print the new id (the only output, for scripts). */
static int
post_envelope(const char *cmd, json_t *body)
{
	json_t *resp = NULL;
	int rc;

	if ((rc = api_call(cmd, "POST", "/api/v1/envelopes", body, &resp)) != EX_OK)
		return rc;
	if (!json_is_string(json_object_get(resp, "id")))
		rc = hl_cli_fail(EX_UNREACHABLE, "%s: the node's answer has no id", cmd);
	else
		printf("%s\n", json_string_value(json_object_get(resp, "id")));
	json_decref(resp);
	return rc;
}

static int
cmd_send(int argc, char **argv)
{
	const char *to = NULL, *prec = NULL, *cls = NULL, *rel = NULL, *tlp = NULL, *ttl = NULL;
	const char *file = NULL, *type = NULL;
	int exercise = 0, help, npos, rc, i;
	struct hl_cli_opt opts[] = {
		{ "to", 1, &to, NULL }, { "precedence", 1, &prec, NULL },
		{ "classification", 1, &cls, NULL }, { "releasable-to", 1, &rel, NULL },
		{ "tlp", 1, &tlp, NULL }, { "ttl", 1, &ttl, NULL }, { "file", 1, &file, NULL },
		{ "type", 1, &type, NULL }, { "exercise", 0, NULL, &exercise },
		{ NULL, 0, NULL, NULL },
	};
	char *pos[CLI_ARGS_MAX], err[512], *b64 = NULL;
	json_t *body = NULL, *arr = NULL, *resp = NULL, *txt = NULL;
	uint8_t *content = NULL;
	size_t clen = 0, off;
	uint64_t ttl_ms = 0;

	if ((rc = hl_cli_opts("send", argc, argv, opts, &help, pos, CLI_ARGS_MAX, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(send_usage, stdout);
		return EX_OK;
	}
	if (to == NULL || prec == NULL || cls == NULL || rel == NULL || tlp == NULL)
		return hl_cli_fail(EX_USAGE, "send: --to, --precedence, --classification, --releasable-to "
		    "and --tlp are required (see hotline send --help)");
	if (file != NULL && npos > 0)
		return hl_cli_fail(EX_USAGE, "send: give either --file or TEXT, not both");
	if (file == NULL && npos == 0)
		return hl_cli_fail(EX_USAGE, "send: nothing to send: give TEXT, - (stdin) or --file F");
	if (type != NULL && strcmp(type, "text") != 0 && strcmp(type, "stix") != 0 &&
	    strcmp(type, "track") != 0 && strcmp(type, "file") != 0)
		return hl_cli_fail(EX_USAGE, "send: --type must be text, stix, track or file");
	if (ttl != NULL && (hl_parse_duration_ms(ttl, &ttl_ms) != HL_OK || ttl_ms < 1000 ||
	    ttl_ms / 1000 > HL_API_TTL_MAX_S))
		return hl_cli_fail(EX_USAGE, "send: --ttl must be a duration from 1s to %ud",
		    HL_API_TTL_MAX_S / 86400);
	/* the content */
	if (file != NULL || (npos == 1 && strcmp(pos[0], "-") == 0)) {
		if (read_all(file != NULL ? file : "-", HL_CONTENT_MAX_BYTES, &content, &clen, err,
		    sizeof(err)) != HL_OK) {
			rc = hl_cli_fail(EX_FAIL, "send: %s", err);
			goto out;
		}
	} else {
		for (i = 0, clen = 0; i < npos; i++)
			clen += strlen(pos[i]) + 1;
		if (clen > HL_CONTENT_MAX_BYTES + 1 || (content = hl_malloc(clen)) == NULL) {
			rc = hl_cli_fail(EX_FAIL, "send: text too large");
			goto out;
		}
		for (i = 0, off = 0; i < npos; i++) {
			memcpy(content + off, pos[i], strlen(pos[i]));
			off += strlen(pos[i]);
			content[off++] = i + 1 < npos ? ' ' : '\0';
		}
		clen = off - 1;
	}
	if (clen == 0) {
		rc = hl_cli_fail(EX_USAGE, "send: the content is empty");
		goto out;
	}
	if (type == NULL)
		type = file != NULL ? "file" : "text";
	rc = EX_FAIL;
	if ((body = json_object()) == NULL)
		goto nomem;
	if (strcmp(to, "all") == 0) {
		if (json_object_set_new(body, "to_all", json_true()) != 0)
			goto nomem;
	} else {
		if ((arr = json_array()) == NULL || json_object_set(body, "to", arr) != 0)
			goto nomem;
		if (add_csv(arr, to) != 0) {
			rc = hl_cli_fail(EX_USAGE, "send: --to: empty recipient in \"%s\"", to);
			goto out;
		}
		json_decref(arr);
		arr = NULL;
	}
	if (json_object_set_new(body, "precedence", json_string(prec)) != 0 ||
	    json_object_set_new(body, "classification", json_string(cls)) != 0)
		goto bad_arg;
	if ((arr = json_array()) == NULL || json_object_set(body, "releasable_to", arr) != 0)
		goto nomem;
	if (add_csv(arr, rel) != 0) {
		rc = hl_cli_fail(EX_USAGE, "send: --releasable-to: empty partner in \"%s\"", rel);
		goto out;
	}
	json_decref(arr);
	arr = NULL;
	if (json_object_set_new(body, "tlp", json_string(tlp)) != 0 ||
	    json_object_set_new(body, "content_type", json_string(type)) != 0)
		goto bad_arg;
	txt = strcmp(type, "file") != 0 ? json_stringn((const char *)content, clen) : NULL;
	if (txt != NULL) {
		if (json_object_set_new(body, "text", txt) != 0)
			goto nomem;
	} else {
		if ((b64 = hl_apijson_b64_encode(content, clen)) == NULL ||
		    json_object_set_new(body, "content_b64", json_string(b64)) != 0)
			goto nomem;
	}
	if (exercise && json_object_set_new(body, "exercise", json_true()) != 0)
		goto nomem;
	if (ttl != NULL && json_object_set_new(body, "ttl_s",
	    json_integer((json_int_t)(ttl_ms / 1000))) != 0)
		goto nomem;
	rc = post_envelope("send", body);
	goto out;
bad_arg:
	rc = hl_cli_fail(EX_USAGE, "send: options must be valid UTF-8");
	goto out;
nomem:
	rc = hl_cli_fail(EX_FAIL, "out of memory");
out:
	if (content != NULL)
		hl_free_secret(content, clen + 1);
	if (b64 != NULL)
		hl_free_secret(b64, strlen(b64) + 1);
	json_decref(arr);
	json_decref(body);
	json_decref(resp);
	return rc;
}

/* ---- inbox / sent ---- */

static const char inbox_usage[] =
    "usage: hotline inbox [--json] [--exercise include|exclude|only] [--limit N]\n"
    "\n"
    "Received envelopes your clearance and nationality allow, newest first.\n"
    "  --json       the API's JSON (docs/API.md)\n"
    "  --exercise   include (default), exclude or only EXERCISE envelopes\n"
    "  --limit N    at most N items (1..100000, default 100)\n";

static const char sent_usage[] =
    "usage: hotline sent [--json] [--exercise include|exclude|only] [--limit N]\n"
    "\n"
    "Envelopes this node sent, newest first, with a delivery summary.\n";

static int
build_query(char *q, size_t qlen, const char *limit, const char *exercise)
{
	char *end;
	unsigned long v;

	q[0] = '\0';
	if (limit != NULL) {
		errno = 0;
		v = strtoul(limit, &end, 10);
		if (errno != 0 || *end != '\0' || limit[0] == '\0' || limit[0] == '-' || v < 1 ||
		    v > HL_API_LIMIT_MAX)
			return hl_cli_fail(EX_USAGE, "--limit must be a number from 1 to %d", HL_API_LIMIT_MAX);
		snprintf(q, qlen, "?limit=%lu", v);
	}
	if (exercise != NULL) {
		if (strcmp(exercise, "include") != 0 && strcmp(exercise, "exclude") != 0 &&
		    strcmp(exercise, "only") != 0)
			return hl_cli_fail(EX_USAGE, "--exercise must be include, exclude or only");
		snprintf(q + strlen(q), qlen - strlen(q), "%sexercise=%s", q[0] ? "&" : "?", exercise);
	}
	return EX_OK;
}

static void
print_item_line(const json_t *it, int inbound)
{
	const json_t *d;

	printf("%s  %-9s  %s  ", jstr(it, "id"), jstr(it, "precedence"), jstr(it, "created"));
	if (inbound) {
		put_clean(jstr(it, "origin"), 0);
		printf(" (");
		put_clean(jstr(it, "originator"), 0);
		printf(")  ");
	}
	put_clean(jstr(it, "label_text"), 0);
	if (json_is_true(json_object_get(it, "exercise")))
		printf("  [EXERCISE]");
	if (inbound) {
		if (json_is_string(json_object_get(it, "acknowledged_by"))) {
			printf("  [acknowledged by ");
			put_clean(jstr(it, "acknowledged_by"), 0);
			printf("]");
		} else if (json_is_true(json_object_get(it, "overdue"))) {
			printf("  [NOT ACKNOWLEDGED - OVERDUE]");
		} else {
			printf("  [NOT ACKNOWLEDGED]");
		}
	} else if ((d = json_object_get(it, "delivery")) != NULL) {
		printf("  queued %" JSON_INTEGER_FORMAT ", delivered %" JSON_INTEGER_FORMAT
		    ", acknowledged %" JSON_INTEGER_FORMAT ", rejected %" JSON_INTEGER_FORMAT,
		    jint(d, "queued"), jint(d, "delivered"), jint(d, "acknowledged"),
		    jint(d, "rejected"));
	}
	printf("\n");
}

static int
cmd_list(const char *name, const char *usage, int inbound, int argc, char **argv)
{
	const char *limit = NULL, *exercise = NULL;
	int json = 0, help, npos, rc;
	struct hl_cli_opt opts[] = {
		{ "json", 0, NULL, &json }, { "limit", 1, &limit, NULL },
		{ "exercise", 1, &exercise, NULL }, { NULL, 0, NULL, NULL },
	};
	char *pos[1], q[64], path[128];
	json_t *resp = NULL, *items, *it;
	size_t i;

	if ((rc = hl_cli_opts(name, argc, argv, opts, &help, pos, 0, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(usage, stdout);
		return EX_OK;
	}
	if ((rc = build_query(q, sizeof(q), limit, exercise)) != EX_OK)
		return rc;
	snprintf(path, sizeof(path), "/api/v1/%s%s", inbound ? "inbox" : "sent", q);
	if ((rc = api_call(name, "GET", path, NULL, &resp)) != EX_OK)
		return rc;
	items = json_object_get(resp, "items");
	if (!json_is_array(items)) {
		json_decref(resp);
		return hl_cli_fail(EX_UNREACHABLE, "%s: the node's answer has no items", name);
	}
	if (json) {
		print_json(resp);
	} else if (json_array_size(items) == 0) {
		printf("(no envelopes)\n");
	} else {
		json_array_foreach(items, i, it)
			print_item_line(it, inbound);
	}
	json_decref(resp);
	return EX_OK;
}

static int
cmd_inbox(int argc, char **argv)
{
	return cmd_list("inbox", inbox_usage, 1, argc, argv);
}

static int
cmd_sent(int argc, char **argv)
{
	return cmd_list("sent", sent_usage, 0, argc, argv);
}

/* ---- show / ack / delivery: ID commands ---- */

static int
one_id(const char *cmd, const char *usage, int argc, char **argv, struct hl_cli_opt *opts,
    char idhex[HL_API_ID_HEX + 1], int *help)
{
	char *pos[2];
	uint8_t id[HL_ID_BYTES];
	int npos, rc;

	if ((rc = hl_cli_opts(cmd, argc, argv, opts, help, pos, 2, &npos)) != EX_OK)
		return rc;
	if (*help) {
		fputs(usage, stdout);
		return EX_OK;
	}
	if (npos != 1)
		return hl_cli_fail(EX_USAGE, "%s: expected one envelope ID (see hotline %s --help)", cmd, cmd);
	if (hl_hex_parse_id(pos[0], id) != HL_OK)
		return hl_cli_fail(EX_USAGE, "%s: \"%.40s\" is not an envelope id (32 hex digits)", cmd, pos[0]);
	hl_hex_id(id, idhex);
	return EX_OK;
}

static const char show_usage[] =
    "usage: hotline show ID [--json] [--output FILE]\n"
    "\n"
    "One envelope: label banner, origin, originator, precedence, signature, times\n"
    "and the content. --output writes the content bytes to FILE (mode 0600).\n";

static int
write_content(const char *path, const json_t *resp)
{
	json_t *t = json_object_get(resp, "text"), *b = json_object_get(resp, "content_b64");
	uint8_t *dec = NULL;
	const uint8_t *p;
	size_t n = 0, w = 0;
	ssize_t got;
	int fd, rc = EX_FAIL;

	if (json_is_string(t)) {
		p = (const uint8_t *)json_string_value(t);
		n = json_string_length(t);
	} else if (json_is_string(b) && hl_apijson_b64_decode(json_string_value(b),
	    json_string_length(b), HL_CONTENT_MAX_BYTES, &dec, &n) == HL_OK) {
		p = dec;
	} else {
		return hl_cli_fail(EX_UNREACHABLE, "show: the node's answer has no content");
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		rc = hl_cli_fail(EX_FAIL, "show: %s: %s", path, strerror(errno));
		goto out;
	}
	while (w < n) {
		if ((got = write(fd, p + w, n - w)) < 0) {
			if (errno == EINTR)
				continue;
			rc = hl_cli_fail(EX_FAIL, "show: %s: %s", path, strerror(errno));
			close(fd);
			goto out;
		}
		w += (size_t)got;
	}
	if (close(fd) != 0) {
		rc = hl_cli_fail(EX_FAIL, "show: %s: %s", path, strerror(errno));
		goto out;
	}
	rc = EX_OK;
out:
	if (dec != NULL)
		hl_free_secret(dec, n + 1);
	return rc;
}

static int
cmd_show(int argc, char **argv)
{
	const char *output = NULL;
	int json = 0, help, rc, ex, in;
	struct hl_cli_opt opts[] = {
		{ "json", 0, NULL, &json }, { "output", 1, &output, NULL }, { NULL, 0, NULL, NULL },
	};
	char id[HL_API_ID_HEX + 1], path[128];
	json_t *resp = NULL, *t;

	if ((rc = one_id("show", show_usage, argc, argv, opts, id, &help)) != EX_OK || help)
		return rc;
	snprintf(path, sizeof(path), "/api/v1/envelopes/%s", id);
	if ((rc = api_call("show", "GET", path, NULL, &resp)) != EX_OK)
		return rc;
	if (output != NULL && (rc = write_content(output, resp)) != EX_OK)
		goto out;
	if (json) {
		print_json(resp);
		goto out;
	}
	ex = json_is_true(json_object_get(resp, "exercise"));
	in = strcmp(jstr(resp, "direction"), "in") == 0;
	printf("==== ");
	put_clean(jstr(resp, "label_text"), 0);
	printf(" ====\n");
	if (ex)
		printf("*** EXERCISE EXERCISE EXERCISE ***\n");
	printf("id:           %s\n", jstr(resp, "id"));
	printf("direction:    %s\n", in ? "received" : "sent");
	printf("precedence:   %s\n", jstr(resp, "precedence"));
	printf("origin:       ");
	put_clean(jstr(resp, "origin"), 0);
	printf("\noriginator:   ");
	put_clean(jstr(resp, "originator"), 0);
	printf("\nsignature:    %s (suite %s)\n", jstr(resp, "signature"), jstr(resp, "suite"));
	printf("created:      %s\n", jstr(resp, "created"));
	printf("expires:      %s\n", jstr(resp, "expires"));
	if (in) {
		printf("received:     %s\n", jstr(resp, "received"));
		if (json_is_string(json_object_get(resp, "acknowledged_by"))) {
			printf("acknowledged: %s by ", jstr(resp, "acknowledged"));
			put_clean(jstr(resp, "acknowledged_by"), 0);
			printf("\n");
		} else {
			printf("acknowledged: NOT YET (hotline ack %s)\n", id);
		}
	} else {
		printf("sent:         %s\n", jstr(resp, "sent"));
	}
	printf("content:      %s, %" JSON_INTEGER_FORMAT " bytes\n", jstr(resp, "content_type"),
	    jint(resp, "size"));
	printf("\n");
	if (json_is_string(t = json_object_get(resp, "text"))) {
		put_clean(json_string_value(t), 1);
		if (json_string_length(t) > 0 &&
		    json_string_value(t)[json_string_length(t) - 1] != '\n')
			printf("\n");
	} else {
		printf("(binary content, %" JSON_INTEGER_FORMAT " bytes: use --output FILE to save it)\n",
		    jint(resp, "size"));
	}
	printf("\n");
	if (ex)
		printf("*** EXERCISE EXERCISE EXERCISE ***\n");
	printf("==== ");
	put_clean(jstr(resp, "label_text"), 0);
	printf(" ====\n");
out:
	json_decref(resp);
	return rc;
}

static const char ack_usage[] =
    "usage: hotline ack ID [--json]\n"
    "\n"
    "Acknowledge a received envelope as the configured operator; a signed\n"
    "acknowledged receipt goes back to its origin. Fails if already acknowledged.\n";

static int
cmd_ack(int argc, char **argv)
{
	int json = 0, help, rc;
	struct hl_cli_opt opts[] = { { "json", 0, NULL, &json }, { NULL, 0, NULL, NULL } };
	char id[HL_API_ID_HEX + 1], path[128];
	json_t *resp = NULL, *body;

	if ((rc = one_id("ack", ack_usage, argc, argv, opts, id, &help)) != EX_OK || help)
		return rc;
	snprintf(path, sizeof(path), "/api/v1/envelopes/%s/ack", id);
	if ((body = json_object()) == NULL)
		return hl_cli_fail(EX_FAIL, "out of memory");
	rc = api_call("ack", "POST", path, body, &resp);
	json_decref(body);
	if (rc != EX_OK)
		return rc;
	if (json) {
		print_json(resp);
	} else {
		printf("acknowledged %s by ", jstr(resp, "id"));
		put_clean(jstr(resp, "acknowledged_by"), 0);
		printf(" at %s\n", jstr(resp, "acknowledged"));
	}
	json_decref(resp);
	return EX_OK;
}

static const char delivery_usage[] =
    "usage: hotline delivery ID [--json]\n"
    "\n"
    "Per recipient of an envelope this node sent: queued, delivered, acknowledged\n"
    "(by whom) or rejected (with the reason), with times.\n";

static int
cmd_delivery(int argc, char **argv)
{
	int json = 0, help, rc;
	struct hl_cli_opt opts[] = { { "json", 0, NULL, &json }, { NULL, 0, NULL, NULL } };
	char id[HL_API_ID_HEX + 1], path[128];
	json_t *resp = NULL, *rs, *r;
	const char *st;
	size_t i;

	if ((rc = one_id("delivery", delivery_usage, argc, argv, opts, id, &help)) != EX_OK || help)
		return rc;
	snprintf(path, sizeof(path), "/api/v1/envelopes/%s/delivery", id);
	if ((rc = api_call("delivery", "GET", path, NULL, &resp)) != EX_OK)
		return rc;
	rs = json_object_get(resp, "recipients");
	if (!json_is_array(rs)) {
		json_decref(resp);
		return hl_cli_fail(EX_UNREACHABLE, "delivery: the node's answer has no recipients");
	}
	if (json) {
		print_json(resp);
		json_decref(resp);
		return EX_OK;
	}
	printf("envelope %s\n", id);
	json_array_foreach(rs, i, r) {
		st = jstr(r, "state");
		printf("  %-20s %-13s", jstr(r, "node"), st);
		if (strcmp(st, "acknowledged") == 0) {
			printf(" by ");
			put_clean(jstr(r, "acknowledged_by"), 0);
			printf(" at %s", jstr(r, "acknowledged"));
		} else if (strcmp(st, "delivered") == 0) {
			printf(" at %s", jstr(r, "delivered"));
		} else if (strcmp(st, "rejected") == 0) {
			printf(" at %s: %s", jstr(r, "rejected"), jstr(r, "reason"));
			if (json_is_string(json_object_get(r, "detail"))) {
				printf(" (");
				put_clean(jstr(r, "detail"), 0);
				printf(")");
			}
		} else {
			printf(" since %s", jstr(r, "queued"));
		}
		printf("\n");
	}
	json_decref(resp);
	return EX_OK;
}

/* ---- status ---- */

static const char status_usage[] =
    "usage: hotline status [--json]\n"
    "\n"
    "This node (name, suite, start time) and each peer link: up or down, round\n"
    "trip time, queue depth, last heartbeat, last error.\n";

static int
cmd_status(int argc, char **argv)
{
	int json = 0, help, npos, rc;
	struct hl_cli_opt opts[] = { { "json", 0, NULL, &json }, { NULL, 0, NULL, NULL } };
	char *pos[1];
	json_t *resp = NULL, *peers, *p, *rtt, *lt, *wt;
	size_t i;
	int up;

	if ((rc = hl_cli_opts("status", argc, argv, opts, &help, pos, 0, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(status_usage, stdout);
		return EX_OK;
	}
	if ((rc = api_call("status", "GET", "/api/v1/status", NULL, &resp)) != EX_OK)
		return rc;
	if (json) {
		print_json(resp);
		json_decref(resp);
		return EX_OK;
	}
	printf("node %s (%s), hotline %s, suite %s, started %s\n", jstr(resp, "node"),
	    jstr(resp, "partner"), jstr(resp, "version"), jstr(resp, "suite"), jstr(resp, "started"));
	peers = json_object_get(resp, "peers");
	json_array_foreach(peers, i, p) {
		up = strcmp(jstr(p, "link"), "up") == 0;
		printf("  %-20s %-4s", jstr(p, "node"), up ? "up" : "DOWN");
		rtt = json_object_get(p, "rtt_ms");
		if (up && json_is_number(rtt))
			printf("  rtt %.1f ms", json_number_value(rtt));
		printf("  queue %" JSON_INTEGER_FORMAT, jint(p, "queue_depth"));
		if (json_is_string(json_object_get(p, "last_heartbeat")))
			printf("  last heartbeat %s", jstr(p, "last_heartbeat"));
		if (!up && json_is_string(json_object_get(p, "last_error"))) {
			printf("  last error: ");
			put_clean(jstr(p, "last_error"), 0);
		}
		lt = json_object_get(p, "link_test");
		if (json_is_object(lt) && strcmp(jstr(lt, "result"), "none") != 0) {
			printf("  link test: ");
			put_clean(jstr(lt, "result"), 0);
			if (json_is_string(json_object_get(lt, "last_sent")))
				printf(" (sent %s)", jstr(lt, "last_sent"));
		}
		wt = json_object_get(p, "witness");
		if (json_is_object(wt) && json_is_integer(json_object_get(wt, "size"))) {
			printf("  witnessed %" JSON_INTEGER_FORMAT " entries", jint(wt, "size"));
			if (json_is_string(json_object_get(wt, "checkpoint_time")))
				printf(" (checkpoint %s)", jstr(wt, "checkpoint_time"));
		}
		if (json_is_object(wt) && strncmp(jstr(wt, "state"), "FORK", 4) == 0) {
			printf("  audit log ");
			put_clean(jstr(wt, "state"), 0);
		}
		/* what the peer witnessed of our log */
		if (strcmp(jstr(p, "our_witness_state"), "ok") == 0 ||
		    strcmp(jstr(p, "our_witness_state"), "fork") == 0) {
			printf("  %s our checkpoint size %" JSON_INTEGER_FORMAT,
			    strcmp(jstr(p, "our_witness_state"), "ok") == 0 ? "witnessed" :
			    "DISPUTES (fork)", jint(p, "our_witnessed_size"));
			if (json_is_string(json_object_get(p, "our_witnessed_time")))
				printf(" at %s", jstr(p, "our_witnessed_time"));
		}
		printf("\n");
	}
	json_decref(resp);
	return EX_OK;
}

/* ---- audit (offline) ---- */

static const char audit_usage[] =
    "usage: hotline audit verify [--json]\n"
    "       hotline audit checkpoint [--json]\n"
    "       hotline audit prove ID [--json]\n"
    "       hotline audit check-proof --cert CERT.pem FILE\n"
    "\n"
    "verify: open the node's database read-only (DATA/hotline.db from the\n"
    "configuration) and walk the hash chain of the audit log, checking every\n"
    "signed checkpoint against the Merkle tree recomputed at its size. Works while\n"
    "the node runs or not. Prints \"audit: N entries verified\", or names the first\n"
    "bad entry and exits 1.\n"
    "\n"
    "checkpoint: sign (with the node key from the configuration) and store a\n"
    "checkpoint over all audit entries, or show the latest when nothing is new.\n"
    "\n"
    "prove ID: print a JSON proof bundle: every audit entry of envelope ID with\n"
    "its inclusion proof against the latest checkpoint, and that checkpoint.\n"
    "\n"
    "check-proof: verify such a bundle (FILE, or - for standard input) with the\n"
    "origin node's certificate: the checkpoint's signature and node, then each\n"
    "entry's inclusion. Needs no access to the node. See docs/internals/audit.md.\n";

/* Add key: hex string of p[n] to object o (jansson copies it). */
static int
json_set_hex(json_t *o, const char *key, const uint8_t *p, size_t n)
{
	char buf[2 * 512 + 1];

	if (n > 512)
		return -1;
	hl_hex_encode(p, n, buf);
	return json_object_set_new(o, key, json_string(buf));
}

/* The node name and raw Ed25519 public key of a PEM certificate. */
static int
load_cert_pub(const char *path, uint8_t pub[HL_ED25519_PUB], char node[HL_NODE_NAME_MAX + 1],
    char *err, size_t errlen)
{
	FILE *fp = NULL;
	X509 *x = NULL;
	EVP_PKEY *pk;
	size_t n = HL_ED25519_PUB;
	int r = HL_ERR_CRYPTO;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return HL_ERR_IO;
	}
	if ((x = PEM_read_X509(fp, NULL, NULL, NULL)) == NULL) {
		snprintf(err, errlen, "%s: not a PEM certificate", path);
		goto out;
	}
	if ((pk = X509_get0_pubkey(x)) == NULL || EVP_PKEY_get_id(pk) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(pk, pub, &n) != 1 || n != HL_ED25519_PUB) {
		snprintf(err, errlen, "%s: not an Ed25519 certificate", path);
		goto out;
	}
	if (hl_pki_cert_node_name(x, node) != HL_OK) {
		snprintf(err, errlen, "%s: no hotline node name in the certificate", path);
		goto out;
	}
	r = HL_OK;
out:
	ERR_clear_error();
	X509_free(x);
	fclose(fp);
	return r;
}

static void
db_path(char *path, size_t len)
{
	snprintf(path, len, "%s/hotline.db", cli.cfg.data_dir);
}

static int
audit_verify_cmd(int argc, char **argv)
{
	int json = 0, help, npos, rc;
	struct hl_cli_opt opts[] = { { "json", 0, NULL, &json }, { NULL, 0, NULL, NULL } };
	char *pos[1], path[HL_PATH_MAX + 16], err[512], msg[600], node[HL_NODE_NAME_MAX + 1];
	uint8_t pub[HL_ED25519_PUB];
	struct hl_store *s = NULL;
	uint64_t count = 0, bad = 0;
	json_t *j;
	int r, have_pub;

	if ((rc = hl_cli_opts("audit verify", argc, argv, opts, &help, pos, 0, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(audit_usage, stdout);
		return EX_OK;
	}
	if ((rc = load_config()) != EX_OK)
		return rc;
	/* with the node's certificate the checkpoints' signatures are checked
	 * too; without it (unreadable) their roots still are */
	have_pub = load_cert_pub(cli.cfg.cert_path, pub, node, err, sizeof(err)) == HL_OK;
	db_path(path, sizeof(path));
	err[0] = '\0';
	if ((r = hl_store_open_readonly(path, &s, err, sizeof(err))) != HL_OK)
		return hl_cli_fail(EX_FAIL, "audit: %s", err[0] != '\0' ? err : hl_strerror(r));
	err[0] = '\0';
	if (have_pub)
		r = hl_store_audit_verify_signed(s, pub, &count, &bad, err, sizeof(err));
	else
		r = hl_store_audit_verify(s, &count, &bad, err, sizeof(err));
	hl_store_close(s);
	if (r != HL_OK && r != HL_ERR_CORRUPT)
		return hl_cli_fail(EX_FAIL, "audit: cannot verify %s: %s", path,
		    err[0] != '\0' ? err : hl_strerror(r));
	if (r == HL_OK)
		snprintf(msg, sizeof(msg), "%" PRIu64 " entries verified", count);
	else if (strncmp(err, "entry", 5) == 0)
		snprintf(msg, sizeof(msg), "%s", err);
	else
		snprintf(msg, sizeof(msg), "entry %" PRIu64 ": %s", bad,
		    err[0] != '\0' ? err : "does not verify");
	if (json) {
		j = r == HL_OK ?
		    json_pack("{s:b, s:I, s:n, s:s}", "ok", 1, "entries", (json_int_t)count,
		    "first_bad_seq", "message", msg) :
		    json_pack("{s:b, s:I, s:I, s:s}", "ok", 0, "entries", (json_int_t)count,
		    "first_bad_seq", (json_int_t)bad, "message", msg);
		if (j != NULL)
			print_json(j);
		json_decref(j);
	} else if (r == HL_OK) {
		printf("audit: %s\n", msg);
	}
	if (r != HL_OK)
		return hl_cli_fail(EX_FAIL, "audit: %s", msg);
	return EX_OK;
}

static int
audit_checkpoint_cmd(int argc, char **argv)
{
	int json = 0, help, npos, rc, r, fresh = 1;
	struct hl_cli_opt opts[] = { { "json", 0, NULL, &json }, { NULL, 0, NULL, NULL } };
	char *pos[1], path[HL_PATH_MAX + 16], err[512], roothex[2 * HL_SHA256 + 1];
	char when[HL_API_TIME_LEN];
	struct hl_store *s = NULL;
	struct hl_keys *k = NULL;
	struct hl_checkpoint c;
	struct stat sb;
	uint8_t *raw = NULL;
	size_t len = 0;
	json_t *j = NULL;

	if ((rc = hl_cli_opts("audit checkpoint", argc, argv, opts, &help, pos, 0, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(audit_usage, stdout);
		return EX_OK;
	}
	if ((rc = load_config()) != EX_OK)
		return rc;
	db_path(path, sizeof(path));
	if (stat(path, &sb) != 0)
		return hl_cli_fail(EX_FAIL, "audit: no database at %s: %s", path, strerror(errno));
	rc = EX_FAIL;
	err[0] = '\0';
	if ((r = hl_store_open(path, &s, err, sizeof(err))) != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit: %s", err[0] != '\0' ? err : hl_strerror(r));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/kem", cli.cfg.data_dir);
	if ((r = hl_keys_open(cli.cfg.key_path, path, &k, err, sizeof(err))) != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit: cannot load the node key: %s",
		    err[0] != '\0' ? err : hl_strerror(r));
		goto out;
	}
	r = hl_store_audit_checkpoint(s, k, cli.cfg.node, hl_now_ms(), &raw, &len);
	if (r == HL_ERR_EXISTS) {
		fresh = 0;
		r = hl_store_audit_checkpoint_last(s, &raw, &len);
	}
	if (r != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit: cannot make a checkpoint: %s (%s)", hl_strerror(r),
		    hl_store_errmsg(s));
		goto out;
	}
	if ((r = hl_checkpoint_decode(raw, len, &c)) != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit: stored checkpoint is malformed");
		goto out;
	}
	hl_hex_encode(c.root, HL_SHA256, roothex);
	hl_apijson_format_time(c.time_ms, when);
	if (json) {
		if ((j = json_pack("{s:s, s:I, s:s, s:s, s:I, s:b}", "node", c.node,
		    "size", (json_int_t)c.size, "root", roothex, "time", when,
		    "time_ms", (json_int_t)c.time_ms, "new", fresh)) == NULL ||
		    json_set_hex(j, "checkpoint", raw, len) != 0) {
			hl_cli_fail(EX_FAIL, "audit: out of memory");
			goto out;
		}
		print_json(j);
	} else {
		printf("checkpoint of %s at size %" PRIu64 ": root %s, %s%s\n", c.node, c.size,
		    roothex, when, fresh ? "" : " (latest; no new entries)");
	}
	rc = EX_OK;
out:
	json_decref(j);
	hl_free(raw);
	hl_keys_free(k);
	hl_store_close(s);
	return rc;
}

static int
audit_prove_cmd(int argc, char **argv)
{
	int json = 0, help, npos, rc = EX_FAIL, r;
	struct hl_cli_opt opts[] = { { "json", 0, NULL, &json }, { NULL, 0, NULL, NULL } };
	char *pos[1], path[HL_PATH_MAX + 16], err[512], idhex[HL_API_ID_HEX + 1];
	uint8_t id[HL_ID_BYTES], leaf[HL_SHA256], proof[HL_MERKLE_PROOF_MAX][HL_SHA256];
	struct hl_store *s = NULL;
	struct hl_audit_entry *a = NULL;
	struct hl_merkle_entry me;
	struct hl_checkpoint c;
	uint8_t *raw = NULL;
	size_t len = 0, n = 0, i, p, plen, included = 0;
	json_t *j = NULL, *arr = NULL, *e, *pa;

	if ((rc = hl_cli_opts("audit prove", argc, argv, opts, &help, pos, 1, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(audit_usage, stdout);
		return EX_OK;
	}
	if (npos != 1)
		return hl_cli_fail(EX_USAGE, "audit prove: expected an envelope id (see hotline audit --help)");
	if (hl_hex_parse_id(pos[0], id) != HL_OK)
		return hl_cli_fail(EX_USAGE, "audit prove: \"%.40s\" is not an envelope id (32 hex digits)",
		    pos[0]);
	if ((rc = load_config()) != EX_OK)
		return rc;
	rc = EX_FAIL;
	hl_hex_id(id, idhex);
	db_path(path, sizeof(path));
	err[0] = '\0';
	if ((r = hl_store_open_readonly(path, &s, err, sizeof(err))) != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit: %s", err[0] != '\0' ? err : hl_strerror(r));
		goto out;
	}
	r = hl_store_audit_checkpoint_last(s, &raw, &len);
	if (r == HL_ERR_NOT_FOUND) {
		hl_cli_fail(EX_FAIL, "audit prove: no checkpoint yet (run \"hotline audit checkpoint\")");
		goto out;
	}
	if (r != HL_OK || hl_checkpoint_decode(raw, len, &c) != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit prove: cannot read the latest checkpoint: %s",
		    r != HL_OK ? hl_store_errmsg(s) : "malformed");
		goto out;
	}
	if ((r = hl_store_audit_by_id(s, id, 10000, &a, &n)) != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit prove: %s (%s)", hl_strerror(r), hl_store_errmsg(s));
		goto out;
	}
	if ((j = json_pack("{s:s, s:s, s:s, s:I}", "format", "hotline-audit-proof-v1",
	    "node", c.node, "envelope_id", idhex, "tree_size", (json_int_t)c.size)) == NULL ||
	    json_set_hex(j, "root", c.root, HL_SHA256) != 0 ||
	    json_set_hex(j, "checkpoint", raw, len) != 0 ||
	    json_object_set_new(j, "entries", arr = json_array()) != 0 || arr == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		char when[HL_API_TIME_LEN];

		if (a[i].seq == 0 || a[i].seq > c.size)
			continue;   /* after the checkpoint: in the next one */
		if ((r = hl_store_audit_inclusion(s, a[i].seq, c.size, proof, &plen)) != HL_OK) {
			hl_cli_fail(EX_FAIL, "audit prove: entry %" PRIu64 ": %s (%s)", a[i].seq,
			    hl_strerror(r), hl_store_errmsg(s));
			goto out;
		}
		memset(&me, 0, sizeof(me));
		me.seq = a[i].seq;
		me.time_ms = a[i].time_ms;
		me.event = a[i].event;
		me.event_len = strlen(a[i].event);
		me.has_id = 1;
		memcpy(me.id, id, HL_ID_BYTES);
		me.actor = a[i].actor;
		me.actor_len = strlen(a[i].actor);
		me.detail = a[i].detail;
		me.detail_len = strlen(a[i].detail);
		/* never hand out a proof that does not verify */
		if (hl_merkle_entry_leaf(&me, leaf) != HL_OK ||
		    hl_merkle_inclusion_verify(a[i].seq - 1, c.size, leaf,
		    (const uint8_t (*)[HL_SHA256])proof, plen, c.root) != HL_OK) {
			hl_cli_fail(EX_FAIL, "audit prove: entry %" PRIu64 " does not match the checkpoint "
			    "at size %" PRIu64 " (run \"hotline audit verify\")", a[i].seq, c.size);
			goto out;
		}
		hl_apijson_format_time(a[i].time_ms, when);
		if ((e = json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s}",
		    "seq", (json_int_t)a[i].seq, "index", (json_int_t)(a[i].seq - 1),
		    "time_ms", (json_int_t)a[i].time_ms, "time", when, "event", a[i].event,
		    "envelope_id", idhex, "actor", a[i].actor, "detail", a[i].detail)) == NULL ||
		    json_array_append_new(arr, e) != 0 || json_set_hex(e, "leaf", leaf,
		    HL_SHA256) != 0 || json_object_set_new(e, "proof", pa = json_array()) != 0 ||
		    pa == NULL)
			goto nomem;
		for (p = 0; p < plen; p++) {
			char h[2 * HL_SHA256 + 1];

			hl_hex_encode(proof[p], HL_SHA256, h);
			if (json_array_append_new(pa, json_string(h)) != 0)
				goto nomem;
		}
		included++;
	}
	if (included == 0) {
		hl_cli_fail(EX_FAIL, "audit prove: no audit entry of %s in the checkpoint at size %" PRIu64
		    "%s", idhex, c.size, n > 0 ? " (newer entries: make a new checkpoint)" : "");
		goto out;
	}
	print_json(j);
	rc = EX_OK;
	goto out;
nomem:
	hl_cli_fail(EX_FAIL, "audit prove: out of memory");
out:
	json_decref(j);
	hl_free(a);
	hl_free(raw);
	hl_store_close(s);
	return rc;
}

static int
audit_check_proof_cmd(int argc, char **argv)
{
	int help, npos, rc = EX_FAIL;
	const char *cert = NULL;
	struct hl_cli_opt opts[] = { { "cert", 1, &cert, NULL }, { NULL, 0, NULL, NULL } };
	char *pos[1], err[512], node[HL_NODE_NAME_MAX + 1];
	uint8_t pub[HL_ED25519_PUB], *text = NULL;
	struct hl_checkpoint c;
	size_t len = 0, n = 0;

	if ((rc = hl_cli_opts("audit check-proof", argc, argv, opts, &help, pos, 1, &npos)) !=
	    EX_OK)
		return rc;
	if (help) {
		fputs(audit_usage, stdout);
		return EX_OK;
	}
	if (npos != 1 || cert == NULL)
		return hl_cli_fail(EX_USAGE, "audit check-proof: expected --cert CERT.pem FILE "
		    "(see hotline audit --help)");
	rc = EX_FAIL;
	if (load_cert_pub(cert, pub, node, err, sizeof(err)) != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit check-proof: %s", err);
		goto out;
	}
	if (read_all(pos[0], HL_PROOF_MAX_BYTES, &text, &len, err, sizeof(err)) != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit check-proof: %s", err);
		goto out;
	}
	/* proof.c: the bundle is untrusted input (fuzz/fuzz_proof.c) */
	if (hl_proof_check(text, len, node, pub, &c, &n, err, sizeof(err)) != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit check-proof: %s: %s", pos[0], err);
		goto out;
	}
	printf("proof OK: %zu entr%s included in checkpoint of %s at size %" PRIu64 "\n", n,
	    n == 1 ? "y" : "ies", c.node, c.size);
	rc = EX_OK;
out:
	if (text != NULL)
		hl_free_secret(text, len + 1);
	return rc;
}

static int
cmd_audit(int argc, char **argv)
{
	if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
		fputs(audit_usage, stdout);
		return EX_OK;
	}
	if (argc >= 1 && strcmp(argv[0], "verify") == 0)
		return audit_verify_cmd(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "checkpoint") == 0)
		return audit_checkpoint_cmd(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "prove") == 0)
		return audit_prove_cmd(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "check-proof") == 0)
		return audit_check_proof_cmd(argc - 1, argv + 1);
	return hl_cli_fail(EX_USAGE, "audit: expected \"audit verify\", \"audit checkpoint\", "
	    "\"audit prove\" or \"audit check-proof\" (see hotline audit --help)");
}

/* ---- keys ---- */

static const char keys_usage[] =
    "usage: hotline keys list [--json]\n"
    "       hotline keys rotate [--json]\n"
    "\n"
    "list: the KEM key pairs this node holds (suite, epoch, created), the current\n"
    "epoch and when the next scheduled rotation is due. Old epochs are erased\n"
    "once every linked peer has adopted the new keys, and after kem_keep at most.\n"
    "rotate: make a new epoch now (admin only) and send the new descriptor to\n"
    "every linked peer; prints the resulting list.\n";

static int
cmd_keys(int argc, char **argv)
{
	int json = 0, help, npos, rc, rotate;
	struct hl_cli_opt opts[] = { { "json", 0, NULL, &json }, { NULL, 0, NULL, NULL } };
	char *pos[1];
	json_t *resp = NULL, *keys, *k;
	size_t i;

	if ((rc = hl_cli_opts("keys", argc, argv, opts, &help, pos, 1, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(keys_usage, stdout);
		return EX_OK;
	}
	if (npos != 1 || (strcmp(pos[0], "list") != 0 && strcmp(pos[0], "rotate") != 0))
		return hl_cli_fail(EX_USAGE, "keys: expected \"list\" or \"rotate\" (see hotline keys --help)");
	rotate = strcmp(pos[0], "rotate") == 0;
	if ((rc = api_call("keys", rotate ? "POST" : "GET",
	    rotate ? "/api/v1/keys/rotate" : "/api/v1/keys", NULL, &resp)) != EX_OK)
		return rc;
	if (json) {
		print_json(resp);
		json_decref(resp);
		return EX_OK;
	}
	printf("suite %s, current epoch %" JSON_INTEGER_FORMAT ", next rotation %s\n",
	    jstr(resp, "suite"), jint(resp, "current_epoch"), jstr(resp, "next_rotation"));
	keys = json_object_get(resp, "keys");
	json_array_foreach(keys, i, k)
		printf("  epoch %-4" JSON_INTEGER_FORMAT " %-18s created %s%s\n", jint(k, "epoch"),
		    jstr(k, "suite"), jstr(k, "created"),
		    json_is_true(json_object_get(k, "current")) ? "  (current)" : "  (held until peers adopt the new keys)");
	json_decref(resp);
	return EX_OK;
}

/* ---- tracks ---- */

static const char track_report_usage[] =
    "usage: hotline track-report --to P1,NODE,...|all --classification LEVEL\n"
    "           --releasable-to P1,P2,... --tlp TLP [--exercise] [--ttl DURATION]\n"
    "           --track-id ID --observed TIME --lat DEG --lon DEG [--alt M]\n"
    "           --speed M/S --heading DEG [--climb M/S]\n"
    "           [--impact-lat DEG --impact-lon DEG --impact-radius-km KM]\n"
    "           --confidence 0..1 [--remark TEXT]\n"
    "\n"
    "Send one update of a live warning track (docs/internals/tracks.md). Tracks\n"
    "always travel at FLASH. The record is checked here and again by the node.\n"
    "  --track-id      1 to 64 of A-Z a-z 0-9 . _ : -  (e.g. JPN-0042)\n"
    "  --observed      RFC 3339 UTC time, e.g. 2026-11-23T23:41:00Z or ...:00.250Z\n"
    "  --lat, --lon    position in degrees (-90..90, -180..180); --alt in metres\n"
    "  --speed         metres per second (>= 0); --heading degrees 0..360;\n"
    "                  --climb metres per second (negative: descending)\n"
    "  --impact-*      predicted impact area: centre and radius (> 0 km), all three\n"
    "  --confidence    0 to 1\n"
    "  --remark        free text, at most 1024 bytes, no control characters\n"
    "Prints the envelope id (32 hex digits) and nothing else.\n";

/* A finite number from an option. */
static int
num_arg(const char *opt, const char *v, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	if (v[0] == '\0' || *end != '\0' || errno != 0 || !isfinite(*out))
		return hl_cli_fail(EX_USAGE, "track-report: --%s must be a number, got \"%.40s\"", opt, v);
	return EX_OK;
}

static int
cmd_track_report(int argc, char **argv)
{
	const char *to = NULL, *cls = NULL, *rel = NULL, *tlp = NULL, *ttl = NULL;
	const char *tid = NULL, *obs = NULL, *lat = NULL, *lon = NULL, *alt = NULL;
	const char *speed = NULL, *heading = NULL, *climb = NULL, *ilat = NULL, *ilon = NULL;
	const char *irad = NULL, *conf = NULL, *remark = NULL;
	int exercise = 0, help, npos, rc;
	struct hl_cli_opt opts[] = {
		{ "to", 1, &to, NULL }, { "classification", 1, &cls, NULL },
		{ "releasable-to", 1, &rel, NULL }, { "tlp", 1, &tlp, NULL },
		{ "ttl", 1, &ttl, NULL }, { "exercise", 0, NULL, &exercise },
		{ "track-id", 1, &tid, NULL }, { "observed", 1, &obs, NULL },
		{ "lat", 1, &lat, NULL }, { "lon", 1, &lon, NULL }, { "alt", 1, &alt, NULL },
		{ "speed", 1, &speed, NULL }, { "heading", 1, &heading, NULL },
		{ "climb", 1, &climb, NULL }, { "impact-lat", 1, &ilat, NULL },
		{ "impact-lon", 1, &ilon, NULL }, { "impact-radius-km", 1, &irad, NULL },
		{ "confidence", 1, &conf, NULL }, { "remark", 1, &remark, NULL },
		{ NULL, 0, NULL, NULL },
	};
	struct hl_track t;
	char *pos[1], err[256];
	uint8_t *rec = NULL;
	size_t reclen = 0;
	uint64_t ttl_ms = 0;
	json_t *body = NULL, *arr = NULL, *resp = NULL;

	if ((rc = hl_cli_opts("track-report", argc, argv, opts, &help, pos, 0, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(track_report_usage, stdout);
		return EX_OK;
	}
	if (to == NULL || cls == NULL || rel == NULL || tlp == NULL || tid == NULL || obs == NULL ||
	    lat == NULL || lon == NULL || speed == NULL || heading == NULL || conf == NULL)
		return hl_cli_fail(EX_USAGE, "track-report: --to, --classification, --releasable-to, --tlp, "
		    "--track-id, --observed, --lat, --lon, --speed, --heading and --confidence are "
		    "required (see hotline track-report --help)");
	if ((ilat != NULL || ilon != NULL || irad != NULL) &&
	    (ilat == NULL || ilon == NULL || irad == NULL))
		return hl_cli_fail(EX_USAGE, "track-report: give all of --impact-lat, --impact-lon and "
		    "--impact-radius-km, or none");
	if (ttl != NULL && (hl_parse_duration_ms(ttl, &ttl_ms) != HL_OK || ttl_ms < 1000 ||
	    ttl_ms / 1000 > HL_API_TTL_MAX_S))
		return hl_cli_fail(EX_USAGE, "track-report: --ttl must be a duration from 1s to %ud",
		    HL_API_TTL_MAX_S / 86400);
	memset(&t, 0, sizeof(t));
	if (strlen(tid) > HL_TRACK_ID_MAX)
		return hl_cli_fail(EX_USAGE, "track-report: track_id: must be 1 to %d characters of "
		    "A-Z a-z 0-9 . _ : -", HL_TRACK_ID_MAX);
	snprintf(t.track_id, sizeof(t.track_id), "%s", tid);
	if (hl_track_parse_time(obs, strlen(obs), &t.observed_s, &t.observed_ns) != HL_OK)
		return hl_cli_fail(EX_USAGE, "track-report: observed: must be an RFC 3339 UTC time such "
		    "as 2026-11-23T23:41:00Z, got \"%.40s\"", obs);
	if ((rc = num_arg("lat", lat, &t.lat)) != EX_OK ||
	    (rc = num_arg("lon", lon, &t.lon)) != EX_OK ||
	    (rc = num_arg("speed", speed, &t.speed_mps)) != EX_OK ||
	    (rc = num_arg("heading", heading, &t.heading_deg)) != EX_OK ||
	    (rc = num_arg("confidence", conf, &t.confidence)) != EX_OK)
		return rc;
	if (alt != NULL && (rc = num_arg("alt", alt, &t.alt_m)) != EX_OK)
		return rc;
	t.has_alt = alt != NULL;
	if (climb != NULL && (rc = num_arg("climb", climb, &t.climb_mps)) != EX_OK)
		return rc;
	t.has_climb = climb != NULL;
	if (ilat != NULL) {
		if ((rc = num_arg("impact-lat", ilat, &t.impact_lat)) != EX_OK ||
		    (rc = num_arg("impact-lon", ilon, &t.impact_lon)) != EX_OK ||
		    (rc = num_arg("impact-radius-km", irad, &t.impact_radius_km)) != EX_OK)
			return rc;
		t.has_impact = 1;
	}
	if (remark != NULL) {
		if (strlen(remark) > HL_TRACK_REMARK_MAX)
			return hl_cli_fail(EX_USAGE, "track-report: remark: longer than %d bytes",
			    HL_TRACK_REMARK_MAX);
		snprintf(t.remark, sizeof(t.remark), "%s", remark);
		t.has_remark = 1;
	}
	if (hl_track_check(&t, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_USAGE, "track-report: %s", err);
	if (hl_track_encode(&t, &rec, &reclen) != HL_OK)
		return hl_cli_fail(EX_FAIL, "track-report: cannot encode the track");
	rc = EX_FAIL;
	if ((body = json_object()) == NULL)
		goto nomem;
	if (strcmp(to, "all") == 0) {
		if (json_object_set_new(body, "to_all", json_true()) != 0)
			goto nomem;
	} else {
		if ((arr = json_array()) == NULL || json_object_set(body, "to", arr) != 0)
			goto nomem;
		if (add_csv(arr, to) != 0) {
			rc = hl_cli_fail(EX_USAGE, "track-report: --to: empty recipient in \"%s\"", to);
			goto out;
		}
		json_decref(arr);
		arr = NULL;
	}
	if (json_object_set_new(body, "precedence", json_string("flash")) != 0 ||
	    json_object_set_new(body, "classification", json_string(cls)) != 0)
		goto bad_arg;
	if ((arr = json_array()) == NULL || json_object_set(body, "releasable_to", arr) != 0)
		goto nomem;
	if (add_csv(arr, rel) != 0) {
		rc = hl_cli_fail(EX_USAGE, "track-report: --releasable-to: empty partner in \"%s\"", rel);
		goto out;
	}
	json_decref(arr);
	arr = NULL;
	if (json_object_set_new(body, "tlp", json_string(tlp)) != 0 ||
	    json_object_set_new(body, "content_type", json_string("track")) != 0 ||
	    json_object_set_new(body, "text", json_stringn((const char *)rec, reclen)) != 0)
		goto bad_arg;
	if (exercise && json_object_set_new(body, "exercise", json_true()) != 0)
		goto nomem;
	if (ttl != NULL && json_object_set_new(body, "ttl_s",
	    json_integer((json_int_t)(ttl_ms / 1000))) != 0)
		goto nomem;
	rc = post_envelope("track-report", body);
	goto out;
bad_arg:
	rc = hl_cli_fail(EX_USAGE, "track-report: options must be valid UTF-8");
	goto out;
nomem:
	rc = hl_cli_fail(EX_FAIL, "out of memory");
out:
	hl_free(rec);
	json_decref(arr);
	json_decref(body);
	json_decref(resp);
	return rc;
}

static const char tracks_usage[] =
    "usage: hotline tracks [--json] [--exercise include|exclude|only] [--limit N]\n"
    "                      [--history TRACK_ID]\n"
    "\n"
    "The current picture: one line per track (origin node, track id, EXERCISE or\n"
    "not), its latest observation, newest first, with the number of updates\n"
    "received. Only tracks whose latest update your clearance and nationality\n"
    "allow are shown.\n"
    "  --json       the API's JSON (docs/API.md)\n"
    "  --exercise   include (default), exclude or only EXERCISE tracks\n"
    "  --limit N    at most N tracks (1..100000, default 1000)\n"
    "  --history ID every update of track ID (any origin), newest observation first\n";

static double
jnum(const json_t *o, const char *k, int *has)
{
	json_t *v = json_object_get(o, k);

	*has = json_is_number(v);
	return *has ? json_number_value(v) : 0;
}

static void
print_track_line(const json_t *it, int history)
{
	const json_t *p = json_object_get(it, "position"), *v = json_object_get(it, "velocity");
	const json_t *im = json_object_get(it, "impact_area");
	double x;
	int has;

	put_clean(jstr(it, "origin"), 0);
	printf("  ");
	put_clean(jstr(it, "track_id"), 0);
	printf("  %s", jstr(it, "observed"));
	printf("  pos %.5f,%.5f", jnum(p, "lat", &has), jnum(p, "lon", &has));
	if ((x = jnum(p, "alt_m", &has)), has)
		printf(" alt %g m", x);
	printf("  %g m/s hdg %g", jnum(v, "speed_mps", &has), jnum(v, "heading_deg", &has));
	if ((x = jnum(v, "climb_mps", &has)), has)
		printf(" climb %g m/s", x);
	if (json_is_object(im))
		printf("  impact %.5f,%.5f r %g km", jnum(im, "lat", &has), jnum(im, "lon", &has),
		    jnum(im, "radius_km", &has));
	printf("  conf %g", jnum(it, "confidence", &has));
	if (!history)
		printf("  updates %" JSON_INTEGER_FORMAT, jint(it, "updates"));
	printf("  ");
	put_clean(jstr(it, "label_text"), 0);
	if (json_is_true(json_object_get(it, "exercise")))
		printf("  [EXERCISE]");
	printf("  %s", jstr(it, "envelope_id"));
	if (json_is_string(json_object_get(it, "remark"))) {
		printf("  \"");
		put_clean(jstr(it, "remark"), 0);
		printf("\"");
	}
	printf("\n");
}

static int
cmd_tracks(int argc, char **argv)
{
	const char *limit = NULL, *exercise = NULL, *history = NULL;
	int json = 0, help, npos, rc;
	struct hl_cli_opt opts[] = {
		{ "json", 0, NULL, &json }, { "limit", 1, &limit, NULL },
		{ "exercise", 1, &exercise, NULL }, { "history", 1, &history, NULL },
		{ NULL, 0, NULL, NULL },
	};
	char *pos[1], q[160], path[200];
	json_t *resp = NULL, *items, *it;
	size_t i, hl;

	if ((rc = hl_cli_opts("tracks", argc, argv, opts, &help, pos, 0, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(tracks_usage, stdout);
		return EX_OK;
	}
	if ((rc = build_query(q, sizeof(q), limit, exercise)) != EX_OK)
		return rc;
	if (history != NULL) {
		hl = strlen(history);
		for (i = 0; i < hl; i++)
			if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-",
			    history[i]) == NULL)
				break;
		if (hl == 0 || hl > HL_TRACK_ID_MAX || i != hl)
			return hl_cli_fail(EX_USAGE, "tracks: --history must be a track id (1 to %d of "
			    "A-Z a-z 0-9 . _ : -)", HL_TRACK_ID_MAX);
		snprintf(q + strlen(q), sizeof(q) - strlen(q), "%shistory=%s", q[0] ? "&" : "?",
		    history);
	}
	snprintf(path, sizeof(path), "/api/v1/tracks%s", q);
	if ((rc = api_call("tracks", "GET", path, NULL, &resp)) != EX_OK)
		return rc;
	items = json_object_get(resp, "items");
	if (!json_is_array(items)) {
		json_decref(resp);
		return hl_cli_fail(EX_UNREACHABLE, "tracks: the node's answer has no items");
	}
	if (json) {
		print_json(resp);
	} else if (json_array_size(items) == 0) {
		printf("(no tracks)\n");
	} else {
		json_array_foreach(items, i, it)
			print_track_line(it, history != NULL);
	}
	json_decref(resp);
	return EX_OK;
}

/* ---- operator accounts (docs/CLI.md, console issue): the node's
 * admin-only /api/v1/operators endpoints ---- */

static const char operator_usage[] =
    "usage: hotline operator add NAME --role officer|analyst|admin --clearance LEVEL\n"
    "                           --nationality CODE [--password-file FILE]\n"
    "       hotline operator list [--json]\n"
    "       hotline operator disable NAME\n"
    "       hotline operator reset NAME [--password-file FILE]\n"
    "\n"
    "Operator accounts kept in the node's database (the configuration's\n"
    "[operator] sections come first and cannot be changed here). Admin only;\n"
    "every change is audited. The password (at least 8 characters) is asked\n"
    "twice on the terminal without echo, or read from --password-file (first\n"
    "line; \"-\" is standard input). reset sets a new password and enables a\n"
    "disabled account again; disable ends the account's console sessions.\n";

#define OPERATOR_PASSWORD_MAX 1024

/* One line from the terminal without echo. OUT: buf (NUL-terminated). */
static int
tty_password(const char *prompt, char *buf, size_t cap)
{
	struct termios old, quiet;
	FILE *tty;
	size_t n;
	int ok = 0;

	buf[0] = '\0';
	if ((tty = fopen("/dev/tty", "r+")) == NULL)
		return hl_cli_fail(EX_USAGE, "operator: no terminal to ask the password on; use "
		    "--password-file");
	if (tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		fputs(prompt, tty);
		fflush(tty);
		if (tcsetattr(fileno(tty), TCSAFLUSH, &quiet) == 0) {
			ok = fgets(buf, (int)cap, tty) != NULL;
			(void)tcsetattr(fileno(tty), TCSAFLUSH, &old);
		}
		fputs("\n", tty);
	}
	fclose(tty);
	if (!ok)
		return hl_cli_fail(EX_FAIL, "operator: cannot read the password from the terminal");
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return EX_OK;
}

/* The new password: --password-file's first line, or asked twice. */
static int
operator_password(const char *file, char *out, size_t cap)
{
	char again[OPERATOR_PASSWORD_MAX + 2];
	uint8_t *p = NULL;
	char err[300];
	size_t len = 0, n;
	int rc;

	out[0] = '\0';
	if (file != NULL) {
		if (read_all(file, OPERATOR_PASSWORD_MAX + 2, &p, &len, err, sizeof(err)) != HL_OK)
			return hl_cli_fail(EX_FAIL, "operator: password file %s", err);
		n = 0;
		while (n < len && p[n] != '\n' && p[n] != '\r' && p[n] != '\0')
			n++;
		if (n >= cap) {
			hl_free_secret(p, len + 1);
			return hl_cli_fail(EX_USAGE, "operator: password longer than %zu bytes", cap - 1);
		}
		memcpy(out, p, n);
		out[n] = '\0';
		hl_free_secret(p, len + 1);
		return EX_OK;
	}
	if ((rc = tty_password("New password: ", out, cap)) != EX_OK)
		return rc;
	if ((rc = tty_password("Again: ", again, sizeof(again))) != EX_OK) {
		OPENSSL_cleanse(out, cap);
		return rc;
	}
	rc = strcmp(out, again) == 0 ? EX_OK : hl_cli_fail(EX_USAGE, "operator: the passwords differ");
	OPENSSL_cleanse(again, sizeof(again));
	if (rc != EX_OK)
		OPENSSL_cleanse(out, cap);
	return rc;
}

static int
cmd_operator(int argc, char **argv)
{
	const char *role = NULL, *clearance = NULL, *nat = NULL, *pwfile = NULL;
	int json = 0, help, npos, rc;
	struct hl_cli_opt opts[] = { { "role", 1, &role, NULL }, { "clearance", 1, &clearance, NULL },
		{ "nationality", 1, &nat, NULL }, { "password-file", 1, &pwfile, NULL },
		{ "json", 0, NULL, &json }, { NULL, 0, NULL, NULL } };
	char *pos[2], path[HL_OPERATOR_MAX + 40], pass[OPERATOR_PASSWORD_MAX + 2];
	json_t *body = NULL, *resp = NULL, *items, *it;
	size_t i;

	pass[0] = '\0';
	if ((rc = hl_cli_opts("operator", argc, argv, opts, &help, pos, 2, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(operator_usage, stdout);
		return EX_OK;
	}
	if (npos == 1 && strcmp(pos[0], "list") == 0) {
		if ((rc = api_call("operator list", "GET", "/api/v1/operators", NULL, &resp)) != EX_OK)
			return rc;
		if (json) {
			print_json(resp);
		} else {
			items = json_object_get(resp, "items");
			json_array_foreach(items, i, it)
				printf("%-20s %-8s %-14s %-6s %-9s %s\n", jstr(it, "name"),
				    jstr(it, "role"), jstr(it, "clearance"), jstr(it, "nationality"),
				    json_is_true(json_object_get(it, "disabled")) ? "DISABLED" : "enabled",
				    jstr(it, "source"));
		}
		json_decref(resp);
		return EX_OK;
	}
	if (npos != 2 || (strcmp(pos[0], "add") != 0 && strcmp(pos[0], "disable") != 0 &&
	    strcmp(pos[0], "reset") != 0))
		return hl_cli_fail(EX_USAGE, "operator: expected add NAME, list, disable NAME or reset NAME "
		    "(see hotline operator --help)");
	if (strlen(pos[1]) > HL_OPERATOR_MAX)
		return hl_cli_fail(EX_USAGE, "operator: name longer than %d bytes", HL_OPERATOR_MAX);
	if (strcmp(pos[0], "add") == 0) {
		if (role == NULL || clearance == NULL || nat == NULL)
			return hl_cli_fail(EX_USAGE, "operator add: --role, --clearance and --nationality "
			    "are required");
	} else if (role != NULL || clearance != NULL || nat != NULL) {
		return hl_cli_fail(EX_USAGE, "operator %s: only add takes --role, --clearance, "
		    "--nationality", pos[0]);
	}
	if (strcmp(pos[0], "disable") == 0) {
		if (pwfile != NULL)
			return hl_cli_fail(EX_USAGE, "operator disable: takes no password");
		snprintf(path, sizeof(path), "/api/v1/operators/%s/disable", pos[1]);
		body = json_object();
	} else {
		if ((rc = operator_password(pwfile, pass, sizeof(pass))) != EX_OK)
			return rc;
		if (strcmp(pos[0], "add") == 0) {
			snprintf(path, sizeof(path), "/api/v1/operators");
			body = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", pos[1], "role", role,
			    "clearance", clearance, "nationality", nat, "password", pass);
		} else {
			snprintf(path, sizeof(path), "/api/v1/operators/%s/reset", pos[1]);
			body = json_pack("{s:s}", "password", pass);
		}
		OPENSSL_cleanse(pass, sizeof(pass));
	}
	if (body == NULL)
		return hl_cli_fail(EX_FAIL, "out of memory");
	rc = api_call("operator", "POST", path, body, &resp);
	json_decref(body);   /* the password inside: freed through hl_free */
	if (rc != EX_OK)
		return rc;
	if (json)
		print_json(resp);
	else
		printf("operator %s: %s (%s, %s, %s)\n", jstr(resp, "name"),
		    strcmp(pos[0], "add") == 0 ? "added" : strcmp(pos[0], "reset") == 0 ?
		    "password reset, enabled" : "disabled", jstr(resp, "role"),
		    jstr(resp, "clearance"), jstr(resp, "nationality"));
	json_decref(resp);
	return EX_OK;
}

/* ---- main ---- */

/* ---- threat intelligence: stix, misp, taxii (the bulk is in cli_stix.c) ---- */
static const struct hl_cli_ctx cli_stix_ctx = { setup_client, &cli.cfg, &cli.hc, api_call };

static int
cmd_stix(int argc, char **argv)
{
	return hl_cli_stix(&cli_stix_ctx, argc, argv);
}

static int
cmd_misp(int argc, char **argv)
{
	return hl_cli_misp(&cli_stix_ctx, argc, argv);
}

static int
cmd_taxii(int argc, char **argv)
{
	return hl_cli_taxii(&cli_stix_ctx, argc, argv);
}

static int cmd_help(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "pki", cmd_pki, pki_usage },
	{ "send", cmd_send, send_usage },
	{ "inbox", cmd_inbox, inbox_usage },
	{ "sent", cmd_sent, sent_usage },
	{ "show", cmd_show, show_usage },
	{ "ack", cmd_ack, ack_usage },
	{ "delivery", cmd_delivery, delivery_usage },
	{ "status", cmd_status, status_usage },
	{ "audit", cmd_audit, audit_usage },
	{ "keys", cmd_keys, keys_usage },
	{ "track-report", cmd_track_report, track_report_usage },
	{ "tracks", cmd_tracks, tracks_usage },
	{ "operator", cmd_operator, operator_usage },
	{ "stix", cmd_stix, hl_cli_stix_usage },
	{ "misp", cmd_misp, hl_cli_misp_usage },
	{ "taxii", cmd_taxii, hl_cli_taxii_usage },
	{ "help", cmd_help, global_usage },
};

static int
cmd_help(int argc, char **argv)
{
	size_t i;

	if (argc == 0 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
		fputs(global_usage, stdout);
		return EX_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmds[i].name, argv[0]) == 0) {
			fputs(cmds[i].usage, stdout);
			return EX_OK;
		}
	}
	return hl_cli_fail(EX_USAGE, "help: unknown command \"%.40s\"", argv[0]);
}

int
main(int argc, char **argv)
{
	size_t i;
	int a = 1, rc;

	/* a node that dies mid-request must give "cannot reach", not SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	hl_apijson_init();
	cli.conf_path = getenv("HOTLINE_CONF");
	if (cli.conf_path != NULL && cli.conf_path[0] == '\0')
		cli.conf_path = NULL;
	while (a < argc && argv[a][0] == '-') {
		if (strcmp(argv[a], "-h") == 0 || strcmp(argv[a], "--help") == 0) {
			fputs(global_usage, stdout);
			return EX_OK;
		} else if (strcmp(argv[a], "--version") == 0) {
			printf("hotline %s\n", HL_VERSION);
			return EX_OK;
		} else if (strcmp(argv[a], "-c") == 0) {
			if (a + 1 >= argc)
				return hl_cli_fail(EX_USAGE, "-c needs a configuration file");
			cli.conf_path = argv[a + 1];
			a += 2;
		} else if (strncmp(argv[a], "-c", 2) == 0) {
			cli.conf_path = argv[a] + 2;
			a++;
		} else {
			return hl_cli_fail(EX_USAGE, "unknown option %.40s (see hotline --help)", argv[a]);
		}
	}
	if (a >= argc)
		return hl_cli_fail(EX_USAGE, "no command given (see hotline --help)");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, argv[a]) == 0)
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0]))
		return hl_cli_fail(EX_USAGE, "unknown command \"%.40s\" (see hotline --help)", argv[a]);
	rc = cmds[i].fn(argc - a - 1, argv + a + 1);
	fflush(stdout);
	if (ferror(stdout) && rc == EX_OK)
		rc = hl_cli_fail(EX_FAIL, "cannot write to standard output");
	if (cli.password != NULL)
		hl_free_secret(cli.password, cli.password_cap);
	return rc;
}
