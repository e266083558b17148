/* config.c: hotline.conf(5), the node's INI configuration (docs/CONFIG.md).
 *
 * Lines are split and checked here (length, control characters, section
 * headers, "key = value" shape) and fed one at a time to libinih through
 * ini_parse_stream(), which splits key from value, trims and strips inline
 * comments. Doing the line work ourselves gives us line numbers (Debian's
 * inih is built without INI_HANDLER_LINENO), stops inih from silently
 * splitting long lines (its stack buffer is ini_max_line bytes), from
 * truncating long section names, and from treating indented lines as
 * continuations (INI_ALLOW_MULTILINE is on in Debian's build): we strip
 * leading blanks so every line stands alone.
 *
 * Everything is strict: unknown sections and keys, duplicates, bad values,
 * missing required keys and unknown level names are errors "name:line: msg".
 * Level names are resolved after the whole file is read, so [policy] may
 * come after the [peer] and [operator] sections that use its levels.
 *
 * This file reads lines and sections and looks things up; each key's value
 * is config_keys.c's, the checks of the whole config_check.c's
 * (config_int.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "alloc.h"
#include "config.h"
#include "config_int.h"

void
config_fail(struct pctx *x, unsigned line, const char *fmt, ...)
{
	char msg[CONF_MSG_MAX];
	va_list ap;

	if (x->failed)
		return;
	x->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(x->err, sizeof(x->err), "%s:%u: %s", x->name, line, msg);
	else
		snprintf(x->err, sizeof(x->err), "%s: %s", x->name, msg);
}

/* The current section's key table and line slots. */
static void
cur_table(struct pctx *x, const struct key_def **keys, unsigned *n, unsigned **lines)
{
	*keys = NULL;
	*n = 0;
	*lines = NULL;
	switch (x->cur) {
	case S_NODE:
		*keys = config_node_keys; *n = NK_COUNT; *lines = x->ln->node;
		break;
	case S_POLICY:
		*keys = config_policy_keys; *n = PK_COUNT; *lines = x->ln->policy;
		break;
	case S_PEER:
		*keys = config_peer_keys; *n = RK_COUNT; *lines = x->ln->peer[x->cur_idx];
		break;
	case S_OPERATOR:
		*keys = config_op_keys; *n = OK_COUNT; *lines = x->ln->op[x->cur_idx];
		break;
	case S_CLI:
		*keys = config_cli_keys; *n = CK_COUNT; *lines = x->ln->cli;
		break;
	case S_COLLECTION:
		*keys = config_coll_keys; *n = LK_COUNT; *lines = x->ln->coll[x->cur_idx];
		break;
	case S_TAXII_SOURCE:
		*keys = config_src_keys; *n = TK_COUNT; *lines = x->ln->src[x->cur_idx];
		break;
	case S_TAK:
		*keys = config_tak_keys; *n = AK_COUNT; *lines = x->ln->tak[x->cur_idx];
		break;
	case S_GROUP:
		*keys = config_group_keys; *n = GK_COUNT; *lines = x->ln->group[x->cur_idx];
		break;
	case S_SENSOR:
		*keys = config_sensor_keys; *n = SK_COUNT; *lines = x->ln->sensor[x->cur_idx];
		break;
	case S_NONE:
		break;
	}
}

static void
sect_label(const struct pctx *x, char *out, size_t outlen)
{
	switch (x->cur) {
	case S_NODE: snprintf(out, outlen, "[node]"); break;
	case S_POLICY: snprintf(out, outlen, "[policy]"); break;
	case S_CLI: snprintf(out, outlen, "[cli]"); break;
	case S_PEER: snprintf(out, outlen, "[peer %s]", x->c->peers[x->cur_idx].node); break;
	case S_OPERATOR:
		snprintf(out, outlen, "[operator %s]", x->c->operators[x->cur_idx].name);
		break;
	case S_COLLECTION:
		snprintf(out, outlen, "[collection %s]", x->c->collections[x->cur_idx].name);
		break;
	case S_TAXII_SOURCE:
		snprintf(out, outlen, "[taxii_source %s]", x->c->sources[x->cur_idx].name);
		break;
	case S_TAK: snprintf(out, outlen, "[tak %s]", x->c->tak[x->cur_idx].name); break;
	case S_GROUP:
		snprintf(out, outlen, "[group %s]", x->c->policy.groups[x->cur_idx].name);
		break;
	case S_SENSOR:
		snprintf(out, outlen, "[sensor %s]", x->c->sensors[x->cur_idx].name);
		break;
	case S_NONE: snprintf(out, outlen, "(no section)"); break;
	}
}

/* inih callback. The line is the one the reader handed out last. */
static int
on_kv(void *user, const char *section, const char *name, const char *value)
{
	struct pctx *x = user;
	const struct key_def *keys;
	unsigned n, i, *lines;
	char msg[CONF_MSG_MAX / 2], where[HL_NODE_NAME_MAX + 16];

	(void)section;   /* ours is tracked by the reader (inih truncates it) */
	if (x->failed)
		return 0;
	if (x->cur == S_NONE) {
		config_fail(x, x->line, "key '%.64s' outside any section", name);
		return 0;
	}
	cur_table(x, &keys, &n, &lines);
	sect_label(x, where, sizeof(where));
	for (i = 0; i < n; i++)
		if (strcmp(keys[i].name, name) == 0)
			break;
	if (i == n) {
		config_fail(x, x->line, "unknown key '%.64s' in %s", name, where);
		return 0;
	}
	if (lines[i] != 0) {
		config_fail(x, x->line, "duplicate key '%s' in %s (first at line %u)",
		    name, where, lines[i]);
		return 0;
	}
	lines[i] = x->line;
	msg[0] = '\0';
	if (keys[i].set(x, value, msg, sizeof(msg)) != 0) {
		config_fail(x, x->line, "%s: %s", name, msg[0] != '\0' ? msg : "bad value");
		return 0;
	}
	return 1;
}

/* A section header line (leading blanks gone, trailing line end gone). */
/* Start a [KIND NAME] section of a kind that may appear many times: NAME
 * 1..max identifier characters, not already used (the names are n entries
 * of `stride` bytes from names0; sect holds their section lines), and fewer
 * than cap of them. 1 with the section's line recorded in sect[n], or 0
 * after reporting why not. */
static int
named_section(struct pctx *x, const char *kind, const char *name, size_t max,
    const char *names0, size_t stride, unsigned n, unsigned cap, unsigned *sect,
    const char *plural)
{
	unsigned i;

	if (!config_ident_ok(name, max)) {
		config_fail(x, x->line, "[%s NAME]: expected 1..%zu characters of A-Z a-z 0-9 . _ -",
		    kind, max);
		return 0;
	}
	for (i = 0; i < n; i++)
		if (strcmp(names0 + (size_t)i * stride, name) == 0) {
			config_fail(x, x->line, "duplicate section [%s %s] (first at line %u)", kind, name,
			    sect[i]);
			return 0;
		}
	if (n == cap) {
		config_fail(x, x->line, "too many %s (max %u)", plural, cap);
		return 0;
	}
	sect[n] = x->line;
	return 1;
}

static void
on_section(struct pctx *x, const char *s, size_t n)
{
	const char *rb, *a, *b, *sp, *arg;
	size_t i, kn, an;
	char kind[16], argbuf[HL_NODE_NAME_MAX + 2];

	rb = memchr(s, ']', n);
	if (rb == NULL) {
		config_fail(x, x->line, "unterminated section header");
		return;
	}
	for (a = rb + 1; a < s + n && (*a == ' ' || *a == '\t'); a++)
		;
	if (a < s + n && *a != ';' && *a != '#') {
		config_fail(x, x->line, "text after section header");
		return;
	}
	a = s + 1;
	b = rb;
	while (a < b && (*a == ' ' || *a == '\t'))
		a++;
	while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
		b--;
	for (sp = a; sp < b && *sp != ' ' && *sp != '\t'; sp++)
		;
	kn = (size_t)(sp - a);
	for (arg = sp; arg < b && (*arg == ' ' || *arg == '\t'); arg++)
		;
	an = (size_t)(b - arg);
	if (kn == 0 || kn >= sizeof(kind)) {
		config_fail(x, x->line, "unknown section [%.*s]", (int)(b - a > 64 ? 64 : b - a), a);
		return;
	}
	memcpy(kind, a, kn);
	kind[kn] = '\0';
	if (an > HL_NODE_NAME_MAX) {
		config_fail(x, x->line, "section name too long");
		return;
	}
	memcpy(argbuf, arg, an);
	argbuf[an] = '\0';

	if (strcmp(kind, "node") == 0 || strcmp(kind, "policy") == 0 ||
	    strcmp(kind, "cli") == 0) {
		unsigned *sl;
		enum sect k;

		if (an != 0) {
			config_fail(x, x->line, "section [%s] takes no name", kind);
			return;
		}
		if (kind[0] == 'n') {
			k = S_NODE;
			sl = &x->ln->node_sect;
		} else if (kind[0] == 'p') {
			k = S_POLICY;
			sl = &x->ln->policy_sect;
		} else {
			k = S_CLI;
			sl = &x->ln->cli_sect;
		}
		if (*sl != 0) {
			config_fail(x, x->line, "duplicate section [%s] (first at line %u)", kind, *sl);
			return;
		}
		*sl = x->line;
		x->cur = k;
		x->cur_idx = 0;
		return;
	}
	if (strcmp(kind, "peer") == 0) {
		struct hl_peer_conf *p;

		if (!hl_label_node_name_valid(argbuf, NULL)) {
			config_fail(x, x->line, "[peer NODE]: expected a node name PARTNER/name, "
			    "got '%s'", argbuf);
			return;
		}
		for (i = 0; i < x->c->npeers; i++)
			if (strcmp(x->c->peers[i].node, argbuf) == 0) {
				config_fail(x, x->line, "duplicate section [peer %s] (first at line %u)",
				    argbuf, x->c->peers[i].line);
				return;
			}
		if (x->c->npeers == HL_PEERS_MAX) {
			config_fail(x, x->line, "too many peers (max %d)", HL_PEERS_MAX);
			return;
		}
		x->cur_idx = x->c->npeers++;
		p = &x->c->peers[x->cur_idx];
		memcpy(p->node, argbuf, an + 1);
		(void)hl_label_node_name_valid(argbuf, p->partner);
		p->line = x->line;
		x->cur = S_PEER;
		return;
	}
	if (strcmp(kind, "operator") == 0) {
		if (!named_section(x, kind, argbuf, HL_OPERATOR_MAX, x->c->operators[0].name,
		    sizeof(x->c->operators[0]), x->c->noperators, HL_OPERATORS_MAX,
		    x->ln->op_sect, "operators"))
			return;
		x->cur_idx = x->c->noperators++;
		memcpy(x->c->operators[x->cur_idx].name, argbuf, an + 1);
		x->cur = S_OPERATOR;
		return;
	}
	if (strcmp(kind, "collection") == 0) {
		/* [collection NAME]: STIX collection (docs/TAXII.md) */
		if (!named_section(x, kind, argbuf, HL_COLLECTION_NAME_MAX,
		    x->c->collections[0].name, sizeof(x->c->collections[0]), x->c->ncollections,
		    HL_COLLECTIONS_MAX, x->ln->coll_sect, "collections"))
			return;
		x->cur_idx = x->c->ncollections++;
		memcpy(x->c->collections[x->cur_idx].name, argbuf, an + 1);
		memcpy(x->c->collections[x->cur_idx].title, argbuf, an + 1);
		x->cur = S_COLLECTION;
		return;
	}
	if (strcmp(kind, "taxii_source") == 0) {
		/* [taxii_source NAME]: an external TAXII collection polled (docs/CONFIG.md) */
		if (!named_section(x, kind, argbuf, HL_COLLECTION_NAME_MAX, x->c->sources[0].name,
		    sizeof(x->c->sources[0]), x->c->nsources, HL_TAXII_SOURCES_MAX,
		    x->ln->src_sect, "taxii sources"))
			return;
		x->cur_idx = x->c->nsources++;
		memcpy(x->c->sources[x->cur_idx].name, argbuf, an + 1);
		x->c->sources[x->cur_idx].line = x->line;
		x->cur = S_TAXII_SOURCE;
		return;
	}
	if (strcmp(kind, "group") == 0) {
		/* [group NAME]: a releasability group (docs/CONFIG.md) */
		if (!hl_partner_valid(argbuf)) {
			config_fail(x, x->line, "[group NAME]: expected a name like a partner code "
			    "(2..8 of A-Z 0-9), got '%s'", argbuf);
			return;
		}
		if (!named_section(x, kind, argbuf, HL_PARTNER_MAX, x->c->policy.groups[0].name,
		    sizeof(x->c->policy.groups[0]), x->c->policy.ngroups, HL_GROUPS_MAX,
		    x->ln->group_sect, "groups"))
			return;
		x->cur_idx = x->c->policy.ngroups++;
		memcpy(x->c->policy.groups[x->cur_idx].name, argbuf, an + 1);
		x->cur = S_GROUP;
		return;
	}
	if (strcmp(kind, "tak") == 0) {
		/* [tak NAME]: Cursor on Target out (docs/CONFIG.md) */
		if (!named_section(x, kind, argbuf, HL_COLLECTION_NAME_MAX, x->c->tak[0].name,
		    sizeof(x->c->tak[0]), x->c->ntak, HL_TAK_MAX, x->ln->tak_sect, "tak outputs"))
			return;
		x->cur_idx = x->c->ntak++;
		memcpy(x->c->tak[x->cur_idx].name, argbuf, an + 1);
		x->c->tak[x->cur_idx].line = x->line;
		x->c->tak[x->cur_idx].tls = 1;
		x->c->tak[x->cur_idx].exercise = 1;
		x->c->tak[x->cur_idx].stale_s = 30;
		x->cur = S_TAK;
		return;
	}
	if (strcmp(kind, "sensor") == 0) {
		/* [sensor NAME]: a sensor log followed (docs/DETECTION.md) */
		if (!named_section(x, kind, argbuf, HL_COLLECTION_NAME_MAX, x->c->sensors[0].name,
		    sizeof(x->c->sensors[0]), x->c->nsensors, HL_SENSORS_MAX, x->ln->sensor_sect,
		    "sensors"))
			return;
		x->cur_idx = x->c->nsensors++;
		memcpy(x->c->sensors[x->cur_idx].name, argbuf, an + 1);
		x->c->sensors[x->cur_idx].line = x->line;
		x->c->sensors[x->cur_idx].sighting_window_s = 10;
		x->cur = S_SENSOR;
		return;
	}
	config_fail(x, x->line, "unknown section [%s]", kind);
}

/* A "key = value" line: '=' must come before any ':' (inih would also take
 * "key: value") and before any inline comment. */
static int
kv_shape_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '=')
			return i > 0;
		if (s[i] == ':')
			return 0;
		if (s[i] == ';' && i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
			return 0;
	}
	return 0;
}

/* ini_reader: hand inih one checked line at a time. */
static char *
reader(char *str, int num, void *stream)
{
	struct pctx *x = stream;
	const char *s, *nl;
	size_t n, i;

	if (x->failed || x->pos >= x->len || num < 3)
		return NULL;
	s = x->text + x->pos;
	nl = memchr(s, '\n', x->len - x->pos);
	n = nl != NULL ? (size_t)(nl - s) : x->len - x->pos;
	x->pos += n + (nl != NULL ? 1 : 0);
	x->line++;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n > x->line_limit) {
		config_fail(x, x->line, "line too long (max %zu bytes)", x->line_limit);
		return NULL;
	}
	if (x->line == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		n -= 3;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			config_fail(x, x->line, "control character 0x%02x in line", ch);
			return NULL;
		}
	}
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n > 0 && *s == '[')
		on_section(x, s, n);
	else if (n > 0 && *s != ';' && *s != '#' && !kv_shape_ok(s, n))
		config_fail(x, x->line, "expected 'key = value', a [section] or a comment");
	if (x->failed)
		return NULL;
	if (n + 2 > (size_t)num) {
		config_fail(x, x->line, "line too long (max %zu bytes)", x->line_limit);
		return NULL;
	}
	memcpy(str, s, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
}

static int
config_parse(const uint8_t *p, size_t len, const char *name, const char *basedir,
    struct hl_config *out, struct conf_lines *ln, char *err, size_t errlen)
{
	struct pctx *x = NULL;
	char *text = NULL;
	const uint8_t *nul;
	size_t i;
	unsigned line;
	int rc, r = HL_ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	memset(ln, 0, sizeof(*ln));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (name == NULL)
		name = "config";
	if ((x = hl_calloc(1, sizeof(*x))) == NULL) {
		r = HL_ERR_NOMEM;
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	x->c = out;
	x->ln = ln;
	x->name = name;
	x->basedir = basedir;
	x->line_limit = (size_t)(ini_max_line < (int)HL_CONFIG_LINE_MAX ?
	    ini_max_line : (int)HL_CONFIG_LINE_MAX) - 3;
	if (p == NULL && len > 0) {
		r = HL_ERR_INVALID;
		snprintf(err, errlen, "%s: no input", name);
		goto out;
	}
	if (len > HL_CONFIG_MAX_BYTES) {
		r = HL_ERR_TOO_BIG;
		snprintf(err, errlen, "%s: file too large (%zu bytes, max %u)", name,
		    len, HL_CONFIG_MAX_BYTES);
		goto out;
	}
	if (len > 0 && (nul = memchr(p, '\0', len)) != NULL) {
		line = 1;
		for (i = 0; i < (size_t)(nul - p); i++)
			if (p[i] == '\n')
				line++;
		r = HL_ERR_MALFORMED;
		snprintf(err, errlen, "%s:%u: NUL byte in configuration", name, line);
		goto out;
	}
	if ((text = hl_malloc(len + 1)) == NULL) {
		r = HL_ERR_NOMEM;
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	if (len > 0)
		memcpy(text, p, len);
	text[len] = '\0';
	x->text = text;
	x->len = len;
	snprintf(out->path, sizeof(out->path), "%s", name);
	config_defaults(out);

	rc = ini_parse_stream(reader, x, on_kv, x);
	if (!x->failed && rc != 0)
		config_fail(x, rc > 0 ? (unsigned)rc : 0, "syntax error");
	if (!x->failed)
		config_finish(x);
	if (x->failed) {
		r = HL_ERR_CONFIG;
		snprintf(err, errlen, "%s", x->err);
		goto out;
	}
	r = HL_OK;
out:
	if (r != HL_OK)
		memset(out, 0, sizeof(*out));
	if (text != NULL)
		hl_free_secret(text, len + 1);
	hl_free_secret(x, sizeof(*x));
	return r;
}

int
hl_config_parse(const uint8_t *p, size_t len, const char *name, const char *basedir,
    struct hl_config *out, char *err, size_t errlen)
{
	struct conf_lines *ln = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if ((ln = hl_calloc(1, sizeof(*ln))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name != NULL ? name : "config");
		return HL_ERR_NOMEM;
	}
	r = config_parse(p, len, name, basedir, out, ln, err, errlen);
	hl_free(ln);
	return r;
}

/* ---- loading a file ---- */

static int
read_file(const char *path, uint8_t **outp, size_t *outlen, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = -1, r = HL_ERR_INTERNAL;

	*outp = NULL;
	*outlen = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		r = HL_ERR_IO;
		goto out;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		r = HL_ERR_IO;
		goto out;
	}
	if ((buf = hl_malloc(HL_CONFIG_MAX_BYTES + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		r = HL_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		n = read(fd, buf + len, HL_CONFIG_MAX_BYTES + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: read: %s", path, strerror(errno));
			r = HL_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > HL_CONFIG_MAX_BYTES) {
			snprintf(err, errlen, "%s: file too large (max %u bytes)", path,
			    HL_CONFIG_MAX_BYTES);
			r = HL_ERR_TOO_BIG;
			goto out;
		}
	}
	*outp = buf;
	*outlen = len;
	buf = NULL;
	r = HL_OK;
out:
	if (fd != -1)
		close(fd);
	if (buf != NULL)
		hl_free_secret(buf, HL_CONFIG_MAX_BYTES + 1);
	return r;
}

/* The directory of path, absolute (so paths survive a chdir). */
static int
config_basedir(const char *path, char out[HL_PATH_MAX], char *err, size_t errlen)
{
	char dir[HL_PATH_MAX], *slash, rp[PATH_MAX];
	int r = HL_ERR_INTERNAL;

	if (config_copy_str(dir, sizeof(dir), path) != 0) {
		snprintf(err, errlen, "%s: path too long", path);
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	slash = strrchr(dir, '/');
	if (slash == NULL)
		memcpy(dir, ".", 2);
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (realpath(dir, rp) == NULL) {
		snprintf(err, errlen, "%s: cannot resolve directory %s: %s", path, dir,
		    strerror(errno));
		r = HL_ERR_IO;
		goto out;
	}
	if (config_copy_str(out, HL_PATH_MAX, rp) != 0) {
		snprintf(err, errlen, "%s: directory path too long", path);
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	r = HL_OK;
out:
	return r;
}

int
hl_config_load(const char *path, struct hl_config *out, char *err, size_t errlen)
{
	struct conf_lines *ln = NULL;
	uint8_t *buf = NULL;
	char basedir[HL_PATH_MAX];
	size_t len = 0;
	int r = HL_ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (path == NULL) {
		snprintf(err, errlen, "no configuration file given");
		r = HL_ERR_INVALID;
		goto out;
	}
	if ((r = read_file(path, &buf, &len, err, errlen)) != 0)
		goto out;
	if ((r = config_basedir(path, basedir, err, errlen)) != 0)
		goto out;
	if ((ln = hl_calloc(1, sizeof(*ln))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		r = HL_ERR_NOMEM;
		goto out;
	}
	if ((r = config_parse(buf, len, path, basedir, out, ln, err, errlen)) != 0)
		goto out;
	if ((r = config_check_files(path, ln, out, err, errlen)) != HL_OK)
		goto out;
	r = HL_OK;
out:
	if (r != HL_OK)
		memset(out, 0, sizeof(*out));
	if (buf != NULL)
		hl_free_secret(buf, HL_CONFIG_MAX_BYTES + 1);
	hl_free(ln);
	return r;
}

const struct hl_peer_conf *
hl_config_peer(const struct hl_config *c, const char *node)
{
	unsigned i;

	if (c == NULL || node == NULL)
		return NULL;
	for (i = 0; i < c->npeers; i++)
		if (!c->peers[i].removed && strcmp(c->peers[i].node, node) == 0)
			return &c->peers[i];
	return NULL;
}

const struct hl_operator_conf *
hl_config_operator(const struct hl_config *c, const char *name)
{
	unsigned i;

	if (c == NULL || name == NULL)
		return NULL;
	for (i = 0; i < c->noperators; i++)
		if (strcmp(c->operators[i].name, name) == 0)
			return &c->operators[i];
	return NULL;
}

/* ---- looking things up ---- */

int
hl_config_list_has(const char *list, const char *account)
{
	const char *p = list, *it;
	size_t n, an;

	if (list == NULL || account == NULL || account[0] == '\0')
		return 0;
	if (strcmp(list, "*") == 0)
		return 1;
	an = strlen(account);
	while (config_list_next(&p, &it, &n))
		if (n == an && memcmp(it, account, n) == 0)
			return 1;
	return 0;
}

const struct hl_collection_conf *
hl_config_collection(const struct hl_config *c, const char *name)
{
	unsigned i;

	if (c == NULL || name == NULL)
		return NULL;
	for (i = 0; i < c->ncollections; i++)
		if (strcmp(c->collections[i].name, name) == 0)
			return &c->collections[i];
	return NULL;
}

const struct hl_taxii_source_conf *
hl_config_taxii_source(const struct hl_config *c, const char *name)
{
	unsigned i;

	if (c == NULL || name == NULL)
		return NULL;
	for (i = 0; i < c->nsources; i++)
		if (strcmp(c->sources[i].name, name) == 0)
			return &c->sources[i];
	return NULL;
}

const char *
hl_role_name(unsigned role)
{
	switch (role) {
	case HL_ROLE_OFFICER: return "officer";
	case HL_ROLE_ANALYST: return "analyst";
	case HL_ROLE_ADMIN: return "admin";
	default: return "unknown";
	}
}
