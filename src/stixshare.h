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

/* ---- the STIX queue (docs/internals/pipeline.md) ----
 *
 * A TAXII POST of 1,000 objects or a partner's bundle of 500 took 60-120
 * ms of the event loop in one go, and a FLASH waited behind it at every
 * node. The queue does that work a slice of HL_STIXSHARE_SLICE_OBJECTS
 * objects per pass of the loop (a zero-timeout timer, so each slice comes
 * after the pass's I/O), each slice one transaction with its audit line,
 * written for the store's syncer; jobs in arrival order. An add answers
 * (cb) once its last slice is on disk, with the status resource it would
 * have had whole, and shares what is new; an ingest marks its envelope
 * done in its last slice (a stop before that ingests it again at the next
 * start: hl_stixshare_catch_up). */
#define HL_STIXSHARE_SLICE_OBJECTS 64
#define HL_STIXSHARE_QUEUE_ADDS 64        /* adds waiting: more is HL_ERR_FULL (503) */
#define HL_STIXSHARE_QUEUE_OBJECTS 200000 /* their objects, held parsed: likewise */
#define HL_STIXSHARE_QUEUE_INGESTS 4096   /* ingests waiting: more are done at once */
/* While the node has FLASH work under way (hl_node_flash_busy) the queue
 * waits, but runs a slice at least this often. */
#define HL_STIXSHARE_YIELD_MAX_MS 50

struct event_base;
struct hl_stixshare_q;
/* r: HL_OK with status (the callee's), or the error (status NULL); on
 * an error the slices before it stay stored (and shared). */
typedef void (*hl_stixshare_added_fn)(void *arg, int r, json_t *status);
HL_WUR int hl_stixshare_q_new(struct hl_node *n, struct event_base *base,
    struct hl_stixshare_q **out);
/* hl_stixshare_add a slice at a time: env (a reference is taken) holds
 * objects; d must outlive the job. HL_ERR_FULL: too many waiting. */
HL_WUR int hl_stixshare_add_async(struct hl_stixshare_q *q, struct hl_stixdb *d,
    const char *coll, json_t *env, const json_t *objects, const struct hl_stix_prov *prov,
    hl_stixshare_added_fn cb, void *arg);
/* hl_stixshare_ingest a slice at a time (done at once beyond the bound). */
HL_WUR int hl_stixshare_ingest_async(struct hl_stixshare_q *q,
    const uint8_t id[static HL_ID_BYTES]);
/* Do every queued job to its end here, and run the callbacks once on disk
 * (a stop); returns the slices run. */
size_t hl_stixshare_q_finish(struct hl_stixshare_q *q);
void hl_stixshare_q_stats(const struct hl_stixshare_q *q, size_t *adds, size_t *ingests,
    uint64_t *slices);
/* Finishes first. */
void hl_stixshare_q_free(struct hl_stixshare_q *q);

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

/* A sighting of a stored object (the operator's POST /api/v1/stix/sightings
 * and the detector's matches, docs/DETECTION.md). */
struct hl_stixshare_sighting {
	int64_t count;                       /* 0..999999999 */
	uint64_t first_seen_us, last_seen_us; /* 0: not known (both or neither) */
	const char *note;                    /* description, or NULL */
	const char *by;                      /* who records it: an account, "detect:SENSOR" */
};
/* Build a STIX sighting of orig (sighting_of_ref, where_sighted_refs and
 * created_by_ref this node's identity), store it in orig's collection
 * under orig's label (the sighting is as sensitive as what it sights),
 * audit it, and send it to orig's originating node only (a sighting
 * reveals a victim), or to the collection's members when its
 * sightings_to = members. OUT: sid (the sighting's id), to (the partner
 * it went to, "members", or "" for none). HL_ERR_DENIED / other send
 * errors after it was stored are returned with sid set. */
HL_WUR int hl_stixshare_sighting(struct hl_node *n, struct hl_stixdb *d,
    const struct hl_stix_row *orig, const struct hl_stixshare_sighting *w, char sid[64],
    char to[HL_PARTNER_MAX + 1]);

/* STIX times: microseconds since the epoch as RFC 3339 UTC with six
 * decimals (the wall clock in microseconds is clock.h's hl_now_us). */
void hl_stixshare_time(uint64_t us, char out[32]);
/* Free a string json_dumps made (NULL is fine). */
void hl_stixshare_free_str(char *s);

#endif
