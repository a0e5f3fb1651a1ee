/* route.h - routing table: longest-prefix match on called digits, ordered fallbacks (route advance) */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "gateway/cause_map.h"
#include "gateway/number.h"

#define ROUTE_NAME_MAX		32
#define ROUTE_HOST_MAX		64
#define ROUTE_FALLBACK_MAX	8	/* fallback names per route */
#define ROUTE_XLAT_MAX		8	/* translation rules per route */
#define ROUTE_CHAIN_MAX		8	/* alternatives tried for one call, all fallback levels together */

struct route_table;

enum route_type {
	ROUTE_TYPE_NONE,	/* not configured yet: lookups return it, the call layer refuses it */
	ROUTE_TYPE_ISUP,
	ROUTE_TYPE_SIP,
};

/* Counters of struct route_table (one rate_ctr_group per table, named "route_table"). */
enum route_table_ctr {
	ROUTE_CTR_LOOKUP,		/* "route:lookup" */
	ROUTE_CTR_LOOKUP_MISS,		/* "route:lookup:miss" */
	ROUTE_CTR_FALLBACK,		/* "route:fallback": a fallback was handed out */
	ROUTE_CTR_FALLBACK_EXHAUSTED,	/* "route:fallback:exhausted": none left */
	ROUTE_CTR_TABLE_FULL,		/* "route:table:full": add refused, -ENOSPC */
};

/* One route; the call layer reads it, configuration writes it through route_* / route_vty. */
struct route {
	struct route_table *table;
	char prefix[NUMBER_MAX_DIGITS + 1];	/* "" is the default route */
	char name[ROUTE_NAME_MAX];		/* unique; "" until named; fallbacks refer to it */
	enum route_type type;
	uint32_t isup_dpc;			/* ROUTE_TYPE_ISUP */
	char isup_group[ROUTE_NAME_MAX];	/* circuit group name */
	char sip_host[ROUTE_HOST_MAX];		/* ROUTE_TYPE_SIP */
	uint16_t sip_port;
	struct number_plan plan;		/* NAI rules of the peer behind this route */
	struct number_xlat xlat[ROUTE_XLAT_MAX];
	unsigned int num_xlat;
	char fallback[ROUTE_FALLBACK_MAX][ROUTE_NAME_MAX];	/* ordered */
	unsigned int num_fallback;
	bool admin_down;	/* "shutdown" by the operator */
	bool oper_down;		/* destination seen unavailable by the signalling layer */
	bool emergency;		/* carries emergency traffic: supervised, shown */
	char media_ip[64];	/* media gateway of this route's circuits; "" = the gateway's */
	uint16_t media_rtp_base;	/* RTP port of CIC 0 there; CIC n uses this + 2n */
};

/* A table of at most max_routes routes over at most max_nodes digit-trie nodes (one per
 * distinct prefix digit). The route-advance cause set starts as cause_set_route_advance_default. */
struct route_table *route_table_alloc(void *ctx, unsigned int max_routes, unsigned int max_nodes);
void route_table_free(struct route_table *t);

/* Add a route for a prefix of digits ("" = default route). -EINVAL for a non-digit or too long
 * prefix, -EEXIST if present (*out is set to it), -ENOSPC when routes or nodes are exhausted. */
int route_add(struct route_table *t, const char *prefix, struct route **out);
int route_del(struct route_table *t, const char *prefix);	/* -ENOENT */
struct route *route_find_prefix(const struct route_table *t, const char *prefix);
struct route *route_find_name(const struct route_table *t, const char *name);

/* Routes in prefix order, for show and config write. */
unsigned int route_table_count(const struct route_table *t);
struct route *route_table_at(const struct route_table *t, unsigned int idx);
unsigned int route_table_nodes_used(const struct route_table *t);
unsigned int route_table_nodes_max(const struct route_table *t);
unsigned int route_table_routes_max(const struct route_table *t);
struct rate_ctr_group *route_table_ctrs(const struct route_table *t);

/* Longest-prefix match in O(strlen(digits)); NULL when nothing matches or digits has a
 * non-digit. Returns the route even when it is down: the caller then asks for a fallback. */
struct route *route_lookup(struct route_table *t, const char *digits);

/* The attempt-th (0 = first) usable alternative to `primary`: its fallbacks in order, then
 * theirs (breadth first), skipping down routes, unknown names, and any route seen before
 * (so no loops), at most ROUTE_CHAIN_MAX in all. NULL when there are no more. */
struct route *route_next_fallback(struct route_table *t, const struct route *primary, unsigned int attempt);

bool route_is_down(const struct route *r);
void route_set_oper_down(struct route *r, bool down);

/* Route-advance causes: which REL/response causes make the call try route_next_fallback. */
bool route_advance_cause(const struct route_table *t, int cause);
struct cause_set *route_table_advance_causes(struct route_table *t);

int route_set_name(struct route *r, const char *name);		/* -EINVAL, -EEXIST (other route) */
int route_set_isup(struct route *r, uint32_t dpc, const char *group);	/* -EINVAL */
int route_set_sip(struct route *r, const char *host, uint16_t port);	/* -EINVAL */
int route_add_fallback(struct route *r, const char *name);	/* -EINVAL, -EEXIST, -ENOSPC */
int route_del_fallback(struct route *r, const char *name);	/* -ENOENT */
/* Same `from` replaces the rule. -EINVAL (non-digits, too long), -ENOSPC. */
int route_add_xlat(struct route *r, const char *from, const char *to, bool exact);
int route_del_xlat(struct route *r, const char *from);		/* -ENOENT */

/* The called number as this route sends it: translations, then the route's NAI rules.
 * -E2BIG if a translation would overflow. */
int route_apply(const struct route *r, struct number *num);

/* VTY: "route PREFIX" node and "show routes" (route_vty.c). */
/* Installs the commands once; later calls only switch the table they act on. */
void route_vty_init(struct route_table *t);
