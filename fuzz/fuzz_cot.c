/* fuzz_cot.c: Cursor on Target events from any record the track parser
 * accepts. Each event must be written (no record the parser accepts is
 * too large for one), stay within HL_COT_EVENT_MAX, and be well-formed
 * XML: balanced tags, attribute values and text with every < & " escaped,
 * so that no record text can open an element or end an attribute. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apijson.h"
#include "buf.h"
#include "cot.h"
#include "track.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DEPTH_MAX 16

static int
name_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '_' || c == '-' || c == '.' || c == '?';
}

/* An entity at p[i] ('&'): one of the five, ended by ';'. */
static size_t
entity_len(const uint8_t *p, size_t n, size_t i)
{
	static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
	size_t k, l;

	for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
		l = strlen(ents[k]);
		if (n - i >= l && memcmp(p + i, ents[k], l) == 0)
			return l;
	}
	return 0;
}

/* 1 if p[0, n) is one or more documents of balanced elements. */
static int
xml_ok(const uint8_t *p, size_t n)
{
	const uint8_t *names[DEPTH_MAX];
	size_t lens[DEPTH_MAX], depth = 0, i = 0, s, l, e;
	int closing;

	while (i < n) {
		if (p[i] == '&') {
			if ((l = entity_len(p, n, i)) == 0)
				return 0;
			i += l;
			continue;
		}
		if (p[i] == '>' || p[i] == '"')
			return 0;   /* we escape both in text too */
		if (p[i] != '<') {
			i++;
			continue;
		}
		i++;
		closing = i < n && p[i] == '/';
		i += (size_t)closing;
		for (s = i; i < n && name_char(p[i]); i++)
			;
		if (i == s)
			return 0;
		l = i - s;
		if (closing) {
			if (depth == 0 || lens[depth - 1] != l || memcmp(names[depth - 1], p + s, l) != 0 ||
			    i >= n || p[i] != '>')
				return 0;
			depth--;
			i++;
			continue;
		}
		/* attributes: name="value", the value without < or a bare & */
		for (;;) {
			while (i < n && p[i] == ' ')
				i++;
			if (i >= n)
				return 0;
			if (p[i] == '>' || p[i] == '/' || p[i] == '?')
				break;
			while (i < n && name_char(p[i]))
				i++;
			if (n - i < 2 || p[i] != '=' || p[i + 1] != '"')
				return 0;
			for (i += 2; i < n && p[i] != '"'; ) {
				if (p[i] == '<')
					return 0;
				if (p[i] == '&') {
					if ((e = entity_len(p, n, i)) == 0)
						return 0;
					i += e;
				} else {
					i++;
				}
			}
			if (i >= n)
				return 0;
			i++;
		}
		if (p[i] == '?' || p[i] == '/') {
			/* <?xml ... ?> and <empty/> */
			if (n - i < 2 || p[i + 1] != '>')
				return 0;
			i += 2;
			continue;
		}
		if (depth == DEPTH_MAX)
			return 0;
		names[depth] = p + s;
		lens[depth++] = l;
		i++;
	}
	return depth == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	static struct hl_track t;
	struct hl_cot_meta m;
	struct hl_buf out;
	int i;

	if (!init) {
		hl_apijson_init();
		init = 1;
	}
	if (hl_track_parse(data, size, &t, NULL, 0) != HL_OK)
		return 0;
	memset(&m, 0, sizeof(m));
	m.origin = "JPN/node-1";
	m.exercise = size % 2;
	m.marking = "SECRET//REL TO JPN, <KOR> & \"USA\"//TLP:AMBER";
	m.classification = "SECRET";
	m.releasable_to = "JPN KOR USA";
	m.tlp = "AMBER";
	m.stale_ms = 1800000000000ULL;
	for (i = 0; i < 2; i++) {
		hl_buf_init(&out, HL_COT_EVENT_MAX);
		if ((i == 0 ? hl_cot_track(&t, &m, &out) : hl_cot_impact(&t, &m, &out)) != HL_OK)
			abort();
		if (out.len == 0 || out.len > HL_COT_EVENT_MAX || !xml_ok(out.data, out.len))
			abort();
		hl_buf_free(&out);
	}
	return 0;
}
