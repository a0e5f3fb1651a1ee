/* cause_map.h - Q.850 cause <-> SIP status mapping as data (RFC 3398 7.2.4.1/8.2.6.1, RFC 3326) */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAUSE_Q850_MIN		1
#define CAUSE_Q850_MAX		127

/* One row of a mapping table; `note` says where a row departs from RFC 3398 or why it is there. */
struct cause_map_row {
	int from;
	int to;
	const char *name;	/* name of the `from` value */
	const char *note;	/* NULL when the row is RFC 3398 as written */
};

/* The tables themselves, exported so that tests and the documentation iterate the same data. */
extern const struct cause_map_row cause_map_q850_sip_rows[];
extern const size_t cause_map_q850_sip_len;
extern const struct cause_map_row cause_map_sip_q850_rows[];
extern const size_t cause_map_sip_q850_len;
/* Class defaults: `from` is the first value of a class (Q.850 class start or SIP hundred). */
extern const struct cause_map_row cause_map_q850_class_rows[];
extern const size_t cause_map_q850_class_len;
extern const struct cause_map_row cause_map_sip_class_rows[];
extern const size_t cause_map_sip_class_len;

/* ISUP REL received while the INVITE is pending: the SIP final status to send (400..699).
 * A cause outside 1..127 is treated as 127 (interworking). Cause 16 gives 480: after answer
 * the caller sends BYE instead and does not ask. */
int cause_map_q850_to_sip(int cause);

/* SIP final response (300..699) to our INVITE: the Q.850 cause to put in REL.
 * `reason` is the Reason header value or NULL; a Q.850 reason in it wins (RFC 3326). */
int cause_map_sip_to_q850(int status, const char *reason);

/* Parse a Reason header value ("Q.850;cause=16;text=\"x\", SIP;cause=200").
 * Returns the first Q.850 cause (1..127) found, or -1 when there is none or it is malformed. */
int cause_map_reason_parse(const char *reason);

/* A set of Q.850 causes, e.g. the causes that make the router try the next fallback route. */
struct cause_set {
	uint8_t bits[(CAUSE_Q850_MAX + 1 + 7) / 8];
};

/* Route advance by default on: 34 no circuit, 38 network out of order, 41 temporary failure,
 * 42 switching equipment congestion, 44 requested circuit not available, 47 resource unavailable. */
void cause_set_route_advance_default(struct cause_set *set);
void cause_set_clear(struct cause_set *set);
int cause_set_add(struct cause_set *set, int cause);	/* -EINVAL outside 1..127 */
int cause_set_del(struct cause_set *set, int cause);	/* -EINVAL outside 1..127 */
bool cause_set_has(const struct cause_set *set, int cause);
