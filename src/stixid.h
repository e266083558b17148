/* stixid.h: the UUIDs of STIX and TAXII ids (no I/O): random ones for new
 * objects and name-based ones for what must be the same on every run and
 * every side (a collection's TAXII id, a node's STIX identity). The CLI and
 * the TAXII server both use it, so the CLI needs no server code. */
#ifndef HL_STIXID_H
#define HL_STIXID_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

#define HL_STIXID_UUID_LEN 36   /* 8-4-4-4-12 lowercase hex */

/* A random (version 4) UUID. HL_ERR_CRYPTO without randomness. */
HL_WUR int hl_stixid_random(char out[static HL_STIXID_UUID_LEN + 1]);
/* A name-based UUID (version 8, RFC 9562) from SHA-256(prefix || name). */
void hl_stixid_named(const char *prefix, const char *name,
    char out[static HL_STIXID_UUID_LEN + 1]);
/* A name-based UUID version 5 (RFC 9562: SHA-1 of the namespace's 16
 * bytes, then name[0..len)), as STIX 2.1 wants for cyber-observable ids.
 * HL_ERR_CRYPTO when the digest fails (out[0] is then NUL). */
HL_WUR int hl_stixid_v5(const uint8_t ns[static 16], const char *name, size_t len,
    char out[static HL_STIXID_UUID_LEN + 1]);
/* The STIX identity of the node called node: identity--<uuid from its
 * name>, as every STIX object this node creates names it. */
void hl_stixid_identity(const char *node, char out[static 64]);
/* The TAXII id of the collection called name. */
void hl_stixid_collection(const char *name, char out[static HL_STIXID_UUID_LEN + 1]);

#endif
