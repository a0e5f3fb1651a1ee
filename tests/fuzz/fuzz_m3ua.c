/* fuzz_m3ua.c - libFuzzer target for the M3UA decoder and its parameter accessors (RFC 4666 3) */
#include <stdint.h>
#include <stddef.h>

/* The decoder is compiled into the target itself so that it carries the fuzzer's coverage
 * instrumentation (the library is built with the plain CFLAGS). */
#include "sigtran/m3ua_msg.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct m3ua_decode_err err;
	struct m3ua_msg msg;
	struct mtp_transfer xfer;
	uint32_t apc[64], v;
	unsigned i;

	if (size >= M3UA_HDR_LEN)
		m3ua_hdr_check(data, size, &err);
	if (m3ua_decode(&msg, data, size, &err) < 0)
		return 0;
	/* Touch every parameter so the sanitizers see any out-of-bounds pointer. */
	for (i = 0; i < msg.num_params; i++) {
		volatile uint8_t sink = 0;
		unsigned j;

		for (j = 0; j < msg.params[i].len; j++)
			sink ^= msg.params[i].val[j];
		(void)sink;
	}
	if (m3ua_msg_get_pdata(&msg, &xfer) == 0 && xfer.len) {
		volatile uint8_t last = xfer.data[xfer.len - 1];
		(void)last;
	}
	m3ua_msg_get_apc(&msg, apc, 64);
	m3ua_msg_get_u32(&msg, M3UA_IEI_ROUTE_CTX, &v);
	return 0;
}
