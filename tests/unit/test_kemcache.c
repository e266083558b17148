/* test_kemcache.c: KEM sessions (kemcache.c): a session is found by its
 * key and counted; it ends after its life or its uses (and is wiped); a
 * full table gives up its oldest session; clear ends them all; a key is
 * replaced, not duplicated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "errors.h"
#include "kemcache.h"

static void
secret(struct hl_kem_secret *s, uint8_t v)
{
	memset(s, v, sizeof(*s));
	s->ct_m_len = 1088;
}

static void
key(uint8_t k[32], unsigned n)
{
	memset(k, 0, 32);
	k[0] = (uint8_t)n;
	k[1] = (uint8_t)(n >> 8);
	k[31] = 0x5a;
}

static void
test_life_and_uses(void **state)
{
	struct hl_kem_cache *c = NULL;
	struct hl_kem_secret s, got;
	struct hl_kem_cache_stats st;
	uint8_t k1[32], k2[32];

	(void)state;
	assert_int_equal(hl_kem_cache_new(1000, 3, &c), HL_OK);
	key(k1, 1);
	key(k2, 2);
	secret(&s, 0x11);
	assert_int_equal(hl_kem_cache_get(c, k1, 100, &got), 0);
	hl_kem_cache_put(c, k1, 100, &s);   /* the first use */
	assert_int_equal(hl_kem_cache_get(c, k1, 200, &got), 1);
	assert_memory_equal(&got, &s, sizeof(s));
	assert_int_equal(hl_kem_cache_get(c, k2, 200, &got), 0);
	assert_int_equal(hl_kem_cache_get(c, k1, 300, &got), 1);   /* the third use */
	assert_int_equal(hl_kem_cache_get(c, k1, 400, &got), 0);   /* used up */
	hl_kem_cache_put(c, k1, 500, &s);
	assert_int_equal(hl_kem_cache_get(c, k1, 1499, &got), 1);
	assert_int_equal(hl_kem_cache_get(c, k1, 1500, &got), 0);  /* life over */
	hl_kem_cache_put(c, k1, 2000, &s);
	assert_int_equal(hl_kem_cache_get(c, k1, 1999, &got), 0);  /* the clock went back */
	hl_kem_cache_stats(c, &st);
	assert_int_equal(st.hits, 3);
	assert_int_equal(st.misses, 5);
	assert_int_equal(st.expired, 3);
	assert_int_equal(st.live, 0);
	hl_kem_cache_free(c);
	hl_kem_cache_free(NULL);
	assert_int_equal(hl_kem_cache_get(NULL, k1, 1, &got), 0);
}

static void
test_full_replace_clear(void **state)
{
	struct hl_kem_cache *c = NULL;
	struct hl_kem_secret s, got;
	struct hl_kem_cache_stats st;
	uint8_t k[32];
	unsigned i;

	(void)state;
	assert_int_equal(hl_kem_cache_new(0, 0, &c), HL_OK);
	for (i = 0; i < HL_KEM_CACHE_SLOTS + 10; i++) {
		key(k, i);
		secret(&s, (uint8_t)i);
		hl_kem_cache_put(c, k, 1000 + i, &s);
	}
	hl_kem_cache_stats(c, &st);
	assert_int_equal(st.live, HL_KEM_CACHE_SLOTS);
	key(k, 5);   /* among the oldest: gone */
	assert_int_equal(hl_kem_cache_get(c, k, 2000, &got), 0);
	key(k, HL_KEM_CACHE_SLOTS + 9);   /* the newest: there */
	assert_int_equal(hl_kem_cache_get(c, k, 2000, &got), 1);
	assert_int_equal(got.ss_x[0], (uint8_t)(HL_KEM_CACHE_SLOTS + 9));
	/* the same key again: replaced */
	secret(&s, 0x77);
	hl_kem_cache_put(c, k, 2001, &s);
	hl_kem_cache_stats(c, &st);
	assert_int_equal(st.live, HL_KEM_CACHE_SLOTS);
	assert_int_equal(hl_kem_cache_get(c, k, 2002, &got), 1);
	assert_int_equal(got.ss_m[0], 0x77);
	hl_kem_cache_clear(c);
	hl_kem_cache_stats(c, &st);
	assert_int_equal(st.live, 0);
	assert_int_equal(hl_kem_cache_get(c, k, 2003, &got), 0);
	hl_kem_cache_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_life_and_uses),
		cmocka_unit_test(test_full_replace_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
