/* guest/modopts.c: GRUB module strings and grouping them into VMs. */
#include "tests/unit/guest_test.h"
#include "guest/modopts.h"

static struct tdiag t;
static struct modopts m;

static bool parse(const char *s)
{
	return modopts_parse(s, strlen(s), 0, &m, tdiag_init(&t));
}

static void path_only(void **state)
{
	(void)state;
	assert_true(parse("/boot/kernel.elf"));
	assert_diag_empty(&t);
	assert_true(tok_is(m.path, "/boot/kernel.elf"));
	assert_int_equal(m.vm, 0);
	assert_int_equal(m.role, MOD_ROLE_UNSET);
	assert_int_equal(m.mem, 0);
	assert_false(m.has_rest);
	assert_int_equal(m.rest.n, 0);
	assert_true(tok_is(modopts_string(&m), "/boot/kernel.elf"));
}

static void all_options_and_rest(void **state)
{
	(void)state;
	assert_true(parse("  /boot/vmlinuz vm=3 role=kernel mem=256M --   console=ttyS0  quiet  "));
	assert_diag_empty(&t);
	assert_true(tok_is(m.path, "/boot/vmlinuz"));
	assert_int_equal(m.vm, 3);
	assert_int_equal(m.role, MOD_ROLE_KERNEL);
	assert_int_equal(m.mem, 256ull << 20);
	assert_true(m.has_rest);
	assert_true(tok_is(m.rest, "console=ttyS0  quiet"));
}

static void rest_keeps_option_lookalikes(void **state)
{
	(void)state;
	/* After "--" nothing is parsed: vm=9 belongs to the guest. */
	assert_true(parse("/m role=module -- vm=9 role=bogus -- x"));
	assert_int_equal(m.vm, 0);
	assert_true(tok_is(m.rest, "vm=9 role=bogus -- x"));
	assert_true(tok_is(modopts_string(&m), "vm=9 role=bogus -- x"));
	assert_true(parse("/m --"));
	assert_true(m.has_rest);
	assert_int_equal(m.rest.n, 0);
	/* "--x" is no separator. */
	assert_false(parse("/m --x"));
	assert_diag_has(&t, "'--x': unknown option");
}

static void roles(void **state)
{
	(void)state;
	assert_true(parse("/i role=initrd"));
	assert_int_equal(m.role, MOD_ROLE_INITRD);
	assert_true(parse("/i role=module"));
	assert_int_equal(m.role, MOD_ROLE_MODULE);
	assert_false(parse("/i role=unset"));
	assert_false(parse("/i role=Kernel"));
	assert_diag_has(&t, "module 0 '/i': 'role=Kernel': role must be kernel, initrd or module");
	assert_int_equal(m.role, MOD_ROLE_UNSET);
	assert_string_equal(mod_role_name(MOD_ROLE_INITRD), "initrd");
	assert_string_equal(mod_role_name((enum mod_role)7), "?");
}

static void vm_numbers(void **state)
{
	(void)state;
	assert_true(parse("/k vm=7"));
	assert_int_equal(m.vm, 7);
	assert_true(parse("/k vm=0x2"));
	assert_int_equal(m.vm, 2);
	static const char *const bad[] = { "/k vm=8", "/k vm=-1", "/k vm=one",
		"/k vm=256", "/k vm=18446744073709551616", "/k vm=1M" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(parse(bad[i]));
		assert_int_equal(m.vm, 0);
		assert_diag_has(&t, "vm must be 0..7");
		assert_diag_has(&t, bad[i] + 3);
	}
}

static void mem_sizes(void **state)
{
	static const struct { const char *s; uint64_t v; } ok[] = {
		{ "/k mem=4M", 4ull << 20 }, { "/k mem=3G", 3ull << 30 },
		{ "/k mem=4100K", 4100ull << 10 }, { "/k mem=0x400000", 4ull << 20 },
		{ "/k mem=67108864", 64ull << 20 }, { "/k mem=1g", 1ull << 30 },
	};
	static const char *const bad[] = {
		"/k mem=4095K", "/k mem=3145729K", "/k mem=4G", "/k mem=4194305",
		"/k mem=0", "/k mem=64MB", "/k mem=M", "/k mem=99999999999999G",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_true(parse(ok[i].s));
		assert_int_equal(m.mem, ok[i].v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(parse(bad[i]));
		assert_int_equal(m.mem, 0);
		assert_diag_has(&t, bad[i] + 3);
	}
	parse("/k mem=5001K");
	assert_diag_has(&t, "mem must be 4M..3G and a multiple of 4K");
	parse("/k mem=64MB");
	assert_diag_has(&t, "not a number");
}

static void bad_words(void **state)
{
	(void)state;
	assert_false(parse("/k vm=1 vm=1"));
	assert_diag_has(&t, "'vm=1': vm given twice");
	assert_false(parse("/k mem="));
	assert_diag_has(&t, "'mem=': mem needs a value");
	assert_false(parse("/k role"));
	assert_diag_has(&t, "'role': role needs a value");
	assert_false(parse("/k cmdline=x"));
	assert_diag_has(&t, "module 0 '/k': 'cmdline=x': unknown option");
	/* Bad words are all reported, good ones still apply. */
	assert_false(parse("/k a b vm=2 c"));
	assert_int_equal(t.d.count, 3);
	assert_int_equal(m.vm, 2);
}

static void empty_strings(void **state)
{
	(void)state;
	/* GRUB 2 gives an empty string for `module /boot/k` with no words:
	 * a module without a path, every option at its default. */
	assert_true(parse(""));
	assert_int_equal(m.path.n, 0);
	assert_int_equal(m.vm, 0);
	assert_int_equal(m.role, MOD_ROLE_UNSET);
	assert_true(parse(" \t "));
	assert_int_equal(m.path.n, 0);
	assert_true(modopts_parse(NULL, 5, 4, &m, tdiag_init(&t)));
	assert_diag_empty(&t);
}

static void options_without_path(void **state)
{
	(void)state;
	/* GRUB 2: only the words after the file name arrive. */
	assert_true(parse("vm=3 role=initrd mem=16M -- x y"));
	assert_int_equal(m.path.n, 0);
	assert_int_equal(m.vm, 3);
	assert_int_equal(m.role, MOD_ROLE_INITRD);
	assert_int_equal(m.mem, 16ull << 20);
	assert_true(m.has_rest);
	assert_false(parse("vm=9 -- x"));
	assert_diag_has(&t, "module 0: 'vm=9': vm must be 0..7");
	assert_true(parse("-- only args"));
	assert_int_equal(m.path.n, 0);
	assert_true(m.has_rest);
	assert_int_equal(m.rest.n, strlen("only args"));
	/* QEMU and GRUB legacy: the file name comes first. */
	assert_true(parse("/boot/k vm=1"));
	assert_int_equal(m.path.n, strlen("/boot/k"));
	assert_int_equal(m.vm, 1);
}

static void not_nul_terminated(void **state)
{
	char b[12];
	(void)state;
	memcpy(b, "/k vm=1XXXXX", 12);
	assert_true(modopts_parse(b, 7, 0, &m, tdiag_init(&t)));
	assert_int_equal(m.vm, 1);
}

static void overlong_string(void **state)
{
	static char s[MODOPTS_MAX_LINE + 2];
	(void)state;
	memset(s, 'a', sizeof(s) - 1);
	s[0] = '/';
	s[sizeof(s) - 1] = '\0';
	assert_false(parse(s));
	assert_diag_has(&t, "module string longer than 4096 bytes");
	assert_diag_has(&t, "'/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
	s[MODOPTS_MAX_LINE] = '\0';
	assert_true(parse(s));
}

static void garbage_never_crashes(void **state)
{
	static char s[MODOPTS_MAX_LINE + 64];
	uint32_t x = 0xdecafbad;
	(void)state;
	for (int round = 0; round < 300; round++) {
		size_t len = (size_t)(round * 37) % sizeof(s);
		for (size_t i = 0; i < len; i++) {
			static const char pick[] = "= -\tvmroledkn1M0x";
			x = x * 1664525u + 1013904223u;
			s[i] = (x >> 9) & 1 ? pick[(x >> 20) % (sizeof(pick) - 1)]
					    : (char)(x >> 24);
		}
		modopts_parse(s, len, (unsigned)round, &m, tdiag_init(&t));
		assert_true(m.vm < MODOPTS_MAX_VMS);
		assert_true(m.mem == 0 || (m.mem >= MODOPTS_MEM_MIN && m.mem <= MODOPTS_MEM_MAX));
		assert_true(m.rest.p == NULL || (m.rest.p >= s && m.rest.p + m.rest.n <= s + len));
		assert_true(m.path.p + m.path.n <= s + len || m.path.n == 0);
	}
}

/* ---- grouping ---- */

static struct modopts mods[40];
static struct vm_plan plans[MODOPTS_MAX_VMS];

static unsigned group(const char *const *lines, unsigned n)
{
	tdiag_init(&t);
	for (unsigned i = 0; i < n; i++)
		assert_true(modopts_parse(lines[i], strlen(lines[i]), i, &mods[i], &t.d));
	return modopts_group(mods, n, plans, &t.d);
}

static void group_single_kernel(void **state)
{
	static const char *const l[] = { "/boot/k -- hello world" };
	(void)state;
	assert_int_equal(group(l, 1), 0);
	assert_true(plans[0].present);
	assert_int_equal(plans[0].kernel, 0);
	assert_int_equal(plans[0].initrd, -1);
	assert_int_equal(plans[0].nmods, 0);
	assert_int_equal(plans[0].mem, MODOPTS_MEM_DEFAULT);
	assert_true(tok_is(plans[0].cmdline, "hello world"));
	for (unsigned v = 1; v < MODOPTS_MAX_VMS; v++) {
		assert_false(plans[v].present);
		assert_int_equal(plans[v].kernel, -1);
	}
}

static void group_nothing(void **state)
{
	(void)state;
	assert_int_equal(group(NULL, 0), 0);
	for (unsigned v = 0; v < MODOPTS_MAX_VMS; v++)
		assert_false(plans[v].present);
}

static void group_two_vms_interleaved(void **state)
{
	static const char *const l[] = {
		"/k0 -- a",
		"/k1 vm=1 mem=16M",
		"/m0a",			/* vm0's second unroled: module */
		"/i1 vm=1 role=initrd",
		"/m0b role=module -- str",
		"/m1 vm=1 mem=16M",	/* same mem again: fine */
	};
	(void)state;
	assert_int_equal(group(l, 6), 0);
	assert_diag_empty(&t);
	assert_int_equal(plans[0].kernel, 0);
	assert_int_equal(plans[0].nmods, 2);
	assert_int_equal(plans[0].mods[0], 2);
	assert_int_equal(plans[0].mods[1], 4);
	assert_int_equal(plans[1].kernel, 1);
	assert_int_equal(plans[1].initrd, 3);
	assert_int_equal(plans[1].nmods, 1);
	assert_int_equal(plans[1].mods[0], 5);
	assert_int_equal(plans[1].mem, 16ull << 20);
	assert_int_equal(plans[1].cmdline.n, 0);
	assert_true(tok_is(modopts_string(&mods[4]), "str"));
	assert_true(tok_is(modopts_string(&mods[2]), "/m0a"));
}

static void group_explicit_kernel_later(void **state)
{
	/* Unroled modules before an explicit kernel are plain modules. */
	static const char *const l[] = { "/a", "/i role=initrd", "/k role=kernel", "/b" };
	(void)state;
	assert_int_equal(group(l, 4), 0);
	assert_int_equal(plans[0].kernel, 2);
	assert_int_equal(plans[0].initrd, 1);
	assert_int_equal(plans[0].nmods, 2);
	assert_int_equal(plans[0].mods[0], 0);
	assert_int_equal(plans[0].mods[1], 3);
}

static void group_initrd_first_then_unroled_kernel(void **state)
{
	static const char *const l[] = { "/i role=initrd", "/k -- root=/dev/ram0" };
	(void)state;
	assert_int_equal(group(l, 2), 0);
	assert_int_equal(plans[0].kernel, 1);
	assert_int_equal(plans[0].initrd, 0);
	assert_true(tok_is(plans[0].cmdline, "root=/dev/ram0"));
}

static void group_two_kernels(void **state)
{
	static const char *const l[] = { "/k1 vm=2", "/k2 vm=2 role=kernel", "/k3 vm=2 role=kernel" };
	(void)state;
	assert_int_equal(group(l, 3), 1);
	assert_diag_has(&t, "module 2 '/k3': vm 2 already has a kernel, module 1 '/k2'");
	/* /k1 is a plain module because vm2 names its kernel explicitly. */
	assert_int_equal(plans[2].kernel, 1);
	assert_int_equal(plans[2].nmods, 1);
}

static void group_two_initrds(void **state)
{
	static const char *const l[] = { "/k", "/i1 role=initrd", "/i2 role=initrd" };
	(void)state;
	assert_int_equal(group(l, 3), 1);
	assert_diag_has(&t, "module 2 '/i2': vm 0 already has an initrd, module 1 '/i1'");
}

static void group_vm_without_kernel(void **state)
{
	static const char *const l[] = { "/k", "/i vm=4 role=initrd", "/m vm=4 role=module" };
	(void)state;
	assert_int_equal(group(l, 3), 1);
	assert_diag_has(&t, "vm 4 has modules but no kernel");
	assert_true(plans[4].present);
	assert_int_equal(plans[4].kernel, -1);
}

static void group_conflicting_mem(void **state)
{
	static const char *const l[] = { "/k mem=32M", "/m mem=32M", "/n mem=0x4000000" };
	(void)state;
	assert_int_equal(group(l, 3), 1);
	assert_diag_has(&t, "module 2 '/n': mem=65536 KiB for vm 0, but module 1 '/m' said 32768 KiB");
	assert_int_equal(plans[0].mem, 32ull << 20);
}

static void group_mem_from_any_module(void **state)
{
	static const char *const l[] = { "/k vm=1", "/i vm=1 role=initrd mem=128M" };
	(void)state;
	assert_int_equal(group(l, 2), 0);
	assert_int_equal(plans[1].mem, 128ull << 20);
	assert_int_equal(plans[0].mem, MODOPTS_MEM_DEFAULT);
	assert_false(plans[0].present);
}

static void group_too_many_modules(void **state)
{
	const char *l[VMPLAN_MAX_MODS + 2];
	(void)state;
	l[0] = "/k";
	for (unsigned i = 1; i < VMPLAN_MAX_MODS + 2; i++)
		l[i] = "/m";
	assert_int_equal(group(l, VMPLAN_MAX_MODS + 2), 1);
	assert_diag_has(&t, "vm 0 has more than 16 modules");
	assert_int_equal(plans[0].nmods, VMPLAN_MAX_MODS);
}

static void group_all_eight_vms(void **state)
{
	static const char *const l[] = { "/k7 vm=7", "/k6 vm=6", "/k5 vm=5", "/k4 vm=4",
		"/k3 vm=3", "/k2 vm=2", "/k1 vm=1", "/k0 vm=0" };
	(void)state;
	assert_int_equal(group(l, 8), 0);
	for (unsigned v = 0; v < 8; v++) {
		assert_true(plans[v].present);
		assert_int_equal(plans[v].kernel, 7 - (int)v);
	}
}

static void group_rejects_forged_vm(void **state)
{
	(void)state;
	memset(mods, 0, sizeof(mods));
	mods[0].path = (struct tok){ "/x", 2 };
	mods[0].vm = 200;
	tdiag_init(&t);
	assert_int_equal(modopts_group(mods, 1, plans, &t.d), 1);
	assert_diag_has(&t, "vm 200 out of range");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(path_only),
		cmocka_unit_test(all_options_and_rest),
		cmocka_unit_test(rest_keeps_option_lookalikes),
		cmocka_unit_test(roles),
		cmocka_unit_test(vm_numbers),
		cmocka_unit_test(mem_sizes),
		cmocka_unit_test(bad_words),
		cmocka_unit_test(empty_strings),
		cmocka_unit_test(options_without_path),
		cmocka_unit_test(not_nul_terminated),
		cmocka_unit_test(overlong_string),
		cmocka_unit_test(garbage_never_crashes),
		cmocka_unit_test(group_single_kernel),
		cmocka_unit_test(group_nothing),
		cmocka_unit_test(group_two_vms_interleaved),
		cmocka_unit_test(group_explicit_kernel_later),
		cmocka_unit_test(group_initrd_first_then_unroled_kernel),
		cmocka_unit_test(group_two_kernels),
		cmocka_unit_test(group_two_initrds),
		cmocka_unit_test(group_vm_without_kernel),
		cmocka_unit_test(group_conflicting_mem),
		cmocka_unit_test(group_mem_from_any_module),
		cmocka_unit_test(group_too_many_modules),
		cmocka_unit_test(group_all_eight_vms),
		cmocka_unit_test(group_rejects_forged_vm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
