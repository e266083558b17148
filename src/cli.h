/* cli.h: what the operator CLI's files share (src/hotline.c, src/cli_*.c,
 * docs/CLI.md): exit codes, the state of one run, the one-line error, the
 * option parser, the API helpers and each command's entry point. */
#ifndef HL_CLI_H
#define HL_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "config.h"
#include "httpc.h"
#include "profile.h"

#define EX_OK 0
#define EX_FAIL 1         /* refused, not found, local failure */
#define EX_USAGE 2        /* bad command line */
#define EX_UNREACHABLE 3  /* cannot connect, TLS or certificate failure, bad response */
#define EX_AUTH 4         /* authentication failed or rate-limited */

/* One run of the CLI: main owns it and hands it to the command. */
struct hl_cli {
	const char *conf_path;    /* -c or $HOTLINE_CONF; NULL: none */
	struct hl_config cfg;     /* valid once have_cfg */
	int have_cfg;
	struct hl_httpc hc;       /* valid once ready (hl_cli_setup) */
	int ready;
	char *password;           /* wiped at exit */
	const char *otp;          /* --otp or $HOTLINE_OTP: the one-time code; NULL: none */
	size_t password_cap;
	char who[HL_PATH_MAX + 64];   /* the credential, for error lines */
	struct hl_profile *profile;   /* without -c: the profile's (hl_free_secret at exit) */
	char profile_path[HL_PATH_MAX];
	char seen_node[HL_NODE_NAME_MAX + 1];   /* the node the last call reached */
};

/* ---- cli_core.c ---- */

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
/* Read a whole file or stdin ("-") up to max bytes; err gets "PATH: why".
 * OUT: *out (caller frees with hl_free_secret(*out, *len + 1)),
 * NUL-terminated, *len. */
HL_WUR int hl_cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len,
    char *err, size_t errlen);
/* One line from the terminal (/dev/tty) without echo after prompt. OUT:
 * buf (NUL-terminated, the line end dropped; the caller wipes it). An
 * exit code: no_tty is the error line when there is no terminal. */
int hl_cli_tty_password(const char *prompt, const char *no_tty, char *buf, size_t cap);
/* Print s to f with control characters as '?' (keeping \n and \t when
 * multiline): text from partners must not drive the operator's terminal.
 * Padded with spaces to width (never cut). */
void hl_cli_put_clean(FILE *f, const char *s, int multiline, int width);
/* o's string member k, or "-" when it is absent, empty or not a string. */
const char *hl_cli_jstr(const json_t *o, const char *k);
/* A table column on stdout: o's string member k (hl_cli_jstr) cleaned,
 * padded to width, and a space. */
void hl_cli_put_col(const json_t *o, const char *k, int width);
/* o's integer member k, or 0. */
json_int_t hl_cli_jint(const json_t *o, const char *k);
/* j as hl_apijson_dump writes it, on standard output. */
void hl_cli_print_json(const json_t *j);
/* Append the comma-separated items of csv (spaces trimmed) to arr; -1 for
 * an empty item or on allocation failure. */
int hl_cli_add_csv(json_t *arr, const char *csv);
/* "?limit=N&exercise=X" from --limit and --exercise (either may be NULL)
 * into q; an exit code (prints its error line). */
int hl_cli_build_query(char *q, size_t qlen, const char *limit, const char *exercise);

/* ---- cli_api.c ---- */

/* Load c->conf_path once; an exit code (prints its error line). */
int hl_cli_load_config(struct hl_cli *c);
/* Where the node is and the operator's credentials (the first call
 * only): with -c, the configuration's [cli] (its certificate, unless
 * HOTLINE_PASSWORD or HOTLINE_USER is set, else the password); without, the profile of
 * `hotline login` (cli_login.c). After EX_OK c->hc is valid (c->cfg only
 * with -c). Prints its own error line. */
int hl_cli_setup(struct hl_cli *c);
/* The one-time code from --otp or HOTLINE_OTP, checked, into c->hc. An
 * exit code. */
int hl_cli_setup_otp(struct hl_cli *c);
/* One operator API call (JSON body or NULL); what names the command in
 * error lines. Prints its own error line; an exit code. OUT: *resp on
 * EX_OK (caller decrefs). */
int hl_cli_api_call(struct hl_cli *c, const char *what, const char *method, const char *path,
    json_t *body, json_t **resp);
/* The same with a body of any type (content_type NULL: JSON). Sets
 * c->seen_node. */
int hl_cli_api_call_raw(struct hl_cli *c, const char *what, const char *method, const char *path,
    const char *content_type, const uint8_t *body, size_t blen, json_t **resp);
/* The options send and track-report share (docs/API.md's send body). */
struct hl_cli_envelope {
	const char *to;               /* "all" or comma-separated recipients */
	const char *precedence, *classification, *releasable, *tlp, *type;
	int exercise;
	const char *ttl;              /* --ttl DURATION, or NULL */
};
/* Check e->ttl (1 s .. HL_API_TTL_MAX_S); an exit code (prints its error
 * line, cmd names the command). */
int hl_cli_envelope_check(const char *cmd, const struct hl_cli_envelope *e);
/* A new send body with e's fields; the caller adds the content. An exit
 * code (prints its error line). OUT: *body (caller decrefs) on EX_OK. */
int hl_cli_envelope_body(const char *cmd, const struct hl_cli_envelope *e, json_t **body);
/* POST an envelope body; print the new id (the only output, for scripts). */
int hl_cli_post_envelope(struct hl_cli *c, const char *cmd, json_t *body);
/* The same as an upload: fields (the send body without its content) in the
 * query string, content as the body (POST /api/v1/envelopes/upload). */
int hl_cli_upload_envelope(struct hl_cli *c, const char *cmd, json_t *fields,
    const uint8_t *content, size_t clen);

/* ---- the commands: argc, argv after the command's name; an exit code ---- */

extern const char hl_cli_pki_usage[], hl_cli_send_usage[], hl_cli_inbox_usage[],
    hl_cli_sent_usage[], hl_cli_show_usage[], hl_cli_ack_usage[], hl_cli_delivery_usage[],
    hl_cli_status_usage[], hl_cli_audit_usage[], hl_cli_keys_usage[],
    hl_cli_track_report_usage[], hl_cli_tracks_usage[], hl_cli_track_alerts_usage[], hl_cli_operator_usage[],
    hl_cli_stix_usage[], hl_cli_misp_usage[], hl_cli_taxii_usage[], hl_cli_backup_usage[],
    hl_cli_login_usage[], hl_cli_logout_usage[], hl_cli_revoke_usage[], hl_cli_detect_usage[];

int hl_cli_pki(struct hl_cli *c, int argc, char **argv);            /* cli_pki.c */
int hl_cli_send(struct hl_cli *c, int argc, char **argv);           /* cli_msg.c */
int hl_cli_inbox(struct hl_cli *c, int argc, char **argv);
int hl_cli_sent(struct hl_cli *c, int argc, char **argv);
int hl_cli_show(struct hl_cli *c, int argc, char **argv);
int hl_cli_ack(struct hl_cli *c, int argc, char **argv);
int hl_cli_delivery(struct hl_cli *c, int argc, char **argv);
int hl_cli_status(struct hl_cli *c, int argc, char **argv);         /* cli_admin.c */
int hl_cli_keys(struct hl_cli *c, int argc, char **argv);
int hl_cli_revoke(struct hl_cli *c, int argc, char **argv);
int hl_cli_operator(struct hl_cli *c, int argc, char **argv);
int hl_cli_audit(struct hl_cli *c, int argc, char **argv);          /* cli_audit.c */
int hl_cli_track_report(struct hl_cli *c, int argc, char **argv);   /* cli_track.c */
int hl_cli_track_alerts(struct hl_cli *c, int argc, char **argv);   /* cli_track.c */
int hl_cli_tracks(struct hl_cli *c, int argc, char **argv);
int hl_cli_stix(struct hl_cli *c, int argc, char **argv);           /* cli_stix.c */
int hl_cli_misp(struct hl_cli *c, int argc, char **argv);
int hl_cli_detect(struct hl_cli *c, int argc, char **argv);         /* cli_detect.c */
int hl_cli_taxii(struct hl_cli *c, int argc, char **argv);
int hl_cli_backup(struct hl_cli *c, int argc, char **argv);         /* cli_backup.c */
int hl_cli_restore(struct hl_cli *c, int argc, char **argv);
int hl_cli_login(struct hl_cli *c, int argc, char **argv);          /* cli_login.c */
int hl_cli_logout(struct hl_cli *c, int argc, char **argv);

/* ---- cli_login.c: the profile ---- */

/* Load the profile ($HOTLINE_PROFILE, else ~/.config/hotline/profile:
 * the caller's own file, mode 0600) into c->profile and c->hc. An exit
 * code (prints its error line). */
int hl_cli_profile_setup(struct hl_cli *c);

#endif
