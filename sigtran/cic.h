/* cic.h - ISUP circuits, circuit groups, hunting and supervision (ITU-T Q.764 2.8-2.10) */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct cic;
struct cic_group;
struct isup_up;
struct isup_msg;
struct osmo_tdef;
struct rate_ctr_group;

#define CIC_CODE_MAX		4095	/* 12-bit circuit identification code (Q.763 1.2) */
#define CIC_MAX_GROUPS		64	/* circuit groups per user part */
#define CIC_MAX_DPCS		32	/* distinct DPCs with circuits */
#define CIC_GRS_RANGE_MAX	32	/* circuits in one GRS/CGB/CGU (Q.763 3.43) */
#define CIC_GPROC_MAX		64	/* group procedures (GRS/CGB/CGU) outstanding per group */

/* Causes handed to cic_user_ops.lost (Q.850 values). */
enum cic_lost_cause {
	CIC_LOST_RESET		= 41,	/* RSC/GRS received or sent, hardware blocking: temporary failure */
	CIC_LOST_DUAL_SEIZURE	= 47,	/* Q.764 2.9.1.4: we are not in control, re-hunt */
	CIC_LOST_PROTOCOL	= 111,	/* the peer's messages left the circuit state in doubt */
};

/* Block bits of a circuit (cic_block_bits) */
enum cic_block_bit {
	CIC_BLK_LOCAL_MAINT	= 0x01,	/* we sent BLO/CGB(maintenance) */
	CIC_BLK_REMOTE_MAINT	= 0x02,	/* peer sent BLO/CGB(maintenance) */
	CIC_BLK_LOCAL_HW	= 0x04,	/* we sent CGB(hardware failure) */
	CIC_BLK_REMOTE_HW	= 0x08,	/* peer sent CGB(hardware failure) */
};

enum cic_hunting {
	CIC_HUNT_ASCENDING,	/* lowest idle CIC */
	CIC_HUNT_DESCENDING,	/* highest idle CIC */
	CIC_HUNT_ODD,		/* odd CICs first (ascending), then even */
	CIC_HUNT_EVEN,		/* even CICs first (ascending), then odd */
	CIC_HUNT_LRU,		/* the circuit idle for longest */
};

/* Per circuit group counters, index into cic_group_ctrs() */
enum cic_group_ctr {
	CIC_CTR_IAM_IN,
	CIC_CTR_IAM_OUT,
	CIC_CTR_IAM_REJECTED,
	CIC_CTR_REL_IN,
	CIC_CTR_REL_OUT,
	CIC_CTR_RSC_IN,
	CIC_CTR_RSC_OUT,
	CIC_CTR_GRS_IN,
	CIC_CTR_GRS_OUT,
	CIC_CTR_BLO_IN,
	CIC_CTR_BLO_OUT,
	CIC_CTR_UBL_IN,
	CIC_CTR_UBL_OUT,
	CIC_CTR_CGB_IN,
	CIC_CTR_CGB_OUT,
	CIC_CTR_CGU_IN,
	CIC_CTR_CGU_OUT,
	CIC_CTR_UCIC,
	CIC_CTR_DUAL_SEIZURE,
	CIC_CTR_T1_EXPIRY,
	CIC_CTR_T5_EXPIRY,
	CIC_CTR_T16_EXPIRY,
	CIC_CTR_T17_EXPIRY,
	CIC_CTR_UNEXPECTED,
	CIC_CTR_MALFORMED,
	CIC_CTR_TX_FAILED,
	CIC_CTR_GPROC_FULL,
	CIC_CTR_HUNT_RESERVED,
};

/* Call control above the circuits (the gateway call FSM). */
struct cic_user_ops {
	/* a new IAM arrived on an idle circuit: the owner decides; return 0 to take the call (the
	 * circuit becomes INCOMING_BUSY with owner set through cic_set_owner) or a Q.850 cause to
	 * reject (the user part sends REL with that cause). For cause 42 the REL carries the automatic
	 * congestion level (Q.763 3.4, Q.764 2.11): *acl comes preset to 1, the owner may set 2 */
	int (*rx_iam)(void *priv, struct cic *cic, const struct isup_msg *iam, uint8_t *acl);
	/* a call message (SAM, ACM, CPG, ANM, CON, REL, SUS, RES, ...) for a busy circuit: to its owner */
	void (*rx_call_msg)(void *owner, struct cic *cic, const struct isup_msg *msg);
	/* the circuit was reset, blocked by the peer with reset semantics, or lost (dual seizure lost,
	 * RSC/GRS received): the owner must forget the circuit; cause says why (enum cic_lost_cause) */
	void (*lost)(void *owner, struct cic *cic, int cause);
};

/* Groups (cic.c). A group owns the circuits FIRST..LAST towards one DPC. */
struct cic_group *cic_group_alloc(struct isup_up *up, const char *name);	/* NULL: bad name, name taken, CIC_MAX_GROUPS reached */
void cic_group_free(struct cic_group *grp);	/* owners of busy circuits get lost(41) */
struct cic_group *cic_group_find(struct isup_up *up, const char *name);
int cic_group_set_dpc(struct cic_group *grp, uint32_t dpc);			/* -EINVAL, -EBUSY (a circuit busy), -ENOSPC */
int cic_group_set_range(struct cic_group *grp, uint16_t first, uint16_t last);	/* -EINVAL, -EBUSY, -EEXIST (overlap) */
void cic_group_set_hunting(struct cic_group *grp, enum cic_hunting h);
void cic_group_set_reset_on_resume(struct cic_group *grp, bool on);
int cic_group_set_grs_outstanding(struct cic_group *grp, unsigned max);	/* 1..CIC_GPROC_MAX */
int cic_group_set_grs_pacing_ms(struct cic_group *grp, unsigned ms);		/* 1..60000 */
/* Circuits kept for emergency calls (trunk reservation, E.412): a call that is not one is
 * given no circuit while this many or fewer could still be seized. 0..4095. */
int cic_group_set_emergency_reserve(struct cic_group *grp, unsigned n);
unsigned cic_group_emergency_reserve(const struct cic_group *grp);
/* Configured local maintenance block, applied at start and kept across rebuilds. */
int cic_group_cfg_block(struct cic_group *grp, uint16_t code, bool blocked);	/* -ERANGE outside the range */
struct osmo_tdef *cic_group_tdefs(struct cic_group *grp);	/* T1, T5, T12..T23 in seconds */
struct rate_ctr_group *cic_group_ctrs(struct cic_group *grp);
const char *cic_group_name(const struct cic_group *grp);
uint32_t cic_group_dpc(const struct cic_group *grp);
unsigned cic_group_size(const struct cic_group *grp);
struct cic *cic_group_circuit(struct cic_group *grp, unsigned idx);	/* idx 0..size-1, NULL past the end */
unsigned cic_group_gprocs(const struct cic_group *grp);		/* GRS/CGB/CGU outstanding */
unsigned cic_group_grs_queued(const struct cic_group *grp);		/* circuits still to be reset */

/* O(1): the DPC's entry, then an array indexed by CIC. NULL: unequipped. */
struct cic *cic_lookup(struct isup_up *up, uint32_t dpc, uint16_t code);

/* Outgoing calls */
int cic_hunt(struct cic_group *grp, void *owner, struct cic **out);
/* The same for a call of a class: a call that is not an emergency call is refused (-EBUSY,
 * counted hunt:reserved) when it would take one of the group's emergency-reserve circuits. */
int cic_hunt_call(struct cic_group *grp, void *owner, bool emergency, struct cic **out);	/* -EBUSY no idle circuit, -ENETUNREACH DPC paused (MTP-PAUSE), -EACCES all blocked */
int cic_send(struct cic *cic, struct isup_msg *msg);			/* sets msg->cic, encodes + MTP-TRANSFER; -ENOTCONN, -ENOSPC, -EINVAL */
void cic_release(struct cic *cic, int cause);	/* owner gives the circuit back: REL, IDLE on RLC (T1/T5 run); owner cleared at once */
void cic_release_complete(struct cic *cic);	/* owner got REL from the peer: send RLC, circuit IDLE */
void cic_set_owner(struct cic *cic, void *owner);

/* Maintenance (Q.764 2.8, 2.10) */
int cic_reset(struct cic *cic);			/* RSC (2.10.3.1); the owner gets lost(41) */
int cic_block(struct cic *cic);			/* BLO, T12/T13 (2.8.2.1); 0 if already blocked */
int cic_unblock(struct cic *cic);		/* UBL, T14/T15; 0 if not blocked */
int cic_group_reset(struct cic_group *grp);	/* paced GRS over the whole group (2.10.3.2) */
int cic_group_reset_range(struct cic_group *grp, uint16_t first, uint16_t last);	/* -ERANGE, -EBUSY (a reset already queued) */
int cic_group_block(struct cic_group *grp, uint16_t first, uint16_t last, bool hw);	/* CGB per <=32 circuits, T18/T19 */
int cic_group_unblock(struct cic_group *grp, uint16_t first, uint16_t last, bool hw);	/* CGU, T20/T21 */

/* Introspection */
uint16_t cic_code(const struct cic *cic);
uint32_t cic_dpc(const struct cic *cic);
struct cic_group *cic_group_of(const struct cic *cic);
void *cic_owner(const struct cic *cic);
unsigned cic_block_bits(const struct cic *cic);	/* enum cic_block_bit */
const char *cic_state_name(const struct cic *cic);
bool cic_is_idle(const struct cic *cic);	/* IDLE state (blocked or not) */
const char *cic_hunting_name(enum cic_hunting h);
