/* test_mtp3.c - MTP3 routing label and point code text (Q.704 2.2) */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sigtran/mtp3.h"

/* Q.704 routing label, DPC=1, OPC=2, SLS=3: bits laid LSB first. */
START_TEST(test_label_vector)
{
	static const uint8_t want[4] = { 0x01, 0x80, 0x00, 0x30 };
	struct mtp3_label lbl = { .dpc = 1, .opc = 2, .sls = 3 }, back;
	uint8_t buf[4];

	ck_assert_int_eq(mtp3_label_encode(buf, sizeof(buf), &lbl), 4);
	ck_assert_mem_eq(buf, want, 4);
	ck_assert_int_eq(mtp3_label_decode(&back, buf, 4), 4);
	ck_assert_uint_eq(back.dpc, 1);
	ck_assert_uint_eq(back.opc, 2);
	ck_assert_uint_eq(back.sls, 3);
}
END_TEST

START_TEST(test_label_extremes)
{
	struct mtp3_label lbl = { .dpc = MTP3_PC_MAX, .opc = 0x1234, .sls = 15 }, back;
	uint8_t buf[4];

	ck_assert_int_eq(mtp3_label_encode(buf, sizeof(buf), &lbl), 4);
	ck_assert_int_eq(mtp3_label_decode(&back, buf, 4), 4);
	ck_assert_uint_eq(back.dpc, MTP3_PC_MAX);
	ck_assert_uint_eq(back.opc, 0x1234);
	ck_assert_uint_eq(back.sls, 15);

	lbl.dpc = MTP3_PC_MAX + 1;
	ck_assert_int_eq(mtp3_label_encode(buf, sizeof(buf), &lbl), -EINVAL);
	lbl.dpc = 1; lbl.sls = 16;
	ck_assert_int_eq(mtp3_label_encode(buf, sizeof(buf), &lbl), -EINVAL);
	ck_assert_int_eq(mtp3_label_encode(buf, 3, &lbl), -EINVAL);
	ck_assert_int_eq(mtp3_label_decode(&back, buf, 3), -EINVAL);
}
END_TEST

START_TEST(test_pc_text)
{
	uint32_t pc;
	char buf[16];

	ck_assert_int_eq(mtp3_pc_parse(&pc, "1.2.3"), 0);
	ck_assert_uint_eq(pc, (1 << 11) | (2 << 3) | 3);
	ck_assert_str_eq(mtp3_pc_str(buf, sizeof(buf), pc), "1.2.3");
	ck_assert_int_eq(mtp3_pc_parse(&pc, "7.255.7"), 0);
	ck_assert_uint_eq(pc, MTP3_PC_MAX);
	ck_assert_int_eq(mtp3_pc_parse(&pc, "2067"), 0);
	ck_assert_uint_eq(pc, 2067);

	ck_assert_int_eq(mtp3_pc_parse(&pc, "16384"), -EINVAL);
	ck_assert_int_eq(mtp3_pc_parse(&pc, "8.0.0"), -EINVAL);
	ck_assert_int_eq(mtp3_pc_parse(&pc, "1.256.0"), -EINVAL);
	ck_assert_int_eq(mtp3_pc_parse(&pc, "1.2"), -EINVAL);
	ck_assert_int_eq(mtp3_pc_parse(&pc, "1.2.3.4"), -EINVAL);
	ck_assert_int_eq(mtp3_pc_parse(&pc, ""), -EINVAL);
	ck_assert_int_eq(mtp3_pc_parse(&pc, "1..3"), -EINVAL);
	ck_assert_int_eq(mtp3_pc_parse(&pc, "a.b.c"), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mtp3");
	TCase *tc = tcase_create("label");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_label_vector);
	tcase_add_test(tc, test_label_extremes);
	tcase_add_test(tc, test_pc_text);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
