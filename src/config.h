/* config.h: the node's INI configuration (hotline.conf(5)). Strict: unknown
 * sections or keys, duplicates, bad values and missing required keys are
 * errors reported as "file:line: message". */
#ifndef HL_CONFIG_H
#define HL_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "envelope.h"
#include "errors.h"
#include "label.h"
#include "hl_limits.h"
#include "totp.h"

#define HL_HOST_MAX 255
#define HL_OPERATORS_MAX 64
#define HL_USER_NAME_MAX 32                   /* a system user name (privsep) */
#define HL_COLLECTIONS_MAX 32
#define HL_CRYPTO_THREADS_AUTO (-1)              /* crypto_threads = auto: one per CPU, at most 8 */
#define HL_CRYPTO_THREADS_MAX 16
#define HL_COLLECTION_NAME_MAX 64
#define HL_ACCOUNT_LIST_MAX 1024

struct hl_peer_conf {
	char node[HL_NODE_NAME_MAX + 1];      /* [peer KOR/node-1] */
	char partner[HL_PARTNER_MAX + 1];
	char host[HL_HOST_MAX + 1];           /* address = host:port */
	uint16_t port;
	char ca_path[HL_PATH_MAX];            /* the peer partner's CA certificate */
	uint8_t ca_sha256[HL_SHA256];         /* pin: SHA-256 of the CA cert DER */
	uint8_t accreditation;                /* highest level this link may carry */
	/* sig_key_sha256: pin of its ML-DSA key (SHA-256 of the public key) */
	uint8_t sig_key_sha256[HL_SHA256];
	int sig_key_pinned;
	unsigned line;                        /* where it was defined */
	int removed;                          /* gone at a reload (hl_node_reload_peers) */
};

enum hl_role { HL_ROLE_OFFICER = 1, HL_ROLE_ANALYST = 2, HL_ROLE_ADMIN = 3 };
/* "officer", "analyst", "admin" (else "unknown") */
const char *hl_role_name(unsigned role);

struct hl_operator_conf {
	char name[HL_OPERATOR_MAX + 1];       /* [operator admin] */
	uint8_t role;
	uint8_t clearance;
	char nationality[HL_PARTNER_MAX + 1];
	char password_hash[256];              /* "$scrypt$..." see pwhash.h */
	int disabled;
	/* the second factor (totp.h): from totp_secret_file, or the database;
	 * totp_key_len 0: none enrolled */
	uint8_t totp_key[HL_TOTP_KEY_MAX];
	size_t totp_key_len;
};

/* require_totp: the roles that must have a second factor, as a mask */
#define HL_ROLE_BIT(role) (1u << (role))
#define HL_REQUIRE_TOTP_ALL (HL_ROLE_BIT(HL_ROLE_OFFICER) | HL_ROLE_BIT(HL_ROLE_ANALYST) | \
	HL_ROLE_BIT(HL_ROLE_ADMIN))

/* [collection NAME]: a STIX collection served over TAXII and shared with
 * its member partners (docs/TAXII.md). */
struct hl_collection_conf {
	char name[HL_COLLECTION_NAME_MAX + 1];
	char title[128];                      /* title = ... (default: the name) */
	char description[256];
	unsigned nmembers;                    /* members = KOR,USA */
	char members[HL_RELEASABLE_MAX][HL_PARTNER_MAX + 1];
	uint8_t ceiling;                      /* ceiling = level (default: the lowest) */
	char read[HL_ACCOUNT_LIST_MAX];       /* read = alice,bob | * (default: none) */
	char write[HL_ACCOUNT_LIST_MAX];      /* write = ... */
	int sightings_to_members;             /* sightings_to = origin (default) | members */
};

/* [sensor NAME]: a sensor's log file followed and matched against the
 * indicators of some collections (docs/DETECTION.md). */
#define HL_SENSORS_MAX 8
#define HL_SENSOR_COLLECTIONS_MAX HL_COLLECTIONS_MAX
struct hl_sensor_conf {
	char name[HL_COLLECTION_NAME_MAX + 1];
	int format;                           /* format = suricata-eve | zeek-json | tshark-ek */
	char path[HL_PATH_MAX];               /* path = FILE */
	unsigned ncollections;                /* collections = a,b: whose indicators to match */
	char collections[HL_SENSOR_COLLECTIONS_MAX][HL_COLLECTION_NAME_MAX + 1];
	uint32_t sighting_window_s;           /* sighting_window = 10s: hits aggregated per indicator */
	unsigned line;
};

/* [taxii_source NAME]: an external TAXII 2.1 collection the node polls into
 * a local collection (docs/CONFIG.md, docs/TAXII.md). */
#define HL_TAXII_SOURCES_MAX 16
struct hl_taxii_source_conf {
	char name[HL_COLLECTION_NAME_MAX + 1];
	char url[HL_PATH_MAX];                /* url = https://host:port/root/[collections/ID/objects/] */
	char collection_id[256];              /* collection_id = ID (when url is the API root) */
	char user[HL_OPERATOR_MAX + 1];       /* user = ... */
	char password_file[HL_PATH_MAX];      /* password_file = file (0600) */
	char ca_path[HL_PATH_MAX];            /* ca = the CA to trust for that server */
	char node[HL_NODE_NAME_MAX + 1];      /* node = KOR/node-1: the server is a hotline node */
	uint32_t interval_s;                  /* interval = 1h */
	char collection[HL_COLLECTION_NAME_MAX + 1];  /* collection = local collection to fill */
	unsigned line;
};

/* [tak NAME]: Cursor on Target out to TAK users (docs/internals/tracks.md,
 * "Cursor on Target"): the picture streamed to an endpoint over TLS with a
 * client certificate, and/or served on a local (loopback) port, limited to
 * what the audience's partner and accreditation allow (rule 1). */
#define HL_TAK_MAX 4
#define HL_TAK_PARTNERS_MAX 8
struct hl_tak_conf {
	char name[HL_COLLECTION_NAME_MAX + 1];
	char listen_host[HL_HOST_MAX + 1];    /* listen = 127.0.0.1:8087 (loopback only) */
	uint16_t listen_port;                 /* 0: no local port */
	char host[HL_HOST_MAX + 1];           /* endpoint = host:port */
	uint16_t port;                        /* 0: no endpoint */
	int tls;                              /* tls = yes (default) | no (loopback endpoint only) */
	char ca_path[HL_PATH_MAX];            /* ca = the TAK server's CA */
	char cert_path[HL_PATH_MAX];          /* certificate = our client certificate */
	char key_path[HL_PATH_MAX];           /* key = its key (0600) */
	unsigned npartners;                   /* partners = KOR, USA: whose people watch it */
	char partners[HL_TAK_PARTNERS_MAX][HL_PARTNER_MAX + 1];
	uint8_t accreditation;                /* accreditation = LEVEL: the highest it may carry */
	int exercise;                         /* exercise = yes (default) | no */
	uint32_t stale_s;                     /* stale = 30s: CoT stale time after an update */
	unsigned line;
};

struct hl_config {
	char path[HL_PATH_MAX];               /* the file it came from */
	/* [node] */
	char node[HL_NODE_NAME_MAX + 1];      /* name = JPN/node-1 */
	char partner[HL_PARTNER_MAX + 1];     /* derived from name */
	char listen_host[HL_HOST_MAX + 1];    /* listen = 127.0.0.1:7401 */
	uint16_t listen_port;
	char api_host[HL_HOST_MAX + 1];       /* api = 127.0.0.1:8401 */
	uint16_t api_port;
	char data_dir[HL_PATH_MAX];           /* data = dir (relative to the file) */
	char cert_path[HL_PATH_MAX];          /* certificate = node.crt */
	char key_path[HL_PATH_MAX];           /* key = node.key (0600) */
	char ca_path[HL_PATH_MAX];            /* ca = ca.crt (our partner's CA) */
	/* TLS (links, operator API); default: certificate/key (docs/SECURITY.md) */
	char tls_cert_path[HL_PATH_MAX];      /* tls_certificate = tls.crt */
	char tls_key_path[HL_PATH_MAX];       /* tls_key = tls.key (0600) */
	/* seal_key = file:PATH | credential:NAME (sealfile.h); "" = keys in clear */
	char seal_key[HL_PATH_MAX + 16];
	uint8_t suite;                        /* suite = x25519 | x25519-mlkem768 | ... */
	int allow_classical;                  /* allow_classical_suite = yes (warns) */
	/* sig_suite = ed25519-mldsa65 | ed25519-mldsa87 | ed25519 (hybsig.h) */
	int sig_suite;
	int allow_classical_sig;              /* allow_classical_signatures = yes (warns) */
	uint32_t heartbeat_ms;                /* heartbeat = 1s */
	uint32_t dead_after_ms;               /* dead_after = 5s */
	uint32_t reconnect_max_ms;            /* reconnect_max = 30s */
	uint32_t default_ttl_s;               /* envelope_ttl = 7d */
	/* max_clock_skew = 5m: an envelope created further ahead of our clock
	 * is refused (its lifetime and deadlines would stretch) */
	uint32_t max_clock_skew_s;
	uint32_t cert_warn_s;                 /* cert_warn = 30d: renewal warnings this far ahead */
	uint32_t kem_rotate_s;                /* kem_rotate = 24h */
	uint32_t kem_keep_s;                  /* kem_keep = 7d: longest an old KEM secret key is held */
	uint32_t ack_deadline_s[HL_PRECEDENCES]; /* ack_flash/immediate/priority/routine = 10m/30m/3h/6h */
	uint32_t link_test_s;                 /* link_test = 1h: end-to-end test per peer; 0 = off */
	uint32_t audit_checkpoint_s;          /* audit_checkpoint = 60s: sign and send a checkpoint; 0 = off */
	/* privilege separation (docs/SECURITY.md, "Processes and privileges") */
	int privsep;                          /* privsep = yes: keys in a key-keeper process */
	int sandbox;                          /* sandbox = yes: seccomp allow-lists */
	char user[HL_USER_NAME_MAX + 1];      /* user = hotline: network process, when root */
	char keeper_user[HL_USER_NAME_MAX + 1]; /* keeper_user = hotline-keys, when root */
	uint32_t console_idle_s;              /* console_idle = 15m: web console session idle timeout */
	unsigned require_totp;                /* require_totp = none: HL_ROLE_BIT()s */
	char console_cert_path[HL_PATH_MAX];  /* console_certificate = web.crt (ECDSA/RSA; optional) */
	char console_key_path[HL_PATH_MAX];   /* console_key = web.key */
	/* benchmarking aids (docs/CONFIG.md), never for production */
	char bench_tap[HL_PATH_MAX];          /* bench_tap = PATH: "<id hex> <realtime us>" per stored inbound envelope */
	int crypto_threads;                   /* crypto_threads: HL_CRYPTO_THREADS_AUTO (default), 0 (on the loop), 1..HL_CRYPTO_THREADS_MAX */
	/* the track alert rules (docs/internals/tracks.md) */
	int track_alerts;                     /* track_alerts = yes (default) | no | partners (HL_TRACK_ALERTS_*) */
	double track_alert_confidence;        /* track_alert_confidence = 0..1, default 0.5 */
	unsigned track_stale_s;               /* track_stale = duration, default 30s; 0: off */
	double narrative_threshold;           /* narrative_threshold = (0, 1], default HL_SIMTEXT_THRESHOLD_DEFAULT */
	uint32_t correlation_window_s;        /* correlation_window = 1h: sightings from 2+ partners alert */
	int bench_no_fsync;                   /* bench_no_fsync = yes: SQLite synchronous=OFF (loses data on a crash) */
	/* [policy] */
	struct hl_policy policy;              /* id = ..., levels = A,B,C */
	/* [peer NODE] */
	unsigned npeers;
	struct hl_peer_conf peers[HL_PEERS_MAX];
	/* [operator NAME] */
	unsigned noperators;
	struct hl_operator_conf operators[HL_OPERATORS_MAX];
	/* [collection NAME] */
	unsigned ncollections;
	struct hl_collection_conf collections[HL_COLLECTIONS_MAX];
	/* [taxii_source NAME] */
	unsigned nsources;
	struct hl_taxii_source_conf sources[HL_TAXII_SOURCES_MAX];
	/* [tak NAME] */
	unsigned ntak;
	struct hl_tak_conf tak[HL_TAK_MAX];
	/* [sensor NAME] */
	unsigned nsensors;
	struct hl_sensor_conf sensors[HL_SENSORS_MAX];
	/* [cli] the credentials the CLI uses when run with -c */
	char cli_user[HL_OPERATOR_MAX + 1];
	char cli_password_file[HL_PATH_MAX];
	char cli_cert_path[HL_PATH_MAX];      /* certificate = admin.crt: log in with it */
	char cli_key_path[HL_PATH_MAX];       /* key = admin.key (PEM in clear, 0600) */
};

/* Parse bytes (no I/O). name is used in error messages; relative paths are
 * resolved against basedir. On error: err = "name:line: message". */
HL_WUR int hl_config_parse(const uint8_t *p, size_t len, const char *name,
    const char *basedir, struct hl_config *out, char *err, size_t errlen);
/* Read the file (max HL_CONFIG_MAX_BYTES) and parse it. Also checks that
 * files named exist and that each peer's CA file matches its pin. */
HL_WUR int hl_config_load(const char *path, struct hl_config *out, char *err, size_t errlen);

const struct hl_peer_conf *hl_config_peer(const struct hl_config *c, const char *node);
const struct hl_operator_conf *hl_config_operator(const struct hl_config *c, const char *name);
const struct hl_collection_conf *hl_config_collection(const struct hl_config *c, const char *name);
const struct hl_taxii_source_conf *hl_config_taxii_source(const struct hl_config *c,
    const char *name);
/* Does the comma-separated account list (read/write, "*" = everyone) name
 * account? 1 if so. */
int hl_config_list_has(const char *list, const char *account);
/* Duration "500ms", "5s", "10m", "3h", "7d" or plain seconds. */
HL_WUR int hl_parse_duration_ms(const char *s, uint64_t *out);
/* "host:port" (IPv6 as [addr]:port). */
HL_WUR int hl_parse_hostport(const char *s, char host[HL_HOST_MAX + 1], uint16_t *port);

#endif
