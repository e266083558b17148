/* misp.c: MISP event JSON -> STIX 2.1 bundle (see misp.h for the mapping).
 * Pure: bytes in, a jansson tree out. Every value from the event is checked
 * before it reaches a pattern or an observable; a value that does not fit
 * its type skips that attribute with a reason, never the whole event.
 *
 * One MISP attribute, or one MISP object (a file merged with the pe and
 * pe-section objects it references), is one "unit": its attributes become
 * comparisons (root SCO type, property path, value). A unit with an
 * attribute marked to_ids becomes an indicator whose pattern holds one
 * observation per root type (so "ip-dst|port" is one network-traffic
 * observation); otherwise an observed-data with the SCOs those comparisons
 * describe. */
#include <arpa/inet.h>
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
#include "stix.h"

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

/* the OASIS TLP 2.0 marking extension */
#define TLP2_EXT "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
#define TLP2_CREATED "2022-10-01T00:00:00.000Z"
#define PE_EXT "extensions.'windows-pebinary-ext'"
#define PE_SECT PE_EXT ".sections[*]."

static const struct {
	const char *tag;
	const char *name;      /* the summary's name and the tlp_2_0 value */
	const char *title;     /* the marking-definition's name */
	const char *id;
	int rank;
} tlps[] = {
	{ "tlp:white", "clear", "TLP:CLEAR", "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", 0 },
	{ "tlp:clear", "clear", "TLP:CLEAR", "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", 0 },
	{ "tlp:green", "green", "TLP:GREEN", "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", 1 },
	{ "tlp:amber", "amber", "TLP:AMBER", "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", 2 },
	{ "tlp:amber+strict", "amber+strict", "TLP:AMBER+STRICT",
	  "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", 3 },
	{ "tlp:red", "red", "TLP:RED", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", 4 },
};
#define NTLPS (sizeof(tlps) / sizeof(tlps[0]))

#define CMPS_MAX (HL_MISP_UNIT_ATTRS_MAX * 3)
#define PATH_MAX_LEN 96
#define NVAL_MAX (HL_MISP_VALUE_MAX + 32)   /* a value after normalisation */

enum { V_STR, V_INT, V_FLOAT };

/* what a value must be */
enum {
	C_TEXT,      /* printable */
	C_IP,        /* IPv4/IPv6 address or CIDR: root ipv4-addr or ipv6-addr */
	C_IPREF,     /* network-traffic <path>.type and <path>.value for an address */
	C_HOSTREF,   /* the same for a host name */
	C_DOMAIN,
	C_URL,
	C_EMAIL,
	C_HEX,       /* hexadecimal of a given length, lower-cased */
	C_SSDEEP,
	C_TLSH,
	C_PORT,
	C_UINT,
	C_FLOAT,
	C_REGKEY,    /* registry key, hive abbreviations expanded */
	C_REGTYPE,   /* a REG_* data type */
};

/* One comparison of a pattern and one property of an observable. */
struct cmp {
	const char *root;               /* SCO type */
	char path[PATH_MAX_LEN];        /* object path after "root:" */
	uint8_t kind;                   /* V_* */
	uint8_t drop;                   /* left out of the observable form */
	unsigned elem;                  /* list element of a "[*]" path (pe section) */
	unsigned attr;                  /* the MISP attribute it came from */
	char *value;                    /* owned, normalised */
};

/* A MISP attribute of the unit being converted. */
struct uattr {
	const char *uuid, *type;
	const char *why;                /* skip reason, NULL while it is converted */
	int text;                       /* went into the description */
};

struct unit {
	struct cmp *c;
	unsigned n;
	struct uattr *a;
	unsigned na;
	struct hl_buf desc;
	int to_ids;
	unsigned elem;                  /* the pe section being read */
	json_t *galaxies;               /* galaxy object ids from the items' own tags */
	json_t *labels;
};

struct conv {
	struct hl_misp_summary *sum;
	json_t *objects;                /* the bundle's objects */
	json_t *seen;                   /* id -> object, for every emitted object */
	json_t *refs;                   /* the report's object_refs */
	json_t *ext_refs;               /* the report's external_references */
	json_t *labels;                 /* the report's labels */
	json_t *event_marks;            /* object_marking_refs of the event */
	json_t *uuidmap;                /* MISP uuid -> STIX id of what represents it */
	json_t *galaxies;               /* ids of the event's galaxy objects */
	json_t *objbyuuid;              /* MISP object uuid -> the MISP object */
	json_t *parent;                 /* MISP object uuid -> uuid it is merged into */
	struct unit u;
	char report_id[64];
	char creator[64];               /* identity id or "" */
	char event_time[32];
	int64_t event_ts;
	unsigned nrels;                 /* relationships emitted */
	int nomem;
};

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
	hl_hex_uuid(h, out);
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

	if (s == NULL || strlen(s) != 36)
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

static const char *
attr_time(struct conv *c, const json_t *a, char buf[32])
{
	int64_t ts;

	if (get_ts(a, "timestamp", &ts) == HL_OK && fmt_time(ts, buf) == HL_OK)
		return buf;
	return c->event_time;
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

/* a rule's text: printable, tabs and line breaks allowed */
static int
rule_text_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t' && *s != '\r' && *s != '\n') ||
		    *s == 0x7f)
			return 0;
	return 1;
}

/* a short MISP name (type, category, object name): printable, 1..48 bytes */
static int
name_ok(const char *s)
{
	return s != NULL && s[0] != '\0' && strlen(s) < HL_MISP_NAME_MAX && printable(s);
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

/* "blocksize:hash:hash", base64 characters, as the schema's SSDEEP allows */
static int
ssdeep_ok(const char *v)
{
	size_t n = strlen(v), i, colons = 0;

	if (n < 5 || n > 128 || v[0] < '1' || v[0] > '9')
		return 0;
	for (i = 0; i < n; i++) {
		if (v[i] == ':') {
			if (++colons > 2 || (colons == 1 && i > 10))
				return 0;
			continue;
		}
		if (colons == 0 ? (v[i] < '0' || v[i] > '9') :
		    strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+", v[i]) ==
		    NULL)
			return 0;
	}
	return colons == 2;
}

/* Decimal without sign or leading zeros (a STIX IntLiteral), at most max. */
static int
uint_norm(const char *v, unsigned long long max, char *out, size_t cap)
{
	unsigned long long u;
	char *end;

	if (v[0] < '0' || v[0] > '9' || strlen(v) > 19)
		return 0;
	u = strtoull(v, &end, 10);
	if (*end != '\0' || u > max)
		return 0;
	snprintf(out, cap, "%llu", u);
	return 1;
}

/* Non-negative decimal number as a STIX FloatLiteral ("7" -> "7.0"). */
static int
float_norm(const char *v, char *out, size_t cap)
{
	size_t i, n = strlen(v), dots = 0, digits = 0;

	if (n == 0 || n > 32)
		return 0;
	for (i = 0; i < n; i++) {
		if (v[i] == '.') {
			if (++dots > 1 || i == 0 || i == n - 1)
				return 0;
		} else if (v[i] >= '0' && v[i] <= '9') {
			digits++;
		} else {
			return 0;
		}
	}
	if (digits == 0)
		return 0;
	snprintf(out, cap, "%s%s", v, dots == 0 ? ".0" : "");
	return 1;
}

/* Registry keys with the hive written out, as STIX requires (HKLM\x ->
 * HKEY_LOCAL_MACHINE\x). Keys without a known hive are kept as they are. */
static void
regkey_norm(const char *v, char *out, size_t cap)
{
	static const struct {
		const char *abbr, *full;
	} hives[] = {
		{ "HKLM", "HKEY_LOCAL_MACHINE" }, { "HKCU", "HKEY_CURRENT_USER" },
		{ "HKCR", "HKEY_CLASSES_ROOT" }, { "HKCC", "HKEY_CURRENT_CONFIG" },
		{ "HKU", "HKEY_USERS" },
	};
	size_t i, l;

	for (i = 0; i < sizeof(hives) / sizeof(hives[0]); i++) {
		l = strlen(hives[i].abbr);
		if (strncasecmp(v, hives[i].abbr, l) == 0 && (v[l] == '\\' || v[l] == '\0')) {
			snprintf(out, cap, "%s%s", hives[i].full, v + l);
			return;
		}
	}
	snprintf(out, cap, "%s", v);
}

/* v[0, len) checked against chk; the normalised text into out[cap].
 * *fam: 4 or 6 for addresses. NULL, or the reason it does not fit. */
static const char *
check_value(int chk, size_t hexlen, const char *v, size_t len, char *out, size_t cap, int *fam)
{
	static const char *const regtypes[] = { "REG_NONE", "REG_SZ", "REG_EXPAND_SZ",
		"REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN", "REG_DWORD_LITTLE_ENDIAN",
		"REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST", "REG_FULL_RESOURCE_DESCRIPTION",
		"REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD", "REG_INVALID_TYPE" };
	char tmp[NVAL_MAX];
	size_t i;

	*fam = 0;
	out[0] = '\0';
	if (len == 0)
		return "empty value";
	if (len > HL_MISP_VALUE_MAX)
		return "value too long";
	memcpy(tmp, v, len);
	tmp[len] = '\0';
	if (strlen(tmp) != len || !printable(tmp))
		return "malformed value";
	switch (chk) {
	case C_IP:
	case C_IPREF:
		if ((*fam = ip_ok(tmp)) == 0)
			return "malformed value";
		break;
	case C_DOMAIN:
	case C_HOSTREF:
		if (!domain_ok(tmp))
			return "malformed value";
		break;
	case C_URL:
		if (strchr(tmp, ' ') != NULL)
			return "malformed value";
		break;
	case C_EMAIL:
		if (!email_ok(tmp))
			return "malformed value";
		break;
	case C_HEX:
		if (!hl_hex_valid(tmp, hexlen))
			return "malformed value";
		for (i = 0; i < len; i++)
			if (tmp[i] >= 'A' && tmp[i] <= 'F')
				tmp[i] = (char)(tmp[i] - 'A' + 'a');
		break;
	case C_SSDEEP:
		if (!ssdeep_ok(tmp))
			return "malformed value";
		break;
	case C_TLSH:
		/* "T1" + 70 hex digits is the current form of the 70-digit hash */
		if (len == 72 && (tmp[0] == 'T' || tmp[0] == 't') && tmp[1] == '1')
			memmove(tmp, tmp + 2, len - 1);
		if (!hl_hex_valid(tmp, 70))
			return "malformed value";
		for (i = 0; tmp[i] != '\0'; i++)
			if (tmp[i] >= 'a' && tmp[i] <= 'f')
				tmp[i] = (char)(tmp[i] - 'a' + 'A');
		break;
	case C_PORT:
		return uint_norm(tmp, 65535, out, cap) ? NULL : "malformed value";
	case C_UINT:
		return uint_norm(tmp, 9007199254740991ULL, out, cap) ? NULL : "malformed value";
	case C_FLOAT:
		return float_norm(tmp, out, cap) ? NULL : "malformed value";
	case C_REGKEY:
		regkey_norm(tmp, out, cap);
		return NULL;
	case C_REGTYPE:
		for (i = 0; i < sizeof(regtypes) / sizeof(regtypes[0]); i++)
			if (strcmp(tmp, regtypes[i]) == 0)
				break;
		if (i == sizeof(regtypes) / sizeof(regtypes[0]))
			return "malformed value";
		break;
	default:
		break;
	}
	snprintf(out, cap, "%s", tmp);
	return NULL;
}

/* ---- the unit being converted ---- */

static void
unit_reset(struct conv *c)
{
	unsigned i;

	for (i = 0; i < c->u.n; i++)
		HL_FREE(c->u.c[i].value);
	c->u.n = 0;
	c->u.na = 0;
	c->u.to_ids = 0;
	c->u.elem = 0;
	hl_buf_free(&c->u.desc);
	hl_buf_init(&c->u.desc, HL_MISP_TEXT_MAX);
	json_decref(c->u.galaxies);
	json_decref(c->u.labels);
	c->u.galaxies = NULL;
	c->u.labels = NULL;
	if ((c->u.galaxies = json_array()) == NULL || (c->u.labels = json_array()) == NULL)
		c->nomem = 1;
}

/* A new attribute of the unit; its index, or -1 past the limit. */
static int
unit_attr(struct conv *c, const char *uuid, const char *type)
{
	struct uattr *a;

	if (c->u.na >= HL_MISP_UNIT_ATTRS_MAX)
		return -1;
	a = &c->u.a[c->u.na];
	a->uuid = uuid;
	a->type = type;
	a->why = NULL;
	a->text = 0;
	return (int)c->u.na++;
}

static const char *
add_cmp(struct conv *c, const char *root, const char *path, int kind, unsigned ai,
    const char *value)
{
	struct cmp *x;

	if (c->u.n >= CMPS_MAX)
		return "too many values in object";
	x = &c->u.c[c->u.n];
	memset(x, 0, sizeof(*x));
	if (strlen(path) >= sizeof(x->path))
		return "unsupported type";
	if ((x->value = hl_strdup(value)) == NULL) {
		c->nomem = 1;
		return "out of memory";
	}
	x->root = root;
	snprintf(x->path, sizeof(x->path), "%s", path);
	x->kind = (uint8_t)kind;
	x->elem = c->u.elem;
	x->attr = ai;
	c->u.n++;
	return NULL;
}

/* One value v[0, len) checked and added as the comparison(s) for root:path. */
static const char *
map_value(struct conv *c, const char *root, const char *path, int chk, size_t hexlen,
    unsigned ai, const char *v, size_t len)
{
	char nv[NVAL_MAX], p[PATH_MAX_LEN];
	const char *why;
	int fam, kind = V_STR;

	if ((why = check_value(chk, hexlen, v, len, nv, sizeof(nv), &fam)) != NULL)
		return why;
	if (chk == C_IPREF || chk == C_HOSTREF) {
		/* network-traffic:dst_ref.type = 'ipv4-addr' AND dst_ref.value = '...' */
		snprintf(p, sizeof(p), "%s.type", path);
		if ((why = add_cmp(c, root, p, V_STR, ai, chk == C_HOSTREF ? "domain-name" :
		    fam == 4 ? "ipv4-addr" : "ipv6-addr")) != NULL)
			return why;
		snprintf(p, sizeof(p), "%s.value", path);
		return add_cmp(c, root, p, V_STR, ai, nv);
	}
	if (chk == C_IP && root == NULL)
		root = fam == 4 ? "ipv4-addr" : "ipv6-addr";
	if (chk == C_PORT || chk == C_UINT)
		kind = V_INT;
	else if (chk == C_FLOAT)
		kind = V_FLOAT;
	return add_cmp(c, root, path, kind, ai, nv);
}

/* ---- MISP types to comparisons ---- */

static const struct hashtype {
	const char *type;
	const char *key;                /* the STIX hashes key */
	int chk;
	size_t hexlen;
} hashtypes[] = {
	{ "md5", "MD5", C_HEX, 32 }, { "sha1", "SHA-1", C_HEX, 40 },
	{ "sha224", "SHA-224", C_HEX, 56 }, { "sha256", "SHA-256", C_HEX, 64 },
	{ "sha384", "SHA-384", C_HEX, 96 }, { "sha512", "SHA-512", C_HEX, 128 },
	{ "sha3-256", "SHA3-256", C_HEX, 64 }, { "sha3-512", "SHA3-512", C_HEX, 128 },
	{ "imphash", "IMPHASH", C_HEX, 32 }, { "pehash", "PEHASH", C_HEX, 40 },
	{ "authentihash", "AUTHENTIHASH", C_HEX, 64 },
	{ "ssdeep", "SSDEEP", C_SSDEEP, 0 }, { "tlsh", "TLSH", C_TLSH, 0 },
};

static const struct hashtype *
hash_of(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(hashtypes) / sizeof(hashtypes[0]); i++)
		if (strcmp(type, hashtypes[i].type) == 0)
			return &hashtypes[i];
	return NULL;
}

/* prefix + "hashes.KEY" (KEY quoted when it is not a plain identifier) */
static void
hash_path(const char *prefix, const char *key, char out[PATH_MAX_LEN])
{
	snprintf(out, PATH_MAX_LEN, strpbrk(key, "-") != NULL ? "%shashes.'%s'" : "%shashes.%s",
	    prefix, key);
}

/* simple types (top-level attributes and objects alike) */
static const struct simple {
	const char *type;
	const char *root;               /* NULL: by the address family */
	const char *path;
	int chk;
} simples[] = {
	{ "ip-src", NULL, "value", C_IP }, { "ip-dst", NULL, "value", C_IP },
	{ "ip", NULL, "value", C_IP },
	{ "domain", "domain-name", "value", C_DOMAIN },
	{ "hostname", "domain-name", "value", C_DOMAIN },
	{ "url", "url", "value", C_URL }, { "uri", "url", "value", C_URL },
	{ "filename", "file", "name", C_TEXT },
	{ "size-in-bytes", "file", "size", C_UINT },
	{ "mime-type", "file", "mime_type", C_TEXT },
	{ "email", "email-addr", "value", C_EMAIL },
	{ "email-src", "email-message", "from_ref.value", C_EMAIL },
	{ "email-dst", "email-message", "to_refs[*].value", C_EMAIL },
	{ "email-subject", "email-message", "subject", C_TEXT },
	{ "email-attachment", "email-message", "body_multipart[*].body_raw_ref.name", C_TEXT },
	{ "regkey", "windows-registry-key", "key", C_REGKEY },
	{ "mutex", "mutex", "name", C_TEXT },
	{ "port", "network-traffic", "dst_port", C_PORT },
};

/* composite "a|b" types other than filename|<hash> */
static const struct composite {
	const char *type;
	struct {
		const char *root, *path;
		int chk;
	} a, b;
} composites[] = {
	{ "domain|ip", { "domain-name", "value", C_DOMAIN },
	  { "domain-name", "resolves_to_refs[*].value", C_IP } },
	{ "ip-dst|port", { "network-traffic", "dst_ref", C_IPREF },
	  { "network-traffic", "dst_port", C_PORT } },
	{ "ip-src|port", { "network-traffic", "src_ref", C_IPREF },
	  { "network-traffic", "src_port", C_PORT } },
	{ "hostname|port", { "network-traffic", "dst_ref", C_HOSTREF },
	  { "network-traffic", "dst_port", C_PORT } },
	{ "domain|port", { "network-traffic", "dst_ref", C_HOSTREF },
	  { "network-traffic", "dst_port", C_PORT } },
	{ "regkey|value", { "windows-registry-key", "key", C_REGKEY },
	  { "windows-registry-key", "values[*].data", C_TEXT } },
};

/* object relations with their own place (before the type decides) */
static const struct relrule {
	const char *obj, *rel;
	const char *root, *path;
	int chk;
} relrules[] = {
	{ "pe", "imphash", "file", PE_EXT ".imphash", C_HEX },
	{ "pe", "number-sections", "file", PE_EXT ".number_of_sections", C_UINT },
	{ "pe", "type", "file", PE_EXT ".pe_type", C_TEXT },
	{ "pe", "entrypoint-address", "file", PE_EXT ".optional_header.address_of_entry_point",
	  C_UINT },
	{ "pe", "original-filename", "file", PE_EXT ".x_misp_original_filename", C_TEXT },
	{ "pe", "internal-filename", "file", PE_EXT ".x_misp_internal_filename", C_TEXT },
	{ "pe", "compilation-timestamp", "file", PE_EXT ".x_misp_compilation_timestamp", C_TEXT },
	{ "pe", "company-name", "file", PE_EXT ".x_misp_company_name", C_TEXT },
	{ "pe", "file-description", "file", PE_EXT ".x_misp_file_description", C_TEXT },
	{ "pe", "file-version", "file", PE_EXT ".x_misp_file_version", C_TEXT },
	{ "pe", "product-name", "file", PE_EXT ".x_misp_product_name", C_TEXT },
	{ "pe", "product-version", "file", PE_EXT ".x_misp_product_version", C_TEXT },
	{ "pe", "lang-id", "file", PE_EXT ".x_misp_lang_id", C_TEXT },
	{ "pe", "legal-copyright", "file", PE_EXT ".x_misp_legal_copyright", C_TEXT },
	{ "pe", "impfuzzy", "file", PE_EXT ".x_misp_impfuzzy", C_TEXT },
	{ "pe", "pehash", "file", PE_EXT ".x_misp_pehash", C_TEXT },
	{ "pe-section", "name", "file", PE_EXT ".sections[*].name", C_TEXT },
	{ "pe-section", "size-in-bytes", "file", PE_EXT ".sections[*].size", C_UINT },
	{ "pe-section", "entropy", "file", PE_EXT ".sections[*].entropy", C_FLOAT },
	{ "registry-key", "data", "windows-registry-key", "values[*].data", C_TEXT },
	{ "registry-key", "name", "windows-registry-key", "values[*].name", C_TEXT },
	{ "registry-key", "data-type", "windows-registry-key", "values[*].data_type", C_REGTYPE },
	{ "ip-port", "src-port", "network-traffic", "src_port", C_PORT },
	{ "ip-port", "dst-port", "network-traffic", "dst_port", C_PORT },
	{ "ip-port", "port", "network-traffic", "dst_port", C_PORT },
};

static int
has_relrule(const char *oname, const char *rel)
{
	size_t i;

	for (i = 0; rel != NULL && i < sizeof(relrules) / sizeof(relrules[0]); i++)
		if (strcmp(oname, relrules[i].obj) == 0 && strcmp(rel, relrules[i].rel) == 0)
			return 1;
	return 0;
}

/* Comparisons for one MISP attribute (index ai of the unit). oname: the
 * MISP object's name, "" at the top level. *known: the type has a place
 * in a pattern. NULL, or the reason to skip the attribute. */
static const char *
attr_cmps(struct conv *c, const char *oname, const char *rel, const char *type,
    const char *value, unsigned ai, int *known)
{
	const struct hashtype *h;
	const char *bar, *vbar, *why;
	char p[PATH_MAX_LEN];
	size_t i, tl;
	int ip;

	*known = 1;
	if (rel != NULL)
		for (i = 0; i < sizeof(relrules) / sizeof(relrules[0]); i++)
			if (strcmp(oname, relrules[i].obj) == 0 && strcmp(rel, relrules[i].rel) == 0)
				return map_value(c, relrules[i].root, relrules[i].path, relrules[i].chk,
				    32, ai, value, strlen(value));
	ip = strcmp(type, "ip-dst") == 0 || strcmp(type, "ip-src") == 0 ||
	    strcmp(type, "ip") == 0;
	if (ip && strcmp(oname, "domain-ip") == 0)
		return map_value(c, "domain-name", "resolves_to_refs[*].value", C_IP, 0, ai, value,
		    strlen(value));
	if (ip && strcmp(oname, "ip-port") == 0)
		return map_value(c, "network-traffic", strcmp(type, "ip-src") == 0 ||
		    (rel != NULL && strstr(rel, "src") != NULL) ? "src_ref" : "dst_ref", C_IPREF, 0,
		    ai, value, strlen(value));
	if ((h = hash_of(type)) != NULL) {
		hash_path(strcmp(oname, "pe-section") == 0 ? PE_EXT ".sections[*]." : "", h->key, p);
		return map_value(c, "file", p, h->chk, h->hexlen, ai, value, strlen(value));
	}
	for (i = 0; i < sizeof(simples) / sizeof(simples[0]); i++)
		if (strcmp(type, simples[i].type) == 0)
			return map_value(c, simples[i].root, strcmp(type, "port") == 0 && rel != NULL &&
			    strstr(rel, "src") != NULL ? "src_port" : simples[i].path, simples[i].chk,
			    0, ai, value, strlen(value));
	if ((bar = strchr(type, '|')) == NULL) {
		*known = 0;
		return NULL;
	}
	if ((vbar = strchr(value, '|')) == NULL)
		return "malformed value";
	tl = (size_t)(bar - type);
	if (tl == 8 && strncmp(type, "filename", 8) == 0 && (h = hash_of(bar + 1)) != NULL) {
		if ((why = map_value(c, "file", "name", C_TEXT, 0, ai, value,
		    (size_t)(vbar - value))) != NULL)
			return why;
		hash_path("", h->key, p);
		return map_value(c, "file", p, h->chk, h->hexlen, ai, vbar + 1, strlen(vbar + 1));
	}
	for (i = 0; i < sizeof(composites) / sizeof(composites[0]); i++) {
		if (strcmp(type, composites[i].type) != 0)
			continue;
		if ((why = map_value(c, composites[i].a.root, composites[i].a.path,
		    composites[i].a.chk, 0, ai, value, (size_t)(vbar - value))) != NULL)
			return why;
		return map_value(c, composites[i].b.root, composites[i].b.path, composites[i].b.chk,
		    0, ai, vbar + 1, strlen(vbar + 1));
	}
	*known = 0;
	return NULL;
}

/* An attribute whose comparisons failed half-way leaves none behind. */
static void
drop_attr_cmps(struct conv *c, unsigned ai)
{
	unsigned i, o = 0;

	for (i = 0; i < c->u.n; i++) {
		if (c->u.c[i].attr == ai) {
			HL_FREE(c->u.c[i].value);
			continue;
		}
		c->u.c[o++] = c->u.c[i];
	}
	c->u.n = o;
}

/* A domain-ip without a domain: its addresses are plain addresses. */
static void
fix_roots(struct conv *c)
{
	unsigned i;
	int has_domain = 0;

	for (i = 0; i < c->u.n; i++)
		if (strcmp(c->u.c[i].root, "domain-name") == 0 && strcmp(c->u.c[i].path, "value") == 0)
			has_domain = 1;
	if (has_domain)
		return;
	for (i = 0; i < c->u.n; i++)
		if (strcmp(c->u.c[i].root, "domain-name") == 0 &&
		    strcmp(c->u.c[i].path, "resolves_to_refs[*].value") == 0) {
			c->u.c[i].root = strchr(c->u.c[i].value, ':') != NULL ? "ipv6-addr" : "ipv4-addr";
			snprintf(c->u.c[i].path, sizeof(c->u.c[i].path), "value");
		}
}

/* ---- patterns ---- */

static void
put_value(struct hl_buf *b, const struct cmp *x)
{
	const char *p;

	if (x->kind != V_STR) {
		hl_buf_put(b, x->value, strlen(x->value));
		return;
	}
	hl_buf_put(b, "'", 1);
	for (p = x->value; *p != '\0'; p++) {
		if (*p == '\\' || *p == '\'')
			hl_buf_put(b, "\\", 1);
		hl_buf_put(b, p, 1);
	}
	hl_buf_put(b, "'", 1);
}

static void
put_cmp(struct hl_buf *b, const struct cmp *x)
{
	hl_buf_put(b, x->root, strlen(x->root));
	hl_buf_put(b, ":", 1);
	hl_buf_put(b, x->path, strlen(x->path));
	hl_buf_put(b, " = ", 3);
	put_value(b, x);
}

static int
same_cmp(const struct cmp *a, const struct cmp *b)
{
	return strcmp(a->root, b->root) == 0 && strcmp(a->path, b->path) == 0 &&
	    strcmp(a->value, b->value) == 0;
}

/* k is the first comparison with its root, path and value among the
 * pending ones from j on */
static int
first_of_value(struct conv *c, const unsigned char *done, unsigned j, unsigned k)
{
	unsigned m;

	for (m = j; m < k; m++)
		if (!done[m] && same_cmp(&c->u.c[m], &c->u.c[k]))
			return 0;
	return 1;
}

/* One observation expression per root type, in order of appearance:
 * distinct paths joined by AND; a scalar path with several values becomes
 * (p = a OR p = b), a list path ("[*]") keeps AND; repeated comparisons
 * appear once. OUT: *pat (caller frees). */
static int
build_pattern(struct conv *c, char **pat)
{
	struct hl_buf b;
	const struct cmp *x, *y;
	unsigned char *done = NULL;
	unsigned i, j, k, groups = 0, terms, nv, pass;
	size_t l;
	int r = HL_ERR_NOMEM, list;

	*pat = NULL;
	hl_buf_init(&b, HL_STIX_PATTERN_MAX + 1);
	if ((done = hl_calloc(c->u.n + 1, 1)) == NULL)
		goto out;
	for (i = 0; i < c->u.n; i++) {
		if (done[i])
			continue;
		if (groups++ > 0)
			hl_buf_put(&b, " AND ", 5);
		hl_buf_put(&b, "[", 1);
		terms = 0;
		for (j = i; j < c->u.n; j++) {
			x = &c->u.c[j];
			if (done[j] || strcmp(x->root, c->u.c[i].root) != 0)
				continue;
			list = strstr(x->path, "[*]") != NULL;
			if (terms++ > 0)
				hl_buf_put(&b, " AND ", 5);
			/* pass 0 counts the distinct values, pass 1 writes them */
			for (pass = 0, nv = 0; pass < 2; pass++) {
				if (pass == 1 && nv > 1 && !list)
					hl_buf_put(&b, "(", 1);
				for (k = j, nv = pass == 1 ? 0 : nv; k < c->u.n; k++) {
					y = &c->u.c[k];
					if (done[k] || strcmp(y->root, x->root) != 0 ||
					    strcmp(y->path, x->path) != 0 || !first_of_value(c, done, j, k))
						continue;
					if (pass == 1 && nv > 0)
						hl_buf_put(&b, list ? " AND " : " OR ", list ? 5 : 4);
					if (pass == 1)
						put_cmp(&b, y);
					nv++;
				}
			}
			if (nv > 1 && !list)
				hl_buf_put(&b, ")", 1);
			for (k = c->u.n; k-- > j;)
				if (strcmp(c->u.c[k].root, x->root) == 0 &&
				    strcmp(c->u.c[k].path, x->path) == 0)
					done[k] = 1;
		}
		hl_buf_put(&b, "]", 1);
	}
	hl_buf_put(&b, "", 1);
	if ((r = hl_buf_error(&b)) != HL_OK)
		goto out;
	*pat = (char *)hl_buf_steal(&b, &l);
	r = *pat != NULL ? HL_OK : HL_ERR_NOMEM;
out:
	hl_free(done);
	hl_buf_free(&b);
	return r;
}

/* ---- observables ---- */

static void
drop_reason(struct conv *c, unsigned ai, const char *why)
{
	if (c->u.a[ai].why == NULL)
		c->u.a[ai].why = why;
}

static int
has_path(struct conv *c, const char *root, const char *path)
{
	unsigned i;

	for (i = 0; i < c->u.n; i++)
		if (!c->u.c[i].drop && strcmp(c->u.c[i].root, root) == 0 &&
		    strcmp(c->u.c[i].path, path) == 0)
			return 1;
	return 0;
}

static void
drop_where(struct conv *c, const char *root, const char *prefix, const char *why)
{
	unsigned i;

	for (i = 0; i < c->u.n; i++)
		if (!c->u.c[i].drop && strcmp(c->u.c[i].root, root) == 0 &&
		    strncmp(c->u.c[i].path, prefix, strlen(prefix)) == 0) {
			c->u.c[i].drop = 1;
			drop_reason(c, c->u.c[i].attr, why);
		}
}

/* Leave out what no valid STIX observable can hold (the pattern form
 * keeps all). Returns the comparisons left. */
static unsigned
sco_prune(struct conv *c)
{
	static const char *const pe_main[] = { PE_EXT ".imphash", PE_EXT ".number_of_sections",
		PE_EXT ".optional_header.", PE_SECT };
	struct cmp *x, *y;
	unsigned i, j, left = 0;
	size_t k;
	int ok;

	for (i = 0; i < c->u.n; i++) {
		x = &c->u.c[i];
		if (x->drop || strstr(x->path, "[*]") != NULL || strstr(x->path, "_ref.type") != NULL)
			continue;
		/* one value per scalar property: later ones are left out */
		for (j = i + 1; j < c->u.n; j++) {
			y = &c->u.c[j];
			if (!y->drop && strcmp(y->root, x->root) == 0 && strcmp(y->path, x->path) == 0 &&
			    strcmp(y->value, x->value) != 0) {
				unsigned m;

				for (m = 0; m < c->u.n; m++)
					if (c->u.c[m].attr == y->attr && strcmp(c->u.c[m].root, y->root) == 0)
						c->u.c[m].drop = 1;
				drop_reason(c, y->attr, "a second value for one observable property");
			}
		}
	}
	/* sections without a name */
	for (i = 0; i < c->u.n; i++) {
		x = &c->u.c[i];
		if (x->drop || strncmp(x->path, PE_SECT, strlen(PE_SECT)) != 0)
			continue;
		ok = 0;
		for (j = 0; j < c->u.n; j++)
			if (!c->u.c[j].drop && c->u.c[j].elem == x->elem &&
			    strcmp(c->u.c[j].path, PE_EXT ".sections[*].name") == 0)
				ok = 1;
		if (!ok) {
			x->drop = 1;
			drop_reason(c, x->attr, "PE section without a name (no valid observable)");
		}
	}
	/* the PE extension needs its type and one of its main properties */
	ok = 0;
	for (i = 0; i < c->u.n; i++)
		for (k = 0; k < sizeof(pe_main) / sizeof(pe_main[0]); k++)
			if (!c->u.c[i].drop && strncmp(c->u.c[i].path, pe_main[k], strlen(pe_main[k])) == 0)
				ok = 1;
	if (!ok || !has_path(c, "file", PE_EXT ".pe_type"))
		drop_where(c, "file", PE_EXT ".", "PE details without the PE type (no valid observable)");
	/* a file needs a name or a hash */
	ok = has_path(c, "file", "name");
	for (i = 0; i < c->u.n; i++)
		if (!c->u.c[i].drop && strcmp(c->u.c[i].root, "file") == 0 &&
		    strncmp(c->u.c[i].path, "hashes.", 7) == 0)
			ok = 1;
	if (!ok)
		drop_where(c, "file", "", "file without a name or hash (no valid observable)");
	/* traffic needs an address */
	if (!has_path(c, "network-traffic", "dst_ref.value") &&
	    !has_path(c, "network-traffic", "src_ref.value"))
		drop_where(c, "network-traffic", "", "port without an address (no valid observable)");
	for (i = 0; i < c->u.n; i++)
		if (!c->u.c[i].drop)
			left++;
	return left;
}

/* The SCO id: UUIDv5 over its id-contributing properties (canonical JSON);
 * over the whole object when it has none of them. */
static int
sco_id(const char *type, json_t *sco, char out[64])
{
	static const struct {
		const char *type;
		const char *props[8];
	} contrib_props[] = {
		{ "file", { "hashes", "name", "extensions", "parent_directory_ref" } },
		{ "network-traffic", { "start", "end", "src_ref", "dst_ref", "src_port", "dst_port",
		    "protocols", "extensions" } },
		{ "email-message", { "from_ref", "subject", "body" } },
		{ "windows-registry-key", { "key", "values" } },
		{ "mutex", { "name" } },
	};
	json_t *contrib = json_object(), *v;
	char *s = NULL, u[37];
	size_t i, k;
	int r = HL_ERR_NOMEM;

	if (contrib == NULL)
		goto out;
	for (i = 0; i < sizeof(contrib_props) / sizeof(contrib_props[0]); i++)
		if (strcmp(type, contrib_props[i].type) == 0)
			break;
	if (i == sizeof(contrib_props) / sizeof(contrib_props[0])) {
		if (json_object_set(contrib, "value", json_object_get(sco, "value")) != 0)
			goto out;
	} else {
		for (k = 0; k < 8 && contrib_props[i].props[k] != NULL; k++)
			if ((v = json_object_get(sco, contrib_props[i].props[k])) != NULL &&
			    json_object_set(contrib, contrib_props[i].props[k], v) != 0)
				goto out;
		if (json_object_size(contrib) == 0 && json_object_update(contrib, sco) != 0)
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

	if (id == NULL || type == NULL) {
		json_decref(o);
		return HL_ERR_INTERNAL;
	}
	if (json_object_get(c->seen, id) != NULL) {
		json_decref(o);
		return 0;
	}
	if (json_object_set(c->seen, id, o) != 0 ||
	    (ref && json_array_append_new(c->refs, json_string(id)) != 0)) {
		json_decref(o);
		return HL_ERR_NOMEM;
	}
	if (json_array_append_new(c->objects, o) != 0)
		return HL_ERR_NOMEM;
	stat_add(c->sum->stix, &c->sum->nstix, type);
	c->sum->objects++;
	return 1;
}

/* object (created on the way) at the dotted path under o; quoted 'x'
 * segments allowed. The last segment is returned in last[]. */
static json_t *
walk_path(json_t *o, const char *path, char *last, size_t lastcap)
{
	char seg[PATH_MAX_LEN];
	const char *p = path, *e;
	json_t *n;
	size_t l;

	for (;;) {
		if (*p == '\'') {
			if ((e = strchr(p + 1, '\'')) == NULL)
				return NULL;
			l = (size_t)(e - p - 1);
			memcpy(seg, p + 1, l < sizeof(seg) ? l : 0);
			e++;
		} else {
			e = p + strcspn(p, ".");
			l = (size_t)(e - p);
			memcpy(seg, p, l < sizeof(seg) ? l : 0);
		}
		if (l == 0 || l >= sizeof(seg))
			return NULL;
		seg[l] = '\0';
		if (*e == '\0') {
			snprintf(last, lastcap, "%s", seg);
			return o;
		}
		if (*e != '.')
			return NULL;
		if ((n = json_object_get(o, seg)) == NULL) {
			if ((n = json_object()) == NULL || json_object_set_new(o, seg, n) != 0)
				return NULL;
		}
		if (!json_is_object(n))
			return NULL;
		o = n;
		p = e + 1;
	}
}

static json_t *
cmp_json(const struct cmp *x)
{
	if (x->kind == V_INT)
		return json_integer((json_int_t)strtoll(x->value, NULL, 10));
	if (x->kind == V_FLOAT)
		return json_real(strtod(x->value, NULL));
	return json_string(x->value);
}

/* Add an SCO (stolen): type, spec_version, id; its id to refs once. */
static int
add_sco(struct conv *c, json_t *props, const char *type, json_t *refs, const json_t *marks,
    char id[64])
{
	json_t *x, *sco = NULL;
	size_t i;
	int r;

	/* type, spec_version and id first, as readers expect them */
	if ((r = sco_id(type, props, id)) != HL_OK || (sco = json_object()) == NULL ||
	    json_object_set_new(sco, "type", json_string(type)) != 0 ||
	    json_object_set_new(sco, "spec_version", json_string("2.1")) != 0 ||
	    json_object_set_new(sco, "id", json_string(id)) != 0 ||
	    json_object_update(sco, props) != 0 ||
	    (marks != NULL && json_array_size(marks) > 0 &&
	    json_object_set_new(sco, "object_marking_refs", json_deep_copy(marks)) != 0)) {
		json_decref(props);
		json_decref(sco);
		return r != HL_OK ? r : HL_ERR_NOMEM;
	}
	json_decref(props);
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

/* A one-property SCO (type: prop = value); its id in id[64]. */
static int
leaf_sco(struct conv *c, const char *type, const char *prop, const char *value, json_t *refs,
    const json_t *marks, char id[64])
{
	json_t *o = json_object();

	if (o == NULL || json_object_set_new(o, prop, json_string(value)) != 0) {
		json_decref(o);
		return HL_ERR_NOMEM;
	}
	return add_sco(c, o, type, refs, marks, id);
}

static int
append_unique(json_t *arr, const char *s)
{
	json_t *x;
	size_t i;

	json_array_foreach(arr, i, x)
		if (strcmp(json_string_value(x), s) == 0)
			return HL_OK;
	return json_array_append_new(arr, json_string(s)) == 0 ? HL_OK : HL_ERR_NOMEM;
}

/* the array at listpath under o (created when missing) */
static json_t *
list_at(json_t *o, const char *listpath)
{
	char last[PATH_MAX_LEN];
	json_t *parent, *arr;

	if ((parent = walk_path(o, listpath, last, sizeof(last))) == NULL)
		return NULL;
	if ((arr = json_object_get(parent, last)) == NULL) {
		if ((arr = json_array()) == NULL || json_object_set_new(parent, last, arr) != 0)
			return NULL;
	}
	return json_is_array(arr) ? arr : NULL;
}

/* One comparison into the SCO main of its root. elems: "listpath#elem" ->
 * the list element object. */
static int
sco_put(struct conv *c, json_t *main, json_t *elems, const struct cmp *x, json_t *refs,
    const json_t *marks)
{
	char last[PATH_MAX_LEN], listpath[PATH_MAX_LEN], key[PATH_MAX_LEN + 16], id[64];
	const char *star, *type;
	json_t *parent, *arr, *el, *v;
	size_t l;
	unsigned i;
	int r;

	l = strlen(x->path);
	if (l > 9 && strcmp(x->path + l - 9, "_ref.type") == 0)
		return HL_OK;   /* said by the .value that goes with it */
	if (l > 10 && strcmp(x->path + l - 10, "_ref.value") == 0) {
		type = NULL;
		for (i = 0; i < c->u.n; i++)
			if (c->u.c[i].attr == x->attr && strncmp(c->u.c[i].path, x->path, l - 5) == 0 &&
			    strcmp(c->u.c[i].path + l - 5, "type") == 0)
				type = c->u.c[i].value;
		if (type == NULL && (strncmp(x->path, "from_ref.", 9) == 0 ||
		    strncmp(x->path, "sender_ref.", 11) == 0))
			type = "email-addr";
		if (type == NULL)
			return HL_ERR_INTERNAL;
		if ((r = leaf_sco(c, type, "value", x->value, refs, marks, id)) != HL_OK)
			return r;
		snprintf(last, sizeof(last), "%.*s", (int)(l - 6), x->path);
		return json_object_set_new(main, last, json_string(id)) == 0 ? HL_OK : HL_ERR_NOMEM;
	}
	if ((star = strstr(x->path, "[*]")) == NULL) {
		if ((parent = walk_path(main, x->path, last, sizeof(last))) == NULL ||
		    (v = cmp_json(x)) == NULL || json_object_set_new(parent, last, v) != 0)
			return HL_ERR_NOMEM;
		return HL_OK;
	}
	snprintf(listpath, sizeof(listpath), "%.*s", (int)(star - x->path), x->path);
	if (strcmp(star, "[*].value") == 0) {
		/* resolves_to_refs, to_refs: references to leaf SCOs */
		type = strcmp(listpath, "resolves_to_refs") != 0 ? "email-addr" :
		    strchr(x->value, ':') != NULL ? "ipv6-addr" : "ipv4-addr";
		if ((r = leaf_sco(c, type, "value", x->value, refs, marks, id)) != HL_OK)
			return r;
		if ((arr = list_at(main, listpath)) == NULL)
			return HL_ERR_NOMEM;
		return append_unique(arr, id);
	}
	if ((arr = list_at(main, listpath)) == NULL)
		return HL_ERR_NOMEM;
	snprintf(key, sizeof(key), "%s#%u", listpath, x->elem);
	if ((el = json_object_get(elems, key)) == NULL) {
		if ((el = json_object()) == NULL || json_array_append_new(arr, el) != 0 ||
		    json_object_set(elems, key, el) != 0)
			return HL_ERR_NOMEM;
	}
	if (strcmp(star, "[*].body_raw_ref.name") == 0) {
		if ((r = leaf_sco(c, "file", "name", x->value, refs, marks, id)) != HL_OK)
			return r;
		return json_object_set_new(el, "body_raw_ref", json_string(id)) == 0 ? HL_OK :
		    HL_ERR_NOMEM;
	}
	if (star[3] != '.' || (parent = walk_path(el, star + 4, last, sizeof(last))) == NULL ||
	    (v = cmp_json(x)) == NULL || json_object_set_new(parent, last, v) != 0)
		return HL_ERR_NOMEM;
	return HL_OK;
}

/* The SCOs of the unit (comparisons not dropped), one per root type plus
 * the ones they reference; their ids into refs. */
static int
build_scos(struct conv *c, json_t *refs, const json_t *marks)
{
	json_t *main = NULL, *elems = NULL, *arr = NULL;
	unsigned char *done = NULL;
	const char *root;
	char id[64];
	unsigned i, j;
	int r = HL_ERR_NOMEM;

	if ((done = hl_calloc(c->u.n + 1, 1)) == NULL)
		goto out;
	for (i = 0; i < c->u.n; i++) {
		if (done[i] || c->u.c[i].drop)
			continue;
		root = c->u.c[i].root;
		if ((main = json_object()) == NULL || (elems = json_object()) == NULL)
			goto out;
		for (j = i; j < c->u.n; j++) {
			if (done[j] || c->u.c[j].drop || strcmp(c->u.c[j].root, root) != 0)
				continue;
			done[j] = 1;
			if ((r = sco_put(c, main, elems, &c->u.c[j], refs, marks)) != HL_OK)
				goto out;
		}
		r = HL_ERR_NOMEM;
		if (strcmp(root, "network-traffic") == 0) {
			/* MISP does not say; misp-stix writes tcp */
			if ((arr = json_array()) == NULL ||
			    json_array_append_new(arr, json_string("tcp")) != 0 ||
			    json_object_set(main, "protocols", arr) != 0)
				goto out;
			json_decref(arr);
			arr = NULL;
		}
		if (strcmp(root, "email-message") == 0 &&
		    json_object_set_new(main, "is_multipart",
		    json_boolean(json_object_get(main, "body_multipart") != NULL)) != 0)
			goto out;
		json_decref(elems);
		elems = NULL;
		r = add_sco(c, main, root, refs, marks, id);
		main = NULL;
		if (r != HL_OK)
			goto out;
	}
	r = HL_OK;
out:
	hl_free(done);
	json_decref(main);
	json_decref(elems);
	json_decref(arr);
	return r;
}

/* ---- markings, labels, galaxies ---- */

static int
tlp_of_tag(const char *name)
{
	size_t k;

	for (k = 0; k < NTLPS; k++)
		if (strcasecmp(name, tlps[k].tag) == 0)
			return (int)k;
	return -1;
}

static int
tlp_of_id(const char *id)
{
	size_t k;

	for (k = 0; id != NULL && k < NTLPS; k++)
		if (strcmp(id, tlps[k].id) == 0)
			return (int)k;
	return -1;
}

/* the highest TLP rank among an object's markings (-1 when none) */
static int
marks_rank(const json_t *o)
{
	json_t *m;
	size_t i;
	int k, best = -1;

	json_array_foreach(json_object_get(o, "object_marking_refs"), i, m)
		if ((k = tlp_of_id(json_string_value(m))) >= 0 && tlps[k].rank > best)
			best = tlps[k].rank;
	return best;
}

/* The markings of an item: its own tlp tag if any, else the event's. */
static json_t *
item_marks(struct conv *c, const json_t *item, json_t **own)
{
	json_t *tags = json_object_get(item, "Tag"), *tg;
	const char *name;
	size_t i;
	int k;

	*own = NULL;
	if (!json_is_array(tags))
		return c->event_marks;
	json_array_foreach(tags, i, tg) {
		if (i >= HL_MISP_TAGS_MAX)
			break;
		if ((name = sget(tg, "name")) == NULL || (k = tlp_of_tag(name)) < 0)
			continue;
		if ((*own = json_array()) == NULL ||
		    json_array_append_new(*own, json_string(tlps[k].id)) != 0) {
			json_decref(*own);
			*own = NULL;
			c->nomem = 1;
			return c->event_marks;
		}
		return *own;
	}
	return c->event_marks;
}

/* the label misp:KEY="V" */
static int
add_label(json_t *labels, const char *key, const char *v)
{
	char s[2 * HL_MISP_NAME_MAX + 32];

	snprintf(s, sizeof(s), "misp:%s=\"%s\"", key, v);
	return append_unique(labels, s);
}

/* A galaxy tag we model (misp-galaxy:KIND="VALUE"): its object, emitted
 * once. *id = "" when the kind is not one we model. */
static int
galaxy_obj(struct conv *c, const char *tag, char id[64])
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
	char kind[HL_MISP_NAME_MAX], val[256], key[320];
	json_t *o = NULL, *er = NULL, *ers = NULL;
	size_t kl, vl, i;
	int r;

	id[0] = '\0';
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
	if (json_object_get(c->seen, id) != NULL)
		return HL_OK;
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
	if (r != HL_OK)
		id[0] = '\0';
	json_decref(o);
	json_decref(er);
	json_decref(ers);
	return r;
}

/* An item's own tags: galaxies into u.galaxies, others (not TLP) into
 * u.labels. */
static int
item_tags(struct conv *c, const json_t *item)
{
	json_t *tags = json_object_get(item, "Tag"), *tg;
	const char *name;
	char id[64];
	size_t i;
	int r;

	if (!json_is_array(tags))
		return HL_OK;
	json_array_foreach(tags, i, tg) {
		if (i >= HL_MISP_TAGS_MAX)
			break;
		if ((name = sget(tg, "name")) == NULL || name[0] == '\0' || strlen(name) > 256 ||
		    !printable(name) || tlp_of_tag(name) >= 0)
			continue;
		if (strncmp(name, "misp-galaxy:", 12) == 0) {
			if ((r = galaxy_obj(c, name, id)) != HL_OK)
				return r;
			if (id[0] != '\0' && (r = append_unique(c->u.galaxies, id)) != HL_OK)
				return r;
		}
		if ((r = append_unique(c->u.labels, name)) != HL_OK)
			return r;
	}
	return HL_OK;
}

/* A relationship (emitted once per key), marked like the stricter of its
 * two ends. */
static int
emit_rel(struct conv *c, const char *key, const char *rtype, const char *src, const char *dst,
    const char *time, const char *desc)
{
	const json_t *s = json_object_get(c->seen, src), *d = json_object_get(c->seen, dst);
	json_t *o = NULL;
	char id[64];
	int r;

	if (s == NULL || d == NULL)
		return HL_ERR_NOT_FOUND;
	if ((r = make_id("relationship", key, id)) != HL_OK)
		return r;
	if (json_object_get(c->seen, id) != NULL)
		return HL_OK;
	if (c->nrels >= HL_MISP_RELS_MAX) {
		c->sum->rels_left_out++;
		return HL_OK;
	}
	if ((o = sdo_new(c, "relationship", id, time, json_object_get(marks_rank(d) >
	    marks_rank(s) ? d : s, "object_marking_refs"))) == NULL ||
	    json_object_set_new(o, "relationship_type", json_string(rtype)) != 0 ||
	    json_object_set_new(o, "source_ref", json_string(src)) != 0 ||
	    json_object_set_new(o, "target_ref", json_string(dst)) != 0 ||
	    (desc != NULL && desc[0] != '\0' &&
	    json_object_set_new(o, "description", json_string(desc)) != 0)) {
		json_decref(o);
		return HL_ERR_NOMEM;
	}
	if ((r = emit(c, o, 1)) < 0)
		return r;
	c->nrels++;
	return HL_OK;
}

static int
indicates(struct conv *c, const char *ind, const char *target)
{
	char key[200];

	snprintf(key, sizeof(key), "indicates:%s:%s", ind, target);
	return emit_rel(c, key, "indicates", ind, target, c->event_time, NULL);
}

/* ---- units ---- */

struct unit_info {
	const char *key;                /* MISP uuid: the id's name */
	const char *name;               /* indicator name */
	const char *time;
	const json_t *marks;
	const char *phase;              /* kill chain phase: category / meta-category */
};

/* The unit as one indicator (to_ids) or one observed-data. *made: 1 when
 * added, 0 when its id was there already. OUT: id[64]. */
static int
emit_unit(struct conv *c, const struct unit_info *ui, char id[64], int *made)
{
	json_t *o = NULL, *refs = NULL, *kc = NULL, *kp = NULL;
	const char *desc;
	char *pat = NULL;
	unsigned i;
	int r, to_ids = c->u.to_ids;

	*made = 0;
	id[0] = '\0';
	fix_roots(c);
	if (!to_ids && sco_prune(c) == 0) {
		/* no valid observable holds it, and to_ids says it is not for a
		 * pattern (a lone port or MIME type would match far too much) */
		for (i = 0; i < c->u.na; i++)
			if (c->u.a[i].text) {
				c->u.a[i].text = 0;
				drop_reason(c, i, "no valid observable holds the rest of the object");
			}
		r = HL_OK;
		goto out;
	}
	if (to_ids) {
		if ((r = build_pattern(c, &pat)) != HL_OK && r != HL_ERR_TOO_BIG)
			goto out;
		if (r == HL_ERR_TOO_BIG || strlen(pat) > HL_STIX_PATTERN_MAX) {
			for (i = 0; i < c->u.n; i++)
				c->u.c[i].drop = 1;
			for (i = 0; i < c->u.na; i++) {
				c->u.a[i].text = 0;
				drop_reason(c, i, "pattern too long");
			}
			r = HL_OK;
			goto out;
		}
	}
	if ((r = make_id(to_ids ? "indicator" : "observed-data", ui->key, id)) != HL_OK)
		goto out;
	r = HL_ERR_NOMEM;
	if ((o = sdo_new(c, to_ids ? "indicator" : "observed-data", id, ui->time, ui->marks)) ==
	    NULL)
		goto out;
	hl_buf_put(&c->u.desc, "", 1);
	if (hl_buf_error(&c->u.desc) != HL_OK)
		goto out;
	desc = (const char *)c->u.desc.data;
	if (json_array_size(c->u.labels) > 0 && json_object_set(o, "labels", c->u.labels) != 0)
		goto out;
	if (to_ids) {
		if ((ui->name != NULL && json_object_set_new(o, "name", json_string(ui->name)) != 0) ||
		    (desc != NULL && desc[0] != '\0' &&
		    json_object_set_new(o, "description", json_string(desc)) != 0) ||
		    json_object_set_new(o, "pattern", json_string(pat)) != 0 ||
		    json_object_set_new(o, "pattern_type", json_string("stix")) != 0 ||
		    json_object_set_new(o, "pattern_version", json_string("2.1")) != 0 ||
		    json_object_set_new(o, "valid_from", json_string(ui->time)) != 0)
			goto out;
		if (ui->phase != NULL &&
		    ((kc = json_array()) == NULL || (kp = json_object()) == NULL ||
		    json_object_set_new(kp, "kill_chain_name", json_string("misp-category")) != 0 ||
		    json_object_set_new(kp, "phase_name", json_string(ui->phase)) != 0 ||
		    json_array_append(kc, kp) != 0 || json_object_set(o, "kill_chain_phases", kc) != 0))
			goto out;
	} else {
		if ((refs = json_array()) == NULL)
			goto out;
		if ((r = build_scos(c, refs, ui->marks)) != HL_OK)
			goto out;
		r = HL_ERR_NOMEM;
		if (json_object_set_new(o, "first_observed", json_string(ui->time)) != 0 ||
		    json_object_set_new(o, "last_observed", json_string(ui->time)) != 0 ||
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
	if (r != HL_OK || !*made)
		id[0] = '\0';
	json_decref(o);
	json_decref(refs);
	json_decref(kc);
	json_decref(kp);
	hl_free(pat);
	return r;
}

/* Count every attribute of the unit as converted or skipped. */
static void
unit_account(struct conv *c, int made)
{
	unsigned i, j;
	int used;

	for (i = 0; i < c->u.na; i++) {
		const struct uattr *a = &c->u.a[i];

		used = a->text;
		for (j = 0; j < c->u.n && !used; j++)
			if (c->u.c[j].attr == i && !c->u.c[j].drop)
				used = 1;
		if (!used)
			skip_attr(c, a->uuid, a->type, a->why != NULL ? a->why : "unsupported type");
		else if (made)
			conv_attr(c, a->type);
		else
			skip_attr(c, a->uuid, a->type, "duplicate uuid");
	}
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

/* vulnerability, yara/snort/sigma rules and pdb paths: not patterns over
 * observables. Returns 1 when the type is one of them (*made set). */
static int
special_attr(struct conv *c, const json_t *a, const char *uuid, const char *type,
    const char *value, const json_t *marks, const char *time, const char **why, int *made,
    char id[64], int *r)
{
	const char *comment = sget(a, "comment"), *category = sget(a, "category");
	json_t *o = NULL, *er = NULL, *ers = NULL;
	int rule = strcmp(type, "yara") == 0 || strcmp(type, "snort") == 0 ||
	    strcmp(type, "sigma") == 0;
	char name[HL_MISP_NAME_MAX + 8];
	size_t vl = strlen(value);

	*why = NULL;
	*made = 0;
	*r = HL_OK;
	id[0] = '\0';
	if (!rule && strcmp(type, "vulnerability") != 0 && strcmp(type, "pdb") != 0)
		return 0;
	if (vl == 0) {
		*why = "empty value";
		return 1;
	}
	if (vl > (rule ? (size_t)HL_STIX_PATTERN_MAX : (size_t)HL_MISP_VALUE_MAX)) {
		*why = "value too long";
		return 1;
	}
	if (rule ? !rule_text_ok(value) : !printable(value)) {
		*why = "malformed value";
		return 1;
	}
	*r = HL_ERR_NOMEM;
	if (rule) {
		snprintf(name, sizeof(name), "MISP %s", type);
		if ((*r = make_id("indicator", uuid, id)) != HL_OK ||
		    (o = sdo_new(c, "indicator", id, time, marks)) == NULL ||
		    json_object_set_new(o, "name", json_string(name)) != 0 ||
		    json_object_set_new(o, "pattern", json_string(value)) != 0 ||
		    json_object_set_new(o, "pattern_type", json_string(type)) != 0 ||
		    json_object_set_new(o, "valid_from", json_string(time)) != 0)
			goto out;
	} else if (strcmp(type, "vulnerability") == 0) {
		if ((*r = make_id("vulnerability", uuid, id)) != HL_OK ||
		    (o = sdo_new(c, "vulnerability", id, time, marks)) == NULL ||
		    json_object_set_new(o, "name", json_string(value)) != 0)
			goto out;
		if (strncasecmp(value, "CVE-", 4) == 0 &&
		    ((ers = json_array()) == NULL || (er = json_object()) == NULL ||
		    json_object_set_new(er, "source_name", json_string("cve")) != 0 ||
		    json_object_set_new(er, "external_id", json_string(value)) != 0 ||
		    json_array_append(ers, er) != 0 ||
		    json_object_set(o, "external_references", ers) != 0))
			goto out;
	} else {
		/* no STIX property holds a PDB path: misp-stix's custom object */
		if ((*r = make_id("x-misp-attribute", uuid, id)) != HL_OK ||
		    (o = sdo_new(c, "x-misp-attribute", id, time, marks)) == NULL ||
		    json_object_set_new(o, "x_misp_type", json_string(type)) != 0 ||
		    json_object_set_new(o, "x_misp_value", json_string(value)) != 0 ||
		    (name_ok(category) &&
		    json_object_set_new(o, "x_misp_category", json_string(category)) != 0))
			goto out;
	}
	*r = HL_ERR_NOMEM;
	if ((comment != NULL && comment[0] != '\0' && strlen(comment) <= HL_MISP_TEXT_MAX &&
	    json_object_set_new(o, "description", json_string(comment)) != 0) ||
	    (json_array_size(c->u.labels) > 0 && json_object_set(o, "labels", c->u.labels) != 0))
		goto out;
	*r = emit(c, o, 1);
	o = NULL;
	if (*r >= 0) {
		*made = *r;
		*r = HL_OK;
	}
out:
	json_decref(o);
	json_decref(er);
	json_decref(ers);
	return 1;
}

/* The indicates relationships of the unit's own galaxies. */
static int
unit_galaxies(struct conv *c, const char *id)
{
	json_t *g;
	size_t i;
	int r;

	if (strncmp(id, "indicator--", 11) != 0)
		return HL_OK;
	json_array_foreach(c->u.galaxies, i, g)
		if ((r = indicates(c, id, json_string_value(g))) != HL_OK)
			return r;
	return HL_OK;
}

/* labels misp:type="…" and misp:category="…", then the attribute's tags */
static int
attr_labels(struct conv *c, const json_t *a, const char *type)
{
	const char *category = sget(a, "category");
	int r = HL_OK;

	if ((name_ok(type) && (r = add_label(c->u.labels, "type", type)) != HL_OK) ||
	    (name_ok(category) &&
	    (r = add_label(c->u.labels, "category", category)) != HL_OK))
		return r;
	return item_tags(c, a);
}

/* One top-level attribute. */
static int
do_attribute(struct conv *c, const json_t *a)
{
	const char *uuid = sget(a, "uuid"), *type = sget(a, "type"), *value = sget(a, "value");
	const char *why, *comment = sget(a, "comment"), *category = sget(a, "category");
	struct unit_info ui;
	json_t *own = NULL, *marks, *er = NULL;
	char tbuf[32], name[96], id[64];
	int made, known, ai, r = HL_OK;

	c->sum->attributes++;
	if (!json_is_object(a) || uuid == NULL || !is_uuid(uuid)) {
		skip_attr(c, uuid != NULL ? uuid : "-", type != NULL ? type : "-",
		    "malformed attribute (uuid)");
		return HL_OK;
	}
	if (type == NULL || value == NULL || !name_ok(type)) {
		skip_attr(c, uuid, type != NULL ? type : "-", "malformed attribute (type or value)");
		return HL_OK;
	}
	unit_reset(c);
	marks = item_marks(c, a, &own);
	if (c->nomem) {
		r = HL_ERR_NOMEM;
		goto out;
	}
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
	if ((r = attr_labels(c, a, type)) != HL_OK)
		goto out;
	if (special_attr(c, a, uuid, type, value, marks, attr_time(c, a, tbuf), &why, &made, id,
	    &r)) {
		if (r != HL_OK)
			goto out;
		if (why != NULL)
			skip_attr(c, uuid, type, why);
		else if (!made)
			skip_attr(c, uuid, type, "duplicate uuid");
		else if ((r = json_object_set_new(c->uuidmap, uuid, json_string(id)) != 0 ?
		    HL_ERR_NOMEM : unit_galaxies(c, id)) == HL_OK)
			conv_attr(c, type);
		goto out;
	}
	if ((ai = unit_attr(c, uuid, type)) < 0) {
		r = HL_ERR_INTERNAL;
		goto out;
	}
	why = attr_cmps(c, "", NULL, type, value, (unsigned)ai, &known);
	if (c->nomem) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	if (why == NULL && !known)
		why = strcmp(type, "attachment") == 0 || strcmp(type, "malware-sample") == 0 ?
		    "attachment data not imported" : "unsupported type";
	if (why != NULL) {
		drop_attr_cmps(c, (unsigned)ai);
		skip_attr(c, uuid, type, why);
		goto out;
	}
	if (comment != NULL && comment[0] != '\0' && strlen(comment) < HL_MISP_TEXT_MAX)
		hl_buf_put(&c->u.desc, comment, strlen(comment));
	c->u.to_ids = json_is_true(json_object_get(a, "to_ids"));
	snprintf(name, sizeof(name), "MISP %s", type);
	ui.key = uuid;
	ui.name = name;
	ui.time = attr_time(c, a, tbuf);
	ui.marks = marks;
	ui.phase = name_ok(category) ? category : NULL;
	if ((r = emit_unit(c, &ui, id, &made)) != HL_OK)
		goto out;
	unit_account(c, made);
	if (made && id[0] != '\0' &&
	    ((r = json_object_set_new(c->uuidmap, uuid, json_string(id)) != 0 ? HL_ERR_NOMEM :
	    HL_OK) != HL_OK || (r = unit_galaxies(c, id)) != HL_OK))
		goto out;
out:
	if (r == HL_OK && c->nomem)
		r = HL_ERR_NOMEM;
	json_decref(own);
	json_decref(er);
	return r;
}

/* The attributes of one MISP object (obj) into the unit; oname its name. */
static int
object_attrs(struct conv *c, const json_t *obj, const char *oname)
{
	json_t *a;
	const char *uuid, *type, *value, *why;
	size_t i;
	int ai, known, r;

	if ((r = item_tags(c, obj)) != HL_OK)
		return r;
	json_array_foreach(json_object_get(obj, "Attribute"), i, a) {
		c->sum->attributes++;
		uuid = sget(a, "uuid");
		type = sget(a, "type");
		value = sget(a, "value");
		if (!json_is_object(a) || uuid == NULL || !is_uuid(uuid) || type == NULL ||
		    value == NULL || !name_ok(type)) {
			skip_attr(c, uuid != NULL ? uuid : "-", type != NULL ? type : "-",
			    "malformed attribute (uuid, type or value)");
			continue;
		}
		if ((ai = unit_attr(c, uuid, type)) < 0) {
			skip_attr(c, uuid, type, "too many values in object");
			continue;
		}
		if ((r = item_tags(c, a)) != HL_OK)
			return r;
		why = NULL;
		known = 1;
		if ((strcmp(type, "comment") == 0 || strcmp(type, "text") == 0) &&
		    !has_relrule(oname, sget(a, "object_relation"))) {
			if (strlen(value) + c->u.desc.len + 2 > HL_MISP_TEXT_MAX) {
				why = "value too long";
			} else {
				if (c->u.desc.len > 0)
					hl_buf_put(&c->u.desc, "\n", 1);
				hl_buf_put(&c->u.desc, value, strlen(value));
				c->u.a[ai].text = 1;
			}
		} else {
			why = attr_cmps(c, oname, sget(a, "object_relation"), type, value, (unsigned)ai,
			    &known);
			if (c->nomem)
				return HL_ERR_NOMEM;
			if (why == NULL && !known)
				why = strcmp(type, "attachment") == 0 ||
				    strcmp(type, "malware-sample") == 0 ? "attachment data not imported" :
				    "no STIX property for it in this object";
			if (why != NULL)
				drop_attr_cmps(c, (unsigned)ai);
			else if (json_is_true(json_object_get(a, "to_ids")))
				c->u.to_ids = 1;
		}
		c->u.a[ai].why = why;
	}
	return HL_OK;
}

/* uuid of the object that o is merged into, or NULL */
static const char *
parent_of(struct conv *c, const char *uuid)
{
	return sget(c->parent, uuid);
}

/* The pe-sections merged into pe (ouuid), each a list element. */
static int
object_sections(struct conv *c, const char *ouuid)
{
	const char *k;
	json_t *v;
	int r;

	json_object_foreach(c->parent, k, v) {
		if (strcmp(json_string_value(v), ouuid) != 0)
			continue;
		if (strcmp(sget(json_object_get(c->objbyuuid, k), "name"), "pe-section") != 0)
			continue;
		c->u.elem++;
		if ((r = object_attrs(c, json_object_get(c->objbyuuid, k), "pe-section")) != HL_OK)
			return r;
	}
	return HL_OK;
}

/* One MISP object (with what is merged into it): one indicator /
 * observed-data, or a note when it holds only text. */
static int
do_object(struct conv *c, const json_t *obj)
{
	const char *ouuid = sget(obj, "uuid"), *oname = sget(obj, "name");
	const char *meta = sget(obj, "meta-category"), *k;
	json_t *attrs = json_object_get(obj, "Attribute"), *a, *own = NULL, *marks, *v;
	struct unit_info ui;
	char tbuf[32], name[96], id[64];
	int made, r = HL_ERR_NOMEM;
	size_t ai, i;

	if (ouuid == NULL || !is_uuid(ouuid)) {
		json_array_foreach(attrs, ai, a) {
			c->sum->attributes++;
			skip_attr(c, sget(a, "uuid") != NULL ? sget(a, "uuid") : "-",
			    sget(a, "type") != NULL ? sget(a, "type") : "-", "malformed object (uuid)");
		}
		return HL_OK;
	}
	if (parent_of(c, ouuid) != NULL)
		return HL_OK;   /* converted with the object it is merged into */
	if (oname == NULL || !name_ok(oname))
		oname = "?";
	unit_reset(c);
	if (c->nomem)
		goto out;
	if ((name_ok(oname) && (r = add_label(c->u.labels, "name", oname)) != HL_OK) ||
	    (name_ok(meta) &&
	    (r = add_label(c->u.labels, "meta-category", meta)) != HL_OK))
		goto out;
	if ((r = object_attrs(c, obj, oname)) != HL_OK)
		goto out;
	/* a file with its pe (and their sections), or a pe with its sections */
	if (strcmp(oname, "pe") == 0 && (r = object_sections(c, ouuid)) != HL_OK)
		goto out;
	json_object_foreach(c->parent, k, v) {
		if (strcmp(json_string_value(v), ouuid) != 0 ||
		    strcmp(sget(json_object_get(c->objbyuuid, k), "name"), "pe") != 0)
			continue;
		if ((r = object_attrs(c, json_object_get(c->objbyuuid, k), "pe")) != HL_OK ||
		    (r = object_sections(c, k)) != HL_OK)
			goto out;
	}
	r = HL_ERR_NOMEM;
	if (c->u.n == 0) {
		/* only text (or nothing we map): a note keeps the text */
		for (i = 0; i < c->u.na; i++)
			if (c->u.a[i].why == NULL && !c->u.a[i].text)
				c->u.a[i].why = "unsupported type";
		made = 1;
		if (c->u.desc.len > 0) {
			hl_buf_put(&c->u.desc, "", 1);
			if (hl_buf_error(&c->u.desc) != HL_OK)
				goto out;
			if ((r = emit_note(c, ouuid, (const char *)c->u.desc.data, oname,
			    attr_time(c, obj, tbuf), c->event_marks)) != HL_OK)
				goto out;
		}
		unit_account(c, made);
		r = HL_OK;
		goto out;
	}
	marks = item_marks(c, obj, &own);
	snprintf(name, sizeof(name), "MISP object %s", oname);
	ui.key = ouuid;
	ui.name = name;
	ui.time = attr_time(c, obj, tbuf);
	ui.marks = marks;
	ui.phase = name_ok(meta) ? meta : NULL;
	if ((r = emit_unit(c, &ui, id, &made)) != HL_OK)
		goto out;
	unit_account(c, made);
	if (made && id[0] != '\0') {
		r = HL_ERR_NOMEM;
		if (json_object_set_new(c->uuidmap, ouuid, json_string(id)) != 0)
			goto out;
		/* what is merged into it is represented by it */
		json_object_foreach(c->parent, k, v)
			if ((strcmp(json_string_value(v), ouuid) == 0 ||
			    (parent_of(c, json_string_value(v)) != NULL &&
			    strcmp(parent_of(c, json_string_value(v)), ouuid) == 0)) &&
			    json_object_set_new(c->uuidmap, k, json_string(id)) != 0)
				goto out;
		if ((r = unit_galaxies(c, id)) != HL_OK)
			goto out;
	}
	r = HL_OK;
out:
	if (r == HL_OK && c->nomem)
		r = HL_ERR_NOMEM;
	json_decref(own);
	return r;
}

/* Which pe / pe-section objects go into which file / pe: a reference
 * between a file and a pe (either way) merges the pe into the file; one
 * between a pe and a pe-section merges the section into the pe. */
static int
plan_merges(struct conv *c, const json_t *ev)
{
	json_t *o, *ref, *t;
	const char *u, *ru, *on, *tn, *child, *into;
	size_t i, k;

	json_array_foreach(json_object_get(ev, "Object"), i, o) {
		if ((u = sget(o, "uuid")) != NULL && is_uuid(u) && sget(o, "name") != NULL &&
		    json_object_set(c->objbyuuid, u, o) != 0)
			return HL_ERR_NOMEM;
	}
	json_array_foreach(json_object_get(ev, "Object"), i, o) {
		if ((u = sget(o, "uuid")) == NULL || (on = sget(o, "name")) == NULL ||
		    json_object_get(c->objbyuuid, u) != o)
			continue;
		json_array_foreach(json_object_get(o, "ObjectReference"), k, ref) {
			if ((ru = sget(ref, "referenced_uuid")) == NULL ||
			    (t = json_object_get(c->objbyuuid, ru)) == NULL || t == o)
				continue;
			tn = sget(t, "name");
			child = into = NULL;
			if (strcmp(on, "file") == 0 && strcmp(tn, "pe") == 0) {
				child = ru;
				into = u;
			} else if (strcmp(on, "pe") == 0 && strcmp(tn, "file") == 0) {
				child = u;
				into = ru;
			} else if (strcmp(on, "pe") == 0 && strcmp(tn, "pe-section") == 0) {
				child = ru;
				into = u;
			} else if (strcmp(on, "pe-section") == 0 && strcmp(tn, "pe") == 0) {
				child = u;
				into = ru;
			}
			/* the first reference decides; a child is never a parent too */
			if (child == NULL || json_object_get(c->parent, child) != NULL)
				continue;
			if (sget(c->parent, into) != NULL && strcmp(sget(c->parent, into), child) == 0)
				continue;
			if (json_object_set_new(c->parent, child, json_string(into)) != 0)
				return HL_ERR_NOMEM;
		}
	}
	return HL_OK;
}

/* ObjectReferences as relationships, once every object is converted. */
static int
do_references(struct conv *c, const json_t *ev)
{
	json_t *o, *ref;
	const char *ou, *ru, *src, *dst, *rt, *ruuid;
	char rtype[HL_MISP_NAME_MAX], key[200], tbuf[32];
	size_t i, k, j;
	int r;

	json_array_foreach(json_object_get(ev, "Object"), i, o) {
		json_array_foreach(json_object_get(o, "ObjectReference"), k, ref) {
			c->sum->references++;
			ou = sget(o, "uuid");
			ru = sget(ref, "referenced_uuid");
			src = ou != NULL ? sget(c->uuidmap, ou) : NULL;
			dst = ru != NULL ? sget(c->uuidmap, ru) : NULL;
			if (src == NULL || dst == NULL) {
				c->sum->references_unresolved++;
				continue;
			}
			if (strcmp(src, dst) == 0) {
				c->sum->references_merged++;
				continue;
			}
			/* relationship_type: lower-case letters, digits and '-' */
			rt = sget(ref, "relationship_type");
			snprintf(rtype, sizeof(rtype), "%s", rt != NULL && rt[0] != '\0' &&
			    strlen(rt) < sizeof(rtype) ? rt : "related-to");
			for (j = 0; rtype[j] != '\0'; j++) {
				if (rtype[j] >= 'A' && rtype[j] <= 'Z')
					rtype[j] = (char)(rtype[j] - 'A' + 'a');
				else if (rtype[j] == '_' || rtype[j] == ' ')
					rtype[j] = '-';
				if (strchr("abcdefghijklmnopqrstuvwxyz0123456789-", rtype[j]) == NULL) {
					snprintf(rtype, sizeof(rtype), "related-to");
					break;
				}
			}
			ruuid = sget(ref, "uuid");
			if (ruuid != NULL && is_uuid(ruuid))
				snprintf(key, sizeof(key), "reference:%s", ruuid);
			else
				snprintf(key, sizeof(key), "reference:%s:%s:%s", src, rtype, dst);
			rt = sget(ref, "comment");
			if ((r = emit_rel(c, key, rtype, src, dst, attr_time(c, ref, tbuf),
			    rt != NULL && strlen(rt) <= HL_MISP_TEXT_MAX && printable(rt) ? rt : NULL)) !=
			    HL_OK)
				return r;
		}
	}
	return HL_OK;
}

/* Every indicator indicates the event's own galaxies. */
static int
event_indicates(struct conv *c)
{
	json_t *o, *g;
	size_t i, k, n = json_array_size(c->objects);
	const char *id;
	int r;

	if (json_array_size(c->galaxies) == 0)
		return HL_OK;
	for (i = 0; i < n; i++) {
		o = json_array_get(c->objects, i);
		id = sget(o, "id");
		if (strcmp(sget(o, "type"), "indicator") != 0)
			continue;
		json_array_foreach(c->galaxies, k, g)
			if ((r = indicates(c, id, json_string_value(g))) != HL_OK)
				return r;
	}
	return HL_OK;
}

/* The TLP 2.0 marking-definition objects the bundle refers to, after the
 * report. */
static int
add_markings(struct conv *c)
{
	json_t *o = NULL, *ext = NULL, *tlp = NULL, *m;
	unsigned char used[NTLPS];
	size_t i, k, at = 0;
	int t;

	memset(used, 0, sizeof(used));
	json_array_foreach(c->event_marks, i, m)
		if ((t = tlp_of_id(json_string_value(m))) >= 0)
			used[tlps[t].rank] = 1;
	json_array_foreach(c->objects, i, o)
		json_array_foreach(json_object_get(o, "object_marking_refs"), k, m)
			if ((t = tlp_of_id(json_string_value(m))) >= 0)
				used[tlps[t].rank] = 1;
	o = NULL;
	for (i = 0; i < NTLPS; i++) {
		if (!used[tlps[i].rank])
			continue;
		used[tlps[i].rank] = 0;
		if ((o = json_object()) == NULL || (ext = json_object()) == NULL ||
		    (tlp = json_object()) == NULL ||
		    json_object_set_new(o, "type", json_string("marking-definition")) != 0 ||
		    json_object_set_new(o, "spec_version", json_string("2.1")) != 0 ||
		    json_object_set_new(o, "id", json_string(tlps[i].id)) != 0 ||
		    json_object_set_new(o, "created", json_string(TLP2_CREATED)) != 0 ||
		    json_object_set_new(o, "name", json_string(tlps[i].title)) != 0 ||
		    json_object_set_new(tlp, "extension_type", json_string("property-extension")) != 0 ||
		    json_object_set_new(tlp, "tlp_2_0", json_string(tlps[i].name)) != 0 ||
		    json_object_set(ext, TLP2_EXT, tlp) != 0 ||
		    json_object_set(o, "extensions", ext) != 0 ||
		    json_object_set(c->seen, tlps[i].id, o) != 0 ||
		    json_array_insert(c->objects, at++, o) != 0)
			goto fail;
		stat_add(c->sum->stix, &c->sum->nstix, "marking-definition");
		c->sum->objects++;
		json_decref(o);
		json_decref(ext);
		json_decref(tlp);
		o = ext = tlp = NULL;
	}
	return HL_OK;
fail:
	json_decref(o);
	json_decref(ext);
	json_decref(tlp);
	return HL_ERR_NOMEM;
}

static int
do_event_tags(struct conv *c, const json_t *ev)
{
	json_t *tags = json_object_get(ev, "Tag"), *tg;
	const char *name;
	size_t i;
	int k;

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
		if ((k = tlp_of_tag(name)) >= 0) {
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
	char id[64];
	size_t i;
	int r;

	json_array_foreach(tags, i, tg) {
		if ((name = sget(tg, "name")) == NULL || strlen(name) > 256 ||
		    strncmp(name, "misp-galaxy:", 12) != 0)
			continue;
		if ((r = galaxy_obj(c, name, id)) != HL_OK)
			return r;
		if (id[0] != '\0' && (r = append_unique(c->galaxies, id)) != HL_OK)
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
	json_t *o, *oa, *or;
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
		or = json_object_get(o, "ObjectReference");
		if ((oa != NULL && !json_is_array(oa)) || (or != NULL && !json_is_array(or)))
			return HL_ERR_MALFORMED;
		if (json_array_size(oa) > HL_MISP_OBJ_ATTRS_MAX ||
		    json_array_size(or) > HL_MISP_OBJ_ATTRS_MAX)
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
	if (json_object_set(c->seen, c->report_id, o) != 0) {
		json_decref(o);
		return HL_ERR_NOMEM;
	}
	if (json_array_insert_new(c->objects, 0, o) != 0)
		return HL_ERR_NOMEM;
	stat_add(c->sum->stix, &c->sum->nstix, "report");
	c->sum->objects++;
	return HL_OK;
}

static void
conv_free(struct conv *c)
{
	unsigned i;

	if (c->u.c != NULL)
		for (i = 0; i < c->u.n; i++)
			hl_free(c->u.c[i].value);
	hl_free(c->u.c);
	hl_free(c->u.a);
	hl_buf_free(&c->u.desc);
	json_decref(c->u.galaxies);
	json_decref(c->u.labels);
	json_decref(c->objects);
	json_decref(c->seen);
	json_decref(c->refs);
	json_decref(c->ext_refs);
	json_decref(c->labels);
	json_decref(c->event_marks);
	json_decref(c->uuidmap);
	json_decref(c->galaxies);
	json_decref(c->objbyuuid);
	json_decref(c->parent);
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
	hl_buf_init(&c.u.desc, HL_MISP_TEXT_MAX);
	*bundle = NULL;
	memset(sum, 0, sizeof(*sum));
	hl_set_err(err, errlen, "%s", "");
	c.sum = sum;
	if (len > HL_MISP_MAX_BYTES) {
		hl_set_err(err, errlen, "MISP event larger than %u bytes", HL_MISP_MAX_BYTES);
		return HL_ERR_TOO_BIG;
	}
	if (len == 0 || p == NULL) {
		hl_set_err(err, errlen, "MISP event is empty");
		return HL_ERR_MALFORMED;
	}
	if (!hl_apijson_depth_ok(p, len)) {
		hl_set_err(err, errlen, "MISP event nested deeper than %d levels", HL_JSON_DEPTH_MAX);
		return HL_ERR_MALFORMED;
	}
	if ((root = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		hl_set_err(err, errlen, "MISP event is not valid JSON (line %d): %s", je.line, je.text);
		goto out;
	}
	ev = json_object_get(root, "Event");
	if (ev == NULL)
		ev = root;
	if (!json_is_object(ev)) {
		hl_set_err(err, errlen, "not a MISP event: no Event object");
		goto out;
	}
	if ((uuid = sget(ev, "uuid")) == NULL || !is_uuid(uuid)) {
		hl_set_err(err, errlen, "not a MISP event: no valid event uuid");
		goto out;
	}
	snprintf(sum->event_uuid, sizeof(sum->event_uuid), "%s", uuid);
	clean_copy(sum->info, sizeof(sum->info), sget(ev, "info") != NULL ? sget(ev, "info") : "");
	if (get_ts(ev, "timestamp", &c.event_ts) != HL_OK &&
	    parse_date(sget(ev, "date"), &c.event_ts) != HL_OK) {
		hl_set_err(err, errlen, "MISP event %s has no valid timestamp or date", uuid);
		goto out;
	}
	if (fmt_time(c.event_ts, c.event_time) != HL_OK) {
		hl_set_err(err, errlen, "MISP event %s: timestamp out of range", uuid);
		goto out;
	}
	if ((get_ts(ev, "publish_timestamp", &published) != HL_OK || published == 0) &&
	    parse_date(sget(ev, "date"), &published) != HL_OK)
		published = c.event_ts;
	if ((r = count_attrs(ev, &nattrs, &nobjs)) != HL_OK) {
		hl_set_err(err, errlen, r == HL_ERR_TOO_BIG ? "MISP event %s: more than %d attributes "
		    "or %d objects (or %d attributes or references in one object)" :
		    "MISP event %s: Attribute, Object or ObjectReference is not an array", uuid,
		    HL_MISP_ATTRS_MAX, HL_MISP_OBJECTS_MAX, HL_MISP_OBJ_ATTRS_MAX);
		goto out;
	}
	r = HL_ERR_NOMEM;
	if ((c.objects = json_array()) == NULL || (c.seen = json_object()) == NULL ||
	    (c.refs = json_array()) == NULL || (c.ext_refs = json_array()) == NULL ||
	    (c.labels = json_array()) == NULL || (c.event_marks = json_array()) == NULL ||
	    (c.uuidmap = json_object()) == NULL || (c.galaxies = json_array()) == NULL ||
	    (c.objbyuuid = json_object()) == NULL || (c.parent = json_object()) == NULL ||
	    (c.u.c = hl_calloc(CMPS_MAX, sizeof(*c.u.c))) == NULL ||
	    (c.u.a = hl_calloc(HL_MISP_UNIT_ATTRS_MAX, sizeof(*c.u.a))) == NULL)
		goto out;
	if ((r = make_id("report", uuid, c.report_id)) != HL_OK)
		goto out;
	if ((r = do_event_tags(&c, ev)) != HL_OK) {
		hl_set_err(err, errlen, r == HL_ERR_TOO_BIG ? "MISP event %s: more than %d tags" :
		    r == HL_ERR_MALFORMED ? "MISP event %s: Tag is not an array" :
		    "MISP event %s: out of memory", uuid, HL_MISP_TAGS_MAX);
		goto out;
	}
	if ((r = do_identity(&c, ev)) != HL_OK || (r = do_galaxies(&c, ev)) != HL_OK ||
	    (r = plan_merges(&c, ev)) != HL_OK)
		goto out;
	json_array_foreach(json_object_get(ev, "Attribute"), i, a)
		if ((r = do_attribute(&c, a)) != HL_OK)
			goto out;
	json_array_foreach(json_object_get(ev, "Object"), i, o)
		if ((r = do_object(&c, o)) != HL_OK)
			goto out;
	if ((r = do_references(&c, ev)) != HL_OK || (r = event_indicates(&c)) != HL_OK ||
	    (r = add_markings(&c)) != HL_OK || (r = finish_report(&c, ev, published)) != HL_OK)
		goto out;
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
		hl_set_err(err, errlen, "out of memory converting the MISP event");
	else if (r != HL_OK && err != NULL && errlen > 0 && err[0] == '\0')
		hl_set_err(err, errlen, "cannot convert the MISP event: %s", hl_strerror(r));
	if (r != HL_OK) {
		memset(sum, 0, sizeof(*sum));
		json_decref(b);
	}
	json_decref(root);
	conv_free(&c);
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

	if ((o = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o*,s:o*,s:o*}",
	    "event", s->event_uuid, "info", s->info, "tlp", s->tlp,
	    "attributes", (json_int_t)s->attributes, "converted", (json_int_t)s->converted,
	    "skipped", (json_int_t)s->skipped, "objects", (json_int_t)s->objects,
	    "references", (json_int_t)s->references,
	    "references_merged", (json_int_t)s->references_merged,
	    "references_unresolved", (json_int_t)s->references_unresolved,
	    "relationships_left_out", (json_int_t)s->rels_left_out,
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
