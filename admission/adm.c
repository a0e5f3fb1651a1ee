/* adm.c - call admission against a memory budget, with classes, reserve and rate limits (RFC 7339 loss feedback, Q.764 2.11 ACL) */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stat_item.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>
#include "common/log.h"
#include "admission/adm_internal.h"

const struct adm_cfg adm_cfg_default = {
	.budget = 1ULL << 30,
	.emergency_reserve_pct = 10,
	.shed_pct = 80,
	.hysteresis_pct = 5,
	.rate_global_cps = 0,
	.rate_source_cps = 0,
	.rate_source_burst = 1,
	.source_table_size = 4096,
	.call_cost_estimate = 16384,
	.retry_after_min_s = 5,
	.retry_after_max_s = 30,
	.oc_validity_ms = 2000,
	.sample_interval_ms = 1000,
	.cpu_limit_pct = 90,
	.shed_mode = {
		[ADM_CLASS_EMERGENCY] = ADM_SHED_REDIRECT,
		[ADM_CLASS_PRIORITY] = ADM_SHED_REDIRECT,
		[ADM_CLASS_ORDINARY] = ADM_SHED_REJECT,
	},
};

const struct value_string adm_class_names[] = {
	{ ADM_CLASS_EMERGENCY, "emergency" },
	{ ADM_CLASS_PRIORITY, "priority" },
	{ ADM_CLASS_ORDINARY, "ordinary" },
	{ 0, NULL }
};

const struct value_string adm_verdict_names[] = {
	{ ADM_ADMIT, "admit" },
	{ ADM_SHED, "shed" },
	{ ADM_REFUSE, "refuse" },
	{ 0, NULL }
};

const struct value_string adm_state_names[] = {
	{ ADM_ST_NORMAL, "normal" },
	{ ADM_ST_SHEDDING, "shedding" },
	{ ADM_ST_FULL, "full" },
	{ 0, NULL }
};

const struct value_string adm_reason_names[] = {
	{ ADM_R_NONE, "none" },
	{ ADM_R_MEMORY, "memory" },
	{ ADM_R_HARD_LIMIT, "hard-limit" },
	{ ADM_R_RATE_GLOBAL, "rate-global" },
	{ ADM_R_RATE_SOURCE, "rate-source" },
	{ ADM_R_ALREADY_SHED, "already-shed" },
	{ ADM_R_NO_PEER, "no-peer" },
	{ ADM_R_CPU, "cpu" },
	{ 0, NULL }
};

const struct value_string adm_shed_mode_names[] = {
	{ ADM_SHED_REDIRECT, "redirect" },
	{ ADM_SHED_FORWARD, "forward" },
	{ ADM_SHED_REJECT, "reject" },
	{ 0, NULL }
};

static const struct rate_ctr_desc adm_ctr_desc[] = {
	[ADM_CTR_ADMITTED] = { "call:admitted", "Calls admitted" },
	[ADM_CTR_SHED_MEMORY] = { "call:shed:memory", "Calls shed above a watermark" },
	[ADM_CTR_SHED_HARD_LIMIT] = { "call:shed:hard-limit", "Calls shed: budget exhausted" },
	[ADM_CTR_REFUSED_RATE_GLOBAL] = { "call:refused:rate-global", "Calls refused: global rate" },
	[ADM_CTR_REFUSED_RATE_SOURCE] = { "call:refused:rate-source", "Calls refused: source rate" },
	[ADM_CTR_REFUSED_ALREADY_SHED] = { "call:refused:already-shed", "Calls refused: shed once already" },
	[ADM_CTR_REFUSED_NO_PEER] = { "call:refused:no-peer", "Calls refused: no peer site has room" },
	[ADM_CTR_RATE_EXEMPT] = { "call:rate-exempt", "Emergency calls admitted over a rate limit" },
	[ADM_CTR_REFUSED_CPU] = { "call:refused:cpu", "Calls refused: CPU guard" },
};

static const struct rate_ctr_group_desc adm_ctrg_desc = {
	.group_name_prefix = "adm",
	.group_description = "Call admission per class",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = ARRAY_SIZE(adm_ctr_desc),
	.ctr_desc = adm_ctr_desc,
};

enum adm_stat {
	ADM_STAT_USED_KIB,
	ADM_STAT_CHARGED_KIB,
	ADM_STAT_MEASURED_KIB,
	ADM_STAT_STATE,
	ADM_STAT_CALLS_EMERGENCY,
	ADM_STAT_CALLS_PRIORITY,
	ADM_STAT_CALLS_ORDINARY,
	ADM_STAT_KIB_EMERGENCY,
	ADM_STAT_KIB_PRIORITY,
	ADM_STAT_KIB_ORDINARY,
};

/* Gauges are int32: bytes are reported in KiB. */
static const struct osmo_stat_item_desc adm_stat_desc[] = {
	[ADM_STAT_USED_KIB] = { "used", "Budget used (charged + unattributed)", "KiB", 16, 0 },
	[ADM_STAT_CHARGED_KIB] = { "charged", "Sum of call tickets", "KiB", 16, 0 },
	[ADM_STAT_MEASURED_KIB] = { "measured", "jemalloc allocated - baseline", "KiB", 16, 0 },
	[ADM_STAT_STATE] = { "state", "0 normal, 1 shedding, 2 full", "", 16, 0 },
	[ADM_STAT_CALLS_EMERGENCY] = { "calls:emergency", "Emergency calls holding a ticket", "", 16, 0 },
	[ADM_STAT_CALLS_PRIORITY] = { "calls:priority", "Priority calls holding a ticket", "", 16, 0 },
	[ADM_STAT_CALLS_ORDINARY] = { "calls:ordinary", "Ordinary calls holding a ticket", "", 16, 0 },
	[ADM_STAT_KIB_EMERGENCY] = { "bytes:emergency", "Emergency calls' charge", "KiB", 16, 0 },
	[ADM_STAT_KIB_PRIORITY] = { "bytes:priority", "Priority calls' charge", "KiB", 16, 0 },
	[ADM_STAT_KIB_ORDINARY] = { "bytes:ordinary", "Ordinary calls' charge", "KiB", 16, 0 },
};

static const struct osmo_stat_item_group_desc adm_statg_desc = {
	.group_name_prefix = "adm",
	.group_description = "Call admission budget",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_items = ARRAY_SIZE(adm_stat_desc),
	.item_desc = adm_stat_desc,
};

/* Which counter a (verdict, reason) pair goes to; -1: not a combination adm_admit produces. */
static int adm_ctr_of(enum adm_verdict v, enum adm_reason r)
{
	static const int8_t shed[_NUM_ADM_REASON] = {
		[ADM_R_NONE] = -1, [ADM_R_MEMORY] = ADM_CTR_SHED_MEMORY,
		[ADM_R_HARD_LIMIT] = ADM_CTR_SHED_HARD_LIMIT, [ADM_R_RATE_GLOBAL] = -1,
		[ADM_R_RATE_SOURCE] = -1, [ADM_R_ALREADY_SHED] = -1, [ADM_R_NO_PEER] = -1,
		[ADM_R_CPU] = -1,
	};
	static const int8_t refuse[_NUM_ADM_REASON] = {
		[ADM_R_NONE] = -1, [ADM_R_MEMORY] = -1, [ADM_R_HARD_LIMIT] = -1,
		[ADM_R_RATE_GLOBAL] = ADM_CTR_REFUSED_RATE_GLOBAL,
		[ADM_R_RATE_SOURCE] = ADM_CTR_REFUSED_RATE_SOURCE,
		[ADM_R_ALREADY_SHED] = ADM_CTR_REFUSED_ALREADY_SHED,
		[ADM_R_NO_PEER] = ADM_CTR_REFUSED_NO_PEER,
		[ADM_R_CPU] = ADM_CTR_REFUSED_CPU,
	};

	switch (v) {
	case ADM_ADMIT:
		return r == ADM_R_NONE ? ADM_CTR_ADMITTED : -1;
	case ADM_SHED:
		return shed[r];
	case ADM_REFUSE:
		return refuse[r];
	}
	return -1;
}

static uint64_t clock_monotonic_ns(void *priv)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t adm_now(struct adm *adm)
{
	return adm->now_ns(adm->now_priv);
}

void adm_set_clock(struct adm *adm, uint64_t (*now_ns)(void *priv), void *priv)
{
	adm->now_ns = now_ns ? now_ns : clock_monotonic_ns;
	adm->now_priv = now_ns ? priv : NULL;
}

void adm_set_seed(struct adm *adm, uint64_t seed)
{
	atomic_store(&adm->rnd, seed);
	adm->hash_seed = seed;
}

/* splitmix64 over an atomic counter: lock-free, good enough for jitter, thread-safe. */
static uint64_t adm_random(struct adm *adm)
{
	uint64_t z = atomic_fetch_add(&adm->rnd, 0x9e3779b97f4a7c15ULL) + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int adm_cfg_check(const struct adm_cfg *cfg)
{
	if (cfg->budget == 0 || cfg->call_cost_estimate == 0)
		return -EINVAL;
	if (cfg->emergency_reserve_pct > 100 || cfg->shed_pct > 100 || cfg->hysteresis_pct > 100)
		return -EINVAL;
	if (cfg->source_table_size == 0)
		return -EINVAL;
	if (cfg->rate_source_cps && cfg->rate_source_burst == 0)
		return -EINVAL;
	if (cfg->retry_after_min_s > cfg->retry_after_max_s)
		return -EINVAL;
	if (cfg->sample_interval_ms == 0)
		return -EINVAL;
	return 0;
}

/* GCRA: one emission interval per call, tolerance (burst - 1) intervals. */
static void gcra_params(unsigned int cps, unsigned int burst, uint64_t *interval, uint64_t *tau)
{
	if (!cps) {
		*interval = 0;
		*tau = 0;
		return;
	}
	*interval = 1000000000ULL / cps;
	if (!*interval)
		*interval = 1;
	*tau = *interval * (burst ? burst - 1 : 0);
}

int adm_configure(struct adm *adm, const struct adm_cfg *cfg)
{
	uint64_t reserve, full, shed, iv, tau;
	int rc;

	rc = adm_cfg_check(cfg);
	if (rc)
		return rc;
	if (!adm->src.slot || cfg->source_table_size != adm->src.size) {
		rc = adm_src_init(adm, cfg->source_table_size);
		if (rc)
			return rc;
	}
	/* The estimate restarts from the configured figure only when the operator changes it. */
	if (cfg->call_cost_estimate != adm->cfg.call_cost_estimate || !atomic_load(&adm->cost))
		atomic_store(&adm->cost, cfg->call_cost_estimate);
	if (cfg->sample_interval_ms != adm->cfg.sample_interval_ms && adm->sampling)
		osmo_timer_schedule(&adm->sample_timer, cfg->sample_interval_ms / 1000,
				    (cfg->sample_interval_ms % 1000) * 1000);
	adm->cfg = *cfg;

	reserve = cfg->budget / 100 * cfg->emergency_reserve_pct
		  + cfg->budget % 100 * cfg->emergency_reserve_pct / 100;
	full = cfg->budget - reserve;
	shed = cfg->budget / 100 * cfg->shed_pct + cfg->budget % 100 * cfg->shed_pct / 100;
	/* The shed mark never sits above the reserve: priority calls need the room between. */
	if (shed > full)
		shed = full;
	atomic_store(&adm->budget, cfg->budget);
	atomic_store(&adm->full_mark, full);
	atomic_store(&adm->shed_mark, shed);
	atomic_store(&adm->hyst, cfg->budget / 100 * cfg->hysteresis_pct
				 + cfg->budget % 100 * cfg->hysteresis_pct / 100);
	gcra_params(cfg->rate_global_cps, cfg->rate_global_cps, &iv, &tau);
	atomic_store(&adm->g_interval_ns, iv);
	atomic_store(&adm->g_tau_ns, tau);
	gcra_params(cfg->rate_source_cps, cfg->rate_source_burst, &iv, &tau);
	atomic_store(&adm->s_interval_ns, iv);
	atomic_store(&adm->s_tau_ns, tau);
	atomic_store(&adm->retry_min, cfg->retry_after_min_s);
	atomic_store(&adm->retry_max, cfg->retry_after_max_s);
	atomic_store(&adm->oc_validity_ms, cfg->oc_validity_ms);
	adm_update_state(adm);
	return 0;
}

const struct adm_cfg *adm_get_cfg(const struct adm *adm)
{
	return &adm->cfg;
}

static int adm_free_cb(struct adm *adm)
{
	adm_jemalloc_stop(adm);
	adm_cpu_stop(adm);
	adm_src_fini(adm);
	for (int c = 0; c < _NUM_ADM_CLASS; c++)
		rate_ctr_group_free(adm->ctrg[c]);
	osmo_stat_item_group_free(adm->statg);
	return 0;
}

struct adm *adm_alloc(void *ctx, const struct adm_cfg *cfg)
{
	struct adm *adm = talloc_zero(ctx, struct adm);
	uint64_t seed = 0;

	if (!adm)
		return NULL;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = clock_monotonic_ns(NULL);
	adm_set_seed(adm, seed);
	adm_set_clock(adm, NULL, NULL);
	/* oc-seq must increase across restarts too (RFC 7339 5.2): start from the wall clock. */
	atomic_store(&adm->oc_seq, (uint64_t)time(NULL));
	for (int c = 0; c < _NUM_ADM_CLASS; c++) {
		adm->ctrg[c] = rate_ctr_group_alloc(adm, &adm_ctrg_desc, c);
		if (!adm->ctrg[c])
			goto fail;
		rate_ctr_group_set_name(adm->ctrg[c], get_value_string(adm_class_names, c));
	}
	adm->statg = osmo_stat_item_group_alloc(adm, &adm_statg_desc, 0);
	if (!adm->statg)
		goto fail;
	atomic_store(&adm->linger_s, 32);
	for (int i = 0; i < ADM_LINGER_SLOTS; i++)
		atomic_store(&adm->released[i].sec, UINT64_MAX);
	talloc_set_destructor(adm, adm_free_cb);
	if (adm_configure(adm, cfg ? cfg : &adm_cfg_default))
		goto fail;
	return adm;
fail:
	adm_free_cb(adm);
	talloc_set_destructor(adm, NULL);
	talloc_free(adm);
	return NULL;
}

void adm_free(struct adm *adm)
{
	talloc_free(adm);
}

uint64_t adm_charged(const struct adm *adm)
{
	return atomic_load(&adm->charged);
}

uint64_t adm_used(const struct adm *adm)
{
	return atomic_load(&adm->charged) + atomic_load(&adm->unattributed)
	       + atomic_load(&adm->inflight);
}

uint64_t adm_inflight(const struct adm *adm)
{
	return atomic_load(&adm->inflight);
}

static void adm_sub_sat(atomic_uint_fast64_t *v, uint64_t x)
{
	uint64_t cur = atomic_load(v), next;

	do {
		next = cur > x ? cur - x : 0;
	} while (!atomic_compare_exchange_weak(v, &cur, next));
}

void adm_expire_reservations(struct adm *adm)
{
	atomic_store(&adm->inflight, 0);
}

enum adm_state adm_get_state(const struct adm *adm)
{
	return atomic_load(&adm->state);
}

uint64_t adm_class_bytes(const struct adm *adm, enum adm_class cls)
{
	return atomic_load(&adm->cls_bytes[cls]);
}

uint64_t adm_class_calls(const struct adm *adm, enum adm_class cls)
{
	return atomic_load(&adm->cls_calls[cls]);
}

uint64_t adm_cost_per_call(const struct adm *adm)
{
	return atomic_load(&adm->cost);
}

uint64_t adm_call_ceiling(const struct adm *adm)
{
	uint64_t cost = atomic_load(&adm->cost);

	return cost ? atomic_load(&adm->budget) / cost : 0;
}

uint64_t adm_count(const struct adm *adm, enum adm_class cls, enum adm_verdict v, enum adm_reason r)
{
	int i;

	if (cls >= _NUM_ADM_CLASS || v > ADM_REFUSE || r >= _NUM_ADM_REASON)
		return 0;
	i = adm_ctr_of(v, r);
	return i < 0 ? 0 : atomic_load(&adm->ctr[cls][i]);
}

static void adm_count_inc(struct adm *adm, enum adm_class cls, int ctr)
{
	atomic_fetch_add(&adm->ctr[cls][ctr], 1);
}

/* Watermarks with hysteresis. NORMAL -> SHEDDING above the shed mark, -> FULL at the full
 * mark; leaving a state needs used below its mark minus the hysteresis. Lock-free: the CAS
 * makes one thread win each transition. */
void adm_update_state(struct adm *adm)
{
	uint64_t used = adm_used(adm);
	uint64_t shed = atomic_load(&adm->shed_mark), full = atomic_load(&adm->full_mark);
	uint64_t hyst = atomic_load(&adm->hyst);
	int st = atomic_load(&adm->state), next;

	for (;;) {
		next = st;
		switch (st) {
		case ADM_ST_NORMAL:
			if (used >= full)
				next = ADM_ST_FULL;
			else if (used > shed)
				next = ADM_ST_SHEDDING;
			break;
		case ADM_ST_SHEDDING:
			if (used >= full)
				next = ADM_ST_FULL;
			else if (used + hyst < shed)
				next = ADM_ST_NORMAL;
			break;
		case ADM_ST_FULL:
			if (used + hyst < full)
				next = used + hyst < shed ? ADM_ST_NORMAL : ADM_ST_SHEDDING;
			break;
		}
		if (next == st)
			return;
		if (atomic_compare_exchange_weak(&adm->state, &st, next))
			break;
	}
	atomic_fetch_add(&adm->oc_seq, 1);
	atomic_fetch_add(&adm->state_changes, 1);
	LOGP(DADM, LOGL_NOTICE, "admission: %s -> %s, used %" PRIu64 " of %" PRIu64 " bytes\n",
	     get_value_string(adm_state_names, st), get_value_string(adm_state_names, next),
	     used, atomic_load(&adm->budget));
}

/* Lock-free GCRA on one 64-bit theoretical arrival time; iv == 0: no limit. */
bool adm_gcra_conform(atomic_uint_fast64_t *tatp, uint64_t iv, uint64_t tau, uint64_t now)
{
	uint64_t tat = atomic_load(tatp), base;

	if (!iv)
		return true;
	do {
		base = tat > now ? tat : now;
		if (base - now > tau)
			return false;
	} while (!atomic_compare_exchange_weak(tatp, &tat, base + iv));
	return true;
}

static bool adm_global_conform(struct adm *adm, uint64_t now)
{
	return adm_gcra_conform(&adm->g_tat, atomic_load(&adm->g_interval_ns),
				atomic_load(&adm->g_tau_ns), now);
}

static bool adm_cpu_conform(struct adm *adm, uint64_t now)
{
	return adm_gcra_conform(&adm->c_tat, atomic_load(&adm->c_interval_ns),
				atomic_load(&adm->c_tau_ns), now);
}

/* RFC 7339 loss percentage from our own state: nothing to shed in NORMAL, everything
 * non-exempt in FULL, and in between in proportion to how far used is past the shed mark. */
static uint8_t adm_oc_value(struct adm *adm)
{
	uint64_t used = adm_used(adm), shed = atomic_load(&adm->shed_mark);
	uint64_t full = atomic_load(&adm->full_mark), span, pct;

	switch (atomic_load(&adm->state)) {
	case ADM_ST_NORMAL:
		return 0;
	case ADM_ST_FULL:
		return 100;
	default:
		break;
	}
	span = full > shed ? full - shed : 1;
	pct = used > shed ? (used - shed) * 80 / span : 0;
	return 10 + (pct > 80 ? 80 : pct);
}

void adm_overload_feedback(struct adm *adm, struct peer_feedback *out)
{
	memset(out, 0, sizeof(*out));
	out->present = true;
	out->oc = adm_oc_value(adm);
	out->validity_ms = atomic_load(&adm->oc_validity_ms);
	out->seq = atomic_load(&adm->oc_seq);
	OSMO_STRLCPY_ARRAY(out->algo, "loss");
}

/* A source refused for rate is asked to halve at least, whatever our memory state. */
#define ADM_OC_RATE 50

static void adm_fill_refusal(struct adm *adm, enum adm_reason reason, struct adm_refusal *why)
{
	unsigned int lo = atomic_load(&adm->retry_min), hi = atomic_load(&adm->retry_max);
	enum adm_state st = atomic_load(&adm->state);

	if (!why)
		return;
	why->reason = reason;
	why->retry_after_s = hi > lo ? lo + (unsigned int)(adm_random(adm) % (hi - lo + 1)) : lo;
	adm_overload_feedback(adm, &why->oc);
	if ((reason == ADM_R_RATE_SOURCE || reason == ADM_R_RATE_GLOBAL || reason == ADM_R_CPU)
	    && why->oc.oc < ADM_OC_RATE)
		why->oc.oc = ADM_OC_RATE;
	/* Q.764 2.11: level 2 when nothing but the reserve (or nothing at all) is left. */
	why->isup_acl = (st == ADM_ST_FULL || reason == ADM_R_HARD_LIMIT) ? 2 : 1;
}

static enum adm_verdict adm_verdict(struct adm *adm, enum adm_class cls, enum adm_verdict v,
				    enum adm_reason r, struct adm_refusal *why)
{
	int ctr = adm_ctr_of(v, r);

	if (ctr >= 0)
		adm_count_inc(adm, cls, ctr);
	if (v != ADM_ADMIT)
		adm_fill_refusal(adm, r, why);
	else if (why)
		memset(why, 0, sizeof(*why));
	return v;
}

/* Memory part of the decision. Non-emergency calls must fit under the full mark so that
 * the reserve stays for emergency calls; ordinary calls also stop at SHEDDING. */
static enum adm_reason adm_memory_check(struct adm *adm, enum adm_class cls)
{
	uint64_t need = adm_used(adm) + atomic_load(&adm->cost);
	enum adm_state st;

	adm_update_state(adm);
	st = atomic_load(&adm->state);
	if (need > atomic_load(&adm->budget))
		return ADM_R_HARD_LIMIT;
	if (cls == ADM_CLASS_EMERGENCY)
		return ADM_R_NONE;
	if (st == ADM_ST_FULL || need > atomic_load(&adm->full_mark))
		return ADM_R_MEMORY;
	if (cls == ADM_CLASS_ORDINARY && st != ADM_ST_NORMAL)
		return ADM_R_MEMORY;
	return ADM_R_NONE;
}

/* The admitted call's share of the budget from the verdict until its ticket is charged. The
 * SIP thread admits, the main thread charges: without it, every INVITE admitted before main
 * caught up would see the same used figure, and a burst would be admitted past the budget by
 * up to the event queue's length. The share is added first and checked after, so that of two
 * threads admitting at once the later one sees the earlier one's share. */
static bool adm_reserve(struct adm *adm, enum adm_class cls)
{
	uint64_t cost = atomic_load(&adm->cost);
	uint64_t limit = cls == ADM_CLASS_EMERGENCY ? atomic_load(&adm->budget)
						    : atomic_load(&adm->full_mark);

	atomic_fetch_add(&adm->inflight, cost);
	if (adm_used(adm) <= limit)
		return true;
	adm_sub_sat(&adm->inflight, cost);
	return false;
}

enum adm_verdict adm_admit(struct adm *adm, enum adm_class cls, const struct adm_source *src,
			   struct adm_refusal *why)
{
	bool emergency = cls == ADM_CLASS_EMERGENCY, src_ok = true, glob_ok, cpu_ok;
	uint64_t now;
	enum adm_reason r;

	OSMO_ASSERT(cls < _NUM_ADM_CLASS);
	now = adm_now(adm);

	/* Emergency calls are never refused for rate: a flood of them is bounded by the reserve,
	 * and a real one must not lose to ordinary traffic from the same source. They still
	 * take tokens when conforming, so they count against ordinary calls. */
	if (src && src->kind != ADM_SRC_NONE)
		src_ok = adm_src_conform(adm, src, now);
	if (!src_ok && !emergency)
		return adm_verdict(adm, cls, ADM_REFUSE, ADM_R_RATE_SOURCE, why);
	glob_ok = adm_global_conform(adm, now);
	if (!glob_ok && !emergency)
		return adm_verdict(adm, cls, ADM_REFUSE, ADM_R_RATE_GLOBAL, why);
	cpu_ok = adm_cpu_conform(adm, now);
	if (!cpu_ok && !emergency)
		return adm_verdict(adm, cls, ADM_REFUSE, ADM_R_CPU, why);
	if (!src_ok || !glob_ok || !cpu_ok)
		adm_count_inc(adm, cls, ADM_CTR_RATE_EXEMPT);

	r = adm_memory_check(adm, cls);
	if (r == ADM_R_NONE && adm_reserve(adm, cls))
		return adm_verdict(adm, cls, ADM_ADMIT, r, why);
	if (r == ADM_R_NONE)	/* a concurrent admission took the room meanwhile */
		r = cls == ADM_CLASS_EMERGENCY ? ADM_R_HARD_LIMIT : ADM_R_MEMORY;
	if (src && src->already_shed)
		return adm_verdict(adm, cls, ADM_REFUSE, ADM_R_ALREADY_SHED, why);
	return adm_verdict(adm, cls, ADM_SHED, r, why);
}

void adm_refuse_no_peer(struct adm *adm, enum adm_class cls, struct adm_refusal *why)
{
	adm_verdict(adm, cls, ADM_REFUSE, ADM_R_NO_PEER, why);
}

static void adm_account(struct adm *adm, enum adm_class cls, int64_t delta_bytes, int delta_calls)
{
	atomic_fetch_add(&adm->charged, (uint64_t)delta_bytes);
	atomic_fetch_add(&adm->cls_bytes[cls], (uint64_t)delta_bytes);
	atomic_fetch_add(&adm->cls_calls[cls], (uint64_t)(int64_t)delta_calls);
	adm_update_state(adm);
}

int adm_call_charge(struct adm *adm, struct adm_ticket *t, enum adm_class cls, size_t bytes)
{
	if (cls >= _NUM_ADM_CLASS)
		return -EINVAL;
	if (t->charged)
		return -EALREADY;
	if (!bytes)
		bytes = atomic_load(&adm->cost);
	t->cls = cls;
	t->bytes = bytes;
	t->charged = true;
	/* the ticket replaces the share its admission reserved (at the cost of that moment) */
	adm_sub_sat(&adm->inflight, atomic_load(&adm->cost));
	adm_account(adm, cls, (int64_t)bytes, 1);
	return 0;
}

int adm_call_adjust(struct adm *adm, struct adm_ticket *t, size_t bytes)
{
	int64_t delta;

	if (!t->charged)
		return -EINVAL;
	delta = (int64_t)bytes - (int64_t)t->bytes;
	t->bytes = bytes;
	adm_account(adm, t->cls, delta, 0);
	return 0;
}

void adm_set_linger(struct adm *adm, unsigned int ms)
{
	unsigned int s = (ms + 999) / 1000;

	atomic_store(&adm->linger_s, s < ADM_LINGER_SLOTS ? s : ADM_LINGER_SLOTS - 1);
}

/* One more call released in this second. A slot is reused when its second comes round
 * again; two threads crossing into a new second at once can lose a count or two of that
 * second, which only moves the estimate's divisor by as much. */
static void adm_note_release(struct adm *adm)
{
	uint64_t sec = adm_now(adm) / 1000000000ULL;
	struct adm_release_slot *sl = &adm->released[sec % ADM_LINGER_SLOTS];
	uint64_t old = atomic_load(&sl->sec);

	if (old != sec && atomic_compare_exchange_strong(&sl->sec, &old, sec))
		atomic_store(&sl->n, 0);
	atomic_fetch_add(&sl->n, 1);
}

uint64_t adm_lingering_calls(struct adm *adm)
{
	uint64_t now = adm_now(adm) / 1000000000ULL, win = atomic_load(&adm->linger_s), n = 0;

	if (!win)
		return 0;
	for (int i = 0; i < ADM_LINGER_SLOTS; i++) {
		uint64_t sec = atomic_load(&adm->released[i].sec);

		/* released in (now - win, now]: the current, partial second counts whole */
		if (sec != UINT64_MAX && sec <= now && now - sec < win)
			n += atomic_load(&adm->released[i].n);
	}
	return n;
}

void adm_call_release(struct adm *adm, struct adm_ticket *t)
{
	if (!t->charged)
		return;
	adm_note_release(adm);
	adm_account(adm, t->cls, -(int64_t)t->bytes, -1);
	t->charged = false;
	t->bytes = 0;
}

uint64_t adm_src_evictions(const struct adm *adm)
{
	return atomic_load(&adm->src.evictions);
}

struct rate_ctr_group *adm_class_ctrg(struct adm *adm, enum adm_class cls)
{
	return adm->ctrg[cls];
}

struct osmo_stat_item_group *adm_statg(struct adm *adm)
{
	return adm->statg;
}

static void stat_set(struct adm *adm, enum adm_stat i, uint64_t v)
{
	osmo_stat_item_set(osmo_stat_item_group_get_item(adm->statg, i), v > INT32_MAX ? INT32_MAX : v);
}

void adm_stats_flush(struct adm *adm)
{
	for (int c = 0; c < _NUM_ADM_CLASS; c++) {
		for (int i = 0; i < _NUM_ADM_CTR; i++) {
			uint64_t now = atomic_load(&adm->ctr[c][i]);
			uint64_t delta = now - adm->ctr_flushed[c][i];

			while (delta) {
				int step = delta > INT32_MAX ? INT32_MAX : (int)delta;

				rate_ctr_add(rate_ctr_group_get_ctr(adm->ctrg[c], i), step);
				delta -= step;
			}
			adm->ctr_flushed[c][i] = now;
		}
		stat_set(adm, ADM_STAT_CALLS_EMERGENCY + c, adm_class_calls(adm, c));
		stat_set(adm, ADM_STAT_KIB_EMERGENCY + c, adm_class_bytes(adm, c) / 1024);
	}
	stat_set(adm, ADM_STAT_USED_KIB, adm_used(adm) / 1024);
	stat_set(adm, ADM_STAT_CHARGED_KIB, adm_charged(adm) / 1024);
	stat_set(adm, ADM_STAT_MEASURED_KIB, adm_measured(adm) / 1024);
	stat_set(adm, ADM_STAT_STATE, adm_get_state(adm));
}

void adm_log_ceiling(struct adm *adm)
{
	LOGP(DADM, LOGL_NOTICE, "admission: budget %" PRIu64 " bytes / %" PRIu64
	     " bytes per call (%s) = ceiling of %" PRIu64 " calls; emergency reserve %u%%\n",
	     atomic_load(&adm->budget), adm_cost_per_call(adm),
	     adm->samples ? "measured by jemalloc" : "estimate", adm_call_ceiling(adm),
	     adm->cfg.emergency_reserve_pct);
}
