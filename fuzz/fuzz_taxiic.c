/* fuzz_taxiic.c: the TAXII client's response parsers. The first byte picks
 * the parser (discovery, collections, envelope, status, error text, header
 * lookup, URL); the rest is the response. Whatever is accepted must hold
 * within the limits; a refusal leaves the output empty and says one line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "taxiic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
one_line(const char *err, size_t cap)
{
	if (memchr(err, '\n', strnlen(err, cap)) != NULL)
		abort();
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
	switch (data[0] % 7) {
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
		if (hl_taxiic_header(data + 1, size - 1, "X-TAXII-Date-Added-Last", v, sizeof(v)) ==
		    HL_OK && strlen(v) >= sizeof(v))
			abort();
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
