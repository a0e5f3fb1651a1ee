/* m3ua_as.c - Application Server: ASP selection, destination availability, MTP primitives (RFC 4666 4.3.2, 4.5) */
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

#define APC_MAX		64	/* point codes per Affected Point Code parameter we handle */

struct m3ua_dest {
	uint32_t pc;
	enum m3ua_dest_state state;
	uint8_t cong_level;
	bool reported_up;	/* what the user was last told: resume (true) or pause (false) */
};

struct m3ua_as {
	struct m3ua_as_cfg cfg;
	const struct mtp_user_ops *ops;
	void *priv;
	struct m3ua_asp *asps[M3UA_AS_MAX_ASP];
	bool asp_was_active[M3UA_AS_MAX_ASP];
	unsigned num_asp;
	struct m3ua_dest *dests;
	unsigned num_dests, max_dests;
	bool active;
	struct rate_ctr_group *ctrg;
};

#define SI_CTR(n)	[M3UA_AS_CTR_RX_DATA_SI0 + n] = { "rx:data:si" #n, "DATA received for service indicator " #n }
static const struct rate_ctr_desc as_ctr_desc[] = {
	[M3UA_AS_CTR_TX_DATA]		= { "tx:data", "DATA handed to an ASP" },
	[M3UA_AS_CTR_TX_NO_ACTIVE]	= { "tx:no_active", "DATA refused, no ASP active" },
	[M3UA_AS_CTR_TX_QUEUE_FULL]	= { "tx:queue_full", "DATA refused, send queue full" },
	[M3UA_AS_CTR_RX_DATA]		= { "rx:data", "DATA delivered to the MTP user" },
	[M3UA_AS_CTR_RX_BAD_RC]		= { "rx:bad_rc", "messages with a foreign routing context" },
	[M3UA_AS_CTR_RX_BAD_NA]		= { "rx:bad_na", "messages with a foreign network appearance" },
	[M3UA_AS_CTR_RX_DUNA]		= { "rx:duna", "DUNA received" },
	[M3UA_AS_CTR_RX_DAVA]		= { "rx:dava", "DAVA received" },
	[M3UA_AS_CTR_RX_SCON]		= { "rx:scon", "SCON received" },
	[M3UA_AS_CTR_RX_DUPU]		= { "rx:dupu", "DUPU received" },
	[M3UA_AS_CTR_RX_DRST]		= { "rx:drst", "DRST received" },
	[M3UA_AS_CTR_TX_DAUD]		= { "tx:daud", "DAUD sent" },
	[M3UA_AS_CTR_DEST_TABLE_FULL]	= { "dest:table_full", "destinations not recorded, table full" },
	SI_CTR(0), SI_CTR(1), SI_CTR(2), SI_CTR(3), SI_CTR(4), SI_CTR(5), SI_CTR(6), SI_CTR(7),
	SI_CTR(8), SI_CTR(9), SI_CTR(10), SI_CTR(11), SI_CTR(12), SI_CTR(13), SI_CTR(14), SI_CTR(15),
};

static const struct rate_ctr_group_desc as_ctrg_desc = {
	.group_name_prefix = "m3ua:as",
	.group_description = "M3UA AS",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = ARRAY_SIZE(as_ctr_desc),
	.ctr_desc = as_ctr_desc,
};

static unsigned as_ctrg_idx;

static void ctr_inc(struct m3ua_as *as, unsigned idx)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(as->ctrg, idx));
}

void m3ua_as_cfg_init(struct m3ua_as_cfg *cfg, const char *name)
{
	memset(cfg, 0, sizeof(*cfg));
	OSMO_STRLCPY_ARRAY(cfg->name, name);
	cfg->mode = M3UA_TMT_OVERRIDE;
}

struct m3ua_as *m3ua_as_alloc(void *ctx, const struct m3ua_as_cfg *cfg,
			      const struct mtp_user_ops *ops, void *priv)
{
	struct m3ua_as *as = talloc_zero(ctx, struct m3ua_as);

	if (!as)
		return NULL;
	as->cfg = *cfg;
	as->ops = ops;
	as->priv = priv;
	as->max_dests = cfg->max_dests ? cfg->max_dests : M3UA_AS_DESTS_DEFAULT;
	as->dests = talloc_zero_array(as, struct m3ua_dest, as->max_dests);
	as->ctrg = rate_ctr_group_alloc(as, &as_ctrg_desc, as_ctrg_idx++);
	if (!as->dests || !as->ctrg) {
		if (as->ctrg)
			rate_ctr_group_free(as->ctrg);
		talloc_free(as);
		return NULL;
	}
	rate_ctr_group_set_name(as->ctrg, cfg->name);
	return as;
}

void m3ua_as_set_user(struct m3ua_as *as, const struct mtp_user_ops *ops, void *priv)
{
	as->ops = ops;
	as->priv = priv;
}

void m3ua_as_free(struct m3ua_as *as)
{
	if (!as)
		return;
	/* The user is going away with the AS: no more indications. */
	as->ops = NULL;
	while (as->num_asp)
		m3ua_asp_free(as->asps[as->num_asp - 1]);
	rate_ctr_group_free(as->ctrg);
	talloc_free(as);
}

int m3ua_as_add_asp(struct m3ua_as *as, struct m3ua_asp *asp)
{
	if (asp->as)
		return -EBUSY;
	if (as->num_asp >= M3UA_AS_MAX_ASP)
		return -ENOSPC;
	as->asp_was_active[as->num_asp] = false;
	as->asps[as->num_asp++] = asp;
	asp->as = as;
	return 0;
}

void m3ua_as_detach_asp(struct m3ua_as *as, struct m3ua_asp *asp)
{
	unsigned i;

	for (i = 0; i < as->num_asp; i++) {
		if (as->asps[i] != asp)
			continue;
		memmove(&as->asps[i], &as->asps[i + 1], (as->num_asp - i - 1) * sizeof(as->asps[0]));
		memmove(&as->asp_was_active[i], &as->asp_was_active[i + 1],
			(as->num_asp - i - 1) * sizeof(as->asp_was_active[0]));
		as->num_asp--;
		break;
	}
	asp->as = NULL;
	m3ua_as_asp_state_chg(as, NULL);
}

struct m3ua_asp *m3ua_as_asp(const struct m3ua_as *as, unsigned idx)
{
	return idx < as->num_asp ? as->asps[idx] : NULL;
}

unsigned m3ua_as_num_asp(const struct m3ua_as *as)
{
	return as->num_asp;
}

int m3ua_as_start(struct m3ua_as *as)
{
	unsigned i;
	int rc;

	for (i = 0; i < as->num_asp; i++) {
		rc = m3ua_asp_start(as->asps[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static bool dest_reachable(const struct m3ua_as *as, const struct m3ua_dest *d)
{
	return as->active && d->state != M3UA_DEST_UNAVAILABLE;
}

/* Tell the user when what it can reach changes (MTP-PAUSE / MTP-RESUME, Q.701 8.3). */
static void dest_report(struct m3ua_as *as, struct m3ua_dest *d)
{
	bool up = dest_reachable(as, d);

	if (up == d->reported_up)
		return;
	d->reported_up = up;
	LOGP(DM3UA, LOGL_INFO, "as(%s): dpc %u %s\n", as->cfg.name, d->pc, up ? "resumed" : "paused");
	if (!as->ops)
		return;
	if (up && as->ops->resume_ind)
		as->ops->resume_ind(as->priv, d->pc);
	else if (!up && as->ops->pause_ind)
		as->ops->pause_ind(as->priv, d->pc);
}

static struct m3ua_dest *dest_find(const struct m3ua_as *as, uint32_t pc)
{
	unsigned i;

	for (i = 0; i < as->num_dests; i++)
		if (as->dests[i].pc == pc)
			return &as->dests[i];
	return NULL;
}

static struct m3ua_dest *dest_get(struct m3ua_as *as, uint32_t pc)
{
	struct m3ua_dest *d = dest_find(as, pc);

	if (d)
		return d;
	if (as->num_dests >= as->max_dests) {
		ctr_inc(as, M3UA_AS_CTR_DEST_TABLE_FULL);
		LOGP(DM3UA, LOGL_ERROR, "as(%s): destination table full (%u), dpc %u not recorded\n",
		     as->cfg.name, as->max_dests, pc);
		return NULL;
	}
	d = &as->dests[as->num_dests++];
	*d = (struct m3ua_dest){ .pc = pc, .state = M3UA_DEST_AVAILABLE };
	/* A newly known destination starts as the user assumes: reachable only while the AS is */
	d->reported_up = dest_reachable(as, d);
	return d;
}

int m3ua_as_dest_add(struct m3ua_as *as, uint32_t dpc)
{
	return dest_get(as, dpc) ? 0 : -ENOSPC;
}

enum m3ua_dest_state m3ua_as_dest_state(const struct m3ua_as *as, uint32_t dpc)
{
	const struct m3ua_dest *d = dest_find(as, dpc);

	return d ? d->state : M3UA_DEST_UNKNOWN;
}

bool m3ua_as_dest_reachable(const struct m3ua_as *as, uint32_t dpc)
{
	const struct m3ua_dest *d = dest_find(as, dpc);

	return d ? dest_reachable(as, d) : as->active;
}

unsigned m3ua_as_num_dests(const struct m3ua_as *as)
{
	return as->num_dests;
}

bool m3ua_as_is_active(const struct m3ua_as *as)
{
	return as->active;
}

/* RFC 4666 4.5.3: on (re)activation, audit the destinations we believe are not available. */
static void send_daud(struct m3ua_as *as, struct m3ua_asp *asp)
{
	uint32_t apc[APC_MAX];
	unsigned i, n = 0;

	for (i = 0; i <= as->num_dests; i++) {
		if (i < as->num_dests && as->dests[i].state != M3UA_DEST_AVAILABLE)
			apc[n++] = htonl(as->dests[i].pc);
		if (n && (n == APC_MAX || i == as->num_dests)) {
			struct msgb *msg = m3ua_msgb_alloc(M3UA_CLS_SSNM, M3UA_SSNM_DAUD);

			if (!msg)
				return;
			if (as->cfg.na_present)
				m3ua_msgb_put_u32(msg, M3UA_IEI_NET_APPEAR, as->cfg.na);
			if (as->cfg.rc_present)
				m3ua_msgb_put_u32(msg, M3UA_IEI_ROUTE_CTX, as->cfg.rc);
			m3ua_msgb_put(msg, M3UA_IEI_AFFECTED_PC, n * 4, apc);
			m3ua_msgb_finish(msg);
			if (m3ua_asp_send(asp, msg, 0) == 0)
				ctr_inc(as, M3UA_AS_CTR_TX_DAUD);
			n = 0;
		}
	}
}

void m3ua_as_asp_state_chg(struct m3ua_as *as, struct m3ua_asp *asp)
{
	bool active = false;
	unsigned i;

	for (i = 0; i < as->num_asp; i++) {
		bool now = m3ua_asp_get_state(as->asps[i]) == M3UA_ASP_ST_ACTIVE;

		if (now && !as->asp_was_active[i])
			send_daud(as, as->asps[i]);
		as->asp_was_active[i] = now;
		active |= now;
	}
	if (active != as->active)
		LOGP(DM3UA, LOGL_NOTICE, "as(%s): %s\n", as->cfg.name, active ? "ACTIVE" : "no ASP active");
	as->active = active;
	/* All ASPs down -> MTP-PAUSE for every known DPC; the first one up -> MTP-RESUME. */
	for (i = 0; i < as->num_dests; i++)
		dest_report(as, &as->dests[i]);
}

static struct m3ua_asp *pick_asp(struct m3ua_as *as, uint8_t sls)
{
	struct m3ua_asp *act[M3UA_AS_MAX_ASP];
	unsigned i, n = 0;

	for (i = 0; i < as->num_asp; i++)
		if (m3ua_asp_get_state(as->asps[i]) == M3UA_ASP_ST_ACTIVE)
			act[n++] = as->asps[i];
	if (!n)
		return NULL;
	if (as->cfg.mode == M3UA_TMT_LOADSHARE)
		return act[sls % n];
	return act[0];
}

int m3ua_as_transfer(struct m3ua_as *as, const struct mtp_transfer *xfer)
{
	struct m3ua_asp *asp = pick_asp(as, xfer->sls);
	int rc;

	if (!asp) {
		ctr_inc(as, M3UA_AS_CTR_TX_NO_ACTIVE);
		return -ENOTCONN;
	}
	rc = m3ua_asp_send_data(asp, xfer);
	if (rc == -ENOSPC)
		ctr_inc(as, M3UA_AS_CTR_TX_QUEUE_FULL);
	else if (rc == 0)
		ctr_inc(as, M3UA_AS_CTR_TX_DATA);
	return rc;
}

uint32_t m3ua_as_check_rc_na(struct m3ua_as *as, const struct m3ua_msg *msg)
{
	const struct m3ua_param *p = m3ua_msg_find(msg, M3UA_IEI_ROUTE_CTX);
	uint32_t na;
	unsigned i;

	if (p && as->cfg.rc_present) {
		bool found = false;

		for (i = 0; i + 4 <= p->len; i += 4)
			found |= ((uint32_t)p->val[i] << 24 | p->val[i + 1] << 16 | p->val[i + 2] << 8
				  | p->val[i + 3]) == as->cfg.rc;
		if (!found) {
			ctr_inc(as, M3UA_AS_CTR_RX_BAD_RC);
			return M3UA_ERR_INVAL_ROUT_CTX;
		}
	}
	if (as->cfg.na_present && m3ua_msg_get_u32(msg, M3UA_IEI_NET_APPEAR, &na) == 0 && na != as->cfg.na) {
		ctr_inc(as, M3UA_AS_CTR_RX_BAD_NA);
		return M3UA_ERR_INVAL_NET_APPEAR;
	}
	return 0;
}

void m3ua_as_rx_data(struct m3ua_as *as, struct m3ua_asp *asp, const struct m3ua_msg *msg)
{
	struct mtp_transfer xfer;

	if (m3ua_msg_get_pdata(msg, &xfer) < 0)
		return;
	ctr_inc(as, M3UA_AS_CTR_RX_DATA);
	ctr_inc(as, M3UA_AS_CTR_RX_DATA_SI0 + (xfer.si & 0x0f));
	if (as->ops && as->ops->transfer_ind)
		as->ops->transfer_ind(as->priv, &xfer);
}

static void status(struct m3ua_as *as, uint32_t pc, int cause, int level)
{
	if (as->ops && as->ops->status_ind)
		as->ops->status_ind(as->priv, pc, cause, level);
}

/* Apply one SSNM to a destination entry. */
static void ssnm_apply(struct m3ua_as *as, struct m3ua_dest *d, uint8_t type, uint32_t extra)
{
	switch (type) {
	case M3UA_SSNM_DUNA:
		d->state = M3UA_DEST_UNAVAILABLE;
		break;
	case M3UA_SSNM_DAVA:
		d->state = M3UA_DEST_AVAILABLE;
		d->cong_level = 0;
		break;
	case M3UA_SSNM_SCON:
		d->cong_level = extra;
		if (d->state != M3UA_DEST_UNAVAILABLE)
			d->state = extra ? M3UA_DEST_CONGESTED : M3UA_DEST_AVAILABLE;
		status(as, d->pc, MTP_STATUS_CONGESTED, extra);
		break;
	case M3UA_SSNM_DUPU:
		/* RFC 4666 3.4.5: the destination is reachable, one of its user parts is not */
		status(as, d->pc, MTP_STATUS_UPU_UNKNOWN + (extra >> 16), extra & 0xffff);
		break;
	case M3UA_SSNM_DRST:
		if (d->state != M3UA_DEST_UNAVAILABLE)
			d->state = M3UA_DEST_RESTRICTED;
		status(as, d->pc, MTP_STATUS_RESTRICTED, 0);
		break;
	}
	dest_report(as, d);
}

static const uint8_t ssnm_ctr[] = {
	[M3UA_SSNM_DUNA] = M3UA_AS_CTR_RX_DUNA,
	[M3UA_SSNM_DAVA] = M3UA_AS_CTR_RX_DAVA,
	[M3UA_SSNM_SCON] = M3UA_AS_CTR_RX_SCON,
	[M3UA_SSNM_DUPU] = M3UA_AS_CTR_RX_DUPU,
	[M3UA_SSNM_DRST] = M3UA_AS_CTR_RX_DRST,
};

void m3ua_as_rx_ssnm(struct m3ua_as *as, struct m3ua_asp *asp, const struct m3ua_msg *msg)
{
	uint32_t apc[APC_MAX], extra = 0, v;
	int n, i;
	unsigned j;

	if (msg->msg_type >= ARRAY_SIZE(ssnm_ctr) || !ssnm_ctr[msg->msg_type])
		return;
	ctr_inc(as, ssnm_ctr[msg->msg_type]);
	if (msg->msg_type == M3UA_SSNM_SCON)
		extra = m3ua_msg_get_u32(msg, M3UA_IEI_CONG_IND, &v) == 0 ? (v & 0xff) : 1;
	else if (msg->msg_type == M3UA_SSNM_DUPU && m3ua_msg_get_u32(msg, M3UA_IEI_USER_CAUSE, &v) == 0)
		extra = v;
	n = m3ua_msg_get_apc(msg, apc, APC_MAX);
	for (i = 0; i < n; i++) {
		unsigned mask = apc[i] >> 24;
		uint32_t pc = apc[i] & 0xffffff;

		LOGP(DM3UA, LOGL_INFO, "as(%s): rx %s pc %u/%u\n", as->cfg.name,
		     m3ua_msg_name(msg->msg_class, msg->msg_type), pc, mask);
		if (mask == 0) {
			struct m3ua_dest *d = dest_get(as, pc);

			if (d)
				ssnm_apply(as, d, msg->msg_type, extra);
			continue;
		}
		/* RFC 4666 3.4.1: the mask wildcards the low-order bits of the point code */
		if (mask > 24)
			mask = 24;
		for (j = 0; j < as->num_dests; j++)
			if ((as->dests[j].pc >> mask) == (pc >> mask))
				ssnm_apply(as, &as->dests[j], msg->msg_type, extra);
	}
}

const uint32_t *m3ua_as_rc(const struct m3ua_as *as)
{
	return as->cfg.rc_present ? &as->cfg.rc : NULL;
}

const uint32_t *m3ua_as_na(const struct m3ua_as *as)
{
	return as->cfg.na_present ? &as->cfg.na : NULL;
}

enum m3ua_traffic_mode m3ua_as_mode(const struct m3ua_as *as)
{
	return as->cfg.mode;
}

const struct m3ua_as_cfg *m3ua_as_cfg(const struct m3ua_as *as)
{
	return &as->cfg;
}

struct m3ua_as_cfg *m3ua_as_cfg_rw(struct m3ua_as *as)
{
	return &as->cfg;
}

const char *m3ua_as_name(const struct m3ua_as *as)
{
	return as->cfg.name;
}

struct rate_ctr_group *m3ua_as_ctrg(struct m3ua_as *as)
{
	return as->ctrg;
}

uint64_t m3ua_as_ctr(const struct m3ua_as *as, enum m3ua_as_ctr ctr)
{
	return rate_ctr_group_get_ctr(as->ctrg, ctr)->current;
}
