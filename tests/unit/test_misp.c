/* test_misp.c: MISP event -> STIX 2.1 bundle. Two hand-written events:
 * small-event (simple types, TLP tags on the event and an attribute,
 * galaxies, skips with reasons) and composite-event (composite attributes
 * as one observation, file + pe + pe-section merged, domain-ip, ip-port,
 * registry-key, ObjectReferences as relationships, indicates, labels and
 * kill-chain phases, marking-definition objects, vulnerability / yara /
 * snort / pdb), each also compared with its committed bundle
 * (tests/fixtures/misp/NAME.stix.json, checked against the OASIS schemas by
 * tests/integration/66-misp-schema.sh); determinism; the UUIDv5 vector;
 * malformed and oversized inputs; allocation failures; well-formed
 * patterns without repeated comparisons; and every real MISP event in the
 * shared data (SKIPPED when HOTLINE_SHARED_DATA is absent). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "errors.h"
#include "misp.h"
#include "stix.h"
#include "stixid.h"
#include "testfile.h"

#define TLP_AMBER "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
#define TLP_RED "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
#define TLP_CLEAR "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
#define TLP_GREEN "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"

static struct hl_misp_summary sum;

static int
setup(void **state)
{
	(void)state;
	hl_apijson_init();
	return 0;
}

static json_t *
find_pattern(json_t *objs, const char *pattern)
{
	json_t *o;
	size_t i;

	json_array_foreach(objs, i, o) {
		json_t *p = json_object_get(o, "pattern");

		if (json_is_string(p) && strcmp(json_string_value(p), pattern) == 0)
			return o;
	}
	return NULL;
}

static size_t
count_type(json_t *objs, const char *type)
{
	json_t *o;
	size_t i, n = 0;

	json_array_foreach(objs, i, o)
		if (strcmp(json_string_value(json_object_get(o, "type")), type) == 0)
			n++;
	return n;
}

static const char *
first_mark(json_t *o)
{
	json_t *m = json_array_get(json_object_get(o, "object_marking_refs"), 0);

	return json_is_string(m) ? json_string_value(m) : "";
}

/* relationships of type rtype from src (marked mark, when not NULL) */
static size_t
count_rels_from(json_t *objs, const char *src, const char *rtype, const char *mark)
{
	json_t *o;
	size_t i, n = 0;

	json_array_foreach(objs, i, o)
		if (strcmp(json_string_value(json_object_get(o, "type")), "relationship") == 0 &&
		    strcmp(json_string_value(json_object_get(o, "source_ref")), src) == 0 &&
		    strcmp(json_string_value(json_object_get(o, "relationship_type")), rtype) == 0 &&
		    (mark == NULL || strcmp(first_mark(o), mark) == 0))
			n++;
	return n;
}

static json_t *
find_id(json_t *objs, const char *id)
{
	json_t *o;
	size_t i;

	json_array_foreach(objs, i, o)
		if (strcmp(json_string_value(json_object_get(o, "id")), id) == 0)
			return o;
	return NULL;
}

/* the object a MISP attribute became: type--uuid5(namespace, "type:uuid") is
 * not reachable from here, so find it by a property value */
static json_t *
find_by(json_t *objs, const char *type, const char *prop, const char *value)
{
	json_t *o;
	size_t i;

	json_array_foreach(objs, i, o)
		if (strcmp(json_string_value(json_object_get(o, "type")), type) == 0 &&
		    json_is_string(json_object_get(o, prop)) &&
		    strcmp(json_string_value(json_object_get(o, prop)), value) == 0)
			return o;
	return NULL;
}

static int
has_label(json_t *o, const char *label)
{
	json_t *l;
	size_t i;

	json_array_foreach(json_object_get(o, "labels"), i, l)
		if (strcmp(json_string_value(l), label) == 0)
			return 1;
	return 0;
}

/* A STIX pattern as this converter writes it: it lexes (stix.c), every
 * observation has one root type, and no comparison appears twice in one
 * observation. Fails the test otherwise. */
static void
pattern_ok(const char *what, const char *pat)
{
	struct hl_stix_obs obs[8];
	char cmp[64][512];
	const char *p = pat, *q, *root;
	size_t n, ncmp, k, l, rl;

	if (hl_stix_pattern_extract(pat, strlen(pat), obs, 8, &n) != HL_OK)
		fail_msg("%s: pattern does not lex: %s", what, pat);
	while (*p != '\0') {
		if (*p != '[')
			fail_msg("%s: expected '[': %s", what, pat);
		p++;
		root = p;
		rl = strcspn(p, ":");
		ncmp = 0;
		for (;;) {
			while (*p == '(' || *p == ' ')
				p++;
			if (strncmp(p, root, rl) != 0 || p[rl] != ':')
				fail_msg("%s: two root types in one observation: %s", what, pat);
			/* one comparison: path (no spaces), " = ", a quoted string or a number */
			if ((q = strstr(p, " = ")) == NULL)
				fail_msg("%s: no comparison: %s", what, pat);
			q += 3;
			if (*q == '\'') {
				for (q++; *q != '\0' && *q != '\''; q++)
					if (*q == '\\' && q[1] != '\0')
						q++;
				if (*q != '\'')
					fail_msg("%s: unterminated string: %s", what, pat);
				q++;
			} else {
				while ((*q >= '0' && *q <= '9') || *q == '.')
					q++;
			}
			l = (size_t)(q - p);
			if (l >= sizeof(cmp[0]))
				l = sizeof(cmp[0]) - 1;
			for (k = 0; k < ncmp && k < 64; k++)
				if (strlen(cmp[k]) == l && strncmp(cmp[k], p, l) == 0)
					fail_msg("%s: repeated comparison %.*s in %s", what, (int)l, p, pat);
			if (ncmp < 64) {
				memcpy(cmp[ncmp], p, l);
				cmp[ncmp][l] = '\0';
			}
			ncmp++;
			while (*q == ')')
				q++;
			if (*q == ']')
				break;
			if (strncmp(q, " AND ", 5) == 0)
				p = q + 5;
			else if (strncmp(q, " OR ", 4) == 0)
				p = q + 4;
			else
				fail_msg("%s: bad pattern: %s", what, pat);
		}
		p = q + 1;
		if (strncmp(p, " AND ", 5) == 0)
			p += 5;
		else if (*p != '\0')
			fail_msg("%s: bad pattern after ']': %s", what, pat);
	}
}

static void
all_patterns_ok(json_t *bundle, const char *what)
{
	json_t *o;
	size_t i;

	json_array_foreach(json_object_get(bundle, "objects"), i, o)
		if (json_is_string(json_object_get(o, "pattern")) &&
		    strcmp(json_string_value(json_object_get(o, "pattern_type")), "stix") == 0)
			pattern_ok(what, json_string_value(json_object_get(o, "pattern")));
}

/* every object passes the STIX validator the TAXII server applies */
static void
all_valid(json_t *bundle, const char *what)
{
	json_t *o;
	size_t i;
	char err[HL_STIX_ERR_MAX];

	json_array_foreach(json_object_get(bundle, "objects"), i, o)
		if (hl_stix_validate(o, err, sizeof(err)) != HL_OK)
			fail_msg("%s: object %zu (%s) invalid: %s", what, i,
			    json_string_value(json_object_get(o, "id")), err);
}

static void
test_uuid5_vector(void **state)
{
	/* RFC 9562 appendix A.4: the DNS namespace and "www.example.com" */
	static const uint8_t dns[16] = { 0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
		0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 };
	char u[37];

	(void)state;
	assert_int_equal(hl_stixid_v5(dns, "www.example.com", 15, u), HL_OK);
	assert_string_equal(u, "2ed6657d-e927-568b-95e1-2665a8aea6a2");
}

static void
test_small_event(void **state)
{
	json_t *b = NULL, *objs, *o, *rep;
	size_t len;
	char *p = test_fixture("misp", "small-event.json", &len), err[256];

	(void)state;
	assert_int_equal(hl_misp_convert((uint8_t *)p, len, &b, &sum, err, sizeof(err)), HL_OK);
	objs = json_object_get(b, "objects");
	assert_string_equal(json_string_value(json_object_get(b, "type")), "bundle");
	assert_int_equal(sum.attributes, 27);
	assert_int_equal(sum.converted, 23);
	assert_int_equal(sum.skipped, 4);
	assert_int_equal(sum.objects, json_array_size(objs));
	assert_int_equal(sum.objects, 58);
	assert_string_equal(sum.tlp, "amber");
	assert_string_equal(sum.event_uuid, "11111111-2222-4333-8444-555555555555");
	assert_string_equal(sum.info, "Test event: phishing wave");
	/* per type */
	assert_int_equal(hl_misp_stat_get(sum.conv, sum.nconv, "ip-dst"), 4);
	assert_int_equal(hl_misp_stat_get(sum.conv, sum.nconv, "filename|md5"), 1);
	assert_int_equal(hl_misp_stat_get(sum.conv, sum.nconv, "link"), 1);
	assert_int_equal(hl_misp_stat_get(sum.conv, sum.nconv, "yara"), 1);
	assert_int_equal(hl_misp_stat_get(sum.stix, sum.nstix, "indicator"), 15);
	assert_int_equal(count_type(objs, "indicator"), 15);
	assert_int_equal(count_type(objs, "observed-data"), 2);
	assert_int_equal(count_type(objs, "note"), 2);
	assert_int_equal(count_type(objs, "identity"), 1);
	assert_int_equal(count_type(objs, "threat-actor"), 1);
	assert_int_equal(count_type(objs, "attack-pattern"), 1);
	assert_int_equal(count_type(objs, "ipv4-addr"), 2);
	/* 15 indicators indicate the event's 2 galaxy objects */
	assert_int_equal(count_type(objs, "relationship"), 30);
	/* the markings referred to: the event's amber, the attribute's red */
	assert_int_equal(count_type(objs, "marking-definition"), 2);
	assert_int_equal(hl_misp_stat_get(sum.reasons, sum.nreasons, "malformed value"), 2);
	assert_int_equal(hl_misp_stat_get(sum.reasons, sum.nreasons,
	    "no STIX property for it in this object"), 1);
	assert_int_equal(hl_misp_stat_get(sum.reasons, sum.nreasons,
	    "malformed attribute (uuid)"), 1);
	assert_int_equal(sum.nskip, 4);
	assert_string_equal(sum.skip[0].uuid, "00000000-0000-4000-8000-000000000011");
	assert_string_equal(sum.skip[3].type, "float");
	/* the report first, naming everything but the identity and the SCOs */
	rep = json_array_get(objs, 0);
	assert_string_equal(json_string_value(json_object_get(rep, "type")), "report");
	assert_string_equal(json_string_value(json_object_get(rep, "name")),
	    "Test event: phishing wave");
	assert_string_equal(json_string_value(json_object_get(rep, "published")),
	    "2026-11-18T11:08:20.000Z");
	/* 51: all but the identity, the SCOs and the marking definitions */
	assert_int_equal(json_array_size(json_object_get(rep, "object_refs")), 51);
	assert_string_equal(first_mark(rep), TLP_AMBER);
	assert_string_equal(json_string_value(json_array_get(json_object_get(rep, "labels"), 0)),
	    "type:OSINT");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(rep, "external_references"), 0), "url")), "https://blog.example/report");
	/* patterns, escaping, CIDR, IPv6, composites, lower-cased hashes */
	assert_non_null(o = find_pattern(objs, "[ipv4-addr:value = '198.51.100.7']"));
	assert_string_equal(json_string_value(json_object_get(o, "description")), "C2");
	assert_string_equal(json_string_value(json_object_get(o, "valid_from")),
	    "2026-11-18T11:06:41.000Z");
	assert_string_equal(json_string_value(json_object_get(o, "pattern_type")), "stix");
	assert_string_equal(json_string_value(json_object_get(o, "spec_version")), "2.1");
	assert_non_null(find_pattern(objs, "[ipv4-addr:value = '203.0.113.0/24']"));
	assert_non_null(find_pattern(objs, "[ipv6-addr:value = '2001:db8::1']"));
	assert_non_null(find_pattern(objs, "[url:value = 'http://evil.example/it\\'s']"));
	assert_non_null(find_pattern(objs,
	    "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"));
	assert_non_null(find_pattern(objs,
	    "[email-message:from_ref.value = 'boss@evil.example']"));
	assert_non_null(find_pattern(objs,
	    "[email-message:to_refs[*].value = 'victim@ministry.example']"));
	assert_non_null(find_pattern(objs, "[file:name = 'invoice.doc' AND "
	    "file:hashes.MD5 = '0cc175b9c0f1b6a831c399e269772661']"));
	/* the file object: one indicator, its text as description */
	assert_non_null(o = find_pattern(objs, "[file:name = 'drop.exe' AND file:hashes.'SHA-256' = "
	    "'ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb']"));
	assert_string_equal(json_string_value(json_object_get(o, "description")), "Malicious");
	/* an attribute's own TLP overrides the event's */
	assert_non_null(o = find_pattern(objs, "[domain-name:value = 'red.evil.example']"));
	assert_string_equal(first_mark(o), TLP_RED);
	/* its indicates relationships are red too (the stricter end) */
	assert_int_equal(count_rels_from(objs, json_string_value(json_object_get(o, "id")),
	    "indicates", TLP_RED), 2);
	assert_string_equal(first_mark(json_array_get(objs, 1)), "");
	assert_string_equal(json_string_value(json_object_get(json_array_get(objs, 1), "id")),
	    TLP_AMBER);
	assert_string_equal(json_string_value(json_object_get(json_array_get(objs, 2), "name")),
	    "TLP:RED");
	assert_null(find_pattern(objs, "[ipv4-addr:value = '999.1.1.1']"));
	all_valid(b, "small-event.json");
	all_patterns_ok(b, "small-event.json");
	json_decref(b);
	free(p);
}

#define PE "file:extensions.'windows-pebinary-ext'."

static void
test_composite_event(void **state)
{
	json_t *b = NULL, *objs, *o, *x, *y = NULL, *ext;
	size_t len, i;
	char *p = test_fixture("misp", "composite-event.json", &len), err[256];
	const char *id;

	(void)state;
	assert_int_equal(hl_misp_convert((uint8_t *)p, len, &b, &sum, err, sizeof(err)), HL_OK);
	objs = json_object_get(b, "objects");
	assert_int_equal(sum.attributes, 45);
	assert_int_equal(sum.converted, 40);
	assert_int_equal(sum.skipped, 5);
	assert_int_equal(sum.objects, json_array_size(objs));
	/* references: file->pe and pe->2 sections merged, one to a uuid not in
	 * the event, two become relationships */
	assert_int_equal(sum.references, 6);
	assert_int_equal(sum.references_merged, 3);
	assert_int_equal(sum.references_unresolved, 1);
	/* composites: one observation each */
	assert_non_null(o = find_pattern(objs, "[network-traffic:dst_ref.type = 'ipv4-addr' AND "
	    "network-traffic:dst_ref.value = '198.51.100.9' AND network-traffic:dst_port = 443]"));
	assert_true(has_label(o, "misp:type=\"ip-dst|port\""));
	assert_true(has_label(o, "misp:category=\"Network activity\""));
	x = json_array_get(json_object_get(o, "kill_chain_phases"), 0);
	assert_string_equal(json_string_value(json_object_get(x, "kill_chain_name")), "misp-category");
	assert_string_equal(json_string_value(json_object_get(x, "phase_name")), "Network activity");
	assert_string_equal(json_string_value(json_object_get(o, "pattern_version")), "2.1");
	assert_string_equal(json_string_value(json_object_get(o, "description")), "C2 with port");
	assert_non_null(find_pattern(objs, "[network-traffic:dst_ref.type = 'domain-name' AND "
	    "network-traffic:dst_ref.value = 'c2.evil.example' AND network-traffic:dst_port = 8443]"));
	assert_non_null(find_pattern(objs, "[windows-registry-key:key = "
	    "'HKEY_CURRENT_USER\\\\Software\\\\Run' AND windows-registry-key:values[*].data = "
	    "'C:\\\\evil\\'s.exe']"));
	assert_non_null(find_pattern(objs, "[file:name = 'drop.dll' AND file:hashes.'SHA-256' = "
	    "'ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb']"));
	assert_non_null(find_pattern(objs, "[file:hashes.SSDEEP = '96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G"
	    "4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrgiQmA+4uy1I0G4HYuL8N']"));
	assert_non_null(find_pattern(objs, "[email-message:subject = 'Invoice 2026/11']"));
	assert_non_null(find_pattern(objs, "[file:mime_type = 'application/x-dosexec']"));
	/* domain-ip: the addresses it resolves to, in the same observation */
	assert_non_null(find_pattern(objs, "[domain-name:value = 'update.evil.example' AND "
	    "domain-name:resolves_to_refs[*].value = '198.51.100.20' AND "
	    "domain-name:resolves_to_refs[*].value = '198.51.100.21']"));
	/* a pe alone: its names in the PE extension, each once */
	assert_non_null(find_pattern(objs, "[" PE "x_misp_original_filename = 'a.exe' AND "
	    PE "x_misp_internal_filename = 'a.exe' AND "
	    PE "imphash = 'fea5902afa6e504a798c73a09b83df5e']"));
	/* observables of composites (to_ids false) */
	json_array_foreach(objs, i, o) {
		if (strcmp(json_string_value(json_object_get(o, "type")), "network-traffic") != 0)
			continue;
		assert_string_equal(json_string_value(json_array_get(json_object_get(o, "protocols"),
		    0)), "tcp");
		id = json_string_value(json_object_get(o, json_object_get(o, "src_ref") != NULL ?
		    "src_ref" : "dst_ref"));
		assert_non_null(x = find_id(objs, id));
		if (json_object_get(o, "src_port") != NULL) {
			assert_int_equal(json_integer_value(json_object_get(o, "src_port")), 8080);
			assert_string_equal(json_string_value(json_object_get(x, "value")), "2001:db8::7");
		} else {
			assert_int_equal(json_integer_value(json_object_get(o, "dst_port")), 8080);
			assert_string_equal(json_string_value(json_object_get(x, "value")), "203.0.113.77");
		}
	}
	assert_non_null(o = find_by(objs, "domain-name", "value", "evil.example"));
	assert_non_null(x = find_id(objs, json_string_value(json_array_get(json_object_get(o,
	    "resolves_to_refs"), 0))));
	assert_string_equal(json_string_value(json_object_get(x, "value")), "203.0.113.5");
	assert_non_null(find_by(objs, "windows-registry-key", "key",
	    "HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows\\CurrentVersion\\Run"));
	assert_non_null(o = find_by(objs, "windows-registry-key", "key",
	    "HKEY_CURRENT_USER\\Software\\Example"));
	x = json_array_get(json_object_get(o, "values"), 0);
	assert_string_equal(json_string_value(json_object_get(x, "name")), "Updater");
	assert_string_equal(json_string_value(json_object_get(x, "data_type")), "REG_SZ");
	assert_non_null(o = find_by(objs, "file", "name", "invoice.zip"));
	id = json_string_value(json_object_get(o, "id"));
	json_array_foreach(objs, i, o)
		if (strcmp(json_string_value(json_object_get(o, "type")), "email-message") == 0 &&
		    json_object_get(o, "body_multipart") != NULL)
			break;
	assert_true(i < json_array_size(objs));
	assert_true(json_is_true(json_object_get(o, "is_multipart")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(o,
	    "body_multipart"), 0), "body_raw_ref")), id);
	/* file + pe + pe-sections: one file; the section hash is the section's */
	assert_non_null(o = find_by(objs, "file", "name", "loader.exe"));
	assert_int_equal(json_object_size(json_object_get(o, "hashes")), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "hashes"), "MD5")),
	    "0cc175b9c0f1b6a831c399e269772661");
	ext = json_object_get(json_object_get(o, "extensions"), "windows-pebinary-ext");
	assert_string_equal(json_string_value(json_object_get(ext, "pe_type")), "exe");
	assert_int_equal(json_integer_value(json_object_get(ext, "number_of_sections")), 2);
	assert_int_equal(json_array_size(json_object_get(ext, "sections")), 1);
	x = json_array_get(json_object_get(ext, "sections"), 0);
	assert_string_equal(json_string_value(json_object_get(x, "name")), ".text");
	assert_int_equal(json_integer_value(json_object_get(x, "size")), 4096);
	assert_true(json_is_real(json_object_get(x, "entropy")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(x, "hashes"), "MD5")),
	    "92eb5ffee6ae2fec3ad71c777531578f");
	assert_int_equal(hl_misp_stat_get(sum.reasons, sum.nreasons,
	    "PE section without a name (no valid observable)"), 2);
	/* the merged file's observed-data: its references as relationships */
	json_array_foreach(objs, i, y)
		if (strcmp(json_string_value(json_object_get(y, "type")), "observed-data") == 0 &&
		    strcmp(json_string_value(json_array_get(json_object_get(y, "object_refs"), 0)),
		    json_string_value(json_object_get(o, "id"))) == 0)
			break;
	assert_true(i < json_array_size(objs));
	assert_true(has_label(y, "misp:name=\"file\""));
	assert_true(has_label(y, "misp:meta-category=\"file\""));
	id = json_string_value(json_object_get(y, "id"));
	assert_int_equal(count_rels_from(objs, id, "communicates-with", NULL), 1);
	assert_int_equal(count_rels_from(objs, id, "drops", NULL), 1);
	assert_int_equal(count_rels_from(objs, id, "included-in", NULL), 0);
	json_array_foreach(objs, i, x)
		if (json_is_string(json_object_get(x, "relationship_type")) &&
		    strcmp(json_string_value(json_object_get(x, "relationship_type")),
		    "communicates-with") == 0)
			break;
	assert_string_equal(json_string_value(json_object_get(x, "description")), "beacons");
	assert_non_null(y = find_id(objs, json_string_value(json_object_get(x, "target_ref"))));
	assert_true(has_label(y, "misp:name=\"domain-ip\""));
	/* indicates: every indicator -> the event's malware; drop.dll -> its
	 * own threat actor; the amber indicator's relationship is amber */
	assert_non_null(x = find_by(objs, "malware", "name", "ExampleRAT"));
	assert_non_null(y = find_by(objs, "threat-actor", "name", "Example Actor"));
	assert_int_equal(count_type(objs, "relationship"), 12 + 1 + 2);
	o = find_pattern(objs, "[file:name = 'drop.dll' AND file:hashes.'SHA-256' = "
	    "'ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb']");
	assert_int_equal(count_rels_from(objs, json_string_value(json_object_get(o, "id")),
	    "indicates", NULL), 2);
	o = find_pattern(objs, "[ipv4-addr:value = '192.0.2.66']");
	assert_string_equal(first_mark(o), TLP_AMBER);
	assert_int_equal(count_rels_from(objs, json_string_value(json_object_get(o, "id")),
	    "indicates", TLP_AMBER), 1);
	/* vulnerability, rules, pdb */
	assert_non_null(o = find_by(objs, "vulnerability", "name", "CVE-2017-11882"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(o,
	    "external_references"), 0), "external_id")), "CVE-2017-11882");
	assert_non_null(o = find_by(objs, "indicator", "pattern_type", "yara"));
	assert_non_null(strstr(json_string_value(json_object_get(o, "pattern")), "rule example {\r\n"));
	assert_non_null(find_by(objs, "indicator", "pattern_type", "snort"));
	assert_non_null(o = find_by(objs, "x-misp-attribute", "x_misp_type", "pdb"));
	assert_string_equal(json_string_value(json_object_get(o, "x_misp_value")),
	    "D:\\build\\Release\\example.pdb");
	/* markings: green (the event) and amber (one attribute), TLP 2.0 */
	assert_non_null(o = find_id(objs, TLP_GREEN));
	assert_string_equal(json_string_value(json_object_get(o, "name")), "TLP:GREEN");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(o,
	    "extensions"), "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"),
	    "tlp_2_0")), "green");
	assert_non_null(find_id(objs, TLP_AMBER));
	assert_null(find_id(objs, TLP_RED));
	/* skips with their reasons */
	assert_int_equal(hl_misp_stat_get(sum.reasons, sum.nreasons,
	    "port without an address (no valid observable)"), 1);
	assert_int_equal(hl_misp_stat_get(sum.reasons, sum.nreasons, "malformed value"), 1);
	assert_null(find_pattern(objs, "[network-traffic:dst_port = 4444]"));
	all_valid(b, "composite-event.json");
	all_patterns_ok(b, "composite-event.json");
	json_decref(b);
	free(p);
}

/* the conversion of each fixture is its committed bundle, byte for byte
 * as JSON (regenerate with build/tests/misp_convert after an intended
 * mapping change, and check the diff) */
static void
test_golden(void **state)
{
	static const char *const names[] = { "small-event", "composite-event" };
	json_t *b = NULL, *want;
	json_error_t je;
	char path[1024], err[256], *p;
	const char *root = getenv("HOTLINE_ROOT");
	size_t len, i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s.json", names[i]);
		p = test_fixture("misp", path, &len);
		assert_int_equal(hl_misp_convert((uint8_t *)p, len, &b, &sum, err, sizeof(err)), HL_OK);
		snprintf(path, sizeof(path), "%s/tests/fixtures/misp/%s.stix.json",
		    root != NULL ? root : ".", names[i]);
		if ((want = json_load_file(path, 0, &je)) == NULL)
			fail_msg("%s: %s", path, je.text);
		if (!json_equal(b, want))
			fail_msg("%s.json no longer converts to %s", names[i], path);
		json_decref(want);
		json_decref(b);
		b = NULL;
		free(p);
	}
}

static void
test_deterministic(void **state)
{
	json_t *b1 = NULL, *b2 = NULL, *b3 = NULL;
	char *p, *d1, *d2, *d3, *at, err[256];
	size_t len;

	(void)state;
	p = test_fixture("misp", "small-event.json", &len);
	assert_int_equal(hl_misp_convert((uint8_t *)p, len, &b1, &sum, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_misp_convert((uint8_t *)p, len, &b2, &sum, err, sizeof(err)), HL_OK);
	d1 = json_dumps(b1, JSON_COMPACT);
	d2 = json_dumps(b2, JSON_COMPACT);
	assert_string_equal(d1, d2);
	/* another event uuid: other ids (but the SCOs, which name only their value) */
	at = strstr(p, "11111111-2222");
	assert_non_null(at);
	at[0] = '2';
	assert_int_equal(hl_misp_convert((uint8_t *)p, len, &b3, &sum, err, sizeof(err)), HL_OK);
	d3 = json_dumps(b3, JSON_COMPACT);
	assert_string_not_equal(json_string_value(json_object_get(b1, "id")),
	    json_string_value(json_object_get(b3, "id")));
	assert_string_not_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(b1, "objects"), 0), "id")), json_string_value(json_object_get(
	    json_array_get(json_object_get(b3, "objects"), 0), "id")));
	assert_string_not_equal(d1, d3);
	hl_free(d1);
	hl_free(d2);
	hl_free(d3);
	json_decref(b1);
	json_decref(b2);
	json_decref(b3);
	free(p);
}

static void
expect_bad(const char *ev, int want_r, const char *want_msg)
{
	json_t *b = (json_t *)1;
	char err[256];
	int r;

	r = hl_misp_convert((const uint8_t *)ev, strlen(ev), &b, &sum, err, sizeof(err));
	if (r != want_r)
		fail_msg("%s: got %d (%s), want %d", ev, r, err, want_r);
	assert_null(b);
	if (strstr(err, want_msg) == NULL)
		fail_msg("%s: error \"%s\" lacks \"%s\"", ev, err, want_msg);
	assert_null(strchr(err, '\n'));
	assert_int_equal(sum.attributes, 0);
}

#define EVHEAD "{\"uuid\":\"11111111-2222-4333-8444-555555555555\",\"timestamp\":\"1795000000\""

static void
test_malformed(void **state)
{
	char *deep, *big;
	size_t i, cap, off;

	(void)state;
	expect_bad("", HL_ERR_MALFORMED, "empty");
	expect_bad("{", HL_ERR_MALFORMED, "not valid JSON");
	expect_bad("[1,2]", HL_ERR_MALFORMED, "no Event object");
	expect_bad("{\"Event\":[]}", HL_ERR_MALFORMED, "no Event object");
	expect_bad("{\"Event\":{\"info\":\"x\",\"timestamp\":\"1\"}}", HL_ERR_MALFORMED, "uuid");
	expect_bad("{\"uuid\":\"not-a-uuid\",\"timestamp\":\"1\"}", HL_ERR_MALFORMED, "uuid");
	expect_bad("{\"uuid\":\"11111111-2222-4333-8444-555555555555\"}", HL_ERR_MALFORMED,
	    "timestamp or date");
	expect_bad("{\"uuid\":\"11111111-2222-4333-8444-555555555555\",\"timestamp\":\"12x\"}",
	    HL_ERR_MALFORMED, "timestamp or date");
	expect_bad("{\"uuid\":\"11111111-2222-4333-8444-555555555555\",\"date\":\"2026-13-01\"}",
	    HL_ERR_MALFORMED, "timestamp or date");
	expect_bad(EVHEAD ",\"Attribute\":{}}", HL_ERR_MALFORMED, "not an array");
	expect_bad(EVHEAD ",\"Object\":[{\"Attribute\":7}]}", HL_ERR_MALFORMED, "not an array");
	expect_bad(EVHEAD ",\"Tag\":\"tlp:red\"}", HL_ERR_MALFORMED, "Tag");
	expect_bad(EVHEAD ",\"uuid\":\"x\"}", HL_ERR_MALFORMED, "not valid JSON");   /* duplicate */
	/* nesting */
	deep = malloc(200);
	assert_non_null(deep);
	for (i = 0; i < 100; i++)
		deep[i] = '[';
	for (i = 100; i < 199; i++)
		deep[i] = ']';
	deep[199] = '\0';
	expect_bad(deep, HL_ERR_MALFORMED, "nested");
	free(deep);
	/* too many objects */
	cap = 128 + (HL_MISP_OBJECTS_MAX + 1) * 3;
	big = malloc(cap);
	assert_non_null(big);
	off = (size_t)snprintf(big, cap, "%s", EVHEAD ",\"Object\":[{}");
	for (i = 0; i < HL_MISP_OBJECTS_MAX; i++)
		off += (size_t)snprintf(big + off, cap - off, ",{}");
	snprintf(big + off, cap - off, "]}");
	expect_bad(big, HL_ERR_TOO_BIG, "more than");
	free(big);
}

static void
test_too_big(void **state)
{
	static const char small[] = "{}";
	json_t *b = NULL;
	char err[256];

	(void)state;
	/* the length is checked before a byte is read */
	assert_int_equal(hl_misp_convert((const uint8_t *)small, HL_MISP_MAX_BYTES + 1, &b, &sum,
	    err, sizeof(err)), HL_ERR_TOO_BIG);
	assert_null(b);
	assert_non_null(strstr(err, "larger than"));
}

static void
test_bad_values_skipped(void **state)
{
	static const char ev[] = EVHEAD ",\"Attribute\":["
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000001\",\"type\":\"ip-dst\",\"value\":\"10.0.0.1/33\",\"to_ids\":true},"
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000002\",\"type\":\"ip-dst\",\"value\":\"10.0.0.1\\u0001\",\"to_ids\":true},"
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000003\",\"type\":\"domain\",\"value\":\"a b.example\",\"to_ids\":true},"
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000004\",\"type\":\"sha256\",\"value\":\"abcd\",\"to_ids\":true},"
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000005\",\"type\":\"email-src\",\"value\":\"a@b@c\",\"to_ids\":true},"
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000006\",\"type\":\"filename|md5\",\"value\":\"nobar\",\"to_ids\":true},"
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000007\",\"type\":\"ip-dst\",\"value\":\"\",\"to_ids\":true},"
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000008\",\"type\":\"ip-dst\",\"value\":7,\"to_ids\":true},"
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000009\",\"type\":\"attachment\",\"value\":\"a.pdf\"},"
	    "{\"uuid\":\"00000000-0000-4000-8000-00000000000a\",\"type\":\"ip-dst\",\"value\":\"10.0.0.9\",\"to_ids\":true},"
	    "{\"uuid\":\"00000000-0000-4000-8000-00000000000a\",\"type\":\"ip-dst\",\"value\":\"10.0.0.9\",\"to_ids\":true},"
	    "5]}";
	json_t *b = NULL;
	char err[256];

	(void)state;
	assert_int_equal(hl_misp_convert((const uint8_t *)ev, strlen(ev), &b, &sum, err,
	    sizeof(err)), HL_OK);
	assert_int_equal(sum.attributes, 12);
	assert_int_equal(sum.converted, 1);
	assert_int_equal(sum.skipped, 11);
	assert_int_equal(hl_misp_stat_get(sum.reasons, sum.nreasons, "malformed value"), 6);
	assert_int_equal(hl_misp_stat_get(sum.reasons, sum.nreasons, "empty value"), 1);
	assert_int_equal(hl_misp_stat_get(sum.reasons, sum.nreasons,
	    "attachment data not imported"), 1);
	assert_int_equal(hl_misp_stat_get(sum.reasons, sum.nreasons, "duplicate uuid"), 1);
	/* report (refs: the one indicator) + indicator; no identity without Orgc */
	assert_int_equal(json_array_size(json_object_get(b, "objects")), 2);
	assert_string_equal(sum.tlp, "");
	json_decref(b);
}

/* A port written with leading zeros becomes an integer the STIX pattern
 * grammar accepts. */
static void
test_numeric_values(void **state)
{
	static const char ev[] = EVHEAD ",\"Attribute\":["
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000001\",\"type\":\"ip-dst|port\","
	    "\"value\":\"10.0.0.1|0080\",\"to_ids\":true},"
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000002\",\"type\":\"ip-dst|port\","
	    "\"value\":\"10.0.0.2|0\",\"to_ids\":true}]}";
	json_t *b = NULL, *o;
	char err[256];
	size_t i;
	int seen = 0;

	(void)state;
	assert_int_equal(hl_misp_convert((const uint8_t *)ev, strlen(ev), &b, &sum, err,
	    sizeof(err)), HL_OK);
	all_valid(b, "ports");
	json_array_foreach(json_object_get(b, "objects"), i, o) {
		const char *p = json_string_value(json_object_get(o, "pattern"));

		if (p != NULL && strstr(p, "dst_port = 80]") != NULL)
			seen |= 1;
		if (p != NULL && strstr(p, "dst_port = 0]") != NULL)
			seen |= 2;
	}
	assert_int_equal(seen, 3);
	json_decref(b);
}

static void
test_summary_json(void **state)
{
	json_t *b = NULL, *j;
	size_t len;
	char *p = test_fixture("misp", "small-event.json", &len), err[256];

	(void)state;
	assert_int_equal(hl_misp_convert((uint8_t *)p, len, &b, &sum, err, sizeof(err)), HL_OK);
	assert_non_null(j = hl_misp_summary_json(&sum));
	assert_int_equal(json_integer_value(json_object_get(j, "converted")), 23);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "skipped_by_reason"), "malformed value")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "stix_by_type"), "note")), 2);
	assert_int_equal(json_array_size(json_object_get(j, "skipped_detail")), 4);
	assert_int_equal(json_integer_value(json_object_get(j, "references")), 0);
	assert_string_equal(json_string_value(json_object_get(j, "tlp")), "amber");
	json_decref(j);
	json_decref(b);
	free(p);
}

/* each allocation failing in turn (every 7th for the small event, every
 * 11th for the composite one, up to the first that converts): a clean
 * error, no bundle, nothing leaked */
static void
test_alloc_failures(void **state)
{
	static const struct {
		const char *name;
		uint64_t step;
	} evs[] = { { "small-event.json", 7 }, { "composite-event.json", 11 } };
	json_t *b = NULL;
	size_t len, i;
	char *p, err[256];
	int64_t live = hl_alloc_live();
	uint64_t n;
	int r, ok;

	(void)state;
	for (i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		p = test_fixture("misp", evs[i].name, &len);
		ok = 0;
		for (n = 1; n < 40000 && !ok; n += evs[i].step) {
			hl_alloc_fail_at(n);
			r = hl_misp_convert((uint8_t *)p, len, &b, &sum, err, sizeof(err));
			hl_alloc_fail_at(0);
			if (r == HL_OK) {
				ok = 1;
				json_decref(b);
			} else {
				assert_null(b);
				if (r != HL_ERR_NOMEM && r != HL_ERR_MALFORMED && r != HL_ERR_CRYPTO)
					fail_msg("%s: allocation %u failed: %d", evs[i].name, (unsigned)n, r);
			}
			assert_int_equal(hl_alloc_live(), live);
		}
		if (!ok)
			fail_msg("%s never converted", evs[i].name);
		print_message("%s: allocation failures injected up to #%u, then it converted\n",
		    evs[i].name, (unsigned)(n - evs[i].step));
		free(p);
	}
}

#define NT_DST "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '"

/* every real MISP event: valid JSON out, counts as SOURCE.md describes */
static void
test_real_events(void **state)
{
	/* references: ObjectReferences that become relationships (the 10 of
	 * mainly_objects_1 join its pe and pe-sections to their files) */
	static const struct {
		const char *file;
		unsigned attributes;
		unsigned min_indicators;
		unsigned references;
		unsigned merged;
	} expect[] = {
		{ "57c4445b-c548-4654-af0b-4be3950d210f.json", 9, 5, 0, 0 },
		{ "existing_event.json", 9 + 113, 49, 20, 0 },
		{ "long_event.json", 370, 200, 0, 0 },
		{ "mainly_objects_1.json", 74, 5, 0, 10 },
		{ "to_delete1.json", 75, 40, 0, 0 },
		{ "to_delete2.json", 111 + 17, 90, 0, 0 },
		{ "to_delete3.json", 48 + 48, 40, 0, 0 },
	};
	const char *sd = getenv("HOTLINE_SHARED_DATA");
	char path[1024], err[256], *p, *dump;
	json_t *b, *back, *o;
	size_t len, i, k, nind, nref, nsect;
	const char *pat;

	(void)state;
	if (sd == NULL || sd[0] == '\0') {
		print_message("misp real events: SKIPPED (HOTLINE_SHARED_DATA not set)\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/misp-events/%s", sd, expect[0].file);
	if ((p = test_slurp(path, &len)) == NULL) {
		print_message("misp real events: SKIPPED (%s absent)\n", path);
		return;
	}
	free(p);
	for (i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		snprintf(path, sizeof(path), "%s/misp-events/%s", sd, expect[i].file);
		if ((p = test_slurp(path, &len)) == NULL)
			fail_msg("cannot read %s", path);
		b = NULL;
		if (hl_misp_convert((uint8_t *)p, len, &b, &sum, err, sizeof(err)) != HL_OK)
			fail_msg("%s: %s", expect[i].file, err);
		if (sum.attributes != expect[i].attributes)
			fail_msg("%s: %u attributes, want %u", expect[i].file, sum.attributes,
			    expect[i].attributes);
		assert_int_equal(sum.converted + sum.skipped, sum.attributes);
		assert_string_equal(sum.tlp, "clear");
		/* the bundle serialises to JSON that parses back the same */
		dump = json_dumps(b, JSON_COMPACT);
		assert_non_null(dump);
		back = json_loads(dump, JSON_REJECT_DUPLICATES, NULL);
		assert_non_null(back);
		assert_true(json_equal(b, back));
		assert_int_equal(json_array_size(json_object_get(back, "objects")), sum.objects);
		nind = nref = nsect = 0;
		assert_int_equal(sum.references_merged, expect[i].merged);
		json_array_foreach(json_object_get(back, "objects"), k, o) {
			const char *id = json_string_value(json_object_get(o, "id"));
			const char *ty = json_string_value(json_object_get(o, "type"));

			assert_non_null(id);
			assert_non_null(ty);
			assert_int_equal(strncmp(id, ty, strlen(ty)), 0);
			assert_int_equal(strlen(id), strlen(ty) + 2 + 36);
			assert_string_equal(json_string_value(json_object_get(o, "spec_version")), "2.1");
			if (strcmp(ty, "marking-definition") == 0) {
				assert_string_equal(id, TLP_CLEAR);
				continue;
			}
			assert_string_equal(first_mark(o), TLP_CLEAR);
			if (strcmp(ty, "indicator") == 0) {
				nind++;
				if (strcmp(json_string_value(json_object_get(o, "pattern_type")), "stix") == 0)
					assert_int_equal(json_string_value(json_object_get(o, "pattern"))[0], '[');
				if (json_string_value(json_array_get(json_object_get(o, "labels"), 0)) == NULL ||
				    strncmp(json_string_value(json_array_get(json_object_get(o, "labels"), 0)),
				    "misp:", 5) != 0)
					fail_msg("%s: %s has no misp: label", expect[i].file, id);
			}
			if (strcmp(ty, "relationship") == 0 && strcmp(json_string_value(json_object_get(o,
			    "relationship_type")), "indicates") != 0)
				nref++;
			if (strcmp(ty, "windows-registry-key") == 0 &&
			    strncmp(json_string_value(json_object_get(o, "key")), "HK", 2) == 0 &&
			    strncmp(json_string_value(json_object_get(o, "key")), "HKEY_", 5) != 0)
				fail_msg("%s: abbreviated hive in %s", expect[i].file, id);
			if (json_is_string(json_object_get(o, "pattern")) &&
			    strstr(json_string_value(json_object_get(o, "pattern")),
			    "file:hashes.MD5 = '34943f18fd2a99cc3f5cabe43b4765f8'") != NULL)
				fail_msg("%s: a pe-section hash as the file's", expect[i].file);
			if (json_is_string(json_object_get(o, "pattern")) &&
			    strstr(json_string_value(json_object_get(o, "pattern")),
			    "sections[*].hashes.MD5 = '34943f18fd2a99cc3f5cabe43b4765f8'") != NULL)
				nsect++;
			pat = json_string_value(json_object_get(o, "pattern"));
			if (has_label(o, "misp:type=\"ip-dst|port\"") &&
			    (strncmp(pat, NT_DST, strlen(NT_DST)) != 0 || strstr(pat, "] AND [") != NULL))
				fail_msg("%s: ip-dst|port not one network-traffic observation: %s",
				    expect[i].file, pat);
		}
		if (nref != expect[i].references || sum.references_unresolved != 0)
			fail_msg("%s: %zu reference relationships (%u unresolved), want %u", expect[i].file,
			    nref, sum.references_unresolved, expect[i].references);
		if (nsect != (strcmp(expect[i].file, "mainly_objects_1.json") == 0 ? 1u : 0u))
			fail_msg("%s: %zu patterns with the pe-section hash", expect[i].file, nsect);
		all_valid(b, expect[i].file);
		all_patterns_ok(b, expect[i].file);
		if (nind < expect[i].min_indicators)
			fail_msg("%s: %zu indicators, want at least %u", expect[i].file, nind,
			    expect[i].min_indicators);
		print_message("%s: %u attributes, %u converted, %u skipped, %u STIX objects\n",
		    expect[i].file, sum.attributes, sum.converted, sum.skipped, sum.objects);
		json_decref(back);
		hl_free(dump);
		json_decref(b);
		free(p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid5_vector),
		cmocka_unit_test(test_small_event),
		cmocka_unit_test(test_composite_event),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_bad_values_skipped),
		cmocka_unit_test(test_numeric_values),
		cmocka_unit_test(test_summary_json),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_real_events),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
