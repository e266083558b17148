/* track.c: live warning track records (docs/internals/tracks.md).
 *
 * The codec (hl_track_*) is pure: bytes in, struct out, and back to one
 * canonical byte form. Parsing uses jansson (duplicate keys rejected) after
 * a size and nesting check; every field is then checked on the struct, so
 * a record built by hand (the CLI) passes exactly the same rules.
 *
 * The glue (hl_tracks_*, at the end) reads a stored track envelope, parses
 * it and records the update in the store's picture. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "buf.h"
#include "clock.h"
#include "envelope.h"
#include "jsonscan.h"
#include "store.h"
#include "track.h"
#include "utf8.h"

/* Years 0000..9999 (RFC 3339), as seconds since the epoch. */
#define TRACK_TIME_MIN (-62167219200LL)       /* 0000-01-01T00:00:00Z */
#define TRACK_TIME_MAX (253402300799LL)       /* 9999-12-31T23:59:59Z */

/* ---- time ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* n decimal digits at s: value, or -1 if any is not a digit */
static long
digits(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
hl_track_parse_time(const char *s, size_t len, int64_t *sec, uint32_t *ns)
{
	static const unsigned mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	long y, mo, d, h, mi, se;
	size_t i = 19, nd;
	uint32_t frac = 0;
	unsigned dim;

	*sec = 0;
	*ns = 0;
	if (s == NULL || len < 20)
		return HL_ERR_MALFORMED;
	if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
	    s[16] != ':')
		return HL_ERR_MALFORMED;
	if ((y = digits(s, 4)) < 0 || (mo = digits(s + 5, 2)) < 0 || (d = digits(s + 8, 2)) < 0 ||
	    (h = digits(s + 11, 2)) < 0 || (mi = digits(s + 14, 2)) < 0 ||
	    (se = digits(s + 17, 2)) < 0)
		return HL_ERR_MALFORMED;
	if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59)
		return HL_ERR_MALFORMED;
	dim = mdays[mo - 1] + (mo == 2 && is_leap(y) ? 1u : 0u);
	if ((unsigned long)d > dim)
		return HL_ERR_MALFORMED;
	if (s[i] == '.') {
		i++;
		for (nd = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++, nd++) {
			if (nd == 9)
				return HL_ERR_MALFORMED;   /* nanoseconds at most */
			frac = frac * 10 + (uint32_t)(s[i] - '0');
		}
		if (nd == 0)
			return HL_ERR_MALFORMED;
		for (; nd < 9; nd++)
			frac *= 10;
	}
	if (len - i == 1 && (s[i] == 'Z' || s[i] == 'z')) {
		/* UTC */
	} else if (len - i == 6 && memcmp(s + i, "+00:00", 6) == 0) {
		/* UTC spelled as an offset */
	} else {
		return HL_ERR_MALFORMED;
	}
	*sec = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se;
	*ns = frac;
	return HL_OK;
}

void
hl_track_format_time(int64_t sec, uint32_t ns, char out[HL_TRACK_TIME_LEN])
{
	int64_t days, rem, y;
	unsigned m, d;
	char frac[11];
	int k;

	out[0] = '\0';
	if (sec < TRACK_TIME_MIN || sec > TRACK_TIME_MAX || ns > 999999999u)
		return;
	days = sec / 86400;
	rem = sec % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	frac[0] = '\0';
	if (ns != 0) {
		(void)snprintf(frac, sizeof(frac), ".%09u", (unsigned)ns);
		for (k = 9; k > 0 && frac[k] == '0'; k--)
			frac[k] = '\0';
	}
	(void)snprintf(out, HL_TRACK_TIME_LEN, "%04d-%02u-%02uT%02d:%02d:%02d%sZ", (int)y, m, d,
	    (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), frac);
}

/* ---- field checks (shared by parse and check) ---- */

static int
track_id_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > HL_TRACK_ID_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == ':' || c == '-'))
			return 0;
	}
	return 1;
}

/* Well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF)
 * without control characters (C0, DEL, C1). */
static int
remark_ok(const char *str, size_t n)
{
	const uint8_t *s = (const uint8_t *)str;
	size_t i = 0, k;
	uint32_t cp;

	while (i < n) {
		if ((k = hl_utf8_next(s + i, n - i, &cp)) == 0 || cp < 0x20 || cp == 0x7f ||
		    (cp >= 0x80 && cp <= 0x9f))
			return 0;
		i += k;
	}
	return 1;
}

static int
range_ok(double v, double lo, double hi)
{
	return isfinite(v) && v >= lo && v <= hi;
}

int
hl_track_check(const struct hl_track *t, char *err, size_t errlen)
{
	size_t n;

	if (t == NULL) {
		hl_set_err(err, errlen, "no track record");
		return HL_ERR_MALFORMED;
	}
	n = strnlen(t->track_id, sizeof(t->track_id));
	if (n == sizeof(t->track_id) || !track_id_ok(t->track_id, n)) {
		hl_set_err(err, errlen, "track_id: must be 1 to %d characters of A-Z a-z 0-9 . _ : -",
		    HL_TRACK_ID_MAX);
		return HL_ERR_MALFORMED;
	}
	if (t->observed_s < TRACK_TIME_MIN || t->observed_s > TRACK_TIME_MAX ||
	    t->observed_ns > 999999999u) {
		hl_set_err(err, errlen, "observed: out of range (years 0000 to 9999)");
		return HL_ERR_MALFORMED;
	}
	if (!range_ok(t->lat, -90, 90)) {
		hl_set_err(err, errlen, "position.lat: must be from -90 to 90");
		return HL_ERR_MALFORMED;
	}
	if (!range_ok(t->lon, -180, 180)) {
		hl_set_err(err, errlen, "position.lon: must be from -180 to 180");
		return HL_ERR_MALFORMED;
	}
	if (t->has_alt && !isfinite(t->alt_m)) {
		hl_set_err(err, errlen, "position.alt_m: must be a finite number");
		return HL_ERR_MALFORMED;
	}
	if (!range_ok(t->speed_mps, 0, HUGE_VAL)) {
		hl_set_err(err, errlen, "velocity.speed_mps: must be 0 or more");
		return HL_ERR_MALFORMED;
	}
	if (!range_ok(t->heading_deg, 0, 360)) {
		hl_set_err(err, errlen, "velocity.heading_deg: must be from 0 to 360");
		return HL_ERR_MALFORMED;
	}
	if (t->has_climb && !isfinite(t->climb_mps)) {
		hl_set_err(err, errlen, "velocity.climb_mps: must be a finite number");
		return HL_ERR_MALFORMED;
	}
	if (t->has_impact) {
		if (!range_ok(t->impact_lat, -90, 90)) {
			hl_set_err(err, errlen, "impact_area.lat: must be from -90 to 90");
			return HL_ERR_MALFORMED;
		}
		if (!range_ok(t->impact_lon, -180, 180)) {
			hl_set_err(err, errlen, "impact_area.lon: must be from -180 to 180");
			return HL_ERR_MALFORMED;
		}
		if (!isfinite(t->impact_radius_km) || !(t->impact_radius_km > 0)) {
			hl_set_err(err, errlen, "impact_area.radius_km: must be more than 0");
			return HL_ERR_MALFORMED;
		}
	}
	if (!range_ok(t->confidence, 0, 1)) {
		hl_set_err(err, errlen, "confidence: must be from 0 to 1");
		return HL_ERR_MALFORMED;
	}
	if (t->has_remark) {
		n = strnlen(t->remark, sizeof(t->remark));
		if (n > HL_TRACK_REMARK_MAX) {
			hl_set_err(err, errlen, "remark: longer than %d bytes", HL_TRACK_REMARK_MAX);
			return HL_ERR_MALFORMED;
		}
		if (!remark_ok(t->remark, n)) {
			hl_set_err(err, errlen, "remark: must be UTF-8 text without control characters");
			return HL_ERR_MALFORMED;
		}
	}
	return HL_OK;
}

/* ---- parse ---- */

/* Echo a key in a message only when it is short printable ASCII. */
static const char *
key_shown(const char *k)
{
	size_t i;

	for (i = 0; k[i] != '\0'; i++)
		if (i >= 40 || (unsigned char)k[i] < 0x21 || (unsigned char)k[i] > 0x7e ||
		    k[i] == '"' || k[i] == '\\')
			return NULL;
	return k;
}

/* Every key of o is one of names[]. where: "" or "position." etc. */
static int
only_keys(json_t *o, const char *const *names, const char *where, char *err, size_t errlen)
{
	const char *key, *shown;
	json_t *v;
	size_t i;

	json_object_foreach(o, key, v) {
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(key, names[i]) == 0)
				break;
		if (names[i] == NULL) {
			if ((shown = key_shown(key)) != NULL)
				hl_set_err(err, errlen, "unknown field \"%s%s\"", where, shown);
			else
				hl_set_err(err, errlen, "unknown field in %s",
				    where[0] != '\0' ? where : "the track record");
			return HL_ERR_MALFORMED;
		}
	}
	return HL_OK;
}

/* A number field: required (missing is an error) or optional (*has 0). */
static int
get_num(json_t *o, const char *where, const char *name, int *has, double *out, char *err,
    size_t errlen)
{
	json_t *v = json_object_get(o, name);
	double d;

	*out = 0;
	if (has != NULL)
		*has = 0;
	if (v == NULL) {
		if (has != NULL)
			return HL_OK;
		hl_set_err(err, errlen, "%s%s: missing", where, name);
		return HL_ERR_MALFORMED;
	}
	if (!json_is_number(v)) {
		hl_set_err(err, errlen, "%s%s: must be a number", where, name);
		return HL_ERR_MALFORMED;
	}
	d = json_number_value(v);
	if (!isfinite(d)) {
		hl_set_err(err, errlen, "%s%s: must be a finite number", where, name);
		return HL_ERR_MALFORMED;
	}
	*out = d == 0 ? 0.0 : d;   /* -0 reads as 0 */
	if (has != NULL)
		*has = 1;
	return HL_OK;
}

static int
get_obj(json_t *o, const char *name, int required, json_t **out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, name);

	*out = NULL;
	if (v == NULL) {
		if (!required)
			return HL_OK;
		hl_set_err(err, errlen, "%s: missing", name);
		return HL_ERR_MALFORMED;
	}
	if (!json_is_object(v)) {
		hl_set_err(err, errlen, "%s: must be an object", name);
		return HL_ERR_MALFORMED;
	}
	*out = v;
	return HL_OK;
}

static const char *const top_keys[] = {
	"track_id", "observed", "position", "velocity", "impact_area", "confidence", "remark",
	"dropped", NULL,
};
static const char *const pos_keys[] = { "lat", "lon", "alt_m", NULL };
static const char *const vel_keys[] = { "speed_mps", "heading_deg", "climb_mps", NULL };
static const char *const imp_keys[] = { "lat", "lon", "radius_km", NULL };

static int
parse_obj(json_t *o, struct hl_track *t, char *err, size_t errlen)
{
	json_t *v, *pos, *vel, *imp;
	size_t n;

	if (only_keys(o, top_keys, "", err, errlen) != HL_OK)
		return HL_ERR_MALFORMED;
	if ((v = json_object_get(o, "track_id")) == NULL) {
		hl_set_err(err, errlen, "track_id: missing");
		return HL_ERR_MALFORMED;
	}
	n = json_is_string(v) ? json_string_length(v) : 0;
	if (!json_is_string(v) || !track_id_ok(json_string_value(v), n)) {
		hl_set_err(err, errlen, "track_id: must be a string of 1 to %d characters of "
		    "A-Z a-z 0-9 . _ : -", HL_TRACK_ID_MAX);
		return HL_ERR_MALFORMED;
	}
	memcpy(t->track_id, json_string_value(v), n);
	t->track_id[n] = '\0';
	if ((v = json_object_get(o, "observed")) == NULL) {
		hl_set_err(err, errlen, "observed: missing");
		return HL_ERR_MALFORMED;
	}
	if (!json_is_string(v) || hl_track_parse_time(json_string_value(v), json_string_length(v),
	    &t->observed_s, &t->observed_ns) != HL_OK) {
		hl_set_err(err, errlen, "observed: must be an RFC 3339 UTC time such as "
		    "2026-11-23T23:41:00Z (fraction up to 9 digits)");
		return HL_ERR_MALFORMED;
	}
	if (get_obj(o, "position", 1, &pos, err, errlen) != HL_OK ||
	    only_keys(pos, pos_keys, "position.", err, errlen) != HL_OK ||
	    get_num(pos, "position.", "lat", NULL, &t->lat, err, errlen) != HL_OK ||
	    get_num(pos, "position.", "lon", NULL, &t->lon, err, errlen) != HL_OK ||
	    get_num(pos, "position.", "alt_m", &t->has_alt, &t->alt_m, err, errlen) != HL_OK)
		return HL_ERR_MALFORMED;
	if (get_obj(o, "velocity", 1, &vel, err, errlen) != HL_OK ||
	    only_keys(vel, vel_keys, "velocity.", err, errlen) != HL_OK ||
	    get_num(vel, "velocity.", "speed_mps", NULL, &t->speed_mps, err, errlen) != HL_OK ||
	    get_num(vel, "velocity.", "heading_deg", NULL, &t->heading_deg, err, errlen) != HL_OK ||
	    get_num(vel, "velocity.", "climb_mps", &t->has_climb, &t->climb_mps, err, errlen) !=
	    HL_OK)
		return HL_ERR_MALFORMED;
	if (get_obj(o, "impact_area", 0, &imp, err, errlen) != HL_OK)
		return HL_ERR_MALFORMED;
	if (imp != NULL) {
		t->has_impact = 1;
		if (only_keys(imp, imp_keys, "impact_area.", err, errlen) != HL_OK ||
		    get_num(imp, "impact_area.", "lat", NULL, &t->impact_lat, err, errlen) != HL_OK ||
		    get_num(imp, "impact_area.", "lon", NULL, &t->impact_lon, err, errlen) != HL_OK ||
		    get_num(imp, "impact_area.", "radius_km", NULL, &t->impact_radius_km, err,
		    errlen) != HL_OK)
			return HL_ERR_MALFORMED;
	}
	if (get_num(o, "", "confidence", NULL, &t->confidence, err, errlen) != HL_OK)
		return HL_ERR_MALFORMED;
	if ((v = json_object_get(o, "remark")) != NULL) {
		if (!json_is_string(v)) {
			hl_set_err(err, errlen, "remark: must be a string");
			return HL_ERR_MALFORMED;
		}
		if ((n = json_string_length(v)) > HL_TRACK_REMARK_MAX) {
			hl_set_err(err, errlen, "remark: longer than %d bytes", HL_TRACK_REMARK_MAX);
			return HL_ERR_MALFORMED;
		}
		memcpy(t->remark, json_string_value(v), n);
		t->remark[n] = '\0';
		if (strlen(t->remark) != n) {   /* an escaped NUL */
			hl_set_err(err, errlen, "remark: must be UTF-8 text without control characters");
			return HL_ERR_MALFORMED;
		}
		t->has_remark = 1;
	}
	if ((v = json_object_get(o, "dropped")) != NULL) {
		if (!json_is_boolean(v)) {
			hl_set_err(err, errlen, "dropped: must be true or false");
			return HL_ERR_MALFORMED;
		}
		t->dropped = json_is_true(v);
	}
	/* the ranges, on the whole struct */
	return hl_track_check(t, err, errlen);
}

int
hl_track_parse(const uint8_t *p, size_t len, struct hl_track *out, char *err, size_t errlen)
{
	struct hl_track t;
	json_error_t je;
	json_t *o = NULL;
	int r = HL_ERR_MALFORMED;

	memset(&t, 0, sizeof(t));
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	hl_set_err(err, errlen, "%s", "");
	if (out == NULL || (p == NULL && len > 0)) {
		hl_set_err(err, errlen, "no track record");
		return HL_ERR_INVALID;
	}
	if (len > HL_TRACK_MAX_BYTES) {
		hl_set_err(err, errlen, "track record larger than %d bytes", HL_TRACK_MAX_BYTES);
		return HL_ERR_TOO_BIG;
	}
	if (len == 0) {
		hl_set_err(err, errlen, "track record is empty");
		return HL_ERR_MALFORMED;
	}
	if (!hl_jsonscan_depth_within(p, len, HL_TRACK_DEPTH_MAX)) {
		hl_set_err(err, errlen, "track record nested deeper than %d levels", HL_TRACK_DEPTH_MAX);
		return HL_ERR_MALFORMED;
	}
	if ((o = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		/* je.text holds no input bytes beyond a short excerpt; keep it one line */
		hl_set_err(err, errlen, "track record is not valid JSON (byte %d): %s", je.position,
		    je.text);
		if (err != NULL)
			for (size_t i = 0; i < errlen && err[i] != '\0'; i++)
				if ((unsigned char)err[i] < 0x20 || err[i] == 0x7f)
					err[i] = '?';
		goto out;
	}
	if (!json_is_object(o)) {
		hl_set_err(err, errlen, "track record must be a JSON object");
		goto out;
	}
	if ((r = parse_obj(o, &t, err, errlen)) != HL_OK)
		goto out;
	*out = t;
	r = HL_OK;
out:
	json_decref(o);
	return r;
}

/* ---- canonical encoding ---- */

/* Whole numbers below 1e15 as plain integers; anything else as the
 * shortest %.*g that reads back to exactly v (v finite). */
static void
fmt_num(double v, char *out, size_t outsz)
{
	int prec;

	if (v == 0) {
		(void)snprintf(out, outsz, "0");
		return;
	}
	if (fabs(v) < 1e15 && v == trunc(v)) {
		(void)snprintf(out, outsz, "%.0f", v);
		return;
	}
	for (prec = 1; prec <= 17; prec++) {
		(void)snprintf(out, outsz, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

static void
put_str(struct hl_buf *b, const char *s)
{
	hl_buf_put(b, s, strlen(s));
}

static void
put_num(struct hl_buf *b, const char *key, double v, int comma)
{
	char n[40];

	fmt_num(v, n, sizeof(n));
	if (comma)
		put_str(b, ",");
	put_str(b, "\"");
	put_str(b, key);
	put_str(b, "\":");
	put_str(b, n);
}

/* A JSON string of checked text: only '"' and '\' need escaping. */
static void
put_jstr(struct hl_buf *b, const char *s)
{
	const char *p;

	put_str(b, "\"");
	for (p = s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			hl_buf_u8(b, '\\');
		hl_buf_u8(b, (uint8_t)*p);
	}
	put_str(b, "\"");
}

int
hl_track_encode(const struct hl_track *t, uint8_t **out, size_t *outlen)
{
	struct hl_buf b;
	char tm[HL_TRACK_TIME_LEN];
	int r;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (out == NULL || outlen == NULL)
		return HL_ERR_INVALID;
	if ((r = hl_track_check(t, NULL, 0)) != HL_OK)
		return r;
	hl_buf_init(&b, HL_TRACK_MAX_BYTES);
	hl_track_format_time(t->observed_s, t->observed_ns, tm);
	put_str(&b, "{\"track_id\":");
	put_jstr(&b, t->track_id);
	put_str(&b, ",\"observed\":");
	put_jstr(&b, tm);
	put_str(&b, ",\"position\":{");
	put_num(&b, "lat", t->lat, 0);
	put_num(&b, "lon", t->lon, 1);
	if (t->has_alt)
		put_num(&b, "alt_m", t->alt_m, 1);
	put_str(&b, "},\"velocity\":{");
	put_num(&b, "speed_mps", t->speed_mps, 0);
	put_num(&b, "heading_deg", t->heading_deg, 1);
	if (t->has_climb)
		put_num(&b, "climb_mps", t->climb_mps, 1);
	put_str(&b, "}");
	if (t->has_impact) {
		put_str(&b, ",\"impact_area\":{");
		put_num(&b, "lat", t->impact_lat, 0);
		put_num(&b, "lon", t->impact_lon, 1);
		put_num(&b, "radius_km", t->impact_radius_km, 1);
		put_str(&b, "}");
	}
	put_num(&b, "confidence", t->confidence, 1);
	if (t->has_remark) {
		put_str(&b, ",\"remark\":");
		put_jstr(&b, t->remark);
	}
	if (t->dropped)
		put_str(&b, ",\"dropped\":true");
	put_str(&b, "}");
	if ((r = hl_buf_error(&b)) != HL_OK)
		goto out;
	*out = hl_buf_steal(&b, outlen);
	r = *out != NULL ? HL_OK : HL_ERR_NOMEM;
out:
	hl_buf_free(&b);
	return r;
}

/* ---- the alert rules ---- */

void
hl_track_rules_default(struct hl_track_rules *r)
{
	r->alerts = HL_TRACK_ALERTS_ALL;
	r->own = NULL;
	r->confidence = HL_TRACK_RULES_CONFIDENCE;
	r->stale_s = HL_TRACK_RULES_STALE_S;
}

double
hl_track_distance_km(double lat1, double lon1, double lat2, double lon2)
{
	const double rad = M_PI / 180.0;
	double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad, a;

	a = sin(dlat / 2) * sin(dlat / 2) +
	    cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
	if (a > 1)
		a = 1;
	return 2 * 6371.0 * asin(sqrt(a));
}

int
hl_track_event(const struct hl_track *prev, const struct hl_track *cur,
    const struct hl_track_rules *rules, char kind[HL_TRACK_ALERT_KIND_MAX + 1], char *detail,
    size_t detail_len)
{
	double d;
	int below_prev, below_cur;

	kind[0] = '\0';
	if (detail_len > 0)
		detail[0] = '\0';
	if (prev == NULL) {
		snprintf(kind, HL_TRACK_ALERT_KIND_MAX + 1, "new");
		if (cur->has_impact)
			snprintf(detail, detail_len, "first report at %.4f,%.4f, confidence %g, impact "
			    "area %.4f,%.4f r %g km", cur->lat, cur->lon, cur->confidence,
			    cur->impact_lat, cur->impact_lon, cur->impact_radius_km);
		else
			snprintf(detail, detail_len, "first report at %.4f,%.4f, confidence %g",
			    cur->lat, cur->lon, cur->confidence);
		return 1;
	}
	if (cur->dropped && !prev->dropped) {
		snprintf(kind, HL_TRACK_ALERT_KIND_MAX + 1, "dropped");
		snprintf(detail, detail_len, "dropped by its reporter at %.4f,%.4f", cur->lat,
		    cur->lon);
		return 1;
	}
	snprintf(kind, HL_TRACK_ALERT_KIND_MAX + 1, "threat");
	if (cur->has_impact && !prev->has_impact) {
		snprintf(detail, detail_len, "impact area appears at %.4f,%.4f r %g km",
		    cur->impact_lat, cur->impact_lon, cur->impact_radius_km);
		return 1;
	}
	if (!cur->has_impact && prev->has_impact) {
		snprintf(detail, detail_len, "impact area withdrawn");
		return 1;
	}
	if (cur->has_impact && (d = hl_track_distance_km(prev->impact_lat, prev->impact_lon,
	    cur->impact_lat, cur->impact_lon)) > prev->impact_radius_km) {
		snprintf(detail, detail_len, "impact area moved %.1f km (more than its radius %g "
		    "km) to %.4f,%.4f r %g km", d, prev->impact_radius_km, cur->impact_lat,
		    cur->impact_lon, cur->impact_radius_km);
		return 1;
	}
	below_prev = prev->confidence < rules->confidence;
	below_cur = cur->confidence < rules->confidence;
	if (below_prev != below_cur) {
		snprintf(detail, detail_len, "confidence %g -> %g (threshold %g)", prev->confidence,
		    cur->confidence, rules->confidence);
		return 1;
	}
	kind[0] = '\0';
	return 0;
}

int
hl_track_batch_next(const uint8_t *p, size_t n, size_t *off, const uint8_t **line,
    size_t *len)
{
	const uint8_t *nl;

	*line = NULL;
	*len = 0;
	if (p == NULL || *off >= n)
		return 0;
	nl = memchr(p + *off, '\n', n - *off);
	*line = p + *off;
	*len = nl != NULL ? (size_t)(nl - (p + *off)) : n - *off;
	*off += *len + (nl != NULL);
	return 1;
}

/* ---- glue: feeding the store's picture ---- */

/* Record one update (line idx of envelope id), and its alert. Inside the
 * caller's transaction. */
static int
ingest_one(struct hl_store *s, const uint8_t id[static HL_ID_BYTES], unsigned idx,
    const uint8_t *p, size_t len, const struct hl_track_rules *rules, struct hl_track *t,
    struct hl_track *prev, const char *origin, unsigned *alerts)
{
	struct hl_store_track_obs o;
	struct hl_store_track_put_out res;
	uint8_t *rec = NULL;
	size_t reclen = 0;
	char why[256], kind[HL_TRACK_ALERT_KIND_MAX + 1], detail[HL_TRACK_ALERT_DETAIL_MAX + 1];
	int r, valid;

	memset(&res, 0, sizeof(res));
	why[0] = '\0';
	r = hl_track_parse(p, len, t, why, sizeof(why));
	if (r == HL_ERR_NOMEM)
		return r;
	valid = r == HL_OK;
	if (valid && (r = hl_track_encode(t, &rec, &reclen)) != HL_OK)
		return r;
	memset(&o, 0, sizeof(o));
	o.track_id = t->track_id;
	o.observed_s = t->observed_s;
	o.observed_ns = t->observed_ns;
	o.idx = idx;
	r = hl_store_track_put(s, id, idx, valid ? &o : NULL, rec, reclen, why, &res);
	if (r != HL_OK)
		goto out;
	if (!valid) {
		char ad[HL_AUDIT_DETAIL_MAX];

		snprintf(ad, sizeof(ad), "update %u: %s", idx, why);
		r = hl_store_audit(s, "track-invalid", id, origin, idx == 0 ? why : ad, hl_now_ms());
		goto out;
	}
	if (!res.advanced || !rules->alerts || (rules->alerts == HL_TRACK_ALERTS_PARTNERS &&
	    rules->own != NULL && strcmp(res.origin, rules->own) == 0))
		goto out;
	if (res.prev != NULL && hl_track_parse(res.prev, res.prev_len, prev, NULL, 0) != HL_OK) {
		r = HL_ERR_CORRUPT;   /* we stored it canonical */
		goto out;
	}
	if (hl_track_event(res.prev != NULL ? prev : NULL, t, rules, kind, detail,
	    sizeof(detail))) {
		if ((r = hl_store_track_alert_raise(s, res.origin, t->track_id, res.exercise, kind,
		    detail, hl_now_ms())) != HL_OK)
			goto out;
		if (alerts != NULL)
			(*alerts)++;
	}
out:
	hl_free(res.prev);
	hl_free(rec);
	return r;
}

int
hl_tracks_ingest_slice(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const struct hl_track_rules *rules, unsigned from, unsigned max, unsigned *next,
    unsigned *alerts)
{
	struct hl_track *t = NULL;
	struct hl_track_rules defrules;
	struct hl_msg m;
	const uint8_t *line;
	size_t off = 0, len;
	unsigned idx = 0, raised = 0, done = 0;
	int r, more = 0;

	memset(&m, 0, sizeof(m));
	if (alerts != NULL)
		*alerts = 0;
	if (next != NULL)
		*next = 0;
	if (s == NULL || id == NULL || max == 0)
		return HL_ERR_INVALID;
	if (rules == NULL) {
		hl_track_rules_default(&defrules);
		rules = &defrules;
	}
	if ((t = hl_calloc(2, sizeof(*t))) == NULL)
		return HL_ERR_NOMEM;
	if ((r = hl_store_get(s, id, 0, &m)) != HL_OK)
		goto out;
	if (m.content_type != HL_CT_TRACK && m.content_type != HL_CT_TRACKS) {
		r = HL_ERR_INVALID;
		goto out;
	}
	if ((r = hl_store_begin(s)) != HL_OK)
		goto out;
	if (m.content_type == HL_CT_TRACK) {
		r = ingest_one(s, id, 0, m.content, m.content_len, rules, &t[0], &t[1], m.origin,
		    &raised);
		if (r == HL_ERR_EXISTS) {
			hl_store_rollback(s);
			r = HL_OK;   /* already in the picture */
			raised = 0;
			goto out;
		}
	} else {
		while (r == HL_OK && hl_track_batch_next(m.content, m.content_len, &off, &line,
		    &len)) {
			if (idx < from) {
				idx++;
				continue;
			}
			if (done == max) {
				more = 1;   /* the rest in the next slice */
				break;
			}
			if (idx == HL_TRACKS_BATCH_MAX) {
				/* more than a batch may hold: the rest is not read */
				r = hl_store_audit(s, "track-invalid", id, m.origin,
				    "more than 1000 updates in one envelope: the rest ignored",
				    hl_now_ms());
				break;
			}
			memset(t, 0, 2 * sizeof(*t));
			r = ingest_one(s, id, idx++, line, len, rules, &t[0], &t[1], m.origin,
			    &raised);
			if (r == HL_ERR_EXISTS)
				r = HL_OK;   /* recorded by an earlier slice: a resumed ingest */
			done++;
		}
		/* until its last slice the envelope is marked open, so that a stop
		 * part way is caught up at the next start */
		if (r == HL_OK)
			r = hl_store_track_ingest_mark(s, id, more);
	}
	if (r != HL_OK) {
		hl_store_rollback(s);
		raised = 0;
		goto out;
	}
	if ((r = hl_store_commit(s)) != HL_OK) {
		raised = 0;
		goto out;
	}
	if (next != NULL)
		*next = more ? idx : 0;
out:
	if (alerts != NULL)
		*alerts = raised;
	hl_msg_clear(&m);
	hl_free(t);
	return r;
}

int
hl_tracks_ingest(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const struct hl_track_rules *rules, unsigned *alerts)
{
	unsigned from = 0, next = 0, a = 0, total = 0;
	int r;

	if (alerts != NULL)
		*alerts = 0;
	do {
		if ((r = hl_tracks_ingest_slice(s, id, rules, from, HL_TRACKS_BATCH_MAX, &next,
		    &a)) != HL_OK)
			break;
		total += a;
		from = next;
	} while (next != 0);
	if (alerts != NULL)
		*alerts = total;
	return r;
}

int
hl_tracks_catch_up(struct hl_store *s, const struct hl_track_rules *rules, size_t max,
    size_t *done)
{
	static const uint8_t types[2] = { HL_CT_TRACK, HL_CT_TRACKS };
	uint8_t (*ids)[HL_ID_BYTES] = NULL;
	size_t n = 0, i, k = 0;
	unsigned c;
	int r = HL_OK;

	if (done != NULL)
		*done = 0;
	if (s == NULL)
		return HL_ERR_INVALID;
	for (c = 0; c < 2 && r == HL_OK && k < max; c++) {
		if ((r = hl_store_track_pending(s, types[c], max - k, &ids, &n)) != HL_OK)
			break;
		for (i = 0; i < n; i++) {
			if ((r = hl_tracks_ingest(s, ids[i], rules, NULL)) != HL_OK)
				break;
			k++;
		}
		HL_FREE(ids);
	}
	if (done != NULL)
		*done = k;
	hl_free(ids);
	return r;
}

int
hl_tracks_stale(struct hl_store *s, const struct hl_track_rules *rules, uint64_t now_ms,
    size_t max, unsigned *raised)
{
	struct hl_track_alert *a = NULL;
	size_t n = 0, i;
	char detail[HL_TRACK_ALERT_DETAIL_MAX + 1];
	int r;

	if (raised != NULL)
		*raised = 0;
	if (s == NULL || rules == NULL)
		return HL_ERR_INVALID;
	if (!rules->alerts || rules->stale_s == 0 || now_ms < (uint64_t)rules->stale_s * 1000)
		return HL_OK;
	if ((r = hl_store_track_stale(s, now_ms - (uint64_t)rules->stale_s * 1000, max, &a,
	    &n)) != HL_OK)
		return r;
	for (i = 0; i < n; i++) {
		if (rules->alerts == HL_TRACK_ALERTS_PARTNERS && rules->own != NULL &&
		    strcmp(a[i].origin, rules->own) == 0)
			continue;   /* our own track: no alert here (it stays a candidate) */
		snprintf(detail, sizeof(detail), "no update for %llu s (stale after %u s)",
		    (unsigned long long)((now_ms - a[i].raised_ms) / 1000), rules->stale_s);
		if ((r = hl_store_track_alert_raise(s, a[i].origin, a[i].track_id, a[i].exercise,
		    "stale", detail, now_ms)) != HL_OK)
			break;
		if (raised != NULL)
			(*raised)++;
	}
	hl_free(a);
	return r;
}
