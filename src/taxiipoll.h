/* taxiipoll.h: the TAXII poll bridge. For each [taxii_source NAME] the
 * node fetches the external collection's new objects every interval
 * (GET .../objects/?added_after=CURSOR&limit=..., following "next" with
 * the same added_after), stores them in the local collection through
 * hl_stixshare_add (validation, labels, sharing with the members), and keeps
 * CURSOR durably in the store: a date_added up to which every object is
 * stored (taxiic.h, the pager).
 *
 * Non-blocking: the requests are libevent HTTP client requests over
 * bufferevent_openssl on the node's own event loop, so the store and the
 * STIX database are used on their thread and nothing else runs in
 * parallel. Its two operator endpoints (/api/v1/taxii/) are routes of
 * the HTTP layer (hl_taxiipoll_register). */
#ifndef HL_TAXIIPOLL_H
#define HL_TAXIIPOLL_H

#include <jansson.h>

#include "errors.h"

struct event_base;
struct hl_auth;
struct hl_http_table;
struct hl_node;
struct hl_taxiipoll;

#define HL_TAXIIPOLL_PAGE_LIMIT 1000      /* limit= per request */
#define HL_TAXIIPOLL_PAGES_MAX 1000       /* pages per round; the next round goes on */
#define HL_TAXIIPOLL_TIMEOUT_S 60         /* one request */
#define HL_TAXIIPOLL_FIRST_S 2            /* the first round after start */

/* Set up every configured source of n's configuration (reads each
 * password_file, which must not be group/world readable, and loads each
 * CA) and schedule the rounds. Pages are stored through the STIX queue q
 * (NULL: each at once, in the response's callback). err: one line. Caller
 * frees with hl_taxiipoll_free() before the node; at a stop,
 * hl_taxiipoll_stop() first, then the queue finished (the pages it holds
 * are stored and their positions kept), then the free. */
struct hl_stixshare_q;
HL_WUR int hl_taxiipoll_new(struct hl_node *n, struct hl_auth *auth, struct event_base *base,
    struct hl_stixshare_q *q, struct hl_taxiipoll **out, char *err, size_t errlen);
/* No more requests or rounds (the one in flight is cancelled). */
void hl_taxiipoll_stop(struct hl_taxiipoll *p);
void hl_taxiipoll_free(struct hl_taxiipoll *p);

/* Start a round of source name now (unless one runs). from_start: forget
 * the kept position first, so that the round asks for everything (to
 * recover what a cursor moved past without fetching: HL_ERR_AGAIN while a
 * round runs). OUT: *round, the number of rounds completed once it ends.
 * HL_ERR_NOT_FOUND. */
HL_WUR int hl_taxiipoll_trigger(struct hl_taxiipoll *p, const char *name, int from_start,
    uint64_t *round);
/* {"sources":[{"name","url","collection","interval_s","cursor","rounds",
 * "running","last":{...},"current":{...}}]}: last is the last round
 * completed, current the one running (absent otherwise), each {started_ms,
 * [finished_ms], fetched, added, already_stored, failed, pages, sequences,
 * repeated, note, error}. New reference; NULL on allocation failure. */
json_t *hl_taxiipoll_status(const struct hl_taxiipoll *p);

/* Add the operator endpoints under /api/v1/taxii/ to t: GET sources,
 * POST sources/NAME/pull (analyst or admin; audited). Remove them
 * (hl_http_table_remove) before hl_taxiipoll_free while the server lives
 * on. p may be NULL to list them, as test_http does. */
HL_WUR int hl_taxiipoll_register(struct hl_taxiipoll *p, struct hl_http_table *t);

#endif
