/* misp_value.c: MISP values checked and normalised before they reach a
 * pattern or an observable (misp.c), and the event's JSON fields read. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"
#include "misp_int.h"

int
misp_is_uuid(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (strchr("0123456789abcdefABCDEF", s[i]) == NULL) {
			return 0;
		}
	}
	return 1;
}

/* copy without control characters */
void
misp_clean_copy(char *dst, size_t cap, const char *src)
{
	size_t i;

	snprintf(dst, cap, "%s", src);
	for (i = 0; dst[i] != '\0'; i++)
		if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
			dst[i] = ' ';
}

const char *
misp_sget(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* MISP timestamps are decimal strings of epoch seconds (or integers). */
int
misp_get_ts(const json_t *o, const char *k, int64_t *out)
{
	json_t *v = json_object_get(o, k);
	const char *s;
	char *end;
	unsigned long long u;

	*out = 0;
	if (json_is_integer(v)) {
		if (json_integer_value(v) <= 0 || json_integer_value(v) > 253402300799LL)
			return HL_ERR_MALFORMED;
		*out = json_integer_value(v);
		return HL_OK;
	}
	if (!json_is_string(v))
		return HL_ERR_NOT_FOUND;
	s = json_string_value(v);
	if (s[0] < '0' || s[0] > '9' || strlen(s) > 12)
		return HL_ERR_MALFORMED;
	u = strtoull(s, &end, 10);
	if (*end != '\0' || u == 0 || u > 253402300799ULL)
		return HL_ERR_MALFORMED;
	*out = (int64_t)u;
	return HL_OK;
}

int
misp_fmt_time(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	out[0] = '\0';
	if (gmtime_r(&tt, &tm) == NULL)
		return HL_ERR_MALFORMED;
	if (strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &tm) == 0)
		return HL_ERR_MALFORMED;
	return HL_OK;
}

/* "YYYY-MM-DD" -> epoch seconds at midnight UTC */
int
misp_parse_date(const char *s, int64_t *out)
{
	struct tm tm;
	size_t i;

	*out = 0;
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return HL_ERR_MALFORMED;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return HL_ERR_MALFORMED;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0') - 1900;
	tm.tm_mon = (s[5] - '0') * 10 + (s[6] - '0') - 1;
	tm.tm_mday = (s[8] - '0') * 10 + (s[9] - '0');
	if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
		return HL_ERR_MALFORMED;
	*out = (int64_t)timegm(&tm);
	return *out > 0 ? HL_OK : HL_ERR_MALFORMED;
}

/* ---- value checks ---- */

int
misp_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* a rule's text: printable, tabs and line breaks allowed */
int
misp_rule_text_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t' && *s != '\r' && *s != '\n') ||
		    *s == 0x7f)
			return 0;
	return 1;
}

/* a short MISP name (type, category, object name): printable, 1..48 bytes */
int
misp_name_ok(const char *s)
{
	return s != NULL && s[0] != '\0' && strlen(s) < HL_MISP_NAME_MAX && misp_printable(s);
}

static int
ip_ok(const char *v)
{
	char a[64];
	const char *slash = strchr(v, '/');
	size_t al = slash != NULL ? (size_t)(slash - v) : strlen(v);
	unsigned char bin[16];
	char *end;
	unsigned long pfx;
	int fam;

	if (al == 0 || al >= sizeof(a))
		return 0;
	memcpy(a, v, al);
	a[al] = '\0';
	if (inet_pton(AF_INET, a, bin) == 1)
		fam = 4;
	else if (inet_pton(AF_INET6, a, bin) == 1)
		fam = 6;
	else
		return 0;
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
			return 0;
		pfx = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || pfx > (fam == 4 ? 32u : 128u))
			return 0;
	}
	return fam;
}

static int
domain_ok(const char *v)
{
	size_t n = strlen(v), i;

	if (n == 0 || n > 253 || v[0] == '.' || v[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_",
		    v[i]) == NULL)
			return 0;
	return strchr(v, '.') != NULL;
}

static int
email_ok(const char *v)
{
	const char *at = strchr(v, '@');
	size_t i;

	if (at == NULL || at == v || at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return 0;
	for (i = 0; v[i] != '\0'; i++)
		if ((unsigned char)v[i] <= 0x20 || v[i] == 0x7f)
			return 0;
	return 1;
}

/* "blocksize:hash:hash", base64 characters, as the schema's SSDEEP allows */
static int
ssdeep_ok(const char *v)
{
	size_t n = strlen(v), i, colons = 0;

	if (n < 5 || n > 128 || v[0] < '1' || v[0] > '9')
		return 0;
	for (i = 0; i < n; i++) {
		if (v[i] == ':') {
			if (++colons > 2 || (colons == 1 && i > 10))
				return 0;
			continue;
		}
		if (colons == 0 ? (v[i] < '0' || v[i] > '9') :
		    strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+", v[i]) ==
		    NULL)
			return 0;
	}
	return colons == 2;
}

/* Decimal without sign or leading zeros (a STIX IntLiteral), at most max. */
static int
uint_norm(const char *v, unsigned long long max, char *out, size_t cap)
{
	unsigned long long u;
	char *end;

	if (v[0] < '0' || v[0] > '9' || strlen(v) > 19)
		return 0;
	u = strtoull(v, &end, 10);
	if (*end != '\0' || u > max)
		return 0;
	snprintf(out, cap, "%llu", u);
	return 1;
}

/* Non-negative decimal number as a STIX FloatLiteral ("7" -> "7.0"). */
static int
float_norm(const char *v, char *out, size_t cap)
{
	size_t i, n = strlen(v), dots = 0, digits = 0;

	if (n == 0 || n > 32)
		return 0;
	for (i = 0; i < n; i++) {
		if (v[i] == '.') {
			if (++dots > 1 || i == 0 || i == n - 1)
				return 0;
		} else if (v[i] >= '0' && v[i] <= '9') {
			digits++;
		} else {
			return 0;
		}
	}
	if (digits == 0)
		return 0;
	snprintf(out, cap, "%s%s", v, dots == 0 ? ".0" : "");
	return 1;
}

/* Registry keys with the hive written out, as STIX requires (HKLM\x ->
 * HKEY_LOCAL_MACHINE\x). Keys without a known hive are kept as they are. */
static void
regkey_norm(const char *v, char *out, size_t cap)
{
	static const struct {
		const char *abbr, *full;
	} hives[] = {
		{ "HKLM", "HKEY_LOCAL_MACHINE" }, { "HKCU", "HKEY_CURRENT_USER" },
		{ "HKCR", "HKEY_CLASSES_ROOT" }, { "HKCC", "HKEY_CURRENT_CONFIG" },
		{ "HKU", "HKEY_USERS" },
	};
	size_t i, l;

	for (i = 0; i < sizeof(hives) / sizeof(hives[0]); i++) {
		l = strlen(hives[i].abbr);
		if (strncasecmp(v, hives[i].abbr, l) == 0 && (v[l] == '\\' || v[l] == '\0')) {
			snprintf(out, cap, "%s%s", hives[i].full, v + l);
			return;
		}
	}
	snprintf(out, cap, "%s", v);
}

/* v[0, len) checked against chk; the normalised text into out[cap].
 * *fam: 4 or 6 for addresses. NULL, or the reason it does not fit. */
const char *
misp_check_value(int chk, size_t hexlen, const char *v, size_t len, char *out, size_t cap, int *fam)
{
	static const char *const regtypes[] = { "REG_NONE", "REG_SZ", "REG_EXPAND_SZ",
		"REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN", "REG_DWORD_LITTLE_ENDIAN",
		"REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST", "REG_FULL_RESOURCE_DESCRIPTION",
		"REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD", "REG_INVALID_TYPE" };
	char tmp[NVAL_MAX];
	size_t i;

	*fam = 0;
	out[0] = '\0';
	if (len == 0)
		return "empty value";
	if (len > HL_MISP_VALUE_MAX)
		return "value too long";
	memcpy(tmp, v, len);
	tmp[len] = '\0';
	if (strlen(tmp) != len || !misp_printable(tmp))
		return "malformed value";
	switch (chk) {
	case C_IP:
	case C_IPREF:
		if ((*fam = ip_ok(tmp)) == 0)
			return "malformed value";
		break;
	case C_DOMAIN:
	case C_HOSTREF:
		if (!domain_ok(tmp))
			return "malformed value";
		break;
	case C_URL:
		if (strchr(tmp, ' ') != NULL)
			return "malformed value";
		break;
	case C_EMAIL:
		if (!email_ok(tmp))
			return "malformed value";
		break;
	case C_HEX:
		if (!hl_hex_valid(tmp, hexlen))
			return "malformed value";
		for (i = 0; i < len; i++)
			if (tmp[i] >= 'A' && tmp[i] <= 'F')
				tmp[i] = (char)(tmp[i] - 'A' + 'a');
		break;
	case C_SSDEEP:
		if (!ssdeep_ok(tmp))
			return "malformed value";
		break;
	case C_TLSH:
		/* "T1" + 70 hex digits is the current form of the 70-digit hash */
		if (len == 72 && (tmp[0] == 'T' || tmp[0] == 't') && tmp[1] == '1')
			memmove(tmp, tmp + 2, len - 1);
		if (!hl_hex_valid(tmp, 70))
			return "malformed value";
		for (i = 0; tmp[i] != '\0'; i++)
			if (tmp[i] >= 'a' && tmp[i] <= 'f')
				tmp[i] = (char)(tmp[i] - 'a' + 'A');
		break;
	case C_PORT:
		return uint_norm(tmp, 65535, out, cap) ? NULL : "malformed value";
	case C_UINT:
		return uint_norm(tmp, 9007199254740991ULL, out, cap) ? NULL : "malformed value";
	case C_FLOAT:
		return float_norm(tmp, out, cap) ? NULL : "malformed value";
	case C_REGKEY:
		regkey_norm(tmp, out, cap);
		return NULL;
	case C_REGTYPE:
		for (i = 0; i < sizeof(regtypes) / sizeof(regtypes[0]); i++)
			if (strcmp(tmp, regtypes[i]) == 0)
				break;
		if (i == sizeof(regtypes) / sizeof(regtypes[0]))
			return "malformed value";
		break;
	default:
		break;
	}
	snprintf(out, cap, "%s", tmp);
	return NULL;
}
