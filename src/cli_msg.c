/* cli_msg.c: the envelope commands of the CLI (docs/CLI.md): send, inbox,
 * sent, show, ack, delivery. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "cli.h"

/* ---- send ---- */

#define CLI_ARGS_MAX 256   /* words of TEXT... */

const char hl_cli_send_usage[] =
    "usage: hotline send --to P1,NODE,...|all --precedence PREC --classification LEVEL\n"
    "                    --releasable-to P1,P2,... --tlp TLP [--exercise] [--ttl DURATION]\n"
    "                    [--type text|stix|track|file] [--file F | TEXT... | -]\n"
    "       hotline send --batch FILE.jsonl\n"
    "\n"
    "  --to            recipients: partner codes (KOR), node names (KOR/node-1), or all\n"
    "                  (every peer the label allows)\n"
    "  --precedence    flash, immediate, priority or routine\n"
    "  --classification  a level of the node's policy, e.g. SECRET\n"
    "  --releasable-to partner codes that may receive it (must include your own)\n"
    "  --tlp           clear, green, amber, amber+strict or red\n"
    "  --exercise      mark the envelope as EXERCISE traffic\n"
    "  --ttl           lifetime: seconds or 30s, 10m, 3h, 7d (default: the node's)\n"
    "  --file F        send the bytes of F (type file unless --type); - reads stdin\n"
    "  TEXT...         the text (words joined by spaces); a lone - reads stdin\n"
    "Prints the envelope id (32 hex digits) and nothing else.\n"
    "\n"
    "  --batch F       send every line of F (JSON Lines: one send body of the API,\n"
    "                  docs/API.md, per line; blank lines are skipped; - reads stdin)\n"
    "                  through the batch endpoint, up to 1000 a request. Every line is\n"
    "                  checked before anything is sent. Prints one line per envelope,\n"
    "                  in order: its id, or \"refused STATUS ERROR: MESSAGE\"; exits 1\n"
    "                  if any was refused.\n";

/* ---- send --batch FILE.jsonl ---- */

#define CLI_BATCH_FILE_MAX (256u * 1024 * 1024)   /* a JSON Lines file */
#define CLI_UPLOAD_MIN (64u * 1024)   /* content this large goes as an upload */
/* the lines of one request, leaving room for the object around them */
#define CLI_BATCH_BODY_MAX (HL_API_BATCH_BODY_MAX_BYTES - 64u * 1024)

struct batch_line {
	size_t off, len;
	size_t lineno;
};

/* The non-blank lines of p (a trailing CR dropped). OUT: *out (caller
 * frees), *n. */
static int
batch_lines(const uint8_t *p, size_t len, struct batch_line **out, size_t *n)
{
	struct batch_line *ln = NULL, *t;
	size_t cap = 0, i = 0, e, k, lineno = 0;

	*out = NULL;
	*n = 0;
	while (i < len) {
		const uint8_t *nl = memchr(p + i, '\n', len - i);

		e = nl != NULL ? (size_t)(nl - p) : len;
		lineno++;
		for (k = e; k > i && p[k - 1] == '\r'; k--)
			;
		while (i < k && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i < k) {
			if (*n == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				if ((t = hl_realloc(ln, cap * sizeof(*ln))) == NULL) {
					hl_free(ln);
					return HL_ERR_NOMEM;
				}
				ln = t;
			}
			ln[*n].off = i;
			ln[*n].len = k - i;
			ln[(*n)++].lineno = lineno;
		}
		i = e + 1;
	}
	*out = ln;
	return HL_OK;
}

/* One request of lines [0, n): print each result; OUT: *refused added to. */
static int
batch_post(struct hl_cli *c, const uint8_t *p, const struct batch_line *ln, size_t n,
    size_t *refused)
{
	json_t *body = NULL, *arr, *it, *resp = NULL, *res, *r;
	size_t i;
	int rc = EX_FAIL;

	if ((body = json_object()) == NULL || (arr = json_array()) == NULL ||
	    json_object_set_new(body, "envelopes", arr) != 0)
		goto nomem;
	for (i = 0; i < n; i++) {
		/* checked already: a send body */
		if ((it = json_loadb((const char *)p + ln[i].off, ln[i].len, JSON_REJECT_DUPLICATES,
		    NULL)) == NULL || json_array_append_new(arr, it) != 0)
			goto nomem;
	}
	if ((rc = hl_cli_api_call(c, "send", "POST", "/api/v1/envelopes/batch", body, &resp)) !=
	    EX_OK)
		goto out;
	res = json_object_get(resp, "results");
	if (!json_is_array(res) || json_array_size(res) != n) {
		rc = hl_cli_fail(EX_UNREACHABLE, "send: the node's answer does not have %zu results", n);
		goto out;
	}
	json_array_foreach(res, i, r) {
		if (hl_cli_jint(r, "status") == 201) {
			hl_cli_put_clean(stdout, hl_cli_jstr(r, "id"), 0, 0);
		} else {
			printf("refused %" JSON_INTEGER_FORMAT " ", hl_cli_jint(r, "status"));
			hl_cli_put_clean(stdout, hl_cli_jstr(r, "error"), 0, 0);
			fputs(": ", stdout);
			hl_cli_put_clean(stdout, hl_cli_jstr(r, "message"), 0, 0);
			(*refused)++;
		}
		putchar('\n');
	}
	rc = EX_OK;
	goto out;
nomem:
	rc = hl_cli_fail(EX_FAIL, "out of memory");
out:
	json_decref(resp);
	json_decref(body);
	return rc;
}

static int
send_batch(struct hl_cli *c, const char *path)
{
	struct batch_line *ln = NULL;
	struct hl_api_send s;
	uint8_t *buf = NULL;
	size_t len = 0, n = 0, i, j, bytes, refused = 0;
	char err[512];
	int rc;

	if ((rc = hl_cli_load_config(c)) != EX_OK)
		return rc;
	if (hl_cli_read_file(path, CLI_BATCH_FILE_MAX, &buf, &len, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_FAIL, "send: %s", err);
	if (batch_lines(buf, len, &ln, &n) != HL_OK) {
		rc = hl_cli_fail(EX_FAIL, "out of memory");
		goto out;
	}
	if (n == 0) {
		rc = hl_cli_fail(EX_USAGE, "send: %s holds no envelope", path);
		goto out;
	}
	/* every line as the node will check it, before anything is sent */
	for (i = 0; i < n; i++) {
		if (ln[i].len > CLI_BATCH_BODY_MAX) {
			rc = hl_cli_fail(EX_USAGE, "send: %s:%zu: too large for a batch (send it alone)",
			    path, ln[i].lineno);
			goto out;
		}
		if (hl_apijson_parse_send(buf + ln[i].off, ln[i].len, &c->cfg.policy, &s, err,
		    sizeof(err)) != HL_OK || hl_apijson_send_track(&s, err, sizeof(err)) != HL_OK) {
			hl_apijson_send_clear(&s);
			rc = hl_cli_fail(EX_USAGE, "send: %s:%zu: %s", path, ln[i].lineno, err);
			goto out;
		}
		hl_apijson_send_clear(&s);
	}
	for (i = 0; i < n; i = j) {
		for (j = i, bytes = 0; j < n && j - i < HL_API_BATCH_MAX &&
		    bytes + ln[j].len + 1 <= CLI_BATCH_BODY_MAX; j++)
			bytes += ln[j].len + 1;
		if ((rc = batch_post(c, buf, ln + i, j - i, &refused)) != EX_OK)
			goto out;
	}
	if (refused > 0)
		rc = hl_cli_fail(EX_FAIL, "send: %zu of %zu envelopes refused", refused, n);
out:
	hl_free(ln);
	if (buf != NULL)
		hl_free_secret(buf, len + 1);
	return rc;
}

int
hl_cli_send(struct hl_cli *c, int argc, char **argv)
{
	struct hl_cli_envelope e = { 0 };
	const char *file = NULL, *batch = NULL;
	int help, npos, rc, i;
	struct hl_cli_opt opts[] = {
		{ "to", 1, &e.to, NULL }, { "precedence", 1, &e.precedence, NULL },
		{ "classification", 1, &e.classification, NULL },
		{ "releasable-to", 1, &e.releasable, NULL }, { "tlp", 1, &e.tlp, NULL },
		{ "ttl", 1, &e.ttl, NULL }, { "file", 1, &file, NULL }, { "type", 1, &e.type, NULL },
		{ "exercise", 0, NULL, &e.exercise }, { "batch", 1, &batch, NULL },
		{ NULL, 0, NULL, NULL },
	};
	char *pos[CLI_ARGS_MAX], err[512], *b64 = NULL;
	json_t *body = NULL, *txt = NULL;
	uint8_t *content = NULL;
	size_t clen = 0, off;

	if ((rc = hl_cli_opts("send", argc, argv, opts, &help, pos, CLI_ARGS_MAX, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_send_usage, stdout);
		return EX_OK;
	}
	if (batch != NULL) {
		if (e.to != NULL || e.precedence != NULL || e.classification != NULL ||
		    e.releasable != NULL || e.tlp != NULL || e.ttl != NULL || e.type != NULL ||
		    e.exercise || file != NULL || npos > 0)
			return hl_cli_fail(EX_USAGE, "send: --batch takes no other option or TEXT "
			    "(each line of the file is a whole send body)");
		return send_batch(c, batch);
	}
	if (e.to == NULL || e.precedence == NULL || e.classification == NULL ||
	    e.releasable == NULL || e.tlp == NULL)
		return hl_cli_fail(EX_USAGE, "send: --to, --precedence, --classification, --releasable-to "
		    "and --tlp are required (see hotline send --help)");
	if (file != NULL && npos > 0)
		return hl_cli_fail(EX_USAGE, "send: give either --file or TEXT, not both");
	if (file == NULL && npos == 0)
		return hl_cli_fail(EX_USAGE, "send: nothing to send: give TEXT, - (stdin) or --file F");
	if (e.type != NULL && strcmp(e.type, "text") != 0 && strcmp(e.type, "stix") != 0 &&
	    strcmp(e.type, "track") != 0 && strcmp(e.type, "file") != 0)
		return hl_cli_fail(EX_USAGE, "send: --type must be text, stix, track or file");
	if ((rc = hl_cli_envelope_check("send", &e)) != EX_OK)
		return rc;
	/* the content */
	if (file != NULL || (npos == 1 && strcmp(pos[0], "-") == 0)) {
		if (hl_cli_read_file(file != NULL ? file : "-", HL_CONTENT_MAX_BYTES, &content, &clen, err,
		    sizeof(err)) != HL_OK) {
			rc = hl_cli_fail(EX_FAIL, "send: %s", err);
			goto out;
		}
	} else {
		for (i = 0, clen = 0; i < npos; i++)
			clen += strlen(pos[i]) + 1;
		if (clen > HL_CONTENT_MAX_BYTES + 1 || (content = hl_malloc(clen)) == NULL) {
			rc = hl_cli_fail(EX_FAIL, "send: text too large");
			goto out;
		}
		for (i = 0, off = 0; i < npos; i++) {
			memcpy(content + off, pos[i], strlen(pos[i]));
			off += strlen(pos[i]);
			content[off++] = i + 1 < npos ? ' ' : '\0';
		}
		clen = off - 1;
	}
	if (clen == 0) {
		rc = hl_cli_fail(EX_USAGE, "send: the content is empty");
		goto out;
	}
	if (e.type == NULL)
		e.type = file != NULL ? "file" : "text";
	if ((rc = hl_cli_envelope_body("send", &e, &body)) != EX_OK)
		goto out;
	rc = EX_FAIL;
	if (strcmp(e.type, "file") == 0 || clen >= CLI_UPLOAD_MIN) {
		/* the bytes as they are, not base64 in JSON: the node copies
		 * them once instead of scanning and decoding them */
		rc = hl_cli_upload_envelope(c, "send", body, content, clen);
		goto out;
	}
	txt = json_stringn((const char *)content, clen);
	if (txt != NULL) {
		if (json_object_set_new(body, "text", txt) != 0)
			goto nomem;
	} else {
		if ((b64 = hl_apijson_b64_encode(content, clen)) == NULL ||
		    json_object_set_new(body, "content_b64", json_string(b64)) != 0)
			goto nomem;
	}
	rc = hl_cli_post_envelope(c, "send", body);
	goto out;
nomem:
	rc = hl_cli_fail(EX_FAIL, "out of memory");
out:
	if (content != NULL)
		hl_free_secret(content, clen + 1);
	if (b64 != NULL)
		hl_free_secret(b64, strlen(b64) + 1);
	json_decref(body);
	return rc;
}

/* ---- inbox / sent ---- */

const char hl_cli_inbox_usage[] =
    "usage: hotline inbox [--json] [--exercise include|exclude|only] [--limit N]\n"
    "\n"
    "Received envelopes your clearance and nationality allow, newest first.\n"
    "  --json       the API's JSON (docs/API.md)\n"
    "  --exercise   include (default), exclude or only EXERCISE envelopes\n"
    "  --limit N    at most N items (1..100000, default 100)\n";

const char hl_cli_sent_usage[] =
    "usage: hotline sent [--json] [--exercise include|exclude|only] [--limit N]\n"
    "\n"
    "Envelopes this node sent, newest first, with a delivery summary.\n";

static void
print_item_line(const json_t *it, int inbound)
{
	const json_t *d;

	printf("%s  %-9s  %s  ", hl_cli_jstr(it, "id"), hl_cli_jstr(it, "precedence"), hl_cli_jstr(it, "created"));
	if (inbound) {
		hl_cli_put_clean(stdout, hl_cli_jstr(it, "origin"), 0, 0);
		printf(" (");
		hl_cli_put_clean(stdout, hl_cli_jstr(it, "originator"), 0, 0);
		printf(")  ");
	}
	hl_cli_put_clean(stdout, hl_cli_jstr(it, "label_text"), 0, 0);
	if (json_is_true(json_object_get(it, "exercise")))
		printf("  [EXERCISE]");
	if (inbound) {
		if (json_is_string(json_object_get(it, "acknowledged_by"))) {
			printf("  [acknowledged by ");
			hl_cli_put_clean(stdout, hl_cli_jstr(it, "acknowledged_by"), 0, 0);
			printf("]");
		} else if (json_is_true(json_object_get(it, "overdue"))) {
			printf("  [NOT ACKNOWLEDGED - OVERDUE]");
		} else {
			printf("  [NOT ACKNOWLEDGED]");
		}
	} else if ((d = json_object_get(it, "delivery")) != NULL) {
		printf("  queued %" JSON_INTEGER_FORMAT ", delivered %" JSON_INTEGER_FORMAT
		    ", acknowledged %" JSON_INTEGER_FORMAT ", rejected %" JSON_INTEGER_FORMAT,
		    hl_cli_jint(d, "queued"), hl_cli_jint(d, "delivered"), hl_cli_jint(d, "acknowledged"),
		    hl_cli_jint(d, "rejected"));
	}
	printf("\n");
}

static int
cmd_list(struct hl_cli *c, const char *name, const char *usage, int inbound, int argc,
    char **argv)
{
	const char *limit = NULL, *exercise = NULL;
	int json = 0, help, npos, rc;
	struct hl_cli_opt opts[] = {
		{ "json", 0, NULL, &json }, { "limit", 1, &limit, NULL },
		{ "exercise", 1, &exercise, NULL }, { NULL, 0, NULL, NULL },
	};
	char *pos[1], q[64], path[128];
	json_t *resp = NULL, *items, *it;
	size_t i;

	if ((rc = hl_cli_opts(name, argc, argv, opts, &help, pos, 0, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(usage, stdout);
		return EX_OK;
	}
	if ((rc = hl_cli_build_query(q, sizeof(q), limit, exercise)) != EX_OK)
		return rc;
	snprintf(path, sizeof(path), "/api/v1/%s%s", inbound ? "inbox" : "sent", q);
	if ((rc = hl_cli_api_call(c, name, "GET", path, NULL, &resp)) != EX_OK)
		return rc;
	items = json_object_get(resp, "items");
	if (!json_is_array(items)) {
		json_decref(resp);
		return hl_cli_fail(EX_UNREACHABLE, "%s: the node's answer has no items", name);
	}
	if (json) {
		hl_cli_print_json(resp);
	} else if (json_array_size(items) == 0) {
		printf("(no envelopes)\n");
	} else {
		json_array_foreach(items, i, it)
			print_item_line(it, inbound);
	}
	json_decref(resp);
	return EX_OK;
}

int
hl_cli_inbox(struct hl_cli *c, int argc, char **argv)
{
	return cmd_list(c, "inbox", hl_cli_inbox_usage, 1, argc, argv);
}

int
hl_cli_sent(struct hl_cli *c, int argc, char **argv)
{
	return cmd_list(c, "sent", hl_cli_sent_usage, 0, argc, argv);
}

/* ---- show / ack / delivery: ID commands ---- */

static int
one_id(const char *cmd, const char *usage, int argc, char **argv, struct hl_cli_opt *opts,
    char idhex[HL_API_ID_HEX + 1], int *help)
{
	char *pos[2];
	uint8_t id[HL_ID_BYTES];
	int npos, rc;

	if ((rc = hl_cli_opts(cmd, argc, argv, opts, help, pos, 2, &npos)) != EX_OK)
		return rc;
	if (*help) {
		fputs(usage, stdout);
		return EX_OK;
	}
	if (npos != 1)
		return hl_cli_fail(EX_USAGE, "%s: expected one envelope ID (see hotline %s --help)", cmd, cmd);
	if (hl_hex_parse_id(pos[0], id) != HL_OK)
		return hl_cli_fail(EX_USAGE, "%s: \"%.40s\" is not an envelope id (32 hex digits)", cmd, pos[0]);
	hl_hex_id(id, idhex);
	return EX_OK;
}

const char hl_cli_show_usage[] =
    "usage: hotline show ID [--json] [--output FILE]\n"
    "\n"
    "One envelope: label banner, origin, originator, precedence, signature, times\n"
    "and the content. --output writes the content bytes to FILE (mode 0600).\n";

static int
write_content(const char *path, const json_t *resp)
{
	json_t *t = json_object_get(resp, "text"), *b = json_object_get(resp, "content_b64");
	uint8_t *dec = NULL;
	const uint8_t *p;
	size_t n = 0, w = 0;
	ssize_t got;
	int fd, rc = EX_FAIL;

	if (json_is_string(t)) {
		p = (const uint8_t *)json_string_value(t);
		n = json_string_length(t);
	} else if (json_is_string(b) && hl_apijson_b64_decode(json_string_value(b),
	    json_string_length(b), HL_CONTENT_MAX_BYTES, &dec, &n) == HL_OK) {
		p = dec;
	} else {
		return hl_cli_fail(EX_UNREACHABLE, "show: the node's answer has no content");
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		rc = hl_cli_fail(EX_FAIL, "show: %s: %s", path, strerror(errno));
		goto out;
	}
	while (w < n) {
		if ((got = write(fd, p + w, n - w)) < 0) {
			if (errno == EINTR)
				continue;
			rc = hl_cli_fail(EX_FAIL, "show: %s: %s", path, strerror(errno));
			close(fd);
			goto out;
		}
		w += (size_t)got;
	}
	if (close(fd) != 0) {
		rc = hl_cli_fail(EX_FAIL, "show: %s: %s", path, strerror(errno));
		goto out;
	}
	rc = EX_OK;
out:
	if (dec != NULL)
		hl_free_secret(dec, n + 1);
	return rc;
}

int
hl_cli_show(struct hl_cli *c, int argc, char **argv)
{
	const char *output = NULL;
	int json = 0, help, rc, ex, in;
	struct hl_cli_opt opts[] = {
		{ "json", 0, NULL, &json }, { "output", 1, &output, NULL }, { NULL, 0, NULL, NULL },
	};
	char id[HL_API_ID_HEX + 1], path[128];
	json_t *resp = NULL, *t;

	if ((rc = one_id("show", hl_cli_show_usage, argc, argv, opts, id, &help)) != EX_OK || help)
		return rc;
	snprintf(path, sizeof(path), "/api/v1/envelopes/%s", id);
	if ((rc = hl_cli_api_call(c, "show", "GET", path, NULL, &resp)) != EX_OK)
		return rc;
	if (output != NULL && (rc = write_content(output, resp)) != EX_OK)
		goto out;
	if (json) {
		hl_cli_print_json(resp);
		goto out;
	}
	ex = json_is_true(json_object_get(resp, "exercise"));
	in = strcmp(hl_cli_jstr(resp, "direction"), "in") == 0;
	printf("==== ");
	hl_cli_put_clean(stdout, hl_cli_jstr(resp, "label_text"), 0, 0);
	printf(" ====\n");
	if (ex)
		printf("*** EXERCISE EXERCISE EXERCISE ***\n");
	printf("id:           %s\n", hl_cli_jstr(resp, "id"));
	printf("direction:    %s\n", in ? "received" : "sent");
	printf("precedence:   %s\n", hl_cli_jstr(resp, "precedence"));
	printf("origin:       ");
	hl_cli_put_clean(stdout, hl_cli_jstr(resp, "origin"), 0, 0);
	printf("\noriginator:   ");
	hl_cli_put_clean(stdout, hl_cli_jstr(resp, "originator"), 0, 0);
	printf("\nsignature:    %s (%s; key wrap %s)\n              %s\n",
	    hl_cli_jstr(resp, "signature"), hl_cli_jstr(resp, "signature_suite"),
	    hl_cli_jstr(resp, "suite"), hl_cli_jstr(resp, "signature_check"));
	printf("created:      %s\n", hl_cli_jstr(resp, "created"));
	printf("expires:      %s\n", hl_cli_jstr(resp, "expires"));
	if (in) {
		printf("received:     %s\n", hl_cli_jstr(resp, "received"));
		if (json_is_string(json_object_get(resp, "acknowledged_by"))) {
			printf("acknowledged: %s by ", hl_cli_jstr(resp, "acknowledged"));
			hl_cli_put_clean(stdout, hl_cli_jstr(resp, "acknowledged_by"), 0, 0);
			printf("\n");
		} else {
			printf("acknowledged: NOT YET (hotline ack %s)\n", id);
		}
	} else {
		printf("sent:         %s\n", hl_cli_jstr(resp, "sent"));
	}
	printf("content:      %s, %" JSON_INTEGER_FORMAT " bytes\n", hl_cli_jstr(resp, "content_type"),
	    hl_cli_jint(resp, "size"));
	printf("\n");
	if (json_is_string(t = json_object_get(resp, "text"))) {
		hl_cli_put_clean(stdout, json_string_value(t), 1, 0);
		if (json_string_length(t) > 0 &&
		    json_string_value(t)[json_string_length(t) - 1] != '\n')
			printf("\n");
	} else {
		printf("(binary content, %" JSON_INTEGER_FORMAT " bytes: use --output FILE to save it)\n",
		    hl_cli_jint(resp, "size"));
	}
	printf("\n");
	if (ex)
		printf("*** EXERCISE EXERCISE EXERCISE ***\n");
	printf("==== ");
	hl_cli_put_clean(stdout, hl_cli_jstr(resp, "label_text"), 0, 0);
	printf(" ====\n");
out:
	json_decref(resp);
	return rc;
}

const char hl_cli_ack_usage[] =
    "usage: hotline ack ID [--json]\n"
    "\n"
    "Acknowledge a received envelope as the configured operator; a signed\n"
    "acknowledged receipt goes back to its origin. Fails if already acknowledged.\n";

int
hl_cli_ack(struct hl_cli *c, int argc, char **argv)
{
	int json = 0, help, rc;
	struct hl_cli_opt opts[] = { { "json", 0, NULL, &json }, { NULL, 0, NULL, NULL } };
	char id[HL_API_ID_HEX + 1], path[128];
	json_t *resp = NULL, *body;

	if ((rc = one_id("ack", hl_cli_ack_usage, argc, argv, opts, id, &help)) != EX_OK || help)
		return rc;
	snprintf(path, sizeof(path), "/api/v1/envelopes/%s/ack", id);
	if ((body = json_object()) == NULL)
		return hl_cli_fail(EX_FAIL, "out of memory");
	rc = hl_cli_api_call(c, "ack", "POST", path, body, &resp);
	json_decref(body);
	if (rc != EX_OK)
		return rc;
	if (json) {
		hl_cli_print_json(resp);
	} else {
		printf("acknowledged %s by ", hl_cli_jstr(resp, "id"));
		hl_cli_put_clean(stdout, hl_cli_jstr(resp, "acknowledged_by"), 0, 0);
		printf(" at %s\n", hl_cli_jstr(resp, "acknowledged"));
	}
	json_decref(resp);
	return EX_OK;
}

const char hl_cli_delivery_usage[] =
    "usage: hotline delivery ID [--json]\n"
    "\n"
    "Per recipient of an envelope this node sent: queued, delivered, acknowledged\n"
    "(by whom) or rejected (with the reason), with times.\n";

int
hl_cli_delivery(struct hl_cli *c, int argc, char **argv)
{
	int json = 0, help, rc;
	struct hl_cli_opt opts[] = { { "json", 0, NULL, &json }, { NULL, 0, NULL, NULL } };
	char id[HL_API_ID_HEX + 1], path[128];
	json_t *resp = NULL, *rs, *r;
	const char *st;
	size_t i;

	if ((rc = one_id("delivery", hl_cli_delivery_usage, argc, argv, opts, id, &help)) != EX_OK || help)
		return rc;
	snprintf(path, sizeof(path), "/api/v1/envelopes/%s/delivery", id);
	if ((rc = hl_cli_api_call(c, "delivery", "GET", path, NULL, &resp)) != EX_OK)
		return rc;
	rs = json_object_get(resp, "recipients");
	if (!json_is_array(rs)) {
		json_decref(resp);
		return hl_cli_fail(EX_UNREACHABLE, "delivery: the node's answer has no recipients");
	}
	if (json) {
		hl_cli_print_json(resp);
		json_decref(resp);
		return EX_OK;
	}
	printf("envelope %s\n", id);
	json_array_foreach(rs, i, r) {
		st = hl_cli_jstr(r, "state");
		printf("  %-20s %-13s", hl_cli_jstr(r, "node"), st);
		if (strcmp(st, "acknowledged") == 0) {
			printf(" by ");
			hl_cli_put_clean(stdout, hl_cli_jstr(r, "acknowledged_by"), 0, 0);
			printf(" at %s", hl_cli_jstr(r, "acknowledged"));
		} else if (strcmp(st, "delivered") == 0) {
			printf(" at %s", hl_cli_jstr(r, "delivered"));
		} else if (strcmp(st, "rejected") == 0) {
			printf(" at %s: %s", hl_cli_jstr(r, "rejected"), hl_cli_jstr(r, "reason"));
			if (json_is_string(json_object_get(r, "detail"))) {
				printf(" (");
				hl_cli_put_clean(stdout, hl_cli_jstr(r, "detail"), 0, 0);
				printf(")");
			}
		} else {
			printf(" since %s", hl_cli_jstr(r, "queued"));
		}
		if (json_is_string(json_object_get(r, "receipt_signature_suite")))
			printf(" [receipt %s]", hl_cli_jstr(r, "receipt_signature_suite"));
		printf("\n");
	}
	json_decref(resp);
	return EX_OK;
}
