/* guest/mbload.c: Multiboot v1 kernels (ELF32, ELF64, a.out kludge), good
 * and crafted-bad. */
#include "tests/unit/guest_images.h"
#include "guest/mbload.h"

#define RAM_SIZE (8u << 20)
static uint8_t ram_buf[RAM_SIZE];
static struct guest_ram ram = { ram_buf, RAM_SIZE };
static struct img im;
static struct mbload_info info;
static struct tdiag t;

static int setup(void **state)
{
	(void)state;
	memset(ram_buf, 0xCC, sizeof(ram_buf));
	ram.size = RAM_SIZE;
	return 0;
}

static enum mbload_err load(void)
{
	return mbload(im.b, im.len, "/boot/k", &ram, &info, tdiag_init(&t));
}

static void assert_ram_untouched(void)
{
	for (size_t i = 0; i < RAM_SIZE; i++)
		if (ram_buf[i] != 0xCC)
			fail_msg("guest RAM byte %#zx was written by a refused load", i);
}

/* Refused with @err, a message containing @msg, and RAM untouched. */
static void expect_refusal(enum mbload_err err, const char *msg)
{
	enum mbload_err got = load();
	if (got != err)
		fail_msg("expected %s, got %s; messages:\n%s", mbload_err_name(err),
			 mbload_err_name(got), t.buf);
	assert_diag_has(&t, msg);
	assert_diag_has(&t, "/boot/k: ");
	assert_ram_untouched();
}

static void assert_loaded(uint64_t gpa, uint64_t off, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (ram_buf[gpa + i] != img_pattern(off + i))
			fail_msg("RAM %#llx: %#x, expected file byte %#llx", (unsigned long long)(gpa + i),
				 ram_buf[gpa + i], (unsigned long long)(off + i));
}

static void assert_zero(uint64_t gpa, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (ram_buf[gpa + i] != 0)
			fail_msg("RAM %#llx not zeroed (bss)", (unsigned long long)(gpa + i));
}

static void assert_cc(uint64_t gpa, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (ram_buf[gpa + i] != 0xCC)
			fail_msg("RAM %#llx written outside the kernel", (unsigned long long)(gpa + i));
}

/* ---- good images ---- */

static void check_simple_loaded(void)
{
	assert_int_equal(info.entry, K_TEXT + 0x10);
	assert_int_equal(info.load_lo, K_TEXT);
	assert_int_equal(info.load_hi, K_DATA + 0x2000);
	assert_int_equal(info.nsegs, 2);
	assert_int_equal(info.hdr.offset, IMG_MB_OFF);
	assert_loaded(K_TEXT, 0x1000, 0x1234);
	assert_loaded(K_DATA, 0x3000, 0x800);
	assert_zero(K_DATA + 0x800, 0x1800);
	assert_cc(0, K_TEXT);
	assert_cc(K_TEXT + 0x1234, K_DATA - K_TEXT - 0x1234);
	assert_cc(K_DATA + 0x2000, RAM_SIZE - K_DATA - 0x2000);
}

static void elf32_good(void **state)
{
	(void)state;
	img_elf_simple(&im, false);
	assert_int_equal(load(), MBLOAD_OK);
	assert_diag_empty(&t);
	assert_int_equal(info.kind, MBLOAD_ELF32);
	check_simple_loaded();
}

static void elf64_good(void **state)
{
	(void)state;
	img_elf_simple(&im, true);
	assert_int_equal(load(), MBLOAD_OK);
	assert_diag_empty(&t);
	assert_int_equal(info.kind, MBLOAD_ELF64);
	check_simple_loaded();
}

static void elf64_higher_half_entry_translated(void **state)
{
	const uint64_t v = 0xffffffff80000000ull;
	const struct segdef s[] = {
		{ 1, 5, 0x1000, v + K_TEXT, K_TEXT, 0x800, 0x800 },
		{ 1, 6, 0x2000, v + K_DATA, K_DATA, 0x100, 0x100 },
	};
	(void)state;
	img_elf(&im, true, v + K_TEXT + 0x40, s, 2, 0);
	assert_int_equal(load(), MBLOAD_OK);
	assert_int_equal(info.entry, K_TEXT + 0x40);
	assert_loaded(K_TEXT, 0x1000, 0x800);
}

static void elf32_vaddr_differs_from_paddr(void **state)
{
	const struct segdef s[] = { { 1, 5, 0x1000, 0xC0100000u, 0x200000, 0x400, 0x1000 } };
	(void)state;
	img_elf(&im, false, 0x200010, s, 1, 0);	/* entry given physically */
	assert_int_equal(load(), MBLOAD_OK);
	assert_int_equal(info.entry, 0x200010);
	img_elf(&im, false, 0xC0100020u, s, 1, 0);	/* and virtually */
	assert_int_equal(load(), MBLOAD_OK);
	assert_int_equal(info.entry, 0x200020);
	assert_loaded(0x200000, 0x1000, 0x400);
	assert_zero(0x200400, 0xc00);
}

static void elf_other_phdrs_ignored(void **state)
{
	const struct segdef s[] = {
		{ 4, 4, 0x0, 0, 0, 0x5000000, 0x5000000 },		/* PT_NOTE, nonsense sizes */
		{ 0x6474e551, 6, 0, 0, 0, 0, 0 },			/* PT_GNU_STACK */
		{ 1, 5, 0x1000, K_TEXT, K_TEXT, 0x100, 0x100 },
		{ 1, 6, 0x1100, 0x7000000, 0x7000000, 0, 0 },		/* empty PT_LOAD */
	};
	(void)state;
	img_elf(&im, false, K_TEXT, s, 4, 0);
	assert_int_equal(load(), MBLOAD_OK);
	assert_int_equal(info.nsegs, 1);
	assert_int_equal(info.load_hi, K_TEXT + 0x100);
}

static void elf_segment_up_to_ram_end(void **state)
{
	const struct segdef s[] = { { 1, 7, 0x1000, RAM_SIZE - 0x2000, RAM_SIZE - 0x2000, 0x100, 0x2000 } };
	(void)state;
	img_elf(&im, true, RAM_SIZE - 0x2000, s, 1, 0);
	assert_int_equal(load(), MBLOAD_OK);
	assert_int_equal(info.load_hi, RAM_SIZE);
}

static void aout_good(void **state)
{
	(void)state;
	img_aout(&im, K_TEXT, 0x3000, K_TEXT + 0x2800, K_TEXT + 0x5000, K_TEXT + 0x300);
	assert_int_equal(load(), MBLOAD_OK);
	assert_diag_empty(&t);
	assert_int_equal(info.kind, MBLOAD_AOUT);
	assert_int_equal(info.entry, K_TEXT + 0x300);
	assert_int_equal(info.load_lo, K_TEXT);
	assert_int_equal(info.load_hi, K_TEXT + 0x5000);
	/* the loaded bytes include the header itself (the file from offset 0) */
	assert_int_equal(get32(ram_buf + K_TEXT + IMG_MB_OFF), 0x1BADB002u);
	assert_loaded(K_TEXT, 0, IMG_MB_OFF);
	assert_loaded(K_TEXT + 0x400, 0x400, 0x2400);
	assert_zero(K_TEXT + 0x2800, 0x2800);
	assert_cc(K_TEXT + 0x5000, 0x1000);
}

static void aout_load_to_end_of_file_no_bss(void **state)
{
	(void)state;
	img_aout(&im, 0x200000, 0x1800, 0, 0, 0x200000);
	assert_int_equal(load(), MBLOAD_OK);
	assert_int_equal(info.load_hi, 0x201800);
	assert_loaded(0x200400, 0x400, 0x1400);
	assert_cc(0x201800, 0x100);
}

static void aout_header_not_at_file_start(void **state)
{
	/* load_addr below header_addr by less than the header offset: the
	 * load starts in the middle of the file (here at offset 0x100). */
	(void)state;
	img_aout(&im, K_TEXT, 0x2000, 0, 0, K_TEXT);
	put32(im.b + IMG_MB_OFF + 12, K_TEXT + 0x100);	/* header_addr */
	assert_int_equal(load(), MBLOAD_OK);
	assert_int_equal(info.load_hi, K_TEXT + 0x1f00);
	assert_int_equal(get32(ram_buf + K_TEXT + 0x100), 0x1BADB002u);
}

static void header_at_last_possible_offset(void **state)
{
	const struct segdef s[] = { { 1, 5, 0x2000, K_TEXT, K_TEXT, 0x100, 0x100 } };
	(void)state;
	img_elf(&im, false, K_TEXT, s, 1, 0);
	memset(im.b + IMG_MB_OFF, 0, 12);
	img_mb_header(&im, 8192 - 12, 0);
	assert_int_equal(load(), MBLOAD_OK);
	assert_int_equal(info.hdr.offset, 8192 - 12);
}

static void optional_flags_ignored_honoured_flags_accepted(void **state)
{
	(void)state;
	img_elf_simple(&im, false);
	img_mb_header(&im, IMG_MB_OFF, 0xfffe0003u);	/* bits 0,1 + 17..31 */
	assert_int_equal(load(), MBLOAD_OK);
}

static void first_valid_header_after_a_bad_one(void **state)
{
	(void)state;
	img_elf_simple(&im, false);
	put32(im.b + 0x100, 0x1BADB002u);	/* magic, checksum wrong */
	put32(im.b + 0x104, 0x4);
	assert_int_equal(load(), MBLOAD_OK);
	assert_int_equal(info.hdr.offset, IMG_MB_OFF);
}

static void probe(void **state)
{
	struct mb_header h;
	(void)state;
	img_elf_simple(&im, true);
	assert_int_equal(mb_find_header(im.b, im.len, &h, tdiag_init(&t)), MBLOAD_OK);
	assert_int_equal(h.flags, 3);
	assert_int_equal(mb_find_header(NULL, 100, &h, tdiag_init(&t)), MBLOAD_ENOHEADER);
	assert_int_equal(mb_find_header(im.b, 0, &h, tdiag_init(&t)), MBLOAD_ENOHEADER);
	assert_diag_has(&t, "image: no Multiboot header");
	assert_string_equal(mbload_err_name(MBLOAD_EOVERLAP), "overlap");
	assert_string_equal(mbload_err_name((enum mbload_err)99), "?");
}

/* ---- bad headers ---- */

static void no_header(void **state)
{
	(void)state;
	img_elf_simple(&im, false);
	memset(im.b + IMG_MB_OFF, 0, 12);
	expect_refusal(MBLOAD_ENOHEADER, "no Multiboot header (magic 0x1BADB002) in the first 8192 bytes");
}

static void header_beyond_8k(void **state)
{
	(void)state;
	img_elf_simple(&im, false);
	memset(im.b + IMG_MB_OFF, 0, 12);
	img_mb_header(&im, 8192 - 8, 0);	/* straddles the 8 KiB limit */
	expect_refusal(MBLOAD_ENOHEADER, "no Multiboot header");
	img_mb_header(&im, 8192, 0);
	expect_refusal(MBLOAD_ENOHEADER, "no Multiboot header");
}

static void header_misaligned(void **state)
{
	(void)state;
	img_elf_simple(&im, false);
	memset(im.b + IMG_MB_OFF, 0, 12);
	img_mb_header(&im, 0x102, 0);
	expect_refusal(MBLOAD_ENOHEADER, "no Multiboot header");
}

static void header_checksum_wrong(void **state)
{
	(void)state;
	img_elf_simple(&im, false);
	put32(im.b + IMG_MB_OFF + 8, get32(im.b + IMG_MB_OFF + 8) + 1);
	expect_refusal(MBLOAD_ECHECKSUM, "Multiboot magic at offset 0x200 but its checksum is wrong");
}

static void header_cut_by_file_end(void **state)
{
	(void)state;
	img_elf_simple(&im, false);
	im.len = IMG_MB_OFF + 8;
	expect_refusal(MBLOAD_ENOHEADER, "no Multiboot header");
}

static void flag_video_refused(void **state)
{
	(void)state;
	img_elf_simple(&im, false);
	img_mb_header(&im, IMG_MB_OFF, 0x7);
	expect_refusal(MBLOAD_EFLAGS, "header flag 2 requires a video mode");
}

static void unknown_required_flags_refused(void **state)
{
	(void)state;
	img_elf_simple(&im, false);
	img_mb_header(&im, IMG_MB_OFF, 0x8023);
	expect_refusal(MBLOAD_EFLAGS, "header requires flag bits 0x8020 that Shade does not know");
}

/* ---- bad a.out kludges ---- */

static void aout_fields_cut_off(void **state)
{
	(void)state;
	img_aout(&im, K_TEXT, 0x2000, 0, 0, K_TEXT);
	memset(im.b + IMG_MB_OFF, 0, 48);
	img_mb_header(&im, 8192 - 16, 0x10000);	/* 12 bytes fit, the a.out fields not */
	im.len = 0x3000;
	expect_refusal(MBLOAD_EAOUT, "has flag 16 but its address fields are cut off");
}

static void aout_load_after_header(void **state)
{
	(void)state;
	img_aout(&im, K_TEXT, 0x2000, 0, 0, K_TEXT);
	put32(im.b + IMG_MB_OFF + 16, K_TEXT + IMG_MB_OFF + 4);	/* load_addr > header_addr */
	expect_refusal(MBLOAD_EAOUT, "load_addr 0x100204 must be at most header_addr 0x100200");
}

static void aout_load_before_file_start(void **state)
{
	(void)state;
	img_aout(&im, K_TEXT, 0x2000, 0, 0, K_TEXT);
	put32(im.b + IMG_MB_OFF + 16, K_TEXT - 4);	/* file offset would be -4 */
	expect_refusal(MBLOAD_EAOUT, "at most 0x200 bytes before it");
}

static void aout_load_end_not_above_load(void **state)
{
	(void)state;
	img_aout(&im, K_TEXT, 0x2000, K_TEXT, 0, K_TEXT);
	expect_refusal(MBLOAD_EAOUT, "load_end_addr 0x100000 is not above load_addr 0x100000");
}

static void aout_truncated_file(void **state)
{
	(void)state;
	img_aout(&im, K_TEXT, 0x2000, K_TEXT + 0x2001, 0, K_TEXT);
	expect_refusal(MBLOAD_ETRUNC, "0x2001 bytes to load from file offset 0x0, but the file has 0x2000 bytes");
	img_aout(&im, K_TEXT, 0x2000, 0xffffffffu, 0, K_TEXT);
	expect_refusal(MBLOAD_ETRUNC, "truncated?");
}

static void aout_bss_below_load_end(void **state)
{
	(void)state;
	img_aout(&im, K_TEXT, 0x2000, K_TEXT + 0x1000, K_TEXT + 0xfff, K_TEXT);
	expect_refusal(MBLOAD_EAOUT, "bss_end_addr 0x100fff is below the end of the loaded bytes 0x101000");
}

static void aout_entry_outside(void **state)
{
	(void)state;
	img_aout(&im, K_TEXT, 0x2000, K_TEXT + 0x1000, K_TEXT + 0x3000, K_TEXT + 0x1000);
	expect_refusal(MBLOAD_EENTRY, "entry_addr 0x101000 is outside the loaded bytes [0x100000, 0x101000)");
	img_aout(&im, K_TEXT, 0x2000, 0, 0, K_TEXT - 1);
	expect_refusal(MBLOAD_EENTRY, "entry_addr 0xfffff");
}

static void aout_below_1mib(void **state)
{
	(void)state;
	img_aout(&im, 0x8000, 0x2000, 0, 0, 0x8000);
	expect_refusal(MBLOAD_ERANGE, "segment 0 at [0x8000, 0xa000) is outside guest RAM [1 MiB, 0x800000)");
}

static void aout_bss_beyond_ram(void **state)
{
	(void)state;
	img_aout(&im, K_TEXT, 0x2000, 0, 0xffffffffu, K_TEXT);
	expect_refusal(MBLOAD_ERANGE, "outside guest RAM");
	img_aout(&im, 0xfffff000u, 0x2000, 0, 0, 0xfffff000u);
	put32(im.b + IMG_MB_OFF + 12, 0xfffff000u + IMG_MB_OFF);
	expect_refusal(MBLOAD_ERANGE, "outside guest RAM");
}

/* ---- bad ELF ---- */

static void not_elf(void **state)
{
	(void)state;
	img_elf_simple(&im, false);
	im.b[1] = 'X';
	expect_refusal(MBLOAD_ENOTELF, "not an ELF file, and its Multiboot header has no a.out addresses");
}

static void elf_bad_ident(void **state)
{
	(void)state;
	img_elf_simple(&im, false);
	im.b[4] = 3;
	expect_refusal(MBLOAD_EELF, "ELF class 3 is neither ELF32 nor ELF64");
	img_elf_simple(&im, false);
	im.b[5] = 2;
	expect_refusal(MBLOAD_EELF, "only little-endian version 1");
	img_elf_simple(&im, true);
	im.b[6] = 0;
	expect_refusal(MBLOAD_EELF, "only little-endian version 1");
}

static void elf_not_exec(void **state)
{
	(void)state;
	img_elf_simple(&im, false);
	put16(im.b + 16, 3);	/* ET_DYN */
	expect_refusal(MBLOAD_EELF, "ELF type 3 is not ET_EXEC");
}

static void elf_wrong_machine(void **state)
{
	(void)state;
	img_elf_simple(&im, false);
	put16(im.b + 18, 62);
	expect_refusal(MBLOAD_EELF, "ELF32 machine 62 is not i386");
	img_elf_simple(&im, true);
	put16(im.b + 18, 3);
	expect_refusal(MBLOAD_EELF, "ELF64 machine 3 is not x86-64");
}

static void elf_header_truncated(void **state)
{
	/* A file holding only an ELF64 ident and a Multiboot header. */
	(void)state;
	memset(&im, 0, sizeof(im));
	memcpy(im.b, "\177ELF\2\1\1", 7);
	img_mb_header(&im, 20, 0);
	im.len = 32;
	expect_refusal(MBLOAD_ETRUNC, "file of 32 bytes is shorter than its ELF header");
}

static void elf_no_phdrs(void **state)
{
	(void)state;
	img_elf_simple(&im, false);
	put16(im.b + 44, 0);
	expect_refusal(MBLOAD_EELF, "ELF file has no program headers");
}

static void elf_too_many_phdrs(void **state)
{
	(void)state;
	img_elf_simple(&im, true);
	put16(im.b + 56, 0xffff);	/* PN_XNUM */
	expect_refusal(MBLOAD_EELF, "65535 program headers (at most 256)");
}

static void elf_phentsize_too_small(void **state)
{
	(void)state;
	img_elf_simple(&im, true);
	put16(im.b + 54, 32);
	expect_refusal(MBLOAD_EELF, "e_phentsize 32 is smaller than a program header (56)");
}

static void elf_phdrs_beyond_file(void **state)
{
	(void)state;
	img_elf_simple(&im, false);
	put32(im.b + 28, 0xfffffff0u);
	expect_refusal(MBLOAD_ETRUNC, "program headers [0xfffffff0, +2 x 32) lie beyond the file");
	img_elf_simple(&im, true);
	put64(im.b + 32, im.len - 56);	/* the second header would run past the end */
	expect_refusal(MBLOAD_ETRUNC, "lie beyond the file");
	img_elf_simple(&im, true);
	put64(im.b + 32, 0xffffffffffffffc0ull);	/* offset + size wraps */
	expect_refusal(MBLOAD_ETRUNC, "lie beyond the file");
}

static void elf_segment_beyond_file(void **state)
{
	const struct segdef s[] = { { 1, 5, 0x1000, K_TEXT, K_TEXT, 0x1000, 0x1000 } };
	(void)state;
	img_elf(&im, false, K_TEXT, s, 1, 0);
	im.len = 0x1fff;	/* truncated by one byte */
	expect_refusal(MBLOAD_ETRUNC, "segment 0: file bytes [0x1000, +0x1000) lie beyond the file's 8191 bytes (truncated?)");
}

static void elf_segment_offset_wraps(void **state)
{
	const struct segdef s[] = {
		{ 1, 5, 0x1000, K_TEXT, K_TEXT, 0x100, 0x100 },
		{ 1, 5, 0xfffffffffffffff0ull, K_DATA, K_DATA, 0x20, 0x20 },
	};
	(void)state;
	img_elf(&im, true, K_TEXT, s, 2, 0);
	expect_refusal(MBLOAD_ETRUNC, "segment 1: file bytes [0xfffffffffffffff0, +0x20) lie beyond");
}

static void elf_filesz_above_memsz(void **state)
{
	const struct segdef s[] = { { 1, 5, 0x1000, K_TEXT, K_TEXT, 0x200, 0x100 } };
	(void)state;
	img_elf(&im, false, K_TEXT, s, 1, 0);
	expect_refusal(MBLOAD_ESEGMENT, "segment 0: p_filesz 0x200 is larger than p_memsz 0x100");
}

static void elf_segment_address_wraps(void **state)
{
	const struct segdef s[] = {
		{ 1, 5, 0x1000, K_TEXT, K_TEXT, 0x100, 0x100 },
		{ 1, 6, 0x1100, 0xfffffffffffff000ull, 0xfffffffffffff000ull, 0x10, 0x2000 },
	};
	(void)state;
	img_elf(&im, true, K_TEXT, s, 2, 0);
	expect_refusal(MBLOAD_ESEGMENT, "segment 1: address 0xfffffffffffff000 + size 0x2000 wraps around");
}

static void elf_segments_overlap(void **state)
{
	const struct segdef s[] = {
		{ 1, 5, 0x1000, K_TEXT, K_TEXT, 0x1000, 0x1000 },
		{ 1, 6, 0x2000, K_TEXT + 0x3000, K_TEXT + 0x3000, 0x100, 0x100 },
		{ 1, 6, 0x3000, K_TEXT + 0xff0, K_TEXT + 0xff0, 0x10, 0x20 },
	};
	(void)state;
	img_elf(&im, false, K_TEXT, s, 3, 0);
	expect_refusal(MBLOAD_EOVERLAP, "segments 0 [0x100000, 0x101000) and 2 [0x100ff0, 0x101010) overlap");
}

static void elf_bss_overlaps_next_segment(void **state)
{
	const struct segdef s[] = {
		{ 1, 5, 0x1000, K_TEXT, K_TEXT, 0x100, 0x1001 },	/* bss runs into the next */
		{ 1, 6, 0x2000, K_TEXT + 0x1000, K_TEXT + 0x1000, 0x100, 0x100 },
	};
	(void)state;
	img_elf(&im, true, K_TEXT, s, 2, 0);
	expect_refusal(MBLOAD_EOVERLAP, "overlap");
}

static void elf_segment_below_1mib(void **state)
{
	const struct segdef s[] = {
		{ 1, 5, 0x1000, K_TEXT, K_TEXT, 0x100, 0x100 },
		{ 1, 6, 0x2000, 0xff000, 0xff000, 0x100, 0x100 },
	};
	(void)state;
	img_elf(&im, false, K_TEXT, s, 2, 0);
	expect_refusal(MBLOAD_ERANGE, "segment 1 at [0xff000, 0xff100) is outside guest RAM [1 MiB, 0x800000)");
}

static void elf_segment_beyond_ram(void **state)
{
	const struct segdef s[] = { { 1, 5, 0x1000, RAM_SIZE - 0x100, RAM_SIZE - 0x100, 0x100, 0x101 } };
	(void)state;
	img_elf(&im, false, RAM_SIZE - 0x100, s, 1, 0);
	expect_refusal(MBLOAD_ERANGE, "segment 0 at [0x7fff00, 0x800001) is outside guest RAM");
	ram.size = 4u << 20;	/* a smaller VM refuses the kernel that fits in 8 MiB */
	img_elf_simple(&im, false);
	const struct segdef big[] = { { 1, 5, 0x1000, K_TEXT, K_TEXT, 0x100, 0x400000 } };
	img_elf(&im, false, K_TEXT, big, 1, 0);
	expect_refusal(MBLOAD_ERANGE, "outside guest RAM [1 MiB, 0x400000)");
}

static void elf_entry_outside_segments(void **state)
{
	(void)state;
	img_elf_simple(&im, false);
	put32(im.b + 24, 0x500000);
	expect_refusal(MBLOAD_EENTRY, "entry point 0x500000 is not inside the file bytes of any loaded segment");
	img_elf_simple(&im, true);
	put64(im.b + 24, 0);
	expect_refusal(MBLOAD_EENTRY, "entry point 0x0 is not inside");
}

static void elf_entry_in_data_segment(void **state)
{
	(void)state;
	img_elf_simple(&im, true);
	put64(im.b + 24, K_DATA + 4);
	expect_refusal(MBLOAD_EENTRY, "entry point 0x103004 is in segment 1, which is not executable");
}

static void elf_entry_in_bss(void **state)
{
	const struct segdef s[] = { { 1, 7, 0x1000, K_TEXT, K_TEXT, 0x100, 0x1000 } };
	(void)state;
	img_elf(&im, false, K_TEXT + 0x100, s, 1, 0);
	expect_refusal(MBLOAD_EENTRY, "not inside the file bytes");
}

static void elf64_entry_above_4g(void **state)
{
	const uint64_t hi = 0x100000000ull + K_TEXT;
	const struct segdef s[] = { { 1, 5, 0x1000, hi, hi, 0x100, 0x100 } };
	(void)state;
	img_elf(&im, true, hi + 8, s, 1, 0);
	expect_refusal(MBLOAD_EENTRY4G, "entry point 0x100100008 is above 4 GiB; the guest starts in 32-bit protected mode");
}

static void elf_too_many_segments(void **state)
{
	struct segdef s[MBLOAD_MAX_SEGS + 1];
	(void)state;
	for (unsigned i = 0; i < MBLOAD_MAX_SEGS + 1; i++)
		s[i] = (struct segdef){ 1, 5, 0x1000 + i * 0x10, K_TEXT + i * 0x1000, K_TEXT + i * 0x1000, 0x10, 0x10 };
	img_elf(&im, false, K_TEXT, s, MBLOAD_MAX_SEGS + 1, 0);
	expect_refusal(MBLOAD_EELF, "more than 32 loadable segments");
	img_elf(&im, false, K_TEXT, s, MBLOAD_MAX_SEGS, 0);
	assert_int_equal(load(), MBLOAD_OK);
	assert_int_equal(info.nsegs, MBLOAD_MAX_SEGS);
}

static void elf_no_load_segment(void **state)
{
	const struct segdef s[] = { { 4, 4, 0x1000, K_TEXT, K_TEXT, 0x10, 0x10 },
				    { 1, 5, 0x1000, K_TEXT, K_TEXT, 0, 0 } };
	(void)state;
	img_elf(&im, false, K_TEXT, s, 2, 0);
	expect_refusal(MBLOAD_EELF, "no loadable (PT_LOAD) segment");
}

static void every_truncation_refused(void **state)
{
	struct img good;
	(void)state;
	for (int is64 = 0; is64 < 2; is64++) {
		img_elf_simple(&good, is64);
		size_t full = good.len;
		for (size_t cut = 0; cut < full; cut += (cut < 0x400 || full - cut < 64) ? 1 : 61) {
			memcpy(&im, &good, sizeof(im));
			im.len = cut;
			enum mbload_err e = mbload(im.b, im.len, "/boot/k", &ram, &info, tdiag_init(&t));
			if (e == MBLOAD_OK)
				fail_msg("ELF%d truncated to %zu bytes was accepted", is64 ? 64 : 32, cut);
			assert_true(t.d.count >= 1);
		}
	}
	/* a.out: every cut below what load_end_addr asks for */
	img_aout(&good, K_TEXT, 0x3000, K_TEXT + 0x3000, 0, K_TEXT + 0x300);
	for (size_t cut = 0; cut < good.len; cut += 13) {
		memcpy(&im, &good, sizeof(im));
		im.len = cut;
		assert_int_not_equal(mbload(im.b, im.len, "/boot/k", &ram, &info, tdiag_init(&t)), MBLOAD_OK);
	}
	assert_ram_untouched();
}

static void random_header_mutations(void **state)
{
	struct img good;
	uint32_t x = 0xfeedf00d;
	(void)state;
	for (int round = 0; round < 3000; round++) {
		int kind = round % 3;
		if (kind == 2)
			img_aout(&good, K_TEXT, 0x3000, K_TEXT + 0x2800, K_TEXT + 0x5000, K_TEXT + 0x300);
		else
			img_elf_simple(&good, kind);
		memcpy(&im, &good, sizeof(im));
		for (int k = 0; k < 1 + round % 6; k++) {
			x = x * 1103515245u + 12345u;
			uint32_t pos = (x >> 8) % (kind == 2 ? 0x240 : 0x100);
			if (kind != 2 && (x & 1))
				pos = IMG_MB_OFF + (pos % 48);
			im.b[pos] = (uint8_t)(x >> 24);
		}
		enum mbload_err e = mbload(im.b, im.len, "/boot/k", &ram, &info, tdiag_init(&t));
		if (e != MBLOAD_OK) {
			assert_true(t.d.count >= 1);
			continue;
		}
		assert_true(info.load_lo >= MBLOAD_MIN_ADDR);
		assert_true(info.load_hi <= ram.size);
		assert_true(info.entry >= info.load_lo && info.entry < info.load_hi);
	}
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(elf32_good),
		T(elf64_good),
		T(elf64_higher_half_entry_translated),
		T(elf32_vaddr_differs_from_paddr),
		T(elf_other_phdrs_ignored),
		T(elf_segment_up_to_ram_end),
		T(aout_good),
		T(aout_load_to_end_of_file_no_bss),
		T(aout_header_not_at_file_start),
		T(header_at_last_possible_offset),
		T(optional_flags_ignored_honoured_flags_accepted),
		T(first_valid_header_after_a_bad_one),
		T(probe),
		T(no_header),
		T(header_beyond_8k),
		T(header_misaligned),
		T(header_checksum_wrong),
		T(header_cut_by_file_end),
		T(flag_video_refused),
		T(unknown_required_flags_refused),
		T(aout_fields_cut_off),
		T(aout_load_after_header),
		T(aout_load_before_file_start),
		T(aout_load_end_not_above_load),
		T(aout_truncated_file),
		T(aout_bss_below_load_end),
		T(aout_entry_outside),
		T(aout_below_1mib),
		T(aout_bss_beyond_ram),
		T(not_elf),
		T(elf_bad_ident),
		T(elf_not_exec),
		T(elf_wrong_machine),
		T(elf_header_truncated),
		T(elf_no_phdrs),
		T(elf_too_many_phdrs),
		T(elf_phentsize_too_small),
		T(elf_phdrs_beyond_file),
		T(elf_segment_beyond_file),
		T(elf_segment_offset_wraps),
		T(elf_filesz_above_memsz),
		T(elf_segment_address_wraps),
		T(elf_segments_overlap),
		T(elf_bss_overlaps_next_segment),
		T(elf_segment_below_1mib),
		T(elf_segment_beyond_ram),
		T(elf_entry_outside_segments),
		T(elf_entry_in_data_segment),
		T(elf_entry_in_bss),
		T(elf64_entry_above_4g),
		T(elf_too_many_segments),
		T(elf_no_load_segment),
		T(every_truncation_refused),
		T(random_header_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
