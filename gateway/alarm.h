/* alarm.h - alarm objects with raise/clear hysteresis, a bounded registry, escalation (X.733 severities) */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <osmocom/core/utils.h>

struct alarm;
struct alarm_registry;
struct alarm_escalator;
struct ctrl_handle;
struct rate_ctr_group;
struct osmo_stat_item_group;

#define ALARM_SUBJECT_MAX	33	/* a number (NUMBER_MAX_DIGITS) or a route name, with its NUL */
#define ALARM_DETAIL_MAX	96
#define ALARM_ACTIVE_MAX	128	/* alarm objects alive at once (pending, raised, clearing) */
#define ALARM_HISTORY_MAX	32	/* cleared alarms kept for "show alarms" */
#define ALARM_JSON_MAX		1280	/* one alarm as JSON: fits every field escaped as \u00XX */
#define ALARM_RAISE_AFTER_MAX	10	/* issue 7: raised within 10 s of the onset */

enum alarm_kind {
	ALARM_KIND_SUCCESS_RATIO,	/* success ratio below threshold, enough attempts */
	ALARM_KIND_CONSECUTIVE_FAILURES,/* N failures in a row */
	ALARM_KIND_ROUTE_UNAVAILABLE,	/* destination down, no idle circuit, all blocked */
	ALARM_KIND_REFUSED,		/* emergency calls refused or shed locally */
	_NUM_ALARM_KIND
};

enum alarm_subject {
	ALARM_SUBJ_NUMBER,		/* an emergency number ("112") */
	ALARM_SUBJ_ROUTE,		/* a route by name */
	_NUM_ALARM_SUBJ
};

/* ITU-T X.733 8.1.2.3 perceived severity, most severe first. */
enum alarm_severity {
	ALARM_SEV_CRITICAL,
	ALARM_SEV_MAJOR,
	ALARM_SEV_MINOR,
	ALARM_SEV_WARNING,
	_NUM_ALARM_SEV
};

/* The alarm FSM's states (alarm.c). */
enum alarm_state {
	ALARM_ST_PENDING,	/* condition holds, raise-after not yet elapsed */
	ALARM_ST_RAISED,	/* raised: escalated, visible */
	ALARM_ST_CLEARING,	/* condition gone, clear-after not yet elapsed: still raised */
	ALARM_ST_CLEARED,	/* history only: the object is gone */
};

/* What an alarm says about itself: show, JSON, history. Times are wall clock, 0 = not yet. */
struct alarm_info {
	uint32_t id;
	enum alarm_kind kind;
	enum alarm_subject subject_type;
	char subject[ALARM_SUBJECT_MAX];
	enum alarm_severity severity;
	enum alarm_state state;
	time_t onset_at;		/* condition first seen */
	time_t raised_at;
	time_t cleared_at;
	char detail[ALARM_DETAIL_MAX];	/* the condition as last seen while it held */
};

/* Settings shared by all alarms of a registry (alarm_vty.c edits them). */
struct alarm_cfg {
	enum alarm_severity severity[_NUM_ALARM_KIND];
};

/* Timers of the alarm FSM, in each registry's osmo_tdef table (ours, so negative), in seconds. */
#define ALARM_T_RAISE_AFTER	-1	/* X1: the condition holds this long -> raised; 0..10, default 0 */
#define ALARM_T_CLEAR_AFTER	-2	/* X2: the condition gone this long -> cleared; default 60 */
#define ALARM_CLEAR_AFTER_MAX	86400

/* Counters of struct alarm_registry ("alarm" rate_ctr_group). */
enum alarm_ctr {
	ALARM_CTR_RAISED,		/* "alarm:raised" */
	ALARM_CTR_CLEARED,		/* "alarm:cleared" */
	ALARM_CTR_TABLE_FULL,		/* "alarm:table:full": a condition found no free alarm object */
	ALARM_CTR_TRAP,			/* "alarm:trap": CTRL TRAPs sent */
};

/* Gauges of struct alarm_registry ("alarm" stat item group). */
enum alarm_stat {
	ALARM_STAT_RAISED,		/* "alarms:raised": raised or clearing */
	ALARM_STAT_CRITICAL,		/* "alarms:critical": of those, critical */
	ALARM_STAT_PENDING,		/* "alarms:pending" */
};

/* Counters of struct alarm_escalator ("alarm_escalation" rate_ctr_group). */
enum alarm_esc_ctr {
	ALARM_ESC_CTR_STARTED,		/* "escalation:started" */
	ALARM_ESC_CTR_EXIT_OK,		/* "escalation:exit:ok": exit status 0 */
	ALARM_ESC_CTR_EXIT_FAILED,	/* "escalation:exit:failed": non-zero exit or signal */
	ALARM_ESC_CTR_KILLED,		/* "escalation:killed": ran past escalation-timeout */
	ALARM_ESC_CTR_DROPPED_BUSY,	/* "escalation:dropped:busy": max-running commands already running */
	ALARM_ESC_CTR_SPAWN_FAILED,	/* "escalation:spawn:failed" */
	ALARM_ESC_CTR_STDIN_SHORT,	/* "escalation:stdin:short": the command did not read all the JSON */
};

extern const struct value_string alarm_kind_names[];
extern const struct value_string alarm_subject_names[];
extern const struct value_string alarm_severity_names[];
extern const struct value_string alarm_state_names[];

/* ---- the registry (alarm.c) ---- */

/* A registry raising through `ctrl` (may be NULL: no TRAPs) and `esc` (may be NULL: no command).
 * Defaults: X1 raise-after 0, X2 clear-after 60 s, severities: consecutive-failures and refused critical,
 * success-ratio and route-unavailable major. */
struct alarm_registry *alarm_registry_alloc(void *ctx, struct ctrl_handle *ctrl, struct alarm_escalator *esc);
/* Frees every live alarm silently (no clear is announced: the process is going away). */
void alarm_registry_free(struct alarm_registry *reg);
/* The daemon reads its config (and so the CTRL bind address) before it opens CTRL. */
void alarm_registry_set_ctrl(struct alarm_registry *reg, struct ctrl_handle *ctrl);
struct alarm_cfg *alarm_registry_cfg(struct alarm_registry *reg);
/* X1 and X2 above; set them with osmo_tdef_set(), which checks their bounds. */
struct osmo_tdef *alarm_registry_tdefs(struct alarm_registry *reg);

/* Report whether the condition (kind, subject) holds now. *slot is the caller's handle of that
 * alarm, NULL while there is none: it is created when the condition first holds and set back to
 * NULL when the alarm is cleared (or dropped while pending). detail (may be NULL) describes the
 * condition and is kept while it holds. O(1); FSM events only on a change.
 * Returns 0, or -ENOSPC when the condition holds and no alarm object is free (counted, logged),
 * -EINVAL for a subject too long. */
int alarm_update(struct alarm_registry *reg, struct alarm **slot, enum alarm_kind kind,
		 enum alarm_subject subject_type, const char *subject, bool cond, const char *detail);

const struct alarm_info *alarm_get_info(const struct alarm *a);

/* Live alarms in id order; history newest first. NULL past the end. */
unsigned int alarm_registry_active_count(const struct alarm_registry *reg);
const struct alarm_info *alarm_registry_active_at(const struct alarm_registry *reg, unsigned int idx);
unsigned int alarm_registry_history_count(const struct alarm_registry *reg);
const struct alarm_info *alarm_registry_history_at(const struct alarm_registry *reg, unsigned int idx);
struct rate_ctr_group *alarm_registry_ctrs(const struct alarm_registry *reg);
struct osmo_stat_item_group *alarm_registry_stats(const struct alarm_registry *reg);

/* One alarm as one line of JSON (no newline), for the escalation command:
 * {"id":7,"event":"raised","kind":"consecutive-failures","subject_type":"number","subject":"112",
 *  "severity":"critical","onset_at":..,"raised_at":..,"cleared_at":null,"detail":"..."}
 * event is "raised" or "cleared"; times are seconds since the epoch. Returns the length, or
 * -ENOSPC if buf is too small. */
int alarm_info_json(const struct alarm_info *a, char *buf, size_t len);

/* ---- the escalation command (alarm_escalate.c) ---- */

#define ALARM_ESC_CMD_MAX	256
#define ALARM_ESC_RUNNING_MAX	16	/* bound of max-running */
#define ALARM_ESC_TIMEOUT_MAX	300

/* Defaults: no command, timeout 10 s, max-running 4. */
struct alarm_escalator *alarm_escalator_alloc(void *ctx);
/* Kills (SIGKILL to its process group) and reaps every command still running. */
void alarm_escalator_free(struct alarm_escalator *esc);
int alarm_escalator_set_command(struct alarm_escalator *esc, const char *cmd);	/* NULL/"" = none; -EINVAL */
const char *alarm_escalator_command(const struct alarm_escalator *esc);		/* "" = none */
int alarm_escalator_set_timeout(struct alarm_escalator *esc, unsigned int seconds);	/* 1.., -EINVAL */
unsigned int alarm_escalator_timeout(const struct alarm_escalator *esc);
int alarm_escalator_set_max_running(struct alarm_escalator *esc, unsigned int n);	/* 1.., -EINVAL */
unsigned int alarm_escalator_max_running(const struct alarm_escalator *esc);
unsigned int alarm_escalator_running(const struct alarm_escalator *esc);
struct rate_ctr_group *alarm_escalator_ctrs(const struct alarm_escalator *esc);

/* Start `/bin/sh -c CMD` with the alarm as JSON on its stdin, without blocking: the JSON is
 * written from the osmo select loop, the child is reaped by a 100 ms timer (waitpid on its pid
 * only), and killed with its process group when it outlives the timeout. Returns the child's pid,
 * -ENOENT when no command is set, -EBUSY when max-running commands run (counted, logged), or the
 * negative errno of a failed pipe/spawn (counted). */
pid_t alarm_escalate(struct alarm_escalator *esc, const struct alarm_info *a);

/* ---- VTY (alarm_vty.c) ---- */
struct esup;
/* "alarms" node, "show alarms", "show emergency". Installs once; later calls switch the object. */
void alarm_vty_init(struct esup *es);
