/* label.c: security labels, their binary form and the release rules
 * (brief rules 1 and 3). Pure code: no I/O, no allocation. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "label.h"
#include "reason.h"

#define LABEL_VERSION 1

static const char *const default_levels[] = {
	"UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET",
};

static const char *const tlp_names[] = {
	"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED",
};

void
hl_policy_default(struct hl_policy *p)
{
	unsigned i;

	memset(p, 0, sizeof(*p));
	snprintf(p->id, sizeof(p->id), "%s", "hotline-default");
	p->nlevels = (unsigned)(sizeof(default_levels) / sizeof(default_levels[0]));
	for (i = 0; i < p->nlevels; i++)
		snprintf(p->levels[i], sizeof(p->levels[i]), "%s", default_levels[i]);
}

const struct hl_group *
hl_policy_group(const struct hl_policy *p, const char *name)
{
	unsigned i;

	for (i = 0; p != NULL && name != NULL && i < p->ngroups && i < HL_GROUPS_MAX; i++)
		if (strcasecmp(p->groups[i].name, name) == 0)
			return &p->groups[i];
	return NULL;
}

int
hl_policy_level(const struct hl_policy *p, const char *name, uint8_t *out)
{
	unsigned i;

	*out = 0;
	for (i = 0; i < p->nlevels && i < HL_LEVELS_MAX; i++) {
		if (strcasecmp(p->levels[i], name) == 0) {
			*out = (uint8_t)i;
			return HL_OK;
		}
	}
	return HL_ERR_NOT_FOUND;
}

const char *
hl_policy_level_name(const struct hl_policy *p, uint8_t level)
{
	if (level >= p->nlevels || level >= HL_LEVELS_MAX)
		return "?";
	return p->levels[level];
}

int
hl_partner_valid(const char *code)
{
	size_t i, n = strlen(code);

	if (n < HL_PARTNER_MIN || n > HL_PARTNER_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (!((code[i] >= 'A' && code[i] <= 'Z') || (code[i] >= '0' && code[i] <= '9')))
			return 0;
	}
	return 1;
}

int
hl_operator_name_valid(const char *s, size_t n)
{
	size_t i;

	if (s == NULL || n == 0 || n > HL_OPERATOR_MAX || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!hl_name_char((unsigned char)s[i]))
			return 0;
	return 1;
}

int
hl_name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '.' || c == '_' || c == '-';
}

static int
node_char_ok(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '.' || c == '_' || c == '-';
}

int
hl_label_node_name_valid(const char *node, char partner[HL_PARTNER_MAX + 1])
{
	const char *slash;
	char code[HL_PARTNER_MAX + 1];
	size_t plen, nlen, i;

	if (partner != NULL)
		partner[0] = '\0';
	if ((slash = strchr(node, '/')) == NULL)
		return 0;
	plen = (size_t)(slash - node);
	if (plen < HL_PARTNER_MIN || plen > HL_PARTNER_MAX)
		return 0;
	memcpy(code, node, plen);
	code[plen] = '\0';
	if (!hl_partner_valid(code))
		return 0;
	nlen = strlen(slash + 1);
	if (nlen < 1 || nlen > HL_NODE_NAME_MAX - plen - 1)
		return 0;
	for (i = 0; i < nlen; i++)
		if (!node_char_ok(slash[1 + i]))
			return 0;
	if (partner != NULL)
		memcpy(partner, code, plen + 1);
	return 1;
}

int
hl_tlp_parse(const char *s, uint8_t *out)
{
	unsigned i;

	*out = 0;
	if (strncasecmp(s, "TLP:", 4) == 0)
		s += 4;
	if (strcasecmp(s, "white") == 0) {
		*out = HL_TLP_CLEAR;
		return HL_OK;
	}
	for (i = 0; i < sizeof(tlp_names) / sizeof(tlp_names[0]); i++) {
		if (strcasecmp(s, tlp_names[i]) == 0) {
			*out = (uint8_t)i;
			return HL_OK;
		}
	}
	return HL_ERR_INVALID;
}

const char *
hl_tlp_name(uint8_t tlp)
{
	if (tlp > HL_TLP_RED)
		return "?";
	return tlp_names[tlp];
}

static int
partner_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

int
hl_partner_list_parse(const char *csv, char out[][HL_PARTNER_MAX + 1], unsigned max,
    unsigned *n)
{
	/* the same list without groups */
	return hl_policy_partner_list(NULL, csv, out, max, n);
}

/* code into out[0, *n) unless it is there; HL_ERR_TOO_BIG past max. */
static int
list_add(char out[][HL_PARTNER_MAX + 1], unsigned max, unsigned *n, const char *code)
{
	unsigned j;

	for (j = 0; j < *n; j++)
		if (strcmp(out[j], code) == 0)
			return HL_OK;
	if (*n >= max)
		return HL_ERR_TOO_BIG;
	snprintf(out[(*n)++], HL_PARTNER_MAX + 1, "%s", code);
	return HL_OK;
}

/* One item of a list: a group's members, or a partner code. */
static int
list_add_item(const struct hl_policy *p, const char *item, char out[][HL_PARTNER_MAX + 1],
    unsigned max, unsigned *n)
{
	const struct hl_group *g;
	unsigned i;
	int r;

	if ((g = hl_policy_group(p, item)) != NULL) {
		for (i = 0; i < g->n; i++)
			if ((r = list_add(out, max, n, g->members[i])) != HL_OK)
				return r;
		return HL_OK;
	}
	if (!hl_partner_valid(item))
		return HL_ERR_INVALID;
	return list_add(out, max, n, item);
}

int
hl_policy_partner_list(const struct hl_policy *p, const char *csv,
    char out[][HL_PARTNER_MAX + 1], unsigned max, unsigned *n)
{
	char item[HL_PARTNER_MAX + 1];
	const char *s = csv, *e, *end;
	size_t len, i;
	int r;

	*n = 0;
	for (end = csv; *end == ' ' || *end == '\t'; end++)
		;
	if (*end == '\0')
		return HL_OK;
	for (;;) {
		if ((e = strchr(s, ',')) == NULL)
			e = s + strlen(s);
		end = e;
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		len = (size_t)(end - s);
		if (len < HL_PARTNER_MIN || len > HL_PARTNER_MAX) {
			*n = 0;
			return HL_ERR_INVALID;
		}
		for (i = 0; i < len; i++)
			item[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 'a' + 'A' : s[i]);
		item[len] = '\0';
		if ((r = list_add_item(p, item, out, max, n)) != HL_OK) {
			*n = 0;   /* nothing half-made */
			return r;
		}
		if (*e == '\0')
			break;
		s = e + 1;
	}
	qsort(out, *n, sizeof(out[0]), partner_cmp);
	return HL_OK;
}

static int
policy_id_valid(const char *id)
{
	size_t i, n = strlen(id);

	if (n < 1 || n > HL_POLICY_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!node_char_ok(id[i]))
			return 0;
	return 1;
}

/* Structural checks shared by encode and decode. */
static int
label_valid(const struct hl_label *l)
{
	unsigned i;

	if (!policy_id_valid(l->policy))
		return 0;
	if (l->classification >= HL_LEVELS_MAX || l->tlp > HL_TLP_RED)
		return 0;
	if (l->nrel < 1 || l->nrel > HL_RELEASABLE_MAX)
		return 0;
	for (i = 0; i < l->nrel; i++) {
		if (!hl_partner_valid(l->rel[i]))
			return 0;
		if (i > 0 && strcmp(l->rel[i - 1], l->rel[i]) >= 0)
			return 0;
	}
	return 1;
}

/* The array form of the releasable-to list (partner codes and group
 * names of p) into out->rel, sorted, unique. */
static int
rel_from_array(const struct hl_policy *p, const struct hl_label_spec *s, struct hl_label *out)
{
	size_t i;
	int r;

	if (s->nrel > HL_RELEASABLE_MAX)
		return HL_ERR_TOO_BIG;
	if (s->nrel > 0 && s->rel == NULL)
		return HL_ERR_INVALID;
	for (i = 0; i < s->nrel; i++) {
		if (s->rel[i] == NULL)
			return HL_ERR_INVALID;
		if ((r = list_add_item(p, s->rel[i], out->rel, HL_RELEASABLE_MAX, &out->nrel)) !=
		    HL_OK)
			return r;
	}
	qsort(out->rel, out->nrel, sizeof(out->rel[0]), partner_cmp);
	return HL_OK;
}

int
hl_label_make(const struct hl_policy *p, const struct hl_label_spec *s,
    struct hl_label *out, char *err, size_t errlen)
{
	int r = HL_ERR_INVALID;

	memset(out, 0, sizeof(*out));
	hl_set_err(err, errlen, "%s", "");
	snprintf(out->policy, sizeof(out->policy), "%s", p->id);
	if (s->classification == NULL) {
		hl_set_err(err, errlen, "no classification");
		goto out;
	}
	if (hl_policy_level(p, s->classification, &out->classification) != HL_OK) {
		hl_set_err(err, errlen, "unknown classification \"%s\" in policy %s",
		    s->classification, p->id);
		goto out;
	}
	if (s->releasable != NULL && s->rel != NULL) {
		hl_set_err(err, errlen, "releasable-to given twice");
		goto out;
	}
	if (s->releasable != NULL)
		r = hl_policy_partner_list(p, s->releasable, out->rel, HL_RELEASABLE_MAX, &out->nrel);
	else
		r = rel_from_array(p, s, out);
	if (r != HL_OK) {
		if (r == HL_ERR_TOO_BIG)
			hl_set_err(err, errlen, "more than %d partners in releasable-to",
			    HL_RELEASABLE_MAX);
		else
			hl_set_err(err, errlen,
			    "bad releasable-to list (partner codes are 2-8 of A-Z, 0-9)");
		goto out;
	}
	r = HL_ERR_INVALID;
	if (out->nrel == 0) {
		hl_set_err(err, errlen, "releasable-to names no partner");
		goto out;
	}
	if (s->tlp == NULL) {
		hl_set_err(err, errlen, "no TLP");
		goto out;
	}
	if (hl_tlp_parse(s->tlp, &out->tlp) != HL_OK) {
		hl_set_err(err, errlen,
		    "unknown TLP \"%s\" (clear, green, amber, amber+strict, red)", s->tlp);
		goto out;
	}
	if (!label_valid(out)) {
		hl_set_err(err, errlen, "label does not fit the label syntax");
		goto out;
	}
	r = HL_OK;
out:
	if (r != HL_OK)
		memset(out, 0, sizeof(*out));
	return r;
}

int
hl_label_encode(const struct hl_label *l, struct hl_buf *out)
{
	unsigned i;

	if (!label_valid(l))
		return HL_ERR_INVALID;
	hl_buf_u8(out, LABEL_VERSION);
	hl_buf_str8(out, l->policy);
	hl_buf_u8(out, l->classification);
	hl_buf_u8(out, l->tlp);
	hl_buf_u8(out, (uint8_t)l->nrel);
	for (i = 0; i < l->nrel; i++)
		hl_buf_str8(out, l->rel[i]);
	return hl_buf_error(out);
}

int
hl_label_encode_to(const struct hl_label *l, uint8_t out[static HL_LABEL_MAX_BYTES],
    size_t *outlen)
{
	struct hl_buf b;
	uint8_t *p = NULL;
	size_t n = 0;
	int r;

	*outlen = 0;
	hl_buf_init(&b, HL_LABEL_MAX_BYTES);
	if ((r = hl_label_encode(l, &b)) != HL_OK) {
		hl_buf_free(&b);
		return r;
	}
	p = hl_buf_steal(&b, &n);
	hl_buf_free(&b);
	if (p == NULL || n > HL_LABEL_MAX_BYTES) {
		hl_free(p);
		return HL_ERR_NOMEM;
	}
	memcpy(out, p, n);
	*outlen = n;
	hl_free(p);
	return HL_OK;
}

int
hl_label_decode(const uint8_t *p, size_t len, struct hl_label *out)
{
	struct hl_rd rd;
	uint8_t v, nrel;
	unsigned i;
	int r = HL_ERR_MALFORMED;

	memset(out, 0, sizeof(*out));
	if (len > HL_LABEL_MAX_BYTES) {
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	hl_rd_init(&rd, p, len);
	if (hl_rd_u8(&rd, &v) != HL_OK)
		goto out;
	if (v != LABEL_VERSION) {
		r = HL_ERR_VERSION;
		goto out;
	}
	if (hl_rd_str8(&rd, out->policy, HL_POLICY_MAX) != HL_OK ||
	    hl_rd_u8(&rd, &out->classification) != HL_OK ||
	    hl_rd_u8(&rd, &out->tlp) != HL_OK ||
	    hl_rd_u8(&rd, &nrel) != HL_OK)
		goto out;
	if (nrel < 1 || nrel > HL_RELEASABLE_MAX)
		goto out;
	out->nrel = nrel;
	for (i = 0; i < nrel; i++)
		if (hl_rd_str8(&rd, out->rel[i], HL_PARTNER_MAX) != HL_OK)
			goto out;
	if (hl_rd_end(&rd) != HL_OK || !label_valid(out))
		goto out;
	r = HL_OK;
out:
	if (r != HL_OK)
		memset(out, 0, sizeof(*out));
	return r;
}

int
hl_label_check_policy(const struct hl_label *l, const struct hl_policy *p)
{
	if (!label_valid(l))
		return HL_ERR_INVALID;
	if (strcmp(l->policy, p->id) != 0 || l->classification >= p->nlevels)
		return HL_ERR_INVALID;
	return HL_OK;
}

int
hl_label_releasable_to(const struct hl_label *l, const char *partner)
{
	unsigned i;

	for (i = 0; i < l->nrel && i < HL_RELEASABLE_MAX; i++)
		if (strcmp(l->rel[i], partner) == 0)
			return 1;
	return 0;
}

void
hl_label_format_rel(const struct hl_label *l, char *out, size_t outlen)
{
	size_t off = 0;
	unsigned i;
	int w;

	if (outlen == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < l->nrel && i < HL_RELEASABLE_MAX; i++) {
		w = snprintf(out + off, outlen - off, "%s%s", i > 0 ? ", " : "", l->rel[i]);
		if (w < 0 || (size_t)w >= outlen - off)
			return;
		off += (size_t)w;
	}
}

/* The releasable-to list as a marking shows it: a group of p whose
 * members are all in it by its name (largest group first, each partner
 * counted once), then the other partners: "NATO, JPN". */
static void
label_rel_grouped(const struct hl_label *l, const struct hl_policy *p, char *out, size_t outlen)
{
	char used[HL_RELEASABLE_MAX] = { 0 };
	const struct hl_group *g, *order[HL_GROUPS_MAX];
	unsigned i, j, k, m, ng = 0;
	size_t off = 0;
	int w, all;

	if (outlen == 0)
		return;
	out[0] = '\0';
	/* groups by size, largest first (stable for equal sizes) */
	for (i = 0; i < p->ngroups && i < HL_GROUPS_MAX; i++) {
		for (k = ng; k > 0 && order[k - 1]->n < p->groups[i].n; k--)
			order[k] = order[k - 1];
		order[k] = &p->groups[i];
		ng++;
	}
	for (i = 0; i < ng; i++) {
		g = order[i];
		all = g->n > 0;
		for (j = 0; j < g->n && all; j++) {
			for (m = 0; m < l->nrel; m++)
				if (!used[m] && strcmp(l->rel[m], g->members[j]) == 0)
					break;
			all = m < l->nrel;
		}
		if (!all)
			continue;
		for (j = 0; j < g->n; j++)
			for (m = 0; m < l->nrel; m++)
				if (strcmp(l->rel[m], g->members[j]) == 0)
					used[m] = 1;
		w = snprintf(out + off, outlen - off, "%s%s", off > 0 ? ", " : "", g->name);
		if (w < 0 || (size_t)w >= outlen - off)
			return;
		off += (size_t)w;
	}
	for (m = 0; m < l->nrel && m < HL_RELEASABLE_MAX; m++) {
		if (used[m])
			continue;
		w = snprintf(out + off, outlen - off, "%s%s", off > 0 ? ", " : "", l->rel[m]);
		if (w < 0 || (size_t)w >= outlen - off)
			return;
		off += (size_t)w;
	}
}

void
hl_label_format(const struct hl_label *l, const struct hl_policy *p, char *out, size_t outlen)
{
	char rel[HL_RELEASABLE_MAX * (HL_PARTNER_MAX + 2) + 1];
	char lvl[HL_POLICY_MAX + 16];

	if (outlen == 0)
		return;
	if (strcmp(l->policy, p->id) == 0 && l->classification < p->nlevels)
		snprintf(lvl, sizeof(lvl), "%s", hl_policy_level_name(p, l->classification));
	else
		snprintf(lvl, sizeof(lvl), "%s:%u", l->policy, (unsigned)l->classification);
	label_rel_grouped(l, p, rel, sizeof(rel));
	snprintf(out, outlen, "%s//REL TO %s//TLP:%s", lvl, rel, hl_tlp_name(l->tlp));
}

int
hl_label_may_send(const struct hl_label *l, const struct hl_policy *p,
    const char *recipient_node, const char *recipient_partner,
    uint8_t accreditation, int named, char *why, size_t whylen)
{
	char rel[HL_RELEASABLE_MAX * (HL_PARTNER_MAX + 2) + 1];

	if (whylen > 0)
		why[0] = '\0';
	if (hl_label_check_policy(l, p) != HL_OK) {
		snprintf(why, whylen, "%s: label policy %s is not this node's policy %s",
		    recipient_node, l->policy, p->id);
		return HL_ERR_DENIED;
	}
	if (!hl_label_releasable_to(l, recipient_partner)) {
		hl_label_format_rel(l, rel, sizeof(rel));
		snprintf(why, whylen, "%s: partner %s is not in releasable-to (%s)",
		    recipient_node, recipient_partner, rel);
		return HL_ERR_DENIED;
	}
	if (l->classification > accreditation) {
		snprintf(why, whylen, "%s: classification %s exceeds the link's accreditation %s",
		    recipient_node, hl_policy_level_name(p, l->classification),
		    hl_policy_level_name(p, accreditation));
		return HL_ERR_DENIED;
	}
	if (l->tlp == HL_TLP_RED && !named) {
		snprintf(why, whylen, "%s: TLP:RED goes only to explicitly named recipients",
		    recipient_node);
		return HL_ERR_DENIED;
	}
	return HL_OK;
}

int
hl_label_may_receive(const struct hl_label *l, const struct hl_policy *p,
    const char *my_partner, uint8_t accreditation, int *reason)
{
	*reason = HL_REASON_NONE;
	if (hl_label_check_policy(l, p) != HL_OK) {
		*reason = HL_REASON_POLICY;
		return HL_ERR_DENIED;
	}
	if (!hl_label_releasable_to(l, my_partner)) {
		*reason = HL_REASON_NOT_RELEASABLE;
		return HL_ERR_DENIED;
	}
	if (l->classification > accreditation) {
		*reason = HL_REASON_ACCREDITATION;
		return HL_ERR_DENIED;
	}
	return HL_OK;
}

int
hl_label_meet(const struct hl_label *a, const struct hl_label *b, const char *fallback,
    struct hl_label *out)
{
	unsigned i = 0, j = 0;
	int c;

	memset(out, 0, sizeof(*out));
	if (!label_valid(a) || !label_valid(b) || strcmp(a->policy, b->policy) != 0)
		return HL_ERR_INVALID;
	memcpy(out->policy, a->policy, sizeof(out->policy));
	out->classification = a->classification > b->classification ? a->classification :
	    b->classification;
	out->tlp = a->tlp > b->tlp ? a->tlp : b->tlp;
	/* both lists are sorted: merge, keeping what is in both */
	while (i < a->nrel && j < b->nrel) {
		c = strcmp(a->rel[i], b->rel[j]);
		if (c == 0) {
			memcpy(out->rel[out->nrel++], a->rel[i], sizeof(out->rel[0]));
			i++;
			j++;
		} else if (c < 0) {
			i++;
		} else {
			j++;
		}
	}
	if (out->nrel == 0) {
		if (fallback == NULL || !hl_partner_valid(fallback)) {
			memset(out, 0, sizeof(*out));
			return HL_ERR_DENIED;
		}
		(void)snprintf(out->rel[0], sizeof(out->rel[0]), "%s", fallback);
		out->nrel = 1;
	}
	return HL_OK;
}
