/* m3ua_asp.c - ASP object: transport glue, message dispatch, heartbeat, ERR (RFC 4666 3.8, 4.3) */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include <osmocom/core/logging.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "sigtran/m3ua_internal.h"
#include "sigtran/mtp_user.h"

static const struct osmo_tdef asp_tdefs_default[] = {
	{ .T = M3UA_T_BEAT, .default_val = 30000, .unit = OSMO_TDEF_MS,
	  .desc = "interval between BEAT messages (0: no heartbeat)" },
	{ .T = M3UA_T_BEAT_MISS, .default_val = 3, .unit = OSMO_TDEF_CUSTOM,
	  .desc = "missed BEAT_ACKs after which the peer is declared lost" },
	{ .T = M3UA_T_ACK, .default_val = 2000, .unit = OSMO_TDEF_MS,
	  .desc = "wait for ASPUP/ASPAC/ASPIA/ASPDN ack before resending (RFC 4666 T(ack))" },
	{ .T = M3UA_T_RECONN_MIN, .default_val = 500, .unit = OSMO_TDEF_MS,
	  .desc = "reconnect back-off, first delay" },
	{ .T = M3UA_T_RECONN_MAX, .default_val = 30000, .unit = OSMO_TDEF_MS,
	  .desc = "reconnect back-off, ceiling" },
	{ .T = M3UA_T_CONNECT, .default_val = 5000, .unit = OSMO_TDEF_MS,
	  .desc = "transport connect timeout" },
	{}
};

static const struct rate_ctr_desc asp_ctr_desc[] = {
	[M3UA_ASP_CTR_RX_MGMT]		= { "rx:mgmt", "MGMT messages received" },
	[M3UA_ASP_CTR_RX_XFER]		= { "rx:xfer", "Transfer messages received" },
	[M3UA_ASP_CTR_RX_SSNM]		= { "rx:ssnm", "SSNM messages received" },
	[M3UA_ASP_CTR_RX_ASPSM]		= { "rx:aspsm", "ASPSM messages received" },
	[M3UA_ASP_CTR_RX_ASPTM]		= { "rx:asptm", "ASPTM messages received" },
	[M3UA_ASP_CTR_RX_RKM]		= { "rx:rkm", "RKM messages received" },
	[M3UA_ASP_CTR_TX_MGMT]		= { "tx:mgmt", "MGMT messages sent" },
	[M3UA_ASP_CTR_TX_XFER]		= { "tx:xfer", "Transfer messages sent" },
	[M3UA_ASP_CTR_TX_SSNM]		= { "tx:ssnm", "SSNM messages sent" },
	[M3UA_ASP_CTR_TX_ASPSM]		= { "tx:aspsm", "ASPSM messages sent" },
	[M3UA_ASP_CTR_TX_ASPTM]		= { "tx:asptm", "ASPTM messages sent" },
	[M3UA_ASP_CTR_TX_RKM]		= { "tx:rkm", "RKM messages sent" },
	[M3UA_ASP_CTR_RX_ERR]		= { "rx:err", "ERR messages received" },
	[M3UA_ASP_CTR_TX_ERR]		= { "tx:err", "ERR messages sent" },
	[M3UA_ASP_CTR_RX_MALFORMED]	= { "rx:malformed", "messages failing decode" },
	[M3UA_ASP_CTR_RX_UNEXPECTED]	= { "rx:unexpected", "messages not expected in the state" },
	[M3UA_ASP_CTR_BAD_FRAME]	= { "transport:bad_frame", "associations closed for framing errors" },
	[M3UA_ASP_CTR_RECONNECT]	= { "transport:reconnect", "reconnect attempts" },
	[M3UA_ASP_CTR_PEER_LOST]	= { "beat:peer_lost", "peer declared lost by heartbeat" },
	[M3UA_ASP_CTR_TX_QUEUE_FULL]	= { "tx:queue_full", "messages refused, send queue full" },
	[M3UA_ASP_CTR_BEAT_ACK_BAD]	= { "beat:ack_mismatch", "BEAT_ACK with unexpected data" },
};

static const struct rate_ctr_group_desc asp_ctrg_desc = {
	.group_name_prefix = "m3ua:asp",
	.group_description = "M3UA ASP",
	.class_id = OSMO_STATS_CLASS_PEER,
	.num_ctr = ARRAY_SIZE(asp_ctr_desc),
	.ctr_desc = asp_ctr_desc,
};

static unsigned asp_ctrg_idx;

/* Message class -> counter offset (0..5); classes without a counter map to MGMT. */
static unsigned class_ctr(uint8_t cls)
{
	switch (cls) {
	case M3UA_CLS_XFER:	return 1;
	case M3UA_CLS_SSNM:	return 2;
	case M3UA_CLS_ASPSM:	return 3;
	case M3UA_CLS_ASPTM:	return 4;
	case M3UA_CLS_RKM:	return 5;
	default:		return 0;
	}
}

static void ctr_inc(struct m3ua_asp *asp, unsigned idx)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(asp->ctrg, idx));
}

void m3ua_asp_cfg_init(struct m3ua_asp_cfg *cfg, const char *name)
{
	memset(cfg, 0, sizeof(*cfg));
	OSMO_STRLCPY_ARRAY(cfg->name, name);
	cfg->proto = M3UA_PROTO_SCTP;
	OSMO_STRLCPY_ARRAY(cfg->remote_ip, "127.0.0.1");
	cfg->remote_port = 2905;
}

struct m3ua_asp *m3ua_asp_alloc(void *ctx, const struct m3ua_asp_cfg *cfg)
{
	struct m3ua_asp *asp = talloc_zero(ctx, struct m3ua_asp);

	if (!asp)
		return NULL;
	asp->cfg = *cfg;
	asp->tdefs = talloc_memdup(asp, asp_tdefs_default, sizeof(asp_tdefs_default));
	asp->ctrg = rate_ctr_group_alloc(asp, &asp_ctrg_desc, asp_ctrg_idx++);
	asp->fi = osmo_fsm_inst_alloc(&m3ua_asp_fsm, asp, asp, LOGL_INFO, NULL);
	if (!asp->tdefs || !asp->ctrg || !asp->fi) {
		if (asp->ctrg)
			rate_ctr_group_free(asp->ctrg);
		talloc_free(asp);
		return NULL;
	}
	osmo_tdefs_reset(asp->tdefs);
	rate_ctr_group_set_name(asp->ctrg, cfg->name);
	osmo_fsm_inst_update_id_f_sanitize(asp->fi, '-', "%s", cfg->name);
	osmo_timer_setup(&asp->beat_timer, NULL, asp);
	return asp;
}

void m3ua_asp_free(struct m3ua_asp *asp)
{
	struct m3ua_as *as;

	if (!asp)
		return;
	as = asp->as;
	asp->as = NULL;
	asp->admin_up = false;
	m3ua_asp_beat_stop(asp);
	m3ua_asp_disconnect(asp);
	if (as)
		m3ua_as_detach_asp(as, asp);
	osmo_fsm_inst_free(asp->fi);
	rate_ctr_group_free(asp->ctrg);
	talloc_free(asp);
}

int m3ua_asp_start(struct m3ua_asp *asp)
{
	return osmo_fsm_inst_dispatch(asp->fi, M3UA_ASP_EV_START, NULL) < 0 ? -EINVAL : 0;
}

void m3ua_asp_stop(struct m3ua_asp *asp)
{
	osmo_fsm_inst_dispatch(asp->fi, M3UA_ASP_EV_STOP, NULL);
}

static bool asp_is_up(const struct m3ua_asp *asp)
{
	return asp->fi->state >= M3UA_ASP_ST_WAIT_ACTIVE_ACK && asp->fi->state <= M3UA_ASP_ST_WAIT_INACTIVE_ACK;
}

int m3ua_asp_inactivate(struct m3ua_asp *asp)
{
	if (!asp_is_up(asp))
		return -ENOTCONN;
	return osmo_fsm_inst_dispatch(asp->fi, M3UA_ASP_EV_INACTIVATE, NULL) < 0 ? -EINVAL : 0;
}

int m3ua_asp_activate(struct m3ua_asp *asp)
{
	if (!asp_is_up(asp))
		return -ENOTCONN;
	return osmo_fsm_inst_dispatch(asp->fi, M3UA_ASP_EV_ACTIVATE, NULL) < 0 ? -EINVAL : 0;
}

void m3ua_asp_set_trace(struct m3ua_asp *asp, m3ua_asp_trace_cb cb, void *priv)
{
	asp->trace_cb = cb;
	asp->trace_priv = priv;
}

int m3ua_asp_send(struct m3ua_asp *asp, struct msgb *msg, uint16_t stream)
{
	uint8_t cls = msgb_data(msg)[2];
	int rc;

	if (!asp->conn) {
		msgb_free(msg);
		return -ENOTCONN;
	}
	if (asp->trace_cb)
		asp->trace_cb(asp->trace_priv, asp, true, msgb_data(msg), msgb_length(msg), stream);
	rc = m3ua_conn_send(asp->conn, msg, stream);
	if (rc == -ENOSPC) {
		ctr_inc(asp, M3UA_ASP_CTR_TX_QUEUE_FULL);
		return rc;
	}
	if (rc == 0)
		ctr_inc(asp, M3UA_ASP_CTR_TX_MGMT + class_ctr(cls));
	return rc;
}

void m3ua_asp_tx_simple(struct m3ua_asp *asp, uint8_t msg_class, uint8_t msg_type)
{
	struct msgb *msg = m3ua_msgb_alloc(msg_class, msg_type);

	if (!msg)
		return;
	m3ua_msgb_finish(msg);
	m3ua_asp_send(asp, msg, 0);
}

/* RFC 4666 3.8.1: ERR with the code and, as diagnostic, the offending message. */
static void send_err(struct m3ua_asp *asp, uint32_t code, const uint8_t *buf, size_t len)
{
	struct msgb *msg = m3ua_build_err(code, buf, len);

	if (!msg)
		return;
	LOGPASP(asp, LOGL_NOTICE, "tx ERR %s\n", m3ua_err_name(code));
	ctr_inc(asp, M3UA_ASP_CTR_TX_ERR);
	m3ua_asp_send(asp, msg, 0);
}

/* SLS spreads DATA over streams 1..n-1; stream 0 carries management (RFC 4666 1.4.7). */
int m3ua_asp_send_data(struct m3ua_asp *asp, const struct mtp_transfer *xfer)
{
	struct msgb *msg;
	unsigned nstreams;
	uint16_t stream = 0;

	if (!asp->conn || asp->fi->state != M3UA_ASP_ST_ACTIVE)
		return -ENOTCONN;
	msg = m3ua_build_data(xfer, asp->as ? m3ua_as_rc(asp->as) : NULL, asp->as ? m3ua_as_na(asp->as) : NULL);
	if (!msg)
		return xfer->len > M3UA_MAX_BODY - 32 ? -EMSGSIZE : -ENOMEM;
	nstreams = m3ua_conn_num_streams(asp->conn);
	if (nstreams > 1)
		stream = 1 + xfer->sls % (nstreams - 1);
	return m3ua_asp_send(asp, msg, stream);
}

static void schedule_ms(struct osmo_timer_list *t, unsigned long ms)
{
	osmo_timer_schedule(t, ms / 1000, (ms % 1000) * 1000);
}

static void beat_send(struct m3ua_asp *asp)
{
	struct msgb *msg = m3ua_msgb_alloc(M3UA_CLS_ASPSM, M3UA_ASPSM_BEAT);
	uint32_t seq = htonl(asp->beat_seq);

	if (!msg)
		return;
	m3ua_msgb_put(msg, M3UA_IEI_HEARTBT_DATA, sizeof(seq), &seq);
	m3ua_msgb_finish(msg);
	m3ua_asp_send(asp, msg, 0);
}

/* RFC 4666 4.3.4.6: BEAT every T(beat); N unanswered in a row means the peer is gone. */
static void beat_timer_cb(void *data)
{
	struct m3ua_asp *asp = data;
	unsigned long max_miss = osmo_tdef_get(asp->tdefs, M3UA_T_BEAT_MISS, OSMO_TDEF_CUSTOM, -1);

	if (asp->beat_outstanding) {
		asp->beat_missed++;
		if (asp->beat_missed >= max_miss) {
			LOGPASP(asp, LOGL_ERROR, "%u BEATs unanswered: peer lost\n", asp->beat_missed);
			ctr_inc(asp, M3UA_ASP_CTR_PEER_LOST);
			osmo_fsm_inst_dispatch(asp->fi, M3UA_ASP_EV_PEER_LOST, NULL);
			return;
		}
	}
	asp->beat_seq++;
	asp->beat_outstanding = true;
	beat_send(asp);
	schedule_ms(&asp->beat_timer, osmo_tdef_get(asp->tdefs, M3UA_T_BEAT, OSMO_TDEF_MS, -1));
}

void m3ua_asp_beat_start(struct m3ua_asp *asp)
{
	unsigned long ms = osmo_tdef_get(asp->tdefs, M3UA_T_BEAT, OSMO_TDEF_MS, -1);

	asp->beat_missed = 0;
	asp->beat_outstanding = false;
	if (!ms)
		return;
	asp->beat_timer.cb = beat_timer_cb;
	schedule_ms(&asp->beat_timer, ms);
}

void m3ua_asp_beat_stop(struct m3ua_asp *asp)
{
	osmo_timer_del(&asp->beat_timer);
	asp->beat_outstanding = false;
}

static void rx_beat_ack(struct m3ua_asp *asp, const struct m3ua_msg *msg)
{
	const struct m3ua_param *p = m3ua_msg_find(msg, M3UA_IEI_HEARTBT_DATA);
	uint32_t seq = htonl(asp->beat_seq);

	if (!p || p->len != sizeof(seq) || memcmp(p->val, &seq, sizeof(seq))) {
		ctr_inc(asp, M3UA_ASP_CTR_BEAT_ACK_BAD);
		return;
	}
	asp->beat_outstanding = false;
	asp->beat_missed = 0;
}

/* RFC 4666 3.5.5: BEAT_ACK echoes the Heartbeat Data unchanged. */
static void rx_beat(struct m3ua_asp *asp, const struct m3ua_msg *msg)
{
	const struct m3ua_param *p = m3ua_msg_find(msg, M3UA_IEI_HEARTBT_DATA);
	struct msgb *ack = m3ua_msgb_alloc(M3UA_CLS_ASPSM, M3UA_ASPSM_BEAT_ACK);

	if (!ack)
		return;
	if (p)
		m3ua_msgb_put(ack, M3UA_IEI_HEARTBT_DATA, p->len, p->val);
	m3ua_msgb_finish(ack);
	m3ua_asp_send(asp, ack, 0);
}

static void rx_err(struct m3ua_asp *asp, const struct m3ua_msg *msg)
{
	uint32_t code = 0;

	m3ua_msg_get_u32(msg, M3UA_IEI_ERR_CODE, &code);
	ctr_inc(asp, M3UA_ASP_CTR_RX_ERR);
	LOGPASP(asp, LOGL_ERROR, "rx ERR %s (0x%02x)\n", m3ua_err_name(code), code);
}

/* Events for messages the FSM handles, by class and type. */
struct rx_event {
	uint8_t msg_class, msg_type;
	int event;
};

static const struct rx_event rx_events[] = {
	{ M3UA_CLS_MGMT, M3UA_MGMT_NTFY, M3UA_ASP_EV_RX_NTFY },
	{ M3UA_CLS_ASPSM, M3UA_ASPSM_UP_ACK, M3UA_ASP_EV_RX_UP_ACK },
	{ M3UA_CLS_ASPSM, M3UA_ASPSM_DOWN_ACK, M3UA_ASP_EV_RX_DOWN_ACK },
	{ M3UA_CLS_ASPTM, M3UA_ASPTM_ACTIVE_ACK, M3UA_ASP_EV_RX_ACTIVE_ACK },
	{ M3UA_CLS_ASPTM, M3UA_ASPTM_INACTIVE_ACK, M3UA_ASP_EV_RX_INACTIVE_ACK },
};

static bool ssnm_state_ok(const struct m3ua_asp *asp)
{
	return asp_is_up(asp);
}

static void asp_rx(void *priv, struct m3ua_conn *conn, const uint8_t *buf, size_t len, uint16_t stream)
{
	struct m3ua_asp *asp = priv;
	struct m3ua_decode_err err;
	struct m3ua_msg msg;
	uint32_t code;
	unsigned i;

	if (asp->trace_cb)
		asp->trace_cb(asp->trace_priv, asp, false, buf, len, stream);
	if (m3ua_decode(&msg, buf, len, &err) < 0) {
		ctr_inc(asp, M3UA_ASP_CTR_RX_MALFORMED);
		LOGPASP(asp, LOGL_ERROR, "rx malformed message: %s (tag 0x%04x at %u)\n", err.what, err.tag,
			err.offset);
		send_err(asp, err.code, buf, len);
		return;
	}
	ctr_inc(asp, M3UA_ASP_CTR_RX_MGMT + class_ctr(msg.msg_class));
	LOGPASP(asp, LOGL_DEBUG, "rx %s on stream %u\n", m3ua_msg_name(msg.msg_class, msg.msg_type), stream);

	/* RFC 4666 1.4.7: ASPSM and RKM messages travel on stream 0 */
	if ((msg.msg_class == M3UA_CLS_ASPSM || msg.msg_class == M3UA_CLS_RKM) && stream != 0) {
		send_err(asp, M3UA_ERR_INVAL_STREAM_ID, buf, len);
		return;
	}

	for (i = 0; i < ARRAY_SIZE(rx_events); i++) {
		if (rx_events[i].msg_class != msg.msg_class || rx_events[i].msg_type != msg.msg_type)
			continue;
		if (osmo_fsm_inst_dispatch(asp->fi, rx_events[i].event, &msg) < 0)
			goto unexpected;
		return;
	}

	switch (msg.msg_class) {
	case M3UA_CLS_MGMT:
		rx_err(asp, &msg);
		return;
	case M3UA_CLS_XFER:
		if (asp->fi->state != M3UA_ASP_ST_ACTIVE)
			goto unexpected;
		code = asp->as ? m3ua_as_check_rc_na(asp->as, &msg) : M3UA_ERR_NO_CONFGD_AS_FOR_ASP;
		if (code) {
			send_err(asp, code, buf, len);
			return;
		}
		m3ua_as_rx_data(asp->as, asp, &msg);
		return;
	case M3UA_CLS_SSNM:
		/* DAUD goes towards the SGP only (RFC 4666 3.4.3) */
		if (msg.msg_type == M3UA_SSNM_DAUD || !ssnm_state_ok(asp))
			goto unexpected;
		code = asp->as ? m3ua_as_check_rc_na(asp->as, &msg) : M3UA_ERR_NO_CONFGD_AS_FOR_ASP;
		if (code) {
			send_err(asp, code, buf, len);
			return;
		}
		m3ua_as_rx_ssnm(asp->as, asp, &msg);
		return;
	case M3UA_CLS_ASPSM:
		if (msg.msg_type == M3UA_ASPSM_BEAT) {
			rx_beat(asp, &msg);
			return;
		}
		if (msg.msg_type == M3UA_ASPSM_BEAT_ACK) {
			rx_beat_ack(asp, &msg);
			return;
		}
		goto unexpected;	/* ASPUP/ASPDN are for the SGP */
	case M3UA_CLS_ASPTM:
		goto unexpected;	/* ASPAC/ASPIA are for the SGP */
	case M3UA_CLS_RKM:
		/* Dynamic registration is not offered: routing keys are configured. */
		send_err(asp, M3UA_ERR_UNSUPP_MSG_CLASS, buf, len);
		return;
	}
unexpected:
	ctr_inc(asp, M3UA_ASP_CTR_RX_UNEXPECTED);
	LOGPASP(asp, LOGL_NOTICE, "unexpected %s\n", m3ua_msg_name(msg.msg_class, msg.msg_type));
	send_err(asp, M3UA_ERR_UNEXPECTED_MSG, buf, len);
}

static void asp_conn_up(void *priv, struct m3ua_conn *conn)
{
	struct m3ua_asp *asp = priv;

	osmo_fsm_inst_dispatch(asp->fi, M3UA_ASP_EV_TRANSPORT_UP, NULL);
}

static void asp_conn_down(void *priv, struct m3ua_conn *conn, enum m3ua_conn_down_reason reason)
{
	struct m3ua_asp *asp = priv;

	asp->conn = NULL;
	if (reason == M3UA_DOWN_BAD_FRAME)
		ctr_inc(asp, M3UA_ASP_CTR_BAD_FRAME);
	osmo_fsm_inst_dispatch(asp->fi, M3UA_ASP_EV_TRANSPORT_DOWN, NULL);
}

static const struct m3ua_conn_ops asp_conn_ops = {
	.up = asp_conn_up,
	.rx = asp_rx,
	.down = asp_conn_down,
};

int m3ua_asp_connect(struct m3ua_asp *asp)
{
	m3ua_asp_disconnect(asp);
	return m3ua_conn_connect(&asp->conn, asp, asp->cfg.proto, asp->cfg.local_ip, asp->cfg.local_port,
				 asp->cfg.remote_ip, asp->cfg.remote_port, asp->cfg.wqueue_max,
				 &asp_conn_ops, asp);
}

void m3ua_asp_disconnect(struct m3ua_asp *asp)
{
	struct m3ua_conn *conn = asp->conn;

	asp->conn = NULL;
	m3ua_conn_close(conn);
}

enum m3ua_asp_state m3ua_asp_get_state(const struct m3ua_asp *asp)
{
	return asp->fi->state;
}

const char *m3ua_asp_name(const struct m3ua_asp *asp)
{
	return asp->cfg.name;
}

const struct m3ua_asp_cfg *m3ua_asp_cfg(const struct m3ua_asp *asp)
{
	return &asp->cfg;
}

struct m3ua_asp_cfg *m3ua_asp_cfg_rw(struct m3ua_asp *asp)
{
	return &asp->cfg;
}

struct osmo_tdef *m3ua_asp_tdefs(struct m3ua_asp *asp)
{
	return asp->tdefs;
}

struct rate_ctr_group *m3ua_asp_ctrg(struct m3ua_asp *asp)
{
	return asp->ctrg;
}

uint64_t m3ua_asp_ctr(const struct m3ua_asp *asp, enum m3ua_asp_ctr ctr)
{
	return rate_ctr_group_get_ctr(asp->ctrg, ctr)->current;
}

void m3ua_asp_last_ntfy(const struct m3ua_asp *asp, uint16_t *type, uint16_t *info)
{
	*type = asp->ntfy_type;
	*info = asp->ntfy_info;
}

const struct m3ua_conn_stats *m3ua_asp_conn_stats(const struct m3ua_asp *asp)
{
	return asp->conn ? m3ua_conn_stats(asp->conn) : NULL;
}
