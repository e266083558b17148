/* taxiic.c: TAXII 2.1 client. Parsers first (pure, bounded), then the
 * requests, through the one HTTPS client (httpc.c) with the TAXII media
 * type in Accept and Content-Type. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "alloc.h"
#include "apijson.h"
#include "buf.h"
#include "httpc.h"
#include "stix.h"
#include "taxiic.h"

/* ---- parsers ---- */

static int
load(const uint8_t *p, size_t len, const char *what, json_t **out, char *err, size_t errlen)
{
	char e[200];
	int r;

	*out = NULL;
	if (p == NULL || len == 0) {
		hl_set_err(err, errlen, "%s: empty response", what);
		return HL_ERR_MALFORMED;
	}
	if ((r = hl_apijson_load_object(p, len, HL_TAXIIC_BODY_MAX, out, e, sizeof(e))) != HL_OK)
		hl_set_err(err, errlen, "%s: %s", what, e);
	return r;
}

/* An optional string member: absent is "", wrong type or too long is an error. */
static int
get_str(const json_t *o, const char *k, int required, char *out, size_t cap, const char *what,
    char *err, size_t errlen)
{
	json_t *v = json_object_get(o, k);
	size_t i, n;
	const char *s;

	out[0] = '\0';
	if (v == NULL) {
		if (!required)
			return HL_OK;
		hl_set_err(err, errlen, "%s: \"%s\" missing", what, k);
		return HL_ERR_MALFORMED;
	}
	if (!json_is_string(v)) {
		hl_set_err(err, errlen, "%s: \"%s\" is not a string", what, k);
		return HL_ERR_MALFORMED;
	}
	s = json_string_value(v);
	n = json_string_length(v);
	if (n >= cap) {
		hl_set_err(err, errlen, "%s: \"%s\" longer than %zu bytes", what, k, cap - 1);
		return HL_ERR_TOO_BIG;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			hl_set_err(err, errlen, "%s: \"%s\" holds a control character", what, k);
			return HL_ERR_MALFORMED;
		}
	memcpy(out, s, n);
	out[n] = '\0';
	return HL_OK;
}

static int
get_bool(const json_t *o, const char *k, int *out, const char *what, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, k);

	*out = 0;
	if (v == NULL)
		return HL_OK;
	if (!json_is_boolean(v)) {
		hl_set_err(err, errlen, "%s: \"%s\" is not a boolean", what, k);
		return HL_ERR_MALFORMED;
	}
	*out = json_is_true(v);
	return HL_OK;
}

static int
get_count(const json_t *o, const char *k, int required, uint64_t *out, const char *what,
    char *err, size_t errlen)
{
	json_t *v = json_object_get(o, k);

	*out = 0;
	if (v == NULL && !required)
		return HL_OK;
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		hl_set_err(err, errlen, "%s: \"%s\" is not a count", what, k);
		return HL_ERR_MALFORMED;
	}
	*out = (uint64_t)json_integer_value(v);
	return HL_OK;
}

static int
get_array(const json_t *o, const char *k, size_t max, json_t **out, const char *what,
    char *err, size_t errlen)
{
	json_t *v = json_object_get(o, k);

	*out = NULL;
	if (v == NULL)
		return HL_OK;
	if (!json_is_array(v)) {
		hl_set_err(err, errlen, "%s: \"%s\" is not an array", what, k);
		return HL_ERR_MALFORMED;
	}
	if (json_array_size(v) > max) {
		hl_set_err(err, errlen, "%s: more than %zu entries in \"%s\"", what, max, k);
		return HL_ERR_TOO_BIG;
	}
	*out = v;
	return HL_OK;
}

int
hl_taxiic_parse_discovery(const uint8_t *p, size_t len, struct hl_taxii_discovery *out,
    char *err, size_t errlen)
{
	json_t *o = NULL, *roots, *v;
	size_t i;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = load(p, len, "discovery", &o, err, errlen)) != HL_OK)
		return r;
	if ((r = get_str(o, "title", 1, out->title, sizeof(out->title), "discovery", err,
	    errlen)) != HL_OK ||
	    (r = get_str(o, "default", 0, out->def, sizeof(out->def), "discovery", err,
	    errlen)) != HL_OK ||
	    (r = get_array(o, "api_roots", HL_TAXIIC_ROOTS_MAX, &roots, "discovery", err,
	    errlen)) != HL_OK)
		goto out;
	json_array_foreach(roots, i, v) {
		if (!json_is_string(v) || json_string_length(v) > HL_TAXIIC_URL_MAX ||
		    json_string_length(v) == 0) {
			hl_set_err(err, errlen, "discovery: api_roots[%zu] is not a URL", i);
			r = HL_ERR_MALFORMED;
			goto out;
		}
		snprintf(out->roots[out->nroots++], HL_TAXIIC_URL_MAX + 1, "%s", json_string_value(v));
	}
	r = HL_OK;
out:
	if (r != HL_OK)
		memset(out, 0, sizeof(*out));
	json_decref(o);
	return r;
}

void
hl_taxiic_collections_clear(struct hl_taxii_collections *c)
{
	if (c == NULL)
		return;
	hl_free(c->c);
	c->c = NULL;
	c->n = 0;
}

int
hl_taxiic_parse_collections(const uint8_t *p, size_t len, struct hl_taxii_collections *out,
    char *err, size_t errlen)
{
	json_t *o = NULL, *arr, *v;
	char what[64];
	size_t i;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = load(p, len, "collections", &o, err, errlen)) != HL_OK)
		return r;
	if ((r = get_array(o, "collections", HL_TAXIIC_COLLECTIONS_MAX, &arr, "collections", err,
	    errlen)) != HL_OK)
		goto out;
	if (json_array_size(arr) > 0 &&
	    (out->c = hl_calloc(json_array_size(arr), sizeof(*out->c))) == NULL) {
		r = HL_ERR_NOMEM;
		hl_set_err(err, errlen, "out of memory");
		goto out;
	}
	json_array_foreach(arr, i, v) {
		struct hl_taxii_collection *c = &out->c[i];

		snprintf(what, sizeof(what), "collections[%zu]", i);
		if (!json_is_object(v)) {
			hl_set_err(err, errlen, "%s is not an object", what);
			r = HL_ERR_MALFORMED;
			goto out;
		}
		if ((r = get_str(v, "id", 1, c->id, sizeof(c->id), what, err, errlen)) != HL_OK ||
		    (r = get_str(v, "title", 1, c->title, sizeof(c->title), what, err,
		    errlen)) != HL_OK ||
		    (r = get_bool(v, "can_read", &c->can_read, what, err, errlen)) != HL_OK ||
		    (r = get_bool(v, "can_write", &c->can_write, what, err, errlen)) != HL_OK)
			goto out;
		if (c->id[0] == '\0' || strchr(c->id, '/') != NULL || strchr(c->id, '?') != NULL) {
			hl_set_err(err, errlen, "%s: bad id", what);
			r = HL_ERR_MALFORMED;
			goto out;
		}
		out->n++;
	}
	r = HL_OK;
out:
	if (r != HL_OK)
		hl_taxiic_collections_clear(out);
	json_decref(o);
	return r;
}

void
hl_taxiic_page_clear(struct hl_taxii_page *page)
{
	if (page == NULL)
		return;
	json_decref(page->objects);
	memset(page, 0, sizeof(*page));
}

int
hl_taxiic_parse_envelope(const uint8_t *p, size_t len, struct hl_taxii_page *page,
    char *err, size_t errlen)
{
	json_t *o = NULL, *arr, *v;
	size_t i;
	int r;

	memset(page, 0, sizeof(*page));
	if ((r = load(p, len, "envelope", &o, err, errlen)) != HL_OK)
		return r;
	if ((r = get_bool(o, "more", &page->more, "envelope", err, errlen)) != HL_OK ||
	    (r = get_str(o, "next", 0, page->next, sizeof(page->next), "envelope", err,
	    errlen)) != HL_OK ||
	    (r = get_array(o, "objects", HL_TAXIIC_OBJECTS_MAX, &arr, "envelope", err,
	    errlen)) != HL_OK)
		goto out;
	json_array_foreach(arr, i, v) {
		json_t *id = json_object_get(v, "id"), *ty = json_object_get(v, "type");

		if (!json_is_object(v) || !json_is_string(id) || !json_is_string(ty) ||
		    json_string_length(id) == 0 || json_string_length(id) > HL_TAXIIC_ID_MAX ||
		    json_string_length(ty) == 0 || json_string_length(ty) > HL_TAXIIC_ID_MAX) {
			hl_set_err(err, errlen, "envelope: objects[%zu] lacks a type or id", i);
			r = HL_ERR_MALFORMED;
			goto out;
		}
	}
	if ((page->objects = arr != NULL ? json_incref(arr) : json_array()) == NULL) {
		r = HL_ERR_NOMEM;
		hl_set_err(err, errlen, "out of memory");
		goto out;
	}
	r = HL_OK;
out:
	if (r != HL_OK)
		hl_taxiic_page_clear(page);
	json_decref(o);
	return r;
}

void
hl_taxiic_status_clear(struct hl_taxii_status *s)
{
	if (s == NULL)
		return;
	hl_free(s->fail);
	memset(s, 0, sizeof(*s));
}

int
hl_taxiic_parse_status(const uint8_t *p, size_t len, struct hl_taxii_status *out,
    char *err, size_t errlen)
{
	json_t *o = NULL, *arr, *v;
	char st[32], what[64];
	size_t i;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = load(p, len, "status", &o, err, errlen)) != HL_OK)
		return r;
	if ((r = get_str(o, "id", 1, out->id, sizeof(out->id), "status", err, errlen)) != HL_OK ||
	    (r = get_str(o, "status", 1, st, sizeof(st), "status", err, errlen)) != HL_OK ||
	    (r = get_count(o, "total_count", 1, &out->total, "status", err, errlen)) != HL_OK ||
	    (r = get_count(o, "success_count", 1, &out->success, "status", err,
	    errlen)) != HL_OK ||
	    (r = get_count(o, "failure_count", 1, &out->failure, "status", err,
	    errlen)) != HL_OK ||
	    (r = get_count(o, "pending_count", 1, &out->pending, "status", err,
	    errlen)) != HL_OK ||
	    (r = get_array(o, "failures", HL_TAXIIC_FAILURES_MAX, &arr, "status", err,
	    errlen)) != HL_OK)
		goto out;
	if (strcmp(st, "complete") != 0 && strcmp(st, "pending") != 0) {
		hl_set_err(err, errlen, "status: unknown status \"%s\"", st);
		r = HL_ERR_MALFORMED;
		goto out;
	}
	out->complete = strcmp(st, "complete") == 0;
	if (out->total > HL_TAXIIC_OBJECTS_MAX * 100ULL ||
	    out->success + out->failure + out->pending != out->total) {
		hl_set_err(err, errlen, "status: counts do not add up to total_count");
		r = HL_ERR_MALFORMED;
		goto out;
	}
	if (json_array_size(arr) > 0 &&
	    (out->fail = hl_calloc(json_array_size(arr), sizeof(*out->fail))) == NULL) {
		hl_set_err(err, errlen, "out of memory");
		r = HL_ERR_NOMEM;
		goto out;
	}
	json_array_foreach(arr, i, v) {
		snprintf(what, sizeof(what), "status failures[%zu]", i);
		if (!json_is_object(v)) {
			hl_set_err(err, errlen, "%s is not an object", what);
			r = HL_ERR_MALFORMED;
			goto out;
		}
		if ((r = get_str(v, "id", 1, out->fail[i].id, sizeof(out->fail[i].id), what, err,
		    errlen)) != HL_OK)
			goto out;
		/* a long message is cut, not refused: it is for display */
		if (json_is_string(json_object_get(v, "message"))) {
			const char *m = json_string_value(json_object_get(v, "message"));
			size_t k;

			snprintf(out->fail[i].message, sizeof(out->fail[i].message), "%s", m);
			for (k = 0; out->fail[i].message[k] != '\0'; k++)
				if ((unsigned char)out->fail[i].message[k] < 0x20 ||
				    out->fail[i].message[k] == 0x7f)
					out->fail[i].message[k] = ' ';
		}
		out->nfail++;
	}
	r = HL_OK;
out:
	if (r != HL_OK)
		hl_taxiic_status_clear(out);
	json_decref(o);
	return r;
}

void
hl_taxiic_error_text(const uint8_t *p, size_t len, char *out, size_t cap)
{
	json_t *o = NULL;
	const char *t, *d;
	char e[8];

	if (cap == 0)
		return;
	out[0] = '\0';
	if (len == 0 || len > 64 * 1024 ||
	    hl_apijson_load_object(p, len, 64 * 1024, &o, e, sizeof(e)) != HL_OK)
		return;
	t = json_is_string(json_object_get(o, "title")) ?
	    json_string_value(json_object_get(o, "title")) : NULL;
	d = json_is_string(json_object_get(o, "description")) ?
	    json_string_value(json_object_get(o, "description")) : NULL;
	if (t == NULL && json_is_string(json_object_get(o, "message")))
		t = json_string_value(json_object_get(o, "message"));
	if (d != NULL && d[0] == '\0')
		d = NULL;
	if (t != NULL)
		hl_set_err(out, cap, "%s%s%s", t, d != NULL ? ": " : "", d != NULL ? d : "");
	json_decref(o);
}

int
hl_taxiic_parse_url(const char *url, char host[HL_HOST_MAX + 1], uint16_t *port,
    char path[HL_TAXIIC_URL_MAX + 1])
{
	const char *h, *hend, *pstart, *colon = NULL;
	char num[8];
	size_t hl, pl, i;
	unsigned long v;
	char *end;

	host[0] = '\0';
	path[0] = '\0';
	*port = 443;
	if (strncmp(url, "https://", 8) != 0)
		return HL_ERR_INVALID;
	h = url + 8;
	pstart = strchr(h, '/');
	if (pstart == NULL)
		pstart = h + strlen(h);
	if (h[0] == '[') {
		if ((hend = memchr(h, ']', (size_t)(pstart - h))) == NULL)
			return HL_ERR_INVALID;
		if (hend + 1 < pstart) {
			if (hend[1] != ':')
				return HL_ERR_INVALID;
			colon = hend + 1;
		}
		h++;
	} else {
		colon = memchr(h, ':', (size_t)(pstart - h));
		hend = colon != NULL ? colon : pstart;
	}
	hl = (size_t)(hend - h);
	if (hl == 0 || hl > HL_HOST_MAX)
		return HL_ERR_INVALID;
	for (i = 0; i < hl; i++)
		if ((unsigned char)h[i] <= 0x20 || h[i] == 0x7f || h[i] == '@')
			return HL_ERR_INVALID;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (colon != NULL) {
		size_t cl = (size_t)(pstart - colon - 1);

		if (cl == 0 || cl >= sizeof(num))
			goto bad;
		memcpy(num, colon + 1, cl);
		num[cl] = '\0';
		if (num[0] < '0' || num[0] > '9')
			goto bad;
		v = strtoul(num, &end, 10);
		if (*end != '\0' || v == 0 || v > 65535)
			goto bad;
		*port = (uint16_t)v;
	}
	pl = strlen(pstart);
	if (pl + 2 > HL_TAXIIC_URL_MAX)
		goto bad;
	if (pl == 0) {
		snprintf(path, HL_TAXIIC_URL_MAX + 1, "/");
		return HL_OK;
	}
	for (i = 0; i < pl; i++)
		if ((unsigned char)pstart[i] <= 0x20 || pstart[i] == 0x7f || pstart[i] == '?' ||
		    pstart[i] == '#')
			goto bad;
	snprintf(path, HL_TAXIIC_URL_MAX + 1, "%s%s", pstart, pstart[pl - 1] == '/' ? "" : "/");
	return HL_OK;
bad:
	host[0] = '\0';
	path[0] = '\0';
	*port = 443;
	return HL_ERR_INVALID;
}

/* ---- the pager ---- */

/* Times are compared by hl_stix_time's sort key; "" is before everything.
 * Both were checked when they entered the pager. */
static int
ts_cmp(const char *a, const char *b)
{
	char ka[HL_STIX_TS_KEY], kb[HL_STIX_TS_KEY];

	if (a[0] == '\0' || b[0] == '\0')
		return (a[0] != '\0') - (b[0] != '\0');
	if (hl_stix_time(a, ka, NULL) != HL_OK || hl_stix_time(b, kb, NULL) != HL_OK)
		return strcmp(a, b);
	return strcmp(ka, kb);
}

static void
ts_set(char dst[HL_TAXIIC_TIME_MAX + 1], const char *t)
{
	snprintf(dst, HL_TAXIIC_TIME_MAX + 1, "%s", t);
}

/* dst = t when t is later */
static void
ts_max(char dst[HL_TAXIIC_TIME_MAX + 1], const char *t)
{
	if (ts_cmp(t, dst) > 0)
		ts_set(dst, t);
}

static void
seen_reset(struct hl_taxii_pager *pg)
{
	if (pg->seen != NULL)
		memset(pg->seen, 0, pg->seencap * sizeof(*pg->seen));
	pg->nseen = 0;
}

/* The first 8 bytes of SHA-256(id NUL version), never 0 (the empty slot). */
static int
seen_hash(const json_t *o, uint64_t *h)
{
	const char *id = json_string_value(json_object_get(o, "id"));
	const char *ver = json_string_value(json_object_get(o, "modified"));
	unsigned char md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *c;
	unsigned i, mdlen = 0;
	int ok;

	if (ver == NULL)
		ver = json_string_value(json_object_get(o, "created"));
	if (ver == NULL)
		ver = "";
	if ((c = EVP_MD_CTX_new()) == NULL)
		return HL_ERR_NOMEM;
	ok = EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(c, id, strlen(id) + 1) == 1 &&
	    EVP_DigestUpdate(c, ver, strlen(ver)) == 1 && EVP_DigestFinal_ex(c, md, &mdlen) == 1;
	EVP_MD_CTX_free(c);
	if (!ok || mdlen < 8) {
		ERR_clear_error();
		return HL_ERR_CRYPTO;
	}
	*h = 0;
	for (i = 0; i < 8; i++)
		*h = *h << 8 | md[i];
	if (*h == 0)
		*h = 1;
	return HL_OK;
}

static void
seen_put(uint64_t *tab, size_t cap, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (tab[i] != 0 && tab[i] != h)
		i = (i + 1) & (cap - 1);
	tab[i] = h;
}

/* OUT: *dup = 1 when h was seen in this sequence; else it is remembered
 * (while there is room: past HL_TAXIIC_PAGER_SEEN_MAX only looked up). */
static int
seen_add(struct hl_taxii_pager *pg, uint64_t h, int *dup)
{
	uint64_t *tab;
	size_t i, cap;

	*dup = 0;
	if (pg->seen != NULL) {
		for (i = (size_t)h & (pg->seencap - 1); pg->seen[i] != 0;
		    i = (i + 1) & (pg->seencap - 1))
			if (pg->seen[i] == h) {
				*dup = 1;
				return HL_OK;
			}
	}
	if (pg->nseen >= HL_TAXIIC_PAGER_SEEN_MAX)
		return HL_OK;
	if ((pg->nseen + 1) * 2 > pg->seencap) {
		cap = pg->seencap == 0 ? 1024 : pg->seencap * 2;
		if ((tab = hl_calloc(cap, sizeof(*tab))) == NULL)
			return HL_ERR_NOMEM;
		for (i = 0; i < pg->seencap; i++)
			if (pg->seen[i] != 0)
				seen_put(tab, cap, pg->seen[i]);
		hl_free(pg->seen);
		pg->seen = tab;
		pg->seencap = cap;
	}
	seen_put(pg->seen, pg->seencap, h);
	pg->nseen++;
	return HL_OK;
}

/* A new page sequence from the position (no next). */
static void
new_sequence(struct hl_taxii_pager *pg)
{
	ts_set(pg->after, pg->pos);
	ts_set(pg->last, pg->pos);
	ts_set(pg->safe, pg->pos);
	pg->next[0] = '\0';
	seen_reset(pg);
	pg->sequences++;
}

int
hl_taxiic_pager_start(struct hl_taxii_pager *pg, const char *pos, unsigned pages_max)
{
	char key[HL_STIX_TS_KEY];

	memset(pg, 0, sizeof(*pg));
	pg->pages_max = pages_max > 0 ? pages_max : 1;
	if (pos != NULL && pos[0] != '\0') {
		if (strlen(pos) > HL_TAXIIC_TIME_MAX || hl_stix_time(pos, key, NULL) != HL_OK) {
			hl_set_err(pg->error, sizeof(pg->error), "the kept position \"%.40s\" is not an "
			    "RFC 3339 time", pos);
			return HL_ERR_MALFORMED;
		}
		ts_set(pg->pos, pos);
	}
	new_sequence(pg);
	return HL_OK;
}

void
hl_taxiic_pager_clear(struct hl_taxii_pager *pg)
{
	if (pg == NULL)
		return;
	hl_free(pg->seen);
	memset(pg, 0, sizeof(*pg));
}

void
hl_taxiic_pager_request(const struct hl_taxii_pager *pg, const char **added_after,
    const char **next)
{
	*added_after = pg->after;
	*next = pg->next;
}

static void
note(struct hl_taxii_pager *pg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
note(struct hl_taxii_pager *pg, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(pg->note, sizeof(pg->note), fmt, ap);
	va_end(ap);
	for (i = 0; pg->note[i] != '\0'; i++)
		if ((unsigned char)pg->note[i] < 0x20 || pg->note[i] == 0x7f)
			pg->note[i] = ' ';
}

/* A page header: "" or an RFC 3339 time. */
static int
header_time(struct hl_taxii_pager *pg, const char *name, const char *v)
{
	char key[HL_STIX_TS_KEY];

	if (v[0] == '\0' || hl_stix_time(v, key, NULL) == HL_OK)
		return HL_OK;
	hl_set_err(pg->error, sizeof(pg->error), "%s \"%.40s\" is not an RFC 3339 time", name, v);
	return HL_ERR_MALFORMED;
}

int
hl_taxiic_pager_page(struct hl_taxii_pager *pg, const struct hl_taxii_page *page,
    enum hl_taxii_pager_step *step)
{
	const char *first = page->date_added_first, *lastp = page->date_added_last, *why;
	size_t i, n = json_array_size(page->objects), fresh = 0;
	int following = pg->next[0] != '\0', repeat, dup, r;
	uint64_t h;

	*step = HL_TAXII_PAGER_FAILED;
	pg->pages++;
	if (header_time(pg, "X-TAXII-Date-Added-First", first) != HL_OK ||
	    header_time(pg, "X-TAXII-Date-Added-Last", lastp) != HL_OK)
		return HL_OK;
	if (n > 0 && (first[0] == '\0' || lastp[0] == '\0')) {
		if (!pg->no_position)
			note(pg, "the server sends no X-TAXII-Date-Added-First/Last: every round "
			    "asks for the whole collection again");
		pg->no_position = 1;
	}
	for (i = 0; i < n; i++) {
		if ((r = seen_hash(json_array_get(page->objects, i), &h)) != HL_OK ||
		    (r = seen_add(pg, h, &dup)) != HL_OK)
			return r;
		if (dup)
			pg->repeated++;
		else
			fresh++;
	}
	pg->fetched += n;
	/* next answered with nothing new: the server ignores or repeats next
	 * (an empty page without more is a plain end) */
	repeat = following && fresh == 0 && (n > 0 || page->more);
	if (repeat && !pg->no_next) {
		pg->no_next = 1;
		note(pg, "the server answered next with %s (it ignores or repeats next); "
		    "paging by added_after instead", n > 0 ? "objects it had sent already" :
		    "an empty page");
	}
	if (n > 0 && !pg->no_position && !repeat) {
		/* a page is in date_added order and not before the page before it (nor
		 * before added_after; equal is let through for servers whose headers
		 * are coarser than their date_added) */
		if (ts_cmp(first, lastp) > 0 || ts_cmp(first, pg->last) < 0) {
			hl_set_err(pg->error, sizeof(pg->error), "the server's pages are not in "
			    "date_added order (added_after %s, the page before ended at %s, this one "
			    "spans %s to %s)", pg->after[0] != '\0' ? pg->after : "(none)",
			    pg->last[0] != '\0' ? pg->last : "(none)", first, lastp);
			return HL_OK;
		}
		/* Objects of one date_added may go on to the next page, so lastp is not
		 * known complete before the sequence ends; what lies before it is. */
		if (ts_cmp(first, lastp) < 0)
			ts_max(pg->safe, first);
		else if (ts_cmp(pg->last, lastp) < 0)
			ts_max(pg->safe, pg->last);
		ts_set(pg->last, lastp);
	}
	if (!page->more && !repeat) {
		/* the sequence is complete: everything up to its newest date_added */
		if (!pg->no_position)
			ts_max(pg->pos, pg->last);
		*step = HL_TAXII_PAGER_DONE;
		return HL_OK;
	}
	if (!pg->no_position)
		ts_max(pg->pos, pg->safe);
	if (!page->more) {
		*step = HL_TAXII_PAGER_DONE;
		return HL_OK;
	}
	if (pg->pages >= pg->pages_max) {
		note(pg, "stopped after %u pages; the next round goes on from %s", pg->pages,
		    pg->pos[0] != '\0' ? pg->pos : "the start");
		*step = HL_TAXII_PAGER_DONE;
		return HL_OK;
	}
	if (page->next[0] != '\0' && !pg->no_next) {
		snprintf(pg->next, sizeof(pg->next), "%s", page->next);
		*step = HL_TAXII_PAGER_ASK;
		return HL_OK;
	}
	/* no next to follow: a new sequence from the newest complete date_added */
	why = pg->no_next ? "ignores or repeats next" : "says more without a next";
	if (page->next[0] == '\0' && pg->note[0] == '\0')
		note(pg, "the server says more without a next; paging by added_after instead");
	if (pg->no_position) {
		hl_set_err(pg->error, sizeof(pg->error), "the server %s and sends no "
		    "X-TAXII-Date-Added-Last: cannot page further", why);
		return HL_OK;
	}
	if (n == 0) {
		hl_set_err(pg->error, sizeof(pg->error), "the server %s and sends an empty page with "
		    "more: cannot page further", why);
		return HL_OK;
	}
	if (ts_cmp(pg->safe, pg->after) <= 0) {
		hl_set_err(pg->error, sizeof(pg->error), "the server %s, and the %zu objects of its "
		    "page all have date_added %s: cannot page past them (more objects share it "
		    "than fit on one of its pages)", why, n, lastp);
		return HL_OK;
	}
	new_sequence(pg);
	*step = HL_TAXII_PAGER_ASK;
	return HL_OK;
}

enum hl_taxii_pager_step
hl_taxiic_pager_refused(struct hl_taxii_pager *pg, int http_status, const char *text)
{
	if (pg->next[0] != '\0' && (http_status == 400 || http_status == 404) &&
	    pg->retries < HL_TAXIIC_PAGER_RETRIES_MAX) {
		/* an expired or refused token: start again from the position; a
		 * retry that moved the position does not count against the next */
		if (ts_cmp(pg->pos, pg->after) > 0)
			pg->retries = 0;
		pg->retries++;
		note(pg, "the server refused a next token (HTTP %d%s%.160s); asking again from "
		    "added_after=%s", http_status, text[0] != '\0' ? ": " : "", text,
		    pg->pos[0] != '\0' ? pg->pos : "(none)");
		new_sequence(pg);
		return HL_TAXII_PAGER_ASK;
	}
	hl_set_err(pg->error, sizeof(pg->error), "HTTP %d%s%.200s%s", http_status,
	    text[0] != '\0' ? ": " : "", text, pg->next[0] != '\0' ? " (to a next token, "
	    "again)" : "");
	return HL_TAXII_PAGER_FAILED;
}

/* ---- requests (httpc.c) ---- */

int
hl_taxiic_request(const struct hl_httpc *c, const char *method, const char *path,
    const uint8_t *body, size_t body_len, const char *accept, int *status, uint8_t **rbody,
    size_t *blen, char **head, char *err, size_t errlen)
{
	struct hl_httpc_req rq;
	struct hl_http_resp hr;
	uint8_t *raw = NULL, *b = NULL;
	int r;

	*status = 0;
	*rbody = NULL;
	*blen = 0;
	if (head != NULL)
		*head = NULL;
	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.path = path;
	rq.accept = accept != NULL ? accept : HL_TAXIIC_MEDIA;
	rq.content_type = HL_TAXIIC_MEDIA;
	rq.body = body;
	rq.body_len = body_len;
	rq.body_max = HL_TAXIIC_BODY_MAX;
	if ((r = hl_httpc_request(c, &rq, &hr, &raw, err, errlen)) != HL_OK)
		return r;
	r = HL_ERR_NOMEM;
	if ((b = hl_malloc(hr.body_len + 1)) == NULL) {
		hl_set_err(err, errlen, "out of memory");
		goto out;
	}
	if (hr.body_len > 0)
		memcpy(b, hr.body, hr.body_len);
	b[hr.body_len] = '\0';
	if (head != NULL) {
		if ((*head = hl_malloc(hr.head_len + 1)) == NULL) {
			hl_set_err(err, errlen, "out of memory");
			goto out;
		}
		memcpy(*head, hr.head, hr.head_len);
		(*head)[hr.head_len] = '\0';
	}
	*status = hr.status;
	*rbody = b;
	*blen = hr.body_len;
	b = NULL;
	r = HL_OK;
out:
	hl_free(b);
	hl_free(raw);
	return r;
}

/* A non-2xx answer as one line; returns the error code for it. */
static int
http_fail(const char *what, int status, const uint8_t *body, size_t blen, char *err,
    size_t errlen)
{
	char t[300];

	hl_taxiic_error_text(body, blen, t, sizeof(t));
	hl_set_err(err, errlen, "%s: HTTP %d%s%s", what, status, t[0] != '\0' ? " " : "", t);
	if (status == 401)
		return HL_ERR_AUTH;
	if (status == 403)
		return HL_ERR_DENIED;
	if (status == 404)
		return HL_ERR_NOT_FOUND;
	if (status == 413)
		return HL_ERR_TOO_BIG;
	return HL_ERR_MALFORMED;
}

int
hl_taxiic_discovery(const struct hl_httpc *c, const char *path, struct hl_taxii_discovery *out,
    char *err, size_t errlen)
{
	uint8_t *b = NULL;
	size_t bl;
	int st, r;

	memset(out, 0, sizeof(*out));
	if ((r = hl_taxiic_request(c, "GET", path, NULL, 0, NULL, &st, &b, &bl, NULL, err,
	    errlen)) != HL_OK)
		return r;
	r = st == 200 ? hl_taxiic_parse_discovery(b, bl, out, err, errlen) :
	    http_fail("discovery", st, b, bl, err, errlen);
	hl_free(b);
	return r;
}

int
hl_taxiic_collections(const struct hl_httpc *c, const char *root,
    struct hl_taxii_collections *out, char *err, size_t errlen)
{
	char path[HL_TAXIIC_URL_MAX + 32];
	uint8_t *b = NULL;
	size_t bl;
	int st, r;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%scollections/", root);
	if ((r = hl_taxiic_request(c, "GET", path, NULL, 0, NULL, &st, &b, &bl, NULL, err,
	    errlen)) != HL_OK)
		return r;
	r = st == 200 ? hl_taxiic_parse_collections(b, bl, out, err, errlen) :
	    http_fail("collections", st, b, bl, err, errlen);
	hl_free(b);
	return r;
}

/* percent-encode a query value */
static void
put_query(struct hl_buf *q, int first, const char *k, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3];

	hl_buf_put(q, first ? "?" : "&", 1);
	hl_buf_put(q, k, strlen(k));
	hl_buf_put(q, "=", 1);
	for (; *v != '\0'; v++) {
		unsigned char ch = (unsigned char)*v;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '.' || ch == '_' || ch == '~' || ch == ':') {
			hl_buf_put(q, v, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[ch >> 4];
		e[2] = hex[ch & 15];
		hl_buf_put(q, e, 3);
	}
}

int
hl_taxiic_objects_path(const char *objects_path, const char *added_after, unsigned limit,
    const char *next, char **out)
{
	struct hl_buf q;
	char num[16];
	size_t len = 0;
	int first = 1, r;

	*out = NULL;
	hl_buf_init(&q, strlen(objects_path) + 3 * (HL_TAXIIC_TIME_MAX + HL_TAXIIC_NEXT_MAX) + 64);
	hl_buf_put(&q, objects_path, strlen(objects_path));
	if (added_after != NULL && added_after[0] != '\0') {
		put_query(&q, first, "added_after", added_after);
		first = 0;
	}
	if (limit > 0) {
		snprintf(num, sizeof(num), "%u", limit);
		put_query(&q, first, "limit", num);
		first = 0;
	}
	if (next != NULL && next[0] != '\0')
		put_query(&q, first, "next", next);
	hl_buf_put(&q, "", 1);
	if ((r = hl_buf_error(&q)) == HL_OK)
		*out = (char *)hl_buf_steal(&q, &len);
	hl_buf_free(&q);
	return r;
}

void
hl_taxiic_page_headers(const uint8_t *head, size_t len, struct hl_taxii_page *page)
{
	if (hl_httpc_header(head, len, "X-TAXII-Date-Added-First", page->date_added_first,
	    sizeof(page->date_added_first)) != HL_OK)
		page->date_added_first[0] = '\0';
	if (hl_httpc_header(head, len, "X-TAXII-Date-Added-Last", page->date_added_last,
	    sizeof(page->date_added_last)) != HL_OK)
		page->date_added_last[0] = '\0';
}

int
hl_taxiic_get_objects(const struct hl_httpc *c, const char *objects_path,
    const char *added_after, unsigned limit, const char *next, struct hl_taxii_page *page,
    char *err, size_t errlen)
{
	char *path = NULL, *head = NULL;
	uint8_t *b = NULL;
	size_t bl;
	int st, r;

	memset(page, 0, sizeof(*page));
	if ((r = hl_taxiic_objects_path(objects_path, added_after, limit, next, &path)) != HL_OK) {
		hl_set_err(err, errlen, "objects: request path too long");
		goto out;
	}
	if ((r = hl_taxiic_request(c, "GET", path, NULL, 0, NULL, &st, &b, &bl, &head, err,
	    errlen)) != HL_OK)
		goto out;
	if (st != 200) {
		r = http_fail("objects", st, b, bl, err, errlen);
		goto out;
	}
	if ((r = hl_taxiic_parse_envelope(b, bl, page, err, errlen)) != HL_OK)
		goto out;
	hl_taxiic_page_headers((const uint8_t *)head, strlen(head), page);
	r = HL_OK;
out:
	hl_free(path);
	hl_free(head);
	hl_free(b);
	return r;
}

int
hl_taxiic_post_objects(const struct hl_httpc *c, const char *objects_path,
    const json_t *objects, struct hl_taxii_status *stt, char *err, size_t errlen)
{
	json_t *env = NULL;
	char *body = NULL;
	uint8_t *b = NULL;
	size_t bl;
	int st, r = HL_ERR_NOMEM;

	memset(stt, 0, sizeof(*stt));
	if ((env = json_object()) == NULL ||
	    json_object_set(env, "objects", (json_t *)objects) != 0 ||
	    (body = json_dumps(env, JSON_COMPACT)) == NULL) {
		hl_set_err(err, errlen, "out of memory");
		goto out;
	}
	if ((r = hl_taxiic_request(c, "POST", objects_path, (const uint8_t *)body, strlen(body),
	    NULL, &st, &b, &bl, NULL, err, errlen)) != HL_OK)
		goto out;
	if (st != 202 && st != 200 && st != 201) {
		r = http_fail("add objects", st, b, bl, err, errlen);
		goto out;
	}
	r = hl_taxiic_parse_status(b, bl, stt, err, errlen);
out:
	hl_free(body);
	hl_free(b);
	json_decref(env);
	return r;
}

int
hl_taxiic_get_status(const struct hl_httpc *c, const char *root, const char *id,
    struct hl_taxii_status *stt, char *err, size_t errlen)
{
	char path[HL_TAXIIC_URL_MAX + HL_TAXIIC_ID_MAX + 32];
	uint8_t *b = NULL;
	size_t bl;
	int st, r;

	memset(stt, 0, sizeof(*stt));
	if (strpbrk(id, "/?#% \r\n") != NULL) {
		hl_set_err(err, errlen, "status: bad id");
		return HL_ERR_INVALID;
	}
	snprintf(path, sizeof(path), "%sstatus/%s/", root, id);
	if ((r = hl_taxiic_request(c, "GET", path, NULL, 0, NULL, &st, &b, &bl, NULL, err,
	    errlen)) != HL_OK)
		return r;
	r = st == 200 ? hl_taxiic_parse_status(b, bl, stt, err, errlen) :
	    http_fail("status", st, b, bl, err, errlen);
	hl_free(b);
	return r;
}
