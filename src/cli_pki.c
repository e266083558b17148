/* cli_pki.c: "hotline pki init" (docs/CLI.md): CAs, node certificates and
 * configurations for a federation, made locally. */

#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "label.h"
#include "pki.h"
#include "sealfile.h"

/* ---- pki init ---- */

const char hl_cli_pki_usage[] =
    "usage: hotline pki init --dir DIR --partners P1,P2,... [--base-port N]\n"
    "\n"
    "Create one CA per partner under DIR/ca/P/ (ca.key, ca.crt: keep it offline,\n"
    "apart from the nodes) and one node (P/node-1) under DIR/P/: ca.crt, node.key,\n"
    "node.crt, tls.key, tls.crt, node.conf, admin.password. Node i listens for peers on\n"
    "127.0.0.1:N+i and for operators on 127.0.0.1:N+100+i (N defaults to 7400).\n"
    "Each node's private keys are sealed under its seal key, DIR/seal/P.key, which\n"
    "its node.conf names (seal_key): keep it off the node's disk in production.\n"
    "Works locally; needs no node.\n"
    "\n"
    "       hotline -c node.conf pki seal\n"
    "\n"
    "Seal the node's key files still in clear (key, tls_key, data/kem/*.key) under\n"
    "the seal_key its configuration names, in place, keeping their owner. Run it\n"
    "with the node stopped, after adding seal_key (docs/INSTALL.md).\n"
    "\n"
    "       hotline -c node.conf pki renew --ca CADIR [--days N]\n"
    "\n"
    "Renew the node's certificates (certificate, tls_certificate, and\n"
    "console_certificate when CADIR has the console CA) for the keys it has, from\n"
    "the CA in CADIR (ca.key, ca.crt), valid N days from now (default 365; the\n"
    "console's 397). The keys stay; each file is replaced whole. Reload the node\n"
    "(SIGHUP) to present them (docs/INSTALL.md, \"Renewing certificates\").\n"
    "\n"
    "       hotline pki revoke --ca CADIR --cert CERT [--reason TEXT] --out FILE\n"
    "\n"
    "Sign, with the CA in CADIR, a revocation notice for a node certificate it\n"
    "issued (CERT: a node's tls.crt or node.crt), to give to any node of the\n"
    "federation (hotline revoke FILE), which passes it on to all the others.\n"
    "\n"
    "       hotline pki add-partner --dir DIR --partner P\n"
    "\n"
    "Add partner P to the federation pki init made in DIR: its CA, seal key and\n"
    "node, as pki init makes them, on the next ports; every existing node.conf\n"
    "gets a [peer P/node-1] section, which the running nodes apply at SIGHUP.\n";

/* Seal path in place when it is in clear. OUT: *done (1 sealed now). */
static int
seal_one(const char *path, unsigned *sealed, unsigned *already)
{
	uint8_t *pt = NULL;
	size_t ptlen = 0;
	char err[HL_PATH_MAX + 256];
	int was = 0, r;

	if ((r = hl_seal_read_file(path, &pt, &ptlen, &was, err, sizeof(err))) != HL_OK)
		return hl_cli_fail(EX_FAIL, "pki seal: %s", err);
	if (was) {
		(*already)++;
	} else if ((r = hl_seal_write_file(path, pt, ptlen, err, sizeof(err))) != HL_OK) {
		hl_free_secret(pt, ptlen);
		return hl_cli_fail(EX_FAIL, "pki seal: %s", err);
	} else {
		printf("sealed %s\n", path);
		(*sealed)++;
	}
	hl_free_secret(pt, ptlen);
	return EX_OK;
}

/* Renew the certificate at cert for the key at key. */
static int
renew_one(struct hl_cli *c, const char *ca, const char *key, const char *cert, int console,
    int64_t days)
{
	char err[HL_PATH_MAX + 256];
	EVP_PKEY *k = NULL;
	int64_t now = (int64_t)time(NULL), na = 0;
	int r;

	if ((r = hl_seal_read_pkey(key, &k, err, sizeof(err))) != HL_OK)
		return hl_cli_fail(EX_FAIL, "pki renew: %s", err);
	r = console ? hl_pki_renew_console(ca, c->cfg.node, k, cert, err, sizeof(err)) :
	    hl_pki_renew_node(ca, c->cfg.node, k, now - 3600, now + days * 86400, cert, err,
	    sizeof(err));
	EVP_PKEY_free(k);
	if (r != HL_OK)
		return hl_cli_fail(EX_FAIL, "pki renew: %s", err);
	if (hl_pki_cert_not_after(cert, &na, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_FAIL, "pki renew: %s", err);
	{
		time_t t = (time_t)na;
		struct tm tm;
		char when[32] = "?";

		if (gmtime_r(&t, &tm) != NULL)
			(void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		printf("renewed %s: valid until %s (%lld days)\n", cert, when,
		    (long long)((na - now) / 86400));
	}
	return EX_OK;
}

/* hotline -c node.conf pki renew --ca CADIR [--days N] */
static int
pki_renew(struct hl_cli *c, int argc, char **argv)
{
	const char *ca = NULL, *days_s = NULL;
	struct hl_cli_opt opts[] = { { "ca", 1, &ca, NULL }, { "days", 1, &days_s, NULL },
		{ NULL, 0, NULL, NULL } };
	char *pos[1], err[HL_PATH_MAX + 256], cca[HL_PATH_MAX + 32], *end;
	long days = 365;
	int help, npos, rc;

	if ((rc = hl_cli_opts("pki renew", argc, argv, opts, &help, pos, 0, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_pki_usage, stdout);
		return EX_OK;
	}
	if (ca == NULL)
		return hl_cli_fail(EX_USAGE, "pki renew: --ca CADIR is required");
	if (days_s != NULL) {
		errno = 0;
		days = strtol(days_s, &end, 10);
		if (errno != 0 || *end != '\0' || days < 1 || days > 3650)
			return hl_cli_fail(EX_USAGE, "pki renew: --days must be 1..3650");
	}
	if ((rc = hl_cli_load_config(c)) != EX_OK)
		return rc;
	if (c->cfg.seal_key[0] != '\0' && hl_seal_kek_load(c->cfg.seal_key, err, sizeof(err)) !=
	    HL_OK)
		return hl_cli_fail(EX_FAIL, "pki renew: %s", err);
	rc = renew_one(c, ca, c->cfg.key_path, c->cfg.cert_path, 0, days);
	if (rc == EX_OK && strcmp(c->cfg.tls_cert_path, c->cfg.cert_path) != 0)
		rc = renew_one(c, ca, c->cfg.tls_key_path, c->cfg.tls_cert_path, 0, days);
	snprintf(cca, sizeof(cca), "%s/console-ca.key", ca);
	if (rc == EX_OK && c->cfg.console_cert_path[0] != '\0' && access(cca, F_OK) == 0)
		rc = renew_one(c, ca, c->cfg.console_key_path, c->cfg.console_cert_path, 1, days);
	hl_seal_kek_wipe();
	if (rc == EX_OK)
		printf("reload the node to present them (SIGHUP: systemctl reload hotlined); its "
		    "links stay up\n");
	return rc;
}

/* hotline pki revoke --ca CADIR --cert CERT [--reason TEXT] --out FILE */
static int
pki_revoke(int argc, char **argv)
{
	const char *ca = NULL, *cert = NULL, *reason = NULL, *out = NULL;
	struct hl_cli_opt opts[] = { { "ca", 1, &ca, NULL }, { "cert", 1, &cert, NULL },
		{ "reason", 1, &reason, NULL }, { "out", 1, &out, NULL }, { NULL, 0, NULL, NULL } };
	char *pos[1], err[HL_PATH_MAX + 256];
	struct hl_buf b;
	FILE *f;
	int help, npos, rc;

	if ((rc = hl_cli_opts("pki revoke", argc, argv, opts, &help, pos, 0, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_pki_usage, stdout);
		return EX_OK;
	}
	if (ca == NULL || cert == NULL || out == NULL)
		return hl_cli_fail(EX_USAGE, "pki revoke: --ca, --cert and --out are required");
	if (reason == NULL)
		reason = "compromised";
	if (hl_pki_revoke(ca, cert, reason, hl_now_ms(), &b, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_FAIL, "pki revoke: %s", err);
	rc = EX_OK;
	if ((f = fopen(out, "wx")) == NULL || fwrite(b.data, 1, b.len, f) != b.len) {
		rc = hl_cli_fail(EX_FAIL, "pki revoke: %s: %s", out, strerror(errno));
	} else {
		printf("revocation notice for %s written to %s: give it to any node of the "
		    "federation (hotline revoke %s)\n", cert, out, out);
	}
	if (f != NULL && fclose(f) != 0 && rc == EX_OK)
		rc = hl_cli_fail(EX_FAIL, "pki revoke: %s: %s", out, strerror(errno));
	hl_buf_free(&b);
	return rc;
}

/* The partners of a federation pki init made in dir: each DIR/P/node.conf,
 * in the order of their listen ports (base, base + 1, ...). */
static int
existing_partners(const char *dir, char names[][HL_PARTNER_MAX + 1], unsigned *n,
    unsigned *base, char *err, size_t errlen)
{
	struct hl_config *c = NULL;
	char path[HL_PATH_MAX + 32], ports_names[HL_PEERS_MAX + 1][HL_PARTNER_MAX + 1];
	unsigned ports[HL_PEERS_MAX + 1], cnt = 0, i, j;
	struct dirent *de;
	DIR *d;
	int r = HL_OK;

	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return HL_ERR_IO;
	}
	if ((c = hl_calloc(1, sizeof(*c))) == NULL) {
		closedir(d);
		return HL_ERR_NOMEM;
	}
	while ((de = readdir(d)) != NULL && r == HL_OK) {
		if (!hl_partner_valid(de->d_name) || (size_t)snprintf(path, sizeof(path),
		    "%s/%s/node.conf", dir, de->d_name) >= sizeof(path))
			continue;
		if (access(path, F_OK) != 0)
			continue;
		if (cnt >= HL_PEERS_MAX) {
			snprintf(err, errlen, "%s: a federation of %d partners is full", dir,
			    HL_PEERS_MAX + 1);
			r = HL_ERR_FULL;
		} else if ((r = hl_config_load(path, c, err, errlen)) == HL_OK) {
			ports[cnt] = c->listen_port;
			snprintf(ports_names[cnt++], HL_PARTNER_MAX + 1, "%s", c->partner);
		}
	}
	closedir(d);
	hl_free(c);
	if (r != HL_OK)
		return r;
	if (cnt == 0) {
		snprintf(err, errlen, "%s holds no federation (no P/node.conf)", dir);
		return HL_ERR_NOT_FOUND;
	}
	/* by port (few: a selection sort), which must run base .. base + n - 1 */
	for (i = 0; i < cnt; i++) {
		for (j = i + 1; j < cnt; j++) {
			if (ports[j] < ports[i]) {
				unsigned t = ports[i];
				char tn[HL_PARTNER_MAX + 1];

				ports[i] = ports[j];
				ports[j] = t;
				memcpy(tn, ports_names[i], sizeof(tn));
				memcpy(ports_names[i], ports_names[j], sizeof(tn));
				memcpy(ports_names[j], tn, sizeof(tn));
			}
		}
	}
	for (i = 0; i < cnt; i++) {
		if (ports[i] != ports[0] + i) {
			snprintf(err, errlen, "%s: its nodes' ports are not the ones pki init "
			    "gives (%u expected, %u found)", dir, ports[0] + i, ports[i]);
			return HL_ERR_CONFIG;
		}
		memcpy(names[i], ports_names[i], HL_PARTNER_MAX + 1);
	}
	*n = cnt;
	*base = ports[0];
	return HL_OK;
}

/* hotline pki add-partner --dir DIR --partner P */
static int
pki_add_partner(int argc, char **argv)
{
	const char *dir = NULL, *partner = NULL;
	struct hl_cli_opt opts[] = { { "dir", 1, &dir, NULL }, { "partner", 1, &partner, NULL },
		{ NULL, 0, NULL, NULL } };
	char *pos[1], err[HL_PATH_MAX + 256], names[HL_PEERS_MAX + 1][HL_PARTNER_MAX + 1];
	const char *list[HL_PEERS_MAX + 1];
	unsigned n = 0, base = 0, i;
	int help, npos, rc;

	if ((rc = hl_cli_opts("pki add-partner", argc, argv, opts, &help, pos, 0, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_pki_usage, stdout);
		return EX_OK;
	}
	if (dir == NULL || partner == NULL)
		return hl_cli_fail(EX_USAGE, "pki add-partner: --dir and --partner are required");
	if (existing_partners(dir, names, &n, &base, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_FAIL, "pki add-partner: %s", err);
	for (i = 0; i < n; i++)
		list[i] = names[i];
	if (hl_pki_add_partner(dir, list, n, base, partner, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_FAIL, "pki add-partner: %s", err);
	printf("added %s to the federation in %s: node %s/node-1 in %s/%s/, peers on "
	    "127.0.0.1:%u, API https://127.0.0.1:%u/\n", partner, dir, partner, dir, partner,
	    base + n, base + 100 + n);
	printf("each node's node.conf got a [peer %s/node-1] section: reload them (SIGHUP, "
	    "systemctl reload), then start it: hotlined -c %s/%s/node.conf\n", partner, dir,
	    partner);
	return EX_OK;
}

/* hotline -c node.conf pki seal */
static int
pki_seal(struct hl_cli *c)
{
	char kem[HL_PATH_MAX + 8], path[HL_PATH_MAX + 300], err[HL_PATH_MAX + 256];
	unsigned sealed = 0, already = 0;
	struct dirent *de;
	size_t nl;
	DIR *d;
	int rc;

	if ((rc = hl_cli_load_config(c)) != EX_OK)
		return rc;
	if (c->cfg.seal_key[0] == '\0')
		return hl_cli_fail(EX_USAGE, "pki seal: %s has no seal_key (docs/CONFIG.md)",
		    c->conf_path);
	if (hl_seal_kek_load(c->cfg.seal_key, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_FAIL, "pki seal: %s", err);
	rc = seal_one(c->cfg.key_path, &sealed, &already);
	if (rc == EX_OK && strcmp(c->cfg.tls_key_path, c->cfg.key_path) != 0)
		rc = seal_one(c->cfg.tls_key_path, &sealed, &already);
	snprintf(kem, sizeof(kem), "%s/kem", c->cfg.data_dir);
	if (rc == EX_OK && (d = opendir(kem)) != NULL) {
		while (rc == EX_OK && (de = readdir(d)) != NULL) {
			nl = strlen(de->d_name);
			if (nl < 5 || strcmp(de->d_name + nl - 4, ".key") != 0 ||
			    (size_t)snprintf(path, sizeof(path), "%s/%s", kem, de->d_name) >=
			    sizeof(path))
				continue;
			rc = seal_one(path, &sealed, &already);
		}
		closedir(d);
	}
	hl_seal_kek_wipe();
	if (rc == EX_OK)
		printf("%u key file(s) sealed now, %u sealed already\n", sealed, already);
	return rc;
}

int
hl_cli_pki(struct hl_cli *cli, int argc, char **argv)
{
	struct hl_config *loaded = NULL;
	const char *dir = NULL, *partners = NULL, *bp = NULL;
	struct hl_cli_opt opts[] = {
		{ "dir", 1, &dir, NULL }, { "partners", 1, &partners, NULL },
		{ "base-port", 1, &bp, NULL }, { NULL, 0, NULL, NULL },
	};
	char *pos[2], list[HL_PEERS_MAX + 1][HL_PARTNER_MAX + 1], err[512], conf[HL_PATH_MAX + 32];
	const char *names[HL_PEERS_MAX + 1];
	const char *p, *c;
	unsigned n = 0, i, k, base = 7400;
	size_t len;
	int help, npos, rc;
	char *end;
	unsigned long v;

	if (argc == 1 && strcmp(argv[0], "seal") == 0)
		return pki_seal(cli);
	if (argc >= 1 && strcmp(argv[0], "renew") == 0)
		return pki_renew(cli, argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "revoke") == 0)
		return pki_revoke(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "add-partner") == 0)
		return pki_add_partner(argc - 1, argv + 1);
	/* init works on files only: no node, no configuration of its own */
	if (argc < 1 || strcmp(argv[0], "init") != 0) {
		if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
			fputs(hl_cli_pki_usage, stdout);
			return EX_OK;
		}
		return hl_cli_fail(EX_USAGE, "pki: expected \"pki init\", \"pki seal\" or \"pki "
		    "renew\" (see hotline pki --help)");
	}
	if ((rc = hl_cli_opts("pki init", argc - 1, argv + 1, opts, &help, pos, 0, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_pki_usage, stdout);
		return EX_OK;
	}
	if (dir == NULL || partners == NULL)
		return hl_cli_fail(EX_USAGE, "pki init: --dir and --partners are required");
	for (p = partners; *p != '\0'; p = *c == ',' ? c + 1 : c) {
		c = strchr(p, ',');
		if (c == NULL)
			c = p + strlen(p);
		len = (size_t)(c - p);
		if (n >= HL_PEERS_MAX + 1)
			return hl_cli_fail(EX_USAGE, "pki init: at most %d partners", HL_PEERS_MAX + 1);
		if (len > HL_PARTNER_MAX || len == 0)
			return hl_cli_fail(EX_USAGE, "pki init: bad partner code \"%.*s\"", (int)(len > 16 ? 16 : len), p);
		memcpy(list[n], p, len);
		list[n][len] = '\0';
		if (!hl_partner_valid(list[n]))
			return hl_cli_fail(EX_USAGE, "pki init: bad partner code \"%s\" (2-8 of A-Z, 0-9)", list[n]);
		for (k = 0; k < n; k++)
			if (strcmp(list[k], list[n]) == 0)
				return hl_cli_fail(EX_USAGE, "pki init: partner %s given twice", list[n]);
		names[n] = list[n];
		n++;
	}
	if (n < 2)
		return hl_cli_fail(EX_USAGE, "pki init: a federation needs at least two partners");
	if (bp != NULL) {
		errno = 0;
		v = strtoul(bp, &end, 10);
		if (errno != 0 || *end != '\0' || bp[0] == '\0' || bp[0] == '-' || v < 1024 ||
		    v + 100 + n > 65535)
			return hl_cli_fail(EX_USAGE, "pki init: --base-port must be a number from 1024 to %u",
			    65535 - 100 - n);
		base = (unsigned)v;
	}
	if (hl_pki_init_federation(dir, names, n, base, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_FAIL, "pki init: %s", err);
	/* what was generated must load */
	if ((loaded = hl_calloc(1, sizeof(*loaded))) == NULL)
		return hl_cli_fail(EX_FAIL, "out of memory");
	rc = EX_OK;
	for (i = 0; i < n && rc == EX_OK; i++) {
		snprintf(conf, sizeof(conf), "%s/%s/node.conf", dir, names[i]);
		if (hl_config_load(conf, loaded, err, sizeof(err)) != HL_OK)
			rc = hl_cli_fail(EX_FAIL, "pki init: the generated configuration does not "
			    "load: %s", err);
	}
	hl_free(loaded);
	if (rc != EX_OK)
		return rc;
	printf("created a federation of %u partners in %s (one CA and one node each):\n", n, dir);
	for (i = 0; i < n; i++)
		printf("  %-6s %s/%s/  node %s/node-1  peers on 127.0.0.1:%u  API https://127.0.0.1:%u/\n",
		    names[i], dir, names[i], names[i], base + i, base + 100 + i);
	printf("start each node with:\n");
	for (i = 0; i < n; i++) {
		snprintf(conf, sizeof(conf), "%s/%s/node.conf", dir, names[i]);
		printf("  hotlined -c %s\n", conf);
	}
	printf("operate it with: hotline -c %s/%s/node.conf status  (operator admin, password in %s/%s/admin.password)\n",
	    dir, names[0], dir, names[0]);
	return EX_OK;
}
