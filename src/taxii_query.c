/* taxii_query.c: the untrusted text of a TAXII GET, before any database
 * work (docs/TAXII.md, "Filters" and "Paging"): the query string
 * (added_after, limit, next, match[...]) and the stateless "next" token,
 * "1.<date_added>.<filter>.<mac>", where filter is a hash of the
 * collection and the match parameters and mac an HMAC-SHA256 under the
 * server's key. No I/O (fuzz/fuzz_taxiiquery.c, tests/unit/test_taxii.c). */
#include <sys/queue.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "stix.h"
#include "taxii.h"

/* ---- query parameters ---- */

/* Split a comma list into out[] (pointers into s, which is modified). */
static int
split_list(char *s, const char **out, unsigned *n)
{
	char *p = s, *e;

	for (;;) {
		e = strchr(p, ',');
		if (e != NULL)
			*e = '\0';
		if (*p == '\0' || *n >= HL_STIX_MATCH_VALUES)
			return HL_ERR_MALFORMED;
		out[(*n)++] = p;
		if (e == NULL)
			return HL_OK;
		p = e + 1;
	}
}

/* libevent decodes query values, not keys: "match%5Bid%5D" -> "match[id]". */
static void
decode_key(const char *k, char *out, size_t outlen)
{
	size_t i = 0, o = 0;

	while (k[i] != '\0' && o + 1 < outlen) {
		if (k[i] == '%' && (k[i + 1] == '5') && (k[i + 2] == 'B' || k[i + 2] == 'b')) {
			out[o++] = '[';
			i += 3;
		} else if (k[i] == '%' && (k[i + 1] == '5') && (k[i + 2] == 'D' || k[i + 2] == 'd')) {
			out[o++] = ']';
			i += 3;
		} else {
			out[o++] = k[i++];
		}
	}
	out[o] = '\0';
}

int
hl_taxii_parse_query(const char *qs, unsigned allowed, struct hl_taxii_query *t, char *err, size_t errlen)
{
	struct evkeyvalq kv;
	struct evkeyval *e;
	size_t used = 0, vl;
	unsigned seen = 0, bit, i;
	int r = HL_ERR_MALFORMED;

	memset(t, 0, sizeof(*t));
	t->limit = HL_TAXII_LIMIT_DEFAULT;
	t->q.vsel = HL_STIX_V_LAST;
	TAILQ_INIT(&kv);
	if (qs == NULL || qs[0] == '\0')
		return HL_OK;
	if (strlen(qs) > HL_TAXII_QUERY_MAX) {
		(void)snprintf(err, errlen, "query string longer than %d bytes", HL_TAXII_QUERY_MAX);
		return HL_ERR_TOO_BIG;
	}
	if (evhttp_parse_query_str(qs, &kv) != 0) {
		(void)snprintf(err, errlen, "malformed query string");
		goto out;
	}
	TAILQ_FOREACH(e, &kv, next) {
		const char *v = e->value;
		char *copy, k[64];

		decode_key(e->key, k, sizeof(k));
		vl = strlen(v);
		if (used + vl + 1 > sizeof(t->buf)) {
			(void)snprintf(err, errlen, "query string too long");
			goto out;
		}
		copy = t->buf + used;
		memcpy(copy, v, vl + 1);
		used += vl + 1;
		bit = strcmp(k, "added_after") == 0 ? 0x100 : strcmp(k, "limit") == 0 ? 0x200 :
		    strcmp(k, "next") == 0 ? 0x400 : strcmp(k, "match[id]") == 0 ? 2 :
		    strcmp(k, "match[type]") == 0 ? 4 : strcmp(k, "match[version]") == 0 ? 8 :
		    strcmp(k, "match[spec_version]") == 0 ? 16 : 0;
		if (bit == 0 || ((bit & 0x700) ? !(allowed & 1) : !(allowed & bit))) {
			(void)snprintf(err, errlen, "unsupported query parameter '%.64s' here", k);
			goto out;
		}
		if (seen & bit) {
			(void)snprintf(err, errlen, "parameter '%.64s' given twice (use a comma list)",
			    k);
			goto out;
		}
		seen |= bit;
		switch (bit) {
		case 0x100:
			{
				int64_t us;

				if (hl_stix_time(v, NULL, &us) != HL_OK || us < 0) {
					(void)snprintf(err, errlen, "added_after: expected an RFC 3339 "
					    "UTC timestamp");
					goto out;
				}
				t->has_added_after = 1;
				t->added_after = (uint64_t)us;
			}
			break;
		case 0x200:
			{
				char *end;
				unsigned long l;

				errno = 0;
				l = strtoul(v, &end, 10);
				if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || l == 0) {
					(void)snprintf(err, errlen, "limit: expected a positive integer");
					goto out;
				}
				t->limit = l > HL_TAXII_LIMIT_MAX ? HL_TAXII_LIMIT_MAX : (size_t)l;
			}
			break;
		case 0x400:
			if (vl == 0 || vl > HL_TAXII_TOKEN_MAX) {
				(void)snprintf(err, errlen, "next: not a token of this server");
				goto out;
			}
			memcpy(t->next, v, vl + 1);
			break;
		case 2:
			if (split_list(copy, t->q.ids, &t->q.nids) != HL_OK) {
				(void)snprintf(err, errlen, "match[id]: 1..%d comma-separated ids",
				    HL_STIX_MATCH_VALUES);
				goto out;
			}
			for (i = 0; i < t->q.nids; i++)
				if (!hl_stix_id_valid(t->q.ids[i], NULL)) {
					(void)snprintf(err, errlen, "match[id]: '%.80s' is not a STIX id",
					    t->q.ids[i]);
					goto out;
				}
			break;
		case 4:
			if (split_list(copy, t->q.types, &t->q.ntypes) != HL_OK) {
				(void)snprintf(err, errlen, "match[type]: 1..%d comma-separated types",
				    HL_STIX_MATCH_VALUES);
				goto out;
			}
			break;
		case 8:
			{
				const char *vals[HL_STIX_MATCH_VALUES];
				unsigned nv = 0, all = 0, first = 0, last = 0;

				if (split_list(copy, vals, &nv) != HL_OK) {
					(void)snprintf(err, errlen, "match[version]: a comma list of "
					    "first, last, all or timestamps");
					goto out;
				}
				for (i = 0; i < nv; i++) {
					if (strcmp(vals[i], "all") == 0)
						all = 1;
					else if (strcmp(vals[i], "first") == 0)
						first = 1;
					else if (strcmp(vals[i], "last") == 0)
						last = 1;
					else if (hl_stix_time(vals[i], t->q.vkeys[t->q.nvkeys++],
					    NULL) != HL_OK) {
						(void)snprintf(err, errlen, "match[version]: '%.40s' is "
						    "not first, last, all or a timestamp", vals[i]);
						goto out;
					}
				}
				if (all || (first && last) || ((first || last) && t->q.nvkeys > 0)) {
					/* a union we cannot express in one index: give all */
					t->q.vsel = HL_STIX_V_ALL;
					t->q.nvkeys = 0;
				} else if (first) {
					t->q.vsel = HL_STIX_V_FIRST;
				} else if (last) {
					t->q.vsel = HL_STIX_V_LAST;
				} else {
					t->q.vsel = HL_STIX_V_LIST;
				}
			}
			break;
		case 16:
			if (split_list(copy, t->q.spec, &t->q.nspec) != HL_OK) {
				(void)snprintf(err, errlen, "match[spec_version]: a comma list");
				goto out;
			}
			break;
		}
	}
	r = HL_OK;
out:
	evhttp_clear_headers(&kv);
	/* reasons quote the request: keep them one printable line */
	for (vl = 0; r != HL_OK && err != NULL && vl < errlen && err[vl] != '\0'; vl++)
		if ((unsigned char)err[vl] < 0x20 || err[vl] == 0x7f)
			err[vl] = '?';
	return r;
}

/* The filter hash a token is bound to: collection, object and match[...]. */
void
hl_taxii_filter_hash(const struct hl_taxii_query *t, const char *coll, const char *oid, int manifest,
    uint8_t out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned i, hl = 0;
	char num[32];

	memset(out, 0, 32);
	if (c == NULL)
		return;
	if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1)
		goto out;
#define FH(s) (void)EVP_DigestUpdate(c, (s), strlen(s) + 1)
	FH(coll);
	FH(oid != NULL ? oid : "");
	FH(manifest ? "m" : "o");
	for (i = 0; i < t->q.nids; i++)
		FH(t->q.ids[i]);
	FH("|");
	for (i = 0; i < t->q.ntypes; i++)
		FH(t->q.types[i]);
	FH("|");
	for (i = 0; i < t->q.nspec; i++)
		FH(t->q.spec[i]);
	FH("|");
	(void)snprintf(num, sizeof(num), "%d", t->q.vsel);
	FH(num);
	for (i = 0; i < t->q.nvkeys; i++)
		FH(t->q.vkeys[i]);
#undef FH
	(void)EVP_DigestFinal_ex(c, out, &hl);
out:
	EVP_MD_CTX_free(c);
}

static int
token_mac(const uint8_t key[32], const char *body, uint8_t mac[32])
{
	unsigned int ml = 0;

	if (HMAC(EVP_sha256(), key, 32, (const unsigned char *)body, strlen(body), mac, &ml) ==
	    NULL || ml != 32)
		return HL_ERR_CRYPTO;
	return HL_OK;
}

int
hl_taxii_token_make(const uint8_t key[static 32], const uint8_t fh[static 32], uint64_t after,
    char out[HL_TAXII_TOKEN_MAX + 1])
{
	char body[96], fhx[33], mx[65];
	uint8_t mac[32];
	int r;

	hl_hex_encode(fh, 16, fhx);
	(void)snprintf(body, sizeof(body), "1.%" PRIu64 ".%s", after, fhx);
	if ((r = token_mac(key, body, mac)) != HL_OK)
		return r;
	hl_hex_encode(mac, sizeof(mac), mx);
	(void)snprintf(out, HL_TAXII_TOKEN_MAX + 1, "%s.%s", body, mx);
	OPENSSL_cleanse(mac, sizeof(mac));
	return HL_OK;
}

int
hl_taxii_token_check(const uint8_t key[static 32], const char *tok, const uint8_t fh[static 32],
    uint64_t *after)
{
	char body[96], fhx[33], mx[65];
	const char *dot;
	uint8_t mac[32];
	size_t bl;
	char *end;
	unsigned long long v;
	int r = HL_ERR_MALFORMED;

	*after = 0;
	if ((dot = strrchr(tok, '.')) == NULL || (bl = (size_t)(dot - tok)) >= sizeof(body) ||
	    strlen(dot + 1) != 64)
		return HL_ERR_MALFORMED;
	memcpy(body, tok, bl);
	body[bl] = '\0';
	if (token_mac(key, body, mac) != HL_OK)
		return HL_ERR_CRYPTO;
	hl_hex_encode(mac, sizeof(mac), mx);
	if (CRYPTO_memcmp(mx, dot + 1, 64) != 0)
		goto out;
	/* "1.<after>.<fh>" */
	if (strncmp(body, "1.", 2) != 0)
		goto out;
	errno = 0;
	v = strtoull(body + 2, &end, 10);
	if (errno != 0 || end == body + 2 || *end != '.' || strlen(end + 1) != 32)
		goto out;
	hl_hex_encode(fh, 16, fhx);
	if (strcmp(end + 1, fhx) != 0) {
		r = HL_ERR_INVALID;   /* another query's token */
		goto out;
	}
	*after = (uint64_t)v;
	r = HL_OK;
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	return r;
}

