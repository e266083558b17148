/* stix.c: STIX 2.1 validation, TLP markings, canonical JSON and observable
 * extraction (stix.h). Pure: no I/O, no clock. Everything here takes
 * untrusted JSON (TAXII POST bodies, partner envelopes, external servers):
 * sizes and nesting are bounded before anything else is looked at. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "label.h"
#include "stix.h"

/* ---- categories ---- */

static const char *const sdo_types[] = {
	"attack-pattern", "campaign", "course-of-action", "grouping", "identity",
	"incident", "indicator", "infrastructure", "intrusion-set", "location", "malware",
	"malware-analysis", "note", "observed-data", "opinion", "report", "threat-actor",
	"tool", "vulnerability",
};
static const char *const sco_types[] = {
	"artifact", "autonomous-system", "directory", "domain-name", "email-addr",
	"email-message", "file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex",
	"network-traffic", "process", "software", "url", "user-account",
	"windows-registry-key", "x509-certificate",
};

static int
in_list(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

int
hl_stix_category(const char *type)
{
	if (type == NULL)
		return HL_STIX_UNKNOWN;
	if (in_list(type, sdo_types, sizeof(sdo_types) / sizeof(sdo_types[0])))
		return HL_STIX_SDO;
	if (in_list(type, sco_types, sizeof(sco_types) / sizeof(sco_types[0])))
		return HL_STIX_SCO;
	if (strcmp(type, "relationship") == 0 || strcmp(type, "sighting") == 0)
		return HL_STIX_SRO;
	if (strcmp(type, "marking-definition") == 0)
		return HL_STIX_MARKING;
	if (strcmp(type, "bundle") == 0)
		return HL_STIX_BUNDLE;
	if (strcmp(type, "language-content") == 0 || strcmp(type, "extension-definition") == 0)
		return HL_STIX_META;
	return HL_STIX_UNKNOWN;
}

/* ---- ids and names ---- */

/* A type name: 3..250 of a-z 0-9 '-', starting with a letter, no "--". */
static int
type_valid(const char *t, size_t n)
{
	size_t i;

	if (n < 3 || n > HL_STIX_TYPE_MAX || !(t[0] >= 'a' && t[0] <= 'z'))
		return 0;
	for (i = 0; i < n; i++) {
		char c = t[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
		if (c == '-' && i + 1 < n && t[i + 1] == '-')
			return 0;
	}
	return t[n - 1] != '-';
}

static int
hexc(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 4122 text: 8-4-4-4-12 hex, version 1..8, variant 10xx. */
static int
uuid_valid(const char *u, size_t n)
{
	size_t i;

	if (n != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (u[i] != '-')
				return 0;
		} else if (!hexc(u[i])) {
			return 0;
		}
	}
	if (u[14] < '1' || u[14] > '8')
		return 0;
	return strchr("89abAB", u[19]) != NULL;
}

int
hl_stix_id_valid(const char *id, const char *type)
{
	const char *sep;
	size_t n, tn;

	if (id == NULL)
		return 0;
	n = strnlen(id, HL_STIX_ID_MAX + 1);
	if (n > HL_STIX_ID_MAX || (sep = strstr(id, "--")) == NULL)
		return 0;
	tn = (size_t)(sep - id);
	if (!type_valid(id, tn))
		return 0;
	if (type != NULL && (strlen(type) != tn || memcmp(id, type, tn) != 0))
		return 0;
	return uuid_valid(sep + 2, n - tn - 2);
}

/* ---- timestamps ---- */

static int
digits(const char *s, size_t n, unsigned *out)
{
	size_t i;
	unsigned v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 1;
}

int64_t
hl_stix_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (int64_t)(m + (m > 2 ? -3 : 9)) + 2) / 5 + (int64_t)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
hl_stix_time(const char *s, char key[HL_STIX_TS_KEY], int64_t *us)
{
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, mo, d, h, mi, sec, frac = 0, fd = 0, fus = 0;
	size_t n, i;
	char f[10];

	if (s == NULL)
		return HL_ERR_MALFORMED;
	n = strnlen(s, 64);
	/* YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z */
	if (n < 20 || n > 30 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[n - 1] != 'Z')
		return HL_ERR_MALFORMED;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &sec))
		return HL_ERR_MALFORMED;
	if (n > 20) {
		if (s[19] != '.' || n < 22)
			return HL_ERR_MALFORMED;
		fd = (unsigned)(n - 21);
		if (fd > 9 || !digits(s + 20, fd, &frac))
			return HL_ERR_MALFORMED;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
		return HL_ERR_MALFORMED;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return HL_ERR_MALFORMED;
	memset(f, '0', 9);
	f[9] = '\0';
	if (fd > 0)
		memcpy(f, s + 20, fd);
	for (i = 0; i < 6; i++)
		fus = fus * 10 + (unsigned)(f[i] - '0');
	if (key != NULL)
		(void)snprintf(key, HL_STIX_TS_KEY, "%04u-%02u-%02uT%02u:%02u:%02u.%sZ", y, mo, d, h,
		    mi, sec, f);
	if (us != NULL)
		*us = ((hl_stix_days_from_civil((int64_t)y, mo, d) * 86400 + (int64_t)h * 3600 +
		    (int64_t)mi * 60 + (int64_t)sec) * 1000000) + (int64_t)fus;
	return HL_OK;
}

/* ---- TLP ---- */

static const struct {
	const char *id;
	uint8_t tlp;
	const char *name;
	int v2;
} tlp_ids[] = {
	{ "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", HL_TLP_CLEAR, "TLP:CLEAR", 1 },
	{ "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", HL_TLP_GREEN, "TLP:GREEN", 1 },
	{ "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", HL_TLP_AMBER, "TLP:AMBER", 1 },
	{ "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", HL_TLP_AMBER_STRICT,
	    "TLP:AMBER+STRICT", 1 },
	{ "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", HL_TLP_RED, "TLP:RED", 1 },
	/* TLP 1.0, predefined by STIX 2.1 itself */
	{ "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", HL_TLP_CLEAR, "TLP:WHITE", 0 },
	{ "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", HL_TLP_GREEN, "TLP:GREEN", 0 },
	{ "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", HL_TLP_AMBER, "TLP:AMBER", 0 },
	{ "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", HL_TLP_RED, "TLP:RED", 0 },
};
#define NTLP (sizeof(tlp_ids) / sizeof(tlp_ids[0]))

int
hl_stix_tlp_of_marking(const char *id)
{
	size_t i;

	if (id == NULL)
		return -1;
	for (i = 0; i < NTLP; i++)
		if (strcmp(id, tlp_ids[i].id) == 0)
			return tlp_ids[i].tlp;
	return -1;
}

const char *
hl_stix_tlp_marking_id(uint8_t tlp)
{
	size_t i;

	for (i = 0; i < NTLP; i++)
		if (tlp_ids[i].v2 && tlp_ids[i].tlp == tlp)
			return tlp_ids[i].id;
	return tlp_ids[0].id;
}

void
hl_stix_object_tlp(const json_t *obj, uint8_t *tlp, int *found)
{
	const json_t *refs, *v;
	size_t i;
	int t;

	*tlp = HL_TLP_CLEAR;
	*found = 0;
	refs = json_object_get(obj, "object_marking_refs");
	if (!json_is_array(refs))
		return;
	json_array_foreach(refs, i, v) {
		if ((t = hl_stix_tlp_of_marking(json_string_value(v))) < 0)
			continue;
		if (!*found || (uint8_t)t > *tlp)
			*tlp = (uint8_t)t;
		*found = 1;
	}
}

/* ---- markings: granular selectors (STIX 2.1 section 7.2.3) ---- */

static int
sel_char(char c, int first)
{
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')
		return 1;
	/* dictionary keys below the top level may be upper case (hashes.SHA-256) */
	return !first && c >= 'A' && c <= 'Z';
}

/* Does selector sel (n bytes) select something obj holds? Segments are
 * separated by '.': the first a top-level property (3..250 of a-z 0-9 _ -,
 * or "id"), each next a key of the object selected so far or [N], an index
 * into the list selected so far. 1, or 0 with the reason in why. */
static int
selector_ok(const json_t *obj, const char *sel, size_t n, char *why, size_t whylen)
{
	char key[HL_STIX_SELECTOR_MAX + 1];
	const json_t *cur = obj;
	size_t i = 0, s, len, k, seg = 0;
	unsigned idx;

	if (n == 0 || n > HL_STIX_SELECTOR_MAX) {
		hl_set_err(why, whylen, n == 0 ? "empty" : "longer than %d bytes",
		    HL_STIX_SELECTOR_MAX);
		return 0;
	}
	for (;;) {
		for (s = i; i < n && sel[i] != '.'; i++)
			;
		len = i - s;
		if (len == 0) {
			hl_set_err(why, whylen, "an empty step (a leading, trailing or double '.')");
			return 0;
		}
		if (sel[s] == '[') {
			if (seg == 0) {
				hl_set_err(why, whylen, "starts with a list index");
				return 0;
			}
			if (len < 3 || sel[i - 1] != ']' || len - 2 > HL_STIX_INDEX_DIGITS ||
			    !digits(sel + s + 1, len - 2, &idx)) {
				hl_set_err(why, whylen, "'%.*s' is not a list index [N]", (int)len, sel + s);
				return 0;
			}
			if (!json_is_array(cur)) {
				hl_set_err(why, whylen, "[%u] indexes something that is not a list", idx);
				return 0;
			}
			if (idx >= json_array_size(cur)) {
				hl_set_err(why, whylen, "[%u] is beyond the list's %zu item(s)", idx,
				    json_array_size(cur));
				return 0;
			}
			cur = json_array_get(cur, idx);
		} else {
			for (k = s; k < i; k++)
				if (!sel_char(sel[k], seg == 0)) {
					hl_set_err(why, whylen, "'%.*s' is not a property name", (int)len,
					    sel + s);
					return 0;
				}
			if (seg == 0 && (len < 3 || len > 250) && !(len == 2 && memcmp(sel, "id", 2) == 0)) {
				hl_set_err(why, whylen, "'%.*s' is not a property name", (int)len, sel + s);
				return 0;
			}
			if (!json_is_object(cur)) {
				hl_set_err(why, whylen, "'%.*s' is a step into something that is not an "
				    "object", (int)len, sel + s);
				return 0;
			}
			memcpy(key, sel + s, len);
			key[len] = '\0';
			if ((cur = json_object_get(cur, key)) == NULL) {
				hl_set_err(why, whylen, "the object has no '%s' there", key);
				return 0;
			}
		}
		seg++;
		if (i == n)
			return 1;
		i++;
		if (i == n) {
			hl_set_err(why, whylen, "an empty step (a leading, trailing or double '.')");
			return 0;
		}
	}
}

/* "'a', 'b.[1]'" into out, cut with ", ..." when it does not fit. */
static void
format_selectors(const json_t *sels, char *out, size_t outlen)
{
	const json_t *v;
	size_t i, o = 0;
	int w;

	out[0] = '\0';
	json_array_foreach(sels, i, v) {
		w = snprintf(out + o, outlen - o, "%s'%s'", i ? ", " : "", json_string_value(v));
		if (w < 0 || (size_t)w >= outlen - o) {
			/* cut: end with ", ..." (outlen is HL_STIX_ERR_MAX) */
			if (o + 6 > outlen)
				o = outlen - 6;
			(void)snprintf(out + o, outlen - o, ", ...");
			return;
		}
		o += (size_t)w;
	}
}

static int
granular_one(const json_t *obj, const json_t *g, size_t gi, struct hl_stix_marks *m,
    char *err, size_t errlen)
{
	char why[160];
	const json_t *ref, *lang, *sels, *v;
	size_t i;
	int t;

	if (!json_is_object(g)) {
		hl_set_err(err, errlen, "granular_markings[%zu]: not an object", gi);
		return HL_ERR_MALFORMED;
	}
	ref = json_object_get(g, "marking_ref");
	lang = json_object_get(g, "lang");
	if ((ref == NULL) == (lang == NULL)) {
		hl_set_err(err, errlen, "granular_markings[%zu]: needs either 'marking_ref' or "
		    "'lang' (one of the two)", gi);
		return HL_ERR_MALFORMED;
	}
	if (ref != NULL && !hl_stix_id_valid(json_string_value(ref), "marking-definition")) {
		hl_set_err(err, errlen, "granular_markings[%zu].marking_ref: not a marking-definition "
		    "identifier", gi);
		return HL_ERR_MALFORMED;
	}
	if (lang != NULL && (!json_is_string(lang) || json_string_length(lang) == 0 ||
	    json_string_length(lang) > 64)) {
		hl_set_err(err, errlen, "granular_markings[%zu].lang: not a language tag", gi);
		return HL_ERR_MALFORMED;
	}
	sels = json_object_get(g, "selectors");
	if (!json_is_array(sels) || json_array_size(sels) == 0) {
		hl_set_err(err, errlen, "granular_markings[%zu].selectors: expected a non-empty list",
		    gi);
		return HL_ERR_MALFORMED;
	}
	if (json_array_size(sels) > HL_STIX_SELECTORS_MAX) {
		hl_set_err(err, errlen, "granular_markings[%zu].selectors: more than %d", gi,
		    HL_STIX_SELECTORS_MAX);
		return HL_ERR_TOO_BIG;
	}
	json_array_foreach(sels, i, v) {
		if (!json_is_string(v)) {
			hl_set_err(err, errlen, "granular_markings[%zu].selectors[%zu]: not a string",
			    gi, i);
			return HL_ERR_MALFORMED;
		}
		if (!selector_ok(obj, json_string_value(v), json_string_length(v), why,
		    sizeof(why))) {
			hl_set_err(err, errlen, "granular_markings[%zu].selectors[%zu] '%.64s': %s", gi,
			    i, json_string_value(v), why);
			return HL_ERR_MALFORMED;
		}
	}
	if (ref != NULL && (t = hl_stix_tlp_of_marking(json_string_value(ref))) >= 0) {
		if (!m->granular_found || (uint8_t)t > m->granular_tlp) {
			m->granular_tlp = (uint8_t)t;
			m->granular_index = (unsigned)gi;
			format_selectors(sels, m->selectors, sizeof(m->selectors));
		}
		m->granular_found = 1;
	}
	return HL_OK;
}

int
hl_stix_markings(const json_t *obj, struct hl_stix_marks *m, char *err, size_t errlen)
{
	const json_t *gm, *g;
	size_t i;
	int r;

	memset(m, 0, sizeof(*m));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	r = HL_ERR_MALFORMED;
	if (!json_is_object(obj)) {
		hl_set_err(err, errlen, "not a JSON object");
		goto out;
	}
	hl_stix_object_tlp(obj, &m->object_tlp, &m->object_found);
	if ((gm = json_object_get(obj, "granular_markings")) != NULL) {
		if (!json_is_array(gm) || json_array_size(gm) == 0) {
			hl_set_err(err, errlen, "'granular_markings' must be a non-empty list");
			goto out;
		}
		if (json_array_size(gm) > HL_STIX_GRANULAR_MAX) {
			hl_set_err(err, errlen, "more than %d granular markings", HL_STIX_GRANULAR_MAX);
			r = HL_ERR_TOO_BIG;
			goto out;
		}
		m->ngranular = (unsigned)json_array_size(gm);
		json_array_foreach(gm, i, g)
			if ((r = granular_one(obj, g, i, m, err, errlen)) != HL_OK)
				goto out;
	}
	m->found = m->object_found || m->granular_found;
	m->tlp = m->object_tlp;
	if (m->granular_found && m->granular_tlp > m->tlp)
		m->tlp = m->granular_tlp;
	r = HL_OK;
out:
	if (r != HL_OK)
		memset(m, 0, sizeof(*m));
	return r;
}

/* ---- sticky releasability ---- */

unsigned
hl_stix_release_widens(const struct hl_label *first, const struct hl_label *want)
{
	unsigned w = 0, i;

	if (strcmp(first->policy, want->policy) != 0)
		w |= HL_STIX_WIDENS_POLICY;
	if (want->classification < first->classification)
		w |= HL_STIX_WIDENS_CLASS;
	if (want->tlp < first->tlp)
		w |= HL_STIX_WIDENS_TLP;
	for (i = 0; i < want->nrel; i++)
		if (!hl_label_releasable_to(first, want->rel[i])) {
			w |= HL_STIX_WIDENS_REL;
			break;
		}
	return w;
}

int
hl_stix_release_union(const struct hl_label *a, const struct hl_label *b,
    struct hl_label *out)
{
	struct hl_label u;
	unsigned i = 0, j = 0;
	int c;

	*out = *a;
	if (strcmp(a->policy, b->policy) != 0)
		return HL_ERR_INVALID;
	u = *a;
	u.nrel = 0;
	u.classification = b->classification < a->classification ? b->classification :
	    a->classification;
	u.tlp = b->tlp < a->tlp ? b->tlp : a->tlp;
	/* both lists are sorted and unique: merge */
	while (i < a->nrel || j < b->nrel) {
		if (u.nrel == HL_RELEASABLE_MAX)
			return HL_ERR_TOO_BIG;
		c = i == a->nrel ? 1 : j == b->nrel ? -1 : strcmp(a->rel[i], b->rel[j]);
		if (c <= 0) {
			memcpy(u.rel[u.nrel++], a->rel[i], sizeof(u.rel[0]));
			i++;
			if (c == 0)
				j++;
		} else {
			memcpy(u.rel[u.nrel++], b->rel[j], sizeof(u.rel[0]));
			j++;
		}
	}
	*out = u;
	return HL_OK;
}

/* ---- validation ---- */

static int
depth_ok(const json_t *j, unsigned depth)
{
	const char *k;
	const json_t *v;
	size_t i;

	if (depth > HL_STIX_DEPTH_MAX)
		return 0;
	if (json_is_object(j)) {
		json_object_foreach((json_t *)(uintptr_t)j, k, v)
			if (!depth_ok(v, depth + 1))
				return 0;
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			if (!depth_ok(v, depth + 1))
				return 0;
	}
	return 1;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Every "*_ref" holds an id and every "*_refs" a non-empty array of ids,
 * at any depth. A custom property (x_...) may also be empty ("" or []): real
 * producers (ATT&CK's x_mitre_data_source_ref) leave unset references so. */
static int
refs_ok(const json_t *j, const char *path, char *err, size_t errlen)
{
	const char *k;
	const json_t *v, *e;
	size_t i, ei;

	if (json_is_object(j)) {
		json_object_foreach((json_t *)(uintptr_t)j, k, v) {
			int custom = strncmp(k, "x_", 2) == 0;

			if (ends_with(k, "_ref")) {
				if (custom && json_is_string(v) && json_string_length(v) == 0)
					continue;
				if (!json_is_string(v) || !hl_stix_id_valid(json_string_value(v), NULL)) {
					hl_set_err(err, errlen, "%s%s: not a STIX identifier (type--uuid)",
					    path, k);
					return 0;
				}
			} else if (ends_with(k, "_refs")) {
				if (custom && json_is_array(v) && json_array_size(v) == 0)
					continue;
				if (!json_is_array(v) || json_array_size(v) == 0) {
					hl_set_err(err, errlen, "%s%s: expected a non-empty list of "
					    "identifiers", path, k);
					return 0;
				}
				json_array_foreach(v, ei, e)
					if (!json_is_string(e) ||
					    !hl_stix_id_valid(json_string_value(e), NULL)) {
						hl_set_err(err, errlen, "%s%s[%zu]: not a STIX "
						    "identifier (type--uuid)", path, k, ei);
						return 0;
					}
			} else if (!refs_ok(v, path, err, errlen)) {
				return 0;
			}
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			if (!refs_ok(v, path, err, errlen))
				return 0;
	}
	return 1;
}

static int
need_string(const json_t *o, const char *k, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, k);

	if (v == NULL) {
		hl_set_err(err, errlen, "missing required property '%s'", k);
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) == 0) {
		hl_set_err(err, errlen, "'%s' must be a non-empty string", k);
		return 0;
	}
	return 1;
}

static int
time_prop(const json_t *o, const char *k, int required, char key[HL_STIX_TS_KEY],
    char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, k);

	if (v == NULL) {
		if (required)
			hl_set_err(err, errlen, "missing required property '%s'", k);
		return !required;
	}
	if (!json_is_string(v) || hl_stix_time(json_string_value(v), key, NULL) != HL_OK) {
		hl_set_err(err, errlen, "'%s' is not an RFC 3339 UTC timestamp "
		    "(YYYY-MM-DDTHH:MM:SS[.s]Z)", k);
		return 0;
	}
	return 1;
}

/* Properties an SDO/SRO (and most others) may carry, by type. */
static int
common_optional_ok(const json_t *o, char *err, size_t errlen)
{
	const json_t *v, *e;
	size_t i;

	if ((v = json_object_get(o, "revoked")) != NULL && !json_is_boolean(v)) {
		hl_set_err(err, errlen, "'revoked' must be true or false");
		return 0;
	}
	if ((v = json_object_get(o, "labels")) != NULL) {
		if (!json_is_array(v)) {
			hl_set_err(err, errlen, "'labels' must be a list of strings");
			return 0;
		}
		json_array_foreach(v, i, e)
			if (!json_is_string(e)) {
				hl_set_err(err, errlen, "'labels' must be a list of strings");
				return 0;
			}
	}
	if ((v = json_object_get(o, "confidence")) != NULL &&
	    (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100)) {
		hl_set_err(err, errlen, "'confidence' must be an integer 0..100");
		return 0;
	}
	if ((v = json_object_get(o, "external_references")) != NULL) {
		if (!json_is_array(v)) {
			hl_set_err(err, errlen, "'external_references' must be a list");
			return 0;
		}
		json_array_foreach(v, i, e)
			if (!json_is_object(e) || !json_is_string(json_object_get(e, "source_name"))) {
				hl_set_err(err, errlen, "external_references[%zu]: needs a "
				    "'source_name' string", i);
				return 0;
			}
	}
	if ((v = json_object_get(o, "object_marking_refs")) != NULL) {
		json_array_foreach(v, i, e)
			if (!hl_stix_id_valid(json_string_value(e), "marking-definition")) {
				hl_set_err(err, errlen, "object_marking_refs[%zu]: not a "
				    "marking-definition identifier", i);
				return 0;
			}
	}
	if ((v = json_object_get(o, "created_by_ref")) != NULL &&
	    !hl_stix_id_valid(json_string_value(v), "identity")) {
		hl_set_err(err, errlen, "'created_by_ref' must be an identity identifier");
		return 0;
	}
	return 1;
}

/* Type-specific required properties (STIX 2.1 section 4-6). */
static const struct {
	const char *type;
	const char *props[4];
} required_props[] = {
	{ "attack-pattern", { "name" } },
	{ "campaign", { "name" } },
	{ "course-of-action", { "name" } },
	{ "grouping", { "context", "object_refs" } },
	{ "identity", { "name" } },
	{ "incident", { "name" } },
	{ "indicator", { "pattern", "pattern_type", "valid_from" } },
	{ "infrastructure", { "name" } },
	{ "intrusion-set", { "name" } },
	{ "malware", { "is_family" } },
	{ "malware-analysis", { "product" } },
	{ "note", { "content", "object_refs" } },
	{ "observed-data", { "first_observed", "last_observed", "number_observed" } },
	{ "opinion", { "opinion", "object_refs" } },
	{ "report", { "name", "published", "object_refs" } },
	{ "threat-actor", { "name" } },
	{ "tool", { "name" } },
	{ "vulnerability", { "name" } },
	{ "relationship", { "relationship_type", "source_ref", "target_ref" } },
	{ "sighting", { "sighting_of_ref" } },
	{ "language-content", { "object_ref", "contents" } },
	{ "extension-definition", { "created_by_ref", "name", "schema", "version" } },
	{ "domain-name", { "value" } },
	{ "email-addr", { "value" } },
	{ "ipv4-addr", { "value" } },
	{ "ipv6-addr", { "value" } },
	{ "mac-addr", { "value" } },
	{ "url", { "value" } },
	{ "autonomous-system", { "number" } },
	{ "mutex", { "name" } },
	{ "software", { "name" } },
	{ "windows-registry-key", { NULL } },
};

/* A STIX pattern parses (stix_pattern.c); the message names the offset. */
static int
pattern_ok(const json_t *v, char *err, size_t errlen)
{
	char why[HL_STIX_ERR_MAX];

	if (hl_stix_pattern_check(json_string_value(v), json_string_length(v), why,
	    sizeof(why)) == HL_OK)
		return 1;
	hl_set_err(err, errlen, "'pattern' is not a STIX pattern: %s", why);
	return 0;
}

static int
type_props_ok(const json_t *o, const char *type, char *err, size_t errlen)
{
	const json_t *v;
	size_t i, k;

	for (i = 0; i < sizeof(required_props) / sizeof(required_props[0]); i++) {
		if (strcmp(required_props[i].type, type) != 0)
			continue;
		for (k = 0; k < 4 && required_props[i].props[k] != NULL; k++) {
			const char *p = required_props[i].props[k];

			if ((v = json_object_get(o, p)) == NULL) {
				hl_set_err(err, errlen, "%s: missing required property '%s'", type, p);
				return 0;
			}
		}
		break;
	}
	if (strcmp(type, "indicator") == 0) {
		if (!need_string(o, "pattern", err, errlen) ||
		    !need_string(o, "pattern_type", err, errlen) ||
		    !time_prop(o, "valid_from", 1, NULL, err, errlen) ||
		    !time_prop(o, "valid_until", 0, NULL, err, errlen))
			return 0;
		if (json_string_length(json_object_get(o, "pattern")) > HL_STIX_PATTERN_MAX) {
			hl_set_err(err, errlen, "'pattern' longer than %u bytes", HL_STIX_PATTERN_MAX);
			return 0;
		}
		if (strcmp(json_string_value(json_object_get(o, "pattern_type")), "stix") == 0 &&
		    !pattern_ok(json_object_get(o, "pattern"), err, errlen))
			return 0;
	}
	if (strcmp(type, "malware") == 0 && !json_is_boolean(json_object_get(o, "is_family"))) {
		hl_set_err(err, errlen, "malware: 'is_family' must be true or false");
		return 0;
	}
	if (strcmp(type, "report") == 0 && !time_prop(o, "published", 1, NULL, err, errlen))
		return 0;
	if (strcmp(type, "observed-data") == 0 &&
	    (!time_prop(o, "first_observed", 1, NULL, err, errlen) ||
	    !time_prop(o, "last_observed", 1, NULL, err, errlen)))
		return 0;
	if (strcmp(type, "relationship") == 0 && !need_string(o, "relationship_type", err, errlen))
		return 0;
	if (strcmp(type, "sighting") == 0 &&
	    ((v = json_object_get(o, "count")) != NULL && (!json_is_integer(v) ||
	    json_integer_value(v) < 0 || json_integer_value(v) > 999999999))) {
		hl_set_err(err, errlen, "sighting: 'count' must be an integer 0..999999999");
		return 0;
	}
	return 1;
}

#define TLP2_EXTENSION "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

/* A marking-definition with one of the TLP ids must say that TLP level in
 * the form of its version (1.0: definition_type "tlp", definition.tlp; 2.0:
 * the TLP 2.0 extension's tlp_2_0), and only those ids may say they are
 * TLP in those forms: a look-alike would be read as TLP by other tools but
 * not by us. */
static int
tlp_definition_ok(const json_t *obj, const char *id, char *err, size_t errlen)
{
	const json_t *dt = json_object_get(obj, "definition_type"), *ext;
	const char *said = NULL;
	size_t i;
	uint8_t lv;
	int v2 = -1;

	if (json_is_string(dt) && strcmp(json_string_value(dt), "tlp") == 0) {
		said = json_string_value(json_object_get(json_object_get(obj, "definition"),
		    "tlp"));
		v2 = 0;
	} else if ((ext = json_object_get(json_object_get(obj, "extensions"),
	    TLP2_EXTENSION)) != NULL) {
		said = json_string_value(json_object_get(ext, "tlp_2_0"));
		v2 = 1;
	}
	for (i = 0; i < NTLP; i++)
		if (strcmp(id, tlp_ids[i].id) == 0)
			break;
	if (v2 < 0) {
		if (i < NTLP && tlp_ids[i].v2 == 0 && json_is_string(dt)) {
			hl_set_err(err, errlen, "marking-definition %s is TLP 1.0 %s: its "
			    "definition_type must be \"tlp\"", id, tlp_ids[i].name);
			return 0;
		}
		return 1;
	}
	if (i == NTLP || tlp_ids[i].v2 != v2) {
		hl_set_err(err, errlen, "marking-definition %s defines a TLP %s marking but is not "
		    "one of its standard ids", id, v2 ? "2.0" : "1.0");
		return 0;
	}
	if (said == NULL || hl_tlp_parse(said, &lv) != HL_OK || lv != tlp_ids[i].tlp) {
		hl_set_err(err, errlen, "marking-definition %s is %s: its definition says '%.32s'",
		    id, tlp_ids[i].name, said != NULL ? said : "nothing");
		return 0;
	}
	return 1;
}

static int validate(const json_t *obj, char *err, size_t errlen);

/* One line whatever the object held: control characters in echoed values
 * become '?'. */
int
hl_stix_validate(const json_t *obj, char *err, size_t errlen)
{
	size_t i;
	int r = validate(obj, err, errlen);

	if (r != HL_OK && err != NULL && errlen > 0)
		for (i = 0; err[i] != '\0'; i++)
			if ((unsigned char)err[i] < 0x20 || err[i] == 0x7f)
				err[i] = '?';
	return r;
}

static int
validate(const json_t *obj, char *err, size_t errlen)
{
	char ckey[HL_STIX_TS_KEY], mkey[HL_STIX_TS_KEY];
	const json_t *v;
	const char *type, *id;
	size_t sz;
	int cat, t;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (!json_is_object(obj)) {
		hl_set_err(err, errlen, "not a JSON object");
		return HL_ERR_MALFORMED;
	}
	if (!depth_ok(obj, 1)) {
		hl_set_err(err, errlen, "nested deeper than %d levels", HL_STIX_DEPTH_MAX);
		return HL_ERR_TOO_BIG;
	}
	sz = json_dumpb(obj, NULL, 0, JSON_COMPACT);
	if (sz == 0) {
		/* an object is at least "{}": only a failed allocation gives 0 */
		hl_set_err(err, errlen, "out of memory");
		return HL_ERR_NOMEM;
	}
	if (sz > HL_STIX_OBJECT_MAX_BYTES) {
		hl_set_err(err, errlen, "object larger than %u bytes", HL_STIX_OBJECT_MAX_BYTES);
		return HL_ERR_TOO_BIG;
	}
	if (!need_string(obj, "type", err, errlen))
		return HL_ERR_MALFORMED;
	type = json_string_value(json_object_get(obj, "type"));
	if (!type_valid(type, strlen(type))) {
		hl_set_err(err, errlen, "'type' %.64s is not a STIX type name (3..250 of a-z 0-9 -)",
		    type);
		return HL_ERR_MALFORMED;
	}
	cat = hl_stix_category(type);
	if (cat == HL_STIX_BUNDLE) {
		hl_set_err(err, errlen, "a bundle inside a bundle");
		return HL_ERR_MALFORMED;
	}
	if (!need_string(obj, "id", err, errlen))
		return HL_ERR_MALFORMED;
	id = json_string_value(json_object_get(obj, "id"));
	if (!hl_stix_id_valid(id, type)) {
		hl_set_err(err, errlen, "'id' %.80s is not %s--<UUID>", id, type);
		return HL_ERR_MALFORMED;
	}
	v = json_object_get(obj, "spec_version");
	if (v == NULL && cat != HL_STIX_SCO) {
		hl_set_err(err, errlen, "missing required property 'spec_version'");
		return HL_ERR_MALFORMED;
	}
	if (v != NULL && (!json_is_string(v) || strcmp(json_string_value(v), "2.1") != 0)) {
		hl_set_err(err, errlen, "'spec_version' must be \"2.1\"");
		return HL_ERR_MALFORMED;
	}
	ckey[0] = mkey[0] = '\0';
	if (cat == HL_STIX_SCO) {
		if (!time_prop(obj, "created", 0, ckey, err, errlen) ||
		    !time_prop(obj, "modified", 0, mkey, err, errlen))
			return HL_ERR_MALFORMED;
	} else if (cat == HL_STIX_MARKING) {
		if (!time_prop(obj, "created", 1, ckey, err, errlen) ||
		    !time_prop(obj, "modified", 0, mkey, err, errlen))
			return HL_ERR_MALFORMED;
		if ((t = hl_stix_tlp_of_marking(id)) >= 0 &&
		    (v = json_object_get(obj, "name")) != NULL && json_is_string(v) &&
		    strncasecmp(json_string_value(v), "TLP:", 4) == 0) {
			uint8_t nt;

			if (hl_tlp_parse(json_string_value(v), &nt) != HL_OK || nt != (uint8_t)t) {
				hl_set_err(err, errlen, "marking-definition %s is %s, not '%.32s'", id,
				    hl_tlp_name((uint8_t)t), json_string_value(v));
				return HL_ERR_MALFORMED;
			}
		}
		if (!tlp_definition_ok(obj, id, err, errlen))
			return HL_ERR_MALFORMED;
		if (json_object_get(obj, "definition") == NULL &&
		    json_object_get(obj, "extensions") == NULL) {
			hl_set_err(err, errlen, "marking-definition: needs 'definition' or 'extensions'");
			return HL_ERR_MALFORMED;
		}
	} else {
		/* SDO, SRO, language-content, extension-definition, custom types */
		if (!time_prop(obj, "created", 1, ckey, err, errlen) ||
		    !time_prop(obj, "modified", 1, mkey, err, errlen))
			return HL_ERR_MALFORMED;
	}
	if (ckey[0] != '\0' && mkey[0] != '\0' && strcmp(mkey, ckey) < 0) {
		hl_set_err(err, errlen, "'modified' is earlier than 'created'");
		return HL_ERR_MALFORMED;
	}
	if (!common_optional_ok(obj, err, errlen) || !type_props_ok(obj, type, err, errlen) ||
	    !refs_ok(obj, "", err, errlen))
		return HL_ERR_MALFORMED;
	{
		struct hl_stix_marks m;

		if ((t = hl_stix_markings(obj, &m, err, errlen)) != HL_OK)
			return t;
	}
	return HL_OK;
}

/* ---- canonical JSON ---- */

char *
hl_stix_canonical(const json_t *obj)
{
	json_malloc_t jm;
	json_free_t jf;
	char *s, *out = NULL;
	size_t n;

	if (obj == NULL)
		return NULL;
	if ((s = json_dumps(obj, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		return NULL;
	n = strlen(s);
	if ((out = hl_malloc(n + 1)) != NULL)
		memcpy(out, s, n + 1);
	json_get_alloc_funcs(&jm, &jf);
	jf(s);
	return out;
}

/* ---- observables ---- */

const char *
hl_stix_obs_kind_name(uint8_t kind)
{
	switch (kind) {
	case HL_OBS_IPV4: return "ipv4";
	case HL_OBS_IPV6: return "ipv6";
	case HL_OBS_DOMAIN: return "domain";
	case HL_OBS_URL: return "url";
	case HL_OBS_MD5: return "md5";
	case HL_OBS_SHA1: return "sha1";
	case HL_OBS_SHA256: return "sha256";
	case HL_OBS_SHA512: return "sha512";
	case HL_OBS_EMAIL: return "email";
	case HL_OBS_JA3: return "ja3";
	case HL_OBS_JA3S: return "ja3s";
	case HL_OBS_JA4: return "ja4";
	}
	return "unknown";
}

static int
ip_make(uint8_t kind, const char *value, size_t len, struct hl_stix_obs *o)
{
	char addr[64], txt[INET6_ADDRSTRLEN];
	const char *slash;
	unsigned plen, bytes = kind == HL_OBS_IPV4 ? 4 : 16, i, maxp;
	size_t an;

	maxp = bytes * 8;
	slash = memchr(value, '/', len);
	an = slash != NULL ? (size_t)(slash - value) : len;
	if (an == 0 || an >= sizeof(addr))
		return HL_ERR_MALFORMED;
	memcpy(addr, value, an);
	addr[an] = '\0';
	if (inet_pton(kind == HL_OBS_IPV4 ? AF_INET : AF_INET6, addr, o->lo) != 1)
		return HL_ERR_MALFORMED;
	plen = maxp;
	if (slash != NULL) {
		size_t pn = len - an - 1;

		if (pn == 0 || pn > 3 || !digits(slash + 1, pn, &plen) || plen > maxp)
			return HL_ERR_MALFORMED;
	}
	for (i = 0; i < bytes; i++) {
		unsigned keep = plen >= (i + 1) * 8 ? 8 : plen > i * 8 ? plen - i * 8 : 0;
		uint8_t mask = (uint8_t)(keep == 0 ? 0 : (0xffu << (8 - keep)) & 0xffu);

		o->lo[i] &= mask;
		o->hi[i] = (uint8_t)(o->lo[i] | (uint8_t)~mask);
	}
	if (inet_ntop(kind == HL_OBS_IPV4 ? AF_INET : AF_INET6, o->lo, txt, sizeof(txt)) == NULL)
		return HL_ERR_MALFORMED;
	o->plen = (uint8_t)plen;
	if (plen == maxp)
		(void)snprintf(o->value, sizeof(o->value), "%s", txt);
	else
		(void)snprintf(o->value, sizeof(o->value), "%s/%u", txt, plen);
	return HL_OK;
}

static int
domain_ok(const char *s, size_t n)
{
	size_t i, lab = 0;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '*'))
			return 0;
		if (++lab > 63)
			return 0;
	}
	return lab > 0;
}

int
hl_stix_url_lower(char *v, size_t len)
{
	size_t i, sep, hostend;

	for (sep = 0; sep + 2 < len; sep++)
		if (v[sep] == ':' && v[sep + 1] == '/' && v[sep + 2] == '/')
			break;
	if (sep == 0 || sep + 2 >= len)
		return 0;
	hostend = sep + 3;
	while (hostend < len && v[hostend] != '/' && v[hostend] != '?' && v[hostend] != '#')
		hostend++;
	if (hostend == sep + 3)
		return 0;
	for (i = 0; i < hostend; i++)
		v[i] = (char)tolower((unsigned char)v[i]);
	return 1;
}

/* JA4 (FoxIO): "a_b_c", a ten characters of letters and digits, b and c
 * twelve hex digits each (36 in all), lowered into v. */
static int
ja4_make(const char *value, size_t len, char *v)
{
	size_t i;

	if (len != 36 || value[10] != '_' || value[23] != '_')
		return HL_ERR_MALFORMED;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];

		v[i] = (char)tolower(c);
		if (i == 10 || i == 23)
			continue;
		if (i < 10 ? !isalnum(c) : !hexc(value[i]))
			return HL_ERR_MALFORMED;
	}
	v[len] = '\0';
	return HL_OK;
}

int
hl_stix_obs_make(uint8_t kind, const char *value, size_t len, struct hl_stix_obs *out)
{
	size_t i, want = 0;
	char *v;

	memset(out, 0, sizeof(*out));
	if (value == NULL || len == 0 || len > HL_STIX_OBS_VALUE_MAX ||
	    memchr(value, '\0', len) != NULL)
		return HL_ERR_MALFORMED;
	out->kind = kind;
	v = out->value;
	switch (kind) {
	case HL_OBS_IPV4:
	case HL_OBS_IPV6:
		return ip_make(kind, value, len, out);
	case HL_OBS_MD5: case HL_OBS_JA3: case HL_OBS_JA3S: want = 32; break;
	case HL_OBS_JA4:
		return ja4_make(value, len, v);
	case HL_OBS_SHA1: want = 40; break;
	case HL_OBS_SHA256: want = 64; break;
	case HL_OBS_SHA512: want = 128; break;
	case HL_OBS_DOMAIN:
	case HL_OBS_EMAIL:
	case HL_OBS_URL:
		break;
	default:
		return HL_ERR_MALFORMED;
	}
	if (want != 0) {
		if (len != want)
			return HL_ERR_MALFORMED;
		for (i = 0; i < len; i++) {
			if (!hexc(value[i]))
				return HL_ERR_MALFORMED;
			v[i] = (char)tolower((unsigned char)value[i]);
		}
		v[len] = '\0';
		return HL_OK;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)value[i] <= ' ' || value[i] == 0x7f)
			return HL_ERR_MALFORMED;
	if (kind == HL_OBS_URL) {
		memcpy(v, value, len);
		v[len] = '\0';
		return hl_stix_url_lower(v, len) ? HL_OK : HL_ERR_MALFORMED;
	}
	for (i = 0; i < len; i++)
		v[i] = (char)tolower((unsigned char)value[i]);
	v[len] = '\0';
	if (kind == HL_OBS_DOMAIN) {
		if (len > 1 && v[len - 1] == '.')
			v[--len] = '\0';
		return domain_ok(v, len) ? HL_OK : HL_ERR_MALFORMED;
	}
	/* e-mail: local@domain */
	{
		const char *at = strchr(v, '@');

		if (at == NULL || at == v || strchr(at + 1, '@') != NULL ||
		    !domain_ok(at + 1, strlen(at + 1)))
			return HL_ERR_MALFORMED;
	}
	return HL_OK;
}

int
hl_stix_obs_parse(const char *value, struct hl_stix_obs *out)
{
	size_t n, i;
	int allhex = 1;

	memset(out, 0, sizeof(*out));
	if (value == NULL)
		return HL_ERR_MALFORMED;
	n = strnlen(value, HL_STIX_OBS_VALUE_MAX + 1);
	if (n == 0 || n > HL_STIX_OBS_VALUE_MAX)
		return HL_ERR_MALFORMED;
	if (strstr(value, "://") != NULL)
		return hl_stix_obs_make(HL_OBS_URL, value, n, out);
	if (strchr(value, '@') != NULL)
		return hl_stix_obs_make(HL_OBS_EMAIL, value, n, out);
	if (strchr(value, ':') != NULL)
		return hl_stix_obs_make(HL_OBS_IPV6, value, n, out);
	if (hl_stix_obs_make(HL_OBS_IPV4, value, n, out) == HL_OK)
		return HL_OK;
	for (i = 0; i < n; i++)
		if (!hexc(value[i]))
			allhex = 0;
	if (allhex && n == 32)
		return hl_stix_obs_make(HL_OBS_MD5, value, n, out);
	if (allhex && n == 40)
		return hl_stix_obs_make(HL_OBS_SHA1, value, n, out);
	if (allhex && n == 64)
		return hl_stix_obs_make(HL_OBS_SHA256, value, n, out);
	if (allhex && n == 128)
		return hl_stix_obs_make(HL_OBS_SHA512, value, n, out);
	/* a dotted name that is not an address */
	for (i = 0; i < n && (value[i] == '.' || (value[i] >= '0' && value[i] <= '9') ||
	    value[i] == '/'); i++)
		;
	if (i == n || strchr(value, '.') == NULL)
		return HL_ERR_MALFORMED;
	return hl_stix_obs_make(HL_OBS_DOMAIN, value, n, out);
}

/* Drop duplicates in place (same kind and value). */
static size_t
dedup(struct hl_stix_obs *all, size_t n)
{
	size_t i, j, k = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < k; j++)
			if (all[j].kind == all[i].kind && strcmp(all[j].value, all[i].value) == 0)
				break;
		if (j == k) {
			if (k != i)
				all[k] = all[i];
			k++;
		}
	}
	return k;
}

int
hl_stix_extract(const json_t *obj, struct hl_stix_obs **out, size_t *n)
{
	struct hl_stix_obs *all = NULL;
	const json_t *v, *hv;
	const char *type, *k;
	size_t cnt = 0;
	uint8_t kind = 0;
	int r = HL_ERR_INTERNAL;

	*out = NULL;
	*n = 0;
	type = json_string_value(json_object_get(obj, "type"));
	if (type == NULL)
		return HL_ERR_MALFORMED;
	if (strcmp(type, "indicator") == 0) {
		v = json_object_get(obj, "pattern");
		if (!json_is_string(v) || !json_is_string(json_object_get(obj, "pattern_type")) ||
		    strcmp(json_string_value(json_object_get(obj, "pattern_type")), "stix") != 0)
			return HL_OK;
		if ((all = hl_malloc(HL_STIX_OBS_MAX * sizeof(*all))) == NULL)
			return HL_ERR_NOMEM;
		/* a pattern we cannot read is stored, just not indexed */
		r = hl_stix_pattern_extract(json_string_value(v), json_string_length(v), all,
		    HL_STIX_OBS_MAX, &cnt);
		if (r == HL_ERR_NOMEM)
			goto out;
		if (r != HL_OK)
			cnt = 0;
	} else if (strcmp(type, "ipv4-addr") == 0 || strcmp(type, "ipv6-addr") == 0 ||
	    strcmp(type, "domain-name") == 0 || strcmp(type, "url") == 0 ||
	    strcmp(type, "email-addr") == 0) {
		kind = type[0] == 'i' ? (type[3] == '4' ? HL_OBS_IPV4 : HL_OBS_IPV6) :
		    type[0] == 'd' ? HL_OBS_DOMAIN : type[0] == 'u' ? HL_OBS_URL : HL_OBS_EMAIL;
		v = json_object_get(obj, "value");
		if (!json_is_string(v))
			return HL_OK;
		if ((all = hl_malloc(sizeof(*all))) == NULL)
			return HL_ERR_NOMEM;
		if (hl_stix_obs_make(kind, json_string_value(v), json_string_length(v), all) == HL_OK)
			cnt = 1;
	} else if (json_is_object(json_object_get(obj, "hashes"))) {
		/* file, artifact, x509-certificate, ... */
		if ((all = hl_malloc(HL_STIX_OBS_MAX * sizeof(*all))) == NULL)
			return HL_ERR_NOMEM;
		json_object_foreach(json_object_get(obj, "hashes"), k, hv) {
			if (cnt >= HL_STIX_OBS_MAX ||
			    (kind = (uint8_t)hl_stix_hash_kind(k, strlen(k))) == 0 || !json_is_string(hv))
				continue;
			if (hl_stix_obs_make(kind, json_string_value(hv), json_string_length(hv),
			    &all[cnt]) == HL_OK)
				cnt++;
		}
	}
	cnt = dedup(all, cnt);
	if (cnt > 0) {
		*out = all;
		all = NULL;
		*n = cnt;
	}
	r = HL_OK;
out:
	hl_free(all);
	return r;
}
