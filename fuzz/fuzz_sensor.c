/* fuzz_sensor.c: one sensor line (sensor.c), the format chosen by the first
 * byte (mod 3: Suricata EVE, Zeek JSON, tshark -T ek). An event's
 * observables must be well formed (a known kind and role, a NUL-terminated
 * value of its length inside the text, distinct, addresses that print back
 * as their bytes); a refusal has a message; nothing else is returned. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hl_sensor_event ev;
	char err[256];
	uint8_t a[16];
	size_t i, j;
	int r, format;

	if (size < 1)
		return 0;
	format = HL_SENSOR_SURICATA_EVE + data[0] % 3;
	r = hl_sensor_parse(format, (const char *)data + 1, size - 1, &ev, err, sizeof(err));
	if (r < 0) {
		if (err[0] == '\0' || (r != HL_ERR_MALFORMED && r != HL_ERR_TOO_BIG))
			abort();
		return 0;
	}
	if (r == HL_SENSOR_SKIPPED || r == HL_SENSOR_IGNORED)
		return 0;
	if (r != 0 || ev.type < HL_SENSOR_FLOW || ev.type > HL_SENSOR_PACKET ||
	    ev.nobs > HL_SENSOR_OBS_MAX || ev.textlen > sizeof(ev.text))
		abort();
	for (i = 0; i < ev.nobs; i++) {
		const struct hl_sensor_obs *o = &ev.obs[i];
		const char *v = hl_sensor_value(&ev, i);

		if (o->kind < HL_OBS_IPV4 || o->kind > HL_OBS_JA4 || o->role < HL_SENSOR_SRC ||
		    o->role > HL_SENSOR_FILE_HASH || o->len == 0 ||
		    o->len > HL_STIX_OBS_VALUE_MAX || o->off + o->len >= ev.textlen ||
		    strlen(v) != o->len)
			abort();
		for (j = 0; j < i; j++)
			if (ev.obs[j].kind == o->kind && strcmp(hl_sensor_value(&ev, j), v) == 0)
				abort();
		if (o->kind == HL_OBS_IPV4 || o->kind == HL_OBS_IPV6) {
			char buf[64];
			size_t n = strcspn(v, "%");

			if (n >= sizeof(buf))
				abort();
			memcpy(buf, v, n);
			buf[n] = '\0';
			if (inet_pton(o->kind == HL_OBS_IPV4 ? AF_INET : AF_INET6, buf, a) != 1 ||
			    memcmp(a, o->addr, o->kind == HL_OBS_IPV4 ? 4 : 16) != 0)
				abort();
		}
	}
	return 0;
}
