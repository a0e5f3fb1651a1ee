/* sip_uas.c - requests outside a dialog: stateless refusals before any state, then the UAS side of a call (RFC 3261 8.2, 13.3; RFC 3262; RFC 4028; RFC 7339) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "gateway/sip_priv.h"

#define ALLOW_STR "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, PRACK"

static const struct {
	sip_method_t method;
	enum sip_ctr ctr;
} rx_ctr_by_method[] = {
	{ sip_method_invite, SIP_CTR_RX_INVITE },
	{ sip_method_ack, SIP_CTR_RX_ACK },
	{ sip_method_bye, SIP_CTR_RX_BYE },
	{ sip_method_cancel, SIP_CTR_RX_CANCEL },
	{ sip_method_options, SIP_CTR_RX_OPTIONS },
	{ sip_method_update, SIP_CTR_RX_UPDATE },
	{ sip_method_prack, SIP_CTR_RX_PRACK },
};

static void count_rx(struct sip_fe *fe, sip_method_t m)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(rx_ctr_by_method); i++) {
		if (rx_ctr_by_method[i].method == m) {
			sip_ctr_inc(fe, rx_ctr_by_method[i].ctr);
			return;
		}
	}
	sip_ctr_inc(fe, SIP_CTR_RX_OTHER);
}

static bool source_trusted(const struct sip_fe *fe, msg_t *msg, char *ip, size_t iplen, uint16_t *port,
			   enum sip_transport *tp)
{
	su_addrinfo_t *ai = msg_addrinfo(msg);
	const struct sockaddr_in *sin;
	uint32_t a;
	unsigned i;

	ip[0] = '\0';
	*port = 0;
	*tp = SIP_TP_UDP;
	if (!ai || !ai->ai_addr || ai->ai_addr->sa_family != AF_INET)
		return false;
	sin = (const struct sockaddr_in *)ai->ai_addr;
	inet_ntop(AF_INET, &sin->sin_addr, ip, iplen);
	*port = ntohs(sin->sin_port);
	*tp = ai->ai_protocol == IPPROTO_TCP ? SIP_TP_TCP : SIP_TP_UDP;
	a = ntohl(sin->sin_addr.s_addr);
	for (i = 0; i < fe->cfg.num_trusted; i++)
		if ((a & fe->cfg.trusted[i].mask) == fe->cfg.trusted[i].net)
			return true;
	return false;
}

/* RFC 7339 5.2: the server's overload values go on the top Via of the response. The response
 * copies the request's Via, so the parameters are put on the request's top Via. */
void sip_oc_to_via(msg_t *msg, sip_t *sip, const struct sip_oc *oc)
{
	su_home_t *home = msg_home(msg);
	sip_via_t *v = sip->sip_via;

	if (!oc->present || !v)
		return;
	msg_header_replace_param(home, v->v_common, su_sprintf(home, "oc=%u", oc->oc > 100 ? 100 : oc->oc));
	msg_header_replace_param(home, v->v_common, su_sprintf(home, "oc-validity=%u", oc->validity_ms));
	/* oc-seq = 1*12DIGIT "." 1*5DIGIT: the sequence is kept in milliseconds */
	msg_header_replace_param(home, v->v_common,
				 su_sprintf(home, "oc-seq=%llu.%03llu", (unsigned long long)(oc->seq / 1000),
					    (unsigned long long)(oc->seq % 1000)));
	msg_header_replace_param(home, v->v_common,
				 su_sprintf(home, "oc-algo=\"%s\"", oc->algo[0] ? oc->algo : "loss"));
	msg_fragment_clear(v->v_common);
}

static void treply(struct sip_stack *stk, msg_t *msg, int status, const char *phrase, tag_type_t tag,
		   tag_value_t value, ...)
{
	ta_list ta;

	ta_start(ta, tag, value);
	nta_msg_treply(stk->agent, msg, status, phrase, ta_tags(ta));
	(void)ta_end(ta);
	sip_ctr_tx_status(stk->fe, status);
}

/* --- what the admission hook and the call layer see --- */

struct ci_buf {
	struct sip_call_info ci;
	char ruri[256];
	char from_display[128];
	char cpc[32];
	char src_ip[INET_ADDRSTRLEN];
};

static bool has_token(const msg_list_t *l, const char *tok)
{
	const msg_param_t *p;

	for (; l; l = l->k_next)
		for (p = l->k_items; p && *p; p++)
			if (su_casematch(*p, tok))
				return true;
	return false;
}

static const char *unknown_header(const sip_t *sip, const char *name)
{
	const sip_unknown_t *u;

	for (u = sip->sip_unknown; u; u = u->un_next)
		if (u->un_name && su_casematch(u->un_name, name))
			return u->un_value ? u->un_value : "";
	return NULL;
}

/* A site that sheds a call marks it; the mark may come back on the Request-URI (forward, or a
 * 302 Contact the caller followed) or on a Via (docs/admission.md) */
#define SHED_PARAM "x-gw-shed"

static bool via_has_shed_mark(const sip_t *sip)
{
	const sip_via_t *v;

	for (v = sip->sip_via; v; v = v->v_next)
		if (msg_header_find_param(v->v_common, SHED_PARAM))
			return true;
	return false;
}

static const char *shed_mark(const struct sip_refusal *ref)
{
	return ref->shed_mark[0] ? ref->shed_mark : SHED_PARAM;
}

/* cpc= as a URI parameter (tel:) or inside the user part (sip:+33...;cpc=x@host;user=phone) */
static bool find_cpc(const url_t *url, char *out, size_t outlen)
{
	const char *p;
	size_t n;

	if (url->url_params && url_param(url->url_params, "cpc", out, outlen) > 0)
		return true;
	if (!url->url_user || !(p = strstr(url->url_user, ";cpc=")))
		return false;
	p += 5;
	n = strcspn(p, ";");
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

static void ci_fill(struct ci_buf *b, msg_t *msg, const sip_t *sip)
{
	struct sip_call_info *ci = &b->ci;
	const url_t *ru = sip->sip_request->rq_url;
	const sip_p_asserted_identity_t *pai = sip_p_asserted_identity(sip);
	const sip_privacy_t *priv = sip_privacy(sip);
	const char *disp;
	const msg_param_t *pp;
	size_t n;

	url_e(b->ruri, sizeof(b->ruri), ru);
	b->ruri[sizeof(b->ruri) - 1] = '\0';
	ci->ruri = b->ruri;
	ci->ruri_is_tel = ru->url_type == url_tel;
	ci->ruri_user = ru->url_user ? ru->url_user : "";
	if (ci->ruri_is_tel && !ru->url_user)
		ci->ruri_user = ru->url_host ? ru->url_host : "";
	ci->ruri_host = ru->url_host && !ci->ruri_is_tel ? ru->url_host : "";
	ci->ruri_user_phone = ru->url_params && url_has_param(ru, "user=phone");
	ci->ruri_sos = su_casenmatch(b->ruri, "urn:service:sos", 15);
	ci->already_shed = (ru->url_params && url_has_param(ru, SHED_PARAM)) || via_has_shed_mark(sip);
	ci->to_user = sip->sip_to->a_url->url_user ? sip->sip_to->a_url->url_user : "";
	ci->from_user = sip->sip_from->a_url->url_user ? sip->sip_from->a_url->url_user : "";
	disp = sip->sip_from->a_display ? sip->sip_from->a_display : "";
	if (*disp == '"')
		disp++;
	n = strlen(disp);
	if (n && disp[n - 1] == '"')
		n--;
	if (n >= sizeof(b->from_display))
		n = sizeof(b->from_display) - 1;
	memcpy(b->from_display, disp, n);
	b->from_display[n] = '\0';
	ci->from_display = b->from_display;
	ci->pai_user = pai && pai->paid_url->url_user ? pai->paid_url->url_user : "";
	if (pai && pai->paid_url->url_type == url_tel && !pai->paid_url->url_user && pai->paid_url->url_host)
		ci->pai_user = pai->paid_url->url_host;
	for (pp = priv ? priv->priv_values : NULL; pp && *pp; pp++) {
		if (su_casematch(*pp, "id"))
			ci->privacy_id = 1;
		else if (su_casematch(*pp, "header"))
			ci->privacy_header = 1;
	}
	b->cpc[0] = '\0';
	if (!(pai && find_cpc(pai->paid_url, b->cpc, sizeof(b->cpc))))
		find_cpc(sip->sip_from->a_url, b->cpc, sizeof(b->cpc));
	ci->cpc = b->cpc;
	ci->resource_priority = unknown_header(sip, "Resource-Priority");
	if (!ci->resource_priority)
		ci->resource_priority = "";
	ci->sdp = sip->sip_payload ? sip->sip_payload->pl_data : "";
	ci->sdp_len = sip->sip_payload ? sip->sip_payload->pl_len : 0;
	ci->call_id = sip->sip_call_id->i_id;
	ci->max_forwards = sip->sip_max_forwards ? (int)sip->sip_max_forwards->mf_count : -1;
	ci->src_ip = b->src_ip;
	ci->rel100_required = has_token(sip->sip_require, "100rel");
}

/* Copy the call info into one event allocation */
static struct sip_pending *ci_pack(uint32_t ref, const struct sip_call_info *ci)
{
	const char *const *src[] = {
		&ci->ruri_user, &ci->ruri_host, &ci->ruri, &ci->to_user, &ci->from_user, &ci->from_display,
		&ci->pai_user, &ci->cpc, &ci->resource_priority, &ci->src_ip, &ci->call_id,
	};
	struct sip_pending *p;
	size_t len = ci->sdp_len + 1;
	unsigned i;
	char *pos;

	for (i = 0; i < ARRAY_SIZE(src); i++)
		len += strlen(*src[i]) + 1;
	p = sip_ev_alloc(SIP_EV_INVITE, ref, len);
	if (!p)
		return NULL;
	p->ev.ci = *ci;
	pos = p->strings;
	for (i = 0; i < ARRAY_SIZE(src); i++) {
		const char **dst = (const char **)((char *)&p->ev.ci + ((const char *)src[i] - (const char *)ci));
		size_t l = strlen(*src[i]) + 1;
		memcpy(pos, *src[i], l);
		*dst = pos;
		pos += l;
	}
	memcpy(pos, ci->sdp, ci->sdp_len);
	pos[ci->sdp_len] = '\0';
	p->ev.ci.sdp = pos;
	p->ev.sdp = pos;
	p->ev.sdp_len = ci->sdp_len;
	return p;
}

/* --- refusals, all stateless --- */

static void refuse(struct sip_stack *stk, msg_t *msg, sip_t *sip, const struct sip_refusal *ref)
{
	char ra[16], reason[32];
	int status = ref->status >= 300 && ref->status <= 699 ? ref->status : 503;
	const char *phrase = ref->reason[0] ? ref->reason : sip_status_phrase(status);

	snprintf(ra, sizeof(ra), "%u", ref->retry_after);
	snprintf(reason, sizeof(reason), "Q.850;cause=%d", ref->q850_cause);
	sip_oc_to_via(msg, sip, &ref->oc);
	treply(stk, msg, status, phrase ? phrase : "Service Unavailable",
	       TAG_IF(ref->retry_after, SIPTAG_RETRY_AFTER_STR(ra)),
	       TAG_IF(ref->q850_cause > 0, SIPTAG_REASON_STR(reason)), TAG_END());
}

static void redirect(struct sip_stack *stk, msg_t *msg, sip_t *sip, const struct sip_refusal *ref)
{
	char contact[sizeof(((struct sip_refusal *)0)->contact) + sizeof(((struct sip_refusal *)0)->shed_mark) + 4];

	/* the mark tells the next site this call was shed once already */
	snprintf(contact, sizeof(contact), "<%s;%s>", ref->contact, shed_mark(ref));
	sip_oc_to_via(msg, sip, &ref->oc);
	treply(stk, msg, SIP_302_MOVED_TEMPORARILY, SIPTAG_CONTACT_STR(contact), TAG_END());
	sip_ctr_inc(stk->fe, SIP_CTR_REDIRECTED);
}

/* RFC 3261 16.11 stateless forward to next_hop (NULL: by the Request-URI). Max-Forwards is
 * decremented (16.6 step 3), 483 at zero; a shed INVITE is marked so it is never shed twice. */
static void forward(struct sip_stack *stk, msg_t *msg, sip_t *sip, const char *next_hop, const char *mark)
{
	char mf[24];

	if (sip->sip_max_forwards && sip->sip_max_forwards->mf_count == 0) {
		if (sip->sip_request->rq_method == sip_method_ack)
			msg_destroy(msg);
		else
			treply(stk, msg, SIP_483_TOO_MANY_HOPS, TAG_END());
		return;
	}
	snprintf(mf, sizeof(mf), "%lu", sip->sip_max_forwards ? sip->sip_max_forwards->mf_count - 1 : 69);
	if (sip->sip_max_forwards)
		msg_header_remove(msg, (msg_pub_t *)sip, (msg_header_t *)sip->sip_max_forwards);
	if (mark) {
		/* the Request-URI is re-encoded from its parsed form after the change */
		url_param_add(msg_home(msg), sip->sip_request->rq_url, su_strdup(msg_home(msg), mark));
		msg_fragment_clear(sip->sip_request->rq_common);
	}
	nta_msg_tsend(stk->agent, msg, sip_url_str(next_hop), SIPTAG_MAX_FORWARDS_STR(mf), TAG_END());
	if (mark)
		sip_ctr_inc(stk->fe, SIP_CTR_FORWARDED);
	sip_ctr_inc(stk->fe, SIP_CTR_TX_REQUEST);
}

/* Is the Request-URI one of our listening addresses? */
static bool ruri_is_local(const struct sip_stack *stk, const url_t *u)
{
	const struct sip_fe_cfg *cfg = &stk->fe->cfg;
	unsigned port = u->url_port ? (unsigned)atoi(u->url_port) : 5060;
	unsigned i;

	if (!u->url_host)
		return true;
	for (i = 0; i < cfg->num_listen; i++)
		if (cfg->listen[i].port == port && !strcmp(cfg->listen[i].host, u->url_host))
			return true;
	return false;
}

/* --- the UAS side of one call --- */

static int prack_cb(struct sip_call *call, nta_reliable_t *rel, nta_incoming_t *prack, const sip_t *sip)
{
	if (!prack)
		return 0;
	sip_ctr_inc(call->stk->fe, SIP_CTR_RX_PRACK);
	sip_ctr_tx_status(call->stk->fe, 200);
	return 200;
}

/* ACK or CANCEL of the initial INVITE; sip == NULL: no ACK (timer H) or no PRACK */
static int irq_cb(struct sip_call *call, nta_incoming_t *irq, const sip_t *sip)
{
	struct sip_stack *stk = call->stk;

	if (!sip) {
		if (call->st == SIP_CALL_ST_WAIT_ACK) {
			LOGP(DSIP, LOGL_NOTICE, "sip(%08x): no ACK to 2xx, releasing\n", call->ref);
			sip_ev_simple(stk, SIP_EV_BYE, call->ref, 408, 102, NULL, 0);
			sip_call_send_bye(call, 102);
		} else if (call->st == SIP_CALL_ST_WAIT_ANSWER) {
			/* RFC 3262 3: reliable provisional not PRACKed, NTA answered 504 */
			sip_ev_simple(stk, SIP_EV_CANCEL, call->ref, 504, 102, NULL, 0);
			sip_call_free(call);
		}
		return 0;
	}
	switch (sip->sip_request->rq_method) {
	case sip_method_ack:
		sip_ctr_inc(stk->fe, SIP_CTR_RX_ACK);
		if (call->st != SIP_CALL_ST_WAIT_ACK)
			return 0;
		sip_call_set_state(call, SIP_CALL_ST_CONFIRMED);
		nta_incoming_destroy(call->irq);
		call->irq = NULL;
		sip_ev_simple(stk, SIP_EV_ACK, call->ref, 0, 0, NULL, 0);
		return 0;
	case sip_method_cancel:
		sip_ctr_inc(stk->fe, SIP_CTR_RX_CANCEL);
		sip_ctr_tx_status(stk->fe, 200);
		if (call->st != SIP_CALL_ST_WAIT_ANSWER)
			return 0;
		nta_incoming_treply(call->irq, SIP_487_REQUEST_CANCELLED, TAG_END());
		sip_ctr_tx_status(stk->fe, 487);
		sip_ev_simple(stk, SIP_EV_CANCEL, call->ref, 0, sip_reason_q850(sip), NULL, 0);
		sip_call_free(call);
		return 0;
	default:
		return 0;
	}
}

static uint32_t ref_alloc(struct sip_stack *stk)
{
	uint32_t ref;

	do {
		ref = SIP_REF_INCOMING | (stk->next_ref++ & ~SIP_REF_INCOMING);
	} while (ref == SIP_REF_INCOMING || sip_call_find(stk, ref));
	return ref;
}

/* RFC 4028 9: the refresher is what the UAC asked for; when it asked nothing, the UAC refreshes
 * if it supports timers, else we do */
static void se_negotiate(struct sip_call *call, const sip_t *sip)
{
	const struct sip_fe_cfg *cfg = &call->stk->fe->cfg;
	bool peer_timer = has_token(sip->sip_supported, "timer") || has_token(sip->sip_require, "timer");
	const sip_session_expires_t *x = sip->sip_session_expires;

	if (x) {
		call->se = x->x_delta;
		if (x->x_refresher)
			call->uac_refresher = su_casematch(x->x_refresher, "uac");
		else
			call->uac_refresher = peer_timer;
	} else if (cfg->session_expires && peer_timer) {
		call->se = cfg->session_expires;
		call->uac_refresher = true;
	}
}

static void accept_invite(struct sip_stack *stk, msg_t *msg, sip_t *sip, const struct sip_call_info *ci)
{
	struct sip_fe *fe = stk->fe;
	uint32_t ref = ref_alloc(stk);
	struct sip_pending *p = ci_pack(ref, ci);
	struct sip_call *call;

	if (!p) {
		treply(stk, msg, SIP_500_INTERNAL_SERVER_ERROR, TAG_END());
		return;
	}
	call = sip_call_alloc(stk, ref, false);
	if (!call) {
		free(p);
		treply(stk, msg, SIP_500_INTERNAL_SERVER_ERROR, TAG_END());
		return;
	}
	call->leg = nta_leg_tcreate(stk->agent, sip_call_leg_cb, call, SIPTAG_CALL_ID(sip->sip_call_id),
				    SIPTAG_FROM(sip->sip_to), SIPTAG_TO(sip->sip_from),
				    NTATAG_REMOTE_CSEQ(sip->sip_cseq->cs_seq), TAG_END());
	if (!call->leg || !nta_leg_tag(call->leg, NULL)
	    || nta_leg_server_route(call->leg, sip->sip_record_route, sip->sip_contact) < 0) {
		free(p);
		sip_call_free(call);
		treply(stk, msg, SIP_500_INTERNAL_SERVER_ERROR, TAG_END());
		return;
	}
	call->rel100 = ci->rel100_required
		       || (fe->cfg.rel100 == SIP_100REL_IF_SUPPORTED && has_token(sip->sip_supported, "100rel"));
	se_negotiate(call, sip);
	/* From here the request belongs to the transaction */
	call->irq = nta_incoming_create(stk->agent, call->leg, msg, sip, TAG_END());
	if (!call->irq) {
		free(p);
		sip_call_free(call);
		return;
	}
	nta_incoming_bind(call->irq, irq_cb, call);
	nta_incoming_treply(call->irq, SIP_100_TRYING, TAG_END());
	sip_ctr_tx_status(fe, 100);
	/* cannot fail: only this thread adds INVITE events and it checked the room before */
	if (sip_ev_send(stk, p) < 0) {
		free(p);
		nta_incoming_treply(call->irq, SIP_503_SERVICE_UNAVAILABLE, TAG_END());
		sip_ctr_tx_status(fe, 503);
		sip_call_free(call);
	}
}

static void rx_invite(struct sip_stack *stk, msg_t *msg, sip_t *sip, struct ci_buf *b)
{
	struct sip_fe *fe = stk->fe;
	const struct sip_fe_cfg *cfg = &fe->cfg;
	struct sip_refusal ref = { .status = 503 };
	const msg_param_t *pp;
	const msg_list_t *l;

	if (sip->sip_to->a_tag) {
		treply(stk, msg, SIP_481_NO_TRANSACTION, TAG_END());
		return;
	}
	/* RFC 3261 8.2.2.3: any required extension we do not do -> 420 */
	for (l = sip->sip_require; l; l = l->k_next) {
		for (pp = l->k_items; pp && *pp; pp++) {
			if (su_casematch(*pp, "timer") || (su_casematch(*pp, "100rel") && cfg->rel100 != SIP_100REL_NEVER))
				continue;
			treply(stk, msg, SIP_420_BAD_EXTENSION, SIPTAG_UNSUPPORTED_STR(*pp), TAG_END());
			return;
		}
	}
	/* RFC 4028 8.1: too small a Session-Expires -> 422 with our Min-SE, before any state */
	if (sip->sip_session_expires && sip->sip_session_expires->x_delta < cfg->min_se) {
		char minse[16];
		snprintf(minse, sizeof(minse), "%u", cfg->min_se);
		treply(stk, msg, SIP_422_SESSION_TIMER_TOO_SMALL, SIPTAG_MIN_SE_STR(minse), TAG_END());
		return;
	}
	if (stk->ncalls >= cfg->max_dialogs) {
		sip_ctr_inc(fe, SIP_CTR_REFUSED_DIALOGS);
		ref.retry_after = 5;
		if (cfg->overload)
			cfg->overload(fe->admit_priv, &ref.oc);
		refuse(stk, msg, sip, &ref);
		return;
	}
	if (atomic_load(&fe->evq_len) >= cfg->event_queue_len || stk->overflow_head) {
		sip_ctr_inc(fe, SIP_CTR_REFUSED_QUEUE_FULL);
		ref.retry_after = 5;
		if (cfg->overload)
			cfg->overload(fe->admit_priv, &ref.oc);
		refuse(stk, msg, sip, &ref);
		return;
	}
	ci_fill(b, msg, sip);
	switch (fe->admit(fe->admit_priv, &b->ci, &ref)) {
	case SIP_ADMIT_ACCEPT:
		accept_invite(stk, msg, sip, &b->ci);
		return;
	case SIP_ADMIT_REDIRECT:
		if (ref.contact[0]) {
			redirect(stk, msg, sip, &ref);
			return;
		}
		break;
	case SIP_ADMIT_FORWARD:
		if (ref.next_hop[0]) {
			forward(stk, msg, sip, ref.next_hop, shed_mark(&ref));
			return;
		}
		break;
	case SIP_ADMIT_REJECT:
		break;
	}
	sip_ctr_inc(fe, SIP_CTR_REFUSED_ADMISSION);
	refuse(stk, msg, sip, &ref);
}

/* Every request outside a dialog lands here (NTA has no default leg): decide before any state */
int sip_uas_agent_cb(struct sip_stack *stk, nta_agent_t *agent, msg_t *msg, sip_t *sip)
{
	struct sip_fe *fe = stk->fe;
	struct ci_buf b = {};
	sip_method_t method;

	if (!sip || !sip->sip_request) {
		/* a response not for us: forwarded statelessly if it has a Via below ours */
		sip_ctr_inc(fe, SIP_CTR_RX_RESPONSE);
		if (sip && sip->sip_status && sip->sip_via && sip->sip_via->v_next)
			nta_msg_tsend(agent, msg, NULL, TAG_END());
		else
			msg_destroy(msg);
		return 0;
	}
	method = sip->sip_request->rq_method;
	count_rx(fe, method);

	if (!source_trusted(fe, msg, b.src_ip, sizeof(b.src_ip), &b.ci.src_port, &b.ci.src_tp)) {
		sip_ctr_inc(fe, SIP_CTR_REFUSED_UNTRUSTED);
		if (method == sip_method_ack)
			msg_destroy(msg);
		else
			treply(stk, msg, SIP_403_FORBIDDEN, TAG_END());
		return 0;
	}

	/* In-dialog requests of a call we forwarded statelessly (ACK, BYE, re-INVITE) may reach us when
	 * the peer's Contact is reached through us: we are a stateless proxy for them. */
	if (sip->sip_to->a_tag && !ruri_is_local(stk, sip->sip_request->rq_url)) {
		forward(stk, msg, sip, NULL, NULL);
		return 0;
	}

	switch (method) {
	case sip_method_invite:
		rx_invite(stk, msg, sip, &b);
		return 0;
	case sip_method_ack:
		/* ACK to a stateless refusal, or to a call already gone */
		msg_destroy(msg);
		return 0;
	case sip_method_options: {
		struct sip_oc oc = {};
		if (fe->cfg.overload)
			fe->cfg.overload(fe->admit_priv, &oc);
		sip_oc_to_via(msg, sip, &oc);
		treply(stk, msg, SIP_200_OK, SIPTAG_ALLOW_STR(ALLOW_STR), SIPTAG_ACCEPT_STR("application/sdp"),
		       SIPTAG_SUPPORTED_STR("100rel, timer"), TAG_END());
		return 0;
	}
	case sip_method_bye:
	case sip_method_cancel:
	case sip_method_update:
	case sip_method_prack:
	case sip_method_info:
		treply(stk, msg, SIP_481_NO_TRANSACTION, TAG_END());
		return 0;
	default:
		treply(stk, msg, SIP_501_NOT_IMPLEMENTED, SIPTAG_ALLOW_STR(ALLOW_STR), TAG_END());
		return 0;
	}
}

/* A command from main for an incoming call: provisional, answer or refusal */
void sip_uas_respond(struct sip_stack *stk, const struct sip_cmd *cmd)
{
	struct sip_call *call = sip_call_find(stk, cmd->ref);
	const char *sdp = cmd->sdp && *cmd->sdp ? cmd->sdp : NULL;
	const char *phrase;
	char reason[32], se[48], contact[300];
	int status = cmd->status;

	if (!call || call->outgoing || call->st != SIP_CALL_ST_WAIT_ANSWER || !call->irq)
		return;
	phrase = cmd->reason && *cmd->reason ? cmd->reason : sip_status_phrase(status);
	if (!phrase)
		phrase = "";
	snprintf(reason, sizeof(reason), "Q.850;cause=%d", cmd->q850_cause);

	if (status < 200) {
		if (status == 100)
			return;
		if (call->rel100) {
			if (!nta_reliable_treply(call->irq, prack_cb, call, status, phrase,
						 SIPTAG_REQUIRE_STR("100rel"), SIPTAG_CONTACT_STR(stk->contact),
						 TAG_IF(sdp, SIPTAG_CONTENT_TYPE_STR("application/sdp")),
						 TAG_IF(sdp, SIPTAG_PAYLOAD_STR(sdp)), TAG_END()))
				return;
		} else {
			nta_incoming_treply(call->irq, status, phrase, SIPTAG_CONTACT_STR(stk->contact),
					    TAG_IF(sdp, SIPTAG_CONTENT_TYPE_STR("application/sdp")),
					    TAG_IF(sdp, SIPTAG_PAYLOAD_STR(sdp)), TAG_END());
		}
		sip_ctr_tx_status(stk->fe, status);
		return;
	}
	if (status < 300) {
		sip_call_set_sdp(call, sdp);
		snprintf(se, sizeof(se), "%u;refresher=%s", call->se, call->uac_refresher ? "uac" : "uas");
		nta_incoming_treply(call->irq, status, phrase, SIPTAG_CONTACT_STR(stk->contact),
				    SIPTAG_ALLOW_STR(ALLOW_STR), SIPTAG_SUPPORTED_STR("100rel, timer"),
				    TAG_IF(call->se, SIPTAG_SESSION_EXPIRES_STR(se)),
				    TAG_IF(call->se && call->uac_refresher, SIPTAG_REQUIRE_STR("timer")),
				    TAG_IF(sdp, SIPTAG_CONTENT_TYPE_STR("application/sdp")),
				    TAG_IF(sdp, SIPTAG_PAYLOAD_STR(sdp)), TAG_END());
		sip_ctr_tx_status(stk->fe, status);
		sip_call_set_state(call, SIP_CALL_ST_WAIT_ACK);
		sip_call_se_start(call);
		return;
	}
	/* A 3xx from main (sip_fe_redirect) carries the Contact to try. In angle brackets, so that
	 * its parameters (the shed marker) stay URI parameters (RFC 3261 20.10). */
	if (status < 400 && cmd->target_uri)
		snprintf(contact, sizeof(contact), "<%s>", cmd->target_uri);
	nta_incoming_treply(call->irq, status, phrase, TAG_IF(cmd->q850_cause > 0, SIPTAG_REASON_STR(reason)),
			    TAG_IF(status < 400 && cmd->target_uri, SIPTAG_CONTACT_STR(contact)),
			    TAG_END());
	sip_ctr_tx_status(stk->fe, status);
	sip_call_free(call);
}
