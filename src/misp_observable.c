/* misp_observable.c: MISP attribute types to comparisons (root SCO type,
 * property path, value), comparisons to a STIX pattern, and the same
 * comparisons to cyber-observable objects with their STIX 2.1 ids (misp.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "buf.h"
#include "misp_int.h"
#include "stix.h"
#include "stixid.h"

/* STIX 2.1 namespace for cyber-observable ids (STIX 2.1 section 2.9) */
static const uint8_t sco_ns[16] = {
	0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
	0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7,
};

/* ---- the unit being converted ---- */

void
misp_unit_reset(struct conv *c)
{
	unsigned i;

	for (i = 0; i < c->u.n; i++)
		HL_FREE(c->u.c[i].value);
	c->u.n = 0;
	c->u.na = 0;
	c->u.to_ids = 0;
	c->u.elem = 0;
	hl_buf_free(&c->u.desc);
	hl_buf_init(&c->u.desc, HL_MISP_TEXT_MAX);
	json_decref(c->u.galaxies);
	json_decref(c->u.labels);
	c->u.galaxies = NULL;
	c->u.labels = NULL;
	if ((c->u.galaxies = json_array()) == NULL || (c->u.labels = json_array()) == NULL)
		c->nomem = 1;
}

/* A new attribute of the unit; its index, or -1 past the limit. */
int
misp_unit_attr(struct conv *c, const char *uuid, const char *type)
{
	struct uattr *a;

	if (c->u.na >= HL_MISP_UNIT_ATTRS_MAX)
		return -1;
	a = &c->u.a[c->u.na];
	a->uuid = uuid;
	a->type = type;
	a->why = NULL;
	a->text = 0;
	return (int)c->u.na++;
}

static const char *
add_cmp(struct conv *c, const char *root, const char *path, int kind, unsigned ai,
    const char *value)
{
	struct cmp *x;

	if (c->u.n >= CMPS_MAX)
		return "too many values in object";
	x = &c->u.c[c->u.n];
	memset(x, 0, sizeof(*x));
	if (strlen(path) >= sizeof(x->path))
		return "unsupported type";
	if ((x->value = hl_strdup(value)) == NULL) {
		c->nomem = 1;
		return "out of memory";
	}
	x->root = root;
	snprintf(x->path, sizeof(x->path), "%s", path);
	x->kind = (uint8_t)kind;
	x->elem = c->u.elem;
	x->attr = ai;
	c->u.n++;
	return NULL;
}

/* One value v[0, len) checked and added as the comparison(s) for root:path. */
static const char *
map_value(struct conv *c, const char *root, const char *path, int chk, size_t hexlen,
    unsigned ai, const char *v, size_t len)
{
	char nv[NVAL_MAX], p[PATH_MAX_LEN];
	const char *why;
	int fam, kind = V_STR;

	if ((why = misp_check_value(chk, hexlen, v, len, nv, sizeof(nv), &fam)) != NULL)
		return why;
	if (chk == C_IPREF || chk == C_HOSTREF) {
		/* network-traffic:dst_ref.type = 'ipv4-addr' AND dst_ref.value = '...' */
		snprintf(p, sizeof(p), "%s.type", path);
		if ((why = add_cmp(c, root, p, V_STR, ai, chk == C_HOSTREF ? "domain-name" :
		    fam == 4 ? "ipv4-addr" : "ipv6-addr")) != NULL)
			return why;
		snprintf(p, sizeof(p), "%s.value", path);
		return add_cmp(c, root, p, V_STR, ai, nv);
	}
	if (chk == C_IP && root == NULL)
		root = fam == 4 ? "ipv4-addr" : "ipv6-addr";
	if (chk == C_PORT || chk == C_UINT)
		kind = V_INT;
	else if (chk == C_FLOAT)
		kind = V_FLOAT;
	return add_cmp(c, root, path, kind, ai, nv);
}

/* ---- MISP types to comparisons ---- */

static const struct hashtype {
	const char *type;
	const char *key;                /* the STIX hashes key */
	int chk;
	size_t hexlen;
} hashtypes[] = {
	{ "md5", "MD5", C_HEX, 32 }, { "sha1", "SHA-1", C_HEX, 40 },
	{ "sha224", "SHA-224", C_HEX, 56 }, { "sha256", "SHA-256", C_HEX, 64 },
	{ "sha384", "SHA-384", C_HEX, 96 }, { "sha512", "SHA-512", C_HEX, 128 },
	{ "sha3-256", "SHA3-256", C_HEX, 64 }, { "sha3-512", "SHA3-512", C_HEX, 128 },
	{ "imphash", "IMPHASH", C_HEX, 32 }, { "pehash", "PEHASH", C_HEX, 40 },
	{ "authentihash", "AUTHENTIHASH", C_HEX, 64 },
	{ "ssdeep", "SSDEEP", C_SSDEEP, 0 }, { "tlsh", "TLSH", C_TLSH, 0 },
};

static const struct hashtype *
hash_of(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(hashtypes) / sizeof(hashtypes[0]); i++)
		if (strcmp(type, hashtypes[i].type) == 0)
			return &hashtypes[i];
	return NULL;
}

/* prefix + "hashes.KEY" (KEY quoted when it is not a plain identifier) */
static void
hash_path(const char *prefix, const char *key, char out[PATH_MAX_LEN])
{
	snprintf(out, PATH_MAX_LEN, strpbrk(key, "-") != NULL ? "%shashes.'%s'" : "%shashes.%s",
	    prefix, key);
}

/* simple types (top-level attributes and objects alike) */
static const struct simple {
	const char *type;
	const char *root;               /* NULL: by the address family */
	const char *path;
	int chk;
} simples[] = {
	{ "ip-src", NULL, "value", C_IP }, { "ip-dst", NULL, "value", C_IP },
	{ "ip", NULL, "value", C_IP },
	{ "domain", "domain-name", "value", C_DOMAIN },
	{ "hostname", "domain-name", "value", C_DOMAIN },
	{ "url", "url", "value", C_URL }, { "uri", "url", "value", C_URL },
	{ "filename", "file", "name", C_TEXT },
	{ "size-in-bytes", "file", "size", C_UINT },
	{ "mime-type", "file", "mime_type", C_TEXT },
	{ "email", "email-addr", "value", C_EMAIL },
	{ "email-src", "email-message", "from_ref.value", C_EMAIL },
	{ "email-dst", "email-message", "to_refs[*].value", C_EMAIL },
	{ "email-subject", "email-message", "subject", C_TEXT },
	{ "email-attachment", "email-message", "body_multipart[*].body_raw_ref.name", C_TEXT },
	{ "regkey", "windows-registry-key", "key", C_REGKEY },
	{ "mutex", "mutex", "name", C_TEXT },
	{ "port", "network-traffic", "dst_port", C_PORT },
};

/* composite "a|b" types other than filename|<hash> */
static const struct composite {
	const char *type;
	struct {
		const char *root, *path;
		int chk;
	} a, b;
} composites[] = {
	{ "domain|ip", { "domain-name", "value", C_DOMAIN },
	  { "domain-name", "resolves_to_refs[*].value", C_IP } },
	{ "ip-dst|port", { "network-traffic", "dst_ref", C_IPREF },
	  { "network-traffic", "dst_port", C_PORT } },
	{ "ip-src|port", { "network-traffic", "src_ref", C_IPREF },
	  { "network-traffic", "src_port", C_PORT } },
	{ "hostname|port", { "network-traffic", "dst_ref", C_HOSTREF },
	  { "network-traffic", "dst_port", C_PORT } },
	{ "domain|port", { "network-traffic", "dst_ref", C_HOSTREF },
	  { "network-traffic", "dst_port", C_PORT } },
	{ "regkey|value", { "windows-registry-key", "key", C_REGKEY },
	  { "windows-registry-key", "values[*].data", C_TEXT } },
};

/* object relations with their own place (before the type decides) */
static const struct relrule {
	const char *obj, *rel;
	const char *root, *path;
	int chk;
} relrules[] = {
	{ "pe", "imphash", "file", PE_EXT ".imphash", C_HEX },
	{ "pe", "number-sections", "file", PE_EXT ".number_of_sections", C_UINT },
	{ "pe", "type", "file", PE_EXT ".pe_type", C_TEXT },
	{ "pe", "entrypoint-address", "file", PE_EXT ".optional_header.address_of_entry_point",
	  C_UINT },
	{ "pe", "original-filename", "file", PE_EXT ".x_misp_original_filename", C_TEXT },
	{ "pe", "internal-filename", "file", PE_EXT ".x_misp_internal_filename", C_TEXT },
	{ "pe", "compilation-timestamp", "file", PE_EXT ".x_misp_compilation_timestamp", C_TEXT },
	{ "pe", "company-name", "file", PE_EXT ".x_misp_company_name", C_TEXT },
	{ "pe", "file-description", "file", PE_EXT ".x_misp_file_description", C_TEXT },
	{ "pe", "file-version", "file", PE_EXT ".x_misp_file_version", C_TEXT },
	{ "pe", "product-name", "file", PE_EXT ".x_misp_product_name", C_TEXT },
	{ "pe", "product-version", "file", PE_EXT ".x_misp_product_version", C_TEXT },
	{ "pe", "lang-id", "file", PE_EXT ".x_misp_lang_id", C_TEXT },
	{ "pe", "legal-copyright", "file", PE_EXT ".x_misp_legal_copyright", C_TEXT },
	{ "pe", "impfuzzy", "file", PE_EXT ".x_misp_impfuzzy", C_TEXT },
	{ "pe", "pehash", "file", PE_EXT ".x_misp_pehash", C_TEXT },
	{ "pe-section", "name", "file", PE_EXT ".sections[*].name", C_TEXT },
	{ "pe-section", "size-in-bytes", "file", PE_EXT ".sections[*].size", C_UINT },
	{ "pe-section", "entropy", "file", PE_EXT ".sections[*].entropy", C_FLOAT },
	{ "registry-key", "data", "windows-registry-key", "values[*].data", C_TEXT },
	{ "registry-key", "name", "windows-registry-key", "values[*].name", C_TEXT },
	{ "registry-key", "data-type", "windows-registry-key", "values[*].data_type", C_REGTYPE },
	{ "ip-port", "src-port", "network-traffic", "src_port", C_PORT },
	{ "ip-port", "dst-port", "network-traffic", "dst_port", C_PORT },
	{ "ip-port", "port", "network-traffic", "dst_port", C_PORT },
};

int
misp_has_relrule(const char *oname, const char *rel)
{
	size_t i;

	for (i = 0; rel != NULL && i < sizeof(relrules) / sizeof(relrules[0]); i++)
		if (strcmp(oname, relrules[i].obj) == 0 && strcmp(rel, relrules[i].rel) == 0)
			return 1;
	return 0;
}

/* Comparisons for one MISP attribute (index ai of the unit). oname: the
 * MISP object's name, "" at the top level. *known: the type has a place
 * in a pattern. NULL, or the reason to skip the attribute. */
const char *
misp_attr_cmps(struct conv *c, const char *oname, const char *rel, const char *type,
    const char *value, unsigned ai, int *known)
{
	const struct hashtype *h;
	const char *bar, *vbar, *why;
	char p[PATH_MAX_LEN];
	size_t i, tl;
	int ip;

	*known = 1;
	if (rel != NULL)
		for (i = 0; i < sizeof(relrules) / sizeof(relrules[0]); i++)
			if (strcmp(oname, relrules[i].obj) == 0 && strcmp(rel, relrules[i].rel) == 0)
				return map_value(c, relrules[i].root, relrules[i].path, relrules[i].chk,
				    32, ai, value, strlen(value));
	ip = strcmp(type, "ip-dst") == 0 || strcmp(type, "ip-src") == 0 ||
	    strcmp(type, "ip") == 0;
	if (ip && strcmp(oname, "domain-ip") == 0)
		return map_value(c, "domain-name", "resolves_to_refs[*].value", C_IP, 0, ai, value,
		    strlen(value));
	if (ip && strcmp(oname, "ip-port") == 0)
		return map_value(c, "network-traffic", strcmp(type, "ip-src") == 0 ||
		    (rel != NULL && strstr(rel, "src") != NULL) ? "src_ref" : "dst_ref", C_IPREF, 0,
		    ai, value, strlen(value));
	if ((h = hash_of(type)) != NULL) {
		hash_path(strcmp(oname, "pe-section") == 0 ? PE_EXT ".sections[*]." : "", h->key, p);
		return map_value(c, "file", p, h->chk, h->hexlen, ai, value, strlen(value));
	}
	for (i = 0; i < sizeof(simples) / sizeof(simples[0]); i++)
		if (strcmp(type, simples[i].type) == 0)
			return map_value(c, simples[i].root, strcmp(type, "port") == 0 && rel != NULL &&
			    strstr(rel, "src") != NULL ? "src_port" : simples[i].path, simples[i].chk,
			    0, ai, value, strlen(value));
	if ((bar = strchr(type, '|')) == NULL) {
		*known = 0;
		return NULL;
	}
	if ((vbar = strchr(value, '|')) == NULL)
		return "malformed value";
	tl = (size_t)(bar - type);
	if (tl == 8 && strncmp(type, "filename", 8) == 0 && (h = hash_of(bar + 1)) != NULL) {
		if ((why = map_value(c, "file", "name", C_TEXT, 0, ai, value,
		    (size_t)(vbar - value))) != NULL)
			return why;
		hash_path("", h->key, p);
		return map_value(c, "file", p, h->chk, h->hexlen, ai, vbar + 1, strlen(vbar + 1));
	}
	for (i = 0; i < sizeof(composites) / sizeof(composites[0]); i++) {
		if (strcmp(type, composites[i].type) != 0)
			continue;
		if ((why = map_value(c, composites[i].a.root, composites[i].a.path,
		    composites[i].a.chk, 0, ai, value, (size_t)(vbar - value))) != NULL)
			return why;
		return map_value(c, composites[i].b.root, composites[i].b.path, composites[i].b.chk,
		    0, ai, vbar + 1, strlen(vbar + 1));
	}
	*known = 0;
	return NULL;
}

/* An attribute whose comparisons failed half-way leaves none behind. */
void
misp_drop_attr_cmps(struct conv *c, unsigned ai)
{
	unsigned i, o = 0;

	for (i = 0; i < c->u.n; i++) {
		if (c->u.c[i].attr == ai) {
			HL_FREE(c->u.c[i].value);
			continue;
		}
		c->u.c[o++] = c->u.c[i];
	}
	c->u.n = o;
}

/* A domain-ip without a domain: its addresses are plain addresses. */
void
misp_fix_roots(struct conv *c)
{
	unsigned i;
	int has_domain = 0;

	for (i = 0; i < c->u.n; i++)
		if (strcmp(c->u.c[i].root, "domain-name") == 0 && strcmp(c->u.c[i].path, "value") == 0)
			has_domain = 1;
	if (has_domain)
		return;
	for (i = 0; i < c->u.n; i++)
		if (strcmp(c->u.c[i].root, "domain-name") == 0 &&
		    strcmp(c->u.c[i].path, "resolves_to_refs[*].value") == 0) {
			c->u.c[i].root = strchr(c->u.c[i].value, ':') != NULL ? "ipv6-addr" : "ipv4-addr";
			snprintf(c->u.c[i].path, sizeof(c->u.c[i].path), "value");
		}
}

/* ---- patterns ---- */

static void
put_value(struct hl_buf *b, const struct cmp *x)
{
	const char *p;

	if (x->kind != V_STR) {
		hl_buf_put(b, x->value, strlen(x->value));
		return;
	}
	hl_buf_put(b, "'", 1);
	for (p = x->value; *p != '\0'; p++) {
		if (*p == '\\' || *p == '\'')
			hl_buf_put(b, "\\", 1);
		hl_buf_put(b, p, 1);
	}
	hl_buf_put(b, "'", 1);
}

static void
put_cmp(struct hl_buf *b, const struct cmp *x)
{
	hl_buf_put(b, x->root, strlen(x->root));
	hl_buf_put(b, ":", 1);
	hl_buf_put(b, x->path, strlen(x->path));
	hl_buf_put(b, " = ", 3);
	put_value(b, x);
}

static int
same_cmp(const struct cmp *a, const struct cmp *b)
{
	return strcmp(a->root, b->root) == 0 && strcmp(a->path, b->path) == 0 &&
	    strcmp(a->value, b->value) == 0;
}

/* k is the first comparison with its root, path and value among the
 * pending ones from j on */
static int
first_of_value(struct conv *c, const unsigned char *done, unsigned j, unsigned k)
{
	unsigned m;

	for (m = j; m < k; m++)
		if (!done[m] && same_cmp(&c->u.c[m], &c->u.c[k]))
			return 0;
	return 1;
}

/* One observation expression per root type, in order of appearance:
 * distinct paths joined by AND; a scalar path with several values becomes
 * (p = a OR p = b), a list path ("[*]") keeps AND; repeated comparisons
 * appear once. OUT: *pat (caller frees). */
int
misp_build_pattern(struct conv *c, char **pat)
{
	struct hl_buf b;
	const struct cmp *x, *y;
	unsigned char *done = NULL;
	unsigned i, j, k, groups = 0, terms, nv, pass;
	size_t l;
	int r = HL_ERR_NOMEM, list;

	*pat = NULL;
	hl_buf_init(&b, HL_STIX_PATTERN_MAX + 1);
	if ((done = hl_calloc(c->u.n + 1, 1)) == NULL)
		goto out;
	for (i = 0; i < c->u.n; i++) {
		if (done[i])
			continue;
		if (groups++ > 0)
			hl_buf_put(&b, " AND ", 5);
		hl_buf_put(&b, "[", 1);
		terms = 0;
		for (j = i; j < c->u.n; j++) {
			x = &c->u.c[j];
			if (done[j] || strcmp(x->root, c->u.c[i].root) != 0)
				continue;
			list = strstr(x->path, "[*]") != NULL;
			if (terms++ > 0)
				hl_buf_put(&b, " AND ", 5);
			/* pass 0 counts the distinct values, pass 1 writes them */
			for (pass = 0, nv = 0; pass < 2; pass++) {
				if (pass == 1 && nv > 1 && !list)
					hl_buf_put(&b, "(", 1);
				for (k = j, nv = pass == 1 ? 0 : nv; k < c->u.n; k++) {
					y = &c->u.c[k];
					if (done[k] || strcmp(y->root, x->root) != 0 ||
					    strcmp(y->path, x->path) != 0 || !first_of_value(c, done, j, k))
						continue;
					if (pass == 1 && nv > 0)
						hl_buf_put(&b, list ? " AND " : " OR ", list ? 5 : 4);
					if (pass == 1)
						put_cmp(&b, y);
					nv++;
				}
			}
			if (nv > 1 && !list)
				hl_buf_put(&b, ")", 1);
			for (k = c->u.n; k-- > j;)
				if (strcmp(c->u.c[k].root, x->root) == 0 &&
				    strcmp(c->u.c[k].path, x->path) == 0)
					done[k] = 1;
		}
		hl_buf_put(&b, "]", 1);
	}
	hl_buf_put(&b, "", 1);
	if ((r = hl_buf_error(&b)) != HL_OK)
		goto out;
	*pat = (char *)hl_buf_steal(&b, &l);
	r = *pat != NULL ? HL_OK : HL_ERR_NOMEM;
out:
	hl_free(done);
	hl_buf_free(&b);
	return r;
}

/* ---- observables ---- */

void
misp_drop_reason(struct conv *c, unsigned ai, const char *why)
{
	if (c->u.a[ai].why == NULL)
		c->u.a[ai].why = why;
}

static int
has_path(struct conv *c, const char *root, const char *path)
{
	unsigned i;

	for (i = 0; i < c->u.n; i++)
		if (!c->u.c[i].drop && strcmp(c->u.c[i].root, root) == 0 &&
		    strcmp(c->u.c[i].path, path) == 0)
			return 1;
	return 0;
}

static void
drop_where(struct conv *c, const char *root, const char *prefix, const char *why)
{
	unsigned i;

	for (i = 0; i < c->u.n; i++)
		if (!c->u.c[i].drop && strcmp(c->u.c[i].root, root) == 0 &&
		    strncmp(c->u.c[i].path, prefix, strlen(prefix)) == 0) {
			c->u.c[i].drop = 1;
			misp_drop_reason(c, c->u.c[i].attr, why);
		}
}

/* Leave out what no valid STIX observable can hold (the pattern form
 * keeps all). Returns the comparisons left. */
unsigned
misp_sco_prune(struct conv *c)
{
	static const char *const pe_main[] = { PE_EXT ".imphash", PE_EXT ".number_of_sections",
		PE_EXT ".optional_header.", PE_SECT };
	struct cmp *x, *y;
	unsigned i, j, left = 0;
	size_t k;
	int ok;

	for (i = 0; i < c->u.n; i++) {
		x = &c->u.c[i];
		if (x->drop || strstr(x->path, "[*]") != NULL || strstr(x->path, "_ref.type") != NULL)
			continue;
		/* one value per scalar property: later ones are left out */
		for (j = i + 1; j < c->u.n; j++) {
			y = &c->u.c[j];
			if (!y->drop && strcmp(y->root, x->root) == 0 && strcmp(y->path, x->path) == 0 &&
			    strcmp(y->value, x->value) != 0) {
				unsigned m;

				for (m = 0; m < c->u.n; m++)
					if (c->u.c[m].attr == y->attr && strcmp(c->u.c[m].root, y->root) == 0)
						c->u.c[m].drop = 1;
				misp_drop_reason(c, y->attr, "a second value for one observable property");
			}
		}
	}
	/* sections without a name */
	for (i = 0; i < c->u.n; i++) {
		x = &c->u.c[i];
		if (x->drop || strncmp(x->path, PE_SECT, strlen(PE_SECT)) != 0)
			continue;
		ok = 0;
		for (j = 0; j < c->u.n; j++)
			if (!c->u.c[j].drop && c->u.c[j].elem == x->elem &&
			    strcmp(c->u.c[j].path, PE_EXT ".sections[*].name") == 0)
				ok = 1;
		if (!ok) {
			x->drop = 1;
			misp_drop_reason(c, x->attr, "PE section without a name (no valid observable)");
		}
	}
	/* the PE extension needs its type and one of its main properties */
	ok = 0;
	for (i = 0; i < c->u.n; i++)
		for (k = 0; k < sizeof(pe_main) / sizeof(pe_main[0]); k++)
			if (!c->u.c[i].drop && strncmp(c->u.c[i].path, pe_main[k], strlen(pe_main[k])) == 0)
				ok = 1;
	if (!ok || !has_path(c, "file", PE_EXT ".pe_type"))
		drop_where(c, "file", PE_EXT ".", "PE details without the PE type (no valid observable)");
	/* a file needs a name or a hash */
	ok = has_path(c, "file", "name");
	for (i = 0; i < c->u.n; i++)
		if (!c->u.c[i].drop && strcmp(c->u.c[i].root, "file") == 0 &&
		    strncmp(c->u.c[i].path, "hashes.", 7) == 0)
			ok = 1;
	if (!ok)
		drop_where(c, "file", "", "file without a name or hash (no valid observable)");
	/* traffic needs an address */
	if (!has_path(c, "network-traffic", "dst_ref.value") &&
	    !has_path(c, "network-traffic", "src_ref.value"))
		drop_where(c, "network-traffic", "", "port without an address (no valid observable)");
	for (i = 0; i < c->u.n; i++)
		if (!c->u.c[i].drop)
			left++;
	return left;
}

/* The SCO id: UUIDv5 over its id-contributing properties (canonical JSON);
 * over the whole object when it has none of them. */
static int
sco_id(const char *type, json_t *sco, char out[64])
{
	static const struct {
		const char *type;
		const char *props[8];
	} contrib_props[] = {
		{ "file", { "hashes", "name", "extensions", "parent_directory_ref" } },
		{ "network-traffic", { "start", "end", "src_ref", "dst_ref", "src_port", "dst_port",
		    "protocols", "extensions" } },
		{ "email-message", { "from_ref", "subject", "body" } },
		{ "windows-registry-key", { "key", "values" } },
		{ "mutex", { "name" } },
	};
	json_t *contrib = json_object(), *v;
	char *s = NULL, u[37];
	size_t i, k;
	int r = HL_ERR_NOMEM;

	if (contrib == NULL)
		goto out;
	for (i = 0; i < sizeof(contrib_props) / sizeof(contrib_props[0]); i++)
		if (strcmp(type, contrib_props[i].type) == 0)
			break;
	if (i == sizeof(contrib_props) / sizeof(contrib_props[0])) {
		if (json_object_set(contrib, "value", json_object_get(sco, "value")) != 0)
			goto out;
	} else {
		for (k = 0; k < 8 && contrib_props[i].props[k] != NULL; k++)
			if ((v = json_object_get(sco, contrib_props[i].props[k])) != NULL &&
			    json_object_set(contrib, contrib_props[i].props[k], v) != 0)
				goto out;
		if (json_object_size(contrib) == 0 && json_object_update(contrib, sco) != 0)
			goto out;
	}
	if ((s = json_dumps(contrib, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		goto out;
	if ((r = hl_stixid_v5(sco_ns, s, strlen(s), u)) != HL_OK)
		goto out;
	snprintf(out, 64, "%s--%s", type, u);
	r = HL_OK;
out:
	hl_free(s);
	json_decref(contrib);
	return r;
}

/* object (created on the way) at the dotted path under o; quoted 'x'
 * segments allowed. The last segment is returned in last[]. */
static json_t *
walk_path(json_t *o, const char *path, char *last, size_t lastcap)
{
	char seg[PATH_MAX_LEN];
	const char *p = path, *e;
	json_t *n;
	size_t l;

	for (;;) {
		if (*p == '\'') {
			if ((e = strchr(p + 1, '\'')) == NULL)
				return NULL;
			l = (size_t)(e - p - 1);
			memcpy(seg, p + 1, l < sizeof(seg) ? l : 0);
			e++;
		} else {
			e = p + strcspn(p, ".");
			l = (size_t)(e - p);
			memcpy(seg, p, l < sizeof(seg) ? l : 0);
		}
		if (l == 0 || l >= sizeof(seg))
			return NULL;
		seg[l] = '\0';
		if (*e == '\0') {
			snprintf(last, lastcap, "%s", seg);
			return o;
		}
		if (*e != '.')
			return NULL;
		if ((n = json_object_get(o, seg)) == NULL) {
			if ((n = json_object()) == NULL || json_object_set_new(o, seg, n) != 0)
				return NULL;
		}
		if (!json_is_object(n))
			return NULL;
		o = n;
		p = e + 1;
	}
}

static json_t *
cmp_json(const struct cmp *x)
{
	if (x->kind == V_INT)
		return json_integer((json_int_t)strtoll(x->value, NULL, 10));
	if (x->kind == V_FLOAT)
		return json_real(strtod(x->value, NULL));
	return json_string(x->value);
}

/* Add an SCO (stolen): type, spec_version, id; its id to refs once. */
static int
add_sco(struct conv *c, json_t *props, const char *type, json_t *refs, const json_t *marks,
    char id[64])
{
	json_t *x, *sco = NULL;
	size_t i;
	int r;

	/* type, spec_version and id first, as readers expect them */
	if ((r = sco_id(type, props, id)) != HL_OK || (sco = json_object()) == NULL ||
	    json_object_set_new(sco, "type", json_string(type)) != 0 ||
	    json_object_set_new(sco, "spec_version", json_string("2.1")) != 0 ||
	    json_object_set_new(sco, "id", json_string(id)) != 0 ||
	    json_object_update(sco, props) != 0 ||
	    (marks != NULL && json_array_size(marks) > 0 &&
	    json_object_set_new(sco, "object_marking_refs", json_deep_copy(marks)) != 0)) {
		json_decref(props);
		json_decref(sco);
		return r != HL_OK ? r : HL_ERR_NOMEM;
	}
	json_decref(props);
	json_array_foreach(refs, i, x)
		if (strcmp(json_string_value(x), id) == 0)
			break;
	if (i == json_array_size(refs) && json_array_append_new(refs, json_string(id)) != 0) {
		json_decref(sco);
		return HL_ERR_NOMEM;
	}
	r = misp_emit(c, sco, 0);
	return r < 0 ? r : HL_OK;
}

/* A one-property SCO (type: prop = value); its id in id[64]. */
static int
leaf_sco(struct conv *c, const char *type, const char *prop, const char *value, json_t *refs,
    const json_t *marks, char id[64])
{
	json_t *o = json_object();

	if (o == NULL || json_object_set_new(o, prop, json_string(value)) != 0) {
		json_decref(o);
		return HL_ERR_NOMEM;
	}
	return add_sco(c, o, type, refs, marks, id);
}

int
misp_append_unique(json_t *arr, const char *s)
{
	json_t *x;
	size_t i;

	json_array_foreach(arr, i, x)
		if (strcmp(json_string_value(x), s) == 0)
			return HL_OK;
	return json_array_append_new(arr, json_string(s)) == 0 ? HL_OK : HL_ERR_NOMEM;
}

/* the array at listpath under o (created when missing) */
static json_t *
list_at(json_t *o, const char *listpath)
{
	char last[PATH_MAX_LEN];
	json_t *parent, *arr;

	if ((parent = walk_path(o, listpath, last, sizeof(last))) == NULL)
		return NULL;
	if ((arr = json_object_get(parent, last)) == NULL) {
		if ((arr = json_array()) == NULL || json_object_set_new(parent, last, arr) != 0)
			return NULL;
	}
	return json_is_array(arr) ? arr : NULL;
}

/* One comparison into the SCO main of its root. elems: "listpath#elem" ->
 * the list element object. */
static int
sco_put(struct conv *c, json_t *main, json_t *elems, const struct cmp *x, json_t *refs,
    const json_t *marks)
{
	char last[PATH_MAX_LEN], listpath[PATH_MAX_LEN], key[PATH_MAX_LEN + 16], id[64];
	const char *star, *type;
	json_t *parent, *arr, *el, *v;
	size_t l;
	unsigned i;
	int r;

	l = strlen(x->path);
	if (l > 9 && strcmp(x->path + l - 9, "_ref.type") == 0)
		return HL_OK;   /* said by the .value that goes with it */
	if (l > 10 && strcmp(x->path + l - 10, "_ref.value") == 0) {
		type = NULL;
		for (i = 0; i < c->u.n; i++)
			if (c->u.c[i].attr == x->attr && strncmp(c->u.c[i].path, x->path, l - 5) == 0 &&
			    strcmp(c->u.c[i].path + l - 5, "type") == 0)
				type = c->u.c[i].value;
		if (type == NULL && (strncmp(x->path, "from_ref.", 9) == 0 ||
		    strncmp(x->path, "sender_ref.", 11) == 0))
			type = "email-addr";
		if (type == NULL)
			return HL_ERR_INTERNAL;
		if ((r = leaf_sco(c, type, "value", x->value, refs, marks, id)) != HL_OK)
			return r;
		snprintf(last, sizeof(last), "%.*s", (int)(l - 6), x->path);
		return json_object_set_new(main, last, json_string(id)) == 0 ? HL_OK : HL_ERR_NOMEM;
	}
	if ((star = strstr(x->path, "[*]")) == NULL) {
		if ((parent = walk_path(main, x->path, last, sizeof(last))) == NULL ||
		    (v = cmp_json(x)) == NULL || json_object_set_new(parent, last, v) != 0)
			return HL_ERR_NOMEM;
		return HL_OK;
	}
	snprintf(listpath, sizeof(listpath), "%.*s", (int)(star - x->path), x->path);
	if (strcmp(star, "[*].value") == 0) {
		/* resolves_to_refs, to_refs: references to leaf SCOs */
		type = strcmp(listpath, "resolves_to_refs") != 0 ? "email-addr" :
		    strchr(x->value, ':') != NULL ? "ipv6-addr" : "ipv4-addr";
		if ((r = leaf_sco(c, type, "value", x->value, refs, marks, id)) != HL_OK)
			return r;
		if ((arr = list_at(main, listpath)) == NULL)
			return HL_ERR_NOMEM;
		return misp_append_unique(arr, id);
	}
	if ((arr = list_at(main, listpath)) == NULL)
		return HL_ERR_NOMEM;
	snprintf(key, sizeof(key), "%s#%u", listpath, x->elem);
	if ((el = json_object_get(elems, key)) == NULL) {
		if ((el = json_object()) == NULL || json_array_append_new(arr, el) != 0 ||
		    json_object_set(elems, key, el) != 0)
			return HL_ERR_NOMEM;
	}
	if (strcmp(star, "[*].body_raw_ref.name") == 0) {
		if ((r = leaf_sco(c, "file", "name", x->value, refs, marks, id)) != HL_OK)
			return r;
		return json_object_set_new(el, "body_raw_ref", json_string(id)) == 0 ? HL_OK :
		    HL_ERR_NOMEM;
	}
	if (star[3] != '.' || (parent = walk_path(el, star + 4, last, sizeof(last))) == NULL ||
	    (v = cmp_json(x)) == NULL || json_object_set_new(parent, last, v) != 0)
		return HL_ERR_NOMEM;
	return HL_OK;
}

/* The SCOs of the unit (comparisons not dropped), one per root type plus
 * the ones they reference; their ids into refs. */
int
misp_build_scos(struct conv *c, json_t *refs, const json_t *marks)
{
	json_t *main = NULL, *elems = NULL, *arr = NULL;
	unsigned char *done = NULL;
	const char *root;
	char id[64];
	unsigned i, j;
	int r = HL_ERR_NOMEM;

	if ((done = hl_calloc(c->u.n + 1, 1)) == NULL)
		goto out;
	for (i = 0; i < c->u.n; i++) {
		if (done[i] || c->u.c[i].drop)
			continue;
		root = c->u.c[i].root;
		if ((main = json_object()) == NULL || (elems = json_object()) == NULL)
			goto out;
		for (j = i; j < c->u.n; j++) {
			if (done[j] || c->u.c[j].drop || strcmp(c->u.c[j].root, root) != 0)
				continue;
			done[j] = 1;
			if ((r = sco_put(c, main, elems, &c->u.c[j], refs, marks)) != HL_OK)
				goto out;
		}
		r = HL_ERR_NOMEM;
		if (strcmp(root, "network-traffic") == 0) {
			/* MISP does not say; misp-stix writes tcp */
			if ((arr = json_array()) == NULL ||
			    json_array_append_new(arr, json_string("tcp")) != 0 ||
			    json_object_set(main, "protocols", arr) != 0)
				goto out;
			json_decref(arr);
			arr = NULL;
		}
		if (strcmp(root, "email-message") == 0 &&
		    json_object_set_new(main, "is_multipart",
		    json_boolean(json_object_get(main, "body_multipart") != NULL)) != 0)
			goto out;
		json_decref(elems);
		elems = NULL;
		r = add_sco(c, main, root, refs, marks, id);
		main = NULL;
		if (r != HL_OK)
			goto out;
	}
	r = HL_OK;
out:
	hl_free(done);
	json_decref(main);
	json_decref(elems);
	json_decref(arr);
	return r;
}
