/* misp_convert.c: convert MISP event files to STIX 2.1 bundles with the
 * library's converter, for the schema check and for timing.
 *
 *   misp_convert [-s] [-o OUTDIR] [-n N] EVENT.json...
 *       converts each event; with -o, writes OUTDIR/<file name> (the
 *       bundle, indented); without, prints the bundle of the last event on
 *       stdout. -n N converts each event N times and prints on stderr the
 *       mean time per conversion: "<file> <bytes> B: <N> runs, <us> us/run,
 *       <objects> objects". -s prints each conversion's summary (JSON, one
 *       line) on stderr.
 * Exit 1 when an event is refused (its one-line reason on stderr). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "apijson.h"
#include "misp.h"

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto out;
	if ((p = malloc((size_t)n + 1)) == NULL)
		goto out;
	if (fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
		goto out;
	}
	p[n] = '\0';
	*len = (size_t)n;
out:
	fclose(f);
	return p;
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int
main(int argc, char **argv)
{
	static struct hl_misp_summary sum;
	const char *outdir = NULL, *base;
	char err[256], path[4096];
	json_t *b = NULL;
	size_t len = 0;
	long runs = 1, k;
	double t0, t1;
	char *p;
	json_t *sj;
	int i = 1, rc = 0, summary = 0;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-s") == 0) {
			summary = 1;
		} else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
			outdir = argv[++i];
		} else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			runs = strtol(argv[++i], NULL, 10);
			if (runs < 1 || runs > 1000000) {
				fprintf(stderr, "misp_convert: -n: 1..1000000\n");
				return 2;
			}
		} else {
			fprintf(stderr, "usage: misp_convert [-s] [-o OUTDIR] [-n N] EVENT.json...\n");
			return 2;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "usage: misp_convert [-s] [-o OUTDIR] [-n N] EVENT.json...\n");
		return 2;
	}
	hl_apijson_init();
	for (; i < argc; i++) {
		if ((p = slurp(argv[i], &len)) == NULL) {
			fprintf(stderr, "misp_convert: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		t0 = now_us();
		for (k = 0; k < runs; k++) {
			json_decref(b);
			b = NULL;
			if (hl_misp_convert((const uint8_t *)p, len, &b, &sum, err, sizeof(err)) != 0) {
				fprintf(stderr, "misp_convert: %s: %s\n", argv[i], err);
				rc = 1;
				break;
			}
		}
		t1 = now_us();
		free(p);
		if (b == NULL)
			continue;
		if (summary && (sj = hl_misp_summary_json(&sum)) != NULL) {
			fputs(argv[i], stderr);
			fputc(' ', stderr);
			json_dumpf(sj, stderr, JSON_COMPACT);
			fputc('\n', stderr);
			json_decref(sj);
		}
		if (runs > 1)
			fprintf(stderr, "%s %zu B: %ld runs, %.1f us/run, %u objects\n", argv[i], len,
			    runs, (t1 - t0) / (double)runs, sum.objects);
		if (outdir != NULL) {
			base = strrchr(argv[i], '/');
			base = base != NULL ? base + 1 : argv[i];
			snprintf(path, sizeof(path), "%s/%s", outdir, base);
			if (json_dump_file(b, path, JSON_INDENT(1)) != 0) {
				fprintf(stderr, "misp_convert: cannot write %s\n", path);
				rc = 1;
			}
		}
	}
	if (outdir == NULL && b != NULL && rc == 0) {
		if (json_dumpf(b, stdout, JSON_INDENT(1)) != 0)
			rc = 1;
		fputc('\n', stdout);
	}
	json_decref(b);
	return rc;
}
