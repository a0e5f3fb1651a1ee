/* sip_priv.h - SIP front end internals shared by gateway/sip_*.c only (sees Sofia-SIP) */
#pragma once
#include <stdatomic.h>
#include <stdbool.h>
#include <pthread.h>

#define SU_ROOT_MAGIC_T struct sip_stack
#define NTA_AGENT_MAGIC_T struct sip_stack
#define NTA_LEG_MAGIC_T struct sip_call
#define NTA_INCOMING_MAGIC_T struct sip_call
#define NTA_OUTGOING_MAGIC_T struct sip_call
#define NTA_RELIABLE_MAGIC_T struct sip_call
#define SU_TIMER_ARG_T struct sip_call
#define SU_MSG_ARG_T struct sip_cmd

#include <sofia-sip/su.h>
#include <sofia-sip/su_wait.h>
#include <sofia-sip/su_string.h>
#include <sofia-sip/nta.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/nta_stateless.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/su_tagarg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_extra.h>
#include <sofia-sip/tport_tag.h>

#include <osmocom/core/it_q.h>
#include <osmocom/core/timer.h>

#include "gateway/sip.h"

struct sip_stack;

/* URL_STRING_MAKE() on a char array trips -Waddress */
static inline url_string_t *sip_url_str(const char *s)
{
	return (url_string_t *)(s && *s ? s : NULL);
}

/* Per-call state in the SIP thread. Allocated with malloc (not talloc: it is Sofia's magic). */
enum sip_call_state {
	SIP_CALL_ST_WAIT_ANSWER,	/* incoming INVITE handed to main, waiting sip_fe_respond */
	SIP_CALL_ST_WAIT_ACK,		/* 2xx sent, waiting ACK */
	SIP_CALL_ST_WAIT_FINAL,		/* outgoing INVITE sent, waiting final response */
	SIP_CALL_ST_CONFIRMED,		/* dialog established */
	SIP_CALL_ST_WAIT_BYE_RESP,	/* BYE sent, waiting its response */
	_NUM_SIP_CALL_ST
};

struct sip_call {
	struct sip_call *hnext;		/* hash chain */
	struct sip_stack *stk;
	uint32_t ref;
	enum sip_call_state st;
	bool outgoing;
	bool rel100;			/* send reliable provisionals */
	bool cancelled;			/* outgoing: CANCEL requested */
	bool uac_refresher;		/* RFC 4028: the peer refreshes when we are UAS and refresher=uac */
	nta_leg_t *leg;
	nta_incoming_t *irq;		/* initial incoming INVITE */
	nta_outgoing_t *orq;		/* initial outgoing INVITE / BYE in flight */
	su_timer_t *se_timer;		/* session timer (RFC 4028 10: expiry -> BYE) */
	unsigned se;			/* s, negotiated Session-Expires; 0 = none */
	char *local_sdp;		/* malloc'd copy of our SDP for re-INVITE/UPDATE answers */
	int q850_cause;			/* for the BYE/CANCEL we send */
};

enum sip_cmd_type {
	SIP_CMD_RESPOND,
	SIP_CMD_BYE,
	SIP_CMD_INVITE,
	SIP_CMD_CANCEL,
	SIP_CMD_OPTIONS,
	SIP_CMD_STOP,
};

/* Carried in a su_msg; the strings are packed after the struct in the same allocation */
struct sip_cmd {
	enum sip_cmd_type type;
	uint32_t ref;
	int status;
	int q850_cause;
	bool creates_state;		/* counted against cmd_queue_len */
	const char *reason;
	const char *sdp;
	const char *target_uri, *next_hop, *from_uri, *from_display, *pai_uri, *cpc;
	int privacy_id;
	char strings[];
};

/* SIP thread state, touched only by that thread except where noted */
struct sip_stack {
	struct sip_fe *fe;
	su_home_t home[1];
	su_root_t *root;
	nta_agent_t *agent;
	struct sip_call **hash;
	unsigned hash_mask;
	unsigned ncalls;
	uint32_t next_ref;
	su_timer_t *stats_timer;
	struct sip_pending *overflow_head, *overflow_tail;	/* events the full queue did not take */
	su_timer_t *overflow_timer;
	unsigned nprobes;		/* OPTIONS probes in flight */
	char contact[128];		/* our Contact URI */
};

/* Shared between the two threads */
struct sip_fe {
	struct sip_fe_cfg cfg;
	sip_admit_fn admit;
	void *admit_priv;
	sip_event_fn event_cb;
	void *priv;

	pthread_t thread;
	pthread_mutex_t start_mtx;
	pthread_cond_t start_cond;
	int start_rc;			/* 1 running, <0 failed */
	struct sip_stack *stk;		/* set by the SIP thread before start_rc */
	su_root_t *root;		/* its su_root_task() is the command target */

	struct osmo_it_q *evq;		/* SIP -> main, max event_queue_len + event_reserve */
	atomic_uint evq_len;		/* our own count: admission looks at it without the queue lock */
	atomic_uint cmd_len;		/* state-creating commands in flight */
	atomic_uint dialogs;
	atomic_uint_fast64_t ctr[_NUM_SIP_CTR];

	struct rate_ctr_group *ctrg;	/* main thread only */
	struct osmo_stat_item_group *statg;	/* main thread only */
	struct osmo_timer_list sync_timer;	/* main thread only */
};

/* One event in the queue: malloc'd in the SIP thread, freed in main after the callback */
struct sip_pending {
	struct llist_head list;
	struct sip_pending *next;	/* overflow chain while it waits in the SIP thread */
	struct sip_event ev;
	char strings[];
};

static inline void sip_ctr_inc(struct sip_fe *fe, enum sip_ctr c)
{
	atomic_fetch_add_explicit(&fe->ctr[c], 1, memory_order_relaxed);
}

void sip_ctr_tx_status(struct sip_fe *fe, int status);

/* sip_fe.c: hand events to main */
int sip_ev_send(struct sip_stack *stk, struct sip_pending *p);
struct sip_pending *sip_ev_alloc(enum sip_event_type type, uint32_t ref, size_t strings_len);
/* Event for an existing call with optional SDP; never dropped */
void sip_ev_simple(struct sip_stack *stk, enum sip_event_type type, uint32_t ref, int status, int q850,
		   const char *sdp, size_t sdp_len);

/* sip_call.c */
struct sip_call *sip_call_alloc(struct sip_stack *stk, uint32_t ref, bool outgoing);
struct sip_call *sip_call_find(struct sip_stack *stk, uint32_t ref);
void sip_call_free(struct sip_call *call);
void sip_call_set_state(struct sip_call *call, enum sip_call_state st);
int sip_call_set_sdp(struct sip_call *call, const char *sdp);
void sip_call_se_start(struct sip_call *call);
void sip_call_send_bye(struct sip_call *call, int q850_cause);
int sip_call_leg_cb(struct sip_call *call, nta_leg_t *leg, nta_incoming_t *irq, const sip_t *sip);
int sip_reason_q850(const sip_t *sip);
void sip_call_free_all(struct sip_stack *stk);

/* sip_uas.c */
int sip_uas_agent_cb(struct sip_stack *stk, nta_agent_t *agent, msg_t *msg, sip_t *sip);
void sip_uas_respond(struct sip_stack *stk, const struct sip_cmd *cmd);
void sip_oc_to_via(msg_t *msg, sip_t *sip, const struct sip_oc *oc);

/* sip_uac.c */
void sip_uac_invite(struct sip_stack *stk, const struct sip_cmd *cmd);
void sip_uac_cancel(struct sip_stack *stk, const struct sip_cmd *cmd);
void sip_uac_options(struct sip_stack *stk, const struct sip_cmd *cmd);
