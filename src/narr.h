/* narr.h: disinformation narratives linked across partners
 * (docs/DETECTION.md, "Narratives"). Each report, incident and campaign
 * stored in a configured collection is signed (simtext.h) and compared
 * with the earlier ones; one at least narrative_threshold alike that came
 * from another partner is linked by a local STIX relationship "related-to"
 * (newer -> earlier), labelled with the stricter of the two labels, stored
 * in the newer object's collection and never shared. The index is in
 * memory: the first scan after a start rebuilds it from the store (links
 * found then and already stored are not made again). A link's provenance
 * and audit entries name the node itself (cfg->node, "JPN/node-1"), which
 * no operator account can be called, so no account can pass an object of
 * its own for a link. Used on the store's thread only. */
#ifndef HL_NARR_H
#define HL_NARR_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "errors.h"
#include "store.h"

#define HL_NARR_PAGE 200          /* objects read per store query */
#define HL_NARR_MATCHES_MAX 64    /* links made for one object (the first found) */
#define HL_NARR_LIST_MAX 1000     /* pairs listed */

struct hl_narr;

/* A linker for the node configured by cfg (its threshold, identity and
 * collections) on store s; both must outlive it. OUT: *out (caller frees
 * with hl_narr_free). */
HL_WUR int hl_narr_new(const struct hl_config *cfg, struct hl_store *s, struct hl_narr **out);
void hl_narr_free(struct hl_narr *n);

/* Sign and index what was stored since the last scan, linking each to the
 * earlier ones; each new link stored and audited ("stix-narrative").
 * OUT: *linked new links (may be NULL). */
HL_WUR int hl_narr_scan(struct hl_narr *n, size_t *linked);

/* The linked pairs op may see (rule 4 on the link and both its ends, and
 * may_read on their collections; may_read NULL: all), newest first is not
 * promised: by collection, then as stored. OUT: *out, a JSON array of
 * {id, similarity, collection, label, source: {...}, target: {...}} with
 * each end's id, type, name, origin_partner, origin_node, collection and
 * label (docs/API.md); caller decrefs. */
HL_WUR int hl_narr_list(struct hl_narr *n, const struct hl_operator_conf *op,
    int (*may_read)(void *arg, const char *collection), void *arg, json_t **out);

#endif
