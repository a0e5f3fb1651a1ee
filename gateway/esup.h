/* esup.h - emergency call supervision: sliding windows per emergency number and per route, alarms */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "gateway/alarm.h"

struct esup;
struct ctrl_handle;
struct rate_ctr_group;
struct osmo_stat_item_group;

#define ESUP_NUMBERS_MAX	64	/* supervised numbers (EMERGENCY_NUMBERS_MAX) */
#define ESUP_ROUTES_MAX		64	/* supervised routes */
#define ESUP_NAME_MAX		ALARM_SUBJECT_MAX
#define ESUP_BUCKETS_MAX	60
#define ESUP_WINDOW_MAX		3600	/* seconds */
#define ESUP_BUCKET_CAUSES	4	/* distinct causes kept per bucket, the rest counted as "other" */
#define ESUP_SHOW_CAUSES	16	/* distinct causes esup_stats() merges over a window */

/* Supervision settings ("alarms" node, alarm_vty.c). A zero threshold or count disables that alarm. */
struct esup_cfg {
	unsigned int ratio_threshold_pct;	/* success-ratio alarm below this; default 80 */
	unsigned int ratio_min_attempts;	/* ... with at least this many outcomes in the window; 10 */
	unsigned int consecutive_failures;	/* consecutive-failures alarm at this many; default 3 */
	unsigned int window_s;			/* sliding window; default 60 */
	unsigned int buckets;			/* of window_s / buckets seconds each; default 6 */
};

/* Counters of struct esup ("esup" rate_ctr_group). */
enum esup_ctr {
	ESUP_CTR_ATTEMPT,		/* "emergency:attempt" */
	ESUP_CTR_SUCCESS,		/* "emergency:success" */
	ESUP_CTR_FAILURE,		/* "emergency:failure" */
	ESUP_CTR_REFUSED,		/* "emergency:refused" */
	ESUP_CTR_ROUTE_DOWN,		/* "emergency:route:down": available -> unavailable */
	ESUP_CTR_TABLE_FULL,		/* "esup:table:full": a report for a new subject found no room */
	ESUP_CTR_BAD_NAME,		/* "esup:name:bad": NULL, empty or too long number/route name */
};

/* Gauges of struct esup ("esup" stat item group). */
enum esup_stat {
	ESUP_STAT_NUMBERS,		/* "esup:numbers": numbers supervised */
	ESUP_STAT_ROUTES,		/* "esup:routes": routes supervised */
	ESUP_STAT_ROUTES_DOWN,		/* "esup:routes:down": supervised routes unavailable */
};

/* A subject's window and state, as esup_stats() reports it. */
struct esup_stats {
	uint32_t attempts;
	uint32_t successes;
	uint32_t failures;
	uint32_t refused;
	struct {
		uint8_t cause;		/* Q.850 cause value */
		uint32_t count;
	} causes[ESUP_SHOW_CAUSES];	/* most frequent first */
	unsigned int num_causes;
	uint32_t other_causes;		/* failures whose cause did not fit a bucket's or this table */
	unsigned int consecutive;	/* failures since the last success */
	int last_cause;			/* -1 if none */
	int last_refusal;		/* reason of the last refusal, -1 if none */
	bool available;			/* routes: false after esup_route_state(.., false) */
	enum alarm_state alarm[_NUM_ALARM_KIND];	/* ALARM_ST_CLEARED when there is no alarm */
};

/*
 * The call layer reports emergency calls only: ordinary traffic is never reported here, so its
 * failures cannot raise emergency alarms. number is the emergency number as classified (digits,
 * e.g. "112"; for urn:service:sos the number it was mapped to); route_name is the route's name
 * ("" or NULL: only the number is counted). Every report is O(1) apart from clearing the buckets
 * that aged out since the subject's last report (at most `buckets`). A report for a subject not
 * yet supervised takes a free entry; when none is free (entries idle for a whole window are
 * reused first) it is counted in "esup:table:full" and dropped, so the tables never grow.
 * Each report re-evaluates its subjects' alarms; a 1 s timer re-evaluates all of them, so alarms
 * are raised and cleared on time without further traffic.
 */
struct esup *esup_alloc(void *ctx, struct ctrl_handle *ctrl /* may be NULL: no TRAPs */);
void esup_free(struct esup *es);
/* TRAPs from now on (NULL: none). The config is read before CTRL opens, and this module must exist
 * for the config's "alarms" node, so the handle usually comes after esup_alloc(). */
void esup_set_ctrl(struct esup *es, struct ctrl_handle *ctrl);

/* An emergency call attempt on a route (each route of the fallback chain is one attempt). */
void esup_attempt(struct esup *es, const char *number, const char *route_name);
/* That attempt reached ACM, CON or ANM (or SIP 18x/200 on a SIP route). */
void esup_success(struct esup *es, const char *number, const char *route_name);
/* That attempt failed with a Q.850 cause (0..127; others are kept as "other"). */
void esup_failure(struct esup *es, const char *number, const char *route_name, int q850_cause);
/* An emergency call refused or shed locally; reason is the enum adm_reason value. */
void esup_refused(struct esup *es, const char *number, int reason);
/* A route became unavailable (destination down, no idle circuit, all blocked) or available again. */
void esup_route_state(struct esup *es, const char *route_name, bool available);

/* Re-evaluate every subject now (the 1 s timer does this; config changes call it too). */
void esup_evaluate(struct esup *es);

const struct esup_cfg *esup_get_cfg(const struct esup *es);
int esup_set_ratio(struct esup *es, unsigned int threshold_pct, unsigned int min_attempts); /* -EINVAL */
int esup_set_consecutive(struct esup *es, unsigned int n);				   /* -EINVAL */
/* window_s a multiple of buckets, 1..ESUP_WINDOW_MAX, buckets 1..ESUP_BUCKETS_MAX; a change
 * empties every window (counts in the old geometry cannot be re-bucketed). -EINVAL. */
int esup_set_window(struct esup *es, unsigned int window_s, unsigned int buckets);

/* The window of one subject; -ENOENT when it is not supervised. */
int esup_stats(struct esup *es, enum alarm_subject type, const char *name, struct esup_stats *out);
/* Supervised subjects in table order, for show; NULL past the end. */
unsigned int esup_count(const struct esup *es, enum alarm_subject type);
const char *esup_name_at(const struct esup *es, enum alarm_subject type, unsigned int idx);

struct alarm_registry *esup_alarms(struct esup *es);
struct alarm_escalator *esup_escalator(struct esup *es);
struct rate_ctr_group *esup_ctrs(const struct esup *es);
struct osmo_stat_item_group *esup_stats_group(const struct esup *es);
