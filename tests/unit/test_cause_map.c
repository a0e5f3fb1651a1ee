/* test_cause_map.c - Q.850 <-> SIP mapping tables (RFC 3398 7.2.4.1/8.2.6.1), Reason header (RFC 3326) */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/talloc.h>

#include "gateway/cause_map.h"

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

/* Every row of the data is what the lookup answers. */
START_TEST(test_q850_rows)
{
	size_t i;

	ck_assert_uint_ge(cause_map_q850_sip_len, 30);
	for (i = 0; i < cause_map_q850_sip_len; i++) {
		const struct cause_map_row *r = &cause_map_q850_sip_rows[i];

		ck_assert_msg(cause_map_q850_to_sip(r->from) == r->to, "cause %d", r->from);
		ck_assert(r->from >= 1 && r->from <= 127);
		ck_assert(r->to >= 400 && r->to <= 699);
		ck_assert_ptr_nonnull(r->name);
	}
}
END_TEST

/* RFC 3398 7.2.4.1, typed from the RFC independently of the table in cause_map.c. */
START_TEST(test_q850_spot)
{
	static const int spot[][2] = {
		{ 1, 404 }, { 2, 404 }, { 3, 404 }, { 16, 480 }, { 17, 486 }, { 18, 408 }, { 19, 480 },
		{ 20, 480 }, { 21, 403 }, { 22, 410 }, { 23, 410 }, { 26, 404 }, { 27, 502 }, { 28, 484 },
		{ 29, 501 }, { 31, 480 }, { 34, 503 }, { 38, 503 }, { 41, 503 }, { 42, 503 }, { 47, 503 },
		{ 55, 403 }, { 57, 403 }, { 58, 503 }, { 65, 488 }, { 70, 488 }, { 79, 501 }, { 87, 403 },
		{ 88, 503 }, { 102, 504 }, { 111, 500 }, { 127, 500 },
	};
	size_t i;

	for (i = 0; i < sizeof(spot) / sizeof(spot[0]); i++)
		ck_assert_msg(cause_map_q850_to_sip(spot[i][0]) == spot[i][1], "cause %d -> %d, got %d",
			      spot[i][0], spot[i][1], cause_map_q850_to_sip(spot[i][0]));
}
END_TEST

/* Causes not in the table answer by Q.850 class; out of range is treated as 127. */
START_TEST(test_q850_class_default)
{
	int c;

	ck_assert_int_eq(cause_map_q850_to_sip(4), 480);
	ck_assert_int_eq(cause_map_q850_to_sip(25), 480);
	ck_assert_int_eq(cause_map_q850_to_sip(30), 480);
	ck_assert_int_eq(cause_map_q850_to_sip(44), 503);
	ck_assert_int_eq(cause_map_q850_to_sip(46), 503);
	ck_assert_int_eq(cause_map_q850_to_sip(50), 503);
	ck_assert_int_eq(cause_map_q850_to_sip(63), 503);
	ck_assert_int_eq(cause_map_q850_to_sip(66), 501);
	ck_assert_int_eq(cause_map_q850_to_sip(81), 500);
	ck_assert_int_eq(cause_map_q850_to_sip(95), 500);
	ck_assert_int_eq(cause_map_q850_to_sip(97), 500);
	ck_assert_int_eq(cause_map_q850_to_sip(120), 500);
	ck_assert_int_eq(cause_map_q850_to_sip(0), 500);
	ck_assert_int_eq(cause_map_q850_to_sip(-5), 500);
	ck_assert_int_eq(cause_map_q850_to_sip(128), 500);
	ck_assert_int_eq(cause_map_q850_to_sip(100000), 500);
	for (c = -1; c <= 300; c++) {
		int s = cause_map_q850_to_sip(c);

		ck_assert_msg(s >= 400 && s <= 699, "cause %d gives %d", c, s);
	}
}
END_TEST

START_TEST(test_sip_rows)
{
	size_t i;

	ck_assert_uint_ge(cause_map_sip_q850_len, 35);
	for (i = 0; i < cause_map_sip_q850_len; i++) {
		const struct cause_map_row *r = &cause_map_sip_q850_rows[i];

		ck_assert_msg(cause_map_sip_to_q850(r->from, NULL) == r->to, "status %d", r->from);
		ck_assert(r->from >= 400 && r->from <= 699);
		ck_assert(r->to >= 1 && r->to <= 127);
	}
}
END_TEST

/* RFC 3398 8.2.6.1 plus the rows it leaves open (487, 488, 580, 606), typed independently. */
START_TEST(test_sip_spot)
{
	static const int spot[][2] = {
		{ 400, 41 }, { 401, 21 }, { 402, 21 }, { 403, 21 }, { 404, 1 }, { 405, 63 }, { 406, 79 },
		{ 407, 21 }, { 408, 102 }, { 410, 22 }, { 413, 127 }, { 414, 127 }, { 415, 79 }, { 416, 127 },
		{ 420, 127 }, { 421, 127 }, { 423, 127 }, { 480, 18 }, { 481, 41 }, { 482, 25 }, { 483, 25 },
		{ 484, 28 }, { 485, 1 }, { 486, 17 }, { 487, 127 }, { 488, 127 }, { 500, 41 }, { 501, 79 },
		{ 502, 38 }, { 503, 41 }, { 504, 102 }, { 505, 127 }, { 513, 127 }, { 580, 47 }, { 600, 17 },
		{ 603, 21 }, { 604, 1 }, { 606, 58 },
	};
	size_t i;

	for (i = 0; i < sizeof(spot) / sizeof(spot[0]); i++)
		ck_assert_msg(cause_map_sip_to_q850(spot[i][0], NULL) == spot[i][1], "status %d", spot[i][0]);
}
END_TEST

START_TEST(test_sip_class_default)
{
	int s;

	ck_assert_int_eq(cause_map_sip_to_q850(409, NULL), 127);
	ck_assert_int_eq(cause_map_sip_to_q850(499, NULL), 127);
	ck_assert_int_eq(cause_map_sip_to_q850(599, NULL), 127);
	ck_assert_int_eq(cause_map_sip_to_q850(699, NULL), 127);
	ck_assert_int_eq(cause_map_sip_to_q850(302, NULL), 127);
	ck_assert_int_eq(cause_map_sip_to_q850(200, NULL), 127);
	ck_assert_int_eq(cause_map_sip_to_q850(0, NULL), 127);
	ck_assert_int_eq(cause_map_sip_to_q850(700, NULL), 127);
	for (s = 0; s < 1000; s++) {
		int c = cause_map_sip_to_q850(s, NULL);

		ck_assert_msg(c >= 1 && c <= 127, "status %d gives %d", s, c);
	}
}
END_TEST

START_TEST(test_reason_parse)
{
	static const struct {
		const char *in;
		int cause;
	} v[] = {
		{ "Q.850;cause=16", 16 },
		{ "Q.850 ;cause=16 ;text=\"Terminated\"", 16 },
		{ "q.850; CAUSE = 34", 34 },
		{ "Q.850;text=\"a, b; c\";cause=41", 41 },
		{ "SIP;cause=200;text=\"Call completed elsewhere\"", -1 },
		{ "SIP;cause=600;text=\"Busy\", Q.850;cause=17;text=\"User busy\"", 17 },
		{ "SIP ;cause=487 , Q.850 ;cause=127", 127 },
		{ "Q.850;cause=1, Q.850;cause=2", 1 },
		{ "Q.850;text=\"no cause\", Q.850;cause=31", 31 },
		{ "Q.850;cause=0", -1 },
		{ "Q.850;cause=128", -1 },
		{ "Q.850;cause=1234", -1 },
		{ "Q.850;cause=", -1 },
		{ "Q.850;cause=1a", -1 },
		{ "Q.850;cause=-1", -1 },
		{ "Q.850;text=\"unterminated;cause=16", -1 },
		{ "Q.850;cause=16;text=\"esc \\\" quote\"", 16 },
		{ "Q.850;;cause=16", -1 },
		{ "Q.850 cause=16", -1 },
		{ "", -1 },
		{ ",", -1 },
		{ "Q.8500;cause=16", -1 },
		{ "X-Proto;cause=16", -1 },
		{ "Q.850;cause", -1 },
		{ "Q.850\t;\tcause\t=\t102", 102 },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ck_assert_msg(cause_map_reason_parse(v[i].in) == v[i].cause, "'%s': want %d got %d",
			      v[i].in, v[i].cause, cause_map_reason_parse(v[i].in));
	ck_assert_int_eq(cause_map_reason_parse(NULL), -1);
}
END_TEST

/* RFC 3326: a Q.850 Reason wins over the status; other reasons do not. */
START_TEST(test_reason_wins)
{
	ck_assert_int_eq(cause_map_sip_to_q850(486, "Q.850;cause=34"), 34);
	ck_assert_int_eq(cause_map_sip_to_q850(503, "Q.850;cause=42;text=\"congestion\""), 42);
	ck_assert_int_eq(cause_map_sip_to_q850(486, "SIP;cause=600"), 17);
	ck_assert_int_eq(cause_map_sip_to_q850(404, "garbage;;"), 1);
	ck_assert_int_eq(cause_map_sip_to_q850(404, "Q.850;cause=999"), 1);
	ck_assert_int_eq(cause_map_sip_to_q850(200, "Q.850;cause=16"), 16);
}
END_TEST

START_TEST(test_cause_set)
{
	static const int dflt[] = { 34, 38, 41, 42, 44, 47 };
	struct cause_set set;
	size_t i;
	int c, n = 0;

	cause_set_route_advance_default(&set);
	for (i = 0; i < sizeof(dflt) / sizeof(dflt[0]); i++)
		ck_assert(cause_set_has(&set, dflt[i]));
	for (c = -10; c < 300; c++)
		n += cause_set_has(&set, c);
	ck_assert_int_eq(n, 6);
	ck_assert(!cause_set_has(&set, 17));
	ck_assert_int_eq(cause_set_add(&set, 17), 0);
	ck_assert(cause_set_has(&set, 17));
	ck_assert_int_eq(cause_set_del(&set, 34), 0);
	ck_assert(!cause_set_has(&set, 34));
	ck_assert_int_eq(cause_set_add(&set, 0), -EINVAL);
	ck_assert_int_eq(cause_set_add(&set, 128), -EINVAL);
	ck_assert_int_eq(cause_set_del(&set, 128), -EINVAL);
	ck_assert_int_eq(cause_set_add(&set, 127), 0);
	ck_assert_int_eq(cause_set_add(&set, 1), 0);
	ck_assert(cause_set_has(&set, 127) && cause_set_has(&set, 1));
	cause_set_clear(&set);
	for (c = 0; c < 256; c++)
		ck_assert(!cause_set_has(&set, c));
}
END_TEST

static void md_rows(FILE *f, const char *h1, const char *h2, const char *h3,
		    const struct cause_map_row *rows, size_t n)
{
	size_t i;

	fprintf(f, "| %s | %s | %s | note |\n|---|---|---|---|\n", h1, h2, h3);
	for (i = 0; i < n; i++)
		fprintf(f, "| %d | %s | %d | %s |\n", rows[i].from, rows[i].name, rows[i].to,
			rows[i].note ? rows[i].note : "");
}

/* The tables of docs/routing.md, generated from the same data the gateway uses. */
static void markdown(FILE *f)
{
	struct cause_set set;
	int c;

	fprintf(f, "<!-- cause-map:begin (generated: tests/unit/test_cause_map --markdown) -->\n");
	fprintf(f, "#### ISUP cause -> SIP status (REL while the INVITE is pending)\n\n");
	md_rows(f, "Q.850 cause", "meaning", "SIP status", cause_map_q850_sip_rows, cause_map_q850_sip_len);
	fprintf(f, "\n#### Causes not listed: by Q.850 class\n\n");
	md_rows(f, "class from", "class", "SIP status", cause_map_q850_class_rows, cause_map_q850_class_len);
	fprintf(f, "\n#### SIP status -> ISUP cause (final response to our INVITE)\n\n");
	md_rows(f, "SIP status", "reason phrase", "Q.850 cause", cause_map_sip_q850_rows, cause_map_sip_q850_len);
	fprintf(f, "\n#### Statuses not listed: by SIP class\n\n");
	md_rows(f, "class from", "class", "Q.850 cause", cause_map_sip_class_rows, cause_map_sip_class_len);
	fprintf(f, "\n#### Route-advance causes (default)\n\n");
	cause_set_route_advance_default(&set);
	for (c = CAUSE_Q850_MIN; c <= CAUSE_Q850_MAX; c++)
		if (cause_set_has(&set, c))
			fprintf(f, "%d ", c);
	fprintf(f, "\n<!-- cause-map:end -->\n");
}

/* The operator's page must show the tables the code uses: regenerate and compare. */
START_TEST(test_doc_in_sync)
{
	char *gen = NULL, *doc;
	size_t gen_len = 0;
	FILE *f = open_memstream(&gen, &gen_len);
	long doc_len;

	ck_assert_ptr_nonnull(f);
	markdown(f);
	fclose(f);

	f = fopen(TOP_SRCDIR "/docs/routing.md", "r");
	ck_assert_msg(f != NULL, "docs/routing.md missing");
	fseek(f, 0, SEEK_END);
	doc_len = ftell(f);
	rewind(f);
	doc = talloc_size(ctx, doc_len + 1);
	ck_assert_uint_eq(fread(doc, 1, doc_len, f), (size_t)doc_len);
	doc[doc_len] = '\0';
	fclose(f);
	ck_assert_msg(strstr(doc, gen) != NULL,
		      "docs/routing.md is out of date: regenerate with tests/unit/test_cause_map --markdown");
	talloc_free(doc);
	free(gen);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("cause_map");
	TCase *tc = tcase_create("tables");
	SRunner *sr;
	int failed;

	if (argc > 1 && strcmp(argv[1], "--markdown") == 0) {
		markdown(stdout);
		return EXIT_SUCCESS;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_q850_rows);
	tcase_add_test(tc, test_q850_spot);
	tcase_add_test(tc, test_q850_class_default);
	tcase_add_test(tc, test_sip_rows);
	tcase_add_test(tc, test_sip_spot);
	tcase_add_test(tc, test_sip_class_default);
	tcase_add_test(tc, test_reason_parse);
	tcase_add_test(tc, test_reason_wins);
	tcase_add_test(tc, test_cause_set);
	tcase_add_test(tc, test_doc_in_sync);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
