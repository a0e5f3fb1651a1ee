/* call.h - one call: a SIP leg joined to an ISUP leg (RFC 3398, ITU-T Q.1912.5) */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include <osmocom/core/linuxlist.h>
#include <osmocom/core/tdef.h>
#include <osmocom/core/timer.h>

#include "admission/adm.h"
#include "gateway/call_sdp.h"
#include "gateway/number.h"

struct gw;
struct cic;
struct route;
struct isup_msg;
struct sip_event;
struct osmo_fsm_inst;

enum call_dir {
	CALL_DIR_SIP_TO_ISUP,
	CALL_DIR_ISUP_TO_SIP,
};

enum call_state {
	CALL_ST_WAIT_ACM,		/* SIP->ISUP: IAM sent, T7 runs */
	CALL_ST_WAIT_ANM,		/* SIP->ISUP: ACM received, 18x sent, T9 runs */
	CALL_ST_WAIT_ACK,		/* SIP->ISUP: ANM/CON received, 200 sent */
	CALL_ST_WAIT_SIP_PROGRESS,	/* ISUP->SIP: INVITE sent */
	CALL_ST_WAIT_SIP_ANSWER,	/* ISUP->SIP: ACM sent */
	CALL_ST_ACTIVE,			/* both legs answered */
};

enum call_event {
	CALL_EV_RX_ACM,		/* data: const struct isup_msg * */
	CALL_EV_RX_CPG,		/* data: const struct isup_msg * */
	CALL_EV_RX_ANM,		/* data: const struct isup_msg * (ANM or CON) */
	CALL_EV_RX_REL,		/* data: const struct isup_msg * */
	CALL_EV_RX_SUSRES,	/* data: const struct isup_msg * (SUS or RES) */
	CALL_EV_CIC_LOST,	/* data: const int * Q.850 cause (reset, blocked, dual seizure) */
	CALL_EV_SIP_ACK,	/* data: const struct sip_event * */
	CALL_EV_SIP_CANCEL,	/* data: const struct sip_event * */
	CALL_EV_SIP_BYE,	/* data: const struct sip_event * */
	CALL_EV_SIP_PROGRESS,	/* data: const struct sip_event * (18x to our INVITE) */
	CALL_EV_SIP_ANSWER,	/* data: const struct sip_event * (2xx to our INVITE) */
	CALL_EV_SIP_FAILURE,	/* data: const struct sip_event * (final >= 300 to our INVITE) */
	CALL_EV_SIP_EXPIRED,	/* data: const struct sip_event * (session timer: BYE already sent) */
	CALL_EV_SIP_GONE,	/* data: NULL; the SIP thread freed the leg unexpectedly */
};

struct call {
	struct llist_head list;		/* gw->calls */
	struct call *hnext;		/* gw call hash chain by sip_ref */
	struct osmo_fsm_inst *fi;
	struct gw *gw;
	uint32_t id;
	enum call_dir dir;
	uint8_t cls;			/* enum adm_class */
	struct adm_ticket ticket;

	uint32_t sip_ref;
	bool sip_answered;		/* 2xx sent or received */
	bool sip_provisional;		/* 18x sent or received */
	bool sip_gone;			/* the SIP leg is already closed */
	bool esup_open;			/* an emergency attempt waits for its outcome */
	bool dialled_shed;		/* the INVITE was shed to us by a site: never redirect it again */

	struct cic *cic;
	uint32_t dpc;
	uint16_t cic_no;
	bool acm;			/* ACM/CON sent or received */

	const struct route *route0;	/* the route the number selected */
	const struct route *route;	/* the route of the current attempt */
	unsigned attempt;		/* 0 = route0, n = n-th fallback */
	unsigned hunts;			/* circuits seized in this call (dual seizure retries) */

	struct osmo_timer_list setup_timer;	/* X3: SIP->ISUP set-up over all attempts */
	struct number dialled;		/* the called number as it arrived */
	struct number called;		/* as sent on the current route */
	struct number_calling calling;
	uint8_t cpc;
	struct call_media_map media;	/* this call's media gateway when its route has one */
	char *sdp_offer;		/* SIP->ISUP: the caller's offer (talloc) */
	int cause;			/* release cause once known */
};

/* Create a call for a new INVITE admitted by the SIP thread; NULL when refused (answered). */
struct call *call_from_sip(struct gw *gw, const struct sip_event *ev);
/* A new IAM on an idle circuit: 0 if a call took it, else the Q.850 cause to release with
 * (*acl is set for cause 42). */
int call_from_isup(struct gw *gw, struct cic *cic, const struct isup_msg *iam, uint8_t *acl);

void call_rx_sip(struct call *call, const struct sip_event *ev);
void call_rx_isup(struct call *call, const struct isup_msg *msg);
void call_cic_lost(struct call *call, int cause);

struct call *call_by_sip_ref(struct gw *gw, uint32_t ref);
const char *call_state_name(const struct call *call);

/* The call FSM's timers (T7, T9 of Q.764; our own as negative numbers). */
extern struct osmo_tdef call_tdefs[];
