/* m3ua_asp.h - M3UA Application Server Process, ASP side of one SG connection (RFC 4666 4.3) */
#pragma once
#include <stdint.h>
#include <stdbool.h>

#include "sigtran/m3ua_transport.h"

struct m3ua_asp;
struct osmo_tdef;
struct rate_ctr_group;
struct mtp_transfer;

/* ASP states (RFC 4666 4.3.1 ASP-DOWN / ASP-INACTIVE / ASP-ACTIVE, split by what they wait for) */
enum m3ua_asp_state {
	M3UA_ASP_ST_DOWN,		/* no association; reconnect timer runs if started */
	M3UA_ASP_ST_CONNECTING,		/* transport connect in progress */
	M3UA_ASP_ST_WAIT_UP_ACK,	/* ASPUP sent */
	M3UA_ASP_ST_WAIT_ACTIVE_ACK,	/* ASP-INACTIVE, ASPAC sent */
	M3UA_ASP_ST_ACTIVE,		/* ASP-ACTIVE */
	M3UA_ASP_ST_INACTIVE,		/* ASP-INACTIVE, not asking to become active */
	M3UA_ASP_ST_WAIT_INACTIVE_ACK,	/* ASPIA sent */
	M3UA_ASP_ST_WAIT_DOWN_ACK,	/* ASPDN sent */
};

/* Timers (osmo_tdef, our own numbers; values in the table's units) */
enum m3ua_asp_timer {
	M3UA_T_BEAT		= -1,	/* ms between BEATs, 0 disables heartbeat */
	M3UA_T_BEAT_MISS	= -2,	/* missed BEAT_ACKs that declare the peer lost */
	M3UA_T_ACK		= -3,	/* ms to wait for an ASPSM/ASPTM ack before resending */
	M3UA_T_RECONN_MIN	= -4,	/* ms, first reconnect back-off */
	M3UA_T_RECONN_MAX	= -5,	/* ms, back-off ceiling */
	M3UA_T_CONNECT		= -6,	/* ms to wait for a transport connect */
};

/* Counters of the per-ASP rate_ctr_group, index order. */
enum m3ua_asp_ctr {
	M3UA_ASP_CTR_RX_MGMT, M3UA_ASP_CTR_RX_XFER, M3UA_ASP_CTR_RX_SSNM,
	M3UA_ASP_CTR_RX_ASPSM, M3UA_ASP_CTR_RX_ASPTM, M3UA_ASP_CTR_RX_RKM,
	M3UA_ASP_CTR_TX_MGMT, M3UA_ASP_CTR_TX_XFER, M3UA_ASP_CTR_TX_SSNM,
	M3UA_ASP_CTR_TX_ASPSM, M3UA_ASP_CTR_TX_ASPTM, M3UA_ASP_CTR_TX_RKM,
	M3UA_ASP_CTR_RX_ERR,		/* ERR messages received from the peer */
	M3UA_ASP_CTR_TX_ERR,		/* ERR messages we sent */
	M3UA_ASP_CTR_RX_MALFORMED,	/* messages failing decode */
	M3UA_ASP_CTR_RX_UNEXPECTED,	/* valid messages not expected in this state */
	M3UA_ASP_CTR_BAD_FRAME,		/* associations closed for framing errors */
	M3UA_ASP_CTR_RECONNECT,		/* connect attempts after the first */
	M3UA_ASP_CTR_PEER_LOST,		/* heartbeat failures */
	M3UA_ASP_CTR_TX_QUEUE_FULL,	/* sends refused with -ENOSPC */
	M3UA_ASP_CTR_BEAT_ACK_BAD,	/* BEAT_ACK whose data does not match */
	_NUM_M3UA_ASP_CTR
};

struct m3ua_asp_cfg {
	char name[32];
	enum m3ua_transport_proto proto;
	char remote_ip[64];
	uint16_t remote_port;
	char local_ip[64];		/* "" for any */
	uint16_t local_port;		/* 0 for any */
	unsigned wqueue_max;		/* 0: M3UA_WQUEUE_DEFAULT */
	bool asp_id_present;
	uint32_t asp_id;
};

/* Defaults: SCTP, remote port 2905, no ASP identifier. */
void m3ua_asp_cfg_init(struct m3ua_asp_cfg *cfg, const char *name);

/* Allocate (state DOWN, nothing sent). The ASP must join an AS before m3ua_asp_start(). */
struct m3ua_asp *m3ua_asp_alloc(void *ctx, const struct m3ua_asp_cfg *cfg);
void m3ua_asp_free(struct m3ua_asp *asp);
/* Bring the ASP up and active, and keep it so (reconnecting with back-off). */
int m3ua_asp_start(struct m3ua_asp *asp);
/* ASPDN, then close; no reconnect. */
void m3ua_asp_stop(struct m3ua_asp *asp);
/* ASPIA / ASPAC on command (RFC 4666 4.3.4.3, 4.3.4.4). -ENOTCONN when not up. */
int m3ua_asp_inactivate(struct m3ua_asp *asp);
int m3ua_asp_activate(struct m3ua_asp *asp);

enum m3ua_asp_state m3ua_asp_get_state(const struct m3ua_asp *asp);
const char *m3ua_asp_state_name(enum m3ua_asp_state st);
const char *m3ua_asp_name(const struct m3ua_asp *asp);
const struct m3ua_asp_cfg *m3ua_asp_cfg(const struct m3ua_asp *asp);
struct m3ua_asp_cfg *m3ua_asp_cfg_rw(struct m3ua_asp *asp);	/* takes effect at the next connect */
struct osmo_tdef *m3ua_asp_tdefs(struct m3ua_asp *asp);
struct rate_ctr_group *m3ua_asp_ctrg(struct m3ua_asp *asp);
uint64_t m3ua_asp_ctr(const struct m3ua_asp *asp, enum m3ua_asp_ctr ctr);
/* Last NTFY received: status type and info, 0/0 if none. */
void m3ua_asp_last_ntfy(const struct m3ua_asp *asp, uint16_t *type, uint16_t *info);
/* Association statistics, NULL when not connected. */
const struct m3ua_conn_stats *m3ua_asp_conn_stats(const struct m3ua_asp *asp);

/* Send DATA on this ASP (the AS picks the ASP). -ENOTCONN unless ACTIVE, -ENOSPC queue full. */
int m3ua_asp_send_data(struct m3ua_asp *asp, const struct mtp_transfer *xfer);

/* Every message sent or received on the association, as it crosses the wire (received ones
 * before they are decoded): for a signalling trace. NULL cb stops it. */
typedef void (*m3ua_asp_trace_cb)(void *priv, struct m3ua_asp *asp, bool tx, const uint8_t *buf, size_t len,
				  uint16_t stream);
void m3ua_asp_set_trace(struct m3ua_asp *asp, m3ua_asp_trace_cb cb, void *priv);
