/* adm_internal.h - the admission object's private layout, shared by adm*.c only */
#pragma once
#include <pthread.h>
#include <stdatomic.h>
#include <osmocom/core/timer.h>
#include "admission/adm.h"

/* Counters kept as atomics on the hot path, copied into rate_ctr_groups by adm_stats_flush()
 * on the main thread (rate_ctr_add() is not atomic). */
enum adm_ctr {
	ADM_CTR_ADMITTED,
	ADM_CTR_SHED_MEMORY,
	ADM_CTR_SHED_HARD_LIMIT,
	ADM_CTR_REFUSED_RATE_GLOBAL,
	ADM_CTR_REFUSED_RATE_SOURCE,
	ADM_CTR_REFUSED_ALREADY_SHED,
	ADM_CTR_REFUSED_NO_PEER,
	ADM_CTR_RATE_EXEMPT,	/* emergency calls over a rate limit, admitted anyway */
	ADM_CTR_REFUSED_CPU,
	_NUM_ADM_CTR
};

/* Source key: kind, address and port packed into bytes. */
#define ADM_SRC_KEY_LEN 19

struct adm_src_entry {
	uint8_t key[ADM_SRC_KEY_LEN];
	bool used;
	uint64_t tat;		/* GCRA theoretical arrival time, ns */
	uint64_t last_seen;	/* ns, for least-recently-seen eviction */
};

/* Bounded per-source rate table: open addressing, a probe window of ADM_SRC_PROBE slots,
 * the least recently seen entry of the window is evicted when no slot is free. Never grows. */
struct adm_src_table {
	pthread_spinlock_t lock;
	unsigned int size;
	unsigned int entries;
	struct adm_src_entry *slot;
	atomic_uint_fast64_t evictions;
};

/* Calls released in one second of the monotonic clock. */
struct adm_release_slot {
	atomic_uint_fast64_t sec;
	atomic_uint_fast64_t n;
};
/* Seconds of release history kept: more than the longest linger window (timer J, 32 s). */
#define ADM_LINGER_SLOTS 64

struct adm {
	struct adm_cfg cfg;			/* main thread only */

	/* derived from cfg, read by the hot path */
	atomic_uint_fast64_t budget;
	atomic_uint_fast64_t full_mark;		/* budget - reserve */
	atomic_uint_fast64_t shed_mark;		/* min(budget * shed %, full_mark) */
	atomic_uint_fast64_t hyst;
	atomic_uint_fast64_t g_interval_ns, g_tau_ns;	/* global GCRA, 0 = off */
	atomic_uint_fast64_t s_interval_ns, s_tau_ns;	/* per-source GCRA, 0 = off */
	atomic_uint retry_min, retry_max, oc_validity_ms;

	/* figures */
	atomic_uint_fast64_t cost;		/* corrected per-call estimate */
	atomic_uint_fast64_t charged;		/* sum of tickets */
	atomic_uint_fast64_t unattributed;	/* measured - charged at the last sample, >= 0 */
	atomic_uint_fast64_t inflight;		/* admitted, not charged yet: cleared every sample */
	atomic_uint_fast64_t cls_bytes[_NUM_ADM_CLASS];
	atomic_uint_fast64_t cls_calls[_NUM_ADM_CLASS];
	atomic_int state;
	atomic_uint_fast64_t oc_seq;
	atomic_uint_fast64_t g_tat;
	atomic_uint_fast64_t rnd;

	atomic_uint_fast64_t ctr[_NUM_ADM_CLASS][_NUM_ADM_CTR];
	uint64_t ctr_flushed[_NUM_ADM_CLASS][_NUM_ADM_CTR];
	atomic_uint_fast64_t state_changes;
	struct rate_ctr_group *ctrg[_NUM_ADM_CLASS];
	struct osmo_stat_item_group *statg;

	uint64_t (*now_ns)(void *priv);
	void *now_priv;
	uint64_t hash_seed;

	/* jemalloc sampling, main thread */
	bool sampling;
	uint64_t baseline;
	atomic_uint_fast64_t measured;
	uint64_t samples;
	/* Finished calls whose SIP transactions the stack still keeps (RFC 3261 timer J): their
	 * memory is measured, so they count next to the calls in progress when the per-call
	 * estimate is corrected. */
	struct adm_release_slot released[ADM_LINGER_SLOTS];
	atomic_uint linger_s;
	struct osmo_timer_list sample_timer;

	struct adm_src_table src;

	/* CPU guard (adm_cpu.c): the allowed rate is read by the hot path, the rest is main's */
	atomic_uint_fast64_t c_interval_ns, c_tau_ns, c_tat;	/* 0 = not limiting */
	atomic_uint c_occ_pct, c_limit_cps;
	struct {
		clockid_t clk[ADM_CPU_THREADS];
		unsigned int nclk, ncpu;
		uint64_t last_wall, last_proc, last_thr[ADM_CPU_THREADS], last_admitted;
		double occ, limit;		/* smoothed occupancy %, allowed cps (0: off) */
		bool running;
		struct osmo_timer_list timer;
	} cpu;
};

bool adm_gcra_conform(atomic_uint_fast64_t *tat, uint64_t iv, uint64_t tau, uint64_t now);

uint64_t adm_now(struct adm *adm);
void adm_update_state(struct adm *adm);
int adm_src_init(struct adm *adm, unsigned int size);
void adm_src_fini(struct adm *adm);
/* Per-source GCRA under the table lock: true and debited when the call conforms, false
 * (nothing debited) when the source is over its rate. */
bool adm_src_conform(struct adm *adm, const struct adm_source *src, uint64_t now);
