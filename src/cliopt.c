/* cliopt.c: the CLI's one-line errors and option parser (cliopt.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cliopt.h"

#define EX_OK 0
#define EX_USAGE 2

int
hl_cli_fail(int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (i = 0; msg[i] != '\0'; i++)   /* one line, no terminal controls */
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = ' ';
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
