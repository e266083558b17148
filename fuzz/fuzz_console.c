/* fuzz_console.c: the web console's parsers (consolejson.c). The first
 * input byte picks one: Cookie header, login body, operator body (add or
 * reset), label-check body. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "consolejson.h"
#include "label.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hl_policy pol;
	static int init;
	struct hl_operator_conf op;
	struct hl_console_labelreq lr;
	uint8_t sid[HL_CONSOLE_SID_BYTES];
	char err[256], user[HL_OPERATOR_MAX + 1], pass[HL_API_PASSWORD_MAX + 1], *s;
	char code[HL_CONSOLE_CODE_MAX + 1];

	if (!init) {
		hl_apijson_init();
		hl_policy_default(&pol);
		init = 1;
	}
	if (size < 1)
		return 0;
	switch (data[0] % 5) {
	case 0:
		if ((s = hl_malloc(size)) == NULL)
			return 0;
		memcpy(s, data + 1, size - 1);
		s[size - 1] = '\0';
		(void)hl_consolejson_cookie(s, sid);
		hl_free(s);
		break;
	case 1:
		(void)hl_consolejson_login(data + 1, size - 1, user, pass, code, err, sizeof(err));
		break;
	case 2:
	case 3:
		(void)hl_consolejson_operator(data + 1, size - 1, &pol, data[0] % 5 == 2, &op, pass,
		    err, sizeof(err));
		break;
	default:
		(void)hl_consolejson_labelcheck(data + 1, size - 1, &pol, &lr, err, sizeof(err));
		break;
	}
	return 0;
}
