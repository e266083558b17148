/* acvp.h: what the ACVP runners of test_mlkem.c and test_mldsa.c share:
 * hex fields of NIST's JSON test files, and where the full sets live
 * ($HOTLINE_SHARED_DATA/<name>, else the test is SKIPPED, saying why).
 * Static functions for the test programs (cmocka and jansson included
 * first). */
#ifndef HL_TEST_ACVP_H
#define HL_TEST_ACVP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "buf.h"

/* Hex field key from the test object, else from its group. Caller frees
 * with hl_free. NULL if missing or not hex. OUT: *len. */
static uint8_t *
acvp_hex(json_t *test, json_t *group, const char *key, size_t *len)
{
	json_t *v = json_object_get(test, key);
	const char *s;
	uint8_t *out;
	size_t n;

	*len = 0;
	if (v == NULL)
		v = json_object_get(group, key);
	if (!json_is_string(v))
		return NULL;
	s = json_string_value(v);
	n = strlen(s);
	if (n % 2 != 0 || (out = hl_malloc(n / 2 + 1)) == NULL)
		return NULL;
	if (hl_hex_decode(s, n, out, n / 2, 0) != HL_OK) {
		hl_free(out);
		return NULL;
	}
	*len = n / 2;
	return out;
}

/* dir = $HOTLINE_SHARED_DATA/name; skips the calling test (cmocka's skip)
 * with "acvp: SKIPPED (why)" when it is not set or not a directory. */
static void
acvp_shared_dir(const char *name, char *dir, size_t dirlen)
{
	const char *base = getenv("HOTLINE_SHARED_DATA");
	struct stat st;

	if (base == NULL || base[0] == '\0') {
		print_message("acvp: SKIPPED (HOTLINE_SHARED_DATA not set)\n");
		skip();
	}
	if (getenv("HOTLINE_SANITIZER_RUN") != NULL) {
		print_message("acvp: SKIPPED under %s (the plain run checks every vector; the "
		    "committed subset runs here)\n", getenv("HOTLINE_SANITIZER_RUN"));
		skip();
	}
	assert_true(snprintf(dir, dirlen, "%s/%s", base, name) < (int)dirlen);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		print_message("acvp: SKIPPED (%s absent)\n", dir);
		skip();
	}
}

/* path = $HOTLINE_ROOT (else .)/tests/vectors/<name>/<file> */
static void
acvp_committed_path(const char *name, const char *file, char *path,
    size_t pathlen)
{
	const char *root = getenv("HOTLINE_ROOT");

	if (root == NULL || root[0] == '\0')
		root = ".";
	assert_true(snprintf(path, pathlen, "%s/tests/vectors/%s/%s", root, name,
	    file) < (int)pathlen);
}

#endif
