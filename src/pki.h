/* pki.h: partner CAs and node certificates (Ed25519, X.509v3) and the
 * federation generator behind "hotline pki init". */
#ifndef HL_PKI_H
#define HL_PKI_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "buf.h"
#include "errors.h"
#include "hl_limits.h"

/* URI SAN of a node certificate: "urn:hotline:node:" + node name. */
#define HL_NODE_URI_PREFIX "urn:hotline:node:"
/* URI SAN of an operator certificate: "urn:hotline:operator:" + partner
 * + "/" + operator name (docs/API.md, "Client certificates"). */
#define HL_OPERATOR_URI_PREFIX "urn:hotline:operator:"

/* New CA for partner in dir: ca.key (0600), ca.crt. valid_days from now. */
HL_WUR int hl_pki_make_ca(const char *dir, const char *partner, unsigned valid_days,
    char *err, size_t errlen);
/* Renew: a new certificate for a key the node has (its public half), from
 * the CA in ca_dir, replacing cert_path (a new file renamed over it). */
HL_WUR int hl_pki_renew_node(const char *ca_dir, const char *node, EVP_PKEY *key,
    int64_t not_before, int64_t not_after, const char *cert_path, char *err, size_t errlen);
/* Renew the console certificate of key (console CA in ca_dir). */
HL_WUR int hl_pki_renew_console(const char *ca_dir, const char *node, EVP_PKEY *key,
    const char *cert_path, char *err, size_t errlen);
/* The console's CA beside the partner CA in dir: console-ca.key (0600),
 * console-ca.crt, ECDSA P-256 (browsers take no Ed25519). */
HL_WUR int hl_pki_make_console_ca(const char *dir, const char *partner, char *err,
    size_t errlen);
/* A console certificate (ECDSA P-256, serverAuth, localhost and
 * 127.0.0.1, 397 days) for node from the console CA in ca_dir; the key
 * sealed under kek unless NULL. */
HL_WUR int hl_pki_issue_console(const char *ca_dir, const char *node, const char *key_path,
    const char *cert_path, const uint8_t *kek, char *err, size_t errlen);
/* Issue a node key + certificate signed by the CA in ca_dir. Validity is
 * [not_before, not_after] in unix seconds (lets tests make expired and
 * not-yet-valid certificates). Writes key_path (0600) and cert_path. */
HL_WUR int hl_pki_issue_node(const char *ca_dir, const char *node, int64_t not_before,
    int64_t not_after, const char *key_path, const char *cert_path, char *err, size_t errlen);
/* The same, the key sealed under kek (sealfile.h) when kek is not NULL. */
HL_WUR int hl_pki_issue_node_sealed(const char *ca_dir, const char *node, int64_t not_before,
    int64_t not_after, const char *key_path, const char *cert_path, const uint8_t *kek,
    char *err, size_t errlen);
/* A revocation notice (revoke.h) for the certificate at cert_path, signed
 * by the CA in ca_dir, which must have issued it. OUT: out (the notice). */
HL_WUR int hl_pki_revoke(const char *ca_dir, const char *cert_path, const char *reason,
    uint64_t now_ms, struct hl_buf *out, char *err, size_t errlen);
/* The notAfter of the certificate in a PEM file, Unix seconds. */
HL_WUR int hl_pki_cert_not_after(const char *cert_path, int64_t *not_after_s, char *err,
    size_t errlen);
/* SHA-256 of the DER of the certificate in a PEM file. */
HL_WUR int hl_pki_cert_sha256(const char *cert_path, uint8_t out[static HL_SHA256],
    char *err, size_t errlen);
/* The node name in a certificate's URI SAN (X509 *). HL_ERR_NOT_FOUND if none. */
HL_WUR int hl_pki_cert_node_name(const void *x509, char out[HL_NODE_NAME_MAX + 1]);
/* An operator key (Ed25519, PEM in clear, 0600: the CLI holds no seal
 * key) + certificate from the CA in ca_dir for op ("PARTNER/name"): URI
 * SAN HL_OPERATOR_URI_PREFIX op, extended key usage eku (NULL:
 * clientAuth; tests give others), validity [not_before, not_after]. */
HL_WUR int hl_pki_issue_operator(const char *ca_dir, const char *op, int64_t not_before,
    int64_t not_after, const char *eku, const char *key_path, const char *cert_path,
    char *err, size_t errlen);
/* The operator a certificate (X509 *, its chain already verified) names
 * for this node's partner: exactly one URI SAN HL_OPERATOR_URI_PREFIX
 * "partner/NAME", no node name, not a CA, extended key usage with
 * clientAuth. OUT: name. HL_OK; HL_ERR_NOT_FOUND (names no operator),
 * HL_ERR_MALFORMED, HL_ERR_DENIED (another partner's operator, another
 * usage); *why says which, for the audit (a static string). */
HL_WUR int hl_pki_cert_operator(const void *x509, const char *partner,
    char name[HL_OPERATOR_MAX + 1], const char **why);

/* The federation: for each partner P, dir/P/{ca.key,ca.crt,node.key,node.crt,
 * tls.key,tls.crt,node.conf,admin.password}, node name "P/node-1": node.key
 * is the signing key, tls.key a separate TLS key (links, operator API), both
 * certified by P's CA with the same URI SAN; peer ports base_port + i
 * (links) and base_port + 100 + i (operator API). Every peer is wired in
 * with its CA pin and accreditation (default SECRET). */
HL_WUR int hl_pki_init_federation(const char *dir, const char *const *partners,
    unsigned npartners, unsigned base_port, char *err, size_t errlen);
/* Add partner (its CA, console CA, seal key and node, as pki init makes
 * them) to the federation pki init made in dir, whose n partners names
 * listen on base, base + 1, ...: its node.conf lists them all, and each of
 * their node.conf gets a [peer] section for it (applied by the running
 * nodes at SIGHUP). */
HL_WUR int hl_pki_add_partner(const char *dir, const char *const *names, unsigned n,
    unsigned base, const char *partner, char *err, size_t errlen);

#endif
