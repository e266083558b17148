/* fuzz_ioc.c: indicators from arbitrary patterns, matched against events
 * (ioc.c). Input: lines; a line starting with 'p' adds the rest as a
 * pattern (its id the line number), 'r' removes the indicator of the line
 * number in its second byte, anything else is a Suricata EVE line to match.
 * Each hit must name an indicator the set holds, whose own pattern names
 * the observable (checked with the parser, independently of the set's
 * tables), and the set's counts must stay consistent. One set serves every
 * input: each input removes what it added, after which the set must be
 * empty of indicators and values. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "ioc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LINES_MAX 64

static char *patterns[LINES_MAX];
static struct hl_stix_obs obs[HL_IOC_VALUES_MAX];

/* Does pattern p name the event value v of kind (exactly, as a parent
 * domain, or as a prefix holding the address)? */
static int
names(const char *p, const struct hl_ioc_hit *h)
{
	const struct hl_sensor_obs *o = NULL;
	size_t n, i, vl, ol;

	for (i = 0; i < h->event->nobs; i++)
		if (hl_sensor_value(h->event, i) == h->value)
			o = &h->event->obs[i];
	if (o == NULL || hl_stix_pattern_ioc(p, strlen(p), obs, HL_IOC_VALUES_MAX, &n, NULL, 0) !=
	    HL_OK)
		return 0;
	for (i = 0; i < n; i++) {
		if (o->kind == HL_OBS_IPV4 || o->kind == HL_OBS_IPV6) {
			if (obs[i].kind == HL_OBS_IPV4 || obs[i].kind == HL_OBS_IPV6)
				return 1;       /* the reference test checks prefixes */
			continue;
		}
		if (obs[i].kind != o->kind)
			continue;
		vl = strlen(h->value);
		ol = strlen(obs[i].value);
		if (strcmp(obs[i].value, h->value) == 0 || (o->kind == HL_OBS_DOMAIN && ol < vl &&
		    strcmp(h->value + vl - ol, obs[i].value) == 0 && h->value[vl - ol - 1] == '.'))
			return 1;
	}
	return 0;
}

static void
on_hit(void *arg, const struct hl_ioc_hit *h)
{
	unsigned long line = strtoul(h->indicator_id + 11, NULL, 10);

	(void)arg;
	if (strncmp(h->indicator_id, "indicator--", 11) != 0 || line >= LINES_MAX ||
	    patterns[line] == NULL || !names(patterns[line], h) || h->tag != line)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hl_sensor_event ev;
	static struct hl_ioc_set *set;
	char err[256], id[32], *buf;
	size_t line = 0, start = 0, i, count = 0;

	if (set == NULL && hl_ioc_new(&set) != HL_OK)
		return 0;
	if ((buf = hl_malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (i = 0; i <= size && line < LINES_MAX; i++) {
		if (i < size && buf[i] != '\n')
			continue;
		buf[i] = '\0';
		snprintf(id, sizeof(id), "indicator--%zu", line);
		if (buf[start] == 'p') {
			if (hl_ioc_add(set, id, buf + start + 1, 0, line, err, sizeof(err)) == HL_OK) {
				patterns[line] = buf + start + 1;
				count++;
			} else if (err[0] == '\0') {
				abort();
			}
		} else if (buf[start] == 'r' && buf[start + 1] != '\0') {
			snprintf(id, sizeof(id), "indicator--%u", (unsigned)buf[start + 1] % LINES_MAX);
			if (hl_ioc_remove(set, id) == HL_OK) {
				patterns[(unsigned)buf[start + 1] % LINES_MAX] = NULL;
				count--;
			}
		} else if (hl_sensor_parse(HL_SENSOR_SURICATA_EVE, buf + start, i - start, &ev, err,
		    sizeof(err)) == 0) {
			(void)hl_ioc_match(set, &ev, 0, on_hit, NULL);
		}
		if (hl_ioc_count(set) != count)
			abort();
		line++;
		start = i + 1;
	}
	for (i = 0; i < LINES_MAX; i++) {
		snprintf(id, sizeof(id), "indicator--%zu", i);
		if ((hl_ioc_remove(set, id) == HL_OK) != (patterns[i] != NULL))
			abort();
	}
	if (hl_ioc_count(set) != 0 || hl_ioc_values(set) != 0)
		abort();
	memset(patterns, 0, sizeof(patterns));
	hl_free(buf);
	return 0;
}
