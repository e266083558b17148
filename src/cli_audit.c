/* cli_audit.c: "hotline audit verify|checkpoint|prove|check-proof"
 * (docs/CLI.md, docs/internals/audit.md); verify and checkpoint work
 * offline on the node's files. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "alloc.h"
#include "apijson.h"
#include "cli.h"
#include "clock.h"
#include "keys.h"
#include "sealfile.h"
#include "merkle.h"
#include "pki.h"
#include "proof.h"
#include "store.h"

/* ---- audit (offline) ---- */

const char hl_cli_audit_usage[] =
    "usage: hotline audit verify [--json]\n"
    "       hotline audit checkpoint [--json]\n"
    "       hotline audit prove ID [--json]\n"
    "       hotline audit check-proof --cert CERT.pem FILE\n"
    "\n"
    "verify: open the node's database read-only (DATA/hotline.db from the\n"
    "configuration) and walk the hash chain of the audit log, checking every\n"
    "signed checkpoint against the Merkle tree recomputed at its size. Works while\n"
    "the node runs or not. Prints \"audit: N entries verified\", or names the first\n"
    "bad entry and exits 1.\n"
    "\n"
    "checkpoint: sign (with the node key from the configuration) and store a\n"
    "checkpoint over all audit entries, or show the latest when nothing is new.\n"
    "\n"
    "prove ID: print a JSON proof bundle: every audit entry of envelope ID with\n"
    "its inclusion proof against the latest checkpoint, and that checkpoint.\n"
    "\n"
    "check-proof: verify such a bundle (FILE, or - for standard input) with the\n"
    "origin node's certificate: the checkpoint's signature and node, then each\n"
    "entry's inclusion. Needs no access to the node. See docs/internals/audit.md.\n";

/* Add key: hex string of p[n] to object o (jansson copies it). */
static int
json_set_hex(json_t *o, const char *key, const uint8_t *p, size_t n)
{
	char *buf;
	int r;

	if (n > HL_DESCRIPTOR_MAX_BYTES || (buf = hl_malloc(2 * n + 1)) == NULL)
		return -1;
	hl_hex_encode(p, n, buf);
	r = json_object_set_new(o, key, json_string(buf));
	hl_free(buf);
	return r;
}

/* The node name and raw Ed25519 public key of a PEM certificate. */
static int
load_cert_pub(const char *path, uint8_t pub[HL_ED25519_PUB], char node[HL_NODE_NAME_MAX + 1],
    char *err, size_t errlen)
{
	FILE *fp = NULL;
	X509 *x = NULL;
	EVP_PKEY *pk;
	size_t n = HL_ED25519_PUB;
	int r = HL_ERR_CRYPTO;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return HL_ERR_IO;
	}
	if ((x = PEM_read_X509(fp, NULL, NULL, NULL)) == NULL) {
		snprintf(err, errlen, "%s: not a PEM certificate", path);
		goto out;
	}
	if ((pk = X509_get0_pubkey(x)) == NULL || EVP_PKEY_get_id(pk) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(pk, pub, &n) != 1 || n != HL_ED25519_PUB) {
		snprintf(err, errlen, "%s: not an Ed25519 certificate", path);
		goto out;
	}
	if (hl_pki_cert_node_name(x, node) != HL_OK) {
		snprintf(err, errlen, "%s: no hotline node name in the certificate", path);
		goto out;
	}
	r = HL_OK;
out:
	ERR_clear_error();
	X509_free(x);
	fclose(fp);
	return r;
}

static void
db_path(const struct hl_cli *c, char *path, size_t len)
{
	snprintf(path, len, "%s/hotline.db", c->cfg.data_dir);
}

/* The node's descriptor as it last stored it: NULL if there is none.
 * OUT: *len; caller frees. */
static uint8_t *
read_own_descriptor(const struct hl_cli *c, struct hl_store *s, size_t *len)
{
	uint8_t *d = NULL;

	*len = 0;
	if (hl_store_own_get(s, c->cfg.node, "descriptor", &d, len) != HL_OK)
		return NULL;
	return d;
}

static int
audit_verify_cmd(struct hl_cli *c, int argc, char **argv)
{
	int json = 0, help, npos, rc;
	struct hl_cli_opt opts[] = { { "json", 0, NULL, &json }, { NULL, 0, NULL, NULL } };
	char *pos[1], path[HL_PATH_MAX + 16], err[512], msg[600], node[HL_NODE_NAME_MAX + 1];
	uint8_t pub[HL_ED25519_PUB], *desc;
	struct hl_signer *sg = NULL;
	struct hl_store *s = NULL;
	uint64_t count = 0, bad = 0;
	size_t dl = 0;
	json_t *j;
	int r, have_pub;

	if ((rc = hl_cli_opts("audit verify", argc, argv, opts, &help, pos, 0, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_audit_usage, stdout);
		return EX_OK;
	}
	if ((rc = hl_cli_load_config(c)) != EX_OK)
		return rc;
	/* with the node's certificate the checkpoints' signatures are checked
	 * too; without it (unreadable) their roots still are */
	have_pub = load_cert_pub(c->cfg.cert_path, pub, node, err, sizeof(err)) == HL_OK;
	db_path(c, path, sizeof(path));
	err[0] = '\0';
	if ((r = hl_store_open_readonly(path, &s, err, sizeof(err))) != HL_OK)
		return hl_cli_fail(EX_FAIL, "audit: %s", err[0] != '\0' ? err : hl_strerror(r));
	/* and the ML-DSA keys of its descriptor, for hybrid-signed ones */
	if (have_pub) {
		if ((sg = hl_malloc(sizeof(*sg))) == NULL) {
			hl_store_close(s);
			return hl_cli_fail(EX_FAIL, "audit: out of memory");
		}
		desc = read_own_descriptor(c, s, &dl);
		if (hl_proof_signer(desc, dl, pub, sg) != HL_OK)
			fprintf(stderr, "audit: warning: the descriptor stored in %s is not this "
			    "node's; hybrid-signed checkpoints will not verify\n", path);
		hl_free(desc);
	}
	err[0] = '\0';
	if (have_pub)
		r = hl_store_audit_verify_signed(s, sg, &count, &bad, err, sizeof(err));
	else
		r = hl_store_audit_verify(s, &count, &bad, err, sizeof(err));
	hl_free(sg);
	hl_store_close(s);
	if (r != HL_OK && r != HL_ERR_CORRUPT)
		return hl_cli_fail(EX_FAIL, "audit: cannot verify %s: %s", path,
		    err[0] != '\0' ? err : hl_strerror(r));
	if (r == HL_OK)
		snprintf(msg, sizeof(msg), "%" PRIu64 " entries verified", count);
	else if (strncmp(err, "entry", 5) == 0)
		snprintf(msg, sizeof(msg), "%s", err);
	else
		snprintf(msg, sizeof(msg), "entry %" PRIu64 ": %s", bad,
		    err[0] != '\0' ? err : "does not verify");
	if (json) {
		j = r == HL_OK ?
		    json_pack("{s:b, s:I, s:n, s:s}", "ok", 1, "entries", (json_int_t)count,
		    "first_bad_seq", "message", msg) :
		    json_pack("{s:b, s:I, s:I, s:s}", "ok", 0, "entries", (json_int_t)count,
		    "first_bad_seq", (json_int_t)bad, "message", msg);
		if (j != NULL)
			hl_cli_print_json(j);
		json_decref(j);
	} else if (r == HL_OK) {
		printf("audit: %s\n", msg);
	}
	if (r != HL_OK)
		return hl_cli_fail(EX_FAIL, "audit: %s", msg);
	return EX_OK;
}

static int
audit_checkpoint_cmd(struct hl_cli *c, int argc, char **argv)
{
	int json = 0, help, npos, rc, r, fresh = 1;
	struct hl_cli_opt opts[] = { { "json", 0, NULL, &json }, { NULL, 0, NULL, NULL } };
	char *pos[1], path[HL_PATH_MAX + 16], err[512], roothex[2 * HL_SHA256 + 1];
	char when[HL_API_TIME_LEN];
	struct hl_store *s = NULL;
	struct hl_keys *k = NULL;
	struct hl_checkpoint cp;
	struct stat sb;
	uint8_t *raw = NULL;
	size_t len = 0;
	json_t *j = NULL;

	if ((rc = hl_cli_opts("audit checkpoint", argc, argv, opts, &help, pos, 0, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_audit_usage, stdout);
		return EX_OK;
	}
	if ((rc = hl_cli_load_config(c)) != EX_OK)
		return rc;
	db_path(c, path, sizeof(path));
	if (stat(path, &sb) != 0)
		return hl_cli_fail(EX_FAIL, "audit: no database at %s: %s", path, strerror(errno));
	rc = EX_FAIL;
	err[0] = '\0';
	if ((r = hl_store_open(path, &s, err, sizeof(err))) != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit: %s", err[0] != '\0' ? err : hl_strerror(r));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/kem", c->cfg.data_dir);
	if (c->cfg.seal_key[0] != '\0' &&
	    (r = hl_seal_kek_load(c->cfg.seal_key, err, sizeof(err))) != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit: %s", err);
		goto out;
	}
	r = hl_keys_open(c->cfg.key_path, path, &k, err, sizeof(err));
	hl_seal_kek_wipe();
	if (r != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit: cannot load the node key: %s",
		    err[0] != '\0' ? err : hl_strerror(r));
		goto out;
	}
	r = hl_store_audit_checkpoint(s, k, c->cfg.node, c->cfg.sig_suite, hl_now_ms(), &raw, &len);
	if (r == HL_ERR_EXISTS) {
		fresh = 0;
		r = hl_store_audit_checkpoint_last(s, &raw, &len);
	}
	if (r != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit: cannot make a checkpoint: %s (%s)", hl_strerror(r),
		    hl_store_errmsg(s));
		goto out;
	}
	if ((r = hl_checkpoint_decode(raw, len, &cp)) != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit: stored checkpoint is malformed");
		goto out;
	}
	hl_hex_encode(cp.root, HL_SHA256, roothex);
	hl_apijson_format_time(cp.time_ms, when);
	if (json) {
		if ((j = json_pack("{s:s, s:I, s:s, s:s, s:I, s:b}", "node", cp.node,
		    "size", (json_int_t)cp.size, "root", roothex, "time", when,
		    "time_ms", (json_int_t)cp.time_ms, "new", fresh)) == NULL ||
		    json_set_hex(j, "checkpoint", raw, len) != 0) {
			hl_cli_fail(EX_FAIL, "audit: out of memory");
			goto out;
		}
		hl_cli_print_json(j);
	} else {
		printf("checkpoint of %s at size %" PRIu64 ": root %s, %s%s\n", cp.node, cp.size,
		    roothex, when, fresh ? "" : " (latest; no new entries)");
	}
	rc = EX_OK;
out:
	json_decref(j);
	hl_free(raw);
	hl_keys_free(k);
	hl_store_close(s);
	return rc;
}

static int
audit_prove_cmd(struct hl_cli *c, int argc, char **argv)
{
	int json = 0, help, npos, rc = EX_FAIL, r;
	struct hl_cli_opt opts[] = { { "json", 0, NULL, &json }, { NULL, 0, NULL, NULL } };
	char *pos[1], path[HL_PATH_MAX + 16], err[512], idhex[HL_API_ID_HEX + 1];
	uint8_t id[HL_ID_BYTES], leaf[HL_SHA256], proof[HL_MERKLE_PROOF_MAX][HL_SHA256];
	struct hl_store *s = NULL;
	struct hl_audit_entry *a = NULL;
	struct hl_merkle_entry me;
	struct hl_checkpoint cp;
	uint8_t *raw = NULL, *desc = NULL;
	size_t dl = 0;
	size_t len = 0, n = 0, i, p, plen, included = 0;
	json_t *j = NULL, *arr = NULL, *e, *pa;

	if ((rc = hl_cli_opts("audit prove", argc, argv, opts, &help, pos, 1, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_audit_usage, stdout);
		return EX_OK;
	}
	if (npos != 1)
		return hl_cli_fail(EX_USAGE, "audit prove: expected an envelope id (see hotline audit --help)");
	if (hl_hex_parse_id(pos[0], id) != HL_OK)
		return hl_cli_fail(EX_USAGE, "audit prove: \"%.40s\" is not an envelope id (32 hex digits)",
		    pos[0]);
	if ((rc = hl_cli_load_config(c)) != EX_OK)
		return rc;
	rc = EX_FAIL;
	hl_hex_id(id, idhex);
	db_path(c, path, sizeof(path));
	err[0] = '\0';
	if ((r = hl_store_open_readonly(path, &s, err, sizeof(err))) != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit: %s", err[0] != '\0' ? err : hl_strerror(r));
		goto out;
	}
	r = hl_store_audit_checkpoint_last(s, &raw, &len);
	if (r == HL_ERR_NOT_FOUND) {
		hl_cli_fail(EX_FAIL, "audit prove: no checkpoint yet (run \"hotline audit checkpoint\")");
		goto out;
	}
	if (r != HL_OK || hl_checkpoint_decode(raw, len, &cp) != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit prove: cannot read the latest checkpoint: %s",
		    r != HL_OK ? hl_store_errmsg(s) : "malformed");
		goto out;
	}
	if ((r = hl_store_audit_by_id(s, id, 10000, &a, &n)) != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit prove: %s (%s)", hl_strerror(r), hl_store_errmsg(s));
		goto out;
	}
	if ((j = json_pack("{s:s, s:s, s:s, s:I}", "format", "hotline-audit-proof-v1",
	    "node", cp.node, "envelope_id", idhex, "tree_size", (json_int_t)cp.size)) == NULL ||
	    json_set_hex(j, "root", cp.root, HL_SHA256) != 0 ||
	    json_set_hex(j, "checkpoint", raw, len) != 0 ||
	    json_object_set_new(j, "entries", arr = json_array()) != 0 || arr == NULL)
		goto nomem;
	/* a hybrid-signed checkpoint is checked with the descriptor's ML-DSA key */
	if ((desc = read_own_descriptor(c, s, &dl)) != NULL && json_set_hex(j, "descriptor", desc, dl) != 0) {
		hl_free(desc);
		goto nomem;
	}
	hl_free(desc);
	for (i = 0; i < n; i++) {
		char when[HL_API_TIME_LEN];

		if (a[i].seq == 0 || a[i].seq > cp.size)
			continue;   /* after the checkpoint: in the next one */
		if ((r = hl_store_audit_inclusion(s, a[i].seq, cp.size, proof, &plen)) != HL_OK) {
			hl_cli_fail(EX_FAIL, "audit prove: entry %" PRIu64 ": %s (%s)", a[i].seq,
			    hl_strerror(r), hl_store_errmsg(s));
			goto out;
		}
		memset(&me, 0, sizeof(me));
		me.seq = a[i].seq;
		me.time_ms = a[i].time_ms;
		me.event = a[i].event;
		me.event_len = strlen(a[i].event);
		me.has_id = 1;
		memcpy(me.id, id, HL_ID_BYTES);
		me.actor = a[i].actor;
		me.actor_len = strlen(a[i].actor);
		me.detail = a[i].detail;
		me.detail_len = strlen(a[i].detail);
		/* never hand out a proof that does not verify */
		if (hl_merkle_entry_leaf(&me, leaf) != HL_OK ||
		    hl_merkle_inclusion_verify(a[i].seq - 1, cp.size, leaf,
		    (const uint8_t (*)[HL_SHA256])proof, plen, cp.root) != HL_OK) {
			hl_cli_fail(EX_FAIL, "audit prove: entry %" PRIu64 " does not match the checkpoint "
			    "at size %" PRIu64 " (run \"hotline audit verify\")", a[i].seq, cp.size);
			goto out;
		}
		hl_apijson_format_time(a[i].time_ms, when);
		if ((e = json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s}",
		    "seq", (json_int_t)a[i].seq, "index", (json_int_t)(a[i].seq - 1),
		    "time_ms", (json_int_t)a[i].time_ms, "time", when, "event", a[i].event,
		    "envelope_id", idhex, "actor", a[i].actor, "detail", a[i].detail)) == NULL ||
		    json_array_append_new(arr, e) != 0 || json_set_hex(e, "leaf", leaf,
		    HL_SHA256) != 0 || json_object_set_new(e, "proof", pa = json_array()) != 0 ||
		    pa == NULL)
			goto nomem;
		for (p = 0; p < plen; p++) {
			char h[2 * HL_SHA256 + 1];

			hl_hex_encode(proof[p], HL_SHA256, h);
			if (json_array_append_new(pa, json_string(h)) != 0)
				goto nomem;
		}
		included++;
	}
	if (included == 0) {
		hl_cli_fail(EX_FAIL, "audit prove: no audit entry of %s in the checkpoint at size %" PRIu64
		    "%s", idhex, cp.size, n > 0 ? " (newer entries: make a new checkpoint)" : "");
		goto out;
	}
	hl_cli_print_json(j);
	rc = EX_OK;
	goto out;
nomem:
	hl_cli_fail(EX_FAIL, "audit prove: out of memory");
out:
	json_decref(j);
	hl_free(a);
	hl_free(raw);
	hl_store_close(s);
	return rc;
}

static int
audit_check_proof_cmd(int argc, char **argv)
{
	int help, npos, rc = EX_FAIL;
	const char *cert = NULL;
	struct hl_cli_opt opts[] = { { "cert", 1, &cert, NULL }, { NULL, 0, NULL, NULL } };
	char *pos[1], err[512], node[HL_NODE_NAME_MAX + 1];
	uint8_t pub[HL_ED25519_PUB], *text = NULL;
	struct hl_checkpoint cp;
	size_t len = 0, n = 0;

	if ((rc = hl_cli_opts("audit check-proof", argc, argv, opts, &help, pos, 1, &npos)) !=
	    EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_audit_usage, stdout);
		return EX_OK;
	}
	if (npos != 1 || cert == NULL)
		return hl_cli_fail(EX_USAGE, "audit check-proof: expected --cert CERT.pem FILE "
		    "(see hotline audit --help)");
	rc = EX_FAIL;
	if (load_cert_pub(cert, pub, node, err, sizeof(err)) != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit check-proof: %s", err);
		goto out;
	}
	if (hl_cli_read_file(pos[0], HL_PROOF_MAX_BYTES, &text, &len, err, sizeof(err)) != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit check-proof: %s", err);
		goto out;
	}
	/* proof.c: the bundle is untrusted input (fuzz/fuzz_proof.c) */
	if (hl_proof_check(text, len, node, pub, &cp, &n, err, sizeof(err)) != HL_OK) {
		hl_cli_fail(EX_FAIL, "audit check-proof: %s: %s", pos[0], err);
		goto out;
	}
	printf("proof OK: %zu entr%s included in checkpoint of %s at size %" PRIu64 "\n", n,
	    n == 1 ? "y" : "ies", cp.node, cp.size);
	rc = EX_OK;
out:
	if (text != NULL)
		hl_free_secret(text, len + 1);
	return rc;
}

int
hl_cli_audit(struct hl_cli *c, int argc, char **argv)
{
	if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
		fputs(hl_cli_audit_usage, stdout);
		return EX_OK;
	}
	if (argc >= 1 && strcmp(argv[0], "verify") == 0)
		return audit_verify_cmd(c, argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "checkpoint") == 0)
		return audit_checkpoint_cmd(c, argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "prove") == 0)
		return audit_prove_cmd(c, argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "check-proof") == 0)
		return audit_check_proof_cmd(argc - 1, argv + 1);
	return hl_cli_fail(EX_USAGE, "audit: expected \"audit verify\", \"audit checkpoint\", "
	    "\"audit prove\" or \"audit check-proof\" (see hotline audit --help)");
}
