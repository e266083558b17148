/* cliopt.h: what the CLI's command files share (src/hotline.c,
 * src/cli_stix.c): the one-line error and the option parser. */
#ifndef HL_CLIOPT_H
#define HL_CLIOPT_H

/* One option of a command: "--name VALUE" (has_arg: *val) or a flag
 * (*flag = 1). A table ends with a NULL name. */
struct hl_cli_opt {
	const char *name;     /* without "--" */
	int has_arg;
	const char **val;     /* has_arg */
	int *flag;            /* !has_arg */
};

/* Print "hotline: MESSAGE" on stderr as one line without terminal
 * controls; returns code. */
int hl_cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse "--name VALUE", "--name=VALUE", flags, "--" and positionals
 * (at most maxpos). "--help"/"-h" sets *help. OUT: pos[], *npos. 0, or 2
 * (usage) after printing why. opts may be NULL (no options). */
int hl_cli_opts(const char *cmd, int argc, char **argv, struct hl_cli_opt *opts, int *help,
    char **pos, int maxpos, int *npos);

#endif
