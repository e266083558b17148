/* fuzz_httpgate.c: the request-head watch (httpgate.c). The bytes are fed
 * whole and again in pieces (sizes from the first byte): both must report
 * the same heads, body lengths and end of watch, and every header a head
 * reports must be found again by name. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httpgate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct trace {
	uint64_t sum;                  /* a digest of the heads in order */
	unsigned nheads;
	int off;
};

static int
refind(void *arg, const char *name, size_t nl, const char *value, size_t vl)
{
	const struct hl_gate_head *h = arg;
	char n[64], v[256];

	(void)value;
	if (nl == 0 || nl >= sizeof(n) || vl >= sizeof(v) || memchr(name, '\0', nl) != NULL)
		return 0;
	memcpy(n, name, nl);
	n[nl] = '\0';
	/* found by its name (an earlier header of that name may be longer) */
	if (hl_gate_header(h, n, v, sizeof(v)) == HL_ERR_NOT_FOUND)
		abort();
	return 0;
}

static void
on_head(void *arg, const struct hl_gate_head *h)
{
	struct trace *t = arg;
	size_t i;

	t->nheads++;
	t->sum = t->sum * 1000003u + h->body_len + h->len;
	for (i = 0; h->method[i] != '\0'; i++)
		t->sum = t->sum * 31u + (uint8_t)h->method[i];
	(void)hl_gate_each_header(h, refind, (void *)h);
}

static void
on_off(void *arg, const char *why)
{
	struct trace *t = arg;

	(void)why;
	t->off++;
}

static struct hl_gate g1, g2;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace a, b;
	size_t step, i, k;

	if (size < 1)
		return 0;
	step = (size_t)data[0] % 17 + 1;
	data++;
	size--;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	hl_gate_init(&g1);
	hl_gate_init(&g2);
	hl_gate_feed(&g1, data, size, on_head, on_off, &a);
	for (i = 0; i < size; i += k) {
		k = size - i < step ? size - i : step;
		hl_gate_feed(&g2, data + i, k, on_head, on_off, &b);
	}
	if (a.nheads != b.nheads || a.sum != b.sum || a.off != b.off || a.off > 1 ||
	    g1.state != g2.state || g1.left != g2.left)
		abort();
	return 0;
}
