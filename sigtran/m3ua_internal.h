/* m3ua_internal.h - ASP/AS internals shared by m3ua_asp.c, m3ua_asp_fsm.c and m3ua_as.c */
#pragma once
#include <osmocom/core/fsm.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/tdef.h>
#include <osmocom/core/timer.h>

#include "sigtran/m3ua.h"
#include "sigtran/m3ua_as.h"
#include "sigtran/m3ua_asp.h"
#include "sigtran/m3ua_transport.h"

#define LOGPASP(asp, lvl, fmt, args...) \
	LOGPFSML((asp)->fi, lvl, fmt, ## args)

struct m3ua_asp {
	struct m3ua_as *as;
	struct m3ua_asp_cfg cfg;
	struct osmo_fsm_inst *fi;
	struct m3ua_conn *conn;
	struct osmo_tdef *tdefs;
	struct rate_ctr_group *ctrg;
	struct osmo_timer_list beat_timer;
	uint32_t beat_seq;
	bool beat_outstanding;
	unsigned beat_missed;
	unsigned reconn_attempt;
	bool admin_up;			/* started and not stopped */
	bool admin_active;		/* wants ASP-ACTIVE */
	uint16_t ntfy_type, ntfy_info;
	m3ua_asp_trace_cb trace_cb;
	void *trace_priv;
};

/* FSM events; data of each named in m3ua_asp_fsm.c */
enum m3ua_asp_event {
	M3UA_ASP_EV_START,		/* NULL */
	M3UA_ASP_EV_STOP,		/* NULL */
	M3UA_ASP_EV_ACTIVATE,		/* NULL */
	M3UA_ASP_EV_INACTIVATE,		/* NULL */
	M3UA_ASP_EV_TRANSPORT_UP,	/* NULL */
	M3UA_ASP_EV_TRANSPORT_DOWN,	/* NULL; asp->conn already gone */
	M3UA_ASP_EV_PEER_LOST,		/* NULL; heartbeat failure */
	M3UA_ASP_EV_RX_UP_ACK,		/* const struct m3ua_msg * */
	M3UA_ASP_EV_RX_DOWN_ACK,	/* const struct m3ua_msg * */
	M3UA_ASP_EV_RX_ACTIVE_ACK,	/* const struct m3ua_msg * */
	M3UA_ASP_EV_RX_INACTIVE_ACK,	/* const struct m3ua_msg * */
	M3UA_ASP_EV_RX_NTFY,		/* const struct m3ua_msg * */
};

extern struct osmo_fsm m3ua_asp_fsm;

/* m3ua_asp.c */
int m3ua_asp_send(struct m3ua_asp *asp, struct msgb *msg, uint16_t stream);
int m3ua_asp_connect(struct m3ua_asp *asp);
void m3ua_asp_disconnect(struct m3ua_asp *asp);
void m3ua_asp_beat_start(struct m3ua_asp *asp);
void m3ua_asp_beat_stop(struct m3ua_asp *asp);
void m3ua_asp_tx_simple(struct m3ua_asp *asp, uint8_t msg_class, uint8_t msg_type);

/* m3ua_as.c: called by the ASP */
void m3ua_as_detach_asp(struct m3ua_as *as, struct m3ua_asp *asp);
void m3ua_as_asp_state_chg(struct m3ua_as *as, struct m3ua_asp *asp);
void m3ua_as_rx_data(struct m3ua_as *as, struct m3ua_asp *asp, const struct m3ua_msg *msg);
void m3ua_as_rx_ssnm(struct m3ua_as *as, struct m3ua_asp *asp, const struct m3ua_msg *msg);
/* Routing context / network appearance / traffic mode the ASP puts in its messages. */
const uint32_t *m3ua_as_rc(const struct m3ua_as *as);
const uint32_t *m3ua_as_na(const struct m3ua_as *as);
enum m3ua_traffic_mode m3ua_as_mode(const struct m3ua_as *as);
/* Check RC/NA of an inbound message against the AS; returns the M3UA error code or 0. */
uint32_t m3ua_as_check_rc_na(struct m3ua_as *as, const struct m3ua_msg *msg);
