/* test_roles.c: the role table of docs/API.md ("Roles: who may call what")
 * and the route tables the services register are the same, row by row:
 * every authenticated route is in the document with the roles its module
 * gives it, and every row of the document is a route (issue 17). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api.h"
#include "auth.h"
#include "console.h"
#include "detect.h"
#include "http.h"
#include "taxii.h"
#include "taxiipoll.h"

#define DOC_ROWS_MAX 128

struct doc_row {
	char method[8];
	char path[160];
	unsigned roles;
	int seen;
};

/* "| GET | `/api/v1/inbox` | yes | no | yes |" */
static int
parse_row(const char *line, struct doc_row *r)
{
	char o[8], a[8], d[8];

	memset(r, 0, sizeof(*r));
	if (sscanf(line, "| %7s | `%159[^`]` | %7s | %7s | %7s |", r->method, r->path, o, a, d) != 5)
		return 0;
	if (strcmp(o, "yes") == 0)
		r->roles |= HL_HTTP_OFFICER;
	if (strcmp(a, "yes") == 0)
		r->roles |= HL_HTTP_ANALYST;
	if (strcmp(d, "yes") == 0)
		r->roles |= HL_HTTP_ADMIN;
	return 1;
}

static size_t
read_doc(struct doc_row *rows)
{
	const char *root = getenv("HOTLINE_ROOT");
	char path[1024], line[512];
	FILE *f;
	size_t n = 0;
	int in = 0;

	snprintf(path, sizeof(path), "%s/docs/API.md", root != NULL ? root : ".");
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "## ", 3) == 0)
			in = strncmp(line, "## Roles", 8) == 0;
		if (in && n < DOC_ROWS_MAX && parse_row(line, &rows[n]))
			n++;
	}
	fclose(f);
	return n;
}

static void
test_table_matches_code(void **state)
{
	static struct hl_http_table t;
	static struct doc_row doc[DOC_ROWS_MAX];
	/* registrants are only names here: the table never calls them */
	static char s1, s2, s3, s4, s5, s6;
	size_t nd, i, j, nauth = 0;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(hl_api_register((struct hl_api *)(void *)&s1, &t), HL_OK);
	assert_int_equal(hl_console_register((struct hl_console *)(void *)&s2, &t), HL_OK);
	assert_int_equal(hl_taxii_register((struct hl_taxii *)(void *)&s3, &t), HL_OK);
	assert_int_equal(hl_taxiipoll_register((struct hl_taxiipoll *)(void *)&s4, &t), HL_OK);
	assert_int_equal(hl_auth_register((struct hl_auth *)(void *)&s5, &t), HL_OK);
	assert_int_equal(hl_detect_register((struct hl_detect *)(void *)&s6, &t), HL_OK);
	nd = read_doc(doc);
	assert_true(nd >= 30);
	for (i = 0; i < t.n; i++) {
		const struct hl_http_route *r = t.row[i].r;
		unsigned m;

		if (!(r->flags & HL_HTTP_AUTH))
			continue;
		nauth++;
		for (m = HL_HTTP_GET; m <= HL_HTTP_POST; m <<= 1) {
			const char *mn = m == HL_HTTP_GET ? "GET" : "POST";
			int found = 0;

			if (!(r->methods & m))
				continue;
			for (j = 0; j < nd; j++) {
				if (strcmp(doc[j].method, mn) != 0 || strcmp(doc[j].path, r->pattern) != 0)
					continue;
				found = 1;
				doc[j].seen++;
				if (doc[j].roles != (r->roles & HL_HTTP_ANYONE))
					fail_msg("%s %s: docs/API.md gives roles %#x, the code %#x", mn,
					    r->pattern, doc[j].roles, r->roles & HL_HTTP_ANYONE);
			}
			if (!found)
				fail_msg("%s %s is not in docs/API.md \"Roles\"", mn, r->pattern);
		}
	}
	for (j = 0; j < nd; j++)
		if (doc[j].seen != 1)
			fail_msg("docs/API.md \"Roles\": %s %s matches %d routes", doc[j].method,
			    doc[j].path, doc[j].seen);
	print_message("%zu authenticated routes, %zu rows in docs/API.md\n", nauth, nd);
}

static void
h_never(struct hl_http_req *x)
{
	(void)x;
	fail_msg("a handler ran");
}

/* An authenticated route without roles is refused when registered. */
static void
test_route_needs_roles(void **state)
{
	static struct hl_http_table t;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(hl_http_table_add(&t, (const struct hl_http_route[]){ { HL_HTTP_GET, "/r",
	    h_never, HL_HTTP_AUTH, 0, NULL, 0 } }, 1, NULL, &t),
	    HL_ERR_INVALID);
	assert_int_equal(t.n, 0);
	assert_string_equal(hl_role_name(HL_ROLE_ANALYST), "analyst");
	assert_string_equal(hl_role_name(9), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_matches_code),
		cmocka_unit_test(test_route_needs_roles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
