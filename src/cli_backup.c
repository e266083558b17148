/* cli_backup.c: hotline backup, backup verify, restore (backup.h). Work
 * offline on files; a backup may be taken while the node runs (the
 * database is copied with VACUUM INTO, envelope files are never rewritten). */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "alloc.h"
#include "backup.h"
#include "cli.h"
#include "config.h"
#include "sealfile.h"
#include "store.h"

const char hl_cli_backup_usage[] =
    "usage: hotline -c node.conf backup FILE\n"
    "       hotline -c node.conf backup verify FILE\n"
    "       hotline restore FILE DIR (-c node.conf | --seal-key file:PATH|credential:NAME)\n"
    "\n"
    "backup: write a sealed backup of the node to FILE (which must not exist): its\n"
    "configuration, certificates and key files from its directory (the keys stay\n"
    "sealed), a snapshot of its database taken while it runs, its KEM keys and its\n"
    "envelope files, all sealed under a key derived from the node's seal key.\n"
    "The seal key itself is not in the backup: keep it apart.\n"
    "backup verify: open every chunk and check every file's SHA-256, then check the\n"
    "database's audit log.\n"
    "restore: the same checks, then write the files into DIR (which must not exist),\n"
    "as they were under the node's directory.\n";

#define BK_FILES_MAX 100000

/* ---- writing ---- */

static long
read_fd(void *arg, uint8_t *buf, size_t cap)
{
	ssize_t n;

	do
		n = read(*(int *)arg, buf, cap);
	while (n == -1 && errno == EINTR);
	return (long)n;
}

/* Add the file at path as name. missing_ok: a file gone meanwhile is skipped. */
static int
add_file(struct hl_backup_w *w, const char *path, const char *name, int missing_ok,
    unsigned *n)
{
	struct stat st;
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (missing_ok && errno == ENOENT)
			return EX_OK;
		return hl_cli_fail(EX_FAIL, "backup: %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return hl_cli_fail(EX_FAIL, "backup: %s: not a regular file", path);
	}
	r = hl_backup_w_entry(w, name, (uint64_t)st.st_size, read_fd, &fd);
	close(fd);
	if (r != HL_OK)
		return hl_cli_fail(EX_FAIL, "backup: %s: %s (did it change while read?)", path,
		    hl_strerror(r));
	(*n)++;
	return EX_OK;
}

/* Every regular file of dir/sub as data/sub/NAME (names the format
 * accepts): the data directory's files under "data/" whatever its path. */
static int
add_dir(struct hl_backup_w *w, const char *dir, const char *sub, unsigned *n)
{
	char d[HL_PATH_MAX + 64], p[HL_PATH_MAX + 400], name[HL_BACKUP_NAME_MAX + 1];
	struct dirent *de;
	DIR *dp;
	int rc = EX_OK;

	snprintf(d, sizeof(d), "%s/%s", dir, sub);
	if ((dp = opendir(d)) == NULL)
		return errno == ENOENT ? EX_OK : hl_cli_fail(EX_FAIL, "backup: %s: %s", d,
		    strerror(errno));
	while (rc == EX_OK && (de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(name, sizeof(name), "data/%s/%s", sub, de->d_name) >=
		    sizeof(name) ||
		    !hl_backup_name_ok(name, strlen(name)))
			continue;
		snprintf(p, sizeof(p), "%s/%s", d, de->d_name);
		if (*n >= BK_FILES_MAX)
			rc = hl_cli_fail(EX_FAIL, "backup: more than %d files", BK_FILES_MAX);
		else
			rc = add_file(w, p, name, 1, n);
	}
	closedir(dp);
	return rc;
}

/* path relative to base when it is inside it. OUT: rel. */
static int
inside(const char *base, const char *path, char rel[HL_BACKUP_NAME_MAX + 1])
{
	char rb[PATH_MAX], rp[PATH_MAX];
	size_t n;

	if (realpath(base, rb) == NULL || realpath(path, rp) == NULL)
		return 0;
	n = strlen(rb);
	if (strncmp(rb, rp, n) != 0 || rp[n] != '/' ||
	    (size_t)snprintf(rel, HL_BACKUP_NAME_MAX + 1, "%s", rp + n + 1) > HL_BACKUP_NAME_MAX)
		return 0;
	return hl_backup_name_ok(rel, strlen(rel));
}

/* The node's files from its directory: configuration, certificates, keys. */
static int
add_node_files(struct hl_backup_w *w, const struct hl_cli *c, const char *base, unsigned *n)
{
	const char *files[] = {
		c->conf_path, c->cfg.cert_path, c->cfg.key_path, c->cfg.ca_path,
		c->cfg.tls_cert_path, c->cfg.tls_key_path, c->cfg.console_cert_path,
		c->cfg.console_key_path,
	};
	char rel[HL_BACKUP_NAME_MAX + 1], seen[8][HL_BACKUP_NAME_MAX + 1];
	size_t i, j, ns = 0;
	int rc, dup;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (files[i][0] == '\0')
			continue;
		if (!inside(base, files[i], rel)) {
			printf("not in the backup (outside the node's directory): %s\n", files[i]);
			continue;
		}
		for (dup = 0, j = 0; j < ns; j++)
			dup |= strcmp(seen[j], rel) == 0;
		if (dup)
			continue;   /* tls_key = key in old configurations */
		memcpy(seen[ns++], rel, sizeof(rel));
		if ((rc = add_file(w, files[i], rel, 0, n)) != EX_OK)
			return rc;
	}
	return EX_OK;
}

static void
conf_dir(const char *conf, char out[HL_PATH_MAX])
{
	char *slash;

	snprintf(out, HL_PATH_MAX, "%s", conf);
	if ((slash = strrchr(out, '/')) != NULL)
		*(slash == out ? slash + 1 : slash) = '\0';
	else
		snprintf(out, HL_PATH_MAX, ".");
}

static int
load_kek(struct hl_cli *c, const char *source, uint8_t kek[static HL_SEAL_KEK], const char *cmd)
{
	char err[HL_PATH_MAX + 256];
	int rc;

	if (source == NULL) {
		if ((rc = hl_cli_load_config(c)) != EX_OK)
			return rc;
		if (c->cfg.seal_key[0] == '\0')
			return hl_cli_fail(EX_USAGE, "%s: %s has no seal_key: backups are sealed "
			    "under it (docs/CONFIG.md)", cmd, c->conf_path);
		source = c->cfg.seal_key;
	}
	if (hl_seal_kek_load(source, err, sizeof(err)) != HL_OK)
		return hl_cli_fail(EX_FAIL, "%s: %s", cmd, err);
	rc = hl_seal_kek_get(kek) == HL_OK ? EX_OK : EX_FAIL;
	hl_seal_kek_wipe();
	return rc;
}

static int
backup_write(struct hl_cli *c, const char *file)
{
	char base[HL_PATH_MAX], tmp[HL_PATH_MAX + 32], snap[HL_PATH_MAX + 64];
	char db[HL_PATH_MAX + 32], err[HL_PATH_MAX * 2 + 128];
	uint8_t kek[HL_SEAL_KEK];
	struct hl_backup_w *w = NULL;
	unsigned n = 0;
	FILE *f = NULL;
	int rc, r;

	if ((rc = load_kek(c, NULL, kek, "backup")) != EX_OK)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.partial", file);
	snprintf(db, sizeof(db), "%s/hotline.db", c->cfg.data_dir);
	/* the snapshot beside the database: under the same protection */
	snprintf(snap, sizeof(snap), "%s/.backup-%ld.db", c->cfg.data_dir, (long)getpid());
	conf_dir(c->conf_path, base);
	rc = EX_FAIL;
	if (access(file, F_OK) == 0) {
		rc = hl_cli_fail(EX_FAIL, "backup: %s exists: refusing to overwrite it", file);
		goto out;
	}
	(void)unlink(snap);
	if (hl_store_snapshot(db, snap, err, sizeof(err)) != HL_OK) {
		rc = hl_cli_fail(EX_FAIL, "backup: %s", err);
		goto out;
	}
	if ((f = fopen(tmp, "wx")) == NULL) {
		rc = hl_cli_fail(EX_FAIL, "backup: %s: %s", tmp, strerror(errno));
		goto out;
	}
	(void)fchmod(fileno(f), 0600);
	if ((r = hl_backup_w_open(f, kek, &w)) != HL_OK) {
		rc = hl_cli_fail(EX_FAIL, "backup: %s: %s", tmp, hl_strerror(r));
		goto out;
	}
	if ((rc = add_node_files(w, c, base, &n)) != EX_OK ||
	    (rc = add_file(w, snap, "data/hotline.db", 0, &n)) != EX_OK ||
	    (rc = add_dir(w, c->cfg.data_dir, "kem", &n)) != EX_OK ||
	    (rc = add_dir(w, c->cfg.data_dir, "hotline.db.blobs", &n)) != EX_OK)
		goto out;
	r = hl_backup_w_close(w);
	w = NULL;
	if (r != HL_OK || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		rc = hl_cli_fail(EX_FAIL, "backup: %s: cannot write it whole", tmp);
		goto out;
	}
	if (fclose(f) != 0 || rename(tmp, file) != 0) {
		f = NULL;
		rc = hl_cli_fail(EX_FAIL, "backup: %s: %s", file, strerror(errno));
		goto out;
	}
	f = NULL;
	printf("backup: %u files sealed into %s (the seal key is not in it)\n", n, file);
	rc = EX_OK;
out:
	hl_backup_w_abort(w);
	if (f != NULL) {
		fclose(f);
		(void)unlink(tmp);
	}
	(void)unlink(snap);
	OPENSSL_cleanse(kek, sizeof(kek));
	return rc;
}

/* ---- reading: verify and restore ---- */

struct sink {
	FILE *f;
};

static int
write_sink(void *arg, const uint8_t *buf, size_t n)
{
	struct sink *k = arg;

	return k->f == NULL || fwrite(buf, 1, n, k->f) == n ? 0 : -1;
}

/* Create dir/name's parent directories (0700). */
static int
make_parents(const char *dir, const char *name)
{
	char p[HL_PATH_MAX + HL_BACKUP_NAME_MAX + 2];
	size_t i, dl = strlen(dir);

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	for (i = dl + 1; p[i] != '\0'; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0700) == -1 && errno != EEXIST)
			return -1;
		p[i] = '/';
	}
	return 0;
}

/* Read the whole backup; with dir, write each entry under it. The database
 * goes to dbpath (dir's, or a temporary one) for the audit check. */
static int
backup_read(const char *file, const uint8_t kek[static HL_SEAL_KEK], const char *dir,
    const char *dbpath, const char *cmd, unsigned *count)
{
	char name[HL_BACKUP_NAME_MAX + 1], p[HL_PATH_MAX + HL_BACKUP_NAME_MAX + 2];
	struct hl_backup_r *r = NULL;
	struct sink k = { NULL };
	uint64_t size;
	FILE *f;
	int rc = EX_FAIL, e, have_db = 0, fd;

	*count = 0;
	if ((f = fopen(file, "rb")) == NULL)
		return hl_cli_fail(EX_FAIL, "%s: %s: %s", cmd, file, strerror(errno));
	if ((e = hl_backup_r_open(f, kek, &r)) != HL_OK) {
		rc = hl_cli_fail(EX_FAIL, "%s: %s: %s", cmd, file, e == HL_ERR_VERSION ?
		    "a backup of another version" : "not a hotline backup");
		goto out;
	}
	while ((e = hl_backup_r_next(r, name, &size)) == HL_OK) {
		k.f = NULL;
		if (strcmp(name, "data/hotline.db") == 0) {
			snprintf(p, sizeof(p), "%s", dbpath);
			have_db = 1;
		} else if (dir != NULL) {
			snprintf(p, sizeof(p), "%s/%s", dir, name);
		} else {
			p[0] = '\0';
		}
		if (p[0] != '\0') {
			if ((dir != NULL && make_parents(dir, name) != 0) ||
			    (fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600)) == -1 || (k.f = fdopen(fd, "wb")) == NULL) {
				rc = hl_cli_fail(EX_FAIL, "%s: %s: %s", cmd, p, strerror(errno));
				goto out;
			}
		}
		e = hl_backup_r_data(r, write_sink, &k);
		if (k.f != NULL && (fflush(k.f) != 0 || fsync(fileno(k.f)) != 0) && e == HL_OK)
			e = HL_ERR_IO;
		if (k.f != NULL)
			fclose(k.f);
		if (e != HL_OK)
			break;
		(*count)++;
	}
	if (e != HL_ERR_NOT_FOUND) {
		rc = hl_cli_fail(EX_FAIL, "%s: %s: %s", cmd, file, hl_backup_r_error(r));
		goto out;
	}
	if (!have_db) {
		rc = hl_cli_fail(EX_FAIL, "%s: %s holds no database", cmd, file);
		goto out;
	}
	rc = EX_OK;
out:
	hl_backup_r_free(r);
	fclose(f);
	return rc;
}

/* The restored database opens and its audit log verifies. */
static int
check_db(const char *dbpath, const char *cmd)
{
	struct hl_store *s = NULL;
	uint64_t entries = 0, bad = 0;
	char err[512];
	int r;

	if ((r = hl_store_open_readonly(dbpath, &s, err, sizeof(err))) != HL_OK)
		return hl_cli_fail(EX_FAIL, "%s: the database does not open: %s", cmd, err);
	r = hl_store_audit_verify(s, &entries, &bad, err, sizeof(err));
	hl_store_close(s);
	if (r != HL_OK)
		return hl_cli_fail(EX_FAIL, "%s: the database's audit log does not verify: %s", cmd,
		    err);
	printf("%s: the database opens and its audit log of %llu entries verifies\n", cmd,
	    (unsigned long long)entries);
	return EX_OK;
}

static int
backup_verify(struct hl_cli *c, const char *file)
{
	char tmpd[] = "/tmp/hotline-verify.XXXXXX", db[64];
	uint8_t kek[HL_SEAL_KEK];
	unsigned n = 0;
	int rc;

	if ((rc = load_kek(c, NULL, kek, "backup verify")) != EX_OK)
		return rc;
	if (mkdtemp(tmpd) == NULL) {
		OPENSSL_cleanse(kek, sizeof(kek));
		return hl_cli_fail(EX_FAIL, "backup verify: %s", strerror(errno));
	}
	snprintf(db, sizeof(db), "%s/hotline.db", tmpd);
	rc = backup_read(file, kek, NULL, db, "backup verify", &n);
	OPENSSL_cleanse(kek, sizeof(kek));
	if (rc == EX_OK) {
		printf("backup verify: %s: %u files, every chunk opens and every SHA-256 matches\n",
		    file, n);
		rc = check_db(db, "backup verify");
	}
	(void)unlink(db);
	(void)rmdir(tmpd);
	return rc;
}

static int
backup_restore(struct hl_cli *c, const char *file, const char *dir, const char *seal)
{
	char db[HL_PATH_MAX + 32];
	uint8_t kek[HL_SEAL_KEK];
	unsigned n = 0;
	int rc;

	if (seal == NULL && c->conf_path == NULL)
		return hl_cli_fail(EX_USAGE, "restore: give -c node.conf or --seal-key SOURCE");
	if ((rc = load_kek(c, seal, kek, "restore")) != EX_OK)
		return rc;
	if (mkdir(dir, 0700) == -1) {
		OPENSSL_cleanse(kek, sizeof(kek));
		return hl_cli_fail(EX_FAIL, "restore: %s: %s (it must not exist)", dir,
		    strerror(errno));
	}
	snprintf(db, sizeof(db), "%s/data", dir);
	(void)mkdir(db, 0700);
	snprintf(db, sizeof(db), "%s/data/hotline.db", dir);
	rc = backup_read(file, kek, dir, db, "restore", &n);
	OPENSSL_cleanse(kek, sizeof(kek));
	if (rc == EX_OK)
		rc = check_db(db, "restore");
	if (rc == EX_OK)
		printf("restore: %u files written under %s; check node.conf's paths outside "
		    "it (peer CAs, seal_key), then: hotlined -c %s/node.conf\n", n, dir, dir);
	else
		fprintf(stderr, "restore: %s is incomplete: remove it\n", dir);
	return rc;
}

int
hl_cli_backup(struct hl_cli *c, int argc, char **argv)
{
	char *pos[2];
	int help, npos, rc;

	if ((rc = hl_cli_opts("backup", argc, argv, NULL, &help, pos, 2, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_backup_usage, stdout);
		return EX_OK;
	}
	if (npos == 1)
		return backup_write(c, pos[0]);
	if (npos == 2 && strcmp(pos[0], "verify") == 0)
		return backup_verify(c, pos[1]);
	return hl_cli_fail(EX_USAGE, "backup: expected FILE or verify FILE (see hotline backup "
	    "--help)");
}

int
hl_cli_restore(struct hl_cli *c, int argc, char **argv)
{
	const char *seal = NULL;
	struct hl_cli_opt opts[] = { { "seal-key", 1, &seal, NULL }, { NULL, 0, NULL, NULL } };
	char *pos[2];
	int help, npos, rc;

	if ((rc = hl_cli_opts("restore", argc, argv, opts, &help, pos, 2, &npos)) != EX_OK)
		return rc;
	if (help) {
		fputs(hl_cli_backup_usage, stdout);
		return EX_OK;
	}
	if (npos != 2)
		return hl_cli_fail(EX_USAGE, "restore: expected FILE DIR (see hotline restore "
		    "--help)");
	return backup_restore(c, pos[0], pos[1], seal);
}
