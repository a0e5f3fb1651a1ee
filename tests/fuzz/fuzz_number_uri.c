/* fuzz_number_uri.c - libFuzzer target: Request-URI/From/PAI number extraction and Privacy (RFC 3966/3323) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/utils.h>

#include "gateway/number.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct number_plan plan;
	struct number_calling calling;
	struct number_sip_identity id;
	struct number num;
	size_t bad_at = 0;
	char *s = malloc(size + 1);
	int rc;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	number_plan_init(&plan);
	OSMO_STRLCPY_ARRAY(plan.intl_prefix, "00");
	OSMO_STRLCPY_ARRAY(plan.natl_prefix, "0");
	OSMO_STRLCPY_ARRAY(plan.country_code, "33");

	rc = number_from_uri(&num, s, &bad_at);
	if (rc == 0) {
		OSMO_ASSERT(strlen(num.digits) >= 1 && strlen(num.digits) <= NUMBER_MAX_DIGITS);
		OSMO_ASSERT(strspn(num.digits, "0123456789") == strlen(num.digits));
	} else {
		OSMO_ASSERT(bad_at <= size);
	}
	number_calling_from_sip(&calling, s, s, s, &plan);
	OSMO_ASSERT(number_calling_to_sip(&id, &calling, &plan) == 0);
	number_cpc_to_sip(number_cpc_from_sip(s));
	free(s);
	return 0;
}
