/* fuzz_revocation.c: the revocation notice decoder (revoke.h): anything it
 * accepts names a node of the notice's partner, has a reason within its
 * limit, and its signed part and signature cover the whole input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "label.h"
#include "revoke.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_revocation rv;
	char partner[HL_PARTNER_MAX + 1];

	if (hl_revocation_decode(data, size, &rv) != HL_OK)
		return 0;
	if (rv.signed_len + HL_REVOKE_SIG != size ||
	    !hl_label_node_name_valid(rv.node, partner) || strcmp(partner, rv.partner) != 0 ||
	    strlen(rv.reason) > HL_REVOKE_REASON_MAX)
		abort();
	return 0;
}
