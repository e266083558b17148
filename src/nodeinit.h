/* nodeinit.h: creating, starting and destroying a node (hotlined.c
 * composes the daemon with these; tests/unit/test_node.c runs nodes
 * without sockets through hl_node_link_cbs). */
#ifndef HL_NODEINIT_H
#define HL_NODEINIT_H

#include <stddef.h>

#include "config.h"
#include "errors.h"
#include "link.h"

struct event_base;
struct hl_node;

/* Open keys and store, read the peers' CAs and stored descriptors. No
 * network yet, no timer. */
HL_WUR int hl_node_new(const struct hl_config *cfg, struct event_base *base,
    struct hl_node **out, char *err, size_t errlen);
/* Listen for peers and dial them (TLS links, link.c). */
HL_WUR int hl_node_listen(struct hl_node *n, char *err, size_t errlen);
/* Start the timer (heartbeats, dialing, deadlines, rotation) and record
 * the start in the audit log. */
HL_WUR int hl_node_start(struct hl_node *n, char *err, size_t errlen);
/* Record the stop in the audit log. */
void hl_node_shutdown(struct hl_node *n);
/* After every service that holds n is gone. */
void hl_node_free(struct hl_node *n);

/* The node's side of a link (any transport: link.h): what a transport
 * calls, with the node as arg. */
extern const struct hl_link_cbs hl_node_link_cbs;

#endif
