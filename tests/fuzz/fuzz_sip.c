/* fuzz_sip.c - libFuzzer target: a SIP message as the front end's agent callback sees it, then our call info extraction and RFC 7339 Via helpers (RFC 3261, RFC 7339) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/utils.h>

#include "gateway/sip_priv.h"
#include <sofia-sip/sip_util.h>

/* NTA's default for a UA (nta.c): errors in these headers do not make a request bad */
#define BAD_REQ_MASK (~(unsigned)(sip_mask_response | sip_mask_proxy | sip_mask_registrar | sip_mask_pref \
				  | sip_mask_privacy))

static void assert_cstr(const char *s, size_t bound)
{
	OSMO_ASSERT(s);
	OSMO_ASSERT(strnlen(s, bound + 1) <= bound);
}

static void assert_in_buf(const char *s, const char *buf, size_t size)
{
	OSMO_ASSERT(s);
	OSMO_ASSERT(strnlen(s, size) < size);
}

/* What NTA lets through to the agent callback (agent_recv_request): no fatal parse error, no
 * error in a header it minds, and sip_sanity_check() passed */
static bool nta_would_pass(msg_t *msg, const sip_t *sip)
{
	if (!sip || (sip->sip_flags & MSG_FLG_ERROR))
		return false;
	if (sip->sip_request && (msg_extract_errors(msg) & BAD_REQ_MASK))
		return false;
	return sip_sanity_check(sip) == 0;
}

static void check_call_info(const sip_t *sip, size_t size)
{
	struct sip_ci_buf b = {};
	const struct sip_call_info *ci = &b.ci;

	sip_uas_ci_fill(&b, sip);
	assert_in_buf(ci->ruri, b.ruri, sizeof(b.ruri));
	OSMO_ASSERT(ci->ruri == b.ruri);
	assert_in_buf(ci->from_display, b.from_display, sizeof(b.from_display));
	assert_in_buf(ci->cpc, b.cpc, sizeof(b.cpc));
	OSMO_ASSERT(ci->src_ip == b.src_ip);
	/* the others point into the parsed message: bounded by what came in */
	assert_cstr(ci->ruri_user, size);
	assert_cstr(ci->ruri_host, size);
	assert_cstr(ci->to_user, size);
	assert_cstr(ci->from_user, size);
	assert_cstr(ci->pai_user, size);
	assert_cstr(ci->resource_priority, size);
	assert_cstr(ci->call_id, size);
	OSMO_ASSERT(ci->sdp);
	OSMO_ASSERT(ci->sdp_len <= size);
	if (ci->sdp_len) {
		/* the body may hold anything, NULs included: its last byte is inside the message */
		volatile char last = ci->sdp[ci->sdp_len - 1];
		(void)last;
	}
	OSMO_ASSERT(ci->max_forwards >= -1);
	OSMO_ASSERT((ci->max_forwards == -1) == !sip->sip_max_forwards);
	OSMO_ASSERT(ci->privacy_id == 0 || ci->privacy_id == 1);
	OSMO_ASSERT(ci->privacy_header == 0 || ci->privacy_header == 1);
	OSMO_ASSERT(ci->already_shed == 0 || ci->already_shed == 1);
}

static void check_oc(msg_t *msg, sip_t *sip)
{
	struct sip_oc oc = {}, back = {};

	sip_oc_from_via(sip, &oc);
	OSMO_ASSERT(oc.present == 0 || oc.present == 1);
	OSMO_ASSERT(oc.oc <= 100);
	assert_in_buf(oc.algo, oc.algo, sizeof(oc.algo));
	if (!oc.present || !sip->sip_via)
		return;
	/* our own values put back on the Via and read again: the parameters survive the trip */
	OSMO_STRLCPY_ARRAY(oc.algo, "loss");
	sip_oc_to_via(msg, sip, &oc);
	sip_oc_from_via(sip, &back);
	OSMO_ASSERT(back.present);
	OSMO_ASSERT(back.oc == oc.oc);
	OSMO_ASSERT(back.validity_ms == oc.validity_ms);
	OSMO_ASSERT(back.seq == oc.seq);
	OSMO_ASSERT(!strcmp(back.algo, "loss"));
	OSMO_ASSERT(msg_serialize(msg, (msg_pub_t *)sip) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static msg_mclass_t const *mclass;
	msg_t *msg;
	sip_t *sip;

	/* the front end's class: P-Asserted-Identity and Privacy parsed */
	if (!mclass)
		mclass = sip_extend_mclass(NULL);
	msg = msg_make(mclass, MSG_DO_CANONIC, data, size);
	if (!msg)
		return 0;
	sip = sip_object(msg);
	if (nta_would_pass(msg, sip)) {
		if (sip->sip_request)
			check_call_info(sip, size);
		check_oc(msg, sip);
	}
	msg_destroy(msg);
	return 0;
}
