/* cli_stix.h: the CLI's threat-intelligence commands (docs/CLI.md):
 * "stix push|search|sight", "misp import", "taxii pull|sources". hotline.c
 * hands over its configuration and API helpers; exit codes are the CLI's. */
#ifndef HL_CLI_STIX_H
#define HL_CLI_STIX_H

#include <jansson.h>

#include "config.h"
#include "httpc.h"

struct hl_cli_ctx {
	/* Load the configuration and the credentials; an exit code (0 = ok,
	 * after which cfg and hc are valid). Prints its own error line. */
	int (*setup)(void);
	const struct hl_config *cfg;
	const struct hl_httpc *hc;
	/* One operator API call (JSON); prints its own error line; an exit
	 * code. OUT: *resp on 0 (caller decrefs). */
	int (*api_call)(const char *what, const char *method, const char *path, json_t *body,
	    json_t **resp);
};

extern const char hl_cli_stix_usage[];
extern const char hl_cli_misp_usage[];
extern const char hl_cli_taxii_usage[];

int hl_cli_stix(const struct hl_cli_ctx *c, int argc, char **argv);
int hl_cli_misp(const struct hl_cli_ctx *c, int argc, char **argv);
int hl_cli_taxii(const struct hl_cli_ctx *c, int argc, char **argv);

#endif
