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
    "           --confidence 0..1 [--remark TEXT]\n"
    "\n"
    "Send one update of a live warning track (docs/internals/tracks.md). Tracks\n"
    "always travel at FLASH. The record is checked here and again by the node.\n"
    "  --track-id      1 to 64 of A-Z a-z 0-9 . _ : -  (e.g. JPN-0042)\n"
    "  --observed      RFC 3339 UTC time, e.g. 2026-11-23T23:41:00Z or ...:00.250Z\n"
    "  --lat, --lon    position in degrees (-90..90, -180..180); --alt in metres\n"
    "  --speed         metres per second (>= 0); --heading degrees 0..360;\n"
    "                  --climb metres per second (negative: descending)\n"
    "  --impact-*      predicted impact area: centre and radius (> 0 km), all three\n"
    "  --confidence    0 to 1\n"
    "  --remark        free text, at most 1024 bytes, no control characters\n"
    "Prints the envelope id (32 hex digits) and nothing else.\n";

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

int
hl_cli_track_report(struct hl_cli *c, int argc, char **argv)
{
	struct hl_cli_envelope e = { .precedence = "flash", .type = "track" };
	const char *tid = NULL, *obs = NULL, *lat = NULL, *lon = NULL, *alt = NULL;
	const char *speed = NULL, *heading = NULL, *climb = NULL, *ilat = NULL, *ilon = NULL;
	const char *irad = NULL, *conf = NULL, *remark = NULL;
	int help, npos, rc;
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
