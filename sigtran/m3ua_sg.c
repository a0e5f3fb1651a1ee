/* m3ua_sg.c - minimal SGP: ASP state per association, acks, NTFY, DATA, SSNM (RFC 4666 4.3, 4.5) */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include <osmocom/core/linuxlist.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "sigtran/m3ua_sg.h"

struct sg_conn {
	struct llist_head list;
	struct m3ua_sg *sg;
	unsigned id;
	struct m3ua_conn *conn;
	enum m3ua_sg_asp_state state;
};

struct m3ua_sg {
	struct m3ua_sg_cfg cfg;
	const struct mtp_user_ops *ops;
	void *priv;
	struct m3ua_server *srv;
	struct llist_head conns;
	unsigned num_conns, next_id;
	bool answer_beat;
	uint32_t unavail[M3UA_SG_UNAVAIL_MAX];
	unsigned num_unavail;
	m3ua_sg_trace_cb trace_cb;
	void *trace_priv;
	struct rate_ctr_group *ctrg;
};

static const struct rate_ctr_desc sg_ctr_desc[] = {
	[M3UA_SG_CTR_ACCEPTED]		= { "conn:accepted", "associations accepted" },
	[M3UA_SG_CTR_REFUSED]		= { "conn:refused", "associations refused, limit reached" },
	[M3UA_SG_CTR_RX_MSG]		= { "rx:msg", "messages received" },
	[M3UA_SG_CTR_RX_MALFORMED]	= { "rx:malformed", "messages failing decode" },
	[M3UA_SG_CTR_RX_ERR]		= { "rx:err", "ERR received" },
	[M3UA_SG_CTR_TX_ERR]		= { "tx:err", "ERR sent" },
	[M3UA_SG_CTR_RX_DATA]		= { "rx:data", "DATA received" },
	[M3UA_SG_CTR_TX_DATA]		= { "tx:data", "DATA sent" },
	[M3UA_SG_CTR_RX_BEAT]		= { "rx:beat", "BEAT received" },
	[M3UA_SG_CTR_BEAT_IGNORED]	= { "beat:ignored", "BEAT left unanswered" },
	[M3UA_SG_CTR_RX_DAUD]		= { "rx:daud", "DAUD received" },
	[M3UA_SG_CTR_TX_SSNM]		= { "tx:ssnm", "SSNM sent" },
	[M3UA_SG_CTR_TX_QUEUE_FULL]	= { "tx:queue_full", "sends refused, queue full" },
	[M3UA_SG_CTR_BAD_FRAME]		= { "conn:bad_frame", "associations closed for framing errors" },
};

static const struct rate_ctr_group_desc sg_ctrg_desc = {
	.group_name_prefix = "m3ua:sg",
	.group_description = "M3UA SGP",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = ARRAY_SIZE(sg_ctr_desc),
	.ctr_desc = sg_ctr_desc,
};

static unsigned sg_ctrg_idx;

static void ctr_inc(struct m3ua_sg *sg, unsigned idx)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(sg->ctrg, idx));
}

static int sg_send(struct sg_conn *sc, struct msgb *msg, uint16_t stream)
{
	int rc;

	if (sc->sg->trace_cb)
		sc->sg->trace_cb(sc->sg->trace_priv, sc->id, true, msgb_data(msg), msgb_length(msg));
	rc = m3ua_conn_send(sc->conn, msg, stream);
	if (rc == -ENOSPC)
		ctr_inc(sc->sg, M3UA_SG_CTR_TX_QUEUE_FULL);
	return rc;
}

static void send_simple(struct sg_conn *sc, uint8_t cls, uint8_t type, const struct m3ua_param *echo1,
			const struct m3ua_param *echo2)
{
	struct msgb *msg = m3ua_msgb_alloc(cls, type);

	if (!msg)
		return;
	if (echo1)
		m3ua_msgb_put(msg, echo1->tag, echo1->len, echo1->val);
	if (echo2)
		m3ua_msgb_put(msg, echo2->tag, echo2->len, echo2->val);
	m3ua_msgb_finish(msg);
	sg_send(sc, msg, 0);
}

static void send_err(struct sg_conn *sc, uint32_t code, const uint8_t *buf, size_t len)
{
	struct msgb *msg = m3ua_build_err(code, buf, len);

	if (!msg)
		return;
	ctr_inc(sc->sg, M3UA_SG_CTR_TX_ERR);
	sg_send(sc, msg, 0);
}

static void send_ntfy(struct sg_conn *sc, uint16_t type, uint16_t info)
{
	struct msgb *msg = m3ua_build_ntfy(type, info, sc->sg->cfg.rc_present ? &sc->sg->cfg.rc : NULL);

	if (msg)
		sg_send(sc, msg, 0);
}

static bool pc_unavail(const struct m3ua_sg *sg, uint32_t pc)
{
	unsigned i;

	for (i = 0; i < sg->num_unavail; i++)
		if (sg->unavail[i] == pc)
			return true;
	return false;
}

/* RFC 4666 4.5.3: answer DAUD with the current state of each audited destination. */
static void rx_daud(struct sg_conn *sc, const struct m3ua_msg *msg)
{
	uint32_t pcs[64];
	int n = m3ua_msg_get_apc(msg, pcs, ARRAY_SIZE(pcs)), i;

	ctr_inc(sc->sg, M3UA_SG_CTR_RX_DAUD);
	for (i = 0; i < n; i++) {
		uint32_t pc = pcs[i] & 0xffffff;

		m3ua_sg_send_ssnm(sc->sg, sc->id, pc_unavail(sc->sg, pc) ? M3UA_SSNM_DUNA : M3UA_SSNM_DAVA,
				  &pc, 1, 0);
	}
}

/* RFC 4666 4.3.4.3: in override mode the newly active ASP displaces the others. */
static void override_others(struct sg_conn *sc)
{
	struct sg_conn *o;

	llist_for_each_entry(o, &sc->sg->conns, list) {
		if (o == sc || o->state != M3UA_SG_ASP_ACTIVE)
			continue;
		o->state = M3UA_SG_ASP_INACTIVE;
		send_ntfy(o, M3UA_NTFY_T_OTHER, M3UA_NTFY_I_ALT_ASP_ACT);
	}
}

static void rx_aspac(struct sg_conn *sc, const struct m3ua_msg *msg, const uint8_t *buf, size_t len)
{
	const struct m3ua_param *tmt = m3ua_msg_find(msg, M3UA_IEI_TRAF_MODE_TYPE);
	const struct m3ua_param *rcp = m3ua_msg_find(msg, M3UA_IEI_ROUTE_CTX);
	uint32_t rc;

	if (sc->state == M3UA_SG_ASP_DOWN) {
		send_err(sc, M3UA_ERR_UNEXPECTED_MSG, buf, len);
		return;
	}
	if (rcp && sc->sg->cfg.rc_present && m3ua_msg_get_u32(msg, M3UA_IEI_ROUTE_CTX, &rc) == 0
	    && rc != sc->sg->cfg.rc) {
		send_err(sc, M3UA_ERR_INVAL_ROUT_CTX, buf, len);
		return;
	}
	sc->state = M3UA_SG_ASP_ACTIVE;
	send_simple(sc, M3UA_CLS_ASPTM, M3UA_ASPTM_ACTIVE_ACK, tmt, rcp);
	send_ntfy(sc, M3UA_NTFY_T_STATCHG, M3UA_NTFY_I_AS_ACT);
	if (tmt && tmt->val[3] == M3UA_TMT_OVERRIDE)
		override_others(sc);
}

static void rx_aspia(struct sg_conn *sc, const struct m3ua_msg *msg, const uint8_t *buf, size_t len)
{
	if (sc->state == M3UA_SG_ASP_DOWN) {
		send_err(sc, M3UA_ERR_UNEXPECTED_MSG, buf, len);
		return;
	}
	sc->state = M3UA_SG_ASP_INACTIVE;
	send_simple(sc, M3UA_CLS_ASPTM, M3UA_ASPTM_INACTIVE_ACK, m3ua_msg_find(msg, M3UA_IEI_ROUTE_CTX), NULL);
	if (!m3ua_sg_num_active(sc->sg))
		send_ntfy(sc, M3UA_NTFY_T_STATCHG, M3UA_NTFY_I_AS_INACT);
}

static void sg_rx(void *priv, struct m3ua_conn *conn, const uint8_t *buf, size_t len, uint16_t stream)
{
	struct sg_conn *sc = priv;
	struct m3ua_sg *sg = sc->sg;
	struct m3ua_decode_err err;
	struct m3ua_msg msg;
	struct mtp_transfer xfer;

	ctr_inc(sg, M3UA_SG_CTR_RX_MSG);
	if (sg->trace_cb)
		sg->trace_cb(sg->trace_priv, sc->id, false, buf, len);
	if (m3ua_decode(&msg, buf, len, &err) < 0) {
		ctr_inc(sg, M3UA_SG_CTR_RX_MALFORMED);
		LOGP(DM3UA, LOGL_NOTICE, "sg conn %u: malformed: %s\n", sc->id, err.what);
		send_err(sc, err.code, buf, len);
		return;
	}
	switch (msg.msg_class) {
	case M3UA_CLS_MGMT:
		if (msg.msg_type == M3UA_MGMT_ERR) {
			ctr_inc(sg, M3UA_SG_CTR_RX_ERR);
			return;
		}
		break;
	case M3UA_CLS_XFER:
		if (sc->state != M3UA_SG_ASP_ACTIVE || m3ua_msg_get_pdata(&msg, &xfer) < 0)
			break;
		ctr_inc(sg, M3UA_SG_CTR_RX_DATA);
		if (sg->ops && sg->ops->transfer_ind)
			sg->ops->transfer_ind(sg->priv, &xfer);
		return;
	case M3UA_CLS_SSNM:
		if (msg.msg_type != M3UA_SSNM_DAUD || sc->state == M3UA_SG_ASP_DOWN)
			break;
		rx_daud(sc, &msg);
		return;
	case M3UA_CLS_ASPSM:
		switch (msg.msg_type) {
		case M3UA_ASPSM_UP:
			/* RFC 4666 4.3.4.1: ASPUP from an up ASP also leaves it ASP-INACTIVE */
			sc->state = M3UA_SG_ASP_INACTIVE;
			send_simple(sc, M3UA_CLS_ASPSM, M3UA_ASPSM_UP_ACK, NULL, NULL);
			return;
		case M3UA_ASPSM_DOWN:
			sc->state = M3UA_SG_ASP_DOWN;
			send_simple(sc, M3UA_CLS_ASPSM, M3UA_ASPSM_DOWN_ACK, NULL, NULL);
			return;
		case M3UA_ASPSM_BEAT:
			ctr_inc(sg, M3UA_SG_CTR_RX_BEAT);
			if (!sg->answer_beat) {
				ctr_inc(sg, M3UA_SG_CTR_BEAT_IGNORED);
				return;
			}
			send_simple(sc, M3UA_CLS_ASPSM, M3UA_ASPSM_BEAT_ACK,
				    m3ua_msg_find(&msg, M3UA_IEI_HEARTBT_DATA), NULL);
			return;
		case M3UA_ASPSM_BEAT_ACK:
			return;
		}
		break;
	case M3UA_CLS_ASPTM:
		if (msg.msg_type == M3UA_ASPTM_ACTIVE) {
			rx_aspac(sc, &msg, buf, len);
			return;
		}
		if (msg.msg_type == M3UA_ASPTM_INACTIVE) {
			rx_aspia(sc, &msg, buf, len);
			return;
		}
		break;
	case M3UA_CLS_RKM:
		send_err(sc, M3UA_ERR_UNSUPP_MSG_CLASS, buf, len);
		return;
	}
	send_err(sc, M3UA_ERR_UNEXPECTED_MSG, buf, len);
}

static void sg_conn_free(struct sg_conn *sc)
{
	llist_del(&sc->list);
	sc->sg->num_conns--;
	talloc_free(sc);
}

static void sg_down(void *priv, struct m3ua_conn *conn, enum m3ua_conn_down_reason reason)
{
	struct sg_conn *sc = priv;

	LOGP(DM3UA, LOGL_INFO, "sg conn %u: association down\n", sc->id);
	if (reason == M3UA_DOWN_BAD_FRAME)
		ctr_inc(sc->sg, M3UA_SG_CTR_BAD_FRAME);
	sg_conn_free(sc);
}

static const struct m3ua_conn_ops sg_conn_ops = {
	.rx = sg_rx,
	.down = sg_down,
};

static void sg_accept(void *priv, struct m3ua_conn *conn)
{
	struct m3ua_sg *sg = priv;
	struct sg_conn *sc;

	if (sg->num_conns >= sg->cfg.max_conns || !(sc = talloc_zero(sg, struct sg_conn))) {
		ctr_inc(sg, M3UA_SG_CTR_REFUSED);
		m3ua_conn_close(conn);
		return;
	}
	sc->sg = sg;
	sc->id = ++sg->next_id;
	sc->conn = conn;
	sc->state = M3UA_SG_ASP_DOWN;
	llist_add_tail(&sc->list, &sg->conns);
	sg->num_conns++;
	ctr_inc(sg, M3UA_SG_CTR_ACCEPTED);
	m3ua_conn_set_ops(conn, &sg_conn_ops, sc);
	LOGP(DM3UA, LOGL_INFO, "sg conn %u: accepted from %s\n", sc->id, m3ua_conn_peer_name(conn));
}

void m3ua_sg_cfg_init(struct m3ua_sg_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->proto = M3UA_PROTO_SCTP;
	OSMO_STRLCPY_ARRAY(cfg->ip, "127.0.0.1");
	cfg->port = 2905;
}

int m3ua_sg_start(struct m3ua_sg **out, void *ctx, const struct m3ua_sg_cfg *cfg,
		  const struct mtp_user_ops *ops, void *priv)
{
	struct m3ua_sg *sg = talloc_zero(ctx, struct m3ua_sg);
	int rc;

	if (!sg)
		return -ENOMEM;
	sg->cfg = *cfg;
	if (!sg->cfg.max_conns)
		sg->cfg.max_conns = M3UA_SG_MAX_CONNS_DEFAULT;
	sg->ops = ops;
	sg->priv = priv;
	sg->answer_beat = true;
	INIT_LLIST_HEAD(&sg->conns);
	sg->ctrg = rate_ctr_group_alloc(sg, &sg_ctrg_desc, sg_ctrg_idx++);
	if (!sg->ctrg) {
		talloc_free(sg);
		return -ENOMEM;
	}
	rc = m3ua_server_listen(&sg->srv, sg, cfg->proto, cfg->ip, cfg->port, cfg->wqueue_max, sg_accept, sg);
	if (rc < 0) {
		rate_ctr_group_free(sg->ctrg);
		talloc_free(sg);
		return rc;
	}
	*out = sg;
	return 0;
}

void m3ua_sg_free(struct m3ua_sg *sg)
{
	struct sg_conn *sc, *tmp;

	if (!sg)
		return;
	llist_for_each_entry_safe(sc, tmp, &sg->conns, list) {
		m3ua_conn_close(sc->conn);
		sg_conn_free(sc);
	}
	m3ua_server_close(sg->srv);
	rate_ctr_group_free(sg->ctrg);
	talloc_free(sg);
}

uint16_t m3ua_sg_port(const struct m3ua_sg *sg)
{
	return m3ua_server_port(sg->srv);
}

static struct sg_conn *conn_by_id(const struct m3ua_sg *sg, unsigned id)
{
	struct sg_conn *sc;

	llist_for_each_entry(sc, &sg->conns, list)
		if (sc->id == id)
			return sc;
	return NULL;
}

unsigned m3ua_sg_conn_ids(const struct m3ua_sg *sg, unsigned *ids, unsigned max)
{
	struct sg_conn *sc;
	unsigned n = 0;

	llist_for_each_entry(sc, &sg->conns, list)
		if (n < max)
			ids[n++] = sc->id;
	return n;
}

int m3ua_sg_conn_state(const struct m3ua_sg *sg, unsigned conn_id)
{
	const struct sg_conn *sc = conn_by_id(sg, conn_id);

	return sc ? (int)sc->state : -ENOENT;
}

unsigned m3ua_sg_num_active(const struct m3ua_sg *sg)
{
	struct sg_conn *sc;
	unsigned n = 0;

	llist_for_each_entry(sc, &sg->conns, list)
		n += sc->state == M3UA_SG_ASP_ACTIVE;
	return n;
}

static int transfer_on(struct sg_conn *sc, const struct mtp_transfer *xfer)
{
	struct msgb *msg;
	int rc;

	if (sc->state != M3UA_SG_ASP_ACTIVE)
		return -ENOTCONN;
	msg = m3ua_build_data(xfer, sc->sg->cfg.rc_present ? &sc->sg->cfg.rc : NULL, NULL);
	if (!msg)
		return -EMSGSIZE;
	rc = sg_send(sc, msg, m3ua_conn_num_streams(sc->conn) > 1
			      ? 1 + xfer->sls % (m3ua_conn_num_streams(sc->conn) - 1) : 0);
	if (rc == 0)
		ctr_inc(sc->sg, M3UA_SG_CTR_TX_DATA);
	return rc;
}

int m3ua_sg_transfer(struct m3ua_sg *sg, const struct mtp_transfer *xfer)
{
	unsigned n = m3ua_sg_num_active(sg), pick, i = 0;
	struct sg_conn *sc;

	if (!n)
		return -ENOTCONN;
	pick = xfer->sls % n;
	llist_for_each_entry(sc, &sg->conns, list) {
		if (sc->state != M3UA_SG_ASP_ACTIVE)
			continue;
		if (i++ == pick)
			return transfer_on(sc, xfer);
	}
	return -ENOTCONN;
}

int m3ua_sg_transfer_on(struct m3ua_sg *sg, unsigned conn_id, const struct mtp_transfer *xfer)
{
	struct sg_conn *sc = conn_by_id(sg, conn_id);

	return sc ? transfer_on(sc, xfer) : -ENOENT;
}

static void unavail_set(struct m3ua_sg *sg, uint32_t pc, bool unavail)
{
	unsigned i;

	for (i = 0; i < sg->num_unavail; i++) {
		if (sg->unavail[i] != pc)
			continue;
		if (!unavail)
			sg->unavail[i] = sg->unavail[--sg->num_unavail];
		return;
	}
	if (unavail && sg->num_unavail < M3UA_SG_UNAVAIL_MAX)
		sg->unavail[sg->num_unavail++] = pc;
}

static int ssnm_to(struct sg_conn *sc, enum m3ua_ssnm_type type, const uint32_t *pcs, unsigned n, uint32_t arg)
{
	struct msgb *msg = m3ua_msgb_alloc(M3UA_CLS_SSNM, type);
	uint32_t be[64];
	unsigned i;

	if (!msg)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		be[i] = htonl(pcs[i]);
	if (sc->sg->cfg.rc_present)
		m3ua_msgb_put_u32(msg, M3UA_IEI_ROUTE_CTX, sc->sg->cfg.rc);
	m3ua_msgb_put(msg, M3UA_IEI_AFFECTED_PC, n * 4, be);
	if (type == M3UA_SSNM_SCON)
		m3ua_msgb_put_u32(msg, M3UA_IEI_CONG_IND, arg & 0xff);
	else if (type == M3UA_SSNM_DUPU)
		m3ua_msgb_put_u32(msg, M3UA_IEI_USER_CAUSE, arg);
	m3ua_msgb_finish(msg);
	ctr_inc(sc->sg, M3UA_SG_CTR_TX_SSNM);
	return sg_send(sc, msg, 0);
}

int m3ua_sg_send_ssnm(struct m3ua_sg *sg, unsigned conn_id, enum m3ua_ssnm_type type,
		      const uint32_t *pcs, unsigned n, uint32_t arg)
{
	struct sg_conn *sc;
	unsigned i;
	int sent = 0;

	if (!n || n > 64 || type == M3UA_SSNM_DAUD || type < M3UA_SSNM_DUNA || type > M3UA_SSNM_DRST)
		return -EINVAL;
	if (conn_id && !conn_by_id(sg, conn_id))
		return -ENOENT;
	if (type == M3UA_SSNM_DUNA || type == M3UA_SSNM_DAVA)
		for (i = 0; i < n; i++)
			unavail_set(sg, pcs[i] & 0xffffff, type == M3UA_SSNM_DUNA);
	llist_for_each_entry(sc, &sg->conns, list) {
		if ((conn_id && sc->id != conn_id) || sc->state == M3UA_SG_ASP_DOWN)
			continue;
		if (ssnm_to(sc, type, pcs, n, arg) == 0)
			sent++;
	}
	return sent;
}

int m3ua_sg_send_raw(struct m3ua_sg *sg, unsigned conn_id, const uint8_t *buf, size_t len)
{
	struct sg_conn *sc = conn_by_id(sg, conn_id);
	struct msgb *msg;

	if (!sc)
		return -ENOENT;
	msg = msgb_alloc(len + 16, "m3ua-raw");
	if (!msg)
		return -ENOMEM;
	memcpy(msgb_put(msg, len), buf, len);
	return sg_send(sc, msg, 0);
}

int m3ua_sg_close_conn(struct m3ua_sg *sg, unsigned conn_id)
{
	struct sg_conn *sc = conn_by_id(sg, conn_id);

	if (!sc)
		return -ENOENT;
	m3ua_conn_close(sc->conn);
	sg_conn_free(sc);
	return 0;
}

void m3ua_sg_set_beat_answer(struct m3ua_sg *sg, bool answer)
{
	sg->answer_beat = answer;
}

void m3ua_sg_set_trace(struct m3ua_sg *sg, m3ua_sg_trace_cb cb, void *priv)
{
	sg->trace_cb = cb;
	sg->trace_priv = priv;
}

struct rate_ctr_group *m3ua_sg_ctrg(struct m3ua_sg *sg)
{
	return sg->ctrg;
}

uint64_t m3ua_sg_ctr(const struct m3ua_sg *sg, enum m3ua_sg_ctr ctr)
{
	return rate_ctr_group_get_ctr(sg->ctrg, ctr)->current;
}
