/* guest/diag.c: the bounded message collector and its printf subset. */
#include "tests/unit/guest_test.h"

static void fmt_integers(void **state)
{
	char b[128];
	(void)state;
	diag_fmt(b, sizeof(b), "%d %i %u %x %X %#x", -42, 7, 4000000000u, 0xbeefu, 0xbeefu, 0x10u);
	assert_string_equal(b, "-42 7 4000000000 beef BEEF 0x10");
	diag_fmt(b, sizeof(b), "%lu %llx %zu %lld", 1ul << 40, 0xfedcba9876543210ull, (size_t)5, -9223372036854775807ll - 1);
	assert_string_equal(b, "1099511627776 fedcba9876543210 5 -9223372036854775808");
	diag_fmt(b, sizeof(b), "[%08x] [%5u] [%#010llx] [%0u]", 0x1234u, 42u, 0xabcull, 0u);
	assert_string_equal(b, "[00001234] [   42] [0x00000abc] [0]");
}

static void fmt_strings(void **state)
{
	char b[64];
	(void)state;
	diag_fmt(b, sizeof(b), "<%s> <%.3s> <%.*s> <%5s> <%c> %%", "abc", "abcdef", 2, "xyz", "ab", 'Q');
	assert_string_equal(b, "<abc> <abc> <xy> <   ab> <Q> %");
	/* %.*s need not be NUL-terminated: precision bounds the read. */
	char raw[4] = { 'w', 'x', 'y', 'z' };
	diag_fmt(b, sizeof(b), "%.*s", 4, raw);
	assert_string_equal(b, "wxyz");
	const char *volatile nul = NULL;
	diag_fmt(b, sizeof(b), "%s", nul);
	assert_string_equal(b, "(null)");
}

static void fmt_sanitises_unprintable(void **state)
{
	char b[64];
	(void)state;
	diag_fmt(b, sizeof(b), "%s|%c", "a\x1b[31mb\xff\n", 0x07);
	assert_string_equal(b, "a?[31mb??|?");
}

static void fmt_truncates_and_terminates(void **state)
{
	char b[8];
	(void)state;
	memset(b, 'Z', sizeof(b));
	size_t n = diag_fmt(b, sizeof(b), "%s-%u", "abcdefgh", 123u);
	assert_int_equal(n, 7);
	assert_string_equal(b, "abcdefg");
	assert_int_equal(diag_fmt(b, 1, "xyz"), 0);
	assert_int_equal(b[0], '\0');
	assert_int_equal(diag_fmt(NULL, 0, "xyz"), 0);
}

/* Formats the compiler would refuse to check: go through the va_list form. */
static size_t fmt_unchecked(char *b, size_t n, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	size_t r = diag_vfmt(b, n, f, ap);
	va_end(ap);
	return r;
}

static void fmt_unknown_conversion_shown(void **state)
{
	char b[32];
	(void)state;
	fmt_unchecked(b, sizeof(b), "a%qb%");
	assert_string_equal(b, "a%qb%");
}

static void add_collects_lines(void **state)
{
	struct tdiag t;
	struct diag *d = tdiag_init(&t);
	(void)state;
	assert_string_equal(t.buf, "");
	diag_add(d, "first %u", 1u);
	diag_add(d, "second %s", "x");
	assert_string_equal(t.buf, "first 1\nsecond x\n");
	assert_int_equal(d->count, 2);
	assert_false(d->truncated);
}

static void add_overflow_marks_and_counts(void **state)
{
	char b[16];
	struct diag d;
	(void)state;
	diag_init(&d, b, sizeof(b));
	diag_add(&d, "0123456789");
	diag_add(&d, "abcdefghij");
	diag_add(&d, "more");
	assert_int_equal(d.count, 3);
	assert_true(d.truncated);
	assert_int_equal(strlen(b), 15);
	assert_string_equal(b + 11, "...\n");
	assert_memory_equal(b, "0123456789\n", 11);
}

static void add_null_and_tiny_buffers(void **state)
{
	struct diag d;
	char b[3];
	(void)state;
	diag_add(NULL, "ignored");
	diag_init(&d, NULL, 100);
	diag_add(&d, "x");
	assert_int_equal(d.count, 1);
	diag_init(&d, b, sizeof(b));
	diag_add(&d, "long line");
	diag_add(&d, "y");
	assert_int_equal(d.count, 2);
	assert_true(strlen(b) < sizeof(b));
}

static void tok_macro_cuts_long_tokens(void **state)
{
	char b[128];
	char longtok[100];
	(void)state;
	memset(longtok, 'a', sizeof(longtok));
	diag_fmt(b, sizeof(b), "'%.*s%s'", DIAG_TOK(longtok, sizeof(longtok)));
	assert_int_equal(strlen(b), 2 + DIAG_TOK_MAX + 3);
	assert_string_equal(b + 1 + DIAG_TOK_MAX, "...'");
	diag_fmt(b, sizeof(b), "'%.*s%s'", DIAG_TOK("abc", (size_t)3));
	assert_string_equal(b, "'abc'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fmt_integers),
		cmocka_unit_test(fmt_strings),
		cmocka_unit_test(fmt_sanitises_unprintable),
		cmocka_unit_test(fmt_truncates_and_terminates),
		cmocka_unit_test(fmt_unknown_conversion_shown),
		cmocka_unit_test(add_collects_lines),
		cmocka_unit_test(add_overflow_marks_and_counts),
		cmocka_unit_test(add_null_and_tiny_buffers),
		cmocka_unit_test(tok_macro_cuts_long_tokens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
