/* test_http.c: the HTTP layer's route table (http.c). Pattern matching;
 * what the table refuses to register; the one decision every request goes
 * through (404, 405 with Allow, 400 for a query or a body a row does not
 * take, 413, 415, 406 before authentication, who authenticates) on a small
 * table; the media-type and Accept checks; and the table the daemon
 * composes from every service's rows (api, console, taxii, taxiipoll):
 * each row reachable, what needs no operator, and the answers the
 * scenarios rely on (30-cli-api, 60-taxii, 70-console). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api.h"
#include "apijson.h"
#include "console.h"
#include "consolejson.h"
#include "errors.h"
#include "http.h"
#include "taxii.h"
#include "taxiipoll.h"

static char capt[HL_HTTP_PARAMS_MAX][HL_HTTP_PARAM_MAX + 1];
static unsigned ncap;

static int
match(const char *pattern, const char *path)
{
	return hl_http_match(pattern, path, &ncap, capt);
}

static void
test_match(void **state)
{
	char longseg[HL_HTTP_PARAM_MAX + 16];

	(void)state;
	assert_true(match("/api/v1/inbox", "/api/v1/inbox"));
	assert_int_equal(ncap, 0);
	assert_false(match("/api/v1/inbox", "/api/v1/inbox/"));
	assert_false(match("/api/v1/inbox", "/api/v1/inbo"));
	assert_false(match("/api/v1/inbox", "/api/v1/inboxes"));
	assert_false(match("/api/v1/inbox", "/api/v2/inbox"));
	assert_false(match("/api/v1/inbox", ""));
	assert_false(match("/api/v1/inbox", NULL));
	assert_false(match("/api/v1/inbox", "api/v1/inbox"));
	/* captures: one non-empty segment each */
	assert_true(match("/api/v1/envelopes/{id}/ack", "/api/v1/envelopes/00ff/ack"));
	assert_int_equal(ncap, 1);
	assert_string_equal(capt[0], "00ff");
	assert_false(match("/api/v1/envelopes/{id}/ack", "/api/v1/envelopes//ack"));
	assert_false(match("/api/v1/envelopes/{id}", "/api/v1/envelopes/a/b"));
	assert_false(match("/api/v1/envelopes/{id}", "/api/v1/envelopes/"));
	assert_true(match("/a/{x}/{y}", "/a/1/2"));
	assert_int_equal(ncap, 2);
	assert_string_equal(capt[1], "2");
	/* a pattern ending with '/' takes the path with or without it */
	assert_true(match("/taxii2/hotline/collections/{cid}/", "/taxii2/hotline/collections/c1/"));
	assert_true(match("/taxii2/hotline/collections/{cid}/", "/taxii2/hotline/collections/c1"));
	assert_false(match("/taxii2/hotline/collections/{cid}/", "/taxii2/hotline/collections/c1//"));
	assert_true(match("/", "/"));
	assert_false(match("/", "/x"));
	/* the rest of the path */
	assert_true(match("/console/*", "/console/"));
	assert_string_equal(capt[0], "");
	assert_true(match("/console/*", "/console/app.js"));
	assert_string_equal(capt[0], "app.js");
	assert_true(match("/taxii2/*", "/taxii2/a/b/c/"));
	assert_string_equal(capt[0], "a/b/c/");
	assert_false(match("/console/*", "/console"));
	/* a segment longer than a capture holds does not match */
	memset(longseg, 'x', sizeof(longseg));
	memcpy(longseg, "/e/", 3);
	longseg[HL_HTTP_PARAM_MAX + 4] = '\0';
	assert_false(match("/e/{id}", longseg));
	longseg[HL_HTTP_PARAM_MAX + 3] = '\0';
	assert_true(match("/e/{id}", longseg));
	assert_int_equal(strlen(capt[0]), HL_HTTP_PARAM_MAX);
}

static void
h_none(struct hl_http_req *x)
{
	(void)x;
}

static void
h_other(struct hl_http_req *x)
{
	(void)x;
}

static void
test_table_add(void **state)
{
	static const struct hl_http_route bad[][1] = {
		{ { HL_HTTP_GET, "api", h_none, 0, 0, NULL, HL_HTTP_ANYONE } },
		{ { HL_HTTP_GET, "/a//b", h_none, 0, 0, NULL, HL_HTTP_ANYONE } },
		{ { HL_HTTP_GET, "/a/{x", h_none, 0, 0, NULL, HL_HTTP_ANYONE } },
		{ { HL_HTTP_GET, "/a/{}/b", h_none, 0, 0, NULL, HL_HTTP_ANYONE } },
		{ { HL_HTTP_GET, "/a/x{y}", h_none, 0, 0, NULL, HL_HTTP_ANYONE } },
		{ { HL_HTTP_GET, "/a/*/b", h_none, 0, 0, NULL, HL_HTTP_ANYONE } },
		{ { HL_HTTP_GET, "/a/b*", h_none, 0, 0, NULL, HL_HTTP_ANYONE } },
		{ { HL_HTTP_GET, "/{a}/{b}/{c}/{d}/{e}", h_none, 0, 0, NULL, HL_HTTP_ANYONE } },
		{ { HL_HTTP_GET, NULL, h_none, 0, 0, NULL, HL_HTTP_ANYONE } },
		{ { HL_HTTP_GET, "/a", NULL, 0, 0, NULL, HL_HTTP_ANYONE } },
		{ { 0, "/a", h_none, 0, 0, NULL, HL_HTTP_ANYONE } },
		/* authenticated, and no role may call it */
		{ { HL_HTTP_GET, "/a", h_none, HL_HTTP_AUTH, 0, NULL, 0 } },
	};
	static const struct hl_http_route two[] = {
		{ HL_HTTP_GET, "/x", h_none, 0, 0, NULL, HL_HTTP_ANYONE },
		{ HL_HTTP_POST, "/x", h_other, 0, 0, NULL, HL_HTTP_ANYONE },
	};
	static const struct hl_http_route clash[] = {
		{ HL_HTTP_POST, "/y", h_none, 0, 0, NULL, HL_HTTP_ANYONE },
		{ HL_HTTP_POST | HL_HTTP_GET, "/x", h_none, 0, 0, NULL, HL_HTTP_ANYONE },
	};
	static const struct hl_http_route one[] = { { HL_HTTP_GET, "/z/{n}", h_none, 0, 0, NULL, HL_HTTP_ANYONE } };
	static struct hl_http_table t;
	int a = 1, b = 2;
	size_t i;

	(void)state;
	memset(&t, 0, sizeof(t));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (hl_http_table_add(&t, bad[i], 1, NULL, &a) != HL_ERR_INVALID)
			fail_msg("bad pattern %zu accepted", i);
	assert_int_equal(t.n, 0);
	/* the same path with two methods: one path, two rows */
	assert_int_equal(hl_http_table_add(&t, two, 2, NULL, &a), HL_OK);
	/* a method already taken for the path: nothing of the set is added */
	assert_int_equal(hl_http_table_add(&t, clash, 2, NULL, &b), HL_ERR_EXISTS);
	assert_int_equal(t.n, 2);
	/* within one set too */
	assert_int_equal(hl_http_table_add(&t, (const struct hl_http_route[]){ { HL_HTTP_GET, "/q",
	    h_none, 0, 0, NULL, HL_HTTP_ANYONE }, { HL_HTTP_GET, "/q", h_other, 0, 0, NULL, HL_HTTP_ANYONE } }, 2, NULL, &b), HL_ERR_EXISTS);
	assert_int_equal(t.n, 2);
	/* full */
	while (t.n < HL_HTTP_ROUTES_MAX)
		t.row[t.n++] = t.row[0];
	assert_int_equal(hl_http_table_add(&t, one, 1, NULL, &b), HL_ERR_FULL);
	t.n = 2;
	assert_int_equal(hl_http_table_add(&t, one, 1, NULL, &b), HL_OK);
	/* a registrant's rows and authenticators go together */
	assert_int_equal(hl_http_table_add_auth(&t, NULL, &b), HL_OK);
	assert_int_equal(hl_http_table_add_auth(&t, NULL, &a), HL_OK);
	hl_http_table_remove(&t, &b);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.nauth, 1);
	assert_ptr_equal(t.auth[0].arg, &a);
	for (i = t.nauth; i < HL_HTTP_AUTHS_MAX; i++)
		assert_int_equal(hl_http_table_add_auth(&t, NULL, &a), HL_OK);
	assert_int_equal(hl_http_table_add_auth(&t, NULL, &a), HL_ERR_FULL);
}

/* ---- the decision on a small table ---- */

static void
style_error(struct evhttp_request *req, int code, const char *ecode, const char *msg)
{
	(void)req;
	(void)code;
	(void)ecode;
	(void)msg;
}

static const struct hl_http_style xstyle = { "application/x+json;version=2", 1, style_error };
static const struct hl_http_route small[] = {
	{ HL_HTTP_GET, "/s", h_none, HL_HTTP_AUTH, 0, NULL, HL_HTTP_ANYONE },
	{ HL_HTTP_POST, "/s", h_other, HL_HTTP_AUTH | HL_HTTP_BODY, 10, NULL, HL_HTTP_ANYONE },
	{ HL_HTTP_GET, "/q", h_none, HL_HTTP_AUTH | HL_HTTP_QUERY, 0, NULL, HL_HTTP_ANYONE },
	{ HL_HTTP_POST, "/open", h_none, HL_HTTP_BODY, 0, NULL, HL_HTTP_ANYONE },
	{ HL_HTTP_GET | HL_HTTP_HEAD, "/page/*", h_none, 0, 0, NULL, HL_HTTP_ANYONE },
	{ HL_HTTP_GET, "/item/{id}", h_none, HL_HTTP_AUTH, 0, NULL, HL_HTTP_ANYONE },
	{ HL_HTTP_POST, "/up", h_none, HL_HTTP_AUTH | HL_HTTP_QUERY | HL_HTTP_BODY |
	    HL_HTTP_BODY_OWN, 100, "application/octet-stream", HL_HTTP_ANYONE },
};
static const struct hl_http_route xrows[] = {
	{ HL_HTTP_GET, "/x/", h_none, HL_HTTP_AUTH, 0, NULL, HL_HTTP_ANYONE },
	{ HL_HTTP_POST, "/x/in/", h_other, HL_HTTP_AUTH | HL_HTTP_BODY, 0, NULL, HL_HTTP_ANYONE },
};

static struct hl_http_table st;
static struct hl_http_plan pl;

static void
plan(unsigned method, const char *path, const char *query, const char *ct, const char *accept,
    size_t body_len)
{
	struct hl_http_in in = { method, path, query, ct, accept, body_len };

	hl_http_plan(&st, &in, &pl);
	assert_null(memchr(pl.msg, '\n', sizeof(pl.msg)));
}

static int
small_setup(void **state)
{
	static int a, b;

	(void)state;
	memset(&st, 0, sizeof(st));
	if (hl_http_table_add(&st, small, sizeof(small) / sizeof(small[0]), NULL, &a) != HL_OK ||
	    hl_http_table_add(&st, xrows, 2, &xstyle, &b) != HL_OK)
		return -1;
	return 0;
}

static void
test_plan(void **state)
{
	(void)state;
	/* served */
	plan(HL_HTTP_GET, "/s", NULL, NULL, NULL, 0);
	assert_int_equal(pl.code, 0);
	assert_ptr_equal(pl.row->r, &small[0]);
	assert_true(pl.auth);
	plan(HL_HTTP_POST, "/s", "", "application/json; charset=utf-8", NULL, 5);
	assert_int_equal(pl.code, 0);
	assert_ptr_equal(pl.row->r, &small[1]);
	plan(HL_HTTP_GET, "/item/42", NULL, NULL, NULL, 0);
	assert_int_equal(pl.code, 0);
	assert_int_equal(pl.nparams, 1);
	assert_string_equal(pl.param[0], "42");
	/* no such path: only an operator learns it (after authentication) */
	plan(HL_HTTP_GET, "/nope", NULL, NULL, NULL, 0);
	assert_int_equal(pl.code, 404);
	assert_string_equal(pl.ecode, "not_found");
	assert_true(pl.auth);
	assert_null(pl.style);
	plan(HL_HTTP_GET, NULL, NULL, NULL, NULL, 0);
	assert_int_equal(pl.code, 404);
	/* a method no row of the path has: 405 naming those it has */
	plan(HL_HTTP_OTHER, "/s", NULL, NULL, NULL, 0);
	assert_int_equal(pl.code, 405);
	assert_string_equal(pl.allow, "GET, POST");
	assert_string_equal(pl.msg, "use GET, POST here");
	assert_true(pl.auth);
	plan(HL_HTTP_GET, "/open", NULL, NULL, NULL, 0);
	assert_int_equal(pl.code, 405);
	assert_string_equal(pl.allow, "POST");
	assert_false(pl.auth);   /* no row of /open needs an operator */
	plan(HL_HTTP_POST, "/page/a", NULL, NULL, NULL, 0);
	assert_string_equal(pl.allow, "GET, HEAD");
	plan(HL_HTTP_HEAD, "/page/a", NULL, NULL, NULL, 0);
	assert_int_equal(pl.code, 0);
	/* a query where the row takes none, and where it does */
	plan(HL_HTTP_GET, "/s", "limit=5", NULL, NULL, 0);
	assert_int_equal(pl.code, 400);
	assert_string_equal(pl.msg, "this endpoint takes no query parameters");
	assert_true(pl.auth);
	plan(HL_HTTP_GET, "/q", "limit=5", NULL, NULL, 0);
	assert_int_equal(pl.code, 0);
	/* a body where the row takes none */
	plan(HL_HTTP_GET, "/s", NULL, NULL, NULL, 1);
	assert_int_equal(pl.code, 400);
	assert_string_equal(pl.msg, "GET takes no body");
	/* the row's limit, then its media type (415 also for a body without one) */
	plan(HL_HTTP_POST, "/s", NULL, "application/json", NULL, 11);
	assert_int_equal(pl.code, 413);
	assert_string_equal(pl.ecode, "payload_too_large");
	plan(HL_HTTP_POST, "/s", NULL, "text/plain", NULL, 2);
	assert_int_equal(pl.code, 415);
	assert_string_equal(pl.msg, "the body must be application/json");
	plan(HL_HTTP_POST, "/s", NULL, NULL, NULL, 2);
	assert_int_equal(pl.code, 415);
	plan(HL_HTTP_POST, "/s", NULL, NULL, NULL, 0);
	assert_int_equal(pl.code, 0);   /* no body and no type: fine */
	/* a row with a media type of its own (an upload): that type only */
	plan(HL_HTTP_POST, "/up", "to=KOR", "application/octet-stream", NULL, 50);
	assert_int_equal(pl.code, 0);
	plan(HL_HTTP_POST, "/up", "to=KOR", "application/json", NULL, 50);
	assert_int_equal(pl.code, 415);
	assert_string_equal(pl.msg, "the body must be application/octet-stream");
	plan(HL_HTTP_POST, "/up", "to=KOR", "application/octet-stream", NULL, 101);
	assert_int_equal(pl.code, 413);
	/* a registrant with its own media type: Accept first, before anyone
	 * authenticates, then its type for bodies; its refusals in its style */
	plan(HL_HTTP_GET, "/x", NULL, NULL, "application/json", 0);
	assert_int_equal(pl.code, 406);
	assert_true(pl.before_auth);
	assert_ptr_equal(pl.style, &xstyle);
	plan(HL_HTTP_GET, "/x/", NULL, NULL, "application/*", 0);
	assert_int_equal(pl.code, 0);
	plan(HL_HTTP_POST, "/x/in/", NULL, "application/x+json;version=2", NULL, 2);
	assert_int_equal(pl.code, 0);
	plan(HL_HTTP_POST, "/x/in", NULL, "application/x+json;version=1", NULL, 2);
	assert_int_equal(pl.code, 415);
	assert_ptr_equal(pl.style, &xstyle);
	plan(HL_HTTP_POST, "/x/", NULL, NULL, NULL, 0);
	assert_int_equal(pl.code, 405);
	assert_ptr_equal(pl.style, &xstyle);
}

static void
test_media(void **state)
{
	static const char taxii[] = "application/taxii+json;version=2.1";
	char big[HL_HTTP_ACCEPT_MAX + 16];

	(void)state;
	assert_true(hl_http_media_is("application/json", 16, "application/json"));
	assert_true(hl_http_media_is("Application/JSON ; charset=utf-8", 32, "application/json"));
	assert_false(hl_http_media_is("application/jsonx", 17, "application/json"));
	assert_false(hl_http_media_is("text/plain", 10, "application/json"));
	assert_false(hl_http_media_is(NULL, 0, "application/json"));
	assert_false(hl_http_media_is("", 0, "application/json"));
	assert_true(hl_http_media_is(taxii, strlen(taxii), taxii));
	assert_true(hl_http_media_is("application/taxii+json", 22, taxii));
	assert_true(hl_http_media_is("application/taxii+json; Version = 2.1 ", 38, taxii));
	assert_false(hl_http_media_is("application/taxii+json;version=2.0", 34, taxii));
	assert_false(hl_http_media_is("application/taxii+json;version=2.10", 35, taxii));
	assert_false(hl_http_media_is("application/json;version=2.1", 28, taxii));
	/* Accept */
	assert_true(hl_http_accepts(NULL, taxii));
	assert_true(hl_http_accepts("", taxii));
	assert_true(hl_http_accepts("*/*", taxii));
	assert_true(hl_http_accepts("text/html, application/*;q=0.8", taxii));
	assert_true(hl_http_accepts("application/taxii+json", taxii));
	assert_true(hl_http_accepts("text/html,application/taxii+json;version=2.1;q=0.9", taxii));
	assert_false(hl_http_accepts("application/json", taxii));
	assert_false(hl_http_accepts("application/taxii+json;version=2.0", taxii));
	assert_false(hl_http_accepts("text/*", taxii));
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "*/*", 3);
	assert_false(hl_http_accepts(big, taxii));   /* longer than is read */
}

/* ---- the daemon's table: every service's rows ---- */

static int
all_setup(void **state)
{
	(void)state;
	memset(&st, 0, sizeof(st));
	if (hl_api_register(NULL, &st) != HL_OK || hl_console_register(NULL, &st) != HL_OK ||
	    hl_taxii_register(NULL, &st) != HL_OK || hl_taxiipoll_register(NULL, &st) != HL_OK)
		return -1;
	return 0;
}

/* A path a pattern stands for: {x} -> "x1", * -> "rest". */
static void
sample_path(const char *pattern, char *out, size_t cap)
{
	size_t o = 0;
	const char *p;

	for (p = pattern; *p != '\0' && o + 8 < cap; p++) {
		if (*p == '{') {
			memcpy(out + o, "x1", 2);
			o += 2;
			p = strchr(p, '}');
		} else if (*p == '*') {
			memcpy(out + o, "rest", 4);
			o += 4;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
}

static unsigned
first_method(unsigned m)
{
	return m & HL_HTTP_GET ? HL_HTTP_GET : m & HL_HTTP_POST ? HL_HTTP_POST : HL_HTTP_HEAD;
}

/* Each row serves the path it stands for (no row before it shadows it),
 * and only the console's pages and login need no operator. */
static void
test_all_rows(void **state)
{
	static const char *const open_rows[] = { "/", "/console", "/console/login", "/console/*" };
	char path[512];
	unsigned i, k, nopen = 0;

	(void)state;
	assert_true(st.n >= 30);
	for (i = 0; i < st.n; i++) {
		const struct hl_http_route *r = st.row[i].r;

		sample_path(r->pattern, path, sizeof(path));
		plan(first_method(r->methods), path, NULL, NULL, NULL, 0);
		if (pl.code != 0 || pl.row != &st.row[i])
			fail_msg("%s (%s): code %d, row %s", r->pattern, path, pl.code,
			    pl.row != NULL ? pl.row->r->pattern : "-");
		if (!(r->flags & HL_HTTP_AUTH)) {
			for (k = 0; k < sizeof(open_rows) / sizeof(open_rows[0]); k++)
				if (strcmp(r->pattern, open_rows[k]) == 0)
					break;
			if (k == sizeof(open_rows) / sizeof(open_rows[0]))
				fail_msg("%s needs no operator", r->pattern);
			nopen++;
		}
	}
	assert_int_equal(nopen, 4);
}

static const char *
pattern_of(void)
{
	return pl.row != NULL ? pl.row->r->pattern : "";
}

/* The answers the scenarios and the CLI rely on. */
static void
test_all_answers(void **state)
{
	uint8_t id[HL_ID_BYTES];

	(void)state;
	/* the operator API (what hl_apijson_route decided before the table) */
	plan(HL_HTTP_POST, "/api/v1/envelopes", NULL, "application/json", NULL, 10);
	assert_string_equal(pattern_of(), "/api/v1/envelopes");
	plan(HL_HTTP_GET, "/api/v1/envelopes/00112233445566778899AABBCCDDEEFF/delivery", NULL,
	    NULL, NULL, 0);
	assert_string_equal(pattern_of(), "/api/v1/envelopes/{id}/delivery");
	assert_int_equal(hl_hex_parse_id(pl.param[0], id), HL_OK);
	assert_int_equal(id[10], 0xaa);
	plan(HL_HTTP_GET, "/api/v1/envelopes/0011", NULL, NULL, NULL, 0);
	assert_string_equal(pattern_of(), "/api/v1/envelopes/{id}");
	assert_int_equal(hl_hex_parse_id(pl.param[0], id), HL_ERR_MALFORMED);   /* 404 */
	plan(HL_HTTP_GET, "/api/v1/envelopes/00112233445566778899aabbccddeeff/ackx", NULL, NULL,
	    NULL, 0);
	assert_int_equal(pl.code, 404);
	plan(HL_HTTP_GET, "/api/v1/envelopes/00112233445566778899aabbccddeeff/ack", NULL, NULL,
	    NULL, 0);
	assert_int_equal(pl.code, 405);
	assert_string_equal(pl.allow, "POST");
	plan(HL_HTTP_OTHER, "/api/v1/status", NULL, NULL, NULL, 0);      /* DELETE */
	assert_int_equal(pl.code, 405);
	assert_string_equal(pl.allow, "GET");
	assert_true(pl.auth);
	plan(HL_HTTP_GET, "/api/v1/inbox/", NULL, NULL, NULL, 0);
	assert_int_equal(pl.code, 404);
	plan(HL_HTTP_GET, "/api/v1/inbox", "limit=1&exercise=only", NULL, NULL, 0);
	assert_int_equal(pl.code, 0);
	plan(HL_HTTP_GET, "/api/v1/status", "x=1", NULL, NULL, 0);
	assert_int_equal(pl.code, 400);
	plan(HL_HTTP_GET, "/api/v1/audit", "limit=50", NULL, NULL, 0);
	assert_string_equal(pattern_of(), "/api/v1/audit");
	plan(HL_HTTP_GET, "/api/v1/audit/verify", NULL, NULL, NULL, 0);
	assert_string_equal(pattern_of(), "/api/v1/audit/verify");
	plan(HL_HTTP_POST, "/api/v1/envelopes", NULL, "text/plain", NULL, 10);
	assert_int_equal(pl.code, 415);
	/* the batch: its own row (not {id}'s), with its own body limit */
	plan(HL_HTTP_POST, "/api/v1/envelopes/batch", NULL, "application/json", NULL,
	    HL_API_BATCH_BODY_MAX_BYTES);
	assert_string_equal(pattern_of(), "/api/v1/envelopes/batch");
	assert_int_equal(pl.code, 0);
	assert_true(pl.auth);
	plan(HL_HTTP_POST, "/api/v1/envelopes/batch", NULL, "application/json", NULL,
	    HL_API_BATCH_BODY_MAX_BYTES + 1);
	assert_int_equal(pl.code, 413);
	plan(HL_HTTP_GET, "/api/v1/envelopes/batch", NULL, NULL, NULL, 0);
	assert_int_equal(pl.code, 405);
	assert_string_equal(pl.allow, "POST");
	/* the console */
	plan(HL_HTTP_GET, "/console/login", NULL, NULL, NULL, 0);
	assert_int_equal(pl.code, 405);
	assert_false(pl.auth);
	plan(HL_HTTP_GET, "/console/", NULL, NULL, NULL, 0);
	assert_string_equal(pattern_of(), "/console/*");
	assert_string_equal(pl.param[0], "");
	plan(HL_HTTP_POST, "/console/logout", NULL, "application/json", NULL, 2);
	assert_true(pl.auth);
	assert_int_equal(pl.code, 0);
	plan(HL_HTTP_POST, "/api/v1/operators/watch2/disable", NULL, NULL, NULL, 0);
	assert_string_equal(pattern_of(), "/api/v1/operators/{name}/{action}");
	assert_string_equal(pl.param[1], "disable");
	plan(HL_HTTP_POST, "/api/v1/label/check", NULL, "application/json", NULL,
	    HL_CONSOLE_BODY_MAX + 1);
	assert_int_equal(pl.code, 413);
	/* TAXII: its media type, its errors, everything under /taxii2/ its own */
	plan(HL_HTTP_GET, "/taxii2/", NULL, NULL, "application/json", 0);
	assert_int_equal(pl.code, 406);
	assert_true(pl.before_auth);
	assert_non_null(pl.style);
	plan(HL_HTTP_GET, "/taxii2/hotline/collections", NULL, NULL, NULL, 0);
	assert_string_equal(pattern_of(), "/taxii2/hotline/collections/");
	plan(HL_HTTP_POST, "/taxii2/hotline/collections/", NULL, NULL, NULL, 0);
	assert_int_equal(pl.code, 405);
	assert_string_equal(pl.allow, "GET");
	assert_non_null(pl.style);
	plan(HL_HTTP_POST, "/taxii2/hotline/collections/intel/objects/", NULL,
	    "application/json", NULL, 14);
	assert_int_equal(pl.code, 415);
	assert_non_null(pl.style);
	plan(HL_HTTP_POST, "/taxii2/hotline/collections/intel/objects/", NULL,
	    "application/taxii+json;version=2.1", NULL, 14);
	assert_string_equal(pattern_of(), "/taxii2/hotline/collections/{cid}/objects/");
	plan(HL_HTTP_GET, "/taxii2/hotline/collections/intel/objects/", "added_after=x", NULL,
	    NULL, 0);
	assert_int_equal(pl.code, 0);
	plan(HL_HTTP_GET, "/taxii2/hotline/collections/intel/objects/indicator--1/versions",
	    NULL, NULL, NULL, 0);
	assert_string_equal(pattern_of(), "/taxii2/hotline/collections/{cid}/objects/{oid}/versions/");
	assert_string_equal(pl.param[1], "indicator--1");
	plan(HL_HTTP_GET, "/taxii2/elsewhere/collections/", NULL, NULL, NULL, 0);
	assert_string_equal(pattern_of(), "/taxii2/*");
	plan(HL_HTTP_GET, "/taxii2/hotline/", NULL, NULL, NULL, 1);
	assert_int_equal(pl.code, 400);   /* GET takes no body */
	assert_non_null(pl.style);
	/* the STIX endpoints and the poll bridge's */
	plan(HL_HTTP_POST, "/api/v1/stix/sightings", NULL, "application/json", NULL,
	    64 * 1024 + 1);
	assert_int_equal(pl.code, 413);
	plan(HL_HTTP_GET, "/api/v1/taxii/sources/med/pull", NULL, NULL, NULL, 0);
	assert_int_equal(pl.code, 405);
	assert_string_equal(pl.allow, "POST");
	plan(HL_HTTP_POST, "/api/v1/taxii/sources/med/pull", NULL, NULL, NULL, 0);
	assert_string_equal(pl.param[0], "med");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_table_add),
		cmocka_unit_test(test_media),
		cmocka_unit_test_setup(test_plan, small_setup),
		cmocka_unit_test_setup(test_all_rows, all_setup),
		cmocka_unit_test_setup(test_all_answers, all_setup),
	};

	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
