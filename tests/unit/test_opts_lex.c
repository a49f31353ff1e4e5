/* guest/optlex.c: words, key=value, numbers and sizes. */
#include "tests/unit/guest_test.h"
#include "guest/optlex.h"

static struct tok T(const char *s)
{
	return (struct tok){ s, strlen(s) };
}

static void words_split_on_blanks(void **state)
{
	struct tok rest = T("  a\tbb \r\n ccc  "), w;
	(void)state;
	assert_true(tok_next(&rest, &w));
	assert_true(tok_is(w, "a"));
	assert_true(tok_next(&rest, &w));
	assert_true(tok_is(w, "bb"));
	assert_true(tok_next(&rest, &w));
	assert_true(tok_is(w, "ccc"));
	assert_false(tok_next(&rest, &w));
	assert_false(tok_next(&rest, &w));
}

static void words_of_empty_and_blank_lines(void **state)
{
	struct tok rest = T(""), w;
	(void)state;
	assert_false(tok_next(&rest, &w));
	rest = T(" \t\t  ");
	assert_false(tok_next(&rest, &w));
	rest = (struct tok){ NULL, 0 };
	assert_false(tok_next(&rest, &w));
}

static void words_respect_span_length(void **state)
{
	/* Not NUL-terminated within the span: never read past n. */
	char buf[6] = { 'a', 'b', ' ', 'c', 'd', 'e' };
	struct tok rest = { buf, 5 }, w;
	(void)state;
	assert_true(tok_next(&rest, &w));
	assert_true(tok_is(w, "ab"));
	assert_true(tok_next(&rest, &w));
	assert_true(tok_is(w, "cd"));
	assert_false(tok_next(&rest, &w));
}

static void split_key_value(void **state)
{
	struct tok k, v;
	(void)state;
	assert_true(tok_split(T("a=b=c"), &k, &v));
	assert_true(tok_is(k, "a"));
	assert_true(tok_is(v, "b=c"));
	assert_true(tok_split(T("a="), &k, &v));
	assert_true(tok_is(k, "a"));
	assert_int_equal(v.n, 0);
	assert_true(tok_split(T("=x"), &k, &v));
	assert_int_equal(k.n, 0);
	assert_false(tok_split(T("plain"), &k, &v));
	assert_true(tok_is(k, "plain"));
	assert_int_equal(v.n, 0);
}

static void trim_and_is_any(void **state)
{
	static const char *const l[] = { "x", "yy", NULL };
	(void)state;
	assert_true(tok_is(tok_trim(T("  hi there \n")), "hi there"));
	assert_int_equal(tok_trim(T("   ")).n, 0);
	assert_int_equal(tok_is_any(T("yy"), l), 1);
	assert_int_equal(tok_is_any(T("y"), l), -1);
	assert_false(tok_is(T("xx"), "x"));
}

static void u64_decimal_and_hex(void **state)
{
	uint64_t v;
	(void)state;
	assert_int_equal(parse_u64(T("0"), &v), NUM_OK);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u64(T("123456"), &v), NUM_OK);
	assert_int_equal(v, 123456);
	assert_int_equal(parse_u64(T("0x3F8"), &v), NUM_OK);
	assert_int_equal(v, 0x3f8);
	assert_int_equal(parse_u64(T("0XfF"), &v), NUM_OK);
	assert_int_equal(v, 0xff);
	assert_int_equal(parse_u64(T("18446744073709551615"), &v), NUM_OK);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_u64(T("0xffffffffffffffff"), &v), NUM_OK);
	assert_true(v == UINT64_MAX);
}

static void u64_rejects_nonsense(void **state)
{
	uint64_t v = 77;
	(void)state;
	assert_int_equal(parse_u64(T(""), &v), NUM_EMPTY);
	assert_int_equal(parse_u64(T("0x"), &v), NUM_SYNTAX);
	assert_int_equal(parse_u64(T("-1"), &v), NUM_SYNTAX);
	assert_int_equal(parse_u64(T("+1"), &v), NUM_SYNTAX);
	assert_int_equal(parse_u64(T("12a"), &v), NUM_SYNTAX);
	assert_int_equal(parse_u64(T("0x12g"), &v), NUM_SYNTAX);
	assert_int_equal(parse_u64(T(" 1"), &v), NUM_SYNTAX);
	assert_int_equal(parse_u64(T("1\xff"), &v), NUM_SYNTAX);
	assert_int_equal(parse_u64(T("18446744073709551616"), &v), NUM_OVERFLOW);
	assert_int_equal(parse_u64(T("0x10000000000000000"), &v), NUM_OVERFLOW);
	assert_int_equal(parse_u64(T("99999999999999999999999999"), &v), NUM_OVERFLOW);
	assert_int_equal(v, 77);	/* untouched on failure */
	assert_string_equal(num_err_str(NUM_OVERFLOW), "number too large");
	assert_string_equal(num_err_str((enum num_err)99), "?");
}

static void size_suffixes(void **state)
{
	uint64_t v;
	(void)state;
	assert_int_equal(parse_size(T("4096"), &v), NUM_OK);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size(T("4k"), &v), NUM_OK);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size(T("64M"), &v), NUM_OK);
	assert_int_equal(v, 64ull << 20);
	assert_int_equal(parse_size(T("3G"), &v), NUM_OK);
	assert_int_equal(v, 3ull << 30);
	assert_int_equal(parse_size(T("0x10K"), &v), NUM_OK);
	assert_int_equal(v, 0x4000);
	assert_int_equal(parse_size(T("0x1B"), &v), NUM_OK);
	assert_int_equal(v, 0x1b);
	assert_int_equal(parse_size(T("17179869183G"), &v), NUM_OK);
	assert_true(v == 17179869183ull << 30);
}

static void size_rejects_nonsense(void **state)
{
	uint64_t v = 5;
	(void)state;
	assert_int_equal(parse_size(T(""), &v), NUM_EMPTY);
	assert_int_equal(parse_size(T("M"), &v), NUM_SYNTAX);
	assert_int_equal(parse_size(T("4MB"), &v), NUM_SYNTAX);
	assert_int_equal(parse_size(T("4T"), &v), NUM_SYNTAX);
	assert_int_equal(parse_size(T("4KK"), &v), NUM_SYNTAX);
	assert_int_equal(parse_size(T("4 M"), &v), NUM_SYNTAX);
	assert_int_equal(parse_size(T("17179869184G"), &v), NUM_OVERFLOW);
	assert_int_equal(parse_size(T("18014398509481984K"), &v), NUM_OVERFLOW);
	assert_int_equal(parse_size(T("99999999999999999999G"), &v), NUM_OVERFLOW);
	assert_int_equal(v, 5);
}

static void booleans(void **state)
{
	static const char *const yes[] = { "on", "1", "yes", "true" };
	static const char *const no[] = { "off", "0", "no", "false" };
	bool b;
	(void)state;
	for (size_t i = 0; i < 4; i++) {
		b = false;
		assert_true(parse_bool(T(yes[i]), &b));
		assert_true(b);
		assert_true(parse_bool(T(no[i]), &b));
		assert_false(b);
	}
	b = true;
	assert_false(parse_bool(T("ON "), &b));
	assert_false(parse_bool(T(""), &b));
	assert_false(parse_bool(T("2"), &b));
	assert_true(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(words_split_on_blanks),
		cmocka_unit_test(words_of_empty_and_blank_lines),
		cmocka_unit_test(words_respect_span_length),
		cmocka_unit_test(split_key_value),
		cmocka_unit_test(trim_and_is_any),
		cmocka_unit_test(u64_decimal_and_hex),
		cmocka_unit_test(u64_rejects_nonsense),
		cmocka_unit_test(size_suffixes),
		cmocka_unit_test(size_rejects_nonsense),
		cmocka_unit_test(booleans),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
