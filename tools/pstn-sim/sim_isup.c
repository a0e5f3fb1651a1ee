/* sim_isup.c - PSTN simulator: ISUP reception, circuit maintenance and sending (Q.764 2.8, 2.9) */
#include <errno.h>
#include <string.h>

#include <osmocom/core/logging.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "sigtran/isup.h"
#include "sigtran/m3ua.h"
#include "sigtran/mtp3.h"
#include "tools/pstn-sim/sim.h"

#define ISUP_BUF_LEN	512	/* larger than any ISUP message we build (Q.763: at most 272) */
#define CG_MAX		32	/* Q.764 2.8.2: circuits in one group message */

struct sim_cic *sim_cic_lookup(struct sim *sim, uint16_t cic)
{
	if (cic < sim->cfg.cic_first || cic > sim->cfg.cic_last)
		return NULL;
	return &sim->cics[cic - sim->cfg.cic_first];
}

int sim_isup_send(struct sim *sim, struct isup_msg *msg)
{
	uint8_t buf[ISUP_BUF_LEN];
	uint8_t type;
	uint16_t cic;
	int len;

	if (!msg)
		return -ENOMEM;
	type = msg->type;
	cic = msg->cic;
	len = isup_encode(msg, buf, sizeof(buf));
	talloc_free(msg);
	if (len < 0) {
		LOGP(DSIM, LOGL_ERROR, "cic %u: cannot encode %s: %d\n", cic, isup_msg_type_name(type), len);
		return len;
	}
	LOGP(DSIM, LOGL_DEBUG, "cic %u: tx %s\n", cic, isup_msg_type_name(type));
	len = sim_sg_send_isup(sim, buf, len, cic & MTP3_SLS_MAX);
	if (len < 0)
		return len;
	sim->isup_tx[type]++;
	return 0;
}

/* Q.764 2.9.3.1: RSC received -> circuit idle, RLC; a locally blocked circuit is re-blocked */
static void rx_rsc(struct sim *sim, struct sim_cic *c)
{
	sim_cic_dispatch(c, SIM_CIC_EV_RESET, NULL);
	sim_isup_send(sim, isup_msg_simple(sim, ISUP_MSGT_RLC, c->cic));
	if (c->local_blocked)
		sim_isup_send(sim, isup_msg_simple(sim, ISUP_MSGT_BLO, c->cic));
}

/* Q.764 2.9.3.2: GRS -> every circuit of the range idle, remote blocking removed;
 * GRA status bit set for each circuit we keep blocked for maintenance. */
static void rx_grs(struct sim *sim, const struct isup_msg *m)
{
	uint32_t status = 0;

	if (!ISUP_HAS(m, ISUP_P_RANGE_STATUS)) {
		sim_ctr_inc(sim, SIM_CTR_ERR_ISUP_DECODE);
		return;
	}
	/* the codec refuses ranges beyond ISUP_MAX_RANGE; the shifts below rely on it */
	for (unsigned i = 0; i <= OSMO_MIN(m->rs.range, ISUP_MAX_RANGE); i++) {
		struct sim_cic *c = sim_cic_lookup(sim, m->cic + i);
		if (!c)
			continue;
		sim_cic_dispatch(c, SIM_CIC_EV_RESET, NULL);
		c->remote_blocked = false;
		if (c->local_blocked)
			status |= 1u << i;
	}
	sim_isup_send(sim, isup_msg_gra(sim, m->cic, m->rs.range, status));
}

/* Q.764 2.8.2: CGB/CGU -> (un)block the circuits whose status bit is set, acknowledge them */
static void rx_cg(struct sim *sim, const struct isup_msg *m)
{
	bool block = m->type == ISUP_MSGT_CGB;
	uint32_t acked = 0;

	if (!ISUP_HAS(m, ISUP_P_RANGE_STATUS) || !ISUP_HAS(m, ISUP_P_CGSMT)) {
		sim_ctr_inc(sim, SIM_CTR_ERR_ISUP_DECODE);
		return;
	}
	for (unsigned i = 0; i <= OSMO_MIN(m->rs.range, ISUP_MAX_RANGE); i++) {
		struct sim_cic *c;
		if (!(m->rs.status & (1u << i)))
			continue;
		c = sim_cic_lookup(sim, m->cic + i);
		if (!c)
			continue;
		c->remote_blocked = block;
		acked |= 1u << i;
	}
	sim_isup_send(sim, isup_msg_cg(sim, block ? ISUP_MSGT_CGBA : ISUP_MSGT_CGUA, m->cic,
				       m->cgsmt, m->rs.range, acked));
}

/* Call control messages -> the circuit FSM event they raise */
static const int call_events[256] = {
	[ISUP_MSGT_IAM] = SIM_CIC_EV_RX_IAM + 1,
	[ISUP_MSGT_ACM] = SIM_CIC_EV_RX_ACM + 1,
	[ISUP_MSGT_CPG] = SIM_CIC_EV_RX_CPG + 1,
	[ISUP_MSGT_ANM] = SIM_CIC_EV_RX_ANM + 1,
	[ISUP_MSGT_CON] = SIM_CIC_EV_RX_ANM + 1,
	[ISUP_MSGT_REL] = SIM_CIC_EV_RX_REL + 1,
	[ISUP_MSGT_RLC] = SIM_CIC_EV_RX_RLC + 1,
};

void sim_isup_rx(struct sim *sim, uint32_t opc, const uint8_t *data, size_t len)
{
	struct isup_msg *m = NULL;
	struct isup_err err = { 0 };
	struct sim_cic *c;
	int rc;

	rc = isup_decode(sim, data, len, &m, &err);
	if (rc < 0) {
		/* Q.764 2.9.5.1: a message that cannot be decoded is discarded */
		sim_ctr_inc(sim, SIM_CTR_ERR_ISUP_DECODE);
		LOGP(DSIM, LOGL_NOTICE, "bad ISUP from pc %u: %s%s%s at octet %zu\n", opc,
		     err.param_name ? err.param_name : "", err.param_name && *err.param_name ? ": " : "",
		     err.reason ? err.reason : "?", err.offset);
		if (len >= 3)
			sim->isup_rx[data[2]]++;
		return;
	}
	sim->isup_rx[m->type]++;
	LOGP(DSIM, LOGL_DEBUG, "cic %u: rx %s\n", m->cic, isup_msg_type_name(m->type));

	c = sim_cic_lookup(sim, m->cic);
	if (!c && m->type != ISUP_MSGT_GRS && m->type != ISUP_MSGT_CGB && m->type != ISUP_MSGT_CGU) {
		sim_ctr_inc(sim, SIM_CTR_ERR_UNKNOWN_CIC);
		/* Q.764 2.12: unequipped circuit; never answer UCIC with UCIC */
		if (m->type != ISUP_MSGT_UCIC)
			sim_isup_send(sim, isup_msg_simple(sim, ISUP_MSGT_UCIC, m->cic));
		goto out;
	}

	if (call_events[m->type]) {
		sim_cic_dispatch(c, call_events[m->type] - 1, m);
		goto out;
	}
	switch (m->type) {
	case ISUP_MSGT_RSC:
		rx_rsc(sim, c);
		break;
	case ISUP_MSGT_GRS:
		rx_grs(sim, m);
		break;
	case ISUP_MSGT_CGB:
	case ISUP_MSGT_CGU:
		rx_cg(sim, m);
		break;
	case ISUP_MSGT_BLO:
		c->remote_blocked = true;
		sim_isup_send(sim, isup_msg_simple(sim, ISUP_MSGT_BLA, c->cic));
		break;
	case ISUP_MSGT_UBL:
		c->remote_blocked = false;
		sim_isup_send(sim, isup_msg_simple(sim, ISUP_MSGT_UBA, c->cic));
		break;
	case ISUP_MSGT_BLA:
	case ISUP_MSGT_UBA:
	case ISUP_MSGT_CGBA:
	case ISUP_MSGT_CGUA:
	case ISUP_MSGT_GRA:
	case ISUP_MSGT_UCIC:
	case ISUP_MSGT_CFN:
		/* acknowledgements of our own maintenance actions and notifications: counted only */
		break;
	default:
		sim_ctr_inc(sim, SIM_CTR_ERR_UNEXPECTED);
		break;
	}
out:
	talloc_free(m);
}

int sim_isup_block(struct sim *sim, uint16_t first, uint16_t last, bool block)
{
	int sent = 0;

	if (first > last || !sim_cic_lookup(sim, first) || !sim_cic_lookup(sim, last))
		return -EINVAL;
	for (unsigned cic = first; cic <= last; cic += CG_MAX) {
		unsigned n = OSMO_MIN(CG_MAX, last - cic + 1);
		int rc;

		/* Q.763 3.43: range 0 is not allowed in CGB/CGU: one circuit is BLO/UBL */
		if (n == 1)
			rc = sim_isup_send(sim, isup_msg_simple(sim, block ? ISUP_MSGT_BLO : ISUP_MSGT_UBL, cic));
		else
			rc = sim_isup_send(sim, isup_msg_cg(sim, block ? ISUP_MSGT_CGB : ISUP_MSGT_CGU, cic,
							    ISUP_CGSMT_MAINTENANCE, n - 1,
							    n == 32 ? 0xffffffffu : (1u << n) - 1));
		if (rc < 0)
			return rc;
		/* only what the gateway was told counts as blocked */
		for (unsigned i = 0; i < n; i++)
			sim_cic_lookup(sim, cic + i)->local_blocked = block;
		sim_ctr_inc(sim, block ? SIM_CTR_FAULT_BLOCK : SIM_CTR_FAULT_UNBLOCK);
		sent++;
	}
	return sent;
}

int sim_isup_grs_storm(struct sim *sim, unsigned n)
{
	int sent = 0;

	for (unsigned k = 0; k < n; k++) {
		for (unsigned cic = sim->cfg.cic_first; cic <= sim->cfg.cic_last; cic += CG_MAX) {
			unsigned cnt = OSMO_MIN(CG_MAX, sim->cfg.cic_last - cic + 1);
			int rc;

			/* Q.764 2.9.3.2: the sender of GRS also returns its circuits to idle */
			for (unsigned i = 0; i < cnt; i++)
				sim_cic_dispatch(sim_cic_lookup(sim, cic + i), SIM_CIC_EV_RESET, NULL);
			if (cnt == 1)
				rc = sim_isup_send(sim, isup_msg_simple(sim, ISUP_MSGT_RSC, cic));
			else
				rc = sim_isup_send(sim, isup_msg_grs(sim, cic, cnt - 1));
			if (rc < 0)
				return rc;
			sim_ctr_inc(sim, SIM_CTR_FAULT_GRS_STORM);
			sent++;
		}
	}
	return sent;
}

/* Deliberately broken messages, one kind after the other, so that a run of N covers them all. */
static const uint8_t bad_iam[] = { 0, 0, ISUP_MSGT_IAM, 0x00, 0x20 };	/* cut short in its fixed part */
static const uint8_t bad_rel_ptr[] = { 0, 0, ISUP_MSGT_REL, 0x40, 0x00 };	/* pointer past the end */
static const uint8_t bad_rel_len[] = { 0, 0, ISUP_MSGT_REL, 0x02, 0x00, 0x7f, 0x80, 0x90 }; /* cause length past the end */
/* RFC 4666 3.1.2: class 12 is reserved */
static const uint8_t bad_m3ua_class[] = { 1, 0, 12, 1, 0, 0, 0, 8 };
/* DATA whose Protocol Data length (0x40) runs past the message */
static const uint8_t bad_m3ua_len[] = { 1, 0, M3UA_CLS_XFER, M3UA_XFER_DATA, 0, 0, 0, 16,
					0x02, 0x10, 0x00, 0x40, 0, 0, 0, 0 };

struct bad_msg {
	const uint8_t *bytes;
	size_t len;
	bool isup;	/* carried in a valid DATA; else a whole M3UA message */
};

static const struct bad_msg bad_msgs[] = {
	{ bad_iam, sizeof(bad_iam), true },
	{ bad_rel_ptr, sizeof(bad_rel_ptr), true },
	{ bad_rel_len, sizeof(bad_rel_len), true },
	{ bad_m3ua_class, sizeof(bad_m3ua_class), false },
	{ bad_m3ua_len, sizeof(bad_m3ua_len), false },
};

/* One malformed message of the given kind: bad ISUP in a good DATA, or a bad M3UA message. */
static int send_malformed(struct sim *sim, unsigned kind)
{
	const struct bad_msg *b = &bad_msgs[kind % ARRAY_SIZE(bad_msgs)];
	uint16_t cic = sim->cfg.cic_first;
	uint8_t isup[16];

	if (!b->isup)
		return sim_sg_send_raw(sim, b->bytes, b->len);
	memcpy(isup, b->bytes, b->len);
	isup[0] = cic & 0xff;
	isup[1] = (cic >> 8) & 0x0f;
	return sim_sg_send_isup(sim, isup, b->len, cic & MTP3_SLS_MAX);
}

int sim_isup_send_malformed(struct sim *sim, unsigned n)
{
	int sent = 0;

	for (unsigned k = 0; k < n; k++) {
		int rc = send_malformed(sim, k);
		if (rc < 0)
			return sent ? sent : rc;
		sim_ctr_inc(sim, SIM_CTR_FAULT_MALFORMED);
		sent++;
	}
	return sent;
}
