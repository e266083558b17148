/* hotlined.c: the node daemon. hotlined [-d] [-n] -c node.conf */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <openssl/ssl.h>

#include "config.h"
#include "envelope.h"
#include "log.h"
#include "nodeinit.h"
#include "taxiipoll.h"
#include "version.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: hotlined [-d] [-n] -c node.conf\n"
	    "       hotlined --version\n"
	    "\n"
	    "  -c FILE   node configuration (see docs/CONFIG.md); default $HOTLINE_CONF\n"
	    "  -n        check the configuration and exit (errors as file:line: message)\n"
	    "  -d        verbose (debug) logging\n"
	    "  -h        this help\n");
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;

	(void)what;
	log_info("signal %d: shutting down", (int)sig);
	event_base_loopexit(base, NULL);
}

int
main(int argc, char **argv)
{
	static struct hl_config cfg;
	struct event_base *base = NULL;
	struct event *sigint = NULL, *sigterm = NULL;
	struct hl_node *node = NULL;
	struct hl_taxiipoll *poll = NULL;
	const char *conf = getenv("HOTLINE_CONF");
	char err[512];
	int ch, check = 0, verbose = 0, rc = 1;

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("hotlined %s\n", HL_VERSION);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	while ((ch = getopt(argc, argv, "c:dnh")) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'd': verbose = 1; break;
		case 'n': check = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || conf == NULL) {
		usage(stderr);
		return 2;
	}
	hl_log_init("hotlined", verbose);
	if (hl_config_load(conf, &cfg, err, sizeof(err)) != HL_OK) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (cfg.suite == HL_SUITE_X25519)
		log_warnx("%s: suite x25519 (classical only) chosen by allow_classical_suite: "
		    "new envelopes are not protected against harvest-now-decrypt-later", conf);
	if (check) {
		printf("%s: configuration OK (node %s, %u peers)\n", conf, cfg.node, cfg.npeers);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL) {
		log_warnx("cannot create event loop");
		goto out;
	}
	if (hl_node_new(&cfg, base, &node, err, sizeof(err)) != HL_OK) {
		fprintf(stderr, "hotlined: %s\n", err);
		goto out;
	}
	/* the TAXII poll bridge: [taxii_source] sections (taxiipoll.c) */
	if (hl_taxiipoll_new(node, base, &poll, err, sizeof(err)) != HL_OK) {
		fprintf(stderr, "hotlined: %s\n", err);
		goto out;
	}
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	if (sigint == NULL || sigterm == NULL || evsignal_add(sigint, NULL) != 0 ||
	    evsignal_add(sigterm, NULL) != 0) {
		log_warnx("cannot install signal handlers");
		goto out;
	}
	log_info("node %s running: peers on %s:%u, operator API on https://%s:%u/",
	    cfg.node, cfg.listen_host, cfg.listen_port, cfg.api_host, cfg.api_port);
	event_base_dispatch(base);
	hl_taxiipoll_free(poll);
	poll = NULL;
	hl_node_shutdown(node);
	rc = 0;
out:
	if (sigint != NULL)
		event_free(sigint);
	if (sigterm != NULL)
		event_free(sigterm);
	hl_taxiipoll_free(poll);
	hl_node_free(node);
	if (base != NULL)
		event_base_free(base);
	return rc;
}
