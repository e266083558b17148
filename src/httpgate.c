/* httpgate.c: request heads read as evhttp reads them (httpgate.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "httpgate.h"

/* The methods evhttp 2.1.12 reads a body for (evhttp_method_may_have_body). */
static const char *const body_methods[] = {
	"POST", "PUT", "PATCH", "GET", "DELETE", "OPTIONS", "CONNECT"
};

void
hl_gate_init(struct hl_gate *g)
{
	g->state = HL_GATE_HEAD;
	g->left = 0;
	g->hlen = 0;
}

static int
is_lws(char c)
{
	return c == ' ' || c == '\t';
}

/* Lines of a head: [*pos, end of line) without the CR, *pos moved past
 * the LF. 0 at the end of the head text. */
static int
next_line(const char *t, size_t len, size_t *pos, const char **line, size_t *ll)
{
	const char *nl;
	size_t n;

	if (*pos >= len)
		return 0;
	nl = memchr(t + *pos, '\n', len - *pos);
	n = nl != NULL ? (size_t)(nl - (t + *pos)) : len - *pos;
	*line = t + *pos;
	*ll = n > 0 && (*line)[n - 1] == '\r' ? n - 1 : n;
	*pos += n + (nl != NULL ? 1 : 0);
	return 1;
}

int
hl_gate_each_header(const struct hl_gate_head *h, int (*fn)(void *arg, const char *name,
    size_t nl, const char *value, size_t vl), void *arg)
{
	const char *line, *colon, *v, *e;
	size_t pos = 0, ll;
	int r;

	if (!next_line(h->text, h->len, &pos, &line, &ll))   /* the request line */
		return 0;
	while (next_line(h->text, h->len, &pos, &line, &ll) && ll > 0) {
		if ((colon = memchr(line, ':', ll)) == NULL)
			continue;
		v = colon + 1;
		e = line + ll;
		while (v < e && is_lws(*v))
			v++;
		while (e > v && is_lws(e[-1]))
			e--;
		if ((r = fn(arg, line, (size_t)(colon - line), v, (size_t)(e - v))) != 0)
			return r;
	}
	return 0;
}

struct find {
	const char *name;
	const char *v;
	size_t vl;
	int found;
};

static int
find_one(void *arg, const char *name, size_t nl, const char *value, size_t vl)
{
	struct find *f = arg;

	if (nl != strlen(f->name) || strncasecmp(name, f->name, nl) != 0)
		return 0;
	f->v = value;
	f->vl = vl;
	f->found = 1;
	return 1;
}

static int
copy_out(const char *v, size_t vl, char *out, size_t outlen)
{
	if (outlen == 0 || vl > outlen - 1)
		return HL_ERR_TOO_BIG;
	memcpy(out, v, vl);
	out[vl] = '\0';
	return HL_OK;
}

int
hl_gate_header(const struct hl_gate_head *h, const char *name, char *out, size_t outlen)
{
	struct find f = { name, NULL, 0, 0 };

	(void)hl_gate_each_header(h, find_one, &f);
	if (!f.found)
		return HL_ERR_NOT_FOUND;
	return copy_out(f.v, f.vl, out, outlen);
}

int
hl_gate_path(const struct hl_gate_head *h, char *out, size_t outlen)
{
	const char *line, *sp, *end, *q;
	size_t pos = 0, ll;

	if (!next_line(h->text, h->len, &pos, &line, &ll) ||
	    (sp = memchr(line, ' ', ll)) == NULL)
		return HL_ERR_MALFORMED;
	sp++;
	end = memchr(sp, ' ', (size_t)(line + ll - sp));
	if (end == NULL)
		return HL_ERR_MALFORMED;
	if ((q = memchr(sp, '?', (size_t)(end - sp))) != NULL)
		end = q;
	return copy_out(sp, (size_t)(end - sp), out, outlen);
}

/* What a head says about its body. 0, or -1 with *why: the watch ends. */
struct scan {
	int ncl, nte, cont;
	const char *cl, *te;
	size_t cll, tel;
};

static int
scan_one(void *arg, const char *name, size_t nl, const char *value, size_t vl)
{
	struct scan *s = arg;

	if (nl == 14 && strncasecmp(name, "Content-Length", 14) == 0) {
		if (s->ncl++ == 0) {
			s->cl = value;
			s->cll = vl;
		}
	} else if (nl == 17 && strncasecmp(name, "Transfer-Encoding", 17) == 0) {
		if (s->nte++ == 0) {
			s->te = value;
			s->tel = vl;
		}
	}
	return 0;
}

static int
read_head(struct hl_gate_head *h, const char **why)
{
	struct scan s;
	const char *line, *sp;
	size_t pos = 0, ll, i;
	uint64_t n = 0;
	int has_body = 0;

	memset(&s, 0, sizeof(s));
	if (!next_line(h->text, h->len, &pos, &line, &ll) || ll == 0) {
		*why = "empty request line";
		return -1;
	}
	if ((sp = memchr(line, ' ', ll)) == NULL || (size_t)(sp - line) > HL_GATE_METHOD_MAX) {
		*why = "malformed request line";
		return -1;
	}
	memcpy(h->method, line, (size_t)(sp - line));
	h->method[sp - line] = '\0';
	while (next_line(h->text, h->len, &pos, &line, &ll) && ll > 0) {
		if (is_lws(line[0])) {
			*why = "a header continued on the next line";
			return -1;
		}
		if (memchr(line, ':', ll) == NULL) {
			*why = "a header line without a colon";
			return -1;
		}
	}
	(void)hl_gate_each_header(h, scan_one, &s);
	for (i = 0; i < sizeof(body_methods) / sizeof(body_methods[0]); i++)
		has_body |= strcmp(h->method, body_methods[i]) == 0;
	if (s.ncl > 1 || s.nte > 1) {
		*why = "more than one Content-Length or Transfer-Encoding";
		return -1;
	}
	if (s.nte == 1) {
		if (s.tel != 7 || strncasecmp(s.te, "chunked", 7) != 0) {
			*why = "a Transfer-Encoding other than chunked";
			return -1;
		}
		h->chunked = has_body;
	}
	if (s.ncl == 1) {
		if (s.cll == 0 || s.cll > 18) {
			*why = "a Content-Length that is not a number";
			return -1;
		}
		for (i = 0; i < s.cll; i++) {
			if (s.cl[i] < '0' || s.cl[i] > '9') {
				*why = "a Content-Length that is not a number";
				return -1;
			}
			n = n * 10 + (uint64_t)(s.cl[i] - '0');
		}
	}
	h->body_len = has_body && !h->chunked ? n : 0;
	return 0;
}

static void
gate_off(struct hl_gate *g, hl_gate_off_fn on_off, void *arg, const char *why)
{
	g->state = HL_GATE_OFF;
	g->hlen = 0;
	on_off(arg, why);
}

/* The head in g->head is complete. */
static void
head_done(struct hl_gate *g, hl_gate_head_fn on_head, hl_gate_off_fn on_off, void *arg)
{
	struct hl_gate_head h;
	const char *why = NULL;

	memset(&h, 0, sizeof(h));
	h.text = g->head;
	h.len = g->hlen;
	if (read_head(&h, &why) != 0) {
		gate_off(g, on_off, arg, why);
		return;
	}
	if (h.chunked) {
		gate_off(g, on_off, arg, "a chunked body (its length is not known before it)");
		return;
	}
	on_head(arg, &h);
	g->hlen = 0;
	g->left = h.body_len;
	g->state = g->left > 0 ? HL_GATE_BODY : HL_GATE_HEAD;
}

/* Is the last line of the head (ending at g->hlen, its LF included) empty? */
static int
ends_head(const struct hl_gate *g)
{
	size_t e = g->hlen - 1;   /* the LF */

	if (e > 0 && g->head[e - 1] == '\r')
		e--;
	return e == 0 || g->head[e - 1] == '\n';
}

void
hl_gate_feed(struct hl_gate *g, const uint8_t *p, size_t n, hl_gate_head_fn on_head,
    hl_gate_off_fn on_off, void *arg)
{
	const uint8_t *nl;
	size_t k;

	while (n > 0 && g->state != HL_GATE_OFF) {
		if (g->state == HL_GATE_BODY) {
			k = g->left < n ? (size_t)g->left : n;
			g->left -= k;
			p += k;
			n -= k;
			if (g->left == 0)
				g->state = HL_GATE_HEAD;
			continue;
		}
		nl = memchr(p, '\n', n);
		k = nl != NULL ? (size_t)(nl - p) + 1 : n;
		if (k > sizeof(g->head) - g->hlen) {
			gate_off(g, on_off, arg, "a request head over the limit");
			return;
		}
		memcpy(g->head + g->hlen, p, k);
		g->hlen += k;
		p += k;
		n -= k;
		if (nl != NULL && ends_head(g)) {
			if (g->hlen <= 2) {
				gate_off(g, on_off, arg, "empty request line");
				return;
			}
			head_done(g, on_head, on_off, arg);
		}
	}
}
