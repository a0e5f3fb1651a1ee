/* fuzz_cause_reason.c - libFuzzer target: Reason header parser and SIP -> Q.850 mapping (RFC 3326) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/utils.h>

#include "gateway/cause_map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	int cause, status;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	cause = cause_map_reason_parse(s);
	OSMO_ASSERT(cause == -1 || (cause >= 1 && cause <= 127));
	status = size >= 2 ? 300 + (data[0] | data[1] << 8) % 400 : 486;
	cause = cause_map_sip_to_q850(status, s);
	OSMO_ASSERT(cause >= 1 && cause <= 127);
	free(s);
	return 0;
}
