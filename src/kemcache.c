/* kemcache.c: KEM sessions (kemcache.h). A fixed table of slots under one
 * mutex; a slot is found by its 32-byte key with a linear scan (256 slots:
 * well under a microsecond next to the ~100 us of an encapsulation). */
#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>

#include "alloc.h"
#include "kemcache.h"

struct slot {
	int used;
	uint8_t key[32];
	uint64_t begun_ms;
	uint64_t uses;
	struct hl_kem_secret s;
};

struct hl_kem_cache {
	pthread_mutex_t mu;
	uint64_t life_ms, max_uses;
	uint64_t hits, misses, expired;
	struct slot slots[HL_KEM_CACHE_SLOTS];
};

static void
slot_wipe(struct slot *sl)
{
	OPENSSL_cleanse(sl, sizeof(*sl));
}

int
hl_kem_cache_new(uint64_t life_ms, uint64_t max_uses, struct hl_kem_cache **out)
{
	struct hl_kem_cache *c;

	*out = NULL;
	if ((c = hl_calloc(1, sizeof(*c))) == NULL)
		return HL_ERR_NOMEM;
	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		hl_free(c);
		return HL_ERR_INTERNAL;
	}
	c->life_ms = life_ms != 0 ? life_ms : HL_KEM_SESSION_MS;
	c->max_uses = max_uses != 0 ? max_uses : HL_KEM_SESSION_USES;
	*out = c;
	return HL_OK;
}

void
hl_kem_cache_free(struct hl_kem_cache *c)
{
	if (c == NULL)
		return;
	pthread_mutex_destroy(&c->mu);
	hl_free_secret(c, sizeof(*c));
}

/* Ended: too old (or the clock went back), or used up. */
static int
ended(const struct hl_kem_cache *c, const struct slot *sl, uint64_t now_ms)
{
	return now_ms < sl->begun_ms || now_ms - sl->begun_ms >= c->life_ms ||
	    sl->uses >= c->max_uses;
}

int
hl_kem_cache_get(struct hl_kem_cache *c, const uint8_t key[static 32], uint64_t now_ms,
    struct hl_kem_secret *s)
{
	struct slot *sl;
	size_t i;
	int found = 0;

	if (c == NULL)
		return 0;
	pthread_mutex_lock(&c->mu);
	for (i = 0; i < HL_KEM_CACHE_SLOTS; i++) {
		sl = &c->slots[i];
		if (!sl->used || CRYPTO_memcmp(sl->key, key, 32) != 0)
			continue;
		if (ended(c, sl, now_ms)) {
			slot_wipe(sl);
			c->expired++;
			break;
		}
		sl->uses++;
		*s = sl->s;
		found = 1;
		break;
	}
	if (found)
		c->hits++;
	else
		c->misses++;
	pthread_mutex_unlock(&c->mu);
	return found;
}

void
hl_kem_cache_put(struct hl_kem_cache *c, const uint8_t key[static 32], uint64_t now_ms,
    const struct hl_kem_secret *s)
{
	struct slot *sl, *pick = NULL;
	size_t i;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	for (i = 0; i < HL_KEM_CACHE_SLOTS; i++) {
		sl = &c->slots[i];
		if (sl->used && CRYPTO_memcmp(sl->key, key, 32) == 0) {
			pick = sl;   /* the same key: replaced */
			break;
		}
		if (!sl->used) {
			if (pick == NULL || pick->used)
				pick = sl;
		} else if (ended(c, sl, now_ms)) {
			slot_wipe(sl);
			c->expired++;
			if (pick == NULL || pick->used)
				pick = sl;
		} else if (pick == NULL || (pick->used && sl->begun_ms < pick->begun_ms)) {
			pick = sl;   /* the oldest, if nothing is free */
		}
	}
	slot_wipe(pick);
	pick->used = 1;
	memcpy(pick->key, key, 32);
	pick->begun_ms = now_ms;
	pick->uses = 1;
	pick->s = *s;
	pthread_mutex_unlock(&c->mu);
}

void
hl_kem_cache_clear(struct hl_kem_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	for (i = 0; i < HL_KEM_CACHE_SLOTS; i++)
		slot_wipe(&c->slots[i]);
	pthread_mutex_unlock(&c->mu);
}

void
hl_kem_cache_stats(struct hl_kem_cache *c, struct hl_kem_cache_stats *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	st->hits = c->hits;
	st->misses = c->misses;
	st->expired = c->expired;
	for (i = 0; i < HL_KEM_CACHE_SLOTS; i++)
		st->live += c->slots[i].used != 0;
	pthread_mutex_unlock(&c->mu);
}
