/* cli_track.c: "hotline track-report" and "hotline tracks" (docs/CLI.md,
 * docs/internals/tracks.md). */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "cli.h"
#include "track.h"

/* ---- tracks ---- */

const char hl_cli_track_report_usage[] =
    "usage: hotline track-report --to P1,NODE,...|all --classification LEVEL\n"
    "           --releasable-to P1,P2,... --tlp TLP [--exercise] [--ttl DURATION]\n"
    "           --track-id ID --observed TIME --lat DEG --lon DEG [--alt M]\n"
    "           --speed M/S --heading DEG [--climb M/S]\n"
    "           [--impact-lat DEG --impact-lon DEG --impact-radius-km KM]\n"
    "           --confidence 0..1 [--remark TEXT] [--dropped]\n"
    "       hotline track-report --to ... --classification ... --releasable-to ...\n"
    "           --tlp ... [--exercise] [--ttl DURATION] [--precedence P] --file F.jsonl\n"
    "\n"
    "Send one update of a live warning track (docs/internals/tracks.md), at FLASH;\n"
    "or, with --file, the track records of F (one JSON object a line; - is stdin)\n"
    "as the track stream: up to 1,000 records an envelope (POST /api/v1/tracks,\n"
    "precedence immediate unless --precedence), which feed the partners' pictures\n"
    "and raise their alerts, not inbox items. A record is checked here and again\n"
    "by the node.\n"
    "  --track-id      1 to 64 of A-Z a-z 0-9 . _ : -  (e.g. JPN-0042)\n"
    "  --observed      RFC 3339 UTC time, e.g. 2026-11-23T23:41:00Z or ...:00.250Z\n"
    "  --lat, --lon    position in degrees (-90..90, -180..180); --alt in metres\n"
    "  --speed         metres per second (>= 0); --heading degrees 0..360;\n"
    "                  --climb metres per second (negative: descending)\n"
    "  --impact-*      predicted impact area: centre and radius (> 0 km), all three\n"
    "  --confidence    0 to 1\n"
    "  --remark        free text, at most 1024 bytes, no control characters\n"
    "  --dropped       the reporter no longer tracks it (raises a dropped alert)\n"
    "Prints the envelope id (32 hex digits) and nothing else; with --file, a line\n"
    "per envelope: its id and how many records it carries, and each refused\n"
    "record on standard error with its line number (exit 1 if any).\n";

/* A finite number from an option. */
static int
num_arg(const char *opt, const char *v, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	if (v[0] == '\0' || *end != '\0' || errno != 0 || !isfinite(*out))
		return hl_cli_fail(EX_USAGE, "track-report: --%s must be a number, got \"%.40s\"", opt, v);
	return EX_OK;
}

#define CLI_TRACKS_FILE_MAX (256u * 1024 * 1024)

/* --file: the records of a JSON Lines file in batches of up to
 * HL_TRACKS_BATCH_MAX, one POST /api/v1/tracks each. */
static int
track_report_file(struct hl_cli *c, const struct hl_cli_envelope *e, const char *prec,
    const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0, off = 0, llen, lineno = 0, first = 0, i, nref = 0;
	const uint8_t *line;
	json_t *body = NULL, *ups = NULL, *u, *resp = NULL, *res, *it;
	json_error_t je;
	char err[512];
	size_t lines[HL_TRACKS_BATCH_MAX];
	int rc = EX_FAIL, more;

	if (hl_cli_read_file(path, CLI_TRACKS_FILE_MAX, &buf, &len, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_FAIL, "track-report: %s", err);
	do {
		json_decref(ups);
		if ((ups = json_array()) == NULL)
			goto nomem;
		/* the next batch: up to 1,000 records (blank lines skipped) */
		while (json_array_size(ups) < HL_TRACKS_BATCH_MAX &&
		    (more = hl_track_batch_next(buf, len, &off, &line, &llen))) {
			lineno++;
			if (llen == 0)
				continue;
			if ((u = json_loadb((const char *)line, llen, JSON_REJECT_DUPLICATES, &je)) ==
			    NULL || !json_is_object(u)) {
				json_decref(u);
				rc = hl_cli_fail(EX_USAGE, "track-report: %s:%zu: not a JSON object%s%s",
				    path, lineno, u == NULL ? ": " : "", u == NULL ? je.text : "");
				goto out;
			}
			lines[json_array_size(ups)] = lineno;
			if (json_array_append_new(ups, u) != 0)
				goto nomem;
		}
		if (json_array_size(ups) == 0)
			break;
		json_decref(body);
		body = NULL;
		if ((rc = hl_cli_envelope_body("track-report", e, &body)) != EX_OK)
			goto out;
		rc = EX_FAIL;
		(void)json_object_del(body, "content_type");
		(void)json_object_del(body, "precedence");   /* the node's default: immediate */
		if ((prec != NULL && json_object_set_new(body, "precedence", json_string(prec)) != 0) ||
		    json_object_set(body, "updates", ups) != 0)
			goto nomem;
		json_decref(resp);
		resp = NULL;
		if ((rc = hl_cli_api_call(c, "track-report", "POST", "/api/v1/tracks", body, &resp)) !=
		    EX_OK)
			goto out;
		res = json_object_get(resp, "results");
		json_array_foreach(res, i, it) {
			if (strcmp(json_string_value(json_object_get(it, "status")) != NULL ?
			    json_string_value(json_object_get(it, "status")) : "", "accepted") == 0 ||
			    i >= json_array_size(ups))
				continue;
			nref++;
			fprintf(stderr, "hotline: track-report: %s:%zu: %s\n", path, lines[i],
			    json_string_value(json_object_get(it, "error")) != NULL ?
			    json_string_value(json_object_get(it, "error")) : "refused");
		}
		printf("%s %lld\n", json_string_value(json_object_get(resp, "id")) != NULL ?
		    json_string_value(json_object_get(resp, "id")) : "?",
		    (long long)json_integer_value(json_object_get(resp, "accepted")));
		first += json_array_size(ups);
	} while (off < len);
	if (first == 0) {
		rc = hl_cli_fail(EX_USAGE, "track-report: %s holds no track record", path);
		goto out;
	}
	rc = nref > 0 ? hl_cli_fail(EX_FAIL, "track-report: %zu of %zu records refused", nref,
	    first) : EX_OK;
	goto out;
nomem:
	rc = hl_cli_fail(EX_FAIL, "out of memory");
out:
	json_decref(resp);
	json_decref(body);
	json_decref(ups);
	hl_free(buf);
	return rc;
}

int
hl_cli_track_report(struct hl_cli *c, int argc, char **argv)
{
	struct hl_cli_envelope e = { .precedence = "flash", .type = "track" };
	const char *tid = NULL, *obs = NULL, *lat = NULL, *lon = NULL, *alt = NULL;
	const char *speed = NULL, *heading = NULL, *climb = NULL, *ilat = NULL, *ilon = NULL;
	const char *irad = NULL, *conf = NULL, *remark = NULL, *file = NULL, *prec = NULL;
	int help, npos, rc, dropped = 0;
	struct hl_cli_opt opts[] = {
		{ "to", 1, &e.to, NULL }, { "classification", 1, &e.classification, NULL },
		{ "releasable-to", 1, &e.releasable, NULL }, { "tlp", 1, &e.tlp, NULL },
		{ "ttl", 1, &e.ttl, NULL }, { "exercise", 0, NULL, &e.exercise },
		{ "track-id", 1, &tid, NULL }, { "observed", 1, &obs, NULL },
		{ "lat", 1, &lat, NULL }, { "lon", 1, &lon, NULL }, { "alt", 1, &alt, NULL },
		{ "speed", 1, &speed, NULL }, { "heading", 1, &heading, NULL },
		{ "climb", 1, &climb, NULL }, { "impact-lat", 1, &ilat, NULL },
		{ "impact-lon", 1, &ilon, NULL }, { "impact-radius-km", 1, &irad, NULL },
		{ "confidence", 1, &conf, NULL }, { "remark", 1, &remark, NULL },
		{ "dropped", 0, NULL, &dropped }, { "file", 1, &file, NULL },
		{ "precedence", 1, &prec, NULL },
		{ NULL, 0, NULL, NULL },
	};
	struct hl_track t;
	char *pos[1], err[256];
	uint8_t *rec = NULL;
	size_t reclen = 0;
	json_t *body = NULL;

	if ((rc = hl_cli_opts("track-report", argc, argv, opts, &help, pos, 0, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_track_report_usage, stdout);
		return EX_OK;
	}
	if (file != NULL) {
		if (tid != NULL || obs != NULL || lat != NULL || lon != NULL || alt != NULL ||
		    speed != NULL || heading != NULL || climb != NULL || ilat != NULL ||
		    ilon != NULL || irad != NULL || conf != NULL || remark != NULL || dropped)
			return hl_cli_fail(EX_USAGE, "track-report: --file takes the records from the "
			    "file: no record options beside it");
		if (e.to == NULL || e.classification == NULL || e.releasable == NULL || e.tlp == NULL)
			return hl_cli_fail(EX_USAGE, "track-report: --to, --classification, "
			    "--releasable-to and --tlp are required");
		if ((rc = hl_cli_envelope_check("track-report", &e)) != EX_OK)
			return rc;
		return track_report_file(c, &e, prec, file);
	}
	if (prec != NULL)
		return hl_cli_fail(EX_USAGE, "track-report: a single update travels at FLASH: "
		    "--precedence is for --file");
	if (e.to == NULL || e.classification == NULL || e.releasable == NULL || e.tlp == NULL ||
	    tid == NULL || obs == NULL || lat == NULL || lon == NULL || speed == NULL || heading == NULL || conf == NULL)
		return hl_cli_fail(EX_USAGE, "track-report: --to, --classification, --releasable-to, --tlp, "
		    "--track-id, --observed, --lat, --lon, --speed, --heading and --confidence are "
		    "required (see hotline track-report --help)");
	if ((ilat != NULL || ilon != NULL || irad != NULL) &&
	    (ilat == NULL || ilon == NULL || irad == NULL))
		return hl_cli_fail(EX_USAGE, "track-report: give all of --impact-lat, --impact-lon and "
		    "--impact-radius-km, or none");
	if ((rc = hl_cli_envelope_check("track-report", &e)) != EX_OK)
		return rc;
	memset(&t, 0, sizeof(t));
	if (strlen(tid) > HL_TRACK_ID_MAX)
		return hl_cli_fail(EX_USAGE, "track-report: track_id: must be 1 to %d characters of "
		    "A-Z a-z 0-9 . _ : -", HL_TRACK_ID_MAX);
	snprintf(t.track_id, sizeof(t.track_id), "%s", tid);
	if (hl_track_parse_time(obs, strlen(obs), &t.observed_s, &t.observed_ns) != HL_OK)
		return hl_cli_fail(EX_USAGE, "track-report: observed: must be an RFC 3339 UTC time such "
		    "as 2026-11-23T23:41:00Z, got \"%.40s\"", obs);
	if ((rc = num_arg("lat", lat, &t.lat)) != EX_OK ||
	    (rc = num_arg("lon", lon, &t.lon)) != EX_OK ||
	    (rc = num_arg("speed", speed, &t.speed_mps)) != EX_OK ||
	    (rc = num_arg("heading", heading, &t.heading_deg)) != EX_OK ||
	    (rc = num_arg("confidence", conf, &t.confidence)) != EX_OK)
		return rc;
	if (alt != NULL && (rc = num_arg("alt", alt, &t.alt_m)) != EX_OK)
		return rc;
	t.has_alt = alt != NULL;
	if (climb != NULL && (rc = num_arg("climb", climb, &t.climb_mps)) != EX_OK)
		return rc;
	t.has_climb = climb != NULL;
	if (ilat != NULL) {
		if ((rc = num_arg("impact-lat", ilat, &t.impact_lat)) != EX_OK ||
		    (rc = num_arg("impact-lon", ilon, &t.impact_lon)) != EX_OK ||
		    (rc = num_arg("impact-radius-km", irad, &t.impact_radius_km)) != EX_OK)
			return rc;
		t.has_impact = 1;
	}
	if (remark != NULL) {
		if (strlen(remark) > HL_TRACK_REMARK_MAX)
			return hl_cli_fail(EX_USAGE, "track-report: remark: longer than %d bytes",
			    HL_TRACK_REMARK_MAX);
		snprintf(t.remark, sizeof(t.remark), "%s", remark);
		t.has_remark = 1;
	}
	t.dropped = dropped;
	if (hl_track_check(&t, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_USAGE, "track-report: %s", err);
	if (hl_track_encode(&t, &rec, &reclen) != HL_OK)
		return hl_cli_fail(EX_FAIL, "track-report: cannot encode the track");
	if ((rc = hl_cli_envelope_body("track-report", &e, &body)) != EX_OK)
		goto out;
	if (json_object_set_new(body, "text", json_stringn((const char *)rec, reclen)) != 0) {
		rc = hl_cli_fail(EX_FAIL, "out of memory");
		goto out;
	}
	rc = hl_cli_post_envelope(c, "track-report", body);
out:
	hl_free(rec);
	json_decref(body);
	return rc;
}

const char hl_cli_tracks_usage[] =
    "usage: hotline tracks [--json] [--exercise include|exclude|only] [--limit N]\n"
    "                      [--history TRACK_ID]\n"
    "\n"
    "The current picture: one line per track (origin node, track id, EXERCISE or\n"
    "not), its latest observation, newest first, with the number of updates\n"
    "received. Only tracks whose latest update your clearance and nationality\n"
    "allow are shown.\n"
    "  --json       the API's JSON (docs/API.md)\n"
    "  --exercise   include (default), exclude or only EXERCISE tracks\n"
    "  --limit N    at most N tracks (1..100000, default 1000)\n"
    "  --history ID every update of track ID (any origin), newest observation first\n";

static double
jnum(const json_t *o, const char *k, int *has)
{
	json_t *v = json_object_get(o, k);

	*has = json_is_number(v);
	return *has ? json_number_value(v) : 0;
}

static void
print_track_line(const json_t *it, int history)
{
	const json_t *p = json_object_get(it, "position"), *v = json_object_get(it, "velocity");
	const json_t *im = json_object_get(it, "impact_area");
	double x;
	int has;

	hl_cli_put_clean(stdout, hl_cli_jstr(it, "origin"), 0, 0);
	printf("  ");
	hl_cli_put_clean(stdout, hl_cli_jstr(it, "track_id"), 0, 0);
	printf("  %s", hl_cli_jstr(it, "observed"));
	printf("  pos %.5f,%.5f", jnum(p, "lat", &has), jnum(p, "lon", &has));
	if ((x = jnum(p, "alt_m", &has)), has)
		printf(" alt %g m", x);
	printf("  %g m/s hdg %g", jnum(v, "speed_mps", &has), jnum(v, "heading_deg", &has));
	if ((x = jnum(v, "climb_mps", &has)), has)
		printf(" climb %g m/s", x);
	if (json_is_object(im))
		printf("  impact %.5f,%.5f r %g km", jnum(im, "lat", &has), jnum(im, "lon", &has),
		    jnum(im, "radius_km", &has));
	printf("  conf %g", jnum(it, "confidence", &has));
	if (!history)
		printf("  updates %" JSON_INTEGER_FORMAT, hl_cli_jint(it, "updates"));
	printf("  ");
	hl_cli_put_clean(stdout, hl_cli_jstr(it, "label_text"), 0, 0);
	if (json_is_true(json_object_get(it, "exercise")))
		printf("  [EXERCISE]");
	printf("  %s", hl_cli_jstr(it, "envelope_id"));
	if (json_is_string(json_object_get(it, "remark"))) {
		printf("  \"");
		hl_cli_put_clean(stdout, hl_cli_jstr(it, "remark"), 0, 0);
		printf("\"");
	}
	printf("\n");
}

int
hl_cli_tracks(struct hl_cli *c, int argc, char **argv)
{
	const char *limit = NULL, *exercise = NULL, *history = NULL;
	int json = 0, help, npos, rc;
	struct hl_cli_opt opts[] = {
		{ "json", 0, NULL, &json }, { "limit", 1, &limit, NULL },
		{ "exercise", 1, &exercise, NULL }, { "history", 1, &history, NULL },
		{ NULL, 0, NULL, NULL },
	};
	char *pos[1], q[160], path[200];
	json_t *resp = NULL, *items, *it;
	size_t i, hl;

	if ((rc = hl_cli_opts("tracks", argc, argv, opts, &help, pos, 0, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_tracks_usage, stdout);
		return EX_OK;
	}
	if ((rc = hl_cli_build_query(q, sizeof(q), limit, exercise)) != EX_OK)
		return rc;
	if (history != NULL) {
		hl = strlen(history);
		for (i = 0; i < hl; i++)
			if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-",
			    history[i]) == NULL)
				break;
		if (hl == 0 || hl > HL_TRACK_ID_MAX || i != hl)
			return hl_cli_fail(EX_USAGE, "tracks: --history must be a track id (1 to %d of "
			    "A-Z a-z 0-9 . _ : -)", HL_TRACK_ID_MAX);
		snprintf(q + strlen(q), sizeof(q) - strlen(q), "%shistory=%s", q[0] ? "&" : "?",
		    history);
	}
	snprintf(path, sizeof(path), "/api/v1/tracks%s", q);
	if ((rc = hl_cli_api_call(c, "tracks", "GET", path, NULL, &resp)) != EX_OK)
		return rc;
	items = json_object_get(resp, "items");
	if (!json_is_array(items)) {
		json_decref(resp);
		return hl_cli_fail(EX_UNREACHABLE, "tracks: the node's answer has no items");
	}
	if (json) {
		hl_cli_print_json(resp);
	} else if (json_array_size(items) == 0) {
		printf("(no tracks)\n");
	} else {
		json_array_foreach(items, i, it)
			print_track_line(it, history != NULL);
	}
	json_decref(resp);
	return EX_OK;
}

/* ---- track alerts ---- */

const char hl_cli_track_alerts_usage[] =
    "usage: hotline track-alerts [--json] [--open]\n"
    "       hotline track-alerts --ack ORIGIN TRACK_ID [--exercise]\n"
    "\n"
    "The duty officer's track alerts (docs/internals/tracks.md): one per track,\n"
    "its last event (new, threat, dropped, stale), unacknowledged first. --open\n"
    "shows only those. --ack acknowledges a track's alert: it stays acknowledged\n"
    "until the track's next event.\n";

int
hl_cli_track_alerts(struct hl_cli *c, int argc, char **argv)
{
	const char *ack = NULL;
	int help, npos, rc, json = 0, open = 0, exercise = 0;
	struct hl_cli_opt opts[] = {
		{ "json", 0, NULL, &json }, { "open", 0, NULL, &open },
		{ "ack", 1, &ack, NULL }, { "exercise", 0, NULL, &exercise },
		{ NULL, 0, NULL, NULL },
	};
	char *pos[1];
	json_t *resp = NULL, *body = NULL, *it;
	size_t i;

	if ((rc = hl_cli_opts("track-alerts", argc, argv, opts, &help, pos, 1, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_track_alerts_usage, stdout);
		return EX_OK;
	}
	if (ack != NULL) {
		if (npos != 1)
			return hl_cli_fail(EX_USAGE, "track-alerts: --ack ORIGIN TRACK_ID");
		if ((body = json_pack("{s:s, s:s, s:b}", "origin", ack, "track_id", pos[0],
		    "exercise", exercise)) == NULL)
			return hl_cli_fail(EX_FAIL, "out of memory");
		rc = hl_cli_api_call(c, "track-alerts", "POST", "/api/v1/tracks/alerts/ack", body,
		    &resp);
		json_decref(body);
		json_decref(resp);
		return rc;
	}
	if (npos != 0 || exercise)
		return hl_cli_fail(EX_USAGE, "track-alerts: TRACK_ID and --exercise go with --ack");
	if ((rc = hl_cli_api_call(c, "track-alerts", "GET", open ? "/api/v1/tracks/alerts?open=yes" :
	    "/api/v1/tracks/alerts", NULL, &resp)) != EX_OK)
		return rc;
	if (json) {
		hl_cli_print_json(resp);
		json_decref(resp);
		return EX_OK;
	}
	json_array_foreach(json_object_get(resp, "items"), i, it) {
		printf("%-7s %s  %s  %s%s  %s  %s\n",
		    json_string_value(json_object_get(it, "kind")),
		    json_is_true(json_object_get(it, "acknowledged")) ? "acked" : "OPEN ",
		    json_string_value(json_object_get(it, "origin")),
		    json_string_value(json_object_get(it, "track_id")),
		    json_is_true(json_object_get(it, "exercise")) ? " [EXERCISE]" : "",
		    json_string_value(json_object_get(it, "raised")),
		    json_string_value(json_object_get(it, "detail")));
	}
	if (json_array_size(json_object_get(resp, "items")) == 0)
		printf("(no track alerts)\n");
	json_decref(resp);
	return EX_OK;
}
