/* fuzz_totp.c: the base32 decoder of TOTP secrets (totp.c). Whatever it
 * accepts must re-encode to the same digits (upper case, the '=' padding
 * dropped) and work as a key. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "totp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t key[HL_TOTP_KEY_MAX];
	char text[HL_TOTP_B32_MAX + 1], code[HL_TOTP_DIGITS + 1];
	size_t n = 0, len = size, i;

	if (hl_totp_b32_decode((const char *)data, size, key, sizeof(key), &n) != HL_OK)
		return 0;
	while (len > 0 && data[len - 1] == '=')
		len--;
	if (n == 0 || hl_totp_b32_encode(key, n, text, sizeof(text)) != HL_OK ||
	    strlen(text) != len)
		abort();
	for (i = 0; i < len; i++)
		if (text[i] != toupper(data[i]))
			abort();
	if (hl_totp_code(key, n, 1, HL_TOTP_DIGITS, code) != HL_OK || strlen(code) != HL_TOTP_DIGITS)
		abort();
	return 0;
}
