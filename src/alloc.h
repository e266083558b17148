/* alloc.h: all allocation goes through here so tests can count and fail it. */
#ifndef HL_ALLOC_H
#define HL_ALLOC_H

#include <stddef.h>
#include <stdint.h>

/* Return NULL on failure (or when the fault injector says so); never die. */
void *hl_malloc(size_t n);
void *hl_calloc(size_t nmemb, size_t size);
void *hl_realloc(void *p, size_t n);
char *hl_strdup(const char *s);
char *hl_strndup(const char *s, size_t n);
void hl_free(void *p);
/* Wipe n bytes with OPENSSL_cleanse, then free. Accepts NULL. */
void hl_free_secret(void *p, size_t n);

/* Die-on-failure variants for startup code and the CLI, never for parsers. */
void *hl_xcalloc(size_t nmemb, size_t size);
char *hl_xstrdup(const char *s);

#define HL_FREE(p) do { hl_free(p); (p) = NULL; } while (0)

/* Test hooks: fail the Nth allocation from now (1 = next); 0 disables. */
void hl_alloc_fail_at(uint64_t n);
uint64_t hl_alloc_count(void);   /* allocations since start */
int64_t hl_alloc_live(void);     /* allocations not yet freed */

#endif
