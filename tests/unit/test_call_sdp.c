/* test_call_sdp.c - the SDP the gateway answers and offers from its media mapping (RFC 3264) */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/talloc.h>

#include "gateway/call_sdp.h"

static void *ctx;

static void setup(void)
{
	ctx = talloc_named_const(NULL, 1, "test");
}

static void teardown(void)
{
	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
}

START_TEST(test_pick_pt)
{
	ck_assert_int_eq(call_sdp_pick_pt(NULL), 8);
	ck_assert_int_eq(call_sdp_pick_pt("v=0\r\nm=audio 6000 RTP/AVP 0 8 101\r\n"), 8);
	ck_assert_int_eq(call_sdp_pick_pt("v=0\r\nm=audio 6000 RTP/AVP 0\r\n"), 0);
	ck_assert_int_eq(call_sdp_pick_pt("v=0\r\nm=audio 6000 RTP/AVP 18 4\r\n"), -1);
	/* 80 and 108 are not 8, 10 is not 0; the port field is not a payload type */
	ck_assert_int_eq(call_sdp_pick_pt("v=0\r\nm=audio 8 RTP/AVP 80 108 10\r\n"), -1);
	/* no audio stream, or "m=audio" not at a line start */
	ck_assert_int_eq(call_sdp_pick_pt("v=0\r\nm=video 6000 RTP/AVP 8\r\n"), -1);
	ck_assert_int_eq(call_sdp_pick_pt("s=xm=audio 1 RTP/AVP 8\r\n"), -1);
	/* payload types after the end of the m= line do not count */
	ck_assert_int_eq(call_sdp_pick_pt("v=0\r\nm=audio 6000 RTP/AVP 18\r\na=rtpmap:8 PCMA/8000\r\n"), -1);
	ck_assert(call_sdp_offer_usable(NULL));
	ck_assert(!call_sdp_offer_usable("m=audio 1 RTP/AVP 18\r\n"));
}
END_TEST

START_TEST(test_answer_and_offer)
{
	struct call_media_map map = { .ip = "192.0.2.10", .rtp_base = 20000 };
	char *sdp;

	sdp = call_sdp_make(ctx, &map, 18, 7, "v=0\r\nm=audio 6000 RTP/AVP 0\r\n");
	ck_assert_ptr_nonnull(sdp);
	ck_assert_ptr_nonnull(strstr(sdp, "c=IN IP4 192.0.2.10\r\n"));
	ck_assert_ptr_nonnull(strstr(sdp, "m=audio 20014 RTP/AVP 0\r\n"));	/* 20000 + 2 x CIC 7 */
	ck_assert_ptr_nonnull(strstr(sdp, "a=rtpmap:0 PCMU/8000\r\n"));
	talloc_free(sdp);
	sdp = call_sdp_make(ctx, &map, 18, 1, NULL);	/* our offer: both codecs */
	ck_assert_ptr_nonnull(strstr(sdp, "m=audio 20002 RTP/AVP 8 0\r\n"));
	ck_assert_ptr_nonnull(strstr(sdp, "a=rtpmap:8 PCMA/8000\r\n"));
	talloc_free(sdp);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("call_sdp");
	TCase *tc = tcase_create("sdp");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_pick_pt);
	tcase_add_test(tc, test_answer_and_offer);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
