/* stix_pattern.c: the STIX 2.1 patterning language (STIX 2.1 section 9).
 *
 * One lexer and one recursive-descent parser serve two callers:
 * hl_stix_pattern_check() accepts exactly the patterns the patterning
 * grammar accepts (and, beyond the grammar, real calendar dates in
 * timestamps, STOP later than START, positive WITHIN and REPEATS counts),
 * and otherwise names the byte offset and what was expected there;
 * hl_stix_pattern_extract() runs the same parser and collects the
 * observables an accepted pattern compares for equality (the search index);
 * hl_stix_pattern_ioc() collects the same but also names the first thing
 * in the pattern that makes it more than an OR of equalities (the
 * detector, ioc.c, matches only those exactly).
 *
 * Tokens as the grammar defines them: keywords are upper case and reserved
 * (true and false lower case); identifiers are [A-Za-z_][A-Za-z0-9_-]*, a
 * hyphen allowed in an object type but not in a property name (quote it);
 * strings escape only \' and \\; integers have no leading zero; whitespace
 * (ASCII and the Unicode spaces) and comments separate tokens.
 *
 * Precedence, loosest first: FOLLOWEDBY, OR, AND between observation
 * expressions; qualifiers bind to the observation expression before them;
 * OR, AND inside brackets. Limits: HL_STIX_PATTERN_MAX bytes and
 * HL_STIX_PATTERN_DEPTH_MAX nested brackets or parentheses, which also
 * bounds the recursion. Pure code, no I/O. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "stix.h"

enum pk {
	K_END = 0, K_LBRACK, K_RBRACK, K_LPAREN, K_RPAREN, K_COMMA, K_COLON, K_DOT, K_STAR,
	K_EQ, K_NEQ, K_LT, K_LE, K_GT, K_GE,
	K_IDENT, K_STRING, K_INT, K_FLOAT, K_HEX, K_BIN, K_TS, K_BOOL,
	K_AND, K_OR, K_NOT, K_FOLLOWEDBY, K_LIKE, K_MATCHES, K_ISSUPERSET, K_ISSUBSET,
	K_EXISTS, K_LAST, K_IN, K_START, K_STOP, K_SECONDS, K_WITHIN, K_REPEATS, K_TIMES,
};

static const struct {
	const char *word;
	int kind;
} keywords[] = {
	{ "AND", K_AND }, { "OR", K_OR }, { "NOT", K_NOT }, { "FOLLOWEDBY", K_FOLLOWEDBY },
	{ "LIKE", K_LIKE }, { "MATCHES", K_MATCHES }, { "ISSUPERSET", K_ISSUPERSET },
	{ "ISSUBSET", K_ISSUBSET }, { "EXISTS", K_EXISTS }, { "LAST", K_LAST }, { "IN", K_IN },
	{ "START", K_START }, { "STOP", K_STOP }, { "SECONDS", K_SECONDS },
	{ "WITHIN", K_WITHIN }, { "REPEATS", K_REPEATS }, { "TIMES", K_TIMES },
	{ "true", K_BOOL }, { "false", K_BOOL },
};

struct ptok {
	int kind;                  /* enum pk */
	size_t off, len;           /* its text in the pattern */
	int hyphen;                /* K_IDENT: contains '-' */
	int neg;                   /* K_INT, K_FLOAT: a '-' sign */
	int zero;                  /* K_INT, K_FLOAT: the value is 0 */
};

#define PATH_TEXT_MAX 256          /* an object path as text, for the index */

struct pstate {
	const char *p;
	size_t len, pos;           /* the next byte to lex */
	struct ptok t;             /* the current token */
	unsigned depth;
	char *err;
	size_t errlen;
	/* extraction; out NULL: check only */
	struct hl_stix_obs *out;
	size_t max, n;
	/* hl_stix_pattern_ioc(): the first construct that is not part of an
	 * OR of equalities, at why_off */
	int strict;
	int unsupported;
	size_t why_off;
	char why[HL_STIX_ERR_MAX];
};

static int
fail(struct pstate *s, int code, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "at offset N: message" in s->err; returns code. */
static int
fail(struct pstate *s, int code, size_t off, const char *fmt, ...)
{
	char msg[HL_STIX_ERR_MAX];
	va_list ap;

	if (s->err != NULL && s->errlen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		(void)snprintf(s->err, s->errlen, "at offset %zu: %s", off, msg);
	}
	return code;
}

/* Up to max bytes of text, quoted, non-printable bytes as '?'. */
static void
quote_text(const char *p, size_t n, char *buf, size_t buflen)
{
	size_t i, o = 0, max = 24;

	if (buflen < 4)
		return;
	buf[o++] = '\'';
	for (i = 0; i < n && i < max && o + 5 < buflen; i++)
		buf[o++] = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';
	if (i < n && o + 5 < buflen) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '\'';
	buf[o] = '\0';
}

static void
unsupported(struct pstate *s, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* In strict mode, remember the first construct the detector cannot match
 * exactly; parsing goes on (a malformed pattern is reported as such). */
static void
unsupported(struct pstate *s, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (!s->strict || s->unsupported)
		return;
	s->unsupported = 1;
	s->why_off = off;
	va_start(ap, fmt);
	(void)vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
}

static int
expected(struct pstate *s, const char *what)
{
	char found[48];

	if (s->t.kind == K_END)
		(void)snprintf(found, sizeof(found), "the end of the pattern");
	else
		quote_text(s->p + s->t.off, s->t.len, found, sizeof(found));
	return fail(s, HL_ERR_MALFORMED, s->t.off, "expected %s, found %s", what, found);
}

/* ---- lexer ---- */

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* The length of a Unicode space (UTF-8) at p, 0 for none: U+0085, U+00A0,
 * U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000. */
static size_t
unicode_space(const unsigned char *p, size_t n)
{
	if (n >= 2 && p[0] == 0xc2 && (p[1] == 0x85 || p[1] == 0xa0))
		return 2;
	if (n < 3)
		return 0;
	if ((p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80) ||
	    (p[0] == 0xe2 && p[1] == 0x80 && (p[2] <= 0x8a || p[2] == 0xa8 || p[2] == 0xa9 ||
	    p[2] == 0xaf) && p[2] >= 0x80) ||
	    (p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f) ||
	    (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80))
		return 3;
	return 0;
}

static int
skip_space(struct pstate *s)
{
	size_t w, i;

	while (s->pos < s->len) {
		char c = s->p[s->pos];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') {
			s->pos++;
		} else if ((w = unicode_space((const unsigned char *)s->p + s->pos,
		    s->len - s->pos)) > 0) {
			s->pos += w;
		} else if (c == '/' && s->pos + 1 < s->len && s->p[s->pos + 1] == '*') {
			for (i = s->pos + 2; i + 1 < s->len; i++)
				if (s->p[i] == '*' && s->p[i + 1] == '/')
					break;
			if (i + 1 >= s->len)
				return fail(s, HL_ERR_MALFORMED, s->pos, "unterminated comment");
			s->pos = i + 2;
		} else if (c == '/' && s->pos + 1 < s->len && s->p[s->pos + 1] == '/') {
			while (s->pos < s->len && s->p[s->pos] != '\n' && s->p[s->pos] != '\r')
				s->pos++;
		} else {
			break;
		}
	}
	return HL_OK;
}

/* A quoted string whose opening quote is at q. OUT: *end one past the
 * closing quote. */
static int
lex_quoted(struct pstate *s, size_t q, size_t *end)
{
	size_t i;

	for (i = q + 1; i < s->len; i++) {
		if (s->p[i] == '\\') {
			if (i + 1 >= s->len)
				break;
			if (s->p[i + 1] != '\'' && s->p[i + 1] != '\\')
				return fail(s, HL_ERR_MALFORMED, i, "only \\' and \\\\ may be escaped "
				    "in a string");
			i++;
		} else if (s->p[i] == '\'') {
			*end = i + 1;
			return HL_OK;
		}
	}
	return fail(s, HL_ERR_MALFORMED, q, "unterminated string");
}

/* Timestamp text (inside t'...') to a sortable key: the grammar's shape
 * YYYY-MM-DDTHH:MM:SS[.f+]Z and a real date and time. 1 if valid. */
static int
ts_key(const char *v, size_t n, char key[HL_STIX_TS_KEY])
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	char buf[HL_STIX_TS_KEY];
	size_t i, fd = 0;

	if (n < 20 || v[n - 1] != 'Z')
		return 0;
	for (i = 0; i < 19; i++)
		if (shape[i] == 'd' ? !is_digit(v[i]) : v[i] != shape[i])
			return 0;
	if (n > 20) {
		if (v[19] != '.' || n < 22)
			return 0;
		for (i = 20; i < n - 1; i++)
			if (!is_digit(v[i]))
				return 0;
		fd = n - 21;
	}
	/* at most 9 fraction digits are kept: enough to order START and STOP */
	memcpy(buf, v, 19);
	i = 19;
	if (fd > 0) {
		buf[i++] = '.';
		memcpy(buf + i, v + 20, fd > 9 ? 9 : fd);
		i += fd > 9 ? 9 : fd;
	}
	buf[i++] = 'Z';
	buf[i] = '\0';
	return hl_stix_time(buf, key, NULL) == HL_OK;
}

static int
b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' ||
	    c == '/';
}

/* b'...' content: whole groups of four, '=' padding only at the end. */
static int
b64_ok(const char *v, size_t n)
{
	size_t i, pad = 0;

	if (n == 0 || n % 4 != 0)
		return 0;
	if (v[n - 1] == '=')
		pad = v[n - 2] == '=' ? 2 : 1;
	for (i = 0; i < n - pad; i++)
		if (!b64_char(v[i]))
			return 0;
	return 1;
}

/* A typed constant t'...', h'...' or b'...' at s->pos. */
static int
lex_typed(struct pstate *s)
{
	char key[HL_STIX_TS_KEY];
	size_t start = s->pos, end, i;
	const char *v;
	size_t n;
	int r;

	if ((r = lex_quoted(s, start + 1, &end)) != HL_OK)
		return r;
	v = s->p + start + 2;
	n = end - start - 3;
	switch (s->p[start]) {
	case 't':
		if (!ts_key(v, n, key))
			return fail(s, HL_ERR_MALFORMED, start, "a timestamp must be "
			    "t'YYYY-MM-DDTHH:MM:SS[.s]Z' with a real date and time");
		s->t.kind = K_TS;
		break;
	case 'h':
		for (i = 0; i < n; i++)
			if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f') ||
			    (v[i] >= 'A' && v[i] <= 'F')))
				break;
		if (i < n || n % 2 != 0)
			return fail(s, HL_ERR_MALFORMED, start, "h'...' must hold pairs of hex "
			    "digits");
		s->t.kind = K_HEX;
		break;
	default:
		if (!b64_ok(v, n))
			return fail(s, HL_ERR_MALFORMED, start, "b'...' must hold base64 (groups "
			    "of four, '=' padding)");
		s->t.kind = K_BIN;
		break;
	}
	s->pos = end;
	return HL_OK;
}

/* A number at s->pos: [+-]digits or [+-][digits].digits. */
static int
lex_number(struct pstate *s)
{
	size_t start = s->pos, i = s->pos, ds;
	int nonzero = 0;

	if (s->p[i] == '+' || s->p[i] == '-')
		i++;
	ds = i;
	while (i < s->len && is_digit(s->p[i]))
		nonzero |= s->p[i++] != '0';
	if (i + 1 < s->len && s->p[i] == '.' && is_digit(s->p[i + 1])) {
		for (i++; i < s->len && is_digit(s->p[i]); i++)
			nonzero |= s->p[i] != '0';
		s->t.kind = K_FLOAT;
	} else {
		if (i == ds)
			return fail(s, HL_ERR_MALFORMED, start, "'%c' must be followed by a number",
			    s->p[start]);
		if (s->p[ds] == '0' && i - ds > 1)
			return fail(s, HL_ERR_MALFORMED, start, "a whole number may not start "
			    "with 0");
		s->t.kind = K_INT;
	}
	s->t.neg = s->p[start] == '-';
	s->t.zero = !nonzero;
	s->pos = i;
	return HL_OK;
}

static void
lex_word(struct pstate *s)
{
	size_t start = s->pos, i, n;

	s->t.kind = K_IDENT;
	while (s->pos < s->len && (is_ident_start(s->p[s->pos]) || is_digit(s->p[s->pos]) ||
	    s->p[s->pos] == '-')) {
		s->t.hyphen |= s->p[s->pos] == '-';
		s->pos++;
	}
	n = s->pos - start;
	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strlen(keywords[i].word) == n && memcmp(keywords[i].word, s->p + start, n) == 0)
			s->t.kind = keywords[i].kind;
}

/* The next token into s->t. */
static int
next(struct pstate *s)
{
	static const char singles[] = "[](),:*";
	static const int single_kind[] = { K_LBRACK, K_RBRACK, K_LPAREN, K_RPAREN, K_COMMA,
		K_COLON, K_STAR };
	const char *sp;
	size_t end;
	char c, d;
	int r;

	if ((r = skip_space(s)) != HL_OK)
		return r;
	memset(&s->t, 0, sizeof(s->t));
	s->t.off = s->pos;
	if (s->pos >= s->len) {
		s->t.kind = K_END;
		return HL_OK;
	}
	c = s->p[s->pos];
	d = s->pos + 1 < s->len ? s->p[s->pos + 1] : '\0';
	if ((c == 't' || c == 'h' || c == 'b') && d == '\'') {
		if ((r = lex_typed(s)) != HL_OK)
			return r;
	} else if (c == '\'') {
		if ((r = lex_quoted(s, s->pos, &end)) != HL_OK)
			return r;
		s->t.kind = K_STRING;
		s->pos = end;
	} else if (is_digit(c) || ((c == '+' || c == '-') && (is_digit(d) || d == '.')) ||
	    (c == '.' && is_digit(d))) {
		if ((r = lex_number(s)) != HL_OK)
			return r;
	} else if (c == '.') {
		s->t.kind = K_DOT;
		s->pos++;
	} else if (is_ident_start(c)) {
		lex_word(s);
	} else if (c != '\0' && (sp = strchr(singles, c)) != NULL) {
		s->t.kind = single_kind[sp - singles];
		s->pos++;
	} else if (c == '=') {
		s->t.kind = K_EQ;
		s->pos += d == '=' ? 2 : 1;
	} else if (c == '!' && d == '=') {
		s->t.kind = K_NEQ;
		s->pos += 2;
	} else if (c == '<') {
		s->t.kind = d == '=' ? K_LE : d == '>' ? K_NEQ : K_LT;
		s->pos += d == '=' || d == '>' ? 2 : 1;
	} else if (c == '>') {
		s->t.kind = d == '=' ? K_GE : K_GT;
		s->pos += d == '=' ? 2 : 1;
	} else if (c >= 0x21 && c < 0x7f) {
		return fail(s, HL_ERR_MALFORMED, s->pos, "unexpected character '%c'", c);
	} else {
		return fail(s, HL_ERR_MALFORMED, s->pos, "unexpected byte 0x%02x",
		    (unsigned)(unsigned char)c);
	}
	s->t.len = s->pos - s->t.off;
	return HL_OK;
}

/* ---- what the index keeps ---- */

struct ppath {
	char text[PATH_TEXT_MAX];  /* "type:a.b[*].c", string steps unquoted */
	size_t len;
	int over;                  /* did not fit: not indexed */
	size_t type_len;           /* bytes of the object type */
	size_t steps;              /* property steps after the type */
	size_t last;               /* offset of the last step's text */
};

/* A string token's value, escapes undone. 0 if it does not fit in buf. */
static int
unquote(const struct pstate *s, const struct ptok *t, char *buf, size_t buflen, size_t *outlen)
{
	const char *v = s->p + t->off + 1;
	size_t i, o = 0, n = t->len - 2;

	for (i = 0; i < n; i++) {
		char c = v[i];

		if (c == '\\' && i + 1 < n)
			c = v[++i];
		if (o + 1 >= buflen)
			return 0;
		buf[o++] = c;
	}
	buf[o] = '\0';
	*outlen = o;
	return 1;
}

static void
path_add(struct ppath *pa, const char *p, size_t n)
{
	if (pa->over || pa->len + n >= sizeof(pa->text)) {
		pa->over = 1;
		return;
	}
	memcpy(pa->text + pa->len, p, n);
	pa->len += n;
	pa->text[pa->len] = '\0';
}

/* A property step (identifier or string) after ':' or '.'. */
static void
path_step(const struct pstate *s, struct ppath *pa, const char *sep)
{
	char v[PATH_TEXT_MAX];
	size_t n;

	path_add(pa, sep, strlen(sep));
	pa->last = pa->len;
	pa->steps++;
	if (s->t.kind == K_STRING) {
		if (unquote(s, &s->t, v, sizeof(v), &n))
			path_add(pa, v, n);
		else
			pa->over = 1;
	} else {
		path_add(pa, s->p + s->t.off, s->t.len);
	}
}

int
hl_stix_hash_kind(const char *alg, size_t n)
{
	static const struct {
		const char *name;
		uint8_t kind;
	} algs[] = {
		{ "MD5", HL_OBS_MD5 }, { "SHA-1", HL_OBS_SHA1 }, { "SHA1", HL_OBS_SHA1 },
		{ "SHA-256", HL_OBS_SHA256 }, { "SHA256", HL_OBS_SHA256 },
		{ "SHA-512", HL_OBS_SHA512 }, { "SHA512", HL_OBS_SHA512 },
	};
	size_t i, k;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (strlen(algs[i].name) != n)
			continue;
		for (k = 0; k < n; k++) {
			char c = alg[k];

			if ((c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c) != algs[i].name[k])
				break;
		}
		if (k == n)
			return algs[i].kind;
	}
	return 0;
}

#define KIND_ANY_IP 255            /* an IPv4 or IPv6 address, by its text */

/* The kind of observable a path names, 0 for none we index. */
static uint8_t
path_kind(const struct ppath *pa)
{
	static const struct {
		const char *path;
		uint8_t kind;
	} exact[] = {
		{ "ipv4-addr:value", HL_OBS_IPV4 },
		{ "ipv6-addr:value", HL_OBS_IPV6 },
		{ "domain-name:value", HL_OBS_DOMAIN },
		{ "url:value", HL_OBS_URL },
		{ "email-addr:value", HL_OBS_EMAIL },
		{ "email-message:from_ref.value", HL_OBS_EMAIL },
		{ "email-message:sender_ref.value", HL_OBS_EMAIL },
		{ "network-traffic:dst_ref.value", KIND_ANY_IP },
		{ "network-traffic:src_ref.value", KIND_ANY_IP },
		/* TLS fingerprints: no STIX 2.1 property holds them; this
		 * project's convention (docs/internals/detect.md) */
		{ "network-traffic:extensions.x-ja3.hash", HL_OBS_JA3 },
		{ "network-traffic:extensions.x-ja3s.hash", HL_OBS_JA3S },
		{ "network-traffic:extensions.x-ja4.hash", HL_OBS_JA4 },
	};
	size_t i;

	if (pa->over)
		return 0;
	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strcmp(pa->text, exact[i].path) == 0)
			return exact[i].kind;
	/* <type>:hashes.ALG */
	if (pa->steps == 2 && strncmp(pa->text + pa->type_len, ":hashes.", 8) == 0)
		return (uint8_t)hl_stix_hash_kind(pa->text + pa->last, pa->len - pa->last);
	return 0;
}

/* Index the string constant in s->t under the path's kind. Strict: a
 * constant that cannot be matched is named (kind 0 was named already). */
static void
collect(struct pstate *s, uint8_t kind)
{
	char buf[HL_STIX_OBS_VALUE_MAX + 1], q[48];
	size_t len;

	if (s->out == NULL || kind == 0)
		return;
	if (s->t.kind != K_STRING) {
		unsupported(s, s->t.off, "a constant that is not a 'string'");
		return;
	}
	if (s->n >= s->max) {
		unsupported(s, s->t.off, "more than %zu values", s->max);
		return;
	}
	if (!unquote(s, &s->t, buf, sizeof(buf), &len) || len == 0) {
		unsupported(s, s->t.off, "a value empty or longer than %d bytes",
		    HL_STIX_OBS_VALUE_MAX);
		return;
	}
	if (kind == KIND_ANY_IP)
		kind = memchr(buf, ':', len) != NULL ? HL_OBS_IPV6 : HL_OBS_IPV4;
	if (hl_stix_obs_make(kind, buf, len, &s->out[s->n]) == HL_OK) {
		s->n++;
	} else {
		quote_text(buf, len, q, sizeof(q));
		unsupported(s, s->t.off, "%s is not a valid %s", q, hl_stix_obs_kind_name(kind));
	}
}

/* ---- parser ---- */

static int obs_followedby(struct pstate *s);
static int cmp_or(struct pstate *s);
static int observation(struct pstate *s);

static int
enter(struct pstate *s)
{
	if (++s->depth > HL_STIX_PATTERN_DEPTH_MAX)
		return fail(s, HL_ERR_TOO_BIG, s->t.off, "nested deeper than %d brackets and "
		    "parentheses", HL_STIX_PATTERN_DEPTH_MAX);
	return next(s);
}

/* The current token must be kind: take it and lex the next. */
static int
want(struct pstate *s, int kind, const char *what)
{
	if (s->t.kind != kind)
		return expected(s, what);
	return next(s);
}

/* Consume the closing token of a nesting level. */
static int
leave(struct pstate *s, int kind, const char *what)
{
	s->depth--;
	return want(s, kind, what);
}

/* objectType ':' firstPathComponent ( '.' step | '[' index ']' )* */
static int
object_path(struct pstate *s, struct ppath *pa)
{
	int r;

	memset(pa, 0, sizeof(*pa));
	if (s->t.kind != K_IDENT)
		return expected(s, "an object path (type:property)");
	path_add(pa, s->p + s->t.off, s->t.len);
	pa->type_len = pa->len;
	if ((r = next(s)) != HL_OK || (r = want(s, K_COLON, "':' after the object type")) != HL_OK)
		return r;
	for (;;) {
		if (s->t.kind == K_IDENT && s->t.hyphen)
			return fail(s, HL_ERR_MALFORMED, s->t.off, "a property name with '-' must "
			    "be quoted ('name')");
		if (s->t.kind != K_IDENT && s->t.kind != K_STRING)
			return expected(s, "a property name");
		path_step(s, pa, pa->steps == 0 ? ":" : ".");
		if ((r = next(s)) != HL_OK)
			return r;
		while (s->t.kind == K_LBRACK) {
			if ((r = next(s)) != HL_OK)
				return r;
			if (s->t.kind != K_INT && s->t.kind != K_STAR)
				return expected(s, "a list index (a whole number or *)");
			path_add(pa, "[", 1);
			path_add(pa, s->p + s->t.off, s->t.len);
			path_add(pa, "]", 1);
			if ((r = next(s)) != HL_OK ||
			    (r = want(s, K_RBRACK, "']' after the list index")) != HL_OK)
				return r;
		}
		if (s->t.kind != K_DOT)
			return HL_OK;
		if ((r = next(s)) != HL_OK)
			return r;
	}
}

#define CONSTANT "a constant ('string', number, true, false, t'...', h'...' or b'...')"

/* One constant; bools only where allowed (not with < <= > >=). */
static int
constant(struct pstate *s, int bool_ok)
{
	switch (s->t.kind) {
	case K_STRING: case K_INT: case K_FLOAT: case K_HEX: case K_BIN: case K_TS:
		return HL_OK;
	case K_BOOL:
		if (bool_ok)
			return HL_OK;
		return fail(s, HL_ERR_MALFORMED, s->t.off, "true and false cannot be compared "
		    "with < <= > >=");
	default:
		return expected(s, CONSTANT);
	}
}

/* '(' [constant (',' constant)*] ')' after IN. */
static int
set_constant(struct pstate *s, uint8_t kind)
{
	int r;

	if (s->t.kind != K_LPAREN)
		return expected(s, "'(' opening the set of constants after IN");
	if ((r = next(s)) != HL_OK)
		return r;
	if (s->t.kind == K_RPAREN)
		return next(s);
	for (;;) {
		if ((r = constant(s, 1)) != HL_OK)
			return r;
		collect(s, kind);
		if ((r = next(s)) != HL_OK)
			return r;
		if (s->t.kind == K_RPAREN)
			return next(s);
		if (s->t.kind != K_COMMA)
			return expected(s, "',' or ')' in the set of constants");
		if ((r = next(s)) != HL_OK)
			return r;
	}
}

/* operand (op operand)*: the left-associative AND, OR and FOLLOWEDBY */
static int
joined(struct pstate *s, int op, int (*operand)(struct pstate *))
{
	int r;

	if ((r = operand(s)) != HL_OK)
		return r;
	while (s->t.kind == op) {
		if (op != K_OR)
			unsupported(s, s->t.off, "%s (only an OR of equalities is matched)",
			    op == K_AND ? "AND" : "FOLLOWEDBY");
		if ((r = next(s)) != HL_OK || (r = operand(s)) != HL_OK)
			return r;
	}
	return HL_OK;
}

/* path [NOT] op constant | '(' comparison ')' | EXISTS path */
static int
comparison(struct pstate *s)
{
	struct ppath pa;
	uint8_t kind;
	size_t start;
	int r, neg = 0, op;

	if (s->t.kind == K_LPAREN) {
		if ((r = enter(s)) != HL_OK || (r = cmp_or(s)) != HL_OK)
			return r;
		return leave(s, K_RPAREN, "AND, OR or ')'");
	}
	if (s->t.kind == K_EXISTS) {
		unsupported(s, s->t.off, "EXISTS");
		if ((r = next(s)) != HL_OK)
			return r;
		return object_path(s, &pa);
	}
	start = s->t.off;
	if ((r = object_path(s, &pa)) != HL_OK)
		return r;
	if ((kind = path_kind(&pa)) == 0)
		unsupported(s, start, "a comparison on %s (not a property the detector reads)",
		    pa.over ? "a long path" : pa.text);
	if (s->t.kind == K_NOT) {
		unsupported(s, s->t.off, "NOT");
		neg = 1;
		if ((r = next(s)) != HL_OK)
			return r;
	}
	/* a negation names nothing to index */
	if (neg)
		kind = 0;
	op = s->t.kind;
	if (op != K_EQ && op != K_IN && op != K_ISSUBSET)
		unsupported(s, s->t.off, "the operator %.*s (only =, IN and ISSUBSET are matched)",
		    (int)(s->t.len > 16 ? 16 : s->t.len), s->p + s->t.off);
	else if (op == K_ISSUBSET && kind != HL_OBS_IPV4 && kind != HL_OBS_IPV6 &&
	    kind != KIND_ANY_IP)
		unsupported(s, s->t.off, "ISSUBSET on a property that is not an address");
	switch (op) {
	case K_EQ: case K_NEQ: case K_LT: case K_LE: case K_GT: case K_GE:
		if ((r = next(s)) != HL_OK || (r = constant(s, op == K_EQ || op == K_NEQ)) != HL_OK)
			return r;
		if (op == K_EQ)
			collect(s, kind);
		return next(s);
	case K_IN:
		if ((r = next(s)) != HL_OK)
			return r;
		return set_constant(s, kind);
	case K_LIKE: case K_MATCHES: case K_ISSUBSET: case K_ISSUPERSET:
		if ((r = next(s)) != HL_OK)
			return r;
		if (s->t.kind != K_STRING)
			return expected(s, "a 'string'");
		if (op == K_ISSUBSET)
			collect(s, kind);
		return next(s);
	default:
		return expected(s, neg ? "a comparison operator after NOT" :
		    "a comparison operator (= != < <= > >= IN LIKE MATCHES ISSUBSET ISSUPERSET)");
	}
}

static int
cmp_and(struct pstate *s)
{
	return joined(s, K_AND, comparison);
}

static int
cmp_or(struct pstate *s)
{
	return joined(s, K_OR, cmp_and);
}

/* START t'..' STOP t'..' | WITHIN n SECONDS | REPEATS n TIMES */
static int
qualifier(struct pstate *s)
{
	char start[HL_STIX_TS_KEY], stop[HL_STIX_TS_KEY];
	int r, q = s->t.kind;

	unsupported(s, s->t.off, "the qualifier %s", q == K_START ? "START ... STOP" :
	    q == K_WITHIN ? "WITHIN" : "REPEATS");
	if ((r = next(s)) != HL_OK)
		return r;
	if (q == K_START) {
		if (s->t.kind != K_TS || !ts_key(s->p + s->t.off + 2, s->t.len - 3, start))
			return expected(s, "a timestamp t'YYYY-MM-DDTHH:MM:SSZ' after START");
		if ((r = next(s)) != HL_OK || (r = want(s, K_STOP, "STOP")) != HL_OK)
			return r;
		if (s->t.kind != K_TS || !ts_key(s->p + s->t.off + 2, s->t.len - 3, stop))
			return expected(s, "a timestamp t'YYYY-MM-DDTHH:MM:SSZ' after STOP");
		if (strcmp(stop, start) <= 0)
			return fail(s, HL_ERR_MALFORMED, s->t.off, "STOP must be later than START");
		return next(s);
	}
	if (q == K_WITHIN) {
		if ((s->t.kind != K_INT && s->t.kind != K_FLOAT) || s->t.neg || s->t.zero)
			return expected(s, "a positive number of seconds after WITHIN");
		if ((r = next(s)) != HL_OK)
			return r;
		return want(s, K_SECONDS, "SECONDS");
	}
	if (s->t.kind != K_INT || s->t.neg || s->t.zero)
		return expected(s, "a positive whole number after REPEATS");
	if ((r = next(s)) != HL_OK)
		return r;
	return want(s, K_TIMES, "TIMES");
}

/* '[' comparison ']' | '(' observations ')', then any qualifiers */
static int
observation(struct pstate *s)
{
	int r;

	if (s->t.kind == K_LBRACK) {
		if ((r = enter(s)) != HL_OK || (r = cmp_or(s)) != HL_OK ||
		    (r = leave(s, K_RBRACK, "AND, OR or ']'")) != HL_OK)
			return r;
	} else if (s->t.kind == K_LPAREN) {
		if ((r = enter(s)) != HL_OK || (r = obs_followedby(s)) != HL_OK ||
		    (r = leave(s, K_RPAREN, "AND, OR, FOLLOWEDBY, a qualifier or ')'")) != HL_OK)
			return r;
	} else {
		return expected(s, "'[' or '(' opening an observation expression");
	}
	while (s->t.kind == K_START || s->t.kind == K_WITHIN || s->t.kind == K_REPEATS)
		if ((r = qualifier(s)) != HL_OK)
			return r;
	return HL_OK;
}

static int
obs_and(struct pstate *s)
{
	return joined(s, K_AND, observation);
}

static int
obs_or(struct pstate *s)
{
	return joined(s, K_OR, obs_and);
}

static int
obs_followedby(struct pstate *s)
{
	return joined(s, K_FOLLOWEDBY, obs_or);
}

static int
parse(struct pstate *s)
{
	int r;

	if (s->p == NULL)
		return fail(s, HL_ERR_MALFORMED, 0, "no pattern");
	if (s->len > HL_STIX_PATTERN_MAX)
		return fail(s, HL_ERR_TOO_BIG, 0, "longer than %u bytes", HL_STIX_PATTERN_MAX);
	if ((r = next(s)) != HL_OK || (r = obs_followedby(s)) != HL_OK)
		return r;
	if (s->t.kind != K_END)
		return expected(s, "AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern");
	return HL_OK;
}

static void
start(struct pstate *s, const char *pattern, size_t len, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->p = pattern;
	s->len = len;
	s->err = err;
	s->errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
}

int
hl_stix_pattern_check(const char *pattern, size_t len, char *err, size_t errlen)
{
	struct pstate s;

	start(&s, pattern, len, err, errlen);
	return parse(&s);
}

int
hl_stix_pattern_extract(const char *pattern, size_t len, struct hl_stix_obs *out, size_t max,
    size_t *n)
{
	struct pstate s;
	int r;

	*n = 0;
	start(&s, pattern, len, NULL, 0);
	s.out = out;
	s.max = out != NULL ? max : 0;
	if ((r = parse(&s)) != HL_OK)
		return r;
	*n = s.n;
	return HL_OK;
}

int
hl_stix_pattern_ioc(const char *pattern, size_t len, struct hl_stix_obs *out, size_t max,
    size_t *n, char *err, size_t errlen)
{
	struct pstate s;
	int r;

	*n = 0;
	start(&s, pattern, len, err, errlen);
	s.out = out;
	s.max = max;
	s.strict = 1;
	if ((r = parse(&s)) != HL_OK)
		return r;
	if (!s.unsupported && s.n == 0)
		unsupported(&s, 0, "no value to match");
	if (s.unsupported) {
		if (err != NULL && errlen > 0)
			(void)snprintf(err, errlen, "at offset %zu: %s", s.why_off, s.why);
		return HL_ERR_UNSUPPORTED;
	}
	*n = s.n;
	return HL_OK;
}
