/* cic.c - ISUP circuits and circuit groups: O(1) lookup, hunting, blocking (ITU-T Q.764 2.8, 2.10) */
#include <errno.h>
#include <string.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/tdef.h>
#include <osmocom/core/utils.h>

#include "sigtran/cic_priv.h"
#include "sigtran/isup.h"
#include "sigtran/mtp3.h"

/* Q.764 Annex A, Table A.1: ranges 15-60 s and 5-15 min; defaults at the low end so that a
 * lost message is recovered quickly. */
static const struct osmo_tdef cic_tdefs_default[] = {
	{ .T = 1, .default_val = 15, .min_val = 1, .max_val = 60,
	  .desc = "REL sent: repeat REL (Q.764 2.9.6)" },
	{ .T = 5, .default_val = 300, .min_val = 1, .max_val = 900,
	  .desc = "REL sent: give up, RSC and alarm (Q.764 2.9.6)" },
	{ .T = 12, .default_val = 15, .min_val = 1, .max_val = 60,
	  .desc = "BLO sent: repeat BLO (Q.764 2.8.2.1)" },
	{ .T = 13, .default_val = 300, .min_val = 1, .max_val = 900,
	  .desc = "BLO sent: alarm, repeat every T13 (Q.764 2.8.2.1)" },
	{ .T = 14, .default_val = 15, .min_val = 1, .max_val = 60,
	  .desc = "UBL sent: repeat UBL (Q.764 2.8.2.1)" },
	{ .T = 15, .default_val = 300, .min_val = 1, .max_val = 900,
	  .desc = "UBL sent: alarm, repeat every T15 (Q.764 2.8.2.1)" },
	{ .T = 16, .default_val = 15, .min_val = 1, .max_val = 60,
	  .desc = "RSC sent: repeat RSC (Q.764 2.10.3.1)" },
	{ .T = 17, .default_val = 300, .min_val = 1, .max_val = 900,
	  .desc = "RSC sent: alarm, repeat every T17 (Q.764 2.10.3.1)" },
	{ .T = 18, .default_val = 15, .min_val = 1, .max_val = 60,
	  .desc = "CGB sent: repeat CGB (Q.764 2.8.2.3)" },
	{ .T = 19, .default_val = 300, .min_val = 1, .max_val = 900,
	  .desc = "CGB sent: alarm, repeat every T19 (Q.764 2.8.2.3)" },
	{ .T = 20, .default_val = 15, .min_val = 1, .max_val = 60,
	  .desc = "CGU sent: repeat CGU (Q.764 2.8.2.3)" },
	{ .T = 21, .default_val = 300, .min_val = 1, .max_val = 900,
	  .desc = "CGU sent: alarm, repeat every T21 (Q.764 2.8.2.3)" },
	{ .T = 22, .default_val = 15, .min_val = 1, .max_val = 60,
	  .desc = "GRS sent: repeat GRS (Q.764 2.10.3.2)" },
	{ .T = 23, .default_val = 300, .min_val = 1, .max_val = 900,
	  .desc = "GRS sent: alarm, repeat every T23 (Q.764 2.10.3.2)" },
	{}
};

static const struct rate_ctr_desc cic_group_ctr_desc[] = {
	[CIC_CTR_IAM_IN] = { "iam:in", "IAM received" },
	[CIC_CTR_IAM_OUT] = { "iam:out", "IAM sent" },
	[CIC_CTR_IAM_REJECTED] = { "iam:rejected", "IAM refused by call control (REL sent)" },
	[CIC_CTR_REL_IN] = { "rel:in", "REL received" },
	[CIC_CTR_REL_OUT] = { "rel:out", "REL sent (repetitions included)" },
	[CIC_CTR_RSC_IN] = { "rsc:in", "RSC received" },
	[CIC_CTR_RSC_OUT] = { "rsc:out", "RSC sent (repetitions included)" },
	[CIC_CTR_GRS_IN] = { "grs:in", "GRS received" },
	[CIC_CTR_GRS_OUT] = { "grs:out", "GRS sent (repetitions included)" },
	[CIC_CTR_BLO_IN] = { "blo:in", "BLO received" },
	[CIC_CTR_BLO_OUT] = { "blo:out", "BLO sent" },
	[CIC_CTR_UBL_IN] = { "ubl:in", "UBL received" },
	[CIC_CTR_UBL_OUT] = { "ubl:out", "UBL sent" },
	[CIC_CTR_CGB_IN] = { "cgb:in", "CGB received" },
	[CIC_CTR_CGB_OUT] = { "cgb:out", "CGB sent" },
	[CIC_CTR_CGU_IN] = { "cgu:in", "CGU received" },
	[CIC_CTR_CGU_OUT] = { "cgu:out", "CGU sent" },
	[CIC_CTR_UCIC] = { "ucic", "messages for unequipped CICs of this DPC (UCIC sent)" },
	[CIC_CTR_DUAL_SEIZURE] = { "dual-seizure", "dual seizures (Q.764 2.9.1.4)" },
	[CIC_CTR_T1_EXPIRY] = { "t1:expired", "T1 expiries (REL repeated)" },
	[CIC_CTR_T5_EXPIRY] = { "t5:expired", "T5 expiries (RSC sent, alarm)" },
	[CIC_CTR_T16_EXPIRY] = { "t16:expired", "T16 expiries (RSC repeated)" },
	[CIC_CTR_T17_EXPIRY] = { "t17:expired", "T17 expiries (alarm)" },
	[CIC_CTR_UNEXPECTED] = { "msg:unexpected", "messages unexpected in the circuit's state" },
	[CIC_CTR_MALFORMED] = { "msg:malformed", "malformed or unrecognised messages" },
	[CIC_CTR_TX_FAILED] = { "tx:failed", "messages the MTP refused" },
	[CIC_CTR_HUNT_RESERVED] = { "hunt:reserved", "calls given no circuit: the rest is kept for emergency calls" },
	[CIC_CTR_GPROC_FULL] = { "gproc:full", "group procedures refused: table full" },
};

static const struct rate_ctr_group_desc cic_group_ctrg_desc = {
	.group_name_prefix = "cic_group",
	.group_description = "ISUP circuit group",
	.class_id = OSMO_STATS_CLASS_PEER,
	.num_ctr = ARRAY_SIZE(cic_group_ctr_desc),
	.ctr_desc = cic_group_ctr_desc,
};

static const struct value_string cic_hunting_names[] = {
	{ CIC_HUNT_ASCENDING, "ascending" },
	{ CIC_HUNT_DESCENDING, "descending" },
	{ CIC_HUNT_ODD, "odd" },
	{ CIC_HUNT_EVEN, "even" },
	{ CIC_HUNT_LRU, "lru" },
	{}
};

/* Which group counter a sent message type bumps; 0 = none (index 0 is iam:in, never sent). */
static const uint8_t tx_ctr[256] = {
	[ISUP_MSGT_IAM] = CIC_CTR_IAM_OUT,
	[ISUP_MSGT_REL] = CIC_CTR_REL_OUT,
	[ISUP_MSGT_RSC] = CIC_CTR_RSC_OUT,
	[ISUP_MSGT_GRS] = CIC_CTR_GRS_OUT,
	[ISUP_MSGT_BLO] = CIC_CTR_BLO_OUT,
	[ISUP_MSGT_UBL] = CIC_CTR_UBL_OUT,
	[ISUP_MSGT_CGB] = CIC_CTR_CGB_OUT,
	[ISUP_MSGT_CGU] = CIC_CTR_CGU_OUT,
};

static unsigned group_ctr_idx;

const char *cic_hunting_name(enum cic_hunting h)
{
	return get_value_string(cic_hunting_names, h);
}

unsigned long cic_tdef_ms(const struct cic_group *grp, int T)
{
	return osmo_tdef_get(grp->tdefs, T, OSMO_TDEF_MS, -1);
}

unsigned long cic_elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	osmo_clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

void cic_ctr_inc(struct cic *cic, enum cic_group_ctr ctr)
{
	rate_ctr_inc2(cic->grp->ctrs, ctr);
}

struct cic_dpc *cic_dpc_get(struct isup_up *up, uint32_t dpc)
{
	struct cic_dpc **free_slot = NULL;
	unsigned i;

	for (i = 0; i < CIC_MAX_DPCS; i++) {
		if (up->dpcs[i] && up->dpcs[i]->dpc == dpc)
			return up->dpcs[i];
		if (!up->dpcs[i] && !free_slot)
			free_slot = &up->dpcs[i];
	}
	if (!free_slot)
		return NULL;
	*free_slot = talloc_zero(up, struct cic_dpc);
	if (!*free_slot)
		return NULL;
	(*free_slot)->dpc = dpc;
	/* Until MTP-RESUME says otherwise the destination is not known to be reachable. */
	(*free_slot)->paused = true;
	return *free_slot;
}

/* The DPC table is a handful of entries scanned once; the CIC then indexes an array. */
struct cic *cic_lookup(struct isup_up *up, uint32_t dpc, uint16_t code)
{
	unsigned i;

	if (code > CIC_CODE_MAX)
		return NULL;
	for (i = 0; i < CIC_MAX_DPCS; i++) {
		if (up->dpcs[i] && up->dpcs[i]->dpc == dpc)
			return up->dpcs[i]->by_code[code];
	}
	return NULL;
}

/* Q.764 2.9.1.4: the exchange with the higher point code controls the even CICs. */
uint32_t cic_group_controls_even(const struct cic_group *grp)
{
	return grp->up->opc > grp->dpc;
}

static bool cic_busy(const struct cic *cic)
{
	return cic->fi->state != CIC_ST_IDLE || cic->owner;
}

static void cic_free_circuits(struct cic_group *grp)
{
	unsigned i;

	cic_gproc_cancel_all(grp);
	osmo_timer_del(&grp->grs_pace);
	grp->grs_next = -1;
	for (i = 0; i < grp->n; i++) {
		struct cic *cic = &grp->cics[i];

		cic_owner_lost(cic, CIC_LOST_RESET);
		osmo_timer_del(&cic->mtimer);
		llist_del_init(&cic->idle_entry);
		if (grp->dpce && grp->dpce->by_code[cic->code] == cic)
			grp->dpce->by_code[cic->code] = NULL;
		osmo_fsm_inst_free(cic->fi);
	}
	TALLOC_FREE(grp->cics);
	grp->n = 0;
}

static void cic_mtimer_cb(void *data);

/* (Re)create the circuits once both DPC and range are known. */
static int cic_build(struct cic_group *grp)
{
	unsigned i, n;

	cic_free_circuits(grp);
	if (!grp->dpc_set || !grp->range_set)
		return 0;
	n = grp->last - grp->first + 1;
	grp->cics = talloc_zero_array(grp, struct cic, n);
	if (!grp->cics)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct cic *cic = &grp->cics[i];

		cic->grp = grp;
		cic->code = grp->first + i;
		INIT_LLIST_HEAD(&cic->idle_entry);
		osmo_timer_setup(&cic->mtimer, cic_mtimer_cb, cic);
		if (grp->cfg_blocked[cic->code / 32] & (1u << (cic->code % 32)))
			cic->blk |= CIC_BLK_LOCAL_MAINT;
		cic->fi = cic_fsm_alloc(cic, grp->cics);
		if (!cic->fi) {
			grp->n = i;
			cic_free_circuits(grp);
			return -ENOMEM;
		}
		grp->n = i + 1;
		grp->dpce->by_code[cic->code] = cic;
	}
	grp->in_doubt = true;
	return 0;
}

static bool group_has_busy(const struct cic_group *grp)
{
	unsigned i;

	for (i = 0; i < grp->n; i++) {
		if (cic_busy(&grp->cics[i]))
			return true;
	}
	return false;
}

struct cic_group *cic_group_find(struct isup_up *up, const char *name)
{
	struct cic_group *grp;

	llist_for_each_entry(grp, &up->groups, entry) {
		if (!strcmp(grp->name, name))
			return grp;
	}
	return NULL;
}

struct cic_group *cic_group_alloc(struct isup_up *up, const char *name)
{
	struct cic_group *grp;

	if (!osmo_identifier_valid(name) || cic_group_find(up, name) || up->n_groups >= CIC_MAX_GROUPS)
		return NULL;
	grp = talloc_zero(up, struct cic_group);
	if (!grp)
		return NULL;
	grp->up = up;
	grp->name = talloc_strdup(grp, name);
	grp->tdefs = talloc_memdup(grp, cic_tdefs_default, sizeof(cic_tdefs_default));
	grp->ctrs = rate_ctr_group_alloc(grp, &cic_group_ctrg_desc, group_ctr_idx++);
	if (!grp->name || !grp->tdefs || !grp->ctrs) {
		if (grp->ctrs)
			rate_ctr_group_free(grp->ctrs);
		talloc_free(grp);
		return NULL;
	}
	rate_ctr_group_set_name(grp->ctrs, name);
	osmo_tdefs_reset(grp->tdefs);
	grp->hunting = CIC_HUNT_ASCENDING;
	grp->reset_on_resume = false;	/* reset only what is in doubt: calls survive a link flap */
	grp->in_doubt = true;
	grp->grs_outstanding_max = 4;
	grp->grs_pacing_ms = 100;
	grp->grs_next = -1;
	INIT_LLIST_HEAD(&grp->idle_lru);
	INIT_LLIST_HEAD(&grp->gprocs);
	osmo_timer_setup(&grp->grs_pace, cic_grs_pace_cb, grp);
	llist_add_tail(&grp->entry, &up->groups);
	up->n_groups++;
	return grp;
}

void cic_group_free(struct cic_group *grp)
{
	if (!grp)
		return;
	cic_free_circuits(grp);
	if (grp->dpce)
		grp->dpce->n_groups--;
	llist_del(&grp->entry);
	grp->up->n_groups--;
	rate_ctr_group_free(grp->ctrs);
	talloc_free(grp);
}

int cic_group_set_dpc(struct cic_group *grp, uint32_t dpc)
{
	struct cic_dpc *dpce;
	unsigned i;

	if (dpc > MTP3_PC_MAX)
		return -EINVAL;
	if (grp->dpc_set && grp->dpc == dpc)
		return 0;
	if (group_has_busy(grp))
		return -EBUSY;
	dpce = cic_dpc_get(grp->up, dpc);
	if (!dpce)
		return -ENOSPC;
	if (grp->range_set) {
		for (i = grp->first; i <= grp->last; i++) {
			if (dpce->by_code[i])
				return -EEXIST;
		}
	}
	cic_free_circuits(grp);
	if (grp->dpce)
		grp->dpce->n_groups--;
	grp->dpce = dpce;
	dpce->n_groups++;
	grp->dpc = dpc;
	grp->dpc_set = true;
	return cic_build(grp);
}

int cic_group_set_range(struct cic_group *grp, uint16_t first, uint16_t last)
{
	unsigned i;

	if (first > last || last > CIC_CODE_MAX)
		return -EINVAL;
	if (grp->range_set && grp->first == first && grp->last == last)
		return 0;
	if (group_has_busy(grp))
		return -EBUSY;
	if (grp->dpce) {
		for (i = first; i <= last; i++) {
			struct cic *other = grp->dpce->by_code[i];

			if (other && other->grp != grp)
				return -EEXIST;
		}
	}
	cic_free_circuits(grp);
	grp->first = first;
	grp->last = last;
	grp->range_set = true;
	return cic_build(grp);
}

void cic_group_set_hunting(struct cic_group *grp, enum cic_hunting h)
{
	grp->hunting = h;
}

void cic_group_set_reset_on_resume(struct cic_group *grp, bool on)
{
	grp->reset_on_resume = on;
}

int cic_group_set_grs_outstanding(struct cic_group *grp, unsigned max)
{
	if (max < 1 || max > CIC_GPROC_MAX)
		return -EINVAL;
	grp->grs_outstanding_max = max;
	return 0;
}

int cic_group_set_emergency_reserve(struct cic_group *grp, unsigned n)
{
	if (n > 4095)
		return -EINVAL;
	grp->emergency_reserve = n;
	return 0;
}

unsigned cic_group_emergency_reserve(const struct cic_group *grp)
{
	return grp->emergency_reserve;
}

int cic_group_set_grs_pacing_ms(struct cic_group *grp, unsigned ms)
{
	if (ms < 1 || ms > 60000)
		return -EINVAL;
	grp->grs_pacing_ms = ms;
	return 0;
}

int cic_group_cfg_block(struct cic_group *grp, uint16_t code, bool blocked)
{
	if (!grp->range_set || code < grp->first || code > grp->last)
		return -ERANGE;
	if (blocked)
		grp->cfg_blocked[code / 32] |= 1u << (code % 32);
	else
		grp->cfg_blocked[code / 32] &= ~(1u << (code % 32));
	return 0;
}

struct osmo_tdef *cic_group_tdefs(struct cic_group *grp) { return grp->tdefs; }
struct rate_ctr_group *cic_group_ctrs(struct cic_group *grp) { return grp->ctrs; }
const char *cic_group_name(const struct cic_group *grp) { return grp->name; }
uint32_t cic_group_dpc(const struct cic_group *grp) { return grp->dpc; }
unsigned cic_group_size(const struct cic_group *grp) { return grp->n; }
unsigned cic_group_gprocs(const struct cic_group *grp) { return grp->n_gprocs; }

unsigned cic_group_grs_queued(const struct cic_group *grp)
{
	return grp->grs_next < 0 ? 0 : grp->grs_last - grp->grs_next + 1;
}

struct cic *cic_group_circuit(struct cic_group *grp, unsigned idx)
{
	return idx < grp->n ? &grp->cics[idx] : NULL;
}

uint16_t cic_code(const struct cic *cic) { return cic->code; }
uint32_t cic_dpc(const struct cic *cic) { return cic->grp->dpc; }
struct cic_group *cic_group_of(const struct cic *cic) { return cic->grp; }
void *cic_owner(const struct cic *cic) { return cic->owner; }
unsigned cic_block_bits(const struct cic *cic) { return cic->blk; }
const char *cic_state_name(const struct cic *cic) { return osmo_fsm_inst_state_name(cic->fi); }
bool cic_is_idle(const struct cic *cic) { return cic->fi->state == CIC_ST_IDLE; }

void cic_set_owner(struct cic *cic, void *owner)
{
	cic->owner = owner;
}

void cic_owner_lost(struct cic *cic, int cause)
{
	void *owner = cic->owner;
	const struct cic_user_ops *ops = cic->grp->up->user;

	cic->owner = NULL;
	if (owner && ops && ops->lost)
		ops->lost(owner, cic, cause);
}

/* A circuit waiting in the paced GRS queue is idle but not yet reset: a call seized on it
 * would be cleared by its own group's GRS moments later (Q.764 2.10.3.2). */
static bool grs_queued(const struct cic_group *grp, const struct cic *cic)
{
	return grp->grs_next >= 0 && cic->code >= grp->grs_next && cic->code <= grp->grs_last;
}

/* Hunting: the order in which idle circuits are tried. The first circuit in that order, if
 * at least `need` could be seized (need > 1 keeps the rest for emergency calls). */
static struct cic *hunt_scan(struct cic_group *grp, bool *any_unblocked, unsigned need)
{
	unsigned pass, i, n = grp->n, found = 0;
	struct cic *cic, *first = NULL;

	if (grp->hunting == CIC_HUNT_LRU) {
		llist_for_each_entry(cic, &grp->idle_lru, idle_entry) {
			if (cic->blk || grs_queued(grp, cic))
				continue;
			if (!first)
				first = cic;
			if (++found >= need)
				return first;
		}
		found = 0;
		first = NULL;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			unsigned idx = grp->hunting == CIC_HUNT_DESCENDING ? n - 1 - i : i;

			cic = &grp->cics[idx];
			if (!cic->blk)
				*any_unblocked = true;
			if (grp->hunting == CIC_HUNT_ODD && (cic->code & 1) != (pass == 0))
				continue;
			if (grp->hunting == CIC_HUNT_EVEN && (cic->code & 1) != (pass == 1))
				continue;
			if (grp->hunting != CIC_HUNT_ODD && grp->hunting != CIC_HUNT_EVEN && pass)
				continue;
			if (cic->blk || cic->fi->state != CIC_ST_IDLE || cic->owner
			    || grs_queued(grp, cic))
				continue;
			if (!first)
				first = cic;
			if (++found >= need)
				return first;
		}
	}
	if (first)
		rate_ctr_inc2(grp->ctrs, CIC_CTR_HUNT_RESERVED);
	return NULL;
}

int cic_hunt(struct cic_group *grp, void *owner, struct cic **out)
{
	return cic_hunt_call(grp, owner, true, out);
}

int cic_hunt_call(struct cic_group *grp, void *owner, bool emergency, struct cic **out)
{
	bool any_unblocked = false;
	struct cic *cic;

	if (!grp->dpce || grp->dpce->paused)
		return -ENETUNREACH;
	cic = hunt_scan(grp, &any_unblocked, emergency ? 1 : grp->emergency_reserve + 1);
	if (!cic)
		return any_unblocked ? -EBUSY : -EACCES;
	osmo_fsm_inst_dispatch(cic->fi, CIC_EV_SEIZE, owner);
	*out = cic;
	return 0;
}

int cic_tx_msg(struct cic *cic, struct isup_msg *msg)
{
	struct cic_group *grp = cic->grp;
	int rc;

	msg->cic = cic->code;
	rc = isup_up_tx(grp->up, grp->dpc, msg);
	if (rc < 0) {
		rate_ctr_inc2(grp->ctrs, CIC_CTR_TX_FAILED);
		LOGPCIC(cic, LOGL_NOTICE, "tx %s failed: %s\n", isup_msg_type_name(msg->type), strerror(-rc));
		return rc;
	}
	if (tx_ctr[msg->type])
		rate_ctr_inc2(grp->ctrs, tx_ctr[msg->type]);
	return 0;
}

int cic_tx_simple(struct cic *cic, uint8_t type)
{
	struct isup_msg *msg = isup_msg_simple(cic->grp, type, cic->code);
	int rc;

	if (!msg)
		return -ENOMEM;
	rc = cic_tx_msg(cic, msg);
	talloc_free(msg);
	return rc;
}

int cic_tx_rel(struct cic *cic, uint8_t cause)
{
	struct isup_msg *msg = isup_msg_rel(cic->grp, cic->code, cause, ISUP_LOC_PUB_LOCAL);
	int rc;

	if (!msg)
		return -ENOMEM;
	/* Q.764 2.9.1.3 / Q.763 3.33: REL for congestion carries the automatic congestion level */
	if (cause == 42) {
		msg->acl = cic->rel_acl == 2 ? 2 : 1;
		ISUP_SET(msg, ISUP_P_ACL);
	}
	rc = cic_tx_msg(cic, msg);
	talloc_free(msg);
	return rc;
}

/* Messages the circuit procedures own; the call owner may not send them around the FSM. */
static const bool owner_may_not_send[256] = {
	[ISUP_MSGT_REL] = true, [ISUP_MSGT_RLC] = true, [ISUP_MSGT_RSC] = true,
	[ISUP_MSGT_GRS] = true, [ISUP_MSGT_GRA] = true, [ISUP_MSGT_BLO] = true,
	[ISUP_MSGT_BLA] = true, [ISUP_MSGT_UBL] = true, [ISUP_MSGT_UBA] = true,
	[ISUP_MSGT_CGB] = true, [ISUP_MSGT_CGBA] = true, [ISUP_MSGT_CGU] = true,
	[ISUP_MSGT_CGUA] = true, [ISUP_MSGT_UCIC] = true,
};

int cic_send(struct cic *cic, struct isup_msg *msg)
{
	if (owner_may_not_send[msg->type])
		return -EINVAL;
	if (cic->fi->state != CIC_ST_OUTGOING_BUSY && cic->fi->state != CIC_ST_INCOMING_BUSY)
		return -EINVAL;
	if (msg->type == ISUP_MSGT_IAM) {
		if (cic->fi->state != CIC_ST_OUTGOING_BUSY)
			return -EINVAL;
		cic->iam_sent = true;
	}
	return cic_tx_msg(cic, msg);
}

void cic_release(struct cic *cic, int cause)
{
	osmo_fsm_inst_dispatch(cic->fi, CIC_EV_RELEASE, &cause);
}

void cic_release_complete(struct cic *cic)
{
	osmo_fsm_inst_dispatch(cic->fi, CIC_EV_RELEASE_COMPLETE, NULL);
}

int cic_reset(struct cic *cic)
{
	osmo_fsm_inst_dispatch(cic->fi, CIC_EV_RESET, NULL);
	return 0;
}

/* Maintenance blocking procedure: repeat every short T until the long T has run since the first
 * message, then alert and repeat every long T (Q.764 2.8.2.1 T12/T13, T14/T15). */
static void mproc_send(struct cic *cic)
{
	cic_tx_simple(cic, cic->mproc == CIC_MPROC_BLO ? ISUP_MSGT_BLO : ISUP_MSGT_UBL);
}

static void mproc_arm(struct cic *cic)
{
	int t_short = cic->mproc == CIC_MPROC_BLO ? 12 : 14;
	unsigned long s = cic_tdef_ms(cic->grp, t_short), l = cic_tdef_ms(cic->grp, t_short + 1);
	unsigned long el = cic_elapsed_ms(&cic->mproc_start), ms;

	if (cic->mproc_long)
		ms = l;
	else
		ms = el + s < l ? s : (l > el ? l - el : 1);
	osmo_timer_schedule(&cic->mtimer, ms / 1000, (ms % 1000) * 1000);
}

static void mproc_start(struct cic *cic, enum cic_mproc p)
{
	osmo_timer_del(&cic->mtimer);
	cic->mproc = p;
	cic->mproc_long = false;
	osmo_clock_gettime(CLOCK_MONOTONIC, &cic->mproc_start);
	mproc_send(cic);
	mproc_arm(cic);
}

static void cic_mtimer_cb(void *data)
{
	struct cic *cic = data;
	int t_long = cic->mproc == CIC_MPROC_BLO ? 13 : 15;

	if (cic->mproc == CIC_MPROC_NONE)
		return;
	if (!cic->mproc_long && cic_elapsed_ms(&cic->mproc_start) >= cic_tdef_ms(cic->grp, t_long)) {
		cic->mproc_long = true;
		LOGPCIC(cic, LOGL_ERROR, "alarm: T%d expired, no %s from the peer\n", t_long,
			cic->mproc == CIC_MPROC_BLO ? "BLA" : "UBA");
	}
	mproc_send(cic);
	mproc_arm(cic);
}

void cic_mproc_stop(struct cic *cic)
{
	cic->mproc = CIC_MPROC_NONE;
	osmo_timer_del(&cic->mtimer);
}

/* With the DPC paused nothing can be said: the block is kept and the next MTP-RESUME resets
 * the group, after which BLO follows (Q.764 2.10.3.2). */
static bool defer_while_paused(struct cic *cic)
{
	if (cic->grp->dpce && !cic->grp->dpce->paused)
		return false;
	cic_mproc_stop(cic);
	cic->grp->in_doubt = true;
	return true;
}

int cic_block(struct cic *cic)
{
	if ((cic->blk & CIC_BLK_LOCAL_MAINT) && cic->mproc != CIC_MPROC_UBL)
		return 0;
	cic->blk |= CIC_BLK_LOCAL_MAINT;
	if (defer_while_paused(cic))
		return 0;
	LOGPCIC(cic, LOGL_INFO, "local maintenance block\n");
	mproc_start(cic, CIC_MPROC_BLO);
	return 0;
}

int cic_unblock(struct cic *cic)
{
	if (!(cic->blk & CIC_BLK_LOCAL_MAINT) && cic->mproc != CIC_MPROC_BLO)
		return 0;
	cic->blk &= ~CIC_BLK_LOCAL_MAINT;
	if (defer_while_paused(cic))
		return 0;
	LOGPCIC(cic, LOGL_INFO, "local maintenance unblock\n");
	mproc_start(cic, CIC_MPROC_UBL);
	return 0;
}

/* Q.764 2.10.3.1 / 2.10.3.2: a reset clears the peer's view of our blocking; say it again. */
void cic_after_reset(struct cic *cic)
{
	if (cic->blk & CIC_BLK_LOCAL_MAINT)
		mproc_start(cic, CIC_MPROC_BLO);
	else if (cic->mproc == CIC_MPROC_UBL)
		cic_mproc_stop(cic);
}

/* Q.764 2.8.2.1: BLO -> BLA; calls in progress continue, no new outgoing calls. */
void cic_rx_blo(struct cic *cic)
{
	rate_ctr_inc2(cic->grp->ctrs, CIC_CTR_BLO_IN);
	cic->blk |= CIC_BLK_REMOTE_MAINT;
	cic_tx_simple(cic, ISUP_MSGT_BLA);
}

void cic_rx_ubl(struct cic *cic)
{
	rate_ctr_inc2(cic->grp->ctrs, CIC_CTR_UBL_IN);
	cic->blk &= ~CIC_BLK_REMOTE_MAINT;
	cic_tx_simple(cic, ISUP_MSGT_UBA);
}

/* Q.764 2.9.5.1 (unexpected BLA/UBA): answer so that both ends agree on the blocking state. */
void cic_rx_bla(struct cic *cic)
{
	if (cic->mproc == CIC_MPROC_BLO) {
		cic_mproc_stop(cic);
		return;
	}
	rate_ctr_inc2(cic->grp->ctrs, CIC_CTR_UNEXPECTED);
	if (!(cic->blk & CIC_BLK_LOCAL_MAINT))
		cic_tx_simple(cic, ISUP_MSGT_UBL);
}

void cic_rx_uba(struct cic *cic)
{
	if (cic->mproc == CIC_MPROC_UBL) {
		cic_mproc_stop(cic);
		return;
	}
	rate_ctr_inc2(cic->grp->ctrs, CIC_CTR_UNEXPECTED);
	if (cic->blk & CIC_BLK_LOCAL_MAINT)
		cic_tx_simple(cic, ISUP_MSGT_BLO);
}

static int group_range_check(struct cic_group *grp, uint16_t first, uint16_t last)
{
	if (!grp->n || first > last || first < grp->first || last > grp->last)
		return -ERANGE;
	if (!grp->dpce || grp->dpce->paused)
		return -ENOTCONN;
	return 0;
}

/* CGB/CGU carry a range of at least two circuits (range code >= 1, Q.763 3.43); a lone circuit
 * is sent with a neighbour whose status bit stays 0. */
static int group_blocking(struct cic_group *grp, uint16_t first, uint16_t last, bool hw, bool block)
{
	unsigned code, i;
	int rc = group_range_check(grp, first, last);

	if (rc < 0)
		return rc;
	for (code = first; code <= last; code += CIC_GRS_RANGE_MAX) {
		unsigned end = code + CIC_GRS_RANGE_MAX - 1 > last ? last : code + CIC_GRS_RANGE_MAX - 1;
		unsigned start = code, range = end - code;
		uint32_t status = 0;
		uint8_t bit = hw ? CIC_BLK_LOCAL_HW : CIC_BLK_LOCAL_MAINT;

		for (i = code; i <= end; i++) {
			struct cic *cic = &grp->cics[i - grp->first];

			status |= 1u << (i - code);
			if (block) {
				cic->blk |= bit;
				if (hw)
					osmo_fsm_inst_dispatch(cic->fi, CIC_EV_HW_BLOCK, NULL);
			} else {
				cic->blk &= ~bit;
			}
			if (!hw)
				cic_mproc_stop(cic);
		}
		if (range == 0) {
			if (code < CIC_CODE_MAX) {
				range = 1;
			} else {
				start = code - 1;
				range = 1;
				status <<= 1;
			}
		}
		rc = cic_gproc_start(grp, block ? CIC_GPROC_CGB : CIC_GPROC_CGU, start, range, status, hw);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int cic_group_block(struct cic_group *grp, uint16_t first, uint16_t last, bool hw)
{
	return group_blocking(grp, first, last, hw, true);
}

int cic_group_unblock(struct cic_group *grp, uint16_t first, uint16_t last, bool hw)
{
	return group_blocking(grp, first, last, hw, false);
}

int cic_group_reset_range(struct cic_group *grp, uint16_t first, uint16_t last)
{
	if (!grp->n || first > last || first < grp->first || last > grp->last)
		return -ERANGE;
	if (grp->grs_next >= 0)
		return -EBUSY;
	if (!grp->dpce || grp->dpce->paused) {
		/* done on the next MTP-RESUME */
		grp->in_doubt = true;
		return -ENOTCONN;
	}
	grp->grs_next = first;
	grp->grs_last = last;
	cic_grs_pace_start(grp);
	return 0;
}

int cic_group_reset(struct cic_group *grp)
{
	if (!grp->n)
		return -ERANGE;
	return cic_group_reset_range(grp, grp->first, grp->last);
}
