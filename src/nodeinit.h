/* nodeinit.h: creating and destroying a node (used by hotlined and tests). */
#ifndef HL_NODEINIT_H
#define HL_NODEINIT_H

#include "config.h"
#include "errors.h"

struct event_base;
struct hl_node;

/* Open keys and store, listen for peers and operators, start timers. */
HL_WUR int hl_node_new(const struct hl_config *cfg, struct event_base *base,
    struct hl_node **out, char *err, size_t errlen);
/* Record the stop in the audit log. */
void hl_node_shutdown(struct hl_node *n);
void hl_node_free(struct hl_node *n);

#endif
