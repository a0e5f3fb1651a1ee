/* sip_call.c - one SIP dialog in the SIP thread: table by ref, in-dialog requests, BYE, session timer (RFC 3261 12, 15; RFC 4028) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "gateway/sip_priv.h"

/* This object lives in the SIP thread and is driven by Sofia's loop and Sofia's timers, so it is
 * not an osmo_fsm (osmo timers run only under osmo_select_main). It is a thin shell: the call's
 * real state machine is the call FSM in main. Allowed transitions are a table all the same. */
static const char *const sip_call_st_name[] = {
	[SIP_CALL_ST_WAIT_ANSWER] = "WAIT_ANSWER",
	[SIP_CALL_ST_WAIT_ACK] = "WAIT_ACK",
	[SIP_CALL_ST_WAIT_FINAL] = "WAIT_FINAL",
	[SIP_CALL_ST_CONFIRMED] = "CONFIRMED",
	[SIP_CALL_ST_WAIT_BYE_RESP] = "WAIT_BYE_RESP",
};

static const uint32_t sip_call_st_next[] = {
	[SIP_CALL_ST_WAIT_ANSWER] = (1 << SIP_CALL_ST_WAIT_ACK) | (1 << SIP_CALL_ST_CONFIRMED),
	[SIP_CALL_ST_WAIT_ACK] = (1 << SIP_CALL_ST_CONFIRMED) | (1 << SIP_CALL_ST_WAIT_BYE_RESP),
	[SIP_CALL_ST_WAIT_FINAL] = (1 << SIP_CALL_ST_CONFIRMED) | (1 << SIP_CALL_ST_WAIT_BYE_RESP),
	[SIP_CALL_ST_CONFIRMED] = (1 << SIP_CALL_ST_WAIT_BYE_RESP),
	[SIP_CALL_ST_WAIT_BYE_RESP] = 0,
};

#define LOGCALL(call, lvl, fmt, args...) \
	LOGP(DSIP, lvl, "sip(%08x){%s}: " fmt, (call)->ref, sip_call_st_name[(call)->st], ##args)

void sip_call_set_state(struct sip_call *call, enum sip_call_state st)
{
	OSMO_ASSERT(sip_call_st_next[call->st] & (1u << st));
	LOGCALL(call, LOGL_DEBUG, "-> %s\n", sip_call_st_name[st]);
	call->st = st;
}

static unsigned hash_of(uint32_t ref)
{
	return (ref * 2654435761u) >> 7;
}

struct sip_call *sip_call_find(struct sip_stack *stk, uint32_t ref)
{
	struct sip_call *c;

	for (c = stk->hash[hash_of(ref) & stk->hash_mask]; c; c = c->hnext)
		if (c->ref == ref)
			return c;
	return NULL;
}

/* The caller has checked the dialog bound (stk->ncalls < max_dialogs) */
struct sip_call *sip_call_alloc(struct sip_stack *stk, uint32_t ref, bool outgoing)
{
	struct sip_call *call = calloc(1, sizeof(*call));
	unsigned h = hash_of(ref) & stk->hash_mask;

	if (!call)
		return NULL;
	call->stk = stk;
	call->ref = ref;
	call->outgoing = outgoing;
	call->st = outgoing ? SIP_CALL_ST_WAIT_FINAL : SIP_CALL_ST_WAIT_ANSWER;
	call->hnext = stk->hash[h];
	stk->hash[h] = call;
	stk->ncalls++;
	atomic_fetch_add(&stk->fe->dialogs, 1);
	sip_ctr_inc(stk->fe, SIP_CTR_DIALOGS_CREATED);
	return call;
}

static void call_release(struct sip_call *call)
{
	struct sip_stack *stk = call->stk;
	struct sip_call **pp;

	for (pp = &stk->hash[hash_of(call->ref) & stk->hash_mask]; *pp; pp = &(*pp)->hnext) {
		if (*pp == call) {
			*pp = call->hnext;
			break;
		}
	}
	if (call->se_timer)
		su_timer_destroy(call->se_timer);
	if (call->orq)
		nta_outgoing_destroy(call->orq);
	if (call->irq)
		nta_incoming_destroy(call->irq);
	if (call->leg)
		nta_leg_destroy(call->leg);
	free(call->local_sdp);
	stk->ncalls--;
	atomic_fetch_sub(&stk->fe->dialogs, 1);
	sip_ctr_inc(stk->fe, SIP_CTR_DIALOGS_FREED);
	free(call);
}

/* Free everything of this call and tell main the ref is gone */
void sip_call_free(struct sip_call *call)
{
	struct sip_stack *stk = call->stk;
	uint32_t ref = call->ref;

	LOGCALL(call, LOGL_DEBUG, "freed\n");
	call_release(call);
	sip_ev_simple(stk, SIP_EV_TERMINATED, ref, 0, 0, NULL, 0);
}

/* At shutdown: no events, main is no longer listening */
void sip_call_free_all(struct sip_stack *stk)
{
	unsigned i;

	for (i = 0; i <= stk->hash_mask; i++)
		while (stk->hash[i])
			call_release(stk->hash[i]);
}

int sip_call_set_sdp(struct sip_call *call, const char *sdp)
{
	char *copy;

	if (!sdp || !*sdp)
		return 0;
	copy = strdup(sdp);
	if (!copy)
		return -ENOMEM;
	free(call->local_sdp);
	call->local_sdp = copy;
	return 0;
}

int sip_reason_q850(const sip_t *sip)
{
	const sip_reason_t *re;

	for (re = sip->sip_reason; re; re = re->re_next)
		if (re->re_protocol && su_casematch(re->re_protocol, "Q.850") && re->re_cause)
			return atoi(re->re_cause);
	return 0;
}

static int bye_resp_cb(struct sip_call *call, nta_outgoing_t *orq, const sip_t *sip)
{
	int status = sip ? (sip->sip_status ? (int)sip->sip_status->st_status : 0) : 408;

	if (!sip)
		status = nta_outgoing_status(orq);
	else
		sip_ctr_inc(call->stk->fe, SIP_CTR_RX_RESPONSE);
	if (status < 200)
		return 0;
	sip_call_free(call);
	return 0;
}

/* RFC 3261 15.1.1: BYE within the dialog; the call is freed on its final response */
void sip_call_send_bye(struct sip_call *call, int q850_cause)
{
	char reason[48];

	switch (call->st) {
	case SIP_CALL_ST_WAIT_ANSWER:
		/* not answered yet: a release before the answer is a final error response */
		if (call->irq) {
			snprintf(reason, sizeof(reason), "Q.850;cause=%d", q850_cause);
			nta_incoming_treply(call->irq, SIP_480_TEMPORARILY_UNAVAILABLE,
					    TAG_IF(q850_cause > 0, SIPTAG_REASON_STR(reason)), TAG_END());
			sip_ctr_tx_status(call->stk->fe, 480);
		}
		sip_call_free(call);
		return;
	case SIP_CALL_ST_WAIT_FINAL:
		/* outgoing, no answer yet: that is a CANCEL */
		{
			struct sip_cmd c = { .type = SIP_CMD_CANCEL, .ref = call->ref, .q850_cause = q850_cause };
			sip_uac_cancel(call->stk, &c);
		}
		return;
	case SIP_CALL_ST_WAIT_BYE_RESP:
		return;
	case SIP_CALL_ST_WAIT_ACK:
	case SIP_CALL_ST_CONFIRMED:
		break;
	default:
		return;
	}
	if (call->irq) {
		nta_incoming_destroy(call->irq);
		call->irq = NULL;
	}
	if (call->se_timer)
		su_timer_reset(call->se_timer);
	snprintf(reason, sizeof(reason), "Q.850;cause=%d", q850_cause);
	call->orq = nta_outgoing_tcreate(call->leg, bye_resp_cb, call, NULL, SIP_METHOD_BYE, NULL,
					 TAG_IF(q850_cause > 0, SIPTAG_REASON_STR(reason)), TAG_END());
	if (!call->orq) {
		LOGCALL(call, LOGL_ERROR, "cannot send BYE, freeing the call\n");
		sip_call_free(call);
		return;
	}
	sip_ctr_inc(call->stk->fe, SIP_CTR_TX_REQUEST);
	sip_call_set_state(call, SIP_CALL_ST_WAIT_BYE_RESP);
}

/* --- RFC 4028 session timer --- */

static void se_expired(struct sip_call *call)
{
	struct sip_stack *stk = call->stk;
	uint32_t ref = call->ref;

	LOGCALL(call, LOGL_NOTICE, "session refresh missing after %u s, releasing\n", call->se);
	sip_ctr_inc(stk->fe, SIP_CTR_SESSION_EXPIRED);
	sip_ev_simple(stk, SIP_EV_SESSION_EXPIRED, ref, 0, 0, NULL, 0);
	/* Q.850 cause 102: recovery on timer expiry */
	sip_call_send_bye(call, 102);
}

static int refresh_resp_cb(struct sip_call *call, nta_outgoing_t *orq, const sip_t *sip)
{
	int status = sip && sip->sip_status ? (int)sip->sip_status->st_status : nta_outgoing_status(orq);

	if (status < 200)
		return 0;
	nta_outgoing_destroy(orq);
	if (call->orq == orq)
		call->orq = NULL;
	if (status >= 300 && status != 491)
		se_expired(call);
	return 0;
}

static void se_timer_cb(su_root_magic_t *magic, su_timer_t *t, struct sip_call *call)
{
	if (call->st != SIP_CALL_ST_CONFIRMED && call->st != SIP_CALL_ST_WAIT_ACK)
		return;
	if (!call->uac_refresher) {
		char se[48];
		/* RFC 4028 10: we are the refresher; UPDATE without SDP at half the interval */
		if (call->orq)
			return sip_call_se_start(call);
		snprintf(se, sizeof(se), "%u;refresher=%s", call->se, call->outgoing ? "uac" : "uas");
		call->orq = nta_outgoing_tcreate(call->leg, refresh_resp_cb, call, NULL, SIP_METHOD_UPDATE, NULL,
						 SIPTAG_SESSION_EXPIRES_STR(se), SIPTAG_SUPPORTED_STR("timer"),
						 TAG_END());
		sip_ctr_inc(call->stk->fe, SIP_CTR_TX_REQUEST);
		sip_call_se_start(call);
		return;
	}
	se_expired(call);
}

/* (Re)arm: as refresher at se/2; otherwise at se - min(32, se/3) (RFC 4028 10) */
void sip_call_se_start(struct sip_call *call)
{
	su_duration_t ms;
	unsigned margin;

	if (!call->se)
		return;
	if (!call->se_timer) {
		call->se_timer = su_timer_create(su_root_task(call->stk->root), 1000);
		if (!call->se_timer)
			return;
	}
	margin = call->se / 3 < 32 ? call->se * 1000 / 3 : 32000;
	ms = call->uac_refresher ? call->se * 1000 - margin : call->se * 500;
	su_timer_set_interval(call->se_timer, se_timer_cb, call, ms);
}

/* --- in-dialog requests --- */

static int rx_refresh(struct sip_call *call, nta_incoming_t *irq, const sip_t *sip, bool invite)
{
	char se[48];
	const char *sdp = call->local_sdp;
	int answer_sdp = invite || (sip->sip_payload && sip->sip_payload->pl_len);

	if (sip->sip_session_expires && call->se) {
		unsigned want = sip->sip_session_expires->x_delta;
		if (want < call->stk->fe->cfg.min_se) {
			char minse[16];
			snprintf(minse, sizeof(minse), "%u", call->stk->fe->cfg.min_se);
			nta_incoming_treply(irq, SIP_422_SESSION_TIMER_TOO_SMALL, SIPTAG_MIN_SE_STR(minse),
					    TAG_END());
			sip_ctr_tx_status(call->stk->fe, 422);
			return 0;
		}
		call->se = want;
	}
	snprintf(se, sizeof(se), "%u;refresher=%s", call->se, call->uac_refresher ? "uac" : "uas");
	nta_incoming_treply(irq, SIP_200_OK, SIPTAG_CONTACT_STR(call->stk->contact),
			    TAG_IF(call->se, SIPTAG_SESSION_EXPIRES_STR(se)),
			    TAG_IF(call->se, SIPTAG_REQUIRE_STR("timer")),
			    TAG_IF(answer_sdp && sdp, SIPTAG_CONTENT_TYPE_STR("application/sdp")),
			    TAG_IF(answer_sdp && sdp, SIPTAG_PAYLOAD_STR(sdp)), TAG_END());
	sip_ctr_tx_status(call->stk->fe, 200);
	sip_call_se_start(call);
	return 0;
}

int sip_call_leg_cb(struct sip_call *call, nta_leg_t *leg, nta_incoming_t *irq, const sip_t *sip)
{
	struct sip_fe *fe = call->stk->fe;
	sip_method_t method = sip->sip_request->rq_method;
	int rc;

	switch (method) {
	case sip_method_bye:
		sip_ctr_inc(fe, SIP_CTR_RX_BYE);
		nta_incoming_treply(irq, SIP_200_OK, TAG_END());
		sip_ctr_tx_status(fe, 200);
		nta_incoming_destroy(irq);
		if (call->st == SIP_CALL_ST_WAIT_ANSWER && call->irq) {
			nta_incoming_treply(call->irq, SIP_487_REQUEST_CANCELLED, TAG_END());
			sip_ctr_tx_status(fe, 487);
		}
		sip_ev_simple(call->stk, SIP_EV_BYE, call->ref, 0, sip_reason_q850(sip), NULL, 0);
		sip_call_free(call);
		return 0;
	case sip_method_invite:
	case sip_method_update:
		sip_ctr_inc(fe, method == sip_method_invite ? SIP_CTR_RX_INVITE : SIP_CTR_RX_UPDATE);
		if (call->st != SIP_CALL_ST_CONFIRMED && call->st != SIP_CALL_ST_WAIT_ACK) {
			sip_ctr_tx_status(fe, 491);
			return 491;
		}
		rc = rx_refresh(call, irq, sip, method == sip_method_invite);
		nta_incoming_destroy(irq);
		return rc;
	case sip_method_options:
		sip_ctr_inc(fe, SIP_CTR_RX_OPTIONS);
		sip_ctr_tx_status(fe, 200);
		return 200;
	case sip_method_ack:
		/* ACK to a re-INVITE 2xx: nothing to do */
		sip_ctr_inc(fe, SIP_CTR_RX_ACK);
		return 0;
	default:
		sip_ctr_inc(fe, SIP_CTR_RX_OTHER);
		sip_ctr_tx_status(fe, 501);
		return 501;
	}
}
