/* cic_group_fsm.c - circuit group procedures sent by us: GRS, CGB, CGU and GRS pacing (ITU-T Q.764 2.8.2.3, 2.10.3.2) */
#include <errno.h>
#include <osmocom/core/fsm.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "sigtran/cic_priv.h"
#include "sigtran/isup.h"

enum cic_gproc_state {
	CIC_GP_ST_WAIT_ACK,	/* GRS/CGB/CGU sent, waiting for GRA/CGBA/CGUA */
};

enum cic_gproc_event {
	CIC_GP_EV_RX_ACK,	/* the matching acknowledgement; data: const struct isup_msg * */
};

static const struct value_string cic_gproc_event_names[] = {
	OSMO_VALUE_STRING(CIC_GP_EV_RX_ACK),
	{}
};

struct cic_gproc {
	struct llist_head entry;	/* in grp->gprocs */
	struct cic_group *grp;
	struct osmo_fsm_inst *fi;
	enum cic_gproc_kind kind;
	uint16_t first;
	uint8_t range;
	uint32_t status;
	bool hw;
	bool long_only;
	struct timespec start;
};

/* Per kind: message sent, its acknowledgement, the two timers, the counter. */
static const struct {
	uint8_t msg, ack;
	int t_short, t_long;
	enum cic_group_ctr ctr;
	const char *name;
} gproc_kinds[] = {
	[CIC_GPROC_GRS] = { ISUP_MSGT_GRS, ISUP_MSGT_GRA, 22, 23, CIC_CTR_GRS_OUT, "GRS" },
	[CIC_GPROC_CGB] = { ISUP_MSGT_CGB, ISUP_MSGT_CGBA, 18, 19, CIC_CTR_CGB_OUT, "CGB" },
	[CIC_GPROC_CGU] = { ISUP_MSGT_CGU, ISUP_MSGT_CGUA, 20, 21, CIC_CTR_CGU_OUT, "CGU" },
};

static void gproc_send(struct cic_gproc *gp)
{
	struct cic_group *grp = gp->grp;
	struct isup_msg *msg;
	int rc;

	if (gp->kind == CIC_GPROC_GRS)
		msg = isup_msg_grs(gp, gp->first, gp->range);
	else
		msg = isup_msg_cg(gp, gproc_kinds[gp->kind].msg, gp->first,
				  gp->hw ? ISUP_CGSMT_HW_FAILURE : ISUP_CGSMT_MAINTENANCE, gp->range, gp->status);
	if (!msg)
		return;
	rc = isup_up_tx(grp->up, grp->dpc, msg);
	talloc_free(msg);
	rate_ctr_inc2(grp->ctrs, rc < 0 ? CIC_CTR_TX_FAILED : gproc_kinds[gp->kind].ctr);
}

/* Repeat every short T until the long T has run since the first message; then alert and
 * repeat every long T (Q.764 2.8.2.3 T18/T19, T20/T21; 2.10.3.2 T22/T23). */
static void gproc_arm(struct cic_gproc *gp)
{
	int ts = gproc_kinds[gp->kind].t_short, tl = gproc_kinds[gp->kind].t_long;
	unsigned long s = cic_tdef_ms(gp->grp, ts), l = cic_tdef_ms(gp->grp, tl);
	unsigned long el = cic_elapsed_ms(&gp->start);

	if (gp->long_only)
		osmo_fsm_inst_state_chg_ms(gp->fi, CIC_GP_ST_WAIT_ACK, l, tl);
	else if (el + s < l)
		osmo_fsm_inst_state_chg_ms(gp->fi, CIC_GP_ST_WAIT_ACK, s, ts);
	else
		osmo_fsm_inst_state_chg_ms(gp->fi, CIC_GP_ST_WAIT_ACK, l > el ? l - el : 1, tl);
}

static int gproc_timer_cb(struct osmo_fsm_inst *fi)
{
	struct cic_gproc *gp = fi->priv;

	if (fi->T == gproc_kinds[gp->kind].t_long) {
		gp->long_only = true;
		LOGPFSML(fi, LOGL_ERROR, "alarm: T%d expired, %s for CIC %u range %u unacknowledged\n",
			 fi->T, gproc_kinds[gp->kind].name, gp->first, gp->range);
	}
	gproc_send(gp);
	gproc_arm(gp);
	return 0;
}

/* GRA: the peer's status bits are its maintenance blocks, i.e. our remote blocks (Q.764 2.10.3.2). */
static void gproc_grs_done(struct cic_gproc *gp, const struct isup_msg *gra)
{
	struct cic_group *grp = gp->grp;
	unsigned i;

	for (i = 0; i <= gp->range; i++) {
		struct cic *cic = grp->dpce->by_code[gp->first + i];

		if (!cic || cic->fi->state != CIC_ST_WAIT_GRA)
			continue;
		if (gra->rs.has_status && (gra->rs.status >> i) & 1)
			cic->blk |= CIC_BLK_REMOTE_MAINT;
		else
			cic->blk &= ~CIC_BLK_REMOTE_MAINT;
		osmo_fsm_inst_dispatch(cic->fi, CIC_EV_RX_GRA, NULL);
	}
}

static void st_wait_ack(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct cic_gproc *gp = fi->priv;
	const struct isup_msg *ack = data;

	if (gp->kind == CIC_GPROC_GRS) {
		gproc_grs_done(gp, ack);
	} else if (!ack->rs.has_status || (ack->rs.status & gp->status) != gp->status) {
		/* Q.764 2.8.2.3: an acknowledgement that leaves out circuits we asked for */
		rate_ctr_inc2(gp->grp->ctrs, CIC_CTR_UNEXPECTED);
		LOGPFSML(fi, LOGL_NOTICE, "%sA status 0x%x does not cover 0x%x\n",
			 gproc_kinds[gp->kind].name, ack->rs.status, gp->status);
	}
	osmo_fsm_inst_term(fi, OSMO_FSM_TERM_REGULAR, NULL);
}

static void gproc_cleanup(struct osmo_fsm_inst *fi, enum osmo_fsm_term_cause cause)
{
	struct cic_gproc *gp = fi->priv;
	struct cic_group *grp = gp->grp;

	llist_del(&gp->entry);
	grp->n_gprocs--;
	if (gp->kind == CIC_GPROC_GRS) {
		grp->n_grs_out--;
		if (!grp->n_grs_out && grp->grs_next < 0)
			grp->in_doubt = false;
	}
}

static const struct osmo_fsm_state cic_gproc_states[] = {
	[CIC_GP_ST_WAIT_ACK] = {
		.name = "WAIT_ACK",
		.in_event_mask = 1 << CIC_GP_EV_RX_ACK,
		.out_state_mask = 1 << CIC_GP_ST_WAIT_ACK,
		.action = st_wait_ack,
	},
};

struct osmo_fsm cic_gproc_fsm = {
	.name = "cic_gproc",
	.states = cic_gproc_states,
	.num_states = ARRAY_SIZE(cic_gproc_states),
	.timer_cb = gproc_timer_cb,
	.cleanup = gproc_cleanup,
	.log_subsys = DCIC,
	.event_names = cic_gproc_event_names,
};

int cic_gproc_start(struct cic_group *grp, enum cic_gproc_kind kind, uint16_t first, uint8_t range,
		    uint32_t status, bool hw)
{
	struct osmo_fsm_inst *fi;
	struct cic_gproc *gp;
	unsigned i;
	char id[64];

	if (grp->n_gprocs >= CIC_GPROC_MAX) {
		rate_ctr_inc2(grp->ctrs, CIC_CTR_GPROC_FULL);
		LOGPGRP(grp, LOGL_ERROR, "%s for CIC %u refused: %u procedures outstanding\n",
			gproc_kinds[kind].name, first, grp->n_gprocs);
		return -ENOSPC;
	}
	snprintf(id, sizeof(id), "%s-%s-%u", grp->name, gproc_kinds[kind].name, first);
	fi = osmo_fsm_inst_alloc(&cic_gproc_fsm, grp, NULL, LOGL_DEBUG, id);
	if (!fi)
		return -ENOMEM;
	gp = talloc_zero(fi, struct cic_gproc);
	if (!gp) {
		osmo_fsm_inst_free(fi);
		return -ENOMEM;
	}
	fi->priv = gp;
	gp->fi = fi;
	gp->grp = grp;
	gp->kind = kind;
	gp->first = first;
	gp->range = range;
	gp->status = status;
	gp->hw = hw;
	osmo_clock_gettime(CLOCK_MONOTONIC, &gp->start);
	llist_add_tail(&gp->entry, &grp->gprocs);
	grp->n_gprocs++;
	if (kind == CIC_GPROC_GRS) {
		grp->n_grs_out++;
		for (i = 0; i <= range; i++) {
			struct cic *cic = grp->dpce->by_code[first + i];

			if (cic)
				osmo_fsm_inst_dispatch(cic->fi, CIC_EV_GRS_SENT, NULL);
		}
	}
	gproc_send(gp);
	gproc_arm(gp);
	return 0;
}

bool cic_gproc_rx_ack(struct cic_group *grp, const struct isup_msg *msg)
{
	struct cic_gproc *gp;

	llist_for_each_entry(gp, &grp->gprocs, entry) {
		if (gproc_kinds[gp->kind].ack != msg->type || gp->first != msg->cic ||
		    gp->range != msg->rs.range)
			continue;
		if (gp->kind != CIC_GPROC_GRS && (msg->cgsmt & 3) != (gp->hw ? ISUP_CGSMT_HW_FAILURE : 0))
			continue;
		osmo_fsm_inst_dispatch(gp->fi, CIC_GP_EV_RX_ACK, (void *)msg);
		return true;
	}
	return false;
}

void cic_gproc_cancel_all(struct cic_group *grp)
{
	struct cic_gproc *gp, *tmp;

	llist_for_each_entry_safe(gp, tmp, &grp->gprocs, entry)
		osmo_fsm_inst_term(gp->fi, OSMO_FSM_TERM_REQUEST, NULL);
}

/* One GRS per pacing tick, and never more than grs_outstanding_max unacknowledged, so a large
 * group cannot flood the peer (Q.764 2.10.3.2 leaves the rate to the exchange). */
void cic_grs_pace_cb(void *data)
{
	struct cic_group *grp = data;
	unsigned first, last;

	if (grp->grs_next < 0)
		return;
	if (!grp->dpce || grp->dpce->paused) {
		grp->grs_next = -1;
		grp->in_doubt = true;
		return;
	}
	if (grp->n_grs_out < grp->grs_outstanding_max) {
		first = grp->grs_next;
		last = first + CIC_GRS_RANGE_MAX - 1 > (unsigned)grp->grs_last ?
			(unsigned)grp->grs_last : first + CIC_GRS_RANGE_MAX - 1;
		grp->grs_next = last + 1 > (unsigned)grp->grs_last ? -1 : (int)last + 1;
		if (first == last) {
			/* GRS needs range >= 1 (Q.763 3.43): a lone circuit gets RSC */
			osmo_fsm_inst_dispatch(grp->dpce->by_code[first]->fi, CIC_EV_RESET, NULL);
		} else if (cic_gproc_start(grp, CIC_GPROC_GRS, first, last - first, 0, false) < 0) {
			/* table full: retry this range on the next tick */
			grp->grs_next = first;
		}
	}
	if (grp->grs_next >= 0)
		osmo_timer_schedule(&grp->grs_pace, grp->grs_pacing_ms / 1000,
				    (grp->grs_pacing_ms % 1000) * 1000);
	else if (!grp->n_grs_out)
		grp->in_doubt = false;
}

void cic_grs_pace_start(struct cic_group *grp)
{
	osmo_timer_del(&grp->grs_pace);
	cic_grs_pace_cb(grp);
}

static __attribute__((constructor)) void cic_gproc_fsm_register(void)
{
	OSMO_ASSERT(osmo_fsm_register(&cic_gproc_fsm) == 0);
}
