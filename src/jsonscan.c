/* jsonscan.c: byte scans of JSON text (jsonscan.h). */
#include "jsonscan.h"

int
hl_jsonscan_str_step(uint8_t c, int *in_str, int *esc)
{
	if (*in_str) {
		if (*esc)
			*esc = 0;
		else if (c == '\\')
			*esc = 1;
		else if (c == '"')
			*in_str = 0;
		return 1;
	}
	if (c == '"') {
		*in_str = 1;
		return 1;
	}
	return 0;
}

int
hl_jsonscan_depth_within(const uint8_t *p, size_t len, size_t max)
{
	size_t i, depth = 0;
	int in_str = 0, esc = 0;

	for (i = 0; i < len; i++) {
		if (hl_jsonscan_str_step(p[i], &in_str, &esc))
			continue;
		if (p[i] == '[' || p[i] == '{') {
			if (++depth > max)
				return 0;
		} else if ((p[i] == ']' || p[i] == '}') && depth > 0) {
			depth--;
		}
	}
	return 1;
}
