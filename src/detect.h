/* detect.h: the node's detector (docs/DETECTION.md). Each [sensor NAME]
 * file is followed like tail -F on the event loop, its lines parsed
 * (sensor.h) and matched (ioc.h) against the stored indicators of the
 * sensor's collections, kept current from the STIX store; matches become
 * sightings aggregated per indicator per sighting_window and recorded by
 * hl_stixshare_sighting(). At the originator, sightings that partners
 * send are correlated: two or more partners sighting one indicator within
 * correlation_window raise an IMMEDIATE envelope to the node's own inbox
 * (hl_node_notify_self), once per indicator and window. Single-threaded: everything runs on the loop. */
#ifndef HL_DETECT_H
#define HL_DETECT_H

#include <jansson.h>

#include "errors.h"

struct event_base;
struct hl_http_table;
struct hl_node;
struct hl_operator_conf;
struct hl_detect;

#define HL_DETECT_TICK_MS 250            /* how often the files are read */
#define HL_DETECT_READ_MAX (256u * 1024) /* bytes read per sensor per tick (a backlog: the
                                          * next tick right after the loop's pass) */
#define HL_DETECT_REFRESH_MS 1000        /* indicators looked up this often */
#define HL_DETECT_REFRESH_PAGES 20       /* of 500 objects: what one look reads at most */
#define HL_DETECT_SAVE_MS 1000           /* positions written at most this often */
#define HL_DETECT_PENDING_MAX 1024       /* indicators with hits waiting per sensor */
#define HL_DETECT_HITS_SHOWN 1000        /* matches listed in its reply */
#define HL_DETECT_CORR_MAX 4096          /* indicators whose sightings are correlated at once */

/* The detector of n's [sensor] sections and the correlation of the
 * sightings received in its [collection]s (neither: a detector that does
 * nothing). Loads the positions kept in the data directory and every
 * stored indicator of the sensors' collections. OUT: *out (caller frees
 * with hl_detect_free). */
HL_WUR int hl_detect_new(struct hl_node *n, struct event_base *base, struct hl_detect **out,
    char *err, size_t errlen);
/* Records the sightings waiting and the positions. NULL is fine. */
void hl_detect_free(struct hl_detect *d);
/* POST /api/v1/detect?format=F[&report=1] (docs/API.md): a file matched
 * at once against the indicators of the collections the operator may
 * read; with report=1 the matches are recorded as sightings. */
HL_WUR int hl_detect_register(struct hl_detect *d, struct hl_http_table *t);
/* GET /api/v1/detect/correlations (docs/API.md): the indicators partners
 * sighted within correlation_window, kept in memory, that op may see
 * (collections op may read, rule 4 on the indicator's label). A new
 * reference; NULL on allocation failure. */
json_t *hl_detect_correlations(struct hl_detect *d, const struct hl_operator_conf *op);
/* The sensors' counters for GET /api/v1/status: an array (new reference). */
json_t *hl_detect_status(void *arg);

#endif
