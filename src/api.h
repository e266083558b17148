/* api.h: the HTTPS + JSON operator API (docs/API.md). */
#ifndef HL_API_H
#define HL_API_H

#include <stddef.h>

#include "errors.h"

struct event_base;
struct hl_api;
struct hl_node;
struct hl_taxiipoll;

HL_WUR int hl_api_start(struct event_base *base, struct hl_node *node, struct hl_api **out,
    char *err, size_t errlen);
/* Before the node is freed. */
void hl_api_free(struct hl_api *a);
/* The TAXII poll bridge that /api/v1/taxii/ serves (NULL: none). */
void hl_api_set_poller(struct hl_api *a, struct hl_taxiipoll *p);

#endif
