/* misp.c: MISP event JSON -> STIX 2.1 bundle (see misp.h for the mapping).
 * Pure: bytes in, a jansson tree out. Every value from the event is checked
 * before it reaches a pattern; a value that does not fit its type skips
 * that attribute with a reason, never the whole event. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#include "alloc.h"
#include "apijson.h"
#include "buf.h"
#include "misp.h"

/* hotline's namespace for MISP-derived ids (a fixed random UUID) */
static const uint8_t misp_ns[16] = {
	0x6d, 0x0a, 0x4c, 0x9e, 0x5a, 0x3b, 0x4f, 0x1e,
	0x9c, 0x2d, 0x8b, 0x7a, 0x6e, 0x5f, 0x4d, 0x3c,
};
/* STIX 2.1 namespace for cyber-observable ids (STIX 2.1 section 2.9) */
static const uint8_t sco_ns[16] = {
	0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
	0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7,
};

static const struct {
	const char *tag;
	const char *name;
	const char *id;
} tlps[] = {
	{ "tlp:white", "clear", "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487" },
	{ "tlp:clear", "clear", "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487" },
	{ "tlp:green", "green", "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb" },
	{ "tlp:amber", "amber", "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421" },
	{ "tlp:amber+strict", "amber+strict",
	  "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003" },
	{ "tlp:red", "red", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1" },
};

#define TERMS_MAX HL_MISP_OBJ_ATTRS_MAX

/* One comparison: [ptype:ppath = 'value'], and the SCO it describes
 * (stype/sprop, NULL when no SCO fits). */
struct term {
	const char *ptype, *ppath;
	const char *stype, *sprop;
	int numeric;
	char *value;                    /* owned */
};

struct conv {
	struct hl_misp_summary *sum;
	json_t *objects;                /* the bundle's objects */
	json_t *seen;                   /* ids already emitted */
	json_t *refs;                   /* the report's object_refs */
	json_t *ext_refs;               /* the report's external_references */
	json_t *labels;                 /* the report's labels */
	json_t *event_marks;            /* object_marking_refs of the event */
	char report_id[64];
	char creator[64];               /* identity id or "" */
	char event_time[32];
	int64_t event_ts;
	unsigned nattrs;
};

static void
set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
hl_misp_uuid5(const uint8_t ns[static 16], const char *name, size_t len, char out[static 37])
{
	EVP_MD_CTX *md = NULL;
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned hl = 0;
	int r = HL_ERR_CRYPTO;

	out[0] = '\0';
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha1(), NULL) != 1 ||
	    EVP_DigestUpdate(md, ns, 16) != 1 ||
	    EVP_DigestUpdate(md, name, len) != 1 ||
	    EVP_DigestFinal_ex(md, h, &hl) != 1 || hl < 16)
		goto out;
	h[6] = (uint8_t)((h[6] & 0x0f) | 0x50);
	h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7],
	    h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]);
	r = HL_OK;
out:
	EVP_MD_CTX_free(md);
	return r;
}

/* "type--uuid5(misp_ns, type:key)" into out[64]. */
static int
make_id(const char *type, const char *key, char out[64])
{
	char name[512], u[37];
	int n;

	n = snprintf(name, sizeof(name), "%s:%s", type, key);
	if (n < 0 || (size_t)n >= sizeof(name))
		return HL_ERR_TOO_BIG;
	if (hl_misp_uuid5(misp_ns, name, (size_t)n, u) != HL_OK)
		return HL_ERR_CRYPTO;
	snprintf(out, 64, "%s--%s", type, u);
	return HL_OK;
}

static int
is_uuid(const char *s)
{
	size_t i;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (strchr("0123456789abcdefABCDEF", s[i]) == NULL) {
			return 0;
		}
	}
	return 1;
}

static void
stat_add(struct hl_misp_stat *t, unsigned *n, const char *name)
{
	unsigned i;

	for (i = 0; i < *n; i++)
		if (strcmp(t[i].name, name) == 0) {
			t[i].n++;
			return;
		}
	if (*n >= HL_MISP_STAT_MAX) {
		/* the last slot collects the rest */
		snprintf(t[HL_MISP_STAT_MAX - 1].name, HL_MISP_NAME_MAX, "other");
		t[HL_MISP_STAT_MAX - 1].n++;
		return;
	}
	snprintf(t[*n].name, HL_MISP_NAME_MAX, "%s", name);
	t[*n].n = 1;
	(*n)++;
}

unsigned
hl_misp_stat_get(const struct hl_misp_stat *t, unsigned n, const char *name)
{
	unsigned i;

	for (i = 0; i < n && i < HL_MISP_STAT_MAX; i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].n;
	return 0;
}

/* copy without control characters */
static void
clean_copy(char *dst, size_t cap, const char *src)
{
	size_t i;

	snprintf(dst, cap, "%s", src);
	for (i = 0; dst[i] != '\0'; i++)
		if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
			dst[i] = ' ';
}

static void
skip_attr(struct conv *c, const char *uuid, const char *type, const char *reason)
{
	struct hl_misp_summary *s = c->sum;

	s->skipped++;
	stat_add(s->reasons, &s->nreasons, reason);
	if (s->nskip < HL_MISP_SKIP_DETAIL_MAX) {
		clean_copy(s->skip[s->nskip].uuid, sizeof(s->skip[0].uuid), uuid);
		clean_copy(s->skip[s->nskip].type, sizeof(s->skip[0].type), type);
		clean_copy(s->skip[s->nskip].reason, sizeof(s->skip[0].reason), reason);
		s->nskip++;
	}
}

static void
conv_attr(struct conv *c, const char *type)
{
	c->sum->converted++;
	stat_add(c->sum->conv, &c->sum->nconv, type);
}

static const char *
sget(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* MISP timestamps are decimal strings of epoch seconds (or integers). */
static int
get_ts(const json_t *o, const char *k, int64_t *out)
{
	json_t *v = json_object_get(o, k);
	const char *s;
	char *end;
	unsigned long long u;

	*out = 0;
	if (json_is_integer(v)) {
		if (json_integer_value(v) <= 0 || json_integer_value(v) > 253402300799LL)
			return HL_ERR_MALFORMED;
		*out = json_integer_value(v);
		return HL_OK;
	}
	if (!json_is_string(v))
		return HL_ERR_NOT_FOUND;
	s = json_string_value(v);
	if (s[0] < '0' || s[0] > '9' || strlen(s) > 12)
		return HL_ERR_MALFORMED;
	u = strtoull(s, &end, 10);
	if (*end != '\0' || u == 0 || u > 253402300799ULL)
		return HL_ERR_MALFORMED;
	*out = (int64_t)u;
	return HL_OK;
}

static int
fmt_time(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	out[0] = '\0';
	if (gmtime_r(&tt, &tm) == NULL)
		return HL_ERR_MALFORMED;
	if (strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &tm) == 0)
		return HL_ERR_MALFORMED;
	return HL_OK;
}

/* "YYYY-MM-DD" -> epoch seconds at midnight UTC */
static int
parse_date(const char *s, int64_t *out)
{
	struct tm tm;
	size_t i;

	*out = 0;
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return HL_ERR_MALFORMED;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return HL_ERR_MALFORMED;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0') - 1900;
	tm.tm_mon = (s[5] - '0') * 10 + (s[6] - '0') - 1;
	tm.tm_mday = (s[8] - '0') * 10 + (s[9] - '0');
	if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
		return HL_ERR_MALFORMED;
	*out = (int64_t)timegm(&tm);
	return *out > 0 ? HL_OK : HL_ERR_MALFORMED;
}

/* ---- value checks ---- */

static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int
ip_ok(const char *v)
{
	char a[64];
	const char *slash = strchr(v, '/');
	size_t al = slash != NULL ? (size_t)(slash - v) : strlen(v);
	unsigned char bin[16];
	char *end;
	unsigned long pfx;
	int fam;

	if (al == 0 || al >= sizeof(a))
		return 0;
	memcpy(a, v, al);
	a[al] = '\0';
	if (inet_pton(AF_INET, a, bin) == 1)
		fam = 4;
	else if (inet_pton(AF_INET6, a, bin) == 1)
		fam = 6;
	else
		return 0;
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
			return 0;
		pfx = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || pfx > (fam == 4 ? 32u : 128u))
			return 0;
	}
	return fam;
}

static int
domain_ok(const char *v)
{
	size_t n = strlen(v), i;

	if (n == 0 || n > 253 || v[0] == '.' || v[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_",
		    v[i]) == NULL)
			return 0;
	return strchr(v, '.') != NULL;
}

static int
hex_ok(const char *v, size_t want)
{
	size_t i;

	if (strlen(v) != want)
		return 0;
	for (i = 0; i < want; i++)
		if (strchr("0123456789abcdefABCDEF", v[i]) == NULL)
			return 0;
	return 1;
}

static int
email_ok(const char *v)
{
	const char *at = strchr(v, '@');
	size_t i;

	if (at == NULL || at == v || at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return 0;
	for (i = 0; v[i] != '\0'; i++)
		if ((unsigned char)v[i] <= 0x20 || v[i] == 0x7f)
			return 0;
	return 1;
}

static int
digits_ok(const char *v, unsigned long max)
{
	char *end;
	unsigned long u;

	if (v[0] < '0' || v[0] > '9' || strlen(v) > 10)
		return 0;
	u = strtoul(v, &end, 10);
	return *end == '\0' && u <= max;
}

static void
terms_free(struct term *t, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		HL_FREE(t[i].value);
}

/* One simple MISP type and its value to a term. relation: the object
 * relation, or NULL. Returns NULL on success, else the skip reason. */
static const char *
make_term(const char *type, const char *v, size_t vlen, const char *relation, struct term *t,
    int *nomem)
{
	int fam;
	size_t i;

	static const char *const known[] = { "ip-src", "ip-dst", "ip", "domain", "hostname",
		"url", "uri", "md5", "sha1", "sha256", "sha512", "filename", "email-src",
		"email-dst", "email", "regkey", "value", "mutex", "port", "size-in-bytes" };

	memset(t, 0, sizeof(*t));
	*nomem = 0;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(type, known[i]) == 0)
			break;
	if (i == sizeof(known) / sizeof(known[0]))
		return NULL;   /* not an IOC type: the caller decides */
	if (vlen == 0)
		return "empty value";
	if (vlen > HL_MISP_VALUE_MAX)
		return "value too long";
	if ((t->value = hl_strndup(v, vlen)) == NULL) {
		*nomem = 1;
		return "out of memory";
	}
	if (strlen(t->value) != vlen || !printable(t->value))
		goto malformed;
	if (strcmp(type, "ip-src") == 0 || strcmp(type, "ip-dst") == 0 ||
	    strcmp(type, "ip") == 0) {
		if ((fam = ip_ok(t->value)) == 0)
			goto malformed;
		t->ptype = t->stype = fam == 4 ? "ipv4-addr" : "ipv6-addr";
		t->ppath = t->sprop = "value";
	} else if (strcmp(type, "domain") == 0 || strcmp(type, "hostname") == 0) {
		if (!domain_ok(t->value))
			goto malformed;
		t->ptype = t->stype = "domain-name";
		t->ppath = t->sprop = "value";
	} else if (strcmp(type, "url") == 0 || strcmp(type, "uri") == 0) {
		if (strchr(t->value, ' ') != NULL)
			goto malformed;
		t->ptype = t->stype = "url";
		t->ppath = t->sprop = "value";
	} else if (strcmp(type, "md5") == 0 || strcmp(type, "sha1") == 0 ||
	    strcmp(type, "sha256") == 0 || strcmp(type, "sha512") == 0) {
		size_t want = type[1] == 'd' ? 32 : strcmp(type, "sha1") == 0 ? 40 :
		    strcmp(type, "sha256") == 0 ? 64 : 128;

		if (!hex_ok(t->value, want))
			goto malformed;
		for (i = 0; i < vlen; i++)
			if (t->value[i] >= 'A' && t->value[i] <= 'F')
				t->value[i] = (char)(t->value[i] - 'A' + 'a');
		t->ptype = t->stype = "file";
		t->ppath = type[1] == 'd' ? "hashes.MD5" : want == 40 ? "hashes.'SHA-1'" :
		    want == 64 ? "hashes.'SHA-256'" : "hashes.'SHA-512'";
		t->sprop = type[1] == 'd' ? "MD5" : want == 40 ? "SHA-1" : want == 64 ? "SHA-256" :
		    "SHA-512";
	} else if (strcmp(type, "filename") == 0) {
		t->ptype = t->stype = "file";
		t->ppath = t->sprop = "name";
	} else if (strcmp(type, "email-src") == 0 || strcmp(type, "email-dst") == 0 ||
	    strcmp(type, "email") == 0) {
		if (!email_ok(t->value))
			goto malformed;
		t->ptype = type[5] == '\0' ? "email-addr" : "email-message";
		t->ppath = type[5] == '\0' ? "value" : type[6] == 's' ? "from_ref.value" :
		    "to_refs[*].value";
		t->stype = "email-addr";
		t->sprop = "value";
	} else if (strcmp(type, "regkey") == 0) {
		t->ptype = t->stype = "windows-registry-key";
		t->ppath = t->sprop = "key";
	} else if (strcmp(type, "value") == 0) {   /* of regkey|value */
		t->ptype = "windows-registry-key";
		t->ppath = "values[*].data";
	} else if (strcmp(type, "mutex") == 0) {
		t->ptype = t->stype = "mutex";
		t->ppath = t->sprop = "name";
	} else if (strcmp(type, "port") == 0) {
		if (!digits_ok(t->value, 65535))
			goto malformed;
		t->ptype = "network-traffic";
		t->ppath = relation != NULL && strstr(relation, "src") != NULL ? "src_port" :
		    "dst_port";
		t->numeric = 1;
	} else if (strcmp(type, "size-in-bytes") == 0) {
		if (!digits_ok(t->value, 4294967295UL))
			goto malformed;
		t->ptype = "file";
		t->ppath = "size";
		t->numeric = 1;
	} else {
		HL_FREE(t->value);
		return NULL;   /* not an IOC type: the caller decides */
	}
	return NULL;
malformed:
	HL_FREE(t->value);
	return "malformed value";
}

/* An attribute's terms (one, or two for a composite "a|b" type). OUT:
 * t[*n]. Returns NULL (OK; *n may be 0 for a non-IOC type) or a reason. */
static const char *
attr_terms(const char *type, const char *value, const char *relation, struct term *t,
    unsigned *n, int *nomem)
{
	const char *bar, *vbar, *why;
	char t1[HL_MISP_NAME_MAX], t2[HL_MISP_NAME_MAX];
	size_t l1;

	*n = 0;
	*nomem = 0;
	if ((bar = strchr(type, '|')) == NULL) {
		if ((why = make_term(type, value, strlen(value), relation, &t[0], nomem)) != NULL)
			return why;
		if (t[0].ptype != NULL)
			*n = 1;
		return NULL;
	}
	l1 = (size_t)(bar - type);
	if (l1 == 0 || l1 >= sizeof(t1) || strlen(bar + 1) >= sizeof(t2) ||
	    strchr(bar + 1, '|') != NULL)
		return "unsupported type";
	memcpy(t1, type, l1);
	t1[l1] = '\0';
	snprintf(t2, sizeof(t2), "%s", bar + 1);
	if ((vbar = strchr(value, '|')) == NULL)
		return "malformed value";
	if (strcmp(t1, "domain") == 0 && strcmp(t2, "ip") == 0)
		snprintf(t2, sizeof(t2), "ip-dst");
	if ((why = make_term(t1, value, (size_t)(vbar - value), relation, &t[0], nomem)) != NULL)
		return why;
	if (t[0].ptype == NULL)
		return "unsupported type";
	if ((why = make_term(t2, vbar + 1, strlen(vbar + 1), relation, &t[1], nomem)) != NULL) {
		terms_free(t, 1);
		return why;
	}
	if (t[1].ptype == NULL) {
		terms_free(t, 1);
		return "unsupported type";
	}
	*n = 2;
	return NULL;
}

/* ---- building objects ---- */

static json_t *
sdo_new(struct conv *c, const char *type, const char *id, const char *time,
    const json_t *marks)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	if (json_object_set_new(o, "type", json_string(type)) != 0 ||
	    json_object_set_new(o, "spec_version", json_string("2.1")) != 0 ||
	    json_object_set_new(o, "id", json_string(id)) != 0 ||
	    json_object_set_new(o, "created", json_string(time)) != 0 ||
	    json_object_set_new(o, "modified", json_string(time)) != 0 ||
	    (c->creator[0] != '\0' &&
	    json_object_set_new(o, "created_by_ref", json_string(c->creator)) != 0) ||
	    (marks != NULL && json_array_size(marks) > 0 &&
	    json_object_set_new(o, "object_marking_refs", json_deep_copy(marks)) != 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Append o (stolen) unless its id is there already; and to the report's
 * refs when ref. 1 added, 0 duplicate, <0 error. */
static int
emit(struct conv *c, json_t *o, int ref)
{
	const char *id = sget(o, "id"), *type = sget(o, "type");
	int r;

	if (id == NULL || type == NULL) {
		json_decref(o);
		return HL_ERR_INTERNAL;
	}
	if (json_object_get(c->seen, id) != NULL) {
		json_decref(o);
		return 0;
	}
	if (json_object_set_new(c->seen, id, json_true()) != 0 ||
	    (ref && json_array_append_new(c->refs, json_string(id)) != 0)) {
		json_decref(o);
		return HL_ERR_NOMEM;
	}
	stat_add(c->sum->stix, &c->sum->nstix, type);
	c->sum->objects++;
	r = json_array_append_new(c->objects, o);
	return r == 0 ? 1 : HL_ERR_NOMEM;
}

/* The markings of an item: its own tlp tag if any, else the event's. */
static json_t *
item_marks(struct conv *c, const json_t *item, json_t **own)
{
	json_t *tags = json_object_get(item, "Tag"), *tg;
	const char *name;
	size_t i, k;

	*own = NULL;
	if (!json_is_array(tags))
		return c->event_marks;
	json_array_foreach(tags, i, tg) {
		if (i >= HL_MISP_TAGS_MAX)
			break;
		if ((name = sget(tg, "name")) == NULL)
			continue;
		for (k = 0; k < sizeof(tlps) / sizeof(tlps[0]); k++)
			if (strcasecmp(name, tlps[k].tag) == 0) {
				if ((*own = json_array()) == NULL ||
				    json_array_append_new(*own, json_string(tlps[k].id)) != 0) {
					json_decref(*own);
					*own = NULL;
					return c->event_marks;
				}
				return *own;
			}
	}
	return c->event_marks;
}

/* STIX pattern: comparisons grouped per SCO type into observation
 * expressions, joined with AND. OUT: *pat (caller frees). */
static int
build_pattern(const struct term *t, unsigned n, char **pat)
{
	struct hl_buf b;
	unsigned char done[TERMS_MAX];
	unsigned i, j, groups = 0;
	const char *p;
	int r;

	*pat = NULL;
	memset(done, 0, sizeof(done));
	hl_buf_init(&b, (size_t)n * (HL_MISP_VALUE_MAX * 2 + 128) + 16);
	for (i = 0; i < n; i++) {
		if (done[i])
			continue;
		if (groups++ > 0)
			hl_buf_put(&b, " AND ", 5);
		hl_buf_put(&b, "[", 1);
		for (j = i; j < n; j++) {
			if (done[j] || strcmp(t[j].ptype, t[i].ptype) != 0)
				continue;
			if (j != i)
				hl_buf_put(&b, " AND ", 5);
			done[j] = 1;
			hl_buf_put(&b, t[j].ptype, strlen(t[j].ptype));
			hl_buf_put(&b, ":", 1);
			hl_buf_put(&b, t[j].ppath, strlen(t[j].ppath));
			hl_buf_put(&b, " = ", 3);
			if (t[j].numeric) {
				/* a STIX integer has no leading zero: "0080" is 80 */
				for (p = t[j].value; p[0] == '0' && p[1] != '\0'; p++)
					;
				hl_buf_put(&b, p, strlen(p));
				continue;
			}
			hl_buf_put(&b, "'", 1);
			for (p = t[j].value; *p != '\0'; p++) {
				if (*p == '\\' || *p == '\'')
					hl_buf_put(&b, "\\", 1);
				hl_buf_put(&b, p, 1);
			}
			hl_buf_put(&b, "'", 1);
		}
		hl_buf_put(&b, "]", 1);
	}
	hl_buf_put(&b, "", 1);
	if ((r = hl_buf_error(&b)) != HL_OK) {
		hl_buf_free(&b);
		return r;
	}
	{
		size_t l;

		*pat = (char *)hl_buf_steal(&b, &l);
	}
	return *pat != NULL ? HL_OK : HL_ERR_NOMEM;
}

/* The SCO id: UUIDv5 over the id-contributing properties, canonical JSON. */
static int
sco_id(const char *type, json_t *sco, char out[64])
{
	json_t *contrib = json_object(), *v;
	char *s = NULL, u[37];
	int r = HL_ERR_NOMEM;

	if (contrib == NULL)
		goto out;
	if (strcmp(type, "file") == 0) {
		if ((v = json_object_get(sco, "hashes")) != NULL &&
		    json_object_set(contrib, "hashes", v) != 0)
			goto out;
		if ((v = json_object_get(sco, "name")) != NULL &&
		    json_object_set(contrib, "name", v) != 0)
			goto out;
	} else if (strcmp(type, "windows-registry-key") == 0) {
		if (json_object_set(contrib, "key", json_object_get(sco, "key")) != 0)
			goto out;
	} else if (strcmp(type, "mutex") == 0) {
		if (json_object_set(contrib, "name", json_object_get(sco, "name")) != 0)
			goto out;
	} else if (json_object_set(contrib, "value", json_object_get(sco, "value")) != 0) {
		goto out;
	}
	if ((s = json_dumps(contrib, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		goto out;
	if ((r = hl_misp_uuid5(sco_ns, s, strlen(s), u)) != HL_OK)
		goto out;
	snprintf(out, 64, "%s--%s", type, u);
	r = HL_OK;
out:
	hl_free(s);
	json_decref(contrib);
	return r;
}

static int
add_sco(struct conv *c, json_t *sco, const char *type, json_t *refs, const json_t *marks)
{
	char id[64];
	size_t i;
	json_t *x;
	int r;

	if (json_object_set_new(sco, "type", json_string(type)) != 0 ||
	    json_object_set_new(sco, "spec_version", json_string("2.1")) != 0 ||
	    (r = sco_id(type, sco, id)) != HL_OK ||
	    json_object_set_new(sco, "id", json_string(id)) != 0 ||
	    (marks != NULL && json_array_size(marks) > 0 &&
	    json_object_set_new(sco, "object_marking_refs", json_deep_copy(marks)) != 0)) {
		json_decref(sco);
		return HL_ERR_NOMEM;
	}
	json_array_foreach(refs, i, x)
		if (strcmp(json_string_value(x), id) == 0)
			break;
	if (i == json_array_size(refs) && json_array_append_new(refs, json_string(id)) != 0) {
		json_decref(sco);
		return HL_ERR_NOMEM;
	}
	r = emit(c, sco, 0);
	return r < 0 ? r : HL_OK;
}

/* SCOs for the terms that have one (file terms merge into one file). */
static int
build_scos(struct conv *c, const struct term *t, unsigned n, json_t *refs, const json_t *marks)
{
	json_t *file = NULL, *hashes = NULL, *sco;
	unsigned i;
	int r = HL_ERR_NOMEM;

	for (i = 0; i < n; i++) {
		if (t[i].stype == NULL)
			continue;
		if (strcmp(t[i].stype, "file") == 0) {
			if (file == NULL && (file = json_object()) == NULL)
				goto out;
			if (strcmp(t[i].sprop, "name") == 0) {
				if (json_object_set_new(file, "name", json_string(t[i].value)) != 0)
					goto out;
				continue;
			}
			if (hashes == NULL && (hashes = json_object()) == NULL)
				goto out;
			if (json_object_set_new(hashes, t[i].sprop, json_string(t[i].value)) != 0)
				goto out;
			continue;
		}
		if ((sco = json_object()) == NULL ||
		    json_object_set_new(sco, t[i].sprop, json_string(t[i].value)) != 0) {
			json_decref(sco);
			goto out;
		}
		if ((r = add_sco(c, sco, t[i].stype, refs, marks)) != HL_OK)
			goto out;
		r = HL_ERR_NOMEM;
	}
	if (file != NULL) {
		if (hashes != NULL && json_object_set(file, "hashes", hashes) != 0)
			goto out;
		r = add_sco(c, file, "file", refs, marks);
		file = NULL;
		if (r != HL_OK)
			goto out;
	}
	r = HL_OK;
out:
	json_decref(file);
	json_decref(hashes);
	return r;
}

/* One indicator (to_ids) or observed-data for the terms of one unit (an
 * attribute or a MISP object). key: the MISP uuid. */
static int
emit_unit(struct conv *c, const char *key, const char *name, const char *desc,
    const char *time, const json_t *marks, const struct term *t, unsigned n, int to_ids,
    int *made)
{
	json_t *o = NULL, *refs = NULL;
	char id[64], *pat = NULL;
	unsigned i, nsco = 0;
	int r;

	*made = 0;
	if (!to_ids) {
		for (i = 0; i < n; i++)
			if (t[i].stype != NULL)
				nsco++;
		if (nsco == 0)
			to_ids = 1;   /* nothing to observe: only a pattern can say it */
	}
	if ((r = make_id(to_ids ? "indicator" : "observed-data", key, id)) != HL_OK)
		goto out;
	r = HL_ERR_NOMEM;
	if ((o = sdo_new(c, to_ids ? "indicator" : "observed-data", id, time, marks)) == NULL)
		goto out;
	if (to_ids) {
		if ((r = build_pattern(t, n, &pat)) != HL_OK)
			goto out;
		r = HL_ERR_NOMEM;
		if ((name != NULL && json_object_set_new(o, "name", json_string(name)) != 0) ||
		    (desc != NULL && desc[0] != '\0' &&
		    json_object_set_new(o, "description", json_string(desc)) != 0) ||
		    json_object_set_new(o, "pattern", json_string(pat)) != 0 ||
		    json_object_set_new(o, "pattern_type", json_string("stix")) != 0 ||
		    json_object_set_new(o, "valid_from", json_string(time)) != 0)
			goto out;
	} else {
		if ((refs = json_array()) == NULL)
			goto out;
		if ((r = build_scos(c, t, n, refs, marks)) != HL_OK)
			goto out;
		r = HL_ERR_NOMEM;
		if (json_object_set_new(o, "first_observed", json_string(time)) != 0 ||
		    json_object_set_new(o, "last_observed", json_string(time)) != 0 ||
		    json_object_set_new(o, "number_observed", json_integer(1)) != 0 ||
		    json_object_set(o, "object_refs", refs) != 0)
			goto out;
	}
	r = emit(c, o, 1);
	o = NULL;
	if (r < 0)
		goto out;
	*made = r;
	r = HL_OK;
out:
	json_decref(o);
	json_decref(refs);
	hl_free(pat);
	return r;
}

static int
emit_note(struct conv *c, const char *key, const char *text, const char *abstract,
    const char *time, const json_t *marks)
{
	json_t *o = NULL, *refs = NULL;
	char id[64];
	int r;

	if ((r = make_id("note", key, id)) != HL_OK)
		return r;
	if ((o = sdo_new(c, "note", id, time, marks)) == NULL ||
	    (refs = json_array()) == NULL ||
	    json_array_append_new(refs, json_string(c->report_id)) != 0 ||
	    (abstract != NULL && abstract[0] != '\0' &&
	    json_object_set_new(o, "abstract", json_string(abstract)) != 0) ||
	    json_object_set_new(o, "content", json_string(text)) != 0 ||
	    json_object_set(o, "object_refs", refs) != 0) {
		json_decref(refs);
		json_decref(o);
		return HL_ERR_NOMEM;
	}
	json_decref(refs);
	r = emit(c, o, 1);
	return r < 0 ? r : HL_OK;
}

static const char *
attr_time(struct conv *c, const json_t *a, char buf[32])
{
	int64_t ts;

	if (get_ts(a, "timestamp", &ts) == HL_OK && fmt_time(ts, buf) == HL_OK)
		return buf;
	return c->event_time;
}

/* One top-level attribute. */
static int
do_attribute(struct conv *c, const json_t *a)
{
	struct term t[2];
	unsigned n = 0;
	const char *uuid = sget(a, "uuid"), *type = sget(a, "type"), *value = sget(a, "value");
	const char *why, *comment = sget(a, "comment");
	json_t *own = NULL, *marks, *er = NULL;
	char tbuf[32], name[96];
	int nomem, made, r = HL_OK;

	memset(t, 0, sizeof(t));
	c->sum->attributes++;
	if (!json_is_object(a) || uuid == NULL || !is_uuid(uuid)) {
		skip_attr(c, uuid != NULL ? uuid : "-", type != NULL ? type : "-",
		    "malformed attribute (uuid)");
		return HL_OK;
	}
	if (type == NULL || value == NULL) {
		skip_attr(c, uuid, type != NULL ? type : "-", "malformed attribute (type or value)");
		return HL_OK;
	}
	marks = item_marks(c, a, &own);
	if (strcmp(type, "comment") == 0 || strcmp(type, "text") == 0) {
		if (strlen(value) > HL_MISP_TEXT_MAX || value[0] == '\0') {
			skip_attr(c, uuid, type, value[0] == '\0' ? "empty value" : "value too long");
			goto out;
		}
		if ((r = emit_note(c, uuid, value, comment, attr_time(c, a, tbuf), marks)) != HL_OK)
			goto out;
		conv_attr(c, type);
		goto out;
	}
	if (strcmp(type, "link") == 0) {
		if (strlen(value) > HL_MISP_VALUE_MAX || !printable(value) || value[0] == '\0') {
			skip_attr(c, uuid, type, "malformed value");
			goto out;
		}
		r = HL_ERR_NOMEM;
		if ((er = json_object()) == NULL ||
		    json_object_set_new(er, "source_name", json_string("misp-link")) != 0 ||
		    json_object_set_new(er, "url", json_string(value)) != 0 ||
		    (comment != NULL && comment[0] != '\0' &&
		    json_object_set_new(er, "description", json_string(comment)) != 0) ||
		    json_array_append(c->ext_refs, er) != 0)
			goto out;
		r = HL_OK;
		conv_attr(c, type);
		goto out;
	}
	why = attr_terms(type, value, NULL, t, &n, &nomem);
	if (nomem) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	if (why == NULL && n == 0)
		why = strcmp(type, "attachment") == 0 || strcmp(type, "malware-sample") == 0 ?
		    "attachment data not imported" : "unsupported type";
	if (why != NULL) {
		skip_attr(c, uuid, type, why);
		goto out;
	}
	snprintf(name, sizeof(name), "MISP %s", type);
	if ((r = emit_unit(c, uuid, name, comment, attr_time(c, a, tbuf), marks, t, n,
	    json_is_true(json_object_get(a, "to_ids")), &made)) != HL_OK)
		goto out;
	if (made)
		conv_attr(c, type);
	else
		skip_attr(c, uuid, type, "duplicate uuid");
out:
	terms_free(t, n);
	json_decref(own);
	json_decref(er);
	return r;
}

/* One MISP object: its attributes' terms in one indicator / observed-data. */
static int
do_object(struct conv *c, const json_t *obj)
{
	struct term *t = NULL;
	unsigned n = 0, k, i, nconv = 0;
	const char *ouuid = sget(obj, "uuid"), *oname = sget(obj, "name");
	const char *uuid, *type, *value, *why;
	json_t *attrs = json_object_get(obj, "Attribute"), *a, *own = NULL, *marks;
	char *conv_types[HL_MISP_OBJ_ATTRS_MAX];
	char tbuf[32], name[96];
	struct hl_buf desc;
	int to_ids = 0, nomem, made, r = HL_ERR_NOMEM;
	size_t ai;

	hl_buf_init(&desc, HL_MISP_TEXT_MAX);
	if (!json_is_array(attrs))
		return HL_OK;
	if (json_array_size(attrs) > HL_MISP_OBJ_ATTRS_MAX)
		return HL_ERR_TOO_BIG;
	if ((t = hl_calloc(HL_MISP_OBJ_ATTRS_MAX, sizeof(*t))) == NULL)
		return HL_ERR_NOMEM;
	if (ouuid == NULL || !is_uuid(ouuid)) {
		json_array_foreach(attrs, ai, a) {
			c->sum->attributes++;
			skip_attr(c, sget(a, "uuid") != NULL ? sget(a, "uuid") : "-",
			    sget(a, "type") != NULL ? sget(a, "type") : "-", "malformed object (uuid)");
		}
		r = HL_OK;
		goto out;
	}
	json_array_foreach(attrs, ai, a) {
		c->sum->attributes++;
		uuid = sget(a, "uuid");
		type = sget(a, "type");
		value = sget(a, "value");
		if (!json_is_object(a) || uuid == NULL || !is_uuid(uuid) || type == NULL ||
		    value == NULL) {
			skip_attr(c, uuid != NULL ? uuid : "-", type != NULL ? type : "-",
			    "malformed attribute (uuid, type or value)");
			continue;
		}
		if (strcmp(type, "comment") == 0 || strcmp(type, "text") == 0) {
			if (strlen(value) + desc.len + 2 > HL_MISP_TEXT_MAX) {
				skip_attr(c, uuid, type, "value too long");
				continue;
			}
			if (desc.len > 0)
				hl_buf_put(&desc, "\n", 1);
			hl_buf_put(&desc, value, strlen(value));
			conv_attr(c, type);
			continue;
		}
		why = attr_terms(type, value, sget(a, "object_relation"), t + n, &k, &nomem);
		if (nomem)
			goto out;
		if (why == NULL && k == 0)
			why = strcmp(type, "attachment") == 0 || strcmp(type, "malware-sample") == 0 ?
			    "attachment data not imported" : "unsupported type";
		if (why != NULL || n + k > HL_MISP_OBJ_ATTRS_MAX) {
			terms_free(t + n, k);
			skip_attr(c, uuid, type, why != NULL ? why : "too many values in object");
			continue;
		}
		n += k;
		conv_types[nconv++] = (char *)type;
		if (json_is_true(json_object_get(a, "to_ids")))
			to_ids = 1;
	}
	hl_buf_put(&desc, "", 1);
	if (hl_buf_error(&desc) != HL_OK)
		goto out;
	if (n == 0) {
		/* only text: a note keeps it */
		if (desc.len > 1 && (r = emit_note(c, ouuid, (const char *)desc.data, oname,
		    attr_time(c, obj, tbuf), c->event_marks)) != HL_OK)
			goto out;
		r = HL_OK;
		goto out;
	}
	marks = item_marks(c, obj, &own);
	snprintf(name, sizeof(name), "MISP object %s", oname != NULL ? oname : "?");
	for (i = 0; name[i] != '\0'; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			name[i] = ' ';
	if ((r = emit_unit(c, ouuid, name, (const char *)desc.data, attr_time(c, obj, tbuf), marks,
	    t, n, to_ids, &made)) != HL_OK)
		goto out;
	for (i = 0; i < nconv; i++) {
		if (made)
			conv_attr(c, conv_types[i]);
		else
			skip_attr(c, ouuid, conv_types[i], "duplicate uuid");
	}
	r = HL_OK;
out:
	if (t != NULL)
		terms_free(t, n);
	hl_free(t);
	hl_buf_free(&desc);
	json_decref(own);
	return r;
}

/* A galaxy tag we model: misp-galaxy:KIND="VALUE". */
static int
do_galaxy_tag(struct conv *c, const char *tag)
{
	static const struct {
		const char *kind, *type;
	} kinds[] = {
		{ "threat-actor", "threat-actor" }, { "mitre-intrusion-set", "intrusion-set" },
		{ "tool", "tool" }, { "mitre-tool", "tool" },
		{ "mitre-malware", "malware" }, { "malpedia", "malware" },
		{ "ransomware", "malware" }, { "rat", "malware" }, { "banker", "malware" },
		{ "mitre-attack-pattern", "attack-pattern" },
	};
	const char *k = tag + strlen("misp-galaxy:"), *eq, *v, *tid;
	char kind[HL_MISP_NAME_MAX], val[256], id[64], key[320];
	json_t *o = NULL, *er = NULL, *ers = NULL;
	size_t kl, vl, i;
	int r;

	if ((eq = strchr(k, '=')) == NULL || eq[1] != '"')
		return HL_OK;
	kl = (size_t)(eq - k);
	v = eq + 2;
	vl = strlen(v);
	if (kl == 0 || kl >= sizeof(kind) || vl < 2 || v[vl - 1] != '"' || vl - 1 >= sizeof(val))
		return HL_OK;
	memcpy(kind, k, kl);
	kind[kl] = '\0';
	memcpy(val, v, vl - 1);
	val[vl - 1] = '\0';
	if (val[0] == '\0' || !printable(val) || strchr(val, '"') != NULL)
		return HL_OK;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return HL_OK;
	snprintf(key, sizeof(key), "galaxy:%s", val);
	if ((r = make_id(kinds[i].type, key, id)) != HL_OK)
		return r;
	r = HL_ERR_NOMEM;
	if ((o = sdo_new(c, kinds[i].type, id, c->event_time, c->event_marks)) == NULL)
		goto out;
	if (strcmp(kinds[i].type, "attack-pattern") == 0 &&
	    (tid = strstr(val, " - T")) != NULL && strlen(tid + 3) <= 12) {
		/* "Spearphishing Attachment - T1193": name and the ATT&CK id */
		val[tid - val] = '\0';
		if ((ers = json_array()) == NULL || (er = json_object()) == NULL ||
		    json_object_set_new(er, "source_name", json_string("mitre-attack")) != 0 ||
		    json_object_set_new(er, "external_id", json_string(tid + 3)) != 0 ||
		    json_array_append(ers, er) != 0 ||
		    json_object_set(o, "external_references", ers) != 0)
			goto out;
	}
	if (json_object_set_new(o, "name", json_string(val)) != 0 ||
	    (strcmp(kinds[i].type, "malware") == 0 &&
	    json_object_set_new(o, "is_family", json_true()) != 0))
		goto out;
	r = emit(c, o, 1);
	o = NULL;
	r = r < 0 ? r : HL_OK;
out:
	json_decref(o);
	json_decref(er);
	json_decref(ers);
	return r;
}

static int
do_event_tags(struct conv *c, const json_t *ev)
{
	json_t *tags = json_object_get(ev, "Tag"), *tg;
	const char *name;
	size_t i, k;

	if (tags == NULL)
		return HL_OK;
	if (!json_is_array(tags))
		return HL_ERR_MALFORMED;
	if (json_array_size(tags) > HL_MISP_TAGS_MAX)
		return HL_ERR_TOO_BIG;
	json_array_foreach(tags, i, tg) {
		if ((name = sget(tg, "name")) == NULL || name[0] == '\0' || strlen(name) > 256 ||
		    !printable(name))
			continue;
		for (k = 0; k < sizeof(tlps) / sizeof(tlps[0]); k++)
			if (strcasecmp(name, tlps[k].tag) == 0)
				break;
		if (k < sizeof(tlps) / sizeof(tlps[0])) {
			if (json_array_size(c->event_marks) == 0) {
				if (json_array_append_new(c->event_marks, json_string(tlps[k].id)) != 0)
					return HL_ERR_NOMEM;
				snprintf(c->sum->tlp, sizeof(c->sum->tlp), "%s", tlps[k].name);
			}
			continue;
		}
		if (json_array_append_new(c->labels, json_string(name)) != 0)
			return HL_ERR_NOMEM;
	}
	return HL_OK;
}

/* after the markings and the identity, so the objects carry them */
static int
do_galaxies(struct conv *c, const json_t *ev)
{
	json_t *tags = json_object_get(ev, "Tag"), *tg;
	const char *name;
	size_t i;
	int r;

	json_array_foreach(tags, i, tg) {
		if ((name = sget(tg, "name")) != NULL && strlen(name) <= 256 &&
		    strncmp(name, "misp-galaxy:", 12) == 0 &&
		    (r = do_galaxy_tag(c, name)) != HL_OK)
			return r;
	}
	return HL_OK;
}

static int
do_identity(struct conv *c, const json_t *ev)
{
	json_t *org = json_object_get(ev, "Orgc"), *o;
	const char *name = sget(org, "name"), *uuid = sget(org, "uuid");
	char id[64], key[300];
	int r;

	c->creator[0] = '\0';
	if (name == NULL || name[0] == '\0' || strlen(name) > 255 || !printable(name))
		return HL_OK;
	snprintf(key, sizeof(key), "%s", uuid != NULL && is_uuid(uuid) ? uuid : name);
	if ((r = make_id("identity", key, id)) != HL_OK)
		return r;
	if ((o = sdo_new(c, "identity", id, c->event_time, c->event_marks)) == NULL ||
	    json_object_set_new(o, "name", json_string(name)) != 0 ||
	    json_object_set_new(o, "identity_class", json_string("organization")) != 0) {
		json_decref(o);
		return HL_ERR_NOMEM;
	}
	if ((r = emit(c, o, 0)) < 0)
		return r;
	snprintf(c->creator, sizeof(c->creator), "%s", id);
	return HL_OK;
}

static int
count_attrs(const json_t *ev, size_t *nattrs, size_t *nobjs)
{
	json_t *attrs = json_object_get(ev, "Attribute"), *objs = json_object_get(ev, "Object");
	json_t *o, *oa;
	size_t i;

	*nattrs = 0;
	*nobjs = 0;
	if ((attrs != NULL && !json_is_array(attrs)) || (objs != NULL && !json_is_array(objs)))
		return HL_ERR_MALFORMED;
	*nattrs = json_array_size(attrs);
	*nobjs = json_array_size(objs);
	if (*nobjs > HL_MISP_OBJECTS_MAX)
		return HL_ERR_TOO_BIG;
	json_array_foreach(objs, i, o) {
		oa = json_object_get(o, "Attribute");
		if (oa != NULL && !json_is_array(oa))
			return HL_ERR_MALFORMED;
		if (json_array_size(oa) > HL_MISP_OBJ_ATTRS_MAX)
			return HL_ERR_TOO_BIG;
		*nattrs += json_array_size(oa);
	}
	return *nattrs > HL_MISP_ATTRS_MAX ? HL_ERR_TOO_BIG : HL_OK;
}

static int
finish_report(struct conv *c, const json_t *ev, int64_t published)
{
	json_t *o = NULL, *types = NULL;
	const char *info = sget(ev, "info");
	char pub[32];
	int r;

	if (json_array_size(c->refs) == 0 &&
	    json_array_append_new(c->refs, json_string(c->creator[0] != '\0' ? c->creator :
	    c->report_id)) != 0)
		return HL_ERR_NOMEM;
	if ((r = fmt_time(published, pub)) != HL_OK)
		return r;
	if ((o = sdo_new(c, "report", c->report_id, c->event_time, c->event_marks)) == NULL ||
	    (types = json_array()) == NULL ||
	    json_array_append_new(types, json_string("threat-report")) != 0 ||
	    json_object_set_new(o, "name", json_string(info != NULL && info[0] != '\0' ? info :
	    "MISP event")) != 0 ||
	    json_object_set(o, "report_types", types) != 0 ||
	    json_object_set_new(o, "published", json_string(pub)) != 0 ||
	    json_object_set(o, "object_refs", c->refs) != 0 ||
	    (json_array_size(c->labels) > 0 && json_object_set(o, "labels", c->labels) != 0) ||
	    (json_array_size(c->ext_refs) > 0 &&
	    json_object_set(o, "external_references", c->ext_refs) != 0)) {
		json_decref(types);
		json_decref(o);
		return HL_ERR_NOMEM;
	}
	json_decref(types);
	/* the report goes first, where readers look for it */
	if (json_object_set_new(c->seen, c->report_id, json_true()) != 0) {
		json_decref(o);
		return HL_ERR_NOMEM;
	}
	if (json_array_insert_new(c->objects, 0, o) != 0)
		return HL_ERR_NOMEM;
	stat_add(c->sum->stix, &c->sum->nstix, "report");
	c->sum->objects++;
	return HL_OK;
}

int
hl_misp_convert(const uint8_t *p, size_t len, json_t **bundle, struct hl_misp_summary *sum,
    char *err, size_t errlen)
{
	struct conv c;
	json_t *root = NULL, *ev, *b = NULL, *a, *o;
	json_error_t je;
	const char *uuid;
	char bid[64];
	int64_t published = 0;
	size_t i, nattrs, nobjs;
	int r = HL_ERR_MALFORMED;

	memset(&c, 0, sizeof(c));
	*bundle = NULL;
	memset(sum, 0, sizeof(*sum));
	set_err(err, errlen, "%s", "");
	c.sum = sum;
	if (len > HL_MISP_MAX_BYTES) {
		set_err(err, errlen, "MISP event larger than %u bytes", HL_MISP_MAX_BYTES);
		return HL_ERR_TOO_BIG;
	}
	if (len == 0 || p == NULL) {
		set_err(err, errlen, "MISP event is empty");
		return HL_ERR_MALFORMED;
	}
	if (!hl_apijson_depth_ok(p, len)) {
		set_err(err, errlen, "MISP event nested deeper than %d levels", HL_JSON_DEPTH_MAX);
		return HL_ERR_MALFORMED;
	}
	if ((root = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		set_err(err, errlen, "MISP event is not valid JSON (line %d): %s", je.line, je.text);
		goto out;
	}
	ev = json_object_get(root, "Event");
	if (ev == NULL)
		ev = root;
	if (!json_is_object(ev)) {
		set_err(err, errlen, "not a MISP event: no Event object");
		goto out;
	}
	if ((uuid = sget(ev, "uuid")) == NULL || !is_uuid(uuid)) {
		set_err(err, errlen, "not a MISP event: no valid event uuid");
		goto out;
	}
	snprintf(sum->event_uuid, sizeof(sum->event_uuid), "%s", uuid);
	clean_copy(sum->info, sizeof(sum->info), sget(ev, "info") != NULL ? sget(ev, "info") : "");
	if (get_ts(ev, "timestamp", &c.event_ts) != HL_OK &&
	    parse_date(sget(ev, "date"), &c.event_ts) != HL_OK) {
		set_err(err, errlen, "MISP event %s has no valid timestamp or date", uuid);
		goto out;
	}
	if (fmt_time(c.event_ts, c.event_time) != HL_OK) {
		set_err(err, errlen, "MISP event %s: timestamp out of range", uuid);
		goto out;
	}
	if ((get_ts(ev, "publish_timestamp", &published) != HL_OK || published == 0) &&
	    parse_date(sget(ev, "date"), &published) != HL_OK)
		published = c.event_ts;
	if ((r = count_attrs(ev, &nattrs, &nobjs)) != HL_OK) {
		set_err(err, errlen, r == HL_ERR_TOO_BIG ? "MISP event %s: more than %d attributes "
		    "or %d objects (or %d attributes in one object)" :
		    "MISP event %s: Attribute or Object is not an array", uuid, HL_MISP_ATTRS_MAX,
		    HL_MISP_OBJECTS_MAX, HL_MISP_OBJ_ATTRS_MAX);
		goto out;
	}
	r = HL_ERR_NOMEM;
	if ((c.objects = json_array()) == NULL || (c.seen = json_object()) == NULL ||
	    (c.refs = json_array()) == NULL || (c.ext_refs = json_array()) == NULL ||
	    (c.labels = json_array()) == NULL || (c.event_marks = json_array()) == NULL)
		goto out;
	if ((r = make_id("report", uuid, c.report_id)) != HL_OK)
		goto out;
	if ((r = do_event_tags(&c, ev)) != HL_OK) {
		set_err(err, errlen, r == HL_ERR_TOO_BIG ? "MISP event %s: more than %d tags" :
		    r == HL_ERR_MALFORMED ? "MISP event %s: Tag is not an array" :
		    "MISP event %s: out of memory", uuid, HL_MISP_TAGS_MAX);
		goto out;
	}
	if ((r = do_identity(&c, ev)) != HL_OK || (r = do_galaxies(&c, ev)) != HL_OK)
		goto out;
	json_array_foreach(json_object_get(ev, "Attribute"), i, a)
		if ((r = do_attribute(&c, a)) != HL_OK)
			goto out;
	json_array_foreach(json_object_get(ev, "Object"), i, o)
		if ((r = do_object(&c, o)) != HL_OK)
			goto out;
	if ((r = finish_report(&c, ev, published)) != HL_OK)
		goto out;
	r = HL_ERR_NOMEM;
	if ((r = make_id("bundle", uuid, bid)) != HL_OK)
		goto out;
	r = HL_ERR_NOMEM;
	if ((b = json_object()) == NULL ||
	    json_object_set_new(b, "type", json_string("bundle")) != 0 ||
	    json_object_set_new(b, "id", json_string(bid)) != 0 ||
	    json_object_set(b, "objects", c.objects) != 0)
		goto out;
	*bundle = b;
	b = NULL;
	r = HL_OK;
out:
	if (r == HL_ERR_NOMEM)
		set_err(err, errlen, "out of memory converting the MISP event");
	else if (r != HL_OK && err != NULL && errlen > 0 && err[0] == '\0')
		set_err(err, errlen, "cannot convert the MISP event: %s", hl_strerror(r));
	if (r != HL_OK) {
		memset(sum, 0, sizeof(*sum));
		json_decref(b);
	}
	json_decref(root);
	json_decref(c.objects);
	json_decref(c.seen);
	json_decref(c.refs);
	json_decref(c.ext_refs);
	json_decref(c.labels);
	json_decref(c.event_marks);
	return r;
}

static json_t *
stat_json(const struct hl_misp_stat *t, unsigned n)
{
	json_t *o = json_object();
	unsigned i;

	for (i = 0; o != NULL && i < n && i < HL_MISP_STAT_MAX; i++)
		if (json_object_set_new(o, t[i].name, json_integer(t[i].n)) != 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

json_t *
hl_misp_summary_json(const struct hl_misp_summary *s)
{
	json_t *o = NULL, *d = NULL, *x;
	unsigned i;

	if ((o = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:o*,s:o*,s:o*}",
	    "event", s->event_uuid, "info", s->info, "tlp", s->tlp,
	    "attributes", (json_int_t)s->attributes, "converted", (json_int_t)s->converted,
	    "skipped", (json_int_t)s->skipped, "objects", (json_int_t)s->objects,
	    "converted_by_type", stat_json(s->conv, s->nconv),
	    "stix_by_type", stat_json(s->stix, s->nstix),
	    "skipped_by_reason", stat_json(s->reasons, s->nreasons))) == NULL)
		return NULL;
	if ((d = json_array()) == NULL)
		goto fail;
	for (i = 0; i < s->nskip && i < HL_MISP_SKIP_DETAIL_MAX; i++) {
		if ((x = json_pack("{s:s,s:s,s:s}", "uuid", s->skip[i].uuid, "type", s->skip[i].type,
		    "reason", s->skip[i].reason)) == NULL || json_array_append_new(d, x) != 0)
			goto fail;
	}
	if (json_object_set_new(o, "skipped_detail", d) != 0) {
		d = NULL;
		goto fail;
	}
	return o;
fail:
	json_decref(d);
	json_decref(o);
	return NULL;
}
