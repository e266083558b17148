/* cot.h: Cursor on Target (CoT 2.0 XML) events for the track picture
 * (docs/internals/tracks.md, "Cursor on Target"). Pure: the caller gives
 * the record, its marking and the times; no I/O, no clock. The text comes
 * from a checked record (hl_track_parse) and checked names, and every
 * string is escaped for XML all the same. */
#ifndef HL_COT_H
#define HL_COT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "errors.h"
#include "label.h"
#include "track.h"

#define HL_COT_EVENT_MAX 12288     /* bytes of one event at most (a 1 KiB remark escaped) */
#define HL_COT_UID_MAX 160         /* "hotline:" origin ":" track_id [":exercise"] ":impact" */
#define HL_COT_MARKING_MAX HL_LABEL_TEXT_MAX   /* "SECRET//REL TO ...//TLP:AMBER" */

/* Where a track came from and how it is marked, for its events. */
struct hl_cot_meta {
	const char *origin;            /* the reporting node, "JPN/node-1" */
	int exercise;                  /* an EXERCISE track */
	const char *marking;           /* its label as text (hl_label_format) */
	const char *classification;    /* the level's name alone */
	const char *releasable_to;     /* "JPN KOR USA" */
	const char *tlp;               /* "AMBER" */
	uint64_t stale_ms;             /* realtime ms after which TAK greys it (dropped: ignored) */
};

/* The event's uid: "hotline:<origin>:<track_id>", ":exercise" after an
 * exercise track's (the two are separate tracks), ":impact" after that
 * for its impact area. */
void hl_cot_uid(const char *origin, const char *track_id, int exercise, int impact,
    char out[static HL_COT_UID_MAX]);

/* Append to out the track's event (a missile in flight of unknown
 * affiliation, a-u-A-W-M, how m-p: passed on by another system). A dropped
 * track is stale at once, so that TAK removes it. HL_ERR_INVALID on bad
 * arguments, HL_ERR_TOO_BIG past HL_COT_EVENT_MAX (out unchanged). */
HL_WUR int hl_cot_track(const struct hl_track *t, const struct hl_cot_meta *m,
    struct hl_buf *out);

/* Append to out the event of the track's impact area: a drawn circle
 * (u-d-c-c) of its radius at its centre; withdrawn (t has no impact area,
 * or is dropped): the same uid, stale at once. */
HL_WUR int hl_cot_impact(const struct hl_track *t, const struct hl_cot_meta *m,
    struct hl_buf *out);

#endif
