/* simtext.c: MinHash signatures of word shingles and their LSH index
 * (simtext.h). */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "mixhash.h"
#include "simtext.h"
#include "utf8.h"

#define GOLDEN HL_MIXHASH_GOLDEN
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull
#define SHINGLE_MAX 8                     /* longest shingle sign_with() takes */
#define STOP_KEY_MAX 7                    /* longest stop word, bytes */
#define TAG_NAME_MAX 10                   /* a markup tag's name, letters */
#define NO_ENTRY UINT32_MAX

_Static_assert(HL_SIMTEXT_BANDS * HL_SIMTEXT_ROWS <= HL_SIMTEXT_HASHES, "bands of the minima");
_Static_assert((uint64_t)HL_SIMTEXT_INDEX_MAX * HL_SIMTEXT_BANDS < NO_ENTRY, "entry numbers");

/* English function words: left out so that two unrelated texts do not
 * share shingles such as "in the" (sorted, for bsearch). */
static const char *const stop_words[] = {
	"a", "about", "after", "also", "an", "and", "are", "as", "at", "be", "been", "but",
	"by", "for", "from", "had", "has", "have", "he", "her", "his", "i", "in", "into",
	"is", "it", "its", "not", "of", "on", "or", "our", "she", "that", "the", "their",
	"them", "there", "they", "this", "to", "was", "we", "were", "which", "who", "will",
	"with", "would", "you",
};


/* ---- normalisation ---- */

enum cls {
	C_SEP,      /* ends a word */
	C_WORD,     /* part of a word */
	C_JOIN,     /* apostrophe: dropped, the word goes on ("don't" is "dont") */
	C_END,      /* ends a word and a sentence */
	C_SOLO,     /* a word by itself (Han and kana: no spaces between words) */
};

static enum cls
classify(uint32_t c)
{
	if (c < 0x80) {
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			return C_WORD;
		if (c == '\'')
			return C_JOIN;
		if (c == '!' || c == '?' || c == ';' || c == '\n')
			return C_END;
		return C_SEP;
	}
	/* C1 controls, Latin-1 punctuation and symbols, multiplication and division */
	if (c <= 0xbf || c == 0xd7 || c == 0xf7)
		return C_SEP;
	if (c == 0x2018 || c == 0x2019 || c == 0x02bc)
		return C_JOIN;
	if (c == 0x2026 || c == 0x3002 || c == 0xff01 || c == 0xff1f || c == 0xff1b)
		return C_END;
	if ((c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x4dbf) ||
	    (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0x20000 && c <= 0x3ffff))
		return C_SOLO;
	/* general punctuation (spaces, dashes, quotes), supplemental punctuation,
	 * arrows, mathematical and technical symbols, box drawing, shapes,
	 * dingbats, CJK punctuation, private use, variation selectors,
	 * specials, emoji and pictographs */
	if ((c >= 0x2000 && c <= 0x206f) || (c >= 0x2190 && c <= 0x2bff) ||
	    (c >= 0x2e00 && c <= 0x2e7f) || (c >= 0x3000 && c <= 0x303f) ||
	    (c >= 0xe000 && c <= 0xf8ff) || (c >= 0xfe00 && c <= 0xfe0f) ||
	    (c >= 0xfe30 && c <= 0xfe6f) || c == 0xfeff || (c >= 0xfff0 && c <= 0xffff) ||
	    (c >= 0x1f000 && c <= 0x1faff))
		return C_SEP;
	return C_WORD;
}

/* Simple lower-casing of Latin (ASCII, Latin-1, Extended-A, Extended
 * Additional), Greek, Cyrillic and Armenian capitals; other characters as
 * they are. Final sigma is folded into sigma. */
static uint32_t
lower(uint32_t c)
{
	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 32 : c;
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 32;
	if (c >= 0x100 && c <= 0x17f) {
		if (c == 0x130)
			return 'i';
		if (c == 0x178)
			return 0xff;
		if ((c <= 0x12f || (c >= 0x132 && c <= 0x137) || (c >= 0x14a && c <= 0x177)) &&
		    c % 2 == 0)
			return c + 1;
		if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e)) && c % 2 == 1)
			return c + 1;
		return c;
	}
	if (c >= 0x386 && c <= 0x3ab) {
		if (c >= 0x391 && c <= 0x3ab && c != 0x3a2)
			return c + 0x20;
		if (c == 0x386)
			return 0x3ac;
		if (c >= 0x388 && c <= 0x38a)
			return c + 0x25;
		if (c == 0x38c)
			return 0x3cc;
		if (c == 0x38e || c == 0x38f)
			return c + 0x3f;
		return c;
	}
	if (c == 0x3c2)
		return 0x3c3;
	if (c >= 0x400 && c <= 0x52f) {
		if (c <= 0x40f)
			return c + 0x50;
		if (c <= 0x42f)
			return c + 0x20;
		if (c == 0x4c0)
			return 0x4cf;
		if (((c >= 0x460 && c <= 0x481) || (c >= 0x48a && c <= 0x4bf) || c >= 0x4d0) &&
		    c % 2 == 0)
			return c + 1;
		if (c >= 0x4c1 && c <= 0x4ce && c % 2 == 1)
			return c + 1;
		return c;
	}
	if (c >= 0x531 && c <= 0x556)
		return c + 0x30;
	if (((c >= 0x1e00 && c <= 0x1e95) || (c >= 0x1ea0 && c <= 0x1eff)) && c % 2 == 0)
		return c + 1;
	return c;
}

static int
stop_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

/* A markup tag at p[0..n) ("<br>", "</i>", "<br />"): its length, 0 for
 * none; *brk when it breaks a line (br, p). */
static size_t
tag_len(const uint8_t *p, size_t n, int *brk)
{
	size_t i = 1, name;

	if (n < 3 || p[0] != '<')
		return 0;
	if (p[i] == '/')
		i++;
	name = i;
	while (i < n && i - name < TAG_NAME_MAX &&
	    ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')))
		i++;
	if (i == name)
		return 0;
	*brk = ((i - name == 2 && (p[name] | 0x20) == 'b' && (p[name + 1] | 0x20) == 'r') ||
	    (i - name == 1 && (p[name] | 0x20) == 'p'));
	while (i < n && p[i] == ' ')
		i++;
	if (i < n && p[i] == '/')
		i++;
	return i < n && p[i] == '>' ? i + 1 : 0;
}

/* ---- shingles ---- */

struct shingler {
	struct hl_simtext_sig *sig;
	unsigned k;                  /* words in a shingle */
	int stop;                    /* leave the stop words out */
	uint64_t ring[SHINGLE_MAX];  /* the last k word hashes of the sentence */
	size_t nw;                   /* words in the sentence so far */
	/* the word being read */
	int in_word;
	uint64_t h;
	char key[STOP_KEY_MAX + 1];
	size_t klen;                 /* > STOP_KEY_MAX: not a stop word */
};

/* The shingle of the sentence's last m words, into the minima. */
static void
shingle(struct shingler *s, unsigned m)
{
	uint64_t h = m, step;
	unsigned j, i;
	uint32_t v;

	for (j = 0; j < m; j++)
		h = hl_mix64(h ^ s->ring[(s->nw - m + j) % s->k]);
	step = h;
	for (i = 0; i < HL_SIMTEXT_HASHES; i++) {
		step += GOLDEN;
		v = (uint32_t)(hl_mix64(step) >> 32);
		if (v < s->sig->min[i])
			s->sig->min[i] = v;
	}
	if (s->sig->shingles < UINT32_MAX)
		s->sig->shingles++;
}

static void
word_end(struct shingler *s)
{
	if (!s->in_word)
		return;
	s->in_word = 0;
	if (s->stop && s->klen <= STOP_KEY_MAX) {
		s->key[s->klen] = '\0';
		if (bsearch(s->key, stop_words, sizeof(stop_words) / sizeof(stop_words[0]),
		    sizeof(stop_words[0]), stop_cmp) != NULL)
			return;
	}
	s->ring[s->nw % s->k] = hl_mix64(s->h);
	s->nw++;
	if (s->nw >= s->k)
		shingle(s, s->k);
}

/* A sentence shorter than a shingle is one shingle of all its words. */
static void
sentence_end(struct shingler *s)
{
	word_end(s);
	if (s->nw > 0 && s->nw < s->k)
		shingle(s, (unsigned)s->nw);
	s->nw = 0;
}

static void
word_char(struct shingler *s, uint32_t c)
{
	if (!s->in_word) {
		s->in_word = 1;
		s->h = FNV_OFFSET;
		s->klen = 0;
	}
	s->h = (s->h ^ c) * FNV_PRIME;
	if (s->klen < STOP_KEY_MAX && c < 0x80)
		s->key[s->klen++] = (char)c;
	else
		s->klen = STOP_KEY_MAX + 1;
}

/* Sign with k-word shingles (1 .. SHINGLE_MAX), with or without the stop
 * words: hl_simtext_sign() and the evaluation tool's comparison of choices. */
static int
sign_with(const char *text, size_t len, unsigned k, int stop, struct hl_simtext_sig *out)
{
	const uint8_t *p = (const uint8_t *)text;
	struct shingler s;
	size_t i = 0, n, t;
	uint32_t c;
	int brk = 0;

	memset(out, 0xff, sizeof(out->min));
	out->shingles = 0;
	if (len > HL_SIMTEXT_MAX_BYTES)
		return HL_ERR_TOO_BIG;
	if (k < 1 || k > SHINGLE_MAX || (text == NULL && len > 0))
		return HL_ERR_INVALID;
	memset(&s, 0, sizeof(s));
	s.sig = out;
	s.k = k;
	s.stop = stop;
	while (i < len) {
		if (p[i] == '<' && (t = tag_len(p + i, len - i, &brk)) > 0) {
			if (brk)
				sentence_end(&s);
			else
				word_end(&s);
			i += t;
			continue;
		}
		if ((n = hl_utf8_next(p + i, len - i, &c)) == 0) {
			word_end(&s);
			i++;
			continue;
		}
		i += n;
		if (c >= 0xff01 && c <= 0xff5e)
			c -= 0xfee0;   /* fullwidth forms: their ASCII letters, digits, marks */
		switch (classify(c)) {
		case C_WORD:
			word_char(&s, lower(c));
			break;
		case C_JOIN:
			break;
		case C_SOLO:
			word_end(&s);
			word_char(&s, c);
			word_end(&s);
			break;
		case C_END:
			sentence_end(&s);
			break;
		case C_SEP:
			/* a full stop ends a sentence unless a letter or digit follows
			 * ("3.5", "example.org") */
			if (c == '.' && (i == len || p[i] >= 0x80 || classify(p[i]) != C_WORD))
				sentence_end(&s);
			else
				word_end(&s);
			break;
		}
	}
	sentence_end(&s);
	return HL_OK;
}

int
hl_simtext_sign(const char *text, size_t len, struct hl_simtext_sig *out)
{
	return sign_with(text, len, HL_SIMTEXT_SHINGLE_WORDS, 1, out);
}

double
hl_simtext_similarity(const struct hl_simtext_sig *a, const struct hl_simtext_sig *b)
{
	unsigned i, same = 0;

	if (a->shingles == 0 || b->shingles == 0)
		return 0.0;
	for (i = 0; i < HL_SIMTEXT_HASHES; i++)
		same += a->min[i] == b->min[i];
	return (double)same / HL_SIMTEXT_HASHES;
}

/* ---- STIX ---- */

int
hl_simtext_stix_text(const json_t *obj, char **text, size_t *len)
{
	static const char *const types[] = { "report", "incident", "campaign" };
	const json_t *name, *desc;
	const char *type;
	size_t i, nl = 0, dl = 0, n;
	char *t;

	*text = NULL;
	*len = 0;
	if ((type = json_string_value(json_object_get(obj, "type"))) == NULL)
		return HL_ERR_MALFORMED;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(type, types[i]) == 0)
			break;
	if (i == sizeof(types) / sizeof(types[0]))
		return HL_ERR_NOT_APPLICABLE;
	name = json_object_get(obj, "name");
	desc = json_object_get(obj, "description");
	if ((name != NULL && !json_is_string(name)) || (desc != NULL && !json_is_string(desc)))
		return HL_ERR_MALFORMED;
	if (name != NULL)
		nl = json_string_length(name);
	if (desc != NULL)
		dl = json_string_length(desc);
	if (nl > HL_SIMTEXT_MAX_BYTES || dl > HL_SIMTEXT_MAX_BYTES - nl - 1)
		return HL_ERR_TOO_BIG;
	n = nl + 1 + dl;
	if ((t = hl_malloc(n + 1)) == NULL)
		return HL_ERR_NOMEM;
	if (nl > 0)
		memcpy(t, json_string_value(name), nl);
	t[nl] = '\n';
	if (dl > 0)
		memcpy(t + nl + 1, json_string_value(desc), dl);
	t[n] = '\0';
	*text = t;
	*len = n;
	return HL_OK;
}

int
hl_simtext_sign_stix(const json_t *obj, struct hl_simtext_sig *out)
{
	char *t = NULL;
	size_t n = 0;
	int r;

	memset(out, 0xff, sizeof(out->min));
	out->shingles = 0;
	if ((r = hl_simtext_stix_text(obj, &t, &n)) != HL_OK)
		return r;
	r = hl_simtext_sign(t, n, out);
	hl_free(t);
	return r;
}

/* ---- the index ----
 *
 * Item slot i has band entries ent[i * BANDS + b]; an entry holds its
 * band's key (a hash of the band's ROWS minima and its number) and the
 * next entry in its bucket's chain. A signature without shingles gets no
 * entries in a chain (it is similar to nothing). */

struct band_entry {
	uint32_t key;
	uint32_t next;
};

struct hl_simtext_index {
	size_t max;                    /* items at most */
	size_t n, cap;                 /* items held, room for */
	uint64_t *items;               /* the caller's numbers, by slot */
	struct hl_simtext_sig *sigs;
	uint32_t *stamp;               /* the last query that checked the slot */
	uint32_t query;
	struct band_entry *ent;        /* cap * BANDS */
	uint32_t *head;                /* nhead chains (NO_ENTRY: empty) */
	size_t nhead;                  /* a power of two, >= cap * BANDS */
	size_t checked;                /* candidates checked, all queries */
};

static uint32_t
band_key(const struct hl_simtext_sig *sig, unsigned b)
{
	uint64_t h = b + 1;
	unsigned r;

	for (r = 0; r < HL_SIMTEXT_ROWS; r++)
		h = hl_mix64(h ^ sig->min[b * HL_SIMTEXT_ROWS + r]);
	return (uint32_t)(h >> 32);
}

static size_t
bucket(const struct hl_simtext_index *idx, uint32_t key)
{
	return (size_t)hl_mix64(key) & (idx->nhead - 1);
}

static void
link_entry(struct hl_simtext_index *idx, size_t e)
{
	size_t bk;

	if (idx->sigs[e / HL_SIMTEXT_BANDS].shingles == 0) {
		idx->ent[e].next = NO_ENTRY;
		return;
	}
	bk = bucket(idx, idx->ent[e].key);
	idx->ent[e].next = idx->head[bk];
	idx->head[bk] = (uint32_t)e;
}

/* Room for more items: every array to the new capacity, the chains
 * rebuilt over more buckets. */
static int
grow(struct hl_simtext_index *idx)
{
	size_t cap = idx->cap == 0 ? 64 : idx->cap * 2, nhead = 1, e, i;
	void *p;

	if (cap > idx->max)
		cap = idx->max;
	while (nhead < cap * HL_SIMTEXT_BANDS)
		nhead *= 2;
	if ((p = hl_realloc(idx->items, cap * sizeof(*idx->items))) == NULL)
		return HL_ERR_NOMEM;
	idx->items = p;
	if ((p = hl_realloc(idx->sigs, cap * sizeof(*idx->sigs))) == NULL)
		return HL_ERR_NOMEM;
	idx->sigs = p;
	if ((p = hl_realloc(idx->stamp, cap * sizeof(*idx->stamp))) == NULL)
		return HL_ERR_NOMEM;
	idx->stamp = p;
	if ((p = hl_realloc(idx->ent, cap * HL_SIMTEXT_BANDS * sizeof(*idx->ent))) == NULL)
		return HL_ERR_NOMEM;
	idx->ent = p;
	if ((p = hl_malloc(nhead * sizeof(*idx->head))) == NULL)
		return HL_ERR_NOMEM;
	hl_free(idx->head);
	idx->head = p;
	idx->nhead = nhead;
	idx->cap = cap;
	for (i = 0; i < nhead; i++)
		idx->head[i] = NO_ENTRY;
	for (e = 0; e < idx->n * HL_SIMTEXT_BANDS; e++)
		link_entry(idx, e);
	return HL_OK;
}

int
hl_simtext_index_new(size_t max_items, struct hl_simtext_index **out)
{
	struct hl_simtext_index *idx;

	*out = NULL;
	if (max_items < 1 || max_items > HL_SIMTEXT_INDEX_MAX)
		return HL_ERR_INVALID;
	if ((idx = hl_calloc(1, sizeof(*idx))) == NULL)
		return HL_ERR_NOMEM;
	idx->max = max_items;
	*out = idx;
	return HL_OK;
}

void
hl_simtext_index_free(struct hl_simtext_index *idx)
{
	if (idx == NULL)
		return;
	hl_free(idx->items);
	hl_free(idx->sigs);
	hl_free(idx->stamp);
	hl_free(idx->ent);
	hl_free(idx->head);
	hl_free(idx);
}

size_t
hl_simtext_index_count(const struct hl_simtext_index *idx)
{
	return idx->n;
}

int
hl_simtext_index_add(struct hl_simtext_index *idx, uint64_t item,
    const struct hl_simtext_sig *sig)
{
	size_t slot = idx->n;
	unsigned b;
	int r;

	if (slot >= idx->max)
		return HL_ERR_FULL;
	if (slot == idx->cap && (r = grow(idx)) != HL_OK)
		return r;
	idx->items[slot] = item;
	idx->sigs[slot] = *sig;
	idx->stamp[slot] = 0;
	for (b = 0; b < HL_SIMTEXT_BANDS; b++) {
		idx->ent[slot * HL_SIMTEXT_BANDS + b].key = band_key(sig, b);
		link_entry(idx, slot * HL_SIMTEXT_BANDS + b);
	}
	idx->n++;
	return HL_OK;
}

int
hl_simtext_index_query(struct hl_simtext_index *idx, const struct hl_simtext_sig *sig,
    double threshold, hl_simtext_match_fn fn, void *arg)
{
	uint32_t key, e;
	size_t slot;
	unsigned b;
	double s;

	if (!(threshold > 0.0 && threshold <= 1.0))
		return HL_ERR_INVALID;
	if (sig->shingles == 0 || idx->n == 0)
		return HL_OK;
	if (++idx->query == 0) {
		/* the stamps wrapped: none may look checked by this query */
		memset(idx->stamp, 0, idx->n * sizeof(*idx->stamp));
		idx->query = 1;
	}
	for (b = 0; b < HL_SIMTEXT_BANDS; b++) {
		key = band_key(sig, b);
		for (e = idx->head[bucket(idx, key)]; e != NO_ENTRY; e = idx->ent[e].next) {
			slot = e / HL_SIMTEXT_BANDS;
			if (idx->ent[e].key != key || e % HL_SIMTEXT_BANDS != b ||
			    idx->stamp[slot] == idx->query)
				continue;
			idx->stamp[slot] = idx->query;
			idx->checked++;
			if ((s = hl_simtext_similarity(sig, &idx->sigs[slot])) >= threshold &&
			    fn(arg, idx->items[slot], s) != 0)
				return HL_OK;
		}
	}
	return HL_OK;
}
