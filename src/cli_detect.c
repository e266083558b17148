/* cli_detect.c: hotline detect, a sensor file matched once through the
 * node (POST /api/v1/detect, docs/DETECTION.md). */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "cli.h"
#include "hl_limits.h"

const char hl_cli_detect_usage[] =
    "usage: hotline detect --format suricata-eve|zeek-json|tshark-ek FILE [--json] [--report]\n"
    "\n"
    "Match FILE (or - for stdin), at most 16 MiB of sensor lines, against the\n"
    "indicators of the collections you may read, on the node. Prints each match\n"
    "(indicator, value, time) and the counts (lines, events, skipped, malformed,\n"
    "hits). --report records the matches as sightings (one per indicator), sent\n"
    "to each indicator's originating partner as the node's sensors do.\n";

int
hl_cli_detect(struct hl_cli *c, int argc, char **argv)
{
	const char *format = NULL;
	int json = 0, report = 0, help, npos, rc;
	struct hl_cli_opt o[] = { { "format", 1, &format, NULL }, { "json", 0, NULL, &json },
		{ "report", 0, NULL, &report }, { NULL, 0, NULL, NULL } };
	char *pos[2], err[512], path[128];
	uint8_t *body = NULL;
	size_t len = 0, i;
	json_t *resp = NULL, *m;

	if ((rc = hl_cli_opts("detect", argc, argv, o, &help, pos, 2, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_detect_usage, stdout);
		return EX_OK;
	}
	if (npos != 1 || format == NULL)
		return hl_cli_fail(EX_USAGE, "detect: expected --format FMT and one FILE");
	if (strcmp(format, "suricata-eve") != 0 && strcmp(format, "zeek-json") != 0 &&
	    strcmp(format, "tshark-ek") != 0)
		return hl_cli_fail(EX_USAGE, "detect: --format: suricata-eve, zeek-json or tshark-ek");
	if (hl_cli_read_file(pos[0], HL_DETECT_BODY_MAX, &body, &len, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_FAIL, "detect: %s", err);
	(void)snprintf(path, sizeof(path), "/api/v1/detect?format=%s%s", format,
	    report ? "&report=1" : "");
	rc = hl_cli_api_call_raw(c, "detect", "POST", path, "application/octet-stream", body, len,
	    &resp);
	hl_free_secret(body, len + 1);
	if (rc != EX_OK)
		return rc;
	if (json) {
		hl_cli_print_json(resp);
	} else {
		json_array_foreach(json_object_get(resp, "matches"), i, m) {
			hl_cli_put_col(m, "time", 28);
			hl_cli_put_col(m, "indicator", 50);
			hl_cli_put_clean(stdout, hl_cli_jstr(m, "value"), 0, 0);
			fputc('\n', stdout);
		}
		printf("lines %lld, events %lld, skipped %lld, malformed %lld, hits %lld "
		    "(indicators %lld, not matchable %lld)",
		    (long long)hl_cli_jint(resp, "lines"), (long long)hl_cli_jint(resp, "events"),
		    (long long)hl_cli_jint(resp, "skipped"), (long long)hl_cli_jint(resp, "malformed"),
		    (long long)hl_cli_jint(resp, "hits"), (long long)hl_cli_jint(resp, "indicators"),
		    (long long)hl_cli_jint(resp, "unsupported"));
		if (report)
			printf("; sightings recorded %lld", (long long)hl_cli_jint(resp, "sightings"));
		fputc('\n', stdout);
	}
	json_decref(resp);
	return EX_OK;
}
