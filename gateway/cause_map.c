/* cause_map.c - Q.850 cause <-> SIP status tables (RFC 3398 7.2.4.1/8.2.6.1, RFC 3326) */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osmocom/core/utils.h>

#include "gateway/cause_map.h"

/* RFC 3398 7.2.4.1: ISUP cause received before the INVITE got a final response. */
const struct cause_map_row cause_map_q850_sip_rows[] = {
	{ 1, 404, "unallocated number" },
	{ 2, 404, "no route to network" },
	{ 3, 404, "no route to destination" },
	{ 16, 480, "normal call clearing",
	  "RFC 3398: usually BYE/CANCEL; a pending INVITE needs a final status: 480 as for 31" },
	{ 17, 486, "user busy" },
	{ 18, 408, "no user responding" },
	{ 19, 480, "no answer from the user" },
	{ 20, 480, "subscriber absent" },
	{ 21, 403, "call rejected" },
	{ 22, 410, "number changed",
	  "301 needs a diagnostic we cannot turn into a Contact; 410 as without diagnostic" },
	{ 23, 410, "redirection to new destination" },
	{ 26, 404, "non-selected user clearing" },
	{ 27, 502, "destination out of order" },
	{ 28, 484, "address incomplete" },
	{ 29, 501, "facility rejected" },
	{ 31, 480, "normal, unspecified" },
	{ 34, 503, "no circuit available" },
	{ 38, 503, "network out of order" },
	{ 41, 503, "temporary failure" },
	{ 42, 503, "switching equipment congestion" },
	{ 47, 503, "resource unavailable" },
	{ 55, 403, "incoming calls barred within CUG" },
	{ 57, 403, "bearer capability not authorized" },
	{ 58, 503, "bearer capability not presently available" },
	{ 65, 488, "bearer capability not implemented" },
	{ 70, 488, "only restricted digital information available" },
	{ 79, 501, "service or option not implemented" },
	{ 87, 403, "user not member of CUG" },
	{ 88, 503, "incompatible destination" },
	{ 102, 504, "recovery on timer expiry" },
	{ 111, 500, "protocol error, unspecified" },
	{ 127, 500, "interworking, unspecified" },
};
const size_t cause_map_q850_sip_len = ARRAY_SIZE(cause_map_q850_sip_rows);

/* Q.850 section 2.2.5 classes: a cause missing above gets its class's answer. */
const struct cause_map_row cause_map_q850_class_rows[] = {
	{ 0, 480, "normal event (0-31)" },
	{ 32, 503, "resource unavailable (32-47)" },
	{ 48, 503, "service or option not available (48-63)" },
	{ 64, 501, "service or option not implemented (64-79)" },
	{ 80, 500, "invalid message (80-95)",
	  "the fault is in the ISUP exchange, not in the SIP request: no 4xx" },
	{ 96, 500, "protocol error (96-111)" },
	{ 112, 500, "interworking (112-127)" },
};
const size_t cause_map_q850_class_len = ARRAY_SIZE(cause_map_q850_class_rows);

/* RFC 3398 8.2.6.1: SIP final response to an INVITE we sent, cause for the REL. */
const struct cause_map_row cause_map_sip_q850_rows[] = {
	{ 400, 41, "Bad Request" },
	{ 401, 21, "Unauthorized" },
	{ 402, 21, "Payment Required" },
	{ 403, 21, "Forbidden" },
	{ 404, 1, "Not Found" },
	{ 405, 63, "Method Not Allowed" },
	{ 406, 79, "Not Acceptable" },
	{ 407, 21, "Proxy Authentication Required" },
	{ 408, 102, "Request Timeout" },
	{ 410, 22, "Gone" },
	{ 413, 127, "Request Entity Too Large" },
	{ 414, 127, "Request-URI Too Long" },
	{ 415, 79, "Unsupported Media Type" },
	{ 416, 127, "Unsupported URI Scheme" },
	{ 420, 127, "Bad Extension" },
	{ 421, 127, "Extension Required" },
	{ 423, 127, "Interval Too Brief" },
	{ 480, 18, "Temporarily Unavailable" },
	{ 481, 41, "Call/Transaction Does Not Exist" },
	{ 482, 25, "Loop Detected" },
	{ 483, 25, "Too Many Hops" },
	{ 484, 28, "Address Incomplete" },
	{ 485, 1, "Ambiguous" },
	{ 486, 17, "Busy Here" },
	{ 487, 127, "Request Terminated",
	  "RFC 3398 gives none (the INVITE was cancelled): 127 interworking" },
	{ 488, 127, "Not Acceptable Here",
	  "RFC 3398 maps by Warning header, which is not parsed: 127" },
	{ 500, 41, "Server Internal Error" },
	{ 501, 79, "Not Implemented" },
	{ 502, 38, "Bad Gateway" },
	{ 503, 41, "Service Unavailable" },
	{ 504, 102, "Server Time-out" },
	{ 505, 127, "Version Not Supported" },
	{ 513, 127, "Message Too Large" },
	{ 580, 47, "Precondition Failure", "RFC 3398 predates 580 (RFC 3312): resource unavailable" },
	{ 600, 17, "Busy Everywhere" },
	{ 603, 21, "Decline" },
	{ 604, 1, "Does Not Exist Anywhere" },
	{ 606, 58, "Not Acceptable",
	  "RFC 3398 maps by Warning header, which is not parsed: 58" },
};
const size_t cause_map_sip_q850_len = ARRAY_SIZE(cause_map_sip_q850_rows);

/* A response not listed above: RFC 3398 has no default, 127 says "no mapping" to the exchange. */
const struct cause_map_row cause_map_sip_class_rows[] = {
	{ 300, 127, "3xx (redirection not followed)" },
	{ 400, 127, "4xx" },
	{ 500, 127, "5xx" },
	{ 600, 127, "6xx" },
};
const size_t cause_map_sip_class_len = ARRAY_SIZE(cause_map_sip_class_rows);

/* Rows are few (<= 40) and constant: a scan is bounded and keeps the data in one readable place. */
static const struct cause_map_row *row_find(const struct cause_map_row *rows, size_t n, int from)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rows[i].from == from)
			return &rows[i];
	return NULL;
}

/* Class tables are sorted by `from`: the last row whose start is <= value. */
static int class_find(const struct cause_map_row *rows, size_t n, int value)
{
	int to = rows[0].to;
	size_t i;

	for (i = 0; i < n && rows[i].from <= value; i++)
		to = rows[i].to;
	return to;
}

int cause_map_q850_to_sip(int cause)
{
	const struct cause_map_row *row;

	if (cause < CAUSE_Q850_MIN || cause > CAUSE_Q850_MAX)
		cause = 127;
	row = row_find(cause_map_q850_sip_rows, cause_map_q850_sip_len, cause);
	if (row)
		return row->to;
	return class_find(cause_map_q850_class_rows, cause_map_q850_class_len, cause);
}

int cause_map_sip_to_q850(int status, const char *reason)
{
	const struct cause_map_row *row;
	int cause;

	if (reason) {
		cause = cause_map_reason_parse(reason);
		if (cause > 0)
			return cause;
	}
	if (status < 300 || status > 699)
		return 127;
	row = row_find(cause_map_sip_q850_rows, cause_map_sip_q850_len, status);
	if (row)
		return row->to;
	return class_find(cause_map_sip_class_rows, cause_map_sip_class_len, status);
}

/* RFC 3261 token characters (25.1). */
static bool is_token_char(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("-.!%*_+`'~", c));
}

static const char *skip_lws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* Reads a token; returns the char after it, or NULL if there is none. */
static const char *read_token(const char *p, const char **start, size_t *len)
{
	*start = p;
	while (is_token_char(*p))
		p++;
	*len = p - *start;
	return *len ? p : NULL;
}

/* Reads a quoted-string with backslash escapes; NULL if unterminated. */
static const char *skip_quoted(const char *p)
{
	p++;
	while (*p && *p != '"') {
		if (*p == '\\') {
			p++;
			if (!*p)
				return NULL;
		}
		p++;
	}
	return *p == '"' ? p + 1 : NULL;
}

/* cause=1*DIGIT within 1..127 (RFC 3326 section 2: a Q.850 cause is its decimal value). */
static int parse_cause(const char *s, size_t len)
{
	int v = 0;
	size_t i;

	if (len == 0 || len > 3)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return (v >= CAUSE_Q850_MIN && v <= CAUSE_Q850_MAX) ? v : -1;
}

int cause_map_reason_parse(const char *reason)
{
	const char *p = reason, *tok;
	size_t tlen;

	if (!reason)
		return -1;
	for (;;) {
		bool q850;
		int cause = -1;

		p = skip_lws(p);
		p = read_token(p, &tok, &tlen);
		if (!p)
			return -1;
		q850 = tlen == 5 && strncasecmp(tok, "Q.850", 5) == 0;
		for (;;) {
			const char *name, *val;
			size_t nlen, vlen = 0;

			p = skip_lws(p);
			if (*p != ';')
				break;
			p = read_token(skip_lws(p + 1), &name, &nlen);
			if (!p)
				return -1;
			p = skip_lws(p);
			val = p;
			if (*p == '=') {
				p = skip_lws(p + 1);
				val = p;
				if (*p == '"') {
					p = skip_quoted(p);
					if (!p)
						return -1;
					vlen = p - val;
				} else {
					p = read_token(p, &val, &vlen);
					if (!p)
						return -1;
				}
			}
			if (q850 && nlen == 5 && strncasecmp(name, "cause", 5) == 0) {
				cause = parse_cause(val, vlen);
				if (cause < 0)
					return -1;
			}
		}
		if (q850 && cause > 0)
			return cause;
		if (*p == '\0')
			return -1;
		if (*p != ',')
			return -1;
		p++;
	}
}

void cause_set_clear(struct cause_set *set)
{
	memset(set, 0, sizeof(*set));
}

int cause_set_add(struct cause_set *set, int cause)
{
	if (cause < CAUSE_Q850_MIN || cause > CAUSE_Q850_MAX)
		return -EINVAL;
	set->bits[cause / 8] |= 1 << (cause % 8);
	return 0;
}

int cause_set_del(struct cause_set *set, int cause)
{
	if (cause < CAUSE_Q850_MIN || cause > CAUSE_Q850_MAX)
		return -EINVAL;
	set->bits[cause / 8] &= ~(1 << (cause % 8));
	return 0;
}

bool cause_set_has(const struct cause_set *set, int cause)
{
	if (cause < CAUSE_Q850_MIN || cause > CAUSE_Q850_MAX)
		return false;
	return set->bits[cause / 8] & (1 << (cause % 8));
}

static const int route_advance_default[] = { 34, 38, 41, 42, 44, 47 };

void cause_set_route_advance_default(struct cause_set *set)
{
	size_t i;

	cause_set_clear(set);
	for (i = 0; i < ARRAY_SIZE(route_advance_default); i++)
		cause_set_add(set, route_advance_default[i]);
}
