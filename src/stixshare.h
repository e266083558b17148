/* stixshare.h: what the local STIX collections take and give, below the
 * services that feed them (the TAXII server, the STIX endpoints, the poll
 * bridge): objects added to a collection (validated, checked against its
 * policy and the sticky releasability of what is stored, stored) and
 * shared with its member partners in signed envelopes; and the ingest of
 * the STIX envelopes partners send (docs/TAXII.md). */
#ifndef HL_STIXSHARE_H
#define HL_STIXSHARE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "errors.h"
#include "label.h"
#include "stixdb.h"

struct hl_node;
struct hl_store;

#define HL_STIXSHARE_BATCH_BYTES (1024u * 1024)   /* one envelope's bundle */
#define HL_STIXSHARE_BATCH_OBJECTS 500

/* Add objects (a JSON array) to the local collection coll: validate each,
 * refuse what the collection's policy does not allow, store, and share
 * what is new to the collection's member partners (source LOCAL or
 * EXTERNAL). OUT: *status, a TAXII status resource with per-object
 * successes and failures (caller decrefs). HL_ERR_NOT_FOUND for an unknown
 * collection; other errors are storage failures. For the TAXII POST, and
 * the poll bridge and any other local producer. */
HL_WUR int hl_stixshare_add(struct hl_node *n, struct hl_stixdb *d, const char *coll,
    const json_t *objects, const struct hl_stix_prov *prov, json_t **status);

/* One envelope: a bundle of objects (objs: their JSON, comma-separated;
 * consumed) for collection coll, labelled l, to the partners or nodes in
 * to[]. HL_OK when there is nothing to send. */
HL_WUR int hl_stixshare_bundle(struct hl_node *n, const char *coll, const struct hl_label *l,
    const char *const *to, unsigned nto, const char *originator, struct hl_buf *objs,
    size_t nobj);

/* After an inbound envelope of content type HL_CT_STIX was stored: put
 * its objects into the local copy of its collection with provenance
 * (idempotent). hotlined.c calls it right after the commit. */
HL_WUR int hl_stixshare_ingest(struct hl_store *s, const uint8_t id[static HL_ID_BYTES]);

/* Ingest the STIX envelopes stored but not ingested yet (a crash between
 * commit and ingest); run on the first TAXII or STIX request after a
 * start. OUT: *done (may be NULL). */
HL_WUR int hl_stixshare_catch_up(struct hl_store *s, size_t *done);

/* STIX times: microseconds since the epoch as RFC 3339 UTC with six
 * decimals; the wall clock in microseconds. */
void hl_stixshare_time(uint64_t us, char out[32]);
uint64_t hl_stixshare_now_us(void);
/* Free a string json_dumps made (NULL is fine). */
void hl_stixshare_free_str(char *s);

#endif
