/* guest/mbguest.c: the guest's Multiboot info, checked by parsing it back
 * with guest/mbinfo.c as a guest would. */
#include "tests/unit/guest_test.h"
#include "guest/mbguest.h"
#include "guest/mbinfo.h"

#define RAM_SIZE (8u << 20)
static uint8_t ram_buf[RAM_SIZE];
static struct guest_ram ram = { ram_buf, RAM_SIZE };
static struct mbguest_layout lay;
static struct mbinfo mi;
static struct tdiag t, t2;
static uint8_t mod_a[5000], mod_b[4096];

static int setup(void **state)
{
	(void)state;
	memset(ram_buf, 0xCC, sizeof(ram_buf));
	ram = (struct guest_ram){ ram_buf, RAM_SIZE };
	for (size_t i = 0; i < sizeof(mod_a); i++)
		mod_a[i] = (uint8_t)(i * 13 + 1);
	for (size_t i = 0; i < sizeof(mod_b); i++)
		mod_b[i] = (uint8_t)(i * 5 + 2);
	return 0;
}

static bool ram_read(void *ctx, uint64_t a, void *dst, size_t len)
{
	struct guest_ram *r = ctx;
	if (!guest_ram_fits(r, a, len))
		return false;
	memcpy(dst, r->host + a, len);
	return true;
}

static void parse_back(void)
{
	assert_true(mbinfo_parse(lay.info, ram_read, &ram, &mi, tdiag_init(&t2)));
	if (mi.problems)
		fail_msg("the guest's info does not parse cleanly:\n%s", t2.buf);
}

static void assert_ram_untouched(void)
{
	for (size_t i = 0; i < RAM_SIZE; i++)
		if (ram_buf[i] != 0xCC)
			fail_msg("RAM %#zx written by a refused build", i);
}

static const struct mbguest_module two_mods[] = {
	{ mod_a, sizeof(mod_a), "/boot/a.bin -- x", 11 },	/* only "/boot/a.bin" */
	{ mod_b, sizeof(mod_b), "initrd", 6 },
};

static void typical_guest(void **state)
{
	const struct mbguest_params p = {
		.kernel_end = 0x105123, .cmdline = "console=ttyS0 quiet", .cmdline_len = 19,
		.mods = two_mods, .nmods = 2,
	};
	(void)state;
	assert_int_equal(mbguest_build(&ram, &p, &lay, tdiag_init(&t)), MBGUEST_OK);
	assert_diag_empty(&t);
	assert_int_equal(lay.info, MBGUEST_INFO);
	assert_int_equal(lay.mod_start[0], 0x106000);
	assert_int_equal(lay.mod_start[1], 0x108000);	/* 0x106000 + 5000 -> page up */
	assert_int_equal(lay.end, 0x109000);
	parse_back();
	assert_int_equal(mi.flags, MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MODS |
				   MBI_FLAG_MMAP | MBI_FLAG_LOADER_NAME);
	assert_int_equal(mi.mem_lower_kb, 639);
	assert_int_equal(mi.mem_upper_kb, (RAM_SIZE - 0x100000) / 1024);
	assert_string_equal(mbinfo_cmdline(&mi), "console=ttyS0 quiet");
	assert_string_equal(mbinfo_loader_name(&mi), "Shade");
	assert_int_equal(mi.nmods, 2);
	assert_int_equal(mi.mods[0].start, 0x106000);
	assert_int_equal(mi.mods[0].end, 0x106000 + sizeof(mod_a));
	assert_int_equal(mi.mods[1].end - mi.mods[1].start, sizeof(mod_b));
	assert_string_equal(mbinfo_mod_string(&mi, 0), "/boot/a.bin");
	assert_string_equal(mbinfo_mod_string(&mi, 1), "initrd");
	assert_memory_equal(ram_buf + 0x106000, mod_a, sizeof(mod_a));
	assert_memory_equal(ram_buf + 0x108000, mod_b, sizeof(mod_b));
	/* the kernel's bytes and the gap before the modules are left alone */
	assert_int_equal(ram_buf[0x105122], 0xCC);
	assert_int_equal(ram_buf[0x100000], 0xCC);
}

static void memory_map(void **state)
{
	const struct mbguest_params p = { .kernel_end = 0x100000 };
	(void)state;
	ram.size = 64u << 20;
	static uint8_t big[64u << 20];
	ram.host = big;
	assert_int_equal(mbguest_build(&ram, &p, &lay, tdiag_init(&t)), MBGUEST_OK);
	parse_back();
	assert_true(mi.ranges_from_mmap);
	assert_int_equal(mi.nranges, 3);
	assert_int_equal(mi.ranges[0].base, 0);
	assert_int_equal(mi.ranges[0].len, 0x9fc00);
	assert_int_equal(mi.ranges[0].type, MB_MEM_AVAILABLE);
	assert_int_equal(mi.ranges[1].base, 0x9fc00);
	assert_int_equal(mi.ranges[1].len, 0x100000 - 0x9fc00);
	assert_int_equal(mi.ranges[1].type, MB_MEM_RESERVED);
	assert_int_equal(mi.ranges[2].base, 0x100000);
	assert_int_equal(mi.ranges[2].len, (64u << 20) - 0x100000);
	assert_int_equal(mi.mem_upper_kb, 63 * 1024);
	/* mmap entries carry size 20 and the info points at them */
	assert_int_equal(get32(big + MBGUEST_MMAP), 20);
	assert_int_equal(get32(big + MBGUEST_INFO + MBI_OFF_MMAP_LENGTH), 72);
	/* low structures do not overlap the reserved area */
	assert_true(MBGUEST_STRINGS_END <= MBGUEST_LOW_END);
}

static void no_modules_no_cmdline(void **state)
{
	const struct mbguest_params p = { .kernel_end = 0x180000 };
	(void)state;
	assert_int_equal(mbguest_build(&ram, &p, &lay, tdiag_init(&t)), MBGUEST_OK);
	parse_back();
	assert_string_equal(mbinfo_cmdline(&mi), "");
	assert_true(mi.has_cmdline);
	assert_int_equal(mi.nmods, 0);
	assert_int_equal(mi.mods_count, 0);
	assert_int_equal(lay.end, 0x180000);
}

static void strings_not_terminated_or_embedded_nul(void **state)
{
	char cmd[8] = { 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h' };	/* no NUL */
	const struct mbguest_module m[] = { { mod_b, 16, "mo\0dule", 7 }, { mod_b, 16, NULL, 99 } };
	const struct mbguest_params p = { .kernel_end = 0x101000, .cmdline = cmd,
					  .cmdline_len = 5, .mods = m, .nmods = 2 };
	(void)state;
	assert_int_equal(mbguest_build(&ram, &p, &lay, tdiag_init(&t)), MBGUEST_OK);
	parse_back();
	assert_string_equal(mbinfo_cmdline(&mi), "abcde");
	assert_string_equal(mbinfo_mod_string(&mi, 0), "mo");
	assert_string_equal(mbinfo_mod_string(&mi, 1), "");
}

static void empty_and_null_modules(void **state)
{
	const struct mbguest_module m[] = { { NULL, 12345, "null", 4 }, { mod_a, 0, "empty", 5 },
					    { mod_a, 1, "one", 3 } };
	const struct mbguest_params p = { .kernel_end = 0x101000, .mods = m, .nmods = 3 };
	(void)state;
	assert_int_equal(mbguest_build(&ram, &p, &lay, tdiag_init(&t)), MBGUEST_OK);
	parse_back();
	assert_int_equal(mi.nmods, 3);
	assert_int_equal(mi.mods[0].start, mi.mods[0].end);
	assert_int_equal(mi.mods[1].start, mi.mods[1].end);
	assert_int_equal(mi.mods[2].end - mi.mods[2].start, 1);
	assert_int_equal(mi.mods[2].start & 0xfff, 0);
}

static void thirty_two_modules(void **state)
{
	struct mbguest_module m[MBGUEST_MAX_MODS];
	char names[MBGUEST_MAX_MODS][16];
	(void)state;
	for (unsigned i = 0; i < MBGUEST_MAX_MODS; i++) {
		snprintf(names[i], sizeof(names[i]), "mod%u", i);
		m[i] = (struct mbguest_module){ mod_a, 100 + i, names[i], strlen(names[i]) };
	}
	const struct mbguest_params p = { .kernel_end = 0x200000, .mods = m, .nmods = MBGUEST_MAX_MODS };
	assert_int_equal(mbguest_build(&ram, &p, &lay, tdiag_init(&t)), MBGUEST_OK);
	parse_back();
	assert_int_equal(mi.nmods, MBGUEST_MAX_MODS);
	for (unsigned i = 0; i < MBGUEST_MAX_MODS; i++) {
		assert_int_equal(mi.mods[i].start, 0x200000 + i * 0x1000);
		assert_int_equal(mi.mods[i].end - mi.mods[i].start, 100 + i);
		assert_string_equal(mbinfo_mod_string(&mi, i), names[i]);
	}
	/* the list stays inside its slot below the boot loader name */
	assert_string_equal((char *)ram_buf + MBGUEST_NAME, "Shade");
}

static void module_fits_exactly_at_ram_end(void **state)
{
	static uint8_t big[RAM_SIZE - 0x101000];
	const struct mbguest_module m[] = { { big, sizeof(big), "big", 3 } };
	const struct mbguest_params p = { .kernel_end = 0x100800, .mods = m, .nmods = 1 };
	(void)state;
	assert_int_equal(mbguest_build(&ram, &p, &lay, tdiag_init(&t)), MBGUEST_OK);
	assert_int_equal(lay.end, RAM_SIZE);
}

static void module_does_not_fit(void **state)
{
	static uint8_t big[RAM_SIZE - 0x101000 + 1];
	const struct mbguest_module m[] = { { mod_a, 10, "small", 5 }, { big, sizeof(big), "/boot/initrd.gz", 15 } };
	const struct mbguest_params p = { .kernel_end = 0x100000, .mods = m, .nmods = 2 };
	(void)state;
	assert_int_equal(mbguest_build(&ram, &p, &lay, tdiag_init(&t)), MBGUEST_ENOFIT);
	assert_diag_has(&t, "module 1 (/boot/initrd.gz, 7335937 bytes) does not fit in guest RAM: it would start at 0x101000 of 0x800000");
	assert_ram_untouched();
}

static void module_length_absurd(void **state)
{
	const struct mbguest_module m[] = { { mod_a, UINT64_MAX, "x", 1 } };
	const struct mbguest_params p = { .kernel_end = 0x100000, .mods = m, .nmods = 1 };
	(void)state;
	assert_int_equal(mbguest_build(&ram, &p, &lay, tdiag_init(&t)), MBGUEST_ENOFIT);
	assert_ram_untouched();
}

static void strings_overflow(void **state)
{
	static char huge[MBGUEST_STRINGS_END];
	(void)state;
	memset(huge, 'c', sizeof(huge));
	const struct mbguest_module m[] = { { mod_a, 10, huge, 0x1000 } };
	struct mbguest_params p = { .kernel_end = 0x100000, .cmdline = huge,
				    .cmdline_len = MBGUEST_STRINGS_END - MBGUEST_STRINGS - 0x800,
				    .mods = m, .nmods = 1 };
	assert_int_equal(mbguest_build(&ram, &p, &lay, tdiag_init(&t)), MBGUEST_ESTRINGS);
	assert_diag_has(&t, "need more than the 643072 bytes set aside");
	assert_ram_untouched();
	/* a command line using the whole area but its NUL fits exactly */
	p.nmods = 0;
	p.cmdline_len = MBGUEST_STRINGS_END - MBGUEST_STRINGS - 1;
	assert_int_equal(mbguest_build(&ram, &p, &lay, tdiag_init(&t)), MBGUEST_OK);
	p.cmdline_len = SIZE_MAX;	/* capped at the area, then refused */
	assert_int_equal(mbguest_build(&ram, &p, &lay, tdiag_init(&t)), MBGUEST_ESTRINGS);
}

static void ram_size_limits(void **state)
{
	const struct mbguest_params p = { .kernel_end = 0x100000 };
	(void)state;
	ram.size = (2u << 20) - 4096;
	assert_int_equal(mbguest_build(&ram, &p, &lay, tdiag_init(&t)), MBGUEST_ERAM);
	assert_diag_has(&t, "needs 2 MiB to 4 GiB - 1 MiB");
	ram = (struct guest_ram){ NULL, 4ull << 30 };	/* never dereferenced */
	assert_int_equal(mbguest_build(&ram, &p, &lay, tdiag_init(&t)), MBGUEST_ERAM);
	ram = (struct guest_ram){ ram_buf, RAM_SIZE };
	assert_ram_untouched();
}

static void kernel_end_beyond_ram(void **state)
{
	const struct mbguest_params p = { .kernel_end = RAM_SIZE + 1 };
	(void)state;
	assert_int_equal(mbguest_build(&ram, &p, &lay, tdiag_init(&t)), MBGUEST_ERAM);
	assert_diag_has(&t, "kernel end 0x800001 lies beyond guest RAM 0x800000");
	assert_ram_untouched();
}

static void too_many_modules(void **state)
{
	struct mbguest_module m[MBGUEST_MAX_MODS + 1] = { { 0 } };
	struct mbguest_params p = { .kernel_end = 0x100000, .mods = m, .nmods = MBGUEST_MAX_MODS + 1 };
	(void)state;
	assert_int_equal(mbguest_build(&ram, &p, &lay, tdiag_init(&t)), MBGUEST_ETOOMANY);
	assert_diag_has(&t, "33 modules: a guest takes at most 32");
	p.mods = NULL;
	p.nmods = 1;
	assert_int_equal(mbguest_build(&ram, &p, &lay, tdiag_init(&t)), MBGUEST_ETOOMANY);
	assert_ram_untouched();
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(typical_guest),
		T(memory_map),
		T(no_modules_no_cmdline),
		T(strings_not_terminated_or_embedded_nul),
		T(empty_and_null_modules),
		T(thirty_two_modules),
		T(module_fits_exactly_at_ram_end),
		T(module_does_not_fit),
		T(module_length_absurd),
		T(strings_overflow),
		T(ram_size_limits),
		T(kernel_end_beyond_ram),
		T(too_many_modules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
