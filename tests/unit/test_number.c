/* test_number.c - called/calling numbers: RFC 3966 URIs, NAI rules, privacy (RFC 3323/3325), CPC */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/talloc.h>

#include "gateway/number.h"

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

static void plan_fr(struct number_plan *p)
{
	number_plan_init(p);
	strcpy(p->intl_prefix, "00");
	strcpy(p->natl_prefix, "0");
	strcpy(p->country_code, "33");
}

START_TEST(test_from_uri_ok)
{
	static const struct {
		const char *uri;
		const char *digits;
		int nai;
	} v[] = {
		{ "tel:+33123456789", "33123456789", NUMBER_NAI_INTERNATIONAL },
		{ "tel:+33-1-23-45-67-89;phone-context=example.com", "33123456789", NUMBER_NAI_INTERNATIONAL },
		{ "tel:15;phone-context=+33", "15", NUMBER_NAI_UNKNOWN },
		{ "TEL:(01) 23", NULL, 0 },
		{ "tel:01.23.45.67.89", "0123456789", NUMBER_NAI_UNKNOWN },
		{ "sip:+33123456789@gw.example.com;user=phone", "33123456789", NUMBER_NAI_INTERNATIONAL },
		{ "sip:0123456789@10.0.0.1:5060", "0123456789", NUMBER_NAI_UNKNOWN },
		{ "sips:112@gw", "112", NUMBER_NAI_UNKNOWN },
		{ "sip:+1-(202)-555.0100;isub=1@h;user=phone", "12025550100", NUMBER_NAI_INTERNATIONAL },
		{ "sip:15;phone-context=+33@gw;user=phone", "15", NUMBER_NAI_UNKNOWN },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct number n;
		int rc = number_from_uri(&n, v[i].uri, NULL);

		if (!v[i].digits) {
			ck_assert_msg(rc == -EINVAL, "%s", v[i].uri);
			continue;
		}
		ck_assert_msg(rc == 0, "%s: %d", v[i].uri, rc);
		ck_assert_str_eq(n.digits, v[i].digits);
		ck_assert_int_eq(n.nai, v[i].nai);
	}
}
END_TEST

START_TEST(test_from_uri_bad)
{
	static const struct {
		const char *uri;
		int rc;
		size_t at;
	} v[] = {
		{ "sip:alice@example.com", -EINVAL, 4 },
		{ "sip:01234x@gw", -EINVAL, 9 },
		{ "tel:+", -EINVAL, 5 },
		{ "tel:", -EINVAL, 4 },
		{ "tel:+-", -EINVAL, 6 },
		{ "sip:gw.example.com", -EINVAL, 4 },
		{ "http://x/15", -EINVAL, 0 },
		{ "tel:12*34", -EINVAL, 6 },
		{ "tel:%2B33", -EINVAL, 4 },
		{ "tel:123456789012345678901234567890123", -E2BIG, 36 },
		{ "sip:++33@gw", -EINVAL, 5 },
		{ "", -EINVAL, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct number n;
		size_t at = 999;

		ck_assert_msg(number_from_uri(&n, v[i].uri, &at) == v[i].rc, "%s", v[i].uri);
		ck_assert_msg(at == v[i].at, "%s: bad at %zu, want %zu", v[i].uri, at, v[i].at);
	}
	{
		struct number n;

		ck_assert_int_eq(number_from_uri(&n, NULL, NULL), -EINVAL);
	}
}
END_TEST

/* 32 digits is the bound, separators do not count. */
START_TEST(test_from_uri_bound)
{
	struct number n;

	ck_assert_int_eq(number_from_uri(&n, "tel:+12345678901234567890123456789012", NULL), 0);
	ck_assert_uint_eq(strlen(n.digits), NUMBER_MAX_DIGITS);
	ck_assert_int_eq(number_from_uri(&n, "tel:1234-5678-9012-3456-7890-1234-5678-9012", NULL), 0);
	ck_assert_uint_eq(strlen(n.digits), NUMBER_MAX_DIGITS);
	ck_assert_int_eq(number_from_uri(&n, "tel:1234-5678-9012-3456-7890-1234-5678-90123", NULL), -E2BIG);
}
END_TEST

START_TEST(test_normalize)
{
	static const struct {
		const char *in;
		int in_nai;
		const char *out;
		int nai;
	} v[] = {
		{ "0123456789", NUMBER_NAI_UNKNOWN, "123456789", NUMBER_NAI_NATIONAL },
		{ "0044201234", NUMBER_NAI_UNKNOWN, "44201234", NUMBER_NAI_INTERNATIONAL },
		{ "33123456789", NUMBER_NAI_INTERNATIONAL, "33123456789", NUMBER_NAI_INTERNATIONAL },
		{ "15", NUMBER_NAI_UNKNOWN, "15", NUMBER_NAI_SUBSCRIBER },
		{ "0", NUMBER_NAI_UNKNOWN, "0", NUMBER_NAI_SUBSCRIBER },
		{ "00", NUMBER_NAI_UNKNOWN, "0", NUMBER_NAI_NATIONAL },
		{ "123", NUMBER_NAI_NATIONAL, "123", NUMBER_NAI_NATIONAL },
	};
	struct number_plan p;
	size_t i;

	plan_fr(&p);
	p.default_nai = NUMBER_NAI_SUBSCRIBER;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct number n = { .nai = v[i].in_nai };

		strcpy(n.digits, v[i].in);
		number_normalize(&n, &p);
		ck_assert_msg(strcmp(n.digits, v[i].out) == 0, "%s -> %s", v[i].in, n.digits);
		ck_assert_int_eq(n.nai, v[i].nai);
	}

	/* the longer prefix wins whichever field holds it */
	number_plan_init(&p);
	strcpy(p.intl_prefix, "0");
	strcpy(p.natl_prefix, "00");
	{
		struct number n = { .digits = "001234", .nai = NUMBER_NAI_UNKNOWN };

		number_normalize(&n, &p);
		ck_assert_str_eq(n.digits, "1234");
		ck_assert_int_eq(n.nai, NUMBER_NAI_NATIONAL);
	}
	/* an empty plan marks everything with its default and strips nothing */
	number_plan_init(&p);
	{
		struct number n = { .digits = "0123", .nai = NUMBER_NAI_UNKNOWN };

		number_normalize(&n, &p);
		ck_assert_str_eq(n.digits, "0123");
		ck_assert_int_eq(n.nai, NUMBER_NAI_UNKNOWN);
	}
}
END_TEST

START_TEST(test_to_sip_user)
{
	struct number_plan p;
	struct number n;
	char buf[NUMBER_USER_MAX], small[4];

	plan_fr(&p);
	n = (struct number){ .digits = "33123456789", .nai = NUMBER_NAI_INTERNATIONAL };
	ck_assert_int_eq(number_to_sip_user(buf, sizeof(buf), &n, &p), 0);
	ck_assert_str_eq(buf, "+33123456789");
	n = (struct number){ .digits = "123456789", .nai = NUMBER_NAI_NATIONAL };
	ck_assert_int_eq(number_to_sip_user(buf, sizeof(buf), &n, &p), 0);
	ck_assert_str_eq(buf, "0123456789");
	p.natl_to_e164 = true;
	ck_assert_int_eq(number_to_sip_user(buf, sizeof(buf), &n, &p), 0);
	ck_assert_str_eq(buf, "+33123456789");
	p.country_code[0] = '\0';	/* no country code: cannot write E.164, use the prefix */
	ck_assert_int_eq(number_to_sip_user(buf, sizeof(buf), &n, &p), 0);
	ck_assert_str_eq(buf, "0123456789");
	n = (struct number){ .digits = "15", .nai = NUMBER_NAI_SUBSCRIBER };
	ck_assert_int_eq(number_to_sip_user(buf, sizeof(buf), &n, &p), 0);
	ck_assert_str_eq(buf, "15");
	n = (struct number){ .digits = "1234", .nai = NUMBER_NAI_UNKNOWN };
	ck_assert_int_eq(number_to_sip_user(buf, sizeof(buf), &n, &p), 0);
	ck_assert_str_eq(buf, "1234");
	ck_assert_int_eq(number_to_sip_user(small, sizeof(small), &n, &p), -ENOSPC);
	n.nai = NUMBER_NAI_INTERNATIONAL;
	ck_assert_int_eq(number_to_sip_user(small, sizeof(small), &n, &p), -ENOSPC);
	n.digits[2] = '\0';
	ck_assert_int_eq(number_to_sip_user(small, sizeof(small), &n, &p), 0);
	ck_assert_str_eq(small, "+12");
}
END_TEST

/* SIP -> ISUP -> SIP keeps the number for each NAI. */
START_TEST(test_round_trip)
{
	static const char *const uris[] = { "tel:+4420123", "tel:0123456789", "tel:15", "tel:0033123" };
	static const char *const users[] = { "+4420123", "0123456789", "15", "+33123" };
	struct number_plan p;
	size_t i;

	plan_fr(&p);
	p.default_nai = NUMBER_NAI_SUBSCRIBER;
	for (i = 0; i < 4; i++) {
		struct number n;
		char buf[NUMBER_USER_MAX];

		ck_assert_int_eq(number_from_uri(&n, uris[i], NULL), 0);
		number_normalize(&n, &p);
		ck_assert_int_eq(number_to_sip_user(buf, sizeof(buf), &n, &p), 0);
		ck_assert_str_eq(buf, users[i]);
	}
}
END_TEST

START_TEST(test_translate)
{
	const struct number_xlat rules[] = {
		{ "15", "0123456789", true },
		{ "1", "991", false },
		{ "123", "7", false },
		{ "18", "", false },
	};
	static const struct {
		const char *in;
		int rc;
		const char *out;
	} v[] = {
		{ "15", 1, "0123456789" },
		{ "150", 1, "99150" },		/* exact rule 15 does not apply, prefix 1 does */
		{ "1234", 1, "74" },		/* longest prefix wins */
		{ "12", 1, "9912" },
		{ "1899", 1, "99" },
		{ "2", 0, "2" },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct number n = { .nai = NUMBER_NAI_UNKNOWN };

		strcpy(n.digits, v[i].in);
		ck_assert_int_eq(number_translate(&n, rules, 4), v[i].rc);
		ck_assert_str_eq(n.digits, v[i].out);
	}
	{
		const struct number_xlat grow = { "1", "99999999999999999999999999999999" };
		struct number n = { .digits = "12" };

		ck_assert_int_eq(number_translate(&n, &grow, 1), -E2BIG);
		ck_assert_str_eq(n.digits, "12");
		strcpy(n.digits, "1");
		ck_assert_int_eq(number_translate(&n, &grow, 1), 1);
		ck_assert_uint_eq(strlen(n.digits), 32);
	}
	{
		struct number n = { .digits = "15" };

		ck_assert_int_eq(number_translate(&n, NULL, 0), 0);
	}
}
END_TEST

START_TEST(test_privacy)
{
	ck_assert(number_privacy_restricts("id"));
	ck_assert(number_privacy_restricts("header"));
	ck_assert(number_privacy_restricts("user"));
	ck_assert(number_privacy_restricts("session;id"));
	ck_assert(number_privacy_restricts("header; session ;critical"));
	ck_assert(number_privacy_restricts("ID"));
	ck_assert(number_privacy_restricts("critical, id"));
	ck_assert(!number_privacy_restricts("none"));
	ck_assert(!number_privacy_restricts("none;id"));
	ck_assert(!number_privacy_restricts("session"));
	ck_assert(!number_privacy_restricts("critical"));
	ck_assert(!number_privacy_restricts("identity"));
	ck_assert(!number_privacy_restricts(""));
	ck_assert(!number_privacy_restricts(";;;"));
	ck_assert(!number_privacy_restricts(NULL));
}
END_TEST

START_TEST(test_calling_from_sip)
{
	struct number_plan p;
	struct number_calling c;

	plan_fr(&p);
	/* PAI is trusted: its number, network provided */
	ck_assert_int_eq(number_calling_from_sip(&c, "tel:+33123456789", "sip:0999@x", NULL, &p), 0);
	ck_assert_str_eq(c.num.digits, "33123456789");
	ck_assert_int_eq(c.num.nai, NUMBER_NAI_INTERNATIONAL);
	ck_assert_int_eq(c.apri, NUMBER_APRI_ALLOWED);
	ck_assert_int_eq(c.screening, NUMBER_SCREEN_NETWORK);
	/* no PAI: From, user provided not verified, NAI from the plan */
	ck_assert_int_eq(number_calling_from_sip(&c, NULL, "sip:0123456789@x;user=phone", "none", &p), 0);
	ck_assert_str_eq(c.num.digits, "123456789");
	ck_assert_int_eq(c.num.nai, NUMBER_NAI_NATIONAL);
	ck_assert_int_eq(c.apri, NUMBER_APRI_ALLOWED);
	ck_assert_int_eq(c.screening, NUMBER_SCREEN_USER_NOT_VERIFIED);
	/* PAI without a number: From is used */
	ck_assert_int_eq(number_calling_from_sip(&c, "sip:alice@x", "sip:0123@x", NULL, &p), 0);
	ck_assert_str_eq(c.num.digits, "123");
	ck_assert_int_eq(c.screening, NUMBER_SCREEN_USER_NOT_VERIFIED);
	/* privacy id -> presentation restricted, number still carried */
	ck_assert_int_eq(number_calling_from_sip(&c, "tel:+33123", "sip:anonymous@anonymous.invalid",
						 "id", &p), 0);
	ck_assert_str_eq(c.num.digits, "33123");
	ck_assert_int_eq(c.apri, NUMBER_APRI_RESTRICTED);
	ck_assert_int_eq(c.screening, NUMBER_SCREEN_NETWORK);
	/* nothing usable: not available */
	ck_assert_int_eq(number_calling_from_sip(&c, NULL, "sip:anonymous@anonymous.invalid", "id", &p), 0);
	ck_assert_str_eq(c.num.digits, "");
	ck_assert_int_eq(c.apri, NUMBER_APRI_NOT_AVAILABLE);
	ck_assert_int_eq(number_calling_from_sip(&c, NULL, NULL, NULL, NULL), 0);
	ck_assert_int_eq(c.apri, NUMBER_APRI_NOT_AVAILABLE);
	/* without a plan the NAI stays as the URI gave it */
	ck_assert_int_eq(number_calling_from_sip(&c, NULL, "tel:0123", NULL, NULL), 0);
	ck_assert_str_eq(c.num.digits, "0123");
	ck_assert_int_eq(c.num.nai, NUMBER_NAI_UNKNOWN);
}
END_TEST

/* The same rules from the user parts the SIP front end hands over. */
START_TEST(test_calling_from_users)
{
	struct number_plan p;
	struct number_calling c;

	plan_fr(&p);
	ck_assert_int_eq(number_calling_from_users(&c, "+33123456789", "0999", NULL, &p), 0);
	ck_assert_str_eq(c.num.digits, "33123456789");
	ck_assert_int_eq(c.num.nai, NUMBER_NAI_INTERNATIONAL);
	ck_assert_int_eq(c.screening, NUMBER_SCREEN_NETWORK);
	ck_assert_int_eq(number_calling_from_users(&c, "", "0123456789", "none", &p), 0);
	ck_assert_str_eq(c.num.digits, "123456789");
	ck_assert_int_eq(c.num.nai, NUMBER_NAI_NATIONAL);
	ck_assert_int_eq(c.screening, NUMBER_SCREEN_USER_NOT_VERIFIED);
	ck_assert_int_eq(number_calling_from_users(&c, "alice", "0123", "id", &p), 0);
	ck_assert_str_eq(c.num.digits, "123");
	ck_assert_int_eq(c.apri, NUMBER_APRI_RESTRICTED);
	ck_assert_int_eq(number_calling_from_users(&c, NULL, "anonymous", "id", &p), 0);
	ck_assert_str_eq(c.num.digits, "");
	ck_assert_int_eq(c.apri, NUMBER_APRI_NOT_AVAILABLE);
}
END_TEST

START_TEST(test_calling_to_sip)
{
	struct number_plan p;
	struct number_calling c = { .num = { .digits = "123456789", .nai = NUMBER_NAI_NATIONAL } };
	struct number_sip_identity id;

	plan_fr(&p);
	p.natl_to_e164 = true;
	ck_assert_int_eq(number_calling_to_sip(&id, &c, &p), 0);
	ck_assert_str_eq(id.pai_user, "+33123456789");
	ck_assert_str_eq(id.from_user, "+33123456789");
	ck_assert(!id.privacy_id);

	c.apri = NUMBER_APRI_RESTRICTED;
	ck_assert_int_eq(number_calling_to_sip(&id, &c, &p), 0);
	ck_assert_str_eq(id.pai_user, "+33123456789");
	ck_assert_str_eq(id.from_user, "anonymous");
	ck_assert(id.privacy_id);

	c.apri = NUMBER_APRI_NOT_AVAILABLE;
	ck_assert_int_eq(number_calling_to_sip(&id, &c, &p), 0);
	ck_assert_str_eq(id.pai_user, "");
	ck_assert_str_eq(id.from_user, "anonymous");
	ck_assert(!id.privacy_id);

	c.apri = NUMBER_APRI_ALLOWED;
	c.num.digits[0] = '\0';
	ck_assert_int_eq(number_calling_to_sip(&id, &c, &p), 0);
	ck_assert_str_eq(id.from_user, "anonymous");
}
END_TEST

START_TEST(test_cpc_tables)
{
	size_t i;

	for (i = 0; i < number_cpc_sip_len; i++)
		ck_assert_uint_eq(number_cpc_from_sip(number_cpc_sip_rows[i].sip), number_cpc_sip_rows[i].isup);
	for (i = 0; i < number_cpc_isup_len; i++)
		ck_assert_str_eq(number_cpc_to_sip(number_cpc_isup_rows[i].isup), number_cpc_isup_rows[i].sip);
	/* every value sent as cpc= comes back to an ISUP category that maps to it again */
	for (i = 0; i < 256; i++) {
		const char *s = number_cpc_to_sip(i);

		if (s)
			ck_assert_str_eq(number_cpc_to_sip(number_cpc_from_sip(s)), s);
	}
}
END_TEST

/* Q.763 3.11 values typed independently. */
START_TEST(test_cpc_spot)
{
	ck_assert_uint_eq(number_cpc_from_sip("ordinary"), 0x0a);
	ck_assert_uint_eq(number_cpc_from_sip("priority"), 0x0b);
	ck_assert_uint_eq(number_cpc_from_sip("data"), 0x0c);
	ck_assert_uint_eq(number_cpc_from_sip("test"), 0x0d);
	ck_assert_uint_eq(number_cpc_from_sip("payphone"), 0x0f);
	ck_assert_uint_eq(number_cpc_from_sip("PayPhone"), 0x0f);
	ck_assert_uint_eq(number_cpc_from_sip("operator"), 0x09);
	ck_assert_uint_eq(number_cpc_from_sip("unknown"), 0x00);
	ck_assert_uint_eq(number_cpc_from_sip("cellular"), 0x0a);
	ck_assert_uint_eq(number_cpc_from_sip("cellular-roaming"), 0x0a);
	ck_assert_uint_eq(number_cpc_from_sip("no-such-value"), 0x0a);
	ck_assert_uint_eq(number_cpc_from_sip(""), 0x0a);
	ck_assert_uint_eq(number_cpc_from_sip(NULL), 0x0a);
	ck_assert_str_eq(number_cpc_to_sip(0x01), "operator");
	ck_assert_str_eq(number_cpc_to_sip(0x05), "operator");
	ck_assert_str_eq(number_cpc_to_sip(0x0b), "priority");
	ck_assert_str_eq(number_cpc_to_sip(0x0c), "data");
	ck_assert_str_eq(number_cpc_to_sip(0x0d), "test");
	ck_assert_str_eq(number_cpc_to_sip(0x0f), "payphone");
	ck_assert_ptr_null(number_cpc_to_sip(0x0a));
	ck_assert_ptr_null(number_cpc_to_sip(0x00));
	ck_assert_ptr_null(number_cpc_to_sip(0x0e));
	ck_assert_ptr_null(number_cpc_to_sip(0xff));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("number");
	TCase *tc = tcase_create("number");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_from_uri_ok);
	tcase_add_test(tc, test_from_uri_bad);
	tcase_add_test(tc, test_from_uri_bound);
	tcase_add_test(tc, test_normalize);
	tcase_add_test(tc, test_to_sip_user);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_translate);
	tcase_add_test(tc, test_privacy);
	tcase_add_test(tc, test_calling_from_sip);
	tcase_add_test(tc, test_calling_from_users);
	tcase_add_test(tc, test_calling_to_sip);
	tcase_add_test(tc, test_cpc_tables);
	tcase_add_test(tc, test_cpc_spot);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
