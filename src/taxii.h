/* taxii.h: the TAXII 2.1 server under /taxii2/ and the /api/v1/stix/
 * endpoints (search, sightings) on the operator port (docs/TAXII.md),
 * registered into the HTTP layer (http.h); what the collections take and
 * share is stixshare.h's. taxii_query.c parses a GET's query string and
 * checks its "next" token (no I/O). */
#ifndef HL_TAXII_H
#define HL_TAXII_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "stixdb.h"

struct hl_auth;
struct hl_http_table;
struct hl_node;
struct hl_stixshare_q;
struct hl_taxii;

#define HL_TAXII_MEDIA "application/taxii+json;version=2.1"
#define HL_STIX_MEDIA "application/stix+json;version=2.1"
#define HL_TAXII_LIMIT_DEFAULT 1000
#define HL_TAXII_LIMIT_MAX 10000
#define HL_TAXII_QUERY_MAX 8192            /* query string, bytes */
#define HL_TAXII_TOKEN_MAX 160             /* a "next" token */

/* The parameters of a TAXII GET (objects, manifest, versions). */
struct hl_taxii_query {
	int has_added_after;
	uint64_t added_after;             /* microseconds since the epoch */
	size_t limit;
	char next[HL_TAXII_TOKEN_MAX + 1];
	char buf[HL_TAXII_QUERY_MAX + 1]; /* the match[...] values point in here */
	struct hl_stix_query q;
};

/* Parse a TAXII query string (untrusted; at most HL_TAXII_QUERY_MAX bytes).
 * allowed: bit 1 paging (added_after, limit, next), 2 match[id], 4
 * match[type], 8 match[version], 16 match[spec_version]; anything else,
 * a repeated parameter or a bad value is HL_ERR_MALFORMED / TOO_BIG with
 * a one-line reason in err. */
HL_WUR int hl_taxii_parse_query(const char *qs, unsigned allowed, struct hl_taxii_query *t,
    char *err, size_t errlen);
/* The filter hash a token is bound to: collection, object and match[...]. */
void hl_taxii_filter_hash(const struct hl_taxii_query *t, const char *coll, const char *oid,
    int manifest, uint8_t out[32]);
/* A "next" token for the position after under key and filter hash fh. */
HL_WUR int hl_taxii_token_make(const uint8_t key[static 32], const uint8_t fh[static 32],
    uint64_t after, char out[HL_TAXII_TOKEN_MAX + 1]);
/* Check a "next" token (untrusted) made with key for the query whose
 * filter hash is fh: HL_OK and *after, HL_ERR_MALFORMED for a token that
 * is not ours or was altered, HL_ERR_INVALID for another query's token. */
HL_WUR int hl_taxii_token_check(const uint8_t key[static 32], const char *tok,
    const uint8_t fh[static 32], uint64_t *after);

/* The STIX database and the paging key (data/taxii-next.key) are opened on
 * the first request, which also ingests what a crash left
 * (hl_stixshare_catch_up). node and auth outlive it. OUT: *out
 * (hl_taxii_free, after the HTTP server is freed). */
/* q: the STIX queue POSTs are stored through, a slice per loop pass
 * (NULL: whole, in the handler). */
HL_WUR int hl_taxii_new(struct hl_node *n, struct hl_auth *auth, struct hl_stixshare_q *q,
    struct hl_taxii **out);
void hl_taxii_free(struct hl_taxii *t);
struct hl_narr;
/* The narrative linker GET /api/v1/stix/narratives lists from (narr.h;
 * it must outlive t's routes). */
void hl_taxii_set_narr(struct hl_taxii *t, struct hl_narr *narr);
/* Add the TAXII routes (TAXII media types and errors) and the STIX JSON
 * routes to tab (t may be NULL to list them, as test_http does). */
HL_WUR int hl_taxii_register(struct hl_taxii *t, struct hl_http_table *tab);

#endif
