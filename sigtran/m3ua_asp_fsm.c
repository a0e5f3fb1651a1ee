/* m3ua_asp_fsm.c - ASP state machine, ASP side (RFC 4666 4.3.1, 4.3.4: ASPUP, ASPAC, ASPIA, ASPDN) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/fsm.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "sigtran/m3ua_internal.h"

#define S(x)	(1 << (x))

static const struct value_string asp_event_names[] = {
	{ M3UA_ASP_EV_START, "START" },
	{ M3UA_ASP_EV_STOP, "STOP" },
	{ M3UA_ASP_EV_ACTIVATE, "ACTIVATE" },
	{ M3UA_ASP_EV_INACTIVATE, "INACTIVATE" },
	{ M3UA_ASP_EV_TRANSPORT_UP, "TRANSPORT_UP" },
	{ M3UA_ASP_EV_TRANSPORT_DOWN, "TRANSPORT_DOWN" },
	{ M3UA_ASP_EV_PEER_LOST, "PEER_LOST" },
	{ M3UA_ASP_EV_RX_UP_ACK, "RX_ASPUP_ACK" },
	{ M3UA_ASP_EV_RX_DOWN_ACK, "RX_ASPDN_ACK" },
	{ M3UA_ASP_EV_RX_ACTIVE_ACK, "RX_ASPAC_ACK" },
	{ M3UA_ASP_EV_RX_INACTIVE_ACK, "RX_ASPIA_ACK" },
	{ M3UA_ASP_EV_RX_NTFY, "RX_NTFY" },
	{ 0, NULL }
};

static unsigned long tdef_ms(struct m3ua_asp *asp, int T)
{
	return osmo_tdef_get(asp->tdefs, T, OSMO_TDEF_MS, -1);
}

/* Every state change goes through here so the AS sees it (active set, pause/resume).
 * The state timer is armed by hand: libosmocore 1.7's osmo_fsm_inst_state_chg_ms() passes the
 * sub-second part to osmo_timer_schedule() as microseconds, so 50 ms became 50 us. */
static void asp_state_chg(struct osmo_fsm_inst *fi, uint32_t st, unsigned long ms, int T)
{
	struct m3ua_asp *asp = fi->priv;

	osmo_fsm_inst_state_chg(fi, st, 0, T);
	if (ms) {
		fi->T = T;
		osmo_timer_schedule(&fi->timer, ms / 1000, (ms % 1000) * 1000);
	}
	if (asp->as)
		m3ua_as_asp_state_chg(asp->as, asp);
}

/* Exponential back-off with jitter: uniform in [d/2, d], d = min(max, min * 2^attempt). */
static unsigned long backoff_ms(struct m3ua_asp *asp)
{
	unsigned long min = tdef_ms(asp, M3UA_T_RECONN_MIN), max = tdef_ms(asp, M3UA_T_RECONN_MAX);
	unsigned shift = asp->reconn_attempt > 20 ? 20 : asp->reconn_attempt;
	unsigned long d = min << shift;

	if (d > max || d < min)
		d = max;
	asp->reconn_attempt++;
	if (d < 2)
		return 1;
	return d / 2 + (unsigned long)random() % (d / 2 + 1);
}

static void go_down(struct osmo_fsm_inst *fi)
{
	struct m3ua_asp *asp = fi->priv;

	m3ua_asp_beat_stop(asp);
	m3ua_asp_disconnect(asp);
	if (asp->admin_up)
		asp_state_chg(fi, M3UA_ASP_ST_DOWN, backoff_ms(asp), M3UA_T_RECONN_MIN);
	else
		asp_state_chg(fi, M3UA_ASP_ST_DOWN, 0, 0);
}

static void try_connect(struct osmo_fsm_inst *fi)
{
	struct m3ua_asp *asp = fi->priv;
	int rc = m3ua_asp_connect(asp);

	if (rc < 0) {
		LOGPASP(asp, LOGL_ERROR, "connect to %s:%u failed: %s\n", asp->cfg.remote_ip,
			asp->cfg.remote_port, strerror(-rc));
		go_down(fi);
		return;
	}
	asp_state_chg(fi, M3UA_ASP_ST_CONNECTING, tdef_ms(asp, M3UA_T_CONNECT), M3UA_T_CONNECT);
}

static void send_aspup(struct osmo_fsm_inst *fi)
{
	struct m3ua_asp *asp = fi->priv;
	struct msgb *msg = m3ua_msgb_alloc(M3UA_CLS_ASPSM, M3UA_ASPSM_UP);

	if (!msg)
		return;
	if (asp->cfg.asp_id_present)
		m3ua_msgb_put_u32(msg, M3UA_IEI_ASP_ID, asp->cfg.asp_id);
	m3ua_msgb_finish(msg);
	m3ua_asp_send(asp, msg, 0);
	asp_state_chg(fi, M3UA_ASP_ST_WAIT_UP_ACK, tdef_ms(asp, M3UA_T_ACK), M3UA_T_ACK);
}

/* RFC 4666 3.7.1: ASPAC carries the traffic mode and the routing context(s) of the AS. */
static void send_aspac(struct osmo_fsm_inst *fi)
{
	struct m3ua_asp *asp = fi->priv;
	struct msgb *msg = m3ua_msgb_alloc(M3UA_CLS_ASPTM, M3UA_ASPTM_ACTIVE);
	const uint32_t *rc = asp->as ? m3ua_as_rc(asp->as) : NULL;

	if (!msg)
		return;
	m3ua_msgb_put_u32(msg, M3UA_IEI_TRAF_MODE_TYPE, asp->as ? m3ua_as_mode(asp->as) : M3UA_TMT_OVERRIDE);
	if (rc)
		m3ua_msgb_put_u32(msg, M3UA_IEI_ROUTE_CTX, *rc);
	m3ua_msgb_finish(msg);
	m3ua_asp_send(asp, msg, 0);
	asp_state_chg(fi, M3UA_ASP_ST_WAIT_ACTIVE_ACK, tdef_ms(asp, M3UA_T_ACK), M3UA_T_ACK);
}

static void send_aspia(struct osmo_fsm_inst *fi)
{
	struct m3ua_asp *asp = fi->priv;
	struct msgb *msg = m3ua_msgb_alloc(M3UA_CLS_ASPTM, M3UA_ASPTM_INACTIVE);
	const uint32_t *rc = asp->as ? m3ua_as_rc(asp->as) : NULL;

	if (!msg)
		return;
	if (rc)
		m3ua_msgb_put_u32(msg, M3UA_IEI_ROUTE_CTX, *rc);
	m3ua_msgb_finish(msg);
	m3ua_asp_send(asp, msg, 0);
	asp_state_chg(fi, M3UA_ASP_ST_WAIT_INACTIVE_ACK, tdef_ms(asp, M3UA_T_ACK), M3UA_T_ACK);
}

static void send_aspdn(struct osmo_fsm_inst *fi)
{
	struct m3ua_asp *asp = fi->priv;

	m3ua_asp_tx_simple(asp, M3UA_CLS_ASPSM, M3UA_ASPSM_DOWN);
	asp_state_chg(fi, M3UA_ASP_ST_WAIT_DOWN_ACK, tdef_ms(asp, M3UA_T_ACK), M3UA_T_ACK);
}

/* RFC 4666 3.8.2: remember the AS state; Alternate ASP Active means we are now ASP-INACTIVE. */
static void rx_ntfy(struct osmo_fsm_inst *fi, const struct m3ua_msg *msg)
{
	struct m3ua_asp *asp = fi->priv;
	uint32_t st;

	if (m3ua_msg_get_u32(msg, M3UA_IEI_STATUS, &st) < 0)
		return;
	asp->ntfy_type = st >> 16;
	asp->ntfy_info = st & 0xffff;
	LOGPASP(asp, LOGL_INFO, "NTFY type %u info %u\n", asp->ntfy_type, asp->ntfy_info);
	if (asp->ntfy_type == M3UA_NTFY_T_OTHER && asp->ntfy_info == M3UA_NTFY_I_ALT_ASP_ACT
	    && (fi->state == M3UA_ASP_ST_ACTIVE || fi->state == M3UA_ASP_ST_WAIT_ACTIVE_ACK))
		asp_state_chg(fi, M3UA_ASP_ST_INACTIVE, 0, 0);
}

static void st_down(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	/* START is handled in allstate */
}

static void st_connecting(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	switch (event) {
	case M3UA_ASP_EV_TRANSPORT_UP:
		/* RFC 4666 4.3.4.1: the ASP starts with ASPUP once the association is up */
		send_aspup(fi);
		break;
	}
}

static void st_wait_up_ack(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct m3ua_asp *asp = fi->priv;

	switch (event) {
	case M3UA_ASP_EV_RX_UP_ACK:
		asp->reconn_attempt = 0;
		m3ua_asp_beat_start(asp);
		if (asp->admin_active)
			send_aspac(fi);
		else
			asp_state_chg(fi, M3UA_ASP_ST_INACTIVE, 0, 0);
		break;
	case M3UA_ASP_EV_RX_NTFY:
		rx_ntfy(fi, data);
		break;
	}
}

/* Events common to the states where the ASP is up (ASP-INACTIVE or ASP-ACTIVE). */
static void up_common(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct m3ua_asp *asp = fi->priv;

	switch (event) {
	case M3UA_ASP_EV_RX_NTFY:
		rx_ntfy(fi, data);
		break;
	case M3UA_ASP_EV_RX_DOWN_ACK:
		/* RFC 4666 4.3.4.2: an unsolicited ASPDN_ACK puts us ASP-DOWN; ask to come up again */
		LOGPASP(asp, LOGL_NOTICE, "unsolicited ASPDN_ACK, sending ASPUP\n");
		m3ua_asp_beat_stop(asp);
		send_aspup(fi);
		break;
	case M3UA_ASP_EV_INACTIVATE:
		asp->admin_active = false;
		send_aspia(fi);
		break;
	case M3UA_ASP_EV_ACTIVATE:
		asp->admin_active = true;
		send_aspac(fi);
		break;
	}
}

static void st_wait_active_ack(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	switch (event) {
	case M3UA_ASP_EV_RX_ACTIVE_ACK:
		asp_state_chg(fi, M3UA_ASP_ST_ACTIVE, 0, 0);
		break;
	default:
		up_common(fi, event, data);
		break;
	}
}

static void st_active(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	switch (event) {
	case M3UA_ASP_EV_RX_ACTIVE_ACK:
		break;
	case M3UA_ASP_EV_RX_INACTIVE_ACK:
		/* RFC 4666 4.3.4.4: the SGP may inactivate us on its own */
		asp_state_chg(fi, M3UA_ASP_ST_INACTIVE, 0, 0);
		break;
	default:
		up_common(fi, event, data);
		break;
	}
}

static void st_inactive(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	switch (event) {
	case M3UA_ASP_EV_RX_INACTIVE_ACK:
		break;
	default:
		up_common(fi, event, data);
		break;
	}
}

static void st_wait_inactive_ack(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	switch (event) {
	case M3UA_ASP_EV_RX_INACTIVE_ACK:
		asp_state_chg(fi, M3UA_ASP_ST_INACTIVE, 0, 0);
		break;
	default:
		up_common(fi, event, data);
		break;
	}
}

static void st_wait_down_ack(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	switch (event) {
	case M3UA_ASP_EV_RX_DOWN_ACK:
		go_down(fi);
		break;
	case M3UA_ASP_EV_RX_NTFY:
		rx_ntfy(fi, data);
		break;
	}
}

static void asp_allstate(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct m3ua_asp *asp = fi->priv;

	switch (event) {
	case M3UA_ASP_EV_START:
		asp->admin_up = true;
		asp->admin_active = true;
		if (fi->state == M3UA_ASP_ST_DOWN) {
			asp->reconn_attempt = 0;
			try_connect(fi);
		} else if (fi->state == M3UA_ASP_ST_INACTIVE) {
			send_aspac(fi);
		}
		break;
	case M3UA_ASP_EV_STOP:
		asp->admin_up = false;
		asp->admin_active = false;
		switch (fi->state) {
		case M3UA_ASP_ST_WAIT_ACTIVE_ACK:
		case M3UA_ASP_ST_ACTIVE:
		case M3UA_ASP_ST_INACTIVE:
		case M3UA_ASP_ST_WAIT_INACTIVE_ACK:
			/* RFC 4666 4.3.4.2: ASPDN before closing the association */
			send_aspdn(fi);
			break;
		case M3UA_ASP_ST_WAIT_DOWN_ACK:
			break;
		default:
			go_down(fi);
			break;
		}
		break;
	case M3UA_ASP_EV_TRANSPORT_DOWN:
	case M3UA_ASP_EV_PEER_LOST:
		if (fi->state != M3UA_ASP_ST_DOWN || asp->conn)
			go_down(fi);
		break;
	}
}

static int asp_timer_cb(struct osmo_fsm_inst *fi)
{
	struct m3ua_asp *asp = fi->priv;

	switch (fi->state) {
	case M3UA_ASP_ST_DOWN:
		rate_ctr_inc(rate_ctr_group_get_ctr(asp->ctrg, M3UA_ASP_CTR_RECONNECT));
		try_connect(fi);
		break;
	case M3UA_ASP_ST_CONNECTING:
		LOGPASP(asp, LOGL_NOTICE, "connect timeout\n");
		go_down(fi);
		break;
	/* RFC 4666 4.3.4.1, 4.3.4.3: no ack within T(ack) -> send the request again */
	case M3UA_ASP_ST_WAIT_UP_ACK:
		send_aspup(fi);
		break;
	case M3UA_ASP_ST_WAIT_ACTIVE_ACK:
		send_aspac(fi);
		break;
	case M3UA_ASP_ST_WAIT_INACTIVE_ACK:
		send_aspia(fi);
		break;
	case M3UA_ASP_ST_WAIT_DOWN_ACK:
		go_down(fi);
		break;
	}
	return 0;
}

#define UP_EVENTS (S(M3UA_ASP_EV_RX_NTFY) | S(M3UA_ASP_EV_RX_DOWN_ACK) | S(M3UA_ASP_EV_ACTIVATE) \
		   | S(M3UA_ASP_EV_INACTIVATE))
#define UP_STATES (S(M3UA_ASP_ST_DOWN) | S(M3UA_ASP_ST_WAIT_UP_ACK) | S(M3UA_ASP_ST_WAIT_ACTIVE_ACK) \
		   | S(M3UA_ASP_ST_ACTIVE) | S(M3UA_ASP_ST_INACTIVE) | S(M3UA_ASP_ST_WAIT_INACTIVE_ACK) \
		   | S(M3UA_ASP_ST_WAIT_DOWN_ACK))

static const struct osmo_fsm_state asp_states[] = {
	[M3UA_ASP_ST_DOWN] = {
		.name = "DOWN",
		.in_event_mask = 0,
		.out_state_mask = S(M3UA_ASP_ST_DOWN) | S(M3UA_ASP_ST_CONNECTING),
		.action = st_down,
	},
	[M3UA_ASP_ST_CONNECTING] = {
		.name = "CONNECTING",
		.in_event_mask = S(M3UA_ASP_EV_TRANSPORT_UP),
		.out_state_mask = S(M3UA_ASP_ST_DOWN) | S(M3UA_ASP_ST_WAIT_UP_ACK),
		.action = st_connecting,
	},
	[M3UA_ASP_ST_WAIT_UP_ACK] = {
		.name = "WAIT_UP_ACK",
		.in_event_mask = S(M3UA_ASP_EV_RX_UP_ACK) | S(M3UA_ASP_EV_RX_NTFY),
		.out_state_mask = S(M3UA_ASP_ST_DOWN) | S(M3UA_ASP_ST_WAIT_UP_ACK)
				| S(M3UA_ASP_ST_WAIT_ACTIVE_ACK) | S(M3UA_ASP_ST_INACTIVE),
		.action = st_wait_up_ack,
	},
	[M3UA_ASP_ST_WAIT_ACTIVE_ACK] = {
		.name = "WAIT_ACTIVE_ACK",
		.in_event_mask = UP_EVENTS | S(M3UA_ASP_EV_RX_ACTIVE_ACK),
		.out_state_mask = UP_STATES,
		.action = st_wait_active_ack,
	},
	[M3UA_ASP_ST_ACTIVE] = {
		.name = "ACTIVE",
		.in_event_mask = UP_EVENTS | S(M3UA_ASP_EV_RX_ACTIVE_ACK) | S(M3UA_ASP_EV_RX_INACTIVE_ACK),
		.out_state_mask = UP_STATES,
		.action = st_active,
	},
	[M3UA_ASP_ST_INACTIVE] = {
		.name = "INACTIVE",
		.in_event_mask = UP_EVENTS | S(M3UA_ASP_EV_RX_INACTIVE_ACK),
		.out_state_mask = UP_STATES,
		.action = st_inactive,
	},
	[M3UA_ASP_ST_WAIT_INACTIVE_ACK] = {
		.name = "WAIT_INACTIVE_ACK",
		.in_event_mask = UP_EVENTS | S(M3UA_ASP_EV_RX_INACTIVE_ACK),
		.out_state_mask = UP_STATES,
		.action = st_wait_inactive_ack,
	},
	[M3UA_ASP_ST_WAIT_DOWN_ACK] = {
		.name = "WAIT_DOWN_ACK",
		.in_event_mask = S(M3UA_ASP_EV_RX_DOWN_ACK) | S(M3UA_ASP_EV_RX_NTFY),
		.out_state_mask = S(M3UA_ASP_ST_DOWN),
		.action = st_wait_down_ack,
	},
};

struct osmo_fsm m3ua_asp_fsm = {
	.name = "m3ua_asp",
	.states = asp_states,
	.num_states = ARRAY_SIZE(asp_states),
	.allstate_event_mask = S(M3UA_ASP_EV_START) | S(M3UA_ASP_EV_STOP)
			     | S(M3UA_ASP_EV_TRANSPORT_DOWN) | S(M3UA_ASP_EV_PEER_LOST),
	.allstate_action = asp_allstate,
	.timer_cb = asp_timer_cb,
	.log_subsys = DM3UA,
	.event_names = asp_event_names,
};

static __attribute__((constructor)) void asp_fsm_register(void)
{
	OSMO_ASSERT(osmo_fsm_register(&m3ua_asp_fsm) == 0);
}

const char *m3ua_asp_state_name(enum m3ua_asp_state st)
{
	if ((unsigned)st >= ARRAY_SIZE(asp_states))
		return "unknown";
	return asp_states[st].name;
}
