/* label.h: security labels (policy, classification, releasable-to, TLP 2.0)
 * and the release rules the brief calls rules 1 and 3. Pure code, no I/O. */
#ifndef HL_LABEL_H
#define HL_LABEL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "errors.h"
#include "hl_limits.h"

enum hl_tlp {
	HL_TLP_CLEAR = 0,
	HL_TLP_GREEN = 1,
	HL_TLP_AMBER = 2,
	HL_TLP_AMBER_STRICT = 3,
	HL_TLP_RED = 4,
};

/* A releasability group ([group NAME] in hotline.conf): a name written
 * like a partner code that stands for its members in releasable-to and
 * recipient lists. Labels carry the members, never the name: a receiver
 * decides on the partners it is given, whatever its own groups say
 * (docs/PROTOCOL.md, "Releasability groups"). */
struct hl_group {
	char name[HL_PARTNER_MAX + 1];
	unsigned n;                   /* 1..HL_RELEASABLE_MAX, sorted, unique */
	char members[HL_RELEASABLE_MAX][HL_PARTNER_MAX + 1];
};

/* A policy: an id and ordered classification levels, lowest first; the
 * releasability groups this node knows. */
struct hl_policy {
	char id[HL_POLICY_MAX + 1];
	unsigned nlevels;
	char levels[HL_LEVELS_MAX][HL_LEVEL_NAME_MAX + 1];
	unsigned ngroups;
	struct hl_group groups[HL_GROUPS_MAX];
};

/* hl_label_format's text at most (with its NUL): level, 64 partners, TLP. */
#define HL_LABEL_TEXT_MAX (HL_POLICY_MAX + HL_LEVEL_NAME_MAX + \
	HL_RELEASABLE_MAX * (HL_PARTNER_MAX + 2) + 48)

/* The group called name (case-insensitive), or NULL. */
const struct hl_group *hl_policy_group(const struct hl_policy *p, const char *name);
/* Comma-separated partner codes and group names of p into a sorted,
 * de-duplicated list of partner codes (each group replaced by its
 * members). HL_ERR_TOO_BIG past max, HL_ERR_INVALID on a bad item. */
HL_WUR int hl_policy_partner_list(const struct hl_policy *p, const char *csv,
    char out[][HL_PARTNER_MAX + 1], unsigned max, unsigned *n);

struct hl_label {
	char policy[HL_POLICY_MAX + 1];
	uint8_t classification;  /* index into the policy's levels */
	uint8_t tlp;             /* enum hl_tlp */
	unsigned nrel;           /* releasable-to: sorted, unique partner codes */
	char rel[HL_RELEASABLE_MAX][HL_PARTNER_MAX + 1];
};

/* "hotline-default": UNCLASSIFIED < RESTRICTED < CONFIDENTIAL < SECRET */
void hl_policy_default(struct hl_policy *p);
/* Level name (case-insensitive) to index. */
HL_WUR int hl_policy_level(const struct hl_policy *p, const char *name, uint8_t *out);
const char *hl_policy_level_name(const struct hl_policy *p, uint8_t level);

/* A partner code is 2..8 characters of A-Z and 0-9. 1 if valid. */
int hl_partner_valid(const char *code);
/* An operator's name s[0, n): 1..HL_OPERATOR_MAX of [A-Za-z0-9._-], not
 * starting with '.' or '-' (accounts, certificates, profiles). 1 if valid. */
int hl_operator_name_valid(const char *s, size_t n);
/* 1 for the characters of names (operators, collections, file names in a
 * backup): A-Z a-z 0-9 . _ - */
int hl_name_char(int c);
/* "PARTNER/name": partner valid, name 1..(HL_NODE_NAME_MAX - partner - 1)
 * of [A-Za-z0-9._-]. 1 if valid; OUT: partner copied when non-NULL. */
int hl_label_node_name_valid(const char *node, char partner[HL_PARTNER_MAX + 1]);

/* TLP: "clear", "green", "amber", "amber+strict", "red" (any case, optional
 * "TLP:" prefix; "white" is accepted as CLEAR). */
HL_WUR int hl_tlp_parse(const char *s, uint8_t *out);
const char *hl_tlp_name(uint8_t tlp);   /* "CLEAR", ..., "AMBER+STRICT", "RED" */

/* Comma-separated partner codes into a sorted, de-duplicated list. */
HL_WUR int hl_partner_list_parse(const char *csv,
    char out[][HL_PARTNER_MAX + 1], unsigned max, unsigned *n);

/* A label by field name, the input of hl_label_make. Give it with a
 * designated initialiser, so that a field added here (with a default for
 * NULL / 0) leaves every caller as it is:
 *   hl_label_make(pol, &(struct hl_label_spec){ .classification = "SECRET",
 *       .releasable = "JPN,KOR", .tlp = "amber" }, &label, err, sizeof(err));
 * The releasable-to list is either text (.releasable) or an array (.rel). */
struct hl_label_spec {
	const char *classification;   /* a level of the policy, any case */
	const char *releasable;       /* comma-separated partner codes, any case */
	const char *const *rel;       /* or: rel[0 .. nrel), A-Z and 0-9 only */
	size_t nrel;
	const char *tlp;              /* hl_tlp_parse */
};

/* Build and check a label for policy p; the releasable-to list comes out
 * sorted and without repeats. HL_ERR_INVALID (or HL_ERR_TOO_BIG) with one
 * line in err naming the field, and out zeroed, on failure. */
HL_WUR int hl_label_make(const struct hl_policy *p, const struct hl_label_spec *s,
    struct hl_label *out, char *err, size_t errlen);

/* Binary form (docs/PROTOCOL.md): appended to out. */
HL_WUR int hl_label_encode(const struct hl_label *l, struct hl_buf *out);
/* The same into a fixed buffer. OUT: out[0..*outlen). */
HL_WUR int hl_label_encode_to(const struct hl_label *l, uint8_t out[static HL_LABEL_MAX_BYTES],
    size_t *outlen);
/* Validates syntax: policy id, TLP range, partner codes, strictly sorted,
 * at least one releasable partner, no trailing bytes. */
HL_WUR int hl_label_decode(const uint8_t *p, size_t len, struct hl_label *out);
/* Checks the label against a policy (same id, level in range). */
HL_WUR int hl_label_check_policy(const struct hl_label *l, const struct hl_policy *p);

/* The stricter of two labels of one policy, for what is made from both:
 * the higher classification and TLP, releasable to the partners both are
 * releasable to; when none is, to fallback alone (a partner code; NULL:
 * HL_ERR_DENIED). HL_ERR_INVALID for two policies or a malformed label.
 * OUT: *out (zeroed on failure). */
HL_WUR int hl_label_meet(const struct hl_label *a, const struct hl_label *b,
    const char *fallback, struct hl_label *out);

int hl_label_releasable_to(const struct hl_label *l, const char *partner);
/* The releasable-to list: "JPN, KOR, USA" (cut safely to outlen). */
void hl_label_format_rel(const struct hl_label *l, char *out, size_t outlen);
/* "SECRET//REL TO JPN, KOR, USA//TLP:AMBER" */
void hl_label_format(const struct hl_label *l, const struct hl_policy *p, char *out, size_t outlen);

/* Rule 1 for one recipient: partner in releasable-to, classification <=
 * accreditation, TLP:RED only when the recipient was named explicitly.
 * HL_ERR_DENIED with a reason in why (naming the recipient) otherwise. */
HL_WUR int hl_label_may_send(const struct hl_label *l, const struct hl_policy *p,
    const char *recipient_node, const char *recipient_partner,
    uint8_t accreditation, int named, char *why, size_t whylen);
/* Rule 3: may this node (partner my_partner, link accredited up to
 * accreditation) accept it? HL_ERR_DENIED + machine reason in *reason. */
HL_WUR int hl_label_may_receive(const struct hl_label *l, const struct hl_policy *p,
    const char *my_partner, uint8_t accreditation, int *reason);

#endif
