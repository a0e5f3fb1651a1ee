/* cic_fsm.c - per-circuit state machine: seizure, release, reset (ITU-T Q.764 2.9, 2.10) */
#include <errno.h>
#include <osmocom/core/fsm.h>
#include <osmocom/core/utils.h>

#include "sigtran/cic_priv.h"
#include "sigtran/isup.h"

#define S(x) (1 << (x))

static const struct value_string cic_event_names[] = {
	OSMO_VALUE_STRING(CIC_EV_SEIZE),
	OSMO_VALUE_STRING(CIC_EV_RX_IAM),
	OSMO_VALUE_STRING(CIC_EV_RX_CALL_MSG),
	OSMO_VALUE_STRING(CIC_EV_RX_REL),
	OSMO_VALUE_STRING(CIC_EV_RX_RLC),
	OSMO_VALUE_STRING(CIC_EV_RX_RSC),
	OSMO_VALUE_STRING(CIC_EV_RX_GRS),
	OSMO_VALUE_STRING(CIC_EV_RX_GRA),
	OSMO_VALUE_STRING(CIC_EV_HW_BLOCK),
	OSMO_VALUE_STRING(CIC_EV_RELEASE),
	OSMO_VALUE_STRING(CIC_EV_RELEASE_COMPLETE),
	OSMO_VALUE_STRING(CIC_EV_RESET),
	OSMO_VALUE_STRING(CIC_EV_GRS_SENT),
	OSMO_VALUE_STRING(CIC_EV_REFUSE),
	{}
};

/* Messages from the peer may arrive in any state; Q.764 2.9.5.1 says what each state does. */
#define RX_EVENTS (S(CIC_EV_RX_IAM) | S(CIC_EV_RX_CALL_MSG) | S(CIC_EV_RX_REL) | S(CIC_EV_RX_RLC) | \
		   S(CIC_EV_RX_RSC) | S(CIC_EV_RX_GRS) | S(CIC_EV_RX_GRA) | S(CIC_EV_HW_BLOCK) | \
		   S(CIC_EV_RESET) | S(CIC_EV_GRS_SENT) | S(CIC_EV_RELEASE) | S(CIC_EV_RELEASE_COMPLETE))

/* Arm the state timer of a "repeat every short T, alarm after long T" procedure: T1/T5
 * (Q.764 2.9.6), T16/T17 (2.10.3.1). fi->T tells which of the two expires next. */
static void arm_repeat(struct cic *cic, uint32_t state, int t_short, int t_long)
{
	unsigned long s = cic_tdef_ms(cic->grp, t_short), l = cic_tdef_ms(cic->grp, t_long);
	unsigned long el = cic_elapsed_ms(&cic->proc_start);

	if (cic->long_only)
		osmo_fsm_inst_state_chg_ms(cic->fi, state, l, t_long);
	else if (el + s < l)
		osmo_fsm_inst_state_chg_ms(cic->fi, state, s, t_short);
	else
		osmo_fsm_inst_state_chg_ms(cic->fi, state, l > el ? l - el : 1, t_long);
}

static void to_idle(struct cic *cic)
{
	osmo_fsm_inst_state_chg(cic->fi, CIC_ST_IDLE, 0, 0);
}

/* REL out, wait for RLC with T1 repeating and T5 as the last resort (Q.764 2.9.6). */
static void enter_wait_rlc(struct cic *cic, uint8_t cause)
{
	cic->owner = NULL;
	cic->rel_cause = cause;
	cic->long_only = false;
	osmo_clock_gettime(CLOCK_MONOTONIC, &cic->proc_start);
	cic_tx_rel(cic, cause);
	arm_repeat(cic, CIC_ST_WAIT_RLC, 1, 5);
}

/* RSC out, wait for RLC with T16/T17 (Q.764 2.10.3.1); long_only after T5 expiry (2.9.6). */
static void enter_wait_rsc(struct cic *cic, bool long_only)
{
	cic_owner_lost(cic, CIC_LOST_RESET);
	cic->long_only = long_only;
	osmo_clock_gettime(CLOCK_MONOTONIC, &cic->proc_start);
	cic_tx_simple(cic, ISUP_MSGT_RSC);
	arm_repeat(cic, CIC_ST_WAIT_RSC_RLC, 16, 17);
	/* Q.764 2.10.3.1: a locally blocked circuit sends BLO after RSC */
	cic_after_reset(cic);
}

/* Q.764 2.10.3.1: RSC received clears the call and any remote blocking, RLC answers it. */
static void rx_rsc(struct cic *cic)
{
	cic_ctr_inc(cic, CIC_CTR_RSC_IN);
	cic_owner_lost(cic, CIC_LOST_RESET);
	cic->blk &= ~CIC_BLK_REMOTE_MAINT;
	cic_tx_simple(cic, ISUP_MSGT_RLC);
	to_idle(cic);
	cic_after_reset(cic);
}

/* Q.764 2.10.3.2: GRS clears calls and remote maintenance blocking; the caller sends GRA. */
static void rx_grs(struct cic *cic)
{
	cic_owner_lost(cic, CIC_LOST_RESET);
	cic->blk &= ~CIC_BLK_REMOTE_MAINT;
	to_idle(cic);
}

static void unexpected(struct cic *cic, uint32_t event, const struct isup_msg *msg)
{
	cic_ctr_inc(cic, CIC_CTR_UNEXPECTED);
	LOGPCIC(cic, LOGL_NOTICE, "unexpected %s, discarded\n",
		msg ? isup_msg_type_name(msg->type) : osmo_fsm_event_name(&cic_fsm, event));
}

/* An IAM on an idle circuit (or one we gave up in a dual seizure): call control decides. */
static void incoming_iam(struct cic *cic, const struct isup_msg *iam)
{
	const struct cic_user_ops *ops = cic->grp->up->user;
	int cause;

	cic_ctr_inc(cic, CIC_CTR_IAM_IN);
	if (cic->blk & (CIC_BLK_LOCAL_HW | CIC_BLK_REMOTE_HW)) {
		unexpected(cic, CIC_EV_RX_IAM, iam);
		return;
	}
	/* Q.764 2.8.2.1: we blocked it, so the peer missed our BLO: say it again, drop the IAM */
	if (cic->blk & CIC_BLK_LOCAL_MAINT) {
		unexpected(cic, CIC_EV_RX_IAM, iam);
		cic_after_reset(cic);
		return;
	}
	/* Q.764 2.8.2.1: a non-test IAM from the end that blocked the circuit unblocks it */
	cic->blk &= ~CIC_BLK_REMOTE_MAINT;
	cic->iam_sent = false;
	cic->bwd_rx = true;
	cic->rel_rx = false;
	osmo_fsm_inst_state_chg(cic->fi, CIC_ST_INCOMING_BUSY, 0, 0);
	cause = ops && ops->rx_iam ? ops->rx_iam(cic->grp->up->user_priv, cic, iam) : 41;
	if (cause == 0 || cic->fi->state != CIC_ST_INCOMING_BUSY)
		return;
	cic_ctr_inc(cic, CIC_CTR_IAM_REJECTED);
	LOGPCIC(cic, LOGL_INFO, "IAM refused, cause %d\n", cause);
	enter_wait_rlc(cic, cause);
}

/* Q.764 2.9.1.4: the higher point code controls the even CICs. */
static void dual_seizure(struct cic *cic, const struct isup_msg *iam)
{
	bool even = !(cic->code & 1);
	bool we_control = even == (bool)cic_group_controls_even(cic->grp);

	cic_ctr_inc(cic, CIC_CTR_DUAL_SEIZURE);
	if (we_control) {
		LOGPCIC(cic, LOGL_INFO, "dual seizure: we control CIC %u, incoming IAM ignored\n", cic->code);
		return;
	}
	LOGPCIC(cic, LOGL_INFO, "dual seizure: peer controls CIC %u, outgoing call backs off\n", cic->code);
	cic_owner_lost(cic, CIC_LOST_DUAL_SEIZURE);
	incoming_iam(cic, iam);
}

static void st_idle_onenter(struct osmo_fsm_inst *fi, uint32_t prev_state)
{
	struct cic *cic = fi->priv;

	cic->owner = NULL;
	cic->iam_sent = cic->bwd_rx = cic->rel_rx = cic->long_only = false;
	llist_del_init(&cic->idle_entry);
	llist_add_tail(&cic->idle_entry, &cic->grp->idle_lru);
}

static void st_idle_onleave(struct osmo_fsm_inst *fi, uint32_t next_state)
{
	struct cic *cic = fi->priv;

	llist_del_init(&cic->idle_entry);
}

static void st_idle(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct cic *cic = fi->priv;

	switch (event) {
	case CIC_EV_SEIZE:
		cic->owner = data;
		cic->iam_sent = cic->bwd_rx = cic->rel_rx = false;
		osmo_fsm_inst_state_chg(fi, CIC_ST_OUTGOING_BUSY, 0, 0);
		break;
	case CIC_EV_RX_IAM:
		incoming_iam(cic, data);
		break;
	case CIC_EV_RX_CALL_MSG:
		/* Q.764 2.9.5.1 a): an unreasonable message on an idle circuit resets it */
		unexpected(cic, event, data);
		enter_wait_rsc(cic, false);
		break;
	case CIC_EV_RX_REL:
		/* Q.764 2.9.5.1: REL on an idle circuit is answered with RLC */
		cic_ctr_inc(cic, CIC_CTR_REL_IN);
		cic_tx_simple(cic, ISUP_MSGT_RLC);
		break;
	case CIC_EV_RX_RLC:
		/* Q.764 2.9.5.1: RLC on an idle circuit is discarded */
		unexpected(cic, event, data);
		break;
	case CIC_EV_RX_RSC:
		rx_rsc(cic);
		break;
	case CIC_EV_RX_GRS:
		rx_grs(cic);
		break;
	case CIC_EV_RESET:
		enter_wait_rsc(cic, false);
		break;
	case CIC_EV_GRS_SENT:
		osmo_fsm_inst_state_chg(fi, CIC_ST_WAIT_GRA, 0, 0);
		break;
	case CIC_EV_REFUSE:
		cic_ctr_inc(cic, CIC_CTR_IAM_IN);
		cic_ctr_inc(cic, CIC_CTR_IAM_REJECTED);
		enter_wait_rlc(cic, *(const int *)data);
		break;
	default:
		/* RX_GRA, HW_BLOCK, RELEASE, RELEASE_COMPLETE: nothing to clear */
		break;
	}
}

/* Events common to both busy states. */
static void st_busy(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct cic *cic = fi->priv;
	const struct cic_user_ops *ops = cic->grp->up->user;
	const struct isup_msg *msg = data;

	switch (event) {
	case CIC_EV_RX_IAM:
		if (fi->state == CIC_ST_OUTGOING_BUSY && !cic->bwd_rx)
			dual_seizure(cic, msg);
		else
			unexpected(cic, event, msg);
		break;
	case CIC_EV_RX_CALL_MSG:
		cic->bwd_rx = true;
		if (cic->owner && ops && ops->rx_call_msg)
			ops->rx_call_msg(cic->owner, cic, msg);
		else
			unexpected(cic, event, msg);
		break;
	case CIC_EV_RX_REL:
		cic_ctr_inc(cic, CIC_CTR_REL_IN);
		cic->bwd_rx = true;
		cic->rel_rx = true;
		if (cic->owner && ops && ops->rx_call_msg) {
			ops->rx_call_msg(cic->owner, cic, msg);
		} else {
			cic_tx_simple(cic, ISUP_MSGT_RLC);
			to_idle(cic);
		}
		break;
	case CIC_EV_RX_RLC:
		/* Q.764 2.9.5.1: RLC on a busy circuit: the two ends disagree, reset it */
		unexpected(cic, event, msg);
		cic_owner_lost(cic, CIC_LOST_PROTOCOL);
		enter_wait_rsc(cic, false);
		break;
	case CIC_EV_RX_RSC:
		rx_rsc(cic);
		break;
	case CIC_EV_RX_GRS:
		rx_grs(cic);
		break;
	case CIC_EV_HW_BLOCK:
		/* Q.764 2.8.2.3: hardware failure blocking releases the call without REL/RLC */
		cic_owner_lost(cic, CIC_LOST_RESET);
		to_idle(cic);
		break;
	case CIC_EV_RELEASE:
		if (cic->rel_rx) {
			cic->owner = NULL;
			cic_tx_simple(cic, ISUP_MSGT_RLC);
			to_idle(cic);
		} else {
			enter_wait_rlc(cic, *(const int *)data);
		}
		break;
	case CIC_EV_RELEASE_COMPLETE:
		if (cic->rel_rx) {
			cic_tx_simple(cic, ISUP_MSGT_RLC);
			to_idle(cic);
		} else {
			/* nothing to confirm: the owner gives the circuit back, normal clearing */
			enter_wait_rlc(cic, 16);
		}
		break;
	case CIC_EV_RESET:
		enter_wait_rsc(cic, false);
		break;
	case CIC_EV_GRS_SENT:
		cic_owner_lost(cic, CIC_LOST_RESET);
		osmo_fsm_inst_state_chg(fi, CIC_ST_WAIT_GRA, 0, 0);
		break;
	default:
		break;
	}
}

static void st_wait_rlc(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct cic *cic = fi->priv;

	switch (event) {
	case CIC_EV_RX_RLC:
		to_idle(cic);
		break;
	case CIC_EV_RX_REL:
		/* Q.764 2.3.1: both ends released at once: answer, keep waiting for our RLC */
		cic_ctr_inc(cic, CIC_CTR_REL_IN);
		cic_tx_simple(cic, ISUP_MSGT_RLC);
		break;
	case CIC_EV_RX_RSC:
		rx_rsc(cic);
		break;
	case CIC_EV_RX_GRS:
		rx_grs(cic);
		break;
	case CIC_EV_HW_BLOCK:
		to_idle(cic);
		break;
	case CIC_EV_RESET:
		enter_wait_rsc(cic, false);
		break;
	case CIC_EV_GRS_SENT:
		osmo_fsm_inst_state_chg(fi, CIC_ST_WAIT_GRA, 0, 0);
		break;
	case CIC_EV_RX_IAM:
	case CIC_EV_RX_CALL_MSG:
		unexpected(cic, event, data);
		break;
	default:
		break;
	}
}

static void st_wait_rsc_rlc(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct cic *cic = fi->priv;

	switch (event) {
	case CIC_EV_RX_RLC:
		to_idle(cic);
		break;
	case CIC_EV_RX_RSC:
		/* Q.764 2.10.3.1: both ends reset: answer, idle when our RLC comes */
		cic_ctr_inc(cic, CIC_CTR_RSC_IN);
		cic->blk &= ~CIC_BLK_REMOTE_MAINT;
		cic_tx_simple(cic, ISUP_MSGT_RLC);
		break;
	case CIC_EV_RX_REL:
		/* Q.764 2.10.3.1: REL in answer to RSC: RLC, circuit idle */
		cic_ctr_inc(cic, CIC_CTR_REL_IN);
		cic_tx_simple(cic, ISUP_MSGT_RLC);
		to_idle(cic);
		break;
	case CIC_EV_RX_GRS:
		rx_grs(cic);
		break;
	case CIC_EV_HW_BLOCK:
		to_idle(cic);
		break;
	case CIC_EV_GRS_SENT:
		osmo_fsm_inst_state_chg(fi, CIC_ST_WAIT_GRA, 0, 0);
		break;
	case CIC_EV_RX_IAM:
	case CIC_EV_RX_CALL_MSG:
		unexpected(cic, event, data);
		break;
	default:
		break;
	}
}

static void st_wait_gra(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct cic *cic = fi->priv;

	switch (event) {
	case CIC_EV_RX_GRA:
		to_idle(cic);
		/* Q.764 2.10.3.2: locally blocked circuits are blocked again after the reset */
		cic_after_reset(cic);
		break;
	case CIC_EV_RX_RSC:
		cic_ctr_inc(cic, CIC_CTR_RSC_IN);
		cic->blk &= ~CIC_BLK_REMOTE_MAINT;
		cic_tx_simple(cic, ISUP_MSGT_RLC);
		break;
	case CIC_EV_RX_REL:
		cic_ctr_inc(cic, CIC_CTR_REL_IN);
		cic_tx_simple(cic, ISUP_MSGT_RLC);
		break;
	case CIC_EV_RESET:
		enter_wait_rsc(cic, false);
		break;
	case CIC_EV_RX_IAM:
	case CIC_EV_RX_CALL_MSG:
	case CIC_EV_RX_RLC:
		unexpected(cic, event, data);
		break;
	default:
		break;
	}
}

static int cic_fsm_timer_cb(struct osmo_fsm_inst *fi)
{
	struct cic *cic = fi->priv;

	switch (fi->T) {
	case 1:
		/* Q.764 2.9.6: T1 expiry -> REL again, T5 keeps running */
		cic_ctr_inc(cic, CIC_CTR_T1_EXPIRY);
		cic_tx_rel(cic, cic->rel_cause);
		arm_repeat(cic, CIC_ST_WAIT_RLC, 1, 5);
		break;
	case 5:
		/* Q.764 2.9.6: T5 expiry -> alert maintenance, RSC, stop T1, RSC at T17 intervals */
		cic_ctr_inc(cic, CIC_CTR_T5_EXPIRY);
		LOGPCIC(cic, LOGL_ERROR, "alarm: T5 expired, no RLC for REL on CIC %u, resetting\n", cic->code);
		enter_wait_rsc(cic, true);
		break;
	case 16:
		/* Q.764 2.10.3.1: T16 expiry -> RSC again */
		cic_ctr_inc(cic, CIC_CTR_T16_EXPIRY);
		cic_tx_simple(cic, ISUP_MSGT_RSC);
		arm_repeat(cic, CIC_ST_WAIT_RSC_RLC, 16, 17);
		break;
	case 17:
		/* Q.764 2.10.3.1: T17 expiry -> alert maintenance, RSC at T17 intervals, T16 stopped */
		cic_ctr_inc(cic, CIC_CTR_T17_EXPIRY);
		LOGPCIC(cic, LOGL_ERROR, "alarm: T17 expired, no RLC for RSC on CIC %u\n", cic->code);
		cic->long_only = true;
		cic_tx_simple(cic, ISUP_MSGT_RSC);
		arm_repeat(cic, CIC_ST_WAIT_RSC_RLC, 16, 17);
		break;
	}
	return 0;
}

static const struct osmo_fsm_state cic_fsm_states[] = {
	[CIC_ST_IDLE] = {
		.name = "IDLE",
		.in_event_mask = RX_EVENTS | S(CIC_EV_SEIZE) | S(CIC_EV_REFUSE),
		.out_state_mask = S(CIC_ST_OUTGOING_BUSY) | S(CIC_ST_INCOMING_BUSY) | S(CIC_ST_WAIT_RLC) |
				  S(CIC_ST_WAIT_RSC_RLC) | S(CIC_ST_WAIT_GRA) | S(CIC_ST_IDLE),
		.action = st_idle,
		.onenter = st_idle_onenter,
		.onleave = st_idle_onleave,
	},
	[CIC_ST_OUTGOING_BUSY] = {
		.name = "OUTGOING_BUSY",
		.in_event_mask = RX_EVENTS,
		.out_state_mask = S(CIC_ST_IDLE) | S(CIC_ST_INCOMING_BUSY) | S(CIC_ST_WAIT_RLC) |
				  S(CIC_ST_WAIT_RSC_RLC) | S(CIC_ST_WAIT_GRA),
		.action = st_busy,
	},
	[CIC_ST_INCOMING_BUSY] = {
		.name = "INCOMING_BUSY",
		.in_event_mask = RX_EVENTS,
		.out_state_mask = S(CIC_ST_IDLE) | S(CIC_ST_WAIT_RLC) | S(CIC_ST_WAIT_RSC_RLC) |
				  S(CIC_ST_WAIT_GRA),
		.action = st_busy,
	},
	[CIC_ST_WAIT_RLC] = {
		.name = "WAIT_RLC",
		.in_event_mask = RX_EVENTS,
		.out_state_mask = S(CIC_ST_IDLE) | S(CIC_ST_WAIT_RLC) | S(CIC_ST_WAIT_RSC_RLC) |
				  S(CIC_ST_WAIT_GRA),
		.action = st_wait_rlc,
	},
	[CIC_ST_WAIT_RSC_RLC] = {
		.name = "WAIT_RSC_RLC",
		.in_event_mask = RX_EVENTS,
		.out_state_mask = S(CIC_ST_IDLE) | S(CIC_ST_WAIT_RSC_RLC) | S(CIC_ST_WAIT_GRA),
		.action = st_wait_rsc_rlc,
	},
	[CIC_ST_WAIT_GRA] = {
		.name = "WAIT_GRA",
		.in_event_mask = RX_EVENTS,
		.out_state_mask = S(CIC_ST_IDLE) | S(CIC_ST_WAIT_RSC_RLC),
		.action = st_wait_gra,
	},
};

struct osmo_fsm cic_fsm = {
	.name = "cic",
	.states = cic_fsm_states,
	.num_states = ARRAY_SIZE(cic_fsm_states),
	.timer_cb = cic_fsm_timer_cb,
	.log_subsys = DCIC,
	.event_names = cic_event_names,
};

struct osmo_fsm_inst *cic_fsm_alloc(struct cic *cic, void *ctx)
{
	struct osmo_fsm_inst *fi;
	char id[64];

	snprintf(id, sizeof(id), "%s-%u", cic->grp->name, cic->code);
	fi = osmo_fsm_inst_alloc(&cic_fsm, ctx, cic, LOGL_DEBUG, id);
	if (!fi)
		return NULL;
	/* born IDLE: onenter does not run for the initial state */
	llist_add_tail(&cic->idle_entry, &cic->grp->idle_lru);
	return fi;
}

static __attribute__((constructor)) void cic_fsm_register(void)
{
	OSMO_ASSERT(osmo_fsm_register(&cic_fsm) == 0);
}
