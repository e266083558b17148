/* api.h: the operator API's envelope, status, key and track endpoints
 * (docs/API.md), routes of the HTTP layer (http.h). */
#ifndef HL_API_H
#define HL_API_H

#include <jansson.h>

#include "errors.h"

struct hl_api;
struct hl_auth;
struct hl_http_table;
struct hl_node;

/* node and auth outlive it. OUT: *out (hl_api_free, after the HTTP
 * server is freed). */
HL_WUR int hl_api_new(struct hl_node *node, struct hl_auth *auth, struct hl_api **out);
void hl_api_free(struct hl_api *a);
/* Add its routes to t (a may be NULL to list them, as test_http does). */
HL_WUR int hl_api_register(struct hl_api *a, struct hl_http_table *t);
/* GET /api/v1/status also gives key: fn(arg)'s JSON (a new reference;
 * NULL leaves it out). One such addition; fn NULL removes it. The
 * daemon wires services here (the detector's "sensors"). */
void hl_api_status_extra(struct hl_api *a, const char *key, json_t *(*fn)(void *arg),
    void *arg);

#endif
