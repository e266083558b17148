/* limits.h: every hard size limit of hotline, with its unit. */
#ifndef HL_LIMITS_H
#define HL_LIMITS_H

#define HL_ID_BYTES 16                          /* envelope id, random */
#define HL_PATH_MAX 1024                        /* a file path, bytes */
#define HL_NODE_NAME_MAX 64                     /* "PARTNER/name", bytes */
#define HL_PARTNER_MAX 8                        /* partner code, bytes, [A-Z0-9] */
#define HL_PARTNER_MIN 2
#define HL_OPERATOR_MAX 64                      /* operator name, bytes */
#define HL_POLICY_MAX 32                        /* label policy id, bytes */
#define HL_LEVELS_MAX 8                         /* classification levels per policy */
#define HL_LEVEL_NAME_MAX 24                    /* classification name, bytes */
#define HL_RELEASABLE_MAX 64                    /* partners in releasable-to */
#define HL_RECIPIENTS_MAX 64                    /* recipient nodes per envelope */
#define HL_PROTO1_RELEASABLE_MAX 32             /* partners, recipients: link protocol 1's limit */
#define HL_GROUPS_MAX 16                        /* releasability groups of a policy ([group NAME]) */
#define HL_PEERS_MAX 64                         /* configured peers per node */
#define HL_ROUTES_MAX HL_PEERS_MAX              /* nodes named in one ROUTES frame */
#define HL_PROOF_HASHES_MAX 64                  /* hashes in one CONSISTENCY frame */
#define HL_CHECKPOINT_ACK_MAX_BYTES 5120        /* encoded CHECKPOINT_ACK payload (hybrid) */
#define HL_LABEL_MAX_BYTES 1024                 /* encoded label */
#define HL_WRAP_MAX_BYTES 2048                  /* one recipient's wrapped key */
#define HL_CONTENT_MAX_BYTES (64u * 1024 * 1024) /* plaintext content */
#define HL_ENVELOPE_MAX_BYTES (HL_CONTENT_MAX_BYTES + 256u * 1024)
/* a content or sealed envelope this large is stored in a file of its own,
 * not in a SQLite row (store_blob.c) */
#define HL_BLOB_MIN_BYTES (256u * 1024)
#define HL_FRAME_MAX_BYTES (HL_ENVELOPE_MAX_BYTES + 64)
#define HL_FRAME_PREAUTH_MAX_BYTES (16u * 1024) /* before the peer is matched */
#define HL_CHUNK_BYTES (64u * 1024)             /* envelopes larger than this travel in chunks */
#define HL_FRAME_LINK_MAX_BYTES (HL_CHUNK_BYTES + 1024) /* any frame after HELLO */
#define HL_REASM_MAX 16                         /* chunked transfers in progress per link */
#define HL_RECEIPT_MAX_BYTES 8192               /* a version 3 receipt: ML-DSA-87 */
/* batch signatures (envelope and receipt version 2): leaves under one signed
 * root, and so at most 6 hashes in an inclusion path */
#define HL_SIGBATCH_MAX 64
#define HL_SIGBATCH_DEPTH_MAX 6
#define HL_DESCRIPTOR_MAX_BYTES (16u * 1024)
#define HL_CERT_MAX_BYTES 4096                  /* DER certificate */
#define HL_REASON_MAX 128                       /* rejection detail text, bytes */
#define HL_CONFIG_MAX_BYTES (256u * 1024)
#define HL_CONFIG_LINE_MAX 1024
#define HL_HTTP_BODY_MAX_BYTES (HL_CONTENT_MAX_BYTES + 1024u * 1024)
#define HL_HTTP_HEADERS_MAX_BYTES (16u * 1024)
/* operator port: a body let in before its request's credentials are
 * checked, bytes (a console login, a TOTP code); a larger one needs them */
#define HL_HTTP_PREAUTH_BODY_MAX (8u * 1024)
/* an authenticated body this large is an upload; at most
 * HL_HTTP_UPLOADS_MAX of them are received at once per node */
#define HL_HTTP_UPLOAD_MIN_BYTES (256u * 1024)
#define HL_HTTP_UPLOADS_MAX 8
#define HL_HTTP_PEER_MAX 64                     /* a client's address as text */
#define HL_JSON_DEPTH_MAX 32
#define HL_AUDIT_DETAIL_MAX 512                 /* audit detail text, bytes */
#define HL_TRACK_MAX_BYTES 16384                /* one encoded track record */
#define HL_TRACK_ID_MAX 64                      /* track_id, bytes */
/* track_alerts = no | yes | partners (config.h, track.h) */
#define HL_TRACK_ALERTS_NONE 0
#define HL_TRACK_ALERTS_ALL 1
#define HL_TRACK_ALERTS_PARTNERS 2                /* none for this node's own tracks */
#define HL_TRACKS_BATCH_MAX 1000                /* track updates in one tracks envelope */
#define HL_TRACK_ALERT_KIND_MAX 15              /* an alert's kind: new, threat, dropped, stale */
#define HL_TRACK_ALERT_DETAIL_MAX 255           /* what changed, one line */
/* detection (sensor.c, ioc.c) */
#define HL_SENSOR_LINE_MAX (64u * 1024)         /* one line of sensor output, bytes */
/* POST /api/v1/detect: the file matched at once (on the loop: about 0.2 s) */
#define HL_DETECT_BODY_MAX (16u * 1024 * 1024)
#define HL_SENSOR_OBS_MAX 64                    /* observables in one event */
#define HL_SENSOR_DEPTH_MAX 16                  /* nesting of [ and { in one line */
#define HL_IOC_VALUES_MAX 512                   /* values one indicator's pattern compares */
#define HL_IOC_INDICATORS_MAX (16u * 1024 * 1024) /* indicators in one set */

#define HL_ED25519_PUB 32
#define HL_ED25519_SIG 64
#define HL_X25519_KEY 32
#define HL_AES_KEY 32
#define HL_GCM_NONCE 12
#define HL_GCM_TAG 16
#define HL_SHA256 32

#endif
