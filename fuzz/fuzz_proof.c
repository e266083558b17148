/* fuzz_proof.c: the audit proof-bundle checker that `hotline audit
 * check-proof` runs on a JSON file from elsewhere. The harness signs one
 * real checkpoint (size 1) with a fixed key at start; "@CP@" in an input is
 * replaced by its hex, so mutations reach the entry parser behind the
 * signature check. An accepted bundle must be about that checkpoint. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "alloc.h"
#include "apijson.h"
#include "buf.h"
#include "keys.h"
#include "merkle.h"
#include "proof.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NODE "JPN/node-1"

static int ready;
static uint8_t pub[HL_ED25519_PUB];
static char cphex[2 * HL_CHECKPOINT_MAX_BYTES + 1];

static void
rm_tree(const char *dir)
{
	char p[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			if (unlink(p) != 0)
				rm_tree(p);
		}
		closedir(d);
	}
	(void)rmdir(dir);
}

/* A fixed Ed25519 key, a one-entry log and its signed checkpoint. */
static void
setup(void)
{
	static const uint8_t seed[32] = { 0x68, 0x6f, 0x74, 0x6c, 0x69, 0x6e, 0x65 };
	char dir[] = "/tmp/fuzz-proof.XXXXXX", keyp[64], kemp[64], err[256];
	struct hl_merkle_entry me = { .seq = 1, .time_ms = 1763900000000, .event = "login",
	    .event_len = 5, .actor = "admin", .actor_len = 5, .detail = "api", .detail_len = 3 };
	struct hl_checkpoint c;
	struct hl_keys *k = NULL;
	struct hl_buf b;
	uint8_t dg[64];
	EVP_PKEY *pk;
	FILE *f;
	size_t i;

	hl_apijson_init();
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(keyp, sizeof(keyp), "%s/node.key", dir);
	snprintf(kemp, sizeof(kemp), "%s/kem", dir);
	if ((pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32)) == NULL ||
	    (f = fopen(keyp, "w")) == NULL)
		abort();
	(void)chmod(keyp, 0600);
	if (PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL) != 1)
		abort();
	fclose(f);
	EVP_PKEY_free(pk);
	if (hl_keys_open(keyp, kemp, &k, err, sizeof(err)) != HL_OK)
		abort();
	hl_keys_sign_pub(k, pub);
	memset(&c, 0, sizeof(c));
	c.version = 1;
	snprintf(c.node, sizeof(c.node), "%s", NODE);
	c.size = 1;
	c.time_ms = 1763900001000;
	if (hl_merkle_entry_leaf(&me, c.root) != HL_OK)   /* one leaf: root = leaf */
		abort();
	hl_buf_init(&b, HL_CHECKPOINT_MAX_BYTES);
	if (hl_checkpoint_encode(&c, &b) != HL_OK ||
	    hl_checkpoint_digest(b.data, b.len - HL_ED25519_SIG, dg) != HL_OK ||
	    hl_keys_sign(k, HL_SIGN_CHECKPOINT, dg, c.sig) != HL_OK)
		abort();
	b.len = 0;
	if (hl_checkpoint_encode(&c, &b) != HL_OK)
		abort();
	for (i = 0; i < b.len; i++)
		snprintf(cphex + 2 * i, 3, "%02x", b.data[i]);
	hl_buf_free(&b);
	hl_keys_free(k);
	rm_tree(dir);
	ready = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_checkpoint c;
	const uint8_t *at;
	uint8_t *in;
	size_t n = 0, cl, pre;
	char err[512];
	int r;

	if (!ready)
		setup();
	if (size > 1u << 20)
		return 0;
	cl = strlen(cphex);
	if ((in = malloc(size + cl + 1)) == NULL)
		return 0;
	at = size >= 4 ? memmem(data, size, "@CP@", 4) : NULL;
	if (at != NULL) {
		pre = (size_t)(at - data);
		memcpy(in, data, pre);
		memcpy(in + pre, cphex, cl);
		memcpy(in + pre + cl, at + 4, size - pre - 4);
		size = size - 4 + cl;
	} else {
		memcpy(in, data, size);
	}
	err[0] = '\0';
	r = hl_proof_check(in, size, NODE, pub, &c, &n, err, sizeof(err));
	if (getenv("FUZZ_PROOF_VERBOSE") != NULL)
		fprintf(stderr, "fuzz_proof: %s\n", r == HL_OK ? "accepted" : err);
	if (r == HL_OK) {
		if (c.size != 1 || n == 0 || strcmp(c.node, NODE) != 0)
			abort();
	} else if (err[0] == '\0') {
		abort();   /* every refusal says why */
	}
	free(in);
	return 0;
}
