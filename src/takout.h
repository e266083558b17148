/* takout.h: Cursor on Target out to TAK users ([tak NAME] sections,
 * docs/internals/tracks.md "Cursor on Target"). Each output streams the
 * track picture as CoT events to its endpoint (TCP, TLS with a client
 * certificate; reconnecting) and/or to the clients of its local port
 * (loopback, plain TCP): the whole picture when a connection comes up,
 * then each track as an ingest slice moves it. A track goes out only when
 * its label may be released to the output's partner at its accreditation
 * (rule 1, as for a peer; TLP:RED never) and, for an exercise track, when
 * the output takes exercise tracks. Runs on the event loop; sends nothing
 * back into the node and reads nothing from TAK (what a server sends is
 * drained and dropped). */
#ifndef HL_TAKOUT_H
#define HL_TAKOUT_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "hl_limits.h"

struct event_base;
struct hl_config;
struct hl_store;
struct hl_takout;

#define HL_TAK_CLIENTS_MAX 16            /* connections to one local port */
#define HL_TAK_OUTPUT_MAX (8u << 20)     /* bytes queued to one connection; more: it is dropped */
#define HL_TAK_PICTURE_MAX 20000         /* tracks sent when a connection comes up */

/* The outputs of cfg's [tak] sections: listeners bound, TLS contexts
 * loaded (before privileges are dropped), endpoints dialled. *out is NULL
 * when there are none. cfg and store must outlive it. */
HL_WUR int hl_takout_new(struct event_base *base, const struct hl_config *cfg,
    struct hl_store *store, struct hl_takout **out, char *err, size_t errlen);
/* An ingest slice of envelope id, updates [from, to), is committed: the
 * tracks it moved go out. Accepts NULL. */
void hl_takout_changed(struct hl_takout *t, const uint8_t id[static HL_ID_BYTES],
    unsigned from, unsigned to);
/* Close every connection and listener. Accepts NULL. */
void hl_takout_free(struct hl_takout *t);

#endif
