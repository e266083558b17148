/* config_check.c: hotline.conf(5) as a whole (docs/CONFIG.md): the
 * defaults, then after the last line the required keys, level names
 * resolved against the policy, cross checks between sections, and the
 * files the configuration names (hl_config_load). */
#include <arpa/inet.h>
#include <limits.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "config.h"
#include "config_int.h"
#include "envelope.h"
#include "hybsig.h"
#include "label.h"
#include "pki.h"
#include "simtext.h"

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
static const char *const default_levels[] = {
	"UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET",
};

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
			if (config_src_keys[k].required && x->ln->src[i][k] == 0) {
				config_fail(x, x->ln->src_sect[i], "[taxii_source %s]: missing key '%s'",
				    s->name, config_src_keys[k].name);
				return;
			}
		if (s->interval_s == 0)
			s->interval_s = 3600;
		if (hl_config_collection(x->c, s->collection) == NULL) {
			config_fail(x, x->ln->src[i][TK_COLLECTION], "[taxii_source %s]: collection '%s' "
			    "is not a [collection] of this node", s->name, s->collection);
			return;
		}
		ul = strlen(s->url);
		if (s->collection_id[0] == '\0' && (ul < 9 ||
		    strcmp(s->url + ul - (s->url[ul - 1] == '/' ? 9 : 8),
		    s->url[ul - 1] == '/' ? "/objects/" : "/objects") != 0)) {
			config_fail(x, x->ln->src[i][TK_URL], "[taxii_source %s]: url is an API root: "
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
			config_fail(x, x->ln->coll[i][LK_CEILING], "ceiling: '%s' is not a level of "
			    "policy %s (%s)", x->coll_level[i], c->policy.id, levels);
			return;
		}
		/* read / write name accounts of the [operator] sections or of the
		 * database (hotline operator add), so only their syntax is
		 * checked here (set_accounts); an unknown name grants nothing */
	}
}

/* A loopback address written as a literal (127.0.0.0/8, ::1) or
 * "localhost": where CoT may go in the clear. */
static int
loopback_host(const char *h)
{
	unsigned char a[16];
	static const unsigned char v6[16] = { [15] = 1 };

	if (strcasecmp(h, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, h, a) == 1)
		return a[0] == 127;
	return inet_pton(AF_INET6, h, a) == 1 && memcmp(a, v6, sizeof(v6)) == 0;
}

/* At the end: [tak NAME] has somewhere to go, its accreditation is a level
 * of the policy, and classified tracks never cross a network in the clear:
 * a local port is loopback only, an endpoint is TLS with a client
 * certificate unless it is on this machine. */
static void
check_tak(struct pctx *x, const char *levels)
{
	struct hl_tak_conf *t;
	unsigned i, j, k, *ln;

	for (i = 0; i < x->c->ntak; i++) {
		t = &x->c->tak[i];
		ln = x->ln->tak[i];
		for (k = 0; k < AK_COUNT; k++)
			if (config_tak_keys[k].required && ln[k] == 0) {
				config_fail(x, x->ln->tak_sect[i], "[tak %s]: missing key '%s'",
				    t->name, config_tak_keys[k].name);
				return;
			}
		if (t->listen_port == 0 && t->port == 0) {
			config_fail(x, x->ln->tak_sect[i], "[tak %s]: set listen, endpoint or both",
			    t->name);
			return;
		}
		if (find_level(&x->c->policy, x->tak_level[i], &t->accreditation) != 0) {
			config_fail(x, ln[AK_ACCREDITATION], "accreditation: '%s' is not a level "
			    "of policy %s (%s)", x->tak_level[i], x->c->policy.id, levels);
			return;
		}
		if (t->listen_port != 0 && !loopback_host(t->listen_host)) {
			config_fail(x, ln[AK_LISTEN], "[tak %s]: listen serves CoT in the clear, so "
			    "only on a loopback address (127.0.0.1, ::1); use endpoint for TLS",
			    t->name);
			return;
		}
		if (t->port != 0 && !t->tls && !loopback_host(t->host)) {
			config_fail(x, ln[AK_TLS], "[tak %s]: tls = no only for an endpoint on a "
			    "loopback address", t->name);
			return;
		}
		if (t->port != 0 && t->tls && (ln[AK_CA] == 0 || ln[AK_CERT] == 0 ||
		    ln[AK_KEY] == 0)) {
			config_fail(x, x->ln->tak_sect[i], "[tak %s]: an endpoint over TLS needs ca, "
			    "certificate and key", t->name);
			return;
		}
		for (j = 0; j < i; j++)
			if (t->listen_port != 0 && t->listen_port == x->c->tak[j].listen_port &&
			    strcasecmp(t->listen_host, x->c->tak[j].listen_host) == 0) {
				config_fail(x, ln[AK_LISTEN], "[tak %s] listens where [tak %s] does",
				    t->name, x->c->tak[j].name);
				return;
			}
	}
}

/* At the end: each [group] has members, and its name is no partner's that
 * this node knows (a group stands for its members in lists, so a group
 * named like a partner would hide that partner). */
static void
check_groups(struct pctx *x)
{
	const struct hl_group *g;
	unsigned i, j;

	for (i = 0; i < x->c->policy.ngroups; i++) {
		g = &x->c->policy.groups[i];
		if (x->ln->group[i][GK_MEMBERS] == 0) {
			config_fail(x, x->ln->group_sect[i], "[group %s]: missing key 'members'",
			    g->name);
			return;
		}
		if (strcmp(g->name, x->c->partner) == 0) {
			config_fail(x, x->ln->group_sect[i], "[group %s]: %s is this node's partner "
			    "code", g->name, g->name);
			return;
		}
		for (j = 0; j < x->c->npeers; j++)
			if (strcmp(g->name, x->c->peers[j].partner) == 0) {
				config_fail(x, x->ln->group_sect[i], "[group %s]: %s is the partner "
				    "code of [peer %s]", g->name, g->name, x->c->peers[j].node);
				return;
			}
	}
	/* a collection's members may name groups: expanded now that all are known */
	for (i = 0; i < x->c->ncollections; i++) {
		struct hl_collection_conf *cc = &x->c->collections[i];
		char csv[HL_RELEASABLE_MAX * (HL_PARTNER_MAX + 1) + 1];
		size_t off = 0;

		csv[0] = '\0';
		for (j = 0; j < cc->nmembers; j++)
			off += (size_t)snprintf(csv + off, sizeof(csv) - off, "%s%s", j ? "," : "",
			    cc->members[j]);
		if (cc->nmembers > 0 && hl_policy_partner_list(&x->c->policy, csv, cc->members,
		    HL_RELEASABLE_MAX, &cc->nmembers) != HL_OK) {
			config_fail(x, x->ln->coll[i][LK_MEMBERS], "[collection %s]: members: more "
			    "than %d partners once groups are expanded", cc->name, HL_RELEASABLE_MAX);
			return;
		}
	}
}

/* At the end: each [sensor NAME] has its required keys, names collections
 * of this node, and no two follow the same file. */
static void
check_sensors(struct pctx *x)
{
	const struct hl_config *c = x->c;
	unsigned i, j, k;

	for (i = 0; i < c->nsensors; i++) {
		const struct hl_sensor_conf *s = &c->sensors[i];

		for (k = 0; k < SK_COUNT; k++)
			if (config_sensor_keys[k].required && x->ln->sensor[i][k] == 0) {
				config_fail(x, x->ln->sensor_sect[i], "missing key '%s' in [sensor %s]",
				    config_sensor_keys[k].name, s->name);
				return;
			}
		for (k = 0; k < s->ncollections; k++)
			if (hl_config_collection(c, s->collections[k]) == NULL) {
				config_fail(x, x->ln->sensor[i][SK_COLLECTIONS], "[sensor %s]: "
				    "collections: '%s' is not a [collection] of this node", s->name,
				    s->collections[k]);
				return;
			}
		for (j = 0; j < i; j++)
			if (strcmp(s->path, c->sensors[j].path) == 0) {
				config_fail(x, x->ln->sensor[i][SK_PATH], "[sensor %s]: path: [sensor %s] "
				    "follows the same file", s->name, c->sensors[j].name);
				return;
			}
	}
}

/* After the last line: required keys, defaults, level names, cross checks. */
void
config_finish(struct pctx *x)
{
	struct hl_config *c = x->c;
	struct conf_lines *ln = x->ln;
	char levels[HL_LEVELS_MAX * (HL_LEVEL_NAME_MAX + 2) + 1];
	unsigned i, j, k;

	if (ln->node_sect == 0) {
		config_fail(x, 0, "missing section [node]");
		return;
	}
	for (k = 0; k < NK_COUNT; k++)
		if (config_node_keys[k].required && ln->node[k] == 0) {
			config_fail(x, ln->node_sect, "missing key '%s' in [node]", config_node_keys[k].name);
			return;
		}
	/* the console's browser certificate comes as a pair */
	if ((ln->node[NK_CONSOLE_CERT] != 0) != (ln->node[NK_CONSOLE_KEY] != 0)) {
		config_fail(x, ln->node_sect, "console_certificate and console_key go together in [node]");
		return;
	}
	for (i = 0; i < c->npeers; i++)
		for (k = 0; k < RK_COUNT; k++)
			if (config_peer_keys[k].required && ln->peer[i][k] == 0) {
				config_fail(x, c->peers[i].line, "missing key '%s' in [peer %s]",
				    config_peer_keys[k].name, c->peers[i].node);
				return;
			}
	for (i = 0; i < c->noperators; i++)
		for (k = 0; k < OK_COUNT; k++)
			if (config_op_keys[k].required && ln->op[i][k] == 0) {
				config_fail(x, ln->op_sect[i], "missing key '%s' in [operator %s]",
				    config_op_keys[k].name, c->operators[i].name);
				return;
			}
	/* require_totp: every configured account of those roles has a secret
	 * file, so none can be shut out at login (database accounts: auth.c) */
	for (i = 0; i < c->noperators; i++)
		if ((c->require_totp & HL_ROLE_BIT(c->operators[i].role)) != 0 &&
		    ln->op[i][OK_TOTP_SECRET_FILE] == 0) {
			config_fail(x, ln->op_sect[i], "[operator %s]: require_totp covers the %s "
			    "role: set totp_secret_file (see hotline.conf(5))", c->operators[i].name,
			    hl_role_name(c->operators[i].role));
			return;
		}
	/* tls_certificate/tls_key: both or neither; neither = the signing pair */
	if ((ln->node[NK_TLS_CERT] == 0) != (ln->node[NK_TLS_KEY] == 0)) {
		config_fail(x, ln->node[NK_TLS_CERT] ? ln->node[NK_TLS_CERT] : ln->node[NK_TLS_KEY],
		    "tls_certificate and tls_key go together: set both or neither");
		return;
	}
	if (ln->node[NK_TLS_CERT] == 0) {
		memcpy(c->tls_cert_path, c->cert_path, sizeof(c->tls_cert_path));
		memcpy(c->tls_key_path, c->key_path, sizeof(c->tls_key_path));
	}
	if ((ln->cli[CK_CERTIFICATE] == 0) != (ln->cli[CK_KEY] == 0)) {
		config_fail(x, ln->cli[CK_CERTIFICATE] ? ln->cli[CK_CERTIFICATE] : ln->cli[CK_KEY],
		    "[cli] certificate and key go together: set both or neither");
		return;
	}
	if (ln->cli[CK_USER] != 0 && ln->cli[CK_PASSWORD_FILE] == 0 &&
	    ln->cli[CK_CERTIFICATE] == 0) {
		config_fail(x, ln->cli_sect, "missing key 'password_file' (or certificate and key) "
		    "in [cli] (user is set)");
		return;
	}
	if (c->suite == HL_SUITE_X25519 && !c->allow_classical) {
		config_fail(x, ln->node[NK_SUITE], "suite x25519 is classical only (no protection "
		    "against harvest-now-decrypt-later); set allow_classical_suite = yes to "
		    "choose it anyway");
		return;
	}
	if (c->sig_suite == HL_SUITE_ED25519 && !c->allow_classical_sig) {
		config_fail(x, ln->node[NK_SIG_SUITE], "sig_suite ed25519 is classical only (a "
		    "quantum adversary could forge what this node signs); set "
		    "allow_classical_signatures = yes to choose it anyway");
		return;
	}
	if (c->dead_after_ms <= c->heartbeat_ms) {
		config_fail(x, ln->node[NK_DEAD_AFTER] ? ln->node[NK_DEAD_AFTER] :
		    ln->node[NK_HEARTBEAT] ? ln->node[NK_HEARTBEAT] : ln->node_sect,
		    "dead_after (%ums) must be longer than heartbeat (%ums)",
		    (unsigned)c->dead_after_ms, (unsigned)c->heartbeat_ms);
		return;
	}
	level_list(&c->policy, levels, sizeof(levels));
	for (i = 0; i < c->npeers; i++) {
		if (find_level(&c->policy, x->peer_level[i], &c->peers[i].accreditation) != 0) {
			config_fail(x, ln->peer[i][RK_ACCREDITATION], "accreditation: '%s' is not "
			    "a level of policy %s (%s)", x->peer_level[i], c->policy.id, levels);
			return;
		}
		if (strcmp(c->peers[i].node, c->node) == 0) {
			config_fail(x, c->peers[i].line, "[peer %s] is this node itself",
			    c->peers[i].node);
			return;
		}
	}
	for (i = 0; i < c->noperators; i++)
		if (find_level(&c->policy, x->op_level[i], &c->operators[i].clearance) != 0) {
			config_fail(x, ln->op[i][OK_CLEARANCE], "clearance: '%s' is not a level "
			    "of policy %s (%s)", x->op_level[i], c->policy.id, levels);
			return;
		}
	check_collections(x, levels);   /* [collection NAME] */
	if (x->failed)
		return;
	check_taxii_sources(x);         /* [taxii_source NAME] */
	if (x->failed)
		return;
	check_tak(x, levels);           /* [tak NAME] */
	if (x->failed)
		return;
	check_groups(x);                /* [group NAME] */
	if (x->failed)
		return;
	check_sensors(x);               /* [sensor NAME] */
	if (x->failed)
		return;
	/* Same peer under two spellings cannot happen (names are exact), but
	 * two peer sections must not name the same address either. */
	for (i = 0; i < c->npeers; i++)
		for (j = i + 1; j < c->npeers; j++)
			if (c->peers[i].port != 0 && c->peers[i].port == c->peers[j].port &&
			    strcasecmp(c->peers[i].host, c->peers[j].host) == 0) {
				config_fail(x, c->peers[j].line, "[peer %s] has the same address "
				    "as [peer %s]", c->peers[j].node, c->peers[i].node);
				return;
			}
}

void
config_defaults(struct hl_config *c)
{
	unsigned i;

	c->suite = HL_SUITE_X25519_MLKEM768;
	c->sig_suite = HL_SUITE_ED25519_MLDSA65;
	c->allow_classical_sig = 0;
	c->allow_classical = 0;
	c->heartbeat_ms = 1000;
	c->dead_after_ms = 5000;
	c->reconnect_max_ms = 30000;
	c->default_ttl_s = 7 * 86400;
	c->max_clock_skew_s = 300;
	c->cert_warn_s = 30 * 86400;
	c->kem_rotate_s = 86400;
	c->crypto_threads = HL_CRYPTO_THREADS_AUTO;
	c->track_alerts = 1;
	c->track_alert_confidence = 0.5;
	c->track_stale_s = 30;
	c->narrative_threshold = HL_SIMTEXT_THRESHOLD_DEFAULT;
	c->correlation_window_s = 3600;
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

/* 1 when file (resolved) is dir (resolved) or below it. */
static int
path_inside(const char *file, const char *dir)
{
	char rf[PATH_MAX], rd[PATH_MAX];
	size_t n;

	if (realpath(file, rf) == NULL || realpath(dir, rd) == NULL)
		return 0;
	n = strlen(rd);
	if (n == 1)
		return 1;   /* "/" */
	return strncmp(rf, rd, n) == 0 && (rf[n] == '/' || rf[n] == '\0');
}

/* seal_key = file:PATH: a secret file, and not where a thief of the node's
 * directory or its data would find it beside the keys it opens. */
static int
check_seal_key(const char *path, unsigned line, const struct hl_config *c, char *err,
    size_t errlen)
{
	char dir[HL_PATH_MAX], *slash;
	const char *f = c->seal_key + 5;

	if (strncmp(c->seal_key, "file:", 5) != 0)
		return HL_OK;
	if (check_file(path, line, "seal_key", f, 1, err, errlen) != 0)
		return HL_ERR_CONFIG;
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if (path_inside(f, dir) || path_inside(f, c->data_dir)) {
		snprintf(err, errlen, "%s:%u: seal_key: %s is inside the node's directory or its "
		    "data: whoever copies them gets the key with the files it seals; keep it "
		    "elsewhere (docs/SECURITY.md, \"Sealed key files\")", path, line, f);
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

/* An operator's TOTP secret file (checked like a key: regular, mode 0600):
 * base32, blanks and line ends after it ignored. OUT: op->totp_key. */
static int
read_totp_file(const char *name, unsigned line, const char *file,
    struct hl_operator_conf *op, char *err, size_t errlen)
{
	char text[HL_TOTP_B32_MAX + 64];
	ssize_t n;
	size_t len = 0;
	int fd, r = HL_ERR_CONFIG;

	if (check_file(name, line, "totp_secret_file", file, 1, err, errlen) != HL_OK)
		return HL_ERR_CONFIG;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errlen, "%s:%u: totp_secret_file: %s: %s", name, line, file,
		    strerror(errno));
		return HL_ERR_CONFIG;
	}
	while (len < sizeof(text) && ((n = read(fd, text + len, sizeof(text) - len)) > 0 ||
	    (n == -1 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	(void)close(fd);
	while (len > 0 && strchr(" \t\r\n", text[len - 1]) != NULL)
		len--;
	if (len < sizeof(text) && hl_totp_b32_decode(text, len, op->totp_key,
	    sizeof(op->totp_key), &op->totp_key_len) == HL_OK &&
	    op->totp_key_len >= HL_TOTP_KEY_MIN)
		r = HL_OK;
	else
		snprintf(err, errlen, "%s:%u: totp_secret_file: %s does not hold a base32 secret "
		    "of %d to %d bytes", name, line, file, HL_TOTP_KEY_MIN, HL_TOTP_KEY_MAX);
	if (r != HL_OK) {
		OPENSSL_cleanse(op->totp_key, sizeof(op->totp_key));
		op->totp_key_len = 0;
	}
	OPENSSL_cleanse(text, sizeof(text));
	return r;
}

int
config_check_files(const char *path, const struct conf_lines *ln, struct hl_config *c,
    char *err, size_t errlen)
{
	uint8_t pin[HL_SHA256];
	char perr[256];
	unsigned i;

	if (check_file(path, ln->node[NK_CERT], "certificate", c->cert_path, 0,
	    err, errlen) != 0 ||
	    check_file(path, ln->node[NK_KEY], "key", c->key_path, 1, err, errlen) != 0 ||
	    check_file(path, ln->node[NK_CA], "ca", c->ca_path, 0, err, errlen) != 0)
		return HL_ERR_CONFIG;
	if (ln->node[NK_TLS_CERT] != 0 &&
	    (check_file(path, ln->node[NK_TLS_CERT], "tls_certificate", c->tls_cert_path, 0,
	    err, errlen) != 0 ||
	    check_file(path, ln->node[NK_TLS_KEY], "tls_key", c->tls_key_path, 1, err,
	    errlen) != 0))
		return HL_ERR_CONFIG;
	if (check_seal_key(path, ln->node[NK_SEAL_KEY], c, err, errlen) != HL_OK)
		return HL_ERR_CONFIG;
	for (i = 0; i < c->ntak; i++) {
		const unsigned *tl = ln->tak[i];

		if ((tl[AK_CA] != 0 && check_file(path, tl[AK_CA], "ca", c->tak[i].ca_path, 0,
		    err, errlen) != 0) ||
		    (tl[AK_CERT] != 0 && check_file(path, tl[AK_CERT], "certificate",
		    c->tak[i].cert_path, 0, err, errlen) != 0) ||
		    (tl[AK_KEY] != 0 && check_file(path, tl[AK_KEY], "key", c->tak[i].key_path, 1,
		    err, errlen) != 0))
			return HL_ERR_CONFIG;
	}
	for (i = 0; i < c->noperators; i++)
		if (ln->op[i][OK_TOTP_SECRET_FILE] != 0 &&
		    read_totp_file(path, ln->op[i][OK_TOTP_SECRET_FILE], ln->op_totp_file[i],
		    &c->operators[i], err, errlen) != HL_OK)
			return HL_ERR_CONFIG;
	for (i = 0; i < c->npeers; i++) {
		const struct hl_peer_conf *pc = &c->peers[i];

		if (check_file(path, ln->peer[i][RK_CA], "ca", pc->ca_path, 0, err,
		    errlen) != 0)
			return HL_ERR_CONFIG;
		if (hl_pki_cert_sha256(pc->ca_path, pin, perr, sizeof(perr)) != 0) {
			snprintf(err, errlen, "%s:%u: peer %s: %s", path, ln->peer[i][RK_CA],
			    pc->node, perr);
			return HL_ERR_CONFIG;
		}
		if (memcmp(pin, pc->ca_sha256, HL_SHA256) != 0) {
			snprintf(err, errlen, "%s:%u: peer %s: CA file %s does not match "
			    "ca_sha256 pin", path, ln->peer[i][RK_CA_SHA256], pc->node,
			    pc->ca_path);
			return HL_ERR_CONFIG;
		}
	}
	return HL_OK;
}
