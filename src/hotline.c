/* hotline.c: the operator CLI (docs/CLI.md): options, the command table
 * and help; each command is in a cli_*.c file (cli.h). Every command but
 * "pki init" and "audit ..." talks to the node's operator API over HTTPS;
 * those work locally. Success exits 0; a failure prints exactly one line
 * "hotline: <message>" on stderr and exits non-zero. */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "apijson.h"
#include "cli.h"
#include "version.h"

/* One command: the table is the one place a command is named. */
struct cmd {
	const char *name;
	int (*fn)(struct hl_cli *c, int argc, char **argv);
	const char *usage;
};

static const char global_usage[] =
    "usage: hotline [-c CONF] [--otp CODE] COMMAND [options]\n"
    "\n"
    "Commands:\n"
    "  pki init      create CAs, node certificates and configs for a federation\n"
    "  pki seal      seal a node's key files still in clear under its seal_key\n"
    "  pki renew     renew a node's certificates from its CA\n"
    "  pki revoke    sign a revocation notice for a certificate with its CA\n"
    "  pki add-partner  add a partner to a federation pki init made\n"
    "  send          send an envelope (prints its id)\n"
    "  inbox         list received envelopes\n"
    "  sent          list sent envelopes with their delivery summary\n"
    "  show ID       show one envelope and its content\n"
    "  ack ID        acknowledge a received envelope\n"
    "  delivery ID   per-recipient delivery state of a sent envelope\n"
    "  status        this node and its peer links\n"
    "  audit verify  verify the node's hash-chained audit log (offline)\n"
    "  audit checkpoint|prove ID|check-proof  signed tree heads and proofs\n"
    "  keys          the KEM key epochs and ML-DSA signing keys held; rotate them\n"
    "  track-report  send a live warning track update (FLASH), or a file of them\n"
    "  track-alerts  the duty officer's track alerts; --ack one\n"
    "  tracks        the current track picture (latest update per track)\n"
    "  operator      add, list, disable, reset, totp operator accounts (admin)\n"
    "  stix push|search|sight|disarm  STIX 2.1 objects: push a bundle, search,\n"
    "                sight; convert a DISARM incident page\n"
    "  misp import   convert a MISP event to STIX 2.1 and push it\n"
    "  detect --format FMT FILE  match a sensor file on the node; --report sights\n"
    "  taxii pull|sources       external TAXII sources polled by the node\n"
    "  revoke NOTICE give the node a partner CA's revocation notice; --list\n"
    "  backup FILE | backup verify FILE   a sealed backup of the node, and its check\n"
    "  restore FILE DIR         a backup's files into DIR, checked\n"
    "  login URL     log in to a node; later commands without -c use the profile\n"
    "  logout        end the profile's session\n"
    "  help [CMD]    this help, or a command's help\n"
    "\n"
    "Options:\n"
    "  -c CONF       node configuration (default: $HOTLINE_CONF; without either,\n"
    "                the profile of hotline login)\n"
    "  --otp CODE    the one-time code of an account with a second factor\n"
    "                (default: $HOTLINE_OTP)\n"
    "  -h, --help    help;  --version  print the version\n"
    "\n"
    "Environment: HOTLINE_CONF, HOTLINE_API=host:port, HOTLINE_USER, HOTLINE_PASSWORD,\n"
    "HOTLINE_OTP, HOTLINE_PROFILE.\n"
    "Exit status: 0 ok, 1 failed or refused, 2 usage, 3 node unreachable, 4 authentication.\n"
    "See docs/CLI.md.\n";

static const struct cmd cmds[] = {
	{ "pki", hl_cli_pki, hl_cli_pki_usage },
	{ "send", hl_cli_send, hl_cli_send_usage },
	{ "inbox", hl_cli_inbox, hl_cli_inbox_usage },
	{ "sent", hl_cli_sent, hl_cli_sent_usage },
	{ "show", hl_cli_show, hl_cli_show_usage },
	{ "ack", hl_cli_ack, hl_cli_ack_usage },
	{ "delivery", hl_cli_delivery, hl_cli_delivery_usage },
	{ "status", hl_cli_status, hl_cli_status_usage },
	{ "audit", hl_cli_audit, hl_cli_audit_usage },
	{ "keys", hl_cli_keys, hl_cli_keys_usage },
	{ "track-report", hl_cli_track_report, hl_cli_track_report_usage },
	{ "track-alerts", hl_cli_track_alerts, hl_cli_track_alerts_usage },
	{ "tracks", hl_cli_tracks, hl_cli_tracks_usage },
	{ "operator", hl_cli_operator, hl_cli_operator_usage },
	{ "stix", hl_cli_stix, hl_cli_stix_usage },
	{ "misp", hl_cli_misp, hl_cli_misp_usage },
	{ "detect", hl_cli_detect, hl_cli_detect_usage },
	{ "taxii", hl_cli_taxii, hl_cli_taxii_usage },
	{ "revoke", hl_cli_revoke, hl_cli_revoke_usage },
	{ "backup", hl_cli_backup, hl_cli_backup_usage },
	{ "restore", hl_cli_restore, hl_cli_backup_usage },
	{ "login", hl_cli_login, hl_cli_login_usage },
	{ "logout", hl_cli_logout, hl_cli_logout_usage },
	{ "help", NULL, global_usage },
};

static int
help(int argc, char **argv)
{
	size_t i;

	if (argc == 0 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
		fputs(global_usage, stdout);
		return EX_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmds[i].name, argv[0]) == 0) {
			fputs(cmds[i].usage, stdout);
			return EX_OK;
		}
	}
	return hl_cli_fail(EX_USAGE, "help: unknown command \"%.40s\"", argv[0]);
}

int
main(int argc, char **argv)
{
	struct hl_cli *cli = NULL;   /* large (the configuration): not on the stack */
	size_t i;
	int a = 1, rc;

	/* a node that dies mid-request must give "cannot reach", not SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	hl_apijson_init();
	if ((cli = hl_calloc(1, sizeof(*cli))) == NULL)
		return hl_cli_fail(EX_FAIL, "out of memory");
	cli->conf_path = getenv("HOTLINE_CONF");
	if (cli->conf_path != NULL && cli->conf_path[0] == '\0')
		cli->conf_path = NULL;
	while (a < argc && argv[a][0] == '-') {
		if (strcmp(argv[a], "-h") == 0 || strcmp(argv[a], "--help") == 0) {
			fputs(global_usage, stdout);
			rc = EX_OK;
			goto out;
		} else if (strcmp(argv[a], "--version") == 0) {
			printf("hotline %s\n", HL_VERSION);
			rc = EX_OK;
			goto out;
		} else if (strcmp(argv[a], "-c") == 0) {
			if (a + 1 >= argc) {
				rc = hl_cli_fail(EX_USAGE, "-c needs a configuration file");
				goto out;
			}
			cli->conf_path = argv[a + 1];
			a += 2;
		} else if (strncmp(argv[a], "-c", 2) == 0) {
			cli->conf_path = argv[a] + 2;
			a++;
		} else if (strcmp(argv[a], "--otp") == 0) {
			if (a + 1 >= argc) {
				rc = hl_cli_fail(EX_USAGE, "--otp needs the one-time code");
				goto out;
			}
			cli->otp = argv[a + 1];
			a += 2;
		} else {
			rc = hl_cli_fail(EX_USAGE, "unknown option %.40s (see hotline --help)", argv[a]);
			goto out;
		}
	}
	if (a >= argc) {
		rc = hl_cli_fail(EX_USAGE, "no command given (see hotline --help)");
		goto out;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, argv[a]) == 0)
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0])) {
		rc = hl_cli_fail(EX_USAGE, "unknown command \"%.40s\" (see hotline --help)", argv[a]);
		goto out;
	}
	if (cmds[i].fn == NULL)
		rc = help(argc - a - 1, argv + a + 1);
	else
		rc = cmds[i].fn(cli, argc - a - 1, argv + a + 1);
	fflush(stdout);
	if (ferror(stdout) && rc == EX_OK)
		rc = hl_cli_fail(EX_FAIL, "cannot write to standard output");
out:
	if (cli->password != NULL)
		hl_free_secret(cli->password, cli->password_cap);
	hl_free_secret(cli->profile, sizeof(*cli->profile));
	hl_free(cli);
	return rc;
}
