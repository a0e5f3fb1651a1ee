/* peer_internal.h - layout of a peer site and the set of peers, shared by peer*.c only */
#pragma once
#include <pthread.h>
#include <stdatomic.h>
#include <osmocom/core/fsm.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/timer.h>
#include "admission/peer.h"

enum peer_fsm_event {
	PEER_EV_PROBE_OK,	/* data: const struct peer_feedback *, NULL if none in the answer */
	PEER_EV_PROBE_FAIL,	/* data: const int *, the status code, 0 for a timeout */
};

enum peer_ctr {
	PEER_CTR_PROBE_SENT,
	PEER_CTR_PROBE_OK,
	PEER_CTR_PROBE_FAIL,
	PEER_CTR_PROBE_TIMEOUT,
	PEER_CTR_PROBE_SEND_ERR,
	PEER_CTR_PROBE_LATE,
	PEER_CTR_DOWN,
};

struct peer {
	struct llist_head list;
	struct peer_set *set;
	char *name;
	struct peer_cfg cfg;
	struct osmo_fsm_inst *fi;
	struct rate_ctr_group *ctrg;

	/* main thread */
	unsigned int ok_in_row, fail_in_row;
	bool probe_outstanding;
	struct osmo_timer_list probe_timer;	/* next probe, every probe-interval */
	struct osmo_timer_list timeout_timer;	/* outstanding probe, probe-timeout */

	/* read by peer_select from any thread */
	atomic_int state;
	atomic_uint oc;
	uint64_t sent;		/* under set->lock */
	atomic_uint_fast64_t selected;
};

struct peer_set {
	struct llist_head peers;
	unsigned int count, max;
	pthread_mutex_t lock;	/* peer list membership and peer->sent */
	int (*send_probe)(void *priv, struct peer *p);
	void *priv;
	bool running;
};

extern struct osmo_fsm peer_fsm;
void peer_fsm_register(void);
void peer_schedule_probe(struct peer *p, unsigned int ms);
/* Main thread, on entering UP/DEGRADED from DOWN: start level with the least loaded peer. */
void peer_rebalance_joined(struct peer *p);
