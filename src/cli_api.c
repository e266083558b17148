/* cli_api.c: the CLI's configuration, credentials and operator API calls
 * (docs/CLI.md): one HTTPS request per call through httpc. */
#include <sys/stat.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "alloc.h"
#include "apijson.h"
#include "cli.h"

/* an API response: a maximal content as base64 in JSON, and room */
#define CLI_BODY_MAX (HL_CONTENT_MAX_BYTES / 3u * 4u + 2u * 1024u * 1024u)

/* ---- configuration and credentials ---- */

int
hl_cli_load_config(struct hl_cli *c)
{
	char err[512];

	if (c->have_cfg)
		return EX_OK;
	if (c->conf_path == NULL)
		return hl_cli_fail(EX_USAGE, "no configuration: use -c CONF or set HOTLINE_CONF (this "
		    "command reads the node's configuration; a hotline login profile is not enough)");
	if (hl_config_load(c->conf_path, &c->cfg, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_FAIL, "%s", err);
	c->have_cfg = 1;
	return EX_OK;
}

static int
load_password(struct hl_cli *c)
{
	const char *env = getenv("HOTLINE_PASSWORD");
	const char *f = c->cfg.cli_password_file;
	char path[HL_PATH_MAX * 2], dir[HL_PATH_MAX], err[600], *slash;
	uint8_t *p = NULL;
	size_t n = 0;

	if (env != NULL) {
		if ((c->password = hl_strdup(env)) == NULL)
			return hl_cli_fail(EX_FAIL, "out of memory");
		c->password_cap = strlen(env) + 1;
		return EX_OK;
	}
	if (f[0] == '\0')
		return hl_cli_fail(EX_USAGE, "no password: set [cli] password_file in %s or HOTLINE_PASSWORD",
		    c->conf_path);
	/* relative to the configuration's directory (unless the parser resolved it) */
	if (f[0] == '/' || access(f, F_OK) == 0) {
		snprintf(path, sizeof(path), "%s", f);
	} else {
		snprintf(dir, sizeof(dir), "%s", c->conf_path);
		if ((slash = strrchr(dir, '/')) != NULL)
			*slash = '\0';
		else
			snprintf(dir, sizeof(dir), ".");
		snprintf(path, sizeof(path), "%s/%s", dir, f);
	}
	if (hl_cli_read_file(path, HL_API_PASSWORD_MAX, &p, &n, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_FAIL, "password file %s", err);
	c->password_cap = n + 1;
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		p[--n] = '\0';
	c->password = (char *)p;
	return EX_OK;
}

/* The [cli] certificate and key instead of a password: the key must be
 * the caller's alone (it is in clear). */
static int
use_certificate(struct hl_cli *c)
{
	struct stat st;

	if (stat(c->cfg.cli_key_path, &st) != 0)
		return hl_cli_fail(EX_FAIL, "%s: %s", c->cfg.cli_key_path, strerror(errno));
	if ((st.st_mode & 077) != 0)
		return hl_cli_fail(EX_FAIL, "%s: the key is readable by group or others; chmod 600 it",
		    c->cfg.cli_key_path);
	snprintf(c->hc.cert_path, sizeof(c->hc.cert_path), "%s", c->cfg.cli_cert_path);
	snprintf(c->hc.key_path, sizeof(c->hc.key_path), "%s", c->cfg.cli_key_path);
	snprintf(c->who, sizeof(c->who), "the certificate %s", c->cfg.cli_cert_path);
	return EX_OK;
}

int
hl_cli_setup_otp(struct hl_cli *c)
{
	if (c->otp == NULL)
		c->otp = getenv("HOTLINE_OTP");
	if (c->otp != NULL && c->otp[0] != '\0' && (strlen(c->otp) > HL_HTTPC_OTP_MAX ||
	    strspn(c->otp, "0123456789") != strlen(c->otp)))
		return hl_cli_fail(EX_USAGE, "--otp / HOTLINE_OTP: expected the one-time code's "
		    "digits");
	c->hc.otp = c->otp;
	return EX_OK;
}

/* HTTP Basic: the user and password. */
static int
use_password(struct hl_cli *c, const char *env_user)
{
	int rc;

	snprintf(c->hc.user, sizeof(c->hc.user), "%s",
	    env_user != NULL ? env_user : c->cfg.cli_user);
	if (c->hc.user[0] == '\0')
		return hl_cli_fail(EX_USAGE, "no operator name: set [cli] user in %s or HOTLINE_USER",
		    c->conf_path);
	if ((rc = load_password(c)) != EX_OK)
		return rc;
	c->hc.password = c->password;
	snprintf(c->who, sizeof(c->who), "operator %s", c->hc.user);
	return EX_OK;
}

int
hl_cli_setup(struct hl_cli *c)
{
	const char *env_user = getenv("HOTLINE_USER"), *env_api = getenv("HOTLINE_API");
	int rc;

	if (c->ready)
		return EX_OK;   /* already set up (commands that call the API more than once) */
	if (c->conf_path == NULL)
		return hl_cli_profile_setup(c);
	if ((rc = hl_cli_load_config(c)) != EX_OK)
		return rc;
	memset(&c->hc, 0, sizeof(c->hc));
	if (env_api != NULL) {
		if (hl_parse_hostport(env_api, c->hc.host, &c->hc.port) != HL_OK)
			return hl_cli_fail(EX_USAGE, "HOTLINE_API: expected host:port, got \"%s\"", env_api);
	} else {
		snprintf(c->hc.host, sizeof(c->hc.host), "%s", c->cfg.api_host);
		c->hc.port = c->cfg.api_port;
	}
	/* a wildcard listen address is reached on loopback */
	if (strcmp(c->hc.host, "0.0.0.0") == 0 || c->hc.host[0] == '\0')
		snprintf(c->hc.host, sizeof(c->hc.host), "127.0.0.1");
	else if (strcmp(c->hc.host, "::") == 0)
		snprintf(c->hc.host, sizeof(c->hc.host), "::1");
	snprintf(c->hc.ca_path, sizeof(c->hc.ca_path), "%s", c->cfg.ca_path);
	snprintf(c->hc.node, sizeof(c->hc.node), "%s", c->cfg.node);
	c->hc.timeout_ms = HL_HTTPC_TIMEOUT_MS;
	/* the certificate, unless the environment names other credentials */
	if (c->cfg.cli_cert_path[0] != '\0' && getenv("HOTLINE_PASSWORD") == NULL &&
	    env_user == NULL)
		rc = use_certificate(c);
	else
		rc = use_password(c, env_user);
	if (rc == EX_OK && (rc = hl_cli_setup_otp(c)) == EX_OK)
		c->ready = 1;
	return rc;
}

/* ---- calling the API ---- */

/* One request. what names the command in error lines. On success (2xx)
 * OUT: *resp (caller decrefs). Prints the error line itself. */
int
hl_cli_api_call(struct hl_cli *c, const char *what, const char *method, const char *path,
    json_t *body, json_t **resp)
{
	char *b = NULL;
	size_t blen = 0;
	int rc;

	*resp = NULL;
	if (body != NULL) {
		if ((b = json_dumps(body, JSON_COMPACT)) == NULL)
			return hl_cli_fail(EX_FAIL, "out of memory");
		blen = strlen(b);
	}
	rc = hl_cli_api_call_raw(c, what, method, path, NULL, (const uint8_t *)b, blen, resp);
	if (b != NULL)
		hl_free_secret(b, blen + 1);
	return rc;
}

int
hl_cli_api_call_raw(struct hl_cli *c, const char *what, const char *method, const char *path,
    const char *content_type, const uint8_t *body, size_t blen, json_t **resp)
{
	struct hl_http_resp hr;
	json_t *j = NULL, *m;
	uint8_t *raw = NULL;
	char err[512];
	int rc, r;

	*resp = NULL;
	if ((rc = hl_cli_setup(c)) != EX_OK)
		return rc;
	r = hl_httpc_request(&c->hc, &(struct hl_httpc_req){ .method = method, .path = path,
	    .content_type = content_type, .body = body, .body_len = blen,
	    .body_max = CLI_BODY_MAX }, &hr, &raw, err, sizeof(err));
	if (r != HL_OK) {
		rc = hl_cli_fail(r == HL_ERR_NOMEM ? EX_FAIL : EX_UNREACHABLE, "%s", err);
		goto out;
	}
	snprintf(c->seen_node, sizeof(c->seen_node), "%s", hr.node);
	if (hr.body_len > 0 && hl_apijson_depth_ok(hr.body, hr.body_len))
		j = json_loadb((const char *)hr.body, hr.body_len, JSON_REJECT_DUPLICATES, NULL);
	if (hr.status >= 200 && hr.status < 300) {
		if (!json_is_object(j)) {
			rc = hl_cli_fail(EX_UNREACHABLE, "%s: the node answered %d without a JSON object", what,
			    hr.status);
			goto out;
		}
		*resp = j;
		j = NULL;
		rc = EX_OK;
		goto out;
	}
	m = json_is_object(j) ? json_object_get(j, "message") : NULL;
	if (hr.status == 401)
		rc = hl_cli_fail(EX_AUTH, "authentication failed for %s at node %s:%u%s%s", c->who,
		    c->hc.host, (unsigned)c->hc.port, json_is_string(m) ? ": " : "",
		    json_is_string(m) ? json_string_value(m) : "");
	else if (hr.status == 429)
		rc = hl_cli_fail(EX_AUTH, "%s: %s", what, json_is_string(m) ? json_string_value(m) :
		    "too many failed logins; try again later");
	else if (hr.status == 403)
		rc = hl_cli_fail(EX_FAIL, "%s refused: %s", what, json_is_string(m) ? json_string_value(m) :
		    "denied");
	else if (hr.status == 503 && json_is_string(m))
		rc = hl_cli_fail(EX_FAIL, "%s: %s (try again shortly)", what, json_string_value(m));
	else if (json_is_string(m))
		rc = hl_cli_fail(EX_FAIL, "%s: %s", what, json_string_value(m));
	else
		rc = hl_cli_fail(EX_FAIL, "%s: the node answered HTTP %d", what, hr.status);
out:
	json_decref(j);
	/* an answer may carry a secret (a session token, a TOTP secret) */
	if (raw != NULL && hr.body_len > 0)
		OPENSSL_cleanse((void *)(uintptr_t)hr.body, hr.body_len);
	hl_free(raw);
	return rc;
}

/* --ttl in whole seconds (0 when not given); an exit code. */
static int
ttl_seconds(const char *cmd, const char *ttl, uint64_t *out)
{
	uint64_t ms = 0;

	*out = 0;
	if (ttl != NULL && (hl_parse_duration_ms(ttl, &ms) != HL_OK || ms < 1000 ||
	    ms / 1000 > HL_API_TTL_MAX_S))
		return hl_cli_fail(EX_USAGE, "%s: --ttl must be a duration from 1s to %ud", cmd,
		    HL_API_TTL_MAX_S / 86400);
	*out = ms / 1000;
	return EX_OK;
}

int
hl_cli_envelope_check(const char *cmd, const struct hl_cli_envelope *e)
{
	uint64_t ttl_s;

	return ttl_seconds(cmd, e->ttl, &ttl_s);
}

int
hl_cli_envelope_body(const char *cmd, const struct hl_cli_envelope *e, json_t **out)
{
	json_t *body = NULL, *arr = NULL;
	uint64_t ttl_s;
	int rc;

	*out = NULL;
	if ((rc = ttl_seconds(cmd, e->ttl, &ttl_s)) != EX_OK)
		return rc;
	if ((body = json_object()) == NULL)
		goto nomem;
	if (strcmp(e->to, "all") == 0) {
		if (json_object_set_new(body, "to_all", json_true()) != 0)
			goto nomem;
	} else {
		if ((arr = json_array()) == NULL || json_object_set(body, "to", arr) != 0)
			goto nomem;
		if (hl_cli_add_csv(arr, e->to) != 0) {
			rc = hl_cli_fail(EX_USAGE, "%s: --to: empty recipient in \"%s\"", cmd, e->to);
			goto out;
		}
		json_decref(arr);
		arr = NULL;
	}
	if (json_object_set_new(body, "precedence", json_string(e->precedence)) != 0 ||
	    json_object_set_new(body, "classification", json_string(e->classification)) != 0)
		goto bad_arg;
	if ((arr = json_array()) == NULL || json_object_set(body, "releasable_to", arr) != 0)
		goto nomem;
	if (hl_cli_add_csv(arr, e->releasable) != 0) {
		rc = hl_cli_fail(EX_USAGE, "%s: --releasable-to: empty partner in \"%s\"", cmd,
		    e->releasable);
		goto out;
	}
	if (json_object_set_new(body, "tlp", json_string(e->tlp)) != 0 ||
	    json_object_set_new(body, "content_type", json_string(e->type)) != 0)
		goto bad_arg;
	if (e->exercise && json_object_set_new(body, "exercise", json_true()) != 0)
		goto nomem;
	if (ttl_s > 0 && json_object_set_new(body, "ttl_s", json_integer((json_int_t)ttl_s)) != 0)
		goto nomem;
	*out = body;
	body = NULL;
	rc = EX_OK;
	goto out;
bad_arg:
	rc = hl_cli_fail(EX_USAGE, "%s: options must be valid UTF-8", cmd);
	goto out;
nomem:
	rc = hl_cli_fail(EX_FAIL, "out of memory");
out:
	json_decref(arr);
	json_decref(body);
	return rc;
}

/* Append s to q (at *o of qmax), percent-encoding all but unreserved
 * characters. 0 when it does not fit. */
static int
q_put(char *q, size_t qmax, size_t *o, const char *s, int encode)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char ch;

	for (; *s != '\0'; s++) {
		ch = (unsigned char)*s;
		if (!encode || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			if (*o + 1 >= qmax)
				return 0;
			q[(*o)++] = (char)ch;
		} else {
			if (*o + 3 >= qmax)
				return 0;
			q[(*o)++] = '%';
			q[(*o)++] = hex[ch >> 4];
			q[(*o)++] = hex[ch & 15];
		}
	}
	q[*o] = '\0';
	return 1;
}

/* The upload's path: the send body's fields (all but the content) as its
 * query string (docs/API.md). 0 when they do not fit. */
static int
upload_path(json_t *body, char *out, size_t outlen)
{
	const char *key;
	json_t *v, *it;
	size_t o = 0, i;
	char num[32];
	int first = 1;

	if (!q_put(out, outlen, &o, "/api/v1/envelopes/upload?", 0))
		return 0;
	json_object_foreach(body, key, v) {
		if (!(first ? 1 : q_put(out, outlen, &o, "&", 0)) ||
		    !q_put(out, outlen, &o, key, 1) || !q_put(out, outlen, &o, "=", 0))
			return 0;
		first = 0;
		if (json_is_array(v)) {
			json_array_foreach(v, i, it) {
				if (!json_is_string(it) || (i > 0 && !q_put(out, outlen, &o, ",", 0)) ||
				    !q_put(out, outlen, &o, json_string_value(it), 1))
					return 0;
			}
		} else if (json_is_boolean(v)) {
			if (!q_put(out, outlen, &o, json_is_true(v) ? "true" : "false", 0))
				return 0;
		} else if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
			if (!q_put(out, outlen, &o, num, 0))
				return 0;
		} else if (!json_is_string(v) || !q_put(out, outlen, &o, json_string_value(v), 1)) {
			return 0;
		}
	}
	return 1;
}

/* Print the id of an accepted send; an exit code. */
static int
print_sent_id(const char *cmd, json_t *resp)
{
	if (!json_is_string(json_object_get(resp, "id")))
		return hl_cli_fail(EX_UNREACHABLE, "%s: the node's answer has no id", cmd);
	printf("%s\n", json_string_value(json_object_get(resp, "id")));
	return EX_OK;
}

int
hl_cli_upload_envelope(struct hl_cli *c, const char *cmd, json_t *fields,
    const uint8_t *content, size_t clen)
{
	json_t *resp = NULL;
	char path[HL_API_UPLOAD_QUERY_MAX + 64];
	int rc;

	if (!upload_path(fields, path, sizeof(path)))
		return hl_cli_fail(EX_USAGE, "%s: the envelope's fields are too long", cmd);
	if ((rc = hl_cli_api_call_raw(c, cmd, "POST", path, "application/octet-stream", content,
	    clen, &resp)) != EX_OK)
		return rc;
	rc = print_sent_id(cmd, resp);
	json_decref(resp);
	return rc;
}

int
hl_cli_post_envelope(struct hl_cli *c, const char *cmd, json_t *body)
{
	json_t *resp = NULL;
	int rc;

	if ((rc = hl_cli_api_call(c, cmd, "POST", "/api/v1/envelopes", body, &resp)) != EX_OK)
		return rc;
	if (!json_is_string(json_object_get(resp, "id")))
		rc = hl_cli_fail(EX_UNREACHABLE, "%s: the node's answer has no id", cmd);
	else
		printf("%s\n", json_string_value(json_object_get(resp, "id")));
	json_decref(resp);
	return rc;
}
