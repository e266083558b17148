/* teststore.h: closing and removing a unit test's temporary node database
 * (the file, its WAL and shared-memory files, its empty envelope
 * directory) and the directory it was made in. */
#ifndef HL_TEST_TESTSTORE_H
#define HL_TEST_TESTSTORE_H

#include <stdio.h>
#include <unistd.h>

#include "stixdb.h"
#include "store.h"

/* Closes d (may be NULL) and s first. */
static inline void
test_store_remove(struct hl_stixdb *d, struct hl_store *s, const char *dir, const char *path)
{
	char p[1024];

	hl_stixdb_close(d);
	hl_store_close(s);
	(void)unlink(path);
	(void)snprintf(p, sizeof(p), "%s-wal", path);
	(void)unlink(p);
	(void)snprintf(p, sizeof(p), "%s-shm", path);
	(void)unlink(p);
	(void)snprintf(p, sizeof(p), "%s.blobs", path);
	(void)rmdir(p);   /* the envelope files' directory, empty here */
	(void)rmdir(dir);
}

#endif
