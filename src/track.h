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

/* ---- glue: the current picture (not pure: uses the store) ---- */
struct hl_store;
/* Feed the stored envelope id (content type track) into the picture: the
 * update is recorded and the track's latest observation advanced. A record
 * that does not parse is recorded as invalid and audited (track-invalid).
 * Idempotent: an envelope already ingested is HL_OK. Must not be called
 * inside a caller's transaction. */
HL_WUR int hl_tracks_ingest(struct hl_store *s, const uint8_t id[static HL_ID_BYTES]);
/* Ingest up to max stored track envelopes not yet in the picture (after a
 * crash between storing an envelope and ingesting it). OUT: *done (may be
 * NULL). */
HL_WUR int hl_tracks_catch_up(struct hl_store *s, size_t max, size_t *done);

#endif
