/* test_backup.c: the sealed backup stream (backup.h): entries round trip
 * across chunk boundaries; every bit flip, every truncation, reordered
 * chunks, data after the end, another key and names that would leave the
 * restore directory are refused; each with the reader's reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "backup.h"

static const uint8_t kek[HL_SEAL_KEK] = "backup test key, 32 bytes long!";

struct src {
	const uint8_t *p;
	size_t n, off;
};

static long
read_src(void *arg, uint8_t *buf, size_t cap)
{
	struct src *s = arg;
	size_t k = s->n - s->off < cap ? s->n - s->off : cap;

	memcpy(buf, s->p + s->off, k);
	s->off += k;
	return (long)k;
}

/* A backup of the entries into a memory buffer. OUT: *out (free), *len. */
static void
make_backup(const char *const *names, const uint8_t *const *data, const size_t *sizes,
    size_t n, uint8_t **out, size_t *len)
{
	char *buf = NULL;
	size_t bl = 0, i;
	FILE *f = open_memstream(&buf, &bl);
	struct hl_backup_w *w = NULL;

	assert_non_null(f);
	assert_int_equal(hl_backup_w_open(f, kek, &w), HL_OK);
	for (i = 0; i < n; i++) {
		struct src s = { data[i], sizes[i], 0 };

		assert_int_equal(hl_backup_w_entry(w, names[i], sizes[i], read_src, &s), HL_OK);
	}
	assert_int_equal(hl_backup_w_close(w), HL_OK);
	assert_int_equal(fclose(f), 0);
	*out = (uint8_t *)buf;
	*len = bl;
}

struct got {
	uint8_t *p;
	size_t n, cap;
};

static int
write_got(void *arg, const uint8_t *buf, size_t n)
{
	struct got *g = arg;

	if (g->n + n > g->cap)
		return -1;
	memcpy(g->p + g->n, buf, n);
	g->n += n;
	return 0;
}

/* Read it all back: HL_OK with every entry as written, or the first error. */
static int
read_backup(const uint8_t *b, size_t len, const uint8_t *key, const char *const *names,
    const uint8_t *const *data, const size_t *sizes, size_t n, char *why, size_t whylen)
{
	FILE *f = fmemopen((void *)(uintptr_t)b, len, "rb");
	struct hl_backup_r *r = NULL;
	char name[HL_BACKUP_NAME_MAX + 1];
	uint64_t size;
	size_t i = 0;
	int rc;

	assert_non_null(f);
	why[0] = '\0';
	if ((rc = hl_backup_r_open(f, key, &r)) != HL_OK)
		goto out;
	while ((rc = hl_backup_r_next(r, name, &size)) == HL_OK) {
		struct got g = { NULL, 0, 0 };

		assert_true(i < n);
		assert_string_equal(name, names[i]);
		assert_int_equal(size, sizes[i]);
		g.cap = sizes[i];
		g.p = malloc(g.cap + 1);
		assert_non_null(g.p);
		rc = hl_backup_r_data(r, write_got, &g);
		if (rc == HL_OK) {
			assert_int_equal(g.n, sizes[i]);
			assert_memory_equal(g.p, data[i], sizes[i]);
		}
		free(g.p);
		if (rc != HL_OK)
			break;
		i++;
	}
	if (rc == HL_ERR_NOT_FOUND) {
		assert_int_equal(i, n);
		rc = HL_OK;
	}
out:
	snprintf(why, whylen, "%s", hl_backup_r_error(r));
	hl_backup_r_free(r);
	fclose(f);
	return rc;
}

static void
test_round_trip(void **state)
{
	const size_t big = 2 * HL_BACKUP_CHUNK + 12345;
	uint8_t *bigp = malloc(big), *b = NULL;
	const char *const names[] = { "node.conf", "data/hotline.db", "data/kem/x25519-1.key",
		"empty" };
	const uint8_t *data[4];
	size_t sizes[4], len = 0, i;
	char why[256];

	(void)state;
	assert_non_null(bigp);
	for (i = 0; i < big; i++)
		bigp[i] = (uint8_t)(i * 13 + (i >> 11));
	data[0] = (const uint8_t *)"[node]\nname = KOR/node-1\n";
	sizes[0] = strlen((const char *)data[0]);
	data[1] = bigp;
	sizes[1] = big;
	data[2] = (const uint8_t *)"HLSEALED...";
	sizes[2] = 11;
	data[3] = (const uint8_t *)"";
	sizes[3] = 0;
	make_backup(names, data, sizes, 4, &b, &len);
	assert_true(len > big);
	/* sealed: no plaintext of the small entries shows */
	assert_null(memmem(b, len, "KOR/node-1", 10));
	assert_null(memmem(b, len, "node.conf", 9));
	assert_int_equal(read_backup(b, len, kek, names, data, sizes, 4, why, sizeof(why)), HL_OK);
	/* another key */
	{
		uint8_t other[HL_SEAL_KEK];

		memcpy(other, kek, sizeof(other));
		other[0] ^= 1;
		assert_int_equal(read_backup(b, len, other, names, data, sizes, 4, why,
		    sizeof(why)), HL_ERR_DECRYPT);
		assert_non_null(strstr(why, "chunk 0 does not open"));
	}
	/* chunks 0 and 1 swapped (both full: same length) */
	{
		uint8_t *sw = malloc(len);
		size_t cl = 5 + HL_BACKUP_CHUNK + 16, h = HL_BACKUP_HEADER;

		assert_non_null(sw);
		memcpy(sw, b, len);
		memcpy(sw + h, b + h + cl, cl);
		memcpy(sw + h + cl, b + h, cl);
		assert_int_equal(read_backup(sw, len, kek, names, data, sizes, 4, why, sizeof(why)),
		    HL_ERR_DECRYPT);
		/* the last chunk dropped: cut short */
		assert_int_not_equal(read_backup(b, len - (len - h - 2 * cl), kek, names, data,
		    sizes, 4, why, sizeof(why)), HL_OK);
		assert_non_null(strstr(why, "truncated"));
		free(sw);
	}
	free(b);
	free(bigp);
}

static void
test_flips_and_truncations(void **state)
{
	const char *const names[] = { "tls.key", "data/hotline.db.blobs/a-b.c" };
	const uint8_t *data[2] = { (const uint8_t *)"HLSEALED key bytes",
		(const uint8_t *)"a content file" };
	size_t sizes[2] = { 18, 14 }, len = 0, i;
	uint8_t *b = NULL, *x;
	unsigned bit;
	char why[256];

	(void)state;
	make_backup(names, data, sizes, 2, &b, &len);
	assert_int_equal(read_backup(b, len, kek, names, data, sizes, 2, why, sizeof(why)), HL_OK);
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			assert_int_not_equal(read_backup(b, len, kek, names, data, sizes, 2, why,
			    sizeof(why)), HL_OK);
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
	for (i = 0; i < len; i++)
		assert_int_not_equal(read_backup(b, i, kek, names, data, sizes, 2, why, sizeof(why)),
		    HL_OK);
	/* one byte after the end */
	x = malloc(len + 1);
	assert_non_null(x);
	memcpy(x, b, len);
	x[len] = 0;
	assert_int_not_equal(read_backup(x, len + 1, kek, names, data, sizes, 2, why, sizeof(why)),
	    HL_OK);
	assert_non_null(strstr(why, "after the end"));
	free(x);
	free(b);
}

static void
test_names(void **state)
{
	static const char *const good[] = { "node.conf", "data/kem/x25519-mlkem768-3.key",
		"a_b-c.d", "..a", "a..b" };
	static const char *const bad[] = { "", "/etc/passwd", "../x", "a/../b", "a/./b", "a//b",
		"a/", ".", "..", "a b", "a\nb", "\xc3\xa9" };
	struct hl_backup_w *w = NULL;
	char *buf = NULL;
	size_t bl = 0, i;
	FILE *f;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(hl_backup_name_ok(good[i], strlen(good[i])));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(hl_backup_name_ok(bad[i], strlen(bad[i])));
	/* the writer refuses them too */
	assert_non_null(f = open_memstream(&buf, &bl));
	assert_int_equal(hl_backup_w_open(f, kek, &w), HL_OK);
	{
		struct src s = { (const uint8_t *)"x", 1, 0 };

		assert_int_equal(hl_backup_w_entry(w, "../x", 1, read_src, &s), HL_ERR_INVALID);
	}
	hl_backup_w_abort(w);
	fclose(f);
	free(buf);
}

/* A file that grows or shrinks while it is read is an error, not a backup
 * with a wrong size in it. */
static void
test_size_mismatch(void **state)
{
	struct hl_backup_w *w = NULL;
	char *buf = NULL;
	size_t bl = 0;
	FILE *f;
	struct src s1 = { (const uint8_t *)"abc", 3, 0 }, s2 = { (const uint8_t *)"abcdef", 6, 0 };

	(void)state;
	assert_non_null(f = open_memstream(&buf, &bl));
	assert_int_equal(hl_backup_w_open(f, kek, &w), HL_OK);
	assert_int_equal(hl_backup_w_entry(w, "short", 5, read_src, &s1), HL_ERR_IO);
	hl_backup_w_abort(w);
	fclose(f);
	free(buf);
	buf = NULL;
	assert_non_null(f = open_memstream(&buf, &bl));
	assert_int_equal(hl_backup_w_open(f, kek, &w), HL_OK);
	assert_int_equal(hl_backup_w_entry(w, "long", 5, read_src, &s2), HL_ERR_IO);
	hl_backup_w_abort(w);
	fclose(f);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_flips_and_truncations),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_size_mismatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
