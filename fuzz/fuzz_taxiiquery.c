/* fuzz_taxiiquery.c: the TAXII query-string parser and the "next" token
 * check. Input: one byte of allowed-parameter bits, then the query string;
 * after a NUL, a token. What the parser accepts must be within its limits. */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "taxii.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct hl_taxii_query tq;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[32] = { 1, 2, 3 }, fh[32] = { 4, 5, 6 };
	char qs[HL_TAXII_QUERY_MAX + 64], tok[HL_TAXII_TOKEN_MAX + 64], err[320];
	const uint8_t *nul;
	size_t ql, tl = 0;
	uint64_t after = 1;
	unsigned i, allowed;

	if (size < 1)
		return 0;
	allowed = data[0];
	data++;
	size--;
	nul = memchr(data, 0, size);
	ql = nul != NULL ? (size_t)(nul - data) : size;
	if (ql >= sizeof(qs))
		return 0;
	memcpy(qs, data, ql);
	qs[ql] = '\0';
	if (nul != NULL) {
		tl = size - ql - 1;
		if (tl >= sizeof(tok))
			return 0;
		memcpy(tok, nul + 1, tl);
		tok[tl] = '\0';
	}
	err[0] = '\0';
	if (hl_taxii_parse_query(qs, allowed, &tq, err, sizeof(err)) == HL_OK) {
		if (tq.limit < 1 || tq.limit > HL_TAXII_LIMIT_MAX ||
		    tq.q.nids > HL_STIX_MATCH_VALUES || tq.q.ntypes > HL_STIX_MATCH_VALUES ||
		    tq.q.nspec > HL_STIX_MATCH_VALUES || tq.q.nvkeys > HL_STIX_MATCH_VALUES ||
		    strlen(tq.next) > HL_TAXII_TOKEN_MAX)
			abort();
		for (i = 0; i < tq.q.ntypes; i++)
			if (tq.q.types[i][0] == '\0')
				abort();
	} else if (err[0] == '\0' || strchr(err, '\n') != NULL) {
		abort();   /* a refusal always says why, on one line */
	}
	if (nul != NULL) {
		int r = hl_taxii_token_check(key, tok, fh, &after);

		if (r != HL_OK && after != 0)
			abort();
	}
	return 0;
}
