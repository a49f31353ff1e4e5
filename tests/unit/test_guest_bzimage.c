/* guest/bzimage.c: the Linux boot-protocol loader against crafted bzImages. */
#include "tests/unit/guest_test.h"
#include "guest/bzimage.h"

#define RAM_SIZE (32u << 20)
#define SETUP	 0xa00u		/* (4 + 1) * 512 */
#define PM_LEN	 0x3000u
#define MIB	 0x100000u

static uint8_t ram_buf[RAM_SIZE];
static struct guest_ram ram;
static uint8_t img[SETUP + PM_LEN + 64];
static size_t img_len;
static uint8_t initrd[16u << 20];
static struct bzimage_params prm;
static struct bzimage_info info;
static struct tdiag t;

static void build_image(void)
{
	memset(img, 0, sizeof(img));
	img[0x1f1] = 4;				/* setup_sects */
	put32(img + 0x1f4, PM_LEN / 16);	/* syssize */
	put16(img + 0x1fe, 0xaa55);
	img[0x200] = 0xeb;
	img[0x201] = 0x6a;			/* header ends at 0x26c */
	memcpy(img + 0x202, "HdrS", 4);
	put16(img + 0x206, 0x020f);
	img[0x211] = 0x01;			/* LOADED_HIGH */
	put32(img + 0x214, 0x100000);
	put32(img + 0x22c, 0x7fffffff);		/* initrd_addr_max */
	put32(img + 0x230, 0x200000);		/* kernel_alignment */
	img[0x234] = 1;				/* relocatable */
	put16(img + 0x236, 0x3);		/* XLF_KERNEL_64 | can be above 4G */
	put32(img + 0x238, 2047);		/* cmdline_size */
	put64(img + 0x258, 0x1000000);		/* pref_address 16 MiB */
	put32(img + 0x260, 0x20000);		/* init_size */
	put32(img + 0x268, 0x1234);		/* kernel_info_offset: copied as is */
	for (size_t i = 0; i < PM_LEN; i++)
		img[SETUP + i] = (uint8_t)(i * 11 + 5);
	img_len = SETUP + PM_LEN;
}

static int setup(void **state)
{
	(void)state;
	memset(ram_buf, 0xCC, sizeof(ram_buf));
	ram = (struct guest_ram){ ram_buf, RAM_SIZE };
	build_image();
	for (size_t i = 0; i < 0x10000; i++)
		initrd[i] = (uint8_t)(i * 3 + 7);
	prm = (struct bzimage_params){ .cmdline = "console=ttyS0 root=/dev/ram0", .cmdline_len = 28,
				       .initrd = initrd, .initrd_len = 0x10000 };
	return 0;
}

static enum bzimage_err load(void)
{
	return bzimage_load(img, img_len, "/boot/vmlinuz", &ram, &prm, &info, tdiag_init(&t));
}

static void assert_ram_untouched(void)
{
	for (size_t i = 0; i < ram.size && i < RAM_SIZE; i++)
		if (ram_buf[i] != 0xCC)
			fail_msg("RAM %#zx written by a refused load", i);
}

static void expect_refusal(enum bzimage_err err, const char *msg)
{
	enum bzimage_err got = load();
	if (got != err)
		fail_msg("expected %s, got %s:\n%s", bzimage_err_name(err), bzimage_err_name(got), t.buf);
	assert_diag_has(&t, msg);
	assert_diag_has(&t, "/boot/vmlinuz: ");
	assert_ram_untouched();
}

static void good_image(void **state)
{
	(void)state;
	assert_int_equal(load(), BZ_OK);
	assert_diag_empty(&t);
	assert_int_equal(info.version, 0x020f);
	assert_int_equal(info.setup_size, SETUP);
	assert_int_equal(info.load_addr, 0x1000000);
	assert_int_equal(info.load_end, 0x1020000);
	assert_int_equal(info.entry32, 0x1000000);
	assert_int_equal(info.entry64, 0x1000200);
	assert_int_equal(info.zero_page, BZ_ZERO_PAGE);
	assert_int_equal(info.cmdline_addr, BZ_CMDLINE);
	assert_int_equal(info.initrd_addr, RAM_SIZE - 0x10000);
	assert_int_equal(info.initrd_len, 0x10000);
	assert_memory_equal(ram_buf + 0x1000000, img + SETUP, PM_LEN);
	assert_memory_equal(ram_buf + info.initrd_addr, initrd, 0x10000);
	assert_string_equal((char *)ram_buf + BZ_CMDLINE, "console=ttyS0 root=/dev/ram0");
}

static void zero_page_contents(void **state)
{
	const uint8_t *zp = ram_buf + BZ_ZERO_PAGE;
	(void)state;
	assert_int_equal(load(), BZ_OK);
	/* the setup header is copied ... */
	assert_memory_equal(zp + 0x202, "HdrS", 4);
	assert_int_equal(get32(zp + 0x268), 0x1234);
	assert_int_equal(zp[0x1f1], 4);
	/* ... and the boot loader's fields filled in */
	assert_int_equal(zp[0x210], 0xff);
	assert_int_equal(get32(zp + 0x214), 0x1000000);
	assert_int_equal(get32(zp + 0x218), RAM_SIZE - 0x10000);
	assert_int_equal(get32(zp + 0x21c), 0x10000);
	assert_int_equal(get32(zp + 0x228), BZ_CMDLINE);
	/* hostile header values for pointers the kernel would follow: cleared */
	setup(state);
	put64(img + 0x250, 0xdeadbeef000ull);	/* setup_data */
	put32(img + 0x23c, 3);			/* hardware_subarch */
	put64(img + 0x240, 0x1234);
	assert_int_equal(load(), BZ_OK);
	assert_int_equal(get64(zp + 0x250), 0);
	assert_int_equal(get32(zp + 0x23c), 0);
	assert_int_equal(get64(zp + 0x240), 0);
	/* beyond the header: zero */
	for (unsigned i = 0x26c; i < 0x2d0; i++)
		assert_int_equal(zp[i], 0);
	for (unsigned i = 0; i < 0x1e8; i++)
		assert_int_equal(zp[i], 0);
	/* e820: low RAM, the reserved hole, RAM from 1 MiB */
	assert_int_equal(zp[0x1e8], 3);
	assert_int_equal(get64(zp + 0x2d0), 0);
	assert_int_equal(get64(zp + 0x2d8), 0x9fc00);
	assert_int_equal(get32(zp + 0x2e0), 1);
	assert_int_equal(get64(zp + 0x2e4), 0x9fc00);
	assert_int_equal(get64(zp + 0x2ec), 0x100000 - 0x9fc00);
	assert_int_equal(get32(zp + 0x2f4), 2);
	assert_int_equal(get64(zp + 0x2f8), 0x100000);
	assert_int_equal(get64(zp + 0x300), RAM_SIZE - 0x100000);
	assert_int_equal(get32(zp + 0x308), 1);
	assert_int_equal(get64(zp + 0x30c), 0);	/* no fourth entry */
}

static void gdt_for_32bit_entry(void **state)
{
	(void)state;
	assert_int_equal(load(), BZ_OK);
	assert_int_equal(info.gdt_base, BZ_GDT);
	assert_int_equal(info.gdt_limit, 0x1f);
	assert_int_equal(get64(ram_buf + BZ_GDT), 0);
	assert_int_equal(get64(ram_buf + BZ_GDT + 0x10), 0x00cf9a000000ffffull);
	assert_int_equal(get64(ram_buf + BZ_GDT + 0x18), 0x00cf92000000ffffull);
}

static void no_initrd_no_cmdline(void **state)
{
	(void)state;
	assert_int_equal(bzimage_load(img, img_len, NULL, &ram, NULL, &info, tdiag_init(&t)), BZ_OK);
	assert_int_equal(info.initrd_addr, 0);
	assert_int_equal(info.initrd_len, 0);
	assert_int_equal(ram_buf[BZ_CMDLINE], 0);
	assert_int_equal(get32(ram_buf + BZ_ZERO_PAGE + 0x218), 0);
}

static void setup_sects_zero_means_four(void **state)
{
	(void)state;
	img[0x1f1] = 0;
	assert_int_equal(load(), BZ_OK);
	assert_int_equal(info.setup_size, SETUP);
}

static void relocated_when_pref_does_not_fit(void **state)
{
	(void)state;
	ram.size = 8u << 20;
	prm.initrd_len = 0x1000;
	assert_int_equal(load(), BZ_OK);
	assert_int_equal(info.load_addr, 0x200000);	/* 1 MiB rounded up to 2 MiB */
	assert_int_equal(info.entry64, 0x200200);
	assert_int_equal(info.initrd_addr, (8u << 20) - 0x1000);
	assert_int_equal(get64(ram_buf + BZ_ZERO_PAGE + 0x300), (8u << 20) - 0x100000);
}

static void pref_unaligned_is_not_used(void **state)
{
	(void)state;
	put64(img + 0x258, 0x1080000);	/* not 2 MiB aligned */
	assert_int_equal(load(), BZ_OK);
	assert_int_equal(info.load_addr, 0x200000);
}

static void initrd_below_initrd_addr_max(void **state)
{
	(void)state;
	put32(img + 0x22c, 0x00ffffff);	/* below 16 MiB */
	assert_int_equal(load(), BZ_OK);
	assert_int_equal(info.initrd_addr, 0x1000000 - 0x10000);
	assert_true(info.initrd_addr + info.initrd_len - 1 <= 0x00ffffff);
}

static void initrd_goes_below_kernel_when_top_is_taken(void **state)
{
	(void)state;
	put32(img + 0x260, 16u << 20);	/* init_size: kernel [16M, 32M) */
	prm.initrd_len = 2u << 20;
	assert_int_equal(load(), BZ_OK);
	assert_int_equal(info.load_addr, 16u << 20);
	assert_int_equal(info.initrd_addr, 14u << 20);
}

static void kernel_moved_low_to_make_room_for_initrd(void **state)
{
	(void)state;
	put32(img + 0x260, 8u << 20);		/* pref: [16M, 24M) */
	prm.initrd_len = (15u << 20) + (512u << 10);	/* 15.5 MiB */
	assert_int_equal(load(), BZ_OK);
	assert_int_equal(info.load_addr, 2u << 20);
	assert_true(info.initrd_addr >= info.load_end);
	assert_true(info.initrd_addr + info.initrd_len <= RAM_SIZE);
	assert_memory_equal(ram_buf + (2u << 20), img + SETUP, PM_LEN);
}

static void initrd_does_not_fit(void **state)
{
	(void)state;
	prm.initrd_len = RAM_SIZE;
	expect_refusal(BZ_EINITRD, "initrd of 33554432 bytes does not fit in guest RAM of 0x2000000");
	put32(img + 0x22c, 0x1fffff);	/* initrd_addr_max 2 MiB: only 1 MiB usable */
	prm.initrd_len = (1u << 20) + 1;
	expect_refusal(BZ_EINITRD, "below initrd_addr_max 0x1fffff");
	prm.initrd_len = 1u << 20;
	assert_int_equal(load(), BZ_OK);
	assert_int_equal(info.initrd_addr, 1u << 20);
}

static void not_relocatable(void **state)
{
	(void)state;
	img[0x234] = 0;
	assert_int_equal(load(), BZ_OK);
	assert_int_equal(info.load_addr, MIB);
	assert_int_equal(info.entry32, MIB);
	assert_int_equal(info.load_end, 0x1020000);	/* up to pref + init_size */
	assert_true(info.initrd_addr >= info.load_end);
	setup(state);
	img[0x234] = 0;
	ram.size = 8u << 20;
	expect_refusal(BZ_ENOFIT, "the kernel is not relocatable and needs [1 MiB, 0x1020000)");
}

static void kernel_larger_than_ram(void **state)
{
	(void)state;
	put32(img + 0x260, 0x40000000);
	expect_refusal(BZ_ENOFIT, "the kernel needs 0x40000000 bytes (init_size) at 0x200000; guest RAM ends at 0x2000000");
}

static void ram_too_small(void **state)
{
	(void)state;
	ram.size = MIB;
	expect_refusal(BZ_ENOFIT, "Linux guests need 2 MiB");
}

static void bad_magic(void **state)
{
	(void)state;
	put16(img + 0x1fe, 0x55aa);
	expect_refusal(BZ_EMAGIC, "no boot_flag 0xAA55 at 0x1fe");
	setup(state);
	memcpy(img + 0x202, "HdrZ", 4);
	expect_refusal(BZ_EMAGIC, "no \"HdrS\" at 0x202");
}

static void old_version(void **state)
{
	(void)state;
	put16(img + 0x206, 0x0209);
	expect_refusal(BZ_EVERSION, "boot protocol 2.09 is older than 2.10");
	put16(img + 0x206, 0x0100);
	expect_refusal(BZ_EVERSION, "1.00");
}

static void version_210_has_no_64bit_entry(void **state)
{
	(void)state;
	put16(img + 0x206, 0x020a);	/* xloadflags did not exist yet */
	assert_int_equal(load(), BZ_OK);
	assert_int_equal(info.entry64, 0);
	setup(state);
	put16(img + 0x236, 0x2);	/* 2.15 but not a 64-bit kernel */
	assert_int_equal(load(), BZ_OK);
	assert_int_equal(info.entry64, 0);
}

static void not_loaded_high(void **state)
{
	(void)state;
	img[0x211] = 0x80;
	expect_refusal(BZ_EHEADER, "loadflags 0x80 lacks LOADED_HIGH");
}

static void bad_alignment(void **state)
{
	static const uint32_t bad[] = { 0, 3, 0x300000, 0x80000000u };
	(void)state;
	for (size_t i = 0; i < 4; i++) {
		put32(img + 0x230, bad[i]);
		expect_refusal(BZ_EHEADER, "is not a power of two up to 1 GiB");
	}
}

static void init_size_too_small(void **state)
{
	(void)state;
	put32(img + 0x260, PM_LEN - 1);
	expect_refusal(BZ_EHEADER, "init_size 0x2fff is smaller than the kernel's 0x3000 file bytes");
}

static void header_end_out_of_range(void **state)
{
	(void)state;
	img[0x201] = 0x40;	/* ends at 0x242, before init_size */
	expect_refusal(BZ_EHEADER, "setup header ends at 0x242");
	img[0x201] = 0xff;	/* ends at 0x301, beyond its room in boot_params */
	expect_refusal(BZ_EHEADER, "ends at 0x301");
}

static void truncated_images(void **state)
{
	(void)state;
	img_len = 0x207;
	expect_refusal(BZ_ETRUNC, "519 bytes end inside the setup header");
	img_len = 0x205;
	expect_refusal(BZ_ETRUNC, "517 bytes is too short for a Linux setup header");
	img_len = SETUP;	/* setup only, no kernel */
	expect_refusal(BZ_ETRUNC, "4 setup sectors (2560 bytes) leave no kernel");
	img_len = SETUP + PM_LEN - 16;
	expect_refusal(BZ_ETRUNC, "syssize says 12288 bytes of kernel, the file has 12272");
	img_len = SETUP + PM_LEN;
	img[0x1f1] = 200;	/* setup_sects beyond the file */
	expect_refusal(BZ_ETRUNC, "200 setup sectors");
}

static void every_truncation_refused(void **state)
{
	(void)state;
	for (size_t cut = 0; cut < SETUP + PM_LEN; cut += cut < 0x300 ? 1 : 15) {
		img_len = cut;
		enum bzimage_err e = load();
		if (e == BZ_OK)
			fail_msg("truncated to %zu bytes: accepted", cut);
		assert_true(t.d.count >= 1);
	}
	assert_ram_untouched();
}

static void cmdline_limits(void **state)
{
	static char line[4096];
	(void)state;
	memset(line, 'x', sizeof(line));
	prm.cmdline = line;
	prm.cmdline_len = 2047;
	assert_int_equal(load(), BZ_OK);
	assert_int_equal(strlen((char *)ram_buf + BZ_CMDLINE), 2047);
	setup(state);
	prm.cmdline = line;
	prm.cmdline_len = 2048;
	expect_refusal(BZ_ECMDLINE, "command line of 2048 bytes is longer than the 2047 the kernel accepts");
	prm.cmdline = "short";	/* a length beyond the NUL: the NUL ends it */
	prm.cmdline_len = SIZE_MAX;
	assert_int_equal(load(), BZ_OK);
}

static void probe(void **state)
{
	(void)state;
	assert_true(bzimage_probe(img, img_len));
	assert_false(bzimage_probe(img, 0x205));
	assert_false(bzimage_probe(NULL, 4096));
	put16(img + 0x1fe, 0);
	assert_false(bzimage_probe(img, img_len));
	assert_string_equal(bzimage_err_name(BZ_EINITRD), "initrd");
	assert_string_equal(bzimage_err_name((enum bzimage_err)77), "?");
}

static void random_header_mutations(void **state)
{
	uint32_t x = 0xabad1dea;
	(void)state;
	for (int round = 0; round < 3000; round++) {
		build_image();
		prm.initrd_len = (round % 7) * 0x40000u;
		for (int k = 0; k < 1 + round % 4; k++) {
			x = x * 1103515245u + 12345u;
			img[0x1f0 + (x >> 8) % 0x80] = (uint8_t)(x >> 24);
		}
		if (load() != BZ_OK) {
			assert_true(t.d.count >= 1);
			continue;
		}
		assert_true(info.load_addr >= MIB && info.load_end <= ram.size);
		assert_true(info.load_addr + PM_LEN <= ram.size);
		if (info.initrd_len) {
			assert_true(info.initrd_addr >= MIB);
			assert_true((uint64_t)info.initrd_addr + info.initrd_len <= ram.size);
			assert_true(info.initrd_addr >= info.load_end ||
				    info.initrd_addr + info.initrd_len <= info.load_addr);
			assert_true((uint64_t)info.initrd_addr + info.initrd_len - 1 <= get32(img + 0x22c));
		}
	}
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(good_image),
		T(zero_page_contents),
		T(gdt_for_32bit_entry),
		T(no_initrd_no_cmdline),
		T(setup_sects_zero_means_four),
		T(relocated_when_pref_does_not_fit),
		T(pref_unaligned_is_not_used),
		T(initrd_below_initrd_addr_max),
		T(initrd_goes_below_kernel_when_top_is_taken),
		T(kernel_moved_low_to_make_room_for_initrd),
		T(initrd_does_not_fit),
		T(not_relocatable),
		T(kernel_larger_than_ram),
		T(ram_too_small),
		T(bad_magic),
		T(old_version),
		T(version_210_has_no_64bit_entry),
		T(not_loaded_high),
		T(bad_alignment),
		T(init_size_too_small),
		T(header_end_out_of_range),
		T(truncated_images),
		T(every_truncation_refused),
		T(cmdline_limits),
		T(probe),
		T(random_header_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
