/* call_fsm.c - the call interworking FSM joining a SIP leg and an ISUP leg
 * (RFC 3398, ITU-T Q.1912.5, timers of Q.764 2.1 and 2.2) */
#include <errno.h>
#include <string.h>

#include <osmocom/core/fsm.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/tdef.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "gateway/call.h"
#include "gateway/call_sdp.h"
#include "gateway/cause_map.h"
#include "gateway/emergency.h"
#include "gateway/esup.h"
#include "gateway/gw.h"
#include "gateway/route.h"
#include "gateway/sip.h"
#include "sigtran/cic.h"
#include "sigtran/isup.h"

#define LOGPCALL(call, lvl, fmt, args...) \
	LOGPFSML((call)->fi, lvl, fmt, ##args)

/* Q.850 causes used here */
#define CAUSE_UNALLOCATED	1
#define CAUSE_NO_ROUTE_DEST	3
#define CAUSE_NORMAL		16
#define CAUSE_NO_ANSWER		19
#define CAUSE_NO_CIRCUIT	34
#define CAUSE_TEMP_FAILURE	41
#define CAUSE_SWITCH_CONGESTION	42
#define CAUSE_BEARER_NOT_IMPL	65
#define CAUSE_INVALID_NUMBER	28
#define CAUSE_RECOVERY_TIMER	102
#define CAUSE_INTERWORKING	127

extern struct osmo_fsm call_fsm;

struct osmo_tdef call_tdefs[] = {
	{ .T = 7, .default_val = 25, .unit = OSMO_TDEF_S,
	  .desc = "Q.764 T7: IAM sent, waiting for an address complete message" },
	{ .T = 9, .default_val = 120, .unit = OSMO_TDEF_S,
	  .desc = "Q.764 T9: ACM received, waiting for the answer" },
	{ .T = -1, .default_val = 180, .unit = OSMO_TDEF_S,
	  .desc = "ISUP->SIP: INVITE sent, waiting for the SIP answer" },
	{ .T = -2, .default_val = 4, .unit = OSMO_TDEF_CUSTOM,
	  .desc = "most IAMs per call (first route, fallbacks and re-hunts together)" },
	{ .T = -3, .default_val = 30, .unit = OSMO_TDEF_S,
	  .desc = "SIP->ISUP: longest set-up over all route attempts, until address complete" },
	{ .T = -4, .default_val = 10, .unit = OSMO_TDEF_MS, .min_val = 1,
	  .desc = "circuit lost before a backward message: delay before hunting again" },
	{}
};

static const struct osmo_tdef_state_timeout call_fsm_timeouts[32] = {
	[CALL_ST_WAIT_ACM] = { .T = 7 },
	[CALL_ST_WAIT_ANM] = { .T = 9 },
	[CALL_ST_WAIT_SIP_PROGRESS] = { .T = -1 },
	[CALL_ST_WAIT_SIP_ANSWER] = { .T = -1, .keep_timer = true },
};

#define call_state_chg(call, st) \
	osmo_tdef_fsm_inst_state_chg((call)->fi, st, call_fsm_timeouts, call_tdefs, 5)

enum call_ctr {
	CALL_CTR_SIP_IN,
	CALL_CTR_ISUP_IN,
	CALL_CTR_ANSWERED,
	CALL_CTR_REL_BY_SIP,
	CALL_CTR_REL_BY_ISUP,
	CALL_CTR_FAILED,
	CALL_CTR_NO_ROUTE,
	CALL_CTR_ROUTE_ADVANCE,
	CALL_CTR_T7,
	CALL_CTR_T9,
	CALL_CTR_CIC_LOST,
	CALL_CTR_REFUSED_ADM,
	CALL_CTR_BAD_NUMBER,
	CALL_CTR_BAD_SDP,
	CALL_CTR_EMERGENCY,
	CALL_CTR_REDIRECTED,
	CALL_CTR_SETUP_TIMEOUT,
	CALL_CTR_BAD_CALLING,
	CALL_CTR_RX_UNEXPECTED,
};

static const struct rate_ctr_desc call_ctr_desc[] = {
	[CALL_CTR_SIP_IN] = { "calls:sip-in", "calls arriving from SIP" },
	[CALL_CTR_ISUP_IN] = { "calls:isup-in", "calls arriving from ISUP" },
	[CALL_CTR_ANSWERED] = { "calls:answered", "calls answered" },
	[CALL_CTR_REL_BY_SIP] = { "release:by-sip", "calls released from the SIP side" },
	[CALL_CTR_REL_BY_ISUP] = { "release:by-isup", "calls released from the ISUP side" },
	[CALL_CTR_FAILED] = { "calls:failed", "calls ended before answer" },
	[CALL_CTR_NO_ROUTE] = { "calls:no-route", "calls with no route for the number" },
	[CALL_CTR_ROUTE_ADVANCE] = { "route:advance", "attempts moved to a fallback route" },
	[CALL_CTR_T7] = { "timer:t7", "T7 expiries (no ACM)" },
	[CALL_CTR_T9] = { "timer:t9", "T9 expiries (no answer)" },
	[CALL_CTR_CIC_LOST] = { "cic:lost", "calls whose circuit was reset or taken" },
	[CALL_CTR_REFUSED_ADM] = { "refused:admission", "IAMs refused by admission (cause 42)" },
	[CALL_CTR_BAD_NUMBER] = { "refused:bad-number", "calls with an unusable called number" },
	[CALL_CTR_BAD_SDP] = { "refused:bad-sdp", "INVITEs whose offer has no usable codec" },
	[CALL_CTR_EMERGENCY] = { "calls:emergency", "emergency calls handled" },
	[CALL_CTR_REDIRECTED] = { "route:redirected", "calls redirected (302) to a SIP route" },
	[CALL_CTR_BAD_CALLING] = { "isup:bad-calling", "IAM calling numbers not usable in SIP (codes 11..15)" },
	[CALL_CTR_SETUP_TIMEOUT] = { "timer:x3", "calls not complete within the set-up limit (X3)" },
	[CALL_CTR_RX_UNEXPECTED] = { "rx:unexpected", "ISUP call messages discarded in the call's state" },
};

const struct rate_ctr_group_desc call_ctrg_desc = {
	.group_name_prefix = "call",
	.group_description = "call interworking",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = ARRAY_SIZE(call_ctr_desc),
	.ctr_desc = call_ctr_desc,
};

#define CALL_CTR(call, c) rate_ctr_inc2((call)->gw->call_ctrs, c)

static void call_release(struct call *call, int cause, bool isup_peer_released);

static const char *rt_name(const struct route *rt)
{
	return rt->name[0] ? rt->name : rt->prefix[0] ? rt->prefix : "default";
}

/* The media gateway of the call's circuits: its route's, else the gateway's. For ISUP->SIP calls
 * the circuit group's route is not known, so the gateway's applies. */
static const struct call_media_map *call_media(struct call *call)
{
	const struct route *rt = call->dir == CALL_DIR_SIP_TO_ISUP ? call->route : NULL;

	if (rt && rt->media_ip[0]) {
		OSMO_STRLCPY_ARRAY(call->media.ip, rt->media_ip);
		call->media.rtp_base = rt->media_rtp_base;
		return &call->media;
	}
	return &call->gw->media;
}

/* Emergency supervision sees emergency calls only: an attempt per route tried, and its outcome. */
static void esup_try(struct call *call, const struct route *rt)
{
	if (call->cls != GW_CALL_CLASS_EMERGENCY)
		return;
	esup_attempt(call->gw->esup, call->dialled.digits, rt_name(rt));
	call->esup_open = true;
}

static void esup_outcome(struct call *call, int cause)
{
	if (!call->esup_open)
		return;
	call->esup_open = false;
	if (cause)
		esup_failure(call->gw->esup, call->dialled.digits, rt_name(call->route), cause);
	else
		esup_success(call->gw->esup, call->dialled.digits, rt_name(call->route));
}

/* A route's circuits usable or not, as hunting found them (emergency routes only). */
static void esup_route_seen(struct call *call, const struct route *rt, bool available)
{
	if (rt->emergency)
		esup_route_state(call->gw->esup, rt_name(rt), available);
}
static void call_next_attempt(struct call *call, int cause);

/* The route of the next attempt: attempt n (n >= 1) is route0's (n-1)-th fallback, since
 * route_next_fallback counts its alternatives from 0. NULL when none is left. */
static const struct route *call_next_route(struct call *call)
{
	call->attempt++;
	return route_next_fallback(call->gw->routes, call->route0, call->attempt - 1);
}

/* --- SIP side helpers ------------------------------------------------------------------- */

/* Answer or clear the SIP leg with a Q.850 cause (RFC 3398 7.2.4.1: REL -> SIP response). */
static void sip_leg_clear(struct call *call, int cause)
{
	struct gw *gw = call->gw;

	if (call->sip_gone)
		return;
	call->sip_gone = true;
	if (call->dir == CALL_DIR_SIP_TO_ISUP) {
		if (call->sip_answered)
			sip_fe_bye(gw->sip, call->sip_ref, cause);
		else
			sip_fe_respond(gw->sip, call->sip_ref, cause_map_q850_to_sip(cause), NULL, NULL,
				       cause);
	} else {
		if (call->sip_answered)
			sip_fe_bye(gw->sip, call->sip_ref, cause);
		else
			sip_fe_cancel(gw->sip, call->sip_ref, cause);
	}
}

/* --- ISUP side helpers ------------------------------------------------------------------ */

static int isup_leg_send(struct call *call, struct isup_msg *msg)
{
	int rc;

	if (!msg)
		return -ENOMEM;
	rc = cic_send(call->cic, msg);
	talloc_free(msg);
	if (rc < 0)
		LOGPCALL(call, LOGL_ERROR, "cannot send ISUP on CIC %u: %s\n", call->cic_no, strerror(-rc));
	return rc;
}

/* Give the circuit back: REL from us, or RLC when the peer released (Q.764 2.3). */
static void isup_leg_clear(struct call *call, int cause, bool peer_released)
{
	struct cic *cic = call->cic;

	if (!cic)
		return;
	call->cic = NULL;
	if (peer_released)
		cic_release_complete(cic);
	else
		cic_release(cic, cause);
}

/* --- SIP -> ISUP ------------------------------------------------------------------------ */

/* Seize a circuit on the route and send the IAM. Returns 0, or the cause that makes the
 * attempt fail before anything was sent (a route-advance candidate). */
static int attempt_isup_route(struct call *call, const struct route *rt)
{
	struct gw *gw = call->gw;
	struct cic_group *grp = gw_route_cic_group(gw, rt);
	struct isup_number called = {}, calling = {};
	struct number num = call->dialled;
	struct isup_msg *iam;
	int rc;

	if (!grp) {
		LOGPCALL(call, LOGL_ERROR, "route %s: no circuit group\n", rt_name(rt));
		return CAUSE_NO_ROUTE_DEST;
	}
	if (route_apply(rt, &num) < 0)
		return CAUSE_INVALID_NUMBER;
	call->called = num;

	esup_try(call, rt);
	rc = cic_hunt_call(grp, call, call->cls == ADM_CLASS_EMERGENCY, &call->cic);
	switch (rc) {
	case 0:
		esup_route_seen(call, rt, true);
		break;
	case -ENETUNREACH:	/* MTP-PAUSE: destination unavailable */
		LOGPCALL(call, LOGL_NOTICE, "route %s: destination unavailable\n", rt_name(rt));
		esup_route_seen(call, rt, false);
		esup_outcome(call, CAUSE_NO_CIRCUIT);
		return CAUSE_NO_CIRCUIT;
	default:		/* -EBUSY no idle circuit, -EACCES all blocked */
		LOGPCALL(call, LOGL_NOTICE, "route %s: no circuit (%s)\n", rt_name(rt), strerror(-rc));
		esup_route_seen(call, rt, false);
		esup_outcome(call, CAUSE_NO_CIRCUIT);
		return CAUSE_NO_CIRCUIT;
	}
	call->hunts++;
	call->cic_no = cic_code(call->cic);
	call->dpc = cic_dpc(call->cic);
	osmo_fsm_inst_update_id_f(call->fi, "c%u-cic%u", call->id, call->cic_no);

	if (isup_number_set(&called, num.nai, num.digits) < 0)
		goto bad_number;
	if (call->calling.num.digits[0]) {
		/* isup_number_set starts from a cleared number: the indicators come after it */
		if (isup_number_set(&calling, call->calling.num.nai, call->calling.num.digits) < 0)
			goto bad_number;
		calling.pres = call->calling.apri;
		calling.screen = call->calling.screening;
	}
	iam = isup_msg_iam(call->fi, call->cic_no, &called, call->calling.num.digits[0] ? &calling : NULL,
			   call->cpc, 0 /* speech */);
	if (isup_leg_send(call, iam) < 0) {
		isup_leg_clear(call, CAUSE_TEMP_FAILURE, false);
		esup_outcome(call, CAUSE_TEMP_FAILURE);
		return CAUSE_TEMP_FAILURE;
	}
	LOGPCALL(call, LOGL_INFO, "IAM %s (nai %u) on %s CIC %u\n", num.digits, num.nai,
		 rt_name(rt), call->cic_no);
	call_state_chg(call, CALL_ST_WAIT_ACM);
	return 0;

bad_number:
	isup_leg_clear(call, CAUSE_INVALID_NUMBER, false);
	esup_outcome(call, CAUSE_INVALID_NUMBER);
	return CAUSE_INVALID_NUMBER;
}

/* Redirect the caller to a SIP route (a peer site) and end the call here. */
static void call_redirect(struct call *call, const struct route *rt)
{
	struct gw *gw = call->gw;
	char contact[256], mark[64];

	if (adm_shed_mark(mark, sizeof(mark), gw->site_name) < 0)
		mark[0] = '\0';
	snprintf(contact, sizeof(contact), "sip:%s@%s:%u;%s", call->dialled.digits, rt->sip_host,
		 rt->sip_port, mark);
	LOGPCALL(call, LOGL_NOTICE, "redirected to route %s: %s\n", rt_name(rt), contact);
	rate_ctr_inc2(gw->call_ctrs, CALL_CTR_REDIRECTED);
	sip_fe_redirect(gw->sip, call->sip_ref, contact, 0);
	call->sip_gone = true;
	call_release(call, CAUSE_NORMAL, false);
}

/* Try the route of this attempt, then its fallbacks, until one sends an IAM. Returns true if
 * one did; false when the call was released (and freed). */
static bool call_attempt(struct call *call, int cause)
{
	struct gw *gw = call->gw;
	unsigned max_attempts = osmo_tdef_get(call_tdefs, -2, OSMO_TDEF_CUSTOM, 4);

	while (call->route) {
		/* X2 counts IAMs sent, whether a fallback or a re-hunt on the same route asked for
		 * them; routes skipped without an IAM are bounded by ROUTE_CHAIN_MAX */
		if (call->hunts >= max_attempts)
			break;
		if (route_is_down(call->route)) {
			cause = CAUSE_NO_CIRCUIT;
		} else if (call->route->type == ROUTE_TYPE_ISUP) {
			cause = attempt_isup_route(call, call->route);
			if (!cause)
				return true;
		} else if (!call->sip_provisional && !call->dialled_shed) {
			/* A SIP route for a SIP-originated call is a peer site: the caller is redirected
			 * there (302), marked so that the call is shed at most once. This gateway relays
			 * no SIP to SIP. */
			call_redirect(call, call->route);
			return false;
		} else {
			cause = CAUSE_NO_ROUTE_DEST;
		}
		if (!route_advance_cause(gw->routes, cause))
			break;
		call->route = call_next_route(call);
		if (call->route) {
			CALL_CTR(call, CALL_CTR_ROUTE_ADVANCE);
			LOGPCALL(call, LOGL_NOTICE, "cause %d: advance to route %s\n", cause,
				 rt_name(call->route));
		}
	}
	call_release(call, cause, false);
	return false;
}

/* Move to the next fallback after a failure on the current attempt. */
static void call_next_attempt(struct call *call, int cause)
{
	struct gw *gw = call->gw;

	if (call->acm || call->sip_answered || !route_advance_cause(gw->routes, cause)) {
		call_release(call, cause, false);
		return;
	}
	call->route = call_next_route(call);
	if (!call->route) {
		call_release(call, cause, false);
		return;
	}
	CALL_CTR(call, CALL_CTR_ROUTE_ADVANCE);
	LOGPCALL(call, LOGL_NOTICE, "cause %d: advance to route %s\n", cause, rt_name(call->route));
	call_attempt(call, cause);
}

/* X3: the whole set-up, every fallback included, is bounded; past it the caller gets an answer
 * (504 / cause 102) instead of waiting on one more route. */
static void call_setup_timeout(void *data)
{
	struct call *call = data;

	rate_ctr_inc2(call->gw->call_ctrs, CALL_CTR_SETUP_TIMEOUT);
	LOGPCALL(call, LOGL_NOTICE, "set-up limit X3 reached before address complete\n");
	esup_outcome(call, CAUSE_RECOVERY_TIMER);
	call_release(call, CAUSE_RECOVERY_TIMER, false);
}

static struct call *call_alloc(struct gw *gw, enum call_dir dir, uint8_t cls)
{
	struct call *call;

	struct osmo_fsm_inst *fi;

	/* the call is a child of its FSM instance: terminating the FSM frees the call */
	fi = osmo_fsm_inst_alloc(&call_fsm, gw, NULL, LOGL_INFO, NULL);
	if (!fi)
		return NULL;
	call = talloc_zero(fi, struct call);
	if (!call) {
		osmo_fsm_inst_free(fi);
		return NULL;
	}
	fi->priv = call;
	call->fi = fi;
	call->gw = gw;
	call->dir = dir;
	call->cls = cls;
	call->id = ++gw->next_call_id;
	osmo_fsm_inst_update_id_f(call->fi, "c%u", call->id);
	llist_add_tail(&call->list, &gw->calls);
	gw->num_calls++;
	return call;
}

struct call *call_from_sip(struct gw *gw, const struct sip_event *ev)
{
	const struct sip_call_info *ci = &ev->ci;
	const struct route *rt;
	struct call *call;
	enum gw_call_class cls;
	struct number num;
	int rc;

	cls = gw_classify_sip(gw, ci);
	call = call_alloc(gw, CALL_DIR_SIP_TO_ISUP, cls);
	if (!call) {
		sip_fe_respond(gw->sip, ev->call_ref, 503, NULL, NULL, CAUSE_SWITCH_CONGESTION);
		return NULL;
	}
	call->sip_ref = ev->call_ref;
	call->dialled_shed = ci->already_shed;
	osmo_timer_setup(&call->setup_timer, call_setup_timeout, call);
	osmo_timer_schedule(&call->setup_timer, osmo_tdef_get(call_tdefs, -3, OSMO_TDEF_S, 30), 0);
	gw_call_hash_add(gw, call);
	rate_ctr_inc2(gw->call_ctrs, CALL_CTR_SIP_IN);
	if (cls == GW_CALL_CLASS_EMERGENCY)
		rate_ctr_inc2(gw->call_ctrs, CALL_CTR_EMERGENCY);
	adm_call_charge(gw->adm, &call->ticket, (enum adm_class)cls, 0);

	if (ci->sdp_len)
		call->sdp_offer = talloc_strndup(call, ci->sdp, ci->sdp_len);
	if (!call_sdp_offer_usable(call->sdp_offer)) {
		rate_ctr_inc2(gw->call_ctrs, CALL_CTR_BAD_SDP);
		call_release(call, CAUSE_BEARER_NOT_IMPL, false);
		return NULL;
	}

	rc = ci->ruri_sos ? gw_emergency_number_for_urn(gw, ci, &num)
			  : number_from_user(&num, ci->ruri_user, strlen(ci->ruri_user), NULL);
	if (rc < 0) {
		LOGPCALL(call, LOGL_NOTICE, "unusable called number '%s'\n", ci->ruri_user);
		rate_ctr_inc2(gw->call_ctrs, CALL_CTR_BAD_NUMBER);
		call_release(call, CAUSE_INVALID_NUMBER, false);
		return NULL;
	}
	/* routes match the digits as dialled; each route then applies its own NAI rules and
	 * translations to the number it sends */
	call->dialled = num;
	call->called = num;
	rt = route_lookup(gw->routes, num.digits);
	if (!rt) {
		LOGPCALL(call, LOGL_NOTICE, "no route for %s\n", num.digits);
		rate_ctr_inc2(gw->call_ctrs, CALL_CTR_NO_ROUTE);
		call_release(call, CAUSE_UNALLOCATED, false);
		return NULL;
	}
	number_calling_from_users(&call->calling, ci->pai_user, ci->from_user, gw_privacy_str(ci), &rt->plan);
	call->cpc = number_cpc_from_sip(ci->cpc);
	call->route0 = call->route = rt;
	LOGPCALL(call, LOGL_INFO, "SIP INVITE for %s (%s) from %s:%u, class %s\n", call->called.digits,
		 ci->ruri_user, ci->src_ip, ci->src_port, get_value_string(adm_class_names, cls));
	/* the call is gone when no attempt sent an IAM: never hand back a freed call */
	return call_attempt(call, CAUSE_NO_ROUTE_DEST) ? call : NULL;
}

/* --- ISUP -> SIP ------------------------------------------------------------------------ */

int call_from_isup(struct gw *gw, struct cic *cic, const struct isup_msg *iam, uint8_t *acl)
{
	struct adm_source src = { .kind = ADM_SRC_ISUP_OPC };
	struct adm_refusal why;
	struct sip_invite_req req = {};
	struct number_sip_identity id;
	const struct route *rt;
	enum gw_call_class cls;
	struct call *call;
	char target[256], from[256], pai[256], user[64], *sdp;
	int rc;

	src.addr.opc = cic_dpc(cic);
	cls = gw_classify_isup(gw, iam);
	switch (adm_admit(gw->adm, (enum adm_class)cls, &src, &why)) {
	case ADM_ADMIT:
		break;
	default:
		rate_ctr_inc2(gw->call_ctrs, CALL_CTR_REFUSED_ADM);
		*acl = why.isup_acl;
		return CAUSE_SWITCH_CONGESTION;
	}
	if (!ISUP_HAS(iam, ISUP_P_CALLED))
		return CAUSE_INVALID_NUMBER;

	call = call_alloc(gw, CALL_DIR_ISUP_TO_SIP, cls);
	if (!call) {
		*acl = 1;
		return CAUSE_SWITCH_CONGESTION;
	}
	/* no SIP leg exists until the INVITE is sent: a release before it has nothing to cancel */
	call->sip_gone = true;
	rate_ctr_inc2(gw->call_ctrs, CALL_CTR_ISUP_IN);
	if (cls == GW_CALL_CLASS_EMERGENCY)
		rate_ctr_inc2(gw->call_ctrs, CALL_CTR_EMERGENCY);
	adm_call_charge(gw->adm, &call->ticket, (enum adm_class)cls, 0);
	call->cic = cic;
	call->cic_no = cic_code(cic);
	call->dpc = cic_dpc(cic);
	cic_set_owner(cic, call);
	osmo_fsm_inst_update_id_f(call->fi, "c%u-cic%u", call->id, call->cic_no);

	OSMO_STRLCPY_ARRAY(call->called.digits, iam->called.digits);
	/* an ST (end of pulsing) signal is not part of the number */
	call->called.digits[strcspn(call->called.digits, "F")] = '\0';
	call->called.nai = iam->called.nai;
	/* a calling number with codes 11..15 cannot be a SIP user part: the call goes on with
	 * the calling party not available, as for an IAM without one */
	if (ISUP_HAS(iam, ISUP_P_CALLING) && iam->calling.digits[0]
	    && !iam->calling.digits[strspn(iam->calling.digits, "0123456789")]) {
		OSMO_STRLCPY_ARRAY(call->calling.num.digits, iam->calling.digits);
		call->calling.num.nai = iam->calling.nai;
		call->calling.apri = iam->calling.pres;
		call->calling.screening = iam->calling.screen;
	} else {
		if (ISUP_HAS(iam, ISUP_P_CALLING))
			rate_ctr_inc2(gw->call_ctrs, CALL_CTR_BAD_CALLING);
		call->calling.apri = NUMBER_APRI_NOT_AVAILABLE;
	}
	call->cpc = ISUP_HAS(iam, ISUP_P_CPC) ? iam->cpc : NUMBER_CPC_ORDINARY;

	/* en bloc only: an IAM without digits, or with the codes 11..14 of Q.763 3.9 (which no
	 * Request-URI user part can carry), is refused as an invalid number format */
	if (!call->called.digits[0] || call->called.digits[strspn(call->called.digits, "0123456789")]) {
		LOGPCALL(call, LOGL_NOTICE, "unusable called number '%s'\n", call->called.digits);
		rate_ctr_inc2(gw->call_ctrs, CALL_CTR_BAD_NUMBER);
		call->cic = NULL;	/* the user part releases it with the returned cause */
		call_release(call, CAUSE_INVALID_NUMBER, false);
		return CAUSE_INVALID_NUMBER;
	}
	rt = route_lookup(gw->routes, call->called.digits);
	if (!rt || route_is_down(rt) || rt->type == ROUTE_TYPE_ISUP) {
		/* a route that exists but is out of service is congestion the PSTN may route
		 * around (34), not an unallocated number (1) */
		int cause = rt && rt->type == ROUTE_TYPE_SIP ? CAUSE_NO_CIRCUIT : CAUSE_UNALLOCATED;

		LOGPCALL(call, LOGL_NOTICE, "no SIP route in service for %s: cause %d\n",
			 call->called.digits, cause);
		rate_ctr_inc2(gw->call_ctrs, CALL_CTR_NO_ROUTE);
		call->cic = NULL;	/* the user part releases it with the returned cause */
		call_release(call, cause, false);
		return cause;
	}
	call->route0 = call->route = rt;

	rc = number_to_sip_user(user, sizeof(user), &call->called, &rt->plan);
	if (rc < 0 || number_calling_to_sip(&id, &call->calling, &rt->plan) < 0) {
		call->cic = NULL;
		call_release(call, CAUSE_INVALID_NUMBER, false);
		return CAUSE_INVALID_NUMBER;
	}
	snprintf(target, sizeof(target), "sip:%s@%s:%u;user=phone", user, rt->sip_host, rt->sip_port);
	snprintf(from, sizeof(from), "sip:%s@%s", id.from_user[0] ? id.from_user : "anonymous",
		 gw->sip_domain);
	if (id.pai_user[0])
		snprintf(pai, sizeof(pai), "sip:%s@%s;user=phone", id.pai_user, gw->sip_domain);
	sdp = call_sdp_make(call, call_media(call), call->dpc, call->cic_no, NULL);
	req.target_uri = target;
	req.from_uri = from;
	req.pai_uri = id.pai_user[0] ? pai : NULL;
	req.privacy_id = id.privacy_id;
	req.cpc = number_cpc_to_sip(call->cpc);
	req.sdp = sdp;
	call->sip_ref = gw_new_sip_ref(gw);
	gw_call_hash_add(gw, call);
	call->sip_gone = false;
	rc = sip_fe_invite(gw->sip, call->sip_ref, &req);
	talloc_free(sdp);
	if (rc < 0) {
		LOGPCALL(call, LOGL_ERROR, "cannot send INVITE: %s\n", strerror(-rc));
		call->sip_gone = true;
		call->cic = NULL;
		call_release(call, CAUSE_SWITCH_CONGESTION, false);
		*acl = 1;
		return CAUSE_SWITCH_CONGESTION;
	}
	LOGPCALL(call, LOGL_INFO, "IAM for %s: INVITE %s\n", call->called.digits, target);
	call_state_chg(call, CALL_ST_WAIT_SIP_PROGRESS);
	return 0;
}

/* --- release ----------------------------------------------------------------------------- */

static void call_release(struct call *call, int cause, bool isup_peer_released)
{
	if (!call->cause)
		call->cause = cause;
	if (!call->sip_answered)
		rate_ctr_inc2(call->gw->call_ctrs, CALL_CTR_FAILED);
	isup_leg_clear(call, cause, isup_peer_released);
	sip_leg_clear(call, cause);
	osmo_fsm_inst_term(call->fi, OSMO_FSM_TERM_REGULAR, NULL);
}

static void rx_rel(struct call *call, const struct isup_msg *rel)
{
	int cause = ISUP_HAS(rel, ISUP_P_CAUSE) ? rel->cause.value : CAUSE_NORMAL;

	LOGPCALL(call, LOGL_INFO, "rx REL cause %d (%s)\n", cause, isup_cause_name(cause));
	rate_ctr_inc2(call->gw->call_ctrs, CALL_CTR_REL_BY_ISUP);
	/* Q.764 2.3.1: RLC answers the REL whatever happens next */
	isup_leg_clear(call, cause, true);
	esup_outcome(call, cause);
	if (call->dir == CALL_DIR_SIP_TO_ISUP && !call->acm && !call->sip_answered) {
		call->cause = cause;
		call_next_attempt(call, cause);
		return;
	}
	call_release(call, cause, true);
}

static void sip_release_cause(const struct sip_event *ev, int *cause)
{
	*cause = ev->q850_cause > 0 ? ev->q850_cause : CAUSE_NORMAL;
}

/* --- FSM actions -------------------------------------------------------------------------- */

static void send_18x(struct call *call, const struct isup_msg *msg)
{
	int status = 180;
	char *sdp = NULL;

	/* ACM or CPG with in-band information available: 183 with the media description
	 * (Q.1912.5 6.7); otherwise alerting: 180 */
	if (ISUP_HAS(msg, ISUP_P_OBCI) && msg->obci.inband)
		status = 183;
	if (ISUP_HAS(msg, ISUP_P_EVENT)
	    && (msg->event.event == ISUP_EVENT_PROGRESS || msg->event.event == ISUP_EVENT_INBAND))
		status = 183;
	if (call->sip_provisional && status == 180 && msg->type == ISUP_MSGT_CPG
	    && (!ISUP_HAS(msg, ISUP_P_EVENT) || msg->event.event != ISUP_EVENT_ALERTING))
		return;
	if (status == 183)
		sdp = call_sdp_make(call, call_media(call), call->dpc, call->cic_no, call->sdp_offer);
	sip_fe_respond(call->gw->sip, call->sip_ref, status, NULL, sdp, 0);
	talloc_free(sdp);
	call->sip_provisional = true;
}

static void send_200(struct call *call)
{
	char *sdp = call_sdp_make(call, call_media(call), call->dpc, call->cic_no, call->sdp_offer);

	sip_fe_respond(call->gw->sip, call->sip_ref, 200, NULL, sdp, 0);
	talloc_free(sdp);
	call->sip_answered = true;
	rate_ctr_inc2(call->gw->call_ctrs, CALL_CTR_ANSWERED);
}

static void st_wait_acm(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct call *call = fi->priv;
	const struct isup_msg *msg = data;

	esup_outcome(call, 0);	/* address complete or answer reached */
	osmo_timer_del(&call->setup_timer);
	switch (event) {
	case CALL_EV_RX_ACM:
		call->acm = true;
		send_18x(call, msg);
		call_state_chg(call, CALL_ST_WAIT_ANM);
		break;
	case CALL_EV_RX_ANM:	/* CON, or ANM without ACM (Q.764 2.1.7) */
		call->acm = true;
		send_200(call);
		call_state_chg(call, CALL_ST_WAIT_ACK);
		break;
	default:
		OSMO_ASSERT(0);
	}
}

static void st_wait_anm(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct call *call = fi->priv;

	switch (event) {
	case CALL_EV_RX_CPG:
		send_18x(call, data);
		break;
	case CALL_EV_RX_ANM:
		send_200(call);
		call_state_chg(call, CALL_ST_WAIT_ACK);
		break;
	default:
		OSMO_ASSERT(0);
	}
}

static void st_wait_ack(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct call *call = fi->priv;

	switch (event) {
	case CALL_EV_SIP_ACK:
		call_state_chg(call, CALL_ST_ACTIVE);
		break;
	case CALL_EV_RX_CPG:	/* late progress after answer: nothing to tell SIP */
		break;
	default:
		OSMO_ASSERT(0);
	}
}

static void st_wait_sip_progress(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct call *call = fi->priv;
	const struct sip_event *ev = data;
	struct isup_msg *msg;
	struct isup_bci bci = {
		.charge = 2, .called_status = 1, .called_category = 1, .isup_used = 1,
		.interworking = 1,	/* interworking encountered: the far end is SIP */
	};

	switch (event) {
	case CALL_EV_SIP_PROGRESS:
		call->sip_provisional = true;
		msg = isup_msg_acm(call->fi, call->cic_no, &bci);
		if (msg && ev->status == 183) {
			/* session progress with early media: in-band information available */
			msg->obci.inband = 1;
			ISUP_SET(msg, ISUP_P_OBCI);
		}
		isup_leg_send(call, msg);
		call->acm = true;
		call_state_chg(call, CALL_ST_WAIT_SIP_ANSWER);
		break;
	case CALL_EV_SIP_ANSWER:
		call->sip_answered = true;
		rate_ctr_inc2(call->gw->call_ctrs, CALL_CTR_ANSWERED);
		isup_leg_send(call, isup_msg_con(call->fi, call->cic_no, &bci));
		call->acm = true;
		call_state_chg(call, CALL_ST_ACTIVE);
		break;
	default:
		OSMO_ASSERT(0);
	}
}

static void st_wait_sip_answer(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct call *call = fi->priv;
	const struct sip_event *ev = data;

	switch (event) {
	case CALL_EV_SIP_PROGRESS:
		/* a later 180 after 183: alerting as a call progress event (Q.1912.5 6.7.2) */
		if (ev->status == 180)
			isup_leg_send(call, isup_msg_cpg(call->fi, call->cic_no, ISUP_EVENT_ALERTING));
		break;
	case CALL_EV_SIP_ANSWER:
		call->sip_answered = true;
		rate_ctr_inc2(call->gw->call_ctrs, CALL_CTR_ANSWERED);
		isup_leg_send(call, isup_msg_anm(call->fi, call->cic_no));
		call_state_chg(call, CALL_ST_ACTIVE);
		break;
	default:
		OSMO_ASSERT(0);
	}
}

static void st_active(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	switch (event) {
	case CALL_EV_SIP_ACK:
	case CALL_EV_RX_CPG:
	case CALL_EV_RX_SUSRES:
		/* SUS/RES keep the call (Q.764 2.6); T6 supervision is left to the peer */
		break;
	default:
		OSMO_ASSERT(0);
	}
}

/* Events every state handles the same way. */
static void call_allstate(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct call *call = fi->priv;
	const struct sip_event *ev = data;
	int cause;

	switch (event) {
	case CALL_EV_RX_REL:
		rx_rel(call, data);
		break;
	case CALL_EV_CIC_LOST:
		cause = *(const int *)data;
		rate_ctr_inc2(call->gw->call_ctrs, CALL_CTR_CIC_LOST);
		call->cic = NULL;	/* the circuit layer has already taken it back */
		LOGPCALL(call, LOGL_NOTICE, "circuit lost, cause %d\n", cause);
		esup_outcome(call, cause);
		if (call->dir == CALL_DIR_SIP_TO_ISUP && !call->acm && !call->sip_answered) {
			/* dual seizure lost or reset before any backward message: try again, but
			 * not from inside the circuit layer's callback: a group reset still walking
			 * its range would take back the circuit a hunt picks now */
			osmo_fsm_inst_state_chg_ms(fi, CALL_ST_WAIT_ACM,
						   osmo_tdef_get(call_tdefs, -4, OSMO_TDEF_MS, 10), -4);
			break;
		}
		call_release(call, cause, false);
		break;
	case CALL_EV_SIP_CANCEL:
	case CALL_EV_SIP_BYE:
	case CALL_EV_SIP_EXPIRED:
		sip_release_cause(ev, &cause);
		if (event == CALL_EV_SIP_EXPIRED)
			cause = CAUSE_RECOVERY_TIMER;
		call->sip_gone = true;	/* 487/200 already sent, or BYE sent, by the SIP thread */
		rate_ctr_inc2(call->gw->call_ctrs, CALL_CTR_REL_BY_SIP);
		LOGPCALL(call, LOGL_INFO, "SIP %s, cause %d\n", osmo_fsm_event_name(fi->fsm, event), cause);
		call_release(call, cause, false);
		break;
	case CALL_EV_SIP_FAILURE:
		cause = ev->q850_cause > 0 ? ev->q850_cause : cause_map_sip_to_q850(ev->status, NULL);
		call->sip_gone = true;
		LOGPCALL(call, LOGL_INFO, "SIP %d -> cause %d\n", ev->status, cause);
		call_release(call, cause, false);
		break;
	case CALL_EV_SIP_GONE:
		call->sip_gone = true;
		call_release(call, CAUSE_TEMP_FAILURE, false);
		break;
	}
}

static int call_fsm_timer_cb(struct osmo_fsm_inst *fi)
{
	struct call *call = fi->priv;

	if (fi->T == -4) {
		call_attempt(call, CAUSE_NO_CIRCUIT);
		return 0;
	}
	switch (fi->state) {
	case CALL_ST_WAIT_ACM:
		/* Q.764 2.1.2.1 / 2.4.1: T7 expiry -> release with cause 102; a route-advance
		 * trigger for this gateway's fallback routing */
		rate_ctr_inc2(call->gw->call_ctrs, CALL_CTR_T7);
		LOGPCALL(call, LOGL_NOTICE, "T7 expired: no ACM\n");
		isup_leg_clear(call, CAUSE_RECOVERY_TIMER, false);
		esup_outcome(call, CAUSE_RECOVERY_TIMER);
		call->route = call_next_route(call);
		if (call->route) {
			rate_ctr_inc2(call->gw->call_ctrs, CALL_CTR_ROUTE_ADVANCE);
			call_attempt(call, CAUSE_RECOVERY_TIMER);
		} else {
			call_release(call, CAUSE_RECOVERY_TIMER, false);
		}
		return 0;
	case CALL_ST_WAIT_ANM:
		/* Q.764 2.1.4: T9 expiry -> release with cause 19 (no answer) */
		rate_ctr_inc2(call->gw->call_ctrs, CALL_CTR_T9);
		LOGPCALL(call, LOGL_NOTICE, "T9 expired: no answer\n");
		call_release(call, CAUSE_NO_ANSWER, false);
		return 0;
	default:
		LOGPCALL(call, LOGL_NOTICE, "SIP side did not answer in time\n");
		call_release(call, CAUSE_NO_ANSWER, false);
		return 0;
	}
}

static void call_fsm_cleanup(struct osmo_fsm_inst *fi, enum osmo_fsm_term_cause cause)
{
	struct call *call = fi->priv;

	osmo_timer_del(&call->setup_timer);
	isup_leg_clear(call, call->cause ? call->cause : CAUSE_NORMAL, false);
	sip_leg_clear(call, call->cause ? call->cause : CAUSE_NORMAL);
	gw_call_hash_del(call->gw, call);
	llist_del(&call->list);
	call->gw->num_calls--;
	adm_call_release(call->gw->adm, &call->ticket);
}

#define S(x) (1 << (x))
#define ALL_EVENTS (S(CALL_EV_RX_REL) | S(CALL_EV_CIC_LOST) | S(CALL_EV_SIP_CANCEL) \
		    | S(CALL_EV_SIP_BYE) | S(CALL_EV_SIP_EXPIRED) | S(CALL_EV_SIP_FAILURE) \
		    | S(CALL_EV_SIP_GONE))

static const struct osmo_fsm_state call_fsm_states[] = {
	[CALL_ST_WAIT_ACM] = {
		.name = "WAIT_ACM",
		.in_event_mask = S(CALL_EV_RX_ACM) | S(CALL_EV_RX_ANM),
		/* WAIT_ACM is also the state every call is allocated in: an ISUP->SIP call
		 * leaves it for WAIT_SIP_PROGRESS once its INVITE is sent */
		.out_state_mask = S(CALL_ST_WAIT_ACM) | S(CALL_ST_WAIT_ANM) | S(CALL_ST_WAIT_ACK)
				  | S(CALL_ST_WAIT_SIP_PROGRESS),
		.action = st_wait_acm,
	},
	[CALL_ST_WAIT_ANM] = {
		.name = "WAIT_ANM",
		.in_event_mask = S(CALL_EV_RX_CPG) | S(CALL_EV_RX_ANM),
		.out_state_mask = S(CALL_ST_WAIT_ACK),
		.action = st_wait_anm,
	},
	[CALL_ST_WAIT_ACK] = {
		.name = "WAIT_ACK",
		.in_event_mask = S(CALL_EV_SIP_ACK) | S(CALL_EV_RX_CPG),
		.out_state_mask = S(CALL_ST_ACTIVE),
		.action = st_wait_ack,
	},
	[CALL_ST_WAIT_SIP_PROGRESS] = {
		.name = "WAIT_SIP_PROGRESS",
		.in_event_mask = S(CALL_EV_SIP_PROGRESS) | S(CALL_EV_SIP_ANSWER),
		.out_state_mask = S(CALL_ST_WAIT_SIP_ANSWER) | S(CALL_ST_ACTIVE),
		.action = st_wait_sip_progress,
	},
	[CALL_ST_WAIT_SIP_ANSWER] = {
		.name = "WAIT_SIP_ANSWER",
		.in_event_mask = S(CALL_EV_SIP_PROGRESS) | S(CALL_EV_SIP_ANSWER),
		.out_state_mask = S(CALL_ST_ACTIVE),
		.action = st_wait_sip_answer,
	},
	[CALL_ST_ACTIVE] = {
		.name = "ACTIVE",
		.in_event_mask = S(CALL_EV_SIP_ACK) | S(CALL_EV_RX_CPG) | S(CALL_EV_RX_SUSRES),
		.action = st_active,
	},
};

static const struct value_string call_event_names[] = {
	OSMO_VALUE_STRING(CALL_EV_RX_ACM),
	OSMO_VALUE_STRING(CALL_EV_RX_CPG),
	OSMO_VALUE_STRING(CALL_EV_RX_ANM),
	OSMO_VALUE_STRING(CALL_EV_RX_REL),
	OSMO_VALUE_STRING(CALL_EV_RX_SUSRES),
	OSMO_VALUE_STRING(CALL_EV_CIC_LOST),
	OSMO_VALUE_STRING(CALL_EV_SIP_ACK),
	OSMO_VALUE_STRING(CALL_EV_SIP_CANCEL),
	OSMO_VALUE_STRING(CALL_EV_SIP_BYE),
	OSMO_VALUE_STRING(CALL_EV_SIP_PROGRESS),
	OSMO_VALUE_STRING(CALL_EV_SIP_ANSWER),
	OSMO_VALUE_STRING(CALL_EV_SIP_FAILURE),
	OSMO_VALUE_STRING(CALL_EV_SIP_EXPIRED),
	OSMO_VALUE_STRING(CALL_EV_SIP_GONE),
	{}
};

struct osmo_fsm call_fsm = {
	.name = "call",
	.states = call_fsm_states,
	.num_states = ARRAY_SIZE(call_fsm_states),
	.allstate_event_mask = ALL_EVENTS,
	.allstate_action = call_allstate,
	.timer_cb = call_fsm_timer_cb,
	.cleanup = call_fsm_cleanup,
	.log_subsys = DCALL,
	.event_names = call_event_names,
};

static __attribute__((constructor)) void call_fsm_register(void)
{
	/* val starts at 0 (no timer, no attempt) until the defaults are copied in */
	osmo_tdefs_reset(call_tdefs);
	OSMO_ASSERT(osmo_fsm_register(&call_fsm) == 0);
}

/* --- entry points from the SIP and ISUP sides --------------------------------------------- */

static const uint32_t isup_event[256] = {
	[ISUP_MSGT_ACM] = CALL_EV_RX_ACM + 1,
	[ISUP_MSGT_CPG] = CALL_EV_RX_CPG + 1,
	[ISUP_MSGT_ANM] = CALL_EV_RX_ANM + 1,
	[ISUP_MSGT_CON] = CALL_EV_RX_ANM + 1,
	[ISUP_MSGT_REL] = CALL_EV_RX_REL + 1,
	[ISUP_MSGT_SUS] = CALL_EV_RX_SUSRES + 1,
	[ISUP_MSGT_RES] = CALL_EV_RX_SUSRES + 1,
};

void call_rx_isup(struct call *call, const struct isup_msg *msg)
{
	uint32_t ev = isup_event[msg->type];

	if (!ev) {
		rate_ctr_inc2(call->gw->call_ctrs, CALL_CTR_RX_UNEXPECTED);
		LOGPCALL(call, LOGL_NOTICE, "rx %s: not handled in a call, ignored\n",
			 isup_msg_type_name(msg->type));
		return;
	}
	ev--;
	if (!(call->fi->fsm->states[call->fi->state].in_event_mask & S(ev))
	    && !(call->fi->fsm->allstate_event_mask & S(ev))) {
		/* Q.764 2.9.5.1: an unexpected message in this state is discarded */
		rate_ctr_inc2(call->gw->call_ctrs, CALL_CTR_RX_UNEXPECTED);
		LOGPCALL(call, LOGL_NOTICE, "rx %s: unexpected in this state, discarded\n",
			 isup_msg_type_name(msg->type));
		return;
	}
	osmo_fsm_inst_dispatch(call->fi, ev, (void *)msg);
}

static const uint32_t sip_event[_NUM_SIP_EV] = {
	[SIP_EV_ACK] = CALL_EV_SIP_ACK + 1,
	[SIP_EV_CANCEL] = CALL_EV_SIP_CANCEL + 1,
	[SIP_EV_BYE] = CALL_EV_SIP_BYE + 1,
	[SIP_EV_PROGRESS] = CALL_EV_SIP_PROGRESS + 1,
	[SIP_EV_ANSWER] = CALL_EV_SIP_ANSWER + 1,
	[SIP_EV_FAILURE] = CALL_EV_SIP_FAILURE + 1,
	[SIP_EV_SESSION_EXPIRED] = CALL_EV_SIP_EXPIRED + 1,
	[SIP_EV_TERMINATED] = CALL_EV_SIP_GONE + 1,
};

void call_rx_sip(struct call *call, const struct sip_event *ev)
{
	uint32_t e = ev->type < _NUM_SIP_EV ? sip_event[ev->type] : 0;

	if (!e)
		return;
	e--;
	if (!(call->fi->fsm->states[call->fi->state].in_event_mask & S(e))
	    && !(call->fi->fsm->allstate_event_mask & S(e))) {
		LOGPCALL(call, LOGL_DEBUG, "SIP event %u ignored in this state\n", ev->type);
		return;
	}
	osmo_fsm_inst_dispatch(call->fi, e, (void *)ev);
}

void call_cic_lost(struct call *call, int cause)
{
	osmo_fsm_inst_dispatch(call->fi, CALL_EV_CIC_LOST, &cause);
}

const char *call_state_name(const struct call *call)
{
	return osmo_fsm_inst_state_name(call->fi);
}
