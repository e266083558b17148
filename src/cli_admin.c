/* cli_admin.c: the node commands of the CLI (docs/CLI.md): status, keys,
 * operator accounts. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "alloc.h"
#include "cli.h"

/* ---- status ---- */

const char hl_cli_status_usage[] =
    "usage: hotline status [--json]\n"
    "\n"
    "This node (name, suite, start time) and each peer link: up or down, round\n"
    "trip time, queue depth, last heartbeat, last error; then the certificates the\n"
    "node depends on: those to renew (cert_warn) one line each, the rest counted.\n";

/* The certificates: one line, or one line each to renew. */
static void
status_certs(json_t *certs)
{
	json_t *e;
	size_t i, ok = 0;
	json_int_t least = -1;

	json_array_foreach(certs, i, e) {
		if (strcmp(hl_cli_jstr(e, "state"), "ok") == 0) {
			ok++;
			if (least < 0 || hl_cli_jint(e, "days_left") < least)
				least = hl_cli_jint(e, "days_left");
			continue;
		}
		printf("  certificate %s %s: %s", hl_cli_jstr(e, "role"), hl_cli_jstr(e, "path"),
		    strcmp(hl_cli_jstr(e, "state"), "renew") == 0 ? "RENEW" :
		    strcmp(hl_cli_jstr(e, "state"), "expired") == 0 ? "EXPIRED" : "UNREADABLE");
		if (json_is_integer(json_object_get(e, "days_left")))
			printf(", %" JSON_INTEGER_FORMAT " day(s) left (expires %s)",
			    hl_cli_jint(e, "days_left"), hl_cli_jstr(e, "not_after"));
		printf("\n");
	}
	if (ok > 0)
		printf("  certificates: %zu ok, the first to expire in %" JSON_INTEGER_FORMAT
		    " days\n", ok, least);
}

int
hl_cli_status(struct hl_cli *c, int argc, char **argv)
{
	int json = 0, help, npos, rc;
	struct hl_cli_opt opts[] = { { "json", 0, NULL, &json }, { NULL, 0, NULL, NULL } };
	char *pos[1];
	json_t *resp = NULL, *peers, *p, *rtt, *lt, *wt;
	size_t i;
	int up;

	if ((rc = hl_cli_opts("status", argc, argv, opts, &help, pos, 0, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_status_usage, stdout);
		return EX_OK;
	}
	if ((rc = hl_cli_api_call(c, "status", "GET", "/api/v1/status", NULL, &resp)) != EX_OK)
		return rc;
	if (json) {
		hl_cli_print_json(resp);
		json_decref(resp);
		return EX_OK;
	}
	printf("node %s (%s), hotline %s, suite %s, started %s\n", hl_cli_jstr(resp, "node"),
	    hl_cli_jstr(resp, "partner"), hl_cli_jstr(resp, "version"), hl_cli_jstr(resp, "suite"), hl_cli_jstr(resp, "started"));
	peers = json_object_get(resp, "peers");
	json_array_foreach(peers, i, p) {
		up = strcmp(hl_cli_jstr(p, "link"), "up") == 0;
		printf("  %-20s %-4s", hl_cli_jstr(p, "node"), up ? "up" : "DOWN");
		rtt = json_object_get(p, "rtt_ms");
		if (up && json_is_number(rtt))
			printf("  rtt %.1f ms", json_number_value(rtt));
		printf("  queue %" JSON_INTEGER_FORMAT, hl_cli_jint(p, "queue_depth"));
		if (json_is_string(json_object_get(p, "last_heartbeat")))
			printf("  last heartbeat %s", hl_cli_jstr(p, "last_heartbeat"));
		if (!up && json_is_string(json_object_get(p, "last_error"))) {
			printf("  last error: ");
			hl_cli_put_clean(stdout, hl_cli_jstr(p, "last_error"), 0, 0);
		}
		lt = json_object_get(p, "link_test");
		if (json_is_object(lt) && strcmp(hl_cli_jstr(lt, "result"), "none") != 0) {
			printf("  link test: ");
			hl_cli_put_clean(stdout, hl_cli_jstr(lt, "result"), 0, 0);
			if (json_is_string(json_object_get(lt, "last_sent")))
				printf(" (sent %s)", hl_cli_jstr(lt, "last_sent"));
		}
		wt = json_object_get(p, "witness");
		if (json_is_object(wt) && json_is_integer(json_object_get(wt, "size"))) {
			printf("  witnessed %" JSON_INTEGER_FORMAT " entries", hl_cli_jint(wt, "size"));
			if (json_is_string(json_object_get(wt, "checkpoint_time")))
				printf(" (checkpoint %s)", hl_cli_jstr(wt, "checkpoint_time"));
		}
		if (json_is_object(wt) && strncmp(hl_cli_jstr(wt, "state"), "FORK", 4) == 0) {
			printf("  audit log ");
			hl_cli_put_clean(stdout, hl_cli_jstr(wt, "state"), 0, 0);
		}
		/* what the peer witnessed of our log */
		if (strcmp(hl_cli_jstr(p, "our_witness_state"), "ok") == 0 ||
		    strcmp(hl_cli_jstr(p, "our_witness_state"), "fork") == 0) {
			printf("  %s our checkpoint size %" JSON_INTEGER_FORMAT,
			    strcmp(hl_cli_jstr(p, "our_witness_state"), "ok") == 0 ? "witnessed" :
			    "DISPUTES (fork)", hl_cli_jint(p, "our_witnessed_size"));
			if (json_is_string(json_object_get(p, "our_witnessed_time")))
				printf(" at %s", hl_cli_jstr(p, "our_witnessed_time"));
		}
		printf("\n");
	}
	status_certs(json_object_get(resp, "certificates"));
	json_decref(resp);
	return EX_OK;
}

/* ---- revoke ---- */

const char hl_cli_revoke_usage[] =
    "usage: hotline revoke NOTICE [--json]\n"
    "       hotline revoke --list [--json]\n"
    "\n"
    "Give the node a revocation notice (a file hotline pki revoke wrote with a\n"
    "partner's CA key): the node checks it against the CA it pins for that\n"
    "partner, refuses the certificate from then on (its links closed, its\n"
    "descriptors refused) and passes the notice on to every peer. --list: the\n"
    "notices the node keeps.\n";

int
hl_cli_revoke(struct hl_cli *c, int argc, char **argv)
{
	int json = 0, list = 0, help, npos, rc;
	struct hl_cli_opt opts[] = { { "json", 0, NULL, &json }, { "list", 0, NULL, &list },
		{ NULL, 0, NULL, NULL } };
	char *pos[1], err[HL_PATH_MAX + 128];
	uint8_t *notice = NULL;
	size_t len = 0, i;
	json_t *resp = NULL, *e;

	if ((rc = hl_cli_opts("revoke", argc, argv, opts, &help, pos, 1, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_revoke_usage, stdout);
		return EX_OK;
	}
	if (list) {
		if ((rc = hl_cli_api_call(c, "revoke", "GET", "/api/v1/revocations", NULL, &resp)) !=
		    EX_OK)
			return rc;
		if (json)
			hl_cli_print_json(resp);
		else
			json_array_foreach(json_object_get(resp, "revocations"), i, e) {
				printf("%s  %-16s ", hl_cli_jstr(e, "time"), hl_cli_jstr(e, "node"));
				hl_cli_put_clean(stdout, hl_cli_jstr(e, "certificate_sha256"), 0, 0);
				printf("  ");
				hl_cli_put_clean(stdout, hl_cli_jstr(e, "reason"), 0, 0);
				printf("\n");
			}
		json_decref(resp);
		return EX_OK;
	}
	if (npos != 1)
		return hl_cli_fail(EX_USAGE, "revoke: expected NOTICE or --list (see hotline revoke "
		    "--help)");
	if (hl_cli_read_file(pos[0], 4096, &notice, &len, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_FAIL, "revoke: %s", err);
	rc = hl_cli_api_call_raw(c, "revoke", "POST", "/api/v1/revocations",
	    "application/octet-stream", notice, len, &resp);
	hl_free(notice);
	if (rc != EX_OK)
		return rc;
	if (json)
		hl_cli_print_json(resp);
	else
		printf("revoked: the certificate of %s (SHA-256 %s)%s\n", hl_cli_jstr(resp, "node"),
		    hl_cli_jstr(resp, "certificate_sha256"),
		    json_is_true(json_object_get(resp, "new")) ? "" : " (known already)");
	json_decref(resp);
	return EX_OK;
}

/* ---- keys ---- */

const char hl_cli_keys_usage[] =
    "usage: hotline keys list [--json]\n"
    "       hotline keys rotate [--json]\n"
    "       hotline keys rotate-sig [--param 65|87] [--json]\n"
    "\n"
    "list: the KEM key pairs this node holds (suite, epoch, created), the current\n"
    "epoch and when the next scheduled rotation is due. Old epochs are erased\n"
    "once every linked peer has adopted the new keys, and after kem_keep at most.\n"
    "Then the signature suite the node signs with and its ML-DSA signing keys\n"
    "(ml-dsa-65, ml-dsa-87: SHA-256 of the public key, created).\n"
    "rotate: make a new epoch now (admin only) and send the new descriptor to\n"
    "every linked peer; prints the resulting list.\n"
    "rotate-sig: replace the ML-DSA signing key of --param (default: the one\n"
    "the node signs with, ml-dsa-65 while it signs with Ed25519 alone; admin\n"
    "only) and send the new descriptor to every linked peer; prints the list.\n";

/* "keys rotate-sig": the request body. OUT: *body (caller decrefs). */
static int
keys_rotate_sig_body(const char *param, json_t **body)
{
	*body = NULL;
	if (param != NULL && strcmp(param, "65") != 0 && strcmp(param, "87") != 0)
		return hl_cli_fail(EX_USAGE, "keys rotate-sig: --param must be 65 or 87");
	*body = param != NULL ? json_pack("{s:i}", "param", param[0] == '6' ? 65 : 87) :
	    json_object();
	return *body != NULL ? EX_OK : hl_cli_fail(EX_FAIL, "out of memory");
}

int
hl_cli_keys(struct hl_cli *c, int argc, char **argv)
{
	int json = 0, help, npos, rc, rotate, rotate_sig;
	const char *param = NULL;
	struct hl_cli_opt opts[] = { { "json", 0, NULL, &json }, { "param", 1, &param, NULL },
	    { NULL, 0, NULL, NULL } };
	char *pos[1];
	json_t *resp = NULL, *body = NULL, *keys, *k;
	size_t i;

	if ((rc = hl_cli_opts("keys", argc, argv, opts, &help, pos, 1, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_keys_usage, stdout);
		return EX_OK;
	}
	if (npos != 1 || (strcmp(pos[0], "list") != 0 && strcmp(pos[0], "rotate") != 0 &&
	    strcmp(pos[0], "rotate-sig") != 0))
		return hl_cli_fail(EX_USAGE, "keys: expected \"list\", \"rotate\" or \"rotate-sig\" "
		    "(see hotline keys --help)");
	rotate = strcmp(pos[0], "rotate") == 0;
	rotate_sig = strcmp(pos[0], "rotate-sig") == 0;
	if (param != NULL && !rotate_sig)
		return hl_cli_fail(EX_USAGE, "keys: --param goes with rotate-sig");
	if (rotate_sig && (rc = keys_rotate_sig_body(param, &body)) != EX_OK)
		return rc;
	rc = hl_cli_api_call(c, "keys", rotate || rotate_sig ? "POST" : "GET",
	    rotate ? "/api/v1/keys/rotate" : rotate_sig ? "/api/v1/keys/rotate-sig" :
	    "/api/v1/keys", body, &resp);
	json_decref(body);
	if (rc != EX_OK)
		return rc;
	if (json) {
		hl_cli_print_json(resp);
		json_decref(resp);
		return EX_OK;
	}
	printf("suite %s, current epoch %" JSON_INTEGER_FORMAT ", next rotation %s\n",
	    hl_cli_jstr(resp, "suite"), hl_cli_jint(resp, "current_epoch"), hl_cli_jstr(resp, "next_rotation"));
	keys = json_object_get(resp, "keys");
	json_array_foreach(keys, i, k)
		printf("  epoch %-4" JSON_INTEGER_FORMAT " %-18s created %s%s\n", hl_cli_jint(k, "epoch"),
		    hl_cli_jstr(k, "suite"), hl_cli_jstr(k, "created"),
		    json_is_true(json_object_get(k, "current")) ? "  (current)" : "  (held until peers adopt the new keys)");
	printf("signature suite %s\n", hl_cli_jstr(resp, "signature_suite"));
	keys = json_object_get(resp, "signing_keys");
	json_array_foreach(keys, i, k)
		printf("  %-10s sha256 %s created %s%s\n", hl_cli_jstr(k, "suite"),
		    hl_cli_jstr(k, "sha256"), hl_cli_jstr(k, "created"),
		    json_is_true(json_object_get(k, "signing")) ? "  (signs)" : "");
	json_decref(resp);
	return EX_OK;
}

/* ---- operator accounts (docs/CLI.md, console issue): the node's
 * admin-only /api/v1/operators endpoints ---- */

const char hl_cli_operator_usage[] =
    "usage: hotline operator add NAME --role officer|analyst|admin --clearance LEVEL\n"
    "                           --nationality CODE [--password-file FILE]\n"
    "       hotline operator list [--json]\n"
    "       hotline operator disable NAME\n"
    "       hotline operator reset NAME [--password-file FILE]\n"
    "       hotline operator totp NAME [--off]\n"
    "\n"
    "Operator accounts kept in the node's database (the configuration's\n"
    "[operator] sections come first and cannot be changed here). Admin only;\n"
    "every change is audited. The password (at least 8 characters) is asked\n"
    "twice on the terminal without echo, or read from --password-file (first\n"
    "line; \"-\" is standard input). reset sets a new password and enables a\n"
    "disabled account again; disable ends the account's console sessions.\n"
    "totp gives the account a new second factor (RFC 6238: SHA-1, 30 s, 6 digits)\n"
    "and prints its secret and otpauth:// URI once, for the operator's\n"
    "authenticator app; from then on its logins need the code (--otp, HOTLINE_OTP,\n"
    "the console's code field). --off removes it. Both end its console sessions.\n";

/* operator totp NAME [--off]: the secret is printed here and nowhere else */
static int
operator_totp(struct hl_cli *c, const char *name, int off, int json)
{
	char path[HL_OPERATOR_MAX + 40];
	json_t *body, *resp = NULL;
	int rc;

	snprintf(path, sizeof(path), "/api/v1/operators/%s/totp", name);
	if ((body = off ? json_pack("{s:b}", "remove", 1) : json_object()) == NULL)
		return hl_cli_fail(EX_FAIL, "out of memory");
	rc = hl_cli_api_call(c, "operator totp", "POST", path, body, &resp);
	json_decref(body);
	if (rc != EX_OK)
		return rc;
	if (json)
		hl_cli_print_json(resp);
	else if (off)
		printf("operator %s: second factor removed\n", hl_cli_jstr(resp, "name"));
	else
		printf("operator %s: second factor enrolled; give the operator these once, "
		    "they are not shown again:\nsecret %s\n%s\n", hl_cli_jstr(resp, "name"),
		    hl_cli_jstr(resp, "secret"), hl_cli_jstr(resp, "uri"));
	json_decref(resp);   /* the secret inside: freed through hl_free */
	return EX_OK;
}

#define OPERATOR_PASSWORD_MAX 1024

/* The new password: --password-file's first line, or asked twice. */
static int
operator_password(const char *file, char *out, size_t cap)
{
	char again[OPERATOR_PASSWORD_MAX + 2];
	uint8_t *p = NULL;
	char err[300];
	size_t len = 0, n;
	int rc;

	out[0] = '\0';
	if (file != NULL) {
		if (hl_cli_read_file(file, OPERATOR_PASSWORD_MAX + 2, &p, &len, err, sizeof(err)) != HL_OK)
			return hl_cli_fail(EX_FAIL, "operator: password file %s", err);
		n = 0;
		while (n < len && p[n] != '\n' && p[n] != '\r' && p[n] != '\0')
			n++;
		if (n >= cap) {
			hl_free_secret(p, len + 1);
			return hl_cli_fail(EX_USAGE, "operator: password longer than %zu bytes", cap - 1);
		}
		memcpy(out, p, n);
		out[n] = '\0';
		hl_free_secret(p, len + 1);
		return EX_OK;
	}
	if ((rc = hl_cli_tty_password("New password: ", "operator: no terminal to ask the password "
	    "on; use --password-file", out, cap)) != EX_OK)
		return rc;
	if ((rc = hl_cli_tty_password("Again: ", "operator: no terminal to ask the password on; "
	    "use --password-file", again, sizeof(again))) != EX_OK) {
		OPENSSL_cleanse(out, cap);
		return rc;
	}
	rc = strcmp(out, again) == 0 ? EX_OK : hl_cli_fail(EX_USAGE, "operator: the passwords differ");
	OPENSSL_cleanse(again, sizeof(again));
	if (rc != EX_OK)
		OPENSSL_cleanse(out, cap);
	return rc;
}

int
hl_cli_operator(struct hl_cli *c, int argc, char **argv)
{
	const char *role = NULL, *clearance = NULL, *nat = NULL, *pwfile = NULL;
	int json = 0, off = 0, help, npos, rc;
	struct hl_cli_opt opts[] = { { "role", 1, &role, NULL }, { "clearance", 1, &clearance, NULL },
		{ "nationality", 1, &nat, NULL }, { "password-file", 1, &pwfile, NULL },
		{ "json", 0, NULL, &json }, { "off", 0, NULL, &off }, { NULL, 0, NULL, NULL } };
	char *pos[2], path[HL_OPERATOR_MAX + 40], pass[OPERATOR_PASSWORD_MAX + 2];
	json_t *body = NULL, *resp = NULL, *items, *it;
	size_t i;

	pass[0] = '\0';
	if ((rc = hl_cli_opts("operator", argc, argv, opts, &help, pos, 2, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_operator_usage, stdout);
		return EX_OK;
	}
	if (npos == 1 && strcmp(pos[0], "list") == 0) {
		if ((rc = hl_cli_api_call(c, "operator list", "GET", "/api/v1/operators", NULL, &resp)) != EX_OK)
			return rc;
		if (json) {
			hl_cli_print_json(resp);
		} else {
			items = json_object_get(resp, "items");
			json_array_foreach(items, i, it)
				printf("%-20s %-8s %-14s %-6s %-9s %s%s\n", hl_cli_jstr(it, "name"),
				    hl_cli_jstr(it, "role"), hl_cli_jstr(it, "clearance"), hl_cli_jstr(it, "nationality"),
				    json_is_true(json_object_get(it, "disabled")) ? "DISABLED" : "enabled",
				    hl_cli_jstr(it, "source"),
				    json_is_true(json_object_get(it, "totp")) ? "  totp" : "");
		}
		json_decref(resp);
		return EX_OK;
	}
	if (npos != 2 || (strcmp(pos[0], "add") != 0 && strcmp(pos[0], "disable") != 0 &&
	    strcmp(pos[0], "reset") != 0 && strcmp(pos[0], "totp") != 0))
		return hl_cli_fail(EX_USAGE, "operator: expected add NAME, list, disable NAME, reset NAME "
		    "or totp NAME (see hotline operator --help)");
	if (strlen(pos[1]) > HL_OPERATOR_MAX)
		return hl_cli_fail(EX_USAGE, "operator: name longer than %d bytes", HL_OPERATOR_MAX);
	if (off && strcmp(pos[0], "totp") != 0)
		return hl_cli_fail(EX_USAGE, "operator %s: only totp takes --off", pos[0]);
	if (strcmp(pos[0], "totp") == 0) {
		if (role != NULL || clearance != NULL || nat != NULL || pwfile != NULL)
			return hl_cli_fail(EX_USAGE, "operator totp: takes only --off and --json");
		return operator_totp(c, pos[1], off, json);
	}
	if (strcmp(pos[0], "add") == 0) {
		if (role == NULL || clearance == NULL || nat == NULL)
			return hl_cli_fail(EX_USAGE, "operator add: --role, --clearance and --nationality "
			    "are required");
	} else if (role != NULL || clearance != NULL || nat != NULL) {
		return hl_cli_fail(EX_USAGE, "operator %s: only add takes --role, --clearance, "
		    "--nationality", pos[0]);
	}
	if (strcmp(pos[0], "disable") == 0) {
		if (pwfile != NULL)
			return hl_cli_fail(EX_USAGE, "operator disable: takes no password");
		snprintf(path, sizeof(path), "/api/v1/operators/%s/disable", pos[1]);
		body = json_object();
	} else {
		if ((rc = operator_password(pwfile, pass, sizeof(pass))) != EX_OK)
			return rc;
		if (strcmp(pos[0], "add") == 0) {
			snprintf(path, sizeof(path), "/api/v1/operators");
			body = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", pos[1], "role", role,
			    "clearance", clearance, "nationality", nat, "password", pass);
		} else {
			snprintf(path, sizeof(path), "/api/v1/operators/%s/reset", pos[1]);
			body = json_pack("{s:s}", "password", pass);
		}
		OPENSSL_cleanse(pass, sizeof(pass));
	}
	if (body == NULL)
		return hl_cli_fail(EX_FAIL, "out of memory");
	rc = hl_cli_api_call(c, "operator", "POST", path, body, &resp);
	json_decref(body);   /* the password inside: freed through hl_free */
	if (rc != EX_OK)
		return rc;
	if (json)
		hl_cli_print_json(resp);
	else
		printf("operator %s: %s (%s, %s, %s)\n", hl_cli_jstr(resp, "name"),
		    strcmp(pos[0], "add") == 0 ? "added" : strcmp(pos[0], "reset") == 0 ?
		    "password reset, enabled" : "disabled", hl_cli_jstr(resp, "role"),
		    hl_cli_jstr(resp, "clearance"), hl_cli_jstr(resp, "nationality"));
	json_decref(resp);
	return EX_OK;
}
