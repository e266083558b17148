/* profile.c: the CLI's profile file (see profile.h). */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "config.h"
#include "label.h"
#include "profile.h"

enum { PK_URL, PK_CA, PK_NODE, PK_USER, PK_TOKEN, PK_COUNT };

static const char *const keys[PK_COUNT] = { "url", "ca", "node", "user", "token" };

int
hl_profile_url(const char *url, char host[HL_HOST_MAX + 1], uint16_t *port)
{
	char hp[HL_HOST_MAX + 16];
	size_t n;

	host[0] = '\0';
	*port = 0;
	if (url == NULL || strncmp(url, "https://", 8) != 0)
		return HL_ERR_MALFORMED;
	url += 8;
	n = strlen(url);
	if (n > 0 && url[n - 1] == '/')
		n--;
	if (n == 0 || n >= sizeof(hp) || memchr(url, '/', n) != NULL)
		return HL_ERR_MALFORMED;
	memcpy(hp, url, n);
	hp[n] = '\0';
	return hl_parse_hostport(hp, host, port) == HL_OK ? HL_OK : HL_ERR_MALFORMED;
}

static int
name_ok(const char *s)
{
	return hl_operator_name_valid(s, strlen(s));
}

static int
token_ok(const char *s)
{
	return strlen(s) == HL_APITOKEN_HEX && strspn(s, "0123456789abcdef") == HL_APITOKEN_HEX;
}

/* One value into its field. NULL, or why not. */
static const char *
set_value(struct hl_profile *out, int k, const char *v, size_t vl)
{
	char *dst[PK_COUNT] = { NULL, out->ca_path, out->node, out->user, out->token };
	size_t cap[PK_COUNT] = { 0, sizeof(out->ca_path), sizeof(out->node), sizeof(out->user),
	    sizeof(out->token) };
	char url[HL_HOST_MAX + 32];

	if (k == PK_URL) {
		if (vl >= sizeof(url))
			return "url too long";
		memcpy(url, v, vl);
		url[vl] = '\0';
		return hl_profile_url(url, out->host, &out->port) == HL_OK ? NULL :
		    "url: expected https://HOST:PORT";
	}
	if (vl >= cap[k])
		return "value too long";
	memcpy(dst[k], v, vl);
	dst[k][vl] = '\0';
	if (k == PK_CA && out->ca_path[0] != '/')
		return "ca: expected an absolute path";
	if (k == PK_NODE && !hl_label_node_name_valid(out->node, NULL))
		return "node: expected PARTNER/name";
	if (k == PK_USER && !name_ok(out->user))
		return "user: expected an operator name";
	if (k == PK_TOKEN && !token_ok(out->token))
		return "token: expected 64 lowercase hex digits";
	return NULL;
}

/* How many of s[0, n) from the start are in set (s need not end in NUL). */
static size_t
span(const char *s, size_t n, const char *set)
{
	size_t i = 0;

	while (i < n && strchr(set, s[i]) != NULL && s[i] != '\0')
		i++;
	return i;
}

/* One line s[0, n) (no newline, no NUL after it). NULL, or why not. */
static const char *
parse_line(struct hl_profile *out, unsigned seen[PK_COUNT], const char *s, size_t n)
{
	size_t kl, i;
	int k;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return "control character";
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n == 0 || s[0] == '#')
		return NULL;
	kl = span(s, n, "abcdefghijklmnopqrstuvwxyz");
	for (k = 0; k < PK_COUNT; k++)
		if (strlen(keys[k]) == kl && memcmp(s, keys[k], kl) == 0)
			break;
	if (kl == 0 || k == PK_COUNT)
		return "unknown key";
	if (seen[k]++)
		return "key given twice";
	i = kl + span(s + kl, n - kl, " ");
	if (i >= n || s[i] != '=')
		return "expected key = value";
	i++;
	i += span(s + i, n - i, " ");
	return set_value(out, k, s + i, n - i);
}

int
hl_profile_parse(const uint8_t *p, size_t len, struct hl_profile *out, char *err,
    size_t errlen)
{
	unsigned seen[PK_COUNT] = { 0 }, line = 0;
	const char *s = (const char *)p, *why = NULL;
	size_t off = 0, n;
	int k;

	memset(out, 0, sizeof(*out));
	if (len > HL_PROFILE_MAX_BYTES) {
		snprintf(err, errlen, "larger than %u bytes", HL_PROFILE_MAX_BYTES);
		return HL_ERR_TOO_BIG;
	}
	while (off < len && why == NULL) {
		const char *nl = memchr(s + off, '\n', len - off);

		n = nl != NULL ? (size_t)(nl - (s + off)) : len - off;
		line++;
		why = parse_line(out, seen, s + off, n);
		off += n + (nl != NULL);
	}
	for (k = 0; k < PK_COUNT && why == NULL; k++)
		if (!seen[k]) {
			snprintf(err, errlen, "missing key '%s'", keys[k]);
			OPENSSL_cleanse(out, sizeof(*out));
			return HL_ERR_MALFORMED;
		}
	if (why != NULL) {
		snprintf(err, errlen, "line %u: %s", line, why);
		OPENSSL_cleanse(out, sizeof(*out));
		return HL_ERR_MALFORMED;
	}
	return HL_OK;
}

/* A path the parser reads back as it is: absolute, no control character,
 * no blank at the end. */
static int
path_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || s[0] != '/' || s[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

int
hl_profile_format(const struct hl_profile *p, char *out, size_t cap, size_t *len)
{
	int v6 = strchr(p->host, ':') != NULL, n;

	*len = 0;
	if (p->host[0] == '\0' || p->port == 0 || !path_ok(p->ca_path) ||
	    !hl_label_node_name_valid(p->node, NULL) ||
	    !name_ok(p->user) || !token_ok(p->token))
		return HL_ERR_INVALID;
	n = snprintf(out, cap, "# hotline CLI profile, written by hotline login (docs/CLI.md).\n"
	    "# It holds a session token: keep it private (mode 0600).\n"
	    "url = https://%s%s%s:%u\nca = %s\nnode = %s\nuser = %s\ntoken = %s\n",
	    v6 ? "[" : "", p->host, v6 ? "]" : "", (unsigned)p->port, p->ca_path, p->node, p->user,
	    p->token);
	if (n < 0 || (size_t)n >= cap) {
		OPENSSL_cleanse(out, cap);
		return HL_ERR_TOO_BIG;
	}
	*len = (size_t)n;
	return HL_OK;
}
