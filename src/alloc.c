/* alloc.c: counted allocation with an injectable failure for torture tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "alloc.h"

/* The only mutable module globals of the project (tests inject failures
 * through them). Worker threads allocate too, so they are updated
 * atomically (relaxed: they are counters, they order nothing). */
static uint64_t alloc_count;
static int64_t alloc_live;
static uint64_t alloc_fail_at;

static int
should_fail(void)
{
	uint64_t f;

	__atomic_fetch_add(&alloc_count, 1, __ATOMIC_RELAXED);
	f = __atomic_load_n(&alloc_fail_at, __ATOMIC_RELAXED);
	while (f != 0)
		if (__atomic_compare_exchange_n(&alloc_fail_at, &f, f - 1, 0, __ATOMIC_RELAXED,
		    __ATOMIC_RELAXED))
			return f == 1;
	return 0;
}

void *
hl_malloc(size_t n)
{
	void *p;

	if (should_fail())
		return NULL;
	p = malloc(n == 0 ? 1 : n);
	if (p != NULL)
		__atomic_fetch_add(&alloc_live, 1, __ATOMIC_RELAXED);
	return p;
}

void *
hl_calloc(size_t nmemb, size_t size)
{
	void *p;

	if (should_fail())
		return NULL;
	p = calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size);
	if (p != NULL)
		__atomic_fetch_add(&alloc_live, 1, __ATOMIC_RELAXED);
	return p;
}

void *
hl_realloc(void *p, size_t n)
{
	void *q;

	if (p == NULL)
		return hl_malloc(n);
	if (should_fail())
		return NULL;
	q = realloc(p, n == 0 ? 1 : n);
	return q;
}

char *
hl_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = hl_malloc(len + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
hl_strdup(const char *s)
{
	return hl_strndup(s, strlen(s));
}

void
hl_free(void *p)
{
	if (p == NULL)
		return;
	__atomic_fetch_sub(&alloc_live, 1, __ATOMIC_RELAXED);
	free(p);
}

void
hl_free_secret(void *p, size_t n)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, n);
	hl_free(p);
}

void *
hl_xcalloc(size_t nmemb, size_t size)
{
	void *p = hl_calloc(nmemb, size);

	if (p == NULL) {
		fprintf(stderr, "hotline: out of memory\n");
		exit(1);
	}
	return p;
}

char *
hl_xstrdup(const char *s)
{
	char *p = hl_strdup(s);

	if (p == NULL) {
		fprintf(stderr, "hotline: out of memory\n");
		exit(1);
	}
	return p;
}

void
hl_alloc_fail_at(uint64_t n)
{
	__atomic_store_n(&alloc_fail_at, n, __ATOMIC_RELAXED);
}

uint64_t
hl_alloc_count(void)
{
	return __atomic_load_n(&alloc_count, __ATOMIC_RELAXED);
}

int64_t
hl_alloc_live(void)
{
	return __atomic_load_n(&alloc_live, __ATOMIC_RELAXED);
}
