/* guest/hvopts.c: the hypervisor command line, good and hostile. */
#include "tests/unit/guest_test.h"
#include "guest/hvopts.h"

static struct tdiag t;
static struct hvopts o;

static unsigned parse(const char *s)
{
	return hvopts_parse(s, &o, tdiag_init(&t));
}

static void assert_defaults_except_nothing(void)
{
	struct hvopts def;
	hvopts_defaults(&def);
	assert_int_equal(o.console_port, def.console_port);
	assert_int_equal(o.baud, def.baud);
	assert_int_equal(o.baud_divisor, def.baud_divisor);
	assert_int_equal(o.log_level, def.log_level);
	assert_int_equal(o.shadow_pages, def.shadow_pages);
	assert_int_equal(o.force_emulation, def.force_emulation);
}

static void selftest_values(void **state)
{
	(void)state;
	assert_int_equal(parse(""), 0);
	assert_int_equal(o.selftest, HV_SELFTEST_NONE);
	assert_int_equal(parse("selftest=crash"), 0);
	assert_int_equal(o.selftest, HV_SELFTEST_CRASH);
	assert_int_equal(parse("selftest=bad-entry"), 0);
	assert_int_equal(o.selftest, HV_SELFTEST_BAD_ENTRY);
	assert_int_equal(parse("selftest=vmfail"), 0);
	assert_int_equal(o.selftest, HV_SELFTEST_VMFAIL);
	assert_int_equal(parse("selftest=melt"), 1);
	assert_diag_has(&t, "selftest=melt: expected crash, bad-entry or vmfail");
	assert_int_equal(o.selftest, HV_SELFTEST_NONE);
	assert_int_equal(parse("selftest"), 1);
	assert_int_equal(o.selftest, HV_SELFTEST_NONE);
}

static void defaults(void **state)
{
	(void)state;
	hvopts_defaults(&o);
	assert_int_equal(o.console_port, 0x3f8);
	assert_int_equal(o.baud, 115200);
	assert_int_equal(o.baud_divisor, 1);
	assert_int_equal(o.log_level, HV_LOG_INFO);
	assert_int_equal(o.shadow_pages, HVOPTS_SHADOW_DEFAULT);
	assert_false(o.force_emulation);
}

static void empty_and_null_lines(void **state)
{
	(void)state;
	assert_int_equal(parse(""), 0);
	assert_defaults_except_nothing();
	assert_int_equal(parse(NULL), 0);
	assert_defaults_except_nothing();
	assert_int_equal(parse("   \t\n  "), 0);
	assert_defaults_except_nothing();
	assert_diag_empty(&t);
}

static void full_good_line(void **state)
{
	(void)state;
	assert_int_equal(parse("console=com2 baud=9600 log=debug shadow-pages=4096 force-emulation=on"), 0);
	assert_diag_empty(&t);
	assert_int_equal(o.console_port, 0x2f8);
	assert_int_equal(o.baud, 9600);
	assert_int_equal(o.baud_divisor, 12);
	assert_int_equal(o.log_level, HV_LOG_DEBUG);
	assert_int_equal(o.shadow_pages, 4096);
	assert_true(o.force_emulation);
}

static void kernel_path_first_is_skipped(void **state)
{
	(void)state;
	assert_int_equal(parse("/boot/shade.elf log=warn"), 0);
	assert_int_equal(o.log_level, HV_LOG_WARN);
	assert_int_equal(parse("build/shade.elf"), 0);
	assert_int_equal(parse("(hd0,msdos1)/shade.elf quiet"), 0);
	assert_int_equal(o.log_level, HV_LOG_ERROR);
	/* Only the first word may be a path. */
	assert_int_equal(parse("/boot/shade.elf /other"), 1);
	assert_diag_has(&t, "'/other': unknown option");
}

static void console_names_and_ports(void **state)
{
	static const struct { const char *s; uint16_t port; } ok[] = {
		{ "console=com1", 0x3f8 }, { "console=com2", 0x2f8 },
		{ "console=com3", 0x3e8 }, { "console=com4", 0x2e8 },
		{ "console=ttyS1", 0x2f8 }, { "console=0x2e8", 0x2e8 },
		{ "console=1016", 0x3f8 }, { "console=0xfff8", 0xfff8 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(parse(ok[i].s), 0);
		assert_int_equal(o.console_port, ok[i].port);
	}
}

static void console_bad_values(void **state)
{
	static const char *const bad[] = {
		"console=com5", "console=COM1", "console=0", "console=0xfff9",
		"console=0x10000", "console=0xffffffffffffffffff", "console=serial",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i]), 1);
		assert_int_equal(o.console_port, 0x3f8);
		assert_diag_has(&t, bad[i]);
	}
}

static void baud_must_divide_115200(void **state)
{
	static const uint32_t ok[] = { 115200, 57600, 38400, 19200, 9600, 2400, 300, 50, 2 };
	char s[32];
	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(s, sizeof(s), "baud=%u", ok[i]);
		assert_int_equal(parse(s), 0);
		assert_int_equal(o.baud, ok[i]);
		assert_int_equal(o.baud_divisor * ok[i], 115200);
	}
	static const char *const bad[] = {
		"baud=0", "baud=1", "baud=9601", "baud=230400", "baud=-9600",
		"baud=fast", "baud=99999999999999999999", "baud=9600.0",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i]), 1);
		assert_int_equal(o.baud, 115200);
		assert_int_equal(o.baud_divisor, 1);
		assert_diag_has(&t, bad[i]);
	}
	parse("baud=7");
	assert_diag_has(&t, "must divide 115200");
}

static void log_levels(void **state)
{
	(void)state;
	assert_int_equal(parse("log=error"), 0);
	assert_int_equal(o.log_level, HV_LOG_ERROR);
	assert_int_equal(parse("log=warn"), 0);
	assert_int_equal(o.log_level, HV_LOG_WARN);
	assert_int_equal(parse("log=3"), 0);
	assert_int_equal(o.log_level, HV_LOG_DEBUG);
	assert_int_equal(parse("debug"), 0);
	assert_int_equal(o.log_level, HV_LOG_DEBUG);
	assert_int_equal(parse("log=verbose"), 1);
	assert_int_equal(o.log_level, HV_LOG_INFO);
	assert_diag_has(&t, "log=verbose: expected error, warn, info or debug");
	assert_int_equal(parse("log=4"), 1);
	assert_int_equal(parse("quiet=1"), 1);
	assert_diag_has(&t, "'quiet=1': quiet takes no value");
	assert_int_equal(o.log_level, HV_LOG_INFO);
	assert_string_equal(hv_log_name(HV_LOG_WARN), "warn");
	assert_string_equal(hv_log_name((enum hv_log)9), "?");
}

static void shadow_pages_range(void **state)
{
	char s[48];
	(void)state;
	snprintf(s, sizeof(s), "shadow-pages=%u", HVOPTS_SHADOW_MIN);
	assert_int_equal(parse(s), 0);
	assert_int_equal(o.shadow_pages, HVOPTS_SHADOW_MIN);
	snprintf(s, sizeof(s), "shadow-pages=%u", HVOPTS_SHADOW_MAX);
	assert_int_equal(parse(s), 0);
	assert_int_equal(o.shadow_pages, HVOPTS_SHADOW_MAX);
	assert_int_equal(parse("shadow-pages=0x800"), 0);
	assert_int_equal(o.shadow_pages, 0x800);
	snprintf(s, sizeof(s), "shadow-pages=%u", HVOPTS_SHADOW_MIN - 1);
	assert_int_equal(parse(s), 1);
	assert_diag_has(&t, "must be in 16..262144");
	snprintf(s, sizeof(s), "shadow-pages=%u", HVOPTS_SHADOW_MAX + 1);
	assert_int_equal(parse(s), 1);
	assert_int_equal(parse("shadow-pages=4294967312"), 1);	/* 2^32 + 16 */
	assert_int_equal(o.shadow_pages, HVOPTS_SHADOW_DEFAULT);
	assert_int_equal(parse("shadow-pages=lots"), 1);
	assert_diag_has(&t, "shadow-pages=lots: not a number");
}

static void force_emulation_values(void **state)
{
	(void)state;
	assert_int_equal(parse("force-emulation=1"), 0);
	assert_true(o.force_emulation);
	assert_int_equal(parse("force-emulation=on force-emulation=0"), 1);	/* repeated */
	assert_false(o.force_emulation);
	assert_int_equal(parse("force-emulation"), 0);
	assert_true(o.force_emulation);
	assert_int_equal(parse("force-emulation=maybe"), 1);
	assert_false(o.force_emulation);
	assert_diag_has(&t, "force-emulation=maybe: expected on or off");
}

static void unknown_and_missing_values(void **state)
{
	(void)state;
	assert_int_equal(parse("log=debug frobnicate=7 baud= console log=warn ="), 5);
	assert_diag_has(&t, "'frobnicate=7': unknown option");
	assert_diag_has(&t, "'baud=': baud needs a value");
	assert_diag_has(&t, "'console': console needs a value");
	assert_diag_has(&t, "'=': unknown option");
	assert_diag_has(&t, "log given more than once");
	assert_int_equal(o.log_level, HV_LOG_WARN);	/* the good ones still apply */
	assert_int_equal(t.d.count, 5);
}

static void repeated_key_last_wins_and_is_reported(void **state)
{
	(void)state;
	assert_int_equal(parse("baud=9600 baud=38400"), 1);
	assert_int_equal(o.baud, 38400);
	assert_diag_has(&t, "'baud=38400': baud given more than once");
	/* A bad repeat keeps the earlier good value. */
	assert_int_equal(parse("baud=9600 baud=7"), 2);
	assert_int_equal(o.baud, 9600);
}

static void overlong_word_is_named_and_skipped(void **state)
{
	char s[600];
	(void)state;
	strcpy(s, "baud=9600 console=");
	memset(s + strlen(s), '7', 300);
	s[18 + 300] = '\0';
	strcat(s, " log=debug");
	assert_int_equal(parse(s), 1);
	assert_diag_has(&t, "'console=77777777777777777777777777777777...': option longer than 128 bytes");
	assert_int_equal(o.baud, 9600);
	assert_int_equal(o.log_level, HV_LOG_DEBUG);
	assert_int_equal(o.console_port, 0x3f8);
}

static void huge_line_is_cut(void **state)
{
	static char s[3 * HVOPTS_MAX_CMDLINE];
	(void)state;
	/* Thousands of valid words, then one beyond the limit that must not count. */
	size_t n = 0;
	while (n + 9 < HVOPTS_MAX_CMDLINE) {
		memcpy(s + n, "log=warn ", 9);
		n += 9;
	}
	while (n < sizeof(s) - 16)
		s[n++] = ' ';
	strcpy(s + n, "log=debug");
	unsigned k = parse(s);
	assert_true(k >= 1);
	assert_diag_has(&t, "command line longer than 4096 bytes");
	assert_int_equal(o.log_level, HV_LOG_WARN);
	assert_true(t.d.count == k);
}

static void binary_garbage_never_crashes(void **state)
{
	static char s[HVOPTS_MAX_CMDLINE + 100];
	uint32_t x = 0x12345678;
	(void)state;
	for (int round = 0; round < 200; round++) {
		size_t len = (size_t)(round * 23) % (sizeof(s) - 1);
		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			char c = (char)(x >> 16);
			/* Bias toward the interesting bytes. */
			static const char pick[] = "= \t\nlogbaud0x1console-";
			if ((x >> 8) & 1)
				c = pick[(x >> 24) % (sizeof(pick) - 1)];
			s[i] = c ? c : 'z';
		}
		s[len] = '\0';
		parse(s);
		assert_true(strlen(t.buf) < sizeof(t.buf));
		assert_true(o.baud && 115200 % o.baud == 0);
		assert_true(o.shadow_pages >= HVOPTS_SHADOW_MIN && o.shadow_pages <= HVOPTS_SHADOW_MAX);
		assert_true(o.log_level <= HV_LOG_DEBUG);
		assert_true(o.console_port != 0);
	}
}

static void messages_are_printable(void **state)
{
	(void)state;
	parse("\x1b[2J=\x01 log=\x7f\xfe");
	for (const char *p = t.buf; *p; p++)
		assert_true(*p == '\n' || (*p >= 0x20 && *p < 0x7f));
	assert_int_equal(t.d.count, 2);
}

static void null_diag_still_counts(void **state)
{
	(void)state;
	assert_int_equal(hvopts_parse("log=info nope baud=7", &o, NULL), 2);
	assert_int_equal(o.log_level, HV_LOG_INFO);
}

static void describe_line(void **state)
{
	char b[128];
	(void)state;
	parse("console=com2 baud=38400 log=warn shadow-pages=64 force-emulation=yes");
	hvopts_describe(&o, b, sizeof(b));
	assert_string_equal(b, "console=0x2f8 baud=38400 log=warn shadow-pages=64 force-emulation=on");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(empty_and_null_lines),
		cmocka_unit_test(full_good_line),
		cmocka_unit_test(kernel_path_first_is_skipped),
		cmocka_unit_test(console_names_and_ports),
		cmocka_unit_test(console_bad_values),
		cmocka_unit_test(baud_must_divide_115200),
		cmocka_unit_test(log_levels),
		cmocka_unit_test(shadow_pages_range),
		cmocka_unit_test(force_emulation_values),
		cmocka_unit_test(unknown_and_missing_values),
		cmocka_unit_test(repeated_key_last_wins_and_is_reported),
		cmocka_unit_test(overlong_word_is_named_and_skipped),
		cmocka_unit_test(huge_line_is_cut),
		cmocka_unit_test(binary_garbage_never_crashes),
		cmocka_unit_test(messages_are_printable),
		cmocka_unit_test(null_diag_still_counts),
		cmocka_unit_test(describe_line),
		cmocka_unit_test(selftest_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
