/* simtext.h: how alike two texts are, for linking the disinformation
 * narratives that different partners report (docs/DETECTION.md, "Text similarity").
 * Pure code: no I/O, no clock, no randomness.
 *
 * A text becomes a MinHash signature: its words, normalised (UTF-8 decoded,
 * letters lower-cased, punctuation, symbols and markup tags such as <br>
 * dropped, English stop words left out), are cut into shingles of
 * HL_SIMTEXT_SHINGLE_WORDS consecutive words that never cross a sentence
 * end; each of HL_SIMTEXT_HASHES hash functions keeps its least value over
 * the shingles. The share of equal minima in two signatures estimates the
 * Jaccard similarity of their shingle sets (standard error about
 * sqrt(J(1-J)/128), 0.044 at J = 0.5).
 *
 * The hashes are this file's own (FNV-1a over code points, finished and
 * varied with splitmix64's mixer) under fixed public constants: this is not
 * a security primitive, and anyone may compute a signature. Signatures are
 * comparable only when made by the same version of this code; keep texts,
 * not signatures.
 *
 * The index finds, among many signatures, those at least as similar as a
 * threshold without comparing every pair: locality-sensitive hashing with
 * HL_SIMTEXT_BANDS bands of HL_SIMTEXT_ROWS minima; a pair that agrees on
 * a whole band is a candidate, and candidates are checked on the full
 * signature. A pair of similarity s is a candidate with probability
 * 1 - (1 - s^ROWS)^BANDS: 0.98 at the default threshold 0.25, 0.93 at 0.2,
 * 0.47 at 0.1. */
#ifndef HL_SIMTEXT_H
#define HL_SIMTEXT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "errors.h"

#define HL_SIMTEXT_MAX_BYTES (1024u * 1024)   /* a text to sign, bytes (a whole STIX object's) */
#define HL_SIMTEXT_HASHES 128                 /* minima in a signature */
#define HL_SIMTEXT_SHINGLE_WORDS 2            /* words in a shingle */
#define HL_SIMTEXT_BANDS 64                   /* LSH bands in the index ... */
#define HL_SIMTEXT_ROWS 2                     /* ... of this many minima */
#define HL_SIMTEXT_INDEX_MAX (256u * 1024)    /* signatures in one index */
/* The default threshold: reports at least this similar tell the same
 * narrative (chosen on the DISARM incidents, docs/DETECTION.md, "Text similarity"). */
#define HL_SIMTEXT_THRESHOLD_DEFAULT 0.25

struct hl_simtext_sig {
	uint32_t min[HL_SIMTEXT_HASHES];
	uint32_t shingles;   /* shingles seen (saturates); 0: no words, similar to nothing */
};

/* Sign text[0..len): any bytes (what is not well-formed UTF-8 separates
 * words). HL_ERR_TOO_BIG past HL_SIMTEXT_MAX_BYTES. OUT: *out. */
HL_WUR int hl_simtext_sign(const char *text, size_t len, struct hl_simtext_sig *out);
/* Estimated Jaccard similarity of the two texts' shingles, 0.0 .. 1.0; 0.0
 * when either has no words. */
double hl_simtext_similarity(const struct hl_simtext_sig *a, const struct hl_simtext_sig *b);

/* The narrative text of a STIX object: its name, a line break, its
 * description, for the types that tell a narrative: report, incident and
 * campaign. HL_ERR_NOT_APPLICABLE for any other type, HL_ERR_MALFORMED
 * when it has no type or its name or description is not a string,
 * HL_ERR_TOO_BIG past HL_SIMTEXT_MAX_BYTES. OUT: *text (NUL-terminated;
 * caller frees with hl_free), *len. */
HL_WUR int hl_simtext_stix_text(const json_t *obj, char **text, size_t *len);
/* hl_simtext_stix_text(), then hl_simtext_sign(). */
HL_WUR int hl_simtext_sign_stix(const json_t *obj, struct hl_simtext_sig *out);

/* ---- the candidate index ---- */

struct hl_simtext_index;

/* An empty index that holds at most max_items (1 .. HL_SIMTEXT_INDEX_MAX,
 * else HL_ERR_INVALID) signatures. OUT: *out (caller frees with
 * hl_simtext_index_free). */
HL_WUR int hl_simtext_index_new(size_t max_items, struct hl_simtext_index **out);
void hl_simtext_index_free(struct hl_simtext_index *idx);
/* Add a copy of sig under the caller's number for it (any value; adding
 * one twice keeps both). HL_ERR_FULL past max_items. */
HL_WUR int hl_simtext_index_add(struct hl_simtext_index *idx, uint64_t item,
    const struct hl_simtext_sig *sig);
size_t hl_simtext_index_count(const struct hl_simtext_index *idx);
/* Called once for each indexed signature that is a candidate for sig and
 * at least threshold similar; a non-zero return stops the query. */
typedef int (*hl_simtext_match_fn)(void *arg, uint64_t item, double similarity);
/* The indexed signatures at least threshold (0 < threshold <= 1, else
 * HL_ERR_INVALID) similar to sig that share a band with it, in the order
 * they were found. Not for two queries at once on one index (it marks the
 * candidates it has checked). */
HL_WUR int hl_simtext_index_query(struct hl_simtext_index *idx, const struct hl_simtext_sig *sig,
    double threshold, hl_simtext_match_fn fn, void *arg);

#endif
