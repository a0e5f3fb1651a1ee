/* emergency.h - classify a call as emergency, priority or ordinary (RFC 5031, RFC 4412, Q.763 3.11) */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "gateway/number.h"

#define EMERGENCY_NUMBERS_MAX	64
#define EMERGENCY_REGION_MAX	32
#define EMERGENCY_RPH_MAX	16
#define EMERGENCY_RPH_LEN	32
#define EMERGENCY_CPC_MAX	8

struct emergency_cfg;

/* Same values as enum adm_class (admission/): ADM_CLASS_EMERGENCY=0, ADM_CLASS_PRIORITY=1,
 * ADM_CLASS_ORDINARY=2, so a class passes from here to admission as an int unchanged. */
enum gw_call_class {
	GW_CALL_CLASS_EMERGENCY	= 0,
	GW_CALL_CLASS_PRIORITY	= 1,
	GW_CALL_CLASS_ORDINARY	= 2,
};

/* What decided the class (for counters and the call's log line). */
enum emergency_reason {
	EMERGENCY_WHY_NONE,		/* ordinary */
	EMERGENCY_WHY_NUMBER,		/* configured emergency short number */
	EMERGENCY_WHY_URN,		/* urn:service:sos[.*] Request-URI (RFC 5031) */
	EMERGENCY_WHY_RPH,		/* Resource-Priority r-value (RFC 4412) */
	EMERGENCY_WHY_CPC,		/* ISUP calling party's category or SIP cpc= */
};

/* Counters of struct emergency_cfg ("emergency" rate_ctr_group). */
enum emergency_ctr {
	EMERGENCY_CTR_BY_NUMBER,	/* "class:emergency:number" */
	EMERGENCY_CTR_BY_URN,		/* "class:emergency:urn" */
	EMERGENCY_CTR_BY_RPH,		/* "class:emergency:rph" */
	EMERGENCY_CTR_BY_CPC,		/* "class:emergency:cpc" */
	EMERGENCY_CTR_PRIORITY,		/* "class:priority" */
	EMERGENCY_CTR_ORDINARY,		/* "class:ordinary" */
	EMERGENCY_CTR_CFG_FULL,		/* "config:full": a number/r-value/cpc refused, -ENOSPC */
};

/* What is known of the call at the door; any field may be absent (NULL, or -1 for isup_cpc). */
struct emergency_call_info {
	const char *called_digits;	/* called number digits as received (no + or separators) */
	const char *request_uri;	/* SIP Request-URI */
	const char *resource_priority;	/* SIP Resource-Priority header value */
	int isup_cpc;			/* ISUP calling party's category, -1 if none */
	const char *sip_cpc;		/* cpc= parameter of the calling party's URI */
};

/* A configuration holding the defaults: numbers 15, 17, 18, 112; r-values esnet.* emergency,
 * ets.* and wps.* priority; CPC 11 (priority) priority. */
struct emergency_cfg *emergency_cfg_alloc(void *ctx);
void emergency_cfg_free(struct emergency_cfg *cfg);

/* The highest class any field gives (emergency > priority > ordinary); *why may be NULL. */
/* The same decision without counting: reads the configuration only, so the SIP thread's
 * admission hook may call it while the main thread runs. */
enum gw_call_class emergency_classify_pure(const struct emergency_cfg *cfg,
					   const struct emergency_call_info *in, enum emergency_reason *why);
enum gw_call_class emergency_classify(struct emergency_cfg *cfg, const struct emergency_call_info *in,
				      enum emergency_reason *why);

/* Exact-match lookup of emergency numbers, O(length) through a fixed hash; region may be NULL. */
bool emergency_number_is(const struct emergency_cfg *cfg, const char *digits, const char **region);
/* Same digits replace the region. -EINVAL (non-digits, empty, long), -ENOSPC. */
int emergency_number_add(struct emergency_cfg *cfg, const char *digits, const char *region);
int emergency_number_del(struct emergency_cfg *cfg, const char *digits);	/* -ENOENT */
unsigned int emergency_number_count(const struct emergency_cfg *cfg);
/* idx-th number in configuration order; -ENOENT past the end. *region is "" when none. */
int emergency_number_at(const struct emergency_cfg *cfg, unsigned int idx, const char **digits,
			const char **region);

/* r-value pattern "ns.*" (the namespace) or "ns.prio" (exactly), case-insensitive (RFC 4412 3.1).
 * cls is EMERGENCY or PRIORITY. Same pattern replaces the class. -EINVAL, -ENOSPC. */
int emergency_rph_add(struct emergency_cfg *cfg, const char *pattern, enum gw_call_class cls);
int emergency_rph_del(struct emergency_cfg *cfg, const char *pattern);	/* -ENOENT */
unsigned int emergency_rph_count(const struct emergency_cfg *cfg);
int emergency_rph_at(const struct emergency_cfg *cfg, unsigned int idx, const char **pattern,
		     enum gw_call_class *cls);
/* Class a Resource-Priority header value gives ("esnet.1, wps.3"); ORDINARY if none matches. */
enum gw_call_class emergency_rph_class(const struct emergency_cfg *cfg, const char *value);

/* Calling party's category value (0..255) -> class. -EINVAL, -ENOSPC. */
int emergency_cpc_add(struct emergency_cfg *cfg, uint8_t cpc, enum gw_call_class cls);
int emergency_cpc_del(struct emergency_cfg *cfg, uint8_t cpc);	/* -ENOENT */
unsigned int emergency_cpc_count(const struct emergency_cfg *cfg);
int emergency_cpc_at(const struct emergency_cfg *cfg, unsigned int idx, uint8_t *cpc,
		     enum gw_call_class *cls);

/* urn:service:sos or urn:service:sos.<anything> (RFC 5031 4.2), case-insensitive. */
bool emergency_uri_is_sos(const char *uri);

struct rate_ctr_group *emergency_cfg_ctrs(const struct emergency_cfg *cfg);

/* VTY: "emergency" node and "show emergency numbers" (emergency_vty.c). */
/* Installs the commands once; later calls only switch the config they act on. */
void emergency_vty_init(struct emergency_cfg *cfg);

/* The defaults emergency_cfg_alloc installs (config write prints "no ..." for removed ones). */
struct emergency_rph_default {
	const char *pattern;
	enum gw_call_class cls;
};
struct emergency_cpc_default {
	uint8_t cpc;
	enum gw_call_class cls;
};
extern const char *const emergency_default_numbers[];
extern const unsigned int emergency_default_numbers_len;
extern const struct emergency_rph_default emergency_default_rph[];
extern const unsigned int emergency_default_rph_len;
extern const struct emergency_cpc_default emergency_default_cpc[];
extern const unsigned int emergency_default_cpc_len;
