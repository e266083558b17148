/* fuzz_config.c: hl_config_parse over arbitrary bytes. No I/O: the parser
 * never opens the paths it resolves (hl_config_load does that). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct hl_config conf;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	int r;

	r = hl_config_parse(data, size, "fuzz.conf", "/etc/hotline", &conf, err,
	    sizeof(err));
	if (r == HL_OK) {
		/* invariants of an accepted config */
		if (conf.node[0] == '\0' || conf.listen_port == 0 || conf.api_port == 0 ||
		    conf.policy.nlevels == 0 || conf.policy.nlevels > HL_LEVELS_MAX ||
		    conf.npeers > HL_PEERS_MAX || conf.noperators > HL_OPERATORS_MAX ||
		    conf.dead_after_ms <= conf.heartbeat_ms)
			__builtin_trap();
		for (unsigned i = 0; i < conf.npeers; i++)
			if (conf.peers[i].accreditation >= conf.policy.nlevels ||
			    hl_config_peer(&conf, conf.peers[i].node) != &conf.peers[i] ||
			    strcmp(conf.peers[i].node, conf.node) == 0)
				__builtin_trap();
		for (unsigned i = 0; i < conf.noperators; i++)
			if (conf.operators[i].clearance >= conf.policy.nlevels)
				__builtin_trap();
	} else if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL) {
		__builtin_trap();   /* every failure says why */
	}
	return 0;
}
