/* reason.h: why a receiver rejects an envelope, the reason code of a
 * rejected receipt (docs/PROTOCOL.md). Apart from envelope.h (the receipt
 * codec) because label.c's rule 3 gives three of them and sits below the
 * codecs that carry labels. */
#ifndef HL_REASON_H
#define HL_REASON_H

enum hl_reject_reason {
	HL_REASON_NONE = 0,
	HL_REASON_NOT_RELEASABLE = 1,
	HL_REASON_ACCREDITATION = 2,
	HL_REASON_BAD_SIGNATURE = 3,
	HL_REASON_EXPIRED = 4,
	HL_REASON_UNKNOWN_ORIGIN = 5,
	HL_REASON_MALFORMED = 6,
	HL_REASON_DECRYPT = 7,
	HL_REASON_NOT_RECIPIENT = 8,
	HL_REASON_STORAGE = 9,
	HL_REASON_POLICY = 10,       /* label policy unknown to the receiver */
	HL_REASON_LAST = 10,
};

#endif
