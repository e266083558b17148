/* errors.c: text for hl_err codes; error messages into callers' buffers. */
#include <stdio.h>

#include "errors.h"

const char *
hl_strerror(int err)
{
	switch (err) {
	case HL_OK: return "success";
	case HL_ERR_INTERNAL: return "internal error";
	case HL_ERR_NOMEM: return "out of memory";
	case HL_ERR_MALFORMED: return "malformed input";
	case HL_ERR_TOO_BIG: return "size limit exceeded";
	case HL_ERR_VERSION: return "unsupported version or type";
	case HL_ERR_CRYPTO: return "cryptographic operation failed";
	case HL_ERR_BAD_SIGNATURE: return "bad signature";
	case HL_ERR_DECRYPT: return "decryption failed";
	case HL_ERR_IO: return "I/O error";
	case HL_ERR_NOT_FOUND: return "not found";
	case HL_ERR_EXISTS: return "already exists";
	case HL_ERR_DENIED: return "denied by policy";
	case HL_ERR_EXPIRED: return "expired";
	case HL_ERR_CONFIG: return "invalid configuration";
	case HL_ERR_STORE: return "storage error";
	case HL_ERR_CORRUPT: return "integrity check failed";
	case HL_ERR_AUTH: return "authentication failed";
	case HL_ERR_UNKNOWN_PEER: return "unknown peer";
	case HL_ERR_INVALID: return "invalid argument";
	case HL_ERR_FULL: return "full";
	case HL_ERR_AGAIN: return "try again later";
	case HL_ERR_UNSUPPORTED: return "not supported";
	case HL_ERR_NOT_APPLICABLE: return "not applicable";
	}
	return "unknown error";
}

void
hl_vset_err(char *err, size_t errlen, const char *fmt, va_list ap)
{
	size_t i;

	if (err == NULL || errlen == 0)
		return;
	if (vsnprintf(err, errlen, fmt, ap) < 0)
		err[0] = '\0';
	for (i = 0; err[i] != '\0'; i++)
		if ((unsigned char)err[i] < 0x20 || err[i] == 0x7f)
			err[i] = ' ';
}

void
hl_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hl_vset_err(err, errlen, fmt, ap);
	va_end(ap);
}
