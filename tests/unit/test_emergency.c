/* test_emergency.c - emergency/priority classification (RFC 5031, RFC 4412, Q.763 CPC) and its VTY */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/talloc.h>

#include "gateway/emergency.h"
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

static uint64_t ctr(struct emergency_cfg *cfg, int idx)
{
	return rate_ctr_group_get_ctr(emergency_cfg_ctrs(cfg), idx)->current;
}

static enum gw_call_class classify(struct emergency_cfg *cfg, const char *digits, const char *ruri,
				   const char *rph, int isup_cpc, const char *sip_cpc,
				   enum emergency_reason *why)
{
	const struct emergency_call_info in = {
		.called_digits = digits,
		.request_uri = ruri,
		.resource_priority = rph,
		.isup_cpc = isup_cpc,
		.sip_cpc = sip_cpc,
	};

	return emergency_classify(cfg, &in, why);
}

/* The values admission/ expects for enum adm_class. */
START_TEST(test_class_values)
{
	ck_assert_int_eq(GW_CALL_CLASS_EMERGENCY, 0);
	ck_assert_int_eq(GW_CALL_CLASS_PRIORITY, 1);
	ck_assert_int_eq(GW_CALL_CLASS_ORDINARY, 2);
}
END_TEST

START_TEST(test_defaults)
{
	struct emergency_cfg *cfg = emergency_cfg_alloc(ctx);
	static const char *const em[] = { "15", "17", "18", "112" };
	static const char *const not_em[] = { "1", "11", "16", "19", "150", "1120", "0112", "", "115" };
	enum emergency_reason why;
	size_t i;

	for (i = 0; i < 4; i++) {
		ck_assert(emergency_number_is(cfg, em[i], NULL));
		ck_assert_int_eq(classify(cfg, em[i], NULL, NULL, -1, NULL, &why), GW_CALL_CLASS_EMERGENCY);
		ck_assert_int_eq(why, EMERGENCY_WHY_NUMBER);
	}
	for (i = 0; i < sizeof(not_em) / sizeof(not_em[0]); i++) {
		ck_assert_msg(!emergency_number_is(cfg, not_em[i], NULL), "%s", not_em[i]);
		ck_assert_int_eq(classify(cfg, not_em[i], NULL, NULL, -1, NULL, &why), GW_CALL_CLASS_ORDINARY);
		ck_assert_int_eq(why, EMERGENCY_WHY_NONE);
	}
	ck_assert_uint_eq(ctr(cfg, EMERGENCY_CTR_BY_NUMBER), 4);
	ck_assert_uint_eq(ctr(cfg, EMERGENCY_CTR_ORDINARY), 9);
	ck_assert_int_eq(classify(cfg, NULL, NULL, NULL, -1, NULL, NULL), GW_CALL_CLASS_ORDINARY);
	ck_assert(!emergency_number_is(cfg, "123456789012345678901234567890123", NULL));
	ck_assert(!emergency_number_is(cfg, NULL, NULL));
	emergency_cfg_free(cfg);
}
END_TEST

START_TEST(test_numbers)
{
	struct emergency_cfg *cfg = emergency_cfg_alloc(ctx);
	const char *digits, *region;
	char num[8];
	unsigned int i;

	ck_assert_int_eq(emergency_number_add(cfg, "116117", "medical-on-call"), 0);
	ck_assert(emergency_number_is(cfg, "116117", &region));
	ck_assert_str_eq(region, "medical-on-call");
	ck_assert_int_eq(emergency_number_add(cfg, "15", "samu-75"), 0);	/* updates the region */
	ck_assert_uint_eq(emergency_number_count(cfg), 5);
	ck_assert(emergency_number_is(cfg, "15", &region));
	ck_assert_str_eq(region, "samu-75");
	ck_assert_int_eq(emergency_number_del(cfg, "17"), 0);
	ck_assert(!emergency_number_is(cfg, "17", NULL));
	ck_assert(emergency_number_is(cfg, "18", NULL) && emergency_number_is(cfg, "112", NULL));
	ck_assert_int_eq(emergency_number_del(cfg, "17"), -ENOENT);
	ck_assert_int_eq(emergency_number_del(cfg, "x"), -ENOENT);
	ck_assert_int_eq(emergency_number_add(cfg, "1x", NULL), -EINVAL);
	ck_assert_int_eq(emergency_number_add(cfg, "", NULL), -EINVAL);
	ck_assert_int_eq(emergency_number_add(cfg, "123456789012345678901234567890123", NULL), -EINVAL);
	ck_assert_int_eq(emergency_number_add(cfg, "19", "two words"), -EINVAL);

	/* configuration order is kept for write */
	ck_assert_int_eq(emergency_number_at(cfg, 0, &digits, &region), 0);
	ck_assert_str_eq(digits, "15");
	ck_assert_int_eq(emergency_number_at(cfg, 3, &digits, &region), 0);
	ck_assert_str_eq(digits, "116117");
	ck_assert_int_eq(emergency_number_at(cfg, 4, &digits, &region), -ENOENT);

	/* fill to the bound: every number is still found after all the probing */
	for (i = 0; emergency_number_count(cfg) < EMERGENCY_NUMBERS_MAX; i++) {
		snprintf(num, sizeof(num), "9%u", i);
		ck_assert_int_eq(emergency_number_add(cfg, num, NULL), 0);
	}
	ck_assert_int_eq(emergency_number_add(cfg, "8", NULL), -ENOSPC);
	ck_assert_uint_eq(ctr(cfg, EMERGENCY_CTR_CFG_FULL), 1);
	ck_assert_int_eq(emergency_number_add(cfg, "15", NULL), 0);	/* present: not refused */
	for (i = 0; emergency_number_at(cfg, i, &digits, &region) == 0; i++)
		ck_assert(emergency_number_is(cfg, digits, NULL));
	ck_assert(!emergency_number_is(cfg, "8", NULL));
	/* delete half, the rest is still found and the deleted are gone */
	for (i = 0; i < 30; i += 2) {
		snprintf(num, sizeof(num), "9%u", i);
		ck_assert_int_eq(emergency_number_del(cfg, num), 0);
	}
	for (i = 0; i < 30; i++) {
		snprintf(num, sizeof(num), "9%u", i);
		ck_assert_msg(emergency_number_is(cfg, num, NULL) == (i % 2 == 1), "%s", num);
	}
	emergency_cfg_free(cfg);
}
END_TEST

START_TEST(test_urn)
{
	struct emergency_cfg *cfg = emergency_cfg_alloc(ctx);
	enum emergency_reason why;

	ck_assert(emergency_uri_is_sos("urn:service:sos"));
	ck_assert(emergency_uri_is_sos("URN:Service:SOS"));
	ck_assert(emergency_uri_is_sos("urn:service:sos.ambulance"));
	ck_assert(emergency_uri_is_sos("urn:service:sos.animal-control"));
	ck_assert(!emergency_uri_is_sos("urn:service:sos."));
	ck_assert(!emergency_uri_is_sos("urn:service:sosx"));
	ck_assert(!emergency_uri_is_sos("urn:service:counseling"));
	ck_assert(!emergency_uri_is_sos("urn:service:so"));
	ck_assert(!emergency_uri_is_sos("sip:urn:service:sos@x"));
	ck_assert(!emergency_uri_is_sos(""));
	ck_assert(!emergency_uri_is_sos(NULL));
	ck_assert_int_eq(classify(cfg, "0123", "urn:service:sos.fire", NULL, -1, NULL, &why),
			 GW_CALL_CLASS_EMERGENCY);
	ck_assert_int_eq(why, EMERGENCY_WHY_URN);
	ck_assert_uint_eq(ctr(cfg, EMERGENCY_CTR_BY_URN), 1);
	emergency_cfg_free(cfg);
}
END_TEST

START_TEST(test_rph)
{
	struct emergency_cfg *cfg = emergency_cfg_alloc(ctx);
	enum emergency_reason why;

	ck_assert_int_eq(emergency_rph_class(cfg, "esnet.0"), GW_CALL_CLASS_EMERGENCY);
	ck_assert_int_eq(emergency_rph_class(cfg, "ESNet.4"), GW_CALL_CLASS_EMERGENCY);
	ck_assert_int_eq(emergency_rph_class(cfg, "ets.2"), GW_CALL_CLASS_PRIORITY);
	ck_assert_int_eq(emergency_rph_class(cfg, "wps.0"), GW_CALL_CLASS_PRIORITY);
	ck_assert_int_eq(emergency_rph_class(cfg, "wps.3, esnet.1"), GW_CALL_CLASS_EMERGENCY);
	ck_assert_int_eq(emergency_rph_class(cfg, "dsn.flash"), GW_CALL_CLASS_ORDINARY);
	ck_assert_int_eq(emergency_rph_class(cfg, "esnet"), GW_CALL_CLASS_ORDINARY);
	ck_assert_int_eq(emergency_rph_class(cfg, "esnet."), GW_CALL_CLASS_ORDINARY);
	ck_assert_int_eq(emergency_rph_class(cfg, "esnetx.0"), GW_CALL_CLASS_ORDINARY);
	ck_assert_int_eq(emergency_rph_class(cfg, ",,, ,"), GW_CALL_CLASS_ORDINARY);
	ck_assert_int_eq(emergency_rph_class(cfg, ""), GW_CALL_CLASS_ORDINARY);
	ck_assert_int_eq(emergency_rph_class(cfg, NULL), GW_CALL_CLASS_ORDINARY);

	/* an exact r-value rule, and one overriding a namespace rule by being stronger */
	ck_assert_int_eq(emergency_rph_add(cfg, "dsn.flash", GW_CALL_CLASS_EMERGENCY), 0);
	ck_assert_int_eq(emergency_rph_add(cfg, "ets.0", GW_CALL_CLASS_EMERGENCY), 0);
	ck_assert_int_eq(emergency_rph_class(cfg, "dsn.flash"), GW_CALL_CLASS_EMERGENCY);
	ck_assert_int_eq(emergency_rph_class(cfg, "dsn.flash-override"), GW_CALL_CLASS_ORDINARY);
	ck_assert_int_eq(emergency_rph_class(cfg, "ets.0"), GW_CALL_CLASS_EMERGENCY);
	ck_assert_int_eq(emergency_rph_class(cfg, "ets.1"), GW_CALL_CLASS_PRIORITY);
	ck_assert_int_eq(emergency_rph_add(cfg, "WPS.*", GW_CALL_CLASS_EMERGENCY), 0);	/* replaces */
	ck_assert_int_eq(emergency_rph_class(cfg, "wps.4"), GW_CALL_CLASS_EMERGENCY);
	ck_assert_uint_eq(emergency_rph_count(cfg), 5);
	ck_assert_int_eq(emergency_rph_del(cfg, "esnet.*"), 0);
	ck_assert_int_eq(emergency_rph_del(cfg, "esnet.*"), -ENOENT);
	ck_assert_int_eq(emergency_rph_class(cfg, "esnet.0"), GW_CALL_CLASS_ORDINARY);

	ck_assert_int_eq(emergency_rph_add(cfg, "esnet", GW_CALL_CLASS_EMERGENCY), -EINVAL);
	ck_assert_int_eq(emergency_rph_add(cfg, ".0", GW_CALL_CLASS_EMERGENCY), -EINVAL);
	ck_assert_int_eq(emergency_rph_add(cfg, "a.b.c", GW_CALL_CLASS_EMERGENCY), -EINVAL);
	ck_assert_int_eq(emergency_rph_add(cfg, "a.*x", GW_CALL_CLASS_EMERGENCY), -EINVAL);
	ck_assert_int_eq(emergency_rph_add(cfg, "a.1", GW_CALL_CLASS_ORDINARY), -EINVAL);

	ck_assert_int_eq(classify(cfg, "0123", "sip:0123@x", "ets.0", -1, NULL, &why), GW_CALL_CLASS_EMERGENCY);
	ck_assert_int_eq(why, EMERGENCY_WHY_RPH);
	ck_assert_int_eq(classify(cfg, "0123", NULL, "ets.3", -1, NULL, &why), GW_CALL_CLASS_PRIORITY);
	ck_assert_int_eq(why, EMERGENCY_WHY_RPH);
	ck_assert_uint_eq(ctr(cfg, EMERGENCY_CTR_BY_RPH), 1);
	ck_assert_uint_eq(ctr(cfg, EMERGENCY_CTR_PRIORITY), 1);
	emergency_cfg_free(cfg);
}
END_TEST

START_TEST(test_rph_bound)
{
	struct emergency_cfg *cfg = emergency_cfg_alloc(ctx);
	char p[16];
	unsigned int i;

	for (i = 0; emergency_rph_count(cfg) < EMERGENCY_RPH_MAX; i++) {
		snprintf(p, sizeof(p), "ns%u.*", i);
		ck_assert_int_eq(emergency_rph_add(cfg, p, GW_CALL_CLASS_PRIORITY), 0);
	}
	ck_assert_int_eq(emergency_rph_add(cfg, "full.*", GW_CALL_CLASS_PRIORITY), -ENOSPC);
	for (i = 0; emergency_cpc_count(cfg) < EMERGENCY_CPC_MAX; i++)
		ck_assert_int_eq(emergency_cpc_add(cfg, 100 + i, GW_CALL_CLASS_PRIORITY), 0);
	ck_assert_int_eq(emergency_cpc_add(cfg, 200, GW_CALL_CLASS_PRIORITY), -ENOSPC);
	ck_assert_uint_eq(ctr(cfg, EMERGENCY_CTR_CFG_FULL), 2);
	emergency_cfg_free(cfg);
}
END_TEST

START_TEST(test_cpc)
{
	struct emergency_cfg *cfg = emergency_cfg_alloc(ctx);
	enum emergency_reason why;
	uint8_t v;
	enum gw_call_class cls;

	/* Q.763 0x0b priority subscriber -> priority; ordinary stays ordinary */
	ck_assert_int_eq(classify(cfg, "0123", NULL, NULL, 0x0b, NULL, &why), GW_CALL_CLASS_PRIORITY);
	ck_assert_int_eq(why, EMERGENCY_WHY_CPC);
	ck_assert_int_eq(classify(cfg, "0123", NULL, NULL, 0x0a, NULL, &why), GW_CALL_CLASS_ORDINARY);
	ck_assert_int_eq(classify(cfg, "0123", NULL, NULL, -1, "priority", &why), GW_CALL_CLASS_PRIORITY);
	ck_assert_int_eq(why, EMERGENCY_WHY_CPC);
	ck_assert_int_eq(classify(cfg, "0123", NULL, NULL, -1, "ordinary", &why), GW_CALL_CLASS_ORDINARY);
	ck_assert_int_eq(classify(cfg, "0123", NULL, NULL, 300, NULL, &why), GW_CALL_CLASS_ORDINARY);

	/* a national emergency category */
	ck_assert_int_eq(emergency_cpc_add(cfg, 0xe0, GW_CALL_CLASS_EMERGENCY), 0);
	ck_assert_int_eq(classify(cfg, "0123", NULL, NULL, 0xe0, NULL, &why), GW_CALL_CLASS_EMERGENCY);
	ck_assert_int_eq(why, EMERGENCY_WHY_CPC);
	ck_assert_uint_eq(ctr(cfg, EMERGENCY_CTR_BY_CPC), 1);
	ck_assert_int_eq(emergency_cpc_add(cfg, 0x0b, GW_CALL_CLASS_EMERGENCY), 0);	/* replaces */
	ck_assert_uint_eq(emergency_cpc_count(cfg), 2);
	ck_assert_int_eq(emergency_cpc_at(cfg, 0, &v, &cls), 0);
	ck_assert_uint_eq(v, 0x0b);
	ck_assert_int_eq(cls, GW_CALL_CLASS_EMERGENCY);
	ck_assert_int_eq(emergency_cpc_at(cfg, 2, &v, &cls), -ENOENT);
	ck_assert_int_eq(emergency_cpc_del(cfg, 0x0b), 0);
	ck_assert_int_eq(emergency_cpc_del(cfg, 0x0b), -ENOENT);
	ck_assert_int_eq(classify(cfg, "0123", NULL, NULL, 0x0b, NULL, NULL), GW_CALL_CLASS_ORDINARY);
	ck_assert_int_eq(emergency_cpc_add(cfg, 1, GW_CALL_CLASS_ORDINARY), -EINVAL);
	emergency_cfg_free(cfg);
}
END_TEST

/* Emergency evidence beats priority evidence, whatever field carries it. */
/* The thread-safe variant decides the same and counts nothing. */
START_TEST(test_classify_pure)
{
	struct emergency_cfg *cfg = emergency_cfg_alloc(ctx);
	const struct emergency_call_info sos = { .request_uri = "urn:service:sos.police", .isup_cpc = -1 };
	const struct emergency_call_info num = { .called_digits = "112", .isup_cpc = -1 };
	const struct emergency_call_info ord = { .called_digits = "0123456789", .isup_cpc = -1 };
	const struct emergency_call_info prio = { .called_digits = "0123", .resource_priority = "wps.1",
						  .isup_cpc = -1 };
	enum emergency_reason why;

	ck_assert_int_eq(emergency_classify_pure(cfg, &sos, &why), GW_CALL_CLASS_EMERGENCY);
	ck_assert_int_eq(why, EMERGENCY_WHY_URN);
	ck_assert_int_eq(emergency_classify_pure(cfg, &num, &why), GW_CALL_CLASS_EMERGENCY);
	ck_assert_int_eq(why, EMERGENCY_WHY_NUMBER);
	ck_assert_int_eq(emergency_classify_pure(cfg, &ord, &why), GW_CALL_CLASS_ORDINARY);
	ck_assert_int_eq(emergency_classify_pure(cfg, &prio, &why), GW_CALL_CLASS_PRIORITY);
	ck_assert_uint_eq(ctr(cfg, EMERGENCY_CTR_BY_URN), 0);
	ck_assert_uint_eq(ctr(cfg, EMERGENCY_CTR_BY_NUMBER), 0);
	ck_assert_uint_eq(ctr(cfg, EMERGENCY_CTR_ORDINARY), 0);
	ck_assert_uint_eq(ctr(cfg, EMERGENCY_CTR_PRIORITY), 0);
	ck_assert_int_eq(emergency_classify(cfg, &num, &why), GW_CALL_CLASS_EMERGENCY);
	ck_assert_uint_eq(ctr(cfg, EMERGENCY_CTR_BY_NUMBER), 1);
	emergency_cfg_free(cfg);
}
END_TEST

START_TEST(test_precedence)
{
	struct emergency_cfg *cfg = emergency_cfg_alloc(ctx);
	enum emergency_reason why;

	ck_assert_int_eq(classify(cfg, "112", NULL, "wps.1", 0x0b, "priority", &why), GW_CALL_CLASS_EMERGENCY);
	ck_assert_int_eq(why, EMERGENCY_WHY_NUMBER);
	ck_assert_int_eq(classify(cfg, "0123", NULL, "ets.1", 0x0b, NULL, &why), GW_CALL_CLASS_PRIORITY);
	ck_assert_int_eq(why, EMERGENCY_WHY_RPH);
	ck_assert_int_eq(classify(cfg, "0123", NULL, "wps.1", -1, NULL, &why), GW_CALL_CLASS_PRIORITY);
	ck_assert_int_eq(classify(cfg, "0123", NULL, "wps.1, esnet.0", 0x0b, NULL, &why), GW_CALL_CLASS_EMERGENCY);
	ck_assert_int_eq(why, EMERGENCY_WHY_RPH);
	ck_assert_int_eq(emergency_cpc_add(cfg, 0xe0, GW_CALL_CLASS_EMERGENCY), 0);
	ck_assert_int_eq(classify(cfg, "0123", NULL, "wps.1", 0xe0, NULL, &why), GW_CALL_CLASS_EMERGENCY);
	ck_assert_int_eq(why, EMERGENCY_WHY_CPC);
	emergency_cfg_free(cfg);
}
END_TEST

static const char cfg_text[] =
	"emergency\n"
	" no number 17\n"
	" number 15 region samu-75\n"
	" number 18\n"
	" number 112\n"
	" number 116117 region medical\n"
	" no resource-priority wps.*\n"
	" resource-priority esnet.* emergency\n"
	" resource-priority ets.* priority\n"
	" resource-priority dsn.flash emergency\n"
	" cpc 11 priority\n"
	" cpc 224 emergency\n";

START_TEST(test_vty_round_trip)
{
	struct emergency_cfg *cfg = emergency_cfg_alloc(ctx), *cfg2;
	const char *region;
	char *out, *out2;

	emergency_vty_init(cfg);
	ck_assert_int_eq(th_read_config(cfg_text), 0);
	ck_assert(!emergency_number_is(cfg, "17", NULL));
	ck_assert(emergency_number_is(cfg, "15", &region));
	ck_assert_str_eq(region, "samu-75");
	ck_assert(emergency_number_is(cfg, "116117", NULL));
	ck_assert_int_eq(emergency_rph_class(cfg, "wps.1"), GW_CALL_CLASS_ORDINARY);
	ck_assert_int_eq(emergency_rph_class(cfg, "dsn.flash"), GW_CALL_CLASS_EMERGENCY);
	ck_assert_int_eq(classify(cfg, "0", NULL, NULL, 224, NULL, NULL), GW_CALL_CLASS_EMERGENCY);

	out = th_write_config(ctx);
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(strstr(out, cfg_text) != NULL, "written config:\n%s", out);

	cfg2 = emergency_cfg_alloc(ctx);
	emergency_vty_init(cfg2);
	ck_assert_int_eq(th_read_config(out), 0);
	out2 = th_write_config(ctx);
	ck_assert_str_eq(out2, out);
	emergency_vty_init(cfg);
	emergency_cfg_free(cfg2);
	talloc_free(out);
	talloc_free(out2);
	emergency_cfg_free(cfg);
}
END_TEST

START_TEST(test_vty_errors_and_show)
{
	struct emergency_cfg *cfg = emergency_cfg_alloc(ctx);
	char *out;
	int rc;

	emergency_vty_init(cfg);
	ck_assert_int_ne(th_read_config("emergency\n number 1x\n"), 0);
	ck_assert_int_ne(th_read_config("emergency\n resource-priority esnet emergency\n"), 0);
	ck_assert_int_ne(th_read_config("emergency\n resource-priority a.1 ordinary\n"), 0);
	ck_assert_int_ne(th_read_config("emergency\n cpc 256 emergency\n"), 0);
	ck_assert_int_ne(th_read_config("emergency\n no number 999\n"), 0);
	ck_assert_int_eq(th_read_config("emergency\n number 116117 region medical\n"), 0);

	out = th_command(ctx, "show emergency numbers", &rc);
	ck_assert_int_eq(rc, CMD_SUCCESS);
	ck_assert_str_eq(out,
		"Emergency numbers 5/64\n"
		" 15           -\n"
		" 17           -\n"
		" 18           -\n"
		" 112          -\n"
		" 116117       medical\n");
	talloc_free(out);
	emergency_cfg_free(cfg);
}
END_TEST

static struct vty_app_info app_info = {
	.name = "test_emergency",
	.version = "0",
};

int main(void)
{
	Suite *s = suite_create("emergency");
	TCase *tc = tcase_create("emergency");
	SRunner *sr;
	int failed;

	vty_init(&app_info);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_class_values);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_urn);
	tcase_add_test(tc, test_rph);
	tcase_add_test(tc, test_rph_bound);
	tcase_add_test(tc, test_cpc);
	tcase_add_test(tc, test_classify_pure);
	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_vty_round_trip);
	tcase_add_test(tc, test_vty_errors_and_show);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
