/* cic_priv.h - internals shared by the circuit, its FSMs, the user part and the VTY (Q.764 2.8-2.10) */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <osmocom/core/fsm.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/timer.h>

#include "common/log.h"
#include "sigtran/cic.h"
#include "sigtran/isup_up.h"

struct isup_msg;

/* Circuit FSM (cic_fsm.c) */
enum cic_fsm_state {
	CIC_ST_IDLE,
	CIC_ST_OUTGOING_BUSY,	/* seized for an outgoing call */
	CIC_ST_INCOMING_BUSY,	/* an incoming call holds it */
	CIC_ST_WAIT_RLC,	/* REL sent, T1/T5 run (Q.764 2.9.6) */
	CIC_ST_WAIT_RSC_RLC,	/* RSC sent, T16/T17 run (Q.764 2.10.3.1) */
	CIC_ST_WAIT_GRA,	/* inside a GRS of ours; T22/T23 run in the group procedure */
};

enum cic_fsm_event {
	CIC_EV_SEIZE,		/* hunting took the circuit; data: void *owner */
	CIC_EV_RX_IAM,		/* data: const struct isup_msg * */
	CIC_EV_RX_CALL_MSG,	/* SAM, ACM, CPG, ANM, CON, SUS, RES, ...; data: const struct isup_msg * */
	CIC_EV_RX_REL,		/* data: const struct isup_msg * */
	CIC_EV_RX_RLC,		/* data: const struct isup_msg * */
	CIC_EV_RX_RSC,		/* data: const struct isup_msg * */
	CIC_EV_RX_GRS,		/* the circuit lies in a GRS received; data: NULL */
	CIC_EV_RX_GRA,		/* the circuit lies in a GRA answering our GRS; data: NULL */
	CIC_EV_HW_BLOCK,	/* hardware failure blocking either way: calls cleared; data: NULL */
	CIC_EV_RELEASE,		/* owner releases; data: const int *cause (Q.850) */
	CIC_EV_RELEASE_COMPLETE,/* owner confirms a REL received; data: NULL */
	CIC_EV_RESET,		/* local reset: send RSC; data: NULL */
	CIC_EV_GRS_SENT,	/* included in a GRS of ours; data: NULL */
	CIC_EV_REFUSE,		/* refuse an IAM not handed to call control (Q.764 2.9.5.3); data: const int *cause */
};

/* Maintenance blocking procedure in progress on one circuit (Q.764 2.8.2.1) */
enum cic_mproc {
	CIC_MPROC_NONE,
	CIC_MPROC_BLO,		/* BLO sent, T12/T13 */
	CIC_MPROC_UBL,		/* UBL sent, T14/T15 */
};

/* Group procedure kinds (cic_group_fsm.c) */
enum cic_gproc_kind {
	CIC_GPROC_GRS,		/* T22/T23, Q.764 2.10.3.2 */
	CIC_GPROC_CGB,		/* T18/T19, Q.764 2.8.2.3 */
	CIC_GPROC_CGU,		/* T20/T21, Q.764 2.8.2.3 */
};

struct cic {
	struct cic_group *grp;
	uint16_t code;
	struct osmo_fsm_inst *fi;
	void *owner;
	uint8_t blk;			/* enum cic_block_bit */
	bool iam_sent;			/* outgoing: IAM went out */
	bool bwd_rx;			/* outgoing: a backward message came (dual seizure window closed) */
	bool rel_rx;			/* REL received, the owner is to confirm */
	uint8_t rel_cause;		/* cause of the REL we repeat on T1 */
	uint8_t rel_acl;		/* its automatic congestion level (cause 42 only): 1 or 2 */
	bool long_only;			/* WAIT_RSC_RLC entered on T5: RSC repeated at T17 only */
	struct timespec proc_start;	/* first REL/RSC of the running procedure */
	struct llist_head idle_entry;	/* in grp->idle_lru while IDLE */
	/* maintenance blocking procedure */
	enum cic_mproc mproc;
	struct timespec mproc_start;
	bool mproc_long;
	struct osmo_timer_list mtimer;
};

struct cic_dpc {
	uint32_t dpc;
	bool paused;
	unsigned n_groups;
	struct cic *by_code[CIC_CODE_MAX + 1];
};

struct cic_gproc;

struct cic_group {
	struct llist_head entry;	/* in up->groups */
	struct isup_up *up;
	char *name;
	uint32_t dpc;
	bool dpc_set;
	uint16_t first, last;
	bool range_set;
	enum cic_hunting hunting;
	bool reset_on_resume;
	bool in_doubt;			/* circuit states unknown: GRS on the next resume */
	unsigned grs_outstanding_max;
	unsigned grs_pacing_ms;
	unsigned emergency_reserve;	/* circuits only emergency calls may seize */
	uint32_t cfg_blocked[(CIC_CODE_MAX + 1) / 32];	/* by code */
	struct osmo_tdef *tdefs;
	struct cic_dpc *dpce;
	struct cic *cics;		/* [n], index = code - first */
	unsigned n;
	struct llist_head idle_lru;	/* idle circuits, longest idle first */
	/* group procedures */
	struct llist_head gprocs;
	unsigned n_gprocs;
	unsigned n_grs_out;
	int grs_next;			/* next code to reset, -1: none */
	int grs_last;
	struct osmo_timer_list grs_pace;
	struct rate_ctr_group *ctrs;
};

struct isup_up {
	uint32_t opc;
	uint8_t ni;
	struct isup_up_mtp_ops mtp;
	void *mtp_priv;
	const struct cic_user_ops *user;
	void *user_priv;
	struct llist_head groups;
	unsigned n_groups;
	struct cic_dpc *dpcs[CIC_MAX_DPCS];
	struct rate_ctr_group *ctrs;
};

#define LOGPCIC(c, lvl, fmt, args...) \
	LOGPFSML((c)->fi, lvl, fmt, ## args)
#define LOGPGRP(g, lvl, fmt, args...) \
	LOGP(DCIC, lvl, "circuit-group(%s): " fmt, (g)->name, ## args)

/* isup_up.c: encode, SLS from the CIC, MTP-TRANSFER; -ENOTCONN when the DPC is paused */
int isup_up_tx(struct isup_up *up, uint32_t dpc, const struct isup_msg *msg);

/* cic.c */
struct cic_dpc *cic_dpc_get(struct isup_up *up, uint32_t dpc);
int cic_tx_msg(struct cic *cic, struct isup_msg *msg);	/* encode + send, counts */
int cic_tx_simple(struct cic *cic, uint8_t type);
int cic_tx_rel(struct cic *cic, uint8_t cause);
void cic_ctr_inc(struct cic *cic, enum cic_group_ctr ctr);
uint32_t cic_group_controls_even(const struct cic_group *grp);
void cic_owner_lost(struct cic *cic, int cause);
void cic_after_reset(struct cic *cic);		/* re-assert our block after RSC/GRS (Q.764 2.10.3) */
void cic_rx_blo(struct cic *cic);
void cic_rx_bla(struct cic *cic);
void cic_rx_ubl(struct cic *cic);
void cic_rx_uba(struct cic *cic);
void cic_mproc_stop(struct cic *cic);
unsigned long cic_tdef_ms(const struct cic_group *grp, int T);
unsigned long cic_elapsed_ms(const struct timespec *since);

/* cic_fsm.c */
struct osmo_fsm_inst *cic_fsm_alloc(struct cic *cic, void *ctx);
extern struct osmo_fsm cic_fsm;

/* cic_group_fsm.c */
int cic_gproc_start(struct cic_group *grp, enum cic_gproc_kind kind, uint16_t first, uint8_t range,
		    uint32_t status, bool hw);
/* An acknowledgement (GRA, CGBA, CGUA) from the DPC of grp; false if no procedure matched. */
bool cic_gproc_rx_ack(struct cic_group *grp, const struct isup_msg *msg);
void cic_gproc_cancel_all(struct cic_group *grp);
void cic_grs_pace_start(struct cic_group *grp);
void cic_grs_pace_cb(void *data);
extern struct osmo_fsm cic_gproc_fsm;
