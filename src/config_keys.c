/* config_keys.c: what each key of hotline.conf(5) accepts (docs/CONFIG.md):
 * one setter per key, the key tables of every section, and the value
 * parsers the CLI shares (durations, host:port). A setter checks its value,
 * stores it and on error fills msg without the key's name (config.c adds
 * "name:line: key: "). Level names are kept as text here and resolved
 * against the policy by config_check.c. */

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "hybsig.h"
#include "config.h"
#include "config_int.h"
#include "envelope.h"
#include "label.h"
#include "pwhash.h"
#include "sensor.h"

/* ---- names and strings ---- */

static int
namechar_ok(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
}

int
config_ident_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1), i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (!namechar_ok(s[i]))
			return 0;
	return 1;
}

int
config_list_next(const char **p, const char **item, size_t *n)
{
	const char *s = *p, *e;

	if (s == NULL)
		return 0;
	while (*s == ' ')
		s++;
	for (e = s; *e != '\0' && *e != ','; e++)
		;
	*item = s;
	*n = (size_t)(e - s);
	while (*n > 0 && s[*n - 1] == ' ')
		(*n)--;
	*p = *e == ',' ? e + 1 : NULL;
	return 1;
}

int
config_copy_str(char *dst, size_t dstlen, const char *src)
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
	if (!config_ident_ok(v, HL_LEVEL_NAME_MAX)) {
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
	if (!hl_label_node_name_valid(v, x->c->partner)) {
		snprintf(msg, ml, "expected PARTNER/name (partner 2..8 of A-Z 0-9, "
		    "name of A-Z a-z 0-9 . _ -, at most %d bytes)", HL_NODE_NAME_MAX);
		return HL_ERR_CONFIG;
	}
	return config_copy_str(x->c->node, sizeof(x->c->node), v);
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

/* file:PATH (relative to the configuration's directory) or credential:NAME */
static int
nk_seal_key(struct pctx *x, const char *v, char *msg, size_t ml)
{
	char path[HL_PATH_MAX];
	int r;

	if (strncmp(v, "credential:", 11) == 0) {
		if (v[11] == '\0' || strchr(v + 11, '/') != NULL || strlen(v) > 255) {
			snprintf(msg, ml, "credential:NAME wants a credential name (no '/')");
			return HL_ERR_CONFIG;
		}
		snprintf(x->c->seal_key, sizeof(x->c->seal_key), "%s", v);
		return HL_OK;
	}
	if (strncmp(v, "file:", 5) != 0) {
		snprintf(msg, ml, "expected file:PATH or credential:NAME");
		return HL_ERR_CONFIG;
	}
	if ((r = set_path(x, v + 5, path, msg, ml)) != HL_OK)
		return r;
	snprintf(x->c->seal_key, sizeof(x->c->seal_key), "file:%s", path);
	return HL_OK;
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

static int
nk_cert_warn(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_duration(v, 86400000, 366ull * 86400000, 1, &x->c->cert_warn_s, msg, ml);
}

static int
nk_max_clock_skew(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_duration(v, 1000, 86400000, 1, &x->c->max_clock_skew_s, msg, ml);
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

/* crypto_threads = N: worker threads that seal, verify and open envelopes
 * (0: on the event loop itself, one after another; "auto": one per CPU) */
static int
nk_crypto_threads(struct pctx *x, const char *v, char *msg, size_t ml)
{
	char *end;
	unsigned long n;

	if (strcmp(v, "auto") == 0) {
		x->c->crypto_threads = HL_CRYPTO_THREADS_AUTO;
		return HL_OK;
	}
	errno = 0;
	n = strtoul(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || n > HL_CRYPTO_THREADS_MAX) {
		(void)snprintf(msg, ml, "crypto_threads: expected auto or 0..%d, got '%s'",
		    HL_CRYPTO_THREADS_MAX, v);
		return HL_ERR_CONFIG;
	}
	x->c->crypto_threads = (int)n;
	return HL_OK;
}

/* track_alerts = yes | no | partners: the duty officer's track alerts
 * (tracks.md); partners: none for this node's own tracks */
static int
nk_track_alerts(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (strcmp(v, "yes") == 0)
		x->c->track_alerts = HL_TRACK_ALERTS_ALL;
	else if (strcmp(v, "no") == 0)
		x->c->track_alerts = HL_TRACK_ALERTS_NONE;
	else if (strcmp(v, "partners") == 0)
		x->c->track_alerts = HL_TRACK_ALERTS_PARTNERS;
	else {
		(void)snprintf(msg, ml, "track_alerts: expected yes, no or partners, got '%s'", v);
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

/* A number from 0 (above 0 when open) to 1. 1 when v is one. OUT: *d. */
static int
unit_real(const char *v, int open, double *d)
{
	char *end;

	errno = 0;
	*d = strtod(v, &end);
	return v[0] != '\0' && *end == '\0' && errno == 0 && *d <= 1 &&
	    (open ? *d > 0 : *d >= 0);
}

/* track_alert_confidence = 0..1: crossing it either way is a threat change */
static int
nk_track_alert_confidence(struct pctx *x, const char *v, char *msg, size_t ml)
{
	double d;

	if (!unit_real(v, 0, &d)) {
		(void)snprintf(msg, ml, "expected a number from 0 to 1, got '%s'", v);
		return HL_ERR_CONFIG;
	}
	x->c->track_alert_confidence = d;
	return HL_OK;
}

/* narrative_threshold = (0, 1]: reports, incidents and campaigns of two
 * partners at least this alike are linked (docs/DETECTION.md, "Narratives") */
static int
nk_narrative_threshold(struct pctx *x, const char *v, char *msg, size_t ml)
{
	double d;

	if (!unit_real(v, 1, &d)) {
		(void)snprintf(msg, ml, "expected a number above 0, at most 1, got '%s'", v);
		return HL_ERR_CONFIG;
	}
	x->c->narrative_threshold = d;
	return HL_OK;
}

/* track_stale = duration: a track with no update stored for this long
 * raises its stale alert (0: never) */
static int
nk_correlation_window(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_duration(v, 1000, 7ull * 86400 * 1000, 1, &x->c->correlation_window_s, msg, ml);
}

static int
nk_track_stale(struct pctx *x, const char *v, char *msg, size_t ml)
{
	uint64_t ms = 0;

	if (strcmp(v, "0") == 0) {
		x->c->track_stale_s = 0;
		return HL_OK;
	}
	if (hl_parse_duration_ms(v, &ms) != HL_OK || ms < 1000 || ms > 86400000ull) {
		(void)snprintf(msg, ml, "track_stale: expected 0 or a duration from 1s to 1d, "
		    "got '%s'", v);
		return HL_ERR_CONFIG;
	}
	x->c->track_stale_s = (unsigned)(ms / 1000);
	return HL_OK;
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
	if (!config_ident_ok(v, HL_POLICY_MAX)) {
		snprintf(msg, ml, "expected 1..%d characters of A-Z a-z 0-9 . _ -",
		    HL_POLICY_MAX);
		return HL_ERR_CONFIG;
	}
	return config_copy_str(x->c->policy.id, sizeof(x->c->policy.id), v);
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
		if (!config_ident_ok(p->levels[n], HL_LEVEL_NAME_MAX)) {
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
rk_sig_key_sha256(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (hl_hex_decode(v, strlen(v), PEER(x)->sig_key_sha256, HL_SHA256, 0) == HL_OK) {
		PEER(x)->sig_key_pinned = 1;
		return HL_OK;
	}
	snprintf(msg, ml, "expected 64 hex digits (SHA-256 of the partner node's ML-DSA key, "
	    "as its hotline keys list shows)");
	return HL_ERR_CONFIG;
}

static int
nk_sig_suite(struct pctx *x, const char *v, char *msg, size_t ml)
{
	int s = hl_sig_suite_parse(v);

	if (s < 0) {
		snprintf(msg, ml, "expected ed25519-mldsa65, ed25519-mldsa87 or ed25519");
		return HL_ERR_CONFIG;
	}
	x->c->sig_suite = s;
	return HL_OK;
}

static int
nk_allow_classical_sig(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_yesno(v, &x->c->allow_classical_sig, msg, ml);
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
	if (!hl_partner_valid(v)) {
		snprintf(msg, ml, "expected a partner code (2..8 of A-Z 0-9)");
		return HL_ERR_CONFIG;
	}
	return config_copy_str(OPER(x)->nationality, sizeof(OPER(x)->nationality), v);
}

static int
ok_password(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (strlen(v) >= sizeof(OPER(x)->password_hash) || hl_pwhash_valid(v) != 0) {
		snprintf(msg, ml, "expected a scrypt hash "
		    "\"$scrypt$ln=N,r=R,p=P$salt$hash\" (see hotline operator add)");
		return HL_ERR_CONFIG;
	}
	return config_copy_str(OPER(x)->password_hash, sizeof(OPER(x)->password_hash), v);
}

static int
ok_disabled(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_yesno(v, &OPER(x)->disabled, msg, ml);
}

/* totp_secret_file = PATH: the account's TOTP secret in base32, mode 0600
 * (read with the other files, config_check_files) */
static int
ok_totp_secret_file(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, x->ln->op_totp_file[x->cur_idx], msg, ml);
}

static int
ck_user(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (!config_ident_ok(v, HL_OPERATOR_MAX)) {
		snprintf(msg, ml, "expected an operator name");
		return HL_ERR_CONFIG;
	}
	return config_copy_str(x->c->cli_user, sizeof(x->c->cli_user), v);
}

static int
ck_password_file(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, x->c->cli_password_file, msg, ml);
}

/* certificate = PATH, key = PATH: the operator certificate the CLI logs
 * in with instead of the password (its key PEM in clear, 0600; read by
 * the CLI only) */
static int
ck_certificate(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, x->c->cli_cert_path, msg, ml);
}

static int
ck_key(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, x->c->cli_key_path, msg, ml);
}

/* console_idle = 15m: a console session unused this long ends (1m..24h) */
static int
nk_console_idle(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_duration(v, 60000, 86400000, 1, &x->c->console_idle_s, msg, ml);
}

/* require_totp = none | all | a list of officer, analyst, admin: the roles
 * whose accounts must have a second factor */
static int
nk_require_totp(struct pctx *x, const char *v, char *msg, size_t ml)
{
	const char *p = v, *it;
	unsigned mask = 0, bit;
	size_t n;

	x->c->require_totp = 0;
	if (strcmp(v, "none") == 0)
		return HL_OK;
	if (strcmp(v, "all") == 0) {
		x->c->require_totp = HL_REQUIRE_TOTP_ALL;
		return HL_OK;
	}
	while (config_list_next(&p, &it, &n)) {
		if (n == 7 && memcmp(it, "officer", 7) == 0)
			bit = HL_ROLE_BIT(HL_ROLE_OFFICER);
		else if (n == 7 && memcmp(it, "analyst", 7) == 0)
			bit = HL_ROLE_BIT(HL_ROLE_ANALYST);
		else if (n == 5 && memcmp(it, "admin", 5) == 0)
			bit = HL_ROLE_BIT(HL_ROLE_ADMIN);
		else
			bit = 0;
		if (bit == 0 || (mask & bit) != 0) {
			snprintf(msg, ml, "expected none, all or a list of officer, analyst, admin "
			    "(each once)");
			return HL_ERR_CONFIG;
		}
		mask |= bit;
	}
	x->c->require_totp = mask;
	return HL_OK;
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

static int
lk_title(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (v[0] == '\0' || config_copy_str(COLL(x)->title, sizeof(COLL(x)->title), v) != HL_OK) {
		snprintf(msg, ml, "expected 1..%zu bytes", sizeof(COLL(x)->title) - 1);
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

static int
lk_description(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (config_copy_str(COLL(x)->description, sizeof(COLL(x)->description), v) != HL_OK) {
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
	const char *p = v, *it;
	char name[HL_OPERATOR_MAX + 1];
	size_t n;

	if (strcmp(v, "*") == 0)
		return config_copy_str(dst, dstlen, v);
	while (config_list_next(&p, &it, &n)) {
		if (n == 0 || n > HL_OPERATOR_MAX)
			goto bad;
		memcpy(name, it, n);
		name[n] = '\0';
		if (!config_ident_ok(name, HL_OPERATOR_MAX))
			goto bad;
	}
	if (config_copy_str(dst, dstlen, v) != HL_OK)
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

static int
lk_sightings_to(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (strcmp(v, "origin") == 0)
		COLL(x)->sightings_to_members = 0;
	else if (strcmp(v, "members") == 0)
		COLL(x)->sightings_to_members = 1;
	else {
		snprintf(msg, ml, "expected origin (the indicator's originating partner only) "
		    "or members");
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

const struct key_def config_coll_keys[LK_COUNT] = {
	[LK_TITLE] = { "title", 0, lk_title },
	[LK_DESCRIPTION] = { "description", 0, lk_description },
	[LK_MEMBERS] = { "members", 0, lk_members },
	[LK_CEILING] = { "ceiling", 0, lk_ceiling },
	[LK_READ] = { "read", 0, lk_read },
	[LK_WRITE] = { "write", 0, lk_write },
	[LK_SIGHTINGS_TO] = { "sightings_to", 0, lk_sightings_to },
};

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
	    config_copy_str(SRC(x)->url, sizeof(SRC(x)->url), v) != HL_OK) {
		snprintf(msg, ml, "expected https://host[:port]/path/ (no query)");
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

static int
tk_collection_id(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (v[0] == '\0' || strpbrk(v, "/?#% \t") != NULL ||
	    config_copy_str(SRC(x)->collection_id, sizeof(SRC(x)->collection_id), v) != HL_OK) {
		snprintf(msg, ml, "expected a TAXII collection id");
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

static int
tk_user(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (v[0] == '\0' || strchr(v, ':') != NULL ||
	    config_copy_str(SRC(x)->user, sizeof(SRC(x)->user), v) != HL_OK) {
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
	    config_copy_str(SRC(x)->node, sizeof(SRC(x)->node), v) != HL_OK) {
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
	if (!config_ident_ok(v, HL_COLLECTION_NAME_MAX) ||
	    config_copy_str(SRC(x)->collection, sizeof(SRC(x)->collection), v) != HL_OK) {
		snprintf(msg, ml, "expected a [collection] name");
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

/* ---- [tak NAME]: Cursor on Target out ---- */

#define TAK(x) (&(x)->c->tak[(x)->cur_idx])

static int
ak_listen(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_hostport(v, TAK(x)->listen_host, &TAK(x)->listen_port, msg, ml);
}

static int
ak_endpoint(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_hostport(v, TAK(x)->host, &TAK(x)->port, msg, ml);
}

static int
ak_tls(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_yesno(v, &TAK(x)->tls, msg, ml);
}

static int
ak_ca(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, TAK(x)->ca_path, msg, ml);
}

static int
ak_cert(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, TAK(x)->cert_path, msg, ml);
}

static int
ak_key(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, TAK(x)->key_path, msg, ml);
}

static int
ak_partners(struct pctx *x, const char *v, char *msg, size_t ml)
{
	if (hl_partner_list_parse(v, TAK(x)->partners, HL_TAK_PARTNERS_MAX,
	    &TAK(x)->npartners) != HL_OK || TAK(x)->npartners == 0) {
		snprintf(msg, ml, "expected 1..%d partner codes, comma-separated",
		    HL_TAK_PARTNERS_MAX);
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

static int
ak_accreditation(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_level_name(v, x->tak_level[x->cur_idx], msg, ml);
}

static int
ak_exercise(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_yesno(v, &TAK(x)->exercise, msg, ml);
}

static int
ak_stale(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_duration(v, 1000, 86400 * 1000, 1, &TAK(x)->stale_s, msg, ml);
}

/* ---- [sensor NAME]: a sensor log followed (docs/DETECTION.md) ---- */
#define SENSOR(x) (&(x)->c->sensors[(x)->cur_idx])

static int
sk_format(struct pctx *x, const char *v, char *msg, size_t ml)
{
	int f = hl_sensor_format_parse(v);

	if (f == 0) {
		snprintf(msg, ml, "expected suricata-eve, zeek-json or tshark-ek, got '%.64s'", v);
		return HL_ERR_CONFIG;
	}
	SENSOR(x)->format = f;
	return HL_OK;
}

static int
sk_path(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_path(x, v, SENSOR(x)->path, msg, ml);
}

/* Collection names; that each is a [collection] is checked at the end. */
static int
sk_collections(struct pctx *x, const char *v, char *msg, size_t ml)
{
	struct hl_sensor_conf *s = SENSOR(x);
	const char *p = v, *it;
	size_t n;

	s->ncollections = 0;
	while (config_list_next(&p, &it, &n)) {
		if (n == 0 || n > HL_COLLECTION_NAME_MAX ||
		    s->ncollections == HL_SENSOR_COLLECTIONS_MAX) {
			snprintf(msg, ml, "expected 1..%d comma-separated [collection] names",
			    HL_SENSOR_COLLECTIONS_MAX);
			return HL_ERR_CONFIG;
		}
		memcpy(s->collections[s->ncollections], it, n);
		s->collections[s->ncollections++][n] = '\0';
	}
	if (s->ncollections == 0) {
		snprintf(msg, ml, "expected 1..%d comma-separated [collection] names",
		    HL_SENSOR_COLLECTIONS_MAX);
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

static int
sk_sighting_window(struct pctx *x, const char *v, char *msg, size_t ml)
{
	return set_duration(v, 1000, 86400 * 1000, 1, &SENSOR(x)->sighting_window_s, msg, ml);
}

const struct key_def config_sensor_keys[SK_COUNT] = {
	[SK_FORMAT] = { "format", 1, sk_format },
	[SK_PATH] = { "path", 1, sk_path },
	[SK_COLLECTIONS] = { "collections", 1, sk_collections },
	[SK_SIGHTING_WINDOW] = { "sighting_window", 0, sk_sighting_window },
};

/* ---- [group NAME]: a releasability group ---- */

static int
gk_members(struct pctx *x, const char *v, char *msg, size_t ml)
{
	struct hl_group *g = &x->c->policy.groups[x->cur_idx];

	if (hl_partner_list_parse(v, g->members, HL_RELEASABLE_MAX, &g->n) != HL_OK || g->n == 0) {
		snprintf(msg, ml, "expected 1..%d partner codes, comma-separated (not groups)",
		    HL_RELEASABLE_MAX);
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

const struct key_def config_group_keys[GK_COUNT] = {
	[GK_MEMBERS] = { "members", 1, gk_members },
};

const struct key_def config_tak_keys[AK_COUNT] = {
	[AK_LISTEN] = { "listen", 0, ak_listen },
	[AK_ENDPOINT] = { "endpoint", 0, ak_endpoint },
	[AK_TLS] = { "tls", 0, ak_tls },
	[AK_CA] = { "ca", 0, ak_ca },
	[AK_CERT] = { "certificate", 0, ak_cert },
	[AK_KEY] = { "key", 0, ak_key },
	[AK_PARTNERS] = { "partners", 1, ak_partners },
	[AK_ACCREDITATION] = { "accreditation", 1, ak_accreditation },
	[AK_EXERCISE] = { "exercise", 0, ak_exercise },
	[AK_STALE] = { "stale", 0, ak_stale },
};

const struct key_def config_src_keys[TK_COUNT] = {
	[TK_URL] = { "url", 1, tk_url },
	[TK_COLLECTION_ID] = { "collection_id", 0, tk_collection_id },
	[TK_USER] = { "user", 1, tk_user },
	[TK_PASSWORD_FILE] = { "password_file", 1, tk_password_file },
	[TK_CA] = { "ca", 1, tk_ca },
	[TK_NODE] = { "node", 0, tk_node },
	[TK_INTERVAL] = { "interval", 0, tk_interval },
	[TK_COLLECTION] = { "collection", 1, tk_collection },
};

const struct key_def config_node_keys[NK_COUNT] = {
	[NK_NAME] = { "name", 1, nk_name },
	[NK_LISTEN] = { "listen", 1, nk_listen },
	[NK_API] = { "api", 1, nk_api },
	[NK_DATA] = { "data", 1, nk_data },
	[NK_CERT] = { "certificate", 1, nk_cert },
	[NK_KEY] = { "key", 1, nk_key },
	[NK_CA] = { "ca", 1, nk_ca },
	[NK_SUITE] = { "suite", 0, nk_suite },
	[NK_ALLOW_CLASSICAL] = { "allow_classical_suite", 0, nk_allow_classical },
	[NK_SIG_SUITE] = { "sig_suite", 0, nk_sig_suite },
	[NK_ALLOW_CLASSICAL_SIG] = { "allow_classical_signatures", 0, nk_allow_classical_sig },
	[NK_HEARTBEAT] = { "heartbeat", 0, nk_heartbeat },
	[NK_DEAD_AFTER] = { "dead_after", 0, nk_dead_after },
	[NK_RECONNECT_MAX] = { "reconnect_max", 0, nk_reconnect_max },
	[NK_ENVELOPE_TTL] = { "envelope_ttl", 0, nk_envelope_ttl },
	[NK_MAX_CLOCK_SKEW] = { "max_clock_skew", 0, nk_max_clock_skew },
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
	[NK_SEAL_KEY] = { "seal_key", 0, nk_seal_key },
	[NK_CERT_WARN] = { "cert_warn", 0, nk_cert_warn },
	[NK_CRYPTO_THREADS] = { "crypto_threads", 0, nk_crypto_threads },
	[NK_TRACK_ALERTS] = { "track_alerts", 0, nk_track_alerts },
	[NK_TRACK_ALERT_CONFIDENCE] = { "track_alert_confidence", 0, nk_track_alert_confidence },
	[NK_TRACK_STALE] = { "track_stale", 0, nk_track_stale },
	[NK_NARRATIVE_THRESHOLD] = { "narrative_threshold", 0, nk_narrative_threshold },
	[NK_CORRELATION_WINDOW] = { "correlation_window", 0, nk_correlation_window },
	[NK_REQUIRE_TOTP] = { "require_totp", 0, nk_require_totp },
	[NK_BENCH_TAP] = { "bench_tap", 0, nk_bench_tap },
	[NK_BENCH_NO_FSYNC] = { "bench_no_fsync", 0, nk_bench_no_fsync },
};

const struct key_def config_policy_keys[PK_COUNT] = {
	[PK_ID] = { "id", 0, pk_id },
	[PK_LEVELS] = { "levels", 0, pk_levels },
};

const struct key_def config_peer_keys[RK_COUNT] = {
	[RK_ADDRESS] = { "address", 1, rk_address },
	[RK_CA] = { "ca", 1, rk_ca },
	[RK_CA_SHA256] = { "ca_sha256", 1, rk_ca_sha256 },
	[RK_ACCREDITATION] = { "accreditation", 1, rk_accreditation },
	[RK_SIG_KEY_SHA256] = { "sig_key_sha256", 0, rk_sig_key_sha256 },
};

const struct key_def config_op_keys[OK_COUNT] = {
	[OK_ROLE] = { "role", 1, ok_role },
	[OK_CLEARANCE] = { "clearance", 1, ok_clearance },
	[OK_NATIONALITY] = { "nationality", 1, ok_nationality },
	[OK_PASSWORD] = { "password", 1, ok_password },
	[OK_DISABLED] = { "disabled", 0, ok_disabled },
	[OK_TOTP_SECRET_FILE] = { "totp_secret_file", 0, ok_totp_secret_file },
};

const struct key_def config_cli_keys[CK_COUNT] = {
	[CK_USER] = { "user", 0, ck_user },
	[CK_PASSWORD_FILE] = { "password_file", 0, ck_password_file },
	[CK_CERTIFICATE] = { "certificate", 0, ck_certificate },
	[CK_KEY] = { "key", 0, ck_key },
};
