/* taxiic.h: a TAXII 2.1 client (discovery, collections, objects with
 * added_after/limit/next paging, POST an envelope, status). The response
 * parsers, the objects path and the pager are pure functions over
 * untrusted bytes with hard limits (fuzz/fuzz_taxiic.c); the requests go
 * through the one HTTPS client (httpc.h) with the media type
 * application/taxii+json;version=2.1: blocking here (the CLI), evented in
 * the taxii_source poller (taxiipoll.c), which uses the same path, parsers
 * and pager on the event loop. */
#ifndef HL_TAXIIC_H
#define HL_TAXIIC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "errors.h"
#include "httpc.h"

#define HL_TAXIIC_MEDIA "application/taxii+json;version=2.1"
#define HL_TAXIIC_BODY_MAX (64u * 1024 * 1024)    /* one response body */
#define HL_TAXIIC_OBJECTS_MAX 100000              /* objects in one envelope */
#define HL_TAXIIC_COLLECTIONS_MAX 1000
#define HL_TAXIIC_ROOTS_MAX 100
#define HL_TAXIIC_FAILURES_MAX 100000             /* failures in one status */
#define HL_TAXIIC_ID_MAX 256                      /* collection / status / object id */
#define HL_TAXIIC_TITLE_MAX 256
#define HL_TAXIIC_URL_MAX 1024                    /* an API root URL or path */
#define HL_TAXIIC_NEXT_MAX 1024                   /* a next token */
#define HL_TAXIIC_TIME_MAX 40                     /* an RFC 3339 timestamp */
#define HL_TAXIIC_MESSAGE_MAX 512                 /* a failure message */

/* ---- parsed responses ---- */

struct hl_taxii_discovery {
	char title[HL_TAXIIC_TITLE_MAX + 1];
	char def[HL_TAXIIC_URL_MAX + 1];          /* "default", "" when absent */
	unsigned nroots;
	char roots[HL_TAXIIC_ROOTS_MAX][HL_TAXIIC_URL_MAX + 1];
};

struct hl_taxii_collection {
	char id[HL_TAXIIC_ID_MAX + 1];
	char title[HL_TAXIIC_TITLE_MAX + 1];
	int can_read, can_write;
};

struct hl_taxii_collections {
	unsigned n;
	struct hl_taxii_collection *c;            /* owned; hl_taxiic_collections_clear */
};

/* One page of GET .../objects/ */
struct hl_taxii_page {
	json_t *objects;                          /* array (new reference; may be empty) */
	int more;
	char next[HL_TAXIIC_NEXT_MAX + 1];        /* "" when absent */
	char date_added_first[HL_TAXIIC_TIME_MAX + 1];  /* X-TAXII-Date-Added-First, "" */
	char date_added_last[HL_TAXIIC_TIME_MAX + 1];   /* X-TAXII-Date-Added-Last, "" */
};

struct hl_taxii_failure {
	char id[HL_TAXIIC_ID_MAX + 1];
	char message[HL_TAXIIC_MESSAGE_MAX + 1];
};

struct hl_taxii_status {
	char id[HL_TAXIIC_ID_MAX + 1];
	int complete;                             /* status == "complete" */
	uint64_t total, success, failure, pending;
	unsigned nfail;                           /* details kept */
	struct hl_taxii_failure *fail;            /* owned; hl_taxiic_status_clear */
};

HL_WUR int hl_taxiic_parse_discovery(const uint8_t *p, size_t len,
    struct hl_taxii_discovery *out, char *err, size_t errlen);
/* OUT: *out (caller calls hl_taxiic_collections_clear). */
HL_WUR int hl_taxiic_parse_collections(const uint8_t *p, size_t len,
    struct hl_taxii_collections *out, char *err, size_t errlen);
void hl_taxiic_collections_clear(struct hl_taxii_collections *c);
/* An envelope: {"more","next","objects":[{"type","id",...}]}; each object
 * must be a JSON object with string type and id ("more" without "next" is
 * accepted: some servers send it; the pager copes). OUT: page->objects, more,
 * next (the headers are filled by hl_taxiic_get_objects). Caller calls
 * hl_taxiic_page_clear. */
HL_WUR int hl_taxiic_parse_envelope(const uint8_t *p, size_t len, struct hl_taxii_page *page,
    char *err, size_t errlen);
void hl_taxiic_page_clear(struct hl_taxii_page *page);
/* A status resource. OUT: *out (caller calls hl_taxiic_status_clear). */
HL_WUR int hl_taxiic_parse_status(const uint8_t *p, size_t len, struct hl_taxii_status *out,
    char *err, size_t errlen);
void hl_taxiic_status_clear(struct hl_taxii_status *s);
/* A TAXII error body {"title","description"} as one line in out ("" if
 * the body is not one). */
void hl_taxiic_error_text(const uint8_t *p, size_t len, char *out, size_t cap);

/* A page's X-TAXII-Date-Added-First / -Last from a response head
 * (hl_httpc_header); "" when absent or bad. */
void hl_taxiic_page_headers(const uint8_t *head, size_t len, struct hl_taxii_page *page);
/* {objects_path}?added_after=..&limit=..&next=.. (each optional: NULL or
 * "", 0), the values percent-encoded. OUT: *out (caller frees with
 * hl_free). HL_ERR_TOO_BIG. */
HL_WUR int hl_taxiic_objects_path(const char *objects_path, const char *added_after,
    unsigned limit, const char *next, char **out);

/* "https://host[:port]/path" -> host, port (default 443), path (starting
 * with '/', ending with '/'). Only https. */
HL_WUR int hl_taxiic_parse_url(const char *url, char host[HL_HOST_MAX + 1], uint16_t *port,
    char path[HL_TAXIIC_URL_MAX + 1]);

/* ---- the pager: which page to ask for next (pure, no I/O) ----
 *
 * A round starts from a position P (every object the server added at or
 * before P is stored; "" at first) and asks ?added_after=P. While the
 * answer has "more" and a "next", it follows next with the same
 * added_after (servers such as the OASIS reference server refuse changed
 * parameters within a page sequence). The position moves to the newest
 * date_added of a sequence once the sequence ends, and during one to the
 * newest date_added it has seen complete: objects that share a date_added
 * may span pages, so a page's own X-TAXII-Date-Added-Last is not yet
 * complete while more follows. When following next is impossible (the
 * server sends more without next, ignores next or repeats itself, or
 * refuses a next token with 400/404), a new sequence starts at the newest
 * complete date_added; objects asked for twice are stored once (the store
 * keeps one copy per id and version). Every step either brings objects
 * not seen in the sequence or moves the position forward, and a round has
 * at most pages_max pages: a round always ends. */

#define HL_TAXIIC_PAGER_SEEN_MAX (1u << 18)  /* ids+versions remembered in one sequence (4 MiB) */
#define HL_TAXIIC_PAGER_RETRIES_MAX 3         /* refused next tokens in a row without progress */
#define HL_TAXIIC_PAGER_TEXT_MAX 300

enum hl_taxii_pager_step {
	HL_TAXII_PAGER_ASK = 0,       /* make the request hl_taxiic_pager_request gives */
	HL_TAXII_PAGER_DONE = 1,      /* the round is over */
	HL_TAXII_PAGER_FAILED = 2,    /* the round is over; pg->error says why */
};

struct hl_taxii_pager {
	unsigned pages_max;
	/* every object added at or before pos has been received ("" = none):
	 * the added_after of the next round, to keep once the objects are stored */
	char pos[HL_TAXIIC_TIME_MAX + 1];
	/* the page sequence in progress */
	char after[HL_TAXIIC_TIME_MAX + 1];   /* its added_after, fixed while following next */
	char next[HL_TAXIIC_NEXT_MAX + 1];    /* "" for its first page */
	char last[HL_TAXIIC_TIME_MAX + 1];    /* the newest date_added seen in it (or after) */
	char safe[HL_TAXIIC_TIME_MAX + 1];    /* the newest date_added known complete */
	uint64_t *seen;                       /* hashes of id+version seen in it (open addressing) */
	size_t nseen, seencap;
	/* the round */
	int no_next;                          /* the server ignores or repeats next: page by added_after */
	int no_position;                      /* the server sends no X-TAXII-Date-Added-* */
	unsigned pages, sequences, retries;
	uint64_t fetched, repeated;           /* objects received; of them sent twice in a sequence */
	char note[HL_TAXIIC_PAGER_TEXT_MAX];  /* what was worked around, "" if nothing */
	char error[HL_TAXIIC_PAGER_TEXT_MAX]; /* with HL_TAXII_PAGER_FAILED */
};

/* Start a round from pos ("" for the beginning; else an RFC 3339 time).
 * HL_ERR_MALFORMED (pg->error) when pos is not one. Caller calls
 * hl_taxiic_pager_clear. */
HL_WUR int hl_taxiic_pager_start(struct hl_taxii_pager *pg, const char *pos, unsigned pages_max);
void hl_taxiic_pager_clear(struct hl_taxii_pager *pg);
/* The next request's added_after and next (each "" when not to be sent;
 * borrowed from pg). */
void hl_taxiic_pager_request(const struct hl_taxii_pager *pg, const char **added_after,
    const char **next);
/* An HTTP 200 page (with its X-TAXII-Date-Added-* headers, as received).
 * OUT: *step. pg->pos may have moved: store the page's objects first, then
 * keep pg->pos. HL_ERR_NOMEM only; the server's faults are
 * HL_TAXII_PAGER_FAILED with pg->error. */
HL_WUR int hl_taxiic_pager_page(struct hl_taxii_pager *pg, const struct hl_taxii_page *page,
    enum hl_taxii_pager_step *step);
/* Any other HTTP status (text: the server's error, one line, or "").
 * A 400/404 to a next token starts a new sequence (bounded); anything else
 * fails the round. */
enum hl_taxii_pager_step hl_taxiic_pager_refused(struct hl_taxii_pager *pg, int http_status,
    const char *text);

/* ---- the client: hl_httpc targets (node "" for another TAXII server:
 * TLS 1.2+ and its host name; a hotline node: TLS 1.3 and its name) ---- */

/* One request. accept: the Accept media type (NULL: the TAXII one).
 * OUT: *status, *body (caller frees with hl_free; NUL-terminated), *blen,
 * and when head != NULL the response head (caller frees). Any HTTP status
 * is a success here; transport failures are HL_ERR_IO / HL_ERR_CRYPTO /
 * HL_ERR_MALFORMED / HL_ERR_TOO_BIG with one line in err. */
HL_WUR int hl_taxiic_request(const struct hl_httpc *c, const char *method, const char *path,
    const uint8_t *body, size_t body_len, const char *accept, int *status, uint8_t **rbody,
    size_t *blen, char **head, char *err, size_t errlen);

/* GET path (the discovery URL path, usually "/taxii2/"). */
HL_WUR int hl_taxiic_discovery(const struct hl_httpc *c, const char *path,
    struct hl_taxii_discovery *out, char *err, size_t errlen);
/* GET {root}collections/ (root ends with '/'). */
HL_WUR int hl_taxiic_collections(const struct hl_httpc *c, const char *root,
    struct hl_taxii_collections *out, char *err, size_t errlen);
/* GET {objects_path}?added_after=..&limit=..&next=.. (each optional: NULL,
 * 0). objects_path ends with "/objects/". */
HL_WUR int hl_taxiic_get_objects(const struct hl_httpc *c, const char *objects_path,
    const char *added_after, unsigned limit, const char *next, struct hl_taxii_page *page,
    char *err, size_t errlen);
/* POST {"objects": objects} to objects_path; the answer is a status. */
HL_WUR int hl_taxiic_post_objects(const struct hl_httpc *c, const char *objects_path,
    const json_t *objects, struct hl_taxii_status *st, char *err, size_t errlen);
/* GET {root}status/{id}/ */
HL_WUR int hl_taxiic_get_status(const struct hl_httpc *c, const char *root, const char *id,
    struct hl_taxii_status *st, char *err, size_t errlen);

#endif
