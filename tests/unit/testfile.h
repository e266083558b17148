/* testfile.h: reading the inputs of unit tests: a whole file, and a
 * committed fixture under $HOTLINE_ROOT/tests/fixtures (the current
 * directory when HOTLINE_ROOT is not set). Include after <cmocka.h>. */
#ifndef HL_TEST_TESTFILE_H
#define HL_TEST_TESTFILE_H

#include <stdio.h>
#include <stdlib.h>

/* The file's bytes and a NUL after them, or NULL. OUT: *len. Caller frees
 * with free(). */
static inline char *
test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	*len = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	p = malloc((size_t)n + 1);
	if (p != NULL && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	if (p != NULL) {
		p[n] = '\0';
		*len = (size_t)n;
	}
	return p;
}

/* tests/fixtures/DIR/NAME; the test fails when it cannot be read. */
static inline char *
test_fixture(const char *dir, const char *name, size_t *len)
{
	const char *root = getenv("HOTLINE_ROOT");
	char path[1024];
	char *p;

	snprintf(path, sizeof(path), "%s/tests/fixtures/%s/%s", root != NULL ? root : ".", dir,
	    name);
	if ((p = test_slurp(path, len)) == NULL)
		fail_msg("cannot read fixture %s", path);
	return p;
}

#endif
