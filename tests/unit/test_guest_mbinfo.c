/* guest/mbinfo.c: the host Multiboot v1 info structure, good and hostile. */
#include "tests/unit/guest_fakemem.h"
#include "guest/mbinfo.h"

static struct fakemem fm;
static struct mbinfo mi;
static struct tdiag t;

#define MBI	0x9000u
#define MODS	0x9100u
#define MMAP	0x9200u
#define CMD	0xA000u
#define NAME	0xA800u

static bool parse(void)
{
	return mbinfo_parse(MBI, fakemem_read, &fm, &mi, tdiag_init(&t));
}

static void set_flags(uint32_t f)
{
	put32(fm.buf + MBI, f);
}

static unsigned mmap_n;
static uint32_t mmap_off;

static void mmap_entry_sized(uint32_t size, uint64_t base, uint64_t len, uint32_t type)
{
	uint8_t *e = fm.buf + MMAP + mmap_off;
	put32(e, size);
	put64(e + 4, base);
	put64(e + 12, len);
	put32(e + 20, type);
	mmap_off += size + 4;
	mmap_n++;
	put32(fm.buf + MBI + MBI_OFF_MMAP_LENGTH, mmap_off);
	put32(fm.buf + MBI + MBI_OFF_MMAP_ADDR, MMAP);
}

static void mmap_entry(uint64_t base, uint64_t len, uint32_t type)
{
	mmap_entry_sized(20, base, len, type);
}

static void module(unsigned i, uint32_t start, uint32_t end, uint32_t str)
{
	uint8_t *e = fm.buf + MODS + i * 16;
	put32(e, start);
	put32(e + 4, end);
	put32(e + 8, str);
	put32(e + 12, 0);
	if (i + 1 > get32(fm.buf + MBI + MBI_OFF_MODS_COUNT))
		put32(fm.buf + MBI + MBI_OFF_MODS_COUNT, i + 1);
	put32(fm.buf + MBI + MBI_OFF_MODS_ADDR, MODS);
}

/* A GRUB-like structure: memory, command line, two modules, a map, a name. */
static int setup_grub(void **state)
{
	(void)state;
	fakemem_reset(&fm);
	mmap_n = 0;
	mmap_off = 0;
	set_flags(MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MODS | MBI_FLAG_MMAP |
		  MBI_FLAG_LOADER_NAME);
	put32(fm.buf + MBI + MBI_OFF_MEM_LOWER, 639);
	put32(fm.buf + MBI + MBI_OFF_MEM_UPPER, 130048);
	put32(fm.buf + MBI + MBI_OFF_CMDLINE, CMD);
	fm_str(&fm, CMD, "/boot/shade.elf log=debug");
	put32(fm.buf + MBI + MBI_OFF_LOADER_NAME, NAME);
	fm_str(&fm, NAME, "GRUB 2.06");
	module(0, 0x110000, 0x118123, 0xB000);
	fm_str(&fm, 0xB000, "/boot/k.elf -- hi");
	module(1, 0x119000, 0x119000, 0xB100);	/* empty module: allowed */
	fm_str(&fm, 0xB100, "/boot/empty vm=1");
	mmap_entry(0, 0x9fc00, MB_MEM_AVAILABLE);
	mmap_entry(0x9fc00, 0x400, MB_MEM_RESERVED);
	mmap_entry(0xf0000, 0x10000, MB_MEM_RESERVED);
	mmap_entry(0x100000, 0x7ee0000, MB_MEM_AVAILABLE);
	mmap_entry(0xfffc0000, 0x40000, MB_MEM_RESERVED);
	return 0;
}

static void grub_like(void **state)
{
	(void)state;
	assert_true(parse());
	assert_diag_empty(&t);
	assert_int_equal(mi.problems, 0);
	assert_int_equal(mi.mem_lower_kb, 639);
	assert_int_equal(mi.mem_upper_kb, 130048);
	assert_string_equal(mbinfo_cmdline(&mi), "/boot/shade.elf log=debug");
	assert_int_equal(mi.cmdline_len, 25);
	assert_string_equal(mbinfo_loader_name(&mi), "GRUB 2.06");
	assert_int_equal(mi.nmods, 2);
	assert_int_equal(mi.mods[0].start, 0x110000);
	assert_int_equal(mi.mods[0].end, 0x118123);
	assert_string_equal(mbinfo_mod_string(&mi, 0), "/boot/k.elf -- hi");
	assert_string_equal(mbinfo_mod_string(&mi, 1), "/boot/empty vm=1");
	assert_string_equal(mbinfo_mod_string(&mi, 2), "");
	assert_true(mi.ranges_from_mmap);
	assert_int_equal(mi.nranges, 5);
	assert_int_equal(mi.ranges[3].base, 0x100000);
	assert_int_equal(mi.ranges[3].len, 0x7ee0000);
	assert_int_equal(mi.ranges[3].type, MB_MEM_AVAILABLE);
	assert_int_equal(mi.ranges[4].type, MB_MEM_RESERVED);
	assert_int_equal(mi.size, 68);
	assert_true(fm.max_read <= 4096);
}

static void mmap_entries_with_larger_size(void **state)
{
	(void)state;
	mmap_off = 0;
	mmap_entry_sized(24, 0, 0x9f000, MB_MEM_AVAILABLE);	/* ACPI 3.0 style */
	mmap_entry_sized(36, 0x100000, 0x100000, MB_MEM_AVAILABLE);
	mmap_entry_sized(20, 0x200000, 0x1000, MB_MEM_ACPI);
	assert_true(parse());
	assert_diag_empty(&t);
	assert_int_equal(mi.nranges, 3);
	assert_int_equal(mi.ranges[1].base, 0x100000);
	assert_int_equal(mi.ranges[2].type, MB_MEM_ACPI);
}

static void mmap_entry_size_too_small(void **state)
{
	(void)state;
	mmap_off = 0;
	mmap_entry(0, 0x9f000, MB_MEM_AVAILABLE);
	mmap_entry_sized(0, 0x100000, 0x100000, MB_MEM_AVAILABLE);
	mmap_entry(0x200000, 0x100000, MB_MEM_AVAILABLE);
	assert_true(parse());
	assert_diag_has(&t, "memory map: entry at offset 24 has size 0 (< 20)");
	assert_int_equal(mi.nranges, 1);
	assert_int_equal(mi.problems, 1);
	assert_int_equal(mi.mod_problems, 0);
	/* size 19: also refused (the entry would end inside its own fields) */
	mmap_off = 0;
	mmap_entry_sized(19, 0, 0x9f000, MB_MEM_AVAILABLE);
	put32(fm.buf + MBI + MBI_OFF_MMAP_LENGTH, 24);
	assert_true(parse());	/* falls back to mem_lower/mem_upper */
	assert_diag_has(&t, "has size 19 (< 20)");
	assert_false(mi.ranges_from_mmap);
	assert_int_equal(mi.nranges, 2);
	assert_int_equal(mi.ranges[1].base, 1u << 20);
	assert_int_equal(mi.ranges[1].len, 130048ull << 10);
}

static void mmap_entry_runs_past_length(void **state)
{
	(void)state;
	mmap_off = 0;
	mmap_entry(0, 0x9f000, MB_MEM_AVAILABLE);
	mmap_entry_sized(0xfffffff0u, 0x100000, 0x100000, MB_MEM_AVAILABLE);
	put32(fm.buf + MBI + MBI_OFF_MMAP_LENGTH, 48);
	assert_true(parse());
	assert_diag_has(&t, "entry at offset 24 (size 4294967280) runs past mmap_length 48");
	assert_int_equal(mi.nranges, 1);
	/* mmap_length not a multiple of the entry size: a 3-byte tail */
	mmap_off = 0;
	mmap_entry(0, 0x9f000, MB_MEM_AVAILABLE);
	put32(fm.buf + MBI + MBI_OFF_MMAP_LENGTH, 27);
	assert_true(parse());
	assert_diag_has(&t, "entry at offset 24 is cut off");
	assert_int_equal(mi.nranges, 1);
}

static void mmap_length_absurd(void **state)
{
	(void)state;
	put32(fm.buf + MBI + MBI_OFF_MMAP_LENGTH, 0xffffffffu);
	assert_true(parse());
	assert_diag_has(&t, "mmap_length 4294967295 is absurd");
	/* The five real entries parse, then zeros: size 0 stops the walk. */
	assert_int_equal(mi.nranges, 5);
	assert_diag_has(&t, "has size 0");
	assert_true(fm.reads < 100);
}

static void mmap_unreadable(void **state)
{
	(void)state;
	put32(fm.buf + MBI + MBI_OFF_MMAP_ADDR, 0x7ffffff0u);
	assert_true(parse());	/* mem_lower/mem_upper */
	assert_diag_has(&t, "memory map: entry at offset 0 is cut off or unreadable");
	assert_false(mi.ranges_from_mmap);
	assert_int_equal(mi.nranges, 2);
}

static void mmap_too_many_entries(void **state)
{
	(void)state;
	mmap_off = 0;
	for (unsigned i = 0; i < MBINFO_MAX_RANGES + 10; i++)
		mmap_entry((uint64_t)i << 20, 0x1000, MB_MEM_AVAILABLE);
	assert_true(parse());
	assert_int_equal(mi.nranges, MBINFO_MAX_RANGES);
	assert_diag_has(&t, "more than 128 entries");
	assert_int_equal(t.d.count, 1);
}

static void mmap_wrapping_and_empty_ranges(void **state)
{
	(void)state;
	mmap_off = 0;
	mmap_entry(0, 0, MB_MEM_AVAILABLE);	/* empty: dropped silently */
	mmap_entry(0xfffffffffffff000ull, 0x2000, MB_MEM_RESERVED);
	mmap_entry(0x100000, 0x100000, MB_MEM_AVAILABLE);
	mmap_entry(UINT64_MAX, 5, MB_MEM_AVAILABLE);	/* clamps to nothing */
	assert_true(parse());
	assert_diag_has(&t, "range at 0xfffffffffffff000 length 0x2000 wraps past 2^64; clamped");
	assert_int_equal(mi.nranges, 2);
	assert_int_equal(mi.ranges[0].len, 0xfff);
	assert_true(mi.ranges[0].base + mi.ranges[0].len >= mi.ranges[0].base);
}

static void no_mmap_uses_mem_fields(void **state)
{
	(void)state;
	set_flags(MBI_FLAG_MEM);
	put32(fm.buf + MBI + MBI_OFF_MEM_LOWER, 5000);	/* nonsense: > 640 */
	assert_true(parse());
	assert_diag_has(&t, "mem_lower 5000 KiB is more than 640; clamped");
	assert_int_equal(mi.nranges, 2);
	assert_int_equal(mi.ranges[0].len, 640 << 10);
	assert_false(mi.has_cmdline);
	assert_int_equal(mi.nmods, 0);
	assert_string_equal(mbinfo_cmdline(&mi), "");
	assert_string_equal(mbinfo_loader_name(&mi), "");
	assert_int_equal(mi.size, 12);
}

static void no_memory_information(void **state)
{
	(void)state;
	set_flags(MBI_FLAG_CMDLINE);
	assert_false(parse());
	assert_diag_has(&t, "no memory information");
	set_flags(MBI_FLAG_MMAP);
	put32(fm.buf + MBI + MBI_OFF_MMAP_LENGTH, 0);
	assert_false(parse());
	assert_int_equal(mi.nranges, 0);
}

static void info_unreadable(void **state)
{
	(void)state;
	assert_false(mbinfo_parse(0x7ffffff0u, fakemem_read, &fm, &mi, tdiag_init(&t)));
	assert_diag_has(&t, "Multiboot info at 0x7ffffff0 is unreadable");
	assert_int_equal(mi.nmods, 0);
	assert_int_equal(mi.nranges, 0);
	/* flags readable, but the fields the flags promise run off the end */
	fm.size = MBI + 40;
	set_flags(MBI_FLAG_MMAP);
	assert_false(parse());
	assert_diag_has(&t, "(52 bytes for flags 0x40) is unreadable");
	assert_int_equal(mi.flags, 0);
}

static void framebuffer_flag_reads_full_size(void **state)
{
	(void)state;
	set_flags(MBI_FLAG_MEM | MBI_FLAG_FRAMEBUFFER | (1u << 31));
	assert_true(parse());
	assert_int_equal(mi.size, MBI_SIZE_MAX);
}

static void module_end_before_start(void **state)
{
	(void)state;
	module(1, 0x200000, 0x1fffff, 0xB100);
	assert_true(parse());
	assert_diag_has(&t, "module 1: ends at 0x1fffff before it starts at 0x200000");
	assert_int_equal(mi.nmods, 1);
	assert_int_equal(mi.mod_problems, 1);
}

static void modules_overlap(void **state)
{
	(void)state;
	module(1, 0x118000, 0x120000, 0xB100);
	module(2, 0x300000, 0x300010, 0);
	assert_true(parse());
	assert_diag_has(&t, "module 1 [0x118000, 0x120000) overlaps module 0 [0x110000, 0x118123)");
	assert_int_equal(mi.mod_problems, 1);
	assert_int_equal(mi.nmods, 3);
	assert_string_equal(mbinfo_mod_string(&mi, 2), "");	/* no string */
	/* touching is no overlap */
	module(1, 0x118123, 0x120000, 0xB100);
	assert_true(parse());
	assert_int_equal(mi.mod_problems, 0);
}

static void mods_count_absurd(void **state)
{
	(void)state;
	put32(fm.buf + MBI + MBI_OFF_MODS_COUNT, 0xffffffffu);
	for (unsigned i = 0; i < 40; i++)
		module(i, 0x200000 + i * 0x1000, 0x200000 + i * 0x1000 + 0x10, 0xB000);
	put32(fm.buf + MBI + MBI_OFF_MODS_COUNT, 0xffffffffu);
	assert_true(parse());
	assert_diag_has(&t, "mods_count 4294967295: Shade takes at most 32 modules");
	assert_int_equal(mi.nmods, MBINFO_MAX_MODS);
	assert_true(mi.mod_problems >= 1);
	assert_int_equal(mi.mods_count, 0xffffffffu);
}

static void mods_addr_unreadable(void **state)
{
	(void)state;
	put32(fm.buf + MBI + MBI_OFF_MODS_ADDR, FAKEMEM_SIZE - 20);
	assert_true(parse());
	assert_diag_has(&t, "module 1: its entry at 0x1ffffc is unreadable");
	assert_int_equal(mi.nmods, 1);
	assert_int_equal(mi.mod_problems, 1);
}

static void cmdline_unterminated(void **state)
{
	(void)state;
	memset(fm.buf + CMD, 'x', MBINFO_MAX_STR + 10);
	assert_true(parse());
	assert_diag_has(&t, "command line at 0xa000: no NUL within 4096 bytes");
	assert_false(mi.has_cmdline);
	assert_string_equal(mbinfo_cmdline(&mi), "");
	assert_int_equal(mi.mod_problems, 0);
	/* exactly 4095 bytes + NUL is fine */
	fm.buf[CMD + MBINFO_MAX_STR - 1] = '\0';
	assert_true(parse());
	assert_int_equal(mi.cmdline_len, MBINFO_MAX_STR - 1);
}

static void cmdline_ends_at_memory_end(void **state)
{
	(void)state;
	/* The NUL is the last readable byte: reading page by page finds it
	 * without touching the unreadable memory beyond. */
	uint32_t a = FAKEMEM_SIZE - 8;
	fm_str(&fm, a, "abc=def");
	put32(fm.buf + MBI + MBI_OFF_CMDLINE, a);
	assert_true(parse());
	assert_string_equal(mbinfo_cmdline(&mi), "abc=def");
	/* and crossing into an unreadable page without a NUL is refused */
	fm.buf[FAKEMEM_SIZE - 1] = 'x';
	assert_true(parse());
	assert_diag_has(&t, "command line at 0x1ffff8: unreadable memory at 0x200000");
}

static void cmdline_in_a_hole(void **state)
{
	(void)state;
	fm.hole_lo = 0xA000;
	fm.hole_hi = 0xA800;
	assert_true(parse());
	assert_diag_has(&t, "command line at 0xa000: unreadable memory");
	assert_string_equal(mbinfo_loader_name(&mi), "GRUB 2.06");
}

static void module_string_unterminated(void **state)
{
	(void)state;
	memset(fm.buf + 0xB100, 'm', MBINFO_MAX_STR + 1);
	assert_true(parse());
	assert_diag_has(&t, "module 1 string at 0xb100: no NUL within 4096 bytes");
	assert_int_equal(mi.nmods, 1);
	assert_int_equal(mi.mod_problems, 1);
}

static void loader_name_too_long(void **state)
{
	(void)state;
	memset(fm.buf + NAME, 'G', 100);
	assert_true(parse());
	assert_diag_has(&t, "boot loader name at 0xa800: no NUL within 64 bytes");
	assert_false(mi.has_loader_name);
}

static void string_pool_exhaustion(void **state)
{
	(void)state;
	/* 32 modules, each with a 4000-byte string: more than the pool holds. */
	for (unsigned i = 0; i < MBINFO_MAX_MODS; i++) {
		uint32_t s = 0x40000 + i * 0x1000;
		memset(fm.buf + s, 'a' + (i % 26), 4000);
		fm.buf[s + 4000] = '\0';
		module(i, 0x200000 + i * 0x1000, 0x200000 + i * 0x1000 + 1, s);
	}
	assert_true(parse());
	assert_diag_has(&t, "no room left to copy it");
	assert_true(mi.nmods < MBINFO_MAX_MODS);
	assert_true(mi.mod_problems > 0);
	assert_true(mi.pool_used <= MBINFO_POOL);
	for (unsigned i = 0; i < mi.nmods; i++)
		assert_int_equal(strlen(mbinfo_mod_string(&mi, i)), 4000);
}

/* ---- reserved ranges ---- */

static bool covered(const struct mb_range *r, unsigned n, uint64_t a, uint64_t len)
{
	for (unsigned i = 0; i < n; i++)
		if (a >= r[i].base && a + len <= r[i].base + r[i].len)
			return true;
	return false;
}

static void reserved_covers_everything(void **state)
{
	struct mb_range r[MBINFO_MAX_RESERVED];
	(void)state;
	assert_true(parse());
	unsigned n = mbinfo_reserved(&mi, 0x100000, 0x10a345, r, MBINFO_MAX_RESERVED);
	assert_true(n > 0);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(r[i].base & 0xfff, 0);
		assert_int_equal(r[i].len & 0xfff, 0);
		assert_true(r[i].len > 0);
		if (i) /* sorted, disjoint, not touching (merged) */
			assert_true(r[i - 1].base + r[i - 1].len < r[i].base);
	}
	assert_true(covered(r, n, 0x100000, 0xa345));		/* image */
	assert_true(covered(r, n, MBI, 68));			/* info */
	assert_true(covered(r, n, MODS, 32));
	assert_true(covered(r, n, MMAP, 5 * 24));
	assert_true(covered(r, n, CMD, 26));
	assert_true(covered(r, n, NAME, 10));
	assert_true(covered(r, n, 0x110000, 0x8123));		/* module 0 */
	assert_true(covered(r, n, 0xB000, 18));			/* its string */
	assert_true(covered(r, n, 0xB100, 17));
	assert_true(covered(r, n, 0x9fc00, 0x400));		/* BIOS reserved */
	assert_true(covered(r, n, 0xfffc0000, 0x40000));
	assert_false(covered(r, n, 0x200000, 0x1000));		/* free RAM stays free */
	assert_false(covered(r, n, 0x0, 0x1000));
	/* the image's last page is widened, the gap before module 0 is not */
	assert_true(covered(r, n, 0x100000, 0xb000));
	assert_false(covered(r, n, 0x10b000, 0x1000));
	/* module 0's last partial page and the empty module 1 touch: merged */
	assert_true(covered(r, n, 0x110000, 0x9000));
}

static void reserved_tiny_output_over_reserves(void **state)
{
	struct mb_range r[2];
	(void)state;
	assert_true(parse());
	unsigned n = mbinfo_reserved(&mi, 0x100000, 0x10a345, r, 2);
	assert_true(n <= 2);
	/* Everything must still be covered, by wider ranges. */
	assert_true(covered(r, n, 0x100000, 0xa345));
	assert_true(covered(r, n, MBI, 68));
	assert_true(covered(r, n, 0xB100, 17));
	assert_true(covered(r, n, 0xfffc0000, 0x40000));
	assert_int_equal(mbinfo_reserved(&mi, 0, 0, r, 0), 0);
}

static void reserved_wrapping_range(void **state)
{
	struct mb_range r[MBINFO_MAX_RESERVED];
	(void)state;
	mmap_off = 0;
	mmap_entry(0, 0x9fc00, MB_MEM_AVAILABLE);
	mmap_entry(0xfffffffffffff800ull, 0x800, MB_MEM_RESERVED);
	assert_true(parse());
	unsigned n = mbinfo_reserved(&mi, 0, 0, r, MBINFO_MAX_RESERVED);
	for (unsigned i = 0; i < n; i++)
		assert_true(r[i].base + r[i].len >= r[i].base);
	assert_int_equal(r[n - 1].base, 0xfffffffffffff000ull);
}

static void type_names(void **state)
{
	(void)state;
	assert_string_equal(mb_mem_type_name(1), "available");
	assert_string_equal(mb_mem_type_name(4), "ACPI NVS");
	assert_string_equal(mb_mem_type_name(0), "unknown");
	assert_string_equal(mb_mem_type_name(0xffffffffu), "unknown");
}

static void random_garbage_never_crashes(void **state)
{
	uint32_t x = 0x31337;
	struct mb_range r[MBINFO_MAX_RESERVED];
	(void)state;
	for (int round = 0; round < 300; round++) {
		fakemem_reset(&fm);
		/* Garbage in the low 64 KiB, with pointers that land back in it. */
		for (uint32_t i = 0; i < 0x10000; i += 4) {
			x = x * 1103515245u + 12345u;
			uint32_t v = x;
			if ((x >> 28) < 6)
				v = (x >> 4) & 0xffff;	/* a plausible pointer */
			else if ((x >> 28) < 8)
				v = (x >> 4) & 0x3f;	/* a small count/size */
			put32(fm.buf + i, v);
		}
		uint32_t at = (x >> 8) & 0xfffc;
		bool ok = mbinfo_parse(at, fakemem_read, &fm, &mi, tdiag_init(&t));
		assert_true(mi.nmods <= MBINFO_MAX_MODS);
		assert_true(mi.nranges <= MBINFO_MAX_RANGES);
		assert_true(mi.pool_used <= MBINFO_POOL);
		assert_true(mi.mod_problems <= mi.problems);
		if (ok)
			assert_true(mi.nranges > 0);
		for (unsigned i = 0; i < mi.nmods; i++) {
			assert_true(mi.mods[i].end >= mi.mods[i].start);
			assert_int_equal(strlen(mbinfo_mod_string(&mi, i)), mi.mods[i].string_len);
		}
		unsigned n = mbinfo_reserved(&mi, 0x100000, 0x110000, r, MBINFO_MAX_RESERVED);
		assert_true(n <= MBINFO_MAX_RESERVED);
	}
}

#define T(f) cmocka_unit_test_setup(f, setup_grub)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(grub_like),
		T(mmap_entries_with_larger_size),
		T(mmap_entry_size_too_small),
		T(mmap_entry_runs_past_length),
		T(mmap_length_absurd),
		T(mmap_unreadable),
		T(mmap_too_many_entries),
		T(mmap_wrapping_and_empty_ranges),
		T(no_mmap_uses_mem_fields),
		T(no_memory_information),
		T(info_unreadable),
		T(framebuffer_flag_reads_full_size),
		T(module_end_before_start),
		T(modules_overlap),
		T(mods_count_absurd),
		T(mods_addr_unreadable),
		T(cmdline_unterminated),
		T(cmdline_ends_at_memory_end),
		T(cmdline_in_a_hole),
		T(module_string_unterminated),
		T(loader_name_too_long),
		T(string_pool_exhaustion),
		T(reserved_covers_everything),
		T(reserved_tiny_output_over_reserves),
		T(reserved_wrapping_range),
		T(type_names),
		T(random_garbage_never_crashes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
