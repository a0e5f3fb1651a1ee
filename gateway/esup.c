/* esup.c - emergency call supervision: per-number and per-route sliding windows feeding the alarms */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stat_item.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/timer.h>

#include "common/log.h"
#include "gateway/esup.h"

#define ESUP_HASH_SLOTS		128	/* per table: twice its entries, a power of two */
#define ESUP_TICK_S		1	/* periodic evaluation */

struct esup_counts {
	uint32_t attempts;
	uint32_t successes;
	uint32_t failures;
	uint32_t refused;
};

struct esup_bucket {
	struct esup_counts n;
	uint8_t num_causes;
	uint8_t cause[ESUP_BUCKET_CAUSES];
	uint32_t cause_count[ESUP_BUCKET_CAUSES];
	uint32_t other;
};

struct esup_entry {
	bool used;
	char name[ESUP_NAME_MAX];
	int64_t head;				/* bucket epoch of ring[head % buckets], the current one */
	struct esup_bucket ring[ESUP_BUCKETS_MAX];
	struct esup_counts tot;			/* sum of ring[], kept as buckets age out */
	unsigned int consecutive;
	int last_cause;
	int last_refusal;
	bool available;
	int64_t down_since_s;			/* monotonic seconds, while !available */
	struct alarm *alarm[_NUM_ALARM_KIND];	/* the registry clears these when an alarm goes */
};

struct esup_table {
	unsigned int max;
	unsigned int used;
	int16_t hash[ESUP_HASH_SLOTS];		/* index into e[], -1 = empty */
	struct esup_entry e[ESUP_NUMBERS_MAX > ESUP_ROUTES_MAX ? ESUP_NUMBERS_MAX : ESUP_ROUTES_MAX];
};

struct esup {
	struct esup_cfg cfg;
	struct esup_table tables[_NUM_ALARM_SUBJ];
	struct alarm_registry *alarms;
	struct alarm_escalator *esc;
	struct osmo_timer_list tick;
	struct rate_ctr_group *ctrs;
	struct osmo_stat_item_group *stats;
	bool full_logged;		/* one log line per run of full-table drops */
};

static const struct rate_ctr_desc esup_ctr_desc[] = {
	[ESUP_CTR_ATTEMPT] = { "emergency:attempt", "Emergency call attempts (per route tried)" },
	[ESUP_CTR_SUCCESS] = { "emergency:success", "Emergency attempts that reached ACM/CON/ANM" },
	[ESUP_CTR_FAILURE] = { "emergency:failure", "Emergency attempts that failed" },
	[ESUP_CTR_REFUSED] = { "emergency:refused", "Emergency calls refused or shed locally" },
	[ESUP_CTR_ROUTE_DOWN] = { "emergency:route:down", "Supervised routes that became unavailable" },
	[ESUP_CTR_TABLE_FULL] = { "esup:table:full", "Reports dropped: supervision table full" },
	[ESUP_CTR_BAD_NAME] = { "esup:name:bad", "Reports dropped: bad number or route name" },
};

static const struct rate_ctr_group_desc esup_ctrg_desc = {
	.group_name_prefix = "esup",
	.group_description = "Emergency supervision",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = ARRAY_SIZE(esup_ctr_desc),
	.ctr_desc = esup_ctr_desc,
};

static const struct osmo_stat_item_desc esup_stat_desc[] = {
	[ESUP_STAT_NUMBERS] = { "esup:numbers", "Emergency numbers supervised", "", 16, 0 },
	[ESUP_STAT_ROUTES] = { "esup:routes", "Routes supervised", "", 16, 0 },
	[ESUP_STAT_ROUTES_DOWN] = { "esup:routes:down", "Supervised routes unavailable", "", 16, 0 },
};

static const struct osmo_stat_item_group_desc esup_statg_desc = {
	.group_name_prefix = "esup",
	.group_description = "Emergency supervision",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_items = ARRAY_SIZE(esup_stat_desc),
	.item_desc = esup_stat_desc,
};

/* Which alarms watch which subject. */
static const bool kind_applies[_NUM_ALARM_SUBJ][_NUM_ALARM_KIND] = {
	[ALARM_SUBJ_NUMBER] = {
		[ALARM_KIND_SUCCESS_RATIO] = true,
		[ALARM_KIND_CONSECUTIVE_FAILURES] = true,
		[ALARM_KIND_REFUSED] = true,
	},
	[ALARM_SUBJ_ROUTE] = {
		[ALARM_KIND_SUCCESS_RATIO] = true,
		[ALARM_KIND_CONSECUTIVE_FAILURES] = true,
		[ALARM_KIND_ROUTE_UNAVAILABLE] = true,
	},
};

static void ctr_inc(struct esup *es, enum esup_ctr c)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(es->ctrs, c));
}

static int64_t now_ms(void)
{
	struct timespec ts;

	osmo_clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_epoch(const struct esup *es)
{
	return now_ms() / ((int64_t)es->cfg.window_s * 1000 / es->cfg.buckets);
}

static void counts_sub(struct esup_counts *t, const struct esup_counts *b)
{
	t->attempts -= b->attempts;
	t->successes -= b->successes;
	t->failures -= b->failures;
	t->refused -= b->refused;
}

/* Move the ring to `epoch`, emptying the buckets that aged out: at most `buckets` of them. */
static void advance(const struct esup *es, struct esup_entry *e, int64_t epoch)
{
	unsigned int n = es->cfg.buckets, i;
	int64_t steps = epoch - e->head;

	if (steps <= 0)
		return;
	if (steps >= n) {
		memset(e->ring, 0, sizeof(e->ring[0]) * n);
		memset(&e->tot, 0, sizeof(e->tot));
	} else {
		for (i = 1; i <= steps; i++) {
			struct esup_bucket *b = &e->ring[(e->head + i) % n];

			counts_sub(&e->tot, &b->n);
			memset(b, 0, sizeof(*b));
		}
	}
	e->head = epoch;
}

static struct esup_bucket *cur_bucket(const struct esup *es, struct esup_entry *e)
{
	return &e->ring[e->head % es->cfg.buckets];
}

/* FNV-1a of a NUL-terminated name already checked to be shorter than ESUP_NAME_MAX. */
static unsigned int name_hash(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h & (ESUP_HASH_SLOTS - 1);
}

/* Slot holding `name`, or the empty slot where it would go; the table never fills its hash. */
static unsigned int hash_slot(const struct esup_table *t, const char *name)
{
	unsigned int s = name_hash(name), i;

	for (i = 0; i < ESUP_HASH_SLOTS; i++, s = (s + 1) & (ESUP_HASH_SLOTS - 1))
		if (t->hash[s] < 0 || strcmp(t->e[t->hash[s]].name, name) == 0)
			return s;
	OSMO_ASSERT(0);
	return 0;
}

static void hash_rebuild(struct esup_table *t)
{
	unsigned int i;

	memset(t->hash, -1, sizeof(t->hash));
	for (i = 0; i < t->max; i++)
		if (t->e[i].used)
			t->hash[hash_slot(t, t->e[i].name)] = i;
}

static bool name_ok(const char *name)
{
	size_t n, i;

	if (!name)
		return false;
	n = strnlen(name, ESUP_NAME_MAX);
	if (n == 0 || n >= ESUP_NAME_MAX)
		return false;
	/* it goes into show output, a TRAP and JSON as one word */
	for (i = 0; i < n; i++)
		if (!isgraph((unsigned char)name[i]))
			return false;
	return true;
}

static struct esup_entry *entry_find(struct esup *es, enum alarm_subject type, const char *name)
{
	struct esup_table *t = &es->tables[type];
	int idx = t->hash[hash_slot(t, name)];
	struct esup_entry *e;

	if (idx < 0)
		return NULL;
	e = &t->e[idx];
	advance(es, e, now_epoch(es));
	return e;
}

static bool entry_idle(const struct esup_entry *e)
{
	unsigned int k;

	if (e->tot.attempts || e->tot.successes || e->tot.failures || e->tot.refused ||
	    e->consecutive || !e->available)
		return false;
	for (k = 0; k < _NUM_ALARM_KIND; k++)
		if (e->alarm[k])
			return false;
	return true;
}

static void stats_update(struct esup *es)
{
	const struct esup_table *rt = &es->tables[ALARM_SUBJ_ROUTE];
	unsigned int i, down = 0;

	for (i = 0; i < rt->max; i++)
		down += rt->e[i].used && !rt->e[i].available;
	osmo_stat_item_set(osmo_stat_item_group_get_item(es->stats, ESUP_STAT_NUMBERS),
			   es->tables[ALARM_SUBJ_NUMBER].used);
	osmo_stat_item_set(osmo_stat_item_group_get_item(es->stats, ESUP_STAT_ROUTES), rt->used);
	osmo_stat_item_set(osmo_stat_item_group_get_item(es->stats, ESUP_STAT_ROUTES_DOWN), down);
}

static void entry_init(struct esup_entry *e, const char *name, int64_t epoch)
{
	memset(e, 0, sizeof(*e));
	e->used = true;
	OSMO_STRLCPY_ARRAY(e->name, name);
	e->head = epoch;
	e->last_cause = -1;
	e->last_refusal = -1;
	e->available = true;
}

/* The subject's entry, created if need be. NULL (counted) for a bad name or a full table. */
static struct esup_entry *entry_get(struct esup *es, enum alarm_subject type, const char *name)
{
	struct esup_table *t = &es->tables[type];
	int64_t epoch = now_epoch(es);
	struct esup_entry *e;
	unsigned int s, i;

	if (!name_ok(name)) {
		ctr_inc(es, ESUP_CTR_BAD_NAME);
		return NULL;
	}
	s = hash_slot(t, name);
	if (t->hash[s] >= 0) {
		e = &t->e[t->hash[s]];
		advance(es, e, epoch);
		return e;
	}
	if (t->used < t->max) {
		for (i = 0; t->e[i].used; i++)
			;
		entry_init(&t->e[i], name, epoch);
		t->hash[s] = i;
		t->used++;
		stats_update(es);
		return &t->e[i];
	}
	/* full: an entry quiet for a whole window, healthy and without alarm can go (numbers or
	 * routes removed from the config); a rare O(max) scan, never on the path of a known subject */
	for (i = 0; i < t->max; i++) {
		advance(es, &t->e[i], epoch);
		if (entry_idle(&t->e[i]))
			break;
	}
	if (i == t->max) {
		ctr_inc(es, ESUP_CTR_TABLE_FULL);
		if (!es->full_logged)
			LOGP(DALARM, LOGL_ERROR, "emergency supervision: %s table full (%u), %s not supervised\n",
			     get_value_string(alarm_subject_names, type), t->max, name);
		es->full_logged = true;
		return NULL;
	}
	LOGP(DALARM, LOGL_INFO, "emergency supervision: %s %s idle, entry reused for %s\n",
	     get_value_string(alarm_subject_names, type), t->e[i].name, name);
	entry_init(&t->e[i], name, epoch);
	hash_rebuild(t);
	es->full_logged = false;
	return &t->e[i];
}

static void eval_entry(struct esup *es, enum alarm_subject type, struct esup_entry *e)
{
	const struct esup_cfg *cfg = &es->cfg;
	uint32_t decided = e->tot.successes + e->tot.failures;
	char detail[_NUM_ALARM_KIND][ALARM_DETAIL_MAX];
	bool cond[_NUM_ALARM_KIND];
	unsigned int k;

	/* the ratio is over attempts with an outcome: calls still in progress are no evidence */
	cond[ALARM_KIND_SUCCESS_RATIO] = cfg->ratio_threshold_pct && decided >= cfg->ratio_min_attempts &&
		(uint64_t)e->tot.successes * 100 < (uint64_t)cfg->ratio_threshold_pct * decided;
	if (cond[ALARM_KIND_SUCCESS_RATIO])
		snprintf(detail[ALARM_KIND_SUCCESS_RATIO], ALARM_DETAIL_MAX, "success %u/%u (%u%%) < %u%% in %u s",
			 e->tot.successes, decided, (unsigned int)((uint64_t)e->tot.successes * 100 / decided),
			 cfg->ratio_threshold_pct, cfg->window_s);
	cond[ALARM_KIND_CONSECUTIVE_FAILURES] = cfg->consecutive_failures &&
		e->consecutive >= cfg->consecutive_failures;
	if (cond[ALARM_KIND_CONSECUTIVE_FAILURES])
		snprintf(detail[ALARM_KIND_CONSECUTIVE_FAILURES], ALARM_DETAIL_MAX,
			 "%u consecutive failures, last cause %d", e->consecutive, e->last_cause);
	cond[ALARM_KIND_ROUTE_UNAVAILABLE] = !e->available;
	if (cond[ALARM_KIND_ROUTE_UNAVAILABLE])
		snprintf(detail[ALARM_KIND_ROUTE_UNAVAILABLE], ALARM_DETAIL_MAX, "unavailable for %lld s",
			 (long long)(now_ms() / 1000 - e->down_since_s));
	cond[ALARM_KIND_REFUSED] = e->tot.refused > 0;
	if (cond[ALARM_KIND_REFUSED])
		snprintf(detail[ALARM_KIND_REFUSED], ALARM_DETAIL_MAX, "%u refused in %u s, last reason %d",
			 e->tot.refused, cfg->window_s, e->last_refusal);

	for (k = 0; k < _NUM_ALARM_KIND; k++)
		if (kind_applies[type][k])
			alarm_update(es->alarms, &e->alarm[k], k, type, e->name, cond[k], cond[k] ? detail[k] : NULL);
}

void esup_evaluate(struct esup *es)
{
	int64_t epoch = now_epoch(es);
	unsigned int t, i;

	for (t = 0; t < _NUM_ALARM_SUBJ; t++) {
		struct esup_table *tb = &es->tables[t];

		for (i = 0; i < tb->max; i++) {
			if (!tb->e[i].used)
				continue;
			advance(es, &tb->e[i], epoch);
			eval_entry(es, t, &tb->e[i]);
		}
	}
}

static void esup_tick_cb(void *data)
{
	struct esup *es = data;

	esup_evaluate(es);
	osmo_timer_schedule(&es->tick, ESUP_TICK_S, 0);
}

static int esup_destructor(struct esup *es)
{
	osmo_timer_del(&es->tick);
	/* alarms first: they clear their handles inside the entries, which are still here */
	alarm_registry_free(es->alarms);
	alarm_escalator_free(es->esc);
	rate_ctr_group_free(es->ctrs);
	osmo_stat_item_group_free(es->stats);
	return 0;
}

struct esup *esup_alloc(void *ctx, struct ctrl_handle *ctrl)
{
	static unsigned int instances;
	struct esup *es = talloc_zero(ctx, struct esup);
	unsigned int t;

	if (!es)
		return NULL;
	es->cfg = (struct esup_cfg){
		.ratio_threshold_pct = 80,
		.ratio_min_attempts = 10,
		.consecutive_failures = 3,
		.window_s = 60,
		.buckets = 6,
	};
	for (t = 0; t < _NUM_ALARM_SUBJ; t++) {
		es->tables[t].max = t == ALARM_SUBJ_NUMBER ? ESUP_NUMBERS_MAX : ESUP_ROUTES_MAX;
		memset(es->tables[t].hash, -1, sizeof(es->tables[t].hash));
	}
	es->esc = alarm_escalator_alloc(es);
	es->alarms = es->esc ? alarm_registry_alloc(es, ctrl, es->esc) : NULL;
	es->ctrs = rate_ctr_group_alloc(es, &esup_ctrg_desc, instances);
	es->stats = osmo_stat_item_group_alloc(es, &esup_statg_desc, instances);
	instances++;
	if (!es->esc || !es->alarms || !es->ctrs || !es->stats) {
		alarm_registry_free(es->alarms);
		alarm_escalator_free(es->esc);
		rate_ctr_group_free(es->ctrs);
		osmo_stat_item_group_free(es->stats);
		talloc_free(es);
		return NULL;
	}
	talloc_set_destructor(es, esup_destructor);
	osmo_timer_setup(&es->tick, esup_tick_cb, es);
	osmo_timer_schedule(&es->tick, ESUP_TICK_S, 0);
	return es;
}

void esup_free(struct esup *es)
{
	talloc_free(es);
}

void esup_set_ctrl(struct esup *es, struct ctrl_handle *ctrl)
{
	alarm_registry_set_ctrl(es->alarms, ctrl);
}

/* The number's entry, and the route's when a route is named. */
static void get_pair(struct esup *es, const char *number, const char *route_name,
		     struct esup_entry **num, struct esup_entry **rt)
{
	*num = entry_get(es, ALARM_SUBJ_NUMBER, number);
	*rt = route_name && route_name[0] ? entry_get(es, ALARM_SUBJ_ROUTE, route_name) : NULL;
}

void esup_attempt(struct esup *es, const char *number, const char *route_name)
{
	struct esup_entry *e[2];
	unsigned int i;

	ctr_inc(es, ESUP_CTR_ATTEMPT);
	get_pair(es, number, route_name, &e[0], &e[1]);
	for (i = 0; i < 2; i++) {
		if (!e[i])
			continue;
		cur_bucket(es, e[i])->n.attempts++;
		e[i]->tot.attempts++;
	}
}

void esup_success(struct esup *es, const char *number, const char *route_name)
{
	struct esup_entry *e[2];
	unsigned int i;

	ctr_inc(es, ESUP_CTR_SUCCESS);
	get_pair(es, number, route_name, &e[0], &e[1]);
	for (i = 0; i < 2; i++) {
		if (!e[i])
			continue;
		cur_bucket(es, e[i])->n.successes++;
		e[i]->tot.successes++;
		e[i]->consecutive = 0;
		eval_entry(es, i == 0 ? ALARM_SUBJ_NUMBER : ALARM_SUBJ_ROUTE, e[i]);
	}
}

static void bucket_cause(struct esup_bucket *b, int cause)
{
	unsigned int i;

	if (cause < 0 || cause > 127) {
		b->other++;
		return;
	}
	for (i = 0; i < b->num_causes; i++) {
		if (b->cause[i] == cause) {
			b->cause_count[i]++;
			return;
		}
	}
	if (b->num_causes == ESUP_BUCKET_CAUSES) {
		b->other++;
		return;
	}
	b->cause[b->num_causes] = cause;
	b->cause_count[b->num_causes++] = 1;
}

void esup_failure(struct esup *es, const char *number, const char *route_name, int q850_cause)
{
	struct esup_entry *e[2];
	unsigned int i;

	ctr_inc(es, ESUP_CTR_FAILURE);
	get_pair(es, number, route_name, &e[0], &e[1]);
	for (i = 0; i < 2; i++) {
		struct esup_bucket *b;

		if (!e[i])
			continue;
		b = cur_bucket(es, e[i]);
		b->n.failures++;
		e[i]->tot.failures++;
		bucket_cause(b, q850_cause);
		e[i]->consecutive++;
		e[i]->last_cause = q850_cause;
		eval_entry(es, i == 0 ? ALARM_SUBJ_NUMBER : ALARM_SUBJ_ROUTE, e[i]);
	}
}

void esup_refused(struct esup *es, const char *number, int reason)
{
	struct esup_entry *e;

	ctr_inc(es, ESUP_CTR_REFUSED);
	e = entry_get(es, ALARM_SUBJ_NUMBER, number);
	if (!e)
		return;
	cur_bucket(es, e)->n.refused++;
	e->tot.refused++;
	e->last_refusal = reason;
	eval_entry(es, ALARM_SUBJ_NUMBER, e);
}

void esup_route_state(struct esup *es, const char *route_name, bool available)
{
	struct esup_entry *e;

	/* a healthy route nobody reported on needs no entry: only a known one can recover */
	if (available) {
		if (!name_ok(route_name))
			return;
		e = entry_find(es, ALARM_SUBJ_ROUTE, route_name);
	} else {
		e = entry_get(es, ALARM_SUBJ_ROUTE, route_name);
	}
	if (!e || e->available == available)
		return;
	e->available = available;
	if (!available) {
		e->down_since_s = now_ms() / 1000;
		ctr_inc(es, ESUP_CTR_ROUTE_DOWN);
	}
	LOGP(DALARM, LOGL_NOTICE, "emergency route %s %s\n", e->name, available ? "available" : "unavailable");
	stats_update(es);
	eval_entry(es, ALARM_SUBJ_ROUTE, e);
}

const struct esup_cfg *esup_get_cfg(const struct esup *es)
{
	return &es->cfg;
}

int esup_set_ratio(struct esup *es, unsigned int threshold_pct, unsigned int min_attempts)
{
	if (threshold_pct > 100 || min_attempts < 1)
		return -EINVAL;
	es->cfg.ratio_threshold_pct = threshold_pct;
	es->cfg.ratio_min_attempts = min_attempts;
	esup_evaluate(es);
	return 0;
}

int esup_set_consecutive(struct esup *es, unsigned int n)
{
	if (n > 100000)
		return -EINVAL;
	es->cfg.consecutive_failures = n;
	esup_evaluate(es);
	return 0;
}

int esup_set_window(struct esup *es, unsigned int window_s, unsigned int buckets)
{
	int64_t epoch;
	unsigned int t, i;

	if (window_s < 1 || window_s > ESUP_WINDOW_MAX || buckets < 1 || buckets > ESUP_BUCKETS_MAX ||
	    window_s % buckets)
		return -EINVAL;
	if (window_s == es->cfg.window_s && buckets == es->cfg.buckets)
		return 0;
	es->cfg.window_s = window_s;
	es->cfg.buckets = buckets;
	epoch = now_epoch(es);
	for (t = 0; t < _NUM_ALARM_SUBJ; t++) {
		for (i = 0; i < es->tables[t].max; i++) {
			struct esup_entry *e = &es->tables[t].e[i];

			memset(e->ring, 0, sizeof(e->ring));
			memset(&e->tot, 0, sizeof(e->tot));
			e->head = epoch;
		}
	}
	esup_evaluate(es);
	return 0;
}

static void stats_cause(struct esup_stats *out, uint8_t cause, uint32_t count)
{
	unsigned int i;

	for (i = 0; i < out->num_causes; i++) {
		if (out->causes[i].cause == cause) {
			out->causes[i].count += count;
			return;
		}
	}
	if (out->num_causes == ESUP_SHOW_CAUSES) {
		out->other_causes += count;
		return;
	}
	out->causes[out->num_causes].cause = cause;
	out->causes[out->num_causes++].count = count;
}

int esup_stats(struct esup *es, enum alarm_subject type, const char *name, struct esup_stats *out)
{
	struct esup_entry *e;
	unsigned int i, k;

	if (type >= _NUM_ALARM_SUBJ || !name_ok(name))
		return -ENOENT;
	e = entry_find(es, type, name);
	if (!e)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	out->attempts = e->tot.attempts;
	out->successes = e->tot.successes;
	out->failures = e->tot.failures;
	out->refused = e->tot.refused;
	for (i = 0; i < es->cfg.buckets; i++) {
		const struct esup_bucket *b = &e->ring[i];

		for (k = 0; k < b->num_causes; k++)
			stats_cause(out, b->cause[k], b->cause_count[k]);
		out->other_causes += b->other;
	}
	/* most frequent first; at most ESUP_SHOW_CAUSES entries */
	for (i = 1; i < out->num_causes; i++) {
		for (k = i; k > 0 && out->causes[k].count > out->causes[k - 1].count; k--) {
			uint8_t c = out->causes[k].cause;
			uint32_t n = out->causes[k].count;

			out->causes[k] = out->causes[k - 1];
			out->causes[k - 1].cause = c;
			out->causes[k - 1].count = n;
		}
	}
	out->consecutive = e->consecutive;
	out->last_cause = e->last_cause;
	out->last_refusal = e->last_refusal;
	out->available = e->available;
	for (k = 0; k < _NUM_ALARM_KIND; k++)
		out->alarm[k] = e->alarm[k] ? alarm_get_info(e->alarm[k])->state : ALARM_ST_CLEARED;
	return 0;
}

unsigned int esup_count(const struct esup *es, enum alarm_subject type)
{
	return type < _NUM_ALARM_SUBJ ? es->tables[type].used : 0;
}

const char *esup_name_at(const struct esup *es, enum alarm_subject type, unsigned int idx)
{
	const struct esup_table *t;
	unsigned int i;

	if (type >= _NUM_ALARM_SUBJ)
		return NULL;
	t = &es->tables[type];
	for (i = 0; i < t->max; i++)
		if (t->e[i].used && idx-- == 0)
			return t->e[i].name;
	return NULL;
}

struct alarm_registry *esup_alarms(struct esup *es)
{
	return es->alarms;
}

struct alarm_escalator *esup_escalator(struct esup *es)
{
	return es->esc;
}

struct rate_ctr_group *esup_ctrs(const struct esup *es)
{
	return es->ctrs;
}

struct osmo_stat_item_group *esup_stats_group(const struct esup *es)
{
	return es->stats;
}
