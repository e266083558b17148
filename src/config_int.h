/* config_int.h: what the files of the config module share (config.c reads
 * lines and sections, config_keys.c gives each key its value, config_check.c
 * checks the whole after the last line and the files it names). Not for
 * other modules: they use config.h. */
#ifndef HL_CONFIG_INT_H
#define HL_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define CONF_MSG_MAX 512

enum sect { S_NONE = 0, S_NODE, S_POLICY, S_PEER, S_OPERATOR, S_CLI, S_COLLECTION,
	S_TAXII_SOURCE, S_TAK, S_GROUP, S_SENSOR };

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
	NK_ENVELOPE_TTL, NK_MAX_CLOCK_SKEW, NK_KEM_ROTATE, NK_KEM_KEEP, NK_ACK_FLASH, NK_ACK_IMMEDIATE,
	NK_ACK_PRIORITY, NK_ACK_ROUTINE, NK_LINK_TEST, NK_AUDIT_CHECKPOINT,
	NK_PRIVSEP, NK_SANDBOX, NK_USER, NK_KEEPER_USER, /* privilege separation */
	NK_CONSOLE_IDLE,   /* console_idle: web console idle timeout (console.c) */
	NK_CONSOLE_CERT, NK_CONSOLE_KEY,   /* console_certificate, console_key (console.c) */
	NK_TLS_CERT, NK_TLS_KEY,         /* the TLS key pair, apart from the signing key */
	NK_SEAL_KEY,                     /* seal_key: the key files' KEK (sealfile.h) */
	NK_CERT_WARN,                    /* cert_warn: certificates' renewal warning */
	NK_CRYPTO_THREADS,               /* crypto_threads: the sealing/opening pool (workq.c) */
	NK_TRACK_ALERTS,                 /* track_alerts: raise track alerts at all */
	NK_TRACK_ALERT_CONFIDENCE,       /* track_alert_confidence: the threshold */
	NK_TRACK_STALE,                  /* track_stale: no update for this long */
	NK_NARRATIVE_THRESHOLD,          /* narrative_threshold: link reports this alike */
	NK_CORRELATION_WINDOW,           /* correlation_window: sightings from 2+ partners (detect.c) */
	NK_REQUIRE_TOTP,                 /* require_totp: roles that need a second factor (auth.c) */
	NK_BENCH_TAP, NK_BENCH_NO_FSYNC, /* benchmarking aids (bench/, docs/BENCHMARKS.md) */
	NK_SIG_SUITE, NK_ALLOW_CLASSICAL_SIG, /* hybrid signatures (hybsig.h) */
	NK_COUNT
};
enum policy_key { PK_ID, PK_LEVELS, PK_COUNT };
enum peer_key { RK_ADDRESS, RK_CA, RK_CA_SHA256, RK_ACCREDITATION, RK_SIG_KEY_SHA256, RK_COUNT };
enum op_key { OK_ROLE, OK_CLEARANCE, OK_NATIONALITY, OK_PASSWORD, OK_DISABLED,
	OK_TOTP_SECRET_FILE, OK_COUNT };
enum cli_key { CK_USER, CK_PASSWORD_FILE, CK_CERTIFICATE, CK_KEY, CK_COUNT };
/* [collection NAME] (docs/TAXII.md) */
enum coll_key { LK_TITLE, LK_DESCRIPTION, LK_MEMBERS, LK_CEILING, LK_READ, LK_WRITE,
	LK_SIGHTINGS_TO, LK_COUNT };
/* [taxii_source NAME] (docs/CONFIG.md) */
enum src_key { TK_URL, TK_COLLECTION_ID, TK_USER, TK_PASSWORD_FILE, TK_CA, TK_NODE, TK_INTERVAL,
	TK_COLLECTION, TK_COUNT };

/* [tak NAME] (docs/CONFIG.md) */
enum tak_key { AK_LISTEN, AK_ENDPOINT, AK_TLS, AK_CA, AK_CERT, AK_KEY, AK_PARTNERS,
	AK_ACCREDITATION, AK_EXERCISE, AK_STALE, AK_COUNT };

/* [group NAME] (docs/CONFIG.md): a releasability group */
enum group_key { GK_MEMBERS, GK_COUNT };

/* [sensor NAME] (docs/DETECTION.md) */
enum sensor_key { SK_FORMAT, SK_PATH, SK_COLLECTIONS, SK_SIGHTING_WINDOW, SK_COUNT };

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
	unsigned tak_sect[HL_TAK_MAX];
	unsigned tak[HL_TAK_MAX][AK_COUNT];
	unsigned group_sect[HL_GROUPS_MAX];
	unsigned group[HL_GROUPS_MAX][GK_COUNT];
	unsigned sensor_sect[HL_SENSORS_MAX];
	unsigned sensor[HL_SENSORS_MAX][SK_COUNT];
	/* [operator] totp_secret_file, read by config_check_files */
	char op_totp_file[HL_OPERATORS_MAX][HL_PATH_MAX];
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
	char tak_level[HL_TAK_MAX][HL_LEVEL_NAME_MAX + 1];
};

/* config.c: "name:line: message" into x->err; the first failure wins. */
void config_fail(struct pctx *x, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* config_keys.c: 1..max characters of A-Z a-z 0-9 . _ - (level, policy,
 * operator and section names). 1 if so. */
int config_ident_ok(const char *s, size_t max);
/* config_keys.c: the next item of a comma-separated list at *p, blanks
 * around it trimmed (an empty item has *n = 0; "" and "a," end with one).
 * OUT: *item, *n; *p moves past the item's comma (NULL after the last).
 * 0 when *p is NULL: no more items. */
int config_list_next(const char **p, const char **item, size_t *n);
/* config_keys.c: src into dst[dstlen]; HL_ERR_TOO_BIG when it does not fit. */
HL_WUR int config_copy_str(char *dst, size_t dstlen, const char *src);
/* config_keys.c: each section's keys (name, required, setter), indexed by
 * the section's key enum. */
extern const struct key_def config_node_keys[NK_COUNT], config_policy_keys[PK_COUNT],
    config_peer_keys[RK_COUNT], config_op_keys[OK_COUNT], config_cli_keys[CK_COUNT],
    config_coll_keys[LK_COUNT], config_src_keys[TK_COUNT],
    config_tak_keys[AK_COUNT], config_group_keys[GK_COUNT],
    config_sensor_keys[SK_COUNT];

/* config_check.c: values before the first line (docs/CONFIG.md). */
void config_defaults(struct hl_config *c);
/* config_check.c: after the last line: required keys, defaults, level
 * names, cross checks; a failure goes to config_fail. */
void config_finish(struct pctx *x);
/* config_check.c: the files c names exist, are regular, secrets are not
 * group/world accessible, CA files match their pins; operators' TOTP secret
 * files are read into c. HL_ERR_CONFIG with
 * "path:line: message" in err. */
HL_WUR int config_check_files(const char *path, const struct conf_lines *ln,
    struct hl_config *c, char *err, size_t errlen);

#endif
