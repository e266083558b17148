/* test_buf.c: the bounded writer and the cursor reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_read_roundtrip),
		cmocka_unit_test(test_writer_max_is_enforced),
		cmocka_unit_test(test_reader_rejects_every_truncation),
		cmocka_unit_test(test_str8_rejects_nul_and_overlong),
		cmocka_unit_test(test_allocation_failure_is_reported),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
