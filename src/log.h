/* log.h: one-line log messages to stderr with a UTC timestamp. Never pass a
 * secret to these. log_warn appends strerror(errno); log_warnx does not. */
#ifndef HL_LOG_H
#define HL_LOG_H

#include <stddef.h>

#define HL_PRINTF(a, b) __attribute__((format(printf, a, b)))

void hl_log_init(const char *progname, int verbose);
void log_info(const char *fmt, ...) HL_PRINTF(1, 2);
void log_debug(const char *fmt, ...) HL_PRINTF(1, 2);
void log_warn(const char *fmt, ...) HL_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) HL_PRINTF(1, 2);
/* Broken invariant: log and exit(1). */
void fatalx(const char *fmt, ...) HL_PRINTF(1, 2) __attribute__((noreturn));

/* Copy in to out (outlen bytes, NUL-terminated, cut short rather than
 * overflow) with every control byte, DEL and backslash written as \xNN, so
 * that no logged value can start a line of its own. Returns the length. */
size_t log_escape(const char *in, char *out, size_t outlen);

#endif
