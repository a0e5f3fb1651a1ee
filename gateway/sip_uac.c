/* sip_uac.c - outgoing calls (ISUP -> SIP) and OPTIONS probes: the UAC side (RFC 3261 13.2, 9.1, 11; RFC 3262 4; RFC 7339) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "gateway/sip_priv.h"

#define MAX_PROBES 256

/* Outgoing failures before any state: the call layer sees FAILURE then TERMINATED, as always */
static void fail_early(struct sip_stack *stk, uint32_t ref, int status)
{
	sip_ev_simple(stk, SIP_EV_FAILURE, ref, status, 0, NULL, 0);
	sip_ev_simple(stk, SIP_EV_TERMINATED, ref, 0, 0, NULL, 0);
}

static const char *payload_of(const sip_t *sip, size_t *len)
{
	if (!sip || !sip->sip_payload || !sip->sip_payload->pl_len) {
		*len = 0;
		return NULL;
	}
	*len = sip->sip_payload->pl_len;
	return sip->sip_payload->pl_data;
}

static bool requires_100rel(const sip_t *sip)
{
	const msg_list_t *l;
	const msg_param_t *p;

	for (l = sip->sip_require; l; l = l->k_next)
		for (p = l->k_items; p && *p; p++)
			if (su_casematch(*p, "100rel"))
				return true;
	return false;
}

static int prack_resp_cb(struct sip_call *call, nta_outgoing_t *orq, const sip_t *sip)
{
	if (nta_outgoing_status(orq) >= 200)
		nta_outgoing_destroy(orq);
	return 0;
}

static void send_ack(struct sip_call *call, const sip_t *sip)
{
	struct sip_stack *stk = call->stk;
	sip_cseq_t *cseq = sip_cseq_create(stk->home, sip->sip_cseq->cs_seq, SIP_METHOD_ACK);
	nta_outgoing_t *ack;

	if (!cseq)
		return;
	/* NTA keeps the ACK for T2 and absorbs 2xx retransmissions with it */
	ack = nta_outgoing_tcreate(call->leg, NULL, NULL, NULL, SIP_METHOD_ACK, NULL, SIPTAG_CSEQ(cseq), TAG_END());
	su_free(stk->home, cseq);
	if (ack) {
		nta_outgoing_destroy(ack);
		sip_ctr_inc(stk->fe, SIP_CTR_TX_REQUEST);
	}
}

/* RFC 4028 7.2: the answer says who refreshes; no Session-Expires means no timer */
static void se_from_answer(struct sip_call *call, const sip_t *sip)
{
	const sip_session_expires_t *x = sip->sip_session_expires;

	if (!x)
		return;
	call->se = x->x_delta;
	/* uac_refresher means "the peer refreshes": here the peer is the UAS */
	call->uac_refresher = !(x->x_refresher && su_casematch(x->x_refresher, "uac"));
	sip_call_se_start(call);
}

static int invite_resp_cb(struct sip_call *call, nta_outgoing_t *orq, const sip_t *sip)
{
	struct sip_stack *stk = call->stk;
	int status = sip && sip->sip_status ? (int)sip->sip_status->st_status : nta_outgoing_status(orq);
	const char *sdp;
	size_t sdp_len;

	if (sip)
		sip_ctr_inc(stk->fe, SIP_CTR_RX_RESPONSE);
	if (status < 200) {
		if (status == 100 || !sip)
			return 0;
		if (sip->sip_to->a_tag) {
			nta_leg_rtag(call->leg, sip->sip_to->a_tag);
			nta_leg_client_route(call->leg, sip->sip_record_route, sip->sip_contact);
		}
		if (requires_100rel(sip) && sip->sip_rseq) {
			if (nta_outgoing_prack(call->leg, orq, prack_resp_cb, call, NULL, sip, TAG_END()))
				sip_ctr_inc(stk->fe, SIP_CTR_TX_REQUEST);
		}
		sdp = payload_of(sip, &sdp_len);
		sip_ev_simple(stk, SIP_EV_PROGRESS, call->ref, status, 0, sdp, sdp_len);
		return 0;
	}
	if (status < 300) {
		if (call->st != SIP_CALL_ST_WAIT_FINAL)
			return 0;	/* a fork's 2xx after the first: NTA ACKs and BYEs orphans */
		nta_leg_rtag(call->leg, sip->sip_to->a_tag);
		nta_leg_client_route(call->leg, sip->sip_record_route, sip->sip_contact);
		send_ack(call, sip);
		nta_outgoing_destroy(orq);
		call->orq = NULL;
		sip_call_set_state(call, SIP_CALL_ST_CONFIRMED);
		if (call->cancelled) {
			/* CANCEL crossed the 2xx: the call layer already gave up, release it */
			sip_call_send_bye(call, call->q850_cause);
			return 0;
		}
		sdp = payload_of(sip, &sdp_len);
		sip_ev_simple(stk, SIP_EV_ANSWER, call->ref, status, 0, sdp, sdp_len);
		se_from_answer(call, sip);
		return 0;
	}
	if (call->st != SIP_CALL_ST_WAIT_FINAL)
		return 0;
	sip_ev_simple(stk, SIP_EV_FAILURE, call->ref, status, sip ? sip_reason_q850(sip) : 0, NULL, 0);
	nta_outgoing_destroy(orq);
	call->orq = NULL;
	sip_call_free(call);
	return 0;
}

void sip_uac_invite(struct sip_stack *stk, const struct sip_cmd *cmd)
{
	struct sip_call *call;
	char from[320];
	const char *cpc = cmd->cpc && *cmd->cpc ? cmd->cpc : NULL;

	if (sip_call_find(stk, cmd->ref)) {
		LOGP(DSIP, LOGL_ERROR, "sip(%08x): INVITE for a ref in use, ignored\n", cmd->ref);
		return;
	}
	if (stk->ncalls >= stk->fe->cfg.max_dialogs) {
		sip_ctr_inc(stk->fe, SIP_CTR_REFUSED_DIALOGS);
		fail_early(stk, cmd->ref, 503);
		return;
	}
	call = sip_call_alloc(stk, cmd->ref, true);
	if (!call) {
		fail_early(stk, cmd->ref, 500);
		return;
	}
	snprintf(from, sizeof(from), "%s%s%s<%s%s%s>", cmd->from_display ? "\"" : "",
		 cmd->from_display ? cmd->from_display : "", cmd->from_display ? "\" " : "", cmd->from_uri,
		 cpc ? ";cpc=" : "", cpc ? cpc : "");
	call->leg = nta_leg_tcreate(stk->agent, sip_call_leg_cb, call, SIPTAG_FROM_STR(from),
				    SIPTAG_TO_STR(cmd->target_uri), TAG_END());
	if (!call->leg || !nta_leg_tag(call->leg, NULL)) {
		sip_ev_simple(stk, SIP_EV_FAILURE, call->ref, 500, 0, NULL, 0);
		sip_call_free(call);
		return;
	}
	sip_call_set_sdp(call, cmd->sdp);
	call->orq = nta_outgoing_tcreate(call->leg, invite_resp_cb, call,
					 cmd->next_hop ? sip_url_str(cmd->next_hop) : NULL,
					 SIP_METHOD_INVITE, sip_url_str(cmd->target_uri),
					 SIPTAG_CONTACT_STR(stk->contact),
					 SIPTAG_SUPPORTED_STR("100rel, timer"),
					 SIPTAG_ALLOW_STR("INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, PRACK"),
					 TAG_IF(cmd->pai_uri, SIPTAG_P_ASSERTED_IDENTITY_STR(cmd->pai_uri)),
					 TAG_IF(cmd->privacy_id, SIPTAG_PRIVACY_STR("id")),
					 TAG_IF(call->local_sdp, SIPTAG_CONTENT_TYPE_STR("application/sdp")),
					 TAG_IF(call->local_sdp, SIPTAG_PAYLOAD_STR(call->local_sdp)), TAG_END());
	if (!call->orq) {
		sip_ev_simple(stk, SIP_EV_FAILURE, call->ref, 500, 0, NULL, 0);
		sip_call_free(call);
		return;
	}
	sip_ctr_inc(stk->fe, SIP_CTR_TX_REQUEST);
}

void sip_uac_cancel(struct sip_stack *stk, const struct sip_cmd *cmd)
{
	struct sip_call *call = sip_call_find(stk, cmd->ref);
	char reason[32];

	if (!call)
		return;
	if (!call->outgoing || call->st != SIP_CALL_ST_WAIT_FINAL) {
		sip_call_send_bye(call, cmd->q850_cause);
		return;
	}
	if (call->cancelled)
		return;
	call->cancelled = true;
	call->q850_cause = cmd->q850_cause;
	snprintf(reason, sizeof(reason), "Q.850;cause=%d", cmd->q850_cause);
	/* RFC 3261 9.1: NTA holds the CANCEL until a provisional came; the INVITE then ends with 487 */
	if (nta_outgoing_tcancel(call->orq, NULL, NULL, TAG_IF(cmd->q850_cause > 0, SIPTAG_REASON_STR(reason)),
				 TAG_END()))
		sip_ctr_inc(stk->fe, SIP_CTR_TX_REQUEST);
}

/* --- OPTIONS probes: a throw-away leg and one transaction each --- */

struct sip_probe {
	struct sip_stack *stk;
	uint32_t ref;
	nta_leg_t *leg;
};

static void oc_from_via(const sip_t *sip, struct sip_oc *oc)
{
	const sip_via_t *v = sip ? sip->sip_via : NULL;
	const char *s;

	if (!v || !(s = msg_header_find_param(v->v_common, "oc")) || !*s)
		return;
	oc->present = 1;
	oc->oc = atoi(s);
	if ((s = msg_header_find_param(v->v_common, "oc-validity")))
		oc->validity_ms = atoi(s);
	if ((s = msg_header_find_param(v->v_common, "oc-seq"))) {
		const char *dot = strchr(s, '.');
		oc->seq = strtoull(s, NULL, 10) * 1000 + (dot ? strtoul(dot + 1, NULL, 10) % 1000 : 0);
	}
	if ((s = msg_header_find_param(v->v_common, "oc-algo"))) {
		size_t n;
		if (*s == '"')
			s++;
		n = strcspn(s, "\"");
		if (n >= sizeof(oc->algo))
			n = sizeof(oc->algo) - 1;
		memcpy(oc->algo, s, n);
		oc->algo[n] = '\0';
	}
}

static int options_resp_cb(struct sip_call *magic, nta_outgoing_t *orq, const sip_t *sip)
{
	struct sip_probe *pr = (struct sip_probe *)magic;
	int status = sip && sip->sip_status ? (int)sip->sip_status->st_status : nta_outgoing_status(orq);
	struct sip_pending *p;

	if (status < 200)
		return 0;
	if (sip)
		sip_ctr_inc(pr->stk->fe, SIP_CTR_RX_RESPONSE);
	p = sip_ev_alloc(SIP_EV_OPTIONS_RESULT, pr->ref, 0);
	if (p) {
		p->ev.status = status;
		oc_from_via(sip, &p->ev.oc);
		sip_ev_send(pr->stk, p);
	}
	nta_outgoing_destroy(orq);
	nta_leg_destroy(pr->leg);
	pr->stk->nprobes--;
	free(pr);
	return 0;
}

void sip_uac_options(struct sip_stack *stk, const struct sip_cmd *cmd)
{
	struct sip_probe *pr;
	struct sip_pending *p;
	char from[160];

	if (stk->nprobes >= MAX_PROBES || !(pr = calloc(1, sizeof(*pr))))
		goto fail;
	pr->stk = stk;
	pr->ref = cmd->ref;
	snprintf(from, sizeof(from), "%s", stk->contact);
	pr->leg = nta_leg_tcreate(stk->agent, NULL, NULL, SIPTAG_FROM_STR(from), SIPTAG_TO_STR(cmd->target_uri),
				  TAG_END());
	if (!pr->leg || !nta_leg_tag(pr->leg, NULL)
	    || !nta_outgoing_tcreate(pr->leg, options_resp_cb, (struct sip_call *)pr, NULL, SIP_METHOD_OPTIONS,
				     sip_url_str(cmd->target_uri), TAG_END())) {
		if (pr->leg)
			nta_leg_destroy(pr->leg);
		free(pr);
		goto fail;
	}
	stk->nprobes++;
	sip_ctr_inc(stk->fe, SIP_CTR_TX_REQUEST);
	return;
fail:
	p = sip_ev_alloc(SIP_EV_OPTIONS_RESULT, cmd->ref, 0);
	if (p) {
		p->ev.status = 503;
		sip_ev_send(stk, p);
	}
}
