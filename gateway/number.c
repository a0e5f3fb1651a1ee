/* number.c - called/calling numbers between SIP URIs and ISUP digits (RFC 3966, RFC 3323/3325, Q.763) */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <osmocom/core/utils.h>

#include "gateway/number.h"

void number_plan_init(struct number_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
	plan->default_nai = NUMBER_NAI_UNKNOWN;
}

/* RFC 3966 5.1.1 visual separators: dropped, they carry no digit. */
static bool is_visual_separator(char c)
{
	return c == '-' || c == '.' || c == '(' || c == ')';
}

int number_from_user(struct number *out, const char *user, size_t len, size_t *bad_at)
{
	size_t i = 0, n = 0;

	memset(out, 0, sizeof(*out));
	out->nai = NUMBER_NAI_UNKNOWN;
	if (len > 0 && user[0] == '+') {
		out->nai = NUMBER_NAI_INTERNATIONAL;
		i = 1;
	}
	for (; i < len && user[i] != ';'; i++) {
		char c = user[i];

		if (is_visual_separator(c))
			continue;
		if (c < '0' || c > '9') {
			if (bad_at)
				*bad_at = i;
			return -EINVAL;
		}
		if (n == NUMBER_MAX_DIGITS) {
			if (bad_at)
				*bad_at = i;
			return -E2BIG;
		}
		out->digits[n++] = c;
	}
	if (n == 0) {
		if (bad_at)
			*bad_at = i;
		return -EINVAL;
	}
	out->digits[n] = '\0';
	return 0;
}

int number_from_uri(struct number *out, const char *uri, size_t *bad_at)
{
	const char *user, *end;
	size_t off;
	int rc;

	if (bad_at)
		*bad_at = 0;
	if (!uri)
		return -EINVAL;
	if (strncasecmp(uri, "tel:", 4) == 0) {
		user = uri + 4;
		end = user + strlen(user);
	} else if (strncasecmp(uri, "sip:", 4) == 0 || strncasecmp(uri, "sips:", 5) == 0) {
		user = strchr(uri, ':') + 1;
		end = strchr(user, '@');
		if (!end) {
			if (bad_at)
				*bad_at = user - uri;
			return -EINVAL;
		}
	} else {
		return -EINVAL;
	}
	rc = number_from_user(out, user, end - user, &off);
	if (rc < 0 && bad_at)
		*bad_at = (user - uri) + off;
	return rc;
}

static bool has_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return n > 0 && strncmp(s, prefix, n) == 0 && s[n] != '\0';
}

static void strip(struct number *num, size_t n)
{
	memmove(num->digits, num->digits + n, strlen(num->digits + n) + 1);
}

void number_normalize(struct number *num, const struct number_plan *plan)
{
	struct {
		const char *prefix;
		uint8_t nai;
	} rules[2] = {
		{ plan->intl_prefix, NUMBER_NAI_INTERNATIONAL },
		{ plan->natl_prefix, NUMBER_NAI_NATIONAL },
	};
	size_t i;

	if (num->nai != NUMBER_NAI_UNKNOWN)
		return;
	/* "00" before "0", whatever the order of configuration */
	if (strlen(rules[1].prefix) > strlen(rules[0].prefix)) {
		rules[0].prefix = plan->natl_prefix;
		rules[0].nai = NUMBER_NAI_NATIONAL;
		rules[1].prefix = plan->intl_prefix;
		rules[1].nai = NUMBER_NAI_INTERNATIONAL;
	}
	for (i = 0; i < ARRAY_SIZE(rules); i++) {
		if (has_prefix(num->digits, rules[i].prefix)) {
			strip(num, strlen(rules[i].prefix));
			num->nai = rules[i].nai;
			return;
		}
	}
	num->nai = plan->default_nai;
}

int number_to_sip_user(char *buf, size_t len, const struct number *num, const struct number_plan *plan)
{
	int n;

	switch (num->nai) {
	case NUMBER_NAI_INTERNATIONAL:
		n = snprintf(buf, len, "+%s", num->digits);
		break;
	case NUMBER_NAI_NATIONAL:
		if (plan->natl_to_e164 && plan->country_code[0])
			n = snprintf(buf, len, "+%s%s", plan->country_code, num->digits);
		else
			n = snprintf(buf, len, "%s%s", plan->natl_prefix, num->digits);
		break;
	default:
		n = snprintf(buf, len, "%s", num->digits);
		break;
	}
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return 0;
}

int number_translate(struct number *num, const struct number_xlat *rules, size_t n_rules)
{
	const struct number_xlat *best = NULL;
	size_t i, best_len = 0, dlen = strlen(num->digits), flen, tlen;
	char tmp[NUMBER_MAX_DIGITS + 1];

	for (i = 0; i < n_rules; i++) {
		flen = strlen(rules[i].from);
		if (flen == 0 || flen > dlen || strncmp(num->digits, rules[i].from, flen) != 0)
			continue;
		if (rules[i].exact && flen != dlen)
			continue;
		if (!best || flen > best_len) {
			best = &rules[i];
			best_len = flen;
		}
	}
	if (!best)
		return 0;
	tlen = strlen(best->to);
	if (tlen + dlen - best_len > NUMBER_MAX_DIGITS)
		return -E2BIG;
	memcpy(tmp, best->to, tlen);
	memcpy(tmp + tlen, num->digits + best_len, dlen - best_len + 1);
	memcpy(num->digits, tmp, sizeof(tmp));
	return 1;
}

/* RFC 3323 section 4.2 priv-values; "session" and "critical" do not concern the identity. */
static const struct {
	const char *value;
	bool restricts;
} privacy_values[] = {
	{ "id", true },		/* RFC 3325 9.3 */
	{ "header", true },
	{ "user", true },
	{ "none", false },
	{ "session", false },
	{ "critical", false },
};

bool number_privacy_restricts(const char *privacy)
{
	const char *p = privacy;
	bool restricts = false;

	if (!privacy)
		return false;
	while (*p) {
		size_t n, i;

		while (*p == ' ' || *p == '\t' || *p == ';' || *p == ',')
			p++;
		n = strcspn(p, " \t;,");
		for (i = 0; n && i < ARRAY_SIZE(privacy_values); i++) {
			if (strlen(privacy_values[i].value) == n &&
			    strncasecmp(p, privacy_values[i].value, n) == 0) {
				/* RFC 3323 4.2: "none" asks for no privacy whatever else is listed */
				if (strcmp(privacy_values[i].value, "none") == 0)
					return false;
				restricts |= privacy_values[i].restricts;
			}
		}
		p += n;
	}
	return restricts;
}

/* The common part: out->num holds the number from the PAI (from_pai) or the From, or found
 * is false when neither carried one. */
static int calling_finish(struct number_calling *out, bool found, bool from_pai, const char *privacy,
			  const struct number_plan *plan)
{
	if (!found) {
		memset(&out->num, 0, sizeof(out->num));
		out->num.nai = NUMBER_NAI_UNKNOWN;
		out->apri = NUMBER_APRI_NOT_AVAILABLE;
		out->screening = NUMBER_SCREEN_NETWORK;
		return 0;
	}
	out->screening = from_pai ? NUMBER_SCREEN_NETWORK : NUMBER_SCREEN_USER_NOT_VERIFIED;
	if (plan)
		number_normalize(&out->num, plan);
	out->apri = number_privacy_restricts(privacy) ? NUMBER_APRI_RESTRICTED : NUMBER_APRI_ALLOWED;
	return 0;
}

int number_calling_from_sip(struct number_calling *out, const char *pai_uri, const char *from_uri,
			    const char *privacy, const struct number_plan *plan)
{
	memset(out, 0, sizeof(*out));
	if (pai_uri && number_from_uri(&out->num, pai_uri, NULL) == 0)
		return calling_finish(out, true, true, privacy, plan);
	if (from_uri && number_from_uri(&out->num, from_uri, NULL) == 0)
		return calling_finish(out, true, false, privacy, plan);
	return calling_finish(out, false, false, privacy, plan);
}

int number_calling_from_users(struct number_calling *out, const char *pai_user, const char *from_user,
			      const char *privacy, const struct number_plan *plan)
{
	memset(out, 0, sizeof(*out));
	if (pai_user && pai_user[0] && number_from_user(&out->num, pai_user, strlen(pai_user), NULL) == 0)
		return calling_finish(out, true, true, privacy, plan);
	if (from_user && from_user[0]
	    && number_from_user(&out->num, from_user, strlen(from_user), NULL) == 0)
		return calling_finish(out, true, false, privacy, plan);
	return calling_finish(out, false, false, privacy, plan);
}

int number_calling_to_sip(struct number_sip_identity *out, const struct number_calling *in,
			  const struct number_plan *plan)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (in->apri == NUMBER_APRI_NOT_AVAILABLE || in->num.digits[0] == '\0') {
		strcpy(out->from_user, "anonymous");
		return 0;
	}
	rc = number_to_sip_user(out->pai_user, sizeof(out->pai_user), &in->num, plan);
	if (rc < 0)
		return rc;
	if (in->apri == NUMBER_APRI_RESTRICTED) {
		/* RFC 3323 4.1.1.3 anonymous From; the number stays in PAI for the trust domain */
		strcpy(out->from_user, "anonymous");
		out->privacy_id = true;
	} else {
		strcpy(out->from_user, out->pai_user);
	}
	return 0;
}

/* cpc= values (3GPP TS 24.229 7.2A.12, draft-mahy-iptel-cpc) towards Q.763 3.11. */
const struct number_cpc_row number_cpc_sip_rows[] = {
	{ "ordinary", NUMBER_CPC_ORDINARY },
	{ "priority", NUMBER_CPC_PRIORITY },
	{ "data", NUMBER_CPC_DATA },
	{ "test", NUMBER_CPC_TEST },
	{ "payphone", NUMBER_CPC_PAYPHONE },
	{ "operator", NUMBER_CPC_OPERATOR_NATIONAL,
	  "no language in cpc=: Q.763's national-use operator value" },
	{ "unknown", NUMBER_CPC_UNKNOWN },
	{ "cellular", NUMBER_CPC_ORDINARY, "no ITU ISUP value" },
	{ "cellular-roaming", NUMBER_CPC_ORDINARY, "no ITU ISUP value" },
	{ "hospital", NUMBER_CPC_ORDINARY, "no ITU ISUP value" },
	{ "police", NUMBER_CPC_ORDINARY, "no ITU ISUP value" },
	{ "prison", NUMBER_CPC_ORDINARY, "no ITU ISUP value" },
};
const size_t number_cpc_sip_len = ARRAY_SIZE(number_cpc_sip_rows);

/* Q.763 3.11 towards cpc=; values not listed (ordinary, unknown, spare) send no parameter. */
const struct number_cpc_row number_cpc_isup_rows[] = {
	{ "operator", NUMBER_CPC_OPERATOR_FRENCH },
	{ "operator", NUMBER_CPC_OPERATOR_ENGLISH },
	{ "operator", NUMBER_CPC_OPERATOR_GERMAN },
	{ "operator", NUMBER_CPC_OPERATOR_RUSSIAN },
	{ "operator", NUMBER_CPC_OPERATOR_SPANISH },
	{ "operator", NUMBER_CPC_OPERATOR_NATIONAL },
	{ "priority", NUMBER_CPC_PRIORITY },
	{ "data", NUMBER_CPC_DATA },
	{ "test", NUMBER_CPC_TEST },
	{ "payphone", NUMBER_CPC_PAYPHONE },
};
const size_t number_cpc_isup_len = ARRAY_SIZE(number_cpc_isup_rows);

uint8_t number_cpc_from_sip(const char *cpc)
{
	size_t i;

	if (!cpc)
		return NUMBER_CPC_ORDINARY;
	for (i = 0; i < number_cpc_sip_len; i++)
		if (strcasecmp(cpc, number_cpc_sip_rows[i].sip) == 0)
			return number_cpc_sip_rows[i].isup;
	return NUMBER_CPC_ORDINARY;
}

const char *number_cpc_to_sip(uint8_t cpc)
{
	size_t i;

	for (i = 0; i < number_cpc_isup_len; i++)
		if (number_cpc_isup_rows[i].isup == cpc)
			return number_cpc_isup_rows[i].sip;
	return NULL;
}
