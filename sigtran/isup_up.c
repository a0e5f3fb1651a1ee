/* isup_up.c - ISUP user part: MTP-TRANSFER in, decode, dispatch by (OPC, CIC); send path (ITU-T Q.764 2.9.5, 2.10) */
#include <errno.h>
#include <string.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "sigtran/cic_priv.h"
#include "sigtran/isup.h"
#include "sigtran/m3ua_as.h"
#include "sigtran/mtp3.h"
#include "sigtran/mtp_user.h"

#define ISUP_MAX_MSG_LEN	272	/* MTP3 signalling information field (Q.703 2.3.8) */
#define ISUP_PAR_MSG_COMPAT	0x38	/* message compatibility information (Q.763 3.33) */

static const struct rate_ctr_desc isup_up_ctr_desc[] = {
	[ISUP_UP_CTR_RX_MSG] = { "rx:msg", "ISUP messages received" },
	[ISUP_UP_CTR_RX_NOT_ISUP] = { "rx:not-isup", "MTP-TRANSFER with another service indicator" },
	[ISUP_UP_CTR_RX_MALFORMED] = { "rx:malformed", "messages the decoder refused (discarded)" },
	[ISUP_UP_CTR_RX_UNRECOGNISED] = { "rx:unrecognised", "unrecognised message types" },
	[ISUP_UP_CTR_RX_UNEQUIPPED] = { "rx:unequipped", "messages for unequipped CICs (UCIC sent)" },
	[ISUP_UP_CTR_TX_MSG] = { "tx:msg", "ISUP messages handed to the MTP" },
	[ISUP_UP_CTR_TX_FAILED] = { "tx:failed", "messages the MTP refused or DPC paused" },
	[ISUP_UP_CTR_CFN_OUT] = { "cfn:out", "confusion messages sent" },
};

static const struct rate_ctr_group_desc isup_up_ctrg_desc = {
	.group_name_prefix = "isup_up",
	.group_description = "ISUP user part",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = ARRAY_SIZE(isup_up_ctr_desc),
	.ctr_desc = isup_up_ctr_desc,
};

/* How each message type is handled once decoded. */
enum rx_kind {
	RX_IGNORE,		/* known to the codec, no procedure here: discarded (logged) */
	RX_IAM,
	RX_CALL,		/* to the circuit's owner */
	RX_REL,
	RX_RLC,
	RX_RSC,
	RX_BLO,
	RX_BLA,
	RX_UBL,
	RX_UBA,
	RX_GRS,
	RX_CGB,
	RX_CGU,
	RX_GROUP_ACK,		/* GRA, CGBA, CGUA */
	RX_UCIC,
	RX_CFN,
};

static const uint8_t rx_kinds[256] = {
	[ISUP_MSGT_IAM] = RX_IAM,
	[ISUP_MSGT_SAM] = RX_CALL, [ISUP_MSGT_INR] = RX_CALL, [ISUP_MSGT_INF] = RX_CALL,
	[ISUP_MSGT_COT] = RX_CALL, [ISUP_MSGT_ACM] = RX_CALL, [ISUP_MSGT_CON] = RX_CALL,
	[ISUP_MSGT_FOT] = RX_CALL, [ISUP_MSGT_ANM] = RX_CALL, [ISUP_MSGT_SUS] = RX_CALL,
	[ISUP_MSGT_RES] = RX_CALL, [ISUP_MSGT_CPG] = RX_CALL, [ISUP_MSGT_FAC] = RX_CALL,
	[ISUP_MSGT_APM] = RX_CALL,
	[ISUP_MSGT_REL] = RX_REL,
	[ISUP_MSGT_RLC] = RX_RLC,
	[ISUP_MSGT_RSC] = RX_RSC,
	[ISUP_MSGT_BLO] = RX_BLO,
	[ISUP_MSGT_BLA] = RX_BLA,
	[ISUP_MSGT_UBL] = RX_UBL,
	[ISUP_MSGT_UBA] = RX_UBA,
	[ISUP_MSGT_GRS] = RX_GRS,
	[ISUP_MSGT_CGB] = RX_CGB,
	[ISUP_MSGT_CGU] = RX_CGU,
	[ISUP_MSGT_GRA] = RX_GROUP_ACK, [ISUP_MSGT_CGBA] = RX_GROUP_ACK, [ISUP_MSGT_CGUA] = RX_GROUP_ACK,
	[ISUP_MSGT_UCIC] = RX_UCIC,
	[ISUP_MSGT_CFN] = RX_CFN,
};

/* Per-circuit events of the kinds the circuit FSM takes directly. */
static const uint8_t rx_fsm_event[] = {
	[RX_IAM] = CIC_EV_RX_IAM,
	[RX_CALL] = CIC_EV_RX_CALL_MSG,
	[RX_REL] = CIC_EV_RX_REL,
	[RX_RLC] = CIC_EV_RX_RLC,
	[RX_RSC] = CIC_EV_RX_RSC,
};

/* Severity order of the Q.764 2.9.5.3 outcomes, most severe last. */
static const uint8_t unrec_rank[] = {
	[ISUP_UNREC_PASS_ON] = 0,
	[ISUP_UNREC_DISCARD_PARAM] = 1,
	[ISUP_UNREC_DISCARD_MSG] = 2,
	[ISUP_UNREC_RELEASE_CALL] = 3,
};

struct isup_up *isup_up_alloc(void *ctx, uint32_t opc, uint8_t ni,
			      const struct isup_up_mtp_ops *mtp, void *mtp_priv)
{
	static unsigned idx;
	struct isup_up *up;

	if (opc > MTP3_PC_MAX || !mtp || !mtp->transfer_req)
		return NULL;
	up = talloc_zero(ctx, struct isup_up);
	if (!up)
		return NULL;
	up->ctrs = rate_ctr_group_alloc(up, &isup_up_ctrg_desc, idx++);
	if (!up->ctrs) {
		talloc_free(up);
		return NULL;
	}
	up->opc = opc;
	up->ni = ni;
	up->mtp = *mtp;
	up->mtp_priv = mtp_priv;
	INIT_LLIST_HEAD(&up->groups);
	return up;
}

int isup_up_set_opc(struct isup_up *up, uint32_t opc, uint8_t ni)
{
	if (opc > MTP3_PC_MAX)
		return -EINVAL;
	up->opc = opc;
	up->ni = ni;
	return 0;
}

int isup_up_set_mtp(struct isup_up *up, const struct isup_up_mtp_ops *mtp, void *mtp_priv)
{
	if (!mtp || !mtp->transfer_req)
		return -EINVAL;
	up->mtp = *mtp;
	up->mtp_priv = mtp_priv;
	return 0;
}

void isup_up_free(struct isup_up *up)
{
	struct cic_group *grp, *tmp;

	if (!up)
		return;
	llist_for_each_entry_safe(grp, tmp, &up->groups, entry)
		cic_group_free(grp);
	rate_ctr_group_free(up->ctrs);
	talloc_free(up);
}

void isup_up_set_user(struct isup_up *up, const struct cic_user_ops *ops, void *priv)
{
	up->user = ops;
	up->user_priv = priv;
}

uint32_t isup_up_opc(const struct isup_up *up) { return up->opc; }
struct rate_ctr_group *isup_up_ctrs(struct isup_up *up) { return up->ctrs; }

static struct cic_dpc *dpc_find(struct isup_up *up, uint32_t dpc)
{
	unsigned i;

	for (i = 0; i < CIC_MAX_DPCS; i++) {
		if (up->dpcs[i] && up->dpcs[i]->dpc == dpc)
			return up->dpcs[i];
	}
	return NULL;
}

bool isup_up_dpc_available(struct isup_up *up, uint32_t dpc)
{
	struct cic_dpc *d = dpc_find(up, dpc);

	return d && !d->paused;
}

int isup_up_tx(struct isup_up *up, uint32_t dpc, const struct isup_msg *msg)
{
	struct cic_dpc *d = dpc_find(up, dpc);
	uint8_t buf[ISUP_MAX_MSG_LEN];
	struct mtp_transfer xfer = {
		.opc = up->opc,
		.dpc = dpc,
		.si = MTP3_SI_ISUP,
		.ni = up->ni,
		/* one circuit, one SLS: messages of a call stay in sequence (Q.764 2.1.5 / Q.704 2.2.4) */
		.sls = msg->cic & MTP3_SLS_MAX,
		.data = buf,
	};
	int rc;

	if (d && d->paused) {
		rc = -ENOTCONN;
		goto fail;
	}
	rc = isup_encode(msg, buf, sizeof(buf));
	if (rc < 0)
		goto fail;
	xfer.len = rc;
	rc = up->mtp.transfer_req(up->mtp_priv, &xfer);
	if (rc < 0)
		goto fail;
	rate_ctr_inc2(up->ctrs, ISUP_UP_CTR_TX_MSG);
	LOGP(DISUP, LOGL_DEBUG, "tx %s CIC %u to DPC %u\n", isup_msg_type_name(msg->type), msg->cic, dpc);
	return 0;
fail:
	rate_ctr_inc2(up->ctrs, ISUP_UP_CTR_TX_FAILED);
	return rc;
}

/* A group of the DPC, to count what concerns the DPC but no configured circuit. */
static struct cic_group *group_of_dpc(struct isup_up *up, uint32_t dpc)
{
	struct cic_group *grp;

	llist_for_each_entry(grp, &up->groups, entry) {
		if (grp->dpc_set && grp->dpc == dpc)
			return grp;
	}
	return NULL;
}

static void tx_ucic(struct isup_up *up, uint32_t dpc, uint16_t code)
{
	struct cic_group *grp = group_of_dpc(up, dpc);
	struct isup_msg *msg;

	rate_ctr_inc2(up->ctrs, ISUP_UP_CTR_RX_UNEQUIPPED);
	if (grp)
		rate_ctr_inc2(grp->ctrs, CIC_CTR_UCIC);
	LOGP(DISUP, LOGL_NOTICE, "CIC %u of DPC %u unequipped: UCIC\n", code, dpc);
	msg = isup_msg_simple(up, ISUP_MSGT_UCIC, code);
	if (!msg)
		return;
	isup_up_tx(up, dpc, msg);
	talloc_free(msg);
}

/* Q.764 2.9.5: CFN with cause 97 (unrecognised message) or 99 (unrecognised parameter). */
static void tx_cfn(struct isup_up *up, uint32_t dpc, uint16_t code, uint8_t cause, uint8_t diag)
{
	struct isup_msg *msg = isup_msg_cfn(up, code, cause, ISUP_LOC_PUB_LOCAL);

	if (!msg)
		return;
	msg->cause.diag_len = 1;
	msg->cause.diag[0] = diag;
	if (isup_up_tx(up, dpc, msg) == 0)
		rate_ctr_inc2(up->ctrs, ISUP_UP_CTR_CFN_OUT);
	talloc_free(msg);
}

/* Release the call on a circuit because of the message's compatibility instructions. */
static void release_for_compat(struct cic *cic, const struct isup_msg *msg, int cause)
{
	if (msg->type == ISUP_MSGT_IAM && cic->fi->state == CIC_ST_IDLE) {
		osmo_fsm_inst_dispatch(cic->fi, CIC_EV_REFUSE, &cause);
		return;
	}
	cic_owner_lost(cic, cause);
	osmo_fsm_inst_dispatch(cic->fi, CIC_EV_RELEASE, &cause);
}

/* Q.764 2.9.5.3.2: an unrecognised message, with its message compatibility information if the
 * general format (pointer to the optional part) lets us find it. Default: discard + CFN. */
static void rx_unrecognised(struct isup_up *up, const struct mtp_transfer *xfer, struct cic *cic,
			    const struct isup_msg *msg)
{
	uint8_t instr = ISUP_PCI_DISCARD_MSG | ISUP_PCI_SEND_NOTIFY;
	size_t off;

	rate_ctr_inc2(up->ctrs, ISUP_UP_CTR_RX_UNRECOGNISED);
	if (cic)
		cic_ctr_inc(cic, CIC_CTR_MALFORMED);
	/* raw[0] is the pointer to the optional part, counted from its own octet */
	if (msg->raw_len >= 1 && msg->raw[0]) {
		off = msg->raw[0];
		while (off + 1 < msg->raw_len && msg->raw[off] != ISUP_PAR_END_OF_OPTIONAL) {
			uint8_t code = msg->raw[off], len = msg->raw[off + 1];

			if (off + 2 + len > msg->raw_len)
				break;
			if (code == ISUP_PAR_MSG_COMPAT && len >= 1) {
				instr = msg->raw[off + 2] & 0x7f;
				break;
			}
			off += 2 + len;
		}
	}
	LOGP(DISUP, LOGL_NOTICE, "unrecognised message type 0x%02x CIC %u from %u, instructions 0x%02x\n",
	     msg->type, msg->cic, xfer->opc, instr);
	/* Q.763 3.33 bit B: release call; bit C: send notification; bit D: discard message */
	if ((instr & ISUP_PCI_RELEASE_CALL) && cic && cic->fi->state != CIC_ST_IDLE) {
		release_for_compat(cic, msg, 97);
		return;
	}
	if (instr & ISUP_PCI_SEND_NOTIFY)
		tx_cfn(up, xfer->opc, msg->cic, 97, msg->type);
}

/* Q.764 2.9.5.3.1: unrecognised parameters in a known message. Returns true to go on. */
static bool check_unknown_params(struct isup_up *up, const struct mtp_transfer *xfer, struct cic *cic,
				 const struct isup_msg *msg)
{
	enum isup_unrec_action worst = ISUP_UNREC_PASS_ON;
	bool notify = false;
	unsigned i;

	for (i = 0; i < msg->n_unknown; i++) {
		bool n = false;
		enum isup_unrec_action a = isup_unrec_param_action(msg, msg->unknown[i].code, ISUP_NODE_END, &n);

		if (unrec_rank[a] > unrec_rank[worst])
			worst = a;
		notify |= n;
	}
	if (worst == ISUP_UNREC_RELEASE_CALL && cic) {
		release_for_compat(cic, msg, 99);
		return false;
	}
	/* REL and RLC report through their own cause (Q.764 2.9.5.3.1), never by CFN */
	if (notify && msg->type != ISUP_MSGT_REL && msg->type != ISUP_MSGT_RLC)
		tx_cfn(up, xfer->opc, msg->cic, 99, msg->unknown[0].code);
	return worst != ISUP_UNREC_DISCARD_MSG;
}

/* Q.764 2.10.3.2: GRS received -> calls cleared, GRA with our maintenance blocks as status. */
static void rx_grs(struct isup_up *up, uint32_t opc, const struct isup_msg *msg)
{
	struct cic_group *counted = NULL;
	uint32_t status = 0;
	struct isup_msg *gra;
	unsigned i;

	for (i = 0; i <= msg->rs.range && msg->cic + i <= CIC_CODE_MAX; i++) {
		struct cic *cic = cic_lookup(up, opc, msg->cic + i);

		if (!cic)
			continue;
		if (!counted) {
			counted = cic->grp;
			cic_ctr_inc(cic, CIC_CTR_GRS_IN);
		}
		osmo_fsm_inst_dispatch(cic->fi, CIC_EV_RX_GRS, NULL);
		if (cic->blk & CIC_BLK_LOCAL_MAINT)
			status |= 1u << i;
	}
	if (!counted) {
		tx_ucic(up, opc, msg->cic);
		return;
	}
	gra = isup_msg_gra(up, msg->cic, msg->rs.range, status);
	if (!gra)
		return;
	isup_up_tx(up, opc, gra);
	talloc_free(gra);
}

/* Q.764 2.8.2.3: CGB/CGU received -> set/clear the remote blocks, acknowledge what was done. */
static void rx_cg(struct isup_up *up, uint32_t opc, const struct isup_msg *msg, bool block)
{
	bool hw = (msg->cgsmt & 3) == ISUP_CGSMT_HW_FAILURE;
	uint8_t bit = hw ? CIC_BLK_REMOTE_HW : CIC_BLK_REMOTE_MAINT;
	struct cic_group *counted = NULL;
	uint32_t ack = 0;
	struct isup_msg *reply;
	unsigned i;

	for (i = 0; i <= msg->rs.range && msg->cic + i <= CIC_CODE_MAX; i++) {
		struct cic *cic = cic_lookup(up, opc, msg->cic + i);

		if (!cic)
			continue;
		if (!counted) {
			counted = cic->grp;
			cic_ctr_inc(cic, block ? CIC_CTR_CGB_IN : CIC_CTR_CGU_IN);
		}
		if (!((msg->rs.status >> i) & 1))
			continue;
		ack |= 1u << i;
		if (block) {
			cic->blk |= bit;
			if (hw)
				osmo_fsm_inst_dispatch(cic->fi, CIC_EV_HW_BLOCK, NULL);
		} else {
			cic->blk &= ~bit;
		}
	}
	if (!counted) {
		tx_ucic(up, opc, msg->cic);
		return;
	}
	reply = isup_msg_cg(up, block ? ISUP_MSGT_CGBA : ISUP_MSGT_CGUA, msg->cic, msg->cgsmt & 3,
			    msg->rs.range, ack);
	if (!reply)
		return;
	isup_up_tx(up, opc, reply);
	talloc_free(reply);
}

/* Q.764 2.12: the peer does not know this CIC: take it out of service, alert maintenance. */
static void rx_ucic(struct cic *cic)
{
	LOGPCIC(cic, LOGL_ERROR, "alarm: peer reports CIC %u unequipped, circuit blocked\n", cic->code);
	cic->blk |= CIC_BLK_LOCAL_MAINT;
	osmo_fsm_inst_dispatch(cic->fi, CIC_EV_HW_BLOCK, NULL);
}

static void dispatch(struct isup_up *up, const struct mtp_transfer *xfer, struct cic *cic,
		     const struct isup_msg *msg)
{
	enum rx_kind kind = rx_kinds[msg->type];

	switch (kind) {
	case RX_IAM:
	case RX_CALL:
	case RX_REL:
	case RX_RLC:
	case RX_RSC:
		osmo_fsm_inst_dispatch(cic->fi, rx_fsm_event[kind], (void *)msg);
		break;
	case RX_BLO:
		cic_rx_blo(cic);
		break;
	case RX_BLA:
		cic_rx_bla(cic);
		break;
	case RX_UBL:
		cic_rx_ubl(cic);
		break;
	case RX_UBA:
		cic_rx_uba(cic);
		break;
	case RX_GROUP_ACK:
		if (!cic_gproc_rx_ack(cic->grp, msg)) {
			/* Q.764 2.9.5.1: an acknowledgement nobody waits for is discarded */
			cic_ctr_inc(cic, CIC_CTR_UNEXPECTED);
			LOGPCIC(cic, LOGL_NOTICE, "unexpected %s, discarded\n", isup_msg_type_name(msg->type));
		}
		break;
	case RX_UCIC:
		rx_ucic(cic);
		break;
	case RX_CFN:
		LOGPCIC(cic, LOGL_NOTICE, "CFN cause %u received\n", msg->cause.value);
		break;
	case RX_GRS:
	case RX_CGB:
	case RX_CGU:
	case RX_IGNORE:
		LOGPCIC(cic, LOGL_INFO, "%s not handled, discarded\n", isup_msg_type_name(msg->type));
		break;
	}
}

void isup_up_transfer_ind(struct isup_up *up, const struct mtp_transfer *xfer)
{
	struct isup_err err = {};
	struct isup_msg *msg = NULL;
	struct cic *cic;
	uint16_t code;
	int rc;

	if (xfer->si != MTP3_SI_ISUP) {
		rate_ctr_inc2(up->ctrs, ISUP_UP_CTR_RX_NOT_ISUP);
		return;
	}
	rate_ctr_inc2(up->ctrs, ISUP_UP_CTR_RX_MSG);
	if (xfer->len < 3) {
		rate_ctr_inc2(up->ctrs, ISUP_UP_CTR_RX_MALFORMED);
		LOGP(DISUP, LOGL_NOTICE, "from %u: %zu octets, no CIC and type\n", xfer->opc, xfer->len);
		return;
	}
	code = xfer->data[0] | ((xfer->data[1] & 0x0f) << 8);
	cic = cic_lookup(up, xfer->opc, code);
	rc = isup_decode(up, xfer->data, xfer->len, &msg, &err);
	if (rc < 0) {
		/* Q.764 2.9.5.2: a message with a format error is discarded */
		rate_ctr_inc2(up->ctrs, ISUP_UP_CTR_RX_MALFORMED);
		if (cic)
			cic_ctr_inc(cic, CIC_CTR_MALFORMED);
		LOGP(DISUP, LOGL_NOTICE, "from %u CIC %u: malformed %s: %s%s%s at %zu\n", xfer->opc, code,
		     isup_msg_type_name(xfer->data[2]), rc == -EINVAL ? err.param_name : "",
		     rc == -EINVAL && err.param_name[0] ? ": " : "", rc == -EINVAL ? err.reason : strerror(-rc),
		     rc == -EINVAL ? err.offset : 0);
		return;
	}
	/* group messages address a range: the first CIC need not be ours */
	switch (rx_kinds[msg->type]) {
	case RX_GRS:
		rx_grs(up, xfer->opc, msg);
		goto out;
	case RX_CGB:
	case RX_CGU:
		rx_cg(up, xfer->opc, msg, rx_kinds[msg->type] == RX_CGB);
		goto out;
	default:
		break;
	}
	if (!cic) {
		/* Q.764 2.12: never answer UCIC with UCIC */
		if (msg->type != ISUP_MSGT_UCIC)
			tx_ucic(up, xfer->opc, code);
		goto out;
	}
	if (!isup_msg_type_known(msg->type)) {
		rx_unrecognised(up, xfer, cic, msg);
		goto out;
	}
	if (msg->n_unknown && !check_unknown_params(up, xfer, cic, msg))
		goto out;
	dispatch(up, xfer, cic, msg);
out:
	talloc_free(msg);
}

void isup_up_pause(struct isup_up *up, uint32_t dpc)
{
	struct cic_dpc *d = cic_dpc_get(up, dpc);

	if (!d)
		return;
	LOGP(DCIC, LOGL_NOTICE, "MTP-PAUSE DPC %u: no new calls, calls in progress kept\n", dpc);
	d->paused = true;
}

void isup_up_resume(struct isup_up *up, uint32_t dpc)
{
	struct cic_dpc *d = cic_dpc_get(up, dpc);
	struct cic_group *grp;

	if (!d)
		return;
	LOGP(DCIC, LOGL_NOTICE, "MTP-RESUME DPC %u\n", dpc);
	d->paused = false;
	llist_for_each_entry(grp, &up->groups, entry) {
		if (grp->dpce != d || !grp->n)
			continue;
		if (grp->in_doubt || grp->reset_on_resume)
			cic_group_reset(grp);
	}
}

static void mtp_transfer_ind(void *priv, const struct mtp_transfer *xfer)
{
	isup_up_transfer_ind(priv, xfer);
}

static void mtp_pause_ind(void *priv, uint32_t dpc)
{
	isup_up_pause(priv, dpc);
}

static void mtp_resume_ind(void *priv, uint32_t dpc)
{
	isup_up_resume(priv, dpc);
}

/* Congestion and user part unavailability are the call layer's business for new calls; here
 * they are logged so that an operator sees why the peer stays silent. */
static void mtp_status_ind(void *priv, uint32_t dpc, int cause, int cong_level)
{
	LOGP(DCIC, LOGL_NOTICE, "MTP-STATUS DPC %u cause %d congestion level %d\n", dpc, cause, cong_level);
}

const struct mtp_user_ops isup_up_mtp_user_ops = {
	.transfer_ind = mtp_transfer_ind,
	.pause_ind = mtp_pause_ind,
	.resume_ind = mtp_resume_ind,
	.status_ind = mtp_status_ind,
};

static int m3ua_transfer_req(void *priv, const struct mtp_transfer *xfer)
{
	return m3ua_as_transfer(priv, xfer);
}

const struct isup_up_mtp_ops isup_up_m3ua_ops = {
	.transfer_req = m3ua_transfer_req,
};
