/* fuzz_isup.c - libFuzzer target for the ISUP decoder and encoder (Q.763) */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/talloc.h>

#include "sigtran/isup.h"

/* Decode anything; whatever decodes must re-encode, and the re-encoding
 * must decode to a message that encodes to the same octets. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *ctx = talloc_named_const(NULL, 0, "fuzz");
	struct isup_err err = { 0 };
	struct isup_msg *m, *m2;
	static uint8_t b1[8192], b2[8192];
	bool notify;
	int n1, n2;

	int rc = isup_decode(ctx, data, size, &m, &err);

	if (rc == 0) {
		n1 = isup_encode(m, b1, sizeof(b1));
		if (n1 <= 0)
			abort();
		if (isup_decode(ctx, b1, n1, &m2, &err) != 0)
			abort();
		n2 = isup_encode(m2, b2, sizeof(b2));
		if (n2 != n1 || memcmp(b1, b2, n1))
			abort();
		if (m->n_unknown)
			isup_unrec_param_action(m, m->unknown[0].code, ISUP_NODE_END, &notify);
		(void)isup_msg_type_name(m->type);
		if (ISUP_HAS(m, ISUP_P_CAUSE))
			(void)isup_cause_name(m->cause.value);
		talloc_free(m);
		talloc_free(m2);
	} else if (rc != -ENOMEM && !err.reason) {
		abort();
	}
	/* a refused message leaves nothing behind */
	if (talloc_total_blocks(ctx) != 1)
		abort();
	talloc_free(ctx);
	return 0;
}
