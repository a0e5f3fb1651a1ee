/* fuzz_sdp.c - libFuzzer target: the SDP offer scan and the answer built from it (RFC 3264) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "gateway/call_sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct call_media_map map = { .ip = "192.0.2.10", .rtp_base = 20000 };
	void *ctx = talloc_named_const(NULL, 0, "fuzz");
	char *offer = talloc_strndup(ctx, (const char *)data, size);	/* as the call copies it */
	int pt = call_sdp_pick_pt(offer);
	char *answer;

	OSMO_ASSERT(pt == -1 || pt == 0 || pt == 8);
	OSMO_ASSERT(call_sdp_offer_usable(offer) == (pt >= 0));
	if (pt >= 0) {
		answer = call_sdp_make(ctx, &map, 18, size % 4096, offer);
		OSMO_ASSERT(answer);
		OSMO_ASSERT(strstr(answer, pt == 8 ? "a=rtpmap:8 PCMA/8000\r\n" : "a=rtpmap:0 PCMU/8000\r\n"));
	}
	talloc_free(ctx);
	return 0;
}
