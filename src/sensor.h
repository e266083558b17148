/* sensor.h: one line of a network sensor's JSON output to an event and the
 * observables it carries (docs/internals/detect.md): Suricata EVE, Zeek
 * JSON logs and tshark -T ek. A codec: bytes in, an event out, no I/O, no
 * allocation. The detector (ioc.h) matches the event against indicators. */
#ifndef HL_SENSOR_H
#define HL_SENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "hl_limits.h"
#include "stix.h"

enum hl_sensor_format {
	HL_SENSOR_SURICATA_EVE = 1,  /* "suricata-eve" */
	HL_SENSOR_ZEEK_JSON = 2,     /* "zeek-json": conn, dns, http, ssl, files */
	HL_SENSOR_TSHARK_EK = 3,     /* "tshark-ek": tshark -T ek */
};
/* The format named "suricata-eve", "zeek-json" or "tshark-ek"; 0 for
 * another name. */
int hl_sensor_format_parse(const char *name);
const char *hl_sensor_format_name(int format);

/* What an event is. */
enum hl_sensor_type {
	HL_SENSOR_FLOW = 1,          /* Suricata flow, Zeek conn */
	HL_SENSOR_DNS = 2,
	HL_SENSOR_HTTP = 3,
	HL_SENSOR_TLS = 4,           /* Suricata tls, Zeek ssl */
	HL_SENSOR_FILE = 5,          /* Suricata fileinfo, Zeek files */
	HL_SENSOR_ALERT = 6,         /* Suricata alert */
	HL_SENSOR_PACKET = 7,        /* a tshark packet without DNS, HTTP or TLS */
};
const char *hl_sensor_type_name(int type);

/* Where in the event an observable was. */
enum hl_sensor_role {
	HL_SENSOR_SRC = 1,           /* source / originator address */
	HL_SENSOR_DST = 2,           /* destination / responder address */
	HL_SENSOR_DNS_QUERY = 3,     /* a name asked */
	HL_SENSOR_DNS_ANSWER = 4,    /* an address or name answered */
	HL_SENSOR_HTTP_HOST = 5,
	HL_SENSOR_HTTP_URL = 6,      /* http://host[:port]/path as requested */
	HL_SENSOR_TLS_SNI = 7,
	HL_SENSOR_TLS_JA3 = 8,
	HL_SENSOR_TLS_JA3S = 9,
	HL_SENSOR_TLS_JA4 = 10,
	HL_SENSOR_TLS_CERT = 11,     /* SHA-1 of the server certificate */
	HL_SENSOR_FILE_HASH = 12,
};
const char *hl_sensor_role_name(int role);

/* One observable: its value is text[off..off+len) of the event, NUL
 * terminated, normalised as hl_stix_obs_make() would (lower-case names,
 * hashes and fingerprints; a domain without its trailing dot; a URL's
 * scheme and host lowered). */
struct hl_sensor_obs {
	uint8_t kind;                /* enum hl_obs_kind */
	uint8_t role;                /* enum hl_sensor_role */
	uint16_t len;
	uint32_t off;
	uint8_t addr[16];            /* IPv4 (4 bytes used) or IPv6, network order */
};

#define HL_SENSOR_TEXT_MAX (HL_SENSOR_OBS_MAX * (HL_STIX_OBS_VALUE_MAX + 1))

/* One event. About 66 KiB: allocate it once and reuse it line after line. */
struct hl_sensor_event {
	uint8_t format;              /* enum hl_sensor_format */
	uint8_t type;                /* enum hl_sensor_type */
	int has_time;                /* the line had a time */
	int64_t time_ms;             /* then: milliseconds since the epoch, UTC */
	size_t nobs;                 /* distinct (kind, value) pairs, first role kept */
	struct hl_sensor_obs obs[HL_SENSOR_OBS_MAX];
	size_t textlen;
	char text[HL_SENSOR_TEXT_MAX];
};

/* hl_sensor_parse() results besides 0 (an event) and the errors: */
#define HL_SENSOR_SKIPPED 1          /* an event of a type not read (the caller counts it) */
#define HL_SENSOR_IGNORED 2          /* no event at all: a blank line, a tshark index line */

/* Parse one line (without or with its "\n") of the format. 0 with *ev
 * filled; HL_SENSOR_SKIPPED or HL_SENSOR_IGNORED (*ev then holds nothing of
 * use); HL_ERR_MALFORMED (not JSON, not UTF-8, a field of a wrong type, a
 * time or address that does not parse) or HL_ERR_TOO_BIG (longer than
 * HL_SENSOR_LINE_MAX, nested deeper than HL_SENSOR_DEPTH_MAX, more than
 * HL_SENSOR_OBS_MAX observables) with one line in err. Values that cannot
 * be an indicator's (a name that is no domain, a value longer than
 * HL_STIX_OBS_VALUE_MAX) are left out, not errors. */
HL_WUR int hl_sensor_parse(int format, const char *line, size_t len,
    struct hl_sensor_event *ev, char *err, size_t errlen);
/* The value of observable i of ev. */
const char *hl_sensor_value(const struct hl_sensor_event *ev, size_t i);

#endif
