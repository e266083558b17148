/* stix.h: STIX 2.1 objects (docs/TAXII.md): validation with one message per
 * object, TLP markings (object-level and granular) to labels, the sticky
 * releasability rule, canonical JSON for comparison, and the observables
 * (IP/CIDR, domain, URL, hash, e-mail) named in indicator patterns and
 * cyber-observable objects. Pure code, no I/O. */
#ifndef HL_STIX_H
#define HL_STIX_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "errors.h"
#include "hl_limits.h"
#include "label.h"

#define HL_STIX_OBJECT_MAX_BYTES (1024u * 1024)  /* one object, compact JSON */
#define HL_STIX_DEPTH_MAX 16                     /* nesting of one object */
#define HL_STIX_PATTERN_MAX 16384                /* indicator pattern, bytes */
#define HL_STIX_PATTERN_DEPTH_MAX 32             /* nested [ ] and ( ) in a pattern */
#define HL_STIX_TYPE_MAX 250                     /* object type, bytes */
#define HL_STIX_ID_MAX (HL_STIX_TYPE_MAX + 2 + 36)
#define HL_STIX_TS_KEY 31                        /* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" + NUL */
#define HL_STIX_OBS_VALUE_MAX 1024               /* normalised observable, bytes */
#define HL_STIX_OBS_MAX 64                       /* observables kept per object */
#define HL_STIX_ERR_MAX 256                      /* one validation message */

enum hl_stix_category {
	HL_STIX_UNKNOWN = 0,       /* custom type (x-...): common SDO properties */
	HL_STIX_SDO = 1,
	HL_STIX_SRO = 2,
	HL_STIX_SCO = 3,
	HL_STIX_MARKING = 4,       /* marking-definition */
	HL_STIX_BUNDLE = 5,
	HL_STIX_META = 6,          /* language-content, extension-definition */
};
int hl_stix_category(const char *type);

/* Validate one object (not a bundle) fully: required common properties for
 * its category, id "type--uuid" with the type as prefix, RFC 3339 times,
 * spec_version "2.1", modified >= created, *_ref / *_refs well formed,
 * TLP 2.0 marking ids, size and depth limits. Custom x- types and
 * properties are accepted. HL_ERR_MALFORMED / HL_ERR_TOO_BIG with one line
 * in err naming the property. */
HL_WUR int hl_stix_validate(const json_t *obj, char *err, size_t errlen);
/* "type--uuid" (type given or any, uuid RFC 4122 text form). 1 if valid. */
int hl_stix_id_valid(const char *id, const char *type);
/* RFC 3339 timestamp in UTC ("Z"), fractional seconds 0..9 digits.
 * OUT: key (fixed-width, sorts in time order), *us since the epoch; either
 * may be NULL. */
HL_WUR int hl_stix_time(const char *s, char key[HL_STIX_TS_KEY], int64_t *us);
/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
int64_t hl_stix_days_from_civil(int64_t y, unsigned m, unsigned d);

/* The TLP of one of the five TLP 2.0 marking-definition ids (or the TLP
 * 1.0 ids of white/green/amber/red), -1 for any other id. */
int hl_stix_tlp_of_marking(const char *id);
/* The strictest TLP among the object's object_marking_refs. OUT: *tlp
 * (enum hl_tlp), *found = 0 when it has none (then *tlp = CLEAR). */
void hl_stix_object_tlp(const json_t *obj, uint8_t *tlp, int *found);
/* The TLP 2.0 marking-definition id for a TLP level. */
const char *hl_stix_tlp_marking_id(uint8_t tlp);

/* ---- markings (STIX 2.1 section 7.2) ---- */

#define HL_STIX_GRANULAR_MAX 256     /* granular markings per object */
#define HL_STIX_SELECTORS_MAX 256    /* selectors per granular marking */
#define HL_STIX_SELECTOR_MAX 1024    /* one selector, bytes */
#define HL_STIX_INDEX_DIGITS 9       /* a list index [N] in a selector */

/* What an object's markings say about TLP. Statement and other
 * marking-definitions are not TLP; only the four TLP 1.0 and five TLP 2.0
 * ids are (hl_stix_tlp_of_marking). */
struct hl_stix_marks {
	uint8_t tlp;                 /* strictest of all below (CLEAR when none) */
	int found;                   /* any TLP marking, object-level or granular */
	uint8_t object_tlp;          /* strictest of object_marking_refs */
	int object_found;
	uint8_t granular_tlp;        /* strictest of the granular markings */
	int granular_found;
	unsigned granular_index;     /* the first granular marking at granular_tlp */
	char selectors[HL_STIX_ERR_MAX];   /* its selectors: "'description', 'labels.[1]'" */
	unsigned ngranular;          /* granular markings in the object */
};
/* Read and check an object's markings: object_marking_refs, and each
 * granular marking (a non-empty list of at most HL_STIX_GRANULAR_MAX;
 * each with either marking_ref, a marking-definition id, or lang; a
 * non-empty list of selectors, each "property", "property.key" or
 * "property.[N]" in any depth, that must select something the object
 * holds). HL_ERR_MALFORMED / HL_ERR_TOO_BIG with one line in err naming
 * the granular marking and selector. hl_stix_validate() calls it. */
HL_WUR int hl_stix_markings(const json_t *obj, struct hl_stix_marks *out, char *err,
    size_t errlen);

/* Sticky releasability (docs/SECURITY.md): what would a label want widen
 * compared with first, the release an object version was given by the
 * partner that controls it? 0: nothing (want is as narrow or narrower);
 * else the HL_STIX_WIDENS_* bits. */
#define HL_STIX_WIDENS_REL 1u        /* a partner first does not release it to */
#define HL_STIX_WIDENS_TLP 2u        /* a lower TLP */
#define HL_STIX_WIDENS_CLASS 4u      /* a lower classification */
#define HL_STIX_WIDENS_POLICY 8u     /* another policy */
unsigned hl_stix_release_widens(const struct hl_label *first, const struct hl_label *want);
/* The release of a version its controlling partner gave in two arrivals:
 * releasable to either's partners, the lower TLP and classification. Same
 * policy only. HL_ERR_TOO_BIG when the partners do not fit in one label,
 * HL_ERR_INVALID for two policies; *out is then a copy of a. */
HL_WUR int hl_stix_release_union(const struct hl_label *a, const struct hl_label *b,
    struct hl_label *out);

/* Canonical JSON: sorted keys, compact, for comparing objects. NULL on
 * failure; caller frees with hl_free. */
char *hl_stix_canonical(const json_t *obj);

/* ---- observables ---- */
enum hl_obs_kind {
	HL_OBS_IPV4 = 1,
	HL_OBS_IPV6 = 2,
	HL_OBS_DOMAIN = 3,
	HL_OBS_URL = 4,
	HL_OBS_MD5 = 5,
	HL_OBS_SHA1 = 6,
	HL_OBS_SHA256 = 7,
	HL_OBS_SHA512 = 8,
	HL_OBS_EMAIL = 9,
	/* TLS fingerprints (docs/internals/detect.md has the pattern paths):
	 * JA3 and JA3S are MD5 hex, JA4 its 36-character a_b_c form */
	HL_OBS_JA3 = 10,
	HL_OBS_JA3S = 11,
	HL_OBS_JA4 = 12,
};
struct hl_stix_obs {
	uint8_t kind;                            /* enum hl_obs_kind */
	uint8_t plen;                            /* IP: prefix length (32/128 for one address) */
	uint8_t lo[16], hi[16];                  /* IP: first and last address, big-endian (4 or 16 bytes used) */
	char value[HL_STIX_OBS_VALUE_MAX + 1];   /* normalised text ("198.51.100.0/24", lower-case domain, hex) */
};
/* "ipv4", "ipv6", "domain", "url", "md5", "sha1", "sha256", "sha512", "email",
 * "ja3", "ja3s", "ja4". */
const char *hl_stix_obs_kind_name(uint8_t kind);
/* A value of a known kind (from a pattern or an SCO), normalised.
 * HL_ERR_MALFORMED when it is not one (e.g. a bad address). */
HL_WUR int hl_stix_obs_make(uint8_t kind, const char *value, size_t len, struct hl_stix_obs *out);
/* Lower the scheme and host of a URL in place (they are case-insensitive;
 * the rest is kept): v[0..len) is "scheme://host[/?#...]". 1 when it has
 * that shape (a scheme and a host), else 0 and v unchanged. The one rule
 * hl_stix_obs_make() and sensor.c both apply. */
int hl_stix_url_lower(char *v, size_t len);
/* A search term: an IPv4/IPv6 address or CIDR, a URL (scheme://), an
 * e-mail address, an MD5/SHA-1/SHA-256/SHA-512 hex digest or a domain
 * name. HL_ERR_MALFORMED when it is none of these. */
HL_WUR int hl_stix_obs_parse(const char *value, struct hl_stix_obs *out);
/* ---- patterns (stix_pattern.c) ---- */
/* Parse a pattern (pattern_type "stix") against the STIX 2.1 patterning
 * grammar. HL_ERR_MALFORMED, or HL_ERR_TOO_BIG past HL_STIX_PATTERN_MAX
 * bytes or HL_STIX_PATTERN_DEPTH_MAX nesting, with one line in err: "at
 * offset N: expected X, found Y" (N: 0-based byte offset). */
HL_WUR int hl_stix_pattern_check(const char *pattern, size_t len, char *err, size_t errlen);
/* The observables a STIX pattern compares for equality (=, IN, or
 * ISSUBSET for addresses; not under NOT) on ipv4-addr:value,
 * ipv6-addr:value, domain-name:value, url:value, email-addr:value,
 * email-message:from_ref/sender_ref.value, network-traffic:src_ref/
 * dst_ref.value and <type>:hashes.ALG. Values that are not what the path
 * says are skipped; a pattern that does not parse is HL_ERR_MALFORMED (or
 * HL_ERR_TOO_BIG) as hl_stix_pattern_check() says. At most max are
 * written. OUT: out[0..*n). */
HL_WUR int hl_stix_pattern_extract(const char *pattern, size_t len, struct hl_stix_obs *out,
    size_t max, size_t *n);
/* The observables of a pattern the detector (ioc.c) matches exactly: an OR
 * (of comparisons or of observation expressions) of equalities, = or IN
 * (...), and ISSUBSET for addresses, on the paths hl_stix_pattern_extract()
 * reads plus network-traffic:extensions.'x-ja3'.hash, 'x-ja3s'.hash and
 * 'x-ja4'.hash. HL_ERR_MALFORMED or HL_ERR_TOO_BIG as
 * hl_stix_pattern_check() says; HL_ERR_UNSUPPORTED for a valid pattern
 * with anything else (AND, FOLLOWEDBY, NOT, EXISTS, another operator, a
 * qualifier, another property, a constant that is not a string or not
 * what its path says, more than max values), err "at offset N: reason"
 * naming the first such thing. OUT: out[0..*n). */
HL_WUR int hl_stix_pattern_ioc(const char *pattern, size_t len, struct hl_stix_obs *out,
    size_t max, size_t *n, char *err, size_t errlen);
/* The observable kind of a hash algorithm name (MD5, SHA-1, SHA1, SHA-256,
 * SHA256, SHA-512, SHA512, any case), 0 for another. */
int hl_stix_hash_kind(const char *alg, size_t n);
/* All observables of a validated object: its pattern when it is an
 * indicator with pattern_type "stix", its value/hashes when it is an SCO.
 * Deduplicated; at most HL_STIX_OBS_MAX. OUT: *out (caller frees with
 * hl_free; NULL when *n is 0), *n. */
HL_WUR int hl_stix_extract(const json_t *obj, struct hl_stix_obs **out, size_t *n);

#endif
