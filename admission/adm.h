/* adm.h - memory-bounded call admission: budget, classes, reserve, rate limits (RFC 7339, Q.764 2.11) */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <time.h>
#include <osmocom/core/utils.h>

struct adm;
struct vty;
struct rate_ctr_group;
struct osmo_stat_item_group;

/* Concurrency: adm_admit(), adm_call_charge(), adm_call_adjust(), adm_call_release() and
 * adm_overload_feedback() may be called from the SIP thread and the main thread at once.
 * The budget figures, the state, the global rate limiter and the counters are C11 atomics
 * (lock-free). The per-source rate table is the one critical section: a spinlock held for a
 * bounded probe of ADM_SRC_PROBE slots, never across a call into another module.
 * Everything else (config, VTY, jemalloc sampling, stats flush, adm_free) runs on the main
 * thread only. */

enum adm_class {
	ADM_CLASS_EMERGENCY,
	ADM_CLASS_PRIORITY,
	ADM_CLASS_ORDINARY,
	_NUM_ADM_CLASS
};

enum adm_verdict {
	ADM_ADMIT,	/* go ahead: charge a ticket before allocating call state */
	ADM_SHED,	/* send elsewhere: apply the class's shed-mode (redirect/forward/reject) */
	ADM_REFUSE,	/* answer 503 (SIP) / release cause 42 with ACL (ISUP) from struct adm_refusal */
};

enum adm_state {
	ADM_ST_NORMAL,		/* below the shed mark: everything admitted */
	ADM_ST_SHEDDING,	/* above the shed mark: ordinary calls shed */
	ADM_ST_FULL,		/* at budget - reserve: only emergency calls, from the reserve */
	_NUM_ADM_STATE
};

enum adm_reason {
	ADM_R_NONE,
	ADM_R_MEMORY,		/* above the shed mark (ordinary) or in FULL (priority, ordinary) */
	ADM_R_HARD_LIMIT,	/* the call would take used past the budget, reserve included */
	ADM_R_RATE_GLOBAL,	/* global new-call rate exceeded */
	ADM_R_RATE_SOURCE,	/* this source's new-call rate exceeded */
	ADM_R_ALREADY_SHED,	/* the request carries a shed marker: shed at most once */
	ADM_R_NO_PEER,		/* shed, but no peer site has room (adm_refuse_no_peer) */
	ADM_R_CPU,		/* over the new-call rate the CPU guard allows (adm_cpu.c) */
	_NUM_ADM_REASON
};

enum adm_shed_mode {
	ADM_SHED_REDIRECT,	/* 302 to a healthy peer site */
	ADM_SHED_FORWARD,	/* stateless forward to a healthy peer site */
	ADM_SHED_REJECT,	/* 503 Retry-After here */
	_NUM_ADM_SHED_MODE
};

/* Who sent the call: the key of the per-source rate bucket. */
enum adm_source_kind {
	ADM_SRC_NONE,		/* unknown source: only the global rate applies */
	ADM_SRC_IPV4,
	ADM_SRC_IPV6,
	ADM_SRC_ISUP_OPC,
};

struct adm_source {
	enum adm_source_kind kind;
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint32_t opc;		/* MTP3 originating point code */
	} addr;
	uint16_t port;			/* 0 for ISUP */
	/* The request carries our shed marker (adm_shed_marked()): a call already shed once is
	 * refused with ADM_R_ALREADY_SHED instead of being shed again. */
	bool already_shed;
};

/* RFC 7339 overload control feedback, also what a peer says about itself. */
struct peer_feedback {
	bool present;			/* the answer carried oc parameters */
	uint8_t oc;			/* loss algorithm: percentage of requests to drop, 0..100 */
	uint32_t validity_ms;		/* oc-validity */
	uint64_t seq;			/* oc-seq (integer part; print as "%llu.0") */
	char algo[8];			/* oc-algo, "loss" */
};

struct adm_refusal {
	enum adm_reason reason;
	unsigned int retry_after_s;	/* jittered in [retry-after MIN, MAX] */
	struct peer_feedback oc;	/* Via ;oc=...;oc-validity=...;oc-seq=...;oc-algo="loss" */
	uint8_t isup_acl;		/* Q.763 3.4 automatic congestion level: 1 or 2 */
};

/* One admitted call's charge. Zero-initialise; owned by the call. */
struct adm_ticket {
	uint8_t cls;			/* enum adm_class */
	bool charged;
	size_t bytes;			/* what this call has charged against the budget */
};

struct adm_cfg {
	uint64_t budget;			/* bytes of call-caused memory */
	unsigned int emergency_reserve_pct;	/* share of the budget only emergency calls may use */
	unsigned int shed_pct;			/* above it ordinary calls are shed */
	unsigned int hysteresis_pct;		/* fall below mark - hysteresis to leave a state */
	unsigned int rate_global_cps;		/* 0 = no limit; burst is one second's worth */
	unsigned int rate_source_cps;		/* 0 = no limit */
	unsigned int rate_source_burst;
	unsigned int source_table_size;		/* per-source buckets kept, never grows */
	uint64_t call_cost_estimate;		/* initial bytes per call */
	unsigned int retry_after_min_s;
	unsigned int retry_after_max_s;
	unsigned int oc_validity_ms;		/* RFC 7339 oc-validity in our feedback */
	unsigned int sample_interval_ms;	/* jemalloc sampling period */
	unsigned int cpu_limit_pct;		/* CPU guard: occupancy kept below it, 0 = off */
	enum adm_shed_mode shed_mode[_NUM_ADM_CLASS];
};

#define ADM_SRC_PROBE 8

extern const struct adm_cfg adm_cfg_default;
extern const struct value_string adm_class_names[];
extern const struct value_string adm_verdict_names[];
extern const struct value_string adm_state_names[];
extern const struct value_string adm_reason_names[];
extern const struct value_string adm_shed_mode_names[];

/* Allocate with cfg (NULL: defaults). NULL on -ENOMEM or invalid cfg. */
struct adm *adm_alloc(void *ctx, const struct adm_cfg *cfg);
void adm_free(struct adm *adm);
/* Validate and apply a new config (main thread). -EINVAL if inconsistent, -ENOMEM. */
int adm_configure(struct adm *adm, const struct adm_cfg *cfg);
const struct adm_cfg *adm_get_cfg(const struct adm *adm);
/* Monotonic clock in ns for rate limits; NULL restores CLOCK_MONOTONIC. For tests. */
void adm_set_clock(struct adm *adm, uint64_t (*now_ns)(void *priv), void *priv);
/* Seed of the Retry-After jitter and the source-table hash (random by default). */
void adm_set_seed(struct adm *adm, uint64_t seed);

/* O(1) decision before any call state exists. Fills why on SHED and REFUSE. */
enum adm_verdict adm_admit(struct adm *adm, enum adm_class cls, const struct adm_source *src,
			   struct adm_refusal *why);
/* A shed call found no peer with room: fills why (ADM_R_NO_PEER) and counts the refusal. */
void adm_refuse_no_peer(struct adm *adm, enum adm_class cls, struct adm_refusal *why);

/* How long the SIP stack keeps a finished call's transactions (ms, main thread; 0 = none,
 * over 63 s counts as 63 s). The per-call estimate is corrected from the memory measured over
 * the calls in progress plus the calls released within this window, whose transactions are
 * still in memory: dividing by the calls in progress alone would charge every new call with
 * the lingering state of all the calls before it. Default 32 s (timer J over UDP). */
void adm_set_linger(struct adm *adm, unsigned int ms);
/* Calls released within the linger window up to now. */
uint64_t adm_lingering_calls(struct adm *adm);

/* CPU guard (adm_cpu.c). The process's CPU occupancy (its CPU time over the CPUs it may run
 * on) and that of each watched thread are read every 100 ms; while either is above
 * cpu-limit, ordinary and priority calls are admitted at a new-call rate cut in proportion
 * (the rate admitted in the last interval x limit / occupancy), raised again by 5 % an
 * interval once below (or straight to what the CPU would carry, at most doubling), and lifted
 * when it no longer binds. The occupancy is smoothed (a new reading weighs 1/4). The guard
 * engages only while at least 50 new calls a second are admitted. Emergency calls are exempt.
 * Refusing early keeps the queues short: a saturated core would otherwise delay every
 * answer until UDP retransmissions double the load and goodput collapses. */
#define ADM_CPU_THREADS 4
#define ADM_CPU_TICK_MS 100
/* Watch a thread's CPU clock too (main thread; the calling thread is always watched). */
int adm_cpu_watch(struct adm *adm, clockid_t clk);
int adm_cpu_start(struct adm *adm);
void adm_cpu_stop(struct adm *adm);
/* One controller step with a measured occupancy (percent of one CPU, the highest of the
 * process and each watched thread) over dt_ns; the clock and timer call it, tests too. */
void adm_cpu_apply(struct adm *adm, unsigned int occ_pct, uint64_t dt_ns);
/* Last occupancy (percent) and the new-call rate allowed now (0: not limiting). */
unsigned int adm_cpu_occupancy(const struct adm *adm);
unsigned int adm_cpu_limit_cps(const struct adm *adm);

/* Tickets. bytes == 0 charges the current per-call estimate. -EALREADY if already charged. */
int adm_call_charge(struct adm *adm, struct adm_ticket *t, enum adm_class cls, size_t bytes);
/* Set the ticket's charge to bytes. -EINVAL if not charged. */
int adm_call_adjust(struct adm *adm, struct adm_ticket *t, size_t bytes);
/* Return the ticket's charge; harmless on an uncharged ticket. */
void adm_call_release(struct adm *adm, struct adm_ticket *t);

/* What this site says about itself in its answers (Via oc parameters, OPTIONS replies). */
void adm_overload_feedback(struct adm *adm, struct peer_feedback *out);

/* Figures (atomic reads). */
enum adm_state adm_get_state(const struct adm *adm);
uint64_t adm_used(const struct adm *adm);		/* charged + unattributed (jemalloc) + in flight */
/* Admitted calls not charged yet: each ADM_ADMIT reserves the cost per call until
 * adm_call_charge() takes it over; what is left (calls admitted but dropped before they were
 * charged) is cleared by adm_expire_reservations(), which the sampling timer runs. */
uint64_t adm_inflight(const struct adm *adm);
void adm_expire_reservations(struct adm *adm);
uint64_t adm_charged(const struct adm *adm);		/* sum of tickets */
uint64_t adm_class_bytes(const struct adm *adm, enum adm_class cls);
uint64_t adm_class_calls(const struct adm *adm, enum adm_class cls);
uint64_t adm_cost_per_call(const struct adm *adm);	/* corrected per-call estimate */
uint64_t adm_call_ceiling(const struct adm *adm);	/* budget / cost per call */
/* Exact counter values (reason ADM_R_NONE = admitted). */
uint64_t adm_count(const struct adm *adm, enum adm_class cls, enum adm_verdict v,
		   enum adm_reason r);
uint64_t adm_src_evictions(const struct adm *adm);
unsigned int adm_src_entries(const struct adm *adm);
/* Copy counters into the rate_ctr_groups and gauges into the stat items (main thread);
 * also run by the sampling timer. */
void adm_stats_flush(struct adm *adm);
struct rate_ctr_group *adm_class_ctrg(struct adm *adm, enum adm_class cls);
struct osmo_stat_item_group *adm_statg(struct adm *adm);

/* The highest RFC 7339 oc a peer site may report and still be sent a shed call of class cls.
 * A site of this gateway reports oc > 0 only while it sheds ordinary calls, and 100 only when
 * nothing but emergency calls fit (adm_overload_feedback()): ordinary 0, priority 99,
 * emergency 100. Sending a call where it would be refused costs a hop for nothing. */
unsigned int adm_peer_max_oc(enum adm_class cls);

/* Shed at most once: the SIP layer adds ADM_SHED_PARAM=<site> to the request it redirects or
 * forwards (Via of a forward, a URI parameter of the 302 Contact) and recognises it with
 * adm_shed_marked() on the way in, setting adm_source.already_shed. */
#define ADM_SHED_PARAM "x-gw-shed"
/* Write "x-gw-shed=<site>" into buf. Returns the length, -ENOSPC if buf is too small. */
int adm_shed_mark(char *buf, size_t len, const char *site);
/* True if the header or parameter text contains our shed marker (bounded by len). */
bool adm_shed_marked(const char *text, size_t len);

/* jemalloc sampling (adm_jemalloc.c). Without jemalloc these return -ENOTSUP and the
 * per-call estimate alone is used.
 * Lingering SIP transactions (finished calls whose transactions wait for RFC 3261 timer J)
 * are not reported by the SIP layer: there is no adm_linger_add/sub. They are allocated
 * memory no ticket accounts for, so each sample adds them to used as "unattributed"
 * (measured - charged), and the per-call estimate (measured / calls in progress) rises with
 * the call rate as they do. */
bool adm_have_jemalloc(void);
/* Read stats.allocated after bumping epoch. -ENOTSUP without jemalloc, -EIO on failure. */
int adm_jemalloc_allocated(uint64_t *out);
/* Take the baseline now (before any call) and start the periodic sampling timer. */
int adm_jemalloc_start(struct adm *adm);
void adm_jemalloc_stop(struct adm *adm);
/* Set the baseline to the current allocation (e.g. after start-up allocations settle). */
int adm_baseline_reset(struct adm *adm);
/* One sample: measured = allocated - baseline; corrects the estimate and the unattributed
 * memory. Called by the timer; public for tests and for the daemon's start-up. */
int adm_sample(struct adm *adm);
/* Feed a measurement directly (what adm_sample does after reading jemalloc). */
void adm_apply_measurement(struct adm *adm, uint64_t measured);
uint64_t adm_baseline(const struct adm *adm);
uint64_t adm_measured(const struct adm *adm);

/* Log at NOTICE in DADM the call ceiling the budget implies. */
void adm_log_ceiling(struct adm *adm);

/* VTY: the "admission" config node and "show admission". adm is the instance they act on. */
void adm_vty_init(struct adm *adm);
void adm_vty_show(struct vty *vty, struct adm *adm);
/* Parse "1024", "64K", "512M", "2G" (powers of 1024). -EINVAL on anything else. */
int adm_parse_bytes(const char *s, uint64_t *out);
