/* config.c: hotline.conf(5), the node's INI configuration (docs/CONFIG.md).
 *
 * Lines are split and checked here (length, control characters, section
 * headers, "key = value" shape) and fed one at a time to libinih through
 * ini_parse_stream(), which splits key from value, trims and strips inline
 * comments. Doing the line work ourselves gives us line numbers (Debian's
 * inih is built without INI_HANDLER_LINENO), stops inih from silently
 * splitting long lines (its stack buffer is ini_max_line bytes), from
 * truncating long section names, and from treating indented lines as
 * continuations (INI_ALLOW_MULTILINE is on in Debian's build): we strip
 * leading blanks so every line stands alone.
 *
 * Everything is strict: unknown sections and keys, duplicates, bad values,
 * missing required keys and unknown level names are errors "name:line: msg".
 * Level names are resolved after the whole file is read, so [policy] may
 * come after the [peer] and [operator] sections that use its levels. */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#include "alloc.h"
#include "config.h"
#include "envelope.h"
#include "pki.h"
#include "pwhash.h"

#define CONF_MSG_MAX 512

enum sect { S_NONE = 0, S_NODE, S_POLICY, S_PEER, S_OPERATOR, S_CLI, S_COLLECTION,
	S_TAXII_SOURCE };

struct pctx;
typedef int (*setter_fn)(struct pctx *, const char *, char *, size_t);

struct key_def {
	const char *name;
	int required;
	setter_fn set;
};

enum node_key {
	NK_NAME, NK_LISTEN, NK_API, NK_DATA, NK_CERT, NK_KEY, NK_CA, NK_SUITE,
	NK_ALLOW_CLASSICAL, NK_HEARTBEAT, NK_DEAD_AFTER, NK_RECONNECT_MAX,
	NK_ENVELOPE_TTL, NK_KEM_ROTATE, NK_KEM_KEEP, NK_ACK_FLASH, NK_ACK_IMMEDIATE,
	NK_ACK_PRIORITY, NK_ACK_ROUTINE, NK_LINK_TEST, NK_AUDIT_CHECKPOINT,
	NK_PRIVSEP, NK_SANDBOX, NK_USER, NK_KEEPER_USER, /* privilege separation */
	NK_CONSOLE_IDLE,   /* console_idle: web console idle timeout (console.c) */
	NK_CONSOLE_CERT, NK_CONSOLE_KEY,   /* console_certificate, console_key (console.c) */
	NK_TLS_CERT, NK_TLS_KEY,         /* the TLS key pair, apart from the signing key */
	NK_BENCH_TAP, NK_BENCH_NO_FSYNC, /* benchmarking aids (bench/, docs/BENCHMARKS.md) */
	NK_COUNT
};
enum policy_key { PK_ID, PK_LEVELS, PK_COUNT };
enum peer_key { RK_ADDRESS, RK_CA, RK_CA_SHA256, RK_ACCREDITATION, RK_COUNT };
enum op_key { OK_ROLE, OK_CLEARANCE, OK_NATIONALITY, OK_PASSWORD, OK_DISABLED, OK_COUNT };
enum cli_key { CK_USER, CK_PASSWORD_FILE, CK_COUNT };
/* [collection NAME] (docs/TAXII.md) */
enum coll_key { LK_TITLE, LK_DESCRIPTION, LK_MEMBERS, LK_CEILING, LK_READ, LK_WRITE, LK_COUNT };
/* [taxii_source NAME] (docs/CONFIG.md) */
enum src_key { TK_URL, TK_COLLECTION_ID, TK_USER, TK_PASSWORD_FILE, TK_CA, TK_NODE, TK_INTERVAL,
	TK_COLLECTION, TK_COUNT };

#define KEYS_MAX NK_COUNT

/* Where things were defined, for messages (also used by hl_config_load). */
struct conf_lines {
	unsigned node_sect, policy_sect, cli_sect;
	unsigned node[NK_COUNT];
	unsigned policy[PK_COUNT];
	unsigned cli[CK_COUNT];
	unsigned peer[HL_PEERS_MAX][RK_COUNT];
	unsigned op_sect[HL_OPERATORS_MAX];
	unsigned op[HL_OPERATORS_MAX][OK_COUNT];
	unsigned coll_sect[HL_COLLECTIONS_MAX];
	unsigned coll[HL_COLLECTIONS_MAX][LK_COUNT];
	unsigned src_sect[HL_TAXII_SOURCES_MAX];
	unsigned src[HL_TAXII_SOURCES_MAX][TK_COUNT];
};

struct pctx {
	struct hl_config *c;
	struct conf_lines *ln;
	const char *name;
	const char *basedir;
	const char *text;        /* NUL-terminated copy of the input */
	size_t len, pos;
	size_t line_limit;       /* bytes per line, without the line end */
	unsigned line;           /* line last handed to inih */
	enum sect cur;
	unsigned cur_idx;        /* peer or operator index */
	int failed;
	char err[CONF_MSG_MAX];
	/* level names, resolved against the policy at the end */
	char peer_level[HL_PEERS_MAX][HL_LEVEL_NAME_MAX + 1];
	char op_level[HL_OPERATORS_MAX][HL_LEVEL_NAME_MAX + 1];
	char coll_level[HL_COLLECTIONS_MAX][HL_LEVEL_NAME_MAX + 1];
};

static const char *const default_levels[] = {
	"UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET",
};

__attribute__((format(printf, 3, 4))) static void
fail(struct pctx *x, unsigned line, const char *fmt, ...)
{
	char msg[CONF_MSG_MAX];
	va_list ap;

	if (x->failed)
		return;
	x->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(x->err, sizeof(x->err), "%s:%u: %s", x->name, line, msg);
	else
		snprintf(x->err, sizeof(x->err), "%s: %s", x->name, msg);
}

/* ---- small validators (same rules as label.c; kept local) ---- */

static int
partner_ok(const char *s, size_t n)
{
	size_t i;

	if (n < HL_PARTNER_MIN || n > HL_PARTNER_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

static int
namechar_ok(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
}

/* "PARTNER/name"; OUT: partner when non-NULL. 1 if valid. */
static int
node_name_ok(const char *s, char partner[HL_PARTNER_MAX + 1])
{
	const char *slash;
	size_t n, pn, i;

	n = strnlen(s, HL_NODE_NAME_MAX + 1);
	if (n > HL_NODE_NAME_MAX || (slash = memchr(s, '/', n)) == NULL)
		return 0;
	pn = (size_t)(slash - s);
	if (!partner_ok(s, pn) || pn + 1 >= n)
		return 0;
	for (i = pn + 1; i < n; i++)
		if (!namechar_ok(s[i]))
			return 0;
	if (partner != NULL) {
		memcpy(partner, s, pn);
		partner[pn] = '\0';
	}
	return 1;
}

static int
ident_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1), i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (!namechar_ok(s[i]))
			return 0;
	return 1;
}

static int
copy_str(char *dst, size_t dstlen, const char *src)
{
	size_t n = strlen(src);

	if (n >= dstlen)
		return HL_ERR_TOO_BIG;
	memcpy(dst, src, n + 1);
	return HL_OK;
}

/* ---- public value parsers ---- */

int
hl_parse_duration_ms(const char *s, uint64_t *out)
{
	uint64_t v = 0, mul;
	const char *p = s;

	*out = 0;
	if (s == NULL || *s < '0' || *s > '9')
		return HL_ERR_MALFORMED;
	while (*p >= '0' && *p <= '9') {
		uint64_t d = (uint64_t)(*p - '0');

		if (v > UINT64_MAX / 10 || (v == UINT64_MAX / 10 && d > UINT64_MAX % 10))
			return HL_ERR_MALFORMED;
		v = v * 10 + d;
		p++;
	}
	if (strcmp(p, "ms") == 0)
		mul = 1;
	else if (*p == '\0' || strcmp(p, "s") == 0)
		mul = 1000;
	else if (strcmp(p, "m") == 0)
		mul = 60 * 1000;
	else if (strcmp(p, "h") == 0)
		mul = 3600 * 1000;
	else if (strcmp(p, "d") == 0)
		mul = 86400 * 1000;
	else
		return HL_ERR_MALFORMED;
	if (v > UINT64_MAX / mul)
		return HL_ERR_MALFORMED;
	*out = v * mul;
	return HL_OK;
}

static int
hostname_ok(const char *h, size_t n)
{
	size_t i, lab = 0;
	int alldigit = 1;       /* last label numeric: must be an IPv4 address */

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = h[i];

		if (ch == '.') {
			if (lab == 0 || h[i - 1] == '-')
				return 0;
			lab = 0;
			alldigit = 1;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-'))
			return 0;
		if (ch == '-' && lab == 0)
			return 0;
		if (!(ch >= '0' && ch <= '9'))
			alldigit = 0;
		if (++lab > 63)
			return 0;
	}
	if (lab == 0 || h[n - 1] == '-' || alldigit)
		return 0;
	return 1;
}

int
hl_parse_hostport(const char *s, char host[HL_HOST_MAX + 1], uint16_t *port)
{
	const char *colon, *hs, *ps;
	size_t hn;
	char tmp[HL_HOST_MAX + 1];
	unsigned long v = 0;
	size_t nd = 0;
	unsigned char addr[16];

	host[0] = '\0';
	*port = 0;
	if (s == NULL)
		return HL_ERR_MALFORMED;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			return HL_ERR_MALFORMED;
		hs = s + 1;
		hn = (size_t)(rb - hs);
		ps = rb + 2;
		if (hn == 0 || hn > HL_HOST_MAX)
			return HL_ERR_MALFORMED;
		memcpy(tmp, hs, hn);
		tmp[hn] = '\0';
		if (inet_pton(AF_INET6, tmp, addr) != 1)
			return HL_ERR_MALFORMED;
	} else {
		if ((colon = strchr(s, ':')) == NULL || strchr(colon + 1, ':') != NULL)
			return HL_ERR_MALFORMED;
		hs = s;
		hn = (size_t)(colon - s);
		ps = colon + 1;
		if (hn == 0 || hn > HL_HOST_MAX)
			return HL_ERR_MALFORMED;
		memcpy(tmp, hs, hn);
		tmp[hn] = '\0';
		if (inet_pton(AF_INET, tmp, addr) != 1 && !hostname_ok(tmp, hn))
			return HL_ERR_MALFORMED;
	}
	if (*ps == '0')
		return HL_ERR_MALFORMED;
	while (ps[nd] >= '0' && ps[nd] <= '9') {
		v = v * 10 + (unsigned long)(ps[nd] - '0');
		if (++nd > 5)
			return HL_ERR_MALFORMED;
	}
	if (nd == 0 || ps[nd] != '\0' || v < 1 || v > 65535)
		return HL_ERR_MALFORMED;
	memcpy(host, tmp, hn + 1);
	*port = (uint16_t)v;
	return HL_OK;
}

/* ---- setters: value -> config; on error fill msg (without key name) ---- */

static int
set_path(struct pctx *x, const char *v, char *dst, char *msg, size_t ml)
{
	int n;

	if (*v == '\0') {
		snprintf(msg, ml, "expected a path");
		return HL_ERR_CONFIG;
	}
	if (v[0] == '/' || x->basedir == NULL || x->basedir[0] == '\0')
		n = snprintf(dst, HL_PATH_MAX, "%s", v);
	else
		n = snprintf(dst, HL_PATH_MAX, "%s/%s", x->basedir, v);
	if (n < 0 || n >= HL_PATH_MAX) {
		dst[0] = '\0';
		snprintf(msg, ml, "path too long (max %d bytes)", HL_PATH_MAX - 1);
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

static int
set_yesno(const char *v, int *dst, char *msg, size_t ml)
{
	if (strcmp(v, "yes") == 0)
		*dst = 1;
	else if (strcmp(v, "no") == 0)
		*dst = 0;
	else {
		snprintf(msg, ml, "expected yes or no");
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

static int
set_duration(const char *v, uint64_t min_ms, uint64_t max_ms, int whole_s,
    uint32_t *dst, char *msg, size_t ml)
{
	uint64_t ms;

	if (hl_parse_duration_ms(v, &ms) != 0) {
		snprintf(msg, ml, "expected a duration like 500ms, 5s, 10m, 3h or 7d");
		return HL_ERR_CONFIG;
	}
	if (ms < min_ms || ms > max_ms) {
		snprintf(msg, ml, "out of range (%llums..%llums)",
		    (unsigned long long)min_ms, (unsigned long long)max_ms);
		return HL_ERR_CONFIG;
	}
	if (whole_s) {
		if (ms % 1000 != 0) {
			snprintf(msg, ml, "must be whole seconds");
			return HL_ERR_CONFIG;
		}
		ms /= 1000;
	}
	*dst = (uint32_t)ms;
	return HL_OK;
}

static int
set_level_name(const char *v, char *dst, char *msg, size_t ml)
{
	if (!ident_ok(v, HL_LEVEL_NAME_MAX)) {
		snprintf(msg, ml, "expected a level name of the policy");
		return HL_ERR_CONFIG;
	}
	memcpy(dst, v, strlen(v) + 1);
	return HL_OK;
}

static int
set_hostport(const char *v, char *host, uint16_t *port, char *msg, size_t ml)
{
	if (hl_parse_hostport(v, host, port) != 0) {
		snprintf(msg, ml, "expected host:port");
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

#define NODE(x) ((x)->c)
#define PEER(x) (&(x)->c->peers[(x)->cur_idx])
#define OPER(x) (&(x)->c->operators[(x)->cur_idx])

static int
nk_name(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (!node_name_ok(v, x->c->partner)) {
		snprintf(msg, ml, "expected PARTNER/name (partner 2..8 of A-Z 0-9, "
		    "name of A-Z a-z 0-9 . _ -, at most %d bytes)", HL_NODE_NAME_MAX);
		return HL_ERR_CONFIG;
	}
	return copy_str(x->c->node, sizeof(x->c->node), v);
}

static int
nk_listen(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_hostport(v, x->c->listen_host, &x->c->listen_port, msg, ml);
}

static int
nk_api(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_hostport(v, x->c->api_host, &x->c->api_port, msg, ml);
}

static int
nk_data(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, x->c->data_dir, msg, ml);
}

static int
nk_cert(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, x->c->cert_path, msg, ml);
}

static int
nk_key(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, x->c->key_path, msg, ml);
}

static int
nk_tls_cert(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, x->c->tls_cert_path, msg, ml);
}

static int
nk_tls_key(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, x->c->tls_key_path, msg, ml);
}

static int
nk_ca(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, x->c->ca_path, msg, ml);
}

static int
nk_suite(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (strcmp(v, "x25519") == 0)
		x->c->suite = HL_SUITE_X25519;
	else if (strcmp(v, "x25519-mlkem768") == 0)
		x->c->suite = HL_SUITE_X25519_MLKEM768;
	else if (strcmp(v, "x25519-mlkem1024") == 0)
		x->c->suite = HL_SUITE_X25519_MLKEM1024;
	else {
		snprintf(msg, ml, "expected x25519, x25519-mlkem768 or x25519-mlkem1024");
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

static int
nk_allow_classical(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_yesno(v, &x->c->allow_classical, msg, ml);
}

static int
nk_heartbeat(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_duration(v, 10, 3600000, 0, &x->c->heartbeat_ms, msg, ml);
}

static int
nk_dead_after(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_duration(v, 20, 86400000, 0, &x->c->dead_after_ms, msg, ml);
}

static int
nk_reconnect_max(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_duration(v, 10, 86400000, 0, &x->c->reconnect_max_ms, msg, ml);
}

static int
nk_envelope_ttl(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_duration(v, 1000, 366ull * 86400000, 1, &x->c->default_ttl_s, msg, ml);
}

#define ACK_KEY(fn, idx) \
static int \
fn(struct pctx *x, const char *v, char *msg, size_t ml) \
{ \
	return set_duration(v, 1000, 30ull * 86400000, 1, &x->c->ack_deadline_s[idx], msg, ml); \
}
ACK_KEY(nk_ack_flash, 0)
ACK_KEY(nk_ack_immediate, 1)
ACK_KEY(nk_ack_priority, 2)
ACK_KEY(nk_ack_routine, 3)

static int
nk_link_test(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (strcmp(v, "off") == 0) {
		x->c->link_test_s = 0;
		return HL_OK;
	}
	return set_duration(v, 1000, 7ull * 86400000, 1, &x->c->link_test_s, msg, ml);
}

static int
nk_audit_checkpoint(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (strcmp(v, "off") == 0) {
		x->c->audit_checkpoint_s = 0;
		return HL_OK;
	}
	return set_duration(v, 1000, 86400000, 1, &x->c->audit_checkpoint_s, msg, ml);
}

/* ---- privilege separation (docs/SECURITY.md) ---- */
static int
nk_privsep(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_yesno(v, &x->c->privsep, msg, ml);
}

static int
nk_sandbox(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_yesno(v, &x->c->sandbox, msg, ml);
}

/* A system user name: 1..32 of a-z 0-9 _ . -, not starting with - or a digit. */
static int
set_user(const char *v, char *dst, char *msg, size_t ml)
{
	size_t i, n = strlen(v);

	if (n == 0 || n > HL_USER_NAME_MAX || v[0] == '-' || (v[0] >= '0' && v[0] <= '9')) {
		snprintf(msg, ml, "expected a user name of 1..%d characters", HL_USER_NAME_MAX);
		return HL_ERR_CONFIG;
	}
	for (i = 0; i < n; i++) {
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') ||
		    v[i] == '_' || v[i] == '.' || v[i] == '-')) {
			snprintf(msg, ml, "user name may hold only a-z 0-9 _ . -");
			return HL_ERR_CONFIG;
		}
	}
	memcpy(dst, v, n + 1);
	return HL_OK;
}

static int
nk_user(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_user(v, x->c->user, msg, ml);
}

static int
nk_keeper_user(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_user(v, x->c->keeper_user, msg, ml);
}

/* benchmarking aids, not for production: see docs/CONFIG.md */
static int
nk_bench_tap(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, x->c->bench_tap, msg, ml);
}

static int
nk_bench_no_fsync(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_yesno(v, &x->c->bench_no_fsync, msg, ml);
}

static int
nk_kem_keep(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_duration(v, 1000, 366ull * 86400000, 1, &x->c->kem_keep_s, msg, ml);
}

static int
nk_kem_rotate(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_duration(v, 1000, 366ull * 86400000, 1, &x->c->kem_rotate_s, msg, ml);
}

static int
pk_id(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (!ident_ok(v, HL_POLICY_MAX)) {
		snprintf(msg, ml, "expected 1..%d characters of A-Z a-z 0-9 . _ -",
		    HL_POLICY_MAX);
		return HL_ERR_CONFIG;
	}
	return copy_str(x->c->policy.id, sizeof(x->c->policy.id), v);
}

static int
pk_levels(struct pctx *x, const char *v, char *msg, size_t ml)
{
	struct hl_policy *p = &x->c->policy;
	const char *s = v, *e;
	unsigned n = 0, i;

	for (;;) {
		const char *a, *b;
		size_t len;

		e = strchr(s, ',');
		if (e == NULL)
			e = s + strlen(s);
		a = s;
		b = e;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		len = (size_t)(b - a);
		if (n == HL_LEVELS_MAX) {
			snprintf(msg, ml, "too many levels (max %d)", HL_LEVELS_MAX);
			return HL_ERR_CONFIG;
		}
		if (len == 0 || len > HL_LEVEL_NAME_MAX) {
			snprintf(msg, ml, "expected a comma-separated list of level "
			    "names, lowest first");
			return HL_ERR_CONFIG;
		}
		memcpy(p->levels[n], a, len);
		p->levels[n][len] = '\0';
		if (!ident_ok(p->levels[n], HL_LEVEL_NAME_MAX)) {
			snprintf(msg, ml, "bad level name '%s'", p->levels[n]);
			return HL_ERR_CONFIG;
		}
		for (i = 0; i < n; i++)
			if (strcasecmp(p->levels[i], p->levels[n]) == 0) {
				snprintf(msg, ml, "level '%s' listed twice", p->levels[n]);
				return HL_ERR_CONFIG;
			}
		n++;
		if (*e == '\0')
			break;
		s = e + 1;
	}
	p->nlevels = n;
	return HL_OK;
}

static int
rk_address(struct pctx *x, const char *v, char *msg, size_t ml)
{
	/* "none": a node we know (and may reach through a relay) but never dial */
	if (strcmp(v, "none") == 0) {
		PEER(x)->host[0] = '\0';
		PEER(x)->port = 0;
		return HL_OK;
	}
	return set_hostport(v, PEER(x)->host, &PEER(x)->port, msg, ml);
}

static int
rk_ca(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, PEER(x)->ca_path, msg, ml);
}

static int
rk_ca_sha256(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (hl_hex_decode(v, strlen(v), PEER(x)->ca_sha256, HL_SHA256, 0) == HL_OK)
		return HL_OK;
	snprintf(msg, ml, "expected 64 hex digits (SHA-256 of the CA certificate DER)");
	return HL_ERR_CONFIG;
}

static int
rk_accreditation(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_level_name(v, x->peer_level[x->cur_idx], msg, ml);
}

static int
ok_role(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (strcmp(v, "officer") == 0)
		OPER(x)->role = HL_ROLE_OFFICER;
	else if (strcmp(v, "analyst") == 0)
		OPER(x)->role = HL_ROLE_ANALYST;
	else if (strcmp(v, "admin") == 0)
		OPER(x)->role = HL_ROLE_ADMIN;
	else {
		snprintf(msg, ml, "expected officer, analyst or admin");
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

static int
ok_clearance(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_level_name(v, x->op_level[x->cur_idx], msg, ml);
}

static int
ok_nationality(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (!partner_ok(v, strlen(v))) {
		snprintf(msg, ml, "expected a partner code (2..8 of A-Z 0-9)");
		return HL_ERR_CONFIG;
	}
	return copy_str(OPER(x)->nationality, sizeof(OPER(x)->nationality), v);
}

static int
ok_password(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (strlen(v) >= sizeof(OPER(x)->password_hash) || hl_pwhash_valid(v) != 0) {
		snprintf(msg, ml, "expected a scrypt hash "
		    "\"$scrypt$ln=N,r=R,p=P$salt$hash\" (see hotline operator add)");
		return HL_ERR_CONFIG;
	}
	return copy_str(OPER(x)->password_hash, sizeof(OPER(x)->password_hash), v);
}

static int
ok_disabled(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_yesno(v, &OPER(x)->disabled, msg, ml);
}

static int
ck_user(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (!ident_ok(v, HL_OPERATOR_MAX)) {
		snprintf(msg, ml, "expected an operator name");
		return HL_ERR_CONFIG;
	}
	return copy_str(x->c->cli_user, sizeof(x->c->cli_user), v);
}

static int
ck_password_file(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, x->c->cli_password_file, msg, ml);
}

/* console_idle = 15m: a console session unused this long ends (1m..24h) */
static int
nk_console_idle(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_duration(v, 60000, 86400000, 1, &x->c->console_idle_s, msg, ml);
}

/* console_certificate / console_key: an ECDSA or RSA certificate browsers
 * accept, served beside the node's Ed25519 one on the API port */
static int
nk_console_cert(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, x->c->console_cert_path, msg, ml);
}

static int
nk_console_key(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, x->c->console_key_path, msg, ml);
}

/* ---- [collection NAME]: a STIX collection (docs/TAXII.md) ---- */
#define COLL(x) (&(x)->c->collections[(x)->cur_idx])

static int find_level(const struct hl_policy *p, const char *name, uint8_t *out);

static int
lk_title(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (v[0] == '\0' || copy_str(COLL(x)->title, sizeof(COLL(x)->title), v) != HL_OK) {
		snprintf(msg, ml, "expected 1..%zu bytes", sizeof(COLL(x)->title) - 1);
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

static int
lk_description(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (copy_str(COLL(x)->description, sizeof(COLL(x)->description), v) != HL_OK) {
		snprintf(msg, ml, "longer than %zu bytes", sizeof(COLL(x)->description) - 1);
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

static int
lk_members(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (hl_partner_list_parse(v, COLL(x)->members, HL_RELEASABLE_MAX,
	    &COLL(x)->nmembers) != HL_OK) {
		snprintf(msg, ml, "expected comma-separated partner codes (at most %d)",
		    HL_RELEASABLE_MAX);
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

static int
lk_ceiling(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_level_name(v, x->coll_level[x->cur_idx], msg, ml);
}

/* "*" or comma-separated account names (checked against [operator] at the end). */
static int
set_accounts(const char *v, char *dst, size_t dstlen, char *msg, size_t ml)
{
	const char *p = v, *e;
	char name[HL_OPERATOR_MAX + 1];
	size_t n;

	if (strcmp(v, "*") == 0)
		return copy_str(dst, dstlen, v);
	for (;;) {
		while (*p == ' ')
			p++;
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		n = (size_t)(e - p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n == 0 || n > HL_OPERATOR_MAX)
			goto bad;
		memcpy(name, p, n);
		name[n] = '\0';
		if (!ident_ok(name, HL_OPERATOR_MAX))
			goto bad;
		if (*e == '\0')
			break;
		p = e + 1;
	}
	if (copy_str(dst, dstlen, v) != HL_OK)
		goto bad;
	return HL_OK;
bad:
	snprintf(msg, ml, "expected * or comma-separated operator names");
	return HL_ERR_CONFIG;
}

static int
lk_read(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_accounts(v, COLL(x)->read, sizeof(COLL(x)->read), msg, ml);
}

static int
lk_write(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_accounts(v, COLL(x)->write, sizeof(COLL(x)->write), msg, ml);
}

static const struct key_def coll_keys[LK_COUNT] = {
	[LK_TITLE] = { "title", 0, lk_title },
	[LK_DESCRIPTION] = { "description", 0, lk_description },
	[LK_MEMBERS] = { "members", 0, lk_members },
	[LK_CEILING] = { "ceiling", 0, lk_ceiling },
	[LK_READ] = { "read", 0, lk_read },
	[LK_WRITE] = { "write", 0, lk_write },
};

int
hl_config_list_has(const char *list, const char *account)
{
	const char *p = list, *e;
	size_t n, an;

	if (list == NULL || account == NULL || account[0] == '\0')
		return 0;
	if (strcmp(list, "*") == 0)
		return 1;
	an = strlen(account);
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		n = (size_t)(e - p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n == an && memcmp(p, account, n) == 0)
			return 1;
		p = *e == ',' ? e + 1 : e;
	}
	return 0;
}

const struct hl_collection_conf *
hl_config_collection(const struct hl_config *c, const char *name)
{
	unsigned i;

	if (c == NULL || name == NULL)
		return NULL;
	for (i = 0; i < c->ncollections; i++)
		if (strcmp(c->collections[i].name, name) == 0)
			return &c->collections[i];
	return NULL;
}

/* ---- [taxii_source NAME]: an external TAXII collection polled into a local one ---- */
#define SRC(x) (&(x)->c->sources[(x)->cur_idx])

static int
tk_url(struct pctx *x, const char *v, char *msg, size_t ml)
{
	const char *h = v + 8, *e;

	/* https://host[:port]/path; taxiipoll.c parses it in full at start */
	e = strncmp(v, "https://", 8) == 0 ? strchr(h, '/') : NULL;
	if (e == NULL || e == h || (size_t)(e - h) > HL_HOST_MAX + 8 ||
	    strpbrk(v, " ?#\t") != NULL ||
	    copy_str(SRC(x)->url, sizeof(SRC(x)->url), v) != HL_OK) {
		snprintf(msg, ml, "expected https://host[:port]/path/ (no query)");
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

static int
tk_collection_id(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (v[0] == '\0' || strpbrk(v, "/?#% \t") != NULL ||
	    copy_str(SRC(x)->collection_id, sizeof(SRC(x)->collection_id), v) != HL_OK) {
		snprintf(msg, ml, "expected a TAXII collection id");
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

static int
tk_user(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (v[0] == '\0' || strchr(v, ':') != NULL ||
	    copy_str(SRC(x)->user, sizeof(SRC(x)->user), v) != HL_OK) {
		snprintf(msg, ml, "expected 1..%d bytes without ':'", HL_OPERATOR_MAX);
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

static int
tk_password_file(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, SRC(x)->password_file, msg, ml);
}

static int
tk_ca(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, SRC(x)->ca_path, msg, ml);
}

static int
tk_node(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (v[0] == '\0' || strchr(v, '/') == NULL ||
	    copy_str(SRC(x)->node, sizeof(SRC(x)->node), v) != HL_OK) {
		snprintf(msg, ml, "expected a node name PARTNER/name");
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

static int
tk_interval(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_duration(v, 1000, 7ULL * 86400 * 1000, 1, &SRC(x)->interval_s, msg, ml);
}

static int
tk_collection(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (!ident_ok(v, HL_COLLECTION_NAME_MAX) ||
	    copy_str(SRC(x)->collection, sizeof(SRC(x)->collection), v) != HL_OK) {
		snprintf(msg, ml, "expected a [collection] name");
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

static const struct key_def src_keys[TK_COUNT] = {
	[TK_URL] = { "url", 1, tk_url },
	[TK_COLLECTION_ID] = { "collection_id", 0, tk_collection_id },
	[TK_USER] = { "user", 1, tk_user },
	[TK_PASSWORD_FILE] = { "password_file", 1, tk_password_file },
	[TK_CA] = { "ca", 1, tk_ca },
	[TK_NODE] = { "node", 0, tk_node },
	[TK_INTERVAL] = { "interval", 0, tk_interval },
	[TK_COLLECTION] = { "collection", 1, tk_collection },
};

const struct hl_taxii_source_conf *
hl_config_taxii_source(const struct hl_config *c, const char *name)
{
	unsigned i;

	if (c == NULL || name == NULL)
		return NULL;
	for (i = 0; i < c->nsources; i++)
		if (strcmp(c->sources[i].name, name) == 0)
			return &c->sources[i];
	return NULL;
}

/* At the end: required keys, default interval, the local collection exists,
 * an API-root url names a collection_id. */
static void
check_taxii_sources(struct pctx *x)
{
	struct hl_taxii_source_conf *s;
	unsigned i, k;
	size_t ul;

	for (i = 0; i < x->c->nsources; i++) {
		s = &x->c->sources[i];
		for (k = 0; k < TK_COUNT; k++)
			if (src_keys[k].required && x->ln->src[i][k] == 0) {
				fail(x, x->ln->src_sect[i], "[taxii_source %s]: missing key '%s'",
				    s->name, src_keys[k].name);
				return;
			}
		if (s->interval_s == 0)
			s->interval_s = 3600;
		if (hl_config_collection(x->c, s->collection) == NULL) {
			fail(x, x->ln->src[i][TK_COLLECTION], "[taxii_source %s]: collection '%s' "
			    "is not a [collection] of this node", s->name, s->collection);
			return;
		}
		ul = strlen(s->url);
		if (s->collection_id[0] == '\0' && (ul < 9 ||
		    strcmp(s->url + ul - (s->url[ul - 1] == '/' ? 9 : 8),
		    s->url[ul - 1] == '/' ? "/objects/" : "/objects") != 0)) {
			fail(x, x->ln->src[i][TK_URL], "[taxii_source %s]: url is an API root: "
			    "name the collection with collection_id (or give .../objects/)",
			    s->name);
			return;
		}
	}
}

/* At the end: ceilings resolved against the policy's levels. */
static void
check_collections(struct pctx *x, const char *levels)
{
	struct hl_config *c = x->c;
	unsigned i;

	for (i = 0; i < c->ncollections; i++) {
		if (x->coll_level[i][0] != '\0' && find_level(&c->policy, x->coll_level[i],
		    &c->collections[i].ceiling) != 0) {
			fail(x, x->ln->coll[i][LK_CEILING], "ceiling: '%s' is not a level of "
			    "policy %s (%s)", x->coll_level[i], c->policy.id, levels);
			return;
		}
		/* read / write name accounts of the [operator] sections or of the
		 * database (hotline operator add), so only their syntax is
		 * checked here (set_accounts); an unknown name grants nothing */
	}
}

static const struct key_def node_keys[NK_COUNT] = {
	[NK_NAME] = { "name", 1, nk_name },
	[NK_LISTEN] = { "listen", 1, nk_listen },
	[NK_API] = { "api", 1, nk_api },
	[NK_DATA] = { "data", 1, nk_data },
	[NK_CERT] = { "certificate", 1, nk_cert },
	[NK_KEY] = { "key", 1, nk_key },
	[NK_CA] = { "ca", 1, nk_ca },
	[NK_SUITE] = { "suite", 0, nk_suite },
	[NK_ALLOW_CLASSICAL] = { "allow_classical_suite", 0, nk_allow_classical },
	[NK_HEARTBEAT] = { "heartbeat", 0, nk_heartbeat },
	[NK_DEAD_AFTER] = { "dead_after", 0, nk_dead_after },
	[NK_RECONNECT_MAX] = { "reconnect_max", 0, nk_reconnect_max },
	[NK_ENVELOPE_TTL] = { "envelope_ttl", 0, nk_envelope_ttl },
	[NK_KEM_ROTATE] = { "kem_rotate", 0, nk_kem_rotate },
	[NK_KEM_KEEP] = { "kem_keep", 0, nk_kem_keep },
	[NK_ACK_FLASH] = { "ack_flash", 0, nk_ack_flash },
	[NK_ACK_IMMEDIATE] = { "ack_immediate", 0, nk_ack_immediate },
	[NK_ACK_PRIORITY] = { "ack_priority", 0, nk_ack_priority },
	[NK_ACK_ROUTINE] = { "ack_routine", 0, nk_ack_routine },
	[NK_LINK_TEST] = { "link_test", 0, nk_link_test },
	[NK_AUDIT_CHECKPOINT] = { "audit_checkpoint", 0, nk_audit_checkpoint },
	[NK_PRIVSEP] = { "privsep", 0, nk_privsep },
	[NK_SANDBOX] = { "sandbox", 0, nk_sandbox },
	[NK_USER] = { "user", 0, nk_user },
	[NK_KEEPER_USER] = { "keeper_user", 0, nk_keeper_user },
	[NK_CONSOLE_IDLE] = { "console_idle", 0, nk_console_idle },
	[NK_CONSOLE_CERT] = { "console_certificate", 0, nk_console_cert },
	[NK_CONSOLE_KEY] = { "console_key", 0, nk_console_key },
	[NK_TLS_CERT] = { "tls_certificate", 0, nk_tls_cert },
	[NK_TLS_KEY] = { "tls_key", 0, nk_tls_key },
	[NK_BENCH_TAP] = { "bench_tap", 0, nk_bench_tap },
	[NK_BENCH_NO_FSYNC] = { "bench_no_fsync", 0, nk_bench_no_fsync },
};

static const struct key_def policy_keys[PK_COUNT] = {
	[PK_ID] = { "id", 0, pk_id },
	[PK_LEVELS] = { "levels", 0, pk_levels },
};

static const struct key_def peer_keys[RK_COUNT] = {
	[RK_ADDRESS] = { "address", 1, rk_address },
	[RK_CA] = { "ca", 1, rk_ca },
	[RK_CA_SHA256] = { "ca_sha256", 1, rk_ca_sha256 },
	[RK_ACCREDITATION] = { "accreditation", 1, rk_accreditation },
};

static const struct key_def op_keys[OK_COUNT] = {
	[OK_ROLE] = { "role", 1, ok_role },
	[OK_CLEARANCE] = { "clearance", 1, ok_clearance },
	[OK_NATIONALITY] = { "nationality", 1, ok_nationality },
	[OK_PASSWORD] = { "password", 1, ok_password },
	[OK_DISABLED] = { "disabled", 0, ok_disabled },
};

static const struct key_def cli_keys[CK_COUNT] = {
	[CK_USER] = { "user", 0, ck_user },
	[CK_PASSWORD_FILE] = { "password_file", 0, ck_password_file },
};

/* The current section's key table and line slots. */
static void
cur_table(struct pctx *x, const struct key_def **keys, unsigned *n, unsigned **lines)
{
	*keys = NULL;
	*n = 0;
	*lines = NULL;
	switch (x->cur) {
	case S_NODE:
		*keys = node_keys; *n = NK_COUNT; *lines = x->ln->node;
		break;
	case S_POLICY:
		*keys = policy_keys; *n = PK_COUNT; *lines = x->ln->policy;
		break;
	case S_PEER:
		*keys = peer_keys; *n = RK_COUNT; *lines = x->ln->peer[x->cur_idx];
		break;
	case S_OPERATOR:
		*keys = op_keys; *n = OK_COUNT; *lines = x->ln->op[x->cur_idx];
		break;
	case S_CLI:
		*keys = cli_keys; *n = CK_COUNT; *lines = x->ln->cli;
		break;
	case S_COLLECTION:
		*keys = coll_keys; *n = LK_COUNT; *lines = x->ln->coll[x->cur_idx];
		break;
	case S_TAXII_SOURCE:
		*keys = src_keys; *n = TK_COUNT; *lines = x->ln->src[x->cur_idx];
		break;
	case S_NONE:
		break;
	}
}

static void
sect_label(const struct pctx *x, char *out, size_t outlen)
{
	switch (x->cur) {
	case S_NODE: snprintf(out, outlen, "[node]"); break;
	case S_POLICY: snprintf(out, outlen, "[policy]"); break;
	case S_CLI: snprintf(out, outlen, "[cli]"); break;
	case S_PEER: snprintf(out, outlen, "[peer %s]", x->c->peers[x->cur_idx].node); break;
	case S_OPERATOR:
		snprintf(out, outlen, "[operator %s]", x->c->operators[x->cur_idx].name);
		break;
	case S_COLLECTION:
		snprintf(out, outlen, "[collection %s]", x->c->collections[x->cur_idx].name);
		break;
	case S_TAXII_SOURCE:
		snprintf(out, outlen, "[taxii_source %s]", x->c->sources[x->cur_idx].name);
		break;
	case S_NONE: snprintf(out, outlen, "(no section)"); break;
	}
}

/* inih callback. The line is the one the reader handed out last. */
static int
on_kv(void *user, const char *section, const char *name, const char *value)
{
	struct pctx *x = user;
	const struct key_def *keys;
	unsigned n, i, *lines;
	char msg[CONF_MSG_MAX / 2], where[HL_NODE_NAME_MAX + 16];

	(void)section;   /* ours is tracked by the reader (inih truncates it) */
	if (x->failed)
		return 0;
	if (x->cur == S_NONE) {
		fail(x, x->line, "key '%.64s' outside any section", name);
		return 0;
	}
	cur_table(x, &keys, &n, &lines);
	sect_label(x, where, sizeof(where));
	for (i = 0; i < n; i++)
		if (strcmp(keys[i].name, name) == 0)
			break;
	if (i == n) {
		fail(x, x->line, "unknown key '%.64s' in %s", name, where);
		return 0;
	}
	if (lines[i] != 0) {
		fail(x, x->line, "duplicate key '%s' in %s (first at line %u)",
		    name, where, lines[i]);
		return 0;
	}
	lines[i] = x->line;
	msg[0] = '\0';
	if (keys[i].set(x, value, msg, sizeof(msg)) != 0) {
		fail(x, x->line, "%s: %s", name, msg[0] != '\0' ? msg : "bad value");
		return 0;
	}
	return 1;
}

/* A section header line (leading blanks gone, trailing line end gone). */
/* Start a [KIND NAME] section of a kind that may appear many times: NAME
 * 1..max identifier characters, not already used (the names are n entries
 * of `stride` bytes from names0; sect holds their section lines), and fewer
 * than cap of them. 1 with the section's line recorded in sect[n], or 0
 * after reporting why not. */
static int
named_section(struct pctx *x, const char *kind, const char *name, size_t max,
    const char *names0, size_t stride, unsigned n, unsigned cap, unsigned *sect,
    const char *plural)
{
	unsigned i;

	if (!ident_ok(name, max)) {
		fail(x, x->line, "[%s NAME]: expected 1..%zu characters of A-Z a-z 0-9 . _ -",
		    kind, max);
		return 0;
	}
	for (i = 0; i < n; i++)
		if (strcmp(names0 + (size_t)i * stride, name) == 0) {
			fail(x, x->line, "duplicate section [%s %s] (first at line %u)", kind, name,
			    sect[i]);
			return 0;
		}
	if (n == cap) {
		fail(x, x->line, "too many %s (max %u)", plural, cap);
		return 0;
	}
	sect[n] = x->line;
	return 1;
}

static void
on_section(struct pctx *x, const char *s, size_t n)
{
	const char *rb, *a, *b, *sp, *arg;
	size_t i, kn, an;
	char kind[16], argbuf[HL_NODE_NAME_MAX + 2];

	rb = memchr(s, ']', n);
	if (rb == NULL) {
		fail(x, x->line, "unterminated section header");
		return;
	}
	for (a = rb + 1; a < s + n && (*a == ' ' || *a == '\t'); a++)
		;
	if (a < s + n && *a != ';' && *a != '#') {
		fail(x, x->line, "text after section header");
		return;
	}
	a = s + 1;
	b = rb;
	while (a < b && (*a == ' ' || *a == '\t'))
		a++;
	while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
		b--;
	for (sp = a; sp < b && *sp != ' ' && *sp != '\t'; sp++)
		;
	kn = (size_t)(sp - a);
	for (arg = sp; arg < b && (*arg == ' ' || *arg == '\t'); arg++)
		;
	an = (size_t)(b - arg);
	if (kn == 0 || kn >= sizeof(kind)) {
		fail(x, x->line, "unknown section [%.*s]", (int)(b - a > 64 ? 64 : b - a), a);
		return;
	}
	memcpy(kind, a, kn);
	kind[kn] = '\0';
	if (an > HL_NODE_NAME_MAX) {
		fail(x, x->line, "section name too long");
		return;
	}
	memcpy(argbuf, arg, an);
	argbuf[an] = '\0';

	if (strcmp(kind, "node") == 0 || strcmp(kind, "policy") == 0 ||
	    strcmp(kind, "cli") == 0) {
		unsigned *sl;
		enum sect k;

		if (an != 0) {
			fail(x, x->line, "section [%s] takes no name", kind);
			return;
		}
		if (kind[0] == 'n') {
			k = S_NODE;
			sl = &x->ln->node_sect;
		} else if (kind[0] == 'p') {
			k = S_POLICY;
			sl = &x->ln->policy_sect;
		} else {
			k = S_CLI;
			sl = &x->ln->cli_sect;
		}
		if (*sl != 0) {
			fail(x, x->line, "duplicate section [%s] (first at line %u)", kind, *sl);
			return;
		}
		*sl = x->line;
		x->cur = k;
		x->cur_idx = 0;
		return;
	}
	if (strcmp(kind, "peer") == 0) {
		struct hl_peer_conf *p;

		if (!node_name_ok(argbuf, NULL)) {
			fail(x, x->line, "[peer NODE]: expected a node name PARTNER/name, "
			    "got '%s'", argbuf);
			return;
		}
		for (i = 0; i < x->c->npeers; i++)
			if (strcmp(x->c->peers[i].node, argbuf) == 0) {
				fail(x, x->line, "duplicate section [peer %s] (first at line %u)",
				    argbuf, x->c->peers[i].line);
				return;
			}
		if (x->c->npeers == HL_PEERS_MAX) {
			fail(x, x->line, "too many peers (max %d)", HL_PEERS_MAX);
			return;
		}
		x->cur_idx = x->c->npeers++;
		p = &x->c->peers[x->cur_idx];
		memcpy(p->node, argbuf, an + 1);
		(void)node_name_ok(argbuf, p->partner);
		p->line = x->line;
		x->cur = S_PEER;
		return;
	}
	if (strcmp(kind, "operator") == 0) {
		if (!named_section(x, kind, argbuf, HL_OPERATOR_MAX, x->c->operators[0].name,
		    sizeof(x->c->operators[0]), x->c->noperators, HL_OPERATORS_MAX,
		    x->ln->op_sect, "operators"))
			return;
		x->cur_idx = x->c->noperators++;
		memcpy(x->c->operators[x->cur_idx].name, argbuf, an + 1);
		x->cur = S_OPERATOR;
		return;
	}
	if (strcmp(kind, "collection") == 0) {
		/* [collection NAME]: STIX collection (docs/TAXII.md) */
		if (!named_section(x, kind, argbuf, HL_COLLECTION_NAME_MAX,
		    x->c->collections[0].name, sizeof(x->c->collections[0]), x->c->ncollections,
		    HL_COLLECTIONS_MAX, x->ln->coll_sect, "collections"))
			return;
		x->cur_idx = x->c->ncollections++;
		memcpy(x->c->collections[x->cur_idx].name, argbuf, an + 1);
		memcpy(x->c->collections[x->cur_idx].title, argbuf, an + 1);
		x->cur = S_COLLECTION;
		return;
	}
	if (strcmp(kind, "taxii_source") == 0) {
		/* [taxii_source NAME]: an external TAXII collection polled (docs/CONFIG.md) */
		if (!named_section(x, kind, argbuf, HL_COLLECTION_NAME_MAX, x->c->sources[0].name,
		    sizeof(x->c->sources[0]), x->c->nsources, HL_TAXII_SOURCES_MAX,
		    x->ln->src_sect, "taxii sources"))
			return;
		x->cur_idx = x->c->nsources++;
		memcpy(x->c->sources[x->cur_idx].name, argbuf, an + 1);
		x->c->sources[x->cur_idx].line = x->line;
		x->cur = S_TAXII_SOURCE;
		return;
	}
	fail(x, x->line, "unknown section [%s]", kind);
}

/* A "key = value" line: '=' must come before any ':' (inih would also take
 * "key: value") and before any inline comment. */
static int
kv_shape_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '=')
			return i > 0;
		if (s[i] == ':')
			return 0;
		if (s[i] == ';' && i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
			return 0;
	}
	return 0;
}

/* ini_reader: hand inih one checked line at a time. */
static char *
reader(char *str, int num, void *stream)
{
	struct pctx *x = stream;
	const char *s, *nl;
	size_t n, i;

	if (x->failed || x->pos >= x->len || num < 3)
		return NULL;
	s = x->text + x->pos;
	nl = memchr(s, '\n', x->len - x->pos);
	n = nl != NULL ? (size_t)(nl - s) : x->len - x->pos;
	x->pos += n + (nl != NULL ? 1 : 0);
	x->line++;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n > x->line_limit) {
		fail(x, x->line, "line too long (max %zu bytes)", x->line_limit);
		return NULL;
	}
	if (x->line == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		n -= 3;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			fail(x, x->line, "control character 0x%02x in line", ch);
			return NULL;
		}
	}
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n > 0 && *s == '[')
		on_section(x, s, n);
	else if (n > 0 && *s != ';' && *s != '#' && !kv_shape_ok(s, n))
		fail(x, x->line, "expected 'key = value', a [section] or a comment");
	if (x->failed)
		return NULL;
	if (n + 2 > (size_t)num) {
		fail(x, x->line, "line too long (max %zu bytes)", x->line_limit);
		return NULL;
	}
	memcpy(str, s, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
}

static int
find_level(const struct hl_policy *p, const char *name, uint8_t *out)
{
	unsigned i;

	for (i = 0; i < p->nlevels; i++)
		if (strcasecmp(p->levels[i], name) == 0) {
			*out = (uint8_t)i;
			return HL_OK;
		}
	return HL_ERR_NOT_FOUND;
}

static void
level_list(const struct hl_policy *p, char *out, size_t outlen)
{
	size_t off = 0;
	unsigned i;
	int n;

	out[0] = '\0';
	for (i = 0; i < p->nlevels; i++) {
		n = snprintf(out + off, outlen - off, "%s%s", i ? ", " : "", p->levels[i]);
		if (n < 0 || (size_t)n >= outlen - off)
			return;
		off += (size_t)n;
	}
}

/* After the last line: required keys, defaults, level names, cross checks. */
static void
finish(struct pctx *x)
{
	struct hl_config *c = x->c;
	struct conf_lines *ln = x->ln;
	char levels[HL_LEVELS_MAX * (HL_LEVEL_NAME_MAX + 2) + 1];
	unsigned i, j, k;

	if (ln->node_sect == 0) {
		fail(x, 0, "missing section [node]");
		return;
	}
	for (k = 0; k < NK_COUNT; k++)
		if (node_keys[k].required && ln->node[k] == 0) {
			fail(x, ln->node_sect, "missing key '%s' in [node]", node_keys[k].name);
			return;
		}
	/* the console's browser certificate comes as a pair */
	if ((ln->node[NK_CONSOLE_CERT] != 0) != (ln->node[NK_CONSOLE_KEY] != 0)) {
		fail(x, ln->node_sect, "console_certificate and console_key go together in [node]");
		return;
	}
	for (i = 0; i < c->npeers; i++)
		for (k = 0; k < RK_COUNT; k++)
			if (peer_keys[k].required && ln->peer[i][k] == 0) {
				fail(x, c->peers[i].line, "missing key '%s' in [peer %s]",
				    peer_keys[k].name, c->peers[i].node);
				return;
			}
	for (i = 0; i < c->noperators; i++)
		for (k = 0; k < OK_COUNT; k++)
			if (op_keys[k].required && ln->op[i][k] == 0) {
				fail(x, ln->op_sect[i], "missing key '%s' in [operator %s]",
				    op_keys[k].name, c->operators[i].name);
				return;
			}
	/* tls_certificate/tls_key: both or neither; neither = the signing pair */
	if ((ln->node[NK_TLS_CERT] == 0) != (ln->node[NK_TLS_KEY] == 0)) {
		fail(x, ln->node[NK_TLS_CERT] ? ln->node[NK_TLS_CERT] : ln->node[NK_TLS_KEY],
		    "tls_certificate and tls_key go together: set both or neither");
		return;
	}
	if (ln->node[NK_TLS_CERT] == 0) {
		memcpy(c->tls_cert_path, c->cert_path, sizeof(c->tls_cert_path));
		memcpy(c->tls_key_path, c->key_path, sizeof(c->tls_key_path));
	}
	if (ln->cli[CK_USER] != 0 && ln->cli[CK_PASSWORD_FILE] == 0) {
		fail(x, ln->cli_sect, "missing key 'password_file' in [cli] (user is set)");
		return;
	}
	if (c->suite == HL_SUITE_X25519 && !c->allow_classical) {
		fail(x, ln->node[NK_SUITE], "suite x25519 is classical only (no protection "
		    "against harvest-now-decrypt-later); set allow_classical_suite = yes to "
		    "choose it anyway");
		return;
	}
	if (c->dead_after_ms <= c->heartbeat_ms) {
		fail(x, ln->node[NK_DEAD_AFTER] ? ln->node[NK_DEAD_AFTER] :
		    ln->node[NK_HEARTBEAT] ? ln->node[NK_HEARTBEAT] : ln->node_sect,
		    "dead_after (%ums) must be longer than heartbeat (%ums)",
		    (unsigned)c->dead_after_ms, (unsigned)c->heartbeat_ms);
		return;
	}
	level_list(&c->policy, levels, sizeof(levels));
	for (i = 0; i < c->npeers; i++) {
		if (find_level(&c->policy, x->peer_level[i], &c->peers[i].accreditation) != 0) {
			fail(x, ln->peer[i][RK_ACCREDITATION], "accreditation: '%s' is not "
			    "a level of policy %s (%s)", x->peer_level[i], c->policy.id, levels);
			return;
		}
		if (strcmp(c->peers[i].node, c->node) == 0) {
			fail(x, c->peers[i].line, "[peer %s] is this node itself",
			    c->peers[i].node);
			return;
		}
	}
	for (i = 0; i < c->noperators; i++)
		if (find_level(&c->policy, x->op_level[i], &c->operators[i].clearance) != 0) {
			fail(x, ln->op[i][OK_CLEARANCE], "clearance: '%s' is not a level "
			    "of policy %s (%s)", x->op_level[i], c->policy.id, levels);
			return;
		}
	check_collections(x, levels);   /* [collection NAME] */
	if (x->failed)
		return;
	check_taxii_sources(x);         /* [taxii_source NAME] */
	if (x->failed)
		return;
	/* Same peer under two spellings cannot happen (names are exact), but
	 * two peer sections must not name the same address either. */
	for (i = 0; i < c->npeers; i++)
		for (j = i + 1; j < c->npeers; j++)
			if (c->peers[i].port != 0 && c->peers[i].port == c->peers[j].port &&
			    strcasecmp(c->peers[i].host, c->peers[j].host) == 0) {
				fail(x, c->peers[j].line, "[peer %s] has the same address "
				    "as [peer %s]", c->peers[j].node, c->peers[i].node);
				return;
			}
}

static void
defaults(struct hl_config *c)
{
	unsigned i;

	c->suite = HL_SUITE_X25519_MLKEM768;
	c->allow_classical = 0;
	c->heartbeat_ms = 1000;
	c->dead_after_ms = 5000;
	c->reconnect_max_ms = 30000;
	c->default_ttl_s = 7 * 86400;
	c->kem_rotate_s = 86400;
	c->kem_keep_s = 7 * 86400;
	/* acknowledgement deadlines from military message handling practice */
	c->ack_deadline_s[0] = 10 * 60;
	c->ack_deadline_s[1] = 30 * 60;
	c->ack_deadline_s[2] = 3 * 3600;
	c->ack_deadline_s[3] = 6 * 3600;
	c->link_test_s = 3600;
	c->audit_checkpoint_s = 60;
	c->privsep = 1;
	c->sandbox = 1;
	memcpy(c->user, "hotline", sizeof("hotline"));
	memcpy(c->keeper_user, "hotline-keys", sizeof("hotline-keys"));
	c->console_idle_s = 900;   /* console_idle = 15m */
	memcpy(c->policy.id, "hotline-default", sizeof("hotline-default"));
	c->policy.nlevels = sizeof(default_levels) / sizeof(default_levels[0]);
	for (i = 0; i < c->policy.nlevels; i++)
		memcpy(c->policy.levels[i], default_levels[i], strlen(default_levels[i]) + 1);
}

static int
config_parse(const uint8_t *p, size_t len, const char *name, const char *basedir,
    struct hl_config *out, struct conf_lines *ln, char *err, size_t errlen)
{
	struct pctx *x = NULL;
	char *text = NULL;
	const uint8_t *nul;
	size_t i;
	unsigned line;
	int rc, r = HL_ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	memset(ln, 0, sizeof(*ln));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (name == NULL)
		name = "config";
	if ((x = hl_calloc(1, sizeof(*x))) == NULL) {
		r = HL_ERR_NOMEM;
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	x->c = out;
	x->ln = ln;
	x->name = name;
	x->basedir = basedir;
	x->line_limit = (size_t)(ini_max_line < (int)HL_CONFIG_LINE_MAX ?
	    ini_max_line : (int)HL_CONFIG_LINE_MAX) - 3;
	if (p == NULL && len > 0) {
		r = HL_ERR_INVALID;
		snprintf(err, errlen, "%s: no input", name);
		goto out;
	}
	if (len > HL_CONFIG_MAX_BYTES) {
		r = HL_ERR_TOO_BIG;
		snprintf(err, errlen, "%s: file too large (%zu bytes, max %u)", name,
		    len, HL_CONFIG_MAX_BYTES);
		goto out;
	}
	if (len > 0 && (nul = memchr(p, '\0', len)) != NULL) {
		line = 1;
		for (i = 0; i < (size_t)(nul - p); i++)
			if (p[i] == '\n')
				line++;
		r = HL_ERR_MALFORMED;
		snprintf(err, errlen, "%s:%u: NUL byte in configuration", name, line);
		goto out;
	}
	if ((text = hl_malloc(len + 1)) == NULL) {
		r = HL_ERR_NOMEM;
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	if (len > 0)
		memcpy(text, p, len);
	text[len] = '\0';
	x->text = text;
	x->len = len;
	snprintf(out->path, sizeof(out->path), "%s", name);
	defaults(out);

	rc = ini_parse_stream(reader, x, on_kv, x);
	if (!x->failed && rc != 0)
		fail(x, rc > 0 ? (unsigned)rc : 0, "syntax error");
	if (!x->failed)
		finish(x);
	if (x->failed) {
		r = HL_ERR_CONFIG;
		snprintf(err, errlen, "%s", x->err);
		goto out;
	}
	r = HL_OK;
out:
	if (r != HL_OK)
		memset(out, 0, sizeof(*out));
	if (text != NULL)
		hl_free_secret(text, len + 1);
	hl_free_secret(x, sizeof(*x));
	return r;
}

int
hl_config_parse(const uint8_t *p, size_t len, const char *name, const char *basedir,
    struct hl_config *out, char *err, size_t errlen)
{
	struct conf_lines *ln = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if ((ln = hl_calloc(1, sizeof(*ln))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name != NULL ? name : "config");
		return HL_ERR_NOMEM;
	}
	r = config_parse(p, len, name, basedir, out, ln, err, errlen);
	hl_free(ln);
	return r;
}

/* ---- loading a file ---- */

static int
read_file(const char *path, uint8_t **outp, size_t *outlen, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = -1, r = HL_ERR_INTERNAL;

	*outp = NULL;
	*outlen = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		r = HL_ERR_IO;
		goto out;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		r = HL_ERR_IO;
		goto out;
	}
	if ((buf = hl_malloc(HL_CONFIG_MAX_BYTES + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		r = HL_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		n = read(fd, buf + len, HL_CONFIG_MAX_BYTES + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: read: %s", path, strerror(errno));
			r = HL_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > HL_CONFIG_MAX_BYTES) {
			snprintf(err, errlen, "%s: file too large (max %u bytes)", path,
			    HL_CONFIG_MAX_BYTES);
			r = HL_ERR_TOO_BIG;
			goto out;
		}
	}
	*outp = buf;
	*outlen = len;
	buf = NULL;
	r = HL_OK;
out:
	if (fd != -1)
		close(fd);
	if (buf != NULL)
		hl_free_secret(buf, HL_CONFIG_MAX_BYTES + 1);
	return r;
}

/* The directory of path, absolute (so paths survive a chdir). */
static int
config_basedir(const char *path, char out[HL_PATH_MAX], char *err, size_t errlen)
{
	char dir[HL_PATH_MAX], *slash, rp[PATH_MAX];
	int r = HL_ERR_INTERNAL;

	if (copy_str(dir, sizeof(dir), path) != 0) {
		snprintf(err, errlen, "%s: path too long", path);
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	slash = strrchr(dir, '/');
	if (slash == NULL)
		memcpy(dir, ".", 2);
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (realpath(dir, rp) == NULL) {
		snprintf(err, errlen, "%s: cannot resolve directory %s: %s", path, dir,
		    strerror(errno));
		r = HL_ERR_IO;
		goto out;
	}
	if (copy_str(out, HL_PATH_MAX, rp) != 0) {
		snprintf(err, errlen, "%s: directory path too long", path);
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	r = HL_OK;
out:
	return r;
}

static int
check_file(const char *name, unsigned line, const char *key, const char *path,
    int secret, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) == -1) {
		snprintf(err, errlen, "%s:%u: %s: %s: %s", name, line, key, path,
		    strerror(errno));
		return HL_ERR_CONFIG;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s:%u: %s: %s is not a regular file", name, line,
		    key, path);
		return HL_ERR_CONFIG;
	}
	if (secret && (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s:%u: %s: %s is accessible by group or others "
		    "(mode %04o); chmod 600 it", name, line, key, path,
		    (unsigned)(st.st_mode & 07777));
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

int
hl_config_load(const char *path, struct hl_config *out, char *err, size_t errlen)
{
	struct conf_lines *ln = NULL;
	uint8_t *buf = NULL, pin[HL_SHA256];
	char basedir[HL_PATH_MAX], perr[256];
	size_t len = 0;
	unsigned i;
	int r = HL_ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (path == NULL) {
		snprintf(err, errlen, "no configuration file given");
		r = HL_ERR_INVALID;
		goto out;
	}
	if ((r = read_file(path, &buf, &len, err, errlen)) != 0)
		goto out;
	if ((r = config_basedir(path, basedir, err, errlen)) != 0)
		goto out;
	if ((ln = hl_calloc(1, sizeof(*ln))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		r = HL_ERR_NOMEM;
		goto out;
	}
	if ((r = config_parse(buf, len, path, basedir, out, ln, err, errlen)) != 0)
		goto out;
	r = HL_ERR_CONFIG;
	if (check_file(path, ln->node[NK_CERT], "certificate", out->cert_path, 0,
	    err, errlen) != 0 ||
	    check_file(path, ln->node[NK_KEY], "key", out->key_path, 1, err, errlen) != 0 ||
	    check_file(path, ln->node[NK_CA], "ca", out->ca_path, 0, err, errlen) != 0)
		goto out;
	if (ln->node[NK_TLS_CERT] != 0 &&
	    (check_file(path, ln->node[NK_TLS_CERT], "tls_certificate", out->tls_cert_path, 0,
	    err, errlen) != 0 ||
	    check_file(path, ln->node[NK_TLS_KEY], "tls_key", out->tls_key_path, 1, err,
	    errlen) != 0))
		goto out;
	for (i = 0; i < out->npeers; i++) {
		const struct hl_peer_conf *pc = &out->peers[i];

		if (check_file(path, ln->peer[i][RK_CA], "ca", pc->ca_path, 0, err,
		    errlen) != 0)
			goto out;
		if (hl_pki_cert_sha256(pc->ca_path, pin, perr, sizeof(perr)) != 0) {
			snprintf(err, errlen, "%s:%u: peer %s: %s", path, ln->peer[i][RK_CA],
			    pc->node, perr);
			goto out;
		}
		if (memcmp(pin, pc->ca_sha256, HL_SHA256) != 0) {
			snprintf(err, errlen, "%s:%u: peer %s: CA file %s does not match "
			    "ca_sha256 pin", path, ln->peer[i][RK_CA_SHA256], pc->node,
			    pc->ca_path);
			goto out;
		}
	}
	r = HL_OK;
out:
	if (r != HL_OK)
		memset(out, 0, sizeof(*out));
	if (buf != NULL)
		hl_free_secret(buf, HL_CONFIG_MAX_BYTES + 1);
	hl_free(ln);
	return r;
}

const struct hl_peer_conf *
hl_config_peer(const struct hl_config *c, const char *node)
{
	unsigned i;

	if (c == NULL || node == NULL)
		return NULL;
	for (i = 0; i < c->npeers; i++)
		if (strcmp(c->peers[i].node, node) == 0)
			return &c->peers[i];
	return NULL;
}

const struct hl_operator_conf *
hl_config_operator(const struct hl_config *c, const char *name)
{
	unsigned i;

	if (c == NULL || name == NULL)
		return NULL;
	for (i = 0; i < c->noperators; i++)
		if (strcmp(c->operators[i].name, name) == 0)
			return &c->operators[i];
	return NULL;
}
