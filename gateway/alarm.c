/* alarm.c - alarm objects (raise/clear hysteresis FSM), their bounded registry, TRAPs (X.733 severities) */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <osmocom/core/fsm.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stat_item.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/tdef.h>
#include <osmocom/core/timer.h>
#include <osmocom/ctrl/control_if.h>

#include "common/log.h"
#include "gateway/alarm.h"

#define S(x) (1 << (x))

enum alarm_event {
	ALARM_EV_COND_ON,	/* the condition holds again; data: NULL */
	ALARM_EV_COND_OFF,	/* the condition is gone; data: NULL */
};

static const struct value_string alarm_event_names[] = {
	{ ALARM_EV_COND_ON, "COND_ON" },
	{ ALARM_EV_COND_OFF, "COND_OFF" },
	{ 0, NULL }
};

const struct value_string alarm_kind_names[] = {
	{ ALARM_KIND_SUCCESS_RATIO, "success-ratio" },
	{ ALARM_KIND_CONSECUTIVE_FAILURES, "consecutive-failures" },
	{ ALARM_KIND_ROUTE_UNAVAILABLE, "route-unavailable" },
	{ ALARM_KIND_REFUSED, "refused" },
	{ 0, NULL }
};

const struct value_string alarm_subject_names[] = {
	{ ALARM_SUBJ_NUMBER, "number" },
	{ ALARM_SUBJ_ROUTE, "route" },
	{ 0, NULL }
};

const struct value_string alarm_severity_names[] = {
	{ ALARM_SEV_CRITICAL, "critical" },
	{ ALARM_SEV_MAJOR, "major" },
	{ ALARM_SEV_MINOR, "minor" },
	{ ALARM_SEV_WARNING, "warning" },
	{ 0, NULL }
};

const struct value_string alarm_state_names[] = {
	{ ALARM_ST_PENDING, "pending" },
	{ ALARM_ST_RAISED, "raised" },
	{ ALARM_ST_CLEARING, "clearing" },
	{ ALARM_ST_CLEARED, "cleared" },
	{ 0, NULL }
};

struct alarm {
	struct alarm_registry *reg;
	struct osmo_fsm_inst *fi;
	struct alarm **slot;		/* the reporter's handle, set to NULL when this object goes */
	struct llist_head entry;	/* reg->active, in id order */
	struct alarm_info info;
};

static const struct osmo_tdef alarm_tdefs_default[] = {
	{ .T = ALARM_T_RAISE_AFTER, .default_val = 0, .unit = OSMO_TDEF_S, .max_val = ALARM_RAISE_AFTER_MAX,
	  .desc = "alarm raise-after: the condition holds this long before the alarm is raised" },
	{ .T = ALARM_T_CLEAR_AFTER, .default_val = 60, .unit = OSMO_TDEF_S, .max_val = ALARM_CLEAR_AFTER_MAX,
	  .desc = "alarm clear-after: the condition is gone this long before the alarm is cleared" },
	{}
};

struct alarm_registry {
	struct alarm_cfg cfg;
	struct osmo_tdef *tdefs;	/* a copy of alarm_tdefs_default per registry */
	struct ctrl_handle *ctrl;
	struct alarm_escalator *esc;
	struct llist_head active;
	unsigned int num_active;
	struct alarm_info history[ALARM_HISTORY_MAX];	/* ring, hist_next is the next write */
	unsigned int hist_next;
	unsigned int hist_count;
	uint32_t next_id;
	bool full_logged;		/* one log line per run of -ENOSPC, not one per report */
	struct rate_ctr_group *ctrs;
	struct osmo_stat_item_group *stats;
};

static const struct rate_ctr_desc alarm_ctr_desc[] = {
	[ALARM_CTR_RAISED] = { "alarm:raised", "Alarms raised" },
	[ALARM_CTR_CLEARED] = { "alarm:cleared", "Alarms cleared" },
	[ALARM_CTR_TABLE_FULL] = { "alarm:table:full", "Alarm conditions without a free alarm object" },
	[ALARM_CTR_TRAP] = { "alarm:trap", "CTRL TRAPs sent for alarms" },
};

static const struct rate_ctr_group_desc alarm_ctrg_desc = {
	.group_name_prefix = "alarm",
	.group_description = "Alarms",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = ARRAY_SIZE(alarm_ctr_desc),
	.ctr_desc = alarm_ctr_desc,
};

static const struct osmo_stat_item_desc alarm_stat_desc[] = {
	[ALARM_STAT_RAISED] = { "alarms:raised", "Alarms raised now (clearing included)", "", 16, 0 },
	[ALARM_STAT_CRITICAL] = { "alarms:critical", "Critical alarms raised now", "", 16, 0 },
	[ALARM_STAT_PENDING] = { "alarms:pending", "Conditions waiting for raise-after", "", 16, 0 },
};

static const struct osmo_stat_item_group_desc alarm_statg_desc = {
	.group_name_prefix = "alarm",
	.group_description = "Alarms",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_items = ARRAY_SIZE(alarm_stat_desc),
	.item_desc = alarm_stat_desc,
};

static time_t wall_now(void)
{
	struct timeval tv;

	osmo_gettimeofday(&tv, NULL);
	return tv.tv_sec;
}

static void ctr_inc(struct alarm_registry *reg, enum alarm_ctr c)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(reg->ctrs, c));
}

/* Gauges are recomputed on each transition: at most ALARM_ACTIVE_MAX objects, transitions are rare. */
static void stats_update(struct alarm_registry *reg)
{
	unsigned int raised = 0, critical = 0, pending = 0;
	struct alarm *a;

	llist_for_each_entry(a, &reg->active, entry) {
		if (a->info.state == ALARM_ST_PENDING) {
			pending++;
			continue;
		}
		raised++;
		if (a->info.severity == ALARM_SEV_CRITICAL)
			critical++;
	}
	osmo_stat_item_set(osmo_stat_item_group_get_item(reg->stats, ALARM_STAT_RAISED), raised);
	osmo_stat_item_set(osmo_stat_item_group_get_item(reg->stats, ALARM_STAT_CRITICAL), critical);
	osmo_stat_item_set(osmo_stat_item_group_get_item(reg->stats, ALARM_STAT_PENDING), pending);
}

/* CTRL TRAP "alarm": "<id> <raised|cleared> <kind> <number|route>:<subject> <severity>". */
static void send_trap(struct alarm *a, const char *event)
{
	struct alarm_registry *reg = a->reg;
	char value[128];

	if (!reg->ctrl)
		return;
	snprintf(value, sizeof(value), "%u %s %s %s:%s %s", a->info.id, event,
		 get_value_string(alarm_kind_names, a->info.kind),
		 get_value_string(alarm_subject_names, a->info.subject_type), a->info.subject,
		 get_value_string(alarm_severity_names, a->info.severity));
	if (ctrl_cmd_send_trap(reg->ctrl, "alarm", value) == 0)
		ctr_inc(reg, ALARM_CTR_TRAP);
}

static void escalate(struct alarm *a)
{
	if (a->reg->esc)
		alarm_escalate(a->reg->esc, &a->info);
}

static void alarm_announce_raise(struct alarm *a)
{
	a->info.raised_at = wall_now();
	a->info.state = ALARM_ST_RAISED;
	LOGPFSML(a->fi, LOGL_ERROR, "ALARM RAISED %s %s %s severity %s: %s\n",
		 get_value_string(alarm_kind_names, a->info.kind),
		 get_value_string(alarm_subject_names, a->info.subject_type), a->info.subject,
		 get_value_string(alarm_severity_names, a->info.severity), a->info.detail);
	ctr_inc(a->reg, ALARM_CTR_RAISED);
	send_trap(a, "raised");
	escalate(a);
}

static void alarm_announce_clear(struct alarm *a)
{
	struct alarm_registry *reg = a->reg;

	a->info.cleared_at = wall_now();
	a->info.state = ALARM_ST_CLEARED;
	LOGPFSML(a->fi, LOGL_NOTICE, "alarm cleared %s %s %s after %ld s (last: %s)\n",
		 get_value_string(alarm_kind_names, a->info.kind),
		 get_value_string(alarm_subject_names, a->info.subject_type), a->info.subject,
		 (long)(a->info.cleared_at - a->info.raised_at), a->info.detail);
	ctr_inc(reg, ALARM_CTR_CLEARED);
	reg->history[reg->hist_next] = a->info;
	reg->hist_next = (reg->hist_next + 1) % ALARM_HISTORY_MAX;
	if (reg->hist_count < ALARM_HISTORY_MAX)
		reg->hist_count++;
	send_trap(a, "cleared");
	escalate(a);
}

static unsigned long timer_s(const struct alarm_registry *reg, int T)
{
	return osmo_tdef_get(reg->tdefs, T, OSMO_TDEF_S, -1);
}

static struct alarm *fi_alarm(struct osmo_fsm_inst *fi)
{
	return fi->priv;
}

static void alarm_pending_action(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	/* ALARM_EV_COND_OFF: gone before raise-after elapsed, a blip, never announced */
	osmo_fsm_inst_term(fi, OSMO_FSM_TERM_REGULAR, NULL);
}

static void alarm_raised_onenter(struct osmo_fsm_inst *fi, uint32_t prev_state)
{
	struct alarm *a = fi_alarm(fi);

	/* back from CLEARING: it was never cleared, so nothing new to announce */
	if (prev_state == ALARM_ST_CLEARING) {
		a->info.state = ALARM_ST_RAISED;
		LOGPFSML(fi, LOGL_NOTICE, "condition back before clear-after: stays raised\n");
	} else {
		alarm_announce_raise(a);
	}
	stats_update(a->reg);
}

static void alarm_raised_action(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct alarm *a = fi_alarm(fi);

	/* ALARM_EV_COND_OFF */
	if (timer_s(a->reg, ALARM_T_CLEAR_AFTER) == 0) {
		alarm_announce_clear(a);
		osmo_fsm_inst_term(fi, OSMO_FSM_TERM_REGULAR, NULL);
		return;
	}
	osmo_fsm_inst_state_chg(fi, ALARM_ST_CLEARING, timer_s(a->reg, ALARM_T_CLEAR_AFTER), ALARM_T_CLEAR_AFTER);
}

static void alarm_clearing_onenter(struct osmo_fsm_inst *fi, uint32_t prev_state)
{
	fi_alarm(fi)->info.state = ALARM_ST_CLEARING;
}

static void alarm_clearing_action(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	/* ALARM_EV_COND_ON */
	osmo_fsm_inst_state_chg(fi, ALARM_ST_RAISED, 0, 0);
}

static int alarm_timer_cb(struct osmo_fsm_inst *fi)
{
	struct alarm *a = fi_alarm(fi);

	switch (fi->T) {
	case ALARM_T_RAISE_AFTER:
		osmo_fsm_inst_state_chg(fi, ALARM_ST_RAISED, 0, 0);
		return 0;
	case ALARM_T_CLEAR_AFTER:
		alarm_announce_clear(a);
		return 1;	/* terminate */
	default:
		OSMO_ASSERT(0);
	}
	return 0;
}

static void alarm_cleanup(struct osmo_fsm_inst *fi, enum osmo_fsm_term_cause cause)
{
	struct alarm *a = fi_alarm(fi);
	struct alarm_registry *reg = a->reg;

	if (a->slot)
		*a->slot = NULL;
	llist_del(&a->entry);
	reg->num_active--;
	reg->full_logged = false;
	stats_update(reg);
}

static const struct osmo_fsm_state alarm_fsm_states[] = {
	[ALARM_ST_PENDING] = {
		.name = "PENDING",
		.in_event_mask = S(ALARM_EV_COND_OFF),
		.out_state_mask = S(ALARM_ST_PENDING) | S(ALARM_ST_RAISED),
		.action = alarm_pending_action,
	},
	[ALARM_ST_RAISED] = {
		.name = "RAISED",
		.in_event_mask = S(ALARM_EV_COND_OFF),
		.out_state_mask = S(ALARM_ST_CLEARING),
		.onenter = alarm_raised_onenter,
		.action = alarm_raised_action,
	},
	[ALARM_ST_CLEARING] = {
		.name = "CLEARING",
		.in_event_mask = S(ALARM_EV_COND_ON),
		.out_state_mask = S(ALARM_ST_RAISED),
		.onenter = alarm_clearing_onenter,
		.action = alarm_clearing_action,
	},
};

static struct osmo_fsm alarm_fsm = {
	.name = "alarm",
	.states = alarm_fsm_states,
	.num_states = ARRAY_SIZE(alarm_fsm_states),
	.log_subsys = DALARM,
	.event_names = alarm_event_names,
	.timer_cb = alarm_timer_cb,
	.cleanup = alarm_cleanup,
};

static int alarm_registry_destructor(struct alarm_registry *reg)
{
	struct alarm *a, *tmp;

	llist_for_each_entry_safe(a, tmp, &reg->active, entry)
		osmo_fsm_inst_term(a->fi, OSMO_FSM_TERM_REQUEST, NULL);
	rate_ctr_group_free(reg->ctrs);
	osmo_stat_item_group_free(reg->stats);
	return 0;
}

struct alarm_registry *alarm_registry_alloc(void *ctx, struct ctrl_handle *ctrl, struct alarm_escalator *esc)
{
	static uint32_t instances;
	struct alarm_registry *reg;

	if (!osmo_fsm_find_by_name(alarm_fsm.name))
		OSMO_ASSERT(osmo_fsm_register(&alarm_fsm) == 0);
	reg = talloc_zero(ctx, struct alarm_registry);
	if (!reg)
		return NULL;
	INIT_LLIST_HEAD(&reg->active);
	reg->ctrl = ctrl;
	reg->esc = esc;
	reg->next_id = 1;
	reg->tdefs = talloc_memdup(reg, alarm_tdefs_default, sizeof(alarm_tdefs_default));
	if (!reg->tdefs) {
		talloc_free(reg);
		return NULL;
	}
	osmo_tdefs_reset(reg->tdefs);
	reg->cfg.severity[ALARM_KIND_SUCCESS_RATIO] = ALARM_SEV_MAJOR;
	reg->cfg.severity[ALARM_KIND_CONSECUTIVE_FAILURES] = ALARM_SEV_CRITICAL;
	reg->cfg.severity[ALARM_KIND_ROUTE_UNAVAILABLE] = ALARM_SEV_MAJOR;
	reg->cfg.severity[ALARM_KIND_REFUSED] = ALARM_SEV_CRITICAL;
	reg->ctrs = rate_ctr_group_alloc(reg, &alarm_ctrg_desc, instances);
	reg->stats = osmo_stat_item_group_alloc(reg, &alarm_statg_desc, instances);
	instances++;
	if (!reg->ctrs || !reg->stats) {
		rate_ctr_group_free(reg->ctrs);
		osmo_stat_item_group_free(reg->stats);
		talloc_free(reg);
		return NULL;
	}
	talloc_set_destructor(reg, alarm_registry_destructor);
	return reg;
}

void alarm_registry_free(struct alarm_registry *reg)
{
	talloc_free(reg);
}

void alarm_registry_set_ctrl(struct alarm_registry *reg, struct ctrl_handle *ctrl)
{
	reg->ctrl = ctrl;
}

struct alarm_cfg *alarm_registry_cfg(struct alarm_registry *reg)
{
	return &reg->cfg;
}

struct osmo_tdef *alarm_registry_tdefs(struct alarm_registry *reg)
{
	return reg->tdefs;
}

static struct alarm *alarm_alloc(struct alarm_registry *reg, enum alarm_kind kind,
				 enum alarm_subject subject_type, const char *subject)
{
	struct osmo_fsm_inst *fi;
	struct alarm *a;
	char id[16];

	snprintf(id, sizeof(id), "%u", reg->next_id);
	fi = osmo_fsm_inst_alloc(&alarm_fsm, reg, NULL, LOGL_DEBUG, id);
	if (!fi)
		return NULL;
	a = talloc_zero(fi, struct alarm);
	if (!a) {
		osmo_fsm_inst_free(fi);
		return NULL;
	}
	fi->priv = a;
	a->fi = fi;
	a->reg = reg;
	a->info.id = reg->next_id++;
	a->info.kind = kind;
	a->info.subject_type = subject_type;
	OSMO_STRLCPY_ARRAY(a->info.subject, subject);
	a->info.severity = reg->cfg.severity[kind];
	a->info.state = ALARM_ST_PENDING;
	a->info.onset_at = wall_now();
	llist_add_tail(&a->entry, &reg->active);
	reg->num_active++;
	return a;
}

int alarm_update(struct alarm_registry *reg, struct alarm **slot, enum alarm_kind kind,
		 enum alarm_subject subject_type, const char *subject, bool cond, const char *detail)
{
	struct alarm *a = *slot;

	if (!a) {
		if (!cond)
			return 0;
		if (strnlen(subject, ALARM_SUBJECT_MAX) >= ALARM_SUBJECT_MAX || kind >= _NUM_ALARM_KIND ||
		    subject_type >= _NUM_ALARM_SUBJ)
			return -EINVAL;
		if (reg->num_active >= ALARM_ACTIVE_MAX) {
			ctr_inc(reg, ALARM_CTR_TABLE_FULL);
			if (!reg->full_logged)
				LOGP(DALARM, LOGL_ERROR, "alarm table full (%u): %s %s %s not raised\n",
				     ALARM_ACTIVE_MAX, get_value_string(alarm_kind_names, kind),
				     get_value_string(alarm_subject_names, subject_type), subject);
			reg->full_logged = true;
			return -ENOSPC;
		}
		a = alarm_alloc(reg, kind, subject_type, subject);
		if (!a)
			return -ENOMEM;
		*slot = a;
		a->slot = slot;
		if (detail)
			OSMO_STRLCPY_ARRAY(a->info.detail, detail);
		if (timer_s(reg, ALARM_T_RAISE_AFTER) == 0) {
			osmo_fsm_inst_state_chg(a->fi, ALARM_ST_RAISED, 0, 0);
		} else {
			osmo_fsm_inst_state_chg(a->fi, ALARM_ST_PENDING, timer_s(reg, ALARM_T_RAISE_AFTER),
						ALARM_T_RAISE_AFTER);
			stats_update(reg);
		}
		return 0;
	}
	if (cond && detail)
		OSMO_STRLCPY_ARRAY(a->info.detail, detail);
	switch (a->fi->state) {
	case ALARM_ST_PENDING:
	case ALARM_ST_RAISED:
		if (!cond)
			osmo_fsm_inst_dispatch(a->fi, ALARM_EV_COND_OFF, NULL);
		break;
	case ALARM_ST_CLEARING:
		if (cond)
			osmo_fsm_inst_dispatch(a->fi, ALARM_EV_COND_ON, NULL);
		break;
	}
	return 0;
}

const struct alarm_info *alarm_get_info(const struct alarm *a)
{
	return &a->info;
}

unsigned int alarm_registry_active_count(const struct alarm_registry *reg)
{
	return reg->num_active;
}

const struct alarm_info *alarm_registry_active_at(const struct alarm_registry *reg, unsigned int idx)
{
	struct alarm *a;

	if (idx >= reg->num_active)
		return NULL;
	llist_for_each_entry(a, &reg->active, entry)
		if (idx-- == 0)
			return &a->info;
	return NULL;
}

unsigned int alarm_registry_history_count(const struct alarm_registry *reg)
{
	return reg->hist_count;
}

const struct alarm_info *alarm_registry_history_at(const struct alarm_registry *reg, unsigned int idx)
{
	if (idx >= reg->hist_count)
		return NULL;
	return &reg->history[(reg->hist_next + ALARM_HISTORY_MAX - 1 - idx) % ALARM_HISTORY_MAX];
}

struct rate_ctr_group *alarm_registry_ctrs(const struct alarm_registry *reg)
{
	return reg->ctrs;
}

struct osmo_stat_item_group *alarm_registry_stats(const struct alarm_registry *reg)
{
	return reg->stats;
}

/* Bounded JSON writer: each append checks the room left, so a long subject can never overflow. */
struct jbuf {
	char *buf;
	size_t len;
	size_t pos;
	bool overflow;
};

static void j_raw(struct jbuf *j, const char *s, size_t n)
{
	if (j->overflow || j->pos + n >= j->len) {
		j->overflow = true;
		return;
	}
	memcpy(j->buf + j->pos, s, n);
	j->pos += n;
	j->buf[j->pos] = '\0';
}

static void j_str(struct jbuf *j, const char *s)
{
	char esc[8];

	j_raw(j, "\"", 1);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = c;
			j_raw(j, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			j_raw(j, esc, 6);
		} else {
			j_raw(j, (const char *)&c, 1);
		}
	}
	j_raw(j, "\"", 1);
}

static void j_key(struct jbuf *j, const char *key, bool first)
{
	if (!first)
		j_raw(j, ",", 1);
	j_str(j, key);
	j_raw(j, ":", 1);
}

static void j_time(struct jbuf *j, const char *key, time_t t)
{
	char num[24];

	j_key(j, key, false);
	if (!t) {
		j_raw(j, "null", 4);
		return;
	}
	snprintf(num, sizeof(num), "%lld", (long long)t);
	j_raw(j, num, strlen(num));
}

int alarm_info_json(const struct alarm_info *a, char *buf, size_t len)
{
	struct jbuf j = { .buf = buf, .len = len };
	char num[16];

	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	j_raw(&j, "{", 1);
	j_key(&j, "id", true);
	snprintf(num, sizeof(num), "%u", a->id);
	j_raw(&j, num, strlen(num));
	j_key(&j, "event", false);
	j_str(&j, a->state == ALARM_ST_CLEARED ? "cleared" : "raised");
	j_key(&j, "kind", false);
	j_str(&j, get_value_string(alarm_kind_names, a->kind));
	j_key(&j, "subject_type", false);
	j_str(&j, get_value_string(alarm_subject_names, a->subject_type));
	j_key(&j, "subject", false);
	j_str(&j, a->subject);
	j_key(&j, "severity", false);
	j_str(&j, get_value_string(alarm_severity_names, a->severity));
	j_time(&j, "onset_at", a->onset_at);
	j_time(&j, "raised_at", a->raised_at);
	j_time(&j, "cleared_at", a->cleared_at);
	j_key(&j, "detail", false);
	j_str(&j, a->detail);
	j_raw(&j, "}", 1);
	return j.overflow ? -ENOSPC : (int)j.pos;
}
