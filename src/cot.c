/* cot.c: Cursor on Target events for the track picture (cot.h). One
 * event per track and one per impact area, each a complete XML document
 * (the XML declaration, then <event>), as TAK servers and clients read
 * them from a stream. The mapping is in docs/internals/tracks.md. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cot.h"

#define COT_TIME_LEN 32            /* "9999-12-31T23:59:59.999Z" + NUL, with room */
#define COT_UNKNOWN_CE "9999999.0" /* CoT's "unknown" circular and linear error */

/* The text of s with & < > " ' escaped, into out. */
static void
put_escaped(struct hl_buf *out, const char *s)
{
	const char *run = s, *rep;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		default: continue;
		}
		hl_buf_put(out, run, (size_t)(s - run));
		hl_buf_put(out, rep, strlen(rep));
		run = s + 1;
	}
	hl_buf_put(out, run, (size_t)(s - run));
}

/* printf into out; only numbers and our own fixed text go through here. */
static void __attribute__((format(printf, 2, 3)))
put_fmt(struct hl_buf *out, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		if (out->err == HL_OK)
			out->err = HL_ERR_TOO_BIG;
		return;
	}
	hl_buf_put(out, tmp, (size_t)n);
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" (CoT's xs:dateTime, milliseconds, UTC). */
static void
cot_time(int64_t sec, uint32_t ns, char out[static COT_TIME_LEN])
{
	time_t t = (time_t)sec;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		snprintf(out, COT_TIME_LEN, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(out, COT_TIME_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns / 1000000u);
}

void
hl_cot_uid(const char *origin, const char *track_id, int exercise, int impact,
    char out[static HL_COT_UID_MAX])
{
	snprintf(out, HL_COT_UID_MAX, "hotline:%s:%s%s%s", origin, track_id,
	    exercise ? ":exercise" : "", impact ? ":impact" : "");
}

static int
meta_ok(const struct hl_track *t, const struct hl_cot_meta *m, const struct hl_buf *out)
{
	return t != NULL && m != NULL && out != NULL && m->origin != NULL &&
	    m->marking != NULL && m->classification != NULL && m->releasable_to != NULL &&
	    m->tlp != NULL && strlen(m->origin) <= HL_NODE_NAME_MAX &&
	    strlen(m->marking) < HL_COT_MARKING_MAX;
}

/* <event ...> up to and including <point .../>: the times are the
 * observation's; stale is the caller's, or the start for a withdrawn one. */
static void
event_head(struct hl_buf *out, const struct hl_track *t, const struct hl_cot_meta *m,
    const char *uid, const char *type, const char *how, int gone, double lat, double lon,
    double hae, const char *ce)
{
	char start[COT_TIME_LEN], stale[COT_TIME_LEN];

	cot_time(t->observed_s, t->observed_ns, start);
	if (gone)
		memcpy(stale, start, sizeof(stale));
	else
		cot_time((int64_t)(m->stale_ms / 1000), (uint32_t)(m->stale_ms % 1000) * 1000000u,
		    stale);
	hl_buf_put(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<event version=\"2.0\" uid=\"",
	    strlen("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<event version=\"2.0\" uid=\""));
	put_escaped(out, uid);
	put_fmt(out, "\" type=\"%s\" how=\"%s\" time=\"%s\" start=\"%s\" stale=\"%s\" access=\"",
	    type, how, start, start, stale);
	put_escaped(out, m->marking);
	/* opex: o- an operation, e- an exercise */
	put_fmt(out, "\" opex=\"%s\"><point lat=\"%.7f\" lon=\"%.7f\" hae=\"%.1f\" ce=\"%s\" "
	    "le=\"%s\"/><detail>", m->exercise ? "e-hotline" : "o-hotline", lat, lon, hae, ce,
	    COT_UNKNOWN_CE);
}

/* <__hotline .../>: the label and origin as attributes a TAK plug-in can
 * read without parsing the remarks. */
static void
hotline_detail(struct hl_buf *out, const struct hl_track *t, const struct hl_cot_meta *m)
{
	hl_buf_put(out, "<__hotline origin=\"", strlen("<__hotline origin=\""));
	put_escaped(out, m->origin);
	hl_buf_put(out, "\" track_id=\"", strlen("\" track_id=\""));
	put_escaped(out, t->track_id);
	hl_buf_put(out, "\" classification=\"", strlen("\" classification=\""));
	put_escaped(out, m->classification);
	hl_buf_put(out, "\" releasable_to=\"", strlen("\" releasable_to=\""));
	put_escaped(out, m->releasable_to);
	hl_buf_put(out, "\" tlp=\"", strlen("\" tlp=\""));
	put_escaped(out, m->tlp);
	put_fmt(out, "\" exercise=\"%s\" confidence=\"%.3f\" dropped=\"%s\"/>",
	    m->exercise ? "true" : "false", t->confidence, t->dropped ? "true" : "false");
}

/* The text every event's remarks start with: EXERCISE three times (the
 * usual marking of exercise traffic), then the label. */
static void
remarks_head(struct hl_buf *out, const struct hl_cot_meta *m)
{
	hl_buf_put(out, "<remarks>", strlen("<remarks>"));
	if (m->exercise)
		hl_buf_put(out, "EXERCISE EXERCISE EXERCISE | ",
		    strlen("EXERCISE EXERCISE EXERCISE | "));
	put_escaped(out, m->marking);
}

/* Keep out as it was (it had no error) unless the event was written whole
 * and within the bound. */
static int
finish(struct hl_buf *out, size_t mark)
{
	int r;

	if ((r = hl_buf_error(out)) == HL_OK && out->len - mark <= HL_COT_EVENT_MAX)
		return HL_OK;
	if (r == HL_OK)
		r = HL_ERR_TOO_BIG;
	out->len = mark;
	out->err = HL_OK;
	return r;
}

/* Before an event: the arguments and the buffer are fit; OUT: *mark, where
 * the event starts (finish goes back there on failure). */
static int
event_start(const struct hl_track *t, const struct hl_cot_meta *m, const struct hl_buf *out,
    size_t *mark)
{
	if (!meta_ok(t, m, out))
		return HL_ERR_INVALID;
	*mark = out->len;
	return hl_buf_error(out);
}

int
hl_cot_track(const struct hl_track *t, const struct hl_cot_meta *m, struct hl_buf *out)
{
	char uid[HL_COT_UID_MAX];
	size_t mark = 0;
	int r;

	if ((r = event_start(t, m, out, &mark)) != HL_OK)
		return r;
	hl_cot_uid(m->origin, t->track_id, m->exercise, 0, uid);
	event_head(out, t, m, uid, "a-u-A-W-M", "m-p", t->dropped, t->lat, t->lon,
	    t->has_alt ? t->alt_m : 0.0, COT_UNKNOWN_CE);
	hl_buf_put(out, "<contact callsign=\"", strlen("<contact callsign=\""));
	if (m->exercise)
		hl_buf_put(out, "EX ", 3);
	put_escaped(out, t->track_id);
	put_fmt(out, "\"/><track course=\"%.1f\" speed=\"%.1f\"/>", t->heading_deg, t->speed_mps);
	remarks_head(out, m);
	hl_buf_put(out, " | reported by ", strlen(" | reported by "));
	put_escaped(out, m->origin);
	put_fmt(out, " | confidence %.2f", t->confidence);
	if (t->has_impact)
		put_fmt(out, " | impact area %.4f, %.4f radius %.1f km", t->impact_lat,
		    t->impact_lon, t->impact_radius_km);
	if (t->dropped)
		hl_buf_put(out, " | DROPPED by its reporter", strlen(" | DROPPED by its reporter"));
	if (t->has_remark) {
		hl_buf_put(out, " | ", 3);
		put_escaped(out, t->remark);
	}
	hl_buf_put(out, "</remarks>", strlen("</remarks>"));
	hotline_detail(out, t, m);
	hl_buf_put(out, "</detail></event>\n", strlen("</detail></event>\n"));
	return finish(out, mark);
}

int
hl_cot_impact(const struct hl_track *t, const struct hl_cot_meta *m, struct hl_buf *out)
{
	char uid[HL_COT_UID_MAX];
	double radius_m;
	size_t mark = 0;
	int gone, r;

	if ((r = event_start(t, m, out, &mark)) != HL_OK)
		return r;
	gone = !t->has_impact || t->dropped;
	radius_m = t->has_impact ? t->impact_radius_km * 1000.0 : 0.0;
	hl_cot_uid(m->origin, t->track_id, m->exercise, 1, uid);
	event_head(out, t, m, uid, "u-d-c-c", "h-e", gone, t->has_impact ? t->impact_lat : t->lat,
	    t->has_impact ? t->impact_lon : t->lon, 0.0, COT_UNKNOWN_CE);
	put_fmt(out, "<shape><ellipse major=\"%.1f\" minor=\"%.1f\" angle=\"0\"/></shape>",
	    radius_m, radius_m);
	hl_buf_put(out, "<contact callsign=\"", strlen("<contact callsign=\""));
	if (m->exercise)
		hl_buf_put(out, "EX ", 3);
	put_escaped(out, t->track_id);
	hl_buf_put(out, " impact\"/>", strlen(" impact\"/>"));
	remarks_head(out, m);
	hl_buf_put(out, " | predicted impact area of ", strlen(" | predicted impact area of "));
	put_escaped(out, t->track_id);
	if (gone)
		hl_buf_put(out, " | WITHDRAWN", strlen(" | WITHDRAWN"));
	hl_buf_put(out, "</remarks>", strlen("</remarks>"));
	hotline_detail(out, t, m);
	hl_buf_put(out, "</detail></event>\n", strlen("</detail></event>\n"));
	return finish(out, mark);
}
