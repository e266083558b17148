/* fuzz_backup.c: reading a backup file (backup.h) under a fixed key: any
 * input is read to its end or refused, without a crash; entry names the
 * reader hands out are always ones restore may write. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
sink(void *arg, const uint8_t *buf, size_t n)
{
	(void)arg;
	(void)buf;
	(void)n;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t kek[HL_SEAL_KEK] = "fuzz backup key, 32 bytes long!";
	struct hl_backup_r *r = NULL;
	char name[HL_BACKUP_NAME_MAX + 1];
	uint64_t sz;
	FILE *f;
	int rc, n = 0;

	if (size == 0 || (f = fmemopen((void *)(uintptr_t)data, size, "rb")) == NULL)
		return 0;
	if (hl_backup_r_open(f, kek, &r) == HL_OK) {
		while ((rc = hl_backup_r_next(r, name, &sz)) == HL_OK && n++ < 1000) {
			if (!hl_backup_name_ok(name, strlen(name)))
				abort();
			if (hl_backup_r_data(r, sink, NULL) != HL_OK)
				break;
		}
	}
	hl_backup_r_free(r);
	fclose(f);
	return 0;
}
