/* replay_main.c: runs a libFuzzer target over files and directories given on
 * the command line, without libFuzzer, so that `make test` replays every seed
 * and every saved crasher with the normal (or sanitizer) build. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_FILE (80u * 1024 * 1024)

static unsigned long replayed;

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *buf;
	size_t n;

	if (f == NULL || fstat(fileno(f), &st) != 0 || (size_t)st.st_size > REPLAY_MAX_FILE) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		if (f != NULL)
			fclose(f);
		return 1;
	}
	if ((buf = hl_malloc((size_t)st.st_size + 1)) == NULL) {
		fclose(f);
		return 1;
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	hl_free(buf);
	replayed++;
	return 0;
}

static int
run_path(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char sub[4096];
	int bad = 0;

	if (stat(path, &st) != 0)
		return 0;  /* an absent regression directory is fine */
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	if ((d = opendir(path)) == NULL)
		return 1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		bad |= run_path(sub);
	}
	closedir(d);
	return bad;
}

int
main(int argc, char **argv)
{
	int i, bad = 0;

	for (i = 1; i < argc; i++)
		bad |= run_path(argv[i]);
	printf("%s: replayed %lu inputs without a crash\n", argv[0], replayed);
	return bad;
}
