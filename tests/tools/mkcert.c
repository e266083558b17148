/* mkcert.c: certificates for the integration tests (expired, not yet valid,
 * wrong CA, wrong name), through the same pki.c the node uses.
 *
 *   mkcert --ca DIR PARTNER
 *       new partner CA in DIR (created 0700 if missing): DIR/ca.key, DIR/ca.crt
 *   mkcert CA_DIR NODE_NAME NOT_BEFORE_UNIX NOT_AFTER_UNIX KEY_OUT CERT_OUT
 *       node key (0600) + certificate signed by CA_DIR's CA; KEY_OUT and
 *       CERT_OUT are replaced if they exist (the library itself never
 *       overwrites a key: this tool removes them first)
 *   mkcert --pin CERT
 *       print the SHA-256 pin of a certificate (for ca_sha256 = ...)
 *   mkcert --operator CA_DIR PARTNER/NAME NOT_BEFORE NOT_AFTER EKU KEY_OUT CERT_OUT
 *       an operator's key (clear, 0600) + certificate, extended key usage
 *       EKU ("clientAuth", or another to be refused)
 *
 * Times may be given relative to now as +N or -N seconds ("-86400"). */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "hl_limits.h"
#include "pki.h"

static _Noreturn void
usage(void)
{
	fprintf(stderr,
	    "usage: mkcert --ca DIR PARTNER\n"
	    "       mkcert CA_DIR NODE_NAME NOT_BEFORE NOT_AFTER KEY_OUT CERT_OUT\n"
	    "       mkcert --pin CERT\n"
	    "       mkcert --operator CA_DIR PARTNER/NAME NOT_BEFORE NOT_AFTER EKU KEY_OUT CERT_OUT\n"
	    "NOT_BEFORE/NOT_AFTER: unix seconds, or +N/-N seconds from now\n");
	exit(2);
}

static int
parse_time(const char *s, int64_t *out)
{
	char *end = NULL;
	long long v;
	int rel = (s[0] == '+' || s[0] == '-');

	if (s[0] == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*out = rel ? (int64_t)time(NULL) + (int64_t)v : (int64_t)v;
	return 0;
}

int
main(int argc, char **argv)
{
	char err[1024] = "";
	int64_t nb, na;
	int r;

	if (argc == 4 && strcmp(argv[1], "--ca") == 0) {
		if (mkdir(argv[2], 0700) == -1 && errno != EEXIST) {
			fprintf(stderr, "mkcert: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		r = hl_pki_make_ca(argv[2], argv[3], 3650, err, sizeof(err));
	} else if (argc == 3 && strcmp(argv[1], "--pin") == 0) {
		uint8_t pin[HL_SHA256];
		size_t i;

		r = hl_pki_cert_sha256(argv[2], pin, err, sizeof(err));
		if (r == 0) {
			for (i = 0; i < sizeof(pin); i++)
				printf("%02x", pin[i]);
			printf("\n");
		}
	} else if (argc == 9 && strcmp(argv[1], "--operator") == 0) {
		if (parse_time(argv[4], &nb) != 0 || parse_time(argv[5], &na) != 0)
			usage();
		if ((unlink(argv[7]) == -1 && errno != ENOENT) ||
		    (unlink(argv[8]) == -1 && errno != ENOENT)) {
			fprintf(stderr, "mkcert: cannot replace %s / %s: %s\n", argv[7],
			    argv[8], strerror(errno));
			return 1;
		}
		r = hl_pki_issue_operator(argv[2], argv[3], nb, na, argv[6], argv[7], argv[8], err,
		    sizeof(err));
	} else if (argc == 7 && argv[1][0] != '-') {
		if (parse_time(argv[3], &nb) != 0 || parse_time(argv[4], &na) != 0)
			usage();
		if ((unlink(argv[5]) == -1 && errno != ENOENT) ||
		    (unlink(argv[6]) == -1 && errno != ENOENT)) {
			fprintf(stderr, "mkcert: cannot replace %s / %s: %s\n", argv[5],
			    argv[6], strerror(errno));
			return 1;
		}
		r = hl_pki_issue_node(argv[1], argv[2], nb, na, argv[5], argv[6], err,
		    sizeof(err));
	} else
		usage();
	if (r != 0) {
		fprintf(stderr, "mkcert: %s (%s)\n", err[0] ? err : "failed", hl_strerror(r));
		return 1;
	}
	return 0;
}
