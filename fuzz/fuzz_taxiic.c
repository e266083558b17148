/* fuzz_taxiic.c: the TAXII client's response parsers. The first byte picks
 * the parser (discovery, collections, envelope, status, error text, header
 * lookup, URL, pager); the rest is the response. Whatever is accepted must
 * hold within the limits; a refusal leaves the output empty and says one
 * line. The pager is fed a server's pages made from the bytes: its
 * position never goes back, and it says what went wrong in one line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "stix.h"
#include "taxiic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
one_line(const char *err, size_t cap)
{
	if (memchr(err, '\n', strnlen(err, cap)) != NULL)
		abort();
}

/* A date_added from one byte: a time of a small set, or junk. */
static void
fuzz_time(uint8_t b, char out[HL_TAXIIC_TIME_MAX + 1])
{
	if (b >= 250)
		snprintf(out, HL_TAXIIC_TIME_MAX + 1, "%s", b == 250 ? "" : b == 251 ? "soon" :
		    "2026-13-01T00:00:00Z");
	else
		snprintf(out, HL_TAXIIC_TIME_MAX + 1, "2026-01-01T00:%02u:%02u.%uZ", b / 60u,
		    b % 60u, b % 7u);
}

/* Records: flags (1 more, 2 next, 4 refused), first, last, n, n id bytes. */
static void
fuzz_pager(const uint8_t *p, size_t len)
{
	struct hl_taxii_pager pg;
	struct hl_taxii_page page;
	enum hl_taxii_pager_step step = HL_TAXII_PAGER_ASK;
	char start[HL_TAXIIC_TIME_MAX + 1], before[HL_TAXIIC_TIME_MAX + 1];
	char ka[HL_STIX_TS_KEY], kb[HL_STIX_TS_KEY], id[32], mod[HL_TAXIIC_TIME_MAX + 1];
	size_t i = 2, k, n;
	unsigned records = 0;

	if (len < 2)
		return;
	fuzz_time(p[1], start);
	if (hl_taxiic_pager_start(&pg, start, 1u + p[0] % 64u) != HL_OK) {
		one_line(pg.error, sizeof(pg.error));
		hl_taxiic_pager_clear(&pg);
		return;
	}
	while (step == HL_TAXII_PAGER_ASK && i + 4 <= len) {
		uint8_t fl = p[i];

		records++;
		snprintf(before, sizeof(before), "%s", pg.pos);
		if (fl & 4) {
			step = hl_taxiic_pager_refused(&pg, 400 + p[i + 1] % 5, "refused");
			i += 2;
		} else {
			memset(&page, 0, sizeof(page));
			if ((page.objects = json_array()) == NULL)
				break;
			fuzz_time(p[i + 1], page.date_added_first);
			fuzz_time(p[i + 2], page.date_added_last);
			n = p[i + 3] % 32u;
			i += 4;
			for (k = 0; k < n && i < len; k++, i++) {
				snprintf(id, sizeof(id), "x--%u", p[i] % 16u);
				fuzz_time(p[i] / 16u, mod);
				(void)json_array_append_new(page.objects, json_pack("{s:s,s:s,s:s}",
				    "type", "x", "id", id, "modified", mod));
			}
			page.more = (fl & 1) != 0;
			if (fl & 2)
				snprintf(page.next, sizeof(page.next), "t%u", fl >> 3);
			if (hl_taxiic_pager_page(&pg, &page, &step) != HL_OK)
				step = HL_TAXII_PAGER_FAILED;
			hl_taxiic_page_clear(&page);
		}
		/* the position never goes back and is a time */
		if (pg.pos[0] != '\0' && (hl_stix_time(pg.pos, kb, NULL) != HL_OK ||
		    (before[0] != '\0' && (hl_stix_time(before, ka, NULL) != HL_OK ||
		    strcmp(ka, kb) > 0))))
			abort();
		if (before[0] != '\0' && pg.pos[0] == '\0')
			abort();
		one_line(pg.note, sizeof(pg.note));
		one_line(pg.error, sizeof(pg.error));
	}
	if (step == HL_TAXII_PAGER_FAILED && pg.error[0] == '\0')
		abort();
	if (pg.pages > records)
		abort();
	hl_taxiic_pager_clear(&pg);
}

/* s: "added_after\nnext" (either part may be empty). */
static void
objects_path(char *s)
{
	char *nl = strchr(s, '\n'), *p = NULL;
	const char *next = "";
	size_t i;

	if (nl != NULL) {
		*nl = '\0';
		next = nl + 1;
	}
	if (hl_taxiic_objects_path("/api1/collections/c/objects/", s, 1000, next, &p) != HL_OK)
		return;
	for (i = 0; p[i] != '\0'; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f || p[i] == '#')
			abort();
	hl_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	static struct hl_taxii_discovery d;
	struct hl_taxii_collections c;
	struct hl_taxii_page pg;
	struct hl_taxii_status st;
	char err[256], v[64], host[HL_HOST_MAX + 1], path[HL_TAXIIC_URL_MAX + 1], *s;
	uint16_t port;
	unsigned i;
	size_t k;

	if (!init) {
		hl_apijson_init();
		init = 1;
	}
	if (size < 1)
		return 0;
	switch (data[0] % 8) {
	case 0:
		if (hl_taxiic_parse_discovery(data + 1, size - 1, &d, err, sizeof(err)) == HL_OK) {
			if (d.nroots > HL_TAXIIC_ROOTS_MAX)
				abort();
		} else {
			one_line(err, sizeof(err));
			if (d.nroots != 0)
				abort();
		}
		break;
	case 1:
		if (hl_taxiic_parse_collections(data + 1, size - 1, &c, err, sizeof(err)) == HL_OK) {
			for (i = 0; i < c.n; i++)
				if (c.c[i].id[0] == '\0' || strchr(c.c[i].id, '/') != NULL)
					abort();
			hl_taxiic_collections_clear(&c);
		} else {
			one_line(err, sizeof(err));
			if (c.c != NULL)
				abort();
		}
		break;
	case 2:
		if (hl_taxiic_parse_envelope(data + 1, size - 1, &pg, err, sizeof(err)) == HL_OK) {
			if (!json_is_array(pg.objects) || strlen(pg.next) > HL_TAXIIC_NEXT_MAX)
				abort();
			for (k = 0; k < json_array_size(pg.objects); k++)
				if (!json_is_string(json_object_get(json_array_get(pg.objects, k), "id")))
					abort();
			hl_taxiic_page_clear(&pg);
		} else {
			one_line(err, sizeof(err));
			if (pg.objects != NULL)
				abort();
		}
		break;
	case 3:
		if (hl_taxiic_parse_status(data + 1, size - 1, &st, err, sizeof(err)) == HL_OK) {
			if (st.success + st.failure + st.pending != st.total)
				abort();
			hl_taxiic_status_clear(&st);
		} else {
			one_line(err, sizeof(err));
			if (st.fail != NULL)
				abort();
		}
		break;
	case 4:
		hl_taxiic_error_text(data + 1, size - 1, err, sizeof(err));
		for (k = 0; err[k] != '\0'; k++)
			if ((unsigned char)err[k] < 0x20)
				abort();
		break;
	case 5:
		if (hl_httpc_header(data + 1, size - 1, "X-TAXII-Date-Added-Last", v, sizeof(v)) ==
		    HL_OK && strlen(v) >= sizeof(v))
			abort();
		/* a server's next token (and a position) as the path of the next
		 * request: nothing in it may end the request line */
		if ((s = hl_strndup((const char *)data + 1, size - 1)) == NULL)
			return 0;
		objects_path(s);
		hl_free(s);
		break;
	case 7:
		fuzz_pager(data + 1, size - 1);
		break;
	default:
		if ((s = hl_strndup((const char *)data + 1, size - 1)) == NULL)
			return 0;
		if (hl_taxiic_parse_url(s, host, &port, path) == HL_OK &&
		    (host[0] == '\0' || port == 0 || path[0] != '/' || path[strlen(path) - 1] != '/'))
			abort();
		hl_free(s);
		break;
	}
	return 0;
}
