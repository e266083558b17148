/* cli_stix.c: "hotline stix push|search|sight|disarm", "hotline misp import",
 * "hotline taxii pull|sources" (docs/CLI.md). Pushing goes to the node's
 * own TAXII endpoint (/taxii2/hotline/) in batches; the rest uses the
 * operator API through hl_cli_api_call (cli_api.c). Errors: one line
 * "hotline: ..." on stderr, exit codes as the other commands. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "cli.h"
#include "clock.h"
#include "disarm.h"
#include "misp.h"
#include "stixid.h"
#include "taxiic.h"

#define PUSH_FILE_MAX (512u * 1024 * 1024)      /* a bundle to push */
#define PUSH_BATCH_DEFAULT 500                  /* objects per POST */
#define PUSH_BATCH_MAX 10000
#define PUSH_BATCH_BYTES (4u * 1024 * 1024)     /* serialised objects per POST */
#define PUSH_FAIL_SHOWN 50                      /* failures listed one by one */
#define STATUS_WAIT_MS 120000                   /* a pending status, at most */
#define PULL_WAIT_MS 600000                     /* a pull round, at most */
#define API_ROOT "/taxii2/hotline/"
#define OPTS_MAX 8
#define POS_MAX 4

const char hl_cli_stix_usage[] =
    "usage: hotline stix push FILE --collection C [--batch N] [--json]\n"
    "       hotline stix search VALUE [--json]\n"
    "       hotline stix sight ID [--count N] [--note TEXT] [--json]\n"
    "       hotline stix disarm FILE [--identity ID] [--created TIME]\n"
    "       hotline stix narratives [--json]\n"
    "\n"
    "push    post the objects of a STIX 2.1 bundle (FILE, or - for stdin) to the\n"
    "        node's TAXII collection C (its name or TAXII id) in batches of N\n"
    "        (default 500); a progress bar on a terminal, then the summary:\n"
    "        accepted, failed with each object's reason, elapsed time. Exit 1 if\n"
    "        any object failed.\n"
    "search  which objects, from which partners, name VALUE: an IP address or\n"
    "        CIDR, domain, URL, hash or e-mail address; an ATT&CK or DISARM\n"
    "        technique or tactic id (T0800, T0085.003, TA0001); a name or alias\n"
    "        of a group, malware, tool, campaign, threat actor or incident (any\n"
    "        case, whole or its start); or a STIX id. Says what VALUE was taken\n"
    "        for, and each object's sightings (how many, by whom, when)\n"
    "sight   record a STIX sighting of object ID; it flows back to the partner\n"
    "        who shared the object\n"
    "disarm  convert a DISARM incident page (Markdown, FILE or - for stdin) to a\n"
    "        STIX 2.1 bundle on stdout: the incident, an attack-pattern per\n"
    "        technique, a 'uses' relationship per technique row, a report.\n"
    "        --identity: created_by_ref (identity--UUID); --created: created,\n"
    "        modified and published (RFC 3339 UTC, default now). Offline: no\n"
    "        node needed; push the bundle with stix push\n"
    "narratives  the reports, incidents and campaigns of two partners that\n"
    "        tell the same narrative (linked by this node when stored, at least\n"
    "        narrative_threshold alike): each pair with both names, partners,\n"
    "        labels and the similarity; only what you may see\n";

const char hl_cli_misp_usage[] =
    "usage: hotline misp import FILE --collection C [--batch N] [--dry-run]\n"
    "                          [--output BUNDLE] [--json]\n"
    "\n"
    "Convert a MISP event (JSON export) to STIX 2.1, print what was converted\n"
    "and what was skipped and why, then push the objects to collection C as\n"
    "\"stix push\" does. --dry-run converts only; --output writes the bundle.\n"
    "Ids are derived from the MISP uuids: importing an event again is idempotent.\n";

const char hl_cli_taxii_usage[] =
    "usage: hotline taxii pull SOURCE [--from-start] [--json]\n"
    "       hotline taxii sources [--json]\n"
    "\n"
    "pull     run one round of the configured [taxii_source SOURCE] now and\n"
    "         wait for it: objects fetched, added to the local collection,\n"
    "         refused, and the added_after position kept for the next round\n"
    "         --from-start: forget the kept position first and ask for\n"
    "         everything (what is stored already is not stored twice)\n"
    "sources  the configured sources and their last round\n";

static int
parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && *out >= min && *out <= max ? 0 : -1;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- pushing objects to the node's TAXII collection ---- */

struct push_result {
	size_t total, sent, accepted, failed;
	json_t *failures;            /* [{"id","message"}] */
	uint64_t elapsed_ms;
};

static void
progress(const struct push_result *pr, uint64_t start, int done)
{
	char bar[41];
	double secs = (double)(now_ms() - start) / 1000.0, rate;
	size_t fill = pr->total > 0 ? pr->sent * 40 / pr->total : 40, i;

	for (i = 0; i < 40; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[40] = '\0';
	rate = secs > 0.001 ? (double)pr->sent / secs : 0.0;
	fprintf(stderr, "\r[%s] %zu/%zu objects  %.0f/s ", bar, pr->sent, pr->total, rate);
	if (done)
		fputc('\n', stderr);
	fflush(stderr);
}

/* The collection's path: a TAXII id is used as it is, a name is mapped
 * to its id (the same derivation the server uses). */
static void
objects_path(const char *coll, char *out, size_t cap)
{
	char id[37];
	size_t i, n = strlen(coll);
	int is_id = n == 36;

	for (i = 0; is_id && i < n; i++)
		if (!(coll[i] == '-' || (coll[i] >= '0' && coll[i] <= '9') ||
		    (coll[i] >= 'a' && coll[i] <= 'f')))
			is_id = 0;
	if (is_id)
		snprintf(id, sizeof(id), "%s", coll);
	else
		hl_stixid_collection(coll, id);
	snprintf(out, cap, API_ROOT "collections/%s/objects/", id);
}

static int
taxii_rc(int r)
{
	if (r == HL_ERR_AUTH)
		return EX_AUTH;
	if (r == HL_ERR_IO || r == HL_ERR_CRYPTO || r == HL_ERR_MALFORMED || r == HL_ERR_TOO_BIG)
		return EX_UNREACHABLE;
	return EX_FAIL;
}

static int
add_status(struct push_result *pr, const struct hl_taxii_status *st)
{
	unsigned i;
	json_t *f;

	pr->accepted += (size_t)st->success;
	pr->failed += (size_t)st->failure;
	for (i = 0; i < st->nfail; i++) {
		if ((f = json_pack("{s:s,s:s}", "id", st->fail[i].id, "message",
		    st->fail[i].message)) == NULL || json_array_append_new(pr->failures, f) != 0)
			return -1;
	}
	return 0;
}

/* Post objects (an array) in batches. */
static int
push_objects(struct hl_cli *c, const char *coll, json_t *objects, size_t batch,
    struct push_result *pr)
{
	struct hl_taxii_status st;
	json_t *b = NULL, *o;
	char path[256], err[512];
	size_t i = 0, bytes;
	uint64_t start = now_ms(), t0;
	int tty = isatty(STDERR_FILENO), rc, r;

	memset(&st, 0, sizeof(st));
	if ((rc = hl_cli_setup(c)) != EX_OK)
		return rc;
	objects_path(coll, path, sizeof(path));
	pr->total = json_array_size(objects);
	if (tty)
		progress(pr, start, 0);
	while (i < pr->total) {
		if ((b = json_array()) == NULL) {
			rc = hl_cli_fail(EX_FAIL, "out of memory");
			goto out;
		}
		bytes = 0;
		while (i < pr->total && json_array_size(b) < batch) {
			char *d;

			o = json_array_get(objects, i);
			if ((d = json_dumps(o, JSON_COMPACT)) == NULL) {
				rc = hl_cli_fail(EX_FAIL, "out of memory");
				goto out;
			}
			bytes += strlen(d);
			hl_free(d);
			if (json_array_size(b) > 0 && bytes > PUSH_BATCH_BYTES)
				break;
			if (json_array_append(b, o) != 0) {
				rc = hl_cli_fail(EX_FAIL, "out of memory");
				goto out;
			}
			i++;
		}
		r = hl_taxiic_post_objects(&c->hc, path, b, &st, err, sizeof(err));
		if (r != HL_OK) {
			if (tty)
				fputc('\n', stderr);
			rc = hl_cli_fail(taxii_rc(r), "stix push: %s", err);
			goto out;
		}
		/* a pending status: ask again until it completes */
		t0 = now_ms();
		while (!st.complete && now_ms() - t0 < STATUS_WAIT_MS) {
			char sid[HL_TAXIIC_ID_MAX + 1];

			snprintf(sid, sizeof(sid), "%s", st.id);
			hl_taxiic_status_clear(&st);
			sleep_ms(200);
			if ((r = hl_taxiic_get_status(&c->hc, API_ROOT, sid, &st, err,
			    sizeof(err))) != HL_OK) {
				rc = hl_cli_fail(taxii_rc(r), "stix push: %s", err);
				goto out;
			}
		}
		if (!st.complete) {
			rc = hl_cli_fail(EX_FAIL, "stix push: status %s still pending after %u s", st.id,
			    STATUS_WAIT_MS / 1000);
			goto out;
		}
		if (add_status(pr, &st) != 0) {
			rc = hl_cli_fail(EX_FAIL, "out of memory");
			goto out;
		}
		hl_taxiic_status_clear(&st);
		pr->sent += json_array_size(b);
		json_decref(b);
		b = NULL;
		if (tty)
			progress(pr, start, 0);
	}
	if (tty)
		progress(pr, start, 1);
	rc = EX_OK;
out:
	pr->elapsed_ms = now_ms() - start;
	hl_taxiic_status_clear(&st);
	json_decref(b);
	return rc;
}

static void
print_push(const struct push_result *pr, FILE *f)
{
	json_t *x;
	size_t i;

	fprintf(f, "objects:  %zu\naccepted: %zu\nfailed:   %zu\nelapsed:  %.1f s\n", pr->total,
	    pr->accepted, pr->failed, (double)pr->elapsed_ms / 1000.0);
	json_array_foreach(pr->failures, i, x) {
		if (i >= PUSH_FAIL_SHOWN) {
			fprintf(f, "  ... and %zu more\n", json_array_size(pr->failures) - i);
			break;
		}
		fputs("  ", f);
		hl_cli_put_clean(f, json_string_value(json_object_get(x, "id")), 0, 0);
		fputs(": ", f);
		hl_cli_put_clean(f, json_string_value(json_object_get(x, "message")), 0, 0);
		fputc('\n', f);
	}
}

static json_t *
push_json(const struct push_result *pr)
{
	return json_pack("{s:I,s:I,s:I,s:f,s:O}", "objects", (json_int_t)pr->total,
	    "accepted", (json_int_t)pr->accepted, "failed", (json_int_t)pr->failed,
	    "elapsed_s", (double)pr->elapsed_ms / 1000.0, "failures", pr->failures);
}

/* The objects of a bundle (or of an envelope {"objects": [...]}). */
static int
load_objects(const char *file, json_t **root, json_t **objects)
{
	uint8_t *p = NULL;
	char err[512];
	size_t len = 0;
	json_error_t je;
	int rc;

	*root = NULL;
	*objects = NULL;
	if (hl_cli_read_file(file, PUSH_FILE_MAX, &p, &len, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_FAIL, "%s", err);
	if (!hl_apijson_depth_ok(p, len)) {
		rc = hl_cli_fail(EX_FAIL, "%s: JSON nested deeper than %d levels", file, HL_JSON_DEPTH_MAX);
		goto out;
	}
	if ((*root = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		rc = hl_cli_fail(EX_FAIL, "%s: not valid JSON (line %d): %s", file, je.line, je.text);
		goto out;
	}
	*objects = json_object_get(*root, "objects");
	if (!json_is_array(*objects)) {
		rc = hl_cli_fail(EX_FAIL, "%s: not a STIX bundle (no \"objects\" array)", file);
		json_decref(*root);
		*root = NULL;
		*objects = NULL;
		goto out;
	}
	rc = EX_OK;
out:
	hl_free_secret(p, len + 1);
	return rc;
}

static int
stix_push(struct hl_cli *c, int argc, char **argv)
{
	const char *coll = NULL, *batch_s = NULL;
	int json = 0, help, npos, rc;
	struct hl_cli_opt o[] = { { "collection", 1, &coll, NULL }, { "batch", 1, &batch_s, NULL },
		{ "json", 0, NULL, &json }, { NULL, 0, NULL, NULL } };
	struct push_result pr;
	char *pos[POS_MAX];
	unsigned long batch = PUSH_BATCH_DEFAULT;
	json_t *root = NULL, *objs, *j;

	memset(&pr, 0, sizeof(pr));
	if ((rc = hl_cli_opts("stix push", argc, argv, o, &help, pos, POS_MAX, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_stix_usage, stdout);
		return EX_OK;
	}
	if (npos != 1 || coll == NULL)
		return hl_cli_fail(EX_USAGE, "stix push: expected FILE --collection C (see hotline stix "
		    "--help)");
	if (batch_s != NULL && parse_uint(batch_s, 1, PUSH_BATCH_MAX, &batch) != 0)
		return hl_cli_fail(EX_USAGE, "stix push: --batch: expected 1..%d", PUSH_BATCH_MAX);
	if ((rc = load_objects(pos[0], &root, &objs)) != EX_OK)
		return rc;
	if ((pr.failures = json_array()) == NULL) {
		rc = hl_cli_fail(EX_FAIL, "out of memory");
		goto out;
	}
	if ((rc = push_objects(c, coll, objs, batch, &pr)) != EX_OK)
		goto out;
	if (json) {
		j = push_json(&pr);
		if (j == NULL) {
			rc = hl_cli_fail(EX_FAIL, "out of memory");
			goto out;
		}
		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
	} else {
		print_push(&pr, stdout);
	}
	rc = pr.failed > 0 ? EX_FAIL : EX_OK;
out:
	json_decref(pr.failures);
	json_decref(root);
	return rc;
}

/* percent-encode into out */
static int
qencode(const char *s, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (n + 4 >= cap)
			return -1;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			out[n++] = (char)ch;
		} else {
			out[n++] = '%';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		}
	}
	out[n] = '\0';
	return 0;
}

/* What the node took a search value for (the API's "kind"). */
static const char *
search_kind_text(const char *kind)
{
	static const struct {
		const char *kind, *text;
	} kinds[] = {
		{ "ipv4", "IPv4 address" }, { "ipv6", "IPv6 address" }, { "cidr", "CIDR" },
		{ "domain", "domain name (and names)" }, { "url", "URL" }, { "md5", "MD5 hash" },
		{ "sha1", "SHA-1 hash" }, { "sha256", "SHA-256 hash" },
		{ "sha512", "SHA-512 hash" }, { "email", "e-mail address" },
		{ "technique", "technique id" }, { "tactic", "tactic id" }, { "id", "STIX id" },
		{ "name", "name, alias or external id" },
	};
	size_t i;

	for (i = 0; kind != NULL && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i].kind) == 0)
			return kinds[i].text;
	return "value";
}

/* "    sightings: 2 (count 5) by KOR/node-1 x1 (3), ...; first seen T, last seen T" */
static void
print_sightings(const json_t *sg)
{
	const json_t *by, *e;
	size_t i;

	if (json_integer_value(json_object_get(sg, "sightings")) <= 0)
		return;
	printf("    sightings: %" JSON_INTEGER_FORMAT " (count %" JSON_INTEGER_FORMAT ") by ",
	    json_integer_value(json_object_get(sg, "sightings")),
	    json_integer_value(json_object_get(sg, "count")));
	by = json_object_get(sg, "by");
	json_array_foreach(by, i, e) {
		printf("%s", i > 0 ? ", " : "");
		hl_cli_put_clean(stdout, hl_cli_jstr(e, "node"), 0, 0);
		printf(" (%" JSON_INTEGER_FORMAT ")", json_integer_value(json_object_get(e, "count")));
	}
	if (json_is_true(json_object_get(sg, "more_by")))
		printf(", ...");
	printf("; first seen ");
	hl_cli_put_clean(stdout, hl_cli_jstr(sg, "first_seen"), 0, 0);
	printf(", last seen ");
	hl_cli_put_clean(stdout, hl_cli_jstr(sg, "last_seen"), 0, 0);
	fputc('\n', stdout);
}

static int
stix_search(struct hl_cli *c, int argc, char **argv)
{
	int json = 0, help, npos, rc;
	struct hl_cli_opt o[] = { { "json", 0, NULL, &json }, { NULL, 0, NULL, NULL } };
	char *pos[POS_MAX], enc[4096], path[4200];
	json_t *resp = NULL, *m, *x;
	const char *field;
	size_t i, nm;

	if ((rc = hl_cli_opts("stix search", argc, argv, o, &help, pos, POS_MAX, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_stix_usage, stdout);
		return EX_OK;
	}
	if (npos != 1 || pos[0][0] == '\0')
		return hl_cli_fail(EX_USAGE, "stix search: expected one VALUE (see hotline stix --help)");
	if (qencode(pos[0], enc, sizeof(enc)) != 0)
		return hl_cli_fail(EX_USAGE, "stix search: value too long");
	snprintf(path, sizeof(path), "/api/v1/stix/search?value=%s", enc);
	if ((rc = hl_cli_api_call(c, "stix search", "GET", path, NULL, &resp)) != EX_OK)
		return rc;
	if (json) {
		json_dumpf(resp, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		goto out;
	}
	m = json_object_get(resp, "matches");
	nm = json_array_size(m);
	printf("query: %s '", search_kind_text(json_string_value(json_object_get(resp, "kind"))));
	hl_cli_put_clean(stdout, pos[0], 0, 0);
	if (nm == 0) {
		printf("': no matches\n");
		goto out;
	}
	printf("': %zu match%s\n", nm, nm == 1 ? "" : "es");
	printf("%-52s %-15s %-7s %-16s %-27s %s\n", "OBJECT", "TYPE", "PARTNER", "NODE",
	    "RECEIVED", "MATCHED");
	json_array_foreach(m, i, x) {
		hl_cli_put_col(x, "id", 52);
		hl_cli_put_col(x, "type", 15);
		hl_cli_put_col(x, "origin_partner", 7);
		hl_cli_put_col(x, "origin_node", 16);
		hl_cli_put_col(x, "received", 27);
		hl_cli_put_clean(stdout, hl_cli_jstr(x, "matched"), 0, 0);
		field = hl_cli_jstr(x, "field");
		if (strcmp(field, "observable") != 0)
			printf(" (%s%s)", json_is_false(json_object_get(x, "exact")) ?
			    "start of " : "", field);
		fputc('\n', stdout);
		if (strcmp(hl_cli_jstr(x, "name"), "-") != 0) {
			printf("    name: ");
			hl_cli_put_clean(stdout, hl_cli_jstr(x, "name"), 0, 0);
			fputc('\n', stdout);
		}
		print_sightings(json_object_get(x, "sightings"));
	}
out:
	json_decref(resp);
	return EX_OK;
}

/* One end of a linked pair: "  PARTNER  name (id)  LABEL". */
static void
print_narr_end(const char *role, const json_t *e)
{
	printf("    %s ", role);
	hl_cli_put_clean(stdout, hl_cli_jstr(e, "origin_partner"), 0, 0);
	printf(": ");
	hl_cli_put_clean(stdout, hl_cli_jstr(e, "name"), 0, 0);
	printf(" (");
	hl_cli_put_clean(stdout, hl_cli_jstr(e, "id"), 0, 0);
	printf(")\n           ");
	hl_cli_put_clean(stdout, hl_cli_jstr(e, "label"), 0, 0);
	fputc('\n', stdout);
}

static int
stix_narratives(struct hl_cli *c, int argc, char **argv)
{
	int json = 0, help, npos, rc;
	struct hl_cli_opt o[] = { { "json", 0, NULL, &json }, { NULL, 0, NULL, NULL } };
	char *pos[POS_MAX];
	json_t *resp = NULL, *pairs, *x;
	size_t i, np;

	if ((rc = hl_cli_opts("stix narratives", argc, argv, o, &help, pos, POS_MAX, &npos)) !=
	    EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_stix_usage, stdout);
		return EX_OK;
	}
	if (npos != 0)
		return hl_cli_fail(EX_USAGE, "stix narratives: no arguments expected");
	if ((rc = hl_cli_api_call(c, "stix narratives", "GET", "/api/v1/stix/narratives", NULL,
	    &resp)) != EX_OK)
		return rc;
	if (json) {
		json_dumpf(resp, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		goto out;
	}
	pairs = json_object_get(resp, "pairs");
	np = json_array_size(pairs);
	printf("%zu linked pair%s (threshold %.2f)\n", np, np == 1 ? "" : "s",
	    json_real_value(json_object_get(resp, "threshold")));
	json_array_foreach(pairs, i, x) {
		const json_t *src = json_object_get(x, "source"), *dst = json_object_get(x, "target");

		printf("same narrative reported by ");
		hl_cli_put_clean(stdout, hl_cli_jstr(dst, "origin_partner"), 0, 0);
		printf(" and ");
		hl_cli_put_clean(stdout, hl_cli_jstr(src, "origin_partner"), 0, 0);
		printf(": similarity %.2f\n", json_real_value(json_object_get(x, "similarity")));
		print_narr_end("earlier", dst);
		print_narr_end("newer  ", src);
		printf("    link ");
		hl_cli_put_clean(stdout, hl_cli_jstr(x, "id"), 0, 0);
		printf(" in ");
		hl_cli_put_clean(stdout, hl_cli_jstr(x, "collection"), 0, 0);
		printf(", ");
		hl_cli_put_clean(stdout, hl_cli_jstr(x, "label"), 0, 0);
		fputc('\n', stdout);
	}
out:
	json_decref(resp);
	return EX_OK;
}

static int
stix_sight(struct hl_cli *c, int argc, char **argv)
{
	const char *count_s = NULL, *note = NULL;
	int json = 0, help, npos, rc;
	struct hl_cli_opt o[] = { { "count", 1, &count_s, NULL }, { "note", 1, &note, NULL },
		{ "json", 0, NULL, &json }, { NULL, 0, NULL, NULL } };
	char *pos[POS_MAX];
	unsigned long count = 0;
	json_t *body = NULL, *resp = NULL;

	if ((rc = hl_cli_opts("stix sight", argc, argv, o, &help, pos, POS_MAX, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_stix_usage, stdout);
		return EX_OK;
	}
	if (npos != 1 || strstr(pos[0], "--") == NULL)
		return hl_cli_fail(EX_USAGE, "stix sight: expected one object ID (type--uuid)");
	if (count_s != NULL && parse_uint(count_s, 1, 999999999, &count) != 0)
		return hl_cli_fail(EX_USAGE, "stix sight: --count: expected 1..999999999");
	if ((body = json_pack("{s:s}", "of", pos[0])) == NULL ||
	    (count_s != NULL && json_object_set_new(body, "count",
	    json_integer((json_int_t)count)) != 0) ||
	    (note != NULL && json_object_set_new(body, "note", json_string(note)) != 0)) {
		json_decref(body);
		return hl_cli_fail(EX_FAIL, "out of memory (or --note is not UTF-8)");
	}
	rc = hl_cli_api_call(c, "stix sight", "POST", "/api/v1/stix/sightings", body, &resp);
	json_decref(body);
	if (rc != EX_OK)
		return rc;
	if (json) {
		json_dumpf(resp, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else {
		hl_cli_put_clean(stdout, json_is_string(json_object_get(resp, "id")) ?
		    json_string_value(json_object_get(resp, "id")) : "-", 0, 0);
		if (json_is_string(json_object_get(resp, "to"))) {
			fputs(" (to ", stdout);
			hl_cli_put_clean(stdout, json_string_value(json_object_get(resp, "to")), 0, 0);
			fputc(')', stdout);
		}
		fputc('\n', stdout);
	}
	json_decref(resp);
	return EX_OK;
}

/* A DISARM incident page to a bundle on stdout; no node involved. */
static int
stix_disarm(int argc, char **argv)
{
	const char *identity = NULL, *created = NULL;
	int help, npos, rc, r;
	struct hl_cli_opt o[] = { { "identity", 1, &identity, NULL },
		{ "created", 1, &created, NULL }, { NULL, 0, NULL, NULL } };
	struct hl_disarm_opts opts;
	char *pos[POS_MAX], err[512], now[HL_API_TIME_LEN];
	uint8_t *p = NULL;
	size_t len = 0;
	json_t *bundle = NULL;

	if ((rc = hl_cli_opts("stix disarm", argc, argv, o, &help, pos, POS_MAX, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_stix_usage, stdout);
		return EX_OK;
	}
	if (npos != 1)
		return hl_cli_fail(EX_USAGE, "stix disarm: expected one FILE (see hotline stix --help)");
	if (created == NULL) {
		hl_apijson_format_time(hl_now_ms(), now);
		created = now;
	}
	opts.created = created;
	opts.identity = identity;
	if (hl_cli_read_file(pos[0], HL_DISARM_MAX_BYTES, &p, &len, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_FAIL, "%s", err);
	r = hl_disarm_convert(p, len, &opts, &bundle, err, sizeof(err));
	hl_free(p);
	if (r == HL_ERR_INVALID)
		return hl_cli_fail(EX_USAGE, "stix disarm: %s", err);
	if (r != HL_OK)
		return hl_cli_fail(EX_FAIL, "%s: %s", pos[0], err);
	rc = json_dumpf(bundle, stdout, JSON_INDENT(1)) == 0 && fputc('\n', stdout) != EOF &&
	    fflush(stdout) == 0 ? EX_OK : hl_cli_fail(EX_FAIL, "cannot write the bundle");
	json_decref(bundle);
	return rc;
}

int
hl_cli_stix(struct hl_cli *c, int argc, char **argv)
{
	if (argc < 1)
		return hl_cli_fail(EX_USAGE, "stix: expected push, search, sight, disarm or narratives "
		    "(see hotline stix --help)");
	if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
		fputs(hl_cli_stix_usage, stdout);
		return EX_OK;
	}
	if (strcmp(argv[0], "push") == 0)
		return stix_push(c, argc - 1, argv + 1);
	if (strcmp(argv[0], "search") == 0)
		return stix_search(c, argc - 1, argv + 1);
	if (strcmp(argv[0], "sight") == 0)
		return stix_sight(c, argc - 1, argv + 1);
	if (strcmp(argv[0], "disarm") == 0)
		return stix_disarm(argc - 1, argv + 1);
	if (strcmp(argv[0], "narratives") == 0)
		return stix_narratives(c, argc - 1, argv + 1);
	return hl_cli_fail(EX_USAGE, "stix: unknown subcommand \"%.40s\" (see hotline stix --help)",
	    argv[0]);
}

/* ---- misp import ---- */

static void
print_stats(const char *title, const struct hl_misp_stat *t, unsigned n)
{
	unsigned i;

	if (n == 0)
		return;
	printf("%s\n", title);
	for (i = 0; i < n && i < HL_MISP_STAT_MAX; i++) {
		printf("  %6u  ", t[i].n);
		hl_cli_put_clean(stdout, t[i].name, 0, 0);
		fputc('\n', stdout);
	}
}

static void
print_misp(const struct hl_misp_summary *s)
{
	unsigned i;

	printf("event:      %s  ", s->event_uuid);
	hl_cli_put_clean(stdout, s->info, 0, 0);
	printf("\ntlp:        %s\nattributes: %u (converted %u, skipped %u)\nSTIX objects: %u\n",
	    s->tlp[0] != '\0' ? s->tlp : "(none)", s->attributes, s->converted, s->skipped,
	    s->objects);
	print_stats("converted, per MISP type:", s->conv, s->nconv);
	print_stats("STIX objects, per type:", s->stix, s->nstix);
	print_stats("skipped, per reason:", s->reasons, s->nreasons);
	for (i = 0; i < s->nskip; i++) {
		printf("  skipped %s %-16s ", s->skip[i].uuid, s->skip[i].type);
		hl_cli_put_clean(stdout, s->skip[i].reason, 0, 0);
		fputc('\n', stdout);
	}
	if (s->skipped > s->nskip)
		printf("  ... and %u more skipped\n", s->skipped - s->nskip);
}

static int
misp_import(struct hl_cli *c, int argc, char **argv)
{
	const char *coll = NULL, *batch_s = NULL, *output = NULL;
	int json = 0, dry = 0, help, npos, rc, r;
	struct hl_cli_opt o[] = { { "collection", 1, &coll, NULL }, { "batch", 1, &batch_s, NULL },
		{ "output", 1, &output, NULL }, { "dry-run", 0, NULL, &dry },
		{ "json", 0, NULL, &json }, { NULL, 0, NULL, NULL } };
	struct hl_misp_summary *sum = NULL;   /* large: not on the stack */
	struct push_result pr;
	char *pos[POS_MAX], err[512];
	uint8_t *p = NULL;
	size_t len = 0;
	unsigned long batch = PUSH_BATCH_DEFAULT;
	json_t *bundle = NULL, *out = NULL, *pj;
	FILE *f;

	memset(&pr, 0, sizeof(pr));
	if ((rc = hl_cli_opts("misp import", argc, argv, o, &help, pos, POS_MAX, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_misp_usage, stdout);
		return EX_OK;
	}
	if (npos != 1 || (coll == NULL && !dry))
		return hl_cli_fail(EX_USAGE, "misp import: expected FILE --collection C (see hotline misp "
		    "--help)");
	if (batch_s != NULL && parse_uint(batch_s, 1, PUSH_BATCH_MAX, &batch) != 0)
		return hl_cli_fail(EX_USAGE, "misp import: --batch: expected 1..%d", PUSH_BATCH_MAX);
	if (hl_cli_read_file(pos[0], HL_MISP_MAX_BYTES, &p, &len, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_FAIL, "%s", err);
	if ((sum = hl_calloc(1, sizeof(*sum))) == NULL) {
		hl_free_secret(p, len + 1);
		return hl_cli_fail(EX_FAIL, "out of memory");
	}
	r = hl_misp_convert(p, len, &bundle, sum, err, sizeof(err));
	hl_free_secret(p, len + 1);
	if (r != HL_OK) {
		rc = hl_cli_fail(EX_FAIL, "%s: %s", pos[0], err);
		goto out;
	}
	if (output != NULL) {
		if ((f = fopen(output, "w")) == NULL) {
			rc = hl_cli_fail(EX_FAIL, "%s: %s", output, strerror(errno));
			goto out;
		}
		if (json_dumpf(bundle, f, JSON_INDENT(1)) != 0 || fputc('\n', f) == EOF ||
		    fclose(f) != 0) {
			rc = hl_cli_fail(EX_FAIL, "%s: cannot write the bundle", output);
			goto out;
		}
	}
	if (!json)
		print_misp(sum);
	if (!dry) {
		if ((pr.failures = json_array()) == NULL) {
			rc = hl_cli_fail(EX_FAIL, "out of memory");
			goto out;
		}
		if (!json)
			fflush(stdout);
		if ((rc = push_objects(c, coll, json_object_get(bundle, "objects"), batch,
		    &pr)) != EX_OK)
			goto out;
	}
	if (json) {
		if ((out = hl_misp_summary_json(sum)) == NULL ||
		    (!dry && ((pj = push_json(&pr)) == NULL ||
		    json_object_set_new(out, "push", pj) != 0))) {
			rc = hl_cli_fail(EX_FAIL, "out of memory");
			goto out;
		}
		json_dumpf(out, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else if (!dry) {
		print_push(&pr, stdout);
	}
	rc = pr.failed > 0 ? EX_FAIL : EX_OK;
out:
	json_decref(out);
	json_decref(pr.failures);
	json_decref(bundle);
	hl_free(sum);
	return rc;
}

int
hl_cli_misp(struct hl_cli *c, int argc, char **argv)
{
	if (argc < 1)
		return hl_cli_fail(EX_USAGE, "misp: expected import (see hotline misp --help)");
	if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
		fputs(hl_cli_misp_usage, stdout);
		return EX_OK;
	}
	if (strcmp(argv[0], "import") == 0)
		return misp_import(c, argc - 1, argv + 1);
	return hl_cli_fail(EX_USAGE, "misp: unknown subcommand \"%.40s\" (see hotline misp --help)",
	    argv[0]);
}

/* ---- taxii pull / sources ---- */

static json_t *
find_source(json_t *resp, const char *name)
{
	json_t *x;
	size_t i;

	json_array_foreach(json_object_get(resp, "sources"), i, x)
		if (json_is_string(json_object_get(x, "name")) &&
		    strcmp(json_string_value(json_object_get(x, "name")), name) == 0)
			return x;
	return NULL;
}

static void
print_source(json_t *s)
{
	json_t *l = json_object_get(s, "last");

	hl_cli_put_clean(stdout, json_is_string(json_object_get(s, "name")) ?
	    json_string_value(json_object_get(s, "name")) : "-", 0, 0);
	printf(": %s -> collection ", json_is_true(json_object_get(s, "running")) ? "running" :
	    "idle");
	hl_cli_put_clean(stdout, json_is_string(json_object_get(s, "collection")) ?
	    json_string_value(json_object_get(s, "collection")) : "-", 0, 0);
	printf(", %" JSON_INTEGER_FORMAT " rounds, added_after ",
	    json_integer_value(json_object_get(s, "rounds")));
	hl_cli_put_clean(stdout, json_is_string(json_object_get(s, "cursor")) &&
	    json_string_length(json_object_get(s, "cursor")) > 0 ?
	    json_string_value(json_object_get(s, "cursor")) : "(start)", 0, 0);
	fputc('\n', stdout);
	if (json_is_object(l)) {
		printf("  last round: fetched %" JSON_INTEGER_FORMAT ", added %" JSON_INTEGER_FORMAT
		    ", already stored %" JSON_INTEGER_FORMAT ", refused %" JSON_INTEGER_FORMAT
		    ", pages %" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(l, "fetched")),
		    json_integer_value(json_object_get(l, "added")),
		    json_integer_value(json_object_get(l, "already_stored")),
		    json_integer_value(json_object_get(l, "failed")),
		    json_integer_value(json_object_get(l, "pages")));
		if (json_is_string(json_object_get(l, "error")) &&
		    json_string_length(json_object_get(l, "error")) > 0) {
			fputs(", error: ", stdout);
			hl_cli_put_clean(stdout, json_string_value(json_object_get(l, "error")), 0, 0);
		}
		fputc('\n', stdout);
		/* what the round worked around (a server that ignores next, ...) */
		if (json_is_string(json_object_get(l, "note")) &&
		    json_string_length(json_object_get(l, "note")) > 0) {
			fputs("  note: ", stdout);
			hl_cli_put_clean(stdout, json_string_value(json_object_get(l, "note")), 0, 0);
			fputc('\n', stdout);
		}
	}
}

static int
taxii_pull(struct hl_cli *c, int argc, char **argv)
{
	int json = 0, from_start = 0, help, npos, rc;
	struct hl_cli_opt o[] = { { "json", 0, NULL, &json }, { "from-start", 0, NULL, &from_start },
	    { NULL, 0, NULL, NULL } };
	char *pos[POS_MAX], enc[256], path[400];
	json_t *resp = NULL, *s, *l;
	json_int_t round;
	uint64_t t0;

	if ((rc = hl_cli_opts("taxii pull", argc, argv, o, &help, pos, POS_MAX, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_taxii_usage, stdout);
		return EX_OK;
	}
	if (npos != 1 || qencode(pos[0], enc, sizeof(enc)) != 0)
		return hl_cli_fail(EX_USAGE, "taxii pull: expected one SOURCE name");
	snprintf(path, sizeof(path), "/api/v1/taxii/sources/%s/pull%s", enc,
	    from_start ? "?from_start=1" : "");
	if ((rc = hl_cli_api_call(c, "taxii pull", "POST", path, NULL, &resp)) != EX_OK)
		return rc;
	round = json_integer_value(json_object_get(resp, "round"));
	json_decref(resp);
	resp = NULL;
	/* wait for that round to finish */
	t0 = now_ms();
	for (;;) {
		if ((rc = hl_cli_api_call(c, "taxii pull", "GET", "/api/v1/taxii/sources", NULL,
		    &resp)) != EX_OK)
			return rc;
		if ((s = find_source(resp, pos[0])) == NULL) {
			rc = hl_cli_fail(EX_FAIL, "taxii pull: source %s vanished", pos[0]);
			goto out;
		}
		if (json_integer_value(json_object_get(s, "rounds")) >= round &&
		    !json_is_true(json_object_get(s, "running")))
			break;
		if (now_ms() - t0 > PULL_WAIT_MS) {
			rc = hl_cli_fail(EX_FAIL, "taxii pull: round %" JSON_INTEGER_FORMAT " of %s still "
			    "running after %u s", round, pos[0], PULL_WAIT_MS / 1000);
			goto out;
		}
		json_decref(resp);
		resp = NULL;
		sleep_ms(200);
	}
	if (json) {
		json_dumpf(s, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else {
		print_source(s);
	}
	l = json_object_get(s, "last");
	rc = json_is_string(json_object_get(l, "error")) &&
	    json_string_length(json_object_get(l, "error")) > 0 ? EX_FAIL : EX_OK;
out:
	json_decref(resp);
	return rc;
}

static int
taxii_sources(struct hl_cli *c, int argc, char **argv)
{
	int json = 0, help, npos, rc;
	struct hl_cli_opt o[] = { { "json", 0, NULL, &json }, { NULL, 0, NULL, NULL } };
	char *pos[POS_MAX];
	json_t *resp = NULL, *s;
	size_t i;

	if ((rc = hl_cli_opts("taxii sources", argc, argv, o, &help, pos, POS_MAX, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_taxii_usage, stdout);
		return EX_OK;
	}
	if (npos != 0)
		return hl_cli_fail(EX_USAGE, "taxii sources: takes no arguments");
	if ((rc = hl_cli_api_call(c, "taxii sources", "GET", "/api/v1/taxii/sources", NULL,
	    &resp)) != EX_OK)
		return rc;
	if (json) {
		json_dumpf(resp, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else {
		if (json_array_size(json_object_get(resp, "sources")) == 0)
			printf("no [taxii_source] configured\n");
		json_array_foreach(json_object_get(resp, "sources"), i, s)
			print_source(s);
	}
	json_decref(resp);
	return EX_OK;
}

int
hl_cli_taxii(struct hl_cli *c, int argc, char **argv)
{
	if (argc < 1)
		return hl_cli_fail(EX_USAGE, "taxii: expected pull or sources (see hotline taxii --help)");
	if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
		fputs(hl_cli_taxii_usage, stdout);
		return EX_OK;
	}
	if (strcmp(argv[0], "pull") == 0)
		return taxii_pull(c, argc - 1, argv + 1);
	if (strcmp(argv[0], "sources") == 0)
		return taxii_sources(c, argc - 1, argv + 1);
	return hl_cli_fail(EX_USAGE, "taxii: unknown subcommand \"%.40s\" (see hotline taxii --help)",
	    argv[0]);
}
