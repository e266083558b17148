/* taxii.h: the TAXII 2.1 server under /taxii2/ and the /api/v1/stix/
 * endpoints on the operator API's HTTPS port (docs/TAXII.md), sharing of
 * collections across the federation, and ingest of STIX envelopes from
 * partners. */
#ifndef HL_TAXII_H
#define HL_TAXII_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "errors.h"
#include "stixdb.h"

struct evhttp_request;
struct hl_api;
struct hl_node;
struct hl_store;
struct hl_taxii;

#define HL_TAXII_MEDIA "application/taxii+json;version=2.1"
#define HL_STIX_MEDIA "application/stix+json;version=2.1"
#define HL_TAXII_LIMIT_DEFAULT 1000
#define HL_TAXII_LIMIT_MAX 10000
#define HL_TAXII_SHARE_BATCH_BYTES (1024u * 1024)   /* one envelope's bundle */
#define HL_TAXII_SHARE_BATCH_OBJECTS 500
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
/* Check a "next" token (untrusted) made with key for the query whose
 * filter hash is fh: HL_OK and *after, HL_ERR_MALFORMED for a token that
 * is not ours or was altered, HL_ERR_INVALID for another query's token. */
HL_WUR int hl_taxii_token_check(const uint8_t key[static 32], const char *tok,
    const uint8_t fh[static 32], uint64_t *after);

/* Serve one request whose path starts with /taxii2/ or /api/v1/stix/
 * (replies exactly once, does its own authentication). *state is created
 * on first use and freed with hl_taxii_free(). */
void hl_taxii_request(struct hl_api *a, struct hl_taxii **state, struct evhttp_request *req);
void hl_taxii_free(struct hl_taxii *t);
/* Reply with a TAXII error message (title, description, http_status) in
 * the TAXII media type; msg is one line. Also used by api.c for the 401 /
 * 429 of the shared authentication on /taxii2/ paths. */
void hl_taxii_reply_error(struct evhttp_request *req, int code, const char *title,
    const char *msg);

/* Add objects (a JSON array) to the local collection coll: validate each,
 * refuse what the collection's policy does not allow, store, and share
 * what is new to the collection's member partners (source LOCAL or
 * EXTERNAL). OUT: *status, a TAXII status resource with per-object
 * successes and failures (caller decrefs). HL_ERR_NOT_FOUND for an unknown
 * collection; other errors are storage failures. For the TAXII POST, and
 * the poll bridge and any other local producer. */
HL_WUR int hl_taxii_add(struct hl_node *n, struct hl_stixdb *d, const char *coll,
    const json_t *objects, const struct hl_stix_prov *prov, json_t **status);

/* After an inbound envelope of content type HL_CT_STIX was stored: put
 * its objects into the local copy of its collection with provenance
 * (idempotent). Called by node.c right after the commit. */
HL_WUR int hl_taxii_ingest(struct hl_store *s, const uint8_t id[static HL_ID_BYTES]);

/* Ingest the STIX envelopes stored but not ingested yet (a crash between
 * commit and ingest); run on the first TAXII or STIX request after a
 * start. OUT: *done (may be NULL). */
HL_WUR int hl_taxii_catch_up(struct hl_store *s, size_t *done);

/* A collection's TAXII id (a UUID derived from its name, the same on every
 * node). */
void hl_taxii_collection_id(const char *name, char out[37]);

#endif
