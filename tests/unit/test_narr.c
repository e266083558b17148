/* test_narr.c: narratives linked across partners (narr.h) on a real store:
 * a re-telling from another partner is linked once, newer to earlier,
 * with the stricter label and in the newer object's collection; one from
 * the same partner, an unrelated one and one without words are not; a
 * second scan and a rebuilt index make no new link; the list applies rule
 * 4 and the read check to both ends and lists the node's links only;
 * other types, and a report that only repeats its incident, are not
 * compared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "config.h"
#include "errors.h"
#include "label.h"
#include "narr.h"
#include "stix.h"
#include "stixdb.h"
#include "store.h"
#include "teststore.h"

#define STORY "Internet Research Agency created a fake activist group on Facebook. " \
	"The group shared posts about police violence to divide voters. " \
	"Its pages were followed by hundreds of thousands of people before removal. " \
	"Organisers were paid to hold rallies in several cities."
/* the same as another partner's analyst wrote it */
#define RETOLD "The group shared posts about police violence to divide voters. " \
	"Internet Research Agency created a fake activist group on Facebook and Twitter. " \
	"Organisers were paid to hold rallies in several American cities. " \
	"Its pages were followed by hundreds of thousands of people before removal. " \
	"We assess the operation continues."
#define OTHER "A state broadcaster published fabricated documents on a vaccine trial. " \
	"The documents were shared by accounts created the same week."

struct fx {
	char dir[64];
	char path[128];
	struct hl_store *s;
	struct hl_stixdb *d;
	struct hl_config *cfg;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];

	if (f == NULL || (f->cfg = calloc(1, sizeof(*f->cfg))) == NULL)
		return -1;
	hl_apijson_init();
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/hl_narr_XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	(void)snprintf(f->path, sizeof(f->path), "%s/node.db", f->dir);
	if (hl_store_open(f->path, &f->s, err, sizeof(err)) != HL_OK ||
	    hl_stixdb_open(f->s, &f->d) != HL_OK)
		return -1;
	(void)snprintf(f->cfg->partner, sizeof(f->cfg->partner), "JPN");
	(void)snprintf(f->cfg->node, sizeof(f->cfg->node), "JPN/node-1");
	hl_policy_default(&f->cfg->policy);
	f->cfg->ncollections = 2;
	(void)snprintf(f->cfg->collections[0].name, sizeof(f->cfg->collections[0].name), "narr");
	(void)snprintf(f->cfg->collections[1].name, sizeof(f->cfg->collections[1].name), "other");
	f->cfg->narrative_threshold = 0.25;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	test_store_remove(f->d, f->s, f->dir, f->path);
	free(f->cfg);
	free(f);
	return 0;
}

/* Store a type object n (name, description) in coll as from partner
 * ("" this node), labelled cls // rel // tlp. */
static void
put(struct fx *f, const char *coll, const char *type, unsigned n, const char *partner,
    const char *name, const char *desc, const char *cls, const char *rel, const char *tlp)
{
	struct hl_stix_prov prov;
	struct hl_label l;
	uint8_t enc[HL_LABEL_MAX_BYTES];
	size_t enclen;
	char id[80], err[HL_STIX_ERR_MAX];
	json_t *o;
	int added = 0;

	assert_int_equal(hl_label_make(&f->cfg->policy, &(struct hl_label_spec){
	    .classification = cls, .releasable = rel, .tlp = tlp }, &l, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_label_encode_to(&l, enc, &enclen), HL_OK);
	(void)snprintf(id, sizeof(id), "%s--%08x-0000-4000-8000-000000000000", type, n);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", type, "spec_version",
	    "2.1", "id", id, "created", "2026-01-01T00:00:00.000Z", "modified",
	    "2026-01-01T00:00:00.000Z", "name", name, "description", desc);
	assert_non_null(o);
	if (strcmp(type, "report") == 0)
		assert_int_equal(json_object_set_new(o, "published",
		    json_string("2026-01-01T00:00:00Z")) | json_object_set_new(o, "object_refs",
		    json_pack("[s]", "incident--00000001-0000-4000-8000-000000000000")), 0);
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_OK);
	memset(&prov, 0, sizeof(prov));
	prov.source = partner[0] != '\0' ? HL_STIX_PARTNER : HL_STIX_LOCAL;
	(void)snprintf(prov.partner, sizeof(prov.partner), "%s", partner[0] != '\0' ? partner :
	    "JPN");
	(void)snprintf(prov.node, sizeof(prov.node), "%s/node-1", prov.partner);
	assert_int_equal(hl_stixdb_put(f->d, coll, o, enc, enclen, &prov, NULL, &added), HL_OK);
	assert_int_equal(added, 1);
	json_decref(o);
}

static json_t *
list(struct hl_narr *n, const struct hl_operator_conf *op)
{
	json_t *arr = NULL;

	assert_int_equal(hl_narr_list(n, op, NULL, NULL, &arr), HL_OK);
	assert_non_null(arr);
	return arr;
}

static const char *
jget(const json_t *pair, const char *end, const char *key)
{
	return json_string_value(json_object_get(end != NULL ? json_object_get(pair, end) : pair,
	    key));
}

/* An operator's look-alike of a link (x_hotline_narrative and all): stored
 * as added by the account, so never listed as the node's. */
static void
put_fake_link(struct fx *f)
{
	struct hl_stix_prov prov;
	struct hl_label l;
	uint8_t enc[HL_LABEL_MAX_BYTES];
	size_t enclen;
	char err[HL_STIX_ERR_MAX];
	json_t *o;
	int added = 0;

	assert_int_equal(hl_label_make(&f->cfg->policy, &(struct hl_label_spec){
	    .classification = "UNCLASSIFIED", .releasable = "JPN", .tlp = "clear" }, &l, err,
	    sizeof(err)), HL_OK);
	assert_int_equal(hl_label_encode_to(&l, enc, &enclen), HL_OK);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:f}}", "type",
	    "relationship", "spec_version", "2.1", "id",
	    "relationship--0000000f-0000-4000-8000-000000000000", "created",
	    "2026-01-01T00:00:00.000Z", "modified", "2026-01-01T00:00:00.000Z",
	    "relationship_type", "related-to", "source_ref",
	    "incident--00000003-0000-4000-8000-000000000000", "target_ref",
	    "incident--00000001-0000-4000-8000-000000000000", "x_hotline_narrative",
	    "similarity", 0.99);
	assert_non_null(o);
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_OK);
	memset(&prov, 0, sizeof(prov));
	prov.source = HL_STIX_LOCAL;
	(void)snprintf(prov.partner, sizeof(prov.partner), "JPN");
	(void)snprintf(prov.node, sizeof(prov.node), "JPN/node-1");
	(void)snprintf(prov.added_by, sizeof(prov.added_by), "mallory");
	assert_int_equal(hl_stixdb_put(f->d, "narr", o, enc, enclen, &prov, NULL, &added), HL_OK);
	assert_int_equal(added, 1);
	json_decref(o);
}

static int
no_other(void *arg, const char *collection)
{
	(void)arg;
	return strcmp(collection, "other") != 0;
}

static void
test_link_once_stricter(void **state)
{
	struct fx *f = *state;
	struct hl_narr *n = NULL;
	struct hl_operator_conf op;
	json_t *arr, *p;
	size_t linked = 9;

	put(f, "narr", "incident", 1, "KOR", "Blacktivists", STORY, "UNCLASSIFIED", "JPN,KOR",
	    "green");
	put(f, "narr", "incident", 2, "KOR", "Blacktivists again", STORY " Same again.",
	    "UNCLASSIFIED", "JPN,KOR", "green");
	put(f, "narr", "incident", 3, "", "Vaccine papers", OTHER, "UNCLASSIFIED", "JPN",
	    "clear");
	put(f, "narr", "incident", 4, "", "Nothing", "", "UNCLASSIFIED", "JPN", "clear");
	/* not a narrative type: never compared */
	put(f, "narr", "threat-actor", 5, "USA", "Blacktivists", STORY, "UNCLASSIFIED",
	    "JPN,USA", "clear");
	assert_int_equal(hl_narr_new(f->cfg, f->s, &n), HL_OK);
	assert_int_equal(hl_narr_scan(n, &linked), HL_OK);
	assert_int_equal(linked, 0);   /* KOR's two are one partner's */
	put(f, "other", "report", 6, "USA", "Fake activists", RETOLD, "RESTRICTED",
	    "JPN,KOR,USA", "amber");
	assert_int_equal(hl_narr_scan(n, &linked), HL_OK);
	assert_int_equal(linked, 2);   /* to each of KOR's */
	assert_int_equal(hl_narr_scan(n, &linked), HL_OK);
	assert_int_equal(linked, 0);
	put_fake_link(f);

	arr = list(n, NULL);
	assert_int_equal(json_array_size(arr), 2);   /* not the operator's */
	p = json_array_get(arr, 0);
	assert_string_equal(jget(p, "source", "origin_partner"), "USA");
	assert_string_equal(jget(p, "target", "origin_partner"), "KOR");
	assert_string_equal(jget(p, "source", "id"),
	    "report--00000006-0000-4000-8000-000000000000");
	assert_string_equal(jget(p, NULL, "collection"), "other");   /* the newer's */
	assert_string_equal(jget(p, NULL, "label"), "RESTRICTED//REL TO JPN, KOR//TLP:AMBER");
	assert_true(json_real_value(json_object_get(p, "similarity")) >= 0.25);
	assert_non_null(strstr(jget(p, NULL, "description"), "same narrative: similarity 0."));
	json_decref(arr);

	/* rule 4: below RESTRICTED, or not KOR's, sees none; a read check on
	 * the collection of the link and its newer end hides them too */
	memset(&op, 0, sizeof(op));
	op.clearance = 0;
	(void)snprintf(op.nationality, sizeof(op.nationality), "JPN");
	arr = list(n, &op);
	assert_int_equal(json_array_size(arr), 0);
	json_decref(arr);
	op.clearance = 3;
	arr = list(n, &op);
	assert_int_equal(json_array_size(arr), 2);
	json_decref(arr);
	(void)snprintf(op.nationality, sizeof(op.nationality), "USA");
	arr = list(n, &op);
	assert_int_equal(json_array_size(arr), 0);
	json_decref(arr);
	assert_int_equal(hl_narr_list(n, NULL, no_other, NULL, &arr), HL_OK);
	assert_int_equal(json_array_size(arr), 0);
	json_decref(arr);
	hl_narr_free(n);

	/* a restart: the index is rebuilt, the links are there already */
	assert_int_equal(hl_narr_new(f->cfg, f->s, &n), HL_OK);
	assert_int_equal(hl_narr_scan(n, &linked), HL_OK);
	assert_int_equal(linked, 0);
	arr = list(n, NULL);
	assert_int_equal(json_array_size(arr), 2);
	json_decref(arr);
	hl_narr_free(n);
}

static void
test_threshold(void **state)
{
	struct fx *f = *state;
	struct hl_narr *n = NULL;
	size_t linked = 9;

	f->cfg->narrative_threshold = 1.0;
	put(f, "narr", "campaign", 1, "KOR", "Blacktivists", STORY, "UNCLASSIFIED", "JPN,KOR",
	    "green");
	put(f, "narr", "campaign", 2, "USA", "Fake activists", RETOLD, "UNCLASSIFIED",
	    "JPN,USA", "green");
	assert_int_equal(hl_narr_new(f->cfg, f->s, &n), HL_OK);
	assert_int_equal(hl_narr_scan(n, &linked), HL_OK);
	assert_int_equal(linked, 0);   /* alike, not identical */
	hl_narr_free(n);
	f->cfg->narrative_threshold = 0.25;
	assert_int_equal(hl_narr_new(f->cfg, f->s, &n), HL_OK);
	assert_int_equal(hl_narr_scan(n, &linked), HL_OK);
	assert_int_equal(linked, 1);
	hl_narr_free(n);
	hl_narr_free(NULL);
}

/* A report that repeats the description of the incident it refers to,
 * from the same partner (a DISARM bundle's), stands for nothing new: two
 * partners' bundles of one narrative are one link, not four. */
static void
test_wrapping_report(void **state)
{
	struct fx *f = *state;
	struct hl_narr *n = NULL;
	size_t linked = 9;
	json_t *arr;

	put(f, "narr", "incident", 1, "KOR", "Blacktivists", STORY, "UNCLASSIFIED", "JPN,KOR",
	    "green");
	put(f, "narr", "report", 2, "KOR", "DISARM: Blacktivists", STORY, "UNCLASSIFIED",
	    "JPN,KOR", "green");
	put(f, "narr", "incident", 3, "USA", "Fake activists", RETOLD, "UNCLASSIFIED",
	    "JPN,USA", "green");
	assert_int_equal(hl_narr_new(f->cfg, f->s, &n), HL_OK);
	assert_int_equal(hl_narr_scan(n, &linked), HL_OK);
	assert_int_equal(linked, 1);
	arr = list(n, NULL);
	assert_string_equal(jget(json_array_get(arr, 0), "target", "id"),
	    "incident--00000001-0000-4000-8000-000000000000");
	json_decref(arr);
	/* the same report from another partner than its incident's is its own */
	put(f, "narr", "report", 4, "USA", "Retold", STORY, "UNCLASSIFIED", "JPN,USA", "green");
	assert_int_equal(hl_narr_scan(n, &linked), HL_OK);
	assert_int_equal(linked, 1);   /* to KOR's incident; USA's own incident is USA's */
	hl_narr_free(n);
}

/* Each allocation failing in turn, in a start's rebuild and link: an
 * error, no leak, and a clean scan after it (or the next start) has the
 * one link, never two. */
static void
test_alloc_failures(void **state)
{
	struct fx *f = *state;
	struct hl_narr *n;
	json_t *arr;
	int64_t live;
	size_t linked;
	int k, r, done = 0;

	put(f, "narr", "report", 1, "KOR", "Blacktivists", STORY, "UNCLASSIFIED", "JPN,KOR",
	    "green");
	put(f, "narr", "incident", 2, "USA", "Fake activists", RETOLD, "UNCLASSIFIED",
	    "JPN,USA", "green");
	for (k = 1; k < 3000 && !done; k++) {
		live = hl_alloc_live();
		n = NULL;
		hl_alloc_fail_at((uint64_t)k);
		r = hl_narr_new(f->cfg, f->s, &n);
		if (r == HL_OK)
			r = hl_narr_scan(n, &linked);
		hl_alloc_fail_at(0);
		done = r == HL_OK;
		if (n != NULL) {
			assert_int_equal(hl_narr_scan(n, &linked), HL_OK);
			arr = list(n, NULL);
			assert_int_equal(json_array_size(arr), 1);
			json_decref(arr);
		} else {
			assert_int_equal(r, HL_ERR_NOMEM);
		}
		hl_narr_free(n);
		assert_int_equal(hl_alloc_live(), live);
	}
	assert_true(done && k > 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_link_once_stricter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threshold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrapping_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
