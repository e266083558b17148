/* cli_core.c: what every command of the CLI uses (cli.h): the one-line
 * error, the option parser, reading a file, printing partners' text
 * safely, JSON fields. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "cli.h"

int
hl_cli_fail(int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	hl_vset_err(msg, sizeof(msg), fmt, ap);   /* one line, no terminal controls */
	va_end(ap);
	fprintf(stderr, "hotline: %s\n", msg);
	return code;
}

int
hl_cli_opts(const char *cmd, int argc, char **argv, struct hl_cli_opt *opts, int *help,
    char **pos, int maxpos, int *npos)
{
	const char *name, *eq;
	size_t nl;
	int i, k, only_pos = 0;

	*help = 0;
	*npos = 0;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (only_pos || a[0] != '-' || strcmp(a, "-") == 0) {
			if (*npos >= maxpos)
				return hl_cli_fail(EX_USAGE, "%s: too many arguments (see hotline %s --help)",
				    cmd, cmd);
			pos[(*npos)++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			*help = 1;
			return EX_OK;
		}
		if (strncmp(a, "--", 2) != 0)
			return hl_cli_fail(EX_USAGE, "%s: unknown option %s (see hotline %s --help)", cmd, a,
			    cmd);
		name = a + 2;
		eq = strchr(name, '=');
		nl = eq != NULL ? (size_t)(eq - name) : strlen(name);
		for (k = 0; opts != NULL && opts[k].name != NULL; k++)
			if (strlen(opts[k].name) == nl && strncmp(opts[k].name, name, nl) == 0)
				break;
		if (opts == NULL || opts[k].name == NULL)
			return hl_cli_fail(EX_USAGE, "%s: unknown option --%.*s (see hotline %s --help)", cmd,
			    (int)(nl > 40 ? 40 : nl), name, cmd);
		if (!opts[k].has_arg) {
			if (eq != NULL)
				return hl_cli_fail(EX_USAGE, "%s: option --%s takes no value", cmd, opts[k].name);
			*opts[k].flag = 1;
			continue;
		}
		if (*opts[k].val != NULL)
			return hl_cli_fail(EX_USAGE, "%s: option --%s given twice", cmd, opts[k].name);
		if (eq != NULL) {
			*opts[k].val = eq + 1;
		} else {
			if (i + 1 >= argc)
				return hl_cli_fail(EX_USAGE, "%s: option --%s needs a value", cmd, opts[k].name);
			*opts[k].val = argv[++i];
		}
	}
	return EX_OK;
}

void
hl_cli_put_clean(FILE *f, const char *s, int multiline, int width)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	int n = 0;

	for (; *p != '\0'; p++, n++) {
		if ((*p < 0x20 && !(multiline && (*p == '\n' || *p == '\t'))) || *p == 0x7f)
			fputc('?', f);
		else
			fputc(*p, f);
	}
	for (; n < width; n++)
		fputc(' ', f);
}

int
hl_cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len, char *err,
    size_t errlen)
{
	uint8_t *p = NULL, *q;
	size_t cap = 4096, n = 0;
	ssize_t got;
	int fd, r = HL_ERR_IO;

	*out = NULL;
	*len = 0;
	fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return HL_ERR_IO;
	}
	if ((p = hl_malloc(cap)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		r = HL_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > max + 1) {
				snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
				r = HL_ERR_TOO_BIG;
				goto out;
			}
			if ((q = hl_malloc(cap * 2)) == NULL) {
				snprintf(err, errlen, "%s: out of memory", path);
				r = HL_ERR_NOMEM;
				goto out;
			}
			memcpy(q, p, n);
			hl_free_secret(p, cap);
			p = q;
			cap *= 2;
		}
		got = read(fd, p + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (n > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	p[n] = '\0';
	*out = p;
	*len = n;
	p = NULL;
	r = HL_OK;
out:
	if (p != NULL)
		hl_free_secret(p, cap);
	if (fd != STDIN_FILENO)
		close(fd);
	return r;
}

int
hl_cli_tty_password(const char *prompt, const char *no_tty, char *buf, size_t cap)
{
	struct termios old, quiet;
	FILE *tty;
	size_t n;
	int ok = 0;

	buf[0] = '\0';
	if ((tty = fopen("/dev/tty", "r+")) == NULL)
		return hl_cli_fail(EX_USAGE, "%s", no_tty);
	if (tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		fputs(prompt, tty);
		fflush(tty);
		if (tcsetattr(fileno(tty), TCSAFLUSH, &quiet) == 0) {
			ok = fgets(buf, (int)cap, tty) != NULL;
			(void)tcsetattr(fileno(tty), TCSAFLUSH, &old);
		}
		fputs("\n", tty);
	}
	fclose(tty);
	if (!ok)
		return hl_cli_fail(EX_FAIL, "cannot read the password from the terminal");
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return EX_OK;
}

void
hl_cli_print_json(const json_t *j)
{
	char *s = hl_apijson_dump(j);

	if (s != NULL)
		fputs(s, stdout);
	hl_free(s);
}

const char *
hl_cli_jstr(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v != NULL && v[0] != '\0' ? v : "-";
}

void
hl_cli_put_col(const json_t *o, const char *k, int width)
{
	hl_cli_put_clean(stdout, hl_cli_jstr(o, k), 0, width);
	fputc(' ', stdout);
}

json_int_t
hl_cli_jint(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

int
hl_cli_add_csv(json_t *arr, const char *csv)
{
	const char *p, *c;
	size_t len;

	for (p = csv; ; p = c + 1) {
		c = strchr(p, ',');
		len = c != NULL ? (size_t)(c - p) : strlen(p);
		while (len > 0 && *p == ' ') {
			p++;
			len--;
		}
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == 0 || json_array_append_new(arr, json_stringn(p, len)) != 0)
			return -1;
		if (c == NULL)
			return 0;
	}
}

int
hl_cli_build_query(char *q, size_t qlen, const char *limit, const char *exercise)
{
	char *end;
	unsigned long v;

	q[0] = '\0';
	if (limit != NULL) {
		errno = 0;
		v = strtoul(limit, &end, 10);
		if (errno != 0 || *end != '\0' || limit[0] == '\0' || limit[0] == '-' || v < 1 ||
		    v > HL_API_LIMIT_MAX)
			return hl_cli_fail(EX_USAGE, "--limit must be a number from 1 to %d", HL_API_LIMIT_MAX);
		snprintf(q, qlen, "?limit=%lu", v);
	}
	if (exercise != NULL) {
		if (strcmp(exercise, "include") != 0 && strcmp(exercise, "exclude") != 0 &&
		    strcmp(exercise, "only") != 0)
			return hl_cli_fail(EX_USAGE, "--exercise must be include, exclude or only");
		snprintf(q + strlen(q), qlen - strlen(q), "%sexercise=%s", q[0] ? "&" : "?", exercise);
	}
	return EX_OK;
}
