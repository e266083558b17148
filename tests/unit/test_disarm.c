/* test_disarm.c: the DISARM incident page converter. The committed pages
 * (tests/fixtures/disarm/incidents/, real DISARM pages) parse to the fields
 * they hold and convert to bundles whose every object passes the STIX
 * validator and whose references resolve; ids are deterministic (a
 * technique's from its id alone, checked against an independent UUIDv5);
 * malformed and oversized pages get one-line errors naming the line; the
 * options are checked; allocation failures leak nothing; and every page of
 * HOTLINE_SHARED_DATA/disarm-incidents converts (SKIPPED when absent). */
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
#include "disarm.h"
#include "errors.h"
#include "stix.h"
#include "testfile.h"

#define CREATED "2026-01-02T03:04:05.000Z"
#define IDENTITY "identity--0b6e0e52-8c1f-4a5e-bb0c-6a3f0f4f1a01"
/* uuid.uuid5(UUID('3b8e1f62-a4d0-4c57-912e-7dc805f36ab9'), ...) in Python */
#define AP_T0151_004 "attack-pattern--a813e546-c51c-547b-b4d7-aca01a0080b4"
#define INC_I00001 "incident--f9192d3d-5f55-58a7-ae9d-ce0c11a46916"

static const struct hl_disarm_opts opts = { CREATED, IDENTITY };

static int
setup(void **state)
{
	(void)state;
	hl_apijson_init();
	return 0;
}

static char *
fixture(const char *name, size_t *len)
{
	return test_fixture("disarm/incidents", name, len);
}

static struct hl_disarm_incident *
parse_ok(const char *text)
{
	struct hl_disarm_incident *inc = NULL;
	char err[256];

	if (hl_disarm_parse((const uint8_t *)text, strlen(text), &inc, err, sizeof(err)) != HL_OK)
		fail_msg("does not parse: %s", err);
	return inc;
}

/* The first object of the bundle whose property key is the string v. */
static const json_t *
find(const json_t *bundle, const char *key, const char *v)
{
	const json_t *o;
	size_t i;

	json_array_foreach(json_object_get(bundle, "objects"), i, o)
		if (strcmp(json_string_value(json_object_get(o, key)), v) == 0)
			return o;
	return NULL;
}

#define by_id(b, id) find((b), "id", (id))
#define first_of(b, type) find((b), "type", (type))

static size_t
count_type(const json_t *bundle, const char *type)
{
	const json_t *o;
	size_t i, n = 0;

	json_array_foreach(json_object_get(bundle, "objects"), i, o)
		n += strcmp(json_string_value(json_object_get(o, "type")), type) == 0;
	return n;
}

/* Every object valid, ids unique, every reference to an object of the
 * bundle, the report listing all the others; the bundle serialises and
 * parses back equal. */
static void
bundle_sound(const json_t *b, const char *what)
{
	const json_t *o, *rep = NULL, *v;
	char err[HL_STIX_ERR_MAX], *d;
	size_t i, k, n = json_array_size(json_object_get(b, "objects"));
	json_t *back;

	assert_string_equal(json_string_value(json_object_get(b, "type")), "bundle");
	assert_true(hl_stix_id_valid(json_string_value(json_object_get(b, "id")), "bundle"));
	json_array_foreach(json_object_get(b, "objects"), i, o) {
		const char *id = json_string_value(json_object_get(o, "id"));

		if (hl_stix_validate(o, err, sizeof(err)) != HL_OK)
			fail_msg("%s: %s invalid: %s", what, id, err);
		for (k = 0; k < i; k++)
			if (strcmp(id, json_string_value(json_object_get(json_array_get(
			    json_object_get(b, "objects"), k), "id"))) == 0)
				fail_msg("%s: %s twice", what, id);
		if (strcmp(json_string_value(json_object_get(o, "type")), "relationship") == 0) {
			assert_non_null(by_id(b, json_string_value(json_object_get(o, "source_ref"))));
			assert_non_null(by_id(b, json_string_value(json_object_get(o, "target_ref"))));
			assert_string_equal(json_string_value(json_object_get(o, "relationship_type")),
			    "uses");
		}
		if (strcmp(json_string_value(json_object_get(o, "type")), "report") == 0)
			rep = o;
	}
	assert_non_null(rep);
	assert_int_equal(json_array_size(json_object_get(rep, "object_refs")), n - 1);
	json_array_foreach(json_object_get(rep, "object_refs"), i, v)
		assert_non_null(by_id(b, json_string_value(v)));
	assert_non_null(d = json_dumps(b, JSON_COMPACT));
	assert_non_null(back = json_loads(d, JSON_REJECT_DUPLICATES, NULL));
	assert_true(json_equal(back, b));
	json_decref(back);
	hl_free(d);
}

/* The attack-pattern of a DISARM technique id. */
static const json_t *
technique(const json_t *b, const char *tid)
{
	const json_t *o, *er;
	size_t i;

	json_array_foreach(json_object_get(b, "objects"), i, o) {
		er = json_array_get(json_object_get(o, "external_references"), 0);
		if (strcmp(json_string_value(json_object_get(o, "type")), "attack-pattern") == 0 &&
		    strcmp(json_string_value(json_object_get(er, "external_id")), tid) == 0)
			return o;
	}
	fail_msg("no attack-pattern for %s", tid);
	return NULL;
}

static json_t *
convert_fixture(const char *name, const struct hl_disarm_opts *o)
{
	json_t *b = NULL;
	size_t len;
	char *p = fixture(name, &len), err[256];

	if (hl_disarm_convert((uint8_t *)p, len, o, &b, err, sizeof(err)) != HL_OK)
		fail_msg("%s: %s", name, err);
	free(p);
	bundle_sound(b, name);
	return b;
}

static void
test_small_page(void **state)
{
	struct hl_disarm_incident *inc = NULL;
	const json_t *o, *er;
	size_t len;
	char *p = fixture("I00001.md", &len), err[256];
	json_t *b;

	(void)state;
	assert_int_equal(hl_disarm_parse((uint8_t *)p, len, &inc, err, sizeof(err)), HL_OK);
	assert_string_equal(inc->id, "I00001");
	assert_string_equal(inc->name, "Blacktivists facebook group");
	assert_string_equal(inc->summary, "Internet Research Agency created fake @blacktivists "
	    "facebook group and twitter account.");
	assert_string_equal(inc->type, "incident");
	assert_int_equal(inc->year, 2016);
	assert_int_equal(inc->ncountries, 2);
	assert_string_equal(inc->countries[0], "Russia");
	assert_string_equal(inc->countries[1], "USA");
	assert_string_equal(inc->found_via, "");
	assert_string_equal(inc->date_added, "2019-02-24");
	assert_int_equal(inc->nrefs, 0);
	assert_int_equal(inc->ntech, 0);
	hl_disarm_free(inc);
	free(p);

	b = convert_fixture("I00001.md", &opts);
	assert_int_equal(json_array_size(json_object_get(b, "objects")), 2);
	o = first_of(b, "incident");
	assert_string_equal(json_string_value(json_object_get(o, "name")),
	    "Blacktivists facebook group");
	assert_string_equal(json_string_value(json_object_get(o, "created")), CREATED);
	assert_string_equal(json_string_value(json_object_get(o, "modified")), CREATED);
	assert_string_equal(json_string_value(json_object_get(o, "created_by_ref")), IDENTITY);
	assert_string_equal(json_string_value(json_object_get(o, "first_seen")),
	    "2016-01-01T00:00:00.000Z");
	assert_string_equal(json_string_value(json_object_get(o, "x_disarm_incident_type")),
	    "incident");
	assert_string_equal(json_string_value(json_object_get(o, "x_disarm_date_added")),
	    "2019-02-24");
	assert_null(json_object_get(o, "x_disarm_found_via"));
	assert_int_equal(json_array_size(json_object_get(o, "x_disarm_countries")), 2);
	er = json_array_get(json_object_get(o, "external_references"), 0);
	assert_string_equal(json_string_value(json_object_get(er, "source_name")), "DISARM");
	assert_string_equal(json_string_value(json_object_get(er, "external_id")), "I00001");
	assert_non_null(strstr(json_string_value(json_object_get(er, "url")), "/I00001.md"));
	o = first_of(b, "report");
	assert_string_equal(json_string_value(json_object_get(o, "name")),
	    "DISARM I00001: Blacktivists facebook group");
	assert_string_equal(json_string_value(json_object_get(o, "published")), CREATED);
	json_decref(b);
}

/* The incident's id from the page, the identity and the time: pinned
 * against Python's uuid5, so a change of derivation is seen. */
static void
test_ids(void **state)
{
	struct hl_disarm_opts anon = { CREATED, NULL }, later = { "2026-01-03T00:00:00Z",
		IDENTITY }, coarse = { "2026-01-02T03:04:05Z", NULL };
	json_t *a, *b, *c;
	const json_t *o;
	size_t i;

	(void)state;
	a = convert_fixture("I00001.md", &anon);
	assert_string_equal(json_string_value(json_object_get(first_of(a, "incident"), "id")),
	    INC_I00001);
	json_array_foreach(json_object_get(a, "objects"), i, o)
		assert_null(json_object_get(o, "created_by_ref"));
	/* STIX wants milliseconds: a time without them is the same time */
	b = convert_fixture("I00001.md", &coarse);
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);
	later.created = "2026-01-03T00:00:00.1Z";
	a = convert_fixture("I00001.md", &later);
	assert_string_equal(json_string_value(json_object_get(first_of(a, "report"), "published")),
	    "2026-01-03T00:00:00.100Z");
	json_decref(a);
	later.created = "2026-01-03T00:00:00.123456789Z";
	a = convert_fixture("I00001.md", &later);
	assert_string_equal(json_string_value(json_object_get(first_of(a, "incident"),
	    "modified")), "2026-01-03T00:00:00.123456789Z");
	json_decref(a);
	later.created = "2026-01-03T00:00:00Z";

	a = convert_fixture("I00084.md", &opts);
	b = convert_fixture("I00084.md", &opts);
	assert_true(json_equal(a, b));
	assert_non_null(o = by_id(a, AP_T0151_004));
	assert_string_equal(json_string_value(json_object_get(o, "created")),
	    HL_DISARM_TECHNIQUE_TIME);
	assert_null(json_object_get(o, "created_by_ref"));
	/* another time: other objects of the caller's, the same techniques */
	c = convert_fixture("I00084.md", &later);
	assert_false(json_equal(a, c));
	assert_string_not_equal(json_string_value(json_object_get(first_of(a, "incident"), "id")),
	    json_string_value(json_object_get(first_of(c, "incident"), "id")));
	assert_string_not_equal(json_string_value(json_object_get(first_of(a, "report"), "id")),
	    json_string_value(json_object_get(first_of(c, "report"), "id")));
	json_array_foreach(json_object_get(a, "objects"), i, o)
		if (strcmp(json_string_value(json_object_get(o, "type")), "attack-pattern") == 0)
			assert_true(json_equal(o, by_id(c, json_string_value(json_object_get(o,
			    "id")))));
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

static void
test_techniques(void **state)
{
	struct hl_disarm_incident *inc = NULL;
	const json_t *o, *r;
	size_t len, i, nrel = 0;
	char *p = fixture("I00084.md", &len), err[256];
	json_t *b;

	(void)state;
	assert_int_equal(hl_disarm_parse((uint8_t *)p, len, &inc, err, sizeof(err)), HL_OK);
	assert_int_equal(inc->ntech, 6);
	assert_string_equal(inc->tech[0].id, "T0097.111");
	assert_string_equal(inc->tech[0].name, "Government Official Persona");
	assert_string_equal(inc->tech[4].id, "T0151.004");
	assert_string_equal(inc->tech[5].id, "T0151.004");
	for (i = 0; i < inc->ntech; i++) {
		assert_null(strstr(inc->tech[i].desc, "<br>"));
		assert_null(strstr(inc->tech[i].desc, "<i>"));
		assert_true(strlen(inc->tech[i].desc) > 20);
	}
	hl_disarm_free(inc);
	free(p);

	b = convert_fixture("I00084.md", &opts);
	/* one attack-pattern per technique, one relationship per row */
	assert_int_equal(count_type(b, "attack-pattern"), 5);
	assert_int_equal(count_type(b, "relationship"), 6);
	assert_int_equal(count_type(b, "incident"), 1);
	assert_int_equal(count_type(b, "report"), 1);
	o = by_id(b, AP_T0151_004);
	r = json_array_get(json_object_get(o, "external_references"), 0);
	assert_string_equal(json_string_value(json_object_get(r, "source_name")), "DISARM");
	assert_string_equal(json_string_value(json_object_get(r, "external_id")), "T0151.004");
	assert_string_equal(json_string_value(json_object_get(o, "name")), "Chat Platform");
	json_array_foreach(json_object_get(b, "objects"), i, o)
		if (strcmp(json_string_value(json_object_get(o, "type")), "relationship") == 0 &&
		    strcmp(json_string_value(json_object_get(o, "target_ref")), AP_T0151_004) == 0) {
			nrel++;
			assert_true(json_string_length(json_object_get(o, "description")) > 20);
		}
	assert_int_equal(nrel, 2);
	json_decref(b);
}

static void
test_summary_and_references(void **state)
{
	struct hl_disarm_incident *inc = NULL;
	size_t len;
	char *p, err[256];

	(void)state;
	/* paragraphs */
	p = fixture("I00005.md", &len);
	assert_int_equal(hl_disarm_parse((uint8_t *)p, len, &inc, err, sizeof(err)), HL_OK);
	assert_string_equal(inc->type, "campaign");
	assert_int_equal(strncmp(inc->summary, "In early 2014, then UK PM David Cameron", 39), 0);
	assert_non_null(strstr(inc->summary, "\n\nConservative-led Department"));
	assert_non_null(strstr(inc->summary, "systematically one-sided coverage"));
	assert_null(strstr(inc->summary, "incident type"));
	hl_disarm_free(inc);
	free(p);
	/* markup of either case */
	p = fixture("I00092.md", &len);
	assert_int_equal(hl_disarm_parse((uint8_t *)p, len, &inc, err, sizeof(err)), HL_OK);
	assert_null(strchr(inc->summary, '<'));
	assert_int_equal(strncmp(inc->summary, "\xe2\x80\x9cResearchers and regulators", 28), 0);
	assert_int_equal(inc->year, 0);
	assert_int_equal(inc->ncountries, 0);
	assert_int_equal(inc->nrefs, 1);
	assert_string_equal(inc->refs[0].org, "New York Times");
	assert_string_equal(inc->refs[0].date, "2021/07/24");
	assert_string_equal(inc->refs[0].title, "");
	assert_int_equal(strncmp(inc->refs[0].url, "https://www.nytimes.com/2021/07/24/", 35), 0);
	assert_int_equal(strncmp(inc->refs[0].archive, "https://web.archive.org/", 24), 0);
	hl_disarm_free(inc);
	free(p);
	/* a row broken over two lines */
	p = fixture("I00096.md", &len);
	assert_int_equal(hl_disarm_parse((uint8_t *)p, len, &inc, err, sizeof(err)), HL_OK);
	assert_int_equal(inc->nrefs, 1);
	assert_string_equal(inc->refs[0].authors, "Alex Scroxton");
	assert_string_equal(inc->refs[0].org, "ComputerWeekly");
	assert_int_equal(inc->ntech, 3);
	hl_disarm_free(inc);
	free(p);
}

static void
test_every_fixture(void **state)
{
	static const char *const names[] = { "I00001.md", "I00005.md", "I00084.md", "I00092.md",
		"I00096.md" };
	const json_t *er;
	json_t *b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		b = convert_fixture(names[i], &opts);
		er = json_object_get(first_of(b, "incident"), "external_references");
		assert_int_equal(strncmp(json_string_value(json_object_get(json_array_get(er, 0),
		    "external_id")), names[i], 6), 0);
		json_decref(b);
	}
}

/* A page written here: title, fields, tables, a marker and notes. */
static const char page[] =
    "# Incident I12345: Made-up narrative\n"
    "\n"
    "* **Summary:** First line.<br>Second <i>line</i>.\n"
    "\n"
    "* **incident type**: campaign\n"
    "\n"
    "* **Year started:** 2021\n"
    "\n"
    "* **Countries:** Elbonia,Freedonia , Freedonia\n"
    "\n"
    "* **Found via:** a partner\n"
    "\n"
    "* **Date added:** 2026-01-01\n"
    "\n"
    "* **Colour:** blue\n"
    "\n"
    "| Reference | Pub Date | Authors | Org | Archive |\n"
    "| --------- | -------- | ------- | --- | ------- |\n"
    "| [A title](https://example.org/a) | 2021/01/02 | - | Example News | - |\n"
    "\n"
    "| Something | Else |\n"
    "| --- | --- |\n"
    "| x | y |\n"
    "\n"
    "| Technique | Description given for this incident |\n"
    "| --------- | ------------------------- |\n"
    "| [T0007 Create Inauthentic Pages](../../generated_pages/techniques/T0007.md) | "
    "Pages | with a bar |\n"
    "| T0049.001 | bare id, no link |\n"
    "\n"
    "DO NOT EDIT ABOVE THIS LINE - PLEASE ADD NOTES BELOW\n"
    "* **Summary:** notes are not read\n"
    "| broken\n";

static void
test_written_page(void **state)
{
	struct hl_disarm_incident *inc = parse_ok(page);
	char *crlf, *q;
	const char *s;
	json_t *a, *b;
	char err[256];

	(void)state;
	assert_string_equal(inc->id, "I12345");
	assert_string_equal(inc->summary, "First line.\nSecond line.");
	assert_string_equal(inc->type, "campaign");
	assert_int_equal(inc->year, 2021);
	assert_int_equal(inc->ncountries, 2);
	assert_string_equal(inc->countries[1], "Freedonia");
	assert_string_equal(inc->found_via, "a partner");
	assert_int_equal(inc->nrefs, 1);
	assert_string_equal(inc->refs[0].title, "A title");
	assert_string_equal(inc->refs[0].authors, "-");
	assert_int_equal(inc->ntech, 2);
	assert_string_equal(inc->tech[0].desc, "Pages | with a bar");
	assert_string_equal(inc->tech[1].id, "T0049.001");
	assert_string_equal(inc->tech[1].name, "");
	assert_int_equal(hl_disarm_bundle(inc, &opts, &a, err, sizeof(err)), HL_OK);
	bundle_sound(a, "written page");
	/* a technique without a name is named by its id; "-" cells are left out */
	assert_string_equal(json_string_value(json_object_get(technique(a, "T0049.001"), "name")),
	    "T0049.001");
	assert_string_equal(json_string_value(json_object_get(technique(a, "T0007"), "name")),
	    "Create Inauthentic Pages");
	s = json_string_value(json_object_get(json_array_get(json_object_get(first_of(a,
	    "incident"), "external_references"), 1), "description"));
	assert_string_equal(s, "A title; published 2021/01/02");
	hl_disarm_free(inc);

	/* CR LF line ends: the same bundle */
	crlf = calloc(2, sizeof(page));
	assert_non_null(crlf);
	for (s = page, q = crlf; *s != '\0'; s++) {
		if (*s == '\n')
			*q++ = '\r';
		*q++ = *s;
	}
	assert_int_equal(hl_disarm_convert((uint8_t *)crlf, strlen(crlf), &opts, &b, err,
	    sizeof(err)), HL_OK);
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);
	free(crlf);
}

static void
expect_error(const char *text, size_t len, int want, const char *msg)
{
	struct hl_disarm_incident *inc = (struct hl_disarm_incident *)1;
	json_t *b = (json_t *)1;
	char err[256];
	int r;

	r = hl_disarm_parse((const uint8_t *)text, len, &inc, err, sizeof(err));
	if (r != want)
		fail_msg("want %d, got %d (%s) for: %.60s", want, r, err, text);
	assert_null(inc);
	if (strstr(err, msg) == NULL)
		fail_msg("message '%s' lacks '%s'", err, msg);
	assert_null(memchr(err, '\n', strlen(err)));
	assert_int_equal(hl_disarm_convert((const uint8_t *)text, len, &opts, &b, err,
	    sizeof(err)), want);
	assert_null(b);
}

#define TITLE "# Incident I00042: x\n"
#define SUMMARY "* **Summary:** s\n"

static void
test_malformed(void **state)
{
	static const struct {
		const char *text, *msg;
	} v[] = {
		{ "", "line 1: expected the title" },
		{ "\n\n  \n", "line 4: expected the title" },
		{ "hello\n", "line 1: expected the title" },
		{ "# Incident I0042: x\n" SUMMARY, "expected the title" },
		{ "# Incident 00042: x\n" SUMMARY, "expected the title" },
		{ "# Incident I00042 x\n" SUMMARY, "expected the title" },
		{ "# Incident I00042: <i></i>\n" SUMMARY, "line 1: the title has no name" },
		{ TITLE, "no '* **Summary:**' field" },
		{ TITLE "\nsome text\n" SUMMARY, "line 3: expected a '* **Field:**' line" },
		{ TITLE "* **Summary: s\n", "line 2: a field's name is not closed" },
		{ TITLE SUMMARY "* **summary:** again\n", "line 3: a second 'summary' field" },
		{ TITLE SUMMARY "* **Year started:** 20x6\n", "line 3: Year started: '20x6'" },
		{ TITLE SUMMARY "* **Year started:** 2016.5\n", "is not a year" },
		{ TITLE SUMMARY "* **Year started:** 1850\n", "1850 is not 1900..2100" },
		{ TITLE SUMMARY "* **Date added:** 24/02/2019\n", "is not YYYY-MM-DD" },
		{ TITLE SUMMARY "| Technique | Description |\n| x | y |\n",
		    "line 3: a table header without a line of dashes" },
		{ TITLE SUMMARY "| Technique | Description\n", "line 3: a table header not closed" },
		{ TITLE SUMMARY "| Technique | Description |\n| --- | --- |\n| [X0007 A](a) | d |\n",
		    "line 5: 'X0007' is not a DISARM technique id" },
		{ TITLE SUMMARY "| Technique | Description |\n| --- | --- |\n| T00071 | d |\n",
		    "'T00071' is not a DISARM technique id" },
		{ TITLE SUMMARY "| Technique | Description |\n| --- | --- |\n| T0007.01 | d |\n",
		    "is not a DISARM technique id" },
		{ TITLE SUMMARY "| Technique | Description |\n| --- | --- |\n| T0007 | d \n\n",
		    "line 5: table row not closed by '|'" },
		{ TITLE SUMMARY "| Technique | Description |\n| --- | --- |\n| T0007 | d",
		    "line 5: table row not closed by '|'" },
		{ TITLE SUMMARY "| Reference | Pub Date | Authors | Org | Archive |\n"
		    "| --- | --- | --- | --- | --- |\n| [a](https://a) | d | a | o | x | y |\n",
		    "line 5: a reference row has 6 cells, not 5" },
		{ TITLE SUMMARY "| Reference | Pub Date | Authors | Org | Archive |\n"
		    "| --- | --- | --- | --- | --- |\n|  | d | a | o | x |\n",
		    "line 5: a reference without a URL" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		expect_error(v[i].text, strlen(v[i].text), HL_ERR_MALFORMED, v[i].msg);
	/* not UTF-8, a NUL */
	expect_error(TITLE "* **Summary:** caf\xe9\n", strlen(TITLE) + 19, HL_ERR_MALFORMED,
	    "not UTF-8 text (byte 39)");
	expect_error(TITLE "* **Summary:** a\0b\n", strlen(TITLE) + 19, HL_ERR_MALFORMED,
	    "not UTF-8 text (byte 37)");
	/* a page with a byte-order mark is fine */
	hl_disarm_free(parse_ok("\xef\xbb\xbf" TITLE SUMMARY));
}

/* A page with field s repeated n times after prefix, to test a limit. */
static char *
repeat(const char *prefix, const char *s, size_t n, const char *suffix)
{
	size_t lp = strlen(prefix), ls = strlen(s), lx = strlen(suffix), i;
	char *p = malloc(lp + ls * n + lx + 1);

	assert_non_null(p);
	memcpy(p, prefix, lp);
	for (i = 0; i < n; i++)
		memcpy(p + lp + i * ls, s, ls);
	memcpy(p + lp + n * ls, suffix, lx + 1);
	return p;
}

static void
test_too_big(void **state)
{
	static const struct {
		const char *prefix, *unit;
		size_t n;
		const char *suffix, *msg;
	} v[] = {
		{ "# Incident I00042: ", "n", HL_DISARM_NAME_MAX + 1, "\n" SUMMARY,
		    "line 1: the name longer than 512 bytes" },
		{ TITLE "* **Summary:** ", "s", HL_DISARM_SUMMARY_MAX + 1, "\n",
		    "line 2: summary longer than 65536 bytes" },
		{ TITLE "* **Summary:** ", "a<i>", HL_DISARM_SUMMARY_MAX + 1, "\n",
		    "summary longer than" },
		{ TITLE SUMMARY "* **Countries:** ", "c", HL_DISARM_COUNTRY_MAX + 1, ",d\n",
		    "a country longer than 64 bytes" },
		{ TITLE SUMMARY "| Technique | D |\n| - | - |\n", "| T0007 | d |\n",
		    HL_DISARM_TECHNIQUES_MAX + 1, "", "line 133: more than 128 technique rows" },
		{ TITLE SUMMARY "| Technique | D |\n| - | - |\n| T0007 A | ", "d",
		    HL_DISARM_TECH_DESC_MAX + 1, " |\n", "a technique's description longer" },
		{ TITLE SUMMARY "| Technique | D |\n| - | - |\n| T0007 ", "n",
		    HL_DISARM_TECH_NAME_MAX + 1, " | d |\n", "a technique's name longer" },
		{ TITLE SUMMARY "| Reference | Pub Date | Authors | Org | Archive |\n"
		    "| - | - | - | - | - |\n", "| https://a | d | a | o | x |\n",
		    HL_DISARM_REFS_MAX + 1, "", "more than 64 reference rows" },
		{ TITLE SUMMARY "| Reference | Pub Date | Authors | Org | Archive |\n"
		    "| - | - | - | - | - |\n| https://a | d | ", "a", HL_DISARM_FIELD_MAX + 1,
		    " | o | x |\n", "a reference's authors longer" },
	};
	struct hl_disarm_incident *inc = NULL;
	char *p, err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		p = repeat(v[i].prefix, v[i].unit, v[i].n, v[i].suffix);
		expect_error(p, strlen(p), HL_ERR_TOO_BIG, v[i].msg);
		free(p);
		/* one fewer fits */
		p = repeat(v[i].prefix, v[i].unit, v[i].n - 1, v[i].suffix);
		if (hl_disarm_parse((uint8_t *)p, strlen(p), &inc, err, sizeof(err)) != HL_OK)
			fail_msg("limit %zu: one fewer does not parse: %s", i, err);
		hl_disarm_free(inc);
		free(p);
	}
	/* countries: 33 different ones are too many, 32 and repeats are not */
	p = repeat(TITLE SUMMARY "* **Countries:** ", "c,", HL_DISARM_COUNTRIES_MAX + 1, "\n");
	for (i = 0; i <= HL_DISARM_COUNTRIES_MAX; i++)
		p[strlen(TITLE SUMMARY "* **Countries:** ") + 2 * i] = (char)('A' + i);
	expect_error(p, strlen(p), HL_ERR_TOO_BIG, "line 3: more than 32 countries");
	p[strlen(TITLE SUMMARY "* **Countries:** ") + 2 * HL_DISARM_COUNTRIES_MAX] = 'A';
	inc = parse_ok(p);
	assert_int_equal(inc->ncountries, HL_DISARM_COUNTRIES_MAX);
	hl_disarm_free(inc);
	free(p);
	p = repeat(TITLE SUMMARY, " ", HL_DISARM_MAX_BYTES, "");
	expect_error(p, HL_DISARM_MAX_BYTES + 1, HL_ERR_TOO_BIG, "larger than 1048576 bytes");
	free(p);
}

static void
test_options(void **state)
{
	static const struct hl_disarm_opts bad[] = {
		{ NULL, NULL }, { "yesterday", NULL }, { "2026-01-02T03:04:05+01:00", NULL },
		{ CREATED, "identity--x" }, { CREATED, "indicator--0b6e0e52-8c1f-4a5e-bb0c-6a3f0f4f1a01" },
	};
	struct hl_disarm_incident *inc = parse_ok(TITLE SUMMARY);
	json_t *b = (json_t *)1;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(hl_disarm_bundle(inc, &bad[i], &b, err, sizeof(err)),
		    HL_ERR_INVALID);
		assert_null(b);
		assert_true(strstr(err, i < 3 ? "created" : "identity") != NULL);
	}
	assert_int_equal(hl_disarm_bundle(inc, NULL, &b, err, sizeof(err)), HL_ERR_INVALID);
	hl_disarm_free(inc);
	hl_disarm_free(NULL);
}

/* Each allocation failing in turn: an error, nothing leaked, until it
 * succeeds. */
static void
test_alloc_failures(void **state)
{
	int64_t live = hl_alloc_live();
	json_t *b;
	size_t len;
	char *p = fixture("I00084.md", &len), err[256];
	uint64_t n;
	int r = HL_ERR_NOMEM;

	(void)state;
	for (n = 1; n < 5000 && r != HL_OK; n++) {
		b = NULL;
		hl_alloc_fail_at(n);
		r = hl_disarm_convert((uint8_t *)p, len, &opts, &b, err, sizeof(err));
		hl_alloc_fail_at(0);
		if (r != HL_OK) {
			assert_int_equal(r, HL_ERR_NOMEM);
			assert_null(b);
		}
		json_decref(b);
		assert_int_equal(hl_alloc_live(), live);
	}
	assert_int_equal(r, HL_OK);
	free(p);
}

/* Every page of the shared data converts, and every object validates. */
static void
test_real_pages(void **state)
{
	const char *sd = getenv("HOTLINE_SHARED_DATA");
	char dir[1024], path[1300], err[256], *p;
	struct dirent *de;
	size_t len, pages = 0, rows = 0, with_tech = 0, with_refs = 0, objects = 0;
	DIR *d;
	json_t *b;

	(void)state;
	if (sd == NULL || sd[0] == '\0') {
		print_message("disarm real pages: SKIPPED (HOTLINE_SHARED_DATA not set)\n");
		skip();
	}
	snprintf(dir, sizeof(dir), "%s/disarm-incidents/incidents", sd);
	if ((d = opendir(dir)) == NULL) {
		print_message("disarm real pages: SKIPPED (%s absent)\n", dir);
		skip();
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != 'I' || strstr(de->d_name, ".md") == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((p = test_slurp(path, &len)) == NULL)
			fail_msg("cannot read %s", path);
		b = NULL;
		if (hl_disarm_convert((uint8_t *)p, len, &opts, &b, err, sizeof(err)) != HL_OK)
			fail_msg("%s: %s", de->d_name, err);
		bundle_sound(b, de->d_name);
		rows += count_type(b, "relationship");
		with_tech += count_type(b, "relationship") > 0;
		with_refs += json_array_size(json_object_get(first_of(b, "incident"),
		    "external_references")) > 1;
		objects += json_array_size(json_object_get(b, "objects"));
		pages++;
		json_decref(b);
		free(p);
	}
	closedir(d);
	print_message("disarm real pages: %zu converted, %zu objects, %zu technique rows\n",
	    pages, objects, rows);
	/* what the snapshot's SOURCE.md says of it */
	assert_int_equal(pages, 129);
	assert_int_equal(with_tech, 62);
	assert_int_equal(with_refs, 67);
	assert_int_equal(rows, 256);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_page),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_techniques),
		cmocka_unit_test(test_summary_and_references),
		cmocka_unit_test(test_every_fixture),
		cmocka_unit_test(test_written_page),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_real_pages),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
