/* fuzz_apijson.c: the operator API's request parsers. The first input byte
 * picks the parser: send body, query string, an envelope id (as a path
 * carries it), Basic credentials, base64, the ack body, a batch body, an
 * upload (its query string, a newline, its body), or a track batch. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "apijson.h"
#include "label.h"
#include "track.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* NUL-terminated copy for the string parsers; NULL on failure. */
static char *
cstr(const uint8_t *p, size_t n)
{
	char *s = hl_malloc(n + 1);

	if (s != NULL) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

/* The send body parsed with the content_b64 lift on and off: any
 * difference in answer, error line or content is a crash. */
static void
send_both(const uint8_t *p, size_t n, const struct hl_policy *pol)
{
	struct hl_api_send a, b;
	char ea[256], eb[256];
	int ra, rb;

	ra = hl_apijson_parse_send_opt(p, n, pol, 1, &a, ea, sizeof(ea));
	rb = hl_apijson_parse_send_opt(p, n, pol, 0, &b, eb, sizeof(eb));
	if (ra != rb || (ra != HL_OK && strcmp(ea, eb) != 0))
		abort();
	if (ra == HL_OK && (a.content_len != b.content_len ||
	    memcmp(a.content, b.content, a.content_len) != 0 || a.precedence != b.precedence ||
	    a.nto != b.nto || a.flags != b.flags || a.ttl_s != b.ttl_s))
		abort();
	if (ra == HL_OK) {
		hl_apijson_send_clear(&a);
		hl_apijson_send_clear(&b);
	}
}

static int
same_label(const struct hl_label *a, const struct hl_label *b)
{
	unsigned k;

	if (a->classification != b->classification || a->tlp != b->tlp || a->nrel != b->nrel ||
	    strcmp(a->policy, b->policy) != 0)
		return 0;
	for (k = 0; k < a->nrel && k < HL_RELEASABLE_MAX; k++)
		if (strcmp(a->rel[k], b->rel[k]) != 0)
			return 0;
	return 1;
}

/* The batch body: nothing kept on failure, an item at fault named in the
 * error; what is accepted is JSON of the shape {"envelopes": [objects]}
 * with as many items, and each item is what the single endpoint's parser
 * (and its track check) makes of that item on its own. */
static void
batch_check(const uint8_t *p, size_t n, const struct hl_policy *pol)
{
	struct hl_api_batch b;
	struct hl_api_send one;
	json_t *o = NULL, *arr, *it;
	char err[320], e1[256], *txt;
	size_t i;
	int r;

	r = hl_apijson_parse_batch(p, n, pol, &b, err, sizeof(err));
	if (r != HL_OK) {
		if (b.item != NULL || b.n != 0 || err[0] == '\0' || strchr(err, '\n') != NULL)
			abort();
		if (b.bad != HL_API_BATCH_NONE && (b.bad >= HL_API_BATCH_MAX ||
		    strncmp(err, "envelopes[", 10) != 0))
			abort();
		return;
	}
	if (b.n < 1 || b.n > HL_API_BATCH_MAX)
		abort();
	o = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, NULL);
	if (o == NULL || !json_is_object(o) || json_object_size(o) != 1 ||
	    !json_is_array(arr = json_object_get(o, "envelopes")) || json_array_size(arr) != b.n)
		abort();
	json_array_foreach(arr, i, it) {
		if ((txt = json_dumps(it, JSON_COMPACT)) == NULL)
			abort();
		if (hl_apijson_parse_send((const uint8_t *)txt, strlen(txt), pol, &one, e1,
		    sizeof(e1)) != HL_OK || hl_apijson_send_track(&one, e1, sizeof(e1)) != HL_OK)
			abort();
		if (one.content_len != b.item[i].content_len || memcmp(one.content,
		    b.item[i].content, one.content_len) != 0 || one.nto != b.item[i].nto ||
		    one.to_all != b.item[i].to_all || one.precedence != b.item[i].precedence ||
		    one.flags != b.item[i].flags || one.ttl_s != b.item[i].ttl_s ||
		    one.content_type != b.item[i].content_type || !same_label(&one.label,
		    &b.item[i].label))
			abort();
		hl_apijson_send_clear(&one);
		hl_free(txt);
	}
	json_decref(o);
	hl_apijson_batch_clear(&b);
}

/* An upload: the content handed over is what comes back, untouched, or
 * it is freed with a one-line error. */
static void
upload_check(const uint8_t *p, size_t n, const struct hl_policy *pol)
{
	const uint8_t *nl = memchr(p, '\n', n);
	struct hl_api_send s;
	char err[256], *q;
	uint8_t *body;
	size_t qlen = nl != NULL ? (size_t)(nl - p) : n, blen = nl != NULL ? n - qlen - 1 : 0;
	int r;

	if ((q = cstr(p, qlen)) == NULL)
		return;
	if ((body = hl_malloc(blen + 1)) == NULL) {
		hl_free(q);
		return;
	}
	if (blen > 0)
		memcpy(body, nl + 1, blen);
	r = hl_apijson_parse_upload(q, blen > 0 ? body : NULL, blen, pol, &s, err, sizeof(err));
	if (blen == 0)
		hl_free(body);   /* not handed over: NULL was */
	if (r != HL_OK) {
		if (err[0] == '\0' || strchr(err, '\n') != NULL || s.content != NULL)
			abort();
	} else {
		if (s.content_len != blen || memcmp(s.content, nl + 1, blen) != 0 ||
		    (s.nto == 0) == (s.to_all == 0))
			abort();
		hl_apijson_send_clear(&s);
	}
	hl_free(q);
}

/* A track batch: what goes is the accepted records, each one a valid
 * canonical record on its own line; a result per update. */
static void
tracks_check(const uint8_t *p, size_t n, const struct hl_policy *pol)
{
	struct hl_api_send s;
	struct hl_track t;
	json_t *res = NULL;
	const uint8_t *line;
	size_t acc = 0, off = 0, len, lines = 0;
	char err[256];
	int r;

	r = hl_apijson_parse_tracks(p, n, pol, &s, &res, &acc, err, sizeof(err));
	if (r != HL_OK) {
		if (err[0] == '\0' || strchr(err, '\n') != NULL || s.content != NULL)
			abort();
		json_decref(res);
		return;
	}
	if (s.content_type != HL_CT_TRACKS || acc == 0 || acc > HL_TRACKS_BATCH_MAX ||
	    !json_is_array(res) || json_array_size(res) < acc)
		abort();
	while (hl_track_batch_next(s.content, s.content_len, &off, &line, &len)) {
		if (hl_track_parse(line, len, &t, NULL, 0) != HL_OK)
			abort();
		lines++;
	}
	if (lines != acc)
		abort();
	json_decref(res);
	hl_apijson_send_clear(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hl_policy pol;
	static int init;
	struct hl_api_query q;
	uint8_t id[HL_ID_BYTES], *out = NULL;
	char err[256], user[HL_OPERATOR_MAX + 1], pass[HL_API_PASSWORD_MAX + 1], *str;
	size_t outlen;

	if (!init) {
		hl_apijson_init();
		hl_policy_default(&pol);
		init = 1;
	}
	if (size < 1)
		return 0;
	switch (data[0] % 9) {
	case 0:
		send_both(data + 1, size - 1, &pol);
		break;
	case 1:
		if ((str = cstr(data + 1, size - 1)) != NULL) {
			(void)hl_apijson_parse_query(str, HL_QUERY_LIMIT | HL_QUERY_EXERCISE, &q, err,
			    sizeof(err));
			hl_free(str);
		}
		break;
	case 2:
		if ((str = cstr(data + 1, size - 1)) != NULL) {
			if (hl_hex_parse_id(str, id) == HL_OK && strlen(str) != HL_API_ID_HEX)
				abort();
			hl_free(str);
		}
		break;
	case 3:
		if ((str = cstr(data + 1, size - 1)) != NULL) {
			(void)hl_apijson_parse_basic(str, user, pass);
			hl_free(str);
		}
		break;
	case 4:
		if (hl_apijson_b64_decode((const char *)data + 1, size - 1, 1u << 20, &out,
		    &outlen) == HL_OK)
			hl_free_secret(out, outlen);
		break;
	case 5:
		(void)hl_apijson_parse_empty(data + 1, size - 1, err, sizeof(err));
		break;
	case 6:
		batch_check(data + 1, size - 1, &pol);
		break;
	case 7:
		upload_check(data + 1, size - 1, &pol);
		break;
	default:
		tracks_check(data + 1, size - 1, &pol);
		break;
	}
	return 0;
}
