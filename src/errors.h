/* errors.h: the one error space of hotline. 0 is success, failures are negative. */
#ifndef HL_ERRORS_H
#define HL_ERRORS_H

#include <stdarg.h>
#include <stddef.h>

#define HL_WUR __attribute__((warn_unused_result))

enum hl_err {
	HL_OK = 0,
	HL_ERR_INTERNAL = -1,      /* broken invariant or unexpected library failure */
	HL_ERR_NOMEM = -2,         /* allocation failed */
	HL_ERR_MALFORMED = -3,     /* input does not parse */
	HL_ERR_TOO_BIG = -4,       /* a size limit was exceeded */
	HL_ERR_VERSION = -5,       /* unknown version, type or suite */
	HL_ERR_CRYPTO = -6,        /* a cryptographic operation failed */
	HL_ERR_BAD_SIGNATURE = -7, /* signature does not verify */
	HL_ERR_DECRYPT = -8,       /* AEAD open or key unwrap failed */
	HL_ERR_IO = -9,            /* system call failed (errno is set) */
	HL_ERR_NOT_FOUND = -10,    /* no such item */
	HL_ERR_EXISTS = -11,       /* item already there (duplicate id) */
	HL_ERR_DENIED = -12,       /* a label or access rule forbids it */
	HL_ERR_EXPIRED = -13,      /* past its expiry or validity window */
	HL_ERR_CONFIG = -14,       /* configuration is invalid */
	HL_ERR_STORE = -15,        /* storage backend failed */
	HL_ERR_CORRUPT = -16,      /* stored data failed an integrity check */
	HL_ERR_AUTH = -17,         /* authentication failed */
	HL_ERR_UNKNOWN_PEER = -18, /* node or partner not in configuration */
	HL_ERR_INVALID = -19,      /* argument out of range */
	HL_ERR_FULL = -20,         /* out of space or queue full */
	HL_ERR_AGAIN = -21,        /* not now, try later */
	HL_ERR_UNSUPPORTED = -22,  /* valid, but not something this code can do */
	HL_ERR_NOT_APPLICABLE = -23, /* the operation does not apply to this kind of item */
};

/* Static string for an error code; never NULL. */
const char *hl_strerror(int err);

/* An error message for the caller's err[errlen]: formatted, cut to fit,
 * NUL-terminated, one line (control characters become spaces, so text
 * taken from the input cannot start a new log or terminal line). Does
 * nothing when err is NULL or errlen is 0. */
void hl_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void hl_vset_err(char *err, size_t errlen, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
