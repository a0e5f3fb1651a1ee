/* test_route.c - routing table: longest-prefix match, fallback chains, route VTY round trip */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/talloc.h>

#include "gateway/route.h"
#include "tests/unit/vty_helper.h"

static void *ctx;

static void setup(void)
{
	ctx = talloc_named_const(NULL, 0, "test");
}

static void teardown(void)
{
	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
}

static uint64_t ctr(struct route_table *t, int idx)
{
	return rate_ctr_group_get_ctr(route_table_ctrs(t), idx)->current;
}

static struct route *add(struct route_table *t, const char *prefix, const char *name)
{
	struct route *r;

	ck_assert_int_eq(route_add(t, prefix, &r), 0);
	if (name)
		ck_assert_int_eq(route_set_name(r, name), 0);
	return r;
}

START_TEST(test_lookup)
{
	struct route_table *t = route_table_alloc(ctx, 16, 64);
	struct route *r1, *r12, *r123, *r5, *dflt;

	r1 = add(t, "1", "one");
	r123 = add(t, "123", "one-two-three");
	r12 = add(t, "12", "one-two");
	r5 = add(t, "5", NULL);

	ck_assert_ptr_eq(route_lookup(t, "1"), r1);
	ck_assert_ptr_eq(route_lookup(t, "19"), r1);
	ck_assert_ptr_eq(route_lookup(t, "12"), r12);
	ck_assert_ptr_eq(route_lookup(t, "1299"), r12);
	ck_assert_ptr_eq(route_lookup(t, "123"), r123);
	ck_assert_ptr_eq(route_lookup(t, "12345678901234567890"), r123);
	ck_assert_ptr_eq(route_lookup(t, "5"), r5);
	ck_assert_ptr_null(route_lookup(t, "2"));
	ck_assert_ptr_null(route_lookup(t, ""));
	ck_assert_ptr_null(route_lookup(t, "12a"));
	ck_assert_ptr_null(route_lookup(t, "1*"));
	ck_assert_uint_eq(ctr(t, ROUTE_CTR_LOOKUP), 11);
	ck_assert_uint_eq(ctr(t, ROUTE_CTR_LOOKUP_MISS), 4);

	dflt = add(t, "", "default");
	ck_assert_ptr_eq(route_lookup(t, "2"), dflt);
	ck_assert_ptr_eq(route_lookup(t, ""), dflt);
	ck_assert_ptr_eq(route_lookup(t, "1"), r1);
	ck_assert_ptr_null(route_lookup(t, "9x"));
	/* more than NUMBER_MAX_DIGITS digits is not a number */
	ck_assert_ptr_null(route_lookup(t, "123456789012345678901234567890123"));
	ck_assert_ptr_nonnull(route_lookup(t, "12345678901234567890123456789012"));

	{
		struct route *again;

		ck_assert_int_eq(route_add(t, "12", &again), -EEXIST);
		ck_assert_ptr_eq(again, r12);
	}
	ck_assert_int_eq(route_add(t, "1x", NULL), -EINVAL);
	ck_assert_int_eq(route_add(t, "123456789012345678901234567890123", NULL), -EINVAL);

	ck_assert_ptr_eq(route_find_prefix(t, "12"), r12);
	ck_assert_ptr_eq(route_find_prefix(t, ""), dflt);
	ck_assert_ptr_null(route_find_prefix(t, "1234"));
	ck_assert_ptr_eq(route_find_name(t, "one-two"), r12);
	ck_assert_ptr_null(route_find_name(t, "nope"));
	ck_assert_ptr_null(route_find_name(t, ""));

	/* routes are listed in prefix order */
	ck_assert_uint_eq(route_table_count(t), 5);
	ck_assert_str_eq(route_table_at(t, 0)->prefix, "");
	ck_assert_str_eq(route_table_at(t, 1)->prefix, "1");
	ck_assert_str_eq(route_table_at(t, 2)->prefix, "12");
	ck_assert_str_eq(route_table_at(t, 3)->prefix, "123");
	ck_assert_str_eq(route_table_at(t, 4)->prefix, "5");
	ck_assert_ptr_null(route_table_at(t, 5));

	ck_assert_int_eq(route_del(t, "12"), 0);
	ck_assert_ptr_eq(route_lookup(t, "1299"), r1);
	ck_assert_ptr_eq(route_lookup(t, "1234"), r123);
	ck_assert_int_eq(route_del(t, "12"), -ENOENT);
	ck_assert_int_eq(route_del(t, ""), 0);
	ck_assert_ptr_null(route_lookup(t, "2"));
	ck_assert_uint_eq(route_table_count(t), 3);
	route_table_free(t);
}
END_TEST

/* Compare with a brute-force longest match over random prefixes (fixed seed). */
START_TEST(test_lookup_vs_bruteforce)
{
	struct route_table *t = route_table_alloc(ctx, 200, 2000);
	char prefixes[200][8], num[12];
	unsigned int n = 0, i, k;

	srandom(4711);
	while (n < 200) {
		unsigned int len = 1 + random() % 6;

		for (k = 0; k < len; k++)
			prefixes[n][k] = '0' + random() % 10;
		prefixes[n][len] = '\0';
		if (route_add(t, prefixes[n], NULL) == 0)
			n++;
	}
	for (i = 0; i < 20000; i++) {
		struct route *want = NULL;
		size_t best = 0;

		for (k = 0; k < 10; k++)
			num[k] = '0' + random() % 10;
		num[10] = '\0';
		for (k = 0; k < n; k++) {
			size_t l = strlen(prefixes[k]);

			if (l > best && strncmp(num, prefixes[k], l) == 0) {
				best = l;
				want = route_find_prefix(t, prefixes[k]);
			}
		}
		ck_assert_ptr_eq(route_lookup(t, num), want);
	}
	ck_assert_uint_le(route_table_nodes_used(t), 2000);
	route_table_free(t);
}
END_TEST

START_TEST(test_bounds)
{
	struct route_table *t = route_table_alloc(ctx, 3, 5);
	unsigned int used;

	ck_assert_ptr_null(route_table_alloc(ctx, 0, 5));
	ck_assert_ptr_null(route_table_alloc(ctx, 5, 0));
	add(t, "12345", NULL);
	ck_assert_uint_eq(route_table_nodes_used(t), 5);
	/* no node left: a new branch is refused and the trie is unchanged */
	ck_assert_int_eq(route_add(t, "2", NULL), -ENOSPC);
	ck_assert_uint_eq(route_table_nodes_used(t), 5);
	ck_assert_uint_eq(ctr(t, ROUTE_CTR_TABLE_FULL), 1);
	/* prefixes on the existing path need no node */
	add(t, "123", NULL);
	add(t, "", NULL);
	ck_assert_int_eq(route_add(t, "1", NULL), -ENOSPC);	/* route limit */
	ck_assert_uint_eq(ctr(t, ROUTE_CTR_TABLE_FULL), 2);
	/* delete and re-add reuses the nodes */
	used = route_table_nodes_used(t);
	ck_assert_int_eq(route_del(t, "12345"), 0);
	add(t, "12345", NULL);
	ck_assert_uint_eq(route_table_nodes_used(t), used);
	ck_assert_uint_eq(route_table_nodes_max(t), 5);
	ck_assert_uint_eq(route_table_routes_max(t), 3);
	route_table_free(t);
}
END_TEST

START_TEST(test_fallback_chain)
{
	struct route_table *t = route_table_alloc(ctx, 16, 64);
	struct route *p = add(t, "15", "p");
	struct route *a = add(t, "901", "a");
	struct route *b = add(t, "902", "b");
	struct route *c = add(t, "903", "c");
	struct route *d = add(t, "904", "d");

	ck_assert_ptr_null(route_next_fallback(t, p, 0));
	ck_assert_uint_eq(ctr(t, ROUTE_CTR_FALLBACK_EXHAUSTED), 1);

	ck_assert_int_eq(route_add_fallback(p, "a"), 0);
	ck_assert_int_eq(route_add_fallback(p, "b"), 0);
	ck_assert_int_eq(route_add_fallback(a, "c"), 0);
	ck_assert_int_eq(route_add_fallback(a, "p"), 0);	/* loop back to the primary */
	ck_assert_int_eq(route_add_fallback(c, "a"), 0);	/* loop */
	ck_assert_int_eq(route_add_fallback(c, "d"), 0);
	ck_assert_int_eq(route_add_fallback(b, "ghost"), 0);	/* unknown name */

	/* breadth first: the primary's own list, then the fallbacks' lists */
	ck_assert_ptr_eq(route_next_fallback(t, p, 0), a);
	ck_assert_ptr_eq(route_next_fallback(t, p, 1), b);
	ck_assert_ptr_eq(route_next_fallback(t, p, 2), c);
	ck_assert_ptr_eq(route_next_fallback(t, p, 3), d);
	ck_assert_ptr_null(route_next_fallback(t, p, 4));
	ck_assert_uint_eq(ctr(t, ROUTE_CTR_FALLBACK), 4);
	ck_assert_uint_eq(ctr(t, ROUTE_CTR_FALLBACK_EXHAUSTED), 2);

	/* down routes are skipped, but their own fallbacks are still offered */
	a->admin_down = true;
	ck_assert(route_is_down(a));
	ck_assert_ptr_eq(route_next_fallback(t, p, 0), b);
	ck_assert_ptr_eq(route_next_fallback(t, p, 1), c);
	route_set_oper_down(c, true);
	ck_assert_ptr_eq(route_next_fallback(t, p, 1), d);
	ck_assert_ptr_null(route_next_fallback(t, p, 2));
	a->admin_down = false;
	route_set_oper_down(c, false);
	ck_assert(!route_is_down(c));

	/* a fallback chain from a down primary starts the same way */
	p->admin_down = true;
	ck_assert_ptr_eq(route_lookup(t, "15"), p);
	ck_assert_ptr_eq(route_next_fallback(t, p, 0), a);

	ck_assert_int_eq(route_add_fallback(p, "a"), -EEXIST);
	ck_assert_int_eq(route_add_fallback(p, "p"), -EINVAL);
	ck_assert_int_eq(route_add_fallback(p, "bad name"), -EINVAL);
	ck_assert_int_eq(route_del_fallback(p, "a"), 0);
	ck_assert_int_eq(route_del_fallback(p, "a"), -ENOENT);
	ck_assert_ptr_eq(route_next_fallback(t, p, 0), b);
	route_table_free(t);
}
END_TEST

/* A long chain is cut at ROUTE_CHAIN_MAX; each route has at most ROUTE_FALLBACK_MAX fallbacks. */
START_TEST(test_fallback_bounds)
{
	struct route_table *t = route_table_alloc(ctx, 64, 256);
	struct route *p = add(t, "1", "r0"), *prev = p;
	char name[16], prefix[16];
	unsigned int i;

	for (i = 1; i < 20; i++) {
		struct route *r;

		snprintf(name, sizeof(name), "r%u", i);
		snprintf(prefix, sizeof(prefix), "2%u", i);
		r = add(t, prefix, name);
		ck_assert_int_eq(route_add_fallback(prev, name), 0);
		ck_assert_int_eq(route_add_fallback(r, "r0"), 0);
		prev = r;
	}
	for (i = 0; i < ROUTE_CHAIN_MAX; i++) {
		snprintf(name, sizeof(name), "r%u", i + 1);
		ck_assert_str_eq(route_next_fallback(t, p, i)->name, name);
	}
	ck_assert_ptr_null(route_next_fallback(t, p, ROUTE_CHAIN_MAX));
	ck_assert_ptr_null(route_next_fallback(t, p, 1000));

	for (i = 1; i <= ROUTE_FALLBACK_MAX; i++) {
		snprintf(name, sizeof(name), "x%u", i);
		ck_assert_int_eq(route_add_fallback(route_find_name(t, "r19"), name), i < ROUTE_FALLBACK_MAX ? 0 : -ENOSPC);
	}
	route_table_free(t);
}
END_TEST

START_TEST(test_setters)
{
	struct route_table *t = route_table_alloc(ctx, 4, 16);
	struct route *a = add(t, "1", "a"), *b = add(t, "2", NULL);
	char longname[ROUTE_NAME_MAX + 1];

	ck_assert_int_eq(route_set_name(b, "a"), -EEXIST);
	ck_assert_int_eq(route_set_name(a, "a"), 0);
	ck_assert_int_eq(route_set_name(b, ""), -EINVAL);
	ck_assert_int_eq(route_set_name(b, "a b"), -EINVAL);
	memset(longname, 'n', ROUTE_NAME_MAX);
	longname[ROUTE_NAME_MAX] = '\0';
	ck_assert_int_eq(route_set_name(b, longname), -EINVAL);
	longname[ROUTE_NAME_MAX - 1] = '\0';
	ck_assert_int_eq(route_set_name(b, longname), 0);

	ck_assert_int_eq(route_set_isup(a, 2067, "cg-paris"), 0);
	ck_assert_int_eq(a->type, ROUTE_TYPE_ISUP);
	ck_assert_uint_eq(a->isup_dpc, 2067);
	ck_assert_int_eq(route_set_isup(a, 1, ""), -EINVAL);
	ck_assert_int_eq(route_set_sip(a, "10.0.0.1", 5060), 0);
	ck_assert_int_eq(a->type, ROUTE_TYPE_SIP);
	ck_assert_str_eq(a->isup_group, "");
	ck_assert_int_eq(route_set_sip(a, "[::1]", 5070), 0);
	ck_assert_int_eq(route_set_sip(a, "host", 0), -EINVAL);
	ck_assert_int_eq(route_set_sip(a, "", 5060), -EINVAL);
	ck_assert_int_eq(route_set_sip(a, "a b", 5060), -EINVAL);

	ck_assert_int_eq(route_add_xlat(a, "15", "0123456789", true), 0);
	ck_assert_int_eq(route_add_xlat(a, "15", "0999", false), 0);	/* replaces */
	ck_assert_uint_eq(a->num_xlat, 1);
	ck_assert_str_eq(a->xlat[0].to, "0999");
	ck_assert(!a->xlat[0].exact);
	ck_assert_int_eq(route_add_xlat(a, "", "1", false), -EINVAL);
	ck_assert_int_eq(route_add_xlat(a, "1a", "1", false), -EINVAL);
	ck_assert_int_eq(route_add_xlat(a, "1", "+1", false), -EINVAL);
	ck_assert_int_eq(route_del_xlat(a, "15"), 0);
	ck_assert_int_eq(route_del_xlat(a, "15"), -ENOENT);
	for (int i = 0; i < ROUTE_XLAT_MAX; i++) {
		char from[4];

		snprintf(from, sizeof(from), "%d", 10 + i);
		ck_assert_int_eq(route_add_xlat(a, from, "", false), 0);
	}
	ck_assert_int_eq(route_add_xlat(a, "99", "", false), -ENOSPC);
	route_table_free(t);
}
END_TEST

/* The ten-digit replacement of an emergency number, then the peer's NAI rules. */
START_TEST(test_apply)
{
	struct route_table *t = route_table_alloc(ctx, 4, 16);
	struct route *r = add(t, "15", "samu-alt");
	struct number n = { .digits = "15", .nai = NUMBER_NAI_UNKNOWN };

	strcpy(r->plan.natl_prefix, "0");
	strcpy(r->plan.intl_prefix, "00");
	r->plan.default_nai = NUMBER_NAI_SUBSCRIBER;
	ck_assert_int_eq(route_add_xlat(r, "15", "0123456789", true), 0);
	ck_assert_int_eq(route_apply(r, &n), 0);
	ck_assert_str_eq(n.digits, "123456789");
	ck_assert_int_eq(n.nai, NUMBER_NAI_NATIONAL);

	n = (struct number){ .digits = "33123", .nai = NUMBER_NAI_INTERNATIONAL };
	ck_assert_int_eq(route_apply(r, &n), 0);
	ck_assert_str_eq(n.digits, "33123");
	ck_assert_int_eq(n.nai, NUMBER_NAI_INTERNATIONAL);

	n = (struct number){ .digits = "150", .nai = NUMBER_NAI_UNKNOWN };
	ck_assert_int_eq(route_apply(r, &n), 0);
	ck_assert_str_eq(n.digits, "150");
	ck_assert_int_eq(n.nai, NUMBER_NAI_SUBSCRIBER);

	ck_assert_int_eq(route_add_xlat(r, "7", "99999999999999999999999999999999", false), 0);
	n = (struct number){ .digits = "77", .nai = NUMBER_NAI_UNKNOWN };
	ck_assert_int_eq(route_apply(r, &n), -E2BIG);
	route_table_free(t);
}
END_TEST

START_TEST(test_advance_causes)
{
	struct route_table *t = route_table_alloc(ctx, 4, 16);

	ck_assert(route_advance_cause(t, 34));
	ck_assert(route_advance_cause(t, 38));
	ck_assert(route_advance_cause(t, 41));
	ck_assert(route_advance_cause(t, 42));
	ck_assert(route_advance_cause(t, 44));
	ck_assert(route_advance_cause(t, 47));
	ck_assert(!route_advance_cause(t, 17));
	ck_assert(!route_advance_cause(t, 16));
	ck_assert(!route_advance_cause(t, 1));
	cause_set_add(route_table_advance_causes(t), 27);
	ck_assert(route_advance_cause(t, 27));
	route_table_free(t);
}
END_TEST

static const char cfg_text[] =
	"route-advance cause 27\n"
	"no route-advance cause 44\n"
	"route default\n"
	" name peer-site\n"
	" sip target 192.0.2.10 5060\n"
	"route 15\n"
	" name samu\n"
	" isup dpc 1.2.3 circuit-group paris-1\n"
	" nai international-prefix 00\n"
	" nai national-prefix 0\n"
	" nai country-code 33\n"
	" nai default subscriber\n"
	" nai national-to-sip e164\n"
	" fallback samu-alt\n"
	" fallback peer-site\n"
	" emergency\n"
	" media-gateway 192.0.2.40 30000\n"
	"route 159\n"
	" name samu-alt\n"
	" isup dpc 2067 circuit-group lyon-2\n"
	" nai national-prefix 0\n"
	" translate 15 0123456789 exact\n"
	" translate 3 44\n"
	" emergency\n"
	" shutdown\n"
	"route 33\n"
	" name international\n"
	" sip target sbc.example.net 5061\n";

/* What write prints for cfg_text: the same, with the DPC 2067 in z.a.b form. */
static const char cfg_written[] =
	"route-advance cause 27\n"
	"no route-advance cause 44\n"
	"route default\n"
	" name peer-site\n"
	" sip target 192.0.2.10 5060\n"
	"route 15\n"
	" name samu\n"
	" isup dpc 1.2.3 circuit-group paris-1\n"
	" nai international-prefix 00\n"
	" nai national-prefix 0\n"
	" nai country-code 33\n"
	" nai default subscriber\n"
	" nai national-to-sip e164\n"
	" fallback samu-alt\n"
	" fallback peer-site\n"
	" emergency\n"
	" media-gateway 192.0.2.40 30000\n"
	"route 159\n"
	" name samu-alt\n"
	" isup dpc 1.2.3 circuit-group lyon-2\n"
	" nai national-prefix 0\n"
	" translate 15 0123456789 exact\n"
	" translate 3 44\n"
	" emergency\n"
	" shutdown\n"
	"route 33\n"
	" name international\n"
	" sip target sbc.example.net 5061\n";

START_TEST(test_vty_round_trip)
{
	struct route_table *t = route_table_alloc(ctx, 16, 64), *t2;
	struct route *r;
	char *out, *out2;

	route_vty_init(t);
	ck_assert_int_eq(th_read_config(cfg_text), 0);
	ck_assert_uint_eq(route_table_count(t), 4);
	r = route_find_prefix(t, "15");
	ck_assert_str_eq(r->name, "samu");
	ck_assert_int_eq(r->type, ROUTE_TYPE_ISUP);
	ck_assert_uint_eq(r->isup_dpc, (1 << 11) | (2 << 3) | 3);
	ck_assert_str_eq(r->isup_group, "paris-1");
	ck_assert_uint_eq(r->num_fallback, 2);
	ck_assert(r->emergency && !r->admin_down);
	ck_assert_int_eq(r->plan.default_nai, NUMBER_NAI_SUBSCRIBER);
	ck_assert(r->plan.natl_to_e164);
	ck_assert_str_eq(r->media_ip, "192.0.2.40");
	ck_assert_uint_eq(r->media_rtp_base, 30000);
	ck_assert_str_eq(route_find_prefix(t, "159")->media_ip, "");
	ck_assert(route_find_prefix(t, "159")->admin_down);
	ck_assert_uint_eq(route_find_prefix(t, "")->sip_port, 5060);
	ck_assert(route_advance_cause(t, 27));
	ck_assert(!route_advance_cause(t, 44));
	ck_assert_ptr_eq(route_next_fallback(t, r, 0), route_find_prefix(t, ""));

	out = th_write_config(ctx);
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(strstr(out, cfg_written) != NULL, "written config:\n%s", out);

	/* reading what was written into an empty table writes the same again */
	t2 = route_table_alloc(ctx, 16, 64);
	route_vty_init(t2);
	ck_assert_int_eq(th_read_config(out), 0);
	out2 = th_write_config(ctx);
	ck_assert_str_eq(out2, out);
	route_vty_init(t);
	route_table_free(t2);
	talloc_free(out);
	talloc_free(out2);
	route_table_free(t);
}
END_TEST

START_TEST(test_vty_errors)
{
	struct route_table *t = route_table_alloc(ctx, 2, 8);

	route_vty_init(t);
	ck_assert_int_ne(th_read_config("route 1x\n"), 0);
	ck_assert_int_ne(th_read_config("route 1\n isup dpc 9.9.9 circuit-group g\n"), 0);
	ck_assert_int_ne(th_read_config("route 1\n sip target h 0\n"), 0);
	ck_assert_int_ne(th_read_config("route 1\n fallback a b\n"), 0);
	ck_assert_int_ne(th_read_config("route 1\n nai national-prefix x\n"), 0);
	ck_assert_int_ne(th_read_config("route 2\n name a\nroute 1\n name a\n"), 0);	/* name taken */
	ck_assert_str_eq(route_find_prefix(t, "1")->name, "");
	ck_assert_int_ne(th_read_config("route 3\n"), 0);	/* over the route limit */
	ck_assert_int_ne(th_read_config("route-advance cause 128\n"), 0);
	ck_assert_int_ne(th_read_config("route 1\n no fallback y\n"), 0);
	ck_assert_int_eq(th_read_config("no route 1\nno route 2\nroute 1\n name x\n"), 0);
	ck_assert_uint_eq(route_table_count(t), 1);
	ck_assert_str_eq(route_table_at(t, 0)->name, "x");
	route_table_free(t);
}
END_TEST

START_TEST(test_vty_show)
{
	struct route_table *t = route_table_alloc(ctx, 16, 64);
	char *out;
	int rc;

	route_vty_init(t);
	ck_assert_int_eq(th_read_config(cfg_text), 0);
	route_set_oper_down(route_find_prefix(t, "33"), true);
	route_lookup(t, "150");
	route_lookup(t, "x");
	out = th_command(ctx, "show routes", &rc);
	ck_assert_int_eq(rc, CMD_SUCCESS);
	ck_assert_ptr_nonnull(strstr(out, "Routes 4/16, trie nodes 5/64, lookups 2 (miss 1)"));
	ck_assert_ptr_nonnull(strstr(out, "15           samu             up    emergency isup dpc 1.2.3 circuit-group paris-1\n"));
	ck_assert_ptr_nonnull(strstr(out, "159          samu-alt         admin emergency"));
	ck_assert_ptr_nonnull(strstr(out, "33           international    down  -         sip target sbc.example.net 5061\n"));
	ck_assert_ptr_nonnull(strstr(out, "fallback 1: samu-alt (down)\n"));
	ck_assert_ptr_nonnull(strstr(out, "fallback 2: peer-site (up)\n"));
	ck_assert_ptr_nonnull(strstr(out, "Route-advance causes: 27 34 38 41 42 47\n"));
	talloc_free(out);
	route_table_free(t);
}
END_TEST

static struct vty_app_info app_info = {
	.name = "test_route",
	.version = "0",
};

int main(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("route");
	SRunner *sr;
	int failed;

	vty_init(&app_info);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_lookup_vs_bruteforce);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_fallback_chain);
	tcase_add_test(tc, test_fallback_bounds);
	tcase_add_test(tc, test_setters);
	tcase_add_test(tc, test_apply);
	tcase_add_test(tc, test_advance_causes);
	tcase_add_test(tc, test_vty_round_trip);
	tcase_add_test(tc, test_vty_errors);
	tcase_add_test(tc, test_vty_show);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
