/* sensor.c: one line of sensor output to an event (sensor.h).
 *
 * One pass over the line checks that it is JSON (RFC 8259: structure,
 * string escapes, UTF-8, numbers; duplicate keys allowed, as tshark writes
 * them) and, while it goes, notes where the fields a format reads are: a
 * format is a table of fields (a key under a parent field) and the types
 * each may have. Only those fields' strings are decoded; the rest of the
 * line is checked and passed over. Then the format's finish step turns
 * the fields into the event: its type, time and observables. A full DOM
 * parse (jansson) of every line costs several times more (bench_match
 * measures both).
 *
 * Limits: HL_SENSOR_LINE_MAX bytes, HL_SENSOR_DEPTH_MAX nesting (which also
 * bounds the recursion), FIELDS_MAX fields noted, HL_SENSOR_OBS_MAX
 * observables. Pure code: no I/O, no allocation. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sensor.h"

/* ---- the fields each format reads ---- */

/* Field codes: containers first, then values. */
enum {
	C_NONE = 0,      /* a part of the line no format reads */
	C_TOP,           /* the line's object */
	C_DNS, C_DNS_LIST, C_DNS_GROUPED, C_HTTP, C_TLS, C_JA3, C_JA3S, C_FILEINFO,
	C_ZID, C_LAYERS, C_L_IP, C_L_DNS, C_L_HTTP, C_L_TLS,
	C_TIME, C_ETYPE, C_PATH, C_SRC, C_DST, C_QNAME, C_ANSWER, C_HOST, C_URL,
	C_FULL_URL, C_PORT, C_SNI, C_JA3_HASH, C_JA3S_HASH, C_JA4, C_CERT_SHA1,
	C_MD5, C_SHA1, C_SHA256,
	/* only whether they are there */
	C_METHOD, C_FUID, C_PROTO, C_CONN_STATE, C_CIPHER, C_INDEX,
	C_COUNT
};

/* the types a field may have */
#define A_STR 1u
#define A_NUM 2u
#define A_OBJ 4u
#define A_ARR 8u         /* an array of the other types allowed */
#define A_ANY 16u        /* other types are passed over, not errors */

struct field {
	uint8_t parent;      /* the field whose object holds it */
	uint8_t code;
	uint8_t accept;      /* A_* */
	uint8_t klen;
	const char *key;     /* NULL: any key */
	const char *name;    /* for messages */
};

#define F(parent, key, code, accept, name) \
	{ parent, code, accept, sizeof(key) - 1, key, name }

static const struct field suricata_fields[] = {
	F(C_TOP, "timestamp", C_TIME, A_STR, "timestamp"),
	F(C_TOP, "event_type", C_ETYPE, A_STR, "event_type"),
	F(C_TOP, "src_ip", C_SRC, A_STR, "src_ip"),
	F(C_TOP, "dest_ip", C_DST, A_STR, "dest_ip"),
	F(C_TOP, "dns", C_DNS, A_OBJ, "dns"),
	F(C_TOP, "http", C_HTTP, A_OBJ, "http"),
	F(C_TOP, "tls", C_TLS, A_OBJ, "tls"),
	F(C_TOP, "fileinfo", C_FILEINFO, A_OBJ, "fileinfo"),
	/* dns: version 1 and 2 (rrname, rdata, answers, grouped), version 3
	 * (queries[], answers[]), alerts' query[] and answer */
	F(C_DNS, "rrname", C_QNAME, A_STR, "dns.rrname"),
	F(C_DNS, "rdata", C_ANSWER, A_STR, "dns.rdata"),
	F(C_DNS, "queries", C_DNS_LIST, A_ARR | A_OBJ, "dns.queries"),
	F(C_DNS, "query", C_DNS_LIST, A_ARR | A_OBJ, "dns.query"),
	F(C_DNS, "answer", C_DNS, A_OBJ, "dns.answer"),
	F(C_DNS, "answers", C_DNS_LIST, A_ARR | A_OBJ, "dns.answers"),
	F(C_DNS, "grouped", C_DNS_GROUPED, A_OBJ, "dns.grouped"),
	F(C_DNS_LIST, "rrname", C_QNAME, A_STR, "dns rrname"),
	F(C_DNS_LIST, "rdata", C_ANSWER, A_STR, "dns rdata"),
	{ C_DNS_GROUPED, C_ANSWER, A_ARR | A_STR | A_ANY, 0, NULL, "dns.grouped" },
	F(C_HTTP, "hostname", C_HOST, A_STR, "http.hostname"),
	F(C_HTTP, "url", C_URL, A_STR, "http.url"),
	F(C_HTTP, "http_port", C_PORT, A_NUM, "http.http_port"),
	F(C_TLS, "sni", C_SNI, A_STR, "tls.sni"),
	F(C_TLS, "ja3", C_JA3, A_OBJ, "tls.ja3"),
	F(C_TLS, "ja3s", C_JA3S, A_OBJ, "tls.ja3s"),
	F(C_TLS, "ja4", C_JA4, A_STR, "tls.ja4"),
	F(C_TLS, "fingerprint", C_CERT_SHA1, A_STR, "tls.fingerprint"),
	F(C_JA3, "hash", C_JA3_HASH, A_STR, "tls.ja3.hash"),
	F(C_JA3S, "hash", C_JA3S_HASH, A_STR, "tls.ja3s.hash"),
	F(C_FILEINFO, "md5", C_MD5, A_STR, "fileinfo.md5"),
	F(C_FILEINFO, "sha1", C_SHA1, A_STR, "fileinfo.sha1"),
	F(C_FILEINFO, "sha256", C_SHA256, A_STR, "fileinfo.sha256"),
};

/* Zeek's JSON writer: one flat object per record, "id.orig_h" as a key
 * (or, from some exporters, an "id" object); which log a record is comes
 * from "_path" where an exporter adds it, else from its fields. */
static const struct field zeek_fields[] = {
	F(C_TOP, "ts", C_TIME, A_STR | A_NUM, "ts"),
	F(C_TOP, "_path", C_PATH, A_STR, "_path"),
	F(C_TOP, "id.orig_h", C_SRC, A_STR, "id.orig_h"),
	F(C_TOP, "id.resp_h", C_DST, A_STR, "id.resp_h"),
	F(C_TOP, "id", C_ZID, A_OBJ | A_ANY, "id"),
	F(C_ZID, "orig_h", C_SRC, A_STR, "id.orig_h"),
	F(C_ZID, "resp_h", C_DST, A_STR, "id.resp_h"),
	F(C_TOP, "query", C_QNAME, A_STR, "query"),
	F(C_TOP, "answers", C_ANSWER, A_ARR | A_STR, "answers"),
	F(C_TOP, "host", C_HOST, A_STR, "host"),
	F(C_TOP, "uri", C_URL, A_STR, "uri"),
	F(C_TOP, "server_name", C_SNI, A_STR, "server_name"),
	F(C_TOP, "ja3", C_JA3_HASH, A_STR, "ja3"),
	F(C_TOP, "ja3s", C_JA3S_HASH, A_STR, "ja3s"),
	F(C_TOP, "ja4", C_JA4, A_STR, "ja4"),
	F(C_TOP, "md5", C_MD5, A_STR, "md5"),
	F(C_TOP, "sha1", C_SHA1, A_STR, "sha1"),
	F(C_TOP, "sha256", C_SHA256, A_STR, "sha256"),
	F(C_TOP, "tx_hosts", C_SRC, A_ARR | A_STR, "tx_hosts"),
	F(C_TOP, "rx_hosts", C_DST, A_ARR | A_STR, "rx_hosts"),
	F(C_TOP, "method", C_METHOD, A_ANY, "method"),
	F(C_TOP, "fuid", C_FUID, A_ANY, "fuid"),
	F(C_TOP, "proto", C_PROTO, A_ANY, "proto"),
	F(C_TOP, "conn_state", C_CONN_STATE, A_ANY, "conn_state"),
	F(C_TOP, "cipher", C_CIPHER, A_ANY, "cipher"),
};

/* tshark -T ek: {"timestamp": ms, "layers": {proto: {proto_proto_field:
 * value or [values]}}}; a layer seen twice (a tunnel) is an array. The
 * names below are those tshark 4.0 writes (tests/fixtures/sensors/SOURCE.md);
 * tls_tls_handshake_ja4 follows the same rule for Wireshark's
 * tls.handshake.ja4 (4.2 and later). */
#define L_ANY (A_OBJ | A_ARR | A_ANY)
#define V_ANY (A_STR | A_ARR)
static const struct field tshark_fields[] = {
	F(C_TOP, "timestamp", C_TIME, A_STR | A_NUM, "timestamp"),
	F(C_TOP, "index", C_INDEX, A_ANY, "index"),
	F(C_TOP, "layers", C_LAYERS, A_OBJ, "layers"),
	F(C_LAYERS, "ip", C_L_IP, L_ANY, "ip"),
	F(C_LAYERS, "ipv6", C_L_IP, L_ANY, "ipv6"),
	F(C_LAYERS, "dns", C_L_DNS, L_ANY, "dns"),
	F(C_LAYERS, "http", C_L_HTTP, L_ANY, "http"),
	F(C_LAYERS, "tls", C_L_TLS, L_ANY, "tls"),
	F(C_L_IP, "ip_ip_src", C_SRC, V_ANY, "ip.src"),
	F(C_L_IP, "ip_ip_dst", C_DST, V_ANY, "ip.dst"),
	F(C_L_IP, "ipv6_ipv6_src", C_SRC, V_ANY, "ipv6.src"),
	F(C_L_IP, "ipv6_ipv6_dst", C_DST, V_ANY, "ipv6.dst"),
	F(C_L_DNS, "dns_dns_qry_name", C_QNAME, V_ANY, "dns.qry.name"),
	F(C_L_DNS, "dns_dns_a", C_ANSWER, V_ANY, "dns.a"),
	F(C_L_DNS, "dns_dns_aaaa", C_ANSWER, V_ANY, "dns.aaaa"),
	F(C_L_DNS, "dns_dns_cname", C_ANSWER, V_ANY, "dns.cname"),
	F(C_L_HTTP, "http_http_host", C_HOST, V_ANY, "http.host"),
	F(C_L_HTTP, "http_http_request_uri", C_URL, V_ANY, "http.request.uri"),
	F(C_L_HTTP, "http_http_request_full_uri", C_FULL_URL, V_ANY, "http.request.full_uri"),
	F(C_L_TLS, "tls_tls_handshake_extensions_server_name", C_SNI, V_ANY,
	    "tls.handshake.extensions_server_name"),
	F(C_L_TLS, "tls_tls_handshake_ja3", C_JA3_HASH, V_ANY, "tls.handshake.ja3"),
	F(C_L_TLS, "tls_tls_handshake_ja3s", C_JA3S_HASH, V_ANY, "tls.handshake.ja3s"),
	F(C_L_TLS, "tls_tls_handshake_ja4", C_JA4, V_ANY, "tls.handshake.ja4"),
};

/* ---- the scan ---- */

#define FIELDS_MAX (4 * HL_SENSOR_OBS_MAX)   /* values noted in one line */
#define KEY_MAX 64                           /* longest key a table names */

enum { T_STR = 1, T_NUM };

/* A value of a field the format reads: its text in the line. */
struct noted {
	uint8_t code;
	uint8_t type;        /* T_STR (the text between the quotes) or T_NUM */
	uint8_t esc;         /* the string has escapes */
	uint32_t off, len;
};

struct scan {
	const uint8_t *p;
	size_t len, pos;
	const struct field *fields;
	size_t nfields;
	uint64_t seen;       /* 1 << code for each field present (not null) */
	char *err;
	size_t errlen;
	size_t nnoted;
	struct noted noted[FIELDS_MAX];   /* last: not cleared for each line */
};

static int
scan_fail(struct scan *s, int code, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "at byte N: message" in s->err; returns code. */
static int
scan_fail(struct scan *s, int code, size_t at, const char *fmt, ...)
{
	char msg[HL_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	hl_vset_err(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hl_set_err(s->err, s->errlen, "at byte %zu: %s", at, msg);
	return code;
}

static void
skip_ws(struct scan *s)
{
	while (s->pos < s->len && (s->p[s->pos] == ' ' || s->p[s->pos] == '\t' ||
	    s->p[s->pos] == '\n' || s->p[s->pos] == '\r'))
		s->pos++;
}

/* The length of the UTF-8 sequence at p (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF), 0 if invalid. */
static size_t
utf8_len(const uint8_t *p, size_t n)
{
	uint8_t c = p[0], lo = 0x80, hi = 0xbf;
	size_t k, i;

	if (c >= 0xc2 && c <= 0xdf)
		k = 2;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4;
	else
		return 0;
	if (n < k)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < k; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return k;
}

/* A hex digit's value, -1 for another byte. */
static int
hexval(uint8_t c)
{
	static const char digits[] = "0123456789abcdef";
	const char *q;

	if (c >= 'A' && c <= 'F')
		c = (uint8_t)(c - 'A' + 'a');
	q = c != 0 ? strchr(digits, c) : NULL;
	return q != NULL ? (int)(q - digits) : -1;
}

/* Four hex digits at p[0..4). -1 if not. */
static long
hex4(const uint8_t *p, size_t n)
{
	long v = 0;
	size_t i;

	if (n < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		int h = hexval(p[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* The escape at p[0] == '\\': its length, 0 if invalid (a lone or
 * reversed surrogate included). OUT: *cp the code point. */
static size_t
escape_at(const uint8_t *p, size_t n, long *cp)
{
	static const char simple[] = "\"\\/bfnrt", value[] = "\"\\/\b\f\n\r\t";
	const char *q;
	long u, lo;

	if (n < 2)
		return 0;
	if (p[1] != 'u') {
		if (p[1] == '\0' || (q = strchr(simple, p[1])) == NULL)
			return 0;
		*cp = value[q - simple];
		return 2;
	}
	if ((u = hex4(p + 2, n - 2)) < 0 || (u >= 0xdc00 && u <= 0xdfff))
		return 0;
	if (u < 0xd800 || u > 0xdbff) {
		*cp = u;
		return 6;
	}
	if (n < 12 || p[6] != '\\' || p[7] != 'u' || (lo = hex4(p + 8, n - 8)) < 0xdc00 ||
	    lo > 0xdfff)
		return 0;
	*cp = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
	return 12;
}

/* A string at s->pos (the opening quote). OUT: its contents' span and
 * whether it has escapes; s->pos past the closing quote. */
static int
scan_string(struct scan *s, size_t *off, size_t *len, int *esc)
{
	const uint8_t *p = s->p;
	size_t i = s->pos + 1, n = s->len, k;
	long cp;

	*esc = 0;
	for (;;) {
		while (i < n && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\')
			i++;
		if (i >= n)
			return scan_fail(s, HL_ERR_MALFORMED, s->pos, "unterminated string");
		if (p[i] == '"')
			break;
		if (p[i] == '\\') {
			if ((k = escape_at(p + i, n - i, &cp)) == 0)
				return scan_fail(s, HL_ERR_MALFORMED, i, "invalid escape in a string");
			*esc = 1;
			i += k;
		} else if (p[i] < 0x20) {
			return scan_fail(s, HL_ERR_MALFORMED, i, "control byte 0x%02x in a string",
			    p[i]);
		} else {
			if ((k = utf8_len(p + i, n - i)) == 0)
				return scan_fail(s, HL_ERR_MALFORMED, i, "not UTF-8");
			i += k;
		}
	}
	*off = s->pos + 1;
	*len = i - *off;
	s->pos = i + 1;
	return HL_OK;
}

/* The contents of a checked string, escapes undone, into out[cap]
 * (NUL-terminated). Its length, or -1 if it does not fit or holds U+0000. */
static long
decode(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t i = 0, o = 0, k;
	long cp;

	while (i < n) {
		if (p[i] != '\\') {
			if (o + 1 >= cap)
				return -1;
			out[o++] = (char)p[i++];
			continue;
		}
		k = escape_at(p + i, n - i, &cp);
		i += k;
		if (k == 0 || cp == 0 || o + 5 >= cap)
			return -1;
		if (cp < 0x80) {
			out[o++] = (char)cp;
		} else if (cp < 0x800) {
			out[o++] = (char)(0xc0 | (cp >> 6));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			out[o++] = (char)(0xe0 | (cp >> 12));
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[o++] = (char)(0xf0 | (cp >> 18));
			out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	out[o] = '\0';
	return (long)o;
}

static int
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? at s->pos */
static int
scan_number(struct scan *s)
{
	const uint8_t *p = s->p;
	size_t i = s->pos, n = s->len, d;

	if (i < n && p[i] == '-')
		i++;
	if (i < n && p[i] == '0') {
		i++;
	} else if (i < n && p[i] >= '1' && p[i] <= '9') {
		while (i < n && is_digit(p[i]))
			i++;
	} else {
		return scan_fail(s, HL_ERR_MALFORMED, s->pos, "not a JSON value");
	}
	if (i < n && p[i] == '.') {
		for (d = ++i; i < n && is_digit(p[i]); i++)
			;
		if (i == d)
			return scan_fail(s, HL_ERR_MALFORMED, i, "a digit must follow '.'");
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		for (d = i; i < n && is_digit(p[i]); i++)
			;
		if (i == d)
			return scan_fail(s, HL_ERR_MALFORMED, i, "a digit must follow the exponent");
	}
	s->pos = i;
	return HL_OK;
}

/* The field named key (its raw text in the line) under parent. */
static const struct field *
lookup(const struct scan *s, uint8_t parent, size_t koff, size_t klen, int kesc)
{
	const char *key = (const char *)s->p + koff;
	char buf[KEY_MAX + 1];
	size_t i;
	long n;

	if (kesc) {
		if ((n = decode(s->p + koff, klen, buf, sizeof(buf))) < 0)
			return NULL;
		key = buf;
		klen = (size_t)n;
	}
	for (i = 0; i < s->nfields; i++) {
		const struct field *f = &s->fields[i];

		if (f->parent != parent)
			continue;
		if (f->key == NULL || (f->klen == klen && memcmp(f->key, key, klen) == 0))
			return f;
	}
	return NULL;
}

static int
note(struct scan *s, const struct field *f, uint8_t type, size_t off, size_t len, int esc)
{
	struct noted *v;

	if (s->nnoted >= FIELDS_MAX)
		return scan_fail(s, HL_ERR_TOO_BIG, off, "more than %d values of interest",
		    FIELDS_MAX);
	v = &s->noted[s->nnoted++];
	v->code = f->code;
	v->type = type;
	v->esc = (uint8_t)esc;
	v->off = (uint32_t)off;
	v->len = (uint32_t)len;
	return HL_OK;
}

static int scan_value(struct scan *s, const struct field *f, int elem, unsigned depth);

static int
wrong_type(struct scan *s, const struct field *f, size_t at, const char *found)
{
	return scan_fail(s, HL_ERR_MALFORMED, at, "%s is %s, not %s", f->name, found,
	    f->accept & A_STR ? "a string" : f->accept & A_NUM ? "a number" :
	    f->accept & A_OBJ ? "an object" : "an array");
}

/* The '{' or '[' at s->pos: past it, *empty when close follows. */
static int
open_container(struct scan *s, char close, unsigned depth, int *empty)
{
	if (depth > HL_SENSOR_DEPTH_MAX)
		return scan_fail(s, HL_ERR_TOO_BIG, s->pos, "nested deeper than %d",
		    HL_SENSOR_DEPTH_MAX);
	s->pos++;
	skip_ws(s);
	*empty = s->pos < s->len && s->p[s->pos] == close;
	s->pos += (size_t)*empty;
	return HL_OK;
}

/* After a member or element: ',' (more follow) or close (*done). */
static int
separator(struct scan *s, char close, int *done)
{
	skip_ws(s);
	if (s->pos < s->len && (s->p[s->pos] == ',' || s->p[s->pos] == close)) {
		*done = s->p[s->pos++] == close;
		return HL_OK;
	}
	return scan_fail(s, HL_ERR_MALFORMED, s->pos, "expected ',' or '%c'", close);
}

/* An object at s->pos; its fields are looked up under code (C_NONE: none). */
static int
scan_object(struct scan *s, uint8_t code, unsigned depth)
{
	const struct field *f;
	size_t koff, klen;
	int r, kesc, done;

	if ((r = open_container(s, '}', depth, &done)) != HL_OK)
		return r;
	while (!done) {
		skip_ws(s);
		if (s->pos >= s->len || s->p[s->pos] != '"')
			return scan_fail(s, HL_ERR_MALFORMED, s->pos, "expected a key");
		if ((r = scan_string(s, &koff, &klen, &kesc)) != HL_OK)
			return r;
		f = code != C_NONE ? lookup(s, code, koff, klen, kesc) : NULL;
		skip_ws(s);
		if (s->pos >= s->len || s->p[s->pos] != ':')
			return scan_fail(s, HL_ERR_MALFORMED, s->pos, "expected ':' after a key");
		s->pos++;
		if ((r = scan_value(s, f, 0, depth)) != HL_OK ||
		    (r = separator(s, '}', &done)) != HL_OK)
			return r;
	}
	return HL_OK;
}

/* An array at s->pos; its elements are values of f (NULL: none read). */
static int
scan_array(struct scan *s, const struct field *f, unsigned depth)
{
	int r, done;

	if ((r = open_container(s, ']', depth, &done)) != HL_OK)
		return r;
	while (!done)
		if ((r = scan_value(s, f, 1, depth)) != HL_OK ||
		    (r = separator(s, ']', &done)) != HL_OK)
			return r;
	return HL_OK;
}

/* One value at s->pos, of field f (NULL: not read, only checked); elem:
 * an element of f's array (which may not be an array again). */
static int
scan_value(struct scan *s, const struct field *f, int elem, unsigned depth)
{
	unsigned acc = f != NULL ? f->accept : 0;
	size_t at, off, len;
	int r, esc;

	if (elem)
		acc &= ~A_ARR;
	skip_ws(s);
	if (s->pos >= s->len)
		return scan_fail(s, HL_ERR_MALFORMED, s->pos, "the line ends inside a value");
	at = s->pos;
	switch (s->p[s->pos]) {
	case '{':
		if (f != NULL && !(acc & (A_OBJ | A_ANY)))
			return wrong_type(s, f, at, "an object");
		r = scan_object(s, acc & A_OBJ ? f->code : C_NONE, depth + 1);
		break;
	case '[':
		if (f != NULL && !(acc & (A_ARR | A_ANY)))
			return wrong_type(s, f, at, "an array");
		r = scan_array(s, acc & A_ARR ? f : NULL, depth + 1);
		break;
	case '"':
		if ((r = scan_string(s, &off, &len, &esc)) != HL_OK)
			return r;
		if (f != NULL && !(acc & (A_STR | A_ANY)))
			return wrong_type(s, f, at, "a string");
		if (acc & A_STR)
			r = note(s, f, T_STR, off, len, esc);
		break;
	case 't': case 'f': case 'n':
		len = s->p[s->pos] == 'f' ? 5 : 4;
		if (s->len - s->pos < len || memcmp(s->p + s->pos, s->p[s->pos] == 't' ? "true" :
		    s->p[s->pos] == 'f' ? "false" : "null", len) != 0)
			return scan_fail(s, HL_ERR_MALFORMED, s->pos, "not a JSON value");
		s->pos += len;
		/* null: the field is absent */
		if (s->p[at] == 'n')
			return HL_OK;
		if (f != NULL && !(acc & A_ANY))
			return wrong_type(s, f, at, "true or false");
		r = HL_OK;
		break;
	default:
		if ((r = scan_number(s)) != HL_OK)
			return r;
		if (f != NULL && !(acc & (A_NUM | A_ANY)))
			return wrong_type(s, f, at, "a number");
		if (acc & A_NUM)
			r = note(s, f, T_NUM, at, s->pos - at, 0);
		break;
	}
	if (r == HL_OK && f != NULL)
		s->seen |= 1ull << f->code;
	return r;
}

/* ---- from the noted fields to the event ---- */

/* Text of a noted value into buf[cap], NUL-terminated. Its length, or -1
 * when it does not fit (or holds U+0000). */
static long
noted_text(const struct scan *s, const struct noted *v, char *buf, size_t cap)
{
	if (v->esc)
		return decode(s->p + v->off, v->len, buf, cap);
	if ((size_t)v->len + 1 > cap)
		return -1;
	memcpy(buf, s->p + v->off, v->len);
	buf[v->len] = '\0';
	return (long)v->len;
}

/* The first value noted under code, NULL if none. */
static const struct noted *
first(const struct scan *s, uint8_t code)
{
	size_t i;

	for (i = 0; i < s->nnoted; i++)
		if (s->noted[i].code == code)
			return &s->noted[i];
	return NULL;
}

static int
add_obs(struct hl_sensor_event *ev, struct scan *s, uint8_t kind, uint8_t role,
    const char *v, size_t n, const uint8_t *addr)
{
	struct hl_sensor_obs *o;
	size_t i;

	if (n == 0 || n > HL_STIX_OBS_VALUE_MAX)
		return HL_OK;
	for (i = 0; i < ev->nobs; i++)
		if (ev->obs[i].kind == kind && ev->obs[i].len == n &&
		    memcmp(ev->text + ev->obs[i].off, v, n) == 0)
			return HL_OK;
	if (ev->nobs >= HL_SENSOR_OBS_MAX)
		return scan_fail(s, HL_ERR_TOO_BIG, 0, "more than %d observables in one event",
		    HL_SENSOR_OBS_MAX);
	o = &ev->obs[ev->nobs++];
	o->kind = kind;
	o->role = role;
	o->len = (uint16_t)n;
	o->off = (uint32_t)ev->textlen;
	memset(o->addr, 0, sizeof(o->addr));
	if (addr != NULL)
		memcpy(o->addr, addr, kind == HL_OBS_IPV4 ? 4 : 16);
	memcpy(ev->text + ev->textlen, v, n);
	ev->text[ev->textlen + n] = '\0';
	ev->textlen += n + 1;
	return HL_OK;
}

/* An IPv4 or IPv6 address (an IPv6 zone "%..." dropped). 1 if it is one,
 * with its kind and bytes. */
static int
parse_ip(const char *v, size_t n, uint8_t *kind, uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN + 1];
	const char *pct;

	if ((pct = memchr(v, '%', n)) != NULL)
		n = (size_t)(pct - v);
	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, v, n);
	buf[n] = '\0';
	if (memchr(buf, ':', n) == NULL) {
		*kind = HL_OBS_IPV4;
		return inet_pton(AF_INET, buf, addr) == 1;
	}
	*kind = HL_OBS_IPV6;
	return inet_pton(AF_INET6, buf, addr) == 1;
}

static int
add_ip(struct hl_sensor_event *ev, struct scan *s, uint8_t role, const char *v, size_t n)
{
	uint8_t kind, addr[16];

	if (!parse_ip(v, n, &kind, addr))
		return 0;
	if (add_obs(ev, s, kind, role, v, n, addr) != HL_OK)
		return -1;
	return 1;
}

/* A DNS name lowered in place, its trailing dot dropped: letters, digits,
 * '-' and '_' in labels of 1..63 bytes, 253 bytes in all. Its length, 0
 * if it is no such name. */
static size_t
norm_domain(char *v, size_t n)
{
	size_t i, lab = 0;

	if (n > 1 && v[n - 1] == '.')
		v[--n] = '\0';
	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		char c = v[i];

		if (c >= 'A' && c <= 'Z')
			v[i] = (char)(c - 'A' + 'a');
		else if (c == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
			continue;
		} else if (!((c >= 'a' && c <= 'z') || is_digit((uint8_t)c) || c == '-' || c == '_'))
			return 0;
		if (++lab > 63)
			return 0;
	}
	return lab > 0 ? n : 0;
}

/* A host name or address (a "host:port" or "[v6]:port" as HTTP writes it
 * too): an address observable, else a domain, else nothing. */
static int
add_host(struct hl_sensor_event *ev, struct scan *s, uint8_t role, char *v, size_t n)
{
	const char *close;
	size_t i;
	int r;

	if (n > 0 && v[0] == '[') {
		if ((close = memchr(v, ']', n)) == NULL)
			return HL_OK;
		return add_ip(ev, s, role, v + 1, (size_t)(close - v - 1)) < 0 ? HL_ERR_TOO_BIG : HL_OK;
	}
	if ((r = add_ip(ev, s, role, v, n)) != 0)
		return r < 0 ? HL_ERR_TOO_BIG : HL_OK;
	/* name:port */
	for (i = n; i > 0 && is_digit((uint8_t)v[i - 1]); i--)
		;
	if (i > 1 && i < n && v[i - 1] == ':' && memchr(v, ':', i - 1) == NULL) {
		n = i - 1;
		v[n] = '\0';
		if ((r = add_ip(ev, s, role, v, n)) != 0)
			return r < 0 ? HL_ERR_TOO_BIG : HL_OK;
	}
	if ((n = norm_domain(v, n)) == 0)
		return HL_OK;
	return add_obs(ev, s, HL_OBS_DOMAIN, role, v, n, NULL);
}

/* A hex digest of want digits (colons between bytes allowed, as Suricata
 * writes certificate fingerprints), lowered in place. */
static size_t
norm_hex(char *v, size_t n, size_t want)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		int h = hexval((uint8_t)v[i]);

		if (v[i] == ':' && i % 3 == 2)
			continue;
		if (h < 0 || o >= want)
			return 0;
		v[o++] = "0123456789abcdef"[h];
	}
	if (o != want)
		return 0;
	v[o] = '\0';
	return o;
}

static size_t
norm_ja4(char *v, size_t n)
{
	struct hl_stix_obs o;

	/* the one JA4 rule: stix.c's (a rare field: its cost does not matter) */
	if (hl_stix_obs_make(HL_OBS_JA4, v, n, &o) != HL_OK)
		return 0;
	memcpy(v, o.value, n + 1);
	return n;
}

/* An http:// URL from a Host and a request target: origin form "/..."
 * after the host (and the port when not 80), absolute form as it is. */
static int
add_url(struct hl_sensor_event *ev, struct scan *s, const char *host, size_t hn,
    unsigned port, const char *target, size_t tn)
{
	char url[HL_STIX_OBS_VALUE_MAX + 1];
	int w;

	if (tn >= 7 && (strncasecmp(target, "http://", 7) == 0 ||
	    (tn >= 8 && strncasecmp(target, "https://", 8) == 0))) {
		if (tn >= sizeof(url))
			return HL_OK;
		memcpy(url, target, tn);
		url[tn] = '\0';
		w = (int)tn;
	} else if (tn > 0 && target[0] == '/' && hn > 0) {
		if (port != 0 && port != 80)
			w = snprintf(url, sizeof(url), "http://%.*s:%u%.*s", (int)hn, host, port,
			    (int)tn, target);
		else
			w = snprintf(url, sizeof(url), "http://%.*s%.*s", (int)hn, host, (int)tn,
			    target);
		if (w < 0 || (size_t)w >= sizeof(url))
			return HL_OK;
	} else {
		return HL_OK;
	}
	if (!hl_stix_url_lower(url, (size_t)w))
		return HL_OK;
	return add_obs(ev, s, HL_OBS_URL, HL_SENSOR_HTTP_URL, url, (size_t)w, NULL);
}

static int
digits(const char *v, size_t n, unsigned *out)
{
	size_t i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (!is_digit((uint8_t)v[i]))
			return 0;
		*out = *out * 10 + (unsigned)(v[i] - '0');
	}
	return 1;
}

/* ISO 8601 / RFC 3339 "YYYY-MM-DDTHH:MM:SS[.f][Z|+hh[:]mm|+hh]" (no
 * zone: UTC) to milliseconds since the epoch. */
static int
iso_ms(const char *v, size_t n, int64_t *ms)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, mo, d, h, mi, sec, oh = 0, om = 0, frac = 0, k;
	size_t i = 19;
	int64_t t;
	int sign = 0;

	if (n < 19 || v[4] != '-' || v[7] != '-' || (v[10] != 'T' && v[10] != ' ') ||
	    v[13] != ':' || v[16] != ':' || !digits(v, 4, &y) || !digits(v + 5, 2, &mo) ||
	    !digits(v + 8, 2, &d) || !digits(v + 11, 2, &h) || !digits(v + 14, 2, &mi) ||
	    !digits(v + 17, 2, &sec))
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60 ||
	    (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)))
		return 0;
	if (i < n && v[i] == '.') {
		for (k = 0, i++; i < n && is_digit((uint8_t)v[i]); i++, k++)
			if (k < 3)
				frac = frac * 10 + (unsigned)(v[i] - '0');
		if (k == 0)
			return 0;
		for (; k < 3; k++)
			frac *= 10;
	}
	if (i < n && v[i] == 'Z') {
		i++;
	} else if (i < n && (v[i] == '+' || v[i] == '-')) {
		sign = v[i] == '-' ? -1 : 1;
		if (n - i >= 6 && v[i + 3] == ':' && digits(v + i + 1, 2, &oh) &&
		    digits(v + i + 4, 2, &om))
			i += 6;
		else if (n - i >= 5 && digits(v + i + 1, 2, &oh) && digits(v + i + 3, 2, &om))
			i += 5;
		else if (n - i >= 3 && digits(v + i + 1, 2, &oh))
			i += 3;
		else
			return 0;
		if (oh > 23 || om > 59)
			return 0;
	}
	if (i != n)
		return 0;
	t = hl_stix_days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + mi * 60 + (sec > 59 ? 59 : sec);
	t -= sign * ((int64_t)oh * 3600 + om * 60);
	*ms = t * 1000 + frac;
	return 1;
}

/* The event's time from the noted time field: ISO text, or (numbers) Zeek's
 * seconds or tshark's milliseconds since the epoch. */
static int
event_time(struct hl_sensor_event *ev, struct scan *s, int unit_ms)
{
	const struct noted *v = first(s, C_TIME);
	char buf[64], *end = buf;
	double d;
	long n;

	if (v == NULL)
		return HL_OK;
	if ((n = noted_text(s, v, buf, sizeof(buf))) < 0)
		return scan_fail(s, HL_ERR_MALFORMED, v->off, "the time is too long");
	if (n > 0 && iso_ms(buf, (size_t)n, &ev->time_ms)) {
		ev->has_time = 1;
		return HL_OK;
	}
	d = n > 0 && (is_digit((uint8_t)buf[0]) || buf[0] == '-') ? strtod(buf, &end) : -1;
	if (n == 0 || *end != '\0' || !(d >= 0) || d > (unit_ms ? 1e14 : 1e11))
		return scan_fail(s, HL_ERR_MALFORMED, v->off, "'%s' is not a time", buf);
	ev->time_ms = (int64_t)(unit_ms ? d : d * 1000.0 + 0.5);
	ev->has_time = 1;
	return HL_OK;
}

/* Every noted value to observables. */
static int
add_all(struct hl_sensor_event *ev, struct scan *s)
{
	char buf[HL_STIX_OBS_VALUE_MAX + 1], host[HL_STIX_OBS_VALUE_MAX + 1];
	const struct noted *hv = first(s, C_HOST), *pv = first(s, C_PORT);
	unsigned port = 0;
	size_t i, n;
	long hn = -1, got;
	int r = HL_OK;

	if (hv != NULL)
		hn = noted_text(s, hv, host, sizeof(host));
	if (pv != NULL && (pv->len > 5 || noted_text(s, pv, buf, sizeof(buf)) < 0 ||
	    !digits(buf, pv->len, &port) || port > 65535))
		return scan_fail(s, HL_ERR_MALFORMED, pv->off, "the HTTP port is not a port");
	for (i = 0; i < s->nnoted && r == HL_OK; i++) {
		const struct noted *v = &s->noted[i];

		if ((got = noted_text(s, v, buf, sizeof(buf))) < 0)
			continue;
		n = (size_t)got;
		switch (v->code) {
		case C_SRC:
		case C_DST:
			if ((got = add_ip(ev, s, v->code == C_SRC ? HL_SENSOR_SRC : HL_SENSOR_DST,
			    buf, n)) == 0)
				return scan_fail(s, HL_ERR_MALFORMED, v->off, "'%s' is not an IP address",
				    buf);
			r = got < 0 ? HL_ERR_TOO_BIG : HL_OK;
			break;
		case C_QNAME:
			r = add_host(ev, s, HL_SENSOR_DNS_QUERY, buf, n);
			break;
		case C_ANSWER:
			r = add_host(ev, s, HL_SENSOR_DNS_ANSWER, buf, n);
			break;
		case C_HOST:
			r = add_host(ev, s, HL_SENSOR_HTTP_HOST, buf, n);
			break;
		case C_SNI:
			r = add_host(ev, s, HL_SENSOR_TLS_SNI, buf, n);
			break;
		case C_URL:
			if (hn >= 0)
				r = add_url(ev, s, host, (size_t)hn, port, buf, n);
			break;
		case C_FULL_URL:
			r = add_url(ev, s, NULL, 0, 0, buf, n);
			break;
		case C_JA3_HASH:
		case C_JA3S_HASH:
			if ((n = norm_hex(buf, n, 32)) != 0)
				r = add_obs(ev, s, v->code == C_JA3_HASH ? HL_OBS_JA3 : HL_OBS_JA3S,
				    v->code == C_JA3_HASH ? HL_SENSOR_TLS_JA3 : HL_SENSOR_TLS_JA3S,
				    buf, n, NULL);
			break;
		case C_JA4:
			if ((n = norm_ja4(buf, n)) != 0)
				r = add_obs(ev, s, HL_OBS_JA4, HL_SENSOR_TLS_JA4, buf, n, NULL);
			break;
		case C_CERT_SHA1:
			if ((n = norm_hex(buf, n, 40)) != 0)
				r = add_obs(ev, s, HL_OBS_SHA1, HL_SENSOR_TLS_CERT, buf, n, NULL);
			break;
		case C_MD5:
		case C_SHA1:
		case C_SHA256:
			if ((n = norm_hex(buf, n, v->code == C_MD5 ? 32 : v->code == C_SHA1 ? 40 : 64)) != 0)
				r = add_obs(ev, s, v->code == C_MD5 ? HL_OBS_MD5 : v->code == C_SHA1 ?
				    HL_OBS_SHA1 : HL_OBS_SHA256, HL_SENSOR_FILE_HASH, buf, n, NULL);
			break;
		}
	}
	return r;
}

/* Is the noted string under code equal to word? */
static int
noted_is(const struct scan *s, uint8_t code, const char *word)
{
	const struct noted *v = first(s, code);
	char buf[32];

	return v != NULL && noted_text(s, v, buf, sizeof(buf)) >= 0 && strcmp(buf, word) == 0;
}

#define SEEN(s, c) (((s)->seen >> (c)) & 1u)

static const struct {
	const char *name;
	uint8_t type;
} suricata_types[] = {
	{ "flow", HL_SENSOR_FLOW }, { "dns", HL_SENSOR_DNS }, { "http", HL_SENSOR_HTTP },
	{ "tls", HL_SENSOR_TLS }, { "fileinfo", HL_SENSOR_FILE }, { "alert", HL_SENSOR_ALERT },
}, zeek_paths[] = {
	{ "conn", HL_SENSOR_FLOW }, { "conn_long", HL_SENSOR_FLOW }, { "dns", HL_SENSOR_DNS },
	{ "http", HL_SENSOR_HTTP }, { "ssl", HL_SENSOR_TLS }, { "files", HL_SENSOR_FILE },
};

/* The event type: Suricata's event_type; Zeek's _path, else the fields a
 * log has that others do not; tshark's application layer. 0: skip. */
static int
event_type(const struct scan *s, int format)
{
	size_t i;

	if (format == HL_SENSOR_SURICATA_EVE) {
		for (i = 0; i < sizeof(suricata_types) / sizeof(suricata_types[0]); i++)
			if (noted_is(s, C_ETYPE, suricata_types[i].name))
				return suricata_types[i].type;
		return 0;
	}
	if (format == HL_SENSOR_ZEEK_JSON) {
		if (SEEN(s, C_PATH)) {
			for (i = 0; i < sizeof(zeek_paths) / sizeof(zeek_paths[0]); i++)
				if (noted_is(s, C_PATH, zeek_paths[i].name))
					return zeek_paths[i].type;
			return 0;
		}
		if (SEEN(s, C_FUID))
			return HL_SENSOR_FILE;
		if (SEEN(s, C_QNAME))
			return HL_SENSOR_DNS;
		if (SEEN(s, C_METHOD) || (SEEN(s, C_HOST) && SEEN(s, C_URL)))
			return HL_SENSOR_HTTP;
		if (SEEN(s, C_SNI) || SEEN(s, C_JA3_HASH) || SEEN(s, C_JA3S_HASH) ||
		    SEEN(s, C_JA4) || SEEN(s, C_CIPHER))
			return HL_SENSOR_TLS;
		if (SEEN(s, C_PROTO) && SEEN(s, C_CONN_STATE))
			return HL_SENSOR_FLOW;
		return 0;
	}
	if (!SEEN(s, C_L_IP))
		return 0;
	return SEEN(s, C_L_DNS) ? HL_SENSOR_DNS : SEEN(s, C_L_HTTP) ? HL_SENSOR_HTTP :
	    SEEN(s, C_L_TLS) ? HL_SENSOR_TLS : HL_SENSOR_PACKET;
}

int
hl_sensor_parse(int format, const char *line, size_t len, struct hl_sensor_event *ev,
    char *err, size_t errlen)
{
	struct scan s;
	int r, type;

	hl_set_err(err, errlen, "%s", "");
	ev->format = (uint8_t)format;
	ev->type = 0;
	ev->has_time = 0;
	ev->time_ms = 0;
	ev->nobs = 0;
	ev->textlen = 0;
	memset(&s, 0, offsetof(struct scan, noted));
	s.p = (const uint8_t *)line;
	s.len = len;
	s.err = err;
	s.errlen = errlen;
	switch (format) {
	case HL_SENSOR_SURICATA_EVE:
		s.fields = suricata_fields;
		s.nfields = sizeof(suricata_fields) / sizeof(suricata_fields[0]);
		break;
	case HL_SENSOR_ZEEK_JSON:
		s.fields = zeek_fields;
		s.nfields = sizeof(zeek_fields) / sizeof(zeek_fields[0]);
		break;
	case HL_SENSOR_TSHARK_EK:
		s.fields = tshark_fields;
		s.nfields = sizeof(tshark_fields) / sizeof(tshark_fields[0]);
		break;
	default:
		hl_set_err(err, errlen, "unknown sensor format %d", format);
		return HL_ERR_INVALID;
	}
	if (line == NULL)
		return scan_fail(&s, HL_ERR_MALFORMED, 0, "no line");
	if (len > HL_SENSOR_LINE_MAX)
		return scan_fail(&s, HL_ERR_TOO_BIG, HL_SENSOR_LINE_MAX, "longer than %u bytes",
		    HL_SENSOR_LINE_MAX);
	skip_ws(&s);
	if (s.pos == s.len)
		return HL_SENSOR_IGNORED;
	if (s.p[s.pos] != '{')
		return scan_fail(&s, HL_ERR_MALFORMED, s.pos, "not a JSON object");
	if ((r = scan_object(&s, C_TOP, 1)) != HL_OK)
		return r;
	skip_ws(&s);
	if (s.pos != s.len)
		return scan_fail(&s, HL_ERR_MALFORMED, s.pos, "text after the JSON object");
	if (format == HL_SENSOR_TSHARK_EK && SEEN(&s, C_INDEX))
		return HL_SENSOR_IGNORED;
	if (format == HL_SENSOR_SURICATA_EVE && !SEEN(&s, C_ETYPE))
		return scan_fail(&s, HL_ERR_MALFORMED, 0, "no event_type");
	if (format == HL_SENSOR_TSHARK_EK && !SEEN(&s, C_LAYERS))
		return scan_fail(&s, HL_ERR_MALFORMED, 0, "no layers");
	if ((r = event_time(ev, &s, format == HL_SENSOR_TSHARK_EK)) != HL_OK)
		return r;
	if ((type = event_type(&s, format)) == 0)
		return HL_SENSOR_SKIPPED;
	if ((r = add_all(ev, &s)) != HL_OK) {
		ev->nobs = 0;
		return r;
	}
	ev->type = (uint8_t)type;
	return HL_OK;
}

const char *
hl_sensor_value(const struct hl_sensor_event *ev, size_t i)
{
	return i < ev->nobs ? ev->text + ev->obs[i].off : "";
}

static const char *const format_names[] = { NULL, "suricata-eve", "zeek-json", "tshark-ek" };

int
hl_sensor_format_parse(const char *name)
{
	int i;

	for (i = 1; i < (int)(sizeof(format_names) / sizeof(format_names[0])); i++)
		if (name != NULL && strcmp(name, format_names[i]) == 0)
			return i;
	return 0;
}

const char *
hl_sensor_format_name(int format)
{
	if (format < 1 || format >= (int)(sizeof(format_names) / sizeof(format_names[0])))
		return "unknown";
	return format_names[format];
}

const char *
hl_sensor_type_name(int type)
{
	static const char *const names[] = { "unknown", "flow", "dns", "http", "tls", "file",
		"alert", "packet" };

	return type >= 1 && type < (int)(sizeof(names) / sizeof(names[0])) ? names[type] :
	    names[0];
}

const char *
hl_sensor_role_name(int role)
{
	static const char *const names[] = { "unknown", "src", "dst", "dns-query", "dns-answer",
		"http-host", "http-url", "tls-sni", "tls-ja3", "tls-ja3s", "tls-ja4", "tls-cert",
		"file-hash" };

	return role >= 1 && role < (int)(sizeof(names) / sizeof(names[0])) ? names[role] :
	    names[0];
}
