/* track.h: live warning tracks (docs/internals/tracks.md).
 *
 * The codec half (hl_track_*) is pure: a track record is a small strict JSON
 * object, parsed with jansson and validated field by field, and encoded in
 * one canonical byte form. The glue half (hl_tracks_*) feeds stored track
 * envelopes into the store's current picture; it is the only part that
 * touches the store. */
#ifndef HL_TRACK_H
#define HL_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "hl_limits.h"

#define HL_TRACK_DEPTH_MAX 4            /* nesting of { and [ */
#define HL_TRACK_REMARK_MAX 1024        /* remark, bytes of UTF-8 */
#define HL_TRACK_TIME_LEN 31            /* "9999-12-31T23:59:59.123456789Z" + NUL */

struct hl_track {
	char track_id[HL_TRACK_ID_MAX + 1];   /* 1..64 of [A-Za-z0-9._:-] */
	int64_t observed_s;                   /* seconds since 1970-01-01T00:00:00Z */
	uint32_t observed_ns;                 /* 0..999 999 999 */
	double lat, lon;                      /* degrees, -90..90, -180..180 */
	int has_alt;
	double alt_m;
	double speed_mps;                     /* >= 0 */
	double heading_deg;                   /* 0..360 */
	int has_climb;
	double climb_mps;
	int has_impact;
	double impact_lat, impact_lon;
	double impact_radius_km;              /* > 0 */
	double confidence;                    /* 0..1 */
	int has_remark;
	char remark[HL_TRACK_REMARK_MAX + 1]; /* UTF-8, no control characters */
	int dropped;                          /* the reporter stopped tracking it */
};

/* Parse and validate a record (at most HL_TRACK_MAX_BYTES, nesting at most
 * HL_TRACK_DEPTH_MAX, duplicate and unknown keys rejected). On failure:
 * HL_ERR_TOO_BIG or HL_ERR_MALFORMED (HL_ERR_NOMEM) with one line in err
 * naming the field, e.g. "position.lat: must be from -90 to 90". OUT: *out
 * (cleared on failure). */
HL_WUR int hl_track_parse(const uint8_t *p, size_t len, struct hl_track *out, char *err,
    size_t errlen);
/* Check every field of a record built by hand; same messages as parse.
 * HL_OK or HL_ERR_MALFORMED. */
HL_WUR int hl_track_check(const struct hl_track *t, char *err, size_t errlen);
/* The canonical encoding: fixed key order, no whitespace, numbers in their
 * shortest form that reads back exactly, -0 written as 0, observed in UTC
 * with the fraction's trailing zeros removed, optional fields only when
 * present. parse(encode(t)) gives t back. Checks t first (HL_ERR_MALFORMED).
 * OUT: *out (caller frees with hl_free), *outlen. */
HL_WUR int hl_track_encode(const struct hl_track *t, uint8_t **out, size_t *outlen);

/* RFC 3339 UTC time: YYYY-MM-DDTHH:MM:SS[.1-9 digits](Z|+00:00), 'T' and
 * 'Z' in either case, seconds 00-59. OUT: *sec, *ns. HL_ERR_MALFORMED. */
HL_WUR int hl_track_parse_time(const char *s, size_t len, int64_t *sec, uint32_t *ns);
/* The canonical form of a time (year 0000..9999; out of range gives ""). */
void hl_track_format_time(int64_t sec, uint32_t ns, char out[HL_TRACK_TIME_LEN]);

/* ---- the alert rules (pure) ----
 * What raises a track's alert for the duty officer: its first report, a
 * change of threat (an impact area appears, moves by more than its radius
 * or is withdrawn; the confidence crosses the threshold either way), its
 * reporter dropping it, and (hl_tracks_stale) no update for stale_s. A
 * position update alone raises none. */
struct hl_track_rules {
	int alerts;                   /* HL_TRACK_ALERTS_* */
	const char *own;              /* this node's name (with PARTNERS), or NULL */
	double confidence;            /* the threshold, 0..1 */
	unsigned stale_s;             /* 0: tracks never go stale */
};
#define HL_TRACK_RULES_CONFIDENCE 0.5
#define HL_TRACK_RULES_STALE_S 30
void hl_track_rules_default(struct hl_track_rules *r);
/* The event an update is, after prev (NULL: the track's first): 1 with
 * kind ("new", "threat", "dropped") and one line in detail, or 0. */
int hl_track_event(const struct hl_track *prev, const struct hl_track *cur,
    const struct hl_track_rules *rules, char kind[HL_TRACK_ALERT_KIND_MAX + 1], char *detail,
    size_t detail_len);
/* Great-circle distance in km (a sphere of 6371 km). */
double hl_track_distance_km(double lat1, double lon1, double lat2, double lon2);
/* A tracks envelope's content: records, one per line (canonical, '\n'
 * after each). The next line from *off: OUT: *line, *len; 0 at the end. */
int hl_track_batch_next(const uint8_t *p, size_t n, size_t *off, const uint8_t **line,
    size_t *len);

/* ---- glue: the current picture (not pure: uses the store) ---- */
struct hl_store;
/* Feed the stored envelope id (content type track: one record; tracks: a
 * batch, one per line) into the picture: each update is recorded, the
 * track's latest observation advanced, and an update that advances it and
 * is an event (rules; NULL: the defaults) raises the track's alert. A
 * record that does not parse is recorded as invalid and audited
 * (track-invalid). Idempotent: an envelope already ingested is HL_OK.
 * Must not be called inside a caller's transaction. OUT: *alerts (may be
 * NULL): alerts raised. */
HL_WUR int hl_tracks_ingest(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const struct hl_track_rules *rules, unsigned *alerts);
/* The same a slice at a time: at most max updates of a tracks envelope
 * from index from, in one transaction (updates recorded already are
 * skipped, so a slice may run again). OUT: *next, the index to go on
 * from, 0 when the envelope is done; *alerts. */
HL_WUR int hl_tracks_ingest_slice(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const struct hl_track_rules *rules, unsigned from, unsigned max, unsigned *next,
    unsigned *alerts);
/* Ingest up to max stored track envelopes not yet in the picture (after a
 * crash between storing an envelope and ingesting it). OUT: *done (may be
 * NULL). */
HL_WUR int hl_tracks_catch_up(struct hl_store *s, const struct hl_track_rules *rules,
    size_t max, size_t *done);
/* Raise the stale alert of every track with no update stored for
 * rules->stale_s (at most max a call). OUT: *raised (may be NULL). */
HL_WUR int hl_tracks_stale(struct hl_store *s, const struct hl_track_rules *rules,
    uint64_t now_ms, size_t max, unsigned *raised);

#endif
