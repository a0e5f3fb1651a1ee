/* emergency.c - classify a call as emergency, priority or ordinary (RFC 5031, RFC 4412, Q.763 3.11) */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "gateway/emergency.h"

/* Twice the number bound, so linear probing stays short; a power of two for the mask. */
#define EMERGENCY_HASH_SLOTS	128

struct emergency_number {
	char digits[NUMBER_MAX_DIGITS + 1];
	char region[EMERGENCY_REGION_MAX];
};

struct emergency_rph {
	char pattern[EMERGENCY_RPH_LEN];
	enum gw_call_class cls;
};

struct emergency_cpc {
	uint8_t cpc;
	enum gw_call_class cls;
};

struct emergency_cfg {
	struct emergency_number numbers[EMERGENCY_NUMBERS_MAX];	/* configuration order */
	unsigned int num_numbers;
	int8_t hash[EMERGENCY_HASH_SLOTS];	/* index into numbers, -1 = empty */
	struct emergency_rph rph[EMERGENCY_RPH_MAX];
	unsigned int num_rph;
	struct emergency_cpc cpc[EMERGENCY_CPC_MAX];
	unsigned int num_cpc;
	struct rate_ctr_group *ctrs;
};

/* France's 15 (SAMU), 17 (police), 18 (fire) and the European 112. */
const char *const emergency_default_numbers[] = { "15", "17", "18", "112" };
const unsigned int emergency_default_numbers_len = ARRAY_SIZE(emergency_default_numbers);

/* RFC 4412 section 12 namespaces: esnet for emergency services, ets/wps for GETS-like priority. */
const struct emergency_rph_default emergency_default_rph[] = {
	{ "esnet.*", GW_CALL_CLASS_EMERGENCY },
	{ "ets.*", GW_CALL_CLASS_PRIORITY },
	{ "wps.*", GW_CALL_CLASS_PRIORITY },
};
const unsigned int emergency_default_rph_len = ARRAY_SIZE(emergency_default_rph);

/* Q.763 3.11: 0x0b "calling subscriber with priority". */
const struct emergency_cpc_default emergency_default_cpc[] = {
	{ NUMBER_CPC_PRIORITY, GW_CALL_CLASS_PRIORITY },
};
const unsigned int emergency_default_cpc_len = ARRAY_SIZE(emergency_default_cpc);

static const struct rate_ctr_desc emergency_ctr_desc[] = {
	[EMERGENCY_CTR_BY_NUMBER] = { "class:emergency:number", "Emergency calls by short number" },
	[EMERGENCY_CTR_BY_URN] = { "class:emergency:urn", "Emergency calls by urn:service:sos" },
	[EMERGENCY_CTR_BY_RPH] = { "class:emergency:rph", "Emergency calls by Resource-Priority" },
	[EMERGENCY_CTR_BY_CPC] = { "class:emergency:cpc", "Emergency calls by calling party's category" },
	[EMERGENCY_CTR_PRIORITY] = { "class:priority", "Priority calls" },
	[EMERGENCY_CTR_ORDINARY] = { "class:ordinary", "Ordinary calls" },
	[EMERGENCY_CTR_CFG_FULL] = { "config:full", "Emergency config entries refused: table full" },
};

static const struct rate_ctr_group_desc emergency_ctrg_desc = {
	.group_name_prefix = "emergency",
	.group_description = "Emergency classification",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = ARRAY_SIZE(emergency_ctr_desc),
	.ctr_desc = emergency_ctr_desc,
};

static void ctr_inc(const struct emergency_cfg *cfg, enum emergency_ctr c)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(cfg->ctrs, c));
}

static int emergency_cfg_destructor(struct emergency_cfg *cfg)
{
	rate_ctr_group_free(cfg->ctrs);
	return 0;
}

struct emergency_cfg *emergency_cfg_alloc(void *ctx)
{
	struct emergency_cfg *cfg = talloc_zero(ctx, struct emergency_cfg);
	unsigned int i;

	if (!cfg)
		return NULL;
	cfg->ctrs = rate_ctr_group_alloc(cfg, &emergency_ctrg_desc, 0);
	if (!cfg->ctrs) {
		talloc_free(cfg);
		return NULL;
	}
	talloc_set_destructor(cfg, emergency_cfg_destructor);
	memset(cfg->hash, -1, sizeof(cfg->hash));
	for (i = 0; i < emergency_default_numbers_len; i++)
		emergency_number_add(cfg, emergency_default_numbers[i], NULL);
	for (i = 0; i < emergency_default_rph_len; i++)
		emergency_rph_add(cfg, emergency_default_rph[i].pattern, emergency_default_rph[i].cls);
	for (i = 0; i < emergency_default_cpc_len; i++)
		emergency_cpc_add(cfg, emergency_default_cpc[i].cpc, emergency_default_cpc[i].cls);
	return cfg;
}

void emergency_cfg_free(struct emergency_cfg *cfg)
{
	talloc_free(cfg);
}

struct rate_ctr_group *emergency_cfg_ctrs(const struct emergency_cfg *cfg)
{
	return cfg->ctrs;
}

/* FNV-1a over at most NUMBER_MAX_DIGITS + 1 characters. */
static unsigned int digits_hash(const char *digits)
{
	uint32_t h = 2166136261u;
	unsigned int i;

	for (i = 0; digits[i] && i <= NUMBER_MAX_DIGITS; i++)
		h = (h ^ (uint8_t)digits[i]) * 16777619u;
	return h & (EMERGENCY_HASH_SLOTS - 1);
}

/* Slot holding `digits`, or the empty slot where it would go (-1 is never returned: the table
 * has twice as many slots as numbers). */
static unsigned int hash_slot(const struct emergency_cfg *cfg, const char *digits)
{
	unsigned int s = digits_hash(digits), i;

	for (i = 0; i < EMERGENCY_HASH_SLOTS; i++, s = (s + 1) & (EMERGENCY_HASH_SLOTS - 1)) {
		if (cfg->hash[s] < 0 || strcmp(cfg->numbers[cfg->hash[s]].digits, digits) == 0)
			return s;
	}
	OSMO_ASSERT(0);
	return 0;
}

static void hash_rebuild(struct emergency_cfg *cfg)
{
	unsigned int i;

	memset(cfg->hash, -1, sizeof(cfg->hash));
	for (i = 0; i < cfg->num_numbers; i++)
		cfg->hash[hash_slot(cfg, cfg->numbers[i].digits)] = i;
}

bool emergency_number_is(const struct emergency_cfg *cfg, const char *digits, const char **region)
{
	int idx;

	if (!digits || strnlen(digits, NUMBER_MAX_DIGITS + 1) > NUMBER_MAX_DIGITS)
		return false;
	idx = cfg->hash[hash_slot(cfg, digits)];
	if (idx < 0)
		return false;
	if (region)
		*region = cfg->numbers[idx].region;
	return true;
}

static bool digits_ok(const char *digits)
{
	size_t n = strlen(digits);

	return n > 0 && n <= NUMBER_MAX_DIGITS && strspn(digits, "0123456789") == n;
}

int emergency_number_add(struct emergency_cfg *cfg, const char *digits, const char *region)
{
	struct emergency_number *num;
	unsigned int s;

	if (!digits_ok(digits))
		return -EINVAL;
	if (region && (strlen(region) >= EMERGENCY_REGION_MAX || strchr(region, ' ')))
		return -EINVAL;
	s = hash_slot(cfg, digits);
	if (cfg->hash[s] >= 0) {
		num = &cfg->numbers[cfg->hash[s]];
	} else {
		if (cfg->num_numbers == EMERGENCY_NUMBERS_MAX) {
			ctr_inc(cfg, EMERGENCY_CTR_CFG_FULL);
			return -ENOSPC;
		}
		num = &cfg->numbers[cfg->num_numbers];
		OSMO_STRLCPY_ARRAY(num->digits, digits);
		cfg->hash[s] = cfg->num_numbers++;
	}
	OSMO_STRLCPY_ARRAY(num->region, region ? region : "");
	return 0;
}

int emergency_number_del(struct emergency_cfg *cfg, const char *digits)
{
	int idx;

	if (!digits_ok(digits))
		return -ENOENT;
	idx = cfg->hash[hash_slot(cfg, digits)];
	if (idx < 0)
		return -ENOENT;
	memmove(&cfg->numbers[idx], &cfg->numbers[idx + 1],
		(cfg->num_numbers - idx - 1) * sizeof(cfg->numbers[0]));
	cfg->num_numbers--;
	hash_rebuild(cfg);
	return 0;
}

unsigned int emergency_number_count(const struct emergency_cfg *cfg)
{
	return cfg->num_numbers;
}

int emergency_number_at(const struct emergency_cfg *cfg, unsigned int idx, const char **digits,
			const char **region)
{
	if (idx >= cfg->num_numbers)
		return -ENOENT;
	*digits = cfg->numbers[idx].digits;
	*region = cfg->numbers[idx].region;
	return 0;
}

/* RFC 4412 3.1: r-value = namespace "." r-priority, both tokens of [a-zA-Z0-9-]. */
static bool rph_token(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool rph_pattern_ok(const char *p)
{
	const char *dot = strchr(p, '.');

	if (!dot || strlen(p) >= EMERGENCY_RPH_LEN || !rph_token(p, dot - p))
		return false;
	return strcmp(dot + 1, "*") == 0 || rph_token(dot + 1, strlen(dot + 1));
}

static bool class_ok(enum gw_call_class cls)
{
	return cls == GW_CALL_CLASS_EMERGENCY || cls == GW_CALL_CLASS_PRIORITY;
}

int emergency_rph_add(struct emergency_cfg *cfg, const char *pattern, enum gw_call_class cls)
{
	unsigned int i;

	if (!rph_pattern_ok(pattern) || !class_ok(cls))
		return -EINVAL;
	for (i = 0; i < cfg->num_rph; i++) {
		if (strcasecmp(cfg->rph[i].pattern, pattern) == 0) {
			cfg->rph[i].cls = cls;
			return 0;
		}
	}
	if (cfg->num_rph == EMERGENCY_RPH_MAX) {
		ctr_inc(cfg, EMERGENCY_CTR_CFG_FULL);
		return -ENOSPC;
	}
	OSMO_STRLCPY_ARRAY(cfg->rph[cfg->num_rph].pattern, pattern);
	cfg->rph[cfg->num_rph].cls = cls;
	cfg->num_rph++;
	return 0;
}

int emergency_rph_del(struct emergency_cfg *cfg, const char *pattern)
{
	unsigned int i;

	for (i = 0; i < cfg->num_rph; i++) {
		if (strcasecmp(cfg->rph[i].pattern, pattern) == 0) {
			memmove(&cfg->rph[i], &cfg->rph[i + 1], (cfg->num_rph - i - 1) * sizeof(cfg->rph[0]));
			cfg->num_rph--;
			return 0;
		}
	}
	return -ENOENT;
}

unsigned int emergency_rph_count(const struct emergency_cfg *cfg)
{
	return cfg->num_rph;
}

int emergency_rph_at(const struct emergency_cfg *cfg, unsigned int idx, const char **pattern,
		     enum gw_call_class *cls)
{
	if (idx >= cfg->num_rph)
		return -ENOENT;
	*pattern = cfg->rph[idx].pattern;
	*cls = cfg->rph[idx].cls;
	return 0;
}

/* Does r-value s[0..n) match a pattern? "ns.*" compares the namespace only. */
static bool rph_match(const char *pattern, const char *s, size_t n)
{
	const char *pdot = strchr(pattern, '.');
	const char *sdot = memchr(s, '.', n);
	size_t ns_len = pdot - pattern;

	if (!sdot || (size_t)(sdot - s) != ns_len || strncasecmp(pattern, s, ns_len) != 0)
		return false;
	if (strcmp(pdot + 1, "*") == 0)
		return rph_token(sdot + 1, n - (sdot + 1 - s));
	return strlen(pattern) == n && strncasecmp(pattern, s, n) == 0;
}

enum gw_call_class emergency_rph_class(const struct emergency_cfg *cfg, const char *value)
{
	enum gw_call_class best = GW_CALL_CLASS_ORDINARY;
	const char *p = value;

	if (!value)
		return best;
	while (*p) {
		size_t n;
		unsigned int i;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		n = strcspn(p, " \t,");
		for (i = 0; n && i < cfg->num_rph; i++)
			if (cfg->rph[i].cls < best && rph_match(cfg->rph[i].pattern, p, n))
				best = cfg->rph[i].cls;
		p += n;
	}
	return best;
}

int emergency_cpc_add(struct emergency_cfg *cfg, uint8_t cpc, enum gw_call_class cls)
{
	unsigned int i;

	if (!class_ok(cls))
		return -EINVAL;
	for (i = 0; i < cfg->num_cpc; i++) {
		if (cfg->cpc[i].cpc == cpc) {
			cfg->cpc[i].cls = cls;
			return 0;
		}
	}
	if (cfg->num_cpc == EMERGENCY_CPC_MAX) {
		ctr_inc(cfg, EMERGENCY_CTR_CFG_FULL);
		return -ENOSPC;
	}
	cfg->cpc[cfg->num_cpc].cpc = cpc;
	cfg->cpc[cfg->num_cpc].cls = cls;
	cfg->num_cpc++;
	return 0;
}

int emergency_cpc_del(struct emergency_cfg *cfg, uint8_t cpc)
{
	unsigned int i;

	for (i = 0; i < cfg->num_cpc; i++) {
		if (cfg->cpc[i].cpc == cpc) {
			memmove(&cfg->cpc[i], &cfg->cpc[i + 1], (cfg->num_cpc - i - 1) * sizeof(cfg->cpc[0]));
			cfg->num_cpc--;
			return 0;
		}
	}
	return -ENOENT;
}

unsigned int emergency_cpc_count(const struct emergency_cfg *cfg)
{
	return cfg->num_cpc;
}

int emergency_cpc_at(const struct emergency_cfg *cfg, unsigned int idx, uint8_t *cpc,
		     enum gw_call_class *cls)
{
	if (idx >= cfg->num_cpc)
		return -ENOENT;
	*cpc = cfg->cpc[idx].cpc;
	*cls = cfg->cpc[idx].cls;
	return 0;
}

static enum gw_call_class cpc_class(const struct emergency_cfg *cfg, int cpc)
{
	unsigned int i;

	for (i = 0; i < cfg->num_cpc; i++)
		if (cfg->cpc[i].cpc == cpc)
			return cfg->cpc[i].cls;
	return GW_CALL_CLASS_ORDINARY;
}

bool emergency_uri_is_sos(const char *uri)
{
	static const char sos[] = "urn:service:sos";
	size_t n = sizeof(sos) - 1;

	if (!uri || strncasecmp(uri, sos, n) != 0)
		return false;
	return uri[n] == '\0' || (uri[n] == '.' && uri[n + 1] != '\0');
}

enum gw_call_class emergency_classify_pure(const struct emergency_cfg *cfg,
					   const struct emergency_call_info *in, enum emergency_reason *why)
{
	enum gw_call_class cls = GW_CALL_CLASS_ORDINARY, c;
	enum emergency_reason reason = EMERGENCY_WHY_NONE;

	/* strongest evidence first: a dialled emergency number cannot be spoofed upstream */
	if (in->called_digits && emergency_number_is(cfg, in->called_digits, NULL)) {
		cls = GW_CALL_CLASS_EMERGENCY;
		reason = EMERGENCY_WHY_NUMBER;
		goto out;
	}
	if (emergency_uri_is_sos(in->request_uri)) {
		cls = GW_CALL_CLASS_EMERGENCY;
		reason = EMERGENCY_WHY_URN;
		goto out;
	}
	c = emergency_rph_class(cfg, in->resource_priority);
	if (c < cls) {
		cls = c;
		reason = EMERGENCY_WHY_RPH;
	}
	if (in->isup_cpc >= 0 && in->isup_cpc <= 255) {
		c = cpc_class(cfg, in->isup_cpc);
		if (c < cls) {
			cls = c;
			reason = EMERGENCY_WHY_CPC;
		}
	}
	if (in->sip_cpc) {
		c = cpc_class(cfg, number_cpc_from_sip(in->sip_cpc));
		if (c < cls) {
			cls = c;
			reason = EMERGENCY_WHY_CPC;
		}
	}
out:
	if (why)
		*why = reason;
	return cls;
}

enum gw_call_class emergency_classify(struct emergency_cfg *cfg, const struct emergency_call_info *in,
				      enum emergency_reason *why)
{
	static const enum emergency_ctr by_reason[] = {
		[EMERGENCY_WHY_NUMBER] = EMERGENCY_CTR_BY_NUMBER,
		[EMERGENCY_WHY_URN] = EMERGENCY_CTR_BY_URN,
		[EMERGENCY_WHY_RPH] = EMERGENCY_CTR_BY_RPH,
		[EMERGENCY_WHY_CPC] = EMERGENCY_CTR_BY_CPC,
	};
	enum emergency_reason reason;
	enum gw_call_class cls = emergency_classify_pure(cfg, in, &reason);

	if (cls == GW_CALL_CLASS_EMERGENCY)
		ctr_inc(cfg, by_reason[reason]);
	else
		ctr_inc(cfg, cls == GW_CALL_CLASS_PRIORITY ? EMERGENCY_CTR_PRIORITY : EMERGENCY_CTR_ORDINARY);
	if (why)
		*why = reason;
	return cls;
}
