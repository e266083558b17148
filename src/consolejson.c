/* consolejson.c: parsers for the console and the account / label-check
 * endpoints. Every input is bounded before it is examined; unknown fields
 * are refused by name, like the rest of the operator API. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "consolejson.h"

int
hl_consolejson_cookie(const char *hdr, uint8_t sid[static HL_CONSOLE_SID_BYTES])
{
	const char *p, *end, *eq, *v;
	size_t nl = strlen(HL_CONSOLE_COOKIE), hl, vl;
	int found = 0;

	memset(sid, 0, HL_CONSOLE_SID_BYTES);
	if (hdr == NULL)
		return HL_ERR_NOT_FOUND;
	if ((hl = strnlen(hdr, HL_CONSOLE_COOKIE_MAX + 1)) > HL_CONSOLE_COOKIE_MAX)
		return HL_ERR_MALFORMED;
	for (p = hdr; p < hdr + hl; p = end + 1) {
		while (p < hdr + hl && (*p == ' ' || *p == '\t'))
			p++;
		if ((end = memchr(p, ';', (size_t)(hdr + hl - p))) == NULL)
			end = hdr + hl;
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL && (size_t)(eq - p) == nl && memcmp(p, HL_CONSOLE_COOKIE, nl) == 0) {
			if (found)
				return HL_ERR_MALFORMED;   /* two session cookies: refuse both */
			found = 1;
			v = eq + 1;
			vl = (size_t)(end - v);
			while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (vl != HL_CONSOLE_SID_HEX)
				return HL_ERR_MALFORMED;
			if (hl_hex_decode(v, vl, sid, HL_CONSOLE_SID_BYTES, HL_HEX_LOWER) != HL_OK)
				return HL_ERR_MALFORMED;   /* (sid zeroed) */
		}
		if (end == hdr + hl)
			break;
	}
	return found ? HL_OK : HL_ERR_NOT_FOUND;
}

/* Copy a string member into dst (1..cap-1 bytes, no NUL inside). */
static int
get_str(json_t *o, const char *key, char *dst, size_t cap, int required, char *err,
    size_t errlen)
{
	json_t *v = json_object_get(o, key);
	size_t n;

	dst[0] = '\0';
	if (v == NULL) {
		if (!required)
			return HL_ERR_NOT_FOUND;
		snprintf(err, errlen, "missing field \"%s\"", key);
		return HL_ERR_MALFORMED;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "\"%s\" must be a string", key);
		return HL_ERR_MALFORMED;
	}
	n = json_string_length(v);
	if (n == 0 || n >= cap || memchr(json_string_value(v), '\0', n) != NULL) {
		snprintf(err, errlen, "\"%s\" must be 1 to %zu bytes of text", key, cap - 1);
		return HL_ERR_MALFORMED;
	}
	memcpy(dst, json_string_value(v), n + 1);
	return HL_OK;
}

/* Refuse any member not in the NULL-terminated list. */
static int
only_fields(json_t *o, const char *const *allowed, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(o, key, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			if (strlen(key) <= 64)
				snprintf(err, errlen, "unknown field \"%s\"", key);
			else
				snprintf(err, errlen, "unknown field");
			return HL_ERR_MALFORMED;
		}
	}
	return HL_OK;
}

int
hl_consolejson_login(const uint8_t *p, size_t len, char user[HL_OPERATOR_MAX + 1],
    char pass[HL_API_PASSWORD_MAX + 1], char code[HL_CONSOLE_CODE_MAX + 1], char *err,
    size_t errlen)
{
	static const char *const fields[] = { "user", "password", "code", NULL };
	json_t *j = NULL;
	int r;

	user[0] = '\0';
	pass[0] = '\0';
	code[0] = '\0';
	if ((r = hl_apijson_load_object(p, len, HL_CONSOLE_BODY_MAX, &j, err, errlen)) != HL_OK)
		return r;
	if ((r = only_fields(j, fields, err, errlen)) != HL_OK ||
	    (r = get_str(j, "user", user, HL_OPERATOR_MAX + 1, 1, err, errlen)) != HL_OK ||
	    (r = get_str(j, "password", pass, HL_API_PASSWORD_MAX + 1, 1, err, errlen)) != HL_OK)
		goto out;
	if ((r = get_str(j, "code", code, HL_CONSOLE_CODE_MAX + 1, 0, err, errlen)) ==
	    HL_ERR_NOT_FOUND)
		r = HL_OK;   /* optional: accounts without a second factor */
out:
	if (r != HL_OK) {
		OPENSSL_cleanse(pass, HL_API_PASSWORD_MAX + 1);
		OPENSSL_cleanse(code, HL_CONSOLE_CODE_MAX + 1);
	}
	json_decref(j);   /* the password inside is freed through hl_free (jansson hooks) */
	return r;
}

int
hl_consolejson_totp(const uint8_t *p, size_t len, int *remove, char *err, size_t errlen)
{
	static const char *const fields[] = { "remove", NULL };
	json_t *j = NULL, *v;
	int r;

	*remove = 0;
	if (len == 0)
		return HL_OK;
	if ((r = hl_apijson_load_object(p, len, HL_CONSOLE_BODY_MAX, &j, err, errlen)) != HL_OK)
		return r;
	if ((r = only_fields(j, fields, err, errlen)) == HL_OK &&
	    (v = json_object_get(j, "remove")) != NULL) {
		if (json_is_boolean(v)) {
			*remove = json_is_true(v);
		} else {
			snprintf(err, errlen, "\"remove\" must be true or false");
			r = HL_ERR_MALFORMED;
		}
	}
	json_decref(j);
	return r;
}

int
hl_consolejson_role(const char *s, uint8_t *out)
{
	*out = 0;
	if (strcasecmp(s, "officer") == 0)
		*out = HL_ROLE_OFFICER;
	else if (strcasecmp(s, "analyst") == 0)
		*out = HL_ROLE_ANALYST;
	else if (strcasecmp(s, "admin") == 0)
		*out = HL_ROLE_ADMIN;
	else
		return HL_ERR_INVALID;
	return HL_OK;
}

int
hl_consolejson_operator(const uint8_t *p, size_t len, const struct hl_policy *pol, int full,
    struct hl_operator_conf *op, char pass[HL_API_PASSWORD_MAX + 1], char *err, size_t errlen)
{
	static const char *const add_fields[] = { "name", "role", "clearance", "nationality",
	    "password", NULL };
	static const char *const reset_fields[] = { "password", NULL };
	char role[16], level[HL_LEVEL_NAME_MAX + 1];
	json_t *j = NULL;
	int r;

	memset(op, 0, sizeof(*op));
	pass[0] = '\0';
	if ((r = hl_apijson_load_object(p, len, HL_CONSOLE_BODY_MAX, &j, err, errlen)) != HL_OK)
		return r;
	if ((r = only_fields(j, full ? add_fields : reset_fields, err, errlen)) != HL_OK ||
	    (r = get_str(j, "password", pass, HL_API_PASSWORD_MAX + 1, 1, err, errlen)) != HL_OK)
		goto out;
	if (!full)
		goto out;
	if ((r = get_str(j, "name", op->name, sizeof(op->name), 1, err, errlen)) != HL_OK ||
	    (r = get_str(j, "role", role, sizeof(role), 1, err, errlen)) != HL_OK ||
	    (r = get_str(j, "clearance", level, sizeof(level), 1, err, errlen)) != HL_OK ||
	    (r = get_str(j, "nationality", op->nationality, sizeof(op->nationality), 1, err,
	    errlen)) != HL_OK)
		goto out;
	r = HL_ERR_MALFORMED;
	if (hl_consolejson_role(role, &op->role) != HL_OK) {
		snprintf(err, errlen, "role must be officer, analyst or admin");
		goto out;
	}
	if (hl_policy_level(pol, level, &op->clearance) != HL_OK) {
		snprintf(err, errlen, "clearance %s is not a level of policy %s", level, pol->id);
		goto out;
	}
	if (!hl_partner_valid(op->nationality)) {
		snprintf(err, errlen, "nationality must be a partner code (2 to 8 of A-Z, 0-9)");
		goto out;
	}
	r = HL_OK;
out:
	if (r != HL_OK) {
		OPENSSL_cleanse(pass, HL_API_PASSWORD_MAX + 1);
		memset(op, 0, sizeof(*op));
	}
	json_decref(j);
	return r;
}

int
hl_consolejson_labelcheck(const uint8_t *p, size_t len, const struct hl_policy *pol,
    struct hl_console_labelreq *out, char *err, size_t errlen)
{
	static const char *const fields[] = { "classification", "releasable_to", "tlp", "to",
	    NULL };
	json_t *j = NULL, *to, *v;
	size_t i, n;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = hl_apijson_load_object(p, len, HL_CONSOLE_BODY_MAX, &j, err, errlen)) != HL_OK)
		return r;
	if ((r = only_fields(j, fields, err, errlen)) != HL_OK ||
	    (r = hl_apijson_label(j, pol, &out->label, err, errlen)) != HL_OK)
		goto out;
	r = HL_ERR_MALFORMED;
	to = json_object_get(j, "to");
	if (to != NULL) {
		if (!json_is_array(to) || json_array_size(to) > HL_RECIPIENTS_MAX) {
			snprintf(err, errlen, "to must be an array of at most %d recipients",
			    HL_RECIPIENTS_MAX);
			goto out;
		}
		json_array_foreach(to, i, v) {
			if (!json_is_string(v) || (n = json_string_length(v)) == 0 ||
			    n > HL_NODE_NAME_MAX || strlen(json_string_value(v)) != n) {
				snprintf(err, errlen, "to[%zu] is not a partner code or node name", i);
				goto out;
			}
			memcpy(out->to[i], json_string_value(v), n + 1);
			out->nto++;
		}
	}
	r = HL_OK;
out:
	if (r != HL_OK)
		memset(out, 0, sizeof(*out));
	json_decref(j);
	return r;
}
