/* ioc.c: indicators compiled for matching sensor events (ioc.h).
 *
 * Three arrays and two open-addressing hash tables:
 *  - indicators (id, valid_until, tag, its links), found by id in ids;
 *  - values: one per distinct (kind, normalised value), found in vals;
 *    addresses are keyed by (family, prefix length, masked address), so a
 *    CIDR is one value and a lookup is one probe per prefix length;
 *  - links, one per (indicator, value) pair, on two singly linked lists:
 *    the value's indicators and the indicator's values.
 * Tables use linear probing with the key's hash beside the index (a probe
 * reads no array) and backward-shift deletion (no tombstones); hashes are
 * hl_mixhash (a table hash, not a cryptographic one) under a random seed
 * per set, so collisions cannot be prepared offline; indicators come from
 * authenticated partners, and an event's values only probe. Freed entries go on free lists.
 *
 * Which prefix lengths to probe: for IPv4, a bit per length for each /16
 * (v4len, 512 KiB) says which lengths have a prefix overlapping it, so an
 * address in a /16 no indicator touches costs one read; for IPv6, one set
 * of lengths. Domains: each suffix at a label boundary is probed, only for
 * label counts some indicator has. The length bits are set on add and not
 * cleared on remove: a stale bit costs a probe, never a wrong match. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "alloc.h"
#include "ioc.h"
#include "mixhash.h"

#define NIL 0u                  /* indices are 1-based; 0 is none */
#define INITIAL 1024u
#define LABELS_TOP 127          /* label counts at or past this share one bit */

struct ival {
	uint32_t head;          /* first link; on the free list: the next free value */
	uint16_t len;           /* key bytes (4 or 16 for an address) */
	uint8_t kind;           /* enum hl_obs_kind; 0: free */
	uint8_t plen;           /* addresses: prefix length */
	union {
		char *text;     /* NUL-terminated */
		uint8_t addr[16];
	} k;
};

struct iind {
	char *id;               /* NULL: free */
	int64_t until_ms;
	uint64_t tag;
	uint32_t links;         /* first link; on the free list: the next free */
	uint32_t hash;
};

struct ilink {
	uint32_t ind, val;
	uint32_t next_val;      /* the value's next link; on the free list: the next free */
	uint32_t next_ind;      /* the indicator's next link */
};

struct slot {
	uint32_t idx;           /* NIL: empty */
	uint32_t hash;
};

struct table {
	struct slot *s;
	uint32_t mask, used;
};

/* A value to look up or add. */
struct vkey {
	uint8_t kind, plen;
	uint16_t len;
	const uint8_t *p;       /* len bytes: the text, or the masked address */
	uint32_t hash;
};

struct hl_ioc_set {
	uint64_t key[2];        /* the table hashes' random seeds */
	struct table ids, vals;
	struct iind *inds;
	struct ival *vs;
	struct ilink *links;
	uint32_t ninds, capinds, freeinds;
	uint32_t nvs, capvs, freevs;
	uint32_t nlinks, caplinks, freelinks;
	size_t count, nvalues;
	uint64_t *v4len;        /* [65536]: bit p: a prefix of length p overlaps this /16 */
	uint64_t v6len[3];      /* bit p: an IPv6 prefix of length p */
	uint64_t labels[2];     /* bit n: a domain of n labels */
	struct hl_stix_obs *obs;        /* hl_ioc_add's scratch: the pattern's values */
	struct vkey *keys;              /* and their keys */
	uint8_t (*addrs)[16];
};

static void
key_hash(const struct hl_ioc_set *set, struct vkey *k)
{
	uint8_t buf[17];

	if (k->kind == HL_OBS_IPV4 || k->kind == HL_OBS_IPV6) {
		buf[0] = k->plen;
		memcpy(buf + 1, k->p, k->len);
		k->hash = (uint32_t)hl_mixhash(set->key[0] ^ k->kind, buf, 1u + k->len);
	} else {
		k->hash = (uint32_t)hl_mixhash(set->key[0] ^ k->kind, k->p, k->len);
	}
}

/* ---- tables ---- */

static int
table_init(struct table *t, uint32_t size)
{
	if ((t->s = hl_calloc(size, sizeof(*t->s))) == NULL)
		return HL_ERR_NOMEM;
	t->mask = size - 1;
	t->used = 0;
	return HL_OK;
}

/* Make room for one more (load at most one half). */
static int
table_reserve(struct table *t)
{
	struct slot *old = t->s, *s;
	uint32_t size = t->mask + 1, i, j;

	if ((t->used + 1u) * 2u <= size)
		return HL_OK;
	if (size > UINT32_MAX / 4)
		return HL_ERR_FULL;
	if ((s = hl_calloc((size_t)size * 2, sizeof(*s))) == NULL)
		return HL_ERR_NOMEM;
	t->s = s;
	t->mask = size * 2 - 1;
	for (i = 0; i < size; i++) {
		if (old[i].idx == NIL)
			continue;
		for (j = old[i].hash & t->mask; s[j].idx != NIL; j = (j + 1) & t->mask)
			;
		s[j] = old[i];
	}
	hl_free(old);
	return HL_OK;
}

/* After table_reserve(). */
static void
table_put(struct table *t, uint32_t hash, uint32_t idx)
{
	uint32_t i;

	for (i = hash & t->mask; t->s[i].idx != NIL; i = (i + 1) & t->mask)
		;
	t->s[i].idx = idx;
	t->s[i].hash = hash;
	t->used++;
}

/* Remove idx (which the table holds under hash), shifting back the
 * entries of its cluster that would no longer be found. */
static void
table_del(struct table *t, uint32_t hash, uint32_t idx)
{
	uint32_t i, j, home;

	for (i = hash & t->mask; t->s[i].idx != idx; i = (i + 1) & t->mask)
		;
	for (j = i;;) {
		j = (j + 1) & t->mask;
		if (t->s[j].idx == NIL)
			break;
		home = t->s[j].hash & t->mask;
		/* j stays if its home is cyclically in (i, j] */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		t->s[i] = t->s[j];
		i = j;
	}
	t->s[i].idx = NIL;
	t->used--;
}

/* ---- values ---- */

static int
val_is(const struct ival *v, const struct vkey *k)
{
	if (v->kind != k->kind || v->len != k->len)
		return 0;
	if (k->kind == HL_OBS_IPV4 || k->kind == HL_OBS_IPV6)
		return v->plen == k->plen && memcmp(v->k.addr, k->p, k->len) == 0;
	return memcmp(v->k.text, k->p, k->len) == 0;
}

static uint32_t
val_find(const struct hl_ioc_set *set, const struct vkey *k)
{
	const struct table *t = &set->vals;
	uint32_t i;

	for (i = k->hash & t->mask; t->s[i].idx != NIL; i = (i + 1) & t->mask)
		if (t->s[i].hash == k->hash && val_is(&set->vs[t->s[i].idx - 1], k))
			return t->s[i].idx;
	return NIL;
}

/* Room in arr (*cap elements of size sz, n used) for one more: arr or
 * its larger copy, NULL (arr kept) with *r set when it cannot grow. */
static void *
grow(void *arr, uint32_t *cap, uint32_t n, size_t sz, uint32_t max, int *r)
{
	uint32_t want;
	void *p;

	*r = HL_OK;
	if (n < *cap)
		return arr;
	if (*cap >= max) {
		*r = HL_ERR_FULL;
		return NULL;
	}
	want = *cap == 0 ? INITIAL : *cap > max / 2 ? max : *cap * 2;
	if ((p = hl_realloc(arr, (size_t)want * sz)) == NULL) {
		*r = HL_ERR_NOMEM;
		return NULL;
	}
	*cap = want;
	return p;
}

/* An entry of an array whose free entries chain through the uint32_t at
 * byte offset next: a freed one, else a new one at the end (the array
 * grown). OUT: *idx (1-based). */
static int
take(void **arr, uint32_t *cap, uint32_t *n, uint32_t *freelist, size_t sz, size_t next,
    uint32_t max, uint32_t *idx)
{
	void *p;
	int r;

	if (*freelist != NIL) {
		*idx = *freelist;
		memcpy(freelist, (char *)*arr + (size_t)(*idx - 1) * sz + next, sizeof(*freelist));
		return HL_OK;
	}
	if ((p = grow(*arr, cap, *n, sz, max, &r)) == NULL)
		return r;
	*arr = p;
	*idx = ++*n;
	return HL_OK;
}

static void
note_lengths(struct hl_ioc_set *set, const struct vkey *k)
{
	uint32_t a, first, count, i;
	size_t n, labels;

	if (k->kind == HL_OBS_IPV4) {
		a = (uint32_t)k->p[0] << 8 | k->p[1];
		count = k->plen >= 16 ? 1u : 1u << (16 - k->plen);
		first = a & ~(count - 1);
		for (i = 0; i < count; i++)
			set->v4len[first + i] |= 1ull << k->plen;
	} else if (k->kind == HL_OBS_IPV6) {
		set->v6len[k->plen / 64] |= 1ull << (k->plen % 64);
	} else if (k->kind == HL_OBS_DOMAIN) {
		for (labels = 1, n = 0; n < k->len; n++)
			labels += k->p[n] == '.';
		if (labels > LABELS_TOP)
			labels = LABELS_TOP;
		set->labels[labels / 64] |= 1ull << (labels % 64);
	}
}

/* The value for k, made if new. OUT: *idx. */
static int
val_get(struct hl_ioc_set *set, const struct vkey *k, uint32_t *idx)
{
	struct ival *v;
	char *text = NULL;
	uint32_t i;
	void *a;
	int r;

	if ((*idx = val_find(set, k)) != NIL)
		return HL_OK;
	if ((r = table_reserve(&set->vals)) != HL_OK)
		return r;
	if (k->kind != HL_OBS_IPV4 && k->kind != HL_OBS_IPV6) {
		if ((text = hl_malloc((size_t)k->len + 1)) == NULL)
			return HL_ERR_NOMEM;
		memcpy(text, k->p, k->len);
		text[k->len] = '\0';
	}
	a = set->vs;
	r = take(&a, &set->capvs, &set->nvs, &set->freevs, sizeof(*set->vs),
	    offsetof(struct ival, head), UINT32_MAX - 1, &i);
	set->vs = a;
	if (r != HL_OK) {
		hl_free(text);
		return r;
	}
	v = &set->vs[i - 1];
	memset(v, 0, sizeof(*v));
	v->kind = k->kind;
	v->plen = k->plen;
	v->len = k->len;
	if (text != NULL)
		v->k.text = text;
	else
		memcpy(v->k.addr, k->p, k->len);
	table_put(&set->vals, k->hash, i);
	note_lengths(set, k);
	set->nvalues++;
	*idx = i;
	return HL_OK;
}

static void
val_release(struct hl_ioc_set *set, uint32_t i)
{
	struct ival *v = &set->vs[i - 1];
	struct vkey k;

	k.kind = v->kind;
	k.plen = v->plen;
	k.len = v->len;
	k.p = v->kind == HL_OBS_IPV4 || v->kind == HL_OBS_IPV6 ? v->k.addr :
	    (const uint8_t *)v->k.text;
	key_hash(set, &k);
	table_del(&set->vals, k.hash, i);
	if (v->kind != HL_OBS_IPV4 && v->kind != HL_OBS_IPV6)
		hl_free(v->k.text);
	memset(v, 0, sizeof(*v));
	v->head = set->freevs;
	set->freevs = i;
	set->nvalues--;
}

/* ---- indicators ---- */

static uint32_t
id_hash(const struct hl_ioc_set *set, const char *id, size_t n)
{
	return (uint32_t)hl_mixhash(set->key[1], (const uint8_t *)id, n);
}

static uint32_t
ind_find(const struct hl_ioc_set *set, const char *id, uint32_t hash)
{
	const struct table *t = &set->ids;
	uint32_t i;

	for (i = hash & t->mask; t->s[i].idx != NIL; i = (i + 1) & t->mask)
		if (t->s[i].hash == hash && strcmp(set->inds[t->s[i].idx - 1].id, id) == 0)
			return t->s[i].idx;
	return NIL;
}

/* Does indicator x link value v? */
static int
ind_links(const struct hl_ioc_set *set, uint32_t x, uint32_t v)
{
	uint32_t l;

	for (l = set->inds[x - 1].links; l != NIL; l = set->links[l - 1].next_ind)
		if (set->links[l - 1].val == v)
			return 1;
	return 0;
}

static int
link_add(struct hl_ioc_set *set, uint32_t x, uint32_t v)
{
	struct ilink *l;
	uint32_t i;
	void *a = set->links;
	int r;

	r = take(&a, &set->caplinks, &set->nlinks, &set->freelinks, sizeof(*set->links),
	    offsetof(struct ilink, next_val), UINT32_MAX - 1, &i);
	set->links = a;
	if (r != HL_OK)
		return r;
	l = &set->links[i - 1];
	l->ind = x;
	l->val = v;
	l->next_val = set->vs[v - 1].head;
	set->vs[v - 1].head = i;
	l->next_ind = set->inds[x - 1].links;
	set->inds[x - 1].links = i;
	return HL_OK;
}

/* Unlink indicator x from its values (releasing those left unnamed) and
 * free it. */
static void
ind_release(struct hl_ioc_set *set, uint32_t x)
{
	struct iind *ind = &set->inds[x - 1];
	uint32_t l, next, *pp;

	for (l = ind->links; l != NIL; l = next) {
		struct ilink *lk = &set->links[l - 1];
		struct ival *v = &set->vs[lk->val - 1];

		next = lk->next_ind;
		for (pp = &v->head; *pp != l; pp = &set->links[*pp - 1].next_val)
			;
		*pp = lk->next_val;
		if (v->head == NIL)
			val_release(set, lk->val);
		lk->next_val = set->freelinks;
		set->freelinks = l;
	}
	table_del(&set->ids, ind->hash, x);
	hl_free(ind->id);
	memset(ind, 0, sizeof(*ind));
	ind->links = set->freeinds;
	set->freeinds = x;
	set->count--;
}

/* A parsed value to its key, refusing what the set does not match: a /0
 * prefix, a wildcard domain. An IPv4-mapped IPv6 prefix becomes IPv4. */
static int
to_key(const struct hl_ioc_set *set, const struct hl_stix_obs *o, struct vkey *k,
    uint8_t addr[16], char *err, size_t errlen)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(k, 0, sizeof(*k));
	k->kind = o->kind;
	if (o->kind == HL_OBS_IPV4 || o->kind == HL_OBS_IPV6) {
		k->plen = o->plen;
		k->len = o->kind == HL_OBS_IPV4 ? 4 : 16;
		memcpy(addr, o->lo, k->len);
		if (o->kind == HL_OBS_IPV6 && o->plen >= 96 && memcmp(o->lo, mapped, 12) == 0) {
			k->kind = HL_OBS_IPV4;
			k->plen = (uint8_t)(o->plen - 96);
			k->len = 4;
			memcpy(addr, o->lo + 12, 4);
		}
		if (k->plen == 0) {
			hl_set_err(err, errlen, "'%s' would match every %s address", o->value,
			    k->kind == HL_OBS_IPV4 ? "IPv4" : "IPv6");
			return HL_ERR_UNSUPPORTED;
		}
		k->p = addr;
	} else {
		if (o->kind == HL_OBS_DOMAIN && strchr(o->value, '*') != NULL) {
			hl_set_err(err, errlen, "'%s': wildcards are not matched (a domain matches "
			    "its subdomains)", o->value);
			return HL_ERR_UNSUPPORTED;
		}
		k->len = (uint16_t)strlen(o->value);
		k->p = (const uint8_t *)o->value;
	}
	key_hash(set, k);
	return HL_OK;
}

static int
id_ok(const char *id, size_t *n)
{
	size_t i;

	if (id == NULL || (*n = strnlen(id, HL_STIX_ID_MAX + 1)) == 0 || *n > HL_STIX_ID_MAX)
		return 0;
	for (i = 0; i < *n; i++)
		if (id[i] <= ' ' || id[i] > '~')
			return 0;
	return 1;
}

int
hl_ioc_add(struct hl_ioc_set *set, const char *indicator_id, const char *pattern,
    int64_t valid_until_ms, uint64_t tag, char *err, size_t errlen)
{
	struct iind *ind;
	uint32_t hash, x = NIL, v;
	size_t idlen, n = 0, i;
	char *id = NULL;
	void *a;
	int r;

	hl_set_err(err, errlen, "%s", "");
	if (!id_ok(indicator_id, &idlen)) {
		hl_set_err(err, errlen, "an indicator id is 1 to %d printable characters",
		    HL_STIX_ID_MAX);
		return HL_ERR_INVALID;
	}
	hash = id_hash(set, indicator_id, idlen);
	if (ind_find(set, indicator_id, hash) != NIL) {
		hl_set_err(err, errlen, "%s is already in the set", indicator_id);
		return HL_ERR_EXISTS;
	}
	if (set->count >= HL_IOC_INDICATORS_MAX) {
		hl_set_err(err, errlen, "the set holds %u indicators already",
		    HL_IOC_INDICATORS_MAX);
		return HL_ERR_FULL;
	}
	if (pattern == NULL) {
		hl_set_err(err, errlen, "no pattern");
		return HL_ERR_MALFORMED;
	}
	if ((r = hl_stix_pattern_ioc(pattern, strlen(pattern), set->obs, HL_IOC_VALUES_MAX, &n,
	    err, errlen)) != HL_OK)
		return r;
	/* the whole pattern is checked before anything is added */
	for (i = 0; i < n; i++)
		if ((r = to_key(set, &set->obs[i], &set->keys[i], set->addrs[i], err, errlen)) !=
		    HL_OK)
			return r;
	if ((r = table_reserve(&set->ids)) != HL_OK)
		return r;
	if ((id = hl_malloc(idlen + 1)) == NULL)
		return HL_ERR_NOMEM;
	memcpy(id, indicator_id, idlen + 1);
	a = set->inds;
	r = take(&a, &set->capinds, &set->ninds, &set->freeinds, sizeof(*set->inds),
	    offsetof(struct iind, links), HL_IOC_INDICATORS_MAX, &x);
	set->inds = a;
	if (r != HL_OK) {
		hl_free(id);
		return r;
	}
	ind = &set->inds[x - 1];
	memset(ind, 0, sizeof(*ind));
	ind->id = id;
	ind->until_ms = valid_until_ms;
	ind->tag = tag;
	ind->hash = hash;
	table_put(&set->ids, hash, x);
	set->count++;
	for (i = 0; i < n; i++) {
		if ((r = val_get(set, &set->keys[i], &v)) != HL_OK)
			goto fail;
		/* the same value twice in one pattern: one link */
		if (!ind_links(set, x, v) && (r = link_add(set, x, v)) != HL_OK) {
			if (set->vs[v - 1].head == NIL)
				val_release(set, v);
			goto fail;
		}
	}
	return HL_OK;
fail:
	ind_release(set, x);
	hl_set_err(err, errlen, "%s", hl_strerror(r));
	return r;
}

int
hl_ioc_remove(struct hl_ioc_set *set, const char *indicator_id)
{
	uint32_t x;
	size_t n;

	if (!id_ok(indicator_id, &n))
		return HL_ERR_NOT_FOUND;
	if ((x = ind_find(set, indicator_id, id_hash(set, indicator_id, n))) == NIL)
		return HL_ERR_NOT_FOUND;
	ind_release(set, x);
	return HL_OK;
}

size_t
hl_ioc_count(const struct hl_ioc_set *set)
{
	return set->count;
}

size_t
hl_ioc_values(const struct hl_ioc_set *set)
{
	return set->nvalues;
}

/* ---- matching ---- */

#define FOUND_MAX (128 + 33)    /* values one observable can find: IPv6 and mapped IPv4 lengths */

struct matcher {
	const struct hl_ioc_set *set;
	const struct hl_sensor_event *ev;
	const struct hl_sensor_obs *o;
	int64_t now_ms;
	void (*cb)(void *, const struct hl_ioc_hit *);
	void *arg;
	size_t hits;
	uint32_t found[FOUND_MAX];      /* values the observable names, most specific first */
	size_t nfound;
};

static void
probe(struct matcher *m, uint8_t kind, uint8_t plen, const uint8_t *p, uint16_t len)
{
	struct vkey k;
	uint32_t v;

	k.kind = kind;
	k.plen = plen;
	k.len = len;
	k.p = p;
	key_hash(m->set, &k);
	if ((v = val_find(m->set, &k)) != NIL && m->nfound < FOUND_MAX)
		m->found[m->nfound++] = v;
}

/* Probe a in every prefix length in bits[] from hi down to lo. */
static void
probe_prefixes(struct matcher *m, uint8_t kind, const uint8_t *a, unsigned bytes,
    const uint64_t *bits, unsigned hi, unsigned lo)
{
	uint8_t masked[16];
	unsigned p, i;

	for (p = hi; p >= lo && p > 0; p--) {
		if (!((bits[p / 64] >> (p % 64)) & 1u))
			continue;
		for (i = 0; i < bytes; i++) {
			unsigned keep = p >= (i + 1) * 8 ? 8 : p > i * 8 ? p - i * 8 : 0;

			masked[i] = (uint8_t)(a[i] & (keep == 0 ? 0 : (0xffu << (8 - keep)) & 0xffu));
		}
		probe(m, kind, (uint8_t)p, masked, (uint16_t)bytes);
	}
}

static void
find_addr(struct matcher *m)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	const struct hl_ioc_set *set = m->set;
	uint8_t v4[4], v6[16];
	uint64_t bits;

	if (m->o->kind == HL_OBS_IPV6 && memcmp(m->o->addr, mapped, 12) != 0) {
		probe_prefixes(m, HL_OBS_IPV6, m->o->addr, 16, set->v6len, 128, 1);
		return;
	}
	/* IPv4, or IPv6 that is IPv4-mapped: as IPv4, then as IPv6 in the
	 * prefixes shorter than ::ffff:0:0/96 that could hold it */
	memcpy(v4, m->o->kind == HL_OBS_IPV4 ? m->o->addr : m->o->addr + 12, 4);
	bits = set->v4len[(unsigned)v4[0] << 8 | v4[1]];
	if (bits != 0)
		probe_prefixes(m, HL_OBS_IPV4, v4, 4, &bits, 32, 1);
	if ((set->v6len[0] | (set->v6len[1] & 0xffffffffu)) != 0) {
		memcpy(v6, mapped, 12);
		memcpy(v6 + 12, v4, 4);
		probe_prefixes(m, HL_OBS_IPV6, v6, 16, set->v6len, 95, 1);
	}
}

static void
find_domain(struct matcher *m, const char *v, size_t n)
{
	size_t i, labels = 0, a, b;
	uint32_t t;

	for (i = n; i-- > 0;) {
		if (i > 0 && v[i - 1] != '.')
			continue;
		labels++;
		a = labels < LABELS_TOP ? labels : LABELS_TOP;
		if ((m->set->labels[a / 64] >> (a % 64)) & 1u)
			probe(m, HL_OBS_DOMAIN, 0, (const uint8_t *)v + i, (uint16_t)(n - i));
	}
	/* found from the shortest suffix: the most specific first */
	for (a = 0, b = m->nfound; a + 1 < b; a++, b--) {
		t = m->found[a];
		m->found[a] = m->found[b - 1];
		m->found[b - 1] = t;
	}
}

/* The text of value v as an indicator gave it. */
static const char *
val_text(const struct ival *v, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (v->kind != HL_OBS_IPV4 && v->kind != HL_OBS_IPV6)
		return v->k.text;
	if (inet_ntop(v->kind == HL_OBS_IPV4 ? AF_INET : AF_INET6, v->k.addr, a, sizeof(a)) == NULL)
		return "?";
	if (v->plen == (v->kind == HL_OBS_IPV4 ? 32 : 128))
		(void)snprintf(buf, len, "%s", a);
	else
		(void)snprintf(buf, len, "%s/%u", a, v->plen);
	return buf;
}

static void
report(struct matcher *m)
{
	const struct hl_ioc_set *set = m->set;
	char text[INET6_ADDRSTRLEN + 8];
	struct hl_ioc_hit hit;
	uint32_t l, x;
	size_t j, k;

	for (j = 0; j < m->nfound; j++) {
		const struct ival *v = &set->vs[m->found[j] - 1];

		for (l = v->head; l != NIL; l = set->links[l - 1].next_val) {
			const struct iind *ind;

			x = set->links[l - 1].ind;
			ind = &set->inds[x - 1];
			if (ind->until_ms != 0 && m->now_ms >= ind->until_ms)
				continue;
			for (k = 0; k < j; k++)
				if (ind_links(set, x, m->found[k]))
					break;
			if (k < j)
				continue;
			memset(&hit, 0, sizeof(hit));
			hit.indicator_id = ind->id;
			hit.tag = ind->tag;
			hit.valid_until_ms = ind->until_ms;
			hit.kind = m->o->kind;
			hit.role = m->o->role;
			hit.value = m->ev->text + m->o->off;
			hit.indicator_value = val_text(v, text, sizeof(text));
			hit.has_time = m->ev->has_time;
			hit.time_ms = m->ev->time_ms;
			hit.event = m->ev;
			m->hits++;
			m->cb(m->arg, &hit);
		}
	}
}

size_t
hl_ioc_match(const struct hl_ioc_set *set, const struct hl_sensor_event *ev, int64_t now_ms,
    void (*cb)(void *arg, const struct hl_ioc_hit *hit), void *arg)
{
	struct matcher m;
	size_t i;

	m.set = set;
	m.ev = ev;
	m.now_ms = now_ms;
	m.cb = cb;
	m.arg = arg;
	m.hits = 0;
	if (set->count == 0)
		return 0;
	for (i = 0; i < ev->nobs; i++) {
		const char *v = ev->text + ev->obs[i].off;

		m.o = &ev->obs[i];
		m.nfound = 0;
		switch (m.o->kind) {
		case HL_OBS_IPV4:
		case HL_OBS_IPV6:
			find_addr(&m);
			break;
		case HL_OBS_DOMAIN:
			find_domain(&m, v, m.o->len);
			break;
		default:
			probe(&m, m.o->kind, 0, (const uint8_t *)v, m.o->len);
			break;
		}
		if (m.nfound > 0)
			report(&m);
	}
	return m.hits;
}

/* ---- the set ---- */

int
hl_ioc_new(struct hl_ioc_set **out)
{
	struct hl_ioc_set *set = NULL;
	int r = HL_ERR_NOMEM;

	*out = NULL;
	if ((set = hl_calloc(1, sizeof(*set))) == NULL)
		return HL_ERR_NOMEM;
	if (RAND_bytes((unsigned char *)set->key, sizeof(set->key)) != 1) {
		r = HL_ERR_CRYPTO;
		goto out;
	}
	if (table_init(&set->ids, INITIAL) != HL_OK || table_init(&set->vals, INITIAL) != HL_OK ||
	    (set->v4len = hl_calloc(65536, sizeof(*set->v4len))) == NULL ||
	    (set->obs = hl_calloc(HL_IOC_VALUES_MAX, sizeof(*set->obs))) == NULL ||
	    (set->keys = hl_calloc(HL_IOC_VALUES_MAX, sizeof(*set->keys))) == NULL ||
	    (set->addrs = hl_calloc(HL_IOC_VALUES_MAX, sizeof(*set->addrs))) == NULL)
		goto out;
	*out = set;
	set = NULL;
	r = HL_OK;
out:
	hl_ioc_free(set);
	return r;
}

void
hl_ioc_free(struct hl_ioc_set *set)
{
	uint32_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->ninds; i++)
		hl_free(set->inds[i].id);
	for (i = 0; i < set->nvs; i++)
		if (set->vs[i].kind != 0 && set->vs[i].kind != HL_OBS_IPV4 &&
		    set->vs[i].kind != HL_OBS_IPV6)
			hl_free(set->vs[i].k.text);
	hl_free(set->ids.s);
	hl_free(set->vals.s);
	hl_free(set->inds);
	hl_free(set->vs);
	hl_free(set->links);
	hl_free(set->v4len);
	hl_free(set->obs);
	hl_free(set->keys);
	hl_free(set->addrs);
	hl_free(set);
}
