/* peer.h - peer sites: OPTIONS health probes, RFC 7339 load feedback, selection for shedding */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "admission/adm.h"

struct peer;
struct peer_set;
struct vty;

/* Threads: the probe timers, the FSM and configuration run on the main thread;
 * peer_probe_sent() and peer_probe_result() must be called there (the SIP thread posts them
 * through its queue). peer_select() and peer_select_target() may be called from any thread:
 * they read the peers' state through atomics and take the set's mutex for O(number of peers).
 * Off the main thread use peer_select_target(): a struct peer may be freed by the VTY. */

enum peer_fsm_state {
	PEER_ST_DOWN,		/* not used; waits for up-after good probes */
	PEER_ST_UP,		/* healthy, not reducing */
	PEER_ST_DEGRADED,	/* answers but asks for reduction (oc > 0): gets less */
};

enum peer_transport {
	PEER_TRANSPORT_UDP,
	PEER_TRANSPORT_TCP,
};

struct peer_cfg {
	char addr[46];			/* IPv4 or IPv6 literal, "" until configured */
	uint16_t port;
	enum peer_transport transport;
	unsigned int probe_interval_ms;
	unsigned int probe_timeout_ms;
	unsigned int up_after;		/* consecutive good probes to leave DOWN */
	unsigned int down_after;	/* consecutive failed probes to enter DOWN */
	unsigned int weight;		/* relative share among peers of the same health */
};

extern const struct peer_cfg peer_cfg_default;
extern const struct value_string peer_state_names[];
extern const struct value_string peer_transport_names[];

/* send_probe: send one OPTIONS to p; 0 when sent (a result is then expected), negative
 * errno when it could not be sent (counted as a failed probe). */
struct peer_set *peer_set_alloc(void *ctx, unsigned int max_peers,
				int (*send_probe)(void *priv, struct peer *p), void *priv);
void peer_set_free(struct peer_set *set);
/* Probing starts for peers created while the set runs and for all peers at peer_set_start. */
void peer_set_start(struct peer_set *set);
unsigned int peer_set_count(const struct peer_set *set);
/* Iterate: NULL starts, NULL ends. */
struct peer *peer_set_next(struct peer_set *set, struct peer *prev);

/* A new peer in state DOWN with peer_cfg_default. NULL with errno -ENOSPC (set full),
 * -EEXIST, -EINVAL (name), -ENOMEM. */
struct peer *peer_alloc(struct peer_set *set, const char *name, int *err);
struct peer *peer_find(struct peer_set *set, const char *name);
void peer_free(struct peer *p);
int peer_configure(struct peer *p, const struct peer_cfg *cfg);	/* -EINVAL */
const struct peer_cfg *peer_get_cfg(const struct peer *p);
const char *peer_name(const struct peer *p);
enum peer_fsm_state peer_get_state(const struct peer *p);
uint8_t peer_get_oc(const struct peer *p);		/* last oc the peer reported, 0..100 */
uint64_t peer_selected_count(const struct peer *p);	/* calls sent to it */
struct rate_ctr_group *peer_ctrg(struct peer *p);

/* The SIP layer sent a probe (also done by the probe timer when send_probe returns 0):
 * arms probe-timeout. */
void peer_probe_sent(struct peer *p);
/* The probe's answer: status_code 0 = timeout / transport error; 2xx-4xx except 408 = alive
 * (oc feedback optional: oc > 0 -> DEGRADED, else UP); 408, 5xx, 6xx = failure.
 * down-after failures in a row -> DOWN, up-after good probes in a row leave DOWN. */
void peer_probe_result(struct peer *p, int status_code, const struct peer_feedback *oc);

/* The least loaded peer with room, UP before DEGRADED, never DOWN, never exclude.
 * Load = calls sent to it relative to weight x (100 - oc). NULL when none has room:
 * the caller refuses (adm_refuse_no_peer) and never queues. */
struct peer *peer_select(struct peer_set *set, const struct peer *exclude);

/* Where to send a shed call, copied out under the set's lock: what the SIP thread should use,
 * since "no peer NAME" on the main thread may free the peer right after selection. */
struct peer_target {
	char name[33];
	char addr[46];
	uint16_t port;
	enum peer_transport transport;
};
/* peer_select() and copy the choice into out. 0, or -ENOENT when no peer has room. */
int peer_select_target(struct peer_set *set, const char *exclude_name, struct peer_target *out);
/* The same among peers whose last reported oc is at most max_oc (0..100): a shed call goes only
 * where it can be admitted (adm_peer_max_oc() per class). With max_oc 100, peers reporting 100
 * are candidates too, after every other. peer_select_target() is max_oc 99. */
int peer_select_target_oc(struct peer_set *set, const char *exclude_name, unsigned int max_oc,
			  struct peer_target *out);

void peer_vty_init(struct peer_set *set);
