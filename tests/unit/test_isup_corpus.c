/* test_isup_corpus.c - replay of the malformed-input ISUP corpus (Q.763; tests/corpus/isup) */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "sigtran/isup.h"

/* Files named ok_*.bin are legal and must decode and re-encode stably;
 * bad_*.bin must be refused with a reason. Any other file (fuzzer
 * findings added later) must simply not crash. */

#define MAX_FILES 256
#define MAX_LEN 4096

static void *ctx;
static char names[MAX_FILES][128];
static unsigned int n_files;

static void setup(void)
{
	ctx = talloc_named_const(NULL, 0, "test");
}

static void teardown(void)
{
	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void scan(void)
{
	DIR *d = opendir(CORPUS_DIR);
	struct dirent *de;

	if (!d) {
		fprintf(stderr, "cannot open %s: %s\n", CORPUS_DIR, strerror(errno));
		exit(EXIT_FAILURE);
	}
	while ((de = readdir(d)) && n_files < MAX_FILES) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(names[0]))
			continue;
		strcpy(names[n_files++], de->d_name);
	}
	closedir(d);
	qsort(names, n_files, sizeof(names[0]), cmp);
}

static size_t load(const char *name, uint8_t *buf)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "open %s", path);
	n = fread(buf, 1, MAX_LEN, f);
	fclose(f);
	return n;
}

START_TEST(test_replay)
{
	const char *name = names[_i];
	static uint8_t in[MAX_LEN], b1[MAX_LEN], b2[MAX_LEN];
	size_t n = load(name, in);
	struct isup_err err = { 0 };
	struct isup_msg *m = NULL, *m2 = NULL;
	int rc = isup_decode(ctx, in, n, &m, &err);
	int n1, n2;

	if (!strncmp(name, "bad_", 4)) {
		ck_assert_msg(rc == -EINVAL, "%s: accepted (rc %d)", name, rc);
		ck_assert_ptr_null(m);
		ck_assert_ptr_nonnull(err.reason);
		ck_assert_msg(err.offset <= n, "%s: offset %zu beyond %zu", name, err.offset, n);
		return;
	}
	if (!strncmp(name, "ok_", 3))
		ck_assert_msg(rc == 0, "%s: refused: %s param %d (%s) at %zu: %s", name,
			      isup_msg_type_name(err.msg_type), err.param, err.param_name, err.offset,
			      err.reason);
	if (rc < 0)
		return;
	/* whatever decodes re-encodes, and that encoding is a fixed point */
	n1 = isup_encode(m, b1, sizeof(b1));
	ck_assert_msg(n1 > 0, "%s: re-encode %d", name, n1);
	ck_assert_int_eq(isup_decode(ctx, b1, n1, &m2, &err), 0);
	n2 = isup_encode(m2, b2, sizeof(b2));
	ck_assert_int_eq(n1, n2);
	ck_assert(memcmp(b1, b2, n1) == 0);
	/* legal inputs are canonical, except that an empty optional part is
	 * re-encoded as a zero pointer */
	if (!strncmp(name, "ok_", 3) && !strstr(name, "empty_optional"))
		ck_assert_msg(n1 == (int)n && memcmp(in, b1, n) == 0, "%s: re-encoded as %s", name,
			      osmo_hexdump_nospc(b1, n1));
	talloc_free(m);
	talloc_free(m2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("isup_corpus");
	TCase *tc = tcase_create("replay");
	SRunner *sr;
	int failed;

	scan();
	if (n_files < 24) {
		fprintf(stderr, "corpus %s holds %u files, expected at least 24\n", CORPUS_DIR, n_files);
		return EXIT_FAILURE;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_replay, 0, n_files);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
