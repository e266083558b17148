/* apijson.h: the pure parts of the operator API (docs/API.md): query
 * strings, the send body, Basic credentials, base64, rule 4,
 * and building the JSON responses. No sockets, no store, no clock. */
#ifndef HL_APIJSON_H
#define HL_APIJSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "buf.h"
#include "errors.h"
#include "label.h"
#include "hl_limits.h"
#include "store.h"

/* The largest request or response body: a maximal content as base64 inside
 * JSON, plus room for the other fields. HL_HTTP_BODY_MAX_BYTES is too small
 * for that (base64 is 4/3 of the content). */
#define HL_API_BODY_MAX_BYTES ((HL_CONTENT_MAX_BYTES + 2u) / 3u * 4u + 1024u * 1024u)
#define HL_API_QUERY_MAX 1024           /* query string, bytes */
#define HL_API_UPLOAD_QUERY_MAX 4096    /* an upload's query string (its fields), bytes */
#define HL_API_LIMIT_DEFAULT 100
#define HL_API_LIMIT_MAX 100000
#define HL_API_TTL_MAX_S (366u * 86400u)
#define HL_API_TIME_LEN 25              /* "2026-11-23T12:00:00.123Z" + NUL */
#define HL_API_ID_HEX HL_HEX_ID_LEN   /* buf.h */
#define HL_API_PASSWORD_MAX 1024

/* Route jansson's allocations through hl_malloc/hl_free. Call once, before
 * any other jansson use (the API, the CLI, tests and fuzzers do). */
void hl_apijson_init(void);

/* ---- ids and times ---- */
/* (ids in hex: hl_hex_id, hl_hex_parse_id in buf.h) */
/* "2026-11-23T12:00:00.123Z" */
void hl_apijson_format_time(uint64_t ms, char out[HL_API_TIME_LEN]);

/* ---- query strings ---- */
#define HL_QUERY_LIMIT 0x01u
#define HL_QUERY_EXERCISE 0x02u
enum hl_exercise_filter {
	HL_EXERCISE_INCLUDE = 0,
	HL_EXERCISE_EXCLUDE = 1,
	HL_EXERCISE_ONLY = 2,
};
struct hl_api_query {
	size_t limit;               /* 1..HL_API_LIMIT_MAX, default 100 */
	int exercise;               /* enum hl_exercise_filter */
};
/* q may be NULL (no query). Only the parameters in allowed are accepted;
 * unknown or repeated parameters, bad values and percent-encoding errors
 * are HL_ERR_MALFORMED with one line in err. */
HL_WUR int hl_apijson_parse_query(const char *q, unsigned allowed, struct hl_api_query *out,
    char *err, size_t errlen);

/* ---- request bodies ---- */
/* Nesting of [ and { (outside strings) within HL_JSON_DEPTH_MAX: 1 if so. */
int hl_apijson_depth_ok(const uint8_t *p, size_t len);
/* The body must be one JSON object: size-limited, depth-checked,
 * duplicate keys rejected. Caller frees with json_decref. */
HL_WUR int hl_apijson_load_object(const uint8_t *p, size_t len, size_t max, json_t **out,
    char *err, size_t errlen);

/* A parsed POST /api/v1/envelopes body. */
struct hl_api_send {
	char to[HL_RECIPIENTS_MAX][HL_NODE_NAME_MAX + 1];  /* node names or partner codes */
	unsigned nto;
	int to_all;
	uint8_t precedence;
	struct hl_label label;
	uint8_t content_type;
	uint8_t flags;             /* HL_ENV_FLAG_EXERCISE */
	uint32_t ttl_s;            /* 0: node default */
	uint8_t *content;          /* owned; free with hl_apijson_send_clear */
	size_t content_len;
};
/* Parse and validate a send body against policy p. HL_ERR_MALFORMED (bad
 * JSON, missing, unknown or mistyped field, bad value) or HL_ERR_TOO_BIG,
 * with one line in err naming the field. */
HL_WUR int hl_apijson_parse_send(const uint8_t *p, size_t len, const struct hl_policy *pol,
    struct hl_api_send *out, char *err, size_t errlen);
/* POST /api/v1/tracks: a send body's recipients, label and options
 * (precedence optional, default immediate) with "updates", 1 to
 * HL_TRACKS_BATCH_MAX track records. Each record is checked on its own:
 * OUT: *results, [{"index", "status": "accepted"|"refused", ["error"]}]
 * (caller decrefs; also set when no record is valid), *accepted; and out,
 * a send of content type tracks whose content is the accepted records,
 * canonical, one per line. Errors as hl_apijson_parse_send. */
#define HL_API_TRACKS_BODY_MAX_BYTES (20u * 1024 * 1024)
HL_WUR int hl_apijson_parse_tracks(const uint8_t *p, size_t len, const struct hl_policy *pol,
    struct hl_api_send *out, json_t **results, size_t *accepted, char *err, size_t errlen);
/* An upload: the content is the request body, the fields the send body
 * would hold are in the query string (to and releasable_to comma-separated,
 * to_all and exercise true or false; content_type defaults to file; text
 * and content_b64 are not taken). Takes ownership of content, allocated
 * with hl_malloc(clen + 1): out holds it, or it is freed. Errors as
 * hl_apijson_parse_send. */
HL_WUR int hl_apijson_parse_upload(const char *q, uint8_t *content, size_t clen,
    const struct hl_policy *pol, struct hl_api_send *out, char *err, size_t errlen);
/* The same with the fast path for a large "content_b64" on (lift 1, what
 * hl_apijson_parse_send does) or off (0): for tests and fuzzing, which
 * check that both give the same answer. */
HL_WUR int hl_apijson_parse_send_opt(const uint8_t *p, size_t len, const struct hl_policy *pol,
    int lift, struct hl_api_send *out, char *err, size_t errlen);
void hl_apijson_send_clear(struct hl_api_send *s);   /* wipes and frees content */

/* POST /api/v1/envelopes/batch: {"envelopes": [ <a send body>, ... ]}.
 * The body's only member is "envelopes" (spelled so, without escapes),
 * holding 1 to HL_API_BATCH_MAX send bodies, each parsed and checked as
 * hl_apijson_parse_send and hl_apijson_send_track do for the single
 * endpoint. The items are found by a scan that follows strings and
 * nesting (no tree of the whole body is built: the item count is known
 * before any item is parsed), then each item is parsed alone. */
#define HL_API_BATCH_MAX 1000                          /* envelopes per batch */
#define HL_API_BATCH_BODY_MAX_BYTES (16u * 1024 * 1024)  /* a batch body */
#define HL_API_BATCH_NONE ((size_t)-1)                 /* no item at fault */
struct hl_api_batch {
	struct hl_api_send *item;  /* n, owned; free with hl_apijson_batch_clear */
	size_t n;
	size_t bad;                /* after a failure: the item at fault, or HL_API_BATCH_NONE */
};
/* HL_ERR_MALFORMED (the body's shape, or an item: out->bad names it),
 * HL_ERR_TOO_BIG (a body over HL_API_BATCH_BODY_MAX_BYTES, more than
 * HL_API_BATCH_MAX items, counted before any item is parsed, or an item's
 * content over its limit) or HL_ERR_NOMEM; one line in err, starting
 * "envelopes[I]: " when an item is at fault. Nothing is kept on failure. */
HL_WUR int hl_apijson_parse_batch(const uint8_t *p, size_t len, const struct hl_policy *pol,
    struct hl_api_batch *out, char *err, size_t errlen);
void hl_apijson_batch_clear(struct hl_api_batch *b);   /* wipes and frees every item */

/* An empty body or "{}" (the ack request). */
HL_WUR int hl_apijson_parse_empty(const uint8_t *p, size_t len, char *err, size_t errlen);

/* The one JSON form of a label, read from object o's members
 * "classification" and "tlp" (strings) and "releasable_to" (an array of
 * partner codes); o's other members are the caller's. Used by the API's
 * send (and so track reports) and the console's label check. HL_ERR_MALFORMED
 * with one line in err naming the member. OUT: out (zeroed on failure). */
HL_WUR int hl_apijson_label(json_t *o, const struct hl_policy *pol, struct hl_label *out,
    char *err, size_t errlen);

/* ---- credentials ---- */
/* The value of an Authorization header "Basic base64(user:password)". OUT:
 * user (1..HL_OPERATOR_MAX bytes, no control characters), password
 * (0..HL_API_PASSWORD_MAX bytes); the caller wipes password. */
HL_WUR int hl_apijson_parse_basic(const char *hdr, char user[HL_OPERATOR_MAX + 1],
    char pass[HL_API_PASSWORD_MAX + 1]);

/* ---- base64 (RFC 4648, padded, no whitespace) ---- */
/* OUT: *out (caller frees with hl_free_secret(*out, *outlen)), *outlen. */
HL_WUR int hl_apijson_b64_decode(const char *s, size_t len, size_t max, uint8_t **out,
    size_t *outlen);
/* NUL-terminated; caller frees with hl_free. NULL on failure. */
char *hl_apijson_b64_encode(const uint8_t *p, size_t len);

/* ---- rule 4 ---- */
/* Decode an encoded label and decide whether operator op may see it:
 * the label fits policy p, its classification <= op->clearance, and
 * op->nationality is in releasable-to. 1 if visible (OUT: *l), else 0. */
int hl_apijson_visible(const uint8_t *label, size_t len, const struct hl_policy *p,
    const struct hl_operator_conf *op, struct hl_label *l);

/* ---- responses (each returns a new reference, NULL on allocation failure) ---- */
json_t *hl_apijson_error(const char *code, const char *message);
/* A time, or null for 0. */
json_t *hl_apijson_time(uint64_t ms);
/* An inbox / sent item. With full: also direction, signature, suite and
 * the content (text when the type is text and it is UTF-8, else content_b64). */
json_t *hl_apijson_msg(const struct hl_msg *m, const struct hl_label *l,
    const struct hl_policy *p, int full);
/* {"queued":n,"delivered":n,"acknowledged":n,"rejected":n} */
json_t *hl_apijson_delivery_summary(const struct hl_delivery *d, size_t n);
/* {"id":..., "recipients":[...]} */
json_t *hl_apijson_deliveries(const uint8_t id[static HL_ID_BYTES], const struct hl_delivery *d,
    size_t n);
/* Pretty JSON text with a final newline; caller frees with hl_free. */
char *hl_apijson_dump(const json_t *j);

/* ---- tracks (docs/internals/tracks.md) ---- */
#define HL_API_TRACK_ID_MAX HL_TRACK_ID_MAX
/* A send of content type track: the content must be a valid track record
 * (else HL_ERR_MALFORMED or HL_ERR_TOO_BIG, err naming the field); it is
 * replaced by its canonical encoding and the precedence forced to FLASH.
 * Any other content type is left alone (HL_OK). */
HL_WUR int hl_apijson_send_track(struct hl_api_send *s, char *err, size_t errlen);

/* GET /api/v1/tracks?exercise=include|exclude|only&history=TRACK_ID&limit=N */
struct hl_api_tracks_query {
	size_t limit;                               /* default 1000 */
	int exercise;                               /* enum hl_exercise_filter */
	char history[HL_API_TRACK_ID_MAX + 1];      /* "": the current picture */
};
HL_WUR int hl_apijson_parse_tracks_query(const char *q, struct hl_api_tracks_query *out,
    char *err, size_t errlen);
/* One track item (picture row, or with history one update) from a stored
 * row whose label l the operator may see. NULL on failure (allocation, or a
 * stored record that no longer parses). */
json_t *hl_apijson_track(const struct hl_track_row *row, const struct hl_label *l,
    const struct hl_policy *p, int history);

#endif
