/* signctx.h: the contexts the node's Ed25519 key signs in (hl_keys_sign):
 * each signed message type has its own, so a signature made for one can
 * never verify as another. Apart from keys.h because the key keeper's
 * request codec (keeperproto.c), below keys, checks them. */
#ifndef HL_SIGNCTX_H
#define HL_SIGNCTX_H

enum hl_sign_ctx {
	HL_SIGN_ENVELOPE = 1,
	HL_SIGN_RECEIPT = 2,
	HL_SIGN_DESCRIPTOR = 3,
	HL_SIGN_AUDIT = 4,
	HL_SIGN_CHECKPOINT = 5,   /* audit tree heads (merkle.h) */
	HL_SIGN_CHECKPOINT_ACK = 6, /* a partner witnessed a checkpoint (envelope.h) */
	HL_SIGN_ENVELOPE_BATCH = 7, /* the root over a batch of version 2 envelopes (sigbatch.h) */
	HL_SIGN_RECEIPT_BATCH = 8,  /* the root over a batch of version 2 receipts */
};

#endif
