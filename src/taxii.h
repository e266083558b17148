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

/* Serve one request whose path starts with /taxii2/ or /api/v1/stix/
 * (replies exactly once, does its own authentication). *state is created
 * on first use and freed with hl_taxii_free(). */
void hl_taxii_request(struct hl_api *a, struct hl_taxii **state, struct evhttp_request *req);
void hl_taxii_free(struct hl_taxii *t);

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

/* A collection's TAXII id (a UUID derived from its name, the same on every
 * node). */
void hl_taxii_collection_id(const char *name, char out[37]);

#endif
