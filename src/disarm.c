/* disarm.c: DISARM incident page -> STIX 2.1 bundle (disarm.h).
 *
 * The page is read line by line. After the title, a bullet line
 * "* **Key:** value" (or "* **Key**: value") starts a field; the lines up
 * to the next bullet, table or the "DO NOT EDIT ABOVE THIS LINE" marker
 * continue it (summaries run over paragraphs). A line starting with '|'
 * starts a table: its header names it (Reference or Technique), a line of
 * dashes follows, then one row a line; a row not yet closed by '|' goes on
 * over the next lines (a real page breaks a cell so). Nothing after the
 * marker is read (notes). Unknown fields and tables are skipped, so that a
 * page with more than this knows still converts. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "disarm.h"
#include "stix.h"
#include "stixid.h"
#include "utf8.h"

#define MARKER "DO NOT EDIT ABOVE THIS LINE"
#define PAGE_URL "https://github.com/DISARMFoundation/DISARMframeworks/blob/main/generated_pages/"
/* The arena holds each string once, each cut from its own part of the
 * page, plus a NUL each and the countries cut again from their field. */
#define ARENA_SLACK (16u * 1024)
#define TYPE_MAX 64               /* incident type, bytes */
#define YEAR_MIN 1900
#define YEAR_MAX 2100
#define UUID_NAME_MAX 512         /* what an id is derived from, bytes */

/* hotline's namespace for DISARM-derived ids (a fixed random UUID) */
static const uint8_t disarm_ns[16] = {
	0x3b, 0x8e, 0x1f, 0x62, 0xa4, 0xd0, 0x4c, 0x57,
	0x91, 0x2e, 0x7d, 0xc8, 0x05, 0xf3, 0x6a, 0xb9,
};

enum field {
	F_SUMMARY, F_TYPE, F_YEAR, F_COUNTRIES, F_FOUND_VIA, F_DATE_ADDED, F_NFIELDS,
};

static const struct {
	const char *key;
	size_t max;
} fields[F_NFIELDS] = {
	[F_SUMMARY] = { "summary", HL_DISARM_SUMMARY_MAX },
	[F_TYPE] = { "incident type", TYPE_MAX },
	[F_YEAR] = { "year started", HL_DISARM_FIELD_MAX },
	[F_COUNTRIES] = { "countries", HL_DISARM_FIELD_MAX },
	[F_FOUND_VIA] = { "found via", HL_DISARM_FIELD_MAX },
	[F_DATE_ADDED] = { "date added", HL_DISARM_FIELD_MAX },
};

struct parser {
	const char *p;
	size_t len, off;           /* the next line starts at off */
	unsigned line;             /* its number, from 1 */
	struct hl_disarm_incident *inc;
	int seen[F_NFIELDS];
	char *err;
	size_t errlen;
};

/* ---- lines and text ---- */

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_blank((*s)[*n - 1]))
		(*n)--;
}

static int
starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && memcmp(s, prefix, k) == 0;
}

/* All of s[0..n) is made of the characters in set (s need not end in NUL). */
static int
only(const char *s, size_t n, const char *set)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strchr(set, s[i]) == NULL || s[i] == '\0')
			return 0;
	return 1;
}

/* The next line (without its line break and a CR before it); 0 at the end. */
static int
peek(const struct parser *ps, const char **l, size_t *n)
{
	const char *nl;

	if (ps->off >= ps->len)
		return 0;
	*l = ps->p + ps->off;
	nl = memchr(*l, '\n', ps->len - ps->off);
	*n = nl != NULL ? (size_t)(nl - *l) : ps->len - ps->off;
	if (*n > 0 && (*l)[*n - 1] == '\r')
		(*n)--;
	return 1;
}

static void
consume(struct parser *ps)
{
	const char *nl = memchr(ps->p + ps->off, '\n', ps->len - ps->off);

	ps->off = nl != NULL ? (size_t)(nl - ps->p) + 1 : ps->len;
	ps->line++;
}

/* A line that ends a field's continuation. */
static int
stops_field(const char *l, size_t n)
{
	return starts(l, n, "* **") || starts(l, n, "|") || starts(l, n, MARKER);
}

/* Markup the pages carry, as plain text: line breaks become newlines,
 * emphasis goes, CR LF becomes LF. In place; returns the new length. */
static size_t
unmarkup(char *s, size_t n)
{
	static const struct {
		const char *tag;
		char to;
	} tags[] = {
		{ "<br>", '\n' }, { "<br/>", '\n' }, { "<br />", '\n' },
		{ "<i>", 0 }, { "</i>", 0 }, { "<b>", 0 }, { "</b>", 0 },
		{ "<em>", 0 }, { "</em>", 0 }, { "<strong>", 0 }, { "</strong>", 0 },
	};
	size_t i = 0, o = 0, k, tl = 0;

	while (i < n) {
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
			i++;   /* CR LF: the LF alone */
			continue;
		}
		for (k = 0; s[i] == '<' && k < sizeof(tags) / sizeof(tags[0]); k++) {
			tl = strlen(tags[k].tag);
			if (n - i >= tl && strncasecmp(s + i, tags[k].tag, tl) == 0)
				break;
		}
		if (s[i] == '<' && k < sizeof(tags) / sizeof(tags[0])) {
			if (tags[k].to != 0)
				s[o++] = tags[k].to;
			i += tl;
			continue;
		}
		s[o++] = s[i++];
	}
	return o;
}

/* ---- the arena: every string of the parsed page, each NUL-terminated ---- */

/* s[0..n) as plain text, trimmed, into the arena, at most max bytes;
 * "what" and line name it in a message. */
static int
put_text(struct parser *ps, unsigned line, const char *s, size_t n, size_t max,
    const char *what, const char **out)
{
	struct hl_disarm_incident *inc = ps->inc;
	const char *t;
	char *d;
	size_t m;

	trim(&s, &n);
	if (inc->arena_cap - inc->arena_len < n + 1) {
		hl_set_err(ps->err, ps->errlen, "line %u: %s: out of room", line, what);
		return HL_ERR_INTERNAL;
	}
	d = inc->arena + inc->arena_len;
	memcpy(d, s, n);
	t = d;
	m = unmarkup(d, n);
	trim(&t, &m);
	memmove(d, t, m);
	d[m] = '\0';
	if (m > max) {
		hl_set_err(ps->err, ps->errlen, "line %u: %s longer than %zu bytes", line, what, max);
		return HL_ERR_TOO_BIG;
	}
	inc->arena_len += m + 1;
	*out = d;
	return HL_OK;
}

/* ---- fields ---- */

static int
digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/* "2016.0" or "2016" (or nothing) */
static int
parse_year(struct parser *ps, unsigned line, const char *v)
{
	size_t n = strlen(v);
	int y;

	if (n == 0)
		return HL_OK;
	if (n < 4 || !digits(v, 4) || (n > 4 && (v[4] != '.' || n == 5 ||
	    strspn(v + 5, "0") != n - 5))) {
		hl_set_err(ps->err, ps->errlen, "line %u: Year started: '%.32s' is not a year", line,
		    v);
		return HL_ERR_MALFORMED;
	}
	y = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0');
	if (y < YEAR_MIN || y > YEAR_MAX) {
		hl_set_err(ps->err, ps->errlen, "line %u: Year started: %d is not %d..%d", line, y,
		    YEAR_MIN, YEAR_MAX);
		return HL_ERR_MALFORMED;
	}
	ps->inc->year = y;
	return HL_OK;
}

static int
parse_date(struct parser *ps, unsigned line, const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || (n == 10 && digits(v, 4) && v[4] == '-' && digits(v + 5, 2) &&
	    v[7] == '-' && digits(v + 8, 2))) {
		ps->inc->date_added = v;
		return HL_OK;
	}
	hl_set_err(ps->err, ps->errlen, "line %u: Date added: '%.32s' is not YYYY-MM-DD", line, v);
	return HL_ERR_MALFORMED;
}

/* "Russia , USA", "Russia,UK , UK": the names, each once. */
static int
parse_countries(struct parser *ps, unsigned line, const char *v)
{
	struct hl_disarm_incident *inc = ps->inc;
	const char *s = v, *e, *c;
	size_t n, k;
	int r;

	while (*s != '\0') {
		e = strchr(s, ',');
		n = e != NULL ? (size_t)(e - s) : strlen(s);
		if ((r = put_text(ps, line, s, n, HL_DISARM_COUNTRY_MAX, "a country", &c)) != HL_OK)
			return r;
		s += n + (e != NULL);
		if (c[0] == '\0')
			continue;
		for (k = 0; k < inc->ncountries; k++)
			if (strcmp(inc->countries[k], c) == 0)
				break;
		if (k < inc->ncountries)
			continue;
		if (inc->ncountries == HL_DISARM_COUNTRIES_MAX) {
			hl_set_err(ps->err, ps->errlen, "line %u: more than %d countries", line,
			    HL_DISARM_COUNTRIES_MAX);
			return HL_ERR_TOO_BIG;
		}
		inc->countries[inc->ncountries++] = c;
	}
	return HL_OK;
}

/* "* **Key:** value" and the lines that continue it. */
static int
parse_field(struct parser *ps)
{
	struct hl_disarm_incident *inc = ps->inc;
	const char *l, *key, *close, *val, *v;
	size_t n, kn, start, end;
	unsigned line = ps->line;
	int f, r = HL_OK;

	(void)peek(ps, &l, &n);
	key = l + 4;
	if ((close = memmem(key, n - 4, "**", 2)) == NULL) {
		hl_set_err(ps->err, ps->errlen, "line %u: a field's name is not closed by '**'", line);
		return HL_ERR_MALFORMED;
	}
	kn = (size_t)(close - key);
	val = close + 2;
	if (kn > 0 && key[kn - 1] == ':')
		kn--;
	else if (val < l + n && *val == ':')
		val++;
	/* the value: the rest of this line and the lines that continue it */
	start = (size_t)(val - ps->p);
	consume(ps);
	end = ps->off;
	while (peek(ps, &l, &n) && !stops_field(l, n)) {
		consume(ps);
		end = ps->off;
	}
	for (f = 0; f < F_NFIELDS; f++)
		if (kn == strlen(fields[f].key) && strncasecmp(key, fields[f].key, kn) == 0)
			break;
	if (f == F_NFIELDS)
		return HL_OK;
	if (ps->seen[f]) {
		hl_set_err(ps->err, ps->errlen, "line %u: a second '%s' field", line, fields[f].key);
		return HL_ERR_MALFORMED;
	}
	ps->seen[f] = 1;
	if ((r = put_text(ps, line, ps->p + start, end - start, fields[f].max, fields[f].key,
	    &v)) != HL_OK)
		return r;
	switch (f) {
	case F_SUMMARY:
		inc->summary = v;
		break;
	case F_TYPE:
		inc->type = v;
		break;
	case F_YEAR:
		r = parse_year(ps, line, v);
		break;
	case F_COUNTRIES:
		r = parse_countries(ps, line, v);
		break;
	case F_FOUND_VIA:
		inc->found_via = v;
		break;
	case F_DATE_ADDED:
		r = parse_date(ps, line, v);
		break;
	}
	return r;
}

/* ---- tables ---- */

/* "[text](url)" spanning the whole cell: 1 and its parts; else 0. */
static int
link(const char *s, size_t n, const char **text, size_t *tn, const char **url, size_t *un)
{
	const char *mid;

	trim(&s, &n);
	if (n < 4 || s[0] != '[' || s[n - 1] != ')' || (mid = memmem(s, n, "](", 2)) == NULL)
		return 0;
	*text = s + 1;
	*tn = (size_t)(mid - s) - 1;
	*url = mid + 2;
	*un = (size_t)(s + n - 1 - *url);
	return 1;
}

/* One row: from its opening '|' to the '|' that closes it, over more than
 * one line when a cell was broken (the row has not yet the header's bars,
 * or does not end in one), without the outer bars: a span of the page,
 * line breaks inside stay in its cells. */
static int
read_row(struct parser *ps, size_t bars_min, const char **row, size_t *n)
{
	const char *l, *s, *e = NULL;
	size_t ln, bars = 0, i;
	unsigned first = ps->line;
	int closed = 0;

	(void)peek(ps, &s, &ln);
	while (!closed) {
		if (!peek(ps, &l, &ln) || (ps->line != first && (only(l, ln, " \t\r") ||
		    stops_field(l, ln)))) {
			hl_set_err(ps->err, ps->errlen, "line %u: table row not closed by '|' (or "
			    "with fewer cells than its header)", first);
			return HL_ERR_MALFORMED;
		}
		consume(ps);
		while (ln > 0 && is_blank(l[ln - 1]))
			ln--;
		for (i = 0; i < ln; i++)
			bars += l[i] == '|';
		closed = ln > 0 && l[ln - 1] == '|' && bars >= bars_min;
		e = l + ln;
	}
	*row = s + 1;
	*n = (size_t)(e - 1 - *row);
	return HL_OK;
}

/* The next cell of a row: up to a '|' or the end. */
static void
cell(const char **s, size_t *n, const char **c, size_t *cn)
{
	const char *bar = memchr(*s, '|', *n);

	*c = *s;
	*cn = bar != NULL ? (size_t)(bar - *s) : *n;
	*s += *cn + (bar != NULL);
	*n -= *cn + (bar != NULL);
}

static int
technique_id_ok(const char *s, size_t n)
{
	return (n == 5 || (n == 9 && s[5] == '.' && digits(s + 6, 3))) && s[0] == 'T' &&
	    digits(s + 1, 4);
}

/* "| [T0007 Name](../techniques/T0007.md) | evidence |" */
static int
technique_row(struct parser *ps, unsigned line, const char *row, size_t n)
{
	struct hl_disarm_incident *inc = ps->inc;
	struct hl_disarm_technique *t;
	const char *c, *text, *url, *sp;
	size_t cn, tn, un, idn;
	int r;

	if (inc->ntech == HL_DISARM_TECHNIQUES_MAX) {
		hl_set_err(ps->err, ps->errlen, "line %u: more than %d technique rows", line,
		    HL_DISARM_TECHNIQUES_MAX);
		return HL_ERR_TOO_BIG;
	}
	t = &inc->tech[inc->ntech];
	cell(&row, &n, &c, &cn);
	if (!link(c, cn, &text, &tn, &url, &un)) {
		text = c;
		tn = cn;
	}
	trim(&text, &tn);
	sp = memchr(text, ' ', tn);
	idn = sp != NULL ? (size_t)(sp - text) : tn;
	if (!technique_id_ok(text, idn)) {
		hl_set_err(ps->err, ps->errlen, "line %u: '%.*s' is not a DISARM technique id "
		    "(Tnnnn or Tnnnn.nnn)", line, (int)(idn < 16 ? idn : 16), text);
		return HL_ERR_MALFORMED;
	}
	memcpy(t->id, text, idn);
	t->id[idn] = '\0';
	if ((r = put_text(ps, line, text + idn, tn - idn, HL_DISARM_TECH_NAME_MAX,
	    "a technique's name", &t->name)) != HL_OK ||
	    (r = put_text(ps, line, row, n, HL_DISARM_TECH_DESC_MAX, "a technique's description",
	    &t->desc)) != HL_OK)
		return r;
	inc->ntech++;
	return HL_OK;
}

/* "| [title](url) | date | authors | org | [archive](url) |" */
static int
reference_row(struct parser *ps, unsigned line, const char *row, size_t n)
{
	struct hl_disarm_incident *inc = ps->inc;
	struct hl_disarm_ref *f;
	const char *c[5], *text, *url;
	size_t cn[5], tn, un, i, bars;
	int r;

	if (inc->nrefs == HL_DISARM_REFS_MAX) {
		hl_set_err(ps->err, ps->errlen, "line %u: more than %d reference rows", line,
		    HL_DISARM_REFS_MAX);
		return HL_ERR_TOO_BIG;
	}
	f = &inc->refs[inc->nrefs];
	for (i = 0, bars = 0; i < n; i++)
		bars += row[i] == '|';
	if (bars != 4) {
		hl_set_err(ps->err, ps->errlen, "line %u: a reference row has %zu cells, not 5", line,
		    bars + 1);
		return HL_ERR_MALFORMED;
	}
	for (i = 0; i < 5; i++)
		cell(&row, &n, &c[i], &cn[i]);
	if (!link(c[0], cn[0], &text, &tn, &url, &un)) {
		text = "";
		tn = 0;
		url = c[0];
		un = cn[0];
	}
	if ((r = put_text(ps, line, text, tn, HL_DISARM_FIELD_MAX, "a reference's title",
	    &f->title)) != HL_OK ||
	    (r = put_text(ps, line, url, un, HL_DISARM_FIELD_MAX, "a reference's URL",
	    &f->url)) != HL_OK)
		return r;
	if (f->url[0] == '\0') {
		hl_set_err(ps->err, ps->errlen, "line %u: a reference without a URL", line);
		return HL_ERR_MALFORMED;
	}
	if (strcmp(f->title, f->url) == 0)
		f->title = "";
	if (!link(c[4], cn[4], &text, &tn, &url, &un)) {
		url = c[4];
		un = cn[4];
	}
	if ((r = put_text(ps, line, c[1], cn[1], HL_DISARM_FIELD_MAX, "a reference's date",
	    &f->date)) != HL_OK ||
	    (r = put_text(ps, line, c[2], cn[2], HL_DISARM_FIELD_MAX, "a reference's authors",
	    &f->authors)) != HL_OK ||
	    (r = put_text(ps, line, c[3], cn[3], HL_DISARM_FIELD_MAX, "a reference's org",
	    &f->org)) != HL_OK ||
	    (r = put_text(ps, line, url, un, HL_DISARM_FIELD_MAX, "a reference's archive",
	    &f->archive)) != HL_OK)
		return r;
	inc->nrefs++;
	return HL_OK;
}

/* A table: its header, the line of dashes, its rows. */
static int
parse_table(struct parser *ps)
{
	const char *l, *row, *h;
	size_t n, hn, bars, i;
	unsigned line = ps->line;
	int kind, r = HL_OK;

	(void)peek(ps, &l, &n);
	while (n > 0 && is_blank(l[n - 1]))
		n--;
	for (i = 0, bars = 0; i < n; i++)
		bars += l[i] == '|';
	if (bars < 2 || l[n - 1] != '|') {
		hl_set_err(ps->err, ps->errlen, "line %u: a table header not closed by '|'", line);
		return HL_ERR_MALFORMED;
	}
	h = l + 1;
	hn = n - 1;
	cell(&h, &hn, &row, &n);
	trim(&row, &n);
	kind = n == 9 && memcmp(row, "Reference", 9) == 0 ? 'r' :
	    n == 9 && memcmp(row, "Technique", 9) == 0 ? 't' : 0;
	consume(ps);
	if (!peek(ps, &l, &n) || !starts(l, n, "|") || !only(l, n, "|-: \t\r")) {
		hl_set_err(ps->err, ps->errlen, "line %u: a table header without a line of dashes "
		    "under it", line);
		return HL_ERR_MALFORMED;
	}
	consume(ps);
	while (peek(ps, &l, &n) && starts(l, n, "|")) {
		line = ps->line;
		if ((r = read_row(ps, bars, &row, &n)) != HL_OK)
			return r;
		if (kind == 't')
			r = technique_row(ps, line, row, n);
		else if (kind == 'r')
			r = reference_row(ps, line, row, n);
		if (r != HL_OK)
			return r;
	}
	return HL_OK;
}

/* ---- the page ---- */

/* "# Incident I00005: Brexit vote" */
static int
parse_title(struct parser *ps)
{
	struct hl_disarm_incident *inc = ps->inc;
	const char *l, *s = NULL;
	size_t n = 0;
	int r;

	while (peek(ps, &l, &n)) {
		s = l;
		trim(&s, &n);
		if (n > 0)
			break;
		consume(ps);
	}
	if (ps->off >= ps->len || !starts(s, n, "# Incident I") || n < 18 || !digits(s + 12, 5) ||
	    s[17] != ':') {
		hl_set_err(ps->err, ps->errlen, "line %u: expected the title '# Incident Innnnn: "
		    "NAME'", ps->line);
		return HL_ERR_MALFORMED;
	}
	memcpy(inc->id, s + 11, 6);
	inc->id[6] = '\0';
	if ((r = put_text(ps, ps->line, s + 18, n - 18, HL_DISARM_NAME_MAX, "the name",
	    &inc->name)) != HL_OK)
		return r;
	if (inc->name[0] == '\0') {
		hl_set_err(ps->err, ps->errlen, "line %u: the title has no name", ps->line);
		return HL_ERR_MALFORMED;
	}
	consume(ps);
	return HL_OK;
}

void
hl_disarm_free(struct hl_disarm_incident *inc)
{
	if (inc == NULL)
		return;
	hl_free(inc->arena);
	hl_free(inc);
}

int
hl_disarm_parse(const uint8_t *p, size_t len, struct hl_disarm_incident **out, char *err,
    size_t errlen)
{
	struct hl_disarm_incident *inc = NULL;
	struct parser ps;
	const uint8_t *z = NULL;
	const char *l;
	size_t n, bad;
	int r = HL_ERR_INTERNAL, ok;

	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (len > HL_DISARM_MAX_BYTES) {
		hl_set_err(err, errlen, "larger than %u bytes", HL_DISARM_MAX_BYTES);
		return HL_ERR_TOO_BIG;
	}
	bad = len;
	ok = hl_utf8_valid(p, len, &bad);
	if (len > 0 && (z = memchr(p, '\0', len)) != NULL && (size_t)(z - p) < bad)
		bad = (size_t)(z - p);
	if (!ok || z != NULL) {
		hl_set_err(err, errlen, "not UTF-8 text (byte %zu)", bad);
		return HL_ERR_MALFORMED;
	}
	if ((inc = hl_calloc(1, sizeof(*inc))) == NULL ||
	    (inc->arena = hl_malloc(len + ARENA_SLACK)) == NULL) {
		hl_set_err(err, errlen, "out of memory");
		r = HL_ERR_NOMEM;
		goto out;
	}
	inc->arena_cap = len + ARENA_SLACK;
	inc->name = inc->summary = inc->type = inc->found_via = inc->date_added = "";
	memset(&ps, 0, sizeof(ps));
	ps.p = (const char *)p;
	ps.len = len;
	ps.line = 1;
	ps.inc = inc;
	ps.err = err;
	ps.errlen = errlen;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		ps.off = 3;   /* a byte-order mark */
	if ((r = parse_title(&ps)) != HL_OK)
		goto out;
	while (peek(&ps, &l, &n) && !starts(l, n, MARKER)) {
		if (starts(l, n, "* **"))
			r = parse_field(&ps);
		else if (starts(l, n, "|"))
			r = parse_table(&ps);
		else if (only(l, n, " \t\r")) {
			consume(&ps);
			continue;
		} else {
			hl_set_err(err, errlen, "line %u: expected a '* **Field:**' line or a table",
			    ps.line);
			r = HL_ERR_MALFORMED;
		}
		if (r != HL_OK)
			goto out;
	}
	if (!ps.seen[F_SUMMARY]) {
		hl_set_err(err, errlen, "no '* **Summary:**' field: not a DISARM incident page");
		r = HL_ERR_MALFORMED;
		goto out;
	}
	*out = inc;
	inc = NULL;
	r = HL_OK;
out:
	hl_disarm_free(inc);
	return r;
}

/* ---- the bundle ---- */

struct build {
	const struct hl_disarm_incident *inc;
	const struct hl_disarm_opts *o;
	char key[UUID_NAME_MAX];          /* "Innnnn|identity|created": the caller's objects */
	char created[HL_STIX_TS_KEY + 8]; /* the caller's time, to the millisecond at least */
	json_t *objects;
	char *err;
	size_t errlen;
};

/* A valid RFC 3339 time (hl_stix_time) with at least three digits of
 * fraction, as STIX 2.1 wants of created and modified: "...:05Z" is
 * "...:05.000Z", "...:05.1Z" is "...:05.100Z"; more digits stay. */
static void
millis(const char *t, char *out, size_t cap)
{
	const char *dot = strchr(t, '.');
	size_t n = strlen(t) - 1, digits = dot != NULL ? n - (size_t)(dot - t) - 1 : 0;

	snprintf(out, cap, "%.*s%s%.*sZ", (int)n, t, dot != NULL ? "" : ".",
	    digits < 3 ? (int)(3 - digits) : 0, "000");
}

/* "type--" and the UUIDv5 of "type|name" under the DISARM namespace. */
static int
make_id(const char *type, const char *name, char out[static HL_STIX_ID_MAX + 1])
{
	char n[UUID_NAME_MAX + 64], u[HL_STIXID_UUID_LEN + 1];
	int k = snprintf(n, sizeof(n), "%s|%s", type, name);

	if (k < 0 || (size_t)k >= sizeof(n))
		return HL_ERR_TOO_BIG;
	if (hl_stixid_v5(disarm_ns, n, (size_t)k, u) != HL_OK)
		return HL_ERR_CRYPTO;
	snprintf(out, HL_STIX_ID_MAX + 1, "%s--%s", type, u);
	return HL_OK;
}

/* The properties every object here has. NULL on allocation failure. */
static json_t *
new_object(const char *type, const char *id, const char *time, const char *identity)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s}", "type", type, "spec_version", "2.1",
	    "id", id, "created", time, "modified", time);

	if (o != NULL && identity != NULL &&
	    json_object_set_new(o, "created_by_ref", json_string(identity)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* {"source_name": "DISARM", "external_id": id, "url": its page} */
static json_t *
disarm_ref(const char *id, const char *folder)
{
	char url[sizeof(PAGE_URL) + 32];

	snprintf(url, sizeof(url), "%s%s/%s.md", PAGE_URL, folder, id);
	return json_pack("{s:s,s:s,s:s}", "source_name", "DISARM", "external_id", id, "url", url);
}

/* A reference row: the organisation as the source (or "reference"), the
 * link, and what else the row says in the description. */
/* Append to d[cap] (n: its length so far), "; " first when not empty; what
 * does not fit is cut. */
static void
append(char *d, size_t cap, size_t *n, const char *what, const char *v)
{
	int k;

	if (v[0] == '\0' || strcmp(v, "-") == 0 || *n + 1 >= cap)
		return;
	k = snprintf(d + *n, cap - *n, "%s%s%s", *n > 0 ? "; " : "", what, v);
	if (k < 0)
		return;
	if ((size_t)k < cap - *n) {
		*n += (size_t)k;
		return;
	}
	/* cut: not inside a character */
	*n = cap - 1;
	if (!hl_utf8_valid((const uint8_t *)d, *n, n))
		d[*n] = '\0';
}

/* A reference row: the organisation as the source (or "reference"), the
 * link, and what else the row says in the description. */
static json_t *
row_ref(const struct hl_disarm_ref *f)
{
	char d[4 * HL_DISARM_FIELD_MAX + 64];
	size_t n = 0;
	json_t *e;

	d[0] = '\0';
	append(d, sizeof(d), &n, "", f->title);
	append(d, sizeof(d), &n, "published ", f->date);
	append(d, sizeof(d), &n, "by ", f->authors);
	append(d, sizeof(d), &n, "archived at ", f->archive);
	e = json_pack("{s:s,s:s}", "source_name", f->org[0] != '\0' && strcmp(f->org, "-") != 0 ?
	    f->org : "reference", "url", f->url);
	if (e != NULL && n > 0 && json_object_set_new(e, "description", json_string(d)) != 0) {
		json_decref(e);
		return NULL;
	}
	return e;
}

static int
add(json_t *arr, json_t *v)
{
	return v != NULL && json_array_append_new(arr, v) == 0 ? 0 : -1;
}

static int
set(json_t *o, const char *k, json_t *v)
{
	return v != NULL && json_object_set_new(o, k, v) == 0 ? 0 : -1;
}

/* The optional text properties of the incident: set when not empty. */
static int
set_text(json_t *o, const char *k, const char *v)
{
	return v[0] == '\0' ? 0 : set(o, k, json_string(v));
}

static json_t *
incident(const struct build *b, const char *id)
{
	const struct hl_disarm_incident *inc = b->inc;
	json_t *o, *refs = NULL, *cs = NULL;
	char first[HL_STIX_TS_KEY];
	size_t i;

	if ((o = new_object("incident", id, b->created, b->o->identity)) == NULL ||
	    set(o, "name", json_string(inc->name)) != 0 ||
	    set_text(o, "description", inc->summary) != 0 ||
	    (refs = json_array()) == NULL || add(refs, disarm_ref(inc->id, "incidents")) != 0)
		goto fail;
	for (i = 0; i < inc->nrefs; i++)
		if (add(refs, row_ref(&inc->refs[i])) != 0)
			goto fail;
	if (set(o, "external_references", refs) != 0) {
		refs = NULL;
		goto fail;
	}
	refs = NULL;
	if (inc->year != 0) {
		snprintf(first, sizeof(first), "%04d-01-01T00:00:00.000Z", inc->year);
		if (set(o, "first_seen", json_string(first)) != 0)
			goto fail;
	}
	if (set_text(o, "x_disarm_incident_type", inc->type) != 0 ||
	    set_text(o, "x_disarm_found_via", inc->found_via) != 0 ||
	    set_text(o, "x_disarm_date_added", inc->date_added) != 0)
		goto fail;
	if (inc->ncountries > 0) {
		if ((cs = json_array()) == NULL)
			goto fail;
		for (i = 0; i < inc->ncountries; i++)
			if (add(cs, json_string(inc->countries[i])) != 0)
				goto fail;
		if (set(o, "x_disarm_countries", cs) != 0) {
			cs = NULL;
			goto fail;
		}
	}
	return o;
fail:
	json_decref(cs);
	json_decref(refs);
	json_decref(o);
	return NULL;
}

static json_t *
attack_pattern(const struct hl_disarm_technique *t, const char *id)
{
	json_t *o = new_object("attack-pattern", id, HL_DISARM_TECHNIQUE_TIME, NULL), *refs;

	if (o == NULL || set(o, "name", json_string(t->name[0] != '\0' ? t->name : t->id)) != 0 ||
	    (refs = json_array()) == NULL)
		goto fail;
	if (set(o, "external_references", refs) != 0 || add(refs, disarm_ref(t->id,
	    "techniques")) != 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static json_t *
uses(const struct build *b, const char *id, const char *src, const char *dst, const char *desc)
{
	json_t *o = new_object("relationship", id, b->created, b->o->identity);

	if (o == NULL || set(o, "relationship_type", json_string("uses")) != 0 ||
	    set(o, "source_ref", json_string(src)) != 0 ||
	    set(o, "target_ref", json_string(dst)) != 0 || set_text(o, "description", desc) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
report(const struct build *b, const char *id, json_t *refs)
{
	const struct hl_disarm_incident *inc = b->inc;
	json_t *o = new_object("report", id, b->created, b->o->identity), *er = NULL;
	char name[HL_DISARM_NAME_MAX + 32];

	snprintf(name, sizeof(name), "DISARM %s: %s", inc->id, inc->name);
	if ((er = json_array()) != NULL && add(er, disarm_ref(inc->id, "incidents")) != 0) {
		json_decref(er);
		er = NULL;
	}
	if (o == NULL || er == NULL || set(o, "name", json_string(name)) != 0 ||
	    set_text(o, "description", inc->summary) != 0 ||
	    set(o, "report_types", json_pack("[s]", "threat-report")) != 0 ||
	    set(o, "published", json_string(b->created)) != 0 ||
	    set(o, "object_refs", json_incref(refs)) != 0) {
		json_decref(er);
		json_decref(o);
		return NULL;
	}
	if (set(o, "external_references", er) != 0) {   /* er is o's, or freed */
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Append obj to the bundle's objects and its id to refs (either may be
 * NULL). Takes ownership of obj. */
static int
emit(struct build *b, json_t *obj, json_t *refs)
{
	if (obj == NULL)
		return -1;
	if (refs != NULL && add(refs, json_incref(json_object_get(obj, "id"))) != 0) {
		json_decref(obj);
		return -1;
	}
	return add(b->objects, obj);
}

int
hl_disarm_bundle(const struct hl_disarm_incident *inc, const struct hl_disarm_opts *o,
    json_t **bundle, char *err, size_t errlen)
{
	struct build b;
	json_t *bun = NULL, *refs = NULL, *v;
	char inc_id[HL_STIX_ID_MAX + 1], ap_id[HL_STIX_ID_MAX + 1], id[HL_STIX_ID_MAX + 1];
	char name[UUID_NAME_MAX], verr[HL_STIX_ERR_MAX];
	size_t i, k;
	int r = HL_ERR_NOMEM, n;

	*bundle = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (o == NULL || o->created == NULL || hl_stix_time(o->created, NULL, NULL) != HL_OK) {
		hl_set_err(err, errlen, "created: '%.40s' is not an RFC 3339 UTC timestamp",
		    o != NULL && o->created != NULL ? o->created : "");
		return HL_ERR_INVALID;
	}
	if (o->identity != NULL && !hl_stix_id_valid(o->identity, "identity")) {
		hl_set_err(err, errlen, "identity: '%.80s' is not an identity id (identity--UUID)",
		    o->identity);
		return HL_ERR_INVALID;
	}
	memset(&b, 0, sizeof(b));
	b.inc = inc;
	b.o = o;
	b.err = err;
	b.errlen = errlen;
	millis(o->created, b.created, sizeof(b.created));
	n = snprintf(b.key, sizeof(b.key), "%s|%s|%s", inc->id, o->identity != NULL ?
	    o->identity : "", b.created);
	if (n < 0 || (size_t)n >= sizeof(b.key)) {
		hl_set_err(err, errlen, "created or identity too long");
		return HL_ERR_INVALID;
	}
	if ((r = make_id("incident", b.key, inc_id)) != HL_OK ||
	    (r = make_id("bundle", b.key, id)) != HL_OK)
		goto out;
	r = HL_ERR_NOMEM;
	if ((bun = json_pack("{s:s,s:s,s:[]}", "type", "bundle", "id", id, "objects")) == NULL ||
	    (refs = json_array()) == NULL)
		goto out;
	b.objects = json_object_get(bun, "objects");
	if (emit(&b, incident(&b, inc_id), refs) != 0)
		goto out;
	/* one attack-pattern per technique id, in the order of first mention */
	for (i = 0; i < inc->ntech; i++) {
		for (k = 0; k < i; k++)
			if (strcmp(inc->tech[k].id, inc->tech[i].id) == 0)
				break;
		if (k < i)
			continue;
		if ((r = make_id("attack-pattern", inc->tech[i].id, ap_id)) != HL_OK)
			goto out;
		r = HL_ERR_NOMEM;
		if (emit(&b, attack_pattern(&inc->tech[i], ap_id), refs) != 0)
			goto out;
	}
	/* one relationship per row: a technique may be used in more than one way */
	for (i = 0; i < inc->ntech; i++) {
		snprintf(name, sizeof(name), "%s|%zu|%s", b.key, i, inc->tech[i].id);
		if ((r = make_id("attack-pattern", inc->tech[i].id, ap_id)) != HL_OK ||
		    (r = make_id("relationship", name, id)) != HL_OK)
			goto out;
		r = HL_ERR_NOMEM;
		if (emit(&b, uses(&b, id, inc_id, ap_id, inc->tech[i].desc), refs) != 0)
			goto out;
	}
	if ((r = make_id("report", b.key, id)) != HL_OK)
		goto out;
	r = HL_ERR_NOMEM;
	if (emit(&b, report(&b, id, refs), NULL) != 0)
		goto out;
	/* what goes out must be what the TAXII server takes */
	json_array_foreach(b.objects, i, v) {
		if ((r = hl_stix_validate(v, verr, sizeof(verr))) != HL_OK) {
			hl_set_err(err, errlen, "%s: %s", json_string_value(json_object_get(v, "type")),
			    verr);
			if (r != HL_ERR_TOO_BIG && r != HL_ERR_NOMEM)
				r = HL_ERR_INTERNAL;
			goto out;
		}
	}
	*bundle = bun;
	bun = NULL;
	r = HL_OK;
out:
	if (r == HL_ERR_NOMEM)
		hl_set_err(err, errlen, "out of memory");
	else if (r == HL_ERR_CRYPTO)
		hl_set_err(err, errlen, "deriving an id failed");
	json_decref(refs);
	json_decref(bun);
	return r;
}

int
hl_disarm_convert(const uint8_t *p, size_t len, const struct hl_disarm_opts *o,
    json_t **bundle, char *err, size_t errlen)
{
	struct hl_disarm_incident *inc = NULL;
	int r;

	*bundle = NULL;
	if ((r = hl_disarm_parse(p, len, &inc, err, errlen)) != HL_OK)
		return r;
	r = hl_disarm_bundle(inc, o, bundle, err, errlen);
	hl_disarm_free(inc);
	return r;
}
