/* apijson.c: pure request parsing and response building for the operator
 * API (docs/API.md). Everything here takes bytes and returns a struct or
 * JSON; no I/O, so it is unit-tested and fuzzed alone. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "alloc.h"
#include "apijson.h"
#include "buf.h"
#include "envelope.h"
#include "jsonscan.h"
#include "track.h"

static void *
jalloc(size_t n)
{
	return hl_malloc(n);
}

static void
jfree(void *p)
{
	hl_free(p);
}

void
hl_apijson_init(void)
{
	json_set_alloc_funcs(jalloc, jfree);
}

/* ---- ids and times ---- */

void
hl_apijson_format_time(uint64_t ms, char out[HL_API_TIME_LEN])
{
	struct tm tm;
	time_t t;
	char day[24];

	/* clamp to year 9999 so the format stays fixed-width */
	if (ms > 253402300799999ull)
		ms = 253402300799999ull;
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(out, HL_API_TIME_LEN, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(out, HL_API_TIME_LEN, "%s.%03uZ", day, (unsigned)(ms % 1000));
}

/* ---- query strings ---- */

/* Percent-decode [s, s + n) into out[outsz] (NUL-terminated); '+' is a
 * space. Rejects bad escapes, NUL and control characters. */
static int
pct_decode(const char *s, size_t n, char *out, size_t outsz)
{
	size_t i, o = 0;
	uint8_t byte;
	int c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (n - i < 3)
				return HL_ERR_MALFORMED;
			if (hl_hex_decode(s + i + 1, 2, &byte, 1, 0) != HL_OK)
				return HL_ERR_MALFORMED;
			c = byte;
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (c < 0x20 || c == 0x7f)
			return HL_ERR_MALFORMED;
		if (o + 1 >= outsz)
			return HL_ERR_TOO_BIG;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return HL_OK;
}

/* The next "key=value" of the query string [*p, end), both
 * percent-decoded into key[keysz] and val[valsz]; "a=1&&b=2" and a
 * trailing '&' are harmless. 1: one; 0: the end; -1: malformed (err). */
static int
query_next(const char **p, const char *end, char *key, size_t keysz, char *val, size_t valsz,
    char *err, size_t errlen)
{
	const char *amp, *eq;

	for (; *p < end && **p == '&'; (*p)++)
		;
	if (*p >= end)
		return 0;
	if ((amp = memchr(*p, '&', (size_t)(end - *p))) == NULL)
		amp = end;
	if ((eq = memchr(*p, '=', (size_t)(amp - *p))) == NULL) {
		snprintf(err, errlen, "query parameter without a value");
		return -1;
	}
	if (pct_decode(*p, (size_t)(eq - *p), key, keysz) != HL_OK ||
	    pct_decode(eq + 1, (size_t)(amp - eq - 1), val, valsz) != HL_OK) {
		snprintf(err, errlen, "malformed query parameter");
		return -1;
	}
	*p = amp;
	return 1;
}

/* A decimal number in [lo, hi]: digits only, no sign, no leading junk. */
static int
parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	*out = 0;
	if (s[0] == '\0' || strlen(s) > 19)
		return HL_ERR_MALFORMED;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return HL_ERR_MALFORMED;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v < lo || v > hi)
		return HL_ERR_INVALID;
	*out = v;
	return HL_OK;
}

int
hl_apijson_parse_query(const char *q, unsigned allowed, struct hl_api_query *out,
    char *err, size_t errlen)
{
	const char *p;
	char key[32], val[64];
	unsigned seen = 0, bit;
	uint64_t v;
	size_t qlen;
	int got;

	out->limit = HL_API_LIMIT_DEFAULT;
	out->exercise = HL_EXERCISE_INCLUDE;
	if (q == NULL || q[0] == '\0')
		return HL_OK;
	if ((qlen = strlen(q)) > HL_API_QUERY_MAX) {
		snprintf(err, errlen, "query string longer than %d bytes", HL_API_QUERY_MAX);
		return HL_ERR_MALFORMED;
	}
	for (p = q; (got = query_next(&p, q + qlen, key, sizeof(key), val, sizeof(val), err,
	    errlen)) != 0;) {
		if (got < 0)
			return HL_ERR_MALFORMED;
		if (strcmp(key, "limit") == 0)
			bit = HL_QUERY_LIMIT;
		else if (strcmp(key, "exercise") == 0)
			bit = HL_QUERY_EXERCISE;
		else
			bit = 0;
		if ((bit & allowed) == 0) {
			snprintf(err, errlen, "unknown query parameter \"%s\"", key);
			return HL_ERR_MALFORMED;
		}
		if (seen & bit) {
			snprintf(err, errlen, "query parameter \"%s\" given twice", key);
			return HL_ERR_MALFORMED;
		}
		seen |= bit;
		if (bit == HL_QUERY_LIMIT) {
			if (parse_uint(val, 1, HL_API_LIMIT_MAX, &v) != HL_OK) {
				snprintf(err, errlen, "limit must be a number from 1 to %d",
				    HL_API_LIMIT_MAX);
				return HL_ERR_MALFORMED;
			}
			out->limit = (size_t)v;
		} else if (strcmp(val, "include") == 0) {
			out->exercise = HL_EXERCISE_INCLUDE;
		} else if (strcmp(val, "exclude") == 0) {
			out->exercise = HL_EXERCISE_EXCLUDE;
		} else if (strcmp(val, "only") == 0) {
			out->exercise = HL_EXERCISE_ONLY;
		} else {
			snprintf(err, errlen, "exercise must be include, exclude or only");
			return HL_ERR_MALFORMED;
		}
	}
	return HL_OK;
}

/* ---- request bodies ---- */

int
hl_apijson_depth_ok(const uint8_t *p, size_t len)
{
	return hl_jsonscan_depth_within(p, len, HL_JSON_DEPTH_MAX);
}

int
hl_apijson_load_object(const uint8_t *p, size_t len, size_t max, json_t **out, char *err,
    size_t errlen)
{
	json_error_t je;
	json_t *j = NULL;

	*out = NULL;
	if (len > max) {
		snprintf(err, errlen, "body larger than %zu bytes", max);
		return HL_ERR_TOO_BIG;
	}
	if (len == 0) {
		snprintf(err, errlen, "empty body: a JSON object is required");
		return HL_ERR_MALFORMED;
	}
	if (!hl_apijson_depth_ok(p, len)) {
		snprintf(err, errlen, "JSON nested deeper than %d levels", HL_JSON_DEPTH_MAX);
		return HL_ERR_MALFORMED;
	}
	if ((j = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		/* one line: jansson's text may quote what it choked on (a newline) */
		hl_set_err(err, errlen, "invalid JSON at byte %d: %s", je.position, je.text);
		return HL_ERR_MALFORMED;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(err, errlen, "the body must be a JSON object");
		return HL_ERR_MALFORMED;
	}
	*out = j;
	return HL_OK;
}

int
hl_apijson_parse_empty(const uint8_t *p, size_t len, char *err, size_t errlen)
{
	json_t *j = NULL;
	int r;

	if (len == 0)
		return HL_OK;
	if ((r = hl_apijson_load_object(p, len, 4096, &j, err, errlen)) != HL_OK)
		return r;
	if (json_object_size(j) != 0) {
		snprintf(err, errlen, "unknown field \"%s\"", json_object_iter_key(json_object_iter(j)));
		r = HL_ERR_MALFORMED;
	}
	json_decref(j);
	return r;
}

/* ---- base64 ---- */

/* RFC 4648 alphabet: the 6-bit value of each byte, -1 outside it */
static const signed char b64tab[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
	-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

static int
b64val(int c)
{
	return b64tab[(unsigned char)c];
}

int
hl_apijson_b64_decode(const char *s, size_t len, size_t max, uint8_t **out, size_t *outlen)
{
	uint8_t *buf = NULL;
	size_t i, pad = 0, n;
	int r = HL_ERR_MALFORMED, got;

	*out = NULL;
	*outlen = 0;
	if (len % 4 != 0)
		goto out;
	if (len > 0 && s[len - 1] == '=')
		pad++;
	if (len > 1 && s[len - 2] == '=')
		pad++;
	for (i = 0; i < len - pad; i++)
		if (b64val((unsigned char)s[i]) < 0)
			goto out;
	/* the bits dropped by padding must be zero (one canonical encoding) */
	if (pad == 1 && (b64val((unsigned char)s[len - 2]) & 0x03) != 0)
		goto out;
	if (pad == 2 && (b64val((unsigned char)s[len - 3]) & 0x0f) != 0)
		goto out;
	n = len / 4 * 3 - pad;
	if (n > max) {
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	if (len > INT32_MAX) {
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	if ((buf = hl_malloc(len / 4 * 3 + 1)) == NULL) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	if (len > 0) {
		got = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)len);
		if (got < 0 || (size_t)got != len / 4 * 3) {
			r = HL_ERR_MALFORMED;
			goto out;
		}
	}
	*out = buf;
	*outlen = n;
	buf = NULL;
	r = HL_OK;
out:
	if (buf != NULL)
		hl_free_secret(buf, len / 4 * 3 + 1);
	return r;
}

char *
hl_apijson_b64_encode(const uint8_t *p, size_t len)
{
	char *s;
	size_t n;

	if (len > (size_t)INT32_MAX / 4 * 3 - 3)
		return NULL;
	n = (len + 2) / 3 * 4;
	if ((s = hl_malloc(n + 1)) == NULL)
		return NULL;
	if (len > 0)
		EVP_EncodeBlock((unsigned char *)s, p, (int)len);
	s[n] = '\0';
	return s;
}

/* ---- the send body ---- */

static const char *const send_fields[] = {
	"to", "to_all", "precedence", "classification", "releasable_to", "tlp",
	"content_type", "text", "content_b64", "exercise", "ttl_s",
};

static int
content_type_parse(const char *s, uint8_t *out)
{
	static const struct {
		const char *name;
		uint8_t ct;
	} t[] = {
		{ "text", HL_CT_TEXT }, { "stix", HL_CT_STIX },
		{ "track", HL_CT_TRACK }, { "file", HL_CT_FILE },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (strcmp(s, t[i].name) == 0) {
			*out = t[i].ct;
			return HL_OK;
		}
	}
	return HL_ERR_MALFORMED;
}

/* A required or optional string member; NULL when absent. */
static int
get_str(json_t *o, const char *name, int required, const char **out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, name);

	*out = NULL;
	if (v == NULL) {
		if (!required)
			return HL_OK;
		snprintf(err, errlen, "missing field \"%s\"", name);
		return HL_ERR_MALFORMED;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "field \"%s\" must be a string", name);
		return HL_ERR_MALFORMED;
	}
	*out = json_string_value(v);
	return HL_OK;
}

static int
get_bool(json_t *o, const char *name, int *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, name);

	*out = 0;
	if (v == NULL)
		return HL_OK;
	if (!json_is_boolean(v)) {
		snprintf(err, errlen, "field \"%s\" must be true or false", name);
		return HL_ERR_MALFORMED;
	}
	*out = json_is_true(v);
	return HL_OK;
}

/* Short printable ASCII for echoing a bad value back in an error. */
static int
short_ascii(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || (unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

static int
parse_recipients(json_t *o, struct hl_api_send *out, char *err, size_t errlen)
{
	json_t *to = json_object_get(o, "to"), *v;
	const char *s;
	size_t i;
	unsigned k;
	int to_all;

	if (get_bool(o, "to_all", &to_all, err, errlen) != HL_OK)
		return HL_ERR_MALFORMED;
	out->to_all = to_all;
	if (to != NULL && !json_is_array(to)) {
		snprintf(err, errlen, "field \"to\" must be an array of node names or partner codes");
		return HL_ERR_MALFORMED;
	}
	if (to_all) {
		if (to != NULL && json_array_size(to) > 0) {
			snprintf(err, errlen, "give either \"to\" or \"to_all\": true, not both");
			return HL_ERR_MALFORMED;
		}
		return HL_OK;
	}
	if (to == NULL || json_array_size(to) == 0) {
		snprintf(err, errlen, "no recipients: give \"to\" or \"to_all\": true");
		return HL_ERR_MALFORMED;
	}
	if (json_array_size(to) > HL_RECIPIENTS_MAX) {
		snprintf(err, errlen, "more than %d recipients", HL_RECIPIENTS_MAX);
		return HL_ERR_MALFORMED;
	}
	json_array_foreach(to, i, v) {
		if (!json_is_string(v)) {
			snprintf(err, errlen, "\"to\" must hold strings only");
			return HL_ERR_MALFORMED;
		}
		s = json_string_value(v);
		if (strlen(s) != json_string_length(v) ||
		    (!hl_partner_valid(s) && !hl_label_node_name_valid(s, NULL))) {
			if (short_ascii(s, 64))
				snprintf(err, errlen, "\"%s\" is not a node name (PARTNER/name) or partner code", s);
			else
				snprintf(err, errlen, "\"to\" holds an invalid recipient");
			return HL_ERR_MALFORMED;
		}
		for (k = 0; k < out->nto; k++) {
			if (strcmp(out->to[k], s) == 0) {
				snprintf(err, errlen, "recipient \"%s\" given twice", s);
				return HL_ERR_MALFORMED;
			}
		}
		snprintf(out->to[out->nto++], sizeof(out->to[0]), "%s", s);
	}
	return HL_OK;
}

int
hl_apijson_label(json_t *o, const struct hl_policy *pol, struct hl_label *out, char *err,
    size_t errlen)
{
	json_t *rel = json_object_get(o, "releasable_to"), *v;
	const char *cls, *tlp, *codes[HL_RELEASABLE_MAX];
	char why[160];
	size_t i;

	memset(out, 0, sizeof(*out));
	if (get_str(o, "classification", 1, &cls, err, errlen) != HL_OK ||
	    get_str(o, "tlp", 1, &tlp, err, errlen) != HL_OK)
		return HL_ERR_MALFORMED;
	if (rel == NULL) {
		snprintf(err, errlen, "missing field \"releasable_to\"");
		return HL_ERR_MALFORMED;
	}
	if (!json_is_array(rel) || json_array_size(rel) == 0) {
		snprintf(err, errlen, "field \"releasable_to\" must be a non-empty array of partner codes");
		return HL_ERR_MALFORMED;
	}
	if (json_array_size(rel) > HL_RELEASABLE_MAX) {
		snprintf(err, errlen, "more than %d partners in \"releasable_to\"", HL_RELEASABLE_MAX);
		return HL_ERR_MALFORMED;
	}
	json_array_foreach(rel, i, v) {
		if (!json_is_string(v) || !hl_partner_valid(codes[i] = json_string_value(v)) ||
		    strlen(codes[i]) != json_string_length(v)) {
			if (json_is_string(v) && short_ascii(json_string_value(v), 16))
				snprintf(err, errlen, "\"%s\" in \"releasable_to\" is not a partner code",
				    json_string_value(v));
			else
				snprintf(err, errlen, "\"releasable_to\" must hold partner codes (A-Z, 0-9)");
			return HL_ERR_MALFORMED;
		}
	}
	if (!short_ascii(cls, HL_LEVEL_NAME_MAX) || !short_ascii(tlp, 32)) {
		snprintf(err, errlen, "bad \"classification\" or \"tlp\" value");
		return HL_ERR_MALFORMED;
	}
	if (hl_label_make(pol, &(struct hl_label_spec){ .classification = cls, .rel = codes,
	    .nrel = json_array_size(rel), .tlp = tlp }, out, why, sizeof(why)) != HL_OK) {
		snprintf(err, errlen, "bad label: %s", why);
		return HL_ERR_MALFORMED;
	}
	return HL_OK;
}

/* A top-level "content_b64" value lifted out of the body before jansson
 * saw it (see lift_content); len 0 when nothing was lifted. */
struct lifted {
	const char *p;
	size_t len;
	/* an upload's body, outside the object (hl_apijson_parse_upload):
	 * taken by parse_content; the object then has neither field */
	uint8_t *given;
	size_t given_len;
	int has_given;
};

static int
parse_content(json_t *o, const struct lifted *lf, struct hl_api_send *out, char *err,
    size_t errlen)
{
	const char *bs;
	size_t bl;
	json_t *text = json_object_get(o, "text"), *b64 = json_object_get(o, "content_b64");
	const char *ct;
	size_t n;
	int r;

	if (get_str(o, "content_type", 0, &ct, err, errlen) != HL_OK)
		return HL_ERR_MALFORMED;
	if (ct == NULL) {
		out->content_type = lf->has_given ? HL_CT_FILE : HL_CT_TEXT;
	} else if (content_type_parse(ct, &out->content_type) != HL_OK) {
		snprintf(err, errlen, "\"content_type\" must be text, stix, track or file");
		return HL_ERR_MALFORMED;
	}
	if (lf->has_given) {
		/* the caller refused text and content_b64 already */
		out->content = lf->given;
		out->content_len = lf->given_len;
	} else if ((text == NULL) == (b64 == NULL)) {
		snprintf(err, errlen, "give exactly one of \"text\" and \"content_b64\"");
		return HL_ERR_MALFORMED;
	} else if (text != NULL) {
		if (!json_is_string(text)) {
			snprintf(err, errlen, "field \"text\" must be a string");
			return HL_ERR_MALFORMED;
		}
		if ((n = json_string_length(text)) > HL_CONTENT_MAX_BYTES) {
			snprintf(err, errlen, "content larger than %u bytes", HL_CONTENT_MAX_BYTES);
			return HL_ERR_TOO_BIG;
		}
		if ((out->content = hl_malloc(n + 1)) == NULL)
			return HL_ERR_NOMEM;
		memcpy(out->content, json_string_value(text), n);
		out->content_len = n;
	} else {
		if (!json_is_string(b64)) {
			snprintf(err, errlen, "field \"content_b64\" must be a string");
			return HL_ERR_MALFORMED;
		}
		bs = json_string_value(b64);
		bl = json_string_length(b64);
		if (lf->len > 0) {
			bs = lf->p;
			bl = lf->len;
		}
		r = hl_apijson_b64_decode(bs, bl, HL_CONTENT_MAX_BYTES, &out->content,
		    &out->content_len);
		if (r == HL_ERR_TOO_BIG) {
			snprintf(err, errlen, "content larger than %u bytes", HL_CONTENT_MAX_BYTES);
			return r;
		}
		if (r != HL_OK) {
			snprintf(err, errlen, "field \"content_b64\" is not valid base64");
			return r == HL_ERR_NOMEM ? r : HL_ERR_MALFORMED;
		}
	}
	if (out->content_len == 0) {
		snprintf(err, errlen, "the content is empty");
		return HL_ERR_MALFORMED;
	}
	return HL_OK;
}

static size_t
skip_ws(const uint8_t *p, size_t len, size_t i)
{
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	return i;
}

/* A send body's "content_b64" may be 67 MB of base64, which jansson parses
 * at about 55 MB/s: over a second with the node's loop blocked. When the
 * object's top-level member "content_b64" has a value of base64 characters
 * only (nothing to unescape), find it here with a scan that tracks strings
 * and nesting the way the JSON grammar does. OUT: the value's offset and
 * length. 0 when there is no such member. The caller parses the body with
 * that value removed and falls back to the whole body if that parse fails,
 * so a body is accepted, and errors read, exactly as without the lift
 * (tests/unit/test_apijson.c and fuzz/fuzz_apijson.c compare the two). */
static int
lift_content(const uint8_t *p, size_t len, size_t *off, size_t *vlen)
{
	static const char key[] = "\"content_b64\"";
	size_t i, j, k, depth = 0;
	int in_str = 0, esc = 0, want_key = 0;

	for (i = 0; i < len; i++) {
		if (in_str) {
			(void)hl_jsonscan_str_step(p[i], &in_str, &esc);
			continue;
		}
		switch (p[i]) {
		case ' ': case '\t': case '\n': case '\r':
			continue;
		case '{':
		case '[':
			want_key = ++depth == 1 && p[i] == '{';
			continue;
		case '}':
		case ']':
			if (depth > 0)
				depth--;
			want_key = 0;
			continue;
		case ',':
			want_key = depth == 1;
			continue;
		case '"':
			break;
		default:
			want_key = 0;
			continue;
		}
		if (want_key && len - i >= sizeof(key) - 1 && memcmp(p + i, key, sizeof(key) - 1) == 0) {
			j = skip_ws(p, len, i + sizeof(key) - 1);
			if (j < len && p[j] == ':' && (j = skip_ws(p, len, j + 1)) < len && p[j] == '"') {
				for (k = j + 1; k < len && (b64val(p[k]) >= 0 || p[k] == '='); k++)
					;
				if (k < len && p[k] == '"' && k > j + 1) {
					*off = j + 1;
					*vlen = k - (j + 1);
					return 1;
				}
			}
		}
		in_str = 1;
		want_key = 0;
	}
	return 0;
}

/* The body without the lifted value, as an object; NULL (err set) if it
 * does not parse, which sends the caller back to the whole body. */
static json_t *
load_lifted(const uint8_t *p, size_t len, size_t off, size_t vlen)
{
	json_t *o = NULL;
	uint8_t *rest;
	char err[8];

	if ((rest = hl_malloc(len - vlen)) == NULL)
		return NULL;
	memcpy(rest, p, off);
	memcpy(rest + off, p + off + vlen, len - off - vlen);
	if (hl_apijson_load_object(rest, len - vlen, HL_API_BODY_MAX_BYTES, &o, err,
	    sizeof(err)) != HL_OK)
		o = NULL;
	hl_free(rest);
	return o;
}

int
hl_apijson_parse_send(const uint8_t *p, size_t len, const struct hl_policy *pol,
    struct hl_api_send *out, char *err, size_t errlen)
{
	return hl_apijson_parse_send_opt(p, len, pol, 1, out, err, errlen);
}

/* Validate a send object o (the content lifted out of it, or given
 * beside it, per lf) into out. */
static int
send_from_object(json_t *o, struct lifted *lf, const struct hl_policy *pol,
    struct hl_api_send *out, char *err, size_t errlen)
{
	json_t *v;
	const char *key, *prec;
	size_t i;
	int r, ex;

	r = HL_ERR_MALFORMED;
	json_object_foreach(o, key, v) {
		for (i = 0; i < sizeof(send_fields) / sizeof(send_fields[0]); i++)
			if (strcmp(key, send_fields[i]) == 0)
				break;
		if (i == sizeof(send_fields) / sizeof(send_fields[0])) {
			if (short_ascii(key, 40))
				snprintf(err, errlen, "unknown field \"%s\"", key);
			else
				snprintf(err, errlen, "unknown field");
			goto out;
		}
	}
	if (parse_recipients(o, out, err, errlen) != HL_OK)
		goto out;
	if (get_str(o, "precedence", 1, &prec, err, errlen) != HL_OK)
		goto out;
	if (hl_precedence_parse(prec, &out->precedence) != HL_OK) {
		snprintf(err, errlen, "\"precedence\" must be flash, immediate, priority or routine");
		goto out;
	}
	if (hl_apijson_label(o, pol, &out->label, err, errlen) != HL_OK)
		goto out;
	if (get_bool(o, "exercise", &ex, err, errlen) != HL_OK)
		goto out;
	out->flags = ex ? HL_ENV_FLAG_EXERCISE : 0;
	if ((v = json_object_get(o, "ttl_s")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > (json_int_t)HL_API_TTL_MAX_S) {
			snprintf(err, errlen, "\"ttl_s\" must be an integer from 1 to %u",
			    HL_API_TTL_MAX_S);
			goto out;
		}
		out->ttl_s = (uint32_t)json_integer_value(v);
	}
	if ((r = parse_content(o, lf, out, err, errlen)) != HL_OK)
		goto out;
	r = HL_OK;
out:
	return r;
}

int
hl_apijson_parse_send_opt(const uint8_t *p, size_t len, const struct hl_policy *pol, int lift,
    struct hl_api_send *out, char *err, size_t errlen)
{
	json_t *o = NULL;
	struct lifted lf;
	size_t off = 0, vlen = 0;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&lf, 0, sizeof(lf));
	if (errlen > 0)
		err[0] = '\0';
	if (lift && len <= HL_API_BODY_MAX_BYTES && hl_apijson_depth_ok(p, len) &&
	    lift_content(p, len, &off, &vlen) && (o = load_lifted(p, len, off, vlen)) != NULL) {
		lf.p = (const char *)p + off;
		lf.len = vlen;
	} else if ((r = hl_apijson_load_object(p, len, HL_API_BODY_MAX_BYTES, &o, err,
	    errlen)) != HL_OK) {
		goto out;
	}
	r = send_from_object(o, &lf, pol, out, err, errlen);
out:
	json_decref(o);
	if (r != HL_OK)
		hl_apijson_send_clear(out);
	return r;
}

/* One query value of an upload as the JSON member the send body would
 * have: a list for "to" and "releasable_to", a boolean for "to_all" and
 * "exercise", a number for "ttl_s", a string otherwise. NULL (err set)
 * when it cannot be one. */
static json_t *
upload_value(const char *key, const char *val, char *err, size_t errlen)
{
	json_t *a;
	const char *p, *c;
	uint64_t v;

	if (strcmp(key, "to") == 0 || strcmp(key, "releasable_to") == 0) {
		if ((a = json_array()) == NULL)
			return NULL;
		for (p = val; *p != '\0'; p = *c == ',' ? c + 1 : c) {
			c = p + strcspn(p, ",");
			if (c == p || json_array_append_new(a, json_stringn(p, (size_t)(c - p))) != 0) {
				snprintf(err, errlen, "\"%s\" must be a comma-separated list of names",
				    key);
				json_decref(a);
				return NULL;
			}
		}
		return a;
	}
	if (strcmp(key, "to_all") == 0 || strcmp(key, "exercise") == 0) {
		if (strcmp(val, "true") == 0 || strcmp(val, "false") == 0)
			return json_boolean(val[0] == 't');
		snprintf(err, errlen, "\"%s\" must be true or false", key);
		return NULL;
	}
	if (strcmp(key, "ttl_s") == 0) {
		if (parse_uint(val, 1, HL_API_TTL_MAX_S, &v) != HL_OK) {
			snprintf(err, errlen, "\"ttl_s\" must be an integer from 1 to %u",
			    HL_API_TTL_MAX_S);
			return NULL;
		}
		return json_integer((json_int_t)v);
	}
	/* json_string refuses what is not UTF-8 (and an allocation failure,
	 * which the caller cannot tell apart: told as the former) */
	if ((a = json_string(val)) == NULL)
		snprintf(err, errlen, "\"%s\" must be UTF-8 text", key);
	return a;
}

int
hl_apijson_parse_upload(const char *q, uint8_t *content, size_t clen,
    const struct hl_policy *pol, struct hl_api_send *out, char *err, size_t errlen)
{
	static const char *const fields[] = {
		"to", "to_all", "precedence", "classification", "releasable_to", "tlp",
		"content_type", "exercise", "ttl_s",
	};
	json_t *o = NULL, *v;
	struct lifted lf;
	const char *p;
	char key[32], *val = NULL;
	size_t qlen, i;
	int r = HL_ERR_MALFORMED, got;

	memset(out, 0, sizeof(*out));
	memset(&lf, 0, sizeof(lf));
	if (errlen > 0)
		err[0] = '\0';
	if (content == NULL || clen == 0) {
		snprintf(err, errlen, "the content is empty");
		goto out;
	}
	if (clen > HL_CONTENT_MAX_BYTES) {
		snprintf(err, errlen, "content larger than %u bytes", HL_CONTENT_MAX_BYTES);
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	if (q == NULL || q[0] == '\0') {
		snprintf(err, errlen, "the envelope's fields go in the query string");
		goto out;
	}
	if ((qlen = strlen(q)) > HL_API_UPLOAD_QUERY_MAX) {
		snprintf(err, errlen, "query string longer than %d bytes", HL_API_UPLOAD_QUERY_MAX);
		goto out;
	}
	if ((o = json_object()) == NULL || (val = hl_malloc(qlen + 1)) == NULL) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	for (p = q; (got = query_next(&p, q + qlen, key, sizeof(key), val, qlen + 1, err,
	    errlen)) != 0;) {
		if (got < 0)
			goto out;
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (strcmp(key, fields[i]) == 0)
				break;
		if (i == sizeof(fields) / sizeof(fields[0])) {
			snprintf(err, errlen, "unknown query parameter \"%s\"", key);
			goto out;
		}
		if (json_object_get(o, key) != NULL) {
			snprintf(err, errlen, "query parameter \"%s\" given twice", key);
			goto out;
		}
		if ((v = upload_value(key, val, err, errlen)) == NULL) {
			if (err[0] == '\0')
				r = HL_ERR_NOMEM;
			goto out;
		}
		if (json_object_set_new(o, key, v) != 0) {
			r = HL_ERR_NOMEM;
			goto out;
		}
	}
	lf.given = content;
	lf.given_len = clen;
	lf.has_given = 1;
	content = NULL;   /* out's now, or freed with it below */
	r = send_from_object(o, &lf, pol, out, err, errlen);
	if (r != HL_OK && out->content == NULL)
		hl_free_secret(lf.given, lf.given_len + 1);
out:
	json_decref(o);
	hl_free(val);
	if (content != NULL)
		hl_free_secret(content, clen + 1);
	if (r != HL_OK)
		hl_apijson_send_clear(out);
	return r;
}

void
hl_apijson_send_clear(struct hl_api_send *s)
{
	if (s->content != NULL)
		hl_free_secret(s->content, s->content_len + 1);
	memset(s, 0, sizeof(*s));
}

/* ---- the batch body ---- */

/* Where the JSON value starting at p[i] ends, by the string and nesting
 * rules alone: the offset of the ',' or ']' (or '}') that follows it at
 * its own level, len if none does. The value itself is checked later, by
 * the item's own parse; a value that parses is balanced, so the offset
 * found for it is its true end. */
static size_t
value_end(const uint8_t *p, size_t len, size_t i)
{
	size_t depth = 0;
	int in_str = 0, esc = 0;

	for (; i < len; i++) {
		if (hl_jsonscan_str_step(p[i], &in_str, &esc))
			continue;
		if (p[i] == '{' || p[i] == '[') {
			depth++;
		} else if (p[i] == '}' || p[i] == ']') {
			if (depth == 0)
				return i;
			depth--;
		} else if (p[i] == ',' && depth == 0) {
			return i;
		}
	}
	return len;
}

/* p[*i..] starts with the byte c (after white space): 1, *i past it. */
static int
expect_byte(const uint8_t *p, size_t len, size_t *i, uint8_t c)
{
	*i = skip_ws(p, len, *i);
	if (*i >= len || p[*i] != c)
		return 0;
	(*i)++;
	return 1;
}

struct span {
	size_t off;
	size_t len;
};

/* The outer shape {"envelopes": [ v, v, ... ]}: OUT: span[0 .. *n). */
static int
batch_spans(const uint8_t *p, size_t len, struct span *span, size_t *n, size_t *bad, char *err,
    size_t errlen)
{
	static const char key[] = "\"envelopes\"";
	size_t i = 0, end, k;

	*n = 0;
	if (!expect_byte(p, len, &i, '{')) {
		snprintf(err, errlen, "the body must be a JSON object {\"envelopes\": [...]}");
		return HL_ERR_MALFORMED;
	}
	i = skip_ws(p, len, i);
	if (len - i < sizeof(key) - 1 || memcmp(p + i, key, sizeof(key) - 1) != 0) {
		snprintf(err, errlen, "the body's one member must be \"envelopes\"");
		return HL_ERR_MALFORMED;
	}
	i += sizeof(key) - 1;
	if (!expect_byte(p, len, &i, ':') || !expect_byte(p, len, &i, '[')) {
		snprintf(err, errlen, "\"envelopes\" must be an array of envelopes");
		return HL_ERR_MALFORMED;
	}
	i = skip_ws(p, len, i);
	if (i < len && p[i] == ']') {
		snprintf(err, errlen, "\"envelopes\" is empty: give 1 to %d envelopes",
		    HL_API_BATCH_MAX);
		return HL_ERR_MALFORMED;
	}
	for (;;) {
		if (*n == HL_API_BATCH_MAX) {
			snprintf(err, errlen, "more than %d envelopes in one batch", HL_API_BATCH_MAX);
			return HL_ERR_TOO_BIG;
		}
		end = value_end(p, len, i);
		for (k = end; k > i && (p[k - 1] == ' ' || p[k - 1] == '\t' || p[k - 1] == '\n' ||
		    p[k - 1] == '\r'); k--)
			;
		if (end == len || p[end] == '}' || k == i) {
			*bad = *n;
			snprintf(err, errlen, "envelopes[%zu]: %s", *n, end == len || p[end] == '}' ?
			    "the array is not closed" : "missing value");
			return HL_ERR_MALFORMED;
		}
		span[*n].off = i;
		span[(*n)++].len = k - i;
		i = end + 1;
		if (p[end] == ']')
			break;
		i = skip_ws(p, len, i);
	}
	if (!expect_byte(p, len, &i, '}') || skip_ws(p, len, i) != len) {
		snprintf(err, errlen, "the body's one member must be \"envelopes\", "
		    "and nothing may follow the object");
		return HL_ERR_MALFORMED;
	}
	return HL_OK;
}

int
hl_apijson_parse_batch(const uint8_t *p, size_t len, const struct hl_policy *pol,
    struct hl_api_batch *out, char *err, size_t errlen)
{
	struct span *span = NULL;
	struct hl_api_batch b;
	char why[256];
	size_t n = 0, i;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&b, 0, sizeof(b));
	out->bad = b.bad = HL_API_BATCH_NONE;
	if (errlen > 0)
		err[0] = '\0';
	if (len > HL_API_BATCH_BODY_MAX_BYTES) {
		snprintf(err, errlen, "body larger than %u bytes", HL_API_BATCH_BODY_MAX_BYTES);
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	if ((span = hl_calloc(HL_API_BATCH_MAX, sizeof(*span))) == NULL) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	if ((r = batch_spans(p, len, span, &n, &b.bad, err, errlen)) != HL_OK)
		goto out;
	if ((b.item = hl_calloc(n, sizeof(*b.item))) == NULL) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		why[0] = '\0';
		r = hl_apijson_parse_send(p + span[i].off, span[i].len, pol, &b.item[i], why,
		    sizeof(why));
		/* a track that is not a valid record is a bad request, as for the
		 * single endpoint, whatever the reason */
		if (r == HL_OK && (r = hl_apijson_send_track(&b.item[i], why, sizeof(why))) != HL_OK &&
		    r != HL_ERR_NOMEM)
			r = HL_ERR_MALFORMED;
		if (r != HL_OK) {
			b.bad = i;
			b.n = i + 1;
			snprintf(err, errlen, "envelopes[%zu]: %s", i, why[0] != '\0' ? why :
			    hl_strerror(r));
			goto out;
		}
	}
	b.n = n;
	*out = b;
	memset(&b, 0, sizeof(b));
	r = HL_OK;
out:
	if (r != HL_OK) {
		out->bad = b.bad;
		hl_apijson_batch_clear(&b);
	}
	hl_free(span);
	return r;
}

void
hl_apijson_batch_clear(struct hl_api_batch *b)
{
	size_t i;

	for (i = 0; b->item != NULL && i < b->n; i++)
		hl_apijson_send_clear(&b->item[i]);
	hl_free(b->item);
	memset(b, 0, sizeof(*b));
	b->bad = HL_API_BATCH_NONE;
}

/* ---- credentials ---- */

int
hl_apijson_parse_basic(const char *hdr, char user[HL_OPERATOR_MAX + 1],
    char pass[HL_API_PASSWORD_MAX + 1])
{
	uint8_t *dec = NULL;
	const uint8_t *colon;
	size_t n = 0, ul, pl, i, hl;
	int r = HL_ERR_AUTH;

	user[0] = '\0';
	pass[0] = '\0';
	if (hdr == NULL)
		goto out;
	if (strncasecmp(hdr, "Basic ", 6) != 0)
		goto out;
	hdr += 6;
	while (*hdr == ' ')
		hdr++;
	hl = strlen(hdr);
	while (hl > 0 && hdr[hl - 1] == ' ')
		hl--;
	if (hl > 4 * ((HL_OPERATOR_MAX + HL_API_PASSWORD_MAX + 1 + 2) / 3))
		goto out;
	if (hl_apijson_b64_decode(hdr, hl, HL_OPERATOR_MAX + 1 + HL_API_PASSWORD_MAX, &dec, &n) !=
	    HL_OK)
		goto out;
	if ((colon = memchr(dec, ':', n)) == NULL)
		goto out;
	ul = (size_t)(colon - dec);
	pl = n - ul - 1;
	if (ul == 0 || ul > HL_OPERATOR_MAX || pl > HL_API_PASSWORD_MAX)
		goto out;
	for (i = 0; i < ul; i++)
		if (dec[i] < 0x21 || dec[i] == 0x7f)
			goto out;
	if (memchr(colon + 1, '\0', pl) != NULL)
		goto out;
	memcpy(user, dec, ul);
	user[ul] = '\0';
	memcpy(pass, colon + 1, pl);
	pass[pl] = '\0';
	r = HL_OK;
out:
	if (dec != NULL)
		hl_free_secret(dec, n + 1);   /* allocated: at least n + 1 */
	if (r != HL_OK) {
		user[0] = '\0';
		OPENSSL_cleanse(pass, HL_API_PASSWORD_MAX + 1);
	}
	return r;
}

/* ---- rule 4 ---- */

int
hl_apijson_visible(const uint8_t *label, size_t len, const struct hl_policy *p,
    const struct hl_operator_conf *op, struct hl_label *l)
{
	memset(l, 0, sizeof(*l));
	if (hl_label_decode(label, len, l) != HL_OK ||
	    hl_label_check_policy(l, p) != HL_OK ||
	    l->classification > op->clearance ||
	    !hl_label_releasable_to(l, op->nationality)) {
		memset(l, 0, sizeof(*l));
		return 0;
	}
	return 1;
}

/* ---- responses ---- */

json_t *
hl_apijson_error(const char *code, const char *message)
{
	return json_pack("{s:s, s:s}", "error", code, "message", message);
}

json_t *
hl_apijson_time(uint64_t ms)
{
	char t[HL_API_TIME_LEN];

	if (ms == 0)
		return json_null();
	hl_apijson_format_time(ms, t);
	return json_string(t);
}

/* json_object_set_new that remembers the first failure */
static void
jset(json_t *o, const char *key, json_t *v, int *bad)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		*bad = 1;
}

static json_t *
label_json(const struct hl_label *l, const struct hl_policy *p)
{
	json_t *o = json_object(), *rel = json_array();
	unsigned i;
	int bad = (o == NULL || rel == NULL);

	for (i = 0; !bad && i < l->nrel && i < HL_RELEASABLE_MAX; i++)
		if (json_array_append_new(rel, json_string(l->rel[i])) != 0)
			bad = 1;
	if (!bad) {
		jset(o, "policy", json_string(l->policy), &bad);
		jset(o, "classification", json_string(hl_policy_level_name(p, l->classification)), &bad);
		jset(o, "releasable_to", rel, &bad);
		rel = NULL;
		jset(o, "tlp", json_string(hl_tlp_name(l->tlp)), &bad);
	}
	json_decref(rel);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
hl_apijson_msg(const struct hl_msg *m, const struct hl_label *l, const struct hl_policy *p,
    int full)
{
	json_t *o = json_object(), *text;
	char id[HL_API_ID_HEX + 1], lt[HL_LABEL_TEXT_MAX], *b64;
	int bad = (o == NULL);

	if (bad)
		return NULL;
	hl_hex_id(m->id, id);
	hl_label_format(l, p, lt, sizeof(lt));
	jset(o, "id", json_string(id), &bad);
	if (full)
		jset(o, "direction", json_string(m->inbound ? "in" : "out"), &bad);
	jset(o, "origin", json_string(m->origin), &bad);
	jset(o, "originator", json_string(m->originator), &bad);
	jset(o, "precedence", json_string(hl_precedence_name(m->precedence)), &bad);
	jset(o, "content_type", json_string(hl_content_type_name(m->content_type)), &bad);
	jset(o, "exercise", json_boolean(m->flags & HL_ENV_FLAG_EXERCISE), &bad);
	jset(o, "label", label_json(l, p), &bad);
	jset(o, "label_text", json_string(lt), &bad);
	jset(o, "created", hl_apijson_time(m->created_ms), &bad);
	jset(o, "expires", hl_apijson_time(m->expires_ms), &bad);
	jset(o, m->inbound ? "received" : "sent", hl_apijson_time(m->stored_ms), &bad);
	if (m->inbound) {
		jset(o, "acknowledged", hl_apijson_time(m->acked_ms), &bad);
		jset(o, "acknowledged_by", m->acked_ms != 0 ? json_string(m->acked_by) : json_null(),
		    &bad);
		jset(o, "overdue", json_boolean(m->overdue_ms != 0 && m->acked_ms == 0), &bad);
	}
	jset(o, "size", json_integer((json_int_t)m->content_len), &bad);
	if (full) {
		jset(o, "signature", json_string(m->sig_ok ? "verified" : "FAILED"), &bad);
		jset(o, "suite", json_string(hl_suite_name(m->suite)), &bad);
		text = NULL;
		if (m->content_type == HL_CT_TEXT && m->content != NULL)
			text = json_stringn((const char *)m->content, m->content_len);
		if (text != NULL) {
			jset(o, "text", text, &bad);
		} else {
			b64 = hl_apijson_b64_encode(m->content, m->content != NULL ? m->content_len : 0);
			jset(o, "content_b64", b64 != NULL ? json_string(b64) : NULL, &bad);
			hl_free(b64);
		}
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
hl_apijson_delivery_summary(const struct hl_delivery *d, size_t n)
{
	json_int_t c[4] = { 0, 0, 0, 0 };
	size_t i;

	for (i = 0; i < n; i++)
		if (d[i].state >= HL_DLV_QUEUED && d[i].state <= HL_DLV_REJECTED)
			c[d[i].state]++;
	return json_pack("{s:I, s:I, s:I, s:I}", "queued", c[HL_DLV_QUEUED],
	    "delivered", c[HL_DLV_DELIVERED], "acknowledged", c[HL_DLV_ACKNOWLEDGED],
	    "rejected", c[HL_DLV_REJECTED]);
}

json_t *
hl_apijson_deliveries(const uint8_t id[static HL_ID_BYTES], const struct hl_delivery *d,
    size_t n)
{
	json_t *o = json_object(), *arr = json_array(), *r;
	char hid[HL_API_ID_HEX + 1];
	size_t i;
	int bad = (o == NULL || arr == NULL);

	hl_hex_id(id, hid);
	for (i = 0; !bad && i < n; i++) {
		if ((r = json_object()) == NULL || json_array_append_new(arr, r) != 0) {
			bad = 1;
			break;
		}
		jset(r, "node", json_string(d[i].node), &bad);
		jset(r, "state", json_string(hl_delivery_state_name(d[i].state)), &bad);
		jset(r, "reason", d[i].state == HL_DLV_REJECTED ?
		    json_string(hl_reason_name(d[i].reason)) : json_null(), &bad);
		jset(r, "detail", d[i].detail[0] != '\0' ? json_string(d[i].detail) : json_null(),
		    &bad);
		jset(r, "queued", hl_apijson_time(d[i].queued_ms), &bad);
		jset(r, "delivered", hl_apijson_time(d[i].delivered_ms), &bad);
		jset(r, "acknowledged", hl_apijson_time(d[i].acked_ms), &bad);
		jset(r, "acknowledged_by", d[i].acked_by[0] != '\0' ? json_string(d[i].acked_by) :
		    json_null(), &bad);
		jset(r, "rejected", hl_apijson_time(d[i].rejected_ms), &bad);
		jset(r, "receipt_signature_suite", d[i].receipt_suite > 0 &&
		    hl_sig_suite_name(d[i].receipt_suite) != NULL ?
		    json_string(hl_sig_suite_name(d[i].receipt_suite)) : json_null(), &bad);
	}
	if (!bad) {
		jset(o, "id", json_string(hid), &bad);
		jset(o, "recipients", arr, &bad);
		arr = NULL;
	}
	json_decref(arr);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

char *
hl_apijson_dump(const json_t *j)
{
	char *s, *t;
	size_t n;

	if ((s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12))) == NULL)
		return NULL;
	n = strlen(s);
	/* the jansson buffer came from hl_malloc (hl_apijson_init) */
	if ((t = hl_realloc(s, n + 2)) == NULL) {
		hl_free(s);
		return NULL;
	}
	t[n] = '\n';
	t[n + 1] = '\0';
	return t;
}

/* ---- tracks (docs/internals/tracks.md) ---- */

#define API_TRACKS_LIMIT_DEFAULT 1000

int
hl_apijson_send_track(struct hl_api_send *s, char *err, size_t errlen)
{
	struct hl_track t;
	uint8_t *canon = NULL;
	size_t clen = 0;
	char why[256];
	int r;

	if (s->content_type != HL_CT_TRACK)
		return HL_OK;
	if ((r = hl_track_parse(s->content, s->content_len, &t, why, sizeof(why))) != HL_OK) {
		snprintf(err, errlen, "invalid track: %s", why);
		return r == HL_ERR_TOO_BIG || r == HL_ERR_NOMEM ? r : HL_ERR_MALFORMED;
	}
	if ((r = hl_track_encode(&t, &canon, &clen)) != HL_OK) {
		snprintf(err, errlen, "cannot encode the track");
		return r == HL_ERR_NOMEM ? r : HL_ERR_MALFORMED;
	}
	hl_free_secret(s->content, s->content_len);
	s->content = canon;
	s->content_len = clen;
	s->precedence = HL_PREC_FLASH;   /* tracks always travel at FLASH */
	return HL_OK;
}

int
hl_apijson_parse_tracks(const uint8_t *p, size_t len, const struct hl_policy *pol,
    struct hl_api_send *out, json_t **results, size_t *accepted, char *err, size_t errlen)
{
	json_t *o = NULL, *ups, *u, *res = NULL, *it;
	struct lifted lf;
	struct hl_track t;
	struct hl_buf b;
	uint8_t *canon = NULL, *line = NULL;
	size_t i, clen, llen, ok = 0;
	char why[256];
	int r;

	memset(out, 0, sizeof(*out));
	memset(&lf, 0, sizeof(lf));
	*results = NULL;
	*accepted = 0;
	hl_buf_init(&b, (size_t)HL_TRACKS_BATCH_MAX * (HL_TRACK_MAX_BYTES + 1));
	if (errlen > 0)
		err[0] = '\0';
	if ((r = hl_apijson_load_object(p, len, HL_API_TRACKS_BODY_MAX_BYTES, &o, err,
	    errlen)) != HL_OK)
		goto out;
	r = HL_ERR_MALFORMED;
	ups = json_object_get(o, "updates");
	if (!json_is_array(ups) || json_array_size(ups) == 0) {
		snprintf(err, errlen, "\"updates\" must be an array of 1 to %d track records",
		    HL_TRACKS_BATCH_MAX);
		goto out;
	}
	if (json_array_size(ups) > HL_TRACKS_BATCH_MAX) {
		snprintf(err, errlen, "more than %d track records in \"updates\"",
		    HL_TRACKS_BATCH_MAX);
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	if (json_object_get(o, "text") != NULL || json_object_get(o, "content_b64") != NULL ||
	    json_object_get(o, "content_type") != NULL) {
		snprintf(err, errlen, "a track batch has \"updates\", not \"text\", "
		    "\"content_b64\" or \"content_type\"");
		goto out;
	}
	if ((res = json_array()) == NULL) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	/* each record on its own: the valid ones, canonical, one per line */
	json_array_foreach(ups, i, u) {
		why[0] = '\0';
		line = NULL;
		if (!json_is_object(u)) {
			snprintf(why, sizeof(why), "must be a track record (an object)");
		} else if ((line = (uint8_t *)json_dumps(u, JSON_COMPACT)) == NULL) {
			r = HL_ERR_NOMEM;
			goto out;
		} else if ((llen = strlen((char *)line)) > HL_TRACK_MAX_BYTES ||
		    hl_track_parse(line, llen, &t, why, sizeof(why)) != HL_OK) {
			if (why[0] == '\0')
				snprintf(why, sizeof(why), "track record larger than %d bytes",
				    HL_TRACK_MAX_BYTES);
		} else if (hl_track_encode(&t, &canon, &clen) != HL_OK) {
			r = HL_ERR_NOMEM;
			goto out;
		} else {
			hl_buf_put(&b, canon, clen);
			hl_buf_put(&b, "\n", 1);
			HL_FREE(canon);
			ok++;
		}
		hl_free(line);   /* jansson's, from hl_malloc (hl_apijson_init) */
		line = NULL;
		if (why[0] != '\0')
			it = json_pack("{s:I, s:s, s:s}", "index", (json_int_t)i, "status", "refused",
			    "error", why);
		else
			it = json_pack("{s:I, s:s}", "index", (json_int_t)i, "status", "accepted");
		if (it == NULL || json_array_append_new(res, it) != 0) {
			r = HL_ERR_NOMEM;
			goto out;
		}
	}
	if ((r = hl_buf_error(&b)) != HL_OK)
		goto out;
	if (ok == 0) {
		snprintf(err, errlen, "no valid track record in \"updates\" (see results)");
		r = HL_ERR_MALFORMED;
		*results = res;
		res = NULL;
		goto out;
	}
	/* the rest is a send body: its label, recipients and options */
	if (json_object_del(o, "updates") != 0 || (json_object_get(o, "precedence") == NULL &&
	    json_object_set_new(o, "precedence", json_string("immediate")) != 0)) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	lf.given = hl_buf_steal(&b, &lf.given_len);
	if (lf.given == NULL) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	lf.has_given = 1;
	r = send_from_object(o, &lf, pol, out, err, errlen);
	if (out->content == NULL)
		hl_free(lf.given);
	if (r != HL_OK)
		goto out;
	out->content_type = HL_CT_TRACKS;
	*results = res;
	res = NULL;
	*accepted = ok;
out:
	hl_free(line);
	hl_free(canon);
	hl_buf_free(&b);
	json_decref(o);
	json_decref(res);
	if (r != HL_OK)
		hl_apijson_send_clear(out);
	return r;
}

int
hl_apijson_parse_tracks_query(const char *q, struct hl_api_tracks_query *out, char *err,
    size_t errlen)
{
	const char *p;
	char key[32], val[HL_API_TRACK_ID_MAX + 2];
	unsigned seen = 0, bit;
	uint64_t v;
	size_t qlen, i;
	int got;

	memset(out, 0, sizeof(*out));
	out->limit = API_TRACKS_LIMIT_DEFAULT;
	out->exercise = HL_EXERCISE_INCLUDE;
	if (q == NULL || q[0] == '\0')
		return HL_OK;
	if ((qlen = strlen(q)) > HL_API_QUERY_MAX) {
		snprintf(err, errlen, "query string longer than %d bytes", HL_API_QUERY_MAX);
		return HL_ERR_MALFORMED;
	}
	for (p = q; (got = query_next(&p, q + qlen, key, sizeof(key), val, sizeof(val), err,
	    errlen)) != 0;) {
		if (got < 0)
			return HL_ERR_MALFORMED;
		if (strcmp(key, "limit") == 0) {
			bit = 1;
		} else if (strcmp(key, "exercise") == 0) {
			bit = 2;
		} else if (strcmp(key, "history") == 0) {
			bit = 4;
		} else {
			if (short_ascii(key, 31))
				snprintf(err, errlen, "unknown query parameter \"%s\"", key);
			else
				snprintf(err, errlen, "unknown query parameter");
			return HL_ERR_MALFORMED;
		}
		if (seen & bit) {
			snprintf(err, errlen, "query parameter \"%s\" given twice", key);
			return HL_ERR_MALFORMED;
		}
		seen |= bit;
		if (bit == 1) {
			if (parse_uint(val, 1, HL_API_LIMIT_MAX, &v) != HL_OK) {
				snprintf(err, errlen, "limit must be a number from 1 to %d",
				    HL_API_LIMIT_MAX);
				return HL_ERR_MALFORMED;
			}
			out->limit = (size_t)v;
		} else if (bit == 2) {
			if (strcmp(val, "include") == 0)
				out->exercise = HL_EXERCISE_INCLUDE;
			else if (strcmp(val, "exclude") == 0)
				out->exercise = HL_EXERCISE_EXCLUDE;
			else if (strcmp(val, "only") == 0)
				out->exercise = HL_EXERCISE_ONLY;
			else {
				snprintf(err, errlen, "exercise must be include, exclude or only");
				return HL_ERR_MALFORMED;
			}
		} else {
			for (i = 0; val[i] != '\0'; i++)
				if (!((val[i] >= 'A' && val[i] <= 'Z') || (val[i] >= 'a' && val[i] <= 'z') ||
				    (val[i] >= '0' && val[i] <= '9') || val[i] == '.' || val[i] == '_' ||
				    val[i] == ':' || val[i] == '-'))
					break;
			if (i == 0 || val[i] != '\0' || i > HL_API_TRACK_ID_MAX) {
				snprintf(err, errlen, "history must be a track id (1 to %d of "
				    "A-Z a-z 0-9 . _ : -)", HL_API_TRACK_ID_MAX);
				return HL_ERR_MALFORMED;
			}
			memcpy(out->history, val, i + 1);
		}
	}
	return HL_OK;
}

static json_t *
opt_real(int has, double v)
{
	return has ? json_real(v) : json_null();
}

json_t *
hl_apijson_track(const struct hl_track_row *row, const struct hl_label *l,
    const struct hl_policy *p, int history)
{
	struct hl_track t;
	json_t *o = NULL, *pos = NULL, *vel = NULL, *imp = NULL;
	char id[HL_API_ID_HEX + 1], lt[HL_LABEL_TEXT_MAX], tm[HL_TRACK_TIME_LEN];
	int bad = 0;

	if (hl_track_parse(row->record, row->record_len, &t, NULL, 0) != HL_OK)
		return NULL;
	if ((o = json_object()) == NULL)
		return NULL;
	hl_hex_id(row->id, id);
	hl_label_format(l, p, lt, sizeof(lt));
	hl_track_format_time(t.observed_s, t.observed_ns, tm);
	pos = json_pack("{s:f, s:f, s:o}", "lat", t.lat, "lon", t.lon,
	    "alt_m", opt_real(t.has_alt, t.alt_m));
	vel = json_pack("{s:f, s:f, s:o}", "speed_mps", t.speed_mps, "heading_deg", t.heading_deg,
	    "climb_mps", opt_real(t.has_climb, t.climb_mps));
	imp = t.has_impact ? json_pack("{s:f, s:f, s:f}", "lat", t.impact_lat, "lon",
	    t.impact_lon, "radius_km", t.impact_radius_km) : json_null();
	jset(o, "origin", json_string(row->origin), &bad);
	jset(o, "track_id", json_string(t.track_id), &bad);
	jset(o, "exercise", json_boolean(row->exercise), &bad);
	jset(o, "observed", json_string(tm), &bad);
	jset(o, "position", pos, &bad);
	jset(o, "velocity", vel, &bad);
	jset(o, "impact_area", imp, &bad);
	jset(o, "confidence", json_real(t.confidence), &bad);
	jset(o, "remark", t.has_remark ? json_string(t.remark) : json_null(), &bad);
	if (!history)
		jset(o, "updates", json_integer((json_int_t)row->updates), &bad);
	jset(o, "envelope_id", json_string(id), &bad);
	jset(o, "received", hl_apijson_time(row->received_ms), &bad);
	jset(o, "label", label_json(l, p), &bad);
	jset(o, "label_text", json_string(lt), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}
