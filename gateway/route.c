/* route.c - routing table: digit trie with longest-prefix match, fallback chains (route advance) */
#include <errno.h>
#include <string.h>

#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "gateway/route.h"

/* Breadth-first fallback walk: bounded queue of routes seen, independent of the table size. */
#define ROUTE_WALK_MAX		64

struct route_node {
	uint32_t child[10];	/* node index; 0 = none (node 0 is the root, never a child) */
	struct route *route;
};

struct route_table {
	struct route_node *nodes;
	unsigned int nodes_used;
	unsigned int nodes_max;
	struct route **routes;	/* sorted by prefix */
	unsigned int num_routes;
	unsigned int routes_max;
	struct cause_set advance;
	struct rate_ctr_group *ctrs;
};

static const struct rate_ctr_desc route_table_ctr_desc[] = {
	[ROUTE_CTR_LOOKUP] = { "route:lookup", "Called numbers looked up" },
	[ROUTE_CTR_LOOKUP_MISS] = { "route:lookup:miss", "Called numbers without a route" },
	[ROUTE_CTR_FALLBACK] = { "route:fallback", "Fallback routes handed out" },
	[ROUTE_CTR_FALLBACK_EXHAUSTED] = { "route:fallback:exhausted", "Fallbacks asked for with none left" },
	[ROUTE_CTR_TABLE_FULL] = { "route:table:full", "Routes refused: route or node limit reached" },
};

static const struct rate_ctr_group_desc route_table_ctrg_desc = {
	.group_name_prefix = "route_table",
	.group_description = "Routing table",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = ARRAY_SIZE(route_table_ctr_desc),
	.ctr_desc = route_table_ctr_desc,
};

static int route_table_destructor(struct route_table *t)
{
	rate_ctr_group_free(t->ctrs);
	return 0;
}

struct route_table *route_table_alloc(void *ctx, unsigned int max_routes, unsigned int max_nodes)
{
	struct route_table *t;

	if (max_routes == 0 || max_nodes == 0)
		return NULL;
	t = talloc_zero(ctx, struct route_table);
	if (!t)
		return NULL;
	/* the root node is always there; max_nodes counts the nodes below it */
	t->nodes = talloc_zero_array(t, struct route_node, max_nodes + 1);
	t->routes = talloc_zero_array(t, struct route *, max_routes);
	t->ctrs = rate_ctr_group_alloc(t, &route_table_ctrg_desc, 0);
	if (!t->nodes || !t->routes || !t->ctrs) {
		rate_ctr_group_free(t->ctrs);
		talloc_free(t);
		return NULL;
	}
	talloc_set_destructor(t, route_table_destructor);
	t->nodes_used = 1;
	t->nodes_max = max_nodes + 1;
	t->routes_max = max_routes;
	cause_set_route_advance_default(&t->advance);
	return t;
}

void route_table_free(struct route_table *t)
{
	talloc_free(t);
}

static bool digits_valid(const char *s, size_t max)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (*s < '0' || *s > '9' || n >= max)
			return false;
	return true;
}

/* The node for `prefix`, or 0 when it is not in the trie. */
static uint32_t node_find(const struct route_table *t, const char *prefix)
{
	uint32_t n = 0;

	for (; *prefix; prefix++) {
		n = t->nodes[n].child[*prefix - '0'];
		if (!n)
			return 0;
	}
	return n;
}

struct route *route_find_prefix(const struct route_table *t, const char *prefix)
{
	uint32_t n;

	if (!digits_valid(prefix, NUMBER_MAX_DIGITS))
		return NULL;
	if (prefix[0] == '\0')
		return t->nodes[0].route;
	n = node_find(t, prefix);
	return n ? t->nodes[n].route : NULL;
}

struct route *route_find_name(const struct route_table *t, const char *name)
{
	unsigned int i;

	if (!name || !name[0])
		return NULL;
	for (i = 0; i < t->num_routes; i++)
		if (strcmp(t->routes[i]->name, name) == 0)
			return t->routes[i];
	return NULL;
}

int route_add(struct route_table *t, const char *prefix, struct route **out)
{
	size_t len, i, missing = 0;
	uint32_t n = 0;
	struct route *r;
	unsigned int pos;

	if (out)
		*out = NULL;
	if (!prefix || !digits_valid(prefix, NUMBER_MAX_DIGITS))
		return -EINVAL;
	r = route_find_prefix(t, prefix);
	if (r) {
		if (out)
			*out = r;
		return -EEXIST;
	}
	/* count the nodes to create first, so a refused add leaves the trie unchanged */
	len = strlen(prefix);
	for (i = 0; i < len; i++) {
		n = t->nodes[n].child[prefix[i] - '0'];
		if (!n) {
			missing = len - i;
			break;
		}
	}
	if (t->num_routes >= t->routes_max || t->nodes_used + missing > t->nodes_max) {
		rate_ctr_inc(rate_ctr_group_get_ctr(t->ctrs, ROUTE_CTR_TABLE_FULL));
		return -ENOSPC;
	}
	r = talloc_zero(t, struct route);
	if (!r)
		return -ENOMEM;
	r->table = t;
	OSMO_STRLCPY_ARRAY(r->prefix, prefix);
	number_plan_init(&r->plan);

	n = 0;
	for (i = 0; i < len; i++) {
		uint32_t *c = &t->nodes[n].child[prefix[i] - '0'];

		if (!*c)
			*c = t->nodes_used++;
		n = *c;
	}
	t->nodes[n].route = r;

	for (pos = 0; pos < t->num_routes && strcmp(t->routes[pos]->prefix, prefix) < 0; pos++)
		;
	memmove(&t->routes[pos + 1], &t->routes[pos], (t->num_routes - pos) * sizeof(t->routes[0]));
	t->routes[pos] = r;
	t->num_routes++;
	if (out)
		*out = r;
	return 0;
}

int route_del(struct route_table *t, const char *prefix)
{
	struct route *r = route_find_prefix(t, prefix);
	unsigned int i;
	uint32_t n;

	if (!r)
		return -ENOENT;
	/* trie nodes stay: re-adding the prefix reuses them, so the node bound still holds */
	n = prefix[0] ? node_find(t, prefix) : 0;
	t->nodes[n].route = NULL;
	for (i = 0; i < t->num_routes && t->routes[i] != r; i++)
		;
	memmove(&t->routes[i], &t->routes[i + 1], (t->num_routes - i - 1) * sizeof(t->routes[0]));
	t->num_routes--;
	talloc_free(r);
	return 0;
}

unsigned int route_table_count(const struct route_table *t)
{
	return t->num_routes;
}

struct route *route_table_at(const struct route_table *t, unsigned int idx)
{
	return idx < t->num_routes ? t->routes[idx] : NULL;
}

unsigned int route_table_nodes_used(const struct route_table *t)
{
	return t->nodes_used - 1;
}

unsigned int route_table_nodes_max(const struct route_table *t)
{
	return t->nodes_max - 1;
}

unsigned int route_table_routes_max(const struct route_table *t)
{
	return t->routes_max;
}

struct rate_ctr_group *route_table_ctrs(const struct route_table *t)
{
	return t->ctrs;
}

struct route *route_lookup(struct route_table *t, const char *digits)
{
	struct route *best = t->nodes[0].route;
	uint32_t n = 0;
	size_t i;

	rate_ctr_inc(rate_ctr_group_get_ctr(t->ctrs, ROUTE_CTR_LOOKUP));
	for (i = 0; digits[i]; i++) {
		if (digits[i] < '0' || digits[i] > '9' || i >= NUMBER_MAX_DIGITS) {
			best = NULL;
			break;
		}
		n = t->nodes[n].child[digits[i] - '0'];
		if (!n)
			break;
		if (t->nodes[n].route)
			best = t->nodes[n].route;
	}
	/* a bad character anywhere makes the whole number unroutable, not a shorter match */
	for (; best && digits[i]; i++)
		if (digits[i] < '0' || digits[i] > '9' || i >= NUMBER_MAX_DIGITS)
			best = NULL;
	if (!best)
		rate_ctr_inc(rate_ctr_group_get_ctr(t->ctrs, ROUTE_CTR_LOOKUP_MISS));
	return best;
}

bool route_is_down(const struct route *r)
{
	return r->admin_down || r->oper_down;
}

void route_set_oper_down(struct route *r, bool down)
{
	r->oper_down = down;
}

struct route *route_next_fallback(struct route_table *t, const struct route *primary, unsigned int attempt)
{
	const struct route *seen[ROUTE_WALK_MAX];
	unsigned int head = 0, tail = 0, usable = 0, i, k;

	seen[tail++] = primary;
	while (head < tail) {
		const struct route *cur = seen[head++];

		for (i = 0; i < cur->num_fallback; i++) {
			struct route *fb = route_find_name(t, cur->fallback[i]);
			bool dup = false;

			if (!fb)
				continue;
			for (k = 0; k < tail && !dup; k++)
				dup = seen[k] == fb;
			if (dup || tail == ROUTE_WALK_MAX)
				continue;
			seen[tail++] = fb;
			if (route_is_down(fb))
				continue;
			if (usable == attempt) {
				rate_ctr_inc(rate_ctr_group_get_ctr(t->ctrs, ROUTE_CTR_FALLBACK));
				return fb;
			}
			if (++usable == ROUTE_CHAIN_MAX)
				goto exhausted;
		}
	}
exhausted:
	rate_ctr_inc(rate_ctr_group_get_ctr(t->ctrs, ROUTE_CTR_FALLBACK_EXHAUSTED));
	return NULL;
}

bool route_advance_cause(const struct route_table *t, int cause)
{
	return cause_set_has(&t->advance, cause);
}

struct cause_set *route_table_advance_causes(struct route_table *t)
{
	return &t->advance;
}

static bool name_valid(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n < ROUTE_NAME_MAX && strspn(name,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

int route_set_name(struct route *r, const char *name)
{
	struct route *other;

	if (!name_valid(name))
		return -EINVAL;
	other = route_find_name(r->table, name);
	if (other && other != r)
		return -EEXIST;
	OSMO_STRLCPY_ARRAY(r->name, name);
	return 0;
}

int route_set_isup(struct route *r, uint32_t dpc, const char *group)
{
	if (!name_valid(group))
		return -EINVAL;
	r->type = ROUTE_TYPE_ISUP;
	r->isup_dpc = dpc;
	OSMO_STRLCPY_ARRAY(r->isup_group, group);
	r->sip_host[0] = '\0';
	r->sip_port = 0;
	return 0;
}

int route_set_sip(struct route *r, const char *host, uint16_t port)
{
	size_t n = strlen(host);

	if (n == 0 || n >= ROUTE_HOST_MAX || port == 0 ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:[]") != n)
		return -EINVAL;
	r->type = ROUTE_TYPE_SIP;
	OSMO_STRLCPY_ARRAY(r->sip_host, host);
	r->sip_port = port;
	r->isup_dpc = 0;
	r->isup_group[0] = '\0';
	return 0;
}

int route_add_fallback(struct route *r, const char *name)
{
	unsigned int i;

	if (!name_valid(name) || strcmp(name, r->name) == 0)
		return -EINVAL;
	for (i = 0; i < r->num_fallback; i++)
		if (strcmp(r->fallback[i], name) == 0)
			return -EEXIST;
	if (r->num_fallback == ROUTE_FALLBACK_MAX)
		return -ENOSPC;
	OSMO_STRLCPY_ARRAY(r->fallback[r->num_fallback], name);
	r->num_fallback++;
	return 0;
}

int route_del_fallback(struct route *r, const char *name)
{
	unsigned int i;

	for (i = 0; i < r->num_fallback; i++) {
		if (strcmp(r->fallback[i], name) == 0) {
			memmove(&r->fallback[i], &r->fallback[i + 1],
				(r->num_fallback - i - 1) * sizeof(r->fallback[0]));
			r->num_fallback--;
			return 0;
		}
	}
	return -ENOENT;
}

int route_add_xlat(struct route *r, const char *from, const char *to, bool exact)
{
	struct number_xlat *x = NULL;
	unsigned int i;

	if (!from[0] || !digits_valid(from, NUMBER_MAX_DIGITS) || !digits_valid(to, NUMBER_MAX_DIGITS))
		return -EINVAL;
	for (i = 0; i < r->num_xlat; i++)
		if (strcmp(r->xlat[i].from, from) == 0)
			x = &r->xlat[i];
	if (!x) {
		if (r->num_xlat == ROUTE_XLAT_MAX)
			return -ENOSPC;
		x = &r->xlat[r->num_xlat++];
	}
	OSMO_STRLCPY_ARRAY(x->from, from);
	OSMO_STRLCPY_ARRAY(x->to, to);
	x->exact = exact;
	return 0;
}

int route_del_xlat(struct route *r, const char *from)
{
	unsigned int i;

	for (i = 0; i < r->num_xlat; i++) {
		if (strcmp(r->xlat[i].from, from) == 0) {
			memmove(&r->xlat[i], &r->xlat[i + 1], (r->num_xlat - i - 1) * sizeof(r->xlat[0]));
			r->num_xlat--;
			return 0;
		}
	}
	return -ENOENT;
}

int route_apply(const struct route *r, struct number *num)
{
	int rc = number_translate(num, r->xlat, r->num_xlat);

	if (rc < 0)
		return rc;
	/* a translated number is written the way the operator wrote `to`: its prefixes decide */
	if (rc == 1 && num->nai != NUMBER_NAI_INTERNATIONAL)
		num->nai = NUMBER_NAI_UNKNOWN;
	number_normalize(num, &r->plan);
	return 0;
}
