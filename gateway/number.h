/* number.h - called/calling numbers between SIP URIs and ISUP digits (RFC 3966, RFC 3323/3325, Q.763) */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NUMBER_MAX_DIGITS	32	/* ISUP carries at most 32 address signals in practice */
#define NUMBER_PREFIX_MAX	8	/* national/international prefix, country code */
#define NUMBER_USER_MAX		(NUMBER_MAX_DIGITS + NUMBER_PREFIX_MAX + 2)

/* Nature of address indicator, values of Q.763 3.9 / 3.10 (plain integers on the ISUP side). */
enum number_nai {
	NUMBER_NAI_SUBSCRIBER		= 1,
	NUMBER_NAI_UNKNOWN		= 2,
	NUMBER_NAI_NATIONAL		= 3,
	NUMBER_NAI_INTERNATIONAL	= 4,
};

/* Address presentation restricted indicator (Q.763 3.10 e). */
enum number_apri {
	NUMBER_APRI_ALLOWED		= 0,
	NUMBER_APRI_RESTRICTED		= 1,
	NUMBER_APRI_NOT_AVAILABLE	= 2,
};

/* Screening indicator (Q.763 3.10 f). */
enum number_screening {
	NUMBER_SCREEN_USER_NOT_VERIFIED	= 0,
	NUMBER_SCREEN_USER_PASSED	= 1,
	NUMBER_SCREEN_USER_FAILED	= 2,
	NUMBER_SCREEN_NETWORK		= 3,
};

/* Calling party's category (Q.763 3.11). */
enum number_cpc {
	NUMBER_CPC_UNKNOWN		= 0x00,
	NUMBER_CPC_OPERATOR_FRENCH	= 0x01,
	NUMBER_CPC_OPERATOR_ENGLISH	= 0x02,
	NUMBER_CPC_OPERATOR_GERMAN	= 0x03,
	NUMBER_CPC_OPERATOR_RUSSIAN	= 0x04,
	NUMBER_CPC_OPERATOR_SPANISH	= 0x05,
	NUMBER_CPC_OPERATOR_NATIONAL	= 0x09,
	NUMBER_CPC_ORDINARY		= 0x0a,
	NUMBER_CPC_PRIORITY		= 0x0b,
	NUMBER_CPC_DATA			= 0x0c,
	NUMBER_CPC_TEST			= 0x0d,
	NUMBER_CPC_PAYPHONE		= 0x0f,
};

/* A number as ISUP carries it: decimal digits only, and the nature of address. */
struct number {
	char digits[NUMBER_MAX_DIGITS + 1];
	uint8_t nai;		/* enum number_nai */
};

/* How a route's peer writes numbers: prefixes to strip towards ISUP and to add back towards SIP. */
struct number_plan {
	char intl_prefix[NUMBER_PREFIX_MAX + 1];	/* "00": strip, NAI international */
	char natl_prefix[NUMBER_PREFIX_MAX + 1];	/* "0": strip, NAI national */
	char country_code[NUMBER_PREFIX_MAX + 1];	/* "33": for national -> +CC towards SIP */
	uint8_t default_nai;				/* no prefix matched: subscriber or unknown */
	bool natl_to_e164;				/* towards SIP: national -> +CC (else natl_prefix) */
};

/* One translation: a number starting with `from` (or equal to it when `exact`) gets `from`
 * replaced by `to`, e.g. 15 -> 0123456789 (the ten-digit number of an answering centre). */
struct number_xlat {
	char from[NUMBER_MAX_DIGITS + 1];
	char to[NUMBER_MAX_DIGITS + 1];
	bool exact;
};

/* Calling party as ISUP carries it. */
struct number_calling {
	struct number num;	/* digits empty when not available */
	uint8_t apri;		/* enum number_apri */
	uint8_t screening;	/* enum number_screening */
};

/* Calling identity towards SIP: user parts only, the SIP layer adds the host. */
struct number_sip_identity {
	char pai_user[NUMBER_USER_MAX];	/* P-Asserted-Identity user, "" when none */
	char from_user[NUMBER_USER_MAX];	/* From user; "anonymous" when restricted */
	bool privacy_id;			/* add "Privacy: id" (RFC 3325 section 9.3) */
};

void number_plan_init(struct number_plan *plan);	/* no prefixes, default NAI unknown */

/* Called digits from a Request-URI ("tel:+33-1-23;phone-context=x", "sip:0123@h;user=phone").
 * Visual separators - . ( ) are removed (RFC 3966 5.1.1), a leading + gives NAI international,
 * anything else gives NAI unknown (number_normalize decides). -EINVAL if the URI has no user
 * part or a non-dialable character, -E2BIG past NUMBER_MAX_DIGITS. *bad_at (if not NULL)
 * receives the offset of the first offending character in `uri`. */
int number_from_uri(struct number *out, const char *uri, size_t *bad_at);

/* Same for a bare user part of `len` bytes (it may carry ";params" which are ignored). */
int number_from_user(struct number *out, const char *user, size_t len, size_t *bad_at);

/* Towards ISUP: an NAI-unknown number starting with the plan's international (then national)
 * prefix, longest first, loses it and becomes international (national); otherwise it gets the
 * plan's default NAI. Numbers already international (from "+") are left alone. */
void number_normalize(struct number *num, const struct number_plan *plan);

/* Towards SIP: the user part for a number from ISUP ("+33123...", "0123...", "15").
 * -ENOSPC if buf is too small. */
int number_to_sip_user(char *buf, size_t len, const struct number *num, const struct number_plan *plan);

/* The translation whose `from` is the longest match (exact rules only on equality); rewrites
 * num->digits. Returns 1 if one applied, 0 if none, -E2BIG if the result would be too long. */
int number_translate(struct number *num, const struct number_xlat *rules, size_t n_rules);

/* Calling party from SIP: the trusted P-Asserted-Identity URI if given (screening: network
 * provided), else the From URI (user provided, not verified). `privacy` is the Privacy header
 * value or NULL; id, header or user make the presentation restricted (RFC 3323/3325).
 * A From/PAI without a number (anonymous) gives digits "" and APRI not available. */
int number_calling_from_sip(struct number_calling *out, const char *pai_uri, const char *from_uri,
			    const char *privacy, const struct number_plan *plan);

/* The same from the user parts the SIP front end extracts ("" or NULL when absent). */
int number_calling_from_users(struct number_calling *out, const char *pai_user, const char *from_user,
			      const char *privacy, const struct number_plan *plan);

/* Calling party towards SIP: PAI carries the number; restricted -> Privacy: id, From anonymous. */
int number_calling_to_sip(struct number_sip_identity *out, const struct number_calling *in,
			  const struct number_plan *plan);

/* Does a Privacy header value ask to hide the identity? (id, header, user; none does not) */
bool number_privacy_restricts(const char *privacy);

/* `cpc=` URI parameter value -> ISUP calling party's category; unknown values -> ordinary. */
uint8_t number_cpc_from_sip(const char *cpc);
/* ISUP calling party's category -> `cpc=` value, NULL for ordinary (no parameter is sent). */
const char *number_cpc_to_sip(uint8_t cpc);

/* The tables behind the two functions above, for tests and documentation. */
struct number_cpc_row {
	const char *sip;	/* cpc= value */
	uint8_t isup;
	const char *note;
};
extern const struct number_cpc_row number_cpc_sip_rows[];
extern const size_t number_cpc_sip_len;
extern const struct number_cpc_row number_cpc_isup_rows[];
extern const size_t number_cpc_isup_len;
