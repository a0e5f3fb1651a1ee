/* sim_sg.c - PSTN simulator: its M3UA signalling gateway side, on sigtran/m3ua_sg (RFC 4666 4.3) */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "sigtran/m3ua.h"
#include "sigtran/m3ua_sg.h"
#include "sigtran/mtp3.h"
#include "sigtran/mtp_user.h"
#include "tools/pstn-sim/sim.h"

/* MTP-TRANSFER indication from an active ASP: ISUP for our point code goes to the circuits. */
static void sg_transfer_ind(void *priv, const struct mtp_transfer *xfer)
{
	struct sim *sim = priv;

	if (xfer->si != MTP3_SI_ISUP) {
		sim_ctr_inc(sim, SIM_CTR_ERR_NOT_ISUP);
		return;
	}
	if (xfer->dpc != sim->cfg.local_pc) {
		sim_ctr_inc(sim, SIM_CTR_ERR_WRONG_DPC);
		LOGP(DSIM, LOGL_NOTICE, "DATA for dpc %u, we are %u\n", xfer->dpc, sim->cfg.local_pc);
		return;
	}
	/* the circuits belong to the relation with the gateway's point code only */
	if (xfer->opc != sim->cfg.remote_pc) {
		sim_ctr_inc(sim, SIM_CTR_ERR_WRONG_OPC);
		LOGP(DSIM, LOGL_NOTICE, "DATA from opc %u, the gateway is %u\n", xfer->opc, sim->cfg.remote_pc);
		return;
	}
	sim_isup_rx(sim, xfer->opc, xfer->data, xfer->len);
}

static const struct mtp_user_ops sg_user_ops = {
	.transfer_ind = sg_transfer_ind,
};

/* Every message crossing an association, for the per-class/type counters. */
static void sg_trace(void *priv, unsigned conn_id, bool tx, const uint8_t *buf, size_t len)
{
	struct sim *sim = priv;

	if (len < 4)
		return;
	sim_count_m3ua(sim, tx, buf[2], buf[3]);
	/* an ASPAC_ACK leaves the SG with an active ASP: origination may start */
	if (tx && buf[2] == M3UA_CLS_ASPTM && buf[3] == M3UA_ASPTM_ACTIVE_ACK) {
		LOGP(DSIM, LOGL_NOTICE, "association %u: ASP active\n", conn_id);
		sim_orig_start(sim);
	}
}

int sim_sg_start(struct sim *sim, void *ctx)
{
	struct m3ua_sg_cfg cfg;
	int rc;

	m3ua_sg_cfg_init(&cfg);
	cfg.proto = sim->cfg.sctp ? M3UA_PROTO_SCTP : M3UA_PROTO_TCP;
	OSMO_STRLCPY_ARRAY(cfg.ip, sim->cfg.listen_ip);
	cfg.port = sim->cfg.port;
	cfg.max_conns = SIM_MAX_ASPS;
	cfg.rc_present = sim->cfg.has_rc;
	cfg.rc = sim->cfg.rc;
	rc = m3ua_sg_start(&sim->sg, ctx, &cfg, &sg_user_ops, sim);
	if (rc < 0)
		return rc;
	m3ua_sg_set_trace(sim->sg, sg_trace, sim);
	return 0;
}

void sim_sg_stop(struct sim *sim)
{
	m3ua_sg_free(sim->sg);
	sim->sg = NULL;
}

uint16_t sim_sg_port(const struct sim *sim)
{
	return m3ua_sg_port(sim->sg);
}

bool sim_sg_active(const struct sim *sim)
{
	return m3ua_sg_num_active(sim->sg) > 0;
}

int sim_sg_send_isup(struct sim *sim, const uint8_t *buf, size_t len, uint8_t sls)
{
	struct mtp_transfer xfer = {
		.opc = sim->cfg.local_pc, .dpc = sim->cfg.remote_pc,
		.si = MTP3_SI_ISUP, .ni = sim->cfg.ni, .mp = 0, .sls = sls & MTP3_SLS_MAX,
		.data = buf, .len = len,
	};
	int rc = m3ua_sg_transfer(sim->sg, &xfer);

	if (rc == -ENOTCONN)
		sim_ctr_inc(sim, SIM_CTR_ERR_NO_ASP);
	else if (rc < 0)
		sim_ctr_inc(sim, SIM_CTR_ERR_TX);
	return rc;
}

/* The first association whose ASP is active, 0 if none. */
static unsigned first_active(const struct sim *sim)
{
	unsigned ids[SIM_MAX_ASPS];
	unsigned n = m3ua_sg_conn_ids(sim->sg, ids, ARRAY_SIZE(ids));

	for (unsigned i = 0; i < n; i++)
		if (m3ua_sg_conn_state(sim->sg, ids[i]) == M3UA_SG_ASP_ACTIVE)
			return ids[i];
	return 0;
}

int sim_sg_send_raw(struct sim *sim, const uint8_t *buf, size_t len)
{
	unsigned id = first_active(sim);
	int rc;

	if (!id) {
		sim_ctr_inc(sim, SIM_CTR_ERR_NO_ASP);
		return -ENOTCONN;
	}
	rc = m3ua_sg_send_raw(sim->sg, id, buf, len);
	if (rc < 0)
		sim_ctr_inc(sim, SIM_CTR_ERR_TX);
	return rc;
}

int sim_sg_send_ssnm(struct sim *sim, uint8_t type, uint32_t pc, int cong_level)
{
	int rc = m3ua_sg_send_ssnm(sim->sg, 0, type, &pc, 1, cong_level < 0 ? 0 : cong_level);

	if (rc == 0)
		sim_ctr_inc(sim, SIM_CTR_ERR_NO_ASP);
	return rc;
}

void sim_sg_beat(struct sim *sim, bool answer)
{
	m3ua_sg_set_beat_answer(sim->sg, answer);
}

void sim_sg_drop_all(struct sim *sim)
{
	unsigned ids[SIM_MAX_ASPS];
	unsigned n = m3ua_sg_conn_ids(sim->sg, ids, ARRAY_SIZE(ids));

	for (unsigned i = 0; i < n; i++) {
		LOGP(DSIM, LOGL_NOTICE, "association %u: dropped\n", ids[i]);
		m3ua_sg_close_conn(sim->sg, ids[i]);
	}
	sim->asp_dropped += n;
}

void sim_sg_summary(struct sim *sim, void (*line)(void *priv, const char *key, uint64_t val), void *priv)
{
	unsigned ids[SIM_MAX_ASPS];
	unsigned n = m3ua_sg_conn_ids(sim->sg, ids, ARRAY_SIZE(ids)), active = 0;
	uint64_t accepted = m3ua_sg_ctr(sim->sg, M3UA_SG_CTR_ACCEPTED);

	for (unsigned i = 0; i < n; i++)
		active += m3ua_sg_conn_state(sim->sg, ids[i]) == M3UA_SG_ASP_ACTIVE;
	line(priv, "asp.connected", accepted);
	/* associations that went away, by our drop or by the peer */
	line(priv, "asp.disconnected", accepted - n);
	line(priv, "asp.dropped", sim->asp_dropped);
	line(priv, "asp.refused", m3ua_sg_ctr(sim->sg, M3UA_SG_CTR_REFUSED));
	line(priv, "asp.current", n);
	line(priv, "asp.current_active", active);
	line(priv, "asp.up", sim->m3ua_tx[M3UA_CLS_ASPSM][M3UA_ASPSM_UP_ACK]);
	line(priv, "asp.active", sim->m3ua_tx[M3UA_CLS_ASPTM][M3UA_ASPTM_ACTIVE_ACK]);
	line(priv, "asp.beat_ignored", m3ua_sg_ctr(sim->sg, M3UA_SG_CTR_BEAT_IGNORED));
	line(priv, "errors.m3ua_decode", m3ua_sg_ctr(sim->sg, M3UA_SG_CTR_RX_MALFORMED));
	line(priv, "errors.m3ua_err_rx", m3ua_sg_ctr(sim->sg, M3UA_SG_CTR_RX_ERR));
	line(priv, "errors.tx_queue_full", m3ua_sg_ctr(sim->sg, M3UA_SG_CTR_TX_QUEUE_FULL));
}
