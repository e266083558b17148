/* test_buf.c: the bounded writer, the cursor reader and hex. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "buf.h"
#include "errors.h"

static void
test_write_read_roundtrip(void **state)
{
	struct hl_buf b;
	struct hl_rd r;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	char s[16];
	const uint8_t *p;
	size_t n;

	(void)state;
	hl_buf_init(&b, 1024);
	hl_buf_u8(&b, 0xab);
	hl_buf_u16(&b, 0x1234);
	hl_buf_u32(&b, 0xdeadbeef);
	hl_buf_u64(&b, 0x0102030405060708ull);
	hl_buf_str8(&b, "hello");
	hl_buf_bytes16(&b, (const uint8_t *)"xyz", 3);
	assert_int_equal(hl_buf_error(&b), HL_OK);
	assert_int_equal(b.len, 1 + 2 + 4 + 8 + 6 + 5);
	assert_int_equal(b.data[1], 0x12);   /* big-endian */
	hl_rd_init(&r, b.data, b.len);
	assert_int_equal(hl_rd_u8(&r, &u8), HL_OK);
	assert_int_equal(u8, 0xab);
	assert_int_equal(hl_rd_u16(&r, &u16), HL_OK);
	assert_int_equal(u16, 0x1234);
	assert_int_equal(hl_rd_u32(&r, &u32), HL_OK);
	assert_int_equal(u32, 0xdeadbeef);
	assert_int_equal(hl_rd_u64(&r, &u64), HL_OK);
	assert_true(u64 == 0x0102030405060708ull);
	assert_int_equal(hl_rd_str8(&r, s, sizeof(s) - 1), HL_OK);
	assert_string_equal(s, "hello");
	assert_int_equal(hl_rd_bytes16(&r, 16, &p, &n), HL_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(p, "xyz", 3);
	assert_int_equal(hl_rd_end(&r), HL_OK);
	assert_int_equal(hl_rd_u8(&r, &u8), HL_ERR_MALFORMED);
	hl_buf_free(&b);
}

static void
test_writer_max_is_enforced(void **state)
{
	struct hl_buf b;
	uint8_t big[100];

	(void)state;
	memset(big, 7, sizeof(big));
	hl_buf_init(&b, 64);
	hl_buf_put(&b, big, 64);
	assert_int_equal(hl_buf_error(&b), HL_OK);
	hl_buf_u8(&b, 1);
	assert_int_equal(hl_buf_error(&b), HL_ERR_TOO_BIG);
	assert_int_equal(b.len, 64);
	/* sticky: later small writes do nothing */
	hl_buf_u8(&b, 1);
	assert_int_equal(b.len, 64);
	hl_buf_free(&b);
	hl_buf_init(&b, 1000);
	{
		char s[300];
		memset(s, 'a', sizeof(s) - 1);
		s[299] = '\0';
		hl_buf_str8(&b, s);   /* 299 > 255 */
		assert_int_equal(hl_buf_error(&b), HL_ERR_TOO_BIG);
	}
	hl_buf_free(&b);
}

static void
test_reader_rejects_every_truncation(void **state)
{
	const uint8_t msg[] = { 0, 5, 'h', 'e', 'l', 'l', 'o', 0, 0, 0, 2, 'o', 'k' };
	struct hl_rd r;
	const uint8_t *p;
	size_t n, cut;
	int ok;

	(void)state;
	for (cut = 0; cut < sizeof(msg); cut++) {
		hl_rd_init(&r, msg, cut);
		ok = hl_rd_bytes16(&r, 100, &p, &n) == HL_OK && hl_rd_bytes32(&r, 100, &p, &n) == HL_OK;
		assert_false(ok);
	}
	hl_rd_init(&r, msg, sizeof(msg));
	assert_int_equal(hl_rd_bytes16(&r, 100, &p, &n), HL_OK);
	assert_int_equal(hl_rd_bytes32(&r, 100, &p, &n), HL_OK);
	assert_int_equal(hl_rd_end(&r), HL_OK);
	/* a length above the caller's maximum is refused before reading */
	hl_rd_init(&r, msg, sizeof(msg));
	assert_int_equal(hl_rd_bytes16(&r, 4, &p, &n), HL_ERR_TOO_BIG);
}

static void
test_str8_rejects_nul_and_overlong(void **state)
{
	const uint8_t withnul[] = { 3, 'a', 0, 'b' };
	const uint8_t longer[] = { 5, 'a', 'b', 'c', 'd', 'e' };
	struct hl_rd r;
	char out[8];

	(void)state;
	hl_rd_init(&r, withnul, sizeof(withnul));
	assert_int_equal(hl_rd_str8(&r, out, 7), HL_ERR_MALFORMED);
	hl_rd_init(&r, longer, sizeof(longer));
	assert_int_equal(hl_rd_str8(&r, out, 4), HL_ERR_TOO_BIG);
}

static void
test_allocation_failure_is_reported(void **state)
{
	struct hl_buf b;
	int64_t live = hl_alloc_live();

	(void)state;
	hl_buf_init(&b, 4096);
	hl_alloc_fail_at(1);
	hl_buf_u32(&b, 1);
	assert_int_equal(hl_buf_error(&b), HL_ERR_NOMEM);
	hl_buf_free(&b);
	assert_int_equal(hl_alloc_live(), live);
	hl_alloc_fail_at(0);
}

/* the naive digit value, to compare the branch-free one with */
static int
ref_digit(int c, int lower_only)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (!lower_only && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
test_hex_every_byte_and_digit(void **state)
{
	uint8_t all[256], back[256], one;
	char hex[513], two[3], want[3];
	int c, d, lower, r;

	(void)state;
	for (c = 0; c < 256; c++)
		all[c] = (uint8_t)c;
	hl_hex_encode(all, sizeof(all), hex);
	assert_int_equal(strlen(hex), 512);
	for (c = 0; c < 256; c++) {
		snprintf(want, sizeof(want), "%02x", c);
		assert_memory_equal(hex + 2 * c, want, 2);
	}
	assert_int_equal(hl_hex_decode(hex, 512, back, sizeof(back), HL_HEX_LOWER), HL_OK);
	assert_memory_equal(back, all, sizeof(all));
	/* every character in either place of a digit pair, both modes */
	for (lower = 0; lower < 2; lower++) {
		for (c = 1; c < 256; c++) {
			for (d = 0; d < 2; d++) {
				two[0] = d == 0 ? (char)c : '7';
				two[1] = d == 0 ? '7' : (char)c;
				two[2] = '\0';
				r = hl_hex_decode(two, 2, &one, 1, lower ? HL_HEX_LOWER : 0);
				if (ref_digit(c, lower) < 0) {
					assert_int_equal(r, HL_ERR_MALFORMED);
					assert_int_equal(one, 0);
				} else {
					assert_int_equal(r, HL_OK);
					assert_int_equal(one, d == 0 ? ref_digit(c, 0) << 4 | 7 :
					    7 << 4 | ref_digit(c, 0));
				}
			}
		}
	}
	assert_int_equal(hl_hex_valid("c0FFee", 6), 1);
	assert_int_equal(hl_hex_valid("c0FFee", 5), 0);   /* longer than n */
	assert_int_equal(hl_hex_valid("c0FF", 6), 0);     /* shorter */
	assert_int_equal(hl_hex_valid("c0FFeg", 6), 0);
	assert_int_equal(hl_hex_valid(NULL, 0), 0);
}

static void
test_hex_lengths_and_ids(void **state)
{
	uint8_t out[4] = { 9, 9, 9, 9 }, id[HL_ID_BYTES];
	uint8_t u[16] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
	    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
	char hex[HL_HEX_ID_LEN + 1], uuid[HL_HEX_UUID_LEN + 1];

	(void)state;
	/* a length other than 2n is refused and leaves out zeroed */
	assert_int_equal(hl_hex_decode("a1b2c3", 6, out, 4, 0), HL_ERR_MALFORMED);
	assert_memory_equal(out, "\0\0\0\0", 4);
	assert_int_equal(hl_hex_decode("a1b2c3d4e", 9, out, 4, 0), HL_ERR_MALFORMED);
	assert_int_equal(hl_hex_decode(NULL, 8, out, 4, 0), HL_ERR_MALFORMED);
	assert_int_equal(hl_hex_decode("A1B2C3D4", 8, out, 4, HL_HEX_LOWER), HL_ERR_MALFORMED);
	assert_int_equal(hl_hex_decode("A1B2C3D4", 8, out, 4, 0), HL_OK);
	assert_memory_equal(out, "\xa1\xb2\xc3\xd4", 4);
	/* one bad digit at the end still zeroes what was decoded before it */
	assert_int_equal(hl_hex_decode("a1b2c3dx", 8, out, 4, 0), HL_ERR_MALFORMED);
	assert_memory_equal(out, "\0\0\0\0", 4);
	assert_int_equal(hl_hex_decode("", 0, out, 0, 0), HL_OK);
	hl_hex_encode(out, 0, hex);
	assert_string_equal(hex, "");

	assert_int_equal(hl_hex_parse_id("00112233445566778899AABBCCDDEEFF", id), HL_OK);
	hl_hex_id(id, hex);
	assert_string_equal(hex, "00112233445566778899aabbccddeeff");
	assert_int_equal(hl_hex_parse_id("00112233445566778899aabbccddeeff0", id),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_hex_parse_id("00112233445566778899aabbccddeef", id),
	    HL_ERR_MALFORMED);
	assert_int_equal(id[0] | id[15], 0);
	assert_int_equal(hl_hex_parse_id(NULL, id), HL_ERR_MALFORMED);

	hl_hex_uuid(u, uuid);
	assert_string_equal(uuid, "12345678-9abc-def0-0123-456789abcdef");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_read_roundtrip),
		cmocka_unit_test(test_writer_max_is_enforced),
		cmocka_unit_test(test_reader_rejects_every_truncation),
		cmocka_unit_test(test_str8_rejects_nul_and_overlong),
		cmocka_unit_test(test_allocation_failure_is_reported),
		cmocka_unit_test(test_hex_every_byte_and_digit),
		cmocka_unit_test(test_hex_lengths_and_ids),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
