/* sim_cic_fsm.c - PSTN simulator: one call per circuit, terminating and originating (Q.764 2.1-2.3) */
#include <errno.h>
#include <string.h>

#include <osmocom/core/fsm.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/tdef.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "sigtran/isup.h"
#include "tools/pstn-sim/sim.h"

enum sim_cic_state {
	ST_IDLE,
	ST_IN_WAIT_FIRST,	/* IAM received, first backward message held back (slow, never) */
	ST_IN_ALERTING,		/* ACM sent, CPG/ANM pending or never (ring) */
	ST_ANSWERED,		/* ANM sent or received, hold timer running if set */
	ST_WAIT_RLC,		/* REL sent, T1 running */
	ST_OUT_WAIT_ACM,	/* IAM sent, T7 running */
	ST_OUT_WAIT_ANM,	/* ACM received, T9 running */
};

/* Q.764 timers (T1, T7, T9) and the simulator's own delays, in milliseconds. */
static struct osmo_tdef sim_tdefs[] = {
	{ .T = SIM_T1, .default_val = 15000, .unit = OSMO_TDEF_MS,
	  .desc = "REL sent, waiting for RLC (Q.764 T1: 15-60 s)" },
	{ .T = SIM_T7, .default_val = 20000, .unit = OSMO_TDEF_MS,
	  .desc = "IAM sent, waiting for ACM (Q.764 T7: 20-30 s)" },
	{ .T = SIM_T9, .default_val = 90000, .unit = OSMO_TDEF_MS,
	  .desc = "ACM received, waiting for ANM (Q.764 T9, Q.118: 90-180 s)" },
	{}
};

#define LOC	ISUP_LOC_PUB_LOCAL	/* we are the local exchange of the called user */

static struct osmo_fsm sim_cic_fsm;

/* The state timer is our own osmo_timer: libosmocore 1.7's osmo_fsm_inst_state_chg_ms()
 * schedules the sub-second part as microseconds (1100 ms fires after 1.0011 s). */
static void st_chg(struct sim_cic *c, enum sim_cic_state st, uint32_t ms, int T)
{
	osmo_timer_del(&c->timer);
	osmo_fsm_inst_state_chg(c->fi, st, 0, 0);
	c->timer_T = T;
	if (ms)
		osmo_timer_schedule(&c->timer, ms / 1000, (ms % 1000) * 1000);
}

static uint32_t tdef_ms(int T)
{
	return osmo_tdef_get(sim_tdefs, T, OSMO_TDEF_MS, -1);
}

static void send_rel(struct sim_cic *c, uint8_t cause)
{
	c->rel_cause = cause;
	sim_isup_send(c->sim, isup_msg_rel(c->sim, c->cic, cause, LOC));
	st_chg(c, ST_WAIT_RLC, tdef_ms(SIM_T1), SIM_T1);
}

/* Answered call: hold, then REL with normal clearing; no hold = until the gateway releases. */
static void enter_answered(struct sim_cic *c, uint32_t hold_ms)
{
	struct sim *sim = c->sim;

	sim_ctr_inc(sim, SIM_CTR_CALLS_ANSWERED);
	sim_ctr_inc(sim, c->outgoing ? SIM_CTR_CALLS_ANSWERED_OUT : SIM_CTR_CALLS_ANSWERED_IN);
	st_chg(c, ST_ANSWERED, hold_ms, SIM_T_HOLD);
}

static void answer(struct sim_cic *c)
{
	const struct sim_rule *r = c->rule;

	sim_isup_send(c->sim, isup_msg_anm(c->sim, c->cic));
	enter_answered(c, r->action == SIM_ACT_ANSWER ? r->hold_ms : 0);
}

/* Delay before the next backward message: the rule's own plus the global slow fault. */
static uint32_t step_delay(const struct sim_cic *c)
{
	const struct sim_rule *r = c->rule;
	uint32_t d = c->sim->slow_ms;

	if (r->action == SIM_ACT_ANSWER || r->action == SIM_ACT_CPG || r->action == SIM_ACT_SLOW)
		d += r->delay_ms;
	return d;
}

/* The step after ACM: CPG (once, for cpg rules), then ANM. */
static void alerting_step(struct sim_cic *c)
{
	uint32_t d;

	if (c->rule->action == SIM_ACT_RING)
		return;
	if (c->rule->action == SIM_ACT_CPG && !c->cpg_sent) {
		c->cpg_sent = true;
		sim_isup_send(c->sim, isup_msg_cpg(c->sim, c->cic, ISUP_EVENT_ALERTING));
		d = step_delay(c);
		if (d) {
			st_chg(c, ST_IN_ALERTING, d, SIM_T_DELAY);
			return;
		}
	}
	answer(c);
}

/* First backward message of an incoming call: REL for reject rules, else ACM. */
static void first_step(struct sim_cic *c)
{
	struct sim *sim = c->sim;
	const struct sim_rule *r = c->rule;
	struct isup_bci bci = { .charge = 2, .called_status = 1, .called_category = 1,
				.isup_used = 1, .isdn_access = 1 };
	uint32_t d;

	if (r->action == SIM_ACT_REJECT) {
		sim_ctr_inc(sim, SIM_CTR_CALLS_REJECTED);
		sim->rejected_cause[r->cause & 0x7f]++;
		send_rel(c, r->cause);
		return;
	}
	/* Q.763 3.5: with CPG to follow, the ACM says "no indication" and alerting comes in CPG */
	if (r->action == SIM_ACT_CPG)
		bci.called_status = 0;
	sim_isup_send(sim, isup_msg_acm(sim, c->cic, &bci));
	if (r->action == SIM_ACT_RING) {
		st_chg(c, ST_IN_ALERTING, 0, 0);
		return;
	}
	d = step_delay(c);
	st_chg(c, ST_IN_ALERTING, d, SIM_T_DELAY);
	if (!d)
		alerting_step(c);
}

static void rx_iam(struct sim_cic *c, const struct isup_msg *m)
{
	struct sim *sim = c->sim;
	uint32_t d;

	if (c->local_blocked) {
		/* we blocked this circuit: refuse the call and repeat the blocking */
		sim_ctr_inc(sim, SIM_CTR_CALLS_REFUSED_BLOCKED);
		sim_isup_send(sim, isup_msg_simple(sim, ISUP_MSGT_BLO, c->cic));
		send_rel(c, 41);
		return;
	}
	/* Q.764 2.8.2.3: a call from the exchange that blocked the circuit removes that blocking */
	c->remote_blocked = false;
	sim_ctr_inc(sim, SIM_CTR_CALLS_IN);
	c->outgoing = false;
	c->rule = sim_rule_match(&sim->cfg, ISUP_HAS(m, ISUP_P_CALLED) ? m->called.digits : "");
	LOGPFSML(c->fi, LOGL_INFO, "IAM to %s: %s\n", m->called.digits, sim_action_name(c->rule->action));
	if (c->rule->action == SIM_ACT_NEVER) {
		st_chg(c, ST_IN_WAIT_FIRST, 0, 0);
		return;
	}
	d = sim->slow_ms + (c->rule->action == SIM_ACT_SLOW ? c->rule->delay_ms : 0);
	st_chg(c, ST_IN_WAIT_FIRST, d, SIM_T_DELAY);
	if (!d)
		first_step(c);
}

/* The gateway released: RLC, and count the outcome by the state the call was in. */
static void rx_rel(struct sim_cic *c, const struct isup_msg *m)
{
	struct sim *sim = c->sim;
	uint8_t cause = ISUP_HAS(m, ISUP_P_CAUSE) ? m->cause.value & 0x7f : 0;

	switch (c->fi->state) {
	case ST_ANSWERED:
		sim_ctr_inc(sim, SIM_CTR_CALLS_COMPLETED);
		sim->released_cause[cause]++;
		break;
	case ST_IN_WAIT_FIRST:
	case ST_IN_ALERTING:
		sim_ctr_inc(sim, SIM_CTR_CALLS_ABANDONED);
		sim->abandoned_cause[cause]++;
		break;
	case ST_OUT_WAIT_ACM:
	case ST_OUT_WAIT_ANM:
		sim_ctr_inc(sim, SIM_CTR_CALLS_FAILED);
		sim->failed_cause[cause]++;
		break;
	default:
		/* idle, or both sides released at once (Q.764 2.3.1 e): RLC all the same */
		break;
	}
	sim_isup_send(sim, isup_msg_simple(sim, ISUP_MSGT_RLC, c->cic));
	if (c->fi->state != ST_IDLE)
		st_chg(c, ST_IDLE, 0, 0);
}

static void originate(struct sim_cic *c)
{
	struct sim *sim = c->sim;
	struct isup_number called = {}, calling = {};
	bool has_calling = sim->cfg.orig_calling[0];

	if (isup_number_set(&called, sim->cfg.orig_nai, sim->cfg.orig_called) < 0 ||
	    (has_calling && isup_number_set(&calling, sim->cfg.orig_nai, sim->cfg.orig_calling) < 0))
		return;
	called.npi = calling.npi = 1;
	calling.screen = 3;	/* network provided */
	if (sim_isup_send(sim, isup_msg_iam(sim, c->cic, &called, has_calling ? &calling : NULL,
					    sim->cfg.orig_cpc, 0)) < 0)
		return;
	c->outgoing = true;
	sim->orig_outstanding++;
	sim_ctr_inc(sim, SIM_CTR_CALLS_OUT);
	st_chg(c, ST_OUT_WAIT_ACM, tdef_ms(SIM_T7), SIM_T7);
}

/* Q.764 2.10.1.4: the exchange with the higher point code controls the even circuits. */
static bool we_control(const struct sim_cic *c)
{
	bool higher = c->sim->cfg.local_pc > c->sim->cfg.remote_pc;

	return higher == !(c->cic & 1);
}

static void unexpected(struct sim_cic *c, uint32_t event)
{
	sim_ctr_inc(c->sim, SIM_CTR_ERR_UNEXPECTED);
	LOGPFSML(c->fi, LOGL_NOTICE, "unexpected %s\n", osmo_fsm_event_name(c->fi->fsm, event));
}

static void st_idle_onenter(struct osmo_fsm_inst *fi, uint32_t prev_state)
{
	struct sim_cic *c = fi->priv;

	if (c->outgoing) {
		c->outgoing = false;
		sim_orig_done(c->sim);
	}
	c->rule = NULL;
	c->cpg_sent = false;
}

/* Events every busy state handles the same way. */
static void common_busy(struct sim_cic *c, uint32_t event, void *data)
{
	switch (event) {
	case SIM_CIC_EV_RX_REL:
		rx_rel(c, data);
		break;
	case SIM_CIC_EV_RX_IAM:
		if (c->fi->state == ST_OUT_WAIT_ACM) {
			sim_ctr_inc(c->sim, SIM_CTR_CALLS_DUAL_SEIZURE);
			if (we_control(c)) {
				LOGPFSML(c->fi, LOGL_NOTICE, "dual seizure, we control: IAM ignored\n");
				break;
			}
			LOGPFSML(c->fi, LOGL_NOTICE, "dual seizure, gateway controls: our call backs off\n");
			st_chg(c, ST_IDLE, 0, 0);
			rx_iam(c, data);
			break;
		}
		unexpected(c, event);
		break;
	default:
		unexpected(c, event);
		break;
	}
}

static void st_idle(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct sim_cic *c = fi->priv;

	switch (event) {
	case SIM_CIC_EV_RX_IAM:
		rx_iam(c, data);
		break;
	case SIM_CIC_EV_RX_REL:
		rx_rel(c, data);
		break;
	case SIM_CIC_EV_ORIGINATE:
		originate(c);
		break;
	default:
		unexpected(c, event);
		break;
	}
}

static void st_out_wait(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct sim_cic *c = fi->priv;

	switch (event) {
	case SIM_CIC_EV_RX_ACM:
		if (fi->state != ST_OUT_WAIT_ACM) {
			unexpected(c, event);
			break;
		}
		st_chg(c, ST_OUT_WAIT_ANM, tdef_ms(SIM_T9), SIM_T9);
		break;
	case SIM_CIC_EV_RX_CPG:
		break;
	case SIM_CIC_EV_RX_ANM:
		enter_answered(c, c->sim->cfg.orig_hold_ms);
		if (!c->sim->cfg.orig_hold_ms) {
			sim_ctr_inc(c->sim, SIM_CTR_CALLS_COMPLETED);
			send_rel(c, 16);
		}
		break;
	default:
		common_busy(c, event, data);
		break;
	}
}

static void st_wait_rlc(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct sim_cic *c = fi->priv;

	if (event == SIM_CIC_EV_RX_RLC)
		st_chg(c, ST_IDLE, 0, 0);
	else
		common_busy(c, event, data);
}

static void st_busy(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	common_busy(fi->priv, event, data);
}

static void all_reset(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct sim_cic *c = fi->priv;

	if (event != SIM_CIC_EV_RESET || fi->state == ST_IDLE)
		return;
	sim_ctr_inc(c->sim, SIM_CTR_CALLS_RESET);
	st_chg(c, ST_IDLE, 0, 0);
}

static void timer_cb(void *data)
{
	struct sim_cic *c = data;
	struct sim *sim = c->sim;
	struct osmo_fsm_inst *fi = c->fi;

	LOGPFSML(fi, LOGL_DEBUG, "timeout of " OSMO_T_FMT "\n", OSMO_T_FMT_ARGS(c->timer_T));

	switch (fi->state) {
	case ST_IN_WAIT_FIRST:
		first_step(c);
		break;
	case ST_IN_ALERTING:
		alerting_step(c);
		break;
	case ST_ANSWERED:
		sim_ctr_inc(sim, SIM_CTR_CALLS_COMPLETED);
		send_rel(c, 16);
		break;
	case ST_WAIT_RLC:
		/* Q.764 2.9.6: T1 expiry -> repeat REL, restart T1 */
		sim_ctr_inc(sim, SIM_CTR_REL_RETX);
		sim_isup_send(sim, isup_msg_rel(sim, c->cic, c->rel_cause, LOC));
		st_chg(c, ST_WAIT_RLC, tdef_ms(SIM_T1), SIM_T1);
		break;
	case ST_OUT_WAIT_ACM:
		/* Q.764 2.1.5: T7 expiry -> release with cause 102, recovery on timer expiry */
		sim_ctr_inc(sim, SIM_CTR_CALLS_TIMEOUT);
		send_rel(c, 102);
		break;
	case ST_OUT_WAIT_ANM:
		/* Q.118 / Q.764 2.1.5: T9 expiry -> release with cause 19, no answer */
		sim_ctr_inc(sim, SIM_CTR_CALLS_TIMEOUT);
		send_rel(c, 19);
		break;
	}
}

#define S(x)	(1 << (x))
#define BUSY_IN	(S(SIM_CIC_EV_RX_IAM) | S(SIM_CIC_EV_RX_ACM) | S(SIM_CIC_EV_RX_CPG) | \
		 S(SIM_CIC_EV_RX_ANM) | S(SIM_CIC_EV_RX_REL) | S(SIM_CIC_EV_RX_RLC))

static const struct osmo_fsm_state sim_cic_states[] = {
	[ST_IDLE] = {
		.name = "IDLE",
		.in_event_mask = BUSY_IN | S(SIM_CIC_EV_ORIGINATE),
		.out_state_mask = S(ST_IN_WAIT_FIRST) | S(ST_WAIT_RLC) | S(ST_OUT_WAIT_ACM),
		.onenter = st_idle_onenter,
		.action = st_idle,
	},
	[ST_IN_WAIT_FIRST] = {
		.name = "IN_WAIT_FIRST",
		.in_event_mask = BUSY_IN,
		.out_state_mask = S(ST_IDLE) | S(ST_IN_ALERTING) | S(ST_WAIT_RLC),
		.action = st_busy,
	},
	[ST_IN_ALERTING] = {
		.name = "IN_ALERTING",
		.in_event_mask = BUSY_IN,
		.out_state_mask = S(ST_IDLE) | S(ST_IN_ALERTING) | S(ST_ANSWERED),
		.action = st_busy,
	},
	[ST_ANSWERED] = {
		.name = "ANSWERED",
		.in_event_mask = BUSY_IN,
		.out_state_mask = S(ST_IDLE) | S(ST_WAIT_RLC),
		.action = st_busy,
	},
	[ST_WAIT_RLC] = {
		.name = "WAIT_RLC",
		.in_event_mask = BUSY_IN,
		.out_state_mask = S(ST_IDLE) | S(ST_WAIT_RLC),
		.action = st_wait_rlc,
	},
	[ST_OUT_WAIT_ACM] = {
		.name = "OUT_WAIT_ACM",
		.in_event_mask = BUSY_IN,
		.out_state_mask = S(ST_IDLE) | S(ST_OUT_WAIT_ANM) | S(ST_ANSWERED) | S(ST_WAIT_RLC),
		.action = st_out_wait,
	},
	[ST_OUT_WAIT_ANM] = {
		.name = "OUT_WAIT_ANM",
		.in_event_mask = BUSY_IN,
		.out_state_mask = S(ST_IDLE) | S(ST_ANSWERED) | S(ST_WAIT_RLC),
		.action = st_out_wait,
	},
};

static const struct value_string sim_cic_event_names[] = {
	{ SIM_CIC_EV_RX_IAM, "RX_IAM" },
	{ SIM_CIC_EV_RX_ACM, "RX_ACM" },
	{ SIM_CIC_EV_RX_CPG, "RX_CPG" },
	{ SIM_CIC_EV_RX_ANM, "RX_ANM" },
	{ SIM_CIC_EV_RX_REL, "RX_REL" },
	{ SIM_CIC_EV_RX_RLC, "RX_RLC" },
	{ SIM_CIC_EV_RESET, "RESET" },
	{ SIM_CIC_EV_ORIGINATE, "ORIGINATE" },
	{ 0, NULL }
};

static struct osmo_fsm sim_cic_fsm = {
	.name = "pstn_sim_cic",
	.states = sim_cic_states,
	.num_states = ARRAY_SIZE(sim_cic_states),
	.allstate_event_mask = S(SIM_CIC_EV_RESET),
	.allstate_action = all_reset,
	.log_subsys = DSIM,
	.event_names = sim_cic_event_names,
};

int sim_cic_fsm_init(void)
{
	osmo_tdefs_reset(sim_tdefs);
	return osmo_fsm_register(&sim_cic_fsm);
}

int sim_cic_alloc_all(struct sim *sim, void *ctx)
{
	sim->tdefs = sim_tdefs;
	for (unsigned i = 0; i < sim->cfg.num_timers; i++)
		if (osmo_tdef_set(sim_tdefs, sim->cfg.timers[i].T, sim->cfg.timers[i].ms, OSMO_TDEF_MS) < 0)
			return -EINVAL;
	sim->num_cics = sim->cfg.cic_last - sim->cfg.cic_first + 1;
	sim->cics = talloc_zero_array(ctx, struct sim_cic, sim->num_cics);
	if (!sim->cics)
		return -ENOMEM;
	for (unsigned i = 0; i < sim->num_cics; i++) {
		struct sim_cic *c = &sim->cics[i];
		char id[16];

		c->sim = sim;
		c->cic = sim->cfg.cic_first + i;
		snprintf(id, sizeof(id), "cic%u", c->cic);
		c->fi = osmo_fsm_inst_alloc(&sim_cic_fsm, sim->cics, c, LOGL_INFO, id);
		if (!c->fi)
			return -ENOMEM;
		osmo_timer_setup(&c->timer, timer_cb, c);
	}
	return 0;
}

void sim_cic_free_all(struct sim *sim)
{
	for (unsigned i = 0; i < sim->num_cics; i++) {
		osmo_timer_del(&sim->cics[i].timer);
		if (sim->cics[i].fi)
			osmo_fsm_inst_free(sim->cics[i].fi);
	}
	TALLOC_FREE(sim->cics);
	sim->num_cics = 0;
}

bool sim_cic_idle(const struct sim_cic *c)
{
	return c->fi->state == ST_IDLE;
}

void sim_cic_dispatch(struct sim_cic *c, enum sim_cic_event ev, const void *data)
{
	osmo_fsm_inst_dispatch(c->fi, ev, (void *)data);
}
