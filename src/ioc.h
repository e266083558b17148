/* ioc.h: an in-memory set of STIX indicators compiled for matching sensor
 * events (docs/internals/detect.md). A pattern is taken only when it is an
 * OR of equalities the set can match exactly (hl_stix_pattern_ioc());
 * anything else is refused with the reason, never matched loosely.
 *
 * What matches: an address equal to an indicator's address or inside its
 * CIDR (IPv4 and IPv6; an IPv4-mapped IPv6 address is the IPv4 address); a
 * domain equal to an indicator's domain or below it (case-insensitive,
 * trailing dot ignored); a URL, hash, JA3/JA3S/JA4 fingerprint or e-mail
 * address equal to the indicator's (as hl_stix_obs_make() normalises it).
 * Refused besides what the parser refuses: a /0 prefix (every address) and
 * a domain with '*'.
 *
 * Not thread-safe for writers: hl_ioc_add and hl_ioc_remove need the set to
 * themselves; hl_ioc_match only reads it (many may match at once). */
#ifndef HL_IOC_H
#define HL_IOC_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "hl_limits.h"
#include "sensor.h"

struct hl_ioc_set;

/* One match: an event's observable and an indicator that names it. */
struct hl_ioc_hit {
	const char *indicator_id;
	uint64_t tag;                /* the caller's value given to hl_ioc_add */
	int64_t valid_until_ms;      /* 0: none */
	uint8_t kind;                /* enum hl_obs_kind of the observable */
	uint8_t role;                /* enum hl_sensor_role: where it was in the event */
	const char *value;           /* the event's value */
	const char *indicator_value; /* the indicator's: the same, a parent domain or a CIDR */
	int has_time;                /* the event's time, as the sensor read it */
	int64_t time_ms;
	const struct hl_sensor_event *event;
};

/* An empty set. OUT: *out (caller frees with hl_ioc_free). */
HL_WUR int hl_ioc_new(struct hl_ioc_set **out);
void hl_ioc_free(struct hl_ioc_set *set);

/* Compile one indicator (its id: printable ASCII, at most HL_STIX_ID_MAX
 * bytes) from its STIX pattern. valid_until_ms: when it stops matching
 * (milliseconds since the epoch; 0: never). 0 when added;
 * HL_ERR_UNSUPPORTED or HL_ERR_MALFORMED / HL_ERR_TOO_BIG (the pattern) with
 * the reason in err; HL_ERR_EXISTS for an id the set holds (remove it
 * first to replace it); HL_ERR_INVALID for a bad id; HL_ERR_FULL past
 * HL_IOC_INDICATORS_MAX; HL_ERR_NOMEM (the set is then as before). */
HL_WUR int hl_ioc_add(struct hl_ioc_set *set, const char *indicator_id, const char *pattern,
    int64_t valid_until_ms, uint64_t tag, char *err, size_t errlen);
/* Forget an indicator (revoked, or to be replaced). HL_ERR_NOT_FOUND when
 * the set does not hold it. */
int hl_ioc_remove(struct hl_ioc_set *set, const char *indicator_id);
/* Indicators held; distinct values they compare. */
size_t hl_ioc_count(const struct hl_ioc_set *set);
size_t hl_ioc_values(const struct hl_ioc_set *set);

/* Match an event: cb once for each (observable of the event, indicator
 * valid at now_ms that names it); an indicator that names an observable
 * through two values (a CIDR and an address in it, a domain and its
 * parent) is reported once, with the most specific. The hit and what it
 * points to are valid during the call only. Returns the number of calls. */
size_t hl_ioc_match(const struct hl_ioc_set *set, const struct hl_sensor_event *ev,
    int64_t now_ms, void (*cb)(void *arg, const struct hl_ioc_hit *hit), void *arg);

#endif
